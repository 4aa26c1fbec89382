//! HTML and text: the HTML a mail may keep (shared with the messages API,
//! so it lives in `switchboard-channel`), the text of an HTML body, and
//! an outgoing message's text as a mail's HTML part.

pub use switchboard_channel::sanitize_html;

/// The text of an HTML body: block ends become line breaks, tags go,
/// entities are decoded; scripts and styles are dropped with their content.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let Some(end) = html[i..].find('>').map(|e| i + e) else {
                break;
            };
            let tag = lower[i + 1..end].trim_start_matches('/');
            let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            if (name == "script" || name == "style") && !lower[i + 1..].starts_with('/') {
                let close = format!("</{name}");
                i = lower[end..].find(&close).map(|p| end + p).unwrap_or(bytes.len());
                continue;
            }
            if matches!(
                name.as_str(),
                "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "hr"
            ) && !out.ends_with('\n')
            {
                out.push('\n');
            }
            i = end + 1;
        } else {
            let next = html[i..].find('<').map(|p| i + p).unwrap_or(bytes.len());
            out.push_str(&decode_entities(&html[i..next]));
            i = next;
        }
    }
    let lines: Vec<&str> = out
        .lines()
        .map(str::trim_end)
        .skip_while(|l| l.trim().is_empty())
        .collect();
    let mut text = String::new();
    let mut blank = 0;
    for l in lines {
        if l.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        text.push_str(l.trim_start_matches(['\u{a0}', ' ']));
        text.push('\n');
    }
    text.trim_end().replace('\0', "")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.replace(['\n', '\r'], " ");
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        // Bytes, not a slice of the text: the window may end inside a character.
        let Some(semi) = rest.as_bytes()[..rest.len().min(12)].iter().position(|&b| b == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..semi];
        let decoded = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => ent
                .strip_prefix("#x")
                .or_else(|| ent.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.replace(['\n', '\r'], " ")
}

/// A message as the mail's HTML part: the agents' Markdown formatted
/// (bold, italics, code, links, lists), paragraphs and line breaks kept,
/// everything from the text escaped.
pub fn text_to_html(text: &str) -> String {
    format!(
        "<!DOCTYPE html><html><body>{}</body></html>",
        switchboard_domain::markdown::to_html(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text_and_is_sanitised() {
        let html = "<html><head><style>p{color:red}</style></head><body><p>Hello &amp; welcome</p><div>Line&nbsp;two<br>three</div><script>alert(1)</script></body></html>";
        assert_eq!(html_to_text(html), "Hello & welcome\nLine two\nthree");
        // A bare ampersand before non-ASCII text, and numeric entities.
        assert_eq!(
            html_to_text("<p>A &привет мир; &#1078; &#x416; &bogus;</p>"),
            "A &привет мир; ж Ж &bogus;"
        );
        let dirty = r#"<p onclick="x()">Hi <a href="javascript:alert(1)">a</a> <a href="https://ok.example">b</a><script>bad()</script><img src=x onerror=alert(1)></p>"#;
        let clean = sanitize_html(dirty);
        assert!(!clean.contains("onclick") && !clean.contains("javascript:") && !clean.contains("script"));
        assert!(!clean.contains("onerror"));
        assert!(clean.contains(r#"href="https://ok.example""#), "{clean}");
    }

    #[test]
    fn outgoing_text_becomes_safe_html() {
        let h = text_to_html("Hi <b>there</b>\nsee https://example.com/a?b=1&c=2.\n\nBye **now**");
        assert!(h.contains("Hi &lt;b&gt;there&lt;/b&gt;<br>"), "{h}");
        assert!(h.contains("<p>Bye <strong>now</strong></p>"), "{h}");
        assert!(h.contains(r#"<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>."#));
    }
}
