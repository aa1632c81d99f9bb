//! Seals and contracts over HTTP against the real server, on SQLite and on
//! PostgreSQL: a tender goes through the real sealed-bid round; seals are
//! applied for and approved; the centre generates one contract per winning
//! manufacturer; the manufacturer signs (prepare on the server, SM2 here on
//! the client, finish on the server), the hospital countersigns (two
//! contracts in one batch), the regulator files with its filing seal. The
//! final PDF passes `qpdf --check`, `pdfsig` lists three signatures, and the
//! public `/api/v1/verify` reports three valid ones — and the broken ones
//! after one flipped byte. Suspended and revoked seals, a certificate the
//! seal does not bind and a revoked certificate cannot sign; a signature can
//! be voided before the next party signs; a party can refuse with a reason.

use std::process::Command;

use reqwest::StatusCode;
use sealbid_tests::bidding::{Actor, enrol, get, post, send};
use sealbid_tests::documents::{approved_seal, awarded_tender, finish, prepare, sign, sign_tbs};
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::{Value, json};

on_both_engines!(contracts_signed_countersigned_filed_and_verified);

async fn pdf_of(s: &TestServer, contract: i64, who: &Actor) -> Vec<u8> {
    let resp = s
        .client
        .get(s.url(&format!("/api/v1/contracts/{contract}/pdf")))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.bytes().await.unwrap().to_vec()
}

async fn verify(s: &TestServer, pdf: Vec<u8>) -> (StatusCode, Value) {
    let req = s.client.post(s.url("/api/v1/verify")).header("content-type", "application/pdf").body(pdf);
    send(s, req, None).await
}

fn status(c: &Value) -> &str {
    c["status"].as_str().unwrap_or_default()
}

async fn contracts_signed_countersigned_filed_and_verified(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let centre = enrol(&s, &op, "centre", "集采 中心", 1, "centre").await;
    let officials = vec![
        enrol(&s, &op, "official", "开标 委员0", 10, "regulator").await,
        enrol(&s, &op, "official", "开标 委员1", 11, "regulator").await,
    ];
    let m1 = enrol(&s, &op, "bidder", "甲厂 签章人", 100, "manufacturer").await;
    let m2 = enrol(&s, &op, "bidder", "乙厂 签章人", 101, "manufacturer").await;
    let m1_other = enrol(&s, &op, "bidder", "甲厂 签章人", 100, "manufacturer").await;
    let hospital = enrol(&s, &op, "hospital", "医院 签章人", 200, "hospital").await;
    let hospital2 = enrol(&s, &op, "hospital", "二院 签章人", 201, "hospital").await;
    let regulator = enrol(&s, &op, "regulator", "药监 备案员", 300, "regulator").await;

    // Seals: input checks, a rejection, then approved seals for every signer.
    let bad_kind = json!({ "name": "甲厂合同专用章", "kind": "stamp", "holder_serial": m1.serial });
    let (st, body) = post(&s, "/api/v1/seals", bad_kind, &m1.cookie).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("kind"), "{body}");
    let foreign = json!({ "name": "甲厂合同专用章", "kind": "contract", "holder_serial": m2.serial });
    let (st, body) = post(&s, "/api/v1/seals", foreign, &m1.cookie).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a holder of another organisation: {body}");
    let bad_scan =
        json!({ "name": "甲厂公章", "kind": "official", "holder_serial": m1.serial, "scan_png": "AAAA" });
    let (st, body) = post(&s, "/api/v1/seals", bad_scan, &m1.cookie).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("scan_png"), "{body}");
    let apply = json!({ "name": "甲厂财务专用章", "kind": "finance", "holder_serial": m1.serial });
    let (st, pending) = post(&s, "/api/v1/seals", apply, &m1.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{pending}");
    let pid = pending["id"].as_i64().unwrap();
    assert_eq!(
        post(&s, &format!("/api/v1/seals/{pid}/approve"), json!({}), &m1.cookie).await.0,
        StatusCode::FORBIDDEN
    );
    let (st, body) = post(&s, &format!("/api/v1/seals/{pid}/reject"), json!({ "reason": "  " }), &op).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let (st, rejected) =
        post(&s, &format!("/api/v1/seals/{pid}/reject"), json!({ "reason": "印模不清" }), &op).await;
    assert_eq!((st, status(&rejected)), (StatusCode::OK, "rejected"), "{rejected}");
    assert_eq!(
        post(&s, &format!("/api/v1/seals/{pid}/approve"), json!({}), &op).await.0,
        StatusCode::CONFLICT
    );
    let (st, _) = get(&s, &format!("/api/v1/seals/{pid}/der"), &m1.cookie).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "a rejected seal was never made");

    let seal_m1 = approved_seal(&s, &op, &m1, "甲厂合同专用章", "contract").await;
    let seal_m2 = approved_seal(&s, &op, &m2, "乙厂合同专用章", "contract").await;
    let seal_h = approved_seal(&s, &op, &hospital, "医院合同专用章", "contract").await;
    let seal_h2 = approved_seal(&s, &op, &hospital2, "二院合同专用章", "contract").await;
    let seal_r = approved_seal(&s, &op, &regulator, "药监备案专用章", "filing").await;
    let der = s.client.get(s.url(&format!("/api/v1/seals/{seal_m1}/der"))).header("cookie", &m1.cookie);
    let der = der.send().await.unwrap().bytes().await.unwrap();
    let seal = sealbid_sealing::ses::SeSeal::from_der(&der).unwrap();
    assert_eq!(seal.name(), "甲厂合同专用章");
    assert!(seal.binds(sealbid_crypto::pki::Certificate::from_pem(&m1.cert_pem).unwrap().to_der()));
    let png = s.client.get(s.url(&format!("/api/v1/seals/{seal_m1}/picture"))).header("cookie", &m1.cookie);
    let png = png.send().await.unwrap().bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "the picture is a PNG");
    assert_eq!(get(&s, &format!("/api/v1/seals/{seal_m1}"), &m2.cookie).await.0, StatusCode::FORBIDDEN);
    let (_, mine) = get(&s, "/api/v1/seals", &m1.cookie).await;
    assert_eq!(mine.as_array().unwrap().len(), 2, "m1 sees its organisation's two seals: {mine}");

    // The tender through the real round: m1 wins item 1, m2 item 2.
    let tender = awarded_tender(
        &s,
        &centre,
        &officials,
        &[(&m1, vec![(1, 900), (2, 480)]), (&m2, vec![(1, 950), (2, 450)])],
    )
    .await;
    let generate = format!("/api/v1/tenders/{tender}/contracts");
    assert_eq!(
        post(&s, &generate, json!({ "buyer_uscc": hospital.uscc }), &m1.cookie).await.0,
        StatusCode::FORBIDDEN
    );
    let (st, body) = post(&s, &generate, json!({ "buyer_uscc": m1.uscc }), &centre.cookie).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a manufacturer is no buyer: {body}");
    let (st, generated) = post(&s, &generate, json!({ "buyer_uscc": hospital.uscc }), &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{generated}");
    let by_seller = |v: &Value, who: &Actor| {
        v.as_array().unwrap().iter().find(|c| c["seller_uscc"] == json!(who.uscc)).unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(generated.as_array().unwrap().len(), 2, "one contract per winner: {generated}");
    let (a, b) = (by_seller(&generated, &m1), by_seller(&generated, &m2));
    assert_eq!(
        post(&s, &generate, json!({ "buyer_uscc": hospital.uscc }), &centre.cookie).await.0,
        StatusCode::CONFLICT
    );
    let (_, view) = get(&s, &format!("/api/v1/contracts/{a}"), &hospital.cookie).await;
    assert_eq!(view["model"]["items"][0]["unit_price_fen"], json!(900), "{view}");
    assert_eq!(view["model"]["items"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(get(&s, &format!("/api/v1/contracts/{a}"), &m2.cookie).await.0, StatusCode::FORBIDDEN);
    let rev0 = pdf_of(&s, a, &m1).await;

    // Out of turn, a seal binding another certificate, someone else's session.
    let (st, body) = prepare(&s, &hospital, a, seal_h).await;
    assert_eq!(st, StatusCode::CONFLICT, "the hospital signs after the seller: {body}");
    let (st, body) = prepare(&s, &m1_other, a, seal_m1).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert!(body["message"].as_str().unwrap().contains("binds certificate"), "{body}");
    let (st, prepared) = prepare(&s, &m1, a, seal_m1).await;
    assert_eq!(st, StatusCode::OK, "{prepared}");
    let (st, body) = finish(&s, &m1_other, &m1_other.key, &prepared).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = finish(&s, &m1, &m1_other.key, &prepared).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a signature by a key the seal does not bind: {body}");

    // A suspended seal cannot finish; reinstated, the same session can.
    let suspend = json!({ "reason": "印章保管人变更" });
    let (st, body) = post(&s, &format!("/api/v1/seals/{seal_m1}/suspend"), suspend, &op).await;
    assert_eq!((st, status(&body)), (StatusCode::OK, "suspended"), "{body}");
    let (st, body) = finish(&s, &m1, &m1.key, &prepared).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("suspended"), "{body}");
    let (st, body) = prepare(&s, &m1, a, seal_m1).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    let (st, body) = post(&s, &format!("/api/v1/seals/{seal_m1}/reinstate"), json!({}), &op).await;
    assert_eq!((st, status(&body)), (StatusCode::OK, "active"), "{body}");
    let (st, signed) = finish(&s, &m1, &m1.key, &prepared).await;
    assert_eq!((st, status(&signed)), (StatusCode::OK, "seller_signed"), "{signed}");
    let (st, body) = finish(&s, &m1, &m1.key, &prepared).await;
    assert_eq!(st, StatusCode::CONFLICT, "a session is used once: {body}");

    // Void before the hospital signs: back to the rendered revision; sign again.
    assert_eq!(
        post(&s, &format!("/api/v1/contracts/{a}/void"), json!({}), &hospital.cookie).await.0,
        StatusCode::FORBIDDEN
    );
    let (st, voided) = post(&s, &format!("/api/v1/contracts/{a}/void"), json!({}), &m1.cookie).await;
    assert_eq!((st, status(&voided)), (StatusCode::OK, "draft"), "{voided}");
    assert_eq!(pdf_of(&s, a, &m1).await, rev0, "voiding restores the previous revision");
    assert_eq!(status(&sign(&s, &m1, a, seal_m1).await), "seller_signed");
    assert_eq!(status(&sign(&s, &m2, b, seal_m2).await), "seller_signed");

    // The hospital countersigns both in one batch.
    let items = json!({ "items": [{ "contract_id": a, "seal_id": seal_h }, { "contract_id": b, "seal_id": seal_h }] });
    let (st, batch) = post(&s, "/api/v1/contracts/batch/prepare", items, &hospital.cookie).await;
    assert_eq!(st, StatusCode::OK, "{batch}");
    let finishes: Vec<Value> = batch["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["result"]["ok"], json!(true), "{batch}");
            json!({ "session_id": r["result"]["session_id"], "signature": sign_tbs(&hospital.key, &r["result"]) })
        })
        .collect();
    let (st, done) =
        post(&s, "/api/v1/contracts/batch/finish", json!({ "items": finishes }), &hospital.cookie).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    for r in done["results"].as_array().unwrap() {
        assert_eq!(r["result"]["contract"]["status"], "buyer_signed", "{done}");
    }
    let (st, body) = post(&s, &format!("/api/v1/contracts/{a}/void"), json!({}), &m1.cookie).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "the seller cannot void once the hospital signed: {body}");
    let countersigned = pdf_of(&s, a, &m1).await;

    // The regulator files A; refuses B with a reason.
    let (st, body) = prepare(&s, &regulator, a, seal_h).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "another organisation's seal: {body}");
    let filed = sign(&s, &regulator, a, seal_r).await;
    assert_eq!(status(&filed), "filed");
    let (st, body) =
        post(&s, &format!("/api/v1/contracts/{b}/refuse"), json!({ "reason": "" }), &regulator.cookie).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let refusal = json!({ "reason": "配送条款与招标文件不符" });
    let (st, refused) = post(&s, &format!("/api/v1/contracts/{b}/refuse"), refusal, &regulator.cookie).await;
    assert_eq!((st, status(&refused)), (StatusCode::OK, "refused"), "{refused}");
    assert_eq!(refused["reason"], "配送条款与招标文件不符");
    let (st, body) = prepare(&s, &regulator, b, seal_r).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");

    // The filed PDF: independent structure checks and the public verification.
    let final_pdf = pdf_of(&s, a, &centre).await;
    assert!(final_pdf.starts_with(&countersigned), "each signature is an incremental update");
    let path = s.scratch().join("filed.pdf");
    std::fs::write(&path, &final_pdf).unwrap();
    let qpdf = Command::new("qpdf").arg("--check").arg(&path).output().unwrap();
    assert!(
        qpdf.status.success(),
        "{}{}",
        String::from_utf8_lossy(&qpdf.stdout),
        String::from_utf8_lossy(&qpdf.stderr)
    );
    let pdfsig = Command::new("pdfsig").arg(&path).output().unwrap();
    let listing = String::from_utf8_lossy(&pdfsig.stdout);
    assert_eq!(listing.matches("Signature #").count(), 3, "{listing}");
    let (st, report) = verify(&s, final_pdf.clone()).await;
    assert_eq!(st, StatusCode::OK, "{report}");
    assert_eq!(
        (report["all_valid"].as_bool(), report["signatures_valid"].as_i64()),
        (Some(true), Some(3)),
        "{report}"
    );
    let fields: Vec<&str> = report["report"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields.len(), 3, "{report}");
    assert!(
        fields[0].starts_with("seller")
            && fields[1].starts_with("buyer")
            && fields[2].starts_with("regulator")
    );
    let orgs: Vec<&str> = report["report"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seal_name"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, ["甲厂合同专用章", "医院合同专用章", "药监备案专用章"]);

    let mut tampered = final_pdf.clone();
    let at = rev0.len() / 2;
    tampered[at] ^= 0x01;
    let (st, broken) = verify(&s, tampered).await;
    assert_eq!(st, StatusCode::OK, "{broken}");
    assert_eq!(broken["all_valid"], json!(false), "{broken}");
    for r in broken["report"]["signatures"].as_array().unwrap() {
        assert_eq!((r["valid"].as_bool(), r["intact"].as_bool()), (Some(false), Some(false)), "{broken}");
        assert!(r["problems"].to_string().contains("hash mismatch"), "{broken}");
    }
    let (st, body) = verify(&s, b"not a pdf".to_vec()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");

    // A revoked seal cannot sign; a revoked certificate cannot finish.
    let (st, more) = post(&s, &generate, json!({ "buyer_uscc": hospital2.uscc }), &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{more}");
    let (c, d) = (by_seller(&more, &m1), by_seller(&more, &m2));
    let (st, body) =
        post(&s, &format!("/api/v1/seals/{seal_m2}/revoke"), json!({ "reason": "印章遗失" }), &op).await;
    assert_eq!((st, status(&body)), (StatusCode::OK, "revoked"), "{body}");
    let (st, body) = prepare(&s, &m2, d, seal_m2).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("revoked"), "{body}");
    assert_eq!(
        post(&s, &format!("/api/v1/seals/{seal_m2}/reinstate"), json!({}), &op).await.0,
        StatusCode::CONFLICT
    );
    let (st, prepared) = prepare(&s, &m1, c, seal_m1).await;
    assert_eq!(st, StatusCode::OK, "{prepared}");
    // Time stamps and CRL entries count whole seconds, and a revocation in the
    // same second as a signature's time stamp counts as before it (the verifier
    // cannot order them, so it assumes the worse): revoke in a later second
    // than m1's signature, as a real revocation after signing would be.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let out = s.sealbid(&["ca", "revoke", "--serial", &m1.serial, "--reason", "key-compromise"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (st, body) = finish(&s, &m1, &m1.key, &prepared).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "a revoked certificate cannot sign: {body}");
    let _ = seal_h2;
    // Signed before the revocation: still valid at its time-stamped time.
    let (st, report) = verify(&s, final_pdf).await;
    assert_eq!((st, report["all_valid"].as_bool()), (StatusCode::OK, Some(true)), "{report}");
    assert_eq!(report["report"]["signatures"][0]["revocation"]["status"], "revoked_later", "{report}");

    let actions = s.sql_strings("SELECT action FROM audit_events ORDER BY seq").await;
    let count = |x: &str| actions.iter().filter(|a| *a == x).count();
    assert_eq!(
        (count("contract.signed"), count("contract.signature.voided"), count("contract.refused")),
        (6, 1, 1)
    );
    assert_eq!((count("seal.suspended"), count("seal.reinstated"), count("seal.revoked")), (1, 1, 1));
    let out = s.sealbid(&["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    s.stop().await;
}
