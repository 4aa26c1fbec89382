//! Switchboard's domain: ids, enums, value types and the pure business rules.
//!
//! Nothing here does I/O. Everything that decides *what* should happen to a
//! conversation or a message lives here so it can be unit-tested without a
//! database; the `core` crate applies these decisions inside one transaction.

pub mod calendar;
pub mod custom_attributes;
pub mod enums;
pub mod event;
pub mod markdown;
pub mod rules;
pub mod search;
pub mod time;
pub mod validate;

pub use enums::*;
pub use event::{Event, EventKind};
