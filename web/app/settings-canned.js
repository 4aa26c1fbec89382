// Settings → Canned responses: the replies agents insert by typing /code,
// searchable, edited in place, and the form that adds one.

import { api, el, field } from "./lib.js";
import {
  alertBox, apiBase, deleteControl, emptyRow, expander, focusForm, formCard, hinted, input, load, loadingList,
  rowButtons, t, textarea,
} from "./settings-kit.js";

export async function cannedSection(host) {
  const list = loadingList({ "aria-label": t("canned") });
  let all = [];
  const search = el("input", { type: "search", name: "search", autocomplete: "off" });
  const shown = el("span", { class: "meta", role: "status" });
  function matches(c, q) {
    return !q || c.short_code.toLowerCase().includes(q) || c.content.toLowerCase().includes(q);
  }
  function paint() {
    const q = search.value.trim().toLowerCase();
    let visible = 0;
    for (const li of list.querySelectorAll("li[data-canned]")) {
      const c = all.find((x) => String(x.id) === li.dataset.canned);
      const hit = Boolean(c) && matches(c, q);
      li.hidden = !hit;
      if (hit) visible++;
    }
    for (const li of list.querySelectorAll("li.empty-row")) li.remove();
    if (!all.length) list.append(emptyRow(t("noCanned"), t("newCanned"), () => focusForm(create.form)));
    else if (!visible) list.append(emptyRow(t("noMatch")));
    shown.textContent = q ? t("shownOf", { a: visible, b: all.length }) : "";
  }
  search.addEventListener("input", paint);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && search.value) {
      e.preventDefault();
      search.value = "";
      paint();
    }
  });
  function row(c) {
    const li = el("li", { "data-canned": String(c.id) });
    const code = el("strong", { class: "code", text: `/${c.short_code}` });
    const content = el("span", { class: "content", text: c.content });
    const edit = el("button", { type: "button", text: t("edit"), "aria-label": `${t("edit")} /${c.short_code}` });
    const alert = alertBox();
    const del = deleteControl(`/${c.short_code}`, async () => {
      await api(`${apiBase()}/canned_responses/${c.id}`, { method: "DELETE" });
      all = all.filter((x) => x.id !== c.id);
      li.remove();
      paint();
      search.focus();
    }, alert);
    li.append(el("div", { class: "row" }, code, content, rowButtons(edit, del)), alert);
    expander(li, edit, () => {
      const sc = input("short_code", c.short_code, { autocomplete: "off" });
      const text = textarea("content", c.content, 4);
      const card = formCard(t("cannedDetails"), [hinted(t("shortCode"), sc, t("shortCodeHint")), field(t("content"), text)],
        t("save"), async () => {
          const updated = await api(`${apiBase()}/canned_responses/${c.id}`, { method: "PATCH", json: { canned_response: {
            short_code: sc.value.trim(), content: text.value,
          } } });
          Object.assign(c, updated);
          code.textContent = `/${updated.short_code}`;
          content.textContent = updated.content;
          edit.setAttribute("aria-label", `${t("edit")} /${updated.short_code}`);
          del.rename(`/${updated.short_code}`);
          return t("saved");
        });
      return el("div", { class: "panel single" }, card.form);
    });
    return li;
  }
  async function refresh() {
    all = (await api(`${apiBase()}/canned_responses`)) || [];
    list.replaceChildren(...all.map(row));
    paint();
  }
  const sc = el("input", { name: "short_code", autocomplete: "off" });
  const text = el("textarea", { name: "content", rows: "4" });
  const create = formCard(t("newCanned"), [
    el("h3", { text: t("newCanned") }), hinted(t("shortCode"), sc, t("shortCodeHint")), field(t("content"), text),
  ], t("create"), async (form) => {
    const c = await api(`${apiBase()}/canned_responses`, { method: "POST", json: { canned_response: {
      short_code: sc.value.trim(), content: text.value,
    } } });
    form.reset();
    all.push(c);
    list.append(row(c));
    paint();
    return `/${c.short_code}: ${t("saved")}`;
  });
  const searchField = field(t("searchCanned"), search);
  searchField.append(shown);
  searchField.classList.add("canned-search");
  host.replaceChildren(el("h2", { text: t("canned"), tabindex: "-1" }), searchField, list, create.form);
  await load(list, refresh);
}
