//! Deadline manifests: round trip, verification, inclusion, and every tamper named.

use der::asn1::Uint;
use time::Duration;

use super::*;
use crate::envelope::seal::tests::{NOW, fixture, issue};
use crate::oid;
use crate::pki::Profile;
use crate::tsp::{Imprint, StampOptions, TimeStampAuthority};

fn leaves(n: u8) -> Vec<Sm3Digest> {
    (0..n).map(|i| crate::sm3(&[i])).collect()
}

fn signed(leaves: &[Sm3Digest], stamped_at: OffsetDateTime) -> (Manifest, Certificate, Certificate) {
    let f = fixture();
    let platform = issue(&f.root, "sealbid platform", Profile::SealAuthority, None);
    let tsa_party = issue(&f.root, "sealbid TSA", Profile::TimeStamping, None);
    let tsa = TimeStampAuthority::new(tsa_party.cert.x509().clone(), tsa_party.key, oid::SEALBID_TSA_POLICY)
        .unwrap();
    let tender = TenderId::parse("T-2026-001").unwrap();
    let info = ManifestInfo::of(&tender, NOW, &[9; 32], leaves).unwrap();
    let sig =
        SignedMessage::new(Purpose::DeadlineManifest, &info.body_der().unwrap()).sign(&platform.key).unwrap();
    let imprint = Imprint::of(ImprintAlgorithm::Sm3, &sig.to_der());
    let opts = StampOptions { nonce: None, include_cert: false };
    let token = tsa.stamp(&imprint, Uint::new(&[7]).unwrap(), stamped_at, &opts).unwrap();
    (Manifest::from_parts(info, &sig.to_der(), token).unwrap(), platform.cert, tsa_party.cert)
}

#[test]
fn a_manifest_round_trips_verifies_and_proves_every_leaf() {
    let all = leaves(7);
    let (m, platform, tsa) = signed(&all, NOW + Duration::seconds(1));
    let again = Manifest::parse(&m.encode().unwrap()).unwrap();
    assert_eq!(again, m);
    assert_eq!(again.verify(&platform, &tsa).unwrap(), NOW + Duration::seconds(1));
    again.check_leaves(&all).unwrap();
    for (i, leaf) in all.iter().enumerate() {
        let proof = inclusion_proof(&all, i).unwrap();
        again.verify_inclusion(leaf, i as u64, &proof).unwrap();
    }
}

#[test]
fn added_dropped_or_swapped_envelopes_are_detected() {
    let all = leaves(5);
    let (m, ..) = signed(&all, NOW);
    let mut added = all.clone();
    added.push(crate::sm3(b"late"));
    assert!(m.check_leaves(&added).unwrap_err().to_string().contains("lists 5 envelopes"));
    let mut swapped = all.clone();
    swapped[2] = crate::sm3(b"other");
    assert!(m.check_leaves(&swapped).unwrap_err().to_string().contains("Merkle root differs"));
    let outsider = crate::sm3(b"dropped");
    let proof = inclusion_proof(&all, 1).unwrap();
    let err = m.verify_inclusion(&outsider, 1, &proof).unwrap_err().to_string();
    assert!(err.contains(&hex::encode(outsider)), "{err}");
    assert!(m.verify_inclusion(&all[1], 2, &proof).is_err(), "a proof for another index passes");
}

#[test]
fn a_manifest_stamped_before_the_deadline_or_tampered_is_refused() {
    let all = leaves(3);
    let (early, platform, tsa) = signed(&all, NOW - Duration::seconds(1));
    assert!(early.verify(&platform, &tsa).unwrap_err().to_string().contains("before its deadline"));
    let (m, platform, tsa) = signed(&all, NOW);
    let der = m.encode().unwrap();
    let mut seen_error = 0;
    for i in 0..der.len() {
        let mut bad = der.clone();
        bad[i] ^= 0x01;
        match Manifest::parse(&bad) {
            Err(_) => seen_error += 1,
            Ok(parsed) => assert!(parsed.verify(&platform, &tsa).is_err(), "byte {i} flipped still verifies"),
        }
    }
    assert!(seen_error > 0);
}
