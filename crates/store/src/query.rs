//! Typed queries. Everything a client may influence arrives here as an enum or
//! a bound value; backends never interpolate client text into SQL.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKey {
    Email,
    Identifier,
    Phone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactSort {
    Name,
    Email,
    Phone,
    LastActivityAt,
    CreatedAt,
    Company,
    City,
    Country,
}

#[derive(Debug, Clone)]
pub struct ContactQuery {
    pub account_id: i64,
    /// Case-insensitive substring over name, email, phone and company; exact identifier.
    pub search: Option<String>,
    pub labels: Vec<String>,
    pub sort: ContactSort,
    pub descending: bool,
    /// Only contacts with an e-mail, phone or identifier (Chatwoot's list rule).
    pub only_resolved: bool,
    pub limit: i64,
    pub offset: i64,
    /// Keyset position `(sort value, id)`: rows after it in sort order
    /// (a `None` value: among those without one, which come last). Only
    /// for the last-activity and creation sorts; `offset` is then 0.
    pub after: Option<(Option<i64>, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    All,
    Me,
    Unassigned,
    Assigned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationSort {
    LastActivityAt,
    CreatedAt,
    Priority,
    WaitingSince,
}

/// A conversation list query. `inbox_ids` restricts to the inboxes the
/// caller may see (agents); `None` means every inbox of the account.
#[derive(Debug, Clone)]
pub struct ConversationQuery {
    pub account_id: i64,
    pub user_id: i64,
    pub visible_inboxes: Option<Vec<i64>>,
    pub statuses: Option<Vec<i16>>,
    pub assignee: AssigneeFilter,
    pub inbox_id: Option<i64>,
    pub team_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub labels: Vec<String>,
    /// Case-insensitive substring of a chat message's content.
    pub q: Option<String>,
    /// The search box: a display id, or part of the contact's name, e-mail
    /// or phone, or the contact's identifier exactly.
    pub matching: Option<String>,
    pub source_id: Option<String>,
    pub updated_since: Option<i64>,
    pub filter: Vec<FilterCondition>,
    pub sort: ConversationSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
    /// Keyset position `(sort value, id)`: rows after it in sort order.
    /// Only for the last-activity and creation sorts.
    pub after: Option<(i64, i64)>,
    /// Only conversations this user participates in (Chatwoot's
    /// `conversation_type=participating`).
    pub participant: Option<i64>,
    /// Only conversations where this user was mentioned (Chatwoot's
    /// `conversation_type=mention`).
    pub mentioned: Option<i64>,
    /// Only conversations nobody answered yet or whose contact waits for a
    /// reply (Chatwoot's `conversation_type=unattended`).
    pub unattended: bool,
}

impl ConversationQuery {
    pub fn new(account_id: i64, user_id: i64) -> Self {
        ConversationQuery {
            account_id,
            user_id,
            visible_inboxes: None,
            statuses: None,
            assignee: AssigneeFilter::All,
            inbox_id: None,
            team_id: None,
            contact_id: None,
            labels: Vec::new(),
            q: None,
            matching: None,
            source_id: None,
            updated_since: None,
            filter: Vec::new(),
            sort: ConversationSort::LastActivityAt,
            descending: true,
            limit: 25,
            offset: 0,
            after: None,
            participant: None,
            mentioned: None,
            unattended: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ConversationCounts {
    pub mine_count: i64,
    pub assigned_count: i64,
    pub unassigned_count: i64,
    pub all_count: i64,
}

/// A column a conversation filter may test (an allowlist: nothing else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterField {
    Status,
    Priority,
    AssigneeId,
    InboxId,
    TeamId,
    DisplayId,
    ContactId,
    CreatedAt,
    LastActivityAt,
    WaitingSince,
    Labels,
    /// A key of `additional_attributes` (browser_language, referer, ...).
    Additional(String),
    /// A key of `custom_attributes`.
    Custom(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    EqualTo,
    NotEqualTo,
    Contains,
    DoesNotContain,
    IsPresent,
    IsNotPresent,
    IsGreaterThan,
    IsLessThan,
    /// Older than N days (value is the cut-off instant in micros).
    DaysBefore,
    /// A text prefix (contact filters: phone numbers).
    StartsWith,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FilterCondition {
    pub field: FilterField,
    pub op: FilterOp,
    pub values: Vec<FilterValue>,
    /// How this condition joins the next one.
    pub join: Join,
}

#[derive(Debug, Clone)]
pub struct MessageQuery {
    pub conversation_id: i64,
    pub before: Option<i64>,
    pub after: Option<i64>,
    pub limit: i64,
    /// Contacts see neither private notes nor activity lines.
    pub public_only: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobStats {
    pub queued: i64,
    pub running: i64,
    pub dead: i64,
}

// ---- contact filters ----

/// A contact attribute a contact filter may test (an allowlist: nothing else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactFilterField {
    Name,
    Email,
    PhoneNumber,
    Identifier,
    /// A key of `additional_attributes` (from a fixed list).
    Additional(&'static str),
    CreatedAt,
    LastActivityAt,
    Blocked,
    Labels,
    /// A key of `custom_attributes`.
    Custom(String),
}

/// One condition of a contact filter. Text values arrive lower-cased and
/// are compared case-insensitively; `Blocked` takes `Int(0 | 1)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFilterCondition {
    pub field: ContactFilterField,
    pub op: FilterOp,
    pub values: Vec<FilterValue>,
    /// How this condition joins the next one.
    pub join: Join,
}

#[derive(Debug, Clone)]
pub struct ContactFilterQuery {
    pub account_id: i64,
    pub conditions: Vec<ContactFilterCondition>,
    pub limit: i64,
    pub offset: i64,
    /// Matches are counted up to this many (the count stays bounded).
    pub count_cap: i64,
}
