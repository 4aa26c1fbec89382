//! Reading an inbound mail: its MIME parts, headers and addresses, the
//! files it carries, and the new text of a reply without the quoted
//! history or signature.

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};
use serde_json::json;

use super::html::{html_to_text, sanitize_html};

pub use switchboard_channel::{InboundMail, MailFile};

fn addresses(a: Option<&Address<'_>>) -> Vec<(String, String)> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .filter_map(|x| {
            let addr = x.address()?.trim().replace('\0', "").to_lowercase();
            addr.contains('@')
                .then(|| (addr, x.name().unwrap_or_default().trim().replace('\0', "")))
        })
        .collect()
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    let raw: Vec<String> = match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    };
    raw.into_iter()
        .flat_map(|s| {
            s.split_whitespace()
                .map(|x| x.replace('\0', "").trim_matches(|c| c == '<' || c == '>').to_string())
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .collect()
}

/// The whole text and the whole HTML of a mail are kept up to this many
/// characters each (beyond, `truncated` says so); the displayed text is
/// worked out from at most this much.
const MAX_KEPT_CHARS: usize = 300_000;

/// Text as stored: without NUL characters (PostgreSQL refuses them in text
/// and JSON), at most `max` characters. Says whether it was cut.
fn kept(text: &str, max: usize) -> (String, bool) {
    let mut out = String::with_capacity(text.len().min(max));
    let mut cut = false;
    for (n, c) in text.chars().filter(|c| *c != '\0').enumerate() {
        if n == max {
            cut = true;
            break;
        }
        out.push(c);
    }
    (out, cut)
}

/// Parses a raw RFC 822 message. `None` when it is not a mail with a sender.
pub fn parse_mail(raw: &[u8]) -> Option<InboundMail> {
    let m = MessageParser::default().parse(raw)?;
    let (from_address, from_name) = addresses(m.from())
        .into_iter()
        .next()
        .or_else(|| addresses(m.sender()).into_iter().next())?;
    if switchboard_domain::validate::email(&from_address).is_err() {
        return None;
    }
    let message_id = m
        .message_id()
        .map(|s| {
            s.replace('\0', "")
                .trim_matches(|c| c == '<' || c == '>')
                .trim()
                .to_string()
        })
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .unwrap_or_else(|| {
            use sha2::Digest;
            format!("{}@switchboard.sha256", hex::encode(sha2::Sha256::digest(raw)))
        });
    let to = addresses(m.to());
    let cc = addresses(m.cc());
    let mut recipients: Vec<String> = to.iter().chain(cc.iter()).map(|(a, _)| a.clone()).collect();
    for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
        for h in m.header_values(name) {
            if let Some(t) = h.as_text() {
                let a = t.trim().trim_matches(|c| c == '<' || c == '>').to_lowercase();
                if a.contains('@') {
                    recipients.push(a);
                }
            }
        }
    }
    recipients.dedup();
    let mut thread_ids = ids(m.in_reply_to());
    let mut refs = ids(m.references());
    refs.reverse();
    for r in refs {
        if !thread_ids.contains(&r) {
            thread_ids.push(r);
        }
    }
    let subject = m.subject().map(|s| kept(s.trim(), 1_000).0).filter(|s| !s.is_empty());
    let mut truncated = false;
    let text_full = m.body_text(0).map(|t| {
        let (t, cut) = kept(&t.replace("\r\n", "\n"), MAX_KEPT_CHARS);
        truncated |= cut;
        t
    });
    let html_raw = (m.html_body_count() > 0 && m.html_part(0).is_some_and(|p| p.is_text_html()))
        .then(|| m.body_html(0))
        .flatten()
        .map(|h| {
            let (h, cut) = kept(&h, MAX_KEPT_CHARS);
            truncated |= cut;
            h
        });
    let html_full = html_raw.as_deref().map(sanitize_html);
    // A mail with HTML only gets its text from the HTML.
    let text_full = match (text_full, &html_raw) {
        (Some(t), _) if !t.trim().is_empty() => Some(t),
        (_, Some(h)) => Some(html_to_text(h)),
        (t, None) => t,
    };
    let reply = text_full.as_deref().map(trim_reply);
    let content = reply
        .clone()
        .filter(|r| !r.trim().is_empty())
        .or_else(|| text_full.clone().filter(|t| !t.trim().is_empty()))
        .map(|c| {
            c.chars()
                .take(switchboard_domain::rules::MAX_CONTENT_CHARS)
                .collect::<String>()
        });
    let auto_submitted = m
        .header_raw("Auto-Submitted")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"));
    let precedence = m
        .header_raw("Precedence")
        .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "bulk" | "auto_reply" | "junk"));
    let auto_reply = auto_submitted || precedence || m.header_raw("X-Autoreply").is_some();
    let mut files = Vec::new();
    for part in m.attachments() {
        let bytes = part.contents().to_vec();
        if bytes.is_empty() {
            continue;
        }
        let name = part
            .attachment_name()
            .map(|n| n.replace('\0', ""))
            .or_else(|| part.is_message().then(|| "message.eml".to_string()));
        files.push(MailFile { name, bytes });
    }
    let list = |v: &[(String, String)]| v.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>();
    let email = json!({
        "message_id": message_id,
        "subject": subject,
        "from": [from_address],
        "to": list(&to),
        "cc": list(&cc),
        "in_reply_to": ids(m.in_reply_to()).first(),
        "references": ids(m.references()),
        "date": m.date().map(|d| d.to_rfc3339()),
        "auto_reply": auto_reply,
        "truncated": truncated,
        "number_of_attachments": files.len(),
        "text_content": {
            "full": text_full,
            "reply": reply,
        },
        "html_content": {
            "full": html_full,
        },
    });
    let from_name = if from_name.is_empty() {
        from_address.split('@').next().unwrap_or_default().to_string()
    } else {
        from_name
    };
    Some(InboundMail {
        message_id,
        from_address: from_address.clone(),
        from_name: from_name
            .chars()
            .take(switchboard_domain::validate::MAX_NAME_LEN)
            .collect(),
        recipients,
        thread_ids,
        subject,
        content,
        email,
        files,
        auto_reply,
    })
}

/// The new part of a reply: everything before the quoted history ("On …
/// wrote:", "-----Original Message-----", an Outlook header block, a run
/// of `>` lines) and before the signature ("-- ", "Sent from my …").
pub fn trim_reply(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    // Where the trailing run of quoted (or blank) lines starts: one pass
    // from the end, so a long quote costs one scan, not one per line.
    let mut tail_start = lines.len();
    while tail_start > 0 && {
        let r = lines[tail_start - 1].trim_start();
        r.is_empty() || r.starts_with('>')
    } {
        tail_start -= 1;
    }
    let mut cut = lines.len();
    for (i, raw) in lines.iter().enumerate() {
        let l = raw.trim();
        let lower = l.to_lowercase();
        let next = lines.get(i + 1).map(|n| n.trim().to_lowercase()).unwrap_or_default();
        let quote_header = (lower.starts_with("on ") && (lower.ends_with("wrote:") || next.ends_with("wrote:")))
            || (lower.ends_with("wrote:") && lower.len() < 200)
            || lower.ends_with("пишет:")
            || lower.ends_with("написал:")
            || lower.ends_with("написала:")
            || lower.starts_with("-----original message-----")
            || lower.starts_with("----- original message -----")
            || lower.starts_with("-------- forwarded message")
            || (lower.starts_with("from:") && (next.starts_with("sent:") || next.starts_with("date:")))
            || (l.len() >= 10 && l.chars().all(|c| c == '_'));
        let signature = *raw == "-- " || l == "--" || lower.starts_with("sent from my ");
        let quoted_rest = l.starts_with('>') && i >= tail_start;
        if quote_header || signature || quoted_rest {
            cut = i;
            break;
        }
    }
    let kept = lines[..cut].join("\n");
    kept.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_and_signatures_are_trimmed() {
        let gmail =
            "Thanks, that worked!\n\nOn Mon, 3 Nov 2026 at 10:00, Support <s@x.com> wrote:\n> Try again\n> please";
        assert_eq!(trim_reply(gmail), "Thanks, that worked!");
        let wrapped = "Yes.\n\nOn Mon, 3 Nov 2026 at 10:00, A Very Long Name\n<someone@example.com> wrote:\n> old";
        assert_eq!(trim_reply(wrapped), "Yes.");
        let outlook = "See below.\n\n-----Original Message-----\nFrom: Support\nSent: Monday";
        assert_eq!(trim_reply(outlook), "See below.");
        let outlook2 = "Fine\n\nFrom: Support <s@x.com>\nSent: Monday, 3 November 2026\nTo: me";
        assert_eq!(trim_reply(outlook2), "Fine");
        let sig = "Hello there\nsecond line\n-- \nIvan Petrov\nACME";
        assert_eq!(trim_reply(sig), "Hello there\nsecond line");
        let iphone = "Ok\n\nSent from my iPhone";
        assert_eq!(trim_reply(iphone), "Ok");
        let ru = "Спасибо!\n\n3 нояб. 2026 г., в 10:00, Поддержка <s@x.com> написал:\n> текст";
        assert_eq!(trim_reply(ru), "Спасибо!");
        let inline = "> a question\nmy answer\n> another\nsecond answer";
        assert_eq!(trim_reply(inline), inline, "interleaved answers are kept");
        assert_eq!(trim_reply("just text"), "just text");
    }

    #[test]
    fn a_mail_is_parsed_with_its_thread_and_files() {
        let raw = concat!(
            "From: \"Ivan Petrov\" <Ivan@Example.COM>\r\n",
            "To: support@shop.test\r\n",
            "Cc: boss@example.com\r\n",
            "Subject: Order 42\r\n",
            "Message-ID: <abc-1@example.com>\r\n",
            "In-Reply-To: <conversation/7f2a1c3e-1b2d-4c5e-8f90-123456789abc/messages/5@shop.test>\r\n",
            "References: <first@example.com> <conversation/7f2a1c3e-1b2d-4c5e-8f90-123456789abc/messages/5@shop.test>\r\n",
            "MIME-Version: 1.0\r\n",
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n",
            "\r\n",
            "--b1\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
            "\r\n",
            "Where is it?\r\n\r\nOn Mon, Support wrote:\r\n> Shipped\r\n",
            "--b1\r\n",
            "Content-Type: text/plain; name=\"note.txt\"\r\n",
            "Content-Disposition: attachment; filename=\"note.txt\"\r\n",
            "\r\n",
            "file body\r\n",
            "--b1--\r\n"
        );
        let m = parse_mail(raw.as_bytes()).unwrap();
        assert_eq!(m.message_id, "abc-1@example.com");
        assert_eq!(m.from_address, "ivan@example.com");
        assert_eq!(m.from_name, "Ivan Petrov");
        assert_eq!(m.recipients, vec!["support@shop.test", "boss@example.com"]);
        assert_eq!(
            m.thread_ids,
            vec![
                "conversation/7f2a1c3e-1b2d-4c5e-8f90-123456789abc/messages/5@shop.test",
                "first@example.com"
            ]
        );
        assert_eq!(m.content.as_deref(), Some("Where is it?"));
        assert_eq!(
            m.email["text_content"]["full"].as_str().unwrap().trim_end(),
            "Where is it?\n\nOn Mon, Support wrote:\n> Shipped"
        );
        assert_eq!(m.files.len(), 1);
        assert_eq!(m.files[0].name.as_deref(), Some("note.txt"));
        assert!(!m.auto_reply);
        assert!(parse_mail(b"not a mail at all").is_none());
    }

    #[test]
    fn a_mail_without_message_id_gets_a_stable_one() {
        let raw = b"From: a@example.com\r\nSubject: x\r\n\r\nhello\r\n";
        let a = parse_mail(raw).unwrap();
        let b = parse_mail(raw).unwrap();
        assert_eq!(a.message_id, b.message_id);
        assert!(a.message_id.ends_with("@switchboard.sha256"));
    }

    #[test]
    fn a_long_sender_name_is_cut_to_the_name_limit() {
        let raw = format!(
            "From: \"{}\" <a@example.com>\r\nSubject: x\r\n\r\nhello\r\n",
            "N".repeat(400)
        );
        let m = parse_mail(raw.as_bytes()).unwrap();
        assert_eq!(m.from_name.chars().count(), switchboard_domain::validate::MAX_NAME_LEN);
    }

    /// Arbitrary text and bytes (tags, entities and multi-byte characters
    /// mixed) never make the mail readers panic.
    #[test]
    fn arbitrary_input_never_panics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let pieces = [
            "<",
            ">",
            "&",
            ";",
            "#",
            "x",
            "&amp;",
            "&#",
            "&#x",
            "<p>",
            "</p>",
            "<br>",
            "<script>",
            "</script",
            "<style",
            "ж",
            "привет",
            "😀",
            "\r\n",
            "\n",
            "> ",
            "On ",
            " wrote:",
            "-- ",
            "From: ",
            "Sent: ",
            "=?utf-8?",
            "--b\r\n",
            "Content-Type: multipart/mixed; boundary=b\r\n",
            "Message-ID: <",
            "@",
            " ",
            "a",
        ];
        for _ in 0..3000 {
            let n = rng.random_range(0..40);
            let text: String = (0..n).map(|_| pieces[rng.random_range(0..pieces.len())]).collect();
            let _ = html_to_text(&text);
            let _ = trim_reply(&text);
            let _ = sanitize_html(&text);
            let _ = parse_mail(format!("From: a@example.com\r\n{text}").as_bytes());
            let bytes: Vec<u8> = (0..rng.random_range(0..200)).map(|_| rng.random()).collect();
            let _ = parse_mail(&bytes);
        }
    }

    #[test]
    fn nul_characters_never_reach_the_store_and_long_mails_are_cut() {
        let raw = "From: a\0b <a@example.com>\r\nSubject: x\0y\r\nMessage-ID: <i\0d@x>\r\nContent-Type: text/html\r\n\r\n<p>one &#0; two\0</p>\r\n";
        let m = parse_mail(raw.as_bytes()).unwrap();
        let all = serde_json::to_string(&m.email).unwrap()
            + m.content.as_deref().unwrap_or("")
            + &m.from_name
            + &m.message_id;
        assert!(!all.contains('\0') && !all.contains("\\u0000"), "{all}");
        let big = format!("From: a@example.com\r\n\r\n{}", "x".repeat(MAX_KEPT_CHARS + 10));
        let m = parse_mail(big.as_bytes()).unwrap();
        assert_eq!(m.email["truncated"], true);
        assert_eq!(
            m.email["text_content"]["full"].as_str().unwrap().chars().count(),
            MAX_KEPT_CHARS
        );
    }

    /// A mail of nothing but quote lines, or of blank HTML lines, is read in
    /// one pass (these took time growing with the square of the lines).
    #[test]
    fn long_quotes_and_blank_runs_are_read_in_one_pass() {
        let quotes = format!("{}x", ">\n".repeat(200_000));
        assert_eq!(trim_reply(&quotes), quotes.trim());
        let tail = format!("answer\n{}", "> old\n".repeat(200_000));
        assert_eq!(trim_reply(&tail), "answer");
        let blanks = format!("{}text", "<br> ".repeat(200_000));
        assert_eq!(html_to_text(&blanks), "text");
    }
}
