//! `sealbid bench …`: measure a running server from this (second) process.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Subcommand;
use sealbid_crypto::pki::Certificate;

use super::key::load_user_key;
use crate::bench::login::{LoginBench, run};
use crate::datadir::read_text;

/// Benchmark subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Certificate logins per second and authenticated requests per second against a running server.
    ///
    /// Prints one JSON object. The key's password comes from SEALBID_KEY_PASSWORD.
    Login {
        /// The server's base URL (also the origin signed into each login).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Key of a user with a certificate from this server's CA.
        #[arg(long, value_name = "KEY.p8")]
        key: PathBuf,
        /// The user's certificate chain (PEM, leaf first; the issuing CA may follow).
        #[arg(long, value_name = "CHAIN.pem")]
        chain: PathBuf,
        /// Operations per phase.
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
}

/// Runs a benchmark subcommand.
pub fn run_command(cmd: BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Login { url, key, chain, requests, concurrency } => {
            let key = Arc::new(load_user_key(&key)?);
            let pems = Certificate::from_pem_bundle(&read_text(&chain)?)
                .with_context(|| format!("{} is not a PEM certificate chain", chain.display()))?
                .iter()
                .map(Certificate::to_pem)
                .collect::<Result<Vec<_>, _>>()?;
            let bench = LoginBench {
                url: url.trim_end_matches('/').to_string(),
                key,
                chain: Arc::new(pems),
                requests,
                concurrency,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let report = runtime.block_on(run(bench))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
    }
}
