// Switchboard website widget. One script, no dependencies:
//   <script src="https://support.example.com/widget.js" data-website-token="..." async></script>
// Optional attributes: data-position="left|right", data-launcher-title="Chat with us"
// (shown beside the bubble's icon), data-dark-mode="light|auto|dark", data-locale.
// The widget lives in a shadow root, so the host page's styles do not reach it.
// `mount` builds one widget; this file starts it from its own script tag
// (above), from the full-page chat at /widget (data-mode="page"), or, served
// as /packs/js/sdk.js with chatwoot-sdk.js after it, from Chatwoot's snippet.
// markdownNodes (web/shared/markdown.js) and readableTextOn
// (web/shared/contrast.js) are joined in front of this file by the server.
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

  // An element with attributes ("text" sets its text, "class" its classes,
  // on* adds a listener; null, undefined and false are left out) and children.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  }

  // Up to two initials of a name.
  const initials = (name) => String(name || "?").trim().split(/\s+/).map((w) => w[0] || "").join("").slice(0, 2).toUpperCase() || "?";
  // A picture from an http(s) address only.
  const pictureUrl = (u) => (typeof u === "string" && /^https?:\/\//i.test(u) ? u : "");

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
      attach: "Attach files", typing: "Agent is typing…", typingNamed: "{name} is typing…",
      failed: "Not sent — tap to retry", sending: "Sending…",
      online: "We are online", away: "We will reply as soon as we can", newMessages: "new messages",
      in_a_few_minutes: "Typically replies in a few minutes", in_a_few_hours: "Typically replies in a few hours",
      in_a_day: "Typically replies in a day", end: "End conversation", file: "File",
      rate: "Rate the conversation", thanks: "Thank you for your rating!", choices: "Choose one", cards: "Options", submit: "Submit", emailLabel: "Your e-mail",
      fullName: "Full name", emailAddress: "E-mail", phoneNumber: "Phone number", message: "Message",
      start: "Start conversation", required: "Please fill in the required fields.",
      invalid: "Please correct the marked fields.", fieldRequired: "This field is required",
      badEmail: "Enter a valid e-mail",
      prechat: "Please tell us a little about you before we start.",
      window: "Chat", history: "Messages", chatWithUs: "Chat with us", popout: "Open in a new window",
      startChat: "Start a conversation", today: "Today", yesterday: "Yesterday", team: "Our team",
      newFrom: "New message from {name}: {text}", newMessage: "New message: {text}",
    },
    ru: {
      open: "Открыть чат", close: "Закрыть чат", placeholder: "Напишите сообщение…", send: "Отправить",
      attach: "Прикрепить файлы", typing: "Оператор печатает…", typingNamed: "{name} печатает…",
      failed: "Не отправлено — нажмите, чтобы повторить", sending: "Отправляется…",
      online: "Мы на связи", away: "Ответим, как только сможем", newMessages: "новых сообщений",
      in_a_few_minutes: "Обычно отвечаем за несколько минут", in_a_few_hours: "Обычно отвечаем за несколько часов",
      in_a_day: "Обычно отвечаем в течение дня", end: "Завершить разговор", file: "Файл",
      rate: "Оцените разговор", thanks: "Спасибо за оценку!", choices: "Выберите вариант", cards: "Варианты", submit: "Отправить", emailLabel: "Ваш e-mail",
      fullName: "Имя", emailAddress: "Эл. почта", phoneNumber: "Телефон", message: "Сообщение",
      start: "Начать разговор", required: "Заполните обязательные поля.",
      invalid: "Исправьте отмеченные поля.", fieldRequired: "Обязательное поле",
      badEmail: "Введите корректный адрес эл. почты",
      prechat: "Расскажите немного о себе, прежде чем мы начнём.",
      window: "Чат", history: "Сообщения", chatWithUs: "Напишите нам", popout: "Открыть в новом окне",
      startChat: "Начать разговор", today: "Сегодня", yesterday: "Вчера", team: "Наша команда",
      newFrom: "Новое сообщение от {name}: {text}", newMessage: "Новое сообщение: {text}",
    },
  };
  const shortLocale = (l) => String(l || "en").slice(0, 2).toLowerCase();
  let locale = shortLocale(options.locale || saved.get(`${store}:locale`) || navigator.language);
  const t = (k, vars) => {
    const s = (TEXT[locale] || TEXT.en)[k] || TEXT.en[k] || k;
    return vars ? s.replace(/\{(\w+)\}/g, (_, v) => (vars[v] === undefined ? "" : String(vars[v]))) : s;
  };
  // The browser's own tag when it speaks the widget's language (en-GB keeps
  // its 24-hour clock), else the widget's language.
  const dateLocale = () => (shortLocale(navigator.language) === locale ? navigator.language : locale);

  const state = {
    auth: options.conversationToken || saved.get(`${store}:auth`),
    config: null, contact: null, open: false, unread: 0,
    messages: new Map(), lastId: 0, ws: null, retry: 0, reconnects: 0, typingOff: null, typingSent: 0, hasConversation: false,
    conversationId: null, position: options.position === "left" ? "left" : "right",
    bubble: !options.hideMessageBubble, scheme: "light", darkQuery: null,
    view: "thread", team: [], typist: null,
  };
  // Calls made before the widget has its visitor wait for it.
  let booted;
  let bootedDone;
  const nextBoot = () => { booted = new Promise((resolve) => { bootedDone = resolve; }); };
  nextBoot();

  const host = document.createElement("div");
  host.setAttribute("data-switchboard-widget", "");
  const root = host.attachShadow({ mode: "open" });
  // The markup below is fixed text; everything that comes from the server or
  // the visitor is added as nodes (el(), textContent).
  root.innerHTML = `
<style>
  :host { all: initial; --sb-color: #1f93ff; --sb-text: #111827; }
  [hidden] { display: none !important; }
  * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  .launcher { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%;
    border: 0; cursor: pointer; background: var(--sb-color); color: var(--sb-text); box-shadow: 0 4px 16px rgba(0,0,0,.2);
    z-index: 2147483000; display: grid; place-items: center; }
  .launcher:focus-visible, button:focus-visible, textarea:focus-visible, input:focus-visible, li.msg:focus-visible {
    outline: 3px solid #222; outline-offset: 2px; }
  .badge { position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; border-radius: 10px; background: #c0262f;
    color: #fff; font-size: 12px; display: grid; place-items: center; padding: 0 5px; font-variant-numeric: tabular-nums; }
  .panel { position: fixed; right: 20px; bottom: 88px; width: 380px; height: min(640px, calc(100vh - 110px)); background: #fff;
    color: #16191d; border-radius: 16px; box-shadow: 0 8px 32px rgba(0,0,0,.25); display: flex; flex-direction: column;
    overflow: hidden; z-index: 2147483000; }
  .panel[hidden] { display: none; }
  header { background: var(--sb-color); color: var(--sb-text); padding: 16px 72px 16px 16px; position: relative; flex: none; }
  header h2 { margin: 0 0 4px; font-size: 18px; line-height: 24px; }
  header p { margin: 0; font-size: 13px; line-height: 18px; }
  header button:focus-visible { outline-color: var(--sb-text); }
  .team { display: flex; margin-top: 8px; }
  .team span { width: 28px; height: 28px; border-radius: 50%; border: 2px solid var(--sb-color); margin-right: -4px;
    background: #fff center/cover; color: #16191d; font-size: 12px; display: grid; place-items: center; position: relative; }
  .team img { width: 100%; height: 100%; border-radius: 50%; object-fit: cover; }
  .team span.online::after { content: ""; position: absolute; right: -1px; bottom: -1px; width: 8px; height: 8px; border-radius: 50%; background: #16794a; border: 1px solid #fff; }
  header .close { position: absolute; right: 12px; top: 12px; background: transparent; border: 0; color: inherit; font-size: 20px; cursor: pointer;
    min-width: 32px; min-height: 32px; }
  header .popout { position: absolute; right: 48px; top: 12px; background: transparent; border: 0; color: inherit; cursor: pointer;
    min-width: 32px; min-height: 32px; }
  /* The welcome card, before the visitor's first message. */
  .panel.home-view header { padding: 28px 72px 56px 20px; }
  .panel.home-view header h2 { font-size: 22px; line-height: 28px; margin-bottom: 6px; }
  .panel.home-view header p { font-size: 15px; line-height: 22px; }
  .panel.home-view header .team, .panel.home-view header .reply { display: none; }
  .home { flex: 1; overflow-y: auto; padding: 0 16px 16px; margin-top: -36px; position: relative; }
  .card { background: #fff; border-radius: 12px; box-shadow: 0 2px 12px rgba(0,0,0,.14); padding: 16px; display: flex; flex-direction: column;
    gap: 10px; align-items: flex-start; }
  .card .team { margin: 0 0 2px; }
  .card .team span { border-color: #fff; width: 36px; height: 36px; font-size: 13px; margin-right: -8px; background-color: #edeff2; }
  .card .status { margin: 0; display: flex; align-items: center; gap: 8px; font-size: 15px; font-weight: 600; }
  .card .dot { width: 10px; height: 10px; border-radius: 50%; background: #5e6570; flex: none; }
  .card .status.online .dot { background: #16794a; }
  .card .reply-time { margin: 0; font-size: 14px; color: #4a515c; }
  .start { border: 0; border-radius: 8px; padding: 10px 16px; min-height: 44px; cursor: pointer; background: var(--sb-color);
    color: var(--sb-text); font-size: 15px; font-weight: 600; display: inline-flex; align-items: center; gap: 8px; margin-top: 4px; }
  /* The thread. */
  .messages { list-style: none; margin: 0; padding: 8px 12px 12px; flex: 1; overflow-y: auto; display: flex; flex-direction: column; }
  li.msg { display: flex; flex-direction: column; max-width: 80%; margin-top: 10px; }
  li.msg.cont { margin-top: 3px; }
  li.in { align-self: flex-end; align-items: flex-end; }
  li.out { align-self: flex-start; align-items: flex-start; }
  .who { display: flex; align-items: center; gap: 6px; margin-bottom: 4px; font-size: 12px; line-height: 16px; color: #4a515c; font-weight: 500; }
  li.cont .who { display: none; }
  .avatar { width: 24px; height: 24px; border-radius: 50%; background: #dde8ff; color: #16191d; font-size: 11px; font-weight: 600;
    display: grid; place-items: center; overflow: hidden; flex: none; }
  .avatar img { width: 100%; height: 100%; object-fit: cover; }
  .bubble { padding: 8px 12px; border-radius: 10px; font-size: 14px; line-height: 20px; white-space: pre-wrap; overflow-wrap: anywhere; }
  li.in .bubble { background: var(--sb-color); color: var(--sb-text); border-bottom-right-radius: 4px; }
  li.out .bubble { background: #f0f2f5; color: #16191d; border-bottom-left-radius: 4px; }
  li.in.cont .bubble { border-top-right-radius: 4px; }
  li.out.cont .bubble { border-top-left-radius: 4px; }
  li.pending .bubble { opacity: .75; }
  li.failed { cursor: pointer; }
  li.failed .bubble { outline: 2px solid #c0262f; }
  .at { font-size: 12px; line-height: 16px; color: #5e6570; margin-top: 2px; font-variant-numeric: tabular-nums; }
  li.failed .at { color: #c0262f; }
  li.day { align-self: center; margin: 14px 0 2px; padding: 2px 10px; border-radius: 10px; background: #edeff2; color: #4a515c;
    font-size: 12px; line-height: 16px; font-weight: 500; }
  .bubble ul, .bubble ol { margin: 4px 0; padding: 0 0 0 20px; white-space: normal; }
  .bubble li { white-space: pre-wrap; }
  .bubble code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: rgba(0,0,0,.08); border-radius: 4px; padding: 0 3px; }
  .bubble a { color: inherit; text-decoration: underline; }
  .bubble img { max-width: 100%; border-radius: 8px; display: block; margin-top: 4px; }
  .rating { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
  .rating .thanks { flex-basis: 100%; font-size: 13px; }
  .choices { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
  .choices button { border: 1px solid var(--sb-color); background: #fff; color: #16191d; border-radius: 16px; padding: 6px 12px; font: inherit; cursor: pointer; }
  .choices button[aria-pressed="true"] { background: var(--sb-color); color: var(--sb-text); }
  .choices button:disabled:not([aria-pressed="true"]) { opacity: 0.5; cursor: default; }
  .bot-form { display: grid; gap: 6px; margin-top: 8px; }
  .bot-form label { display: grid; gap: 2px; font-size: 13px; }
  .bot-form input, .bot-form textarea, .bot-form select { font: inherit; padding: 6px 8px; border: 1px solid #cfd7e1; border-radius: 6px; }
  .bot-form button { justify-self: start; border: 0; border-radius: 8px; padding: 6px 12px; background: var(--sb-color); color: var(--sb-text); font: inherit; cursor: pointer; }
  .bot-form button:disabled { opacity: 0.5; cursor: default; }
  .cards { display: grid; gap: 8px; margin-top: 8px; }
  .card { border: 1px solid #cfd7e1; border-radius: 8px; padding: 8px; background: #fff; color: #16191d; }
  .card img { max-width: 100%; border-radius: 6px; }
  .card .title { font-weight: 600; display: block; }
  .card a { display: inline-block; margin-top: 6px; margin-right: 8px; }
  .rating button { border: 1px solid #cfd7e1; background: #fff; color: #16191d; border-radius: 8px; padding: 4px 8px; font-size: 18px; cursor: pointer; }
  .rating button[aria-pressed="true"] { background: var(--sb-color); border-color: var(--sb-color); color: var(--sb-text); }
  .typing { padding: 0 16px 6px; font-size: 12px; line-height: 16px; color: #5e6570; }
  .typing[hidden] { display: none; }
  .composer { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e4e8ee; align-items: flex-end; }
  textarea { flex: 1; resize: none; border: 1px solid #8c96a3; border-radius: 8px; padding: 8px; font-size: 14px; max-height: 120px; }
  .composer button { border: 0; border-radius: 8px; padding: 8px 12px; min-height: 36px; cursor: pointer; background: var(--sb-color); color: var(--sb-text); }
  .composer .attach { background: #eef1f5; color: #16191d; }
  /* The pre-chat form. */
  .prechat { padding: 16px; display: flex; flex-direction: column; gap: 12px; overflow-y: auto; flex: 1; }
  .prechat p { margin: 0; font-size: 14px; }
  .field { display: flex; flex-direction: column; gap: 4px; }
  .field label { font-size: 13px; font-weight: 500; }
  .prechat input, .prechat textarea { border: 1px solid #8c96a3; border-radius: 8px; padding: 8px; font-size: 14px; }
  .prechat [aria-invalid="true"] { border-color: #c0262f; box-shadow: 0 0 0 1px #c0262f; }
  .prechat .field-error { color: #c0262f; font-size: 13px; margin: 0; }
  .prechat button { border: 0; border-radius: 8px; padding: 10px; min-height: 44px; cursor: pointer; background: var(--sb-color);
    color: var(--sb-text); font-size: 14px; font-weight: 600; }
  .prechat .error { color: #c0262f; font-size: 13px; }
  .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .drop { outline: 3px dashed var(--sb-color); outline-offset: -6px; }
  .launcher .label { display: none; font-size: 15px; font-weight: 500; white-space: nowrap; }
  :host(.expanded) .launcher { width: auto; height: 48px; border-radius: 24px; padding: 0 20px 0 16px; gap: 8px;
    display: flex; align-items: center; }
  :host(.expanded) .launcher .label { display: inline; }
  :host(.left) .launcher, :host(.left) .panel, :host(.left) .preview { right: auto; left: 20px; }
  :host(.nobubble) .panel { bottom: 20px; }
  .preview { position: fixed; right: 20px; bottom: 88px; max-width: 300px; background: #fff; color: #16191d; border-radius: 12px;
    box-shadow: 0 4px 16px rgba(0,0,0,.2); padding: 10px 14px; font-size: 14px; line-height: 20px; cursor: pointer; z-index: 2147483000;
    border: 0; text-align: left; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 120px; overflow: hidden; }
  .preview .who { margin-bottom: 2px; }
  :host(.dark) .panel, :host(.dark) .preview, :host(.dark) .card { background: #171a1f; color: #eceef1; }
  :host(.dark) .card { background: #20242b; box-shadow: 0 2px 12px rgba(0,0,0,.5); }
  :host(.dark) .card .reply-time, :host(.dark) .who { color: #b3b9c3; }
  :host(.dark) .card .team span { border-color: #20242b; }
  :host(.dark) li.out .bubble { background: #22262d; color: #eceef1; }
  :host(.dark) li.day { background: #20242b; color: #b3b9c3; }
  :host(.dark) .at, :host(.dark) .typing { color: #959ca7; }
  :host(.dark) textarea, :host(.dark) .prechat input, :host(.dark) .prechat textarea, :host(.dark) .rating button {
    background: #20242b; color: #eceef1; border-color: #6b7380; }
  :host(.dark) .composer { border-top-color: #2c313a; }
  :host(.dark) .composer .attach { background: #20242b; color: #eceef1; }
  :host(.dark) .prechat .field-error, :host(.dark) .prechat .error, :host(.dark) li.failed .at { color: #ff7a82; }
  :host(.dark) .prechat [aria-invalid="true"] { border-color: #ff7a82; box-shadow: 0 0 0 1px #ff7a82; }
  :host(.dark) .launcher:focus-visible, :host(.dark) .panel button:focus-visible, :host(.dark) textarea:focus-visible,
  :host(.dark) input:focus-visible, :host(.dark) li.msg:focus-visible { outline-color: #eceef1; }
  :host(.dark) header button:focus-visible { outline-color: var(--sb-text); }
  @media (max-width: 640px) {
    .panel, :host(.left) .panel { left: 0; right: 0; top: 0; bottom: 0; width: 100vw; height: 100%; border-radius: 0; }
  }
  @media (prefers-reduced-motion: no-preference) {
    .start, .launcher { transition: filter 150ms; }
  }
  .start:hover, .launcher:hover { filter: brightness(1.06); }
  @media (forced-colors: active) {
    .launcher, .start, .bubble, .preview, .card { border: 1px solid CanvasText; }
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
<div class="sr announce" role="status" aria-live="polite"></div>
<section class="panel" role="dialog" aria-modal="false" hidden>
  <header><h2 class="title" id="sb-title"></h2><p class="tagline"></p><div class="team" aria-hidden="true"></div><p class="reply"></p><button class="popout" type="button" hidden><svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"/></svg></button><button class="close" type="button">×</button></header>
  <div class="home" hidden>
    <div class="card">
      <div class="team" role="img"></div>
      <p class="status"><span class="dot" aria-hidden="true"></span><span class="status-text"></span></p>
      <p class="reply-time"></p>
      <button class="start" type="button"><span class="start-label"></span><svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" d="M5 12h14M13 6l6 6-6 6"/></svg></button>
    </div>
  </div>
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
  const home = $(".home"), prechat = $(".prechat"), composer = $(".composer"), announce = $(".announce");
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

  // The brand colour and the text on it: white or near-black, whichever
  // reads (WCAG 4.5:1), so a light brand colour keeps its text legible.
  function setColour(colour) {
    const c = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(String(colour || "")) ? colour : "#1f93ff";
    host.style.setProperty("--sb-color", c);
    host.style.setProperty("--sb-text", readableTextOn(c));
  }

  const online = () => state.team.some((a) => a.availability_status === "online");

  function labels() {
    const title = options.launcherTitle || t("chatWithUs");
    // A launcher that shows its title is named by it (what is seen is what is said).
    launcher.setAttribute("aria-label", state.open ? t("close") : host.classList.contains("expanded") ? title : t("open"));
    $(".launcher .label").textContent = title;
    $(".close").setAttribute("aria-label", t("close"));
    $(".popout").setAttribute("aria-label", t("popout"));
    $(".composer-label").textContent = t("placeholder");
    input.placeholder = t("placeholder");
    $(".send").textContent = t("send");
    $(".attach").setAttribute("aria-label", t("attach"));
    typing.textContent = state.typist ? t("typingNamed", { name: state.typist }) : t("typing");
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
    $(".tagline").hidden = !c.welcome_tagline;
    const reply = c.reply_time ? t(c.reply_time) : "";
    $(".reply").textContent = reply;
    $(".reply-time").textContent = reply;
    $(".start-label").textContent = t("startChat");
    const cardTeam = $(".card .team");
    cardTeam.setAttribute("aria-label", state.team.length ? `${t("team")}: ${state.team.map((a) => a.name).join(", ")}` : t("team"));
    cardTeam.hidden = !state.team.length;
    const status = $(".card .status");
    status.classList.toggle("online", online());
    $(".status-text").textContent = state.team.length ? t(online() ? "online" : "away") : "";
    status.hidden = !state.team.length;
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

  // What the widget shows: the welcome card ("home"), the pre-chat form
  // ("prechat") or the conversation ("thread").
  function showView(view) {
    state.view = view;
    panel.classList.toggle("home-view", view === "home");
    home.hidden = view !== "home";
    prechat.hidden = view !== "prechat";
    list.hidden = view !== "thread";
    composer.hidden = view !== "thread";
    if (view !== "thread") typing.hidden = true;
  }

  // Where focus goes when the window opens or changes view.
  function focusView() {
    if (state.view === "home") $(".start").focus();
    else if (state.view === "prechat") (prechat.querySelector("input, textarea") || prechat).focus();
    else input.focus();
  }

  // "Start a conversation": the pre-chat form when the inbox asks for one
  // before the first conversation, else the message box.
  function startConversation() {
    if (state.config && state.config.pre_chat_form_enabled && !state.hasConversation) showPreChat();
    else showView("thread");
    focusView();
  }

  // ---- messages ----

  const DAY = 86400000;
  const localDay = (secs) => {
    const d = new Date(secs * 1000);
    return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
  };
  function dayLabel(secs) {
    const d = new Date(secs * 1000);
    const now = new Date();
    const midnight = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
    const days = Math.round((midnight(now) - midnight(d)) / DAY);
    if (days === 0) return t("today");
    if (days === 1) return t("yesterday");
    return d.toLocaleDateString(dateLocale(), {
      weekday: "short", day: "numeric", month: "short", year: d.getFullYear() === now.getFullYear() ? undefined : "numeric",
    });
  }
  const at = (li) => Number(li.dataset.ts) || Date.now() / 1000;

  // A message's time: short on screen, the full date and time on hover and
  // for screen readers; "Sending…" or the failure while it has none.
  function stampTime(li) {
    const meta = li.querySelector(":scope > .at");
    if (!meta) return;
    meta.textContent = "";
    if (li.classList.contains("failed")) {
      meta.textContent = t("failed");
      return;
    }
    if (li.classList.contains("pending") || !li.dataset.ts) {
      meta.textContent = li.classList.contains("pending") ? t("sending") : "";
      return;
    }
    const d = new Date(Number(li.dataset.ts) * 1000);
    const full = d.toLocaleString(dateLocale(), { dateStyle: "full", timeStyle: "short" });
    const time = el("time", { datetime: d.toISOString(), title: full },
      el("span", { "aria-hidden": "true", text: d.toLocaleTimeString(dateLocale(), { hour: "numeric", minute: "2-digit" }) }),
      el("span", { class: "sr", text: full }));
    meta.append(time);
  }

  // The sender's picture, else initials; decorative (the name is beside it).
  function avatar(name, url) {
    const a = el("span", { class: "avatar", "aria-hidden": "true" });
    const src = pictureUrl(url);
    if (src) a.append(el("img", { src, alt: "" }));
    else a.textContent = initials(name);
    return a;
  }

  // Who wrote a message: the visitor ("me"), an agent, or the inbox itself
  // (greetings, automatic replies), with the name and picture shown for them.
  function author(m) {
    if (m.message_type === 0) return { key: "me" };
    const s = m.sender;
    if (s && (s.type === "user" || s.type === "agent_bot" || s.type === "bot") && (s.available_name || s.name)) {
      return { key: `${s.type}:${s.id}`, name: s.available_name || s.name, picture: s.avatar_url || s.thumbnail };
    }
    const c = state.config || {};
    return { key: "inbox", name: c.website_name || "", picture: c.avatar_url };
  }

  // Keeps the thread in the server's order (by id; unsent ones last),
  // whatever order messages arrive in (a greeting's event may come after
  // the visitor's own message was drawn).
  function place(li) {
    const order = Number(li.dataset.order);
    const isMsg = (n) => n && n.classList.contains("msg");
    const prevMsg = (n) => { let p = n.previousElementSibling; while (p && !isMsg(p)) p = p.previousElementSibling; return p; };
    const nextMsg = (n) => { let p = n.nextElementSibling; while (p && !isMsg(p)) p = p.nextElementSibling; return p; };
    if (li.parentNode === list) {
      const p = prevMsg(li), n = nextMsg(li);
      if ((!p || Number(p.dataset.order) <= order) && (!n || Number(n.dataset.order) >= order)) return;
    }
    const after = Array.from(list.querySelectorAll(":scope > li.msg")).find((n) => n !== li && Number(n.dataset.order) > order);
    if (after) list.insertBefore(li, after); else list.appendChild(li);
  }

  // Day separators between days, and runs of one sender's messages (within
  // five minutes) under one name and picture.
  function relayout() {
    let prev = null;
    for (const node of Array.from(list.children)) {
      if (!node.classList.contains("msg")) continue;
      const day = localDay(at(node));
      const before = node.previousElementSibling;
      const sep = before && before.classList.contains("day") ? before : null;
      if (!prev || localDay(at(prev)) !== day) {
        const label = dayLabel(at(node));
        if (!sep) list.insertBefore(el("li", { class: "day", text: label }), node);
        else if (sep.textContent !== label) sep.textContent = label;
      } else if (sep) {
        sep.remove();
      }
      const cont = Boolean(prev) && prev.dataset.author === node.dataset.author
        && localDay(at(prev)) === day && at(node) - at(prev) < 300;
      node.classList.toggle("cont", cont);
      prev = node;
    }
    for (const sep of Array.from(list.querySelectorAll(":scope > li.day"))) {
      const next = sep.nextElementSibling;
      if (!next || !next.classList.contains("msg")) sep.remove();
    }
  }

  function render(m) {
    if (!m || m.message_type === 2 || m.private) return;
    const key = m.id ? `id:${m.id}` : `echo:${m.echo_id}`;
    let li = (m.echo_id && state.messages.get(`echo:${m.echo_id}`)) || state.messages.get(key);
    if (!li) li = el("li");
    if (m.id) {
      state.messages.set(`id:${m.id}`, li);
      state.lastId = Math.max(state.lastId, m.id);
    }
    if (m.echo_id) state.messages.set(`echo:${m.echo_id}`, li);
    const mine = m.message_type === 0;
    li.className = `msg ${mine ? "in" : "out"}`;
    if (m.pending) li.classList.add("pending");
    if (m.failed) li.classList.add("failed");
    const who = author(m);
    li.dataset.author = who.key;
    li.dataset.order = String(m.id || Number.MAX_SAFE_INTEGER);
    if (m.created_at) li.dataset.ts = String(m.created_at);
    else if (!li.dataset.ts) li.dataset.ts = String(Math.floor(Date.now() / 1000));
    li.textContent = "";
    if (!mine) li.append(el("span", { class: "who" }, avatar(who.name, who.picture), el("span", { class: "name", text: who.name })));
    const bubble = el("div", { class: "bubble" });
    // The team's Markdown shows as formatting and links (built as nodes by
    // the renderer shared with the dashboard); the visitor's own text too.
    if (m.content) bubble.append(...markdownNodes(m.content, document));
    if (m.content_type === "input_csat" && m.id) bubble.append(ratingFor(m));
    if (m.content_type === "input_select" && m.id) bubble.append(choicesFor(m));
    if ((m.content_type === "cards" || m.content_type === "article") && m.id) bubble.append(cardsFor(m));
    if (m.content_type === "form" && m.id) bubble.append(formFor(m));
    if (m.content_type === "input_email" && m.id) bubble.append(emailFor(m));
    for (const a of m.attachments || []) {
      if (a.file_type === "image") {
        bubble.append(el("img", { src: a.data_url, alt: a.file_name || "" }));
      } else {
        if (bubble.childNodes.length) bubble.append(el("br"));
        bubble.append(el("a", { href: a.data_url, rel: "noopener noreferrer", target: "_blank", text: a.file_name || t("file") }));
      }
    }
    li.append(bubble, el("div", { class: "at" }));
    stampTime(li);
    place(li);
    relayout();
    list.scrollTop = list.scrollHeight;
    return li;
  }

  // A bot's buttons (input_select): one tap answers; the chosen one stays
  // marked and the others close.
  function choicesFor(m) {
    const attrs = m.content_attributes || {};
    const items = Array.isArray(attrs.items) ? attrs.items : [];
    const chosen = Array.isArray(attrs.submitted_values) ? attrs.submitted_values.map((v) => v && v.value) : [];
    const box = el("div", { class: "choices", role: "group", "aria-label": t("choices") });
    for (const item of items) {
      const picked = chosen.includes(item.value);
      box.append(el("button", {
        type: "button", text: String(item.title || item.value || ""),
        "aria-pressed": String(picked),
        ...(chosen.length ? { disabled: "" } : {}),
        onclick: async () => {
          for (const b of box.querySelectorAll("button")) b.disabled = true;
          try {
            const r = await api(`/messages/${m.id}`, { method: "PATCH", json: { message: { submitted_values: [{ title: item.title, value: item.value }] } } });
            render(r);
          } catch (_) {
            for (const b of box.querySelectorAll("button")) b.disabled = false;
          }
        },
      }));
    }
    return box;
  }

  // A bot's form: its fields (text, e-mail, long text, a choice), sent once
  // as [{name, value}]; answered, it shows what was sent.
  function formFor(m) {
    const attrs = m.content_attributes || {};
    const items = (Array.isArray(attrs.items) ? attrs.items : []).filter((i) => i && typeof i.name === "string").slice(0, 20);
    const sent = Array.isArray(attrs.submitted_values) ? attrs.submitted_values : null;
    const form = el("form", { class: "bot-form", novalidate: "" });
    const controls = items.map((item) => {
      const label = String(item.label || item.name);
      let control;
      if (item.type === "textarea") control = el("textarea", { rows: "3" });
      else if (item.type === "select" && Array.isArray(item.options)) {
        control = el("select", {}, ...item.options.filter((o) => o !== null && o !== undefined).map((o) => el("option", { value: String(o.value ?? o), text: String(o.label ?? o.value ?? o) })));
      } else control = el("input", { type: item.type === "email" ? "email" : "text" });
      control.name = item.name;
      if (item.placeholder) control.placeholder = String(item.placeholder);
      if (item.required) control.required = true;
      const answer = sent && sent.find((a) => a && a.name === item.name);
      if (answer) control.value = String(answer.value ?? "");
      if (sent) control.disabled = true;
      form.append(el("label", {}, el("span", { text: label }), control));
      return control;
    });
    const go = el("button", { type: "submit", text: t("submit") });
    if (sent) go.disabled = true;
    form.append(go);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!form.checkValidity()) return form.reportValidity();
      go.disabled = true;
      try {
        const values = controls.map((c) => ({ name: c.name, value: c.value }));
        const r = await api(`/messages/${m.id}`, { method: "PATCH", json: { message: { submitted_values: values } } });
        render(r);
      } catch (_) {
        go.disabled = false;
      }
    });
    return form;
  }

  // A bot asking for an e-mail address: one field, sent once; answered, it
  // shows the address given.
  function emailFor(m) {
    const sent = (m.content_attributes || {}).submitted_email;
    const form = el("form", { class: "bot-form", novalidate: "" });
    const input = el("input", { type: "email", name: "email", required: "", autocomplete: "email", placeholder: "name@example.com" });
    if (sent) { input.value = String(sent); input.disabled = true; }
    const go = el("button", { type: "submit", text: t("submit") });
    if (sent) go.disabled = true;
    form.append(el("label", {}, el("span", { text: t("emailLabel") }), input), go);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!form.checkValidity()) return form.reportValidity();
      go.disabled = true;
      try {
        const r = await api(`/messages/${m.id}`, { method: "PATCH", json: { message: { submitted_email: input.value.trim() } } });
        render(r);
      } catch (_) {
        go.disabled = false;
      }
    });
    return form;
  }

  // Cards and articles: a title, a picture, words and links (only http(s)
  // links are shown).
  function cardsFor(m) {
    const attrs = m.content_attributes || {};
    const items = Array.isArray(attrs.items) ? attrs.items : [];
    const safe = (u) => (typeof u === "string" && /^https?:\/\//i.test(u) ? u : null);
    const box = el("div", { class: "cards", role: "list", "aria-label": t("cards") });
    for (const item of items.slice(0, 10)) {
      const card = el("div", { class: "card", role: "listitem" });
      const img = safe(item.media_url);
      if (img) card.append(el("img", { src: img, alt: "" }));
      if (item.title) card.append(el("span", { class: "title", text: String(item.title) }));
      if (item.description) card.append(el("span", { text: String(item.description) }));
      const link = safe(item.link);
      if (link) card.append(el("a", { href: link, rel: "noopener noreferrer", target: "_blank", text: String(item.title || link) }));
      for (const a of Array.isArray(item.actions) ? item.actions : []) {
        const href = a && a.type === "link" ? safe(a.uri) : null;
        if (href) card.append(el("a", { href, rel: "noopener noreferrer", target: "_blank", text: String(a.text || href) }));
      }
      box.append(card);
    }
    return box;
  }

  // Five choices; the answer goes back as the message's submitted values.
  function ratingFor(m) {
    const box = el("div", { class: "rating", role: "group", "aria-label": t("rate") });
    const chosen = ((m.content_attributes || {}).submitted_values || {}).csat_survey_response;
    [1, 2, 3, 4, 5].forEach((n) => {
      box.append(el("button", {
        type: "button", text: `${n}\u2605`, "data-rating": String(n), "aria-label": `${n} / 5`,
        "aria-pressed": String(Boolean(chosen && chosen.rating === n)),
        onclick: async () => {
          try {
            const r = await api(`/messages/${m.id}`, { method: "PATCH", json: { message: { submitted_values: { csat_survey_response: { rating: n } } } } });
            render(r);
          } catch (_) { /* stays answerable */ }
        },
      }));
    });
    if (chosen) box.append(el("span", { class: "thanks", text: t("thanks") }));
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
      focusView();
      list.scrollTop = list.scrollHeight;
      if (state.hasConversation) api("/conversations/update_last_seen", { method: "POST" }).catch(() => {});
    } else if (state.bubble) {
      launcher.focus();
    }
    if (changed) emit(open ? "opened" : "closed");
  }

  // A message's text without its Markdown marks (for the preview).
  function plainText(content) {
    const box = el("div");
    box.append(...markdownNodes(content, document));
    for (const item of box.querySelectorAll("li")) item.prepend("\n• ");
    return box.textContent.replace(/^\n/, "");
  }

  // A closed widget shows the latest agent message above the bubble (its
  // text only), and says so to screen readers.
  function showPreview(m) {
    if (options.showUnreadMessagesDialog === false || !m.content) return;
    const who = author(m).name;
    const full = plainText(m.content);
    const text = full.length > 200 ? `${full.slice(0, 200)}…` : full;
    preview.textContent = "";
    if (who) preview.append(el("span", { class: "who" }, avatar(who, author(m).picture), el("span", { text: who })));
    preview.append(document.createTextNode(text));
    preview.hidden = false;
    announce.textContent = who ? t("newFrom", { name: who, text }) : t("newMessage", { text });
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
    showView("thread");
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
      const retry = () => { li.remove(); state.messages.delete(`echo:${echo}`); relayout(); send(content, chosen); };
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

  // "Anna is typing…" when the event names the agent, else "Agent is typing…".
  function showTyping(user) {
    state.typist = (user && (user.available_name || user.name)) || null;
    typing.textContent = state.typist ? t("typingNamed", { name: state.typist }) : t("typing");
    typing.hidden = state.view !== "thread";
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
        // A message from elsewhere (an agent wrote first, or another tab of
        // this visitor's) shows the conversation instead of the welcome card.
        if (event === "message.created" && data.message_type !== 2 && !data.private && state.view === "home") {
          state.hasConversation = true;
          showView("thread");
        }
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
        showTyping(data.user);
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

  // Up to five of the inbox's agents, with their pictures or initials, in
  // the header and on the welcome card; whether any of them is online.
  async function showTeam() {
    const r = await api("/inbox_members").catch(() => null);
    state.team = ((r && r.payload) || []).slice(0, 5);
    for (const box of root.querySelectorAll(".team")) {
      box.textContent = "";
      for (const a of state.team) {
        const s = el("span", { title: a.name, class: a.availability_status === "online" ? "online" : null });
        const src = pictureUrl(a.avatar_url);
        if (src) s.append(el("img", { src, alt: "" }));
        else s.textContent = initials(a.name);
        box.append(s);
      }
    }
    labels();
  }

  // The pre-chat form: asked once, before the first conversation.
  const STANDARD = { fullName: "name", emailAddress: "email", phoneNumber: "phone_number" };
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  function preChatFields() {
    const o = (state.config && state.config.pre_chat_form_options) || {};
    const fields = Array.isArray(o.pre_chat_fields) && o.pre_chat_fields.length
      ? o.pre_chat_fields.filter((f) => f.enabled !== false)
      : [{ name: "fullName", type: "text", required: false }, { name: "emailAddress", type: "email", required: true }];
    return { message: o.pre_chat_message, fields };
  }
  function showPreChat() {
    const { message, fields } = preChatFields();
    prechat.textContent = "";
    prechat.append(el("p", { text: message || t("prechat") }));
    [...fields, { name: "message", type: "textarea", required: true }].forEach((f, i) => {
      const id = `sb-field-${i}`;
      const field = f.type === "textarea"
        ? el("textarea", { id, name: f.name, rows: 3, required: Boolean(f.required) })
        : el("input", {
          id, name: f.name, required: Boolean(f.required),
          type: ["email", "number", "tel", "url", "date"].includes(f.type) ? f.type : "text",
          autocomplete: { fullName: "name", emailAddress: "email", phoneNumber: "tel" }[f.name],
        });
      // A corrected field loses its error as the visitor types.
      field.addEventListener("input", () => { if (field.getAttribute("aria-invalid") === "true" && !problem(field)) markField(field, ""); });
      prechat.append(el("div", { class: "field" },
        el("label", { for: id, text: (f.label || t(f.name)) + (f.required ? " *" : "") }),
        field,
        el("p", { class: "field-error", id: `${id}-error`, hidden: true })));
    });
    prechat.append(el("p", { class: "error sr", role: "alert" }), el("button", { type: "submit", text: t("start") }));
    showView("prechat");
  }
  // What is wrong with a field's value, if anything.
  function problem(field) {
    const v = field.value.trim();
    if (field.required && !v) return t("fieldRequired");
    if (field.type === "email" && v && !EMAIL.test(v)) return t("badEmail");
    return "";
  }
  // Shows (or clears) a field's error under it, linked to the field.
  function markField(field, message) {
    const note = prechat.querySelector(`#${field.id}-error`);
    note.textContent = message;
    note.hidden = !message;
    if (message) {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", note.id);
    } else {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    }
  }
  async function submitPreChat(e) {
    e.preventDefault();
    const fields = Array.from(prechat.querySelectorAll("input, textarea"));
    const summary = prechat.querySelector(".error");
    const wrong = [];
    for (const f of fields) {
      const p = problem(f);
      markField(f, p);
      if (p) wrong.push(f);
    }
    if (wrong.length) {
      // The summary stays for screen readers; each field shows its own error.
      summary.classList.add("sr");
      summary.textContent = wrong.some((f) => !f.value.trim()) ? t("required") : t("invalid");
      wrong[0].focus();
      return;
    }
    summary.textContent = "";
    const values = Object.fromEntries(fields.map((f) => [f.name, f.value.trim()]));
    const contact = {}, custom = {};
    for (const [name, value] of Object.entries(values)) {
      if (name === "message" || !value) continue;
      if (STANDARD[name]) contact[STANDARD[name]] = value; else custom[name] = value;
    }
    let started;
    try {
      started = await api("/conversations", { method: "POST", json: { contact, custom_attributes: custom, message: { content: values.message, referer_url: location.href } } });
    } catch (err) {
      summary.classList.remove("sr");
      summary.textContent = err.message;
      return;
    }
    noteConversation({ conversation_id: started && started.id });
    state.hasConversation = true;
    showView("thread");
    // The answer holds the new conversation's messages (the inbox's greeting
    // first, then the visitor's); anything after comes from the live connection.
    for (const m of (started && started.messages) || []) render(m);
    await loadMessages().catch(() => {});
    input.focus();
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
    setColour(state.config.widget_color);
    const features = state.config.enabled_features || [];
    $(".attach").hidden = !features.includes("attachments");
    labels();
    document.body.appendChild(host);
    showTeam();
    const current = await api("/conversations").catch(() => null);
    state.hasConversation = Boolean(current && current.id);
    state.conversationId = (current && current.id) || null;
    // A visitor without a conversation is welcomed first; one with a
    // conversation goes straight to it.
    if (state.hasConversation) {
      showView("thread");
      await loadMessages().catch(() => {});
    } else {
      showView("home");
    }
    connect();
    if (options.page) setOpen(true);
    bootedDone(true);
    emit("ready");
  }

  launcher.addEventListener("click", () => setOpen(!state.open));
  preview.addEventListener("click", () => setOpen(true));
  $(".close").addEventListener("click", () => setOpen(false));
  $(".popout").addEventListener("click", () => control.popout());
  $(".start").addEventListener("click", startConversation);
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
      composer.requestSubmit();
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
    if (dropped.length && state.view !== "prechat") send("", dropped);
  });
  prechat.addEventListener("submit", submitPreChat);
  composer.addEventListener("submit", (e) => {
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
      // Times and day names in the new language.
      for (const li of list.querySelectorAll(":scope > li.msg")) stampTime(li);
      relayout();
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
      position: d.position === "left" ? "left" : "right",
      // A launcher title shows beside the bubble's icon.
      launcherTitle: d.launcherTitle || undefined,
      type: d.launcherTitle ? "expanded_bubble" : "standard",
      darkMode: d.darkMode,
    });
    window.$switchboard = {
      status: w.status,
      reconnect: w.reconnect,
      toggle: w.toggle,
      setLocale: w.setLocale,
      setColorScheme: w.setColorScheme,
      setCustomAttributes: w.setCustomAttributes,
      setUser: w.setUser,
      reset: w.reset,
    };
  }
})();
