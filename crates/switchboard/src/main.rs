mod cli;

use clap::Parser;
use cli::{Cli, Command};
use switchboard::config::{Settings, load_file};

fn init_logging(s: &Settings) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(&s.log).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if s.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = load_file(cli.config.as_deref())?;
    switchboard_outbound::install_crypto_provider();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run(cli.command, file))
}

async fn run(command: Command, file: switchboard::config::Options) -> anyhow::Result<()> {
    match command {
        Command::Serve(opts) => {
            let s = Settings::resolve(opts, file);
            init_logging(&s);
            let store = switchboard::open_store(&s).await?;
            let core = switchboard::build_core(&s, store)?;
            let first_start = core.is_empty().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let server = switchboard::start(&s, core).await?;
            let first = if first_start {
                switchboard::bootstrap(&server.core, server.core.public_url()).await?
            } else {
                None
            };
            println!(
                "Switchboard {} listening on http://{} ({} database)",
                env!("CARGO_PKG_VERSION"),
                server.addr,
                server.core.store.backend().name()
            );
            if let Some(text) = first {
                println!("{text}");
            }
            switchboard::shutdown_signal().await;
            tracing::info!("shutting down: finishing requests and jobs");
            server.stop().await;
            Ok(())
        }
        Command::Migrate(opts) => {
            let s = Settings::resolve(opts, file);
            init_logging(&s);
            let store = switchboard::open_store(&s).await?;
            store.close().await;
            println!("migrations applied to {}", switchboard::redact(&s.database_url));
            Ok(())
        }
        Command::Setup(args) => {
            let s = Settings::resolve(args.options.clone(), file);
            init_logging(&s);
            let store = switchboard::open_store(&s).await?;
            let core = switchboard::build_core(&s, store)?;
            let created = core
                .create_account_with_admin(&args.account_name, &args.name, &args.email, &args.password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "account_id": created.account.id,
                        "user_id": created.user.id,
                        "access_token": created.access_token,
                    })
                );
            } else {
                println!("account_id:   {}", created.account.id);
                println!("user_id:      {}", created.user.id);
                println!("access_token: {}", created.access_token);
            }
            core.store.close().await;
            Ok(())
        }
        Command::Bench(args) => switchboard_bench::run(args).await,
    }
}
