// Settings → Teams: the account's teams, each with its details and members
// below it, and the form that creates one.

import { api, el, field } from "./lib.js";
import {
  alertBox, apiBase, checkbox, deleteControl, emptyRow, expander, focusForm, formCard, hinted, input, load,
  loadingList, membersForm, rowButtons, t, textarea,
} from "./settings-kit.js";

export async function teamsSection(host) {
  const list = loadingList({ "aria-label": t("teams") });
  let count = 0;
  function row(team) {
    const li = el("li", { "data-team": String(team.id) });
    const title = el("strong", { class: "name", text: team.name });
    const desc = el("span", { class: "meta desc", text: team.description || "" });
    const auto = el("span", { class: "badge", text: t(team.allow_auto_assign ? "autoOn" : "autoOff") });
    const edit = el("button", { type: "button", text: t("edit"), "aria-label": `${t("edit")} ${team.name}` });
    const alert = alertBox();
    const del = deleteControl(team.name, async () => {
      await api(`${apiBase()}/teams/${team.id}`, { method: "DELETE" });
      li.remove();
      if (!--count) list.replaceChildren(emptyRow(t("noTeams"), t("newTeam"), () => focusForm(create.form)));
      host.querySelector("h2").focus();
    }, alert);
    li.append(el("div", { class: "row" }, title, desc, auto, rowButtons(edit, del)), alert);
    expander(li, edit, () => {
      const name = input("name", team.name, { autocomplete: "off" });
      const description = textarea("description", team.description, 2);
      const autoBox = checkbox(t("autoAssign"), "allow_auto_assign", team.allow_auto_assign);
      const details = formCard(t("teamDetails"), [
        el("h3", { text: t("teamDetails") }), hinted(t("name"), name, t("teamHint")), field(t("description"), description), autoBox.node,
      ], t("save"), async () => {
        const updated = await api(`${apiBase()}/teams/${team.id}`, { method: "PATCH", json: { team: {
          name: name.value.trim(), description: description.value.trim(), allow_auto_assign: autoBox.input.checked,
        } } });
        Object.assign(team, updated);
        title.textContent = updated.name;
        name.value = updated.name;
        desc.textContent = updated.description || "";
        auto.textContent = t(updated.allow_auto_assign ? "autoOn" : "autoOff");
        edit.setAttribute("aria-label", `${t("edit")} ${updated.name}`);
        del.rename(updated.name);
        return t("saved");
      });
      const members = membersForm(
        () => api(`${apiBase()}/teams/${team.id}/team_members`),
        (ids) => api(`${apiBase()}/teams/${team.id}/team_members`, { method: "PATCH", json: { user_ids: ids } }),
      );
      return el("div", { class: "panel" }, details.form, el("div", { class: "side" }, members));
    });
    return li;
  }
  async function refresh() {
    const all = (await api(`${apiBase()}/teams`)) || [];
    count = all.length;
    list.replaceChildren(...all.map(row));
    if (!all.length) list.replaceChildren(emptyRow(t("noTeams"), t("newTeam"), () => focusForm(create.form)));
  }
  const name = el("input", { name: "name", autocomplete: "off" });
  const description = el("textarea", { name: "description", rows: "2" });
  const auto = checkbox(t("autoAssign"), "allow_auto_assign", true);
  const create = formCard(t("newTeam"), [
    el("h3", { text: t("newTeam") }), hinted(t("name"), name, t("teamHint")), field(t("description"), description), auto.node,
  ], t("create"), async (form) => {
    const team = await api(`${apiBase()}/teams`, { method: "POST", json: { team: {
      name: name.value.trim(), description: description.value.trim(), allow_auto_assign: auto.input.checked,
    } } });
    form.reset();
    auto.input.checked = true;
    if (!count++) list.replaceChildren();
    const li = row(team);
    list.append(li);
    return `${team.name}: ${t("saved")}`;
  });
  host.replaceChildren(el("h2", { text: t("teams"), tabindex: "-1" }), list, create.form);
  await load(list, refresh);
}
