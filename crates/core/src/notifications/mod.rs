//! Notifications (Chatwoot's `/notifications` and `/notification_settings`):
//! what tells an agent that something concerns them. The [`NotificationListener`]
//! turns committed events into rows, each event once per user (a re-run
//! inserts nothing twice: `(source_event, user_id)` is unique), and never
//! for the person who caused the event or for someone who may not see the
//! conversation (administrators and members of its inbox may):
//!
//! - a conversation is created: the members of its inbox;
//! - a conversation is assigned: the new assignee, unless they assigned
//!   themselves;
//! - a message arrives (incoming, or by someone else): the assignee
//!   (`assigned_conversation_new_message`), and the participants
//!   (`participating_conversation_new_message`) not notified of it already;
//! - a private note by an agent mentions users who may see the conversation
//!   (`[@Name](mention://user/ID/Name)`): `conversation_mention`, and
//!   ActionCable's `conversation.mentioned`;
//! - routing takes a conversation back from an agent who left its customer
//!   without a reply (`requeue_after_minutes`): that agent and the
//!   account's administrators (`conversation_requeued`, Switchboard's own
//!   type, code 9);
//! - an SLA clock runs out (`sla.missed`): the participants, the assignee
//!   and the administrators (`sla_missed_first_response`,
//!   `sla_missed_next_response`, `sla_missed_resolution`); it reaches 80 %
//!   of its threshold (`sla.warning`): the assignee and the participants
//!   (`sla_warning`, Switchboard's own type, code 10).
//!
//! Each new row is pushed to its user alone as `notification.created`, with
//! the counts. Where the user's settings ask for it, a [`NotificationMail`]
//! job mails it; mails are batched per user and conversation: at most one
//! per `notification_mail_window` (5 minutes), later notifications folding
//! into the next one. Where they ask for push, each of the user's browsers
//! gets it (`crate::push`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use switchboard_domain::event::CauseKind;
use switchboard_domain::time::{iso, unix_secs};
use switchboard_domain::{Event, EventKind};
use switchboard_store::{
    Conversation, NewNotification, Notification, NotificationScope, NotificationSetting, StoredEvent, Tx, User,
};

use crate::auth::AccountCtx;
use crate::jobs::JobFailure;
use crate::mailer::MailError;
use crate::params::Params;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present, views};

mod api;

/// Chatwoot's notification types and their codes.
/// Switchboard adds `conversation_requeued` (9): routing took a
/// conversation back from an agent who left the customer without a reply;
/// and `sla_warning` (10): an SLA clock is at 80 % of its threshold.
pub const TYPES: [(i64, &str); 10] = [
    (1, "conversation_creation"),
    (2, "conversation_assignment"),
    (3, "assigned_conversation_new_message"),
    (4, "conversation_mention"),
    (5, "participating_conversation_new_message"),
    (6, "sla_missed_first_response"),
    (7, "sla_missed_next_response"),
    (8, "sla_missed_resolution"),
    (9, "conversation_requeued"),
    (10, "sla_warning"),
];

pub const CONVERSATION_CREATION: i64 = 1;
pub const CONVERSATION_ASSIGNMENT: i64 = 2;
pub const ASSIGNED_NEW_MESSAGE: i64 = 3;
pub const CONVERSATION_MENTION: i64 = 4;
pub const PARTICIPATING_NEW_MESSAGE: i64 = 5;
pub const SLA_MISSED_FIRST_RESPONSE: i64 = 6;
pub const SLA_MISSED_NEXT_RESPONSE: i64 = 7;
pub const SLA_MISSED_RESOLUTION: i64 = 8;
pub const CONVERSATION_REQUEUED: i64 = 9;
pub const SLA_WARNING: i64 = 10;

/// Chatwoot's defaults for a member without settings: the assignment, by
/// e-mail and by push.
pub const DEFAULT_EMAIL_FLAGS: i64 = 1 << (CONVERSATION_ASSIGNMENT - 1);
pub const DEFAULT_PUSH_FLAGS: i64 = 1 << (CONVERSATION_ASSIGNMENT - 1);

/// A page of the list (Chatwoot's `RESULTS_PER_PAGE`).
pub const PER_PAGE: i64 = 15;
/// The list's counts stop at this (the bell shows "99+" long before).
pub const COUNT_CAP: i64 = 10_000;
/// The counts a `notification.*` push carries stop at this: exact below
/// it, and the bell shows "99+" from it on. A new conversation pushes to
/// every member of its inbox, and counting each member's whole history for
/// that would make every fan-out slower as the team's history grows.
pub const PUSH_COUNT_CAP: i64 = 100;
/// The deepest page a list may ask for (offset paging stays bounded).
pub const MAX_PAGE: i64 = 500;

fn type_name(code: i64) -> &'static str {
    TYPES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n).unwrap_or("")
}

fn flag_names(prefix: &str, flags: i64) -> Vec<String> {
    TYPES
        .iter()
        .filter(|(c, _)| flags & (1 << (c - 1)) != 0)
        .map(|(_, n)| format!("{prefix}_{n}"))
        .collect()
}

fn wants(flags: i64, code: i64) -> bool {
    (1..=TYPES.len() as i64).contains(&code) && flags & (1 << (code - 1)) != 0
}

/// `email_conversation_assignment`-style names to flags; a name that is not
/// one is a 422 naming the attribute.
fn parse_flags(attr: &str, prefix: &str, v: &Value) -> CoreResult<i64> {
    let list = match v {
        Value::Array(a) => a,
        // Rails reads an empty form array as missing: nothing selected.
        Value::Null => return Ok(0),
        _ => return Err(CoreError::invalid(attr, format!("{attr} must be an array"))),
    };
    let mut flags = 0;
    for item in list {
        let Some(name) = item.as_str() else {
            return Err(CoreError::invalid(attr, format!("{attr} must be an array of strings")));
        };
        let code = TYPES
            .iter()
            .find(|(_, n)| name.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) == Some(*n))
            .map(|(c, _)| *c)
            .ok_or_else(|| CoreError::invalid(attr, format!("{name} is not a notification flag")))?;
        flags |= 1 << (code - 1);
    }
    Ok(flags)
}

fn settings_json(s: &NotificationSetting) -> Value {
    json!({
        "id": s.id,
        "user_id": s.user_id,
        "account_id": s.account_id,
        "all_email_flags": TYPES.iter().map(|(_, n)| format!("email_{n}")).collect::<Vec<_>>(),
        "selected_email_flags": flag_names("email", s.email_flags),
        "all_push_flags": TYPES.iter().map(|(_, n)| format!("push_{n}")).collect::<Vec<_>>(),
        "selected_push_flags": flag_names("push", s.push_flags),
    })
}

/// A notification as a row (Chatwoot's `render json: @notification`).
fn row_json(n: &Notification) -> Value {
    json!({
        "id": n.id,
        "account_id": n.account_id,
        "user_id": n.user_id,
        "notification_type": type_name(n.notification_type),
        "primary_actor_type": "Conversation",
        "primary_actor_id": n.primary_actor_id,
        "secondary_actor_type": n.secondary_actor_id.map(|_| "Message"),
        "secondary_actor_id": n.secondary_actor_id,
        "read_at": n.read_at.map(iso),
        "snoozed_until": n.snoozed_until.map(iso),
        "last_activity_at": iso(n.last_activity_at),
        "meta": n.meta,
        "created_at": iso(n.created_at),
    })
}

/// Mentions as `@Name`, and at most ten words (Chatwoot's `content`).
fn short_content(content: &str) -> String {
    let mut text = String::with_capacity(content.len());
    let mut rest = content;
    // `[@Name](mention://...)` -> `@Name`
    while let Some(start) = rest.find("[@") {
        let Some(close) = rest[start..].find("](mention://") else {
            break;
        };
        let Some(end) = rest[start + close..].find(')') else {
            break;
        };
        text.push_str(&rest[..start]);
        text.push_str(&rest[start + 1..start + close]);
        rest = &rest[start + close + end + 1..];
    }
    text.push_str(rest);
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() > 10 {
        format!("{}...", words[..10].join(" "))
    } else {
        words.join(" ")
    }
}

fn title(code: i64, display_id: i64, inbox_name: &str, content: &str) -> String {
    match code {
        CONVERSATION_CREATION => format!("A conversation (#{display_id}) has been created in {inbox_name}"),
        CONVERSATION_ASSIGNMENT => format!("A conversation (#{display_id}) has been assigned to you"),
        CONVERSATION_MENTION => format!("[#{display_id}] {content}"),
        CONVERSATION_REQUEUED => {
            format!("A conversation (#{display_id}) went back to the queue: its customer waited too long for a reply")
        }
        SLA_MISSED_FIRST_RESPONSE => format!("SLA missed: the first reply in conversation #{display_id} is late"),
        SLA_MISSED_NEXT_RESPONSE => format!("SLA missed: a reply in conversation #{display_id} is late"),
        SLA_MISSED_RESOLUTION => format!("SLA missed: conversation #{display_id} is not resolved in time"),
        SLA_WARNING => format!("SLA warning: conversation #{display_id} is close to its due time"),
        _ => format!("A new message is created in conversation (#{display_id}): {content}"),
    }
}

/// What a notification is shown with: its conversation and message.
struct Actors {
    /// The conversation's push data, its display id and its inbox's name.
    conversation: Option<(Value, i64, String)>,
    message: Option<Value>,
}

/// Chatwoot's `push_event_data` of a notification (the list's items too).
fn notification_json(n: &Notification, actors: &Actors, user: &Value) -> Value {
    let content = actors
        .message
        .as_ref()
        .and_then(|m| m["content"].as_str())
        .map(short_content)
        .unwrap_or_default();
    let mut o = Map::new();
    o.insert("id".into(), json!(n.id));
    o.insert("notification_type".into(), json!(type_name(n.notification_type)));
    o.insert("primary_actor_type".into(), json!("Conversation"));
    o.insert("primary_actor_id".into(), json!(n.primary_actor_id));
    o.insert("read_at".into(), json!(n.read_at.map(iso)));
    o.insert("secondary_actor".into(), actors.message.clone().unwrap_or(Value::Null));
    o.insert("user".into(), user.clone());
    o.insert("created_at".into(), json!(unix_secs(n.created_at)));
    o.insert("last_activity_at".into(), json!(unix_secs(n.last_activity_at)));
    o.insert("snoozed_until".into(), json!(n.snoozed_until.map(iso)));
    o.insert("meta".into(), n.meta.clone());
    o.insert("account_id".into(), json!(n.account_id));
    if let Some((conv, display_id, inbox_name)) = &actors.conversation {
        o.insert("primary_actor".into(), conv.clone());
        o.insert(
            "push_message_title".into(),
            json!(title(n.notification_type, *display_id, inbox_name, &content)),
        );
        o.insert("push_message_body".into(), json!(content));
    }
    Value::Object(o)
}

fn user_json(u: &User) -> Value {
    present::user_sender(u)
}

/// The users among `ids` who may see a conversation of `inbox_id`: the
/// account's administrators and the inbox's members.
async fn may_see(tx: &mut dyn Tx, account_id: i64, inbox_id: i64, ids: &[i64]) -> CoreResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut admins = HashSet::new();
    let mut agents = Vec::new();
    for id in ids {
        match tx.get_account_user(account_id, *id).await? {
            Some(au) if au.is_admin() => {
                admins.insert(*id);
            }
            Some(_) => agents.push((inbox_id, *id)),
            None => {}
        }
    }
    let members: HashSet<i64> = tx
        .inbox_memberships(&agents)
        .await?
        .into_iter()
        .map(|(_, u)| u)
        .collect();
    Ok(ids
        .iter()
        .copied()
        .filter(|id| admins.contains(id) || members.contains(id))
        .collect())
}

/// Who hears that routing took `conv` back for no reply at `at` (the
/// decision is written in the same transaction as the change): the agent
/// it was taken from, when they may still see it, and the account's
/// administrators. Nobody when the change was something else.
async fn requeued_from(tx: &mut dyn Tx, conv: &Conversation, at: i64) -> CoreResult<Vec<i64>> {
    // Newest first; later decisions (its next assignment) may precede it.
    let Some(d) = tx
        .routing_decisions(conv.id, 50)
        .await?
        .into_iter()
        .find(|d| d.outcome == "requeued" && d.created_at == at)
    else {
        return Ok(Vec::new());
    };
    let mut out: Vec<i64> = Vec::new();
    if let Some(agent) = d.detail["skipped"][0]["agent_id"].as_i64() {
        out.extend(may_see(tx, conv.account_id, conv.inbox_id, &[agent]).await?);
    }
    for (user, au) in tx.list_account_users(conv.account_id).await? {
        if au.is_admin() && !out.contains(&user.id) {
            out.push(user.id);
        }
    }
    Ok(out)
}

async fn setting_of(tx: &mut dyn Tx, account_id: i64, user_id: i64) -> CoreResult<(i64, i64)> {
    Ok(match tx.notification_setting(account_id, user_id).await? {
        Some(s) => (s.email_flags, s.push_flags),
        None => (DEFAULT_EMAIL_FLAGS, DEFAULT_PUSH_FLAGS),
    })
}

/// Pushes `notification.{created,updated,deleted}` with the user's counts.
async fn push(w: &mut Work, kind: EventKind, n: &Notification, notification: Value) -> CoreResult<()> {
    let scope = NotificationScope {
        account_id: n.account_id,
        user_id: n.user_id,
        now: w.now,
        snoozed: false,
    };
    let counts = w.tx().count_notifications(scope, PUSH_COUNT_CAP).await?;
    push_counted(w, kind, n, notification, counts).await
}

/// Pushes `notification.*` with the user's counts already read.
async fn push_counted(
    w: &mut Work,
    kind: EventKind,
    n: &Notification,
    notification: Value,
    (count, unread): (i64, i64),
) -> CoreResult<()> {
    w.emit(
        Event::new(
            kind,
            n.account_id,
            json!({ "notification": notification, "unread_count": unread, "count": count }),
        )
        .to_user(n.user_id),
    )
    .await?;
    Ok(())
}

/// Turns committed events into notifications.
pub struct NotificationListener;

impl crate::listen::Listener for NotificationListener {
    fn name(&self) -> &'static str {
        "notifications"
    }

    fn wants(&self, event: &Event) -> bool {
        match event.kind {
            EventKind::ConversationCreated
            | EventKind::AssigneeChanged
            | EventKind::SlaMissed
            | EventKind::SlaWarning => event.conversation_id.is_some(),
            // Activity lines (2) and templates (3) notify nobody.
            EventKind::MessageCreated => {
                event.conversation_id.is_some() && matches!(event.data["message_type"].as_i64(), Some(0 | 1))
            }
            _ => false,
        }
    }

    fn handle<'a>(&'a self, w: &'a mut Work, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), JobFailure>> {
        Box::pin(async move {
            notify(w, event).await?;
            Ok(())
        })
    }

    fn quiet<'a>(
        &'a self,
        _core: &'a Core,
        tx: &'a mut dyn Tx,
        events: &'a [&'a Event],
    ) -> BoxFuture<'a, CoreResult<Vec<bool>>> {
        Box::pin(quiet_messages(tx, events))
    }
}

/// Which new messages would notify nobody: no mention markup in a note,
/// no assignee but the author, no participant but the author (one read for
/// all of a commit's messages, in their own transaction). Most messages are
/// such: an incoming one nobody is assigned to yet, the assignee's own
/// replies. Errs towards `false` (`notify` then decides exactly).
async fn quiet_messages(tx: &mut dyn Tx, events: &[&Event]) -> CoreResult<Vec<bool>> {
    // Per event: None when it is surely not quiet, else the users other
    // than whom nobody may be told (author and actor).
    let mut pending: Vec<Option<(i64, [Option<i64>; 2])>> = Vec::with_capacity(events.len());
    for event in events {
        pending.push(quiet_in_memory(event));
    }
    let convs: Vec<i64> = pending
        .iter()
        .flatten()
        .map(|(c, _)| *c)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut participants: HashMap<i64, Vec<i64>> = HashMap::new();
    for (c, u) in tx.participants_of(&convs).await? {
        participants.entry(c).or_default().push(u);
    }
    Ok(pending
        .into_iter()
        .map(|p| {
            p.is_some_and(|(c, skip)| {
                participants
                    .get(&c)
                    .is_none_or(|list| list.iter().all(|u| skip.contains(&Some(*u))))
            })
        })
        .collect())
}

/// The agent who wrote a message (its push data), if an agent did.
fn user_author(message: &Value) -> Option<i64> {
    match message["sender_type"].as_str() {
        Some("User") => message["sender_id"].as_i64(),
        _ => None,
    }
}

/// What memory tells of a message event: `None` when someone other than
/// its author or actor is to be told for sure (a mention, another
/// assignee) or it is no message; else its conversation and those two.
fn quiet_in_memory(event: &Event) -> Option<(i64, [Option<i64>; 2])> {
    if event.kind != EventKind::MessageCreated {
        return None;
    }
    let conversation_id = event.conversation_id?;
    let actor = event.cause.filter(|c| c.kind == CauseKind::User).and_then(|c| c.id);
    let author = user_author(&event.data);
    if event.private && author.is_some() {
        let content = event.data["content"].as_str().unwrap_or("");
        if !crate::mentions::mentioned_user_ids(content).is_empty() {
            return None;
        }
    }
    // The message's push data names the assignee it came to; without it
    // the event is not judged.
    let assignee = event.data["conversation"].get("assignee_id")?.as_i64();
    if assignee.is_some_and(|a| Some(a) != author && Some(a) != actor) {
        return None;
    }
    Some((conversation_id, [author, actor]))
}

async fn notify(w: &mut Work, event: &StoredEvent) -> CoreResult<()> {
    let Some(conversation_id) = event.conversation_id else {
        return Ok(());
    };
    let Some(conv) = w.tx().get_conversation_by_id(conversation_id).await? else {
        return Ok(());
    };
    if conv.account_id != event.account_id {
        return Ok(());
    }
    let cause = event.cause();
    let actor = (cause.kind == CauseKind::User).then_some(cause.id).flatten();
    let mut rows: Vec<NewNotification> = Vec::new();
    let row = |user_id: i64, code: i64, message: Option<i64>| NewNotification {
        account_id: conv.account_id,
        user_id,
        notification_type: code,
        primary_actor_id: conv.id,
        secondary_actor_id: message,
        source_event: event.id,
    };
    let mut message_push: Option<Value> = None;
    let mut mentioned: Vec<i64> = Vec::new();
    match event.kind() {
        Some(EventKind::ConversationCreated) => {
            let members = w.tx().list_inbox_members(conv.inbox_id).await?;
            for u in members.into_iter().filter(|u| Some(*u) != actor) {
                rows.push(row(u, CONVERSATION_CREATION, None));
            }
        }
        Some(EventKind::AssigneeChanged) => {
            // The assignee the change made (the event's data), not a later one.
            let assignee = event.data["meta"]["assignee"]["id"].as_i64();
            if assignee.is_none() && actor.is_none() {
                // Taken back by routing for no reply: its agent and the
                // administrators hear of it.
                for u in requeued_from(w.tx(), &conv, event.created_at).await? {
                    rows.push(row(u, CONVERSATION_REQUEUED, None));
                }
            }
            if let Some(a) = assignee.filter(|a| Some(*a) != actor) {
                let ok = may_see(w.tx(), conv.account_id, conv.inbox_id, &[a]).await?;
                if !ok.is_empty() {
                    rows.push(row(a, CONVERSATION_ASSIGNMENT, None));
                }
            }
        }
        Some(kind @ (EventKind::SlaMissed | EventKind::SlaWarning)) => {
            let code = match (kind, event.data["event_type"].as_str()) {
                (EventKind::SlaWarning, _) => SLA_WARNING,
                (_, Some("nrt")) => SLA_MISSED_NEXT_RESPONSE,
                (_, Some("rt")) => SLA_MISSED_RESOLUTION,
                _ => SLA_MISSED_FIRST_RESPONSE,
            };
            let mut ids: Vec<i64> = w.tx().conversation_participants(conv.id).await?;
            ids.extend(conv.assignee_id);
            if kind == EventKind::SlaMissed {
                for (user, au) in w.tx().list_account_users(conv.account_id).await? {
                    if au.is_admin() {
                        ids.push(user.id);
                    }
                }
            }
            let mut seen = HashSet::new();
            ids.retain(|u| seen.insert(*u));
            for u in may_see(w.tx(), conv.account_id, conv.inbox_id, &ids).await? {
                rows.push(row(u, code, None));
            }
        }
        Some(EventKind::MessageCreated) => {
            let Some(message_id) = event.data["id"].as_i64() else {
                return Ok(());
            };
            message_push = Some(event.data.clone());
            let author = user_author(&event.data);
            let skip = |u: i64| Some(u) == author || Some(u) == actor;
            let mut notified: HashSet<i64> = HashSet::new();
            // Mentions: the note's own markup, those named who may see the
            // conversation (as `mentions::record` judged them when the note
            // was written).
            if event.private && author.is_some() {
                let content = event.data["content"].as_str().unwrap_or("");
                let named = crate::mentions::mentioned_user_ids(content);
                for user in may_see(w.tx(), conv.account_id, conv.inbox_id, &named).await? {
                    if !skip(user) && notified.insert(user) {
                        rows.push(row(user, CONVERSATION_MENTION, Some(message_id)));
                        mentioned.push(user);
                    }
                }
            }
            let mut candidates: Vec<(i64, i64)> = Vec::new();
            // The assignee when the message came (its push data), else now.
            let assignee = match event.data["conversation"].get("assignee_id") {
                Some(v) => v.as_i64(),
                None => conv.assignee_id,
            };
            if let Some(a) = assignee.filter(|a| !skip(*a) && !notified.contains(a)) {
                candidates.push((a, ASSIGNED_NEW_MESSAGE));
            }
            for p in w.tx().conversation_participants(conv.id).await? {
                if !skip(p) && !notified.contains(&p) && Some(p) != assignee {
                    candidates.push((p, PARTICIPATING_NEW_MESSAGE));
                }
            }
            let ids: Vec<i64> = candidates.iter().map(|(u, _)| *u).collect();
            let visible = may_see(w.tx(), conv.account_id, conv.inbox_id, &ids).await?;
            for (u, code) in candidates {
                if visible.contains(&u) && notified.insert(u) {
                    rows.push(row(u, code, Some(message_id)));
                }
            }
        }
        _ => return Ok(()),
    }
    if rows.is_empty() {
        return Ok(());
    }
    let now = w.now;
    // Dated when it happened, so the list keeps the events' order whatever
    // order the listener's jobs ran in.
    let created = w.tx().insert_notifications(&rows, event.created_at).await?;
    if created.is_empty() {
        return Ok(());
    }
    let core = w.core().clone();
    let view = views::conv_view(&core.channels, w.tx(), conv.clone()).await?;
    let inbox_name = w
        .tx()
        .get_inbox(conv.account_id, conv.inbox_id)
        .await?
        .map(|i| i.name)
        .unwrap_or_default();
    let conv_push = view.push();
    let actors = Actors {
        conversation: Some((conv_push.clone(), conv.display_id, inbox_name)),
        message: message_push,
    };
    let user_ids: Vec<i64> = created.iter().map(|n| n.user_id).collect();
    let users = w.tx().users_in_account(conv.account_id, &user_ids).await?;
    for user in &mentioned {
        w.emit(
            Event::new(EventKind::ConversationMentioned, conv.account_id, conv_push.clone())
                .inbox(Some(conv.inbox_id))
                .conversation(Some(conv.id))
                .private(true)
                .to_user(*user),
        )
        .await?;
    }
    let window = w.core().config.notification_mail_window.as_micros() as i64;
    let mailer_ready = w.core().mailer.configured();
    // Every recipient's counts and settings in two statements, however
    // many members an inbox has; each count reads at most PUSH_COUNT_CAP
    // rows, however many notifications a member holds.
    let counts: HashMap<i64, (i64, i64)> = w
        .tx()
        .count_notifications_of(conv.account_id, &user_ids, now, PUSH_COUNT_CAP)
        .await?
        .into_iter()
        .map(|(u, c, r)| (u, (c, r)))
        .collect();
    let settings: HashMap<i64, (i64, i64)> = w
        .tx()
        .notification_settings_of(conv.account_id, &user_ids)
        .await?
        .into_iter()
        .map(|s| (s.user_id, (s.email_flags, s.push_flags)))
        .collect();
    for n in &created {
        let user = users
            .iter()
            .find(|u| u.id == n.user_id)
            .map(user_json)
            .unwrap_or(Value::Null);
        let body = notification_json(n, &actors, &user);
        let counted = counts.get(&n.user_id).copied().unwrap_or((0, 0));
        push_counted(w, EventKind::NotificationCreated, n, body, counted).await?;
        let (email_flags, push_flags) = settings
            .get(&n.user_id)
            .copied()
            .unwrap_or((DEFAULT_EMAIL_FLAGS, DEFAULT_PUSH_FLAGS));
        if wants(push_flags, n.notification_type) {
            let content = actors
                .message
                .as_ref()
                .and_then(|m| m["content"].as_str())
                .map(short_content)
                .unwrap_or_default();
            let (_, display_id, inbox_name) = actors
                .conversation
                .as_ref()
                .map_or((&Value::Null, 0, ""), |c| (&c.0, c.1, c.2.as_str()));
            let message = crate::push_send::PushMessage::new(
                &core,
                n,
                type_name(n.notification_type),
                &title(n.notification_type, display_id, inbox_name, &content),
                &content,
                display_id,
            );
            let urgent = matches!(n.notification_type, CONVERSATION_ASSIGNMENT | CONVERSATION_MENTION);
            crate::push_send::queue(w, n.user_id, &message, urgent).await?;
        }
        if mailer_ready && wants(email_flags, n.notification_type) {
            let last = w.tx().last_mailed_at(n.user_id, conv.id).await?;
            let run_at = last.map(|t| (t + window).max(now)).unwrap_or(now);
            let job = NotificationMail {
                account_id: n.account_id,
                user_id: n.user_id,
                conversation_id: conv.id,
            };
            w.job(crate::job::new_job(
                &job,
                run_at,
                8,
                Some(run_at + MAIL_DEADLINE_MICROS),
            ))
            .await?;
        }
    }
    Ok(())
}

/// A notification mail is given up a day after it was due.
const MAIL_DEADLINE_MICROS: i64 = 24 * 3600 * 1_000_000;

/// Mails a user what they have not been mailed yet about one conversation
/// (the types their settings select): one mail for all of it.
#[derive(Debug, Serialize, Deserialize)]
pub struct NotificationMail {
    pub account_id: i64,
    pub user_id: i64,
    pub conversation_id: i64,
}

impl crate::job::BackgroundJob for NotificationMail {
    const KIND: &'static str = "notification_mail";

    fn unique_key(&self) -> Option<String> {
        Some(format!("notification_mail:{}:{}", self.user_id, self.conversation_id))
    }

    async fn run(self, core: Arc<Core>, _ctx: crate::job::JobContext) -> Result<(), JobFailure> {
        let (to, subject, text, ids) = {
            let mut tx = core.store.read().await?;
            let Some(user) = tx.get_user(self.user_id).await? else {
                return Ok(());
            };
            if tx.get_account_user(self.account_id, self.user_id).await?.is_none() {
                return Ok(());
            }
            let (email_flags, _) = setting_of(&mut *tx, self.account_id, self.user_id).await?;
            let rows: Vec<Notification> = tx
                .unmailed_notifications(self.account_id, self.user_id, self.conversation_id)
                .await?
                .into_iter()
                .filter(|n| wants(email_flags, n.notification_type))
                .collect();
            if rows.is_empty() {
                return Ok(());
            }
            let Some(conv) = tx.get_conversation_by_id(self.conversation_id).await? else {
                return Ok(());
            };
            let inbox_name = tx
                .get_inbox(conv.account_id, conv.inbox_id)
                .await?
                .map(|i| i.name)
                .unwrap_or_default();
            let msg_ids: Vec<i64> = rows.iter().filter_map(|n| n.secondary_actor_id).collect();
            let msgs = tx.get_messages_by_ids(&msg_ids).await?;
            let (subject, text) = mail_text(&core, &conv, &inbox_name, &rows, &msgs);
            (user.email, subject, text, rows.iter().map(|n| n.id).collect::<Vec<_>>())
        };
        match core.mailer.send(&to, &subject, text, Duration::from_secs(20)).await {
            Ok(()) => {}
            Err(MailError::Permanent(e)) => return Err(JobFailure::Permanent(e)),
            Err(MailError::Retry(e)) => return Err(JobFailure::Retry { error: e, after: None }),
        }
        let mut w = Work::begin(&core).await?;
        let now = w.now;
        w.tx().mark_notifications_mailed(&ids, now).await?;
        w.commit().await?;
        Ok(())
    }
}

fn mail_text(
    core: &Core,
    conv: &Conversation,
    inbox_name: &str,
    rows: &[Notification],
    msgs: &[switchboard_store::Message],
) -> (String, String) {
    let subject = if rows.len() == 1 {
        let content = rows[0]
            .secondary_actor_id
            .and_then(|id| msgs.iter().find(|m| m.id == id))
            .and_then(|m| m.content.as_deref())
            .map(short_content)
            .unwrap_or_default();
        title(rows[0].notification_type, conv.display_id, inbox_name, &content)
    } else {
        format!(
            "{} updates in conversation (#{}) in {inbox_name}",
            rows.len(),
            conv.display_id
        )
    };
    let mut text = String::new();
    for n in rows {
        let content = n
            .secondary_actor_id
            .and_then(|id| msgs.iter().find(|m| m.id == id))
            .and_then(|m| m.content.as_deref())
            .map(short_content)
            .unwrap_or_default();
        text.push_str(&format!(
            "- {}\n",
            title(n.notification_type, conv.display_id, inbox_name, &content)
        ));
    }
    text.push_str(&format!(
        "\nOpen the conversation: {}/app/accounts/{}/conversations/{}\n",
        core.config.public_url.trim_end_matches('/'),
        conv.account_id,
        conv.display_id
    ));
    (subject, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip() {
        let f = parse_flags(
            "x",
            "email",
            &json!(["email_conversation_creation", "email_conversation_mention"]),
        )
        .unwrap();
        assert_eq!(f, 1 | 8);
        assert_eq!(
            flag_names("email", f),
            vec!["email_conversation_creation", "email_conversation_mention"]
        );
        assert!(parse_flags("x", "email", &json!(["push_conversation_creation"])).is_err());
        assert!(parse_flags("x", "email", &json!("email_conversation_creation")).is_err());
        assert!(parse_flags("x", "email", &json!([1])).is_err());
        assert!(wants(DEFAULT_EMAIL_FLAGS, CONVERSATION_ASSIGNMENT));
        assert!(!wants(DEFAULT_EMAIL_FLAGS, CONVERSATION_CREATION));
        assert!(!wants(-1, 0) && !wants(-1, 64));
    }

    #[test]
    fn short_content_reads_mentions() {
        assert_eq!(
            short_content("Hi [@Ann B](mention://user/4/Ann%20B), look"),
            "Hi @Ann B, look"
        );
        assert_eq!(short_content("a b c d e f g h i j k l"), "a b c d e f g h i j...");
    }
}
