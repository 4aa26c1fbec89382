// Settings → Agents: the account's agents (role, presence, capacity, removal), the
// invitations still waiting for an answer (how the mail went, withdraw) and
// the form that invites someone. Names and passwords are each agent's own.

import { api, avatar, el, field } from "./lib.js";
import {
  agents, alertBox, apiBase, deleteControl, failure, flash, forgetAgents, formCard, load, profile, rowButtons,
  secretLine, signIn, skeletonTableRows, statusBox, t, timeNode,
} from "./settings-kit.js";
import { capacities, capacityCell } from "./settings-routing.js";
import { rt } from "./routing-text.js";

function presence(status) {
  const s = ["online", "busy", "offline"].includes(status) ? status : "offline";
  return el("span", { class: "agent-presence", "data-status": s }, el("span", { class: "presence-dot", "aria-hidden": "true" }), el("span", { text: t(s) }));
}

function roleSelect(value, label) {
  const select = el("select", { name: "role", "aria-label": label },
    el("option", { value: "agent", text: t("agent") }), el("option", { value: "administrator", text: t("administrator") }));
  select.value = value === "administrator" ? "administrator" : "agent";
  return select;
}

export async function agentsSection(host) {
  const me = profile() && profile().id;
  const body = el("tbody", { "aria-busy": "true" }, ...skeletonTableRows(6));
  const capacityHead = el("th", { scope: "col", text: rt("capacity"), title: rt("capacityHint") });
  const table = el("table", { class: "settings-table agents" },
    el("thead", {}, el("tr", {}, ...["name", "email", "role", "availability"].map((k) => el("th", { scope: "col", text: t(k) })),
      capacityHead, el("th", { scope: "col", text: t("actions") }))),
    body);
  let routing = new Map();
  function row(a) {
    const name = a.available_name || a.name;
    const self = a.id === me;
    const tr = el("tr", { "data-agent": String(a.id) });
    const alert = alertBox();
    const status = statusBox();
    let roleCell;
    if (self) {
      roleCell = el("td", {}, el("span", { text: t(a.role === "administrator" ? "administrator" : "agent") }));
    } else {
      const select = roleSelect(a.role, `${t("roleOf")} ${name}`);
      select.addEventListener("change", async () => {
        alert.textContent = "";
        const before = a.role;
        try {
          const updated = await api(`${apiBase()}/agents/${a.id}`, { method: "PATCH", json: { role: select.value } });
          a.role = updated.role;
          select.value = updated.role;
          flash(status, t("saved"));
        } catch (e) {
          select.value = before;
          failure(e, alert, null);
        }
      });
      roleCell = el("td", {}, select, status);
    }
    const nameCell = el("span", { class: "who" }, avatar(name, a.thumbnail || a.avatar_url, "sm"),
      el("span", { class: "agent-name", text: name }), self ? el("span", { class: "meta", text: `(${t("you")})` }) : null);
    let actions;
    if (self) {
      actions = el("span", { class: "meta", text: t("selfNote") });
    } else {
      actions = rowButtons(deleteControl(name, async () => {
        await api(`${apiBase()}/agents/${a.id}`, { method: "DELETE" });
        forgetAgents();
        tr.remove();
        host.querySelector("h2").focus();
      }, alert, { ask: "remove", confirm: "confirmRemove" }));
    }
    tr.append(el("td", {}, nameCell), el("td", { class: "email", text: a.email || "" }), roleCell,
      el("td", {}, presence(a.availability_status)), capacityCell(a, name, routing.get(a.id)), el("td", {}, actions, alert));
    return tr;
  }
  async function refresh() {
    const [all, caps] = await Promise.all([agents(true), capacities().catch(() => new Map())]);
    routing = caps;
    body.replaceChildren(...all.map(row));
  }

  // Pending invitations: who was asked, how the mail went, withdraw.
  const pendingBody = el("tbody", { "aria-busy": "true" }, ...skeletonTableRows(6));
  const pending = el("table", { class: "settings-table invitations" },
    el("thead", {}, el("tr", {}, ...["name", "email", "role", "mailStatus", "expires", "actions"].map((k) => el("th", { scope: "col", text: t(k) })))),
    pendingBody);
  function pendingRow(inv) {
    const alert = alertBox();
    const tr = el("tr", { "data-invitation": String(inv.id) });
    const st = inv.invitation || {};
    const mail = st.mail_status ? (st.mail_status === "sent" ? t("mail_sent") : st.mail_status) : (st.delivery === "link" ? t("mail_none") : t("mail_waiting"));
    const withdraw = deleteControl(inv.email, async () => {
      await api(`${apiBase()}/invitations/${inv.id}`, { method: "DELETE" });
      tr.remove();
      if (!pendingBody.children.length) pendingBody.append(noPending());
      host.querySelector("h2").focus();
    }, alert, { ask: "withdraw", confirm: "confirmWithdraw" });
    tr.append(el("td", { text: inv.name }), el("td", { class: "email", text: inv.email }),
      el("td", { text: t(inv.role === "administrator" ? "administrator" : "agent") }), el("td", { text: mail }),
      el("td", {}, st.expires_at ? timeNode(st.expires_at) : ""),
      el("td", {}, rowButtons(withdraw), alert));
    return tr;
  }
  const noPending = () => el("tr", { class: "empty" }, el("td", { colspan: "6", class: "meta", text: t("noInvitations") }));
  async function refreshPending() {
    const r = await api(`${apiBase()}/invitations`);
    const list = (r && r.payload) || [];
    pendingBody.replaceChildren(...(list.length ? list.map(pendingRow) : [noPending()]));
  }

  const name = el("input", { name: "name", autocomplete: "off" });
  const email = el("input", { name: "email", type: "email", autocomplete: "off" });
  const role = roleSelect("agent", t("role"));
  role.removeAttribute("aria-label");
  const linkBox = el("div", { class: "invitation-link" });
  const create = formCard(t("inviteAgent"), [
    el("h3", { text: t("inviteAgent") }),
    el("p", { class: "hint", text: t("inviteHint") }),
    el("div", { class: "grid2" }, field(t("name"), name), field(t("email"), email), field(t("role"), role)),
    linkBox,
  ], t("invite"), async (form) => {
    const json = { name: name.value.trim(), email: email.value.trim(), role: role.value };
    const inv = await api(`${apiBase()}/agents`, { method: "POST", json });
    form.reset();
    const url = inv.invitation && inv.invitation.invitation_url;
    linkBox.replaceChildren();
    if (url) {
      const line = secretLine(t("invitationLink").replace("{email}", inv.email), url, "invitation-url");
      line.node.append(el("p", { class: "hint", text: t("invitationLinkHint") }));
      linkBox.append(line.node);
      line.code.focus();
      line.code.select();
    }
    await refreshPending().catch(() => {});
    return url ? "" : t("invitationSent").replace("{email}", inv.email);
  });
  const wrap = el("div", { class: "table-wrap" }, table);
  host.replaceChildren(el("h2", { text: t("agents"), tabindex: "-1" }), el("p", { class: "meta", text: t("personNote") }),
    el("p", { class: "meta", text: rt("capacityHint") }), wrap,
    el("h3", { class: "table-title", text: t("pendingInvitations") }), el("div", { class: "table-wrap" }, pending), create.form);
  load(pendingBody, refreshPending, { columns: 6 }).catch(() => signIn());
  await load(body, refresh, { columns: 6 });
}
