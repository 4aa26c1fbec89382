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
  const firstRender = await page.evaluate(() => Math.round(performance.now()));
  const atFirst = await page.locator(".list button").count();
  const allCount = Number(await page.locator("[role=tab][data-tab=all] .count").textContent());
  const firstRequests = [...requests];
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

  console.log(`figure: ${TOTAL} conversations; first card ${firstRender} ms after navigation; ` +
    `${firstRequests.length} API requests before it (${firstRequests.join(", ")}); ${atFirst} cards rendered; ` +
    `${afterScroll} after ${scrollsWanted} scrolls to the end, one cursor page each (${cursorRequests} requests)`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
