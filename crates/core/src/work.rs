//! A unit of work: one write transaction plus the events and webhook
//! deliveries it records. `commit` writes the outbox rows in the same
//! transaction, commits, then publishes the events and wakes the job runner.

use std::sync::Arc;

use serde_json::Value;
use switchboard_domain::time::now_micros;
use switchboard_domain::{ChannelType, Event};
use switchboard_store::{Inbox, NewDelivery, NewJob, Tx, Webhook};

use crate::{Core, CoreResult};

pub struct Work {
    core: Arc<Core>,
    pub tx: Box<dyn Tx>,
    pub now: i64,
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
            events: Vec::new(),
            webhooks: None,
            deliveries: Vec::new(),
            jobs: Vec::new(),
        })
    }

    pub fn tx(&mut self) -> &mut dyn Tx {
        &mut *self.tx
    }

    pub fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// Records an event in the outbox (written at commit).
    pub async fn emit(&mut self, event: Event) -> CoreResult<()> {
        self.events.push(event);
        Ok(())
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

    /// Queues webhook `event` with `payload` to every subscribed account
    /// webhook and, for API inboxes, to the inbox's webhook_url. `message_id`
    /// marks an API-inbox delivery whose failure fails that message.
    pub async fn webhook(
        &mut self,
        account_id: i64,
        inbox: Option<&Inbox>,
        event: &str,
        payload: &Value,
        message_id: Option<i64>,
    ) -> CoreResult<()> {
        let body = payload.to_string();
        let targets: Vec<(Option<i64>, String)> = self
            .account_webhooks(account_id)
            .await?
            .iter()
            .filter(|w| w.subscribed(event) && w.inbox_id.is_none_or(|id| Some(id) == inbox.map(|i| i.id)))
            .map(|w| (Some(w.id), w.url.clone()))
            .collect();
        for (webhook_id, url) in targets {
            self.delivery(NewDelivery {
                account_id,
                webhook_id,
                inbox_id: None,
                message_id: None,
                delivery_uuid: uuid::Uuid::new_v4().to_string(),
                event: event.to_string(),
                url,
                payload: body.clone(),
            })
            .await?;
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
            delivery_uuid: uuid::Uuid::new_v4().to_string(),
            event: event.to_string(),
            url,
            payload: body,
        })
        .await?;
        Ok(true)
    }

    async fn delivery(&mut self, d: NewDelivery) -> CoreResult<()> {
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
    pub async fn commit(self) -> CoreResult<()> {
        let Work {
            core,
            mut tx,
            now,
            events,
            deliveries,
            mut jobs,
            ..
        } = self;
        tx.insert_events(&events, now).await?;
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
        core.publish(events);
        if queued {
            core.wake_jobs();
        }
        Ok(())
    }
}
