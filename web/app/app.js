// The agents' dashboard: sign-in, the account's open conversations and a
// conversation's thread with a reply / private-note composer, kept live over
// /cable. It talks to the Application API with the session cookie set at
// sign-in and sends the CSRF cookie back as X-CSRF-Token on every write.

import { Unauthorized, api, el, locale } from "./lib.js";
import { settings } from "./settings.js";

const TEXT = {
  en: {
    title: "Sign in to Switchboard", email: "E-mail", password: "Password", signIn: "Sign in",
    signOut: "Sign out", badLogin: "Invalid e-mail or password.", tryLater: "Too many attempts; try again shortly.",
    failed: "Couldn't reach the server.", conversations: "Conversations", none: "No open conversations yet.",
    pick: "Choose a conversation.", thread: "Messages", reply: "Reply", note: "Private note",
    mode: "Message type", send: "Send", replyLabel: "Reply to the customer", noteLabel: "Private note for the team",
    replyPlaceholder: "Reply… (Enter sends, Shift+Enter for a new line)", notePlaceholder: "Only your team sees this note",
    retry: "Retry", notSent: "Not sent.", deleted: "This message was deleted", reconnecting: "Reconnecting…",
    mine: "Mine", unassigned: "Unassigned", all: "All", statusFilter: "Status",
    open: "Open", pending: "Pending", snoozed: "Snoozed", resolved: "Resolved", any: "All statuses",
    resolve: "Resolve", reopen: "Reopen", snooze: "Snooze", hour: "For an hour", tomorrow: "Until tomorrow",
    nextWeek: "Until next week", assignMe: "Assign to me", assignee: "Assignee", nobody: "Unassigned",
    actions: "Conversation actions", canned: "Canned responses", settings: "Settings", views: "Views",
    keys: "Keyboard shortcuts", keyNext: "Next conversation", keyPrev: "Previous conversation",
    keyReply: "Write a reply", keyNote: "Write a private note", keyResolve: "Resolve or reopen",
    keyAssign: "Assign to me", keyHelp: "Show this list", close: "Close",
    availability: "Availability", online: "Online", busy: "Busy", offline: "Offline", assignTo: "Assign to",
    isTyping: "is typing…", areTyping: "are typing…",
  },
  ru: {
    title: "Вход в Switchboard", email: "Эл. почта", password: "Пароль", signIn: "Войти",
    signOut: "Выйти", badLogin: "Неверная почта или пароль.", tryLater: "Слишком много попыток; попробуйте чуть позже.",
    failed: "Сервер недоступен.", conversations: "Разговоры", none: "Открытых разговоров пока нет.",
    pick: "Выберите разговор.", thread: "Сообщения", reply: "Ответ", note: "Заметка",
    mode: "Тип сообщения", send: "Отправить", replyLabel: "Ответ клиенту", noteLabel: "Заметка для команды",
    replyPlaceholder: "Ответ… (Enter отправляет, Shift+Enter — новая строка)", notePlaceholder: "Эту заметку видит только команда",
    retry: "Повторить", notSent: "Не отправлено.", deleted: "Сообщение удалено", reconnecting: "Переподключение…",
    mine: "Мои", unassigned: "Без ответственного", all: "Все", statusFilter: "Статус",
    open: "Открытые", pending: "Ожидают", snoozed: "Отложенные", resolved: "Решённые", any: "Все статусы",
    resolve: "Решить", reopen: "Открыть снова", snooze: "Отложить", hour: "На час", tomorrow: "До завтра",
    nextWeek: "До следующей недели", assignMe: "Назначить себе", assignee: "Ответственный", nobody: "Не назначен",
    actions: "Действия с разговором", canned: "Шаблоны ответов", settings: "Настройки", views: "Разделы",
    keys: "Клавиши", keyNext: "Следующий разговор", keyPrev: "Предыдущий разговор",
    keyReply: "Написать ответ", keyNote: "Написать заметку", keyResolve: "Решить или открыть снова",
    keyAssign: "Назначить себе", keyHelp: "Показать этот список", close: "Закрыть",
    availability: "Статус", online: "На связи", busy: "Занят", offline: "Не в сети", assignTo: "Назначить",
    isTyping: "печатает…", areTyping: "печатают…",
  },
};
const t = (k) => TEXT[locale][k] || TEXT.en[k];
document.documentElement.lang = locale;

const root = document.getElementById("root");
let shortcuts = null; // the current session's keydown handler

// Message text as safe Markdown: **bold**, *italics* or _italics_, `code`,
// [links](url) and bare http(s) addresses. Only http, https, mailto and tel
// links become links; everything else stays text. Built as DOM nodes, never
// as HTML, so nothing in a message can run.
const INLINE = /\*\*([^*\n]+)\*\*|`([^`\n]+)`|\[([^\]\n]+)\]\(([^)\s]+)\)|\*([^*\s][^*\n]*)\*|\b_([^_\s][^_\n]*)_\b|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])/g;
const SAFE_LINK = /^(https?:\/\/|mailto:|tel:)/i;

function link(href, text) {
  return el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text });
}

function markdown(text) {
  const out = [];
  let at = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > at) out.push(document.createTextNode(text.slice(at, m.index)));
    at = m.index + m[0].length;
    if (m[1] !== undefined) out.push(el("strong", { text: m[1] }));
    else if (m[2] !== undefined) out.push(el("code", { text: m[2] }));
    else if (m[3] !== undefined) out.push(SAFE_LINK.test(m[4]) ? link(m[4], m[3]) : document.createTextNode(m[0]));
    else if (m[5] !== undefined) out.push(el("em", { text: m[5] }));
    else if (m[6] !== undefined) out.push(el("em", { text: m[6] }));
    else out.push(link(m[7], m[7]));
  }
  if (at < text.length) out.push(document.createTextNode(text.slice(at)));
  return out;
}

function relative(unixSecs) {
  if (!unixSecs) return "";
  const diff = unixSecs - Date.now() / 1000;
  const fmt = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });
  for (const [unit, secs] of [["day", 86400], ["hour", 3600], ["minute", 60]]) {
    if (Math.abs(diff) >= secs) return fmt.format(Math.round(diff / secs), unit);
  }
  return fmt.format(0, "minute");
}

function signIn(message = "") {
  root.setAttribute("aria-busy", "false");
  const error = el("p", { class: "error", role: "alert", id: "signin-error", text: message });
  const email = el("input", { type: "email", name: "email", autocomplete: "username", required: "", "aria-describedby": "signin-error" });
  const password = el("input", { type: "password", name: "password", autocomplete: "current-password", required: "", "aria-describedby": "signin-error" });
  const form = el("form", { novalidate: "", "aria-labelledby": "signin-title" },
    el("h1", { id: "signin-title", text: t("title") }),
    el("label", {}, t("email"), email),
    el("label", {}, t("password"), password),
    error,
    el("button", { class: "primary", type: "submit", text: t("signIn") }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const r = await fetch("/auth/sign_in", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ email: email.value.trim(), password: password.value }),
      });
      if (r.ok) return start();
      error.textContent = r.status === 429 ? t("tryLater") : t("badLogin");
    } catch {
      error.textContent = t("failed");
    }
    password.select();
  });
  root.replaceChildren(el("div", { class: "signin" }, form));
  email.focus();
}

// The account's socket: RoomChannel with the user's pubsub token; reconnects
// with backoff and reports state changes so the view can say so and catch up.
function connectCable(profile, accountId, handlers) {
  const identifier = JSON.stringify({ channel: "RoomChannel", pubsub_token: profile.pubsub_token, account_id: accountId, user_id: profile.id });
  let ws = null, retry = 0, closed = false, everConnected = false;
  function open() {
    ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/cable`);
    ws.onmessage = (e) => {
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      if (f.type === "welcome") ws.send(JSON.stringify({ command: "subscribe", identifier }));
      else if (f.type === "confirm_subscription") {
        handlers.state(true, everConnected);
        everConnected = true;
        retry = 0;
      } else if (f.message && f.message.event) handlers.event(f.message.event, f.message.data || {});
    };
    ws.onclose = () => {
      if (closed) return;
      handlers.state(false, everConnected);
      setTimeout(open, Math.min(30000, 500 * 2 ** retry++));
    };
  }
  open();
  return { close() { closed = true; if (ws) ws.close(); } };
}

function echoId() {
  return `d${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

async function start() {
  let profile;
  try {
    profile = await api("/api/v1/profile");
  } catch (e) {
    return signIn(e instanceof Unauthorized ? "" : t("failed"));
  }
  const account = profile.accounts && profile.accounts[0];
  const accountId = account ? account.id : profile.account_id;
  const base = `/api/v1/accounts/${accountId}`;
  const cards = new Map(); // display id -> { conv, button, li }
  const shown = new Map(); // "id:N" / "echo:E" -> li in the open thread
  let openId = null, mode = "reply", tab = "all", status = "open";

  // Tabs Mine / Unassigned / All with the server's counts, and a status filter.
  const tabs = ["mine", "unassigned", "all"].map((key) => {
    const b = el("button", { type: "button", role: "tab", "data-tab": key, "aria-selected": String(key === tab) });
    b.addEventListener("click", () => { tab = key; loadList().catch(() => {}); });
    return b;
  });
  const statusSelect = el("select", { id: "status-filter" },
    ...["open", "pending", "snoozed", "resolved", "all"].map((v) => el("option", { value: v, text: t(v === "all" ? "any" : v) })));
  statusSelect.addEventListener("change", () => { status = statusSelect.value; loadList().catch(() => {}); });
  const counts = { mine: 0, unassigned: 0, all: 0 };
  function paintTabs() {
    for (const b of tabs) {
      const key = b.dataset.tab;
      b.setAttribute("aria-selected", String(key === tab));
      b.replaceChildren(document.createTextNode(t(key)), el("span", { class: "count", text: String(counts[key]) }));
    }
  }

  // The open conversation's header: contact, status, assignee and actions.
  const title = el("h2", { class: "title" });
  const statusWord = el("span", { class: "status" });
  const assigneeWord = el("span", { class: "assignee" });
  const resolveButton = el("button", { type: "button", class: "primary" });
  const assignButton = el("button", { type: "button", text: t("assignMe") });
  // Assign to anyone in the account (or nobody); the agents load once.
  const assigneeSelect = el("select", { "aria-label": t("assignTo") }, el("option", { value: "", text: t("nobody") }));
  let agentsLoaded = null;
  function loadAgents() {
    agentsLoaded = agentsLoaded || api(`${base}/agents`).then((agents) => {
      for (const a of agents || []) assigneeSelect.append(el("option", { value: String(a.id), text: a.available_name || a.name }));
      if (current) paintHeader(current);
    }).catch(() => { agentsLoaded = null; });
    return agentsLoaded;
  }
  assigneeSelect.addEventListener("change", () => {
    const id = assigneeSelect.value ? Number(assigneeSelect.value) : null;
    act("/assignments", { assignee_id: id }).catch(() => {});
  });
  const snoozeSelect = el("select", { "aria-label": t("snooze") },
    el("option", { value: "", text: `${t("snooze")}…` }),
    el("option", { value: "hour", text: t("hour") }),
    el("option", { value: "tomorrow", text: t("tomorrow") }),
    el("option", { value: "week", text: t("nextWeek") }));
  const header = el("header", { class: "conv-header", hidden: "" },
    title, statusWord, assigneeWord,
    el("div", { class: "actions", role: "group", "aria-label": t("actions") }, assignButton, assigneeSelect, snoozeSelect, resolveButton));
  let current = null;

  function paintHeader(conv) {
    if (!conv || conv.id !== openId) return;
    current = conv;
    const contact = (conv.meta && conv.meta.sender) || {};
    const assignee = conv.meta && conv.meta.assignee;
    title.textContent = contact.name || `#${conv.id}`;
    statusWord.textContent = t(conv.status);
    statusWord.dataset.status = conv.status;
    assigneeWord.textContent = `${t("assignee")}: ${assignee ? assignee.available_name || assignee.name : t("nobody")}`;
    resolveButton.textContent = conv.status === "resolved" ? t("reopen") : t("resolve");
    assignButton.hidden = Boolean(assignee && assignee.id === profile.id);
    assigneeSelect.value = assignee ? String(assignee.id) : "";
    header.hidden = false;
    loadAgents();
  }

  async function act(path, body) {
    const id = openId;
    try {
      const r = await api(`${base}/conversations/${id}${path}`, { method: "POST", json: body });
      return r;
    } catch (e) {
      if (e instanceof Unauthorized) return signIn();
      throw e;
    } finally {
      if (openId === id) refreshHeader(id).catch(() => {});
    }
  }
  async function refreshHeader(id) {
    paintHeader(await api(`${base}/conversations/${id}`));
  }
  resolveButton.addEventListener("click", () => {
    act("/toggle_status", { status: current && current.status === "resolved" ? "open" : "resolved" }).catch(() => {});
  });
  assignButton.addEventListener("click", () => act("/assignments", { assignee_id: profile.id }).catch(() => {}));
  snoozeSelect.addEventListener("change", () => {
    const choice = snoozeSelect.value;
    snoozeSelect.value = "";
    if (!choice) return;
    const until = new Date();
    if (choice === "hour") until.setHours(until.getHours() + 1);
    else {
      until.setDate(until.getDate() + (choice === "week" ? ((8 - until.getDay()) % 7 || 7) : 1));
      until.setHours(9, 0, 0, 0);
    }
    act("/toggle_status", { status: "snoozed", snoozed_until: Math.floor(until.getTime() / 1000) }).catch(() => {});
  });

  const list = el("ol", { class: "list", "aria-label": t("conversations") });
  const empty = el("p", { class: "empty", text: t("none") });
  const thread = el("ol", { class: "thread", role: "log", "aria-live": "polite", "aria-label": t("thread") },
    el("li", { class: "activity", text: t("pick") }));
  const banner = el("p", { class: "banner", role: "status", hidden: "" });

  // Who else is typing in the open conversation (expires if "off" never comes),
  // and my own typing, sent at most every 3 s and stopped after 4 s idle.
  const typingLine = el("p", { class: "typing-line", role: "status", hidden: "" });
  const typers = new Map(); // "contact:5" / "user:2" -> { name, timer }
  function paintTyping() {
    const names = [...typers.values()].map((x) => x.name);
    typingLine.hidden = names.length === 0;
    typingLine.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} ${t("isTyping")}` : `${names.join(", ")} ${t("areTyping")}`;
  }
  function typingEvent(on, data) {
    const conv = data.conversation || {};
    const who = data.user || {};
    if (conv.id !== openId || (who.type !== "contact" && who.id === profile.id)) return;
    const key = `${who.type || "user"}:${who.id}`;
    const old = typers.get(key);
    if (old) clearTimeout(old.timer);
    if (on) typers.set(key, { name: who.available_name || who.name || "…", timer: setTimeout(() => { typers.delete(key); paintTyping(); }, 8000) });
    else typers.delete(key);
    paintTyping();
  }
  let typingSentAt = 0, typingIdle = null, typingIn = null;
  function typingOff() {
    clearTimeout(typingIdle);
    if (typingIn === null) return;
    api(`${base}/conversations/${typingIn}/toggle_typing_status`, { method: "POST", json: { typing_status: "off" } }).catch(() => {});
    typingIn = null;
    typingSentAt = 0;
  }
  function typingOnNow() {
    if (openId === null) return;
    const now = Date.now();
    if (typingIn !== openId || now - typingSentAt > 3000) {
      if (typingIn !== null && typingIn !== openId) typingOff();
      typingIn = openId;
      typingSentAt = now;
      api(`${base}/conversations/${openId}/toggle_typing_status`, { method: "POST", json: { typing_status: "on", is_private: mode === "note" } }).catch(() => {});
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(typingOff, 4000);
  }
  const input = el("textarea", {
    id: "composer-input", rows: "3", "aria-autocomplete": "list", "aria-controls": "canned-list", "aria-expanded": "false",
  });
  const cannedList = el("ul", { class: "canned", id: "canned-list", role: "listbox", "aria-label": t("canned"), hidden: "" });
  const replyMode = el("button", { type: "button", class: "mode", "aria-pressed": "true", text: t("reply") });
  const noteMode = el("button", { type: "button", class: "mode", "aria-pressed": "false", text: t("note") });
  const composer = el("form", { class: "composer", hidden: "" },
    el("div", { class: "modes", role: "group", "aria-label": t("mode") }, replyMode, noteMode),
    el("label", { class: "sr", for: "composer-input", text: t("replyLabel") }),
    cannedList,
    input,
    el("button", { class: "primary", type: "submit", text: t("send") }));
  const signOut = el("button", { type: "button", text: t("signOut") });

  function setMode(m) {
    mode = m;
    replyMode.setAttribute("aria-pressed", String(m === "reply"));
    noteMode.setAttribute("aria-pressed", String(m === "note"));
    composer.classList.toggle("note", m === "note");
    input.placeholder = m === "note" ? t("notePlaceholder") : t("replyPlaceholder");
    $label().textContent = m === "note" ? t("noteLabel") : t("replyLabel");
  }
  const $label = () => composer.querySelector("label");
  replyMode.addEventListener("click", () => { setMode("reply"); input.focus(); });
  noteMode.addEventListener("click", () => { setMode("note"); input.focus(); });

  function card(conv) {
    const last = conv.last_non_activity_message || (conv.messages || [])[0] || {};
    const name = (conv.meta && conv.meta.sender && conv.meta.sender.name) || `#${conv.id}`;
    let entry = cards.get(conv.id);
    if (!entry) {
      const button = el("button", { type: "button", "data-conversation": String(conv.id), "aria-current": "false" });
      button.addEventListener("click", () => open(conv.id).catch(() => {}));
      entry = { conv, button, li: el("li", {}, button) };
      cards.set(conv.id, entry);
    }
    entry.conv = Object.assign(entry.conv, conv);
    entry.button.replaceChildren(
      el("span", { class: "name", text: name }),
      el("span", { class: "time", text: relative(conv.last_activity_at || conv.timestamp) }),
      el("span", { class: "preview", text: last.content || "" }),
      el("span", { class: "id", text: `#${conv.id}` }));
    return entry;
  }

  function toTop(entry) {
    empty.remove();
    list.prepend(entry.li);
  }

  // Renders or updates one message of the open conversation; older pages
  // pass the node to insert before.
  function message(m, before = null) {
    if (m.conversation_id !== openId) return;
    let li = (m.id && shown.get(`id:${m.id}`)) || (m.echo_id && shown.get(`echo:${m.echo_id}`));
    if (!li) {
      li = el("li");
      if (before) thread.insertBefore(li, before);
      else {
        thread.append(li);
        thread.scrollTop = thread.scrollHeight;
      }
    }
    if (m.id) shown.set(`id:${m.id}`, li);
    if (m.echo_id) shown.set(`echo:${m.echo_id}`, li);
    const kind = m.message_type === 0 ? "in" : m.message_type === 2 ? "activity" : m.private ? "note" : "out";
    li.className = [kind, m.pending ? "pending" : "", m.failed ? "failed" : ""].filter(Boolean).join(" ");
    if (m.content && kind !== "activity") li.replaceChildren(...markdown(m.content));
    else li.replaceChildren(document.createTextNode(m.content || (m.deleted ? t("deleted") : "")));
    if (m.failed) {
      const retry = el("button", { type: "button", class: "retry", text: t("retry") });
      retry.addEventListener("click", () => { li.remove(); shown.delete(`echo:${m.echo_id}`); send(m.content, m.private); });
      li.append(el("span", { class: "reason", text: ` ${t("notSent")} ` }), retry);
    }
  }

  // Drafts per conversation, kept in this browser across switching and reloads.
  const draftKey = (id) => `sb:draft:${accountId}:${id}`;
  input.addEventListener("input", () => {
    if (openId === null) return;
    if (input.value.trim()) typingOnNow();
    else typingOff();
    if (input.value) localStorage.setItem(draftKey(openId), input.value);
    else localStorage.removeItem(draftKey(openId));
  });

  // Opening by pointer puts the caret in the composer; stepping with j / k
  // leaves focus on the list so the next key still steps.
  async function open(id, focusComposer = true) {
    openId = id;
    input.value = localStorage.getItem(draftKey(id)) || "";
    shown.clear();
    for (const x of typers.values()) clearTimeout(x.timer);
    typers.clear();
    paintTyping();
    typingOff();
    for (const [key, entry] of cards) entry.button.setAttribute("aria-current", String(key === id));
    thread.replaceChildren();
    composer.hidden = false;
    refreshHeader(id).catch(() => {});
    const r = await api(`${base}/conversations/${id}/messages`);
    if (openId !== id) return;
    const page = (r && r.payload) || [];
    for (const m of page) message(m);
    older = { id, before: page.length ? page[0].id : null, more: page.length >= 20, loading: false };
    thread.scrollTop = thread.scrollHeight;
    if (focusComposer) input.focus();
  }

  // Older messages load when the thread is scrolled to its top, keeping
  // the message under the reader in place.
  let older = { id: null, before: null, more: false, loading: false };
  async function loadOlder() {
    const state = older;
    if (state.id !== openId || !state.more || state.loading || state.before === null) return;
    state.loading = true;
    try {
      const r = await api(`${base}/conversations/${state.id}/messages?before=${state.before}`);
      if (openId !== state.id) return;
      const page = (r && r.payload) || [];
      const height = thread.scrollHeight;
      const anchor = thread.firstChild;
      for (const m of page) message(m, anchor);
      thread.scrollTop += thread.scrollHeight - height;
      state.before = page.length ? page[0].id : state.before;
      state.more = page.length >= 20;
    } finally {
      state.loading = false;
    }
  }
  thread.addEventListener("scroll", () => {
    if (thread.scrollTop < 80) loadOlder().catch(() => {});
  });

  async function send(content, isPrivate) {
    const id = openId;
    const echo = echoId();
    const draft = { conversation_id: id, echo_id: echo, content, message_type: 1, private: isPrivate, pending: true };
    message(draft);
    try {
      const m = await api(`${base}/conversations/${id}/messages`, { method: "POST", json: { content, private: isPrivate, echo_id: echo } });
      message(Object.assign(m, { echo_id: echo }));
    } catch (e) {
      if (e instanceof Unauthorized) return signIn();
      message(Object.assign(draft, { pending: false, failed: true }));
    }
  }

  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    const content = input.value.trim();
    if (!content || openId === null) return;
    input.value = "";
    localStorage.removeItem(draftKey(openId));
    typingOff();
    send(content, mode === "note");
  });
  // Canned responses: "/" and part of a short code at the start of a word
  // opens a list; arrows move, Enter or Tab inserts, Escape closes.
  let cannedAll = null, cannedShown = [], cannedIndex = 0, cannedToken = null;
  function closeCanned() {
    cannedList.hidden = true;
    cannedShown = [];
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function paintCanned() {
    cannedList.replaceChildren(...cannedShown.map((c, i) => {
      const option = el("li", { role: "option", id: `canned-${c.id}`, "aria-selected": String(i === cannedIndex) },
        el("span", { class: "code", text: `/${c.short_code}` }), el("span", { class: "content", text: c.content }));
      option.addEventListener("mousedown", (e) => { e.preventDefault(); insertCanned(c); });
      return option;
    }));
    cannedList.hidden = cannedShown.length === 0;
    input.setAttribute("aria-expanded", String(!cannedList.hidden));
    if (cannedShown[cannedIndex]) input.setAttribute("aria-activedescendant", `canned-${cannedShown[cannedIndex].id}`);
  }
  function insertCanned(c) {
    const before = input.value.slice(0, cannedToken.start);
    const after = input.value.slice(cannedToken.end);
    input.value = `${before}${c.content}${after}`;
    const caret = before.length + c.content.length;
    input.setSelectionRange(caret, caret);
    closeCanned();
    input.dispatchEvent(new Event("input"));
  }
  input.addEventListener("input", async () => {
    const upto = input.value.slice(0, input.selectionStart);
    const m = /(^|\s)\/([^\s/]*)$/.exec(upto);
    if (!m) return closeCanned();
    cannedToken = { start: upto.length - m[2].length - 1, end: upto.length };
    if (!cannedAll) cannedAll = await api(`${base}/canned_responses`).catch(() => []);
    const q = m[2].toLowerCase();
    cannedShown = (cannedAll || [])
      .filter((c) => c.short_code.toLowerCase().includes(q) || (q.length > 2 && c.content.toLowerCase().includes(q)))
      .slice(0, 8);
    cannedIndex = 0;
    paintCanned();
  });
  input.addEventListener("blur", closeCanned);
  input.addEventListener("keydown", (e) => {
    if (!cannedList.hidden && cannedShown.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        cannedIndex = (cannedIndex + (e.key === "ArrowDown" ? 1 : cannedShown.length - 1)) % cannedShown.length;
        return paintCanned();
      }
      if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
        e.preventDefault();
        return insertCanned(cannedShown[cannedIndex]);
      }
      if (e.key === "Escape") {
        e.preventDefault();
        return closeCanned();
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      composer.requestSubmit();
    }
  });

  // The list pages by keyset cursor: the first page on load, the next one
  // when the end of the list scrolls into view; never the whole account.
  let nextCursor = null, loadingMore = false;
  const sentinel = el("li", { class: "sentinel", "aria-hidden": "true" });
  const listUrl = (cursor) => `${base}/conversations?status=${status}&assignee_type=${tab === "mine" ? "me" : tab}` +
    (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "");

  function takeMeta(meta) {
    Object.assign(counts, { mine: meta.mine_count, unassigned: meta.unassigned_count, all: meta.all_count });
    nextCursor = meta.next_cursor || null;
    paintTabs();
  }

  async function loadList() {
    const wanted = `${tab}|${status}`;
    const r = await api(listUrl(null));
    if (wanted !== `${tab}|${status}`) return;
    const convs = (r && r.data && r.data.payload) || [];
    takeMeta(r.data.meta);
    list.replaceChildren();
    empty.remove();
    if (!convs.length) list.before(empty);
    for (const c of convs) list.append(card(c).li);
    list.append(sentinel);
    for (const [key, entry] of cards) entry.button.setAttribute("aria-current", String(key === openId));
  }

  async function loadMore() {
    if (!nextCursor || loadingMore) return;
    loadingMore = true;
    const wanted = `${tab}|${status}`;
    try {
      const r = await api(listUrl(nextCursor));
      if (wanted !== `${tab}|${status}`) return;
      takeMeta(r.data.meta);
      for (const c of (r && r.data && r.data.payload) || []) {
        if (!cards.has(c.id) || !cards.get(c.id).li.isConnected) sentinel.before(card(c).li);
      }
    } finally {
      loadingMore = false;
    }
    // Still at the end (a tall screen): keep filling.
    if (nextCursor && sentinel.getBoundingClientRect().top < list.getBoundingClientRect().bottom) loadMore().catch(() => {});
  }
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore().catch(() => {});
  }, { root: list, rootMargin: "0px 0px 400px 0px" }).observe(sentinel);
  // Changes by anyone re-read the list (counts included), at most every 150 ms.
  let reloadTimer = null;
  function reloadSoon() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => loadList().catch(() => {}), 150);
  }

  const cable = connectCable(profile, accountId, {
    state(connected, wasConnected) {
      banner.hidden = connected;
      banner.textContent = connected ? "" : t("reconnecting");
      // Back after a drop: fetch what was missed.
      if (connected && wasConnected) {
        loadList().catch(() => {});
        if (openId !== null) open(openId, false).catch(() => {});
      }
    },
    event(name, data) {
      if (["conversation.created", "conversation.status_changed", "conversation.updated", "assignee.changed", "team.changed"].includes(name)) {
        reloadSoon();
        paintHeader(data);
      } else if (name === "message.created") {
        message(data);
        const entry = cards.get(data.conversation_id);
        if (entry && data.message_type !== 2 && !data.private) {
          entry.conv.last_non_activity_message = data;
          entry.conv.last_activity_at = data.created_at;
          card(entry.conv);
          toTop(entry);
        }
      } else if (name === "message.updated") message(data);
      else if (name === "conversation.typing_on" || name === "conversation.typing_off") typingEvent(name.endsWith("_on"), data);
    },
  });

  signOut.addEventListener("click", async () => {
    cable.close();
    await api("/auth/sign_out", { method: "DELETE" }).catch(() => {});
    signIn();
  });
  setMode("reply");
  const panes = el("div", { class: "panes" },
    el("nav", { "aria-label": t("conversations") },
      el("div", { class: "tabs", role: "tablist", "aria-label": t("conversations") }, ...tabs),
      el("div", { class: "filters" }, el("label", { for: "status-filter", text: t("statusFilter") }), statusSelect),
      list),
    el("section", { class: "conversation", "aria-label": t("thread") }, header, thread, typingLine, composer));
  // Administrators also get Settings; the address (#/settings) keeps the view across reloads.
  const isAdmin = Boolean(account && account.role === "administrator");
  const settingsView = el("main", { class: "settings-view", hidden: "" });
  const toConversations = el("a", { href: "#/", text: t("conversations") });
  const toSettings = isAdmin ? el("a", { href: "#/settings", text: t("settings") }) : null;
  function route() {
    const inSettings = isAdmin && location.hash === "#/settings";
    panes.hidden = inSettings;
    settingsView.hidden = !inSettings;
    toConversations.setAttribute("aria-current", String(!inSettings));
    if (toSettings) toSettings.setAttribute("aria-current", String(inSettings));
    if (inSettings) settings(settingsView, base).catch((e) => { if (e instanceof Unauthorized) signIn(); });
  }
  window.onhashchange = route;

  // Availability: what other agents see beside my name (presence.update).
  const availability = el("select", { class: "availability", "aria-label": t("availability") },
    ...["online", "busy", "offline"].map((v) => el("option", { value: v, text: t(v) })));
  availability.value = (account && account.availability_status) || profile.availability_status || "online";
  availability.dataset.status = availability.value;
  availability.addEventListener("change", async () => {
    const previous = availability.dataset.status;
    try {
      await api("/api/v1/profile", { method: "PUT", json: { availability: availability.value } });
      availability.dataset.status = availability.value;
    } catch (e) {
      if (e instanceof Unauthorized) return signIn();
      availability.value = previous; // refused: show what the server still has
    }
  });

  // Single-key shortcuts outside text fields, matched on the physical key
  // (KeyboardEvent.code) so they work on any layout; never with Alt/Ctrl/Meta.
  const KEYS = [["J", "keyNext"], ["K", "keyPrev"], ["R", "keyReply"], ["N", "keyNote"], ["E", "keyResolve"], ["A", "keyAssign"], ["?", "keyHelp"]];
  const closeHelp = el("button", { type: "button", text: t("close") });
  const help = el("dialog", { class: "help", "aria-labelledby": "help-title" },
    el("h2", { id: "help-title", text: t("keys") }),
    el("dl", {}, ...KEYS.flatMap(([k, label]) => [el("dt", {}, el("kbd", { text: k })), el("dd", { text: t(label) })])),
    closeHelp);
  closeHelp.addEventListener("click", () => help.close());
  function step(delta) {
    const buttons = [...list.querySelectorAll("button[data-conversation]")];
    if (!buttons.length) return;
    const at = buttons.findIndex((b) => Number(b.dataset.conversation) === openId);
    const next = buttons[Math.min(buttons.length - 1, Math.max(0, at < 0 ? 0 : at + delta))];
    next.scrollIntoView({ block: "nearest" });
    open(Number(next.dataset.conversation), false).catch(() => {});
    next.focus();
  }
  if (shortcuts) document.removeEventListener("keydown", shortcuts);
  shortcuts = (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    const target = e.target;
    if (target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    if (help.open || !settingsView.hidden) return;
    const act = {
      KeyJ: () => step(1),
      KeyK: () => step(-1),
      KeyR: () => { if (openId !== null) { setMode("reply"); input.focus(); } },
      KeyN: () => { if (openId !== null) { setMode("note"); input.focus(); } },
      KeyE: () => { if (openId !== null) resolveButton.click(); },
      KeyA: () => { if (openId !== null && !assignButton.hidden) assignButton.click(); },
      Slash: () => { if (e.shiftKey) help.showModal(); },
    }[e.code];
    if (!act || (e.shiftKey && e.code !== "Slash")) return;
    e.preventDefault();
    act();
  };
  document.addEventListener("keydown", shortcuts);
  root.replaceChildren(el("div", { class: "shell" },
    el("header", {},
      el("span", { class: "brand", text: "Switchboard" }),
      el("span", { class: "account", text: account ? account.name : "" }),
      el("nav", { class: "views", "aria-label": t("views") }, toConversations, toSettings),
      banner,
      el("span", { class: "who", text: profile.available_name || profile.name || profile.email }),
      availability,
      signOut),
    panes, settingsView, help));
  paintTabs();
  route();
  root.setAttribute("aria-busy", "false");

  try {
    await loadList();
  } catch (e) {
    if (e instanceof Unauthorized) return signIn();
    list.before(el("p", { class: "empty", role: "alert", text: t("failed") }));
  }
}

start();
