//! Browser push (Web Push with VAPID): a person's browsers subscribe
//! (Chatwoot's `/notification_subscriptions`, `browser_push`), and each
//! notification whose type their settings select for push becomes one
//! [`WebPush`] job per subscription, queued in the notification's
//! transaction. The job encrypts a small JSON message for the browser
//! (RFC 8291, `switchboard_outbound::webpush`), signs a VAPID header with
//! the installation's key, and posts it to the push service through the
//! SSRF-guarded client: 5xx, 429 and network errors retry with backoff,
//! 404 and 410 delete the subscription (the browser dropped it), other 4xx
//! end the job failed with the answer as its last error.
//!
//! The VAPID key is generated at first start and stored as an installation
//! secret (every node signs with the same key), unless the operator gives
//! one (`vapid_public_key`, `vapid_private_key`).

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use switchboard_domain::time::{iso, now_micros};
use switchboard_outbound::check_target_url;
use switchboard_outbound::webpush::{SubscriberKeys, VapidKey};
use switchboard_store::PushSubscription;

use crate::auth::Principal;
use crate::{Core, CoreError, CoreResult};

/// Subscriptions kept per person: a new one beyond this drops the one renewed
/// longest ago (browsers change endpoints and rarely say so, so a cap that
/// refused would lock out someone whose old browsers never unsubscribed).
pub const MAX_SUBSCRIPTIONS: i64 = 20;
/// The longest endpoint taken.
const MAX_ENDPOINT_LEN: usize = 2048;

impl Core {
    pub(crate) async fn vapid_init(self: &Arc<Self>) -> CoreResult<()> {
        if let Some(sub) = &self.config.vapid_subject
            && !(sub.starts_with("mailto:") || sub.starts_with("https://"))
        {
            return Err(CoreError::Internal(format!(
                "the VAPID subject must be a mailto: or https URL, not {sub:?}"
            )));
        }
        let key = match (&self.config.vapid_public_key, &self.config.vapid_private_key) {
            (Some(public), Some(private)) => {
                VapidKey::from_pair_b64(public, private).map_err(|e| CoreError::Internal(format!("vapid keys: {e}")))?
            }
            (None, None) => {
                let mut tx = self.store.write().await?;
                let stored = tx
                    .instance_secret("vapid_private_key", &VapidKey::generate().private_b64())
                    .await?;
                tx.commit().await?;
                VapidKey::from_private_b64(&stored)
                    .map_err(|e| CoreError::Internal(format!("the stored vapid key: {e}")))?
            }
            _ => {
                return Err(CoreError::Internal(
                    "give both the VAPID public and private key, or neither".into(),
                ));
            }
        };
        let _ = self.vapid.set(key);
        Ok(())
    }

    /// The installation's VAPID key (loaded by `init`).
    pub fn vapid(&self) -> CoreResult<&VapidKey> {
        self.vapid
            .get()
            .ok_or_else(|| CoreError::Internal("the VAPID key is not loaded".into()))
    }

    /// The public key browsers subscribe with (`applicationServerKey`).
    pub fn vapid_public_key(&self) -> String {
        self.vapid.get().map(VapidKey::public_b64).unwrap_or_default()
    }

    /// Who runs this server, for push services (`sub`): the configured
    /// subject, else the installation's mail sender, else the public URL
    /// when it is https, else `mailto:noreply@` its host (the mail sender's
    /// default; some push services refuse a plain http subject).
    pub fn vapid_subject(&self) -> String {
        if let Some(s) = &self.config.vapid_subject {
            return s.clone();
        }
        if let Some(from) = &self.config.mail_from {
            let addr = match (from.rfind('<'), from.rfind('>')) {
                (Some(a), Some(b)) if a < b => &from[a + 1..b],
                _ => from.as_str(),
            };
            if addr.contains('@') {
                return format!("mailto:{}", addr.trim());
            }
        }
        let public = self.public_url();
        if public.starts_with("https://") {
            return public.to_string();
        }
        let host = url::Url::parse(public)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into());
        format!("mailto:noreply@{host}")
    }

    /// `GET /api/v1/notification_subscriptions`: the key to subscribe with
    /// and the caller's subscriptions.
    pub async fn push_subscriptions(&self, p: &Principal) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let subs = tx.push_subscriptions(p.user.id).await?;
        Ok(json!({
            "vapid_public_key": self.vapid_public_key(),
            "payload": subs.iter().map(subscription_json).collect::<Vec<_>>(),
        }))
    }

    /// `POST /api/v1/notification_subscriptions`: records (or renews) the
    /// caller's browser.
    pub async fn subscribe_push(&self, p: &Principal, body: &Value) -> CoreResult<Value> {
        let req = read_subscription(body, self.outbound.config().allow_private_targets)?;
        let mut tx = self.store.write().await?;
        let now = now_micros();
        let row = tx
            .upsert_push_subscription(p.user.id, &req.endpoint, &req.p256dh, &req.auth, MAX_SUBSCRIPTIONS, now)
            .await?;
        tx.commit().await?;
        Ok(subscription_json(&row))
    }

    /// `DELETE /api/v1/notification_subscriptions`: forgets the caller's
    /// subscription of that endpoint (Chatwoot's `push_token`); nothing
    /// else is touched, and an unknown endpoint is not an error.
    pub async fn unsubscribe_push(&self, p: &Principal, body: &Value) -> CoreResult<()> {
        let o = body.get("notification_subscription").unwrap_or(body);
        let token = ["push_token", "endpoint"].iter().find_map(|k| {
            o.get(*k)
                .or_else(|| o.get("subscription_attributes").and_then(|a| a.get(*k)))
        });
        let endpoint = match token {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(CoreError::invalid("push_token", "push_token must be a string")),
        };
        let mut tx = self.store.write().await?;
        tx.delete_push_subscription(p.user.id, &endpoint).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Chatwoot's `render json: notification_subscription`.
fn subscription_json(s: &PushSubscription) -> Value {
    json!({
        "id": s.id,
        "user_id": s.user_id,
        "subscription_type": "browser_push",
        "subscription_attributes": { "endpoint": s.endpoint, "p256dh": s.p256dh, "auth": s.auth },
        "identifier": s.endpoint,
        "created_at": iso(s.created_at),
        "updated_at": iso(s.updated_at),
    })
}

struct NewSubscription {
    endpoint: String,
    p256dh: String,
    auth: String,
}

fn string_field(o: &Map<String, Value>, key: &'static str) -> CoreResult<String> {
    match o.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        None | Some(Value::Null) => Err(CoreError::invalid(key, format!("{key} can't be blank"))),
        Some(Value::String(_)) => Err(CoreError::invalid(key, format!("{key} can't be blank"))),
        Some(_) => Err(CoreError::invalid(key, format!("{key} must be a string"))),
    }
}

/// Chatwoot's body (`{notification_subscription: {subscription_type,
/// subscription_attributes: {endpoint, p256dh, auth}}}`), or the same
/// unwrapped; the keys may also sit in `keys` as `PushSubscription.toJSON()`
/// writes them.
fn read_subscription(body: &Value, allow_private: bool) -> CoreResult<NewSubscription> {
    let o = body.get("notification_subscription").unwrap_or(body);
    let Some(o) = o.as_object() else {
        return Err(CoreError::invalid(
            "notification_subscription",
            "notification_subscription must be an object",
        ));
    };
    match o.get("subscription_type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t == "browser_push" => {}
        Some(Value::String(t)) => {
            return Err(CoreError::invalid(
                "subscription_type",
                format!("subscription_type {t} is not supported (browser_push is)"),
            ));
        }
        Some(_) => {
            return Err(CoreError::invalid(
                "subscription_type",
                "subscription_type must be a string",
            ));
        }
    }
    let attrs = match o.get("subscription_attributes") {
        Some(Value::Object(a)) => a,
        None | Some(Value::Null) => {
            return Err(CoreError::invalid(
                "subscription_attributes",
                "subscription_attributes can't be blank",
            ));
        }
        Some(_) => {
            return Err(CoreError::invalid(
                "subscription_attributes",
                "subscription_attributes must be an object",
            ));
        }
    };
    let endpoint = string_field(attrs, "endpoint")?;
    check_endpoint(&endpoint, allow_private)?;
    let keys = match attrs.get("keys") {
        Some(Value::Object(k)) if !attrs.contains_key("p256dh") => k,
        _ => attrs,
    };
    let p256dh = string_field(keys, "p256dh")?;
    let auth = string_field(keys, "auth")?;
    SubscriberKeys::parse(&p256dh, &auth).map_err(|(attr, m)| CoreError::invalid(attr, m))?;
    Ok(NewSubscription { endpoint, p256dh, auth })
}

/// A push service's endpoint: an absolute https URL, through the same
/// address check as every outbound call (plain http only to this machine,
/// and only where private targets are allowed, as in development).
fn check_endpoint(endpoint: &str, allow_private: bool) -> CoreResult<()> {
    let bad = |m: String| CoreError::invalid("endpoint", m);
    if endpoint.len() > MAX_ENDPOINT_LEN {
        return Err(bad(format!("endpoint is longer than {MAX_ENDPOINT_LEN} characters")));
    }
    let url = check_target_url(endpoint, allow_private).map_err(|e| bad(format!("endpoint: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("endpoint must not carry credentials".into()));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_private && loopback => Ok(()),
        _ => Err(bad("endpoint must be an https URL".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_https_or_local_when_allowed() {
        assert!(check_endpoint("https://fcm.googleapis.com/fcm/send/abc", false).is_ok());
        assert!(check_endpoint("http://push.example.com/x", false).is_err());
        assert!(check_endpoint("http://push.example.com/x", true).is_err());
        assert!(check_endpoint("http://127.0.0.1:9/x", false).is_err());
        assert!(check_endpoint("http://127.0.0.1:9/x", true).is_ok());
        assert!(check_endpoint("https://10.0.0.1/x", false).is_err());
        assert!(check_endpoint("https://u:p@push.example.com/x", false).is_err());
        assert!(check_endpoint("/relative", true).is_err());
        assert!(check_endpoint("ftp://push.example.com/x", true).is_err());
    }
}
