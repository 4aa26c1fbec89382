// Shared by the browser scripts: the environment they are given and a
// headless Chromium without network chatter.
import { chromium } from "playwright-core";

export const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

export const step = (name) => console.log(`step: ${name}`);

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

// The account's Application API with a token: what another system or agent
// does while the browser watches.
export function accountApi(base, account, token) {
  return async (path, body) => {
    const r = await fetch(`${base}/api/v1/accounts/${account}${path}`, {
      method: body ? "POST" : "GET",
      headers: { api_access_token: token, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return r.json();
  };
}

// Signs in through the dashboard's form.
export async function signIn(page, base, email, password) {
  await page.goto(`${base}/app`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
