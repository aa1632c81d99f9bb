//! OpenSSL 3 as an independent checker of `sealbid_crypto::pki`, both ways:
//! certificates, requests and CRLs made by sealbid must verify with the
//! `openssl` binary, and an SM2 chain made entirely by `openssl` must verify
//! with `verify_chain`. Every command is spelled out next to its use; the
//! assertions were probed against OpenSSL 3.0.19.
//!
//! OpenSSL 3.0 applies no default SM2 signer ID when verifying X.509
//! signatures, and the one given with `-vfyopt distid:1234567812345678`
//! reaches only the *target* certificate (and the CSR of `req -verify`):
//! intermediate certificates, self-signatures (`-check_ss_sig`) and CRLs are
//! checked with an empty ID and always fail for standard SM2 signatures
//! (openssl/openssl#23471, open for 3.0–3.6). The tests show this happens
//! identically for a chain and a CRL made by `openssl` itself, then prove
//! each of our signatures separately: every certificate link with
//! `openssl verify` on a two-certificate path, and the root's
//! self-signature and the CRL signature with `openssl pkeyutl -verify
//! -rawin -digest sm3 -pkeyopt distid:…` over the exact signed bytes.
//! Leaving the ID out makes each of those fail, which proves the ID is
//! really part of what is checked.

use crate::common::*;
use sealbid_crypto::pki::{
    Crl, Csr, Profile, RevocationReason, RevokedEntry, SubjectInfo, Usage, verify_chain,
};
use sealbid_crypto::{Error, PrivateKey, error::CertError};
use time::Duration;

#[test]
fn openssl_verifies_our_person_tsa_and_seal_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = ca();
    write_ca(d, &ca);
    std::fs::write(d.join("root.der"), ca.root.certificate().to_der()).unwrap();

    // Link root -> issuing CA:
    // openssl verify -vfyopt distid:1234567812345678 -CAfile root.pem issuing.pem
    let out = openssl_ok(d, &["verify", "-vfyopt", DISTID, "-CAfile", "root.pem", "issuing.pem"]);
    assert!(out.contains("issuing.pem: OK"), "{out}");
    let out = openssl_fails(d, &["verify", "-CAfile", "root.pem", "issuing.pem"]);
    assert!(out.contains("certificate signature failure"), "{out}");
    // The root's self-signature (`-check_ss_sig` cannot carry the ID, see the module docs):
    assert!(pkeyutl_verifies(d, "root.der", "root.pem", true));
    assert!(!pkeyutl_verifies(d, "root.der", "root.pem", false));

    let certs = [
        ("person.pem", issue(&ca, Profile::Person, &person())),
        ("tsa.pem", issue(&ca, Profile::TimeStamping, &SubjectInfo::new("sealbid TSA"))),
        ("seal.pem", issue(&ca, Profile::SealAuthority, &SubjectInfo::new("sealbid Seal Authority"))),
    ];
    for (file, cert) in &certs {
        write(d, file, &cert.to_pem().unwrap());
        // Link issuing CA -> leaf, with the issuing CA as the trust anchor:
        // openssl verify -vfyopt distid:1234567812345678 -partial_chain -CAfile issuing.pem <file>
        let out =
            openssl_ok(d, &["verify", "-vfyopt", DISTID, "-partial_chain", "-CAfile", "issuing.pem", file]);
        assert!(out.contains(&format!("{file}: OK")), "{out}");
        // Without the signer ID OpenSSL hashes a different Z_A and the signature fails.
        let out = openssl_fails(d, &["verify", "-partial_chain", "-CAfile", "issuing.pem", file]);
        assert!(out.contains("certificate signature failure"), "{out}");
        // Another CA's key does not verify it.
        openssl_fails(d, &["verify", "-vfyopt", DISTID, "-partial_chain", "-CAfile", "root.pem", file]);
        // The full three-level command: OpenSSL 3.0 does not pass the ID to the
        // intermediate's check, so it fails at depth 1 exactly as it does for a
        // chain made by OpenSSL itself (see verify_chain_accepts_an_openssl_made_sm2_chain):
        // openssl verify -vfyopt distid:1234567812345678 -CAfile root.pem -untrusted issuing.pem <file>
        let out = openssl_fails(
            d,
            &["verify", "-vfyopt", DISTID, "-CAfile", "root.pem", "-untrusted", "issuing.pem", file],
        );
        assert!(out.contains("error 7 at 1 depth lookup: certificate signature failure"), "{out}");
    }

    // The TSA certificate passes OpenSSL's RFC 3161 purpose check (critical EKU timeStamping only):
    // openssl verify -vfyopt distid:… -partial_chain -purpose timestampsign -CAfile issuing.pem tsa.pem
    let tsa_purpose = |file: &str| {
        openssl(
            d,
            &[
                "verify",
                "-vfyopt",
                DISTID,
                "-partial_chain",
                "-purpose",
                "timestampsign",
                "-CAfile",
                "issuing.pem",
                file,
            ],
        )
    };
    assert!(tsa_purpose("tsa.pem").status.success());
    // …and the person and seal-authority certificates do not ("unsuitable certificate purpose").
    assert!(!tsa_purpose("person.pem").status.success());
    assert!(!tsa_purpose("seal.pem").status.success());

    // openssl x509 -in tsa.pem -noout -ext extendedKeyUsage
    let out = openssl_ok(d, &["x509", "-in", "tsa.pem", "-noout", "-ext", "extendedKeyUsage"]);
    assert!(out.contains("X509v3 Extended Key Usage: critical") && out.contains("Time Stamping"), "{out}");
    // openssl x509 -in person.pem -noout -subject -nameopt utf8,sep_comma_plus -ext keyUsage,basicConstraints,crlDistributionPoints
    let out = openssl_ok(
        d,
        &[
            "x509",
            "-in",
            "person.pem",
            "-noout",
            "-subject",
            "-nameopt",
            "utf8,sep_comma_plus",
            "-ext",
            "keyUsage,basicConstraints,crlDistributionPoints",
        ],
    );
    let uscc = person().uscc.unwrap();
    for expected in [
        "CN=张三",
        "O=福建某某制药有限公司",
        &format!("organizationIdentifier={}", uscc.as_str()),
        "title=bidder",
        "Digital Signature, Non Repudiation, Key Encipherment, Data Encipherment",
        "CA:FALSE",
        CRL_URL,
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // openssl x509 -in issuing.pem -noout -ext basicConstraints,keyUsage
    let out = openssl_ok(d, &["x509", "-in", "issuing.pem", "-noout", "-ext", "basicConstraints,keyUsage"]);
    assert!(out.contains("CA:TRUE, pathlen:0") && out.contains("Certificate Sign, CRL Sign"), "{out}");
}

#[test]
fn openssl_accepts_our_csr() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = PrivateKey::generate().unwrap();
    write(d, "req.pem", &Csr::create(&key, &person()).unwrap().to_pem().unwrap());
    // openssl req -verify -in req.pem -noout -vfyopt distid:1234567812345678
    let out = openssl_ok(d, &["req", "-verify", "-in", "req.pem", "-noout", "-vfyopt", DISTID]);
    assert!(out.contains("self-signature verify OK"), "{out}");
    // Without the signer ID OpenSSL 3.0 reports a failure (its exit status stays 0, so check the text).
    let out = openssl_ok(d, &["req", "-verify", "-in", "req.pem", "-noout"]);
    assert!(out.contains("self-signature verify failure"), "{out}");
    // openssl req -in req.pem -noout -subject -nameopt utf8
    let out = openssl_ok(d, &["req", "-in", "req.pem", "-noout", "-subject", "-nameopt", "utf8"]);
    assert!(out.contains("CN=张三") && out.contains("title=bidder"), "{out}");
}

/// The key identifier OpenSSL prints on the line after `heading` (`keyid:` dropped).
fn key_id_after(text: &str, heading: &str) -> String {
    let mut lines = text.lines().skip_while(|l| !l.contains(heading));
    lines.next();
    let id = lines.next().unwrap_or_else(|| panic!("no {heading:?} in\n{text}")).trim();
    let id = id.strip_prefix("keyid:").unwrap_or(id).to_owned();
    assert!(id.len() >= 20 && id.contains(':'), "{heading:?} is not a key id: {id:?}");
    id
}

#[test]
fn openssl_checks_our_crl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = ca();
    write_ca(d, &ca);
    let revoked = issue(&ca, Profile::Person, &person());
    let good = issue(&ca, Profile::Person, &person());
    let t = now();
    let entries = [RevokedEntry {
        serial: revoked.serial().unwrap(),
        revoked_at: t - Duration::minutes(5),
        reason: RevocationReason::KeyCompromise,
    }];
    let crl = ca.issuing.issue_crl(7, t - Duration::minutes(1), t + Duration::days(7), &entries).unwrap();
    write(d, "crl.pem", &crl.to_pem().unwrap());
    std::fs::write(d.join("crl.der"), crl.to_der()).unwrap();

    // openssl crl -in crl.pem -noout -text
    let out = openssl_ok(d, &["crl", "-in", "crl.pem", "-noout", "-text"]);
    for expected in [
        "Version 2 (0x1)",
        "Signature Algorithm: SM2-with-SM3",
        "X509v3 CRL Number: \n                7",
        "X509v3 Authority Key Identifier:",
        &format!("Serial Number: {}", revoked.serial().unwrap()),
        "X509v3 CRL Reason Code: \n                Key Compromise",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    assert!(!out.contains(&good.serial().unwrap().to_string()), "{out}");
    // RFC 5280 §5.2.1: the CRL's authority key identifier is its signer's key id, the issuing
    // CA's subject key identifier as OpenSSL reads both (not the root's, which the issuing CA's
    // own certificate carries as its AKI).
    let crl_keyid = key_id_after(&out, "X509v3 Authority Key Identifier:");
    let issuing = openssl_ok(d, &["x509", "-in", "issuing.pem", "-noout", "-text"]);
    assert_eq!(crl_keyid, key_id_after(&issuing, "X509v3 Subject Key Identifier:"), "{out}\n{issuing}");
    assert_ne!(crl_keyid, key_id_after(&issuing, "X509v3 Authority Key Identifier:"), "the root's key id");
    // The CRL signature, checked by OpenSSL over the exact tbsCertList bytes with the issuing CA's key:
    assert!(pkeyutl_verifies(d, "crl.der", "issuing.pem", true));
    assert!(!pkeyutl_verifies(d, "crl.der", "issuing.pem", false));
    assert!(!pkeyutl_verifies(d, "crl.der", "root.pem", true));
    // `openssl crl -in crl.pem -CAfile issuing.pem -noout` cannot pass the signer ID in 3.0 and
    // prints "verify failure" (exit status 0) — as it does for a CRL OpenSSL made itself
    // (verify_chain_accepts_an_openssl_made_sm2_chain) — so CRL-based `openssl verify -crl_check`
    // rejects both certificates alike and cannot tell revoked from good.
    let out = openssl_ok(d, &["crl", "-in", "crl.pem", "-CAfile", "issuing.pem", "-noout"]);
    assert!(out.contains("verify failure"), "{out}");

    // Our verifier does tell them apart.
    let root_crl = ca.root.issue_crl(1, t - Duration::minutes(1), t + Duration::days(30), &[]).unwrap();
    let (inter, anchors) = ([ca.issuing.certificate().clone()], [ca.root.certificate().clone()]);
    let crls = [Crl::from_pem(&crl.to_pem().unwrap()).unwrap(), root_crl];
    let e = verify_chain(&revoked, &inter, &anchors, now(), &crls, Usage::Signing).unwrap_err();
    assert!(matches!(e, Error::Certificate(CertError::Revoked { .. })), "{e}");
    assert!(
        verify_chain(&good, &inter, &anchors, now(), &crls, Usage::Signing).unwrap().revocation_checked()
    );
}
