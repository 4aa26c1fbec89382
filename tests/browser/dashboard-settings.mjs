// Settings in headless Chromium: an administrator creates a website inbox and
// copies its snippet, creates a webhook, reads its delivery log and re-sends
// a delivery. Also saves the dark-theme screenshot.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), CONVERSATION = env("CONVERSATION"), SINK = env("SINK");

const agentApi = accountApi(BASE, ACCOUNT, TOKEN);

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));

  step("sign in and open Settings");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor({ timeout: 10000 });

  step("create a website inbox and copy its snippet");
  const inboxForm = page.getByRole("form", { name: "New website inbox" });
  await inboxForm.getByLabel("Name").fill("Docs site");
  await inboxForm.getByLabel("Website URL").fill("https://docs.example");
  await inboxForm.getByLabel("Welcome title").fill("Hi there");
  await inboxForm.getByLabel(/Allowed domains/).fill("docs.example");
  await inboxForm.getByRole("button", { name: "Create" }).click();
  const snippet = inboxForm.locator(".created pre");
  await snippet.waitFor({ timeout: 10000 });
  const script = await snippet.textContent();
  if (!script.includes(`${BASE}/widget.js`) || !/data-website-token="[^"]+"/.test(script)) throw new Error(`snippet: ${script}`);
  await inboxForm.locator(".created").getByRole("button", { name: "Copy" }).click();
  await inboxForm.locator(".created").getByRole("status").filter({ hasText: "Copied" }).waitFor({ timeout: 5000 });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  if (copied !== script) throw new Error(`clipboard holds ${copied}`);
  const inboxes = (await agentApi("/inboxes")).payload;
  const made = inboxes.find((i) => i.name === "Docs site");
  if (!made || made.welcome_title !== "Hi there" || made.channel_type !== "Channel::WebWidget") throw new Error(`inbox: ${JSON.stringify(made)}`);

  step("a bad webhook address is refused inline");
  const hookForm = page.getByRole("form", { name: "New webhook" });
  await hookForm.getByLabel("URL").fill("ftp://nowhere");
  await hookForm.getByRole("button", { name: "Create" }).click();
  await hookForm.getByRole("alert").filter({ hasText: "Couldn't save" }).waitFor({ timeout: 5000 });

  step("create a webhook; a message is delivered and shows in its log; re-send queues it again");
  await hookForm.getByLabel("URL").fill(SINK);
  await hookForm.getByRole("button", { name: "Create" }).click();
  const hookRow = page.locator("li[data-webhook]", { hasText: SINK });
  await hookRow.waitFor({ timeout: 10000 });
  await agentApi(`/conversations/${CONVERSATION}/messages`, { content: "Ping the webhook", message_type: "incoming" });
  const hookId = await hookRow.getAttribute("data-webhook");
  for (let i = 0; ; i++) {
    const d = (await agentApi(`/webhooks/${hookId}/deliveries`)).payload;
    if (d.some((x) => x.event === "message_created" && x.last_status === 200)) break;
    if (i > 100) throw new Error(`no delivery: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await hookRow.getByRole("button", { name: "Delivery log" }).click();
  const row = hookRow.locator("tr[data-delivery]", { hasText: "message_created" }).first();
  await row.waitFor({ timeout: 10000 });
  if (!(await row.textContent()).includes("200")) throw new Error(`log row: ${await row.textContent()}`);
  await row.getByRole("button", { name: "Re-send" }).click();
  await hookRow.getByRole("status").filter({ hasText: "Queued again" }).waitFor({ timeout: 5000 });
  await page.waitForFunction(() => document.querySelectorAll("li[data-webhook] tr[data-delivery]").length >= 2, null, { timeout: 10000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-settings.png`, fullPage: true });

  step("the dark theme");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByRole("link", { name: "Conversations" }).click();
  await page.locator(`button[data-conversation="${CONVERSATION}"]`).click();
  await page.locator(".thread li.in", { hasText: "Ping the webhook" }).waitFor({ timeout: 10000 });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  if (bg !== "rgb(17, 19, 23)") throw new Error(`dark background is ${bg}`);
  await page.screenshot({ path: `${SHOTS}/dashboard-dark.png` });

  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
