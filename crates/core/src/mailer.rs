//! The installation's own mail (invitations, password resets), sent over the
//! operator's SMTP server (`SWITCHBOARD_SMTP_URL`). Inboxes' mail goes
//! through their own servers (`channels::email`); this one is a setting, not
//! user input, so it is not behind the private-address check.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// One SMTP command may take this long.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a mail did not go.
#[derive(Debug)]
pub enum MailError {
    /// Try again later.
    Retry(String),
    /// The server refused for good, or nothing is configured.
    Permanent(String),
}

pub struct Mailer {
    transport: Result<Option<AsyncSmtpTransport<Tokio1Executor>>, String>,
    from: Option<Mailbox>,
}

impl Mailer {
    /// `url`: `smtp://[user:password@]host[:port][?tls=required]` (STARTTLS
    /// when offered, or required) or `smtps://...` (TLS from the start).
    /// `from`: the sender, e.g. `Support <support@example.com>`; by default
    /// `Switchboard <noreply@host of the public URL>`.
    pub fn new(url: Option<&str>, from: Option<&str>, public_url: &str) -> Self {
        let transport = match url.filter(|u| !u.trim().is_empty()) {
            None => Ok(None),
            Some(u) => AsyncSmtpTransport::<Tokio1Executor>::from_url(u.trim())
                .map(|b| Some(b.timeout(Some(SMTP_TIMEOUT)).build()))
                .map_err(|e| format!("SWITCHBOARD_SMTP_URL is not a usable SMTP URL: {e}")),
        };
        let default_from = || {
            let host = public_url
                .split("://")
                .nth(1)
                .unwrap_or("")
                .split(['/', ':'])
                .next()
                .unwrap_or("")
                .to_string();
            format!("Switchboard <noreply@{host}>")
                .parse()
                .or_else(|_| "Switchboard <noreply@localhost>".parse())
        };
        let (from, transport) = match from.filter(|f| !f.trim().is_empty()) {
            Some(f) => match f.trim().parse::<Mailbox>() {
                Ok(m) => (Ok(m), transport),
                Err(e) => (
                    default_from(),
                    Err(format!("SWITCHBOARD_MAIL_FROM is not an address: {e}")),
                ),
            },
            None => (default_from(), transport),
        };
        Mailer {
            transport,
            from: from.ok(),
        }
    }

    /// The settings' error, checked at start.
    pub fn check(&self) -> Result<(), String> {
        self.transport.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    /// Whether a mail server is configured (links are mailed, not shown).
    pub fn configured(&self) -> bool {
        matches!(self.transport, Ok(Some(_)))
    }

    /// Sends a plain-text mail to `to` (already a checked address).
    pub async fn send(&self, to: &str, subject: &str, text: String, limit: Duration) -> Result<(), MailError> {
        self.send_with_attachment(to, subject, text, None, limit).await
    }

    /// Sends a plain-text mail to `to`, with a CSV file `(name, bytes)`
    /// attached when given.
    pub async fn send_with_attachment(
        &self,
        to: &str,
        subject: &str,
        text: String,
        csv: Option<(String, Vec<u8>)>,
        limit: Duration,
    ) -> Result<(), MailError> {
        let transport = match &self.transport {
            Ok(Some(t)) => t,
            Ok(None) => return Err(MailError::Permanent("No mail server is configured".into())),
            Err(e) => return Err(MailError::Permanent(e.clone())),
        };
        let from = self
            .from
            .clone()
            .ok_or_else(|| MailError::Permanent("No sender address (SWITCHBOARD_MAIL_FROM)".into()))?;
        let to: Mailbox = to
            .parse()
            .map_err(|e| MailError::Permanent(format!("Not an address: {e}")))?;
        let builder = lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .header(AutoSubmitted);
        let mail = match csv {
            None => builder
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(text),
            Some((name, bytes)) => {
                use lettre::message::{Attachment, MultiPart, SinglePart, header::ContentType};
                let csv_type = ContentType::parse("text/csv; charset=utf-8")
                    .map_err(|e| MailError::Permanent(format!("Building the mail: {e}")))?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(text))
                        .singlepart(Attachment::new(name).body(bytes, csv_type)),
                )
            }
        }
        .map_err(|e| MailError::Permanent(format!("Building the mail: {e}")))?;
        match tokio::time::timeout(limit, transport.send(mail)).await {
            Err(_) => Err(MailError::Retry("The mail server took too long".into())),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => {
                Err(MailError::Permanent(format!("The mail server refused the mail: {e}")))
            }
            Ok(Err(e)) => Err(MailError::Retry(format!(
                "The mail server could not take the mail: {e}"
            ))),
        }
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no auto-replies to these.
#[derive(Clone)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        let m = Mailer::new(None, None, "https://help.example.com/x");
        assert!(!m.configured());
        assert!(m.check().is_ok());
        assert_eq!(
            m.from.as_ref().map(|f| f.email.to_string()).unwrap_or_default(),
            "noreply@help.example.com"
        );
        let m = Mailer::new(
            Some("smtp://u:p@127.0.0.1:2525"),
            Some("Acme <help@acme.test>"),
            "http://x",
        );
        assert!(m.configured());
        assert_eq!(
            m.from.as_ref().map(|f| f.email.to_string()).unwrap_or_default(),
            "help@acme.test"
        );
        assert!(Mailer::new(Some("ftp://nope"), None, "http://x").check().is_err());
        assert!(Mailer::new(None, Some("not an address"), "http://x").check().is_err());
    }
}
