// The agents' dashboard: sign-in and the first screen (the account's open
// conversations and a conversation's thread). It talks to the Application
// API with the session cookie set at sign-in and sends the CSRF cookie back
// as X-CSRF-Token on every write.

const TEXT = {
  en: {
    title: "Sign in to Switchboard", email: "E-mail", password: "Password", signIn: "Sign in",
    signOut: "Sign out", badLogin: "Invalid e-mail or password.", tryLater: "Too many attempts; try again shortly.",
    failed: "Couldn't reach the server.", conversations: "Conversations", none: "No open conversations yet.",
    pick: "Choose a conversation.", thread: "Messages",
  },
  ru: {
    title: "Вход в Switchboard", email: "Эл. почта", password: "Пароль", signIn: "Войти",
    signOut: "Выйти", badLogin: "Неверная почта или пароль.", tryLater: "Слишком много попыток; попробуйте чуть позже.",
    failed: "Сервер недоступен.", conversations: "Разговоры", none: "Открытых разговоров пока нет.",
    pick: "Выберите разговор.", thread: "Сообщения",
  },
};
const locale = (navigator.language || "en").slice(0, 2) === "ru" ? "ru" : "en";
const t = (k) => TEXT[locale][k] || TEXT.en[k];
document.documentElement.lang = locale;

const root = document.getElementById("root");

function cookie(name) {
  const hit = document.cookie.split(";").map((c) => c.trim().split("=")).find(([k]) => k === name);
  return hit ? decodeURIComponent(hit[1] || "") : "";
}

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const method = options.method || "GET";
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = cookie("sb_csrf");
  if (options.json !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
  });
  if (r.status === 401) throw new Unauthorized();
  const body = await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(`HTTP ${r.status}`), { status: r.status, body });
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter(Boolean));
  return node;
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

async function start() {
  let profile;
  try {
    profile = await api("/api/v1/profile");
  } catch (e) {
    return signIn(e instanceof Unauthorized ? "" : t("failed"));
  }
  const account = profile.accounts && profile.accounts[0];
  const base = `/api/v1/accounts/${account ? account.id : profile.account_id}`;
  const list = el("ol", { class: "list", "aria-label": t("conversations") });
  const thread = el("ol", { class: "thread", role: "log", "aria-live": "polite", "aria-label": t("thread") },
    el("li", { class: "activity", text: t("pick") }));
  const signOut = el("button", { type: "button", text: t("signOut") });
  signOut.addEventListener("click", async () => {
    await api("/auth/sign_out", { method: "DELETE" }).catch(() => {});
    signIn();
  });
  root.replaceChildren(el("div", { class: "shell" },
    el("header", {},
      el("span", { class: "brand", text: "Switchboard" }),
      el("span", { class: "account", text: account ? account.name : "" }),
      el("span", { class: "who", text: profile.available_name || profile.name || profile.email }),
      signOut),
    el("div", { class: "panes" },
      el("nav", { "aria-label": t("conversations") }, list),
      el("section", { "aria-label": t("thread") }, thread))));
  root.setAttribute("aria-busy", "false");

  async function open(conv, button) {
    for (const b of list.querySelectorAll("button")) b.setAttribute("aria-current", String(b === button));
    const r = await api(`${base}/conversations/${conv.id}/messages`);
    thread.replaceChildren(...((r && r.payload) || []).map((m) => el("li", {
      class: m.message_type === 0 ? "in" : m.message_type === 2 ? "activity" : "out",
      text: m.content || "",
    })));
    thread.scrollTop = thread.scrollHeight;
  }

  try {
    const r = await api(`${base}/conversations?status=open&assignee_type=all`);
    const convs = (r && r.data && r.data.payload) || [];
    if (!convs.length) list.replaceWith(el("p", { class: "empty", text: t("none") }));
    for (const c of convs) {
      const last = c.last_non_activity_message || (c.messages || [])[0] || {};
      const name = (c.meta && c.meta.sender && c.meta.sender.name) || `#${c.id}`;
      const button = el("button", { type: "button", "data-conversation": String(c.id), "aria-current": "false" },
        el("span", { class: "name", text: name }),
        el("span", { class: "time", text: relative(c.last_activity_at || c.timestamp) }),
        el("span", { class: "preview", text: last.content || "" }),
        el("span", { class: "id", text: `#${c.id}` }));
      button.addEventListener("click", () => open(c, button).catch(() => {}));
      list.append(el("li", {}, button));
    }
  } catch (e) {
    if (e instanceof Unauthorized) return signIn();
    list.replaceWith(el("p", { class: "empty", role: "alert", text: t("failed") }));
  }
}

start();
