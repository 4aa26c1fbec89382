// The bell: the signed-in agent's notifications (GET /notifications), with
// the unread count on the button and a panel listing them newest first.
// Kept live by the socket's notification.created / updated / deleted, whose
// counts are the server's. Opening one goes to its conversation and marks
// it read; "Mark all read" reads them all.
import { api, el, icon, relative } from "./lib.js";

export function createBell(ctx, { t }) {
  const base = `${ctx.base}/notifications`;
  let items = []; // newest first, as the server lists them
  let unread = 0;
  let loaded = false;
  let page = 1;
  let more = false;

  const badge = el("span", { class: "bell-count", hidden: "" });
  const button = el("button", {
    type: "button", class: "icon-button bell", "aria-haspopup": "dialog", "aria-expanded": "false",
    "data-testid": "bell",
  }, icon("bell"), badge);
  const list = el("ul", { class: "bell-list", role: "list" });
  const empty = el("p", { class: "bell-empty", text: t("noNotifications"), hidden: "" });
  const failed = el("p", { class: "bell-empty", hidden: "" });
  const moreButton = el("button", { type: "button", class: "link-button", text: t("showMore"), hidden: "" });
  const readAll = el("button", { type: "button", class: "link-button", text: t("markAllRead") });
  const panel = el("div", { class: "bell-panel", role: "dialog", "aria-label": t("inAppNotifications"), hidden: "" },
    el("div", { class: "bell-head" }, el("h2", { text: t("inAppNotifications") }), readAll),
    list, empty, failed, moreButton);
  const node = el("div", { class: "bell-wrap" }, button, panel);

  function paintCount() {
    badge.hidden = unread === 0;
    badge.textContent = unread > 99 ? "99+" : String(unread);
    const label = unread ? `${t("inAppNotifications")}: ${t("unreadN").replace("{n}", badge.textContent)}` : t("inAppNotifications");
    button.setAttribute("aria-label", label);
    button.title = label;
  }

  function row(n) {
    const convId = (n.primary_actor && n.primary_actor.id) || null;
    const open = el("button", { type: "button", class: "bell-item", "data-notification": String(n.id) },
      el("span", { class: "bell-dot", "aria-hidden": "true" }),
      el("span", { class: "bell-text" },
        el("span", { class: "bell-title", text: n.push_message_title || t("notification") }),
        el("span", { class: "bell-time", text: relative(n.last_activity_at || n.created_at) })));
    open.classList.toggle("unread", !n.read_at);
    open.addEventListener("click", async () => {
      close();
      if (convId !== null) location.hash = `#/conversations/${convId}`;
      if (!n.read_at) {
        n.read_at = new Date().toISOString();
        paint();
        await api(`${base}/${n.id}`, { method: "PATCH", json: {} }).catch(() => {});
      }
    });
    return el("li", {}, open);
  }

  function paint() {
    paintCount();
    list.replaceChildren(...items.map(row));
    empty.hidden = !loaded || items.length > 0;
    moreButton.hidden = !more;
    readAll.disabled = unread === 0;
  }

  async function fetchPage(p) {
    const r = await api(`${base}?page=${p}`);
    const data = (r && r.data) || {};
    const got = data.payload || [];
    if (p === 1) items = got;
    else for (const n of got) if (!items.some((x) => x.id === n.id)) items.push(n);
    unread = (data.meta && data.meta.unread_count) || 0;
    more = got.length >= 15;
    page = p;
    loaded = true;
    failed.hidden = true;
    paint();
  }

  function reload() {
    return fetchPage(1).catch(() => {
      failed.hidden = false;
      failed.replaceChildren(t("loadFailedShort"), " ",
        el("button", { type: "button", class: "link-button", text: t("retry"), onclick: () => reload() }));
    });
  }

  function onOutside(e) { if (!node.contains(e.target)) close(); }
  function onKey(e) { if (e.key === "Escape") { close(); button.focus(); } }
  function openPanel() {
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.addEventListener("pointerdown", onOutside);
    document.addEventListener("keydown", onKey);
    reload();
  }
  function close() {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", onOutside);
    document.removeEventListener("keydown", onKey);
  }
  button.addEventListener("click", () => (panel.hidden ? openPanel() : close()));
  moreButton.addEventListener("click", () => fetchPage(page + 1).catch(() => {}));
  readAll.addEventListener("click", async () => {
    await api(`${base}/read_all`, { method: "POST", json: {} }).catch(() => {});
    for (const n of items) n.read_at = n.read_at || new Date().toISOString();
    unread = 0;
    paint();
  });

  reload();
  paintCount();

  return {
    node,
    reload,
    // A notification.* socket event.
    event(name, data) {
      if (typeof data.unread_count === "number") unread = data.unread_count;
      const n = data.notification;
      if (name === "notification.created" && n) {
        items = [n, ...items.filter((x) => x.id !== n.id)];
      } else if (name === "notification.updated") {
        if (n) items = items.map((x) => (x.id === n.id ? n : x));
        else if (data.read_all) reload();
      } else if (name === "notification.deleted") {
        if (n) items = items.filter((x) => x.id !== n.id);
        else reload();
      }
      paint();
    },
  };
}
