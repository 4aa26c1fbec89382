// The conversation pane: the composer's emoji picker (arrows, Enter at the
// caret, Escape back to the text), the canned-response browser and the
// variables filled into canned responses (a reply still holding one waits
// for a second Send), a pasted and a dropped picture shown as thumbnails and
// sent, the thread at 1440x900 for the README, the header's toolbar on one
// row at 1280 and 1024 with every action in More, and the thread's skeleton
// while its messages load and Retry when they fail to.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), CONVERSATION = Number(env("CONVERSATION")), OTHER = Number(env("OTHER"));
const CONTACT = env("CONTACT"), CONTACT_EMAIL = env("CONTACT_EMAIL"), INBOX_NAME = env("INBOX_NAME");
const agentApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}
async function until(what, f) {
  for (let i = 0; i < 100; i++) {
    const v = await f().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}`);
}
const messagesOf = async (id) => (await agentApi(`/conversations/${id}/messages`)).payload;

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };
  const composer = page.locator("#composer-input");
  const focusedId = () => page.evaluate(() => document.activeElement && document.activeElement.id);
  const card = (id) => page.locator(`button[data-conversation="${id}"]`);
  const me = await fetch(`${BASE}/api/v1/profile`, { headers: { api_access_token: TOKEN } }).then((r) => r.json());
  const agentName = me.available_name || me.name;

  step("sign in and open the conversation");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await card(CONVERSATION).click();
  await page.locator(".thread li.in", { hasText: "Do you ship to Lisbon?" }).waitFor(T);
  await page.locator(".conv-header .title", { hasText: CONTACT }).waitFor(T);

  step("emoji: the picker opens on its search box, arrows move, Enter inserts at the caret");
  await composer.fill("Great news");
  await composer.evaluate((t) => t.setSelectionRange(5, 5));
  const emojiButton = page.getByRole("button", { name: "Emoji" });
  await emojiButton.click();
  const emojiDialog = page.getByRole("dialog", { name: "Emoji" });
  await emojiDialog.waitFor(T);
  check(await emojiButton.getAttribute("aria-expanded") === "true", "the emoji button does not say it is expanded", "");
  const emojiSearch = emojiDialog.getByRole("combobox", { name: "Search emoji" });
  check(await emojiSearch.evaluate((e) => e === document.activeElement), "focus is not in the emoji search", "");
  check(await emojiDialog.getByRole("option").count() >= 100, "fewer than 100 emoji", await emojiDialog.getByRole("option").count());
  check(await emojiDialog.getByRole("group").count() >= 4, "the emoji are not in categories", "");
  const active = () => page.evaluate(() => {
    const s = document.activeElement;
    const o = s && document.getElementById(s.getAttribute("aria-activedescendant") || "");
    if (!o) return null;
    const r = o.getBoundingClientRect();
    return { name: o.getAttribute("aria-label"), selected: o.getAttribute("aria-selected"), left: Math.round(r.left), top: Math.round(r.top) };
  });
  const first = await active();
  check(first && first.selected === "true", "no emoji is active", first);
  await page.keyboard.press("ArrowRight");
  const right = await active();
  check(right.name !== first.name && right.top === first.top && right.left > first.left, "ArrowRight did not move right", { first, right });
  await page.keyboard.press("ArrowDown");
  const below = await active();
  check(below.top > right.top && below.left === right.left, "ArrowDown did not move to the row below", { right, below });
  await page.keyboard.press("ArrowUp");
  check(JSON.stringify(await active()) === JSON.stringify(right), "ArrowUp did not come back", await active());
  await emojiSearch.fill("thumbs");
  await emojiDialog.getByRole("option", { name: "thumbs up" }).waitFor(T);
  check(await emojiDialog.getByRole("option", { name: "grinning face" }).count() === 0, "search does not narrow by name", "");
  check((await active()).name === "thumbs up", "the first match is not active", await active());
  await page.keyboard.press("Enter");
  await emojiDialog.waitFor({ state: "hidden", ...T });
  check(await composer.inputValue() === "Great👍 news", "the emoji did not go in at the caret", await composer.inputValue());
  check(await focusedId() === "composer-input", "focus did not return to the text", await focusedId());
  const caret = await composer.evaluate((t) => t.selectionStart);
  check(caret === "Great👍".length, "the caret is not after the emoji", caret);

  step("emoji: Escape closes and returns to the text; a click on an emoji inserts it");
  await emojiButton.click();
  await emojiDialog.waitFor(T);
  await page.keyboard.press("Escape");
  await emojiDialog.waitFor({ state: "hidden", ...T });
  check(await focusedId() === "composer-input", "Escape did not return to the text", await focusedId());
  check(await composer.inputValue() === "Great👍 news", "Escape changed the text", await composer.inputValue());
  await composer.evaluate((t) => t.setSelectionRange(t.value.length, t.value.length));
  await emojiButton.click();
  await emojiSearch.fill("party");
  await emojiDialog.getByRole("option", { name: "party popper" }).click();
  check(await composer.inputValue() === "Great👍 news🎉", "a clicked emoji did not go in", await composer.inputValue());
  await composer.fill("");

  step("canned responses: the browser lists, searches and inserts at the caret with the variables filled in");
  await composer.fill("Hello! ");
  const cannedButton = page.getByRole("button", { name: "Canned responses" });
  await cannedButton.click();
  const cannedDialog = page.getByRole("dialog", { name: "Canned responses" });
  await cannedDialog.waitFor(T);
  await cannedDialog.getByRole("option", { name: /\/greet/ }).waitFor(T);
  await cannedDialog.getByRole("option", { name: /\/mailme/ }).waitFor(T);
  await cannedDialog.getByRole("option", { name: /Hi \{\{contact\.first_name\}\}/ }).waitFor(T);
  await cannedDialog.getByRole("combobox", { name: "Find a canned response" }).fill("gree");
  await cannedDialog.getByRole("option", { name: /\/mailme/ }).waitFor({ state: "detached", ...T });
  await page.keyboard.press("Enter");
  await cannedDialog.waitFor({ state: "hidden", ...T });
  const greeting = `Hello! Hi Maximiliana, this is ${agentName} (${agentName.split(" ")[0]}, ${EMAIL}) from ${INBOX_NAME} about #${CONVERSATION}.`;
  check(await composer.inputValue() === greeting, "the canned response with its variables", await composer.inputValue());
  check(await focusedId() === "composer-input", "focus did not return to the text", await focusedId());
  await page.keyboard.press("Enter");
  await page.locator(".thread li.out:not(.pending)", { hasText: "from " + INBOX_NAME }).waitFor(T);
  await until("the greeting sent", async () => (await messagesOf(CONVERSATION)).some((m) => m.content === greeting));

  step("a short code fills variables too; one without a value stays visible and holds the reply for a second Send");
  await composer.fill("");
  await composer.pressSequentially("/mailm");
  await page.getByRole("option", { name: /\/mailme/ }).waitFor(T);
  await page.keyboard.press("Enter");
  const mailText = `We'll write to ${CONTACT_EMAIL} or call {{contact.phone}}, ${CONTACT.split(" ").pop()}.`;
  check(await composer.inputValue() === mailText, "the short code's variables", await composer.inputValue());
  await page.keyboard.press("Enter");
  const unfilled = page.getByRole("alert").filter({ hasText: "{{contact.phone}}" });
  await unfilled.waitFor(T);
  check(await composer.inputValue() === mailText, "the held reply left the composer", await composer.inputValue());
  check(!(await messagesOf(CONVERSATION)).some((m) => (m.content || "").startsWith("We'll write")), "the reply went before the second Send", "");
  await page.keyboard.press("Enter");
  await until("sent as written on the second Send", async () => (await messagesOf(CONVERSATION)).some((m) => m.content === mailText));
  await unfilled.waitFor({ state: "hidden", ...T });

  step("a pasted picture shows as a thumbnail and goes with the reply");
  const thumbs = page.locator(".tray img.thumb");
  await composer.focus();
  await composer.evaluate(async (t) => {
    // A parcel on a shelf, as a phone's photo would show it.
    const canvas = document.createElement("canvas");
    canvas.width = 240; canvas.height = 150;
    const g = canvas.getContext("2d");
    g.fillStyle = "#dde8ff"; g.fillRect(0, 0, 240, 150);
    g.fillStyle = "#8a5700"; g.fillRect(0, 120, 240, 30);
    g.fillStyle = "#c98a3a"; g.fillRect(70, 45, 100, 75);
    g.fillStyle = "#e8c48c"; g.fillRect(112, 45, 16, 75);
    g.strokeStyle = "#4d3300"; g.lineWidth = 2; g.strokeRect(70, 45, 100, 75);
    const blob = await new Promise((r) => canvas.toBlob(r, "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob], "pasted.png", { type: "image/png" }));
    t.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await thumbs.first().waitFor(T);
  await until("the thumbnail drawn", () => thumbs.first().evaluate((i) => i.complete && i.naturalWidth === 240));
  await page.locator(".tray li", { hasText: "pasted.png" }).waitFor(T);

  step("a dropped picture shows as a thumbnail too");
  await page.evaluate(async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 10; canvas.height = 10;
    const blob = await new Promise((r) => canvas.toBlob(r, "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob], "dropped.png", { type: "image/png" }));
    const pane = document.querySelector(".conversation");
    pane.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, bubbles: true, cancelable: true }));
    pane.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await until("two thumbnails", async () => (await thumbs.count()) === 2);
  await page.getByRole("button", { name: "Remove dropped.png" }).click();
  await until("one thumbnail", async () => (await thumbs.count()) === 1);
  await composer.fill("Here is the photo of your parcel");
  await page.keyboard.press("Enter");
  const withPicture = await until("the reply with the picture", async () => (await messagesOf(CONVERSATION))
    .find((m) => m.content === "Here is the photo of your parcel" && (m.attachments || []).length === 1));
  check(withPicture.attachments[0].file_type === "image", "the attachment is not an image", withPicture.attachments);
  check(await thumbs.count() === 0, "the tray kept the sent picture", "");
  await page.locator(".thread li.out:not(.pending) .files img").waitFor(T);

  step("the thread at 1440x900, for the README");
  await composer.fill("Anything else I can help with?");
  await composer.blur();
  await page.mouse.move(0, 0);
  check(await emojiDialog.isHidden(), "the emoji picker is open in the screenshot", "");
  await page.screenshot({ path: `${SHOTS}/thread-desktop.png` });
  await composer.fill("");

  // One row: the header is 48 px and every visible action on one line,
  // nothing wider than the header.
  const oneRow = async (where) => {
    const box = await page.locator(".conv-header").evaluate((h) => {
      const tops = [...h.querySelectorAll(".toolbar button")].filter((b) => b.getClientRects().length && !b.closest(".menu, .picker-popup"))
        .map((b) => Math.round(b.getBoundingClientRect().top + b.getBoundingClientRect().height / 2));
      const title = h.querySelector(".title");
      return { height: h.getBoundingClientRect().height, scroll: h.scrollWidth, width: h.clientWidth, rows: [...new Set(tops)].length,
        buttons: tops.length, titleWidth: title.getBoundingClientRect().width };
    });
    check(box.height <= 49 && box.rows === 1 && box.scroll <= box.width && box.titleWidth >= 48 && box.buttons >= 4, `the header at ${where} is not one row`, box);
  };
  const header = page.locator(".conv-header");
  const more = header.getByRole("button", { name: "More actions" });
  const menuOf = (button) => page.locator(`#${button}`);

  for (const [width, height] of [[1280, 800], [1024, 768]]) {
    step(`the header at ${width}x${height}: one row with a long name; every action in More, by keyboard`);
    await page.setViewportSize({ width, height });
    // Below 1280 px the contact panel is a drawer over the pane: closed first.
    if (width < 1280 && await page.locator(".contact-panel").isVisible()) await page.locator(".contact-panel .drawer-close").click();
    await oneRow(`${width}x${height}`);
    for (const name of ["Resolve", "More actions", "Snooze or mark as pending"]) {
      check(await header.getByRole("button", { name, exact: true }).isVisible(), `${name} is not visible at ${width}`, "");
    }
    check(await header.getByRole("button", { name: /^Assign to: / }).isVisible(), `the assignee is not visible at ${width}`, "");
    await more.click();
    const menu = menuOf(await more.getAttribute("aria-controls"));
    await menu.waitFor(T);
    check(await more.getAttribute("aria-expanded") === "true", "More does not say it is expanded", "");
    const items = await menu.locator("[role^=menuitem]").evaluateAll((bs) => bs.map((b) => b.textContent.replace("✓", "")));
    for (const want of ["Assign to me", "Assign to…", "Team…", "No priority", "Urgent", "High", "Medium", "Low",
      "For an hour", "Until tomorrow", "Until next week", "Until a date…", "Mark as pending", "Contact details"]) {
      check(items.includes(want), `More lacks ${want}`, items);
    }
    const focusedItem = () => page.evaluate(() => document.activeElement && document.activeElement.textContent.replace("✓", ""));
    check(await focusedItem() === items[0], "the first item has no focus", await focusedItem());
    await page.keyboard.press("ArrowDown");
    check(await focusedItem() === items[1], "ArrowDown did not move", await focusedItem());
    await page.keyboard.press("End");
    check(await focusedItem() === items[items.length - 1], "End did not move to the last", await focusedItem());
    await page.keyboard.press("ArrowDown");
    check(await focusedItem() === items[0], "ArrowDown did not wrap", await focusedItem());
    await page.keyboard.press("Escape");
    await menu.waitFor({ state: "hidden", ...T });
    check(await more.evaluate((b) => b === document.activeElement), "Escape did not return to More", "");
    check(await more.getAttribute("aria-expanded") === "false", "More still says expanded", "");
  }

  step("More: a priority, the team picker (back to More), and the panel");
  await more.click();
  await page.getByRole("menuitemradio", { name: "High" }).click();
  await until("priority high", async () => (await agentApi(`/conversations/${CONVERSATION}`)).priority === "high");
  await header.locator(".facts .priority", { hasText: "High" }).waitFor(T);
  check(await more.evaluate((b) => b === document.activeElement), "focus did not return to More after choosing", "");
  await page.keyboard.press("Enter");
  await page.getByRole("menuitem", { name: "Team…" }).click();
  await page.getByRole("combobox", { name: "Team" }).waitFor(T);
  await page.keyboard.press("Escape");
  await until("focus back on More", () => more.evaluate((b) => b === document.activeElement));
  await oneRow("1024x768 after changes");

  step("Resolve's menu: mark as pending, a date of one's own; then resolve and reopen");
  await page.setViewportSize({ width: 1280, height: 800 });
  const statusButton = header.getByRole("button", { name: "Snooze or mark as pending" });
  await statusButton.click();
  await page.getByRole("menuitem", { name: "Mark as pending" }).click();
  await until("pending", async () => (await agentApi(`/conversations/${CONVERSATION}`)).status === "pending");
  await header.locator(".status", { hasText: "Pending" }).waitFor(T);
  await statusButton.focus();
  await page.keyboard.press("ArrowDown");
  await page.getByRole("menuitem", { name: "Until a date…" }).click();
  const dateDialog = page.getByRole("dialog", { name: "Snooze until" });
  await dateDialog.waitFor(T);
  await page.keyboard.press("Escape");
  await dateDialog.waitFor({ state: "hidden", ...T });
  check(await statusButton.evaluate((b) => b === document.activeElement), "Escape did not return to the menu's button", "");
  await header.getByRole("button", { name: "Resolve", exact: true }).click();
  await header.getByRole("button", { name: "Reopen", exact: true }).waitFor(T);
  await oneRow("1280x800, resolved");
  await header.getByRole("button", { name: "Reopen", exact: true }).click();
  await header.locator(".status", { hasText: "Open" }).waitFor(T);

  step("the thread shows grey bubbles while its messages load (the log busy), then the messages");
  let release;
  const gate = new Promise((r) => { release = r; });
  const slow = new RegExp(`/conversations/${OTHER}/messages$`);
  await page.route(slow, async (route) => {
    if (route.request().method() === "GET") await gate;
    await route.continue();
  });
  await card(OTHER).click();
  await page.locator(".thread[aria-busy=true] li.skeleton").first().waitFor(T);
  check(await page.locator(".thread li.skeleton").count() >= 3, "fewer than three grey bubbles", "");
  check(!(await page.locator(".conv-header .title", { hasText: CONTACT }).isVisible()), "the last conversation's name stays while loading", "");
  release();
  await page.locator(".thread li.in", { hasText: "A short question" }).waitFor(T);
  check(await page.locator(".thread li.skeleton").count() === 0, "grey bubbles stay after loading", "");
  check(await page.locator(".thread").getAttribute("aria-busy") === "false", "the log stays busy", "");
  await page.unroute(slow);

  step("messages that fail to load say so, with a Retry that works");
  const failing = new RegExp(`/conversations/${CONVERSATION}/messages$`);
  await page.route(failing, (route) => (route.request().method() === "GET" ? route.abort() : route.continue()));
  await card(CONVERSATION).click();
  const failure = page.locator(".thread li.load-error[role=alert]", { hasText: "Couldn't load the messages." });
  await failure.waitFor(T);
  check(await page.locator(".thread li.skeleton").count() === 0, "grey bubbles stay beside the error", "");
  await page.unroute(failing);
  await failure.getByRole("button", { name: "Retry" }).click();
  await page.locator(".thread li.in", { hasText: "Do you ship to Lisbon?" }).waitFor(T);
  await failure.waitFor({ state: "detached", ...T });

  step("in Russian, resolved (the longer «Открыть снова»), the header is still one row at 1280x800");
  await agentApi(`/conversations/${CONVERSATION}/toggle_status`, { status: "resolved" });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.evaluate(() => { localStorage.setItem("sb:locale", "ru"); localStorage.setItem("sb:panel", "on"); });
  await page.reload();
  await page.locator(".conv-header .title", { hasText: CONTACT }).waitFor(T);
  await header.getByRole("button", { name: "Открыть снова", exact: true }).waitFor(T);
  check(await page.locator(".contact-panel").isVisible(), "the contact panel is not beside the thread", "");
  await oneRow("1280x800 in Russian");
  await header.getByRole("button", { name: "Ещё действия" }).click();
  await page.getByRole("menuitem", { name: "Перевести в ожидание" }).waitFor(T);
  await page.keyboard.press("Escape");

  check(errors.length === 0, "the page threw", errors);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
