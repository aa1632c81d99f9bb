//! `sealbid ts …`: RFC 3161 time stamps from the data directory's TSA.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use sealbid_crypto::der::asn1::Uint;
use sealbid_crypto::oid;
use sealbid_crypto::pki::{Crl, Usage, verify_chain};
use sealbid_crypto::tsp::{
    Stamped, TimeStampAuthority, TimeStampReq, random_nonce, token_from_response, verify_token,
};

use crate::audit::{self, NewEvent};
use crate::authority::{load_cert, load_key, now, rfc3339};
use crate::datadir::{Authority, DataDir, read_file, read_text, write_atomic};
use crate::db::Db;
use crate::db::counters::{self, TSA_SERIAL};
use crate::secrets::{CA_PASSWORD_ENV, password};
use crate::server::Config;

/// Time-stamp subcommands.
#[derive(Debug, Subcommand)]
pub enum TsCommand {
    /// Time-stamp a file; writes the RFC 3161 response (.tsr).
    Stamp {
        /// The file to stamp.
        #[arg(long, value_name = "F")]
        file: PathBuf,
        /// Where to write the time-stamp response.
        #[arg(long, value_name = "F.tsr")]
        out: PathBuf,
    },
    /// Check a time-stamp response (or bare token) against a file, the data directory's TSA,
    /// its chain to the root and the CRL; exits 0 only if everything holds.
    Verify {
        /// The stamped file.
        #[arg(long, value_name = "F")]
        file: PathBuf,
        /// The response or token.
        #[arg(long, value_name = "F.tsr")]
        token: PathBuf,
    },
}

/// Runs a time-stamp subcommand.
pub fn run(dir: &DataDir, cmd: TsCommand) -> Result<()> {
    dir.require_initialised()?;
    match cmd {
        TsCommand::Stamp { file, out } => stamp(dir, &file, &out),
        TsCommand::Verify { file, token } => verify(dir, &file, &token),
    }
}

fn stamp(dir: &DataDir, file: &Path, out: &Path) -> Result<()> {
    let data = read_file(file)?;
    let nonce = random_nonce()?;
    let request = TimeStampReq::for_data(&data, Some(nonce.clone()), true)?.encode()?;

    let pw = password(CA_PASSWORD_ENV, "CA keys", false)?;
    let cert = load_cert(dir, Authority::Tsa)?;
    let key = load_key(dir, Authority::Tsa, &cert, pw.as_bytes())?;
    let tsa = TimeStampAuthority::new(cert.x509().clone(), key, oid::SEALBID_TSA_POLICY)?;

    // Serials come from the database counter the servers use, so a stamp made
    // here never repeats one made over HTTP (or by another process).
    let config = Config::load(dir.path(), None)?;
    let url = config.database_url.as_ref().map(|s| s.expose().to_string());
    let index = dir.read_index()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let response = runtime.block_on(async {
        let db = Db::connect(dir.path(), url.as_deref()).await?;
        db.migrate().await?;
        counters::raise_to(&db, TSA_SERIAL, index.tsa_serial).await?;
        let serial = counters::next(&db, TSA_SERIAL).await?;
        let response = tsa.respond(&request, Uint::new(&serial.to_be_bytes())?, now())?;
        // Check our own answer before handing it out.
        verify_token(&token_from_response(&response)?, Stamped::Data(&data), cert.x509(), Some(&nonce))?;
        let event = NewEvent {
            actor: "cli".into(),
            action: "tsa.stamp".into(),
            subject: serial.to_string(),
            details: serde_json::json!({ "granted": true, "file": file.display().to_string() }),
        };
        audit::append(&db, event).await?;
        db.close().await;
        anyhow::Ok((serial, response))
    });
    let (serial, response) = response?;
    write_atomic(out, &response)?;
    println!("wrote {} (serial {serial})", out.display());
    Ok(())
}

fn verify(dir: &DataDir, file: &Path, token_path: &Path) -> Result<()> {
    let data = read_file(file)?;
    let raw = read_file(token_path)?;
    // A .tsr is a TimeStampResp; a bare token (ContentInfo) is accepted too.
    let token = token_from_response(&raw).unwrap_or(raw);
    let tsa = load_cert(dir, Authority::Tsa)?;
    let stamped = verify_token(&token, Stamped::Data(&data), tsa.x509(), None).with_context(|| {
        format!("{} is not a valid time stamp for {}", token_path.display(), file.display())
    })?;

    let root = load_cert(dir, Authority::Root)?;
    let issuing = load_cert(dir, Authority::Issuing)?;
    let crl =
        Crl::from_pem(&read_text(&dir.crl_path())?).context("the data directory's crl.pem is damaged")?;
    verify_chain(&tsa, &[issuing], &[root], stamped.gen_time, &[crl], Usage::TimeStamping)
        .context("the TSA certificate does not chain to the root at the stamped time")?;

    println!("valid time stamp for {}", file.display());
    println!("time:   {}", rfc3339(stamped.gen_time));
    println!("serial: {}", hex::encode(stamped.serial.as_bytes()));
    println!("policy: {}", stamped.policy);
    println!("tsa:    {}", stamped.tsa_subject);
    Ok(())
}
