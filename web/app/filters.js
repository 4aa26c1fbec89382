// The filter builder over the conversation list: rows of [attribute]
// [operator] [value], joined by AND or OR (Chatwoot's query_operator on each
// condition, for the join with the next one; the server reads them left to
// right with AND binding before OR, as SQL does). Applying runs POST
// /conversations/filter and shows the result in the list; the conditions
// can be saved as a view (/custom_filters) and edited later. A modal dialog;
// a full-screen sheet on phones. Refusals from the server show beside the
// condition they concern.

import { Unauthorized, api, el, errorMessage, icon, load, locale } from "./lib.js";
import { MODELS, definitions } from "./attributes.js";

const TEXT = {
  en: {
    filter: "Filter", filterTitle: "Filter conversations", editFilter: "Edit filter", close: "Close",
    hint: "AND binds before OR: “A and B or C” finds (A and B), or C.",
    addCondition: "Add condition", removeCondition: "Remove condition {n}",
    condAttribute: "Condition {n} attribute", condOperator: "Condition {n} operator", condValue: "Condition {n} value",
    condition: "Condition {n}", condJoin: "How conditions {a} and {b} combine", and: "AND", or: "OR", andWord: "and", orWord: "or",
    apply: "Apply", cancel: "Cancel", viewName: "View name", saveAsView: "Save as view", saveChanges: "Save changes",
    saveAsNew: "Save as new view", nameNeeded: "Name the view to save it.", notSaved: "Couldn't save the view:",
    valueNeeded: "Enter a value.", failed: "Couldn't run the filter:", checking: "Checking…",
    groupConversation: "Conversation", groupCustom: "Custom attributes", choose: "— choose —",
    err_attribute_key: "This attribute can't be filtered on.", err_filter_operator: "This operator doesn't fit this attribute.",
    err_values: "This value isn't accepted for this attribute.", err_query_operator: "Use AND or OR.",
    summaryFilter: "Filter", yes: "Yes", no: "No", daysUnit: "days", daysAgo: "older than {n} days",
    a_status: "Status", a_assignee_id: "Assignee", a_team_id: "Team", a_inbox_id: "Inbox", a_labels: "Labels",
    a_priority: "Priority", a_created_at: "Created", a_last_activity_at: "Last activity", a_display_id: "Conversation #",
    a_browser_language: "Browser language", a_country_code: "Country code", a_referer: "Page (referer)",
    a_waiting_since: "Waiting since", a_contact_id: "Contact id", a_conversation_language: "Conversation language",
    a_mail_subject: "Mail subject",
    o_equal_to: "is", o_not_equal_to: "is not", o_contains: "contains", o_does_not_contain: "does not contain",
    o_is_present: "is set", o_is_not_present: "is not set", o_is_greater_than: "is greater than",
    o_is_less_than: "is less than", o_days_before: "older than",
    o_date_is_greater_than: "is after", o_date_is_less_than: "is before",
    open: "Open", pending: "Pending", snoozed: "Snoozed", resolved: "Resolved",
    urgent: "Urgent", high: "High", medium: "Medium", low: "Low",
    languageHint: "e.g. en or ru", countryHint: "e.g. DE",
  },
  ru: {
    filter: "Фильтр", filterTitle: "Фильтр разговоров", editFilter: "Изменить фильтр", close: "Закрыть",
    hint: "И связывает раньше, чем ИЛИ: «A и B или C» находит (A и B) или C.",
    addCondition: "Добавить условие", removeCondition: "Удалить условие {n}",
    condAttribute: "Условие {n}: атрибут", condOperator: "Условие {n}: оператор", condValue: "Условие {n}: значение",
    condition: "Условие {n}", condJoin: "Как связаны условия {a} и {b}", and: "И", or: "ИЛИ", andWord: "и", orWord: "или",
    apply: "Применить", cancel: "Отмена", viewName: "Название вида", saveAsView: "Сохранить как вид", saveChanges: "Сохранить изменения",
    saveAsNew: "Сохранить как новый вид", nameNeeded: "Назовите вид, чтобы сохранить его.", notSaved: "Вид не сохранён:",
    valueNeeded: "Введите значение.", failed: "Фильтр не выполнен:", checking: "Проверка…",
    groupConversation: "Разговор", groupCustom: "Пользовательские атрибуты", choose: "— выберите —",
    err_attribute_key: "По этому атрибуту фильтровать нельзя.", err_filter_operator: "Этот оператор не подходит к атрибуту.",
    err_values: "Такое значение не подходит для этого атрибута.", err_query_operator: "Выберите И или ИЛИ.",
    summaryFilter: "Фильтр", yes: "Да", no: "Нет", daysUnit: "дн.", daysAgo: "старше {n} дн.",
    a_status: "Статус", a_assignee_id: "Ответственный", a_team_id: "Команда", a_inbox_id: "Канал", a_labels: "Метки",
    a_priority: "Приоритет", a_created_at: "Создан", a_last_activity_at: "Последняя активность", a_display_id: "Разговор №",
    a_browser_language: "Язык браузера", a_country_code: "Код страны", a_referer: "Страница (referer)",
    a_waiting_since: "Ждёт с", a_contact_id: "Id контакта", a_conversation_language: "Язык разговора",
    a_mail_subject: "Тема письма",
    o_equal_to: "равно", o_not_equal_to: "не равно", o_contains: "содержит", o_does_not_contain: "не содержит",
    o_is_present: "задано", o_is_not_present: "не задано", o_is_greater_than: "больше",
    o_is_less_than: "меньше", o_days_before: "старше",
    o_date_is_greater_than: "после", o_date_is_less_than: "до",
    open: "Открыт", pending: "В ожидании", snoozed: "Отложен", resolved: "Решён",
    urgent: "Срочный", high: "Высокий", medium: "Средний", low: "Низкий",
    languageHint: "например, en или ru", countryHint: "например, DE",
  },
};
const t = (k) => (TEXT[locale] && TEXT[locale][k]) || TEXT.en[k] || k;
const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : ""));

const EQ = ["equal_to", "not_equal_to"];
const PRESENT = ["is_present", "is_not_present"];
const NO_VALUE = new Set(PRESENT);
const STATUSES = ["open", "pending", "snoozed", "resolved"];
const PRIORITIES = ["urgent", "high", "medium", "low"];

// What a value control is: a choice from a list, a number of days, a date,
// a number or text.
function valueKind(attr, op) {
  if (NO_VALUE.has(op)) return "none";
  if (op === "days_before") return "days";
  return attr.kind;
}

// The attributes the server filters conversations on (crates/core's
// parse_filter), each with the operators that make sense for it.
function standardAttributes(lists) {
  const choice = (key, ops, options, numeric = false) => ({ key, ops, kind: "choice", options, numeric });
  return [
    choice("status", EQ, STATUSES.map((s) => ({ value: s, label: t(s) }))),
    choice("assignee_id", [...EQ, ...PRESENT], lists.agents, true),
    choice("team_id", [...EQ, ...PRESENT], lists.teams, true),
    choice("inbox_id", EQ, lists.inboxes, true),
    choice("labels", [...EQ, ...PRESENT], lists.labels),
    choice("priority", [...EQ, ...PRESENT], PRIORITIES.map((p) => ({ value: p, label: t(p) }))),
    { key: "created_at", ops: ["is_greater_than", "is_less_than", "days_before"], kind: "date" },
    { key: "last_activity_at", ops: ["is_greater_than", "is_less_than", "days_before"], kind: "date" },
    { key: "display_id", ops: [...EQ, "is_greater_than", "is_less_than"], kind: "number" },
    { key: "browser_language", ops: [...EQ, ...PRESENT], kind: "text", hint: t("languageHint") },
    { key: "country_code", ops: [...EQ, ...PRESENT], kind: "text", hint: t("countryHint") },
    { key: "referer", ops: ["contains", "does_not_contain", ...EQ, ...PRESENT], kind: "text" },
  ].map((a) => Object.assign({ label: t(`a_${a.key}`), custom: false }, a));
}

// A conversation custom attribute by its definition's display type.
function customAttribute(def) {
  const base = { key: def.attribute_key, label: def.attribute_display_name || def.attribute_key, custom: true };
  switch (def.attribute_display_type) {
    case "number": case "currency": case "percent":
      return Object.assign(base, { ops: [...EQ, ...PRESENT], kind: "number" });
    case "date":
      return Object.assign(base, { ops: ["is_greater_than", "is_less_than", ...PRESENT], kind: "day" });
    case "list":
      return Object.assign(base, {
        ops: [...EQ, ...PRESENT], kind: "choice",
        options: (Array.isArray(def.attribute_values) ? def.attribute_values : []).map((v) => ({ value: String(v), label: String(v) })),
      });
    case "checkbox":
      return Object.assign(base, { ops: ["equal_to"], kind: "choice", options: [{ value: "true", label: t("yes") }, { value: "false", label: t("no") }] });
    default:
      return Object.assign(base, { ops: ["equal_to", "not_equal_to", "contains", "does_not_contain", ...PRESENT], kind: "text" });
  }
}

// A key a saved view names that the builder does not offer (another
// client's, or an attribute whose definition is gone): kept as text with
// every operator, so saving it again loses nothing.
function unknownAttribute(key, custom) {
  const label = custom ? key : t(`a_${key}`);
  return { key, label, custom, kind: "text", ops: [...EQ, "contains", "does_not_contain", ...PRESENT, "is_greater_than", "is_less_than", "days_before"] };
}

const pad = (n) => String(n).padStart(2, "0");
const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
// A stored time (ISO or unix seconds) as the local day for a date input.
function dayOf(v) {
  if (v === null || v === undefined || v === "") return "";
  const s = String(v);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  const d = /^\d+$/.test(s) ? new Date(Number(s) * 1000) : new Date(s);
  return Number.isNaN(d.getTime()) ? "" : isoDay(d);
}
// A picked day as the start of that local day, in the ISO form the server reads.
function startOfDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).toISOString() : day;
}
// Chatwoot's pickers store `{id, name}`; plain values pass through.
const plain = (v) => (v && typeof v === "object" && "id" in v ? v.id : v);

let builders = 0;

export function filterBuilder(ctx, { current, apply }) {
  const { base } = ctx;
  let attrs = [];
  let rows = [];
  let editing = null; // the saved view being edited: { id, name }
  let opener = null;
  let seq = 0;
  // Ids unique to this builder (a new account builds another list).
  const uid = `fb${++builders}`;

  const title = el("h2", { id: `${uid}-title`, text: t("filterTitle") });
  const closeX = el("button", { type: "button", class: "icon-button fb-close", "aria-label": t("close"), title: t("close") }, icon("close"));
  const list = el("div", { class: "fb-rows" });
  const add = el("button", { type: "button", class: "fb-add" }, el("span", { "aria-hidden": "true", text: "+ " }), el("span", { text: t("addCondition") }));
  const formError = el("p", { class: "error fb-form-error", role: "alert" });
  const nameInput = el("input", { type: "text", id: `${uid}-name`, maxlength: "255", autocomplete: "off", "aria-describedby": `${uid}-name-error` });
  const nameError = el("p", { class: "error", id: `${uid}-name-error`, role: "alert" });
  const saveNew = el("button", { type: "button", class: "fb-save-new", text: t("saveAsNew"), hidden: "" });
  const save = el("button", { type: "button", class: "fb-save", text: t("saveAsView") });
  const cancel = el("button", { type: "button", text: t("cancel") });
  const applyButton = el("button", { type: "submit", class: "primary", text: t("apply") });
  const status = el("span", { class: "fb-status", role: "status" });
  const form = el("form", { class: "fb-form", novalidate: "" },
    el("header", { class: "fb-head" }, title, closeX),
    el("p", { class: "fb-hint", id: `${uid}-hint`, text: t("hint") }),
    list, add, formError,
    el("div", { class: "fb-name" }, el("label", { for: `${uid}-name`, text: t("viewName") }), nameInput, nameError),
    el("footer", { class: "fb-foot" }, status, cancel, saveNew, save, applyButton));
  const dialog = el("dialog", { class: "fb", "aria-labelledby": `${uid}-title`, "aria-describedby": `${uid}-hint` }, form);
  // Keys typed in the builder stay in it (the list's single-key shortcuts
  // listen on the document).
  dialog.addEventListener("keydown", (e) => { if (e.key !== "Escape") e.stopPropagation(); });
  dialog.addEventListener("close", () => {
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  closeX.addEventListener("click", () => dialog.close());
  cancel.addEventListener("click", () => dialog.close());

  // ---- rows ----
  function attrFor(key, custom) {
    return attrs.find((a) => a.key === key && a.custom === custom)
      || attrs.find((a) => a.key === key)
      || unknownAttribute(key, custom);
  }
  function attrSelect(row) {
    const std = attrs.filter((a) => !a.custom), custom = attrs.filter((a) => a.custom);
    const option = (a) => el("option", { value: `${a.custom ? "c" : "s"}:${a.key}`, text: a.label });
    const extra = attrs.includes(row.attr) ? null : option(row.attr);
    const sel = el("select", { class: "fb-attr" },
      el("optgroup", { label: t("groupConversation") }, ...std.map(option)),
      custom.length ? el("optgroup", { label: t("groupCustom") }, ...custom.map(option)) : null, extra);
    sel.value = `${row.attr.custom ? "c" : "s"}:${row.attr.key}`;
    return sel;
  }
  function opLabel(attr, op) {
    if ((attr.kind === "date" || attr.kind === "day") && (op === "is_greater_than" || op === "is_less_than")) return t(`o_date_${op}`);
    return t(`o_${op}`);
  }
  function fillOps(row) {
    row.opSel.replaceChildren(...row.attr.ops.map((op) => el("option", { value: op, text: opLabel(row.attr, op) })));
    if (!row.attr.ops.includes(row.op)) row.op = row.attr.ops[0];
    row.opSel.value = row.op;
  }
  // The value control for the row's attribute and operator, holding `values`.
  function fillValue(row, values) {
    const kind = valueKind(row.attr, row.op);
    row.kind = kind;
    row.valueBox.replaceChildren();
    row.control = null;
    if (kind === "none") return;
    const vals = (values || []).map(plain).filter((v) => v !== null && v !== undefined);
    let control;
    if (kind === "choice") {
      const options = [...(row.attr.options || [])];
      for (const v of vals) if (!options.some((o) => String(o.value) === String(v))) options.push({ value: String(v), label: String(v) });
      control = el("select", {}, el("option", { value: "", text: t("choose") }),
        ...options.map((o) => el("option", { value: String(o.value), text: o.label })));
      // A saved view may name several values for one condition (any of them).
      if (vals.length > 1) {
        control.multiple = true;
        control.firstChild.remove();
      }
      for (const o of control.options) o.selected = vals.some((v) => String(v) === o.value);
      if (!vals.length) control.value = "";
    } else if (kind === "days") {
      control = el("input", { type: "number", min: "0", step: "1", inputmode: "numeric" });
      control.value = vals.length ? String(vals[0]) : "";
      row.valueBox.append(control, el("span", { class: "fb-unit", "aria-hidden": "true", text: t("daysUnit") }));
    } else if (kind === "date" || kind === "day") {
      control = el("input", { type: "date" });
      control.value = vals.length ? dayOf(vals[0]) : "";
    } else if (kind === "number") {
      control = el("input", { type: "number", step: "any", inputmode: "decimal" });
      control.value = vals.length ? String(vals[0]) : "";
    } else {
      control = el("input", { type: "text", autocomplete: "off", maxlength: "1500" });
      if (row.attr.hint) control.placeholder = row.attr.hint;
      control.value = vals.length ? String(vals[0]) : "";
    }
    control.classList.add("fb-value");
    row.control = control;
    if (!row.valueBox.contains(control)) row.valueBox.prepend(control);
  }
  // The row's values as the server takes them; null when one is missing.
  function readValues(row) {
    const c = row.control;
    if (!c) return [];
    if (row.kind === "choice") {
      const picked = [...c.selectedOptions].map((o) => o.value).filter((v) => v !== "");
      if (!picked.length) return null;
      return picked.map((v) => (row.attr.numeric && /^\d+$/.test(v) ? Number(v) : v));
    }
    const raw = c.value.trim();
    if (!raw) return null;
    if (row.kind === "days") return [Number(raw)];
    if (row.kind === "number") return [row.attr.custom ? raw : Number(raw)];
    if (row.kind === "date") return [startOfDay(raw)];
    return [raw];
  }

  function makeRow(cond) {
    const row = { id: ++seq, attr: cond.attr, op: cond.op, join: cond.join === "or" ? "or" : "and" };
    row.opSel = el("select", { class: "fb-op" });
    row.valueBox = el("span", { class: "fb-value-box" });
    row.remove = el("button", { type: "button", class: "icon-button fb-remove" }, icon("close"));
    row.error = el("p", { class: "error fb-row-error", id: `${uid}-err-${row.id}` });
    row.attrSel = attrSelect(row);
    row.joinSel = el("select", { class: "fb-join" },
      el("option", { value: "and", text: t("and") }), el("option", { value: "or", text: t("or") }));
    row.joinSel.value = row.join;
    row.joinLi = el("div", { class: "fb-join-row" }, row.joinSel);
    row.li = el("div", { class: "fb-row", role: "group" }, row.attrSel, row.opSel, row.valueBox, row.remove, row.error);
    fillOps(row);
    fillValue(row, cond.values);
    row.attrSel.addEventListener("change", () => {
      const [kind, ...rest] = row.attrSel.value.split(":");
      row.attr = attrFor(rest.join(":"), kind === "c");
      fillOps(row);
      fillValue(row, []);
      clearRowError(row);
      paint();
    });
    row.opSel.addEventListener("change", () => {
      const before = row.kind;
      row.op = row.opSel.value;
      // Another kind of value (a date, a number of days, none) starts empty.
      if (valueKind(row.attr, row.op) !== before) fillValue(row, []);
      clearRowError(row);
      paint();
    });
    row.joinSel.addEventListener("change", () => { row.join = row.joinSel.value; });
    row.remove.addEventListener("click", () => {
      const at = rows.indexOf(row);
      rows.splice(at, 1);
      paint();
      const next = rows[Math.min(at, rows.length - 1)];
      (next ? next.attrSel : add).focus();
    });
    return row;
  }
  // Lays the rows out with a join between each pair and the labels that
  // name each control by the condition's number.
  function paint() {
    const items = [];
    rows.forEach((row, i) => {
      const n = i + 1;
      if (i > 0) {
        rows[i - 1].joinSel.setAttribute("aria-label", fill(t("condJoin"), { a: i, b: n }));
        items.push(rows[i - 1].joinLi);
      }
      row.li.setAttribute("aria-label", fill(t("condition"), { n }));
      row.attrSel.setAttribute("aria-label", fill(t("condAttribute"), { n }));
      row.opSel.setAttribute("aria-label", fill(t("condOperator"), { n }));
      if (row.control) {
        row.control.setAttribute("aria-label", fill(t("condValue"), { n }));
        row.control.setAttribute("aria-describedby", row.error.id);
      }
      row.remove.setAttribute("aria-label", fill(t("removeCondition"), { n }));
      row.remove.title = fill(t("removeCondition"), { n });
      row.remove.disabled = rows.length === 1;
      items.push(row.li);
    });
    list.replaceChildren(...items);
  }
  function setRowError(row, text) {
    row.error.textContent = text;
    row.li.classList.add("invalid");
    (row.control || row.opSel).setAttribute("aria-invalid", "true");
  }
  function clearRowError(row) {
    row.error.textContent = "";
    row.li.classList.remove("invalid");
    for (const c of [row.control, row.opSel, row.attrSel]) if (c) c.removeAttribute("aria-invalid");
  }
  function clearErrors() {
    rows.forEach(clearRowError);
    formError.textContent = "";
    nameError.textContent = "";
    nameInput.removeAttribute("aria-invalid");
  }

  add.addEventListener("click", () => {
    const last = rows[rows.length - 1];
    const attr = attrs[0];
    const row = makeRow({ attr, op: attr.ops[0], values: [], join: last ? last.join : "and" });
    rows.push(row);
    paint();
    row.attrSel.focus();
  });

  // ---- the query ----
  // Chatwoot's payload from the rows; null (and the rows marked) when a
  // value is missing.
  function payload() {
    let ok = true;
    const out = rows.map((row, i) => {
      const values = readValues(row);
      if (values === null) {
        setRowError(row, t("valueNeeded"));
        ok = false;
      }
      const c = { attribute_key: row.attr.key, filter_operator: row.op, values: values || [], query_operator: i < rows.length - 1 ? row.join : null };
      if (row.attr.custom) Object.assign(c, { attribute_model: "customer_attributes", custom_attribute_type: MODELS.conversation });
      return c;
    });
    return ok ? out : null;
  }
  // "Status is Open and Priority is Urgent or …", for the list's header.
  function summary() {
    return rows.map((row, i) => {
      let value = "";
      if (row.control && row.kind === "choice") value = [...row.control.selectedOptions].map((o) => o.textContent).join(", ");
      else if (row.control) value = row.control.value;
      const words = row.kind === "days" ? `${row.attr.label} ${fill(t("daysAgo"), { n: value })}`
        : [row.attr.label, opLabel(row.attr, row.op), value].filter(Boolean).join(" ");
      return i < rows.length - 1 ? `${words} ${t(row.join === "or" ? "orWord" : "andWord")}` : words;
    }).join(" ");
  }
  // The server refused the filter: ask it about each condition alone to
  // say which ones, and show each one's reason beside it.
  async function pinpoint(conds, err) {
    const one = (c) => api(`${base}/conversations/filter?page=1`, { method: "POST", json: { payload: [Object.assign({}, c, { query_operator: null })] } })
      .then(() => null, (e) => (e && e.status === 422 ? e : null));
    const refusals = await Promise.all(conds.map(one));
    const reason = (e) => {
      const attr = e.body && Array.isArray(e.body.attributes) ? e.body.attributes[0] : "";
      return TEXT.en[`err_${attr}`] ? t(`err_${attr}`) : errorMessage(e);
    };
    let first = null;
    refusals.forEach((e, i) => {
      if (!e) return;
      setRowError(rows[i], reason(e));
      first = first || rows[i];
    });
    if (first) (first.control || first.opSel).focus();
    else formError.textContent = `${t("failed")} ${reason(err)}`;
  }

  async function run(mode) {
    clearErrors();
    const conds = payload();
    if (!conds) {
      const bad = rows.find((r) => r.li.classList.contains("invalid"));
      if (bad) (bad.control || bad.opSel).focus();
      return;
    }
    const name = nameInput.value.trim();
    if (mode !== "apply" && !name) {
      nameError.textContent = t("nameNeeded");
      nameInput.setAttribute("aria-invalid", "true");
      nameInput.focus();
      return;
    }
    const query = { payload: conds };
    const buttons = [applyButton, save, saveNew];
    for (const b of buttons) b.disabled = true;
    status.textContent = t("checking");
    try {
      // The server checks the conditions before anything is saved.
      try {
        await api(`${base}/conversations/filter?page=1`, { method: "POST", json: query });
      } catch (e) {
        if (e instanceof Unauthorized) return ctx.signIn();
        if (e && e.status === 422) return await pinpoint(conds, e);
        formError.textContent = `${t("failed")} ${errorMessage(e)}`;
        return;
      }
      if (mode === "apply") {
        const label = `${t("summaryFilter")}: ${summary()}`;
        dialog.close();
        await apply({ kind: "view", id: null, name: label, label, query, editing }, false);
        return;
      }
      let v;
      try {
        const body = { custom_filter: { name, filter_type: "conversation", query } };
        v = mode === "update" && editing
          ? await api(`${base}/custom_filters/${editing.id}`, { method: "PATCH", json: body })
          : await api(`${base}/custom_filters`, { method: "POST", json: body });
      } catch (e) {
        if (e instanceof Unauthorized) return ctx.signIn();
        nameError.textContent = `${t("notSaved")} ${errorMessage(e)}`;
        return;
      }
      dialog.close();
      await apply({ kind: "view", id: v.id, name: v.name, query: v.query }, true);
    } finally {
      status.textContent = "";
      for (const b of buttons) b.disabled = false;
    }
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); run("apply"); });
  save.addEventListener("click", () => run(editing ? "update" : "create"));
  saveNew.addEventListener("click", () => run("create"));

  // ---- opening ----
  async function loadAttributes() {
    const [agents, teams, inboxes, labels, defs] = await Promise.all([
      load(`${base}/agents`, (r) => r || []).catch(() => []),
      load(`${base}/teams`, (r) => r || []).catch(() => []),
      load(`${base}/inboxes`, (r) => (r && r.payload) || []).catch(() => []),
      load(`${base}/labels`, (r) => (r && r.payload) || []).catch(() => []),
      definitions(base, 0).catch(() => []),
    ]);
    attrs = [
      ...standardAttributes({
        agents: agents.map((a) => ({ value: a.id, label: a.available_name || a.name })),
        teams: teams.map((x) => ({ value: x.id, label: x.name })),
        inboxes: inboxes.map((i) => ({ value: i.id, label: i.name })),
        labels: labels.map((l) => ({ value: l.title, label: l.title })),
      }),
      ...defs.filter((d) => d && d.attribute_key).map(customAttribute),
    ];
  }
  // Opens the builder on `filter` ({query, id?, name?, editing?}): its
  // conditions, or one to start from.
  async function open(filter, from) {
    opener = from || document.activeElement;
    await loadAttributes();
    const conds = filter && filter.query && Array.isArray(filter.query.payload) ? filter.query.payload : [];
    rows = conds.filter((c) => c && typeof c.attribute_key === "string").map((c) => {
      const custom = Boolean(c.custom_attribute_type) || c.attribute_model === "customer_attributes" || c.attribute_model === "custom_attributes";
      const values = Array.isArray(c.values) ? c.values : c.values === undefined || c.values === null ? [] : [c.values];
      const attr = attrFor(c.attribute_key, custom);
      const op = attr.ops.includes(c.filter_operator) ? c.filter_operator : attr.ops[0];
      return makeRow({ attr, op, values, join: String(c.query_operator || "and").toLowerCase() });
    });
    if (!rows.length) rows = [makeRow({ attr: attrs[0], op: "equal_to", values: ["open"], join: "and" })];
    editing = filter && filter.id ? { id: filter.id, name: filter.name } : (filter && filter.editing) || null;
    nameInput.value = editing ? editing.name : "";
    save.textContent = t(editing ? "saveChanges" : "saveAsView");
    saveNew.hidden = !editing;
    clearErrors();
    paint();
    if (!dialog.isConnected) document.body.append(dialog);
    if (!dialog.open) dialog.showModal();
    rows[0].attrSel.focus();
  }

  // The list's toolbar button and the header's "Edit filter".
  const button = el("button", { type: "button", class: "icon-button fb-open", "aria-haspopup": "dialog", "aria-label": t("filter"), title: t("filter") }, icon("filter"));
  button.addEventListener("click", () => open(current(), button).catch(() => {}));
  const editButton = el("button", { type: "button", class: "link fb-edit", hidden: "" }, el("span", { text: t("editFilter") }));
  editButton.addEventListener("click", () => open(current(), editButton).catch(() => {}));

  return {
    button,
    editButton,
    open,
    // Whether the list shows builder conditions (a view, saved or not).
    paint(inView) { editButton.hidden = !inView; },
  };
}
