// The agents' dashboard in headless Chromium: sign-in with the session cookie,
// the conversation list and a thread, CSRF on writes, sign-out. Run by
// crates/switchboard/tests/browser.rs, which starts the server and seeds it.
import { env, launch, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const CONTACT = env("CONTACT"), CONVERSATION = env("CONVERSATION");

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
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
  await page.screenshot({ path: `${SHOTS}/dashboard-conversation.png` });

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
