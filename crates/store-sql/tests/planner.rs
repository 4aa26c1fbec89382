//! SQLite's planner has statistics: the store runs `PRAGMA optimize` when
//! it opens (and every hour), so a hot read over a grown table uses the
//! index that fits it. Seeded with thousands of contacts in one account, an
//! `id IN (...)` read must look rows up by primary key, not walk the
//! account's contacts by the `(account_id, id)` index as it did without
//! statistics.

use switchboard_store_sql::{ConnectOptions, connect};

#[tokio::test]
async fn the_planner_has_statistics() {
    let dir = std::env::temp_dir().join(format!("sb-planner-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("p.db").display());
    // The schema, then the rows, written as another program would.
    drop(connect(&url, &ConnectOptions::default()).await.unwrap());
    {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query("INSERT INTO accounts (id, name, created_at, updated_at) VALUES (1, 'A', 0, 0), (2, 'B', 0, 0)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
             INSERT INTO contacts (account_id, name, created_at, updated_at) \
             SELECT CASE WHEN i % 50 = 0 THEN 2 ELSE 1 END, 'Contact ' || i, i, i FROM n",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    // Opening the store again brings the statistics up to date.
    let store = connect(&url, &ConnectOptions::default()).await.unwrap();
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let stats: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'contacts'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(stats > 0, "contacts were analysed");
    use sqlx::Row;
    // A page's worth of ids, as a list page reads its contacts.
    let ids = (1..=25).map(|i| (i * 37).to_string()).collect::<Vec<_>>().join(", ");
    let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "EXPLAIN QUERY PLAN SELECT * FROM contacts WHERE account_id = 1 AND id IN ({ids})"
    )))
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("detail"))
    .collect();
    let text = plan.join(" | ");
    assert!(text.contains("PRIMARY KEY"), "looked up by id: {text}");
    assert!(!text.contains("SCAN contacts"), "no walk over the contacts: {text}");
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
