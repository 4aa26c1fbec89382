//! "Load or 404": each `require_*` reads one row the way its store method
//! does (scoped the same way, by account where the row has one) and answers
//! [`CoreError::NotFound`] when there is none, so a row of another account
//! looks exactly like a missing one.
//!
//! ```text
//! let contact = w.tx().require_contact(ctx.account_id(), id).await?;
//! ```

use std::future::Future;

use switchboard_store::{
    Account, AccountUser, AttributeDefinition, CannedResponse, Contact, ContactInbox, ContactNote, Conversation,
    CustomFilter, DataImport, Delivery, Inbox, Invitation, Label, Message, Team, Tx, User, Webhook,
};

use crate::{CoreError, CoreResult};

macro_rules! require {
    ($($(#[$doc:meta])* $name:ident => $get:ident($($arg:ident: $ty:ty),*) -> $row:ty;)*) => {
        /// Extension methods on every transaction (`w.tx()`, a read `tx`).
        pub trait Require {
            $(
                $(#[$doc])*
                fn $name(&mut self, $($arg: $ty),*) -> impl Future<Output = CoreResult<$row>> + Send;
            )*
        }

        impl<T: Tx + ?Sized> Require for T {
            $(
                async fn $name(&mut self, $($arg: $ty),*) -> CoreResult<$row> {
                    self.$get($($arg),*).await?.ok_or(CoreError::NotFound)
                }
            )*
        }
    };
}

require! {
    require_account => get_account(id: i64) -> Account;
    require_account_user => get_account_user(account_id: i64, user_id: i64) -> AccountUser;
    require_user => get_user(id: i64) -> User;
    require_invitation => get_invitation(account_id: i64, id: i64) -> Invitation;
    require_inbox => get_inbox(account_id: i64, id: i64) -> Inbox;
    require_contact => get_contact(account_id: i64, id: i64) -> Contact;
    require_contact_inbox => get_contact_inbox(id: i64) -> ContactInbox;
    require_contact_note => get_contact_note(account_id: i64, contact_id: i64, id: i64) -> ContactNote;
    /// By display id (the number in URLs).
    require_conversation => get_conversation(account_id: i64, display_id: i64) -> Conversation;
    require_conversation_by_id => get_conversation_by_id(id: i64) -> Conversation;
    /// Locked for the rest of the transaction (see `lock_conversation`).
    require_locked_conversation => lock_conversation(account_id: i64, display_id: i64) -> Conversation;
    require_locked_conversation_by_id => lock_conversation_by_id(id: i64) -> Conversation;
    require_message => get_message(conversation_id: i64, id: i64) -> Message;
    require_team => get_team(account_id: i64, id: i64) -> Team;
    require_label => get_label(account_id: i64, id: i64) -> Label;
    require_canned => get_canned(account_id: i64, id: i64) -> CannedResponse;
    require_webhook => get_webhook(account_id: i64, id: i64) -> Webhook;
    require_delivery => get_delivery(id: i64) -> Delivery;
    /// One person's own: another person's id is missing too.
    require_custom_filter => get_custom_filter(account_id: i64, user_id: i64, id: i64) -> CustomFilter;
    require_attribute_definition => get_attribute_definition(account_id: i64, id: i64) -> AttributeDefinition;
    require_data_import => get_data_import(account_id: i64, id: i64) -> DataImport;
}
