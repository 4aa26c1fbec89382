//! Messaging platforms, through the registered [`Channels`]. Core never
//! names a platform: it asks the inbox's channel (found by the inbox's
//! stored code) to verify and parse what arrives, to send, to fetch files,
//! to check and show its settings, whether a reply may be sent, and which
//! periodic work its inboxes need. What is shared lives here: the delivery
//! pipeline (`send`: one job per outgoing message, ordered per destination,
//! paced, retried with backoff, failing visibly), the inbound path
//! (`inbound`: contact, conversation, de-duplicated message, attachments),
//! threading of inbound mail (`mail`), and the [`Host`] a channel gets.

mod inbound;
pub mod mail;
pub(crate) mod send;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use switchboard_store::Inbox;

pub use send::SendBatches;
pub use switchboard_channel::{
    Channel, ChannelError, Channels, ContactRef, Created, Cursor, Delivered, Fetched, Field, FieldKind, Host, Inbound,
    InboundMail, InboundMessage, InboxRef, Limiter, Limits, MediaRef, NewInbox, Outgoing, OutgoingFile, SendError,
    Thread,
};

use crate::{Core, CoreError, CoreResult};

impl From<ChannelError> for CoreError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::Invalid { field, message } => CoreError::invalid(&field, message),
            ChannelError::Unauthorized(m) => CoreError::Unauthorized(m),
            ChannelError::Forbidden => CoreError::forbidden(),
            ChannelError::NotFound => CoreError::NotFound,
        }
    }
}

/// The inbox as its channel sees it.
pub fn inbox_ref(i: &Inbox) -> InboxRef<'_> {
    InboxRef {
        id: i.id,
        account_id: i.account_id,
        name: &i.name,
        key: &i.channel_key,
        secret: &i.secret,
        config: &i.channel_config,
        settings: &i.settings,
        created_at: i.created_at,
    }
}

/// A contact's addresses, blanks left out.
pub fn contact_ref(c: &switchboard_store::Contact) -> ContactRef<'_> {
    fn some(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.trim().is_empty())
    }
    ContactRef {
        email: some(&c.email),
        phone: some(&c.phone_number),
    }
}

/// Sends one outgoing message to its platform. Sends to one chat run one
/// at a time, in order (the queue key); a send that gives up marks its
/// message failed with the platform's reason.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ChannelSend {
    pub message_id: i64,
}

impl crate::job::BackgroundJob for ChannelSend {
    const KIND: &'static str = "channel_send";
    const STOPPED: &'static str = "Sending stopped on an internal error; the message was not sent";

    async fn run(self, core: Arc<Core>, _ctx: crate::job::JobContext) -> Result<(), crate::jobs::JobFailure> {
        use crate::jobs::JobFailure;
        core.channel_send(self.message_id).await.map_err(|e| match e {
            SendError::Retry { reason, after } => JobFailure::Retry { error: reason, after },
            SendError::Permanent(reason) => JobFailure::Permanent(reason),
            SendError::Defer { reason, after } => JobFailure::Defer { reason, after },
        })
    }

    async fn gave_up(self, core: Arc<Core>, error: String) {
        if let Err(e) = core.fail_message(self.message_id, &error).await {
            tracing::error!(message = self.message_id, error = %e, "marking a message failed");
        }
    }
}

/// The order key of an inbox's sends to one destination.
pub fn queue_key(inbox_id: i64, to: &str) -> String {
    format!("send:{inbox_id}:{to}")
}

/// Queues the send of a message written in `w` to a platform inbox (one
/// job, ordered behind earlier sends to the same contact). Nothing for
/// inboxes without a channel, private notes or activity lines.
pub(crate) async fn queue_send(
    w: &mut crate::work::Work,
    inbox: &Inbox,
    to: &str,
    message: &switchboard_store::Message,
) -> CoreResult<()> {
    use switchboard_domain::MessageType;
    if w.core().channels.by_code(inbox.channel_type).is_none()
        || message.private
        || !matches!(message.message_type(), MessageType::Outgoing | MessageType::Template)
    {
        return Ok(());
    }
    let now = w.now;
    let deadline = now + w.core().config.webhook_retry_window.as_micros() as i64;
    w.job(switchboard_store::NewJob {
        queue_key: Some(queue_key(inbox.id, to)),
        ..crate::job::new_job(&ChannelSend { message_id: message.id }, now, 25, Some(deadline))
    })
    .await
}

impl Core {
    /// The channel of a platform inbox (none for the built-in API and
    /// website inboxes, or a channel this server does not run).
    pub fn channel_of(&self, inbox: &Inbox) -> Option<&dyn Channel> {
        self.channels.by_code(inbox.channel_type)
    }

    /// Whether a free-form reply may be sent in a conversation of `inbox`
    /// now (a channel's reply window, from the contact's last message).
    pub(crate) async fn reply_allowed(
        &self,
        tx: &mut dyn switchboard_store::Tx,
        channel: switchboard_domain::ChannelType,
        conversation_id: i64,
    ) -> CoreResult<bool> {
        reply_allowed(&self.channels, tx, channel, conversation_id).await
    }

    /// `GET /channels`: the platform channels this server runs, each with
    /// the settings a new inbox of it asks for (administrators: they make
    /// inboxes). The dashboard renders its forms from these.
    pub fn channel_descriptors(&self, ctx: &crate::auth::AccountCtx) -> CoreResult<Value> {
        ctx.require_admin()?;
        let payload: Vec<Value> = self
            .channels
            .all()
            .map(|c| {
                serde_json::json!({
                    "name": c.name(),
                    "channel_type": c.class_name(),
                    "label": c.label(),
                    "description": c.description(),
                    "fields": c.fields().iter().map(Field::to_json).collect::<Vec<_>>(),
                    "ready": c.ready().to_json(),
                })
            })
            .collect();
        Ok(serde_json::json!({ "payload": payload }))
    }

    /// Runs periodic work `kind` for one inbox now (as its job does): how
    /// many items it took in.
    pub async fn run_channel_task(self: &Arc<Self>, kind: &str, inbox_id: i64) -> CoreResult<usize> {
        let Some((channel, _)) = self.channels.by_periodic_kind(kind) else {
            return Err(CoreError::NotFound);
        };
        let inbox = {
            let mut tx = self.store.read().await?;
            tx.get_inboxes(&[inbox_id]).await?.into_iter().next()
        };
        let Some(inbox) = inbox.filter(|i| i.channel_type == channel.code()) else {
            return Ok(0);
        };
        let done = channel
            .run_periodic(kind, self.host(), inbox_ref(&inbox))
            .await
            .map_err(CoreError::Internal)?;
        if let Some(config) = done.config {
            self.merge_channel_config(&inbox, config).await?;
        }
        Ok(done.taken)
    }

    /// `POST /inboxes/:id/sync_templates`: what the channel reads again from
    /// its platform (WhatsApp's templates), kept (administrators).
    pub async fn sync_templates(self: &Arc<Self>, ctx: &crate::auth::AccountCtx, inbox_id: i64) -> CoreResult<Value> {
        ctx.require_admin()?;
        let inbox = {
            let mut tx = self.store.read().await?;
            tx.get_inbox(ctx.account_id(), inbox_id)
                .await?
                .ok_or(CoreError::NotFound)?
        };
        let Some(channel) = self.channel_of(&inbox) else {
            return Err(CoreError::invalid("channel", "This inbox has nothing to sync"));
        };
        let config = channel.sync(self.host(), inbox_ref(&inbox)).await?;
        let fresh = self.merge_channel_config(&inbox, config).await?;
        Ok(self.present_inbox(&fresh, true))
    }

    /// Keeps settings a channel read from its platform (no event: nothing
    /// a person changed).
    async fn merge_channel_config(self: &Arc<Self>, inbox: &Inbox, config: Map<String, Value>) -> CoreResult<Inbox> {
        let mut tx = self.store.write().await?;
        let mut fresh = tx
            .get_inbox(inbox.account_id, inbox.id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if let Some(c) = fresh.channel_config.as_object_mut() {
            c.extend(config);
        }
        fresh.updated_at = switchboard_domain::time::now_micros();
        tx.update_inbox(&fresh).await?;
        tx.commit().await?;
        Ok(fresh)
    }
}

/// Whether a free-form reply may be sent now in a conversation of a
/// `channel` inbox (a channel's reply window, from the contact's last message).
pub(crate) async fn reply_allowed(
    channels: &Channels,
    tx: &mut dyn switchboard_store::Tx,
    channel: switchboard_domain::ChannelType,
    conversation_id: i64,
) -> CoreResult<bool> {
    let Some(c) = channels.by_code(channel.code()) else {
        return Ok(true);
    };
    let now = switchboard_domain::time::now_micros();
    // Most channels have no window: no query for them.
    if c.can_reply(Some(now), now) && c.can_reply(None, now) {
        return Ok(true);
    }
    let last = tx.last_incoming_at(conversation_id).await?;
    Ok(c.can_reply(last, now))
}

impl Core {
    /// This server, as its channels see it.
    pub fn host(&self) -> &dyn Host {
        self
    }
}

/// The server as a channel sees it.
impl Host for Core {
    fn http(&self) -> &reqwest::Client {
        &self.platform
    }

    fn public_url(&self) -> &str {
        Core::public_url(self)
    }

    fn allow_private_targets(&self) -> bool {
        self.outbound.config().allow_private_targets
    }

    fn job_lease(&self) -> Duration {
        self.config.job_lease
    }

    fn inbound_mail_domain(&self) -> Option<&str> {
        self.config.mail_inbound_domain.as_deref()
    }

    fn key_taken<'a>(&'a self, code: i16, key: &'a str) -> BoxFuture<'a, Result<bool, String>> {
        Box::pin(async move {
            let mut tx = self.store.read().await.map_err(|e| e.to_string())?;
            let found = tx.find_inbox_by_key(code, key).await.map_err(|e| e.to_string())?;
            Ok(found.is_some())
        })
    }

    fn setting_taken<'a>(&'a self, code: i16, field: &'a str, value: &'a str) -> BoxFuture<'a, Result<bool, String>> {
        Box::pin(async move {
            let mut tx = self.store.read().await.map_err(|e| e.to_string())?;
            let all = tx.inboxes_of_type(code).await.map_err(|e| e.to_string())?;
            Ok(all
                .iter()
                .any(|i| i.channel_config.get(field).and_then(Value::as_str) == Some(value)))
        })
    }

    fn cursor(&self, inbox_id: i64) -> BoxFuture<'_, Result<Option<Cursor>, String>> {
        Box::pin(async move {
            let mut tx = self.store.read().await.map_err(|e| e.to_string())?;
            let c = tx.get_mail_cursor(inbox_id).await.map_err(|e| e.to_string())?;
            Ok(c.map(|c| Cursor {
                inbox_id: c.inbox_id,
                validity: c.uid_validity,
                position: c.last_uid,
                polled_at: c.polled_at,
                last_error: c.last_error,
            }))
        })
    }

    fn set_cursor<'a>(&'a self, c: &'a Cursor) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut tx = self.store.write().await.map_err(|e| e.to_string())?;
            tx.set_mail_cursor(&store_cursor(c)).await.map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        })
    }

    fn deliver<'a>(&'a self, inbox: InboxRef<'a>, event: Inbound) -> BoxFuture<'a, Result<Delivered, String>> {
        Box::pin(async move {
            let core = self.me.upgrade().ok_or("the server is stopping")?;
            let found = {
                let mut tx = self.store.read().await.map_err(|e| e.to_string())?;
                tx.get_inboxes(&[inbox.id]).await.map_err(|e| e.to_string())?
            };
            let Some(inbox) = found.into_iter().next() else {
                return Ok(Delivered::Refused("the inbox is gone".into()));
            };
            match core.channel_event(&inbox, event).await {
                Ok(new) => Ok(Delivered::Taken(new)),
                Err(e @ (CoreError::Invalid { .. } | CoreError::Forbidden(_) | CoreError::NotFound)) => {
                    Ok(Delivered::Refused(e.to_string()))
                }
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

/// A poll cursor as the store keeps it.
pub(crate) fn store_cursor(c: &Cursor) -> switchboard_store::MailCursor {
    switchboard_store::MailCursor {
        inbox_id: c.inbox_id,
        uid_validity: c.validity,
        last_uid: c.position,
        polled_at: c.polled_at,
        last_error: c.last_error.clone(),
    }
}
