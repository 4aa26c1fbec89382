//! SMS and MMS through Twilio Programmable Messaging, as one
//! [`Channel`](switchboard_channel::Channel): Twilio posts signed forms to the
//! inbox's webhook (messages from phones and status callbacks for ours), and
//! replies go out through the Messages API with basic auth.
//!
//! The pure parts are their own modules (signatures, reading posts, reading
//! answers); [`Twilio`] puts them together with the host's HTTP client.

pub mod answer;
mod channel;
pub mod inbound;
pub mod signature;

pub use channel::{DEFAULT_API_URL, Twilio};
