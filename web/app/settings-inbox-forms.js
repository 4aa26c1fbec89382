// Settings → Inboxes, channel by channel: the forms that create a website
// or API inbox, the form of every platform channel built from what the
// server describes (GET /channels), the mail server fields an e-mail inbox
// shares with its settings, and what each channel needs once its inbox
// exists (the embed code, the identifier and webhook, the bot, Meta's
// callback, the raw-mail address).

import { api, el, field } from "./lib.js";
import { apiBase, checkbox, formCard, hinted, input, secretLine, t, textarea } from "./settings-kit.js";
import { colourWarning, embedCode, positionControl, snippetBox, widgetPreview } from "./settings-inbox-widget.js";

// ---- new inbox: one form per channel ----
// Each returns { node, form, row, first } and calls `created(inbox, extra)`
// once the server made the inbox; nothing is sent before its form is submitted.

function webInboxForm(created) {
  const name = el("input", { name: "name", required: "", autocomplete: "off" });
  const website = el("input", { name: "website_url", type: "url", placeholder: "https://shop.example" });
  const colour = el("input", { name: "widget_color", type: "color", value: "#1f93ff" });
  const title = el("input", { name: "welcome_title" });
  const tagline = el("input", { name: "welcome_tagline" });
  const reply = el("select", { name: "reply_time" },
    ...["in_a_few_minutes", "in_a_few_hours", "in_a_day"].map((v) => el("option", { value: v, text: t(v) })));
  const greeting = checkbox(t("greetingEnabled"), "greeting_enabled", false);
  const greetingText = textarea("greeting_message", "", 2);
  const syncGreeting = () => { greetingText.disabled = !greeting.input.checked; };
  greeting.input.addEventListener("change", syncGreeting);
  syncGreeting();
  const domains = el("input", { name: "allowed_domains", placeholder: "shop.example, *.shop.example" });
  const position = positionControl();
  const card = formCard(t("newInbox"), [
    el("h4", { text: t("newInbox") }),
    el("div", { class: "grid2" }, field(t("name"), name), field(t("website"), website),
      el("div", { class: "field" }, field(t("colour"), colour), colourWarning(colour)), field(t("replyTime"), reply),
      field(t("welcomeTitle"), title), field(t("welcomeTagline"), tagline)),
    el("fieldset", { class: "stack" }, el("legend", { text: t("greeting") }), greeting.node, field(t("greetingMessage"), greetingText)),
    field(t("allowedDomains"), domains), position.node,
  ], t("createInbox"), async () => {
    const inbox = await api(`${apiBase()}/inboxes`, { method: "POST", json: {
      name: name.value.trim(),
      greeting_enabled: greeting.input.checked, greeting_message: greetingText.value.trim(),
      channel: {
        type: "web_widget", website_url: website.value.trim(), widget_color: colour.value, reply_time: reply.value,
        welcome_title: title.value.trim(), welcome_tagline: tagline.value.trim(), allowed_domains: domains.value.trim(),
      },
    } });
    created(inbox, { position: position.value() });
    return "";
  });
  const preview = widgetPreview();
  const paint = () => preview.update({
    colour: colour.value, title: title.value.trim() || name.value.trim(), tagline: tagline.value.trim(),
    replyTime: reply.value, greeting: greeting.input.checked ? greetingText.value.trim() : "", position: position.value(),
  });
  card.form.addEventListener("input", paint);
  card.form.addEventListener("change", paint);
  paint();
  return { node: el("div", { class: "flow-with-preview" }, card.form, preview.node), form: card.form, row: card.row, first: name };
}

function apiInboxForm(created) {
  const name = el("input", { name: "name", required: "", autocomplete: "off" });
  const hook = el("input", { name: "webhook_url", type: "url", placeholder: "https://example.com/hooks" });
  const card = formCard(t("newApiInbox"), [
    el("h4", { text: t("newApiInbox") }), field(t("name"), name),
    hinted(`${t("webhookUrl")} (${t("optional")})`, hook, t("webhookUrlHint")),
  ], t("createInbox"), async () => {
    created(await api(`${apiBase()}/inboxes`, { method: "POST", json: {
      name: name.value.trim(), channel: { type: "api", webhook_url: hook.value.trim() },
    } }));
    return "";
  });
  return { node: card.form, form: card.form, row: card.row, first: name };
}

// A platform channel's form, built from the settings the server describes
// for it (GET /channels): a new channel needs nothing here. Settings in a
// group show once the group's first setting (a checkbox) is on; a dotted
// name (`provider_config.api_key`) is a key of a nested object.
const word = (key, fallback, vars) => {
  const v = t(key, vars);
  return v === key ? fallback : v;
};

// One setting's control. `inbox`, when editing, gives its current value (a
// secret is never shown: left empty, the saved one is kept).
function settingInput(f, inbox) {
  const name = f.name.split(".").pop();
  const attrs = { autocomplete: "off", ...(f.required && !inbox ? { required: "" } : {}) };
  const current = inbox && f.type !== "secret" ? inbox[name] : undefined;
  const initial = current != null ? current : f.default == null ? "" : f.default;
  if (f.type === "boolean") {
    const box = checkbox(fieldLabel(f), name, initial === true);
    return { node: box.node, value: () => box.input.checked, toggle: box.input, reset: () => { box.input.checked = box.input.defaultChecked; } };
  }
  let node;
  if (f.type === "select") {
    node = el("select", { name }, ...f.options.map((o) => el("option", { value: o, text: o })));
    node.value = String(initial);
  } else {
    const type = { secret: "password", port: "number", email: "email", phone: "tel" }[f.type] || "text";
    const kept = inbox && f.type === "secret" && inbox[`${name}_set`] ? { placeholder: t("passwordKept") } : {};
    node = input(name, initial, { ...attrs, type, ...(f.type === "port" ? { min: "1", max: "65535" } : {}),
      ...(f.type === "secret" ? { autocomplete: "new-password", ...kept } : { spellcheck: "false" }) });
  }
  const label = fieldLabel(f);
  const help = keptHint(f, inbox) || word(`help:${f.name}`, f.help);
  const value = () => {
    const x = node.value.trim();
    if (f.type === "port") return x ? Number(x) : undefined;
    if (f.type === "secret" && inbox && !x) return undefined;
    return x;
  };
  const reset = () => { node.value = node.defaultValue; };
  return { node: help ? hinted(label, node, help) : field(label, node), value, reset };
}

function keptHint(f, inbox) {
  return inbox && f.type === "secret" && inbox[`${f.name.split(".").pop()}_set`] ? t("passwordKept") : "";
}

// The settings `fields` as controls: those outside a group, then a fieldset
// per group (shown once the group's first setting, a checkbox, is on).
function settingControls(fields, inbox) {
  const settings = [];
  const loose = [];
  const groups = new Map();
  for (const f of fields) {
    const s = { f, ...settingInput(f, inbox) };
    settings.push(s);
    if (!f.group) {
      loose.push(s.node);
      continue;
    }
    if (!groups.has(f.group)) groups.set(f.group, []);
    groups.get(f.group).push(s);
  }
  const syncs = [];
  const fieldsets = [...groups.entries()].map(([legend, list]) => {
    const [head, ...rest] = list;
    const body = el("div", { class: "grid2" }, ...rest.filter((s) => !s.toggle).map((s) => s.node));
    const checks = rest.filter((s) => s.toggle).map((s) => s.node);
    if (head.toggle) {
      const sync = () => { body.hidden = !head.toggle.checked; checks.forEach((c) => { c.hidden = !head.toggle.checked; }); };
      head.toggle.addEventListener("change", sync);
      syncs.push(sync);
      sync();
    }
    return el("fieldset", { class: "stack" }, el("legend", { text: word(`group:${legend}`, legend) }), head.node, body, ...checks);
  });
  // The `channel` object of a request: dotted names nest.
  function value(into = {}) {
    for (const s of settings) {
      const v = s.value();
      if (v === undefined) continue;
      const path = s.f.name.split(".");
      let at = into;
      for (const k of path.slice(0, -1)) at = at[k] = at[k] || {};
      at[path[path.length - 1]] = v;
    }
    return into;
  }
  function reset() {
    settings.forEach((s) => s.reset());
    syncs.forEach((sync) => sync());
  }
  return { loose, fieldsets, value, reset };
}

// An existing inbox's platform settings (those that may change), from its
// channel's description: { nodes, value, reset }.
export function platformSettings(channel, inbox) {
  const c = settingControls(channel.fields.filter((f) => !f.create_only), inbox);
  const nodes = [...(c.loose.length ? [el("div", { class: "grid2" }, ...c.loose)] : []), ...c.fieldsets];
  return { nodes, value: () => c.value(), reset: c.reset };
}

function platformInboxForm(channel, created) {
  const name = el("input", { name: "name", required: "", autocomplete: "off" });
  const title = word(`new:${channel.name}`, word("newChannelInbox", `New ${channel.label} inbox`, { label: channel.label }));
  const { loose, fieldsets, value } = settingControls(channel.fields, null);
  const card = formCard(title, [
    el("h4", { text: title }), el("div", { class: "grid2" }, field(t("name"), name), ...loose), ...fieldsets,
  ], t("createInbox"), async () => {
    const ch = value({ type: channel.name });
    created(await api(`${apiBase()}/inboxes`, { method: "POST", json: { name: name.value.trim(), channel: ch } }));
    return "";
  });
  return { node: card.form, form: card.form, row: card.row, first: name };
}

const BUILT_IN = [
  { kind: "web", name: "channelWeb", hint: "channelWebHint", icon: "web", form: webInboxForm },
  { kind: "api", name: "channelApi", hint: "channelApiHint", icon: "api", form: apiInboxForm },
];

// The channels a new inbox can have: the built-in ones, then each platform
// channel the server runs, as it describes them.
let described = null;
// The platform channels the server runs, as it describes them (asked once).
export function describedChannels() {
  if (!described) {
    described = api(`${apiBase()}/channels`).then((r) => (r && r.payload) || []).catch((e) => {
      described = null;
      throw e;
    });
  }
  return described;
}

// What a setting is called here.
export function fieldLabel(f) {
  return word(`field:${f.name}`, f.label);
}

// What a platform channel is called here.
export function channelLabel(c) {
  return word(`channel:${c.name}`, c.label);
}

export async function loadChannels() {
  const described = await describedChannels();
  return [...BUILT_IN, ...described.map((c) => ({
    kind: c.name, label: channelLabel(c), hintText: word(`hint:${c.name}`, c.description),
    icon: c.name, described: c, form: (created) => platformInboxForm(c, created),
  }))];
}

// What a new inbox needs next: the website's embed code, the API's
// identifier and webhook, or what a platform channel describes (a sentence
// filled from the inbox, values to copy or count).
export function readyParts(channel, inbox, extra) {
  const p = (text) => el("p", { text });
  if (channel.kind === "web") {
    return [p(t("readyWeb")), snippetBox(embedCode(inbox.web_widget_script || "", extra.position))];
  }
  if (channel.kind === "api") {
    const parts = [p(t("readyApi")), secretLine(t("inboxIdentifier"), inbox.inbox_identifier || "", "identifier").node];
    if (inbox.webhook_url) parts.push(p(t("readyApiHook")), secretLine(t("webhookUrl"), inbox.webhook_url, "webhook").node);
    else parts.push(el("p", { class: "hint", text: t("readyApiNoHook") }));
    return parts;
  }
  const ready = channel.described.ready || { text: "", shown: [] };
  const own = t(`ready:${channel.kind}`, inbox);
  const text = own !== `ready:${channel.kind}` ? own
    : ready.text ? ready.text.replace(/\{([a-z_]+)\}/g, (_, k) => (inbox[k] == null ? "" : String(inbox[k])))
      : t("readyPlatform");
  return [p(text), ...shownParts(channel.described, inbox, true)];
}

const at = (v, pointer) => pointer.split("/").slice(1).reduce((x, k) => (x == null ? x : x[k]), v);

// The values a platform channel shows of an inbox: to copy (a URL, a token)
// or counted (templates); `counts` leaves the counted ones out when false.
export function shownParts(channel, inbox, counts) {
  const ready = channel.ready || { shown: [] };
  const parts = [];
  for (const s of ready.shown) {
    const label = word(`shown:${channel.name}:${s.name}`, s.label);
    const v = at(inbox, s.pointer);
    if (s.kind === "count") {
      if (counts) parts.push(el("p", { class: "meta", text: `${label}: ${(Array.isArray(v) ? v : []).length}` }));
    } else if (v) {
      parts.push(secretLine(label, String(v), s.name).node);
    }
  }
  return parts;
}
