// The contact panel beside the open conversation: the contact's fields and
// custom attributes, editable in place; the inbox it came through; the
// conversation's labels and details; how routing decided about it
// (routing-log.js, collapsed); the contact's other conversations.

import { Unauthorized, api, avatar, channelIcon, el, errorMessage, icon, load, relative, when } from "./lib.js";
import { labelChip } from "./list.js";
import { picker } from "./picker.js";
import { MODELS, attributeList, attributeText, paintWithDefinitions, saveConversationAttribute } from "./attributes.js";
import { createRoutingLog } from "./routing-log.js";

export function createPanel(ctx, { t, close }) {
  const { base } = ctx;
  let conv = null, contact = null, gen = 0;

  const head = el("div", { class: "panel-head" });
  const fields = el("dl", { class: "fields" });
  const channel = el("p", { class: "channel" });
  const labels = el("div", { class: "labels" });
  const details = el("dl", { class: "details" });
  const previous = el("ul", { class: "previous" });
  const routingLog = createRoutingLog(ctx);
  const section = (title, ...children) => el("section", { "aria-label": title }, el("h3", { text: title }), ...children);
  const labelPicker = picker({
    label: t("addLabel"), placeholder: t("findLabel"), empty: `+ ${t("addLabel")}`,
    options: async () => {
      const all = await load(`${base}/labels`, (r) => (r && r.payload) || []);
      const have = new Set((conv && conv.labels) || []);
      return all.filter((l) => !have.has(l.title)).map((l) => ({ value: l.title, label: l.title, hint: l.description || "" }));
    },
    onChange: (title) => {
      labelPicker.set(null);
      if (title && conv) setLabels([...(conv.labels || []), title]);
    },
  });
  const labelError = el("p", { class: "error", role: "alert" });
  // Custom attributes, typed by the account's definitions.
  const addAttribute = el("div", { class: "add-row" });
  const contactAttrs = attributeList({
    label: attributeText("contactAttributes"),
    onSignIn: () => ctx.signIn(),
    save: (key, value) => saveContact({ custom_attributes: { [key]: value } }),
  });
  const convAttrs = attributeList({
    label: attributeText("conversationAttributes"),
    onSignIn: () => ctx.signIn(),
    save: (key, value) => saveConversationAttribute(base, conv, key, value),
  });
  const paintAttrs = (list, model, values, owner) => paintWithDefinitions(list, base, model, values, owner).catch((e) => {
    if (e instanceof Unauthorized) ctx.signIn();
  });
  // "Add details": a menu of the contact's empty fields.
  const addMenu = el("ul", { class: "add-menu", role: "menu", "aria-label": t("addDetails"), hidden: "" });
  const addDetails = el("button", { type: "button", class: "link", "aria-haspopup": "menu", "aria-expanded": "false", text: `+ ${t("addDetails")}` });
  function closeAddMenu() {
    addMenu.hidden = true;
    addDetails.setAttribute("aria-expanded", "false");
  }
  addDetails.addEventListener("click", () => {
    const opening = addMenu.hidden;
    addMenu.hidden = !opening;
    addDetails.setAttribute("aria-expanded", String(opening));
    if (opening) addMenu.querySelector("button")?.focus();
  });
  addMenu.addEventListener("keydown", (e) => {
    const items = [...addMenu.querySelectorAll("button")];
    const at = items.indexOf(document.activeElement);
    if (e.key === "Escape") { e.preventDefault(); closeAddMenu(); addDetails.focus(); }
    else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      items[(at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]?.focus();
    }
  });
  const addDetailsBox = el("div", { class: "add-details" }, addDetails, addMenu);
  const closeButton = el("button", { type: "button", class: "icon-button drawer-close", "aria-label": t("closePanel") }, icon("close"));
  closeButton.addEventListener("click", () => close());
  const node = el("aside", { class: "contact-panel", "aria-label": t("contactPanel"), hidden: "" },
    closeButton,
    head,
    section(t("contact"), fields, addDetailsBox, contactAttrs.node, addAttribute),
    section(t("channel"), channel),
    section(t("labels"), labels, labelPicker.node, labelError),
    section(attributeText("conversationAttributes"), convAttrs.node),
    section(t("details"), details),
    routingLog.node,
    section(t("previousConversations"), previous));

  async function setLabels(list) {
    const id = conv.id;
    labelError.textContent = "";
    try {
      await api(`${base}/conversations/${id}/labels`, { method: "POST", json: { labels: list } });
      if (conv && conv.id === id) {
        conv.labels = list;
        paintLabels();
      }
    } catch (e) {
      if (e instanceof Unauthorized) return ctx.signIn();
      labelError.textContent = `${t("notSaved")} ${errorMessage(e)}`;
    }
  }
  function paintLabels() {
    labels.replaceChildren(...(conv.labels || []).map((l) => {
      const x = el("button", { type: "button", class: "chip-x", "aria-label": `${t("removeLabel")} ${l}` }, icon("close"));
      x.addEventListener("click", () => setLabels(conv.labels.filter((y) => y !== l)));
      return labelChip(l, ctx.labelColours, x);
    }));
  }

  // One editable value: shows as a button; editing shows an input with
  // Save / Cancel; Enter saves, Escape cancels; the server's refusal shows
  // under it and the input stays. `onCancelEmpty` runs when an edit of an
  // empty value is given up (a field just added from "Add details" goes).
  function editable(label, value, save, type = "text", { startEditing = false, onCancelEmpty = null } = {}) {
    const dt = el("dt", { text: label });
    const dd = el("dd");
    function show() {
      const b = el("button", { type: "button", class: `value${value ? "" : " unset"}`, "aria-label": `${label}: ${value || t("notSet")}. ${t("edit")}` },
        el("span", { text: value || t("add") }));
      b.addEventListener("click", edit);
      dd.replaceChildren(b);
      return b;
    }
    function giveUp() {
      if (!value && onCancelEmpty) return onCancelEmpty();
      show().focus();
    }
    function edit() {
      const input = el("input", { type, value: value || "", "aria-label": label });
      const error = el("p", { class: "error", role: "alert" });
      const ok = el("button", { type: "submit", class: "primary", text: t("save") });
      const cancel = el("button", { type: "button", text: t("cancel") });
      const form = el("form", { class: "inline-edit", novalidate: "" }, input, el("div", { class: "row" }, ok, cancel), error);
      input.setAttribute("aria-describedby", (error.id = `e${Math.random().toString(36).slice(2)}`));
      cancel.addEventListener("click", giveUp);
      input.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); giveUp(); } });
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        try {
          await save(input.value.trim());
          value = input.value.trim();
          if (!value && onCancelEmpty) return onCancelEmpty();
          show().focus();
        } catch (err) {
          if (err instanceof Unauthorized) return ctx.signIn();
          error.textContent = `${t("notSaved")} ${errorMessage(err)}`;
          input.focus();
        }
      });
      dd.replaceChildren(form);
      input.focus();
      input.select();
    }
    if (startEditing) edit();
    else show();
    return [dt, dd];
  }

  async function saveContact(patch) {
    const id = contact.id;
    const r = await api(`${base}/contacts/${id}`, { method: "PUT", json: patch });
    if (contact && contact.id === id) {
      contact = (r && r.payload) || contact;
      paintHead();
    }
  }

  function paintHead() {
    head.replaceChildren(avatar(contact.name, contact.thumbnail, "lg"),
      el("div", {}, el("p", { class: "name", text: contact.name || t("noName") }),
        el("a", { href: `#/contacts/${contact.id}`, text: t("openContact") })));
  }
  // The contact's fields: the name always, the others only when they hold
  // something; "Add details" offers the empty ones. Internal ids (the
  // contact's id, a visitor's source id) are never shown.
  const adding = new Set(); // fields opened from "Add details", not saved yet
  function paintFields() {
    const add = contact.additional_attributes || {};
    const custom = contact.custom_attributes || {};
    const FIELDS = [
      ["email", t("email"), contact.email, (v) => saveContact({ email: v }), "email"],
      ["phone", t("phone"), contact.phone_number, (v) => saveContact({ phone_number: v }), "tel"],
      ["identifier", t("identifier"), contact.identifier, (v) => saveContact({ identifier: v }), "text"],
      ["company", t("company"), add.company_name, (v) => saveContact({ additional_attributes: { company_name: v } }), "text"],
      ["city", t("city"), add.city, (v) => saveContact({ additional_attributes: { city: v } }), "text"],
    ];
    const rows = [editable(t("name"), contact.name, (v) => saveContact({ name: v }))];
    for (const [key, label, value, save, type] of FIELDS) {
      if (!value && !adding.has(key)) continue;
      const fresh = !value && adding.has(key);
      rows.push(editable(label, value, async (v) => { await save(v); adding.delete(key); }, type, {
        startEditing: fresh,
        onCancelEmpty: () => { adding.delete(key); paintFields(); addDetails.focus(); },
      }));
    }
    fields.replaceChildren(...rows.flat());
    const missing = FIELDS.filter(([key, , value]) => !value && !adding.has(key));
    addDetails.hidden = missing.length === 0;
    addMenu.replaceChildren(...missing.map(([key, label]) => {
      const b = el("button", { type: "button", role: "menuitem", text: label });
      b.addEventListener("click", () => {
        closeAddMenu();
        adding.add(key);
        paintFields();
      });
      return el("li", { role: "none" }, b);
    }));
    paintAttrs(contactAttrs, MODELS.contact, custom, `contact ${contact.id}`);
    // A new custom attribute (key and value), behind its own button.
    const key = el("input", { "aria-label": t("attributeName"), placeholder: t("attributeName") });
    const val = el("input", { "aria-label": t("attributeValue"), placeholder: t("attributeValue") });
    const error = el("p", { class: "error", role: "alert" });
    const cancel = el("button", { type: "button", text: t("cancel") });
    const form = el("form", { class: "add-attribute", "aria-label": t("addAttribute"), hidden: "" }, key, val,
      el("div", { class: "row" }, el("button", { type: "submit", class: "primary", text: t("addAttribute") }), cancel), error);
    const open = el("button", { type: "button", class: "link", "aria-expanded": "false", text: `+ ${t("newAttribute")}` });
    open.addEventListener("click", () => {
      form.hidden = false;
      open.hidden = true;
      open.setAttribute("aria-expanded", "true");
      key.focus();
    });
    const shut = () => { form.hidden = true; open.hidden = false; open.setAttribute("aria-expanded", "false"); error.textContent = ""; open.focus(); };
    cancel.addEventListener("click", shut);
    form.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); shut(); } });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const k = key.value.trim().toLowerCase().replace(/\s+/g, "_");
      if (!k) return key.focus();
      try {
        await saveContact({ custom_attributes: { [k]: val.value.trim() } });
        paintFields();
      } catch (err) {
        if (err instanceof Unauthorized) return ctx.signIn();
        error.textContent = `${t("notSaved")} ${errorMessage(err)}`;
      }
    });
    addAttribute.replaceChildren(open, form);
  }
  function paintDetails() {
    const row = (k, v) => [el("dt", { text: k }), el("dd", { text: v })];
    const secs = (v) => (typeof v === "string" ? Date.parse(v) / 1000 : Number(v || 0));
    details.replaceChildren(...[
      row(t("conversationId"), `#${conv.id}`),
      row(t("statusFilter"), t(`one_${conv.status}`)),
      row(t("priority"), conv.priority ? t(conv.priority) : t("noPriority")),
      row(t("created"), when(conv.created_at)),
      row(t("firstReply"), secs(conv.first_reply_created_at) ? when(secs(conv.first_reply_created_at)) : t("notYet")),
      row(t("waitingSince"), secs(conv.waiting_since) ? `${when(secs(conv.waiting_since))} (${relative(secs(conv.waiting_since))})` : "—"),
      row(t("lastActivity"), when(conv.last_activity_at)),
    ].flat());
  }
  async function paintChannelAndPrevious(myGen) {
    const [full, others, inboxes] = await Promise.all([
      api(`${base}/contacts/${contact.id}`).then((r) => r && r.payload).catch(() => null),
      api(`${base}/contacts/${contact.id}/conversations`).then((r) => (r && r.payload) || []).catch(() => []),
      load(`${base}/inboxes`, (r) => (r && r.payload) || []).catch(() => []),
    ]);
    if (myGen !== gen) return;
    if (full) {
      contact = full;
      paintFields();
    }
    const inbox = inboxes.find((i) => i.id === conv.inbox_id);
    channel.replaceChildren(channelIcon(inbox && inbox.channel_type), el("span", { text: inbox ? inbox.name : "" }));
    const rest = others.filter((c) => c.id !== conv.id);
    previous.replaceChildren(...rest.map((c) => {
      const last = c.last_non_activity_message || (c.messages || [])[0] || {};
      return el("li", {}, el("a", { href: `#/conversations/${c.id}` },
        el("span", { class: "row" }, el("strong", { text: `#${c.id}` }), el("span", { class: "status", text: t(`one_${c.status}`) }),
          el("span", { class: "meta", text: relative(c.last_activity_at || c.timestamp) })),
        el("span", { class: "preview", text: last.content || "" })));
    }));
    if (!rest.length) previous.replaceChildren(el("li", { class: "meta", text: t("noOtherConversations") }));
  }

  return {
    node,
    openLabels() { labelPicker.open(); },
    show(c) {
      const sameContact = contact && c.meta && c.meta.sender && contact.id === c.meta.sender.id && conv && conv.id === c.id;
      conv = c;
      node.hidden = false;
      paintLabels();
      paintDetails();
      paintAttrs(convAttrs, MODELS.conversation, conv.custom_attributes, `conversation ${conv.id}`);
      routingLog.show(conv);
      if (sameContact) return;
      contact = (c.meta && c.meta.sender) || { id: 0 };
      adding.clear();
      closeAddMenu();
      paintHead();
      paintFields();
      channel.replaceChildren();
      previous.replaceChildren();
      paintChannelAndPrevious(++gen).catch(() => {});
    },
    // A conversation changed elsewhere: keep labels and details current.
    conversationEvent(c) {
      if (!conv || c.id !== conv.id) return;
      conv = Object.assign(conv, c);
      paintLabels();
      paintDetails();
      routingLog.event(conv);
      if (c.custom_attributes) convAttrs.update(conv.custom_attributes, null, `conversation ${conv.id}`);
    },
    contactEvent(c) {
      if (!contact || c.id !== contact.id) return;
      contact = Object.assign(contact, c);
      paintHead();
      paintFields();
    },
  };
}
