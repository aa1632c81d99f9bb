//! The fixed 160-byte encoding of a `threshold_crypto` ciphertext of an SM4
//! key, and the encryption that makes one.
//!
//! `threshold_crypto` 0.4 exposes its `Ciphertext (U, V, W)` only through
//! serde, as (compressed U: 48 bytes, V: a sequence of bytes, compressed W:
//! 96 bytes). A tiny serde serializer collects those bytes in order; the
//! parser feeds them back through serde's own value deserializers. With V
//! always 16 bytes (an SM4 key), the encoding is `U ‖ V ‖ W`, exactly 160
//! bytes. Decoding checks that U and W are points of the right subgroups
//! (`threshold_crypto` does), that U is not the identity (a ciphertext
//! anyone could open), and that the bytes re-encode identically.
//!
//! # Labelled ciphertexts (envelope formats 2 and 3)
//!
//! `threshold_crypto` makes `W = r·H(U, V)` with `H = hash_g2(V ‖ U)`. The
//! key ciphertexts of sealed bids are made here instead with
//! `W = r·H(U, V, label)`, the label naming the tender ([`tender_label`]),
//! and `H` the RFC 9380 hash to G2 (`BLS12381G2_XMD:SHA-256_SSWU_RO_`, DST
//! [`H_DST`], message `V ‖ U ‖ label`; [`h_point`]) — about a third of the
//! cost of `threshold_crypto`'s try-and-increment `hash_g2`, whose cofactor
//! clearing is a plain multiplication. The validity check `e(g1, W) == e(U, H)` then holds
//! only under the tender the bid was sealed for (TDH2-style labels, Shoup and
//! Gennaro 1998). An official's client checks each ciphertext under the
//! tender it is opening, so another tender's ciphertext — even wrapped in an
//! envelope that names this tender — gets no decryption share: making a
//! valid `W` for another label needs `r`. U and V are made exactly as
//! `threshold_crypto` makes them, so decryption shares and their combination
//! are unchanged; an empty label gives `threshold_crypto`'s own ciphertext
//! (`H = hash_g2(V ‖ U)`).

use rand_chacha02::ChaCha20Rng;
use rand_chacha02::rand_core::SeedableRng;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as ValueError, SeqDeserializer};
use serde::ser::{self, Impossible, Serialize};
use threshold_crypto::Ciphertext;
use threshold_crypto::ff::Field;
use threshold_crypto::group::{CurveAffine, CurveProjective, EncodedPoint};
use threshold_crypto::hash_g2;
use threshold_crypto::pairing::bls12_381::{Fr, G1Affine, G1Compressed, G2Affine, G2Uncompressed};
use zeroize::Zeroizing;

use super::TenderId;
use crate::sm4gcm::{KEY_LEN, Sm4Key};
use crate::{Error, Result, rng};

/// Length of a compressed G1 point (U, a decryption share, a public key).
pub(crate) const U_LEN: usize = 48;
/// Length of a compressed G2 point (W).
pub(crate) const W_LEN: usize = 96;
/// Length of an encoded key ciphertext: U (48) ‖ V (16) ‖ W (96).
pub const KEY_CIPHERTEXT_LEN: usize = U_LEN + KEY_LEN + W_LEN;
/// Flag bit of a compressed BLS12-381 point that marks the identity.
const INFINITY_FLAG: u8 = 0x40;

const WHAT: &str = "key ciphertext";

/// Prefix of every [`tender_label`].
const LABEL_PREFIX: &[u8] = b"sealbid/key-label/v2\0";

/// The label a bid's key ciphertext is bound to: `"sealbid/key-label/v2" ‖
/// 0x00 ‖ len(tender):u8 ‖ tender` (a tender id is at most 64 bytes).
pub fn tender_label(tender: &TenderId) -> Vec<u8> {
    let id = tender.as_str().as_bytes();
    let mut label = Vec::with_capacity(LABEL_PREFIX.len() + 1 + id.len());
    label.extend_from_slice(LABEL_PREFIX);
    label.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
    label.extend_from_slice(id);
    label
}

/// The message hashed to G2 for a ciphertext's validity check: `V ‖ U ‖ label`
/// (`threshold_crypto`'s `hash_g1_g2` for an empty label and `V` of at most 64 bytes).
pub(crate) fn hash_input(v: &[u8], u_compressed: &[u8], label: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(v.len() + u_compressed.len() + label.len());
    msg.extend_from_slice(v);
    msg.extend_from_slice(u_compressed);
    msg.extend_from_slice(label);
    msg
}

/// Domain separation tag of the labelled hash to G2 (RFC 9380 §3.1).
pub(crate) const H_DST: &[u8] = b"SEALBID-V3-KEY-LABEL_BLS12381G2_XMD:SHA-256_SSWU_RO_";

/// `H(U, V, label)`, the G2 point W is `r` times (see the module docs): for
/// an empty label `threshold_crypto`'s `hash_g2(V ‖ U)`, else the RFC 9380
/// hash of `V ‖ U ‖ label` under [`H_DST`], as `threshold_crypto`'s point.
pub(crate) fn h_point(v: &[u8], u_compressed: &[u8], label: &[u8]) -> Result<G2Affine> {
    use bls12_381::hash_to_curve::{ExpandMsgXmd, HashToCurve};
    if label.is_empty() {
        return Ok(hash_g2(hash_input(v, u_compressed, label)).into_affine());
    }
    let h = <bls12_381::G2Projective as HashToCurve<ExpandMsgXmd<sha2_010::Sha256>>>::hash_to_curve(
        [v, u_compressed, label],
        H_DST,
    );
    g2_from_bls(&bls12_381::G2Affine::from(h))
}

/// U of a key ciphertext, decoded with `bls12_381`'s subgroup check (its
/// endomorphism test, several times faster than pairing 0.16's
/// multiplication by the group order): a canonical compressed point of the
/// prime-order subgroup, not the identity. A share of a point outside the
/// subgroup would leak the key share modulo small factors of the cofactor.
pub(crate) fn decode_u(bytes: &[u8; U_LEN]) -> Result<bls12_381::G1Affine> {
    let u = Option::<bls12_381::G1Affine>::from(bls12_381::G1Affine::from_compressed(bytes)).ok_or_else(
        || Error::malformed(WHAT, "U is not a valid compressed point of the prime-order subgroup"),
    )?;
    if bool::from(u.is_identity()) {
        return Err(Error::malformed(WHAT, "U is the point at infinity"));
    }
    if &u.to_compressed() != bytes {
        return Err(Error::malformed(WHAT, "not in canonical form"));
    }
    Ok(u)
}

/// A `bls12_381` G1 point as `threshold_crypto`'s, through the uncompressed
/// encoding both libraries share (the point is already known to be valid).
pub(crate) fn g1_from_bls(p: &bls12_381::G1Affine) -> Result<G1Affine> {
    let mut encoded = threshold_crypto::pairing::bls12_381::G1Uncompressed::empty();
    encoded.as_mut().copy_from_slice(&p.to_uncompressed());
    encoded.into_affine_unchecked().map_err(|e| Error::Encoding(format!("G1 point: {e}")))
}

/// A `bls12_381` G2 point as `threshold_crypto`'s, through the uncompressed
/// encoding both libraries share (the point is already known to be valid).
pub(crate) fn g2_from_bls(p: &bls12_381::G2Affine) -> Result<G2Affine> {
    let mut encoded = G2Uncompressed::empty();
    encoded.as_mut().copy_from_slice(&p.to_uncompressed());
    encoded.into_affine_unchecked().map_err(|e| Error::Encoding(format!("G2 point: {e}")))
}

/// Encrypts the SM4 key under `pk` with `W` bound to `label` (see the module
/// docs), without the proof: for tests of the ciphertext alone.
#[cfg(test)]
pub(crate) fn encrypt_key(
    pk: &threshold_crypto::PublicKey,
    key: &Sm4Key,
    label: &[u8],
) -> Result<Ciphertext> {
    Ok(encrypt_with_r(pk, key, label)?.0)
}

/// As [`encrypt_key`], with the proof of knowledge of `r` bound to `label` and
/// `committee_key` ([`super::proof`]) that envelope format 3 carries.
pub(crate) fn encrypt_key_proved(
    pk: &threshold_crypto::PublicKey,
    key: &Sm4Key,
    label: &[u8],
    committee_key: &crate::Sm3Digest,
) -> Result<(Ciphertext, [u8; KEY_CIPHERTEXT_LEN], [u8; super::proof::KEY_PROOF_LEN])> {
    let (ct, r) = encrypt_with_r(pk, key, label)?;
    let bytes: [u8; KEY_CIPHERTEXT_LEN] =
        encode(&ct)?.try_into().map_err(|_| Error::Encoding("the key ciphertext is not 160 bytes".into()))?;
    let proof = super::proof::prove(&r, &bytes, &super::proof::ProofContext { label, committee_key })?;
    Ok((ct, bytes, proof))
}

/// The ciphertext and its randomness `r` (`U = r·g1`), made with a ChaCha20
/// generator seeded from the system generator ([`crate::rng`]); the seed is
/// zeroized and the generator dropped as soon as the ciphertext exists.
fn encrypt_with_r(pk: &threshold_crypto::PublicKey, key: &Sm4Key, label: &[u8]) -> Result<(Ciphertext, Fr)> {
    let seed = Zeroizing::new(rng::bytes::<32>()?);
    let mut generator = ChaCha20Rng::from_seed(*seed);
    let r = Fr::random(&mut generator);
    let u = G1Affine::one().mul(r).into_affine().into_compressed();
    let mut pk_compressed = G1Compressed::empty();
    pk_compressed.as_mut().copy_from_slice(&pk.to_bytes());
    let pk_point = pk_compressed
        .into_affine()
        .map_err(|e| Error::InvalidKey(format!("the committee key is not a valid G1 point: {e}")))?;
    let v = crate::opening::xor_with_hash(&pk_point.mul(r), key.as_bytes());
    let w = h_point(&v, u.as_ref(), label)?.mul(r).into_affine().into_compressed();
    let ct = from_serde_parts(vec![u.as_ref().to_vec(), v.to_vec(), w.as_ref().to_vec()])
        .ok_or_else(|| Error::Encoding("the labelled ciphertext does not decode".into()))?;
    Ok((ct, r))
}

/// The 160-byte encoding of a ciphertext of a 16-byte message.
pub(crate) fn encode(ct: &Ciphertext) -> Result<Vec<u8>> {
    let (out, seq_lens) = serde_bytes(ct)?;
    if out.len() != KEY_CIPHERTEXT_LEN || seq_lens != [KEY_LEN] {
        return Err(Error::InvalidParameter("the threshold ciphertext does not hold a 16-byte key".into()));
    }
    Ok(out)
}

/// Parses a key ciphertext's 160-byte encoding (as [`super::Envelope::key_ciphertext_bytes`]
/// gives it) strictly: U and W valid subgroup points, U not the identity, canonical bytes.
/// Does not run the pairing check ([`super::Envelope::check_ciphertext`]).
pub fn decode_key_ciphertext(bytes: &[u8]) -> Result<Ciphertext> {
    decode(bytes)
}

/// Parses the 160-byte encoding strictly (see the module docs).
pub(crate) fn decode(bytes: &[u8]) -> Result<Ciphertext> {
    if bytes.len() != KEY_CIPHERTEXT_LEN {
        return Err(Error::malformed(
            WHAT,
            format!("must be {KEY_CIPHERTEXT_LEN} bytes, got {}", bytes.len()),
        ));
    }
    let (u, rest) = bytes.split_at(U_LEN);
    let (v, w) = rest.split_at(KEY_LEN);
    if u[0] & INFINITY_FLAG != 0 {
        return Err(Error::malformed(WHAT, "U is the point at infinity"));
    }
    let ct: Ciphertext = from_serde_parts(vec![u.to_vec(), v.to_vec(), w.to_vec()])
        .ok_or_else(|| Error::malformed(WHAT, "U or W is not a valid compressed curve point"))?;
    if encode(&ct)? != bytes {
        return Err(Error::malformed(WHAT, "not in canonical form"));
    }
    Ok(ct)
}

/// The bytes `value` serializes to through `threshold_crypto`'s serde
/// encoding (curve points compressed), and the length of each byte sequence
/// in it. This is how the crate reads the points of a ciphertext or a
/// decryption share, which `threshold_crypto` 0.4 exposes no other way.
pub(crate) fn serde_bytes<T: Serialize>(value: &T) -> Result<(Vec<u8>, Vec<usize>)> {
    let mut sink = Sink::default();
    value.serialize(&mut sink).map_err(|e| Error::Encoding(format!("threshold_crypto value: {e}")))?;
    Ok((sink.out, sink.seq_lens))
}

/// Rebuilds a `threshold_crypto` value from the byte sequences of its serde
/// encoding (each curve point one compressed sequence), the inverse of
/// [`serde_bytes`] field by field. Points are checked by `threshold_crypto`.
/// The scalar of a secret key share, read through `threshold_crypto`'s own
/// `SerdeSecret` serialization (its field representation, four 64-bit words):
/// so a share can be computed from a point already decoded and checked.
pub(crate) fn secret_scalar(share: &threshold_crypto::SecretKeyShare) -> Result<Fr> {
    use threshold_crypto::ff::PrimeField;
    use threshold_crypto::pairing::bls12_381::FrRepr;
    let mut sink = Sink::default();
    threshold_crypto::serde_impl::SerdeSecret(share)
        .serialize(&mut sink)
        .map_err(|e| Error::Encoding(format!("secret key share: {e}")))?;
    let words: [u64; 4] = sink
        .words
        .as_slice()
        .try_into()
        .map_err(|_| Error::Encoding("a secret key share is not four 64-bit words".into()))?;
    Fr::from_repr(FrRepr(words)).map_err(|e| Error::Encoding(format!("secret key share: {e}")))
}

pub(crate) fn from_serde_parts<T: serde::de::DeserializeOwned>(parts: Vec<Vec<u8>>) -> Option<T> {
    let parts: SeqDeserializer<_, ValueError> = parts.into_deserializer();
    T::deserialize(parts).ok()
}

/// Collects the bytes a ciphertext serializes to, and the length of each sequence.
#[derive(Default)]
struct Sink {
    out: Vec<u8>,
    seq_lens: Vec<usize>,
    /// 64-bit words (a field element's representation), kept apart from `out`.
    words: Zeroizing<Vec<u64>>,
}

fn unsupported() -> ValueError {
    ser::Error::custom("unexpected value in a threshold ciphertext")
}

impl ser::Serializer for &mut Sink {
    type Ok = ();
    type Error = ValueError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Impossible<(), ValueError>;
    type SerializeMap = Impossible<(), ValueError>;
    type SerializeStruct = Impossible<(), ValueError>;
    type SerializeStructVariant = Impossible<(), ValueError>;

    fn serialize_u8(self, v: u8) -> Result<(), ValueError> {
        self.out.push(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), ValueError> {
        self.seq_lens.push(v.len());
        self.out.extend_from_slice(v);
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, ValueError> {
        self.seq_lens.push(len.ok_or_else(unsupported)?);
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, ValueError> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, ValueError> {
        Ok(self)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), ValueError> {
        v.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_i8(self, _: i8) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_i16(self, _: i16) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_i32(self, _: i32) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_i64(self, _: i64) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_u16(self, _: u16) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_u32(self, _: u32) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_u64(self, v: u64) -> Result<(), ValueError> {
        self.words.push(v);
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_f64(self, _: f64) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_char(self, _: char) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_str(self, _: &str) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_none(self) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_unit(self) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), ValueError> {
        Err(unsupported())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ValueError> {
        Err(unsupported())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, ValueError> {
        Err(unsupported())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, ValueError> {
        Err(unsupported())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, ValueError> {
        Err(unsupported())
    }
}

macro_rules! compound {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for &mut Sink {
            type Ok = ();
            type Error = ValueError;
            fn $method<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), ValueError> {
                v.serialize(&mut **self)
            }
            fn end(self) -> Result<(), ValueError> {
                Ok(())
            }
        }
    };
}

compound!(SerializeSeq, serialize_element);
compound!(SerializeTuple, serialize_element);
compound!(SerializeTupleStruct, serialize_field);
