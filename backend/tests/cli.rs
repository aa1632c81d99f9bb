//! The offline CLI, run as a real process, with its output checked by OpenSSL 3.
//!
//! Each test gets its own data directory. OpenSSL commands are the ones an
//! operator would type; their exact form is in each helper.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{CA_PW, Env, KEY_PW};

impl Env {
    /// Initialised CA plus one issued bidder certificate `alice.pem`; returns its serial.
    fn with_bidder(&self) -> String {
        self.ok(&["init"]);
        self.ok(&["key", "new", "--out", &self.p("alice.p8")]);
        self.ok(&[
            "csr",
            "--key",
            &self.p("alice.p8"),
            "--cn",
            "张三",
            "--org",
            "福建某某制药有限公司",
            "--uscc",
            "91350100M000100Y43",
            "--out",
            &self.p("alice.csr"),
        ]);
        let out = self.ok(&[
            "ca",
            "issue",
            "--csr",
            &self.p("alice.csr"),
            "--role",
            "bidder",
            "--days",
            "365",
            "--out",
            &self.p("alice.pem"),
        ]);
        serial_from(&out)
    }
}

fn serial_from(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("serial: "))
        .unwrap_or_else(|| panic!("no 'serial: ' line in {stdout:?}"))
        .trim()
        .to_string()
}

fn openssl(args: &[&str]) -> Output {
    Command::new("openssl").args(args).output().expect("openssl must be installed (scripts/setup.sh)")
}

fn openssl_ok(args: &[&str]) -> String {
    let out = openssl(args);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "openssl {args:?} failed:\n{text}");
    text
}

/// Checks a certificate issued by the issuing CA with OpenSSL, one link at a time:
///
/// ```text
/// openssl verify -vfyopt distid:1234567812345678 -CAfile root.pem issuing.pem
/// openssl verify -vfyopt distid:1234567812345678 -partial_chain -CAfile issuing.pem CERT
/// ```
///
/// OpenSSL 3.0–3.6 applies `-vfyopt distid:` only to the leaf's signature, so
/// `-CAfile root.pem -untrusted issuing.pem CERT` fails on the intermediate's
/// signature for every GM/T 0009-conformant SM2 chain, including chains
/// OpenSSL makes itself (openssl/openssl#23471; shown in
/// tests/tests/openssl_pki.rs). Verifying each link with the signer ID set
/// checks every signature in the chain.
fn openssl_verify(env: &Env, cert: &Path, extra: &[&str]) -> Output {
    let root = env.d("root.pem");
    let issuing = env.d("issuing.pem");
    let link = openssl(&["verify", "-vfyopt", "distid:1234567812345678", "-CAfile", &root, &issuing]);
    assert!(
        link.status.success(),
        "openssl rejects issuing.pem under root.pem: {}",
        String::from_utf8_lossy(&link.stderr)
    );
    let cert = cert.to_string_lossy().into_owned();
    let mut args =
        vec!["verify", "-vfyopt", "distid:1234567812345678", "-partial_chain", "-CAfile", issuing.as_str()];
    args.extend(extra);
    args.push(&cert);
    openssl(&args)
}

#[test]
fn init_creates_a_ca_that_openssl_trusts() {
    let env = Env::new();
    env.ok(&["init"]);
    for name in ["root.pem", "issuing.pem", "tsa.pem", "seal-authority.pem", "chain.pem", "crl.pem"] {
        assert!(env.data().join(name).exists(), "{name} missing after init");
    }
    for name in ["issuing.pem", "tsa.pem", "seal-authority.pem"] {
        let out = openssl_verify(&env, &env.data().join(name), &[]);
        assert!(out.status.success(), "openssl rejects {name}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // The CA keys are encrypted at rest: OpenSSL opens them only with the password.
    let key = env.d("private/issuing.p8");
    assert!(openssl(&["pkey", "-in", &key, "-passin", "pass:wrong", "-noout"]).status.code() != Some(0));
    openssl_ok(&["pkey", "-in", &key, "-passin", &format!("pass:{CA_PW}"), "-noout"]);
    // TSA certificate: critical EKU timeStamping.
    let text = openssl_ok(&["x509", "-in", &env.d("tsa.pem"), "-noout", "-text"]);
    assert!(text.contains("X509v3 Extended Key Usage: critical"), "{text}");
    assert!(text.contains("Time Stamping"), "{text}");
    // A second init must not destroy the CA.
    assert!(env.fails(&["init"]).contains("already"));
}

#[test]
fn key_csr_issue_and_openssl_agree() {
    let env = Env::new();
    let serial = env.with_bidder();
    assert!(serial.len() <= 40 && serial.chars().all(|c| c.is_ascii_hexdigit()), "{serial}");

    let key_pem = std::fs::read_to_string(env.path("alice.p8")).unwrap();
    assert!(key_pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    openssl_ok(&["pkey", "-in", &env.p("alice.p8"), "-passin", &format!("pass:{KEY_PW}"), "-noout"]);
    openssl_ok(&[
        "req",
        "-verify",
        "-in",
        &env.p("alice.csr"),
        "-noout",
        "-vfyopt",
        "distid:1234567812345678",
    ]);

    let out = openssl_verify(&env, &env.path("alice.pem"), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // And a certificate from another CA is refused by both.
    let other = Env::new();
    other.ok(&["init"]);
    let foreign = other.d("tsa.pem");
    assert!(!openssl_verify(&env, Path::new(&foreign), &[]).status.success());
    // Same issuer name, different key: the signature check is what catches it.
    let err = env.fails(&["ca", "verify", "--cert", &foreign]);
    assert!(err.contains("not valid") && err.contains("bad signature"), "{err}");

    let text = openssl_ok(&[
        "x509",
        "-in",
        &env.p("alice.pem"),
        "-noout",
        "-text",
        "-nameopt",
        "utf8,sep_comma_plus",
    ]);
    assert!(text.contains("91350100M000100Y43"), "USCC in subject: {text}");
    assert!(text.contains("bidder"), "role in subject: {text}");
    assert!(text.contains("张三"), "CN in UTF-8: {text}");
    assert!(text.contains("SM2-with-SM3") || text.contains("1.2.156.10197.1.501"), "{text}");
    let listed = env.ok(&["ca", "list"]);
    assert!(listed.contains(&serial), "ca list shows the new certificate: {listed}");
}

#[test]
fn revocation_takes_effect_at_once_and_the_crl_says_so() {
    let env = Env::new();
    let serial = env.with_bidder();
    let alice = env.p("alice.pem");
    assert!(env.ok(&["ca", "verify", "--cert", &alice]).contains("valid"));

    env.ok(&["ca", "revoke", "--serial", &serial, "--reason", "key-compromise"]);
    // The data directory's CRL was regenerated by the revocation itself.
    let err = env.fails(&["ca", "verify", "--cert", &alice]);
    assert!(err.contains("revoked") && err.contains("key-compromise"), "{err}");

    env.ok(&["ca", "crl", "--out", &env.p("crl.pem")]);
    // OpenSSL parses the CRL: issuer, number, the entry and its reason.
    let text = openssl_ok(&["crl", "-in", &env.p("crl.pem"), "-noout", "-text"]);
    assert!(text.to_uppercase().contains(&serial.to_uppercase()), "{text}");
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(text.contains("X509v3 CRL Number"), "{text}");
    assert!(text.contains("sealbid Issuing CA"), "{text}");
    assert!(text.contains("Next Update"), "{text}");

    // Revoking twice is refused with a clear message; an unknown serial is named.
    assert!(
        env.fails(&["ca", "revoke", "--serial", &serial, "--reason", "superseded"])
            .contains("already revoked")
    );
    assert!(env.fails(&["ca", "revoke", "--serial", "0abc", "--reason", "superseded"]).contains("0ABC"));
    // A reason that does not exist is a usage error (exit 2) that names it and lists the valid ones.
    let out = env.sealbid(&["ca", "revoke", "--serial", &serial, "--reason", "bored"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bored") && err.contains("key-compromise"), "{err}");
}

#[test]
fn timestamp_round_trip_and_tamper() {
    let env = Env::new();
    env.ok(&["init"]);
    std::fs::write(env.path("bid.txt"), "报价 12.34 元").unwrap();
    env.ok(&["ts", "stamp", "--file", &env.p("bid.txt"), "--out", &env.p("bid.tsr")]);
    let text = openssl_ok(&["ts", "-reply", "-in", &env.p("bid.tsr"), "-text"]);
    assert!(text.contains("Granted"), "{text}");
    let verified = env.ok(&["ts", "verify", "--file", &env.p("bid.txt"), "--token", &env.p("bid.tsr")]);
    assert!(verified.contains("time:"), "{verified}");
    // Serials come from the database counter the server shares, and each stamp is audited.
    let second = env.ok(&["ts", "stamp", "--file", &env.p("bid.txt"), "--out", &env.p("bid2.tsr")]);
    assert!(second.contains("(serial 2)"), "{second}");
    let audit = env.ok(&["audit", "verify"]);
    assert!(audit.contains("audit trail OK: 2 events"), "{audit}");

    std::fs::write(env.path("bid.txt"), "报价 12.35 元").unwrap();
    let err = env.fails(&["ts", "verify", "--file", &env.p("bid.txt"), "--token", &env.p("bid.tsr")]);
    assert!(err.to_lowercase().contains("imprint") || err.contains("does not match"), "{err}");

    let mut token = std::fs::read(env.path("bid.tsr")).unwrap();
    let mid = token.len() / 2;
    token[mid] ^= 0x01;
    std::fs::write(env.path("bad.tsr"), token).unwrap();
    std::fs::write(env.path("bid.txt"), "报价 12.34 元").unwrap();
    env.fails(&["ts", "verify", "--file", &env.p("bid.txt"), "--token", &env.p("bad.tsr")]);
}

#[test]
fn mistakes_get_clear_errors_and_no_panics() {
    let env = Env::new();
    // Not initialised.
    assert!(env.fails(&["ca", "crl", "--out", &env.p("x.pem")]).contains("sealbid init"));
    env.ok(&["init"]);
    env.ok(&["key", "new", "--out", &env.p("k.p8")]);

    // Missing file is named.
    let err = env.fails(&["csr", "--key", &env.p("nope.p8"), "--cn", "x", "--out", &env.p("r.pem")]);
    assert!(err.contains("nope.p8"), "{err}");

    // Wrong key password.
    let out = Command::new(env!("CARGO_BIN_EXE_sealbid"))
        .args([
            "--data-dir",
            &env.data().to_string_lossy(),
            "csr",
            "--key",
            &env.p("k.p8"),
            "--cn",
            "x",
            "--out",
            &env.p("r.pem"),
        ])
        .env("SEALBID_KEY_PASSWORD", "not-the-password")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("wrong password"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Wrong CA password.
    let out = Command::new(env!("CARGO_BIN_EXE_sealbid"))
        .args(["--data-dir", &env.data().to_string_lossy(), "ca", "crl", "--out", &env.p("c.pem")])
        .env("SEALBID_CA_PASSWORD", "not-the-password")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong password"));

    // Malformed PEM where a CSR is expected.
    std::fs::write(
        env.path("junk.csr"),
        "-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n",
    )
    .unwrap();
    let err = env.fails(&[
        "ca",
        "issue",
        "--csr",
        &env.p("junk.csr"),
        "--role",
        "bidder",
        "--days",
        "30",
        "--out",
        &env.p("c.pem"),
    ]);
    assert!(err.to_lowercase().contains("malformed") || err.contains("PEM"), "{err}");

    // A bad unified social credit code is refused before anything is written.
    let err = env.fails(&[
        "csr",
        "--key",
        &env.p("k.p8"),
        "--cn",
        "x",
        "--uscc",
        "91350100M000100Y44",
        "--out",
        &env.p("r.pem"),
    ]);
    assert!(err.contains("check character"), "{err}");
    assert!(!env.path("r.pem").exists());

    // Key that does not belong to the certificate.
    env.ok(&["key", "new", "--out", &env.p("other.p8")]);
    env.ok(&["csr", "--key", &env.p("k.p8"), "--cn", "x", "--out", &env.p("k.csr")]);
    env.ok(&[
        "ca",
        "issue",
        "--csr",
        &env.p("k.csr"),
        "--role",
        "official",
        "--days",
        "30",
        "--out",
        &env.p("k.pem"),
    ]);
    env.ok(&["key", "show", "--key", &env.p("k.p8"), "--cert", &env.p("k.pem")]);
    let err = env.fails(&["key", "show", "--key", &env.p("other.p8"), "--cert", &env.p("k.pem")]);
    assert!(err.contains("does not belong"), "{err}");

    // Existing key files are never overwritten.
    assert!(env.fails(&["key", "new", "--out", &env.p("k.p8")]).contains("already exists"));
}
