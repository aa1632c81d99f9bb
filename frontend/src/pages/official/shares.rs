//! An official's decryption shares, computed in the browser as `sealbid
//! opening share` does it off-line: only for the envelopes the official's own
//! checks accepted ([`CheckedOpening::shares`], after
//! [`sealbid_crypto::opening::check_opening`]), one share per envelope with
//! the key share, signed as one `ShareBatch`.
//! The work runs in chunks with a pause between them, so the page can show
//! its progress bar; the timings are measured per chunk (pauses excluded).
//! No user interface here.

use rand_chacha02::ChaCha20Rng;
use rand_chacha02::rand_core::SeedableRng;
use sealbid_crypto::envelope::TenderId;
use sealbid_crypto::opening::{CheckedOpening, ShareBatch, compute_shares};
use sealbid_crypto::threshold_crypto::{Ciphertext, DecryptionShare, PublicKey, SecretKeyShare};
use sealbid_crypto::{PrivateKey, Sm3Digest, sm3};

use crate::components::now_ms;

/// Envelopes per chunk between two pauses.
pub const CHUNK: usize = 25;

/// Lets the browser run its event loop (and paint) between chunks.
async fn pause() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Decryption shares of `cts` in chunks of [`CHUNK`]; `progress(done)` after
/// each. Returns the shares and the milliseconds spent computing them.
pub async fn compute(
    share: &SecretKeyShare,
    cts: &[(Sm3Digest, Ciphertext)],
    progress: impl Fn(usize),
) -> (Vec<(Sm3Digest, DecryptionShare)>, f64) {
    let refs: Vec<(Sm3Digest, &Ciphertext)> = cts.iter().map(|(h, ct)| (*h, ct)).collect();
    let (mut out, mut spent) = (Vec::with_capacity(refs.len()), 0.0);
    for chunk in refs.chunks(CHUNK) {
        let t0 = now_ms();
        out.extend(compute_shares(share, chunk));
        spent += now_ms() - t0;
        progress(out.len());
        pause().await;
    }
    (out, spent)
}

/// Decryption shares of the envelopes `checked` accepted, in chunks of
/// [`CHUNK`]; `progress(done)` after each. Returns the shares and the
/// milliseconds spent computing them.
pub async fn compute_checked(
    checked: &CheckedOpening,
    share: &SecretKeyShare,
    progress: impl Fn(usize),
) -> Result<(Vec<(Sm3Digest, DecryptionShare)>, f64), String> {
    let total = checked.accepted().len();
    let (mut out, mut spent) = (Vec::with_capacity(total), 0.0);
    while out.len() < total {
        let start = out.len();
        let t0 = now_ms();
        let chunk = checked.shares(share, start..(start + CHUNK).min(total)).map_err(|e| e.to_string())?;
        spent += now_ms() - t0;
        if chunk.is_empty() {
            break;
        }
        out.extend(chunk);
        progress(out.len());
        pause().await;
    }
    Ok((out, spent))
}

/// Signs the shares as official `index`'s batch for `tender` (DER).
pub fn batch(
    tender: &str,
    committee: &PublicKey,
    index: usize,
    entries: Vec<(Sm3Digest, DecryptionShare)>,
    key: &PrivateKey,
) -> Result<Vec<u8>, String> {
    let tender = TenderId::parse(tender).map_err(|e| e.to_string())?;
    let batch = ShareBatch::create(&tender, committee, index, entries, key).map_err(|e| e.to_string())?;
    batch.encode().map_err(|e| e.to_string())
}

/// What the benchmark measured, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bench {
    /// Ciphertexts.
    pub n: usize,
    /// Encrypting n random SM4 keys under the committee key.
    pub encrypt_ms: f64,
    /// Computing the n decryption shares (pauses excluded).
    pub share_ms: f64,
    /// Signing and encoding them as one batch.
    pub batch_ms: f64,
}

/// Times share computation over `n` ciphertexts made here under the
/// committee key `committee` (random 16-byte keys, as envelopes carry);
/// `progress(done, 2 * n)` runs through encryption then sharing.
pub async fn benchmark(
    tender: &str,
    share: &SecretKeyShare,
    committee: &PublicKey,
    index: usize,
    key: &PrivateKey,
    n: usize,
    progress: impl Fn(usize, usize),
) -> Result<Bench, String> {
    let seed = sealbid_crypto::rng::bytes::<32>().map_err(|e| e.to_string())?;
    let mut rng = ChaCha20Rng::from_seed(seed);
    let (mut cts, mut encrypt_ms) = (Vec::with_capacity(n), 0.0);
    while cts.len() < n {
        let t0 = now_ms();
        for _ in 0..CHUNK.min(n - cts.len()) {
            let i = cts.len() as u64;
            let sm4_key = sealbid_crypto::rng::bytes::<16>().map_err(|e| e.to_string())?;
            cts.push((sm3(&i.to_be_bytes()), committee.encrypt_with_rng(&mut rng, sm4_key)));
        }
        encrypt_ms += now_ms() - t0;
        progress(cts.len(), 2 * n);
        pause().await;
    }
    let (shares, share_ms) = compute(share, &cts, |done| progress(n + done, 2 * n)).await;
    let t0 = now_ms();
    batch(tender, committee, index, shares, key)?;
    let batch_ms = now_ms() - t0;
    Ok(Bench { n, encrypt_ms, share_ms, batch_ms })
}
