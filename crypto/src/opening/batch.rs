//! An official's signed batch of decryption shares.
//!
//! ```text
//! ShareBatch ::= SEQUENCE {
//!     body SEQUENCE {
//!         version      INTEGER (1),
//!         tenderId     UTF8String,
//!         committeeKey OCTET STRING (SIZE (32)),   -- SM3 of the committee's threshold public key bytes
//!         official     INTEGER (0..99),             -- the official's share index
//!         entries      SEQUENCE SIZE (1..100000) OF SEQUENCE {
//!             envelopeHash OCTET STRING (SIZE (32)), -- SM3 of the envelope (Envelope::hash)
//!             share        OCTET STRING (SIZE (96)) } },  -- uncompressed G1 decryption share
//!     signature OCTET STRING }                     -- SM2 DER, Purpose::DecryptionShare over DER(body)
//! ```
//!
//! Shares are stored uncompressed so that a batch the server already
//! verified can be read back without a square root per point
//! ([`ShareBatch::parse_trusted`]). Envelope hashes are distinct within a
//! batch. As everywhere in the crate, parsing is strict: canonical DER only,
//! version 1 only, and the input must re-encode to the very bytes received.

use std::collections::HashSet;

use der::asn1::OctetString;
use der::{Decode, Encode, Sequence};
use threshold_crypto::group::{CurveAffine, EncodedPoint};
use threshold_crypto::pairing::bls12_381::{G1Affine, G1Uncompressed};
use threshold_crypto::{Ciphertext, DecryptionShare, SecretKeyShare};

use super::fast::share_point;
use crate::committee::MAX_OFFICIALS;
use crate::envelope::codec::{U_LEN, from_serde_parts};
use crate::envelope::{TenderId, VERSION, check_len, check_version, tender_field};
use crate::{Error, PrivateKey, PublicKey, Purpose, Result, Signature, SignedMessage, Sm3Digest, sm3};

#[cfg(test)]
#[path = "tests_batch.rs"]
mod tests;

const WHAT: &str = "decryption-share batch";
/// Most entries one batch may hold.
pub const MAX_BATCH_ENTRIES: usize = 100_000;
/// Length of an uncompressed G1 point: a share as a batch stores it.
const SHARE_LEN: usize = 96;
/// DER size of one entry: SEQUENCE header (3) + hash (2 + 32) + share (2 + 96).
const ENTRY_LEN: usize = 135;
/// Longest accepted encoding: every entry plus generous room for headers, tender id and signature.
const MAX_BATCH_LEN: usize = MAX_BATCH_ENTRIES * ENTRY_LEN + 1024;

#[derive(Sequence)]
struct EntryAsn1 {
    envelope_hash: OctetString,
    share: OctetString,
}

#[derive(Sequence)]
struct BodyAsn1 {
    version: u64,
    tender_id: String,
    committee_key: OctetString,
    official: u64,
    entries: Vec<EntryAsn1>,
}

#[derive(Sequence)]
struct BatchAsn1 {
    body: BodyAsn1,
    signature: OctetString,
}

/// One official's decryption shares for the envelopes of a tender, signed
/// with the official's SM2 key ([`Purpose::DecryptionShare`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareBatch {
    tender: TenderId,
    committee_key: Sm3Digest,
    official: usize,
    entries: Vec<(Sm3Digest, G1Affine)>,
    body_der: Vec<u8>,
    signature: Signature,
}

/// SM3 of `committee.to_bytes()`: how a batch names the committee key its shares are for.
pub fn committee_key_hash(committee: &threshold_crypto::PublicKey) -> Sm3Digest {
    sm3(&committee.to_bytes())
}

/// Official's decryption shares of each ciphertext, tagged with its envelope hash.
///
/// Uses `decrypt_share_no_verify`: the ciphertexts are not checked here (a
/// pairing check per ciphertext, ~3 ms) because intake already accepted each
/// envelope only after [`crate::envelope::Envelope::check_ciphertext`]. Do
/// not feed ciphertexts that did not pass that check.
pub fn compute_shares(
    share: &SecretKeyShare,
    cts: &[(Sm3Digest, &Ciphertext)],
) -> Vec<(Sm3Digest, DecryptionShare)> {
    cts.iter().map(|(hash, ct)| (*hash, share.decrypt_share_no_verify(ct))).collect()
}

impl ShareBatch {
    /// Builds and signs a batch of official `official`'s shares for `tender`
    /// under the committee key `committee`. Fails on no entries, more than
    /// [`MAX_BATCH_ENTRIES`], a repeated envelope hash or an official index
    /// out of range.
    pub fn create(
        tender: &TenderId,
        committee: &threshold_crypto::PublicKey,
        official: usize,
        entries: Vec<(Sm3Digest, DecryptionShare)>,
        key: &PrivateKey,
    ) -> Result<Self> {
        check_entries(entries.iter().map(|(h, _)| h), entries.len()).map_err(Error::InvalidParameter)?;
        if official >= MAX_OFFICIALS {
            return Err(Error::InvalidParameter(format!("official index {official} is out of range")));
        }
        let committee_key = committee_key_hash(committee);
        let entries = entries
            .iter()
            .map(|(hash, share)| Ok((*hash, share_point(share)?)))
            .collect::<Result<Vec<_>>>()?;
        let body = body_asn1(tender, &committee_key, official, &entries)?;
        let body_der = body.to_der().map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))?;
        let signature = SignedMessage::new(Purpose::DecryptionShare, &body_der).sign(key)?;
        Ok(Self { tender: tender.clone(), committee_key, official, entries, body_der, signature })
    }

    /// The canonical DER encoding.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let body = body_asn1(&self.tender, &self.committee_key, self.official, &self.entries)?;
        BatchAsn1 { body, signature: OctetString::new(self.signature.to_der())? }
            .to_der()
            .map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
    }

    /// Parses a batch strictly (size limit, version, field sizes, shares
    /// on the curve and in the prime-order subgroup of G1, distinct envelope
    /// hashes, canonical DER); checks no signature. Use this for any batch
    /// received from outside (the upload).
    pub fn parse(der: &[u8]) -> Result<Self> {
        Self::parse_with(der, Points::Checked)
    }

    /// As [`Self::parse`] with the same structural checks, but the shares'
    /// points are not validated (no on-curve or subgroup check, ~230 µs
    /// each). Only for batches this server already accepted with
    /// [`Self::parse`] and [`Self::verify`] and stored: a point that is not a
    /// valid share would then merely give a wrong key at the opening, which
    /// fails the GCM tag and leads to the per-share pairing check. Checks no
    /// signature either.
    pub fn parse_trusted(der: &[u8]) -> Result<Self> {
        Self::parse_with(der, Points::Unchecked)
    }

    fn parse_with(der: &[u8], points: Points) -> Result<Self> {
        check_len(der, MAX_BATCH_LEN, WHAT)?;
        check_version(der, 1, WHAT)?;
        let asn1 = BatchAsn1::from_der(der).map_err(|e| Error::malformed(WHAT, e))?;
        let body = asn1.body;
        let n = body.entries.len();
        let mut entries = Vec::with_capacity(n);
        for (i, e) in body.entries.iter().enumerate() {
            let hash: Sm3Digest = e.envelope_hash.as_bytes().try_into().map_err(|_| {
                Error::malformed(
                    WHAT,
                    format!("entry {i}: an envelope hash is 32 bytes, got {}", e.envelope_hash.len()),
                )
            })?;
            entries.push((hash, point_from_bytes(e.share.as_bytes(), i, points)?));
        }
        check_entries(entries.iter().map(|(h, _)| h), n).map_err(|e| Error::malformed(WHAT, e))?;
        let committee_key: Sm3Digest = body.committee_key.as_bytes().try_into().map_err(|_| {
            Error::malformed(
                WHAT,
                format!("the committee key hash is 32 bytes, got {}", body.committee_key.len()),
            )
        })?;
        let official =
            usize::try_from(body.official).ok().filter(|&o| o < MAX_OFFICIALS).ok_or_else(|| {
                Error::malformed(WHAT, format!("official index {} is out of range", body.official))
            })?;
        let tender = tender_field(&body.tender_id, WHAT)?;
        let body_der = body.to_der().map_err(|e| Error::malformed(WHAT, e))?;
        let batch = Self {
            tender,
            committee_key,
            official,
            entries,
            body_der,
            signature: Signature::from_der(asn1.signature.as_bytes())
                .map_err(|e| Error::malformed(WHAT, e))?,
        };
        if batch.encode()? != der {
            return Err(Error::malformed(WHAT, "not in canonical DER form"));
        }
        Ok(batch)
    }

    /// Checks the signature ([`Purpose::DecryptionShare`]) under the official's key.
    pub fn verify(&self, official_key: &PublicKey) -> Result<()> {
        SignedMessage::new(Purpose::DecryptionShare, &self.body_der).verify(official_key, &self.signature)
    }

    /// The tender the shares are for.
    pub fn tender(&self) -> &TenderId {
        &self.tender
    }

    /// SM3 of the committee's threshold public key bytes (compare with [`committee_key_hash`]).
    pub fn committee_key(&self) -> &Sm3Digest {
        &self.committee_key
    }

    /// The official's share index.
    pub fn official(&self) -> usize {
        self.official
    }

    /// `(envelope hash, decryption share point)` pairs, in the order signed.
    /// Feed the points to [`super::combine_key`]. After
    /// [`Self::parse_trusted`] they are unchecked.
    pub fn entries(&self) -> &[(Sm3Digest, G1Affine)] {
        &self.entries
    }

    /// Entry `i`'s share as a `threshold_crypto` [`DecryptionShare`] (for
    /// `PublicKeySet::decrypt` or `verify_decryption_share`). Fails if there
    /// is no entry `i`, or if its point is not a valid share point (possible
    /// only after [`Self::parse_trusted`]).
    pub fn decryption_share(&self, i: usize) -> Result<DecryptionShare> {
        let (_, point) = self.entries.get(i).ok_or_else(|| {
            Error::InvalidParameter(format!("the batch has {} entries, no entry {i}", self.entries.len()))
        })?;
        decryption_share(point)
    }

    /// The official's signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
}

fn body_asn1(
    tender: &TenderId,
    committee_key: &Sm3Digest,
    official: usize,
    entries: &[(Sm3Digest, G1Affine)],
) -> Result<BodyAsn1> {
    let entries = entries
        .iter()
        .map(|(hash, point)| {
            Ok(EntryAsn1 {
                envelope_hash: OctetString::new(hash.to_vec())?,
                share: OctetString::new(point.into_uncompressed().as_ref().to_vec())?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(BodyAsn1 {
        version: VERSION,
        tender_id: tender.as_str().to_owned(),
        committee_key: OctetString::new(committee_key.to_vec())?,
        official: official as u64,
        entries,
    })
}

/// Whether [`ShareBatch`] parsing validates the share points.
#[derive(Clone, Copy)]
enum Points {
    /// On the curve and in the prime-order subgroup (`into_affine`).
    Checked,
    /// Coordinates and flags only (`into_affine_unchecked`).
    Unchecked,
}

/// Decodes entry `i`'s share: 96 bytes, an uncompressed G1 point, checked as `points` says.
fn point_from_bytes(bytes: &[u8], i: usize, points: Points) -> Result<G1Affine> {
    let mut encoded = G1Uncompressed::empty();
    if bytes.len() != SHARE_LEN {
        return Err(Error::malformed(
            WHAT,
            format!("entry {i}: a share is {SHARE_LEN} bytes, got {}", bytes.len()),
        ));
    }
    encoded.as_mut().copy_from_slice(bytes);
    let point = match points {
        Points::Checked => encoded.into_affine(),
        Points::Unchecked => encoded.into_affine_unchecked(),
    };
    point.map_err(|e| {
        Error::malformed(WHAT, format!("entry {i}: the share is not a valid uncompressed G1 point: {e}"))
    })
}

/// A share point as a `threshold_crypto` [`DecryptionShare`] (decompression
/// and subgroup check by `threshold_crypto`, ~230 µs). Fails if the point is
/// not in the prime-order subgroup.
pub fn decryption_share(point: &G1Affine) -> Result<DecryptionShare> {
    let compressed = point.into_compressed();
    debug_assert_eq!(compressed.as_ref().len(), U_LEN);
    from_serde_parts(vec![compressed.as_ref().to_vec()])
        .ok_or_else(|| Error::InvalidParameter("the point is not a valid decryption share".into()))
}

/// 1 to [`MAX_BATCH_ENTRIES`] entries with distinct envelope hashes.
fn check_entries<'a>(hashes: impl Iterator<Item = &'a Sm3Digest>, n: usize) -> Result<(), String> {
    if n == 0 || n > MAX_BATCH_ENTRIES {
        return Err(format!("a batch holds 1 to {MAX_BATCH_ENTRIES} entries, got {n}"));
    }
    let mut seen = HashSet::with_capacity(n);
    for h in hashes {
        if !seen.insert(h) {
            return Err(format!("envelope {} appears twice", hex::encode(h)));
        }
    }
    Ok(())
}
