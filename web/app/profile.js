// The signed-in agent's profile: name, display name, signature and picture;
// availability; theme and interface language (kept in this browser); password
// change (other sessions end, this tab signs itself back in); the API access
// token, shown on request, copied, and reset; browser notifications (push.js).

import { Unauthorized, api, avatar, cookie, el, errorMessage, field, locale, setLocale, setTheme, theme } from "./lib.js";
import { pushCard } from "./push.js";

const TEXT = {
  en: {
    profile: "Profile", personal: "Personal details", name: "Full name", displayName: "Display name",
    displayHint: "Shown to customers and teammates instead of your full name when set.",
    signature: "Message signature", signatureHint: "Kept with your profile for your replies.",
    save: "Save", saved: "Saved.", failed: "Couldn't save: ", loadFailed: "Couldn't load your profile.", retry: "Retry",
    picture: "Profile picture", upload: "Upload picture", change: "Change picture", remove: "Remove picture",
    pictureHint: "PNG, JPEG, GIF or WebP, up to 5 MB.", tooBig: "The picture is larger than 5 MB.",
    badType: "Choose a PNG, JPEG, GIF or WebP picture.", uploading: "Uploading…", pictureSaved: "Picture updated.",
    pictureRemoved: "Picture removed.", chooseFile: "Picture file",
    availability: "Availability", availabilityHint: "What teammates see beside your name.",
    online: "Online", busy: "Busy", offline: "Offline",
    work: "Working preferences", openNext: "After resolving a conversation, open the next one",
    openNextHint: "Resolving with the button, E or the command palette then moves to the next conversation in the list.",
    density: "Conversation list", comfortable: "Comfortable (three lines a conversation)", compact: "Compact (two lines, more on screen)",
    appearance: "Appearance and language", theme: "Theme", light: "Light", dark: "Dark", system: "As the system",
    language: "Interface language", browser: "As the browser", languageHint: "The page reloads in the chosen language.",
    password: "Password", currentPassword: "Current password", newPassword: "New password",
    confirmPassword: "Repeat the new password", changePassword: "Change password",
    passwordHint: "At least 8 characters. Your other sessions are signed out when it changes.",
    mismatch: "The passwords don't match.", wrongPassword: "The current password is incorrect.",
    tooShort: "Too short: use at least 8 characters.", required: "Required.",
    passwordChanged: "Password changed. Your other sessions were signed out.",
    token: "API access token",
    tokenHint: "Scripts and integrations use it (header api_access_token) to act as you. Keep it secret.",
    show: "Show", hide: "Hide", copy: "Copy", copied: "Copied.", reset: "Reset token",
    resetConfirm: "Anything using the current token stops working at once.", resetYes: "Reset now", cancel: "Cancel",
    resetDone: "A new token was issued; the old one no longer works.", hidden: "Hidden",
    sessions: "Sessions", signOutHere: "Sign out", everywhere: "Sign out everywhere", everywhereYes: "Sign out everywhere now",
    everywhereHint: "Ends every session on every device, this one too, and replaces your API token. Use it when a device is lost or the token leaked. Your password stays.",
  },
  ru: {
    profile: "Профиль", personal: "Личные данные", name: "Полное имя", displayName: "Отображаемое имя",
    displayHint: "Если задано, клиенты и коллеги видят его вместо полного имени.",
    signature: "Подпись к сообщениям", signatureHint: "Хранится в профиле для ваших ответов.",
    save: "Сохранить", saved: "Сохранено.", failed: "Не сохранено: ", loadFailed: "Не удалось загрузить профиль.", retry: "Повторить",
    picture: "Фото профиля", upload: "Загрузить фото", change: "Сменить фото", remove: "Удалить фото",
    pictureHint: "PNG, JPEG, GIF или WebP, до 5 МБ.", tooBig: "Фото больше 5 МБ.",
    badType: "Выберите картинку PNG, JPEG, GIF или WebP.", uploading: "Загрузка…", pictureSaved: "Фото обновлено.",
    pictureRemoved: "Фото удалено.", chooseFile: "Файл с фото",
    availability: "Статус", availabilityHint: "Его видят коллеги рядом с вашим именем.",
    online: "На связи", busy: "Занят", offline: "Не в сети",
    work: "Работа", openNext: "Решив разговор, открывать следующий",
    openNextHint: "После «Решить» (кнопкой, клавишей E или из палитры команд) откроется следующий разговор списка.",
    density: "Список разговоров", comfortable: "Просторный (три строки на разговор)", compact: "Компактный (две строки, больше на экране)",
    appearance: "Оформление и язык", theme: "Тема", light: "Светлая", dark: "Тёмная", system: "Как в системе",
    language: "Язык интерфейса", browser: "Как в браузере", languageHint: "Страница перезагрузится на выбранном языке.",
    password: "Пароль", currentPassword: "Текущий пароль", newPassword: "Новый пароль",
    confirmPassword: "Новый пароль ещё раз", changePassword: "Сменить пароль",
    passwordHint: "Не короче 8 символов. После смены другие сеансы завершаются.",
    mismatch: "Пароли не совпадают.", wrongPassword: "Текущий пароль неверен.",
    tooShort: "Слишком короткий: нужно не меньше 8 символов.", required: "Обязательное поле.",
    passwordChanged: "Пароль изменён. Другие сеансы завершены.",
    token: "Токен доступа к API",
    tokenHint: "С ним скрипты и интеграции действуют от вашего имени (заголовок api_access_token). Храните его в тайне.",
    show: "Показать", hide: "Скрыть", copy: "Копировать", copied: "Скопировано.", reset: "Сбросить токен",
    resetConfirm: "Всё, что использует текущий токен, сразу перестанет работать.", resetYes: "Сбросить", cancel: "Отмена",
    resetDone: "Выдан новый токен; старый больше не действует.", hidden: "Скрыт",
    sessions: "Сеансы", signOutHere: "Выйти", everywhere: "Выйти на всех устройствах", everywhereYes: "Выйти везде сейчас",
    everywhereHint: "Завершает все сеансы на всех устройствах, включая этот, и заменяет токен API. Пригодится, если устройство потеряно или токен утёк. Пароль не меняется.",
  },
};
const t = (k) => TEXT[locale][k] || TEXT.en[k];

const FLASH = "sb:profile-flash";
const PICTURE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const PICTURE_MAX = 5 * 1024 * 1024;

// The header's name, picture and availability follow changes made here.
function paintHeader(profile) {
  const who = document.querySelector(".shell > header .who");
  if (who) {
    const name = profile.available_name || profile.name || profile.email;
    who.replaceChildren(avatar(name, profile.avatar_url, "sm"), el("span", { text: name }));
  }
}
function paintHeaderAvailability(value) {
  const select = document.querySelector(".shell > header select.availability");
  if (select) {
    select.value = value;
    select.dataset.status = value;
  }
}

// A card section with a heading tied to it.
let seq = 0;
function section(title, ...children) {
  const id = `pf-h${++seq}`;
  return el("section", { class: "pf-card", "aria-labelledby": id }, el("h2", { id, text: title }), ...children);
}

function hint(text) {
  const id = `pf-d${++seq}`;
  return el("p", { class: "hint", id, text });
}

// A status line (polite) for what just happened.
function status() {
  return el("p", { class: "status", role: "status" });
}

// A radio group with a legend; `onChange(value)` on a choice.
function radios(legend, name, options, current, onChange) {
  const inputs = options.map(([value, label]) => {
    const input = el("input", { type: "radio", name, value });
    input.checked = value === current;
    input.addEventListener("change", () => { if (input.checked) onChange(value, input); });
    return el("label", { class: "choice" }, input, el("span", { text: label }));
  });
  return el("fieldset", { class: "choices" }, el("legend", { text: legend }), ...inputs);
}

function fieldError(input) {
  const id = `pf-e${++seq}`;
  const node = el("p", { class: "field-error", id });
  const describedBy = input.getAttribute("aria-describedby");
  input.setAttribute("aria-describedby", describedBy ? `${describedBy} ${id}` : id);
  return {
    node,
    set(message) {
      node.textContent = message || "";
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    },
  };
}

export async function render(container, ctx) {
  const failedAuth = (e) => { if (e instanceof Unauthorized) { ctx.signIn(); return true; } return false; };
  let me;
  try {
    me = await api("/api/v1/profile");
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    const retry = el("button", { type: "button", text: t("retry") });
    retry.addEventListener("click", () => render(container, ctx).catch((err) => failedAuth(err)));
    container.replaceChildren(el("div", { class: "page profile-page" },
      el("h1", { text: t("profile") }), el("p", { class: "load-error", role: "alert" }, `${t("loadFailed")} `, retry)));
    return;
  }
  Object.assign(ctx.profile, me);
  const flash = el("p", { class: "flash", role: "status" });
  const pending = sessionStorage.getItem(FLASH);
  if (pending) {
    flash.textContent = pending;
    sessionStorage.removeItem(FLASH);
  }

  // ---- picture ----
  const pictureBox = el("div", { class: "pf-picture" });
  const fileInput = el("input", { type: "file", accept: PICTURE_TYPES.join(","), class: "sr", tabindex: "-1", "aria-label": t("chooseFile") });
  const uploadButton = el("button", { type: "button" });
  const removeButton = el("button", { type: "button", text: t("remove") });
  const pictureStatus = status();
  const pictureError = el("p", { class: "error", role: "alert" });
  function paintPicture() {
    const name = me.available_name || me.name;
    const pic = avatar(name, me.avatar_url, "lg");
    pic.classList.add("pf-avatar");
    if (me.avatar_url) pic.setAttribute("alt", t("picture"));
    pictureBox.replaceChildren(pic);
    uploadButton.textContent = me.avatar_url ? t("change") : t("upload");
    removeButton.hidden = !me.avatar_url;
  }
  uploadButton.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    pictureError.textContent = "";
    pictureStatus.textContent = "";
    if (!file) return;
    if (!PICTURE_TYPES.includes(file.type)) { pictureError.textContent = t("badType"); return; }
    if (file.size > PICTURE_MAX) { pictureError.textContent = t("tooBig"); return; }
    const form = new FormData();
    form.append("profile[avatar]", file, file.name);
    uploadButton.disabled = true;
    pictureStatus.textContent = t("uploading");
    try {
      const r = await fetch("/api/v1/profile", {
        method: "PUT", credentials: "same-origin", body: form,
        headers: { Accept: "application/json", "X-CSRF-Token": cookie("sb_csrf") },
      });
      if (r.status === 401) { ctx.signIn(); return; }
      const body = await r.json().catch(() => null);
      if (!r.ok) throw Object.assign(new Error(`HTTP ${r.status}`), { status: r.status, body });
      me = Object.assign(me, body);
      Object.assign(ctx.profile, body);
      paintPicture();
      paintHeader(me);
      pictureStatus.textContent = t("pictureSaved");
    } catch (e) {
      pictureStatus.textContent = "";
      pictureError.textContent = e.status === 413 ? t("tooBig") : t("failed") + errorMessage(e);
    } finally {
      uploadButton.disabled = false;
    }
  });
  removeButton.addEventListener("click", async () => {
    pictureError.textContent = "";
    removeButton.disabled = true;
    try {
      const body = await api("/api/v1/profile/avatar", { method: "DELETE" });
      me = Object.assign(me, body, { avatar_url: (body && body.avatar_url) || "" });
      Object.assign(ctx.profile, me);
      paintPicture();
      paintHeader(me);
      pictureStatus.textContent = t("pictureRemoved");
      uploadButton.focus();
    } catch (e) {
      if (!failedAuth(e)) pictureError.textContent = t("failed") + errorMessage(e);
    } finally {
      removeButton.disabled = false;
    }
  });
  paintPicture();
  const pictureHint = hint(t("pictureHint"));
  const pictureCard = section(t("picture"),
    el("div", { class: "pf-picture-row" }, pictureBox,
      el("div", { class: "pf-picture-actions" },
        el("div", { class: "row" }, uploadButton, removeButton, fileInput), pictureHint, pictureError, pictureStatus)));

  // ---- name, display name, signature ----
  const nameInput = el("input", { name: "name", autocomplete: "name", required: "", maxlength: "255" });
  nameInput.value = me.name || "";
  const displayInput = el("input", { name: "display_name", autocomplete: "nickname", maxlength: "255" });
  displayInput.value = me.display_name || "";
  const displayHint = hint(t("displayHint"));
  displayInput.setAttribute("aria-describedby", displayHint.id);
  const signatureInput = el("textarea", { name: "message_signature", rows: "3" });
  signatureInput.value = me.message_signature || "";
  const signatureHint = hint(t("signatureHint"));
  signatureInput.setAttribute("aria-describedby", signatureHint.id);
  const nameError = fieldError(nameInput);
  const detailsError = el("p", { class: "error", role: "alert" });
  const detailsStatus = status();
  const detailsForm = el("form", { class: "pf-form", novalidate: "" },
    el("div", { class: "grid2" },
      el("div", {}, field(t("name"), nameInput), nameError.node),
      el("div", {}, field(t("displayName"), displayInput), displayHint)),
    field(t("signature"), signatureInput), signatureHint,
    detailsError,
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary", text: t("save") }), detailsStatus));
  detailsForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    detailsError.textContent = "";
    detailsStatus.textContent = "";
    nameError.set("");
    if (!nameInput.value.trim()) { nameError.set(t("required")); nameInput.focus(); return; }
    try {
      const body = await api("/api/v1/profile", { method: "PUT", json: {
        name: nameInput.value.trim(), display_name: displayInput.value.trim(), message_signature: signatureInput.value,
      } });
      me = Object.assign(me, body);
      Object.assign(ctx.profile, body);
      paintHeader(me);
      paintPicture();
      detailsStatus.textContent = t("saved");
    } catch (err) {
      if (failedAuth(err)) return;
      const attrs = (err.body && err.body.attributes) || [];
      if (attrs.includes("name")) { nameError.set(errorMessage(err)); nameInput.focus(); }
      else detailsError.textContent = t("failed") + errorMessage(err);
    }
  });
  const detailsCard = section(t("personal"), el("p", { class: "meta", text: me.email }), detailsForm);

  // ---- availability ----
  const availabilityStatus = status();
  const availabilityError = el("p", { class: "error", role: "alert" });
  let availability = me.availability_status || me.availability || "online";
  const availabilityGroup = radios(t("availability"), "pf-availability",
    ["online", "busy", "offline"].map((v) => [v, t(v)]), availability, async (value) => {
      availabilityError.textContent = "";
      availabilityStatus.textContent = "";
      try {
        await api("/api/v1/profile", { method: "PUT", json: { availability: value } });
        availability = value;
        paintHeaderAvailability(value);
        availabilityStatus.textContent = t("saved");
      } catch (err) {
        if (failedAuth(err)) return;
        availabilityError.textContent = t("failed") + errorMessage(err);
        for (const r of availabilityGroup.querySelectorAll("input")) r.checked = r.value === availability;
      }
    });
  availabilityGroup.classList.add("pf-availability");
  availabilityGroup.querySelector("legend").classList.add("sr"); // the card's heading says it
  const availabilityCard = section(t("availability"), hint(t("availabilityHint")), availabilityGroup, availabilityError, availabilityStatus);

  // ---- working preferences (ui_settings, so they follow the agent) ----
  const ui = () => Object.assign({}, ctx.profile.ui_settings || {});
  const workStatus = status();
  const workError = el("p", { class: "error", role: "alert" });
  async function savePreference(key, value, undo) {
    workError.textContent = workStatus.textContent = "";
    try {
      await ctx.savePreference(key, value);
      workStatus.textContent = t("saved");
    } catch (e) {
      if (failedAuth(e)) return;
      undo();
      workError.textContent = t("failed") + errorMessage(e);
    }
  }
  const openNext = el("input", { type: "checkbox", name: "open_next_after_resolve" });
  openNext.checked = ui().open_next_after_resolve === true;
  const openNextHint = hint(t("openNextHint"));
  openNext.setAttribute("aria-describedby", openNextHint.id);
  openNext.addEventListener("change", () => savePreference("open_next_after_resolve", openNext.checked, () => { openNext.checked = !openNext.checked; }));
  const densityGroup = radios(t("density"), "pf-density", [["comfortable", t("comfortable")], ["compact", t("compact")]],
    ui().conversation_list_density === "compact" ? "compact" : "comfortable",
    (value) => {
      const before = ui().conversation_list_density === "compact" ? "compact" : "comfortable";
      savePreference("conversation_list_density", value, () => {
        const back = densityGroup.querySelector(`input[value="${before}"]`);
        if (back) back.checked = true;
      });
    });
  const workCard = section(t("work"), el("label", { class: "choice" }, openNext, el("span", { text: t("openNext") })), openNextHint,
    densityGroup, workError, workStatus);

  // ---- theme and language ----
  const themeGroup = radios(t("theme"), "pf-theme",
    [["light", t("light")], ["dark", t("dark")], ["system", t("system")]], theme(), (value) => setTheme(value));
  const chosen = localStorage.getItem("sb:locale");
  const languageSelect = el("select", { name: "locale" },
    el("option", { value: "", text: t("browser") }),
    el("option", { value: "en", lang: "en", text: "English" }),
    el("option", { value: "ru", lang: "ru", text: "Русский" }));
  languageSelect.value = chosen === "en" || chosen === "ru" ? chosen : "";
  const languageHint = hint(t("languageHint"));
  languageSelect.setAttribute("aria-describedby", languageHint.id);
  languageSelect.addEventListener("change", () => {
    setLocale(languageSelect.value || null);
    location.reload();
  });
  const appearanceCard = section(t("appearance"), themeGroup,
    el("div", { class: "pf-language" }, field(t("language"), languageSelect), languageHint));

  // ---- password ----
  const username = el("input", { type: "email", autocomplete: "username", hidden: "", tabindex: "-1", "aria-hidden": "true" });
  username.value = me.email || "";
  const current = el("input", { type: "password", name: "current_password", autocomplete: "current-password", required: "" });
  const fresh = el("input", { type: "password", name: "password", autocomplete: "new-password", required: "", minlength: "8" });
  const again = el("input", { type: "password", name: "password_confirmation", autocomplete: "new-password", required: "" });
  const passwordHint = hint(t("passwordHint"));
  fresh.setAttribute("aria-describedby", passwordHint.id);
  const errors = { current_password: fieldError(current), password: fieldError(fresh), password_confirmation: fieldError(again) };
  const passwordError = el("p", { class: "error", role: "alert" });
  const passwordStatus = status();
  const passwordButton = el("button", { type: "submit", class: "primary", text: t("changePassword") });
  const passwordForm = el("form", { class: "pf-form", novalidate: "" }, username,
    el("div", {}, field(t("currentPassword"), current), errors.current_password.node),
    el("div", { class: "grid2" },
      el("div", {}, field(t("newPassword"), fresh), passwordHint, errors.password.node),
      el("div", {}, field(t("confirmPassword"), again), errors.password_confirmation.node)),
    passwordError,
    el("div", { class: "row" }, passwordButton, passwordStatus));
  passwordForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const x of Object.values(errors)) x.set("");
    passwordError.textContent = "";
    passwordStatus.textContent = "";
    const local = [];
    if (!current.value) local.push(["current_password", t("required"), current]);
    if (fresh.value.length < 8) local.push(["password", t("tooShort"), fresh]);
    else if (again.value !== fresh.value) local.push(["password_confirmation", t("mismatch"), again]);
    if (local.length) {
      for (const [k, m] of local) errors[k].set(m);
      local[0][2].focus();
      return;
    }
    passwordButton.disabled = true;
    try {
      await api("/api/v1/profile", { method: "PUT", json: {
        current_password: current.value, password: fresh.value, password_confirmation: again.value,
      } });
    } catch (err) {
      passwordButton.disabled = false;
      if (failedAuth(err)) return;
      const attr = ((err.body && err.body.attributes) || [])[0];
      if (attr === "current_password") { errors.current_password.set(t("wrongPassword")); current.select(); }
      else if (attr === "password") { errors.password.set(/short/i.test(errorMessage(err)) ? t("tooShort") : errorMessage(err)); fresh.focus(); }
      else if (attr === "password_confirmation") { errors.password_confirmation.set(t("mismatch")); again.focus(); }
      else passwordError.textContent = t("failed") + errorMessage(err);
      return;
    }
    // The server ended every other session and gave this browser a fresh
    // one; reload so the live connection picks up the new credentials.
    sessionStorage.setItem(FLASH, t("passwordChanged"));
    location.reload();
  });
  const passwordCard = section(t("password"), passwordForm);

  // ---- API access token ----
  let token = me.access_token || "";
  let shown = false;
  const tokenCode = el("code", { class: "pf-token", id: "pf-token" });
  const showButton = el("button", { type: "button", "aria-controls": "pf-token", "aria-pressed": "false" });
  const copyButton = el("button", { type: "button", text: t("copy") });
  const resetButton = el("button", { type: "button", class: "danger", text: t("reset"), "aria-expanded": "false" });
  const tokenStatus = status();
  const tokenError = el("p", { class: "error", role: "alert" });
  function paintToken() {
    if (shown) tokenCode.textContent = token;
    else tokenCode.replaceChildren(el("span", { "aria-hidden": "true", text: "•".repeat(Math.min(24, token.length || 24)) }),
      el("span", { class: "sr", text: t("hidden") }));
    showButton.textContent = shown ? t("hide") : t("show");
    showButton.setAttribute("aria-pressed", String(shown));
  }
  showButton.addEventListener("click", () => { shown = !shown; paintToken(); });
  copyButton.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(token);
    } catch {
      shown = true;
      paintToken();
      const range = document.createRange();
      range.selectNodeContents(tokenCode);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    tokenStatus.textContent = t("copied");
  });
  const confirmYes = el("button", { type: "button", class: "danger", text: t("resetYes") });
  const confirmNo = el("button", { type: "button", text: t("cancel") });
  const confirmBox = el("div", { class: "pf-confirm", role: "group", "aria-label": t("reset"), hidden: "" },
    el("p", { text: t("resetConfirm") }), el("div", { class: "row" }, confirmYes, confirmNo));
  function closeConfirm(focus) {
    confirmBox.hidden = true;
    resetButton.setAttribute("aria-expanded", "false");
    if (focus) resetButton.focus();
  }
  resetButton.addEventListener("click", () => {
    tokenStatus.textContent = "";
    confirmBox.hidden = false;
    resetButton.setAttribute("aria-expanded", "true");
    confirmNo.focus();
  });
  confirmNo.addEventListener("click", () => closeConfirm(true));
  confirmBox.addEventListener("keydown", (e) => { if (e.key === "Escape") closeConfirm(true); });
  confirmYes.addEventListener("click", async () => {
    tokenError.textContent = "";
    confirmYes.disabled = true;
    try {
      const body = await api("/api/v1/profile/reset_access_token", { method: "POST" });
      token = (body && body.access_token) || token;
      me.access_token = token;
      ctx.profile.access_token = token;
      paintToken();
      closeConfirm(true);
      tokenStatus.textContent = t("resetDone");
    } catch (err) {
      if (!failedAuth(err)) tokenError.textContent = t("failed") + errorMessage(err);
    } finally {
      confirmYes.disabled = false;
    }
  });
  paintToken();
  const tokenCard = section(t("token"), hint(t("tokenHint")),
    el("div", { class: "pf-token-row" }, tokenCode, showButton, copyButton, resetButton),
    confirmBox, tokenError, tokenStatus);

  // Sign out everywhere: two steps, like the token reset.
  const everywhere = el("button", { type: "button", class: "danger", text: t("everywhere"), "aria-expanded": "false" });
  const everywhereYes = el("button", { type: "button", class: "danger", text: t("everywhereYes") });
  const everywhereNo = el("button", { type: "button", text: t("cancel") });
  const everywhereBox = el("div", { class: "pf-confirm", role: "group", "aria-label": t("everywhere"), hidden: "" }, everywhereYes, everywhereNo);
  const everywhereError = el("p", { class: "error", role: "alert" });
  everywhere.addEventListener("click", () => {
    everywhereBox.hidden = false;
    everywhere.setAttribute("aria-expanded", "true");
    everywhereNo.focus();
  });
  everywhereNo.addEventListener("click", () => {
    everywhereBox.hidden = true;
    everywhere.setAttribute("aria-expanded", "false");
    everywhere.focus();
  });
  everywhereYes.addEventListener("click", async () => {
    everywhereError.textContent = "";
    everywhereYes.disabled = true;
    try {
      await api("/api/v1/profile/sessions", { method: "DELETE" });
      ctx.signIn();
    } catch (err) {
      if (!failedAuth(err)) everywhereError.textContent = t("failed") + errorMessage(err);
      everywhereYes.disabled = false;
    }
  });
  const signOutHere = el("button", { type: "button", text: t("signOutHere") });
  signOutHere.addEventListener("click", () => { if (ctx.signOut) ctx.signOut(); });
  const sessionsCard = section(t("sessions"), hint(t("everywhereHint")), el("div", { class: "pf-actions" }, signOutHere, everywhere),
    everywhereBox, everywhereError);

  container.replaceChildren(el("div", { class: "page profile-page" },
    el("div", { class: "pf-head" }, el("h1", { text: t("profile") }), flash),
    pictureCard, detailsCard, availabilityCard, workCard, pushCard(section), appearanceCard, passwordCard, tokenCard,
    sessionsCard));
}
