//! Building an outgoing mail: its From name, recipients and subject, the
//! threading headers (Message-ID, In-Reply-To, References, Reply-To) and
//! its text, HTML and attachment parts.

use serde_json::Value;
use switchboard_channel::{Host, InboxRef, Outgoing, SendError, Thread};

use super::html::text_to_html;
use super::inbox_address;

/// Message-ids kept in an outgoing References header.
const MAX_REFERENCES: usize = 20;

/// The domain of our Message-IDs: the inbound domain, else the inbox's.
fn id_domain(host: &dyn Host, inbox: &InboxRef<'_>) -> String {
    host.inbound_mail_domain()
        .map(str::to_string)
        .or_else(|| inbox_address(inbox).rsplit_once('@').map(|(_, d)| d.to_string()))
        .unwrap_or_else(|| "localhost".into())
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

impl MailContext {
    /// Read from the conversation around the message: the last incoming
    /// mail's ids, the subject, the recipients and HTML the agent gave.
    pub fn of(t: &Thread) -> MailContext {
        let last_incoming = t.last_incoming_attributes.as_ref().and_then(|l| {
            let email = l.get("email")?;
            let id = email.get("message_id").and_then(Value::as_str)?.to_string();
            let refs = email
                .get("references")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            Some((id, refs))
        });
        let list = |key: &str| -> Vec<String> {
            t.message_attributes
                .get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        MailContext {
            message_id: t.message_id,
            account_id: t.account_id,
            conversation_uuid: t.conversation_uuid.clone(),
            display_id: t.display_id,
            subject: t
                .conversation_attributes
                .get("mail_subject")
                .and_then(Value::as_str)
                .map(str::to_string),
            sender_name: t.sender_name.clone(),
            last_incoming,
            to: list("to_emails"),
            cc: list("cc_emails"),
            bcc: list("bcc_emails"),
            html: t
                .message_attributes
                .pointer("/email/html_content/full")
                .and_then(Value::as_str)
                .filter(|h| !h.trim().is_empty())
                .map(str::to_string),
        }
    }
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
    host: &dyn Host,
    inbox: &InboxRef<'_>,
    out: &Outgoing,
    ctx: &MailContext,
) -> Result<(lettre::Message, String), SendError> {
    use lettre::message::{Attachment, Mailbox, MultiPart, header::ContentType};
    let bad = |what: &str, e: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {e}"));
    let domain = id_domain(host, inbox);
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
        .unwrap_or(inbox.name);
    let professional = inbox.settings.get("sender_name_type").and_then(Value::as_str) == Some("professional");
    // Names are cleaned when stored; rows older than that rule, or names
    // from elsewhere, are made one line here too (a line break in a
    // header's display name would stop the mail being built).
    let from_name = switchboard_domain::validate::one_line(&match (&ctx.sender_name, professional) {
        (Some(agent), false) => format!("{agent} from {business}"),
        _ => business.to_string(),
    });
    let reply_to: lettre::Address = match host.inbound_mail_domain() {
        Some(d) => format!("reply+{}@{}", ctx.conversation_uuid, d)
            .parse()
            .map_err(|e| bad("the reply address is not valid", &e))?,
        None => own.clone(),
    };
    let mut b = lettre::Message::builder()
        .from(Mailbox::new(Some(from_name), own))
        .reply_to(Mailbox::new(None, reply_to))
        .subject(switchboard_domain::validate::one_line(&reply_subject(ctx, inbox.name)))
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

#[cfg(test)]
mod tests {

    use super::*;

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
}
