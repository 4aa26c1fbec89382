//! A unit of work: one write transaction plus the events and webhook
//! deliveries it records. `commit` writes the outbox rows in the same
//! transaction (the events, a listener job for each event a listener wants,
//! deliveries and other jobs), commits, then publishes the events and wakes
//! the job runner.

use std::sync::Arc;

use serde_json::Value;
use switchboard_domain::event::{Cause, WebhookPayload};
use switchboard_domain::time::now_micros;
use switchboard_domain::{ChannelType, Event};
use switchboard_store::{Inbox, NewDelivery, NewJob, Tx, Webhook};

use crate::{Core, CoreResult};

/// An event recorded in a [`Work`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef(usize);

pub struct Work {
    core: Arc<Core>,
    pub tx: Box<dyn Tx>,
    pub now: i64,
    /// The cause of events that name none (else their performer's).
    cause: Option<Cause>,
    events: Vec<Event>,
    webhooks: Option<(i64, Vec<Webhook>)>,
    deliveries: Vec<NewDelivery>,
    jobs: Vec<NewJob>,
}

impl Work {
    pub async fn begin(core: &Arc<Core>) -> CoreResult<Work> {
        let tx = core.store.write().await?;
        Ok(Work {
            core: core.clone(),
            tx,
            now: now_micros(),
            cause: None,
            events: Vec::new(),
            webhooks: None,
            deliveries: Vec::new(),
            jobs: Vec::new(),
        })
    }

    /// A unit of work on behalf of the signed-in user: its events are
    /// caused by them.
    pub async fn by(core: &Arc<Core>, ctx: &crate::auth::AccountCtx) -> CoreResult<Work> {
        let mut w = Work::begin(core).await?;
        w.cause = Some(Cause::user(ctx.user.id));
        Ok(w)
    }

    /// A unit of work on behalf of a contact (a website visitor, a Client
    /// API caller).
    pub async fn by_contact(core: &Arc<Core>, contact_id: i64) -> CoreResult<Work> {
        let mut w = Work::begin(core).await?;
        w.cause = Some(Cause::contact(contact_id));
        Ok(w)
    }

    pub fn tx(&mut self) -> &mut dyn Tx {
        &mut *self.tx
    }

    pub fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// What caused this unit's changes, for events that name no cause of
    /// their own: a listener's work is caused by the event it handles, a
    /// platform's deliveries by the channel.
    pub fn set_cause(&mut self, cause: Cause) {
        self.cause = Some(cause);
    }

    /// Gives the events emitted so far that name no cause this unit's (as
    /// the commit would), then forgets it: one job handing several events
    /// to a listener gives each one's consequences their own cause.
    pub fn seal_cause(&mut self) {
        let cause = self.cause.take();
        for e in &mut self.events {
            if e.cause.is_none() {
                e.cause = Some(cause.unwrap_or_else(|| Cause::of_performer(e.performer)));
            }
        }
    }

    /// Records an event in the outbox (written at commit); the reference
    /// attaches its webhook payload ([`Work::webhook`]).
    pub async fn emit(&mut self, event: Event) -> CoreResult<EventRef> {
        self.events.push(event);
        Ok(EventRef(self.events.len() - 1))
    }

    /// Whether anything would receive webhook `event` for this inbox (so the
    /// caller can skip building a payload nobody reads).
    pub async fn wants_webhook(&mut self, account_id: i64, inbox: Option<&Inbox>, event: &str) -> CoreResult<bool> {
        if inbox.is_some_and(|i| i.channel() == ChannelType::API && i.webhook_url.is_some()) {
            return Ok(true);
        }
        let hooks = self.account_webhooks(account_id).await?;
        Ok(hooks
            .iter()
            .any(|w| w.subscribed(event) && w.inbox_id.is_none_or(|id| Some(id) == inbox.map(|i| i.id))))
    }

    async fn account_webhooks(&mut self, account_id: i64) -> CoreResult<&[Webhook]> {
        if self.webhooks.as_ref().is_none_or(|(a, _)| *a != account_id) {
            let list = self.tx.list_webhooks(account_id).await?;
            self.webhooks = Some((account_id, list));
        }
        Ok(self.webhooks.as_ref().map(|(_, l)| l.as_slice()).unwrap_or(&[]))
    }

    /// Raises webhook `event` with `payload` for the event `on`: the
    /// payload is stored with the event and the webhook listener delivers
    /// it to every subscribed account webhook (of `inbox`, or account-wide).
    /// For API inboxes it also goes to the inbox's webhook_url now, that
    /// being how the inbox's replies reach its platform; `message_id` marks
    /// such a delivery whose failure fails that message.
    pub async fn webhook(
        &mut self,
        on: EventRef,
        account_id: i64,
        inbox: Option<&Inbox>,
        event: &str,
        payload: &Value,
        message_id: Option<i64>,
    ) -> CoreResult<()> {
        let body = payload.to_string();
        let inbox_id = inbox.map(|i| i.id);
        let subscribed = self
            .account_webhooks(account_id)
            .await?
            .iter()
            .any(|w| w.subscribed(event) && w.inbox_id.is_none_or(|id| Some(id) == inbox_id));
        if subscribed && let Some(e) = self.events.get_mut(on.0) {
            e.webhook = Some(Box::new(WebhookPayload {
                name: event.to_string(),
                inbox_id,
                body: body.clone(),
            }));
        }
        if let Some(i) = inbox {
            self.inbox_delivery(account_id, i, event, body, message_id).await?;
        }
        Ok(())
    }

    /// The API inbox's own webhook (how its replies reach the platform),
    /// when it has one; nothing for other inboxes.
    pub async fn inbox_delivery(
        &mut self,
        account_id: i64,
        inbox: &Inbox,
        event: &str,
        body: String,
        message_id: Option<i64>,
    ) -> CoreResult<bool> {
        let Some(url) = (inbox.channel() == ChannelType::API)
            .then(|| inbox.webhook_url.clone())
            .flatten()
            .filter(|u| !u.is_empty())
        else {
            return Ok(false);
        };
        self.delivery(NewDelivery {
            account_id,
            webhook_id: None,
            inbox_id: Some(inbox.id),
            message_id,
            automation_rule_id: None,
            agent_bot_id: None,
            delivery_uuid: uuid::Uuid::new_v4().to_string(),
            event: event.to_string(),
            url,
            payload: body,
        })
        .await?;
        Ok(true)
    }

    /// Queues a webhook delivery (a row and its job, written at commit).
    pub(crate) async fn delivery(&mut self, d: NewDelivery) -> CoreResult<()> {
        self.deliveries.push(d);
        Ok(())
    }

    /// Queues a job, written with the rest at commit.
    pub async fn job(&mut self, j: NewJob) -> CoreResult<()> {
        self.jobs.push(j);
        Ok(())
    }

    /// Writes the outbox (events, deliveries and their jobs, other jobs) in
    /// a few multi-row statements, commits, then publishes the events.
    pub async fn commit(mut self) -> CoreResult<()> {
        self.seal_cause();
        let Work {
            core,
            mut tx,
            now,
            mut events,
            deliveries,
            mut jobs,
            ..
        } = self;
        let ids = tx.insert_events(&events, now).await?;
        crate::listen::dispatch(&core, &mut *tx, &events, &ids, now, &mut jobs).await?;
        if !deliveries.is_empty() {
            let deadline = now + core.config.webhook_retry_window.as_micros() as i64;
            for row in tx.insert_deliveries(&deliveries, now).await? {
                jobs.push(crate::job::new_job(
                    &crate::jobs::Deliver { delivery_id: row.id },
                    now,
                    1000,
                    Some(deadline),
                ));
            }
        }
        let queued = tx.insert_jobs(&jobs, now).await? > 0;
        tx.commit().await?;
        for e in &mut events {
            e.webhook = None;
        }
        core.publish(events);
        if queued {
            core.wake_jobs();
        }
        Ok(())
    }
}
