//! `SealedView` against `Envelope`.

use super::*;
use crate::envelope::Envelope;
use crate::envelope::seal::tests::fixture;
use crate::opening::{ShareBatch, combine_key};

/// The SM4 key of `env`, combined from officials 0, 2 and 4 with `combine_key`.
fn key_of(env: &Envelope) -> Vec<u8> {
    let f = fixture();
    let points: Vec<_> = [0usize, 2, 4]
        .iter()
        .map(|&i| {
            let share = f.committee.secret_key_share(i).decrypt_share_no_verify(env.key_ciphertext());
            let batch = ShareBatch::create(
                env.tender(),
                &f.committee.public_keys().public_key(),
                i,
                vec![([1u8; 32], share)],
                &f.a.key,
            )
            .unwrap();
            (i, batch.entries()[0].1)
        })
        .collect();
    combine_key(&points, &env.key_ciphertext_bytes()[48..64]).unwrap().to_vec()
}

#[test]
fn view_opens_to_the_same_document_as_the_envelope() {
    let f = fixture();
    let env = Envelope::parse(&f.envelope_der).unwrap();
    let view = SealedView::parse(&f.envelope_der).unwrap();
    assert_eq!(view.hash(), &env.hash().unwrap());
    assert_eq!(view.tender(), env.tender());
    assert_eq!(view.bidder(), env.bidder());
    assert_eq!(&view.key_ciphertext_v()[..], &env.key_ciphertext_bytes()[48..64]);
    assert_eq!(view.payload(), env.payload());
    let key = key_of(&env);
    let cert = f.a.cert.to_der();
    let opened = view.open_with_key_expecting(&key, cert).unwrap();
    assert_eq!(opened, env.open_with_key_expecting(&key, cert).unwrap());
    opened.verify_inner(&f.a.key.public_key()).unwrap();
    assert_eq!(view.open_with_key_expecting(&[0u8; 16], cert), Err(Error::DecryptionFailed));
    let err = view.open_with_key_expecting(&key, f.b.cert.to_der()).unwrap_err();
    assert!(err.to_string().contains("expected certificate"), "{err}");
}

#[test]
fn every_payload_byte_tampered_fails_to_open() {
    let f = fixture();
    let env = Envelope::parse(&f.envelope_der).unwrap();
    let key = key_of(&env);
    let der = &f.envelope_der;
    let payload = env.payload();
    let start = der.windows(payload.len()).position(|w| w == payload).unwrap();
    for pos in start..start + payload.len() {
        let mut bad = der.clone();
        bad[pos] ^= 0x01;
        let view = SealedView::parse(&bad).unwrap();
        assert_eq!(
            view.open_with_key_expecting(&key, f.a.cert.to_der()),
            Err(Error::DecryptionFailed),
            "byte {pos}"
        );
    }
}

#[test]
fn structural_checks_still_apply() {
    let f = fixture();
    let der = &f.envelope_der;
    assert!(SealedView::parse(&der[..der.len() - 1]).is_err());
    let mut longer = der.clone();
    longer.push(0);
    assert!(SealedView::parse(&longer).is_err());
    // The version is the first INTEGER inside the body: 30 .. 30 .. 02 01 03.
    let at = der.windows(3).position(|w| w == [0x02, 0x01, 0x03]).unwrap();
    let mut v1 = der.clone();
    v1[at + 2] = 1;
    let err = SealedView::parse(&v1).unwrap_err();
    assert!(err.to_string().contains("version 1"), "{err}");
    // A header bidder code in lower case is refused as by Envelope::parse.
    let bidder = USCC_LOWER_PROBE;
    let at = der.windows(bidder.len()).position(|w| w == bidder).unwrap();
    let mut lower = der.clone();
    lower[at + 8] = lower[at + 8].to_ascii_lowercase();
    assert!(SealedView::parse(&lower).is_err());
    assert!(Envelope::parse(&lower).is_err());
}

/// The header bidder of the fixture envelope.
const USCC_LOWER_PROBE: &[u8] = b"91350100M000100Y43";
