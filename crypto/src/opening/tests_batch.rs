//! Share batches: round trip, signature, strict parsing, every tamper caught.

use rand07::SeedableRng;
use rand07::rngs::StdRng;
use threshold_crypto::SecretKeySet;

use super::*;

struct Setup {
    set: SecretKeySet,
    key: PrivateKey,
    batch: ShareBatch,
    der: Vec<u8>,
}

fn setup() -> Setup {
    let mut rng = StdRng::seed_from_u64(11);
    let set = SecretKeySet::random(1, &mut rng);
    let pk = set.public_keys().public_key();
    let cts: Vec<_> = (0..3u8).map(|i| ([i; 32], pk.encrypt_with_rng(&mut rng, [i; 16]))).collect();
    let refs: Vec<_> = cts.iter().map(|(h, ct)| (*h, ct)).collect();
    let entries = compute_shares(&set.secret_key_share(2), &refs);
    let key = PrivateKey::generate().unwrap();
    let tender = TenderId::parse("T-1").unwrap();
    let batch = ShareBatch::create(&tender, &pk, 2, entries, &key).unwrap();
    let der = batch.encode().unwrap();
    Setup { set, key, batch, der }
}

#[test]
fn round_trip_verify_and_shares_are_the_officials() {
    let s = setup();
    let parsed = ShareBatch::parse(&s.der).unwrap();
    assert_eq!(parsed, s.batch);
    parsed.verify(&s.key.public_key()).unwrap();
    assert_eq!(parsed.tender().as_str(), "T-1");
    assert_eq!(parsed.official(), 2);
    assert_eq!(parsed.committee_key(), &committee_key_hash(&s.set.public_keys().public_key()));
    assert_eq!(parsed.entries().len(), 3);
    let pks = s.set.public_keys();
    let pk = pks.public_key();
    let mut rng = StdRng::seed_from_u64(11);
    let _ = SecretKeySet::random(1, &mut rng);
    for (i, (hash, point)) in parsed.entries().iter().enumerate() {
        assert_eq!(hash, &[i as u8; 32]);
        let ct = pk.encrypt_with_rng(&mut rng, [i as u8; 16]);
        let share = decryption_share(point).unwrap();
        assert!(pks.public_key_share(2).verify_decryption_share(&share, &ct));
        assert_eq!(parsed.decryption_share(i).unwrap(), share);
    }
}

#[test]
fn another_officials_key_does_not_verify() {
    let s = setup();
    let other = PrivateKey::generate().unwrap();
    assert_eq!(s.batch.verify(&other.public_key()), Err(Error::BadSignature));
}

#[test]
fn every_byte_flip_is_rejected_by_parse_or_verify() {
    let s = setup();
    let public = s.key.public_key();
    for pos in 0..s.der.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = s.der.clone();
            bad[pos] ^= bit;
            let verdict = ShareBatch::parse(&bad).and_then(|b| b.verify(&public));
            assert!(verdict.is_err(), "flip {bit:#x} at byte {pos} accepted");
        }
    }
}

fn body_with(entries: Vec<EntryAsn1>, version: u64, official: u64, committee_key: Vec<u8>) -> Vec<u8> {
    let body = BodyAsn1 {
        version,
        tender_id: "T-1".into(),
        committee_key: OctetString::new(committee_key).unwrap(),
        official,
        entries,
    };
    BatchAsn1 { body, signature: OctetString::new(vec![0x30, 0x00]).unwrap() }.to_der().unwrap()
}

fn entry(hash: Vec<u8>, share: Vec<u8>) -> EntryAsn1 {
    EntryAsn1 { envelope_hash: OctetString::new(hash).unwrap(), share: OctetString::new(share).unwrap() }
}

fn malformed_detail(der: &[u8]) -> String {
    match ShareBatch::parse(der) {
        Err(Error::Malformed { what, detail }) => {
            assert_eq!(what, WHAT);
            detail
        }
        other => panic!("expected a malformed error, got {other:?}"),
    }
}

#[test]
fn parse_errors_name_the_problem() {
    let s = setup();
    let share = s.batch.entries()[0].1.into_uncompressed().as_ref().to_vec();
    let good = || entry(vec![1; 32], share.clone());
    let key = vec![9u8; 32];
    assert!(malformed_detail(&body_with(vec![good()], 2, 0, key.clone())).contains("unsupported"));
    assert!(malformed_detail(&body_with(vec![], 1, 0, key.clone())).contains("1 to 100000 entries"));
    assert!(malformed_detail(&body_with(vec![good(), good()], 1, 0, key.clone())).contains("appears twice"));
    assert!(
        malformed_detail(&body_with(vec![entry(vec![1; 31], share.clone())], 1, 0, key.clone()))
            .contains("envelope hash is 32 bytes")
    );
    assert!(
        malformed_detail(&body_with(vec![entry(vec![1; 32], share[..95].to_vec())], 1, 0, key.clone()))
            .contains("share is 96 bytes")
    );
    let mut not_point = share.clone();
    not_point[95] ^= 1;
    let not_point_der = body_with(vec![entry(vec![1; 32], not_point)], 1, 0, key.clone());
    let detail = malformed_detail(&not_point_der);
    assert!(detail.contains("not a valid uncompressed G1 point"), "{detail}");
    // The trusted parse does not look at the point (only for stored, verified batches).
    let mut asn1 = BatchAsn1::from_der(&not_point_der).unwrap();
    asn1.signature = OctetString::new(s.batch.signature().to_der()).unwrap();
    let trusted = ShareBatch::parse_trusted(&asn1.to_der().unwrap()).unwrap();
    assert_ne!(trusted.entries()[0].1, s.batch.entries()[0].1);
    assert!(trusted.decryption_share(1).is_err());
    assert!(malformed_detail(&body_with(vec![good()], 1, 100, key.clone())).contains("official index"));
    assert!(malformed_detail(&body_with(vec![good()], 1, 0, vec![9; 31])).contains("committee key hash"));
    let huge = vec![0u8; MAX_BATCH_LEN + 1];
    assert!(malformed_detail(&huge).contains("exceeds the limit"));
}

#[test]
fn create_refuses_bad_input() {
    let s = setup();
    let pk = s.set.public_keys().public_key();
    let tender = TenderId::parse("T-1").unwrap();
    let e = (s.batch.entries()[0].0, s.batch.decryption_share(0).unwrap());
    assert!(ShareBatch::create(&tender, &pk, 0, vec![], &s.key).is_err());
    assert!(ShareBatch::create(&tender, &pk, 0, vec![e.clone(), e.clone()], &s.key).is_err());
    assert!(ShareBatch::create(&tender, &pk, 100, vec![e], &s.key).is_err());
}

#[test]
fn trusted_parse_reads_the_same_batch_and_keeps_structural_checks() {
    let s = setup();
    assert_eq!(ShareBatch::parse_trusted(&s.der).unwrap(), s.batch);
    let mut truncated = s.der.clone();
    truncated.pop();
    assert!(ShareBatch::parse_trusted(&truncated).is_err());
    let mut non_canonical = s.der.clone();
    non_canonical.push(0);
    assert!(ShareBatch::parse_trusted(&non_canonical).is_err());
    let huge = vec![0u8; MAX_BATCH_LEN + 1];
    assert!(ShareBatch::parse_trusted(&huge).is_err());
}
