// A person in two accounts follows a link that names one (`?account=`, as
// browser push links do): the dashboard opens that account, drops the
// parameter from the address and remembers the choice; a link naming an
// account they are not in changes nothing.
import { env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD");
const ACCOUNT = env("ACCOUNT"), OTHER = env("OTHER"), STRANGER = env("STRANGER");

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };
  const switcher = page.locator("select.account-switch");

  step("signed in, the first account is open");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await switcher.waitFor(T);
  check((await switcher.inputValue()) === ACCOUNT, "the first account", await switcher.inputValue());

  step("a link naming the other account opens it and drops the parameter");
  await page.goto(`${BASE}/app?account=${OTHER}#/conversations`);
  await page.waitForFunction((id) => {
    const s = document.querySelector("select.account-switch");
    return s && s.value === id;
  }, OTHER, T);
  check(!page.url().includes("account="), "the parameter is dropped", page.url());
  check(page.url().endsWith("#/conversations"), "the rest of the address is kept", page.url());

  step("the choice is remembered on the next visit");
  await page.goto(`${BASE}/app`);
  await page.waitForFunction((id) => {
    const s = document.querySelector("select.account-switch");
    return s && s.value === id;
  }, OTHER, T);

  step("a link naming an account they are not in changes nothing");
  await page.goto(`${BASE}/app?account=${STRANGER}#/`);
  await switcher.waitFor(T);
  await page.waitForFunction(() => !location.search.includes("account="), null, T);
  check((await switcher.inputValue()) === OTHER, "still the remembered account", await switcher.inputValue());
  const names = await switcher.locator("option").allTextContents();
  check(!names.some((n) => n.includes("Stranger")), "the stranger's account is not offered", names);

  check(errors.length === 0, "no page errors", errors);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
