//! The official's shares from checked points equal threshold_crypto's own.

use rand07::SeedableRng;
use rand07::rngs::StdRng;
use threshold_crypto::SecretKeySet;

use super::*;
use crate::committee::ConfirmedKey;
use crate::opening::fast::CiphertextCheck;

#[test]
fn shares_of_checked_points_are_threshold_cryptos() {
    let mut rng = StdRng::seed_from_u64(5);
    let set = SecretKeySet::random(2, &mut rng);
    let pk = set.public_keys().public_key();
    let tender = TenderId::parse("T1").unwrap();
    let label = crate::envelope::tender_label(&tender);
    let key = crate::sm4gcm::Sm4Key::generate().unwrap();
    let cts: Vec<_> =
        (0..4).map(|_| crate::envelope::codec::encrypt_key(&pk, &key, &label).unwrap()).collect();
    let accepted: Vec<_> = cts
        .iter()
        .enumerate()
        .map(|(i, ct)| {
            let check =
                CiphertextCheck::decode(&crate::envelope::codec::encode(ct).unwrap(), &label).unwrap();
            ([i as u8; 32], *check.u())
        })
        .collect();
    let checked = CheckedOpening {
        tender,
        committee: ConfirmedKey::for_tests(&set.public_keys()),
        accepted,
        refused: Vec::new(),
        opening_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    for i in 0..3 {
        let share = set.secret_key_share(i);
        let ours = checked.shares(&share, 0..4).unwrap();
        assert_eq!(ours.len(), 4);
        for ((h, s), ct) in ours.iter().zip(&cts) {
            assert_eq!(s, &share.decrypt_share_no_verify(ct), "share {i} of {h:?} differs");
        }
    }
    assert_eq!(
        checked.shares(&set.secret_key_share(0), 2..9).unwrap_or_default().len(),
        0,
        "out of range gives none"
    );
}
