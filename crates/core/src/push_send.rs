//! Delivery of browser pushes: the [`WebPush`] job, one per notification
//! and subscription, queued in the notification's transaction (see
//! `crate::push` for the subscriptions and the key).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use switchboard_domain::time::now_micros;
use switchboard_outbound::webpush::{self, SubscriberKeys};
use switchboard_outbound::{Outcome, classify_status};

use crate::job::{BackgroundJob, JobContext};
use crate::jobs::JobFailure;
use crate::{Core, CoreResult};

/// How long the push service keeps a message for an offline browser.
const TTL_SECS: i64 = 24 * 3600;
/// A push is given up an hour after it was queued: later it is news no more.
const DEADLINE_MICROS: i64 = 3600 * 1_000_000;
const MAX_ATTEMPTS: i32 = 8;
/// Title and body are cut to this many characters (the message must fit
/// one 4096-octet record).
const MAX_TEXT: usize = 400;

/// What a browser gets: Chatwoot's push message (`title`, `tag`, `url`)
/// with the body and the notification it is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushMessage {
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub tag: String,
    pub url: String,
    pub notification_id: i64,
    pub notification_type: String,
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

impl PushMessage {
    pub(crate) fn new(
        core: &Core,
        notification: &switchboard_store::Notification,
        type_name: &str,
        title: &str,
        body: &str,
        display_id: i64,
    ) -> Self {
        PushMessage {
            title: cut(title),
            body: cut(body),
            tag: format!("{type_name}_{display_id}"),
            // The account too: a person in several opens the right one.
            url: format!(
                "{}/app?account={}#/conversations/{display_id}",
                core.public_url(),
                notification.account_id
            ),
            notification_id: notification.id,
            notification_type: type_name.to_string(),
        }
    }
}

/// The jobs that push one notification to each of a user's browsers:
/// queued in the notification's transaction, one per subscription.
pub(crate) async fn queue(
    w: &mut crate::work::Work,
    user_id: i64,
    message: &PushMessage,
    urgent: bool,
) -> CoreResult<()> {
    let subs = w.tx().push_subscriptions(user_id).await?;
    let now = w.now;
    for s in subs {
        let job = WebPush {
            subscription_id: s.id,
            urgent,
            message: message.clone(),
        };
        w.job(crate::job::new_job(
            &job,
            now,
            MAX_ATTEMPTS,
            Some(now + DEADLINE_MICROS),
        ))
        .await?;
    }
    Ok(())
}

/// Pushes one notification to one browser.
#[derive(Debug, Serialize, Deserialize)]
pub struct WebPush {
    pub subscription_id: i64,
    #[serde(default)]
    pub urgent: bool,
    pub message: PushMessage,
}

impl BackgroundJob for WebPush {
    const KIND: &'static str = "web_push";

    fn unique_key(&self) -> Option<String> {
        Some(format!(
            "web_push:{}:{}",
            self.message.notification_id, self.subscription_id
        ))
    }

    async fn run(self, core: Arc<Core>, _ctx: JobContext) -> Result<(), JobFailure> {
        let sub = {
            let mut tx = core.store.read().await?;
            tx.get_push_subscription(self.subscription_id).await?
        };
        // Unsubscribed meanwhile: nothing to send to.
        let Some(sub) = sub else {
            return Ok(());
        };
        let keys = SubscriberKeys::parse(&sub.p256dh, &sub.auth)
            .map_err(|(_, m)| JobFailure::Permanent(format!("the subscription's keys: {m}")))?;
        let plaintext = serde_json::to_vec(&self.message).unwrap_or_default();
        let body = webpush::encrypt(&keys, &plaintext).map_err(|e| JobFailure::Permanent(e.to_string()))?;
        let now_secs = now_micros() / 1_000_000;
        let authorization = core
            .vapid()?
            .authorization(&sub.endpoint, &core.vapid_subject(), now_secs, 12 * 3600)
            .map_err(|e| JobFailure::Permanent(e.to_string()))?;
        let headers = vec![
            ("Authorization".to_string(), authorization),
            ("TTL".to_string(), TTL_SECS.to_string()),
            ("Content-Encoding".to_string(), "aes128gcm".to_string()),
            (
                "Urgency".to_string(),
                if self.urgent { "high" } else { "normal" }.to_string(),
            ),
            // Collapses an unsent older message of the same conversation.
            ("Topic".to_string(), topic(&self.message.tag)),
        ];
        let timeout = crate::jobs::webhook_timeout(&core, None);
        let bound = timeout + crate::jobs::timeout_grace(timeout);
        let permit = core
            .targets
            .acquire(&crate::targets::target_key(&sub.endpoint), bound)
            .await
            .map_err(|w| JobFailure::Defer {
                reason: w.reason.into(),
                after: w.after,
            })?;
        let result = core
            .outbound
            .post_within(&sub.endpoint, &headers, body, "application/octet-stream", bound)
            .await;
        permit.settle(match &result {
            Ok(r) if r.status >= 500 || r.status == 408 => crate::targets::Health::Failed,
            Ok(r) if r.status == 429 || r.status == 425 => crate::targets::Health::Neutral,
            Ok(_) => crate::targets::Health::Answered,
            Err(e) if e.is_permanent() => crate::targets::Health::Neutral,
            Err(_) => crate::targets::Health::Failed,
        });
        let r = match result {
            Ok(r) => r,
            Err(e) if e.is_permanent() => return Err(JobFailure::Permanent(format!("push service: {e}"))),
            Err(e) => {
                return Err(JobFailure::Retry {
                    error: format!("push service: {e}"),
                    after: None,
                });
            }
        };
        if r.status == 404 || r.status == 410 {
            // The browser unsubscribed or the subscription expired.
            let mut tx = core.store.write().await?;
            tx.delete_push_subscription_by_id(sub.id).await?;
            tx.commit().await?;
            tracing::info!(
                subscription = sub.id,
                user = sub.user_id,
                status = r.status,
                "push subscription gone; deleted"
            );
            return Ok(());
        }
        let answer = || {
            let text: String = r.body.chars().take(200).collect();
            format!("push service answered HTTP {}: {}", r.status, text.trim())
        };
        match classify_status(r.status) {
            Outcome::Success => Ok(()),
            Outcome::Retry => Err(JobFailure::Retry {
                error: answer(),
                after: r.retry_after.map(|d| d.min(Duration::from_secs(3600))),
            }),
            Outcome::Permanent => Err(JobFailure::Permanent(answer())),
        }
    }

    async fn gave_up(self, core: Arc<Core>, error: String) {
        let _ = core;
        tracing::warn!(
            subscription = self.subscription_id,
            notification = self.message.notification_id,
            %error,
            "browser push failed"
        );
    }
}

/// RFC 8030's `Topic`: at most 32 base64url characters.
fn topic(tag: &str) -> String {
    tag.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_short_and_plain() {
        assert_eq!(topic("conversation_assignment_12"), "conversation_assignment_12");
        assert_eq!(topic("participating_conversation_new_message_12").len(), 32);
    }
}
