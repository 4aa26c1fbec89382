//! Routing: conversations given to present, available agents below
//! capacity (round robin or by least load), teams, sticky reopen, the
//! decision log and the queue view.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, eventually};

/// An agent who is a member of `inbox` and does not go offline
/// automatically (present without a dashboard): (id, token).
pub(crate) async fn ready_agent(app: &TestApp, name: &str, inbox: i64) -> (i64, String) {
    let email = format!("{}@routing.test", name.to_lowercase());
    let (id, token) = app.agent(name, &email, "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [id] })),
    )
    .await;
    profile(app, &token, "auto_offline", json!(false)).await;
    (id, token)
}

async fn profile(app: &TestApp, token: &str, setting: &str, value: Value) {
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/api/v1/profile/{setting}"),
            token,
            Some(json!({ "profile": { "account_id": app.account_id, setting: value } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{setting}: {v}");
}

async fn set_inbox_config(app: &TestApp, inbox: i64, config: Value) {
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "auto_assignment_config": config })),
    )
    .await;
}

pub(crate) async fn assignee(app: &TestApp, conv: i64) -> Option<i64> {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await["meta"]["assignee"]["id"]
        .as_i64()
}

pub(crate) async fn new_conversation(app: &TestApp, inbox: i64, name: &str) -> i64 {
    let (contact, _) = app.contact(inbox, name).await;
    app.conversation(inbox, contact).await
}

pub(crate) async fn decisions(app: &TestApp, conv: i64) -> Vec<Value> {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}/routing")), None)
        .await["payload"]
        .as_array()
        .expect("a list")
        .clone()
}

/// Waits until every conversation of `convs` has settled (assigned, or a
/// "waiting" decision logged) and returns their assignees.
pub(crate) async fn settled(app: &TestApp, convs: &[i64]) -> Vec<Option<i64>> {
    let mut out = Vec::new();
    for &c in convs {
        let a = eventually(10, "routing to decide", || async move {
            if let Some(a) = assignee(app, c).await {
                return Some(Some(a));
            }
            let d = decisions(app, c).await;
            d.first().filter(|d| d["outcome"] == "waiting").map(|_| None)
        })
        .await;
        out.push(a);
    }
    out
}

/// Waits until no routing work is due or running (the events dispatcher
/// has had a moment to turn the last change into jobs).
pub(crate) async fn routing_idle(app: &TestApp) {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    eventually(10, "routing to go idle", || async {
        let rows = app
            .sql_rows("SELECT CAST(COUNT(*) AS TEXT) FROM jobs WHERE kind IN ('route', 'listen') AND state IN (0, 1)")
            .await;
        (rows[0][0].as_deref() == Some("0")).then_some(())
    })
    .await;
}

async fn reopen(app: &TestApp, conv: i64) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "open" })),
    )
    .await;
}

async fn resolve(app: &TestApp, conv: i64) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
}

/// Round robin within each agent's capacity; the rest waits, with every
/// agent's reason in the log, and is assigned as soon as capacity frees.
async fn round_robin_within_capacity(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    set_inbox_config(&app, inbox, json!({ "max_assignment_limit": "2" })).await;
    let mut agents = Vec::new();
    for name in ["Ann", "Ben", "Cat"] {
        agents.push(ready_agent(&app, name, inbox).await.0);
    }
    let mut convs = Vec::new();
    for i in 0..7 {
        convs.push(new_conversation(&app, inbox, &format!("Customer {i}")).await);
    }
    let got = settled(&app, &convs).await;
    for a in &agents {
        assert_eq!(got.iter().filter(|g| **g == Some(*a)).count(), 2, "two each: {got:?}");
    }
    let waiting: Vec<i64> = convs
        .iter()
        .zip(&got)
        .filter(|(_, g)| g.is_none())
        .map(|(c, _)| *c)
        .collect();
    assert_eq!(waiting.len(), 1, "{got:?}");
    // The first three went one to each agent (round robin), in arrival order.
    let first: std::collections::HashSet<i64> = got[..3].iter().map(|g| g.unwrap()).collect();
    assert_eq!(first.len(), 3, "one each first: {got:?}");
    assert!(got[6].is_none(), "the last to arrive waits: {got:?}");

    let log = decisions(&app, waiting[0]).await;
    assert_eq!(log[0]["outcome"], "waiting");
    let mut reasons: Vec<(i64, String)> = log[0]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["agent_id"].as_i64().unwrap(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    reasons.retain(|(id, _)| agents.contains(id));
    reasons.sort();
    assert_eq!(
        reasons,
        agents
            .iter()
            .map(|a| (*a, "at_capacity".to_string()))
            .collect::<Vec<_>>()
    );
    // An assignment's entry: who, by which mode, and its activity line.
    let log = decisions(&app, convs[0]).await;
    let entry = log.iter().find(|d| d["outcome"] == "assigned").expect("assigned entry");
    assert_eq!(entry["assignee"]["id"].as_i64(), got[0]);
    assert_eq!(entry["mode"], "round_robin");
    assert_eq!(entry["load"], 1);
    let msgs = crate::helpers::messages(&app, convs[0]).await;
    assert!(
        msgs.iter().any(|m| m["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("Assigned to") && c.ends_with("by routing"))),
        "activity line: {msgs:?}"
    );

    // Capacity frees: the waiting conversation goes to that agent.
    let freed = got[0].unwrap();
    resolve(&app, convs[0]).await;
    let now = eventually(10, "the waiting conversation to be assigned", || async {
        assignee(&app, waiting[0]).await
    })
    .await;
    assert_eq!(now, freed);
    app.stop().await;
}
both!(round_robin_within_capacity);

/// Busy, offline and absent agents get nothing; balanced mode picks the
/// least loaded; an agent's own capacity counts across inboxes.
async fn availability_and_balanced_mode(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    set_inbox_config(&app, inbox, json!({ "assignment_order": "balanced" })).await;
    let (ann, _) = ready_agent(&app, "Ann", inbox).await;
    let (ben, ben_token) = ready_agent(&app, "Ben", inbox).await;
    let (cat, cat_token) = ready_agent(&app, "Cat", inbox).await;
    let (dan, dan_token) = ready_agent(&app, "Dan", inbox).await;
    profile(&app, &ben_token, "availability", json!("busy")).await;
    profile(&app, &cat_token, "availability", json!("offline")).await;
    // Dan goes offline with his dashboard, and has none open.
    profile(&app, &dan_token, "auto_offline", json!(true)).await;
    let c1 = new_conversation(&app, inbox, "One").await;
    assert_eq!(settled(&app, &[c1]).await, vec![Some(ann)]);
    let log = decisions(&app, c1).await;
    let skipped: Vec<(i64, String)> = log[0]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["agent_id"].as_i64().unwrap(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .filter(|(id, _)| [ben, cat, dan].contains(id))
        .collect();
    let mut skipped = skipped;
    skipped.sort();
    assert_eq!(
        skipped,
        vec![(ben, "busy".into()), (cat, "offline".into()), (dan, "away".into())]
    );
    // Ben back online, with an own capacity of 1 and a conversation
    // already given to him by hand: balanced mode sends new work to Ann
    // until she holds as many, and Ben's capacity stops him at one.
    profile(&app, &ben_token, "availability", json!("online")).await;
    let manual = new_conversation(&app, inbox, "Manual").await;
    // (Routing may have given it to Ben already; hand it to him either way.)
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{manual}/assignments")),
        Some(json!({ "assignee_id": ben })),
    )
    .await;
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/routing/agents/{ben}")),
        Some(json!({ "capacity": 1 })),
    )
    .await;
    let mut convs = Vec::new();
    for i in 0..3 {
        convs.push(new_conversation(&app, inbox, &format!("Later {i}")).await);
    }
    let got = settled(&app, &convs).await;
    assert!(got.iter().all(|g| *g == Some(ann)), "Ben is at capacity: {got:?}");
    let queue = app.ok(Method::GET, &app.acc("/routing/queue"), None).await;
    let ben_row = queue["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == ben)
        .unwrap()
        .clone();
    assert_eq!(ben_row["load"], 1, "{queue}");
    assert_eq!(ben_row["capacity"], 1, "{queue}");
    let dan_row = queue["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == dan)
        .unwrap()
        .clone();
    assert_eq!(dan_row["presence"], "away", "{queue}");
    app.stop().await;
}
both!(availability_and_balanced_mode);

/// A reopened conversation stays with its agent while they are available,
/// and goes back to the queue (then to someone present) when they are not.
async fn sticky_reopen(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let (ann, ann_token) = ready_agent(&app, "Ann", inbox).await;
    let conv = new_conversation(&app, inbox, "Returning").await;
    assert_eq!(settled(&app, &[conv]).await, vec![Some(ann)]);
    let (ben, _) = ready_agent(&app, "Ben", inbox).await;
    resolve(&app, conv).await;
    reopen(&app, conv).await;
    eventually(10, "a kept decision", || async {
        decisions(&app, conv)
            .await
            .iter()
            .any(|d| d["outcome"] == "kept")
            .then_some(())
    })
    .await;
    assert_eq!(assignee(&app, conv).await, Some(ann), "sticky while Ann is available");

    resolve(&app, conv).await;
    profile(&app, &ann_token, "availability", json!("offline")).await;
    reopen(&app, conv).await;
    let now = eventually(10, "the reopened conversation to move", || async {
        assignee(&app, conv).await.filter(|a| *a != ann)
    })
    .await;
    assert_eq!(now, ben);
    let log = decisions(&app, conv).await;
    let requeued = log.iter().find(|d| d["outcome"] == "requeued").expect("requeued entry");
    assert_eq!(requeued["skipped"][0]["agent_id"], ann);
    assert_eq!(requeued["skipped"][0]["reason"], "offline");
    app.stop().await;
}
both!(sticky_reopen);

/// A team that auto-assigns routes to its members only; moving a
/// conversation to it takes it from an agent outside the team.
async fn team_routing(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let (ann, _) = ready_agent(&app, "Ann", inbox).await;
    let (ben, _) = ready_agent(&app, "Ben", inbox).await;
    let team = app
        .ok(
            Method::POST,
            &app.acc("/teams"),
            Some(json!({ "name": "Billing", "allow_auto_assign": true })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/teams/{team}/team_members")),
        Some(json!({ "user_ids": [ben] })),
    )
    .await;
    // Ann takes the first (round robin order by id), then the team moves it.
    let conv = new_conversation(&app, inbox, "Invoice").await;
    let first = settled(&app, &[conv]).await[0].expect("assigned");
    if first == ben {
        // Make Ann the holder for the move below.
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/assignments")),
            Some(json!({ "assignee_id": ann })),
        )
        .await;
    }
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/assignments")),
        Some(json!({ "team_id": team })),
    )
    .await;
    let now = eventually(10, "the team's member to take it", || async {
        assignee(&app, conv).await.filter(|a| *a == ben)
    })
    .await;
    assert_eq!(now, ben);
    let log = decisions(&app, conv).await;
    assert!(
        log.iter().any(|d| d["outcome"] == "requeued"
            && d["note"] == "team_changed"
            && d["skipped"][0]["reason"] == "not_in_team"),
        "{log:?}"
    );
    // A team that does not auto-assign keeps its conversations waiting.
    let manual = app
        .ok(
            Method::POST,
            &app.acc("/teams"),
            Some(json!({ "name": "Legal", "allow_auto_assign": false })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let (contact, _) = app.contact(inbox, "Lawyer").await;
    let conv2 = app
        .ok(
            Method::POST,
            &app.acc("/conversations"),
            Some(json!({ "inbox_id": inbox, "contact_id": contact, "team_id": manual })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(settled(&app, &[conv2]).await, vec![None]);
    assert_eq!(decisions(&app, conv2).await[0]["note"], "team_does_not_auto_assign");
    app.stop().await;
}
both!(team_routing);

/// Inboxes with auto-assignment off are left alone; bad settings are
/// refused; the queue and capacities are administrators' business, and
/// another account's conversations and agents are not found.
async fn settings_and_access(app: TestApp) {
    let inbox = app.api_inbox("Manual", None).await["id"].as_i64().unwrap();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
    let (ann, ann_token) = ready_agent(&app, "Ann", inbox).await;
    let conv = new_conversation(&app, inbox, "Left alone").await;
    // A routing pass runs for the new conversation and leaves it.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(assignee(&app, conv).await, None);
    assert!(decisions(&app, conv).await.is_empty());

    for bad in [
        json!({ "max_assignment_limit": 0 }),
        json!({ "max_assignment_limit": "lots" }),
        json!({ "assignment_order": "random" }),
        json!([1, 2]),
    ] {
        let (s, v) = app
            .patch(
                &app.acc(&format!("/inboxes/{inbox}")),
                json!({ "auto_assignment_config": bad }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let shown = app.ok(Method::GET, &app.acc(&format!("/inboxes/{inbox}")), None).await;
    assert_eq!(shown["enable_auto_assignment"], false);

    // Capacity: administrators only; bad values refused.
    let (s, _) = app
        .call(Method::GET, &app.acc("/routing/queue"), &ann_token, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .call(
            Method::PATCH,
            &app.acc(&format!("/routing/agents/{ann}")),
            &ann_token,
            Some(json!({ "capacity": 5 })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for bad in [
        json!({ "capacity": 0 }),
        json!({ "capacity": "x" }),
        json!({}),
        json!({ "capacity": 10_001 }),
    ] {
        let (s, v) = app
            .patch(&app.acc(&format!("/routing/agents/{ann}")), bad.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/routing/agents/{ann}")),
            Some(json!({ "capacity": "3" })),
        )
        .await;
    assert_eq!(v["capacity"], 3);
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/routing/agents/{ann}")),
            Some(json!({ "capacity": null })),
        )
        .await;
    assert_eq!(v["capacity"], Value::Null);

    // Another account.
    let (other, other_token) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::GET,
            &app.acc(&format!("/conversations/{conv}/routing")),
            &other_token,
            None,
        )
        .await;
    assert!(s == StatusCode::NOT_FOUND || s == StatusCode::UNAUTHORIZED, "{s}");
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/conversations/{conv}/routing"),
            &other_token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/accounts/{other}/routing/agents/{ann}"),
            &other_token,
            Some(json!({ "capacity": 2 })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(settings_and_access);

/// Capacities, availability flips, arrivals and resolutions all at once:
/// at every sampled moment no agent holds more open conversations than
/// their capacity, no conversation is routed twice, and once the churn
/// stops, nothing waits while an agent has room. With `node_b`, a second
/// server on the same database and Redis takes half of the traffic and
/// runs its own job runner.
async fn churn(app: TestApp, node_b: Option<TestApp>, conversations: usize, agents: usize) {
    use rand::{Rng, SeedableRng};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let inbox = app.api_inbox("Busy", None).await["id"].as_i64().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut team = Vec::new();
    for i in 0..agents {
        let (id, token) = ready_agent(&app, &format!("Agent{i}"), inbox).await;
        let capacity: i64 = rng.random_range(1..=10);
        app.ok(
            Method::PATCH,
            &app.acc(&format!("/routing/agents/{id}")),
            Some(json!({ "capacity": capacity })),
        )
        .await;
        team.push((id, token, capacity));
    }
    let capacity: std::collections::HashMap<i64, i64> = team.iter().map(|(id, _, c)| (*id, *c)).collect();
    let nodes: Vec<TestApp> = std::iter::once(app.via(app.base.clone())).chain(node_b).collect();
    let stop = Arc::new(AtomicBool::new(false));

    // Sampling: every few milliseconds, everyone's load against capacity.
    let sampler = {
        let (core, stop, capacity, account) = (app.core().clone(), stop.clone(), capacity.clone(), app.account_id);
        tokio::spawn(async move {
            let mut samples = 0;
            let mut over = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let loads = {
                    let mut tx = core.store.read().await.unwrap();
                    tx.open_loads(account).await.unwrap()
                };
                let mut per: std::collections::HashMap<i64, i64> = Default::default();
                for (user, _, n) in loads {
                    *per.entry(user).or_default() += n;
                }
                for (user, n) in per {
                    if capacity.get(&user).is_some_and(|c| n > *c) {
                        over.push((user, n));
                    }
                }
                samples += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            (samples, over)
        })
    };
    // Availability flips at random (online twice as often as the others).
    let flipper = {
        let (stop, team) = (stop.clone(), team.clone());
        let nodes: Vec<TestApp> = nodes.iter().map(|n| n.via(n.base.clone())).collect();
        tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(11);
            let mut flips = 0;
            while !stop.load(Ordering::Relaxed) {
                let (_, token, _) = &team[rng.random_range(0..team.len())];
                let status = ["online", "online", "busy", "offline"][rng.random_range(0..4)];
                let node = &nodes[rng.random_range(0..nodes.len())];
                profile(node, token, "availability", json!(status)).await;
                flips += 1;
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            flips
        })
    };
    // Arrivals, with resolutions of assigned conversations mixed in.
    let mut created = Vec::new();
    let mut resolved = 0;
    for i in 0..conversations {
        let node = &nodes[i % nodes.len()];
        created.push(new_conversation(node, inbox, &format!("Customer {i}")).await);
        if i % 3 == 2 {
            let held = node
                .ok(
                    Method::GET,
                    &node.acc("/conversations?assignee_type=assigned&status=open"),
                    None,
                )
                .await;
            if let Some(c) = held["data"]["payload"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| !c["meta"]["assignee"].is_null())
            {
                resolve(node, c["id"].as_i64().unwrap()).await;
                resolved += 1;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let flips = flipper.await.unwrap();
    // Everyone online again: what waits goes to whoever has room.
    for (_, token, _) in &team {
        profile(&app, token, "availability", json!("online")).await;
    }
    let total_capacity: i64 = capacity.values().sum();
    eventually(30, "the queue to drain into every agent's room", || async {
        let mut tx = app.core().store.read().await.unwrap();
        let held: i64 = tx
            .open_loads(app.account_id)
            .await
            .unwrap()
            .iter()
            .map(|(_, _, n)| n)
            .sum();
        let waiting = tx.routing_queue(app.account_id, &[inbox], 10_000).await.unwrap().len() as i64;
        (waiting == 0 || held == total_capacity).then_some(())
    })
    .await;
    let (samples, over) = sampler.await.unwrap();
    assert!(
        over.is_empty(),
        "agents above capacity in {} samples, first: {:?}",
        over.len(),
        &over[..over.len().min(10)]
    );
    assert!(samples > 20, "the sampler ran ({samples} samples)");
    assert!(flips > 20, "availability changed ({flips} times)");
    assert!(
        resolved > conversations as i64 / 10,
        "conversations were resolved ({resolved})"
    );
    let twice = app
        .sql_rows(
            "SELECT CAST(conversation_id AS TEXT) FROM routing_decisions WHERE outcome = 'assigned' \
             GROUP BY conversation_id HAVING COUNT(*) > 1",
        )
        .await;
    assert!(twice.is_empty(), "conversations routed twice: {twice:?}");
    let routed = app
        .sql_rows("SELECT CAST(COUNT(*) AS TEXT) FROM routing_decisions WHERE outcome = 'assigned'")
        .await;
    let routed: i64 = routed[0][0].as_deref().unwrap().parse().unwrap();
    assert!(
        routed >= total_capacity.min(conversations as i64 / 2),
        "routing assigned {routed}"
    );
    drop(nodes);
    app.stop().await;
}

async fn routing_under_churn(app: TestApp) {
    churn(app, None, 1000, 20).await;
}
both!(routing_under_churn);

/// Two nodes on one PostgreSQL and Redis route the same account without
/// pushing anyone past capacity or assigning anything twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_route_without_double_assignment() {
    let Some(redis) = crate::nodes::redis_url() else { return };
    let namespace = format!("test-{}", uuid::Uuid::new_v4().simple());
    let (r1, n1) = (redis.clone(), namespace.clone());
    let Some(a) = TestApp::spawn_with(crate::helpers::Db::Postgres, move |o| {
        o.redis_url = Some(r1);
        o.redis_namespace = Some(n1);
    })
    .await
    else {
        return;
    };
    let mut opts = crate::helpers::test_options(&a.database_url);
    opts.redis_url = Some(redis);
    opts.redis_namespace = Some(namespace);
    let settings = switchboard::Settings::resolve(opts, switchboard::config::Options::default());
    let store = switchboard::open_store(&settings).await.unwrap();
    let core = switchboard::build_core(&settings, store).unwrap();
    let node_b = switchboard::start(&settings, core).await.unwrap();
    let b = a.via(format!("http://{}", node_b.addr));
    churn(a, Some(b), 400, 10).await;
    node_b.stop().await;
}

/// Presence as routing sees it, set by the test: (user, how long ago seen).
struct FakePresence(std::sync::Mutex<Vec<(i64, std::time::Duration)>>);

impl switchboard_core::routing::PresenceSource for FakePresence {
    fn seen(
        &self,
        _account_id: i64,
        within: std::time::Duration,
    ) -> futures_util::future::BoxFuture<'_, Vec<(i64, std::time::Duration)>> {
        let seen: Vec<(i64, std::time::Duration)> = self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, ago)| *ago < within)
            .cloned()
            .collect();
        Box::pin(async move { seen })
    }

    fn window(&self) -> std::time::Duration {
        std::time::Duration::from_secs(20)
    }
}

/// Agents who go offline with their dashboard: online while it is open,
/// still present during the grace period after it went away, away after.
async fn grace_period(db: crate::helpers::Db) {
    use std::sync::Arc;
    use std::time::Duration;
    let Some((url, dir)) = crate::helpers::fresh_database(db).await else {
        return;
    };
    let presence = Arc::new(FakePresence(Default::default()));
    let fake = presence.clone();
    let app = TestApp::spawn_hooked(
        url,
        dir,
        |o| o.presence_grace_seconds = Some(120),
        true,
        move |core| {
            let _ = core.presence.set(fake);
        },
    )
    .await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for name in ["Ann", "Ben", "Cat"] {
        let (id, token) = ready_agent(&app, name, inbox).await;
        profile(&app, &token, "auto_offline", json!(true)).await;
        ids.push(id);
    }
    let (ann, ben, cat) = (ids[0], ids[1], ids[2]);
    // Ann's dashboard closed 100 s ago (20 s window + 120 s grace: still
    // present); Ben's 150 s ago (away); Cat has never opened one.
    *presence.0.lock().unwrap() = vec![(ann, Duration::from_secs(100)), (ben, Duration::from_secs(150))];
    let conv = new_conversation(&app, inbox, "Waiting").await;
    assert_eq!(settled(&app, &[conv]).await, vec![Some(ann)]);
    let log = decisions(&app, conv).await;
    let mut skipped: Vec<(i64, String)> = log[0]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["agent_id"].as_i64().unwrap(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .filter(|(id, _)| [ben, cat].contains(id))
        .collect();
    skipped.sort();
    assert_eq!(skipped, vec![(ben, "away".into()), (cat, "away".into())]);
    let queue = app.ok(Method::GET, &app.acc("/routing/queue"), None).await;
    let row = |id: i64| {
        queue["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(row(ann)["presence"], "grace", "{queue}");
    assert_eq!(row(ann)["seen_seconds_ago"], 100);
    assert_eq!(row(ben)["presence"], "away");
    assert_eq!(row(cat)["presence"], "away");
    // A reopened conversation leaves Ann once her grace ran out, for Cat,
    // who just opened a dashboard.
    resolve(&app, conv).await;
    *presence.0.lock().unwrap() = vec![(ann, Duration::from_secs(141)), (cat, Duration::from_secs(1))];
    reopen(&app, conv).await;
    let now = eventually(10, "the reopened conversation to move to Cat", || async {
        assignee(&app, conv).await.filter(|a| *a == cat)
    })
    .await;
    assert_eq!(now, cat);
    let log = decisions(&app, conv).await;
    let requeued = log.iter().find(|d| d["outcome"] == "requeued").expect("requeued");
    assert_eq!(requeued["skipped"][0]["reason"], "away");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grace_period_sqlite() {
    grace_period(crate::helpers::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grace_period_postgres() {
    grace_period(crate::helpers::Db::Postgres).await;
}

/// An agent who opens the dashboard (a /cable subscription) is present at
/// once: what waits for them is routed without waiting for the sweep.
async fn arrival_on_the_socket_routes(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let (ann, ann_token) = ready_agent(&app, "Ann", inbox).await;
    profile(&app, &ann_token, "auto_offline", json!(true)).await;
    let conv = new_conversation(&app, inbox, "Early bird").await;
    assert_eq!(settled(&app, &[conv]).await, vec![None], "nobody is present yet");
    let mut socket = crate::cable_client::Cable::connect(&app).await;
    let id = crate::cable_client::agent_identifier(&app, &ann_token).await;
    assert_eq!(socket.subscribe(&id).await, "confirm");
    let got = eventually(10, "the conversation to reach Ann", || async {
        assignee(&app, conv).await
    })
    .await;
    assert_eq!(got, ann);
    app.stop().await;
}
both!(arrival_on_the_socket_routes);

/// A transfer: assignment and a private handoff note in one transaction.
async fn transfer_with_a_handoff_note(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    set_manual(&app, inbox).await;
    let (ann, _) = ready_agent(&app, "Ann", inbox).await;
    let (outsider, _) = app.agent("Olaf", "olaf@routing.test", "agent").await;
    let conv = new_conversation(&app, inbox, "Handed over").await;
    let path = app.acc(&format!("/conversations/{conv}/assignments"));
    let v = app
        .ok(
            Method::POST,
            &path,
            Some(json!({ "assignee_id": ann, "handoff_note": "  Refund approved, needs the label  " })),
        )
        .await;
    assert_eq!(v["id"], ann);
    let notes: Vec<Value> = crate::helpers::messages(&app, conv)
        .await
        .into_iter()
        .filter(|m| m["private"] == true)
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["content"], "Refund approved, needs the label");
    assert_eq!(notes[0]["sender"]["id"], app.admin_id);
    // Refused (an agent outside the inbox): neither happens.
    let (s, _) = app
        .post(&path, json!({ "assignee_id": outsider, "handoff_note": "for Olaf" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.post(&path, json!({ "handoff_note": "nobody named" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let texts: Vec<Value> = crate::helpers::messages(&app, conv)
        .await
        .into_iter()
        .map(|m| m["content"].clone())
        .collect();
    assert!(
        !texts.contains(&json!("for Olaf")) && !texts.contains(&json!("nobody named")),
        "{texts:?}"
    );
    assert_eq!(assignee(&app, conv).await, Some(ann));
    // Another account's conversation: 404, no note.
    let (other, other_token) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/conversations/{conv}/assignments"),
            &other_token,
            Some(json!({ "assignee_id": ann, "handoff_note": "sneaky" })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(transfer_with_a_handoff_note);

async fn set_manual(app: &TestApp, inbox: i64) {
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
}

/// An inbox may send a conversation back to the queue when its agent leaves
/// the customer waiting too long; someone else gets it.
async fn unanswered_conversations_go_back(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    set_inbox_config(&app, inbox, json!({ "requeue_after_minutes": 5 })).await;
    let (ann, ann_token) = ready_agent(&app, "Ann", inbox).await;
    let conv = new_conversation(&app, inbox, "Still waiting").await;
    assert_eq!(settled(&app, &[conv]).await, vec![Some(ann)]);
    let (ben, _) = ready_agent(&app, "Ben", inbox).await;
    // The customer has waited six minutes, but Ann got it only now: her
    // time counts from then, so it stays.
    app.sql_rows(&format!(
        "UPDATE conversations SET waiting_since = created_at - 360000000 WHERE account_id = {} AND display_id = {conv}",
        app.account_id
    ))
    .await;
    set_inbox_config(&app, inbox, json!({ "requeue_after_minutes": 5 })).await;
    routing_idle(&app).await;
    assert_eq!(assignee(&app, conv).await, Some(ann));
    // Six minutes with Ann without a reply.
    app.sql_rows(&format!(
        "UPDATE conversations SET assigned_at = created_at - 360000000 WHERE account_id = {} AND display_id = {conv}",
        app.account_id
    ))
    .await;
    // Any pass (here: the settings saved again) takes it back.
    set_inbox_config(&app, inbox, json!({ "requeue_after_minutes": "5" })).await;
    let now = eventually(10, "the conversation to move to Ben", || async {
        assignee(&app, conv).await.filter(|a| *a == ben)
    })
    .await;
    assert_eq!(now, ben);
    let log = decisions(&app, conv).await;
    let back = log.iter().find(|d| d["outcome"] == "requeued").expect("requeued");
    assert_eq!(back["note"], "no_response");
    assert_eq!(back["skipped"][0]["agent_id"], ann);
    let to_ben = log
        .iter()
        .find(|d| d["outcome"] == "assigned" && d["assignee"]["id"] == ben)
        .expect("assigned to Ben");
    assert!(
        to_ben["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["agent_id"] == ann && s["reason"] == "no_response"),
        "{to_ben}"
    );
    // Ann and the administrator hear of it.
    let requeued = |token: String| {
        let app = &app;
        async move {
            let (_, v) = app.call(Method::GET, &app.acc("/notifications"), &token, None).await;
            v["data"]["payload"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .find(|n| n["notification_type"] == "conversation_requeued")
        }
    };
    let to_ann = eventually(10, "Ann's notification", || requeued(ann_token.clone())).await;
    assert_eq!(to_ann["primary_actor"]["id"], conv);
    assert!(
        to_ann["push_message_title"]
            .as_str()
            .unwrap()
            .contains("went back to the queue"),
        "{to_ann}"
    );
    eventually(10, "the administrator's notification", || requeued(app.token.clone())).await;
    // Ben's own time starts when he got it: more passes leave it with him.
    for _ in 0..3 {
        set_inbox_config(&app, inbox, json!({ "requeue_after_minutes": 5 })).await;
        routing_idle(&app).await;
    }
    assert_eq!(assignee(&app, conv).await, Some(ben));
    let requeues = decisions(&app, conv)
        .await
        .iter()
        .filter(|d| d["outcome"] == "requeued")
        .count();
    assert_eq!(requeues, 1);
    let (s, _) = app
        .patch(
            &app.acc(&format!("/inboxes/{inbox}")),
            json!({ "auto_assignment_config": { "requeue_after_minutes": -1 } }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(unanswered_conversations_go_back);
