// Settings → Satisfaction: how customers rated their conversations (the
// answers to the survey each resolve sends): the figures (answers, share
// satisfied, response rate), how the ratings spread, the latest ratings
// with their words, agent and conversation, a filter by rating, and the CSV.

import { Unauthorized, api, el } from "./lib.js";
import { apiBase, load, loadingList, signIn, timeNode, withText } from "./settings-kit.js";

const TEXT = {
  en: {
    csat: "Satisfaction", answers: "Answers", satisfied: "Satisfied (4–5)", rate: "Response rate", spread: "Ratings",
    latest: "Latest ratings", none: "No ratings yet. Turn on the survey in an inbox's settings.", any: "Any rating",
    filter: "Show", download: "Download CSV", rated: "{n} of 5", noAgent: "no agent",
  },
  ru: {
    csat: "Удовлетворённость", answers: "Ответов", satisfied: "Довольны (4–5)", rate: "Доля ответивших", spread: "Оценки",
    latest: "Последние оценки", none: "Оценок пока нет. Включите опрос в настройках канала.", any: "Любая оценка",
    filter: "Показать", download: "Скачать CSV", rated: "{n} из 5", noAgent: "без агента",
  },
};
const tt = withText(TEXT);
const FACES = ["😞", "🙁", "😐", "🙂", "😀"];

export async function csatSection(host) {
  const figures = el("div", { class: "sla-metrics", role: "group", "aria-label": tt("csat") });
  const bars = el("ul", { class: "csat-spread", "aria-label": tt("spread") });
  const rating = el("select", { name: "rating", "aria-label": tt("filter") },
    el("option", { value: "", text: tt("any") }), ...[5, 4, 3, 2, 1].map((n) => el("option", { value: String(n), text: `${FACES[n - 1]} ${tt("rated").replace("{n}", n)}` })));
  const list = loadingList({ "aria-label": tt("latest") });
  const csv = el("a", { href: `${apiBase()}/csat_survey_responses/download`, download: "csat.csv", text: tt("download") });
  async function refresh() {
    const q = rating.value ? `?rating=${rating.value}` : "";
    const [m, rows] = await Promise.all([
      api(`${apiBase()}/csat_survey_responses/metrics`), api(`${apiBase()}/csat_survey_responses${q}`),
    ]);
    const figure = (label, value) => el("div", {}, el("strong", { text: value == null ? "—" : String(value) }), el("span", { class: "meta", text: label }));
    figures.replaceChildren(figure(tt("answers"), m.total_count),
      figure(tt("satisfied"), m.satisfaction_score == null ? null : `${m.satisfaction_score}%`),
      figure(tt("rate"), m.response_rate == null ? null : `${m.response_rate}%`));
    const total = Number(m.total_count) || 0;
    bars.replaceChildren(...[5, 4, 3, 2, 1].map((n) => {
      const count = Number((m.ratings_count || {})[n] || 0);
      const pct = total ? Math.round((count / total) * 100) : 0;
      const bar = el("span", { class: "bar", "aria-hidden": "true" });
      bar.style.setProperty("--w", `${pct}%`);
      return el("li", {}, el("span", { class: "face", "aria-hidden": "true", text: FACES[n - 1] }),
        el("span", { class: "label", text: tt("rated").replace("{n}", n) }), bar, el("span", { class: "meta", text: `${count} (${pct}%)` }));
    }));
    const items = Array.isArray(rows) ? rows : [];
    list.replaceChildren(...items.map((r) => el("li", { "data-rating": String(r.rating) }, el("div", { class: "row" },
      el("span", { class: "face", "aria-hidden": "true", text: FACES[r.rating - 1] || "" }),
      el("strong", { text: tt("rated").replace("{n}", r.rating) }),
      el("a", { href: `#/conversations/${r.conversation_id}`, text: `#${r.conversation_id}` }),
      el("span", { text: (r.contact && r.contact.name) || "" }),
      el("span", { class: "meta", text: (r.assigned_agent && (r.assigned_agent.available_name || r.assigned_agent.name)) || tt("noAgent") }),
      timeNode(r.created_at)),
    r.feedback_message ? el("p", { class: "feedback", text: r.feedback_message }) : null)));
    if (!items.length) list.replaceChildren(el("li", { class: "meta", text: tt("none") }));
  }
  rating.addEventListener("change", () => load(list, refresh).catch((e) => { if (e instanceof Unauthorized) signIn(); }));
  host.replaceChildren(el("h2", { text: tt("csat"), tabindex: "-1" }), el("div", { class: "card" }, figures, bars),
    el("div", { class: "row" }, rating, csv), list);
  await load(list, refresh).catch((e) => { if (e instanceof Unauthorized) signIn(); });
}
