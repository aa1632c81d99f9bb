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
    /// Verified bid submissions per second against a running server (run on the server's machine).
    ///
    /// Uses the server's data directory (--data-dir) and CA password
    /// (SEALBID_CA_PASSWORD) to create a committee, tenders and bidder
    /// certificates, seals the envelopes, then times the submissions.
    Intake {
        /// The server's base URL.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Submissions to time.
        #[arg(long, default_value_t = 3000)]
        bids: usize,
        /// Distinct bidders (each bids once per generated tender).
        #[arg(long, default_value_t = 50)]
        bidders: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// The server's PostgreSQL URL, if it uses PostgreSQL.
        #[arg(long, env = "SEALBID_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// The opening pipeline on generated bids, storage included; prints the wall time of each phase.
    ///
    /// Generates a committee (real key ceremony), a published tender and one
    /// sealed envelope per generated bidder in a fresh data directory, stores
    /// t + 1 officials' signed shares, then times the opening and the same
    /// envelopes' cryptography alone. SEALBID_DATABASE_URL / DATABASE_URL
    /// selects PostgreSQL (use an empty database).
    Opening {
        /// Envelopes, one per bidder.
        #[arg(long, default_value_t = 23_000)]
        bids: usize,
        /// Committee size n.
        #[arg(long, default_value_t = 5)]
        officials: usize,
        /// Threshold t (t + 1 officials contribute shares).
        #[arg(long, default_value_t = 2)]
        threshold: usize,
        /// Items in the tender.
        #[arg(long, default_value_t = 100)]
        items: usize,
        /// Worker threads (default: the machine's cores).
        #[arg(long)]
        workers: Option<usize>,
        /// A fresh directory for the generated data (default: a new one under the system temp dir, removed after).
        #[arg(long)]
        scratch: Option<PathBuf>,
        /// PostgreSQL URL (default SQLite in the scratch directory).
        #[arg(long, env = "SEALBID_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// The transparency log: proofs from a tree of --entries leaves stored as
    /// the server stores it, appends per second, and `sealbid log verify` of
    /// --appends new entries over HTTP. Prints one JSON object.
    Log {
        /// Leaves of the tree the proofs are taken from.
        #[arg(long, default_value_t = 1_000_000)]
        entries: u64,
        /// Proofs of each kind to time.
        #[arg(long, default_value_t = 1_000)]
        proofs: usize,
        /// Events to append and then verify with the monitor.
        #[arg(long, default_value_t = 100_000)]
        appends: usize,
        /// A fresh directory for the generated data (default: a new one under the system temp dir, removed after).
        #[arg(long)]
        scratch: Option<PathBuf>,
    },
    /// Seals generated bids into a published tender of this data directory, as if received.
    ///
    /// For measuring an official's checks and shares at scale in the browser
    /// (scripts/bench-browser.sh): one generated bidder per envelope, sealed
    /// to the tender's confirmed committee key and stored before its deadline.
    Seed {
        /// The published tender.
        #[arg(long)]
        tender: String,
        /// Envelopes to seal and store.
        #[arg(long, default_value_t = 23_000)]
        bids: usize,
        /// Worker threads (default: the machine's cores).
        #[arg(long)]
        workers: Option<usize>,
        /// The server's PostgreSQL URL, if it uses PostgreSQL.
        #[arg(long, env = "SEALBID_DATABASE_URL")]
        database_url: Option<String>,
    },
}

/// Runs a benchmark subcommand.
pub fn run_command(dir: &crate::datadir::DataDir, cmd: BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Intake { url, bids, bidders, concurrency, database_url } => {
            let password = crate::secrets::password(crate::secrets::CA_PASSWORD_ENV, "CA keys", false)?;
            let bench = crate::bench::intake::IntakeBench {
                url: url.trim_end_matches('/').to_string(),
                data_dir: dir.clone(),
                ca_password: password.as_bytes().to_vec(),
                database_url: database_url.filter(|u| !u.is_empty()),
                bids,
                bidders,
                concurrency,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let report = runtime.block_on(crate::bench::intake::run(bench))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        BenchCommand::Opening { bids, officials, threshold, items, workers, scratch, database_url } => {
            let workers =
                workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
            let temporary = scratch.is_none();
            let data_dir = scratch.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("sealbid-bench-opening-{}", std::process::id()))
            });
            let bench = crate::bench::opening::OpeningBench {
                bids,
                officials,
                threshold,
                items,
                workers,
                data_dir: data_dir.clone(),
                database_url: database_url.filter(|u| !u.is_empty()),
            };
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let report = runtime.block_on(crate::bench::opening::run(bench));
            if temporary {
                let _ = std::fs::remove_dir_all(&data_dir);
            }
            println!("{}", serde_json::to_string_pretty(&report?)?);
            Ok(())
        }
        BenchCommand::Log { entries, proofs, appends, scratch } => {
            let temporary = scratch.is_none();
            let scratch = scratch.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("sealbid-bench-log-{}", std::process::id()))
            });
            let bench = crate::bench::log::LogBench { entries, proofs, appends, scratch: scratch.clone() };
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let report = runtime.block_on(crate::bench::log::run(bench));
            if temporary {
                let _ = std::fs::remove_dir_all(&scratch);
            }
            println!("{}", serde_json::to_string_pretty(&report?)?);
            Ok(())
        }
        BenchCommand::Seed { tender, bids, workers, database_url } => {
            let workers =
                workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let stored = runtime.block_on(async {
                let db =
                    crate::db::Db::connect(dir.path(), database_url.filter(|u| !u.is_empty()).as_deref())
                        .await?;
                crate::bench::opening::seed(&db, &tender, bids, workers).await
            })?;
            println!("{stored} envelopes sealed into tender {tender}");
            Ok(())
        }
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
