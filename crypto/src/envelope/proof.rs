//! The bidder's proof that it made its key ciphertext (envelope format 3).
//!
//! A key ciphertext `U ‖ V ‖ W` has `U = r·g1` for the bidder's random `r`.
//! The envelope carries a Schnorr proof of knowledge of `r`, made
//! non-interactive with SM3 (Fiat–Shamir), whose challenge binds the whole
//! ciphertext, the tender's label ([`super::tender_label`]) and the hash of
//! the committee key the bid is sealed to:
//!
//! ```text
//! KeyProof ::= c (16 bytes) ‖ s (32 bytes, big-endian, s < q)
//! R = k·g1 for a fresh random k;  s = k + c·r mod q
//! c = SM3("sealbid/key-proof/v1" ‖ 0x00 ‖ len(label):u16 ‖ label ‖ committeeKey (32)
//!         ‖ U (48) ‖ V (16) ‖ W (96) ‖ R (48, compressed))[0..16]
//! ```
//!
//! Verifying recomputes `R = s·g1 − c·U` and the challenge. A valid proof
//! under tender T's label can only be made by someone who knows `r`
//! (signed ElGamal, Schnorr and Jakobsson 2000; TDH1 of Shoup and Gennaro
//! 1998 plays the same role): an operator who wraps another tender's
//! ciphertext in an envelope of this tender has no proof for it, since the
//! one that ciphertext carries is bound to the other tender's label, and a
//! `U` of the operator's choosing (a decryption oracle) comes with no proof
//! unless the operator knows its `r` — in which case the share tells it
//! nothing it did not know.
//!
//! This is the check an official's client makes before computing a share
//! ([`crate::opening::check_opening`]): about a tenth of the labelled pairing
//! check's cost, which needs a hash to G2. Intake checks both, because the
//! pairing check (`W = r·H(U, V, label)`) is what lets anyone check an
//! official's decryption share later.
//!
//! `U` is decoded with its subgroup check ([`super::codec`]'s `decode_u`). The arithmetic is `bls12_381`'s; `g1·s` uses a precomputed
//! comb of 32 byte-windows, `c·U` a 4-bit window over the 128-bit challenge.

use std::sync::OnceLock;

use bls12_381::{G1Affine, G1Projective, Scalar};
use threshold_crypto::ff::PrimeField;
use threshold_crypto::pairing::bls12_381::Fr;

use super::codec::{KEY_CIPHERTEXT_LEN, U_LEN};
use crate::{Error, Result, Sm3Digest};

/// Length of an encoded proof: c (16) ‖ s (32).
pub const KEY_PROOF_LEN: usize = CHALLENGE_LEN + 32;
const CHALLENGE_LEN: usize = 16;
const DOMAIN: &[u8] = b"sealbid/key-proof/v1\0";
const WHAT: &str = "key ciphertext proof";

/// What a proof is bound to besides the ciphertext.
#[derive(Debug, Clone, Copy)]
pub struct ProofContext<'a> {
    /// The tender's label ([`super::tender_label`]).
    pub label: &'a [u8],
    /// SM3 of the committee key (the envelope header's `committeeKey`).
    pub committee_key: &'a Sm3Digest,
}

/// The challenge bytes for `ciphertext` and the commitment `r_point`.
fn challenge(ctx: &ProofContext<'_>, ciphertext: &[u8; KEY_CIPHERTEXT_LEN], r_point: &[u8; 48]) -> [u8; 16] {
    let label_len = u16::try_from(ctx.label.len()).unwrap_or(u16::MAX).to_be_bytes();
    let mut msg = Vec::with_capacity(DOMAIN.len() + 2 + ctx.label.len() + 32 + KEY_CIPHERTEXT_LEN + 48);
    msg.extend_from_slice(DOMAIN);
    msg.extend_from_slice(&label_len);
    msg.extend_from_slice(ctx.label);
    msg.extend_from_slice(ctx.committee_key);
    msg.extend_from_slice(ciphertext);
    msg.extend_from_slice(r_point);
    let digest = crate::sm3(&msg);
    let mut c = [0u8; CHALLENGE_LEN];
    c.copy_from_slice(&digest[..CHALLENGE_LEN]);
    c
}

/// The challenge as a scalar: its 16 bytes as a big-endian integer (< 2^128 < q).
fn challenge_scalar(c: &[u8; CHALLENGE_LEN]) -> Scalar {
    let value = u128::from_be_bytes(*c);
    Scalar::from_raw([value as u64, (value >> 64) as u64, 0, 0])
}

/// `threshold_crypto`'s scalar as a `bls12_381` one (both canonical little-endian limbs).
fn scalar_of(fr: &Fr) -> Scalar {
    Scalar::from_raw(fr.into_repr().0)
}

/// Proves knowledge of `r` with `U = r·g1` for the encoded `ciphertext`.
pub(crate) fn prove(
    r: &Fr,
    ciphertext: &[u8; KEY_CIPHERTEXT_LEN],
    ctx: &ProofContext<'_>,
) -> Result<[u8; KEY_PROOF_LEN]> {
    let k = Scalar::from_bytes_wide(&zeroize::Zeroizing::new(crate::rng::bytes::<64>()?));
    let r_point = G1Affine::from(generator_times(&k)).to_compressed();
    let c = challenge(ctx, ciphertext, &r_point);
    let s = k + challenge_scalar(&c) * scalar_of(r);
    let mut out = [0u8; KEY_PROOF_LEN];
    out[..CHALLENGE_LEN].copy_from_slice(&c);
    let mut s_be = s.to_bytes();
    s_be.reverse();
    out[CHALLENGE_LEN..].copy_from_slice(&s_be);
    Ok(out)
}

/// Checks `proof` for `ciphertext` under `ctx` and returns U, decoded and
/// checked to be a point of the prime-order subgroup other than the identity.
///
/// Fails with [`Error::Malformed`] if U is not such a point or `s` is not a
/// canonical scalar, and with [`Error::InvalidKey`] if the proof does not
/// hold (another tender's ciphertext, a U nobody can prove, a flipped byte).
pub fn verify(
    ciphertext: &[u8; KEY_CIPHERTEXT_LEN],
    proof: &[u8; KEY_PROOF_LEN],
    ctx: &ProofContext<'_>,
) -> Result<G1Affine> {
    let u_bytes: &[u8; U_LEN] = ciphertext.first_chunk().ok_or_else(|| Error::malformed(WHAT, "no U"))?;
    let u = super::codec::decode_u(u_bytes)?;
    let mut c = [0u8; CHALLENGE_LEN];
    c.copy_from_slice(&proof[..CHALLENGE_LEN]);
    let mut s_le = [0u8; 32];
    s_le.copy_from_slice(&proof[CHALLENGE_LEN..]);
    s_le.reverse();
    let s = Option::<Scalar>::from(Scalar::from_bytes(&s_le))
        .ok_or_else(|| Error::malformed(WHAT, "s is not a canonical scalar"))?;
    let r_point = generator_times(&s) - small_multiple(&u, &c);
    let r_bytes = G1Affine::from(r_point).to_compressed();
    if challenge(ctx, ciphertext, &r_bytes) != c {
        return Err(Error::InvalidKey(
            "the key ciphertext's proof does not hold for this tender and committee key".into(),
        ));
    }
    Ok(u)
}

/// `s·g1` from a table of `d·2^(8j)·g1` for every byte position j and byte value d:
/// 32 mixed additions and no doubling.
fn generator_times(s: &Scalar) -> G1Projective {
    let table = comb();
    s.to_bytes().iter().enumerate().fold(G1Projective::identity(), |acc, (j, byte)| {
        if *byte == 0 { acc } else { acc.add_mixed(&table[j * 256 + usize::from(*byte)]) }
    })
}

/// The comb table of [`generator_times`], built once (8,192 points, ~0.8 MB).
fn comb() -> &'static [G1Affine] {
    static TABLE: OnceLock<Vec<G1Affine>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut points = Vec::with_capacity(32 * 256);
        let mut base = G1Projective::generator();
        for _ in 0..32 {
            let mut multiple = G1Projective::identity();
            for _ in 0..256 {
                points.push(multiple);
                multiple += base;
            }
            base = multiple; // 256·base
        }
        let mut affine = vec![G1Affine::identity(); points.len()];
        G1Projective::batch_normalize(&points, &mut affine);
        affine
    })
}

/// `c·p` for a 128-bit big-endian `c`, with a 4-bit window (128 doublings, 32 additions).
fn small_multiple(p: &G1Affine, c: &[u8; CHALLENGE_LEN]) -> G1Projective {
    let mut window = [G1Projective::identity(); 16];
    for i in 1..16 {
        window[i] = window[i - 1].add_mixed(p);
    }
    let mut acc = G1Projective::identity();
    for byte in c {
        for nibble in [byte >> 4, byte & 0x0f] {
            acc = acc.double().double().double().double();
            if nibble != 0 {
                acc += window[usize::from(nibble)];
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ciphertext_for(r: &Fr) -> [u8; KEY_CIPHERTEXT_LEN] {
        let u = G1Affine::from(G1Projective::generator() * scalar_of(r)).to_compressed();
        let mut ct = [7u8; KEY_CIPHERTEXT_LEN];
        ct[..U_LEN].copy_from_slice(&u);
        ct
    }

    fn random_fr() -> Fr {
        use rand_chacha02::rand_core::SeedableRng;
        use threshold_crypto::ff::Field;
        Fr::random(&mut rand_chacha02::ChaCha20Rng::from_seed(crate::rng::bytes::<32>().unwrap()))
    }

    #[test]
    fn comb_and_window_agree_with_plain_multiplication() {
        let s = Scalar::from_bytes_wide(&crate::rng::bytes::<64>().unwrap());
        assert_eq!(G1Affine::from(generator_times(&s)), G1Affine::from(G1Projective::generator() * s));
        let c: [u8; 16] = crate::rng::bytes().unwrap();
        let p = G1Affine::from(G1Projective::generator() * s);
        assert_eq!(G1Affine::from(small_multiple(&p, &c)), G1Affine::from(p * challenge_scalar(&c)));
        assert_eq!(G1Affine::from(small_multiple(&p, &[0; 16])), G1Affine::identity());
    }

    #[test]
    fn proof_holds_only_for_its_ciphertext_label_and_key() {
        let r = random_fr();
        let ct = ciphertext_for(&r);
        let (key, other_key) = ([1u8; 32], [2u8; 32]);
        let ctx = ProofContext { label: b"T1", committee_key: &key };
        let proof = prove(&r, &ct, &ctx).unwrap();
        let u = verify(&ct, &proof, &ctx).unwrap();
        assert_eq!(u.to_compressed().as_slice(), &ct[..U_LEN]);

        let other_label = ProofContext { label: b"T2", committee_key: &key };
        assert!(matches!(verify(&ct, &proof, &other_label), Err(Error::InvalidKey(_))));
        let other = ProofContext { label: b"T1", committee_key: &other_key };
        assert!(matches!(verify(&ct, &proof, &other), Err(Error::InvalidKey(_))));
        // Every byte of V, W and the proof is bound.
        for i in U_LEN..KEY_CIPHERTEXT_LEN {
            let mut bad = ct;
            bad[i] ^= 1;
            assert!(verify(&bad, &proof, &ctx).is_err(), "ciphertext byte {i} not bound");
        }
        for i in 0..KEY_PROOF_LEN {
            let mut bad = proof;
            bad[i] ^= 1;
            assert!(verify(&ct, &bad, &ctx).is_err(), "proof byte {i} not checked");
        }
    }

    #[test]
    fn a_u_without_its_r_has_no_proof() {
        // The operator's oracle query: someone else's U, with a proof made for another r.
        let (r, other_r) = (random_fr(), random_fr());
        let key = [1u8; 32];
        let ctx = ProofContext { label: b"T1", committee_key: &key };
        let victim = ciphertext_for(&r);
        let forged = prove(&other_r, &victim, &ctx).unwrap();
        assert!(matches!(verify(&victim, &forged, &ctx), Err(Error::InvalidKey(_))));
    }

    #[test]
    fn points_outside_the_subgroup_and_the_identity_are_malformed() {
        let key = [1u8; 32];
        let ctx = ProofContext { label: b"T1", committee_key: &key };
        let mut ct = [0u8; KEY_CIPHERTEXT_LEN];
        ct[..U_LEN].copy_from_slice(&G1Affine::identity().to_compressed());
        assert!(matches!(verify(&ct, &[0; KEY_PROOF_LEN], &ctx), Err(Error::Malformed { .. })));
        // x = 4 is on the curve y² = x³ + 4 but not in the prime-order subgroup.
        let mut x4 = [0u8; U_LEN];
        x4[0] = 0x80;
        x4[U_LEN - 1] = 4;
        ct[..U_LEN].copy_from_slice(&x4);
        assert!(matches!(verify(&ct, &[0; KEY_PROOF_LEN], &ctx), Err(Error::Malformed { .. })));
        // A non-canonical s (q itself) is refused before any arithmetic.
        let r = random_fr();
        let ct = ciphertext_for(&r);
        let mut proof = prove(&r, &ct, &ctx).unwrap();
        let mut q_be = (-Scalar::one()).to_bytes();
        q_be.reverse();
        q_be[31] = q_be[31].wrapping_add(1);
        proof[CHALLENGE_LEN..].copy_from_slice(&q_be);
        assert!(matches!(verify(&ct, &proof, &ctx), Err(Error::Malformed { .. })));
    }

    #[test]
    fn u_converts_to_threshold_cryptos_point() {
        let r = random_fr();
        let ct = ciphertext_for(&r);
        let key = [1u8; 32];
        let ctx = ProofContext { label: b"", committee_key: &key };
        let u = verify(&ct, &prove(&r, &ct, &ctx).unwrap(), &ctx).unwrap();
        use threshold_crypto::group::{CurveAffine, CurveProjective};
        let theirs = threshold_crypto::pairing::bls12_381::G1Affine::one().mul(r).into_affine();
        assert_eq!(super::super::codec::g1_from_bls(&u).unwrap(), theirs);
        assert_eq!(theirs.into_compressed().as_ref(), &ct[..U_LEN]);
    }
}
