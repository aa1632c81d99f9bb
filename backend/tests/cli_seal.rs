//! `sealbid seal make` and `sealbid seal show`, run as real processes against
//! their own data directories.

use crate::common::Env;

impl Env {
    /// Initialised data directory and a bidder certificate `holder.pem`.
    fn with_holder(&self) {
        self.ok(&["init"]);
        self.ok(&["key", "new", "--out", &self.p("holder.p8")]);
        self.ok(&[
            "csr",
            "--key",
            &self.p("holder.p8"),
            "--cn",
            "张三",
            "--org",
            "福建某某制药有限公司",
            "--out",
            &self.p("holder.csr"),
        ]);
        self.ok(&[
            "ca",
            "issue",
            "--csr",
            &self.p("holder.csr"),
            "--role",
            "bidder",
            "--days",
            "30",
            "--out",
            &self.p("holder.pem"),
        ]);
    }
}

#[test]
fn make_then_show_as_text_and_json_with_the_picture() {
    let env = Env::new();
    env.with_holder();
    let out = env.ok(&[
        "seal",
        "make",
        "--cert",
        &env.p("holder.pem"),
        "--name",
        "福建某某制药有限公司合同专用章",
        "--type",
        "contract",
        "--valid-days",
        "90",
        "--out",
        &env.p("seal.der"),
    ]);
    assert!(out.contains("seal id: SB"), "{out}");

    let text = env.ok(&["seal", "show", &env.p("seal.der"), "--picture", &env.p("seal.png")]);
    assert!(text.contains("seal:     福建某某制药有限公司合同专用章"), "{text}");
    assert!(text.contains("type:     contract"), "{text}");
    assert!(text.contains("holder:   ") && text.contains("张三"), "{text}");
    assert!(text.contains("check:    valid"), "{text}");
    let png = std::fs::read(env.p("seal.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["seal", "show", &env.p("seal.der"), "--json"])).unwrap();
    assert_eq!(json["type_code"], 2);
    assert_eq!(json["picture"]["width_mm"], 42);
    assert_eq!(json["picture"]["bytes"], png.len());
    assert_eq!(json["verification"], "valid");
    assert_eq!(json["holders"].as_array().unwrap().len(), 1);
}

#[test]
fn show_fails_for_a_tampered_seal_and_make_refuses_bad_input() {
    let env = Env::new();
    env.with_holder();
    env.ok(&[
        "seal",
        "make",
        "--cert",
        &env.p("holder.pem"),
        "--name",
        "公章",
        "--type",
        "official",
        "--out",
        &env.p("seal.der"),
    ]);
    let mut der = std::fs::read(env.p("seal.der")).unwrap();
    let at = der.windows("公章".len()).position(|w| w == "公章".as_bytes()).unwrap();
    der[at + 2] ^= 1;
    std::fs::write(env.p("tampered.der"), der).unwrap();
    let err = env.fails(&["seal", "show", &env.p("tampered.der")]);
    assert!(err.contains("signature does not verify"), "{err}");

    // An unknown type is a usage error (clap exits 2) naming the value.
    let out = env.sealbid_in(
        &env.data(),
        &[
            "seal",
            "make",
            "--cert",
            &env.p("holder.pem"),
            "--name",
            "x",
            "--type",
            "stamp",
            "--out",
            &env.p("x.der"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown seal kind \"stamp\""));
    let err = env.fails(&[
        "seal",
        "make",
        "--cert",
        &env.p("holder.pem"),
        "--name",
        "x",
        "--type",
        "official",
        "--image",
        &env.p("holder.pem"),
        "--out",
        &env.p("x.der"),
    ]);
    assert!(err.contains("PNG or JPEG"), "{err}");

    // A certificate of another CA is refused.
    let other = Env::new();
    other.with_holder();
    let err = env.fails(&[
        "seal",
        "make",
        "--cert",
        &other.p("holder.pem"),
        "--name",
        "x",
        "--type",
        "official",
        "--out",
        &env.p("x.der"),
    ]);
    assert!(err.contains("not a valid signing certificate of this CA"), "{err}");
}
