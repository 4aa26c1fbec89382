// Settings → Custom attributes: the account's definitions of contact and
// conversation attributes (Chatwoot's custom_attribute_definitions). A list
// per model, a form to create one (name, key, type, description, the choices
// of a list, a pattern and its cue for text), editing in place and deletion in
// two steps. The contact panel and the contact page show values by these.
//
// The building blocks (forms, rows, deletion, errors) come from the form kit,
// settings-kit.js, so this section looks and behaves like the others.

import { api, el, field } from "./lib.js";
import { forgetDefinitions } from "./attributes.js";
import {
  alertBox, apiBase, deleteControl, emptyRow, expander, formCard, hinted, input, load, loadingList, rowButtons, t,
  textarea, withText,
} from "./settings-kit.js";

const TEXT = {
  en: {
    contactModel: "Contact", conversationModel: "Conversation",
    models: "Attributes of", newAttribute: "New custom attribute", displayName: "Display name",
    key: "Key", keyHint: "Letters, numbers, _ . and -; how the value is stored and sent over the API. Fixed once created.",
    type: "Type", appliesTo: "Applies to", values: "List values", valuesHint: "One choice per line (at most 100).",
    pattern: "Validation pattern", patternHint: "A regular expression the value must match, e.g. ^[A-Z]{2}[0-9]{4}$",
    cue: "Hint shown when the value does not match", attributeDetails: "Custom attribute",
    noAttributes: "No {model} attributes yet. Create one below; it shows in the contact panel for every agent.",
    needValues: "A list needs at least one value.", badPattern: "This pattern is not a valid regular expression.",
    valueCount: "{n} values",
    text: "Text", number: "Number", currency: "Currency", percent: "Percent", link: "Link", date: "Date",
    list: "List", checkbox: "Checkbox",
  },
  ru: {
    contactModel: "Контакт", conversationModel: "Разговор",
    models: "Атрибуты:", newAttribute: "Новый атрибут", displayName: "Название",
    key: "Ключ", keyHint: "Буквы, цифры, _ . и -; под ним значение хранится и передаётся через API. После создания не меняется.",
    type: "Тип", appliesTo: "Относится к", values: "Значения списка", valuesHint: "По одному значению в строке (не больше 100).",
    pattern: "Шаблон проверки", patternHint: "Регулярное выражение, которому должно соответствовать значение, например ^[A-Z]{2}[0-9]{4}$",
    cue: "Подсказка, если значение не подходит", attributeDetails: "Атрибут",
    noAttributes: "Атрибутов ({model}) пока нет. Создайте первый ниже — он появится в панели контакта у всех агентов.",
    needValues: "В списке должно быть хотя бы одно значение.", badPattern: "Это не регулярное выражение.",
    valueCount: "значений: {n}",
    text: "Текст", number: "Число", currency: "Сумма", percent: "Процент", link: "Ссылка", date: "Дата",
    list: "Список", checkbox: "Флажок",
  },
};

const TYPES = ["text", "number", "currency", "percent", "link", "date", "list", "checkbox"];
const MODELS = [["contact_attribute", "contactModel"], ["conversation_attribute", "conversationModel"]];

// "Renewal date" -> "renewal_date".
function keyFrom(name) {
  return name.trim().toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\p{L}\p{N}_.-]+/gu, "_").replace(/^_+|_+$/g, "").slice(0, 255);
}

function validPattern(p) {
  if (!p) return true;
  try {
    const lit = /^\/(.*)\/([a-z]*)$/s.exec(p);
    if (lit) new RegExp(lit[1], lit[2].replace(/[^imsu]/g, ""));
    else new RegExp(p);
    return true;
  } catch {
    return false;
  }
}

const tt = withText(TEXT);

export async function attributesSection(host) {
  const base = apiBase();
  let model = "contact_attribute";
  let count = 0;

  // The fields of a definition; `def` null for a new one.
  function fields(def) {
    const name = input("attribute_display_name", def ? def.attribute_display_name : "", { autocomplete: "off", maxlength: "255" });
    const key = input("attribute_key", def ? def.attribute_key : "", { autocomplete: "off", maxlength: "255", spellcheck: "false" });
    if (def) key.readOnly = true;
    let keyTouched = Boolean(def);
    key.addEventListener("input", () => { keyTouched = true; });
    name.addEventListener("input", () => { if (!keyTouched) key.value = keyFrom(name.value); });
    const type = el("select", { name: "attribute_display_type" }, ...TYPES.map((x) => el("option", { value: x, text: tt(x) })));
    type.value = def ? def.attribute_display_type : "text";
    const modelSelect = el("select", { name: "attribute_model" },
      ...MODELS.map(([value, word]) => el("option", { value, text: tt(word) })));
    modelSelect.value = def ? def.attribute_model : model;
    if (def) modelSelect.disabled = true;
    const description = textarea("attribute_description", def ? def.attribute_description : "", 2);
    const values = textarea("attribute_values", def && Array.isArray(def.attribute_values) ? def.attribute_values.join("\n") : "", 4);
    const pattern = input("regex_pattern", def ? def.regex_pattern : "", { autocomplete: "off", spellcheck: "false", maxlength: "500" });
    const cue = input("regex_cue", def ? def.regex_cue : "", { autocomplete: "off", maxlength: "255" });
    const valuesField = hinted(tt("values"), values, tt("valuesHint"));
    const patternFields = el("div", { class: "grid2" }, hinted(tt("pattern"), pattern, tt("patternHint")), field(tt("cue"), cue));
    const byType = () => {
      valuesField.hidden = type.value !== "list";
      patternFields.hidden = type.value !== "text";
    };
    type.addEventListener("change", byType);
    byType();
    const list = () => values.value.split("\n").map((v) => v.trim()).filter(Boolean);
    return {
      nodes: [
        el("div", { class: "grid2" }, field(tt("displayName"), name), hinted(tt("key"), key, tt("keyHint"))),
        el("div", { class: "grid2" }, field(tt("type"), type), field(tt("appliesTo"), modelSelect)),
        field(tt("description"), description),
        valuesField, patternFields,
      ],
      // The body to send, or throws an error naming the field.
      json() {
        if (type.value === "list" && !list().length) throw Object.assign(new Error(tt("needValues")), { body: { message: tt("needValues"), attributes: ["attribute_values"] } });
        if (type.value === "text" && !validPattern(pattern.value.trim())) throw Object.assign(new Error(tt("badPattern")), { body: { message: tt("badPattern"), attributes: ["regex_pattern"] } });
        const body = {
          attribute_display_name: name.value.trim(),
          attribute_display_type: type.value,
          attribute_description: description.value.trim(),
          attribute_values: type.value === "list" ? list() : [],
          regex_pattern: type.value === "text" ? pattern.value.trim() : "",
          regex_cue: type.value === "text" ? cue.value.trim() : "",
        };
        if (!def) {
          body.attribute_key = key.value.trim();
          body.attribute_model = modelSelect.value;
        }
        return { custom_attribute_definition: body };
      },
      reset() {
        keyTouched = false;
        modelSelect.value = model;
        byType();
      },
    };
  }

  const list = loadingList({ "aria-label": tt("attributes") });
  function summary(def) {
    const bits = [tt(def.attribute_display_type)];
    if (def.attribute_display_type === "list") bits.push(tt("valueCount", { n: (def.attribute_values || []).length }));
    return bits.join(" · ");
  }
  function row(def) {
    const li = el("li", { "data-attribute": String(def.id), "data-key": def.attribute_key });
    const name = el("strong", { class: "name", text: def.attribute_display_name });
    const key = el("code", { class: "meta", text: def.attribute_key });
    const type = el("span", { class: "badge", text: summary(def) });
    const desc = el("span", { class: "meta desc", text: def.attribute_description || "" });
    const edit = el("button", { type: "button", text: t("edit"), "aria-label": `${t("edit")} ${def.attribute_display_name}` });
    const alert = alertBox();
    const del = deleteControl(def.attribute_display_name, async () => {
      await api(`${base}/custom_attribute_definitions/${def.id}`, { method: "DELETE" });
      forgetDefinitions(base);
      li.remove();
      if (!--count) list.replaceChildren(emptyRow(emptyText()));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, name, key, type, desc, rowButtons(edit, del)), alert);
    expander(li, edit, () => {
      const f = fields(def);
      const card = formCard(tt("attributeDetails"), f.nodes, t("save"), async () => {
        const updated = await api(`${base}/custom_attribute_definitions/${def.id}`, { method: "PATCH", json: f.json() });
        Object.assign(def, updated);
        forgetDefinitions(base);
        name.textContent = updated.attribute_display_name;
        type.textContent = summary(updated);
        desc.textContent = updated.attribute_description || "";
        edit.setAttribute("aria-label", `${t("edit")} ${updated.attribute_display_name}`);
        del.rename(updated.attribute_display_name);
        return t("saved");
      });
      return el("div", { class: "panel single" }, card.form);
    });
    return li;
  }
  const emptyText = () => tt("noAttributes", { model: tt(model === "contact_attribute" ? "contactModel" : "conversationModel").toLowerCase() });
  async function refresh() {
    const all = await api(`${base}/custom_attribute_definitions?attribute_model=${model}`);
    count = all.length;
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(emptyText()));
  }

  // The model switch: two pressed-state buttons.
  const switches = MODELS.map(([value, word]) => {
    const b = el("button", { type: "button", "data-model": value, "aria-pressed": String(value === model), text: tt(word) });
    b.addEventListener("click", () => {
      if (model === value) return;
      model = value;
      for (const s of switches) s.setAttribute("aria-pressed", String(s.dataset.model === model));
      create.reset();
      load(list, refresh);
    });
    return b;
  });
  const f = fields(null);
  const card = formCard(tt("newAttribute"), [el("h3", { text: tt("newAttribute") }), ...f.nodes], t("create"), async (form) => {
    const body = f.json();
    const made = await api(`${base}/custom_attribute_definitions`, { method: "POST", json: body });
    forgetDefinitions(base);
    form.reset();
    f.reset();
    if (made.attribute_model === model) {
      if (!count++) list.replaceChildren();
      list.append(row(made));
    }
    return `${made.attribute_display_name}: ${t("saved")}`;
  });
  const create = { reset: () => f.reset() };
  host.replaceChildren(el("h2", { text: tt("attributes"), tabindex: "-1" }),
    el("div", { class: "row model-switch", role: "group", "aria-label": tt("models") }, ...switches),
    list, card.form);
  await load(list, refresh);
}
