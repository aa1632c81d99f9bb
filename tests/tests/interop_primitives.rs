//! sealbid-crypto's primitives against implementations that share no code with it.
//!
//! Checkers, run as subprocesses:
//! - the `openssl` 3 binary (SM2 keys, signatures with signer ID, GM/T 0009
//!   ciphertexts, PBES2 key files, SM3);
//! - Python `gmssl` (`tests/py/sm2_interop.py`): a pure-Python SM2, raw C1C3C2;
//! - Python `cryptography` (`tests/py/sm4_gcm.py`): SM4-GCM and SM3 through OpenSSL's EVP.
//!
//! A missing tool is a failure that says what to install, never a skip.
//! Standard known-answer tests are at the end, with the values' provenance.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sealbid_crypto::sm4gcm::{self, Sm4Key};
use sealbid_crypto::{Error, PrivateKey, PublicKey, Signature, keyfile, rng, sm3};
use tempfile::TempDir;

const DIST_ID_OPT: &str = "distid:1234567812345678";
/// `openssl pkeyutl` SM2-with-SM3 over the whole input (`-rawin`), signer ID 1234567812345678.
const SM2_SIGN: &[&str] = &["pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-pkeyopt", DIST_ID_OPT];
const SM2_VERIFY: &[&str] = &["pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt", DIST_ID_OPT];
const PASSWORD: &str = "interop-Pa55word";

// ---------------------------------------------------------------------------
// Running the independent tools
// ---------------------------------------------------------------------------

fn run(program: &str, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}); it must be installed and on PATH"));
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Runs `openssl args…` and insists that it succeeds.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = run("openssl", args, b"");
    assert!(
        out.status.success(),
        "`openssl {}` failed ({}):\n{}{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `tests/py/<script> args…`; returns (exit code, trimmed stdout). Exit 3 = tool missing = failure.
fn python(script: &str, args: &[&str], stdin: &[u8]) -> (i32, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("py").join(script);
    let mut full = vec![path.to_str().expect("utf-8 path")];
    full.extend_from_slice(args);
    let out = run("python3", &full, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    assert!(code != 3, "{script}: a required Python package is missing or unusable:\n{stderr}");
    assert!(code == 0 || code == 1, "{script} {args:?} crashed ({}):\n{stderr}", out.status);
    (code, String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Like [`python`] but the call must succeed; stdout is hex, returned decoded.
fn python_hex(script: &str, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let (code, out) = python(script, args, stdin);
    assert_eq!(code, 0, "{script} {args:?} refused: {out}");
    hex::decode(&out).unwrap_or_else(|e| panic!("{script} printed non-hex {out:?}: {e}"))
}

fn random(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng::fill(&mut v).expect("system rng");
    v
}

struct Dir(TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().expect("temp dir"))
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    /// Writes `data` to `name`; returns the path as a string for the command line.
    fn write(&self, name: &str, data: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, data).expect("write temp file");
        p.to_str().expect("utf-8 path").to_owned()
    }
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read temp file")
    }
    fn arg(&self, name: &str) -> String {
        self.path(name).to_str().expect("utf-8 path").to_owned()
    }
}

/// An SM2 key made by `openssl genpkey`, re-encrypted with `openssl pkcs8 -topk8 -v2 aes-256-cbc`
/// and opened with [`keyfile::decrypt`]. Files: `key.pem` (plain), `key.p8`, `pub.pem`.
fn openssl_key(dir: &Dir) -> PrivateKey {
    let (pem, p8, pubpem) = (dir.arg("key.pem"), dir.arg("key.p8"), dir.arg("pub.pem"));
    openssl(&["genpkey", "-algorithm", "SM2", "-out", &pem]);
    let pass = format!("pass:{PASSWORD}");
    openssl(&["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", &pass, "-in", &pem, "-out", &p8]);
    openssl(&["pkey", "-in", &pem, "-pubout", "-out", &pubpem]);
    keyfile::decrypt(&dir.read("key.p8"), PASSWORD.as_bytes())
        .unwrap_or_else(|e| panic!("keyfile::decrypt rejected OpenSSL's PBES2 key file: {e}"))
}

/// `x‖y` hex (no `04`), as gmssl takes a public key.
fn gmssl_pub(key: &PublicKey) -> String {
    hex::encode(&key.to_sec1()[1..])
}

fn flip_bit(data: &[u8], bit: usize) -> Vec<u8> {
    let mut v = data.to_vec();
    v[bit / 8] ^= 1 << (bit % 8);
    v
}

// ---------------------------------------------------------------------------
// SM2 keys and key files
// ---------------------------------------------------------------------------

/// OpenSSL's PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) key file opens in sealbid and holds the same key.
#[test]
fn openssl_key_file_opens_in_sealbid() {
    let dir = Dir::new();
    let key = openssl_key(&dir);
    let spki = openssl(&["pkey", "-in", &dir.arg("key.pem"), "-pubout", "-outform", "DER"]);
    assert_eq!(PublicKey::from_spki_der(&spki).expect("OpenSSL SPKI"), key.public_key());
    assert_eq!(keyfile::decrypt(&dir.read("key.p8"), b"not the password").unwrap_err(), Error::WrongPassword);
}

/// A key file sealbid writes (default 600,000 PBKDF2 iterations) opens in `openssl pkey`,
/// yields the same public key, and the private key in it signs for sealbid.
#[test]
fn sealbid_key_file_opens_in_openssl() {
    let dir = Dir::new();
    let key = PrivateKey::generate().expect("key");
    let pem = keyfile::encrypt_pem(&key, PASSWORD.as_bytes(), keyfile::DEFAULT_ITERATIONS).expect("key file");
    let p8 = dir.write("key.p8", pem.as_bytes());
    let pass = format!("pass:{PASSWORD}");
    let spki = openssl(&["pkey", "-in", &p8, "-passin", &pass, "-pubout", "-outform", "DER"]);
    assert_eq!(PublicKey::from_spki_der(&spki).expect("SPKI from OpenSSL"), key.public_key());

    let wrong = run("openssl", &["pkey", "-in", &p8, "-passin", "pass:wrong", "-noout"], b"");
    assert!(!wrong.status.success(), "openssl opened the key file with a wrong password");

    let msg = dir.write("msg", b"signed by OpenSSL with a key sealbid wrote");
    let sig = openssl(&[SM2_SIGN, &["-inkey", &p8, "-passin", &pass, "-in", &msg]].concat());
    let sig = Signature::from_der(&sig).expect("OpenSSL signature is DER SEQUENCE{r,s}");
    key.public_key().verify_raw(b"signed by OpenSSL with a key sealbid wrote", &sig).expect("verifies");
}

// ---------------------------------------------------------------------------
// SM2 signatures (signer ID 1234567812345678)
// ---------------------------------------------------------------------------

/// `openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:…` → `verify_raw` accepts; a
/// flipped message byte is rejected.
#[test]
fn openssl_signature_verifies_in_sealbid() {
    let dir = Dir::new();
    let key = openssl_key(&dir);
    let msg = random(300);
    let msg_path = dir.write("msg", &msg);
    let der = openssl(&[SM2_SIGN, &["-inkey", &dir.arg("key.pem"), "-in", &msg_path]].concat());
    let sig = Signature::from_der(&der).expect("OpenSSL signature parses");
    assert_eq!(sig.to_der(), der, "DER re-encodes byte for byte");
    key.public_key().verify_raw(&msg, &sig).expect("sealbid accepts OpenSSL's SM2 signature");
    for i in [0, msg.len() / 2, msg.len() - 1] {
        let mut bad = msg.clone();
        bad[i] ^= 0x01;
        assert_eq!(key.public_key().verify_raw(&bad, &sig), Err(Error::BadSignature), "byte {i} flipped");
    }
}

/// sealbid's signature → `openssl pkeyutl -verify` says "Signature Verified Successfully";
/// over a changed message it says "Signature Verification Failure".
#[test]
fn sealbid_signature_verifies_in_openssl() {
    let dir = Dir::new();
    let key = openssl_key(&dir);
    let msg = random(300);
    let sig = dir.write("sig", &key.sign_raw(&msg).expect("sign").to_der());
    let pubpem = dir.arg("pub.pem");
    let verify = |msg_path: &str| {
        let args = [SM2_VERIFY, &["-pubin", "-inkey", &pubpem, "-in", msg_path, "-sigfile", &sig]].concat();
        run("openssl", &args, b"")
    };
    let ok = verify(&dir.write("msg", &msg));
    let ok_text = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success() && ok_text.contains("Signature Verified Successfully"),
        "OpenSSL rejected sealbid's signature: {ok_text}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = verify(&dir.write("bad", &flip_bit(&msg, 7)));
    assert!(
        !bad.status.success()
            && String::from_utf8_lossy(&bad.stdout).contains("Signature Verification Failure"),
        "OpenSSL accepted a signature over a changed message"
    );
}

/// gmssl (fixed signer ID 1234567812345678) verifies sealbid's signatures and vice versa.
#[test]
fn signatures_interoperate_with_gmssl() {
    let key = PrivateKey::generate().expect("key");
    let public = gmssl_pub(&key.public_key());
    let msg = random(100);
    let ours = hex::encode(key.sign_raw(&msg).expect("sign").to_bytes());
    assert_eq!(python("sm2_interop.py", &["verify", &public, &ours], &msg), (0, "valid".into()));
    assert_eq!(python("sm2_interop.py", &["verify", &public, &ours], &flip_bit(&msg, 0)).0, 1);

    let priv_hex = hex::encode(key.to_bytes().as_slice());
    let theirs = python_hex("sm2_interop.py", &["sign", &priv_hex, &public], &msg);
    let sig = Signature::from_bytes(&theirs).expect("gmssl r||s");
    key.public_key().verify_raw(&msg, &sig).expect("sealbid accepts gmssl's signature");
    assert_eq!(key.public_key().verify_raw(&flip_bit(&msg, 0), &sig), Err(Error::BadSignature));
}

// ---------------------------------------------------------------------------
// SM2 encryption (GM/T 0003 C1C3C2, GM/T 0009 DER)
// ---------------------------------------------------------------------------

const SM2_MESSAGE_LENGTHS: [usize; 5] = [1, 16, 19, 32, 200];

/// sealbid's ciphertexts decrypt in `openssl pkeyutl -decrypt` and in gmssl.
#[test]
fn sealbid_sm2_ciphertext_decrypts_in_openssl_and_gmssl() {
    let dir = Dir::new();
    let key = openssl_key(&dir);
    let priv_hex = hex::encode(key.to_bytes().as_slice());
    for len in SM2_MESSAGE_LENGTHS {
        let msg = random(len);
        let ct = key.public_key().encrypt(&msg).expect("encrypt");
        let ct_path = dir.write("ct.der", &ct);
        let by_openssl = openssl(&["pkeyutl", "-decrypt", "-inkey", &dir.arg("key.pem"), "-in", &ct_path]);
        assert_eq!(by_openssl, msg, "OpenSSL decryption of a {len}-byte message");
        let by_gmssl = python_hex("sm2_interop.py", &["decrypt", &priv_hex], &ct);
        assert_eq!(by_gmssl, msg, "gmssl decryption of a {len}-byte message");
    }
    // A changed last byte (inside C2) must fail OpenSSL's C3 check too.
    let ct = key.public_key().encrypt(b"sm4 key bytes!!!").expect("encrypt");
    let last = ct.len() * 8 - 1;
    let tampered = dir.write("bad.der", &flip_bit(&ct, last));
    let out = run("openssl", &["pkeyutl", "-decrypt", "-inkey", &dir.arg("key.pem"), "-in", &tampered], b"");
    assert!(!out.status.success(), "OpenSSL decrypted a tampered ciphertext");
}

/// Ciphertexts made by `openssl pkeyutl -encrypt` and by gmssl decrypt in sealbid.
#[test]
fn openssl_and_gmssl_sm2_ciphertexts_decrypt_in_sealbid() {
    let dir = Dir::new();
    let key = openssl_key(&dir);
    let public = gmssl_pub(&key.public_key());
    for len in SM2_MESSAGE_LENGTHS {
        let msg = random(len);
        let msg_path = dir.write("msg", &msg);
        let ct = openssl(&["pkeyutl", "-encrypt", "-pubin", "-inkey", &dir.arg("pub.pem"), "-in", &msg_path]);
        assert_eq!(key.decrypt(&ct).expect("OpenSSL's ciphertext").as_slice(), msg, "{len} bytes");
        let ct = python_hex("sm2_interop.py", &["encrypt", &public], &msg);
        assert_eq!(key.decrypt(&ct).expect("gmssl's ciphertext").as_slice(), msg, "{len} bytes");
    }
}

// ---------------------------------------------------------------------------
// SM4-GCM and SM3
// ---------------------------------------------------------------------------

/// `encrypt_with_nonce` equals `cryptography`'s SM4-GCM byte for byte on random key, nonce, AAD and
/// plaintext; `seal` output opens there, and `cryptography`'s output opens here.
#[test]
fn sm4_gcm_matches_python_cryptography() {
    for (pt_len, aad_len) in [(0, 0), (1, 0), (15, 7), (16, 16), (17, 33), (1000, 5), (4096, 0)] {
        let key = Sm4Key::from_bytes(&random(16)).expect("key");
        let nonce: [u8; 12] = random(12).try_into().expect("12 bytes");
        let (aad, pt) = (random(aad_len), random(pt_len));
        let args = [hex::encode(key.as_bytes()), hex::encode(nonce), hex::encode(&aad)];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();

        let ours = sm4gcm::encrypt_with_nonce(&key, &nonce, &aad, &pt).expect("encrypt");
        let theirs = python_hex("sm4_gcm.py", &[&["seal"], &args[..]].concat(), &pt);
        assert_eq!(hex::encode(&ours), hex::encode(&theirs), "pt {pt_len} B, aad {aad_len} B");
        let back = sm4gcm::decrypt_with_nonce(&key, &nonce, &aad, &theirs).expect("decrypt");
        assert_eq!(back.as_slice(), pt);

        let sealed = sm4gcm::seal(&key, &aad, &pt).expect("seal");
        let (n, body) = sealed.split_at(sm4gcm::NONCE_LEN);
        let open_args = [hex::encode(key.as_bytes()), hex::encode(n), hex::encode(&aad)];
        let open_args: Vec<&str> = open_args.iter().map(String::as_str).collect();
        assert_eq!(python_hex("sm4_gcm.py", &[&["open"], &open_args[..]].concat(), body), pt);
        let (code, out) = python("sm4_gcm.py", &[&["open"], &open_args[..]].concat(), &flip_bit(body, 0));
        assert_eq!((code, out.as_str()), (1, "InvalidTag"), "cryptography accepted a flipped bit");
    }
}

/// SM3 equals `openssl dgst -sm3` on random data around the block and padding boundaries,
/// and on the GB/T 32905-2016 Appendix A messages.
#[test]
fn sm3_matches_openssl_dgst() {
    let mut inputs: Vec<Vec<u8>> =
        [0, 1, 55, 56, 63, 64, 65, 1000, 100_000].into_iter().map(random).collect();
    inputs.push(b"abc".to_vec());
    inputs.push(b"abcd".repeat(16));
    for data in inputs {
        let out = run("openssl", &["dgst", "-sm3", "-binary"], &data);
        assert!(out.status.success(), "openssl dgst -sm3: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(hex::encode(sm3(&data)), hex::encode(&out.stdout), "{} bytes", data.len());
    }
}

// ---------------------------------------------------------------------------
// Published SM2 examples on the recommended curve
// ---------------------------------------------------------------------------
//
// The worked examples of SM2 part 5 (GM/T 0003.5-2012, republished as
// GB/T 32918.5-2017, "parameter definition"), which use the recommended
// curve with signer ID "1234567812345678". The examples in GB/T 32918.2/.4
// Appendix A (ID "ALICE123@YAHOO.COM") use a different, 256-bit *test* curve
// (p = 8542D69E…), which neither the `sm2` crate nor sealbid supports, so they
// cannot be checked here. The values below were transcribed from independent
// SM2 implementations' self-tests that cite the part 5 examples; the annex
// number was not checked against the standard's text. They are
// self-validating: dA·G must give the printed public key, (r, s) must verify,
// and the ciphertext's C3 hash must check, none of which a mistyped value passes.

const EXAMPLE_D: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const EXAMPLE_PUB: &str = "04\
    09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020\
    CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";

/// Signature example: message "message digest", k = 59276E27…BC21, signer ID 1234567812345678.
#[test]
fn sm2_part5_signature_example() {
    use signature::Verifier;
    use sm2::dsa::{Signature as RawSig, VerifyingKey};

    let key = PrivateKey::from_bytes(&hex::decode(EXAMPLE_D).expect("hex")).expect("dA");
    assert_eq!(hex::encode_upper(key.public_key().to_sec1()), EXAMPLE_PUB.to_uppercase(), "dA·G");
    let rs = hex::decode(
        "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3\
         B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA",
    )
    .expect("hex");

    // Through the `sm2` crate with the ID spelled out.
    let public = sm2::PublicKey::from_sec1_bytes(&hex::decode(EXAMPLE_PUB).expect("hex")).expect("point");
    let vk = VerifyingKey::new("1234567812345678", public).expect("verifying key");
    let raw = RawSig::from_slice(&rs).expect("r||s");
    vk.verify(b"message digest", &raw).expect("the published example verifies");
    assert!(vk.verify(b"message digesT", &raw).is_err());
    let alice = VerifyingKey::new("ALICE123@YAHOO.COM", public).expect("verifying key");
    assert!(alice.verify(b"message digest", &raw).is_err(), "the signer ID is part of what is signed");

    // And through sealbid, whose fixed signer ID is the same default.
    let sig = Signature::from_bytes(&rs).expect("r||s");
    key.public_key().verify_raw(b"message digest", &sig).expect("sealbid verifies the published example");
}

/// Encryption example: message "encryption standard", k = 59276E27…BC21; the published
/// C1‖C3‖C2, re-encoded as the GM/T 0009 DER sealbid reads, decrypts to the message.
#[test]
fn sm2_part5_encryption_example() {
    let x = "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73";
    let y = "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0";
    let c3 = "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766";
    let c2 = "21886CA989CA9C7D58087307CA93092D651EFA";
    let der = gmt0009_der(x, y, c3, c2);
    let key = PrivateKey::from_bytes(&hex::decode(EXAMPLE_D).expect("hex")).expect("dA");
    assert_eq!(key.decrypt(&der).expect("published ciphertext").as_slice(), b"encryption standard");
    let last = der.len() * 8 - 1;
    assert_eq!(key.decrypt(&flip_bit(&der, last)), Err(Error::DecryptionFailed), "C3 is checked");
}

/// `SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING, ciphertext OCTET STRING }` (GM/T 0009-2012),
/// all parts shorter than 128 bytes.
fn gmt0009_der(x: &str, y: &str, c3: &str, c2: &str) -> Vec<u8> {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        assert!(content.len() < 128);
        [&[tag, content.len() as u8][..], content].concat()
    }
    fn uint(hex_value: &str) -> Vec<u8> {
        let mut v = hex::decode(hex_value).expect("hex");
        while v.len() > 1 && v[0] == 0 && v[1] & 0x80 == 0 {
            v.remove(0);
        }
        if v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        tlv(0x02, &v)
    }
    let body = [
        uint(x),
        uint(y),
        tlv(0x04, &hex::decode(c3).expect("hex")),
        tlv(0x04, &hex::decode(c2).expect("hex")),
    ]
    .concat();
    tlv(0x30, &body)
}
