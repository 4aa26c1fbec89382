// The conversation tools in headless Chromium: sidebar folders and sorts,
// priority, team and label pickers, the contact panel's inline editing and
// previous conversations, attachments by picker and by drop, reply quotes,
// delivery marks from the platform, deleted messages, the search box, the
// panel toggle and tabs kept in step (drafts, sign-out).
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT");
const CONV_A = env("CONV_A"), CONV_B = env("CONV_B"), CONV_OLD = env("CONV_OLD"), CONTACT_B = env("CONTACT_B");

const agentApi = accountApi(BASE, ACCOUNT, TOKEN);
async function call(method, path, body) {
  const r = await fetch(`${BASE}/api/v1/accounts/${ACCOUNT}${path}`, {
    method, headers: { api_access_token: TOKEN, "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status}`);
  return r.json();
}
async function until(what, check, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
// A 2 x 2 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==", "base64");

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" });
  // Desktop notifications, recorded instead of shown.
  await context.addInitScript(() => {
    window.__notes = [];
    window.Notification = class {
      static permission = "default";
      static requestPermission() { window.Notification.permission = "granted"; return Promise.resolve("granted"); }
      constructor(title, options) { window.__notes.push({ title, body: options && options.body }); }
      close() {}
    };
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  const cardA = page.locator(`button[data-conversation="${CONV_A}"]`);
  const cardB = page.locator(`button[data-conversation="${CONV_B}"]`);
  const header = page.locator(".conv-header");
  const panel = page.getByRole("complementary", { name: "Contact details" });

  step("sign in; the sidebar lists inboxes, teams and labels");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await cardA.waitFor({ timeout: 15000 });
  await cardB.waitFor({ timeout: 10000 });
  const folders = page.getByRole("navigation", { name: "Folders" });
  for (const name of ["Orders", "Billing", "Tier 2", "vip", "refund"]) await folders.getByRole("button", { name }).waitFor({ timeout: 10000 });

  step("an inbox folder shows only its conversations; clearing shows all");
  await folders.getByRole("button", { name: "Billing" }).click();
  await cardA.waitFor({ state: "detached", timeout: 10000 });
  await cardB.waitFor({ timeout: 10000 });
  await page.locator(".filter-chip", { hasText: "Inbox: Billing" }).waitFor({ timeout: 5000 });
  await page.getByRole("button", { name: "Show all conversations" }).click();
  await cardA.waitFor({ timeout: 10000 });

  step("save as view: the Billing folder becomes a saved view in the sidebar that filters the list");
  await folders.getByRole("button", { name: "Billing" }).click();
  await cardA.waitFor({ state: "detached", timeout: 10000 });
  await page.getByRole("button", { name: "Save as view" }).click();
  await page.getByRole("textbox", { name: "View name" }).fill("Billing desk");
  await page.getByRole("textbox", { name: "View name" }).press("Enter");
  const viewButton = folders.getByRole("button", { name: "Billing desk", exact: true });
  await viewButton.waitFor({ timeout: 10000 });
  await page.locator(".filter-chip", { hasText: "View: Billing desk" }).waitFor({ timeout: 5000 });
  const saved = await until("the view saved", async () => (await agentApi("/custom_filters?filter_type=conversation")).find((f) => f.name === "Billing desk"));
  if (!JSON.stringify(saved.query).includes('"inbox_id"')) throw new Error(`saved query ${JSON.stringify(saved.query)}`);
  await page.getByRole("button", { name: "Show all conversations" }).click();
  await cardA.waitFor({ timeout: 10000 });
  const filtered = page.waitForRequest((r) => r.url().includes("/conversations/filter") && r.method() === "POST", { timeout: 10000 });
  await viewButton.click();
  await filtered;
  await cardA.waitFor({ state: "detached", timeout: 10000 });
  await cardB.waitFor({ timeout: 10000 });
  if ((await viewButton.getAttribute("aria-pressed")) !== "true") throw new Error("the view is not shown as chosen");

  step("a saved view is deleted from the sidebar");
  await folders.getByRole("button", { name: "Delete view Billing desk" }).click();
  await viewButton.waitFor({ state: "detached", timeout: 10000 });
  await cardA.waitFor({ timeout: 10000 });
  await until("the view deleted", async () => !(await agentApi("/custom_filters")).some((f) => f.name === "Billing desk"));

  step("sorts: newest first puts the later conversation on top");
  await page.getByLabel("Sort").selectOption("created_at_desc");
  await page.waitForFunction((b) => document.querySelector(".list button[data-conversation]")?.dataset.conversation === b, CONV_B, { timeout: 10000 });
  await page.getByLabel("Sort").selectOption("priority_desc");
  await page.getByLabel("Sort").selectOption("last_activity_at_desc");

  step("open a conversation: the contact panel shows the contact, channel and details");
  await cardA.click();
  await header.locator(".title", { hasText: "Maria Lopez" }).waitFor({ timeout: 10000 });
  await panel.locator(".name", { hasText: "Maria Lopez" }).waitFor({ timeout: 10000 });
  await panel.locator(".channel", { hasText: "Orders" }).waitFor({ timeout: 10000 });
  await panel.locator(".details", { hasText: `#${CONV_A}` }).waitFor({ timeout: 10000 });
  if (!page.url().endsWith(`#/conversations/${CONV_A}`)) throw new Error(`address: ${page.url()}`);

  step("priority: High shows on the card with its word");
  await header.getByRole("button", { name: /^Priority: / }).click();
  await page.getByRole("menuitemradio", { name: "High" }).click();
  await cardA.locator(".priority.high", { hasText: "High" }).waitFor({ timeout: 10000 });
  await until("priority saved", async () => (await agentApi(`/conversations/${CONV_A}`)).priority === "high");

  step("team from a searchable picker");
  await header.getByRole("button", { name: /^Team: / }).click();
  await page.getByRole("combobox", { name: "Team" }).fill("tier");
  await page.getByRole("option", { name: /tier 2/i }).waitFor({ timeout: 5000 });
  await page.keyboard.press("Enter");
  await header.getByRole("button", { name: "Team: Tier 2" }).waitFor({ timeout: 10000 });
  await until("team saved", async () => (await agentApi(`/conversations/${CONV_A}`)).meta.team?.name === "tier 2"); // team names are kept in lower case

  step("labels: added and removed in the panel, shown on the card and in the header");
  await panel.getByRole("button", { name: /^Add a label/ }).click();
  await page.getByRole("combobox", { name: "Add a label" }).fill("vi");
  await page.keyboard.press("Enter");
  await panel.locator(".labels .chip", { hasText: "vip" }).waitFor({ timeout: 10000 });
  await cardA.locator(".chip", { hasText: "vip" }).waitFor({ timeout: 10000 });
  await header.locator(".chip", { hasText: "vip" }).waitFor({ timeout: 10000 });
  const colour = await cardA.locator(".chip .swatch").evaluate((s) => getComputedStyle(s).backgroundColor);
  if (colour !== "rgb(217, 45, 32)") throw new Error(`label colour ${colour}`);
  await until("label saved", async () => JSON.stringify((await agentApi(`/conversations/${CONV_A}`)).labels) === '["vip"]');
  await panel.getByRole("button", { name: /^Add a label/ }).click();
  await page.getByRole("combobox", { name: "Add a label" }).fill("refund");
  await page.keyboard.press("Enter");
  await panel.locator(".labels .chip", { hasText: "refund" }).waitFor({ timeout: 10000 });
  await panel.getByRole("button", { name: "Remove label refund" }).click();
  await panel.locator(".labels .chip", { hasText: "refund" }).waitFor({ state: "detached", timeout: 10000 });
  await until("label removed", async () => JSON.stringify((await agentApi(`/conversations/${CONV_A}`)).labels) === '["vip"]');
  await folders.getByRole("button", { name: "vip" }).click();
  await cardB.waitFor({ state: "detached", timeout: 10000 });
  await cardA.waitFor({ timeout: 10000 });
  await folders.getByRole("button", { name: "All conversations" }).click();
  await cardB.waitFor({ timeout: 10000 });

  step("the panel hides empty fields behind Add details and shows no internal ids; fields edit in place; a bad e-mail is refused inline");
  await panel.getByRole("button", { name: /^Name: / }).waitFor({ timeout: 10000 });
  if (await panel.getByRole("button", { name: /^E-mail: / }).count()) throw new Error("an empty e-mail is shown");
  if (await panel.getByRole("button", { name: /: not set/ }).count()) throw new Error("empty fields are shown");
  const panelText = await panel.innerText();
  if (/Source|[0-9a-f]{8}-[0-9a-f]{4}-/.test(panelText)) throw new Error(`an internal id shows in the panel: ${panelText}`);
  await panel.getByRole("button", { name: "+ Add details" }).click();
  await panel.getByRole("menuitem", { name: "City" }).waitFor({ timeout: 5000 });
  await panel.getByRole("menuitem", { name: "E-mail" }).click();
  const emailBox = panel.getByRole("textbox", { name: "E-mail" });
  await emailBox.fill("not-an-email");
  await page.keyboard.press("Enter");
  await panel.getByRole("alert").filter({ hasText: "Not saved" }).waitFor({ timeout: 5000 });
  await emailBox.fill("maria@shop.test");
  await page.keyboard.press("Enter");
  await panel.getByRole("button", { name: /^E-mail: maria@shop.test/ }).waitFor({ timeout: 10000 });
  const contactId = (await agentApi(`/conversations/${CONV_A}`)).meta.sender.id;
  await until("e-mail saved", async () => (await agentApi(`/contacts/${contactId}`)).payload.email === "maria@shop.test");
  await panel.getByRole("button", { name: "+ New attribute" }).click();
  await panel.getByLabel("Attribute", { exact: true }).fill("Plan");
  await panel.getByLabel("Value", { exact: true }).fill("gold");
  await panel.getByRole("button", { name: "Add attribute" }).click();
  await panel.locator('.attr[data-key="plan"] .attr-value', { hasText: "gold" }).waitFor({ timeout: 10000 });
  await until("attribute saved", async () => (await agentApi(`/contacts/${contactId}`)).payload.custom_attributes.plan === "gold");

  step("previous conversations link to each other");
  const older = panel.locator(".previous a", { hasText: `#${CONV_OLD}` });
  await older.waitFor({ timeout: 10000 });
  await older.click();
  await panel.locator(".details", { hasText: `#${CONV_OLD}` }).waitFor({ timeout: 10000 });
  await header.locator(".status", { hasText: "Resolved" }).waitFor({ timeout: 10000 });
  await cardA.click();
  await header.getByRole("button", { name: "Priority: High" }).waitFor({ timeout: 10000 });

  step("the profile's signature goes under replies while Signature is on");
  await fetch(`${BASE}/api/v1/profile`, { method: "PUT", headers: { api_access_token: TOKEN, "Content-Type": "application/json" },
    body: JSON.stringify({ message_signature: "Alice, Orders desk" }) });
  await page.reload();
  await header.locator(".title", { hasText: "Maria Lopez" }).waitFor({ timeout: 10000 });
  const sign = page.getByRole("button", { name: "Signature" });
  if ((await sign.getAttribute("aria-pressed")) !== "true") throw new Error("the signature starts off");
  await page.locator("#composer-input").fill("Signed reply");
  await page.keyboard.press("Enter");
  await page.locator(".thread li.out:not(.pending)", { hasText: "Alice, Orders desk" }).waitFor({ timeout: 10000 });
  await sign.click();
  await page.locator("#composer-input").fill("Unsigned reply");
  await page.keyboard.press("Enter");
  const unsigned = page.locator(".thread li.out:not(.pending)", { hasText: "Unsigned reply" });
  await unsigned.waitFor({ timeout: 10000 });
  if ((await unsigned.textContent()).includes("Orders desk")) throw new Error("signed with the signature off");

  step("a reply quoting the customer's message");
  const question = page.locator(".thread li.in", { hasText: "My parcel ZX-42 is late" });
  await question.hover();
  await question.getByRole("button", { name: /^Reply to/ }).click();
  await page.locator(".reply-bar", { hasText: "My parcel ZX-42 is late" }).waitFor({ timeout: 5000 });
  await page.locator("#composer-input").fill("It ships today");
  await page.keyboard.press("Enter");
  const quoted = page.locator(".thread li.out:not(.pending)", { hasText: "It ships today" });
  await quoted.locator(".quote", { hasText: "My parcel ZX-42 is late" }).waitFor({ timeout: 10000 });
  const questionId = Number(await question.getAttribute("data-message"));
  const sent = await until("quoted reply stored", async () => (await agentApi(`/conversations/${CONV_A}/messages`)).payload.find((m) => m.content === "It ships today"));
  if (Number(sent.content_attributes.in_reply_to) !== questionId) throw new Error(`in_reply_to: ${JSON.stringify(sent.content_attributes)}`);

  step("delivery marks follow the platform: sent, then read; a failure shows its reason");
  await quoted.locator(".mark.sent[aria-label='Sent']").waitFor({ timeout: 10000 });
  await call("PATCH", `/conversations/${CONV_A}/messages/${sent.id}`, { status: "read" });
  await quoted.locator(".mark.read[aria-label='Read']").waitFor({ timeout: 10000 });
  await page.locator("#composer-input").fill("This one bounces");
  await page.keyboard.press("Enter");
  await page.locator(".thread li.out:not(.pending)", { hasText: "This one bounces" }).locator(".mark.sent").waitFor({ timeout: 10000 });
  const bounced = await until("second reply stored", async () => (await agentApi(`/conversations/${CONV_A}/messages`)).payload.find((m) => m.content === "This one bounces"));
  await call("PATCH", `/conversations/${CONV_A}/messages/${bounced.id}`, { status: "failed", external_error: "Recipient unreachable" });
  const bouncedLi = page.locator(".thread li.failed", { hasText: "Recipient unreachable" });
  await bouncedLi.locator(".mark.failed").waitFor({ timeout: 10000 });
  step("Retry sends a failed reply again");
  await bouncedLi.getByRole("button", { name: "Retry" }).click({ timeout: 5000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await page.locator(".thread").evaluate((t) => t.innerHTML.slice(-3000))}`);
  });
  await page.locator(".thread li.out:not(.failed)", { hasText: "This one bounces" }).locator(".mark.sent").waitFor({ timeout: 10000 });
  await until("retried reply sent", async () => (await agentApi(`/conversations/${CONV_A}/messages`)).payload.find((m) => m.id === bounced.id)?.status === "sent");

  step("files by the picker, by drag and drop and by pasting, sent with the message");
  await page.locator(".composer input[type=file]").setInputFiles({ name: "label.png", mimeType: "image/png", buffer: PNG });
  await page.locator(".tray li", { hasText: "label.png" }).waitFor({ timeout: 5000 });
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "invoice.txt", { type: "text/plain" }));
    const target = document.querySelector(".conversation");
    target.dispatchEvent(new DragEvent("dragenter", { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, Buffer.from("invoice 42").toString("base64"));
  await page.locator(".tray li", { hasText: "invoice.txt" }).waitFor({ timeout: 5000 });
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["pasted text file"], "pasted.txt", { type: "text/plain" }));
    document.querySelector("#composer-input").dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await page.locator(".tray li", { hasText: "pasted.txt" }).waitFor({ timeout: 5000 });
  await page.locator("#composer-input").fill("Label and invoice attached");
  await page.keyboard.press("Enter");
  const withFiles = page.locator(".thread li.out:not(.pending)", { hasText: "Label and invoice attached" });
  await withFiles.locator("img[alt='label.png']").waitFor({ timeout: 10000 });
  await withFiles.locator("a.file", { hasText: "invoice.txt" }).waitFor({ timeout: 10000 });
  if (await page.locator(".tray li").count()) throw new Error("the tray was not emptied");
  const stored = await until("attachments stored", async () => (await agentApi(`/conversations/${CONV_A}/messages`)).payload.find((m) => m.content === "Label and invoice attached"));
  if ((stored.attachments || []).map((a) => a.file_name).sort().join() !== "invoice.txt,label.png,pasted.txt") throw new Error(`attachments: ${JSON.stringify(stored.attachments)}`);

  step("a deleted message shows as deleted");
  await call("DELETE", `/conversations/${CONV_A}/messages/${bounced.id}`);
  await page.locator(".thread li.deleted", { hasText: "This message was deleted" }).waitFor({ timeout: 10000 });

  step("search: a message, a conversation by #id, a contact");
  await page.locator("#composer-input").blur();
  await page.keyboard.press("/");
  if (!(await page.evaluate(() => document.activeElement?.id === "search-box"))) throw new Error("/ did not focus search");
  await page.keyboard.type("invoice question");
  const results = page.getByRole("listbox", { name: "Search results" });
  await results.getByRole("group", { name: "Messages" }).getByRole("option").first().waitFor({ timeout: 10000 });
  await page.keyboard.press("Enter");
  await header.locator(".title", { hasText: "Boris Buyer" }).waitFor({ timeout: 10000 });
  await page.locator("#search-box").focus();
  await page.keyboard.type(`#${CONV_A}`);
  await results.getByRole("group", { name: "Conversations" }).getByRole("option", { name: /Maria Lopez/ }).click();
  await header.locator(".title", { hasText: "Maria Lopez" }).waitFor({ timeout: 10000 });
  await page.locator("#search-box").focus();
  await page.keyboard.type("boris");
  await results.getByRole("group", { name: "Contacts" }).getByRole("option", { name: /Boris Buyer/ }).waitFor({ timeout: 10000 });
  await page.keyboard.press("ArrowDown");
  const chosen = await results.locator("[aria-selected=true]").getAttribute("data-href");
  await page.keyboard.press("Enter");
  await page.waitForFunction((h) => location.hash === h, chosen, { timeout: 5000 });
  if (chosen !== `#/contacts/${CONTACT_B}` && chosen !== `#/conversations/${CONV_B}`) throw new Error(`chose ${chosen}`);
  await page.locator("#search-box").focus();
  await page.keyboard.type("zzz-nothing-matches");
  await results.getByText("Nothing found").waitFor({ timeout: 10000 });
  await page.keyboard.press("Escape");
  await page.goto(`${BASE}/app#/conversations/${CONV_A}`);
  await header.locator(".title", { hasText: "Maria Lopez" }).waitFor({ timeout: 10000 });

  step("] hides and shows the contact panel");
  await page.locator(".thread li.in", { hasText: "My parcel ZX-42 is late" }).waitFor({ timeout: 10000 });
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press("]");
  await panel.waitFor({ state: "hidden", timeout: 5000 });
  await page.keyboard.press("]");
  await panel.waitFor({ state: "visible", timeout: 5000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-tools.png` });

  step("screen readers: every control on each screen has a name");
  const unnamedControls = async (where) => {
    const tree = await page.locator("body").ariaSnapshot();
    const bad = tree.split("\n").filter((line) => /^\s*- (button|textbox|link|checkbox|radio|combobox|searchbox|listbox|option|tab|slider|spinbutton)(:|\s*$|\s*\[)/.test(line));
    if (bad.length) throw new Error(`${where}: controls without a name:\n${bad.join("\n")}`);
    if (!/- log "Messages"/.test(tree) && where === "conversation") throw new Error("the thread is not a named log");
  };
  await unnamedControls("conversation");
  for (const [hash, heading] of [["#/contacts", "Contacts"], [`#/contacts/${CONTACT_B}`, "Boris Buyer"], ["#/profile", "Profile"],
    ["#/settings/inboxes", "Settings"], ["#/settings/agents", "Settings"], ["#/settings/teams", "Settings"],
    ["#/settings/labels", "Settings"], ["#/settings/canned", "Settings"], ["#/settings/webhooks", "Settings"],
    ["#/settings/automation", "Settings"], ["#/settings/bots", "Settings"]]) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.getByRole("heading", { name: heading, level: 1 }).first().waitFor({ timeout: 10000 });
    await page.waitForTimeout(300);
    await unnamedControls(hash);
  }
  await page.evaluate((id) => { location.hash = `#/conversations/${id}`; }, CONV_A);
  await header.locator(".title", { hasText: "Maria Lopez" }).waitFor({ timeout: 10000 });

  step("a tablet: no sideways scrolling, folders folded away, the panel a drawer opened by ]");
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.waitForTimeout(200);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`the page scrolls sideways by ${overflow} px at 1024 px`);
  if (await folders.isVisible()) throw new Error("the folders take room on a tablet");
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  if (!(await panel.isVisible())) await page.keyboard.press("]");
  await panel.waitFor({ state: "visible", timeout: 5000 });
  if ((await panel.evaluate((p) => getComputedStyle(p).position)) !== "fixed") throw new Error("the panel is not a drawer at 1024 px");
  await page.screenshot({ path: `${SHOTS}/dashboard-tablet.png` });
  await panel.getByRole("button", { name: "Close contact details" }).click();
  await panel.waitFor({ state: "hidden", timeout: 5000 });
  await page.setViewportSize({ width: 1440, height: 900 });

  step("notifications: a new message in an unassigned conversation while the tab is hidden");
  await page.getByRole("button", { name: "Desktop notifications" }).click();
  await page.getByRole("button", { name: "Desktop notifications", pressed: true }).waitFor({ timeout: 5000 });
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await call("POST", `/conversations/${CONV_B}/messages`, { content: "Are you there?", message_type: "incoming" });
  await page.waitForFunction(() => window.__notes.some((n) => n.body === "Are you there?"), null, { timeout: 10000 });
  await page.waitForFunction(() => document.title === "(1) Switchboard", null, { timeout: 5000 });
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await page.waitForFunction(() => document.title === "Switchboard", null, { timeout: 5000 });

  step("two tabs: a draft typed in one appears in the other; signing out in one signs out both");
  const second = await context.newPage();
  second.on("pageerror", (e) => errors.push(`second tab: ${e.message}`));
  await second.goto(`${BASE}/app#/conversations/${CONV_A}`);
  await second.locator(".conv-header .title", { hasText: "Maria Lopez" }).waitFor({ timeout: 10000 });
  await page.locator("#composer-input").fill("draft across tabs");
  await second.waitForFunction(() => document.querySelector("#composer-input")?.value === "draft across tabs", null, { timeout: 5000 });
  await page.locator("#composer-input").fill("");
  await page.getByRole("button", { name: "Sign out" }).click();
  await second.getByRole("heading", { name: "Sign in to Switchboard" }).waitFor({ timeout: 10000 });

  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
