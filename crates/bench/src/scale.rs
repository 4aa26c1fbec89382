//! `switchboard bench scale`: the daily screens and searches at a history
//! size. Per size in `--sizes` (conversations) and backend: one account
//! with two API inboxes, seeded directly in the database (0.75 contacts per
//! conversation, `--per-conversation` messages each, 5 % open, a tenth
//! labelled `vip`, a rare word in ten messages), the planner's statistics
//! refreshed and the counters folded as the server would; then each
//! endpoint asked `--requests` times in a row, warm, through HTTP (p50 and
//! p99), beside raw SQL of the same work on a connection of its own.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{BenchArgs, Harness, fresh_pg_schema, machine, quantile_of};

/// The rare word seeded into ten messages and five contacts.
const RARE: &str = "xylophone";

struct Row {
    size: usize,
    what: String,
    /// p50 and p99 per backend, in the order measured.
    figures: Vec<(&'static str, Duration, Duration)>,
}

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    switchboard_outbound::install_crypto_provider();
    println!("machine: {}", machine());
    let sizes: Vec<usize> = args
        .sizes
        .split(',')
        .filter_map(|s| s.trim().replace('_', "").parse().ok())
        .collect();
    anyhow::ensure!(
        !sizes.is_empty(),
        "--sizes lists conversation counts, e.g. 10000,100000"
    );
    println!(
        "scale: {} conversations, {} messages each, {} sequential requests per endpoint",
        args.sizes, args.per_conversation, args.requests
    );
    let mut rows: Vec<Row> = Vec::new();
    for &size in &sizes {
        let dir = std::env::temp_dir().join(format!("switchboard-bench-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        let mut backends = vec![("sqlite", format!("sqlite://{}/bench.db", dir.display()))];
        match &args.postgres_url {
            Some(base) => backends.push(("postgres", fresh_pg_schema(base).await?)),
            None => println!("postgres: skipped (set --postgres-url or SWITCHBOARD_BENCH_POSTGRES_URL)"),
        }
        for (name, url) in backends {
            let measured = backend(name, &url, size, args).await?;
            for (what, p50, p99) in measured {
                match rows.iter_mut().find(|r| r.size == size && r.what == what) {
                    Some(r) => r.figures.push((name, p50, p99)),
                    None => rows.push(Row {
                        size,
                        what,
                        figures: vec![(name, p50, p99)],
                    }),
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!();
    println!("| conversations | request | SQLite p50 (p99) | PostgreSQL p50 (p99) |");
    println!("|---|---|---|---|");
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for r in &rows {
        let cell = |b: &str| {
            r.figures
                .iter()
                .find(|f| f.0 == b)
                .map(|f| format!("{:.1} ({:.1}) ms", ms(f.1), ms(f.2)))
                .unwrap_or_else(|| "-".into())
        };
        println!(
            "| {} | {} | {} | {} |",
            r.size,
            r.what,
            cell("sqlite"),
            cell("postgres")
        );
    }
    Ok(())
}

/// A numbers table of 1..=n for INSERT ... SELECT: (prefix, FROM item).
fn numbers(pg: bool, n: usize) -> (String, String) {
    if pg {
        (String::new(), format!("generate_series(1, {n}) AS n(i)"))
    } else {
        (
            format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) "),
            "n".into(),
        )
    }
}

async fn raw_exec(url: &str, sql: &str) -> anyhow::Result<()> {
    if url.starts_with("postgres") {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await?;
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await?;
    }
    Ok(())
}

/// `sql` run `n` times on one connection of its own: sorted durations.
async fn raw_timed(url: &str, sql: &str, n: usize) -> anyhow::Result<Vec<Duration>> {
    let mut out = Vec::with_capacity(n);
    if url.starts_with("postgres") {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
        for _ in 0..n + 3 {
            let t = Instant::now();
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .fetch_all(&mut c)
                .await?;
            out.push(t.elapsed());
        }
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await?;
        for _ in 0..n + 3 {
            let t = Instant::now();
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .fetch_all(&mut c)
                .await?;
            out.push(t.elapsed());
        }
    }
    out.drain(..3);
    out.sort();
    Ok(out)
}

async fn seed(h: &Harness, url: &str, size: usize, per_conversation: usize, inboxes: [i64; 2]) -> anyhow::Result<()> {
    let pg = url.starts_with("postgres");
    let (acc, admin) = (h.account, h.core_admin().await?);
    let contacts = (size * 3 / 4).max(1);
    let base = 10_000_000usize;
    let rare_every = (size / 10).max(1);
    let t0 = 1_700_000_000_000_000i64;
    let (cte, from) = numbers(pg, contacts);
    let [a, b] = inboxes;
    let statements = vec![
        format!(
            "{cte}INSERT INTO contacts (id, account_id, name, email, phone_number, last_activity_at, created_at, updated_at) \
             SELECT {base} + i, {acc}, \
                    CASE WHEN i % {rare} = 5 THEN 'Customer {RARE} ' || i ELSE 'Customer ' || i END, \
                    CASE WHEN i % 10 = 0 THEN NULL ELSE 'c' || i || '@example.com' END, \
                    CASE WHEN i % 10 = 0 THEN '+1555' || i ELSE NULL END, \
                    CASE WHEN i % 8 = 0 THEN NULL ELSE {t0} + i * 1000 END, {t0} + i, {t0} + i FROM {from}",
            rare = (contacts / 5).max(1)
        ),
        format!(
            "INSERT INTO contact_inboxes (id, account_id, contact_id, inbox_id, source_id, pubsub_token, created_at, updated_at) \
             SELECT id, {acc}, id, CASE WHEN id % 2 = 0 THEN {a} ELSE {b} END, 'seed-' || id, 'seed-p' || id, {t0}, {t0} \
             FROM contacts WHERE account_id = {acc} AND id > {base}"
        ),
        {
            let (cte, from) = numbers(pg, size);
            format!(
                "{cte}INSERT INTO conversations (id, account_id, inbox_id, display_id, uuid, status, assignee_id, contact_id, \
                 contact_inbox_id, last_activity_at, created_at, updated_at) \
                 SELECT {base} + i, {acc}, CASE WHEN ({base} + 1 + i % {contacts}) % 2 = 0 THEN {a} ELSE {b} END, \
                        1000 + i, 'seed-' || i, \
                        CASE WHEN i % 20 = 0 THEN 0 WHEN i % 20 = 1 THEN 2 ELSE 1 END, \
                        CASE WHEN i % 3 = 0 THEN {admin} ELSE NULL END, \
                        {base} + 1 + i % {contacts}, {base} + 1 + i % {contacts}, \
                        {t0} + i * 1000, {t0} + i * 1000, {t0} + i * 1000 FROM {from}"
            )
        },
        format!("UPDATE accounts SET last_display_id = {} WHERE id = {acc}", size + 1000),
        format!(
            "INSERT INTO conversation_labels (conversation_id, account_id, label) \
             SELECT id, {acc}, 'vip' FROM conversations WHERE account_id = {acc} AND id > {base} AND id % 10 = 0"
        ),
        {
            let (cte, from) = numbers(pg, per_conversation);
            format!(
                "{cte}INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, created_at, updated_at) \
                 SELECT c.account_id, c.inbox_id, c.id, n.i % 2, \
                        CASE WHEN n.i = 1 AND c.id % {rare_every} = 7 THEN 'Where is my {RARE} order ' || c.id \
                             ELSE 'Hello, a question about order ' || c.id || ' part ' || n.i END, \
                        c.created_at + n.i, c.created_at + n.i \
                 FROM conversations c, {from} WHERE c.account_id = {acc} AND c.id > {base}"
            )
        },
        // Indexed for search by the backfill, as rows from before an
        // upgrade are.
        "UPDATE search_backfill SET next_id = (SELECT MAX(id) FROM messages) WHERE name = 'messages'".to_string(),
        "UPDATE search_backfill SET next_id = (SELECT MAX(id) FROM contacts) WHERE name = 'contacts'".to_string(),
    ];
    for sql in statements {
        let t = Instant::now();
        raw_exec(url, &sql).await?;
        tracing::debug!(elapsed = ?t.elapsed(), "seeded");
    }
    let err = |e: switchboard_store::StoreError| anyhow::anyhow!("{e}");
    loop {
        let mut tx = h.core.store.write().await.map_err(err)?;
        let n = tx.backfill_search(20_000).await.map_err(err)?;
        tx.commit().await.map_err(err)?;
        if n == 0 {
            break;
        }
    }
    // The counters' ledgers folded, as the job runner would, and the
    // planner's statistics brought up to date.
    let mut tx = h.core.store.write().await.map_err(err)?;
    tx.fold_counts(1).await.map_err(err)?;
    tx.commit().await.map_err(err)?;
    raw_exec(url, if pg { "ANALYZE" } else { "PRAGMA optimize = 0x10002" }).await?;
    Ok(())
}

impl Harness {
    /// The administrator's user id.
    async fn core_admin(&self) -> anyhow::Result<i64> {
        let profile = self
            .client
            .get(format!(
                "{}/api/v1/profile",
                self.base.split("/api/").next().unwrap_or("")
            ))
            .header("api_access_token", &self.token)
            .send()
            .await?
            .json::<serde_json::Value>()
            .await?;
        profile["id"].as_i64().ok_or_else(|| anyhow::anyhow!("no profile id"))
    }
}

async fn backend(
    name: &'static str,
    url: &str,
    size: usize,
    args: &BenchArgs,
) -> anyhow::Result<Vec<(String, Duration, Duration)>> {
    let h = Harness::start(url, |_| {}).await?;
    let mut inboxes = [0i64; 2];
    for (i, n) in ["One", "Two"].iter().enumerate() {
        inboxes[i] = h
            .call(
                reqwest::Method::POST,
                "/inboxes",
                Some(json!({ "name": n, "channel": { "type": "api" } })),
            )
            .await?["id"]
            .as_i64()
            .unwrap_or(0);
    }
    h.call(reqwest::Method::POST, "/labels", Some(json!({ "title": "vip" })))
        .await?;
    let t = Instant::now();
    seed(&h, url, size, args.per_conversation, inboxes).await?;
    println!(
        "{name}: {size} conversations seeded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let contacts_page_1 = h.call(reqwest::Method::GET, "/contacts", None).await?;
    let mut cursor = contacts_page_1["meta"]["next_cursor"]
        .as_str()
        .unwrap_or("")
        .to_string();
    // The cursor of a page deep in the list.
    for _ in 0..20 {
        let v = h
            .call(reqwest::Method::GET, &format!("/contacts?cursor={cursor}"), None)
            .await?;
        match v["meta"]["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    let conv = h.call(reqwest::Method::GET, "/conversations?status=open", None).await?["data"]["payload"][0]["id"]
        .as_i64()
        .unwrap_or(1);
    let acc = h.account;
    let requests = [
        (
            "conversation list with its counts",
            "/conversations?status=open".to_string(),
        ),
        ("folder counts (meta)", "/conversations/meta?status=open".to_string()),
        (
            "filter status + label",
            "/conversations?status=open&labels[]=vip".to_string(),
        ),
        ("resolved, all inboxes", "/conversations?status=resolved".to_string()),
        ("messages of a conversation", format!("/conversations/{conv}/messages")),
        ("contacts page 1", "/contacts".to_string()),
        ("contacts page 1000 (offset)", "/contacts?page=1000".to_string()),
        ("contacts page after a cursor", format!("/contacts?cursor={cursor}")),
        ("contacts search, a rare word", format!("/contacts/search?q={RARE}")),
        ("/search (all kinds), a rare word", format!("/search?q={RARE}")),
        ("/search/messages, a rare word", format!("/search/messages?q={RARE}")),
    ];
    let mut out = Vec::new();
    for (what, path) in requests {
        let mut times = Vec::with_capacity(args.requests);
        for i in 0..args.requests + 3 {
            let t = Instant::now();
            h.call(reqwest::Method::GET, &path, None).await?;
            if i >= 3 {
                times.push(t.elapsed());
            }
        }
        times.sort();
        out.push((what.to_string(), quantile_of(&times, 0.5), quantile_of(&times, 0.99)));
    }
    let raw = [
        (
            "raw: list page (25 ids)",
            format!(
                "SELECT id FROM conversations WHERE account_id = {acc} AND status = 0 \
                 ORDER BY last_activity_at DESC, id DESC LIMIT 25"
            ),
        ),
        (
            "raw: counting open conversations row by row",
            format!("SELECT COUNT(*) FROM conversations WHERE account_id = {acc} AND status = 0"),
        ),
        (
            "raw: messages LIKE a rare word",
            format!(
                "SELECT id FROM messages WHERE account_id = {acc} AND LOWER(content) LIKE '%{RARE}%' \
                 ORDER BY id DESC LIMIT 15"
            ),
        ),
    ];
    for (what, sql) in raw {
        let times = raw_timed(url, &sql, args.requests).await?;
        out.push((what.to_string(), quantile_of(&times, 0.5), quantile_of(&times, 0.99)));
    }
    h.server.stop().await;
    Ok(out)
}
