// The settings screen's form kit: its words in English and Russian (`t`),
// and the building blocks every section is made of: labelled fields and
// checkboxes, inline errors that mark the fields the server named, status
// lines that fade, read-only secrets with Copy, deletion in two in-page
// steps, rows that open an editor below them, lists that show skeleton rows
// while loading, say what to do when empty and offer Retry when the server
// can't be reached, form cards, member pickers and moments in time.
//
// Conventions: the DOM is built with el() (never innerHTML); every control has
// a label; server errors show inline in a role="alert" element and mark the
// offending field aria-invalid; deletion asks for a second, in-page click.
// Dates are written as the rest of the dashboard writes them (relative, the
// full date on hover).

import { Unauthorized, api, avatar, el, errorMessage, field, locale, relative, when } from "./lib.js";

// The words of every section, in one dictionary so that each English
// string sits beside its Russian one; a section with words of its own
// (custom attributes) adds them with withText().
const TEXT = {
  en: {
    settings: "Settings", sections: "Settings sections", inboxes: "Inboxes", agents: "Agents", teams: "Teams",
    labels: "Labels", canned: "Canned responses", webhooks: "Webhooks", automation: "Automation", bots: "Bots",
    attributes: "Custom attributes",
    name: "Name", create: "Create", save: "Save", saved: "Saved", cancel: "Cancel", edit: "Edit",
    delete: "Delete", confirmDelete: "Confirm delete", copy: "Copy", copied: "Copied",
    failed: "Couldn't save: ", retry: "Retry",
    description: "Description", colour: "Colour", optional: "optional",
    // inboxes
    // platform channels: the server describes their forms in English; these
    // are optional words by channel and setting name (field:, help:, group:,
    // channel:, hint:, new:)
    newChannelInbox: "New {label} inbox", loadingChannels: "Loading the channels…",
    readyPlatform: "The inbox is ready: what its platform sends now arrives here.", "new:email": "New e-mail inbox",
    newInbox: "New website inbox", newApiInbox: "New API inbox",
    passwordKept: "Leave empty to keep the saved password",
    mailboxRead: "Mailbox last read", mailboxError: "Reading the mailbox failed", mailboxNever: "The mailbox has not been read yet.",
    website: "Website URL",
    welcomeTitle: "Welcome title", welcomeTagline: "Welcome tagline",
    allowedDomains: "Allowed domains (comma-separated; empty allows any)", snippet: "Embed snippet",
    channelWeb: "Website", channelApi: "API", webhookUrl: "Webhook URL",
    webhookUrlHint: "New messages and conversation events of this inbox are POSTed here.",
    inboxSettings: "Inbox settings",
    replyTime: "Reply time shown to visitors", in_a_few_minutes: "In a few minutes", in_a_few_hours: "In a few hours",
    in_a_day: "In a day", greeting: "Greeting", greetingEnabled: "Send a greeting when a visitor starts a conversation",
    greetingMessage: "Greeting message", conversations: "Conversations",
    allowAfterResolved: "Let visitors write again after a conversation is resolved",
    lockSingle: "Keep each contact in one conversation (continue it instead of starting a new one)",
    featureAttachments: "Visitors can attach files", featureEnd: "Visitors can end the conversation themselves",
    preChat: "Ask for the visitor's name and e-mail before the chat starts (pre-chat form)", preChatMessage: "Pre-chat message",
    csat: "Ask for a satisfaction rating (CSAT) when a conversation is resolved",
    identity: "Identity verification", hmacMandatory: "Require identity verification (refuse unsigned visitors)",
    hmacToken: "HMAC token", hmacHint: "Your server signs each visitor's identifier with this token (HMAC-SHA256) and passes the signature as identifier_hash.",
    inboxIdentifier: "Inbox identifier (client API)", apiSecret: "Webhook signing secret",
    workingHours: "Working hours", hoursEnabled: "Use working hours (outside them, visitors get the away message)",
    timezone: "Time zone", awayMessage: "Away message", day: "Day", open: "Open", allDay: "All day",
    from: "From", to: "To", badHours: "closing time must be after opening time",
    overlapHours: "the hours overlap", addHours: "Add hours", removeHours: "Remove hours", hoursCol: "Hours",
    holidays: "Holidays (closed)", holidayDate: "Holiday date", holidayName: "Holiday name", addHoliday: "Add a holiday",
    removeHoliday: "Remove", sla: "SLA", csat: "Satisfaction", account: "Account",
    members: "Members", saveMembers: "Save members", noAgents: "No agents yet.",
    contrastWarn: "Text on this colour is hard to read (contrast {n}:1, below 4.5:1). Pick a darker or lighter colour.",
    noInboxes: "No inboxes yet. Add one to start receiving conversations.",
    // the new-inbox flow
    newInboxButton: "New inbox", flowTitle: "New inbox", flowSteps: "Steps", stepOf: "Step {n} of {total}",
    stepChannel: "Channel", stepDetails: "Details", stepMembers: "Members", stepReady: "Ready",
    pickChannel: "Where will customers write to you?",
    channelWebHint: "A chat window on your website.", channelApiHint: "Your own app or service, through the API and a webhook.",
    back: "Back", createInbox: "Create inbox", membersStep: "Who answers here?",
    membersStepHint: "Agents you add see this inbox's conversations and can be assigned them. You can change this later in the inbox settings.",
    addMembers: "Add and continue", skip: "Skip", ready: "{name} is ready",
    readyWeb: "Paste this code before </body> on every page of your site. The chat button appears in the corner you chose.",
    readyApi: "Create contacts, conversations and messages with the client API under this identifier.",
    readyApiHook: "New messages and conversation events of this inbox are POSTed to:",
    readyApiNoHook: "No webhook URL yet: add one in the inbox settings to receive its events.",
    goToSettings: "Go to the inbox settings", done: "Done",
    // the widget preview and the launcher's side
    preview: "Preview", previewHint: "Your changes, before they are saved.", previewPlaceholder: "Type your message…",
    reply_in_a_few_minutes: "Typically replies in a few minutes", reply_in_a_few_hours: "Typically replies in a few hours",
    reply_in_a_day: "Typically replies in a day",
    position: "Launcher position", positionRight: "Bottom right", positionLeft: "Bottom left",
    positionHint: "Set in the embed code (data-position), not stored with the inbox.",
    // loading, empty and failed lists
    unreachable: "Couldn't reach the server.", refused: "Couldn't load: {reason}",
    noDeliveries: "Nothing delivered yet; events show here as they are sent.",
    // agents
    newAgent: "New agent", email: "E-mail", role: "Role", administrator: "Administrator", agent: "Agent",
    availability: "Availability", online: "Online", busy: "Busy", offline: "Offline", actions: "Actions",
    inviteAgent: "Invite an agent", invite: "Invite", inviteHint: "They join when they accept: people who already use Switchboard sign in with their own password, others choose one. You never set anyone's password.",
    invitationSent: "Invitation sent to {email}.", invitationLink: "Invitation link for {email}",
    invitationLinkHint: "No mail server is configured, so pass this link on yourself. It works once, for a week.",
    pendingInvitations: "Pending invitations", noInvitations: "No pending invitations.", expires: "Expires",
    mailStatus: "Delivery", mail_sent: "sent", mail_waiting: "on its way", mail_none: "link shown to you",
    withdraw: "Withdraw", confirmWithdraw: "Confirm withdraw",
    remove: "Remove", confirmRemove: "Confirm remove", you: "you",
    selfNote: "You can't change your own role or remove yourself.", roleOf: "Role of",
    personNote: "Names and passwords are each agent's own, changed in their profile.",
    // teams
    newTeam: "New team", autoAssign: "Assign conversations to team members automatically", teamDetails: "Team details",
    teamHint: "Team names are stored in lower case.", autoOn: "Auto-assign on", autoOff: "Auto-assign off",
    noTeams: "No teams yet. Create one to share conversations among its members.",
    // labels
    newLabel: "New label", title: "Title", titleHint: "Letters, digits, - and _; stored in lower case.",
    sidebar: "Show in the sidebar", shown: "In the sidebar", hidden: "Not in the sidebar", labelDetails: "Label details",
    noLabels: "No labels yet. Create one to sort conversations and filter the list by it.",
    // canned
    newCanned: "New canned response", shortCode: "Short code", content: "Content",
    searchCanned: "Search canned responses", cannedDetails: "Canned response", shownOf: "{a} of {b}",
    shortCodeHint: "One word; agents type /code in the composer.", noCanned: "No canned responses yet. Add the replies agents send often; they insert them by typing /.",
    noMatch: "Nothing matches.",
    // webhooks
    newWebhook: "New webhook", url: "URL", events: "Events", deliveries: "Delivery log", event: "Event",
    state: "State", status: "Last status", attempts: "Attempts", at: "Time", resend: "Re-send", resent: "Queued again",
    webhookDetails: "Webhook details", webhookName: "Name", secret: "Signing secret", newSecret: "Generate a new secret",
    noWebhooks: "No webhooks yet. Add one to send events to your own systems.",
  },
  ru: {
    settings: "Настройки", sections: "Разделы настроек", inboxes: "Каналы", agents: "Агенты", teams: "Команды",
    labels: "Метки", canned: "Шаблоны ответов", webhooks: "Вебхуки", automation: "Автоматизация", bots: "Боты",
    attributes: "Дополнительные атрибуты",
    name: "Название", create: "Создать", save: "Сохранить", saved: "Сохранено", cancel: "Отмена", edit: "Изменить",
    delete: "Удалить", confirmDelete: "Точно удалить", copy: "Копировать",
    copied: "Скопировано", failed: "Не сохранено: ",
    retry: "Повторить", description: "Описание", colour: "Цвет", optional: "необязательно",
    newChannelInbox: "Новый канал {label}", loadingChannels: "Загружаем каналы…",
    readyPlatform: "Канал готов: всё, что присылает его платформа, приходит сюда.",
    "new:telegram": "Новый канал Telegram", "new:whatsapp": "Новый канал WhatsApp", "new:email": "Новый почтовый ящик",
    "channel:email": "E-mail", "hint:telegram": "Бот Telegram: всё, что ему пишут, приходит сюда.",
    "hint:whatsapp": "Бизнес-номер в WhatsApp Cloud API.", "hint:email": "Адрес поддержки: письма на него становятся разговорами.",
    "field:bot_token": "Токен бота",
    "help:bot_token": "Выдаёт @BotFather. Switchboard проверит его в Telegram и направит вебхук бота на этот сервер.",
    "field:phone_number": "Номер телефона", "field:provider_config.phone_number_id": "ID номера телефона",
    "field:provider_config.business_account_id": "ID аккаунта WhatsApp Business",
    "field:provider_config.api_key": "Токен доступа", "field:provider_config.app_secret": "Секрет приложения",
    "help:provider_config.api_key": "Постоянный токен системного пользователя с правом whatsapp_business_messaging.",
    "field:provider_config.webhook_verify_token": "Токен проверки вебхука",
    "help:provider_config.webhook_verify_token": "Meta отправит его, чтобы подтвердить вебхук; если оставить пустым, он будет создан.",
    "field:email": "Адрес e-mail", "help:email": "Адрес, на который пишут клиенты. Ответы уходят с него.",
    "group:Incoming mail (IMAP)": "Входящая почта (IMAP)", "group:Outgoing mail (SMTP)": "Исходящая почта (SMTP)",
    "field:imap_enabled": "Читать этот ящик по IMAP", "field:imap_address": "Сервер IMAP", "field:imap_port": "Порт IMAP",
    "field:imap_login": "Логин IMAP", "field:imap_password": "Пароль IMAP", "field:imap_enable_ssl": "IMAP через SSL/TLS",
    "field:imap_folder": "Папка IMAP", "field:smtp_enabled": "Отправлять ответы через SMTP", "field:smtp_address": "Сервер SMTP",
    "field:smtp_port": "Порт SMTP", "field:smtp_login": "Логин SMTP", "field:smtp_password": "Пароль SMTP",
    "field:smtp_domain": "Домен HELO", "field:smtp_enable_starttls_auto": "Использовать STARTTLS, если сервер предлагает",
    "field:smtp_enable_ssl_tls": "SMTP через SSL/TLS (порт 465)", "field:smtp_authentication": "Аутентификация SMTP",
    "field:smtp_openssl_verify_mode": "Проверка сертификата",
    newInbox: "Новый канал для сайта", newApiInbox: "Новый API-канал",
    passwordKept: "Оставьте пустым, чтобы не менять сохранённый пароль",
    mailboxRead: "Ящик прочитан", mailboxError: "Не удалось прочитать ящик", mailboxNever: "Ящик ещё не читали.",
    website: "Адрес сайта",
    welcomeTitle: "Заголовок приветствия", welcomeTagline: "Подзаголовок приветствия",
    allowedDomains: "Разрешённые домены (через запятую; пусто — любые)", snippet: "Код для вставки",
    channelWeb: "Сайт", channelApi: "API", webhookUrl: "Адрес вебхука",
    webhookUrlHint: "Сюда отправляются (POST) новые сообщения и события разговоров этого канала.",
    inboxSettings: "Настройки канала",
    replyTime: "Время ответа для посетителей", in_a_few_minutes: "Через несколько минут",
    in_a_few_hours: "Через несколько часов", in_a_day: "В течение дня", greeting: "Приветствие",
    greetingEnabled: "Приветствовать посетителя в начале разговора", greetingMessage: "Текст приветствия", conversations: "Разговоры",
    allowAfterResolved: "Разрешать посетителю писать снова после того, как разговор решён",
    lockSingle: "Один разговор на контакт (продолжать его, а не начинать новый)",
    featureAttachments: "Посетители могут прикладывать файлы", featureEnd: "Посетители могут сами завершить разговор",
    preChat: "Спрашивать имя и почту посетителя до начала чата (анкета)", preChatMessage: "Текст перед анкетой",
    csat: "Просить оценку (CSAT), когда разговор решён", identity: "Проверка личности",
    hmacMandatory: "Требовать проверку личности (отказывать посетителям без подписи)", hmacToken: "HMAC-ключ",
    hmacHint: "Ваш сервер подписывает идентификатор посетителя этим ключом (HMAC-SHA256) и передаёт подпись в identifier_hash.",
    inboxIdentifier: "Идентификатор канала (клиентский API)", apiSecret: "Секрет подписи вебхуков",
    workingHours: "Часы работы", hoursEnabled: "Учитывать часы работы (в нерабочее время посетитель получает ответ об отсутствии)",
    timezone: "Часовой пояс", awayMessage: "Ответ в нерабочее время", day: "День", open: "Работаем",
    allDay: "Круглосуточно", from: "С", to: "До", badHours: "время закрытия должно быть позже открытия",
    overlapHours: "часы пересекаются", addHours: "Добавить часы", removeHours: "Убрать часы", hoursCol: "Часы",
    holidays: "Праздники (выходные)", holidayDate: "Дата праздника", holidayName: "Название праздника",
    addHoliday: "Добавить праздник", removeHoliday: "Убрать", sla: "SLA", csat: "Удовлетворённость", account: "Аккаунт",
    members: "Участники", saveMembers: "Сохранить участников", noAgents: "Агентов пока нет.",
    contrastWarn: "Текст на этом цвете плохо читается (контраст {n}:1, меньше 4,5:1). Выберите цвет темнее или светлее.",
    noInboxes: "Каналов пока нет. Добавьте канал, чтобы начать получать разговоры.",
    newInboxButton: "Новый канал", flowTitle: "Новый канал", flowSteps: "Шаги", stepOf: "Шаг {n} из {total}",
    stepChannel: "Канал", stepDetails: "Настройки", stepMembers: "Участники", stepReady: "Готово",
    pickChannel: "Откуда вам будут писать клиенты?",
    channelWebHint: "Окно чата на вашем сайте.", channelApiHint: "Ваше приложение или сервис — через API и вебхук.",
    back: "Назад", createInbox: "Создать канал", membersStep: "Кто отвечает в этом канале?",
    membersStepHint: "Добавленные агенты видят разговоры канала, и их можно на них назначать. Это можно изменить позже в настройках канала.",
    addMembers: "Добавить и продолжить", skip: "Пропустить", ready: "Канал «{name}» готов",
    readyWeb: "Вставьте этот код перед </body> на каждой странице сайта. Кнопка чата появится в выбранном углу.",
    readyApi: "Создавайте контакты, разговоры и сообщения через клиентский API с этим идентификатором.",
    readyApiHook: "Новые сообщения и события разговоров этого канала отправляются (POST) на адрес:",
    readyApiNoHook: "Адрес вебхука не задан: добавьте его в настройках канала, чтобы получать события.",
    "ready:telegram": "Подключён к боту {bot_name} (@{bot_username}). Сообщения боту теперь приходят в этот канал.",
    "ready:whatsapp": "В настройках приложения Meta подпишите вебхук на этот адрес с этим токеном проверки.",
    "ready:email": "Письма на {email} приходят в этот канал. Сервисы пересылки могут также отправлять письма целиком на адрес:",
    "shown:whatsapp:callback": "Адрес вебхука", "shown:whatsapp:verify": "Токен проверки",
    "shown:whatsapp:templates": "Шаблонов сообщений загружено",
    "shown:email:raw-mail": "Адрес для писем целиком (сервисы пересылки отправляют сюда RFC 822)",
    goToSettings: "Открыть настройки канала", done: "Готово",
    preview: "Предпросмотр", previewHint: "Изменения до сохранения.", previewPlaceholder: "Напишите сообщение…",
    reply_in_a_few_minutes: "Обычно отвечаем за несколько минут", reply_in_a_few_hours: "Обычно отвечаем за несколько часов",
    reply_in_a_day: "Обычно отвечаем в течение дня",
    position: "Положение кнопки чата", positionRight: "Справа внизу", positionLeft: "Слева внизу",
    positionHint: "Задаётся в коде для вставки (data-position), в канале не хранится.",
    unreachable: "Не удалось связаться с сервером.", refused: "Не удалось загрузить: {reason}",
    noDeliveries: "Доставок пока нет; события появятся здесь по мере отправки.",
    newAgent: "Новый агент", email: "Эл. почта", role: "Роль", administrator: "Администратор", agent: "Агент",
    availability: "Статус", online: "На связи", busy: "Занят", offline: "Не в сети", actions: "Действия",
    inviteAgent: "Пригласить агента", invite: "Пригласить", inviteHint: "Агент присоединится, когда примет приглашение: кто уже работает в Switchboard, войдёт со своим паролем, остальные придумают пароль сами. Чужие пароли вы не задаёте.",
    invitationSent: "Приглашение отправлено на {email}.", invitationLink: "Ссылка-приглашение для {email}",
    invitationLinkHint: "Почтовый сервер не настроен, поэтому передайте ссылку сами. Она сработает один раз в течение недели.",
    pendingInvitations: "Ожидают ответа", noInvitations: "Неотвеченных приглашений нет.", expires: "Действует до",
    mailStatus: "Доставка", mail_sent: "отправлено", mail_waiting: "отправляется", mail_none: "ссылка у вас",
    withdraw: "Отозвать", confirmWithdraw: "Точно отозвать",
    remove: "Убрать", confirmRemove: "Точно убрать", you: "вы",
    selfNote: "Свою роль изменить и себя убрать нельзя.", roleOf: "Роль:",
    personNote: "Имя и пароль у каждого агента свои, они меняются в его профиле.",
    newTeam: "Новая команда", autoAssign: "Назначать разговоры участникам команды автоматически",
    teamDetails: "Данные команды", teamHint: "Названия команд хранятся строчными буквами.",
    autoOn: "Автоназначение включено", autoOff: "Автоназначение выключено", noTeams: "Команд пока нет. Создайте команду, чтобы делить разговоры между её участниками.",
    newLabel: "Новая метка", title: "Название", titleHint: "Буквы, цифры, - и _; хранится строчными буквами.",
    sidebar: "Показывать на боковой панели", shown: "На боковой панели", hidden: "Не на боковой панели",
    labelDetails: "Данные метки", noLabels: "Меток пока нет. Создайте метку, чтобы помечать разговоры и отбирать их в списке.",
    newCanned: "Новый шаблон ответа", shortCode: "Короткий код", content: "Текст",
    searchCanned: "Поиск по шаблонам", cannedDetails: "Шаблон ответа", shownOf: "{a} из {b}",
    shortCodeHint: "Одно слово; агенты набирают /код в поле ответа.", noCanned: "Шаблонов пока нет. Добавьте частые ответы; агенты вставляют их, набирая /.",
    noMatch: "Ничего не найдено.",
    newWebhook: "Новый вебхук", url: "Адрес", events: "События", deliveries: "Журнал доставки", event: "Событие",
    state: "Состояние", status: "Последний ответ", attempts: "Попытки", at: "Время", resend: "Отправить снова",
    resent: "Поставлено в очередь", webhookDetails: "Данные вебхука", webhookName: "Название",
    secret: "Секрет подписи", newSecret: "Создать новый секрет", noWebhooks: "Вебхуков пока нет. Добавьте вебхук, чтобы отправлять события в свои системы.",
  },
};
const fill = (s, vars) => {
  if (vars) for (const [name, v] of Object.entries(vars)) s = s.replace(`{${name}}`, String(v));
  return s;
};
export const t = (k, vars) => fill(TEXT[locale][k] || TEXT.en[k] || k, vars);

// A `t` for a section's own words (`own` as { en, ru }), falling back to
// the shared ones.
export function withText(own) {
  return (k, vars) => {
    const s = (own[locale] && own[locale][k]) || own.en[k];
    return s === undefined ? t(k, vars) : fill(s, vars);
  };
}

// ---- small building blocks ----

let seq = 0;
export const uid = (p) => `s${p}${++seq}`;

// The signed-in context of the current render (API base, profile, sign-in),
// set by the settings screen each time it renders.
let S = null;
let agentsCache = null;

// Called by the screen on each render; another account forgets the agents
// loaded for the previous one.
export function begin(ctx) {
  if (!S || S.base !== ctx.base) agentsCache = null;
  S = { base: ctx.base, ctx };
}

export const apiBase = () => S.base;
export const profile = () => S.ctx.profile;
export const signIn = () => S.ctx.signIn();

// An API error for a person; a lost session goes back to sign-in.
export function failure(e, alert, form) {
  if (e instanceof Unauthorized) {
    signIn();
    return;
  }
  alert.textContent = t("failed") + errorMessage(e);
  // The fields the server named: aria-invalid, described by the message.
  const attrs = (e && e.body && Array.isArray(e.body.attributes)) ? e.body.attributes : [];
  let first = null;
  for (const a of attrs) {
    const input = form && form.querySelector(`[name="${CSS.escape(a)}"]`);
    if (!input) continue;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-errormessage", alert.id);
    first = first || input;
  }
  if (first) first.focus();
}

export function clearErrors(form, alert) {
  alert.textContent = "";
  for (const i of form.querySelectorAll("[aria-invalid]")) {
    i.removeAttribute("aria-invalid");
    i.removeAttribute("aria-errormessage");
  }
}

export function alertBox() {
  return el("p", { class: "error", role: "alert", id: uid("err") });
}

export function statusBox() {
  return el("span", { class: "saved", role: "status" });
}

// Shows a short confirmation that fades after a few seconds.
export function flash(node, text) {
  node.textContent = text;
  clearTimeout(node._timer);
  node._timer = setTimeout(() => { node.textContent = ""; }, 4000);
}

// A labelled field with a hint tied to the control.
export function hinted(label, input, hint) {
  const node = field(label, input);
  if (hint) {
    const id = uid("hint");
    node.append(el("p", { class: "hint", id, text: hint }));
    input.setAttribute("aria-describedby", id);
  }
  return node;
}

export function checkbox(label, name, checked) {
  const input = el("input", { type: "checkbox", name });
  input.defaultChecked = input.checked = Boolean(checked);
  return { input, node: el("label", { class: "check" }, input, el("span", { text: label })) };
}

export function textarea(name, value, rows = 3) {
  const node = el("textarea", { name, rows: String(rows) });
  node.defaultValue = node.value = value || "";
  return node;
}

export function input(name, value, attrs = {}) {
  const node = el("input", { name, ...attrs });
  node.defaultValue = node.value = value == null ? "" : String(value);
  return node;
}

// Copies `text`; without clipboard access, selects `target` so Ctrl+C works.
export function copyButton(text, target, what) {
  const note = el("span", { class: "copied", role: "status" });
  const copy = el("button", { type: "button", text: t("copy"), "aria-label": what ? `${t("copy")}: ${what}` : t("copy") });
  copy.addEventListener("click", async () => {
    const value = typeof text === "function" ? text() : text;
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      if (target instanceof HTMLInputElement) {
        target.select();
      } else {
        const range = document.createRange();
        range.selectNodeContents(target);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
      }
    }
    flash(note, t("copied"));
  });
  return { copy, note };
}

// A read-only secret (token, identifier) in a labelled field with Copy.
export function secretLine(label, value, cls) {
  const box = el("input", { class: `secret ${cls || ""}`, readonly: "", spellcheck: "false", autocomplete: "off" });
  box.value = value || "";
  const { copy, note } = copyButton(() => box.value, box, label);
  const node = field(label, box);
  node.classList.add("secret-line");
  node.append(el("div", { class: "row" }, box, copy, note));
  return { node, code: box };
}

// Delete in two steps on the page: "Delete" turns into "Confirm delete" and
// "Cancel"; Escape cancels. `action` throws to keep the row.
export function deleteControl(what, action, alert, words = { ask: "delete", confirm: "confirmDelete" }) {
  const box = el("span", { class: "confirm" });
  const ask = el("button", { type: "button", class: "quiet-danger", text: t(words.ask), "aria-label": `${t(words.ask)} ${what}` });
  const yes = el("button", { type: "button", class: "danger", text: t(words.confirm), "aria-label": `${t(words.confirm)} ${what}` });
  const no = el("button", { type: "button", text: t("cancel") });
  const reset = (focus) => {
    box.replaceChildren(ask);
    if (focus) ask.focus();
  };
  ask.addEventListener("click", () => {
    alert.textContent = "";
    box.replaceChildren(yes, no);
    yes.focus();
  });
  no.addEventListener("click", () => reset(true));
  box.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && box.contains(yes)) {
      e.preventDefault();
      reset(true);
    }
  });
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    try {
      await action();
    } catch (e) {
      if (e instanceof Unauthorized) return signIn();
      alert.textContent = t("failed") + errorMessage(e);
      yes.disabled = false;
      reset(true);
    }
  });
  box.append(ask);
  // The item's name changed (after an edit): the buttons say so.
  box.rename = (name) => {
    ask.setAttribute("aria-label", `${t(words.ask)} ${name}`);
    yes.setAttribute("aria-label", `${t(words.confirm)} ${name}`);
  };
  return box;
}

// A row's "Edit" button that opens `build()` below the row's summary.
export function expander(li, button, build) {
  let panel = null;
  const id = uid("panel");
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", id);
  const close = () => {
    if (!panel) return;
    panel.remove();
    panel = null;
    button.setAttribute("aria-expanded", "false");
  };
  button.addEventListener("click", () => {
    if (panel) return close();
    panel = build(close);
    panel.id = id;
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !e.defaultPrevented && !e.isComposing) {
        e.preventDefault();
        close();
        button.focus();
      }
    });
    li.append(panel);
    button.setAttribute("aria-expanded", "true");
    const first = panel.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
  return close;
}

// Grey placeholder rows while a list loads (the list is aria-busy).
export function skeletonRows() {
  return [1, 2, 3].map(() => el("li", { class: "skeleton", "aria-hidden": "true" }, el("span"), el("span")));
}

// The same for a table body of `columns` cells.
export function skeletonTableRows(columns) {
  return [1, 2, 3].map(() => el("tr", { class: "skeleton", "aria-hidden": "true" },
    ...Array.from({ length: columns }, () => el("td", {}, el("span")))));
}

// A list that shows skeleton rows while loading and "Couldn't reach the server · Retry".
export function loadingList(attrs) {
  return el("ul", { class: "rows", "aria-busy": "true", ...attrs }, ...skeletonRows());
}

// Why a list didn't load, for a person: no answer at all, or the server's refusal.
export function loadFailure(e) {
  return e && e.status ? t("refused", { reason: errorMessage(e) }) : t("unreachable");
}

// "Couldn't reach the server." with a Retry button, as a list item or, with
// `columns`, a table row.
function loadErrorNode(e, retry, columns) {
  const again = el("button", { type: "button", text: t("retry") });
  again.addEventListener("click", () => retry());
  const parts = [el("span", { text: loadFailure(e) }), again];
  return columns
    ? el("tr", { class: "load-error-row" }, el("td", { colspan: String(columns) }, el("div", { class: "load-error", role: "alert" }, ...parts)))
    : el("li", { class: "load-error", role: "alert" }, ...parts);
}

// Fills `list` by `fetchAndPaint()`: skeleton rows and aria-busy (on `busy`,
// the list itself unless told) meanwhile, the error with Retry (which loads
// again, skeleton first) if it fails. `columns`: the list is a table body.
export async function load(list, fetchAndPaint, { columns = 0, busy = list } = {}) {
  const run = async () => {
    busy.setAttribute("aria-busy", "true");
    try {
      await fetchAndPaint();
      busy.setAttribute("aria-busy", "false");
    } catch (e) {
      if (e instanceof Unauthorized) throw e;
      busy.setAttribute("aria-busy", "false");
      list.replaceChildren(loadErrorNode(e, () => {
        list.replaceChildren(...(columns ? skeletonTableRows(columns) : skeletonRows()));
        run().catch(() => signIn());
      }, columns));
    }
  };
  await run();
}

// An empty list: what it would hold and, with `actionText`, the button that
// starts adding the first one.
export function emptyRow(text, actionText, action) {
  const li = el("li", { class: "empty-row" }, el("span", { text }));
  if (actionText) {
    const go = el("button", { type: "button", class: "primary", text: actionText });
    go.addEventListener("click", action);
    li.append(go);
  }
  return li;
}

// Moves to a create form's first field (the empty states' action).
export function focusForm(form) {
  form.scrollIntoView({ block: "nearest" });
  const first = form.querySelector("input:not([type=hidden]), select, textarea");
  if (first) first.focus();
}

// A form card that sends `submit()` and shows errors inline.
export function formCard(label, children, submitText, submit, attrs = {}) {
  const alert = alertBox();
  const status = statusBox();
  const button = el("button", { class: "primary", type: "submit", text: submitText });
  const row = el("div", { class: "row" }, button, status);
  const form = el("form", { class: "card", "aria-label": label, novalidate: "", ...attrs }, ...children, alert, row);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form, alert);
    status.textContent = "";
    button.disabled = true;
    try {
      const message = await submit(form);
      if (message) flash(status, message);
    } catch (err) {
      failure(err, alert, form);
    } finally {
      button.disabled = false;
    }
  });
  return { form, alert, status, row, button };
}

// Agents as checkboxes (avatar and name); `ids()` reads the choice.
export function memberPicker(legend, agents, selected) {
  const boxes = agents.map((a) => {
    const name = a.available_name || a.name;
    const box = el("input", { type: "checkbox", name: "user_ids", value: String(a.id) });
    box.checked = selected.has(a.id);
    return el("label", { class: "check member" }, box, avatar(name, a.thumbnail || a.avatar_url, "sm"),
      el("span", { text: name }), el("span", { class: "meta", text: a.email || "" }));
  });
  const node = el("fieldset", { class: "members" }, el("legend", { text: legend }),
    ...(boxes.length ? boxes : [el("p", { class: "meta", text: t("noAgents") })]));
  return {
    node,
    ids: () => boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => Number(i.value)),
  };
}

// The account's agents, loaded once and shared by the member pickers;
// `fresh` loads them again.
export function agents(fresh = false) {
  if (fresh || !agentsCache) {
    agentsCache = api(`${apiBase()}/agents`).then((r) => r || []);
    agentsCache.catch(() => { agentsCache = null; });
  }
  return agentsCache;
}

// An agent was removed: the next picker loads the list again.
export function forgetAgents() {
  agentsCache = null;
}

// A members form: loads the account's agents and the current members,
// saves the whole list with `save(ids)`.
export function membersForm(loadMembers, save) {
  const holder = el("div", { class: "members-holder", "aria-busy": "true" });
  const { form } = formCard(t("members"), [holder], t("saveMembers"), async () => {
    if (!picker) return "";
    await save(picker.ids());
    return t("saved");
  });
  let picker = null;
  const fill = () => {
    holder.setAttribute("aria-busy", "true");
    holder.replaceChildren();
    Promise.all([agents(), loadMembers()]).then(([all, members]) => {
      picker = memberPicker(t("members"), all, new Set((members || []).map((m) => m.id)));
      holder.replaceChildren(picker.node);
      holder.setAttribute("aria-busy", "false");
    }).catch((e) => {
      if (e instanceof Unauthorized) return signIn();
      holder.setAttribute("aria-busy", "false");
      const again = el("button", { type: "button", text: t("retry") });
      again.addEventListener("click", fill);
      holder.replaceChildren(el("p", { class: "load-error", role: "alert" }, el("span", { text: loadFailure(e) }), again));
    });
  };
  fill();
  return form;
}

export function rowButtons(...children) {
  return el("span", { class: "actions" }, ...children);
}

// A moment as the rest of the dashboard writes it: relative ("5 min ago"),
// the full date and time on hover, machine-readable in datetime.
export function timeNode(unixSecs) {
  if (!unixSecs) return el("span", { text: "—" });
  return el("time", { datetime: new Date(unixSecs * 1000).toISOString(), title: when(unixSecs), text: relative(unixSecs) });
}
