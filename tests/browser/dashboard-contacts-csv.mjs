// Contacts CSV in headless Chromium: an administrator imports a file from
// the contacts page (progress and result shown, a bad row reported by its
// line, the new contact listed) and downloads the export; an agent sees
// neither button. Run by crates/switchboard/tests/browser.rs.
import { env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const AGENT_EMAIL = env("AGENT_EMAIL"), AGENT_PASSWORD = env("AGENT_PASSWORD");

function check(ok, what) {
  if (!ok) throw new Error(what);
}

const browser = await launch();
try {
  const context = await browser.newContext({ acceptDownloads: true, locale: "en-GB" });
  const page = await context.newPage();
  step("sign in as the administrator");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.locator(".shell > header").waitFor({ timeout: 15000 });
  await page.goto(`${BASE}/app#/contacts`);
  await page.waitForSelector("#ct-import", { timeout: 15000 });

  step("import a file");
  const csv = "name,email,phone_number,plan\nImported Irma,irma@csv.test,+4930123456,gold\nBroken Bob,not-an-email,,\nЖанна Импорт,zhanna@csv.test,,\n";
  await page.setInputFiles("#ct-import-file", { name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  const status = page.locator("#ct-import-status");
  await status.filter({ hasText: "finished" }).waitFor({ timeout: 20000 });
  const text = await status.textContent();
  check(text.includes("people.csv") && text.includes("2 created") && text.includes("1 failed"), `the result is shown: ${text}`);
  const failures = await page.locator(".ct-import-failures li").allTextContents();
  check(failures.length === 1 && failures[0] === "Line 3: Email is invalid", `the bad row by its line: ${failures}`);
  await page.locator('tr:has-text("irma@csv.test")').waitFor({ timeout: 10000 });
  await page.locator('tr:has-text("Жанна Импорт")').waitFor({ timeout: 10000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-contacts-import.png` });

  step("download the export");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#ct-export")]);
  check(download.suggestedFilename() === "contacts.csv", `the file's name: ${download.suggestedFilename()}`);
  const path = await download.path();
  const { readFile } = await import("node:fs/promises");
  const body = await readFile(path, "utf8");
  check(body.startsWith("id,name,email,phone_number\r\n"), `the header: ${body.slice(0, 60)}`);
  check(body.includes(",Imported Irma,irma@csv.test,'+4930123456\r\n"), `Irma exported, her phone neutralised: ${body}`);
  check(body.includes(",Жанна Импорт,zhanna@csv.test,\r\n"), `Cyrillic as UTF-8: ${body}`);
  await context.close();

  step("an agent has neither button");
  const agentContext = await browser.newContext({ locale: "en-GB" });
  const agentPage = await agentContext.newPage();
  await signIn(agentPage, BASE, AGENT_EMAIL, AGENT_PASSWORD);
  await agentPage.locator(".shell > header").waitFor({ timeout: 15000 });
  await agentPage.goto(`${BASE}/app#/contacts`);
  await agentPage.locator('tr:has-text("irma@csv.test")').waitFor({ timeout: 15000 });
  check(await agentPage.locator("#ct-import, #ct-export").count() === 0, "no CSV buttons for agents");
  await agentContext.close();
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
