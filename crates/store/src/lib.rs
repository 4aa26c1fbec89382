//! The storage traits. A backend (SQLite, PostgreSQL) implements [`Store`],
//! which hands out [`Tx`]s: a connection inside a transaction. Every use case
//! in `core` runs in one `Tx`, so a change, its events and its jobs commit
//! together or not at all. Dropping a `Tx` without `commit` rolls it back.
//!
//! All methods that take an `account_id` scope their query by it: a row of
//! another account is indistinguishable from a missing one.

pub mod query;
pub mod records;

use async_trait::async_trait;
pub use query::*;
pub use records::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; the string names the constraint
    /// or the columns as the backend reported them.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(String),
    /// The database refused to grow (disk full, or its size limit): nothing
    /// of the transaction was kept. Writing resumes once space is freed.
    #[error("database full: {0}")]
    Full(String),
    /// The database could not be reached or could not serve the request in
    /// time (connection refused or lost, no free connection, I/O error);
    /// nothing of the transaction was kept, and a retry later may succeed.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The transaction lost a race with another (PostgreSQL's deadlock or
    /// serialization failure) and was rolled back: running it again
    /// usually succeeds.
    #[error("transaction contended: {0}")]
    Contended(String),
}

impl StoreError {
    /// Whether the failure is the database's state rather than this
    /// request's (retrying the same request later may succeed).
    pub fn is_outage(&self) -> bool {
        matches!(self, StoreError::Full(_) | StoreError::Unavailable(_))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// A read-only transaction (a consistent snapshot for lists and counts).
    async fn read(&self) -> StoreResult<Box<dyn Tx>>;
    /// A write transaction. On SQLite there is one writer; on PostgreSQL
    /// conversations are locked row by row (see `lock_conversation`).
    async fn write(&self) -> StoreResult<Box<dyn Tx>>;
    async fn ping(&self) -> StoreResult<()>;
    async fn close(&self);
    /// Claims up to `limit` due jobs for `lease_micros`; several nodes may
    /// call this concurrently and each job is handed to one of them.
    async fn claim_jobs(&self, now: i64, limit: i64, lease_micros: i64) -> StoreResult<Vec<Job>>;

    /// For fault tests: caps the database at `max_pages` pages (SQLite's
    /// `max_page_count` on the writer), so "disk full" can be provoked
    /// without a small filesystem; `None` lifts the cap. Other backends
    /// answer an error.
    async fn limit_pages(&self, _max_pages: Option<u64>) -> StoreResult<()> {
        Err(StoreError::Database("page limits exist on SQLite only".into()))
    }
}

#[async_trait]
pub trait Tx: Send {
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    /// The installation secret `name`, created from `candidate` the first
    /// time; every node gets the same value.
    async fn instance_secret(&mut self, name: &str, candidate: &str) -> StoreResult<String>;

    // ---- accounts and users ----
    async fn count_accounts(&mut self) -> StoreResult<i64>;
    async fn insert_account(&mut self, name: &str, locale: &str, now: i64) -> StoreResult<Account>;
    async fn get_account(&mut self, id: i64) -> StoreResult<Option<Account>>;
    async fn update_account(&mut self, a: &Account) -> StoreResult<()>;
    async fn insert_user(&mut self, u: &NewUser, now: i64) -> StoreResult<User>;
    async fn get_user(&mut self, id: i64) -> StoreResult<Option<User>>;
    async fn find_user_by_email(&mut self, email: &str) -> StoreResult<Option<User>>;
    /// Whether some user's avatar URL ends with `suffix` (`/avatars/<key>.<ext>`;
    /// no LIKE wildcards in it).
    async fn avatar_in_use(&mut self, suffix: &str) -> StoreResult<bool>;
    async fn update_user(&mut self, u: &User) -> StoreResult<()>;
    async fn set_access_token(&mut self, owner_type: &str, owner_id: i64, token: &str, now: i64) -> StoreResult<()>;
    async fn get_access_token(&mut self, owner_type: &str, owner_id: i64) -> StoreResult<Option<String>>;
    /// The owner (type, id) of an API access token.
    async fn find_access_token(&mut self, token: &str) -> StoreResult<Option<(String, i64)>>;
    async fn insert_session(
        &mut self,
        user_id: i64,
        client_id: &str,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<Session>;
    async fn find_session(&mut self, user_id: i64, client_id: &str) -> StoreResult<Option<Session>>;
    async fn delete_session(&mut self, id: i64) -> StoreResult<()>;
    async fn delete_user_sessions(&mut self, user_id: i64) -> StoreResult<()>;
    async fn insert_contact_note(&mut self, n: &ContactNote) -> StoreResult<ContactNote>;
    /// A contact's notes, newest first, `limit` from `offset`.
    async fn list_contact_notes(
        &mut self,
        account_id: i64,
        contact_id: i64,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<ContactNote>>;
    async fn get_contact_note(&mut self, account_id: i64, contact_id: i64, id: i64)
    -> StoreResult<Option<ContactNote>>;
    async fn update_contact_note(&mut self, n: &ContactNote) -> StoreResult<()>;
    async fn delete_contact_note(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
    /// Inserts the invitation, or renews the pending one of the same account
    /// and user (new token, role, expiry; mail status cleared).
    async fn upsert_invitation(&mut self, i: &Invitation) -> StoreResult<Invitation>;
    async fn get_invitation(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Invitation>>;
    async fn find_invitation_by_token(&mut self, token_hash: &str) -> StoreResult<Option<Invitation>>;
    async fn list_account_invitations(&mut self, account_id: i64, now: i64) -> StoreResult<Vec<Invitation>>;
    /// A user's pending invitations, each with its account's name.
    async fn list_user_invitations(&mut self, user_id: i64, now: i64) -> StoreResult<Vec<(Invitation, String)>>;
    /// Deletes the invitation; false when it was already gone (used twice).
    async fn delete_invitation(&mut self, id: i64) -> StoreResult<bool>;
    async fn set_invitation_token(&mut self, id: i64, token_hash: &str) -> StoreResult<()>;
    async fn set_invitation_mail_status(&mut self, id: i64, status: &str) -> StoreResult<()>;
    /// Replaces the user's reset token.
    async fn put_password_reset(
        &mut self,
        user_id: i64,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// Takes (deletes) an unexpired reset token and answers its user; `None`
    /// when unknown, expired or already used.
    async fn take_password_reset(&mut self, token_hash: &str, now: i64) -> StoreResult<Option<i64>>;
    async fn upsert_account_user(
        &mut self,
        account_id: i64,
        user_id: i64,
        role: i16,
        now: i64,
    ) -> StoreResult<AccountUser>;
    async fn get_account_user(&mut self, account_id: i64, user_id: i64) -> StoreResult<Option<AccountUser>>;
    async fn update_account_user(&mut self, au: &AccountUser) -> StoreResult<()>;
    async fn delete_account_user(&mut self, account_id: i64, user_id: i64) -> StoreResult<bool>;
    async fn list_account_users(&mut self, account_id: i64) -> StoreResult<Vec<(User, AccountUser)>>;
    async fn list_user_accounts(&mut self, user_id: i64) -> StoreResult<Vec<(Account, AccountUser)>>;
    /// Users of the account among `ids` (for validating assignees and members).
    async fn users_in_account(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<User>>;

    // ---- inboxes ----
    async fn insert_inbox(&mut self, i: &Inbox) -> StoreResult<Inbox>;
    async fn get_inbox(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Inbox>>;
    /// Inboxes by id (callers got the ids from rows already scoped to an account).
    async fn get_inboxes(&mut self, ids: &[i64]) -> StoreResult<Vec<Inbox>>;
    /// Which of the `(inbox_id, user_id)` pairs are memberships.
    async fn inbox_memberships(&mut self, pairs: &[(i64, i64)]) -> StoreResult<Vec<(i64, i64)>>;
    async fn find_inbox_by_key(&mut self, channel_type: i16, key: &str) -> StoreResult<Option<Inbox>>;
    /// Inboxes of the account; with `member` only those the user is a member of.
    async fn list_inboxes(&mut self, account_id: i64, member: Option<i64>) -> StoreResult<Vec<Inbox>>;
    async fn update_inbox(&mut self, i: &Inbox) -> StoreResult<()>;
    /// Every inbox of a channel type, of all accounts (mailbox polling).
    async fn inboxes_of_type(&mut self, channel_type: i16) -> StoreResult<Vec<Inbox>>;
    async fn get_mail_cursor(&mut self, inbox_id: i64) -> StoreResult<Option<MailCursor>>;
    /// Inserts or replaces the inbox's cursor.
    async fn set_mail_cursor(&mut self, c: &MailCursor) -> StoreResult<()>;
    async fn delete_inbox(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
    async fn list_inbox_members(&mut self, inbox_id: i64) -> StoreResult<Vec<i64>>;
    async fn add_inbox_members(&mut self, inbox_id: i64, user_ids: &[i64], now: i64) -> StoreResult<()>;
    async fn remove_inbox_members(&mut self, inbox_id: i64, user_ids: &[i64]) -> StoreResult<()>;
    async fn is_inbox_member(&mut self, inbox_id: i64, user_id: i64) -> StoreResult<bool>;
    async fn user_inbox_ids(&mut self, account_id: i64, user_id: i64) -> StoreResult<Vec<i64>>;

    // ---- contacts ----
    async fn insert_contact(&mut self, c: &Contact) -> StoreResult<Contact>;
    async fn get_contact(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Contact>>;
    async fn get_contacts(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<Contact>>;
    /// Contacts by id (callers got the ids from rows already scoped to an account).
    async fn get_contacts_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Contact>>;
    /// Sets last_activity_at of several contacts.
    async fn touch_contacts(&mut self, ids: &[i64], at: i64) -> StoreResult<()>;
    async fn find_contact_by(
        &mut self,
        account_id: i64,
        field: ContactKey,
        value: &str,
    ) -> StoreResult<Option<Contact>>;
    async fn update_contact(&mut self, c: &Contact) -> StoreResult<()>;
    async fn delete_contact(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
    async fn list_contacts(&mut self, q: &ContactQuery) -> StoreResult<(Vec<Contact>, i64)>;
    async fn insert_contact_inbox(&mut self, ci: &ContactInbox) -> StoreResult<Option<ContactInbox>>;
    async fn find_contact_inbox(&mut self, inbox_id: i64, source_id: &str) -> StoreResult<Option<ContactInbox>>;
    /// Holds the contact inbox row until the transaction ends (so two
    /// writers cannot both open a first conversation for it).
    async fn lock_contact_inbox(&mut self, id: i64) -> StoreResult<()>;
    async fn get_contact_inbox(&mut self, id: i64) -> StoreResult<Option<ContactInbox>>;
    async fn find_contact_inbox_by_pubsub(&mut self, token: &str) -> StoreResult<Option<ContactInbox>>;
    async fn set_contact_inbox_verified(&mut self, id: i64, verified: bool) -> StoreResult<()>;
    async fn find_contact_inbox_for(&mut self, contact_id: i64, inbox_id: i64) -> StoreResult<Option<ContactInbox>>;
    async fn list_contact_inboxes(&mut self, contact_ids: &[i64]) -> StoreResult<Vec<ContactInbox>>;
    async fn contact_labels(&mut self, contact_id: i64) -> StoreResult<Vec<String>>;
    async fn set_contact_labels(&mut self, account_id: i64, contact_id: i64, labels: &[String]) -> StoreResult<()>;

    // ---- conversations ----
    /// The next per-account display id: consecutive, race-free (the account
    /// row is the counter, updated inside this transaction).
    async fn next_display_id(&mut self, account_id: i64) -> StoreResult<i64>;
    async fn insert_conversation(&mut self, c: &Conversation) -> StoreResult<Conversation>;
    async fn get_conversation(&mut self, account_id: i64, display_id: i64) -> StoreResult<Option<Conversation>>;
    async fn get_conversation_by_id(&mut self, id: i64) -> StoreResult<Option<Conversation>>;
    /// Conversations by id, in id order (the caller scopes them).
    async fn get_conversations_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Conversation>>;
    /// Reads the conversation and holds its row lock until the transaction
    /// ends, so read-decide-write on it is atomic under concurrency.
    async fn lock_conversation(&mut self, account_id: i64, display_id: i64) -> StoreResult<Option<Conversation>>;
    async fn lock_conversation_by_id(&mut self, id: i64) -> StoreResult<Option<Conversation>>;
    async fn save_conversation(&mut self, c: &Conversation) -> StoreResult<()>;
    /// Locks several conversations by `(account_id, display_id)`, in id order
    /// (so concurrent batches cannot deadlock).
    async fn lock_conversations(&mut self, keys: &[(i64, i64)]) -> StoreResult<Vec<Conversation>>;
    /// Writes what a message changes on each conversation: status,
    /// snoozed_until, waiting_since, first_reply_created_at,
    /// last_activity_at, updated_at; one statement for all.
    async fn touch_conversations(&mut self, convs: &[Conversation]) -> StoreResult<()>;
    /// Per conversation, how many messages arrived after `since`.
    async fn count_recent_messages(&mut self, conversation_ids: &[i64], since: i64) -> StoreResult<Vec<(i64, i64)>>;
    async fn latest_conversation(
        &mut self,
        contact_inbox_id: i64,
        statuses: &[i16],
    ) -> StoreResult<Option<Conversation>>;
    async fn list_conversations(&mut self, q: &ConversationQuery) -> StoreResult<Vec<Conversation>>;
    async fn conversation_counts(&mut self, q: &ConversationQuery) -> StoreResult<ConversationCounts>;
    async fn contact_conversations(
        &mut self,
        account_id: i64,
        contact_id: i64,
        inbox_ids: Option<&[i64]>,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>>;
    async fn conversation_labels(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<(i64, String)>>;
    async fn set_conversation_labels(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        labels: &[String],
    ) -> StoreResult<()>;
    /// Unread incoming messages per conversation, at most `cap` each.
    async fn unread_counts(&mut self, conversations: &[(i64, Option<i64>)], cap: i64) -> StoreResult<Vec<(i64, i64)>>;
    /// The last non-activity, non-private message of each conversation.
    async fn last_messages(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<Message>>;
    async fn last_incoming_at(&mut self, conversation_id: i64) -> StoreResult<Option<i64>>;
    /// The conversation's latest message from its contact.
    async fn last_incoming_message(&mut self, conversation_id: i64) -> StoreResult<Option<Message>>;
    /// A conversation by its uuid (callers check it belongs where they look).
    async fn find_conversation_by_uuid(&mut self, uuid: &str) -> StoreResult<Option<Conversation>>;

    // ---- messages ----
    /// Inserts a message; `None` when its `(inbox_id, source_id)` or
    /// `(conversation_id, echo_id)` already exists (nothing is written).
    async fn insert_message(&mut self, m: &NewMessage) -> StoreResult<Option<Message>>;
    /// Inserts several messages in one statement; rows whose source_id or
    /// echo_id already exists are skipped (and absent from the result).
    async fn insert_messages(&mut self, rows: &[NewMessage]) -> StoreResult<Vec<Message>>;
    async fn find_message_by_source(&mut self, inbox_id: i64, source_id: &str) -> StoreResult<Option<Message>>;
    async fn find_message_by_echo(&mut self, conversation_id: i64, echo_id: &str) -> StoreResult<Option<Message>>;
    async fn get_message(&mut self, conversation_id: i64, id: i64) -> StoreResult<Option<Message>>;
    async fn get_message_by_id(&mut self, id: i64) -> StoreResult<Option<Message>>;
    /// Messages by id (the caller scopes them), in id order.
    async fn get_messages_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Message>>;
    async fn update_message(&mut self, m: &Message) -> StoreResult<()>;
    /// Records platforms' ids for sent messages in one statement: each
    /// message without a source id gets its id and status sent; returns
    /// the messages changed (one already carrying an id is left alone).
    async fn mark_messages_sent(&mut self, sent: &[(i64, String)], now: i64) -> StoreResult<Vec<Message>>;
    /// How many messages the conversation got since `since`, counting at most `cap`.
    async fn count_messages_since(&mut self, conversation_id: i64, since: i64, cap: i64) -> StoreResult<i64>;
    async fn list_messages(&mut self, q: &MessageQuery) -> StoreResult<Vec<Message>>;
    /// Incoming and outgoing messages (notes included) of the account whose
    /// content holds `needle` (case-insensitive), newest first; only in
    /// `inboxes` when given.
    async fn search_messages(
        &mut self,
        account_id: i64,
        inboxes: Option<&[i64]>,
        needle: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Message>>;

    async fn insert_attachments(
        &mut self,
        account_id: i64,
        message_id: i64,
        files: &[NewAttachment],
        now: i64,
    ) -> StoreResult<Vec<Attachment>>;
    async fn attachments_for(&mut self, message_ids: &[i64]) -> StoreResult<Vec<Attachment>>;
    async fn get_attachment(&mut self, id: i64) -> StoreResult<Option<Attachment>>;
    /// Deletes a message's attachments and returns their storage keys.
    async fn delete_attachments(&mut self, message_id: i64) -> StoreResult<Vec<String>>;

    /// Whether the conversation had a public outgoing message after
    /// `outgoing_since`, and a template message after `template_since`.
    async fn recent_replies(
        &mut self,
        conversation_id: i64,
        outgoing_since: i64,
        template_since: i64,
    ) -> StoreResult<(bool, bool)>;
    /// Whether the conversation has a message of this content type.
    async fn has_content_type(&mut self, conversation_id: i64, content_type: i16) -> StoreResult<bool>;
    /// Records (or corrects) the rating answered on one CSAT message.
    async fn upsert_csat(&mut self, c: &NewCsat, now: i64) -> StoreResult<()>;

    // ---- teams, labels, canned responses ----
    async fn insert_team(&mut self, t: &Team) -> StoreResult<Team>;
    async fn get_team(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Team>>;
    async fn list_teams(&mut self, account_id: i64) -> StoreResult<Vec<Team>>;
    async fn update_team(&mut self, t: &Team) -> StoreResult<()>;
    async fn delete_team(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
    async fn list_team_members(&mut self, team_id: i64) -> StoreResult<Vec<i64>>;
    async fn add_team_members(&mut self, team_id: i64, user_ids: &[i64], now: i64) -> StoreResult<()>;
    async fn remove_team_members(&mut self, team_id: i64, user_ids: &[i64]) -> StoreResult<()>;
    async fn user_team_ids(&mut self, user_id: i64) -> StoreResult<Vec<i64>>;
    async fn insert_label(&mut self, l: &Label) -> StoreResult<Label>;
    async fn get_label(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Label>>;
    async fn list_labels(&mut self, account_id: i64) -> StoreResult<Vec<Label>>;
    async fn update_label(&mut self, l: &Label) -> StoreResult<()>;
    async fn delete_label(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
    async fn insert_canned(&mut self, c: &CannedResponse) -> StoreResult<CannedResponse>;
    async fn get_canned(&mut self, account_id: i64, id: i64) -> StoreResult<Option<CannedResponse>>;
    async fn list_canned(&mut self, account_id: i64, search: Option<&str>) -> StoreResult<Vec<CannedResponse>>;
    async fn update_canned(&mut self, c: &CannedResponse) -> StoreResult<()>;
    async fn delete_canned(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;

    // ---- webhooks and deliveries ----
    async fn insert_webhook(&mut self, w: &Webhook) -> StoreResult<Webhook>;
    async fn get_webhook(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Webhook>>;
    async fn list_webhooks(&mut self, account_id: i64) -> StoreResult<Vec<Webhook>>;
    async fn update_webhook(&mut self, w: &Webhook) -> StoreResult<()>;
    async fn delete_webhook(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
    async fn insert_delivery(&mut self, d: &NewDelivery, now: i64) -> StoreResult<Delivery>;
    async fn get_delivery(&mut self, id: i64) -> StoreResult<Option<Delivery>>;
    async fn update_delivery(&mut self, d: &Delivery) -> StoreResult<()>;
    async fn insert_delivery_attempt(&mut self, a: &DeliveryAttempt) -> StoreResult<()>;
    async fn list_deliveries(
        &mut self,
        account_id: i64,
        webhook_id: i64,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Delivery>>;
    async fn list_delivery_attempts(&mut self, delivery_ids: &[i64]) -> StoreResult<Vec<DeliveryAttempt>>;

    // ---- outbox: events and jobs ----
    async fn insert_event(&mut self, e: &switchboard_domain::Event, now: i64) -> StoreResult<i64>;
    /// Inserts several events in one statement, in order.
    async fn insert_events(&mut self, events: &[switchboard_domain::Event], now: i64) -> StoreResult<()>;
    /// Inserts several deliveries in one statement.
    async fn insert_deliveries(&mut self, ds: &[NewDelivery], now: i64) -> StoreResult<Vec<Delivery>>;
    /// Inserts several jobs in one statement (a queued `unique_key` skips its row).
    async fn insert_jobs(&mut self, jobs: &[NewJob], now: i64) -> StoreResult<u64>;
    /// Enqueues a job; with a `unique_key` already queued, nothing is added
    /// and `None` is returned.
    async fn insert_job(&mut self, j: &NewJob, now: i64) -> StoreResult<Option<i64>>;
    async fn complete_job(&mut self, id: i64) -> StoreResult<()>;
    /// Deletes finished jobs (one statement for a batch).
    async fn complete_jobs(&mut self, ids: &[i64]) -> StoreResult<()>;
    async fn retry_job(&mut self, id: i64, run_at: i64, error: &str) -> StoreResult<()>;
    /// Puts a running job back to wait until `run_at` without counting its
    /// attempt (it never reached its target: the target was busy or its
    /// circuit open); `reason` becomes its last error only if it has none (a
    /// real failure's error is what its owner is shown). A job whose unique
    /// key is queued again meanwhile is deleted instead.
    async fn defer_job(&mut self, id: i64, run_at: i64, reason: &str) -> StoreResult<()>;
    /// Returns claimed jobs that never started to the queue, as they were
    /// (the claim's attempt is not counted): `(id, locked_until)` as the
    /// claim set it, so a job claimed again by another worker is left alone.
    /// A job whose unique key is queued again meanwhile is deleted instead.
    async fn release_jobs(&mut self, ids: &[(i64, i64)]) -> StoreResult<()>;
    async fn kill_job(&mut self, id: i64, error: &str, now: i64) -> StoreResult<()>;
    async fn job_stats(&mut self) -> StoreResult<JobStats>;
    /// Deletes up to `limit` rows of each kind older than its cut-off:
    /// stored events, finished deliveries (and their attempts), dead jobs.
    /// Returns how many rows went.
    async fn prune(&mut self, events_before: i64, deliveries_before: i64, limit: i64) -> StoreResult<u64>;

    // ---- conversation participants and custom filters ----
    /// The participants' user ids of a conversation (the caller checked the
    /// conversation's account), in the order they were added.
    async fn conversation_participants(&mut self, conversation_id: i64) -> StoreResult<Vec<i64>>;
    /// Adds users to a conversation's participants; those already in stay.
    async fn add_conversation_participants(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        user_ids: &[i64],
        now: i64,
    ) -> StoreResult<()>;
    async fn remove_conversation_participants(&mut self, conversation_id: i64, user_ids: &[i64]) -> StoreResult<()>;
    /// A user's filters of one type in an account, oldest first (at most `limit`).
    async fn list_custom_filters(
        &mut self,
        account_id: i64,
        user_id: i64,
        filter_type: i16,
        limit: i64,
    ) -> StoreResult<Vec<CustomFilter>>;
    /// How many filters the user keeps in the account (all types).
    async fn count_custom_filters(&mut self, account_id: i64, user_id: i64) -> StoreResult<i64>;
    async fn get_custom_filter(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<Option<CustomFilter>>;
    async fn insert_custom_filter(&mut self, f: &CustomFilter) -> StoreResult<CustomFilter>;
    async fn update_custom_filter(&mut self, f: &CustomFilter) -> StoreResult<()>;
    async fn delete_custom_filter(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<bool>;

    // ---- contacts CSV import and export ----
    /// Stores a new import with its file.
    async fn insert_data_import(&mut self, d: &DataImport, file: &[u8]) -> StoreResult<DataImport>;
    async fn get_data_import(&mut self, account_id: i64, id: i64) -> StoreResult<Option<DataImport>>;
    /// Holds the import row until the transaction ends (one batch at a time).
    async fn lock_data_import(&mut self, account_id: i64, id: i64) -> StoreResult<Option<DataImport>>;
    /// The account's latest imports, newest first.
    async fn list_data_imports(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<DataImport>>;
    /// The file of an import that has not ended (`None` once it has).
    async fn data_import_file(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Vec<u8>>>;
    /// Writes an import's progress; an import that ended (completed or
    /// failed) lets go of its file.
    async fn update_data_import(&mut self, d: &DataImport) -> StoreResult<()>;
    /// Up to `limit` of the account's contacts with ids above `after_id`, in
    /// id order, only those with `label` when given.
    async fn export_contacts_page(
        &mut self,
        account_id: i64,
        label: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<Contact>>;

    // ---- custom attribute definitions ----
    /// An account's definitions, of one model or of all, oldest first, at
    /// most `limit`.
    async fn list_attribute_definitions(
        &mut self,
        account_id: i64,
        model: Option<i16>,
        limit: i64,
    ) -> StoreResult<Vec<AttributeDefinition>>;
    async fn get_attribute_definition(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AttributeDefinition>>;
    /// How many definitions the account has for the model.
    async fn count_attribute_definitions(&mut self, account_id: i64, model: i16) -> StoreResult<i64>;
    /// Inserts a definition; a key taken for the account and model is a
    /// `Conflict`.
    async fn insert_attribute_definition(&mut self, d: &AttributeDefinition) -> StoreResult<AttributeDefinition>;
    /// Saves every field but the id and account; a taken key is a `Conflict`.
    async fn update_attribute_definition(&mut self, d: &AttributeDefinition) -> StoreResult<()>;
    async fn delete_attribute_definition(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
    // ---- contacts: filter, active, contactable inboxes, merge ----
    /// A page of the account's contacts matching the conditions (most
    /// recently active first) and how many match, counted up to `count_cap`.
    async fn filter_contacts(&mut self, q: &ContactFilterQuery) -> StoreResult<(Vec<Contact>, i64)>;
    /// Of `ids`, the account's contacts: a page in id order, and how many there are.
    async fn contacts_among(
        &mut self,
        account_id: i64,
        ids: &[i64],
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Contact>, i64)>;
    /// Which of these contact inboxes have at least one conversation.
    async fn contact_inboxes_in_use(&mut self, ids: &[i64]) -> StoreResult<Vec<i64>>;
    /// The account's contacts `ids`, locked for the transaction, in id order.
    async fn lock_contacts(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<Contact>>;
    /// Moves what belongs to contact `from` to contact `to`: conversations,
    /// contact inboxes, notes, the messages it sent and its ratings; labels
    /// are added to `to`'s. `from` itself is left for the caller to delete.
    async fn move_contact_rows(&mut self, account_id: i64, from: i64, to: i64) -> StoreResult<()>;

    // ---- mentions ----
    /// Records that note `message_id` mentions these users in the
    /// conversation: one row per conversation and user, a later mention
    /// moving its message and time.
    async fn upsert_mentions(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        message_id: i64,
        user_ids: &[i64],
        now: i64,
    ) -> StoreResult<()>;
    /// A conversation's mentions as `(user_id, message_id, mentioned_at)`,
    /// in user id order.
    async fn conversation_mentions(&mut self, conversation_id: i64) -> StoreResult<Vec<(i64, i64, i64)>>;
}
