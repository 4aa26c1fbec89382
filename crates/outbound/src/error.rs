use std::fmt;

/// Why an outbound request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// The request itself is malformed and can never succeed: a URL that does
    /// not parse, is too long, has a scheme other than http/https or has no
    /// host, or a header name/value (including the content type) that cannot
    /// be sent. Permanent.
    #[error("invalid request: {0}")]
    InvalidUrl(String),
    /// The target is not an allowed destination (SSRF protection): an IP
    /// literal in a forbidden range, or a host name none of whose addresses is
    /// allowed. Permanent.
    #[error("target address not allowed: {0}")]
    Forbidden(String),
    /// Connecting or waiting for the response took longer than the configured
    /// timeout.
    #[error("request timed out")]
    Timeout,
    /// The connection could not be established (DNS failure, refused, TLS
    /// handshake failure, ...).
    #[error("connection failed: {0}")]
    Connect(String),
    /// Any other transport failure.
    #[error("request failed: {0}")]
    Other(String),
}

impl OutboundError {
    /// Whether retrying the same request can never help.
    ///
    /// `InvalidUrl` and `Forbidden` are permanent; everything else is treated
    /// as transient.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::InvalidUrl(_) | Self::Forbidden(_))
    }
}

/// Error the guarded resolver returns when every resolved address of a host
/// is forbidden. Recognised again (by downcasting the error chain) to turn
/// the reqwest error into [`OutboundError::Forbidden`].
#[derive(Debug)]
pub(crate) struct AddressNotAllowed {
    pub(crate) host: String,
}

impl fmt::Display for AddressNotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "target address not allowed: {}", self.host)
    }
}

impl std::error::Error for AddressNotAllowed {}

/// Maps a reqwest error to an [`OutboundError`].
pub(crate) fn from_reqwest(err: reqwest::Error) -> OutboundError {
    // Drop the URL: its query string may carry secrets and error messages end
    // up in logs and delivery records.
    let err = err.without_url();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(e) = source {
        if let Some(refused) = e.downcast_ref::<AddressNotAllowed>() {
            return OutboundError::Forbidden(refused.host.clone());
        }
        source = e.source();
    }
    if err.is_timeout() {
        OutboundError::Timeout
    } else if err.is_connect() {
        OutboundError::Connect(error_chain(&err))
    } else if err.is_builder() {
        OutboundError::InvalidUrl(error_chain(&err))
    } else {
        OutboundError::Other(error_chain(&err))
    }
}

/// `outer: inner: innermost`.
fn error_chain(err: &reqwest::Error) -> String {
    let mut out = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        out.push_str(": ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanence() {
        assert!(OutboundError::InvalidUrl("x".into()).is_permanent());
        assert!(OutboundError::Forbidden("x".into()).is_permanent());
        assert!(!OutboundError::Timeout.is_permanent());
        assert!(!OutboundError::Connect("x".into()).is_permanent());
        assert!(!OutboundError::Other("x".into()).is_permanent());
    }
}
