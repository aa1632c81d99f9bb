//! Envelope tests: round trip through 3 of 5 threshold shares, and rejection of
//! every tampered field, by a wire attacker (no re-signing) and by a bidder who
//! re-signs what it smuggles.

use std::sync::OnceLock;

use proptest::prelude::*;
use rand07::SeedableRng;
use threshold_crypto::{DecryptionShare, SecretKeySet};
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::envelope::{Attachment, BidItem, KEY_CIPHERTEXT_LEN, PriceFen};
use crate::pki::{CertSerial, Issuer, Profile, Role, SubjectInfo, Validity};

pub(crate) const NOW: OffsetDateTime = datetime!(2026-03-01 12:00:00 UTC);
pub(crate) const USCC_A: &str = "91350100M000100Y43";
pub(crate) const USCC_B: &str = "91110000600037341L";

/// A key with its certificate, issued by a test root.
pub(crate) struct Party {
    pub(crate) key: PrivateKey,
    pub(crate) cert: Certificate,
}

pub(crate) struct Fixture {
    pub(crate) root: Issuer,
    pub(crate) a: Party,
    pub(crate) b: Party,
    pub(crate) committee: SecretKeySet,
    pub(crate) envelope_der: Vec<u8>,
}

pub(crate) fn issue(root: &Issuer, cn: &str, profile: Profile, uscc: Option<&str>) -> Party {
    let key = PrivateKey::generate().unwrap();
    let subject = SubjectInfo {
        uscc: uscc.map(|u| Uscc::parse(u).unwrap()),
        role: (profile == Profile::Person).then_some(Role::Bidder),
        ..SubjectInfo::new(cn)
    };
    let validity = Validity::new(NOW - time::Duration::days(1), NOW + time::Duration::days(30)).unwrap();
    let cert = root
        .issue(
            &subject,
            &key.public_key(),
            profile,
            validity,
            CertSerial::random().unwrap(),
            "http://crl.invalid/",
        )
        .unwrap();
    Party { key, cert }
}

pub(crate) fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let validity = Validity::new(NOW - time::Duration::days(2), NOW + time::Duration::days(60)).unwrap();
        let root = Issuer::new_root(
            PrivateKey::generate().unwrap(),
            &SubjectInfo::new("Root"),
            validity,
            CertSerial::random().unwrap(),
        )
        .unwrap();
        let a = issue(&root, "Bidder A", Profile::Person, Some(USCC_A));
        let b = issue(&root, "Bidder B", Profile::Person, Some(USCC_B));
        let committee = SecretKeySet::random(2, &mut rand07::rngs::StdRng::seed_from_u64(7));
        let env = seal_bid(
            &document(USCC_A, "T-2026-001"),
            &a.key,
            &a.cert,
            &crate::committee::ConfirmedKey::for_tests(&committee.public_keys()),
        )
        .unwrap();
        let envelope_der = env.encode().unwrap();
        Fixture { root, a, b, committee, envelope_der }
    })
}

pub(crate) fn document(bidder: &str, tender: &str) -> BidDocument {
    let items = (1..=5u32)
        .map(|i| BidItem { item: i * 3, unit_price: PriceFen::new(1000 + u64::from(i)).unwrap() })
        .collect();
    let att = vec![Attachment::new("licence.pdf", b"%PDF-1.7 licence".to_vec()).unwrap()];
    BidDocument::new(TenderId::parse(tender).unwrap(), Uscc::parse(bidder).unwrap(), NOW, items, att).unwrap()
}

/// Decryption shares of officials `ids` from `set`.
fn shares(set: &SecretKeySet, env: &Envelope, ids: &[usize]) -> Vec<(usize, DecryptionShare)> {
    ids.iter().map(|&i| (i, set.secret_key_share(i).decrypt_share_no_verify(env.key_ciphertext()))).collect()
}

fn open3(env: &Envelope) -> Result<OpenedBid> {
    let f = fixture();
    let s = shares(&f.committee, env, &[0, 2, 4]);
    env.open_with_shares(&f.committee.public_keys(), s.iter().map(|(i, s)| (*i, s)))
}

fn sm4_key_of(env: &Envelope) -> Vec<u8> {
    let f = fixture();
    let s = shares(&f.committee, env, &[1, 2, 3]);
    f.committee.public_keys().decrypt(s.iter().map(|(i, s)| (*i, s)), env.key_ciphertext()).unwrap()
}

fn resign(env: &mut Envelope, key: &PrivateKey) {
    env.outer_signature = SignedMessage::new(Purpose::Bid, &env.body_der().unwrap()).sign(key).unwrap();
}

/// An envelope by `header_bidder` for `header_tender` whose payload holds `plaintext`, signed by `key`.
fn forge(header_tender: &str, header_bidder: &str, plaintext: &[u8], key: &PrivateKey) -> Envelope {
    let f = fixture();
    let (tender, bidder) = (TenderId::parse(header_tender).unwrap(), Uscc::parse(header_bidder).unwrap());
    let sm4 = Sm4Key::generate().unwrap();
    let payload = sm4gcm::seal(&sm4, &aad(&tender, &bidder).unwrap(), plaintext).unwrap();
    let pk = f.committee.public_keys().public_key();
    let sig = key.sign_raw(b"placeholder").unwrap();
    let committee_key = crate::committee::statement::key_hash(&pk);
    let (key_ciphertext, bytes, key_proof) =
        codec::encrypt_key_proved(&pk, &sm4, &codec::tender_label(&tender), &committee_key).unwrap();
    let mut env = Envelope {
        tender,
        bidder,
        committee_key,
        key_ciphertext,
        key_ciphertext_bytes: bytes.to_vec(),
        key_proof,
        payload,
        outer_signature: sig,
    };
    resign(&mut env, key);
    env
}

fn payload_of(doc_der: Vec<u8>, sig: &Signature, cert: &Certificate) -> Vec<u8> {
    PayloadAsn1 {
        document: OctetString::new(doc_der).unwrap(),
        document_signature: OctetString::new(sig.to_der()).unwrap(),
        signer_certificate: OctetString::new(cert.to_der()).unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn round_trip_with_three_of_five_shares() {
    let f = fixture();
    let env = Envelope::parse(&f.envelope_der).unwrap();
    assert_eq!(env.encode().unwrap(), f.envelope_der);
    assert_eq!(env.hash().unwrap(), sm3(&f.envelope_der));
    assert_eq!(env.tender().as_str(), "T-2026-001");
    assert_eq!(env.bidder().as_str(), USCC_A);
    assert_eq!(env.key_ciphertext_bytes().len(), KEY_CIPHERTEXT_LEN);
    env.verify_outer(&f.a.key.public_key()).unwrap();
    assert_eq!(env.verify_outer(&f.b.key.public_key()), Err(Error::BadSignature));
    env.check_ciphertext().unwrap();
    let opened = open3(&env).unwrap();
    opened.verify_inner(&opened.certificate().public_key().unwrap()).unwrap();
    assert_eq!(opened.certificate(), &f.a.cert);
    assert_eq!(opened.document(), &document(USCC_A, "T-2026-001"));
    assert_eq!(opened.document().price_of(6), Some(PriceFen::new(1002).unwrap()));
    assert_eq!(opened.verify_inner(&f.b.key.public_key()), Err(Error::BadSignature));
    // Any 3 of the 5 open it, and the key alone opens it too.
    assert_eq!(env.open_with_key(&sm4_key_of(&env)).unwrap(), opened);
}

#[test]
fn opening_against_the_known_certificate_matches_the_full_opening() {
    let f = fixture();
    let env = Envelope::parse(&f.envelope_der).unwrap();
    let full = open3(&env).unwrap();
    let key = sm4_key_of(&env);
    let known = env.open_with_key_expecting(&key, f.a.cert.to_der()).unwrap();
    assert_eq!(known, full.clone().into_document());
    known.verify_inner(&f.a.key.public_key()).unwrap();
    let s = shares(&f.committee, &env, &[0, 1, 2]);
    let via_shares = env
        .open_with_shares_expecting(
            &f.committee.public_keys(),
            s.iter().map(|(i, s)| (*i, s)),
            f.a.cert.to_der(),
        )
        .unwrap();
    assert_eq!(via_shares, known);
    // Another certificate (even a valid one of the same root) is refused by bytes.
    let err = env.open_with_key_expecting(&key, f.b.cert.to_der()).unwrap_err();
    assert!(matches!(err, Error::Malformed { what: "bid envelope binding", .. }), "{err}");
    assert_eq!(env.open_with_key_expecting(&[0u8; 16], f.a.cert.to_der()), Err(Error::DecryptionFailed));
}

#[test]
fn sealing_refuses_a_certificate_of_another_key() {
    let f = fixture();
    let doc = document(USCC_A, "T-1");
    let err = seal_bid(
        &doc,
        &f.b.key,
        &f.a.cert,
        &crate::committee::ConfirmedKey::for_tests(&f.committee.public_keys()),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidKey(_)), "{err}");
}

#[test]
fn fewer_than_threshold_or_duplicate_shares_cannot_open() {
    let f = fixture();
    let env = Envelope::parse(&f.envelope_der).unwrap();
    let pks = f.committee.public_keys();
    let two = shares(&f.committee, &env, &[0, 1]);
    let err = env.open_with_shares(&pks, two.iter().map(|(i, s)| (*i, s))).unwrap_err();
    assert!(err.to_string().contains("needs 3 decryption shares, got 2"), "{err}");
    let dup = shares(&f.committee, &env, &[0, 1, 1]);
    let err = env.open_with_shares(&pks, dup.iter().map(|(i, s)| (*i, s))).unwrap_err();
    assert!(err.to_string().contains("official 1 given twice"), "{err}");
}

#[test]
fn a_share_from_another_key_set_fails_decryption() {
    let f = fixture();
    let env = Envelope::parse(&f.envelope_der).unwrap();
    let other = SecretKeySet::random(2, &mut rand07::rngs::StdRng::seed_from_u64(99));
    let mut s = shares(&f.committee, &env, &[0, 1]);
    s.extend(shares(&other, &env, &[2]));
    let err = env.open_with_shares(&f.committee.public_keys(), s.iter().map(|(i, s)| (*i, s))).unwrap_err();
    assert_eq!(err, Error::DecryptionFailed);
    assert_eq!(env.open_with_key(&[0u8; 16]).unwrap_err(), Error::DecryptionFailed);
}

#[test]
fn header_fields_changed_on_the_wire_break_the_outer_signature() {
    let f = fixture();
    let pk = f.a.key.public_key();
    let base = Envelope::parse(&f.envelope_der).unwrap();
    let other = seal_bid(
        &document(USCC_A, "T-2026-001"),
        &f.a.key,
        &f.a.cert,
        &crate::committee::ConfirmedKey::for_tests(&f.committee.public_keys()),
    )
    .unwrap();
    let mut cases = Vec::new();
    let mut e = base.clone();
    e.tender = TenderId::parse("T-2026-002").unwrap();
    cases.push(("tender", e));
    let mut e = base.clone();
    e.bidder = Uscc::parse(USCC_B).unwrap();
    cases.push(("bidder", e));
    let mut e = base.clone();
    (e.key_ciphertext, e.key_ciphertext_bytes) =
        (other.key_ciphertext.clone(), other.key_ciphertext_bytes.clone());
    cases.push(("key ciphertext", e));
    let mut e = base.clone();
    e.payload[20] ^= 1;
    cases.push(("payload", e));
    let mut e = base.clone();
    e.outer_signature = other.outer_signature;
    cases.push(("outer signature", e));
    for (field, env) in cases {
        let reparsed = Envelope::parse(&env.encode().unwrap()).unwrap();
        assert_eq!(reparsed.verify_outer(&pk), Err(Error::BadSignature), "changed {field}");
    }
}

#[test]
fn a_bidder_resigning_a_changed_header_cannot_get_it_opened() {
    let f = fixture();
    let base = Envelope::parse(&f.envelope_der).unwrap();
    let mut e = base.clone();
    e.tender = TenderId::parse("T-2026-002").unwrap();
    resign(&mut e, &f.a.key);
    e.verify_outer(&f.a.key.public_key()).unwrap();
    assert_eq!(open3(&e).unwrap_err(), Error::DecryptionFailed, "tender is in the AAD");
    let mut e = base.clone();
    e.payload[30] ^= 0x80;
    resign(&mut e, &f.a.key);
    assert_eq!(open3(&e).unwrap_err(), Error::DecryptionFailed, "payload is authenticated");
    let mut e = base.clone();
    let mut ct = e.key_ciphertext_bytes.clone();
    ct[50] ^= 1; // inside V: still parses, no longer a valid threshold ciphertext
    (e.key_ciphertext, e.key_ciphertext_bytes) = (codec::decode(&ct).unwrap(), ct);
    resign(&mut e, &f.a.key);
    assert!(matches!(e.check_ciphertext(), Err(Error::InvalidKey(_))));
    assert_eq!(open3(&e).unwrap_err(), Error::DecryptionFailed);
}

#[test]
fn another_bidders_payload_does_not_open_under_my_header() {
    let f = fixture();
    let victim = Envelope::parse(&f.envelope_der).unwrap();
    let mut e = forge("T-2026-001", USCC_B, b"unused", &f.b.key);
    (e.key_ciphertext, e.key_ciphertext_bytes, e.payload) =
        (victim.key_ciphertext.clone(), victim.key_ciphertext_bytes.clone(), victim.payload.clone());
    resign(&mut e, &f.b.key);
    let e = Envelope::parse(&e.encode().unwrap()).unwrap();
    e.verify_outer(&f.b.key.public_key()).unwrap();
    assert_eq!(open3(&e).unwrap_err(), Error::DecryptionFailed);
}

#[test]
fn a_document_naming_another_tender_or_bidder_is_rejected() {
    let f = fixture();
    for (tender, bidder) in [("T-2026-009", USCC_B), ("T-2026-001", USCC_A)] {
        let doc = document(bidder, tender);
        let der = doc.encode().unwrap();
        let sig = SignedMessage::new(Purpose::BidDocument, &der).sign(&f.b.key).unwrap();
        let env = forge("T-2026-001", USCC_B, &payload_of(der, &sig, &f.b.cert), &f.b.key);
        let err = open3(&env).unwrap_err();
        assert!(matches!(&err, Error::Malformed { what: "bid envelope binding", .. }), "{err}");
        assert!(err.to_string().contains("the document"), "{err}");
    }
}

#[test]
fn a_bad_inner_signature_opens_but_does_not_verify() {
    let f = fixture();
    let der = document(USCC_B, "T-1").encode().unwrap();
    let wrong_purpose = SignedMessage::new(Purpose::Bid, &der).sign(&f.b.key).unwrap();
    let wrong_key = SignedMessage::new(Purpose::BidDocument, &der).sign(&f.a.key).unwrap();
    for sig in [wrong_purpose, wrong_key] {
        let env = forge("T-1", USCC_B, &payload_of(der.clone(), &sig, &f.b.cert), &f.b.key);
        let opened = open3(&env).unwrap();
        assert_eq!(opened.verify_inner(&f.b.key.public_key()), Err(Error::BadSignature));
    }
    let env = forge("T-1", USCC_B, b"not DER at all", &f.b.key);
    assert!(matches!(open3(&env), Err(Error::Malformed { what: "bid payload", .. })));
}

#[test]
fn unknown_versions_and_odd_encodings_are_rejected_clearly() {
    let f = fixture();
    let mut der = f.envelope_der.clone();
    let at = der.windows(3).position(|w| w == [0x02, 0x01, 0x03]).unwrap();
    der[at + 2] = 4;
    let err = Envelope::parse(&der).unwrap_err().to_string();
    assert!(err.contains("unsupported bid envelope version 4"), "{err}");
    // Version 2 (no proof of the key ciphertext) is refused with what to do.
    der[at + 2] = 2;
    let err = Envelope::parse(&der).unwrap_err().to_string();
    assert!(err.contains("version 2 envelopes are no longer accepted") && err.contains("no proof"), "{err}");
    // Version 1 (no committee key, unlabelled ciphertext) is refused with what to do.
    der[at + 2] = 1;
    let err = Envelope::parse(&der).unwrap_err().to_string();
    assert!(
        err.contains("version 1 envelopes are no longer accepted") && err.contains("seal the bid again"),
        "{err}"
    );
    let mut trailing = f.envelope_der.clone();
    trailing.push(0);
    assert!(matches!(Envelope::parse(&trailing), Err(Error::Malformed { .. })));
    let mut ct = Envelope::parse(&f.envelope_der).unwrap().key_ciphertext_bytes.clone();
    ct[0] |= 0x40;
    assert!(codec::decode(&ct).unwrap_err().to_string().contains("infinity"));
    assert!(codec::decode(&ct[1..]).is_err());
}

#[test]
fn the_key_proof_is_checked_and_bound_to_the_header() {
    let f = fixture();
    let env = Envelope::parse(&f.envelope_der).unwrap();
    env.check_key_proof().unwrap();
    // Another tender's header around the same ciphertext and proof (re-signed by the bidder).
    let mut moved = env.clone();
    moved.tender = TenderId::parse("T-2026-999").unwrap();
    resign(&mut moved, &f.a.key);
    let moved = Envelope::parse(&moved.encode().unwrap()).unwrap();
    assert!(matches!(moved.check_key_proof(), Err(Error::InvalidKey(_))));
    // Another committee key in the header.
    let mut rekeyed = env.clone();
    rekeyed.committee_key = [9; 32];
    assert!(matches!(rekeyed.check_key_proof(), Err(Error::InvalidKey(_))));
    // A proof of the wrong length does not parse, and says so.
    let err = key_proof_field(&der::asn1::OctetString::new(vec![0; 47]).unwrap()).unwrap_err();
    assert!(err.to_string().contains("proof is 48 bytes, got 47"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Any single flipped bit is caught by parsing or the outer signature, and
    /// a flip inside the payload is caught by the GCM tag too.
    #[test]
    fn every_single_bit_flip_is_rejected(pos in any::<prop::sample::Index>()) {
        let f = fixture();
        let original = Envelope::parse(&f.envelope_der).unwrap();
        let mut der = f.envelope_der.clone();
        let bit = pos.index(der.len() * 8);
        der[bit / 8] ^= 1 << (bit % 8);
        if let Ok(env) = Envelope::parse(&der) {
            prop_assert_eq!(env.verify_outer(&f.a.key.public_key()), Err(Error::BadSignature));
            if env.payload != original.payload {
                prop_assert!(env.open_with_key(&sm4_key_of(&original)).is_err());
            }
        }
    }
}
