//! Customer satisfaction (Chatwoot's CSAT): the survey a resolve sends, its
//! answer, and the ratings for administrators.
//!
//! On resolve, an inbox with `csat_survey_enabled` sends one survey per
//! conversation (an `input_csat` message), when its `csat_config.
//! survey_rules` allow (`{operator: contains | does_not_contain, values:
//! [labels]}` against the conversation's labels). The website widget shows
//! it inline; every other channel gets the text with a link to the public
//! survey page, `/survey/responses/{conversation uuid}` (a channel whose
//! reply window is closed gets an activity line saying the survey was not
//! sent). The answer (`rating` 1 to 5, `feedback_message`) is kept once
//! per survey (changed until it locks, 14 days after it was sent), as the
//! survey message's `submitted_values` and a `csat_survey_responses` row
//! holding the agent the conversation was assigned to.
//!
//! The conversation's uuid is the survey's key: unguessable, and it opens
//! that conversation's survey and nothing else.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::time::{iso, unix_secs};
use switchboard_domain::{ChannelType, ContentType};
use switchboard_store::{Conversation, CsatFilter, CsatResponse, Message, NewCsat};

use crate::auth::AccountCtx;
use crate::params::Params;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present};

/// Ratings lock this long after the survey was sent.
pub const LOCK_AFTER: i64 = 14 * 24 * 3600 * 1_000_000;
/// A page of `GET /csat_survey_responses`.
pub const PER_PAGE: i64 = 25;
const MAX_PAGE: i64 = 400;
const MAX_DOWNLOAD: i64 = 10_000;
const MAX_FEEDBACK: usize = 2_000;
/// The survey's question unless the inbox sets its own.
pub const DEFAULT_QUESTION: &str = "Please rate the conversation";

/// Whether the inbox's survey rules let a conversation with `labels` be
/// surveyed.
pub fn rules_allow(csat_config: &Value, labels: &[String]) -> bool {
    let rules = &csat_config["survey_rules"];
    let values: Vec<String> = rules["values"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_lowercase)).collect())
        .unwrap_or_default();
    if values.is_empty() {
        return true;
    }
    let hit = labels.iter().any(|l| values.contains(&l.to_lowercase()));
    match rules["operator"].as_str() {
        Some("does_not_contain") => !hit,
        _ => hit,
    }
}

/// The survey page of a conversation.
pub fn survey_url(core: &Core, conv: &Conversation) -> String {
    format!("{}/survey/responses/{}", core.public_url(), conv.uuid)
}

/// A rating as Chatwoot lists it.
fn response_json(r: &CsatResponse, conv: Option<&Conversation>, contact: Option<Value>, agent: Option<Value>) -> Value {
    json!({
        "id": r.id,
        "rating": r.rating,
        "feedback_message": r.feedback_message,
        "account_id": r.account_id,
        "message_id": r.message_id,
        "conversation_id": conv.map(|c| c.display_id),
        "contact": contact,
        "assigned_agent": agent,
        "created_at": unix_secs(r.created_at),
        "updated_at": unix_secs(r.updated_at),
    })
}

/// The answer a request gives: `{message: {submitted_values:
/// {csat_survey_response: {...}}}}`, `{submitted_values: ...}`, or
/// `{rating, feedback_message}` alone.
fn read_answer(body: &Value) -> CoreResult<(i16, Option<String>)> {
    let inner = body
        .get("message")
        .and_then(|m| m.get("submitted_values"))
        .or_else(|| body.get("submitted_values"))
        .map(|s| s.get("csat_survey_response").unwrap_or(s))
        .unwrap_or(body);
    let rating = match inner.get("rating") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n| (1..=5).contains(n))
    .ok_or_else(|| CoreError::invalid("rating", "rating must be 1 to 5"))?;
    let feedback = match inner.get("feedback_message") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > MAX_FEEDBACK => {
            return Err(CoreError::invalid("feedback_message", "feedback_message is too long"));
        }
        Some(Value::String(s)) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Some(_) => {
            return Err(CoreError::invalid(
                "feedback_message",
                "feedback_message must be a string",
            ));
        }
    };
    Ok((rating as i16, feedback))
}

/// Keeps a rating of survey `m` of `conv` (one per survey, changed until
/// it locks 14 days after it was sent), with the agent assigned now.
pub(crate) async fn keep_rating(
    w: &mut Work,
    conv: &Conversation,
    m: &Message,
    rating: i16,
    feedback: Option<String>,
) -> CoreResult<()> {
    if w.now - m.created_at > LOCK_AFTER {
        return Err(CoreError::invalid("submitted_values", "This survey is closed"));
    }
    let now = w.now;
    w.tx()
        .upsert_csat(
            &NewCsat {
                account_id: conv.account_id,
                conversation_id: conv.id,
                message_id: m.id,
                contact_id: conv.contact_id,
                assigned_agent_id: conv.assignee_id,
                rating,
                feedback_message: feedback,
            },
            now,
        )
        .await?;
    Ok(())
}

/// Records an answer to survey `m` of `conv`: the rating row and the
/// message's `submitted_values`.
pub(crate) async fn record(
    w: &mut Work,
    conv: &Conversation,
    m: &mut Message,
    rating: i16,
    feedback: Option<String>,
) -> CoreResult<()> {
    keep_rating(w, conv, m, rating, feedback.clone()).await?;
    present::set_key(
        &mut m.content_attributes,
        "submitted_values",
        json!({ "csat_survey_response": { "rating": rating, "feedback_message": feedback } }),
    );
    m.updated_at = w.now;
    w.tx().update_message(m).await?;
    Ok(())
}

/// What a survey page shows of the conversation's survey.
fn survey_json(
    core: &Core,
    conv: &Conversation,
    inbox: &switchboard_store::Inbox,
    locale: &str,
    m: &Message,
    now: i64,
) -> Value {
    let answer = &m.content_attributes["submitted_values"]["csat_survey_response"];
    json!({
        "id": m.id,
        "conversation_id": conv.display_id,
        "question": m.content.as_deref().map(|c| c.split(": http").next().unwrap_or(c)).unwrap_or(DEFAULT_QUESTION),
        "display_type": m.content_attributes["display_type"].as_str().unwrap_or("emoji"),
        "csat_survey_response": if answer.is_object() { answer.clone() } else { Value::Null },
        "inbox_name": inbox.name,
        "inbox_avatar_url": inbox.settings.get("avatar_url").cloned().unwrap_or(json!("")),
        "locale": locale,
        "locked": now - m.created_at > LOCK_AFTER,
        "created_at": unix_secs(m.created_at),
        "survey_url": survey_url(core, conv),
    })
}

impl Core {
    async fn survey_of(&self, uuid: &str) -> CoreResult<(Conversation, Message)> {
        if uuid::Uuid::parse_str(uuid).is_err() {
            return Err(CoreError::NotFound);
        }
        let mut tx = self.store.read().await?;
        let conv = tx.find_conversation_by_uuid(uuid).await?.ok_or(CoreError::NotFound)?;
        let m = tx.latest_csat_message(conv.id).await?.ok_or(CoreError::NotFound)?;
        Ok((conv, m))
    }

    /// `GET /public/api/v1/csat_survey/{uuid}`: the survey, answered or not.
    pub async fn csat_survey(self: &Arc<Self>, uuid: &str) -> CoreResult<Value> {
        let (conv, m) = self.survey_of(uuid).await?;
        let mut tx = self.store.read().await?;
        let inbox = tx
            .get_inbox(conv.account_id, conv.inbox_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let account = tx.get_account(conv.account_id).await?.ok_or(CoreError::NotFound)?;
        Ok(survey_json(
            self,
            &conv,
            &inbox,
            &account.locale,
            &m,
            switchboard_domain::time::now_micros(),
        ))
    }

    /// `PUT /public/api/v1/csat_survey/{uuid}`: the customer's rating.
    pub async fn answer_csat_survey(self: &Arc<Self>, uuid: &str, body: &Value) -> CoreResult<Value> {
        let (rating, feedback) = read_answer(body)?;
        let (conv, m) = self.survey_of(uuid).await?;
        let mut w = Work::by_contact(self, conv.contact_id).await?;
        let conv = w
            .tx()
            .lock_conversation_by_id(conv.id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let mut m = w.tx().get_message(conv.id, m.id).await?.ok_or(CoreError::NotFound)?;
        record(&mut w, &conv, &mut m, rating, feedback).await?;
        let inbox = w
            .tx()
            .get_inbox(conv.account_id, conv.inbox_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        self.message_updated(&mut w, &conv, &inbox, &m).await?;
        let account = w.tx().get_account(conv.account_id).await?.ok_or(CoreError::NotFound)?;
        let out = survey_json(self, &conv, &inbox, &account.locale, &m, w.now);
        w.commit().await?;
        Ok(out)
    }

    /// Ratings with their conversation, contact and agent.
    async fn csat_page(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        f: &CsatFilter,
        offset: i64,
        limit: i64,
    ) -> CoreResult<(Vec<Value>, Vec<(CsatResponse, Option<Conversation>)>)> {
        let mut tx = self.store.read().await?;
        let rows = tx.list_csat(ctx.account_id(), f, offset, limit).await?;
        let conv_ids: Vec<i64> = rows.iter().map(|r| r.conversation_id).collect();
        let convs: HashMap<i64, Conversation> = tx
            .get_conversations_by_ids(&conv_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut contact_ids: Vec<i64> = rows.iter().map(|r| r.contact_id).collect();
        contact_ids.sort_unstable();
        contact_ids.dedup();
        let contacts = tx.get_contacts(ctx.account_id(), &contact_ids).await?;
        let users = tx.list_account_users(ctx.account_id()).await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut full = Vec::with_capacity(rows.len());
        for r in rows {
            let conv = convs.get(&r.conversation_id);
            let contact = contacts.iter().find(|c| c.id == r.contact_id).map(|c| {
                json!({
                    "id": c.id, "name": c.name, "email": c.email, "phone_number": c.phone_number,
                    "thumbnail": c.avatar_url.clone().unwrap_or_default(),
                })
            });
            let agent = r
                .assigned_agent_id
                .and_then(|id| users.iter().find(|(u, _)| u.id == id))
                .map(|(u, au)| present::agent(u, Some(au)));
            items.push(response_json(&r, conv, contact, agent));
            full.push((r, conv.cloned()));
        }
        Ok((items, full))
    }

    /// `GET /csat_survey_responses` (administrators): 25 a page, newest first.
    pub async fn list_csat(self: &Arc<Self>, ctx: &AccountCtx, q: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let f = read_filter(q)?;
        let page = Params::new(q).i64("page")?.unwrap_or(1).clamp(1, MAX_PAGE);
        let (items, _) = self.csat_page(ctx, &f, (page - 1) * PER_PAGE, PER_PAGE).await?;
        Ok(Value::Array(items))
    }

    /// `GET /csat_survey_responses/metrics` (administrators): how many
    /// answered, by rating, and how many surveys went out.
    pub async fn csat_metrics(self: &Arc<Self>, ctx: &AccountCtx, q: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let f = read_filter(q)?;
        let mut tx = self.store.read().await?;
        let counts = tx.csat_rating_counts(ctx.account_id(), &f).await?;
        let sent = tx
            .count_csat_sent(ctx.account_id(), f.since, f.until, f.inbox_id)
            .await?;
        let total: i64 = counts.iter().map(|(_, n)| n).sum();
        let mut ratings = serde_json::Map::new();
        for (r, n) in &counts {
            ratings.insert(r.to_string(), json!(n));
        }
        let satisfied: i64 = counts.iter().filter(|(r, _)| *r >= 4).map(|(_, n)| n).sum();
        Ok(json!({
            "total_count": total,
            "ratings_count": ratings,
            "total_sent_messages_count": sent,
            "satisfaction_score": if total == 0 { Value::Null } else { json!(((satisfied as f64 / total as f64) * 1000.0).round() / 10.0) },
            "response_rate": if sent == 0 { Value::Null } else { json!(((total as f64 / sent as f64) * 1000.0).round() / 10.0) },
        }))
    }

    /// `GET /csat_survey_responses/download` (administrators): CSV, at most
    /// 10,000 rows, newest first.
    pub async fn csat_csv(self: &Arc<Self>, ctx: &AccountCtx, q: &Value) -> CoreResult<String> {
        ctx.require_admin()?;
        let f = read_filter(q)?;
        let (items, _) = self.csat_page(ctx, &f, 0, MAX_DOWNLOAD).await?;
        let mut out = String::from("conversation_id,rating,feedback_message,contact,agent,rated_at\n");
        for v in items {
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                v["conversation_id"],
                v["rating"],
                crate::contacts_csv::quoted(v["feedback_message"].as_str().unwrap_or("")),
                crate::contacts_csv::quoted(v["contact"]["name"].as_str().unwrap_or("")),
                crate::contacts_csv::quoted(v["assigned_agent"]["name"].as_str().unwrap_or("")),
                iso(v["created_at"].as_i64().unwrap_or(0) * 1_000_000),
            ));
        }
        Ok(out)
    }

    /// Sends the satisfaction survey of a conversation just resolved, when
    /// its inbox asks for one and its rules allow.
    pub(crate) async fn send_csat_survey(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        inbox: &switchboard_store::Inbox,
    ) -> CoreResult<()> {
        if w.tx().has_content_type(conv.id, ContentType::InputCsat.code()).await? {
            return Ok(());
        }
        let config = inbox.settings.get("csat_config").cloned().unwrap_or(json!({}));
        let labels: Vec<String> = w
            .tx()
            .conversation_labels(&[conv.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        if !rules_allow(&config, &labels) {
            return Ok(());
        }
        let question = config["message"]
            .as_str()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(DEFAULT_QUESTION)
            .to_string();
        let display = match config["display_type"].as_str() {
            Some("star") => "star",
            _ => "emoji",
        };
        let widget = inbox.channel() == ChannelType::WEB_WIDGET;
        if !widget && !crate::channels::reply_allowed(&self.channels, w.tx(), inbox.channel(), conv.id).await? {
            return self
                .system_message(
                    w,
                    conv,
                    "The satisfaction survey was not sent: the channel's reply window is closed",
                    switchboard_domain::MessageType::Activity,
                )
                .await;
        }
        let text = if widget {
            question
        } else {
            format!("{question}: {}", survey_url(self, conv))
        };
        self.csat_message(w, conv, &text, display, !widget).await
    }
}

/// What the lists take from the query: `since` and `until` (Unix
/// seconds), `inbox_id`, `team_id`, `user_ids` (comma-separated or
/// repeated), `rating`.
fn read_filter(q: &Value) -> CoreResult<CsatFilter> {
    let p = Params::new(q);
    let time =
        |key: &str| -> CoreResult<Option<i64>> { Ok(p.i64(key)?.and_then(switchboard_domain::time::from_unix_secs)) };
    let user_ids = match p.raw("user_ids") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s
            .split(',')
            .filter(|x| !x.trim().is_empty())
            .map(|x| x.trim().parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| CoreError::invalid("user_ids", "user_ids must be a list of integers"))?,
        Some(_) => p.i64_list("user_ids")?.unwrap_or_default(),
    };
    let rating = p.i64("rating")?;
    if rating.is_some_and(|r| !(1..=5).contains(&r)) {
        return Err(CoreError::invalid("rating", "rating must be 1 to 5"));
    }
    Ok(CsatFilter {
        since: time("since")?,
        until: time("until")?,
        inbox_id: p.i64("inbox_id")?,
        team_id: p.i64("team_id")?,
        user_ids,
        rating: rating.map(|r| r as i16),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survey_rules() {
        let labels = vec!["billing".to_string()];
        assert!(rules_allow(&json!({}), &labels));
        assert!(rules_allow(
            &json!({ "survey_rules": { "operator": "contains", "values": ["Billing"] } }),
            &labels
        ));
        assert!(!rules_allow(
            &json!({ "survey_rules": { "operator": "contains", "values": ["vip"] } }),
            &labels
        ));
        assert!(!rules_allow(
            &json!({ "survey_rules": { "operator": "does_not_contain", "values": ["billing"] } }),
            &labels
        ));
        assert!(rules_allow(
            &json!({ "survey_rules": { "operator": "does_not_contain", "values": ["spam"] } }),
            &[]
        ));
    }

    #[test]
    fn answers_in_every_shape() {
        assert_eq!(
            read_answer(&json!({ "message": { "submitted_values": { "csat_survey_response": { "rating": 4, "feedback_message": " ok " } } } })).unwrap(),
            (4, Some("ok".into()))
        );
        assert_eq!(read_answer(&json!({ "rating": "5" })).unwrap(), (5, None));
        assert!(read_answer(&json!({ "rating": 6 })).is_err());
        assert!(read_answer(&json!({ "rating": 3, "feedback_message": 7 })).is_err());
        assert!(read_answer(&json!({})).is_err());
    }
}
