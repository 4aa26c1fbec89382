//! The SQLite and PostgreSQL migrations must build the same database: the
//! same tables, the same columns (and which may be NULL), and the same
//! indexes and unique constraints over the same columns (primary keys
//! aside, which each backend spells its own way). Column types differ on
//! purpose (JSONB against TEXT, BIGINT against INTEGER) and are not compared.
//! Requires SWITCHBOARD_TEST_POSTGRES_URL (CI=true makes its absence fail).

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;
use switchboard_store_sql::{ConnectOptions, connect};

/// Per table: its columns (name -> NOT NULL) and its indexes as
/// "unique?|partial?|columns" (expression columns as `<expr>`).
#[derive(Debug, Default, PartialEq)]
struct Table {
    columns: BTreeMap<String, bool>,
    indexes: BTreeSet<String>,
}

type Schema = BTreeMap<String, Table>;

/// Tables whose names start with these are search storage (see below).
const SEARCH_STORAGE: [&str; 5] = [
    "message_words",
    "message_grams",
    "message_search",
    "contact_grams",
    "contact_search",
];

fn index_key(unique: bool, partial: bool, columns: &[String]) -> String {
    format!(
        "{}{}({})",
        if unique { "unique " } else { "" },
        if partial { "partial " } else { "" },
        columns.join(", ")
    )
}

async fn sqlite_schema(path: &std::path::Path) -> Schema {
    let url = format!("sqlite://{}", path.display());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for t in tables {
        let mut table = Table::default();
        let cols = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info(\"{t}\")")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for c in cols {
            let name: String = c.get("name");
            let notnull: i64 = c.get("notnull");
            let pk: i64 = c.get("pk");
            // A primary key is never NULL, however it is declared.
            table.columns.insert(name, notnull == 1 || pk > 0);
        }
        let idx = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA index_list(\"{t}\")")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for i in idx {
            let origin: String = i.get("origin");
            if origin == "pk" {
                continue;
            }
            let name: String = i.get("name");
            let unique: i64 = i.get("unique");
            let partial: i64 = i.get("partial");
            let cols = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA index_xinfo(\"{name}\")")))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let columns: Vec<String> = cols
                .iter()
                .filter(|c| c.get::<i64, _>("key") == 1)
                .map(|c| c.get::<Option<String>, _>("name").unwrap_or_else(|| "<expr>".into()))
                .collect();
            table.indexes.insert(index_key(unique == 1, partial == 1, &columns));
        }
        schema.insert(t, table);
    }
    schema
}

async fn postgres_schema(base: &str, schema_name: &str) -> Schema {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(base).await.unwrap();
    let cols = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, is_nullable::text AS n \
         FROM information_schema.columns WHERE table_schema = $1 AND table_name NOT LIKE '_sqlx%'",
    )
    .bind(schema_name)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for r in cols {
        let t: String = r.get("t");
        let c: String = r.get("c");
        let n: String = r.get("n");
        schema.entry(t).or_default().columns.insert(c, n == "NO");
    }
    // Each index with its key columns in order (0 in indkey is an expression).
    let idx = sqlx::query(
        "SELECT t.relname::text AS t, ix.indisunique AS u, ix.indpred IS NOT NULL AS p, \
                ARRAY(SELECT COALESCE(a.attname::text, '<expr>') \
                      FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                      LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                      WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord) AS cols \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = $1 AND NOT ix.indisprimary AND t.relname NOT LIKE '_sqlx%'",
    )
    .bind(schema_name)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for r in idx {
        let t: String = r.get("t");
        let unique: bool = r.get("u");
        let partial: bool = r.get("p");
        let columns: Vec<String> = r.get("cols");
        schema
            .entry(t)
            .or_default()
            .indexes
            .insert(index_key(unique, partial, &columns));
    }
    schema
}

#[tokio::test]
async fn both_backends_migrate_to_the_same_schema() {
    let base = match std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                std::env::var("CI").map(|v| v != "true" && v != "1").unwrap_or(true),
                "CI requires SWITCHBOARD_TEST_POSTGRES_URL"
            );
            return;
        }
    };
    // SQLite: a fresh file, migrated by connecting.
    let dir = std::env::temp_dir().join(format!("sb-schema-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.db");
    let store = connect(&format!("sqlite://{}", file.display()), &ConnectOptions::default())
        .await
        .unwrap();
    drop(store);
    let lite = sqlite_schema(&file).await;
    let _ = std::fs::remove_dir_all(&dir);

    // PostgreSQL: a fresh schema, migrated by connecting.
    let name = format!("c_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let store = connect(
        &format!("{base}{sep}options=-c%20search_path%3D{name}"),
        &ConnectOptions::default(),
    )
    .await
    .unwrap();
    drop(store);
    let pg = postgres_schema(&base, &name).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {name} CASCADE")))
        .execute(&mut conn)
        .await
        .unwrap();

    assert!(lite.len() > 20, "the SQLite schema was read: {:?}", lite.keys());
    let mut differences = Vec::new();
    let tables: BTreeSet<&String> = lite.keys().chain(pg.keys()).collect();
    for t in tables {
        // Search indexes are each backend's own kind of storage (FTS5
        // tables and their shadow tables; a table under GIN indexes),
        // holding the same terms: search's conformance tests compare them
        // by their answers instead.
        if SEARCH_STORAGE.iter().any(|p| t.starts_with(p)) {
            continue;
        }
        match (lite.get(t), pg.get(t)) {
            (Some(_), None) => differences.push(format!("{t}: only on SQLite")),
            (None, Some(_)) => differences.push(format!("{t}: only on PostgreSQL")),
            (Some(a), Some(b)) => {
                let names: BTreeSet<&String> = a.columns.keys().chain(b.columns.keys()).collect();
                for c in names {
                    match (a.columns.get(c), b.columns.get(c)) {
                        (Some(x), Some(y)) if x != y => {
                            differences.push(format!("{t}.{c}: NOT NULL on SQLite {x}, on PostgreSQL {y}"))
                        }
                        (Some(_), None) => differences.push(format!("{t}.{c}: only on SQLite")),
                        (None, Some(_)) => differences.push(format!("{t}.{c}: only on PostgreSQL")),
                        _ => {}
                    }
                }
                for i in a.indexes.difference(&b.indexes) {
                    differences.push(format!("{t}: index {i} only on SQLite"));
                }
                for i in b.indexes.difference(&a.indexes) {
                    differences.push(format!("{t}: index {i} only on PostgreSQL"));
                }
            }
            (None, None) => {}
        }
    }
    assert!(
        differences.is_empty(),
        "the migrations differ:\n{}",
        differences.join("\n")
    );
}
