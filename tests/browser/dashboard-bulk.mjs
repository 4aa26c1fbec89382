// Bulk changes from the list: ten conversations chosen with a click and a
// shift-click are assigned to an agent at once through /bulk_actions; a
// label and a status go the same way; "select all" takes the page.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), AGENT = env("AGENT"), AGENT_ID = Number(env("AGENT_ID"));
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

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };

  step("sign in: twelve conversations, none selected, no bulk bar");
  await signIn(page, BASE, EMAIL, PASSWORD);
  const cards = page.locator(".list button[data-conversation]");
  await until("twelve cards", async () => (await cards.count()) === 12);
  const bar = page.getByRole("toolbar", { name: "Change the selected conversations" });
  check(await bar.isHidden(), "the bulk bar shows with nothing selected", "");

  step("a click and a shift-click choose ten");
  const order = await cards.evaluateAll((bs) => bs.map((b) => Number(b.dataset.conversation)));
  const ten = order.slice(0, 10);
  await page.getByRole("checkbox", { name: `Select #${ten[0]}` }).click();
  await page.getByRole("checkbox", { name: `Select #${ten[9]}` }).click({ modifiers: ["Shift"] });
  await bar.getByRole("status").filter({ hasText: "10 selected" }).waitFor(T);
  check(await page.locator(".list input.pick:checked").count() === 10, "ten boxes are checked", await page.locator(".list input.pick:checked").count());
  await page.screenshot({ path: `${SHOTS}/dashboard-bulk.png` });

  step("assign the ten to an agent at once");
  await bar.getByLabel("Assign to").selectOption({ label: AGENT });
  await bar.waitFor({ state: "hidden", ...T });
  await until("the ten assigned", async () => {
    const all = (await agentApi("/conversations?status=all&assignee_type=all")).data.payload;
    const mine = all.filter((c) => c.meta.assignee && c.meta.assignee.id === AGENT_ID).map((c) => c.id).sort((a, b) => a - b);
    return JSON.stringify(mine) === JSON.stringify([...ten].sort((a, b) => a - b));
  });

  step("select all on the page, add a label, then resolve two");
  await page.getByRole("checkbox", { name: `Select #${order[0]}` }).click();
  await bar.getByRole("checkbox", { name: "Select all on this page" }).check();
  await bar.getByRole("status").filter({ hasText: "12 selected" }).waitFor(T);
  await bar.getByLabel("Add label").selectOption("billing");
  await bar.waitFor({ state: "hidden", ...T });
  await until("every conversation labelled", async () => {
    const all = (await agentApi("/conversations?status=all&assignee_type=all")).data.payload;
    return all.length === 12 && all.every((c) => c.labels.includes("billing"));
  });
  await page.getByRole("checkbox", { name: `Select #${order[0]}` }).click();
  await page.getByRole("checkbox", { name: `Select #${order[1]}` }).click();
  await bar.getByLabel("Change status").selectOption("resolved");
  await until("two resolved", async () => {
    const a = await agentApi(`/conversations/${order[0]}`);
    const b = await agentApi(`/conversations/${order[1]}`);
    return a.status === "resolved" && b.status === "resolved";
  });
  check(errors.length === 0, "the page threw", errors);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
