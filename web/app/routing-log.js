// The contact panel's "Routing" section: a conversation's routing
// decisions (GET /conversations/{id}/routing), newest first, each with its
// time, what happened (assigned, waiting, kept, back to the queue), to whom
// and how, and the agents passed over with the reason in plain words.
// Collapsed until opened; loaded when opened, again when the conversation
// or its assignee changes while it is open.

import { Unauthorized, api, el, errorMessage, relative, when } from "./lib.js";
import { rt } from "./routing-text.js";

function outcome(d) {
  const name = (d.assignee && d.assignee.name) || rt("leftAccount");
  const head = ["assigned", "kept"].includes(d.outcome) ? rt(`out_${d.outcome}`, { name })
    : d.outcome === "waiting" ? rt("out_waiting") : d.outcome === "requeued" ? rt("out_requeued") : d.outcome;
  const how = [];
  if (d.outcome === "assigned" && d.mode) how.push(rt("byMode", { mode: rt(`mode_${d.mode}`) }));
  if (d.outcome === "assigned" && d.load != null) how.push(rt("loadAfter", { n: d.load }));
  if (d.note) how.push(rt(`note_${d.note}`));
  return { head, how: how.join(", ") };
}

function entry(d) {
  const { head, how } = outcome(d);
  const li = el("li", { "data-decision": String(d.id), "data-outcome": d.outcome },
    el("div", { class: "row" },
      el("time", { datetime: new Date(d.created_at * 1000).toISOString(), title: when(d.created_at), text: relative(d.created_at) }),
      el("strong", { text: head })),
    how ? el("p", { class: "meta", text: how }) : null);
  if (d.skipped && d.skipped.length) {
    li.append(el("p", { class: "meta skipped-title", text: `${rt("skipped")}:` }),
      el("ul", { class: "skipped", "aria-label": rt("skipped") }, ...d.skipped.map((s) =>
        el("li", { "data-agent": String(s.agent_id), "data-reason": s.reason },
          el("span", { class: "who", text: s.name || rt("leftAccount") }),
          el("span", { class: "why", text: ` — ${rt(`why_${s.reason}`)}` })))));
  }
  return li;
}

export function createRoutingLog(ctx) {
  const { base } = ctx;
  let conv = null, gen = 0, timer = null;
  const list = el("ol", { class: "routing-log", "aria-label": rt("routing") });
  const status = el("p", { class: "meta", role: "status" });
  const details = el("details", { class: "routing" },
    el("summary", {}, el("h3", { text: rt("routing") })), status, list);
  const node = el("section", { class: "routing-section", "aria-label": rt("routing") }, details);

  async function refresh() {
    if (!conv || !details.open) return;
    const id = conv.id, my = ++gen;
    if (!list.children.length) status.textContent = rt("loading");
    try {
      const r = await api(`${base}/conversations/${id}/routing`);
      if (my !== gen) return;
      const all = (r && r.payload) || [];
      list.replaceChildren(...all.map(entry));
      status.textContent = all.length ? "" : rt("noDecisions");
    } catch (e) {
      if (e instanceof Unauthorized) return ctx.signIn();
      if (my === gen) status.textContent = errorMessage(e);
    }
  }
  details.addEventListener("toggle", () => { if (details.open) refresh(); });

  return {
    node,
    show(c) {
      if (!conv || conv.id !== c.id) {
        gen++;
        list.replaceChildren();
        status.textContent = "";
      }
      conv = c;
      refresh();
    },
    // The conversation changed (assignee, status, team): what routing
    // decided about it may have grown; asked for once the changes settle.
    event(c) {
      if (!conv || c.id !== conv.id || !details.open) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    },
  };
}
