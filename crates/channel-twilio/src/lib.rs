//! SMS and MMS through Twilio Programmable Messaging: what Twilio sends us
//! (signed form posts: messages and delivery receipts) and what we send it
//! (the Messages API, basic auth). This part is pure: signatures, parsing
//! and the reading of Twilio's answers; the calls themselves go through the
//! channel context.

pub mod answer;
pub mod inbound;
pub mod signature;
