//! `sealbid ca …`: issue, revoke, publish the CRL, list.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use sealbid_crypto::pki::{
    CertSerial, Certificate, Crl, Csr, RevocationReason, Role, SubjectInfo, Usage, verify_chain,
};
use time::Duration;

use crate::authority::{self, MAX_DAYS, load_cert, load_issuer, now, publish_crl, rfc3339};
use crate::datadir::{Authority, DataDir, read_file, read_text, write_atomic};
use crate::secrets::{CA_PASSWORD_ENV, password};

/// CA subcommands.
#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Issue a certificate from a PKCS#10 request; prints the serial.
    Issue {
        /// The request (PEM or DER).
        #[arg(long, value_name = "REQ.pem")]
        csr: PathBuf,
        /// The holder's role on the platform.
        #[arg(long)]
        role: Role,
        /// Validity in days from now (1 to 3650).
        #[arg(long)]
        days: i64,
        /// Where to write the certificate (PEM).
        #[arg(long, value_name = "CERT.pem")]
        out: PathBuf,
    },
    /// Revoke a certificate at once; the data directory's CRL is regenerated.
    Revoke {
        /// Serial number in hex, as `ca issue` printed it.
        #[arg(long)]
        serial: CertSerial,
        /// key-compromise, superseded, cessation-of-operation, affiliation-changed, …
        #[arg(long)]
        reason: RevocationReason,
    },
    /// Issue a fresh CRL (X.509 v2, next update in 7 days) and write it.
    Crl {
        /// Where to write the CRL (PEM); the data directory's crl.pem is updated too.
        #[arg(long, value_name = "CRL.pem")]
        out: PathBuf,
    },
    /// Check a certificate against this CA now: chain to the root, validity and the current CRL.
    Verify {
        /// The certificate (PEM).
        #[arg(long, value_name = "CERT.pem")]
        cert: PathBuf,
    },
    /// List issued certificates with their status.
    List {
        /// Only certificates that are valid now and expire within this many days.
        #[arg(long, value_name = "DAYS")]
        expiring_within: Option<i64>,
    },
}

/// Runs a CA subcommand.
pub fn run(dir: &DataDir, cmd: CaCommand) -> Result<()> {
    dir.require_initialised()?;
    match cmd {
        CaCommand::Issue { csr, role, days, out } => issue(dir, &csr, role, days, &out),
        CaCommand::Revoke { serial, reason } => revoke(dir, &serial, reason),
        CaCommand::Crl { out } => {
            let pw = password(CA_PASSWORD_ENV, "CA keys", false)?;
            let _lock = dir.lock()?;
            let issuer = load_issuer(dir, pw.as_bytes())?;
            let mut index = dir.read_index()?;
            let crl = publish_crl(dir, &issuer, &mut index)?;
            write_atomic(&out, crl.to_pem()?.as_bytes())?;
            dir.write_index(&index)?;
            println!(
                "wrote {} (CRL number {}, {} revoked)",
                out.display(),
                index.crl_number,
                crl.entries()?.len()
            );
            Ok(())
        }
        CaCommand::List { expiring_within } => list(dir, expiring_within),
        CaCommand::Verify { cert } => verify(dir, &cert),
    }
}

fn issue(
    dir: &DataDir,
    csr_path: &std::path::Path,
    role: Role,
    days: i64,
    out: &std::path::Path,
) -> Result<()> {
    if !(1..=MAX_DAYS).contains(&days) {
        bail!("--days must be between 1 and {MAX_DAYS}, got {days}");
    }
    let raw = read_file(csr_path)?;
    let csr = match std::str::from_utf8(&raw) {
        Ok(text) if text.trim_start().starts_with("-----BEGIN") => Csr::from_pem(text),
        _ => Csr::from_der(&raw),
    }
    .with_context(|| format!("{} is not a usable certificate request", csr_path.display()))?;
    let verified =
        csr.verify().with_context(|| format!("{} failed its signature check", csr_path.display()))?;
    let subject = SubjectInfo { role: Some(role), ..verified.subject().clone() };

    let pw = password(CA_PASSWORD_ENV, "CA keys", false)?;
    let cert = authority::issue_person(dir, pw.as_bytes(), &subject, verified.public_key(), days)?;
    write_atomic(out, cert.to_pem()?.as_bytes())?;
    println!("issued {} to {}", out.display(), cert.subject());
    println!("serial: {}", cert.serial()?);
    Ok(())
}

fn revoke(dir: &DataDir, serial: &CertSerial, reason: RevocationReason) -> Result<()> {
    let pw = password(CA_PASSWORD_ENV, "CA keys", false)?;
    let done = match authority::revoke(dir, pw.as_bytes(), serial, reason)? {
        Ok(done) => done,
        Err(refusal) => bail!("{serial}: {refusal}"),
    };
    println!("revoked {serial} ({}) at {}: {}", done.subject, done.at, reason.as_str());
    println!("CRL number {} written to {}", done.crl_number, dir.crl_path().display());
    Ok(())
}

fn verify(dir: &DataDir, path: &std::path::Path) -> Result<()> {
    let cert = Certificate::from_pem(&read_text(path)?)
        .with_context(|| format!("{} is not a valid certificate", path.display()))?;
    let root = load_cert(dir, Authority::Root)?;
    let issuing = load_cert(dir, Authority::Issuing)?;
    let crl =
        Crl::from_pem(&read_text(&dir.crl_path())?).context("the data directory's crl.pem is damaged")?;
    let chain = verify_chain(&cert, &[issuing], &[root], now(), &[crl], Usage::Any)
        .with_context(|| format!("{} is not valid", path.display()))?;
    println!("valid: {} (serial {})", cert.subject(), cert.serial()?);
    println!("chain: {}", chain.path().iter().map(|c| c.subject()).collect::<Vec<_>>().join(" <- "));
    Ok(())
}

fn list(dir: &DataDir, expiring_within: Option<i64>) -> Result<()> {
    let index = dir.read_index()?;
    let now = rfc3339(now());
    let horizon = expiring_within.map(|d| rfc3339(crate::authority::now() + Duration::days(d)));
    println!("{:<34} {:<15} {:<10} {:<9} {:<26} SUBJECT", "SERIAL", "PROFILE", "ROLE", "STATUS", "NOT AFTER");
    for c in &index.certificates {
        // RFC 3339 UTC strings of one format compare in time order.
        let status = match (&c.revoked, c.not_after < now) {
            (Some(_), _) => "revoked",
            (None, true) => "expired",
            (None, false) => "valid",
        };
        if let Some(h) = &horizon
            && (status != "valid" || c.not_after > *h)
        {
            continue;
        }
        println!(
            "{:<34} {:<15} {:<10} {:<9} {:<26} {}",
            c.serial,
            c.profile,
            c.role.as_deref().unwrap_or("-"),
            status,
            c.not_after,
            c.subject
        );
    }
    Ok(())
}
