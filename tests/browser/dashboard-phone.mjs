// The dashboard on a phone (390x844, touch): the list fills the screen; a
// tapped card opens its conversation on the whole screen, Back returns to
// the list; a link to a conversation opens it; the contact's details open
// as a sheet; nothing is wider than the screen. Screenshots for the README.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), CONVERSATION = env("CONVERSATION"), CONTACT = env("CONTACT");
const agentApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };
  const fits = async (where) => {
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    // The widest offenders, to say what overflows.
    const wide = w <= 390 ? [] : await page.evaluate(() => [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > 391 && e.getClientRects().length)
      .slice(0, 8).map((e) => `${e.tagName.toLowerCase()}.${e.className}:${Math.round(e.getBoundingClientRect().right)}`));
    check(w <= 390, `${where} is wider than the screen (${w}px)`, wide);
  };
  const visible = (sel) => page.locator(sel).isVisible();

  step("sign in: the list fills the screen");
  await signIn(page, BASE, EMAIL, PASSWORD);
  const card = page.locator(`button[data-conversation="${CONVERSATION}"]`);
  await card.waitFor(T);
  check(!(await visible(".conversation")), "the conversation pane shows beside the list", "");
  await fits("the list");
  await page.screenshot({ path: `${SHOTS}/phone-list.png` });

  step("a tapped card opens its conversation on the whole screen");
  await card.tap();
  await page.locator(".thread li.in", { hasText: "Is my order on its way?" }).waitFor(T);
  check(!(await visible(".list-column")), "the list still shows beside the conversation", "");
  await page.locator(".conv-header .title", { hasText: CONTACT }).waitFor(T);
  await fits("the conversation");
  const composer = page.locator("#composer-input");
  const box = await composer.boundingBox();
  check(box && box.y + box.height <= 844, "the composer is below the screen", box);
  await page.screenshot({ path: `${SHOTS}/phone-conversation.png` });

  step("the contact's details open as a sheet and close");
  await page.locator(".conv-header").getByRole("button", { name: "Contact details" }).tap();
  const sheet = page.locator(".contact-panel");
  await sheet.waitFor({ state: "visible", ...T });
  const sb = await sheet.boundingBox();
  check(sb && sb.x <= 1 && sb.width >= 385, "the details are not a full-width sheet", sb);
  await fits("the details sheet");
  await page.screenshot({ path: `${SHOTS}/phone-contact.png` });
  await sheet.locator(".drawer-close").tap();
  await sheet.waitFor({ state: "hidden", ...T });

  step("a reply goes from the phone");
  await composer.fill("On its way, arriving tomorrow.");
  await page.getByRole("button", { name: "Send" }).tap();
  await page.locator(".thread li.out:not(.pending)", { hasText: "arriving tomorrow" }).waitFor(T);
  const sent = (await agentApi(`/conversations/${CONVERSATION}/messages`)).payload;
  check(sent.some((m) => m.content === "On its way, arriving tomorrow." && m.message_type === 1), "the reply did not reach the server", sent);

  step("Back returns to the list");
  await page.getByRole("button", { name: "Back to the list" }).tap();
  await card.waitFor({ state: "visible", ...T });
  check(!(await visible(".conversation")), "the conversation still shows after Back", "");
  await fits("the list after Back");

  step("a link to the conversation opens it");
  await page.goto(`${BASE}/app/#/conversations/${CONVERSATION}`);
  await page.locator(".thread li.in", { hasText: "Is my order on its way?" }).waitFor(T);
  check(!(await visible(".list-column")), "a deep link shows the list instead", "");

  step("the top bar keeps to two rows; availability and Sign out are on the profile page");
  const bar = await page.locator(".shell > header").boundingBox();
  check(bar && bar.height <= 100, "the top bar is taller than two rows", bar);
  await page.locator(".shell > header .who").tap();
  await page.getByRole("radio", { name: "Busy" }).waitFor(T);
  await page.getByRole("button", { name: "Sign out", exact: true }).waitFor(T);

  step("settings fit the phone: the inboxes list and the new-inbox steps");
  await page.goto(`${BASE}/app/#/settings/inboxes`);
  await page.getByRole("button", { name: "New inbox" }).waitFor(T);
  await fits("the settings");
  await page.screenshot({ path: `${SHOTS}/phone-settings.png` });
  await page.getByRole("button", { name: "New inbox" }).tap();
  await page.getByText("Step 1 of 4").waitFor(T);
  await fits("the new-inbox steps");

  step("Sign out from the profile page ends the session");
  await page.goto(`${BASE}/app/#/profile`);
  await page.getByRole("button", { name: "Sign out", exact: true }).tap();
  await page.getByRole("button", { name: "Sign in" }).waitFor(T);
  const after = await page.evaluate(async () => (await fetch("/api/v1/profile", { credentials: "same-origin" })).status);
  check(after === 401, "the session still works after signing out", after);
  check(errors.length === 0, "the page threw", errors);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
