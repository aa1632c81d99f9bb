//! `sealbid audit …`: offline checks of the audit trail in the database.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::audit::{Verdict, verify};
use crate::datadir::DataDir;
use crate::db::Db;
use crate::server::Config;

/// Audit-trail subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the audit trail (SQLite in the data directory,
    /// or PostgreSQL from DATABASE_URL / SEALBID_DATABASE_URL / --config).
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
            let verdict = runtime.block_on(async {
                let db = Db::open_existing(dir.path(), url.as_deref()).await?;
                let verdict = verify(&db).await;
                db.close().await;
                verdict
            })?;
            match verdict {
                Verdict::Intact { count } => {
                    println!("audit trail OK: {count} events, chain intact");
                    Ok(())
                }
                Verdict::Broken { seq, reason } => bail!("audit trail broken at seq {seq}: {reason}"),
            }
        }
    }
}
