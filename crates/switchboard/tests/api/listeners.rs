//! Event listeners: every committed event a listener wants reaches it once,
//! one conversation's events in the order they happened, across a restart
//! in the middle of the stream; events record their cause.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::Method;
use serde_json::json;
use switchboard_core::jobs::JobFailure;
use switchboard_core::listen::Listener;
use switchboard_core::work::Work;
use switchboard_domain::{Event, EventKind};
use switchboard_store::StoredEvent;

use crate::helpers::{Db, Sink, TestApp, eventually, fresh_database};

/// (event id, conversation id, the unit of work's time) in handing order.
type Seen = Arc<Mutex<Vec<(i64, i64, i64)>>>;

/// Records each `message.created` event it is handed, in the order handed,
/// with its conversation and the time of the unit of work it was handed in
/// (one job's events share it), taking `pause` over each (so a restart can
/// fall in the middle).
struct Probe {
    seen: Seen,
    pause: Duration,
}

impl Listener for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }

    fn wants(&self, event: &Event) -> bool {
        event.kind == EventKind::MessageCreated && event.conversation_id.is_some()
    }

    fn handle<'a>(&'a self, w: &'a mut Work, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), JobFailure>> {
        Box::pin(async move {
            tokio::time::sleep(self.pause).await;
            let conv = event.conversation_id.unwrap_or_default();
            self.seen.lock().unwrap().push((event.id, conv, w.now));
            Ok(())
        })
    }
}

fn probe(seen: &Seen, pause_ms: u64) -> impl FnOnce(&Arc<switchboard_core::Core>) {
    let probe = Arc::new(Probe {
        seen: seen.clone(),
        pause: Duration::from_millis(pause_ms),
    });
    move |core| core.listeners.add(probe)
}

async fn each_event_once_in_order_across_a_restart(db: Db) {
    let Some((url, dir)) = fresh_database(db).await else {
        return;
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    // Written with no job runner: every listener job waits in the queue.
    let app = TestApp::spawn_hooked(url, dir, |_| {}, false, probe(&seen, 0)).await;
    let sink = Sink::start().await;
    app.ok(
        Method::POST,
        &app.acc("/webhooks"),
        Some(json!({ "webhook": { "url": sink.url, "subscriptions": ["message_created"] } })),
    )
    .await;
    let inbox = app.api_inbox("Support", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    let mut convs = Vec::new();
    for name in ["Ann", "Ben", "Cid"] {
        let (contact, _) = app.contact(inbox_id, name).await;
        convs.push(app.conversation(inbox_id, contact).await);
    }
    // Enough that one conversation's queued events fill several batches
    // (a job hands over at most 32), so the restart falls between them.
    const ROUNDS: usize = 80;
    let mut posted = HashSet::new();
    for round in 0..ROUNDS {
        for conv in &convs {
            let m = app
                .ok(
                    Method::POST,
                    &app.acc(&format!("/conversations/{conv}/messages")),
                    Some(json!({ "content": format!("round {round}") })),
                )
                .await;
            posted.insert(m["id"].as_i64().unwrap());
        }
    }
    let total = posted.len();
    let events = app
        .sql_rows("SELECT CAST(id AS TEXT), CAST(conversation_id AS TEXT) FROM events WHERE name = 'message.created'")
        .await;
    let events: Vec<(i64, i64)> = events
        .iter()
        .map(|r| {
            (
                r[0].as_deref().unwrap().parse().unwrap(),
                r[1].as_deref().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(events.len(), total, "one stored event per message");
    assert!(seen.lock().unwrap().is_empty(), "nothing handled without a runner");
    assert!(sink.all().is_empty());

    // A runner that takes its time; stopped when about a third is handled.
    let app = app.restart_hooked(|_| {}, true, probe(&seen, 15)).await;
    eventually(30, "a third of the events handled", || async {
        (seen.lock().unwrap().len() >= total / 3).then_some(())
    })
    .await;
    let app = app.restart_hooked(|_| {}, true, probe(&seen, 0)).await;
    let handled_before = {
        let n = app
            .sql_rows("SELECT CAST(COUNT(*) AS TEXT) FROM listened WHERE listener = 'probe'")
            .await;
        n[0][0].as_deref().unwrap().parse::<usize>().unwrap()
    };
    assert!(
        handled_before < total,
        "the restart fell in the middle: {handled_before} of {total}"
    );
    eventually(30, "every event handled", || async {
        (seen.lock().unwrap().len() >= total).then_some(())
    })
    .await;
    let got = sink.wait_for("message_created", total).await;

    // Once each.
    let seen = seen.lock().unwrap().clone();
    let mut ids: Vec<i64> = seen.iter().map(|(e, _, _)| *e).collect();
    ids.sort_unstable();
    let mut expected: Vec<i64> = events.iter().map(|(e, _)| *e).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected, "each event handed over exactly once");
    // In order within each conversation.
    let mut per_conv: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (e, c, _) in &seen {
        per_conv.entry(*c).or_default().push(*e);
    }
    // Queued events of one conversation went over in batches: far fewer
    // units of work than events (one per event would be `total`).
    let units: HashSet<i64> = seen.iter().map(|(_, _, unit)| *unit).collect();
    assert!(
        units.len() * 8 <= total,
        "{} units of work for {total} events",
        units.len()
    );
    assert_eq!(per_conv.len(), 3);
    for (c, list) in &per_conv {
        let mut sorted = list.clone();
        sorted.sort_unstable();
        assert_eq!(list, &sorted, "conversation {c}'s events in order");
    }
    // The record behind "once": one row per listener and event.
    for listener in ["probe", "webhooks"] {
        let rows = app
            .sql_rows(&format!(
                "SELECT CAST(COUNT(*) AS TEXT), CAST(COUNT(DISTINCT event_id) AS TEXT) FROM listened \
                 WHERE listener = '{listener}'"
            ))
            .await;
        assert_eq!(rows[0][0].as_deref(), Some(total.to_string().as_str()), "{listener}");
        assert_eq!(rows[0][1], rows[0][0], "{listener}");
    }
    // The webhook listener: one delivery per message, none twice.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got_now = sink.events("message_created");
    assert_eq!(got_now.len(), got.len(), "no delivery sent twice");
    let mut by_message: HashMap<i64, usize> = HashMap::new();
    for r in &got_now {
        *by_message.entry(r.json()["id"].as_i64().unwrap()).or_default() += 1;
    }
    assert_eq!(by_message.len(), total);
    assert!(by_message.values().all(|n| *n == 1), "{by_message:?}");
    assert_eq!(by_message.keys().copied().collect::<HashSet<_>>(), posted);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_once_in_order_across_a_restart_sqlite() {
    each_event_once_in_order_across_a_restart(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_once_in_order_across_a_restart_postgres() {
    each_event_once_in_order_across_a_restart(Db::Postgres).await;
}

/// Events name what caused them: the agent who acted, the contact who
/// wrote, or the system; nothing automatic has happened yet, so depth 0.
async fn events_record_their_cause(app: TestApp) {
    let inbox = app.api_inbox("App chat", None).await;
    let ident = inbox["inbox_identifier"].as_str().unwrap().to_string();
    let public = |path: String, body: serde_json::Value| {
        let req = app
            .client
            .post(format!("{}/public/api/v1/inboxes/{ident}/{path}", app.base))
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            assert!(r.status().is_success());
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let me = public("contacts".into(), json!({ "name": "Pia" })).await;
    let sid = me["source_id"].as_str().unwrap();
    let contact_id = me["id"].as_i64().unwrap();
    let conv = public(format!("contacts/{sid}/conversations"), json!({})).await;
    let display = conv["id"].as_i64().unwrap();
    public(
        format!("contacts/{sid}/conversations/{display}/messages"),
        json!({ "content": "hello" }),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{display}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    // A contact created by an agent through the API has no performer of
    // its own: the unit of work says who.
    app.ok(
        Method::POST,
        &app.acc("/contacts"),
        Some(json!({ "name": "Made by Alice" })),
    )
    .await;
    let rows = app
        .sql_rows("SELECT name, cause_kind, CAST(cause_id AS TEXT), CAST(cause_depth AS TEXT) FROM events ORDER BY id")
        .await;
    let find = |name: &str, kind: &str| {
        rows.iter()
            .filter(|r| r[0].as_deref() == Some(name) && r[1].as_deref() == Some(kind))
            .map(|r| (r[2].clone(), r[3].clone()))
            .collect::<Vec<_>>()
    };
    let contact = contact_id.to_string();
    let admin = app.admin_id.to_string();
    assert!(
        find("message.created", "contact").contains(&(Some(contact.clone()), Some("0".into()))),
        "{rows:?}"
    );
    assert!(
        find("conversation.status_changed", "user").contains(&(Some(admin.clone()), Some("0".into()))),
        "{rows:?}"
    );
    assert!(
        find("contact.created", "user").contains(&(Some(admin), Some("0".into()))),
        "{rows:?}"
    );
    assert!(
        rows.iter().all(|r| r[3].as_deref() == Some("0")),
        "no automatic step yet: {rows:?}"
    );
}
crate::both!(events_record_their_cause);

/// Judges messages whose content starts with "quiet" as concerning nobody;
/// records what it is asked and what it is handed.
struct Hush {
    asked: Arc<Mutex<Vec<i64>>>,
    handed: Arc<Mutex<Vec<i64>>>,
}

impl Listener for Hush {
    fn name(&self) -> &'static str {
        "hush"
    }

    fn wants(&self, event: &Event) -> bool {
        event.kind == EventKind::MessageCreated && event.conversation_id.is_some()
    }

    fn handle<'a>(&'a self, _w: &'a mut Work, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), JobFailure>> {
        Box::pin(async move {
            self.handed.lock().unwrap().push(event.id);
            Ok(())
        })
    }

    fn quiet<'a>(
        &'a self,
        _core: &'a switchboard_core::Core,
        _tx: &'a mut dyn switchboard_store::Tx,
        events: &'a [&'a Event],
    ) -> BoxFuture<'a, switchboard_core::CoreResult<Vec<bool>>> {
        Box::pin(async move {
            let mut asked = self.asked.lock().unwrap();
            Ok(events
                .iter()
                .map(|e| {
                    asked.push(e.data["id"].as_i64().unwrap_or_default());
                    e.data["content"].as_str().is_some_and(|c| c.starts_with("quiet"))
                })
                .collect())
        })
    }
}

/// Events a listener finds quiet at their commit (its `quiet` says so) get
/// no job: they are never handed over nor recorded; the others are handed
/// over once each, in order; nothing is left queued.
async fn quiet_events_are_judged_and_dropped(db: Db) {
    let Some((url, dir)) = fresh_database(db).await else {
        return;
    };
    let asked = Arc::new(Mutex::new(Vec::new()));
    let handed = Arc::new(Mutex::new(Vec::new()));
    let hush = |asked: &Arc<Mutex<Vec<i64>>>, handed: &Arc<Mutex<Vec<i64>>>| {
        let l = Arc::new(Hush {
            asked: asked.clone(),
            handed: handed.clone(),
        });
        move |core: &Arc<switchboard_core::Core>| core.listeners.add(l)
    };
    // Written with no runner: what is queued waits for the restart.
    let app = TestApp::spawn_hooked(url, dir, |_| {}, false, hush(&asked, &handed)).await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let (contact, _) = app.contact(inbox, "Ann").await;
    let conv = app.conversation(inbox, contact).await;
    let mut loud = Vec::new();
    for i in 0..60 {
        let content = if i == 40 || i == 59 {
            format!("loud {i}")
        } else {
            format!("quiet {i}")
        };
        let m = app
            .ok(
                Method::POST,
                &app.acc(&format!("/conversations/{conv}/messages")),
                Some(json!({ "content": content })),
            )
            .await;
        if content.starts_with("loud") {
            loud.push(m["id"].as_i64().unwrap());
        }
    }
    let app = app.restart_hooked(|_| {}, true, hush(&asked, &handed)).await;
    eventually(30, "the stream drained", || async {
        let n = app
            .sql_rows(
                "SELECT CAST(COUNT(*) AS TEXT) FROM jobs WHERE kind = 'listen' AND CAST(payload AS TEXT) LIKE '%hush%'",
            )
            .await;
        (n[0][0].as_deref() == Some("0")).then_some(())
    })
    .await;
    let mut events: Vec<(i64, i64)> = app
        .sql_rows("SELECT CAST(id AS TEXT), CAST(data AS TEXT) FROM events WHERE name = 'message.created'")
        .await
        .iter()
        .map(|r| {
            let data: serde_json::Value = serde_json::from_str(r[1].as_deref().unwrap()).unwrap();
            (r[0].as_deref().unwrap().parse().unwrap(), data["id"].as_i64().unwrap())
        })
        .collect();
    events.sort_unstable();
    assert_eq!(events.len(), 60);
    let loud_events: Vec<i64> = events
        .iter()
        .filter(|(_, m)| loud.contains(m))
        .map(|(e, _)| *e)
        .collect();
    // Only the loud ones, once each, in order.
    assert_eq!(handed.lock().unwrap().clone(), loud_events);
    // Each message judged once, at its commit.
    let mut asked = asked.lock().unwrap().clone();
    asked.sort_unstable();
    let mut messages: Vec<i64> = events.iter().map(|(_, m)| *m).collect();
    messages.sort_unstable();
    assert_eq!(asked, messages);
    let recorded = app
        .sql_rows("SELECT CAST(event_id AS TEXT) FROM listened WHERE listener = 'hush'")
        .await;
    let mut recorded: Vec<i64> = recorded
        .iter()
        .map(|r| r[0].as_deref().unwrap().parse().unwrap())
        .collect();
    recorded.sort_unstable();
    assert_eq!(recorded, loud_events, "the quiet ones left no record");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_events_are_judged_and_dropped_sqlite() {
    quiet_events_are_judged_and_dropped(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_events_are_judged_and_dropped_postgres() {
    quiet_events_are_judged_and_dropped(Db::Postgres).await;
}

/// Panics the first time it is handed the message "poison".
struct Fragile {
    tripped: Arc<std::sync::atomic::AtomicBool>,
}

impl Listener for Fragile {
    fn name(&self) -> &'static str {
        "fragile"
    }

    fn wants(&self, event: &Event) -> bool {
        event.kind == EventKind::MessageCreated && event.conversation_id.is_some()
    }

    fn handle<'a>(&'a self, _w: &'a mut Work, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), JobFailure>> {
        Box::pin(async move {
            if event.data["content"] == "poison" && !self.tripped.swap(true, std::sync::atomic::Ordering::SeqCst) {
                panic!("the poison message");
            }
            Ok(())
        })
    }
}

/// An event that fails inside a batch of queued events costs nobody else
/// theirs: the head's own event stays handled, the batch's run one by one,
/// and every event is handled once.
async fn a_failing_event_in_a_batch_holds_up_only_itself(db: Db) {
    let Some((url, dir)) = fresh_database(db).await else {
        return;
    };
    let tripped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fragile = |t: &Arc<std::sync::atomic::AtomicBool>| {
        let l = Arc::new(Fragile { tripped: t.clone() });
        move |core: &Arc<switchboard_core::Core>| core.listeners.add(l)
    };
    let app = TestApp::spawn_hooked(url, dir, |_| {}, false, fragile(&tripped)).await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let (contact, _) = app.contact(inbox, "Ann").await;
    let conv = app.conversation(inbox, contact).await;
    for i in 0..10 {
        let content = if i == 5 {
            "poison".to_string()
        } else {
            format!("message {i}")
        };
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": content })),
        )
        .await;
    }
    let app = app.restart_hooked(|_| {}, true, fragile(&tripped)).await;
    eventually(30, "every event handled", || async {
        let n = app
            .sql_rows("SELECT CAST(COUNT(*) AS TEXT) FROM listened WHERE listener = 'fragile'")
            .await;
        (n[0][0].as_deref() == Some("10")).then_some(())
    })
    .await;
    assert!(tripped.load(std::sync::atomic::Ordering::SeqCst), "the poison was met");
    let left = app
        .sql_rows(
            "SELECT CAST(COUNT(*) AS TEXT) FROM jobs WHERE kind = 'listen' AND CAST(payload AS TEXT) LIKE '%fragile%'",
        )
        .await;
    assert_eq!(left[0][0].as_deref(), Some("0"), "no job left, none dead");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_event_in_a_batch_holds_up_only_itself_sqlite() {
    a_failing_event_in_a_batch_holds_up_only_itself(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_event_in_a_batch_holds_up_only_itself_postgres() {
    a_failing_event_in_a_batch_holds_up_only_itself(Db::Postgres).await;
}
