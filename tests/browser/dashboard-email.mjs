// The e-mail channel in headless Chromium against real mail servers: an
// e-mail inbox made in Settings (a refused IMAP login shown inline, then
// accepted), a customer's mail read from the mailbox shown with its subject
// and trimmed text, the whole mail behind a toggle, and a reply with a Cc
// sent from the composer (the test then finds it in both mailboxes).
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT");
const SUPPORT = env("SUPPORT"), CC = env("CC"), IMAP_PORT = env("IMAP_PORT"), SMTP_PORT = env("SMTP_PORT");

const agentApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

const started = Date.now();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 15000 };

  step("sign in and open the new e-mail inbox form");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("button", { name: "New inbox", exact: true }).first().click();
  const flow = page.getByRole("region", { name: "New inbox" });
  await flow.getByRole("button", { name: "E-mail", exact: true }).click();
  const form = page.getByRole("form", { name: "New e-mail inbox" });
  await form.waitFor(T);
  check(!(await form.getByLabel("IMAP server").isVisible()), "IMAP fields hidden while IMAP is off", "");

  step("a wrong IMAP password is refused inline; nothing is kept");
  await form.getByLabel("Name").fill("Support mail");
  await form.getByLabel("E-mail address").fill(SUPPORT);
  await form.getByLabel("Read this mailbox over IMAP").check();
  await form.getByLabel("IMAP server").fill("127.0.0.1");
  await form.getByLabel("IMAP port").fill(IMAP_PORT);
  await form.getByLabel("IMAP login").fill(SUPPORT);
  await form.getByLabel("IMAP password").fill("wrong");
  await form.getByLabel("IMAP over SSL/TLS").uncheck();
  await form.getByLabel("Send replies over SMTP").check();
  await form.getByLabel("SMTP server").fill("127.0.0.1");
  await form.getByLabel("SMTP port").fill(SMTP_PORT);
  await form.getByLabel("SMTP login").fill(SUPPORT);
  await form.getByLabel("SMTP password").fill("secret");
  await form.getByLabel("Use STARTTLS when the server offers it").uncheck();
  await form.getByRole("button", { name: "Create" }).click();
  await form.getByRole("alert").filter({ hasText: /login/i }).waitFor(T);
  check((await agentApi("/inboxes")).payload.length === 0, "no inbox after a refusal", "");

  step("the right password: created, the raw-mail address shown");
  await form.getByLabel("IMAP password").fill("secret");
  await form.getByRole("button", { name: "Create" }).click();
  await flow.getByRole("button", { name: "Skip" }).click();
  const raw = flow.locator("input.raw-mail");
  await raw.waitFor(T);
  const rawUrl = await raw.inputValue();
  check(rawUrl.startsWith(`${BASE}/webhooks/email/`), "raw-mail address", rawUrl);
  const inbox = (await agentApi("/inboxes")).payload.find((i) => i.email === SUPPORT);
  check(inbox && inbox.imap_enabled && inbox.smtp_enabled && !("imap_password" in inbox), "inbox as stored", inbox);
  await flow.getByRole("button", { name: "Done" }).click();
  await page.getByRole("listitem").filter({ hasText: "Support mail" }).getByText("E-mail", { exact: true }).waitFor(T);

  step("the customer's mail (sent before the inbox was made) is read from the mailbox");
  await page.getByRole("link", { name: "Conversations" }).click();
  const card = page.locator("button[data-conversation]").filter({ hasText: "Ivan Petrov" });
  await card.waitFor({ timeout: 30000 });
  // The inbox was made after the dashboard read its inboxes: the card and
  // the sidebar learn its name anyway.
  await card.getByText("Support mail").waitFor(T);
  await page.getByRole("navigation", { name: "Folders" }).getByRole("button", { name: "Support mail" }).waitFor(T);
  await card.click();
  const mail = page.locator(".thread li.in").filter({ hasText: "Where is my parcel?" });
  await mail.waitFor(T);
  const subject = await mail.locator(".mail-subject").textContent();
  check(subject === "Parcel 42", "subject shown", subject);
  const sender = await mail.locator(".mail-from").textContent();
  check(sender.endsWith(env("CUSTOMER")), "the real sender shown", sender);
  const body = await mail.locator(".body").innerText();
  check(!body.includes("wrote:") && !body.includes("Ivan Petrov, Moscow"), "quoted history and signature trimmed", body);

  step("the whole mail behind its toggle");
  const toggle = mail.getByRole("button", { name: "Show the whole mail" });
  check((await toggle.getAttribute("aria-expanded")) === "false", "collapsed", "");
  await toggle.click();
  const full = await mail.locator(".mail-full").innerText();
  check(full.includes("Ivan Petrov, Moscow") && full.includes("wrote:"), "the whole mail", full);
  check((await toggle.getAttribute("aria-expanded")) === "true", "expanded", "");

  step("reply with a Cc from the composer");
  await page.getByLabel("Cc", { exact: true }).fill(CC);
  await page.locator("#composer-input").fill("It left our warehouse today.");
  await page.keyboard.press("Enter");
  const out = page.locator(".thread li.out").filter({ hasText: "It left our warehouse today." });
  await out.waitFor(T);
  await out.locator(".mail-copies").filter({ hasText: CC }).waitFor(T);
  await page.screenshot({ path: `${SHOTS}/dashboard-email.png` });
  // The reply gets its Message-ID once the SMTP server took it.
  let sent = null;
  for (let i = 0; i < 100 && !sent; i++) {
    const conv = (await agentApi("/conversations?status=all")).data.payload[0];
    const msgs = (await agentApi(`/conversations/${conv.id}/messages`)).payload;
    sent = msgs.find((m) => m.content === "It left our warehouse today." && m.source_id);
    if (!sent) await new Promise((r) => setTimeout(r, 100));
  }
  check(sent && /^conversation\/.+\/messages\/\d+@/.test(sent.source_id), "reply sent over SMTP", sent);
  check(JSON.stringify(sent.content_attributes.cc_emails) === JSON.stringify([CC]), "Cc kept on the message", sent);

  step("a forwarded mail arrives live; deleting its contact takes its card away");
  const forwarded = [
    "From: Olga Forwarded <olga@elsewhere.test>", `To: ${SUPPORT}`, "Subject: Fwd: refund",
    "Message-ID: <fwd-1@elsewhere.test>", "", "Please refund order 7.", "",
  ].join("\r\n");
  const posted = await fetch(rawUrl, { method: "POST", body: forwarded });
  check(posted.status === 200, "raw mail accepted", String(posted.status));
  const olga = page.locator("button[data-conversation]").filter({ hasText: "Olga Forwarded" });
  await olga.waitFor(T);
  const olgaContact = (await agentApi("/conversations?status=all")).data.payload
    .find((c) => c.meta.sender.name === "Olga Forwarded").meta.sender.id;
  const del = await fetch(`${BASE}/api/v1/accounts/${ACCOUNT}/contacts/${olgaContact}`, { method: "DELETE", headers: { api_access_token: TOKEN } });
  check(del.ok, "contact deleted", String(del.status));
  await olga.waitFor({ state: "detached", ...T });
  await card.waitFor(T);

  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log(`e-mail script took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
