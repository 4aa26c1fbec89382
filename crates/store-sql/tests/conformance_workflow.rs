//! The storage conformance suite, continued: routing and notifications,
//! the same assertions on SQLite and on PostgreSQL.

#[macro_use]
mod support;

use std::sync::Arc;

use serde_json::json;
use support::*;
use switchboard_store::{DeliveryOwner, Store};

async fn routing_queue_loads_and_decisions(store: Arc<dyn Store>) {
    let (acc, inbox, _, conv) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let u1 = tx.insert_user(&new_user("r1@x.io", "rt1"), 1).await.unwrap().id;
    let u2 = tx.insert_user(&new_user("r2@x.io", "rt2"), 1).await.unwrap().id;
    tx.upsert_account_user(acc, u1, 0, 1).await.unwrap();
    tx.upsert_account_user(acc, u2, 0, 1).await.unwrap();
    // Three more: urgent, waiting longest, and one held by u1.
    let make = |priority: Option<i16>, waiting: Option<i64>, assignee: Option<i64>| {
        let mut c = conv.clone();
        c.priority = priority;
        c.waiting_since = waiting;
        c.assignee_id = assignee;
        c.uuid = uuid::Uuid::new_v4().to_string();
        c
    };
    let mut ids = vec![conv.id];
    for c in [
        make(Some(3), Some(50), None),
        make(None, Some(0), None),
        make(None, Some(5), Some(u1)),
    ] {
        let mut c = c;
        c.display_id = tx.next_display_id(acc).await.unwrap();
        ids.push(tx.insert_conversation(&c).await.unwrap().id);
    }
    let queue: Vec<i64> = tx
        .routing_queue(acc, &[inbox.id], 10)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        queue,
        vec![ids[1], ids[2], ids[0]],
        "urgent first, then longest waiting"
    );
    assert_eq!(tx.routing_queue(acc, &[inbox.id], 1).await.unwrap().len(), 1);
    assert!(tx.routing_queue(acc, &[inbox.id + 999], 10).await.unwrap().is_empty());
    assert!(
        tx.routing_queue(acc + 1, &[inbox.id], 10).await.unwrap().is_empty(),
        "scoped by account"
    );
    assert!(tx.accounts_with_waiting_conversations().await.unwrap().contains(&acc));
    assert_eq!(tx.open_loads(acc).await.unwrap(), vec![(u1, inbox.id, 1)]);
    let unanswered: Vec<i64> = tx
        .unanswered_assigned(acc, &[inbox.id], 10, 10)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(unanswered, vec![ids[3]]);
    assert!(
        tx.unanswered_assigned(acc, &[inbox.id], 5, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Assigned at 8: its agent's time counts from then.
    let mut held = tx.lock_conversation_by_id(ids[3]).await.unwrap().unwrap();
    held.assigned_at = Some(8);
    tx.save_conversation(&held).await.unwrap();
    assert!(
        tx.unanswered_assigned(acc, &[inbox.id], 8, 10)
            .await
            .unwrap()
            .is_empty(),
        "held since 8"
    );
    assert_eq!(tx.unanswered_assigned(acc, &[inbox.id], 9, 10).await.unwrap().len(), 1);
    assert!(
        tx.unanswered_assigned(acc + 1, &[inbox.id], 10, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!tx.accounts_with_requeue().await.unwrap().contains(&acc));
    let mut requeuing = inbox.clone();
    requeuing.settings = json!({"auto_assignment_config": {"requeue_after_minutes": 5}});
    tx.update_inbox(&requeuing).await.unwrap();
    assert!(tx.accounts_with_requeue().await.unwrap().contains(&acc));
    assert_eq!(tx.agent_open_count(acc, u1, inbox.id).await.unwrap(), (1, 1));
    assert_eq!(tx.agent_open_count(acc, u1, inbox.id + 1).await.unwrap(), (1, 0));
    assert_eq!(tx.agent_open_count(acc, u2, inbox.id).await.unwrap(), (0, 0));

    // Routing rows: created on first lock, capacity and last routed kept.
    let a = tx.lock_routing_agent(acc, u1).await.unwrap();
    assert_eq!((a.last_routed_at, a.capacity), (0, None));
    tx.set_agent_capacity(acc, u1, Some(4)).await.unwrap();
    tx.set_routed_at(acc, u1, 77).await.unwrap();
    let a = tx.lock_routing_agent(acc, u1).await.unwrap();
    assert_eq!((a.last_routed_at, a.capacity), (77, Some(4)));
    tx.set_agent_capacity(acc, u2, None).await.unwrap();
    assert_eq!(tx.routing_agents(acc).await.unwrap().len(), 2);
    assert!(tx.routing_agents(acc + 1).await.unwrap().is_empty());

    // Decisions: newest first, the latest digest per conversation, counts
    // of assignments in a window, pruning.
    let d = |conv: i64, outcome: &str, assignee: Option<i64>, digest: &str| switchboard_store::NewRoutingDecision {
        account_id: acc,
        conversation_id: conv,
        outcome: outcome.into(),
        assignee_id: assignee,
        detail: json!({"mode": "round_robin", "skipped": [{"agent_id": u2, "reason": "busy"}]}),
        digest: digest.into(),
    };
    tx.insert_routing_decision(&d(ids[0], "waiting", None, "w1"), 10)
        .await
        .unwrap();
    tx.insert_routing_decision(&d(ids[0], "assigned", Some(u1), "a1"), 20)
        .await
        .unwrap();
    tx.insert_routing_decision(&d(ids[1], "waiting", None, "w2"), 30)
        .await
        .unwrap();
    let log = tx.routing_decisions(ids[0], 10).await.unwrap();
    assert_eq!(
        log.iter().map(|d| d.outcome.as_str()).collect::<Vec<_>>(),
        vec!["assigned", "waiting"]
    );
    assert_eq!(log[0].detail["skipped"][0]["reason"], "busy");
    let mut digests = tx.last_routing_digests(&[ids[0], ids[1], ids[2]]).await.unwrap();
    digests.sort();
    assert_eq!(digests, vec![(ids[0], "a1".to_string()), (ids[1], "w2".to_string())]);
    assert!(tx.last_routing_digests(&[]).await.unwrap().is_empty());
    assert_eq!(tx.routed_since(acc, 15).await.unwrap(), vec![(u1, 1)]);
    assert!(tx.routed_since(acc, 25).await.unwrap().is_empty());
    assert_eq!(tx.prune_routing_decisions(25, 100).await.unwrap(), 2);
    assert_eq!(tx.routing_decisions(ids[0], 10).await.unwrap().len(), 0);
    assert_eq!(tx.routing_decisions(ids[1], 10).await.unwrap().len(), 1);
    tx.commit().await.unwrap();
}
conformance!(routing_queue_loads_and_decisions);

/// Notifications: written once per event and user; listed newest first a
/// page at a time, snoozed ones left out until their time; counts capped;
/// every change reaches the owner's rows only; settings upserted.
async fn notifications_per_user(store: Arc<dyn Store>) {
    use switchboard_store::{NewNotification, NotificationScope};
    let (acc, _, _, conv) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let u1 = tx.insert_user(&new_user("n1@x.io", "nt1"), 1).await.unwrap().id;
    let u2 = tx.insert_user(&new_user("n2@x.io", "nt2"), 1).await.unwrap().id;
    let row = |user_id: i64, event: i64, t: i64| NewNotification {
        account_id: acc,
        user_id,
        notification_type: t,
        primary_actor_id: conv.id,
        secondary_actor_id: None,
        source_event: event,
    };
    let first = tx
        .insert_notifications(&[row(u1, 1, 1), row(u2, 1, 1)], 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    // The same event again: nothing new, whatever else it carries.
    assert!(tx.insert_notifications(&[row(u1, 1, 2)], 11).await.unwrap().is_empty());
    for e in 2..=5 {
        tx.insert_notifications(&[row(u1, e, 3)], 10 + e).await.unwrap();
    }
    let scope = NotificationScope {
        account_id: acc,
        user_id: u1,
        now: 100,
        snoozed: false,
    };
    let page = tx.list_notifications(scope, 2, 0).await.unwrap();
    assert_eq!(
        page.iter().map(|n| n.last_activity_at).collect::<Vec<_>>(),
        vec![15, 14]
    );
    let next = tx.list_notifications(scope, 2, 2).await.unwrap();
    assert_eq!(
        next.iter().map(|n| n.last_activity_at).collect::<Vec<_>>(),
        vec![13, 12]
    );
    assert_eq!(tx.count_notifications(scope, 1000).await.unwrap(), (5, 5));
    assert_eq!(tx.count_notifications(scope, 3).await.unwrap(), (3, 3), "capped");
    // Read, unread; another user's id is nobody's business.
    let mine = page[0].id;
    let theirs = first[1].id;
    assert!(
        tx.set_notification_read(acc, u1, theirs, Some(50))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        tx.set_notification_read(acc + 1, u1, mine, Some(50))
            .await
            .unwrap()
            .is_none()
    );
    let read = tx
        .set_notification_read(acc, u1, mine, Some(50))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.read_at, Some(50));
    assert_eq!(tx.count_notifications(scope, 1000).await.unwrap(), (5, 4));
    // Snoozed until 200: out of the list at 100, in it with `snoozed`, back at 200.
    let meta = json!({ "last_snoozed_at": null });
    let s = tx
        .snooze_notification(acc, u1, mine, Some(200), &meta)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.snoozed_until, s.meta.clone()), (Some(200), meta.clone()));
    assert!(
        tx.snooze_notification(acc, u2, mine, Some(200), &meta)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(tx.count_notifications(scope, 1000).await.unwrap().0, 4);
    let all = NotificationScope { snoozed: true, ..scope };
    assert_eq!(tx.count_notifications(all, 1000).await.unwrap().0, 5);
    let later = NotificationScope { now: 200, ..scope };
    assert_eq!(tx.count_notifications(later, 1000).await.unwrap().0, 5);
    // Several users' counts at once (what a fan-out reads).
    let many = tx
        .count_notifications_of(acc, &[u1, u2, u2 + 99], 100, 1000)
        .await
        .unwrap();
    let one = tx.count_notifications(scope, 1000).await.unwrap();
    assert_eq!(
        many.iter().find(|(u, _, _)| *u == u1).map(|(_, c, r)| (*c, *r)),
        Some(one)
    );
    assert!(many.iter().all(|(u, _, _)| *u != u2 + 99));
    // Each count stops at the cap.
    let capped = tx.count_notifications_of(acc, &[u1], 100, 2).await.unwrap();
    assert_eq!(capped, vec![(u1, one.0.min(2), one.1.min(2))]);
    assert!(one.0 > 2, "the cap must cut something here");
    // Another account's: none.
    assert_eq!(
        tx.count_notifications_of(acc + 1, &[u1], 100, 1000).await.unwrap(),
        vec![(u1, 0, 0)]
    );
    // Read all of one conversation; then the read ones go.
    assert_eq!(
        tx.read_all_notifications(acc, u1, Some(conv.id + 1000), 60)
            .await
            .unwrap(),
        0
    );
    assert_eq!(tx.read_all_notifications(acc, u1, Some(conv.id), 60).await.unwrap(), 4);
    assert_eq!(tx.count_notifications(all, 1000).await.unwrap(), (5, 0));
    assert_eq!(
        tx.count_notifications(NotificationScope { user_id: u2, ..all }, 1000)
            .await
            .unwrap(),
        (1, 1)
    );
    // Mail bookkeeping.
    assert_eq!(tx.last_mailed_at(u2, conv.id).await.unwrap(), None);
    assert_eq!(tx.unmailed_notifications(acc, u2, conv.id).await.unwrap().len(), 1);
    tx.mark_notifications_mailed(&[theirs], 70).await.unwrap();
    assert_eq!(tx.last_mailed_at(u2, conv.id).await.unwrap(), Some(70));
    assert!(tx.unmailed_notifications(acc, u2, conv.id).await.unwrap().is_empty());
    assert!(tx.delete_notification(acc, u2, mine).await.unwrap().is_none());
    assert_eq!(tx.delete_notification(acc, u1, mine).await.unwrap().unwrap().id, mine);
    assert_eq!(tx.delete_notifications(acc, u1, true).await.unwrap(), 4);
    assert_eq!(tx.count_notifications(all, 1000).await.unwrap(), (0, 0));
    assert_eq!(tx.delete_notifications(acc, u2, false).await.unwrap(), 1);
    // Settings: none until written; the second write updates the row.
    assert!(tx.notification_setting(acc, u1).await.unwrap().is_none());
    let a = tx.upsert_notification_setting(acc, u1, 2, 2, 1).await.unwrap();
    let b = tx.upsert_notification_setting(acc, u1, 9, 0, 2).await.unwrap();
    assert_eq!((a.id, b.email_flags, b.push_flags, b.updated_at), (b.id, 9, 0, 2));
    assert!(tx.notification_setting(acc + 1, u1).await.unwrap().is_none());
    // Several users' settings at once.
    let settings = tx.notification_settings_of(acc, &[u1, u2]).await.unwrap();
    assert_eq!(
        settings.iter().map(|s| (s.user_id, s.email_flags)).collect::<Vec<_>>(),
        vec![(u1, 9)]
    );
    assert!(tx.notification_settings_of(acc + 1, &[u1]).await.unwrap().is_empty());
    // Pruning: only rows whose last activity is older than the cut, at
    // most `limit` at a time.
    tx.insert_notifications(&[row(u1, 100, 1), row(u1, 101, 1), row(u2, 102, 1)], 100)
        .await
        .unwrap();
    tx.insert_notifications(&[row(u1, 103, 1)], 500).await.unwrap();
    assert_eq!(tx.prune_notifications(200, 2).await.unwrap(), 2);
    assert_eq!(tx.prune_notifications(200, 10).await.unwrap(), 1);
    assert_eq!(tx.prune_notifications(200, 10).await.unwrap(), 0);
    assert_eq!(tx.count_notifications(all, 1000).await.unwrap().0, 1);
    tx.commit().await.unwrap();
}
conformance!(notifications_per_user);

/// Automation rules: kept per account, JSON round-tripped, the active ones
/// of an event listed in id order, another account's never seen.
async fn automation_rules_per_account(store: Arc<dyn Store>) {
    use switchboard_store::AutomationRule;
    let (acc, _, _, _) = seed(&store).await;
    let rule = |name: &str, event: &str, active: bool| AutomationRule {
        id: 0,
        account_id: acc,
        name: name.into(),
        description: Some("d".into()),
        event_name: event.into(),
        conditions: json!([{ "attribute_key": "content", "filter_operator": "contains", "values": ["é ü"] }]),
        actions: json!([{ "action_name": "add_label", "action_params": ["x"] }]),
        active,
        created_at: 5,
        updated_at: 5,
        secret: format!("secret-{name}"),
        react_to_automation: name == "d",
        failures: 0,
        last_failure: None,
        disabled_reason: None,
    };
    let mut tx = store.write().await.unwrap();
    let a = tx
        .insert_automation_rule(&rule("a", "message_created", true))
        .await
        .unwrap();
    let b = tx
        .insert_automation_rule(&rule("b", "message_created", false))
        .await
        .unwrap();
    let c = tx
        .insert_automation_rule(&rule("c", "conversation_created", true))
        .await
        .unwrap();
    let d = tx
        .insert_automation_rule(&rule("d", "message_created", true))
        .await
        .unwrap();
    assert_eq!(a.conditions[0]["values"], json!(["é ü"]));
    assert_eq!(a.created_at, 5);
    assert_eq!(tx.count_automation_rules(acc).await.unwrap(), 4);
    assert_eq!(tx.list_automation_rules(acc, 2).await.unwrap().len(), 2);
    let active: Vec<i64> = tx
        .active_automation_rules(acc, "message_created")
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(active, vec![a.id, d.id]);
    assert_eq!((a.secret.as_str(), a.react_to_automation), ("secret-a", false));
    let mut events = tx.active_rule_events(acc).await.unwrap();
    events.sort();
    assert_eq!(
        events,
        [
            ("conversation_created".to_string(), false),
            ("message_created".to_string(), false),
            ("message_created".to_string(), true),
        ]
    );
    assert!(tx.active_rule_events(acc + 1).await.unwrap().is_empty());
    let mut changed = b.clone();
    changed.active = true;
    changed.name = "b2".into();
    changed.actions = json!([]);
    changed.updated_at = 9;
    tx.update_automation_rule(&changed).await.unwrap();
    let got = tx.get_automation_rule(acc, b.id).await.unwrap().unwrap();
    assert_eq!((got.name.as_str(), got.active, got.updated_at), ("b2", true, 9));
    assert_eq!(got.actions, json!([]));
    // Another account's: not found, not locked, not deleted, not listed.
    assert!(tx.get_automation_rule(acc + 1, a.id).await.unwrap().is_none());
    assert!(tx.lock_automation_rule(acc + 1, a.id).await.unwrap().is_none());
    assert_eq!(
        tx.lock_automation_rule(acc, b.id).await.unwrap().map(|r| r.name),
        Some("b2".into())
    );
    assert!(!tx.delete_automation_rule(acc + 1, a.id).await.unwrap());
    assert!(
        tx.active_automation_rules(acc + 1, "message_created")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(tx.delete_automation_rule(acc, c.id).await.unwrap());
    assert_eq!(tx.count_automation_rules(acc).await.unwrap(), 3);

    // Failed runs: counted; at the limit the rule is off with the reason,
    // once; a clean run starts the count again; another account's rule is
    // never touched.
    assert!(!tx.rule_failed(acc + 1, a.id, "x", 2, "off", 10).await.unwrap());
    assert!(!tx.rule_failed(acc, a.id, "first", 2, "off: first", 10).await.unwrap());
    let got = tx.get_automation_rule(acc, a.id).await.unwrap().unwrap();
    assert_eq!(
        (got.failures, got.last_failure.as_deref(), got.active),
        (1, Some("first"), true)
    );
    tx.rule_succeeded(acc, a.id).await.unwrap();
    let got = tx.get_automation_rule(acc, a.id).await.unwrap().unwrap();
    assert_eq!((got.failures, got.last_failure), (0, None));
    assert!(!tx.rule_failed(acc, a.id, "one", 2, "off: one", 11).await.unwrap());
    assert!(tx.rule_failed(acc, a.id, "two", 2, "off: two", 12).await.unwrap());
    assert!(!tx.rule_failed(acc, a.id, "three", 2, "off: three", 13).await.unwrap());
    let got = tx.get_automation_rule(acc, a.id).await.unwrap().unwrap();
    assert_eq!(
        (got.active, got.failures, got.disabled_reason.as_deref()),
        (false, 2, Some("off: two")),
        "an inactive rule records nothing more"
    );

    // A rule's deliveries: its own, newest first, in its account only.
    let delivery = |rule: Option<i64>, uuid: &str| switchboard_store::NewDelivery {
        account_id: acc,
        webhook_id: None,
        inbox_id: None,
        message_id: None,
        automation_rule_id: rule,
        agent_bot_id: None,
        delivery_uuid: uuid.into(),
        event: "automation_event.message_created".into(),
        url: "https://example.com/hook".into(),
        payload: "{}".into(),
    };
    let rows = tx
        .insert_deliveries(
            &[
                delivery(Some(a.id), "r1"),
                delivery(Some(d.id), "r2"),
                delivery(Some(a.id), "r3"),
                delivery(None, "r4"),
            ],
            20,
        )
        .await
        .unwrap();
    assert_eq!(rows[0].automation_rule_id, Some(a.id));
    let mine: Vec<String> = tx
        .list_deliveries(acc, DeliveryOwner::AutomationRule(a.id), None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.delivery_uuid)
        .collect();
    assert_eq!(mine, ["r3", "r1"]);
    let older = tx
        .list_deliveries(acc, DeliveryOwner::AutomationRule(a.id), Some(rows[2].id), 10)
        .await
        .unwrap();
    assert_eq!(older.len(), 1);
    assert!(
        tx.list_deliveries(acc + 1, DeliveryOwner::AutomationRule(a.id), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();
}
conformance!(automation_rules_per_account);

/// Macros: the account's global ones and each person's own listed in id
/// order, counted apart, JSON round-tripped; another account's never seen.
async fn macros_per_account_and_person(store: Arc<dyn Store>) {
    use switchboard_store::Macro;
    let (acc, _, _, _) = seed(&store).await;
    let m = |name: &str, visibility: &str, by: i64| Macro {
        id: 0,
        account_id: acc,
        name: name.into(),
        visibility: visibility.into(),
        created_by_id: Some(by),
        updated_by_id: Some(by),
        actions: json!([{ "action_name": "add_label", "action_params": ["ü"] }]),
        created_at: 5,
        updated_at: 5,
    };
    let mut tx = store.write().await.unwrap();
    let g = tx.insert_macro(&m("g", "global", 1)).await.unwrap();
    let p1 = tx.insert_macro(&m("p1", "personal", 1)).await.unwrap();
    let p2 = tx.insert_macro(&m("p2", "personal", 2)).await.unwrap();
    let g2 = tx.insert_macro(&m("g2", "global", 2)).await.unwrap();
    assert_eq!(g.actions[0]["action_params"], json!(["ü"]));
    let ids = |v: Vec<Macro>| v.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(ids(tx.list_macros(acc, 1, 10).await.unwrap()), [g.id, p1.id, g2.id]);
    assert_eq!(ids(tx.list_macros(acc, 2, 10).await.unwrap()), [g.id, p2.id, g2.id]);
    assert_eq!(ids(tx.list_macros(acc, 3, 2).await.unwrap()), [g.id, g2.id]);
    assert!(tx.list_macros(acc + 1, 1, 10).await.unwrap().is_empty());
    assert_eq!(tx.count_macros(acc, 1).await.unwrap(), (1, 2));
    let mut changed = p1.clone();
    changed.name = "p1b".into();
    changed.visibility = "global".into();
    changed.updated_by_id = Some(9);
    changed.actions = json!([]);
    changed.updated_at = 7;
    tx.update_macro(&changed).await.unwrap();
    let got = tx.get_macro(acc, p1.id).await.unwrap().unwrap();
    assert_eq!(
        (
            got.name.as_str(),
            got.visibility.as_str(),
            got.updated_by_id,
            got.created_by_id,
            got.updated_at
        ),
        ("p1b", "global", Some(9), Some(1), 7)
    );
    assert!(tx.get_macro(acc + 1, g.id).await.unwrap().is_none());
    assert!(!tx.delete_macro(acc + 1, g.id).await.unwrap());
    assert!(tx.delete_macro(acc, g.id).await.unwrap());
    assert!(tx.get_macro(acc, g.id).await.unwrap().is_none());
    tx.commit().await.unwrap();
}
conformance!(macros_per_account_and_person);

/// Agent bots: kept per account, one bot an inbox (replaced, removed), the
/// inboxes a bot answers, its deliveries, and its token removed with it.
async fn agent_bots_per_account(store: Arc<dyn Store>) {
    use switchboard_store::AgentBot;
    let (acc, inbox, _, conv) = seed(&store).await;
    let bot = |name: &str| AgentBot {
        id: 0,
        account_id: acc,
        name: name.into(),
        description: None,
        outgoing_url: Some("https://bot.example/hook".into()),
        bot_type: "webhook".into(),
        bot_config: json!({ "greeting": "héllo" }),
        avatar_url: None,
        secret: format!("s-{name}"),
        created_at: 3,
        updated_at: 3,
    };
    let mut tx = store.write().await.unwrap();
    let a = tx.insert_agent_bot(&bot("a")).await.unwrap();
    let b = tx.insert_agent_bot(&bot("b")).await.unwrap();
    assert_eq!(a.bot_config["greeting"], "héllo");
    assert_eq!(tx.count_agent_bots(acc).await.unwrap(), 2);
    assert_eq!(tx.list_agent_bots(acc, 1).await.unwrap().len(), 1);
    assert!(tx.get_agent_bot(acc + 1, a.id).await.unwrap().is_none());
    assert!(tx.inbox_agent_bot(inbox.id).await.unwrap().is_none());
    tx.set_inbox_agent_bot(acc, inbox.id, Some(a.id), 5).await.unwrap();
    assert_eq!(tx.inbox_agent_bot(inbox.id).await.unwrap().map(|x| x.id), Some(a.id));
    tx.set_inbox_agent_bot(acc, inbox.id, Some(b.id), 6).await.unwrap();
    assert_eq!(tx.inbox_agent_bot(inbox.id).await.unwrap().map(|x| x.id), Some(b.id));
    assert_eq!(tx.agent_bot_inboxes(b.id).await.unwrap(), [inbox.id]);
    assert!(tx.agent_bot_inboxes(a.id).await.unwrap().is_empty());
    let mut changed = b.clone();
    changed.name = "b2".into();
    changed.outgoing_url = None;
    changed.updated_at = 9;
    tx.update_agent_bot(&changed).await.unwrap();
    let got = tx.get_agent_bot(acc, b.id).await.unwrap().unwrap();
    assert_eq!((got.name.as_str(), got.outgoing_url, got.updated_at), ("b2", None, 9));
    tx.set_access_token("AgentBot", b.id, "bot-token", 1).await.unwrap();
    let d = switchboard_store::NewDelivery {
        account_id: acc,
        webhook_id: None,
        inbox_id: None,
        message_id: None,
        automation_rule_id: None,
        agent_bot_id: Some(b.id),
        delivery_uuid: "b1".into(),
        event: "message_created".into(),
        url: "https://bot.example/hook".into(),
        payload: "{}".into(),
    };
    tx.insert_deliveries(&[d], 10).await.unwrap();
    assert_eq!(
        tx.list_deliveries(acc, DeliveryOwner::AgentBot(b.id), None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        tx.list_deliveries(acc + 1, DeliveryOwner::AgentBot(b.id), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mut given = conv.clone();
    given.assignee_agent_bot_id = Some(b.id);
    tx.save_conversation(&given).await.unwrap();
    // Deleted: its inbox link, deliveries and token go too, and the
    // conversation given to it is no one's.
    assert!(!tx.delete_agent_bot(acc + 1, b.id).await.unwrap());
    assert!(tx.delete_agent_bot(acc, b.id).await.unwrap());
    tx.delete_access_token("AgentBot", b.id).await.unwrap();
    assert!(tx.inbox_agent_bot(inbox.id).await.unwrap().is_none());
    assert!(
        tx.list_deliveries(acc, DeliveryOwner::AgentBot(b.id), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(tx.find_access_token("bot-token").await.unwrap().is_none());
    let after = tx.get_conversation_by_id(conv.id).await.unwrap().unwrap();
    assert_eq!(after.assignee_agent_bot_id, None);
    tx.set_inbox_agent_bot(acc, inbox.id, None, 11).await.unwrap();
    tx.commit().await.unwrap();
}
conformance!(agent_bots_per_account);
