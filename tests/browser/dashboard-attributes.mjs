// Custom attributes in headless Chromium: an administrator defines a list,
// a date and a text attribute with a pattern in Settings (a list without
// values is refused inline), then sets them on a contact in the contact
// panel beside a conversation: the list as a select, the date through a
// date input shown in the interface language, the text checked against its
// pattern with the cue shown; a conversation checkbox is ticked. Every value
// is checked through the API.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), CONVERSATION = env("CONVERSATION"), CONTACT = env("CONTACT");

const agentApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

async function eventually(path, test, what) {
  let last;
  for (let i = 0; i < 50; i++) {
    last = await agentApi(path);
    if (test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: ${JSON.stringify(last)}`);
}

const started = Date.now();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };

  step("sign in and open Settings → Custom attributes");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "Custom attributes" }).click();
  await page.getByRole("heading", { name: "Custom attributes", level: 2 }).waitFor(T);
  const switchGroup = page.getByRole("group", { name: "Attributes of" });
  check(await switchGroup.getByRole("button", { name: "Contact" }).getAttribute("aria-pressed") === "true", "contact attributes first", "");
  await page.locator(".empty-row", { hasText: "No contact attributes yet" }).waitFor(T);

  const form = page.getByRole("form", { name: "New custom attribute" });
  step("a list without values is refused inline");
  await form.getByLabel("Display name").fill("Plan");
  check(await form.getByLabel("Key").inputValue() === "plan", "the key follows the name", await form.getByLabel("Key").inputValue());
  await form.getByLabel("Type").selectOption("list");
  await form.getByRole("button", { name: "Create" }).click();
  await form.getByRole("alert").filter({ hasText: "A list needs at least one value" }).waitFor(T);
  check(await form.getByLabel("List values").getAttribute("aria-invalid") === "true", "the values box is marked invalid", "");

  step("create a list attribute");
  await form.getByLabel("List values").fill("Gold\nSilver\n\nBronze");
  await form.getByRole("button", { name: "Create" }).click();
  await page.locator('li[data-key="plan"]', { hasText: "List · 3 values" }).waitFor(T);

  step("create a date attribute and a text attribute with a pattern");
  await form.getByLabel("Display name").fill("Renewal date");
  await form.getByLabel("Type").selectOption("date");
  check(await form.getByLabel("List values").isHidden(), "no list values for a date", "");
  await form.getByRole("button", { name: "Create" }).click();
  await page.locator('li[data-key="renewal_date"]', { hasText: "Date" }).waitFor(T);
  await form.getByLabel("Display name").fill("Order code");
  await form.getByLabel("Type").selectOption("text");
  await form.getByLabel("Validation pattern").fill("^[A-Z]{2}[0-9]{4}$");
  await form.getByLabel("Hint shown when the value does not match").fill("Two capital letters, then four digits");
  await form.getByRole("button", { name: "Create" }).click();
  await page.locator('li[data-key="order_code"]').waitFor(T);
  const defs = await agentApi("/custom_attribute_definitions?attribute_model=contact_attribute");
  const byKey = Object.fromEntries(defs.map((d) => [d.attribute_key, d]));
  check(byKey.plan && byKey.plan.attribute_display_type === "list"
    && JSON.stringify(byKey.plan.attribute_values) === JSON.stringify(["Gold", "Silver", "Bronze"]), "the list definition", defs);
  check(byKey.renewal_date && byKey.renewal_date.attribute_display_type === "date", "the date definition", defs);
  check(byKey.order_code && byKey.order_code.regex_pattern === "^[A-Z]{2}[0-9]{4}$"
    && byKey.order_code.regex_cue === "Two capital letters, then four digits", "the text definition", defs);

  step("edit a definition's name in place");
  await page.getByRole("button", { name: "Edit Order code" }).click();
  const details = page.getByRole("form", { name: "Custom attribute", exact: true });
  check(await details.getByLabel("Key").getAttribute("readonly") !== null, "the key is fixed", "");
  await details.getByLabel("Display name").fill("Order reference");
  await details.getByRole("button", { name: "Save" }).click();
  await page.locator('li[data-key="order_code"] .name', { hasText: "Order reference" }).waitFor(T);

  step("a conversation checkbox, made through the API, shows under Conversation");
  await agentApi("/custom_attribute_definitions", {
    attribute_display_name: "Escalated", attribute_key: "escalated", attribute_display_type: "checkbox", attribute_model: 0,
  });
  await switchGroup.getByRole("button", { name: "Conversation" }).click();
  await page.locator('li[data-key="escalated"]').waitFor(T);
  check(await page.locator('li[data-key="plan"]').count() === 0, "contact attributes are not listed under Conversation", "");
  await page.screenshot({ path: `${SHOTS}/dashboard-settings-attributes.png`, fullPage: true });

  step("open the conversation: the panel lists the defined attributes");
  await page.goto(`${BASE}/app#/conversations/${CONVERSATION}`);
  const panel = page.getByRole("complementary", { name: "Contact details" });
  const attrs = panel.locator('dl.attrs[aria-label="Contact attributes"]');
  await attrs.locator('.attr[data-key="plan"]').waitFor(T);
  // The contact's older, undefined attribute still shows as text.
  await attrs.locator('.attr[data-key="legacy_id"] .attr-value', { hasText: "L-77" }).waitFor(T);

  step("choose a plan from the list");
  await attrs.getByRole("button", { name: "Edit Plan" }).click();
  const planSelect = attrs.getByRole("combobox", { name: "Plan" });
  const options = await planSelect.locator("option").allTextContents();
  check(JSON.stringify(options.slice(1)) === JSON.stringify(["Gold", "Silver", "Bronze"]), "the list's choices", options);
  await planSelect.selectOption("Silver");
  await attrs.getByRole("button", { name: "Save" }).click();
  await attrs.locator('.attr[data-key="plan"] .attr-value', { hasText: "Silver" }).waitFor(T);

  step("set the renewal date through a date input; it shows in the interface language");
  await attrs.getByRole("button", { name: "Edit Renewal date" }).click();
  const dateInput = attrs.locator('.attr[data-key="renewal_date"] input[type="date"]');
  await dateInput.fill("2027-03-01");
  await attrs.getByRole("button", { name: "Save" }).click();
  await attrs.locator('.attr[data-key="renewal_date"] .attr-value', { hasText: "Mar 1, 2027" }).waitFor(T);

  step("a value that does not match the pattern shows the cue and is not saved");
  await attrs.getByRole("button", { name: "Edit Order reference" }).click();
  const code = attrs.getByRole("textbox", { name: "Order reference" });
  await code.fill("ab12");
  await code.press("Enter");
  await attrs.getByRole("alert").filter({ hasText: "Two capital letters, then four digits" }).waitFor(T);
  check(await code.getAttribute("aria-invalid") === "true", "the value is marked invalid", "");
  check(!("order_code" in (await agentApi(`/contacts/${CONTACT}`)).payload.custom_attributes), "nothing saved", "");
  await code.fill("AB1234");
  await code.press("Enter");
  await attrs.locator('.attr[data-key="order_code"] .attr-value', { hasText: "AB1234" }).waitFor(T);

  step("the values reached the contact, with their types");
  const contact = await eventually(`/contacts/${CONTACT}`, (r) => r.payload.custom_attributes.order_code === "AB1234", "contact attributes");
  const ca = contact.payload.custom_attributes;
  check(ca.plan === "Silver" && ca.renewal_date === "2027-03-01" && ca.legacy_id === "L-77", "contact attributes", ca);

  step("tick the conversation's checkbox");
  const convAttrs = panel.locator('dl.attrs[aria-label="Conversation attributes"]');
  const box = convAttrs.getByRole("checkbox", { name: "Escalated" });
  await box.check();
  const conv = await eventually(`/conversations/${CONVERSATION}`, (c) => c.custom_attributes && c.custom_attributes.escalated === true, "conversation attributes");
  check(conv.custom_attributes.escalated === true, "escalated", conv.custom_attributes);
  // The conversation's live update repaints the list: still ticked.
  await convAttrs.locator('.attr[data-key="escalated"]', { hasText: "Yes" }).waitFor(T);
  check(await convAttrs.getByRole("checkbox", { name: "Escalated" }).isChecked(), "the box stays ticked", "");
  check(await convAttrs.getByRole("alert").filter({ hasText: /\S/ }).count() === 0, "no error shown", "");
  await page.screenshot({ path: `${SHOTS}/dashboard-attributes-panel.png` });

  check(!errors.length, "page errors", errors);
  console.log(JSON.stringify({ ok: true, ms: Date.now() - started }));
} finally {
  await browser.close();
}
