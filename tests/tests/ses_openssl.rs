//! A seal made by the real `sealbid seal make`, read back by OpenSSL 3: the
//! GB/T 38540 v4 structure as `openssl asn1parse` shows it, the maker's
//! certificate inside it, and the maker's SM2 signature over `SES_SealInfo`
//! checked with `openssl pkeyutl`:
//!
//! ```text
//! openssl asn1parse -inform DER -in seal.der
//! openssl x509 -inform DER -in maker.der -pubkey -noout > maker-pub.pem
//! openssl pkeyutl -verify -pubin -inkey maker-pub.pem -rawin -digest sm3 \
//!     -pkeyopt distid:1234567812345678 -in sealinfo.der -sigfile sig.der
//! ```

use std::path::Path;
use std::process::Command;

use crate::common::{DISTID, openssl, openssl_ok};
use sealbid_tests::sealbid_bin;

const CA_PW: &str = "ca-password-for-ses-tests";
const KEY_PW: &str = "key-password-for-ses-tests";

fn sealbid(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(sealbid_bin())
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(args)
        .current_dir(dir)
        .env("SEALBID_CA_PASSWORD", CA_PW)
        .env("SEALBID_KEY_PASSWORD", KEY_PW)
        .env_remove("SEALBID_DATA_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "sealbid {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// One DER TLV at `pos`: (tag, start of contents, end of contents).
fn tlv(der: &[u8], pos: usize) -> (u8, usize, usize) {
    let tag = der[pos];
    let first = der[pos + 1];
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        (der[pos + 2..pos + 2 + n].iter().fold(0usize, |acc, b| acc << 8 | *b as usize), 2 + n)
    };
    (tag, pos + header, pos + header + len)
}

/// The children of the constructed TLV at `pos`: (tag, TLV start, contents start, end).
fn children(der: &[u8], pos: usize) -> Vec<(u8, usize, usize, usize)> {
    let (_, mut at, end) = tlv(der, pos);
    let mut out = Vec::new();
    while at < end {
        let (tag, start, stop) = tlv(der, at);
        out.push((tag, at, start, stop));
        at = stop;
    }
    out
}

#[test]
fn seal_made_by_the_cli_reads_back_in_openssl() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sealbid(dir, &["init"]);
    sealbid(dir, &["key", "new", "--out", "holder.p8"]);
    sealbid(
        dir,
        &[
            "csr",
            "--key",
            "holder.p8",
            "--cn",
            "张三",
            "--org",
            "福建某某制药有限公司",
            "--out",
            "holder.csr",
        ],
    );
    sealbid(
        dir,
        &["ca", "issue", "--csr", "holder.csr", "--role", "bidder", "--days", "30", "--out", "holder.pem"],
    );
    sealbid(
        dir,
        &[
            "seal",
            "make",
            "--cert",
            "holder.pem",
            "--name",
            "福建某某制药有限公司合同专用章",
            "--type",
            "contract",
            "--out",
            "seal.der",
        ],
    );
    let der = std::fs::read(dir.join("seal.der")).unwrap();

    let parsed = openssl_ok(dir, &["asn1parse", "-inform", "DER", "-in", "seal.der"]);
    assert!(parsed.contains("IA5STRING         :ES"), "no \"ES\" header ID:\n{parsed}");
    assert!(parsed.contains("INTEGER           :04"), "no version 4:\n{parsed}");
    assert!(parsed.contains("IA5STRING         :png"), "no png picture type:\n{parsed}");
    assert!(
        parsed.contains(":SM2-with-SM3") || parsed.contains(":1.2.156.10197.1.501"),
        "no SM2-with-SM3 algorithm:\n{parsed}"
    );
    assert!(parsed.contains("GENERALIZEDTIME"), "dates are not GeneralizedTime:\n{parsed}");
    assert!(parsed.contains("UTF8STRING"), "the seal name is not a UTF8String:\n{parsed}");

    // SESeal ::= SEQUENCE { SES_SealInfo, cert OCTET STRING, signAlgID OID, signedValue BIT STRING }
    let top = children(&der, 0);
    let tags: Vec<u8> = top.iter().map(|c| c.0).collect();
    assert_eq!(tags, [0x30, 0x04, 0x06, 0x03], "SESeal fields in the wrong order or with wrong types");
    let (_, info_at, _, info_end) = top[0];
    let (_, _, cert_start, cert_end) = top[1];
    let (_, _, sig_start, sig_end) = top[3];
    assert_eq!(der[sig_start], 0, "the signature BIT STRING has unused bits");
    // SES_SealInfo ::= SEQUENCE { header, esID IA5String, property, picture }
    let info_tags: Vec<u8> = children(&der, info_at).iter().map(|c| c.0).collect();
    assert_eq!(info_tags, [0x30, 0x16, 0x30, 0x30]);

    std::fs::write(dir.join("sealinfo.der"), &der[info_at..info_end]).unwrap();
    std::fs::write(dir.join("maker.der"), &der[cert_start..cert_end]).unwrap();
    std::fs::write(dir.join("sig.der"), &der[sig_start + 1..sig_end]).unwrap();

    // The maker's certificate is the data directory's seal authority.
    let maker = openssl_ok(dir, &["x509", "-inform", "DER", "-in", "maker.der", "-outform", "PEM"]);
    let authority = std::fs::read_to_string(dir.join("data").join("seal-authority.pem")).unwrap();
    assert_eq!(maker.trim(), authority.trim());

    let pubkey = openssl_ok(dir, &["x509", "-inform", "DER", "-in", "maker.der", "-pubkey", "-noout"]);
    std::fs::write(dir.join("maker-pub.pem"), pubkey).unwrap();
    let verify = [
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "maker-pub.pem",
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        DISTID,
        "-in",
        "sealinfo.der",
        "-sigfile",
        "sig.der",
    ];
    let ok = openssl_ok(dir, &verify);
    assert!(ok.contains("Signature Verified Successfully"), "{ok}");

    // One changed byte in SES_SealInfo and OpenSSL refuses the signature too.
    let mut tampered = der[info_at..info_end].to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    std::fs::write(dir.join("sealinfo.der"), tampered).unwrap();
    let out = openssl(dir, &verify);
    assert!(!out.status.success(), "OpenSSL accepted a tampered SES_SealInfo");
}
