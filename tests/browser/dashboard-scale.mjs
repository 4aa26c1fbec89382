// The dashboard on an account with many conversations: the first page
// renders without the rest, scrolling pages by cursor. Prints the figures.
import { env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), TOTAL = Number(env("TOTAL"));

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const page = await context.newPage();
  step("sign in");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.locator(".list button").first().waitFor({ timeout: 30000 });

  step("a fresh load: time to the first card and the requests it took");
  const requests = [];
  page.on("request", (r) => { if (r.url().includes("/api/")) requests.push(new URL(r.url()).pathname + new URL(r.url()).search); });
  await page.reload();
  await page.locator(".list button").first().waitFor({ timeout: 30000 });
  // The dashboard marks the moment its first page of cards is in the document.
  const firstRender = await page.evaluate(() => Math.round(performance.getEntriesByName("sb:first-page")[0].startTime));
  // The browser's first contentful paint (the shell and the list's skeleton).
  const firstPaint = await page.evaluate(() => {
    const e = performance.getEntriesByName("first-contentful-paint")[0];
    return e ? Math.round(e.startTime) : -1;
  });
  const atFirst = await page.locator(".list button").count();
  const allCount = Number(await page.locator("[role=tab][data-tab=all] .count").textContent());
  // The API requests that started before that mark (what the first page waited for).
  const firstRequests = await page.evaluate((mark) => performance.getEntriesByType("resource")
    .filter((e) => e.startTime < mark && new URL(e.name).pathname.startsWith("/api/"))
    .map((e) => { const u = new URL(e.name); return u.pathname + u.search; }), firstRender);
  if (allCount !== TOTAL) throw new Error(`the All tab counts ${allCount}, expected ${TOTAL}`);
  if (atFirst >= 200) throw new Error(`${atFirst} cards rendered on open: the list loaded far more than a page`);

  step("scrolling to the end loads the next pages by cursor");
  const scrollsWanted = 4;
  for (let i = 0; i < scrollsWanted; i++) {
    const before = await page.locator(".list button").count();
    await page.locator(".list").evaluate((l) => { l.scrollTop = l.scrollHeight; });
    await page.waitForFunction((n) => document.querySelectorAll(".list button").length > n, before, { timeout: 15000 });
  }
  const afterScroll = await page.locator(".list button").count();
  const cursorRequests = requests.filter((u) => u.includes("cursor=")).length;
  if (cursorRequests < scrollsWanted) throw new Error(`only ${cursorRequests} cursor requests`);
  const ids = await page.locator(".list button").evaluateAll((bs) => bs.map((b) => b.dataset.conversation));
  if (new Set(ids).size !== ids.length) throw new Error("a conversation appears twice after paging");

  step("a long thread shows its latest page and loads older ones at the top, keeping the place");
  const LONG = env("LONG");
  await page.locator(".list").evaluate((l) => { l.scrollTop = 0; });
  await page.locator(`button[data-conversation="${LONG}"]`).click();
  const lines = page.locator(".thread li.in");
  await page.locator(".thread li.in", { hasText: "Line 45" }).waitFor({ timeout: 10000 });
  if ((await lines.count()) !== 20) throw new Error(`opened with ${await lines.count()} messages, expected the latest 20`);
  for (const expected of [40, 45]) {
    await page.locator(".thread").evaluate((t) => { t.scrollTop = 0; });
    await page.waitForFunction((n) => document.querySelectorAll(".thread li.in").length === n, expected, { timeout: 10000 });
    const top = await page.locator(".thread").evaluate((t) => t.scrollTop);
    if (expected === 40 && top <= 0) throw new Error("loading older messages jumped the reader to the top");
  }
  const texts = await page.locator(".thread li.in .body").allTextContents();
  if (texts[0] !== "Line 1" || texts[44] !== "Line 45") throw new Error(`thread order: ${texts[0]} .. ${texts[44]}`);

  console.log(`figure: ${TOTAL} conversations; first contentful paint ${firstPaint} ms, first card ${firstRender} ms after navigation; ` +
    `${firstRequests.length} API requests before it (${firstRequests.join(", ")}); ${atFirst} cards rendered; ` +
    `${afterScroll} after ${scrollsWanted} scrolls to the end, one cursor page each (${cursorRequests} requests)`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
