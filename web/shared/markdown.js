// Message text as safe Markdown, shared by the dashboard and the website
// widget (each joins this file into its own script at build time):
// **bold**, *italics* or _italics_, `code`, [links](url), bare http(s)
// addresses, and lists ("- item", "* item", "1. item"). Only http, https,
// mailto and tel links become links, opening in a new tab without handing
// over the page. Built as DOM nodes, never as HTML, so nothing in a message
// can run.
function markdownNodes(text, doc) {
  const INLINE = /\*\*([^*\n]+)\*\*|`([^`\n]+)`|\[([^\]\n]+)\]\(([^)\s]+)\)|\*([^*\s][^*\n]*)\*|\b_([^_\s][^_\n]*)_\b|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])/g;
  const SAFE_LINK = /^(https?:\/\/|mailto:|tel:)/i;
  const LIST_ITEM = /^\s*(?:([-*])|(\d{1,9})\.)\s+(.*)$/;
  const node = (tag, textContent) => {
    const n = doc.createElement(tag);
    if (textContent !== undefined) n.textContent = textContent;
    return n;
  };
  const link = (href, label) => {
    const a = node("a", label);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    return a;
  };
  function inline(line) {
    const out = [];
    let at = 0;
    for (const m of line.matchAll(INLINE)) {
      if (m.index > at) out.push(doc.createTextNode(line.slice(at, m.index)));
      at = m.index + m[0].length;
      if (m[1] !== undefined) out.push(node("strong", m[1]));
      else if (m[2] !== undefined) out.push(node("code", m[2]));
      else if (m[3] !== undefined) out.push(SAFE_LINK.test(m[4]) ? link(m[4], m[3]) : doc.createTextNode(m[0]));
      else if (m[5] !== undefined) out.push(node("em", m[5]));
      else if (m[6] !== undefined) out.push(node("em", m[6]));
      else out.push(link(m[7], m[7]));
    }
    if (at < line.length) out.push(doc.createTextNode(line.slice(at)));
    return out;
  }
  // Lines in order; consecutive list items become one list. Line breaks
  // between text lines stay text (the message boxes keep white space).
  const out = [];
  let list = null;
  let listOrdered = false;
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = item[2] !== undefined;
      if (!list || listOrdered !== ordered) {
        list = node(ordered ? "ol" : "ul");
        listOrdered = ordered;
        if (ordered && item[2] !== "1") list.start = Number(item[2]);
        out.push(list);
      }
      const li = node("li");
      li.append(...inline(item[3]));
      list.append(li);
      return;
    }
    list = null;
    out.push(...inline(line));
    if (i < lines.length - 1 && !LIST_ITEM.test(lines[i + 1])) out.push(doc.createTextNode("\n"));
  });
  return out;
}
