// Settings → Webhooks: the account's subscriptions (address, name, events,
// signing secret), each with its delivery log and Re-send, and the form that
// adds one.

import { Unauthorized, api, el, errorMessage, field } from "./lib.js";
import {
  alertBox, apiBase, clearErrors, deleteControl, emptyRow, expander, failure, flash, focusForm, formCard, input, load,
  loadingList, rowButtons, secretLine, signIn, skeletonTableRows, t, timeNode,
} from "./settings-kit.js";

// The events a webhook can subscribe to, by Chatwoot's names.
const EVENTS = [
  "conversation_created", "conversation_status_changed", "conversation_updated", "message_created", "message_updated",
  "webwidget_triggered", "contact_created", "contact_updated", "conversation_typing_on", "conversation_typing_off",
  "inbox_created", "inbox_updated",
];

// A webhook's deliveries, newest first: skeleton rows while they load,
// Retry if the server can't be reached, Re-send per row.
function deliveryLog(hook) {
  const body = el("tbody", {}, ...skeletonTableRows(6));
  const note = el("p", { class: "meta", role: "status" });
  async function refresh() {
    const r = await api(`${apiBase()}/webhooks/${hook.id}/deliveries`);
    const rows = (r && r.payload) || [];
    body.replaceChildren(...rows.map((d) => {
      const again = el("button", { type: "button", text: t("resend") });
      again.addEventListener("click", async () => {
        try {
          await api(`${apiBase()}/webhooks/${hook.id}/deliveries/${d.id}/redeliver`, { method: "POST" });
          note.textContent = t("resent");
          setTimeout(() => refresh().catch(() => {}), 500);
        } catch (e) {
          if (e instanceof Unauthorized) return signIn();
          note.textContent = t("failed") + errorMessage(e);
        }
      });
      return el("tr", { "data-delivery": String(d.id) },
        el("td", { text: d.event }), el("td", { class: "state", text: d.state }),
        el("td", { text: d.last_status == null ? (d.last_error || "—") : String(d.last_status) }),
        el("td", { text: String(d.attempts_count) }),
        el("td", { class: "at" }, timeNode(d.created_at)),
        el("td", {}, again));
    }));
    if (!rows.length) body.replaceChildren(el("tr", {}, el("td", { colspan: "6", class: "meta", text: t("noDeliveries") })));
  }
  const table = el("table", { class: "log", "aria-label": `${t("deliveries")}: ${hook.url}`, "aria-busy": "true" },
    el("thead", {}, el("tr", {}, ...["event", "state", "status", "attempts", "at", "resend"].map((k) => el("th", { scope: "col", text: t(k) })))),
    body);
  load(body, refresh, { columns: 6, busy: table }).catch(() => signIn());
  return { node: el("div", { class: "log-box table-wrap" }, table, note), refresh };
}

function eventBoxes(selected) {
  const boxes = EVENTS.map((ev) => {
    const box = el("input", { type: "checkbox", name: "subscriptions", value: ev });
    box.checked = selected.includes(ev);
    return el("label", { class: "check" }, box, ev);
  });
  return {
    node: el("fieldset", { class: "events" }, el("legend", { text: t("events") }), ...boxes),
    value: () => boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
  };
}

export async function webhooksSection(host) {
  const list = loadingList({ "aria-label": t("webhooks") });
  let all = [];
  function row(w) {
    const li = el("li", { "data-webhook": String(w.id) });
    const url = el("strong", { class: "url", text: w.url });
    const label = el("span", { class: "badge", text: w.name || "" });
    label.hidden = !w.name;
    const subs = el("span", { class: "meta subs", text: (w.subscriptions || []).join(", ") });
    const show = el("button", { type: "button", "aria-expanded": "false", text: t("deliveries") });
    const edit = el("button", { type: "button", text: t("edit"), "aria-label": `${t("edit")} ${w.url}` });
    const alert = alertBox();
    const del = deleteControl(w.url, async () => {
      await api(`${apiBase()}/webhooks/${w.id}`, { method: "DELETE" });
      all = all.filter((x) => x.id !== w.id);
      li.remove();
      if (!all.length) list.replaceChildren(emptyRow(t("noWebhooks"), t("newWebhook"), () => focusForm(create.form)));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, url, label, subs, rowButtons(show, edit, del)), alert);
    let log = null;
    show.addEventListener("click", () => {
      if (log) { log.node.remove(); log = null; show.setAttribute("aria-expanded", "false"); return; }
      log = deliveryLog(w);
      li.append(log.node);
      show.setAttribute("aria-expanded", "true");
    });
    expander(li, edit, () => {
      const name = input("name", w.name, { autocomplete: "off" });
      const address = input("url", w.url, { type: "url" });
      const events = eventBoxes(w.subscriptions || []);
      const secret = secretLine(t("secret"), w.secret || "", "hook-secret");
      const renew = el("button", { type: "button", text: t("newSecret") });
      const card = formCard(t("webhookDetails"), [
        el("div", { class: "grid2" }, field(`${t("webhookName")} (${t("optional")})`, name), field(t("url"), address)),
        events.node,
      ], t("save"), async () => {
        const r = await api(`${apiBase()}/webhooks/${w.id}`, { method: "PATCH", json: { webhook: {
          name: name.value.trim(), url: address.value.trim(), subscriptions: events.value(),
        } } });
        const updated = r.payload.webhook;
        Object.assign(w, updated);
        url.textContent = updated.url;
        label.textContent = updated.name || "";
        label.hidden = !updated.name;
        subs.textContent = (updated.subscriptions || []).join(", ");
        edit.setAttribute("aria-label", `${t("edit")} ${updated.url}`);
        del.rename(updated.url);
        return t("saved");
      });
      renew.addEventListener("click", async () => {
        clearErrors(card.form, card.alert);
        try {
          const r = await api(`${apiBase()}/webhooks/${w.id}`, { method: "PATCH", json: { webhook: { reset_secret: true } } });
          w.secret = r.payload.webhook.secret;
          secret.code.value = w.secret;
          flash(card.status, t("saved"));
        } catch (e) {
          failure(e, card.alert, card.form);
        }
      });
      secret.node.querySelector(".row").append(renew);
      return el("div", { class: "panel single" }, card.form, el("div", { class: "card" }, secret.node));
    });
    return li;
  }
  async function refresh() {
    const r = await api(`${apiBase()}/webhooks`);
    all = (r && r.payload && r.payload.webhooks) || [];
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(t("noWebhooks"), t("newWebhook"), () => focusForm(create.form)));
  }
  const url = el("input", { name: "url", type: "url", required: "", placeholder: "https://example.com/hooks" });
  const events = eventBoxes(EVENTS.filter((ev) => ev.startsWith("message_") || ev === "conversation_created"));
  const create = formCard(t("newWebhook"), [el("h3", { text: t("newWebhook") }), field(t("url"), url), events.node],
    t("create"), async () => {
      await api(`${apiBase()}/webhooks`, { method: "POST", json: { webhook: { url: url.value.trim(), subscriptions: events.value() } } });
      url.value = "";
      await refresh();
      return t("saved");
    });
  host.replaceChildren(el("h2", { text: t("webhooks"), tabindex: "-1" }), list, create.form);
  await load(list, refresh);
}
