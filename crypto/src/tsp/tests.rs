//! Tests for the whole TSP module: authority ↔ verifier round trips and rejections.

use std::str::FromStr;
use std::sync::OnceLock;

use der::asn1::{BitString, ObjectIdentifier, OctetString, Uint};
use der::{Decode, Encode};
use proptest::prelude::*;
use spki::SubjectPublicKeyInfoOwned;
use time::OffsetDateTime;
use time::macros::datetime;
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::asn1::{STATUS_REJECTION, TimeStampResp};
use super::request::alg;
use super::*;
use crate::error::CertError;
use crate::{Error, PrivateKey, oid};

const GEN_TIME: OffsetDateTime = datetime!(2026-03-01 12:00:00 UTC);

/// A self-signing profile with exactly the given extensions.
struct Profile {
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        _: spki::SubjectPublicKeyInfoRef<'_>,
        _: spki::SubjectPublicKeyInfoRef<'_>,
        _: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// A self-signed SM2 certificate with extended key usage `purposes` (critical or not).
///
/// x509-cert's `Builder::build` would encode the SM2 signature as raw `r‖s`;
/// certificates carry DER `SEQUENCE { r, s }`, so the TBS is signed here.
pub(crate) fn self_signed(
    key: &PrivateKey,
    cn: &str,
    purposes: Vec<ObjectIdentifier>,
    critical: bool,
) -> Certificate {
    let eku = Extension {
        extn_id: ObjectIdentifier::new_unwrap("2.5.29.37"),
        critical,
        extn_value: OctetString::new(ExtendedKeyUsage(purposes).to_der().unwrap()).unwrap(),
    };
    let profile =
        Profile { subject: Name::from_str(&format!("CN={cn},O=sealbid")).unwrap(), extensions: vec![eku] };
    let validity = Validity::new(
        Time::from_str("2025-01-01T00:00:00Z").unwrap(),
        Time::from_str("2035-01-01T00:00:00Z").unwrap(),
    );
    let spki = SubjectPublicKeyInfoOwned::from_der(&key.public_key().to_spki_der().unwrap()).unwrap();
    let mut builder = CertificateBuilder::new(profile, SerialNumber::from(7u32), validity, spki).unwrap();
    let signer = ::sm2::dsa::SigningKey::new(crate::sm2::DIST_ID, key.secret_key()).unwrap();
    let tbs = builder.finalize(&signer).unwrap();
    let sig = key.sign_raw(&tbs).unwrap();
    builder.assemble(BitString::from_bytes(&sig.to_der()).unwrap(), &signer).unwrap()
}

fn authority() -> TimeStampAuthority {
    let key = PrivateKey::generate().unwrap();
    let cert = self_signed(&key, "sealbid TSA", vec![oid::KP_TIME_STAMPING], true);
    TimeStampAuthority::new(cert, key, oid::SEALBID_TSA_POLICY).unwrap()
}

fn serial(n: u64) -> Uint {
    Uint::new(&n.to_be_bytes()).unwrap()
}

/// A token with nonce and certificate, made once for the bit-flip property.
fn fixture() -> &'static (TimeStampAuthority, Vec<u8>, Uint) {
    static F: OnceLock<(TimeStampAuthority, Vec<u8>, Uint)> = OnceLock::new();
    F.get_or_init(|| {
        let tsa = authority();
        let nonce = random_nonce().unwrap();
        let req = TimeStampReq::for_data(b"sealed bid", Some(nonce.clone()), true).unwrap();
        let resp = tsa.respond(&req.encode().unwrap(), serial(42), GEN_TIME).unwrap();
        let token = token_from_response(&resp).unwrap();
        (tsa, token, nonce)
    })
}

#[test]
fn round_trip_through_request_and_response() {
    let (tsa, token, nonce) = fixture();
    let v = verify_token(token, Stamped::Data(b"sealed bid"), tsa.certificate(), Some(nonce)).unwrap();
    assert_eq!(v.gen_time, GEN_TIME);
    assert_eq!(v.serial, serial(42));
    assert_eq!(v.policy, oid::SEALBID_TSA_POLICY);
    assert_eq!(v.imprint, Imprint::of(ImprintAlgorithm::Sm3, b"sealed bid"));
    assert_eq!(v.nonce.as_ref(), Some(nonce));
    assert_eq!(v.tsa_subject, "CN=sealbid TSA,O=sealbid");
    assert_eq!(embedded_certificates(token).unwrap(), vec![tsa.certificate().clone()]);
    // Without an expected nonce the token's nonce is not checked.
    verify_token(token, Stamped::Data(b"sealed bid"), tsa.certificate(), None).unwrap();
}

#[test]
fn stamp_without_certificate_and_sha256_imprint() {
    let tsa = authority();
    let imprint = Imprint::of(ImprintAlgorithm::Sha256, b"receipt");
    let sn = random_serial().unwrap();
    let token = tsa.stamp(&imprint, sn.clone(), GEN_TIME, &StampOptions::default()).unwrap();
    assert!(embedded_certificates(&token).unwrap().is_empty());
    let v = verify_token(&token, Stamped::Imprint(&imprint), tsa.certificate(), None).unwrap();
    assert_eq!(v.serial, sn);
    assert_eq!(v.nonce, None);
    verify_token(&token, Stamped::Data(b"receipt"), tsa.certificate(), None).unwrap();
}

#[test]
fn imprint_mismatch_rejected() {
    let (tsa, token, _) = fixture();
    let err = verify_token(token, Stamped::Data(b"other bid"), tsa.certificate(), None).unwrap_err();
    assert_eq!(err, Error::Timestamp("the message imprint does not match the data".into()));
    let sha = Imprint::of(ImprintAlgorithm::Sha256, b"sealed bid");
    let err = verify_token(token, Stamped::Imprint(&sha), tsa.certificate(), None).unwrap_err();
    assert_eq!(err, Error::Timestamp("the message imprint does not match the data".into()));
}

#[test]
fn nonce_mismatch_rejected() {
    let (tsa, token, _) = fixture();
    let err =
        verify_token(token, Stamped::Data(b"sealed bid"), tsa.certificate(), Some(&serial(5))).unwrap_err();
    assert_eq!(err, Error::Timestamp("the nonce does not match the request".into()));
}

#[test]
fn wrong_tsa_certificate_rejected() {
    let (_, token, _) = fixture();
    // Same subject and serial, other key: the embedded certificate differs.
    let other = authority();
    let err = verify_token(token, Stamped::Data(b"sealed bid"), other.certificate(), None).unwrap_err();
    assert!(matches!(err, Error::Timestamp(ref m) if m.contains("certificate other than")), "{err}");
    // A token without an embedded certificate reaches the signature check.
    let (tsa, ..) = fixture();
    let imprint = Imprint::of(ImprintAlgorithm::Sm3, b"x");
    let bare = tsa.stamp(&imprint, serial(1), GEN_TIME, &StampOptions::default()).unwrap();
    let err = verify_token(&bare, Stamped::Imprint(&imprint), other.certificate(), None).unwrap_err();
    assert!(matches!(err, Error::Timestamp(ref m) if m.contains("signingCertificateV2")), "{err}");
}

#[test]
fn tsa_certificate_profile_enforced() {
    let key = PrivateKey::generate().unwrap();
    let not_critical = self_signed(&key, "t", vec![oid::KP_TIME_STAMPING], false);
    let extra = self_signed(&key, "t", vec![oid::KP_TIME_STAMPING, oid::KP_CLIENT_AUTH], true);
    for cert in [not_critical, extra] {
        let err = TimeStampAuthority::new(cert, key.clone(), oid::SEALBID_TSA_POLICY).unwrap_err();
        assert!(matches!(err, Error::Certificate(CertError::Usage { .. })), "{err}");
    }
    let good = self_signed(&key, "t", vec![oid::KP_TIME_STAMPING], true);
    let err =
        TimeStampAuthority::new(good, PrivateKey::generate().unwrap(), oid::SEALBID_TSA_POLICY).unwrap_err();
    assert!(matches!(err, Error::InvalidKey(_)));
}

#[test]
fn gen_time_outside_certificate_validity_rejected() {
    let tsa = authority();
    let imprint = Imprint::of(ImprintAlgorithm::Sm3, b"x");
    let late = datetime!(2040-01-01 00:00:00 UTC);
    let token = tsa.stamp(&imprint, serial(1), late, &StampOptions::default()).unwrap();
    let err = verify_token(&token, Stamped::Imprint(&imprint), tsa.certificate(), None).unwrap_err();
    assert_eq!(err, Error::Timestamp("genTime is outside the TSA certificate's validity".into()));
}

fn rejection_of(resp: &[u8]) -> (u8, Vec<u8>) {
    let resp = TimeStampResp::from_der(resp).unwrap();
    assert!(resp.time_stamp_token.is_none());
    (resp.status.status, resp.status.fail_info.unwrap().to_der().unwrap())
}

#[test]
fn bad_requests_get_rejections_with_failure_info() {
    let (tsa, ..) = fixture();
    // Not DER at all: badDataFormat(5) = BIT STRING 03 02 02 04.
    let resp = tsa.respond(b"\x30\x03junk", serial(1), GEN_TIME).unwrap();
    assert_eq!(rejection_of(&resp), (STATUS_REJECTION, vec![3, 2, 2, 0x04]));
    assert!(token_from_response(&resp).unwrap_err().to_string().contains("failInfo bits [5]"));
    // SHA-1 imprint: badAlg(0) = 03 02 07 80.
    let mut req = TimeStampReq::for_data(b"x", None, false).unwrap();
    req.message_imprint.hash_algorithm = alg(ObjectIdentifier::new_unwrap("1.3.14.3.2.26"));
    let resp = tsa.respond_to(&req, serial(1), GEN_TIME).unwrap();
    assert_eq!(rejection_of(&resp), (STATUS_REJECTION, vec![3, 2, 7, 0x80]));
    // SM3 imprint of the wrong length: badDataFormat.
    let mut req = TimeStampReq::for_data(b"x", None, false).unwrap();
    req.message_imprint.hashed_message = OctetString::new(vec![1u8; 20]).unwrap();
    assert_eq!(rejection_of(&tsa.respond_to(&req, serial(1), GEN_TIME).unwrap()).1, vec![3, 2, 2, 0x04]);
    // Version 2: badRequest(2) = 03 02 05 20.
    let mut req = TimeStampReq::for_data(b"x", None, false).unwrap();
    req.version = 2;
    assert_eq!(rejection_of(&tsa.respond_to(&req, serial(1), GEN_TIME).unwrap()).1, vec![3, 2, 5, 0x20]);
    // Another policy: unacceptedPolicy(15) = 03 03 00 00 01.
    let mut req = TimeStampReq::for_data(b"x", None, false).unwrap();
    req.req_policy = Some(oid::KP_CLIENT_AUTH);
    assert_eq!(rejection_of(&tsa.respond_to(&req, serial(1), GEN_TIME).unwrap()).1, vec![3, 3, 0, 0, 0x01]);
    // Our own policy named explicitly is fine.
    req.req_policy = Some(oid::SEALBID_TSA_POLICY);
    token_from_response(&tsa.respond_to(&req, serial(1), GEN_TIME).unwrap()).unwrap();
}

#[test]
fn failure_info_bit_strings() {
    let der = |f: FailureInfo| f.to_bit_string().unwrap().to_der().unwrap();
    assert_eq!(der(FailureInfo::BadAlg), [3, 2, 7, 0x80]);
    assert_eq!(der(FailureInfo::SystemFailure), [3, 5, 6, 0, 0, 0, 0x40]);
}

#[test]
fn zero_serial_refused() {
    let (tsa, ..) = fixture();
    let imprint = Imprint::of(ImprintAlgorithm::Sm3, b"x");
    let err = tsa.stamp(&imprint, serial(0), GEN_TIME, &StampOptions::default()).unwrap_err();
    assert!(matches!(err, Error::InvalidParameter(_)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Every single-bit flip anywhere in a token is rejected.
    #[test]
    fn every_bit_flip_rejected(bit in any::<prop::sample::Index>()) {
        let (tsa, token, nonce) = fixture();
        let i = bit.index(token.len() * 8);
        let mut t = token.clone();
        t[i / 8] ^= 0x80 >> (i % 8);
        prop_assert!(verify_token(&t, Stamped::Data(b"sealed bid"), tsa.certificate(), Some(nonce)).is_err());
    }
}

/// The same property, exhaustively over every bit of the fixture token.
#[test]
fn every_bit_flip_rejected_exhaustively() {
    let (tsa, token, nonce) = fixture();
    for i in 0..token.len() * 8 {
        let mut t = token.clone();
        t[i / 8] ^= 0x80 >> (i % 8);
        assert!(
            verify_token(&t, Stamped::Data(b"sealed bid"), tsa.certificate(), Some(nonce)).is_err(),
            "flip of bit {i} accepted"
        );
    }
}
