//! `sealbid pdf contract`, `pdf sign` and `pdf verify`, run as real processes
//! against their own data directory: a contract rendered, sealed by the seller
//! and countersigned by the buyer, verified; tampering and a revoked
//! certificate are caught.

use std::process::Output;

use crate::common::Env;

impl Env {
    /// A key, a certificate for `cn` of `org` and a contract seal listing it; returns the serial.
    fn signer(&self, who: &str, cn: &str, org: &str, role: &str) -> String {
        let key = self.p(&format!("{who}.p8"));
        self.ok(&["key", "new", "--out", &key]);
        let csr = self.p(&format!("{who}.csr"));
        self.ok(&["csr", "--key", &key, "--cn", cn, "--org", org, "--out", &csr]);
        let cert = self.p(&format!("{who}.pem"));
        let out = self.ok(&["ca", "issue", "--csr", &csr, "--role", role, "--days", "30", "--out", &cert]);
        let name = format!("{org}合同专用章");
        let seal = self.p(&format!("{who}.seal"));
        self.ok(&["seal", "make", "--cert", &cert, "--name", &name, "--type", "contract", "--out", &seal]);
        out.lines().find_map(|l| l.strip_prefix("serial: ")).unwrap().trim().to_string()
    }

    fn sign(&self, who: &str, input: &str, at: &str, out: &str) -> Output {
        self.sealbid(&[
            "pdf",
            "sign",
            "--in",
            &self.p(input),
            "--key",
            &self.p(&format!("{who}.p8")),
            "--cert",
            &self.p(&format!("{who}.pem")),
            "--seal",
            &self.p(&format!("{who}.seal")),
            "--page",
            "1",
            "--at",
            at,
            "--field",
            who,
            "--out",
            &self.p(out),
        ])
    }
}

const CONTRACT: &str = r#"{
  "number": "HT-2026-000123",
  "tender_reference": "ZB-FJ-2026-0042",
  "buyer": { "name": "福建省立医院", "uscc": "12350000488000016L", "address": "福建省福州市鼓楼区东街134号" },
  "seller": { "name": "福建某某制药有限公司", "uscc": "91350100M000100Y43", "address": "福建省福州市闽侯县上街镇科技东路8号" },
  "items": [
    { "generic_name": "阿莫西林胶囊", "dosage_form": "胶囊剂", "specification": "0.25g×24粒", "unit": "盒", "quantity": 1000, "unit_price_fen": 1250 },
    { "generic_name": "布洛芬混悬液", "dosage_form": "口服混悬剂", "specification": "100ml:2g", "unit": "瓶", "quantity": 300, "unit_price_fen": 1598 }
  ],
  "delivery_terms": "乙方应于合同生效后十五日内将全部药品配送至甲方药库。",
  "payment_terms": "甲方在药品验收合格并收到合法票据后三十日内支付货款。"
}"#;

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn render_sign_twice_verify_then_tamper() {
    let env = Env::new();
    env.ok(&["init"]);
    env.signer("seller", "张三", "福建某某制药有限公司", "bidder");
    env.signer("buyer", "李四", "福建省立医院", "hospital");
    std::fs::write(env.p("contract.json"), CONTRACT).unwrap();
    let out =
        env.ok(&["pdf", "contract", "--json", &env.p("contract.json"), "--out", &env.p("contract.pdf")]);
    assert!(out.contains("Seller: --page") && out.contains("Buyer: --page"), "{out}");

    let signed = env.sign("seller", "contract.pdf", "60,80", "one.pdf");
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let signed = env.sign("buyer", "one.pdf", "150,80", "two.pdf");
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));

    let text = env.ok(&["pdf", "verify", &env.p("two.pdf")]);
    assert!(text.contains("signature 1 (seller): VALID") && text.contains("all signatures valid"), "{text}");
    let report = json(&env.ok(&["pdf", "verify", &env.p("two.pdf"), "--json"]));
    let sigs = report["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0]["signer"], "张三");
    assert_eq!(sigs[0]["organisation"], "福建某某制药有限公司");
    assert_eq!(sigs[0]["seal_name"], "福建某某制药有限公司合同专用章");
    assert_eq!(sigs[1]["signer"], "李四");
    assert_eq!(sigs[1]["seal_type"], "contract");
    assert!(
        sigs.iter().all(|s| s["valid"] == true && s["intact"] == true && s["timestamp_time"].is_string())
    );
    assert_eq!(sigs[0]["revocation"]["status"], "not_revoked");

    // A byte of the seller's signed revision changed: exit 1, the signature named.
    let mut pdf = std::fs::read(env.p("two.pdf")).unwrap();
    let at = pdf.windows(13).position(|w| w == b"/CreationDate").expect("a /CreationDate") + 20;
    pdf[at] ^= 0x01;
    std::fs::write(env.p("tampered.pdf"), &pdf).unwrap();
    let (stdout, stderr) = env.fails_with_output(&["pdf", "verify", &env.p("tampered.pdf"), "--json"]);
    let report = json(&stdout);
    assert_eq!(report["signatures"][0]["field"], "seller");
    assert_eq!(report["signatures"][0]["intact"], false);
    assert!(stderr.contains("seller"), "{stderr}");
}

#[test]
fn a_revoked_certificate_cannot_sign() {
    let env = Env::new();
    env.ok(&["init"]);
    let serial = env.signer("seller", "张三", "福建某某制药有限公司", "bidder");
    std::fs::write(env.p("contract.json"), CONTRACT).unwrap();
    env.ok(&["pdf", "contract", "--json", &env.p("contract.json"), "--out", &env.p("contract.pdf")]);
    env.ok(&["ca", "revoke", "--serial", &serial, "--reason", "key-compromise"]);
    let out = env.sign("seller", "contract.pdf", "60,80", "one.pdf");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("revoked"), "{stderr}");
    assert!(!env.path("one.pdf").exists());
    // An unsigned PDF does not verify either.
    let (_, stderr) = env.fails_with_output(&["pdf", "verify", &env.p("contract.pdf")]);
    assert!(stderr.contains("no signatures"), "{stderr}");
}
