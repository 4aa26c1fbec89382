//! What the conversation use cases give: the conversation in Chatwoot's
//! REST shape ([`ConversationView`]) and the pages that list it. JSON
//! appears at the edge (http serialises these); the ActionCable and
//! webhook shapes stay `present::ConvView::push`, as the events carry them.

use serde::Serialize;
use serde_json::Value;
use switchboard_store::ConversationCounts;

use crate::contact_types::ContactView;

/// `meta` of a conversation: its contact, channel, team and assignee.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationMetaView {
    pub sender: ContactView,
    /// The inbox's channel, as Chatwoot names its class.
    pub channel: &'static str,
    pub hmac_verified: bool,
    /// The team shape, or null.
    pub team: Option<Value>,
    /// The agent shape, or null.
    pub assignee: Option<Value>,
    /// `User` when there is an assignee (Chatwoot leaves it out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_type: Option<&'static str>,
}

/// A conversation in the REST shape (`GET /conversations/{id}`, every
/// list's items). Times are Unix seconds (0 for none) unless said.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationView {
    /// The display id (the number in URLs).
    pub id: i64,
    pub account_id: i64,
    pub uuid: String,
    pub meta: ConversationMetaView,
    pub inbox_id: i64,
    pub status: &'static str,
    pub priority: Option<&'static str>,
    pub labels: Vec<String>,
    /// Whether a free-form reply can go out now (the platform's window).
    pub can_reply: bool,
    pub muted: bool,
    pub additional_attributes: Value,
    pub custom_attributes: Value,
    pub agent_last_seen_at: i64,
    pub contact_last_seen_at: i64,
    pub assignee_last_seen_at: i64,
    pub first_reply_created_at: i64,
    pub created_at: i64,
    /// With a fraction.
    pub updated_at: f64,
    /// The last activity, again (Chatwoot's field).
    pub timestamp: i64,
    pub last_activity_at: i64,
    pub waiting_since: i64,
    /// ISO 8601, or null.
    pub snoozed_until: Option<String>,
    pub unread_count: i64,
    pub sla_policy_id: Option<i64>,
    /// The SLA held against it (Chatwoot's `applied_sla`), or null.
    pub applied_sla: Option<Value>,
    /// Its misses (Chatwoot's `sla_events`).
    pub sla_events: Vec<Value>,
    /// The last message (none or one), in the push shape with its
    /// attachments, as Chatwoot's list shows it.
    pub messages: Vec<Value>,
    pub last_non_activity_message: Option<Value>,
}

/// The counts of a list, and the keyset cursor of the next page when
/// there may be one.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationListMeta {
    #[serde(flatten)]
    pub counts: ConversationCounts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConversationPage {
    pub meta: ConversationListMeta,
    pub payload: Vec<ConversationView>,
}

/// `GET /conversations`: `{data: {meta, payload}}`.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationList {
    pub data: ConversationPage,
}

/// `GET /conversations/meta`: `{meta: counts}`.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationMeta {
    pub meta: ConversationCounts,
}

/// The counts `POST /conversations/filter` answers with.
#[derive(Debug, Clone, Serialize)]
pub struct FilterCounts {
    pub mine_count: i64,
    pub unassigned_count: i64,
    pub all_count: i64,
}

/// `POST /conversations/filter`: `{meta, payload}`.
#[derive(Debug, Clone, Serialize)]
pub struct FilteredConversations {
    pub meta: FilterCounts,
    pub payload: Vec<ConversationView>,
}
