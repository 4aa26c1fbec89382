// Automation rules in headless Chromium: an administrator builds a rule in
// Settings → Automation with two groups of conditions (all of the first, or
// the second) and two actions, checks it on a conversation with the dry
// run (each condition's verdict shown), switches it off and on, and sees a
// rule the server switched off for failing, with its reason. What was built
// is checked through the API.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), CONVERSATION = env("CONVERSATION");

const adminApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

const started = Date.now();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };

  step("sign in and open Settings → Automation");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "Automation" }).click();
  await page.getByRole("heading", { name: "Automation", level: 2 }).waitFor(T);
  const failing = page.locator("li[data-rule]", { hasText: "Old CRM" });
  await failing.locator(".rule-problem", { hasText: "Switched off: the agent left" }).waitFor(T);
  check(!(await failing.getByRole("checkbox", { name: "On" }).isChecked()), "a switched-off rule shows off", "");

  step("build a rule: (incoming and mentions refund) or mentions chargeback");
  const form = page.getByRole("form", { name: "New rule" });
  await form.getByLabel("Rule name").fill("Refunds");
  await form.getByLabel("When").selectOption("message_created");
  const first = form.locator(".rule-group").nth(0);
  await first.getByRole("button", { name: "Add condition" }).click();
  const rows = first.locator(".rule-row");
  await rows.nth(0).getByLabel("Attribute").fill("message_type");
  await rows.nth(0).getByLabel("Operator").selectOption("equal_to");
  await rows.nth(0).getByLabel("Values").fill("incoming");
  await rows.nth(1).getByLabel("Attribute").fill("content");
  await rows.nth(1).getByLabel("Operator").selectOption("contains");
  await rows.nth(1).getByLabel("Values").fill("refund");
  await form.getByRole("button", { name: "Add a group (or)" }).click();
  const second = form.locator(".rule-group").nth(1);
  await second.locator(".rule-row").nth(0).getByLabel("Attribute").fill("content");
  await second.locator(".rule-row").nth(0).getByLabel("Operator").selectOption("contains");
  await second.locator(".rule-row").nth(0).getByLabel("Values").fill("chargeback");
  const actions = form.locator(".rule-actions .rule-row");
  await actions.nth(0).getByLabel("Action").selectOption("add_label");
  await actions.nth(0).getByLabel("Value").fill("refund, billing");
  await form.getByRole("button", { name: "Add action" }).click();
  await actions.nth(1).getByLabel("Action").selectOption("change_priority");
  await actions.nth(1).getByLabel("Value").selectOption("high");
  await form.getByRole("button", { name: "Create" }).click();
  const made = page.locator("li[data-rule]", { hasText: "Refunds" });
  await made.waitFor(T);

  step("the rule as the API keeps it");
  const rules = (await adminApi("/automation_rules")).payload;
  const rule = rules.find((r) => r.name === "Refunds");
  check(rule && rule.event_name === "message_created" && rule.active, "the rule", rules);
  const ops = rule.conditions.map((c) => [c.attribute_key, c.filter_operator, c.values.join("|"), c.query_operator]);
  check(JSON.stringify(ops) === JSON.stringify([
    ["message_type", "equal_to", "incoming", "and"], ["content", "contains", "refund", "or"], ["content", "contains", "chargeback", null],
  ]), "groups stored as and / or", ops);
  check(JSON.stringify(rule.actions) === JSON.stringify([
    { action_name: "add_label", action_params: ["refund", "billing"] }, { action_name: "change_priority", action_params: ["high"] },
  ]), "the actions", rule.actions);

  step("the dry run on a conversation whose last message asks for a refund");
  await made.getByRole("button", { name: "Try on a conversation" }).click();
  const dry = made.getByRole("form", { name: "Try on a conversation" });
  await dry.getByLabel("Conversation number").fill(String(CONVERSATION));
  await dry.getByRole("button", { name: "Check" }).click();
  await dry.getByText("The rule would run and do:").waitFor(T);
  check(await dry.locator("li.held").count() === 2 && await dry.locator("li.not-held").count() === 1, "two conditions hold, one does not",
    await dry.locator(".dry-run").innerText());
  await page.screenshot({ path: `${SHOTS}/dashboard-automation.png` });

  step("switch it off and on again");
  await made.getByRole("checkbox", { name: "On" }).uncheck();
  await made.getByRole("status").filter({ hasText: "Rule saved" }).waitFor(T);
  check((await adminApi(`/automation_rules/${rule.id}`)).payload.active === false, "off", "");
  await failing.getByRole("checkbox", { name: "On" }).check();
  await failing.getByRole("status").filter({ hasText: "Rule saved" }).waitFor(T);
  check(await failing.locator(".rule-problem").isHidden(), "a rule switched on again starts clean", "");

  step("on a phone: the builder fits the screen");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, "no sideways scrolling at 390 px", String(overflow));
  await page.getByRole("form", { name: "New rule" }).getByLabel("Rule name").waitFor(T);

  check(!errors.length, "page errors", errors);
  console.log(JSON.stringify({ ok: true, ms: Date.now() - started }));
} finally {
  await browser.close();
}
