//! Chatwoot's v4 routing policies, with no paid tier: assignment policies
//! (an inbox attached to an enabled one routes by its order, queue
//! priority and fair distribution instead of its own
//! `auto_assignment_config`) and agent capacity policies (an agent on one
//! holds at most its `conversation_limit` open conversations in each inbox
//! it limits, beside the inbox's own `max_assignment_limit` and their
//! overall capacity: the smallest wins). Administrators only; every id is
//! the caller's account's or answers 404.
//!
//! A capacity policy's exclusion rules, as in Chatwoot: open conversations
//! carrying one of `excluded_labels`, or created more than
//! `exclude_older_than_hours` ago, do not count toward its per-inbox
//! limits (they still count toward the inbox's own limit and the agent's
//! overall capacity).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use switchboard_domain::time::unix_secs;
use switchboard_store::{AgentCapacityPolicy, AssignmentPolicy, InboxCapacityLimit, StoreError};

use super::settings::AssignmentOrder;
use crate::auth::AccountCtx;
use crate::request::{self, Patch, blank, lenient};
use crate::require::Require;
use crate::{Core, CoreError, CoreResult, present};

const NAME_MAX: usize = 255;
const DESCRIPTION_MAX: usize = 2_000;
/// Policies of each kind one account may have.
const POLICIES_MAX: usize = 100;

/// An assignment policy as Chatwoot shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentPolicyView {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub assignment_order: &'static str,
    pub conversation_priority: &'static str,
    pub fair_distribution_limit: i32,
    pub fair_distribution_window: i32,
    pub enabled: bool,
    pub assigned_inbox_count: usize,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An inbox's link to a policy.
#[derive(Debug, Clone, Serialize)]
pub struct InboxPolicyView {
    pub id: i64,
    pub inbox_id: i64,
    pub assignment_policy_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct InboxLimitRef {
    pub id: i64,
    pub inbox_id: i64,
    pub conversation_limit: i32,
}

/// An agent capacity policy as Chatwoot shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CapacityPolicyView {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub exclusion_rules: Value,
    pub created_at: i64,
    pub updated_at: i64,
    pub account_id: i64,
    pub assigned_agent_count: usize,
    pub inbox_capacity_limits: Vec<InboxLimitRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InboxLimitView {
    pub id: i64,
    pub inbox_id: i64,
    pub agent_capacity_policy_id: i64,
    pub conversation_limit: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `{assignment_policy: {...}}` (or the fields alone).
#[derive(Debug, Default, Deserialize)]
pub struct AssignmentPolicyParams {
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::patch_string")]
    pub description: Patch<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub assignment_order: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub conversation_priority: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub fair_distribution_limit: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub fair_distribution_window: Option<i64>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub enabled: Option<bool>,
}

/// `{agent_capacity_policy: {name, description, exclusion_rules}}`.
#[derive(Debug, Default, Deserialize)]
pub struct CapacityPolicyParams {
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::patch_string")]
    pub description: Patch<String>,
    #[serde(default, deserialize_with = "lenient::object")]
    pub exclusion_rules: Option<Map<String, Value>>,
}

/// `{inbox_id, conversation_limit}`.
#[derive(Debug, Default, Deserialize)]
pub struct InboxLimitParams {
    #[serde(default, deserialize_with = "lenient::int")]
    pub inbox_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub conversation_limit: Option<i64>,
}

/// `{user_id}`, `{inbox_id}` or `{assignment_policy_id}`.
#[derive(Debug, Default, Deserialize)]
pub struct IdParams {
    #[serde(default, deserialize_with = "lenient::int")]
    pub user_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub inbox_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub assignment_policy_id: Option<i64>,
}

fn order_str(code: i32) -> &'static str {
    if code == 1 { "balanced" } else { "round_robin" }
}

fn priority_str(code: i32) -> &'static str {
    if code == 1 {
        "longest_waiting"
    } else {
        "earliest_created"
    }
}

fn assignment_view(p: &AssignmentPolicy, inboxes: usize) -> AssignmentPolicyView {
    AssignmentPolicyView {
        id: p.id,
        name: p.name.clone(),
        description: p.description.clone(),
        assignment_order: order_str(p.assignment_order),
        conversation_priority: priority_str(p.conversation_priority),
        fair_distribution_limit: p.fair_distribution_limit,
        fair_distribution_window: p.fair_distribution_window,
        enabled: p.enabled,
        assigned_inbox_count: inboxes,
        created_at: unix_secs(p.created_at),
        updated_at: unix_secs(p.updated_at),
    }
}

fn limit_view(l: &InboxCapacityLimit) -> InboxLimitView {
    InboxLimitView {
        id: l.id,
        inbox_id: l.inbox_id,
        agent_capacity_policy_id: l.agent_capacity_policy_id,
        conversation_limit: l.conversation_limit,
        created_at: unix_secs(l.created_at),
        updated_at: unix_secs(l.updated_at),
    }
}

fn name_of(name: Option<String>, required: bool) -> CoreResult<Option<String>> {
    match name.map(|n| n.trim().to_string()) {
        None if required => Err(blank("name")),
        None => Ok(None),
        Some(n) if n.is_empty() => Err(blank("name")),
        Some(n) if n.chars().count() > NAME_MAX => Err(CoreError::invalid(
            "name",
            format!("name is too long (maximum is {NAME_MAX} characters)"),
        )),
        Some(n) => Ok(Some(n)),
    }
}

fn description_of(d: Patch<String>, current: Option<String>) -> CoreResult<Option<String>> {
    match d.into_change() {
        None => Ok(current),
        Some(None) => Ok(None),
        Some(Some(s)) if s.chars().count() > DESCRIPTION_MAX => Err(CoreError::invalid(
            "description",
            format!("description is too long (maximum is {DESCRIPTION_MAX} characters)"),
        )),
        Some(Some(s)) => Ok(Some(s)),
    }
}

fn name_taken(e: StoreError) -> CoreError {
    match e {
        StoreError::Conflict(_) => CoreError::invalid("name", "Name has already been taken"),
        e => e.into(),
    }
}

/// Checks Chatwoot's exclusion rules: `exclude_older_than_hours` (a
/// positive number) and `excluded_labels` (label names).
fn exclusion_rules_of(rules: Map<String, Value>) -> CoreResult<Value> {
    let mut out = Map::new();
    for (k, v) in rules {
        match k.as_str() {
            "exclude_older_than_hours" => {
                let n = match &v {
                    Value::Null => None,
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) if s.trim().is_empty() => None,
                    Value::String(s) => s.trim().parse::<i64>().ok(),
                    _ => Some(-1),
                };
                match n {
                    None => {}
                    Some(n) if (1..=100_000).contains(&n) => {
                        out.insert(k, json!(n));
                    }
                    Some(_) => {
                        return Err(CoreError::invalid(
                            "exclusion_rules",
                            "exclude_older_than_hours must be a positive whole number",
                        ));
                    }
                }
            }
            "excluded_labels" => {
                let Some(list) = v.as_array().filter(|l| l.len() <= 100) else {
                    return Err(CoreError::invalid(
                        "exclusion_rules",
                        "excluded_labels must be a list of at most 100 labels",
                    ));
                };
                let mut labels = Vec::new();
                for l in list {
                    match l.as_str().map(str::trim) {
                        Some(s) if !s.is_empty() && s.len() <= NAME_MAX => labels.push(json!(s)),
                        _ => {
                            return Err(CoreError::invalid(
                                "exclusion_rules",
                                "excluded_labels must be label names",
                            ));
                        }
                    }
                }
                out.insert(k, Value::Array(labels));
            }
            _ => {
                return Err(CoreError::invalid(
                    "exclusion_rules",
                    format!("exclusion_rules has no rule {k}"),
                ));
            }
        }
    }
    Ok(Value::Object(out))
}

impl Core {
    // ---- assignment policies ----

    pub async fn list_assignment_policies(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Vec<AssignmentPolicyView>> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let links = tx.inbox_assignment_policies(ctx.account_id()).await?;
        Ok(tx
            .list_assignment_policies(ctx.account_id())
            .await?
            .iter()
            .map(|p| assignment_view(p, links.iter().filter(|l| l.assignment_policy_id == p.id).count()))
            .collect())
    }

    pub async fn assignment_policy(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<AssignmentPolicyView> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let p = tx
            .get_assignment_policy(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let n = tx
            .inbox_assignment_policies(ctx.account_id())
            .await?
            .iter()
            .filter(|l| l.assignment_policy_id == id)
            .count();
        Ok(assignment_view(&p, n))
    }

    /// Creates (`id` None) or updates an assignment policy.
    pub async fn save_assignment_policy(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        id: Option<i64>,
        params: &Value,
    ) -> CoreResult<AssignmentPolicyView> {
        ctx.require_admin()?;
        let p: AssignmentPolicyParams = request::parse_nested(params, "assignment_policy")?;
        let account_id = ctx.account_id();
        let now = switchboard_domain::time::now_micros();
        let mut tx = self.store.write().await?;
        let mut policy = match id {
            Some(id) => tx
                .get_assignment_policy(account_id, id)
                .await?
                .ok_or(CoreError::NotFound)?,
            None => {
                if tx.list_assignment_policies(account_id).await?.len() >= POLICIES_MAX {
                    return Err(CoreError::invalid(
                        "assignment_policy",
                        format!("an account may have at most {POLICIES_MAX} assignment policies"),
                    ));
                }
                AssignmentPolicy {
                    id: 0,
                    account_id,
                    name: String::new(),
                    description: None,
                    assignment_order: 0,
                    conversation_priority: 0,
                    fair_distribution_limit: 100,
                    fair_distribution_window: 3600,
                    enabled: true,
                    created_at: now,
                    updated_at: now,
                }
            }
        };
        if let Some(n) = name_of(p.name, id.is_none())? {
            policy.name = n;
        }
        policy.description = description_of(p.description, policy.description.take())?;
        if let Some(o) = p.assignment_order {
            policy.assignment_order = match AssignmentOrder::parse(o.trim()) {
                Some(AssignmentOrder::RoundRobin) => 0,
                Some(AssignmentOrder::Balanced) => 1,
                None => {
                    return Err(CoreError::invalid(
                        "assignment_order",
                        "assignment_order must be round_robin or balanced",
                    ));
                }
            };
        }
        if let Some(o) = p.conversation_priority {
            policy.conversation_priority = match o.trim() {
                "earliest_created" => 0,
                "longest_waiting" => 1,
                _ => {
                    return Err(CoreError::invalid(
                        "conversation_priority",
                        "conversation_priority must be earliest_created or longest_waiting",
                    ));
                }
            };
        }
        for (key, value, slot) in [
            (
                "fair_distribution_limit",
                p.fair_distribution_limit,
                &mut policy.fair_distribution_limit,
            ),
            (
                "fair_distribution_window",
                p.fair_distribution_window,
                &mut policy.fair_distribution_window,
            ),
        ] {
            if let Some(n) = value {
                if !(1..=1_000_000).contains(&n) {
                    return Err(CoreError::invalid(key, format!("{key} must be greater than 0")));
                }
                *slot = n as i32;
            }
        }
        if let Some(e) = p.enabled {
            policy.enabled = e;
        }
        policy.updated_at = now;
        let saved = tx.save_assignment_policy(&policy).await.map_err(name_taken)?;
        let n = tx
            .inbox_assignment_policies(account_id)
            .await?
            .iter()
            .filter(|l| l.assignment_policy_id == saved.id)
            .count();
        tx.commit().await?;
        if id.is_some() {
            self.route_soon(account_id).await;
        }
        Ok(assignment_view(&saved, n))
    }

    pub async fn delete_assignment_policy(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        if !tx.delete_assignment_policy(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        self.route_soon(ctx.account_id()).await;
        Ok(())
    }

    /// The inboxes attached to a policy, in the inbox shape.
    pub async fn assignment_policy_inboxes(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Vec<Value>> {
        ctx.require_admin()?;
        let account_id = ctx.account_id();
        let mut tx = self.store.read().await?;
        tx.get_assignment_policy(account_id, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let ids: Vec<i64> = tx
            .inbox_assignment_policies(account_id)
            .await?
            .iter()
            .filter(|l| l.assignment_policy_id == id)
            .map(|l| l.inbox_id)
            .collect();
        Ok(tx
            .list_inboxes(account_id, None)
            .await?
            .iter()
            .filter(|i| ids.contains(&i.id))
            .map(|i| self.present_inbox(i, true))
            .collect())
    }

    /// Attaches a policy to an inbox (replacing the inbox's previous one).
    pub async fn attach_assignment_policy(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        policy_id: i64,
        inbox_id: i64,
    ) -> CoreResult<InboxPolicyView> {
        ctx.require_admin()?;
        let account_id = ctx.account_id();
        let now = switchboard_domain::time::now_micros();
        let mut tx = self.store.write().await?;
        tx.get_assignment_policy(account_id, policy_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        tx.require_inbox(account_id, inbox_id).await?;
        let link = tx
            .set_inbox_assignment_policy(account_id, inbox_id, policy_id, now)
            .await?;
        tx.commit().await?;
        self.route_soon(account_id).await;
        Ok(InboxPolicyView {
            id: link.id,
            inbox_id: link.inbox_id,
            assignment_policy_id: link.assignment_policy_id,
            created_at: unix_secs(link.created_at),
            updated_at: unix_secs(link.updated_at),
        })
    }

    /// Detaches an inbox from its policy; `policy_id` (when given) must be
    /// the one it is attached to.
    pub async fn detach_assignment_policy(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        policy_id: Option<i64>,
        inbox_id: i64,
    ) -> CoreResult<()> {
        ctx.require_admin()?;
        let account_id = ctx.account_id();
        let mut tx = self.store.write().await?;
        tx.require_inbox(account_id, inbox_id).await?;
        let current = tx
            .inbox_assignment_policies(account_id)
            .await?
            .into_iter()
            .find(|l| l.inbox_id == inbox_id);
        match (current, policy_id) {
            (Some(l), Some(p)) if l.assignment_policy_id != p => return Err(CoreError::NotFound),
            (None, _) => return Err(CoreError::NotFound),
            _ => {}
        }
        tx.clear_inbox_assignment_policy(account_id, inbox_id).await?;
        tx.commit().await?;
        self.route_soon(account_id).await;
        Ok(())
    }

    /// The policy an inbox is attached to (404 when none).
    pub async fn inbox_assignment_policy(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        inbox_id: i64,
    ) -> CoreResult<AssignmentPolicyView> {
        ctx.require_admin()?;
        let policy_id = {
            let mut tx = self.store.read().await?;
            tx.require_inbox(ctx.account_id(), inbox_id).await?;
            tx.inbox_assignment_policies(ctx.account_id())
                .await?
                .into_iter()
                .find(|l| l.inbox_id == inbox_id)
                .map(|l| l.assignment_policy_id)
                .ok_or(CoreError::NotFound)?
        };
        self.assignment_policy(ctx, policy_id).await
    }

    // ---- agent capacity policies ----

    /// The views of `policies` (of one account), with two reads for all
    /// of them: the account's limits and its agents on policies.
    async fn capacity_views(
        &self,
        tx: &mut Box<dyn switchboard_store::Tx>,
        account_id: i64,
        policies: &[AgentCapacityPolicy],
    ) -> CoreResult<Vec<CapacityPolicyView>> {
        if policies.is_empty() {
            return Ok(Vec::new());
        }
        let limits = tx.inbox_capacity_limits(account_id).await?;
        let members: std::collections::HashSet<i64> = tx
            .list_account_users(account_id)
            .await?
            .iter()
            .map(|(u, _)| u.id)
            .collect();
        let on_policy: Vec<(i64, i64)> = tx
            .routing_agents(account_id)
            .await?
            .iter()
            .filter(|a| members.contains(&a.user_id))
            .filter_map(|a| a.agent_capacity_policy_id.map(|p| (p, a.user_id)))
            .collect();
        Ok(policies
            .iter()
            .map(|p| CapacityPolicyView {
                id: p.id,
                name: p.name.clone(),
                description: p.description.clone(),
                exclusion_rules: p.exclusion_rules.clone(),
                created_at: unix_secs(p.created_at),
                updated_at: unix_secs(p.updated_at),
                account_id: p.account_id,
                assigned_agent_count: on_policy.iter().filter(|(policy, _)| *policy == p.id).count(),
                inbox_capacity_limits: limits
                    .iter()
                    .filter(|l| l.agent_capacity_policy_id == p.id)
                    .map(|l| InboxLimitRef {
                        id: l.id,
                        inbox_id: l.inbox_id,
                        conversation_limit: l.conversation_limit,
                    })
                    .collect(),
            })
            .collect())
    }

    async fn capacity_view(
        &self,
        tx: &mut Box<dyn switchboard_store::Tx>,
        p: &AgentCapacityPolicy,
    ) -> CoreResult<CapacityPolicyView> {
        self.capacity_views(tx, p.account_id, std::slice::from_ref(p))
            .await?
            .pop()
            .ok_or(CoreError::NotFound)
    }

    pub async fn list_capacity_policies(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Vec<CapacityPolicyView>> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let policies = tx.list_capacity_policies(ctx.account_id()).await?;
        self.capacity_views(&mut tx, ctx.account_id(), &policies).await
    }

    pub async fn capacity_policy(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<CapacityPolicyView> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let p = tx
            .get_capacity_policy(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        self.capacity_view(&mut tx, &p).await
    }

    pub async fn save_capacity_policy(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        id: Option<i64>,
        params: &Value,
    ) -> CoreResult<CapacityPolicyView> {
        ctx.require_admin()?;
        let p: CapacityPolicyParams = request::parse_nested(params, "agent_capacity_policy")?;
        let account_id = ctx.account_id();
        let now = switchboard_domain::time::now_micros();
        let mut tx = self.store.write().await?;
        let mut policy = match id {
            Some(id) => tx
                .get_capacity_policy(account_id, id)
                .await?
                .ok_or(CoreError::NotFound)?,
            None => {
                if tx.list_capacity_policies(account_id).await?.len() >= POLICIES_MAX {
                    return Err(CoreError::invalid(
                        "agent_capacity_policy",
                        format!("an account may have at most {POLICIES_MAX} capacity policies"),
                    ));
                }
                AgentCapacityPolicy {
                    id: 0,
                    account_id,
                    name: String::new(),
                    description: None,
                    exclusion_rules: json!({}),
                    created_at: now,
                    updated_at: now,
                }
            }
        };
        if let Some(n) = name_of(p.name, id.is_none())? {
            policy.name = n;
        }
        policy.description = description_of(p.description, policy.description.take())?;
        if let Some(rules) = p.exclusion_rules {
            policy.exclusion_rules = exclusion_rules_of(rules)?;
        }
        policy.updated_at = now;
        let saved = tx.save_capacity_policy(&policy).await?;
        let view = self.capacity_view(&mut tx, &saved).await?;
        tx.commit().await?;
        if id.is_some() {
            self.route_soon(account_id).await;
        }
        Ok(view)
    }

    pub async fn delete_capacity_policy(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        if !tx.delete_capacity_policy(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        self.route_soon(ctx.account_id()).await;
        Ok(())
    }

    /// The agents on a capacity policy, in the agent shape.
    pub async fn capacity_policy_users(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Vec<Value>> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        tx.get_capacity_policy(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(tx
            .capacity_policy_users(ctx.account_id(), id)
            .await?
            .iter()
            .map(|u| present::agent(u, None))
            .collect())
    }

    /// Puts an agent of the account on a capacity policy (moving them off
    /// any other) or, with `on` false, takes them off it.
    pub async fn set_capacity_policy_user(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        policy_id: i64,
        user_id: i64,
        on: bool,
    ) -> CoreResult<Value> {
        ctx.require_admin()?;
        let account_id = ctx.account_id();
        let mut tx = self.store.write().await?;
        tx.get_capacity_policy(account_id, policy_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let au = tx.require_account_user(account_id, user_id).await?;
        let user = tx.require_user(user_id).await?;
        if !on {
            let current = tx
                .routing_agents(account_id)
                .await?
                .into_iter()
                .find(|a| a.user_id == user_id)
                .and_then(|a| a.agent_capacity_policy_id);
            if current != Some(policy_id) {
                return Err(CoreError::NotFound);
            }
        }
        tx.set_agent_capacity_policy(account_id, user_id, on.then_some(policy_id))
            .await?;
        tx.commit().await?;
        self.route_soon(account_id).await;
        Ok(present::agent(&user, Some(&au)))
    }

    /// Creates (`limit_id` None) or updates a policy's limit for an inbox.
    pub async fn save_inbox_limit(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        policy_id: i64,
        limit_id: Option<i64>,
        p: InboxLimitParams,
    ) -> CoreResult<InboxLimitView> {
        ctx.require_admin()?;
        let account_id = ctx.account_id();
        let now = switchboard_domain::time::now_micros();
        let limit = match p.conversation_limit {
            None => return Err(blank("conversation_limit")),
            Some(n) if (0..=10_000).contains(&n) => n as i32,
            Some(_) => {
                return Err(CoreError::invalid(
                    "conversation_limit",
                    "conversation_limit must be a whole number from 0 to 10000",
                ));
            }
        };
        let mut tx = self.store.write().await?;
        tx.get_capacity_policy(account_id, policy_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let row = match limit_id {
            Some(id) => {
                let mut l = tx
                    .get_inbox_capacity_limit(account_id, policy_id, id)
                    .await?
                    .ok_or(CoreError::NotFound)?;
                l.conversation_limit = limit;
                l.updated_at = now;
                l
            }
            None => {
                let inbox_id = p.inbox_id.ok_or_else(|| blank("inbox_id"))?;
                tx.require_inbox(account_id, inbox_id).await?;
                InboxCapacityLimit {
                    id: 0,
                    account_id,
                    agent_capacity_policy_id: policy_id,
                    inbox_id,
                    conversation_limit: limit,
                    created_at: now,
                    updated_at: now,
                }
            }
        };
        let saved = tx.save_inbox_capacity_limit(&row).await.map_err(|e| match e {
            StoreError::Conflict(_) => CoreError::invalid("inbox_id", "Inbox already has a limit in this policy"),
            e => e.into(),
        })?;
        tx.commit().await?;
        self.route_soon(account_id).await;
        Ok(limit_view(&saved))
    }

    pub async fn delete_inbox_limit(self: &Arc<Self>, ctx: &AccountCtx, policy_id: i64, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        if !tx.delete_inbox_capacity_limit(ctx.account_id(), policy_id, id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        self.route_soon(ctx.account_id()).await;
        Ok(())
    }
}
