// SLA in headless Chromium: a conversation's badge counts down its first
// reply clock on the card and in the thread's header and turns red once
// missed; an administrator adds a policy in Settings → SLA (thresholds and
// business hours only), sees the breach listed with the figures, and sets
// an inbox's business hours with a break and a holiday, and turns on the
// account's auto-resolve. Each effect is checked through the API.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), INBOX = Number(env("INBOX"));
const CONVERSATION = Number(env("CONVERSATION")), RATED = Number(env("RATED")), SURVEY = env("SURVEY");

const adminApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

// "FRT 7s" -> 7, "FRT 1m 5s" -> 65, "FRT -3s" -> -3.
function seconds(text) {
  const m = /FRT (-?)(?:(\d+)m )?(\d+)s/.exec(text || "");
  if (!m) return null;
  return (m[1] ? -1 : 1) * (Number(m[2] || 0) * 60 + Number(m[3]));
}

const started = Date.now();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };

  step("the card's badge counts the first reply down");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.evaluate((id) => { location.hash = `#/conversations/${id}`; }, CONVERSATION);
  const badge = page.locator(`button[data-conversation="${CONVERSATION}"] .sla-badge`);
  await badge.waitFor(T);
  const first = seconds(await badge.textContent());
  check(first !== null && first > 0, "a first reply clock with time left", await badge.textContent());
  check((await badge.getAttribute("aria-label")).startsWith("SLA: First reply due in"), "the badge says what it counts", await badge.getAttribute("aria-label"));
  await page.waitForTimeout(2100);
  const second = seconds(await badge.textContent());
  check(second !== null && second <= first - 1, "counting down", { first, second });
  const header = page.locator(".conv-header .sla-badge");
  await header.waitFor(T);
  check(seconds(await header.textContent()) !== null, "the thread's header shows it too", await header.textContent());

  step("once the clock runs out it shows how late, in red");
  await page.locator(".conv-header .sla-badge.missed").waitFor({ timeout: 20000 });
  const late = seconds(await header.textContent());
  check(late !== null && late <= 0, "late, not left", await header.textContent());
  // The server records the miss when its check runs (within about a second).
  let conv;
  for (let i = 0; i < 50; i++) {
    conv = await adminApi(`/conversations/${CONVERSATION}`);
    if (conv.applied_sla.sla_status === "active_with_misses") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  check(conv.applied_sla.sla_status === "active_with_misses" && conv.sla_events[0].event_type === "frt", "the API agrees", conv);

  step("Settings → SLA: add a policy that counts business hours only");
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "SLA" }).click();
  await page.getByRole("heading", { name: "SLA", level: 2 }).waitFor(T);
  const form = page.getByRole("form", { name: "New policy" });
  await form.getByLabel("Policy name").fill("Gold");
  await form.getByLabel("First reply within", { exact: true }).fill("2");
  await form.getByLabel("First reply within: Unit").selectOption({ label: "hours" });
  await form.getByLabel("Resolved within", { exact: true }).fill("3");
  await form.getByLabel("Resolved within: Unit").selectOption({ label: "days" });
  await form.getByLabel(/Count only business hours/).check();
  await form.getByRole("button", { name: "Create" }).click();
  await page.locator("li[data-sla]", { hasText: "Gold" }).waitFor(T);
  const gold = (await adminApi("/sla_policies")).payload.find((p) => p.name === "Gold");
  check(gold && gold.first_response_time_threshold === 7200 && gold.resolution_time_threshold === 259200
    && gold.next_response_time_threshold === null && gold.only_during_business_hours === true, "the saved policy", gold);
  check((await page.locator("li[data-sla]", { hasText: "Gold" }).textContent()).includes("2 hours"), "the row shows its times", "");

  step("the breach is listed with the figures");
  await page.locator(".sla-metrics").getByText("Breached").waitFor(T);
  const breaches = page.getByRole("list", { name: "Latest breaches" });
  await breaches.getByRole("link", { name: `#${CONVERSATION}` }).waitFor(T);
  check((await breaches.textContent()).includes("first reply"), "what was missed", await breaches.textContent());

  step("an inbox's business hours: Monday with a break, and a holiday");
  await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "Inboxes" }).click();
  const row = page.locator(`li[data-inbox="${INBOX}"]`);
  await row.getByRole("button", { name: /^Edit/ }).click();
  const settings = row.getByRole("form", { name: "Inbox settings" });
  await settings.waitFor(T);
  await settings.getByLabel(/Use working hours/).check();
  await settings.getByLabel("Monday: Open").check();
  await settings.getByLabel("Monday: From", { exact: true }).fill("09:00");
  await settings.getByLabel("Monday: To", { exact: true }).fill("12:00");
  await settings.getByRole("button", { name: "Monday: Add hours" }).click();
  await settings.getByLabel("Monday: From (2)").fill("13:00");
  await settings.getByLabel("Monday: To (2)").fill("17:30");
  await settings.getByRole("button", { name: "Add a holiday" }).click();
  await settings.getByLabel("Holiday date").fill("2026-12-25");
  await settings.getByLabel("Holiday name").fill("Christmas");
  await settings.getByRole("button", { name: "Save" }).click();
  await settings.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  const inbox = await adminApi(`/inboxes/${INBOX}`);
  const monday = inbox.business_hours.intervals.filter((i) => i.day_of_week === 1);
  check(monday.map((i) => `${i.open}-${i.close}`).join() === "09:00-12:00,13:00-17:30", "Monday's two intervals", inbox.business_hours);
  check(inbox.business_hours.holidays.some((h) => h.date === "2026-12-25" && h.name === "Christmas"), "the holiday", inbox.business_hours);
  const wh = inbox.working_hours.find((d) => d.day_of_week === 1);
  check(wh.open_hour === 9 && wh.close_hour === 17 && wh.close_minutes === 30, "Chatwoot's working_hours spans the day", wh);

  step("overlapping hours are refused before saving");
  await settings.getByLabel("Monday: From (2)").fill("11:00");
  await settings.getByRole("button", { name: "Save" }).click();
  await settings.getByRole("alert").filter({ hasText: "overlap" }).waitFor(T);

  step("Settings → Account: auto-resolve after two days, with a message and a label");
  await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "Account" }).click();
  const auto = page.getByRole("form", { name: "Auto-resolve" });
  await auto.waitFor(T);
  await auto.getByLabel(/Resolve conversations nobody touched/).check();
  await auto.getByLabel("Idle for", { exact: true }).fill("2");
  await auto.getByLabel("Idle for: unit").selectOption({ label: "days" });
  await auto.getByLabel(/Message to the customer/).fill("We closed this for now.");
  await auto.getByLabel(/Label to add/).fill("auto-closed");
  await auto.getByLabel(/Never while the customer waits/).check();
  await auto.getByRole("button", { name: "Save" }).click();
  await auto.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  const acct = await adminApi("");
  check(acct.settings.auto_resolve_after === 2880 && acct.settings.auto_resolve_label === "auto-closed"
    && acct.settings.auto_resolve_ignore_waiting === true && acct.settings.auto_resolve_message === "We closed this for now.",
  "the account's auto-resolve", acct.settings);

  step("a customer answers the survey page on a phone");
  const phone = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: "en-US" });
  const survey = await phone.newPage();
  survey.on("pageerror", (e) => errors.push(e.message));
  await survey.goto(`${BASE}/survey/responses/${SURVEY}`);
  const group = survey.getByRole("group", { name: "Please rate the conversation" });
  await group.waitFor(T);
  // People tap the face; the radio behind it takes the choice.
  await group.locator("label", { hasText: /^🙂Happy$/ }).click();
  check(await group.locator('input[type="radio"][value="4"]').isChecked(), "the radio is chosen", "");
  check(await group.getByRole("radio").count() === 5, "five ratings", "");
  await survey.getByLabel(/Anything to add/).fill("Quick and kind");
  await survey.getByRole("button", { name: "Send" }).click();
  await survey.getByRole("status").filter({ hasText: "Thank you" }).waitFor(T);
  await survey.screenshot({ path: `${SHOTS}/survey-page.png` });
  await phone.close();
  const rated = await adminApi("/csat_survey_responses");
  check(rated.length === 1 && rated[0].rating === 4 && rated[0].feedback_message === "Quick and kind"
    && rated[0].conversation_id === RATED, "the rating kept", rated);

  step("Settings → Satisfaction shows it");
  await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "Satisfaction" }).click();
  const latest = page.getByRole("list", { name: "Latest ratings" });
  await latest.locator('li[data-rating="4"]').waitFor(T);
  check((await latest.textContent()).includes("Quick and kind"), "the words", await latest.textContent());
  check((await page.getByRole("group", { name: "Satisfaction" }).textContent()).includes("100%"), "all satisfied", "");

  await page.screenshot({ path: `${SHOTS}/dashboard-sla.png` });
  check(errors.length === 0, "no page errors", errors);
  console.log(JSON.stringify({ ok: true, ms: Date.now() - started }));
} finally {
  await browser.close();
}
