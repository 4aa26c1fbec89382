// The Queue (administrators, #/queue): the conversations waiting for an
// agent, most urgent first, each with how long it has waited (ticking), its
// priority, inbox and team; and every agent with their availability, whether
// a dashboard of theirs is open (or they are in the grace period after it
// closed) and their load against their capacity. From GET /routing/queue,
// fetched again (debounced) on the /cable events that change it and every
// 30 s as a backstop while the view is shown.

import { Unauthorized, api, el, forget, icon, load, when } from "./lib.js";
import { duration, rt } from "./routing-text.js";

const POLL_MS = 30000;
const DEBOUNCE_MS = 400;
// The events after which the queue may look different.
const EVENTS = new Set(["conversation.created", "conversation.status_changed", "conversation.updated", "assignee.changed",
  "team.changed", "presence.update"]);

let current = null; // the view on screen: { refreshSoon(), stop() }

// A /cable event reached the dashboard: the view on screen refreshes soon.
export function queueEvent(name) {
  if (current && EVENTS.has(name)) current.refreshSoon();
}

// The view is left: timers stop.
export function leaveQueue() {
  if (current) current.stop();
  current = null;
}

function priorityMark(p) {
  if (!p) return el("span", { class: "priority none", text: rt("none") });
  return el("span", { class: `priority ${p}` }, icon("flag"), el("span", { text: rt(p) }));
}

function agentState(a) {
  const status = ["online", "busy", "offline"].includes(a.availability) ? a.availability : "offline";
  const parts = [el("span", { class: "presence-dot", "aria-hidden": "true" }), el("span", { text: rt(status) })];
  if (status !== "offline" && a.auto_offline && a.presence === "grace") {
    parts.push(el("span", { class: "grace", text: `· ${rt("grace")}${a.seen_seconds_ago != null ? ` (${rt("seenAgo", { time: duration(a.seen_seconds_ago) })})` : ""}` }));
  } else if (status !== "offline" && a.auto_offline && a.presence === "away") {
    parts.push(el("span", { class: "away", text: `· ${rt("away")}` }));
  }
  return el("span", { class: "agent-presence", "data-status": status, "data-presence": a.presence }, ...parts);
}

export async function render(container, ctx) {
  leaveQueue();
  const { base } = ctx;
  const summary = el("p", { class: "meta summary", role: "status" });
  const stamp = el("span", { class: "meta stamp" });
  const again = el("button", { type: "button", text: rt("refresh") });
  const waitingList = el("ol", { class: "queue-waiting", "aria-label": rt("waiting"), "aria-busy": "true" });
  const agentList = el("ul", { class: "queue-agents", "aria-label": rt("agentsTitle"), "aria-busy": "true" });
  const error = el("p", { class: "load-error", role: "alert", hidden: "" });
  const page = el("div", { class: "queue-page", "data-queue": "" },
    el("div", { class: "row head" }, el("h1", { text: rt("queue"), tabindex: "-1" }), again),
    el("p", { class: "meta", text: rt("liveNote") }), summary, error,
    el("section", { "aria-labelledby": "queue-waiting-title" }, el("h2", { id: "queue-waiting-title", text: rt("waiting") }), waitingList),
    el("section", { "aria-labelledby": "queue-agents-title" }, el("h2", { id: "queue-agents-title", text: rt("agentsTitle") }), agentList),
    stamp);
  container.replaceChildren(page);

  // Ticking: each waiting row's time, from its waiting_since, every second.
  const clocks = [];
  const tick = () => {
    const now = Date.now() / 1000;
    for (const { node, since } of clocks) node.textContent = rt("waitedFor", { time: duration(now - since) });
  };

  let inboxes = new Map(), teams = new Map();
  async function names() {
    const [is, ts] = await Promise.all([
      load(`${base}/inboxes`, (r) => (r && r.payload) || []).catch(() => []),
      load(`${base}/teams`, (r) => r || []).catch(() => []),
    ]);
    inboxes = new Map(is.map((i) => [i.id, i.name]));
    teams = new Map(ts.map((x) => [x.id, x.name]));
  }

  function waitingRow(c) {
    const since = c.waiting_since;
    const clock = el("span", { class: "waited" });
    if (since) clocks.push({ node: clock, since });
    else clock.textContent = rt("noWait");
    const where = [el("span", { class: "where", text: `${rt("inboxWord")}: ${inboxes.get(c.inbox_id) || `#${c.inbox_id}`}` })];
    if (c.team_id) where.push(el("span", { class: "where", text: `${rt("teamWord")}: ${teams.get(c.team_id) || `#${c.team_id}`}` }));
    return el("li", { "data-conversation": String(c.id) },
      el("a", { href: `#/conversations/${c.id}`, "aria-label": rt("openConversation", { id: c.id }), text: `#${c.id}` }),
      clock, priorityMark(c.priority), ...where);
  }

  function agentRow(a) {
    const full = a.capacity != null && a.load >= a.capacity;
    const load = el("span", { class: `load${full ? " full" : ""}`, text: a.capacity != null ? rt("loadOf", { load: a.load, cap: a.capacity }) : rt("loadOfNone", { load: a.load }) });
    const meter = el("span", { class: "meter", "aria-hidden": "true" }, el("span"));
    if (a.capacity) meter.firstChild.style.width = `${Math.min(100, Math.round((a.load / a.capacity) * 100))}%`;
    else meter.hidden = true;
    return el("li", { "data-agent": String(a.id) },
      el("span", { class: "name", text: a.name }), agentState(a),
      el("span", { class: "load-box" }, el("span", { class: "label", text: `${rt("load")}: ` }), load, full ? el("span", { class: "meta", text: `(${rt("atCapacity")})` }) : null),
      meter);
  }

  async function refresh() {
    const q = await api(`${base}/routing/queue`);
    if (current !== view) return;
    // An inbox or team made since the names were loaded: load them afresh.
    if ((q.waiting || []).some((c) => !inboxes.has(c.inbox_id) || (c.team_id && !teams.has(c.team_id)))) {
      forget(`${base}/inboxes`);
      forget(`${base}/teams`);
      await names();
    }
    clocks.length = 0;
    const waiting = q.waiting || [];
    waitingList.replaceChildren(...(waiting.length ? waiting.map(waitingRow) : [el("li", { class: "empty", text: rt("noneWaiting") })]));
    const agents = q.agents || [];
    agentList.replaceChildren(...agents.map(agentRow));
    const ready = agents.filter((a) => a.availability === "online" && (a.presence !== "away" || !a.auto_offline)).length;
    summary.textContent = `${rt("waitingN", { n: q.waiting_count ?? waiting.length })} · ${rt("agentsOnline", { n: ready, total: agents.length })}`;
    stamp.textContent = rt("updated", { time: when(Date.now() / 1000) });
    waitingList.setAttribute("aria-busy", "false");
    agentList.setAttribute("aria-busy", "false");
    error.hidden = true;
    tick();
  }

  let debounce = null, poll = null, clock = null, running = null, again_ = false;
  // One fetch at a time; what arrives meanwhile asks for one more after it.
  const run = () => {
    if (running) { again_ = true; return running; }
    running = refresh().catch((e) => {
      if (e instanceof Unauthorized) return ctx.signIn();
      error.hidden = false;
      const retry = el("button", { type: "button", text: rt("retry") });
      retry.addEventListener("click", () => run());
      error.replaceChildren(el("span", { text: rt("unreachable") }), retry);
    }).finally(() => {
      running = null;
      if (again_) { again_ = false; run(); }
    });
    return running;
  };
  const view = {
    refreshSoon() {
      clearTimeout(debounce);
      debounce = setTimeout(run, DEBOUNCE_MS);
    },
    stop() {
      clearTimeout(debounce);
      clearInterval(poll);
      clearInterval(clock);
    },
  };
  current = view;
  again.addEventListener("click", () => run());
  poll = setInterval(() => { if (!page.isConnected) return leaveQueue(); if (document.visibilityState === "visible") run(); }, POLL_MS);
  clock = setInterval(() => { if (!page.isConnected) return leaveQueue(); tick(); }, 1000);
  await names();
  await run();
}
