//! What a messaging platform is to the rest of Switchboard: one
//! implementation of [`Channel`], registered with [`Channels`] by the
//! binary and handed to core.
//!
//! A channel turns the platform's requests into [`Inbound`] events, sends an
//! [`Outgoing`] message and returns the platform's id for it, fetches the
//! files inbound messages name, checks and keeps its inbox settings
//! (described by [`Field`]s that the dashboard renders), says when a reply
//! may be sent and which address a contact has on it, and names the
//! periodic work its inboxes need. Everything it needs from the server comes
//! through [`Host`]: the HTTP client, the public URL, a cursor per inbox for
//! polls, and the way in for what a poll finds. It never sees the store or
//! core; core never names a platform.
//!
//! Invariants: a channel's `code` and `class_name` are stored and sent to
//! API clients (Chatwoot's values), and its periodic kinds are stored job
//! kinds; none of them change once released.

mod descriptor;
mod host;
mod html;
mod limiter;
mod params;
mod registry;
mod types;

pub use descriptor::{Field, FieldKind, Ready, Shown, read_fields};
pub use host::{Cursor, Delivered, Host};
pub use html::sanitize_html;
pub use limiter::{Limiter, Limits};
pub use params::Params;
pub use registry::Channels;
pub use types::*;

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

/// A messaging platform. Every method but the identity and the webhook
/// parsing has a default, so a platform implements what it has.
pub trait Channel: Send + Sync + 'static {
    /// Its name in URLs and in the API (`telegram`): the `type` of a new
    /// inbox's `channel`, the `{channel}` of `/webhooks/{channel}/{key}`.
    fn name(&self) -> &'static str;
    /// The inbox table's code for it (stored; never changes).
    fn code(&self) -> i16;
    /// Chatwoot's class name (`Channel::Telegram`), sent as `channel_type`.
    fn class_name(&self) -> &'static str;
    /// What the dashboard calls it.
    fn label(&self) -> &'static str;
    /// One line for the New inbox list.
    fn description(&self) -> &'static str {
        ""
    }

    /// The settings an administrator gives, in the order they are asked.
    fn fields(&self) -> &[Field] {
        &[]
    }

    /// What an administrator is shown once an inbox is made (what to do
    /// next on the platform's side).
    fn ready(&self) -> Ready {
        Ready::default()
    }

    /// The platform's published sending limits.
    fn limits(&self) -> Limits {
        Limits::default()
    }

    /// The largest webhook body it takes (bytes).
    fn max_body(&self) -> usize {
        2 * 1024 * 1024
    }

    /// The inbox key a webhook path names, normalised (`+1 555` -> `1555`).
    fn webhook_key(&self, key: &str) -> String {
        key.to_string()
    }

    /// Whether an inbound request really comes from the platform for this
    /// inbox (`headers` with lower-case names, `body` as received).
    fn verify(&self, inbox: InboxRef<'_>, headers: &HashMap<String, String>, body: &[u8]) -> bool;

    /// Like [`Channel::verify`], for platforms that sign the URL they
    /// called as well as the body: `url` is this webhook's public URL
    /// (`{public URL}/webhooks/{channel}/{key}`), as the platform was given it.
    fn verify_at(&self, inbox: InboxRef<'_>, _url: &str, headers: &HashMap<String, String>, body: &[u8]) -> bool {
        self.verify(inbox, headers, body)
    }

    /// The events in a verified request; what the product does not handle
    /// is left out, never an error.
    fn parse(&self, inbox: InboxRef<'_>, body: &[u8]) -> Result<Vec<Inbound>, ChannelError>;

    /// A `GET` to the webhook URL (a subscription handshake such as Meta's
    /// `hub.challenge`): the text to answer with, or why not.
    fn handshake(&self, _inbox: InboxRef<'_>, _query: &HashMap<String, String>) -> Result<String, ChannelError> {
        Err(ChannelError::NotFound)
    }

    /// Downloads an inbound file: its bytes and, when known, its name.
    fn fetch_media<'a>(
        &'a self,
        _host: &'a dyn Host,
        _inbox: InboxRef<'a>,
        _media: &'a MediaRef,
    ) -> BoxFuture<'a, Fetched> {
        Box::pin(async { Err("this channel has no files to fetch".to_string()) })
    }

    /// Sends and returns the platform's id for the message.
    fn send<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        out: &'a Outgoing,
    ) -> BoxFuture<'a, Result<String, SendError>>;

    /// Whether a send needs the conversation's thread (e-mail's headers);
    /// core then fills [`Outgoing::thread`].
    fn wants_thread(&self) -> bool {
        false
    }

    /// How many options of a message the platform shows as buttons (0: none;
    /// more than this and they are numbered in the text).
    fn max_choices(&self) -> usize {
        0
    }

    /// Tells the platform a pick (`Inbound::Choice`) was taken (Telegram
    /// stops the button's spinner).
    fn acknowledge<'a>(&'a self, _host: &'a dyn Host, _inbox: InboxRef<'a>, _ack: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    /// A new inbox: checks `input` (the request's `channel` object), asks the
    /// platform what it must (a token's owner, the webhook set up) and says
    /// what to keep. Nothing is stored when this fails.
    fn create<'a>(
        &'a self,
        host: &'a dyn Host,
        new: NewInbox<'a>,
        input: &'a Value,
    ) -> BoxFuture<'a, Result<Created, ChannelError>>;

    /// An inbox's settings change: reads `input` (the request's `channel`
    /// object) into `config`, what is kept. No I/O: core runs it on a
    /// preview before the change (for [`Channel::check_update`]) and again
    /// on the row inside the change's transaction.
    fn apply_update(&self, _input: &Value, _config: &mut Map<String, Value>) -> Result<Updated, ChannelError> {
        Ok(Updated::default())
    }

    /// Tries changed settings before they are kept (a mailbox is logged
    /// into): `inbox` carries the settings as they would be.
    fn check_update<'a>(
        &'a self,
        _host: &'a dyn Host,
        _inbox: InboxRef<'a>,
        _input: &'a Value,
    ) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async { Ok(()) })
    }

    /// The inbox is gone: the platform stops sending (best effort).
    fn disconnect<'a>(&'a self, _host: &'a dyn Host, _inbox: InboxRef<'a>) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    /// The inbox's settings as the API shows them (added to the common
    /// inbox shape). Secrets never; `admin` adds what only administrators
    /// see (the URLs to give the platform, which settings are set).
    fn present(&self, _inbox: InboxRef<'_>, _public_url: &str, _admin: bool, _out: &mut Map<String, Value>) {}

    /// What administrators are shown of the inbox's polls (`key`, value),
    /// from its cursor.
    fn poll_status(&self, _cursor: Option<&Cursor>) -> Option<(&'static str, Value)> {
        None
    }

    /// Whether free-form replies may be sent, given when the contact last
    /// wrote (microseconds) and now.
    fn can_reply(&self, _last_incoming_at: Option<i64>, _now: i64) -> bool {
        true
    }

    /// Why a free-form reply is refused outside the reply window (what may
    /// be sent instead).
    fn window_closed(&self) -> &'static str {
        "The platform does not take free-form replies in this conversation now"
    }

    /// Whether an agent may start a chat with a contact who never wrote
    /// (to their e-mail, their phone); otherwise only an existing chat is
    /// offered.
    fn starts_chats(&self) -> bool {
        false
    }

    /// The address a contact has here when an agent starts the chat, if
    /// the contact has one.
    fn default_source_id(&self, _contact: ContactRef<'_>) -> Option<String> {
        None
    }

    /// Work its inboxes need on a schedule (mailbox polls, template syncs).
    fn periodic(&self) -> &[Periodic] {
        &[]
    }

    /// Runs one periodic task for one inbox: how many items it took in.
    fn run_periodic<'a>(
        &'a self,
        _kind: &'a str,
        _host: &'a dyn Host,
        _inbox: InboxRef<'a>,
    ) -> BoxFuture<'a, Result<TaskDone, String>> {
        Box::pin(async { Ok(TaskDone::default()) })
    }

    /// An administrator's "sync" (`POST /inboxes/{id}/sync_templates`): the
    /// settings to keep, read again from the platform.
    fn sync<'a>(
        &'a self,
        _host: &'a dyn Host,
        _inbox: InboxRef<'a>,
    ) -> BoxFuture<'a, Result<Map<String, Value>, ChannelError>> {
        Box::pin(async { Err(ChannelError::invalid("channel", "This inbox has nothing to sync")) })
    }

    /// A unique constraint the store reported when the inbox was written,
    /// as the field error it stands for (another request took the value).
    fn conflict(&self, _constraint: &str) -> Option<ChannelError> {
        None
    }
}
