//! One routing pass over an account's queue.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::event::Cause;
use switchboard_domain::{Availability, ConversationStatus};
use switchboard_store::{Conversation, Inbox, NewRoutingDecision, Team, User};

use super::Presence;
use super::settings::{AssignmentOrder, InboxRouting};
use crate::conversations::Actor;
use crate::work::Work;
use crate::{Core, CoreResult};

/// Conversations one pass looks at; more waiting start another pass.
const PASS_LIMIT: i64 = 500;

/// Why an agent was passed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Skip {
    /// Availability set to offline.
    Offline,
    /// Goes offline automatically, and no dashboard of theirs was seen
    /// within the grace period.
    Away,
    Busy,
    NotInTeam,
    AtCapacity,
    FairShare,
    /// Left the customer without a reply past the inbox's limit (this
    /// conversation only).
    NoResponse,
}

impl Skip {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Skip::Offline => "offline",
            Skip::Away => "away",
            Skip::Busy => "busy",
            Skip::NotInTeam => "not_in_team",
            Skip::AtCapacity => "at_capacity",
            Skip::FairShare => "fair_share",
            Skip::NoResponse => "no_response",
        }
    }
}

/// An agent as a pass sees them.
struct Agent {
    user: User,
    availability: Availability,
    presence: Presence,
    capacity: Option<i64>,
    /// Their capacity policy's limit per inbox.
    inbox_limits: HashMap<i64, i64>,
    /// Their capacity policy's exclusion rules, if it has any.
    exclusions: Option<Exclusions>,
    /// Per limited inbox, the open conversations that count toward the
    /// policy's limit (all of them, unless the policy excludes some).
    policy_load_in: HashMap<i64, i64>,
    last_routed_at: i64,
    /// Open conversations, in all and per inbox.
    load: i64,
    load_in: HashMap<i64, i64>,
    /// Conversations routed to them within each inbox's fairness window
    /// (counted once per window length).
    routed_recently: HashMap<u64, i64>,
}

/// A capacity policy's exclusion rules: conversations older than so many
/// hours, or carrying one of these labels, do not count toward its limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Exclusions {
    older_than_hours: Option<i64>,
    labels: Vec<String>,
}

impl Exclusions {
    fn of(rules: &Value) -> Option<Self> {
        let e = Exclusions {
            older_than_hours: rules["exclude_older_than_hours"].as_i64().filter(|h| *h > 0),
            labels: rules["excluded_labels"]
                .as_array()
                .map(|l| l.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
        };
        (e != Exclusions::default()).then_some(e)
    }

    fn created_since(&self, now: i64) -> Option<i64> {
        self.older_than_hours.map(|h| now - h.saturating_mul(3_600_000_000))
    }
}

/// What counts against an agent's capacity policy in one inbox: its limit
/// and its exclusion rules.
struct PolicyLimit {
    limit: i64,
    exclusions: Option<Exclusions>,
}

/// Everything a pass decides from, read once.
struct Context {
    inboxes: HashMap<i64, (Inbox, InboxRouting)>,
    members: HashMap<i64, Vec<i64>>,
    teams: HashMap<i64, (Team, HashSet<i64>)>,
    agents: HashMap<i64, Agent>,
}

/// Runs a pass; true when more conversations wait than it looked at and
/// it assigned some (another pass should follow).
pub(crate) async fn run(core: &Arc<Core>, account_id: i64) -> CoreResult<bool> {
    let mut cx = load(core, account_id).await?;
    let routable: Vec<i64> = cx
        .inboxes
        .iter()
        .filter(|(_, (_, r))| r.enabled)
        .map(|(id, _)| *id)
        .collect();
    if routable.is_empty() {
        return Ok(false);
    }
    requeue_unanswered(core, &cx, account_id).await?;
    let mut queue = {
        let mut tx = core.store.read().await?;
        tx.routing_queue(account_id, &routable, PASS_LIMIT).await?
    };
    let full = queue.len() as i64 >= PASS_LIMIT;
    // Within one priority, each inbox's own order (longest waiting, or
    // earliest created).
    queue.sort_by_key(|c| {
        let earliest = cx.inboxes.get(&c.inbox_id).is_some_and(|(_, r)| r.earliest_created);
        let at = if earliest {
            c.created_at
        } else {
            c.waiting_since.unwrap_or(c.created_at)
        };
        (std::cmp::Reverse(c.priority.unwrap_or(-1)), at, c.id)
    });
    let digests: HashMap<i64, String> = {
        let ids: Vec<i64> = queue.iter().map(|c| c.id).collect();
        let mut tx = core.store.read().await?;
        tx.last_routing_digests(&ids).await?.into_iter().collect()
    };
    let mut waiting: Vec<NewRoutingDecision> = Vec::new();
    let mut assigned = 0;
    for conv in queue {
        let Some((_, routing)) = cx.inboxes.get(&conv.inbox_id) else {
            continue;
        };
        let routing = routing.clone();
        let team = conv.team_id.and_then(|t| cx.teams.get(&t));
        if team.is_some_and(|(t, _)| !t.allow_auto_assign) {
            let d = decision_for(&conv, "waiting", None, &routing, &[], Some("team_does_not_auto_assign"));
            if digests.get(&conv.id) != Some(&d.digest) {
                waiting.push(d);
            }
            continue;
        }
        let (mut order, mut skipped) = candidates(&cx, &conv, &routing);
        // Just taken back from an agent who left it unanswered: someone else.
        if let Some(agent) = digests
            .get(&conv.id)
            .and_then(|d| d.strip_prefix(NO_RESPONSE_DIGEST))
            .and_then(|rest| rest.split('=').next())
            .and_then(|id| id.parse::<i64>().ok())
            && order.contains(&agent)
        {
            order.retain(|a| *a != agent);
            skipped.push((agent, Skip::NoResponse));
        }
        let mut lost_races = Vec::new();
        let mut done = false;
        while let Some(user_id) = order.first().copied() {
            order.remove(0);
            let policy = cx.agents.get(&user_id).and_then(|a| {
                a.inbox_limits.get(&conv.inbox_id).map(|l| PolicyLimit {
                    limit: *l,
                    exclusions: a.exclusions.clone(),
                })
            });
            match assign(core, &conv, user_id, &routing, policy, &skipped).await? {
                Assigned::Yes => {
                    let now = switchboard_domain::time::now_micros();
                    if let Some(a) = cx.agents.get_mut(&user_id) {
                        a.load += 1;
                        *a.load_in.entry(conv.inbox_id).or_default() += 1;
                        *a.policy_load_in.entry(conv.inbox_id).or_default() += 1;
                        a.last_routed_at = now;
                        for n in a.routed_recently.values_mut() {
                            *n += 1;
                        }
                    }
                    assigned += 1;
                    done = true;
                    break;
                }
                // Someone assigned it, or it closed, meanwhile: done with it.
                Assigned::Gone => {
                    done = true;
                    break;
                }
                // The agent filled up meanwhile (a manual assignment).
                Assigned::Full { load } => {
                    if let Some(a) = cx.agents.get_mut(&user_id) {
                        a.load = a.load.max(load);
                    }
                    lost_races.push((user_id, Skip::AtCapacity));
                }
            }
        }
        if !done {
            let mut all = skipped.clone();
            all.extend(lost_races);
            let note = all.is_empty().then_some("no_agents");
            let d = decision_for(&conv, "waiting", None, &routing, &all, note);
            if digests.get(&conv.id) != Some(&d.digest) {
                waiting.push(d);
            }
        }
    }
    if !waiting.is_empty() {
        let mut w = Work::begin(core).await?;
        let now = w.now;
        for d in &waiting {
            w.tx().insert_routing_decision(d, now).await?;
        }
        w.commit().await?;
    }
    Ok(full && assigned > 0)
}

/// How a "taken back for no response" decision's digest begins (the
/// agent's id follows).
const NO_RESPONSE_DIGEST: &str = "requeued:0:no_response:";

/// Takes back assigned conversations whose customer has waited longer than
/// their inbox allows without a reply; they join the queue.
async fn requeue_unanswered(core: &Arc<Core>, cx: &Context, account_id: i64) -> CoreResult<()> {
    let now = switchboard_domain::time::now_micros();
    for (inbox_id, (_, routing)) in cx.inboxes.iter().filter(|(_, (_, r))| r.enabled) {
        let Some(after) = routing.requeue_after else { continue };
        let before = now - after.as_micros() as i64;
        let stale = {
            let mut tx = core.store.read().await?;
            tx.unanswered_assigned(account_id, &[*inbox_id], before, PASS_LIMIT)
                .await?
        };
        for conv in stale {
            let mut w = Work::begin(core).await?;
            w.set_cause(Cause::ON_ITS_OWN);
            let Some(current) = w.tx().lock_conversation_by_id(conv.id).await? else {
                continue;
            };
            let still = current.status() == ConversationStatus::Open
                && current.assignee_id.is_some()
                && current.assignee_id == conv.assignee_id
                && current.waiting_since.is_some_and(|t| t < before);
            let Some(agent) = current.assignee_id.filter(|_| still) else {
                continue;
            };
            let mut released = current.clone();
            released.assignee_id = None;
            core.conversation_changed(&mut w, &current, &released, &Actor::routing(), None, true)
                .await?;
            let d = decision_for(
                &current,
                "requeued",
                None,
                routing,
                &[(agent, Skip::NoResponse)],
                Some("no_response"),
            );
            let at = w.now;
            w.tx().insert_routing_decision(&d, at).await?;
            w.commit().await?;
        }
    }
    Ok(())
}

enum Assigned {
    Yes,
    Gone,
    Full { load: i64 },
}

/// Gives `conv` to `user_id` in one transaction, unless it was taken or
/// closed meanwhile, or the agent has no room any more.
async fn assign(
    core: &Arc<Core>,
    conv: &Conversation,
    user_id: i64,
    routing: &InboxRouting,
    policy: Option<PolicyLimit>,
    skipped: &[(i64, Skip)],
) -> CoreResult<Assigned> {
    let mut w = Work::begin(core).await?;
    w.set_cause(Cause::ON_ITS_OWN);
    let Some(before) = w.tx().lock_conversation_by_id(conv.id).await? else {
        return Ok(Assigned::Gone);
    };
    // A conversation a bot holds is the bot's until it hands over.
    if before.status() != ConversationStatus::Open
        || before.assignee_id.is_some()
        || before.assignee_agent_bot_id.is_some()
        || before.team_id != conv.team_id
    {
        return Ok(Assigned::Gone);
    }
    let agent = w.tx().lock_routing_agent(before.account_id, user_id).await?;
    let (load, load_here) = w
        .tx()
        .agent_open_count(before.account_id, user_id, before.inbox_id)
        .await?;
    let mut full =
        agent.capacity.is_some_and(|c| load >= c as i64) || routing.max_per_agent.is_some_and(|m| load_here >= m);
    if let Some(p) = policy.filter(|_| !full) {
        let counted = match &p.exclusions {
            None => load_here,
            Some(e) => {
                let since = e.created_since(w.now);
                w.tx()
                    .agent_policy_load(before.account_id, user_id, before.inbox_id, since, &e.labels)
                    .await?
            }
        };
        full = counted >= p.limit;
    }
    if full {
        return Ok(Assigned::Full { load });
    }
    let mut after = before.clone();
    after.assignee_id = Some(user_id);
    core.conversation_changed(&mut w, &before, &after, &Actor::routing(), None, true)
        .await?;
    let now = w.now;
    w.tx().set_routed_at(before.account_id, user_id, now).await?;
    let mut d = decision_for(&before, "assigned", Some(user_id), routing, skipped, None);
    d.detail["load"] = json!(load + 1);
    w.tx().insert_routing_decision(&d, now).await?;
    w.commit().await?;
    Ok(Assigned::Yes)
}

/// The agents who may take `conv`, best first, and those passed over with why.
fn candidates(cx: &Context, conv: &Conversation, routing: &InboxRouting) -> (Vec<i64>, Vec<(i64, Skip)>) {
    let members = cx.members.get(&conv.inbox_id).map(Vec::as_slice).unwrap_or(&[]);
    let team = conv.team_id.and_then(|t| cx.teams.get(&t));
    let window = routing.fair_window.as_secs();
    let mut ok: Vec<&Agent> = Vec::new();
    let mut skipped = Vec::new();
    for id in members {
        let Some(a) = cx.agents.get(id) else { continue };
        let skip = if team.is_some_and(|(_, m)| !m.contains(id)) {
            Some(Skip::NotInTeam)
        } else if a.availability == Availability::Offline {
            Some(Skip::Offline)
        } else if a.presence == Presence::Away {
            Some(Skip::Away)
        } else if a.availability == Availability::Busy {
            Some(Skip::Busy)
        } else if a.capacity.is_some_and(|c| a.load >= c)
            || routing
                .max_per_agent
                .is_some_and(|m| a.load_in.get(&conv.inbox_id).copied().unwrap_or(0) >= m)
            || a.inbox_limits
                .get(&conv.inbox_id)
                .is_some_and(|m| a.policy_load_in.get(&conv.inbox_id).copied().unwrap_or(0) >= *m)
        {
            Some(Skip::AtCapacity)
        } else if routing
            .fair_limit
            .is_some_and(|l| a.routed_recently.get(&window).copied().unwrap_or(0) >= l)
        {
            Some(Skip::FairShare)
        } else {
            None
        };
        match skip {
            Some(s) => skipped.push((*id, s)),
            None => ok.push(a),
        }
    }
    match routing.order {
        AssignmentOrder::RoundRobin => ok.sort_by_key(|a| (a.last_routed_at, a.user.id)),
        AssignmentOrder::Balanced => ok.sort_by_key(|a| (a.load, a.last_routed_at, a.user.id)),
    }
    (ok.iter().map(|a| a.user.id).collect(), skipped)
}

pub(super) fn decision_for(
    conv: &Conversation,
    outcome: &str,
    assignee: Option<i64>,
    routing: &InboxRouting,
    skipped: &[(i64, Skip)],
    note: Option<&str>,
) -> NewRoutingDecision {
    let mut sorted: Vec<(i64, Skip)> = skipped.to_vec();
    sorted.sort();
    let digest = format!(
        "{outcome}:{}:{}:{}",
        assignee.unwrap_or(0),
        note.unwrap_or(""),
        sorted
            .iter()
            .map(|(id, s)| format!("{id}={}", s.as_str()))
            .collect::<Vec<_>>()
            .join(",")
    );
    NewRoutingDecision {
        account_id: conv.account_id,
        conversation_id: conv.id,
        outcome: outcome.to_string(),
        assignee_id: assignee,
        detail: json!({
            "mode": routing.order.as_str(),
            "team_id": conv.team_id,
            "note": note,
            "skipped": sorted
                .iter()
                .map(|(id, s)| json!({"agent_id": id, "reason": s.as_str()}))
                .collect::<Vec<Value>>(),
        }),
        digest,
    }
}

/// Reads what a pass decides from.
async fn load(core: &Arc<Core>, account_id: i64) -> CoreResult<Context> {
    let presence: HashMap<i64, Presence> = core
        .presence_of(account_id)
        .await
        .into_iter()
        .map(|(id, p, _)| (id, p))
        .collect();
    let mut tx = core.store.read().await?;
    let mut inboxes = HashMap::new();
    let mut members = HashMap::new();
    let mut windows: HashSet<u64> = HashSet::new();
    let policies: HashMap<i64, switchboard_store::AssignmentPolicy> = tx
        .list_assignment_policies(account_id)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let inbox_policy: HashMap<i64, i64> = tx
        .inbox_assignment_policies(account_id)
        .await?
        .into_iter()
        .map(|l| (l.inbox_id, l.assignment_policy_id))
        .collect();
    let exclusions: HashMap<i64, Exclusions> = tx
        .list_capacity_policies(account_id)
        .await?
        .iter()
        .filter_map(|p| Exclusions::of(&p.exclusion_rules).map(|e| (p.id, e)))
        .collect();
    let mut policy_limits: HashMap<i64, HashMap<i64, i64>> = HashMap::new();
    for l in tx.inbox_capacity_limits(account_id).await? {
        policy_limits
            .entry(l.agent_capacity_policy_id)
            .or_default()
            .insert(l.inbox_id, i64::from(l.conversation_limit));
    }
    for inbox in tx.list_inboxes(account_id, None).await? {
        let mut r = InboxRouting::of(&inbox);
        if let Some(p) = inbox_policy.get(&inbox.id).and_then(|p| policies.get(p)) {
            r = r.with_policy(p);
        }
        if r.enabled {
            members.insert(inbox.id, tx.list_inbox_members(inbox.id).await?);
            if r.fair_limit.is_some() {
                windows.insert(r.fair_window.as_secs());
            }
        }
        inboxes.insert(inbox.id, (inbox, r));
    }
    let mut teams = HashMap::new();
    for team in tx.list_teams(account_id).await? {
        let m: HashSet<i64> = tx.list_team_members(team.id).await?.into_iter().collect();
        teams.insert(team.id, (team, m));
    }
    let routing: HashMap<i64, switchboard_store::RoutingAgent> = tx
        .routing_agents(account_id)
        .await?
        .into_iter()
        .map(|a| (a.user_id, a))
        .collect();
    let mut loads: HashMap<i64, (i64, HashMap<i64, i64>)> = HashMap::new();
    for (user, inbox, n) in tx.open_loads(account_id).await? {
        let e = loads.entry(user).or_default();
        e.0 += n;
        e.1.insert(inbox, n);
    }
    let now = switchboard_domain::time::now_micros();
    let mut recent: HashMap<u64, HashMap<i64, i64>> = HashMap::new();
    for secs in &windows {
        let since = now - (*secs as i64) * 1_000_000;
        recent.insert(*secs, tx.routed_since(account_id, since).await?.into_iter().collect());
    }
    let mut agents = HashMap::new();
    for (user, au) in tx.list_account_users(account_id).await? {
        let (load, load_in) = loads.remove(&user.id).unwrap_or_default();
        let r = routing.get(&user.id);
        let presence = if !au.auto_offline {
            Presence::Online
        } else {
            presence.get(&user.id).copied().unwrap_or(Presence::Away)
        };
        let routed_recently = recent
            .iter()
            .map(|(w, m)| (*w, m.get(&user.id).copied().unwrap_or(0)))
            .collect();
        let policy_id = r.and_then(|r| r.agent_capacity_policy_id);
        let inbox_limits = policy_id
            .and_then(|p| policy_limits.get(&p).cloned())
            .unwrap_or_default();
        let agent_exclusions = policy_id.and_then(|p| exclusions.get(&p).cloned());
        let mut policy_load_in = HashMap::new();
        for inbox in inbox_limits.keys() {
            let n = match &agent_exclusions {
                None => load_in.get(inbox).copied().unwrap_or(0),
                Some(e) => {
                    tx.agent_policy_load(account_id, user.id, *inbox, e.created_since(now), &e.labels)
                        .await?
                }
            };
            policy_load_in.insert(*inbox, n);
        }
        agents.insert(
            user.id,
            Agent {
                availability: Availability::from_code(au.availability).unwrap_or(Availability::Offline),
                presence,
                capacity: r.and_then(|r| r.capacity).map(i64::from),
                inbox_limits,
                exclusions: agent_exclusions,
                policy_load_in,
                last_routed_at: r.map_or(0, |r| r.last_routed_at),
                load,
                load_in,
                routed_recently,
                user,
            },
        );
    }
    Ok(Context {
        inboxes,
        members,
        teams,
        agents,
    })
}
