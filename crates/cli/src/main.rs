//! The `crossdock` binary.

mod ask;
mod audit;
mod bench;
mod bench_ask;
mod bench_connectors;
mod bench_governance;
mod demo;
mod edi;
mod import;
mod keys;
mod replay;
mod train;

/// mimalloc rather than glibc's allocator: the request path allocates and
/// frees many small buffers across threads (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "crossdock",
    version,
    about = "Order orchestration between storefronts, WMS, ERP, carriers and helpdesk."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service from a configuration file.
    Serve {
        /// Path to crossdock.toml.
        #[arg(long, env = "CROSSDOCK_CONFIG")]
        config: Option<PathBuf>,
        /// Data directory (overrides server.data_dir).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Listen address (overrides server.listen).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Run everything with built-in simulators: no setup needed.
    Demo(demo::Args),
    /// EDI X12: parse files to canonical JSON, render canonical events as X12.
    Edi {
        #[command(subcommand)]
        command: edi::Command,
    },
    /// Dead letters of a running server: list them, or send them again.
    Replay(replay::Args),
    /// API keys of a running server: create (the token is shown once), list, revoke.
    Keys {
        #[command(subcommand)]
        command: keys::Command,
    },
    /// Bulk import of files (Shopify order exports, inventory CSV, EDI X12) into a running server.
    /// Exits 2 when some items were rejected.
    Import(import::Args),
    /// Train a model on data and report its evaluation.
    Train {
        #[command(subcommand)]
        command: train::Command,
    },
    /// The audit trail: verify its hash chain.
    Audit {
        #[command(subcommand)]
        command: audit::Command,
    },
    /// Ask the copilot of a running server a question in plain words.
    Ask(ask::Args),
    /// Measure performance; prints JSON.
    Bench {
        #[command(subcommand)]
        which: bench::Which,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let quiet = matches!(
        cli.command,
        Command::Demo(_)
            | Command::Bench { .. }
            | Command::Edi { .. }
            | Command::Replay(_)
            | Command::Keys { .. }
            | Command::Train { .. }
            | Command::Import(_)
            | Command::Audit { .. }
            | Command::Ask(_)
    );
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| if quiet { "warn".into() } else { "info".into() }),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match cli.command {
        Command::Serve { config, data, listen } => runtime.block_on(serve(config, data, listen)),
        Command::Demo(args) => runtime.block_on(demo::run(args)),
        Command::Bench { which } => runtime.block_on(bench::run(which)),
        Command::Edi { command } => edi::run(command),
        Command::Replay(args) => runtime.block_on(replay::run(args)),
        Command::Keys { command } => runtime.block_on(keys::run(command)),
        Command::Ask(args) => runtime.block_on(ask::run(args)),
        Command::Train { command } => runtime.block_on(train::run(command)),
        Command::Import(args) => runtime.block_on(import::run(args)),
        Command::Audit { command } => {
            if !audit::run(command)? {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

async fn serve(config: Option<PathBuf>, data: Option<PathBuf>, listen: Option<SocketAddr>) -> anyhow::Result<()> {
    let overrides = server::Overrides { listen, data_dir: data };
    let config = server::Config::load(config.as_deref(), &overrides)?;
    if config.server.admin_key.is_none() {
        tracing::warn!("No admin key configured (server.admin_key or CROSSDOCK_ADMIN_KEY): every /v1 request will be refused.");
    }
    let listen = config.server.listen;
    let app = server::App::open(config).context("opening the data directory")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    server::serve(app, listener, shutdown_signal()).await.context("serving HTTP")?;
    tracing::info!("Stopped cleanly.");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("Shutdown requested; draining.");
}
