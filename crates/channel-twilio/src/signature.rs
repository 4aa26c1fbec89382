//! `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed with the account's auth
//! token, over the full URL Twilio called followed by every form parameter
//! sorted by name, each as name then value with nothing between.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The signature Twilio sends for a form post of `params` to `url`.
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `header` signs this request. Twilio signs the URL as it called
/// it, which may or may not name the scheme's default port, so both forms
/// are tried. An empty token or header never verifies.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], header: &str) -> bool {
    if auth_token.is_empty() || header.is_empty() {
        return false;
    }
    let header = header.trim().as_bytes();
    url_forms(url).iter().any(|u| {
        let expected = sign(auth_token, u, params);
        subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), header).into()
    })
}

/// `url` as given, and with its scheme's default port added or removed.
fn url_forms(url: &str) -> Vec<String> {
    let mut forms = vec![url.to_string()];
    for (scheme, port) in [("https://", ":443"), ("http://", ":80")] {
        let Some(rest) = url.strip_prefix(scheme) else { continue };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let other = match authority.strip_suffix(port) {
            Some(host) => format!("{scheme}{host}{path}"),
            None if !authority.contains(':') || authority.ends_with(']') => format!("{scheme}{authority}{port}{path}"),
            None => continue,
        };
        forms.push(other);
    }
    forms
}

/// A form body's parameters, in the order sent.
pub fn form_params(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The example in Twilio's security documentation.
    #[test]
    fn twilios_published_example() {
        let params = p(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert_eq!(sign("12345", url, &params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(verify("12345", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        // The order parameters arrive in does not matter; their values do.
        let mut shuffled = params.clone();
        shuffled.reverse();
        assert!(verify("12345", url, &shuffled, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        let mut changed = params.clone();
        changed[2].1 = "1235".into();
        assert!(!verify("12345", url, &changed, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!verify("54321", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!verify(
            "12345",
            "https://mycompany.com/other.php",
            &params,
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        assert!(!verify("12345", url, &params, ""));
        assert!(!verify("", url, &params, &sign("", url, &params)));
    }

    #[test]
    fn the_default_port_may_or_may_not_be_named() {
        let params = p(&[("Body", "hi")]);
        let with = "https://example.com:443/webhooks/twilio/k";
        let without = "https://example.com/webhooks/twilio/k";
        assert!(verify("t", without, &params, &sign("t", with, &params)));
        assert!(verify("t", with, &params, &sign("t", without, &params)));
        let other_port = "https://example.com:8443/webhooks/twilio/k";
        assert!(!verify("t", without, &params, &sign("t", other_port, &params)));
        assert_eq!(
            url_forms("http://127.0.0.1:8080/x"),
            vec!["http://127.0.0.1:8080/x".to_string()]
        );
    }

    #[test]
    fn form_bodies_decode() {
        let got = form_params(b"Body=Hello+there%21&From=%2B15551234567&Body=again");
        assert_eq!(
            got,
            p(&[("Body", "Hello there!"), ("From", "+15551234567"), ("Body", "again")])
        );
    }
}
