// Switchboard website widget. One script, no dependencies:
//   <script src="https://support.example.com/widget.js" data-website-token="..." async></script>
// The widget lives in a shadow root, so the host page's styles do not reach it.
// `mount` builds one widget; this file starts it from its own script tag
// (above), from the full-page chat at /widget (data-mode="page"), or, served
// as /packs/js/sdk.js with chatwoot-sdk.js after it, from Chatwoot's snippet.
(() => {
  "use strict";
  const script = document.currentScript;

  // Storage may be refused (privacy modes, sandboxed frames): the widget then
  // keeps its visitor for this page view only.
  const memory = new Map();
  const saved = {
    get: (k) => { try { return localStorage.getItem(k); } catch (_) { return memory.get(k) || null; } },
    set: (k, v) => { try { localStorage.setItem(k, v); } catch (_) { memory.set(k, v); } },
    remove: (k) => { try { localStorage.removeItem(k); } catch (_) { memory.delete(k); } },
  };

  // options: websiteToken, base (the server's origin), and optionally page
  // (the chat fills the page), position ("left"|"right"), locale, type
  // ("standard"|"expanded_bubble"), launcherTitle, hideMessageBubble,
  // darkMode ("light"|"auto"|"dark"), showPopoutButton,
  // showUnreadMessagesDialog, conversationToken (a visitor token to resume),
  // and on: {ready, error, message, start, opened, closed, unread} callbacks.
  function mount(options) {
  const websiteToken = options.websiteToken;
  const base = options.base;
  const on = options.on || {};
  const emit = (name, detail) => {
    try { if (typeof on[name] === "function") on[name](detail); } catch (_) { /* the page's handler failed */ }
  };
  const store = `switchboard:${websiteToken}`;

  const TEXT = {
    en: {
      open: "Open chat", close: "Close chat", placeholder: "Type your message…", send: "Send",
      attach: "Attach files", typing: "Agent is typing…", failed: "Not sent — tap to retry",
      online: "We are online", away: "We will reply as soon as we can", newMessages: "new messages",
      in_a_few_minutes: "Typically replies in a few minutes", in_a_few_hours: "Typically replies in a few hours",
      in_a_day: "Typically replies in a day", end: "End conversation", file: "File",
      rate: "Rate the conversation", thanks: "Thank you for your rating!",
      fullName: "Full name", emailAddress: "E-mail", phoneNumber: "Phone number", message: "Message",
      start: "Start conversation", required: "Please fill in the required fields.",
      prechat: "Please tell us a little about you before we start.",
      window: "Chat", history: "Messages", chatWithUs: "Chat with us", popout: "Open in a new window",
    },
    ru: {
      open: "Открыть чат", close: "Закрыть чат", placeholder: "Напишите сообщение…", send: "Отправить",
      attach: "Прикрепить файлы", typing: "Оператор печатает…", failed: "Не отправлено — нажмите, чтобы повторить",
      online: "Мы на связи", away: "Ответим, как только сможем", newMessages: "новых сообщений",
      in_a_few_minutes: "Обычно отвечаем за несколько минут", in_a_few_hours: "Обычно отвечаем за несколько часов",
      in_a_day: "Обычно отвечаем в течение дня", end: "Завершить разговор", file: "Файл",
      rate: "Оцените разговор", thanks: "Спасибо за оценку!",
      fullName: "Имя", emailAddress: "Эл. почта", phoneNumber: "Телефон", message: "Сообщение",
      start: "Начать разговор", required: "Заполните обязательные поля.",
      prechat: "Расскажите немного о себе, прежде чем мы начнём.",
      window: "Чат", history: "Сообщения", chatWithUs: "Напишите нам", popout: "Открыть в новом окне",
    },
  };
  const shortLocale = (l) => String(l || "en").slice(0, 2).toLowerCase();
  let locale = shortLocale(options.locale || saved.get(`${store}:locale`) || navigator.language);
  const t = (k) => (TEXT[locale] || TEXT.en)[k] || TEXT.en[k] || k;

  const state = {
    auth: options.conversationToken || saved.get(`${store}:auth`),
    config: null, contact: null, open: false, unread: 0,
    messages: new Map(), lastId: 0, ws: null, retry: 0, reconnects: 0, typingOff: null, typingSent: 0, hasConversation: false,
    conversationId: null, position: options.position === "left" ? "left" : "right",
    bubble: !options.hideMessageBubble, scheme: "light", darkQuery: null,
  };
  // Calls made before the widget has its visitor wait for it.
  let booted;
  let bootedDone;
  const nextBoot = () => { booted = new Promise((resolve) => { bootedDone = resolve; }); };
  nextBoot();

  const host = document.createElement("div");
  host.setAttribute("data-switchboard-widget", "");
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `
<style>
  :host { all: initial; }
  [hidden] { display: none !important; }
  * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  .launcher { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%;
    border: 0; cursor: pointer; background: var(--sb-color, #1f93ff); color: #fff; box-shadow: 0 4px 16px rgba(0,0,0,.2);
    z-index: 2147483000; display: grid; place-items: center; }
  .launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #222; outline-offset: 2px; }
  .badge { position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; border-radius: 10px; background: #e0245e;
    color: #fff; font-size: 12px; display: grid; place-items: center; padding: 0 5px; }
  .panel { position: fixed; right: 20px; bottom: 88px; width: 370px; height: min(600px, calc(100vh - 110px)); background: #fff;
    color: #1f2d3d; border-radius: 12px; box-shadow: 0 8px 32px rgba(0,0,0,.25); display: flex; flex-direction: column;
    overflow: hidden; z-index: 2147483000; }
  .panel[hidden] { display: none; }
  header { background: var(--sb-color, #1f93ff); color: #fff; padding: 16px; }
  header h2 { margin: 0 0 4px; font-size: 18px; }
  header p { margin: 0; font-size: 13px; opacity: .9; }
  .team { display: flex; margin-top: 8px; }
  .team span { width: 28px; height: 28px; border-radius: 50%; border: 2px solid var(--sb-color, #1f93ff); margin-right: -6px;
    background: #fff center/cover; color: #1f2d3d; font-size: 12px; display: grid; place-items: center; position: relative; }
  .team span.online::after { content: ""; position: absolute; right: -1px; bottom: -1px; width: 8px; height: 8px; border-radius: 50%; background: #2fb344; border: 1px solid #fff; }
  header .close { position: absolute; right: 12px; top: 12px; background: transparent; border: 0; color: #fff; font-size: 20px; cursor: pointer; }
  ol { list-style: none; margin: 0; padding: 12px; flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 8px; }
  li { max-width: 80%; padding: 8px 12px; border-radius: 12px; font-size: 14px; line-height: 1.4; white-space: pre-wrap; word-wrap: break-word; }
  li.in { align-self: flex-end; background: var(--sb-color, #1f93ff); color: #fff; border-bottom-right-radius: 4px; }
  li.out { align-self: flex-start; background: #f1f3f5; border-bottom-left-radius: 4px; }
  li.pending { opacity: .6; }
  li.failed { outline: 2px solid #e0245e; cursor: pointer; }
  li .who { display: block; font-size: 11px; opacity: .7; margin-bottom: 2px; }
  li ul, li ol { display: block; list-style: revert; margin: 4px 0; padding: 0 0 0 20px; overflow: visible; flex: none; white-space: normal; }
  li li { max-width: none; padding: 0; border-radius: 0; background: none; white-space: pre-wrap; }
  li code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: rgba(0,0,0,.08); border-radius: 4px; padding: 0 3px; }
  li a { color: inherit; text-decoration: underline; }
  .rating { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
  .rating .thanks { flex-basis: 100%; font-size: 13px; }
  .rating button { border: 1px solid #cfd7e1; background: #fff; border-radius: 8px; padding: 4px 8px; font-size: 18px; cursor: pointer; }
  .rating button[aria-pressed="true"] { background: var(--sb-color, #1f93ff); color: #fff; }
  li img { max-width: 100%; border-radius: 8px; display: block; margin-top: 4px; }
  li a { color: inherit; }
  .typing { padding: 0 16px 6px; font-size: 12px; color: #6b7c93; }
  .typing[hidden] { display: none; }
  .composer { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e4e8ee; align-items: flex-end; }
  textarea { flex: 1; resize: none; border: 1px solid #cfd7e1; border-radius: 8px; padding: 8px; font-size: 14px; max-height: 120px; }
  .composer button { border: 0; border-radius: 8px; padding: 8px 12px; cursor: pointer; background: var(--sb-color, #1f93ff); color: #fff; }
  .composer .attach { background: #eef1f5; color: #1f2d3d; }
  .prechat { padding: 16px; display: flex; flex-direction: column; gap: 10px; overflow-y: auto; flex: 1; }
  .prechat p { margin: 0; font-size: 14px; }
  .prechat label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; }
  .prechat input, .prechat textarea { border: 1px solid #cfd7e1; border-radius: 8px; padding: 8px; font-size: 14px; }
  .prechat button { border: 0; border-radius: 8px; padding: 10px; cursor: pointer; background: var(--sb-color, #1f93ff); color: #fff; font-size: 14px; }
  .prechat .error { color: #c0153f; font-size: 13px; }
  .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .drop { outline: 3px dashed var(--sb-color, #1f93ff); outline-offset: -6px; }
  .launcher .label { display: none; font-size: 15px; font-weight: 500; white-space: nowrap; }
  :host(.expanded) .launcher { width: auto; height: 48px; border-radius: 24px; padding: 0 20px 0 16px; gap: 8px;
    display: flex; align-items: center; }
  :host(.expanded) .launcher .label { display: inline; }
  :host(.left) .launcher, :host(.left) .panel, :host(.left) .preview { right: auto; left: 20px; }
  :host(.nobubble) .panel { bottom: 20px; }
  header .popout { position: absolute; right: 44px; top: 14px; background: transparent; border: 0; color: #fff; cursor: pointer; padding: 2px; }
  .preview { position: fixed; right: 20px; bottom: 88px; max-width: 300px; background: #fff; color: #1f2d3d; border-radius: 12px;
    box-shadow: 0 4px 16px rgba(0,0,0,.2); padding: 10px 14px; font-size: 14px; line-height: 1.4; cursor: pointer; z-index: 2147483000;
    border: 0; text-align: left; white-space: pre-wrap; word-wrap: break-word; max-height: 120px; overflow: hidden; }
  .preview .who { display: block; font-size: 11px; opacity: .7; margin-bottom: 2px; }
  :host(.dark) .panel, :host(.dark) .preview { background: #1c2128; color: #e6edf3; }
  :host(.dark) li.out { background: #2d333b; }
  :host(.dark) textarea, :host(.dark) .prechat input, :host(.dark) .prechat textarea, :host(.dark) .rating button {
    background: #22272e; color: #e6edf3; border-color: #444c56; }
  :host(.dark) .composer { border-top-color: #30363d; }
  :host(.dark) .composer .attach { background: #2d333b; color: #e6edf3; }
  :host(.dark) .typing { color: #9aa4b2; }
  :host(.dark) .launcher:focus-visible, :host(.dark) button:focus-visible, :host(.dark) textarea:focus-visible { outline-color: #e6edf3; }
  @media (max-width: 480px) {
    .panel, :host(.left) .panel { left: 0; right: 0; bottom: 0; width: 100vw; height: 100vh; border-radius: 0; }
  }
  :host(.page) .panel { left: 0; right: 0; top: 0; bottom: 0; width: 100%; height: 100%; border-radius: 0; box-shadow: none; }
  :host(.page) .launcher, :host(.page) header .close, :host(.page) header .popout, :host(.page) .preview { display: none; }
</style>
<button class="launcher" type="button" aria-expanded="false">
  <svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>
  <span class="label"></span>
  <span class="badge" hidden></span>
</button>
<button class="preview" type="button" hidden></button>
<section class="panel" role="dialog" aria-modal="false" hidden>
  <header><h2 class="title" id="sb-title"></h2><p class="tagline"></p><div class="team" aria-hidden="true"></div><p class="reply"></p><button class="popout" type="button" hidden><svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"/></svg></button><button class="close" type="button">×</button></header>
  <form class="prechat" hidden novalidate></form>
  <ol class="messages" role="log" aria-live="polite"></ol>
  <div class="typing" role="status" hidden></div>
  <form class="composer">
    <label class="sr composer-label" for="sb-input"></label>
    <textarea id="sb-input" rows="1"></textarea>
    <input class="files" type="file" multiple hidden>
    <button class="attach" type="button"><svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5"/></svg></button>
    <button class="send" type="submit"></button>
  </form>
</section>`;
  const $ = (s) => root.querySelector(s);
  const launcher = $(".launcher"), panel = $(".panel"), list = $(".messages"), input = $("textarea");
  const badge = $(".badge"), typing = $(".typing"), files = $(".files"), preview = $(".preview");
  if (options.page) host.classList.add("page");
  if (options.type === "expanded_bubble") host.classList.add("expanded");
  $(".popout").hidden = !options.showPopoutButton || Boolean(options.page);

  function placeBubble() {
    host.classList.toggle("left", state.position === "left");
    host.classList.toggle("nobubble", !state.bubble);
    launcher.hidden = !state.bubble;
  }
  placeBubble();

  // "light", "dark", or "auto" (follows the system's setting).
  function setScheme(mode) {
    state.scheme = ["dark", "auto"].includes(mode) ? mode : "light";
    if (state.darkQuery) state.darkQuery.onchange = null;
    state.darkQuery = null;
    let dark = state.scheme === "dark";
    if (state.scheme === "auto" && window.matchMedia) {
      state.darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
      dark = state.darkQuery.matches;
      state.darkQuery.onchange = (e) => host.classList.toggle("dark", e.matches);
    }
    host.classList.toggle("dark", dark);
  }
  setScheme(options.darkMode);

  function labels() {
    launcher.setAttribute("aria-label", state.open ? t("close") : t("open"));
    $(".launcher .label").textContent = options.launcherTitle || t("chatWithUs");
    $(".close").setAttribute("aria-label", t("close"));
    $(".popout").setAttribute("aria-label", t("popout"));
    $(".composer-label").textContent = t("placeholder");
    input.placeholder = t("placeholder");
    $(".send").textContent = t("send");
    $(".attach").setAttribute("aria-label", t("attach"));
    typing.textContent = t("typing");
    const c = state.config || {};
    $(".title").textContent = c.welcome_title || c.website_name || "";
    // The dialog is named by its visible title, or by a generic name when the inbox has none.
    if ($(".title").textContent) {
      panel.removeAttribute("aria-label");
      panel.setAttribute("aria-labelledby", "sb-title");
    } else {
      panel.removeAttribute("aria-labelledby");
      panel.setAttribute("aria-label", t("window"));
    }
    list.setAttribute("aria-label", t("history"));
    $(".tagline").textContent = c.welcome_tagline || "";
    $(".reply").textContent = c.reply_time ? t(c.reply_time) : "";
  }

  async function api(path, options = {}) {
    const url = `${base}/api/v1/widget${path}${path.includes("?") ? "&" : "?"}website_token=${encodeURIComponent(websiteToken)}`;
    const headers = Object.assign({}, options.headers || {});
    if (state.auth) headers["X-Auth-Token"] = state.auth;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.json);
    }
    const r = await fetch(url, { method: options.method || "GET", headers, body: options.body });
    if (!r.ok) {
      const body = await r.json().catch(() => null);
      const e = new Error((body && (body.message || body.error)) || `HTTP ${r.status}`);
      e.status = r.status;
      throw e;
    }
    return r.status === 204 ? null : r.json().catch(() => null);
  }

  function render(m) {
    if (!m || m.message_type === 2 || m.private) return;
    const key = m.id ? `id:${m.id}` : `echo:${m.echo_id}`;
    let li = (m.echo_id && state.messages.get(`echo:${m.echo_id}`)) || state.messages.get(key);
    if (!li) {
      li = document.createElement("li");
      list.appendChild(li);
    }
    if (m.id) {
      state.messages.set(`id:${m.id}`, li);
      state.lastId = Math.max(state.lastId, m.id);
    }
    if (m.echo_id) state.messages.set(`echo:${m.echo_id}`, li);
    li.className = m.message_type === 0 ? "in" : "out";
    if (m.pending) li.classList.add("pending");
    if (m.failed) li.classList.add("failed");
    li.textContent = "";
    if (m.message_type !== 0 && m.sender && m.sender.name) {
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = m.sender.available_name || m.sender.name;
      li.appendChild(who);
    }
    // The team's Markdown shows as formatting and links (built as nodes by
    // the renderer shared with the dashboard); the visitor's own text too.
    if (m.content) li.append(...markdownNodes(m.content, document));
    if (m.content && m.failed) li.appendChild(document.createTextNode(`\n${t("failed")}`));
    if (m.content_type === "input_csat" && m.id) li.appendChild(ratingFor(m));
    for (const a of m.attachments || []) {
      if (a.file_type === "image") {
        const img = document.createElement("img");
        img.src = a.data_url;
        img.alt = a.file_name || "";
        li.appendChild(img);
      } else {
        const link = document.createElement("a");
        link.href = a.data_url;
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        link.textContent = a.file_name || t("file");
        li.appendChild(document.createElement("br"));
        li.appendChild(link);
      }
    }
    list.scrollTop = list.scrollHeight;
    return li;
  }

  // Five choices; the answer goes back as the message's submitted values.
  function ratingFor(m) {
    const box = document.createElement("div");
    box.className = "rating";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", t("rate"));
    const chosen = ((m.content_attributes || {}).submitted_values || {}).csat_survey_response;
    [1, 2, 3, 4, 5].forEach((n, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = `${n}\u2605`;
      b.dataset.rating = String(i + 1);
      b.setAttribute("aria-label", `${i + 1} / 5`);
      b.setAttribute("aria-pressed", String(Boolean(chosen && chosen.rating === i + 1)));
      b.addEventListener("click", async () => {
        try {
          const r = await api(`/messages/${m.id}`, { method: "PATCH", json: { message: { submitted_values: { csat_survey_response: { rating: i + 1 } } } } });
          render(r);
        } catch (_) { /* stays answerable */ }
      });
      box.appendChild(b);
    });
    if (chosen) {
      const thanks = document.createElement("span");
      thanks.className = "thanks";
      thanks.textContent = t("thanks");
      box.appendChild(thanks);
    }
    return box;
  }

  function setOpen(open) {
    if (options.page) open = true;
    const changed = open !== state.open;
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    labels();
    if (open) {
      const hadUnread = state.unread > 0;
      state.unread = 0;
      badge.hidden = true;
      preview.hidden = true;
      if (hadUnread) emit("unread", 0);
      input.focus();
      if (state.hasConversation) api("/conversations/update_last_seen", { method: "POST" }).catch(() => {});
    } else if (state.bubble) {
      launcher.focus();
    }
    if (changed) emit(open ? "opened" : "closed");
  }

  // A closed widget shows the latest agent message above the bubble.
  function showPreview(m) {
    if (options.showUnreadMessagesDialog === false || !m.content) return;
    preview.textContent = "";
    const who = m.sender && (m.sender.available_name || m.sender.name);
    if (who) {
      const w = document.createElement("span");
      w.className = "who";
      w.textContent = who;
      preview.appendChild(w);
    }
    preview.appendChild(document.createTextNode(m.content.length > 200 ? `${m.content.slice(0, 200)}…` : m.content));
    preview.hidden = false;
  }

  // A conversation the visitor's message started (none before, or the last was resolved).
  function noteConversation(m) {
    if (!m || !m.conversation_id || m.conversation_id === state.conversationId) return;
    state.conversationId = m.conversation_id;
    state.hasConversation = true;
    emit("start", { hasConversation: true });
  }

  async function loadMessages(after) {
    const r = await api(after ? `/messages?after=${after}` : "/messages");
    for (const m of (r && r.payload) || []) render(m);
  }

  async function send(content, chosen) {
    // Sending ends this bout of typing; the next keystroke starts another.
    clearTimeout(state.typingOff);
    state.typingSent = 0;
    const echo = `w${Date.now()}${Math.random().toString(36).slice(2, 8)}`;
    const draft = { echo_id: echo, content, message_type: 0, pending: true, attachments: [] };
    const li = render(draft);
    try {
      let m;
      if (chosen && chosen.length) {
        const form = new FormData();
        if (content) form.append("message[content]", content);
        form.append("message[echo_id]", echo);
        form.append("message[referer_url]", location.href);
        for (const f of chosen) form.append("message[attachments][]", f, f.name);
        m = await api("/messages", { method: "POST", body: form });
      } else {
        m = await api("/messages", { method: "POST", json: { message: { content, echo_id: echo, referer_url: location.href } } });
      }
      render(m);
      noteConversation(m);
    } catch (e) {
      render(Object.assign(draft, { pending: false, failed: true }));
      const retry = () => { li.remove(); state.messages.delete(`echo:${echo}`); send(content, chosen); };
      // A failed message is a retry button for the keyboard and screen readers too.
      li.setAttribute("role", "button");
      li.tabIndex = 0;
      li.onclick = retry;
      li.onkeydown = (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); retry(); } };
    }
  }

  function typingOn() {
    const now = Date.now();
    if (now - state.typingSent > 3000) {
      state.typingSent = now;
      api("/conversations/toggle_typing", { method: "POST", json: { typing_status: "on" } }).catch(() => {});
    }
    clearTimeout(state.typingOff);
    state.typingOff = setTimeout(() => {
      state.typingSent = 0;
      api("/conversations/toggle_typing", { method: "POST", json: { typing_status: "off" } }).catch(() => {});
    }, 3000);
  }

  function connect() {
    const pubsub = state.contact && state.contact.pubsub_token;
    if (!pubsub) return;
    const identifier = JSON.stringify({ channel: "RoomChannel", pubsub_token: pubsub });
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/cable`, ["actioncable-v1-json", "actioncable-unsupported"]);
    state.ws = ws;
    let presence;
    ws.onopen = () => {
      ws.send(JSON.stringify({ command: "subscribe", identifier }));
      const ping = () => ws.readyState === 1 && ws.send(JSON.stringify({ command: "message", identifier, data: JSON.stringify({ action: "update_presence" }) }));
      presence = setInterval(ping, 20000);
    };
    ws.onmessage = (e) => {
      let f;
      try { f = JSON.parse(e.data); } catch (_) { return; }
      if (f.type === "confirm_subscription") {
        // Back after a drop: fetch what was missed.
        if (state.retry > 0) {
          state.reconnects += 1;
          loadMessages(state.lastId).catch(() => {});
        }
        state.retry = 0;
        return;
      }
      if (!f.message) return;
      const { event, data } = f.message;
      if (event === "message.created" || event === "message.updated") {
        const mine = data.message_type === 0;
        render(data);
        // A new message from the business side: an agent's, a bot's or a template.
        const agentNew = event === "message.created" && (data.message_type === 1 || data.message_type === 3) && !data.private;
        if (agentNew) {
          if (!state.open) {
            state.unread += 1;
            badge.textContent = String(state.unread);
            badge.hidden = false;
            badge.setAttribute("aria-label", `${state.unread} ${t("newMessages")}`);
            showPreview(data);
            emit("unread", state.unread);
          }
          emit("message", data);
        }
        if (!mine) typing.hidden = true;
      } else if (event === "conversation.typing_on" && data.user && data.user.type !== "contact" && !data.is_private) {
        typing.hidden = false;
      } else if (event === "conversation.typing_off") {
        typing.hidden = true;
      }
    };
    ws.onclose = () => {
      clearInterval(presence);
      if (state.ws !== ws) return;
      state.retry += 1;
      const delay = Math.min(30000, 500 * 2 ** Math.min(state.retry, 6)) * (0.8 + Math.random() * 0.4);
      setTimeout(connect, delay);
    };
  }

  // Up to five of the inbox's agents, with their pictures or initials.
  async function showTeam() {
    const r = await api("/inbox_members").catch(() => null);
    const team = $(".team");
    team.textContent = "";
    for (const a of ((r && r.payload) || []).slice(0, 5)) {
      const s = document.createElement("span");
      s.title = a.name;
      if (a.avatar_url) s.style.backgroundImage = `url("${encodeURI(a.avatar_url)}")`;
      else s.textContent = (a.name || "?").split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
      if (a.availability_status === "online") s.classList.add("online");
      team.appendChild(s);
    }
  }

  // The pre-chat form: asked once, before the first conversation.
  const STANDARD = { fullName: "name", emailAddress: "email", phoneNumber: "phone_number" };
  function preChatFields() {
    const o = (state.config && state.config.pre_chat_form_options) || {};
    const fields = Array.isArray(o.pre_chat_fields) && o.pre_chat_fields.length
      ? o.pre_chat_fields.filter((f) => f.enabled !== false)
      : [{ name: "fullName", type: "text", required: false }, { name: "emailAddress", type: "email", required: true }];
    return { message: o.pre_chat_message, fields };
  }
  function showPreChat() {
    const form = $(".prechat");
    const { message, fields } = preChatFields();
    form.textContent = "";
    const intro = document.createElement("p");
    intro.textContent = message || t("prechat");
    form.appendChild(intro);
    for (const f of [...fields, { name: "message", type: "textarea", required: true }]) {
      const label = document.createElement("label");
      const caption = document.createElement("span");
      caption.textContent = (f.label || t(f.name)) + (f.required ? " *" : "");
      const field = document.createElement(f.type === "textarea" ? "textarea" : "input");
      if (f.type !== "textarea") field.type = ["email", "number", "tel", "url", "date"].includes(f.type) ? f.type : "text";
      field.name = f.name;
      field.required = Boolean(f.required);
      label.append(caption, field);
      form.appendChild(label);
    }
    const error = document.createElement("p");
    error.className = "error";
    error.hidden = true;
    error.setAttribute("role", "alert");
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = t("start");
    form.append(error, submit);
    form.hidden = false;
    list.hidden = true;
    $(".composer").hidden = true;
  }
  async function submitPreChat(e) {
    e.preventDefault();
    const form = $(".prechat");
    const values = Object.fromEntries(Array.from(form.querySelectorAll("input, textarea")).map((f) => [f.name, f.value.trim()]));
    const missing = Array.from(form.querySelectorAll("[required]")).some((f) => !f.value.trim());
    const error = form.querySelector(".error");
    if (missing) {
      error.textContent = t("required");
      error.hidden = false;
      return;
    }
    const contact = {}, custom = {};
    for (const [name, value] of Object.entries(values)) {
      if (name === "message" || !value) continue;
      if (STANDARD[name]) contact[STANDARD[name]] = value; else custom[name] = value;
    }
    let started;
    try {
      started = await api("/conversations", { method: "POST", json: { contact, custom_attributes: custom, message: { content: values.message, referer_url: location.href } } });
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      return;
    }
    noteConversation({ conversation_id: started && started.id });
    state.hasConversation = true;
    form.hidden = true;
    list.hidden = false;
    $(".composer").hidden = false;
    await loadMessages().catch(() => {});
  }

  async function boot() {
    let r;
    try {
      r = await api("/config", { method: "POST" });
    } catch (e) {
      host.remove();
      emit("error", { message: e.message, status: e.status });
      bootedDone(false);
      return;
    }
    state.config = r.website_channel_config;
    state.contact = r.contact;
    state.auth = state.config.auth_token;
    saved.set(`${store}:auth`, state.auth);
    host.style.setProperty("--sb-color", state.config.widget_color || "#1f93ff");
    const features = state.config.enabled_features || [];
    $(".attach").hidden = !features.includes("attachments");
    labels();
    document.body.appendChild(host);
    showTeam();
    const current = await api("/conversations").catch(() => null);
    state.hasConversation = Boolean(current && current.id);
    state.conversationId = (current && current.id) || null;
    if (state.config.pre_chat_form_enabled && !state.hasConversation) showPreChat();
    else await loadMessages().catch(() => {});
    connect();
    if (options.page) setOpen(true);
    bootedDone(true);
    emit("ready");
  }

  launcher.addEventListener("click", () => setOpen(!state.open));
  preview.addEventListener("click", () => setOpen(true));
  $(".close").addEventListener("click", () => setOpen(false));
  $(".popout").addEventListener("click", () => control.popout());
  root.addEventListener("keydown", (e) => { if (e.key === "Escape" && state.open) setOpen(false); });
  $(".attach").addEventListener("click", () => files.click());
  files.addEventListener("change", () => {
    const chosen = Array.from(files.files || []);
    files.value = "";
    if (chosen.length) send(input.value.trim(), chosen);
    input.value = "";
  });
  input.addEventListener("input", typingOn);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      $(".composer").requestSubmit();
    }
  });
  input.addEventListener("paste", (e) => {
    const pasted = Array.from((e.clipboardData && e.clipboardData.files) || []);
    if (pasted.length) {
      e.preventDefault();
      send(input.value.trim(), pasted);
      input.value = "";
    }
  });
  panel.addEventListener("dragover", (e) => { e.preventDefault(); panel.classList.add("drop"); });
  panel.addEventListener("dragleave", () => panel.classList.remove("drop"));
  panel.addEventListener("drop", (e) => {
    e.preventDefault();
    panel.classList.remove("drop");
    const dropped = Array.from((e.dataTransfer && e.dataTransfer.files) || []);
    if (dropped.length) send("", dropped);
  });
  $(".prechat").addEventListener("submit", submitPreChat);
  $(".composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    input.value = "";
    send(content);
  });

  // Runs `f` once the widget has its visitor; nothing when it has none.
  // The page's calls run one after another in the order made, so a delete
  // right after a set cannot overtake it on the network.
  let queue = booted;
  const afterBoot = (f) => {
    const run = queue.then((ok) => (ok ? f() : undefined));
    queue = run.then(() => booted, () => booted);
    return run;
  };
  const requireKey = (k, what) => {
    if (typeof k !== "string" || !k) throw new Error(`${what} is required`);
    return k;
  };

  const control = {
    websiteToken,
    base,
    get isOpen() { return state.open; },
    get locale() { return locale; },
    get authToken() { return state.auth; },
    get position() { return state.position; },
    get bubbleVisible() { return state.bubble; },
    ready: () => booted,
    status: () => ({ connected: Boolean(state.ws && state.ws.readyState === 1), reconnects: state.reconnects }),
    // Drops the live connection and reconnects as after a network loss
    // (catching up on what arrived meanwhile); useful after a device wakes.
    reconnect: () => {
      if (state.ws) state.ws.close();
    },
    toggle: (open) => afterBoot(() => setOpen(open === undefined ? !state.open : Boolean(open))),
    setBubbleVisible: (visible) => {
      state.bubble = Boolean(visible);
      placeBubble();
    },
    setLocale: (l) => {
      locale = shortLocale(l);
      saved.set(`${store}:locale`, locale);
      labels();
    },
    setColorScheme: setScheme,
    setUser: (identifier, user = {}) => afterBoot(async () => {
      const r = await api("/contact/set_user", { method: "PATCH", json: Object.assign({ identifier }, user) });
      if (r && r.widget_auth_token) {
        saved.set(`${store}:auth`, r.widget_auth_token);
        control.reset(true);
      }
      return r;
    }),
    setCustomAttributes: (attrs) => afterBoot(() => api("/contact", { method: "PATCH", json: { custom_attributes: attrs } })),
    deleteCustomAttribute: (key) => afterBoot(() => api("/contact/destroy_custom_attributes", { method: "POST", json: { custom_attributes: [requireKey(key, "custom attribute")] } })),
    setConversationCustomAttributes: (attrs) => afterBoot(() => api("/conversations/set_custom_attributes", { method: "POST", json: { custom_attributes: attrs } })),
    deleteConversationCustomAttribute: (key) => afterBoot(() => api("/conversations/destroy_custom_attributes", { method: "POST", json: { custom_attribute: [requireKey(key, "custom attribute")] } })),
    setLabel: (label) => afterBoot(() => api("/labels", { method: "POST", json: { label: requireKey(label, "label") } })),
    removeLabel: (label) => afterBoot(() => api(`/labels/${encodeURIComponent(requireKey(label, "label"))}`, { method: "DELETE" })),
    // The same visitor and conversation in a window of their own.
    popout: () => {
      const url = `${base}/widget?website_token=${encodeURIComponent(websiteToken)}`
        + (state.auth ? `&cw_conversation=${encodeURIComponent(state.auth)}` : "")
        + `&locale=${encodeURIComponent(locale)}`;
      window.open(url, "webwidget_popout", "resizable=off,width=400,height=600");
      setOpen(false);
    },
    // A new visitor (or, with keepToken, the stored one again): the chat restarts.
    reset: (keepToken) => {
      if (!keepToken) saved.remove(`${store}:auth`);
      state.auth = saved.get(`${store}:auth`);
      const ws = state.ws;
      state.ws = null;
      if (ws) ws.close();
      state.messages.clear();
      list.textContent = "";
      state.lastId = 0;
      state.unread = 0;
      badge.hidden = true;
      preview.hidden = true;
      state.conversationId = null;
      state.hasConversation = false;
      nextBoot();
      boot();
    },
  };
  if (document.body) boot(); else document.addEventListener("DOMContentLoaded", boot);
  return control;
  }

  if (!window.SwitchboardWidget) window.SwitchboardWidget = { mount };
  // Started by its own tag: <script src=".../widget.js" data-website-token="...">;
  // data-mode="page" is the full-page chat of /widget.
  const tag = script && script.dataset.websiteToken ? script : null;
  if (tag && !window.$switchboard) {
    const d = tag.dataset;
    const w = mount({
      websiteToken: d.websiteToken,
      base: new URL(tag.src, location.href).origin,
      page: d.mode === "page",
      locale: d.locale || undefined,
      conversationToken: d.conversation || undefined,
    });
    window.$switchboard = {
      status: w.status,
      reconnect: w.reconnect,
      toggle: w.toggle,
      setLocale: w.setLocale,
      setCustomAttributes: w.setCustomAttributes,
      setUser: w.setUser,
      reset: w.reset,
    };
  }
})();
