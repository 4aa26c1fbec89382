//! Black-box tests of the Application API over real HTTP, each run on
//! SQLite and on PostgreSQL.

#[allow(dead_code)]
mod helpers;

/// Whether the test servers also register the stand-in channels
/// (`helpers::stand_ins`): the API tests use them; the dashboard shows
/// only the real ones.
const STAND_INS: bool = true;

mod agent_bots;
mod attachments;
mod auto_resolve;
mod automation;
mod bad_input;
mod bulk;
mod cable;
mod cable_client;
mod channels;
mod compat;
mod contacts;
mod contacts_csv;
mod contacts_more;
mod conversations;
mod conversations_more;
mod counts;
mod csat;
mod custom_attributes;
mod dashboard;
mod email;
#[allow(dead_code)]
mod fake_http;
#[allow(dead_code)]
mod fake_telegram;
#[allow(dead_code)]
mod fake_twilio;
#[allow(dead_code)]
mod fake_whatsapp;
mod faults;
mod listeners;
mod macros;
mod mail_servers;
mod mentions;
mod messages;
mod nodes;
mod notifications;
mod public;
mod push;
mod resources;
mod routing;
mod routing_policies;
mod search;
mod security_accounts;
mod security_limits;
mod security_visitors;
mod sla;

mod telegram;
mod tenancy;
mod twilio;
mod walkthrough;
mod webhooks;
mod whatsapp;
mod widget;
mod widget_sdk;
