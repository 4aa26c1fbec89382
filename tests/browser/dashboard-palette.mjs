// The day's speed tools: the command palette (Ctrl+K) assigns, labels,
// snoozes and navigates; the compact list density and "after resolving,
// open the next" follow the agent (ui_settings); the list shows a skeleton
// while it loads and empty states that say what to do.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), AGENT = env("AGENT"), AGENT_ID = Number(env("AGENT_ID"));
const agentApi = accountApi(BASE, ACCOUNT, TOKEN);
const profileApi = async () => (await fetch(`${BASE}/api/v1/profile`, { headers: { api_access_token: TOKEN } })).json();

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

  step("a slow first page shows a skeleton of the list, then the cards");
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route(/\/api\/v1\/accounts\/\d+\/conversations\?/, async (route) => {
    await held;
    await route.continue();
  });
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.locator('.list[aria-busy="true"] li.skeleton').first().waitFor(T);
  check(await page.locator(".list li.skeleton").count() >= 5, "skeleton cards", await page.locator(".list li.skeleton").count());
  await page.screenshot({ path: `${SHOTS}/dashboard-skeleton.png` });
  release();
  const cards = page.locator(".list button[data-conversation]");
  await until("six cards", async () => (await cards.count()) === 6);
  check(await page.locator(".list li.skeleton").count() === 0, "the skeleton is gone", "");
  check(!(await page.locator(".list").getAttribute("aria-busy")), "the list is no longer busy", "");

  step("empty states say what to do: Mine is empty with work waiting in Unassigned");
  await page.getByRole("tab", { name: /^Mine/ }).click();
  const empty = page.locator("p.empty");
  await empty.filter({ hasText: "Nothing assigned to you; 6 waiting in Unassigned." }).waitFor(T);
  await empty.getByRole("button", { name: "Open Unassigned" }).click();
  await page.getByRole("tab", { name: /^Unassigned/, selected: true }).waitFor(T);
  await until("six unassigned cards", async () => (await cards.count()) === 6);
  await page.getByRole("tab", { name: /^All/ }).click();
  await page.getByRole("navigation", { name: "Folders" }).getByRole("button", { name: "unused" }).click();
  await empty.filter({ hasText: "No conversations match this view." }).waitFor(T);
  await empty.getByRole("button", { name: "Show all conversations" }).click();
  await until("six cards again", async () => (await cards.count()) === 6);

  step("Ctrl+K opens the palette; it is listed in the ? sheet");
  const order = await cards.evaluateAll((bs) => bs.map((b) => Number(b.dataset.conversation)));
  const first = order[0];
  await cards.first().click();
  const header = page.locator(".conv-header");
  await header.waitFor(T);
  await page.locator(".thread li", { hasText: "It worked, thank you!" }).waitFor(T);
  await page.mouse.move(720, 880);
  await page.screenshot({ path: `${SHOTS}/dashboard-desktop.png` });
  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog", { name: "Command palette" });
  await palette.waitFor(T);
  const box = palette.getByRole("combobox", { name: "Command palette" });
  check(await box.evaluate((n) => n === document.activeElement), "the palette's box has the focus", "");
  await palette.getByRole("option", { name: "Resolve" }).waitFor(T);
  await page.keyboard.press("Escape");
  await palette.waitFor({ state: "hidden", ...T });

  step("the palette assigns the open conversation to an agent by name");
  await page.keyboard.press("Control+k");
  await box.fill(`assign ${AGENT.split(" ")[0]}`);
  const assign = palette.getByRole("option", { name: `Assign to ${AGENT}` });
  await assign.waitFor(T);
  check(await assign.getAttribute("aria-selected") === "true", "the first match is chosen", "");
  await page.keyboard.press("Enter");
  await palette.waitFor({ state: "hidden", ...T });
  await until("assigned through the palette", async () => {
    const c = await agentApi(`/conversations/${first}`);
    return c.meta.assignee && c.meta.assignee.id === AGENT_ID;
  });
  await header.getByRole("button", { name: `Assign to: ${AGENT}` }).waitFor(T);

  step("labels, priority and snooze by name; arrows move the choice");
  await page.keyboard.press("Control+k");
  await box.fill("label vip");
  await palette.getByRole("option", { name: "Add label: vip" }).waitFor(T);
  await page.keyboard.press("Enter");
  await until("labelled vip", async () => (await agentApi(`/conversations/${first}`)).labels.includes("vip"));
  await page.keyboard.press("Control+k");
  await box.fill("priority");
  await palette.getByRole("option", { name: "Priority: Urgent" }).waitFor(T);
  await page.keyboard.press("ArrowDown");
  check(await palette.getByRole("option", { name: "Priority: High" }).getAttribute("aria-selected") === "true", "ArrowDown moves to High", "");
  await page.keyboard.press("Enter");
  await until("priority high", async () => (await agentApi(`/conversations/${first}`)).priority === "high");
  await page.keyboard.press("Control+k");
  await box.fill("snooze tomorrow");
  await page.keyboard.press("Enter");
  await until("snoozed", async () => (await agentApi(`/conversations/${first}`)).status === "snoozed");

  step("words the palette has no command for are handed to search");
  await page.keyboard.press("Control+k");
  await box.fill("Ирина");
  await palette.getByRole("option", { name: "Search for “Ирина”" }).waitFor(T);
  await page.keyboard.press("Enter");
  const search = page.getByRole("combobox", { name: /Search/ }).first();
  await until("search holds the words", async () => (await search.inputValue()) === "Ирина");
  await page.keyboard.press("Escape");

  step("the palette goes to settings pages");
  await page.keyboard.press("Control+k");
  await box.fill("settings labels");
  await page.keyboard.press("Enter");
  await until("on the labels settings", async () => page.url().endsWith("#/settings/labels"));
  await page.keyboard.press("Control+k");
  await box.fill("conversations");
  await page.keyboard.press("Enter");
  // The list's cards stay in the document under other pages: wait until
  // they show again.
  await cards.first().waitFor({ state: "visible", ...T });
  await until("back on the list", async () => page.url().endsWith("#/"));

  step("compact density from the palette: shorter cards, kept with the profile");
  const tall = await until("a laid-out card", async () => {
    const h = await cards.first().evaluate((b) => b.getBoundingClientRect().height);
    return h > 0 ? h : null;
  });
  await page.keyboard.press("Control+k");
  await box.fill("compact");
  await page.keyboard.press("Enter");
  await page.locator(".list.compact").waitFor(T);
  const short = await cards.first().evaluate((b) => b.getBoundingClientRect().height);
  check(short < tall * 0.75 && short <= 64, "compact cards are shorter", { tall, short });
  const rows = await page.locator(".list").evaluate((l) => l.clientHeight);
  console.log(`figure: list card ${Math.round(tall)} px comfortable, ${Math.round(short)} px compact; ` +
    `${(rows / tall).toFixed(1)} and ${(rows / short).toFixed(1)} cards in a ${rows} px list at 1440x900`);
  await until("density saved", async () => (await profileApi()).ui_settings.conversation_list_density === "compact");
  await page.screenshot({ path: `${SHOTS}/dashboard-compact.png` });
  await page.reload();
  await page.locator(".list.compact button[data-conversation]").first().waitFor(T);

  step("the profile's preference: after resolving, open the next conversation");
  await page.goto(`${BASE}/app#/profile`);
  const openNext = page.getByRole("checkbox", { name: "After resolving a conversation, open the next one" });
  await openNext.check();
  await until("preference saved", async () => (await profileApi()).ui_settings.open_next_after_resolve === true);
  check((await profileApi()).ui_settings.conversation_list_density === "compact", "saving one preference keeps the other", "");
  await page.getByRole("radio", { name: /^Comfortable/ }).check();
  await until("density comfortable", async () => (await profileApi()).ui_settings.conversation_list_density === "comfortable");
  await page.goto(`${BASE}/app#/`);
  await until("cards", async () => (await cards.count()) > 1);
  check(await page.locator(".list.compact").count() === 0, "the list is comfortable again", "");
  const now = await cards.evaluateAll((bs) => bs.map((b) => Number(b.dataset.conversation)));
  await cards.first().click();
  await header.locator(".title").waitFor(T);
  await page.locator(".list button[aria-current=\"true\"]").focus();
  await header.getByRole("button", { name: "Resolve" }).waitFor(T);
  await page.keyboard.press("e");
  await until("the first resolved", async () => (await agentApi(`/conversations/${now[0]}`)).status === "resolved");
  await until("the next one opened", async () => page.url().endsWith(`#/conversations/${now[1]}`));
  await header.getByRole("button", { name: "Resolve" }).click();
  await until("the second resolved", async () => (await agentApi(`/conversations/${now[1]}`)).status === "resolved");
  await until("the third opened after the button", async () => page.url().endsWith(`#/conversations/${now[2]}`));

  step("the ? sheet lists the palette");
  await page.locator(".list button[aria-current=\"true\"]").focus();
  await page.keyboard.press("Shift+Slash");
  await page.getByRole("dialog", { name: "Keyboard shortcuts" }).getByText("Command palette: every action by name").waitFor(T);
  await page.keyboard.press("Escape");

  step("Russian: the palette speaks Russian and still finds English words");
  await page.evaluate(() => localStorage.setItem("sb:locale", "ru"));
  await page.reload();
  await until("cards", async () => (await cards.count()) > 0);
  await cards.first().click();
  await page.keyboard.press("Control+k");
  const ru = page.getByRole("dialog", { name: "Палитра команд" });
  await ru.waitFor(T);
  await ru.getByRole("combobox").fill("assign");
  await ru.getByRole("option", { name: `Назначить: ${AGENT}` }).waitFor(T);
  await page.keyboard.press("Escape");
  check(errors.length === 0, "the page threw", errors);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
