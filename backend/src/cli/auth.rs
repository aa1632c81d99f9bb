//! `sealbid auth …`: operator actions on certificate login.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use sealbid_crypto::pki::CertSerial;

use crate::datadir::DataDir;
use crate::db::Db;
use crate::server::Config;

/// Auth subcommands.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Lift the lock that repeated failed logins put on a certificate
    /// (database: SQLite in the data directory, or DATABASE_URL /
    /// SEALBID_DATABASE_URL / --config). Audited as `auth.unlock`.
    Unlock {
        /// Serial number of the certificate, hex.
        #[arg(long)]
        serial: CertSerial,
        /// TOML configuration file (for `database_url`).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// Runs an auth subcommand.
pub fn run(dir: &DataDir, cmd: AuthCommand) -> Result<()> {
    match cmd {
        AuthCommand::Unlock { serial, config } => {
            let config = Config::load(dir.path(), config.as_deref())?;
            let url = config.database_url.as_ref().map(|s| s.expose().to_string());
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let was_locked = runtime.block_on(async {
                let db = Db::open_existing(dir.path(), url.as_deref()).await?;
                let result = crate::auth::unlock(&db, &serial, "cli").await;
                db.close().await;
                result
            })?;
            if was_locked {
                println!("unlocked {serial}");
            } else {
                println!("{serial} was not locked; its failure count is reset");
            }
            Ok(())
        }
    }
}
