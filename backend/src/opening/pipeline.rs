//! The opening itself, free of HTTP and storage so that the server and
//! `sealbid bench opening` run the same code: combine t + 1 officials'
//! decryption shares per envelope optimistically, decrypt, check the GCM tag,
//! the binding and the inner signature; only when an envelope fails to
//! decrypt are the shares verified one by one, the officials with bad shares
//! named, and other officials' shares used instead.
//!
//! The fast path reads each stored envelope as a [`SealedView`] (no curve
//! point decoded: intake already checked the key ciphertext) and combines
//! the share points with [`combine_key`]; only the slow path parses the full
//! [`Envelope`] and runs pairing checks ([`PreparedCiphertext`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use sealbid_crypto::committee::PublicKeySet;
use sealbid_crypto::envelope::tender_label;
use sealbid_crypto::envelope::{Envelope, OpenedDocument, SealedView};
use sealbid_crypto::opening::{G1Affine, PreparedCiphertext, combine_key};
use sealbid_crypto::pki::Certificate;
use sealbid_crypto::{Error as CryptoError, PublicKey, Sm3Digest};
use serde::Serialize;

/// One envelope to open.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// Bid id.
    pub bid: i64,
    /// The envelope, DER.
    pub envelope: Vec<u8>,
    /// The certificate that signed the envelope at intake, DER.
    pub bidder_cert: Vec<u8>,
}

/// What opening one envelope gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Bid id.
    pub bid: i64,
    /// Quoted unit prices in fen by item number, when the bid opened and its inner signature holds.
    pub prices: Option<BTreeMap<u32, u64>>,
    /// Why the bid is invalid, if it is.
    pub reason: Option<String>,
}

/// Shares per official: envelope hash → decryption share point (as
/// `ShareBatch::entries` gives them).
pub type ShareSet = HashMap<Sm3Digest, G1Affine>;

/// The committee's contributions, and what the opening learns about them.
#[derive(Debug)]
pub struct Committee<'a> {
    /// The committee's key set.
    pub pks: &'a PublicKeySet,
    /// Each contributing official's shares, by share index.
    pub shares: &'a BTreeMap<usize, ShareSet>,
    /// Officials found to have sent a bad share (index → detail).
    pub bad: Mutex<BTreeMap<usize, String>>,
}

/// Why an envelope could not be opened at all (not the bidder's fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stuck {
    /// Fewer than t + 1 officials gave a good share for this envelope.
    #[error("fewer than t + 1 good decryption shares for envelope {0}")]
    NotEnoughShares(String),
}

const UNDECRYPTABLE: &str = "the payload does not decrypt under its key (GCM tag check failed)";

impl Committee<'_> {
    fn bad_now(&self) -> BTreeSet<usize> {
        self.bad.lock().map(|b| b.keys().copied().collect()).unwrap_or_default()
    }

    /// The first t + 1 officials not in `skip` holding a share for `hash`.
    fn pick(&self, hash: &Sm3Digest, skip: &BTreeSet<usize>) -> Vec<(usize, G1Affine)> {
        let need = self.pks.threshold() + 1;
        self.shares
            .iter()
            .filter(|(i, _)| !skip.contains(i))
            .filter_map(|(&i, set)| set.get(hash).map(|p| (i, *p)))
            .take(need)
            .collect()
    }
}

/// Opens one envelope with the committee's shares; `keys` caches bidder
/// public keys by certificate DER.
pub fn open_one(
    c: &Committee<'_>,
    sealed: &Sealed,
    keys: &mut HashMap<Vec<u8>, PublicKey>,
) -> Result<Outcome, Stuck> {
    let invalid = |reason: String| Ok(Outcome { bid: sealed.bid, prices: None, reason: Some(reason) });
    let view = match SealedView::parse(&sealed.envelope) {
        Ok(v) => v,
        Err(e) => return invalid(format!("malformed envelope: {e}")),
    };
    let hash = *view.hash();
    let opened = match try_open(c, &view, sealed, &hash, &c.bad_now()) {
        Ok(o) => o,
        Err(OpenError::Bidder(reason)) => return invalid(reason),
        Err(OpenError::Shares) => match recover(c, &view, sealed, &hash) {
            Ok(o) => o,
            Err(OpenError::Bidder(reason)) => return invalid(reason),
            Err(OpenError::Shares) => return Err(Stuck::NotEnoughShares(hex::encode(hash))),
        },
    };
    let key = match keys.get(&sealed.bidder_cert) {
        Some(k) => k,
        None => match Certificate::from_der(&sealed.bidder_cert).and_then(|c| c.public_key()) {
            Ok(k) => keys.entry(sealed.bidder_cert.clone()).or_insert(k),
            Err(e) => return invalid(format!("the bidder's certificate is unreadable: {e}")),
        },
    };
    if let Err(e) = opened.verify_inner(key) {
        return invalid(format!("bad inner signature: {e}"));
    }
    let prices = opened.document().items().iter().map(|it| (it.item, it.unit_price.fen())).collect();
    Ok(Outcome { bid: sealed.bid, prices: Some(prices), reason: None })
}

enum OpenError {
    /// The shares did not give a working key (bad share, or a bad ciphertext).
    Shares,
    /// The envelope opened wrongly for a reason that is the bidder's.
    Bidder(String),
}

/// Combines the first t + 1 shares of officials not in `skip` and opens the
/// payload, insisting that the sealed certificate is the one that submitted the bid.
fn try_open(
    c: &Committee<'_>,
    view: &SealedView,
    sealed: &Sealed,
    hash: &Sm3Digest,
    skip: &BTreeSet<usize>,
) -> Result<OpenedDocument, OpenError> {
    let points = c.pick(hash, skip);
    if points.len() <= c.pks.threshold() {
        return Err(OpenError::Shares);
    }
    let key = combine_key(&points, view.key_ciphertext_v()).map_err(|_| OpenError::Shares)?;
    match view.open_with_key_expecting(&key, &sealed.bidder_cert) {
        Ok(o) => Ok(o),
        Err(CryptoError::DecryptionFailed) => Err(OpenError::Shares),
        Err(e) => Err(OpenError::Bidder(format!("malformed bid: {e}"))),
    }
}

/// Verifies every official's share for this envelope (pairing checks on the
/// full envelope), names the bad ones, and tries again with good shares only.
fn recover(
    c: &Committee<'_>,
    view: &SealedView,
    sealed: &Sealed,
    hash: &Sm3Digest,
) -> Result<OpenedDocument, OpenError> {
    let env = Envelope::parse(&sealed.envelope)
        .map_err(|e| OpenError::Bidder(format!("malformed envelope: {e}")))?;
    let prepared = PreparedCiphertext::new(env.key_ciphertext(), &tender_label(env.tender()))
        .map_err(|e| OpenError::Bidder(format!("malformed envelope: {e}")))?;
    let mut bad_here = BTreeSet::new();
    for (&i, set) in c.shares {
        let Some(point) = set.get(hash) else { continue };
        if !prepared.share_point_is_valid(&c.pks.public_key_share(i), point) {
            bad_here.insert(i);
            if let Ok(mut bad) = c.bad.lock() {
                bad.entry(i)
                    .or_insert_with(|| format!("bad decryption share for envelope {}", hex::encode(hash)));
            }
        }
    }
    if bad_here.is_empty() {
        // Every share is right, so the key is right: the payload itself is bad.
        return Err(OpenError::Bidder(UNDECRYPTABLE.into()));
    }
    match try_open(c, view, sealed, hash, &bad_here) {
        Err(OpenError::Shares) if c.pick(hash, &bad_here).len() > c.pks.threshold() => {
            Err(OpenError::Bidder(UNDECRYPTABLE.into()))
        }
        other => other,
    }
}

/// Opens `batch` on `workers` threads; outcomes in input order.
pub fn open_batch(c: &Committee<'_>, batch: &[Sealed], workers: usize) -> Vec<Result<Outcome, Stuck>> {
    let workers = workers.clamp(1, 64);
    let chunk = batch.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = batch
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut keys = HashMap::new();
                    part.iter().map(|s| open_one(c, s, &mut keys)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}
