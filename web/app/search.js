// One search box for conversations (by #id or the contact), messages and
// contacts. Results show as you type (after a short pause) in a list under
// the box; arrows move, Enter opens, Escape closes. Opens by "/" or Ctrl+K.

import { api, avatar, el, icon, relative } from "./lib.js";
import { markdown } from "./markdown.js";

export function createSearch(ctx, { t }) {
  const { base } = ctx;
  const input = el("input", {
    type: "search", id: "search-box", role: "combobox", "aria-expanded": "false", "aria-controls": "search-results",
    "aria-autocomplete": "list", autocomplete: "off", placeholder: t("searchPlaceholder"), "aria-label": t("search"),
  });
  const results = el("div", { class: "search-results", id: "search-results", role: "listbox", "aria-label": t("searchResults"), hidden: "" });
  const node = el("div", { class: "search", role: "search" }, icon("search"), input, results);
  let options = [], index = -1, timer = null, seq = 0;

  function close() {
    results.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function go(href) {
    close();
    input.value = "";
    location.hash = href;
  }
  function option(href, ...children) {
    const id = `sr${options.length}`;
    const o = el("div", { role: "option", id, class: "result", "aria-selected": "false", "data-href": href }, ...children);
    o.addEventListener("mousedown", (e) => { e.preventDefault(); go(href); });
    options.push(o);
    return o;
  }
  function highlight(i) {
    index = i;
    options.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
    if (options[i]) {
      input.setAttribute("aria-activedescendant", options[i].id);
      options[i].scrollIntoView({ block: "nearest" });
    }
  }
  function group(title, items) {
    return items.length ? el("div", { role: "group", "aria-label": title, class: "result-group" },
      el("p", { class: "group-title", role: "presentation", text: title }), ...items) : null;
  }
  async function run(q) {
    const mine = ++seq;
    let r;
    try {
      r = await api(`${base}/search?q=${encodeURIComponent(q)}`);
    } catch {
      if (mine === seq) paint([el("p", { class: "meta", text: t("failed") })]);
      return;
    }
    if (mine !== seq) return;
    const p = (r && r.payload) || {};
    options = [];
    const convs = (p.conversations || []).map((c) => {
      const contact = (c.meta && c.meta.sender) || {};
      const last = c.last_non_activity_message || {};
      return option(`#/conversations/${c.id}`, avatar(contact.name, contact.thumbnail, "sm"),
        el("span", { class: "line" }, el("strong", { text: contact.name || `#${c.id}` }), el("span", { class: "meta", text: `#${c.id} · ${t(`one_${c.status}`)}` })),
        el("span", { class: "sub", text: last.content || "" }));
    });
    const msgs = (p.messages || []).map((m) => {
      const s = m.sender || {};
      return option(`#/conversations/${m.conversation_id}`, icon(m.private ? "lock" : m.message_type === 0 ? "user" : "reply"),
        el("span", { class: "line" }, el("strong", { text: s.available_name || s.name || "" }),
          el("span", { class: "meta", text: `#${m.conversation_id} · ${relative(m.created_at)}` })),
        el("span", { class: "sub" }, ...markdown((m.content || "").slice(0, 160))));
    });
    const contacts = (p.contacts || []).map((c) => option(`#/contacts/${c.id}`, avatar(c.name, c.thumbnail, "sm"),
      el("span", { class: "line" }, el("strong", { text: c.name || "—" }), el("span", { class: "meta", text: c.email || c.phone_number || "" }))));
    const groups = [group(t("conversations"), convs), group(t("messages"), msgs), group(t("contacts"), contacts)].filter(Boolean);
    paint(groups.length ? groups : [el("p", { class: "meta", role: "status", text: t("noResults").replace("{q}", q) })]);
  }
  function paint(nodes) {
    // Links inside message previews would steal clicks; results are options.
    for (const a of nodes.flatMap((n) => [...n.querySelectorAll("a")])) a.replaceWith(document.createTextNode(a.textContent));
    results.replaceChildren(...nodes);
    // Answers that arrive after the box was left wait for its next focus.
    if (document.activeElement !== input) return;
    results.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(options.length ? 0 : -1);
  }
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { seq++; return close(); }
    timer = setTimeout(() => run(q), 200);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (options.length) highlight((index + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (options[index]) go(options[index].dataset.href);
    } else if (e.key === "Escape") {
      e.preventDefault();
      if (!results.hidden) close();
      else { input.value = ""; input.blur(); }
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  input.addEventListener("focus", () => { if (input.value.trim() && options.length) { results.hidden = false; input.setAttribute("aria-expanded", "true"); } });
  return {
    node,
    // Focus the box; with words (from the command palette), search for them.
    focus(q) {
      input.focus();
      if (typeof q === "string" && q) {
        input.value = q;
        input.dispatchEvent(new Event("input"));
      } else input.select();
    },
  };
}
