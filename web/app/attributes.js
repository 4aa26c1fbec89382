// Custom attributes shown and edited by their definitions (Settings →
// Custom attributes): a typed value (number, currency, percent, a link that
// opens, a date in the interface language, a choice from a list, a checkbox)
// and a typed editor that checks the definition's pattern before saving and
// shows its cue. Keys a record has without a definition show as plain text.
// Used by the contact panel beside a conversation and by the contact page.

import { Unauthorized, api, el, errorMessage, forget, load, locale } from "./lib.js";

const TEXT = {
  en: {
    edit: "Edit", save: "Save", cancel: "Cancel", notSet: "Not set", yes: "Yes", no: "No", choose: "— choose —",
    notSaved: "Couldn't save:", badPattern: "The value does not match the expected format.",
    badLink: "Enter a web address starting with http:// or https://.", badNumber: "Enter a number.",
    badDate: "Enter a date.", saved: "Saved", noAttributes: "No attributes yet.",
    contactAttributes: "Contact attributes", conversationAttributes: "Conversation attributes",
  },
  ru: {
    edit: "Изменить", save: "Сохранить", cancel: "Отмена", notSet: "Не задано", yes: "Да", no: "Нет", choose: "— выберите —",
    notSaved: "Не сохранено:", badPattern: "Значение не подходит под нужный формат.",
    badLink: "Введите адрес, начинающийся с http:// или https://.", badNumber: "Введите число.",
    badDate: "Введите дату.", saved: "Сохранено", noAttributes: "Атрибутов пока нет.",
    contactAttributes: "Атрибуты контакта", conversationAttributes: "Атрибуты разговора",
  },
};
const t = (k) => (TEXT[locale] && TEXT[locale][k]) || TEXT.en[k] || k;
export const attributeText = t;

export const MODELS = { conversation: "conversation_attribute", contact: "contact_attribute" };

// The account's definitions of one model, loaded once and shared.
export function definitions(base, model) {
  return load(`${base}/custom_attribute_definitions?attribute_model=${model}`, (r) => (Array.isArray(r) ? r : []));
}
// After a definition changed: the next panel loads them again.
export function forgetDefinitions(base) {
  forget(`${base}/custom_attribute_definitions`);
}

// A definition's pattern as a RegExp ("^a+$" or "/^a+$/i"); null when there
// is none or the browser cannot compile it (then nothing is refused).
export function patternOf(def) {
  const p = def && def.regex_pattern;
  if (!p) return null;
  try {
    const lit = /^\/(.*)\/([a-z]*)$/s.exec(p);
    return lit ? new RegExp(lit[1], lit[2].replace(/[^imsu]/g, "")) : new RegExp(p);
  } catch {
    return null;
  }
}

// Only http(s) addresses become links.
export function safeUrl(v) {
  try {
    const u = new URL(String(v));
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

// "2027-03-01" (or a full ISO time) as a Date; a bare date is a local day.
function parseDate(v) {
  const s = String(v || "");
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}
function isoDay(d) {
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const isEmpty = (v) => v === null || v === undefined || v === "";

// A value as a person reads it (a node: links are anchors).
export function displayValue(def, v) {
  if (isEmpty(v)) return null;
  const type = def ? def.attribute_display_type : "text";
  const num = Number(v);
  switch (type) {
    case "number":
      return Number.isFinite(num) ? new Intl.NumberFormat(locale).format(num) : String(v);
    case "currency":
      return Number.isFinite(num) ? new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(num) : String(v);
    case "percent":
      return Number.isFinite(num) ? new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 }).format(num / 100) : String(v);
    case "date": {
      const d = parseDate(v);
      return d ? d.toLocaleDateString(locale, { dateStyle: "medium" }) : String(v);
    }
    case "checkbox":
      return v === true || v === "true" ? t("yes") : t("no");
    case "link": {
      const href = safeUrl(v);
      return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer", text: String(v) }) : String(v);
    }
    default:
      return typeof v === "object" ? JSON.stringify(v) : String(v);
  }
}

// The editor of one type: { control, read() -> value | throws Error(message) }.
function editorFor(def, current) {
  const type = def ? def.attribute_display_type : "text";
  if (type === "list") {
    const values = Array.isArray(def.attribute_values) ? def.attribute_values.map(String) : [];
    if (!isEmpty(current) && !values.includes(String(current))) values.push(String(current));
    const select = el("select", {}, el("option", { value: "", text: t("choose") }),
      ...values.map((v) => el("option", { value: v, text: v })));
    select.value = isEmpty(current) ? "" : String(current);
    return { control: select, read: () => select.value || null };
  }
  const input = el("input", { type: "text", autocomplete: "off" });
  if (type === "number" || type === "currency" || type === "percent") {
    input.type = "number";
    input.step = "any";
    input.inputMode = "decimal";
  } else if (type === "date") {
    input.type = "date";
  } else if (type === "link") {
    input.type = "url";
    input.placeholder = "https://";
  }
  if (type === "date") {
    const d = parseDate(current);
    input.value = d ? isoDay(d) : "";
  } else {
    input.value = isEmpty(current) ? "" : typeof current === "object" ? JSON.stringify(current) : String(current);
  }
  const read = () => {
    const raw = input.value.trim();
    if (!raw) {
      if (type === "date" && input.validity.badInput) throw new Error(t("badDate"));
      if (input.validity.badInput) throw new Error(t("badNumber"));
      return null;
    }
    if (type === "number" || type === "currency" || type === "percent") {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(t("badNumber"));
      return n;
    }
    if (type === "date") {
      if (!parseDate(raw)) throw new Error(t("badDate"));
      return raw;
    }
    if (type === "link" && !safeUrl(raw)) throw new Error(t("badLink"));
    const re = patternOf(def);
    if (re && (type === "text" || type === "link") && !re.test(raw)) throw new Error(def.regex_cue || t("badPattern"));
    if (!def) {
      // An undefined attribute keeps the type it had.
      if (typeof current === "number" && Number.isFinite(Number(raw))) return Number(raw);
      if (typeof current === "boolean" && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === "true";
    }
    return raw;
  };
  return { control: input, read };
}

let seq = 0;

// "Saved" beside a value for a few seconds.
function flash(node) {
  node.textContent = t("saved");
  clearTimeout(node.timer);
  node.timer = setTimeout(() => { node.textContent = ""; }, 4000);
}

// A list of attributes: every definition of the model (in order), then the
// record's other keys. `save(key, value)` stores one value (null clears it)
// and throws to show the server's refusal. Returns { node, update(values,
// defs) }; `onSignIn` runs when the session is gone.
export function attributeList({ save, onSignIn, label }) {
  const node = el("dl", { class: "attrs", "aria-label": label || "" });
  let values = {}, defs = [], lastOwner;

  function row(def, key) {
    const n = ++seq;
    const name = def ? def.attribute_display_name : key;
    const dt = el("dt", { id: `attr-l${n}`, text: name });
    if (def && def.attribute_description) dt.title = def.attribute_description;
    const dd = el("dd");
    const wrap = el("div", { class: "attr", "data-key": key, "data-type": def ? def.attribute_display_type : "plain" }, dt, dd);
    const status = el("span", { class: "attr-saved", role: "status" });

    async function put(value) {
      await save(key, value);
      values = { ...values, [key]: value };
    }
    function fail(err, error, focusTarget) {
      if (err instanceof Unauthorized) return onSignIn && onSignIn();
      error.textContent = `${t("notSaved")} ${errorMessage(err)}`;
      if (focusTarget) focusTarget.focus();
    }

    if (def && def.attribute_display_type === "checkbox") {
      // A checkbox saves as it is ticked.
      const box = el("input", { type: "checkbox", "aria-labelledby": dt.id });
      const error = el("p", { class: "error", role: "alert" });
      const word = el("span");
      const paintWord = () => { word.textContent = box.checked ? t("yes") : t("no"); };
      box.checked = values[key] === true || values[key] === "true";
      paintWord();
      box.addEventListener("change", async () => {
        error.textContent = "";
        status.textContent = "";
        box.disabled = true;
        paintWord();
        try {
          await put(box.checked);
          flash(status);
        } catch (err) {
          box.checked = !box.checked;
          paintWord();
          fail(err, error, box);
        } finally {
          box.disabled = false;
        }
      });
      dd.replaceChildren(el("label", { class: "attr-check" }, box, word), status, error);
      return wrap;
    }

    function view(focus) {
      const v = values[key];
      const shown = displayValue(def, v);
      const edit = el("button", { type: "button", class: "attr-edit", "aria-label": `${t("edit")} ${name}`, text: t("edit") });
      edit.addEventListener("click", editMode);
      dd.replaceChildren(
        shown === null ? el("span", { class: "attr-value unset", text: t("notSet") })
          : el("span", { class: "attr-value" }, shown),
        edit, status);
      if (focus) edit.focus();
    }
    function editMode() {
      status.textContent = "";
      const { control, read } = editorFor(def, values[key]);
      control.setAttribute("aria-labelledby", dt.id);
      const error = el("p", { class: "error", id: `attr-e${n}`, role: "alert" });
      control.setAttribute("aria-describedby", error.id);
      const ok = el("button", { type: "submit", class: "primary", text: t("save") });
      const cancel = el("button", { type: "button", text: t("cancel") });
      const form = el("form", { class: "attr-form", novalidate: "" }, control, el("div", { class: "row" }, ok, cancel), error);
      cancel.addEventListener("click", () => view(true));
      form.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); view(true); } });
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        error.textContent = "";
        control.removeAttribute("aria-invalid");
        let value;
        try {
          value = read();
        } catch (err) {
          error.textContent = err.message;
          control.setAttribute("aria-invalid", "true");
          control.focus();
          return;
        }
        ok.disabled = true;
        try {
          await put(value);
          view(true);
          flash(status);
        } catch (err) {
          ok.disabled = false;
          control.setAttribute("aria-invalid", "true");
          fail(err, error, control);
        }
      });
      dd.replaceChildren(form);
      control.focus();
    }
    view(false);
    return wrap;
  }

  function paint() {
    const known = new Set(defs.map((d) => d.attribute_key));
    const extra = Object.keys(values).filter((k) => !known.has(k) && !isEmpty(values[k])).sort();
    const rows = [...defs.map((d) => row(d, d.attribute_key)), ...extra.map((k) => row(null, k))];
    node.replaceChildren(...rows);
    if (!rows.length) node.replaceChildren(el("p", { class: "meta", text: t("noAttributes") }));
  }

  return {
    node,
    // New values (and definitions, unless null) of the record `owner`: an
    // editor open on the same record stays open through a live update.
    update(nextValues, nextDefs, owner) {
      values = { ...(nextValues || {}) };
      if (nextDefs) defs = nextDefs;
      if (owner === lastOwner && node.querySelector("form.attr-form")) return;
      lastOwner = owner;
      paint();
    },
  };
}

// Loads the definitions of `model` and paints `list` with `values`; a
// failed load still shows the values as plain text.
export async function paintWithDefinitions(list, base, model, values, owner) {
  list.update(values, null, owner);
  let defs = [];
  try {
    defs = await definitions(base, model);
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
  }
  list.update(values, defs, owner);
}

// Saves one value of a conversation's attributes (Chatwoot's endpoint
// replaces them all, so the others are sent as they are).
export async function saveConversationAttribute(base, conv, key, value) {
  const next = { ...(conv.custom_attributes || {}) };
  if (value === null) delete next[key];
  else next[key] = value;
  await api(`${base}/conversations/${conv.id}/custom_attributes`, { method: "POST", json: { custom_attributes: next } });
  conv.custom_attributes = next;
}
