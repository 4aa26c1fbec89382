// Settings → Labels: the account's labels (colour, description, whether the
// sidebar lists them), edited in place, and the form that creates one.

import { api, el, field } from "./lib.js";
import {
  alertBox, apiBase, checkbox, deleteControl, emptyRow, expander, focusForm, formCard, hinted, input, load,
  loadingList, rowButtons, t,
} from "./settings-kit.js";

function swatch(colour) {
  const node = el("span", { class: "label-swatch", "aria-hidden": "true" });
  node.style.setProperty("--swatch", colour || "#1f93ff");
  return node;
}

function labelFields(l) {
  const title = input("title", l ? l.title : "", { autocomplete: "off" });
  const description = input("description", l ? l.description : "");
  const colour = input("color", l && /^#[0-9a-f]{6}$/i.test(l.color) ? l.color : "#1f93ff", { type: "color" });
  const side = checkbox(t("sidebar"), "show_on_sidebar", l ? l.show_on_sidebar : true);
  return {
    nodes: [el("div", { class: "grid2" }, hinted(t("title"), title, t("titleHint")), field(t("description"), description)),
      el("div", { class: "row" }, field(t("colour"), colour), side.node)],
    json: () => ({ label: {
      title: title.value.trim(), description: description.value.trim(), color: colour.value, show_on_sidebar: side.input.checked,
    } }),
    title, colour, side,
  };
}

export async function labelsSection(host) {
  const list = loadingList({ "aria-label": t("labels") });
  let count = 0;
  function row(l) {
    const li = el("li", { "data-label": String(l.id) });
    const sw = swatch(l.color);
    const title = el("strong", { class: "name", text: l.title });
    const desc = el("span", { class: "meta desc", text: l.description || "" });
    const side = el("span", { class: "badge", text: t(l.show_on_sidebar ? "shown" : "hidden") });
    const edit = el("button", { type: "button", text: t("edit"), "aria-label": `${t("edit")} ${l.title}` });
    const alert = alertBox();
    const del = deleteControl(l.title, async () => {
      await api(`${apiBase()}/labels/${l.id}`, { method: "DELETE" });
      li.remove();
      if (!--count) list.replaceChildren(emptyRow(t("noLabels"), t("newLabel"), () => focusForm(create.form)));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, sw, title, desc, side, rowButtons(edit, del)), alert);
    expander(li, edit, () => {
      const f = labelFields(l);
      const card = formCard(t("labelDetails"), f.nodes, t("save"), async () => {
        const updated = await api(`${apiBase()}/labels/${l.id}`, { method: "PATCH", json: f.json() });
        Object.assign(l, updated);
        sw.style.setProperty("--swatch", updated.color);
        title.textContent = updated.title;
        f.title.value = updated.title;
        desc.textContent = updated.description || "";
        side.textContent = t(updated.show_on_sidebar ? "shown" : "hidden");
        edit.setAttribute("aria-label", `${t("edit")} ${updated.title}`);
        del.rename(updated.title);
        return t("saved");
      });
      return el("div", { class: "panel single" }, card.form);
    });
    return li;
  }
  async function refresh() {
    const r = await api(`${apiBase()}/labels`);
    const all = (r && r.payload) || [];
    count = all.length;
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(t("noLabels"), t("newLabel"), () => focusForm(create.form)));
  }
  const f = labelFields(null);
  const create = formCard(t("newLabel"), [el("h3", { text: t("newLabel") }), ...f.nodes], t("create"), async (form) => {
    const l = await api(`${apiBase()}/labels`, { method: "POST", json: f.json() });
    form.reset();
    f.side.input.checked = true;
    if (!count++) list.replaceChildren();
    list.append(row(l));
    return `${l.title}: ${t("saved")}`;
  });
  host.replaceChildren(el("h2", { text: t("labels"), tabindex: "-1" }), list, create.form);
  await load(list, refresh);
}
