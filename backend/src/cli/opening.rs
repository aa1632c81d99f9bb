//! `sealbid opening share`: an official's decryption shares, computed off-line.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use base64ct::{Base64, Encoding};
use clap::Subcommand;
use sealbid_crypto::committee::open_share_file;
use sealbid_crypto::envelope::{TenderId, decode_key_ciphertext};
use sealbid_crypto::opening::{ShareBatch, compute_shares};
use sealbid_crypto::threshold_crypto::{Ciphertext, DecryptionShare, SecretKeyShare};
use sealbid_crypto::{Sm3Digest, keyfile};
use serde::Deserialize;

use super::bid::committee_key;
use crate::datadir::{read_file, read_text, write_atomic};
use crate::secrets::{KEY_PASSWORD_ENV, password};

/// Opening subcommands.
#[derive(Debug, Subcommand)]
pub enum OpeningCommand {
    /// Compute this official's decryption shares of every key ciphertext and
    /// write them as one signed share batch (DER), using every core.
    ///
    /// The password (SEALBID_KEY_PASSWORD or a prompt) opens both the key file and the share file.
    Share {
        /// The ciphertexts: {"tender","committee_public_key","ciphertexts":[{"envelope_hash","key_ciphertext"}]}.
        #[arg(long, value_name = "CTS.json")]
        ciphertexts: PathBuf,
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

/// The ciphertexts file, as the server serves it.
#[derive(Debug, Deserialize)]
pub struct CiphertextsFile {
    /// Tender id.
    pub tender: String,
    /// Hex of the committee's threshold public key.
    pub committee_public_key: String,
    /// One entry per envelope.
    pub ciphertexts: Vec<CiphertextEntry>,
}

/// One envelope's key ciphertext.
#[derive(Debug, Deserialize)]
pub struct CiphertextEntry {
    /// Hex of the envelope's SM3 hash.
    pub envelope_hash: String,
    /// Base64 of the 160-byte key ciphertext.
    pub key_ciphertext: String,
}

/// Runs an opening subcommand.
pub fn run(cmd: OpeningCommand) -> Result<()> {
    match cmd {
        OpeningCommand::Share { ciphertexts, share, key, out } => {
            share_batch(&ciphertexts, &share, &key, &out)
        }
    }
}

fn share_batch(cts_path: &Path, share_path: &Path, key_path: &Path, out: &Path) -> Result<()> {
    let file: CiphertextsFile = serde_json::from_str(&read_text(cts_path)?)
        .with_context(|| format!("{} is not a ciphertexts file", cts_path.display()))?;
    let tender = TenderId::parse(&file.tender)?;
    let committee = committee_key(&file.committee_public_key)?;
    let cts = file
        .ciphertexts
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let hash: Sm3Digest = hex::decode(&e.envelope_hash)
                .ok()
                .and_then(|h| h.try_into().ok())
                .with_context(|| format!("ciphertext {i}: envelope_hash is not 32 bytes of hex"))?;
            let bytes = Base64::decode_vec(&e.key_ciphertext)
                .map_err(|_| anyhow::anyhow!("ciphertext {i}: key_ciphertext is not base64"))?;
            let ct = decode_key_ciphertext(&bytes).with_context(|| format!("ciphertext {i}"))?;
            Ok((hash, ct))
        })
        .collect::<Result<Vec<_>>>()?;
    let pw = password(KEY_PASSWORD_ENV, &format!("key file {}", key_path.display()), false)?;
    let key = keyfile::decrypt(&read_file(key_path)?, pw.as_bytes())
        .with_context(|| format!("cannot open key file {}", key_path.display()))?;
    let share = open_share_file(&read_file(share_path)?, pw.as_bytes())
        .with_context(|| format!("cannot open share file {}", share_path.display()))?;
    match &share.committee {
        Some(k) if *k == committee => {}
        Some(_) => bail!(
            "the share in {} belongs to another committee key than the one in {}",
            share_path.display(),
            cts_path.display()
        ),
        None => bail!("the share file {} does not record its committee key", share_path.display()),
    }
    let start = Instant::now();
    let entries = parallel_shares(&share.share, &cts)?;
    let elapsed = start.elapsed();
    let batch = ShareBatch::create(&tender, &committee, share.index, entries, &key)?;
    write_atomic(out, &batch.encode()?)?;
    println!(
        "{} decryption share(s) of official {} for tender {tender} in {:.2} s, written to {}",
        batch.entries().len(),
        share.index,
        elapsed.as_secs_f64(),
        out.display()
    );
    Ok(())
}

/// [`compute_shares`] over chunks, one thread per available core; order kept.
fn parallel_shares(
    share: &SecretKeyShare,
    cts: &[(Sm3Digest, Ciphertext)],
) -> Result<Vec<(Sm3Digest, DecryptionShare)>> {
    let refs: Vec<(Sm3Digest, &Ciphertext)> = cts.iter().map(|(h, ct)| (*h, ct)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = refs.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = refs.chunks(chunk).map(|c| s.spawn(move || compute_shares(share, c))).collect();
        let mut out = Vec::with_capacity(refs.len());
        for h in handles {
            out.extend(h.join().map_err(|_| anyhow::anyhow!("a share computation thread panicked"))?);
        }
        Ok(out)
    })
}
