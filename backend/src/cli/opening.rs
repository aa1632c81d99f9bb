//! `sealbid opening share`: an official's decryption shares, computed off-line,
//! only for envelopes that pass every check of
//! [`sealbid_crypto::opening::check_opening`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use sealbid_crypto::Sm3Digest;
use sealbid_crypto::committee::open_share_file;
use sealbid_crypto::envelope::TenderId;
use sealbid_crypto::keyfile;
use sealbid_crypto::opening::{CheckedOpening, OfficialView, OpeningFile, ShareBatch, check_opening};
use sealbid_crypto::threshold_crypto::{DecryptionShare, SecretKeyShare};
use time::OffsetDateTime;

use super::results::platform_certs;
use crate::datadir::{read_file, read_text, write_atomic};
use crate::secrets::{KEY_PASSWORD_ENV, password};

/// Envelopes per unit of work handed to a thread.
const CHUNK: usize = 256;

/// Opening subcommands.
#[derive(Debug, Subcommand)]
pub enum OpeningCommand {
    /// Check the opening the server serves, then compute this official's
    /// decryption shares of every envelope that passes and write them as one
    /// signed share batch (DER), using every core.
    ///
    /// Refuses the whole opening (nothing written, exit 1) if the
    /// announcement, the committee key statement or the deadline manifest
    /// fails, if the opening time has not come by this machine's clock, or
    /// if the key is not the one in the share file; refuses envelope by
    /// envelope (each printed with its hash and the reason) those that
    /// are malformed, foreign, badly signed, not in the manifest, repeated or
    /// whose key ciphertext is not this tender's. The password
    /// (SEALBID_KEY_PASSWORD or a prompt) opens both the key file and the share file.
    Share {
        /// The opening file from GET /api/v1/tenders/{id}/opening/envelopes.
        #[arg(long, value_name = "OPENING.json")]
        envelopes: PathBuf,
        /// The tender you mean to open (the file must be for it).
        #[arg(long, value_name = "ID")]
        tender: String,
        /// The platform's signing certificate (GET /pki/platform), checked by you.
        #[arg(long, value_name = "PLATFORM.pem")]
        platform_cert: PathBuf,
        /// The time-stamp authority's certificate (GET /pki/tsa), checked by you.
        #[arg(long, value_name = "TSA.pem")]
        tsa_cert: PathBuf,
        /// The root (and issuing) CA certificates you trust: both certificates must chain to them.
        #[arg(long, value_name = "ROOT.pem")]
        root_cert: Option<PathBuf>,
        /// The official's key-share file from `committee step --share-out`.
        #[arg(long, value_name = "SHARE.file")]
        share: PathBuf,
        /// The official's key file (signs the batch).
        #[arg(long, value_name = "KEY.p8")]
        key: PathBuf,
        /// Where to write the signed share batch.
        #[arg(long, value_name = "SHARES.der")]
        out: PathBuf,
    },
}

/// Runs an opening subcommand.
pub fn run(cmd: OpeningCommand) -> Result<()> {
    match cmd {
        OpeningCommand::Share { envelopes, tender, platform_cert, tsa_cert, root_cert, share, key, out } => {
            let paths = SharePaths {
                envelopes: &envelopes,
                platform_cert: &platform_cert,
                tsa_cert: &tsa_cert,
                root_cert: root_cert.as_deref(),
                share: &share,
                key: &key,
                out: &out,
            };
            share_batch(&tender, &paths)
        }
    }
}

struct SharePaths<'a> {
    envelopes: &'a Path,
    platform_cert: &'a Path,
    tsa_cert: &'a Path,
    root_cert: Option<&'a Path>,
    share: &'a Path,
    key: &'a Path,
    out: &'a Path,
}

fn share_batch(tender: &str, p: &SharePaths<'_>) -> Result<()> {
    let tender = TenderId::parse(tender)?;
    let file: OpeningFile = serde_json::from_str(&read_text(p.envelopes)?)
        .with_context(|| format!("{} is not an opening file", p.envelopes.display()))?;
    let (platform, tsa) = platform_certs(p.platform_cert, p.tsa_cert, p.root_cert)?;
    let pw = password(KEY_PASSWORD_ENV, &format!("key file {}", p.key.display()), false)?;
    let key = keyfile::decrypt(&read_file(p.key)?, pw.as_bytes())
        .with_context(|| format!("cannot open key file {}", p.key.display()))?;
    let share = open_share_file(&read_file(p.share)?, pw.as_bytes())
        .with_context(|| format!("cannot open share file {}", p.share.display()))?;
    let Some(own_key) = share.committee.as_ref() else {
        bail!("the share file {} does not record its committee key", p.share.display())
    };
    let statement = file.statement.statement().context("the committee key statement served is invalid")?;
    if statement.ceremony().context() != &share.context {
        bail!(
            "the share in {} was made by another ceremony than the committee's of this opening",
            p.share.display()
        );
    }
    if statement.ceremony().officials().get(share.index) != Some(&key.public_key()) {
        bail!(
            "the key in {} is not official {}'s on the committee roster (the share file's index)",
            p.key.display(),
            share.index
        );
    }
    let view = OfficialView {
        tender: &tender,
        now: OffsetDateTime::now_utc(),
        own_key,
        platform_cert: &platform,
        tsa_cert: &tsa,
    };
    let checked = check_opening(&file, &view).context("refusing to make any share")?;
    for r in checked.refused() {
        println!("refused: {r}");
    }
    let accepted = checked.accepted().len();
    println!(
        "tender {tender}: {} envelope(s) served, {accepted} passed every check, {} refused",
        file.envelopes.len(),
        checked.refused().len()
    );
    if accepted == 0 {
        bail!("no envelope passed the checks: no shares written");
    }
    let start = Instant::now();
    let entries = parallel_shares(&checked, &share.share)?;
    let elapsed = start.elapsed();
    let batch = ShareBatch::create(&tender, &checked.committee().public_key(), share.index, entries, &key)?;
    write_atomic(p.out, &batch.encode()?)?;
    println!(
        "{} decryption share(s) of official {} for tender {tender} in {:.2} s, written to {}",
        batch.entries().len(),
        share.index,
        elapsed.as_secs_f64(),
        p.out.display()
    );
    if !checked.refused().is_empty() {
        println!(
            "note: the server takes only shares for every envelope of the manifest; \
             report the refused envelopes to the committee before uploading"
        );
    }
    Ok(())
}

/// [`CheckedOpening::shares`] in chunks of [`CHUNK`], one thread per available core; order kept.
fn parallel_shares(
    checked: &CheckedOpening,
    share: &SecretKeyShare,
) -> Result<Vec<(Sm3Digest, DecryptionShare)>> {
    let n = checked.accepted().len();
    let ranges: Vec<std::ops::Range<usize>> = (0..n).step_by(CHUNK).map(|s| s..(s + CHUNK).min(n)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, ranges.len().max(1));
    let per_thread = ranges.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = ranges
            .chunks(per_thread)
            .map(|mine| {
                s.spawn(move || {
                    let mut out = Vec::new();
                    for r in mine {
                        out.extend(checked.shares(share, r.clone())?);
                    }
                    sealbid_crypto::Result::<Vec<(Sm3Digest, DecryptionShare)>>::Ok(out)
                })
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for h in handles {
            out.extend(h.join().map_err(|_| anyhow::anyhow!("a share computation thread panicked"))??);
        }
        Ok(out)
    })
}
