//! The fast checks agree with `threshold_crypto`'s on valid and tampered input.

use proptest::prelude::*;
use rand07::SeedableRng;
use rand07::rngs::StdRng;
use threshold_crypto::{Ciphertext, SecretKeySet};

use super::*;
use crate::envelope::codec::{from_serde_parts, serde_bytes};

/// (U, V, W) byte sequences of a ciphertext.
fn parts(ct: &Ciphertext) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (bytes, lens) = serde_bytes(ct).unwrap();
    let (u, rest) = bytes.split_at(U_LEN);
    let (v, w) = rest.split_at(lens[0]);
    (u.to_vec(), v.to_vec(), w.to_vec())
}

fn rebuild(u: Vec<u8>, v: Vec<u8>, w: Vec<u8>) -> Ciphertext {
    from_serde_parts(vec![u, v, w]).expect("valid points re-encode")
}

/// Checks both functions against threshold_crypto on `ct`, for every share of `set`.
fn agree(set: &SecretKeySet, ct: &Ciphertext, other: &Ciphertext) -> bool {
    let stock = ct.verify();
    assert_eq!(ciphertext_valid(ct, &[]), stock, "ciphertext verdicts differ");
    let pks = set.public_keys();
    for i in 0..3 {
        let pk = pks.public_key_share(i);
        let own = set.secret_key_share(i).decrypt_share_no_verify(ct);
        let foreign = set.secret_key_share(i).decrypt_share_no_verify(other);
        let wrong_index = set.secret_key_share((i + 1) % 3).decrypt_share_no_verify(ct);
        for share in [&own, &foreign, &wrong_index] {
            assert_eq!(
                share_valid(&pk, share, ct, &[]),
                pk.verify_decryption_share(share, ct),
                "share verdicts differ"
            );
        }
    }
    stock
}

#[test]
fn valid_ciphertexts_and_shares_pass() {
    let mut rng = StdRng::seed_from_u64(1);
    let set = SecretKeySet::random(1, &mut rng);
    let pk = set.public_keys().public_key();
    let ct = pk.encrypt_with_rng(&mut rng, [7u8; 16]);
    let other = pk.encrypt_with_rng(&mut rng, [8u8; 16]);
    assert!(agree(&set, &ct, &other));
    let prepared = PreparedCiphertext::new(&ct, &[]).unwrap();
    assert!(prepared.is_valid());
    let share = set.secret_key_share(2).decrypt_share_no_verify(&ct);
    assert!(prepared.share_is_valid(&set.public_keys().public_key_share(2), &share));
    assert!(!prepared.share_is_valid(&set.public_keys().public_key_share(1), &share));
}

#[test]
fn long_messages_hash_v_with_sha3_like_threshold_crypto() {
    let mut rng = StdRng::seed_from_u64(2);
    let set = SecretKeySet::random(1, &mut rng);
    let pk = set.public_keys().public_key();
    for len in [0usize, 1, 64, 65, 200] {
        let ct = pk.encrypt_with_rng(&mut rng, vec![3u8; len]);
        let other = pk.encrypt_with_rng(&mut rng, [1u8]);
        assert!(agree(&set, &ct, &other), "length {len}");
        let (u, mut v, w) = parts(&ct);
        if let Some(b) = v.last_mut() {
            *b ^= 1;
            assert!(!agree(&set, &rebuild(u, v, w), &other), "length {len}, V tampered");
        }
    }
}

#[test]
fn identity_points_are_handled_like_threshold_crypto() {
    let mut rng = StdRng::seed_from_u64(3);
    let set = SecretKeySet::random(1, &mut rng);
    let ct = set.public_keys().public_key().encrypt_with_rng(&mut rng, [5u8; 16]);
    let (u, v, w) = parts(&ct);
    let mut zero_u = vec![0u8; U_LEN];
    zero_u[0] = 0xc0;
    let mut zero_w = vec![0u8; W_LEN];
    zero_w[0] = 0xc0;
    for bad in [rebuild(zero_u.clone(), v.clone(), w.clone()), rebuild(u, v.clone(), zero_w.clone())] {
        agree(&set, &bad, &ct);
    }
    agree(&set, &rebuild(zero_u, v, zero_w), &ct);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Random valid ciphertexts pass; each of U, V, W replaced by another valid
    /// encoding fails; both functions always agree with threshold_crypto.
    #[test]
    fn agrees_with_threshold_crypto(seed in any::<u64>(), len in 1usize..100, which in 0usize..4, pos in any::<prop::sample::Index>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let set = SecretKeySet::random(1, &mut rng);
        let pk = set.public_keys().public_key();
        let msg: Vec<u8> = (0..len).map(|i| (seed as u8).wrapping_add(i as u8)).collect();
        let ct = pk.encrypt_with_rng(&mut rng, &msg);
        let other = pk.encrypt_with_rng(&mut rng, &msg);
        let (u, mut v, w) = parts(&ct);
        let (u2, _, w2) = parts(&other);
        let tampered = match which {
            0 => ct.clone(),
            1 => rebuild(u2, v, w),
            2 => {
                v[pos.index(len)] ^= 1 << (seed % 8);
                rebuild(u, v, w)
            }
            _ => rebuild(u, v, w2),
        };
        prop_assert_eq!(agree(&set, &tampered, &other), which == 0);
    }
}

/// A ciphertext labelled with one tender is valid under that label only, and
/// its shares check under that label only; an empty label is threshold_crypto's.
#[test]
fn labels_bind_ciphertexts_to_their_tender() {
    use crate::envelope::{TenderId, tender_label};
    use crate::sm4gcm::Sm4Key;
    let mut rng = StdRng::seed_from_u64(9);
    let set = SecretKeySet::random(1, &mut rng);
    let pks = set.public_keys();
    let (t1, t2) = (TenderId::parse("T1").unwrap(), TenderId::parse("T2").unwrap());
    let key = Sm4Key::generate().unwrap();
    let ct = crate::envelope::codec::encrypt_key(&pks.public_key(), &key, &tender_label(&t1)).unwrap();
    assert!(ciphertext_valid(&ct, &tender_label(&t1)));
    assert!(!ciphertext_valid(&ct, &tender_label(&t2)), "valid under another tender's label");
    assert!(!ciphertext_valid(&ct, &[]), "valid without its label");
    assert!(!ct.verify(), "threshold_crypto's unlabelled check accepts a labelled ciphertext");
    let share = set.secret_key_share(0).decrypt_share_no_verify(&ct);
    let pk0 = pks.public_key_share(0);
    assert!(share_valid(&pk0, &share, &ct, &tender_label(&t1)));
    assert!(!share_valid(&pk0, &share, &ct, &tender_label(&t2)));
    let checked =
        CiphertextCheck::decode(&crate::envelope::codec::encode(&ct).unwrap(), &tender_label(&t1)).unwrap();
    assert!(checked.is_valid());
    let foreign =
        CiphertextCheck::decode(&crate::envelope::codec::encode(&ct).unwrap(), &tender_label(&t2)).unwrap();
    assert!(!foreign.is_valid());
    // Decryption is unchanged by the label: t + 1 shares give the key back.
    let shares: Vec<_> = (0..2).map(|i| (i, set.secret_key_share(i).decrypt_share_no_verify(&ct))).collect();
    let opened = pks.decrypt(shares.iter().map(|(i, s)| (*i, s)), &ct).unwrap();
    assert_eq!(opened.as_slice(), key.as_bytes());
}
