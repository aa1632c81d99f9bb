//! Combining t + 1 decryption shares into the SM4 key without
//! `threshold_crypto`'s serde round trips.
//!
//! [`combine_key`] computes exactly what `PublicKeySet::decrypt(shares, ct)`
//! returns for the ciphertext's V: the Lagrange interpolation at 0 of the
//! share points at x = index + 1 (`threshold_crypto`'s `interpolate`), then
//! `threshold_crypto`'s private `xor_with_hash`: V xor the first bytes of a
//! ChaCha20 stream (`rand_chacha` 0.2 `ChaChaRng`) seeded with SHA3-256 of the
//! compressed interpolated point, one byte per `next_u32` (rand 0.7 samples a
//! `u8` from `Standard` as `next_u32() as u8`). The interpolation is the same
//! field arithmetic, so the point, and therefore the key, is identical.

use rand_chacha02::ChaCha20Rng;
use rand_chacha02::rand_core::{RngCore, SeedableRng};
use threshold_crypto::ff::{Field, PrimeField};
use threshold_crypto::group::{CurveAffine, CurveProjective};
use threshold_crypto::pairing::bls12_381::{Fr, FrRepr, G1, G1Affine};
use zeroize::Zeroizing;

use super::fast::sha3_256;
use crate::{Error, Result};

/// Combines the share points `(official index, point)` into the message the
/// ciphertext's `v` hides (for a key ciphertext: the 16-byte SM4 key).
///
/// All points given are interpolated, so pass exactly t + 1 of them (as
/// `PublicKeySet::decrypt` uses the first t + 1). The points are not
/// checked: a wrong point gives a wrong key, which the payload's GCM tag
/// catches; then verify shares with [`super::PreparedCiphertext`]. Fails on
/// no points or a repeated index.
pub fn combine_key(indices_and_points: &[(usize, G1Affine)], v: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let g = interpolate_at_zero(indices_and_points)?;
    Ok(xor_with_hash(&g, v))
}

/// `f(0)·g` from the samples `(i, f(i + 1)·g)`.
fn interpolate_at_zero(samples: &[(usize, G1Affine)]) -> Result<G1> {
    let xs = samples.iter().map(|(i, _)| x_of(*i)).collect::<Result<Vec<Fr>>>()?;
    match samples {
        [] => return Err(Error::InvalidParameter("no decryption shares to combine".into())),
        [(_, p)] => return Ok(p.into_projective()),
        _ => {}
    }
    let mut result = G1::zero();
    for (k, (xk, (_, point))) in xs.iter().zip(samples).enumerate() {
        // l_k(0) = Π_{j≠k} x_j / (x_j − x_k)
        let (mut num, mut den) = (Fr::one(), Fr::one());
        for (_, xj) in xs.iter().enumerate().filter(|(j, _)| *j != k) {
            num.mul_assign(xj);
            let mut diff = *xj;
            diff.sub_assign(xk);
            den.mul_assign(&diff);
        }
        let inv = den.inverse().ok_or_else(|| {
            Error::InvalidParameter(format!("decryption share of official {} given twice", samples[k].0))
        })?;
        num.mul_assign(&inv);
        result.add_assign(&point.mul(num));
    }
    Ok(result)
}

/// The evaluation point of official `i`: i + 1 in Fr.
fn x_of(i: usize) -> Result<Fr> {
    let i = u64::try_from(i)
        .map_err(|_| Error::InvalidParameter(format!("official index {i} is out of range")))?;
    let mut x = Fr::from_repr(FrRepr::from(i))
        .map_err(|e| Error::InvalidParameter(format!("official index {i}: {e}")))?;
    x.add_assign(&Fr::one());
    Ok(x)
}

/// `threshold_crypto`'s `xor_with_hash(g, bytes)`.
pub(crate) fn xor_with_hash(g: &G1, bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let digest = Zeroizing::new(sha3_256(g.into_affine().into_compressed().as_ref()));
    let mut rng = ChaCha20Rng::from_seed(*digest);
    // rand 0.7: `Standard` samples a u8 as `next_u32() as u8`.
    Zeroizing::new(bytes.iter().map(|b| b ^ (rng.next_u32() as u8)).collect())
}

#[cfg(test)]
#[path = "tests_combine.rs"]
mod tests;
