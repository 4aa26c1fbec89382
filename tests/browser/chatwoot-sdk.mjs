// A site with Chatwoot's embed code, only its BASE_URL changed to this
// server, in headless Chromium. Run by crates/switchboard/tests/browser.rs,
// which starts the server and the host site (another origin).
import { accountApi, env, launch, step } from "./launch.mjs";

const BASE = env("BASE"), ACCOUNT = env("ACCOUNT"), SHOTS = env("SHOTS");
const PAGE_URL = env("PAGE_URL"), LEFT_URL = env("LEFT_URL");
const IDENT = env("IDENT"), IDENT_HASH = env("IDENT_HASH"), WEBSITE_TOKEN = env("WEBSITE_TOKEN");
const agent = accountApi(BASE, ACCOUNT, env("TOKEN"));

const until = async (what, f, ms = 15000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};
// The chatwoot:* events the host page recorded.
const events = (page, name) => page.evaluate((n) => window.__events.filter((e) => e.name === n), name);
const waitEvent = (page, name, test = "true") =>
  page.waitForFunction(([n, t]) => window.__events.some((e) => e.name === n && new Function("d", `return ${t}`)(e.detail)), [name, test], { timeout: 15000 });

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));

  step("Chatwoot's snippet loads the SDK and raises chatwoot:ready");
  await page.goto(PAGE_URL);
  await waitEvent(page, "ready");
  const cw = await page.evaluate(() => {
    const c = window.$chatwoot;
    return { hasLoaded: c.hasLoaded, isOpen: c.isOpen, position: c.position, type: c.type, websiteToken: c.websiteToken, baseUrl: c.baseUrl };
  });
  if (!cw.hasLoaded || cw.isOpen || cw.position !== "right" || cw.type !== "standard" || cw.websiteToken !== WEBSITE_TOKEN || cw.baseUrl !== BASE) {
    throw new Error(`$chatwoot after ready: ${JSON.stringify(cw)}`);
  }
  const launcher = page.locator(".launcher");
  await launcher.waitFor();
  const box = await launcher.boundingBox();
  if (!box || box.x < 1100 / 2) throw new Error(`the bubble is not on the right: ${JSON.stringify(box)}`);
  await page.screenshot({ path: `${SHOTS}/chatwoot-sdk-closed.png` });

  step("setUser with the identifier's hash makes a verified contact");
  await page.evaluate(([id, hash]) => window.$chatwoot.setUser(id, {
    email: "dana@example.com", name: "Dana Shopper", identifier_hash: hash, company_name: "Acme", city: "Berlin",
  }), [IDENT, IDENT_HASH]);
  const contact = await until("the contact of setUser", async () => {
    const r = await agent(`/contacts/search?q=${encodeURIComponent(IDENT)}`);
    return r.payload.find((c) => c.identifier === IDENT && c.email === "dana@example.com");
  });
  if (contact.name !== "Dana Shopper" || contact.additional_attributes.company_name !== "Acme") {
    throw new Error(`contact: ${JSON.stringify(contact)}`);
  }

  step("toggle('open') shows the chat");
  await page.evaluate(() => window.$chatwoot.toggle("open"));
  await page.locator(".panel").waitFor({ state: "visible" });
  await waitEvent(page, "opened");
  if (!(await page.evaluate(() => window.$chatwoot.isOpen))) throw new Error("isOpen is false after toggle('open')");

  step("the visitor's message reaches the agent and starts a conversation");
  await page.getByRole("button", { name: "Start a conversation" }).click();
  await page.locator("textarea").fill("Hello from Chatwoot's snippet");
  await page.keyboard.press("Enter");
  await page.locator("li.in:not(.pending)", { hasText: "Hello from Chatwoot's snippet" }).waitFor({ timeout: 15000 });
  await waitEvent(page, "on-start-conversation", "d && d.hasConversation === true");
  const conv = await until("the agent sees the conversation", async () => {
    const list = await agent("/conversations?status=all");
    return list.data.payload.find((c) => c.meta.channel === "Channel::WebWidget" && c.meta.sender.id === contact.id);
  });
  if (conv.meta.hmac_verified !== true) throw new Error(`the conversation's contact is not verified: ${JSON.stringify(conv.meta)}`);

  step("an agent's reply raises chatwoot:on-message");
  await agent(`/conversations/${conv.id}/messages`, { content: "Hi Dana, how can we help?" });
  await waitEvent(page, "on-message", "d && d.content === 'Hi Dana, how can we help?' && d.message_type === 1");
  await page.locator("li.out", { hasText: "Hi Dana, how can we help?" }).waitFor();
  await agent(`/conversations/${conv.id}/messages`, { content: "internal", private: true });
  await page.screenshot({ path: `${SHOTS}/chatwoot-sdk-open.png` });

  step("labels and conversation attributes from the page reach the agent");
  await page.evaluate(() => {
    window.$chatwoot.setLabel("vip");
    window.$chatwoot.setConversationCustomAttributes({ order: "A-1", step: "cart" });
    window.$chatwoot.deleteConversationCustomAttribute("step");
  });
  await until("the label and the attribute", async () => {
    const c = await agent(`/conversations/${conv.id}`);
    return c.labels.includes("vip") && c.custom_attributes.order === "A-1" && c.custom_attributes.step === undefined;
  });

  step("toggle('close') closes; a reply meanwhile counts as unread and shows above the bubble");
  await page.evaluate(() => window.$chatwoot.toggle("close"));
  await page.locator(".panel").waitFor({ state: "hidden" });
  await waitEvent(page, "closed");
  await agent(`/conversations/${conv.id}/messages`, { content: "Your order has shipped" });
  await waitEvent(page, "on-unread-message-count-changed", "d && d.unreadMessageCount === 1");
  await page.locator(".preview", { hasText: "Your order has shipped" }).waitFor();
  if ((await events(page, "on-message")).some((e) => e.detail.content === "internal")) throw new Error("a private note reached the page");

  step("toggleBubbleVisibility hides and shows the bubble");
  await page.evaluate(() => window.$chatwoot.toggleBubbleVisibility("hide"));
  await launcher.waitFor({ state: "hidden" });
  if (!(await page.evaluate(() => window.$chatwoot.hideMessageBubble))) throw new Error("hideMessageBubble stayed false");
  await page.evaluate(() => window.$chatwoot.toggleBubbleVisibility("show"));
  await launcher.waitFor({ state: "visible" });

  step("popoutChatWindow opens the same conversation at /widget");
  const [popout] = await Promise.all([context.waitForEvent("page"), page.evaluate(() => window.$chatwoot.popoutChatWindow())]);
  await popout.waitForLoadState();
  const url = new URL(popout.url());
  if (url.origin !== BASE || url.pathname !== "/widget" || url.searchParams.get("website_token") !== WEBSITE_TOKEN || !url.searchParams.get("cw_conversation")) {
    throw new Error(`popout opened ${popout.url()}`);
  }
  await popout.locator("li.out", { hasText: "Your order has shipped" }).waitFor({ timeout: 15000 });
  await popout.locator("li.in", { hasText: "Hello from Chatwoot's snippet" }).waitFor();
  await popout.locator("textarea").fill("Writing from the popout");
  await popout.keyboard.press("Enter");
  await popout.locator("li.in:not(.pending)", { hasText: "Writing from the popout" }).waitFor({ timeout: 15000 });
  await popout.screenshot({ path: `${SHOTS}/chatwoot-sdk-popout.png` });
  await until("the popout's message in the same conversation", async () => {
    const r = await agent(`/conversations/${conv.id}/messages`);
    return r.payload.some((m) => m.content === "Writing from the popout");
  });
  await popout.close();

  step("setColorScheme('dark') darkens the chat");
  await page.evaluate(() => window.$chatwoot.setColorScheme("dark"));
  await page.evaluate(() => window.$chatwoot.toggle("open"));
  const bg = await page.locator(".panel").evaluate((el) => getComputedStyle(el).backgroundColor);
  if (bg === "rgb(255, 255, 255)") throw new Error("the panel stayed light");

  step("a second site with chatwootSettings = {position: 'left', type: 'expanded_bubble'}");
  const left = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
  left.on("pageerror", (e) => errors.push(e.message));
  await left.goto(LEFT_URL);
  await waitEvent(left, "ready");
  const leftBubble = left.locator(".launcher");
  await leftBubble.waitFor();
  const lb = await leftBubble.boundingBox();
  if (!lb || lb.x + lb.width > 1100 / 2) throw new Error(`the bubble is not on the left: ${JSON.stringify(lb)}`);
  await left.locator(".launcher .label", { hasText: "Talk to us" }).waitFor();
  if ((await left.evaluate(() => window.$chatwoot.position)) !== "left") throw new Error("position is not left");
  await left.screenshot({ path: `${SHOTS}/chatwoot-sdk-left.png` });
  await leftBubble.click();
  await left.locator("header .popout").waitFor({ state: "visible" });
  if (await page.locator("header .popout").isVisible()) throw new Error("a popout button without showPopoutButton");
  await left.evaluate(() => window.$chatwoot.toggle("close"));

  step("a wrong identifier_hash raises chatwoot:error");
  await left.evaluate(() => window.$chatwoot.setUser("someone", { name: "Someone", identifier_hash: "bad" }));
  await waitEvent(left, "error", "d && d.status === 401");
  let thrown = null;
  try {
    await left.evaluate(() => window.$chatwoot.setUser("someone", { phone_number: "+15550100" }));
  } catch (e) {
    thrown = e.message;
  }
  if (!thrown || !thrown.includes("avatar_url, email, name")) throw new Error(`setUser without a name, e-mail or avatar: ${thrown}`);

  step("reset() forgets the visitor: a new one, and chatwoot:ready again");
  const key = `switchboard:${WEBSITE_TOKEN}:auth`;
  const before = await left.evaluate((k) => localStorage.getItem(k), key);
  await left.evaluate(() => window.$chatwoot.reset());
  await left.waitForFunction(() => window.__events.filter((e) => e.name === "ready").length === 2, null, { timeout: 15000 });
  const after = await left.evaluate((k) => localStorage.getItem(k), key);
  if (!before || !after || before === after) throw new Error("reset kept the visitor");
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log(JSON.stringify({ ok: true, conversation: conv.id, contact: contact.id }));
} finally {
  await browser.close();
}
