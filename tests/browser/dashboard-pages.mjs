// The profile and contacts pages in headless Chromium: an administrator edits
// her name, uploads and removes a picture, sets availability, theme and
// language, shows / copies / resets her API token and changes her password
// (another browser signed in before is signed out; this tab stays in); then
// lists, pages, searches and creates contacts, edits one in place (a bad
// e-mail is refused inline), labels it, opens its conversation and deletes
// another. Run by crates/switchboard/tests/browser.rs, which seeds the data.
import zlib from "node:zlib";
import { env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), CONVERSATION = env("CONVERSATION");
const CONTACT_ID = env("CONTACT_ID"), CONTACT_NAME = env("CONTACT_NAME"), CONTACTS = Number(env("CONTACTS"));
const NEW_PASSWORD = "a much newer secret";
const started = Date.now();

// The API with a token, for checks the page cannot make.
async function call(token, method, path, body) {
  const r = await fetch(`${BASE}${path}`, {
    method,
    headers: { api_access_token: token, "Content-Type": "application/json", Accept: "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}
const acc = (path) => `/api/v1/accounts/${ACCOUNT}${path}`;
function check(ok, what) {
  if (!ok) throw new Error(what);
}

// A small PNG (solid colour), built here so the test needs no files.
function crc32(buf) {
  let crc = ~0;
  for (const b of buf) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, [r, g, b]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.alloc(1 + size * 3);
  for (let x = 0; x < size; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr), pngChunk("IDAT", zlib.deflateSync(raw)), pngChunk("IEND", Buffer.alloc(0))]);
}

const browser = await launch();
try {
  const options = { viewport: { width: 1280, height: 900 }, locale: "en-US", colorScheme: "light" };
  const errors = [];
  const watch = (page, who) => {
    page.on("pageerror", (e) => errors.push(`${who}: ${e.message}`));
    page.on("dialog", (d) => { errors.push(`${who}: dialog ${d.message()}`); d.dismiss(); });
  };

  step("another browser signs in first (it is signed out by the password change later)");
  const other = await browser.newContext(options);
  const otherPage = await other.newPage();
  watch(otherPage, "other");
  await signIn(otherPage, BASE, EMAIL, PASSWORD);
  await otherPage.getByRole("link", { name: "Contacts" }).waitFor({ timeout: 15000 });

  const context = await browser.newContext(options);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
  const page = await context.newPage();
  watch(page, "page");
  const contactRequests = [];
  page.on("request", (r) => { if (/\/contacts(\/search)?\?/.test(r.url())) contactRequests.push(r.url()); });

  step("sign in and open the profile from the header");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.locator(".shell > header a.who").click();
  await page.getByRole("heading", { name: "Profile", level: 1 }).waitFor({ timeout: 10000 });
  check(page.url().endsWith("#/profile"), `profile address: ${page.url()}`);

  step("the profile offers browser notifications (the push itself needs a real browser's push service)");
  await page.getByRole("heading", { name: "Browser notifications" }).waitFor({ timeout: 5000 });
  const pushSwitch = page.getByLabel("Show notifications from this browser");
  check(await pushSwitch.count() === 1, "no browser notifications switch");
  check(await pushSwitch.getAttribute("type") === "checkbox", "the switch is not a checkbox");

  step("edit the name; the header shows it");
  await page.getByLabel("Full name").fill("Alice Cooper");
  await page.getByLabel("Message signature").fill("Alice, Acme support");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).first().waitFor({ timeout: 5000 });
  await page.locator(".shell > header a.who", { hasText: "Alice Cooper" }).waitFor({ timeout: 5000 });
  let me = (await call(TOKEN, "GET", "/api/v1/profile")).body;
  check(me.name === "Alice Cooper" && me.message_signature === "Alice, Acme support", `profile: ${JSON.stringify(me)}`);

  step("an empty name is refused inline");
  await page.getByLabel("Full name").fill("  ");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.locator(".pf-card .field-error", { hasText: "Required." }).waitFor({ timeout: 5000 });
  check(await page.getByLabel("Full name").getAttribute("aria-invalid") === "true", "the empty name is not marked invalid");
  await page.getByLabel("Full name").fill("Alice Cooper");

  step("upload a picture: the profile and the header show it; remove it; upload again");
  const fileInput = page.locator(".profile-page input[type=file]");
  await fileInput.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png(16, [230, 120, 30]) });
  await page.getByRole("status").filter({ hasText: "Picture updated." }).waitFor({ timeout: 10000 });
  const loaded = (selector) => page.waitForFunction((s) => {
    const img = document.querySelector(s);
    return img && img.complete && img.naturalWidth === 16;
  }, selector, { timeout: 10000 });
  await loaded(".pf-picture img.avatar");
  await loaded(".shell > header a.who img.avatar");
  me = (await call(TOKEN, "GET", "/api/v1/profile")).body;
  check(/\/avatars\/.+\.png$/.test(me.avatar_url), `avatar_url: ${me.avatar_url}`);
  await page.getByRole("button", { name: "Remove picture" }).click();
  await page.getByRole("status").filter({ hasText: "Picture removed." }).waitFor({ timeout: 10000 });
  await page.locator(".pf-picture span.avatar").waitFor({ timeout: 5000 });
  check(await page.locator(".shell > header a.who img").count() === 0, "the header still shows the removed picture");
  check((await call(TOKEN, "GET", "/api/v1/profile")).body.avatar_url === "", "the picture was not removed");
  await fileInput.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png(16, [40, 110, 220]) });
  await loaded(".pf-picture img.avatar");
  await loaded(".shell > header a.who img.avatar");

  step("a file that is not a picture is refused before upload");
  await fileInput.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
  await page.getByRole("alert").filter({ hasText: "Choose a PNG, JPEG, GIF or WebP picture." }).waitFor({ timeout: 5000 });

  step("set availability to busy: saved, and the header follows");
  await page.getByRole("radio", { name: "Busy" }).check();
  await page.waitForFunction(() => document.querySelector(".shell > header select.availability").value === "busy", null, { timeout: 5000 });
  for (let i = 0; (await call(TOKEN, "GET", "/api/v1/profile")).body.availability_status !== "busy"; i++) {
    check(i < 50, "availability not saved");
    await new Promise((r) => setTimeout(r, 100));
  }

  step("theme: dark changes the background at once; light brings it back");
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(await background() === "rgb(255, 255, 255)", `light background: ${await background()}`);
  await page.getByRole("radio", { name: "Dark" }).check();
  await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === "rgb(17, 19, 23)", null, { timeout: 5000 });
  await page.getByRole("radio", { name: "Light" }).check();
  await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === "rgb(255, 255, 255)", null, { timeout: 5000 });
  await page.getByRole("radio", { name: "As the system" }).check();
  check(await page.evaluate(() => localStorage.getItem("sb:theme")) === null, "the system theme is still overridden");

  step("language: Russian after the reload, then back to English");
  await page.getByLabel("Interface language").selectOption("ru");
  await page.getByRole("heading", { name: "Профиль", level: 1 }).waitFor({ timeout: 15000 });
  await page.getByRole("link", { name: "Разговоры" }).waitFor();
  await page.getByLabel("Полное имя").waitFor();
  await page.getByRole("button", { name: "Сменить пароль" }).waitFor();
  check(await page.evaluate(() => document.documentElement.lang) === "ru", "the document language is not ru");
  // One conversation's status is singular ("Открыт"), not the list's plural ("Открытые"),
  // and activity lines speak Russian too.
  await call(TOKEN, "POST", acc(`/conversations/${CONVERSATION}/toggle_priority`), { priority: "high" });
  await page.goto(`${BASE}/app/#/conversations/${CONVERSATION}`);
  await page.locator(".thread li.activity", { hasText: /^Приоритет: Высокий\. Изменение: \S/ }).waitFor({ timeout: 10000 });
  const pill = page.locator(".conv-header .status");
  await pill.filter({ hasText: /\S/ }).waitFor({ timeout: 10000 });
  const word = (await pill.textContent()).trim();
  check(/^(Открыт|Ожидает|Отложен|Решён)( ·|$)/.test(word), `the status pill reads ${JSON.stringify(word)}`);
  await page.goto(`${BASE}/app/#/profile`);
  await page.getByLabel("Язык интерфейса").selectOption("en");
  await page.getByRole("heading", { name: "Profile", level: 1 }).waitFor({ timeout: 15000 });
  await page.getByRole("link", { name: "Conversations" }).waitFor();

  step("the API token: hidden, shown, copied; reset stops the old one");
  const tokenBox = page.locator("#pf-token");
  check(!(await tokenBox.textContent()).includes(TOKEN), "the token shows before asking");
  await page.getByRole("button", { name: "Show" }).click();
  await page.locator("#pf-token", { hasText: TOKEN }).waitFor({ timeout: 5000 });
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByRole("status").filter({ hasText: "Copied." }).waitFor({ timeout: 5000 });
  check(await page.evaluate(() => navigator.clipboard.readText()) === TOKEN, "the clipboard does not hold the token");
  await page.getByRole("button", { name: "Reset token" }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  check(await page.getByRole("group", { name: "Reset token", includeHidden: true }).isHidden(), "cancel left the confirmation open");
  check((await tokenBox.textContent()) === TOKEN, "cancel changed the token");
  await page.getByRole("button", { name: "Reset token" }).click();
  await page.getByRole("button", { name: "Reset now" }).click();
  await page.getByRole("status").filter({ hasText: "A new token was issued" }).waitFor({ timeout: 5000 });
  const token = (await tokenBox.textContent()).trim();
  check(token && token !== TOKEN && !token.includes("•"), `new token: ${token}`);
  check((await call(TOKEN, "GET", "/api/v1/profile")).status === 401, "the old token still works");
  check((await call(token, "GET", "/api/v1/profile")).status === 200, "the new token does not work");
  await page.getByRole("button", { name: "Hide" }).click();
  step("the reset ended this user's live connections: this tab's reconnects");
  await page.locator(".shell > header .banner").waitFor({ state: "hidden", timeout: 10000 });
  await page.locator(".page-view").evaluate((v) => { v.scrollTop = 0; });
  await page.screenshot({ path: `${SHOTS}/dashboard-profile.png` });


  step("password: a mismatch and a wrong current password are refused inline");
  const passwordForm = page.locator("form", { has: page.getByLabel("Current password") });
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat the new password").fill("something else entirely");
  await page.getByRole("button", { name: "Change password" }).click();
  await passwordForm.locator(".field-error", { hasText: "The passwords don't match." }).waitFor({ timeout: 5000 });
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await passwordForm.locator(".field-error", { hasText: "The current password is incorrect." }).waitFor({ timeout: 10000 });
  check(await page.getByLabel("Current password").getAttribute("aria-invalid") === "true", "the wrong password is not marked invalid");

  step("password changed: this tab stays signed in");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.locator(".flash", { hasText: "Password changed. Your other sessions were signed out." }).waitFor({ timeout: 15000 });
  await page.locator(".shell > header .banner").waitFor({ state: "hidden", timeout: 10000 });
  const stillIn = await page.evaluate(() => fetch("/api/v1/profile", { credentials: "same-origin" }).then((r) => r.status));
  check(stillIn === 200, `this tab's session: ${stillIn}`);
  await page.locator(".shell > header a.who", { hasText: "Alice Cooper" }).waitFor({ timeout: 5000 });

  step("the other browser is signed out: its next call gets 401 and shows the sign-in form");
  const otherStatus = await otherPage.evaluate(() => fetch("/api/v1/profile", { credentials: "same-origin" }).then((r) => r.status));
  check(otherStatus === 401, `the other session answered ${otherStatus}`);
  // Its socket was refused (the real-time token changed, the session is
  // gone), so it may show the sign-in form by itself; else the next click does.
  const otherSignIn = otherPage.getByRole("heading", { name: "Sign in to Switchboard" });
  if (!(await otherSignIn.isVisible())) {
    await otherPage.getByRole("link", { name: "Contacts" }).click({ timeout: 3000 }).catch(() => {});
  }
  await otherSignIn.waitFor({ timeout: 10000 });
  step("the old password is refused; the new one signs in");
  await otherPage.getByLabel("E-mail").fill(EMAIL);
  await otherPage.getByLabel("Password").fill(PASSWORD);
  await otherPage.getByRole("button", { name: "Sign in" }).click();
  await otherPage.getByRole("alert").filter({ hasText: "Invalid e-mail or password." }).waitFor({ timeout: 10000 });
  await otherPage.getByLabel("Password").fill(NEW_PASSWORD);
  await otherPage.getByRole("button", { name: "Sign in" }).click();
  await otherPage.getByRole("link", { name: "Contacts" }).waitFor({ timeout: 15000 });
  await other.close();

  step("contacts: the list shows the seeded contact and pages as it scrolls");
  await page.getByRole("link", { name: "Contacts" }).click();
  await page.getByRole("heading", { name: "Contacts", level: 1 }).waitFor({ timeout: 10000 });
  const rows = page.locator(".ct-table tbody tr[data-contact]");
  await page.locator(`tr[data-contact="${CONTACT_ID}"]`, { hasText: CONTACT_NAME }).waitFor({ timeout: 10000 });
  await page.locator(".ct-count", { hasText: new RegExp(`^${CONTACTS} contacts$`) }).waitFor({ timeout: 5000 });
  for (let i = 0; (await rows.count()) < CONTACTS; i++) {
    check(i < 50, `only ${await rows.count()} of ${CONTACTS} rows after scrolling`);
    await page.locator(".page-view").evaluate((v) => { v.scrollTop = v.scrollHeight; });
    await new Promise((r) => setTimeout(r, 100));
  }
  check(await rows.count() === CONTACTS, `rows: ${await rows.count()}`);
  // The first page by number, the next by the keyset cursor it answered.
  check(contactRequests.some((u) => u.includes("page=1")) && contactRequests.some((u) => u.includes("cursor=")),
    `the list did not page by cursor: ${contactRequests.join(", ")}`);
  await page.locator(".page-view").evaluate((v) => { v.scrollTop = 0; });
  await page.screenshot({ path: `${SHOTS}/dashboard-contacts-list.png` });
  const seeded = page.locator(`tr[data-contact="${CONTACT_ID}"]`);
  check((await seeded.textContent()).includes("carla@customer.test"), "the row lacks the e-mail");

  step("sort by name");
  await page.getByLabel("Sort by").selectOption("name");
  await page.waitForFunction(() => {
    const names = [...document.querySelectorAll(".ct-table tbody tr[data-contact] .ct-name span:last-child")].map((s) => s.textContent);
    return names.length >= 15 && names[0] === "Carla Customer" && names[1] === "Filler 01";
  }, null, { timeout: 10000 });
  await page.getByLabel("Sort by").selectOption("");

  step("search finds the contact; an unknown string shows the empty state");
  const search = page.getByRole("searchbox", { name: "Search contacts" });
  await search.fill("carla");
  await page.waitForFunction(() => {
    const r = document.querySelectorAll(".ct-table tbody tr[data-contact]");
    return r.length === 1 && r[0].textContent.includes("Carla Customer");
  }, null, { timeout: 10000 });
  await page.locator(".ct-count", { hasText: /^1 contact$/ }).waitFor({ timeout: 5000 });
  await search.fill("zzz-nobody");
  await page.locator(".ct-empty", { hasText: "No contacts match “zzz-nobody”." }).waitFor({ timeout: 10000 });
  check(await page.locator(".ct-table").isHidden(), "an empty result still shows the table");
  await search.fill("");
  await page.waitForFunction((n) => document.querySelectorAll(".ct-table tbody tr[data-contact]").length >= Math.min(n, 15), CONTACTS, { timeout: 10000 });

  step("create a contact: a bad e-mail is refused inline, then it is created and opened");
  await page.getByRole("button", { name: "New contact" }).click();
  const createForm = page.getByRole("form", { name: "New contact" });
  await createForm.getByLabel("Name").fill("Dmitri Newman");
  await createForm.getByLabel("E-mail").fill("dmitri@nowhere");
  await createForm.getByRole("button", { name: "Create contact" }).click();
  await createForm.locator(".field-error", { hasText: "This e-mail address is invalid." }).waitFor({ timeout: 5000 });
  await createForm.getByLabel("E-mail").fill("dmitri@new.test");
  await createForm.getByLabel("Company").fill("Newco");
  await createForm.getByRole("button", { name: "Create contact" }).click();
  await page.getByRole("heading", { name: "Dmitri Newman", level: 1 }).waitFor({ timeout: 10000 });
  const createdId = page.url().match(/#\/contacts\/(\d+)$/)[1];
  const created = (await call(token, "GET", acc(`/contacts/${createdId}`))).body.payload;
  check(created.email === "dmitri@new.test" && created.additional_attributes.company_name === "Newco", `created: ${JSON.stringify(created)}`);

  step("delete it, after a confirmation in the page");
  await page.getByRole("button", { name: "Delete contact" }).click();
  await page.getByRole("group", { name: "Delete contact" }).getByText("Delete Dmitri Newman").waitFor();
  await page.getByRole("button", { name: "Delete for good" }).click();
  await page.getByRole("status").filter({ hasText: "Contact deleted." }).waitFor({ timeout: 10000 });
  check(page.url().endsWith("#/contacts"), `after deletion: ${page.url()}`);
  check((await call(token, "GET", acc(`/contacts/${createdId}`))).status === 404, "the contact still exists");

  step("merge a duplicate into the seeded contact: find it, confirm, land on the kept contact");
  const dup = (await call(token, "POST", acc("/contacts"), { name: "Carla Duplicate", email: "carla.dup@customer.test", identifier: "crm-dup" })).body.payload.contact;
  await page.evaluate((id) => { location.hash = `#/contacts/${id}`; }, dup.id);
  await page.getByRole("heading", { name: "Carla Duplicate", level: 1 }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Merge into another contact…" }).click();
  await page.getByRole("searchbox", { name: "Find the contact to keep" }).fill(CONTACT_NAME);
  await page.locator(`.ct-merge-results button[data-contact="${CONTACT_ID}"]`).click();
  await page.getByRole("group", { name: "Merge into another contact…" }).getByText(`Merge Carla Duplicate into ${CONTACT_NAME}?`).waitFor({ timeout: 5000 });
  await page.getByRole("button", { name: "Merge", exact: true }).click();
  await page.getByRole("heading", { name: CONTACT_NAME, level: 1 }).waitFor({ timeout: 10000 });
  check(page.url().endsWith(`#/contacts/${CONTACT_ID}`), `after the merge: ${page.url()}`);
  check((await call(token, "GET", acc(`/contacts/${dup.id}`))).status === 404, "the duplicate still exists");
  const kept = (await call(token, "GET", acc(`/contacts/${CONTACT_ID}`))).body.payload;
  check(kept.identifier === "crm-dup" && kept.email === "carla@customer.test", `merged: ${JSON.stringify(kept)}`);
  await page.locator("a.ct-back").click();
  await page.locator(`tr[data-contact="${CONTACT_ID}"]`).waitFor({ timeout: 10000 });

  step("open the seeded contact; edit its e-mail in place");
  await page.locator(`tr[data-contact="${CONTACT_ID}"] a`).click();
  await page.getByRole("heading", { name: CONTACT_NAME, level: 1 }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Edit E-mail" }).click();
  const emailInput = page.getByRole("textbox", { name: "E-mail" });
  await emailInput.fill("carla@newmail.test");
  await emailInput.press("Enter");
  await page.locator(".ct-field", { hasText: "carla@newmail.test" }).getByRole("status").filter({ hasText: "Saved." }).waitFor({ timeout: 10000 });
  let carla = (await call(token, "GET", acc(`/contacts/${CONTACT_ID}`))).body.payload;
  check(carla.email === "carla@newmail.test", `e-mail: ${carla.email}`);

  step("a bad e-mail is refused inline and nothing changes");
  await page.getByRole("button", { name: "Edit E-mail" }).click();
  await emailInput.fill("carla@");
  await emailInput.press("Enter");
  await page.locator(".ct-field .field-error", { hasText: "This e-mail address is invalid." }).waitFor({ timeout: 10000 });
  check(await emailInput.getAttribute("aria-invalid") === "true", "the bad e-mail is not marked invalid");
  await emailInput.press("Escape");
  await page.locator(".ct-field .ct-value", { hasText: "carla@newmail.test" }).waitFor({ timeout: 5000 });
  carla = (await call(token, "GET", acc(`/contacts/${CONTACT_ID}`))).body.payload;
  check(carla.email === "carla@newmail.test", `e-mail after a refusal: ${carla.email}`);

  step("edit a custom attribute and the city");
  await page.getByRole("button", { name: "Edit plan" }).click();
  await page.getByRole("textbox", { name: "plan" }).fill("platinum");
  await page.getByRole("textbox", { name: "plan" }).press("Enter");
  await page.locator(".attr .attr-value", { hasText: "platinum" }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Edit City" }).click();
  await page.getByRole("textbox", { name: "City" }).fill("Hamburg");
  await page.getByRole("textbox", { name: "City" }).press("Enter");
  await page.locator(".ct-field .ct-value", { hasText: "Hamburg" }).waitFor({ timeout: 10000 });
  carla = (await call(token, "GET", acc(`/contacts/${CONTACT_ID}`))).body.payload;
  check(carla.custom_attributes.plan === "platinum" && carla.additional_attributes.city === "Hamburg"
    && carla.additional_attributes.company_name === "Customer GmbH", `attributes: ${JSON.stringify(carla)}`);

  step("add a label");
  await page.getByLabel("New label").fill("VIP");
  await page.getByRole("form", { name: "Add label" }).getByRole("button", { name: "Add" }).click();
  await page.locator('.ct-labels li[data-label="vip"]').waitFor({ timeout: 10000 });
  const labels = (await call(token, "GET", acc(`/contacts/${CONTACT_ID}/labels`))).body.payload;
  check(labels.includes("vip"), `labels: ${labels}`);
  await page.locator(".ct-convs a", { hasText: "Where is my parcel?" }).waitFor({ timeout: 10000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-contacts.png` });


  step("its conversation link opens the conversation view");
  await page.locator(`.ct-convs a[data-conversation="${CONVERSATION}"]`).click();
  await page.locator(".conv-header .title", { hasText: CONTACT_NAME }).waitFor({ timeout: 10000 });
  await page.locator(".thread li", { hasText: "Where is my parcel?" }).waitFor({ timeout: 10000 });
  check(page.url().endsWith(`#/conversations/${CONVERSATION}`), `conversation address: ${page.url()}`);
  check(await page.locator(".page-view").isHidden(), "the contact page still shows");

  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log(`elapsed: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
