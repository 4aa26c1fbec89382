//! Stand-in channels the test servers register besides the real ones: an
//! SMS-like channel (an agent may start a chat at the contact's phone) and
//! a LINE-like one (only the person can start one). They reach no platform;
//! they show that core treats any registered channel by what it declares.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use switchboard_core::channels::{
    Channel, ChannelError, ContactRef, Created, Inbound, InboxRef, NewInbox, Outgoing, SendError,
};

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Chatwoot's code and class name for SMS inboxes.
pub struct Sms;
/// Chatwoot's code and class name for LINE inboxes.
pub struct Line;

pub const SMS_CODE: i16 = 5;
pub const LINE_CODE: i16 = 6;

fn refuse<'a, T: Send + 'a>() -> Boxed<'a, Result<T, ChannelError>> {
    Box::pin(async { Err(ChannelError::invalid("channel", "a stand-in channel")) })
}

macro_rules! stand_in {
    ($t:ty, $name:literal, $code:expr, $class:literal, $($extra:item)*) => {
        impl Channel for $t {
            $($extra)*
            fn name(&self) -> &'static str {
                $name
            }
            fn code(&self) -> i16 {
                $code
            }
            fn class_name(&self) -> &'static str {
                $class
            }
            fn label(&self) -> &'static str {
                $name
            }
            fn verify(&self, _: InboxRef<'_>, _: &HashMap<String, String>, _: &[u8]) -> bool {
                false
            }
            fn parse(&self, _: InboxRef<'_>, _: &[u8]) -> Result<Vec<Inbound>, ChannelError> {
                Ok(Vec::new())
            }
            fn send<'a>(
                &'a self,
                _: &'a dyn switchboard_core::channels::Host,
                _: InboxRef<'a>,
                _: &'a Outgoing,
            ) -> Boxed<'a, Result<String, SendError>> {
                Box::pin(async { Err(SendError::Permanent("a stand-in channel".into())) })
            }
            fn create<'a>(
                &'a self,
                _: &'a dyn switchboard_core::channels::Host,
                _: NewInbox<'a>,
                _: &'a Value,
            ) -> Boxed<'a, Result<Created, ChannelError>> {
                refuse()
            }
        }
    };
}

stand_in! {
    Sms, "sms", SMS_CODE, "Channel::Sms",
    fn starts_chats(&self) -> bool {
        true
    }
    /// The contact's phone as given.
    fn default_source_id(&self, contact: ContactRef<'_>) -> Option<String> {
        contact.phone.map(str::to_string)
    }
}
stand_in! { Line, "line", LINE_CODE, "Channel::Line", }
