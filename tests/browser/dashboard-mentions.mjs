// Mentions and the bell: in a private note "@" offers the inbox's agents and
// the teams, and choosing one inserts Chatwoot's mention markup; the
// mentioned agent, signed in elsewhere, sees the bell count go up live,
// opens the panel, and the click opens the conversation and reads it;
// "Mark all read" reads the rest.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), SHOTS = env("SHOTS");
const EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT");
const AGENT_EMAIL = env("AGENT_EMAIL"), AGENT_PASSWORD = env("AGENT_PASSWORD"), AGENT_TOKEN = env("AGENT_TOKEN");
const AGENT_ID = Number(env("AGENT_ID")), AGENT_NAME = env("AGENT_NAME"), TEAM_NAME = env("TEAM_NAME");
const CONVERSATION = Number(env("CONVERSATION"));
const agentApi = accountApi(BASE, ACCOUNT, AGENT_TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}
async function until(what, f) {
  for (let i = 0; i < 100; i++) {
    const v = await f().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}`);
}

const browser = await launch();
try {
  const T = { timeout: 10000 };
  const errors = [];
  const admin = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" })).newPage();
  const agent = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" })).newPage();
  for (const p of [admin, agent]) p.on("pageerror", (e) => errors.push(e.message));

  step("the agent signs in: nothing on the bell");
  await signIn(agent, BASE, AGENT_EMAIL, AGENT_PASSWORD);
  const bell = agent.getByTestId("bell");
  await bell.waitFor(T);
  await agent.waitForTimeout(300);
  check(await bell.locator(".bell-count").isHidden(), "the bell shows a count before anything happened", await bell.textContent());

  step("the administrator writes a note and picks the agent after @");
  await signIn(admin, BASE, EMAIL, PASSWORD);
  await admin.locator(`button[data-conversation="${CONVERSATION}"]`).click();
  await admin.getByRole("button", { name: "Private note" }).click();
  const composer = admin.locator("#composer-input");
  await composer.click();
  await composer.pressSequentially(`Could you check, @${AGENT_NAME.slice(0, 3)}`);
  const options = admin.locator("#canned-list [role=option]");
  await options.first().waitFor(T);
  const offered = await options.allTextContents();
  check(offered.some((o) => o.includes(`@${AGENT_NAME}`)), "the agent is not offered", offered);
  await admin.keyboard.press("Enter");
  const value = await composer.inputValue();
  const markup = `[@${AGENT_NAME}](mention://user/${AGENT_ID}/${encodeURIComponent(AGENT_NAME)})`;
  check(value === `Could you check, ${markup} `, "the mention markup was not inserted", value);

  step("teams are offered too");
  await composer.pressSequentially(`and @${TEAM_NAME.slice(0, 4)}`);
  await options.first().waitFor(T);
  const teams = await options.allTextContents();
  // Team names are kept lower-case (as Chatwoot keeps them).
  check(teams.some((o) => o.toLowerCase().includes(`@${TEAM_NAME.toLowerCase()}`)), "the team is not offered", teams);
  await admin.keyboard.press("Tab");
  const withTeam = await composer.inputValue();
  check(/\[@[^\]]+\]\(mention:\/\/team\/\d+\/[^)]+\) $/.test(withTeam), "the team markup was not inserted", withTeam);
  await admin.keyboard.press("Enter");
  await admin.locator(".thread li.note").last().waitFor(T);
  await admin.screenshot({ path: `${SHOTS}/mention-note.png` });

  step("the agent's bell counts it, live");
  await until("the bell count", async () => (await bell.locator(".bell-count").textContent()) === "1" && await bell.locator(".bell-count").isVisible());
  check((await bell.getAttribute("aria-label")).includes("1"), "the bell's label does not say how many", await bell.getAttribute("aria-label"));

  step("the panel lists it; a click opens the conversation and reads it");
  await bell.click();
  const item = agent.locator(".bell-item").first();
  await item.waitFor(T);
  const title = await item.textContent();
  check(title.includes(`#${CONVERSATION}`) && title.includes(`@${AGENT_NAME}`), "the notification does not say what happened", title);
  check(await item.evaluate((n) => n.classList.contains("unread")), "the item is not marked unread", "");
  const fits = await agent.locator(".bell-panel").evaluate((p) => p.scrollWidth <= p.clientWidth);
  check(fits, "the notification's text runs out of the panel", "");
  await agent.screenshot({ path: `${SHOTS}/bell-panel.png` });
  await item.click();
  await agent.waitForURL(new RegExp(`#/conversations/${CONVERSATION}$`), T);
  await agent.locator(".thread li.note").last().waitFor(T);
  await until("read on the server", async () => (await agentApi("/notifications/unread_count")) === 0);
  await until("the count cleared", async () => await bell.locator(".bell-count").isHidden());

  step("mark all read");
  const adminApi = accountApi(BASE, ACCOUNT, TOKEN);
  await adminApi(`/conversations/${CONVERSATION}/messages`, { content: `Again, [@${AGENT_NAME}](mention://user/${AGENT_ID}/x)`, private: true });
  await until("the second notification", async () => (await bell.locator(".bell-count").textContent()) === "1" && await bell.locator(".bell-count").isVisible());
  await bell.click();
  const markAll = agent.getByRole("button", { name: "Mark all read" });
  await markAll.waitFor(T);
  await until("mark all read enabled", async () => !(await markAll.isDisabled()));
  await markAll.click();
  await until("the count cleared again", async () => await bell.locator(".bell-count").isHidden());
  await until("all read on the server", async () => (await agentApi("/notifications/unread_count")) === 0);
  check(await agent.locator(".bell-item.unread").count() === 0, "items still shown unread", "");
  check(await markAll.isDisabled(), "mark all read is offered with nothing unread", "");

  check(errors.length === 0, "page errors", errors);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
