//! E-mail: replies leave over the inbox's SMTP server, mail arrives by
//! polling its IMAP mailbox or as raw RFC 822 at `/webhooks/email/{token}`.
//!
//! Threading follows the contract: an outgoing mail's Message-ID is
//! `<conversation/{uuid}/messages/{id}@{domain}>`, In-Reply-To is the last
//! incoming mail's Message-ID (or `<account/{id}/conversation/{uuid}@{domain}>`),
//! References carries the thread, Reply-To is `reply+{uuid}@{inbound domain}`
//! when the server has an inbound domain (the inbox's own address otherwise).
//! An inbound mail goes to the conversation its `reply+uuid` recipient, its
//! In-Reply-To or its References name, or opens a new one; its Message-ID is
//! the message's source id, unique per inbox, so a mail is never imported
//! twice.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};
use serde_json::{Value, json};
use switchboard_domain::ChannelType;
use switchboard_store::Inbox;

use super::{Adapter, Inbound, MediaRef, Outgoing, SendError};
use crate::{Core, CoreError, CoreResult};

pub struct Email;

/// Longest mail taken in, raw (a forwarding service or a mailbox message).
pub const MAX_MAIL_BYTES: usize = 50 * 1024 * 1024;
/// Message-ids kept in an outgoing References header.
const MAX_REFERENCES: usize = 20;
/// One SMTP command, or connecting to a mail server, gives up after this long.
const MAIL_TIMEOUT: Duration = Duration::from_secs(20);

/// One parsed inbound mail.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMail {
    /// Without angle brackets; made from the content's hash when absent.
    pub message_id: String,
    pub from_address: String,
    pub from_name: String,
    /// Every address the mail was for (To, Cc, Delivered-To, X-Original-To).
    pub recipients: Vec<String>,
    /// In-Reply-To first, then References, newest first, without brackets.
    pub thread_ids: Vec<String>,
    pub subject: Option<String>,
    /// What the conversation shows: the new text without quoted history
    /// or signature.
    pub content: Option<String>,
    /// `content_attributes.email`: headers, full text and sanitised HTML.
    pub email: Value,
    pub files: Vec<MailFile>,
    /// An auto-reply (out of office, bounce): kept in its conversation, but
    /// it opens none.
    pub auto_reply: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MailFile {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

fn cfg<'a>(inbox: &'a Inbox, key: &str) -> Option<&'a str> {
    inbox
        .channel_config
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn cfg_bool(inbox: &Inbox, key: &str, default: bool) -> bool {
    inbox
        .channel_config
        .get(key)
        .and_then(Value::as_bool)
        .unwrap_or(default)
}

fn cfg_port(inbox: &Inbox, key: &str, default: u16) -> u16 {
    inbox
        .channel_config
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0)
        .unwrap_or(default)
}

/// The inbox's own address.
pub fn inbox_address(inbox: &Inbox) -> &str {
    cfg(inbox, "email").unwrap_or_default()
}

/// The domain of our Message-IDs: the inbound domain, else the inbox's.
fn id_domain(core: &Core, inbox: &Inbox) -> String {
    core.config
        .mail_inbound_domain
        .clone()
        .or_else(|| inbox_address(inbox).rsplit_once('@').map(|(_, d)| d.to_string()))
        .unwrap_or_else(|| "localhost".into())
}

/// `conversation/{uuid}/messages/{id}@domain` or `account/{id}/conversation/{uuid}@domain`:
/// the conversation uuid one of our Message-IDs names.
pub fn uuid_in_message_id(id: &str) -> Option<String> {
    let local = id.split('@').next()?;
    let parts: Vec<&str> = local.split('/').collect();
    let uuid = match parts.as_slice() {
        ["conversation", uuid, "messages", _] => *uuid,
        ["account", _, "conversation", uuid] => *uuid,
        _ => return None,
    };
    uuid::Uuid::parse_str(uuid).ok().map(|u| u.to_string())
}

/// The uuid of a `reply+{uuid}@…` address.
pub fn uuid_in_reply_address(address: &str) -> Option<String> {
    let local = address.split('@').next()?;
    let uuid = local.strip_prefix("reply+")?;
    uuid::Uuid::parse_str(uuid).ok().map(|u| u.to_string())
}

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

/// HTML a mail may keep: ordinary formatting, links to http(s), mailto and
/// tel only; no scripts, styles, forms, frames or event handlers.
pub fn sanitize_html(html: &str) -> String {
    let schemes: std::collections::HashSet<&str> = ["http", "https", "mailto", "tel"].into_iter().collect();
    ammonia::Builder::default()
        .url_schemes(schemes)
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

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

/// Splits a comma-separated list (or a JSON list) of addresses, each checked.
pub fn address_list(v: &Value, field: &str) -> CoreResult<Vec<String>> {
    let items: Vec<String> = match v {
        Value::Null => Vec::new(),
        Value::String(s) => s.split([',', ';']).map(str::to_string).collect(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| CoreError::invalid(field, format!("{field} must be e-mail addresses")))
            })
            .collect::<CoreResult<_>>()?,
        _ => return Err(CoreError::invalid(field, format!("{field} must be e-mail addresses"))),
    };
    let mut out = Vec::new();
    for i in items {
        if i.trim().is_empty() {
            continue;
        }
        let e = switchboard_domain::validate::email(&i)
            .map_err(|_| CoreError::invalid(field, format!("{field} has an address that is not an e-mail: {i}")))?;
        if !out.contains(&e) {
            out.push(e);
        }
    }
    if out.len() > 50 {
        return Err(CoreError::invalid(field, format!("{field} has more than 50 addresses")));
    }
    Ok(out)
}

/// What an e-mail send needs besides the message itself.
#[derive(Debug, Clone, Default)]
pub struct MailContext {
    pub message_id: i64,
    pub account_id: i64,
    pub conversation_uuid: String,
    pub display_id: i64,
    /// The conversation's mail subject, if a mail opened it.
    pub subject: Option<String>,
    /// The agent's name, for the From line.
    pub sender_name: Option<String>,
    /// The last incoming mail's Message-ID and the ids it referenced.
    pub last_incoming: Option<(String, Vec<String>)>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// The reply's own HTML (`email_html_content`, sanitised when written).
    pub html: Option<String>,
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

/// The subject of an outgoing mail.
pub fn reply_subject(ctx: &MailContext, inbox_name: &str) -> String {
    match ctx.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("re:")) => s.to_string(),
        Some(s) => format!("Re: {s}"),
        None => format!("[#{}] New message from {}", ctx.display_id, inbox_name),
    }
}

/// Builds the outgoing mail: (the RFC 822 message, its Message-ID without brackets).
pub fn build_mail(
    core: &Core,
    inbox: &Inbox,
    out: &Outgoing,
    ctx: &MailContext,
) -> Result<(lettre::Message, String), SendError> {
    use lettre::message::{Attachment, Mailbox, MultiPart, header::ContentType};
    let bad = |what: &str, e: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {e}"));
    let domain = id_domain(core, inbox);
    let message_id = format!(
        "conversation/{}/messages/{}@{}",
        ctx.conversation_uuid, ctx.message_id, domain
    );
    let own: lettre::Address = inbox_address(inbox)
        .parse()
        .map_err(|e| bad("the inbox's address is not valid", &e))?;
    let business = inbox
        .settings
        .get("business_name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(&inbox.name);
    let professional = inbox.settings.get("sender_name_type").and_then(Value::as_str) == Some("professional");
    // Names are cleaned when stored; rows older than that rule, or names
    // from elsewhere, are made one line here too (a line break in a
    // header's display name would stop the mail being built).
    let from_name = switchboard_domain::validate::one_line(&match (&ctx.sender_name, professional) {
        (Some(agent), false) => format!("{agent} from {business}"),
        _ => business.to_string(),
    });
    let reply_to: lettre::Address = match &core.config.mail_inbound_domain {
        Some(d) => format!("reply+{}@{}", ctx.conversation_uuid, d)
            .parse()
            .map_err(|e| bad("the reply address is not valid", &e))?,
        None => own.clone(),
    };
    let mut b = lettre::Message::builder()
        .from(Mailbox::new(Some(from_name), own))
        .reply_to(Mailbox::new(None, reply_to))
        .subject(switchboard_domain::validate::one_line(&reply_subject(ctx, &inbox.name)))
        .message_id(Some(format!("<{message_id}>")));
    let to = if ctx.to.is_empty() {
        vec![out.to.clone()]
    } else {
        ctx.to.clone()
    };
    for a in &to {
        b = b.to(Mailbox::new(
            None,
            a.parse().map_err(|e| bad("the recipient is not an address", &e))?,
        ));
    }
    for a in &ctx.cc {
        b = b.cc(Mailbox::new(
            None,
            a.parse().map_err(|e| bad("a Cc address is not valid", &e))?,
        ));
    }
    for a in &ctx.bcc {
        b = b.bcc(Mailbox::new(
            None,
            a.parse().map_err(|e| bad("a Bcc address is not valid", &e))?,
        ));
    }
    let conversation_id = format!(
        "account/{}/conversation/{}@{}",
        ctx.account_id, ctx.conversation_uuid, domain
    );
    let (in_reply_to, mut references) = match &ctx.last_incoming {
        Some((id, refs)) => {
            let mut r: Vec<String> = refs.iter().rev().cloned().collect();
            r.retain(|x| x != id);
            r.push(id.clone());
            (id.clone(), r)
        }
        None => (conversation_id.clone(), vec![conversation_id.clone()]),
    };
    if references.len() > MAX_REFERENCES {
        let drop = references.len() - MAX_REFERENCES;
        references.drain(1..=drop.min(references.len() - 1));
    }
    b = b.in_reply_to(format!("<{in_reply_to}>")).references(
        references
            .iter()
            .map(|r| format!("<{r}>"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    let written = out.content.clone().unwrap_or_default();
    let html = ctx.html.clone().unwrap_or_else(|| text_to_html(&written));
    // The text part reads plainly: no Markdown markers, links as `label (url)`.
    let text = switchboard_domain::markdown::to_plain(&written);
    let body = MultiPart::alternative_plain_html(text.clone(), html);
    let body = if out.files.is_empty() {
        body
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for f in &out.files {
            let ct = ContentType::parse(&f.content_type)
                .unwrap_or_else(|_| ContentType::parse("application/octet-stream").unwrap_or(ContentType::TEXT_PLAIN));
            mixed = mixed.singlepart(Attachment::new(f.file_name.clone()).body(f.bytes.clone(), ct));
        }
        mixed
    };
    let mail = b.multipart(body).map_err(|e| bad("the mail could not be built", &e))?;
    Ok((mail, message_id))
}

/// Why a mail server cannot be reached: it could not be resolved (may
/// pass), or it names only addresses this server may not connect to.
enum HostError {
    Unresolved(String),
    Forbidden(String),
}

impl HostError {
    fn text(self) -> String {
        match self {
            HostError::Unresolved(t) | HostError::Forbidden(t) => t,
        }
    }
}

/// Resolves a mail server's host to addresses we may connect to (not
/// private or loopback unless the operator allows private targets).
async fn checked_addrs(core: &Core, host: &str, port: u16) -> Result<Vec<SocketAddr>, HostError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| HostError::Unresolved(format!("{host} could not be resolved: {e}")))?
        .collect();
    let allow = core.outbound.config().allow_private_targets;
    let ok: Vec<SocketAddr> = addrs
        .into_iter()
        .filter(|a| allow || !switchboard_outbound::is_forbidden_ip(a.ip()))
        .collect();
    if ok.is_empty() {
        return Err(HostError::Forbidden(format!(
            "{host} is not a public address (private and loopback mail servers need the operator's leave)"
        )));
    }
    Ok(ok)
}

/// Sends over the inbox's SMTP server.
async fn smtp_send(core: &Core, inbox: &Inbox, mail: lettre::Message) -> Result<(), SendError> {
    use lettre::AsyncTransport;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Tls, TlsParameters};
    use lettre::transport::smtp::extension::ClientId;
    if !cfg_bool(inbox, "smtp_enabled", false) {
        return Err(SendError::Permanent(
            "Sending is off for this inbox (no SMTP server)".into(),
        ));
    }
    let host = cfg(inbox, "smtp_address")
        .ok_or_else(|| SendError::Permanent("The inbox has no SMTP server".into()))?
        .to_string();
    let implicit = cfg_bool(inbox, "smtp_enable_ssl_tls", false);
    let starttls = cfg_bool(inbox, "smtp_enable_starttls_auto", true);
    let port = cfg_port(inbox, "smtp_port", if implicit { 465 } else { 587 });
    let addr = match checked_addrs(core, &host, port).await {
        Ok(addrs) => addrs[0],
        Err(HostError::Forbidden(reason)) => return Err(SendError::Permanent(reason)),
        Err(HostError::Unresolved(reason)) => return Err(SendError::Retry { reason, after: None }),
    };
    let verify = cfg(inbox, "smtp_openssl_verify_mode") != Some("none");
    let tls_params = || {
        TlsParameters::builder(host.clone())
            .dangerous_accept_invalid_certs(!verify)
            .build_rustls()
            .map_err(|e| SendError::Permanent(format!("SMTP TLS settings: {e}")))
    };
    let tls = if implicit {
        Tls::Wrapper(tls_params()?)
    } else if starttls {
        Tls::Opportunistic(tls_params()?)
    } else {
        Tls::None
    };
    let mut t = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(addr.ip().to_string())
        .port(addr.port())
        .tls(tls)
        .timeout(Some(MAIL_TIMEOUT));
    if let Some(helo) = cfg(inbox, "smtp_domain") {
        t = t.hello_name(ClientId::Domain(helo.to_string()));
    }
    if let (Some(login), Some(password)) = (cfg(inbox, "smtp_login"), cfg(inbox, "smtp_password")) {
        t = t.credentials(Credentials::new(login.to_string(), password.to_string()));
    }
    let transport = t.build();
    // The whole conversation within half the job's lease (no other worker
    // may take the send meanwhile).
    let sent = tokio::time::timeout(core.config.job_lease / 2, transport.send(mail)).await;
    let Ok(sent) = sent else {
        return Err(SendError::Retry {
            reason: "The mail server took too long".into(),
            after: None,
        });
    };
    match sent {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(SendError::Permanent(format!("The mail server refused the mail: {e}"))),
        Err(e) => Err(SendError::Retry {
            reason: format!("The mail server could not take the mail: {e}"),
            after: None,
        }),
    }
}

impl Adapter for Email {
    fn channel(&self) -> ChannelType {
        ChannelType::Email
    }

    /// The raw-mail endpoint is addressed by the inbox's secret token,
    /// matched when the inbox is looked up; there is no signature to check.
    fn verify(&self, _inbox: &Inbox, _headers: &HashMap<String, String>, _body: &[u8]) -> bool {
        true
    }

    fn parse(&self, _inbox: &Inbox, body: &[u8]) -> CoreResult<(Option<String>, Vec<Inbound>)> {
        if body.len() > MAX_MAIL_BYTES {
            return Err(CoreError::invalid("mail", "The mail is too large"));
        }
        let mail = parse_mail(body).ok_or_else(|| CoreError::invalid("mail", "This is not a mail with a sender"))?;
        Ok((None, vec![Inbound::Mail(Box::new(mail))]))
    }

    /// A mail carries its files; nothing is fetched.
    fn fetch_media<'a>(
        &'a self,
        _core: &'a Arc<Core>,
        _inbox: &'a Inbox,
        _media: &'a MediaRef,
    ) -> BoxFuture<'a, super::Fetched> {
        Box::pin(async { Err("mail attachments arrive with the mail".to_string()) })
    }

    fn send<'a>(
        &'a self,
        core: &'a Arc<Core>,
        inbox: &'a Inbox,
        out: &'a Outgoing,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            let ctx = out
                .mail
                .as_ref()
                .ok_or_else(|| SendError::Permanent("no mail context".into()))?;
            let (mail, id) = build_mail(core, inbox, out, ctx)?;
            smtp_send(core, inbox, mail).await?;
            Ok(id)
        })
    }
}

// ---- IMAP ----

/// A plain or TLS connection to an IMAP server.
#[derive(Debug)]
enum MailStream {
    Plain(tokio::net::TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>),
}

impl tokio::io::AsyncRead for MailStream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            MailStream::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for MailStream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            MailStream::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => std::pin::Pin::new(s).poll_flush(cx),
            MailStream::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            MailStream::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

async fn imap_connect(core: &Core, inbox: &Inbox) -> Result<async_imap::Session<MailStream>, String> {
    let host = cfg(inbox, "imap_address")
        .ok_or("The inbox has no IMAP server")?
        .to_string();
    let ssl = cfg_bool(inbox, "imap_enable_ssl", true);
    let port = cfg_port(inbox, "imap_port", if ssl { 993 } else { 143 });
    let login = cfg(inbox, "imap_login").unwrap_or(inbox_address(inbox)).to_string();
    let password = cfg(inbox, "imap_password").unwrap_or_default().to_string();
    let addrs = checked_addrs(core, &host, port).await.map_err(HostError::text)?;
    let tcp = tokio::time::timeout(MAIL_TIMEOUT, tokio::net::TcpStream::connect(&addrs[..]))
        .await
        .map_err(|_| format!("{host}:{port} did not answer"))?
        .map_err(|e| format!("{host}:{port} could not be reached: {e}"))?;
    let stream = if ssl {
        use rustls_platform_verifier::ConfigVerifierExt;
        let config = rustls::ClientConfig::with_platform_verifier().map_err(|e| e.to_string())?;
        let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {host} failed: {e}"))?;
        MailStream::Tls(Box::new(tls))
    } else {
        MailStream::Plain(tcp)
    };
    let mut client = async_imap::Client::new(stream);
    client
        .read_response()
        .await
        .map_err(|e| format!("{host} did not greet: {e}"))?
        .ok_or_else(|| format!("{host} closed the connection"))?;
    client
        .login(login, password)
        .await
        .map_err(|(e, _)| format!("The IMAP server refused the login: {e}"))
}

/// Up to this many mails are imported per poll; the rest wait for the next.
const POLL_BATCH: usize = 200;

impl Core {
    /// Reads new mail from an e-mail inbox's IMAP mailbox: UIDs above the
    /// cursor, in order; the cursor moves after each imported mail, and the
    /// poll's outcome is recorded for administrators to see.
    pub async fn poll_mailbox(self: &Arc<Self>, inbox_id: i64) -> CoreResult<usize> {
        let inbox = {
            let mut tx = self.store.read().await?;
            tx.get_inboxes(&[inbox_id]).await?.into_iter().next()
        };
        let Some(inbox) = inbox.filter(|i| i.channel() == ChannelType::Email) else {
            return Ok(0);
        };
        if !cfg_bool(&inbox, "imap_enabled", false) {
            return Ok(0);
        }
        let cursor = {
            let mut tx = self.store.read().await?;
            tx.get_mail_cursor(inbox.id).await?
        };
        // Within half the job's lease, so no other worker takes the poll
        // while it runs; the cursor moves per mail, the next poll goes on.
        let result = tokio::time::timeout(self.config.job_lease / 2, self.poll_inner(&inbox, cursor.clone())).await;
        let (imported, error) = match result {
            Ok(Ok(n)) => (n, None),
            Ok(Err(e)) => (0, Some(e)),
            Err(_) => (0, Some("The IMAP server took too long".to_string())),
        };
        let mut tx = self.store.write().await?;
        let mut c = tx
            .get_mail_cursor(inbox.id)
            .await?
            .unwrap_or(switchboard_store::MailCursor {
                inbox_id: inbox.id,
                uid_validity: 0,
                last_uid: 0,
                polled_at: 0,
                last_error: None,
            });
        c.polled_at = switchboard_domain::time::now_micros();
        c.last_error = error.clone();
        tx.set_mail_cursor(&c).await?;
        tx.commit().await?;
        if let Some(e) = error {
            tracing::warn!(inbox = inbox.id, error = %e, "polling a mailbox failed");
        }
        Ok(imported)
    }

    async fn poll_inner(
        self: &Arc<Self>,
        inbox: &Inbox,
        cursor: Option<switchboard_store::MailCursor>,
    ) -> Result<usize, String> {
        use futures_util::StreamExt;
        let mut session = imap_connect(self, inbox).await?;
        let folder = cfg(inbox, "imap_folder").unwrap_or("INBOX").to_string();
        let mailbox = session
            .select(&folder)
            .await
            .map_err(|e| format!("The mailbox {folder} could not be opened: {e}"))?;
        let validity = i64::from(mailbox.uid_validity.unwrap_or(0));
        let last = match &cursor {
            Some(c) if c.uid_validity == validity => c.last_uid,
            // First poll, or the server renumbered: read what arrived since
            // the inbox was made (the day's granularity is IMAP's).
            _ => 0,
        };
        let query = if last > 0 {
            format!("UID {}:*", last + 1)
        } else {
            let since = time::OffsetDateTime::from_unix_timestamp(inbox.created_at / 1_000_000)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
                - time::Duration::days(1);
            let months = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            format!(
                "SINCE {}-{}-{}",
                since.day(),
                months[usize::from(u8::from(since.month())) - 1],
                since.year()
            )
        };
        let mut uids: Vec<u32> = session
            .uid_search(&query)
            .await
            .map_err(|e| format!("Searching the mailbox failed: {e}"))?
            .into_iter()
            .filter(|u| i64::from(*u) > last)
            .collect();
        uids.sort_unstable();
        uids.truncate(POLL_BATCH);
        let mut imported = 0;
        let mut high = last;
        for uid in uids {
            let raw = {
                let mut fetches = session
                    .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
                    .await
                    .map_err(|e| format!("Fetching a mail failed: {e}"))?;
                let mut body = None;
                while let Some(f) = fetches.next().await {
                    let f = f.map_err(|e| format!("Fetching a mail failed: {e}"))?;
                    if f.uid == Some(uid)
                        && let Some(b) = f.body()
                    {
                        body = Some(b.to_vec());
                    }
                }
                body
            };
            if let Some(raw) = raw {
                if raw.len() <= MAX_MAIL_BYTES {
                    match parse_mail(&raw) {
                        Some(mail) => match self.channel_mail(inbox, mail).await {
                            Ok(new) => imported += usize::from(new),
                            // A mail this server refuses (a blocked sender, a value out
                            // of bounds) is passed over, not retried forever.
                            Err(e @ (CoreError::Invalid { .. } | CoreError::Forbidden(_) | CoreError::NotFound)) => {
                                tracing::warn!(inbox = inbox.id, uid, error = %e, "passed over a mail that was refused");
                            }
                            Err(e) => return Err(e.to_string()),
                        },
                        None => tracing::info!(inbox = inbox.id, uid, "skipped a mailbox message without a sender"),
                    }
                } else {
                    tracing::warn!(inbox = inbox.id, uid, size = raw.len(), "skipped an oversize mail");
                }
            }
            high = i64::from(uid);
            self.save_cursor(inbox.id, validity, high)
                .await
                .map_err(|e| e.to_string())?;
        }
        if cursor.is_none_or(|c| c.uid_validity != validity) && high == last {
            // Nothing to import yet: remember the mailbox's numbering.
            self.save_cursor(inbox.id, validity, high)
                .await
                .map_err(|e| e.to_string())?;
        }
        let _ = session.logout().await;
        Ok(imported)
    }

    /// Records that the mailbox (numbered by `validity`) is read up to `uid`.
    async fn save_cursor(self: &Arc<Self>, inbox_id: i64, validity: i64, uid: i64) -> CoreResult<()> {
        let mut tx = self.store.write().await?;
        tx.set_mail_cursor(&switchboard_store::MailCursor {
            inbox_id,
            uid_validity: validity,
            last_uid: uid,
            polled_at: switchboard_domain::time::now_micros(),
            last_error: None,
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks IMAP settings before they are saved: connects and logs in.
    pub(crate) async fn check_imap(self: &Arc<Self>, inbox: &Inbox) -> CoreResult<()> {
        let mut s = imap_connect(self, inbox)
            .await
            .map_err(|e| CoreError::invalid("imap_address", e))?;
        let _ = s.logout().await;
        Ok(())
    }

    /// One inbound mail: de-duplicated by Message-ID, routed to its
    /// conversation or opening a new one, its files stored. True when it
    /// was new.
    pub(crate) async fn channel_mail(self: &Arc<Self>, inbox: &Inbox, mail: InboundMail) -> CoreResult<bool> {
        {
            let mut tx = self.store.read().await?;
            if tx.find_message_by_source(inbox.id, &mail.message_id).await?.is_some() {
                return Ok(false);
            }
        }
        // Our own mail coming back (a copy in the mailbox) is not a customer's.
        if mail.from_address.eq_ignore_ascii_case(inbox_address(inbox)) {
            return Ok(false);
        }
        let conv = self.mail_conversation(inbox, &mail).await?;
        // An auto-reply (out of office, a bounce) about nothing we sent opens
        // no conversation: two auto-responders would otherwise feed each other.
        if mail.auto_reply && matches!(conv, MailRoute::New(_)) {
            tracing::info!(inbox = inbox.id, from = %mail.from_address, "skipped an auto-reply outside any conversation");
            return Ok(false);
        }
        let mut files = Vec::new();
        let mut content_attributes = json!({ "email": mail.email.clone() });
        let max = switchboard_domain::rules::MAX_ATTACHMENTS;
        if mail.files.len() > max {
            content_attributes["media_error"] = json!(format!("only the first {max} attachments were kept"));
        }
        for f in mail.files.iter().take(max) {
            if f.bytes.len() as u64 > self.config.max_upload_bytes {
                content_attributes["media_error"] = json!("an attachment was larger than the upload limit");
                continue;
            }
            match self.files.store_bytes(&f.bytes, f.name.as_deref()).await {
                Ok(a) => files.push(a),
                Err(e) => tracing::warn!(error = %e, "storing a mail attachment failed"),
            }
        }
        let content = mail
            .content
            .clone()
            .or_else(|| files.is_empty().then(|| mail.subject.clone().unwrap_or_default()));
        let input = crate::messages::MessageInput {
            content,
            message_type: switchboard_domain::MessageType::Incoming,
            private: false,
            content_type: switchboard_domain::ContentType::IncomingEmail,
            content_attributes,
            echo_id: None,
            source_id: Some(mail.message_id.clone()),
            additional_attributes: json!({}),
        };
        let result = match conv {
            MailRoute::Existing(conv) => {
                let contact = {
                    let mut tx = self.store.read().await?;
                    tx.get_contact(conv.account_id, conv.contact_id).await?
                };
                let from = match contact {
                    Some(c) => crate::ingest::From::Contact(c),
                    None => crate::ingest::From::ConversationContact,
                };
                self.ingest(crate::ingest::Item {
                    account_id: conv.account_id,
                    display_id: conv.display_id,
                    member_of: None,
                    input,
                    from,
                    attachments: files.clone(),
                })
                .await
                .map(|o| o.created)
            }
            MailRoute::New(visitor) => self.mail_new_conversation(&visitor, &mail, input, files.clone()).await,
        };
        match result {
            Ok(true) => Ok(true),
            Ok(false) => {
                self.discard(&files).await;
                Ok(false)
            }
            Err(e) => {
                self.discard(&files).await;
                Err(e)
            }
        }
    }

    async fn mail_conversation(self: &Arc<Self>, inbox: &Inbox, mail: &InboundMail) -> CoreResult<MailRoute> {
        let mut tx = self.store.read().await?;
        // Reply addresses count only at the server's inbound domain (the
        // only place ours are handed out).
        let inbound = self.config.mail_inbound_domain.as_deref();
        let mut candidates: Vec<String> = mail
            .recipients
            .iter()
            .filter(|r| inbound.is_some_and(|d| r.rsplit_once('@').is_some_and(|(_, rd)| rd.eq_ignore_ascii_case(d))))
            .filter_map(|r| uuid_in_reply_address(r))
            .collect();
        for id in &mail.thread_ids {
            if let Some(u) = uuid_in_message_id(id) {
                candidates.push(u);
            }
        }
        for uuid in candidates {
            if let Some(c) = tx.find_conversation_by_uuid(&uuid).await?
                && c.inbox_id == inbox.id
                && c.account_id == inbox.account_id
            {
                return Ok(MailRoute::Existing(Box::new(c)));
            }
        }
        for id in &mail.thread_ids {
            if let Some(m) = tx.find_message_by_source(inbox.id, id).await?
                && let Some(c) = tx.get_conversation_by_id(m.conversation_id).await?
            {
                return Ok(MailRoute::Existing(Box::new(c)));
            }
        }
        drop(tx);
        let body = json!({
            "name": mail.from_name,
            "email": mail.from_address,
            "source_id": mail.from_address,
        });
        let visitor = self
            .channel_contact(inbox, &mail.from_address, body, &json!({}))
            .await?;
        Ok(MailRoute::New(Box::new(visitor)))
    }

    /// A conversation opened by a mail, written with the mail in one
    /// transaction under the contact's lock (a replayed mail finds it).
    async fn mail_new_conversation(
        self: &Arc<Self>,
        v: &crate::public::Visitor,
        mail: &InboundMail,
        input: crate::messages::MessageInput,
        files: Vec<switchboard_store::NewAttachment>,
    ) -> CoreResult<bool> {
        let mut w = crate::work::Work::begin(self).await?;
        w.tx().lock_contact_inbox(v.ci.id).await?;
        if w.tx()
            .find_message_by_source(v.inbox.id, &mail.message_id)
            .await?
            .is_some()
        {
            w.commit().await?;
            return Ok(false);
        }
        let additional = json!({
            "source": "email",
            "mail_subject": mail.subject,
            "in_reply_to": mail.thread_ids.first(),
            "auto_reply": mail.auto_reply,
        });
        let conv = self.open_conversation(&mut w, v, json!({}), additional).await?;
        let contact = w
            .tx()
            .get_contact(v.contact.account_id, v.contact.id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let item = crate::ingest::Item {
            account_id: conv.account_id,
            display_id: conv.display_id,
            member_of: None,
            input,
            from: crate::ingest::From::Contact(contact),
            attachments: files,
        };
        let mut results = crate::ingest::process(self, &mut w, std::slice::from_ref(&item)).await?;
        let o = results
            .pop()
            .unwrap_or_else(|| Err(CoreError::Internal("no result".into())))?;
        w.commit().await?;
        Ok(o.created)
    }
}

enum MailRoute {
    Existing(Box<switchboard_store::Conversation>),
    New(Box<crate::public::Visitor>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_message_ids_name_their_conversation() {
        let u = "7f2a1c3e-1b2d-4c5e-8f90-123456789abc";
        assert_eq!(
            uuid_in_message_id(&format!("conversation/{u}/messages/12@mail.example.com")).as_deref(),
            Some(u)
        );
        assert_eq!(
            uuid_in_message_id(&format!("account/3/conversation/{u}@mail.example.com")).as_deref(),
            Some(u)
        );
        assert_eq!(uuid_in_message_id("CAF=abc@mail.gmail.com"), None);
        assert_eq!(uuid_in_message_id("conversation/not-a-uuid/messages/1@x"), None);
        assert_eq!(
            uuid_in_reply_address(&format!("reply+{u}@in.example.com")).as_deref(),
            Some(u)
        );
        assert_eq!(uuid_in_reply_address("reply+nope@in.example.com"), None);
        assert_eq!(uuid_in_reply_address("support@example.com"), None);
    }

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

    #[test]
    fn reply_subjects() {
        let ctx = |subject: Option<&str>| MailContext {
            display_id: 7,
            subject: subject.map(str::to_string),
            ..Default::default()
        };
        assert_eq!(reply_subject(&ctx(Some("Order 42")), "Shop"), "Re: Order 42");
        assert_eq!(reply_subject(&ctx(Some("RE: Order 42")), "Shop"), "RE: Order 42");
        assert_eq!(
            reply_subject(&ctx(Some("Ж€ заказ")), "Shop"),
            "Re: Ж€ заказ",
            "no cut inside a character"
        );
        assert_eq!(reply_subject(&ctx(Some("  ")), "Shop"), "[#7] New message from Shop");
        assert_eq!(reply_subject(&ctx(None), "Shop"), "[#7] New message from Shop");
    }

    #[test]
    fn address_lists_are_checked() {
        assert_eq!(
            address_list(&json!("a@x.com, B@Y.com;a@x.com"), "cc_emails").unwrap(),
            vec!["a@x.com", "b@y.com"]
        );
        assert_eq!(address_list(&json!(["a@x.com"]), "cc_emails").unwrap(), vec!["a@x.com"]);
        assert!(address_list(&json!("not an address"), "cc_emails").is_err());
        assert!(address_list(&json!(5), "cc_emails").is_err());
        assert!(address_list(&Value::Null, "cc_emails").unwrap().is_empty());
    }

    #[test]
    fn outgoing_text_becomes_safe_html() {
        let h = text_to_html("Hi <b>there</b>\nsee https://example.com/a?b=1&c=2.\n\nBye **now**");
        assert!(h.contains("Hi &lt;b&gt;there&lt;/b&gt;<br>"), "{h}");
        assert!(h.contains("<p>Bye <strong>now</strong></p>"), "{h}");
        assert!(h.contains(r#"<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>."#));
    }
}
