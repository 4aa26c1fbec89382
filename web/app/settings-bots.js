// Settings → Bots: the account's agent bots, each with the inboxes it
// answers first, its access token (shown on request, reset), its signing
// secret, what was sent to it (the delivery log), Edit and Delete; and the
// form that adds one.

import { Unauthorized, api, el, errorMessage, field } from "./lib.js";
import {
  alertBox, apiBase, deleteControl, emptyRow, expander, flash, focusForm, formCard, input, load, loadingList, rowButtons,
  secretLine, signIn, statusBox, textarea, timeNode, withText,
} from "./settings-kit.js";

const TEXT = {
  en: {
    bots: "Bots", newBot: "New bot", botName: "Bot name", description: "Description", outgoingUrl: "Its address (webhook URL)",
    outgoingHint: "Where the bot hears new messages, handoffs and resolves, signed with its secret.",
    noBots: "No bots yet. Connect a program that answers first and hands over to your team.",
    answers: "Answers first in", noInbox: "no inbox", token: "Access token", showToken: "Show the token",
    resetToken: "Reset the token", secret: "Signing secret", deliveries: "What was sent", noDeliveries: "Nothing sent yet.",
    saveBot: "Save bot", botSaved: "Bot saved", inboxSaved: "Saved",
    botHint: "The bot answers with its token (header api_access_token): messages, and toggle_status open to hand over.",
  },
  ru: {
    bots: "Боты", newBot: "Новый бот", botName: "Имя бота", description: "Описание", outgoingUrl: "Его адрес (URL вебхука)",
    outgoingHint: "Сюда бот получает новые сообщения, передачу людям и решение разговоров, подписанные его секретом.",
    noBots: "Ботов пока нет. Подключите программу, которая отвечает первой и передаёт разговор команде.",
    answers: "Отвечает первым в", noInbox: "нигде", token: "Токен доступа", showToken: "Показать токен",
    resetToken: "Сменить токен", secret: "Секрет подписи", deliveries: "Что отправлено", noDeliveries: "Ещё ничего не отправлено.",
    saveBot: "Сохранить бота", botSaved: "Бот сохранён", inboxSaved: "Сохранено",
    botHint: "Бот отвечает со своим токеном (заголовок api_access_token): сообщения и toggle_status open для передачи людям.",
  },
};
const tt = withText(TEXT);

function deliveryLog(bot) {
  const body = el("tbody");
  const table = el("table", { class: "log", "aria-label": `${tt("deliveries")}: ${bot.name}` },
    el("thead", {}, el("tr", {}, ...["event", "state", "status", "attempts", "at"].map((k) => el("th", { scope: "col", text: tt(k) })))),
    body);
  load(body, async () => {
    const r = await api(`${apiBase()}/agent_bots/${bot.id}/deliveries`);
    const rows = (r && r.payload) || [];
    body.replaceChildren(...rows.map((d) => el("tr", {},
      el("td", { text: d.event }), el("td", { text: d.state }),
      el("td", { text: d.last_status == null ? (d.last_error || "—") : String(d.last_status) }),
      el("td", { text: String(d.attempts_count) }), el("td", {}, timeNode(d.created_at)))));
    if (!rows.length) body.replaceChildren(el("tr", {}, el("td", { colspan: "5", class: "meta", text: tt("noDeliveries") })));
  }, { columns: 5, busy: table }).catch(() => signIn());
  return el("div", { class: "log-box table-wrap" }, table);
}

export async function botsSection(host) {
  const list = loadingList({ "aria-label": tt("bots") });
  let all = [];
  let inboxes = [];
  // Which bot answers each inbox (one an inbox).
  const answering = new Map();
  function row(bot) {
    const li = el("li", { "data-bot": String(bot.id) });
    const alert = alertBox();
    const status = statusBox();
    // The inboxes it answers: a box per inbox.
    const boxes = inboxes.map((ib) => {
      const box = el("input", { type: "checkbox", name: "inbox", value: String(ib.id) });
      box.checked = answering.get(ib.id) === bot.id;
      box.addEventListener("change", async () => {
        try {
          await api(`${apiBase()}/inboxes/${ib.id}/set_agent_bot`, { method: "POST", json: { agent_bot: box.checked ? bot.id : null } });
          if (box.checked) answering.set(ib.id, bot.id); else answering.delete(ib.id);
          flash(status, tt("inboxSaved"));
          // Another bot's box for this inbox clears.
          for (const other of list.querySelectorAll(`li[data-bot]:not([data-bot="${bot.id}"]) input[name="inbox"][value="${ib.id}"]`)) other.checked = false;
        } catch (e) {
          box.checked = !box.checked;
          if (e instanceof Unauthorized) return signIn();
          alert.textContent = errorMessage(e);
        }
      });
      return el("label", { class: "check" }, box, el("span", { text: ib.name }));
    });
    const where = el("fieldset", { class: "events" }, el("legend", { text: tt("answers") }),
      ...(boxes.length ? boxes : [el("span", { class: "meta", text: tt("noInbox") })]));
    const edit = el("button", { type: "button", text: tt("edit"), "aria-label": `${tt("edit")} ${bot.name}` });
    const keys = el("button", { type: "button", text: tt("showToken") });
    const log = el("button", { type: "button", text: tt("deliveries") });
    const del = deleteControl(bot.name, async () => {
      await api(`${apiBase()}/agent_bots/${bot.id}`, { method: "DELETE" });
      all = all.filter((x) => x.id !== bot.id);
      for (const [inbox, b] of answering) if (b === bot.id) answering.delete(inbox);
      li.remove();
      if (!all.length) list.replaceChildren(emptyRow(tt("noBots"), tt("newBot"), () => focusForm(create.form)));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, el("strong", { text: bot.name }),
      el("span", { class: "meta", text: bot.outgoing_url || "" }), status, rowButtons(keys, log, edit, del)), where, alert);
    expander(li, keys, () => {
      const box = el("div", { class: "card" });
      const token = secretLine(tt("token"), "", "bot-token");
      const secret = secretLine(tt("secret"), bot.secret || "", "bot-secret");
      const reset = el("button", { type: "button", text: tt("resetToken") });
      reset.addEventListener("click", async () => {
        try {
          const r = await api(`${apiBase()}/agent_bots/${bot.id}/reset_access_token`, { method: "POST" });
          token.code.value = r.access_token || "";
        } catch (e) {
          if (e instanceof Unauthorized) return signIn();
          alert.textContent = errorMessage(e);
        }
      });
      token.node.querySelector(".row").append(reset);
      api(`${apiBase()}/agent_bots/${bot.id}`).then((b) => { token.code.value = b.access_token || ""; }).catch(() => {});
      box.append(token.node, secret.node, el("p", { class: "hint", text: tt("botHint") }));
      return box;
    });
    expander(li, log, () => deliveryLog(bot));
    expander(li, edit, (close) => form(bot, tt("edit"), tt("saveBot"), async (body) => {
      const u = await api(`${apiBase()}/agent_bots/${bot.id}`, { method: "PATCH", json: body });
      Object.assign(bot, u);
      close();
      li.replaceWith(row(bot));
      return tt("botSaved");
    }).form);
    return li;
  }
  function form(bot, title, submitText, save) {
    const name = input("name", bot.name || "", { required: "", autocomplete: "off" });
    const description = textarea("description", bot.description || "", 2);
    const url = input("outgoing_url", bot.outgoing_url || "", { type: "url", placeholder: "https://example.com/bot" });
    const urlField = field(tt("outgoingUrl"), url);
    urlField.append(el("p", { class: "hint", text: tt("outgoingHint") }));
    return formCard(title, [
      el("h3", { text: title }),
      el("div", { class: "grid2" }, field(tt("botName"), name), urlField),
      field(tt("description"), description),
    ], submitText, () => save({ name: name.value.trim(), description: description.value.trim() || null, outgoing_url: url.value.trim() || null }));
  }
  async function refresh() {
    const [bots, ibs] = await Promise.all([api(`${apiBase()}/agent_bots`), api(`${apiBase()}/inboxes`)]);
    all = Array.isArray(bots) ? bots : [];
    inboxes = (ibs && ibs.payload) || [];
    answering.clear();
    await Promise.all(inboxes.map(async (ib) => {
      const r = await api(`${apiBase()}/inboxes/${ib.id}/agent_bot`).catch(() => null);
      if (r && r.agent_bot) answering.set(ib.id, r.agent_bot.id);
    }));
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(tt("noBots"), tt("newBot"), () => focusForm(create.form)));
  }
  let create = null;
  const fresh = () => form({}, tt("newBot"), tt("create"), async (body) => {
    await api(`${apiBase()}/agent_bots`, { method: "POST", json: body });
    const next = fresh();
    create.form.replaceWith(next.form);
    create = next;
    await refresh();
    return "";
  });
  create = fresh();
  host.replaceChildren(el("h2", { text: tt("bots"), tabindex: "-1" }), list, create.form);
  await load(list, refresh);
}
