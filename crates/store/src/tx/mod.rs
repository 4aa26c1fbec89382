//! The per-entity halves of [`Tx`](crate::Tx): each trait groups the
//! methods of one entity (or a few that always go together).

mod account;
mod attachment;
mod canned;
mod contact;
mod contact_inbox;
mod conversation;
mod custom_attribute;
mod custom_filter;
mod data_import;
mod delivery;
mod event;
mod inbox;
mod invitation;
mod job;
mod label;
mod message;
mod note;
mod notification;
mod participant;
mod team;
mod user;
mod webhook;

pub use account::AccountTx;
pub use attachment::AttachmentTx;
pub use canned::CannedTx;
pub use contact::ContactTx;
pub use contact_inbox::ContactInboxTx;
pub use conversation::ConversationTx;
pub use custom_attribute::CustomAttributeTx;
pub use custom_filter::CustomFilterTx;
pub use data_import::ImportTx;
pub use delivery::DeliveryTx;
pub use event::EventTx;
pub use inbox::InboxTx;
pub use invitation::InvitationTx;
pub use job::JobTx;
pub use label::LabelTx;
pub use message::MessageTx;
pub use note::NoteTx;
pub use notification::{NotificationScope, NotificationTx};
pub use participant::ParticipantTx;
pub use team::TeamTx;
pub use user::UserTx;
pub use webhook::WebhookTx;
