// The SLA badge of a conversation (cards and the thread's header): the
// clock that runs out next (first reply, next reply or resolution) with the
// time left, counting down each second; red with how long ago once missed.
// One ticker repaints every badge on the page.

import { el, icon } from "./lib.js";

const WORDS = {
  en: { frt: "First reply", nrt: "Next reply", rt: "Resolution", due: "due in", missed: "missed", ago: "ago", sla: "SLA" },
  ru: { frt: "Первый ответ", nrt: "Следующий ответ", rt: "Решение", due: "через", missed: "просрочено", ago: "назад", sla: "SLA" },
};
const words = () => WORDS[document.documentElement.lang] || WORDS.en;
const SHORT = { frt: "FRT", nrt: "NRT", rt: "RT" };

// "2d 3h", "1h 5m", "4m 12s", "42s".
export function span(secs) {
  const s = Math.max(0, Math.floor(Math.abs(secs)));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${r}s`;
  return `${r}s`;
}

// The clock that matters now, as [kind, due unix seconds], or null.
export function nextClock(conv) {
  const a = conv && conv.applied_sla;
  if (!a || conv.status === "resolved" || a.sla_status === "hit" || a.sla_status === "missed") return null;
  const clocks = [];
  const replied = Number(conv.first_reply_created_at || 0) > 0;
  if (!replied && a.sla_frt_due_at) clocks.push(["frt", a.sla_frt_due_at]);
  if (replied && Number(conv.waiting_since || 0) > 0 && a.sla_nrt_due_at) clocks.push(["nrt", a.sla_nrt_due_at]);
  if (a.sla_rt_due_at) clocks.push(["rt", a.sla_rt_due_at]);
  clocks.sort((x, y) => x[1] - y[1]);
  return clocks[0] || null;
}

function paint(node) {
  const due = Number(node.dataset.due);
  const kind = node.dataset.kind;
  const w = words();
  const left = due - Date.now() / 1000;
  const missed = left <= 0;
  node.classList.toggle("missed", missed);
  node.querySelector(".sla-text").textContent = `${SHORT[kind]} ${missed ? "-" : ""}${span(left)}`;
  const says = missed ? `${w[kind]} ${w.missed} ${span(left)} ${w.ago}` : `${w[kind]} ${w.due} ${span(left)}`;
  node.setAttribute("aria-label", `${w.sla}: ${says}`);
  node.title = `${node.dataset.name ? `${node.dataset.name}: ` : ""}${says}`;
}

let ticker = null;
function tick() {
  const badges = document.querySelectorAll(".sla-badge[data-due]");
  for (const b of badges) paint(b);
  if (!badges.length) {
    clearInterval(ticker);
    ticker = null;
  }
}

// The badge for `conv`, or null when no clock runs.
export function slaBadge(conv) {
  const clock = nextClock(conv);
  if (!clock) return null;
  const node = el("span", { class: "sla-badge", role: "timer", "data-kind": clock[0], "data-due": String(clock[1]),
    "data-name": (conv.applied_sla && conv.applied_sla.sla_name) || "" }, icon("clock"), el("span", { class: "sla-text" }));
  paint(node);
  if (!ticker) ticker = setInterval(tick, 1000);
  return node;
}
