//! The hub: live subscriptions and the routing of events to them.
//!
//! Recipients by event (compat §4): message and conversation events go to
//! the agents who may see the inbox (administrators, members) and to the
//! conversation's contact unless the event is private (notes, activity
//! lines) -- to the contact's session whose conversation it is, or to any
//! of the contact's sessions that verified its identity; assignment, team,
//! read and first-reply events to agents only;
//! contact and inbox events to the account's agents; typing to everyone
//! but the typer; notifications and mentions to their one recipient. Each event is serialised once; each recipient gets it
//! through its socket's bounded queue, and a socket that cannot keep up is
//! closed instead of buffering without end.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde_json::json;
use switchboard_domain::event::Performer;
use switchboard_domain::{Event, EventKind};
use tokio::sync::{Notify, mpsc};

use crate::Principal;
use crate::cable;
use crate::presence::Presence;

/// One subscription of one socket.
pub struct Sub {
    pub socket: u64,
    pub identifier: String,
    /// The identifier as a JSON string literal, ready to splice into frames.
    pub identifier_literal: String,
    pub principal: Principal,
    pub out: mpsc::Sender<String>,
    pub kill: Arc<Notify>,
}

#[derive(Default)]
struct Subs {
    /// Agent subscriptions by account.
    agents: HashMap<i64, Vec<Arc<Sub>>>,
    /// Contact subscriptions by contact.
    contacts: HashMap<i64, Vec<Arc<Sub>>>,
}

#[derive(Default)]
pub struct Hub {
    subs: RwLock<Subs>,
    pub presence: Presence,
    next_socket: AtomicU64,
    /// Frames queued to sockets.
    pub frames: AtomicU64,
    /// Sockets closed for not keeping up.
    pub slow_dropped: AtomicU64,
    /// Presence shared between nodes, when several run.
    pub shared: std::sync::OnceLock<Arc<crate::backplane::RedisBackplane>>,
    /// Bumped when live sockets may have missed events (the backplane came
    /// back after a break): each socket then closes with a reconnect hint
    /// within `CATCH_UP_SPREAD`, and its client catches up over HTTP.
    pub catch_up: tokio::sync::watch::Sender<u64>,
    /// Sockets closed so that their clients catch up.
    pub caught_up: AtomicU64,
}

/// Sockets asked to catch up close at random within this, so their clients
/// do not all come back in the same instant.
pub const CATCH_UP_SPREAD: std::time::Duration = std::time::Duration::from_secs(2);

enum Audience {
    None,
    AccountAgents,
    InboxAgents,
    InboxAgentsAndContact,
    /// The event's recipient alone.
    User,
}

fn audience(kind: EventKind) -> Audience {
    match kind {
        EventKind::ContactCreated
        | EventKind::ContactUpdated
        | EventKind::ContactDeleted
        | EventKind::ContactMerged
        | EventKind::InboxCreated
        | EventKind::InboxUpdated => Audience::AccountAgents,
        EventKind::AssigneeChanged
        | EventKind::TeamChanged
        | EventKind::ConversationRead
        | EventKind::FirstReplyCreated
        | EventKind::SlaMissed
        | EventKind::SlaWarning => Audience::InboxAgents,
        EventKind::MessageCreated
        | EventKind::MessageUpdated
        | EventKind::ConversationCreated
        | EventKind::ConversationStatusChanged
        | EventKind::ConversationUpdated
        | EventKind::ConversationTypingOn
        | EventKind::ConversationTypingOff => Audience::InboxAgentsAndContact,
        EventKind::AccountCacheInvalidated | EventKind::PresenceUpdate => Audience::AccountAgents,
        EventKind::WebwidgetTriggered | EventKind::SessionsRevoked => Audience::None,
        EventKind::NotificationCreated
        | EventKind::NotificationUpdated
        | EventKind::NotificationDeleted
        | EventKind::ConversationMentioned => Audience::User,
    }
}

impl Hub {
    pub fn new() -> Arc<Hub> {
        Arc::new(Hub::default())
    }

    /// Marks a subscriber online; true when an agent arrives (was not
    /// online on this node a moment ago), which may let routing give them work.
    pub async fn touch(&self, p: &Principal) -> bool {
        let now = std::time::Instant::now();
        match p {
            Principal::Agent {
                account_id, user_id, ..
            } => {
                let arrived = self.presence.touch_user(*account_id, *user_id, now);
                if let Some(r) = self.shared.get() {
                    r.touch(*account_id, "users", *user_id).await;
                }
                arrived
            }
            Principal::Contact {
                account_id, contact_id, ..
            } => {
                self.presence.touch_contact(*account_id, *contact_id, now);
                if let Some(r) = self.shared.get() {
                    r.touch(*account_id, "contacts", *contact_id).await;
                }
                false
            }
        }
    }

    /// Agents of an account seen within `within` (at most an hour), with how
    /// long ago: across nodes when shared; while Redis is away, this node's.
    pub async fn users_seen(&self, account_id: i64, within: Duration) -> Vec<(i64, Duration)> {
        let here = self.presence.users_seen(account_id, std::time::Instant::now(), within);
        match self.shared.get() {
            Some(r) => match r.seen(account_id, "users", within).await {
                Some(mut seen) => {
                    // A sighting here that Redis missed (a touch skipped
                    // while it reconnected) still counts.
                    for (id, ago) in here {
                        match seen.iter_mut().find(|(s, _)| *s == id) {
                            Some(entry) => entry.1 = entry.1.min(ago),
                            None => seen.push((id, ago)),
                        }
                    }
                    seen.sort_unstable();
                    seen
                }
                None => here,
            },
            None => here,
        }
    }

    /// Agents online in an account (across nodes when shared; while Redis
    /// is away, the last answer it gave plus those seen on this node).
    pub async fn online_users(&self, account_id: i64) -> Vec<i64> {
        let here = self.presence.online_users(account_id, std::time::Instant::now());
        match self.shared.get() {
            Some(r) => match r.online(account_id, "users").await {
                Some(ids) => ids,
                None => merged(r.last_known(account_id, "users"), here),
            },
            None => here,
        }
    }

    /// Contacts online in an account (as `online_users`).
    pub async fn online_contacts(&self, account_id: i64) -> Vec<i64> {
        let here = self.presence.online_contacts(account_id, std::time::Instant::now());
        match self.shared.get() {
            Some(r) => match r.online(account_id, "contacts").await {
                Some(ids) => ids,
                None => merged(r.last_known(account_id, "contacts"), here),
            },
            None => here,
        }
    }

    /// Asks every live socket to have its client catch up (see `catch_up`).
    pub fn ask_to_catch_up(&self) {
        self.catch_up.send_modify(|n| *n += 1);
    }

    pub fn next_socket_id(&self) -> u64 {
        self.next_socket.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Subs> {
        self.subs.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Subs> {
        self.subs.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add(&self, sub: Arc<Sub>) {
        let mut g = self.write();
        match &sub.principal {
            Principal::Agent { account_id, .. } => g.agents.entry(*account_id).or_default().push(sub),
            Principal::Contact { contact_id, .. } => g.contacts.entry(*contact_id).or_default().push(sub),
        }
    }

    /// Removes one subscription (`identifier`) or, with `None`, all of a socket's.
    pub fn remove(&self, socket: u64, identifier: Option<&str>) {
        let keep = |s: &Arc<Sub>| s.socket != socket || identifier.is_some_and(|i| i != s.identifier);
        let mut g = self.write();
        for list in g.agents.values_mut() {
            list.retain(keep);
        }
        g.agents.retain(|_, l| !l.is_empty());
        for list in g.contacts.values_mut() {
            list.retain(keep);
        }
        g.contacts.retain(|_, l| !l.is_empty());
    }

    /// Subscriptions live now (for metrics and tests).
    pub fn subscriptions(&self) -> usize {
        let g = self.read();
        g.agents.values().map(Vec::len).sum::<usize>() + g.contacts.values().map(Vec::len).sum::<usize>()
    }

    /// Closes every socket of a user (their token was revoked or they left the account).
    pub fn revoke_user(&self, user_id: i64) {
        let g = self.read();
        for s in g.agents.values().flatten() {
            if matches!(s.principal, Principal::Agent { user_id: u, .. } if u == user_id) {
                s.kill.notify_one();
            }
        }
    }

    /// Replaces an agent's inbox memberships and role on their live subscriptions.
    pub fn refresh_agent(&self, account_id: i64, user_id: i64, admin: bool, inboxes: HashSet<i64>) {
        let mut g = self.write();
        if let Some(list) = g.agents.get_mut(&account_id) {
            for s in list.iter_mut() {
                if matches!(s.principal, Principal::Agent { user_id: u, .. } if u == user_id) {
                    *s = Arc::new(Sub {
                        socket: s.socket,
                        identifier: s.identifier.clone(),
                        identifier_literal: s.identifier_literal.clone(),
                        principal: Principal::Agent {
                            account_id,
                            user_id,
                            admin,
                            inboxes: inboxes.clone(),
                        },
                        out: s.out.clone(),
                        kill: s.kill.clone(),
                    });
                }
            }
        }
    }

    /// Agents with live subscriptions in an account (to refresh after membership changes).
    pub fn agents_of(&self, account_id: i64) -> Vec<i64> {
        let g = self.read();
        let mut ids: Vec<i64> = g
            .agents
            .get(&account_id)
            .into_iter()
            .flatten()
            .filter_map(|s| match s.principal {
                Principal::Agent { user_id, .. } => Some(user_id),
                Principal::Contact { .. } => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Routes one committed event to its recipients.
    pub fn dispatch(&self, event: &Event) {
        let audience = audience(event.kind);
        if matches!(audience, Audience::None) {
            return;
        }
        let mut data = event.data.clone();
        if let Some(o) = data.as_object_mut() {
            o.entry("account_id").or_insert(json!(event.account_id));
        }
        let body = cable::event_body(event.kind.cable_name(), &data);
        let g = self.read();
        if let Some(agents) = g.agents.get(&event.account_id) {
            for s in agents {
                let Principal::Agent {
                    user_id,
                    admin,
                    inboxes,
                    ..
                } = &s.principal
                else {
                    continue;
                };
                let sees = match audience {
                    Audience::AccountAgents => true,
                    Audience::User => event.recipient == Some(*user_id),
                    _ => *admin || event.inbox_id.is_some_and(|i| inboxes.contains(&i)),
                };
                if sees && event.performer_is_not(Performer::User(*user_id)) {
                    self.send(s, &body);
                }
            }
        }
        if matches!(audience, Audience::InboxAgentsAndContact)
            && !event.private
            && let Some(contact_id) = event.contact_id
            && let Some(subs) = g.contacts.get(&contact_id)
        {
            for s in subs {
                let Principal::Contact {
                    inbox_id,
                    account_id,
                    contact_inbox_id,
                    verified,
                    ..
                } = &s.principal
                else {
                    continue;
                };
                // An unverified session follows only its own conversations:
                // sharing a contact (an agent linked it, or a merge) does not
                // share another session's history.
                let own = *verified || event.contact_inbox_id == Some(*contact_inbox_id);
                if *account_id == event.account_id
                    && Some(*inbox_id) == event.inbox_id
                    && own
                    && event.performer_is_not(Performer::Contact(contact_id))
                {
                    self.send(s, &body);
                }
            }
        }
    }

    fn send(&self, s: &Sub, body: &str) {
        let frame = cable::message_frame(&s.identifier_literal, body);
        match s.out.try_send(frame) {
            Ok(()) => {
                self.frames.fetch_add(1, Ordering::Relaxed);
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.slow_dropped.fetch_add(1, Ordering::Relaxed);
                s.kill.notify_one();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

fn merged(mut a: Vec<i64>, b: Vec<i64>) -> Vec<i64> {
    a.extend(b);
    a.sort_unstable();
    a.dedup();
    a
}

trait TypingFilter {
    fn performer_is_not(&self, who: Performer) -> bool;
}

impl TypingFilter for Event {
    /// Typing events skip the typer; every other event reaches its author too.
    fn performer_is_not(&self, who: Performer) -> bool {
        !matches!(
            self.kind,
            EventKind::ConversationTypingOn | EventKind::ConversationTypingOff
        ) || self.performer != Some(who)
    }
}
