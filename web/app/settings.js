// Settings for administrators: website inboxes (with the embed snippet) and
// webhooks (with their delivery log and re-send).

import { api, el, locale } from "./lib.js";

const TEXT = {
  en: {
    settings: "Settings", inboxes: "Inboxes", newInbox: "New website inbox", name: "Name", website: "Website URL",
    colour: "Colour", welcomeTitle: "Welcome title", welcomeTagline: "Welcome tagline",
    allowedDomains: "Allowed domains (comma-separated; empty allows any)", create: "Create", snippet: "Embed snippet",
    copy: "Copy", copied: "Copied", webhooks: "Webhooks", newWebhook: "New webhook", url: "URL", events: "Events",
    deliveries: "Delivery log", event: "Event", state: "State", status: "Last status", attempts: "Attempts", at: "Time",
    resend: "Re-send", none: "Nothing yet.", failed: "Couldn't save: ", channel: "Channel", resent: "Queued again",
  },
  ru: {
    settings: "Настройки", inboxes: "Каналы", newInbox: "Новый канал для сайта", name: "Название", website: "Адрес сайта",
    colour: "Цвет", welcomeTitle: "Заголовок приветствия", welcomeTagline: "Подзаголовок приветствия",
    allowedDomains: "Разрешённые домены (через запятую; пусто — любые)", create: "Создать", snippet: "Код для вставки",
    copy: "Копировать", copied: "Скопировано", webhooks: "Вебхуки", newWebhook: "Новый вебхук", url: "Адрес", events: "События",
    deliveries: "Журнал доставки", event: "Событие", state: "Состояние", status: "Последний ответ", attempts: "Попытки",
    at: "Время", resend: "Отправить снова", none: "Пока пусто.", failed: "Не сохранено: ", channel: "Тип",
    resent: "Поставлено в очередь",
  },
};
const t = (k) => TEXT[locale][k] || TEXT.en[k];

const EVENTS = [
  "conversation_created", "conversation_status_changed", "conversation_updated", "message_created", "message_updated",
  "webwidget_triggered", "contact_created", "contact_updated", "conversation_typing_on", "conversation_typing_off",
];

let fieldSeq = 0;
function field(label, input) {
  const id = `f${++fieldSeq}`;
  input.id = id;
  return el("div", { class: "field" }, el("label", { for: id, text: label }), input);
}

function errorText(e) {
  const b = e && e.body;
  return t("failed") + ((b && (b.message || b.error)) || (e && e.message) || "");
}

function snippetBox(script) {
  const code = el("pre", { class: "snippet", tabindex: "0", "aria-label": t("snippet") }, el("code", { text: script }));
  const note = el("span", { class: "copied", role: "status" });
  const copy = el("button", { type: "button", text: t("copy") });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(script);
    } catch {
      // Without clipboard access, select the text so Ctrl+C works.
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    note.textContent = t("copied");
  });
  return el("div", { class: "snippet-box" }, code, el("div", { class: "row" }, copy, note));
}

async function inboxes(base, section) {
  const list = el("ul", { class: "rows" });
  async function refresh() {
    const r = await api(`${base}/inboxes`);
    const all = (r && r.payload) || [];
    list.replaceChildren(...all.map((i) => el("li", { "data-inbox": String(i.id) },
      el("div", { class: "row" }, el("strong", { text: i.name }), el("span", { class: "meta", text: i.channel_type || "" })),
      i.web_widget_script ? snippetBox(i.web_widget_script) : null)));
    if (!all.length) list.replaceChildren(el("li", { class: "meta", text: t("none") }));
  }
  const name = el("input", { name: "name", required: "" });
  const website = el("input", { name: "website_url", type: "url", placeholder: "https://shop.example" });
  const colour = el("input", { name: "widget_color", type: "color", value: "#2456d3" });
  const title = el("input", { name: "welcome_title" });
  const tagline = el("input", { name: "welcome_tagline" });
  const domains = el("input", { name: "allowed_domains", placeholder: "shop.example, *.shop.example" });
  const error = el("p", { class: "error", role: "alert" });
  const created = el("div", { class: "created" });
  const form = el("form", { class: "card", "aria-label": t("newInbox") },
    el("h3", { text: t("newInbox") }),
    field(t("name"), name), field(t("website"), website), field(t("colour"), colour),
    field(t("welcomeTitle"), title), field(t("welcomeTagline"), tagline), field(t("allowedDomains"), domains),
    error, el("button", { class: "primary", type: "submit", text: t("create") }), created);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const inbox = await api(`${base}/inboxes`, { method: "POST", json: {
        name: name.value.trim(),
        channel: {
          type: "web_widget", website_url: website.value.trim(), widget_color: colour.value,
          welcome_title: title.value.trim(), welcome_tagline: tagline.value.trim(), allowed_domains: domains.value.trim(),
        },
      } });
      form.reset();
      created.replaceChildren(el("p", { text: `${inbox.name}: ${t("snippet")}` }), snippetBox(inbox.web_widget_script || ""));
      await refresh();
    } catch (err) {
      error.textContent = errorText(err);
    }
  });
  section.replaceChildren(el("h2", { text: t("inboxes") }), list, form);
  await refresh();
}

function deliveryLog(base, hook) {
  const body = el("tbody");
  const note = el("p", { class: "meta", role: "status" });
  async function refresh() {
    const r = await api(`${base}/webhooks/${hook.id}/deliveries`);
    const rows = (r && r.payload) || [];
    body.replaceChildren(...rows.map((d) => {
      const again = el("button", { type: "button", text: t("resend") });
      again.addEventListener("click", async () => {
        await api(`${base}/webhooks/${hook.id}/deliveries/${d.id}/redeliver`, { method: "POST" });
        note.textContent = t("resent");
        setTimeout(() => refresh().catch(() => {}), 500);
      });
      return el("tr", { "data-delivery": String(d.id) },
        el("td", { text: d.event }), el("td", { class: "state", text: d.state }),
        el("td", { text: d.last_status == null ? "—" : String(d.last_status) }),
        el("td", { text: String(d.attempts_count) }),
        el("td", { text: new Date(d.created_at * 1000).toLocaleString(locale) }),
        el("td", {}, again));
    }));
    if (!rows.length) body.replaceChildren(el("tr", {}, el("td", { colspan: "6", class: "meta", text: t("none") })));
  }
  const table = el("table", { class: "log", "aria-label": `${t("deliveries")}: ${hook.url}` },
    el("thead", {}, el("tr", {}, ...["event", "state", "status", "attempts", "at", "resend"].map((k) => el("th", { scope: "col", text: t(k) })))),
    body);
  refresh().catch(() => {});
  return { node: el("div", { class: "log-box" }, table, note), refresh };
}

async function webhooks(base, section) {
  const list = el("ul", { class: "rows" });
  async function refresh() {
    const r = await api(`${base}/webhooks`);
    const all = (r && r.payload && r.payload.webhooks) || [];
    list.replaceChildren(...all.map((w) => {
      const show = el("button", { type: "button", "aria-expanded": "false", text: t("deliveries") });
      const li = el("li", { "data-webhook": String(w.id) },
        el("div", { class: "row" }, el("strong", { class: "url", text: w.url }),
          el("span", { class: "meta", text: (w.subscriptions || []).join(", ") }), show));
      let log = null;
      show.addEventListener("click", () => {
        if (log) { log.node.remove(); log = null; show.setAttribute("aria-expanded", "false"); return; }
        log = deliveryLog(base, w);
        li.append(log.node);
        show.setAttribute("aria-expanded", "true");
      });
      return li;
    }));
    if (!all.length) list.replaceChildren(el("li", { class: "meta", text: t("none") }));
  }
  const url = el("input", { name: "url", type: "url", required: "", placeholder: "https://example.com/hooks" });
  const boxes = EVENTS.map((ev) => el("label", { class: "check" },
    el("input", { type: "checkbox", name: "subscriptions", value: ev, ...(ev.startsWith("message_") || ev === "conversation_created" ? { checked: "" } : {}) }),
    ev));
  const error = el("p", { class: "error", role: "alert" });
  const form = el("form", { class: "card", "aria-label": t("newWebhook") },
    el("h3", { text: t("newWebhook") }), field(t("url"), url),
    el("fieldset", {}, el("legend", { text: t("events") }), ...boxes),
    error, el("button", { class: "primary", type: "submit", text: t("create") }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const subscriptions = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    try {
      await api(`${base}/webhooks`, { method: "POST", json: { webhook: { url: url.value.trim(), subscriptions } } });
      url.value = "";
      await refresh();
    } catch (err) {
      error.textContent = errorText(err);
    }
  });
  section.replaceChildren(el("h2", { text: t("webhooks") }), list, form);
  await refresh();
}

// Renders the settings screen into `container`.
export async function settings(container, base) {
  const inboxSection = el("section", { class: "settings-section", "aria-label": t("inboxes") });
  const hookSection = el("section", { class: "settings-section", "aria-label": t("webhooks") });
  container.replaceChildren(el("div", { class: "settings" }, el("h1", { text: t("settings") }), inboxSection, hookSection));
  await Promise.all([inboxes(base, inboxSection), webhooks(base, hookSection)]);
}
