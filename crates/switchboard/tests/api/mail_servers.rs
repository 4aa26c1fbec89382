//! A real SMTP server and a real IMAP server on loopback for the e-mail
//! tests: Dovecot (Debian's dovecot-imapd + dovecot-lmtpd) serving every
//! address as its own mailbox, fed by an aiosmtpd server (PyPI) that
//! delivers over LMTP (tests/mail/mailserver.py). One pair serves the whole
//! test binary; tests keep apart by using their own domains. Without them
//! the tests are skipped, except under CI, where that is a failure.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use futures_util::StreamExt;

pub struct MailServers {
    pub smtp_port: u16,
    pub imap_port: u16,
    _child: Child,
}

static SERVERS: OnceLock<Option<MailServers>> = OnceLock::new();

fn start() -> Result<MailServers, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/mail/mailserver.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
    let v: serde_json::Value =
        serde_json::from_str(line.trim()).map_err(|_| format!("the mail servers did not start: {line:?}"))?;
    // The child's stdin stays open for as long as this process lives; when
    // it exits, the pipe closes and the servers stop.
    Ok(MailServers {
        smtp_port: v["smtp"].as_u64().ok_or("no smtp port")? as u16,
        imap_port: v["imap"].as_u64().ok_or("no imap port")? as u16,
        _child: child,
    })
}

/// The shared servers, or `None` (skip) when this machine lacks them.
pub fn mail_servers() -> Option<&'static MailServers> {
    SERVERS
        .get_or_init(|| match start() {
            Ok(s) => Some(s),
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                    panic!("CI needs the mail servers (dovecot-imapd, dovecot-lmtpd, aiosmtpd): {e}");
                }
                eprintln!("skipping e-mail tests: {e}");
                None
            }
        })
        .as_ref()
}

/// Sends a mail into the servers as a mail client would.
pub async fn send(s: &MailServers, mail: lettre::Message) {
    use lettre::AsyncTransport;
    let t = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(s.smtp_port)
        .build();
    t.send(mail).await.expect("the SMTP server takes the mail");
}

/// Every mail in `user`'s mailbox, raw, oldest first.
pub async fn mailbox(s: &MailServers, user: &str) -> Vec<Vec<u8>> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", s.imap_port))
        .await
        .unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap();
    let mut session = client.login(user, "secret").await.map_err(|(e, _)| e).unwrap();
    let mb = session.select("INBOX").await.unwrap();
    let mut out = Vec::new();
    if mb.exists > 0 {
        let mut fetches = session.uid_fetch("1:*", "(UID BODY.PEEK[])").await.unwrap();
        while let Some(f) = fetches.next().await {
            if let Some(b) = f.unwrap().body() {
                out.push(b.to_vec());
            }
        }
    }
    let _ = session.logout().await;
    out
}

/// A header of a raw mail (unfolded), if present.
pub fn header(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let head = text
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ");
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}
