//! The hot reads' query plans on SQLite, over a seeded account: the store's
//! own statements (captured from the driver's statement log as the store
//! runs them) are explained one by one, and none may walk a large table or
//! sort it whole. Covers the conversation list and its counts, an agent's
//! view, a label folder, the contacts list and its next page by cursor, a
//! conversation's messages, the unread counts of a page and message search
//! (a frequent word, a substring), contact search and conversations found by
//! their contact or their messages.

use std::sync::{Arc, Mutex, OnceLock};

use sqlx::Row;
use switchboard_store::{ContactQuery, ContactSort, ConversationQuery, MessageQuery, Store};
use switchboard_store_sql::{ConnectOptions, connect};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Statements the driver logged, in order.
fn captured() -> &'static Mutex<Vec<String>> {
    static LOG: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    LOG.get_or_init(|| Mutex::new(Vec::new()))
}

struct Capture;

#[derive(Default)]
struct Fields {
    summary: String,
    statement: String,
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.statement = value.to_string(),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        let text = text.trim_matches('"').to_string();
        match field.name() {
            "summary" if self.summary.is_empty() => self.summary = text,
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut f = Fields::default();
        event.record(&mut f);
        // Long statements come whole in db.statement; short ones are their
        // own summary.
        let sql = if f.statement.trim().is_empty() {
            f.summary
        } else {
            f.statement
        };
        captured().lock().unwrap().push(sql.trim().to_string());
    }
}

/// Tables that grow with history.
const LARGE: [&str; 5] = [
    "conversations",
    "messages",
    "contacts",
    "conversation_labels",
    "contact_inboxes",
];

async fn seed(url: &str) {
    drop(connect(url, &ConnectOptions::default()).await.unwrap());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO accounts (id, name, created_at, updated_at) VALUES (1, 'A', 0, 0), (2, 'B', 0, 0)",
        "INSERT INTO inboxes (id, account_id, name, channel_type, channel_key, hmac_token, secret, created_at, updated_at) \
         VALUES (1, 1, 'one', 0, 'k1', 'h1', 's', 0, 0), (2, 1, 'two', 0, 'k2', 'h2', 's', 0, 0), \
                (3, 2, 'other', 0, 'k3', 'h3', 's', 0, 0)",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
         INSERT INTO contacts (id, account_id, name, email, last_activity_at, created_at, updated_at) \
         SELECT i, CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END, 'Contact ' || i, \
                CASE WHEN i % 3 = 0 THEN NULL ELSE 'c' || i || '@x.io' END, \
                CASE WHEN i % 5 = 0 THEN NULL ELSE i * 7 % 1000 END, i, i FROM n",
        "INSERT INTO contact_inboxes (id, account_id, contact_id, inbox_id, source_id, pubsub_token, created_at, updated_at) \
         SELECT id, account_id, id, CASE WHEN account_id = 2 THEN 3 ELSE 1 + id % 2 END, 's' || id, 'p' || id, 0, 0 \
         FROM contacts",
        "INSERT INTO conversations (id, account_id, inbox_id, display_id, uuid, status, assignee_id, contact_id, \
                                    contact_inbox_id, last_activity_at, created_at, updated_at) \
         SELECT id, account_id, inbox_id, id, 'u' || id, id % 4, NULL, contact_id, id, id, id, id FROM contact_inboxes",
        "INSERT INTO conversation_labels (conversation_id, account_id, label) \
         SELECT id, account_id, CASE WHEN id % 2 = 0 THEN 'billing' ELSE 'vip' END FROM conversations WHERE id % 3 = 0",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4) \
         INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, created_at, updated_at) \
         SELECT c.account_id, c.inbox_id, c.id, i % 2, 'hello ' || c.id, c.id * 10 + i, c.id * 10 + i \
         FROM conversations c, n",
        // Indexed for search by the backfill, as rows from before search are.
        "UPDATE search_backfill SET next_id = (SELECT MAX(id) FROM messages) WHERE name = 'messages'",
        "UPDATE search_backfill SET next_id = (SELECT MAX(id) FROM contacts) WHERE name = 'contacts'",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_reads_use_indexes() {
    let dir = std::env::temp_dir().join(format!("sb-plans-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("p.db").display());
    seed(&url).await;
    // Opening again brings the planner's statistics up to date.
    let store: Arc<dyn Store> = connect(&url, &ConnectOptions::default()).await.unwrap();
    loop {
        let mut tx = store.write().await.unwrap();
        let n = tx.backfill_search(10_000).await.unwrap();
        tx.commit().await.unwrap();
        if n == 0 {
            break;
        }
    }
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(tracing_subscriber::filter::Targets::new().with_target("sqlx::query", tracing::Level::TRACE))
            .with(Capture),
    )
    .unwrap();

    let mut tx = store.read().await.unwrap();
    let mut q = ConversationQuery::new(1, 7);
    q.statuses = Some(vec![0]);
    q.limit = 25;
    let page = tx.list_conversations(&q).await.unwrap();
    assert_eq!(page.len(), 25);
    tx.conversation_counts(&q).await.unwrap();
    let agent = ConversationQuery {
        visible_inboxes: Some(vec![1]),
        ..q.clone()
    };
    tx.list_conversations(&agent).await.unwrap();
    tx.conversation_counts(&agent).await.unwrap();
    let folder = ConversationQuery {
        labels: vec!["vip".into()],
        ..q.clone()
    };
    tx.conversation_counts(&folder).await.unwrap();
    let inbox = ConversationQuery {
        inbox_id: Some(2),
        ..q.clone()
    };
    tx.list_conversations(&inbox).await.unwrap();
    let after = ConversationQuery {
        after: Some((page[24].last_activity_at, page[24].id)),
        ..q.clone()
    };
    tx.list_conversations(&after).await.unwrap();
    let unread: Vec<(i64, Option<i64>)> = page.iter().map(|c| (c.id, c.agent_last_seen_at)).collect();
    tx.unread_counts(&unread, 10).await.unwrap();
    tx.list_messages(&MessageQuery {
        conversation_id: page[0].id,
        before: None,
        after: None,
        limit: 20,
        public_only: false,
    })
    .await
    .unwrap();
    let hits = tx.search_messages(1, None, "hello", 15, 0).await.unwrap();
    assert_eq!(hits.len(), 15, "a frequent word: a page, newest first");
    tx.search_messages(1, Some(&[1]), "ello 12", 15, 0).await.unwrap();
    let by_contact = ConversationQuery {
        matching: Some("contact 1234".into()),
        ..q.clone()
    };
    assert!(!tx.list_conversations(&by_contact).await.unwrap().is_empty());
    let by_text = ConversationQuery {
        q: Some("hello".into()),
        ..q.clone()
    };
    tx.list_conversations(&by_text).await.unwrap();
    let mut contacts = ContactQuery {
        account_id: 1,
        search: None,
        labels: Vec::new(),
        sort: ContactSort::LastActivityAt,
        descending: true,
        only_resolved: true,
        limit: 15,
        offset: 0,
        after: None,
    };
    let (rows, count) = tx.list_contacts(&contacts).await.unwrap();
    assert_eq!(rows.len(), 15);
    assert!(count > 10_000, "{count}");
    let last = rows.last().unwrap();
    contacts.after = Some((last.last_activity_at, last.id));
    tx.list_contacts(&contacts).await.unwrap();
    contacts.sort = ContactSort::CreatedAt;
    contacts.after = None;
    tx.list_contacts(&contacts).await.unwrap();
    contacts.search = Some("c1234@".into());
    let (found, _) = tx.list_contacts(&contacts).await.unwrap();
    assert_eq!(found.len(), 1, "searched through the index");
    drop(tx);

    let statements: Vec<String> = std::mem::take(&mut *captured().lock().unwrap());
    let reads: Vec<&String> = statements
        .iter()
        .filter(|s| s.to_uppercase().starts_with("SELECT"))
        .collect();
    assert!(reads.len() >= 14, "the store's reads were captured: {statements:#?}");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let mut bad = Vec::new();
    for sql in reads {
        let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("detail"))
            .collect();
        for step in &plan {
            let walks = LARGE
                .iter()
                .any(|t| step == &format!("SCAN {t}") || step.starts_with(&format!("SCAN {t} USING INDEX")));
            // Sorting is fine over search hits (a full-text index drives
            // the read), not over a large table's rows.
            let sorts_all = step.starts_with("USE TEMP B-TREE FOR ORDER BY")
                && LARGE.iter().any(|t| sql.contains(&format!("FROM {t} ")))
                && !plan.iter().any(|s| s.contains("VIRTUAL TABLE"));
            if walks || sorts_all {
                bad.push(format!("{sql}\n  -> {}", plan.join(" | ")));
                break;
            }
        }
    }
    assert!(
        bad.is_empty(),
        "reads that walk or sort a large table:\n{}",
        bad.join("\n\n")
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
