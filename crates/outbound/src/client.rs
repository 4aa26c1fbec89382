//! The SSRF-guarded HTTP client.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use url::{Host, Url};

use crate::error::{AddressNotAllowed, OutboundError, from_reqwest};
use crate::ip::is_forbidden_ip;

/// Longest URL (in bytes) [`OutboundClient`] accepts.
pub const MAX_URL_LEN: usize = 2048;
/// How much of a response body [`OutboundClient`] reads and keeps.
pub const MAX_RESPONSE_BODY_BYTES: usize = 4096;

/// Request headers the caller may not set: they are derived from the request
/// itself, and letting a caller override them would desynchronise framing.
const RESERVED_HEADERS: &[HeaderName] = &[
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
    header::CONNECTION,
    header::HOST,
    header::TE,
    header::UPGRADE,
];

/// Configuration for [`OutboundClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundConfig {
    /// Allow loopback, private and other non-public targets (see
    /// [`is_forbidden_ip`](crate::is_forbidden_ip)). For development and
    /// tests only.
    pub allow_private_targets: bool,
    /// Limit for connecting, and separately for the whole request (connect,
    /// send, response headers and the part of the body that is read).
    pub timeout: Duration,
    /// `User-Agent` header sent with every request.
    pub user_agent: String,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            timeout: Duration::from_secs(10),
            user_agent: concat!("Switchboard/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// What came back from the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundResponse {
    /// HTTP status code.
    pub status: u16,
    /// The first [`MAX_RESPONSE_BODY_BYTES`] bytes of the body, decoded as
    /// UTF-8 with invalid sequences replaced.
    pub body: String,
    /// The `Retry-After` header, when it is given in (integer) seconds.
    pub retry_after: Option<Duration>,
}

/// How a delivery attempt that got an HTTP response should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Delivered.
    Success,
    /// Try again later.
    Retry,
    /// Give up: retrying the same request will not help.
    Permanent,
}

/// Classifies an HTTP status code for webhook delivery.
///
/// * `2xx` → [`Outcome::Success`].
/// * `408 Request Timeout`, `425 Too Early`, `429 Too Many Requests` →
///   [`Outcome::Retry`]: the server explicitly asks to try again.
/// * every other `3xx` and `4xx` → [`Outcome::Permanent`]. Redirects are
///   never followed (a redirect could point anywhere, including internal
///   addresses), so a `3xx` will recur on every attempt; a `4xx` says the
///   request itself or the endpoint configuration is wrong. Endpoints do
///   sometimes flap (a `404` or `401` during a deploy), but retrying a
///   client error on a schedule mostly hammers misconfigured endpoints; the
///   fix for those is for the operator to correct the endpoint and redeliver.
/// * everything else (`5xx`, `1xx`, codes outside `100..=599`) →
///   [`Outcome::Retry`]: server-side trouble is usually transient.
pub fn classify_status(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Success,
        408 | 425 | 429 => Outcome::Retry,
        300..=499 => Outcome::Permanent,
        _ => Outcome::Retry,
    }
}

/// An HTTP client for user-configured URLs (webhooks) that refuses to reach
/// non-public addresses.
///
/// Guarantees, for every request:
///
/// * only `http` and `https` URLs of at most [`MAX_URL_LEN`] bytes;
/// * an IP-literal host is refused when [`is_forbidden_ip`](crate::is_forbidden_ip)
///   says so;
/// * a host name is resolved by this crate's resolver, which drops
///   forbidden addresses; reqwest connects only to the addresses that
///   survive, so there is no window between checking and connecting (no DNS
///   rebinding);
/// * redirects are not followed and no proxy is used (environment proxy
///   settings are ignored);
/// * the configured timeout bounds connecting and the whole request.
///
/// With [`OutboundConfig::allow_private_targets`] the address checks are
/// skipped; everything else stays the same.
///
/// Cloning is cheap: clones share the connection pool.
#[derive(Debug, Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    config: Arc<OutboundConfig>,
}

impl OutboundClient {
    /// Builds a client. Installs the rustls crypto provider if none is
    /// installed yet (see [`install_crypto_provider`](crate::install_crypto_provider)).
    ///
    /// Fails with [`OutboundError::Other`] only if the TLS backend cannot be
    /// initialised or the user agent is not a valid header value.
    pub fn new(config: OutboundConfig) -> Result<Self, OutboundError> {
        crate::install_crypto_provider();
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| OutboundError::Other("user agent is not a valid header value".into()))?;
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(GuardedResolver {
                allow_private_targets: config.allow_private_targets,
            })
            .connect_timeout(config.timeout)
            .timeout(config.timeout)
            .build()
            .map_err(|e| OutboundError::Other(format!("building HTTP client: {e}")))?;
        Ok(Self {
            http,
            config: Arc::new(config),
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &OutboundConfig {
        &self.config
    }

    /// POSTs `body` with the given `Content-Type` and extra headers.
    ///
    /// Any HTTP response, whatever its status, is `Ok` (use
    /// [`classify_status`]). Caller headers named `Content-Type`,
    /// `Content-Length`, `Transfer-Encoding`, `Connection`, `Host`, `TE` or
    /// `Upgrade` are ignored. If reading the body fails after the status and
    /// headers arrived, the response is still returned, with the body read
    /// so far.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<OutboundResponse, OutboundError> {
        self.post_within(url, headers, body, content_type, self.config.timeout)
            .await
    }

    /// [`post`](Self::post) with its own limit for the whole request
    /// (connecting is still bounded by the configured timeout).
    pub async fn post_within(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        content_type: &str,
        timeout: Duration,
    ) -> Result<OutboundResponse, OutboundError> {
        let url = self.check_url(url)?;
        let headers = build_headers(headers, content_type)?;
        let response = self
            .http
            .post(url)
            .headers(headers)
            .body(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(from_reqwest)?;
        Ok(read_response(response).await)
    }

    /// Parses and vets a URL: scheme, length, host and (for IP literals)
    /// the address.
    fn check_url(&self, raw: &str) -> Result<Url, OutboundError> {
        check_target_url(raw, self.config.allow_private_targets)
    }
}

/// The check every request's URL passes before anything is resolved:
/// http or https, at most [`MAX_URL_LEN`] bytes, a host, and an IP-literal
/// host not forbidden (unless `allow_private_targets`). Host names are
/// judged after resolution, when connecting. Use it to refuse a URL when it
/// is given rather than when it is first called.
pub fn check_target_url(raw: &str, allow_private_targets: bool) -> Result<Url, OutboundError> {
    if raw.len() > MAX_URL_LEN {
        return Err(OutboundError::InvalidUrl(format!(
            "URL longer than {MAX_URL_LEN} bytes"
        )));
    }
    let url = Url::parse(raw).map_err(|e| OutboundError::InvalidUrl(e.to_string()))?;
    if url.as_str().len() > MAX_URL_LEN {
        return Err(OutboundError::InvalidUrl(format!(
            "URL longer than {MAX_URL_LEN} bytes"
        )));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OutboundError::InvalidUrl(format!(
            "unsupported scheme {:?}",
            url.scheme()
        )));
    }
    let ip = match url.host() {
        None => return Err(OutboundError::InvalidUrl("URL has no host".into())),
        Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        // The URL parser already turns every IPv4 spelling into
        // `Host::Ipv4`; this is belt and braces in case a domain would
        // still be taken for an IP literal further down.
        Some(Host::Domain(domain)) => domain.parse::<IpAddr>().ok(),
    };
    if let Some(ip) = ip
        && !allow_private_targets
        && is_forbidden_ip(ip)
    {
        return Err(OutboundError::Forbidden(ip.to_string()));
    }
    Ok(url)
}

fn build_headers(extra: &[(String, String)], content_type: &str) -> Result<HeaderMap, OutboundError> {
    let mut map = HeaderMap::with_capacity(extra.len() + 1);
    let content_type =
        HeaderValue::from_str(content_type).map_err(|_| OutboundError::InvalidUrl("invalid content type".into()))?;
    map.insert(header::CONTENT_TYPE, content_type);
    for (name, value) in extra {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| OutboundError::InvalidUrl(format!("invalid header name {name:?}")))?;
        if RESERVED_HEADERS.contains(&name) {
            tracing::debug!(header = %name, "ignoring reserved outbound header");
            continue;
        }
        let value = HeaderValue::from_str(value)
            .map_err(|_| OutboundError::InvalidUrl(format!("invalid value for header {name}")))?;
        map.append(name, value);
    }
    Ok(map)
}

async fn read_response(mut response: reqwest::Response) -> OutboundResponse {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);

    let mut body = Vec::new();
    while body.len() < MAX_RESPONSE_BODY_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_RESPONSE_BODY_BYTES - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => break,
            Err(e) => {
                tracing::debug!(status, error = %e.without_url(), "reading response body failed");
                break;
            }
        }
    }
    OutboundResponse {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
        retry_after,
    }
}

/// Resolves host names with the system resolver and drops forbidden
/// addresses, so reqwest can only connect to vetted addresses.
struct GuardedResolver {
    allow_private_targets: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private_targets = self.allow_private_targets;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let mut refused = 0usize;
            let allowed: Vec<SocketAddr> = resolved
                .filter(|addr| {
                    let ok = allow_private_targets || !is_forbidden_ip(addr.ip());
                    refused += usize::from(!ok);
                    ok
                })
                .collect();
            if allowed.is_empty() {
                if refused == 0 {
                    return Err(std::io::Error::other(format!("{host}: no addresses found")).into());
                }
                tracing::warn!(%host, refused, "refusing outbound request: no allowed address");
                return Err(AddressNotAllowed { host }.into());
            }
            if refused > 0 {
                tracing::debug!(%host, refused, "dropped forbidden addresses");
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(allow: bool) -> OutboundClient {
        OutboundClient::new(OutboundConfig {
            allow_private_targets: allow,
            ..OutboundConfig::default()
        })
        .unwrap_or_else(|e| panic!("client: {e}"))
    }

    #[test]
    fn statuses() {
        for s in [200, 201, 202, 204, 299] {
            assert_eq!(classify_status(s), Outcome::Success, "{s}");
        }
        for s in [408, 425, 429, 500, 502, 503, 504, 599, 100, 101, 0, 600, 999] {
            assert_eq!(classify_status(s), Outcome::Retry, "{s}");
        }
        for s in [
            300, 301, 302, 304, 307, 308, 400, 401, 403, 404, 405, 409, 410, 413, 422, 499,
        ] {
            assert_eq!(classify_status(s), Outcome::Permanent, "{s}");
        }
    }

    #[test]
    fn url_checks() {
        let c = client(false);
        let invalid = [
            "not a url",
            "ftp://example.com/",
            "file:///etc/passwd",
            "gopher://example.com/",
            "unix:/var/run/docker.sock",
            "data:text/plain,hi",
        ];
        for u in invalid {
            assert!(matches!(c.check_url(u), Err(OutboundError::InvalidUrl(_))), "{u}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(matches!(c.check_url(&long), Err(OutboundError::InvalidUrl(_))));

        let forbidden = [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0/",
            "http://[::1]:8080/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://169.254.169.254/latest/meta-data/",
            "https://10.0.0.1/hook",
            "http://user:pass@192.168.1.1/",
            "http://[fe80::1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
        ];
        for u in forbidden {
            assert!(
                matches!(c.check_url(u), Err(OutboundError::Forbidden(_))),
                "{u}: {:?}",
                c.check_url(u)
            );
        }

        for u in [
            "https://example.com/hook",
            "http://8.8.8.8:8080/x?y=z",
            "https://[2606:4700:4700::1111]/",
            "https://user:pw@example.com/",
        ] {
            assert!(c.check_url(u).is_ok(), "{u}");
        }

        let permissive = client(true);
        assert!(permissive.check_url("http://127.0.0.1:1/").is_ok());
        assert!(permissive.check_url("http://[::1]/").is_ok());
        assert!(matches!(
            permissive.check_url("ftp://127.0.0.1/"),
            Err(OutboundError::InvalidUrl(_))
        ));
    }

    #[test]
    fn headers() {
        let extra = vec![
            ("X-Chatwoot-Signature".to_owned(), "sha256=ab".to_owned()),
            ("content-length".to_owned(), "999".to_owned()),
            ("Host".to_owned(), "internal".to_owned()),
            ("x-multi".to_owned(), "1".to_owned()),
            ("x-multi".to_owned(), "2".to_owned()),
        ];
        let map = build_headers(&extra, "application/json").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            map.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        assert_eq!(
            map.get("x-chatwoot-signature").map(|v| v.as_bytes()),
            Some(&b"sha256=ab"[..])
        );
        assert!(map.get(header::CONTENT_LENGTH).is_none());
        assert!(map.get(header::HOST).is_none());
        assert_eq!(map.get_all("x-multi").iter().count(), 2);

        let bad_name = vec![("bad name".to_owned(), "v".to_owned())];
        assert!(matches!(
            build_headers(&bad_name, "text/plain"),
            Err(OutboundError::InvalidUrl(_))
        ));
        let bad_value = vec![("x".to_owned(), "a\r\nb".to_owned())];
        assert!(matches!(
            build_headers(&bad_value, "text/plain"),
            Err(OutboundError::InvalidUrl(_))
        ));
        assert!(matches!(build_headers(&[], "a\nb"), Err(OutboundError::InvalidUrl(_))));
    }

    #[test]
    fn bad_user_agent() {
        let r = OutboundClient::new(OutboundConfig {
            user_agent: "a\nb".into(),
            ..OutboundConfig::default()
        });
        assert!(matches!(r, Err(OutboundError::Other(_))));
    }
}
