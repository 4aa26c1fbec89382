// Settings → Inboxes: the account's inboxes and, below each, its settings
// (channel details, greeting, conversation options, identity verification,
// working hours), its assignment rules (settings-routing.js), its members and, for a website inbox, the embed snippet and
// a live preview of the widget. "New inbox" replaces the list with the steps
// of settings-inbox-flow.js.

import { api, el, field, locale } from "./lib.js";
import {
  alertBox, apiBase, checkbox, deleteControl, emptyRow, expander, formCard, hinted, input, load, loadingList,
  membersForm, rowButtons, secretLine, signIn, skeletonRows, t, textarea, timeNode, uid,
} from "./settings-kit.js";
import { colourWarning, embedCode, positionControl, snippetBox, widgetPreview } from "./settings-inbox-widget.js";
import { channelLabel, describedChannels, fieldLabel, platformSettings, shownParts } from "./settings-inbox-forms.js";
import { newInboxFlow } from "./settings-inbox-flow.js";
import { assignmentCard } from "./settings-routing.js";

// The platform channels the server describes, by Chatwoot's class name.
let platforms = new Map();

function channelWord(inbox) {
  const platform = platforms.get(inbox.channel_type);
  return inbox.channel_type === "Channel::Api" ? t("channelApi")
    : inbox.channel_type === "Channel::WebWidget" ? t("channelWeb")
    : platform ? channelLabel(platform) : inbox.channel_type || "";
}

const DAY_ORDER = [1, 2, 3, 4, 5, 6, 0]; // Monday first; 0 is Sunday as in Chatwoot
function dayName(d) {
  return new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 7 + d)));
}
const pad = (n) => String(n).padStart(2, "0");

function timezones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

// The business-hours calendar: each day open or closed, around the clock
// or in one or more intervals (a lunch break is two), and holidays.
// `value()` returns the inbox's `business_hours` ({intervals, holidays})
// or throws an Error naming the day whose times are backwards or overlap.
function hoursTable(hours, calendar) {
  const cal = calendar || { intervals: [], holidays: [] };
  const byDay = new Map();
  for (const iv of cal.intervals || []) {
    if (!byDay.has(iv.day_of_week)) byDay.set(iv.day_of_week, []);
    byDay.get(iv.day_of_week).push(iv);
  }
  // An inbox that never had a calendar starts from Chatwoot's week.
  if (!(cal.intervals || []).length) {
    for (const h of hours || []) {
      if (h.closed_all_day) continue;
      const open = h.open_all_day ? "00:00" : `${pad(h.open_hour ?? 9)}:${pad(h.open_minutes ?? 0)}`;
      const close = h.open_all_day ? "24:00" : `${pad(h.close_hour ?? 17)}:${pad(h.close_minutes ?? 0)}`;
      byDay.set(h.day_of_week, [{ open, close }]);
    }
  }
  const rows = DAY_ORDER.map((d) => {
    const mine = byDay.get(d) || [];
    const fresh = !(hours || []).length && !(cal.intervals || []).length;
    const name = dayName(d);
    const open = el("input", { type: "checkbox", "aria-label": `${name}: ${t("open")}` });
    open.checked = mine.length > 0 || (fresh && d !== 0 && d !== 6);
    const allDay = el("input", { type: "checkbox", "aria-label": `${name}: ${t("allDay")}` });
    allDay.checked = mine.length === 1 && mine[0].open === "00:00" && mine[0].close === "24:00";
    const spans = el("div", { class: "spans" });
    const add = el("button", { type: "button", class: "link", text: t("addHours"), "aria-label": `${name}: ${t("addHours")}` });
    function span(from, to) {
      const n = spans.children.length;
      const suffix = n ? ` (${n + 1})` : "";
      const a = el("input", { type: "time", "aria-label": `${name}: ${t("from")}${suffix}` });
      a.value = from;
      const b = el("input", { type: "time", "aria-label": `${name}: ${t("to")}${suffix}` });
      b.value = to === "24:00" ? "23:59" : to;
      const row = el("div", { class: "span" }, a, el("span", { "aria-hidden": "true", text: "–" }), b);
      if (n) {
        const drop = el("button", { type: "button", class: "link", text: "×", "aria-label": `${name}: ${t("removeHours")}${suffix}` });
        drop.addEventListener("click", () => row.remove());
        row.append(drop);
      }
      spans.append(row);
      return row;
    }
    const initial = mine.length && !allDay.checked ? mine : [{ open: "09:00", close: "17:00" }];
    for (const iv of initial) span(iv.open, iv.close);
    add.addEventListener("click", () => {
      const last = spans.lastElementChild ? spans.lastElementChild.querySelectorAll("input")[1].value : "12:00";
      span(last || "13:00", "17:00").querySelector("input").focus();
    });
    const sync = () => {
      allDay.disabled = !open.checked;
      const off = !open.checked || allDay.checked;
      for (const i of spans.querySelectorAll("input")) i.disabled = off;
      add.disabled = off;
    };
    open.addEventListener("change", sync);
    allDay.addEventListener("change", sync);
    sync();
    const tr = el("tr", { "data-day": String(d) }, el("th", { scope: "row", text: name }),
      el("td", {}, open), el("td", {}, allDay), el("td", { colspan: "2" }, spans, add));
    return { tr, read() {
      if (!open.checked) return [];
      if (allDay.checked) return [{ day_of_week: d, open: "00:00", close: "24:00" }];
      const out = [];
      for (const row of spans.querySelectorAll(".span")) {
        const [a, b] = row.querySelectorAll("input");
        const close = b.value === "23:59" ? "24:00" : b.value;
        if (!a.value || !b.value || a.value >= close) {
          throw Object.assign(new Error(`${name}: ${t("badHours")}`), { control: a });
        }
        out.push({ day_of_week: d, open: a.value, close });
      }
      out.sort((x, y) => (x.open < y.open ? -1 : 1));
      for (let i = 1; i < out.length; i++) {
        if (out[i].open < out[i - 1].close) {
          throw Object.assign(new Error(`${name}: ${t("overlapHours")}`), { control: spans.querySelector("input") });
        }
      }
      return out;
    } };
  });
  const node = el("table", { class: "hours" },
    el("thead", {}, el("tr", {}, ...["day", "open", "allDay", "from"].map((k) => el("th", { scope: "col", text: t(k === "from" ? "hoursCol" : k), colspan: k === "from" ? "2" : "1" })))),
    el("tbody", {}, ...rows.map((r) => r.tr)));
  // Holidays: closed all day.
  const holidayList = el("ul", { class: "holidays", "aria-label": t("holidays") });
  function holiday(h) {
    const date = el("input", { type: "date", "aria-label": t("holidayDate") });
    date.value = h.date || "";
    const label = el("input", { type: "text", "aria-label": t("holidayName"), placeholder: t("holidayName"), maxlength: "100" });
    label.value = h.name || "";
    const drop = el("button", { type: "button", class: "link", text: t("removeHoliday") });
    const li = el("li", { class: "row" }, date, label, drop);
    drop.addEventListener("click", () => li.remove());
    holidayList.append(li);
    return li;
  }
  for (const h of cal.holidays || []) holiday(h);
  const addHoliday = el("button", { type: "button", text: t("addHoliday") });
  addHoliday.addEventListener("click", () => holiday({}).querySelector("input").focus());
  const box = el("div", { class: "calendar" }, el("div", { class: "table-wrap" }, node),
    el("h4", { text: t("holidays") }), holidayList, addHoliday);
  return { node: box, value: () => {
    const intervals = rows.flatMap((r) => r.read()).sort((a, b) => a.day_of_week - b.day_of_week);
    const holidays = [...holidayList.querySelectorAll("li")]
      .map((li) => li.querySelectorAll("input"))
      .filter(([date]) => date.value)
      .map(([date, label]) => ({ date: date.value, name: label.value.trim() }));
    return { intervals, holidays };
  } };
}

let tzList = null;
function tzDatalist() {
  if (!tzList) {
    tzList = el("datalist", { id: "sb-timezones" }, ...["UTC", ...timezones()].map((z) => el("option", { value: z })));
  }
  return tzList;
}

// How the inbox's mailbox was last read (a channel that polls shows it).
function mailboxStatus(inbox) {
  const st = inbox.imap_status;
  if (!inbox.imap_enabled) return null;
  if (!st) return el("p", { class: "meta", text: t("mailboxNever") });
  if (st.last_error) {
    return el("p", { class: "mail-status error", role: "status" }, el("strong", { text: `${t("mailboxError")}: ` }),
      el("span", { text: `${st.last_error} (` }), timeNode(st.polled_at), el("span", { text: ")" }));
  }
  return el("p", { class: "mail-status meta", role: "status" }, el("span", { text: `${t("mailboxRead")}: ` }), timeNode(st.polled_at));
}

function inboxEditor(inbox, onSaved) {
  const isWeb = inbox.channel_type === "Channel::WebWidget";
  const isApi = inbox.channel_type === "Channel::Api";
  const name = input("name", inbox.name, { autocomplete: "off" });
  const parts = [el("h3", { text: t("inboxSettings") }), field(t("name"), name)];
  const channel = {};
  if (isWeb) {
    channel.website_url = input("website_url", inbox.website_url, { type: "url", placeholder: "https://shop.example" });
    channel.widget_color = input("widget_color", /^#[0-9a-f]{6}$/i.test(inbox.widget_color || "") ? inbox.widget_color : "#1f93ff", { type: "color" });
    channel.welcome_title = input("welcome_title", inbox.welcome_title);
    channel.welcome_tagline = input("welcome_tagline", inbox.welcome_tagline);
    channel.reply_time = el("select", { name: "reply_time" },
      ...["in_a_few_minutes", "in_a_few_hours", "in_a_day"].map((v) => el("option", { value: v, text: t(v) })));
    channel.reply_time.value = inbox.reply_time || "in_a_few_minutes";
    channel.allowed_domains = input("allowed_domains", inbox.allowed_domains, { placeholder: "shop.example, *.shop.example" });
    parts.push(el("div", { class: "grid2" },
      field(t("website"), channel.website_url),
      el("div", { class: "field" }, field(t("colour"), channel.widget_color), colourWarning(channel.widget_color)),
      field(t("welcomeTitle"), channel.welcome_title), field(t("welcomeTagline"), channel.welcome_tagline),
      field(t("replyTime"), channel.reply_time), field(t("allowedDomains"), channel.allowed_domains)));
  }
  // A platform inbox: what it was made with (fixed since), then the
  // settings its channel lets change, as the server describes them.
  let settings = null;
  const platform = platforms.get(inbox.channel_type);
  if (platform) {
    for (const f of platform.fields.filter((x) => x.create_only && x.type !== "secret" && !x.name.includes("."))) {
      if (inbox[f.name]) parts.push(el("p", { class: "meta", text: `${fieldLabel(f)}: ${inbox[f.name]}` }));
    }
    settings = platformSettings(platform, inbox);
    parts.push(...settings.nodes);
    const status = mailboxStatus(inbox);
    if (status) parts.push(status);
    parts.push(...shownParts(platform, inbox, false));
  }
  if (isApi) {
    channel.webhook_url = input("webhook_url", inbox.webhook_url, { type: "url", placeholder: "https://example.com/hooks" });
    parts.push(hinted(t("webhookUrl"), channel.webhook_url, t("webhookUrlHint")));
    if (inbox.inbox_identifier) parts.push(secretLine(t("inboxIdentifier"), inbox.inbox_identifier, "identifier").node);
    if (inbox.secret) parts.push(secretLine(t("apiSecret"), inbox.secret, "api-secret").node);
  }

  const greeting = checkbox(t("greetingEnabled"), "greeting_enabled", inbox.greeting_enabled);
  const greetingText = textarea("greeting_message", inbox.greeting_message);
  const syncGreeting = () => { greetingText.disabled = !greeting.input.checked; };
  greeting.input.addEventListener("change", syncGreeting);
  syncGreeting();
  parts.push(el("fieldset", { class: "stack" }, el("legend", { text: t("greeting") }),
    greeting.node, field(t("greetingMessage"), greetingText)));

  // Conversation options the server acts on; widget features keep flags
  // this screen doesn't show (emoji_picker, use_inbox_avatar_for_bot).
  const csat = checkbox(t("csat"), "csat_survey_enabled", inbox.csat_survey_enabled);
  const afterResolved = checkbox(t("allowAfterResolved"), "allow_messages_after_resolved", inbox.allow_messages_after_resolved !== false);
  const single = checkbox(t("lockSingle"), "lock_to_single_conversation", inbox.lock_to_single_conversation);
  const options = el("fieldset", { class: "stack" }, el("legend", { text: t("conversations") }), csat.node, afterResolved.node, single.node);
  let flags = null, preChat = null, preChatText = null;
  if (isWeb) {
    const current = Array.isArray(inbox.selected_feature_flags) ? inbox.selected_feature_flags : ["attachments", "emoji_picker", "end_conversation"];
    flags = {
      attachments: checkbox(t("featureAttachments"), "selected_feature_flags", current.includes("attachments")),
      end_conversation: checkbox(t("featureEnd"), "selected_feature_flags", current.includes("end_conversation")),
      value() {
        const keep = current.filter((f) => f !== "attachments" && f !== "end_conversation");
        return [...keep, ...["attachments", "end_conversation"].filter((f) => this[f].input.checked)];
      },
    };
    const pre = inbox.pre_chat_form_options || {};
    preChat = checkbox(t("preChat"), "pre_chat_form_enabled", inbox.pre_chat_form_enabled);
    preChatText = input("pre_chat_message", pre.pre_chat_message || "");
    const syncPre = () => { preChatText.disabled = !preChat.input.checked; };
    preChat.input.addEventListener("change", syncPre);
    syncPre();
    options.append(flags.attachments.node, flags.end_conversation.node, preChat.node, field(t("preChatMessage"), preChatText));
  }
  parts.push(options);

  let hmac = null;
  if (isWeb || isApi) {
    hmac = checkbox(t("hmacMandatory"), "hmac_mandatory", inbox.hmac_mandatory);
    const token = secretLine(t("hmacToken"), inbox.hmac_token || "", "token");
    const hintId = uid("hint");
    token.code.setAttribute("aria-describedby", hintId);
    parts.push(el("fieldset", { class: "stack identity" }, el("legend", { text: t("identity") }),
      hmac.node, token.node, el("p", { class: "hint", id: hintId, text: t("hmacHint") })));
  }

  const hoursOn = checkbox(t("hoursEnabled"), "working_hours_enabled", inbox.working_hours_enabled);
  const tz = input("timezone", inbox.timezone || "UTC", { list: "sb-timezones", autocomplete: "off" });
  const away = textarea("out_of_office_message", inbox.out_of_office_message, 2);
  const week = hoursTable(inbox.working_hours, inbox.business_hours);
  const hoursBody = el("div", { class: "hours-body" }, el("div", { class: "grid2" }, field(t("timezone"), tz), field(t("awayMessage"), away)),
    week.node);
  const syncHours = () => { hoursBody.classList.toggle("off", !hoursOn.input.checked); };
  hoursOn.input.addEventListener("change", syncHours);
  syncHours();
  parts.push(el("fieldset", { class: "stack" }, el("legend", { text: t("workingHours") }), hoursOn.node, hoursBody, tzDatalist()));

  const { form } = formCard(t("inboxSettings"), parts, t("save"), async () => {
    let hours;
    try {
      hours = week.value();
    } catch (e) {
      if (e.control) e.control.focus();
      throw Object.assign(new Error(e.message), { body: { message: e.message } });
    }
    const body = {
      name: name.value.trim(),
      greeting_enabled: greeting.input.checked,
      greeting_message: greetingText.value,
      csat_survey_enabled: csat.input.checked,
      allow_messages_after_resolved: afterResolved.input.checked,
      lock_to_single_conversation: single.input.checked,
      working_hours_enabled: hoursOn.input.checked,
      business_hours: hours,
      timezone: tz.value.trim() || "UTC",
      out_of_office_message: away.value,
      channel: {},
    };
    for (const [k, node] of Object.entries(channel)) body.channel[k] = node.value.trim();
    if (settings) Object.assign(body.channel, settings.value());
    if (hmac) body.channel.hmac_mandatory = hmac.input.checked;
    if (flags) {
      body.channel.selected_feature_flags = flags.value();
      body.channel.pre_chat_form_enabled = preChat.input.checked;
      body.channel.pre_chat_form_options = { ...(inbox.pre_chat_form_options || {}), pre_chat_message: preChatText.value.trim() };
    }
    const updated = await api(`${apiBase()}/inboxes/${inbox.id}`, { method: "PATCH", json: body });
    onSaved(updated);
    return t("saved");
  }, { class: "card inbox-settings" });

  const members = membersForm(
    () => api(`${apiBase()}/inbox_members/${inbox.id}`).then((r) => (r && r.payload) || []),
    (ids) => api(`${apiBase()}/inbox_members`, { method: "PATCH", json: { inbox_id: inbox.id, user_ids: ids } }),
  );
  // Who gets the inbox's conversations: beside the members who may.
  const side = [assignmentCard(inbox, onSaved), members];
  if (isWeb) {
    // The preview follows the form as it is edited; the launcher's side is
    // part of the embed code, which changes with it.
    const preview = widgetPreview();
    const position = positionControl();
    const script = () => embedCode(inbox.web_widget_script || "", position.value());
    const snippet = snippetBox(script());
    const paint = () => {
      preview.update({
        colour: channel.widget_color.value, title: channel.welcome_title.value.trim() || name.value.trim(),
        tagline: channel.welcome_tagline.value.trim(), replyTime: channel.reply_time.value,
        greeting: greeting.input.checked ? greetingText.value.trim() : "", position: position.value(),
      });
      snippet.set(script());
    };
    form.addEventListener("input", paint);
    form.addEventListener("change", paint);
    position.node.addEventListener("change", paint);
    paint();
    const code = el("section", { class: "card", "aria-label": t("snippet") }, el("h3", { text: t("snippet") }), position.node);
    if (inbox.web_widget_script) code.append(snippet);
    side.unshift(preview.node, code);
  }
  return el("div", { class: "panel inbox-panel" }, form, el("div", { class: "side" }, ...side));
}

export async function inboxesSection(host) {
  const list = loadingList({ "aria-label": t("inboxes") });
  let all = [];
  function row(inbox) {
    const li = el("li", { "data-inbox": String(inbox.id) });
    const title = el("strong", { class: "name", text: inbox.name });
    const where = el("span", { class: "meta desc", text: inbox.website_url || inbox.webhook_url || inbox.email || "" });
    const dot = el("span", { class: "inbox-dot", "aria-hidden": "true" });
    const paintDot = () => {
      if (inbox.widget_color) dot.style.setProperty("--swatch", inbox.widget_color);
      dot.hidden = !inbox.widget_color;
    };
    paintDot();
    const edit = el("button", { type: "button", class: "edit", text: t("edit"), "aria-label": `${t("edit")} ${inbox.name}` });
    const alert = alertBox();
    const del = deleteControl(inbox.name, async () => {
      await api(`${apiBase()}/inboxes/${inbox.id}`, { method: "DELETE" });
      all = all.filter((x) => x.id !== inbox.id);
      li.remove();
      if (!all.length) list.replaceChildren(emptyRow(t("noInboxes"), t("newInboxButton"), openFlow));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, dot, title, el("span", { class: "badge", text: channelWord(inbox) }), where,
      rowButtons(edit, del)), alert);
    expander(li, edit, () => inboxEditor(inbox, (updated) => {
      Object.assign(inbox, updated);
      title.textContent = updated.name;
      where.textContent = updated.website_url || updated.webhook_url || "";
      edit.setAttribute("aria-label", `${t("edit")} ${updated.name}`);
      del.rename(updated.name);
      paintDot();
    }));
    return li;
  }
  async function refresh() {
    const [r, described] = await Promise.all([api(`${apiBase()}/inboxes`), describedChannels().catch(() => [])]);
    platforms = new Map(described.map((c) => [c.channel_type, c]));
    all = (r && r.payload) || [];
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(t("noInboxes"), t("newInboxButton"), openFlow));
  }

  // The list, or the new-inbox steps in its place.
  const add = el("button", { type: "button", class: "primary", text: t("newInboxButton") });
  add.addEventListener("click", openFlow);
  let flow = null;
  function openFlow() {
    if (flow) return;
    flow = newInboxFlow(async (inbox, openSettings) => {
      flow.node.remove();
      flow = null;
      list.hidden = add.hidden = false;
      if (!inbox) {
        add.focus();
        return;
      }
      list.replaceChildren(...skeletonRows());
      await load(list, refresh).catch(() => signIn());
      const li = list.querySelector(`li[data-inbox="${inbox.id}"]`);
      const edit = li && li.querySelector("button.edit");
      if (!edit) return add.focus();
      if (openSettings) {
        if (edit.getAttribute("aria-expanded") !== "true") edit.click();
        li.scrollIntoView({ block: "start" });
      } else {
        edit.focus();
      }
    });
    list.hidden = add.hidden = true;
    list.after(flow.node);
    flow.start();
  }

  host.replaceChildren(el("div", { class: "section-head" }, el("h2", { text: t("inboxes"), tabindex: "-1" }), add), list);
  await load(list, refresh);
}
