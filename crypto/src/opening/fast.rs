//! The pairing checks of `threshold_crypto` 0.4 — ciphertext validity and
//! decryption-share validity — with identical results at about half the cost.
//!
//! `threshold_crypto` checks `e(g1, W) == e(U, H)` (and `e(S_i, H) == e(pk_i, W)`)
//! as two full pairings: two Miller loops and two final exponentiations. Here
//! each equation is rewritten as `e(-g1, W) · e(U, H) == 1` (`e(-S_i, H) ·
//! e(pk_i, W) == 1`) and computed as one multi-Miller loop over the two pairs
//! followed by one final exponentiation. Bilinearity makes the two forms
//! equivalent; `H = hash_g1_g2(U, V)` is computed exactly as `threshold_crypto`
//! does (`hash_g2(V' ‖ compressed U)`, `V' = SHA3-256(V)` if V is longer than
//! 64 bytes, else V), so no verdict can differ.
//!
//! Every check takes a `label`: the ciphertexts of sealed bids are labelled
//! with their tender ([`crate::envelope::tender_label`]) and `H` becomes
//! `hash_g2(V' ‖ U ‖ label)`. With an empty label the verdicts are
//! `threshold_crypto`'s own.
//!
//! [`PreparedCiphertext`] also keeps `H` and the prepared G2 points, so
//! checking several shares of one ciphertext pays for the hash-to-curve once.

use std::fmt;

use threshold_crypto::ff::Field;
use threshold_crypto::group::{CurveAffine, CurveProjective, EncodedPoint};
use threshold_crypto::pairing::bls12_381::{
    Bls12, Fq12, FrRepr, G1Affine, G1Compressed, G2, G2Affine, G2Compressed, G2Prepared,
};
use threshold_crypto::pairing::{Engine, PairingCurveAffine};
use threshold_crypto::{Ciphertext, DecryptionShare, PublicKeyShare};
use tiny_keccak::{Hasher, Sha3};

use crate::envelope::codec::{
    KEY_CIPHERTEXT_LEN, U_LEN, W_LEN, decode_u, g1_from_bls, g2_from_bls, h_point, serde_bytes,
};
use crate::{Error, Result};

/// Messages longer than this are hashed with SHA3-256 before `hash_g2` (as in `threshold_crypto`).
const MAX_INLINE_MSG: usize = 64;

/// A ciphertext's points ready for pairing checks: U, and W and `H(U, V)` prepared.
pub struct PreparedCiphertext {
    u: G1Affine,
    w: G2Prepared,
    h: G2Prepared,
}

impl fmt::Debug for PreparedCiphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedCiphertext").field("u", &self.u).finish_non_exhaustive()
    }
}

impl PreparedCiphertext {
    /// Reads U, V and W out of `ct` and computes `H(U, V, label)` (the costly hash to G2).
    pub fn new(ct: &Ciphertext, label: &[u8]) -> Result<Self> {
        let (bytes, seq_lens) = serde_bytes(ct)?;
        let v_len = match seq_lens.as_slice() {
            [v_len] if bytes.len() == U_LEN + v_len + W_LEN => *v_len,
            _ => return Err(Error::Encoding("unexpected threshold ciphertext serialization".into())),
        };
        let (u_bytes, rest) = bytes.split_at(U_LEN);
        let (v, w_bytes) = rest.split_at(v_len);
        let u = g1_from_compressed(u_bytes)?;
        let w = g2_from_compressed(w_bytes)?;
        let v = if v.len() > MAX_INLINE_MSG { sha3_256(v).to_vec() } else { v.to_vec() };
        let h = h_point(&v, u_bytes, label)?;
        Ok(Self { u, w: w.prepare(), h: h.prepare() })
    }

    /// `e(g1, W) == e(U, H(U, V))`: the ciphertext is well formed (what
    /// `Ciphertext::verify` answers).
    pub fn is_valid(&self) -> bool {
        let mut neg_g1 = G1Affine::one();
        neg_g1.negate();
        product_is_one(&neg_g1, &self.w, &self.u, &self.h)
    }

    /// `e(S_i, H(U, V)) == e(pk_i, W)`: `share` is official i's decryption
    /// share of this ciphertext (what `PublicKeyShare::verify_decryption_share` answers).
    pub fn share_is_valid(&self, pk_share: &PublicKeyShare, share: &DecryptionShare) -> bool {
        let Ok(mut neg_share) = share_point(share) else { return false };
        neg_share.negate();
        let Ok(pk) = g1_from_compressed(&pk_share.to_bytes()) else { return false };
        product_is_one(&neg_share, &self.h, &pk, &self.w)
    }

    /// As [`Self::share_is_valid`] for a share given as its G1 point (as
    /// [`super::ShareBatch::entries`] holds it).
    pub fn share_point_is_valid(&self, pk_share: &PublicKeyShare, share: &G1Affine) -> bool {
        let mut neg_share = *share;
        neg_share.negate();
        let Ok(pk) = g1_from_compressed(&pk_share.to_bytes()) else { return false };
        product_is_one(&neg_share, &self.h, &pk, &self.w)
    }
}

/// A key ciphertext decoded once, strictly, with `H(U, V)` computed, waiting
/// for its pairing check: alone ([`Self::is_valid`]) or together with the
/// ciphertexts of concurrent submissions ([`all_valid`]).
///
/// [`Self::decode`] checks exactly what [`crate::envelope::decode_key_ciphertext`]
/// checks — U and W valid points of the prime-order subgroups, U not the
/// identity, canonical compressed encodings — but decompresses each point
/// once, where parsing an [`crate::envelope::Envelope`] and then calling
/// [`ciphertext_valid`] decompresses them twice.
#[derive(Clone)]
pub struct CiphertextCheck {
    u: G1Affine,
    w: G2Affine,
    h: G2Affine,
}

impl fmt::Debug for CiphertextCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CiphertextCheck").field("u", &self.u).finish_non_exhaustive()
    }
}

impl CiphertextCheck {
    /// Decodes the 160-byte `U ‖ V ‖ W` encoding strictly and computes `H(U, V, label)`.
    pub fn decode(bytes: &[u8], label: &[u8]) -> Result<Self> {
        const WHAT: &str = "key ciphertext";
        if bytes.len() != KEY_CIPHERTEXT_LEN {
            return Err(Error::malformed(
                WHAT,
                format!("must be {KEY_CIPHERTEXT_LEN} bytes, got {}", bytes.len()),
            ));
        }
        let bytes: &[u8; KEY_CIPHERTEXT_LEN] =
            bytes.try_into().map_err(|_| Error::malformed(WHAT, "not 160 bytes"))?;
        let u = bytes.first_chunk().ok_or_else(|| Error::malformed(WHAT, "no U"))?;
        Self::decode_with_u(bytes, &decode_u(u)?, label)
    }

    /// As [`Self::decode`] for a ciphertext whose U is already decoded and
    /// checked (`u`, from [`decode_u`] or the key proof's check): decodes W
    /// strictly (`bls12_381`'s subgroup check, canonical) and computes `H`.
    pub(crate) fn decode_with_u(
        bytes: &[u8; KEY_CIPHERTEXT_LEN],
        u: &bls12_381::G1Affine,
        label: &[u8],
    ) -> Result<Self> {
        const WHAT: &str = "key ciphertext";
        let (u_bytes, rest) = bytes.split_at(U_LEN);
        let (v, w_bytes) = rest.split_at(KEY_CIPHERTEXT_LEN - U_LEN - W_LEN);
        if u.to_compressed().as_slice() != u_bytes {
            return Err(Error::InvalidParameter("the decoded U is not this ciphertext's".into()));
        }
        let wc: &[u8; W_LEN] = w_bytes.try_into().map_err(|_| Error::malformed(WHAT, "W"))?;
        let w = Option::<bls12_381::G2Affine>::from(bls12_381::G2Affine::from_compressed(wc))
            .ok_or_else(|| Error::malformed(WHAT, "W is not a valid compressed curve point"))?;
        if &w.to_compressed() != wc {
            return Err(Error::malformed(WHAT, "not in canonical form"));
        }
        Ok(Self { u: g1_from_bls(u)?, w: g2_from_bls(&w)?, h: h_point(v, u_bytes, label)? })
    }

    /// U, decoded and checked to be in the prime-order subgroup.
    #[cfg(test)]
    pub(crate) fn u(&self) -> &G1Affine {
        &self.u
    }

    /// `e(g1, W) == e(U, H(U, V))`, as [`PreparedCiphertext::is_valid`].
    pub fn is_valid(&self) -> bool {
        let mut neg_g1 = G1Affine::one();
        neg_g1.negate();
        product_is_one(&neg_g1, &self.w.prepare(), &self.u, &self.h.prepare())
    }
}

/// The verdict of [`CiphertextCheck::is_valid`] for each of `checks`, with one
/// final exponentiation for the whole batch when all are valid.
///
/// With fresh random 128-bit scalars `r_i` it checks
/// `e(-g1, Σ r_i·W_i) · Π e(r_i·U_i, H_i) == 1`: true whenever every
/// ciphertext is valid, and for any invalid one false except with
/// probability about 2^-128 (the scalars are unknown to whoever made the
/// ciphertexts). When the batch fails, each ciphertext is checked on its own,
/// so one bad submission never fails the others. Without a system random
/// generator it checks each ciphertext on its own.
pub fn all_valid(checks: &[&CiphertextCheck]) -> Vec<bool> {
    let one_by_one = || checks.iter().map(|c| c.is_valid()).collect();
    if checks.len() < 2 {
        return one_by_one();
    }
    let Ok(random) = checks.iter().map(|_| crate::rng::bytes::<16>()).collect::<Result<Vec<_>>>() else {
        return one_by_one();
    };
    let mut sum_w = G2::zero();
    let mut pairs = Vec::with_capacity(checks.len() + 1);
    for (c, r) in checks.iter().zip(&random) {
        let r = u128::from_le_bytes(*r) | 1 << 127;
        let (lo, hi) = (r as u64, (r >> 64) as u64);
        let scalar = FrRepr([lo, hi, 0, 0]);
        sum_w.add_assign(&c.w.mul(scalar));
        pairs.push((c.u.mul(scalar).into_affine().prepare(), c.h.prepare()));
    }
    let mut neg_g1 = G1Affine::one();
    neg_g1.negate();
    pairs.push((neg_g1.prepare(), sum_w.into_affine().prepare()));
    let refs: Vec<_> = pairs.iter().map(|(a, b)| (a, b)).collect();
    let ml = Bls12::miller_loop(refs.iter());
    if Bls12::final_exponentiation(&ml) == Some(Fq12::one()) {
        vec![true; checks.len()]
    } else {
        one_by_one()
    }
}

/// Whether `ct` is valid under `label`: for an empty label the same result
/// as `ct.verify()`, about twice as fast.
pub fn ciphertext_valid(ct: &Ciphertext, label: &[u8]) -> bool {
    PreparedCiphertext::new(ct, label).is_ok_and(|p| p.is_valid())
}

/// Whether `share` is official i's share of `ct` labelled `label`: for an
/// empty label the same result as `pk_share.verify_decryption_share(share,
/// ct)`, about twice as fast.
pub fn share_valid(
    pk_share: &PublicKeyShare,
    share: &DecryptionShare,
    ct: &Ciphertext,
    label: &[u8],
) -> bool {
    PreparedCiphertext::new(ct, label).is_ok_and(|p| p.share_is_valid(pk_share, share))
}

/// `e(a, b) · e(c, d) == 1` with one multi-Miller loop and one final exponentiation.
fn product_is_one(a: &G1Affine, b: &G2Prepared, c: &G1Affine, d: &G2Prepared) -> bool {
    let (a, c) = (a.prepare(), c.prepare());
    let ml = Bls12::miller_loop([(&a, b), (&c, d)].iter());
    Bls12::final_exponentiation(&ml) == Some(Fq12::one())
}

/// The G1 point of a decryption share.
pub(crate) fn share_point(share: &DecryptionShare) -> Result<G1Affine> {
    g1_from_compressed(&serde_bytes(share)?.0)
}

/// Decompresses a G1 point taken from a `threshold_crypto` value, which
/// already guarantees it is in the prime-order subgroup.
fn g1_from_compressed(bytes: &[u8]) -> Result<G1Affine> {
    let mut c = G1Compressed::empty();
    if bytes.len() != c.as_ref().len() {
        return Err(Error::Encoding(format!("a compressed G1 point is 48 bytes, got {}", bytes.len())));
    }
    c.as_mut().copy_from_slice(bytes);
    c.into_affine_unchecked().map_err(|e| Error::Encoding(format!("G1 point: {e}")))
}

/// As [`g1_from_compressed`], for G2.
fn g2_from_compressed(bytes: &[u8]) -> Result<G2Affine> {
    let mut c = G2Compressed::empty();
    if bytes.len() != c.as_ref().len() {
        return Err(Error::Encoding(format!("a compressed G2 point is 96 bytes, got {}", bytes.len())));
    }
    c.as_mut().copy_from_slice(bytes);
    c.into_affine_unchecked().map_err(|e| Error::Encoding(format!("G2 point: {e}")))
}

pub(crate) fn sha3_256(data: &[u8]) -> [u8; 32] {
    let mut sha3 = Sha3::v256();
    sha3.update(data);
    let mut out = [0u8; 32];
    sha3.finalize(&mut out);
    out
}

#[cfg(test)]
#[path = "tests_fast.rs"]
mod tests;
