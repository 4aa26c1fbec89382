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
//! `smtp` sends it, `imap` polls a mailbox. Finding the conversation an
//! inbound mail belongs to needs the store, so core does it (its
//! `channels::mail`), from the [`InboundMail`] this crate hands over.

mod compose;
mod html;
mod imap;
mod parse;
mod smtp;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};
use switchboard_channel::{
    Channel, ChannelError, ContactRef, Created, Cursor, Field, FieldKind, Host, Inbound, InboxRef, NewInbox, Outgoing,
    Params, Periodic, Ready, SendError, Shown, TaskDone, Updated, read_fields,
};

pub use compose::{MailContext, build_mail, reply_subject};
pub use html::{html_to_text, sanitize_html, text_to_html};
pub use parse::{InboundMail, MailFile, parse_mail, trim_reply};

/// Longest mail taken in, raw (a forwarding service or a mailbox message).
pub const MAX_MAIL_BYTES: usize = 50 * 1024 * 1024;
/// One SMTP command, or connecting to a mail server, gives up after this long.
const MAIL_TIMEOUT: Duration = Duration::from_secs(20);
/// The stored job kind of a mailbox poll.
pub const IMAP_POLL: &str = "imap_poll";
/// How often mailboxes are read unless configured (`SWITCHBOARD_IMAP_POLL_SECONDS`).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// The e-mail channel; mailboxes are read every `poll_interval`.
pub struct Email {
    periodic: [Periodic; 1],
}

impl Email {
    pub fn new(poll_interval: Duration) -> Self {
        Email {
            periodic: [Periodic {
                kind: IMAP_POLL,
                every: poll_interval,
                wanted: |i| i.config.get("imap_enabled").and_then(Value::as_bool) == Some(true),
            }],
        }
    }
}

/// The settings groups; a group's first field, a boolean, switches the
/// rest on.
const IMAP: &str = "Incoming mail (IMAP)";
const SMTP: &str = "Outgoing mail (SMTP)";

const fn group(f: Field, g: &'static str) -> Field {
    Field { group: Some(g), ..f }
}

const fn kind(f: Field, k: FieldKind) -> Field {
    Field { kind: k, ..f }
}

const fn default(f: Field, d: &'static str) -> Field {
    Field { default: Some(d), ..f }
}

/// An e-mail inbox's address and mail servers (Chatwoot's names).
/// Passwords are kept when an update leaves them empty and are never
/// shown back.
static FIELDS: &[Field] = &[
    Field {
        kind: FieldKind::Email,
        help: "The address customers write to. Replies are sent from it.",
        required: true,
        create_only: true,
        ..Field::text("email", "E-mail address")
    },
    group(
        default(
            kind(
                Field::text("imap_enabled", "Read this mailbox over IMAP"),
                FieldKind::Bool,
            ),
            "false",
        ),
        IMAP,
    ),
    group(Field::text("imap_address", "IMAP server"), IMAP),
    group(
        default(kind(Field::text("imap_port", "IMAP port"), FieldKind::Port), "993"),
        IMAP,
    ),
    group(Field::text("imap_login", "IMAP login"), IMAP),
    group(
        kind(Field::text("imap_password", "IMAP password"), FieldKind::Secret),
        IMAP,
    ),
    group(
        default(
            kind(Field::text("imap_enable_ssl", "IMAP over SSL/TLS"), FieldKind::Bool),
            "true",
        ),
        IMAP,
    ),
    group(default(Field::text("imap_folder", "IMAP folder"), "INBOX"), IMAP),
    group(
        default(
            kind(Field::text("smtp_enabled", "Send replies over SMTP"), FieldKind::Bool),
            "false",
        ),
        SMTP,
    ),
    group(Field::text("smtp_address", "SMTP server"), SMTP),
    group(
        default(kind(Field::text("smtp_port", "SMTP port"), FieldKind::Port), "587"),
        SMTP,
    ),
    group(Field::text("smtp_login", "SMTP login"), SMTP),
    group(
        kind(Field::text("smtp_password", "SMTP password"), FieldKind::Secret),
        SMTP,
    ),
    group(Field::text("smtp_domain", "HELO domain"), SMTP),
    group(
        default(
            kind(
                Field::text("smtp_enable_starttls_auto", "Use STARTTLS when the server offers it"),
                FieldKind::Bool,
            ),
            "true",
        ),
        SMTP,
    ),
    group(
        default(
            kind(
                Field::text("smtp_enable_ssl_tls", "SMTP over SSL/TLS (port 465)"),
                FieldKind::Bool,
            ),
            "false",
        ),
        SMTP,
    ),
    group(
        default(Field::text("smtp_authentication", "SMTP authentication"), "login"),
        SMTP,
    ),
    group(
        Field {
            options: &["none", "peer", "client_once", "fail_if_no_peer_cert"],
            ..default(
                kind(
                    Field::text("smtp_openssl_verify_mode", "Certificate check"),
                    FieldKind::Select,
                ),
                "peer",
            )
        },
        SMTP,
    ),
];

/// The settings that name the mailbox read over IMAP.
const MAILBOX_KEYS: &[&str] = &["imap_address", "imap_port", "imap_login", "imap_folder"];

/// Reads an e-mail inbox's server settings from `channel` into `config`.
fn email_fields(channel: &Value, config: &mut Map<String, Value>) -> Result<(), ChannelError> {
    read_fields(&FIELDS[1..], channel, config)?;
    for key in ["imap_address", "smtp_address"] {
        if let Some(Value::String(h)) = config.get(key)
            && (h.len() > 253 || h.contains(['/', ' ', '@', ':']) && !h.starts_with('['))
        {
            return Err(ChannelError::invalid(key, format!("{key} must be a host name")));
        }
    }
    let on = |k: &str| config.get(k).and_then(Value::as_bool) == Some(true);
    if on("imap_enabled") && config.get("imap_address").is_none() {
        return Err(ChannelError::invalid(
            "imap_address",
            "imap_address can't be blank when IMAP is enabled",
        ));
    }
    if on("smtp_enabled") && config.get("smtp_address").is_none() {
        return Err(ChannelError::invalid(
            "smtp_address",
            "smtp_address can't be blank when SMTP is enabled",
        ));
    }
    Ok(())
}

/// How a mailbox's reading went, for administrators.
fn mail_status(c: &Cursor) -> Value {
    json!({
        "polled_at": c.polled_at / 1_000_000,
        "last_error": c.last_error,
        "last_uid": c.position,
    })
}

fn cfg<'a>(inbox: &InboxRef<'a>, key: &str) -> Option<&'a str> {
    inbox.str(key)
}

fn cfg_bool(inbox: &InboxRef<'_>, key: &str, default: bool) -> bool {
    inbox.bool(key, default)
}

fn cfg_port(inbox: &InboxRef<'_>, key: &str, default: u16) -> u16 {
    inbox
        .config
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0)
        .unwrap_or(default)
}

/// The inbox's own address.
pub fn inbox_address<'a>(inbox: &InboxRef<'a>) -> &'a str {
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
async fn checked_addrs(host: &dyn Host, name: &str, port: u16) -> Result<Vec<SocketAddr>, HostError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
        .await
        .map_err(|e| HostError::Unresolved(format!("{name} could not be resolved: {e}")))?
        .collect();
    let allow = host.allow_private_targets();
    let ok: Vec<SocketAddr> = addrs
        .into_iter()
        .filter(|a| allow || !switchboard_outbound::is_forbidden_ip(a.ip()))
        .collect();
    if ok.is_empty() {
        return Err(HostError::Forbidden(format!(
            "{name} is not a public address (private and loopback mail servers need the operator's leave)"
        )));
    }
    Ok(ok)
}

impl Channel for Email {
    fn name(&self) -> &'static str {
        "email"
    }

    fn code(&self) -> i16 {
        2
    }

    fn class_name(&self) -> &'static str {
        "Channel::Email"
    }

    fn label(&self) -> &'static str {
        "E-mail"
    }

    fn description(&self) -> &'static str {
        "A support address: mail to it becomes conversations."
    }

    fn fields(&self) -> &[Field] {
        FIELDS
    }

    fn max_body(&self) -> usize {
        MAX_MAIL_BYTES
    }

    fn ready(&self) -> Ready {
        Ready {
            text: "Mail to {email} arrives in this inbox. Forwarding services can also post raw mail to this address:",
            shown: &[Shown {
                name: "raw-mail",
                label: "Raw mail address (forwarding services POST RFC 822 here)",
                pointer: "/raw_email_webhook_url",
                count: false,
            }],
        }
    }

    /// The raw-mail endpoint is addressed by the inbox's secret token,
    /// matched when the inbox is looked up; there is no signature to check.
    fn verify(&self, _inbox: InboxRef<'_>, _headers: &HashMap<String, String>, _body: &[u8]) -> bool {
        true
    }

    fn parse(&self, _inbox: InboxRef<'_>, body: &[u8]) -> Result<Vec<Inbound>, ChannelError> {
        if body.len() > MAX_MAIL_BYTES {
            return Err(ChannelError::invalid("mail", "The mail is too large"));
        }
        let mail = parse_mail(body).ok_or_else(|| ChannelError::invalid("mail", "This is not a mail with a sender"))?;
        Ok(vec![Inbound::Mail(Box::new(mail))])
    }

    fn send<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        out: &'a Outgoing,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            let thread = out
                .thread
                .as_ref()
                .ok_or_else(|| SendError::Permanent("no mail context".into()))?;
            let ctx = MailContext::of(thread);
            let (mail, id) = build_mail(host, &inbox, out, &ctx)?;
            smtp::smtp_send(host, &inbox, mail).await?;
            Ok(id)
        })
    }

    fn wants_thread(&self) -> bool {
        true
    }

    fn create<'a>(
        &'a self,
        host: &'a dyn Host,
        new: NewInbox<'a>,
        input: &'a Value,
    ) -> BoxFuture<'a, Result<Created, ChannelError>> {
        Box::pin(async move {
            let email = switchboard_domain::validate::email(&Params::new(input).req_str("email")?)
                .map_err(|m| ChannelError::invalid("email", m))?;
            if host
                .setting_taken(self.code(), "email", &email)
                .await
                .map_err(|e| ChannelError::invalid("email", e))?
            {
                return Err(ChannelError::invalid("email", "Email has already been taken"));
            }
            let mut config = Map::new();
            config.insert("email".into(), json!(email));
            config.insert("provider".into(), json!("other"));
            email_fields(input, &mut config)?;
            let preview = Value::Object(config.clone());
            let settings = json!({});
            let inbox = InboxRef {
                id: 0,
                account_id: new.account_id,
                name: new.name,
                key: "",
                secret: "",
                config: &preview,
                settings: &settings,
                created_at: 0,
            };
            // A mailbox that cannot be read is refused before anything is kept.
            if inbox.bool("imap_enabled", false) {
                imap::check_imap(host, &inbox).await?;
            }
            Ok(Created { key: None, config })
        })
    }

    fn apply_update(&self, input: &Value, config: &mut Map<String, Value>) -> Result<Updated, ChannelError> {
        let before: Vec<Option<Value>> = MAILBOX_KEYS.iter().map(|k| config.get(*k).cloned()).collect();
        email_fields(input, config)?;
        // Another mailbox: its UIDs mean nothing to the old cursor, so it is
        // read again from the start (Message-IDs keep what was imported
        // from coming twice).
        let reset_cursor = MAILBOX_KEYS
            .iter()
            .zip(&before)
            .any(|(k, b)| config.get(*k) != b.as_ref());
        Ok(Updated { reset_cursor })
    }

    /// New IMAP settings are tried before they are kept.
    fn check_update<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        input: &'a Value,
    ) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            let imap_changed = input
                .as_object()
                .is_some_and(|o| o.keys().any(|k| k.starts_with("imap_")));
            if imap_changed && inbox.bool("imap_enabled", false) {
                imap::check_imap(host, &inbox).await?;
            }
            Ok(())
        })
    }

    fn present(&self, inbox: InboxRef<'_>, public_url: &str, admin: bool, obj: &mut Map<String, Value>) {
        let c = inbox.config;
        obj.insert("email".into(), c.get("email").cloned().unwrap_or(json!("")));
        obj.insert("provider".into(), c.get("provider").cloned().unwrap_or(json!("other")));
        if !admin {
            return;
        }
        for f in &FIELDS[1..] {
            if f.is_secret() {
                // Passwords are never shown back; only whether one is set.
                let set = c.get(f.name).and_then(Value::as_str).is_some_and(|p| !p.is_empty());
                obj.insert(format!("{}_set", f.name), json!(set));
                continue;
            }
            let default = match (f.kind, f.default) {
                (FieldKind::Bool, d) => json!(d == Some("true")),
                (FieldKind::Port, Some(d)) => d.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
                (_, d) => json!(d.unwrap_or("")),
            };
            obj.insert(f.name.into(), c.get(f.name).cloned().unwrap_or(default));
        }
        obj.insert(
            "raw_email_webhook_url".into(),
            json!(format!("{public_url}/webhooks/email/{}", inbox.key)),
        );
    }

    fn poll_status(&self, cursor: Option<&Cursor>) -> Option<(&'static str, Value)> {
        Some(("imap_status", cursor.map(mail_status).unwrap_or(Value::Null)))
    }

    fn starts_chats(&self) -> bool {
        true
    }

    fn default_source_id(&self, contact: ContactRef<'_>) -> Option<String> {
        contact.email.map(str::to_string)
    }

    fn periodic(&self) -> &[Periodic] {
        &self.periodic
    }

    fn run_periodic<'a>(
        &'a self,
        _kind: &'a str,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
    ) -> BoxFuture<'a, Result<TaskDone, String>> {
        Box::pin(async move {
            let taken = imap::poll_mailbox(host, inbox).await?;
            Ok(TaskDone { taken, config: None })
        })
    }

    /// Another request took the address after the check in `create`.
    fn conflict(&self, constraint: &str) -> Option<ChannelError> {
        constraint
            .contains("inboxes_email_address")
            .then(|| ChannelError::invalid("email", "Email has already been taken"))
    }
}
