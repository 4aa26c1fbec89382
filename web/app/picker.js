// A searchable picker: a button naming the current choice opens a popup with
// a filter box and a list of options (WAI-ARIA combobox + listbox). Arrows
// move, Enter chooses, Escape closes and returns focus to the button.
// And a menu button (WAI-ARIA menu button): a button opens a list of actions
// that arrows, Home, End and first letters move through; Enter or Space
// acts, Escape closes and returns focus to the button.

import { avatar, el } from "./lib.js";

let seq = 0;

// options(): Promise<[{ value, label, hint?, avatar?: { name, url }, dot? }]>
// glyph: an icon shown instead of the choice (an icon button whose name and
// tooltip say the choice); faceless: an icon beside a choice without an avatar.
export function picker({ label, placeholder, options, onChange, empty = "—", glyph = null, faceless = null }) {
  const id = `picker${++seq}`;
  let current = null, shown = [], index = 0, all = [], returnTo = null;
  const button = el("button", { type: "button", class: glyph ? "picker-button icon-button" : "picker-button", "aria-haspopup": "listbox", "aria-expanded": "false", "aria-label": label });
  const valueText = el("span", { class: "picker-value" });
  button.append(glyph || valueText);
  const input = el("input", {
    type: "text", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "true",
    "aria-controls": `${id}-list`, "aria-label": label, placeholder: placeholder || label, autocomplete: "off",
  });
  const list = el("ul", { role: "listbox", id: `${id}-list`, "aria-label": label });
  const popup = el("div", { class: "picker-popup", hidden: "" }, input, list);
  const node = el("div", { class: "picker" }, button, popup);

  function paintButton() {
    const hit = all.find((o) => o.value === current);
    valueText.replaceChildren(...(hit && hit.avatar ? [avatar(hit.avatar.name, hit.avatar.url, "sm")] : faceless ? [faceless()] : []),
      el("span", { text: hit ? hit.label : empty }));
    button.setAttribute("aria-label", `${label}: ${hit ? hit.label : empty}`);
    button.dataset.tip = `${label}: ${hit ? hit.label : empty}`;
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
    if (refocus) (returnTo && returnTo.isConnected ? returnTo : button).focus();
    returnTo = null;
  }
  function choose(o) {
    close();
    if (o.value === current) return;
    current = o.value;
    paintButton();
    onChange(o.value);
  }
  paintButton();
  button.addEventListener("click", () => { returnTo = null; return popup.hidden ? openPopup() : close(); });
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
    button,
    // Shows `value` as chosen without calling onChange (a change from elsewhere).
    async set(value) {
      current = value;
      if (!all.length) all = await options().catch(() => []);
      paintButton();
    },
    get value() { return current; },
    // Opens the popup from a keyboard shortcut or a menu; focus goes back
    // to `from` (when given) on closing, say when the button is hidden.
    open(from = null) {
      if (!popup.hidden) return;
      returnTo = from;
      openPopup();
    },
  };
}

let menuSeq = 0;

// items(): [{ label, run, kind?: "radio" | "check", checked? } | { group, items }]
// built at each opening, so what it offers follows the present state.
export function menuButton({ label, content, items, className = "" }) {
  const id = `menu${++menuSeq}`;
  const button = el("button", { type: "button", class: className, "aria-haspopup": "menu", "aria-expanded": "false",
    "aria-controls": id, "aria-label": label, "data-tip": label }, ...content);
  const list = el("div", { class: "menu", role: "menu", id, "aria-label": label, hidden: "" });
  const node = el("div", { class: "menu-wrap" }, button, list);
  let entries = [];

  function entry(it) {
    const role = it.kind === "radio" ? "menuitemradio" : it.kind === "check" ? "menuitemcheckbox" : "menuitem";
    const b = el("button", { type: "button", role, tabindex: "-1", class: "menu-item" },
      el("span", { class: "tick", "aria-hidden": "true", text: it.checked ? "✓" : "" }), el("span", { text: it.label }));
    if (it.kind) b.setAttribute("aria-checked", String(Boolean(it.checked)));
    b.addEventListener("click", () => {
      close(true);
      it.run();
    });
    entries.push({ node: b, item: it });
    return b;
  }
  function build() {
    entries = [];
    list.replaceChildren(...items().filter(Boolean).map((it) => {
      if (!it.group) return entry(it);
      const rows = it.items.filter(Boolean);
      return rows.length ? el("div", { role: "group", "aria-label": it.group, class: "menu-group" },
        el("span", { class: "menu-heading", "aria-hidden": "true", text: it.group }), ...rows.map(entry)) : null;
    }).filter(Boolean));
  }
  function focusAt(i) {
    if (!entries.length) return;
    const n = entries.length;
    entries[((i % n) + n) % n].node.focus();
  }
  const at = () => entries.findIndex((e) => e.node === document.activeElement);
  // where: "first", "last" or a test on the items (the first match gets focus).
  function open(where = "first") {
    build();
    list.hidden = false;
    button.setAttribute("aria-expanded", "true");
    const hit = typeof where === "function" ? entries.findIndex((e) => where(e.item)) : -1;
    focusAt(where === "last" ? entries.length - 1 : Math.max(0, hit));
  }
  function close(refocus) {
    if (list.hidden) return;
    list.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }
  button.addEventListener("click", () => (list.hidden ? open() : close(true)));
  button.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      open(e.key === "ArrowUp" ? "last" : "first");
    }
  });
  list.addEventListener("keydown", (e) => {
    const i = at();
    if (e.key === "ArrowDown") focusAt(i + 1);
    else if (e.key === "ArrowUp") focusAt(i - 1);
    else if (e.key === "Home") focusAt(0);
    else if (e.key === "End") focusAt(entries.length - 1);
    else if (e.key === "Escape") { e.stopPropagation(); close(true); }
    else if (e.key === "Tab") { close(false); return; }
    else if (e.key.length === 1 && /\S/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // The next item whose label starts with the letter typed.
      const k = e.key.toLocaleLowerCase();
      for (let step = 1; step <= entries.length; step++) {
        const j = (i + step) % entries.length;
        if (entries[j].item.label.toLocaleLowerCase().startsWith(k)) { focusAt(j); break; }
      }
    } else return;
    // Handled here: single-letter shortcuts of the page do not act too.
    e.preventDefault();
    e.stopPropagation();
  });
  node.addEventListener("focusout", (e) => {
    if (!list.hidden && !node.contains(e.relatedTarget)) close(false);
  });
  return { node, button, open, close, get isOpen() { return !list.hidden; } };
}
