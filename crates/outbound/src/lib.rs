//! Outbound HTTP for Switchboard: SSRF-guarded webhook delivery.
//!
//! * [`OutboundClient`] posts to customer-supplied URLs while refusing
//!   loopback, private, link-local and other non-public destinations
//!   (see [`is_forbidden_ip`]). Host names are checked *after* resolution,
//!   inside the resolver reqwest connects through, so the addresses that were
//!   checked are exactly the addresses that get connected to.
//! * [`sign_webhook`] / [`verify_webhook_signature`] implement the Chatwoot
//!   (v4.11+) webhook signature scheme.
//! * [`backoff_delay`] and [`classify_status`] support retry scheduling.
//! * [`webpush`]: RFC 8291 message encryption and RFC 8292 VAPID headers.

mod backoff;
mod client;
mod error;
mod ip;
mod signing;
pub mod webpush;

pub use backoff::backoff_delay;
pub use client::{
    MAX_RESPONSE_BODY_BYTES, MAX_URL_LEN, OutboundClient, OutboundConfig, OutboundResponse, Outcome, check_target_url,
    classify_status,
};
pub use error::OutboundError;
pub use ip::is_forbidden_ip;
pub use signing::{sign_webhook, verify_webhook_signature};

/// Installs rustls' `ring` crypto provider as the process-wide default.
///
/// Safe to call any number of times and from any thread; if a provider has
/// already been installed (by this function or by anyone else) that provider
/// is kept. [`OutboundClient::new`] calls this itself.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // `Err` only means some provider is already the default: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
