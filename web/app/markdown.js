// Message text as safe Markdown: **bold**, *italics* or _italics_, `code`,
// [links](url) and bare http(s) addresses. Only http, https, mailto and tel
// links become links; everything else stays text. Built as DOM nodes, never
// as HTML, so nothing in a message can run.

import { el } from "./lib.js";

const INLINE = /\*\*([^*\n]+)\*\*|`([^`\n]+)`|\[([^\]\n]+)\]\(([^)\s]+)\)|\*([^*\s][^*\n]*)\*|\b_([^_\s][^_\n]*)_\b|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])/g;
const SAFE_LINK = /^(https?:\/\/|mailto:|tel:)/i;

function link(href, text) {
  return el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text });
}

export function markdown(text) {
  const out = [];
  let at = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > at) out.push(document.createTextNode(text.slice(at, m.index)));
    at = m.index + m[0].length;
    if (m[1] !== undefined) out.push(el("strong", { text: m[1] }));
    else if (m[2] !== undefined) out.push(el("code", { text: m[2] }));
    else if (m[3] !== undefined) out.push(SAFE_LINK.test(m[4]) ? link(m[4], m[3]) : document.createTextNode(m[0]));
    else if (m[5] !== undefined) out.push(el("em", { text: m[5] }));
    else if (m[6] !== undefined) out.push(el("em", { text: m[6] }));
    else out.push(link(m[7], m[7]));
  }
  if (at < text.length) out.push(document.createTextNode(text.slice(at)));
  return out;
}
