// Contacts: the account's contacts, paged as the list scrolls, searched and
// sorted; a new contact; and one contact's page with its fields edited in
// place, its labels, its conversations and (for administrators) deletion.

import { Unauthorized, api, avatar, el, errorMessage, field, locale, relative, when } from "./lib.js";
import { MODELS, attributeList, paintWithDefinitions } from "./attributes.js";

const TEXT = {
  en: {
    contacts: "Contacts", search: "Search contacts", searchPlaceholder: "Name, e-mail, phone or company",
    sort: "Sort by", sortActivity: "Last activity", sortName: "Name (A–Z)", sortNewest: "Newest first",
    sortOldest: "Oldest first", sortEmail: "E-mail", sortCompany: "Company",
    newContact: "New contact", name: "Name", email: "E-mail", phone: "Phone", company: "Company", city: "City",
    country: "Country", identifier: "Identifier", lastActivity: "Last activity", created: "Created",
    create: "Create contact", cancel: "Cancel", save: "Save", edit: "Edit", add: "Add",
    createHint: "Give an e-mail, phone or identifier: the list and search show only contacts with one of them.",
    phoneHint: "International format, e.g. +4915112345678.",
    empty: "No contacts yet. They appear when customers write in; or create one with “New contact”.",
    noMatch: "No contacts match “{q}”.", loadFailed: "Couldn't load.", retry: "Retry", loading: "Loading…",
    failed: "Couldn't save: ", required: "Required.", notSet: "Not set",
    back: "All contacts", details: "Details", attributes: "Custom attributes", noAttributes: "No custom attributes.",
    attrKey: "Attribute name", attrValue: "Value", addAttribute: "Add attribute", badKey: "Use letters, digits and _ only.",
    labels: "Labels", addLabel: "Add label", labelName: "New label", noLabels: "No labels yet.", removeLabel: "Remove label",
    conversations: "Conversations", noConversations: "No conversations yet.",
    open: "Open", pending: "Pending", snoozed: "Snoozed", resolved: "Resolved",
    deleteContact: "Delete contact", deleteConfirm: "Delete {name} with all their conversations and messages? This can't be undone.",
    deleteYes: "Delete for good", deleted: "Contact deleted.", notFound: "This contact doesn't exist; it may have been deleted.",
    emailInvalid: "This e-mail address is invalid.", emailTaken: "Another contact already has this e-mail.",
    phoneInvalid: "Use the international format: + and up to 15 digits.", identifierTaken: "Another contact already has this identifier.",
    nameLong: "The name is too long.", saved: "Saved.", noMessages: "No messages yet",
    merge: "Merge into another contact…", mergeSearch: "Find the contact to keep", mergeNone: "No other contact matches.", mergeResults: "Matching contacts",
    mergeConfirm: "Merge {name} into {other}? {other} keeps its details, gains {name}'s conversations, labels and notes, and fills its blanks from {name}; {name} is deleted. This can't be undone.",
    mergeYes: "Merge",
    importCsv: "Import CSV", exportCsv: "Export CSV", importHint: "Columns: name, email, phone_number, identifier, company, city; any other column becomes a custom attribute. Contacts are matched by identifier, then e-mail, then phone.",
    importStarting: "Uploading {file}…", importPending: "Import of {file} queued…",
    importProgress: "Importing {file}: {done} of {total} rows…",
    importDone: "Import of {file} finished: {created} created, {updated} updated, {failed} failed.",
    importFailed: "Import of {file} failed: {error}", importLine: "Line {line}: {reason}",
    importMoreFailed: "…and {n} more.",
  },
  ru: {
    contacts: "Контакты", search: "Поиск контактов", searchPlaceholder: "Имя, почта, телефон или компания",
    sort: "Сортировка", sortActivity: "По последней активности", sortName: "По имени (А–Я)", sortNewest: "Сначала новые",
    sortOldest: "Сначала старые", sortEmail: "По почте", sortCompany: "По компании",
    newContact: "Новый контакт", name: "Имя", email: "Эл. почта", phone: "Телефон", company: "Компания", city: "Город",
    country: "Страна", identifier: "Идентификатор", lastActivity: "Последняя активность", created: "Создан",
    create: "Создать контакт", cancel: "Отмена", save: "Сохранить", edit: "Изменить", add: "Добавить",
    createHint: "Укажите почту, телефон или идентификатор: список и поиск показывают только такие контакты.",
    phoneHint: "В международном формате, например +4915112345678.",
    empty: "Контактов пока нет. Они появляются, когда пишут клиенты; или создайте контакт кнопкой «Новый контакт».",
    noMatch: "По запросу «{q}» контактов нет.", loadFailed: "Не удалось загрузить.", retry: "Повторить", loading: "Загрузка…",
    failed: "Не сохранено: ", required: "Обязательное поле.", notSet: "Не указано",
    back: "Все контакты", details: "Сведения", attributes: "Дополнительные атрибуты", noAttributes: "Дополнительных атрибутов нет.",
    attrKey: "Название атрибута", attrValue: "Значение", addAttribute: "Добавить атрибут", badKey: "Только латинские буквы, цифры и _.",
    labels: "Метки", addLabel: "Добавить метку", labelName: "Новая метка", noLabels: "Меток пока нет.", removeLabel: "Убрать метку",
    conversations: "Разговоры", noConversations: "Разговоров пока нет.",
    open: "Открыт", pending: "Ожидает", snoozed: "Отложен", resolved: "Решён",
    deleteContact: "Удалить контакт", deleteConfirm: "Удалить контакт «{name}» со всеми разговорами и сообщениями? Отменить это нельзя.",
    deleteYes: "Удалить навсегда", deleted: "Контакт удалён.", notFound: "Такого контакта нет; возможно, его удалили.",
    emailInvalid: "Неверный адрес эл. почты.", emailTaken: "У другого контакта уже есть этот адрес.",
    phoneInvalid: "Нужен международный формат: + и до 15 цифр.", identifierTaken: "У другого контакта уже есть этот идентификатор.",
    nameLong: "Слишком длинное имя.", saved: "Сохранено.", noMessages: "Сообщений пока нет",
    merge: "Объединить с другим контактом…", mergeSearch: "Найдите контакт, который останется", mergeNone: "Других подходящих контактов нет.", mergeResults: "Найденные контакты",
    mergeConfirm: "Объединить «{name}» с «{other}»? «{other}» сохранит свои сведения, получит разговоры, метки и заметки «{name}» и заполнит пустые поля из «{name}»; «{name}» будет удалён. Отменить это нельзя.",
    mergeYes: "Объединить",
    importCsv: "Импорт CSV", exportCsv: "Экспорт CSV", importHint: "Столбцы: name, email, phone_number, identifier, company, city; остальные становятся дополнительными атрибутами. Контакты сопоставляются по идентификатору, затем почте, затем телефону.",
    importStarting: "Загрузка {file}…", importPending: "Импорт {file} в очереди…",
    importProgress: "Импорт {file}: {done} из {total} строк…",
    importDone: "Импорт {file} завершён: создано {created}, обновлено {updated}, с ошибками {failed}.",
    importFailed: "Импорт {file} не удался: {error}", importLine: "Строка {line}: {reason}",
    importMoreFailed: "…и ещё {n}.",
  },
};
const t = (k, vars = {}) => (TEXT[locale][k] || TEXT.en[k]).replace(/\{(\w+)\}/g, (_, v) => vars[v] ?? "");

// "1 contact", "5 contacts"; Russian: 1 контакт, 2 контакта, 5 контактов.
const PLURAL = {
  en: { one: "contact", other: "contacts" },
  ru: { one: "контакт", few: "контакта", many: "контактов", other: "контакта" },
};
const rules = new Intl.PluralRules(locale);
const countText = (n) => `${n.toLocaleString(locale)} ${PLURAL[locale][rules.select(n)] || PLURAL[locale].other}`;

const STATUS_ICON = { open: "●", pending: "◔", snoozed: "◷", resolved: "✓" };

const SORTS = [
  ["", "sortActivity"], ["name", "sortName"], ["-created_at", "sortNewest"], ["created_at", "sortOldest"],
  ["email", "sortEmail"], ["company", "sortCompany"],
];

// The list's search and sort survive a visit to a contact and back.
const listState = { q: "", sort: localStorage.getItem("sb:contacts-sort") || "" };
// A message for the next list render (after a deletion).
let notice = "";
// Each render owns the page until the next one starts.
let generation = 0;
// What a refused session does (the app's sign-in form).
let onUnauthorized = () => {};

// The server's validation message in the interface language when we know it.
function fieldMessage(e) {
  const m = errorMessage(e);
  const known = {
    "Email is invalid": "emailInvalid", "Email has already been taken": "emailTaken",
    "Phone number should be in e164 format": "phoneInvalid", "Identifier has already been taken": "identifierTaken",
    "Name is too long": "nameLong",
  }[m];
  return known ? t(known) : m;
}

function attributesOf(e) {
  return (e && e.body && Array.isArray(e.body.attributes)) ? e.body.attributes : [];
}

// A contact's picture (which may be on another site the page may not load:
// then the initials) or initials.
function contactAvatar(c, size) {
  const pic = avatar(c.name || c.email || c.phone_number, c.thumbnail, size);
  if (pic.tagName === "IMG") pic.addEventListener("error", () => pic.replaceWith(avatar(c.name || c.email, "", size)), { once: true });
  return pic;
}

function errorLine(message, onRetry) {
  const retry = el("button", { type: "button", text: t("retry") });
  retry.addEventListener("click", onRetry);
  return el("p", { class: "load-error", role: "alert" }, `${message} `, retry);
}

function skeletonRows(n, cols) {
  return Array.from({ length: n }, () => el("tr", { class: "skeleton", "aria-hidden": "true" },
    ...Array.from({ length: cols }, () => el("td", {}, el("span", { class: "bar" })))));
}

export async function render(container, ctx, id) {
  const gen = ++generation;
  onUnauthorized = ctx.signIn;
  const live = () => gen === generation && container.isConnected;
  if (id === null || id === undefined) return listPage(container, ctx, live);
  return contactPage(container, ctx, id, live);
}

// ---- CSV import and export (administrators) ----

// An "Import CSV" file picker and an "Export CSV" download, and a status
// line that follows an import by polling it until it ends.
function csvTools(ctx, live, onImported) {
  const input = el("input", { type: "file", accept: ".csv,text/csv", id: "ct-import-file", class: "sr", "aria-describedby": "ct-import-hint" });
  const pick = el("button", { type: "button", id: "ct-import", text: t("importCsv") });
  pick.addEventListener("click", () => input.click());
  const exportLink = el("a", { href: `${ctx.base}/contacts/export`, download: "contacts.csv", class: "button", id: "ct-export", text: t("exportCsv") });
  const hint = el("span", { id: "ct-import-hint", class: "sr", text: t("importHint") });
  const line = el("p", { class: "flash", id: "ct-import-status", role: "status" });
  const failures = el("ul", { class: "ct-import-failures" });
  const status = el("div", { class: "ct-import" }, line, failures);
  const show = (text) => { line.textContent = text; };
  async function follow(id, file) {
    for (;;) {
      if (!live()) return;
      let d;
      try {
        d = await api(`${ctx.base}/contacts/imports/${id}`);
      } catch (e) {
        if (e instanceof Unauthorized) { ctx.signIn(); return; }
        await new Promise((r) => setTimeout(r, 3000));
        continue;
      }
      if (!live()) return;
      if (d.status === "completed" || d.status === "failed") {
        show(d.status === "completed"
          ? t("importDone", { file, created: d.created_records, updated: d.updated_records, failed: d.failed_records })
          : t("importFailed", { file, error: d.error || "" }));
        const rows = d.failed_rows || [];
        failures.replaceChildren(...rows.map((f) => el("li", { text: t("importLine", { line: f.line, reason: f.reason }) })));
        if (d.failed_records > rows.length) failures.append(el("li", { text: t("importMoreFailed", { n: d.failed_records - rows.length }) }));
        pick.disabled = false;
        onImported();
        return;
      }
      show(d.status === "pending" ? t("importPending", { file })
        : t("importProgress", { file, done: d.processed_records.toLocaleString(locale), total: d.total_records.toLocaleString(locale) }));
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    failures.replaceChildren();
    show(t("importStarting", { file: file.name }));
    pick.disabled = true;
    const form = new FormData();
    form.append("import_file", file, file.name);
    try {
      const d = await api(`${ctx.base}/contacts/import`, { method: "POST", form });
      await follow(d.id, file.name);
    } catch (e) {
      pick.disabled = false;
      if (e instanceof Unauthorized) { ctx.signIn(); return; }
      show(t("importFailed", { file: file.name, error: e.status === 413 ? "> 10 MB" : errorMessage(e) }));
    }
  });
  return { buttons: el("span", { class: "ct-csv" }, pick, input, hint, exportLink), status };
}

// ---- the list ----

async function listPage(container, ctx, live) {
  const base = ctx.base;
  const search = el("input", { type: "search", id: "ct-search", placeholder: t("searchPlaceholder"), autocomplete: "off", spellcheck: "false" });
  search.value = listState.q;
  const sort = el("select", { id: "ct-sort" }, ...SORTS.map(([v, k]) => el("option", { value: v, text: t(k) })));
  sort.value = listState.sort;
  if (sort.value !== listState.sort) sort.value = listState.sort = "";
  const count = el("p", { class: "ct-count", role: "status" });
  const newButton = el("button", { type: "button", class: "primary", "aria-expanded": "false", "aria-controls": "ct-new", text: t("newContact") });
  const body = el("tbody");
  const table = el("table", { class: "ct-table", "aria-label": t("contacts") },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", text: t("name") }),
      el("th", { scope: "col", class: "c-email", text: t("email") }),
      el("th", { scope: "col", class: "c-phone", text: t("phone") }),
      el("th", { scope: "col", class: "c-company", text: t("company") }),
      el("th", { scope: "col", class: "c-activity", text: t("lastActivity") }))),
    body);
  const emptyBox = el("div", { class: "ct-empty" });
  const sentinel = el("div", { class: "ct-sentinel", "aria-hidden": "true" });
  const more = el("p", { class: "ct-more", hidden: "", text: t("loading") });
  const flash = el("p", { class: "flash", role: "status", text: notice });
  notice = "";
  const form = createForm(ctx);
  form.hidden = true;
  newButton.addEventListener("click", () => {
    form.hidden = !form.hidden;
    newButton.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) form.querySelector("input").focus();
  });
  form.addEventListener("reset", () => {
    form.hidden = true;
    newButton.setAttribute("aria-expanded", "false");
    newButton.focus();
  });

  const csv = ctx.isAdmin ? csvTools(ctx, live, () => load(true).catch(() => {})) : null;
  container.replaceChildren(el("div", { class: "page contacts-page" },
    el("div", { class: "ct-head" },
      el("h1", { text: t("contacts") }), count, newButton, csv && csv.buttons),
    flash,
    csv && csv.status,
    form,
    el("div", { class: "ct-tools", role: "search" },
      el("div", { class: "ct-search" }, el("label", { for: "ct-search", class: "sr", text: t("search") }), search),
      el("div", { class: "ct-sort" }, el("label", { for: "ct-sort", text: t("sort") }), sort)),
    table, emptyBox, more, sentinel));

  // Paging: the next page when the end of the list nears the bottom.
  // The list follows the server's keyset cursor where it gives one (the
  // activity and creation sorts), so a deep page costs what the first does
  // and contacts arriving meanwhile neither repeat nor skip rows.
  let query = 0, page = 0, loaded = 0, total = 0, loading = false, cursor = null;
  const url = (n) => {
    const sortParam = listState.sort ? `&sort=${encodeURIComponent(listState.sort)}` : "";
    if (listState.q.trim()) return `${base}/contacts/search?q=${encodeURIComponent(listState.q.trim())}&page=${n}${sortParam}`;
    return cursor ? `${base}/contacts?cursor=${encodeURIComponent(cursor)}${sortParam}` : `${base}/contacts?page=${n}${sortParam}`;
  };
  function row(c) {
    const link = el("a", { href: `#/contacts/${c.id}`, class: "ct-name" }, contactAvatar(c, "md"), el("span", { text: c.name || c.email || c.phone_number || `#${c.id}` }));
    const attrs = c.additional_attributes || {};
    const tr = el("tr", { "data-contact": String(c.id) },
      el("td", {}, link),
      el("td", { class: "c-email", text: c.email || "" }),
      el("td", { class: "c-phone", text: c.phone_number || "" }),
      el("td", { class: "c-company", text: attrs.company_name || "" }),
      el("td", { class: "c-activity" }, c.last_activity_at
        ? el("time", { datetime: new Date(c.last_activity_at * 1000).toISOString(), title: when(c.last_activity_at), text: relative(c.last_activity_at) })
        : el("span", { class: "meta", text: "—" })));
    // The whole row opens the contact for the mouse; the link is what the keyboard uses.
    tr.addEventListener("click", (e) => { if (!e.target.closest("a") && !getSelection().toString()) link.click(); });
    return tr;
  }
  async function load(first) {
    if (loading && !first) return;
    const mine = first ? ++query : query;
    if (first) { page = 0; loaded = 0; total = 0; cursor = null; }
    loading = true;
    more.hidden = first;
    if (first) {
      body.replaceChildren(...skeletonRows(3, 5));
      emptyBox.replaceChildren();
    }
    try {
      const r = await api(url(page + 1));
      if (!live() || mine !== query) return;
      const rows = (r && r.payload) || [];
      if (first) body.replaceChildren();
      page += 1;
      loaded += rows.length;
      cursor = (r && r.meta && r.meta.next_cursor) || null;
      total = (r && r.meta && r.meta.count) || 0;
      for (const c of rows) if (!body.querySelector(`tr[data-contact="${c.id}"]`)) body.append(row(c));
      count.textContent = countText(total);
      table.hidden = loaded === 0;
      if (!loaded) emptyBox.replaceChildren(el("p", { class: "empty", text: listState.q.trim() ? t("noMatch", { q: listState.q.trim() }) : t("empty") }));
      if (rows.length === 0) total = loaded; // nothing more to come
    } catch (e) {
      if (e instanceof Unauthorized) { if (live()) ctx.signIn(); return; }
      if (!live() || mine !== query) return;
      if (first) body.replaceChildren();
      emptyBox.replaceChildren(errorLine(t("loadFailed"), () => load(loaded === 0).catch(() => {})));
      return;
    } finally {
      if (mine === query) { loading = false; more.hidden = true; }
    }
    // A tall screen: keep filling while the end is in view.
    if (loaded < total && nearEnd()) load(false).catch(() => {});
  }
  const nearEnd = () => sentinel.getBoundingClientRect().top < container.getBoundingClientRect().bottom + 400;
  const observer = new IntersectionObserver((entries) => {
    if (!live()) { observer.disconnect(); return; }
    if (entries.some((e) => e.isIntersecting) && loaded < total && !loading) load(false).catch(() => {});
  }, { root: container, rootMargin: "0px 0px 400px 0px" });
  observer.observe(sentinel);

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (search.value.trim() === listState.q.trim()) return;
      listState.q = search.value;
      load(true).catch(() => {});
    }, 250);
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      clearTimeout(timer);
      listState.q = search.value;
      load(true).catch(() => {});
    }
  });
  sort.addEventListener("change", () => {
    listState.sort = sort.value;
    if (sort.value) localStorage.setItem("sb:contacts-sort", sort.value);
    else localStorage.removeItem("sb:contacts-sort");
    load(true).catch(() => {});
  });
  await load(true);
}

function createForm(ctx) {
  const name = el("input", { name: "name", autocomplete: "off", required: "" });
  const email = el("input", { name: "email", type: "email", autocomplete: "off" });
  const phone = el("input", { name: "phone_number", type: "tel", autocomplete: "off", placeholder: "+4915112345678" });
  const company = el("input", { name: "company_name", autocomplete: "off" });
  const phoneHint = el("p", { class: "hint", id: "ct-new-phone-hint", text: t("phoneHint") });
  phone.setAttribute("aria-describedby", phoneHint.id);
  const errs = {};
  const holder = (key, input) => {
    const node = el("p", { class: "field-error", id: `ct-new-${key}-error` });
    input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") || ""} ${node.id}`.trim());
    errs[key] = { node, input };
    return node;
  };
  const general = el("p", { class: "error", role: "alert" });
  const submit = el("button", { type: "submit", class: "primary", text: t("create") });
  const form = el("form", { class: "ct-card ct-new", id: "ct-new", "aria-label": t("newContact"), novalidate: "" },
    el("h2", { text: t("newContact") }),
    el("p", { class: "hint", text: t("createHint") }),
    el("div", { class: "grid2" },
      el("div", {}, field(t("name"), name), holder("name", name)),
      el("div", {}, field(t("email"), email), holder("email", email)),
      el("div", {}, field(t("phone"), phone), phoneHint, holder("phone_number", phone)),
      el("div", {}, field(t("company"), company))),
    general,
    el("div", { class: "row" }, submit, el("button", { type: "reset", text: t("cancel") })));
  function clear() {
    general.textContent = "";
    for (const { node, input } of Object.values(errs)) { node.textContent = ""; input.removeAttribute("aria-invalid"); }
  }
  function show(key, message) {
    const target = errs[key];
    if (!target) { general.textContent = t("failed") + message; return; }
    target.node.textContent = message;
    target.input.setAttribute("aria-invalid", "true");
    target.input.focus();
  }
  form.addEventListener("reset", clear);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear();
    if (!name.value.trim()) { show("name", t("required")); return; }
    const payload = { name: name.value.trim() };
    if (email.value.trim()) payload.email = email.value.trim();
    if (phone.value.trim()) payload.phone_number = phone.value.trim().replace(/[\s()-]/g, "");
    if (company.value.trim()) payload.additional_attributes = { company_name: company.value.trim() };
    submit.disabled = true;
    try {
      const r = await api(`${ctx.base}/contacts`, { method: "POST", json: payload });
      const made = r && r.payload && r.payload.contact;
      location.hash = `#/contacts/${made.id}`;
    } catch (err) {
      if (err instanceof Unauthorized) { ctx.signIn(); return; }
      show(attributesOf(err)[0], fieldMessage(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// ---- one contact ----

async function contactPage(container, ctx, id, live) {
  const base = `${ctx.base}/contacts/${id}`;
  const back = el("a", { href: "#/contacts", class: "ct-back", text: `← ${t("back")}` });
  container.replaceChildren(el("div", { class: "page contact-page", "aria-busy": "true" }, back,
    el("div", { class: "ct-profile skeleton", "aria-hidden": "true" }, el("span", { class: "avatar lg" }), el("span", { class: "bar wide" }))));
  let contact;
  try {
    contact = (await api(base)).payload;
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    if (!live()) return;
    container.replaceChildren(el("div", { class: "page contact-page" }, back,
      e.status === 404 ? el("p", { class: "empty", text: t("notFound") })
        : errorLine(t("loadFailed"), () => contactPage(container, ctx, id, live).catch(() => {}))));
    return;
  }
  if (!live()) return;
  const failedAuth = (e) => { if (e instanceof Unauthorized) { ctx.signIn(); return true; } return false; };

  // Saves `patch`, repaints from the server's answer; throws for the caller to show.
  async function save(patch) {
    const r = await api(base, { method: "PUT", json: patch });
    contact = r.payload;
    paintHead();
    return contact;
  }

  // Head: picture, name, how to reach them, dates.
  const head = el("div", { class: "ct-profile" });
  function paintHead() {
    const reach = [contact.email, contact.phone_number].filter(Boolean).join(" · ");
    head.replaceChildren(contactAvatar(contact, "lg"),
      el("div", {},
        el("h1", { text: contact.name || contact.email || contact.phone_number || `#${contact.id}` }),
        reach ? el("p", { class: "meta", text: reach }) : null,
        el("p", { class: "meta" },
          `${t("created")}: ${when(contact.created_at)}`,
          contact.last_activity_at ? ` · ${t("lastActivity")}: ${relative(contact.last_activity_at)}` : "")));
  }
  paintHead();

  // Details: each field edited in place.
  const extra = (k) => (contact.additional_attributes || {})[k];
  const details = el("dl", { class: "ct-fields" },
    inline(t("name"), () => contact.name, (v) => save({ name: v }), { required: true }),
    inline(t("email"), () => contact.email, (v) => save({ email: v }), { type: "email" }),
    inline(t("phone"), () => contact.phone_number, (v) => save({ phone_number: v.replace(/[\s()-]/g, "") }), { type: "tel", hint: t("phoneHint") }),
    inline(t("identifier"), () => contact.identifier, (v) => save({ identifier: v })),
    inline(t("company"), () => extra("company_name"), (v) => save({ additional_attributes: { company_name: v } })),
    inline(t("city"), () => extra("city"), (v) => save({ additional_attributes: { city: v } })),
    inline(t("country"), () => extra("country"), (v) => save({ additional_attributes: { country: v } })));

  // Custom attributes: edit a value, add one.
  // Typed by the account's definitions (Settings → Custom attributes).
  const attrList = attributeList({
    label: t("attributes"),
    onSignIn: () => ctx.signIn(),
    save: (key, value) => save({ custom_attributes: { [key]: value } }),
  });
  function paintAttributes() {
    paintWithDefinitions(attrList, ctx.base, MODELS.contact, contact.custom_attributes, `contact ${contact.id}`)
      .catch((e) => failedAuth(e));
  }
  const attrKey = el("input", { name: "key", autocomplete: "off", pattern: "[A-Za-z0-9_]+" });
  const attrValue = el("input", { name: "value", autocomplete: "off" });
  const attrError = el("p", { class: "field-error", id: "ct-attr-error", role: "alert" });
  attrKey.setAttribute("aria-describedby", attrError.id);
  const attrForm = el("form", { class: "ct-add-attr", "aria-label": t("addAttribute"), novalidate: "" },
    field(t("attrKey"), attrKey), field(t("attrValue"), attrValue),
    el("button", { type: "submit", text: t("add") }), attrError);
  attrForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    attrError.textContent = "";
    const key = attrKey.value.trim();
    if (!/^[A-Za-z0-9_]+$/.test(key)) { attrError.textContent = key ? t("badKey") : t("required"); attrKey.focus(); return; }
    try {
      await save({ custom_attributes: { [key]: attrValue.value } });
      attrKey.value = "";
      attrValue.value = "";
      paintAttributes();
      attrKey.focus();
    } catch (err) {
      if (!failedAuth(err)) attrError.textContent = t("failed") + fieldMessage(err);
    }
  });
  paintAttributes();

  // Labels: chips with remove buttons; add from the account's labels or a new one.
  let labels = [];
  const chips = el("ul", { class: "ct-labels", "aria-label": t("labels") });
  const labelInput = el("input", { name: "label", list: "ct-label-options", autocomplete: "off" });
  const options = el("datalist", { id: "ct-label-options" });
  const labelError = el("p", { class: "field-error", id: "ct-label-error", role: "alert" });
  labelInput.setAttribute("aria-describedby", labelError.id);
  async function setLabels(next) {
    labelError.textContent = "";
    try {
      const r = await api(`${base}/labels`, { method: "POST", json: { labels: next } });
      labels = (r && r.payload) || [];
      paintLabels();
      return true;
    } catch (err) {
      if (!failedAuth(err)) labelError.textContent = t("failed") + fieldMessage(err);
      return false;
    }
  }
  function paintLabels() {
    chips.replaceChildren(...labels.map((l) => {
      const x = el("button", { type: "button", class: "chip-remove", "aria-label": `${t("removeLabel")} ${l}`, text: "×" });
      x.addEventListener("click", async () => {
        if (await setLabels(labels.filter((y) => y !== l))) labelInput.focus();
      });
      return el("li", { class: "chip", "data-label": l }, el("span", { text: l }), x);
    }));
    if (!labels.length) chips.replaceChildren(el("li", { class: "meta", text: t("noLabels") }));
  }
  const labelForm = el("form", { class: "ct-add-label", "aria-label": t("addLabel"), novalidate: "" },
    field(t("labelName"), labelInput), options, el("button", { type: "submit", text: t("add") }), labelError);
  labelForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = labelInput.value.trim().toLowerCase();
    if (!value) { labelError.textContent = t("required"); labelInput.focus(); return; }
    if (labels.includes(value)) { labelInput.value = ""; return; }
    if (await setLabels([...labels, value])) labelInput.value = "";
  });

  // Conversations, newest first, each opening in the conversation view.
  const convList = el("ul", { class: "ct-convs", "aria-label": t("conversations") });
  const inboxes = new Map((contact.contact_inboxes || []).map((ci) => [ci.inbox && ci.inbox.id, ci.inbox && ci.inbox.name]));
  function paintConversations(convs) {
    convList.replaceChildren(...convs.map((c) => {
      const last = c.last_non_activity_message;
      const preview = last && last.content ? last.content : t("noMessages");
      return el("li", {}, el("a", { href: `#/conversations/${c.id}`, "data-conversation": String(c.id) },
        el("span", { class: "ct-conv-id", text: `#${c.id}` }),
        el("span", { class: `ct-status s-${c.status}` }, el("span", { "aria-hidden": "true", text: STATUS_ICON[c.status] || "" }), ` ${t(c.status)}`),
        el("span", { class: "ct-conv-inbox", text: inboxes.get(c.inbox_id) || "" }),
        el("span", { class: "ct-conv-time", title: when(c.last_activity_at), text: relative(c.last_activity_at) }),
        el("span", { class: "ct-conv-preview", text: preview })));
    }));
    if (!convs.length) convList.replaceChildren(el("li", { class: "meta", text: t("noConversations") }));
  }

  // Deletion (administrators), confirmed in the page.
  let dangerZone = null;
  if (ctx.isAdmin) {
    const del = el("button", { type: "button", class: "danger", "aria-expanded": "false", "aria-controls": "ct-delete-confirm", text: t("deleteContact") });
    const yes = el("button", { type: "button", class: "danger solid", text: t("deleteYes") });
    const no = el("button", { type: "button", text: t("cancel") });
    const delError = el("p", { class: "error", role: "alert" });
    const question = el("p", {});
    const confirmBox = el("div", { class: "ct-confirm", id: "ct-delete-confirm", role: "group", "aria-label": t("deleteContact"), hidden: "" },
      question, el("div", { class: "row" }, yes, no));
    const close = () => { confirmBox.hidden = true; del.setAttribute("aria-expanded", "false"); del.focus(); };
    del.addEventListener("click", () => {
      question.textContent = t("deleteConfirm", { name: contact.name || contact.email || `#${contact.id}` });
      confirmBox.hidden = false;
      del.setAttribute("aria-expanded", "true");
      no.focus();
    });
    no.addEventListener("click", close);
    confirmBox.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
    yes.addEventListener("click", async () => {
      delError.textContent = "";
      yes.disabled = true;
      try {
        await api(base, { method: "DELETE" });
        notice = t("deleted");
        location.hash = "#/contacts";
      } catch (err) {
        if (!failedAuth(err)) delError.textContent = t("failed") + errorMessage(err);
      } finally {
        yes.disabled = false;
      }
    });
    dangerZone = el("section", { class: "ct-card ct-danger", "aria-label": t("deleteContact") }, del, confirmBox, delError,
      mergeBox(ctx, contact, failedAuth));
  }

  const convSection = el("section", { class: "ct-card", "aria-labelledby": "ct-convs-h" },
    el("h2", { id: "ct-convs-h", text: t("conversations") }), convList);
  container.replaceChildren(el("div", { class: "page contact-page" },
    back, head,
    el("div", { class: "ct-columns" },
      el("div", { class: "ct-main" },
        el("section", { class: "ct-card", "aria-labelledby": "ct-details-h" }, el("h2", { id: "ct-details-h", text: t("details") }), details),
        el("section", { class: "ct-card", "aria-labelledby": "ct-attrs-h" }, el("h2", { id: "ct-attrs-h", text: t("attributes") }), attrList.node, attrForm)),
      el("div", { class: "ct-side" },
        el("section", { class: "ct-card", "aria-labelledby": "ct-labels-h" }, el("h2", { id: "ct-labels-h", text: t("labels") }), chips, labelForm),
        convSection,
        dangerZone))));

  // The rest loads beside each other; each part says if it failed.
  const [labelsR, convsR, accountLabels] = await Promise.allSettled([
    api(`${base}/labels`), api(`${base}/conversations`), api(`${ctx.base}/labels`),
  ]);
  if (!live()) return;
  for (const r of [labelsR, convsR, accountLabels]) if (r.status === "rejected" && r.reason instanceof Unauthorized) throw r.reason;
  if (labelsR.status === "fulfilled") { labels = (labelsR.value && labelsR.value.payload) || []; paintLabels(); }
  else chips.replaceChildren(el("li", {}, errorLine(t("loadFailed"), () => contactPage(container, ctx, id, live).catch(() => {}))));
  if (convsR.status === "fulfilled") paintConversations((convsR.value && convsR.value.payload) || []);
  else convList.replaceChildren(el("li", {}, errorLine(t("loadFailed"), () => contactPage(container, ctx, id, live).catch(() => {}))));
  if (accountLabels.status === "fulfilled") {
    options.replaceChildren(...((accountLabels.value && accountLabels.value.payload) || []).map((l) => el("option", { value: l.title })));
  }
}

// "Merge into another contact…" (administrators): find the contact to keep,
// confirm, and this one is merged into it (POST /actions/contact_merge).
function mergeBox(ctx, contact, failedAuth) {
  const nameOf = (c) => c.name || c.email || c.phone_number || `#${c.id}`;
  const open = el("button", { type: "button", class: "danger", "aria-expanded": "false", "aria-controls": "ct-merge", text: t("merge") });
  const query = el("input", { type: "search", name: "merge-q", autocomplete: "off", "aria-controls": "ct-merge-results" });
  const results = el("ul", { class: "ct-merge-results", id: "ct-merge-results", "aria-label": t("mergeResults") });
  const question = el("p", {});
  const yes = el("button", { type: "button", class: "danger solid", text: t("mergeYes") });
  const no = el("button", { type: "button", text: t("cancel") });
  const confirmRow = el("div", { class: "ct-confirm", role: "group", "aria-label": t("merge"), hidden: "" }, question, el("div", { class: "row" }, yes, no));
  const error = el("p", { class: "error", role: "alert" });
  const box = el("div", { class: "ct-confirm", id: "ct-merge", hidden: "" }, field(t("mergeSearch"), query), results, confirmRow);
  let chosen = null, timer = 0, asked = 0;
  async function search() {
    const q = query.value.trim();
    const n = ++asked;
    if (!q) { results.replaceChildren(); return; }
    try {
      const r = await api(`${ctx.base}/contacts/search?q=${encodeURIComponent(q)}`);
      if (n !== asked) return;
      const others = ((r && r.payload) || []).filter((c) => c.id !== contact.id);
      results.replaceChildren(...others.map((c) => {
        const b = el("button", { type: "button", "data-contact": String(c.id) }, contactAvatar(c, "sm"),
          el("span", { text: nameOf(c) }), el("span", { class: "meta", text: [c.email, c.phone_number].filter(Boolean).join(" · ") }));
        b.addEventListener("click", () => {
          chosen = c;
          question.textContent = t("mergeConfirm", { name: nameOf(contact), other: nameOf(c) });
          confirmRow.hidden = false;
          no.focus();
        });
        return el("li", {}, b);
      }));
      if (!others.length) results.replaceChildren(el("li", { class: "meta", text: t("mergeNone") }));
    } catch (e) {
      if (!failedAuth(e)) error.textContent = t("loadFailed");
    }
  }
  query.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  const close = () => { box.hidden = true; confirmRow.hidden = true; open.setAttribute("aria-expanded", "false"); open.focus(); };
  open.addEventListener("click", () => {
    box.hidden = !box.hidden;
    open.setAttribute("aria-expanded", String(!box.hidden));
    if (!box.hidden) query.focus();
  });
  box.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
  no.addEventListener("click", () => { confirmRow.hidden = true; query.focus(); });
  yes.addEventListener("click", async () => {
    if (!chosen) return;
    error.textContent = "";
    yes.disabled = true;
    try {
      await api(`${ctx.base}/actions/contact_merge`, { method: "POST", json: { base_contact_id: chosen.id, mergee_contact_id: contact.id } });
      location.hash = `#/contacts/${chosen.id}`;
    } catch (err) {
      if (!failedAuth(err)) error.textContent = t("failed") + errorMessage(err);
    } finally {
      yes.disabled = false;
    }
  });
  return el("div", { class: "ct-merge" }, open, box, error);
}

// One field shown as text with an Edit button; editing shows an input with
// Save and Cancel (Enter saves, Escape cancels); the server's refusal shows
// under the input.
let inlineSeq = 0;
function inline(label, get, put, opts = {}) {
  const n = ++inlineSeq;
  const labelId = `ct-l${n}`;
  const dt = el("dt", { id: labelId, text: label });
  const dd = el("dd");
  const wrap = el("div", { class: "ct-field" }, dt, dd);
  const saved = el("span", { class: "ct-saved", role: "status" });
  function view(focus) {
    const value = get();
    const edit = el("button", { type: "button", class: "ct-edit", "aria-label": `${t("edit")} ${label}`, text: t("edit") });
    edit.addEventListener("click", editMode);
    dd.replaceChildren(
      value ? el("span", { class: "ct-value", text: value }) : el("span", { class: "ct-value unset", text: t("notSet") }),
      edit, saved);
    if (focus) edit.focus();
  }
  function editMode() {
    saved.textContent = "";
    const input = el("input", { type: opts.type || "text", "aria-labelledby": labelId, autocomplete: "off" });
    input.value = get() || "";
    const error = el("p", { class: "field-error", id: `ct-e${n}` });
    const hintNode = opts.hint ? el("p", { class: "hint", id: `ct-h${n}`, text: opts.hint }) : null;
    input.setAttribute("aria-describedby", [hintNode && hintNode.id, error.id].filter(Boolean).join(" "));
    const ok = el("button", { type: "submit", class: "primary", text: t("save") });
    const cancel = el("button", { type: "button", text: t("cancel") });
    const form = el("form", { class: "ct-inline", novalidate: "" }, input,
      el("div", { class: "row" }, ok, cancel), hintNode, error);
    cancel.addEventListener("click", () => view(true));
    input.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); view(true); } });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = input.value.trim();
      if (value === (get() || "")) { view(true); return; }
      if (opts.required && !value) {
        error.textContent = t("required");
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      ok.disabled = true;
      try {
        await put(value);
        view(true);
        saved.textContent = t("saved");
      } catch (err) {
        ok.disabled = false;
        if (err instanceof Unauthorized) { onUnauthorized(); return; }
        error.textContent = fieldMessage(err);
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    });
    dd.replaceChildren(form);
    input.focus();
    input.select();
  }
  view(false);
  return wrap;
}
