//! `switchboard bench deliveries` and `switchboard bench jobs`: the channel
//! delivery pipeline and the job queue under it.
//!
//! `fake` is the stand-in Telegram Bot API, `sqlcount` counts the
//! statements sqlx runs; `deliveries` and `jobs` are the two benches.

mod deliveries;
mod fake;
mod jobs;
mod sqlcount;

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::BenchArgs;

pub use deliveries::deliveries;
pub use jobs::jobs;

// ---------------------------------------------------------------- helpers

async fn fresh_pg_schema(base: &str) -> anyhow::Result<(String, String)> {
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(base)
        .await
        .context("connecting to PostgreSQL")?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok((format!("{base}{sep}options=-c%20search_path%3D{schema}"), schema))
}

async fn drop_pg_schema(base: &str, schema: &str) {
    if let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(base).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut conn)
            .await;
    }
}

/// Runs a bench on a fresh SQLite file and, with `--postgres-url`, in a
/// throwaway PostgreSQL schema (dropped afterwards, whatever the outcome).
async fn each_backend<T, F, Fut>(name: &str, args: &BenchArgs, run: F) -> anyhow::Result<Vec<T>>
where
    F: Fn(&'static str, String, std::path::PathBuf) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let dir = std::env::temp_dir().join(format!("switchboard-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let mut results = Vec::new();
    let sqlite_url = format!("sqlite://{}/bench.db", dir.display());
    results.push(run("sqlite", sqlite_url, dir.clone()).await?);
    match &args.postgres_url {
        Some(base) => {
            let (url, schema) = fresh_pg_schema(base).await?;
            let r = run("postgres", url, dir.clone()).await;
            drop_pg_schema(base, &schema).await;
            results.push(r?);
        }
        None => println!("postgres: skipped (set --postgres-url or SWITCHBOARD_BENCH_POSTGRES_URL)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(results)
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// CPU use over an interval: the whole machine's (from /proc/stat) and this
/// process's (from /proc/self/stat), in cores.
struct Cpu {
    at: Instant,
    busy: u64,
    total: u64,
    own: u64,
}

impl Cpu {
    fn now() -> Cpu {
        let (busy, total) = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let line = s.lines().next()?.to_string();
                let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
                let total: u64 = v.iter().sum();
                // idle + iowait
                let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
                Some((total - idle, total))
            })
            .unwrap_or((0, 0));
        let own = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                let rest = s.rsplit_once(") ")?.1.to_string();
                let f: Vec<&str> = rest.split_whitespace().collect();
                Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
            })
            .unwrap_or(0);
        Cpu {
            at: Instant::now(),
            busy,
            total,
            own,
        }
    }

    /// "machine X of N cores busy, this process Y cores".
    fn since(&self) -> String {
        let now = Cpu::now();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64;
        let machine = (now.busy - self.busy) as f64 / (now.total - self.total).max(1) as f64 * cores;
        // Clock ticks are 100 a second on Linux.
        let own = (now.own - self.own) as f64 / 100.0 / self.at.elapsed().as_secs_f64().max(1e-9);
        format!("CPU: machine {machine:.2} of {cores:.0} cores busy, this process {own:.2} cores")
    }
}

/// Runs `sql` on the bench's own database, beside the store.
async fn direct(url: &str, sql: &str) -> anyhow::Result<()> {
    if url.starts_with("postgres") {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut conn)
            .await?;
    } else {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}
