//! Tests across the CA, chain verification and CRLs (fixtures shared).

use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::error::CertError;

const CRL_URL: &str = "http://127.0.0.1:8080/pki/crl";
const T0: OffsetDateTime = datetime!(2025-01-01 00:00 UTC);
const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

fn years(from: i32, to: i32) -> Validity {
    Validity::new(T0.replace_year(2025 + from).unwrap(), T0.replace_year(2025 + to).unwrap()).unwrap()
}

struct Pki {
    root: Issuer,
    ica: Issuer,
}

fn pki() -> Pki {
    let root = Issuer::new_root(
        PrivateKey::generate().unwrap(),
        &SubjectInfo { organization: Some("sealbid".into()), ..SubjectInfo::new("sealbid 根 CA") },
        years(0, 20),
        CertSerial::random().unwrap(),
    )
    .unwrap();
    let ica_key = PrivateKey::generate().unwrap();
    let ica_cert = root
        .issue(
            &SubjectInfo::new("sealbid Issuing CA"),
            &ica_key.public_key(),
            Profile::IssuingCa,
            years(0, 10),
            CertSerial::random().unwrap(),
            CRL_URL,
        )
        .unwrap();
    Pki { root, ica: Issuer::new(ica_cert, ica_key).unwrap() }
}

fn person() -> SubjectInfo {
    SubjectInfo {
        common_name: "王五".into(),
        organization: Some("某某医药股份有限公司".into()),
        uscc: None,
        role: Some(Role::Bidder),
    }
}

fn leaf(p: &Pki, profile: Profile, subject: &SubjectInfo) -> (PrivateKey, Certificate) {
    let key = PrivateKey::generate().unwrap();
    let csr = Csr::create(&key, subject).unwrap().verify().unwrap();
    let cert =
        p.ica.issue_from_csr(&csr, profile, years(1, 3), CertSerial::random().unwrap(), CRL_URL).unwrap();
    (key, cert)
}

fn verify(
    p: &Pki,
    cert: &Certificate,
    at: OffsetDateTime,
    crls: &[Crl],
    usage: Usage,
) -> Result<VerifiedChain> {
    verify_chain(cert, &[p.ica.certificate().clone()], &[p.root.certificate().clone()], at, crls, usage)
}

fn cert_err(r: Result<VerifiedChain>) -> CertError {
    match r {
        Err(Error::Certificate(e)) => e,
        other => panic!("expected a certificate error, got {other:?}"),
    }
}

#[test]
fn each_profile_verifies_for_its_usage_only() {
    let p = pki();
    let (key, person_cert) = leaf(&p, Profile::Person, &person());
    let (_, tsa) = leaf(&p, Profile::TimeStamping, &SubjectInfo::new("sealbid TSA"));
    let (_, seal) = leaf(&p, Profile::SealAuthority, &SubjectInfo::new("sealbid 印章签发"));

    let chain = verify(&p, &person_cert, NOW, &[], Usage::Signing).unwrap();
    assert_eq!(chain.path().len(), 3);
    assert_eq!(chain.public_key(), &key.public_key());
    assert_eq!(chain.anchor(), p.root.certificate());
    assert!(!chain.revocation_checked());
    assert_eq!(chain.leaf().subject_info().unwrap(), person());
    for u in [Usage::ClientAuth, Usage::Encryption, Usage::Any] {
        verify(&p, &person_cert, NOW, &[], u).unwrap();
    }
    verify(&p, &tsa, NOW, &[], Usage::TimeStamping).unwrap();
    verify(&p, &seal, NOW, &[], Usage::Signing).unwrap();

    assert!(matches!(
        cert_err(verify(&p, &person_cert, NOW, &[], Usage::TimeStamping)),
        CertError::Usage { .. }
    ));
    assert!(matches!(cert_err(verify(&p, &tsa, NOW, &[], Usage::Signing)), CertError::Usage { .. }));
    assert!(matches!(cert_err(verify(&p, &seal, NOW, &[], Usage::Encryption)), CertError::Usage { .. }));
    let ica = p.ica.certificate();
    assert!(matches!(cert_err(verify(&p, ica, NOW, &[], Usage::Signing)), CertError::Usage { .. }));
    verify(&p, ica, NOW, &[], Usage::Any).unwrap();
    verify(&p, p.root.certificate(), NOW, &[], Usage::Any).unwrap();

    let (critical, eku) = tsa.extended_key_usage().unwrap().unwrap();
    assert!(critical);
    assert_eq!(eku.0, vec![crate::oid::KP_TIME_STAMPING]);
}

#[test]
fn validity_is_checked_at_the_given_time() {
    let p = pki();
    let (_, cert) = leaf(&p, Profile::Person, &person());
    let early = cert_err(verify(&p, &cert, T0, &[], Usage::Signing));
    assert!(
        matches!(&early, CertError::NotYetValid { not_before, .. } if not_before == "2026-01-01T00:00:00Z"),
        "{early}"
    );
    let late = cert_err(verify(&p, &cert, datetime!(2028-01-01 00:00:01 UTC), &[], Usage::Signing));
    assert!(matches!(late, CertError::Expired { .. }), "{late}");
    // Both ends are inclusive.
    verify(&p, &cert, datetime!(2028-01-01 00:00 UTC), &[], Usage::Signing).unwrap();
}

#[test]
fn untrusted_and_forged_paths_fail() {
    let p = pki();
    let (_, cert) = leaf(&p, Profile::Person, &person());
    let other = pki();
    let e = cert_err(verify_chain(&cert, &[], &[p.root.certificate().clone()], NOW, &[], Usage::Signing));
    assert!(matches!(e, CertError::Untrusted { .. }), "{e}");
    let e = cert_err(verify_chain(
        &cert,
        &[p.ica.certificate().clone()],
        &[other.root.certificate().clone()],
        NOW,
        &[],
        Usage::Signing,
    ));
    assert!(matches!(e, CertError::BadSignature { .. }), "{e}");
    // Same issuer name, different key: the leaf's signature does not verify.
    let e = cert_err(verify_chain(
        &cert,
        &[other.ica.certificate().clone()],
        &[other.root.certificate().clone()],
        NOW,
        &[],
        Usage::Signing,
    ));
    assert!(matches!(&e, CertError::BadSignature { subject } if subject.contains("王五")), "{e}");
}

#[test]
fn issuer_refuses_what_it_may_not_issue() {
    let p = pki();
    let key = PrivateKey::generate().unwrap().public_key();
    let outside = Validity::new(T0, datetime!(2040-01-01 00:00 UTC)).unwrap();
    let e = p.ica.issue(&person(), &key, Profile::Person, outside, CertSerial::random().unwrap(), CRL_URL);
    assert!(matches!(e, Err(Error::Certificate(CertError::Usage { .. }))), "{e:?}");
    let e = p.ica.issue(
        &SubjectInfo::new("sub CA"),
        &key,
        Profile::IssuingCa,
        years(1, 2),
        CertSerial::random().unwrap(),
        CRL_URL,
    );
    assert!(e.unwrap_err().to_string().contains("pathLenConstraint 0"));
    let e = p.ica.issue(
        &SubjectInfo::new("no role"),
        &key,
        Profile::Person,
        years(1, 2),
        CertSerial::random().unwrap(),
        CRL_URL,
    );
    assert!(matches!(e, Err(Error::Certificate(CertError::Profile { .. }))));
    let (leaf_key, leaf_cert) = leaf(&p, Profile::Person, &person());
    assert!(matches!(Issuer::new(leaf_cert, leaf_key), Err(Error::Certificate(CertError::Usage { .. }))));
    let wrong_key = PrivateKey::generate().unwrap();
    assert!(matches!(Issuer::new(p.ica.certificate().clone(), wrong_key), Err(Error::InvalidKey(_))));
}

#[test]
fn path_length_is_enforced_by_the_verifier() {
    // Hand-build a CA under the pathLen-0 issuing CA, which `Issuer` itself refuses to do.
    let p = pki();
    let sub_key = PrivateKey::generate().unwrap();
    let spki =
        spki::SubjectPublicKeyInfoOwned::try_from(sub_key.public_key().to_spki_der().unwrap().as_slice())
            .unwrap();
    let ica_ski = p.ica.certificate().subject_key_identifier().unwrap().unwrap();
    let plan = profile::Plan {
        subject: SubjectInfo::new("rogue sub CA").to_name().unwrap(),
        issuer: p.ica.certificate().x509().tbs_certificate().subject().clone(),
        extensions: Profile::IssuingCa.extensions(&spki, Some(&ica_ski), Some(CRL_URL)).unwrap(),
    };
    let validity = x509_cert::time::Validity::new(to_x509_time(T0).unwrap(), to_x509_time(NOW).unwrap());
    let builder = x509_cert::builder::CertificateBuilder::new(
        plan,
        CertSerial::from_u64(7).unwrap().to_x509().unwrap(),
        validity,
        spki,
    )
    .unwrap();
    let sub_cert = Certificate::from_x509(sign_builder(builder, p.ica.key()).unwrap()).unwrap();
    let sub = Issuer::new(sub_cert.clone(), sub_key).unwrap();
    let end = sub
        .issue(
            &person(),
            &PrivateKey::generate().unwrap().public_key(),
            Profile::Person,
            Validity::new(T0, NOW).unwrap(),
            CertSerial::random().unwrap(),
            CRL_URL,
        )
        .unwrap();
    let e = cert_err(verify_chain(
        &end,
        &[sub_cert, p.ica.certificate().clone()],
        &[p.root.certificate().clone()],
        NOW,
        &[],
        Usage::Signing,
    ));
    assert!(matches!(&e, CertError::Usage { detail } if detail.contains("pathLenConstraint")), "{e}");
}

#[test]
fn crl_round_trip_and_revocation() {
    let p = pki();
    let (_, cert) = leaf(&p, Profile::Person, &person());
    let (_, other) = leaf(&p, Profile::Person, &person());
    let revoked_at = datetime!(2026-03-01 08:00 UTC);
    let entries = [RevokedEntry {
        serial: cert.serial().unwrap(),
        revoked_at,
        reason: RevocationReason::KeyCompromise,
    }];
    let crl = p.ica.issue_crl(42, revoked_at, datetime!(2026-09-01 00:00 UTC), &entries).unwrap();
    let crl = Crl::from_pem(&crl.to_pem().unwrap()).unwrap();
    assert_eq!(crl.crl_number().unwrap(), Some(42));
    assert_eq!(crl.entries().unwrap(), entries.to_vec());
    assert_eq!(crl.lookup(&cert.serial().unwrap()).unwrap().unwrap().reason, RevocationReason::KeyCompromise);
    assert_eq!(crl.lookup(&other.serial().unwrap()).unwrap(), None);
    crl.verify(p.ica.certificate()).unwrap();
    assert!(matches!(crl.verify(p.root.certificate()), Err(Error::Certificate(CertError::Crl { .. }))));

    let e = cert_err(verify(&p, &cert, NOW, std::slice::from_ref(&crl), Usage::Signing));
    let CertError::Revoked { serial, reason, revoked_at: when } = e else { panic!("{e}") };
    assert_eq!(serial, cert.serial().unwrap().to_string());
    assert_eq!(reason, "key-compromise");
    assert_eq!(when, "2026-03-01T08:00:00Z");
    // Good before its revocation date; the other certificate is unaffected.
    assert!(
        verify(&p, &cert, datetime!(2026-02-01 00:00 UTC), std::slice::from_ref(&crl), Usage::Signing)
            .is_ok()
    );
    let chain = verify(&p, &other, NOW, std::slice::from_ref(&crl), Usage::Signing).unwrap();
    assert!(!chain.revocation_checked(), "no root CRL was given for the issuing CA");
    let root_crl = p.root.issue_crl(1, T0, datetime!(2027-01-01 00:00 UTC), &[]).unwrap();
    assert!(verify(&p, &other, NOW, &[crl.clone(), root_crl], Usage::Signing).unwrap().revocation_checked());
    // Stale CRL.
    let e = cert_err(verify(
        &p,
        &other,
        datetime!(2026-10-01 00:00 UTC),
        std::slice::from_ref(&crl),
        Usage::Signing,
    ));
    assert!(matches!(e, CertError::Crl { .. }), "{e}");
}

/// RFC 5280 §5.2.1: a CRL names the key that signed it, not its signer's parent
/// (x509-cert's `CrlBuilder` copies the issuer certificate's own AKI).
#[test]
fn crl_names_its_signers_key() {
    use x509_cert::ext::pkix::AuthorityKeyIdentifier;
    let p = pki();
    for ca in [&p.ica, &p.root] {
        let crl = ca.issue_crl(1, T0, datetime!(2027-01-01 00:00 UTC), &[]).unwrap();
        let aki = crl
            .x509()
            .tbs_cert_list
            .crl_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER)
            .map(|e| AuthorityKeyIdentifier::from_der(e.extn_value.as_bytes()).unwrap())
            .expect("the CRL carries an authority key identifier");
        let ski = ca.certificate().subject_key_identifier().unwrap().expect("the CA has an SKI");
        assert_eq!(aki.key_identifier.map(|k| k.as_bytes().to_vec()), Some(ski));
    }
    let ica_ski = p.ica.certificate().subject_key_identifier().unwrap();
    assert_ne!(ica_ski, p.root.certificate().subject_key_identifier().unwrap());
}

#[test]
fn forged_crl_is_rejected() {
    let p = pki();
    let (_, cert) = leaf(&p, Profile::Person, &person());
    // A CA with the same name but another key signs a CRL: it must not be used.
    let impostor = pki();
    let forged = impostor.ica.issue_crl(1, T0, datetime!(2027-01-01 00:00 UTC), &[]).unwrap();
    assert_eq!(forged.issuer(), p.ica.certificate().subject());
    let e = cert_err(verify(&p, &cert, NOW, &[forged], Usage::Signing));
    assert!(matches!(&e, CertError::Crl { detail } if detail.contains("signature")), "{e}");
}

#[test]
fn revocation_reason_text() {
    for (s, r) in [
        ("key-compromise", RevocationReason::KeyCompromise),
        ("1", RevocationReason::KeyCompromise),
        ("superseded", RevocationReason::Superseded),
        ("4", RevocationReason::Superseded),
        ("cessation-of-operation", RevocationReason::CessationOfOperation),
        ("affiliation-changed", RevocationReason::AffiliationChanged),
        ("10", RevocationReason::AaCompromise),
        ("remove-from-crl", RevocationReason::RemoveFromCrl),
    ] {
        assert_eq!(s.parse::<RevocationReason>().unwrap(), r);
        assert_eq!(r.as_str().parse::<RevocationReason>().unwrap(), r);
        assert_eq!(r.code().to_string().parse::<RevocationReason>().unwrap(), r);
    }
    assert!("7".parse::<RevocationReason>().is_err());
    assert!("compromised".parse::<RevocationReason>().unwrap_err().to_string().contains("key-compromise"));
    assert_eq!(serde_json::to_string(&RevocationReason::CaCompromise).unwrap(), "\"ca-compromise\"");
}

#[test]
fn pem_bundle_and_garbage() {
    let p = pki();
    let bundle = format!(
        "issuing CA\n{}\nroot\n{}",
        p.ica.certificate().to_pem().unwrap(),
        p.root.certificate().to_pem().unwrap()
    );
    let certs = Certificate::from_pem_bundle(&bundle).unwrap();
    assert_eq!(certs, vec![p.ica.certificate().clone(), p.root.certificate().clone()]);
    assert!(Certificate::from_pem_bundle("nothing here").is_err());
    let e = Certificate::from_der(b"\x30\x03\x02\x01\x00").unwrap_err();
    assert!(matches!(e, Error::Malformed { what: "certificate", .. }), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn every_bit_flip_is_rejected(bit in any::<prop::sample::Index>()) {
        thread_local! {
            static FIXTURE: (Pki, Certificate) = {
                let p = pki();
                let (_, cert) = leaf(&p, Profile::Person, &person());
                (p, cert)
            };
        }
        FIXTURE.with(|(p, cert)| {
            let mut der = cert.to_der().to_vec();
            let n = bit.index(der.len() * 8);
            let (i, bit) = (n / 8, n % 8);
            der[i] ^= 1 << bit;
            let outcome = Certificate::from_der(&der).and_then(|c| verify(p, &c, NOW, &[], Usage::Signing));
            prop_assert!(outcome.is_err(), "flipping bit {} of byte {} was accepted", bit, i);
            Ok(())
        })?;
    }
}
