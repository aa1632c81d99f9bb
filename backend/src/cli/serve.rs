//! `sealbid serve`: runs the platform server.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::datadir::{DataDir, write_secret_new};
use crate::secrets::{CA_PASSWORD_ENV, password};
use crate::server::{Config, Secret, launch};

/// Arguments of `sealbid serve` (the layering of settings is in its `--help`
/// and in [`crate::server::config`]).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080, or SEALBID_LISTEN].
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
    /// TOML configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Demo mode: without SEALBID_CA_PASSWORD, use (and on first start create)
    /// a random CA password kept in DATA_DIR/demo-password.txt, so one command
    /// starts a working platform; on first start also create demo
    /// organisations, people in every role with certificates and encrypted
    /// key files, and a ready opening committee (DATA_DIR/demo/README.txt).
    /// Never for production.
    #[arg(long)]
    pub demo: bool,
}

/// File holding the demo CA password inside the data directory.
const DEMO_PASSWORD_FILE: &str = "demo-password.txt";

/// Runs `sealbid serve` until Ctrl-C.
pub fn run(dir: &DataDir, args: ServeArgs) -> Result<()> {
    let mut config = Config::load(dir.path(), args.config.as_deref())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    config.demo = args.demo;
    if config.ca_password.is_none() {
        config.ca_password = Some(if args.demo {
            demo_password(dir)?
        } else {
            // A new data directory gets a new password: ask for it twice.
            Secret::new(password(CA_PASSWORD_ENV, "CA keys", !dir.is_initialised())?.as_str())
        });
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let running = launch(listener, config).await?;
        println!("sealbid serving on http://{} ({})", running.addr, running.engine);
        stop_signal().await?;
        println!("stopping");
        running.shutdown().await
    })
}

/// Ctrl-C, or SIGTERM on Unix (how service managers and containers stop us).
async fn stop_signal() -> Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot listen for SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot wait for Ctrl-C"),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")
    }
}

fn demo_password(dir: &DataDir) -> Result<Secret> {
    let path = dir.path().join(DEMO_PASSWORD_FILE);
    if path.exists() {
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(Secret::new(text.trim()));
    }
    std::fs::create_dir_all(dir.path()).with_context(|| format!("cannot create {}", dir.path().display()))?;
    let pw = hex::encode(sealbid_crypto::rng::bytes::<16>()?);
    write_secret_new(&path, format!("{pw}\n").as_bytes())?;
    println!("demo mode: the CA password is in {}", path.display());
    Ok(Secret::new(pw))
}
