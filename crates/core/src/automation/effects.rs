//! What rules send outside the conversation: a webhook of the event
//! (`send_webhook_event`), a mail to teams (`send_email_to_team`) and the
//! transcript to addresses (`send_email_transcript`). Each is queued in the
//! listener's transaction (a delivery row, or a mail job) and sent by the
//! job runner, retried with backoff; one given up counts as a failed run of
//! the rule that queued it.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::validate;
use switchboard_store::{AutomationRule, Conversation, NewDelivery, StoredEvent};

use crate::jobs::JobFailure;
use crate::mailer::MailError;
use crate::work::Work;
use crate::{Core, CoreResult, present, views};

/// The most people one `send_email_to_team` mails.
pub const MAX_TEAM_RECIPIENTS: usize = 100;
/// The most addresses one `send_email_transcript` takes.
pub const MAX_TRANSCRIPT_ADDRESSES: usize = 10;
/// Mails are given up a day after the rule ran.
const MAIL_WINDOW_MICROS: i64 = 24 * 3600 * 1_000_000;
/// The most mails an account's rules send in an hour (anonymous messages
/// set rules off: their mail must stay bounded).
pub const MAIL_BUDGET_PER_HOUR: u32 = 200;

/// What each account's rules have mailed this hour (per process).
#[derive(Default)]
pub struct MailBudget(std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, u32)>>);

impl MailBudget {
    /// Takes `n` mails from the account's hour, or refuses all of them.
    fn take(&self, account_id: i64, n: u32) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.clear();
        }
        let now = std::time::Instant::now();
        let slot = map.entry(account_id).or_insert((now, 0));
        if now.duration_since(slot.0) >= std::time::Duration::from_secs(3600) {
            *slot = (now, 0);
        }
        if slot.1 + n > MAIL_BUDGET_PER_HOUR {
            return false;
        }
        slot.1 += n;
        true
    }
}

fn over_budget(what: &str) -> Option<String> {
    Some(format!(
        "{what}: the account's rules sent {MAIL_BUDGET_PER_HOUR} mails this hour; this one was not sent"
    ))
}

/// Queues the conversation, in Chatwoot's webhook shape with `event`
/// `automation_event.<rule event>` (the conversation also for message
/// rules, as Chatwoot sends it; `changed_attributes` too for updates), to
/// the rule's URL: signed with the rule's secret (Chatwoot sends these
/// unsigned), retried, logged under the rule.
pub(super) async fn webhook(
    w: &mut Work,
    rule: &AutomationRule,
    url: &str,
    event: &StoredEvent,
    conv: &Conversation,
) -> CoreResult<()> {
    let name = format!("automation_event.{}", rule.event_name);
    let core = w.core().clone();
    let tx = w.tx();
    let Some(inbox) = tx.get_inbox(conv.account_id, conv.inbox_id).await? else {
        return Ok(());
    };
    let Some(account) = tx.get_account(conv.account_id).await? else {
        return Ok(());
    };
    let view = views::conv_view(&core.channels, tx, conv.clone()).await?;
    let changed = event.data.get("changed_attributes").filter(|c| !c.is_null());
    let payload = present::conversation_webhook(&name, &view, &account, &inbox, changed);
    w.delivery(NewDelivery {
        account_id: conv.account_id,
        webhook_id: None,
        inbox_id: None,
        message_id: None,
        automation_rule_id: Some(rule.id),
        agent_bot_id: None,
        delivery_uuid: uuid::Uuid::new_v4().to_string(),
        event: name,
        url: url.to_string(),
        payload: payload.to_string(),
    })
    .await
}

/// A mail to one member of a team, about a conversation.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct TeamMail {
    pub account_id: i64,
    pub conversation_id: i64,
    pub rule_id: i64,
    pub user_id: i64,
    pub message: String,
    /// Whether giving up on this mail counts against the rule (one mail of
    /// each run does, so one run cannot count as several).
    #[serde(default)]
    pub blame: bool,
}

impl crate::job::BackgroundJob for TeamMail {
    const KIND: &'static str = "automation_team_mail";

    async fn run(self, core: Arc<Core>, _ctx: crate::job::JobContext) -> Result<(), JobFailure> {
        let (to, subject, text) = {
            let mut tx = core.store.read().await?;
            let Some(conv) = tx
                .get_conversation_by_id(self.conversation_id)
                .await?
                .filter(|c| c.account_id == self.account_id)
            else {
                return Ok(());
            };
            // Someone who left the account is not mailed about it.
            if tx.get_account_user(self.account_id, self.user_id).await?.is_none() {
                return Ok(());
            }
            let Some(user) = tx.get_user(self.user_id).await? else {
                return Ok(());
            };
            let link = format!(
                "{}/app?account={}#/conversations/{}",
                core.config.public_url.trim_end_matches('/'),
                self.account_id,
                conv.display_id
            );
            let subject = format!("Conversation #{} needs your team's attention", conv.display_id);
            let text = format!("{}\n\nOpen the conversation: {link}\n", self.message);
            (user.email, subject, text)
        };
        core.mailer
            .send(&to, &subject, text, core.config.job_lease / 2)
            .await
            .map_err(mail_failure)
    }

    async fn gave_up(self, core: Arc<Core>, error: String) {
        if !self.blame {
            return;
        }
        rule_gave_up(
            &core,
            self.account_id,
            self.rule_id,
            &format!("send_email_to_team: {error}"),
        )
        .await
    }
}

/// A transcript a rule sent: the transcript job, and the rule to blame if
/// it is given up.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct RuleTranscript {
    pub rule_id: i64,
    #[serde(default)]
    pub blame: bool,
    #[serde(flatten)]
    pub transcript: crate::transcript::Transcript,
}

impl crate::job::BackgroundJob for RuleTranscript {
    const KIND: &'static str = "automation_transcript";

    async fn run(self, core: Arc<Core>, ctx: crate::job::JobContext) -> Result<(), JobFailure> {
        crate::job::BackgroundJob::run(self.transcript, core, ctx).await
    }

    async fn gave_up(self, core: Arc<Core>, error: String) {
        if !self.blame {
            return;
        }
        rule_gave_up(
            &core,
            self.transcript.account_id,
            self.rule_id,
            &format!("send_email_transcript: {error}"),
        )
        .await
    }
}

fn mail_failure(e: MailError) -> JobFailure {
    match e {
        MailError::Retry(error) => JobFailure::Retry { error, after: None },
        MailError::Permanent(e) => JobFailure::Permanent(e),
    }
}

/// Something a rule queued was given up: a failed run of the rule.
pub(crate) async fn rule_gave_up(core: &Arc<Core>, account_id: i64, rule_id: i64, failure: &str) {
    let result = async {
        let mut tx = core.store.write().await?;
        let now = switchboard_domain::time::now_micros();
        super::run::rule_failed(core, &mut *tx, account_id, rule_id, failure, now).await?;
        tx.commit().await?;
        Ok::<_, crate::CoreError>(())
    }
    .await;
    if let Err(e) = result {
        tracing::error!(rule = rule_id, error = %e, "recording a rule's failure");
    }
}

/// Queues `send_email_to_team`: `{message, team_ids}`, one mail to each
/// member of the teams (each person once). Returns what could not be done.
pub(super) async fn team_email(
    w: &mut Work,
    rule: &AutomationRule,
    param: Option<&Value>,
    conv: &Conversation,
) -> CoreResult<Option<String>> {
    if !w.core().mailer.configured() {
        return Ok(Some("send_email_to_team: no mail server is configured".into()));
    }
    let message = param.and_then(|p| p["message"].as_str()).unwrap_or("").to_string();
    let teams: Vec<i64> = param
        .and_then(|p| p["team_ids"].as_array())
        .map(|a| a.iter().filter_map(|v| v.as_i64()).collect())
        .unwrap_or_default();
    let mut people: Vec<i64> = Vec::new();
    for team in teams {
        if w.tx().get_team(conv.account_id, team).await?.is_none() {
            return Ok(Some(format!("send_email_to_team: team {team} no longer exists")));
        }
        for u in w.tx().list_team_members(team).await? {
            if !people.contains(&u) && people.len() < MAX_TEAM_RECIPIENTS {
                people.push(u);
            }
        }
    }
    if !w.core().automation_mail.take(conv.account_id, people.len() as u32) {
        return Ok(over_budget("send_email_to_team"));
    }
    let now = w.now;
    for (i, user_id) in people.into_iter().enumerate() {
        let job = TeamMail {
            blame: i == 0,
            account_id: conv.account_id,
            conversation_id: conv.id,
            rule_id: rule.id,
            user_id,
            message: message.clone(),
        };
        w.job(crate::job::new_job(&job, now, 8, Some(now + MAIL_WINDOW_MICROS)))
            .await?;
    }
    Ok(None)
}

/// Queues `send_email_transcript` to each address. Returns what could not
/// be done.
pub(super) async fn transcripts(
    w: &mut Work,
    rule: &AutomationRule,
    addresses: &[String],
    conv: &Conversation,
) -> CoreResult<Option<String>> {
    if !w.core().mailer.configured() {
        return Ok(Some("send_email_transcript: no mail server is configured".into()));
    }
    let emails: Vec<String> = split_addresses(addresses)
        .iter()
        .filter_map(|a| validate::email(a).ok())
        .collect();
    if !w.core().automation_mail.take(conv.account_id, emails.len() as u32) {
        return Ok(over_budget("send_email_transcript"));
    }
    let now = w.now;
    for (i, email) in emails.into_iter().enumerate() {
        let job = RuleTranscript {
            rule_id: rule.id,
            blame: i == 0,
            transcript: crate::transcript::Transcript {
                account_id: conv.account_id,
                conversation_id: conv.id,
                email,
            },
        };
        w.job(crate::job::new_job(&job, now, 8, Some(now + MAIL_WINDOW_MICROS)))
            .await?;
    }
    Ok(None)
}

/// Addresses as Chatwoot's form gives them: one value may hold several,
/// separated by commas.
pub(crate) fn split_addresses(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        for a in v.split([',', ';']) {
            let a = a.trim().to_string();
            if !a.is_empty() && !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

/// The body `send_email_to_team` takes, checked: `{message, team_ids}` with
/// the account's teams.
pub(super) async fn check_team_email(
    tx: &mut dyn switchboard_store::Tx,
    account_id: i64,
    raw: &[Value],
) -> CoreResult<Value> {
    use crate::CoreError;
    let bad = || CoreError::invalid("action_params", "send_email_to_team takes [{message, team_ids}]");
    let [p] = raw else { return Err(bad()) };
    let message = p["message"].as_str().map(str::trim).unwrap_or("");
    if message.is_empty() {
        return Err(CoreError::invalid(
            "action_params",
            "send_email_to_team needs a message",
        ));
    }
    if message.chars().count() > switchboard_domain::rules::MAX_CONTENT_CHARS {
        return Err(CoreError::invalid("action_params", "The message is too long"));
    }
    let ids = p["team_ids"].as_array().ok_or_else(bad)?;
    if ids.is_empty() || ids.len() > 20 {
        return Err(CoreError::invalid(
            "action_params",
            "send_email_to_team takes 1 to 20 teams",
        ));
    }
    let mut teams = Vec::with_capacity(ids.len());
    for v in ids {
        let id = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(bad)?;
        if tx.get_team(account_id, id).await?.is_none() {
            return Err(CoreError::invalid("action_params", "The team is not in this account"));
        }
        if !teams.contains(&id) {
            teams.push(id);
        }
    }
    Ok(json!([{ "message": message, "team_ids": teams }]))
}
