//! SLA policies (Chatwoot's `sla_policies`, `applied_slas`, `sla_events`):
//! what a team promises, held against conversations.
//!
//! A policy has up to three thresholds in seconds: the first reply (FRT,
//! from the conversation's start, or its reopening while no one has
//! replied), each next reply (NRT, from when the customer started waiting
//! after a reply), and the resolution (RT, from the start of the cycle:
//! the creation or the last reopen). With `only_during_business_hours`
//! the clocks run in the inbox's calendar ([`crate::business_hours`]).
//!
//! A conversation is held to a policy by an automation rule (`add_sla`) or
//! `sla_policy_id` on `PATCH /conversations/{id}`. Its `applied_slas` row
//! keeps the clocks as due times, computed when each clock starts; every
//! change of the conversation ([`track`]) starts or stops them in the same
//! transaction and queues a check job for each due time (and one at 80 %
//! of the threshold, the warning). The job runs when the clock runs out,
//! so a miss is recorded within the job runner's wake-up of its due time
//! (not a periodic sweep): an `sla_events` row (once per clock: a unique
//! key), `conversation.updated` with the conversation's `applied_sla` and
//! `sla_events`, `sla.missed` for the dashboard, and notifications
//! (`sla_missed_*`) for the participants, the assignee and the
//! administrators. A resolve records the misses of clocks that ran out
//! before it (so the result never depends on how late a job ran), then
//! settles the applied SLA as `hit` or `missed`; a reopen starts a new
//! cycle (`active` again, or `active_with_misses`).
//!
//! A check that finds its due time no longer the one armed (the clock was
//! stopped or restarted) does nothing, so jobs are never cancelled.
//! Thresholds a policy changes, and a calendar an inbox changes, hold for
//! the clocks started after the change.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use switchboard_domain::calendar::Calendar;
use switchboard_domain::event::Cause;
use switchboard_domain::time::unix_secs;
use switchboard_domain::{ConversationStatus, Event, EventKind};
use switchboard_store::{AppliedSla, AppliedSlaFilter, Conversation, SlaEvent, SlaPolicy, Tx};

use crate::auth::AccountCtx;
use crate::job::{BackgroundJob, JobContext};
use crate::jobs::JobFailure;
use crate::params::Params;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present, views};

pub const ACTIVE: i16 = 0;
pub const HIT: i16 = 1;
pub const MISSED: i16 = 2;
pub const ACTIVE_WITH_MISSES: i16 = 3;

pub const FRT: i16 = 0;
pub const NRT: i16 = 1;
pub const RT: i16 = 2;
const KINDS: [i16; 3] = [FRT, NRT, RT];

/// The most policies an account keeps.
pub const MAX_POLICIES: i64 = 100;
/// The longest threshold: a year, in seconds.
pub const MAX_THRESHOLD: i64 = 366 * 24 * 3600;
/// The warning comes at this share of a threshold.
pub const WARN_PERCENT: i64 = 80;
/// A page of `GET /applied_slas`.
pub const PER_PAGE: i64 = 25;
/// The deepest page, and the most rows a CSV download carries.
const MAX_PAGE: i64 = 400;
const MAX_DOWNLOAD: i64 = 10_000;
const MAX_NAME: usize = 255;
const MAX_DESCRIPTION: usize = 2_000;

pub fn status_name(s: i16) -> &'static str {
    match s {
        HIT => "hit",
        MISSED => "missed",
        ACTIVE_WITH_MISSES => "active_with_misses",
        _ => "active",
    }
}

pub fn kind_name(k: i16) -> &'static str {
    match k {
        NRT => "nrt",
        RT => "rt",
        _ => "frt",
    }
}

fn secs(t: Option<i64>) -> Value {
    t.map(|t| json!(unix_secs(t))).unwrap_or(Value::Null)
}

/// A policy as Chatwoot shows it.
pub fn policy_json(p: &SlaPolicy) -> Value {
    json!({
        "id": p.id,
        "account_id": p.account_id,
        "name": p.name,
        "description": p.description,
        "first_response_time_threshold": p.first_response_time_threshold,
        "next_response_time_threshold": p.next_response_time_threshold,
        "resolution_time_threshold": p.resolution_time_threshold,
        "only_during_business_hours": p.only_during_business_hours,
        "created_at": unix_secs(p.created_at),
        "updated_at": unix_secs(p.updated_at),
    })
}

/// The SLA a conversation is held to, as its views show it.
#[derive(Debug, Clone)]
pub struct SlaView {
    pub applied: AppliedSla,
    pub policy: SlaPolicy,
    pub events: Vec<SlaEvent>,
}

impl SlaView {
    /// Chatwoot's `applied_sla` (its `push_event_data`).
    pub fn applied_json(&self) -> Value {
        applied_json(&self.applied, &self.policy)
    }

    pub fn events_json(&self) -> Vec<Value> {
        self.events.iter().map(event_json).collect()
    }
}

pub fn applied_json(a: &AppliedSla, p: &SlaPolicy) -> Value {
    json!({
        "id": a.id,
        "sla_id": a.sla_policy_id,
        "sla_status": status_name(a.sla_status),
        "created_at": unix_secs(a.created_at),
        "updated_at": unix_secs(a.updated_at),
        "sla_completed_at": secs(a.completed_at),
        "sla_description": p.description,
        "sla_name": p.name,
        "sla_first_response_time_threshold": p.first_response_time_threshold,
        "sla_next_response_time_threshold": p.next_response_time_threshold,
        "sla_only_during_business_hours": p.only_during_business_hours,
        "sla_resolution_time_threshold": p.resolution_time_threshold,
        "sla_frt_due_at": secs(a.frt_due_at),
        "sla_nrt_due_at": secs(a.nrt_due_at),
        "sla_rt_due_at": secs(a.rt_due_at),
    })
}

pub fn event_json(e: &SlaEvent) -> Value {
    json!({
        "id": e.id,
        "event_type": kind_name(e.event_type),
        "meta": e.meta,
        "due_at": unix_secs(e.due_at),
        "created_at": unix_secs(e.created_at),
        "updated_at": unix_secs(e.updated_at),
    })
}

/// The SLA views of the conversations among `convs` held to a policy (none
/// read for a page where none is).
pub(crate) async fn views_of(
    tx: &mut dyn Tx,
    account_id: i64,
    convs: &[Conversation],
) -> CoreResult<HashMap<i64, SlaView>> {
    let ids: Vec<i64> = convs
        .iter()
        .filter(|c| c.sla_policy_id.is_some())
        .map(|c| c.id)
        .collect();
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let applied = tx.applied_slas_of(&ids).await?;
    if applied.is_empty() {
        return Ok(out);
    }
    let policies = tx.list_sla_policies(account_id, MAX_POLICIES).await?;
    let applied_ids: Vec<i64> = applied.iter().map(|a| a.id).collect();
    let mut events: HashMap<i64, Vec<SlaEvent>> = HashMap::new();
    for e in tx.sla_events_of(&applied_ids).await? {
        events.entry(e.applied_sla_id).or_default().push(e);
    }
    for a in applied {
        if let Some(p) = policies.iter().find(|p| p.id == a.sla_policy_id) {
            out.insert(
                a.conversation_id,
                SlaView {
                    events: events.remove(&a.id).unwrap_or_default(),
                    policy: p.clone(),
                    applied: a,
                },
            );
        }
    }
    Ok(out)
}

/// A threshold as a request gives it: seconds (a number, possibly with a
/// fraction, or a numeric string), null or empty for none.
fn read_threshold(p: &Params<'_>, key: &str) -> CoreResult<Option<Option<i64>>> {
    let bad = || {
        CoreError::invalid(
            key,
            format!("{key} must be a number of seconds from 1 to {MAX_THRESHOLD}"),
        )
    };
    let n = match p.raw(key) {
        None => return Ok(None),
        Some(Value::Null) => return Ok(Some(None)),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(Some(None)),
        Some(Value::String(s)) => s.trim().parse::<f64>().map_err(|_| bad())?,
        Some(Value::Number(n)) => n.as_f64().ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    if !n.is_finite() || n < 1.0 || n > MAX_THRESHOLD as f64 {
        return Err(bad());
    }
    Ok(Some(Some(n.round() as i64)))
}

/// A policy's fields as a request gives them; `base` fills what it leaves
/// out (an update).
fn read_policy(account_id: i64, body: &Value, base: Option<&SlaPolicy>) -> CoreResult<SlaPolicy> {
    let p = Params::new(body).nested_or_self("sla_policy");
    let name = match (p.has("name"), base) {
        (false, Some(b)) => b.name.clone(),
        _ => p.req_str("name")?.trim().to_string(),
    };
    if name.chars().count() > MAX_NAME {
        return Err(CoreError::invalid(
            "name",
            "Name is too long (maximum is 255 characters)",
        ));
    }
    let description = match p.raw("description") {
        None => base.and_then(|b| b.description.clone()),
        Some(_) => p.str("description")?,
    };
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        return Err(CoreError::invalid(
            "description",
            "Description is too long (maximum is 2000 characters)",
        ));
    }
    let pick = |key: &str, old: Option<i64>| -> CoreResult<Option<i64>> {
        Ok(match read_threshold(&p, key)? {
            None => old,
            Some(v) => v,
        })
    };
    let frt = pick(
        "first_response_time_threshold",
        base.and_then(|b| b.first_response_time_threshold),
    )?;
    let nrt = pick(
        "next_response_time_threshold",
        base.and_then(|b| b.next_response_time_threshold),
    )?;
    let rt = pick(
        "resolution_time_threshold",
        base.and_then(|b| b.resolution_time_threshold),
    )?;
    if frt.is_none() && nrt.is_none() && rt.is_none() {
        return Err(CoreError::invalid(
            "base",
            "A policy needs at least one of first_response_time_threshold, next_response_time_threshold and resolution_time_threshold",
        ));
    }
    let business = match p.bool("only_during_business_hours")? {
        Some(b) => b,
        None => base.is_some_and(|b| b.only_during_business_hours),
    };
    Ok(SlaPolicy {
        id: base.map_or(0, |b| b.id),
        account_id,
        name,
        description,
        first_response_time_threshold: frt,
        next_response_time_threshold: nrt,
        resolution_time_threshold: rt,
        only_during_business_hours: business,
        created_at: base.map_or(0, |b| b.created_at),
        updated_at: 0,
    })
}

impl Core {
    /// `GET /sla_policies` (every member: agents see which policy holds).
    pub async fn list_sla_policies(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let list = tx.list_sla_policies(ctx.account_id(), MAX_POLICIES).await?;
        Ok(json!({ "payload": list.iter().map(policy_json).collect::<Vec<_>>() }))
    }

    pub async fn get_sla_policy(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let p = tx
            .get_sla_policy(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(json!({ "payload": policy_json(&p) }))
    }

    /// `POST /sla_policies` (administrators).
    pub async fn create_sla_policy(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut p = read_policy(ctx.account_id(), body, None)?;
        let mut w = Work::by(self, ctx).await?;
        if w.tx().count_sla_policies(ctx.account_id()).await? >= MAX_POLICIES {
            return Err(CoreError::invalid(
                "base",
                format!("At most {MAX_POLICIES} SLA policies"),
            ));
        }
        p.created_at = w.now;
        p.updated_at = w.now;
        let saved = w.tx().insert_sla_policy(&p).await?;
        w.commit().await?;
        Ok(json!({ "payload": policy_json(&saved) }))
    }

    /// `PATCH /sla_policies/{id}` (administrators): what the body names.
    pub async fn update_sla_policy(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let base = w
            .tx()
            .get_sla_policy(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let mut p = read_policy(ctx.account_id(), body, Some(&base))?;
        p.updated_at = w.now;
        w.tx().update_sla_policy(&p).await?;
        w.commit().await?;
        Ok(json!({ "payload": policy_json(&p) }))
    }

    /// `DELETE /sla_policies/{id}` (administrators): the conversations it
    /// held are held to nothing, and its record of them goes.
    pub async fn delete_sla_policy(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        if !w.tx().delete_sla_policy(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        w.commit().await
    }

    /// Checks that `id` names a policy of the account (for a conversation
    /// update or a rule's `add_sla`).
    pub(crate) async fn require_sla_policy(tx: &mut dyn Tx, account_id: i64, id: i64, key: &str) -> CoreResult<()> {
        if tx.get_sla_policy(account_id, id).await?.is_none() {
            return Err(CoreError::invalid(key, "The SLA policy is not in this account"));
        }
        Ok(())
    }

    /// Runs a check job: records the miss (or raises the warning) when the
    /// clock it was queued for is still the one armed and still unmet.
    async fn sla_check(self: &Arc<Self>, job: &SlaCheck) -> CoreResult<()> {
        let mut w = Work::begin(self).await?;
        w.set_cause(Cause::ON_ITS_OWN);
        let Some(conv) = w.tx().lock_conversation_by_id(job.conversation_id).await? else {
            return Ok(());
        };
        if conv.status() == ConversationStatus::Resolved {
            return Ok(());
        }
        let Some(mut a) = w
            .tx()
            .get_applied_sla(conv.id)
            .await?
            .filter(|a| a.id == job.applied_sla_id)
        else {
            return Ok(());
        };
        if due_of(&a, job.kind) != Some(job.due_at) || !unmet(job.kind, &conv, job.due_at) {
            return Ok(());
        }
        if job.warning {
            let Some(policy) = w.tx().get_sla_policy(conv.account_id, a.sla_policy_id).await? else {
                return Ok(());
            };
            let data = json!({
                "event_type": kind_name(job.kind),
                "due_at": unix_secs(job.due_at),
                "conversation_id": conv.display_id,
                "applied_sla": applied_json(&a, &policy),
            });
            w.emit(
                Event::new(EventKind::SlaWarning, conv.account_id, data)
                    .inbox(Some(conv.inbox_id))
                    .conversation(Some(conv.id))
                    .private(true),
            )
            .await?;
            return w.commit().await;
        }
        if record_miss(&mut w, &conv, &mut a, job.kind, job.due_at).await? {
            a.updated_at = w.now;
            w.tx().save_applied_sla(&a).await?;
            let view = views::conv_view(&self.channels, w.tx(), conv.clone()).await?;
            let mut data = view.push();
            data["changed_attributes"] = json!([]);
            w.emit(
                Event::new(EventKind::ConversationUpdated, conv.account_id, data)
                    .inbox(Some(conv.inbox_id))
                    .conversation(Some(conv.id))
                    .contact(Some(conv.contact_id))
                    .contact_inbox(Some(conv.contact_inbox_id)),
            )
            .await?;
        }
        w.commit().await
    }
}

/// The due time of clock `kind`.
fn due_of(a: &AppliedSla, kind: i16) -> Option<i64> {
    match kind {
        FRT => a.frt_due_at,
        NRT => a.nrt_due_at,
        _ => a.rt_due_at,
    }
}

/// Whether clock `kind`, due at `due`, has not been met by `conv` (as it
/// was before a resolve, for the resolve's own check).
fn unmet(kind: i16, conv: &Conversation, due: i64) -> bool {
    match kind {
        FRT => conv.first_reply_created_at.is_none_or(|t| t > due),
        NRT => conv.waiting_since.is_some(),
        _ => true,
    }
}

/// Records that clock `kind` of `a` missed `due` (once: a re-run records
/// nothing); true when it is new. `a` becomes `active_with_misses`.
async fn record_miss(w: &mut Work, conv: &Conversation, a: &mut AppliedSla, kind: i16, due: i64) -> CoreResult<bool> {
    let meta = match kind {
        NRT => {
            let last = w.tx().last_incoming_message(conv.id).await?;
            json!({ "message_id": last.map(|m| m.id) })
        }
        _ => json!({}),
    };
    let row = SlaEvent {
        id: 0,
        account_id: conv.account_id,
        applied_sla_id: a.id,
        conversation_id: conv.id,
        inbox_id: conv.inbox_id,
        sla_policy_id: a.sla_policy_id,
        event_type: kind,
        due_at: due,
        meta,
        created_at: w.now,
        updated_at: w.now,
    };
    let Some(saved) = w.tx().insert_sla_event(&row).await? else {
        return Ok(false);
    };
    if a.sla_status == ACTIVE {
        a.sla_status = ACTIVE_WITH_MISSES;
    }
    let data = json!({
        "event_type": kind_name(kind),
        "due_at": unix_secs(due),
        "conversation_id": conv.display_id,
        "sla_event": event_json(&saved),
    });
    w.emit(
        Event::new(EventKind::SlaMissed, conv.account_id, data)
            .inbox(Some(conv.inbox_id))
            .conversation(Some(conv.id))
            .private(true),
    )
    .await?;
    tracing::info!(
        account_id = conv.account_id,
        conversation_id = conv.id,
        kind = kind_name(kind),
        late_ms = (w.now - due) / 1000,
        "SLA missed"
    );
    Ok(true)
}

/// The calendar a policy's clocks run in for this conversation's inbox.
async fn calendar_for(w: &mut Work, policy: &SlaPolicy, conv: &Conversation) -> CoreResult<Calendar> {
    let inbox = w.tx().get_inbox(conv.account_id, conv.inbox_id).await?;
    Ok(match inbox {
        Some(i) if policy.only_during_business_hours => crate::business_hours::calendar(&i),
        Some(i) => Calendar::always(crate::business_hours::time_zone(&i)),
        None => Calendar::always(jiff::tz::TimeZone::UTC),
    })
}

/// A clock started at `start` with `threshold` seconds.
struct Clock {
    kind: i16,
    start: i64,
    threshold: i64,
}

/// The due time of a clock in `cal`.
fn due(cal: &Calendar, start: i64, threshold: Option<i64>) -> Option<i64> {
    cal.add(start, threshold?)
}

/// Queues the check of each clock started (and its warning, when that is
/// still ahead).
async fn queue_checks(w: &mut Work, cal: &Calendar, a: &AppliedSla, clocks: &[Clock]) -> CoreResult<()> {
    let now = w.now;
    for c in clocks {
        let Some(due_at) = due_of(a, c.kind) else { continue };
        let check = SlaCheck {
            applied_sla_id: a.id,
            conversation_id: a.conversation_id,
            kind: c.kind,
            due_at,
            warning: false,
        };
        w.job(crate::job::new_job(&check, due_at, 10, None)).await?;
        if let Some(warn_at) = cal.add(c.start, c.threshold * WARN_PERCENT / 100)
            && warn_at > now
            && warn_at < due_at
        {
            let warning = SlaCheck { warning: true, ..check };
            w.job(crate::job::new_job(&warning, warn_at, 3, None)).await?;
        }
    }
    Ok(())
}

/// Starts or stops a conversation's SLA clocks after a change from
/// `before` to `after` (written already): a policy set or taken off, a
/// resolve, a reopen, a customer's wait starting or ending.
pub(crate) async fn track(w: &mut Work, before: &Conversation, after: &Conversation) -> CoreResult<()> {
    if before.sla_policy_id != after.sla_policy_id {
        return match after.sla_policy_id {
            None => w.tx().delete_applied_sla(after.id).await.map_err(Into::into),
            Some(id) => start(w, after, id).await,
        };
    }
    if after.sla_policy_id.is_none() {
        return Ok(());
    }
    let resolved_before = before.status() == ConversationStatus::Resolved;
    let resolved = after.status() == ConversationStatus::Resolved;
    let wait_moved = before.waiting_since != after.waiting_since;
    if resolved_before == resolved && (!wait_moved || resolved) {
        return Ok(());
    }
    let Some(mut a) = w.tx().get_applied_sla(after.id).await? else {
        return Ok(());
    };
    let Some(policy) = w.tx().get_sla_policy(after.account_id, a.sla_policy_id).await? else {
        return Ok(());
    };
    let cal = calendar_for(w, &policy, after).await?;
    let now = w.now;
    let mut started: Vec<Clock> = Vec::new();
    if !resolved_before && resolved {
        // Clocks that ran out before the resolve miss now, whether or not
        // their check ran yet; then the cycle settles.
        for kind in KINDS {
            if let Some(d) = due_of(&a, kind)
                && d <= now
                && unmet(kind, before, d)
            {
                record_miss(w, before, &mut a, kind, d).await?;
            }
        }
        a.sla_status = if a.sla_status == ACTIVE { HIT } else { MISSED };
        a.completed_at = Some(now);
        a.nrt_due_at = None;
        a.rt_due_at = None;
        if after.first_reply_created_at.is_none() {
            a.frt_due_at = None;
        }
    } else {
        if resolved_before && !resolved {
            // A new cycle.
            a.sla_status = if a.sla_status == HIT || a.sla_status == ACTIVE {
                ACTIVE
            } else {
                ACTIVE_WITH_MISSES
            };
            a.completed_at = None;
            a.cycle_started_at = now;
            a.rt_due_at = due(&cal, now, policy.resolution_time_threshold);
            if let Some(t) = policy.resolution_time_threshold {
                started.push(Clock {
                    kind: RT,
                    start: now,
                    threshold: t,
                });
            }
            if after.first_reply_created_at.is_none() {
                a.frt_due_at = due(&cal, now, policy.first_response_time_threshold);
                if let Some(t) = policy.first_response_time_threshold {
                    started.push(Clock {
                        kind: FRT,
                        start: now,
                        threshold: t,
                    });
                }
            }
        }
        // The customer's wait for a next reply.
        let nrt = match (
            after.waiting_since,
            after.first_reply_created_at,
            policy.next_response_time_threshold,
        ) {
            (Some(since), Some(_), Some(t)) => Some((since, t)),
            _ => None,
        };
        let nrt_due = nrt.and_then(|(since, t)| cal.add(since, t));
        if nrt_due != a.nrt_due_at {
            a.nrt_due_at = nrt_due;
            if let (Some((since, t)), Some(_)) = (nrt, nrt_due) {
                started.push(Clock {
                    kind: NRT,
                    start: since,
                    threshold: t,
                });
            }
        }
    }
    a.updated_at = now;
    w.tx().save_applied_sla(&a).await?;
    queue_checks(w, &cal, &a, &started).await
}

/// Holds `conv` to policy `policy_id` from now on: its clocks counted from
/// the conversation's start (a threshold already passed misses at once).
async fn start(w: &mut Work, conv: &Conversation, policy_id: i64) -> CoreResult<()> {
    let Some(policy) = w.tx().get_sla_policy(conv.account_id, policy_id).await? else {
        return w.tx().delete_applied_sla(conv.id).await.map_err(Into::into);
    };
    let cal = calendar_for(w, &policy, conv).await?;
    let now = w.now;
    let resolved = conv.status() == ConversationStatus::Resolved;
    let created = conv.created_at;
    let mut clocks = Vec::new();
    let mut a = AppliedSla {
        id: 0,
        account_id: conv.account_id,
        conversation_id: conv.id,
        sla_policy_id: policy.id,
        inbox_id: conv.inbox_id,
        sla_status: if resolved { HIT } else { ACTIVE },
        cycle_started_at: created,
        frt_due_at: None,
        nrt_due_at: None,
        rt_due_at: None,
        completed_at: resolved.then_some(now),
        created_at: now,
        updated_at: now,
    };
    if !resolved {
        if let Some(t) = policy.first_response_time_threshold {
            a.frt_due_at = cal.add(created, t);
            clocks.push(Clock {
                kind: FRT,
                start: created,
                threshold: t,
            });
        }
        if let (Some(since), Some(_), Some(t)) = (
            conv.waiting_since,
            conv.first_reply_created_at,
            policy.next_response_time_threshold,
        ) {
            a.nrt_due_at = cal.add(since, t);
            clocks.push(Clock {
                kind: NRT,
                start: since,
                threshold: t,
            });
        }
        if let Some(t) = policy.resolution_time_threshold {
            a.rt_due_at = cal.add(created, t);
            clocks.push(Clock {
                kind: RT,
                start: created,
                threshold: t,
            });
        }
    }
    let saved = w.tx().put_applied_sla(&a).await?;
    queue_checks(w, &cal, &saved, &clocks).await
}

/// Checks one SLA clock when it runs out (or its warning is due).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SlaCheck {
    pub applied_sla_id: i64,
    pub conversation_id: i64,
    pub kind: i16,
    pub due_at: i64,
    #[serde(default)]
    pub warning: bool,
}

impl BackgroundJob for SlaCheck {
    const KIND: &'static str = "sla_check";

    async fn run(self, core: Arc<Core>, _ctx: JobContext) -> Result<(), JobFailure> {
        core.sla_check(&self).await?;
        Ok(())
    }
}

/// What `GET /applied_slas` and its metrics and download take from the query.
fn read_filter(q: &Value) -> CoreResult<AppliedSlaFilter> {
    let p = Params::new(q);
    let time =
        |key: &str| -> CoreResult<Option<i64>> { Ok(p.i64(key)?.and_then(switchboard_domain::time::from_unix_secs)) };
    Ok(AppliedSlaFilter {
        since: time("since")?,
        until: time("until")?,
        inbox_id: p.i64("inbox_id")?,
        team_id: p.i64("team_id")?,
        sla_policy_id: p.i64("sla_policy_id")?,
        assigned_agent_id: p.i64("assigned_agent_id")?,
        label: p.str("label_list")?.filter(|l| !l.trim().is_empty()),
        statuses: Vec::new(),
    })
}

impl Core {
    /// The breached applied SLAs (missed, or still running with a miss)
    /// with their conversations, newest first.
    async fn breached(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        filter: &AppliedSlaFilter,
        offset: i64,
        limit: i64,
    ) -> CoreResult<(Vec<Value>, Vec<(AppliedSla, SlaPolicy, Conversation, Vec<SlaEvent>)>)> {
        let mut tx = self.store.read().await?;
        let rows = tx.list_applied_slas(ctx.account_id(), filter, offset, limit).await?;
        let policies = tx.list_sla_policies(ctx.account_id(), MAX_POLICIES).await?;
        let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
        let mut events: HashMap<i64, Vec<SlaEvent>> = HashMap::new();
        for e in tx.sla_events_of(&ids).await? {
            events.entry(e.applied_sla_id).or_default().push(e);
        }
        let conv_ids: Vec<i64> = rows.iter().map(|a| a.conversation_id).collect();
        let convs = tx.get_conversations_by_ids(&conv_ids).await?;
        let mut contact_ids: Vec<i64> = convs.iter().map(|c| c.contact_id).collect();
        contact_ids.sort_unstable();
        contact_ids.dedup();
        let contacts = tx.get_contacts(ctx.account_id(), &contact_ids).await?;
        let labels = tx.conversation_labels(&conv_ids).await?;
        let users = tx.list_account_users(ctx.account_id()).await?;
        let mut items = Vec::new();
        let mut full = Vec::new();
        for a in rows {
            let (Some(p), Some(c)) = (
                policies.iter().find(|p| p.id == a.sla_policy_id),
                convs.iter().find(|c| c.id == a.conversation_id),
            ) else {
                continue;
            };
            let evs = events.remove(&a.id).unwrap_or_default();
            let contact = contacts.iter().find(|x| x.id == c.contact_id);
            let assignee = c
                .assignee_id
                .and_then(|id| users.iter().find(|(u, _)| u.id == id))
                .map(|(u, au)| present::agent(u, Some(au)));
            items.push(json!({
                "applied_sla": applied_json(&a, p),
                "conversation": {
                    "id": c.display_id,
                    "contact": { "name": contact.map(|x| x.name.clone()) },
                    "labels": labels.iter().filter(|(id, _)| *id == c.id).map(|(_, l)| l).collect::<Vec<_>>(),
                    "assignee": assignee,
                },
                "sla_events": evs.iter().map(event_json).collect::<Vec<_>>(),
            }));
            full.push((a, p.clone(), c.clone(), evs));
        }
        Ok((items, full))
    }

    /// `GET /applied_slas` (administrators): the breached ones, a page of
    /// 25, with how many there are.
    pub async fn list_applied_slas(self: &Arc<Self>, ctx: &AccountCtx, q: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut filter = read_filter(q)?;
        filter.statuses = vec![MISSED, ACTIVE_WITH_MISSES];
        let page = Params::new(q).i64("page")?.unwrap_or(1).clamp(1, MAX_PAGE);
        let count = {
            let mut tx = self.store.read().await?;
            tx.count_applied_slas(ctx.account_id(), &filter).await?
        };
        let (items, _) = self.breached(ctx, &filter, (page - 1) * PER_PAGE, PER_PAGE).await?;
        Ok(json!({ "payload": items, "meta": { "count": count, "current_page": page } }))
    }

    /// `GET /applied_slas/metrics` (administrators).
    pub async fn applied_sla_metrics(self: &Arc<Self>, ctx: &AccountCtx, q: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut filter = read_filter(q)?;
        let mut tx = self.store.read().await?;
        let total = tx.count_applied_slas(ctx.account_id(), &filter).await?;
        filter.statuses = vec![MISSED, ACTIVE_WITH_MISSES];
        let misses = tx.count_applied_slas(ctx.account_id(), &filter).await?;
        let rate = if misses == 0 || total == 0 {
            "100%".to_string()
        } else {
            let pct = (total - misses) as f64 / total as f64 * 100.0;
            format!("{}%", (pct * 100.0).round() / 100.0)
        };
        Ok(json!({
            "total_applied_slas": total,
            "number_of_sla_misses": misses,
            "hit_rate": rate,
        }))
    }

    /// `GET /applied_slas/download` (administrators): the breached ones as
    /// CSV (at most 10,000 rows, newest first).
    pub async fn applied_slas_csv(self: &Arc<Self>, ctx: &AccountCtx, q: &Value) -> CoreResult<String> {
        ctx.require_admin()?;
        let mut filter = read_filter(q)?;
        filter.statuses = vec![MISSED, ACTIVE_WITH_MISSES];
        let (_, rows) = self.breached(ctx, &filter, 0, MAX_DOWNLOAD).await?;
        let mut out = String::from("conversation_id,sla_policy,sla_status,missed,assignee_id,inbox_id,applied_at\n");
        for (a, p, c, evs) in rows {
            let missed: Vec<&str> = evs.iter().map(|e| kind_name(e.event_type)).collect();
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                c.display_id,
                crate::contacts_csv::quoted(&p.name),
                status_name(a.sla_status),
                missed.join(" "),
                c.assignee_id.map(|x| x.to_string()).unwrap_or_default(),
                c.inbox_id,
                switchboard_domain::time::iso(a.created_at),
            ));
        }
        Ok(out)
    }
}
