// The command palette (Ctrl+K / Cmd+K): one box that does what the mouse
// would, by name. With a conversation open it offers its actions (status,
// snooze, assignee, team, labels, priority); anywhere it goes to the views
// and settings pages, switches the list's tab and density, and hands the
// words to search. Typing narrows the list (every word must match the
// action's name or its other words, in either language); arrows move, Enter
// runs, Escape closes and gives the focus back. A WAI-ARIA combobox with a
// listbox, in a modal dialog.

import { Unauthorized, api, el, load, locale } from "./lib.js";
import { macros, runMacro } from "./macros.js";

const TEXT = {
  en: {
    palette: "Command palette", placeholder: "Type a command or search…", noMatch: "No command matches.",
    conversation: "Conversation #{id}", goTo: "Go to", list: "Conversation list", search: "Search",
    searchFor: "Search for “{q}”",
    resolve: "Resolve", reopen: "Reopen", pending: "Mark as pending", snoozeHour: "Snooze for an hour",
    snoozeTomorrow: "Snooze until tomorrow", snoozeWeek: "Snooze until next week",
    assignMe: "Assign to me", assignTo: "Assign to {name}", unassign: "Remove the assignee",
    team: "Team: {name}", noTeam: "Remove the team", addLabel: "Add label: {name}", removeLabel: "Remove label: {name}",
    priority: "Priority: {name}", noPriority: "Remove the priority", urgent: "Urgent", high: "High", medium: "Medium", low: "Low",
    contactPage: "Open the contact's page", panel: "Show or hide the contact details",
    conversations: "Conversations", contacts: "Contacts", profile: "Profile",
    settings: "Settings: {name}", inboxes: "Inboxes", agents: "Agents", teams: "Teams", labels: "Labels",
    attributes: "Custom attributes", canned: "Canned responses", webhooks: "Webhooks", automation: "Automation", bots: "Bots",
    runMacro: "Run macro: {name}", macros: "Macros", macroDone: "Macro “{name}” done.", macroPartly: "Macro “{name}”: {error}",
    mine: "Show Mine", unassigned: "Show Unassigned", all: "Show All",
    compact: "Compact list", comfortable: "Comfortable list", keys: "Keyboard shortcuts",
    failed: "Couldn't do it: ",
  },
  ru: {
    palette: "Палитра команд", placeholder: "Команда или поиск…", noMatch: "Такой команды нет.",
    conversation: "Разговор #{id}", goTo: "Перейти", list: "Список разговоров", search: "Поиск",
    searchFor: "Искать «{q}»",
    resolve: "Решить", reopen: "Открыть снова", pending: "Перевести в ожидание", snoozeHour: "Отложить на час",
    snoozeTomorrow: "Отложить до завтра", snoozeWeek: "Отложить до следующей недели",
    assignMe: "Назначить себе", assignTo: "Назначить: {name}", unassign: "Снять ответственного",
    team: "Команда: {name}", noTeam: "Снять команду", addLabel: "Добавить метку: {name}", removeLabel: "Убрать метку: {name}",
    priority: "Приоритет: {name}", noPriority: "Снять приоритет", urgent: "Срочный", high: "Высокий", medium: "Средний", low: "Низкий",
    contactPage: "Открыть страницу контакта", panel: "Показать или скрыть панель контакта",
    conversations: "Разговоры", contacts: "Контакты", profile: "Профиль",
    settings: "Настройки: {name}", inboxes: "Каналы", agents: "Сотрудники", teams: "Команды", labels: "Метки",
    attributes: "Свои атрибуты", canned: "Шаблоны ответов", webhooks: "Вебхуки", automation: "Автоматизация", bots: "Боты",
    runMacro: "Выполнить макрос: {name}", macros: "Макросы", macroDone: "Макрос «{name}» выполнен.", macroPartly: "Макрос «{name}»: {error}",
    mine: "Показать «Мои»", unassigned: "Показать «Без ответственного»", all: "Показать «Все»",
    compact: "Компактный список", comfortable: "Просторный список", keys: "Клавиши",
    failed: "Не получилось: ",
  },
};
const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (m, v) => (v in vars ? String(vars[v]) : m));
const t = (k, vars = {}) => fill((TEXT[locale] && TEXT[locale][k]) || TEXT.en[k] || k, vars);
// The English name too, so "resolve" finds «Решить» for someone who learnt
// the keys in English.
const both = (k, vars) => (locale === "en" ? "" : ` ${fill(TEXT.en[k], vars)}`);

const SETTINGS = ["inboxes", "agents", "teams", "labels", "attributes", "canned", "webhooks", "automation", "bots"];
const PRIORITIES = ["urgent", "high", "medium", "low"];
const MAX_SHOWN = 60;

let seq = 0;

// hooks: conversation() -> the open conversation or null; refresh() after a
// change to it; search(q); setTab(key); togglePanel(); density(value);
// showKeys(); afterResolve(id).
export function createPalette(ctx, hooks) {
  const { base, profile, isAdmin } = ctx;
  const id = `palette${++seq}`;
  const input = el("input", {
    type: "text", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "true", "aria-controls": `${id}-list`,
    "aria-label": t("palette"), placeholder: t("placeholder"), autocomplete: "off", spellcheck: "false",
  });
  const list = el("ul", { role: "listbox", id: `${id}-list`, "aria-label": t("palette") });
  const note = el("p", { class: "palette-note", role: "status" });
  const dialog = el("dialog", { class: "palette", "aria-label": t("palette") }, input, list, note);
  let items = [], shown = [], index = 0, returnTo = null, generation = 0, loading = null;

  function command(group, key, vars, run, extra = "") {
    return { group, label: t(key, vars), words: `${t(key, vars)}${both(key, vars)} ${extra}`.toLowerCase(), run };
  }

  // What the palette offers now: the open conversation's actions first.
  async function gather() {
    const out = [];
    const conv = hooks.conversation();
    if (conv) {
      const group = t("conversation", { id: conv.id });
      const act = (path, body) => async () => {
        await api(`${base}/conversations/${conv.id}${path}`, { method: "POST", json: body });
        await hooks.refresh();
      };
      const snooze = (until) => act("/toggle_status", { status: "snoozed", snoozed_until: Math.floor(until.getTime() / 1000) });
      const at9 = (days) => { const d = new Date(); d.setDate(d.getDate() + days); d.setHours(9, 0, 0, 0); return d; };
      if (conv.status === "resolved") out.push(command(group, "reopen", {}, act("/toggle_status", { status: "open" }), "status open"));
      else {
        out.push(command(group, "resolve", {}, async () => {
          await act("/toggle_status", { status: "resolved" })();
          hooks.afterResolve(conv.id);
        }, "status close done"));
      }
      if (conv.status !== "pending") out.push(command(group, "pending", {}, act("/toggle_status", { status: "pending" }), "status"));
      out.push(command(group, "snoozeHour", {}, () => snooze(new Date(Date.now() + 3600000))(), "status later"));
      out.push(command(group, "snoozeTomorrow", {}, () => snooze(at9(1))(), "status later"));
      out.push(command(group, "snoozeWeek", {}, () => {
        const d = at9(1);
        while (d.getDay() !== 1) d.setDate(d.getDate() + 1);
        return snooze(d)();
      }, "status later monday"));
      const assignee = conv.meta && conv.meta.assignee;
      const team = conv.meta && conv.meta.team;
      // The open conversation's labels as the header shows them (kept live).
      const current = conv.labels || [];
      const [agents, teams, labels, saved] = await Promise.all([
        load(`${base}/agents`, (r) => r || []).catch(() => []),
        load(`${base}/teams`, (r) => r || []).catch(() => []),
        load(`${base}/labels`, (r) => (r && r.payload) || []).catch(() => []),
        macros(base).catch(() => []),
      ]);
      // Macros first: they are what a person saved to do often.
      for (const m of saved) {
        out.push(command(group, "runMacro", { name: m.name }, async () => {
          const r = await runMacro(base, m.id, [conv.id]);
          await hooks.refresh();
          const failed = (r.errors || [])[0];
          hooks.say(failed ? t("macroPartly", { name: m.name, error: failed.error }) : t("macroDone", { name: m.name }));
        }, "macro"));
      }
      if (!assignee || assignee.id !== profile.id) out.push(command(group, "assignMe", {}, act("/assignments", { assignee_id: profile.id }), "agent"));
      for (const a of agents) {
        if (a.id === profile.id || (assignee && assignee.id === a.id)) continue;
        out.push(command(group, "assignTo", { name: a.available_name || a.name }, act("/assignments", { assignee_id: a.id }), `agent ${a.email || ""}`));
      }
      if (assignee) out.push(command(group, "unassign", {}, act("/assignments", { assignee_id: null }), "agent"));
      for (const x of teams) {
        if (team && team.id === x.id) continue;
        out.push(command(group, "team", { name: x.name }, act("/assignments", { team_id: x.id }), "assign"));
      }
      if (team) out.push(command(group, "noTeam", {}, act("/assignments", { team_id: null }), "team"));
      for (const l of labels) {
        if (current.includes(l.title)) continue;
        out.push(command(group, "addLabel", { name: l.title }, act("/labels", { labels: [...current, l.title] }), "tag"));
      }
      for (const title of current) {
        out.push(command(group, "removeLabel", { name: title }, act("/labels", { labels: current.filter((x) => x !== title) }), "tag"));
      }
      for (const p of PRIORITIES) {
        if (conv.priority === p) continue;
        out.push(command(group, "priority", { name: t(p) }, act("/toggle_priority", { priority: p }), `${p}`));
      }
      if (conv.priority) out.push(command(group, "noPriority", {}, act("/toggle_priority", { priority: null }), "priority"));
      const contact = conv.meta && conv.meta.sender;
      if (contact && contact.id) out.push(command(group, "contactPage", {}, () => { location.hash = `#/contacts/${contact.id}`; }, "customer"));
      out.push(command(group, "panel", {}, () => hooks.togglePanel(), "sidebar"));
    }
    const goTo = t("goTo");
    out.push(command(goTo, "conversations", {}, () => { location.hash = "#/"; }, "inbox"));
    out.push(command(goTo, "contacts", {}, () => { location.hash = "#/contacts"; }, "customers people"));
    out.push(command(goTo, "profile", {}, () => { location.hash = "#/profile"; }, "me password token theme"));
    out.push(command(goTo, "macros", {}, () => { location.hash = "#/macros"; }, "macro saved actions"));
    if (isAdmin) {
      for (const s of SETTINGS) out.push(command(goTo, "settings", { name: t(s) }, () => { location.hash = `#/settings/${s}`; }, "settings admin"));
    }
    const listGroup = t("list");
    for (const tab of ["mine", "unassigned", "all"]) out.push(command(listGroup, tab, {}, () => { location.hash = "#/"; hooks.setTab(tab); }, "tab"));
    out.push(command(listGroup, "compact", {}, () => hooks.density("compact"), "density dense"));
    out.push(command(listGroup, "comfortable", {}, () => hooks.density("comfortable"), "density"));
    out.push(command(listGroup, "keys", {}, () => hooks.showKeys(), "help shortcuts ?"));
    return out;
  }

  function filter() {
    const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    shown = items.filter((c) => words.every((w) => c.words.includes(w))).slice(0, MAX_SHOWN);
    const q = input.value.trim();
    if (q) shown.push({ group: t("search"), label: t("searchFor", { q }), run: () => hooks.search(q) });
    index = 0;
    paint();
  }
  function paint() {
    const rows = [];
    let group = null;
    shown.forEach((c, i) => {
      if (c.group !== group) {
        group = c.group;
        rows.push(el("li", { role: "presentation", class: "palette-group", text: group }));
      }
      const li = el("li", { role: "option", id: `${id}-o${i}`, "aria-selected": String(i === index) }, el("span", { text: c.label }));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); index = i; run(); });
      rows.push(li);
    });
    list.replaceChildren(...rows);
    note.textContent = shown.length ? "" : t("noMatch");
    if (shown[index]) {
      input.setAttribute("aria-activedescendant", `${id}-o${index}`);
      const active = list.querySelector(`#${id}-o${index}`);
      if (active) active.scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }
  async function run() {
    const c = shown[index];
    if (!c) return;
    close(false);
    try {
      await c.run();
    } catch (e) {
      if (e instanceof Unauthorized) return ctx.signIn();
      hooks.say(t("failed") + ((e && e.body && (e.body.message || e.body.error)) || e.message || ""));
    }
  }
  function close(restore = true) {
    if (!dialog.open) return;
    dialog.close();
    if (restore && returnTo && returnTo.isConnected) returnTo.focus();
  }
  input.addEventListener("input", filter);
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!shown.length) return;
      index = (index + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      paint();
    } else if (e.key === "Enter") {
      e.preventDefault();
      // Typed faster than the commands loaded: run the best match once
      // they are in, not the search that stands in meanwhile.
      if (loading) loading.then(() => { if (dialog.open) run(); });
      else run();
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
  dialog.addEventListener("cancel", (e) => { e.preventDefault(); close(); });
  dialog.addEventListener("click", (e) => { if (e.target === dialog) close(); });

  return {
    node: dialog,
    get isOpen() { return dialog.open; },
    async open() {
      if (dialog.open) return close();
      returnTo = document.activeElement;
      input.value = "";
      items = [];
      shown = [];
      paint();
      dialog.showModal();
      input.focus();
      const gen = ++generation;
      const done = gather().then((gathered) => {
        if (gen !== generation || !dialog.open) return;
        items = gathered;
        filter();
      }).finally(() => { if (loading === done) loading = null; });
      loading = done;
      await done;
    },
    close,
  };
}
