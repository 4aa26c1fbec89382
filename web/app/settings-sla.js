// Settings → SLA: the account's policies (first reply, next reply and
// resolution thresholds; whether the clocks run only in the inboxes'
// business hours), Edit and Delete, the form that adds one; and how the
// promises were kept: conversations held, breaches, the hit rate, and the
// latest breached conversations with what they missed.

import { Unauthorized, api, el, errorMessage, field } from "./lib.js";
import {
  alertBox, apiBase, checkbox, deleteControl, emptyRow, expander, focusForm, formCard, input, load, loadingList,
  rowButtons, signIn, textarea, withText,
} from "./settings-kit.js";

const TEXT = {
  en: {
    sla: "SLA", newPolicy: "New policy", policyName: "Policy name", description: "Description",
    frt: "First reply within", nrt: "Each next reply within", rt: "Resolved within", none: "no limit",
    minutes: "minutes", hours: "hours", days: "days", businessOnly: "Count only business hours (each inbox's calendar)",
    noPolicies: "No policies yet. A policy holds conversations to reply and resolution times; rules apply it (Add SLA).",
    savePolicy: "Save policy", policySaved: "Policy saved", held: "Conversations held", breached: "Breached",
    hitRate: "Kept", recent: "Latest breaches", noBreaches: "No breaches.", missed: "missed",
    kinds: { frt: "first reply", nrt: "next reply", rt: "resolution" }, needOne: "Set at least one time.",
    unitOf: "Unit", download: "Download CSV",
  },
  ru: {
    sla: "SLA", newPolicy: "Новая политика", policyName: "Название", description: "Описание",
    frt: "Первый ответ в течение", nrt: "Каждый следующий ответ в течение", rt: "Решить в течение", none: "без срока",
    minutes: "минут", hours: "часов", days: "дней", businessOnly: "Считать только рабочее время (календарь каждого канала)",
    noPolicies: "Политик пока нет. Политика задаёт сроки ответа и решения; правила её применяют (Add SLA).",
    savePolicy: "Сохранить политику", policySaved: "Политика сохранена", held: "Разговоров под SLA", breached: "Нарушено",
    hitRate: "Выполнено", recent: "Последние нарушения", noBreaches: "Нарушений нет.", missed: "пропущено",
    kinds: { frt: "первый ответ", nrt: "следующий ответ", rt: "решение" }, needOne: "Задайте хотя бы один срок.",
    unitOf: "Единица", download: "Скачать CSV",
  },
};
const tt = withText(TEXT);
const UNITS = [["60", "minutes"], ["3600", "hours"], ["86400", "days"]];

// Seconds as the largest whole unit ("2 hours").
export function duration(secs) {
  if (secs == null) return tt("none");
  for (const [size, unit] of [...UNITS].reverse()) {
    if (secs % Number(size) === 0) return `${secs / Number(size)} ${tt(unit)}`;
  }
  return `${Math.round(secs / 60)} ${tt("minutes")}`;
}

// A threshold: a number and a unit; empty is no limit.
function threshold(key, secs) {
  const label = tt(key.split("_")[0]);
  let unit = "60";
  for (const [size] of [...UNITS].reverse()) {
    if (secs && secs % Number(size) === 0) { unit = size; break; }
  }
  const amount = input(key, secs ? String(secs / Number(unit)) : "", { type: "number", min: "1", step: "1", inputmode: "numeric" });
  const units = el("select", { name: `${key}_unit`, "aria-label": `${label}: ${tt("unitOf")}` },
    ...UNITS.map(([v, label]) => el("option", { value: v, text: tt(label) })));
  units.value = unit;
  const labelled = field(label, amount);
  labelled.append(units);
  labelled.classList.add("threshold");
  return {
    node: labelled,
    amount,
    value: () => (amount.value.trim() ? Math.round(Number(amount.value) * Number(units.value)) : null),
  };
}

function breaches(host) {
  const box = el("div", { class: "card" });
  const figures = el("div", { class: "sla-metrics", role: "group", "aria-label": tt("sla") });
  const list = el("ul", { class: "list", "aria-label": tt("recent") });
  const csv = el("a", { href: `${apiBase()}/applied_slas/download`, download: "sla-breaches.csv", text: tt("download") });
  box.append(figures, el("h3", { text: tt("recent") }), list, csv);
  load(list, async () => {
    const [m, r] = await Promise.all([api(`${apiBase()}/applied_slas/metrics`), api(`${apiBase()}/applied_slas`)]);
    const figure = (label, value) => el("div", {}, el("strong", { text: String(value) }), el("span", { class: "meta", text: label }));
    figures.replaceChildren(figure(tt("held"), m.total_applied_slas), figure(tt("breached"), m.number_of_sla_misses),
      figure(tt("hitRate"), m.hit_rate));
    const rows = (r && r.payload) || [];
    list.replaceChildren(...rows.map((b) => el("li", {}, el("div", { class: "row" },
      el("a", { href: `#/conversations/${b.conversation.id}`, text: `#${b.conversation.id}` }),
      el("span", { text: b.conversation.contact?.name || "" }),
      el("span", { class: "meta", text: b.applied_sla.sla_name }),
      el("span", { class: "badge sla missed", text: `${tt("missed")}: ${(b.sla_events || []).map((e) => tt("kinds")[e.event_type] || e.event_type).join(", ")}` })))));
    if (!rows.length) list.replaceChildren(el("li", { class: "meta", text: tt("noBreaches") }));
  }).catch((e) => { if (e instanceof Unauthorized) signIn(); });
  host.append(box);
}

export async function slaSection(host) {
  const list = loadingList({ "aria-label": tt("sla") });
  let all = [];
  function row(p) {
    const li = el("li", { "data-sla": String(p.id) });
    const alert = alertBox();
    const edit = el("button", { type: "button", text: tt("edit"), "aria-label": `${tt("edit")} ${p.name}` });
    const del = deleteControl(p.name, async () => {
      await api(`${apiBase()}/sla_policies/${p.id}`, { method: "DELETE" });
      all = all.filter((x) => x.id !== p.id);
      li.remove();
      if (!all.length) list.replaceChildren(emptyRow(tt("noPolicies"), tt("newPolicy"), () => focusForm(create.form)));
      host.querySelector("h2").focus();
    }, alert);
    const summary = [
      `${tt("frt")} ${duration(p.first_response_time_threshold)}`,
      `${tt("nrt")} ${duration(p.next_response_time_threshold)}`,
      `${tt("rt")} ${duration(p.resolution_time_threshold)}`,
    ].join(" · ");
    li.append(el("div", { class: "row" }, el("strong", { text: p.name }), el("span", { class: "meta", text: summary }),
      rowButtons(edit, del)), alert);
    expander(li, edit, (close) => form(p, tt("edit"), tt("savePolicy"), async (body) => {
      const r = await api(`${apiBase()}/sla_policies/${p.id}`, { method: "PATCH", json: body });
      Object.assign(p, r.payload);
      close();
      li.replaceWith(row(p));
      return tt("policySaved");
    }).form);
    return li;
  }
  function form(p, title, submitText, save) {
    const name = input("name", p.name || "", { required: "", autocomplete: "off" });
    const description = textarea("description", p.description || "", 2);
    const frt = threshold("frt_threshold", p.first_response_time_threshold);
    const nrt = threshold("nrt_threshold", p.next_response_time_threshold);
    const rt = threshold("rt_threshold", p.resolution_time_threshold);
    const business = checkbox(tt("businessOnly"), "only_during_business_hours", p.only_during_business_hours);
    return formCard(title, [
      el("h3", { text: title }),
      el("div", { class: "grid2" }, field(tt("policyName"), name), field(tt("description"), description)),
      el("div", { class: "grid2" }, frt.node, nrt.node, rt.node),
      business.node,
    ], submitText, () => {
      const body = {
        name: name.value.trim(), description: description.value.trim() || null,
        first_response_time_threshold: frt.value(), next_response_time_threshold: nrt.value(),
        resolution_time_threshold: rt.value(), only_during_business_hours: business.input.checked,
      };
      if (body.first_response_time_threshold == null && body.next_response_time_threshold == null && body.resolution_time_threshold == null) {
        frt.amount.focus();
        throw Object.assign(new Error(tt("needOne")), { body: { message: tt("needOne") } });
      }
      return save(body);
    });
  }
  async function refresh() {
    const r = await api(`${apiBase()}/sla_policies`);
    all = (r && r.payload) || [];
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(tt("noPolicies"), tt("newPolicy"), () => focusForm(create.form)));
  }
  let create = null;
  const fresh = () => form({}, tt("newPolicy"), tt("create"), async (body) => {
    await api(`${apiBase()}/sla_policies`, { method: "POST", json: body });
    const next = fresh();
    create.form.replaceWith(next.form);
    create = next;
    await refresh();
    return tt("policySaved");
  });
  create = fresh();
  host.replaceChildren(el("h2", { text: tt("sla"), tabindex: "-1" }), list, create.form);
  breaches(host);
  await load(list, refresh).catch((e) => { if (e instanceof Unauthorized) signIn(); else list.replaceChildren(el("li", { text: errorMessage(e) })); });
}
