// Settings → Bots in headless Chromium: an administrator adds a bot, makes
// it answer an inbox first, reads its token, and sees what was sent to it
// (a conversation of that inbox, written to while the test waits). Checked
// through the API.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), INBOX = Number(env("INBOX")), SINK = env("SINK");

const adminApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

async function post(path, body) {
  const r = await fetch(`${BASE}/api/v1/accounts/${ACCOUNT}${path}`, {
    method: "POST", headers: { api_access_token: TOKEN, "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

const started = Date.now();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };

  step("sign in and add a bot in Settings → Bots");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "Bots" }).click();
  await page.getByRole("heading", { name: "Bots", level: 2 }).waitFor(T);
  const form = page.getByRole("form", { name: "New bot" });
  await form.getByLabel("Bot name").fill("Greeter");
  await form.getByLabel("Its address (webhook URL)").fill(SINK);
  await form.getByRole("button", { name: "Create" }).click();
  const row = page.locator("li[data-bot]", { hasText: "Greeter" });
  await row.waitFor(T);

  step("it answers the Support inbox first");
  await row.getByRole("group", { name: "Answers first in" }).getByRole("checkbox", { name: "Support" }).check();
  await row.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  const attached = await adminApi(`/inboxes/${INBOX}/agent_bot`);
  check(attached.agent_bot && attached.agent_bot.name === "Greeter", "the inbox's bot", attached);

  step("its token, as the API shows it");
  await row.getByRole("button", { name: "Show the token" }).click();
  const token = row.locator("input.bot-token");
  await page.waitForFunction((el) => el.value.length > 0, await token.elementHandle(), T);
  const bot = await adminApi(`/agent_bots/${attached.agent_bot.id}`);
  check(await token.inputValue() === bot.access_token, "the token shown", "");

  step("a customer writes: the log shows what was sent");
  const contact = await post("/contacts", { name: "Carla", inbox_id: INBOX });
  const sourceId = contact.payload.contact_inbox.source_id;
  const conv = await post("/conversations", { inbox_id: INBOX, contact_id: contact.payload.contact.id, source_id: sourceId });
  check(conv.status === "pending", "the bot's first", conv);
  await post(`/conversations/${conv.id}/messages`, { content: "Hello bot", message_type: "incoming" });
  await row.getByRole("button", { name: "What was sent" }).click();
  await row.locator("table.log td", { hasText: "message_created" }).first().waitFor(T);
  await page.screenshot({ path: `${SHOTS}/dashboard-bots.png` });

  check(!errors.length, "page errors", errors);
  console.log(JSON.stringify({ ok: true, ms: Date.now() - started }));
} finally {
  await browser.close();
}
