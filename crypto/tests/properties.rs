//! Property tests of the primitives: round trips, and rejection of every
//! single-bit change to a signature, an SM2 ciphertext and an SM4-GCM sealed blob
//! (proptest picks which bit).
//!
//! Case counts are kept at 64 so the suite stays quick in debug builds.

use proptest::prelude::*;
use proptest::sample::Index;
use sealbid_crypto::sm4gcm::{self, Sm4Key};
use sealbid_crypto::{Error, PrivateKey, Purpose, Signature, SignedMessage};

fn config() -> ProptestConfig {
    ProptestConfig { cases: 64, ..ProptestConfig::default() }
}

fn key() -> PrivateKey {
    PrivateKey::generate().expect("key")
}

fn flip(data: &[u8], bit: Index) -> (Vec<u8>, usize) {
    let bit = bit.index(data.len() * 8);
    let mut v = data.to_vec();
    v[bit / 8] ^= 1 << (bit % 8);
    (v, bit)
}

fn purpose() -> impl Strategy<Value = Purpose> {
    prop::sample::select(Purpose::ALL.to_vec())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sign_verify_round_trip(msg in prop::collection::vec(any::<u8>(), 0..512)) {
        let k = key();
        let sig = k.sign_raw(&msg).unwrap();
        prop_assert_eq!(k.public_key().verify_raw(&msg, &sig), Ok(()));
        prop_assert_eq!(key().public_key().verify_raw(&msg, &sig), Err(Error::BadSignature));
    }

    #[test]
    fn signed_message_round_trip_and_other_purposes_rejected(
        purpose in purpose(),
        payload in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let k = key();
        let sig = SignedMessage::new(purpose, &payload).sign(&k).unwrap();
        prop_assert_eq!(SignedMessage::new(purpose, &payload).verify(&k.public_key(), &sig), Ok(()));
        for other in Purpose::ALL.into_iter().filter(|p| *p != purpose) {
            prop_assert_eq!(
                SignedMessage::new(other, &payload).verify(&k.public_key(), &sig),
                Err(Error::BadSignature),
                "{:?} signature verified as {:?}", purpose, other
            );
        }
        prop_assert!(k.public_key().verify_raw(&payload, &sig).is_err(), "raw payload verified");
    }

    #[test]
    fn signature_der_and_fixed_width_round_trip(msg in prop::collection::vec(any::<u8>(), 0..64)) {
        let sig = key().sign_raw(&msg).unwrap();
        let der = sig.to_der();
        // r and s are minimal DER INTEGERs: 32 bytes plus a sign pad, fewer when they have
        // leading zero bytes (about 1 signature in 128), so at most 72 bytes in all.
        prop_assert!((8..=72).contains(&der.len()), "DER length {}", der.len());
        prop_assert_eq!(Signature::from_der(&der).unwrap(), sig);
        prop_assert_eq!(Signature::from_der(&der).unwrap().to_der(), der);
        prop_assert_eq!(Signature::from_bytes(&sig.to_bytes()).unwrap(), sig);
    }

    #[test]
    fn every_bit_flip_of_a_der_signature_is_rejected(
        msg in prop::collection::vec(any::<u8>(), 0..64),
        bit in any::<Index>(),
    ) {
        let k = key();
        let der = k.sign_raw(&msg).unwrap().to_der();
        let (bad, bit) = flip(&der, bit);
        // Either the DER no longer parses, or what it parses to does not verify.
        if let Ok(sig) = Signature::from_der(&bad) {
            prop_assert_eq!(
                k.public_key().verify_raw(&msg, &sig),
                Err(Error::BadSignature),
                "bit {} of {} flipped still verifies", bit, hex::encode(&der)
            );
        }
    }

    #[test]
    fn sm2_encrypt_decrypt_round_trip(msg in prop::collection::vec(any::<u8>(), 1..=200)) {
        let k = key();
        let ct = k.public_key().encrypt(&msg).unwrap();
        prop_assert_eq!(k.decrypt(&ct).unwrap().to_vec(), msg);
        prop_assert_eq!(key().decrypt(&ct), Err(Error::DecryptionFailed));
    }

    #[test]
    fn every_bit_flip_of_an_sm2_ciphertext_is_rejected(
        msg in prop::collection::vec(any::<u8>(), 1..=200),
        bit in any::<Index>(),
    ) {
        let k = key();
        let ct = k.public_key().encrypt(&msg).unwrap();
        let (bad, bit) = flip(&ct, bit);
        prop_assert_eq!(
            k.decrypt(&bad).map(|p| p.to_vec()),
            Err(Error::DecryptionFailed),
            "bit {} of {} flipped still decrypts", bit, hex::encode(&ct)
        );
    }

    #[test]
    fn sm4_gcm_seal_open_round_trip(
        key in prop::array::uniform16(any::<u8>()),
        aad in prop::collection::vec(any::<u8>(), 0..64),
        pt in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let key = Sm4Key::from_bytes(&key).unwrap();
        let sealed = sm4gcm::seal(&key, &aad, &pt).unwrap();
        prop_assert_eq!(sealed.len(), sm4gcm::NONCE_LEN + pt.len() + sm4gcm::TAG_LEN);
        prop_assert_eq!(sm4gcm::open(&key, &aad, &sealed).unwrap().to_vec(), pt);
        let other = Sm4Key::generate().unwrap();
        prop_assert_eq!(sm4gcm::open(&other, &aad, &sealed), Err(Error::DecryptionFailed));
    }

    #[test]
    fn every_bit_flip_of_an_sm4_gcm_sealed_blob_is_rejected(
        aad in prop::collection::vec(any::<u8>(), 0..64),
        pt in prop::collection::vec(any::<u8>(), 0..256),
        bit in any::<Index>(),
    ) {
        let key = Sm4Key::generate().unwrap();
        let sealed = sm4gcm::seal(&key, &aad, &pt).unwrap();
        let (bad, bit) = flip(&sealed, bit);
        prop_assert_eq!(
            sm4gcm::open(&key, &aad, &bad).map(|p| p.to_vec()),
            Err(Error::DecryptionFailed),
            "bit {} of the sealed blob flipped still opens", bit
        );
    }
}

/// Exhaustive companions of the sampled tests above: every bit of one instance each.
mod exhaustive {
    use super::*;

    fn each_bit(data: &[u8], mut rejected: impl FnMut(&[u8]) -> bool) {
        for bit in 0..data.len() * 8 {
            let mut v = data.to_vec();
            v[bit / 8] ^= 1 << (bit % 8);
            assert!(rejected(&v), "flipping bit {bit} of {} was accepted", hex::encode(data));
        }
    }

    #[test]
    fn der_signature() {
        let k = key();
        let der = k.sign_raw(b"bid").unwrap().to_der();
        each_bit(&der, |bad| {
            Signature::from_der(bad).map_or(true, |s| k.public_key().verify_raw(b"bid", &s).is_err())
        });
    }

    #[test]
    fn sm2_ciphertext() {
        let k = key();
        let ct = k.public_key().encrypt(&[7u8; 16]).unwrap();
        each_bit(&ct, |bad| k.decrypt(bad).is_err());
    }

    #[test]
    fn sm4_gcm_sealed() {
        let key = Sm4Key::generate().unwrap();
        let sealed = sm4gcm::seal(&key, b"aad", b"a bid envelope body").unwrap();
        each_bit(&sealed, |bad| sm4gcm::open(&key, b"aad", bad).is_err());
    }
}
