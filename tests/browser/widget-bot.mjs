// An agent bot's buttons in the website widget: the visitor writes, the
// conversation is the bot's (pending), the bot asks with buttons through
// its own token, the visitor taps one; the choice stays marked and the
// others close. Run by crates/switchboard/tests/browser/bots.rs, which
// checks what the bot heard.
import { env, launch, step } from "./launch.mjs";

const BASE = env("BASE"), TOKEN = env("TOKEN"), BOT_TOKEN = env("BOT_TOKEN"), ACCOUNT = env("ACCOUNT");
const PAGE_URL = env("PAGE_URL"), SHOTS = env("SHOTS");

async function call(token, path, body) {
  const r = await fetch(`${BASE}/api/v1/accounts/${ACCOUNT}${path}`, {
    method: body ? "POST" : "GET",
    headers: { api_access_token: token, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json().catch(() => null);
}

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

const started = Date.now();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 15000 };

  step("the visitor writes; the conversation is the bot's");
  await page.goto(PAGE_URL);
  await page.locator(".launcher").click(T);
  await page.getByRole("button", { name: "Start a conversation" }).click();
  await page.locator("textarea").fill("Where is my parcel?");
  await page.keyboard.press("Enter");
  await page.locator("li.in:not(.pending)", { hasText: "Where is my parcel?" }).waitFor(T);
  let conv = null;
  for (let i = 0; i < 50 && !conv; i++) {
    const list = await call(TOKEN, "/conversations?status=pending");
    conv = ((list.data && list.data.payload) || [])[0] || null;
    if (!conv) await new Promise((r) => setTimeout(r, 100));
  }
  check(conv && conv.status === "pending", "a pending conversation", conv);

  step("the bot asks with buttons");
  await call(BOT_TOKEN, `/conversations/${conv.id}/messages`, {
    content: "What is it about?", content_type: "input_select",
    content_attributes: { items: [{ title: "Billing", value: "billing" }, { title: "Shipping", value: "shipping" }] },
  });
  const choices = page.getByRole("group", { name: "Choose one" });
  await choices.getByRole("button", { name: "Shipping" }).waitFor(T);

  step("the visitor taps one");
  await choices.getByRole("button", { name: "Shipping" }).click();
  await choices.locator('button[aria-pressed="true"]', { hasText: "Shipping" }).waitFor(T);
  check(await choices.getByRole("button", { name: "Billing" }).isDisabled(), "the other choice closes", "");

  step("cards: title, words and links (only http(s) ones)");
  await call(BOT_TOKEN, `/conversations/${conv.id}/messages`, {
    content: "Track it here", content_type: "cards",
    content_attributes: { items: [{
      title: "Parcel 42", description: "On its way",
      actions: [{ type: "link", text: "Track", uri: "https://track.example/42" }, { type: "link", text: "Evil", uri: "javascript:alert(1)" }],
    }] },
  });
  const cards = page.getByRole("list", { name: "Options" });
  await cards.getByText("Parcel 42").waitFor(T);
  check(await cards.getByRole("link", { name: "Track" }).getAttribute("href") === "https://track.example/42", "the card's link", "");
  check(await cards.getByRole("link", { name: "Evil" }).count() === 0, "no javascript: links", "");

  step("a form: filled and sent once");
  await call(BOT_TOKEN, `/conversations/${conv.id}/messages`, {
    content: "A few details", content_type: "form",
    content_attributes: { items: [
      { name: "email", label: "Your e-mail", type: "email", required: true },
      { name: "order", label: "Order number", type: "text" },
    ] },
  });
  const email = page.getByLabel("Your e-mail");
  await email.waitFor(T);
  await email.fill("pia@example.com");
  await page.getByLabel("Order number").fill("42");
  await page.getByRole("button", { name: "Submit" }).click();
  // The answer comes back and the form shows it, closed (the button alone
  // closes at once, before the answer).
  await page.locator('form.bot-form input[name="email"][disabled]').waitFor(T);
  check(await page.getByLabel("Your e-mail").inputValue() === "pia@example.com", "answered: the fields close, showing it", "");
  await page.screenshot({ path: `${SHOTS}/widget-bot-buttons.png` });

  check(!errors.length, "page errors", errors);
  console.log(JSON.stringify({ ok: true, ms: Date.now() - started }));
} finally {
  await browser.close();
}
