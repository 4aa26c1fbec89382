// The website widget in headless Chromium, as a visitor uses it. Run by
// crates/switchboard/tests/browser.rs, which starts the server and the host
// pages and passes them in the environment.
import { env, launch, step } from "./launch.mjs";

const BASE = env("BASE"), TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT");
const PAGE_URL = env("PAGE_URL"), BLOCKED_URL = env("BLOCKED_URL"), PRECHAT_URL = env("PRECHAT_URL"), SHOTS = env("SHOTS");
// A 1 x 1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

async function agent(path, body) {
  const r = await fetch(`${BASE}/api/v1/accounts/${ACCOUNT}${path}`, {
    method: body ? "POST" : "GET",
    headers: { api_access_token: TOKEN, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json().catch(() => null);
}

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
  step("the host page loads the widget");
  await page.goto(PAGE_URL);
  const launcher = page.locator(".launcher");
  await launcher.waitFor({ timeout: 15000 });
  await page.screenshot({ path: `${SHOTS}/widget-closed.png` });

  step("the visitor opens it and writes");
  await launcher.click();
  await page.getByRole("button", { name: "Start a conversation" }).click();
  await page.locator("textarea").fill("Hello from the widget");
  await page.keyboard.press("Enter");
  await page.locator("li.in:not(.pending)", { hasText: "Hello from the widget" }).waitFor({ timeout: 15000 });

  step("the visitor types again (the agent sees typing)");
  await page.locator("textarea").fill("one more thing");
  await page.waitForTimeout(800);
  await page.locator("textarea").fill("");

  const list = await agent("/conversations?status=all");
  const conv = list.data.payload.find((c) => c.meta.channel === "Channel::WebWidget");
  if (!conv) throw new Error("the agent does not see the conversation");

  step("the agent types and replies; the widget shows both live");
  await agent(`/conversations/${conv.id}/toggle_typing_status`, { typing_status: "on" });
  await page.locator(".typing").waitFor({ state: "visible", timeout: 10000 });
  await agent(`/conversations/${conv.id}/messages`, { content: "Hi! How can we help?" });
  await page.locator("li.out", { hasText: "Hi! How can we help?" }).waitFor({ timeout: 10000 });
  await agent(`/conversations/${conv.id}/messages`, { content: "internal: check the order", private: true });

  step("the team's Markdown shows as formatting and safe links, never as markup");
  await agent(`/conversations/${conv.id}/messages`, {
    content: "Order **#18231** ships _today_, see the [tracking page](https://track.example/18231) or `ERR-7`:\n- pack\n- ship\n[bad](javascript:window.__owned=1) <img src=x onerror=\"window.__owned=1\">",
  });
  const md = page.locator("li.out", { hasText: "ships" });
  await md.waitFor({ timeout: 10000 });
  await md.locator("strong", { hasText: "#18231" }).waitFor({ timeout: 5000 });
  await md.locator("em", { hasText: "today" }).waitFor();
  await md.locator("code", { hasText: "ERR-7" }).waitFor();
  if ((await md.locator("ul li").count()) !== 2) throw new Error("the list is not a list");
  const track = md.locator("a", { hasText: "tracking page" });
  if ((await track.getAttribute("href")) !== "https://track.example/18231") throw new Error("the link lost its address");
  if ((await track.getAttribute("target")) !== "_blank" || !(await track.getAttribute("rel")).includes("noopener")) throw new Error("links open in a new tab without the opener");
  if ((await md.locator("a").count()) !== 1) throw new Error("an unsafe link became a link");
  if ((await md.locator("img").count()) !== 0 || (await page.evaluate(() => window.__owned))) throw new Error("message text became markup");
  if ((await md.textContent()).includes("**")) throw new Error("raw Markdown is shown");

  step("the visitor sends a picture");
  await page.locator("input.files").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: PNG });
  await page.locator("li.in img").waitFor({ timeout: 15000 });
  await page.screenshot({ path: `${SHOTS}/widget-conversation.png` });

  step("a reload keeps the visitor and the history");
  await page.reload();
  await page.locator(".launcher").click();
  await page.locator("li.out", { hasText: "Hi! How can we help?" }).waitFor({ timeout: 15000 });
  await page.locator("li.in img").waitFor({ timeout: 15000 });
  const notes = await page.locator("li", { hasText: "internal: check the order" }).count();
  if (notes !== 0) throw new Error("a private note reached the widget");
  await page.screenshot({ path: `${SHOTS}/widget-after-reload.png` });

  step("after the agent resolves, the visitor rates the conversation");
  await agent(`/conversations/${conv.id}/toggle_status`, { status: "resolved" });
  await page.locator(".rating button[data-rating='5']").click({ timeout: 10000 });
  await page.locator(".rating .thanks").waitFor({ timeout: 10000 });
  await page.screenshot({ path: `${SHOTS}/widget-rating.png` });

  step("after a network drop the widget reconnects and fetches what it missed");
  await page.evaluate(() => window.$switchboard.reconnect());
  await page.waitForFunction(() => !window.$switchboard.status().connected, null, { timeout: 10000 });
  await agent(`/conversations/${conv.id}/messages`, { content: "Sent while you were offline" });
  await page.locator("li.out", { hasText: "Sent while you were offline" }).waitFor({ timeout: 20000 });
  const status = await page.evaluate(() => window.$switchboard.status());
  if (!status.connected || status.reconnects < 1) throw new Error(`no reconnect: ${JSON.stringify(status)}`);

  step("the page API: locale and identity");
  await page.evaluate(() => window.$switchboard.setLocale("ru"));
  await page.locator(".composer .send", { hasText: "Отправить" }).waitFor({ timeout: 5000 });
  await page.evaluate(() => window.$switchboard.setUser("shop-user-7", { email: "seven@example.com", name: "Seven" }));
  await page.evaluate(() => window.$switchboard.setLocale("en"));

  step("keyboard: Escape closes and returns focus to the bubble; Enter opens and focuses the composer");
  await page.locator("textarea").focus();
  await page.keyboard.press("Escape");
  await page.locator(".panel").waitFor({ state: "hidden" });
  const focusedLauncher = await page.evaluate(() => document.querySelector("[data-switchboard-widget]").shadowRoot.activeElement?.classList.contains("launcher"));
  if (!focusedLauncher) throw new Error("focus did not return to the bubble");
  const expanded = await page.locator(".launcher").getAttribute("aria-expanded");
  if (expanded !== "false") throw new Error(`aria-expanded is ${expanded}`);
  await page.keyboard.press("Enter");
  await page.locator(".panel").waitFor({ state: "visible" });
  const inComposer = await page.evaluate(() => document.querySelector("[data-switchboard-widget]").shadowRoot.activeElement?.id === "sb-input");
  if (!inComposer) throw new Error("opening did not focus the composer");
  if ((await page.locator(".launcher").getAttribute("aria-label")) !== "Close chat") throw new Error("the bubble has no accessible name");

  step("screen readers: the window, the history and every control have names");
  const tree = await page.locator(".panel").ariaSnapshot();
  if (!/^- dialog "[^"]+"/.test(tree)) throw new Error(`the chat window has no name:\n${tree}`);
  if (!/- log "Messages"/.test(tree)) throw new Error(`the history is not a named live log:\n${tree}`);
  if (!/- textbox "Type your message…"/.test(tree)) throw new Error(`the composer has no name:\n${tree}`);
  const unnamed = tree.split("\n").filter((line) => /^\s*- (button|textbox|link|checkbox|radio|combobox)(:|\s*$|\s*\[)/.test(line));
  if (unnamed.length) throw new Error(`controls without a name:\n${unnamed.join("\n")}\n---\n${tree}`);

  step("a message that failed to send is a retry button for the keyboard");
  await page.route("**/api/v1/widget/messages?*", (route) => (route.request().method() === "POST" ? route.abort() : route.continue()));
  await page.locator("textarea").fill("This one fails first");
  await page.keyboard.press("Enter");
  const failed = page.locator("li.failed[role=button][tabindex='0']", { hasText: "This one fails first" });
  await failed.waitFor({ timeout: 10000 });
  await page.unroute("**/api/v1/widget/messages?*");
  await failed.focus();
  await page.keyboard.press("Enter");
  await page.locator("li.in:not(.failed):not(.pending)", { hasText: "This one fails first" }).waitFor({ timeout: 10000 });

  step("phones get the full screen");
  await page.setViewportSize({ width: 390, height: 760 });
  const box = await page.locator(".panel").boundingBox();
  if (!box || box.width < 380) throw new Error(`panel is ${box && box.width}px wide on a phone`);
  await page.screenshot({ path: `${SHOTS}/widget-fullscreen.png` });

  step("a pre-chat form asks for details before the first conversation");
  const pre = await context.newPage();
  await pre.goto(PRECHAT_URL);
  await pre.locator(".launcher").click();
  await pre.getByRole("button", { name: "Start a conversation" }).click();
  await pre.locator(".prechat").waitFor({ timeout: 15000 });
  await pre.locator(".prechat button").click();
  await pre.locator(".prechat input[name=emailAddress][aria-invalid=true]").waitFor();
  await pre.locator(".prechat input[name=fullName]").fill("Pat Prechat");
  await pre.locator(".prechat input[name=emailAddress]").fill("pat@example.com");
  await pre.locator(".prechat textarea[name=message]").fill("Question about delivery");
  await pre.screenshot({ path: `${SHOTS}/widget-prechat.png` });
  await pre.locator(".prechat button").click();
  await pre.locator("li.in", { hasText: "Question about delivery" }).waitFor({ timeout: 15000 });
  if (await pre.locator(".prechat").isVisible()) throw new Error("the pre-chat form stayed after starting");

  step("a site outside allowed_domains gets no widget");
  const other = await context.newPage();
  await other.goto(BLOCKED_URL);
  await other.waitForTimeout(2000);
  const shown = await other.locator(".launcher").count();
  if (shown !== 0) throw new Error("the widget appeared on a site that is not allowed");
  console.log(JSON.stringify({ ok: true, conversation: conv.id }));
} finally {
  await browser.close();
}
