// The conversation list: the sidebar (saved views, inboxes, teams, labels), tabs Mine /
// Unassigned / All with counts, status and sort, and the cards. Pages by
// keyset cursor (or page number for the priority and waiting sorts) as the
// end scrolls into view, and patches cards in place from /cable events so
// rows already scrolled to stay where they are.

import { Unauthorized, api, avatar, channelIcon, el, forget, icon, load, relative } from "./lib.js";
import { filterBuilder } from "./filters.js";
import { macros, runMacro } from "./macros.js";
import { slaBadge } from "./sla.js";

const PAGE = 25;
const STATUSES = ["open", "pending", "snoozed", "resolved", "all"];
const SORTS = ["last_activity_at_desc", "created_at_desc", "priority_desc", "waiting_since_asc"];
const CURSOR_SORTS = new Set(["last_activity_at_desc", "created_at_desc"]);

export const PRIORITIES = ["urgent", "high", "medium", "low"];

// A priority as an icon and a word (never colour alone).
export function priorityMark(priority, t) {
  if (!priority) return null;
  return el("span", { class: `priority ${priority}` }, icon("flag"), el("span", { text: t(priority) }));
}

// A label chip with its colour.
export function labelChip(title, colours, extra = null) {
  const chip = el("span", { class: "chip" }, el("span", { class: "swatch", "aria-hidden": "true" }), el("span", { text: title }), extra);
  const colour = colours.get(title);
  if (colour) chip.style.setProperty("--chip", colour);
  return chip;
}

export function createList(ctx, { t, open }) {
  const { base, profile } = ctx;
  const state = {
    tab: "all", status: "open", sort: localStorage.getItem("sb:sort") || "last_activity_at_desc",
    filter: null, // { kind: "inbox" | "team" | "label" | "view", id, name, query? }
  };
  if (!SORTS.includes(state.sort)) state.sort = SORTS[0];
  const cards = new Map(); // display id -> { conv, button, li }
  let currentId = null;
  // Unknown until the server answers: shown as "–", never as 0 ("no work").
  const counts = { mine: null, unassigned: null, all: null };

  // ---- sidebar ----
  const sideAll = el("button", { type: "button", class: "side-item", "aria-pressed": "true" }, icon("inbox"), el("span", { text: t("allConversations") }));
  sideAll.addEventListener("click", () => setFilter(null));
  const sideGroups = el("div", { class: "side-groups" });
  const sidebar = el("nav", { class: "sidebar", "aria-label": t("folders") },
    el("h2", { class: "side-title", text: t("conversations") }), sideAll, sideGroups);
  function sideItem(kind, id, name, iconNode) {
    const b = el("button", { type: "button", class: "side-item", "aria-pressed": "false", "data-filter": `${kind}:${id}` }, iconNode, el("span", { text: name }));
    b.addEventListener("click", () => setFilter({ kind, id, name }));
    return b;
  }
  // A saved view (the user's conversation custom filter): its button, and
  // one that deletes it.
  function viewItem(v) {
    const b = el("button", { type: "button", class: "side-item", "aria-pressed": "false", "data-filter": `view:${v.id}` }, icon("filter"), el("span", { text: v.name }));
    b.addEventListener("click", () => setFilter({ kind: "view", id: v.id, name: v.name, query: v.query }));
    const x = el("button", { type: "button", class: "side-x", "aria-label": t("deleteView").replace("{name}", v.name), title: t("deleteView").replace("{name}", v.name) }, icon("close"));
    x.addEventListener("click", async () => {
      x.disabled = true;
      try {
        await api(`${base}/custom_filters/${v.id}`, { method: "DELETE" });
      } catch {
        x.disabled = false;
        return;
      }
      if (state.filter && state.filter.kind === "view" && state.filter.id === v.id) setFilter(null);
      loadSidebar().catch(() => {});
    });
    return el("div", { class: "side-row" }, b, x);
  }
  async function loadSidebar() {
    const [views, inboxes, teams, labels] = await Promise.all([
      api(`${base}/custom_filters?filter_type=conversation`).then((r) => (Array.isArray(r) ? r : [])).catch(() => []),
      load(`${base}/inboxes`, (r) => (r && r.payload) || []).catch(() => null),
      load(`${base}/teams`, (r) => r || []).catch(() => []),
      load(`${base}/labels`, (r) => (r && r.payload) || []).catch(() => []),
    ]);
    inboxCount = inboxes ? inboxes.length : null;
    if (!list.querySelector("button[data-conversation]") && !list.hasAttribute("aria-busy")) paintEmpty();
    const group = (title, items) => items.length
      ? el("section", { class: "side-group", "aria-label": title }, el("h3", { text: title }), ...items) : null;
    sideGroups.replaceChildren(...[
      group(t("savedViews"), views.map(viewItem)),
      group(t("inboxes"), (inboxes || []).map((i) => sideItem("inbox", i.id, i.name, channelIcon(i.channel_type)))),
      group(t("teams"), teams.map((x) => sideItem("team", x.id, x.name, icon("team")))),
      group(t("labels"), labels.map((l) => {
        const dot = el("span", { class: "swatch", "aria-hidden": "true" });
        if (l.color) dot.style.setProperty("--chip", l.color);
        return sideItem("label", l.title, l.title, dot);
      })),
    ].filter(Boolean));
    paintSidebar();
  }
  function paintSidebar() {
    sideAll.setAttribute("aria-pressed", String(!state.filter));
    for (const b of sideGroups.querySelectorAll(".side-item")) {
      b.setAttribute("aria-pressed", String(Boolean(state.filter) && b.dataset.filter === `${state.filter.kind}:${state.filter.id}`));
    }
    filterChip.hidden = !state.filter;
    if (state.filter) filterText.textContent = state.filter.label || `${t(state.filter.kind)}: ${state.filter.name}`;
    const inView = Boolean(state.filter && state.filter.kind === "view");
    builder.paint(inView);
    saveView.hidden = inView || !viewQuery();
    for (const node of [statusSelect, ...tabs]) node.disabled = inView;
    if (inView) closeViewForm();
  }
  function setFilter(f) {
    state.filter = f;
    paintSidebar();
    // A saved view whose conditions the server no longer takes says so.
    reload().catch((e) => {
      list.replaceChildren();
      sayFailed((e && e.body && e.body.message) || t("failed"));
    });
  }

  // ---- tabs, status, sort ----
  const tabs = ["mine", "unassigned", "all"].map((key) => {
    const b = el("button", { type: "button", role: "tab", "data-tab": key, "aria-selected": String(key === state.tab) });
    b.addEventListener("click", () => { state.tab = key; paintTabs(); reloadOrSay(); });
    return b;
  });
  function paintTabs() {
    for (const b of tabs) {
      const key = b.dataset.tab;
      b.setAttribute("aria-selected", String(key === state.tab));
      b.replaceChildren(document.createTextNode(t(key)), el("span", { class: "count", text: counts[key] === null || counts[key] === undefined ? "–" : String(counts[key]) }));
    }
  }
  const statusSelect = el("select", { id: "status-filter" },
    ...STATUSES.map((v) => el("option", { value: v, text: t(v === "all" ? "any" : v) })));
  statusSelect.addEventListener("change", () => { state.status = statusSelect.value; reloadOrSay(); });
  const sortSelect = el("select", { id: "sort-order" },
    ...SORTS.map((v) => el("option", { value: v, text: t(`sort_${v}`) })));
  sortSelect.value = state.sort;
  sortSelect.addEventListener("change", () => {
    state.sort = sortSelect.value;
    localStorage.setItem("sb:sort", state.sort);
    reloadOrSay();
  });
  const filterText = el("span");
  const clearFilter = el("button", { type: "button", class: "chip-x", "aria-label": t("clearFilter") }, icon("close"));
  clearFilter.addEventListener("click", () => setFilter(null));
  // The filter builder (filters.js): starts from the view shown, or from
  // what the list shows; applies its conditions as a view, saved or not.
  const builder = filterBuilder(ctx, {
    current: () => (inView() ? state.filter : { query: viewQuery() }),
    apply: async (f, saved) => {
      if (saved) await loadSidebar().catch(() => {});
      setFilter(f);
    },
  });
  const filterChip = el("p", { class: "filter-chip", hidden: "" }, icon("filter"), filterText, builder.editButton, clearFilter);

  // ---- save as view ----
  // What the list shows now (status, tab, folder) as Chatwoot's filter
  // payload; null when it is every conversation (nothing to save).
  function viewQuery() {
    const conds = [];
    if (state.status !== "all") conds.push({ attribute_key: "status", filter_operator: "equal_to", values: [state.status] });
    if (state.tab === "mine") conds.push({ attribute_key: "assignee_id", filter_operator: "equal_to", values: [profile.id] });
    if (state.tab === "unassigned") conds.push({ attribute_key: "assignee_id", filter_operator: "is_not_present", values: [] });
    const f = state.filter;
    if (f && f.kind === "inbox") conds.push({ attribute_key: "inbox_id", filter_operator: "equal_to", values: [f.id] });
    if (f && f.kind === "team") conds.push({ attribute_key: "team_id", filter_operator: "equal_to", values: [f.id] });
    if (f && f.kind === "label") conds.push({ attribute_key: "labels", filter_operator: "equal_to", values: [f.id] });
    if (!conds.length) return null;
    conds.forEach((c, i) => { c.query_operator = i < conds.length - 1 ? "and" : null; });
    return { payload: conds };
  }
  const saveView = el("button", { type: "button", class: "link save-view", text: t("saveView") });
  const viewName = el("input", { type: "text", maxlength: "255", required: "", "aria-label": t("viewName"), placeholder: t("viewName") });
  const viewError = el("span", { class: "error", role: "alert" });
  const viewForm = el("form", { class: "view-form", hidden: "" }, viewName,
    el("button", { type: "submit", text: t("save") }),
    el("button", { type: "button", text: t("cancel"), onclick: () => closeViewForm() }), viewError);
  function closeViewForm() {
    viewForm.hidden = true;
    viewError.textContent = "";
  }
  saveView.addEventListener("click", () => {
    viewForm.hidden = false;
    viewName.value = "";
    viewName.focus();
  });
  viewForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = viewName.value.trim();
    const query = viewQuery();
    if (!name || !query) return;
    try {
      const v = await api(`${base}/custom_filters`, { method: "POST", json: { custom_filter: { name, filter_type: "conversation", query } } });
      closeViewForm();
      await loadSidebar().catch(() => {});
      setFilter({ kind: "view", id: v.id, name: v.name, query: v.query });
    } catch (err) {
      viewError.textContent = (err.body && err.body.message) || t("notSaved");
    }
  });

  const list = el("ol", { class: "list", "aria-label": t("conversations") });

  // ---- bulk selection (POST /bulk_actions) ----
  const selected = new Set();
  let lastChosen = null;
  const bulkCount = el("span", { class: "bulk-count", role: "status" });
  const allBox = el("input", { type: "checkbox", "aria-label": t("selectPage") });
  const bulkAssign = el("select", { "aria-label": t("bulkAssign") });
  const bulkTeam = el("select", { "aria-label": t("bulkTeam") });
  const bulkLabel = el("select", { "aria-label": t("bulkLabel") });
  const bulkStatus = el("select", { "aria-label": t("bulkStatus") },
    el("option", { value: "", text: `${t("bulkStatus")}…` }),
    ...["open", "pending", "resolved"].map((v) => el("option", { value: v, text: t(`one_${v}`) })),
    el("option", { value: "snooze", text: t("bulkSnooze") }));
  const bulkMacro = el("select", { "aria-label": t("bulkMacro") });
  const bulkClear = el("button", { type: "button", text: t("bulkClear") });
  const bulkError = el("span", { class: "error", role: "alert" });
  const bulkBar = el("div", { class: "bulk-bar", role: "toolbar", "aria-label": t("bulkBar"), hidden: "" },
    allBox, bulkCount, bulkAssign, bulkTeam, bulkLabel, bulkStatus, bulkMacro, bulkClear, bulkError);
  function paintSelection() {
    for (const [id, entry] of cards) entry.box.checked = selected.has(id);
    bulkBar.hidden = selected.size === 0;
    list.classList.toggle("selecting", selected.size > 0);
    bulkCount.textContent = t("nSelected").replace("{n}", selected.size);
    const shown = [...list.querySelectorAll("input.pick")];
    allBox.checked = shown.length > 0 && shown.every((b) => b.checked);
  }
  function choose(id, on, range) {
    if (range && lastChosen !== null) {
      const ids = [...list.querySelectorAll("button[data-conversation]")].map((b) => Number(b.dataset.conversation));
      const [a, b] = [ids.indexOf(lastChosen), ids.indexOf(id)].sort((x, y) => x - y);
      if (a >= 0 && b >= 0) for (const x of ids.slice(a, b + 1)) (on ? selected.add(x) : selected.delete(x));
    } else if (on) selected.add(id);
    else selected.delete(id);
    lastChosen = id;
    if (selected.size && bulkAssign.options.length === 0) fillBulkChoices().catch(() => {});
    paintSelection();
  }
  allBox.addEventListener("change", () => {
    for (const b of list.querySelectorAll("button[data-conversation]")) {
      const id = Number(b.dataset.conversation);
      if (allBox.checked) selected.add(id); else selected.delete(id);
    }
    paintSelection();
  });
  bulkClear.addEventListener("click", () => { selected.clear(); paintSelection(); });
  async function fillBulkChoices() {
    const [agents, teams, labels, saved] = await Promise.all([
      load(`${base}/agents`, (r) => r || []).catch(() => []),
      load(`${base}/teams`, (r) => r || []).catch(() => []),
      load(`${base}/labels`, (r) => (r && r.payload) || []).catch(() => []),
      macros(base).catch(() => []),
    ]);
    bulkMacro.replaceChildren(el("option", { value: "", text: `${t("bulkMacro")}…` }),
      ...saved.map((m) => el("option", { value: String(m.id), text: m.name })));
    bulkMacro.hidden = !saved.length;
    bulkAssign.replaceChildren(el("option", { value: "", text: `${t("bulkAssign")}…` }),
      ...agents.map((a) => el("option", { value: String(a.id), text: a.available_name || a.name })));
    bulkTeam.replaceChildren(el("option", { value: "", text: `${t("bulkTeam")}…` }),
      ...teams.map((x) => el("option", { value: String(x.id), text: x.name })));
    bulkLabel.replaceChildren(el("option", { value: "", text: `${t("bulkLabel")}…` }),
      ...labels.map((l) => el("option", { value: l.title, text: l.title })));
  }
  async function bulk(body, select) {
    bulkError.textContent = "";
    select.disabled = true;
    try {
      await api(`${base}/bulk_actions`, { method: "POST", json: Object.assign({ type: "Conversation", ids: [...selected] }, body) });
      selected.clear();
      paintSelection();
      reloadOrSay();
    } catch (e) {
      if (e instanceof Unauthorized) return ctx.signIn();
      bulkError.textContent = (e && e.body && e.body.message) || t("failed");
    } finally {
      select.value = "";
      select.disabled = false;
    }
  }
  bulkAssign.addEventListener("change", () => bulkAssign.value && bulk({ fields: { assignee_id: Number(bulkAssign.value) } }, bulkAssign));
  bulkTeam.addEventListener("change", () => bulkTeam.value && bulk({ fields: { team_id: Number(bulkTeam.value) } }, bulkTeam));
  bulkLabel.addEventListener("change", () => bulkLabel.value && bulk({ labels: { add: [bulkLabel.value] } }, bulkLabel));
  // A macro on every selected conversation, as the person; what it could
  // not do stays on the bar.
  bulkMacro.addEventListener("change", async () => {
    if (!bulkMacro.value) return;
    bulkError.textContent = "";
    bulkMacro.disabled = true;
    try {
      const r = await runMacro(base, Number(bulkMacro.value), [...selected]);
      selected.clear();
      paintSelection();
      reloadOrSay();
      const failed = (r.errors || [])[0];
      if (failed) bulkError.textContent = `#${failed.conversation_id}: ${failed.error}`;
    } catch (e) {
      if (e instanceof Unauthorized) return ctx.signIn();
      bulkError.textContent = (e && e.body && (e.body.message || e.body.error)) || t("failed");
    } finally {
      bulkMacro.value = "";
      bulkMacro.disabled = false;
    }
  });
  bulkStatus.addEventListener("change", () => {
    const v = bulkStatus.value;
    if (!v) return;
    if (v === "snooze") {
      const until = new Date();
      until.setDate(until.getDate() + 1);
      until.setHours(9, 0, 0, 0);
      return bulk({ fields: { status: "snoozed", snoozed_until: Math.floor(until.getTime() / 1000) } }, bulkStatus);
    }
    return bulk({ fields: { status: v } }, bulkStatus);
  });
  const empty = el("p", { class: "empty", role: "status" });
  let inboxCount = null; // unknown until the sidebar loads
  const failed = el("p", { class: "empty", role: "alert", hidden: "" });
  const sentinel = el("li", { class: "sentinel", "aria-hidden": "true" });
  const column = el("div", { class: "list-column" },
    el("div", { class: "tabs", role: "tablist", "aria-label": t("conversations") }, ...tabs),
    el("div", { class: "filters" },
      el("label", { class: "sr", for: "status-filter", text: t("statusFilter") }), statusSelect,
      el("label", { class: "sr", for: "sort-order", text: t("sortLabel") }), sortSelect, builder.button, saveView),
    viewForm, filterChip, failed, bulkBar, list);

  // ---- data ----
  function params() {
    const p = new URLSearchParams({ status: state.status, assignee_type: state.tab === "mine" ? "me" : state.tab, sort_by: state.sort });
    if (state.filter && state.filter.kind === "inbox") p.set("inbox_id", state.filter.id);
    if (state.filter && state.filter.kind === "team") p.set("team_id", state.filter.id);
    if (state.filter && state.filter.kind === "label") p.append("labels[]", state.filter.id);
    return p;
  }
  const signature = () => JSON.stringify([state.tab, state.status, state.sort, state.filter && state.filter.kind, state.filter && state.filter.id]);
  const inView = () => Boolean(state.filter && state.filter.kind === "view");
  // One page: a saved view through POST /conversations/filter (page
  // numbers), anything else through GET /conversations.
  async function fetchPage(at) {
    if (inView()) {
      const r = await api(`${base}/conversations/filter?page=${(at && at.page) || 1}`, { method: "POST", json: state.filter.query });
      return { meta: (r && r.meta) || {}, payload: (r && r.payload) || [] };
    }
    const p = params();
    if (at && at.cursor) p.set("cursor", at.cursor);
    if (at && at.page) p.set("page", String(at.page));
    const r = await api(`${base}/conversations?${p}`);
    return { meta: r.data.meta, payload: (r.data && r.data.payload) || [] };
  }
  let next = null, loadingMore = false, generation = 0;

  function takeMeta(meta) {
    Object.assign(counts, { mine: meta.mine_count, unassigned: meta.unassigned_count, all: meta.all_count });
    paintTabs();
  }
  function nextFrom(meta, payload, page) {
    if (!inView() && CURSOR_SORTS.has(state.sort)) return meta.next_cursor ? { cursor: meta.next_cursor } : null;
    return payload.length >= PAGE ? { page: page + 1 } : null;
  }

  // A list that could not load says so, with a way to try again (the
  // counts keep what they last knew, or show "–").
  function sayFailed(text) {
    const again = el("button", { type: "button", class: "retry", text: t("retry") });
    again.addEventListener("click", () => { again.disabled = true; reloadOrSay(); });
    failed.replaceChildren(document.createTextNode(`${text} `), again);
    failed.hidden = false;
  }
  function reloadOrSay() {
    return reload().catch((e) => {
      if (e instanceof Unauthorized) return ctx.signIn();
      sayFailed(t("failed"));
    });
  }
  async function reload() {
    saveView.hidden = inView() || !viewQuery();
    const wanted = signature();
    const gen = ++generation;
    const r = await fetchPage(null);
    if (gen !== generation || wanted !== signature()) return;
    const convs = r.payload;
    takeMeta(r.meta);
    next = nextFrom(r.meta, convs, 1);
    failed.hidden = true;
    list.removeAttribute("aria-busy");
    list.replaceChildren();
    for (const c of convs) list.append(card(c).li);
    list.append(sentinel);
    paintEmpty();
    paintCurrent();
    if (!performance.getEntriesByName("sb:first-page").length) performance.mark("sb:first-page");
  }

  async function loadMore() {
    if (!next || loadingMore) return;
    loadingMore = true;
    const wanted = signature();
    const gen = generation;
    try {
      const r = await fetchPage(next);
      if (gen !== generation || wanted !== signature()) return;
      const convs = r.payload;
      takeMeta(r.meta);
      next = nextFrom(r.meta, convs, next.page || 1);
      for (const c of convs) {
        const entry = cards.get(c.id);
        if (!entry || !entry.li.isConnected) sentinel.before(card(c).li);
      }
    } finally {
      loadingMore = false;
    }
    // Still at the end (a tall screen): keep filling.
    if (next && sentinel.getBoundingClientRect().top < list.getBoundingClientRect().bottom) loadMore().catch(() => {});
  }
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore().catch(() => {});
  }, { root: list, rootMargin: "0px 0px 400px 0px" }).observe(sentinel);

  // An empty list says why and what to do next, never only "nothing".
  function paintEmpty() {
    const any = list.querySelector("button[data-conversation]");
    empty.remove();
    if (any) return;
    const action = (text, run) => {
      const b = el("button", { type: "button", class: "link", text });
      b.addEventListener("click", run);
      return b;
    };
    let say = t("none"), hint = "", next = null;
    if (state.filter) {
      say = t("emptyFiltered");
      next = action(t("clearFilter"), () => setFilter(null));
    } else if (inboxCount === 0) {
      say = t("emptyNoInboxes");
      hint = ctx.isAdmin ? t("emptyNoInboxesAdmin") : t("emptyNoInboxesAgent");
      if (ctx.isAdmin) next = action(t("emptyAddInbox"), () => { location.hash = "#/settings/inboxes"; });
    } else if (state.tab === "mine" && counts.unassigned) {
      say = t("emptyMine").replace("{n}", counts.unassigned);
      next = action(t("emptyTakeOne"), () => { state.tab = "unassigned"; paintTabs(); reloadOrSay(); });
    } else if (state.status === "open") {
      say = state.tab === "all" ? t("emptyOpen") : t("emptyOpenTab");
      hint = t("emptyOpenHint");
    } else if (state.status !== "all") {
      say = t("emptyStatus").replace("{status}", t(`one_${state.status}`).toLowerCase());
    }
    empty.replaceChildren(el("strong", { text: say }), hint ? el("span", { text: hint }) : null, next);
    list.before(empty);
  }
  // Grey cards while the first page loads (a slow server shows the shape
  // of the list, not a white column).
  function paintSkeleton() {
    list.setAttribute("aria-busy", "true");
    list.replaceChildren(...Array.from({ length: 8 }, () => el("li", { class: "skeleton", "aria-hidden": "true" },
      el("span", { class: "bone face" }), el("span", { class: "bone line" }), el("span", { class: "bone line short" }))));
  }
  function paintCurrent() {
    for (const [key, entry] of cards) entry.button.setAttribute("aria-current", String(key === currentId));
  }

  // ---- cards ----
  // Label colours and inbox names arrive after the first page (which must
  // not wait for them); cards repaint when they do.
  let colours = new Map(), inboxNames = new Map(), namesLoaded = false;
  function loadNames() {
    Promise.all([
      load(`${base}/labels`, (r) => (r && r.payload) || []).then((ls) => { colours = new Map(ls.map((l) => [l.title, l.color])); }),
      load(`${base}/inboxes`, (r) => (r && r.payload) || []).then((is) => { inboxNames = new Map(is.map((i) => [i.id, i.name])); }),
    ]).then(() => {
      namesLoaded = true;
      for (const entry of cards.values()) if (entry.li.isConnected) paintCard(entry);
    }).catch(() => {});
  }
  // A conversation of an inbox made since the names were read: read the
  // inboxes again (once per unknown inbox), for the card and the sidebar.
  const askedInboxes = new Set();
  function inboxName(id) {
    const name = inboxNames.get(id);
    if (name === undefined && namesLoaded && !askedInboxes.has(id)) {
      askedInboxes.add(id);
      forget(`${base}/inboxes`);
      loadNames();
      loadSidebar().catch(() => {});
    }
    return name || "";
  }

  function card(conv) {
    let entry = cards.get(conv.id);
    if (!entry) {
      const button = el("button", { type: "button", "data-conversation": String(conv.id), "aria-current": "false" });
      // A click's detail is 0 when the keyboard pressed the card (Enter,
      // Space): only then does the composer take the focus.
      button.addEventListener("click", (e) => open(conv.id, e.detail === 0));
      // Selecting for bulk changes: a box beside the card (shift-click
      // selects the range from the last one chosen).
      const box = el("input", { type: "checkbox", class: "pick", "aria-label": `${t("select")} #${conv.id}` });
      box.addEventListener("click", (e) => choose(conv.id, box.checked, e.shiftKey));
      entry = { conv, button, box, li: el("li", {}, box, button) };
      cards.set(conv.id, entry);
    }
    entry.conv = Object.assign(entry.conv, conv);
    paintCard(entry);
    return entry;
  }
  function paintCard(entry) {
    const conv = entry.conv;
    const contact = (conv.meta && conv.meta.sender) || {};
    const assignee = conv.meta && conv.meta.assignee;
    const last = conv.last_non_activity_message || (conv.messages || [])[0] || {};
    const name = contact.name || `#${conv.id}`;
    const unread = Number(conv.unread_count || 0);
    const kind = last.private ? "lock" : last.message_type === 1 ? "reply" : null;
    const hasDraft = Boolean(localStorage.getItem(`sb:draft:${ctx.accountId}:${conv.id}`));
    entry.button.classList.toggle("unread", unread > 0);
    entry.button.replaceChildren(...[
      avatar(name, contact.thumbnail, "md"),
      el("span", { class: "name", text: name }),
      el("span", { class: "time", text: relative(conv.last_activity_at || conv.timestamp) }),
      el("span", { class: "where" }, channelIcon(conv.meta && conv.meta.channel),
        el("span", { text: inboxName(conv.inbox_id) }), el("span", { class: "id", text: `#${conv.id}` }),
        priorityMark(conv.priority, t)),
      el("span", { class: "preview" }, kind ? icon(kind) : null,
        hasDraft ? el("span", { class: "draft", text: `${t("draft")}: ` }) : null,
        el("span", { text: last.content || (last.attachments && last.attachments.length ? t("attachment") : "") })),
      el("span", { class: "badges" },
        slaBadge(conv),
        unread ? el("span", { class: "unread-badge", text: unread > 9 ? "9+" : String(unread), "aria-label": t("unreadN").replace("{n}", unread) }) : null,
        assignee ? assigneeFace(assignee) : null),
      (conv.labels || []).length ? el("span", { class: "chips" }, ...conv.labels.slice(0, 3).map((l) => labelChip(l, colours))) : null,
    ].filter(Boolean));
  }
  function assigneeFace(a) {
    const face = el("span", { class: "face", title: a.available_name || a.name },
      avatar(a.available_name || a.name, a.thumbnail || a.avatar_url, "sm"),
      el("span", { class: `presence ${ctx.presence.get(a.id) || a.availability_status || "offline"}`, "aria-hidden": "true" }));
    face.setAttribute("aria-label", `${t("assignee")}: ${a.available_name || a.name}`);
    return face;
  }

  // ---- live ----
  function matches(conv) {
    if (state.status !== "all" && conv.status !== state.status) return false;
    const assignee = conv.meta && conv.meta.assignee;
    if (state.tab === "mine" && !(assignee && assignee.id === profile.id)) return false;
    if (state.tab === "unassigned" && assignee) return false;
    const f = state.filter;
    if (f && f.kind === "inbox" && conv.inbox_id !== f.id) return false;
    if (f && f.kind === "team" && !(conv.meta && conv.meta.team && conv.meta.team.id === f.id)) return false;
    if (f && f.kind === "label" && !(conv.labels || []).includes(f.id)) return false;
    return true;
  }
  let countsTimer = null;
  function refreshCounts() {
    // A saved view's counts come with its pages.
    if (inView()) { reloadSoon(); return; }
    clearTimeout(countsTimer);
    countsTimer = setTimeout(async () => {
      const r = await api(`${base}/conversations/meta?${params()}`).catch(() => null);
      if (r && r.meta) takeMeta(r.meta);
    }, 150);
  }
  let reloadTimer = null;
  function reloadSoon() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => reload().catch(() => {}), 150);
  }
  // A conversation changed (or arrived): patch its card, drop it if it no
  // longer belongs here, add it at the top if it now does.
  function upsert(conv, moved) {
    // Whether a card belongs to a saved view is the server's to say.
    if (inView()) {
      if (cards.get(conv.id)) card(conv);
      reloadSoon();
      return;
    }
    const entry = cards.get(conv.id);
    const shown = entry && entry.li.isConnected;
    if (!matches(conv)) {
      if (shown) entry.li.remove();
      if (entry) entry.conv = Object.assign(entry.conv, conv);
    } else if (!CURSOR_SORTS.has(state.sort)) {
      reloadSoon();
      return;
    } else if (shown) {
      card(conv);
      if (moved && state.sort === "last_activity_at_desc") list.prepend(entry.li);
    } else {
      list.prepend(card(conv).li);
    }
    paintEmpty();
    paintCurrent();
    refreshCounts();
  }

  return {
    sidebar,
    column,
    list,
    counts,
    async load() {
      paintTabs();
      paintSkeleton();
      try {
        await reload();
      } catch (e) {
        list.removeAttribute("aria-busy");
        list.replaceChildren();
        sayFailed(t("failed"));
        throw e;
      } finally {
        loadNames();
        loadSidebar().catch(() => {});
      }
    },
    reload,
    // "comfortable" (three lines a card) or "compact" (two).
    setDensity(value) {
      list.classList.toggle("compact", value === "compact");
      list.dataset.density = value === "compact" ? "compact" : "comfortable";
    },
    setCurrent(id) {
      currentId = id;
      paintCurrent();
      const entry = cards.get(id);
      if (entry && entry.conv.unread_count) {
        entry.conv.unread_count = 0;
        paintCard(entry);
      }
    },
    known(id) { return cards.get(id) ? cards.get(id).conv : null; },
    // A deleted contact's conversations are gone with it.
    contactDeleted(contact) {
      for (const [id, entry] of [...cards.entries()]) {
        const sender = entry.conv.meta && entry.conv.meta.sender;
        if (!sender || sender.id !== contact.id) continue;
        entry.li.remove();
        cards.delete(id);
      }
      paintEmpty();
      paintCurrent();
      refreshCounts();
    },
    // The open conversation is being read: its count stays at zero.
    conversationEvent(conv) { upsert(conv.id === currentId ? Object.assign({}, conv, { unread_count: 0 }) : conv, false); },
    messageEvent(m) {
      const entry = cards.get(m.conversation_id);
      if (!entry) return;
      if (m.message_type === 2) return;
      if (!m.private) entry.conv.last_non_activity_message = m;
      entry.conv.last_activity_at = m.created_at;
      if (m.message_type === 0 && m.conversation_id !== currentId) entry.conv.unread_count = Number(entry.conv.unread_count || 0) + 1;
      upsert(entry.conv, true);
    },
    repaint() { for (const entry of cards.values()) if (entry.li.isConnected) paintCard(entry); },
    // A tab by key (mine, unassigned, all), from the keyboard.
    setTab(key) {
      const b = tabs.find((x) => x.dataset.tab === key);
      if (b && !b.disabled) b.click();
    },
    step(delta) {
      const buttons = [...list.querySelectorAll("button[data-conversation]")];
      if (!buttons.length) return null;
      const at = buttons.findIndex((b) => Number(b.dataset.conversation) === currentId);
      const target = buttons[Math.min(buttons.length - 1, Math.max(0, at < 0 ? 0 : at + delta))];
      target.scrollIntoView({ block: "nearest" });
      return target;
    },
  };
}
