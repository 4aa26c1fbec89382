//! The send pipeline: one job per outgoing message, its reads (what to
//! send) and writes (the platform's id and the `message.updated` event)
//! each served in batches by one task, paced to the platform's limits and
//! gated per inbox like webhook targets.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use switchboard_store::Inbox;

use super::{Outgoing, OutgoingFile, SendError, Thread, inbox_ref, queue_key};
use crate::{Core, CoreError, CoreResult};

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
        let Some(channel) = self.channel_of(&inbox) else {
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
            let limits = channel.limits();
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
        let sent = channel.send(self.host(), inbox_ref(&inbox), &out).await;
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
            let thread = if self.channel_of(inbox).is_some_and(|c| c.wants_thread()) {
                Some(self.thread_of(&mut *tx, m, conv).await?)
            } else {
                None
            };
            // A bot's options: buttons where the platform has them, else
            // numbered in the text.
            let (choices, content) = choices_of(m, self.channel_of(inbox).map_or(0, |c| c.max_choices()));
            out.push(Some((
                m.id,
                inbox.clone(),
                Outgoing {
                    to: ci.source_id.clone(),
                    content,
                    choices,
                    files: Vec::new(),
                    reply_to,
                    template: m
                        .additional_attributes
                        .get("template_params")
                        .filter(|t| t.is_object())
                        .cloned(),
                    contact_attributes,
                    thread,
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

    /// The conversation around a message, for channels that thread.
    async fn thread_of(
        &self,
        tx: &mut dyn switchboard_store::Tx,
        m: &switchboard_store::Message,
        conv: &switchboard_store::Conversation,
    ) -> CoreResult<Thread> {
        let last_incoming_attributes = tx.last_incoming_message(conv.id).await?.map(|l| l.content_attributes);
        let sender_name = match (m.sender_type.as_deref(), m.sender_id) {
            (Some("User"), Some(uid)) => tx.get_user(uid).await?.map(|u| {
                u.display_name
                    .clone()
                    .filter(|d| !d.trim().is_empty())
                    .unwrap_or(u.name)
            }),
            _ => None,
        };
        Ok(Thread {
            message_id: m.id,
            account_id: conv.account_id,
            conversation_uuid: conv.uuid.clone(),
            display_id: conv.display_id,
            conversation_attributes: conv.additional_attributes.clone(),
            message_attributes: m.content_attributes.clone(),
            last_incoming_attributes,
            sender_name,
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
            for v in crate::views::conv_views(&self.channels, w.tx(), account, convs).await? {
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
}

/// The options an `input_select` message offers, as the customer sees them
/// and in order: items with a text or number `value` (the title, or the
/// value, shown), at most 10. A pick names its option by this order.
pub(crate) fn offered_options(attrs: &Value) -> Vec<(String, Value)> {
    attrs["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["value"].is_string() || i["value"].is_number())
                .take(10)
                .map(|i| {
                    let value = i["value"].clone();
                    let title = match &i["title"] {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => match &value {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        },
                    };
                    (title, value)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The options an `input_select` message offers (at most 10), and its text:
/// with the options numbered under it when the platform shows fewer buttons
/// than there are options.
fn choices_of(
    m: &switchboard_store::Message,
    max_buttons: usize,
) -> (Vec<switchboard_channel::Choice>, Option<String>) {
    let content = m.content.clone().filter(|c| !c.is_empty());
    if m.content_type() != switchboard_domain::ContentType::InputSelect {
        return (Vec::new(), content);
    }
    let choices: Vec<switchboard_channel::Choice> = offered_options(&m.content_attributes)
        .into_iter()
        .map(|(title, value)| switchboard_channel::Choice {
            title,
            value: match value {
                Value::String(s) => s,
                other => other.to_string(),
            },
        })
        .collect();
    // Platforms need words above buttons.
    let content = content.or_else(|| (!choices.is_empty()).then(|| "Please choose:".to_string()));
    if choices.is_empty() || choices.len() <= max_buttons {
        return (choices, content);
    }
    let mut text = content.unwrap_or_default();
    for (i, c) in choices.iter().enumerate() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!("{}. {}", i + 1, c.title));
    }
    (Vec::new(), Some(text))
}

#[cfg(test)]
mod tests {
    use super::choices_of;
    use serde_json::json;
    use switchboard_domain::ContentType;

    fn message(content_type: ContentType, attrs: serde_json::Value) -> switchboard_store::Message {
        switchboard_store::Message {
            id: 1,
            account_id: 1,
            inbox_id: 1,
            conversation_id: 1,
            message_type: 1,
            content: Some("What is it about?".into()),
            content_type: content_type.code(),
            content_attributes: attrs,
            additional_attributes: json!({}),
            private: false,
            status: 0,
            source_id: None,
            echo_id: None,
            sender_type: None,
            sender_id: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn options_are_buttons_where_they_fit_and_numbered_elsewhere() {
        let items =
            json!({ "items": [{ "title": "Billing", "value": "billing" }, { "value": 7 }, { "title": "no value" }] });
        let m = message(ContentType::InputSelect, items);
        let (buttons, text) = choices_of(&m, 10);
        assert_eq!(buttons.len(), 2, "items without a value are left out");
        assert_eq!(buttons[1].title, "7", "a value without a title shows as its value");
        assert_eq!(text.as_deref(), Some("What is it about?"));
        let (buttons, text) = choices_of(&m, 0);
        assert!(buttons.is_empty());
        assert_eq!(text.as_deref(), Some("What is it about?\n1. Billing\n2. 7"));
        let plain = message(ContentType::Text, json!({ "items": [{ "value": "x" }] }));
        assert_eq!(choices_of(&plain, 0), (Vec::new(), Some("What is it about?".into())));
    }
}
