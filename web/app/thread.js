// The open conversation: its header (status, snooze, priority, assignee and
// team pickers), the thread (messages, notes, activity, attachments,
// delivery marks, reply quotes; older pages on scroll up) and the composer
// (reply / private note, canned responses, attachments by picker, paste and
// drop, typing, drafts, optimistic send by echo_id with a visible failure).

import { Unauthorized, api, avatar, cookie, el, errorMessage, icon, load, when } from "./lib.js";
import { markdown } from "./markdown.js";
import { picker } from "./picker.js";
import { PRIORITIES, labelChip } from "./list.js";

function echoId() {
  return `d${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function createConversation(ctx, { t, onChange, togglePanel }) {
  const { base, profile, accountId } = ctx;
  const shown = new Map(); // "id:N" / "echo:E" -> li
  const texts = new Map(); // message id -> { name, content } for reply quotes
  let openId = null, current = null, mode = "reply", replyTo = null, mailFor = null;

  // ---- header ----
  const face = el("span", { class: "face" });
  const title = el("h2", { class: "title" });
  const statusWord = el("span", { class: "status" });
  const assigneeWord = el("span", { class: "assignee" });
  const chips = el("span", { class: "chips" });
  const resolveButton = el("button", { type: "button", class: "primary" });
  const assignButton = el("button", { type: "button", text: t("assignMe") });
  const agents = () => load(`${base}/agents`, (r) => r || []);
  const assigneePicker = picker({
    label: t("assignTo"), placeholder: t("findAgent"), empty: t("nobody"),
    options: async () => [{ value: null, label: t("nobody") }, ...(await agents()).map((a) => ({
      value: a.id, label: a.available_name || a.name, hint: a.email, avatar: { name: a.available_name || a.name, url: a.thumbnail },
      dot: ctx.presence.get(a.id) || a.availability_status || "offline",
    }))],
    onChange: (id) => act("/assignments", { assignee_id: id }).catch(() => {}),
  });
  const teamPicker = picker({
    label: t("team"), placeholder: t("findTeam"), empty: t("noTeam"),
    options: async () => [{ value: null, label: t("noTeam") },
      ...(await load(`${base}/teams`, (r) => r || [])).map((x) => ({ value: x.id, label: x.name }))],
    onChange: (id) => act("/assignments", { team_id: id }).catch(() => {}),
  });
  const prioritySelect = el("select", { "aria-label": t("priority") },
    el("option", { value: "", text: t("noPriority") }), ...PRIORITIES.map((p) => el("option", { value: p, text: t(p) })));
  prioritySelect.addEventListener("change", () => {
    act("/toggle_priority", { priority: prioritySelect.value || null }).catch(() => {});
  });
  const snoozeSelect = el("select", { "aria-label": t("snooze") },
    el("option", { value: "", text: `${t("snooze")}…` }),
    el("option", { value: "hour", text: t("hour") }),
    el("option", { value: "tomorrow", text: t("tomorrow") }),
    el("option", { value: "week", text: t("nextWeek") }),
    el("option", { value: "date", text: t("untilDate") }));
  const snoozeDate = el("input", { type: "datetime-local", "aria-label": t("snoozeUntil") });
  const snoozeGo = el("button", { type: "button", text: t("snooze") });
  const snoozeForm = el("span", { class: "snooze-date", hidden: "" }, snoozeDate, snoozeGo);
  const panelButton = el("button", { type: "button", class: "icon-button", "aria-label": t("contactPanel"), "aria-pressed": "true" }, icon("panel"));
  panelButton.addEventListener("click", () => panelButton.setAttribute("aria-pressed", String(togglePanel())));
  // Phones show the list or a conversation: Back returns to the list.
  const backButton = el("button", { type: "button", class: "icon-button back", "aria-label": t("backToList") }, icon("back"));
  backButton.addEventListener("click", () => ctx.backToList?.());
  const header = el("header", { class: "conv-header", hidden: "" },
    el("div", { class: "who-line" }, backButton, face, title, statusWord, assigneeWord, chips),
    el("div", { class: "actions", role: "group", "aria-label": t("actions") },
      assignButton, assigneePicker.node, teamPicker.node, prioritySelect, snoozeSelect, snoozeForm, resolveButton, panelButton));

  function paintHeader(conv) {
    if (!conv || conv.id !== openId) return;
    current = conv;
    const contact = (conv.meta && conv.meta.sender) || {};
    const assignee = conv.meta && conv.meta.assignee;
    const team = conv.meta && conv.meta.team;
    face.replaceChildren(avatar(contact.name, contact.thumbnail, "md"));
    title.textContent = contact.name || `#${conv.id}`;
    statusWord.textContent = conv.status === "snoozed" && conv.snoozed_until
      ? `${t("one_snoozed")} · ${when(Date.parse(conv.snoozed_until) / 1000)}` : t(`one_${conv.status}`);
    statusWord.dataset.status = conv.status;
    assigneeWord.textContent = `${t("assignee")}: ${assignee ? assignee.available_name || assignee.name : t("nobody")}`;
    chips.replaceChildren(...(conv.labels || []).map((l) => labelChip(l, ctx.labelColours)));
    resolveButton.textContent = conv.status === "resolved" ? t("reopen") : t("resolve");
    assignButton.hidden = Boolean(assignee && assignee.id === profile.id);
    assigneePicker.set(assignee ? assignee.id : null);
    teamPicker.set(team ? team.id : null);
    prioritySelect.value = conv.priority || "";
    paintWindow(conv).catch(() => {});
    const mail = Boolean(conv.meta && conv.meta.channel === "Channel::Email");
    if (mail !== isMail || openId !== mailFor) {
      isMail = mail;
      mailFor = openId;
      ccInput.value = bccInput.value = "";
      mailRow.hidden = !isMail || mode === "note";
    }
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
    paintHeader(await api(`${base}/conversations/${id}`));
  }
  resolveButton.addEventListener("click", () => {
    const id = openId, resolving = !(current && current.status === "resolved");
    act("/toggle_status", { status: resolving ? "resolved" : "open" })
      .then(() => { if (resolving && ctx.afterResolve) ctx.afterResolve(id); })
      .catch(() => {});
  });
  assignButton.addEventListener("click", () => act("/assignments", { assignee_id: profile.id }).catch(() => {}));
  function snoozeUntil(until) {
    act("/toggle_status", { status: "snoozed", snoozed_until: Math.floor(until.getTime() / 1000) }).catch(() => {});
  }
  snoozeSelect.addEventListener("change", () => {
    const choice = snoozeSelect.value;
    snoozeSelect.value = "";
    if (!choice) return;
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
  });
  snoozeGo.addEventListener("click", () => {
    const until = new Date(snoozeDate.value);
    if (Number.isNaN(until.getTime()) || until.getTime() <= Date.now()) return snoozeDate.focus();
    snoozeForm.hidden = true;
    snoozeUntil(until);
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
      text: d.toLocaleTimeString(ctx.locale, { hour: "2-digit", minute: "2-digit" }) });
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
  const composer = el("form", { class: "composer", hidden: "" },
    windowNote,
    el("div", { class: "modes", role: "group", "aria-label": t("mode") }, replyMode, noteMode),
    mailRow, replyBar, inputLabel, cannedList, input, tray,
    el("div", { class: "composer-actions" }, signButton, attachButton, fileInput, sendButton));

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
  function paintTray() {
    tray.hidden = files.length === 0;
    tray.replaceChildren(...files.map((f, i) => {
      const remove = el("button", { type: "button", class: "icon-button", "aria-label": `${t("remove")} ${f.name}` }, icon("close"));
      remove.addEventListener("click", () => { files.splice(i, 1); paintTray(); input.focus(); });
      return el("li", {}, icon("clip"), el("span", { class: "name", text: f.name }), el("span", { class: "meta", text: size(f.size) }), remove);
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
  input.addEventListener("input", () => {
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
  // opens a list; arrows move, Enter or Tab inserts, Escape closes.
  let cannedShown = [], cannedIndex = 0, cannedToken = null;
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
    const all = await load(`${base}/canned_responses`).catch(() => []);
    const q = m[2].toLowerCase();
    cannedShown = (all || [])
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
  async function open(id, focusComposer = true) {
    if (openId !== id) {
      files = [];
      paintTray();
      setReplyTo(null);
      // A date chosen for another conversation's snooze does not follow.
      snoozeForm.hidden = true;
      snoozeDate.value = "";
    }
    openId = id;
    input.value = localStorage.getItem(draftKey(id)) || "";
    synced = input.value;
    shown.clear();
    for (const x of typers.values()) clearTimeout(x.timer);
    typers.clear();
    paintTyping();
    typingOff();
    thread.replaceChildren();
    composer.hidden = false;
    refreshHeader(id).catch(() => {});
    const r = await api(`${base}/conversations/${id}/messages`);
    if (openId !== id) return;
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
    resolve() { if (openId !== null) resolveButton.click(); },
    // Keyboard shortcuts into the header's controls.
    openTeam() { if (openId !== null) teamPicker.open(); },
    openAssignee() { if (openId !== null) assigneePicker.open(); },
    focusSelect(which) {
      if (openId === null) return;
      const select = which === "snooze" ? snoozeSelect : prioritySelect;
      select.focus();
      try { select.showPicker(); } catch { /* focus is enough where a picker cannot open */ }
    },
    assignMe() { if (openId !== null && !assignButton.hidden) assignButton.click(); },
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
