//! Real time: the ActionCable protocol Chatwoot's clients speak on `/cable`,
//! the hub that routes committed events to the right sockets, and presence.
//!
//! The hub holds only what may be lost: the database stays the system of
//! record, and a client that reconnects catches up over HTTP.

pub mod backplane;
pub mod cable;
pub mod hub;
pub mod presence;
pub mod socket;

use std::collections::HashSet;

use async_trait::async_trait;

pub use hub::Hub;

/// Who a subscription speaks for, resolved once at `subscribe`.
#[derive(Debug, Clone)]
pub enum Principal {
    Agent {
        account_id: i64,
        user_id: i64,
        admin: bool,
        /// Inboxes an agent is a member of (administrators see all).
        inboxes: HashSet<i64>,
    },
    Contact {
        account_id: i64,
        contact_id: i64,
        inbox_id: i64,
        /// The contact inbox (visitor session) the pubsub token belongs to.
        contact_inbox_id: i64,
        /// The session proved the contact's identifier (HMAC): it follows
        /// every conversation of the contact in its inbox, not only its own.
        verified: bool,
    },
}

impl Principal {
    pub fn account_id(&self) -> i64 {
        match self {
            Principal::Agent { account_id, .. } | Principal::Contact { account_id, .. } => *account_id,
        }
    }
}

/// An agent's presence row: availability and whether they go offline when
/// their sockets do.
#[derive(Debug, Clone)]
pub struct AgentAvailability {
    pub user_id: i64,
    pub availability: String,
    pub auto_offline: bool,
}

/// Resolves subscription identifiers against the system of record.
#[async_trait]
pub trait Authorizer: Send + Sync + 'static {
    /// An agent: the user's `pubsub_token`, with their id and an account of theirs.
    async fn agent(&self, pubsub_token: &str, account_id: i64, user_id: i64) -> Option<Principal>;
    /// A contact: a contact inbox's `pubsub_token`.
    async fn contact(&self, pubsub_token: &str) -> Option<Principal>;
    /// Availability of the account's agents (for `presence.update`).
    async fn availability(&self, account_id: i64) -> Vec<AgentAvailability>;
    /// An agent came online (a first socket, or back after a gap).
    async fn agent_arrived(&self, account_id: i64, user_id: i64) {
        let _ = (account_id, user_id);
    }
}

/// Limits of one socket.
#[derive(Debug, Clone, Copy)]
pub struct SocketLimits {
    /// Largest frame a client may send.
    pub max_frame: usize,
    /// Frames waiting for a slow client before it is dropped.
    pub queue: usize,
    /// Subscriptions one socket may hold.
    pub max_subscriptions: usize,
    pub ping_every: std::time::Duration,
}

impl Default for SocketLimits {
    fn default() -> Self {
        SocketLimits {
            max_frame: 64 * 1024,
            queue: 256,
            max_subscriptions: 16,
            ping_every: std::time::Duration::from_secs(3),
        }
    }
}
