// Settings → Automation: the account's rules, each with its switch, what
// went wrong when it was switched off, its webhook log, a dry run on a
// conversation, Edit, Copy and Delete; and the rule builder. Conditions are
// shown as the server reads them: groups whose conditions must all hold,
// any group enough (stored as Chatwoot's flat list, `and` inside a group and
// `or` between groups).

import { Unauthorized, api, el, errorMessage, field } from "./lib.js";
import {
  agents, alertBox, apiBase, checkbox, deleteControl, emptyRow, expander, flash, focusForm, formCard, input, load,
  loadingList, rowButtons, signIn, statusBox, textarea, timeNode, withText,
} from "./settings-kit.js";

const TEXT = {
  en: {
    automation: "Automation", newRule: "New rule", ruleName: "Rule name", description: "Description",
    when: "When", conversation_created: "A conversation is created", conversation_updated: "A conversation is updated",
    conversation_opened: "A conversation is opened", conversation_resolved: "A conversation is resolved",
    message_created: "A message is created", conditions: "Conditions", actions: "Actions",
    allOf: "All of these", orGroup: "or", addCondition: "Add condition", addGroup: "Add a group (or)",
    addAction: "Add action", removeRow: "Remove", attribute: "Attribute", operator: "Operator", values: "Values",
    valuesHint: "Separate several values with commas.", noConditions: "Leave the conditions blank to run on every such event.",
    action: "Action", value: "Value", reacts: "Also run on what other rules did (up to three steps)",
    active: "On", off: "Off", copy: "Copy", tryIt: "Try on a conversation", conversationNo: "Conversation number",
    run: "Check", matched: "The rule would run and do:", notMatched: "The rule would not run.", held: "holds",
    failed: "does not hold", found: "found", nothing: "nothing", failures: "Failed runs in a row: {n}. Last: {last}",
    disabled: "Switched off: {reason}", noRules: "No rules yet. Create one to let the product do the repetitive work.",
    deliveries: "Webhook log", noDeliveries: "No webhooks sent yet.", saveRule: "Save rule",
    ruleSaved: "Rule saved", message: "Message", teams: "Team", emails: "Addresses", url: "Address",
    status_open: "Open", status_resolved: "Resolved", status_pending: "Pending", status_snoozed: "Snoozed",
    from: "From (any if empty)", to: "To (any if empty)",
    self: "Whoever runs it", nobody: "Nobody", noTeam: "No team", file: "File", fileKept: "File",
  },
  ru: {
    automation: "Автоматизация", newRule: "Новое правило", ruleName: "Название правила", description: "Описание",
    when: "Когда", conversation_created: "Создан разговор", conversation_updated: "Разговор изменён",
    conversation_opened: "Разговор открыт", conversation_resolved: "Разговор решён",
    message_created: "Новое сообщение", conditions: "Условия", actions: "Действия",
    allOf: "Все эти условия", orGroup: "или", addCondition: "Добавить условие", addGroup: "Добавить группу (или)",
    addAction: "Добавить действие", removeRow: "Убрать", attribute: "Атрибут", operator: "Оператор", values: "Значения",
    valuesHint: "Несколько значений — через запятую.", noConditions: "Оставьте условия пустыми, чтобы правило срабатывало на каждое такое событие.",
    action: "Действие", value: "Значение", reacts: "Срабатывать и на действия других правил (до трёх шагов)",
    active: "Вкл.", off: "Выкл.", copy: "Копия", tryIt: "Проверить на разговоре", conversationNo: "Номер разговора",
    run: "Проверить", matched: "Правило сработает и сделает:", notMatched: "Правило не сработает.", held: "выполнено",
    failed: "не выполнено", found: "найдено", nothing: "ничего", failures: "Неудачных запусков подряд: {n}. Последний: {last}",
    disabled: "Выключено: {reason}", noRules: "Правил пока нет. Создайте правило, чтобы рутину делал продукт.",
    deliveries: "Журнал вебхуков", noDeliveries: "Вебхуков ещё не отправлено.", saveRule: "Сохранить правило",
    ruleSaved: "Правило сохранено", message: "Сообщение", teams: "Команда", emails: "Адреса", url: "Адрес",
    status_open: "Открыт", status_resolved: "Решён", status_pending: "Ожидает", status_snoozed: "Отложен",
    from: "Было (любое, если пусто)", to: "Стало (любое, если пусто)",
    self: "Тот, кто запускает", nobody: "Никто", noTeam: "Без команды", file: "Файл", fileKept: "Файл",
  },
};
const tt = withText(TEXT);

const EVENTS = ["conversation_created", "conversation_updated", "conversation_opened", "conversation_resolved", "message_created"];
const ATTRIBUTES = ["content", "message_type", "status", "priority", "inbox_id", "team_id", "assignee_id", "labels",
  "email", "phone_number", "name", "browser_language", "country_code", "referer", "mail_subject"];
const OPERATORS = ["equal_to", "not_equal_to", "contains", "does_not_contain", "starts_with", "is_present", "is_not_present",
  "attribute_changed"];
const ACTIONS = ["add_label", "remove_label", "assign_agent", "assign_team", "change_status", "resolve_conversation",
  "open_conversation", "snooze_conversation", "change_priority", "mute_conversation", "send_message", "add_private_note",
  "send_webhook_event", "send_email_to_team", "send_email_transcript", "add_sla", "send_attachment"];
const words = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
const select = (name, options, value) => {
  const s = el("select", { name }, ...options.map(([v, label]) => el("option", { value: v, text: label })));
  if (value != null) s.value = String(value);
  return s;
};

// Stored conditions -> groups of conditions (split after each `or`).
function toGroups(conditions) {
  const groups = [[]];
  for (const c of conditions || []) {
    groups[groups.length - 1].push(c);
    if (String(c.query_operator || "").toLowerCase() === "or") groups.push([]);
  }
  const kept = groups.filter((g) => g.length);
  // A rule without conditions starts with one blank row to fill.
  return kept.length ? kept : [[{}]];
}

// One condition row: attribute, operator, values (from / to for a change).
function conditionRow(c, onRemove) {
  const attr = el("input", { name: "attribute_key", list: "automation-attributes", value: c.attribute_key || "",
    "aria-label": tt("attribute"), autocomplete: "off" });
  const op = select("filter_operator", OPERATORS.map((o) => [o, o.replaceAll("_", " ")]), c.filter_operator || "equal_to");
  op.setAttribute("aria-label", tt("operator"));
  const plain = Array.isArray(c.values) ? c.values.join(", ") : "";
  const values = input("values", plain, { "aria-label": tt("values"), placeholder: tt("valuesHint") });
  const from = input("from", (c.values && c.values.from || []).join(", "), { "aria-label": tt("from"), placeholder: tt("from") });
  const to = input("to", (c.values && c.values.to || []).join(", "), { "aria-label": tt("to"), placeholder: tt("to") });
  const remove = el("button", { type: "button", class: "quiet", text: tt("removeRow") });
  remove.addEventListener("click", onRemove);
  const sync = () => {
    const changed = op.value === "attribute_changed";
    from.hidden = to.hidden = !changed;
    values.hidden = changed || op.value === "is_present" || op.value === "is_not_present";
  };
  op.addEventListener("change", sync);
  sync();
  const node = el("li", { class: "rule-row" }, attr, op, values, from, to, remove);
  return {
    node,
    value: () => ({
      attribute_key: attr.value.trim(),
      filter_operator: op.value,
      values: op.value === "attribute_changed" ? { from: words(from.value), to: words(to.value) }
        : values.hidden ? [] : words(values.value),
    }),
  };
}

// One action row: the action and the value it takes. `names` lists the
// actions offered; `ctx.forPerson` (macros) adds "whoever runs it" and
// "nobody" to the agent and team choices.
export function actionRow(a, ctx, onRemove, names = ACTIONS) {
  const name = select("action_name", names.map((x) => [x, x.replaceAll("_", " ")]), a.action_name || "add_label");
  name.setAttribute("aria-label", tt("action"));
  const slot = el("span", { class: "rule-param" });
  const remove = el("button", { type: "button", class: "quiet", text: tt("removeRow") });
  remove.addEventListener("click", onRemove);
  let read = () => [];
  const paint = (params) => {
    const p = params || [];
    const n = name.value;
    let control = null;
    if (n === "add_label" || n === "remove_label") {
      control = input("labels", p.join(", "), { "aria-label": tt("value"), placeholder: tt("valuesHint") });
      read = () => words(control.value);
    } else if (n === "assign_agent") {
      const extra = ctx.forPerson ? [["self", tt("self")], ["nil", tt("nobody")]] : [];
      control = select("agent", [...extra, ...ctx.agents.map((x) => [x.id, x.available_name || x.name])], p[0]);
      read = () => [/^\d+$/.test(control.value) ? Number(control.value) : control.value];
    } else if (n === "assign_team") {
      const extra = ctx.forPerson ? [["nil", tt("noTeam")]] : [];
      control = select("team", [...extra, ...ctx.teams.map((x) => [x.id, x.name])], p[0]);
      read = () => [/^\d+$/.test(control.value) ? Number(control.value) : control.value];
    } else if (n === "send_attachment") {
      // The file is uploaded when chosen; the action keeps its id.
      let ids = p.filter((x) => Number.isInteger(Number(x))).map(Number);
      const file = el("input", { type: "file", "aria-label": tt("file") });
      const note = el("span", { class: "meta", text: ids.length ? `${tt("fileKept")} #${ids.join(", #")}` : "" });
      file.addEventListener("change", async () => {
        if (!file.files || !file.files[0]) return;
        const form = new FormData();
        form.append("attachment", file.files[0]);
        note.textContent = "…";
        try {
          const r = await api(`${apiBase()}/upload`, { method: "POST", form });
          ids = [r.blob_id];
          note.textContent = `${tt("fileKept")}: ${r.file_name}`;
        } catch (e) {
          note.textContent = errorMessage(e);
        }
      });
      slot.replaceChildren(file, note);
      read = () => ids;
      return;
    } else if (n === "add_sla") {
      control = select("sla_policy", (ctx.slas || []).map((x) => [x.id, x.name]), p[0]);
      read = () => [Number(control.value)];
    } else if (n === "change_status") {
      control = select("status", ["open", "resolved", "pending", "snoozed"].map((s) => [s, tt(`status_${s}`)]), p[0]);
      read = () => [control.value];
    } else if (n === "change_priority") {
      control = select("priority", ["low", "medium", "high", "urgent", "nil"].map((s) => [s, s]), p[0]);
      read = () => [control.value];
    } else if (n === "send_message" || n === "add_private_note") {
      control = textarea("message", p[0] || "", 2);
      read = () => [control.value];
    } else if (n === "send_webhook_event") {
      control = input("url", p[0] || "", { type: "url", placeholder: "https://example.com/hook" });
      read = () => [control.value.trim()];
    } else if (n === "send_email_transcript") {
      control = input("emails", p[0] ? p.join(", ") : "", { placeholder: "lead@example.com, boss@example.com" });
      read = () => [control.value];
    } else if (n === "send_email_to_team") {
      const first = p[0] || {};
      const team = select("team", ctx.teams.map((x) => [x.id, x.name]), (first.team_ids || [])[0]);
      const text = textarea("message", first.message || "", 2);
      team.setAttribute("aria-label", tt("teams"));
      text.setAttribute("aria-label", tt("message"));
      slot.replaceChildren(team, text);
      read = () => [{ message: text.value, team_ids: [Number(team.value)] }];
      return;
    } else {
      read = () => [];
    }
    if (control) control.setAttribute("aria-label", control.getAttribute("aria-label") || tt("value"));
    slot.replaceChildren(...(control ? [control] : []));
  };
  name.addEventListener("change", () => paint([]));
  paint(a.action_params);
  return { node: el("li", { class: "rule-row" }, name, slot, remove), value: () => ({ action_name: name.value, action_params: read() }) };
}

// The builder: name, event, groups of conditions, actions. `rule` fills
// it (editing); `save(body)` sends it.
function builder(rule, ctx, title, submitText, save) {
  const name = input("name", rule.name || "", { required: "", autocomplete: "off" });
  const description = input("description", rule.description || "", { autocomplete: "off" });
  const event = select("event_name", EVENTS.map((e) => [e, tt(e)]), rule.event_name || "message_created");
  const reacts = checkbox(tt("reacts"), "react_to_automation", rule.react_to_automation);
  const groupsNode = el("div", { class: "rule-groups" });
  const groups = [];
  const addGroup = (conds) => {
    const list = el("ul", { class: "rule-list" });
    const group = { rows: [], node: null };
    const addCondition = (c) => {
      const row = conditionRow(c, () => {
        group.rows = group.rows.filter((r) => r !== row);
        row.node.remove();
      });
      group.rows.push(row);
      list.append(row.node);
      return row;
    };
    const more = el("button", { type: "button", text: tt("addCondition") });
    more.addEventListener("click", () => addCondition({}).node.querySelector("input").focus());
    group.node = el("fieldset", { class: "rule-group" }, el("legend", { text: tt("allOf") }), list, more);
    for (const c of conds) addCondition(c);
    if (groups.length) groupsNode.append(el("p", { class: "rule-or", text: tt("orGroup") }));
    groups.push(group);
    groupsNode.append(group.node);
    return { group, addCondition };
  };
  for (const g of toGroups(rule.conditions)) addGroup(g);
  const addGroupButton = el("button", { type: "button", text: tt("addGroup") });
  addGroupButton.addEventListener("click", () => addGroup([]).addCondition({}).node.querySelector("input").focus());
  const actionList = el("ul", { class: "rule-list" });
  const actions = [];
  const addAction = (a) => {
    const row = actionRow(a, ctx, () => {
      actions.splice(actions.indexOf(row), 1);
      row.node.remove();
    });
    actions.push(row);
    actionList.append(row.node);
    return row;
  };
  for (const a of rule.actions && rule.actions.length ? rule.actions : [{}]) addAction(a);
  const moreAction = el("button", { type: "button", text: tt("addAction") });
  moreAction.addEventListener("click", () => addAction({}).node.querySelector("select").focus());
  const datalist = el("datalist", { id: "automation-attributes" }, ...ATTRIBUTES.map((a) => el("option", { value: a })));
  const card = formCard(title, [
    el("h3", { text: title }), datalist,
    el("div", { class: "grid2" }, field(tt("ruleName"), name), field(tt("description"), description)),
    field(tt("when"), event),
    el("fieldset", { class: "rule-conditions" }, el("legend", { text: tt("conditions") }),
      el("p", { class: "hint", text: tt("noConditions") }), groupsNode, addGroupButton),
    el("fieldset", { class: "rule-actions" }, el("legend", { text: tt("actions") }), actionList, moreAction),
    reacts.node,
  ], submitText, async () => {
    const conditions = [];
    const filled = groups.map((g) => g.rows.map((r) => r.value()).filter((c) => c.attribute_key)).filter((g) => g.length);
    filled.forEach((g, gi) => g.forEach((c, ci) => {
      const last = ci === g.length - 1;
      conditions.push({ ...c, query_operator: last ? (gi === filled.length - 1 ? null : "or") : "and" });
    }));
    return save({
      name: name.value.trim(), description: description.value.trim() || null, event_name: event.value,
      react_to_automation: reacts.input.checked, conditions, actions: actions.map((a) => a.value()),
    });
  }, { "data-rule-form": "" });
  return card;
}

// The dry run: a conversation number, then each condition's verdict and
// the actions the rule would take.
function dryRun(rule) {
  const number = input("conversation_id", "", { inputmode: "numeric", autocomplete: "off" });
  const out = el("div", { class: "dry-run", role: "status" });
  const alert = alertBox();
  const go = el("button", { type: "submit", text: tt("run") });
  const form = el("form", { class: "card", "aria-label": tt("tryIt"), novalidate: "" },
    field(tt("conversationNo"), number), el("div", { class: "row" }, go), alert, out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    alert.textContent = "";
    try {
      const r = (await api(`${apiBase()}/automation_rules/${rule.id}/test`, { method: "POST", json: { conversation_id: number.value.trim() } })).payload;
      const conds = (r.conditions || []).map((c) => el("li", { class: c.held ? "held" : "not-held",
        text: `${c.attribute_key} ${c.filter_operator.replaceAll("_", " ")}: ${c.held ? tt("held") : tt("failed")} (${tt("found")}: ${(c.found || []).join(", ") || tt("nothing")})` }));
      const acts = (r.actions || []).map((a) => el("li", { text: `${a.action_name.replaceAll("_", " ")} ${JSON.stringify(a.action_params)}` }));
      out.replaceChildren(el("ul", {}, ...conds), el("p", { text: r.matched ? tt("matched") : tt("notMatched") }), el("ul", {}, ...acts));
    } catch (err) {
      if (err instanceof Unauthorized) return signIn();
      alert.textContent = errorMessage(err);
    }
  });
  return form;
}

function deliveryLog(rule) {
  const body = el("tbody");
  const table = el("table", { class: "log", "aria-label": `${tt("deliveries")}: ${rule.name}` },
    el("thead", {}, el("tr", {}, ...["event", "state", "status", "attempts", "at"].map((k) => el("th", { scope: "col", text: tt(k) })))),
    body);
  load(body, async () => {
    const r = await api(`${apiBase()}/automation_rules/${rule.id}/deliveries`);
    const rows = (r && r.payload) || [];
    body.replaceChildren(...rows.map((d) => el("tr", {},
      el("td", { text: d.event }), el("td", { text: d.state }),
      el("td", { text: d.last_status == null ? (d.last_error || "—") : String(d.last_status) }),
      el("td", { text: String(d.attempts_count) }), el("td", {}, timeNode(d.created_at)))));
    if (!rows.length) body.replaceChildren(el("tr", {}, el("td", { colspan: "5", class: "meta", text: tt("noDeliveries") })));
  }, { columns: 5, busy: table }).catch(() => signIn());
  return el("div", { class: "log-box table-wrap" }, table);
}

export async function automationSection(host) {
  const list = loadingList({ "aria-label": tt("automation") });
  const ctx = { agents: [], teams: [] };
  let all = [];
  const problem = (r) => r.disabled_reason ? tt("disabled", { reason: r.disabled_reason })
    : r.failures ? tt("failures", { n: r.failures, last: r.last_failure || "" }) : "";
  function row(r) {
    const li = el("li", { "data-rule": String(r.id) });
    const title = el("strong", { text: r.name });
    const when = el("span", { class: "badge", text: tt(r.event_name) });
    const toggle = checkbox(tt("active"), "active", r.active);
    toggle.input.setAttribute("aria-label", `${tt("active")}: ${r.name}`);
    const note = el("p", { class: "meta rule-problem", text: problem(r) });
    note.hidden = !note.textContent;
    const status = statusBox();
    const alert = alertBox();
    toggle.input.addEventListener("change", async () => {
      try {
        const u = (await api(`${apiBase()}/automation_rules/${r.id}`, { method: "PATCH", json: { active: toggle.input.checked } })).payload;
        Object.assign(r, u);
        note.textContent = problem(r);
        note.hidden = !note.textContent;
        flash(status, tt("ruleSaved"));
      } catch (e) {
        toggle.input.checked = !toggle.input.checked;
        if (e instanceof Unauthorized) return signIn();
        alert.textContent = errorMessage(e);
      }
    });
    const edit = el("button", { type: "button", text: tt("edit"), "aria-label": `${tt("edit")} ${r.name}` });
    const copy = el("button", { type: "button", text: tt("copy"), "aria-label": `${tt("copy")} ${r.name}` });
    const tryIt = el("button", { type: "button", text: tt("tryIt") });
    const log = el("button", { type: "button", text: tt("deliveries") });
    log.hidden = !(r.actions || []).some((a) => a.action_name === "send_webhook_event");
    copy.addEventListener("click", async () => {
      try {
        await api(`${apiBase()}/automation_rules/${r.id}/clone`, { method: "POST" });
        await refresh();
      } catch (e) {
        if (e instanceof Unauthorized) return signIn();
        alert.textContent = errorMessage(e);
      }
    });
    const del = deleteControl(r.name, async () => {
      await api(`${apiBase()}/automation_rules/${r.id}`, { method: "DELETE" });
      all = all.filter((x) => x.id !== r.id);
      li.remove();
      if (!all.length) list.replaceChildren(emptyRow(tt("noRules"), tt("newRule"), () => focusForm(create.form)));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, title, when, toggle.node, status, rowButtons(tryIt, log, edit, copy, del)), note, alert);
    expander(li, edit, (close) => builder(r, ctx, tt("edit"), tt("saveRule"), async (body) => {
      const u = (await api(`${apiBase()}/automation_rules/${r.id}`, { method: "PATCH", json: body })).payload;
      Object.assign(r, u);
      close();
      li.replaceWith(row(r));
      return tt("ruleSaved");
    }).form);
    expander(li, tryIt, () => dryRun(r));
    expander(li, log, () => deliveryLog(r));
    return li;
  }
  async function refresh() {
    const r = await api(`${apiBase()}/automation_rules`);
    all = (r && r.payload) || [];
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(tt("noRules"), tt("newRule"), () => focusForm(create.form)));
  }
  const [people, teams, slas] = await Promise.all([agents().catch(() => []), api(`${apiBase()}/teams`).catch(() => []),
    api(`${apiBase()}/sla_policies`).catch(() => null)]);
  ctx.agents = people || [];
  ctx.teams = Array.isArray(teams) ? teams : [];
  ctx.slas = (slas && slas.payload) || [];
  let create = null;
  const fresh = () => builder({}, ctx, tt("newRule"), tt("create"), async (body) => {
    await api(`${apiBase()}/automation_rules`, { method: "POST", json: body });
    const next = fresh();
    create.form.replaceWith(next.form);
    create = next;
    await refresh();
    flash(create.status, tt("ruleSaved"));
    return "";
  });
  create = fresh();
  host.replaceChildren(el("h2", { text: tt("automation"), tabindex: "-1" }), list, create.form);
  await load(list, refresh);
}
