//! Reading new mail from the inbox's IMAP mailbox, and checking IMAP
//! settings before they are saved.

use std::sync::Arc;

use switchboard_channel::{ChannelError, Cursor, Delivered, Host, Inbound, InboxRef};

use super::parse::parse_mail;
use super::{HostError, MAIL_TIMEOUT, MAX_MAIL_BYTES, cfg, cfg_bool, cfg_port, checked_addrs, inbox_address};

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

async fn imap_connect(server: &dyn Host, inbox: &InboxRef<'_>) -> Result<async_imap::Session<MailStream>, String> {
    let host = cfg(inbox, "imap_address")
        .ok_or("The inbox has no IMAP server")?
        .to_string();
    let ssl = cfg_bool(inbox, "imap_enable_ssl", true);
    let port = cfg_port(inbox, "imap_port", if ssl { 993 } else { 143 });
    let login = cfg(inbox, "imap_login").unwrap_or(inbox_address(inbox)).to_string();
    let password = cfg(inbox, "imap_password").unwrap_or_default().to_string();
    let addrs = checked_addrs(server, &host, port).await.map_err(HostError::text)?;
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

/// Reads new mail from an e-mail inbox's IMAP mailbox: UIDs above the
/// cursor, in order; the cursor moves after each imported mail, and the
/// poll's outcome is recorded for administrators to see.
pub(super) async fn poll_mailbox(host: &dyn Host, inbox: InboxRef<'_>) -> Result<usize, String> {
    if !cfg_bool(&inbox, "imap_enabled", false) {
        return Ok(0);
    }
    let cursor = host.cursor(inbox.id).await?;
    // Within half the job's lease, so no other worker takes the poll
    // while it runs; the cursor moves per mail, the next poll goes on.
    let result = tokio::time::timeout(host.job_lease() / 2, poll_inner(host, inbox, cursor.clone())).await;
    let (imported, error) = match result {
        Ok(Ok(n)) => (n, None),
        Ok(Err(e)) => (0, Some(e)),
        Err(_) => (0, Some("The IMAP server took too long".to_string())),
    };
    let mut c = host.cursor(inbox.id).await?.unwrap_or(Cursor {
        inbox_id: inbox.id,
        ..Cursor::default()
    });
    c.polled_at = switchboard_domain::time::now_micros();
    c.last_error = error.clone();
    host.set_cursor(&c).await?;
    if let Some(e) = error {
        tracing::warn!(inbox = inbox.id, error = %e, "polling a mailbox failed");
    }
    Ok(imported)
}

async fn poll_inner(host: &dyn Host, inbox: InboxRef<'_>, cursor: Option<Cursor>) -> Result<usize, String> {
    use futures_util::StreamExt;
    let mut session = imap_connect(host, &inbox).await?;
    let folder = cfg(&inbox, "imap_folder").unwrap_or("INBOX").to_string();
    let mailbox = session
        .select(&folder)
        .await
        .map_err(|e| format!("The mailbox {folder} could not be opened: {e}"))?;
    let validity = i64::from(mailbox.uid_validity.unwrap_or(0));
    let last = match &cursor {
        Some(c) if c.validity == validity => c.position,
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
                    Some(mail) => match host.deliver(inbox, Inbound::Mail(Box::new(mail))).await? {
                        Delivered::Taken(new) => imported += usize::from(new),
                        // A mail this server refuses (a blocked sender, a value out
                        // of bounds) is passed over, not retried forever.
                        Delivered::Refused(e) => {
                            tracing::warn!(inbox = inbox.id, uid, error = %e, "passed over a mail that was refused");
                        }
                    },
                    None => tracing::info!(inbox = inbox.id, uid, "skipped a mailbox message without a sender"),
                }
            } else {
                tracing::warn!(inbox = inbox.id, uid, size = raw.len(), "skipped an oversize mail");
            }
        }
        high = i64::from(uid);
        save_cursor(host, inbox.id, validity, high).await?;
    }
    if cursor.is_none_or(|c| c.validity != validity) && high == last {
        // Nothing to import yet: remember the mailbox's numbering.
        save_cursor(host, inbox.id, validity, high).await?;
    }
    let _ = session.logout().await;
    Ok(imported)
}

/// Records that the mailbox (numbered by `validity`) is read up to `uid`.
async fn save_cursor(host: &dyn Host, inbox_id: i64, validity: i64, uid: i64) -> Result<(), String> {
    host.set_cursor(&Cursor {
        inbox_id,
        validity,
        position: uid,
        polled_at: switchboard_domain::time::now_micros(),
        last_error: None,
    })
    .await
}

/// Checks IMAP settings before they are saved: connects and logs in.
pub(super) async fn check_imap(host: &dyn Host, inbox: &InboxRef<'_>) -> Result<(), ChannelError> {
    let mut s = imap_connect(host, inbox)
        .await
        .map_err(|e| ChannelError::invalid("imap_address", e))?;
    let _ = s.logout().await;
    Ok(())
}
