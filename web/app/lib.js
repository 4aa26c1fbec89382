// What the dashboard's modules share: the interface language, the API
// client (session cookie + CSRF header) and a small element builder.

export const locale = (navigator.language || "en").slice(0, 2) === "ru" ? "ru" : "en";

export function cookie(name) {
  const hit = document.cookie.split(";").map((c) => c.trim().split("=")).find(([k]) => k === name);
  return hit ? decodeURIComponent(hit[1] || "") : "";
}

export class Unauthorized extends Error {}

export async function api(path, options = {}) {
  const method = options.method || "GET";
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = cookie("sb_csrf");
  if (options.json !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
  });
  if (r.status === 401) throw new Unauthorized();
  const body = await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(`HTTP ${r.status}`), { status: r.status, body });
  return body;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter(Boolean));
  return node;
}

