//! Receipt tests: offline verification and rejection of every tamper.

use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;
use crate::envelope::seal::tests::{NOW, Party, USCC_A, fixture, issue};
use crate::oid;
use crate::pki::Profile;

struct Platform {
    platform: Party,
    tsa_cert: Certificate,
    tsa: TimeStampAuthority,
    receipt_der: Vec<u8>,
}

fn platform() -> &'static Platform {
    static P: OnceLock<Platform> = OnceLock::new();
    P.get_or_init(|| {
        let f = fixture();
        let platform = issue(&f.root, "sealbid platform", Profile::SealAuthority, None);
        let tsa_party = issue(&f.root, "sealbid TSA", Profile::TimeStamping, None);
        let tsa =
            TimeStampAuthority::new(tsa_party.cert.x509().clone(), tsa_party.key, oid::SEALBID_TSA_POLICY)
                .unwrap();
        let receipt = Receipt::create(info(), &platform.key, &tsa, Uint::new(&[42]).unwrap()).unwrap();
        Platform { receipt_der: receipt.encode().unwrap(), platform, tsa_cert: tsa_party.cert, tsa }
    })
}

fn info() -> ReceiptInfo {
    ReceiptInfo {
        tender: TenderId::parse("T-2026-001").unwrap(),
        bidder: Uscc::parse(USCC_A).unwrap(),
        envelope_hash: [5; 32],
        received_at: NOW,
        sequence: 17,
    }
}

#[test]
fn round_trip_and_offline_verification() {
    let p = platform();
    let receipt = Receipt::parse(&p.receipt_der).unwrap();
    assert_eq!(receipt.encode().unwrap(), p.receipt_der);
    assert_eq!(receipt.info(), &info());
    assert_eq!(receipt.verify(&p.platform.cert, &p.tsa_cert, &[5; 32]).unwrap(), NOW);
    let err = receipt.verify(&p.platform.cert, &p.tsa_cert, &[6; 32]).unwrap_err();
    assert!(err.to_string().contains("different envelope"), "{err}");
    // The wrong platform or TSA certificate is refused.
    assert!(receipt.verify(&fixture().a.cert, &p.tsa_cert, &[5; 32]).is_err());
    assert!(receipt.verify(&p.platform.cert, &p.platform.cert, &[5; 32]).is_err());
}

#[test]
fn a_token_over_another_signature_or_far_from_the_receipt_time_fails() {
    let p = platform();
    let mut a = Receipt::parse(&p.receipt_der).unwrap();
    let other = Receipt::create(
        ReceiptInfo { sequence: 18, ..info() },
        &p.platform.key,
        &p.tsa,
        Uint::new(&[43]).unwrap(),
    )
    .unwrap();
    a.token = other.token.clone();
    assert!(matches!(a.verify(&p.platform.cert, &p.tsa_cert, &[5; 32]), Err(Error::Timestamp(_))));
    let mut late = other;
    late.info.received_at = NOW + Duration::minutes(6);
    late.signature =
        SignedMessage::new(Purpose::Receipt, &body_der(&late.info).unwrap()).sign(&p.platform.key).unwrap();
    late.token = p
        .tsa
        .stamp(
            &Imprint::of(ImprintAlgorithm::Sm3, &late.signature.to_der()),
            Uint::new(&[44]).unwrap(),
            NOW,
            &StampOptions::default(),
        )
        .unwrap();
    let err = late.verify(&p.platform.cert, &p.tsa_cert, &[5; 32]).unwrap_err();
    assert!(err.to_string().contains("within 5 minutes"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn every_single_bit_flip_is_rejected(pos in any::<prop::sample::Index>()) {
        let p = platform();
        let mut der = p.receipt_der.clone();
        let bit = pos.index(der.len() * 8);
        der[bit / 8] ^= 1 << (bit % 8);
        if let Ok(r) = Receipt::parse(&der) {
            let hash = r.info().envelope_hash;
            prop_assert!(r.verify(&p.platform.cert, &p.tsa_cert, &hash).is_err());
        }
    }
}
