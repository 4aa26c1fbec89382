//! Web Push: the message encryption of RFC 8291 (the `aes128gcm` content
//! coding of RFC 8188 in one record of 4096 octets, keyed by ECDH between a
//! fresh P-256 key and the browser's, and HKDF-SHA256 over the browser's
//! auth secret) and the VAPID `Authorization` of RFC 8292 (an ES256 JWT for
//! the push service's origin).
//!
//! Written here rather than taken from a web-push crate: those bring their
//! own HTTP stack or OpenSSL, while this is some hundred lines over P-256
//! (RustCrypto's `p256`), HKDF (`hkdf`) and AES-128-GCM (`ring`, which TLS
//! already brings), and it is checked against RFC 8291's worked example.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use sha2::Sha256;

/// The record size written in the header (RFC 8291 section 4 asks for 4096).
pub const RECORD_SIZE: u32 = 4096;
/// Salt (16), record size (4), key id length (1), the sender's key (65).
const HEADER_LEN: usize = 16 + 4 + 1 + 65;
/// The padding delimiter (1) and the AEAD tag (16).
const OVERHEAD: usize = 1 + 16;
/// The largest plaintext one record holds: push services accept 4096
/// octets of body, header included.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - HEADER_LEN - OVERHEAD;

/// Why a key or a message could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WebPushError(pub String);

fn err(m: impl Into<String>) -> WebPushError {
    WebPushError(m.into())
}

/// Base64url, as browsers write keys: padding and the standard alphabet's
/// `+` and `/` are accepted too.
pub fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let cleaned: String = s
        .trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    URL_SAFE_NO_PAD.decode(cleaned).ok()
}

pub fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A browser's subscription keys: `p256dh`, its P-256 public key (65 octets,
/// uncompressed), and `auth`, the 16-octet authentication secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberKeys {
    pub p256dh: [u8; 65],
    pub auth: [u8; 16],
}

impl SubscriberKeys {
    /// Reads and checks the keys as a browser gives them (base64url). The
    /// error names the key.
    pub fn parse(p256dh: &str, auth: &str) -> Result<Self, (&'static str, String)> {
        let key = b64_decode(p256dh).ok_or(("p256dh", "p256dh is not base64url".to_string()))?;
        let key: [u8; 65] = key.try_into().map_err(|_| {
            (
                "p256dh",
                "p256dh must be an uncompressed P-256 public key (65 octets)".to_string(),
            )
        })?;
        if PublicKey::from_sec1_bytes(&key).is_err() || key[0] != 4 {
            return Err(("p256dh", "p256dh is not a point on P-256".to_string()));
        }
        let secret = b64_decode(auth).ok_or(("auth", "auth is not base64url".to_string()))?;
        let auth: [u8; 16] = secret
            .try_into()
            .map_err(|_| ("auth", "auth must be 16 octets".to_string()))?;
        Ok(SubscriberKeys { p256dh: key, auth })
    }
}

fn random_secret() -> SecretKey {
    let mut rng = rand::rng();
    loop {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        // Zero or at least the group order: drawn again (odds about 2^-32).
        if let Ok(k) = SecretKey::from_slice(&bytes) {
            return k;
        }
    }
}

/// Encrypts `plaintext` for a subscriber with a fresh key and salt.
pub fn encrypt(keys: &SubscriberKeys, plaintext: &[u8]) -> Result<Vec<u8>, WebPushError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    encrypt_with(keys, plaintext, &random_secret(), &salt)
}

/// RFC 8291 section 3.4 with the sender's key and the salt given: the
/// `aes128gcm` body (header, then one record).
pub fn encrypt_with(
    keys: &SubscriberKeys,
    plaintext: &[u8],
    sender: &SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, WebPushError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(err(format!("the message is over {MAX_PLAINTEXT} octets")));
    }
    let ua_public = PublicKey::from_sec1_bytes(&keys.p256dh).map_err(|_| err("p256dh is not a point on P-256"))?;
    let as_public = sender.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), ua_public.as_affine());

    // PRK_key = HKDF-Extract(auth_secret, ecdh_secret);
    // IKM = HKDF-Expand(PRK_key, "WebPush: info" || 0x00 || ua_public || as_public, 32)
    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(&keys.p256dh);
    key_info.extend_from_slice(as_public.as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&keys.auth), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .map_err(|_| err("HKDF length"))?;

    // PRK = HKDF-Extract(salt, IKM); the content key and the nonce.
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| err("HKDF length"))?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| err("HKDF length"))?;

    // One record, the last: the plaintext, then the delimiter 0x02, no padding.
    let mut record = Vec::with_capacity(plaintext.len() + OVERHEAD);
    record.extend_from_slice(plaintext);
    record.push(2);
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| err("AES key"))?);
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut record)
        .map_err(|_| err("AES-GCM sealing failed"))?;

    let mut body = Vec::with_capacity(HEADER_LEN + record.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(as_public.as_bytes());
    body.extend_from_slice(&record);
    Ok(body)
}

/// The installation's VAPID key pair (RFC 8292).
#[derive(Clone)]
pub struct VapidKey {
    secret: SecretKey,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public_b64())
            .finish_non_exhaustive()
    }
}

impl VapidKey {
    pub fn generate() -> Self {
        VapidKey {
            secret: random_secret(),
        }
    }

    /// The private key as stored: the 32-octet scalar, base64url.
    pub fn from_private_b64(private: &str) -> Result<Self, WebPushError> {
        let bytes = b64_decode(private).ok_or_else(|| err("the VAPID private key is not base64url"))?;
        let secret = SecretKey::from_slice(&bytes).map_err(|_| err("the VAPID private key is not a P-256 scalar"))?;
        Ok(VapidKey { secret })
    }

    /// Both halves as configured: the public key must be the private key's.
    pub fn from_pair_b64(public: &str, private: &str) -> Result<Self, WebPushError> {
        let key = Self::from_private_b64(private)?;
        let given = b64_decode(public).ok_or_else(|| err("the VAPID public key is not base64url"))?;
        if given != key.public_bytes() {
            return Err(err("the VAPID public key does not belong to the private key"));
        }
        Ok(key)
    }

    pub fn private_b64(&self) -> String {
        b64_encode(&self.secret.to_bytes())
    }

    /// The uncompressed public key: what the browser's `applicationServerKey` takes.
    pub fn public_bytes(&self) -> Vec<u8> {
        self.secret.public_key().to_encoded_point(false).as_bytes().to_vec()
    }

    pub fn public_b64(&self) -> String {
        b64_encode(&self.public_bytes())
    }

    /// `Authorization: vapid t=<JWT>, k=<public key>` for a request to
    /// `endpoint`: `aud` its origin, `exp` `now_secs + ttl_secs` (at most 24
    /// hours ahead), `sub` the operator's contact (a mailto: or https URL).
    pub fn authorization(
        &self,
        endpoint: &str,
        subject: &str,
        now_secs: i64,
        ttl_secs: i64,
    ) -> Result<String, WebPushError> {
        let url = url::Url::parse(endpoint).map_err(|e| err(format!("endpoint: {e}")))?;
        let aud = url.origin().ascii_serialization();
        if aud == "null" {
            return Err(err("the endpoint has no origin"));
        }
        let header = b64_encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": aud,
            "exp": now_secs + ttl_secs.clamp(60, 24 * 3600),
            "sub": subject,
        });
        let claims = b64_encode(claims.to_string().as_bytes());
        let input = format!("{header}.{claims}");
        let signature: Signature = SigningKey::from(&self.secret).sign(input.as_bytes());
        Ok(format!(
            "vapid t={input}.{}, k={}",
            b64_encode(&signature.to_bytes()),
            self.public_b64()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    fn d(s: &str) -> Vec<u8> {
        b64_decode(s).unwrap()
    }

    /// RFC 8291, Appendix A: the worked example, byte for byte.
    #[test]
    fn encrypts_rfc_8291_example() {
        let keys = SubscriberKeys::parse(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
            "BTBZMqHH6r4Tts7J_aSIgg",
        )
        .unwrap();
        let sender = SecretKey::from_slice(&d("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")).unwrap();
        assert_eq!(
            b64_encode(sender.public_key().to_encoded_point(false).as_bytes()),
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
        );
        let salt: [u8; 16] = d("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let body = encrypt_with(&keys, b"When I grow up, I want to be a watermelon", &sender, &salt).unwrap();
        assert_eq!(
            b64_encode(&body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml\
             mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT\
             pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
        // A fresh key and salt each time.
        let a = encrypt(&keys, b"x").unwrap();
        let b = encrypt(&keys, b"x").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), HEADER_LEN + 1 + OVERHEAD);
        assert!(encrypt(&keys, &vec![b'a'; MAX_PLAINTEXT]).unwrap().len() <= RECORD_SIZE as usize);
        assert!(encrypt(&keys, &vec![b'a'; MAX_PLAINTEXT + 1]).is_err());
    }

    #[test]
    fn subscriber_keys_are_checked() {
        let good = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
        assert!(SubscriberKeys::parse(good, "BTBZMqHH6r4Tts7J_aSIgg==").is_ok());
        assert_eq!(
            SubscriberKeys::parse("not base64!", "BTBZMqHH6r4Tts7J_aSIgg")
                .unwrap_err()
                .0,
            "p256dh"
        );
        assert_eq!(
            SubscriberKeys::parse(&good[..40], "BTBZMqHH6r4Tts7J_aSIgg")
                .unwrap_err()
                .0,
            "p256dh"
        );
        // 65 octets that are no point on the curve.
        let off = b64_encode(&[4u8; 65]);
        assert_eq!(
            SubscriberKeys::parse(&off, "BTBZMqHH6r4Tts7J_aSIgg").unwrap_err().0,
            "p256dh"
        );
        assert_eq!(SubscriberKeys::parse(good, "BTBZMqHH6r4Tts7J").unwrap_err().0, "auth");
    }

    #[test]
    fn vapid_jwt_verifies_with_the_public_key() {
        let key = VapidKey::generate();
        let again = VapidKey::from_pair_b64(&key.public_b64(), &key.private_b64()).unwrap();
        assert_eq!(again.public_b64(), key.public_b64());
        assert!(VapidKey::from_pair_b64(&VapidKey::generate().public_b64(), &key.private_b64()).is_err());
        let h = key
            .authorization(
                "https://push.example.net:8443/wpush/abc?x=1",
                "mailto:ops@example.com",
                1000,
                43200,
            )
            .unwrap();
        let rest = h.strip_prefix("vapid t=").unwrap();
        let (jwt, k) = rest.split_once(", k=").unwrap();
        assert_eq!(k, key.public_b64());
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let (_, claims) = input.split_once('.').unwrap();
        let claims: serde_json::Value = serde_json::from_slice(&d(claims)).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net:8443");
        assert_eq!(claims["exp"], 1000 + 43200);
        assert_eq!(claims["sub"], "mailto:ops@example.com");
        let vk = VerifyingKey::from_sec1_bytes(&key.public_bytes()).unwrap();
        let sig = Signature::from_slice(&d(sig)).unwrap();
        vk.verify(input.as_bytes(), &sig).unwrap();
        // At most a day ahead.
        let h = key
            .authorization("https://a.test/x", "mailto:a@b.test", 0, 10 * 86400)
            .unwrap();
        let claims = h.split('.').nth(1).unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&d(claims)).unwrap()["exp"],
            86400
        );
    }
}
