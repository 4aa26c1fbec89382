// A searchable picker: a button naming the current choice opens a popup with
// a filter box and a list of options (WAI-ARIA combobox + listbox). Arrows
// move, Enter chooses, Escape closes and returns focus to the button.

import { avatar, el } from "./lib.js";

let seq = 0;

// options(): Promise<[{ value, label, hint?, avatar?: { name, url }, dot? }]>
export function picker({ label, placeholder, options, onChange, empty = "—" }) {
  const id = `picker${++seq}`;
  let current = null, shown = [], index = 0, all = [];
  const button = el("button", { type: "button", class: "picker-button", "aria-haspopup": "listbox", "aria-expanded": "false", "aria-label": label });
  const valueText = el("span", { class: "picker-value" });
  button.append(valueText);
  const input = el("input", {
    type: "text", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "true",
    "aria-controls": `${id}-list`, "aria-label": label, placeholder: placeholder || label, autocomplete: "off",
  });
  const list = el("ul", { role: "listbox", id: `${id}-list`, "aria-label": label });
  const popup = el("div", { class: "picker-popup", hidden: "" }, input, list);
  const node = el("div", { class: "picker" }, button, popup);

  function paintButton() {
    const hit = all.find((o) => o.value === current);
    valueText.replaceChildren(...(hit && hit.avatar ? [avatar(hit.avatar.name, hit.avatar.url, "sm")] : []),
      el("span", { text: hit ? hit.label : empty }));
    button.setAttribute("aria-label", `${label}: ${hit ? hit.label : empty}`);
  }
  function paint() {
    list.replaceChildren(...shown.map((o, i) => {
      const li = el("li", { role: "option", id: `${id}-o${i}`, "aria-selected": String(i === index), "data-value": String(o.value ?? "") },
        o.avatar ? avatar(o.avatar.name, o.avatar.url, "sm") : null,
        o.dot ? el("span", { class: `dot ${o.dot}`, "aria-hidden": "true" }) : null,
        el("span", { class: "label", text: o.label }),
        o.hint ? el("span", { class: "hint", text: o.hint }) : null,
        o.value === current ? el("span", { class: "chosen", text: "✓", "aria-hidden": "true" }) : null);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(o); });
      return li;
    }));
    if (shown[index]) input.setAttribute("aria-activedescendant", `${id}-o${index}`);
    else input.removeAttribute("aria-activedescendant");
    const active = list.children[index];
    if (active) active.scrollIntoView({ block: "nearest" });
  }
  function filter() {
    const q = input.value.trim().toLowerCase();
    shown = all.filter((o) => !q || o.label.toLowerCase().includes(q) || (o.hint || "").toLowerCase().includes(q));
    index = Math.max(0, shown.findIndex((o) => o.value === current));
    if (q) index = 0;
    paint();
  }
  async function openPopup() {
    all = await options();
    popup.hidden = false;
    button.setAttribute("aria-expanded", "true");
    input.value = "";
    filter();
    input.focus();
  }
  function close(refocus = true) {
    if (popup.hidden) return;
    popup.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }
  function choose(o) {
    close();
    if (o.value === current) return;
    current = o.value;
    paintButton();
    onChange(o.value);
  }
  paintButton();
  button.addEventListener("click", () => (popup.hidden ? openPopup() : close()));
  input.addEventListener("input", filter);
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (shown.length) index = (index + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      paint();
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (shown[index]) choose(shown[index]);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === "Tab") close(false);
  });
  input.addEventListener("blur", () => setTimeout(() => { if (!node.contains(document.activeElement)) close(false); }, 0));

  return {
    node,
    // Shows `value` as chosen without calling onChange (a change from elsewhere).
    async set(value) {
      current = value;
      if (!all.length) all = await options().catch(() => []);
      paintButton();
    },
    get value() { return current; },
    // Opens the popup from a keyboard shortcut.
    open() { if (popup.hidden) openPopup(); },
  };
}
