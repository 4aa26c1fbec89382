//! What a channel gets from the server.

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::{Inbound, InboxRef};

/// Where a poll stands in an inbox's feed (a mailbox's UID validity and
/// last UID), and how its last run went.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cursor {
    pub inbox_id: i64,
    /// The feed's numbering; another one means the positions start over.
    pub validity: i64,
    /// The last position taken in.
    pub position: i64,
    /// When it last ran (microseconds).
    pub polled_at: i64,
    pub last_error: Option<String>,
}

/// What became of one inbound event handed to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Stored (`true`) or seen before (`false`).
    Taken(bool),
    /// Refused for what it is (a blocked sender, a value out of bounds):
    /// pass over it, trying again would meet the same answer.
    Refused(String),
}

/// The server, as a channel sees it.
pub trait Host: Send + Sync {
    /// The client for platform APIs (their bases are settings, not user input).
    fn http(&self) -> &reqwest::Client;
    /// The URL the server is reached at (webhook URLs are built from it).
    fn public_url(&self) -> &str;
    /// Whether connections to private and loopback addresses are allowed
    /// (user-given servers such as a mailbox's are refused them otherwise).
    fn allow_private_targets(&self) -> bool;
    /// A job's lease: a send or a poll finishes well within half of it.
    fn job_lease(&self) -> Duration;
    /// The domain whose `reply+{uuid}@` addresses reach this server, if any.
    fn inbound_mail_domain(&self) -> Option<&str>;
    /// Whether an inbox of channel `code` has webhook key `key`.
    fn key_taken<'a>(&'a self, code: i16, key: &'a str) -> BoxFuture<'a, Result<bool, String>>;
    /// Whether an inbox of channel `code` keeps `value` under `field`.
    fn setting_taken<'a>(&'a self, code: i16, field: &'a str, value: &'a str) -> BoxFuture<'a, Result<bool, String>>;
    /// The inbox's poll cursor.
    fn cursor(&self, inbox_id: i64) -> BoxFuture<'_, Result<Option<Cursor>, String>>;
    /// Keeps the inbox's poll cursor.
    fn set_cursor<'a>(&'a self, cursor: &'a Cursor) -> BoxFuture<'a, Result<(), String>>;
    /// Takes in an event a poll found, as a webhook's would be.
    fn deliver<'a>(&'a self, inbox: InboxRef<'a>, event: Inbound) -> BoxFuture<'a, Result<Delivered, String>>;
}
