// Settings → Inboxes → New inbox: the steps from picking a channel to an
// inbox that is ready to use; the channels' own forms come from
// settings-inbox-forms.js.

import { Unauthorized, api, el, icon } from "./lib.js";
import { agents, apiBase, formCard, loadFailure, memberPicker, signIn, t, uid } from "./settings-kit.js";
import { loadChannels, readyParts } from "./settings-inbox-forms.js";

// "New inbox" in four steps: 1 pick a channel, 2 its form (the inbox is
// made when it is submitted; refusals show there), 3 the agents who answer
// in it, 4 what to do next, with "Go to the inbox settings" and "Done".
// Back returns from the form to the channels (what was typed stays);
// Escape or Cancel leaves. `done(inbox, openSettings)` is called on leaving,
// with the inbox once it exists.
export function newInboxFlow(done) {
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
  let CHANNELS = null;
  // The channels come from the server once; a failure offers Retry.
  async function channels() {
    if (!CHANNELS) {
      body.setAttribute("aria-busy", "true");
      body.replaceChildren(el("p", { class: "flow-question", text: t("loadingChannels") }));
      try {
        CHANNELS = await loadChannels();
        body.setAttribute("aria-busy", "false");
      } catch (e) {
        body.setAttribute("aria-busy", "false");
        if (e instanceof Unauthorized) return signIn();
        show(1, [el("p", { class: "load-error", role: "alert" }, el("span", { text: loadFailure(e) }), button(t("retry"), channels)),
          el("div", { class: "flow-actions" }, button(t("cancel"), () => leave(false)))]);
        return;
      }
    }
    const questionId = uid("q");
    const cards = CHANNELS.map((c) => {
      const nameId = uid("ch");
      const hintId = uid("hint");
      const card = el("button", { type: "button", class: "channel-card", "data-channel": c.kind,
        "aria-labelledby": nameId, "aria-describedby": hintId },
      icon(c.icon), el("strong", { id: nameId, text: c.label || t(c.name) }), el("span", { id: hintId, text: c.hintText || t(c.hint) }));
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
    made = { channel: c, inbox, extra };
    const holder = el("div", { class: "members-holder", "aria-busy": "true" });
    let picker = null;
    const card = formCard(t("members"), [
      el("h4", { text: t("membersStep") }), el("p", { class: "hint", text: t("membersStepHint") }), holder,
    ], t("addMembers"), async () => {
      const ids = picker ? picker.ids() : [];
      if (ids.length) await api(`${apiBase()}/inbox_members`, { method: "POST", json: { inbox_id: inbox.id, user_ids: ids } });
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
        if (e instanceof Unauthorized) return signIn();
        holder.setAttribute("aria-busy", "false");
        holder.replaceChildren(el("p", { class: "load-error", role: "alert" }, el("span", { text: loadFailure(e) }),
          button(t("retry"), fill)));
      });
    };
    fill();
    show(3, [card.form]);
  }
  function ready() {
    const { channel, inbox, extra } = made;
    const go = button(t("goToSettings"), () => leave(true), "primary");
    show(4, [el("h4", { text: t("ready", { name: inbox.name }) }), ...readyParts(channel, inbox, extra),
      el("div", { class: "flow-actions" }, go, button(t("done"), () => leave(false)))]);
  }
  return { node, start: channels };
}
