//! Account webhooks: CRUD with subscription validation, the delivery log,
//! re-sending a delivery, and the webhook listener that turns events into
//! deliveries.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::event::DEFAULT_WEBHOOK_SUBSCRIPTIONS;
use switchboard_domain::time::{iso, unix_secs};
use switchboard_domain::validate;
use switchboard_store::{Delivery, DeliveryAttempt, NewDelivery, StoreError, Webhook};

use crate::auth::{AccountCtx, random_token};
use crate::params::Params;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult};

/// Outgoing webhooks as an event listener. A change that raises a webhook
/// stores Chatwoot's payload with its event (`Work::webhook`, taken at the
/// change, so it shows the conversation as the change left it); this
/// listener, in order per conversation, queues one delivery per webhook
/// subscribed to the event (account-wide ones, and those of the event's
/// inbox) when it handles the event. Each delivery is then its own job,
/// retried and logged.
pub struct WebhookListener;

impl crate::listen::Listener for WebhookListener {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    fn wants(&self, event: &switchboard_domain::Event) -> bool {
        event.webhook.is_some()
    }

    fn handle<'a>(
        &'a self,
        w: &'a mut Work,
        event: &'a switchboard_store::StoredEvent,
    ) -> futures_util::future::BoxFuture<'a, Result<(), crate::jobs::JobFailure>> {
        Box::pin(async move {
            let (Some(name), Some(body)) = (&event.webhook_name, &event.webhook_payload) else {
                return Ok(());
            };
            let hooks = w.tx().list_webhooks(event.account_id).await?;
            for hook in hooks
                .iter()
                .filter(|h| h.subscribed(name) && h.inbox_id.is_none_or(|id| Some(id) == event.webhook_inbox_id))
            {
                w.delivery(NewDelivery {
                    account_id: event.account_id,
                    webhook_id: Some(hook.id),
                    inbox_id: None,
                    message_id: None,
                    automation_rule_id: None,
                    agent_bot_id: None,
                    delivery_uuid: uuid::Uuid::new_v4().to_string(),
                    event: name.clone(),
                    url: hook.url.clone(),
                    payload: body.clone(),
                })
                .await?;
            }
            Ok(())
        })
    }
}

fn webhook_json(w: &Webhook, inbox: Option<Value>) -> Value {
    json!({
        "id": w.id,
        "name": w.name,
        "url": w.url,
        "account_id": w.account_id,
        "subscriptions": w.subscriptions,
        "secret": w.secret,
        "timeout_secs": w.timeout_secs,
        "webhook_type": if w.inbox_id.is_some() { "inbox_type" } else { "account_type" },
        "inbox": inbox,
    })
}

/// Deliveries a log page lists.
pub(crate) const DELIVERY_PAGE: i64 = 50;

/// A page of one owner's delivery log (a webhook, a rule, a bot):
/// `DELIVERY_PAGE` newest first before `before`, each with its attempts;
/// `meta.next_before` pages on.
pub(crate) async fn deliveries_page(
    tx: &mut dyn switchboard_store::Tx,
    account_id: i64,
    owner: switchboard_store::DeliveryOwner,
    before: Option<i64>,
) -> CoreResult<Value> {
    let list = tx.list_deliveries(account_id, owner, before, DELIVERY_PAGE).await?;
    let ids: Vec<i64> = list.iter().map(|d| d.id).collect();
    let attempts = tx.list_delivery_attempts(&ids).await?;
    let full = list.len() as i64 == DELIVERY_PAGE;
    Ok(json!({
        "meta": { "next_before": if full { list.last().map(|d| d.id) } else { None } },
        "payload": list.iter().map(|d| delivery_json(d, &attempts)).collect::<Vec<_>>(),
    }))
}

fn delivery_json(d: &Delivery, attempts: &[DeliveryAttempt]) -> Value {
    json!({
        "id": d.id,
        "delivery_id": d.delivery_uuid,
        "webhook_id": d.webhook_id,
        "automation_rule_id": d.automation_rule_id,
        "event": d.event,
        "url": d.url,
        "state": d.state,
        "attempts_count": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "payload": serde_json::from_str::<Value>(&d.payload).unwrap_or(Value::Null),
        "created_at": unix_secs(d.created_at),
        "updated_at": unix_secs(d.updated_at),
        "attempts": attempts.iter().filter(|a| a.delivery_id == d.id).map(|a| json!({
            "attempt": a.attempt,
            "status_code": a.status_code,
            "error": a.error,
            "duration_ms": a.duration_ms,
            "at": iso(a.created_at),
        })).collect::<Vec<_>>(),
    })
}

impl Core {
    async fn webhook_with_inbox(
        self: &Arc<Self>,
        tx: &mut dyn switchboard_store::Tx,
        w: &Webhook,
    ) -> CoreResult<Value> {
        let inbox = match w.inbox_id {
            Some(id) => tx
                .get_inbox(w.account_id, id)
                .await?
                .map(|i| json!({"id": i.id, "name": i.name})),
            None => None,
        };
        Ok(webhook_json(w, inbox))
    }

    pub async fn list_webhooks(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let list = tx.list_webhooks(ctx.account_id()).await?;
        let mut out = Vec::with_capacity(list.len());
        for w in &list {
            out.push(self.webhook_with_inbox(&mut *tx, w).await?);
        }
        Ok(json!({ "payload": { "webhooks": out } }))
    }

    fn parse_webhook(p: &Params<'_>, w: &mut Webhook, creating: bool) -> CoreResult<()> {
        if creating || p.has("url") {
            let url = p.req_str("url")?;
            w.url = validate::http_url(&url).map_err(|m| CoreError::invalid("url", m))?;
        }
        if p.has("name") {
            w.name = p.str("name")?.filter(|s| !s.is_empty());
        }
        if p.has("subscriptions") || creating {
            let subs = match p.str_list("subscriptions")? {
                Some(s) => validate::webhook_subscriptions(&s).map_err(|m| CoreError::invalid("subscriptions", m))?,
                None if creating => DEFAULT_WEBHOOK_SUBSCRIPTIONS.iter().map(|s| s.to_string()).collect(),
                None => return Err(CoreError::invalid("subscriptions", "Subscriptions Invalid events")),
            };
            w.subscriptions = json!(subs);
        }
        // Switchboard's own field: this webhook's request timeout (null:
        // the installation's `webhook_timeout_secs`).
        if p.has("timeout_secs") {
            w.timeout_secs = match p.i64("timeout_secs")? {
                None => None,
                Some(t) if crate::jobs::WEBHOOK_TIMEOUT_BOUNDS.contains(&t) => Some(t as i32),
                Some(_) => {
                    return Err(CoreError::invalid(
                        "timeout_secs",
                        format!(
                            "Timeout must be between {} and {} seconds",
                            crate::jobs::WEBHOOK_TIMEOUT_BOUNDS.start(),
                            crate::jobs::WEBHOOK_TIMEOUT_BOUNDS.end()
                        ),
                    ));
                }
            };
        }
        Ok(())
    }

    pub async fn create_webhook(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let p = Params::new(body).nested_or_self("webhook");
        let mut w = Webhook {
            id: 0,
            account_id: ctx.account_id(),
            inbox_id: None,
            name: None,
            url: String::new(),
            webhook_type: 0,
            subscriptions: json!([]),
            secret: random_token(32),
            timeout_secs: None,
            created_at: 0,
            updated_at: 0,
        };
        Self::parse_webhook(&p, &mut w, true)?;
        let mut tx = self.store.write().await?;
        if let Some(inbox_id) = p.i64("inbox_id")? {
            tx.require_inbox(ctx.account_id(), inbox_id).await?;
            w.inbox_id = Some(inbox_id);
            w.webhook_type = 1;
        }
        let now = switchboard_domain::time::now_micros();
        w.created_at = now;
        w.updated_at = now;
        let created = tx.insert_webhook(&w).await.map_err(|e| match e {
            StoreError::Conflict(_) => CoreError::invalid("url", "Url has already been taken"),
            e => e.into(),
        })?;
        let out = self.webhook_with_inbox(&mut *tx, &created).await?;
        tx.commit().await?;
        Ok(json!({ "payload": { "webhook": out } }))
    }

    pub async fn update_webhook(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let p = Params::new(body).nested_or_self("webhook");
        let mut tx = self.store.write().await?;
        let mut w = tx.require_webhook(ctx.account_id(), id).await?;
        Self::parse_webhook(&p, &mut w, false)?;
        if p.has("inbox_id") {
            w.inbox_id = match p.i64("inbox_id")? {
                Some(inbox_id) => Some(tx.require_inbox(ctx.account_id(), inbox_id).await?.id),
                None => None,
            };
        }
        if p.bool("reset_secret")?.unwrap_or(false) {
            w.secret = random_token(32);
        }
        w.updated_at = switchboard_domain::time::now_micros();
        tx.update_webhook(&w).await.map_err(|e| match e {
            StoreError::Conflict(_) => CoreError::invalid("url", "Url has already been taken"),
            e => e.into(),
        })?;
        let out = self.webhook_with_inbox(&mut *tx, &w).await?;
        tx.commit().await?;
        Ok(json!({ "payload": { "webhook": out } }))
    }

    pub async fn delete_webhook(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        if !tx.delete_webhook(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// The delivery log of one webhook, newest first, keyset-paged by id.
    pub async fn webhook_deliveries(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        id: i64,
        before: Option<i64>,
    ) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        tx.require_webhook(ctx.account_id(), id).await?;
        deliveries_page(
            &mut *tx,
            ctx.account_id(),
            switchboard_store::DeliveryOwner::Webhook(id),
            before,
        )
        .await
    }

    /// Queues a delivery again (a new delivery id, the same payload).
    pub async fn redeliver(self: &Arc<Self>, ctx: &AccountCtx, webhook_id: i64, delivery_id: i64) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let hook = w.tx().require_webhook(ctx.account_id(), webhook_id).await?;
        let old = w
            .tx()
            .get_delivery(delivery_id)
            .await?
            .filter(|d| d.webhook_id == Some(hook.id))
            .ok_or(CoreError::NotFound)?;
        let d = NewDelivery {
            account_id: hook.account_id,
            webhook_id: Some(hook.id),
            inbox_id: None,
            message_id: None,
            automation_rule_id: None,
            agent_bot_id: None,
            delivery_uuid: uuid::Uuid::new_v4().to_string(),
            event: old.event.clone(),
            url: hook.url.clone(),
            payload: old.payload.clone(),
        };
        let now = w.now;
        let row = w.tx().insert_delivery(&d, now).await?;
        let deadline = w.now + self.config.webhook_retry_window.as_micros() as i64;
        let job = crate::jobs::Deliver { delivery_id: row.id };
        w.job(crate::job::new_job(&job, w.now, 1000, Some(deadline))).await?;
        w.commit().await?;
        // Re-sent by hand: the target is taken to be back (in this process).
        self.targets.close(&crate::targets::target_key(&hook.url));
        Ok(json!({ "payload": delivery_json(&row, &[]) }))
    }
}
