// The website widget through a visitor's day, in headless Chromium: the
// welcome card, the pre-chat form's errors, the greeting before the
// visitor's first message, agents' names, pictures and times, "Anna is
// typing…", the unread preview on the closed bubble, text that contrasts with
// the brand colour, the snippet's data attributes and day separators. Run by
// crates/switchboard/tests/browser.rs (the_widget_through_a_customers_day),
// which starts the server and the host pages and seeds the inboxes.
import { env, launch, step } from "./launch.mjs";

const BASE = env("BASE"), ACCOUNT = env("ACCOUNT"), SHOTS = env("SHOTS");
const DESK_URL = env("DESK_URL"), QUICK_URL = env("QUICK_URL"), HISTORY_URL = env("HISTORY_URL");
// The account's API as the admin and as Anna, an agent (some answers are empty).
const api = (token) => async (path, body) => {
  const r = await fetch(`${BASE}/api/v1/accounts/${ACCOUNT}${path}`, {
    method: body ? "POST" : "GET",
    headers: { api_access_token: token, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json().catch(() => null);
};
const admin = api(env("TOKEN"));
const anna = api(env("AGENT_TOKEN"));

const fail = (why) => { throw new Error(why); };
const until = async (what, f, ms = 15000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => null);
    if (v) return v;
    if (Date.now() > end) fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

// WCAG's contrast ratio between an element's text colour and the first
// opaque background behind it (across the shadow root's boundary).
const contrast = (locator) => locator.evaluate((node) => {
  const rgb = (c) => c.match(/[\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const ch = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
  };
  let at = node, bg = null;
  while (at && !bg) {
    if (at.nodeType === 1) {
      const c = rgb(getComputedStyle(at).backgroundColor);
      if (c.length < 4 || c[3] === 1) bg = c;
    }
    at = at.parentNode && at.parentNode.nodeType === 11 ? at.parentNode.host : at.parentNode;
  }
  const fg = rgb(getComputedStyle(node).color);
  const [a, b] = [lum(fg), lum(bg || [255, 255, 255])];
  return { ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), fg: lum(fg), bg: lum(bg || [255, 255, 255]) };
});
// What has focus inside the widget's shadow root.
const focused = (page) => page.evaluate(() => {
  const a = document.querySelector("[data-switchboard-widget]").shadowRoot.activeElement;
  return a ? { tag: a.tagName.toLowerCase(), name: a.getAttribute("name"), cls: a.className, text: a.textContent.trim() } : null;
});
// The thread's messages (their bubbles' text) in the order shown.
const thread = (page) => page.locator("li.msg .bubble").allTextContents();

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));

  step("a new visitor on the default colour: the bubble's and header's text contrast with it");
  await page.goto(DESK_URL);
  const launcher = page.locator(".launcher");
  await launcher.waitFor({ timeout: 15000 });
  const onBubble = await contrast(launcher);
  if (onBubble.ratio < 4.5) fail(`the bubble's icon on #1f93ff: ${onBubble.ratio.toFixed(2)}:1`);
  await launcher.click();
  const title = page.locator("header h2");
  await title.waitFor();
  const onHeader = await contrast(title);
  if (onHeader.ratio < 4.5) fail(`the header's text on #1f93ff: ${onHeader.ratio.toFixed(2)}:1`);
  if (onHeader.fg > onHeader.bg) fail("the default blue got light text, which cannot reach 4.5:1");

  step("the welcome card: greeting, team, reply time, availability and a way to start");
  const card = page.locator(".home");
  await card.waitFor({ timeout: 10000 });
  if ((await title.textContent()) !== "Hi there") fail(`title: ${await title.textContent()}`);
  await page.locator("header .tagline", { hasText: "We help with orders and returns" }).waitFor();
  await until("two team avatars on the card", async () => (await card.locator(".team span").count()) === 2);
  await card.getByRole("img", { name: /Anna/ }).waitFor();
  await card.locator(".reply-time", { hasText: "Typically replies in a few minutes" }).waitFor();
  const availability = (await card.locator(".status-text").textContent()).trim();
  if (!["We are online", "We will reply as soon as we can"].includes(availability)) fail(`availability: "${availability}"`);
  if (await page.locator("textarea#sb-input").isVisible()) fail("the message box shows before the visitor starts");
  const start = card.getByRole("button", { name: "Start a conversation" });
  if ((await contrast(start)).ratio < 4.5) fail("the start button's text does not contrast");
  await page.screenshot({ path: `${SHOTS}/widget-home.png` });

  step("Start opens the pre-chat form, focused on its first field");
  await start.click();
  await page.locator(".prechat").waitFor();
  const first = await focused(page);
  if (!first || first.name !== "fullName") fail(`focus after Start: ${JSON.stringify(first)}`);

  step("errors belong to their fields: aria-invalid, a linked message, focus on the first");
  await page.locator(".prechat button[type=submit]").click();
  const email = page.locator(".prechat input[name=emailAddress]");
  const message = page.locator(".prechat textarea[name=message]");
  const errorOf = async (field) => {
    if ((await field.getAttribute("aria-invalid")) !== "true") return null;
    const id = await field.getAttribute("aria-describedby");
    return id ? (await page.locator(`[id="${id}"]`).textContent()).trim() : null;
  };
  if ((await errorOf(email)) !== "This field is required") fail(`e-mail error: ${await errorOf(email)}`);
  if ((await errorOf(message)) !== "This field is required") fail(`message error: ${await errorOf(message)}`);
  if ((await page.locator(".prechat input[name=fullName]").getAttribute("aria-invalid")) === "true") fail("an optional field was marked invalid");
  const afterSubmit = await focused(page);
  if (!afterSubmit || afterSubmit.name !== "emailAddress") fail(`focus after a failed submit: ${JSON.stringify(afterSubmit)}`);
  if (!(await page.locator(".prechat [role=alert]").textContent()).trim()) fail("no summary for screen readers");
  const named = await email.evaluate((n) => n.labels && n.labels[0] && n.labels[0].textContent);
  if (!named || !named.startsWith("E-mail")) fail(`the e-mail field's label: ${named}`);

  await page.locator(".prechat input[name=fullName]").fill("Pat Visitor");
  await email.fill("pat-at-example");
  await message.fill("Where is order 1042?");
  await page.locator(".prechat button[type=submit]").click();
  if ((await errorOf(email)) !== "Enter a valid e-mail") fail(`bad e-mail error: ${await errorOf(email)}`);
  if ((await errorOf(message)) !== null) fail("a filled field kept its error");
  if ((await focused(page)).name !== "emailAddress") fail("focus did not move to the bad e-mail");
  await page.screenshot({ path: `${SHOTS}/widget-prechat-errors.png` });

  step("the conversation opens with the greeting first, then the visitor's message");
  await email.fill("pat@example.com");
  if ((await email.getAttribute("aria-invalid")) === "true") fail("a corrected field kept its error");
  await page.locator(".prechat button[type=submit]").click();
  await page.locator("li.in:not(.pending)", { hasText: "Where is order 1042?" }).waitFor({ timeout: 15000 });
  await page.locator("li.out", { hasText: "Welcome! An agent will be with you shortly." }).waitFor({ timeout: 15000 });
  const opening = await thread(page);
  if (opening.length !== 2 || !opening[0].startsWith("Welcome!") || opening[1] !== "Where is order 1042?") {
    fail(`the thread opens with: ${JSON.stringify(opening)}`);
  }
  if (await page.locator(".home").isVisible()) fail("the welcome card stayed");

  const conv = await until("the agent sees the conversation", async () => {
    const r = await admin("/conversations?status=all");
    return r.data.payload.find((c) => c.messages && c.messages.length && (c.meta.sender.email === "pat@example.com" || c.meta.sender.name === "Pat Visitor"));
  });

  step("the agent's name shows while she types");
  await anna(`/conversations/${conv.id}/toggle_typing_status`, { typing_status: "on" });
  await page.locator(".typing", { hasText: "Anna is typing…" }).waitFor({ timeout: 10000 });

  step("the agent's run of messages: her picture and name once, a time on each");
  await anna(`/conversations/${conv.id}/messages`, { content: "Hi Pat, I'm Anna." });
  await anna(`/conversations/${conv.id}/messages`, { content: "Let me look at order 1042." });
  const second = page.locator("li.out", { hasText: "Let me look at order 1042." });
  await second.waitFor({ timeout: 10000 });
  if (await page.locator(".typing").isVisible()) fail("typing stayed after her message");
  const firstOfRun = page.locator("li.out", { hasText: "Hi Pat, I'm Anna." });
  const who = firstOfRun.locator(".who");
  if (!(await who.isVisible()) || (await who.locator(".name").textContent()) !== "Anna") fail("no name above her messages");
  if ((await who.locator(".avatar").textContent()) !== "A") fail(`her avatar: "${await who.locator(".avatar").textContent()}"`);
  if (await second.locator(".who").isVisible()) fail("the name repeats on every message of a run");
  if (!(await page.locator("li.out", { hasText: "Welcome!" }).locator(".who").isVisible())) fail("the greeting has no sender");
  for (const li of [firstOfRun, second, page.locator("li.in", { hasText: "Where is order 1042?" })]) {
    const time = li.locator("time");
    const shown = (await time.locator("[aria-hidden=true]").textContent()).trim();
    const full = await time.getAttribute("title");
    if (!/^\d{1,2}:\d{2}/.test(shown)) fail(`a message's time: "${shown}"`);
    if (!full || !full.includes(String(new Date().getFullYear())) || full.length <= shown.length) fail(`its full date: "${full}"`);
    if ((await time.locator(".sr").textContent()) !== full) fail("screen readers do not get the full date");
    if (isNaN(Date.parse(await time.getAttribute("datetime")))) fail("no machine-readable time");
  }
  if ((await page.locator("li.day").allTextContents()).join() !== "Today") fail(`day separators: ${await page.locator("li.day").allTextContents()}`);
  const onOwnBubble = await contrast(page.locator("li.in .bubble").first());
  if (onOwnBubble.ratio < 4.5) fail(`the visitor's bubble: ${onOwnBubble.ratio.toFixed(2)}:1`);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: `${SHOTS}/widget-desktop.png` });
  await page.setViewportSize({ width: 1280, height: 800 });

  step("a phone: the chat fills the screen");
  await page.setViewportSize({ width: 390, height: 844 });
  const box = await page.locator(".panel").boundingBox();
  if (!box || box.width < 390 || box.height < 844) fail(`the panel on a phone: ${JSON.stringify(box)}`);
  await page.screenshot({ path: `${SHOTS}/widget-phone.png` });
  await page.setViewportSize({ width: 1280, height: 800 });

  step("a reply while the chat is closed: a plain-text preview and the unread count; the preview opens the chat");
  await page.locator("header .close").click();
  await page.locator(".panel").waitFor({ state: "hidden" });
  await anna(`/conversations/${conv.id}/messages`, { content: "Your parcel **ships** today <img src=x onerror=\"window.__owned=1\">" });
  const preview = page.locator(".preview");
  await preview.waitFor({ timeout: 10000 });
  const previewText = await preview.textContent();
  if (!previewText.includes("Your parcel ships today") || previewText.includes("**")) fail(`preview: ${previewText}`);
  if ((await preview.locator("img").count()) !== 0 || (await page.evaluate(() => window.__owned))) fail("the preview ran markup");
  if ((await page.locator(".launcher .badge").textContent()) !== "1") fail("no unread count on the bubble");
  const said = await page.locator(".announce").textContent();
  if (!said.includes("Anna") || !said.includes("Your parcel ships today")) fail(`screen readers heard: ${said}`);
  await page.screenshot({ path: `${SHOTS}/widget-preview.png` });
  await preview.click();
  await page.locator(".panel").waitFor({ state: "visible" });
  await page.locator("li.out", { hasText: "Your parcel ships today" }).waitFor();
  if (await preview.isVisible() || await page.locator(".launcher .badge").isVisible()) fail("the preview or count stayed after opening");

  step("a returning visitor opens straight on the conversation");
  await page.reload();
  await page.locator(".launcher").click();
  await page.locator("li.out", { hasText: "Let me look at order 1042." }).waitFor({ timeout: 15000 });
  if (await page.locator(".home").isVisible()) fail("the welcome card shows to a visitor with a conversation");
  if ((await focused(page)).tag !== "textarea") fail("opening did not focus the message box");

  step("the snippet's attributes: on the left, with its title, dark; white stays on a dark brand colour");
  const quick = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  quick.on("pageerror", (e) => errors.push(e.message));
  await quick.goto(QUICK_URL);
  const bubble = quick.locator(".launcher");
  await bubble.waitFor({ timeout: 15000 });
  const lb = await bubble.boundingBox();
  if (!lb || lb.x + lb.width > 1280 / 2) fail(`the bubble is not on the left: ${JSON.stringify(lb)}`);
  await quick.locator(".launcher .label", { hasText: "Chat with us" }).waitFor({ state: "visible" });
  await quick.getByRole("button", { name: "Chat with us" }).waitFor();
  await bubble.click();
  const panelBg = await contrast(quick.locator(".panel"));
  if (panelBg.bg > 0.05) fail(`the panel is not dark: luminance ${panelBg.bg}`);
  if (panelBg.ratio < 4.5) fail(`text on the dark panel: ${panelBg.ratio.toFixed(2)}:1`);
  const purple = await contrast(quick.locator("header h2"));
  if (purple.fg < 0.9 || purple.ratio < 4.5) fail(`text on #7b2cbf: ${JSON.stringify(purple)}`);

  step("without a form: Start focuses the message box; the greeting still comes before the visitor's message");
  await quick.getByRole("button", { name: "Start a conversation" }).click();
  if ((await focused(quick)).tag !== "textarea") fail("Start did not focus the message box");
  await quick.keyboard.type("Is the blue one in stock?");
  await quick.keyboard.press("Enter");
  await quick.locator("li.in:not(.pending)", { hasText: "Is the blue one in stock?" }).waitFor({ timeout: 15000 });
  await quick.locator("li.out", { hasText: "Welcome!" }).waitFor({ timeout: 15000 });
  const quickThread = await thread(quick);
  if (!quickThread[0].startsWith("Welcome!") || quickThread[1] !== "Is the blue one in stock?") fail(`order: ${JSON.stringify(quickThread)}`);
  await quick.screenshot({ path: `${SHOTS}/widget-dark-left.png` });
  await quick.evaluate(() => window.$switchboard.setLocale("ru"));
  await quick.locator("li.day", { hasText: "Сегодня" }).waitFor();

  step("a thread over three days has a separator for each day");
  const history = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  history.on("pageerror", (e) => errors.push(e.message));
  await history.goto(HISTORY_URL);
  await history.locator("li.out", { hasText: "It arrives today" }).waitFor({ timeout: 15000 });
  if (await history.locator(".home").isVisible()) fail("the welcome card shows over a conversation");
  const days = await history.locator("li.day").allTextContents();
  if (days.length !== 3 || days[1] !== "Yesterday" || days[2] !== "Today" || ["Today", "Yesterday"].includes(days[0])) fail(`days: ${JSON.stringify(days)}`);
  const order = await thread(history);
  if (JSON.stringify(order) !== JSON.stringify(["Where is my parcel?", "It left the warehouse", "It arrives today"])) fail(`history: ${JSON.stringify(order)}`);
  const dayBefore = history.locator("li.day").nth(1);
  const nextText = await dayBefore.evaluate((n) => n.nextElementSibling.textContent);
  if (!nextText.includes("It left the warehouse")) fail("a separator is not before its day's first message");
  await history.screenshot({ path: `${SHOTS}/widget-history.png` });

  if (errors.length) fail(`page errors: ${errors.join("; ")}`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
