// Macros (#/macros), for everyone: the macros a person may run (the
// account's global ones and their own), each with what it does, Edit and
// Delete where they may change it, and the form that makes one (agents'
// macros are personal; administrators choose). Running them happens where
// the work is: the conversation's More menu, the command palette and the
// list's bulk selection (all through `runMacro`).

import { Unauthorized, api, el, errorMessage, field, forget, load } from "./lib.js";
import {
  agents, alertBox, apiBase, begin, deleteControl, emptyRow, expander, focusForm, formCard, input, loadingList,
  load as loadList, rowButtons, signIn, withText,
} from "./settings-kit.js";
import { actionRow } from "./settings-automation.js";

const TEXT = {
  en: {
    macros: "Macros", newMacro: "New macro", macroName: "Macro name", visibility: "Who can use it",
    personal: "Only me", global: "Everyone in the account", actions: "Actions", addAction: "Add action",
    noMacros: "No macros yet. Save a few steps you repeat (a label, an assignee, a reply) and run them in one go.",
    saveMacro: "Save macro", macroSaved: "Macro saved", by: "by {name}",
    intro: "Run a macro from a conversation's More menu, the command palette (Ctrl+K) or on several conversations selected in the list.",
  },
  ru: {
    macros: "Макросы", newMacro: "Новый макрос", macroName: "Название макроса", visibility: "Кому доступен",
    personal: "Только мне", global: "Всем в аккаунте", actions: "Действия", addAction: "Добавить действие",
    noMacros: "Макросов пока нет. Сохраните шаги, которые повторяете (метка, ответственный, ответ), и выполняйте их разом.",
    saveMacro: "Сохранить макрос", macroSaved: "Макрос сохранён", by: "автор: {name}",
    intro: "Запускайте макрос из меню «Ещё» разговора, палитры команд (Ctrl+K) или для нескольких разговоров, выбранных в списке.",
  },
};
const tt = withText(TEXT);

// What a macro may do, in Chatwoot's words.
export const MACRO_ACTIONS = ["assign_agent", "assign_team", "remove_assigned_agent", "remove_assigned_team", "add_label",
  "remove_label", "change_priority", "change_status", "resolve_conversation", "snooze_conversation", "mute_conversation",
  "send_message", "add_private_note", "send_email_transcript", "send_attachment"];

// The macros the signed-in person may run (cached until one changes).
export function macros(base) {
  return load(`${base}/macros`, (r) => (r && r.payload) || []);
}

// Runs a macro on conversations (display ids); answers what the server did.
export async function runMacro(base, id, conversationIds) {
  const r = await api(`${base}/macros/${id}/execute`, { method: "POST", json: { conversation_ids: conversationIds } });
  return (r && r.payload) || { executed: [], skipped: [], errors: [] };
}

function builder(m, ctx, title, submitText, save) {
  const name = input("name", m.name || "", { required: "", autocomplete: "off" });
  const visibility = el("select", { name: "visibility" },
    el("option", { value: "personal", text: tt("personal") }), el("option", { value: "global", text: tt("global") }));
  visibility.value = m.visibility || "personal";
  const list = el("ul", { class: "rule-list" });
  const rows = [];
  const add = (a) => {
    const row = actionRow(a, ctx, () => { rows.splice(rows.indexOf(row), 1); row.node.remove(); }, MACRO_ACTIONS);
    rows.push(row);
    list.append(row.node);
    return row;
  };
  for (const a of m.actions && m.actions.length ? m.actions : [{}]) add(a);
  const more = el("button", { type: "button", text: tt("addAction") });
  more.addEventListener("click", () => add({ action_name: "add_label" }).node.querySelector("select").focus());
  return formCard(title, [
    el("h3", { text: title }),
    el("div", { class: "grid2" }, field(tt("macroName"), name), ctx.isAdmin ? field(tt("visibility"), visibility) : null),
    el("fieldset", { class: "rule-actions" }, el("legend", { text: tt("actions") }), list, more),
  ], submitText, () => save({
    name: name.value.trim(),
    ...(ctx.isAdmin ? { visibility: visibility.value } : {}),
    actions: rows.map((r) => r.value()),
  }), { "data-macro-form": "" });
}

export async function render(container, appCtx) {
  begin(appCtx);
  const base = apiBase();
  const me = appCtx.profile;
  const isAdmin = Boolean(appCtx.isAdmin);
  const ctx = { agents: [], teams: [], forPerson: true, isAdmin };
  const list = loadingList({ "aria-label": tt("macros") });
  const host = el("section", { class: "settings-section", "aria-label": tt("macros") });
  container.replaceChildren(el("div", { class: "settings page macros-page" }, el("h1", { text: tt("macros") }), host));
  const changed = () => forget(`${base}/macros`);
  let all = [];
  const mayChange = (m) => (m.created_by && m.created_by.id === me.id) || (isAdmin && m.visibility === "global");
  const summary = (m) => (m.actions || []).map((a) => a.action_name.replaceAll("_", " ")).join(" → ");
  function row(m) {
    const li = el("li", { "data-macro": String(m.id) });
    const badge = el("span", { class: "badge", text: m.visibility === "global" ? tt("global") : tt("personal") });
    const author = m.created_by && m.created_by.id !== me.id
      ? el("span", { class: "meta", text: tt("by", { name: m.created_by.available_name || m.created_by.name }) }) : null;
    const alert = alertBox();
    const buttons = [];
    if (mayChange(m)) {
      const edit = el("button", { type: "button", text: tt("edit"), "aria-label": `${tt("edit")} ${m.name}` });
      expander(li, edit, (close) => builder(m, ctx, tt("edit"), tt("saveMacro"), async (body) => {
        const u = (await api(`${base}/macros/${m.id}`, { method: "PATCH", json: body })).payload;
        changed();
        close();
        li.replaceWith(row(u));
        return tt("macroSaved");
      }).form);
      const del = deleteControl(m.name, async () => {
        await api(`${base}/macros/${m.id}`, { method: "DELETE" });
        changed();
        all = all.filter((x) => x.id !== m.id);
        li.remove();
        if (!all.length) list.replaceChildren(emptyRow(tt("noMacros"), tt("newMacro"), () => focusForm(create.form)));
      }, alert);
      buttons.push(edit, del);
    }
    li.append(el("div", { class: "row" }, el("strong", { text: m.name }), badge, author,
      el("span", { class: "meta", text: summary(m) }), rowButtons(...buttons)), alert);
    return li;
  }
  async function refresh() {
    changed();
    all = await macros(base);
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(tt("noMacros"), tt("newMacro"), () => focusForm(create.form)));
  }
  try {
    const [people, teams] = await Promise.all([agents().catch(() => []), api(`${base}/teams`).catch(() => [])]);
    ctx.agents = people || [];
    ctx.teams = Array.isArray(teams) ? teams : [];
  } catch (e) {
    if (e instanceof Unauthorized) return signIn();
  }
  let create = null;
  const fresh = () => builder({}, ctx, tt("newMacro"), tt("create"), async (body) => {
    await api(`${base}/macros`, { method: "POST", json: body });
    const next = fresh();
    create.form.replaceWith(next.form);
    create = next;
    await refresh();
    return "";
  });
  create = fresh();
  host.replaceChildren(el("p", { class: "hint", text: tt("intro") }), list, create.form);
  await loadList(list, refresh).catch((e) => {
    if (e instanceof Unauthorized) return signIn();
    host.prepend(el("p", { class: "error", role: "alert", text: errorMessage(e) }));
  });
}
