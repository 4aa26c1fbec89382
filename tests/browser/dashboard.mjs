// The agents' dashboard in headless Chromium: sign-in with the session cookie,
// the conversation list and a thread, CSRF on writes, sign-out. Run by
// crates/switchboard/tests/browser.rs, which starts the server and seeds it.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const CONTACT = env("CONTACT"), CONVERSATION = env("CONVERSATION");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), INBOX = env("INBOX");
const SECOND_EMAIL = env("SECOND_EMAIL"), SECOND_PASSWORD = env("SECOND_PASSWORD");
const INBOX_IDENTIFIER = env("INBOX_IDENTIFIER");

// A visitor on the public Client API.
async function visitorApi(path, body) {
  const r = await fetch(`${BASE}/public/api/v1/inboxes/${INBOX_IDENTIFIER}${path}`, {
    method: body ? "POST" : "GET",
    headers: { "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json().catch(() => null);
}

const agentApi = accountApi(BASE, ACCOUNT, TOKEN);

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  // Lets the test drop the dashboard's socket and hold reconnection back
  // (a held attempt goes to a closed loopback port and fails).
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.__holdSockets = false;
    window.WebSocket = class extends Native {
      constructor(url, protocols) {
        super(window.__holdSockets ? "ws://127.0.0.1:1/" : url, protocols);
        window.__sockets.push(this);
      }
    };
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });

  step("an unauthenticated visit shows the sign-in form");
  await page.goto(`${BASE}/app`);
  await page.getByRole("heading", { name: "Sign in to Switchboard" }).waitFor({ timeout: 15000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-sign-in.png` });

  step("a wrong password is refused with a message");
  await page.getByLabel("E-mail").fill(EMAIL);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "Invalid e-mail or password." }).waitFor({ timeout: 10000 });

  step("the right one opens the conversation list");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  const card = page.locator(`button[data-conversation="${CONVERSATION}"]`);
  await card.waitFor({ timeout: 15000 });
  if (!(await card.textContent()).includes(CONTACT)) throw new Error("the card does not name the contact");
  const cookies = await context.cookies(BASE);
  const session = cookies.find((c) => c.name === "sb_session");
  if (!session || !session.httpOnly || session.sameSite !== "Lax") throw new Error(`session cookie: ${JSON.stringify(session)}`);
  if (await page.evaluate(() => document.cookie.includes("sb_session"))) throw new Error("the page can read the session cookie");

  step("opening a conversation shows its thread, message text inert");
  await card.click();
  await page.locator(".thread li.in", { hasText: "Where is my order?" }).waitFor({ timeout: 10000 });
  await page.locator(".thread li.in", { hasText: "<img src=x onerror=" }).waitFor({ timeout: 10000 });
  if (await page.locator(".thread img").count()) throw new Error("message text became markup");
  if (await page.evaluate(() => window.__owned)) throw new Error("message text ran a script");
  if ((await card.getAttribute("aria-current")) !== "true") throw new Error("the open conversation is not marked current");

  step("the thread separates days (Yesterday, Today, the date) and shows the full time on hover");
  await page.locator(".thread li.in", { hasText: "Ordered on Monday" }).waitFor({ timeout: 10000 });
  const days = await page.locator(".thread li.day").allTextContents();
  if (days.length !== 3 || days[1] !== "Yesterday" || days[2] !== "Today" || !/\d/.test(days[0])) throw new Error(`day separators: ${JSON.stringify(days)}`);
  const firstToday = await page.locator(".thread li.day").nth(2).evaluate((d) => d.nextElementSibling.textContent);
  if (!firstToday.includes("Where is my order?")) throw new Error(`"Today" is not before today's first message: ${firstToday}`);
  const stamp = await page.locator(".thread li.in", { hasText: "Still waiting" }).locator("time").getAttribute("title");
  if (!stamp || !/\d{4}/.test(stamp)) throw new Error(`no full timestamp on hover: ${stamp}`);

  step("message text renders as safe Markdown: bold, italics, code, http links only");
  const md = page.locator(".thread li.in", { hasText: "Order 1042" });
  await md.locator("strong", { hasText: "Order 1042" }).waitFor({ timeout: 10000 });
  await md.locator("em", { hasText: "late" }).waitFor();
  await md.locator("code", { hasText: "ERR-7" }).waitFor();
  const tracking = md.locator("a", { hasText: "tracking" });
  if ((await tracking.getAttribute("href")) !== "https://track.example/1042") throw new Error("the link lost its address");
  if (!(await tracking.getAttribute("rel")).includes("noopener")) throw new Error("links must not hand over window.opener");
  const unsafe = await page.locator(".thread a").evaluateAll((as) => as.map((a) => a.getAttribute("href")).filter((h) => !/^https?:/.test(h)));
  if (unsafe.length) throw new Error(`unsafe links rendered: ${unsafe}`);

  step("a customer's new message arrives live in the open thread and lifts its card");
  await agentApi(`/conversations/${CONVERSATION}/messages`, { content: "Any news?", message_type: "incoming" });
  await page.locator(".thread li.in", { hasText: "Any news?" }).waitFor({ timeout: 10000 });
  await card.locator(".preview", { hasText: "Any news?" }).waitFor({ timeout: 10000 });

  step("a new conversation appears in the list without a refresh");
  const contact = await agentApi("/contacts", { name: "Eli Newcomer", inbox_id: Number(INBOX) });
  const fresh = await agentApi("/conversations", { inbox_id: Number(INBOX), contact_id: contact.payload.contact.id });
  await page.locator(`button[data-conversation="${fresh.id}"]`, { hasText: "Eli Newcomer" }).waitFor({ timeout: 10000 });
  const firstCard = await page.locator(".list button").first().getAttribute("data-conversation");
  if (firstCard !== String(fresh.id)) throw new Error(`the new conversation is not on top (${firstCard})`);

  step("the agent replies with Enter; Shift+Enter keeps a new line");
  await page.locator("#composer-input").fill("We are on it.");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("Tracking follows.");
  await page.keyboard.press("Enter");
  await page.locator(".thread li.out:not(.pending)", { hasText: "Tracking follows." }).waitFor({ timeout: 10000 });
  if ((await page.locator("#composer-input").inputValue()) !== "") throw new Error("the composer was not cleared");

  step("a private note is sent as a note");
  await page.getByRole("button", { name: "Private note" }).click();
  await page.locator("#composer-input").fill("Customer is a VIP");
  await page.keyboard.press("Enter");
  await page.locator(".thread li.note:not(.pending)", { hasText: "Customer is a VIP" }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Reply", exact: true }).click();
  const sent = (await agentApi(`/conversations/${CONVERSATION}/messages`)).payload;
  const reply = sent.find((m) => m.content === "We are on it.\nTracking follows.");
  const note = sent.find((m) => m.content === "Customer is a VIP");
  if (!reply || reply.message_type !== 1 || reply.private) throw new Error(`reply: ${JSON.stringify(reply)}`);
  if (!note || !note.private) throw new Error(`note: ${JSON.stringify(note)}`);
  if (await page.locator(".thread li", { hasText: "Tracking follows." }).count() !== 1) throw new Error("the reply shows twice");

  step("a list that cannot load says so with Retry, and its counts do not drop to 0");
  const allCount = page.locator("[role=tab][data-tab=all] .count");
  const countBefore = (await allCount.textContent()).trim();
  // The list and its counts both unreachable (a successful count for the
  // new filter would rightly change the number).
  const listRoute = (url) => url.pathname.endsWith(`/accounts/${ACCOUNT}/conversations`) || url.pathname.endsWith(`/accounts/${ACCOUNT}/conversations/meta`);
  await page.route(listRoute, (r) => r.abort());
  await page.locator("#status-filter").selectOption("pending");
  const alert = page.getByRole("alert").filter({ hasText: "Couldn't reach the server." });
  await alert.waitFor({ timeout: 10000 });
  if ((await allCount.textContent()).trim() !== countBefore) throw new Error(`the count changed on failure: ${await allCount.textContent()}`);
  await page.unroute(listRoute);
  await page.locator("#status-filter").selectOption("open");
  await alert.waitFor({ state: "hidden", timeout: 10000 });
  await page.route(listRoute, (r) => r.abort());
  await page.locator("#status-filter").selectOption("all");
  await alert.waitFor({ timeout: 10000 });
  await page.unroute(listRoute);
  await page.locator("#status-filter").selectOption("open");
  await alert.waitFor({ state: "hidden", timeout: 10000 });
  // Retry itself works too.
  await page.route(listRoute, (r) => r.abort());
  await page.locator("#status-filter").selectOption("all");
  await alert.waitFor({ timeout: 10000 });
  await page.unroute(listRoute);
  await alert.getByRole("button", { name: "Retry" }).click();
  await alert.waitFor({ state: "hidden", timeout: 10000 });
  await page.locator(`button[data-conversation="${CONVERSATION}"]`).waitFor({ timeout: 10000 });
  await page.locator("#status-filter").selectOption("open");
  await page.locator(`button[data-conversation="${CONVERSATION}"]`).waitFor({ timeout: 10000 });

  step("a send that fails is marked and can be retried");
  const route = `${BASE}/api/v1/accounts/${ACCOUNT}/conversations/${CONVERSATION}/messages`;
  await page.route(route, (r) => (r.request().method() === "POST" ? r.abort() : r.continue()));
  await page.locator("#composer-input").fill("Second try works");
  await page.keyboard.press("Enter");
  const failed = page.locator(".thread li.failed", { hasText: "Second try works" });
  await failed.waitFor({ timeout: 10000 });
  await page.unroute(route);
  await failed.getByRole("button", { name: "Retry" }).click();
  await page.locator(".thread li.out:not(.failed):not(.pending)", { hasText: "Second try works" }).waitFor({ timeout: 10000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-conversation.png` });

  step("after a dropped connection it says so, then catches up on what it missed");
  await page.evaluate(() => { window.__holdSockets = true; window.__sockets.forEach((s) => s.close()); });
  await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor({ timeout: 10000 });
  await agentApi(`/conversations/${CONVERSATION}/messages`, { content: "Sent while you were away", message_type: "incoming" });
  await page.waitForTimeout(300);
  if (await page.locator(".thread li", { hasText: "Sent while you were away" }).count()) throw new Error("the socket was not down");
  await page.evaluate(() => { window.__holdSockets = false; });
  await page.locator(".thread li.in", { hasText: "Sent while you were away" }).waitFor({ timeout: 15000 });
  await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor({ state: "hidden", timeout: 10000 });

  step("a draft stays with its conversation across switching and a reload");
  const composerBox = page.locator("#composer-input");
  await composerBox.fill("Half-written answer");
  await page.locator(`button[data-conversation="${fresh.id}"]`).click();
  await page.locator(".conv-header .title", { hasText: "Eli Newcomer" }).waitFor({ timeout: 10000 });
  if ((await composerBox.inputValue()) !== "") throw new Error("the draft followed into another conversation");
  await card.click();
  await page.locator(".conv-header .title", { hasText: CONTACT }).waitFor({ timeout: 10000 });
  if ((await composerBox.inputValue()) !== "Half-written answer") throw new Error("the draft was lost on switching");
  await page.reload();
  await card.click();
  await page.locator(".conv-header .title", { hasText: CONTACT }).waitFor({ timeout: 10000 });
  if ((await composerBox.inputValue()) !== "Half-written answer") throw new Error("the draft was lost on reload");
  await composerBox.fill("");

  step("canned responses: / and a short code offers them, Enter inserts, Enter again sends");
  await composerBox.fill("");
  await composerBox.pressSequentially("/tha");
  const option = page.getByRole("option", { name: /\/thanks/ });
  await option.waitFor({ timeout: 10000 });
  if (await page.getByRole("option", { name: /\/hello/ }).count()) throw new Error("the list does not narrow by short code");
  await page.keyboard.press("Enter");
  if ((await composerBox.inputValue()) !== "Thank you for waiting!") throw new Error(`inserted: ${await composerBox.inputValue()}`);
  if (await option.isVisible()) throw new Error("the list stayed open");
  await page.keyboard.press("Enter");
  await page.locator(".thread li.out:not(.pending)", { hasText: "Thank you for waiting!" }).waitFor({ timeout: 10000 });

  step("a second agent signs in in another browser");
  const second = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const bob = await second.newPage();
  bob.on("pageerror", (e) => errors.push(`second agent: ${e.message}`));
  await signIn(bob, BASE, SECOND_EMAIL, SECOND_PASSWORD);
  await bob.getByRole("tab", { name: /Unassigned/ }).click();
  const bobCard = bob.locator(`button[data-conversation="${CONVERSATION}"]`);
  await bobCard.waitFor({ timeout: 10000 });
  await bobCard.click();
  await bob.locator(".thread li", { hasText: "Thank you for waiting!" }).waitFor({ timeout: 10000 });

  step("the tabs count conversations; Assign to me moves this one into Mine");
  const count = (tab) => page.locator(`[role=tab][data-tab=${tab}] .count`);
  await count("all").filter({ hasText: /^2$/ }).waitFor({ timeout: 10000 });
  if ((await count("mine").textContent()) !== "0" || (await count("unassigned").textContent()) !== "2") throw new Error("wrong counts");
  const header = page.locator(".conv-header");
  await header.locator(".title", { hasText: CONTACT }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Assign to me" }).click();
  await header.locator(".assignee", { hasText: "Alice Admin" }).waitFor({ timeout: 10000 });
  await count("mine").filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });
  await count("unassigned").filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });
  // The other agent sees it leave Unassigned, with its new assignee, at once.
  await bobCard.waitFor({ state: "detached", timeout: 10000 });
  await bob.locator(".conv-header .assignee", { hasText: "Alice Admin" }).waitFor({ timeout: 10000 });
  await bob.locator("[role=tab][data-tab=unassigned] .count").filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });
  if ((await bob.locator("[role=tab][data-tab=mine] .count").textContent()) !== "0") throw new Error("it counted as the second agent's");
  // In the second agent's All tab the card carries the assignee's avatar.
  await bob.getByRole("tab", { name: /All/ }).click();
  await bobCard.locator(".face[aria-label='Assignee: Alice Admin'] .avatar", { hasText: "AA" }).waitFor({ timeout: 10000 });
  await page.getByRole("tab", { name: /Mine/ }).click();
  await page.waitForFunction(() => document.querySelectorAll(".list button").length === 1, null, { timeout: 10000 });
  if (!(await card.isVisible())) throw new Error("Mine does not list the assigned conversation");
  await page.getByRole("tab", { name: /All/ }).click();
  const shown = await agentApi(`/conversations/${CONVERSATION}`);
  if (!shown.meta.assignee || shown.meta.assignee.name !== "Alice Admin") throw new Error(`assignee: ${JSON.stringify(shown.meta.assignee)}`);

  step("assigning to another agent from the picker moves it into their Mine");
  await header.getByRole("button", { name: /^Assign to: / }).click();
  await page.getByRole("combobox", { name: "Assign to" }).fill("bob");
  await page.getByRole("option", { name: /Bob Agent/ }).waitFor({ timeout: 5000 });
  await page.keyboard.press("Enter");
  await header.locator(".assignee", { hasText: "Bob Agent" }).waitFor({ timeout: 10000 });
  await bob.locator("[role=tab][data-tab=mine] .count").filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });
  await count("mine").filter({ hasText: /^0$/ }).waitFor({ timeout: 10000 });
  const toBob = await agentApi(`/conversations/${CONVERSATION}`);
  if (!toBob.meta.assignee || toBob.meta.assignee.name !== "Bob Agent") throw new Error(`assignee: ${JSON.stringify(toBob.meta.assignee)}`);
  await page.getByRole("button", { name: "Assign to me" }).click();
  await header.locator(".assignee", { hasText: "Alice Admin" }).waitFor({ timeout: 10000 });

  step("Resolve takes it out of Open; the Resolved filter shows it; Reopen brings it back");
  await page.getByRole("button", { name: "Resolve", exact: true }).click();
  await header.locator(".status", { hasText: "Resolved" }).waitFor({ timeout: 10000 });
  await card.waitFor({ state: "detached", timeout: 10000 });
  await page.getByLabel("Status", { exact: true }).selectOption("resolved");
  await card.waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Reopen" }).click();
  await header.locator(".status", { hasText: "Open" }).waitFor({ timeout: 10000 });
  await card.waitFor({ state: "detached", timeout: 10000 });
  await page.getByLabel("Status", { exact: true }).selectOption("open");
  await card.waitFor({ timeout: 10000 });

  step("Snooze for an hour");
  await header.getByRole("button", { name: "Snooze or mark as pending" }).click();
  await page.getByRole("menuitem", { name: "For an hour" }).click();
  await header.locator(".status", { hasText: "Snoozed" }).waitFor({ timeout: 10000 });
  const snoozed = await agentApi(`/conversations/${CONVERSATION}`);
  const inAnHour = Date.now() / 1000 + 3600;
  if (snoozed.status !== "snoozed" || !(Math.abs(Date.parse(snoozed.snoozed_until) / 1000 - inAnHour) <= 120)) throw new Error(`snooze: ${snoozed.status} ${snoozed.snoozed_until}`);
  await page.getByRole("button", { name: "Resolve", exact: true }).click();
  await header.locator(".status", { hasText: "Resolved" }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Reopen" }).click();
  await header.locator(".status", { hasText: "Open" }).waitFor({ timeout: 10000 });
  await card.waitFor({ timeout: 10000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-conversation.png` });

  step("a visitor writes; the agent sees it live, replies and notes; the visitor gets the reply, never the note");
  const visitor = await visitorApi("/contacts", { name: "Vera Visitor" });
  const vconv = await visitorApi(`/contacts/${visitor.source_id}/conversations`, {});
  await visitorApi(`/contacts/${visitor.source_id}/conversations/${vconv.id}/messages`, { content: "Hello from the site" });
  const vcard = page.locator(`button[data-conversation="${vconv.id}"]`, { hasText: "Vera Visitor" });
  await vcard.waitFor({ timeout: 10000 });
  await vcard.click();
  await page.locator(".thread li.in", { hasText: "Hello from the site" }).waitFor({ timeout: 10000 });
  const typingPath = `/contacts/${visitor.source_id}/conversations/${vconv.id}/toggle_typing`;
  await visitorApi(typingPath, { typing_status: "on" });
  await page.locator(".typing-line", { hasText: "Vera Visitor is typing…" }).waitFor({ timeout: 10000 });
  await visitorApi(typingPath, { typing_status: "off" });
  await page.locator(".typing-line").waitFor({ state: "hidden", timeout: 10000 });
  await composerBox.fill("Hi Vera, how can I help?");
  await page.keyboard.press("Enter");
  await page.locator(".thread li.out:not(.pending)", { hasText: "Hi Vera" }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Private note" }).click();
  await composerBox.fill("Vera asked before, see #1");
  await page.keyboard.press("Enter");
  await page.locator(".thread li.note:not(.pending)", { hasText: "Vera asked before" }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Reply", exact: true }).click();
  const seen = await visitorApi(`/contacts/${visitor.source_id}/conversations/${vconv.id}/messages`);
  if (!seen.some((m) => m.content === "Hi Vera, how can I help?")) throw new Error("the visitor did not get the reply");
  if (seen.some((m) => (m.content || "").includes("Vera asked before"))) throw new Error("the private note reached the visitor");

  step("an agent's typing shows to the other agent in the same conversation, and stops");
  await card.click();
  await page.locator(".conv-header .title", { hasText: CONTACT }).waitFor({ timeout: 10000 });
  await composerBox.pressSequentially("Let me check");
  await bob.locator(".typing-line", { hasText: "Alice Admin is typing…" }).waitFor({ timeout: 10000 });
  await composerBox.fill("");
  await bob.locator(".typing-line").waitFor({ state: "hidden", timeout: 10000 });

  step("keyboard: ? lists the keys; j / k move between conversations, also on a Russian layout; r focuses the reply");
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press("Shift+Slash");
  const helpDialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await helpDialog.waitFor({ timeout: 5000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-keys.png` });
  await page.keyboard.press("Escape");
  await helpDialog.waitFor({ state: "hidden", timeout: 5000 });
  const order = await page.locator(".list button[data-conversation]").evaluateAll((bs) => bs.map((b) => b.dataset.conversation));
  const current = async () => page.locator(".list button[aria-current=true]").getAttribute("data-conversation");
  const from = order.indexOf(await current());
  if (from < 0 || from + 1 >= order.length) throw new Error(`cannot step from ${from} in ${order}`);
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press("j");
  await page.waitForFunction((id) => document.querySelector(".list button[aria-current=true]")?.dataset.conversation === id, order[from + 1], { timeout: 5000 });
  // A Russian layout sends "л" and "о" from the same physical keys.
  await page.evaluate(() => document.dispatchEvent(new KeyboardEvent("keydown", { code: "KeyK", key: "л", bubbles: true })));
  await page.waitForFunction((id) => document.querySelector(".list button[aria-current=true]")?.dataset.conversation === id, order[from], { timeout: 5000 });
  // Once the thread has loaded, focus is still outside the composer: the next key still steps.
  await page.locator(".thread li:not(.skeleton)").first().waitFor({ timeout: 5000 });
  await page.waitForTimeout(200);
  if (await page.evaluate(() => document.activeElement?.id === "composer-input")) throw new Error("stepping moved focus into the composer");
  await page.keyboard.press("r");
  if (!(await page.evaluate(() => document.activeElement?.id === "composer-input"))) throw new Error("r did not focus the composer");
  await page.keyboard.type("jk");
  const typed = await composerBox.inputValue();
  if (typed !== "jk") throw new Error(`letters typed in the composer were taken as shortcuts: ${JSON.stringify(typed)}`);
  // Alt+J / Alt+K move between conversations even from the composer.
  const typingIn = await current();
  const at = order.indexOf(typingIn);
  await page.keyboard.press("Alt+KeyJ");
  await page.waitForFunction((id) => document.querySelector(".list button[aria-current=true]")?.dataset.conversation === id, order[at + 1], { timeout: 5000 });
  await composerBox.focus();
  await page.keyboard.press("Alt+KeyK");
  await page.waitForFunction((id) => document.querySelector(".list button[aria-current=true]")?.dataset.conversation === id, typingIn, { timeout: 5000 });
  if ((await composerBox.inputValue()) !== "jk") throw new Error(`Alt+J/K lost or changed the draft: ${await composerBox.inputValue()}`);
  await composerBox.focus();
  // Escape leaves the composer (the draft stays) and the keys work again.
  await page.keyboard.press("Escape");
  if (await page.evaluate(() => document.activeElement?.id === "composer-input")) throw new Error("Escape did not leave the composer");
  await page.keyboard.press("Shift+Slash");
  await helpDialog.waitFor({ timeout: 5000 });
  await page.keyboard.press("Escape");
  if ((await composerBox.inputValue()) !== "jk") throw new Error("Escape lost the draft or keys reached it");
  await composerBox.fill("");

  step("a card opened by a click leaves the keys to shortcuts: a assigns, nothing reaches the reply");
  await agentApi(`/conversations/${CONVERSATION}/assignments`, { assignee_id: null });
  await page.locator(`button[data-conversation="${CONVERSATION}"]`).click();
  await page.locator(".thread li.in", { hasText: "Where is my order?" }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Assign to me" }).waitFor({ timeout: 10000 });
  await page.waitForTimeout(200);
  if (await page.evaluate(() => document.activeElement?.id === "composer-input")) throw new Error("a click moved focus into the composer");
  await page.keyboard.press("a");
  for (let i = 0; ; i++) {
    const c = await agentApi(`/conversations/${CONVERSATION}`);
    if (c.meta && c.meta.assignee && c.meta.assignee.email === EMAIL) break;
    if (i > 50) throw new Error(`a did not assign: ${JSON.stringify(c.meta && c.meta.assignee)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if ((await composerBox.inputValue()) !== "") throw new Error(`a was typed into the reply: ${await composerBox.inputValue()}`);

  step("more keys: tabs by number, the team and label pickers, priority, Shift+E resolves and opens the next");
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press("3");
  await page.locator("[role=tab][data-tab=all][aria-selected=true]").waitFor({ timeout: 5000 });
  await page.keyboard.press("2");
  await page.locator("[role=tab][data-tab=unassigned][aria-selected=true]").waitFor({ timeout: 5000 });
  await page.keyboard.press("3");
  await page.locator("[role=tab][data-tab=all][aria-selected=true]").waitFor({ timeout: 5000 });
  await page.locator(`button[data-conversation="${CONVERSATION}"]`).click();
  await page.locator(".thread li.in", { hasText: "Where is my order?" }).waitFor({ timeout: 10000 });
  await page.keyboard.press("t");
  await page.locator(".conv-header .picker-popup:not([hidden]) input[role=combobox]").waitFor({ timeout: 5000 });
  await page.keyboard.press("Escape");
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press("l");
  await page.locator(".contact-panel .picker-popup:not([hidden]) input[role=combobox]").waitFor({ timeout: 5000 });
  await page.keyboard.press("Escape");
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press("p");
  if (!(await page.evaluate(() => document.activeElement?.closest(".conv-header") && document.activeElement.getAttribute("role") === "menuitemradio"))) throw new Error("p did not focus the priority");
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const orderNow = await page.locator(".list button[data-conversation]").evaluateAll((bs) => bs.map((b) => b.dataset.conversation));
  const here = orderNow.indexOf(String(CONVERSATION));
  const nextOne = orderNow[here + 1] || orderNow[here - 1];
  await page.keyboard.press("Shift+KeyE");
  for (let i = 0; ; i++) {
    const c = await agentApi(`/conversations/${CONVERSATION}`);
    if (c.status === "resolved") break;
    if (i > 50) throw new Error(`Shift+E did not resolve: ${c.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (orderNow[here + 1]) {
    await page.waitForFunction((id) => document.querySelector(".list button[aria-current=true]")?.dataset.conversation === id, nextOne, { timeout: 5000 });
  }
  await agentApi(`/conversations/${CONVERSATION}/toggle_status`, { status: "open" });

  step("availability: choosing Busy is saved on the server");
  await page.getByLabel("Availability").selectOption("busy");
  for (let i = 0; ; i++) {
    const me = await fetch(`${BASE}/api/v1/profile`, { headers: { api_access_token: TOKEN } }).then((r) => r.json());
    if (me.availability_status === "busy") break;
    if (i > 50) throw new Error(`availability is ${me.availability_status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.getByLabel("Availability").selectOption("online");

  step("writes from the page carry the CSRF token; without it they are refused");
  const statuses = await page.evaluate(async () => {
    const csrf = document.cookie.split(";").map((c) => c.trim().split("=")).find(([k]) => k === "sb_csrf")[1];
    const put = (headers) => fetch("/api/v1/profile", {
      method: "PUT", credentials: "same-origin",
      headers: Object.assign({ "Content-Type": "application/json" }, headers),
      body: JSON.stringify({ display_name: "Ally" }),
    }).then((r) => r.status);
    return [await put({}), await put({ "X-CSRF-Token": csrf })];
  });
  if (statuses[0] !== 403 || statuses[1] !== 200) throw new Error(`CSRF statuses ${statuses}`);

  step("signing out returns to the sign-in form, and a reload stays there");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to Switchboard" }).waitFor({ timeout: 10000 });
  await page.reload();
  await page.getByRole("heading", { name: "Sign in to Switchboard" }).waitFor({ timeout: 10000 });
  if ((await context.cookies(BASE)).some((c) => c.name === "sb_session")) throw new Error("the session cookie outlived sign-out");

  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
