// The agents' dashboard: sign-in, then three columns (the conversation list
// with its sidebar, the open conversation, the contact panel), the search
// box, contacts, profile and settings pages, all kept live over /cable. It
// talks to the Application API with the session cookie set at sign-in and
// sends the CSRF cookie back as X-CSRF-Token on every write.

import { Unauthorized, api, avatar, el, icon, load, locale, setTheme } from "./lib.js";
import { createList } from "./list.js";
import { createConversation } from "./thread.js";
import { createPanel } from "./panel.js";
import { createSearch } from "./search.js";
import { createPalette } from "./palette.js";
import { createBell } from "./bell.js";
import { render as contactsPage } from "./contacts.js";
import { render as profilePage } from "./profile.js";
import { render as macrosPage } from "./macros.js";
import { render as settingsPage } from "./settings.js";
import { leaveQueue, queueEvent, render as queuePage } from "./queue.js";
import { rt } from "./routing-text.js";
import { forgotPage, invitationPage, invitationsNotice, noAccountPage, resetPage } from "./access.js";

const TEXT = {
  en: {
    title: "Sign in to Switchboard", forgot: "Forgot your password?", account: "Account", email: "E-mail", password: "Password", signIn: "Sign in",
    signOut: "Sign out", badLogin: "Invalid e-mail or password.", tryLater: "Too many attempts; try again shortly.",
    failed: "Couldn't reach the server.", conversations: "Conversations", none: "No conversations here.",
    emptyMine: "Nothing assigned to you; {n} waiting in Unassigned.", emptyTakeOne: "Open Unassigned",
    emptyFiltered: "No conversations match this view.", emptyOpen: "No open conversations: you're all caught up.",
    emptyOpenTab: "No open conversations here.", emptyOpenHint: "New conversations from your inboxes appear here as they arrive.",
    emptyStatus: "No {status} conversations here.", emptyNoInboxes: "No inboxes yet.",
    emptyNoInboxesAdmin: "Add an inbox (a website widget, e-mail, Telegram, WhatsApp or the API) to start receiving conversations.",
    emptyNoInboxesAgent: "Ask an administrator to add you to an inbox.", emptyAddInbox: "Add an inbox",
    pick: "Choose a conversation.", thread: "Messages", reply: "Reply", note: "Private note",
    mode: "Message type", send: "Send", replyLabel: "Reply to the customer", noteLabel: "Private note for the team",
    replyPlaceholder: "Reply… (Enter sends, Shift+Enter for a new line)", notePlaceholder: "Only your team sees this note",
    today: "Today", yesterday: "Yesterday", backToList: "Back to the list",
    select: "Select", selectPage: "Select all on this page", nSelected: "{n} selected", bulkBar: "Change the selected conversations",
    bulkAssign: "Assign to", bulkTeam: "Team", bulkLabel: "Add label", bulkStatus: "Change status", bulkSnooze: "Snooze until tomorrow", bulkClear: "Clear selection", bulkMacro: "Run macro",
    // Activity lines by what they say (content_attributes.activity).
    act_resolved: "Conversation was resolved", act_resolved_by: "Conversation was resolved by {actor}",
    act_reopened: "Conversation was reopened", act_reopened_by: "Conversation was reopened by {actor}",
    act_pending: "Conversation was marked as pending", act_pending_by: "Conversation was marked as pending by {actor}",
    act_snoozed: "Conversation was snoozed", act_snoozed_by: "Conversation was snoozed by {actor}",
    act_muted_by: "{actor} has muted the conversation", act_unmuted_by: "{actor} has unmuted the conversation",
    act_self_assigned: "{actor} self-assigned this conversation",
    act_assigned: "Assigned to {assignee}", act_assigned_by: "Assigned to {assignee} by {actor}",
    act_unassigned: "Conversation unassigned", act_unassigned_by: "Conversation unassigned by {actor}",
    act_team_assigned: "Assigned to {team}", act_team_assigned_by: "Assigned to {team} by {actor}",
    act_team_removed: "Unassigned from {team}", act_team_removed_by: "Unassigned from {team} by {actor}",
    act_team_none: "Team unassigned", act_team_none_by: "Team unassigned by {actor}",
    act_priority_set_by: "{actor} set the priority to {new}", act_priority_changed_by: "{actor} changed the priority from {old} to {new}",
    act_priority_removed_by: "{actor} removed the priority",
    act_labels_added_by: "{actor} added {labels}", act_labels_removed_by: "{actor} removed {labels}",
    keyResolveNext: "Resolve, then open the next", keySnooze: "Snooze…", keyPriority: "Priority…", keyTeam: "Team…", keyLabel: "Add a label…", keyTabs: "Mine, Unassigned, All",
    keyNextAnywhere: "Next conversation, also while typing", keyPrevAnywhere: "Previous conversation, also while typing",
    keyPalette: "Command palette: every action by name",
    // One conversation's status (the plurals above name lists of them).
    one_open: "Open", one_pending: "Pending", one_snoozed: "Snoozed", one_resolved: "Resolved",
    retry: "Retry", notSent: "Not sent.", notDelivered: "Not delivered.", deleted: "This message was deleted", csatRated: "Rated {n} of 5", reconnecting: "Reconnecting…",
    mine: "Mine", unassigned: "Unassigned", all: "All", statusFilter: "Status", sortLabel: "Sort",
    sort_last_activity_at_desc: "Last activity", sort_created_at_desc: "Newest", sort_priority_desc: "Priority",
    sort_waiting_since_asc: "Waiting longest",
    open: "Open", pending: "Pending", snoozed: "Snoozed", resolved: "Resolved", any: "All statuses",
    urgent: "Urgent", high: "High", medium: "Medium", low: "Low", priority: "Priority", noPriority: "No priority",
    resolve: "Resolve", reopen: "Reopen", snooze: "Snooze", hour: "For an hour", tomorrow: "Until tomorrow",
    nextWeek: "Until next week", untilDate: "Until a date…", snoozeUntil: "Snooze until",
    assignMe: "Assign to me", assignee: "Assignee", nobody: "Unassigned", assignTo: "Assign to", findAgent: "Find an agent",
    team: "Team", findTeam: "Find a team", noTeam: "No team", inbox: "Inbox", label: "Label",
    actions: "Conversation actions", canned: "Canned responses", settings: "Settings", views: "Views",
    allConversations: "All conversations", folders: "Folders", inboxes: "Inboxes", teams: "Teams", labels: "Labels",
    savedViews: "Saved views", saveView: "Save as view", viewName: "View name", deleteView: "Delete view {name}", view: "View",
    clearFilter: "Show all conversations", draft: "Draft", attachment: "Attachment", unreadN: "{n} unread",
    status_sending: "Sending", status_sent: "Sent", status_delivered: "Delivered", status_read: "Read", status_failed: "Failed",
    earlierMessage: "An earlier message", replyTo: "Reply to", replyingTo: "Replying to", cancelReply: "Cancel the reply",
    attachments: "Files to send", attach: "Attach files", signature: "Signature",
    cc: "Cc", bcc: "Bcc", from: "From", wholeMail: "Show the whole mail",
    windowClosed: "More than 24 hours have passed since the customer's last message: WhatsApp delivers only an approved template until they write again.",
    template: "Template", chooseTemplate: "Choose a template", templateValue: "Value for", sendTemplate: "Send template", remove: "Remove", dropFiles: "Drop files to attach them",
    contactPanel: "Contact details", closePanel: "Close contact details", contact: "Contact", channel: "Channel", details: "Conversation details",
    previousConversations: "Previous conversations", noOtherConversations: "No other conversations.",
    addLabel: "Add a label", findLabel: "Find a label", removeLabel: "Remove label", notSaved: "Not saved.",
    notSet: "not set", edit: "edit", add: "Add", save: "Save", cancel: "Cancel", noName: "No name",
    openContact: "Open the contact's page", name: "Name", phone: "Phone", identifier: "Identifier",
    company: "Company", city: "City", attributeName: "Attribute", attributeValue: "Value", addAttribute: "Add attribute", newAttribute: "New attribute", addDetails: "Add details",
    conversationId: "Conversation", created: "Created", firstReply: "First reply", notYet: "Not yet",
    waitingSince: "Waiting since", lastActivity: "Last activity", source: "Source",
    search: "Search", searchPlaceholder: "Search conversations, messages, contacts (/)", searchResults: "Search results",
    messages: "Messages", noResults: "Nothing found for “{q}”.",
    keys: "Keyboard shortcuts", keyNext: "Next conversation", keyPrev: "Previous conversation",
    keyReply: "Write a reply", keyNote: "Write a private note", keyResolve: "Resolve or reopen",
    keyAssign: "Assign to me", keySearch: "Search", keyPanel: "Show or hide the contact panel",
    keySidebar: "Show or hide the folders", keyHelp: "Show this list", close: "Close",
    contacts: "Contacts", profile: "Profile", availability: "Availability", online: "Online", busy: "Busy", offline: "Offline",
    isTyping: "is typing…", areTyping: "are typing…", notifications: "Desktop notifications", sound: "Sound",
    newMessage: "New message", newConversation: "New conversation", caughtUp: "Back online; caught up.",
    inAppNotifications: "Notifications", noNotifications: "Nothing new for you.", markAllRead: "Mark all read",
    showMore: "Show more", notification: "Notification", loadFailedShort: "Couldn't load.", agent: "Agent",
    // Composer and toolbar
    emoji: "Emoji", emojiSearch: "Search emoji", emojiNone: "No emoji by that name.",
    emoji_smileys: "Smileys", emoji_people: "Gestures and people", emoji_symbols: "Hearts and symbols",
    emoji_objects: "Objects", emoji_nature: "Nature and food",
    cannedSearch: "Find a canned response", cannedNone: "No canned response matches.",
    cannedEmpty: "No canned responses yet: administrators add them in Settings.",
    unfilled: "Not filled in: {vars}. Edit the reply, or press Send again to send it as written.",
    macros: "Macros", manageMacros: "Manage macros…", macroDone: "Macro “{name}” done.",
    moreActions: "More actions", statusMenu: "Snooze or mark as pending", markPending: "Mark as pending",
    loadFailed: "Couldn't load the messages.",
  },
  ru: {
    title: "Вход в Switchboard", forgot: "Забыли пароль?", account: "Аккаунт", email: "Эл. почта", password: "Пароль", signIn: "Войти",
    signOut: "Выйти", badLogin: "Неверная почта или пароль.", tryLater: "Слишком много попыток; попробуйте чуть позже.",
    failed: "Сервер недоступен.", conversations: "Разговоры", none: "Здесь разговоров нет.",
    emptyMine: "На вас ничего не назначено; без ответственного ждут: {n}.", emptyTakeOne: "Открыть «Без ответственного»",
    emptyFiltered: "В этом виде разговоров нет.", emptyOpen: "Открытых разговоров нет: всё разобрано.",
    emptyOpenTab: "Открытых разговоров здесь нет.", emptyOpenHint: "Новые разговоры из ваших каналов появятся здесь сразу.",
    emptyStatus: "Здесь нет разговоров со статусом «{status}».", emptyNoInboxes: "Каналов пока нет.",
    emptyNoInboxesAdmin: "Добавьте канал (виджет на сайт, почту, Telegram, WhatsApp или API), чтобы принимать разговоры.",
    emptyNoInboxesAgent: "Попросите администратора добавить вас в канал.", emptyAddInbox: "Добавить канал",
    pick: "Выберите разговор.", thread: "Сообщения", reply: "Ответ", note: "Заметка",
    mode: "Тип сообщения", send: "Отправить", replyLabel: "Ответ клиенту", noteLabel: "Заметка для команды",
    replyPlaceholder: "Ответ… (Enter отправляет, Shift+Enter — новая строка)", notePlaceholder: "Эту заметку видит только команда",
    today: "Сегодня", yesterday: "Вчера", backToList: "К списку",
    select: "Выбрать", selectPage: "Выбрать все на странице", nSelected: "Выбрано: {n}", bulkBar: "Изменить выбранные разговоры",
    bulkAssign: "Назначить", bulkTeam: "Команда", bulkLabel: "Добавить метку", bulkStatus: "Изменить статус", bulkSnooze: "Отложить до завтра", bulkClear: "Снять выбор", bulkMacro: "Выполнить макрос",
    act_resolved: "Разговор решён", act_resolved_by: "Разговор решён: {actor}",
    act_reopened: "Разговор снова открыт", act_reopened_by: "Разговор снова открыт: {actor}",
    act_pending: "Разговор ожидает", act_pending_by: "Разговор переведён в ожидание: {actor}",
    act_snoozed: "Разговор отложен", act_snoozed_by: "Разговор отложен: {actor}",
    act_muted_by: "Разговор заглушён: {actor}", act_unmuted_by: "Разговор больше не заглушён: {actor}",
    act_self_assigned: "Взят себе: {actor}",
    act_assigned: "Назначен: {assignee}", act_assigned_by: "Назначен: {assignee}. Назначение: {actor}",
    act_unassigned: "Назначение снято", act_unassigned_by: "Назначение снято: {actor}",
    act_team_assigned: "Команда: {team}", act_team_assigned_by: "Команда: {team}. Назначение: {actor}",
    act_team_removed: "Снят с команды «{team}»", act_team_removed_by: "Снят с команды «{team}»: {actor}",
    act_team_none: "Команда снята", act_team_none_by: "Команда снята: {actor}",
    act_priority_set_by: "Приоритет: {new}. Изменение: {actor}", act_priority_changed_by: "Приоритет: {old} → {new}. Изменение: {actor}",
    act_priority_removed_by: "Приоритет снят: {actor}",
    act_labels_added_by: "Метки добавлены: {labels}. Изменение: {actor}", act_labels_removed_by: "Метки удалены: {labels}. Изменение: {actor}",
    keyResolveNext: "Решить и открыть следующий", keySnooze: "Отложить…", keyPriority: "Приоритет…", keyTeam: "Команда…", keyLabel: "Добавить метку…", keyTabs: "Мои, Без назначения, Все",
    keyNextAnywhere: "Следующий разговор, даже при наборе", keyPrevAnywhere: "Предыдущий разговор, даже при наборе",
    keyPalette: "Палитра команд: любое действие по названию",
    one_open: "Открыт", one_pending: "Ожидает", one_snoozed: "Отложен", one_resolved: "Решён",
    retry: "Повторить", notSent: "Не отправлено.", notDelivered: "Не доставлено.", deleted: "Сообщение удалено", csatRated: "Оценка {n} из 5", reconnecting: "Переподключение…",
    mine: "Мои", unassigned: "Без ответственного", all: "Все", statusFilter: "Статус", sortLabel: "Порядок",
    sort_last_activity_at_desc: "По активности", sort_created_at_desc: "Сначала новые", sort_priority_desc: "По приоритету",
    sort_waiting_since_asc: "Дольше всех ждут",
    open: "Открытые", pending: "Ожидают", snoozed: "Отложенные", resolved: "Решённые", any: "Все статусы",
    urgent: "Срочный", high: "Высокий", medium: "Средний", low: "Низкий", priority: "Приоритет", noPriority: "Без приоритета",
    resolve: "Решить", reopen: "Открыть снова", snooze: "Отложить", hour: "На час", tomorrow: "До завтра",
    nextWeek: "До следующей недели", untilDate: "До даты…", snoozeUntil: "Отложить до",
    assignMe: "Назначить себе", assignee: "Ответственный", nobody: "Не назначен", assignTo: "Назначить", findAgent: "Найти сотрудника",
    team: "Команда", findTeam: "Найти команду", noTeam: "Без команды", inbox: "Канал", label: "Метка",
    actions: "Действия с разговором", canned: "Шаблоны ответов", settings: "Настройки", views: "Разделы",
    allConversations: "Все разговоры", folders: "Папки", inboxes: "Каналы", teams: "Команды", labels: "Метки",
    savedViews: "Сохранённые виды", saveView: "Сохранить как вид", viewName: "Название вида", deleteView: "Удалить вид «{name}»", view: "Вид",
    clearFilter: "Показать все разговоры", draft: "Черновик", attachment: "Вложение", unreadN: "Непрочитанных: {n}",
    status_sending: "Отправляется", status_sent: "Отправлено", status_delivered: "Доставлено", status_read: "Прочитано", status_failed: "Ошибка",
    earlierMessage: "Более раннее сообщение", replyTo: "Ответить на сообщение:", replyingTo: "Ответ на сообщение", cancelReply: "Отменить ответ",
    attachments: "Файлы к отправке", attach: "Прикрепить файлы", signature: "Подпись",
    cc: "Копия", bcc: "Скрытая копия", from: "От", wholeMail: "Показать письмо целиком",
    windowClosed: "С последнего сообщения клиента прошло больше 24 часов: пока он не напишет снова, WhatsApp доставит только одобренный шаблон.",
    template: "Шаблон", chooseTemplate: "Выберите шаблон", templateValue: "Значение для", sendTemplate: "Отправить шаблон", remove: "Убрать", dropFiles: "Отпустите файлы, чтобы прикрепить",
    contactPanel: "О контакте", closePanel: "Закрыть панель контакта", contact: "Контакт", channel: "Канал", details: "О разговоре",
    previousConversations: "Другие разговоры", noOtherConversations: "Других разговоров нет.",
    addLabel: "Добавить метку", findLabel: "Найти метку", removeLabel: "Убрать метку", notSaved: "Не сохранено.",
    notSet: "не указано", edit: "изменить", add: "Добавить", save: "Сохранить", cancel: "Отмена", noName: "Без имени",
    openContact: "Открыть страницу контакта", name: "Имя", phone: "Телефон", identifier: "Идентификатор",
    company: "Компания", city: "Город", attributeName: "Атрибут", attributeValue: "Значение", addAttribute: "Добавить атрибут", newAttribute: "Новый атрибут", addDetails: "Добавить данные",
    conversationId: "Разговор", created: "Создан", firstReply: "Первый ответ", notYet: "Ещё нет",
    waitingSince: "Ждёт с", lastActivity: "Последняя активность", source: "Источник",
    search: "Поиск", searchPlaceholder: "Поиск по разговорам, сообщениям, контактам (/)", searchResults: "Результаты поиска",
    messages: "Сообщения", noResults: "По запросу «{q}» ничего нет.",
    keys: "Клавиши", keyNext: "Следующий разговор", keyPrev: "Предыдущий разговор",
    keyReply: "Написать ответ", keyNote: "Написать заметку", keyResolve: "Решить или открыть снова",
    keyAssign: "Назначить себе", keySearch: "Поиск", keyPanel: "Показать или скрыть панель контакта",
    keySidebar: "Показать или скрыть папки", keyHelp: "Показать этот список", close: "Закрыть",
    contacts: "Контакты", profile: "Профиль", availability: "Статус", online: "На связи", busy: "Занят", offline: "Не в сети",
    isTyping: "печатает…", areTyping: "печатают…", notifications: "Уведомления на рабочем столе", sound: "Звук",
    newMessage: "Новое сообщение", newConversation: "Новый разговор", caughtUp: "Связь восстановлена.",
    inAppNotifications: "Уведомления", noNotifications: "Для вас ничего нового.", markAllRead: "Отметить всё прочитанным",
    showMore: "Показать ещё", notification: "Уведомление", loadFailedShort: "Не удалось загрузить.", agent: "Агент",
    // Composer and toolbar
    emoji: "Эмодзи", emojiSearch: "Найти эмодзи", emojiNone: "Таких эмодзи нет.",
    emoji_smileys: "Смайлики", emoji_people: "Жесты и люди", emoji_symbols: "Сердца и символы",
    emoji_objects: "Предметы", emoji_nature: "Природа и еда",
    cannedSearch: "Найти шаблон ответа", cannedNone: "Подходящих шаблонов нет.",
    cannedEmpty: "Шаблонов ответов пока нет: их добавляют администраторы в настройках.",
    unfilled: "Не заполнено: {vars}. Исправьте ответ или нажмите «Отправить» ещё раз, чтобы отправить как есть.",
    macros: "Макросы", manageMacros: "Управлять макросами…", macroDone: "Макрос «{name}» выполнен.",
    moreActions: "Ещё действия", statusMenu: "Отложить или перевести в ожидание", markPending: "Перевести в ожидание",
    loadFailed: "Не удалось загрузить сообщения.",
  },
};
const t = (k) => TEXT[locale][k] || TEXT.en[k] || k;
document.documentElement.lang = locale;

const root = document.getElementById("root");
let shortcuts = null; // the current session's keydown handler
let session = null; // the current session's teardown
let restartedAt = 0; // when a refused socket last made the dashboard start over

function signIn(message = "", note = "") {
  if (session) session();
  session = null;
  root.setAttribute("aria-busy", "false");
  const error = el("p", { class: "error", role: "alert", id: "signin-error", text: message });
  const done = el("p", { class: "note", role: "status", text: note });
  const forgot = el("button", { type: "button", class: "link", text: t("forgot"), onclick: () => forgotPage(root, () => signIn()) });
  const email = el("input", { type: "email", name: "email", autocomplete: "username", required: "", "aria-describedby": "signin-error" });
  const password = el("input", { type: "password", name: "password", autocomplete: "current-password", required: "", "aria-describedby": "signin-error" });
  const form = el("form", { novalidate: "", "aria-labelledby": "signin-title" },
    el("h1", { id: "signin-title", text: t("title") }),
    el("label", {}, t("email"), email),
    el("label", {}, t("password"), password),
    done,
    error,
    el("button", { class: "primary", type: "submit", text: t("signIn") }),
    forgot);
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
  // Built at each subscribe: the pubsub token may be replaced meanwhile.
  const identifier = () => JSON.stringify({ channel: "RoomChannel", pubsub_token: profile.pubsub_token, account_id: accountId, user_id: profile.id });
  let ws = null, retry = 0, closed = false, stopped = false, everConnected = false;
  function open() {
    ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/cable`);
    ws.onmessage = (e) => {
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      if (f.type === "welcome") ws.send(JSON.stringify({ command: "subscribe", identifier: identifier() }));
      else if (f.type === "confirm_subscription") {
        handlers.state(true, everConnected);
        everConnected = true;
        retry = 0;
      } else if (f.type === "reject_subscription" && handlers.rejected) {
        // The real-time token changed (token reset, password change, "sign
        // out everywhere") or the account was left: the view decides.
        closed = true;
        ws.close();
        handlers.rejected();
      } else if (f.message && f.message.event) handlers.event(f.message.event, f.message.data || {});
    };
    ws.onclose = () => {
      if (closed) return;
      handlers.state(false, everConnected);
      setTimeout(open, Math.min(30000, 500 * 2 ** retry++));
    };
  }
  open();
  return {
    close() { closed = stopped = true; if (ws) ws.close(); },
    // Closed for good (the session ended): late answers are ignored.
    stopped: () => stopped,
    // Connects again (with the identifier as it is now), after a rejection.
    reopen() { if (stopped) return; closed = false; retry = 0; open(); },
  };
}

// Notifications and a quiet sound for new messages in my conversations and
// new unassigned ones; each can be turned on or off, the sound at most
// every 10 s. The page title counts what arrived while the tab was hidden.
function createAlerts() {
  let lastSound = 0, missed = 0, audio = null;
  const on = (k) => localStorage.getItem(k) === "on";
  function toggle(key, label, iconName, before) {
    const b = el("button", { type: "button", class: "icon-button", "aria-label": label, title: label, "aria-pressed": String(on(key)) }, icon(iconName));
    b.addEventListener("click", async () => {
      const next = !on(key);
      if (next && before && !(await before())) return;
      localStorage.setItem(key, next ? "on" : "off");
      b.setAttribute("aria-pressed", String(next));
    });
    return b;
  }
  const notifyButton = toggle("sb:notify", t("notifications"), "desktop", async () =>
    "Notification" in window && (Notification.permission === "granted" || (await Notification.requestPermission()) === "granted"));
  const soundButton = toggle("sb:sound", t("sound"), "sound");
  function paintTitle() {
    document.title = missed ? `(${missed}) Switchboard` : "Switchboard";
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") { missed = 0; paintTitle(); }
  });
  return {
    buttons: [notifyButton, soundButton],
    alert(title, body, href) {
      if (document.visibilityState !== "visible") { missed += 1; paintTitle(); }
      if (on("sb:notify") && "Notification" in window && Notification.permission === "granted" && document.visibilityState !== "visible") {
        const n = new Notification(title, { body, tag: href });
        n.onclick = () => { window.focus(); location.hash = href; n.close(); };
      }
      if (on("sb:sound") && Date.now() - lastSound > 10000) {
        lastSound = Date.now();
        try {
          audio = audio || new AudioContext();
          const osc = audio.createOscillator(), gain = audio.createGain();
          osc.frequency.value = 880;
          gain.gain.setValueAtTime(0.06, audio.currentTime);
          gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
          osc.connect(gain).connect(audio.destination);
          osc.start();
          osc.stop(audio.currentTime + 0.25);
        } catch { /* no audio device */ }
      }
    },
  };
}

async function start() {
  if (session) session();
  session = null;
  let profile;
  try {
    profile = await api("/api/v1/profile");
  } catch (e) {
    return signIn(e instanceof Unauthorized ? "" : t("failed"));
  }
  // The account worked in: the one a link names (`?account=`, as browser
  // push links do; the parameter is then dropped from the address), else
  // the one chosen last in this browser, else the first.
  const accounts = profile.accounts || [];
  const query = new URLSearchParams(location.search);
  const named = Number(query.get("account"));
  if (query.has("account")) {
    query.delete("account");
    const rest = query.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
  }
  if (named && accounts.some((a) => a.id === named)) localStorage.setItem("sb:account", String(named));
  const chosen = Number(localStorage.getItem("sb:account"));
  const account = accounts.find((a) => a.id === chosen) || accounts[0];
  if (!account) {
    // Signed in, but a member of no account (yet): invitations, if any.
    return noAccountPage(root, start, async () => {
      await api("/auth/sign_out", { method: "DELETE" }).catch(() => {});
      signIn();
    });
  }
  const accountId = account.id;
  const base = `/api/v1/accounts/${accountId}`;
  const isAdmin = Boolean(account && account.role === "administrator");
  const ctx = { base, accountId, account, profile, isAdmin, signIn, locale, presence: new Map(), labelColours: new Map() };

  // The three columns. The panel and the sidebar can be hidden ("]" and "[");
  // below 1280 px the panel is a drawer, closed until asked for.
  const wide = () => window.matchMedia("(min-width: 1280px)").matches;
  let panelOpen = localStorage.getItem("sb:panel") !== "off" && wide();
  let sidebarOpen = localStorage.getItem("sb:sidebar") !== "off";
  const list = createList(ctx, { t, open: (id, byKeyboard) => show(id, byKeyboard) });
  // Phones: Back leaves the conversation for the list, on its card.
  ctx.backToList = () => {
    panes.classList.remove("reading");
    setPanel(false);
    history.replaceState(null, "", "#/");
    const card = document.querySelector('button[data-conversation][aria-current="true"]');
    if (card) card.focus();
  };
  // Escape in the composer hands the keys back to the list.
  ctx.leaveComposer = () => {
    const card = document.querySelector('button[data-conversation][aria-current="true"]');
    if (card) card.focus();
  };
  // The first page of the list is asked for before anything else is built.
  const listLoaded = list.load();
  const panel = createPanel(ctx, { t, close: () => setPanel(false) });
  const conversation = createConversation(ctx, {
    t,
    onChange(conv) {
      list.conversationEvent(conv);
      panel.show(conv);
    },
    togglePanel() { setPanel(!panelOpen); return panelOpen; },
  });
  const panes = el("div", { class: "panes" }, list.sidebar, list.column, conversation.node, panel.node);
  function setPanel(on) {
    panelOpen = on;
    if (wide()) localStorage.setItem("sb:panel", on ? "on" : "off");
    panes.classList.toggle("no-panel", !on);
    conversation.setPanelPressed(on);
  }
  function setSidebar(on) {
    sidebarOpen = on;
    localStorage.setItem("sb:sidebar", on ? "on" : "off");
    panes.classList.toggle("no-sidebar", !on);
  }
  setPanel(panelOpen);
  setSidebar(sidebarOpen);

  // Opens a conversation and keeps its address (#/conversations/N) without
  // leaving the list: stepping with j / k keeps focus on the list.
  function show(id, focusComposer) {
    // On a phone the conversation takes the screen (until Back).
    panes.classList.add("reading");
    list.setCurrent(id);
    if (location.hash !== `#/conversations/${id}`) history.replaceState(null, "", `#/conversations/${id}`);
    conversation.open(id, focusComposer).catch((e) => { if (e instanceof Unauthorized) signIn(); });
  }

  const banner = el("p", { class: "banner", role: "status", hidden: "" });
  const alerts = createAlerts();
  const bell = createBell(ctx, { t });
  const cable = connectCable(profile, accountId, {
    rejected() {
      // A new pubsub token: reconnect with it, the page stays as it is.
      // Still refused with the current one: the account was left, so start
      // over (another account, or none); at most once a minute.
      api("/api/v1/profile")
        .then((p) => {
          if (cable.stopped()) return; // this session ended meanwhile
          if (p.pubsub_token !== profile.pubsub_token) {
            profile.pubsub_token = p.pubsub_token;
            cable.reopen();
          } else if (Date.now() - restartedAt > 60000) {
            restartedAt = Date.now();
            start();
          }
        })
        .catch(() => { if (!cable.stopped()) signIn(); });
    },
    state(connected, wasConnected) {
      banner.hidden = connected && !wasConnected;
      banner.textContent = connected ? t("caughtUp") : t("reconnecting");
      if (connected) setTimeout(() => { if (banner.textContent === t("caughtUp")) banner.hidden = true; }, 3000);
      // Back after a drop: fetch what was missed.
      if (connected && wasConnected) {
        list.reload().catch(() => {});
        bell.reload();
        if (conversation.openId !== null) conversation.open(conversation.openId, false).catch(() => {});
      }
    },
    event(name, data) {
      queueEvent(name);
      if (["conversation.created", "conversation.status_changed", "conversation.updated", "assignee.changed", "team.changed", "conversation.contact_changed"].includes(name)) {
        list.conversationEvent(data);
        conversation.conversationEvent(data);
        panel.conversationEvent(data);
        if (name === "conversation.created" && !(data.meta && data.meta.assignee)) {
          const who = (data.meta && data.meta.sender && data.meta.sender.name) || `#${data.id}`;
          alerts.alert(t("newConversation"), who, `#/conversations/${data.id}`);
        }
      } else if (name === "message.created") {
        list.messageEvent(data);
        conversation.messageEvent(data);
        const conv = data.conversation || {};
        const assignee = conv.assignee_id === undefined ? null : conv.assignee_id;
        const forMe = assignee === profile.id || assignee === null;
        if (data.message_type === 0 && !data.private && forMe && (conversation.openId !== data.conversation_id || document.visibilityState !== "visible")) {
          alerts.alert(`${t("newMessage")} · #${data.conversation_id}`, data.content || t("attachment"), `#/conversations/${data.conversation_id}`);
        }
      } else if (name === "message.updated") conversation.messageEvent(data);
      else if (name === "conversation.typing_on" || name === "conversation.typing_off") conversation.typingEvent(name.endsWith("_on"), data);
      else if (name === "contact.updated") panel.contactEvent(data);
      else if (name === "contact.deleted") {
        const open = conversation.openId === null ? null : list.known(conversation.openId);
        list.contactDeleted(data);
        if (open && open.meta && open.meta.sender && open.meta.sender.id === data.id) location.hash = "#/conversations";
      }
      else if (name.startsWith("notification.")) bell.event(name, data);
      else if (name === "presence.update" && data.users) {
        for (const a of ctx.presence.keys()) if (!(a in data.users) && !(String(a) in data.users)) ctx.presence.set(a, "offline");
        for (const [id, status] of Object.entries(data.users)) ctx.presence.set(Number(id), status);
        list.repaint();
      }
    },
  });

  // Tabs of this browser stay in step: signing out in one signs out all;
  // drafts and the theme follow through storage events.
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("switchboard") : null;
  const onStorage = (e) => {
    if (e.key && e.key.startsWith(`sb:draft:${accountId}:`)) {
      conversation.draftChanged(e.key, e.newValue);
      list.repaint();
    } else if (e.key === "sb:theme") setTheme(e.newValue || "system");
  };
  window.addEventListener("storage", onStorage);
  if (channel) channel.onmessage = (e) => { if (e.data && e.data.type === "signout") signIn(); };

  const signOut = el("button", { type: "button", class: "sign-out", text: t("signOut") });
  // Ends this session (and this browser's other tabs); the profile page
  // offers it too, for phones, whose top bar leaves it out.
  ctx.signOut = async () => {
    await api("/auth/sign_out", { method: "DELETE" }).catch(() => {});
    if (channel) channel.postMessage({ type: "signout" });
    signIn();
  };
  signOut.addEventListener("click", () => ctx.signOut());

  // Views by address, so a reload or a shared link keeps the place:
  // #/ (conversations), #/conversations/N, #/contacts, #/contacts/N,
  // #/profile, #/macros and, for administrators, #/queue, #/settings and #/settings/<section>.
  const pageView = el("main", { class: "page-view", hidden: "" });
  const nav = {
    conversations: el("a", { href: "#/", text: t("conversations") }),
    contacts: el("a", { href: "#/contacts", text: t("contacts") }),
    queue: isAdmin ? el("a", { href: "#/queue", text: rt("queue") }) : null,
    settings: isAdmin ? el("a", { href: "#/settings", text: t("settings") }) : null,
  };
  // Administrators also find the Queue among the folders.
  if (isAdmin) {
    list.sidebar.querySelector(".side-groups").before(el("a", { class: "side-item side-queue", href: "#/queue" }, icon("clock"), el("span", { text: rt("queue") })));
  }
  Object.assign(ctx, { t });
  function route() {
    const [, view = "", param = ""] = location.hash.match(/^#\/([a-z]*)\/?([a-z0-9_-]*)/) || [];
    const page = view === "contacts" ? "contacts" : view === "profile" ? "profile" : view === "macros" ? "macros"
      : view === "settings" && isAdmin ? "settings" : view === "queue" && isAdmin ? "queue" : "conversations";
    panes.hidden = page !== "conversations";
    pageView.hidden = page === "conversations";
    for (const [key, a] of Object.entries(nav)) if (a) a.setAttribute("aria-current", String(key === page));
    const failed = (e) => { if (e instanceof Unauthorized) signIn(); };
    if (page !== "queue") leaveQueue();
    if (page === "queue") queuePage(pageView, ctx).catch(failed);
    else if (page === "settings") settingsPage(pageView, ctx, param || null).catch(failed);
    else if (page === "contacts") contactsPage(pageView, ctx, /^\d+$/.test(param) ? Number(param) : null).catch(failed);
    else if (page === "profile") profilePage(pageView, ctx).catch(failed);
    else if (page === "macros") macrosPage(pageView, ctx).catch(failed);
    else if (view === "conversations" && /^\d+$/.test(param) && Number(param) !== conversation.openId) show(Number(param), true);
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

  const search = createSearch(ctx, { t });

  // The agent's working preferences, kept with the profile (ui_settings) so
  // they follow them from device to device.
  const prefs = () => profile.ui_settings || {};
  ctx.savePreference = async (key, value) => {
    const before = prefs();
    const ui = Object.assign({}, before, { [key]: value });
    const apply = (settings) => {
      profile.ui_settings = settings;
      list.setDensity(settings.conversation_list_density === "compact" ? "compact" : "comfortable");
    };
    apply(ui);
    try {
      await api("/api/v1/profile", { method: "PUT", json: { ui_settings: ui } });
    } catch (e) {
      apply(before);
      throw e;
    }
  };
  list.setDensity(prefs().conversation_list_density === "compact" ? "compact" : "comfortable");
  // "After resolving, open the next conversation" (a profile preference).
  ctx.afterResolve = (id) => {
    if (prefs().open_next_after_resolve === true && conversation.openId === id) step(1);
  };
  const toast = el("p", { class: "toast", role: "status", hidden: "" });
  let toastTimer = null;
  const say = (text) => {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, 6000);
  };
  ctx.say = say;
  const palette = createPalette(ctx, {
    conversation: () => (panes.hidden || conversation.openId === null ? null : conversation.current),
    refresh: () => conversation.refreshHeader(),
    search: (q) => { if (panes.hidden) location.hash = "#/"; search.focus(q); },
    setTab: (key) => list.setTab(key),
    togglePanel: () => setPanel(!panelOpen),
    density: (value) => ctx.savePreference("conversation_list_density", value).catch(() => {}),
    showKeys: () => help.showModal(),
    afterResolve: (id) => ctx.afterResolve(id),
    say,
  });

  // Single-key shortcuts outside text fields, matched on the physical key
  // (KeyboardEvent.code) so they work on any layout; never with Alt/Meta.
  const KEYS = [["Ctrl+K", "keyPalette"], ["J", "keyNext"], ["K", "keyPrev"], ["Alt+J", "keyNextAnywhere"], ["Alt+K", "keyPrevAnywhere"], ["R", "keyReply"], ["N", "keyNote"], ["E", "keyResolve"], ["Shift+E", "keyResolveNext"], ["A", "keyAssign"],
    ["S", "keySnooze"], ["P", "keyPriority"], ["T", "keyTeam"], ["L", "keyLabel"], ["1 2 3", "keyTabs"],
    ["/", "keySearch"], ["]", "keyPanel"], ["[", "keySidebar"], ["?", "keyHelp"]];
  const closeHelp = el("button", { type: "button", text: t("close") });
  const help = el("dialog", { class: "help", "aria-labelledby": "help-title" },
    el("h2", { id: "help-title", text: t("keys") }),
    el("dl", {}, ...KEYS.flatMap(([k, label]) => [el("dt", {}, el("kbd", { text: k })), el("dd", { text: t(label) })])),
    closeHelp);
  closeHelp.addEventListener("click", () => help.close());
  function step(delta) {
    const target = list.step(delta);
    if (!target) return;
    show(Number(target.dataset.conversation), false);
    target.focus();
  }
  if (shortcuts) document.removeEventListener("keydown", shortcuts);
  shortcuts = (e) => {
    if (e.isComposing) return;
    // Ctrl+K / Cmd+K opens the command palette from anywhere.
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.code === "KeyK") {
      e.preventDefault();
      if (help.open) help.close();
      return palette.open();
    }
    if (palette.isOpen) return;
    // Alt+J / Alt+K (Chatwoot's keys): next / previous conversation, from
    // anywhere, the composer included (the draft stays with its conversation).
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.code === "KeyJ" || e.code === "KeyK") && !panes.hidden) {
      e.preventDefault();
      return step(e.code === "KeyJ" ? 1 : -1);
    }
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const target = e.target;
    if (target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    if (help.open || panes.hidden) return;
    const act = {
      KeyJ: () => step(1),
      KeyK: () => step(-1),
      KeyR: () => conversation.focusComposer("reply"),
      KeyN: () => conversation.focusComposer("note"),
      KeyE: () => {
        if (!e.shiftKey) return conversation.resolve();
        // Shift+E: resolve, then open the next conversation.
        const from = conversation.openId;
        conversation.resolve();
        if (from !== null) step(1);
      },
      KeyS: () => conversation.focusSelect("snooze"),
      KeyP: () => conversation.focusSelect("priority"),
      KeyT: () => conversation.openTeam(),
      KeyL: () => { if (conversation.openId !== null) { setPanel(true); panel.openLabels(); } },
      Digit1: () => list.setTab("mine"),
      Digit2: () => list.setTab("unassigned"),
      Digit3: () => list.setTab("all"),
      KeyA: () => conversation.assignMe(),
      Slash: () => (e.shiftKey ? help.showModal() : search.focus()),
      BracketRight: () => setPanel(!panelOpen),
      BracketLeft: () => setSidebar(!sidebarOpen),
    }[e.code];
    if (!act || (e.shiftKey && e.code !== "Slash" && e.code !== "KeyE")) return;
    e.preventDefault();
    act();
  };
  document.addEventListener("keydown", shortcuts);

  session = () => {
    cable.close();
    window.removeEventListener("storage", onStorage);
    if (channel) channel.close();
    document.removeEventListener("keydown", shortcuts);
    window.onhashchange = null;
    leaveQueue();
  };

  root.replaceChildren(el("div", { class: "shell" },
    el("header", {},
      el("span", { class: "brand", text: "Switchboard" }),
      accountSwitcher(accounts, account),
      el("nav", { class: "views", "aria-label": t("views") }, nav.conversations, nav.contacts, nav.queue, nav.settings),
      search.node,
      banner,
      bell.node,
      ...alerts.buttons,
      el("a", { class: "who", href: "#/profile", title: t("profile") },
        avatar(profile.available_name || profile.name, profile.avatar_url, "sm"),
        el("span", { text: profile.available_name || profile.name || profile.email })),
      availability,
      signOut),
    panes, pageView, help, palette.node, toast));
  route();
  root.setAttribute("aria-busy", "false");
  // Invitations to other accounts wait at the top until answered.
  invitationsNotice(start).then((n) => { if (n && root.firstChild) root.firstChild.prepend(n); });

  try {
    await listLoaded;
  } catch (e) {
    if (e instanceof Unauthorized) return signIn();
  }
  // What the first page did not wait for.
  load(`${base}/labels`, (r) => (r && r.payload) || []).then((ls) => { for (const l of ls) ctx.labelColours.set(l.title, l.color); }).catch(() => {});
  load(`${base}/agents`, (r) => r || []).then((as) => { for (const a of as) if (!ctx.presence.has(a.id)) ctx.presence.set(a.id, a.availability_status || "offline"); }).catch(() => {});
}

// The account's name, or a choice of accounts for people in several.
function accountSwitcher(accounts, current) {
  if (accounts.length < 2) return el("span", { class: "account", text: current.name });
  const select = el("select", { class: "account-switch", "aria-label": t("account") },
    ...accounts.map((a) => el("option", { value: String(a.id), text: a.name })));
  select.value = String(current.id);
  select.addEventListener("change", () => {
    localStorage.setItem("sb:account", select.value);
    location.hash = "#/";
    start();
  });
  return select;
}

// Links from mails open their own pages: an invitation
// (#/invitation/<token>) and a password reset (#/reset-password/<token>).
function boot() {
  const m = location.hash.match(/^#\/(invitation|reset-password)\/([A-Za-z0-9]+)$/);
  if (!m) return start();
  root.setAttribute("aria-busy", "false");
  const leave = () => history.replaceState(null, "", location.pathname);
  if (m[1] === "invitation") return invitationPage(root, m[2], start, () => { leave(); signIn(); });
  return resetPage(root, m[2], (note) => { leave(); signIn("", note); });
}

boot();
