//! `sealbid audit …`: offline checks of the audit trail in the database.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::audit::{Verdict, verify};
use crate::datadir::DataDir;
use crate::db::Db;
use crate::server::Config;
use crate::tlog::check::LogVerdict;

/// Audit-trail subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the audit trail and the transparency log's
    /// tree and checkpoints against it (SQLite in the data directory, or
    /// PostgreSQL from DATABASE_URL / SEALBID_DATABASE_URL / --config).
    /// Exits 0 if intact, 1 naming the first broken link.
    Verify {
        /// TOML configuration file (for `database_url`).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// Runs an audit subcommand.
pub fn run(dir: &DataDir, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { config } => {
            let config = Config::load(dir.path(), config.as_deref())?;
            let url = config.database_url.as_ref().map(|s| s.expose().to_string());
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            // The log's key as the data directory publishes it (none before the first start).
            let verifier =
                dir.log_vkey_path().exists().then(|| crate::tlog::signer::verifier(dir)).transpose()?;
            let (verdict, log) = runtime.block_on(async {
                let db = Db::open_existing(dir.path(), url.as_deref()).await?;
                let verdict = verify(&db).await;
                let log = crate::tlog::check::check(&db, verifier.as_ref()).await;
                db.close().await;
                anyhow::Ok((verdict?, log?))
            })?;
            let count = match verdict {
                Verdict::Intact { count } => count,
                Verdict::Broken { seq, reason } => bail!("audit trail broken at seq {seq}: {reason}"),
            };
            match log {
                LogVerdict::Intact { size, checkpoints } => {
                    println!("audit trail OK: {count} events, chain intact");
                    println!(
                        "log OK: {size} entries hash to the stored tree and its {checkpoints} checkpoints{}",
                        if verifier.is_some() { ", each signed by the log key" } else { "" }
                    );
                    Ok(())
                }
                LogVerdict::Broken { index, reason } => bail!("log broken at index {index}: {reason}"),
            }
        }
    }
}
