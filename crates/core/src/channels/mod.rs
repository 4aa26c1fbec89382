//! Messaging platforms behind one adapter shape. An adapter verifies and
//! parses the platform's inbound requests into normalised events, sends an
//! outgoing message and returns the platform's id for it, and names the
//! destination its sends are ordered by. The delivery pipeline (one job per
//! outgoing message, ordered per destination, retried with backoff, failing
//! visibly) and the inbound path (contact, conversation, de-duplicated
//! message, attachments) are shared; a new channel is one adapter here.

pub mod email;
pub mod telegram;
pub mod whatsapp;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;
use switchboard_domain::ChannelType;
use switchboard_store::Inbox;

use serde_json::json;

use crate::{Core, CoreError, CoreResult};

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

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq)]
pub enum SendError {
    /// Worth trying again (timeouts, 5xx, 429), after `after` if the
    /// platform said how long to wait.
    Retry { reason: String, after: Option<Duration> },
    /// Will never go through (blocked by the user, no such chat); the
    /// platform's reason is shown on the message.
    Permanent(String),
    /// Not tried: the inbox's platform calls are at their limit or failing
    /// (its circuit open); the job waits in the queue for `after`.
    Defer { reason: String, after: Duration },
}

/// One file of a message, read from the store for sending.
#[derive(Debug, Clone)]
pub struct OutgoingFile {
    pub file_name: String,
    pub content_type: String,
    /// Chatwoot's kind: image, audio, video or file.
    pub kind: &'static str,
    pub bytes: Vec<u8>,
}

/// What to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The contact's address on the platform (its contact inbox source id).
    pub to: String,
    pub content: Option<String>,
    pub files: Vec<OutgoingFile>,
    /// The platform's id of the message this one answers.
    pub reply_to: Option<String>,
    /// A pre-approved template and its parameters (`template_params`), for
    /// platforms that require one outside their reply window.
    pub template: Option<Value>,
    /// The contact's additional attributes (what a platform noted about the
    /// chat, such as Telegram's business connection).
    pub contact_attributes: Value,
    /// Threading, recipients and names for e-mail.
    pub mail: Option<email::MailContext>,
}

/// A file the platform holds for an inbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaRef {
    pub file_ref: String,
    pub file_name: Option<String>,
    pub mime: Option<String>,
}

/// A new message from a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// The platform's id of the message (stored as its source_id).
    pub external_id: String,
    /// The contact's address (its contact inbox source id).
    pub sender_id: String,
    pub name: String,
    pub phone: Option<String>,
    /// Kept in the contact's additional attributes (username, language).
    pub contact_attributes: Value,
    pub content: Option<String>,
    /// Locations, contact cards and the like.
    pub content_attributes: Value,
    pub media: Vec<MediaRef>,
    /// The platform's id of the message this one answers.
    pub reply_to: Option<String>,
}

/// What an inbound request carried.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    Message(InboundMessage),
    /// The contact edited a message.
    Edit {
        external_id: String,
        content: Option<String>,
    },
    /// A whole mail (threading decides its conversation).
    Mail(Box<email::InboundMail>),
    /// A receipt for one of our messages.
    Status {
        external_id: String,
        status: switchboard_domain::MessageStatus,
        error: Option<String>,
    },
}

/// A downloaded inbound file: its bytes and, when known, its name.
pub type Fetched = Result<(Vec<u8>, Option<String>), String>;

/// How fast a platform lets us send: `(per second, burst)` for all of an
/// inbox's sends (one bot, one number) and for one destination (one chat).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    pub per_inbox: Option<(f64, f64)>,
    pub per_destination: Option<(f64, f64)>,
}

/// Token buckets by key, reserving ahead: each send takes a token now and
/// waits for as long as the bucket is in debt, so queued sends leave at the
/// platform's pace in order instead of failing and retrying.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: std::sync::Mutex<HashMap<String, (f64, std::time::Instant)>>,
}

impl Limiter {
    /// Takes one token from `key`'s bucket (`rate` per second, up to
    /// `burst` saved) and says how long to wait before using it.
    pub fn reserve(&self, key: &str, rate: f64, burst: f64) -> Duration {
        if rate <= 0.0 {
            return Duration::ZERO;
        }
        let now = std::time::Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget full buckets (idle destinations) so the map stays small.
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst) - 1.0;
        *at = now;
        if *tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-*tokens / rate)
        }
    }
}

/// A platform.
pub trait Adapter: Send + Sync {
    fn channel(&self) -> ChannelType;
    /// The platform's published sending limits.
    fn limits(&self) -> Limits {
        Limits::default()
    }
    /// Whether an inbound request really comes from the platform for this
    /// inbox (`headers` with lower-case names, `body` as received).
    fn verify(&self, inbox: &Inbox, headers: &HashMap<String, String>, body: &[u8]) -> bool;
    /// The events in a verified request; what the product does not handle
    /// is left out, never an error.
    fn parse(&self, inbox: &Inbox, body: &[u8]) -> CoreResult<(Option<String>, Vec<Inbound>)>;
    /// Downloads an inbound file: its bytes and, when known, its name.
    fn fetch_media<'a>(&'a self, core: &'a Arc<Core>, inbox: &'a Inbox, media: &'a MediaRef) -> BoxFuture<'a, Fetched>;
    /// Sends and returns the platform's id for the message.
    fn send<'a>(
        &'a self,
        core: &'a Arc<Core>,
        inbox: &'a Inbox,
        out: &'a Outgoing,
    ) -> BoxFuture<'a, Result<String, SendError>>;
}

/// The adapter of a channel, if it has one.
pub fn adapter(channel: ChannelType) -> Option<&'static dyn Adapter> {
    match channel {
        ChannelType::Telegram => Some(&telegram::Telegram),
        ChannelType::Whatsapp => Some(&whatsapp::WhatsApp),
        ChannelType::Email => Some(&email::Email),
        _ => None,
    }
}

/// A request to a batcher and where its answer goes.
type Asked<I, O> = (I, tokio::sync::oneshot::Sender<O>);
type BatchQueue<I, O> = std::sync::OnceLock<tokio::sync::mpsc::Sender<Asked<I, O>>>;

/// The send job's two trips to the database, each served in batches:
/// preparing (reading what to send) and recording (the platform's id).
#[derive(Default)]
pub struct SendBatches {
    prepare: BatchQueue<i64, CoreResult<Prepared>>,
    record: BatchQueue<(i64, String), CoreResult<()>>,
}

/// Sends prepared in one read transaction at most.
const PREPARE_BATCH: usize = 64;
/// Sends recorded in one transaction at most.
const RECORD_BATCH: usize = 128;

/// Starts a task that serves requests in batches: whatever arrived while
/// the previous batch was served makes the next one (up to `max`). `serve`
/// answers a batch in its order.
fn start_batcher<I, O, F, Fut>(core: &Arc<Core>, max: usize, serve: F) -> tokio::sync::mpsc::Sender<Asked<I, O>>
where
    I: Send + 'static,
    O: Send + 'static,
    F: Fn(Arc<Core>, Vec<I>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Vec<O>> + Send,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Asked<I, O>>(max * 8);
    let weak = Arc::downgrade(core);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < max {
                match rx.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break,
                }
            }
            let Some(core) = weak.upgrade() else { return };
            let (items, replies): (Vec<I>, Vec<_>) = batch.into_iter().unzip();
            // A batch that panics answers nobody (each caller sees an error
            // and its job retries); the worker goes on with the next batch.
            use futures_util::FutureExt;
            match std::panic::AssertUnwindSafe(serve(core, items)).catch_unwind().await {
                Ok(answers) => {
                    for (answer, reply) in answers.into_iter().zip(replies) {
                        let _ = reply.send(answer);
                    }
                }
                Err(_) => tracing::error!(requests = replies.len(), "a batch stopped on an internal error"),
            }
        }
    });
    tx
}

/// Asks a batcher and waits for its answer.
async fn ask<I, O>(queue: &tokio::sync::mpsc::Sender<Asked<I, O>>, item: I) -> CoreResult<O> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    queue
        .send((item, reply))
        .await
        .map_err(|_| CoreError::Internal("a batch worker stopped".into()))?;
    answer
        .await
        .map_err(|_| CoreError::Internal("a batch worker dropped a request".into()))
}

/// The order key of an inbox's sends to one destination.
pub fn queue_key(inbox_id: i64, to: &str) -> String {
    format!("send:{inbox_id}:{to}")
}

/// Queues the send of a message written in `w` to a platform inbox (one
/// job, ordered behind earlier sends to the same contact). Nothing for
/// inboxes without an adapter, private notes or activity lines.
pub(crate) async fn queue_send(
    w: &mut crate::work::Work,
    inbox: &Inbox,
    to: &str,
    message: &switchboard_store::Message,
) -> CoreResult<()> {
    use switchboard_domain::MessageType;
    if adapter(inbox.channel()).is_none()
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

/// What a send job found when it looked at its message.
enum Prepared {
    /// The inbox, the message (its files still to read) and its files.
    Send(Box<(Inbox, Outgoing, Vec<switchboard_store::Attachment>)>),
    /// Sent already, deleted, or gone: nothing to do.
    Done,
}

impl Core {
    /// The `channel_send` job: sends the message and records the platform's
    /// id, or says why it must wait or give up.
    pub(crate) async fn channel_send(self: &Arc<Self>, message_id: i64) -> Result<(), SendError> {
        let prepared = self.prepare_send(message_id).await.map_err(|e| SendError::Retry {
            reason: e.to_string(),
            after: None,
        })?;
        let Prepared::Send(boxed) = prepared else {
            return Ok(());
        };
        let (inbox, mut out, atts) = *boxed;
        // Files are read here, by each send, not in the shared batch: a
        // large one delays only its own message.
        out.files = self.outgoing_files(atts).await.map_err(|e| SendError::Retry {
            reason: e.to_string(),
            after: None,
        })?;
        let Some(adapter) = adapter(inbox.channel()) else {
            return Err(SendError::Permanent("this channel cannot send".into()));
        };
        // One bot's or number's outage must not hold the slots other
        // inboxes' sends need: the same per-target gate as webhooks, with
        // room for half the runner (the platforms pace each inbox already,
        // and one busy inbox should keep its throughput).
        let limit = self.config.target_concurrency.max(self.config.job_concurrency / 2);
        let permit = self
            .targets
            .acquire_with(&format!("send:inbox:{}", inbox.id), limit, Duration::from_secs(10))
            .await
            .map_err(|w| SendError::Defer {
                reason: w.reason.into(),
                after: w.after,
            })?;
        if self.config.channel_rate_limits {
            let limits = adapter.limits();
            let mut wait = Duration::ZERO;
            if let Some((rate, burst)) = limits.per_inbox {
                wait = wait.max(
                    self.channel_limiter
                        .reserve(&format!("inbox:{}", inbox.id), rate, burst),
                );
            }
            if let Some((rate, burst)) = limits.per_destination {
                wait = wait.max(self.channel_limiter.reserve(&queue_key(inbox.id, &out.to), rate, burst));
            }
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        let sent = adapter.send(self, &inbox, &out).await;
        permit.settle(match &sent {
            Ok(_) | Err(SendError::Permanent(_)) => crate::targets::Health::Answered,
            Err(SendError::Retry { after: None, .. }) => crate::targets::Health::Failed,
            Err(_) => crate::targets::Health::Neutral,
        });
        let external = sent?;
        self.record_sent(message_id, &external)
            .await
            .map_err(|e| SendError::Retry {
                reason: e.to_string(),
                after: None,
            })
    }

    /// What the send job of `message_id` needs, loaded together with the
    /// other sends being prepared at the same moment (one read transaction
    /// and one query per kind of row for the batch).
    async fn prepare_send(self: &Arc<Self>, message_id: i64) -> CoreResult<Prepared> {
        let batcher = self.send_batches.prepare.get_or_init(|| {
            start_batcher(self, PREPARE_BATCH, |core: Arc<Core>, ids: Vec<i64>| async move {
                match core.prepare_sends(&ids).await {
                    Ok(all) => all,
                    Err(e) => ids.iter().map(|_| Err(CoreError::Internal(e.to_string()))).collect(),
                }
            })
        });
        ask(batcher, message_id).await?
    }

    /// Prepares sends in bulk; the answers are in the order of `ids` (a
    /// file that cannot be read fails only its own message).
    async fn prepare_sends(self: &Arc<Self>, ids: &[i64]) -> CoreResult<Vec<CoreResult<Prepared>>> {
        let mut tx = self.store.read().await?;
        let msgs: HashMap<i64, switchboard_store::Message> = tx
            .get_messages_by_ids(ids)
            .await?
            .into_iter()
            .filter(|m| {
                let deleted = m.content_attributes.get("deleted").and_then(Value::as_bool) == Some(true);
                m.source_id.is_none() && !deleted && m.status() != switchboard_domain::MessageStatus::Failed
            })
            .map(|m| (m.id, m))
            .collect();
        let mut conv_ids: Vec<i64> = msgs.values().map(|m| m.conversation_id).collect();
        conv_ids.sort_unstable();
        conv_ids.dedup();
        let convs: HashMap<i64, switchboard_store::Conversation> = tx
            .get_conversations_by_ids(&conv_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut inbox_ids: Vec<i64> = convs.values().map(|c| c.inbox_id).collect();
        inbox_ids.sort_unstable();
        inbox_ids.dedup();
        let inboxes: HashMap<i64, Inbox> = tx
            .get_inboxes(&inbox_ids)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut contact_ids: Vec<i64> = convs.values().map(|c| c.contact_id).collect();
        contact_ids.sort_unstable();
        contact_ids.dedup();
        let contacts: HashMap<i64, switchboard_store::Contact> = tx
            .get_contacts_by_ids(&contact_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let cis: HashMap<i64, switchboard_store::ContactInbox> = tx
            .list_contact_inboxes(&contact_ids)
            .await?
            .into_iter()
            .map(|ci| (ci.id, ci))
            .collect();
        let mut sendable: Vec<i64> = msgs.keys().copied().collect();
        sendable.sort_unstable();
        let mut atts: HashMap<i64, Vec<switchboard_store::Attachment>> = HashMap::new();
        for a in tx.attachments_for(&sendable).await? {
            atts.entry(a.message_id).or_default().push(a);
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(m) = msgs.get(id) else {
                out.push(None);
                continue;
            };
            let Some(conv) = convs.get(&m.conversation_id) else {
                out.push(None);
                continue;
            };
            let (Some(inbox), Some(ci)) = (
                inboxes.get(&conv.inbox_id).filter(|i| i.account_id == conv.account_id),
                cis.get(&conv.contact_inbox_id),
            ) else {
                out.push(None);
                continue;
            };
            let contact_attributes = contacts
                .get(&conv.contact_id)
                .map(|c| c.additional_attributes.clone())
                .unwrap_or(Value::Null);
            // Rare: the platform id of the message replied to, and e-mail's threading.
            let reply_to = match m
                .content_attributes
                .get("in_reply_to")
                .and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
            {
                Some(rid) => tx.get_message(conv.id, rid).await?.and_then(|r| r.source_id),
                None => None,
            };
            let mail = if inbox.channel() == ChannelType::Email {
                Some(self.mail_context(&mut *tx, m, conv).await?)
            } else {
                None
            };
            out.push(Some((
                m.id,
                inbox.clone(),
                Outgoing {
                    to: ci.source_id.clone(),
                    content: m.content.clone().filter(|c| !c.is_empty()),
                    files: Vec::new(),
                    reply_to,
                    template: m
                        .additional_attributes
                        .get("template_params")
                        .filter(|t| t.is_object())
                        .cloned(),
                    contact_attributes,
                    mail,
                },
            )));
        }
        drop(tx);
        Ok(out
            .into_iter()
            .map(|entry| match entry {
                Some((id, inbox, outgoing)) => {
                    let files = atts.remove(&id).unwrap_or_default();
                    Ok(Prepared::Send(Box::new((inbox, outgoing, files))))
                }
                None => Ok(Prepared::Done),
            })
            .collect())
    }

    /// An e-mail send's threading, names and recipients.
    async fn mail_context(
        &self,
        tx: &mut dyn switchboard_store::Tx,
        m: &switchboard_store::Message,
        conv: &switchboard_store::Conversation,
    ) -> CoreResult<email::MailContext> {
        let last_incoming = tx.last_incoming_message(conv.id).await?.and_then(|l| {
            let email = l.content_attributes.get("email")?;
            let id = email.get("message_id").and_then(Value::as_str)?.to_string();
            let refs = email
                .get("references")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            Some((id, refs))
        });
        let sender_name = match (m.sender_type.as_deref(), m.sender_id) {
            (Some("User"), Some(uid)) => tx.get_user(uid).await?.map(|u| {
                u.display_name
                    .clone()
                    .filter(|d| !d.trim().is_empty())
                    .unwrap_or(u.name)
            }),
            _ => None,
        };
        let list = |key: &str| -> Vec<String> {
            m.content_attributes
                .get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        Ok(email::MailContext {
            message_id: m.id,
            account_id: conv.account_id,
            conversation_uuid: conv.uuid.clone(),
            display_id: conv.display_id,
            subject: conv
                .additional_attributes
                .get("mail_subject")
                .and_then(Value::as_str)
                .map(str::to_string),
            sender_name,
            last_incoming,
            to: list("to_emails"),
            cc: list("cc_emails"),
            bcc: list("bcc_emails"),
            html: m
                .content_attributes
                .pointer("/email/html_content/full")
                .and_then(Value::as_str)
                .filter(|h| !h.trim().is_empty())
                .map(str::to_string),
        })
    }

    /// A message's stored files, read for sending.
    async fn outgoing_files(&self, atts: Vec<switchboard_store::Attachment>) -> CoreResult<Vec<OutgoingFile>> {
        let mut files = Vec::with_capacity(atts.len());
        for a in atts {
            let Some(mut stream) = self.files.open(&a.storage_key).await.map_err(CoreError::Internal)? else {
                continue;
            };
            let mut bytes = Vec::with_capacity(a.file_size.max(0) as usize);
            use futures_util::StreamExt;
            while let Some(chunk) = stream.next().await {
                bytes.extend_from_slice(&chunk.map_err(|e| CoreError::Internal(e.to_string()))?);
            }
            files.push(OutgoingFile {
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                kind: match a.file_type {
                    0 => "image",
                    1 => "audio",
                    2 => "video",
                    _ => "file",
                },
                bytes,
            });
        }
        Ok(files)
    }

    /// The platform took the message: its id becomes the source id. Sends
    /// finishing together are recorded together (one transaction, one
    /// statement for the messages), and this returns after the commit.
    async fn record_sent(self: &Arc<Self>, message_id: i64, external: &str) -> CoreResult<()> {
        let batcher = self.send_batches.record.get_or_init(|| {
            start_batcher(
                self,
                RECORD_BATCH,
                |core: Arc<Core>, items: Vec<(i64, String)>| async move {
                    if core.record_sent_batch(&items).await.is_ok() {
                        return items.iter().map(|_| Ok(())).collect();
                    }
                    // One bad row must not hold the others back: one at a time.
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(core.record_sent_batch(std::slice::from_ref(&item)).await);
                    }
                    out
                },
            )
        });
        ask(batcher, (message_id, external.to_string())).await?
    }

    /// Records a batch of sends: the messages marked in one statement, their
    /// conversations' views loaded per account, `message.updated` evented
    /// (and sent to subscribed webhooks) for each.
    async fn record_sent_batch(self: &Arc<Self>, items: &[(i64, String)]) -> CoreResult<()> {
        let mut w = crate::work::Work::begin(self).await?;
        let now = w.now;
        let msgs = w.tx().mark_messages_sent(items, now).await?;
        if msgs.is_empty() {
            return w.commit().await;
        }
        let mut conv_ids: Vec<i64> = msgs.iter().map(|m| m.conversation_id).collect();
        conv_ids.sort_unstable();
        conv_ids.dedup();
        let convs = w.tx().get_conversations_by_ids(&conv_ids).await?;
        let mut inbox_ids: Vec<i64> = convs.iter().map(|c| c.inbox_id).collect();
        inbox_ids.sort_unstable();
        inbox_ids.dedup();
        let inboxes: HashMap<i64, Inbox> = w
            .tx()
            .get_inboxes(&inbox_ids)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut by_account: std::collections::BTreeMap<i64, Vec<switchboard_store::Conversation>> = Default::default();
        for c in convs {
            by_account.entry(c.account_id).or_default().push(c);
        }
        let mut views = HashMap::new();
        let mut senders = HashMap::new();
        for (account, convs) in by_account {
            for v in crate::views::conv_views(w.tx(), account, convs).await? {
                views.insert(v.conv.id, v);
            }
            let theirs: Vec<switchboard_store::Message> =
                msgs.iter().filter(|m| m.account_id == account).cloned().collect();
            let found = crate::views::senders(w.tx(), account, &theirs).await?;
            senders.extend(theirs.iter().map(|m| m.id).zip(found));
        }
        for m in &msgs {
            let (Some(view), Some(sender)) = (views.get(&m.conversation_id), senders.get(&m.id)) else {
                continue;
            };
            let Some(inbox) = inboxes.get(&view.conv.inbox_id) else {
                continue;
            };
            self.message_updated_in(&mut w, view, inbox, m, sender).await?;
        }
        w.commit().await
    }

    /// A request from a platform to the inbox it names by `key`: checked,
    /// parsed, and each event applied. Answers after the durable writes.
    pub async fn channel_webhook(
        self: &Arc<Self>,
        channel: ChannelType,
        key: &str,
        headers: &HashMap<String, String>,
        body: &[u8],
    ) -> CoreResult<()> {
        let adapter = adapter(channel).ok_or(CoreError::NotFound)?;
        if key.is_empty() || key.len() > 128 {
            return Err(CoreError::NotFound);
        }
        let inbox = {
            let mut tx = self.store.read().await?;
            tx.find_inbox_by_key(channel.code(), key)
                .await?
                .ok_or(CoreError::NotFound)?
        };
        if !adapter.verify(&inbox, headers, body) {
            return Err(CoreError::Unauthorized(
                "The request is not signed for this inbox".into(),
            ));
        }
        let (_, events) = adapter.parse(&inbox, body)?;
        for event in events {
            match event {
                Inbound::Message(m) => self.channel_message(adapter, &inbox, m).await?,
                Inbound::Mail(m) => {
                    self.channel_mail(&inbox, *m).await?;
                }
                Inbound::Edit { external_id, content } => self.channel_edit(&inbox, &external_id, content).await?,
                Inbound::Status {
                    external_id,
                    status,
                    error,
                } => self.channel_status(&inbox, &external_id, status, error).await?,
            }
        }
        Ok(())
    }

    async fn channel_message(
        self: &Arc<Self>,
        adapter: &dyn Adapter,
        inbox: &Inbox,
        m: InboundMessage,
    ) -> CoreResult<()> {
        // Seen before: nothing to fetch or write.
        {
            let mut tx = self.store.read().await?;
            if tx.find_message_by_source(inbox.id, &m.external_id).await?.is_some() {
                return Ok(());
            }
        }
        let mut body = json!({ "name": m.name, "source_id": m.sender_id });
        if let Some(p) = &m.phone {
            body["phone_number"] = json!(p);
        }
        let visitor = self
            .channel_contact(inbox, &m.sender_id, body, &m.contact_attributes)
            .await?;
        // The open conversation, or a new one (any latest one where the inbox
        // keeps a single conversation per contact).
        let open = [
            switchboard_domain::ConversationStatus::Open.code(),
            switchboard_domain::ConversationStatus::Pending.code(),
            switchboard_domain::ConversationStatus::Snoozed.code(),
        ];
        let reuse: &[i16] = if inbox.setting_bool("lock_to_single_conversation", false) {
            &[]
        } else {
            &open
        };
        let conv = self
            .conversation_for(&visitor, Some(reuse), json!({}), json!({}))
            .await?;
        let mut files = Vec::new();
        let mut content_attributes = m.content_attributes.clone();
        for media in &m.media {
            match adapter.fetch_media(self, inbox, media).await {
                Ok((bytes, name)) => match self.files.store_bytes(&bytes, name.as_deref()).await {
                    Ok(f) => files.push(f),
                    Err(e) => tracing::warn!(error = %e, "storing an inbound file failed"),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "fetching an inbound file failed");
                    content_attributes["media_error"] = json!(e);
                }
            }
        }
        if let Some(r) = &m.reply_to {
            let mut tx = self.store.read().await?;
            if let Some(orig) = tx.find_message_by_source(inbox.id, r).await? {
                content_attributes["in_reply_to"] = json!(orig.id);
            }
            content_attributes["in_reply_to_external_id"] = json!(r);
        }
        if m.content.is_none() && files.is_empty() {
            // Nothing we can show (a sticker we could not fetch, say): keep a line.
            content_attributes["unsupported"] = json!(true);
        }
        let content = m
            .content
            .clone()
            .or_else(|| (files.is_empty()).then(|| "This message is not supported here".to_string()));
        let item = crate::ingest::Item {
            account_id: conv.account_id,
            display_id: conv.display_id,
            member_of: None,
            input: crate::messages::MessageInput {
                content,
                message_type: switchboard_domain::MessageType::Incoming,
                private: false,
                content_type: switchboard_domain::ContentType::Text,
                content_attributes,
                echo_id: None,
                source_id: Some(m.external_id.clone()),
                additional_attributes: json!({}),
            },
            from: crate::ingest::From::Contact(visitor.contact.clone()),
            attachments: files.clone(),
        };
        match self.ingest(item).await {
            Ok(o) => {
                if !o.created {
                    self.discard(&files).await;
                }
                Ok(())
            }
            Err(e) => {
                self.discard(&files).await;
                Err(e)
            }
        }
    }

    /// The contact a platform message comes from: found by its address in
    /// the inbox, or enrolled from `body` (name, phone, e-mail; a concurrent
    /// first message wins the race and this one reads what it wrote).
    pub(crate) async fn channel_contact(
        self: &Arc<Self>,
        inbox: &Inbox,
        sender_id: &str,
        body: Value,
        attributes: &Value,
    ) -> CoreResult<crate::public::Visitor> {
        if let Ok(v) = self.visitor_in(inbox.clone(), sender_id).await {
            self.refresh_contact_attributes(&v, attributes).await?;
            return Ok(v);
        }
        match self.enroll_visitor(inbox, &body, true).await {
            Ok(_) => {}
            Err(e) => {
                if self.visitor_in(inbox.clone(), sender_id).await.is_err() {
                    return Err(e);
                }
            }
        }
        let v = self.visitor_in(inbox.clone(), sender_id).await?;
        self.refresh_contact_attributes(&v, attributes).await?;
        Ok(v)
    }

    async fn refresh_contact_attributes(
        self: &Arc<Self>,
        v: &crate::public::Visitor,
        attributes: &Value,
    ) -> CoreResult<()> {
        let Some(new) = attributes.as_object().filter(|o| !o.is_empty()) else {
            return Ok(());
        };
        let current = v.contact.additional_attributes.as_object();
        if new.iter().all(|(k, val)| current.and_then(|c| c.get(k)) == Some(val)) {
            return Ok(());
        }
        let mut w = crate::work::Work::begin(self).await?;
        let Some(mut c) = w.tx().get_contact(v.contact.account_id, v.contact.id).await? else {
            return Ok(());
        };
        if !c.additional_attributes.is_object() {
            c.additional_attributes = json!({});
        }
        if let Some(o) = c.additional_attributes.as_object_mut() {
            for (k, val) in new {
                o.insert(k.clone(), val.clone());
            }
        }
        c.updated_at = w.now;
        w.tx().update_contact(&c).await?;
        w.commit().await
    }

    /// The contact edited a message: the text changes, the earlier text is kept.
    async fn channel_edit(
        self: &Arc<Self>,
        inbox: &Inbox,
        external_id: &str,
        content: Option<String>,
    ) -> CoreResult<()> {
        let mut w = crate::work::Work::begin(self).await?;
        let Some(found) = w.tx().find_message_by_source(inbox.id, external_id).await? else {
            return Ok(());
        };
        let Some(conv) = w.tx().lock_conversation_by_id(found.conversation_id).await? else {
            return Ok(());
        };
        let Some(mut msg) = w.tx().get_message(conv.id, found.id).await? else {
            return Ok(());
        };
        if msg.content == content {
            return Ok(());
        }
        if !msg.content_attributes.is_object() {
            msg.content_attributes = json!({});
        }
        msg.content_attributes["previous_content"] = json!(msg.content);
        msg.content_attributes["edited"] = json!(true);
        msg.content = content;
        msg.updated_at = w.now;
        w.tx().update_message(&msg).await?;
        self.message_updated(&mut w, &conv, inbox, &msg).await?;
        w.commit().await
    }

    /// A receipt: sent -> delivered -> read only move forward; failed says why.
    async fn channel_status(
        self: &Arc<Self>,
        inbox: &Inbox,
        external_id: &str,
        status: switchboard_domain::MessageStatus,
        error: Option<String>,
    ) -> CoreResult<()> {
        use switchboard_domain::MessageStatus as S;
        let mut w = crate::work::Work::begin(self).await?;
        let Some(found) = w.tx().find_message_by_source(inbox.id, external_id).await? else {
            return Ok(());
        };
        let Some(conv) = w.tx().lock_conversation_by_id(found.conversation_id).await? else {
            return Ok(());
        };
        let Some(mut msg) = w.tx().get_message(conv.id, found.id).await? else {
            return Ok(());
        };
        let rank = |s: S| match s {
            S::Sent => 0,
            S::Delivered => 1,
            S::Read => 2,
            S::Failed => 3,
        };
        if rank(status) <= rank(msg.status()) {
            return Ok(());
        }
        msg.status = status.code();
        if status == S::Failed {
            crate::present::set_key(
                &mut msg.content_attributes,
                "external_error",
                json!(error.unwrap_or_else(|| "failed".into())),
            );
        }
        msg.updated_at = w.now;
        w.tx().update_message(&msg).await?;
        self.message_updated(&mut w, &conv, inbox, &msg).await?;
        w.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_lets_a_burst_through_then_paces() {
        let l = Limiter::default();
        for _ in 0..3 {
            assert_eq!(l.reserve("chat", 1.0, 3.0), Duration::ZERO);
        }
        let fourth = l.reserve("chat", 1.0, 3.0);
        assert!(
            fourth > Duration::from_millis(900) && fourth <= Duration::from_secs(1),
            "{fourth:?}"
        );
        let fifth = l.reserve("chat", 1.0, 3.0);
        assert!(
            fifth > Duration::from_millis(1900),
            "queued sends wait in turn: {fifth:?}"
        );
        assert_eq!(l.reserve("other chat", 1.0, 3.0), Duration::ZERO, "keys are separate");
        assert_eq!(l.reserve("chat", 0.0, 0.0), Duration::ZERO, "no limit");
    }
}
