//! `sealbid results verify`: re-check a tender's published results from the
//! bundle the platform serves after publication, without trusting it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use sealbid_crypto::opening::results::{ResultsBundle, verify_results};
use sealbid_crypto::pki::{Certificate, Usage, verify_chain};
use time::OffsetDateTime;

use crate::datadir::read_text;

/// Results subcommands.
#[derive(Debug, Subcommand)]
pub enum ResultsCommand {
    /// Redo the opening and the evaluation from the results bundle and
    /// compare them with the published results.
    ///
    /// Checks the tender announcement, the committee key statement (signed
    /// by every official), the deadline manifest and that the envelopes are
    /// exactly its leaves, every receipt, every official's signed share batch
    /// and every share, every envelope's decryption and inner signature, and
    /// the ranking (per item, valid quotes at or under the ceiling ascending,
    /// ties by receipt time); names the first difference. Exit 1 on any.
    Verify {
        /// The bundle from GET /api/v1/tenders/{id}/results/bundle.
        #[arg(long, value_name = "BUNDLE.json")]
        bundle: PathBuf,
        /// The platform's signing certificate (GET /pki/platform).
        #[arg(long, value_name = "PLATFORM.pem")]
        platform_cert: PathBuf,
        /// The time-stamp authority's certificate (GET /pki/tsa).
        #[arg(long, value_name = "TSA.pem")]
        tsa_cert: PathBuf,
        /// The root (and issuing) CA certificates you trust: both certificates must chain to them.
        #[arg(long, value_name = "ROOT.pem")]
        root_cert: Option<PathBuf>,
    },
}

/// The leaf of the PEM file `path` (leaf first, then any intermediates),
/// chain-checked now under the certificates in `root` when given; `usage`
/// is what the leaf must permit.
pub(super) fn service_cert(path: &Path, root: Option<&Path>, usage: Usage) -> Result<Certificate> {
    let certs = Certificate::from_pem_bundle(&read_text(path)?)
        .with_context(|| format!("{} is not a PEM certificate file", path.display()))?;
    let leaf = certs.first().cloned().with_context(|| format!("{} holds no certificate", path.display()))?;
    if let Some(root) = root {
        let anchors = Certificate::from_pem_bundle(&read_text(root)?)
            .with_context(|| format!("{} is not a PEM certificate file", root.display()))?;
        let intermediates: Vec<Certificate> = certs[1..].iter().chain(&anchors).cloned().collect();
        verify_chain(&leaf, &intermediates, &anchors, OffsetDateTime::now_utc(), &[], usage).with_context(
            || {
                format!(
                    "the certificate in {} does not chain to the root in {}",
                    path.display(),
                    root.display()
                )
            },
        )?;
    }
    Ok(leaf)
}

/// The platform's and the TSA's certificates, chain-checked under `root` when given.
pub(super) fn platform_certs(
    platform: &Path,
    tsa: &Path,
    root: Option<&Path>,
) -> Result<(Certificate, Certificate)> {
    Ok((service_cert(platform, root, Usage::Any)?, service_cert(tsa, root, Usage::TimeStamping)?))
}

/// Runs a results subcommand.
pub fn run(cmd: ResultsCommand) -> Result<()> {
    match cmd {
        ResultsCommand::Verify { bundle, platform_cert, tsa_cert, root_cert } => {
            let b: ResultsBundle = serde_json::from_str(&read_text(&bundle)?)
                .with_context(|| format!("{} is not a results bundle", bundle.display()))?;
            let (platform, tsa) = platform_certs(&platform_cert, &tsa_cert, root_cert.as_deref())?;
            let report = verify_results(&b, &platform, &tsa)
                .with_context(|| format!("the published results of tender {} do not hold", b.tender))?;
            print!("{report}");
            Ok(())
        }
    }
}
