//! `combine_key` against `PublicKeySet::decrypt`.

use proptest::prelude::*;
use rand07::rngs::StdRng;
use rand07::seq::SliceRandom;
use rand07::{Rng, SeedableRng};
use threshold_crypto::SecretKeySet;

use super::*;
use crate::envelope::codec::serde_bytes;
use crate::opening::fast::share_point;

/// V of a ciphertext of a 16-byte message: bytes 48..64 of its serde encoding.
fn v_of(ct: &threshold_crypto::Ciphertext) -> Vec<u8> {
    serde_bytes(ct).unwrap().0[48..64].to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn same_key_as_threshold_crypto(seed in any::<u64>(), t in 1usize..=4, msg in any::<[u8; 16]>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let set = SecretKeySet::random(t, &mut rng);
        let pks = set.public_keys();
        let ct = pks.public_key().encrypt_with_rng(&mut rng, msg);
        let n = t + 1 + rng.gen_range(0, 3);
        let mut chosen: Vec<usize> = (0..n + 3).collect();
        chosen.shuffle(&mut rng);
        chosen.truncate(t + 1);
        let shares: Vec<_> =
            chosen.iter().map(|&i| (i, set.secret_key_share(i).decrypt_share_no_verify(&ct))).collect();
        let expected = pks.decrypt(shares.iter().map(|(i, s)| (*i, s)), &ct).unwrap();
        prop_assert_eq!(&expected[..], &msg[..]);
        let points: Vec<_> = shares.iter().map(|(i, s)| (*i, share_point(s).unwrap())).collect();
        let key = combine_key(&points, &v_of(&ct)).unwrap();
        prop_assert_eq!(&key[..], &expected[..]);

        // A wrong share (another ciphertext's) gives another key.
        let other = pks.public_key().encrypt_with_rng(&mut rng, msg);
        let mut wrong = points.clone();
        let k = rng.gen_range(0, wrong.len());
        let bad = set.secret_key_share(wrong[k].0).decrypt_share_no_verify(&other);
        wrong[k].1 = share_point(&bad).unwrap();
        prop_assert_ne!(&combine_key(&wrong, &v_of(&ct)).unwrap()[..], &msg[..]);
    }
}

#[test]
fn threshold_zero_and_errors() {
    let mut rng = StdRng::seed_from_u64(5);
    let set = SecretKeySet::random(0, &mut rng);
    let pks = set.public_keys();
    let ct = pks.public_key().encrypt_with_rng(&mut rng, [7u8; 16]);
    let share = set.secret_key_share(3usize).decrypt_share_no_verify(&ct);
    let key = combine_key(&[(3, share_point(&share).unwrap())], &v_of(&ct)).unwrap();
    assert_eq!(&key[..], &[7u8; 16]);
    assert!(combine_key(&[], &v_of(&ct)).is_err());
    let p = share_point(&share).unwrap();
    let err = combine_key(&[(1, p), (1, p)], &v_of(&ct)).unwrap_err();
    assert!(err.to_string().contains("given twice"), "{err}");
}
