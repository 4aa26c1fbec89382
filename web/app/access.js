// Getting in without an administrator's help: "forgot password" (a link by
// e-mail), the page a reset link opens, the page an invitation link opens
// (join with your password, or choose one), and the notice of pending
// invitations after sign-in. Nobody sets another person's password.

import { api, el, locale } from "./lib.js";

const TEXT = {
  en: {
    forgot: "Forgot your password?", forgotTitle: "Reset your password", sendLink: "Send the link",
    forgotHint: "We'll e-mail a link to choose a new password if this address has a login.",
    backToSignIn: "Back to sign-in", email: "E-mail", password: "Password",
    newPassword: "New password", confirmPassword: "Repeat the new password", setPassword: "Set the password",
    resetDone: "Your password has been changed. Sign in with it.", mismatch: "The two passwords differ.",
    tooShort: "At least 8 characters.", badLink: "This link is invalid or has expired.", failed: "Couldn't reach the server.",
    tryLater: "Too many attempts; try again shortly.",
    joinTitle: "Join {account}", joinAs: "You are invited as {role} with the address {email}.",
    joinHint: "If you already use Switchboard, enter your password. Otherwise choose one (at least 8 characters).",
    yourName: "Your name", join: "Join", badPassword: "That is not the password of this login.",
    administrator: "an administrator", agent: "an agent",
    invitations: "Invitations", invitedTo: "{account} invited you to join as {role}.", accept: "Accept", decline: "Decline",
    noAccount: "You are not a member of any account yet. Ask an administrator to invite you.", signOut: "Sign out",
  },
  ru: {
    forgot: "Забыли пароль?", forgotTitle: "Сброс пароля", sendLink: "Отправить ссылку",
    forgotHint: "Если у этого адреса есть вход, мы пришлём ссылку, чтобы задать новый пароль.",
    backToSignIn: "Ко входу", email: "Эл. почта", password: "Пароль",
    newPassword: "Новый пароль", confirmPassword: "Новый пароль ещё раз", setPassword: "Задать пароль",
    resetDone: "Пароль изменён. Войдите с ним.", mismatch: "Пароли не совпадают.",
    tooShort: "Не короче 8 символов.", badLink: "Ссылка недействительна или устарела.", failed: "Сервер недоступен.",
    tryLater: "Слишком много попыток; попробуйте чуть позже.",
    joinTitle: "Присоединиться к {account}", joinAs: "Вас приглашают как {role}, адрес {email}.",
    joinHint: "Если вы уже работаете в Switchboard, введите свой пароль. Иначе придумайте пароль (не короче 8 символов).",
    yourName: "Ваше имя", join: "Присоединиться", badPassword: "Это не пароль от этого входа.",
    administrator: "администратора", agent: "агента",
    invitations: "Приглашения", invitedTo: "{account} приглашает вас как {role}.", accept: "Принять", decline: "Отклонить",
    noAccount: "Вы пока не состоите ни в одном аккаунте. Попросите администратора пригласить вас.", signOut: "Выйти",
  },
};
const t = (k) => TEXT[locale][k] || TEXT.en[k] || k;
const fill = (s, v) => s.replace(/\{(\w+)\}/g, (_, k) => (k in v ? v[k] : ""));

async function post(path, method, body) {
  const r = await fetch(path, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

function card(title, ...children) {
  return el("div", { class: "signin" }, el("form", { novalidate: "", "aria-labelledby": "access-title" },
    el("h1", { id: "access-title", text: title }), ...children));
}

const errorLine = () => el("p", { class: "error", role: "alert", id: "access-error" });
const noteLine = () => el("p", { class: "note", role: "status" });

// The "forgot password" form, in place of the sign-in form.
export function forgotPage(root, back) {
  const email = el("input", { type: "email", name: "email", autocomplete: "username", required: "", "aria-describedby": "access-error" });
  const error = errorLine();
  const note = noteLine();
  const send = el("button", { class: "primary", type: "submit", text: t("sendLink") });
  const home = el("button", { type: "button", class: "link", text: t("backToSignIn"), onclick: back });
  const view = card(t("forgotTitle"), el("p", { class: "hint", text: t("forgotHint") }), el("label", {}, t("email"), email), error, note, send, home);
  view.querySelector("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = note.textContent = "";
    send.disabled = true;
    try {
      const r = await post("/auth/password", "POST", { email: email.value.trim() });
      if (r.status === 429) error.textContent = t("tryLater");
      else if (r.body && r.body.message) note.textContent = r.body.message;
      else error.textContent = t("failed");
    } catch {
      error.textContent = t("failed");
    } finally {
      send.disabled = false;
    }
  });
  root.replaceChildren(view);
  email.focus();
}

function passwordPair() {
  const first = el("input", { type: "password", name: "password", autocomplete: "new-password", required: "", minlength: "8", "aria-describedby": "access-error" });
  const second = el("input", { type: "password", name: "password_confirmation", autocomplete: "new-password", required: "", "aria-describedby": "access-error" });
  return { first, second, nodes: [el("label", {}, t("newPassword"), first), el("label", {}, t("confirmPassword"), second)] };
}

// The page a reset link opens (`#/reset-password/<token>`).
export function resetPage(root, token, done) {
  const pw = passwordPair();
  const error = errorLine();
  const save = el("button", { class: "primary", type: "submit", text: t("setPassword") });
  const view = card(t("forgotTitle"), ...pw.nodes, error, save);
  view.querySelector("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    if (pw.first.value.length < 8) { error.textContent = t("tooShort"); return pw.first.focus(); }
    if (pw.first.value !== pw.second.value) { error.textContent = t("mismatch"); return pw.second.focus(); }
    save.disabled = true;
    try {
      const r = await post("/auth/password", "PUT", { reset_password_token: token, password: pw.first.value, password_confirmation: pw.second.value });
      if (r.status === 200) {
        history.replaceState(null, "", location.pathname);
        return done(t("resetDone"));
      }
      error.textContent = r.status === 429 ? t("tryLater") : (r.body && r.body.message) || t("badLink");
    } catch {
      error.textContent = t("failed");
    } finally {
      save.disabled = false;
    }
  });
  root.replaceChildren(view);
  pw.first.focus();
}

// The page an invitation link opens (`#/invitation/<token>`): it says which
// account invites, and asks for "your password, or a new one" (it cannot
// tell which, by design).
export async function invitationPage(root, token, joined, back) {
  let info;
  try {
    const r = await fetch(`/auth/invitation?token=${encodeURIComponent(token)}`, { headers: { Accept: "application/json" } });
    info = r.ok ? await r.json() : null;
  } catch {
    info = null;
  }
  if (!info) {
    const home = el("button", { type: "button", class: "primary", text: t("backToSignIn"), onclick: back });
    root.replaceChildren(card(t("invitations"), el("p", { class: "error", role: "alert", text: t("badLink") }), home));
    return home.focus();
  }
  const name = el("input", { name: "name", autocomplete: "name", value: info.name || "" });
  const pw = el("input", { type: "password", name: "password", autocomplete: "current-password", required: "", "aria-describedby": "access-error join-hint" });
  const error = errorLine();
  const go = el("button", { class: "primary", type: "submit", text: t("join") });
  const view = card(fill(t("joinTitle"), { account: info.account_name }),
    el("p", { text: fill(t("joinAs"), { role: t(info.role === "administrator" ? "administrator" : "agent"), email: info.email }) }),
    el("label", {}, t("yourName"), name),
    el("label", {}, t("password"), pw),
    el("p", { class: "hint", id: "join-hint", text: t("joinHint") }),
    error, go);
  view.querySelector("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    go.disabled = true;
    try {
      const r = await post("/auth/invitation", "POST", { token, password: pw.value, name: name.value.trim() });
      if (r.status === 200) {
        history.replaceState(null, "", location.pathname);
        return joined();
      }
      error.textContent = r.status === 401 ? t("badPassword") : r.status === 429 ? t("tryLater")
        : (r.body && r.body.message) || t("failed");
    } catch {
      error.textContent = t("failed");
    } finally {
      go.disabled = false;
    }
    pw.select();
  });
  root.replaceChildren(view);
  pw.focus();
}

// Pending invitations, shown as a notice at the top of the dashboard; an
// accepted one reloads the dashboard (a new account to work in).
export async function invitationsNotice(reload) {
  let list = [];
  try {
    list = (await api("/api/v1/profile/invitations")) || [];
  } catch {
    return null;
  }
  if (!list.length) return null;
  const box = el("section", { class: "invitations-notice", "aria-label": t("invitations") });
  for (const inv of list) {
    const alert = el("span", { class: "error", role: "alert" });
    const row = el("p", { "data-invitation": String(inv.id) },
      el("span", { text: fill(t("invitedTo"), { account: inv.account_name, role: t(inv.role === "administrator" ? "administrator" : "agent") }) }));
    const act = (method, path) => async () => {
      alert.textContent = "";
      try {
        await api(path, { method });
        row.remove();
        if (!box.querySelector("p")) box.remove();
        if (method === "POST") {
          // Accepting takes you to the account you joined.
          localStorage.setItem("sb:account", String(inv.account_id));
          reload();
        }
      } catch {
        alert.textContent = t("failed");
      }
    };
    row.append(
      el("button", { type: "button", class: "primary", text: t("accept"), onclick: act("POST", `/api/v1/profile/invitations/${inv.id}/accept`) }),
      el("button", { type: "button", text: t("decline"), onclick: act("DELETE", `/api/v1/profile/invitations/${inv.id}`) }),
      alert);
    box.append(row);
  }
  return box;
}

// A signed-in person without any account: their invitations, or a note.
export async function noAccountPage(root, reload, signOut) {
  const notice = await invitationsNotice(reload);
  const out = el("button", { type: "button", text: t("signOut"), onclick: signOut });
  root.replaceChildren(el("div", { class: "signin" }, el("div", { class: "card no-account" },
    notice || el("p", { text: t("noAccount") }), out)));
}
