//! `jobs`: the job queue's claim -> complete cycle with nothing executed, as
//! the runner drives it (one claim of up to the free permits, each job
//! completed in its own write transaction, `job_concurrency` at once), the
//! same over queue keys, the runner itself on `deliver` jobs whose delivery
//! row does not exist (execute = one read transaction, one SELECT by key),
//! the cost of one claim at a given queue depth, and two what-ifs sized
//! here without touching the store: completions grouped into one
//! transaction, and a claim that reads due jobs in index order. The runner
//! has no way to register a kind, so no true no-op kind runs through it.
//! The baseline is one-row insert + delete transactions on the same store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use switchboard_domain::time::now_micros;
use switchboard_store::{NewJob, Store};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use super::sqlcount;
use super::{Cpu, direct, each_backend, ms};
use crate::BenchArgs;
use switchboard_app::config::{Options, Settings};

struct JobFigures {
    backend: &'static str,
    jobs: usize,
    cycle: f64,
    grouped: f64,
    keyed: (u64, f64, bool),
    runner: f64,
    near_noop: f64,
    baseline: f64,
    insert: f64,
}

/// Runs the production runner over `n` jobs made by `make` until all are
/// done; prints and returns jobs per second (with statement counts when
/// counting).
async fn runner_on(
    core: &Arc<switchboard_core::Core>,
    store: &Arc<dyn Store>,
    url: &str,
    n: usize,
    make: fn(usize, usize) -> NewJob,
    counting: bool,
    label: &str,
) -> anyhow::Result<f64> {
    insert_jobs(store, n, 0, make).await?;
    if url.starts_with("postgres") {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    let base = core.job_counters.completed.load(Ordering::Relaxed) as usize;
    let cpu = Cpu::now();
    let started = Instant::now();
    let (stop, rx) = watch::channel(false);
    let runner = tokio::spawn(switchboard_core::jobs::run(core.clone(), rx));
    while (core.job_counters.completed.load(Ordering::Relaxed) as usize) < base + n {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(300),
            "the runner did not finish"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let used = cpu.since();
    if counting {
        let m = (n / 10).clamp(200, 2000);
        let before = core.job_counters.completed.load(Ordering::Relaxed) as usize;
        sqlcount::start();
        insert_jobs(store, m, 0, make).await?;
        while (core.job_counters.completed.load(Ordering::Relaxed) as usize) < before + m {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let v = sqlcount::stop();
        println!(
            "{label}: {rate:.0} jobs/s; {used}; {} (the one multi-row INSERT inserted them)",
            sqlcount::describe(&v, m, "job")
        );
    } else {
        println!("{label}: {rate:.0} jobs/s; {used}");
    }
    let _ = stop.send(true);
    let _ = runner.await;
    Ok(rate)
}

pub async fn jobs(args: &BenchArgs) -> anyhow::Result<()> {
    let counting = sqlcount::install();
    let concurrency = switchboard_core::CoreConfig::default().job_concurrency;
    println!("machine: {}", crate::machine());
    println!(
        "jobs: {} jobs per backend and pass, {concurrency} at once (the runner's default), nothing executed",
        args.messages
    );
    let results = each_backend("jobs", args, |backend, url, dir| async move {
        jobs_backend(backend, &url, &dir, args, counting).await
    })
    .await?;
    println!();
    println!(
        "| backend | jobs | claim -> complete jobs/s (runner's loop, no-op) | runner on no-op jobs/s | runner on near-no-op jobs/s | same cycle over 128 queue keys | completions grouped (what-if) | insert + delete tx/s (baseline) | cycle / baseline | multi-row insert jobs/s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for f in &results {
        let (done, rate, capped) = f.keyed;
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.0}{} | {:.0} | {:.0} | {:.2} | {:.0} |",
            f.backend,
            f.jobs,
            f.cycle,
            f.runner,
            f.near_noop,
            rate,
            if capped {
                format!(" ({done} done when stopped)")
            } else {
                String::new()
            },
            f.grouped,
            f.baseline,
            f.cycle / f.baseline,
            f.insert
        );
    }
    Ok(())
}

fn noop_job(i: usize, keys: usize) -> NewJob {
    NewJob {
        kind: <switchboard_core::jobs::Noop as switchboard_core::job::BackgroundJob>::KIND.into(),
        payload: json!({ "n": i }),
        run_at: now_micros(),
        max_attempts: 25,
        deadline_at: None,
        unique_key: None,
        queue_key: (keys > 0).then(|| format!("bench:{}", i % keys)),
    }
}

/// Inserts `n` jobs in multi-row statements of 1,000, one transaction each.
async fn insert_jobs(
    store: &Arc<dyn Store>,
    n: usize,
    keys: usize,
    make: fn(usize, usize) -> NewJob,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut i = 0;
    while i < n {
        let chunk: Vec<NewJob> = (i..(i + 1000).min(n)).map(|j| make(j, keys)).collect();
        let mut tx = store.write().await?;
        tx.insert_jobs(&chunk, now_micros()).await?;
        tx.commit().await?;
        i += chunk.len();
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

#[derive(Default)]
struct Cycle {
    done: u64,
    secs: f64,
    claims: u64,
    claimed: u64,
    claim_time: Duration,
    commits: u64,
    acquire_time: Duration,
    complete_time: Duration,
}

impl Cycle {
    fn rate(&self) -> f64 {
        self.done as f64 / self.secs.max(1e-9)
    }

    fn describe(&self) -> String {
        let n = self.done.max(1) as f64;
        format!(
            "{} claims of {:.1} jobs on average, {:.2} ms each ({:.0}% of the run waiting on claims); {} completing transactions ({:.1} jobs each), per job: write connection + BEGIN {:.3} ms, DELETE + COMMIT {:.3} ms",
            self.claims,
            self.claimed as f64 / self.claims.max(1) as f64,
            ms(self.claim_time) / self.claims.max(1) as f64,
            self.claim_time.as_secs_f64() / self.secs.max(1e-9) * 100.0,
            self.commits,
            n / self.commits.max(1) as f64,
            ms(self.acquire_time) / n,
            ms(self.complete_time) / n,
        )
    }
}

/// The runner's loop with nothing executed: claim up to the free permits
/// (one statement), hand each claimed job to a task holding a permit, go
/// again at once when the claim filled every free permit, else wait for a
/// finished job. Each job is completed as the runner does it, in its own
/// write transaction (DELETE + COMMIT); or, with `grouped`, by one
/// completer that deletes every finished job waiting in one transaction.
/// Stops claiming after `limit`.
async fn claim_complete(
    store: &Arc<dyn Store>,
    n: usize,
    concurrency: usize,
    grouped: bool,
    limit: Duration,
) -> anyhow::Result<Cycle> {
    let lease = Duration::from_secs(60).as_micros() as i64;
    let sem = Arc::new(Semaphore::new(concurrency));
    let wake = Arc::new(Notify::new());
    let done = Arc::new(AtomicU64::new(0));
    let commits = Arc::new(AtomicU64::new(0));
    let acquire_ns = Arc::new(AtomicU64::new(0));
    let complete_ns = Arc::new(AtomicU64::new(0));
    let (finished, mut finished_rx) =
        tokio::sync::mpsc::unbounded_channel::<(i64, tokio::sync::OwnedSemaphorePermit)>();
    let completer = {
        let (store, wake, done, commits, acquire_ns, complete_ns) = (
            store.clone(),
            wake.clone(),
            done.clone(),
            commits.clone(),
            acquire_ns.clone(),
            complete_ns.clone(),
        );
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while let Some(first) = finished_rx.recv().await {
                batch.push(first);
                while batch.len() < 512 {
                    match finished_rx.try_recv() {
                        Ok(x) => batch.push(x),
                        Err(_) => break,
                    }
                }
                let t = Instant::now();
                let mut tx = store.write().await?;
                let t2 = Instant::now();
                for (id, _) in &batch {
                    tx.complete_job(*id).await?;
                }
                tx.commit().await?;
                acquire_ns.fetch_add((t2 - t).as_nanos() as u64, Ordering::Relaxed);
                complete_ns.fetch_add(t2.elapsed().as_nanos() as u64, Ordering::Relaxed);
                commits.fetch_add(1, Ordering::Relaxed);
                done.fetch_add(batch.len() as u64, Ordering::Relaxed);
                batch.clear();
                wake.notify_one();
            }
            Ok::<(), anyhow::Error>(())
        })
    };
    let mut running = JoinSet::new();
    let mut c = Cycle::default();
    let started = Instant::now();
    while (done.load(Ordering::Relaxed) as usize) < n && started.elapsed() < limit {
        while let Some(r) = running.try_join_next() {
            r??;
        }
        let free = sem.available_permits();
        let mut claimed = 0;
        if free > 0 {
            let t = Instant::now();
            let jobs = store.claim_jobs(now_micros(), free as i64, lease).await?;
            c.claim_time += t.elapsed();
            c.claims += 1;
            claimed = jobs.len();
            c.claimed += claimed as u64;
            for job in jobs {
                let permit = sem.clone().acquire_owned().await?;
                let (store, wake, done, commits, acquire_ns, complete_ns, finished) = (
                    store.clone(),
                    wake.clone(),
                    done.clone(),
                    commits.clone(),
                    acquire_ns.clone(),
                    complete_ns.clone(),
                    finished.clone(),
                );
                running.spawn(async move {
                    // (the job would run here)
                    if grouped {
                        let _ = finished.send((job.id, permit));
                        return Ok(());
                    }
                    let t = Instant::now();
                    let mut tx = store.write().await?;
                    let t2 = Instant::now();
                    tx.complete_job(job.id).await?;
                    tx.commit().await?;
                    acquire_ns.fetch_add((t2 - t).as_nanos() as u64, Ordering::Relaxed);
                    complete_ns.fetch_add(t2.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    commits.fetch_add(1, Ordering::Relaxed);
                    done.fetch_add(1, Ordering::Relaxed);
                    drop(permit);
                    wake.notify_one();
                    Ok::<(), anyhow::Error>(())
                });
            }
        }
        if claimed > 0 && claimed == free {
            continue;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
    while let Some(r) = running.join_next().await {
        r??;
    }
    drop(finished);
    completer.await??;
    c.secs = started.elapsed().as_secs_f64();
    c.done = done.load(Ordering::Relaxed);
    c.commits = commits.load(Ordering::Relaxed);
    c.acquire_time = Duration::from_nanos(acquire_ns.load(Ordering::Relaxed));
    c.complete_time = Duration::from_nanos(complete_ns.load(Ordering::Relaxed));
    Ok(c)
}

/// One claim of up to 16 with `depth` jobs queued (the faster of two). On
/// PostgreSQL the empty table is vacuumed and analyzed first (an idle queue
/// as autovacuum leaves it), and with `analyze` analyzed again once filled.
async fn claim_probe(
    store: &Arc<dyn Store>,
    url: &str,
    depth: usize,
    keys: usize,
    analyze: bool,
) -> anyhow::Result<(Duration, Duration)> {
    let pg = url.starts_with("postgres");
    if pg {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    insert_jobs(store, depth, keys, noop_job).await?;
    if pg && analyze {
        direct(url, "ANALYZE jobs").await?;
    }
    let lease = Duration::from_secs(60).as_micros() as i64;
    let mut best = Duration::MAX;
    for _ in 0..2 {
        let t = Instant::now();
        let got = store.claim_jobs(now_micros(), 16, lease).await?;
        best = best.min(t.elapsed());
        anyhow::ensure!(!got.is_empty(), "nothing claimed");
    }
    // What-if: the same claim without the expired-lease arm, so the due
    // jobs are read in the order of the `(state, run_at)` index and the
    // scan stops at the limit (expired leases would be a second query).
    let sql = format!(
        "UPDATE jobs SET state = 1, locked_until = $2, attempts = attempts + 1, updated_at = $1 WHERE id IN (\
         SELECT id FROM jobs j WHERE state = 0 AND run_at <= $1 \
         AND (queue_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs p WHERE p.queue_key = j.queue_key \
         AND p.id < j.id AND p.state IN (0, 1))) ORDER BY run_at LIMIT 16{}) RETURNING id",
        if pg { " FOR UPDATE SKIP LOCKED" } else { "" }
    );
    let mut alt = Duration::MAX;
    // One connection for both tries: the second runs a prepared statement,
    // as the store's own connections do.
    let mut pg_conn = None;
    let mut lite_conn = None;
    if pg {
        pg_conn = Some(<sqlx::PgConnection as sqlx::Connection>::connect(url).await?);
    } else {
        lite_conn = Some(<sqlx::SqliteConnection as sqlx::Connection>::connect(url).await?);
    }
    for _ in 0..2 {
        let now = now_micros();
        let t = Instant::now();
        let got: Vec<i64> = if let Some(c) = pg_conn.as_mut() {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now)
                .bind(now + lease)
                .fetch_all(c)
                .await?
        } else if let Some(c) = lite_conn.as_mut() {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now)
                .bind(now + lease)
                .fetch_all(c)
                .await?
        } else {
            Vec::new()
        };
        alt = alt.min(t.elapsed());
        anyhow::ensure!(!got.is_empty(), "nothing claimed (what-if)");
    }
    drop((pg_conn, lite_conn));
    direct(url, "DELETE FROM jobs").await?;
    Ok((best, alt))
}

async fn jobs_backend(
    backend: &'static str,
    url: &str,
    dir: &std::path::Path,
    args: &BenchArgs,
    counting: bool,
) -> anyhow::Result<JobFigures> {
    let n = args.messages.max(1);
    let pg = url.starts_with("postgres");
    let opts = Options {
        database_url: Some(url.to_string()),
        log: Some("warn".into()),
        database_connections: Some(16),
        storage_dir: Some(dir.join(format!("files-{backend}")).display().to_string()),
        ..Options::default()
    };
    let settings = Settings::resolve(opts, Options::default());
    let concurrency = settings.job_concurrency;
    let store = switchboard_app::open_store(&settings).await?;
    let forever = Duration::from_secs(3600);

    // 1. What one claim costs with a queue behind it. On PostgreSQL first
    //    with the statistics of the empty table (an idle queue hit by a
    //    burst), then after ANALYZE of the filled one.
    let mut probes = Vec::new();
    for analyze in if pg { vec![false, true] } else { vec![false] } {
        for depth in [1_000usize, 10_000] {
            for keys in [0usize, 128] {
                let (d, alt) = claim_probe(&store, url, depth, keys, analyze).await?;
                probes.push(format!(
                    "{depth} queued{}{}: {:.2} ms (index-ordered what-if {:.2} ms)",
                    if keys > 0 { " over 128 keys" } else { "" },
                    if analyze { " (analyzed)" } else { "" },
                    ms(d),
                    ms(alt)
                ));
            }
        }
    }
    println!("{backend}: one claim of 16 with ... {}", probes.join("; "));
    // On PostgreSQL the passes below start on a vacuumed table with current
    // statistics (the test server may run without autovacuum).

    // 2. The runner's claim -> complete cycle, no queue key.
    let insert = insert_jobs(&store, n, 0, noop_job).await?;
    if pg {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    let cpu = Cpu::now();
    let cycle = claim_complete(&store, n, concurrency, false, forever).await?;
    println!(
        "{backend}: claim -> complete, {n} jobs, one transaction per job (as the runner): {:.0} jobs/s; {}; {}",
        cycle.rate(),
        cycle.describe(),
        cpu.since()
    );
    if counting {
        let m = (n / 10).clamp(200, 2000);
        insert_jobs(&store, m, 0, noop_job).await?;
        sqlcount::start();
        claim_complete(&store, m, concurrency, false, forever).await?;
        let v = sqlcount::stop();
        println!("{backend}: claim -> complete: {}", sqlcount::describe(&v, m, "job"));
    }

    // 3. What-if: the same with completions grouped into one transaction.
    insert_jobs(&store, n, 0, noop_job).await?;
    if pg {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    let cpu = Cpu::now();
    let grouped = claim_complete(&store, n, concurrency, true, forever).await?;
    println!(
        "{backend}: claim -> complete, {n} jobs, finished jobs deleted together (what-if): {:.0} jobs/s; {}; {}",
        grouped.rate(),
        grouped.describe(),
        cpu.since()
    );

    // 4. Queue keys, as channel sends carry them (128 chats); stopped after 20 s.
    insert_jobs(&store, n, 128, noop_job).await?;
    if pg {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    let cpu = Cpu::now();
    let keyed = claim_complete(&store, n, concurrency, false, Duration::from_secs(20)).await?;
    let capped = (keyed.done as usize) < n;
    println!(
        "{backend}: claim -> complete, {n} jobs over 128 queue keys: {} done in {:.2} s = {:.0} jobs/s{}; {}; {}",
        keyed.done,
        keyed.secs,
        keyed.rate(),
        if capped { " (stopped at 20 s)" } else { "" },
        keyed.describe(),
        cpu.since()
    );
    direct(url, "DELETE FROM jobs").await?;

    // 5. The runner itself: on `noop` jobs (claimed, run, deleted: the
    //    runner's own cost), then on `deliver` jobs whose delivery does not
    //    exist (each also runs a read transaction, one SELECT by key).
    let core = switchboard_app::build_core(&settings, store.clone())?;
    let deliver = |i: usize, _: usize| NewJob {
        kind: "deliver".into(),
        payload: json!({ "delivery_id": -(i as i64) - 1 }),
        run_at: now_micros(),
        max_attempts: 25,
        deadline_at: None,
        unique_key: None,
        queue_key: None,
    };
    let runner_rate = runner_on(
        &core,
        &store,
        url,
        n,
        noop_job,
        counting,
        &format!("{backend}: runner on `noop` jobs"),
    )
    .await?;
    let near_noop = runner_on(
        &core,
        &store,
        url,
        n,
        deliver,
        counting,
        &format!("{backend}: runner on `deliver` jobs without a delivery row"),
    )
    .await?;

    // 6. Baseline: one-row insert + delete transactions, same concurrency.
    let per = n / concurrency.max(1);
    let cpu = Cpu::now();
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for w in 0..concurrency.max(1) {
        let store = store.clone();
        tasks.spawn(async move {
            for i in 0..per {
                let mut tx = store.write().await?;
                let id = tx
                    .insert_job(&noop_job(w * per + i, 0), now_micros())
                    .await?
                    .context("inserted job")?;
                tx.complete_job(id).await?;
                tx.commit().await?;
            }
            Ok::<(), anyhow::Error>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let baseline = (per * concurrency.max(1)) as f64 / started.elapsed().as_secs_f64();
    let mut tx = store.read().await?;
    let left = tx.job_stats().await?;
    drop(tx);
    println!(
        "{backend}: baseline {baseline:.0} insert + delete transactions/s ({concurrency} at once); {}; jobs left: {} queued, {} running, {} dead",
        cpu.since(),
        left.queued,
        left.running,
        left.dead
    );
    store.close().await;
    Ok(JobFigures {
        backend,
        jobs: n,
        cycle: cycle.rate(),
        grouped: grouped.rate(),
        keyed: (keyed.done, keyed.rate(), capped),
        runner: runner_rate,
        near_noop,
        baseline,
        insert,
    })
}
