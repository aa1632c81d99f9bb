//! `sealbid receipt verify`: check a bid receipt off-line, and with
//! `--manifest` that the envelope is in the tender's deadline manifest.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64ct::{Base64, Encoding};
use clap::Subcommand;
use sealbid_crypto::envelope::{Envelope, Receipt};
use sealbid_crypto::manifest::Manifest;
use sealbid_crypto::pki::Certificate;
use serde::Deserialize;

use super::results::platform_certs;
use crate::datadir::{read_file, read_text};

/// Receipt subcommands.
#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Verify a receipt against the envelope, the platform's certificate and the TSA's certificate.
    ///
    /// Checks the platform signature, that the receipt is for this envelope, and
    /// the RFC 3161 time stamp over the signature. With --manifest, also
    /// checks the deadline manifest (platform signature, time stamp at or
    /// after the deadline, tender, committee key) and the envelope's RFC 9162
    /// inclusion proof. The two certificates are taken as given unless
    /// --root-cert names the CA certificates they must chain to.
    Verify {
        /// The receipt (DER) from `bid submit`.
        #[arg(long, value_name = "R.der")]
        receipt: PathBuf,
        /// The envelope the receipt is for.
        #[arg(long, value_name = "BID.env")]
        envelope: PathBuf,
        /// The platform's receipt-signing certificate.
        #[arg(long, value_name = "PLATFORM.pem")]
        platform_cert: PathBuf,
        /// The time-stamp authority's certificate.
        #[arg(long, value_name = "TSA.pem")]
        tsa_cert: PathBuf,
        /// The root (and issuing) CA certificates you trust: both certificates must chain to them.
        #[arg(long, value_name = "ROOT.pem")]
        root_cert: Option<PathBuf>,
        /// The inclusion proof from GET /api/v1/tenders/{id}/manifest/proof?envelope=HASH:
        /// {"index", "proof", "manifest"}.
        #[arg(long, value_name = "PROOF.json")]
        manifest: Option<PathBuf>,
    },
}

/// The proof file, as the server serves it.
#[derive(Debug, Deserialize)]
pub struct ProofFile {
    /// The envelope's leaf index (from 0).
    pub index: u64,
    /// Base64 of the audit path (concatenated SM3 digests).
    pub proof: String,
    /// Base64 of the deadline manifest DER.
    pub manifest: String,
}

/// Runs a receipt subcommand.
pub fn run(cmd: ReceiptCommand) -> Result<()> {
    match cmd {
        ReceiptCommand::Verify { receipt, envelope, platform_cert, tsa_cert, root_cert, manifest } => {
            let r = Receipt::parse(&read_file(&receipt)?)
                .with_context(|| format!("{} is not a bid receipt", receipt.display()))?;
            let env = Envelope::parse(&read_file(&envelope)?)
                .with_context(|| format!("{} is not a bid envelope", envelope.display()))?;
            let (platform, tsa) = platform_certs(&platform_cert, &tsa_cert, root_cert.as_deref())?;
            let stamped = r.verify(&platform, &tsa, &env.hash()?).context("the receipt does not verify")?;
            let info = r.info();
            println!("receipt valid");
            println!("tender:        {}", info.tender);
            println!("bidder:        {}", info.bidder);
            println!("envelope hash: {}", hex::encode(info.envelope_hash));
            println!("received at:   {}", info.received_at);
            println!("time stamp:    {stamped}");
            println!("sequence:      {}", info.sequence);
            if let Some(path) = manifest {
                included(&path, &r, &env, &platform, &tsa)?;
            }
            Ok(())
        }
    }
}

/// Checks the manifest in the proof file and the envelope's inclusion in it.
fn included(
    path: &Path,
    r: &Receipt,
    env: &Envelope,
    platform: &Certificate,
    tsa: &Certificate,
) -> Result<()> {
    let file: ProofFile = serde_json::from_str(&read_text(path)?)
        .with_context(|| format!("{} is not a manifest inclusion proof", path.display()))?;
    let der =
        Base64::decode_vec(&file.manifest).map_err(|_| anyhow::anyhow!("the manifest is not base64"))?;
    let proof = Base64::decode_vec(&file.proof).map_err(|_| anyhow::anyhow!("the proof is not base64"))?;
    let manifest = Manifest::parse(&der).context("the deadline manifest does not parse")?;
    let stamped = manifest.verify(platform, tsa).context("the deadline manifest does not verify")?;
    let info = manifest.info();
    let hash = hex::encode(r.info().envelope_hash);
    if info.tender != r.info().tender {
        bail!("the deadline manifest is for tender {}, the receipt for {}", info.tender, r.info().tender);
    }
    if &info.committee_key != env.committee_key() {
        bail!("the deadline manifest is for another committee key than the envelope is sealed to");
    }
    if r.info().received_at > info.deadline {
        bail!("the receipt time {} is after the deadline {}", r.info().received_at, info.deadline);
    }
    if let Err(e) = manifest.verify_inclusion(&r.info().envelope_hash, file.index, &proof) {
        bail!("envelope {hash} is not in the deadline manifest of tender {}: {e}", info.tender);
    }
    println!("deadline:      {} (manifest stamped {stamped})", info.deadline);
    println!("included as leaf {} of {} (leaves numbered from 0)", file.index, info.count);
    Ok(())
}
