//! Tests of seals and seal signatures: round trips, tampering, binding,
//! validity and time stamps, against a throw-away PKI.

use std::sync::OnceLock;

use der::Encode;
use der::asn1::Ia5String;
use sealbid_crypto::pki::{CertSerial, Certificate, Issuer, Profile, Role, SubjectInfo, Validity};
use sealbid_crypto::tsp::{Imprint, ImprintAlgorithm, StampOptions, TimeStampAuthority, random_serial};
use sealbid_crypto::{PrivateKey, Uscc, oid, sm3};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::asn1::SealAsn1;
use super::*;
use crate::seal::SealKind;
use crate::seal::picture::Picture;

const CRL_URL: &str = "http://127.0.0.1:8080/pki/crl";
const T0: OffsetDateTime = datetime!(2025-01-01 00:00 UTC);
const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);
const SEAL_END: OffsetDateTime = datetime!(2027-01-01 00:00 UTC);

/// A throw-away PKI, shared with the request check's tests.
pub(super) struct Fixture {
    pub(super) root: Issuer,
    pub(super) ica: Issuer,
    pub(super) maker: (PrivateKey, Certificate),
    pub(super) holder: (PrivateKey, Certificate),
    pub(super) stranger: (PrivateKey, Certificate),
    tsa: TimeStampAuthority,
    tsa_cert: Certificate,
}

fn validity(years: i32) -> Validity {
    Validity::new(T0, T0.replace_year(2025 + years).unwrap()).unwrap()
}

fn issue(ica: &Issuer, subject: &SubjectInfo, profile: Profile) -> (PrivateKey, Certificate) {
    let key = PrivateKey::generate().unwrap();
    let cert = ica
        .issue(subject, &key.public_key(), profile, validity(5), CertSerial::random().unwrap(), CRL_URL)
        .unwrap();
    (key, cert)
}

fn person(name: &str) -> SubjectInfo {
    SubjectInfo {
        common_name: name.into(),
        organization: Some("某某医药股份有限公司".into()),
        uscc: Some(Uscc::parse("91350100M000100Y43").unwrap()),
        role: Some(Role::Bidder),
    }
}

pub(super) fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let root = Issuer::new_root(
            PrivateKey::generate().unwrap(),
            &SubjectInfo::new("sealbid 根 CA"),
            validity(20),
            CertSerial::random().unwrap(),
        )
        .unwrap();
        let ica_key = PrivateKey::generate().unwrap();
        let ica_cert = root
            .issue(
                &SubjectInfo::new("sealbid Issuing CA"),
                &ica_key.public_key(),
                Profile::IssuingCa,
                validity(10),
                CertSerial::random().unwrap(),
                CRL_URL,
            )
            .unwrap();
        let ica = Issuer::new(ica_cert, ica_key).unwrap();
        let maker = issue(&ica, &SubjectInfo::new("sealbid 电子印章制章系统"), Profile::SealAuthority);
        let holder = issue(&ica, &person("王五"), Profile::Person);
        let stranger = issue(&ica, &person("赵六"), Profile::Person);
        let (tsa_key, tsa_cert) = issue(&ica, &SubjectInfo::new("sealbid TSA"), Profile::TimeStamping);
        let tsa = TimeStampAuthority::new(tsa_cert.x509().clone(), tsa_key, oid::SEALBID_TSA_POLICY).unwrap();
        Fixture { root, ica, maker, holder, stranger, tsa, tsa_cert }
    })
}

pub(super) fn trust() -> Trust {
    let f = fixture();
    Trust {
        seal_authorities: vec![f.maker.1.clone()],
        anchors: vec![f.root.certificate().clone()],
        intermediates: vec![f.ica.certificate().clone()],
        crls: vec![],
        tsa: Some(f.tsa_cert.clone()),
    }
}

pub(super) fn spec() -> SealSpec {
    SealSpec {
        es_id: "SB0000000000000001".into(),
        vid: "sealbid".into(),
        kind: SealKind::Contract,
        name: "某某医药股份有限公司合同专用章".into(),
        holders: vec![fixture().holder.1.clone()],
        // Not a real PNG: the structure does not look inside, and a small picture keeps the tamper loop fast.
        picture: Picture {
            format: "png".into(),
            data: b"\x89PNG\r\n\x1a\nfake".to_vec(),
            width_mm: 42,
            height_mm: 42,
        },
        created: T0,
        valid_start: T0,
        valid_end: SEAL_END,
    }
}

fn seal() -> SeSeal {
    let f = fixture();
    SeSeal::make(&spec(), &f.maker.0, &f.maker.1).unwrap()
}

fn sign_with(
    seal: &SeSeal,
    signer: &(PrivateKey, Certificate),
    time: OffsetDateTime,
    data: &[u8],
) -> SesSignature {
    let tbs = tbs_to_sign(seal, time, &sm3(data), "ByteRange 0 100 200 300").unwrap();
    let signature = signer.0.sign_raw(&tbs).unwrap();
    SesSignature::assemble(&tbs, signer.1.to_der(), &signature, None).unwrap()
}

#[test]
fn seal_round_trip_and_fields() {
    let s = seal();
    let again = SeSeal::from_der(s.to_der()).unwrap();
    assert_eq!(again, s);
    assert_eq!(again.to_der(), s.to_der());
    assert_eq!(s.name(), "某某医药股份有限公司合同专用章");
    assert_eq!(s.kind(), Some(SealKind::Contract));
    assert_eq!(s.kind_code(), 2);
    assert_eq!(s.es_id(), "SB0000000000000001");
    assert_eq!(s.vid(), "sealbid");
    assert_eq!((s.valid_start(), s.valid_end()), (T0, SEAL_END));
    assert_eq!(s.picture().width_mm, 42);
    assert!(s.binds(fixture().holder.1.to_der()));
    assert!(!s.binds(fixture().stranger.1.to_der()));
    assert_eq!(s.holder_certificates().unwrap(), vec![fixture().holder.1.clone()]);
    assert_eq!(s.maker_certificate().unwrap(), fixture().maker.1);
    s.verify(&trust(), NOW).unwrap();
}

#[test]
fn seal_header_version_and_algorithm_are_in_the_der() {
    let der = seal().to_der().to_vec();
    let asn1: SealAsn1 = der::Decode::from_der(&der).unwrap();
    assert_eq!(asn1.seal_info.header.id.as_str(), "ES");
    assert_eq!(asn1.seal_info.header.version, 4);
    assert_eq!(asn1.sign_alg_id, oid::SM2_WITH_SM3);
    assert_eq!(asn1.seal_info.property.cert_list_type, 1);
    assert_eq!(asn1.cert.as_bytes(), fixture().maker.1.to_der());
}

#[test]
fn tampered_seal_info_fails_the_maker_signature() {
    let s = seal();
    let mut der = s.to_der().to_vec();
    let name = "合同专用章".as_bytes();
    let at = der.windows(name.len()).position(|w| w == name).unwrap();
    der[at + 2] ^= 0x01; // still valid UTF-8 inside a CJK character's continuation byte
    let tampered = SeSeal::from_der(&der).unwrap();
    assert_ne!(tampered.name(), s.name());
    assert_eq!(tampered.verify(&trust(), NOW), Err(SesError::BadMakerSignature));
}

#[test]
fn tampered_signed_value_fails_the_maker_signature() {
    let mut der = seal().to_der().to_vec();
    let last = der.len() - 1; // the last byte of s in the signature
    der[last] ^= 0x01;
    let tampered = SeSeal::from_der(&der).unwrap();
    assert_eq!(tampered.verify(&trust(), NOW), Err(SesError::BadMakerSignature));
}

#[test]
fn every_single_byte_flip_is_rejected() {
    let der = seal().to_der().to_vec();
    let trust = trust();
    for i in 0..der.len() {
        let mut bad = der.clone();
        bad[i] ^= 0x04;
        let accepted = SeSeal::from_der(&bad).and_then(|s| s.verify(&trust, NOW));
        assert!(accepted.is_err(), "flipping byte {i} of {} went unnoticed", der.len());
    }
}

#[test]
fn truncated_seal_is_malformed() {
    let der = seal().to_der().to_vec();
    match SeSeal::from_der(&der[..der.len() - 10]) {
        Err(SesError::Malformed { detail, .. }) => assert!(detail.contains("truncated"), "{detail}"),
        other => panic!("expected a malformed error, got {other:?}"),
    }
}

#[test]
fn wrong_version_and_header_are_named() {
    let mut asn1: SealAsn1 = der::Decode::from_der(seal().to_der()).unwrap();
    asn1.seal_info.header.version = 2;
    assert_eq!(
        SeSeal::from_der(&asn1.to_der().unwrap()),
        Err(SesError::WrongVersion { what: "SESeal", found: 2 })
    );
    asn1.seal_info.header.version = 4;
    asn1.seal_info.header.id = Ia5String::new("XX").unwrap();
    assert_eq!(SeSeal::from_der(&asn1.to_der().unwrap()), Err(SesError::WrongHeader { found: "XX".into() }));
    asn1.seal_info.header.id = Ia5String::new("ES").unwrap();
    asn1.sign_alg_id = oid::SM3;
    assert!(matches!(SeSeal::from_der(&asn1.to_der().unwrap()), Err(SesError::UnsupportedAlgorithm { .. })));
}

#[test]
fn seal_by_an_unpinned_maker_is_untrusted() {
    let f = fixture();
    // A person certificate from the same CA is not a seal authority.
    let forged = SeSeal::make(&spec(), &f.stranger.0, &f.stranger.1).unwrap();
    assert!(matches!(forged.verify(&trust(), NOW), Err(SesError::UntrustedMaker { .. })));
    // The maker's key must match its certificate.
    assert!(matches!(SeSeal::make(&spec(), &f.holder.0, &f.maker.1), Err(SesError::InvalidInput { .. })));
}

#[test]
fn expired_and_future_seals_are_rejected() {
    let s = seal();
    let after = SEAL_END + Duration::days(1);
    assert!(matches!(s.check_validity(after), Err(SesError::SealExpired { .. })));
    assert!(matches!(s.check_validity(T0 - Duration::days(1)), Err(SesError::SealNotYetValid { .. })));
    s.check_validity(SEAL_END).unwrap();
}

#[test]
fn signature_round_trip_and_report() {
    let f = fixture();
    let s = seal();
    let sig = sign_with(&s, &f.holder, NOW, b"the covered bytes");
    let again = SesSignature::from_der(sig.to_der()).unwrap();
    assert_eq!(again, sig);
    assert_eq!(again.seal(), &s);
    assert_eq!(again.signing_time(), NOW);
    let check = again.verify(&sm3(b"the covered bytes"), &trust()).unwrap();
    check.require_valid().unwrap();
    assert_eq!(check.signer_name.as_deref(), Some("王五"));
    assert_eq!(check.signer_organisation.as_deref(), Some("某某医药股份有限公司"));
    assert_eq!(check.signer_uscc.as_deref(), Some("91350100M000100Y43"));
    assert_eq!(check.seal_name, s.name());
    assert_eq!(check.seal_kind, Some(SealKind::Contract));
    assert_eq!(check.seal_id, s.es_id());
    assert_eq!(check.signing_time, NOW);
    assert_eq!(check.timestamp_time, None);
    assert_eq!(check.property_info, "ByteRange 0 100 200 300");
    assert!(check.hash_matches && check.signer_bound_to_seal && check.seal_valid_at_signing);
    assert_eq!(check.signer_chain, ChainStatus::Valid { revocation_checked: false });
}

#[test]
fn hash_mismatch_is_rejected() {
    let f = fixture();
    let sig = sign_with(&seal(), &f.holder, NOW, b"the covered bytes");
    let check = sig.verify(&sm3(b"the covered bytes, changed"), &trust()).unwrap();
    assert!(!check.hash_matches);
    assert_eq!(check.require_valid(), Err(SesError::HashMismatch));
}

#[test]
fn signer_not_bound_to_the_seal_is_rejected() {
    let f = fixture();
    let sig = sign_with(&seal(), &f.stranger, NOW, b"data");
    let check = sig.verify(&sm3(b"data"), &trust()).unwrap();
    assert!(check.hash_matches);
    assert!(!check.signer_bound_to_seal);
    assert!(matches!(check.require_valid(), Err(SesError::CertNotBound { .. })));
}

#[test]
fn signing_with_an_expired_seal_is_rejected() {
    let f = fixture();
    let late = SEAL_END + Duration::days(30);
    let sig = sign_with(&seal(), &f.holder, late, b"data");
    let check = sig.verify(&sm3(b"data"), &trust()).unwrap();
    assert!(!check.seal_valid_at_signing);
    assert!(matches!(check.require_valid(), Err(SesError::SealExpired { .. })), "{:?}", check.problems());
}

#[test]
fn a_signature_that_does_not_match_the_certificate_is_never_assembled() {
    let f = fixture();
    let s = seal();
    let tbs = tbs_to_sign(&s, NOW, &sm3(b"data"), "all").unwrap();
    let wrong = f.stranger.0.sign_raw(&tbs).unwrap();
    assert_eq!(
        SesSignature::assemble(&tbs, f.holder.1.to_der(), &wrong, None),
        Err(SesError::BadSignerSignature)
    );
}

#[test]
fn tampered_signature_data_fails_the_signer_signature() {
    let f = fixture();
    let sig = sign_with(&seal(), &f.holder, NOW, b"data");
    let mut der = sig.to_der().to_vec();
    let at = der.windows(9).position(|w| w == b"ByteRange").unwrap();
    der[at] = b'b';
    let tampered = SesSignature::from_der(&der).unwrap();
    assert_eq!(tampered.verify(&sm3(b"data"), &trust()), Err(SesError::BadSignerSignature));
}

#[test]
fn time_stamp_over_the_signature_value() {
    let f = fixture();
    let sig = sign_with(&seal(), &f.holder, NOW, b"data");
    let stamp_time = NOW + Duration::seconds(5);
    let imprint = Imprint::of(ImprintAlgorithm::Sm3, sig.signature_value());
    let opts = StampOptions { nonce: None, include_cert: true };
    let token = f.tsa.stamp(&imprint, random_serial().unwrap(), stamp_time, &opts).unwrap();
    let stamped = SesSignature::from_der(sig.with_timestamp(token.clone()).unwrap().to_der()).unwrap();
    assert_eq!(stamped.timestamp_token(), Some(token.as_slice()));
    let check = stamped.verify(&sm3(b"data"), &trust()).unwrap();
    assert_eq!(check.timestamp_time, Some(stamp_time));
    assert_eq!(check.checked_at(), stamp_time);
    check.require_valid().unwrap();

    let no_tsa = Trust { tsa: None, ..trust() };
    assert_eq!(stamped.verify(&sm3(b"data"), &no_tsa), Err(SesError::TimestampUnchecked));

    // A token over something else is refused.
    let other = Imprint::of(ImprintAlgorithm::Sm3, b"another signature");
    let wrong = f.tsa.stamp(&other, random_serial().unwrap(), stamp_time, &opts).unwrap();
    let mis_stamped = sig.with_timestamp(wrong).unwrap();
    assert!(matches!(mis_stamped.verify(&sm3(b"data"), &trust()), Err(SesError::Crypto { .. })));
}

#[test]
fn signature_of_another_version_is_named() {
    let f = fixture();
    let sig = sign_with(&seal(), &f.holder, NOW, b"data");
    let mut asn1: super::asn1::SignatureAsn1 = der::Decode::from_der(sig.to_der()).unwrap();
    asn1.to_sign.version = 2;
    assert_eq!(
        SesSignature::from_der(&asn1.to_der().unwrap()),
        Err(SesError::WrongVersion { what: "TBS_Sign", found: 2 })
    );
}
