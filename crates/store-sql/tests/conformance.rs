//! The storage conformance suite: the same assertions on SQLite and on
//! PostgreSQL (when SWITCHBOARD_TEST_POSTGRES_URL is set; CI=true requires it).

#[macro_use]
mod support;

use std::sync::Arc;

use serde_json::json;
use support::*;
use switchboard_domain::MessageType;
use switchboard_store::{Contact, ContactInbox, NewJob, NewUser, Store, StoreError};
use switchboard_store_sql::{ConnectOptions, connect};

async fn round_trips_and_constraints(store: Arc<dyn Store>) {
    let (acc, inbox, contact, conv) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let got = tx.get_conversation(acc, conv.display_id).await.unwrap().unwrap();
    assert_eq!(got.custom_attributes, json!({"k": "v"}));
    assert_eq!(got.uuid, conv.uuid);
    assert!(
        tx.get_conversation(acc + 1, conv.display_id).await.unwrap().is_none(),
        "scoped by account"
    );
    // Unique (inbox_id, source_id) on messages and contact inboxes.
    assert!(tx.insert_message(&message(&conv, Some("m1"))).await.unwrap().is_some());
    assert!(tx.insert_message(&message(&conv, Some("m1"))).await.unwrap().is_none());
    assert!(tx.insert_message(&message(&conv, None)).await.unwrap().is_some());
    assert!(
        tx.insert_message(&message(&conv, None)).await.unwrap().is_some(),
        "no source id, no constraint"
    );
    let dup = ContactInbox {
        id: 0,
        account_id: acc,
        contact_id: contact.id,
        inbox_id: inbox.id,
        source_id: "src".into(),
        hmac_verified: false,
        pubsub_token: "p2".into(),
        created_at: 1,
        updated_at: 1,
    };
    assert!(tx.insert_contact_inbox(&dup).await.unwrap().is_none());
    // Unique (account_id, email).
    let mut c2 = contact.clone();
    c2.name = "other".into();
    assert!(matches!(tx.insert_contact(&c2).await, Err(StoreError::Conflict(_))));
    tx.commit().await.unwrap();
    // Users: unique e-mail.
    let mut tx = store.write().await.unwrap();
    let u = NewUser {
        name: "U".into(),
        display_name: None,
        email: "u@x.io".into(),
        password_hash: "h".into(),
        pubsub_token: "t1".into(),
        confirmed: true,
    };
    tx.insert_user(&u, 1).await.unwrap();
    let again = NewUser {
        pubsub_token: "t2".into(),
        ..u
    };
    assert!(matches!(tx.insert_user(&again, 1).await, Err(StoreError::Conflict(_))));
}
conformance!(round_trips_and_constraints);

async fn display_ids_are_consecutive_under_concurrency(store: Arc<dyn Store>) {
    let (acc, ..) = seed(&store).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.write().await.unwrap();
            let id = tx.next_display_id(acc).await.unwrap();
            tx.commit().await.unwrap();
            id
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    ids.sort();
    assert_eq!(ids, (2..=21).collect::<Vec<i64>>());
    // A rolled-back transaction gives its number back.
    let mut tx = store.write().await.unwrap();
    assert_eq!(tx.next_display_id(acc).await.unwrap(), 22);
    drop(tx);
    let mut tx = store.write().await.unwrap();
    assert_eq!(tx.next_display_id(acc).await.unwrap(), 22);
}
conformance!(display_ids_are_consecutive_under_concurrency);

async fn jobs_are_claimed_once(store: Arc<dyn Store>) {
    let mut tx = store.write().await.unwrap();
    for i in 0..40 {
        let j = NewJob {
            kind: "noop".into(),
            payload: json!({ "i": i }),
            run_at: 10,
            max_attempts: 3,
            deadline_at: None,
            unique_key: None,
            queue_key: None,
        };
        tx.insert_job(&j, 10).await.unwrap();
    }
    let later = NewJob {
        kind: "noop".into(),
        payload: json!({}),
        run_at: 1_000,
        max_attempts: 3,
        deadline_at: None,
        unique_key: Some("k".into()),
        queue_key: None,
    };
    assert!(tx.insert_job(&later, 10).await.unwrap().is_some());
    assert!(
        tx.insert_job(&later, 10).await.unwrap().is_none(),
        "unique_key de-duplicates queued jobs"
    );
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_jobs(100, 3, 50).await.unwrap();
                if got.is_empty() {
                    break;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(n, 40, "every due job claimed");
    assert_eq!(all.len(), 40, "no job claimed twice");
    // A lease that runs out lets another worker take the job again.
    let again = store.claim_jobs(151, 100, 50).await.unwrap();
    assert_eq!(again.len(), 40);
    assert!(again.iter().all(|j| j.attempts == 2));
    // Retry, kill, complete.
    let mut tx = store.write().await.unwrap();
    tx.retry_job(again[0].id, 500, "boom").await.unwrap();
    tx.kill_job(again[1].id, "dead", 200).await.unwrap();
    tx.complete_job(again[2].id).await.unwrap();
    let rest: Vec<i64> = again[3..].iter().map(|j| j.id).collect();
    tx.complete_jobs(&rest).await.unwrap();
    tx.complete_jobs(&[]).await.unwrap();
    let stats = tx.job_stats().await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(stats.dead, 1);
    assert_eq!(stats.queued, 2, "the retried one and the future one");
    assert_eq!(stats.running, 0);
    let due = store.claim_jobs(499, 100, 50).await.unwrap();
    assert!(due.is_empty(), "a retried job waits for its time");
    let due = store.claim_jobs(500, 100, 50).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].last_error.as_deref(), Some("boom"));
    // A claimed job that never started goes back as it was: claimable at
    // once, its attempt not counted.
    let mut tx = store.write().await.unwrap();
    // A release naming another lease end (another worker's claim) does nothing.
    tx.release_jobs(&[(due[0].id, 549)]).await.unwrap();
    assert_eq!(tx.job_stats().await.unwrap().running, 1, "not our claim any more");
    tx.release_jobs(&[(due[0].id, 550)]).await.unwrap();
    tx.release_jobs(&[]).await.unwrap();
    tx.commit().await.unwrap();
    let back = store.claim_jobs(500, 100, 50).await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].id, due[0].id);
    assert_eq!(
        back[0].attempts, due[0].attempts,
        "a release does not count as an attempt"
    );
    // A deferred job (its target busy or failing) waits for its time, its
    // attempt not counted; its last real error stays.
    let mut tx = store.write().await.unwrap();
    tx.defer_job(back[0].id, 900, "circuit open").await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.claim_jobs(899, 100, 50).await.unwrap().is_empty());
    let later = store.claim_jobs(900, 100, 50).await.unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].attempts, back[0].attempts, "a deferral is not an attempt");
    assert_eq!(later[0].last_error.as_deref(), Some("boom"));
}
conformance!(jobs_are_claimed_once);

/// Jobs of one queue key run one at a time in the order written; a waiting
/// retry holds its key back; other keys and keyless jobs pass.
async fn queue_keys_keep_order_per_destination(store: Arc<dyn Store>) {
    let job = |key: Option<&str>, i: i64| NewJob {
        kind: "send".into(),
        payload: json!({ "i": i }),
        run_at: 10,
        max_attempts: 5,
        deadline_at: None,
        unique_key: None,
        queue_key: key.map(str::to_string),
    };
    let mut tx = store.write().await.unwrap();
    for (i, key) in [Some("chat:1"), Some("chat:1"), Some("chat:2"), None, Some("chat:1")]
        .into_iter()
        .enumerate()
    {
        tx.insert_job(&job(key, i as i64), 10).await.unwrap();
    }
    tx.commit().await.unwrap();
    let i_of = |jobs: &[switchboard_store::Job]| {
        let mut v: Vec<i64> = jobs.iter().map(|j| j.payload["i"].as_i64().unwrap()).collect();
        v.sort_unstable();
        v
    };
    // The head of each key, and the keyless job.
    let first = store.claim_jobs(20, 10, 1_000).await.unwrap();
    assert_eq!(i_of(&first), vec![0, 2, 3]);
    assert!(
        store.claim_jobs(21, 10, 1_000).await.unwrap().is_empty(),
        "running heads hold their keys"
    );
    // chat:1's head fails and waits to retry: the key stays held.
    let head = first.iter().find(|j| j.payload["i"] == 0).unwrap().id;
    let mut tx = store.write().await.unwrap();
    tx.retry_job(head, 500, "HTTP 429").await.unwrap();
    for j in first.iter().filter(|j| j.payload["i"] != 0) {
        tx.complete_job(j.id).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert!(
        store.claim_jobs(30, 10, 1_000).await.unwrap().is_empty(),
        "nothing passes a waiting retry of its key"
    );
    // The retry succeeds; then the next of chat:1, then the last.
    let again = store.claim_jobs(600, 10, 1_000).await.unwrap();
    assert_eq!(i_of(&again), vec![0]);
    let mut tx = store.write().await.unwrap();
    tx.complete_job(again[0].id).await.unwrap();
    tx.commit().await.unwrap();
    let second = store.claim_jobs(601, 10, 1_000).await.unwrap();
    assert_eq!(i_of(&second), vec![1]);
    // A job that died does not block its key for good.
    let mut tx = store.write().await.unwrap();
    tx.kill_job(second[0].id, "gave up", 602).await.unwrap();
    tx.commit().await.unwrap();
    let last = store.claim_jobs(603, 10, 1_000).await.unwrap();
    assert_eq!(i_of(&last), vec![4]);
}
conformance!(queue_keys_keep_order_per_destination);

/// The jobs queued behind a running head of a key: that key's only, after
/// the head, due, in id order, at most the limit; taken and deleted in the
/// head's transaction, they never run on their own.
async fn jobs_queued_behind_a_head(store: Arc<dyn Store>) {
    let job = |key: &str, i: i64, run_at: i64| NewJob {
        kind: "send".into(),
        payload: json!({ "i": i }),
        run_at,
        max_attempts: 5,
        deadline_at: None,
        unique_key: None,
        queue_key: Some(key.to_string()),
    };
    let mut tx = store.write().await.unwrap();
    for (i, (key, run_at)) in [
        ("c:1", 10),
        ("c:1", 10),
        ("c:2", 10),
        ("c:1", 10),
        ("c:1", 900),
        ("c:1", 10),
    ]
    .into_iter()
    .enumerate()
    {
        tx.insert_job(&job(key, i as i64, run_at), 10).await.unwrap();
    }
    tx.commit().await.unwrap();
    let heads = store.claim_jobs(20, 10, 1_000).await.unwrap();
    let head = heads.iter().find(|j| j.payload["i"] == 0).unwrap().id;
    let mut tx = store.write().await.unwrap();
    let i_of = |jobs: &[switchboard_store::Job]| {
        jobs.iter()
            .map(|j| j.payload["i"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    // Not c:2's; in order; the one due later ends the run (5 waits behind
    // it); the limit holds.
    let behind = tx.queued_behind("c:1", head, 20, 10).await.unwrap();
    assert_eq!(i_of(&behind), vec![1, 3]);
    assert_eq!(i_of(&tx.queued_behind("c:1", head, 20, 1).await.unwrap()), vec![1]);
    // Once it is due, the run goes on past it.
    assert_eq!(
        i_of(&tx.queued_behind("c:1", head, 1_000, 10).await.unwrap()),
        vec![1, 3, 4, 5]
    );
    assert!(tx.queued_behind("c:9", head, 20, 10).await.unwrap().is_empty());
    let ids: Vec<i64> = behind.iter().map(|j| j.id).collect();
    tx.complete_jobs(&ids).await.unwrap();
    tx.complete_job(head).await.unwrap();
    tx.commit().await.unwrap();
    // c:2's head ran already; what is left of c:1 is the later one and
    // the one behind it.
    let mut tx = store.write().await.unwrap();
    for j in heads.iter().filter(|j| j.id != head) {
        tx.complete_job(j.id).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert!(store.claim_jobs(30, 10, 1_000).await.unwrap().is_empty());
    let later = store.claim_jobs(1_000, 10, 1_000).await.unwrap();
    assert_eq!(i_of(&later), vec![4]);
    // A running job of the key ends the run behind an earlier head too.
    let mut tx = store.write().await.unwrap();
    assert!(tx.queued_behind("c:1", head, 1_000, 10).await.unwrap().is_empty());
    tx.commit().await.unwrap();
}
conformance!(jobs_queued_behind_a_head);

async fn read_transactions_cannot_write(store: Arc<dyn Store>) {
    let mut tx = store.read().await.unwrap();
    assert!(tx.insert_account("nope", "en", 1).await.is_err());
}
conformance!(read_transactions_cannot_write);

async fn events_come_back_with_their_ids_cause_and_webhook(store: Arc<dyn Store>) {
    use switchboard_domain::event::{Cause, CauseKind, WebhookPayload};
    let (acc, ..) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let mut events = Vec::new();
    for i in 0..5 {
        let mut e =
            switchboard_domain::Event::new(switchboard_domain::EventKind::MessageCreated, acc, json!({ "n": i }))
                .conversation(Some(100 + i));
        if i == 1 {
            e = e.caused_by(Cause::user(7).then(CauseKind::Automation, Some(3)));
            e.webhook = Some(Box::new(WebhookPayload {
                name: "message_created".into(),
                inbox_id: Some(9),
                body: "{\"id\":1}".into(),
            }));
        }
        events.push(e);
    }
    let ids = tx.insert_events(&events, 50).await.unwrap();
    assert_eq!(ids.len(), 5);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending: {ids:?}");
    for (i, id) in ids.iter().enumerate() {
        let e = tx.get_event(*id).await.unwrap().unwrap();
        assert_eq!(e.data["n"], i, "ids in the order of the rows");
        assert_eq!(e.conversation_id, Some(100 + i as i64));
    }
    let e = tx.get_event(ids[1]).await.unwrap().unwrap();
    assert_eq!(
        e.cause(),
        Cause {
            kind: CauseKind::Automation,
            id: Some(3),
            depth: 1
        }
    );
    assert_eq!(e.webhook_name.as_deref(), Some("message_created"));
    assert_eq!(e.webhook_inbox_id, Some(9));
    assert_eq!(e.webhook_payload.as_deref(), Some("{\"id\":1}"));
    let plain = tx.get_event(ids[0]).await.unwrap().unwrap();
    assert_eq!(plain.cause(), Cause::SYSTEM);
    assert!(plain.webhook_name.is_none());
    assert!(tx.get_event(ids[4] + 1000).await.unwrap().is_none());

    assert!(tx.mark_listened("a", ids[0], 50).await.unwrap());
    assert!(
        !tx.mark_listened("a", ids[0], 51).await.unwrap(),
        "once per listener and event"
    );
    assert!(
        tx.mark_listened("b", ids[0], 50).await.unwrap(),
        "another listener has its own"
    );
    // Pruned with the events.
    let n = tx.prune(60, 0, 100).await.unwrap();
    assert_eq!(n, 5 + 2);
    assert!(tx.mark_listened("a", ids[0], 70).await.unwrap());
    tx.commit().await.unwrap();
}
conformance!(events_come_back_with_their_ids_cause_and_webhook);

async fn pruning_keeps_what_is_recent(store: Arc<dyn Store>) {
    let (acc, ..) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    for t in [10, 20, 30] {
        let e = switchboard_domain::Event::new(switchboard_domain::EventKind::ContactCreated, acc, json!({}));
        tx.insert_event(&e, t).await.unwrap();
    }
    let d = switchboard_store::NewDelivery {
        account_id: acc,
        webhook_id: None,
        inbox_id: None,
        message_id: None,
        automation_rule_id: None,
        agent_bot_id: None,
        delivery_uuid: "u1".into(),
        event: "x".into(),
        url: "https://example.com".into(),
        payload: "{}".into(),
    };
    let mut old = tx.insert_delivery(&d, 5).await.unwrap();
    let pending = tx
        .insert_delivery(
            &switchboard_store::NewDelivery {
                delivery_uuid: "u2".into(),
                ..d
            },
            5,
        )
        .await
        .unwrap();
    old.state = "delivered".into();
    tx.update_delivery(&old).await.unwrap();
    let n = tx.prune(25, 25, 100).await.unwrap();
    assert_eq!(n, 3, "two old events and the finished delivery");
    assert!(tx.get_delivery(old.id).await.unwrap().is_none());
    assert!(
        tx.get_delivery(pending.id).await.unwrap().is_some(),
        "pending deliveries are kept"
    );
}
conformance!(pruning_keeps_what_is_recent);

/// What e-mail needs: conversations by uuid, the latest incoming message,
/// inboxes by channel type across accounts, and mailbox cursors that are
/// replaced in place and go with their inbox.
async fn mail_lookups_and_cursors(store: Arc<dyn Store>) {
    let (acc, inbox, _contact, conv) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let found = tx.find_conversation_by_uuid(&conv.uuid).await.unwrap().unwrap();
    assert_eq!(found.id, conv.id);
    assert!(tx.find_conversation_by_uuid("no-such-uuid").await.unwrap().is_none());
    assert!(tx.last_incoming_message(conv.id).await.unwrap().is_none());
    let first = tx.insert_message(&message(&conv, Some("a@x"))).await.unwrap().unwrap();
    let mut out = message(&conv, Some("ours@x"));
    out.message_type = MessageType::Outgoing;
    tx.insert_message(&out).await.unwrap().unwrap();
    assert_eq!(
        tx.last_incoming_message(conv.id).await.unwrap().unwrap().id,
        first.id,
        "outgoing messages are passed over"
    );
    let second = tx.insert_message(&message(&conv, Some("b@x"))).await.unwrap().unwrap();
    assert_eq!(tx.last_incoming_message(conv.id).await.unwrap().unwrap().id, second.id);

    let mut mail_inbox = inbox.clone();
    mail_inbox.channel_type = 2;
    mail_inbox.channel_key = uuid::Uuid::new_v4().to_string();
    mail_inbox.hmac_token = uuid::Uuid::new_v4().to_string();
    let mail_inbox = tx.insert_inbox(&mail_inbox).await.unwrap();
    let of_type = tx.inboxes_of_type(2).await.unwrap();
    assert_eq!(of_type.iter().map(|i| i.id).collect::<Vec<_>>(), vec![mail_inbox.id]);
    assert!(tx.get_mail_cursor(mail_inbox.id).await.unwrap().is_none());
    let mut c = switchboard_store::MailCursor {
        inbox_id: mail_inbox.id,
        uid_validity: 7,
        last_uid: 3,
        polled_at: 10,
        last_error: None,
    };
    tx.set_mail_cursor(&c).await.unwrap();
    c.last_uid = 9;
    c.last_error = Some("login refused".into());
    tx.set_mail_cursor(&c).await.unwrap();
    assert_eq!(tx.get_mail_cursor(mail_inbox.id).await.unwrap(), Some(c));
    assert!(tx.delete_inbox(acc, mail_inbox.id).await.unwrap());
    assert!(
        tx.get_mail_cursor(mail_inbox.id).await.unwrap().is_none(),
        "gone with the inbox"
    );
    tx.commit().await.unwrap();
}
conformance!(mail_lookups_and_cursors);

/// Platform ids recorded for many sent messages in one statement; a message
/// that already has one keeps it.
async fn sent_messages_are_marked_together(store: Arc<dyn Store>) {
    let (_acc, _inbox, _contact, conv) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let mut out = message(&conv, None);
    out.message_type = MessageType::Outgoing;
    let a = tx.insert_message(&out).await.unwrap().unwrap();
    let b = tx.insert_message(&out).await.unwrap().unwrap();
    let c = tx
        .insert_message(&message(&conv, Some("already")))
        .await
        .unwrap()
        .unwrap();
    let got = tx
        .mark_messages_sent(&[(a.id, "p-1".into()), (b.id, "p-2".into()), (c.id, "p-3".into())], 99)
        .await
        .unwrap();
    let mut ids: Vec<(i64, Option<String>, i64)> =
        got.iter().map(|m| (m.id, m.source_id.clone(), m.updated_at)).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![(a.id, Some("p-1".into()), 99), (b.id, Some("p-2".into()), 99)]
    );
    assert_eq!(
        tx.get_message_by_id(c.id).await.unwrap().unwrap().source_id.as_deref(),
        Some("already")
    );
    assert!(tx.mark_messages_sent(&[], 1).await.unwrap().is_empty());
    let by_ids = tx.get_messages_by_ids(&[c.id, a.id, c.id + 1000]).await.unwrap();
    assert_eq!(
        by_ids.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![a.id, c.id],
        "in id order, unknown ids left out"
    );
    assert!(tx.get_messages_by_ids(&[]).await.unwrap().is_empty());
    let convs = tx.get_conversations_by_ids(&[conv.id, conv.id + 1000]).await.unwrap();
    assert_eq!(convs.iter().map(|c| c.id).collect::<Vec<_>>(), vec![conv.id]);
    assert!(tx.get_conversations_by_ids(&[]).await.unwrap().is_empty());
    tx.commit().await.unwrap();
}
conformance!(sent_messages_are_marked_together);

/// A job with a unique key that is queued again while the first one runs:
/// the first, when its lease runs out, is released or retried, gives way to
/// its twin instead of breaking the key's uniqueness (and every claim with it).
async fn unique_jobs_give_way_to_their_queued_twin(store: Arc<dyn Store>) {
    let job = |i: i64| NewJob {
        kind: "noop".into(),
        payload: json!({ "i": i }),
        run_at: 10,
        max_attempts: 3,
        deadline_at: None,
        unique_key: Some("poll:1".into()),
        queue_key: None,
    };
    let other = NewJob {
        unique_key: None,
        ..job(99)
    };
    let mut tx = store.write().await.unwrap();
    tx.insert_job(&job(1), 10).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    let first = store.claim_jobs(10, 10, 50).await.unwrap();
    assert_eq!(first.len(), 1);
    // Queued again while the first runs (the key is unique among queued jobs only).
    let mut tx = store.write().await.unwrap();
    let twin = tx
        .insert_job(&job(2), 10)
        .await
        .unwrap()
        .expect("a twin beside a running job");
    tx.insert_job(&other, 10).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    // The first one's lease runs out: claiming still works, and takes the twin.
    let next = store.claim_jobs(100, 10, 50).await.unwrap();
    let mut ids: Vec<i64> = next.iter().map(|j| j.id).collect();
    ids.sort();
    assert!(ids.contains(&twin), "{ids:?}");
    assert!(!ids.contains(&first[0].id), "the expired one gave way to its twin");
    assert_eq!(next.len(), 2);
    // The twin, released or retried while yet another is queued, gives way too.
    let mut tx = store.write().await.unwrap();
    let third = tx.insert_job(&job(3), 100).await.unwrap().unwrap();
    tx.release_jobs(&[(twin, 150)]).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    let stats = tx.job_stats().await.unwrap();
    assert_eq!(
        (stats.queued, stats.running),
        (1, 1),
        "the third queued, the other job running"
    );
    tx.commit().await.unwrap();
    let claimed = store.claim_jobs(140, 10, 50).await.unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), vec![third]);
    let mut tx = store.write().await.unwrap();
    tx.insert_job(&job(4), 200).await.unwrap().unwrap();
    tx.retry_job(third, 300, "try again").await.unwrap();
    let stats = tx.job_stats().await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(stats.queued, 1, "the retried one gave way to the queued fourth");
}
conformance!(unique_jobs_give_way_to_their_queued_twin);

/// SQLite may roll a transaction back by itself when the database cannot
/// grow. Writes are refused as `Full` while full (the ping says so too), and
/// the writer's next transactions are real ones once space is back:
/// committed and visible to readers and to a new connection, whatever
/// happened in between (a refused write, one dropped without commit). The
/// API test `faults` drives the whole-transaction rollback through the
/// message writers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_writes_after_disk_full_really_commit() {
    let dir = std::env::temp_dir().join(format!("sb-conf-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let _guard = TempDir(dir.clone());
    let url = format!("sqlite://{}/c.db", dir.display());
    let store = connect(&url, &ConnectOptions::default()).await.unwrap();
    let (account_id, ..) = seed(&store).await;
    // Below the current size: no new page at all.
    store.limit_pages(Some(1)).await.unwrap();
    let big = "x".repeat(200_000);
    for _ in 0..2 {
        let mut tx = store.write().await.unwrap();
        let mut account = tx.get_account(account_id).await.unwrap().unwrap();
        account.name = big.clone();
        let r = tx.update_account(&account).await;
        assert!(matches!(r, Err(StoreError::Full(_))), "{r:?}");
        drop(tx);
        let mut tx = store.write().await.unwrap();
        let r = tx.insert_account(&big, "en", 1).await;
        assert!(matches!(r, Err(StoreError::Full(_))), "{r:?}");
        drop(tx);
        // A transaction that ends without commit (a refused request).
        let mut tx = store.write().await.unwrap();
        tx.count_accounts().await.unwrap();
        drop(tx);
    }
    let mut tx = store.write().await.unwrap();
    assert!(matches!(
        tx.insert_account(&big, "en", 1).await,
        Err(StoreError::Full(_))
    ));
    drop(tx);
    assert!(matches!(store.ping().await, Err(StoreError::Full(_))));

    store.limit_pages(None).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        let mut tx = store.write().await.unwrap();
        ids.push(tx.insert_account(&format!("after {i}"), "en", 1).await.unwrap().id);
        tx.commit().await.unwrap();
    }
    let mut tx = store.read().await.unwrap();
    for id in &ids {
        assert!(
            tx.get_account(*id).await.unwrap().is_some(),
            "a reader sees account {id}"
        );
    }
    drop(tx);
    let other = connect(&url, &ConnectOptions::default()).await.unwrap();
    let mut tx = other.read().await.unwrap();
    for id in &ids {
        assert!(
            tx.get_account(*id).await.unwrap().is_some(),
            "another connection sees account {id}"
        );
    }
    drop(tx);
    other.close().await;
    store.close().await;
}

/// Participants: one row per user and conversation, and the
/// `participant` list filter; saved filters: JSON kept, scoped by account
/// and user.
async fn participants_and_custom_filters(store: Arc<dyn Store>) {
    let (acc, _, _, conv) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let u1 = tx.insert_user(&new_user("p1@x.io", "pt1"), 1).await.unwrap().id;
    let u2 = tx.insert_user(&new_user("p2@x.io", "pt2"), 1).await.unwrap().id;
    tx.add_conversation_participants(acc, conv.id, &[u1, u2], 2)
        .await
        .unwrap();
    tx.add_conversation_participants(acc, conv.id, &[u1], 3).await.unwrap();
    assert_eq!(tx.conversation_participants(conv.id).await.unwrap(), vec![u1, u2]);
    let mut of = tx.participants_of(&[conv.id, conv.id + 1000]).await.unwrap();
    of.sort_unstable();
    let mut want = vec![(conv.id, u1), (conv.id, u2)];
    want.sort_unstable();
    assert_eq!(of, want);
    assert!(tx.participants_of(&[]).await.unwrap().is_empty());
    let mut q = switchboard_store::ConversationQuery::new(acc, u1);
    q.participant = Some(u1);
    assert_eq!(tx.list_conversations(&q).await.unwrap().len(), 1);
    assert_eq!(tx.conversation_counts(&q).await.unwrap().all_count, 1);
    tx.remove_conversation_participants(conv.id, &[u1]).await.unwrap();
    assert_eq!(tx.conversation_participants(conv.id).await.unwrap(), vec![u2]);
    assert!(tx.list_conversations(&q).await.unwrap().is_empty());
    let mut other = switchboard_store::ConversationQuery::new(acc + 1, u2);
    other.participant = Some(u2);
    assert!(
        tx.list_conversations(&other).await.unwrap().is_empty(),
        "scoped by account"
    );

    let query = json!({ "payload": [{ "attribute_key": "status", "values": ["open"] }] });
    let f = tx
        .insert_custom_filter(&switchboard_store::CustomFilter {
            id: 0,
            account_id: acc,
            user_id: u1,
            name: "Open".into(),
            filter_type: 0,
            query: query.clone(),
            created_at: 4,
            updated_at: 4,
        })
        .await
        .unwrap();
    assert_eq!(f.query, query);
    assert_eq!(tx.count_custom_filters(acc, u1).await.unwrap(), 1);
    assert!(
        tx.get_custom_filter(acc, u2, f.id).await.unwrap().is_none(),
        "another user's"
    );
    assert!(
        tx.get_custom_filter(acc + 1, u1, f.id).await.unwrap().is_none(),
        "another account's"
    );
    assert_eq!(tx.list_custom_filters(acc, u1, 0, 50).await.unwrap().len(), 1);
    assert!(tx.list_custom_filters(acc, u1, 1, 50).await.unwrap().is_empty());
    let mut changed = f.clone();
    changed.name = "Renamed".into();
    changed.query = json!({ "payload": [] });
    changed.updated_at = 5;
    tx.update_custom_filter(&changed).await.unwrap();
    let got = tx.get_custom_filter(acc, u1, f.id).await.unwrap().unwrap();
    assert_eq!(
        (got.name.as_str(), &got.query, got.updated_at),
        ("Renamed", &json!({ "payload": [] }), 5)
    );
    assert!(!tx.delete_custom_filter(acc, u2, f.id).await.unwrap());
    assert!(tx.delete_custom_filter(acc, u1, f.id).await.unwrap());
    assert_eq!(tx.count_custom_filters(acc, u1).await.unwrap(), 0);
    tx.commit().await.unwrap();
}
conformance!(participants_and_custom_filters);

/// Two transactions locking the same rows in opposite orders: PostgreSQL
/// rolls one back, and the store says it was contended (callers may run it
/// again; the HTTP layer answers 503 with Retry-After), not a database error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_deadlocks_are_contended() {
    let Some(f) = postgres().await else { return };
    let store = f.store;
    let (_, _, a, _) = seed(&store).await;
    let b = {
        let mut tx = store.write().await.unwrap();
        let b = tx
            .insert_contact(&Contact {
                id: 0,
                email: Some("d@x.io".into()),
                ..a.clone()
            })
            .await
            .unwrap();
        tx.commit().await.unwrap();
        b
    };
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let run = |first: Contact, second: Contact| {
        let store = store.clone();
        let barrier = barrier.clone();
        async move {
            let mut tx = store.write().await.unwrap();
            tx.update_contact(&first).await?;
            barrier.wait().await;
            tx.update_contact(&second).await?;
            tx.commit().await
        }
    };
    let (r1, r2) = tokio::join!(
        tokio::spawn(run(a.clone(), b.clone())),
        tokio::spawn(run(b.clone(), a.clone()))
    );
    let results = [r1.unwrap(), r2.unwrap()];
    assert!(
        results.iter().any(|r| matches!(r, Err(StoreError::Contended(_)))),
        "one side is told it was contended: {results:?}"
    );
    assert!(results.iter().any(|r| r.is_ok()), "the other commits: {results:?}");
}

/// Mentions: one row per conversation and user, a later mention moving its
/// message and time; the `mentioned` and `unattended` list filters.
async fn mentions_upsert_and_filter(store: Arc<dyn Store>) {
    let (acc, _, _, conv) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let u1 = tx.insert_user(&new_user("m1@x.io", "mt1"), 1).await.unwrap().id;
    let u2 = tx.insert_user(&new_user("m2@x.io", "mt2"), 1).await.unwrap().id;
    tx.upsert_mentions(acc, conv.id, 11, &[u1, u2], 2).await.unwrap();
    tx.upsert_mentions(acc, conv.id, 12, &[u2], 3).await.unwrap();
    tx.upsert_mentions(acc, conv.id, 13, &[], 4).await.unwrap();
    assert_eq!(
        tx.conversation_mentions(conv.id).await.unwrap(),
        vec![(u1, 11, 2), (u2, 12, 3)]
    );
    let mut q = switchboard_store::ConversationQuery::new(acc, u1);
    q.mentioned = Some(u1);
    assert_eq!(tx.list_conversations(&q).await.unwrap().len(), 1);
    assert_eq!(tx.conversation_counts(&q).await.unwrap().all_count, 1);
    q.mentioned = Some(u1 + u2 + 1000);
    assert!(tx.list_conversations(&q).await.unwrap().is_empty());
    let mut other = switchboard_store::ConversationQuery::new(acc + 1, u1);
    other.mentioned = Some(u1);
    assert!(
        tx.list_conversations(&other).await.unwrap().is_empty(),
        "scoped by account"
    );
    let mut unattended = switchboard_store::ConversationQuery::new(acc, u1);
    unattended.unattended = true;
    assert_eq!(
        tx.conversation_counts(&unattended).await.unwrap().all_count,
        1,
        "never answered"
    );
    tx.commit().await.unwrap();
}
conformance!(mentions_upsert_and_filter);
