//! E-mailing a conversation's thread (Chatwoot's
//! `POST /conversations/{id}/transcript {email}`). The request queues a
//! `conversation_transcript` job in its transaction; the job reads the thread
//! when it runs (the public messages, never private notes or activity lines)
//! and sends it through the installation's mailer, retried with backoff. The
//! job keeps only the conversation and the address: no content, no links.

use std::sync::Arc;

use serde_json::Value;
use switchboard_domain::time::iso;
use switchboard_domain::validate;
use switchboard_store::{Conversation, MessageQuery};

use crate::auth::AccountCtx;
use crate::jobs::JobFailure;
use crate::mailer::MailError;
use crate::params::Params;
use crate::present::Sender;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, views};

/// Mails a conversation's transcript to an address.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Transcript {
    pub account_id: i64,
    pub conversation_id: i64,
    pub email: String,
}

impl crate::job::BackgroundJob for Transcript {
    const KIND: &'static str = "conversation_transcript";

    async fn run(self, core: Arc<Core>, _ctx: crate::job::JobContext) -> Result<(), JobFailure> {
        run(&core, self).await
    }
}
/// The most messages a transcript holds (the latest ones).
pub const MAX_TRANSCRIPT_MESSAGES: usize = 1_000;
/// The most text a transcript holds; older messages beyond it are left out.
pub const MAX_TRANSCRIPT_BYTES: usize = 1024 * 1024;
/// One message's text in a transcript is cut after this many characters.
const MAX_MESSAGE_CHARS: usize = 10_000;
/// Messages read per query while the transcript is built.
const PAGE: i64 = 100;
/// A transcript job is given up a day after the request.
const TRANSCRIPT_WINDOW_MICROS: i64 = 24 * 3600 * 1_000_000;

impl Core {
    /// Checks a transcript request: the conversation (one the caller may
    /// read), the address, and that the installation can send mail.
    pub async fn transcript_target(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        body: &Value,
    ) -> CoreResult<(Conversation, String)> {
        let conv = self.visible_conversation(ctx, display_id).await?;
        let raw = Params::new(body)
            .str("email")?
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(|| CoreError::invalid("email", "email param missing"))?;
        let email = validate::email(&raw).map_err(|m| CoreError::invalid("email", m))?;
        if !self.mailer.configured() {
            return Err(CoreError::invalid(
                "email",
                "This installation cannot send e-mail: no mail server is configured (SWITCHBOARD_SMTP_URL)",
            ));
        }
        Ok((conv, email))
    }

    /// Queues the transcript of `conv` to `email` (both checked by
    /// `transcript_target`).
    pub async fn queue_transcript(self: &Arc<Self>, conv: &Conversation, email: &str) -> CoreResult<()> {
        let mut w = Work::begin(self).await?;
        let now = w.now;
        let job = Transcript {
            account_id: conv.account_id,
            conversation_id: conv.id,
            email: email.to_string(),
        };
        w.job(crate::job::new_job(&job, now, 8, Some(now + TRANSCRIPT_WINDOW_MICROS)))
            .await?;
        w.commit().await
    }
}

fn sender_name(s: &Sender) -> String {
    let raw = match s {
        Sender::User(u) => u.available_name().to_string(),
        Sender::Contact(c) => c.name.clone(),
        Sender::Bot(b) => b.name.clone(),
        Sender::None => String::new(),
    };
    let name = validate::person_name(&raw).unwrap_or_default();
    if name.is_empty() { "Bot".to_string() } else { name }
}

/// One message of the transcript.
fn entry(
    core: &Core,
    m: &switchboard_store::Message,
    sender: &Sender,
    atts: &[switchboard_store::Attachment],
) -> String {
    let mut out = format!("[{}] {}:\n", iso(m.created_at), sender_name(sender));
    if let Some(c) = m.content.as_deref().filter(|c| !c.is_empty()) {
        let mut text: String = c.chars().take(MAX_MESSAGE_CHARS).collect();
        if text.len() < c.len() {
            text.push_str(" [...]");
        }
        out.push_str(&text);
        out.push('\n');
    }
    for a in atts.iter().filter(|a| a.message_id == m.id) {
        out.push_str(&format!(
            "Attachment: {} {}\n",
            validate::one_line(&a.file_name),
            core.attachment_url(a)
        ));
    }
    out.push('\n');
    out
}

/// The `conversation_transcript` job.
async fn run(core: &Arc<Core>, job: Transcript) -> Result<(), JobFailure> {
    let limit = core.config.job_lease / 2;
    let Transcript {
        account_id,
        conversation_id,
        email,
    } = job;
    let email = email.as_str();
    let (subject, text) = {
        let mut tx = core.store.read().await?;
        let Some(conv) = tx
            .get_conversation_by_id(conversation_id)
            .await?
            .filter(|c| c.account_id == account_id)
        else {
            return Ok(()); // deleted meanwhile: nothing to send
        };
        let account = tx.get_account(account_id).await?.map(|a| a.name).unwrap_or_default();
        let account = validate::person_name(&account).unwrap_or_default();
        let contact = tx
            .get_contact(account_id, conv.contact_id)
            .await?
            .and_then(|c| validate::person_name(&c.name).ok())
            .unwrap_or_default();
        let inbox = tx
            .get_inbox(account_id, conv.inbox_id)
            .await?
            .map(|i| i.name)
            .unwrap_or_default();
        let inbox = validate::person_name(&inbox).unwrap_or_default();
        // Newest first, page by page, until the count or the size is reached.
        let mut entries: Vec<String> = Vec::new();
        let mut bytes = 0usize;
        let mut before = None;
        let mut complete = true;
        'pages: loop {
            let page = tx
                .list_messages(&MessageQuery {
                    conversation_id: conv.id,
                    before,
                    after: None,
                    limit: PAGE,
                    public_only: true,
                })
                .await?;
            if page.is_empty() {
                break;
            }
            before = page.first().map(|m| m.id);
            let senders = views::senders(&mut *tx, account_id, &page).await?;
            let ids: Vec<i64> = page.iter().map(|m| m.id).collect();
            let atts = tx.attachments_for(&ids).await?;
            for (m, s) in page.iter().zip(senders.iter()).rev() {
                let e = entry(core, m, s, &atts);
                if entries.len() >= MAX_TRANSCRIPT_MESSAGES || bytes + e.len() > MAX_TRANSCRIPT_BYTES {
                    complete = false;
                    break 'pages;
                }
                bytes += e.len();
                entries.push(e);
            }
            if (page.len() as i64) < PAGE {
                break;
            }
        }
        entries.reverse();
        let mut text = format!(
            "Transcript of conversation #{} with {} ({}, {}).\n\n",
            conv.display_id,
            if contact.is_empty() { "a contact" } else { &contact },
            inbox,
            account
        );
        if !complete {
            text.push_str(&format!("Only the latest {} messages are included.\n\n", entries.len()));
        }
        if entries.is_empty() {
            text.push_str("The conversation has no messages yet.\n");
        }
        for e in &entries {
            text.push_str(e);
        }
        text.push_str("Links to attachments expire; ask the team for a file once they have.\n");
        (format!("[#{}] Conversation Transcript", conv.display_id), text)
    };
    match core.mailer.send(email, &subject, text, limit).await {
        Ok(()) => Ok(()),
        Err(MailError::Permanent(e)) => Err(JobFailure::Permanent(e)),
        Err(MailError::Retry(e)) => Err(JobFailure::Retry { error: e, after: None }),
    }
}
