// What the dashboard's modules share: the interface language, the API
// client (session cookie + CSRF header) and a small element builder.

// The interface language: the one chosen in the profile (kept in this
// browser), else the browser's own when we speak it, else English.
const chosenLocale = localStorage.getItem("sb:locale");
export const locale = chosenLocale === "en" || chosenLocale === "ru" ? chosenLocale
  : (navigator.language || "en").slice(0, 2) === "ru" ? "ru" : "en";
export function setLocale(value) {
  if (value === "en" || value === "ru") localStorage.setItem("sb:locale", value);
  else localStorage.removeItem("sb:locale");
}

// The theme: "light", "dark" or "system" (follow the operating system).
export function theme() {
  const v = localStorage.getItem("sb:theme");
  return v === "light" || v === "dark" ? v : "system";
}
export function setTheme(value) {
  if (value === "light" || value === "dark") {
    localStorage.setItem("sb:theme", value);
    document.documentElement.dataset.theme = value;
  } else {
    localStorage.removeItem("sb:theme");
    delete document.documentElement.dataset.theme;
  }
}
setTheme(theme());

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
    body: options.form !== undefined ? options.form : options.json !== undefined ? JSON.stringify(options.json) : undefined,
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


// "5 min ago" in the interface language, from unix seconds.
export function relative(unixSecs) {
  if (!unixSecs) return "";
  const diff = unixSecs - Date.now() / 1000;
  const fmt = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });
  for (const [unit, secs] of [["day", 86400], ["hour", 3600], ["minute", 60]]) {
    if (Math.abs(diff) >= secs) return fmt.format(Math.round(diff / secs), unit);
  }
  return fmt.format(0, "minute");
}

// A date and time in the interface language, from unix seconds.
export function when(unixSecs) {
  return unixSecs ? new Date(unixSecs * 1000).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" }) : "—";
}

// A person's picture, or their initials on a colour derived from the name;
// decorative (the name is always written beside it).
export function avatar(name, url, size = "md") {
  if (url) return el("img", { class: `avatar ${size}`, src: url, alt: "", loading: "lazy" });
  const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
  const initials = ((words[0] || "?")[0] + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase();
  let hue = 0;
  for (const ch of String(name || "")) hue = (hue * 31 + ch.codePointAt(0)) % 360;
  const node = el("span", { class: `avatar ${size}`, "aria-hidden": "true", text: initials });
  node.style.setProperty("--hue", String(hue));
  return node;
}

// A labelled form field; the label is tied to the control by id.
let fieldSeq = 0;
export function field(label, input) {
  const id = input.id || `f${++fieldSeq}`;
  input.id = id;
  return el("div", { class: "field" }, el("label", { for: id, text: label }), input);
}

// The text of an API error for a person: the server's message when it sent one.
export function errorMessage(e) {
  const b = e && e.body;
  return (b && (b.message || b.error || (Array.isArray(b.errors) && b.errors.join(", ")))) || (e && e.message) || "";
}

// Line icons (24 x 24, drawn with the current text colour); always beside a
// word or inside a labelled control, so they are hidden from readers.
const ICONS = {
  web: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M3 12h18M12 3c3 3.5 3 14.5 0 18M12 3c-3 3.5-3 14.5 0 18",
  api: "M8 7l-5 5 5 5M16 7l5 5-5 5",
  email: "M3 6h18v12H3zM3 6l9 7 9-7",
  telegram: "M21 4L3 11l6 2 2 6 3-4 5 4z",
  whatsapp: "M5 4h4l2 5-3 2a11 11 0 0 0 5 5l2-3 5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 3 6a2 2 0 0 1 2-2",
  lock: "M6 11h12v9H6zM8 11V8a4 4 0 0 1 8 0v3",
  clip: "M20 11l-8 8a5 5 0 0 1-7-7l8-8a3.5 3.5 0 0 1 5 5l-8 8a2 2 0 0 1-3-3l7-7",
  check: "M5 12l5 5 9-10",
  checks: "M2 12l5 5 9-10M11 16l1 1 9-10",
  clock: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7v5l3 2",
  alert: "M12 3l10 18H2zM12 10v5M12 18v.5",
  flag: "M5 21V4h12l-2 4 2 4H5",
  search: "M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14M20 20l-4-4",
  bell: "M6 16v-5a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0",
  desktop: "M3 5h18v11H3zM8 20h8M12 16v4",
  reply: "M10 8l-6 5 6 5M4 13h11a5 5 0 0 1 5 5",
  close: "M6 6l12 12M18 6L6 18",
  back: "M15 5l-7 7 7 7",
  panel: "M3 4h18v16H3zM15 4v16",
  filter: "M3 5h18l-7 8v6l-4 2v-8z",
  inbox: "M3 13l3-8h12l3 8v6H3zM3 13h5l1 2h6l1-2h5",
  team: "M9 11a3 3 0 1 0 0-6a3 3 0 1 0 0 6M3 20a6 6 0 0 1 12 0M17 11a3 3 0 1 0 0-6M21 20a6 6 0 0 0-4-5.6",
  tag: "M3 3h8l10 10-8 8L3 11zM7.5 7.5v.01",
  user: "M12 12a4 4 0 1 0 0-8a4 4 0 1 0 0 8M4 21a8 8 0 0 1 16 0",
  sound: "M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 0 1 0 6M19 6a8 8 0 0 1 0 12",
};
const SVG = "http://www.w3.org/2000/svg";
export function icon(name, extraClass = "") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `icon ${extraClass}`.trim());
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name] || ICONS.web);
  svg.append(path);
  return svg;
}

// The icon for an inbox's channel class (Chatwoot's channel_type names).
export function channelIcon(channelType) {
  const c = String(channelType || "");
  return icon(c.includes("WebWidget") ? "web" : c.includes("Email") ? "email" : c.includes("Telegram") ? "telegram"
    : c.includes("Whatsapp") ? "whatsapp" : "api");
}

// Loads once and shares: the account's agents, teams, labels and inboxes.
const cached = new Map();
export function load(path, pick = (x) => x) {
  if (!cached.has(path)) {
    const p = api(path).then(pick).catch((e) => { cached.delete(path); throw e; });
    cached.set(path, p);
  }
  return cached.get(path);
}
export function forget(prefix) {
  for (const k of [...cached.keys()]) if (k.startsWith(prefix)) cached.delete(k);
}
