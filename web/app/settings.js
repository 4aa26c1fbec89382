// Settings for administrators, one section at a time (#/settings/<section>):
// inboxes (a step-by-step "New inbox": channel, its form, members, then the
// embed code or what to set up on the platform; each inbox's settings,
// identity verification, working hours, members, the embed snippet, and a
// live preview of the website widget), agents, teams, labels, custom
// attributes, canned responses, webhooks (subscriptions, delivery log,
// re-send), automation rules (the rule builder, dry run, webhook log),
// agent bots (their inboxes, token, delivery log), SLA policies (with
// the breaches), satisfaction ratings and the account's auto-resolve.
//
// This module is the page shell and the routing between sections; each
// section is a module of its own (settings-<section>.js, the inboxes spread
// over settings-inbox-*.js), built from the form kit in settings-kit.js,
// which holds the words and the conventions all sections share.

import { el } from "./lib.js";
import { begin, t } from "./settings-kit.js";
import { inboxesSection } from "./settings-inboxes.js";
import { agentsSection } from "./settings-agents.js";
import { teamsSection } from "./settings-teams.js";
import { labelsSection } from "./settings-labels.js";
import { attributesSection } from "./settings-attributes.js";
import { cannedSection } from "./settings-canned.js";
import { webhooksSection } from "./settings-webhooks.js";
import { automationSection } from "./settings-automation.js";
import { botsSection } from "./settings-bots.js";
import { slaSection } from "./settings-sla.js";
import { accountSection } from "./settings-account.js";
import { csatSection } from "./settings-csat.js";

const SECTIONS = ["inboxes", "agents", "teams", "labels", "attributes", "canned", "webhooks", "automation", "bots", "sla", "csat", "account"];

const RENDER = {
  inboxes: inboxesSection, agents: agentsSection, teams: teamsSection,
  labels: labelsSection, attributes: attributesSection, canned: cannedSection, webhooks: webhooksSection,
  automation: automationSection, bots: botsSection, sla: slaSection, csat: csatSection, account: accountSection,
};

// Renders the settings screen into `container`; ctx carries the account's
// API base (ctx.base), the signed-in profile and the account; `section` is
// the word after #/settings/ (null: inboxes). Switching sections keeps the
// shell (and the focus on the sub-navigation) and replaces the section.
export async function render(container, ctx, section) {
  const current = SECTIONS.includes(section) ? section : "inboxes";
  begin(ctx);
  let shell = container.querySelector(":scope > .settings[data-settings]");
  if (!shell) {
    const links = SECTIONS.map((key) => el("a", { href: `#/settings/${key}`, "data-section": key, text: t(key) }));
    shell = el("div", { class: "settings has-nav", "data-settings": "" },
      el("h1", { text: t("settings") }),
      el("nav", { class: "settings-nav", "aria-label": t("sections") }, el("ul", {}, ...links.map((a) => el("li", {}, a)))),
      el("section", { class: "settings-section" }));
    container.replaceChildren(shell);
  }
  for (const a of shell.querySelectorAll(".settings-nav a")) {
    if (a.dataset.section === current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const host = el("section", { class: "settings-section", "aria-label": t(current), "data-section": current });
  shell.querySelector(":scope > .settings-section").replaceWith(host);
  await RENDER[current](host);
}
