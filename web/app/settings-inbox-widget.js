// Settings → Inboxes, the website widget's side: the embed code (with the
// launcher's corner written into it), the warning when the inbox colour
// can't carry readable text, and a live preview of the widget as a visitor
// sees it, repainted from the form before anything is saved.

import { el, locale } from "./lib.js";
import { readableTextOn } from "./contrast.js";
import { copyButton, t, uid } from "./settings-kit.js";

// The embed code with Copy; `set(text)` changes it (the launcher's side).
export function snippetBox(script) {
  let value = script;
  const text = el("code", { text: script });
  const code = el("pre", { class: "snippet", tabindex: "0", "aria-label": t("snippet") }, text);
  const { copy, note } = copyButton(() => value, code);
  const node = el("div", { class: "snippet-box" }, code, el("div", { class: "row" }, copy, note));
  node.set = (next) => {
    value = next;
    text.textContent = next;
  };
  return node;
}

// The website's embed code for a launcher side: our widget reads
// data-position="left" on its script tag; right is the default.
export function embedCode(script, position) {
  if (position !== "left") return script;
  const attr = ' data-position="left"';
  const after = script.replace(/(data-website-token="[^"]*")/, `$1${attr}`);
  return after !== script ? after : script.replace(/<script\b/, `<script${attr}`);
}

// ---- colour contrast (UI brief: warn when the inbox colour can't reach 4.5:1) ----

function luminance(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  if (!m) return null;
  const n = parseInt(m[1], 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

// The better contrast of white or near-black (#16191d) text on `hex`.
function bestContrast(hex) {
  const l = luminance(hex);
  if (l === null) return null;
  const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  return Math.max(ratio(l, 1), ratio(l, luminance("#16191d")));
}

export function colourWarning(colourInput) {
  const warn = el("p", { class: "warn", role: "status" });
  const check = () => {
    const c = bestContrast(colourInput.value);
    warn.textContent = c !== null && c < 4.5
      ? t("contrastWarn", { n: c.toLocaleString(locale, { maximumFractionDigits: 1 }) }) : "";
  };
  colourInput.addEventListener("input", check);
  check();
  return warn;
}

// ---- the website widget's preview ----

// The widget's speech-bubble glyph, drawn in the launcher's text colour.
function chatGlyph() {
  const SVG = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

// A miniature of the widget as a visitor sees it: the open window (header
// in the inbox colour with the welcome title, tagline and reply time, the
// greeting as the first message) above the launcher, in the chosen corner.
// The text on the colour is chosen by readableTextOn, as the widget does.
// `update(values)` repaints it from the form, before anything is saved.
export function widgetPreview() {
  const title = el("span", { class: "wp-title" });
  const tagline = el("span", { class: "wp-tagline" });
  const reply = el("span", { class: "wp-reply" });
  const header = el("div", { class: "wp-header" }, title, tagline, reply);
  const bubble = el("p", { class: "wp-bubble" });
  const panel = el("div", { class: "wp-panel" }, header, el("div", { class: "wp-body" }, bubble),
    el("div", { class: "wp-composer", text: t("previewPlaceholder") }));
  const launcher = el("span", { class: "wp-launcher" }, chatGlyph());
  const stage = el("div", { class: "wp-stage", "data-position": "right" }, panel, launcher);
  const node = el("figure", { class: "widget-preview card" },
    el("figcaption", {}, el("strong", { text: t("preview") }), el("span", { class: "hint", text: t("previewHint") })), stage);
  function update(v) {
    const colour = /^#[0-9a-f]{6}$/i.test(v.colour || "") ? v.colour : "#1f93ff";
    stage.style.setProperty("--wp-colour", colour);
    stage.style.setProperty("--wp-text", readableTextOn(colour));
    title.textContent = v.title || "";
    title.hidden = !v.title;
    tagline.textContent = v.tagline || "";
    tagline.hidden = !v.tagline;
    reply.textContent = t(`reply_${v.replyTime || "in_a_few_minutes"}`);
    bubble.textContent = v.greeting || "";
    bubble.hidden = !v.greeting;
    stage.dataset.position = v.position === "left" ? "left" : "right";
  }
  return { node, update };
}

// The launcher's side as a pair of radio buttons; a snippet setting.
export function positionControl() {
  const group = uid("pos");
  const radios = ["right", "left"].map((v) => {
    const r = el("input", { type: "radio", name: group, value: v });
    r.checked = v === "right";
    return r;
  });
  const hintId = uid("hint");
  const node = el("fieldset", { class: "position", "aria-describedby": hintId }, el("legend", { text: t("position") }),
    ...radios.map((r) => el("label", { class: "check" }, r, el("span", { text: t(r.value === "left" ? "positionLeft" : "positionRight") }))),
    el("p", { class: "hint", id: hintId, text: t("positionHint") }));
  return { node, value: () => (radios[1].checked ? "left" : "right") };
}
