//! Messages in batches. Requests that arrive together are written in one
//! transaction with multi-row statements (group commit): conversations locked
//! in one query, messages inserted in one statement, conversations touched in
//! one statement, events, deliveries and jobs in one statement each. Every
//! rule of a single message still applies per message, in arrival order; a
//! request's own validation failure does not affect the others, and a batch
//! that fails as a whole is retried one request at a time.
//!
//! `process` is also called directly, with a batch of one, inside a caller's
//! transaction (a conversation created with its first message).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};

use switchboard_domain::rules;
use switchboard_domain::{ChannelType, ConversationStatus, Event, EventKind, MessageStatus, MessageType, SenderType};
use switchboard_store::{Contact, Conversation, Inbox, Message, NewMessage, User};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::conversations::{Actor, changed_attributes};
use crate::messages::MessageInput;
use crate::present::{self, ConvView, Sender};
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, views};

/// Requests gathered into one transaction at most.
pub const MAX_BATCH: usize = 64;
/// How long a writer under load waits to fill a batch.
const GATHER_MICROS: u64 = 1_000;

/// Who writes the message.
#[derive(Debug, Clone)]
pub enum From {
    User(User),
    /// An agent bot answering through its access token.
    Bot(switchboard_store::AgentBot),
    Contact(Contact),
    /// The conversation's own contact (incoming messages posted by an agent
    /// or a bot on an API inbox).
    ConversationContact,
}

/// One message to add to a conversation.
#[derive(Debug, Clone)]
pub struct Item {
    pub account_id: i64,
    pub display_id: i64,
    /// A user who must be a member of the conversation's inbox (agents);
    /// `None` when the caller may see every inbox (administrators).
    pub member_of: Option<i64>,
    pub input: MessageInput,
    pub from: From,
    /// Files already in the attachment store.
    pub attachments: Vec<switchboard_store::NewAttachment>,
    /// What delivered it when not its sender by hand (a platform: the
    /// channel); unset, the sender is the cause.
    pub cause: Option<switchboard_domain::event::Cause>,
}

/// What a request got: its message (new, or the earlier one a replayed
/// source_id / echo_id names) and the sender to render.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub message: Message,
    pub sender: Sender,
    pub display_id: i64,
    pub created: bool,
    pub attachments: Vec<switchboard_store::Attachment>,
}

type Reply = oneshot::Sender<CoreResult<Outcome>>;

/// The queue in front of the batch writers.
pub struct Ingest {
    tx: std::sync::OnceLock<mpsc::Sender<(Item, Reply)>>,
}

impl Default for Ingest {
    fn default() -> Self {
        Ingest {
            tx: std::sync::OnceLock::new(),
        }
    }
}

impl Core {
    /// Adds a message through the batch writers and waits for its commit.
    pub async fn ingest(self: &Arc<Self>, item: Item) -> CoreResult<Outcome> {
        let sender = self.ingest.tx.get_or_init(|| start_writers(self));
        let (reply, rx) = oneshot::channel();
        sender
            .send((item, reply))
            .await
            .map_err(|_| CoreError::Internal("message writer stopped".into()))?;
        rx.await
            .map_err(|_| CoreError::Internal("message writer dropped a request".into()))?
    }
}

fn start_writers(core: &Arc<Core>) -> mpsc::Sender<(Item, Reply)> {
    let (tx, rx) = mpsc::channel::<(Item, Reply)>(MAX_BATCH * 16);
    let rx = Arc::new(Mutex::new(rx));
    // SQLite has one writer; PostgreSQL takes a few batches side by side
    // (they lock conversations in id order, so they cannot deadlock).
    let writers = match core.store.backend() {
        switchboard_store::Backend::Sqlite => 1,
        switchboard_store::Backend::Postgres => 4,
    };
    for _ in 0..writers {
        tokio::spawn(writer(Arc::downgrade(core), rx.clone()));
    }
    tx
}

async fn writer(core: Weak<Core>, rx: Arc<Mutex<mpsc::Receiver<(Item, Reply)>>>) {
    let mut last = 0usize;
    loop {
        let batch = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(r) => batch.push(r),
                    Err(_) => break,
                }
            }
            // Under load, requests arrive in waves behind the previous batch;
            // waiting a moment for the wave makes one batch of it instead of a
            // small batch paying a whole transaction. Idle, nothing waits.
            if last >= 4 && batch.len() < last {
                let until = tokio::time::Instant::now() + std::time::Duration::from_micros(GATHER_MICROS);
                while batch.len() < MAX_BATCH {
                    match tokio::time::timeout_at(until, rx.recv()).await {
                        Ok(Some(r)) => batch.push(r),
                        _ => break,
                    }
                }
            }
            batch
        };
        last = batch.len();
        let Some(core) = core.upgrade() else { return };
        run_batch(&core, batch).await;
    }
}

async fn run_batch(core: &Arc<Core>, batch: Vec<(Item, Reply)>) {
    let (items, replies): (Vec<Item>, Vec<Reply>) = batch.into_iter().unzip();
    match attempt(core, &items).await {
        Ok(results) => {
            for (reply, r) in replies.into_iter().zip(results) {
                let _ = reply.send(r);
            }
        }
        // One request, or an outage (disk full, database unreachable) that
        // retrying each request now would only repeat: every request gets
        // the error as it is, so the client learns it may retry later.
        Err(e) if items.len() == 1 || e.is_outage() => {
            for reply in replies {
                let _ = reply.send(Err(clone_error(&e)));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, size = items.len(), "a message batch failed; retrying one by one");
            for (item, reply) in items.into_iter().zip(replies) {
                let r = match attempt(core, std::slice::from_ref(&item)).await {
                    Ok(mut v) => v.pop().unwrap_or_else(|| Err(CoreError::Internal("no result".into()))),
                    Err(e) => Err(e),
                };
                let _ = reply.send(r);
            }
        }
    }
}

async fn attempt(core: &Arc<Core>, items: &[Item]) -> CoreResult<Vec<CoreResult<Outcome>>> {
    let mut w = Work::begin(core).await?;
    let results = process(core, &mut w, items).await?;
    w.commit().await?;
    Ok(results)
}

/// Per-request state while a batch is processed.
enum Slot {
    Failed(CoreError),
    /// A row to insert (index into `rows`).
    Row(usize),
    /// Same source_id / echo_id as an earlier request of this batch.
    SameAs(usize),
}

/// Adds `items` inside `w`. The outer error means the whole transaction is
/// unusable; the inner ones are each request's own.
pub(crate) async fn process(core: &Arc<Core>, w: &mut Work, items: &[Item]) -> CoreResult<Vec<CoreResult<Outcome>>> {
    let now = w.now;
    // 1. Everything the rules need, one query per kind.
    let mut keys: Vec<(i64, i64)> = items.iter().map(|i| (i.account_id, i.display_id)).collect();
    keys.sort_unstable();
    keys.dedup();
    let convs: HashMap<(i64, i64), Conversation> = w
        .tx()
        .lock_conversations(&keys)
        .await?
        .into_iter()
        .map(|c| ((c.account_id, c.display_id), c))
        .collect();
    let mut inbox_ids: Vec<i64> = convs.values().map(|c| c.inbox_id).collect();
    inbox_ids.sort_unstable();
    inbox_ids.dedup();
    let inboxes: HashMap<i64, Inbox> = w
        .tx()
        .get_inboxes(&inbox_ids)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let pairs: Vec<(i64, i64)> = items
        .iter()
        .filter_map(|i| Some((convs.get(&(i.account_id, i.display_id))?.inbox_id, i.member_of?)))
        .collect();
    let members: HashSet<(i64, i64)> = w.tx().inbox_memberships(&pairs).await?.into_iter().collect();
    let mut contact_ids: Vec<i64> = convs.values().map(|c| c.contact_id).collect();
    contact_ids.sort_unstable();
    contact_ids.dedup();
    let mut contacts: HashMap<i64, Contact> = w
        .tx()
        .get_contacts_by_ids(&contact_ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let conv_ids: Vec<i64> = convs.values().map(|c| c.id).collect();
    let mut recent: HashMap<i64, i64> = w
        .tx()
        .count_recent_messages(&conv_ids, now - 60_000_000)
        .await?
        .into_iter()
        .collect();

    // 2. Validate each request and build its row, in arrival order.
    let limit = core.config.flood_limit;
    let mut rows: Vec<NewMessage> = Vec::new();
    let mut slots: Vec<Slot> = Vec::with_capacity(items.len());
    let mut seen_source: HashMap<(i64, String), usize> = HashMap::new();
    let mut seen_echo: HashMap<(i64, String), usize> = HashMap::new();
    for (idx, item) in items.iter().enumerate() {
        let Some(conv) = convs.get(&(item.account_id, item.display_id)) else {
            slots.push(Slot::Failed(CoreError::NotFound));
            continue;
        };
        if item.member_of.is_some_and(|u| !members.contains(&(conv.inbox_id, u))) {
            slots.push(Slot::Failed(CoreError::NotFound));
            continue;
        }
        let Some(inbox) = inboxes.get(&conv.inbox_id) else {
            slots.push(Slot::Failed(CoreError::NotFound));
            continue;
        };
        let input = &item.input;
        if matches!(item.from, From::ConversationContact) && inbox.channel() != ChannelType::API {
            slots.push(Slot::Failed(CoreError::invalid(
                "message_type",
                "Incoming messages are only allowed in Api inboxes",
            )));
            continue;
        }
        // A channel with a reply window (WhatsApp: 24 hours after the
        // customer's last message) takes only a template outside it.
        if let Some(channel) = core.channel_of(inbox)
            && input.message_type == MessageType::Outgoing
            && !input.private
            && input.additional_attributes.get("template_params").is_none()
            && !core.reply_allowed(w.tx(), inbox.channel(), conv.id).await?
        {
            slots.push(Slot::Failed(CoreError::invalid("content", channel.window_closed())));
            continue;
        }
        if input.message_type == MessageType::Incoming
            && conv.status() == ConversationStatus::Resolved
            && !inbox.setting_bool("allow_messages_after_resolved", true)
        {
            slots.push(Slot::Failed(CoreError::invalid(
                "base",
                "This conversation is resolved and the inbox does not accept new messages",
            )));
            continue;
        }
        if let Some(sid) = &input.source_id
            && let Some(first) = seen_source.get(&(inbox.id, sid.clone()))
        {
            slots.push(Slot::SameAs(*first));
            continue;
        }
        if let Some(echo) = &input.echo_id
            && let Some(first) = seen_echo.get(&(conv.id, echo.clone()))
        {
            slots.push(Slot::SameAs(*first));
            continue;
        }
        let count = recent.entry(conv.id).or_insert(0);
        if *count + 1 > limit {
            slots.push(Slot::Failed(CoreError::invalid("base", "Too many messages")));
            continue;
        }
        *count += 1;
        let (sender_type, sender_id) = match &item.from {
            From::User(u) => (SenderType::User, u.id),
            From::Bot(b) => (SenderType::AgentBot, b.id),
            From::Contact(c) => (SenderType::Contact, c.id),
            From::ConversationContact => (SenderType::Contact, conv.contact_id),
        };
        if let Some(sid) = &input.source_id {
            seen_source.insert((inbox.id, sid.clone()), idx);
        }
        if let Some(echo) = &input.echo_id {
            seen_echo.insert((conv.id, echo.clone()), idx);
        }
        slots.push(Slot::Row(rows.len()));
        rows.push(NewMessage {
            account_id: conv.account_id,
            inbox_id: conv.inbox_id,
            conversation_id: conv.id,
            message_type: input.message_type,
            content: input.content.clone(),
            content_type: input.content_type,
            content_attributes: input.content_attributes.clone(),
            additional_attributes: input.additional_attributes.clone(),
            private: input.private,
            status: MessageStatus::Sent,
            source_id: input.source_id.clone(),
            echo_id: input.echo_id.clone(),
            sender_type: Some(sender_type.as_str().to_string()),
            sender_id: Some(sender_id),
            created_at: now,
        });
    }

    // 3. One insert; rows the constraints refused are replays.
    let inserted = w.tx().insert_messages(&rows).await?;
    let mut by_row: Vec<Option<Message>> = vec![None; rows.len()];
    let mut unclaimed: Vec<Message> = inserted;
    for (i, row) in rows.iter().enumerate() {
        if let Some(pos) = unclaimed.iter().position(|m| same_row(m, row)) {
            by_row[i] = Some(unclaimed.swap_remove(pos));
        }
    }

    // Attachments of the new messages.
    let mut attachments: Vec<switchboard_store::Attachment> = Vec::new();
    for (idx, slot) in slots.iter().enumerate() {
        if let Slot::Row(r) = slot
            && let Some(m) = &by_row[*r]
            && !items[idx].attachments.is_empty()
        {
            attachments.extend(
                w.tx()
                    .insert_attachments(m.account_id, m.id, &items[idx].attachments, now)
                    .await?,
            );
        }
    }

    // 4. The rules, per conversation, in arrival order.
    let mut after: HashMap<i64, Conversation> = HashMap::new();
    let mut touched_contacts: Vec<i64> = Vec::new();
    let mut created: Vec<(usize, Message)> = Vec::new();
    let mut notes: Vec<(Conversation, Message)> = Vec::new();
    for (idx, slot) in slots.iter().enumerate() {
        let Slot::Row(r) = slot else { continue };
        let Some(msg) = &by_row[*r] else { continue };
        let item = &items[idx];
        let Some(conv) = convs.get(&(item.account_id, item.display_id)) else {
            continue;
        };
        let c = after.entry(conv.id).or_insert_with(|| conv.clone());
        let sender_type = msg.sender_type.as_deref().and_then(SenderType::parse);
        c.last_activity_at = now;
        c.updated_at = now;
        c.waiting_since =
            rules::waiting_since_after_message(c.waiting_since, msg.message_type(), msg.private, sender_type, now);
        if rules::is_first_reply(c.first_reply_created_at, msg.message_type(), msg.private, sender_type) {
            c.first_reply_created_at = Some(now);
        }
        if msg.message_type() == MessageType::Incoming {
            let blocked = contacts.get(&c.contact_id).is_some_and(|ct| ct.blocked);
            // A resolved conversation goes back to the inbox's bot, if any.
            let bot = c.status() == ConversationStatus::Resolved && core.inbox_bot(w.tx(), c.inbox_id).await?.is_some();
            if let Some(s) = rules::status_on_incoming(c.status(), c.muted || blocked, bot) {
                c.status = s.code();
                c.snoozed_until = None;
            }
        }
        if sender_type == Some(SenderType::Contact)
            && let Some(ct) = msg.sender_id.and_then(|id| contacts.get_mut(&id))
            && ct.last_activity_at.is_none_or(|t| now - t > 60_000_000)
        {
            ct.last_activity_at = Some(now);
            touched_contacts.push(ct.id);
        }
        // A private note from an agent may mention users (public replies
        // and contacts' messages never do).
        if msg.private
            && matches!(item.from, From::User(_))
            && msg.content.as_deref().is_some_and(|t| t.contains("mention://user/"))
        {
            notes.push((conv.clone(), msg.clone()));
        }
        created.push((idx, msg.clone()));
    }
    for (conv, msg) in &notes {
        crate::mentions::record(w, conv, msg).await?;
    }
    let changed_convs: Vec<Conversation> = after.values().cloned().collect();
    w.tx().touch_conversations(&changed_convs).await?;
    // SLA clocks the messages start or stop (a wait, a reopen).
    for c in changed_convs.iter().filter(|c| c.sla_policy_id.is_some()) {
        if let Some(before) = convs.values().find(|b| b.id == c.id) {
            crate::sla::track(w, before, c).await?;
        }
    }
    touched_contacts.sort_unstable();
    touched_contacts.dedup();
    w.tx().touch_contacts(&touched_contacts, now).await?;

    // 5. Views of the changed conversations (their last message is now in
    //    the table), per account.
    let mut views: HashMap<i64, ConvView> = HashMap::new();
    let mut accounts: Vec<i64> = changed_convs.iter().map(|c| c.account_id).collect();
    accounts.sort_unstable();
    accounts.dedup();
    for account in &accounts {
        let list: Vec<Conversation> = changed_convs
            .iter()
            .filter(|c| c.account_id == *account)
            .cloned()
            .collect();
        for v in views::conv_views(&core.channels, w.tx(), *account, list).await? {
            views.insert(v.conv.id, v);
        }
    }

    // 6. Conversation events where tracked attributes moved.
    for c in &changed_convs {
        let Some(before) = convs.values().find(|b| b.id == c.id) else {
            continue;
        };
        let changed = changed_attributes(before, c, None);
        if changed.is_empty() {
            continue;
        }
        let (Some(view), Some(inbox)) = (views.get(&c.id), inboxes.get(&c.inbox_id)) else {
            continue;
        };
        core.emit_change(w, before, c, changed, &Actor::system(), view, inbox)
            .await?;
    }

    // 7. Message events and webhooks, in arrival order.
    let mut account_rows = HashMap::new();
    for (idx, msg) in &created {
        let item = &items[*idx];
        let (Some(view), Some(inbox)) = (views.get(&msg.conversation_id), inboxes.get(&msg.inbox_id)) else {
            continue;
        };
        let sender = sender_of(&item.from, view);
        let mut data = present::message_push(msg, &sender, &view.conv, &view.contact_inbox, view.unread_count);
        core.with_attachments(&mut data, &attachments);
        let performer = match &item.from {
            From::User(u) => switchboard_domain::event::Performer::User(u.id),
            From::Bot(b) => switchboard_domain::event::Performer::AgentBot(b.id),
            From::Contact(c) => switchboard_domain::event::Performer::Contact(c.id),
            From::ConversationContact => switchboard_domain::event::Performer::Contact(view.conv.contact_id),
        };
        let mut event = Event::new(EventKind::MessageCreated, msg.account_id, data)
            .inbox(Some(msg.inbox_id))
            .conversation(Some(msg.conversation_id))
            .contact(Some(view.conv.contact_id))
            .contact_inbox(Some(view.conv.contact_inbox_id))
            .private(msg.private)
            .by(Some(performer));
        event.cause = item.cause;
        let ev = w.emit(event).await?;
        crate::channels::queue_send(w, inbox, &view.contact_inbox.source_id, msg).await?;
        if msg.message_type() != MessageType::Activity
            && w.wants_webhook(msg.account_id, Some(inbox), "message_created").await?
        {
            let account = match account_rows.get(&msg.account_id) {
                Some(a) => a,
                None => {
                    let a = w.tx().require_account(msg.account_id).await?;
                    account_rows.entry(msg.account_id).or_insert(a)
                }
            };
            let mut payload = present::message_webhook("message_created", msg, &sender, view, inbox, account);
            core.with_attachments(&mut payload, &attachments);
            // An API inbox's outgoing reply is delivered through its webhook:
            // if that fails for good, the message is marked failed.
            let delivery_of = (msg.message_type() == MessageType::Outgoing && !msg.private).then_some(msg.id);
            w.webhook(
                ev,
                msg.account_id,
                Some(inbox),
                "message_created",
                &payload,
                delivery_of,
            )
            .await?;
        }
    }

    // Out of office: once per conversation, for incoming messages outside
    // the inbox's working hours (none the team answered in the last five
    // minutes, no template sent today).
    let mut told: HashSet<i64> = HashSet::new();
    for (_, msg) in &created {
        if msg.message_type() != MessageType::Incoming || told.contains(&msg.conversation_id) {
            continue;
        }
        let (Some(inbox), Some(view)) = (inboxes.get(&msg.inbox_id), views.get(&msg.conversation_id)) else {
            continue;
        };
        let Some((text, day_start)) = out_of_office(inbox, now) else {
            continue;
        };
        told.insert(msg.conversation_id);
        let (answered, templated) = w
            .tx()
            .recent_replies(msg.conversation_id, now - 5 * 60_000_000, day_start)
            .await?;
        if !answered && !templated {
            core.system_message(w, &view.conv, &text, MessageType::Template).await?;
        }
    }

    // 8. Each request's answer.
    let mut out: Vec<CoreResult<Outcome>> = Vec::with_capacity(items.len());
    for (idx, slot) in slots.iter().enumerate() {
        let item = &items[idx];
        let r = match slot {
            Slot::Failed(e) => Err(clone_error(e)),
            Slot::Row(r) => match &by_row[*r] {
                Some(m) => {
                    let mut o = outcome(item, m.clone(), &views, &contacts, true);
                    o.attachments = attachments.iter().filter(|a| a.message_id == m.id).cloned().collect();
                    Ok(o)
                }
                None => existing(w, item, &rows[*r], &contacts).await,
            },
            Slot::SameAs(first) => match &out[*first] {
                Ok(o) => Ok(Outcome {
                    created: false,
                    ..o.clone()
                }),
                Err(e) => Err(clone_error(e)),
            },
        };
        out.push(r);
    }
    Ok(out)
}

fn same_row(m: &Message, r: &NewMessage) -> bool {
    m.conversation_id == r.conversation_id
        && m.message_type == r.message_type.code()
        && m.private == r.private
        && m.content == r.content
        && m.source_id == r.source_id
        && m.echo_id == r.echo_id
        && m.sender_id == r.sender_id
        && m.sender_type == r.sender_type
}

fn sender_of(from: &From, view: &ConvView) -> Sender {
    match from {
        From::User(u) => Sender::User(u.clone()),
        From::Bot(b) => Sender::Bot(b.clone()),
        From::Contact(c) => Sender::Contact(c.clone()),
        From::ConversationContact => Sender::Contact(view.contact.clone()),
    }
}

fn outcome(
    item: &Item,
    message: Message,
    views: &HashMap<i64, ConvView>,
    contacts: &HashMap<i64, Contact>,
    created: bool,
) -> Outcome {
    let sender = match (&item.from, views.get(&message.conversation_id)) {
        (From::User(u), _) => Sender::User(u.clone()),
        (From::Bot(b), _) => Sender::Bot(b.clone()),
        (From::Contact(c), _) => Sender::Contact(c.clone()),
        (From::ConversationContact, Some(v)) => Sender::Contact(v.contact.clone()),
        (From::ConversationContact, None) => message
            .sender_id
            .and_then(|id| contacts.get(&id))
            .cloned()
            .map(Sender::Contact)
            .unwrap_or(Sender::None),
    };
    Outcome {
        display_id: item.display_id,
        message,
        sender,
        created,
        attachments: Vec::new(),
    }
}

/// The earlier message a replayed source_id / echo_id names.
async fn existing(
    w: &mut Work,
    item: &Item,
    row: &NewMessage,
    contacts: &HashMap<i64, Contact>,
) -> CoreResult<Outcome> {
    let found = match (&row.source_id, &row.echo_id) {
        (Some(s), _) => w.tx().find_message_by_source(row.inbox_id, s).await?,
        (None, Some(e)) => w.tx().find_message_by_echo(row.conversation_id, e).await?,
        _ => None,
    };
    let m = found.ok_or_else(|| CoreError::Internal("a refused message has no earlier copy".into()))?;
    let sender = match (m.sender_type.as_deref(), m.sender_id) {
        (Some("Contact"), Some(id)) => contacts.get(&id).cloned().map(Sender::Contact).unwrap_or(Sender::None),
        _ => views::senders(w.tx(), m.account_id, std::slice::from_ref(&m))
            .await?
            .pop()
            .unwrap_or(Sender::None),
    };
    let attachments = w.tx().attachments_for(&[m.id]).await?;
    Ok(Outcome {
        display_id: item.display_id,
        message: m,
        sender,
        created: false,
        attachments,
    })
}

fn clone_error(e: &CoreError) -> CoreError {
    match e {
        CoreError::NotFound => CoreError::NotFound,
        CoreError::Unauthorized(m) => CoreError::Unauthorized(m.clone()),
        CoreError::Forbidden(m) => CoreError::Forbidden(m.clone()),
        CoreError::Invalid { message, attributes } => CoreError::Invalid {
            message: message.clone(),
            attributes: attributes.clone(),
        },
        CoreError::TooManyRequests(m) => CoreError::TooManyRequests(m.clone()),
        CoreError::Internal(m) => CoreError::Internal(m.clone()),
        CoreError::StorageFull(m) => CoreError::StorageFull(m.clone()),
        CoreError::Unavailable(m) => CoreError::Unavailable(m.clone()),
        CoreError::Contended(m) => CoreError::Contended(m.clone()),
    }
}

/// The out-of-office text when `now` falls outside the inbox's working
/// hours (in its time zone), with the start of that local day.
pub(crate) fn out_of_office(inbox: &Inbox, now: i64) -> Option<(String, i64)> {
    if !inbox.setting_bool("working_hours_enabled", false) {
        return None;
    }
    let text = inbox
        .settings
        .get("out_of_office_message")
        .and_then(serde_json::Value::as_str)
        .filter(|t| !t.trim().is_empty())?;
    let calendar = crate::business_hours::calendar(inbox);
    if calendar.is_open(now) {
        return None;
    }
    let local = jiff::Timestamp::from_microsecond(now)
        .ok()?
        .to_zoned(calendar.time_zone().clone());
    let day_start = local.start_of_day().ok()?.timestamp().as_microsecond();
    Some((text.to_string(), day_start))
}
