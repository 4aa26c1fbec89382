//! Cookie sessions for the browser dashboard.
//!
//! Signing in sets two cookies: `sb_session` (HttpOnly, SameSite=Lax, Secure
//! when the public URL is https) carries the same devise-style session as the
//! `access-token`/`client`/`uid` headers, and `sb_csrf` (readable by the page)
//! holds a random value the dashboard echoes in `X-CSRF-Token` on every
//! unsafe request (double submit). A cookie-authenticated write is refused
//! unless that header matches and the `Origin`, when the browser sends one, is
//! the public URL's origin. Token and header authentication are unaffected:
//! a foreign page cannot attach those.

use axum::http::{HeaderMap, HeaderValue, Method, header};

pub const SESSION_COOKIE: &str = "sb_session";
pub const CSRF_COOKIE: &str = "sb_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session a `sb_session` cookie names.
pub struct CookieSession {
    pub uid: String,
    pub client: String,
    pub token: String,
}

/// The value of one cookie among the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `client.token.uid` with the e-mail percent-encoded; client and token are
/// alphanumeric, so the dots are unambiguous.
pub fn encode(uid: &str, client: &str, token: &str) -> String {
    let uid: String = form_urlencoded::byte_serialize(uid.as_bytes()).collect();
    format!("{client}.{token}.{uid}")
}

pub fn decode(value: &str) -> Option<CookieSession> {
    let mut it = value.splitn(3, '.');
    let client = it.next()?.to_string();
    let token = it.next()?.to_string();
    let enc = it.next()?;
    let uid = form_urlencoded::parse(format!("u={enc}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    (alnum(&client) && alnum(&token) && !uid.is_empty()).then_some(CookieSession { uid, client, token })
}

/// `scheme://host[:port]` of a URL, lower-cased, as browsers send `Origin`.
pub fn origin_of(url: &str) -> String {
    let url = url.trim();
    let rest_at = url.find("://").map(|i| i + 3).unwrap_or(0);
    let end = url[rest_at..].find('/').map(|i| rest_at + i).unwrap_or(url.len());
    url[..end].to_ascii_lowercase()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request carries no `Origin` or the public URL's (`null` and
/// unreadable values are foreign).
pub fn same_origin_or_none(headers: &HeaderMap, public_url: &str) -> bool {
    match headers.get(header::ORIGIN) {
        None => true,
        Some(v) => v
            .to_str()
            .is_ok_and(|origin| origin.trim().to_ascii_lowercase() == origin_of(public_url)),
    }
}

/// Whether a cookie-authenticated request may go ahead: reads always; writes
/// only with the CSRF header matching its cookie and from our own origin.
pub fn write_allowed(method: &Method, headers: &HeaderMap, public_url: &str) -> bool {
    if is_safe(method) {
        return true;
    }
    if !same_origin_or_none(headers, public_url) {
        return false;
    }
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::trim);
    match (sent, cookie(headers, CSRF_COOKIE)) {
        (Some(sent), Some(expected)) if !sent.is_empty() => switchboard_core::auth::ct_eq(sent, &expected),
        _ => false,
    }
}

fn attributes(public_url: &str) -> &'static str {
    if public_url.trim().to_ascii_lowercase().starts_with("https://") {
        "; Path=/; SameSite=Lax; Secure"
    } else {
        "; Path=/; SameSite=Lax"
    }
}

/// Adds the session and CSRF cookies to a sign-in response.
pub fn set(headers: &mut HeaderMap, public_url: &str, uid: &str, client: &str, token: &str, max_age_secs: i64) {
    let attrs = attributes(public_url);
    let csrf = switchboard_core::auth::random_token(32);
    let max_age = max_age_secs.max(0);
    for value in [
        format!(
            "{SESSION_COOKIE}={}; HttpOnly; Max-Age={max_age}{attrs}",
            encode(uid, client, token)
        ),
        format!("{CSRF_COOKIE}={csrf}; Max-Age={max_age}{attrs}"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.append(header::SET_COOKIE, v);
        }
    }
}

/// Expires both cookies (sign-out).
pub fn clear(headers: &mut HeaderMap, public_url: &str) {
    let attrs = attributes(public_url);
    for value in [
        format!("{SESSION_COOKIE}=; HttpOnly; Max-Age=0{attrs}"),
        format!("{CSRF_COOKIE}=; Max-Age=0{attrs}"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.append(header::SET_COOKIE, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_values_round_trip_and_reject_junk() {
        let v = encode("ann+support@example.com", "abc123", "XYZ789");
        let s = decode(&v).unwrap();
        assert_eq!(
            (s.uid.as_str(), s.client.as_str(), s.token.as_str()),
            ("ann+support@example.com", "abc123", "XYZ789")
        );
        assert!(decode("abc").is_none());
        assert!(decode("a.b").is_none());
        assert!(decode("a-b.c.d@e").is_none());
        assert!(decode("a..x@y").is_none());
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://Support.Example.com/app/x"),
            "https://support.example.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
    }
}
