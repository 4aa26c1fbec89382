// Routing in the settings: an inbox's Assignment card (automatic
// assignment on or off, round robin or balanced, capacity per agent in the
// inbox, fair distribution, queue order, re-queue after a silence) saved
// with PATCH /inboxes/{id}, and an agent's overall capacity
// (PATCH /routing/agents/{id}), read for the agents list from
// GET /routing/queue. The server checks every value; its refusal shows next
// to the field it names.

import { Unauthorized, api, el, errorMessage, field } from "./lib.js";
import { alertBox, apiBase, checkbox, clearErrors, flash, signIn, statusBox, t, uid } from "./settings-kit.js";
import { rt } from "./routing-text.js";

const WINDOWS = [900, 1800, 3600, 14400, 86400];

// A whole-number input that may be left empty; what is typed goes to the
// server as it is, so the server's words judge it.
function numberInput(name, value, label) {
  const node = el("input", { name, type: "number", min: "1", step: "1", inputmode: "numeric", autocomplete: "off" });
  if (label) node.setAttribute("aria-label", label);
  node.defaultValue = node.value = value == null ? "" : String(value);
  return node;
}
const numberOrNull = (input) => (input.value.trim() === "" ? null : input.value.trim());

// A field with its hint and an error line of its own, tied to the control.
function hintedField(label, control, hint) {
  const node = field(label, control);
  const error = el("p", { class: "error field-error", role: "alert", id: uid("err") });
  const ids = [error.id];
  if (hint) {
    const h = el("p", { class: "hint", id: uid("hint"), text: hint });
    node.append(h);
    ids.unshift(h.id);
  }
  node.append(error);
  control.setAttribute("aria-describedby", ids.join(" "));
  return { node, error };
}

// The Assignment card of an inbox's settings; `onSaved(inbox)` with the
// server's answer.
export function assignmentCard(inbox, onSaved) {
  const config = inbox.auto_assignment_config && typeof inbox.auto_assignment_config === "object" ? inbox.auto_assignment_config : {};
  const enabled = checkbox(rt("autoAssignment"), "enable_auto_assignment", inbox.enable_auto_assignment !== false);
  const mode = el("select", { name: "assignment_order" },
    ...["round_robin", "balanced"].map((v) => el("option", { value: v, text: rt(v) })));
  mode.value = config.assignment_order === "balanced" ? "balanced" : "round_robin";
  const max = numberInput("max_assignment_limit", config.max_assignment_limit);
  const fairLimit = numberInput("fair_distribution_limit", config.fair_distribution_limit, rt("fairLimit"));
  const currentWindow = Number(config.fair_distribution_window) || 3600;
  const windows = WINDOWS.includes(currentWindow) ? WINDOWS : [...WINDOWS, currentWindow].sort((a, b) => a - b);
  const fairWindow = el("select", { name: "fair_distribution_window", "aria-label": rt("fairWindow") },
    ...windows.map((s) => el("option", { value: String(s), text: WINDOWS.includes(s) ? rt(`window_${s}`) : rt("windowSecs", { n: s }) })));
  fairWindow.value = String(currentWindow);
  const order = el("select", { name: "conversation_priority" },
    ...["longest_waiting", "earliest_created"].map((v) => el("option", { value: v, text: rt(v) })));
  order.value = config.conversation_priority === "earliest_created" ? "earliest_created" : "longest_waiting";
  const requeue = numberInput("requeue_after_minutes", config.requeue_after_minutes);

  const maxField = hintedField(rt("maxPerAgent"), max, rt("noLimitHint"));
  const requeueField = hintedField(rt("requeue"), requeue, rt("requeueHint"));
  const fairError = el("p", { class: "error field-error", role: "alert", id: uid("err") });
  const fairHint = el("p", { class: "hint", id: uid("hint"), text: rt("fairHint") });
  fairLimit.setAttribute("aria-describedby", `${fairHint.id} ${fairError.id}`);
  const fair = el("div", { class: "field fair" },
    el("span", { class: "label", text: rt("fairLimit") }),
    el("div", { class: "row" }, fairLimit, el("span", { text: rt("fairWindow") }), fairWindow), fairHint, fairError);
  // Where the server's refusal of each setting shows.
  const errors = {
    max_assignment_limit: [max, maxField.error], requeue_after_minutes: [requeue, requeueField.error],
    fair_distribution_limit: [fairLimit, fairError], fair_distribution_window: [fairWindow, fairError],
    assignment_order: [mode, null], conversation_priority: [order, null],
  };
  const rules = el("div", { class: "assignment-rules" },
    hintedField(rt("mode"), mode, rt("modeHint")).node, maxField.node, fair, field(rt("queueOrder"), order), requeueField.node);
  const sync = () => rules.classList.toggle("off", !enabled.input.checked);
  enabled.input.addEventListener("change", sync);
  sync();

  const alert = alertBox();
  const status = statusBox();
  const button = el("button", { class: "primary", type: "submit", text: t("save") });
  const form = el("form", { class: "card assignment", "aria-label": rt("assignment"), novalidate: "" },
    el("h3", { text: rt("assignment") }), enabled.node, el("p", { class: "hint", text: rt("autoAssignmentHint") }), rules,
    alert, el("div", { class: "row" }, button, status));
  const clear = () => {
    clearErrors(form, alert);
    for (const [, line] of Object.values(errors)) if (line) line.textContent = "";
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear();
    button.disabled = true;
    try {
      const body = {
        enable_auto_assignment: enabled.input.checked,
        // Keys this card doesn't show are kept as they are.
        auto_assignment_config: {
          ...config,
          assignment_order: mode.value,
          conversation_priority: order.value,
          max_assignment_limit: numberOrNull(max),
          fair_distribution_limit: numberOrNull(fairLimit),
          fair_distribution_window: Number(fairWindow.value),
          requeue_after_minutes: numberOrNull(requeue),
        },
      };
      const updated = await api(`${apiBase()}/inboxes/${inbox.id}`, { method: "PATCH", json: body });
      Object.assign(config, (updated && updated.auto_assignment_config) || {});
      onSaved(updated);
      flash(status, t("saved"));
    } catch (err) {
      if (err instanceof Unauthorized) return signIn();
      // The server names the setting at the start of its message.
      const message = errorMessage(err);
      const hit = Object.entries(errors).find(([key]) => message.includes(key));
      if (hit) {
        const [control, line] = hit[1];
        control.setAttribute("aria-invalid", "true");
        if (line) {
          line.textContent = message;
          control.setAttribute("aria-errormessage", line.id);
        } else {
          alert.textContent = t("failed") + message;
        }
        control.focus();
      } else {
        alert.textContent = t("failed") + message;
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// Agents' own capacities by user id (administrators: GET /routing/queue).
export async function capacities() {
  const q = await api(`${apiBase()}/routing/queue`);
  return new Map(((q && q.agents) || []).map((a) => [a.id, a]));
}

// An agent's capacity in the agents list: a number (empty: no limit of
// their own) saved on Save or Enter; the load they hold beside it.
export function capacityCell(agent, name, row) {
  const input = numberInput("capacity", row ? row.capacity : null, rt("capacityOf", { name }));
  input.placeholder = rt("noLimit");
  input.classList.add("capacity");
  const error = el("p", { class: "error", role: "alert", id: uid("err") });
  const status = statusBox();
  const save = el("button", { type: "submit", text: t("save"), "aria-label": `${t("save")}: ${rt("capacityOf", { name })}` });
  const load = el("span", { class: "meta load", text: row ? `${rt("load")}: ${row.load}` : "" });
  const form = el("form", { class: "capacity-form", novalidate: "" }, input, save, status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    save.disabled = true;
    try {
      const value = input.value.trim();
      const updated = await api(`${apiBase()}/routing/agents/${agent.id}`, {
        method: "PATCH", json: { capacity: value === "" ? null : value },
      });
      input.value = input.defaultValue = updated.capacity == null ? "" : String(updated.capacity);
      load.textContent = `${rt("load")}: ${updated.load}`;
      flash(status, t("saved"));
    } catch (err) {
      if (err instanceof Unauthorized) return signIn();
      error.textContent = errorMessage(err);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-errormessage", error.id);
      input.focus();
    } finally {
      save.disabled = false;
    }
  });
  return el("td", { class: "capacity-cell" }, form, load, error);
}
