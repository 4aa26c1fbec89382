//! The command line: `serve`, `setup`, `migrate` and `bench`, each with the
//! server options of `switchboard::config` (or the bench's own).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use switchboard::config::Options;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Omnichannel customer-support messenger with Chatwoot-compatible APIs"
)]
pub struct Cli {
    /// Configuration file (TOML). Defaults to ./switchboard.toml when it exists.
    #[arg(long, global = true, env = "SWITCHBOARD_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrations run first; an empty database gets a first account).
    Serve(Options),
    /// Create an account and its administrator, print their ids and API token.
    Setup(SetupArgs),
    /// Run the database migrations and exit.
    Migrate(Options),
    /// Measure throughput and latency (see BENCHMARKS.md).
    Bench(switchboard_bench::BenchArgs),
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    #[arg(long)]
    pub account_name: String,
    /// The administrator's name.
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub password: String,
    /// Print one JSON object {account_id, user_id, access_token}.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub options: Options,
}
