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

use std::path::Path;
use std::process::{Command, Output};

use sealbid_crypto::pki::{
    CertSerial, Certificate, Crl, Csr, Issuer, Profile, RevocationReason, RevokedEntry, Role, SubjectInfo,
    Usage, Validity, verify_chain,
};
use sealbid_crypto::{Error, PrivateKey, Uscc, error::CertError};
use time::{Duration, OffsetDateTime};

const DISTID: &str = "distid:1234567812345678";
const CRL_URL: &str = "http://127.0.0.1:8080/pki/crl";

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl binary runs")
}

/// Runs openssl and returns stdout+stderr, failing the test if it exits non-zero.
fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "openssl {} failed:\n{text}", args.join(" "));
    text
}

/// Runs openssl expecting failure; returns stdout+stderr.
fn openssl_fails(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "openssl {} unexpectedly succeeded:\n{text}", args.join(" "));
    text
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write to the temp dir");
}

/// `openssl verify` checks against the real clock, so these certificates are
/// issued around the current time (the test, not the crate, reads the clock).
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).expect("zero nanoseconds is valid")
}

struct Ca {
    root: Issuer,
    issuing: Issuer,
}

fn ca() -> Ca {
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

fn issue(ca: &Ca, profile: Profile, subject: &SubjectInfo) -> Certificate {
    let key = PrivateKey::generate().unwrap();
    let csr = Csr::create(&key, subject).unwrap().verify().unwrap();
    let t = now();
    let validity = Validity::new(t - Duration::hours(1), t + Duration::days(365)).unwrap();
    ca.issuing.issue_from_csr(&csr, profile, validity, CertSerial::random().unwrap(), CRL_URL).unwrap()
}

fn person() -> SubjectInfo {
    let first17 = *b"91350100M000100Y4";
    let check = sealbid_crypto::uscc::check_character(&first17).unwrap();
    SubjectInfo {
        common_name: "张三".into(),
        organization: Some("福建某某制药有限公司".into()),
        uscc: Some(Uscc::parse(&format!("91350100M000100Y4{check}")).unwrap()),
        role: Some(Role::Bidder),
    }
}

fn write_ca(dir: &Path, ca: &Ca) {
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
fn pkeyutl_verifies(d: &Path, der_file: &str, signer_pem: &str, with_distid: bool) -> bool {
    let public = openssl_ok(d, &["x509", "-in", signer_pem, "-pubkey", "-noout"]);
    write(d, "signer.pub", &public);
    let listing = openssl_ok(d, &["asn1parse", "-inform", "DER", "-in", der_file]);
    let depth1: Vec<&str> = listing
        .lines()
        .filter(|l| l.contains(":d=1 "))
        .map(|l| l.split(':').next().unwrap().trim())
        .collect();
    assert_eq!(depth1.len(), 3, "{listing}");
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

#[test]
fn verify_chain_accepts_an_openssl_made_sm2_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // openssl genpkey -algorithm SM2 -out root.key
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "root.key"]);
    // openssl req -x509 -new -key root.key -sm3 -sigopt distid:1234567812345678 -subj "/CN=OpenSSL SM2 Root" \
    //   -days 3650 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem
    openssl_ok(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    // openssl genpkey -algorithm SM2 -out leaf.key
    // openssl req -new -key leaf.key -sm3 -sigopt distid:1234567812345678 -subj "/CN=OpenSSL SM2 Leaf" -out leaf.csr
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "leaf.key"]);
    openssl_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 Leaf",
            "-out",
            "leaf.csr",
        ],
    );
    // leaf.ext: basicConstraints=CA:FALSE / keyUsage=critical,digitalSignature,nonRepudiation
    // openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -sm3 \
    //   -sigopt distid:1234567812345678 -vfyopt distid:1234567812345678 -days 365 -extfile leaf.ext -out leaf.pem
    write(d, "leaf.ext", "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n");
    openssl_ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-sm3",
            "-sigopt",
            DISTID,
            "-vfyopt",
            DISTID,
            "-days",
            "365",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    // Sanity: OpenSSL itself accepts its chain.
    openssl_ok(d, &["verify", "-vfyopt", DISTID, "-CAfile", "root.pem", "leaf.pem"]);

    let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    let root = Certificate::from_pem(&read("root.pem")).unwrap();
    let leaf = Certificate::from_pem(&read("leaf.pem")).unwrap();
    let chain = verify_chain(&leaf, &[], std::slice::from_ref(&root), now(), &[], Usage::Signing).unwrap();
    assert_eq!(chain.path().len(), 2);
    assert_eq!(chain.leaf().subject(), "CN=OpenSSL SM2 Leaf");
    // The bundle form of the same files parses to the same certificates.
    let bundle = Certificate::from_pem_bundle(&format!("{}{}", read("leaf.pem"), read("root.pem"))).unwrap();
    assert_eq!(bundle, vec![leaf.clone(), root.clone()]);
    // OpenSSL's CSR passes our proof-of-possession check.
    let csr = Csr::from_pem(&read("leaf.csr")).unwrap().verify().unwrap();
    assert_eq!(csr.subject(), &SubjectInfo::new("OpenSSL SM2 Leaf"));
    assert_eq!(csr.public_key(), &leaf.public_key().unwrap());

    // A three-level chain, all by OpenSSL:
    // ica.ext: basicConstraints=critical,CA:TRUE,pathlen:0 / keyUsage=critical,keyCertSign,cRLSign
    // openssl genpkey -algorithm SM2 -out ica.key
    // openssl req -new -key ica.key -sm3 -sigopt distid:… -subj "/CN=OpenSSL SM2 ICA" -out ica.csr
    // openssl x509 -req -in ica.csr -CA root.pem -CAkey root.key -CAcreateserial -sm3 -sigopt distid:… -vfyopt distid:… \
    //   -days 365 -extfile ica.ext -out ica.pem
    // openssl genpkey -algorithm SM2 -out l2.key
    // openssl req -new -key l2.key -sm3 -sigopt distid:… -subj "/CN=OpenSSL SM2 L2" -out l2.csr
    // openssl x509 -req -in l2.csr -CA ica.pem -CAkey ica.key -CAcreateserial -sm3 -sigopt distid:… -vfyopt distid:… \
    //   -days 300 -extfile leaf.ext -out l2.pem
    write(
        d,
        "ica.ext",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
    );
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "ica.key"]);
    openssl_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "ica.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 ICA",
            "-out",
            "ica.csr",
        ],
    );
    openssl_ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "ica.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-sm3",
            "-sigopt",
            DISTID,
            "-vfyopt",
            DISTID,
            "-days",
            "365",
            "-extfile",
            "ica.ext",
            "-out",
            "ica.pem",
        ],
    );
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "l2.key"]);
    openssl_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "l2.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 L2",
            "-out",
            "l2.csr",
        ],
    );
    openssl_ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "l2.csr",
            "-CA",
            "ica.pem",
            "-CAkey",
            "ica.key",
            "-CAcreateserial",
            "-sm3",
            "-sigopt",
            DISTID,
            "-vfyopt",
            DISTID,
            "-days",
            "300",
            "-extfile",
            "leaf.ext",
            "-out",
            "l2.pem",
        ],
    );
    // OpenSSL 3.0 cannot verify its own three-level SM2 chain (openssl/openssl#23471):
    // openssl verify -vfyopt distid:… -CAfile root.pem -untrusted ica.pem l2.pem
    let out = openssl_fails(
        d,
        &["verify", "-vfyopt", DISTID, "-CAfile", "root.pem", "-untrusted", "ica.pem", "l2.pem"],
    );
    assert!(out.contains("error 7 at 1 depth lookup: certificate signature failure"), "{out}");
    // verify_chain can.
    let ica = Certificate::from_pem(&read("ica.pem")).unwrap();
    let l2 = Certificate::from_pem(&read("l2.pem")).unwrap();
    let chain = verify_chain(
        &l2,
        std::slice::from_ref(&ica),
        std::slice::from_ref(&root),
        now(),
        &[],
        Usage::Signing,
    )
    .unwrap();
    assert_eq!(chain.path().len(), 3);

    // A CRL made by OpenSSL (`openssl ca -config ca.cnf -gencrl -sigopt distid:… -out openssl-crl.pem`):
    // `openssl crl -CAfile` reports "verify failure" for it too, while Crl::verify accepts it.
    std::fs::create_dir(d.join("db")).unwrap();
    write(d, "db/index.txt", "");
    write(d, "db/crlnumber", "05\n");
    write(
        d,
        "ca.cnf",
        "[ca]\ndefault_ca=CA_default\n[CA_default]\ndatabase=db/index.txt\ncrlnumber=db/crlnumber\n\
         default_md=sm3\ndefault_crl_days=30\ncertificate=root.pem\nprivate_key=root.key\n",
    );
    openssl_ok(d, &["ca", "-config", "ca.cnf", "-gencrl", "-sigopt", DISTID, "-out", "openssl-crl.pem"]);
    let out = openssl_ok(d, &["crl", "-in", "openssl-crl.pem", "-CAfile", "root.pem", "-noout"]);
    assert!(out.contains("verify failure"), "{out}");
    let openssl_crl = Crl::from_pem(&read("openssl-crl.pem")).unwrap();
    openssl_crl.verify(&root).unwrap();
    assert_eq!(openssl_crl.crl_number().unwrap(), Some(5));
    assert!(openssl_crl.verify(&ica).is_err());

    // Negative controls: another root, and a time after expiry.
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "other.key"]);
    openssl_ok(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "other.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "other.pem",
        ],
    );
    let other = Certificate::from_pem(&read("other.pem")).unwrap();
    let e = verify_chain(&leaf, &[], &[other], now(), &[], Usage::Signing).unwrap_err();
    assert!(matches!(e, Error::Certificate(CertError::BadSignature { .. })), "{e}");
    let e = verify_chain(&leaf, &[], &[root], now() + Duration::days(400), &[], Usage::Signing).unwrap_err();
    assert!(matches!(e, Error::Certificate(CertError::Expired { .. })), "{e}");
}
