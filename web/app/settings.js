// Settings for administrators, one section at a time (#/settings/<section>):
// inboxes (a step-by-step "New inbox": channel, its form, members, then the
// embed code or what to set up on the platform; each inbox's settings,
// identity verification, working hours, members, the embed snippet, and a
// live preview of the website widget), agents, teams, labels, canned
// responses and webhooks (subscriptions, delivery log, re-send).
//
// Conventions: the DOM is built with el() (never innerHTML); every control has
// a label; server errors show inline in a role="alert" element and mark the
// offending field aria-invalid; deletion asks for a second, in-page click.
// Lists show skeleton rows while loading (aria-busy), say what to do when
// empty, and offer Retry when the server can't be reached. Dates are written
// as the rest of the dashboard writes them (relative, the full date on hover).

import { Unauthorized, api, avatar, el, errorMessage, field, icon, locale, relative, when } from "./lib.js";
import { readableTextOn } from "./contrast.js";
import { attributesSection } from "./settings-attributes.js";

const TEXT = {
  en: {
    settings: "Settings", sections: "Settings sections", inboxes: "Inboxes", agents: "Agents", teams: "Teams",
    labels: "Labels", canned: "Canned responses", webhooks: "Webhooks",
    attributes: "Custom attributes",
    name: "Name", create: "Create", save: "Save", saved: "Saved", cancel: "Cancel", edit: "Edit",
    delete: "Delete", confirmDelete: "Confirm delete", copy: "Copy", copied: "Copied",
    failed: "Couldn't save: ", retry: "Retry",
    description: "Description", colour: "Colour", optional: "optional",
    // inboxes
    newInbox: "New website inbox", newApiInbox: "New API inbox", newTelegramInbox: "New Telegram inbox",
    botToken: "Bot token", botTokenHint: "From @BotFather. Switchboard checks it with Telegram and sets the bot's webhook to this server.",
    channelTelegram: "Telegram",
    newWhatsAppInbox: "New WhatsApp inbox", phoneNumber: "Phone number", phoneNumberId: "Phone number ID",
    businessAccountId: "WhatsApp Business Account ID", accessToken: "Access token",
    accessTokenHint: "A system user's permanent token with whatsapp_business_messaging.", appSecret: "App secret",
    newEmailInbox: "New e-mail inbox", emailAddress: "E-mail address", channelEmail: "E-mail",
    emailHint: "The address customers write to. Replies are sent from it.",
    imapLegend: "Incoming mail (IMAP)", imapEnabled: "Read this mailbox over IMAP", imapServer: "IMAP server",
    imapPort: "IMAP port", imapLogin: "IMAP login", imapPassword: "IMAP password", imapSsl: "IMAP over SSL/TLS",
    smtpLegend: "Outgoing mail (SMTP)", smtpEnabled: "Send replies over SMTP", smtpServer: "SMTP server",
    smtpPort: "SMTP port", smtpLogin: "SMTP login", smtpPassword: "SMTP password",
    smtpStarttls: "Use STARTTLS when the server offers it", smtpSsl: "SMTP over SSL/TLS (port 465)",
    passwordKept: "Leave empty to keep the saved password", rawMailUrl: "Raw mail address (forwarding services POST RFC 822 here)",
    mailboxRead: "Mailbox last read", mailboxError: "Reading the mailbox failed", mailboxNever: "The mailbox has not been read yet.",
    callbackUrl: "Callback URL", verifyToken: "Verify token", templatesSynced: "Message templates synced", channelWhatsApp: "WhatsApp", website: "Website URL",
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
    members: "Members", saveMembers: "Save members", noAgents: "No agents yet.",
    contrastWarn: "Text on this colour is hard to read (contrast {n}:1, below 4.5:1). Pick a darker or lighter colour.",
    noInboxes: "No inboxes yet. Add one to start receiving conversations.",
    // the new-inbox flow
    newInboxButton: "New inbox", flowTitle: "New inbox", flowSteps: "Steps", stepOf: "Step {n} of {total}",
    stepChannel: "Channel", stepDetails: "Details", stepMembers: "Members", stepReady: "Ready",
    pickChannel: "Where will customers write to you?",
    channelWebHint: "A chat window on your website.", channelApiHint: "Your own app or service, through the API and a webhook.",
    channelTelegramHint: "A Telegram bot: what people send it arrives here.", channelWhatsAppHint: "A business number on the WhatsApp Cloud API.",
    channelEmailHint: "A support address: mail to it becomes conversations.",
    back: "Back", createInbox: "Create inbox", membersStep: "Who answers here?",
    membersStepHint: "Agents you add see this inbox's conversations and can be assigned them. You can change this later in the inbox settings.",
    addMembers: "Add and continue", skip: "Skip", ready: "{name} is ready",
    readyWeb: "Paste this code before </body> on every page of your site. The chat button appears in the corner you chose.",
    readyApi: "Create contacts, conversations and messages with the client API under this identifier.",
    readyApiHook: "New messages and conversation events of this inbox are POSTed to:",
    readyApiNoHook: "No webhook URL yet: add one in the inbox settings to receive its events.",
    readyTelegram: "Connected to {bot}. Messages sent to the bot now arrive in this inbox.",
    readyWhatsApp: "In Meta's app settings, subscribe the webhook with this callback URL and verify token.",
    readyEmail: "Mail to {address} arrives in this inbox. Forwarding services can also post raw mail to this address:",
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
    labels: "Метки", canned: "Шаблоны ответов", webhooks: "Вебхуки",
    attributes: "Дополнительные атрибуты",
    name: "Название", create: "Создать", save: "Сохранить", saved: "Сохранено", cancel: "Отмена", edit: "Изменить",
    delete: "Удалить", confirmDelete: "Точно удалить", copy: "Копировать",
    copied: "Скопировано", failed: "Не сохранено: ",
    retry: "Повторить", description: "Описание", colour: "Цвет", optional: "необязательно",
    newInbox: "Новый канал для сайта", newApiInbox: "Новый API-канал", newTelegramInbox: "Новый канал Telegram",
    botToken: "Токен бота", botTokenHint: "Выдаёт @BotFather. Switchboard проверит его в Telegram и направит вебхук бота на этот сервер.",
    channelTelegram: "Telegram",
    newWhatsAppInbox: "Новый канал WhatsApp", phoneNumber: "Номер телефона", phoneNumberId: "ID номера телефона",
    businessAccountId: "ID аккаунта WhatsApp Business", accessToken: "Токен доступа",
    accessTokenHint: "Постоянный токен системного пользователя с правом whatsapp_business_messaging.", appSecret: "Секрет приложения",
    newEmailInbox: "Новый почтовый ящик", emailAddress: "Адрес e-mail", channelEmail: "E-mail",
    emailHint: "Адрес, на который пишут клиенты. Ответы уходят с него.",
    imapLegend: "Входящая почта (IMAP)", imapEnabled: "Читать этот ящик по IMAP", imapServer: "Сервер IMAP",
    imapPort: "Порт IMAP", imapLogin: "Логин IMAP", imapPassword: "Пароль IMAP", imapSsl: "IMAP через SSL/TLS",
    smtpLegend: "Исходящая почта (SMTP)", smtpEnabled: "Отправлять ответы через SMTP", smtpServer: "Сервер SMTP",
    smtpPort: "Порт SMTP", smtpLogin: "Логин SMTP", smtpPassword: "Пароль SMTP",
    smtpStarttls: "Использовать STARTTLS, если сервер предлагает", smtpSsl: "SMTP через SSL/TLS (порт 465)",
    passwordKept: "Оставьте пустым, чтобы не менять сохранённый пароль", rawMailUrl: "Адрес для писем целиком (сервисы пересылки отправляют сюда RFC 822)",
    mailboxRead: "Ящик прочитан", mailboxError: "Не удалось прочитать ящик", mailboxNever: "Ящик ещё не читали.",
    callbackUrl: "Адрес вебхука", verifyToken: "Токен проверки", templatesSynced: "Шаблонов сообщений загружено", channelWhatsApp: "WhatsApp", website: "Адрес сайта",
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
    members: "Участники", saveMembers: "Сохранить участников", noAgents: "Агентов пока нет.",
    contrastWarn: "Текст на этом цвете плохо читается (контраст {n}:1, меньше 4,5:1). Выберите цвет темнее или светлее.",
    noInboxes: "Каналов пока нет. Добавьте канал, чтобы начать получать разговоры.",
    newInboxButton: "Новый канал", flowTitle: "Новый канал", flowSteps: "Шаги", stepOf: "Шаг {n} из {total}",
    stepChannel: "Канал", stepDetails: "Настройки", stepMembers: "Участники", stepReady: "Готово",
    pickChannel: "Откуда вам будут писать клиенты?",
    channelWebHint: "Окно чата на вашем сайте.", channelApiHint: "Ваше приложение или сервис — через API и вебхук.",
    channelTelegramHint: "Бот Telegram: всё, что ему пишут, приходит сюда.", channelWhatsAppHint: "Бизнес-номер в WhatsApp Cloud API.",
    channelEmailHint: "Адрес поддержки: письма на него становятся разговорами.",
    back: "Назад", createInbox: "Создать канал", membersStep: "Кто отвечает в этом канале?",
    membersStepHint: "Добавленные агенты видят разговоры канала, и их можно на них назначать. Это можно изменить позже в настройках канала.",
    addMembers: "Добавить и продолжить", skip: "Пропустить", ready: "Канал «{name}» готов",
    readyWeb: "Вставьте этот код перед </body> на каждой странице сайта. Кнопка чата появится в выбранном углу.",
    readyApi: "Создавайте контакты, разговоры и сообщения через клиентский API с этим идентификатором.",
    readyApiHook: "Новые сообщения и события разговоров этого канала отправляются (POST) на адрес:",
    readyApiNoHook: "Адрес вебхука не задан: добавьте его в настройках канала, чтобы получать события.",
    readyTelegram: "Подключён к боту {bot}. Сообщения боту теперь приходят в этот канал.",
    readyWhatsApp: "В настройках приложения Meta подпишите вебхук на этот адрес с этим токеном проверки.",
    readyEmail: "Письма на {address} приходят в этот канал. Сервисы пересылки могут также отправлять письма целиком на адрес:",
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
const t = (k, vars) => {
  let s = TEXT[locale][k] || TEXT.en[k] || k;
  if (vars) for (const [name, v] of Object.entries(vars)) s = s.replace(`{${name}}`, String(v));
  return s;
};

const SECTIONS = ["inboxes", "agents", "teams", "labels", "attributes", "canned", "webhooks"];

const EVENTS = [
  "conversation_created", "conversation_status_changed", "conversation_updated", "message_created", "message_updated",
  "webwidget_triggered", "contact_created", "contact_updated", "conversation_typing_on", "conversation_typing_off",
  "inbox_created", "inbox_updated",
];

// ---- small building blocks ----

let seq = 0;
const uid = (p) => `s${p}${++seq}`;

// The signed-in context of the current render (API base, profile, sign-in).
let S = null;

// An API error for a person; a lost session goes back to sign-in.
function failure(e, alert, form) {
  if (e instanceof Unauthorized) {
    S.ctx.signIn();
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

function clearErrors(form, alert) {
  alert.textContent = "";
  for (const i of form.querySelectorAll("[aria-invalid]")) {
    i.removeAttribute("aria-invalid");
    i.removeAttribute("aria-errormessage");
  }
}

function alertBox() {
  return el("p", { class: "error", role: "alert", id: uid("err") });
}

function statusBox() {
  return el("span", { class: "saved", role: "status" });
}

// Shows a short confirmation that fades after a few seconds.
function flash(node, text) {
  node.textContent = text;
  clearTimeout(node._timer);
  node._timer = setTimeout(() => { node.textContent = ""; }, 4000);
}

// A labelled field with a hint tied to the control.
function hinted(label, input, hint) {
  const node = field(label, input);
  if (hint) {
    const id = uid("hint");
    node.append(el("p", { class: "hint", id, text: hint }));
    input.setAttribute("aria-describedby", id);
  }
  return node;
}

function checkbox(label, name, checked) {
  const input = el("input", { type: "checkbox", name });
  input.defaultChecked = input.checked = Boolean(checked);
  return { input, node: el("label", { class: "check" }, input, el("span", { text: label })) };
}

function textarea(name, value, rows = 3) {
  const node = el("textarea", { name, rows: String(rows) });
  node.defaultValue = node.value = value || "";
  return node;
}

function input(name, value, attrs = {}) {
  const node = el("input", { name, ...attrs });
  node.defaultValue = node.value = value == null ? "" : String(value);
  return node;
}

// Copies `text`; without clipboard access, selects `target` so Ctrl+C works.
function copyButton(text, target, what) {
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

// The embed code with Copy; `set(text)` changes it (the launcher's side).
function snippetBox(script) {
  let value = script;
  const text = el("code", { text: script });
  const code = el("pre", { class: "snippet", tabindex: "0", "aria-label": t("snippet") }, text);
  const { copy, note } = copyButton(() => value, code);
  const node = el("div", { class: "snippet-box" }, code, el("div", { class: "row" }, copy, note));
  node.set = (next) => {
    value = next;
    text.textContent = next;
  };
  return node;
}

// The website's embed code for a launcher side: our widget reads
// data-position="left" on its script tag; right is the default.
function embedCode(script, position) {
  if (position !== "left") return script;
  const attr = ' data-position="left"';
  const after = script.replace(/(data-website-token="[^"]*")/, `$1${attr}`);
  return after !== script ? after : script.replace(/<script\b/, `<script${attr}`);
}

// A read-only secret (token, identifier) in a labelled field with Copy.
function secretLine(label, value, cls) {
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
function deleteControl(what, action, alert, words = { ask: "delete", confirm: "confirmDelete" }) {
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
      if (e instanceof Unauthorized) return S.ctx.signIn();
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
function expander(li, button, build) {
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
function skeletonRows() {
  return [1, 2, 3].map(() => el("li", { class: "skeleton", "aria-hidden": "true" }, el("span"), el("span")));
}

// The same for a table body of `columns` cells.
function skeletonTableRows(columns) {
  return [1, 2, 3].map(() => el("tr", { class: "skeleton", "aria-hidden": "true" },
    ...Array.from({ length: columns }, () => el("td", {}, el("span")))));
}

// A list that shows skeleton rows while loading and "Couldn't reach the server · Retry".
function loadingList(attrs) {
  return el("ul", { class: "rows", "aria-busy": "true", ...attrs }, ...skeletonRows());
}

// Why a list didn't load, for a person: no answer at all, or the server's refusal.
function loadFailure(e) {
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
async function load(list, fetchAndPaint, { columns = 0, busy = list } = {}) {
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
        run().catch(() => S.ctx.signIn());
      }, columns));
    }
  };
  await run();
}

// An empty list: what it would hold and, with `actionText`, the button that
// starts adding the first one.
function emptyRow(text, actionText, action) {
  const li = el("li", { class: "empty-row" }, el("span", { text }));
  if (actionText) {
    const go = el("button", { type: "button", class: "primary", text: actionText });
    go.addEventListener("click", action);
    li.append(go);
  }
  return li;
}

// Moves to a create form's first field (the empty states' action).
function focusForm(form) {
  form.scrollIntoView({ block: "nearest" });
  const first = form.querySelector("input:not([type=hidden]), select, textarea");
  if (first) first.focus();
}

// A form card that sends `submit()` and shows errors inline.
function formCard(label, children, submitText, submit, attrs = {}) {
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
function memberPicker(legend, agents, selected) {
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

let agentsCache = null;
function agents(fresh = false) {
  if (fresh || !agentsCache) {
    agentsCache = api(`${S.base}/agents`).then((r) => r || []);
    agentsCache.catch(() => { agentsCache = null; });
  }
  return agentsCache;
}

// A members form: loads the account's agents and the current members,
// saves the whole list with `save(ids)`.
function membersForm(loadMembers, save) {
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
      if (e instanceof Unauthorized) return S.ctx.signIn();
      holder.setAttribute("aria-busy", "false");
      const again = el("button", { type: "button", text: t("retry") });
      again.addEventListener("click", fill);
      holder.replaceChildren(el("p", { class: "load-error", role: "alert" }, el("span", { text: loadFailure(e) }), again));
    });
  };
  fill();
  return form;
}

function rowButtons(...children) {
  return el("span", { class: "actions" }, ...children);
}

// A moment as the rest of the dashboard writes it: relative ("5 min ago"),
// the full date and time on hover, machine-readable in datetime.
function timeNode(unixSecs) {
  if (!unixSecs) return el("span", { text: "—" });
  return el("time", { datetime: new Date(unixSecs * 1000).toISOString(), title: when(unixSecs), text: relative(unixSecs) });
}

// ---- colour contrast (UI brief: warn when the inbox colour can't reach 4.5:1) ----

function luminance(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  if (!m) return null;
  const n = parseInt(m[1], 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

// The better contrast of white or near-black (#16191d) text on `hex`.
function bestContrast(hex) {
  const l = luminance(hex);
  if (l === null) return null;
  const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  return Math.max(ratio(l, 1), ratio(l, luminance("#16191d")));
}

function colourWarning(colourInput) {
  const warn = el("p", { class: "warn", role: "status" });
  const check = () => {
    const c = bestContrast(colourInput.value);
    warn.textContent = c !== null && c < 4.5
      ? t("contrastWarn", { n: c.toLocaleString(locale, { maximumFractionDigits: 1 }) }) : "";
  };
  colourInput.addEventListener("input", check);
  check();
  return warn;
}

// ---- the website widget's preview ----

// The widget's speech-bubble glyph, drawn in the launcher's text colour.
function chatGlyph() {
  const SVG = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

// A miniature of the widget as a visitor sees it: the open window (header
// in the inbox colour with the welcome title, tagline and reply time, the
// greeting as the first message) above the launcher, in the chosen corner.
// The text on the colour is chosen by readableTextOn, as the widget does.
// `update(values)` repaints it from the form, before anything is saved.
function widgetPreview() {
  const title = el("span", { class: "wp-title" });
  const tagline = el("span", { class: "wp-tagline" });
  const reply = el("span", { class: "wp-reply" });
  const header = el("div", { class: "wp-header" }, title, tagline, reply);
  const bubble = el("p", { class: "wp-bubble" });
  const panel = el("div", { class: "wp-panel" }, header, el("div", { class: "wp-body" }, bubble),
    el("div", { class: "wp-composer", text: t("previewPlaceholder") }));
  const launcher = el("span", { class: "wp-launcher" }, chatGlyph());
  const stage = el("div", { class: "wp-stage", "data-position": "right" }, panel, launcher);
  const node = el("figure", { class: "widget-preview card" },
    el("figcaption", {}, el("strong", { text: t("preview") }), el("span", { class: "hint", text: t("previewHint") })), stage);
  function update(v) {
    const colour = /^#[0-9a-f]{6}$/i.test(v.colour || "") ? v.colour : "#1f93ff";
    stage.style.setProperty("--wp-colour", colour);
    stage.style.setProperty("--wp-text", readableTextOn(colour));
    title.textContent = v.title || "";
    title.hidden = !v.title;
    tagline.textContent = v.tagline || "";
    tagline.hidden = !v.tagline;
    reply.textContent = t(`reply_${v.replyTime || "in_a_few_minutes"}`);
    bubble.textContent = v.greeting || "";
    bubble.hidden = !v.greeting;
    stage.dataset.position = v.position === "left" ? "left" : "right";
  }
  return { node, update };
}

// The launcher's side as a pair of radio buttons; a snippet setting.
function positionControl() {
  const group = uid("pos");
  const radios = ["right", "left"].map((v) => {
    const r = el("input", { type: "radio", name: group, value: v });
    r.checked = v === "right";
    return r;
  });
  const hintId = uid("hint");
  const node = el("fieldset", { class: "position", "aria-describedby": hintId }, el("legend", { text: t("position") }),
    ...radios.map((r) => el("label", { class: "check" }, r, el("span", { text: t(r.value === "left" ? "positionLeft" : "positionRight") }))),
    el("p", { class: "hint", id: hintId, text: t("positionHint") }));
  return { node, value: () => (radios[1].checked ? "left" : "right") };
}

// ---- inboxes ----

function channelWord(inbox) {
  return inbox.channel_type === "Channel::Api" ? t("channelApi")
    : inbox.channel_type === "Channel::WebWidget" ? t("channelWeb")
    : inbox.channel_type === "Channel::Telegram" ? t("channelTelegram")
    : inbox.channel_type === "Channel::Whatsapp" ? t("channelWhatsApp")
    : inbox.channel_type === "Channel::Email" ? t("channelEmail") : inbox.channel_type || "";
}

const DAY_ORDER = [1, 2, 3, 4, 5, 6, 0]; // Monday first; 0 is Sunday as in Chatwoot
function dayName(d) {
  return new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 7 + d)));
}
const pad = (n) => String(n).padStart(2, "0");

function timezones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

// The week as rows of controls; `value()` returns Chatwoot's working_hours
// or throws an Error naming the day whose times are backwards.
function hoursTable(hours) {
  const byDay = new Map((hours || []).map((h) => [h.day_of_week, h]));
  const rows = DAY_ORDER.map((d) => {
    const h = byDay.get(d) || { day_of_week: d, closed_all_day: d === 0 || d === 6, open_hour: 9, open_minutes: 0, close_hour: 17, close_minutes: 0 };
    const name = dayName(d);
    const open = el("input", { type: "checkbox", "aria-label": `${name}: ${t("open")}` });
    open.checked = !h.closed_all_day;
    const allDay = el("input", { type: "checkbox", "aria-label": `${name}: ${t("allDay")}` });
    allDay.checked = Boolean(h.open_all_day);
    const from = el("input", { type: "time", "aria-label": `${name}: ${t("from")}` });
    from.value = `${pad(h.open_hour ?? 9)}:${pad(h.open_minutes ?? 0)}`;
    const to = el("input", { type: "time", "aria-label": `${name}: ${t("to")}` });
    const close = h.close_hour ?? 17;
    to.value = close >= 24 ? "23:59" : `${pad(close)}:${pad(h.close_minutes ?? 0)}`;
    const sync = () => {
      allDay.disabled = !open.checked;
      from.disabled = to.disabled = !open.checked || allDay.checked;
    };
    open.addEventListener("change", sync);
    allDay.addEventListener("change", sync);
    sync();
    const tr = el("tr", { "data-day": String(d) }, el("th", { scope: "row", text: name }),
      el("td", {}, open), el("td", {}, allDay), el("td", {}, from), el("td", {}, to));
    return { tr, read() {
      const [oh, om] = from.value.split(":").map(Number);
      const [ch, cm] = to.value.split(":").map(Number);
      if (open.checked && !allDay.checked && (Number.isNaN(oh) || Number.isNaN(ch) || oh * 60 + om >= ch * 60 + cm)) {
        throw Object.assign(new Error(`${name}: ${t("badHours")}`), { control: from });
      }
      return {
        day_of_week: d, closed_all_day: !open.checked, open_all_day: open.checked && allDay.checked,
        open_hour: Number.isNaN(oh) ? 9 : oh, open_minutes: om || 0,
        close_hour: Number.isNaN(ch) ? 17 : ch, close_minutes: cm || 0,
      };
    } };
  });
  const node = el("table", { class: "hours" },
    el("thead", {}, el("tr", {}, ...["day", "open", "allDay", "from", "to"].map((k) => el("th", { scope: "col", text: t(k) })))),
    el("tbody", {}, ...rows.map((r) => r.tr)));
  return { node, value: () => rows.map((r) => r.read()).sort((a, b) => a.day_of_week - b.day_of_week) };
}

let tzList = null;
function tzDatalist() {
  if (!tzList) {
    tzList = el("datalist", { id: "sb-timezones" }, ...["UTC", ...timezones()].map((z) => el("option", { value: z })));
  }
  return tzList;
}

// An e-mail inbox's servers: IMAP to read its mailbox, SMTP to send.
// Passwords are never shown; on an existing inbox an empty one keeps it.
function mailServerFields(inbox) {
  const c = inbox || {};
  const kept = (set) => (set ? { placeholder: t("passwordKept") } : {});
  const imapOn = checkbox(t("imapEnabled"), "imap_enabled", c.imap_enabled);
  const imap = {
    imap_address: input("imap_address", c.imap_address, { placeholder: "imap.example.com", autocomplete: "off" }),
    imap_port: input("imap_port", c.imap_port || 993, { type: "number", min: "1", max: "65535" }),
    imap_login: input("imap_login", c.imap_login, { autocomplete: "off" }),
    imap_password: input("imap_password", "", { type: "password", autocomplete: "new-password", ...kept(c.imap_password_set) }),
  };
  const imapSsl = checkbox(t("imapSsl"), "imap_enable_ssl", c.imap_enable_ssl !== false);
  const smtpOn = checkbox(t("smtpEnabled"), "smtp_enabled", c.smtp_enabled);
  const smtp = {
    smtp_address: input("smtp_address", c.smtp_address, { placeholder: "smtp.example.com", autocomplete: "off" }),
    smtp_port: input("smtp_port", c.smtp_port || 587, { type: "number", min: "1", max: "65535" }),
    smtp_login: input("smtp_login", c.smtp_login, { autocomplete: "off" }),
    smtp_password: input("smtp_password", "", { type: "password", autocomplete: "new-password", ...kept(c.smtp_password_set) }),
  };
  const starttls = checkbox(t("smtpStarttls"), "smtp_enable_starttls_auto", c.smtp_enable_starttls_auto !== false);
  const smtpSsl = checkbox(t("smtpSsl"), "smtp_enable_ssl_tls", c.smtp_enable_ssl_tls);
  const imapBody = el("div", { class: "grid2" }, field(t("imapServer"), imap.imap_address), field(t("imapPort"), imap.imap_port),
    field(t("imapLogin"), imap.imap_login), hinted(t("imapPassword"), imap.imap_password, c.imap_password_set ? t("passwordKept") : ""));
  const smtpBody = el("div", { class: "grid2" }, field(t("smtpServer"), smtp.smtp_address), field(t("smtpPort"), smtp.smtp_port),
    field(t("smtpLogin"), smtp.smtp_login), hinted(t("smtpPassword"), smtp.smtp_password, c.smtp_password_set ? t("passwordKept") : ""));
  const sync = () => {
    imapBody.hidden = imapSsl.node.hidden = !imapOn.input.checked;
    smtpBody.hidden = starttls.node.hidden = smtpSsl.node.hidden = !smtpOn.input.checked;
  };
  imapOn.input.addEventListener("change", sync);
  smtpOn.input.addEventListener("change", sync);
  sync();
  const nodes = [
    el("fieldset", { class: "stack" }, el("legend", { text: t("imapLegend") }), imapOn.node, imapBody, imapSsl.node),
    el("fieldset", { class: "stack" }, el("legend", { text: t("smtpLegend") }), smtpOn.node, smtpBody, starttls.node, smtpSsl.node),
  ];
  function value() {
    const v = { imap_enabled: imapOn.input.checked, smtp_enabled: smtpOn.input.checked };
    for (const [k, node] of [...Object.entries(imap), ...Object.entries(smtp)]) {
      const x = node.value.trim();
      if (k.endsWith("_port")) {
        if (x) v[k] = Number(x);
      } else if (k.endsWith("_password")) {
        if (x || !inbox) v[k] = x;
      } else {
        v[k] = x;
      }
    }
    v.imap_enable_ssl = imapSsl.input.checked;
    v.smtp_enable_starttls_auto = starttls.input.checked;
    v.smtp_enable_ssl_tls = smtpSsl.input.checked;
    return v;
  }
  function reset() {
    for (const node of [...Object.values(imap), ...Object.values(smtp)]) node.value = node.defaultValue;
    sync();
  }
  return { nodes, value, reset };
}

function mailboxStatus(inbox) {
  const st = inbox.imap_status;
  if (!inbox.imap_enabled) return null;
  if (!st) return el("p", { class: "meta", text: t("mailboxNever") });
  if (st.last_error) {
    return el("p", { class: "mail-status error", role: "status" }, el("strong", { text: `${t("mailboxError")}: ` }),
      el("span", { text: `${st.last_error} (` }), timeNode(st.polled_at), el("span", { text: ")" }));
  }
  return el("p", { class: "mail-status meta", role: "status" }, el("span", { text: `${t("mailboxRead")}: ` }), timeNode(st.polled_at));
}

function inboxEditor(inbox, onSaved) {
  const isWeb = inbox.channel_type === "Channel::WebWidget";
  const isApi = inbox.channel_type === "Channel::Api";
  const name = input("name", inbox.name, { autocomplete: "off" });
  const parts = [el("h3", { text: t("inboxSettings") }), field(t("name"), name)];
  const channel = {};
  if (isWeb) {
    channel.website_url = input("website_url", inbox.website_url, { type: "url", placeholder: "https://shop.example" });
    channel.widget_color = input("widget_color", /^#[0-9a-f]{6}$/i.test(inbox.widget_color || "") ? inbox.widget_color : "#1f93ff", { type: "color" });
    channel.welcome_title = input("welcome_title", inbox.welcome_title);
    channel.welcome_tagline = input("welcome_tagline", inbox.welcome_tagline);
    channel.reply_time = el("select", { name: "reply_time" },
      ...["in_a_few_minutes", "in_a_few_hours", "in_a_day"].map((v) => el("option", { value: v, text: t(v) })));
    channel.reply_time.value = inbox.reply_time || "in_a_few_minutes";
    channel.allowed_domains = input("allowed_domains", inbox.allowed_domains, { placeholder: "shop.example, *.shop.example" });
    parts.push(el("div", { class: "grid2" },
      field(t("website"), channel.website_url),
      el("div", { class: "field" }, field(t("colour"), channel.widget_color), colourWarning(channel.widget_color)),
      field(t("welcomeTitle"), channel.welcome_title), field(t("welcomeTagline"), channel.welcome_tagline),
      field(t("replyTime"), channel.reply_time), field(t("allowedDomains"), channel.allowed_domains)));
  }
  let mail = null;
  if (inbox.channel_type === "Channel::Email") {
    mail = mailServerFields(inbox);
    parts.push(el("p", { class: "meta", text: `${t("emailAddress")}: ${inbox.email || ""}` }), ...mail.nodes);
    const status = mailboxStatus(inbox);
    if (status) parts.push(status);
    if (inbox.raw_email_webhook_url) parts.push(secretLine(t("rawMailUrl"), inbox.raw_email_webhook_url, "raw-mail").node);
  }
  if (isApi) {
    channel.webhook_url = input("webhook_url", inbox.webhook_url, { type: "url", placeholder: "https://example.com/hooks" });
    parts.push(hinted(t("webhookUrl"), channel.webhook_url, t("webhookUrlHint")));
    if (inbox.inbox_identifier) parts.push(secretLine(t("inboxIdentifier"), inbox.inbox_identifier, "identifier").node);
    if (inbox.secret) parts.push(secretLine(t("apiSecret"), inbox.secret, "api-secret").node);
  }

  const greeting = checkbox(t("greetingEnabled"), "greeting_enabled", inbox.greeting_enabled);
  const greetingText = textarea("greeting_message", inbox.greeting_message);
  const syncGreeting = () => { greetingText.disabled = !greeting.input.checked; };
  greeting.input.addEventListener("change", syncGreeting);
  syncGreeting();
  parts.push(el("fieldset", { class: "stack" }, el("legend", { text: t("greeting") }),
    greeting.node, field(t("greetingMessage"), greetingText)));

  // Conversation options the server acts on; widget features keep flags
  // this screen doesn't show (emoji_picker, use_inbox_avatar_for_bot).
  const csat = checkbox(t("csat"), "csat_survey_enabled", inbox.csat_survey_enabled);
  const afterResolved = checkbox(t("allowAfterResolved"), "allow_messages_after_resolved", inbox.allow_messages_after_resolved !== false);
  const single = checkbox(t("lockSingle"), "lock_to_single_conversation", inbox.lock_to_single_conversation);
  const options = el("fieldset", { class: "stack" }, el("legend", { text: t("conversations") }), csat.node, afterResolved.node, single.node);
  let flags = null, preChat = null, preChatText = null;
  if (isWeb) {
    const current = Array.isArray(inbox.selected_feature_flags) ? inbox.selected_feature_flags : ["attachments", "emoji_picker", "end_conversation"];
    flags = {
      attachments: checkbox(t("featureAttachments"), "selected_feature_flags", current.includes("attachments")),
      end_conversation: checkbox(t("featureEnd"), "selected_feature_flags", current.includes("end_conversation")),
      value() {
        const keep = current.filter((f) => f !== "attachments" && f !== "end_conversation");
        return [...keep, ...["attachments", "end_conversation"].filter((f) => this[f].input.checked)];
      },
    };
    const pre = inbox.pre_chat_form_options || {};
    preChat = checkbox(t("preChat"), "pre_chat_form_enabled", inbox.pre_chat_form_enabled);
    preChatText = input("pre_chat_message", pre.pre_chat_message || "");
    const syncPre = () => { preChatText.disabled = !preChat.input.checked; };
    preChat.input.addEventListener("change", syncPre);
    syncPre();
    options.append(flags.attachments.node, flags.end_conversation.node, preChat.node, field(t("preChatMessage"), preChatText));
  }
  parts.push(options);

  let hmac = null;
  if (isWeb || isApi) {
    hmac = checkbox(t("hmacMandatory"), "hmac_mandatory", inbox.hmac_mandatory);
    const token = secretLine(t("hmacToken"), inbox.hmac_token || "", "token");
    const hintId = uid("hint");
    token.code.setAttribute("aria-describedby", hintId);
    parts.push(el("fieldset", { class: "stack identity" }, el("legend", { text: t("identity") }),
      hmac.node, token.node, el("p", { class: "hint", id: hintId, text: t("hmacHint") })));
  }

  const hoursOn = checkbox(t("hoursEnabled"), "working_hours_enabled", inbox.working_hours_enabled);
  const tz = input("timezone", inbox.timezone || "UTC", { list: "sb-timezones", autocomplete: "off" });
  const away = textarea("out_of_office_message", inbox.out_of_office_message, 2);
  const week = hoursTable(inbox.working_hours);
  const hoursBody = el("div", { class: "hours-body" }, el("div", { class: "grid2" }, field(t("timezone"), tz), field(t("awayMessage"), away)),
    el("div", { class: "table-wrap" }, week.node));
  const syncHours = () => { hoursBody.classList.toggle("off", !hoursOn.input.checked); };
  hoursOn.input.addEventListener("change", syncHours);
  syncHours();
  parts.push(el("fieldset", { class: "stack" }, el("legend", { text: t("workingHours") }), hoursOn.node, hoursBody, tzDatalist()));

  const { form } = formCard(t("inboxSettings"), parts, t("save"), async () => {
    let hours;
    try {
      hours = week.value();
    } catch (e) {
      if (e.control) e.control.focus();
      throw Object.assign(new Error(e.message), { body: { message: e.message } });
    }
    const body = {
      name: name.value.trim(),
      greeting_enabled: greeting.input.checked,
      greeting_message: greetingText.value,
      csat_survey_enabled: csat.input.checked,
      allow_messages_after_resolved: afterResolved.input.checked,
      lock_to_single_conversation: single.input.checked,
      working_hours_enabled: hoursOn.input.checked,
      working_hours: hours,
      timezone: tz.value.trim() || "UTC",
      out_of_office_message: away.value,
      channel: {},
    };
    for (const [k, node] of Object.entries(channel)) body.channel[k] = node.value.trim();
    if (mail) Object.assign(body.channel, mail.value());
    if (hmac) body.channel.hmac_mandatory = hmac.input.checked;
    if (flags) {
      body.channel.selected_feature_flags = flags.value();
      body.channel.pre_chat_form_enabled = preChat.input.checked;
      body.channel.pre_chat_form_options = { ...(inbox.pre_chat_form_options || {}), pre_chat_message: preChatText.value.trim() };
    }
    const updated = await api(`${S.base}/inboxes/${inbox.id}`, { method: "PATCH", json: body });
    onSaved(updated);
    return t("saved");
  }, { class: "card inbox-settings" });

  const members = membersForm(
    () => api(`${S.base}/inbox_members/${inbox.id}`).then((r) => (r && r.payload) || []),
    (ids) => api(`${S.base}/inbox_members`, { method: "PATCH", json: { inbox_id: inbox.id, user_ids: ids } }),
  );
  const side = [members];
  if (isWeb) {
    // The preview follows the form as it is edited; the launcher's side is
    // part of the embed code, which changes with it.
    const preview = widgetPreview();
    const position = positionControl();
    const script = () => embedCode(inbox.web_widget_script || "", position.value());
    const snippet = snippetBox(script());
    const paint = () => {
      preview.update({
        colour: channel.widget_color.value, title: channel.welcome_title.value.trim() || name.value.trim(),
        tagline: channel.welcome_tagline.value.trim(), replyTime: channel.reply_time.value,
        greeting: greeting.input.checked ? greetingText.value.trim() : "", position: position.value(),
      });
      snippet.set(script());
    };
    form.addEventListener("input", paint);
    form.addEventListener("change", paint);
    position.node.addEventListener("change", paint);
    paint();
    const code = el("section", { class: "card", "aria-label": t("snippet") }, el("h3", { text: t("snippet") }), position.node);
    if (inbox.web_widget_script) code.append(snippet);
    side.unshift(preview.node, code);
  }
  return el("div", { class: "panel inbox-panel" }, form, el("div", { class: "side" }, ...side));
}

// ---- new inbox: one form per channel ----
// Each returns { node, form, row, first } and calls `created(inbox, extra)`
// once the server made the inbox; nothing is sent before its form is submitted.

function webInboxForm(created) {
  const name = el("input", { name: "name", required: "", autocomplete: "off" });
  const website = el("input", { name: "website_url", type: "url", placeholder: "https://shop.example" });
  const colour = el("input", { name: "widget_color", type: "color", value: "#1f93ff" });
  const title = el("input", { name: "welcome_title" });
  const tagline = el("input", { name: "welcome_tagline" });
  const reply = el("select", { name: "reply_time" },
    ...["in_a_few_minutes", "in_a_few_hours", "in_a_day"].map((v) => el("option", { value: v, text: t(v) })));
  const greeting = checkbox(t("greetingEnabled"), "greeting_enabled", false);
  const greetingText = textarea("greeting_message", "", 2);
  const syncGreeting = () => { greetingText.disabled = !greeting.input.checked; };
  greeting.input.addEventListener("change", syncGreeting);
  syncGreeting();
  const domains = el("input", { name: "allowed_domains", placeholder: "shop.example, *.shop.example" });
  const position = positionControl();
  const card = formCard(t("newInbox"), [
    el("h4", { text: t("newInbox") }),
    el("div", { class: "grid2" }, field(t("name"), name), field(t("website"), website),
      el("div", { class: "field" }, field(t("colour"), colour), colourWarning(colour)), field(t("replyTime"), reply),
      field(t("welcomeTitle"), title), field(t("welcomeTagline"), tagline)),
    el("fieldset", { class: "stack" }, el("legend", { text: t("greeting") }), greeting.node, field(t("greetingMessage"), greetingText)),
    field(t("allowedDomains"), domains), position.node,
  ], t("createInbox"), async () => {
    const inbox = await api(`${S.base}/inboxes`, { method: "POST", json: {
      name: name.value.trim(),
      greeting_enabled: greeting.input.checked, greeting_message: greetingText.value.trim(),
      channel: {
        type: "web_widget", website_url: website.value.trim(), widget_color: colour.value, reply_time: reply.value,
        welcome_title: title.value.trim(), welcome_tagline: tagline.value.trim(), allowed_domains: domains.value.trim(),
      },
    } });
    created(inbox, { position: position.value() });
    return "";
  });
  const preview = widgetPreview();
  const paint = () => preview.update({
    colour: colour.value, title: title.value.trim() || name.value.trim(), tagline: tagline.value.trim(),
    replyTime: reply.value, greeting: greeting.input.checked ? greetingText.value.trim() : "", position: position.value(),
  });
  card.form.addEventListener("input", paint);
  card.form.addEventListener("change", paint);
  paint();
  return { node: el("div", { class: "flow-with-preview" }, card.form, preview.node), form: card.form, row: card.row, first: name };
}

function apiInboxForm(created) {
  const name = el("input", { name: "name", required: "", autocomplete: "off" });
  const hook = el("input", { name: "webhook_url", type: "url", placeholder: "https://example.com/hooks" });
  const card = formCard(t("newApiInbox"), [
    el("h4", { text: t("newApiInbox") }), field(t("name"), name),
    hinted(`${t("webhookUrl")} (${t("optional")})`, hook, t("webhookUrlHint")),
  ], t("createInbox"), async () => {
    created(await api(`${S.base}/inboxes`, { method: "POST", json: {
      name: name.value.trim(), channel: { type: "api", webhook_url: hook.value.trim() },
    } }));
    return "";
  });
  return { node: card.form, form: card.form, row: card.row, first: name };
}

// The bot token from @BotFather; the server checks it with Telegram and
// points the bot's webhook here.
function telegramInboxForm(created) {
  const name = el("input", { name: "name", required: "", autocomplete: "off" });
  const token = el("input", { name: "bot_token", required: "", autocomplete: "off", spellcheck: "false", placeholder: "123456789:AA…" });
  const card = formCard(t("newTelegramInbox"), [
    el("h4", { text: t("newTelegramInbox") }), field(t("name"), name), hinted(t("botToken"), token, t("botTokenHint")),
  ], t("createInbox"), async () => {
    created(await api(`${S.base}/inboxes`, { method: "POST", json: {
      name: name.value.trim(), channel: { type: "telegram", bot_token: token.value.trim() },
    } }));
    return "";
  });
  return { node: card.form, form: card.form, row: card.row, first: name };
}

// WhatsApp (Cloud API): the number and the app's credentials; the server
// lists the templates with them (which checks them).
function whatsappInboxForm(created) {
  const name = el("input", { name: "name", required: "", autocomplete: "off" });
  const phone = el("input", { name: "phone_number", type: "tel", required: "", placeholder: "+15550783881" });
  const numberId = el("input", { name: "phone_number_id", required: "", inputmode: "numeric" });
  const account = el("input", { name: "business_account_id", required: "", inputmode: "numeric" });
  const key = el("input", { name: "api_key", type: "password", required: "", autocomplete: "off" });
  const secret = el("input", { name: "app_secret", type: "password", required: "", autocomplete: "off" });
  const card = formCard(t("newWhatsAppInbox"), [
    el("h4", { text: t("newWhatsAppInbox") }),
    el("div", { class: "grid2" }, field(t("name"), name), field(t("phoneNumber"), phone),
      field(t("phoneNumberId"), numberId), field(t("businessAccountId"), account),
      hinted(t("accessToken"), key, t("accessTokenHint")), field(t("appSecret"), secret)),
  ], t("createInbox"), async () => {
    created(await api(`${S.base}/inboxes`, { method: "POST", json: {
      name: name.value.trim(),
      channel: {
        type: "whatsapp", phone_number: phone.value.trim(), provider: "whatsapp_cloud",
        provider_config: {
          phone_number_id: numberId.value.trim(), business_account_id: account.value.trim(),
          api_key: key.value.trim(), app_secret: secret.value.trim(),
        },
      },
    } }));
    return "";
  });
  return { node: card.form, form: card.form, row: card.row, first: name };
}

// E-mail: the address and, optionally, the servers to read and send with
// (the server logs in to IMAP before anything is kept).
function emailInboxForm(created) {
  const name = el("input", { name: "name", required: "", autocomplete: "off" });
  const address = el("input", { name: "email", type: "email", required: "", placeholder: "support@shop.example" });
  const servers = mailServerFields(null);
  const card = formCard(t("newEmailInbox"), [
    el("h4", { text: t("newEmailInbox") }), el("div", { class: "grid2" }, field(t("name"), name),
      hinted(t("emailAddress"), address, t("emailHint"))), ...servers.nodes,
  ], t("createInbox"), async () => {
    created(await api(`${S.base}/inboxes`, { method: "POST", json: {
      name: name.value.trim(), channel: { type: "email", email: address.value.trim(), ...servers.value() },
    } }));
    return "";
  });
  return { node: card.form, form: card.form, row: card.row, first: name };
}

const CHANNELS = [
  { kind: "web", name: "channelWeb", hint: "channelWebHint", icon: "web", form: webInboxForm },
  { kind: "api", name: "channelApi", hint: "channelApiHint", icon: "api", form: apiInboxForm },
  { kind: "telegram", name: "channelTelegram", hint: "channelTelegramHint", icon: "telegram", form: telegramInboxForm },
  { kind: "whatsapp", name: "channelWhatsApp", hint: "channelWhatsAppHint", icon: "whatsapp", form: whatsappInboxForm },
  { kind: "email", name: "channelEmail", hint: "channelEmailHint", icon: "email", form: emailInboxForm },
];

// What a new inbox needs next, by channel: the embed code, the identifier
// and webhook, the bot it answers as, what to enter in Meta's console, or
// the raw-mail address.
function readyParts(kind, inbox, extra) {
  const p = (text) => el("p", { text });
  if (kind === "web") {
    return [p(t("readyWeb")), snippetBox(embedCode(inbox.web_widget_script || "", extra.position))];
  }
  if (kind === "api") {
    const parts = [p(t("readyApi")), secretLine(t("inboxIdentifier"), inbox.inbox_identifier || "", "identifier").node];
    if (inbox.webhook_url) parts.push(p(t("readyApiHook")), secretLine(t("webhookUrl"), inbox.webhook_url, "webhook").node);
    else parts.push(el("p", { class: "hint", text: t("readyApiNoHook") }));
    return parts;
  }
  if (kind === "telegram") {
    const bot = `${inbox.bot_name || ""}${inbox.bot_username ? ` (@${inbox.bot_username})` : ""}`;
    return [p(t("readyTelegram", { bot }))];
  }
  if (kind === "whatsapp") {
    const pc = inbox.provider_config || {};
    return [p(t("readyWhatsApp")),
      secretLine(t("callbackUrl"), inbox.callback_webhook_url || "", "callback").node,
      secretLine(t("verifyToken"), pc.webhook_verify_token || "", "verify").node,
      el("p", { class: "meta", text: `${t("templatesSynced")}: ${(inbox.message_templates || []).length}` })];
  }
  return [p(t("readyEmail", { address: inbox.email || "" })),
    secretLine(t("rawMailUrl"), inbox.raw_email_webhook_url || "", "raw-mail").node];
}

// "New inbox" in four steps: 1 pick a channel, 2 its form (the inbox is
// made when it is submitted; refusals show there), 3 the agents who answer
// in it, 4 what to do next, with "Go to the inbox settings" and "Done".
// Back returns from the form to the channels (what was typed stays);
// Escape or Cancel leaves. `done(inbox, openSettings)` is called on leaving,
// with the inbox once it exists.
function newInboxFlow(done) {
  const STEPS = ["stepChannel", "stepDetails", "stepMembers", "stepReady"];
  const heading = el("h3", { id: uid("flow"), tabindex: "-1", text: t("flowTitle") });
  const count = el("p", { class: "step-count", "aria-live": "polite" });
  const marks = STEPS.map((k, i) => el("li", {}, el("span", { class: "num", "aria-hidden": "true", text: String(i + 1) }),
    el("span", { text: t(k) })));
  const body = el("div", { class: "flow-body" });
  const node = el("section", { class: "inbox-flow card", "aria-labelledby": heading.id },
    el("div", { class: "flow-head" }, heading, count), el("ol", { class: "steps", "aria-label": t("flowSteps") }, ...marks), body);
  const forms = new Map();
  let chosen = null;
  let made = null;
  const leave = (openSettings) => done(made && made.inbox, openSettings);
  node.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !e.defaultPrevented && !e.isComposing) {
      e.preventDefault();
      leave(false);
    }
  });
  const button = (text, onClick, cls) => {
    const b = el("button", { type: "button", text, ...(cls ? { class: cls } : {}) });
    b.addEventListener("click", onClick);
    return b;
  };
  function show(n, parts, focus) {
    node.dataset.step = String(n);
    count.textContent = t("stepOf", { n, total: STEPS.length });
    marks.forEach((m, i) => {
      if (i === n - 1) m.setAttribute("aria-current", "step");
      else m.removeAttribute("aria-current");
      m.classList.toggle("done", i < n - 1);
    });
    body.replaceChildren(...parts);
    (focus || heading).focus();
  }
  function channels() {
    const questionId = uid("q");
    const cards = CHANNELS.map((c) => {
      const nameId = uid("ch");
      const hintId = uid("hint");
      const card = el("button", { type: "button", class: "channel-card", "data-channel": c.kind,
        "aria-labelledby": nameId, "aria-describedby": hintId },
      icon(c.icon), el("strong", { id: nameId, text: t(c.name) }), el("span", { id: hintId, text: t(c.hint) }));
      card.addEventListener("click", () => details(c));
      return el("li", {}, card);
    });
    show(1, [el("p", { class: "flow-question", id: questionId, text: t("pickChannel") }),
      el("ul", { class: "channel-cards", "aria-labelledby": questionId }, ...cards),
      el("div", { class: "flow-actions" }, button(t("cancel"), () => leave(false)))],
    (chosen && cards[CHANNELS.indexOf(chosen)].firstChild) || cards[0].firstChild);
  }
  function details(c) {
    chosen = c;
    if (!forms.has(c.kind)) {
      const f = c.form((inbox, extra = {}) => members(c, inbox, extra));
      f.row.prepend(button(t("back"), channels));
      f.row.append(button(t("cancel"), () => leave(false)));
      forms.set(c.kind, f);
    }
    const f = forms.get(c.kind);
    show(2, [f.node], f.first);
  }
  function members(c, inbox, extra) {
    made = { kind: c.kind, inbox, extra };
    const holder = el("div", { class: "members-holder", "aria-busy": "true" });
    let picker = null;
    const card = formCard(t("members"), [
      el("h4", { text: t("membersStep") }), el("p", { class: "hint", text: t("membersStepHint") }), holder,
    ], t("addMembers"), async () => {
      const ids = picker ? picker.ids() : [];
      if (ids.length) await api(`${S.base}/inbox_members`, { method: "POST", json: { inbox_id: inbox.id, user_ids: ids } });
      ready();
      return "";
    });
    card.row.append(button(t("skip"), ready));
    const fill = () => {
      holder.setAttribute("aria-busy", "true");
      holder.replaceChildren();
      agents().then((all) => {
        picker = memberPicker(t("members"), all, new Set());
        holder.replaceChildren(picker.node);
        holder.setAttribute("aria-busy", "false");
      }).catch((e) => {
        if (e instanceof Unauthorized) return S.ctx.signIn();
        holder.setAttribute("aria-busy", "false");
        holder.replaceChildren(el("p", { class: "load-error", role: "alert" }, el("span", { text: loadFailure(e) }),
          button(t("retry"), fill)));
      });
    };
    fill();
    show(3, [card.form]);
  }
  function ready() {
    const { kind, inbox, extra } = made;
    const go = button(t("goToSettings"), () => leave(true), "primary");
    show(4, [el("h4", { text: t("ready", { name: inbox.name }) }), ...readyParts(kind, inbox, extra),
      el("div", { class: "flow-actions" }, go, button(t("done"), () => leave(false)))]);
  }
  return { node, start: channels };
}

async function inboxesSection(host) {
  const list = loadingList({ "aria-label": t("inboxes") });
  let all = [];
  function row(inbox) {
    const li = el("li", { "data-inbox": String(inbox.id) });
    const title = el("strong", { class: "name", text: inbox.name });
    const where = el("span", { class: "meta desc", text: inbox.website_url || inbox.webhook_url || inbox.email || "" });
    const dot = el("span", { class: "inbox-dot", "aria-hidden": "true" });
    const paintDot = () => {
      if (inbox.widget_color) dot.style.setProperty("--swatch", inbox.widget_color);
      dot.hidden = !inbox.widget_color;
    };
    paintDot();
    const edit = el("button", { type: "button", class: "edit", text: t("edit"), "aria-label": `${t("edit")} ${inbox.name}` });
    const alert = alertBox();
    const del = deleteControl(inbox.name, async () => {
      await api(`${S.base}/inboxes/${inbox.id}`, { method: "DELETE" });
      all = all.filter((x) => x.id !== inbox.id);
      li.remove();
      if (!all.length) list.replaceChildren(emptyRow(t("noInboxes"), t("newInboxButton"), openFlow));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, dot, title, el("span", { class: "badge", text: channelWord(inbox) }), where,
      rowButtons(edit, del)), alert);
    expander(li, edit, () => inboxEditor(inbox, (updated) => {
      Object.assign(inbox, updated);
      title.textContent = updated.name;
      where.textContent = updated.website_url || updated.webhook_url || "";
      edit.setAttribute("aria-label", `${t("edit")} ${updated.name}`);
      del.rename(updated.name);
      paintDot();
    }));
    return li;
  }
  async function refresh() {
    const r = await api(`${S.base}/inboxes`);
    all = (r && r.payload) || [];
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(t("noInboxes"), t("newInboxButton"), openFlow));
  }

  // The list, or the new-inbox steps in its place.
  const add = el("button", { type: "button", class: "primary", text: t("newInboxButton") });
  add.addEventListener("click", openFlow);
  let flow = null;
  function openFlow() {
    if (flow) return;
    flow = newInboxFlow(async (inbox, openSettings) => {
      flow.node.remove();
      flow = null;
      list.hidden = add.hidden = false;
      if (!inbox) {
        add.focus();
        return;
      }
      list.replaceChildren(...skeletonRows());
      await load(list, refresh).catch(() => S.ctx.signIn());
      const li = list.querySelector(`li[data-inbox="${inbox.id}"]`);
      const edit = li && li.querySelector("button.edit");
      if (!edit) return add.focus();
      if (openSettings) {
        if (edit.getAttribute("aria-expanded") !== "true") edit.click();
        li.scrollIntoView({ block: "start" });
      } else {
        edit.focus();
      }
    });
    list.hidden = add.hidden = true;
    list.after(flow.node);
    flow.start();
  }

  host.replaceChildren(el("div", { class: "section-head" }, el("h2", { text: t("inboxes"), tabindex: "-1" }), add), list);
  await load(list, refresh);
}

// ---- agents ----

function presence(status) {
  const s = ["online", "busy", "offline"].includes(status) ? status : "offline";
  return el("span", { class: "agent-presence", "data-status": s }, el("span", { class: "presence-dot", "aria-hidden": "true" }), el("span", { text: t(s) }));
}

function roleSelect(value, label) {
  const select = el("select", { name: "role", "aria-label": label },
    el("option", { value: "agent", text: t("agent") }), el("option", { value: "administrator", text: t("administrator") }));
  select.value = value === "administrator" ? "administrator" : "agent";
  return select;
}

async function agentsSection(host) {
  const me = S.ctx.profile && S.ctx.profile.id;
  const body = el("tbody", { "aria-busy": "true" }, ...skeletonTableRows(5));
  const table = el("table", { class: "settings-table agents" },
    el("thead", {}, el("tr", {}, ...["name", "email", "role", "availability", "actions"].map((k) => el("th", { scope: "col", text: t(k) })))),
    body);
  function row(a) {
    const name = a.available_name || a.name;
    const self = a.id === me;
    const tr = el("tr", { "data-agent": String(a.id) });
    const alert = alertBox();
    const status = statusBox();
    let roleCell;
    if (self) {
      roleCell = el("td", {}, el("span", { text: t(a.role === "administrator" ? "administrator" : "agent") }));
    } else {
      const select = roleSelect(a.role, `${t("roleOf")} ${name}`);
      select.addEventListener("change", async () => {
        alert.textContent = "";
        const before = a.role;
        try {
          const updated = await api(`${S.base}/agents/${a.id}`, { method: "PATCH", json: { role: select.value } });
          a.role = updated.role;
          select.value = updated.role;
          flash(status, t("saved"));
        } catch (e) {
          select.value = before;
          failure(e, alert, null);
        }
      });
      roleCell = el("td", {}, select, status);
    }
    const nameCell = el("span", { class: "who" }, avatar(name, a.thumbnail || a.avatar_url, "sm"),
      el("span", { class: "agent-name", text: name }), self ? el("span", { class: "meta", text: `(${t("you")})` }) : null);
    let actions;
    if (self) {
      actions = el("span", { class: "meta", text: t("selfNote") });
    } else {
      actions = rowButtons(deleteControl(name, async () => {
        await api(`${S.base}/agents/${a.id}`, { method: "DELETE" });
        agentsCache = null;
        tr.remove();
        host.querySelector("h2").focus();
      }, alert, { ask: "remove", confirm: "confirmRemove" }));
    }
    tr.append(el("td", {}, nameCell), el("td", { class: "email", text: a.email || "" }), roleCell,
      el("td", {}, presence(a.availability_status)), el("td", {}, actions, alert));
    return tr;
  }
  async function refresh() {
    const all = await agents(true);
    body.replaceChildren(...all.map(row));
  }

  // Pending invitations: who was asked, how the mail went, withdraw.
  const pendingBody = el("tbody", { "aria-busy": "true" }, ...skeletonTableRows(6));
  const pending = el("table", { class: "settings-table invitations" },
    el("thead", {}, el("tr", {}, ...["name", "email", "role", "mailStatus", "expires", "actions"].map((k) => el("th", { scope: "col", text: t(k) })))),
    pendingBody);
  function pendingRow(inv) {
    const alert = alertBox();
    const tr = el("tr", { "data-invitation": String(inv.id) });
    const st = inv.invitation || {};
    const mail = st.mail_status ? (st.mail_status === "sent" ? t("mail_sent") : st.mail_status) : (st.delivery === "link" ? t("mail_none") : t("mail_waiting"));
    const withdraw = deleteControl(inv.email, async () => {
      await api(`${S.base}/invitations/${inv.id}`, { method: "DELETE" });
      tr.remove();
      if (!pendingBody.children.length) pendingBody.append(noPending());
      host.querySelector("h2").focus();
    }, alert, { ask: "withdraw", confirm: "confirmWithdraw" });
    tr.append(el("td", { text: inv.name }), el("td", { class: "email", text: inv.email }),
      el("td", { text: t(inv.role === "administrator" ? "administrator" : "agent") }), el("td", { text: mail }),
      el("td", {}, st.expires_at ? timeNode(st.expires_at) : ""),
      el("td", {}, rowButtons(withdraw), alert));
    return tr;
  }
  const noPending = () => el("tr", { class: "empty" }, el("td", { colspan: "6", class: "meta", text: t("noInvitations") }));
  async function refreshPending() {
    const r = await api(`${S.base}/invitations`);
    const list = (r && r.payload) || [];
    pendingBody.replaceChildren(...(list.length ? list.map(pendingRow) : [noPending()]));
  }

  const name = el("input", { name: "name", autocomplete: "off" });
  const email = el("input", { name: "email", type: "email", autocomplete: "off" });
  const role = roleSelect("agent", t("role"));
  role.removeAttribute("aria-label");
  const linkBox = el("div", { class: "invitation-link" });
  const create = formCard(t("inviteAgent"), [
    el("h3", { text: t("inviteAgent") }),
    el("p", { class: "hint", text: t("inviteHint") }),
    el("div", { class: "grid2" }, field(t("name"), name), field(t("email"), email), field(t("role"), role)),
    linkBox,
  ], t("invite"), async (form) => {
    const json = { name: name.value.trim(), email: email.value.trim(), role: role.value };
    const inv = await api(`${S.base}/agents`, { method: "POST", json });
    form.reset();
    const url = inv.invitation && inv.invitation.invitation_url;
    linkBox.replaceChildren();
    if (url) {
      const line = secretLine(t("invitationLink").replace("{email}", inv.email), url, "invitation-url");
      line.node.append(el("p", { class: "hint", text: t("invitationLinkHint") }));
      linkBox.append(line.node);
      line.code.focus();
      line.code.select();
    }
    await refreshPending().catch(() => {});
    return url ? "" : t("invitationSent").replace("{email}", inv.email);
  });
  const wrap = el("div", { class: "table-wrap" }, table);
  host.replaceChildren(el("h2", { text: t("agents"), tabindex: "-1" }), el("p", { class: "meta", text: t("personNote") }), wrap,
    el("h3", { class: "table-title", text: t("pendingInvitations") }), el("div", { class: "table-wrap" }, pending), create.form);
  load(pendingBody, refreshPending, { columns: 6 }).catch(() => S.ctx.signIn());
  await load(body, refresh, { columns: 5 });
}

// ---- teams ----

async function teamsSection(host) {
  const list = loadingList({ "aria-label": t("teams") });
  let count = 0;
  function row(team) {
    const li = el("li", { "data-team": String(team.id) });
    const title = el("strong", { class: "name", text: team.name });
    const desc = el("span", { class: "meta desc", text: team.description || "" });
    const auto = el("span", { class: "badge", text: t(team.allow_auto_assign ? "autoOn" : "autoOff") });
    const edit = el("button", { type: "button", text: t("edit"), "aria-label": `${t("edit")} ${team.name}` });
    const alert = alertBox();
    const del = deleteControl(team.name, async () => {
      await api(`${S.base}/teams/${team.id}`, { method: "DELETE" });
      li.remove();
      if (!--count) list.replaceChildren(emptyRow(t("noTeams"), t("newTeam"), () => focusForm(create.form)));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, title, desc, auto, rowButtons(edit, del)), alert);
    expander(li, edit, () => {
      const name = input("name", team.name, { autocomplete: "off" });
      const description = textarea("description", team.description, 2);
      const autoBox = checkbox(t("autoAssign"), "allow_auto_assign", team.allow_auto_assign);
      const details = formCard(t("teamDetails"), [
        el("h3", { text: t("teamDetails") }), hinted(t("name"), name, t("teamHint")), field(t("description"), description), autoBox.node,
      ], t("save"), async () => {
        const updated = await api(`${S.base}/teams/${team.id}`, { method: "PATCH", json: { team: {
          name: name.value.trim(), description: description.value.trim(), allow_auto_assign: autoBox.input.checked,
        } } });
        Object.assign(team, updated);
        title.textContent = updated.name;
        name.value = updated.name;
        desc.textContent = updated.description || "";
        auto.textContent = t(updated.allow_auto_assign ? "autoOn" : "autoOff");
        edit.setAttribute("aria-label", `${t("edit")} ${updated.name}`);
        del.rename(updated.name);
        return t("saved");
      });
      const members = membersForm(
        () => api(`${S.base}/teams/${team.id}/team_members`),
        (ids) => api(`${S.base}/teams/${team.id}/team_members`, { method: "PATCH", json: { user_ids: ids } }),
      );
      return el("div", { class: "panel" }, details.form, el("div", { class: "side" }, members));
    });
    return li;
  }
  async function refresh() {
    const all = (await api(`${S.base}/teams`)) || [];
    count = all.length;
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(t("noTeams"), t("newTeam"), () => focusForm(create.form)));
  }
  const name = el("input", { name: "name", autocomplete: "off" });
  const description = el("textarea", { name: "description", rows: "2" });
  const auto = checkbox(t("autoAssign"), "allow_auto_assign", true);
  const create = formCard(t("newTeam"), [
    el("h3", { text: t("newTeam") }), hinted(t("name"), name, t("teamHint")), field(t("description"), description), auto.node,
  ], t("create"), async (form) => {
    const team = await api(`${S.base}/teams`, { method: "POST", json: { team: {
      name: name.value.trim(), description: description.value.trim(), allow_auto_assign: auto.input.checked,
    } } });
    form.reset();
    auto.input.checked = true;
    if (!count++) list.replaceChildren();
    const li = row(team);
    list.append(li);
    return `${team.name}: ${t("saved")}`;
  });
  host.replaceChildren(el("h2", { text: t("teams"), tabindex: "-1" }), list, create.form);
  await load(list, refresh);
}

// ---- labels ----

function swatch(colour) {
  const node = el("span", { class: "label-swatch", "aria-hidden": "true" });
  node.style.setProperty("--swatch", colour || "#1f93ff");
  return node;
}

function labelFields(l) {
  const title = input("title", l ? l.title : "", { autocomplete: "off" });
  const description = input("description", l ? l.description : "");
  const colour = input("color", l && /^#[0-9a-f]{6}$/i.test(l.color) ? l.color : "#1f93ff", { type: "color" });
  const side = checkbox(t("sidebar"), "show_on_sidebar", l ? l.show_on_sidebar : true);
  return {
    nodes: [el("div", { class: "grid2" }, hinted(t("title"), title, t("titleHint")), field(t("description"), description)),
      el("div", { class: "row" }, field(t("colour"), colour), side.node)],
    json: () => ({ label: {
      title: title.value.trim(), description: description.value.trim(), color: colour.value, show_on_sidebar: side.input.checked,
    } }),
    title, colour, side,
  };
}

async function labelsSection(host) {
  const list = loadingList({ "aria-label": t("labels") });
  let count = 0;
  function row(l) {
    const li = el("li", { "data-label": String(l.id) });
    const sw = swatch(l.color);
    const title = el("strong", { class: "name", text: l.title });
    const desc = el("span", { class: "meta desc", text: l.description || "" });
    const side = el("span", { class: "badge", text: t(l.show_on_sidebar ? "shown" : "hidden") });
    const edit = el("button", { type: "button", text: t("edit"), "aria-label": `${t("edit")} ${l.title}` });
    const alert = alertBox();
    const del = deleteControl(l.title, async () => {
      await api(`${S.base}/labels/${l.id}`, { method: "DELETE" });
      li.remove();
      if (!--count) list.replaceChildren(emptyRow(t("noLabels"), t("newLabel"), () => focusForm(create.form)));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, sw, title, desc, side, rowButtons(edit, del)), alert);
    expander(li, edit, () => {
      const f = labelFields(l);
      const card = formCard(t("labelDetails"), f.nodes, t("save"), async () => {
        const updated = await api(`${S.base}/labels/${l.id}`, { method: "PATCH", json: f.json() });
        Object.assign(l, updated);
        sw.style.setProperty("--swatch", updated.color);
        title.textContent = updated.title;
        f.title.value = updated.title;
        desc.textContent = updated.description || "";
        side.textContent = t(updated.show_on_sidebar ? "shown" : "hidden");
        edit.setAttribute("aria-label", `${t("edit")} ${updated.title}`);
        del.rename(updated.title);
        return t("saved");
      });
      return el("div", { class: "panel single" }, card.form);
    });
    return li;
  }
  async function refresh() {
    const r = await api(`${S.base}/labels`);
    const all = (r && r.payload) || [];
    count = all.length;
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(t("noLabels"), t("newLabel"), () => focusForm(create.form)));
  }
  const f = labelFields(null);
  const create = formCard(t("newLabel"), [el("h3", { text: t("newLabel") }), ...f.nodes], t("create"), async (form) => {
    const l = await api(`${S.base}/labels`, { method: "POST", json: f.json() });
    form.reset();
    f.side.input.checked = true;
    if (!count++) list.replaceChildren();
    list.append(row(l));
    return `${l.title}: ${t("saved")}`;
  });
  host.replaceChildren(el("h2", { text: t("labels"), tabindex: "-1" }), list, create.form);
  await load(list, refresh);
}

// ---- canned responses ----

async function cannedSection(host) {
  const list = loadingList({ "aria-label": t("canned") });
  let all = [];
  const search = el("input", { type: "search", name: "search", autocomplete: "off" });
  const shown = el("span", { class: "meta", role: "status" });
  function matches(c, q) {
    return !q || c.short_code.toLowerCase().includes(q) || c.content.toLowerCase().includes(q);
  }
  function paint() {
    const q = search.value.trim().toLowerCase();
    let visible = 0;
    for (const li of list.querySelectorAll("li[data-canned]")) {
      const c = all.find((x) => String(x.id) === li.dataset.canned);
      const hit = Boolean(c) && matches(c, q);
      li.hidden = !hit;
      if (hit) visible++;
    }
    for (const li of list.querySelectorAll("li.empty-row")) li.remove();
    if (!all.length) list.append(emptyRow(t("noCanned"), t("newCanned"), () => focusForm(create.form)));
    else if (!visible) list.append(emptyRow(t("noMatch")));
    shown.textContent = q ? t("shownOf", { a: visible, b: all.length }) : "";
  }
  search.addEventListener("input", paint);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && search.value) {
      e.preventDefault();
      search.value = "";
      paint();
    }
  });
  function row(c) {
    const li = el("li", { "data-canned": String(c.id) });
    const code = el("strong", { class: "code", text: `/${c.short_code}` });
    const content = el("span", { class: "content", text: c.content });
    const edit = el("button", { type: "button", text: t("edit"), "aria-label": `${t("edit")} /${c.short_code}` });
    const alert = alertBox();
    const del = deleteControl(`/${c.short_code}`, async () => {
      await api(`${S.base}/canned_responses/${c.id}`, { method: "DELETE" });
      all = all.filter((x) => x.id !== c.id);
      li.remove();
      paint();
      search.focus();
    }, alert);
    li.append(el("div", { class: "row" }, code, content, rowButtons(edit, del)), alert);
    expander(li, edit, () => {
      const sc = input("short_code", c.short_code, { autocomplete: "off" });
      const text = textarea("content", c.content, 4);
      const card = formCard(t("cannedDetails"), [hinted(t("shortCode"), sc, t("shortCodeHint")), field(t("content"), text)],
        t("save"), async () => {
          const updated = await api(`${S.base}/canned_responses/${c.id}`, { method: "PATCH", json: { canned_response: {
            short_code: sc.value.trim(), content: text.value,
          } } });
          Object.assign(c, updated);
          code.textContent = `/${updated.short_code}`;
          content.textContent = updated.content;
          edit.setAttribute("aria-label", `${t("edit")} /${updated.short_code}`);
          del.rename(`/${updated.short_code}`);
          return t("saved");
        });
      return el("div", { class: "panel single" }, card.form);
    });
    return li;
  }
  async function refresh() {
    all = (await api(`${S.base}/canned_responses`)) || [];
    list.replaceChildren(...all.map(row));
    paint();
  }
  const sc = el("input", { name: "short_code", autocomplete: "off" });
  const text = el("textarea", { name: "content", rows: "4" });
  const create = formCard(t("newCanned"), [
    el("h3", { text: t("newCanned") }), hinted(t("shortCode"), sc, t("shortCodeHint")), field(t("content"), text),
  ], t("create"), async (form) => {
    const c = await api(`${S.base}/canned_responses`, { method: "POST", json: { canned_response: {
      short_code: sc.value.trim(), content: text.value,
    } } });
    form.reset();
    all.push(c);
    list.append(row(c));
    paint();
    return `/${c.short_code}: ${t("saved")}`;
  });
  const searchField = field(t("searchCanned"), search);
  searchField.append(shown);
  searchField.classList.add("canned-search");
  host.replaceChildren(el("h2", { text: t("canned"), tabindex: "-1" }), searchField, list, create.form);
  await load(list, refresh);
}

// ---- webhooks ----

// A webhook's deliveries, newest first: skeleton rows while they load,
// Retry if the server can't be reached, Re-send per row.
function deliveryLog(hook) {
  const body = el("tbody", {}, ...skeletonTableRows(6));
  const note = el("p", { class: "meta", role: "status" });
  async function refresh() {
    const r = await api(`${S.base}/webhooks/${hook.id}/deliveries`);
    const rows = (r && r.payload) || [];
    body.replaceChildren(...rows.map((d) => {
      const again = el("button", { type: "button", text: t("resend") });
      again.addEventListener("click", async () => {
        try {
          await api(`${S.base}/webhooks/${hook.id}/deliveries/${d.id}/redeliver`, { method: "POST" });
          note.textContent = t("resent");
          setTimeout(() => refresh().catch(() => {}), 500);
        } catch (e) {
          if (e instanceof Unauthorized) return S.ctx.signIn();
          note.textContent = t("failed") + errorMessage(e);
        }
      });
      return el("tr", { "data-delivery": String(d.id) },
        el("td", { text: d.event }), el("td", { class: "state", text: d.state }),
        el("td", { text: d.last_status == null ? (d.last_error || "—") : String(d.last_status) }),
        el("td", { text: String(d.attempts_count) }),
        el("td", { class: "at" }, timeNode(d.created_at)),
        el("td", {}, again));
    }));
    if (!rows.length) body.replaceChildren(el("tr", {}, el("td", { colspan: "6", class: "meta", text: t("noDeliveries") })));
  }
  const table = el("table", { class: "log", "aria-label": `${t("deliveries")}: ${hook.url}`, "aria-busy": "true" },
    el("thead", {}, el("tr", {}, ...["event", "state", "status", "attempts", "at", "resend"].map((k) => el("th", { scope: "col", text: t(k) })))),
    body);
  load(body, refresh, { columns: 6, busy: table }).catch(() => S.ctx.signIn());
  return { node: el("div", { class: "log-box table-wrap" }, table, note), refresh };
}

function eventBoxes(selected) {
  const boxes = EVENTS.map((ev) => {
    const box = el("input", { type: "checkbox", name: "subscriptions", value: ev });
    box.checked = selected.includes(ev);
    return el("label", { class: "check" }, box, ev);
  });
  return {
    node: el("fieldset", { class: "events" }, el("legend", { text: t("events") }), ...boxes),
    value: () => boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
  };
}

async function webhooksSection(host) {
  const list = loadingList({ "aria-label": t("webhooks") });
  let all = [];
  function row(w) {
    const li = el("li", { "data-webhook": String(w.id) });
    const url = el("strong", { class: "url", text: w.url });
    const label = el("span", { class: "badge", text: w.name || "" });
    label.hidden = !w.name;
    const subs = el("span", { class: "meta subs", text: (w.subscriptions || []).join(", ") });
    const show = el("button", { type: "button", "aria-expanded": "false", text: t("deliveries") });
    const edit = el("button", { type: "button", text: t("edit"), "aria-label": `${t("edit")} ${w.url}` });
    const alert = alertBox();
    const del = deleteControl(w.url, async () => {
      await api(`${S.base}/webhooks/${w.id}`, { method: "DELETE" });
      all = all.filter((x) => x.id !== w.id);
      li.remove();
      if (!all.length) list.replaceChildren(emptyRow(t("noWebhooks"), t("newWebhook"), () => focusForm(create.form)));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, url, label, subs, rowButtons(show, edit, del)), alert);
    let log = null;
    show.addEventListener("click", () => {
      if (log) { log.node.remove(); log = null; show.setAttribute("aria-expanded", "false"); return; }
      log = deliveryLog(w);
      li.append(log.node);
      show.setAttribute("aria-expanded", "true");
    });
    expander(li, edit, () => {
      const name = input("name", w.name, { autocomplete: "off" });
      const address = input("url", w.url, { type: "url" });
      const events = eventBoxes(w.subscriptions || []);
      const secret = secretLine(t("secret"), w.secret || "", "hook-secret");
      const renew = el("button", { type: "button", text: t("newSecret") });
      const card = formCard(t("webhookDetails"), [
        el("div", { class: "grid2" }, field(`${t("webhookName")} (${t("optional")})`, name), field(t("url"), address)),
        events.node,
      ], t("save"), async () => {
        const r = await api(`${S.base}/webhooks/${w.id}`, { method: "PATCH", json: { webhook: {
          name: name.value.trim(), url: address.value.trim(), subscriptions: events.value(),
        } } });
        const updated = r.payload.webhook;
        Object.assign(w, updated);
        url.textContent = updated.url;
        label.textContent = updated.name || "";
        label.hidden = !updated.name;
        subs.textContent = (updated.subscriptions || []).join(", ");
        edit.setAttribute("aria-label", `${t("edit")} ${updated.url}`);
        del.rename(updated.url);
        return t("saved");
      });
      renew.addEventListener("click", async () => {
        clearErrors(card.form, card.alert);
        try {
          const r = await api(`${S.base}/webhooks/${w.id}`, { method: "PATCH", json: { webhook: { reset_secret: true } } });
          w.secret = r.payload.webhook.secret;
          secret.code.value = w.secret;
          flash(card.status, t("saved"));
        } catch (e) {
          failure(e, card.alert, card.form);
        }
      });
      secret.node.querySelector(".row").append(renew);
      return el("div", { class: "panel single" }, card.form, el("div", { class: "card" }, secret.node));
    });
    return li;
  }
  async function refresh() {
    const r = await api(`${S.base}/webhooks`);
    all = (r && r.payload && r.payload.webhooks) || [];
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(t("noWebhooks"), t("newWebhook"), () => focusForm(create.form)));
  }
  const url = el("input", { name: "url", type: "url", required: "", placeholder: "https://example.com/hooks" });
  const events = eventBoxes(EVENTS.filter((ev) => ev.startsWith("message_") || ev === "conversation_created"));
  const create = formCard(t("newWebhook"), [el("h3", { text: t("newWebhook") }), field(t("url"), url), events.node],
    t("create"), async () => {
      await api(`${S.base}/webhooks`, { method: "POST", json: { webhook: { url: url.value.trim(), subscriptions: events.value() } } });
      url.value = "";
      await refresh();
      return t("saved");
    });
  host.replaceChildren(el("h2", { text: t("webhooks"), tabindex: "-1" }), list, create.form);
  await load(list, refresh);
}

// ---- the screen ----

const RENDER = {
  inboxes: inboxesSection, agents: agentsSection, teams: teamsSection,
  labels: labelsSection, canned: cannedSection, webhooks: webhooksSection,
  attributes: (host) => attributesSection(host, KIT),
};

// The building blocks for sections kept in their own modules.
const KIT = {
  t, base: () => S.base, alertBox, formCard, deleteControl, expander, loadingList, load, emptyRow, hinted, field,
  input, textarea, rowButtons,
};

// Renders the settings screen into `container`; ctx carries the account's
// API base (ctx.base), the signed-in profile and the account; `section` is
// the word after #/settings/ (null: inboxes). Switching sections keeps the
// shell (and the focus on the sub-navigation) and replaces the section.
export async function render(container, ctx, section) {
  const current = SECTIONS.includes(section) ? section : "inboxes";
  if (!S || S.base !== ctx.base) agentsCache = null;
  S = { base: ctx.base, ctx };
  let shell = container.querySelector(":scope > .settings[data-settings]");
  if (!shell) {
    const links = SECTIONS.map((key) => el("a", { href: `#/settings/${key}`, "data-section": key, text: t(key) }));
    shell = el("div", { class: "settings has-nav", "data-settings": "" },
      el("h1", { text: t("settings") }),
      el("nav", { class: "settings-nav", "aria-label": t("sections") }, el("ul", {}, ...links.map((a) => el("li", {}, a)))),
      el("section", { class: "settings-section" }));
    container.replaceChildren(shell);
  }
  for (const a of shell.querySelectorAll(".settings-nav a")) {
    if (a.dataset.section === current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const host = el("section", { class: "settings-section", "aria-label": t(current), "data-section": current });
  shell.querySelector(":scope > .settings-section").replaceWith(host);
  await RENDER[current](host);
}
