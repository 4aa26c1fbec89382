// The open conversation: its header (a one-row toolbar: Resolve with its
// snooze menu, assignee and team pickers, priority, More), the thread
// (messages, notes, activity, attachments, delivery marks, reply quotes;
// older pages on scroll up; grey bubbles while loading, Retry when it
// fails) and the composer (reply / private note, canned responses by `/` or
// from a list with their variables filled in, emoji, attachments by picker,
// paste and drop with thumbnails, typing, drafts, optimistic send by
// echo_id with a visible failure).

import { Unauthorized, api, avatar, cookie, el, errorMessage, forget, icon, load, when } from "./lib.js";
import { markdown } from "./markdown.js";
import { menuButton, picker } from "./picker.js";
import { PRIORITIES, labelChip } from "./list.js";
import { macros, runMacro } from "./macros.js";
import { slaBadge } from "./sla.js";

function echoId() {
  return `d${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

// Line drawings this pane needs beyond lib.js's set, drawn the same way.
const GLYPHS = {
  userPlus: "M10 12a4 4 0 1 0 0-8a4 4 0 1 0 0 8M3 21a7 7 0 0 1 14 0M19 8v6M16 11h6",
  more: "M5 12h.01M12 12h.01M19 12h.01",
  chevron: "M6 9l6 6 6-6",
  smile: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M8 14a5 5 0 0 0 8 0M9 9.5v.01M15 9.5v.01",
  canned: "M4 5h16v11H9l-5 4zM8 9h8M8 12h5",
};
function glyph(name) {
  const svg = icon("web");
  svg.firstChild.setAttribute("d", GLYPHS[name]);
  return svg;
}

// The composer's emoji: a few of each kind agents reach for, by category,
// each with its names in English and Russian (the first is the one shown
// and read aloud; all are searched). Drawn by the system's own emoji font.
const EMOJI = [
  ["smileys", [
    ["😀", "grinning face|smile|happy", "улыбка|радость"], ["😃", "big smile|happy", "широкая улыбка|радость"],
    ["😄", "smiling eyes|laugh", "смеющиеся глаза|смех"], ["😁", "beaming face|grin", "сияющая улыбка|ухмылка"],
    ["😅", "sweat smile|phew", "улыбка с потом|фух"], ["😂", "tears of joy|lol|laugh", "слёзы радости|смех"],
    ["🙂", "slight smile", "лёгкая улыбка"], ["🙃", "upside-down face", "перевёрнутое лицо"],
    ["😉", "wink", "подмигивание"], ["😊", "smiling face|blush", "улыбающееся лицо|румянец"],
    ["😇", "halo|innocent", "нимб|ангел"], ["🥰", "smiling with hearts|love", "улыбка с сердечками|любовь"],
    ["😍", "heart eyes|love", "глаза-сердечки|любовь"], ["😘", "blowing a kiss", "воздушный поцелуй"],
    ["😋", "yum|tasty", "вкусно"], ["😎", "sunglasses|cool", "солнечные очки|круто"],
    ["🤓", "nerd face|glasses", "ботаник|очки"], ["🤩", "star-struck|wow", "восторг|вау"],
    ["🥳", "partying face|celebrate", "праздник|вечеринка"], ["🤗", "hug", "объятия"],
    ["🤔", "thinking|hmm", "задумчивость|хм"], ["🤨", "raised eyebrow|doubt", "бровь|сомнение"],
    ["😐", "neutral face", "нейтральное лицо"], ["😶", "speechless|no words", "нет слов"],
    ["🙄", "eye roll", "закатывает глаза"], ["😏", "smirk", "ухмылка"],
    ["😌", "relieved|calm", "облегчение|спокойствие"], ["😴", "sleeping|tired", "сон|усталость"],
    ["😷", "medical mask|sick", "маска|болезнь"], ["🤒", "thermometer|ill", "градусник|болезнь"],
    ["🤯", "exploding head|mind blown", "взрыв мозга|шок"], ["😲", "astonished|surprised", "изумление|удивление"],
    ["😮", "open mouth|oh", "открытый рот|ох"], ["🥺", "pleading face|please", "умоляющий взгляд|пожалуйста"],
    ["😢", "crying|sad", "слеза|грусть"], ["😭", "sobbing", "рыдания"],
    ["😤", "huffing|frustrated", "раздражение"], ["😠", "angry", "злость"],
    ["😡", "pouting|rage", "ярость"], ["😱", "screaming|fear", "крик|ужас"],
    ["😬", "grimacing|awkward", "гримаса|неловко"], ["🫠", "melting face", "тающее лицо"],
  ]],
  ["people", [
    ["👍", "thumbs up|like|yes", "палец вверх|лайк|да"], ["👎", "thumbs down|dislike|no", "палец вниз|не нравится|нет"],
    ["👌", "ok hand|okay", "окей|хорошо"], ["✌️", "victory|peace", "победа|мир"],
    ["🤞", "fingers crossed|luck", "скрещённые пальцы|удача"], ["🤝", "handshake|deal", "рукопожатие|договорились"],
    ["👏", "clapping|applause", "аплодисменты|хлопки"], ["🙌", "raising hands|hooray", "руки вверх|ура"],
    ["🙏", "folded hands|thanks|please", "сложенные руки|спасибо|пожалуйста"], ["👋", "waving hand|hello|bye", "машет рукой|привет|пока"],
    ["💪", "flexed biceps|strong", "бицепс|сила"], ["👀", "eyes|looking", "глаза|смотрю"],
    ["🫶", "heart hands", "сердце руками"], ["☝️", "index pointing up|one moment", "указательный палец|минутку"],
    ["👉", "pointing right", "указывает вправо"], ["🤷", "shrug|no idea", "пожимает плечами|не знаю"],
    ["🤦", "facepalm", "рука-лицо|фейспалм"], ["🙋", "raising hand|question", "поднятая рука|вопрос"],
    ["🙇", "bowing|sorry", "поклон|извините"], ["💁", "person tipping hand|info", "справка|подсказка"],
  ]],
  ["symbols", [
    ["❤️", "red heart|love", "красное сердце|любовь"], ["🧡", "orange heart", "оранжевое сердце"],
    ["💛", "yellow heart", "жёлтое сердце"], ["💚", "green heart", "зелёное сердце"],
    ["💙", "blue heart", "синее сердце"], ["💜", "purple heart", "фиолетовое сердце"],
    ["💔", "broken heart", "разбитое сердце"], ["✅", "check mark|done", "галочка|готово"],
    ["☑️", "check box", "флажок|отмечено"], ["❌", "cross mark|no", "крестик|нет"],
    ["⚠️", "warning", "внимание|предупреждение"], ["❗", "exclamation mark|important", "восклицательный знак|важно"],
    ["❓", "question mark", "вопросительный знак|вопрос"], ["💯", "hundred points|perfect", "сто баллов|идеально"],
    ["🔥", "fire|hot", "огонь|горячо"], ["✨", "sparkles|new", "блёстки|новое"],
    ["⭐", "star", "звезда"], ["🎉", "party popper|congratulations", "хлопушка|поздравляю"],
    ["🎁", "gift|present", "подарок"], ["🆗", "ok button", "кнопка ок"],
  ]],
  ["objects", [
    ["📦", "package|parcel|delivery", "посылка|коробка|доставка"], ["🚚", "delivery truck|shipping", "грузовик|доставка"],
    ["✉️", "envelope|letter", "конверт|письмо"], ["📧", "e-mail", "электронная почта|имейл"],
    ["📞", "telephone receiver|call", "телефонная трубка|звонок"], ["💬", "speech balloon|chat", "реплика|чат"],
    ["📝", "memo|note", "записка|заметка"], ["📎", "paperclip|attachment", "скрепка|вложение"],
    ["📅", "calendar|date", "календарь|дата"], ["⏰", "alarm clock|time", "будильник|время"],
    ["⏳", "hourglass|waiting", "песочные часы|ожидание"], ["🔒", "locked|secure", "замок|защита"],
    ["🔑", "key|password", "ключ|пароль"], ["💡", "light bulb|idea", "лампочка|идея"],
    ["🔧", "wrench|fix", "гаечный ключ|починить"], ["⚙️", "gear|settings", "шестерёнка|настройки"],
    ["💻", "laptop|computer", "ноутбук|компьютер"], ["📱", "mobile phone", "телефон|смартфон"],
    ["🛒", "shopping cart|order", "тележка|заказ"], ["💳", "credit card|payment", "карта|оплата"],
    ["💰", "money bag", "мешок денег|деньги"], ["🧾", "receipt|invoice", "чек|счёт"],
    ["📈", "chart increasing|growth", "график|рост"], ["🔗", "link", "ссылка"],
  ]],
  ["nature", [
    ["☀️", "sun", "солнце"], ["🌧️", "rain", "дождь"], ["❄️", "snowflake", "снежинка"], ["🌈", "rainbow", "радуга"],
    ["🌸", "cherry blossom|flower", "цветок сакуры|цветок"], ["🍀", "four leaf clover|luck", "клевер|удача"],
    ["☕", "hot beverage|coffee", "горячий напиток|кофе"], ["🍕", "pizza", "пицца"],
    ["🎂", "birthday cake", "торт|день рождения"], ["🚀", "rocket|launch", "ракета|запуск"],
  ]],
];

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function createConversation(ctx, { t, onChange, togglePanel }) {
  const { base, profile, accountId } = ctx;
  const shown = new Map(); // "id:N" / "echo:E" -> li
  const texts = new Map(); // message id -> { name, content } for reply quotes
  const inboxNames = new Map(); // inbox id -> name
  let openId = null, current = null, mode = "reply", replyTo = null, mailFor = null;

  // ---- header ----
  // One row whatever the width: who (the name, and under it status,
  // priority, assignee, team and labels) beside a toolbar. Resolve or Reopen
  // with its menu (snooze, pending) and assigning always show; team,
  // priority and the contact panel are icon buttons where there is room;
  // More holds every action.
  const face = el("span", { class: "face" });
  const title = el("h2", { class: "title" });
  const statusWord = el("span", { class: "status" });
  const priorityWord = el("span", { class: "priority", hidden: "" });
  const assigneeWord = el("span", { class: "assignee" });
  const teamWord = el("span", { class: "team-word", hidden: "" });
  const chips = el("span", { class: "chips" });
  const slaSlot = el("span", { class: "sla-slot" });
  const who = el("div", { class: "who" }, title, el("div", { class: "facts" }, statusWord, slaSlot, priorityWord, assigneeWord, teamWord, chips));
  const mine = () => Boolean(current && current.meta && current.meta.assignee && current.meta.assignee.id === profile.id);
  const visible = (node) => node.getClientRects().length > 0;
  const assignButton = el("button", { type: "button", class: "icon-button assign-me", "aria-label": t("assignMe"), "data-tip": t("assignMe") }, glyph("userPlus"));
  const agents = () => load(`${base}/agents`, (r) => r || []);
  const assigneePicker = picker({
    label: t("assignTo"), placeholder: t("findAgent"), empty: t("nobody"), faceless: () => icon("user"),
    options: async () => [{ value: null, label: t("nobody") }, ...(await agents()).map((a) => ({
      value: a.id, label: a.available_name || a.name, hint: a.email, avatar: { name: a.available_name || a.name, url: a.thumbnail },
      dot: ctx.presence.get(a.id) || a.availability_status || "offline",
    }))],
    onChange: (id) => act("/assignments", { assignee_id: id }).catch(() => {}),
  });
  assigneePicker.node.classList.add("assignee-picker");
  const teamPicker = picker({
    label: t("team"), placeholder: t("findTeam"), empty: t("noTeam"), glyph: icon("team"),
    options: async () => [{ value: null, label: t("noTeam") },
      ...(await load(`${base}/teams`, (r) => r || [])).map((x) => ({ value: x.id, label: x.name }))],
    onChange: (id) => act("/assignments", { team_id: id }).catch(() => {}),
  });
  teamPicker.node.classList.add("team-picker");
  const priorityItems = () => [null, ...PRIORITIES].map((p) => ({
    label: p ? t(p) : t("noPriority"), kind: "radio", checked: ((current && current.priority) || null) === p,
    run: () => act("/toggle_priority", { priority: p }).catch(() => {}),
  }));
  const priorityMenu = menuButton({ label: t("priority"), className: "icon-button", content: [icon("flag")], items: priorityItems });
  priorityMenu.node.classList.add("priority-menu");
  const snoozeItems = () => [["hour", t("hour")], ["tomorrow", t("tomorrow")], ["week", t("nextWeek")], ["date", t("untilDate")]]
    .map(([choice, label]) => ({ label, run: () => snoozeChoice(choice) }));
  const pendingItem = () => (current && current.status !== "pending"
    ? { label: t("markPending"), run: () => act("/toggle_status", { status: "pending" }).catch(() => {}) } : null);
  const resolveButton = el("button", { type: "button", class: "primary resolve" });
  const statusMenu = menuButton({ label: t("statusMenu"), className: "primary icon-button", content: [glyph("chevron")],
    items: () => [pendingItem(), { group: t("snooze"), items: snoozeItems() }] });
  const panelButton = el("button", { type: "button", class: "icon-button panel-toggle", "aria-label": t("contactPanel"), "data-tip": t("contactPanel"), "aria-pressed": "true" }, icon("panel"));
  panelButton.addEventListener("click", () => panelButton.setAttribute("aria-pressed", String(togglePanel())));
  // The person's macros, run on this conversation from More.
  let savedMacros = [];
  const loadMacros = () => macros(base).then((l) => { savedMacros = l; }).catch(() => {});
  async function runSaved(m) {
    const id = openId;
    try {
      const r = await runMacro(base, m.id, [id]);
      const failed = (r.errors || [])[0];
      ctx.say?.(failed ? `${m.name}: ${failed.error}` : t("macroDone").replace("{name}", m.name));
    } catch (e) {
      if (e instanceof Unauthorized) return ctx.signIn();
      ctx.say?.(`${m.name}: ${errorMessage(e)}`);
    } finally {
      if (openId === id) refreshHeader(id).catch(() => {});
    }
  }
  const macroItems = () => [
    savedMacros.length ? { group: t("macros"), items: savedMacros.map((m) => ({ label: m.name, run: () => runSaved(m) })) } : null,
    { label: t("manageMacros"), run: () => { location.hash = "#/macros"; } },
  ];
  loadMacros();
  const moreMenu = menuButton({ label: t("moreActions"), className: "icon-button", content: [glyph("more")], items: () => [
    mine() ? null : { label: t("assignMe"), run: assignMe },
    { label: `${t("assignTo")}…`, run: () => assigneePicker.open(moreMenu.button) },
    { label: `${t("team")}…`, run: () => teamPicker.open(moreMenu.button) },
    { group: t("priority"), items: priorityItems() },
    { group: t("snooze"), items: snoozeItems() },
    pendingItem(),
    { label: t("contactPanel"), kind: "check", checked: panelButton.getAttribute("aria-pressed") === "true", run: () => panelButton.click() },
    ...macroItems(),
  ] });
  moreMenu.node.classList.add("more-menu");
  // A date of one's own for the snooze, in a small popover under the toolbar.
  const snoozeDate = el("input", { type: "datetime-local", id: "snooze-date" });
  const snoozeGo = el("button", { type: "button", class: "primary", text: t("snooze") });
  const snoozeCancel = el("button", { type: "button", text: t("cancel") });
  const snoozeForm = el("div", { class: "snooze-date", role: "dialog", "aria-label": t("snoozeUntil"), hidden: "" },
    el("label", { for: "snooze-date", text: t("snoozeUntil") }), snoozeDate, el("div", { class: "row" }, snoozeCancel, snoozeGo));
  // Phones show the list or a conversation: Back returns to the list.
  const backButton = el("button", { type: "button", class: "icon-button back", "aria-label": t("backToList") }, icon("back"));
  backButton.addEventListener("click", () => ctx.backToList?.());
  const actions = el("div", { class: "toolbar", role: "toolbar", "aria-label": t("actions") },
    assignButton, assigneePicker.node, teamPicker.node, priorityMenu.node,
    el("div", { class: "split" }, resolveButton, statusMenu.node), moreMenu.node, panelButton);
  // Arrows move along the toolbar (its controls stay in the Tab order too).
  actions.addEventListener("keydown", (e) => {
    if ((e.key !== "ArrowLeft" && e.key !== "ArrowRight") || !e.target.closest || e.target.closest(".menu, .picker-popup")) return;
    const stops = [...actions.querySelectorAll("button")].filter((b) => !b.closest(".menu, .picker-popup") && visible(b));
    const i = stops.indexOf(e.target);
    if (i < 0) return;
    e.preventDefault();
    stops[(i + (e.key === "ArrowRight" ? 1 : stops.length - 1)) % stops.length].focus();
  });
  const header = el("header", { class: "conv-header", hidden: "" }, backButton, face, who, actions, snoozeForm);

  function paintHeader(conv) {
    if (!conv || conv.id !== openId) return;
    current = conv;
    header.classList.remove("loading");
    actions.inert = false;
    const contact = (conv.meta && conv.meta.sender) || {};
    const assignee = conv.meta && conv.meta.assignee;
    const team = conv.meta && conv.meta.team;
    face.replaceChildren(avatar(contact.name, contact.thumbnail, "md"));
    title.textContent = contact.name || `#${conv.id}`;
    title.title = title.textContent;
    statusWord.textContent = conv.status === "snoozed" && conv.snoozed_until
      ? `${t("one_snoozed")} · ${when(Date.parse(conv.snoozed_until) / 1000)}` : t(`one_${conv.status}`);
    statusWord.dataset.status = conv.status;
    slaSlot.replaceChildren(...[slaBadge(conv)].filter(Boolean));
    priorityWord.hidden = !conv.priority;
    priorityWord.className = `priority ${conv.priority || ""}`.trim();
    priorityWord.replaceChildren(...(conv.priority ? [icon("flag"), el("span", { text: t(conv.priority) })] : []));
    const priorityName = `${t("priority")}: ${conv.priority ? t(conv.priority) : t("noPriority")}`;
    priorityMenu.button.setAttribute("aria-label", priorityName);
    priorityMenu.button.dataset.tip = priorityName;
    assigneeWord.textContent = `${t("assignee")}: ${assignee ? assignee.available_name || assignee.name : t("nobody")}`;
    teamWord.hidden = !team;
    teamWord.replaceChildren(...(team ? [icon("team"), el("span", { text: team.name })] : []));
    chips.replaceChildren(...(conv.labels || []).map((l) => labelChip(l, ctx.labelColours)));
    resolveButton.textContent = conv.status === "resolved" ? t("reopen") : t("resolve");
    assignButton.hidden = mine();
    assigneePicker.set(assignee ? assignee.id : null);
    teamPicker.set(team ? team.id : null);
    paintWindow(conv).catch(() => {});
    const mail = Boolean(conv.meta && conv.meta.channel === "Channel::Email");
    if (mail !== isMail || openId !== mailFor) {
      isMail = mail;
      mailFor = openId;
      ccInput.value = bccInput.value = "";
      mailRow.hidden = !isMail || mode === "note";
    }
    // The inbox's name, for {{inbox.name}} in canned responses.
    load(`${base}/inboxes`, (r) => (r && r.payload) || [])
      .then((all) => { for (const i of all) inboxNames.set(i.id, i.name); })
      .catch(() => {});
    header.hidden = false;
    onChange(conv);
  }

  async function act(path, body) {
    const id = openId;
    try {
      return await api(`${base}/conversations/${id}${path}`, { method: "POST", json: body });
    } catch (e) {
      if (e instanceof Unauthorized) ctx.signIn();
      throw e;
    } finally {
      if (openId === id) refreshHeader(id).catch(() => {});
    }
  }
  async function refreshHeader(id) {
    loadMacros();
    paintHeader(await api(`${base}/conversations/${id}`));
  }
  resolveButton.addEventListener("click", () => {
    const id = openId, resolving = !(current && current.status === "resolved");
    act("/toggle_status", { status: resolving ? "resolved" : "open" })
      .then(() => { if (resolving && ctx.afterResolve) ctx.afterResolve(id); })
      .catch(() => {});
  });
  function assignMe() {
    act("/assignments", { assignee_id: profile.id }).catch(() => {});
  }
  assignButton.addEventListener("click", assignMe);
  function snoozeUntil(until) {
    act("/toggle_status", { status: "snoozed", snoozed_until: Math.floor(until.getTime() / 1000) }).catch(() => {});
  }
  function snoozeChoice(choice) {
    if (choice === "date") {
      snoozeForm.hidden = false;
      const d = new Date(Date.now() + 86400000);
      d.setHours(9, 0, 0, 0);
      snoozeDate.value = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
      snoozeDate.focus();
      return;
    }
    const until = new Date();
    if (choice === "hour") until.setHours(until.getHours() + 1);
    else {
      until.setDate(until.getDate() + (choice === "week" ? ((8 - until.getDay()) % 7 || 7) : 1));
      until.setHours(9, 0, 0, 0);
    }
    snoozeUntil(until);
  }
  function closeSnoozeForm() {
    snoozeForm.hidden = true;
    statusMenu.button.focus();
  }
  snoozeGo.addEventListener("click", () => {
    const until = new Date(snoozeDate.value);
    if (Number.isNaN(until.getTime()) || until.getTime() <= Date.now()) return snoozeDate.focus();
    closeSnoozeForm();
    snoozeUntil(until);
  });
  snoozeCancel.addEventListener("click", closeSnoozeForm);
  snoozeForm.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); closeSnoozeForm(); }
    if (e.key === "Enter" && e.target === snoozeDate) { e.preventDefault(); snoozeGo.click(); }
  });

  // ---- thread ----
  const thread = el("ol", { class: "thread", role: "log", "aria-live": "polite", "aria-label": t("thread") },
    el("li", { class: "activity", text: t("pick") }));
  const typingLine = el("p", { class: "typing-line", role: "status", hidden: "" });

  function senderName(m) {
    const s = m.sender || {};
    if (m.message_type === 0) return s.name || (current && current.meta && current.meta.sender && current.meta.sender.name) || "";
    if (m.pending || m.failed) return profile.available_name || profile.name;
    return s.available_name || s.name || "";
  }
  function attachmentsOf(m) {
    const list = m.attachments || [];
    if (!list.length && !(m.files || []).length) return null;
    const box = el("span", { class: "files" });
    for (const a of list) {
      const name = a.file_name || `${t("attachment")}.${a.extension || ""}`;
      if (a.file_type === "image" && a.data_url) {
        const img = el("img", { src: a.thumb_url || a.data_url, alt: name, loading: "lazy" });
        if (a.width && a.height) { img.width = Math.min(240, a.width); img.height = Math.round(img.width * a.height / a.width); }
        box.append(el("a", { href: a.data_url, target: "_blank", rel: "noopener noreferrer", class: "image" }, img));
      } else {
        box.append(el("a", { href: a.data_url, target: "_blank", rel: "noopener noreferrer", class: "file", download: name },
          icon("clip"), el("span", { text: name }), el("span", { class: "meta", text: a.file_size ? size(a.file_size) : "" })));
      }
    }
    for (const f of m.files || []) box.append(el("span", { class: "file" }, icon("clip"), el("span", { text: f.name })));
    return box;
  }
  function deliveryMark(m) {
    if (m.message_type !== 1 || m.private) return null;
    const status = m.failed ? "failed" : m.pending ? "sending" : m.status || "sent";
    const name = { sending: "clock", sent: "check", delivered: "checks", read: "checks", failed: "alert" }[status] || "check";
    const mark = el("span", { class: `mark ${status}`, role: "img", "aria-label": t(`status_${status}`), title: t(`status_${status}`) }, icon(name));
    return mark;
  }
  function quoteOf(m) {
    const ref = m.content_attributes && m.content_attributes.in_reply_to;
    if (!ref) return null;
    const orig = texts.get(Number(ref));
    return el("blockquote", { class: "quote" },
      el("span", { class: "quote-name", text: orig ? orig.name : t("earlierMessage") }),
      el("span", { class: "quote-text", text: orig ? orig.content : "" }));
  }

  // E-mail: the subject and copies above the text; the whole mail (the
  // quoted history and signature the text leaves out) behind a toggle.
  function mailHead(m) {
    const ca = m.content_attributes || {};
    const mail = ca.email || {};
    const cc = (mail.cc && mail.cc.length ? mail.cc : ca.cc_emails) || [];
    const bcc = ca.bcc_emails || [];
    const lines = [];
    if (mail.subject) lines.push(el("span", { class: "mail-subject", text: mail.subject }));
    // Who really wrote it (a thread's mail is filed under its contact, even
    // when a colleague in Cc answered).
    const from = Array.isArray(mail.from) ? mail.from[0] : null;
    if (from && m.message_type === 0) lines.push(el("span", { class: "mail-from", text: `${t("from")}: ${from}` }));
    if (cc.length) lines.push(el("span", { class: "mail-copies", text: `${t("cc")}: ${cc.join(", ")}` }));
    if (bcc.length) lines.push(el("span", { class: "mail-copies", text: `${t("bcc")}: ${bcc.join(", ")}` }));
    return lines.length ? el("div", { class: "mail-head" }, ...lines) : null;
  }
  function wholeMail(m) {
    const mail = (m.content_attributes || {}).email;
    const full = mail && mail.text_content && mail.text_content.full;
    if (!full || full.trim() === (m.content || "").trim()) return null;
    const id = `mail-${m.id}`;
    const toggle = el("button", { type: "button", class: "mail-toggle", "aria-expanded": "false", "aria-controls": id, text: t("wholeMail") });
    const text = el("pre", { class: "mail-full", id, hidden: "", text: full });
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      text.hidden = !open;
    });
    return el("div", { class: "mail-whole" }, toggle, text);
  }

  // Renders or updates one message; older pages pass the node to insert before.
  // An activity line in the interface's language when the server said what
  // it means (content_attributes.activity), else its text as written.
  function activityText(m) {
    const a = m.content_attributes && m.content_attributes.activity;
    const template = a && typeof a.key === "string" ? t(`act_${a.key}`) : "";
    if (!template || template === `act_${a.key}`) return m.content || "";
    const params = (a && a.params) || {};
    const word = (k, v) => (k === "new" || k === "old" ? t(v) : v);
    return template.replace(/\{(\w+)\}/g, (_, k) => (params[k] === undefined ? "" : word(k, String(params[k]))));
  }
  // The time of a message, with the full date and time on hover (and for
  // screen readers), in the interface's locale.
  function timeOf(m) {
    if (!m.created_at) return el("time", { text: "" });
    const d = new Date(m.created_at * 1000);
    const full = d.toLocaleString(ctx.locale, { dateStyle: "full", timeStyle: "short" });
    return el("time", { datetime: d.toISOString(), title: full, "aria-label": full,
      text: d.toLocaleTimeString(ctx.locale, { timeStyle: "short" }) });
  }
  // A local calendar day, as a key and as words: Today, Yesterday, or the date.
  function dayKey(secs) {
    const d = new Date(secs * 1000);
    return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
  }
  function dayWords(secs) {
    const d = new Date(secs * 1000);
    const today = new Date();
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (dayKey(secs) === dayKey(today.getTime() / 1000)) return t("today");
    if (dayKey(secs) === dayKey(yesterday.getTime() / 1000)) return t("yesterday");
    const opts = { weekday: "short", day: "numeric", month: "short" };
    if (d.getFullYear() !== today.getFullYear()) opts.year = "numeric";
    return d.toLocaleDateString(ctx.locale, opts);
  }
  // One separator before the first message of each day (redrawn after every
  // change: a page holds at most a few hundred rows).
  function paintDays() {
    for (const sep of thread.querySelectorAll("li.day")) sep.remove();
    let last = null;
    for (const li of [...thread.children]) {
      const day = li.dataset.day;
      if (!day) continue;
      if (day !== last) {
        thread.insertBefore(el("li", { class: "day", role: "separator", text: li.dataset.dayWords }), li);
        last = day;
      }
    }
  }
  function message(m, before = null) {
    if (m.conversation_id !== openId) return;
    let li = (m.id && shown.get(`id:${m.id}`)) || (m.echo_id && shown.get(`echo:${m.echo_id}`));
    if (!li) {
      li = el("li");
      if (before) thread.insertBefore(li, before);
      else {
        const atBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 120;
        thread.append(li);
        if (atBottom || m.pending) thread.scrollTop = thread.scrollHeight;
      }
    }
    if (m.id) shown.set(`id:${m.id}`, li);
    if (m.echo_id) shown.set(`echo:${m.echo_id}`, li);
    // A copy older than the one shown (the reply to our own POST arriving
    // after the platform's status change, say) changes nothing.
    if (m.id && m.updated_at && Number(li.dataset.updated || 0) > m.updated_at) return;
    if (m.id && m.updated_at) li.dataset.updated = String(m.updated_at);
    const deleted = Boolean(m.content_attributes && m.content_attributes.deleted);
    const kind = m.message_type === 0 ? "in" : m.message_type === 2 ? "activity" : m.private ? "note" : "out";
    li.className = [kind, m.pending ? "pending" : "", !deleted && (m.failed || m.status === "failed") ? "failed" : "", deleted ? "deleted" : ""].filter(Boolean).join(" ");
    if (m.id) li.dataset.message = String(m.id);
    const created = m.created_at || Date.now() / 1000;
    if (li.dataset.day !== dayKey(created)) {
      li.dataset.day = dayKey(created);
      li.dataset.dayWords = dayWords(created);
      paintDays();
    }
    if (kind === "activity") {
      li.replaceChildren(document.createTextNode(activityText(m)));
      return;
    }
    const name = senderName(m);
    if (m.id && !deleted) texts.set(m.id, { name, content: (m.content || (m.attachments || []).map((a) => a.file_name).join(", ")).slice(0, 140) });
    const body = el("div", { class: "body" });
    if (deleted) body.append(el("em", { text: t("deleted") }));
    else if (m.content) body.append(...markdown(m.content));
    // A satisfaction survey shows its answer.
    const csat = m.content_type === "input_csat" && m.content_attributes && m.content_attributes.submitted_values
      && m.content_attributes.submitted_values.csat_survey_response;
    if (!deleted && csat && csat.rating) {
      body.append(el("p", { class: "csat-answer", "data-rating": String(csat.rating) },
        el("strong", { text: t("csatRated").replace("{n}", csat.rating) }),
        csat.feedback_message ? el("span", { text: ` “${csat.feedback_message}”` }) : null));
    }
    const meta = el("span", { class: "msg-meta" },
      kind === "note" ? icon("lock") : null,
      el("span", { class: "sender", text: name }),
      timeOf(m),
      deleted ? null : deliveryMark(m));
    li.replaceChildren(...[meta, deleted ? null : quoteOf(m), deleted ? null : mailHead(m), body, deleted ? null : wholeMail(m),
      deleted ? null : attachmentsOf(m)].filter(Boolean));
    if (m.status === "failed" && !m.failed && !deleted) {
      const reason = (m.content_attributes && m.content_attributes.external_error) || t("notDelivered");
      li.append(el("span", { class: "reason", text: reason }));
      if (kind === "out") {
        const retry = el("button", { type: "button", class: "retry", text: t("retry") });
        retry.addEventListener("click", async () => {
          retry.disabled = true;
          try {
            message(await api(`${base}/conversations/${m.conversation_id}/messages/${m.id}/retry`, { method: "POST", json: {} }));
          } catch (e) {
            if (e instanceof Unauthorized) return ctx.signIn();
            retry.disabled = false;
            retry.textContent = `${t("retry")} (${errorMessage(e) || t("failed")})`;
          }
        });
        li.append(retry);
      }
    }
    if (m.failed) {
      const retry = el("button", { type: "button", class: "retry", text: t("retry") });
      retry.addEventListener("click", () => {
        li.remove();
        shown.delete(`echo:${m.echo_id}`);
        send({ content: m.content, isPrivate: m.private, files: m.fileObjects || [], replyTo: m.replyTo || null, template: m.template || null });
      });
      li.append(el("span", { class: "reason", text: ` ${t("notSent")} ` }), retry);
      retry.scrollIntoView({ block: "nearest" });
    }
    if (m.id && !deleted) {
      const replyButton = el("button", { type: "button", class: "reply-to", "aria-label": `${t("replyTo")} ${name}` }, icon("reply"));
      replyButton.addEventListener("click", () => setReplyTo(m.id));
      li.append(replyButton);
    }
  }

  // ---- composer ----
  const typers = new Map();
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
  const inputLabel = el("label", { class: "sr", for: "composer-input", text: t("replyLabel") });
  const replyBar = el("div", { class: "reply-bar", hidden: "" });
  const tray = el("ul", { class: "tray", "aria-label": t("attachments"), hidden: "" });
  const fileInput = el("input", { type: "file", multiple: "", class: "sr", tabindex: "-1", "aria-hidden": "true" });
  const attachButton = el("button", { type: "button", class: "icon-button", "aria-label": t("attach") }, icon("clip"));
  attachButton.addEventListener("click", () => fileInput.click());
  const sendButton = el("button", { class: "primary", type: "submit", text: t("send") });
  // The agent's signature (from the profile) goes under replies while this is on.
  const signature = (profile.message_signature || "").trim();
  const signButton = el("button", { type: "button", class: "sign", "aria-pressed": String(localStorage.getItem("sb:sign") !== "off"),
    text: t("signature"), title: signature });
  if (!signature) signButton.hidden = true;
  signButton.addEventListener("click", () => {
    const on = signButton.getAttribute("aria-pressed") !== "true";
    signButton.setAttribute("aria-pressed", String(on));
    localStorage.setItem("sb:sign", on ? "on" : "off");
  });
  const signed = (content, isPrivate) => (!isPrivate && signature && signButton.getAttribute("aria-pressed") === "true"
    ? `${content}\n\n${signature}` : content);
  // Outside a platform's reply window (WhatsApp: 24 h after the customer's
  // last message) only an approved template can go out: pick one, fill its
  // {{n}} values, send.
  const windowNote = el("div", { class: "window-note", role: "note", hidden: "" });
  // The template form is built once per conversation: a later update of the
  // conversation (a label, a presence change) must not wipe what the agent
  // is filling in.
  let windowFor = null;
  async function paintWindow(conv) {
    windowNote.hidden = conv.can_reply !== false;
    if (windowNote.hidden) { windowFor = null; return; }
    if (windowFor === conv.id) return;
    windowFor = conv.id;
    const inbox = await load(`${base}/inboxes/${conv.inbox_id}`).catch(() => null);
    if (!inbox && windowFor === conv.id) windowFor = null;
    if (openId !== conv.id) return;
    const templates = ((inbox && inbox.message_templates) || []).filter((x) => x.status === "APPROVED");
    const select = el("select", { "aria-label": t("template") },
      el("option", { value: "", text: `${t("chooseTemplate")}…` }),
      ...templates.map((x, i) => el("option", { value: String(i), text: `${x.name} (${x.language})` })));
    const params = el("div", { class: "template-params" });
    const preview = el("p", { class: "template-preview" });
    const sendTemplate = el("button", { type: "button", class: "primary", text: t("sendTemplate"), disabled: "" });
    const bodyOf = (x) => ((x.components || []).find((c) => c.type === "BODY") || {}).text || "";
    const render = () => {
      const x = templates[Number(select.value)];
      if (!x) return "";
      return bodyOf(x).replace(/\{\{(\d+)\}\}/g, (_, n) => (params.querySelector(`[data-param="${n}"]`) || {}).value || `{{${n}}}`);
    };
    const refresh = () => {
      preview.textContent = render();
      const inputs = [...params.querySelectorAll("input")];
      sendTemplate.disabled = !templates[Number(select.value)] || select.value === "" || inputs.some((i) => !i.value.trim());
    };
    select.addEventListener("change", () => {
      const x = templates[Number(select.value)];
      const numbers = [...new Set([...bodyOf(x || {}).matchAll(/\{\{(\d+)\}\}/g)].map((m) => m[1]))];
      params.replaceChildren(...numbers.map((n) => {
        const input = el("input", { "data-param": n, "aria-label": `${t("templateValue")} {{${n}}}`, placeholder: `{{${n}}}` });
        input.addEventListener("input", refresh);
        return input;
      }));
      refresh();
    });
    sendTemplate.addEventListener("click", () => {
      const x = templates[Number(select.value)];
      if (!x) return;
      const processed = {};
      for (const i of params.querySelectorAll("input")) processed[i.dataset.param] = i.value.trim();
      const content = render();
      send({ content, isPrivate: false, files: [], replyTo: null,
        template: { name: x.name, category: x.category, language: x.language, processed_params: processed } });
      select.value = "";
      params.replaceChildren();
      refresh();
    });
    windowNote.replaceChildren(el("p", { text: t("windowClosed") }),
      el("div", { class: "template-row" }, select, params, sendTemplate), preview);
  }
  // E-mail conversations: copies of the reply (Cc, Bcc), comma-separated.
  const ccInput = el("input", { type: "text", name: "cc_emails", autocomplete: "off", spellcheck: "false", placeholder: "name@example.com, …" });
  const bccInput = el("input", { type: "text", name: "bcc_emails", autocomplete: "off", spellcheck: "false", placeholder: "name@example.com, …" });
  const mailRow = el("div", { class: "mail-row", hidden: "" },
    el("label", {}, el("span", { text: t("cc") }), ccInput), el("label", {}, el("span", { text: t("bcc") }), bccInput));
  let isMail = false;

  // ---- composer tools: emoji, canned responses, their variables ----
  // A popup over the composer's tools: a search box over a list (or a grid)
  // of choices (combobox + listbox). Arrows move, Enter inserts at the
  // caret, Escape closes and returns to the text where the caret was.
  let popSeq = 0;
  function composerPopup({ label, placeholder, trigger, grid = false, options, render, choose, empty }) {
    const id = `pop${++popSeq}`;
    const search = el("input", { type: "search", role: "combobox", "aria-label": placeholder, placeholder, autocomplete: "off",
      spellcheck: "false", "aria-autocomplete": "list", "aria-expanded": "true", "aria-controls": `${id}-list` });
    const list = el("div", { role: "listbox", id: `${id}-list`, "aria-label": label, class: grid ? "pop-list grid" : "pop-list" });
    const none = el("p", { class: "pop-empty", role: "status" });
    const node = el("div", { class: `composer-pop ${grid ? "emoji-pop" : "canned-pop"}`, role: "dialog", "aria-label": label, hidden: "" },
      search, list, none);
    let shown = [], index = 0, caret = [0, 0], seq = 0;
    const optionNodes = () => [...list.querySelectorAll("[role=option]")];
    function paintActive() {
      const nodes = optionNodes();
      nodes.forEach((n, i) => n.setAttribute("aria-selected", String(i === index)));
      if (nodes[index]) {
        search.setAttribute("aria-activedescendant", nodes[index].id);
        nodes[index].scrollIntoView({ block: "nearest" });
      } else search.removeAttribute("aria-activedescendant");
    }
    async function paint() {
      const mine = ++seq;
      const q = search.value.trim().toLocaleLowerCase();
      const items = await options(q);
      if (mine !== seq) return; // typed on meanwhile
      shown = items;
      index = 0;
      const out = [];
      let box = null, group;
      items.forEach((it, i) => {
        const o = el("div", { role: "option", id: `${id}-o${i}`, class: "pop-option", "aria-selected": "false" }, ...render(it));
        if (it.name) o.setAttribute("aria-label", it.name);
        if (it.name) o.title = it.name;
        o.addEventListener("mousedown", (e) => { e.preventDefault(); pick(i); });
        if (it.group === undefined) return out.push(o);
        if (it.group !== group || !box) {
          group = it.group;
          box = el("div", { role: "group", "aria-label": group, class: "pop-group" },
            el("div", { class: "pop-heading", "aria-hidden": "true", text: group }));
          out.push(box);
        }
        box.append(o);
      });
      list.replaceChildren(...out);
      list.scrollTop = 0;
      none.textContent = items.length ? "" : empty(q);
      paintActive();
    }
    function move(key) {
      const nodes = optionNodes();
      if (!nodes.length) return;
      if (!grid || key === "ArrowLeft" || key === "ArrowRight") {
        const d = key === "ArrowDown" || key === "ArrowRight" ? 1 : -1;
        index = (index + d + nodes.length) % nodes.length;
      } else {
        // Up and down in the grid: the nearest option in the row above or below.
        const here = nodes[index].getBoundingClientRect();
        const down = key === "ArrowDown";
        let best = -1, bestGap = Infinity, bestDx = Infinity;
        nodes.forEach((n, i) => {
          const r = n.getBoundingClientRect();
          const gap = down ? r.top - here.top : here.top - r.top;
          if (gap < here.height / 2) return;
          const dx = Math.abs(r.left - here.left);
          if (gap < bestGap - 1 || (Math.abs(gap - bestGap) <= 1 && dx < bestDx)) { best = i; bestGap = gap; bestDx = dx; }
        });
        if (best < 0) return;
        index = best;
      }
      paintActive();
    }
    function pick(i) {
      const it = shown[i];
      if (!it) return;
      close(false);
      choose(it, caret);
    }
    async function open() {
      for (const p of popups) if (p !== self) p.close(false);
      caret = [input.selectionStart, input.selectionEnd];
      node.hidden = false;
      trigger.setAttribute("aria-expanded", "true");
      search.value = "";
      search.focus();
      await paint();
    }
    function close(refocus) {
      if (node.hidden) return;
      node.hidden = true;
      trigger.setAttribute("aria-expanded", "false");
      if (refocus) {
        input.focus();
        input.setSelectionRange(caret[0], caret[1]);
      }
    }
    search.addEventListener("input", () => { paint().catch(() => {}); });
    search.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp" || (grid && (e.key === "ArrowLeft" || e.key === "ArrowRight"))) {
        e.preventDefault();
        move(e.key);
      } else if (e.key === "Enter") {
        e.preventDefault(); // never the composer's form
        pick(index);
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        close(true);
      } else if (e.key === "Tab") close(false);
    });
    // Clicks inside keep focus in the search box; focus elsewhere closes.
    node.addEventListener("mousedown", (e) => { if (e.target !== search) e.preventDefault(); });
    node.addEventListener("focusout", (e) => { if (!node.contains(e.relatedTarget) && e.relatedTarget !== trigger) close(false); });
    trigger.addEventListener("click", () => (node.hidden ? open().catch(() => {}) : close(true)));
    const self = { node, close, get isOpen() { return !node.hidden; } };
    popups.push(self);
    return self;
  }
  const popups = [];

  // Inserts text where the caret was (replacing what was selected), as typing would.
  function insertAt(text, [start, end]) {
    input.focus();
    input.setRangeText(text, start, end, "end");
    input.dispatchEvent(new Event("input"));
  }

  // Canned responses' variables, as Chatwoot names them. One that has no
  // value here (unknown, or the contact has no e-mail, say) stays written
  // as it is, for the agent to see; a reply still holding one waits for a
  // second Send (below).
  function variables() {
    const conv = current && current.id === openId ? current : null;
    if (!conv) return {};
    const contact = (conv.meta && conv.meta.sender) || {};
    const name = String(contact.name || "").trim();
    const words = name.split(/\s+/).filter(Boolean);
    const agent = String(profile.available_name || profile.name || "").trim();
    const agentWords = agent.split(/\s+/).filter(Boolean);
    return {
      "contact.name": name, "contact.first_name": words[0] || "", "contact.last_name": words.length > 1 ? words[words.length - 1] : "",
      "contact.email": contact.email || "", "contact.phone": contact.phone_number || "",
      "agent.name": agent, "agent.first_name": agentWords[0] || "", "agent.last_name": agentWords.length > 1 ? agentWords[agentWords.length - 1] : "",
      "agent.email": profile.email || "",
      "conversation.id": String(conv.id), "inbox.name": inboxNames.get(conv.inbox_id) || "",
    };
  }
  const VARIABLE = /\{\{\s*([A-Za-z_]+(?:\.[A-Za-z_]+)*)\s*\}\}/g;
  function fillVariables(text) {
    const values = variables();
    return text.replace(VARIABLE, (whole, key) => values[key.toLowerCase()] || whole);
  }

  const emojiButton = el("button", { type: "button", class: "icon-button", "aria-label": t("emoji"), "data-tip": t("emoji"),
    "aria-haspopup": "dialog", "aria-expanded": "false" }, glyph("smile"));
  const cannedButton = el("button", { type: "button", class: "icon-button", "aria-label": t("canned"), "data-tip": t("canned"),
    "aria-haspopup": "dialog", "aria-expanded": "false" }, glyph("canned"));
  // The list as it is now when browsing it (the "/" flow keeps its copy).
  cannedButton.addEventListener("click", () => { if (!cannedPop.isOpen) forget(`${base}/canned_responses`); });
  const ru = ctx.locale === "ru";
  const emojiPop = composerPopup({
    label: t("emoji"), placeholder: t("emojiSearch"), trigger: emojiButton, grid: true,
    options: async (q) => EMOJI.flatMap(([kind, list]) => list
      .filter(([, en, rus]) => !q || `${en}|${rus}`.toLocaleLowerCase().split("|").some((w) => w.includes(q)))
      .map(([char, en, rus]) => ({ char, name: (ru ? rus : en).split("|")[0], group: q ? undefined : t(`emoji_${kind}`) }))),
    render: (it) => [it.char],
    choose: (it, at) => insertAt(it.char, at),
    empty: () => t("emojiNone"),
  });
  const cannedPop = composerPopup({
    label: t("canned"), placeholder: t("cannedSearch"), trigger: cannedButton,
    options: async (q) => ((await load(`${base}/canned_responses`).catch(() => [])) || [])
      .filter((c) => !q || c.short_code.toLocaleLowerCase().includes(q) || c.content.toLocaleLowerCase().includes(q))
      .map((c) => ({ canned: c })),
    render: ({ canned: c }) => [el("span", { class: "code", text: `/${c.short_code}` }), el("span", { class: "content", text: c.content })],
    choose: (it, at) => insertAt(fillVariables(it.canned.content), at),
    empty: (q) => (q ? t("cannedNone") : t("cannedEmpty")),
  });
  // Shown when a reply about to go still holds a {{variable}}.
  const unfilledNote = el("p", { class: "unfilled", role: "alert", hidden: "" });
  let unfilledOk = null;

  const composer = el("form", { class: "composer", hidden: "" },
    windowNote,
    el("div", { class: "modes", role: "group", "aria-label": t("mode") }, replyMode, noteMode),
    mailRow, replyBar, inputLabel, cannedList, input, tray, unfilledNote,
    el("div", { class: "composer-actions" },
      el("div", { class: "composer-tools" }, emojiButton, cannedButton, attachButton, fileInput, emojiPop.node, cannedPop.node),
      signButton, sendButton));

  function setMode(m) {
    mode = m;
    replyMode.setAttribute("aria-pressed", String(m === "reply"));
    noteMode.setAttribute("aria-pressed", String(m === "note"));
    composer.classList.toggle("note", m === "note");
    mailRow.hidden = !isMail || m === "note";
    input.placeholder = m === "note" ? t("notePlaceholder") : t("replyPlaceholder");
    inputLabel.textContent = m === "note" ? t("noteLabel") : t("replyLabel");
  }
  replyMode.addEventListener("click", () => { setMode("reply"); input.focus(); });
  noteMode.addEventListener("click", () => { setMode("note"); input.focus(); });
  setMode("reply");

  function setReplyTo(id) {
    replyTo = id;
    const orig = id ? texts.get(id) : null;
    replyBar.hidden = !orig;
    if (!orig) return;
    const cancel = el("button", { type: "button", class: "icon-button", "aria-label": t("cancelReply") }, icon("close"));
    cancel.addEventListener("click", () => { setReplyTo(null); input.focus(); });
    replyBar.replaceChildren(icon("reply"), el("span", { class: "quote-name", text: `${t("replyingTo")} ${orig.name}:` }),
      el("span", { class: "quote-text", text: orig.content }), cancel);
    input.focus();
  }

  // Files waiting to be sent with the next message.
  let files = [];
  // Pictures show as thumbnails (object URLs, let go once the file leaves).
  const thumbs = new Map();
  function paintTray() {
    for (const [f, url] of thumbs) if (!files.includes(f)) { URL.revokeObjectURL(url); thumbs.delete(f); }
    tray.hidden = files.length === 0;
    tray.replaceChildren(...files.map((f, i) => {
      const remove = el("button", { type: "button", class: "icon-button", "aria-label": `${t("remove")} ${f.name}` }, icon("close"));
      remove.addEventListener("click", () => { files.splice(i, 1); paintTray(); input.focus(); });
      let preview = icon("clip");
      if (/^image\//.test(f.type || "")) {
        if (!thumbs.has(f)) thumbs.set(f, URL.createObjectURL(f));
        preview = el("img", { class: "thumb", src: thumbs.get(f), alt: "" });
      }
      return el("li", {}, preview, el("span", { class: "name", text: f.name }), el("span", { class: "meta", text: size(f.size) }), remove);
    }));
  }
  function addFiles(list) {
    for (const f of list) if (files.length < 15) files.push(f);
    paintTray();
  }
  fileInput.addEventListener("change", () => { addFiles(fileInput.files); fileInput.value = ""; input.focus(); });
  input.addEventListener("paste", (e) => {
    const pasted = [...(e.clipboardData ? e.clipboardData.files : [])];
    if (pasted.length) { e.preventDefault(); addFiles(pasted); }
  });

  // Drafts per conversation, kept in this browser across switching and reloads.
  const draftKey = (id) => `sb:draft:${accountId}:${id}`;
  let synced = ""; // the draft as last stored, by this tab or another
  function clearUnfilled() {
    unfilledOk = null;
    unfilledNote.hidden = true;
  }
  input.addEventListener("input", () => {
    if (unfilledOk !== null && input.value.trim() !== unfilledOk) clearUnfilled();
    if (openId === null) return;
    synced = input.value;
    if (input.value.trim()) typingOnNow();
    else typingOff();
    if (input.value) localStorage.setItem(draftKey(openId), input.value);
    else localStorage.removeItem(draftKey(openId));
  });

  async function send({ content, isPrivate, files: attached, replyTo: inReplyTo, template = null, cc = "", bcc = "" }) {
    const id = openId;
    const echo = echoId();
    const draft = {
      conversation_id: id, echo_id: echo, content, message_type: 1, private: isPrivate, pending: true, created_at: Date.now() / 1000,
      files: attached.map((f) => ({ name: f.name })), fileObjects: attached, replyTo: inReplyTo, template,
      content_attributes: inReplyTo ? { in_reply_to: inReplyTo } : {},
    };
    message(draft);
    try {
      let m;
      if (attached.length) {
        const form = new FormData();
        form.append("content", content);
        form.append("private", String(isPrivate));
        form.append("echo_id", echo);
        if (inReplyTo) form.append("content_attributes[in_reply_to]", String(inReplyTo));
        if (cc) form.append("cc_emails", cc);
        if (bcc) form.append("bcc_emails", bcc);
        for (const f of attached) form.append("attachments[]", f, f.name);
        m = await api(`${base}/conversations/${id}/messages`, { method: "POST", form });
      } else {
        const json = { content, private: isPrivate, echo_id: echo };
        if (inReplyTo) json.content_attributes = { in_reply_to: inReplyTo };
        if (template) json.template_params = template;
        if (cc) json.cc_emails = cc;
        if (bcc) json.bcc_emails = bcc;
        m = await api(`${base}/conversations/${id}/messages`, { method: "POST", json });
      }
      message(Object.assign(m, { echo_id: echo }));
    } catch (e) {
      if (e instanceof Unauthorized) return ctx.signIn();
      message(Object.assign(draft, { pending: false, failed: true }));
    }
  }

  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    const content = input.value.trim();
    if ((!content && !files.length) || openId === null) return;
    // A reply still holding a {{variable}} goes only on a second Send.
    const left = mode === "note" ? [] : [...new Set(content.match(VARIABLE) || [])];
    if (left.length && unfilledOk !== content) {
      unfilledOk = content;
      unfilledNote.textContent = t("unfilled").replace("{vars}", left.join(", "));
      unfilledNote.hidden = false;
      return;
    }
    clearUnfilled();
    const attached = files;
    files = [];
    paintTray();
    input.value = "";
    localStorage.removeItem(draftKey(openId));
    typingOff();
    const inReplyTo = replyTo;
    setReplyTo(null);
    const copies = isMail && mode !== "note" ? { cc: ccInput.value.trim(), bcc: bccInput.value.trim() } : {};
    if (copies.cc !== undefined) ccInput.value = bccInput.value = "";
    send({ content: signed(content, mode === "note"), isPrivate: mode === "note", files: attached, replyTo: inReplyTo, ...copies });
  });

  // Canned responses: "/" and part of a short code at the start of a word
  // opens a list; in a private note "@" and part of a name lists the inbox's
  // agents and the teams, and inserts Chatwoot's mention markup
  // ([@Name](mention://user/ID/Name), mention://team/ID/Name for a team).
  // Arrows move, Enter or Tab inserts, Escape closes.
  let cannedShown = [], cannedIndex = 0, cannedToken = null, suggestSeq = 0;
  function closeCanned() {
    cannedList.hidden = true;
    cannedShown = [];
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function paintCanned() {
    cannedList.replaceChildren(...cannedShown.map((c, i) => {
      const option = el("li", { role: "option", id: `canned-${c.key}`, "aria-selected": String(i === cannedIndex) },
        el("span", { class: "code", text: c.code }), el("span", { class: "content", text: c.content }));
      option.addEventListener("mousedown", (e) => { e.preventDefault(); insertCanned(c); });
      return option;
    }));
    cannedList.hidden = cannedShown.length === 0;
    input.setAttribute("aria-expanded", String(!cannedList.hidden));
    if (cannedShown[cannedIndex]) input.setAttribute("aria-activedescendant", `canned-${cannedShown[cannedIndex].key}`);
  }
  function insertCanned(c) {
    const before = input.value.slice(0, cannedToken.start);
    const after = input.value.slice(cannedToken.end);
    const text = c.text();
    input.value = `${before}${text}${after}`;
    const caret = before.length + text.length;
    input.setSelectionRange(caret, caret);
    closeCanned();
    input.dispatchEvent(new Event("input"));
  }
  // Who may be mentioned in the open conversation: its inbox's members and
  // the account's teams.
  async function mentionable() {
    const inboxId = current && current.inbox_id;
    const [members, teams] = await Promise.all([
      inboxId ? load(`${base}/inbox_members/${inboxId}`, (r) => (r && r.payload) || []).catch(() => []) : [],
      load(`${base}/teams`, (r) => r || []).catch(() => []),
    ]);
    return [
      ...members.map((a) => ({ kind: "user", id: a.id, name: a.available_name || a.name || a.email || "" })),
      ...teams.map((x) => ({ kind: "team", id: x.id, name: x.name || "" })),
    ];
  }
  input.addEventListener("input", async () => {
    // Only the latest keystroke's answer is shown.
    const seq = ++suggestSeq;
    const upto = input.value.slice(0, input.selectionStart);
    const mention = mode === "note" ? /(^|\s)@([^\s@]*)$/.exec(upto) : null;
    if (mention) {
      const token = { start: upto.length - mention[2].length - 1, end: upto.length };
      const q = mention[2].toLowerCase();
      const all = await mentionable();
      if (seq !== suggestSeq) return;
      cannedToken = token;
      cannedShown = all
        .filter((m) => m.name.toLowerCase().includes(q))
        .slice(0, 8)
        .map((m) => ({
          key: `${m.kind}-${m.id}`,
          code: `@${m.name}`,
          content: m.kind === "team" ? t("team") : t("agent"),
          text: () => `[@${m.name.replace(/[[\]]/g, "")}](mention://${m.kind}/${m.id}/${encodeURIComponent(m.name).replace(/[()]/g, (c) => (c === "(" ? "%28" : "%29"))}) `,
        }));
      cannedIndex = 0;
      return paintCanned();
    }
    const m = /(^|\s)\/([^\s/]*)$/.exec(upto);
    if (!m) return closeCanned();
    const token = { start: upto.length - m[2].length - 1, end: upto.length };
    const all = await load(`${base}/canned_responses`).catch(() => []);
    if (seq !== suggestSeq) return;
    cannedToken = token;
    const q = m[2].toLowerCase();
    cannedShown = (all || [])
      .filter((c) => c.short_code.toLowerCase().includes(q) || (q.length > 2 && c.content.toLowerCase().includes(q)))
      .slice(0, 8)
      .map((c) => ({ key: c.id, code: `/${c.short_code}`, content: c.content, text: () => fillVariables(c.content) }));
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
    if (e.key === "Escape" && replyTo) {
      e.preventDefault();
      return setReplyTo(null);
    }
    // Escape leaves the composer (the draft stays), so the keys work again.
    if (e.key === "Escape") {
      e.preventDefault();
      input.blur();
      ctx.leaveComposer?.();
      return;
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      composer.requestSubmit();
    }
  });

  // ---- the section, with a drop zone for files ----
  const dropZone = el("div", { class: "drop-zone", hidden: "", "aria-hidden": "true" }, icon("clip"), el("span", { text: t("dropFiles") }));
  const section = el("section", { class: "conversation", "aria-label": t("thread") }, header, thread, typingLine, composer, dropZone);
  let dragDepth = 0;
  section.addEventListener("dragenter", (e) => {
    if (openId === null || !e.dataTransfer || ![...e.dataTransfer.types].includes("Files")) return;
    e.preventDefault();
    dragDepth += 1;
    dropZone.hidden = false;
  });
  section.addEventListener("dragover", (e) => { if (!dropZone.hidden) e.preventDefault(); });
  section.addEventListener("dragleave", () => { dragDepth = Math.max(0, dragDepth - 1); if (!dragDepth) dropZone.hidden = true; });
  section.addEventListener("drop", (e) => {
    if (dropZone.hidden) return;
    e.preventDefault();
    dragDepth = 0;
    dropZone.hidden = true;
    addFiles(e.dataTransfer.files);
    input.focus();
  });

  // ---- opening and paging ----
  let older = { id: null, before: null, more: false, loading: false };
  // While the messages load: grey bubbles where they will be (the log is
  // busy meanwhile); if they cannot load, a line saying so with Retry.
  function paintLoading() {
    thread.setAttribute("aria-busy", "true");
    thread.replaceChildren(...["in w1", "in w2", "out w3", "in w2", "out w1"].map((k) =>
      el("li", { class: `skeleton ${k}`, "aria-hidden": "true" }, el("span", { class: "bar" }), el("span", { class: "bar short" }))));
  }
  function paintLoadError(id) {
    thread.setAttribute("aria-busy", "false");
    const retry = el("button", { type: "button", class: "retry", text: t("retry") });
    retry.addEventListener("click", () => {
      open(id, true).catch((e) => { if (e instanceof Unauthorized) ctx.signIn(); });
    });
    thread.replaceChildren(el("li", { class: "load-error", role: "alert" }, el("span", { text: t("loadFailed") }), retry));
  }
  let opening = 0;
  async function open(id, focusComposer = true) {
    if (openId !== id) {
      files = [];
      paintTray();
      setReplyTo(null);
      clearUnfilled();
      for (const p of popups) p.close(false);
      // A date chosen for another conversation's snooze does not follow.
      snoozeForm.hidden = true;
      snoozeDate.value = "";
      // Until this one's header arrives, no name nor actions of the last.
      if (current && current.id !== id) {
        header.classList.add("loading");
        actions.inert = true;
      }
    }
    openId = id;
    const mine = ++opening;
    input.value = localStorage.getItem(draftKey(id)) || "";
    synced = input.value;
    shown.clear();
    for (const x of typers.values()) clearTimeout(x.timer);
    typers.clear();
    paintTyping();
    typingOff();
    paintLoading();
    composer.hidden = false;
    refreshHeader(id).catch(() => {});
    let r;
    try {
      r = await api(`${base}/conversations/${id}/messages`);
    } catch (e) {
      if (e instanceof Unauthorized) throw e;
      if (openId === id && mine === opening) paintLoadError(id);
      return;
    }
    if (openId !== id || mine !== opening) return;
    for (const li of thread.querySelectorAll("li.skeleton")) li.remove();
    thread.setAttribute("aria-busy", "false");
    const page = (r && r.payload) || [];
    for (const m of page) message(m);
    older = { id, before: page.length ? page[0].id : null, more: page.length >= 20, loading: false };
    thread.scrollTop = thread.scrollHeight;
    // Into the composer, unless the agent has meanwhile gone to type elsewhere.
    const busy = document.activeElement;
    const typingElsewhere = busy && busy !== input && (["INPUT", "TEXTAREA", "SELECT"].includes(busy.tagName) || busy.isContentEditable);
    if (focusComposer && !typingElsewhere) input.focus();
    markRead(id);
  }
  function markRead(id) {
    if (document.visibilityState !== "visible") return;
    api(`${base}/conversations/${id}/update_last_seen`, { method: "POST", json: {} }).catch(() => {});
  }
  async function loadOlder() {
    const state = older;
    if (state.id !== openId || !state.more || state.loading || state.before === null) return;
    state.loading = true;
    try {
      const r = await api(`${base}/conversations/${state.id}/messages?before=${state.before}`);
      if (openId !== state.id) return;
      const page = (r && r.payload) || [];
      const height = thread.scrollHeight;
      // The first message, not a day separator (those are redrawn).
      const anchor = thread.querySelector("li:not(.day)");
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

  return {
    node: section,
    get openId() { return openId; },
    get current() { return current; },
    open,
    refreshHeader: () => (openId === null ? Promise.resolve() : refreshHeader(openId)),
    conversationEvent(conv) { paintHeader(conv); },
    messageEvent(m) {
      message(m);
      if (m.conversation_id === openId && m.message_type === 0) markRead(openId);
    },
    typingEvent,
    focusComposer(m) {
      if (openId === null) return;
      setMode(m);
      input.focus();
    },
    resolve() { if (openId !== null && !actions.inert) resolveButton.click(); },
    // Keyboard shortcuts into the header's controls (through More when
    // the control has no room of its own).
    openTeam() { if (openId !== null) teamPicker.open(visible(teamPicker.button) ? null : moreMenu.button); },
    openAssignee() { if (openId !== null) assigneePicker.open(visible(assigneePicker.button) ? null : moreMenu.button); },
    // s: the snooze choices; p: the priorities, on the one now set.
    focusSelect(which) {
      if (openId === null) return;
      if (which === "snooze") return statusMenu.open((it) => it.label === t("hour"));
      const checked = (it) => it.kind === "radio" && it.checked;
      if (visible(priorityMenu.button)) priorityMenu.open(checked);
      else moreMenu.open(checked);
    },
    assignMe() { if (openId !== null && current && !mine()) assignMe(); },
    // A draft typed in another tab of this browser.
    // Taken unless this tab holds unsaved typing of its own.
    draftChanged(key, value) {
      if (openId === null || key !== draftKey(openId) || input.value !== synced) return;
      input.value = value || "";
      synced = input.value;
    },
    setPanelPressed(on) { panelButton.setAttribute("aria-pressed", String(on)); },
    csrf: () => cookie("sb_csrf"),
  };
}
