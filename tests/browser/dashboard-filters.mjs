// The filter builder: "status is open AND priority is urgent OR label is
// vip" built row by row and applied; the list shows exactly what the filter
// endpoint answers for the payload the builder sent. Saved as a view it
// comes back after a reload; edited and saved, the view changes; a value
// the server refuses shows beside its condition; Escape closes and returns
// the focus; a custom attribute filters; on a phone (in Russian) the
// builder is a full-screen sheet.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT");
const EXPECT_URGENT = env("EXPECT_URGENT"), EXPECT_HIGH = env("EXPECT_HIGH"), EXPECT_GOLD = env("EXPECT_GOLD");
const OPEN_COUNT = Number(env("OPEN_COUNT"));
const agentApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}
async function until(what, f) {
  let last;
  for (let i = 0; i < 100; i++) {
    last = await f().catch((e) => e.message);
    if (last === true) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what} (last: ${JSON.stringify(last)})`);
}
const sorted = (ids) => [...ids].map(Number).sort((a, b) => a - b).join(",");

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };
  const cards = page.locator(".list button[data-conversation]");
  const shown = async () => sorted(await cards.evaluateAll((bs) => bs.map((b) => b.dataset.conversation)));
  const listIs = (what, want) => until(what, async () => (await shown()) === want || `${await shown()} != ${want}`);
  const dialog = page.getByRole("dialog", { name: "Filter conversations" });
  const field = (label) => dialog.getByLabel(label, { exact: true });
  const focused = () => page.evaluate(() => document.activeElement && (document.activeElement.getAttribute("aria-label") || document.activeElement.textContent));
  const chip = page.locator(".filter-chip");
  const editFilter = chip.getByRole("button", { name: "Edit filter" });

  step("sign in: the open conversations; the builder starts from what the list shows");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await until("the open conversations", async () => (await cards.count()) === OPEN_COUNT);
  const filterButton = page.getByRole("button", { name: "Filter", exact: true });
  await filterButton.click();
  await dialog.waitFor(T);
  check(await focused() === "Condition 1 attribute", "the first condition takes the focus", await focused());
  check(await field("Condition 1 attribute").inputValue() === "s:status", "condition 1 is the status", await field("Condition 1 attribute").inputValue());
  check(await field("Condition 1 operator").inputValue() === "equal_to", "condition 1 is 'is'", "");
  check(await field("Condition 1 value").inputValue() === "open", "condition 1 is open", await field("Condition 1 value").inputValue());
  check(await dialog.getByRole("button", { name: "Remove condition 1" }).isDisabled(), "the only condition cannot be removed", "");

  step("status is open AND priority is urgent OR label is vip");
  await dialog.getByRole("button", { name: "Add condition" }).click();
  check(await focused() === "Condition 2 attribute", "the new condition takes the focus", await focused());
  await field("Condition 2 attribute").selectOption({ label: "Priority" });
  await field("Condition 2 value").selectOption("urgent");
  await dialog.getByRole("button", { name: "Add condition" }).click();
  check(await focused() === "Condition 3 attribute", "the third condition takes the focus", await focused());
  await field("Condition 3 attribute").selectOption({ label: "Labels" });
  await field("Condition 3 value").selectOption("vip");
  check(await field("How conditions 1 and 2 combine").inputValue() === "and", "AND by default", "");
  await field("How conditions 2 and 3 combine").selectOption("or");
  // The custom attributes are offered in their own group.
  const customs = await field("Condition 3 attribute").locator("optgroup[label='Custom attributes'] option").allTextContents();
  check(customs.includes("Plan"), "the custom attribute is offered", customs);
  await page.screenshot({ path: `${SHOTS}/dashboard-filter-builder.png` });

  step("apply: the list shows exactly the server's answer to the payload sent");
  const sent = page.waitForRequest((r) => r.url().includes("/conversations/filter") && r.method() === "POST");
  await dialog.getByRole("button", { name: "Apply" }).click();
  const body = (await sent).postDataJSON();
  const shape = body.payload.map((c) => [c.attribute_key, c.filter_operator, c.values, c.query_operator]);
  check(JSON.stringify(shape) === JSON.stringify([["status", "equal_to", ["open"], "and"], ["priority", "equal_to", ["urgent"], "or"], ["labels", "equal_to", ["vip"], null]]),
    "the builder's payload", shape);
  const answer = await agentApi("/conversations/filter?page=1", body);
  check(sorted(answer.payload.map((c) => c.id)) === EXPECT_URGENT, "the server reads (open and urgent) or vip", answer.payload.map((c) => c.id));
  await dialog.waitFor({ state: "hidden", ...T });
  await listIs("the filtered list", EXPECT_URGENT);
  const chipText = await chip.textContent();
  check(chipText.includes("Filter: Status is Open and Priority is Urgent or Labels is vip"), "the header says a filter is on", chipText);
  check(await page.getByRole("button", { name: "Show all conversations" }).isVisible(), "the filter can be cleared", "");

  step("save it as a view: the sidebar lists it, selected");
  await editFilter.click();
  await dialog.waitFor(T);
  check(await dialog.getByRole("group").count() === 3, "the builder reopens with the three conditions", await dialog.getByRole("group").count());
  await field("View name").fill("Urgent or VIP");
  await dialog.getByRole("button", { name: "Save as view" }).click();
  await dialog.waitFor({ state: "hidden", ...T });
  const viewButton = page.locator(".sidebar").getByRole("button", { name: "Urgent or VIP", exact: true });
  await until("the view selected in the sidebar", async () => (await viewButton.getAttribute("aria-pressed")) === "true");
  await listIs("the saved view's list", EXPECT_URGENT);

  step("reload, open the view: the same list");
  await page.reload();
  await until("the open conversations again", async () => (await cards.count()) === OPEN_COUNT);
  await viewButton.click();
  await listIs("the view after a reload", EXPECT_URGENT);

  step("edit the view: priority high instead of urgent, saved");
  await editFilter.click();
  await dialog.waitFor(T);
  check(await field("Condition 1 value").inputValue() === "open", "condition 1 reloaded", "");
  check(await field("Condition 2 attribute").inputValue() === "s:priority", "condition 2 reloaded", await field("Condition 2 attribute").inputValue());
  check(await field("Condition 2 value").inputValue() === "urgent", "condition 2's value reloaded", "");
  check(await field("Condition 3 value").inputValue() === "vip", "condition 3 reloaded", "");
  check(await field("How conditions 2 and 3 combine").inputValue() === "or", "the OR reloaded", "");
  check(await field("View name").inputValue() === "Urgent or VIP", "the view's name", "");
  await field("Condition 2 value").selectOption("high");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await dialog.waitFor({ state: "hidden", ...T });
  await listIs("the edited view", EXPECT_HIGH);
  await page.reload();
  await until("the open conversations once more", async () => (await cards.count()) === OPEN_COUNT);
  await viewButton.click();
  await listIs("the edited view after a reload", EXPECT_HIGH);
  check(await page.locator(".sidebar").getByRole("button", { name: "Urgent or VIP", exact: true }).count() === 1, "one view, changed in place", "");

  step("a value the server refuses shows beside its condition");
  await editFilter.click();
  await dialog.waitFor(T);
  await dialog.getByRole("button", { name: "Add condition" }).click();
  check(await focused() === "Condition 4 attribute", "the fourth condition takes the focus", await focused());
  await field("Condition 4 attribute").selectOption({ label: "Created" });
  await field("Condition 4 operator").selectOption("days_before");
  await field("Condition 4 value").fill("99999");
  await dialog.getByRole("button", { name: "Apply" }).click();
  const row4 = dialog.getByRole("group", { name: "Condition 4" });
  await row4.locator(".fb-row-error").filter({ hasText: "This value isn't accepted for this attribute." }).waitFor(T);
  check(await field("Condition 4 value").getAttribute("aria-invalid") === "true", "the refused value is marked", "");
  const describedBy = await field("Condition 4 value").getAttribute("aria-describedby");
  check(await row4.locator(`[id="${describedBy}"]`).count() === 1, "the reason is tied to the value", describedBy);
  check(await dialog.locator(".fb-row-error:not(:empty)").count() === 1, "only condition 4 is refused", await dialog.locator(".fb-row-error:not(:empty)").allTextContents());
  check(await dialog.isVisible(), "the builder stays open", "");
  await listIs("the list unchanged", EXPECT_HIGH);
  await dialog.getByRole("button", { name: "Remove condition 4" }).click();
  check(await dialog.getByRole("group").count() === 3, "condition 4 removed", await dialog.getByRole("group").count());
  check(await focused() === "Condition 3 attribute", "the focus moves to the condition before", await focused());

  step("Escape closes the builder and gives the focus back");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden", ...T });
  check(await focused() === "Edit filter", "the focus returns to Edit filter", await focused());
  await listIs("the view still shown", EXPECT_HIGH);

  step("a conversation custom attribute: plan is Gold");
  await page.getByRole("button", { name: "Show all conversations" }).click();
  await until("the open conversations after clearing", async () => (await cards.count()) === OPEN_COUNT);
  check(await chip.isHidden(), "no filter shown after clearing", "");
  await filterButton.click();
  await dialog.waitFor(T);
  await field("Condition 1 attribute").selectOption({ label: "Plan" });
  check(await field("Condition 1 value").evaluate((n) => n.tagName) === "SELECT", "a list attribute is chosen from its values", "");
  await field("Condition 1 value").selectOption("Gold");
  const sentGold = page.waitForRequest((r) => r.url().includes("/conversations/filter") && r.method() === "POST");
  await dialog.getByRole("button", { name: "Apply" }).click();
  const gold = (await sentGold).postDataJSON().payload[0];
  check(gold.attribute_key === "plan" && gold.custom_attribute_type === "conversation_attribute", "sent as a custom attribute", gold);
  await dialog.waitFor({ state: "hidden", ...T });
  await listIs("the Gold plan", EXPECT_GOLD);
  check(errors.length === 0, "the page threw", errors);

  step("a phone, in Russian: the builder is a full-screen sheet");
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, locale: "en-US" });
  const p = await phone.newPage();
  p.on("pageerror", (e) => errors.push(e.message));
  await signIn(p, BASE, EMAIL, PASSWORD);
  await p.locator(".list button[data-conversation]").first().waitFor(T);
  await p.evaluate(() => localStorage.setItem("sb:locale", "ru"));
  await p.reload();
  await p.locator(".list button[data-conversation]").first().waitFor(T);
  await p.getByRole("button", { name: "Фильтр", exact: true }).click();
  const sheet = p.getByRole("dialog", { name: "Фильтр разговоров" });
  await sheet.waitFor(T);
  await sheet.getByRole("button", { name: "Добавить условие" }).click();
  await sheet.getByLabel("Условие 2: атрибут", { exact: true }).selectOption({ label: "Приоритет" });
  const box = await sheet.boundingBox();
  check(box && box.x <= 0.5 && box.y <= 0.5 && box.width >= 389 && box.height >= 843, "the builder fills the phone's screen", box);
  const wide = await p.evaluate(() => [...document.querySelectorAll(".fb *")].filter((e) => e.getBoundingClientRect().right > 391).map((e) => e.className));
  check(wide.length === 0, "nothing in the builder is wider than the screen", wide);
  await p.screenshot({ path: `${SHOTS}/phone-filter-builder.png` });
  await p.keyboard.press("Escape");
  await sheet.waitFor({ state: "hidden", ...T });
  await phone.close();
  check(errors.length === 0, "the page threw", errors);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
