//! `Submission` gives the verdicts of `Envelope::parse`, `verify_outer`,
//! `check_key_proof` and `check_ciphertext`; batched ciphertext checks give the verdicts of single ones.

use super::*;
use crate::envelope::Envelope;
use crate::envelope::seal::tests::{USCC_B, document, fixture};
use crate::envelope::seal_bid;
use crate::opening::fast::all_valid;

/// Intake's verdict through `Envelope`: parse, outer signature, proof, ciphertext.
fn envelope_verdict(der: &[u8], key: &PublicKey) -> bool {
    Envelope::parse(der).is_ok_and(|e| {
        e.verify_outer(key).is_ok() && e.check_key_proof().is_ok() && e.check_ciphertext().is_ok()
    })
}

/// The same through `Submission`, as intake runs it.
fn submission_verdict(der: &[u8], key: &PublicKey) -> bool {
    Submission::parse(der).is_ok_and(|s| {
        s.verify_outer(key).is_ok() && s.verify_key_proof_and_prepare().is_ok_and(|c| c.is_valid())
    })
}

#[test]
fn a_valid_envelope_reads_as_the_envelope_does() {
    let f = fixture();
    let env = Envelope::parse(&f.envelope_der).unwrap();
    let sub = Submission::parse(&f.envelope_der).unwrap();
    assert_eq!(sub.hash(), &env.hash().unwrap());
    assert_eq!(sub.tender(), env.tender());
    assert_eq!(sub.bidder(), env.bidder());
    assert_eq!(sub.key_ciphertext_bytes(), env.key_ciphertext_bytes());
    sub.verify_outer(&f.a.key.public_key()).unwrap();
    assert!(sub.verify_outer(&f.b.key.public_key()).is_err(), "another bidder's key must not verify");
    assert!(sub.verify_key_proof_and_prepare().unwrap().is_valid());
}

#[test]
fn every_flipped_byte_gets_the_envelope_verdict() {
    let f = fixture();
    let key = f.a.key.public_key();
    let ct = Envelope::parse(&f.envelope_der).unwrap().key_ciphertext_bytes().to_vec();
    let ct_start = f.envelope_der.windows(ct.len()).position(|w| w == ct).unwrap();
    // Bit 0 of every byte, and the flag bits (compression, infinity, sign) of U and W.
    let flags = [ct_start, ct_start + 64];
    for pos in 0..f.envelope_der.len() {
        let bits: &[u8] = if flags.contains(&pos) { &[0x01, 0x20, 0x40, 0x80] } else { &[0x01] };
        for &bit in bits {
            let mut bad = f.envelope_der.clone();
            bad[pos] ^= bit;
            let in_ciphertext = (ct_start..ct_start + 160).contains(&pos);
            if in_ciphertext {
                assert_eq!(
                    submission_verdict(&bad, &key),
                    envelope_verdict(&bad, &key),
                    "byte {pos} ^ {bit:#x}"
                );
            } else {
                // Outside the ciphertext the pairing verdict cannot change: compare the cheap checks.
                let by_env = Envelope::parse(&bad).is_ok_and(|e| e.verify_outer(&key).is_ok());
                let by_sub = Submission::parse(&bad).is_ok_and(|s| s.verify_outer(&key).is_ok());
                assert_eq!(by_sub, by_env, "byte {pos} ^ {bit:#x}");
            }
            assert!(
                !submission_verdict(&bad, &key) || bad == f.envelope_der,
                "byte {pos} ^ {bit:#x} accepted"
            );
        }
    }
}

/// A decodable ciphertext that fails the pairing check: V changed, so `H(U, V)` no longer matches W.
fn invalid_check(valid: &[u8]) -> CiphertextCheck {
    let mut bytes = valid.to_vec();
    bytes[50] ^= 0x01;
    CiphertextCheck::decode(&bytes, &label()).expect("changing V keeps the points valid")
}

#[test]
fn a_batch_names_exactly_the_invalid_ciphertexts() {
    let f = fixture();
    let pk = crate::committee::ConfirmedKey::for_tests(&f.committee.public_keys());
    let valid: Vec<CiphertextCheck> = (0..4)
        .map(|_| {
            let env = seal_bid(&document(USCC_B, "T-2026-001"), &f.b.key, &f.b.cert, &pk).unwrap();
            CiphertextCheck::decode(env.key_ciphertext_bytes(), &label()).unwrap()
        })
        .collect();
    let bad = invalid_check(Envelope::parse(&f.envelope_der).unwrap().key_ciphertext_bytes());
    assert!(!bad.is_valid());
    let all: Vec<&CiphertextCheck> = valid.iter().collect();
    assert_eq!(all_valid(&all), vec![true; 4]);
    let mixed = vec![&valid[0], &bad, &valid[1], &valid[2]];
    assert_eq!(all_valid(&mixed), vec![true, false, true, true]);
    assert_eq!(all_valid(&[&bad]), vec![false]);
    assert_eq!(all_valid(&[]), Vec::<bool>::new());
}

#[test]
fn swapped_w_between_valid_ciphertexts_fails_alone_and_in_a_batch() {
    let f = fixture();
    let pk = crate::committee::ConfirmedKey::for_tests(&f.committee.public_keys());
    let encoded: Vec<Vec<u8>> = (0..2)
        .map(|_| {
            seal_bid(&document(USCC_B, "T-2026-001"), &f.b.key, &f.b.cert, &pk)
                .unwrap()
                .key_ciphertext_bytes()
                .to_vec()
        })
        .collect();
    let mut swapped = encoded[0].clone();
    swapped[64..].copy_from_slice(&encoded[1][64..]);
    let swapped = CiphertextCheck::decode(&swapped, &label()).unwrap();
    let other = CiphertextCheck::decode(&encoded[1], &label()).unwrap();
    assert!(!swapped.is_valid());
    assert_eq!(all_valid(&[&swapped, &other]), vec![false, true]);
}

/// The label of the fixture's tender.
fn label() -> Vec<u8> {
    crate::envelope::tender_label(&TenderId::parse("T-2026-001").unwrap())
}
