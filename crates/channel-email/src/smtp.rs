//! Sending a mail over the inbox's SMTP server.

use switchboard_channel::{Host, InboxRef, SendError};

use super::{HostError, MAIL_TIMEOUT, cfg, cfg_bool, cfg_port, checked_addrs};

/// Sends over the inbox's SMTP server.
pub(super) async fn smtp_send(host: &dyn Host, inbox: &InboxRef<'_>, mail: lettre::Message) -> Result<(), SendError> {
    use lettre::AsyncTransport;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Tls, TlsParameters};
    use lettre::transport::smtp::extension::ClientId;
    if !cfg_bool(inbox, "smtp_enabled", false) {
        return Err(SendError::Permanent(
            "Sending is off for this inbox (no SMTP server)".into(),
        ));
    }
    let server = cfg(inbox, "smtp_address")
        .ok_or_else(|| SendError::Permanent("The inbox has no SMTP server".into()))?
        .to_string();
    let implicit = cfg_bool(inbox, "smtp_enable_ssl_tls", false);
    let starttls = cfg_bool(inbox, "smtp_enable_starttls_auto", true);
    let port = cfg_port(inbox, "smtp_port", if implicit { 465 } else { 587 });
    let addr = match checked_addrs(host, &server, port).await {
        Ok(addrs) => addrs[0],
        Err(HostError::Forbidden(reason)) => return Err(SendError::Permanent(reason)),
        Err(HostError::Unresolved(reason)) => return Err(SendError::Retry { reason, after: None }),
    };
    let verify = cfg(inbox, "smtp_openssl_verify_mode") != Some("none");
    let tls_params = || {
        TlsParameters::builder(server.clone())
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
    let sent = tokio::time::timeout(host.job_lease() / 2, transport.send(mail)).await;
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
