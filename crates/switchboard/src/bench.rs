//! `switchboard bench`: figures for BENCHMARKS.md.

use crate::config::BenchArgs;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("unknown benchmark {:?} (available: ingest)", args.what)
}
