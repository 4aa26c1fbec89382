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
//!
//! The parts: `parse` reads a mail, `html` turns HTML into text and
//! back, `compose` builds an outgoing mail with its threading headers,
//! `smtp` sends it, `imap` polls a mailbox, and `routing` finds the
//! conversation an inbound mail belongs to.

mod compose;
mod html;
mod imap;
mod parse;
mod routing;
mod smtp;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;
use switchboard_domain::ChannelType;
use switchboard_store::Inbox;

pub use compose::{MailContext, address_list, build_mail, reply_subject};
pub use html::{html_to_text, sanitize_html, text_to_html};
pub use parse::{InboundMail, MailFile, parse_mail, trim_reply};
pub use routing::{uuid_in_message_id, uuid_in_reply_address};

use super::{Adapter, Inbound, MediaRef, Outgoing, SendError};
use crate::{Core, CoreError, CoreResult};

pub struct Email;

/// Longest mail taken in, raw (a forwarding service or a mailbox message).
pub const MAX_MAIL_BYTES: usize = 50 * 1024 * 1024;
/// One SMTP command, or connecting to a mail server, gives up after this long.
const MAIL_TIMEOUT: Duration = Duration::from_secs(20);

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
            smtp::smtp_send(core, inbox, mail).await?;
            Ok(id)
        })
    }
}
