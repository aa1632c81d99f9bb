//! Helpers shared by the OpenSSL PKI interop tests: running `openssl`, a test CA.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use sealbid_crypto::pki::{CertSerial, Certificate, Csr, Issuer, Profile, Role, SubjectInfo, Validity};
use sealbid_crypto::{PrivateKey, Uscc};
use time::{Duration, OffsetDateTime};

pub const DISTID: &str = "distid:1234567812345678";
pub const CRL_URL: &str = "http://127.0.0.1:8080/pki/crl";

pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl binary runs")
}

/// Runs openssl and returns stdout+stderr, failing the test if it exits non-zero.
pub fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "openssl {} failed:\n{text}", args.join(" "));
    text
}

/// Runs openssl expecting failure; returns stdout+stderr.
pub fn openssl_fails(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "openssl {} unexpectedly succeeded:\n{text}", args.join(" "));
    text
}

pub fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write to the temp dir");
}

/// `openssl verify` checks against the real clock, so these certificates are
/// issued around the current time (the test, not the crate, reads the clock).
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).expect("zero nanoseconds is valid")
}

pub struct Ca {
    pub root: Issuer,
    pub issuing: Issuer,
}

pub fn ca() -> Ca {
    let t = now();
    let root = Issuer::new_root(
        PrivateKey::generate().unwrap(),
        &SubjectInfo { organization: Some("sealbid 测试".into()), ..SubjectInfo::new("sealbid Root CA") },
        Validity::new(t - Duration::days(2), t + Duration::days(3650)).unwrap(),
        CertSerial::random().unwrap(),
    )
    .unwrap();
    let key = PrivateKey::generate().unwrap();
    let csr = Csr::create(&key, &SubjectInfo::new("sealbid Issuing CA")).unwrap().verify().unwrap();
    let validity = Validity::new(t - Duration::days(1), t + Duration::days(1825)).unwrap();
    let cert = root
        .issue_from_csr(&csr, Profile::IssuingCa, validity, CertSerial::random().unwrap(), CRL_URL)
        .unwrap();
    Ca { root, issuing: Issuer::new(cert, key).unwrap() }
}

pub fn issue(ca: &Ca, profile: Profile, subject: &SubjectInfo) -> Certificate {
    let key = PrivateKey::generate().unwrap();
    let csr = Csr::create(&key, subject).unwrap().verify().unwrap();
    let t = now();
    let validity = Validity::new(t - Duration::hours(1), t + Duration::days(365)).unwrap();
    ca.issuing.issue_from_csr(&csr, profile, validity, CertSerial::random().unwrap(), CRL_URL).unwrap()
}

pub fn person() -> SubjectInfo {
    let first17 = *b"91350100M000100Y4";
    let check = sealbid_crypto::uscc::check_character(&first17).unwrap();
    SubjectInfo {
        common_name: "张三".into(),
        organization: Some("福建某某制药有限公司".into()),
        uscc: Some(Uscc::parse(&format!("91350100M000100Y4{check}")).unwrap()),
        role: Some(Role::Bidder),
    }
}

pub fn write_ca(dir: &Path, ca: &Ca) {
    write(dir, "root.pem", &ca.root.certificate().to_pem().unwrap());
    write(dir, "issuing.pem", &ca.issuing.certificate().to_pem().unwrap());
}

/// Checks the SM2 signature of a DER `SEQUENCE { tbs, algorithm, BIT STRING }`
/// (certificate or CRL) in `der_file` under the public key of `signer_pem`,
/// using only OpenSSL:
///
/// ```text
/// openssl x509 -in <signer_pem> -pubkey -noout > signer.pub
/// openssl asn1parse -inform DER -in <der_file>                        # offsets of the depth-1 items
/// openssl asn1parse -inform DER -in <der_file> -strparse <tbs> -noout -out signed.tbs
/// openssl asn1parse -inform DER -in <der_file> -strparse <bits> -noout -out signed.sig
/// openssl pkeyutl -verify -pubin -inkey signer.pub -rawin -digest sm3 [-pkeyopt distid:1234567812345678] \
///   -in signed.tbs -sigfile signed.sig
/// ```
pub fn pkeyutl_verifies(d: &Path, der_file: &str, signer_pem: &str, with_distid: bool) -> bool {
    let public = openssl_ok(d, &["x509", "-in", signer_pem, "-pubkey", "-noout"]);
    write(d, "signer.pub", &public);
    let listing = openssl_ok(d, &["asn1parse", "-inform", "DER", "-in", der_file]);
    let depth1: Vec<&str> = listing
        .lines()
        .filter(|l| l.contains(":d=1 "))
        .map(|l| l.split(':').next().unwrap().trim())
        .collect();
    assert_eq!(depth1.len(), 3, "{listing}");
    // openssl asn1parse -inform DER -in <der_file> -strparse <offset> -noout -out signed.tbs
    openssl_ok(
        d,
        &[
            "asn1parse",
            "-inform",
            "DER",
            "-in",
            der_file,
            "-strparse",
            depth1[0],
            "-noout",
            "-out",
            "signed.tbs",
        ],
    );
    // openssl asn1parse -inform DER -in <der_file> -strparse <offset> -noout -out signed.sig
    openssl_ok(
        d,
        &[
            "asn1parse",
            "-inform",
            "DER",
            "-in",
            der_file,
            "-strparse",
            depth1[2],
            "-noout",
            "-out",
            "signed.sig",
        ],
    );
    let mut args = vec!["pkeyutl", "-verify", "-pubin", "-inkey", "signer.pub", "-rawin", "-digest", "sm3"];
    if with_distid {
        args.extend(["-pkeyopt", DISTID]);
    }
    args.extend(["-in", "signed.tbs", "-sigfile", "signed.sig"]);
    let out = openssl(d, &args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.success(), text.contains("Signature Verified Successfully"), "{text}");
    out.status.success()
}
