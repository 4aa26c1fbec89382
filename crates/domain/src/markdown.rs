//! The Markdown subset agents write in (the dashboard and the widget render
//! the same one): `**bold**`, `*italics*` or `_italics_`, `` `code` ``,
//! `[label](url)`, bare http(s) addresses, and lists (`- item`, `* item`,
//! `1. item`). Only http, https, mailto and tel links are links.
//!
//! Channels that show no formatting get readable plain text ([`to_plain`]:
//! `label (url)`, no asterisks); e-mail's HTML part gets the formatting
//! ([`to_html`], escaped, nothing from the text can become markup).

/// One inline piece of a line.
#[derive(Debug, PartialEq, Eq)]
enum Inline<'a> {
    Text(&'a str),
    Bold(&'a str),
    Italic(&'a str),
    Code(&'a str),
    Link { label: &'a str, url: &'a str },
    Bare(&'a str),
}

fn safe_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    ["http://", "https://", "mailto:", "tel:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// `s` starts with `open`; the text up to the next `close` on this line,
/// non-empty, not starting with a space.
fn delimited<'a>(s: &'a str, open: &str, close: &str) -> Option<(&'a str, usize)> {
    let rest = s.strip_prefix(open)?;
    let end = rest.find(close)?;
    let inner = &rest[..end];
    if inner.is_empty() || inner.starts_with(' ') || inner.contains('\n') {
        return None;
    }
    Some((inner, open.len() + end + close.len()))
}

fn bare_url_len(s: &str) -> Option<usize> {
    if !(s.starts_with("https://") || s.starts_with("http://")) {
        return None;
    }
    let end = s
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .unwrap_or(s.len());
    // Trailing punctuation belongs to the sentence.
    let url = s[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'']);
    (url.len() > "https://".len()).then_some(url.len())
}

fn inline(line: &str) -> Vec<Inline<'_>> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    let word_start = |i: usize| i == 0 || !line[..i].ends_with(|c: char| c.is_alphanumeric());
    while i < line.len() {
        let rest = &line[i..];
        let found = if let Some((inner, n)) = delimited(rest, "**", "**") {
            Some((Inline::Bold(inner), n))
        } else if let Some((inner, n)) = delimited(rest, "`", "`") {
            Some((Inline::Code(inner), n))
        } else if rest.starts_with('[')
            && let Some(close) = rest.find("](")
            && let Some(end) = rest[close + 2..].find(')')
        {
            let label = &rest[1..close];
            let url = &rest[close + 2..close + 2 + end];
            (!label.is_empty() && !label.contains(['[', ']']) && !url.contains(char::is_whitespace))
                .then_some((Inline::Link { label, url }, close + 3 + end))
        } else if let Some((inner, n)) = delimited(rest, "*", "*").filter(|_| word_start(i)) {
            Some((Inline::Italic(inner), n))
        } else if let Some((inner, n)) = delimited(rest, "_", "_")
            .filter(|(_, n)| word_start(i) && !line[i + n..].starts_with(|c: char| c.is_alphanumeric()))
        {
            Some((Inline::Italic(inner), n))
        } else {
            bare_url_len(rest)
                .filter(|_| word_start(i))
                .map(|n| (Inline::Bare(&rest[..n]), n))
        };
        match found {
            Some((piece, n)) => {
                if i > text_start {
                    out.push(Inline::Text(&line[text_start..i]));
                }
                out.push(piece);
                i += n;
                text_start = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if text_start < line.len() {
        out.push(Inline::Text(&line[text_start..]));
    }
    out
}

/// A list item's marker and its text: `- x`, `* x`, `1. x`.
fn list_item(line: &str) -> Option<(bool, &str)> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        return Some((false, rest));
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits <= 9 {
        return t[digits..].strip_prefix(". ").map(|rest| (true, rest));
    }
    None
}

/// Readable plain text: the markers go, a link reads `label (url)`, list
/// items keep their `- ` or number.
pub fn to_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let (prefix, body) = match list_item(line) {
            Some((_, rest)) => (&line[..line.len() - rest.len()], rest),
            None => ("", line),
        };
        out.push_str(prefix);
        for piece in inline(body) {
            match piece {
                Inline::Text(t) | Inline::Bold(t) | Inline::Italic(t) | Inline::Code(t) | Inline::Bare(t) => {
                    out.push_str(t)
                }
                // An unsafe target is dropped, not shown as an address.
                Inline::Link { label, url } if label == url || !safe_url(url) => out.push_str(label),
                Inline::Link { label, url } => {
                    out.push_str(label);
                    out.push_str(" (");
                    out.push_str(url.strip_prefix("mailto:").unwrap_or(url));
                    out.push(')');
                }
            }
        }
    }
    out
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn inline_html(line: &str, out: &mut String) {
    for piece in inline(line) {
        match piece {
            Inline::Text(t) => out.push_str(&escape_html(t)),
            Inline::Bold(t) => out.push_str(&format!("<strong>{}</strong>", escape_html(t))),
            Inline::Italic(t) => out.push_str(&format!("<em>{}</em>", escape_html(t))),
            Inline::Code(t) => out.push_str(&format!("<code>{}</code>", escape_html(t))),
            Inline::Bare(u) => out.push_str(&format!("<a href=\"{0}\">{0}</a>", escape_html(u))),
            Inline::Link { label, url } if safe_url(url) => {
                out.push_str(&format!("<a href=\"{}\">{}</a>", escape_html(url), escape_html(label)))
            }
            Inline::Link { label, .. } => out.push_str(&escape_html(label)),
        }
    }
}

/// The text as an HTML fragment: paragraphs (blank lines), line breaks,
/// lists, and the inline formatting; everything from the text escaped.
pub fn to_html(text: &str) -> String {
    let mut out = String::new();
    for para in text.split("\n\n") {
        if para.trim().is_empty() {
            continue;
        }
        let mut open_list: Option<bool> = None;
        let mut in_p = false;
        for line in para.lines() {
            match list_item(line) {
                Some((ordered, rest)) => {
                    if in_p {
                        out.push_str("</p>\n");
                        in_p = false;
                    }
                    if open_list != Some(ordered) {
                        if let Some(o) = open_list {
                            out.push_str(if o { "</ol>\n" } else { "</ul>\n" });
                        }
                        out.push_str(if ordered { "<ol>\n" } else { "<ul>\n" });
                        open_list = Some(ordered);
                    }
                    out.push_str("<li>");
                    inline_html(rest, &mut out);
                    out.push_str("</li>\n");
                }
                None => {
                    if let Some(o) = open_list.take() {
                        out.push_str(if o { "</ol>\n" } else { "</ul>\n" });
                    }
                    if in_p {
                        out.push_str("<br>\n");
                    } else {
                        out.push_str("<p>");
                        in_p = true;
                    }
                    inline_html(line, &mut out);
                }
            }
        }
        if in_p {
            out.push_str("</p>\n");
        }
        if let Some(o) = open_list {
            out.push_str(if o { "</ol>\n" } else { "</ul>\n" });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Your order **#18231** ships _today_.\nSee the [tracking page](https://track.example/18231?a=1&b=2) \
                          or https://shop.example/help.\n\n- one `code`\n- two\n1. first\n2. second";

    #[test]
    fn plain_text_reads_well() {
        assert_eq!(
            to_plain(SAMPLE),
            "Your order #18231 ships today.\nSee the tracking page (https://track.example/18231?a=1&b=2) \
             or https://shop.example/help.\n\n- one code\n- two\n1. first\n2. second"
        );
        assert_eq!(to_plain("mail [us](mailto:a@b.test)"), "mail us (a@b.test)");
        assert_eq!(to_plain("[click](javascript:void)"), "click");
        assert_eq!(
            to_plain("2 * 3 * 4 and snake_case_name"),
            "2 * 3 * 4 and snake_case_name"
        );
        assert_eq!(to_plain("Привет, **Ирина**!"), "Привет, Ирина!");
    }

    #[test]
    fn html_is_formatted_and_escaped() {
        let html = to_html(SAMPLE);
        assert!(html.contains("<strong>#18231</strong>"), "{html}");
        assert!(html.contains("<em>today</em>"), "{html}");
        assert!(
            html.contains("<a href=\"https://track.example/18231?a=1&amp;b=2\">tracking page</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://shop.example/help\">https://shop.example/help</a>."),
            "{html}"
        );
        assert!(
            html.contains("<ul>\n<li>one <code>code</code></li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>"),
            "{html}"
        );
        let hostile = to_html("<script>x</script> [a](javascript:alert(1)) **<b>** [b](\"onmouseover=x)");
        assert!(
            !hostile.contains("<script") && !hostile.contains("<b>") && !hostile.contains("javascript:"),
            "{hostile}"
        );
        assert!(hostile.contains("&lt;script&gt;"), "{hostile}");
        assert_eq!(to_html("a\nb"), "<p>a<br>\nb</p>\n");
    }
}
