// Macros in headless Chromium: an agent saves a macro on the Macros page
// (agents' are personal: no visibility choice), runs it on the open
// conversation from the command palette, runs an administrator's global
// macro from the conversation's More menu, and runs theirs on two
// conversations selected in the list. Every effect is checked through the
// API: the actions were done as the agent.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), AGENT_ID = Number(env("AGENT_ID"));
const CONVERSATIONS = env("CONVERSATIONS").split(",").map(Number);

const adminApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

async function eventually(path, test, what) {
  let last;
  for (let i = 0; i < 50; i++) {
    last = await adminApi(path);
    if (test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: ${JSON.stringify(last)}`);
}

const started = Date.now();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };

  step("sign in as an agent and save a macro on the Macros page");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.evaluate(() => { location.hash = "#/macros"; });
  await page.getByRole("heading", { name: "Macros", level: 1 }).waitFor(T);
  await page.locator("li[data-macro]", { hasText: "Close politely" }).waitFor(T);
  check(await page.locator("li[data-macro]", { hasText: "Close politely" }).getByRole("button", { name: /Edit/ }).count() === 0,
    "an agent cannot edit a global macro", "");
  const form = page.getByRole("form", { name: "New macro" });
  check(await form.getByLabel("Who can use it").count() === 0, "agents' macros are personal: no choice", "");
  await form.getByLabel("Macro name").fill("Take it");
  const rows = form.locator(".rule-row");
  await rows.nth(0).getByLabel("Action").selectOption("assign_agent");
  await rows.nth(0).getByLabel("Value").selectOption("self");
  await form.getByRole("button", { name: "Add action" }).click();
  await rows.nth(1).getByLabel("Action").selectOption("add_label");
  await rows.nth(1).getByLabel("Value").fill("taken");
  await form.getByRole("button", { name: "Create" }).click();
  await page.locator("li[data-macro]", { hasText: "Take it" }).waitFor(T);
  const saved = (await adminApi("/macros")).payload;
  check(!saved.some((m) => m.name === "Take it"), "the administrator does not see the agent's personal macro", saved);

  step("run it on the open conversation from the command palette");
  await page.evaluate((id) => { location.hash = `#/conversations/${id}`; }, CONVERSATIONS[0]);
  const header = page.locator(".conv-header");
  await header.waitFor(T);
  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog", { name: "Command palette" });
  await palette.getByRole("combobox", { name: "Command palette" }).fill("take it");
  await palette.getByRole("option", { name: "Run macro: Take it" }).waitFor(T);
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: "Macro “Take it” done." }).first().waitFor(T);
  const c0 = await eventually(`/conversations/${CONVERSATIONS[0]}`,
    (c) => c.meta && c.meta.assignee && c.meta.assignee.id === AGENT_ID && (c.labels || []).includes("taken"), "the palette's run");
  check(c0.labels.includes("taken"), "labelled", c0);

  step("run the global macro from the conversation's More menu");
  await header.getByRole("button", { name: "More actions" }).click();
  await page.getByRole("menuitem", { name: "Close politely" }).click();
  const closed = await eventually(`/conversations/${CONVERSATIONS[0]}`, (c) => c.status === "resolved", "resolved by the macro");
  const msgs = (await adminApi(`/conversations/${CONVERSATIONS[0]}/messages`)).payload;
  const note = msgs.find((m) => m.content === "Closed by macro");
  check(note && note.private && note.sender && note.sender.id === AGENT_ID, "the note is the agent's", msgs);
  check(closed.status === "resolved", "resolved", closed);

  step("run it on two conversations selected in the list");
  await page.evaluate(() => { location.hash = "#/"; });
  for (const id of CONVERSATIONS.slice(1)) await page.getByRole("checkbox", { name: `Select #${id}` }).click();
  const bar = page.getByRole("toolbar", { name: "Change the selected conversations" });
  await bar.getByLabel("Run macro").selectOption({ label: "Take it" });
  for (const id of CONVERSATIONS.slice(1)) {
    await eventually(`/conversations/${id}`, (c) => (c.labels || []).includes("taken") && c.meta.assignee && c.meta.assignee.id === AGENT_ID,
      `the bulk run on #${id}`);
  }
  await page.screenshot({ path: `${SHOTS}/dashboard-macros.png` });

  check(!errors.length, "page errors", errors);
  console.log(JSON.stringify({ ok: true, ms: Date.now() - started }));
} finally {
  await browser.close();
}
