// The routing screens in headless Chromium, driven by clicks and checked
// through the API: an inbox set to balanced with a capacity per agent (a
// refused value shows next to its field), an agent's own capacity, the
// administrators' Queue (a waiting conversation whose wait ticks, an agent's
// load, updated live when the conversation is assigned), the conversation's
// decision log (an agent passed over, and why), the Queue on a phone, and no
// Queue for an agent.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const AGENT_EMAIL = env("AGENT_EMAIL"), AGENT_PASSWORD = env("AGENT_PASSWORD"), AGENT = Number(env("AGENT"));
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), INBOX = Number(env("INBOX"));
const CONVERSATION = env("CONVERSATION"), OTHER = env("OTHER_CONVERSATION");
const adminApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

// Polls the API until `test(value)` holds (the UI may still be saving).
async function eventually(path, test, what) {
  let last;
  for (let i = 0; i < 50; i++) {
    last = await adminApi(path);
    if (test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: ${JSON.stringify(last)}`);
}

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };

  step("sign in; Settings → Inboxes → Support: the Assignment card");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.getByRole("navigation", { name: "Views" }).getByRole("link", { name: "Settings" }).click();
  await page.getByRole("button", { name: "Edit Support" }).click();
  const card = page.getByRole("form", { name: "Assignment" });
  await card.waitFor(T);
  check(await card.getByLabel("Assign new conversations automatically").isChecked(), "auto-assignment is on by default", "");
  await card.getByLabel("Mode").selectOption("balanced");
  const max = card.getByLabel("Open conversations per agent in this inbox");

  step("a capacity the server refuses shows its reason next to the field");
  await max.fill("0");
  await card.getByRole("button", { name: "Save" }).click();
  const maxError = card.locator('.field:has(input[name="max_assignment_limit"]) .field-error');
  await maxError.filter({ hasText: "max_assignment_limit" }).waitFor(T);
  check(await max.getAttribute("aria-invalid") === "true", "the refused field is marked", "");
  const refused = await adminApi(`/inboxes/${INBOX}`);
  check(refused.auto_assignment_config.assignment_order !== "balanced", "a refused form saved anyway", refused.auto_assignment_config);

  step("balanced with two per agent is saved");
  await max.fill("2");
  await card.getByLabel("Back to the queue after (minutes without a reply)").fill("30");
  await card.getByRole("button", { name: "Save" }).click();
  await card.locator(".saved", { hasText: "Saved" }).waitFor(T);
  await card.screenshot({ path: `${SHOTS}/routing-assignment.png` });
  check(await maxError.textContent() === "", "the error stays after a good save", await maxError.textContent());
  check(await max.getAttribute("aria-invalid") === null, "the field stays marked", "");
  await eventually(`/inboxes/${INBOX}`, (i) => i.auto_assignment_config.assignment_order === "balanced"
    && i.auto_assignment_config.max_assignment_limit === 2 && i.auto_assignment_config.requeue_after_minutes === 30
    && i.enable_auto_assignment === true, "the inbox's assignment settings");

  step("Settings → Agents: Bob's own capacity");
  await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "Agents" }).click();
  const capacity = page.getByLabel("Capacity of Bob Agent", { exact: true });
  await capacity.waitFor(T);
  check(await capacity.inputValue() === "", "no capacity at first", await capacity.inputValue());
  await capacity.fill("0");
  await page.getByRole("button", { name: "Save: Capacity of Bob Agent" }).click();
  await page.locator(`tr[data-agent="${AGENT}"] .capacity-cell .error`, { hasText: "between 1 and 10000" }).waitFor(T);
  await capacity.fill("3");
  await page.getByRole("button", { name: "Save: Capacity of Bob Agent" }).click();
  await page.locator(`tr[data-agent="${AGENT}"] .capacity-cell .saved`, { hasText: "Saved" }).waitFor(T);
  await eventually("/routing/queue", (q) => q.agents.some((a) => a.id === AGENT && a.capacity === 3), "Bob's capacity");
  // Shown in the list when it is loaded again.
  await page.reload();
  await page.getByLabel("Capacity of Bob Agent", { exact: true }).waitFor(T);
  check(await page.getByLabel("Capacity of Bob Agent", { exact: true }).inputValue() === "3", "the list shows the capacity", "");

  step("the Queue: both conversations wait, their wait ticks; Bob is offline with 0 / 3");
  await page.getByRole("navigation", { name: "Views" }).getByRole("link", { name: "Queue" }).click();
  await page.getByRole("heading", { name: "Queue", level: 1 }).waitFor(T);
  const waitingRow = page.locator(`.queue-waiting li[data-conversation="${CONVERSATION}"]`);
  await waitingRow.waitFor(T);
  await page.locator(`.queue-waiting li[data-conversation="${OTHER}"]`).waitFor(T);
  check((await waitingRow.textContent()).includes("Support"), "the row names its inbox", await waitingRow.textContent());
  const waited = waitingRow.locator(".waited");
  const before = await waited.textContent();
  check(/^waiting \d/.test(before), "the wait is written out", before);
  await page.waitForFunction(([sel, was]) => document.querySelector(sel)?.textContent !== was,
    [`.queue-waiting li[data-conversation="${CONVERSATION}"] .waited`, before], T);
  const bobRow = page.locator(`.queue-agents li[data-agent="${AGENT}"]`);
  await bobRow.locator(".load", { hasText: "0 / 3" }).waitFor(T);
  check((await bobRow.locator(".agent-presence").textContent()).includes("Offline"), "Bob shows offline", await bobRow.textContent());
  await page.screenshot({ path: `${SHOTS}/queue.png` });

  step("assigned elsewhere: the Queue follows live (no reload, before the slow poll)");
  const t0 = Date.now();
  await adminApi(`/conversations/${CONVERSATION}/assignments`, { assignee_id: AGENT });
  await waitingRow.waitFor({ state: "detached", timeout: 8000 });
  await bobRow.locator(".load", { hasText: "1 / 3" }).waitFor({ timeout: 8000 });
  check(Date.now() - t0 < 15000, "the Queue waited for its poll", Date.now() - t0);
  await page.locator(`.queue-waiting li[data-conversation="${OTHER}"]`).waitFor(T);

  step("the decision log: Bob was passed over because he was offline");
  await page.goto(`${BASE}/app/#/conversations/${OTHER}`);
  const panel = page.locator(".contact-panel");
  await panel.waitFor({ state: "visible", ...T });
  const routing = panel.locator("details.routing");
  check(!(await routing.evaluate((d) => d.open)), "the Routing section starts collapsed", "");
  await routing.locator("summary").click();
  const decision = routing.locator('.routing-log > li[data-outcome="waiting"]').first();
  await decision.waitFor(T);
  const skippedBob = decision.locator(`.skipped li[data-agent="${AGENT}"]`);
  await skippedBob.waitFor(T);
  const said = await skippedBob.textContent();
  check(said.includes("Bob Agent") && said.includes("offline"), "Bob's reason in plain words", said);
  check((await decision.textContent()).includes("Waiting"), "the outcome in words", await decision.textContent());
  await panel.locator(".routing-section").screenshot({ path: `${SHOTS}/routing-log.png` });
  check(errors.length === 0, "the page threw", errors);
  await context.close();

  step("the Queue on a phone: no sideways scrolling");
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, locale: "en-US" });
  const small = await phone.newPage();
  small.on("pageerror", (e) => errors.push(e.message));
  await signIn(small, BASE, EMAIL, PASSWORD);
  await small.getByRole("navigation", { name: "Views" }).getByRole("link", { name: "Queue" }).tap();
  await small.locator(`.queue-waiting li[data-conversation="${OTHER}"]`).waitFor(T);
  await small.locator(`.queue-agents li[data-agent="${AGENT}"] .load`, { hasText: "1 / 3" }).waitFor(T);
  const width = await small.evaluate(() => document.documentElement.scrollWidth);
  const wide = width <= 390 ? [] : await small.evaluate(() => [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > 391 && e.getClientRects().length)
    .slice(0, 8).map((e) => `${e.tagName.toLowerCase()}.${e.className}:${Math.round(e.getBoundingClientRect().right)}`));
  check(width <= 390, `the Queue is wider than the screen (${width}px)`, wide);
  const bar = await small.locator(".shell > header").boundingBox();
  check(bar && bar.height <= 100, "the top bar is taller than two rows", bar);
  await small.screenshot({ path: `${SHOTS}/queue-phone.png` });
  await phone.close();

  step("an agent has no Queue: neither the entry nor the address");
  const agentContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  const agentPage = await agentContext.newPage();
  agentPage.on("pageerror", (e) => errors.push(e.message));
  await signIn(agentPage, BASE, AGENT_EMAIL, AGENT_PASSWORD);
  await agentPage.getByRole("navigation", { name: "Views" }).getByRole("link", { name: "Contacts" }).waitFor(T);
  check(await agentPage.getByRole("link", { name: "Queue" }).count() === 0, "an agent sees a Queue entry", "");
  check(await agentPage.locator(".side-queue").count() === 0, "an agent sees the Queue among the folders", "");
  await agentPage.goto(`${BASE}/app/#/queue`);
  await agentPage.locator(".list-column").waitFor({ state: "visible", ...T });
  check(await agentPage.locator(".queue-page").count() === 0, "an agent reaches the Queue by its address", "");
  await agentContext.close();
  check(errors.length === 0, "the page threw", errors);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
