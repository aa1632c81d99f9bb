//! Regulatory filings over HTTP against the real server, on SQLite and on
//! PostgreSQL: a manufacturer starts a 药品再注册申报, cannot submit it
//! unsigned nor sign it incomplete (422 naming the missing items), uploads
//! the attachments (a broken PDF is refused and nothing stored), signs and
//! seals, submits; a regulator approves with its filing seal. The final PDF
//! passes `qpdf --check`, `pdfsig` lists two signatures and the public
//! `/api/v1/verify` reports two valid ones. A second filing is signed, has
//! its signature voided by a later upload, is signed again, submitted and
//! rejected with a reason the manufacturer sees. Another manufacturer can
//! neither read nor touch the filings; every route × role answers 401 / 403
//! as documented.

use std::process::Command;

use reqwest::{Method, StatusCode};
use sealbid_tests::bidding::{Actor, enrol, get, post, send};
use sealbid_tests::documents::approved_seal;
use sealbid_tests::filings::{attachment_pdf, finish, get_pdf, prepare, sign, upload};
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::{Value, json};

on_both_engines!(filing_signed_submitted_approved_and_rejected, every_filing_route_for_every_role);

const APPROVAL: &str = "药品批准证明文件";
const SUMMARY: &str = "五年内生产销售情况总结";

fn form() -> Value {
    json!({ "kind": "drug_reregistration", "title": "苦参碱注射液再注册",
            "fields": { "application_no": "00010", "drug_name": "苦参碱注射液", "dosage_form": "注射液",
                        "specification": "5ml:50mg", "production_address": "顺德市光华药业",
                        "approval_number": "（粤）卫药准字（2007）第J-30071" } })
}

fn message(v: &Value) -> &str {
    v["message"].as_str().unwrap_or_default()
}

async fn create(s: &TestServer, who: &Actor) -> i64 {
    let (st, f) = post(s, "/api/v1/filings", form(), &who.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{f}");
    f["id"].as_i64().unwrap()
}

async fn filing(s: &TestServer, who: &Actor, id: i64) -> Value {
    let (st, f) = get(s, &format!("/api/v1/filings/{id}"), &who.cookie).await;
    assert_eq!(st, StatusCode::OK, "{f}");
    f
}

/// A `PUT` declaring one byte more than an attachment may have, sent by
/// hand without the body: the raw answer (status line, headers, body).
async fn declared_too_large(s: &TestServer, who: &Actor, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = s.base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nCookie: {}\r\nContent-Type: application/pdf\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        s.base,
        who.cookie,
        (8 << 20) + 1
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        while let Ok(n @ 1..) = tcp.read(&mut buf).await {
            answer.extend_from_slice(&buf[..n]);
            if answer.ends_with(b"}") {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), read).await;
    String::from_utf8_lossy(&answer).into_owned()
}

async fn filing_signed_submitted_approved_and_rejected(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let m1 = enrol(&s, &op, "bidder", "甲厂 申报人", 100, "manufacturer").await;
    let m2 = enrol(&s, &op, "bidder", "乙厂 申报人", 101, "manufacturer").await;
    // A bidder whose organisation is (now) a hospital: applications cannot
    // make one (a hospital may apply only for the hospital role), so the
    // organisation's kind is changed in the database behind the certificate.
    let hospital_bidder = enrol(&s, &op, "bidder", "医院 采购员", 200, "manufacturer").await;
    s.sql_execute(&format!(
        "UPDATE organisations SET kind = 'hospital' WHERE uscc = '{}'",
        hospital_bidder.uscc
    ))
    .await;
    let regulator = enrol(&s, &op, "regulator", "药监 审批员", 300, "regulator").await;
    let seal_m1 = approved_seal(&s, &op, &m1, "甲厂公章", "official").await;
    let contract_seal = approved_seal(&s, &op, &m1, "甲厂合同专用章", "contract").await;
    let seal_r = approved_seal(&s, &op, &regulator, "药监备案专用章", "filing").await;

    // The kinds, and what a new filing must name.
    let (st, kinds) = get(&s, "/api/v1/filings/kinds", &regulator.cookie).await;
    assert_eq!(st, StatusCode::OK, "{kinds}");
    let rereg = kinds.as_array().unwrap().iter().find(|k| k["kind"] == "drug_reregistration").unwrap();
    assert_eq!(rereg["checklist"][0]["name"], APPROVAL, "{kinds}");
    let setup = kinds.as_array().unwrap().iter().find(|k| k["kind"] == "new_manufacturer").unwrap();
    assert_eq!(setup["checklist"].as_array().unwrap().len(), 7, "seed 000's seven materials: {kinds}");
    let mut unknown = form();
    unknown["kind"] = json!("药品再注册申报");
    let (st, body) = post(&s, "/api/v1/filings", unknown, &m1.cookie).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_kind")),
        "{body}"
    );
    let mut incomplete = form();
    incomplete["fields"].as_object_mut().unwrap().remove("drug_name");
    incomplete["fields"]["colour"] = json!("red");
    let (st, body) = post(&s, "/api/v1/filings", incomplete, &m1.cookie).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_fields")),
        "{body}"
    );
    assert!(message(&body).contains("colour"), "{body}");
    let (st, body) = post(&s, "/api/v1/filings", form(), &hospital_bidder.cookie).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a hospital files nothing: {body}");
    let count = s.sql_strings("SELECT CAST(COUNT(*) AS TEXT) FROM filings").await;
    assert_eq!(count, ["0"], "refused filings are not stored");

    let a = create(&s, &m1).await;
    let f = filing(&s, &m1, a).await;
    assert_eq!((f["status"].as_str(), f["signed"].as_bool()), (Some("draft"), Some(false)), "{f}");
    assert_eq!(f["missing"], json!([format!("1. {APPROVAL}"), format!("2. {SUMMARY}")]), "{f}");
    assert_eq!(f["fields"][1]["value"], "苦参碱注射液", "{f}");

    // Neither submitted unsigned nor signed incomplete.
    let submit = format!("/api/v1/filings/{a}/submit");
    let (st, body) = post(&s, &submit, json!({}), &m1.cookie).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_signed")),
        "{body}"
    );
    let (st, body) = prepare(&s, &m1, a, "sign", seal_m1).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("filing_incomplete")),
        "{body}"
    );
    assert!(message(&body).contains(APPROVAL) && message(&body).contains(SUMMARY), "{body}");

    // Bad uploads change nothing; strangers cannot look or touch.
    let (st, body) = upload(&s, &m1, a, "1", b"%PDF-1.7 this is no PDF".to_vec()).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_a_pdf")), "{body}");
    let (st, body) = upload(&s, &m1, a, "9", attachment_pdf("附件九")).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_item")),
        "{body}"
    );
    let answer = declared_too_large(&s, &m1, &format!("/api/v1/filings/{a}/attachments/1")).await;
    assert!(
        answer.starts_with("HTTP/1.1 413") && answer.contains("a filing attachment may be at most"),
        "{answer}"
    );
    let (st, body) = upload(&s, &m2, a, "1", attachment_pdf(APPROVAL)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let stored = s.sql_strings("SELECT CAST(COUNT(*) AS TEXT) FROM filing_attachments").await;
    assert_eq!(stored, ["0"], "nothing stored from refused uploads");
    for path in [format!("/api/v1/filings/{a}"), format!("/api/v1/filings/{a}/attachments/1")] {
        assert_eq!(get(&s, &path, &m2.cookie).await.0, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(get(&s, &path, &regulator.cookie).await.0, StatusCode::FORBIDDEN, "a draft: {path}");
    }
    assert_eq!(get_pdf(&s, &m2, &format!("/api/v1/filings/{a}/pdf")).await.0, StatusCode::FORBIDDEN);
    let (st, body) = prepare(&s, &m2, a, "sign", seal_m1).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (_, listed) = get(&s, "/api/v1/filings", &m2.cookie).await;
    assert_eq!(listed, json!([]), "another manufacturer lists none of m1's filings");
    let (_, listed) = get(&s, "/api/v1/filings", &regulator.cookie).await;
    assert_eq!(listed, json!([]), "regulators do not see drafts");

    // The attachments, then the applicant's signature.
    let approval = attachment_pdf(APPROVAL);
    let (st, f) = upload(&s, &m1, a, "1", approval.clone()).await;
    assert_eq!(st, StatusCode::OK, "{f}");
    assert_eq!(f["missing"], json!([format!("2. {SUMMARY}")]), "{f}");
    let (st, f) = upload(&s, &m1, a, "2", attachment_pdf(SUMMARY)).await;
    assert_eq!((st, f["missing"].clone()), (StatusCode::OK, json!([])), "{f}");
    let (st, back) = get_pdf(&s, &m1, &format!("/api/v1/filings/{a}/attachments/1")).await;
    assert_eq!((st, back == approval), (StatusCode::OK, true), "the attachment comes back as uploaded");
    let (st, preview) = get_pdf(&s, &m1, &format!("/api/v1/filings/{a}/pdf")).await;
    assert!(st == StatusCode::OK && preview.starts_with(b"%PDF-"), "an unsigned preview: {st}");
    let (st, body) = prepare(&s, &m1, a, "sign", contract_seal).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a contract seal does not sign filings: {body}");
    let (st, body) = prepare(&s, &regulator, a, "approve", seal_r).await;
    assert_eq!(st, StatusCode::CONFLICT, "nothing to approve before submission: {body}");
    let (st, prepared) = prepare(&s, &m1, a, "sign", seal_m1).await;
    assert_eq!(st, StatusCode::OK, "{prepared}");
    let (st, body) = finish(&s, &m2, "sign", &prepared).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "another manufacturer cannot finish: {body}");
    let signed = sign(&s, &m1, a, "sign", seal_m1).await;
    assert_eq!(
        (signed["status"].as_str(), signed["signed"].as_bool()),
        (Some("draft"), Some(true)),
        "{signed}"
    );
    assert_eq!(signed["revisions"].as_array().unwrap().len(), 2, "rendering + signature: {signed}");
    let (st, body) = prepare(&s, &m1, a, "sign", seal_m1).await;
    assert_eq!(st, StatusCode::CONFLICT, "signed once: {body}");

    // Submitted: locked for the manufacturer, visible to regulators.
    let (st, f) = post(&s, &submit, json!({}), &m1.cookie).await;
    assert_eq!((st, f["status"].as_str()), (StatusCode::OK, Some("submitted")), "{f}");
    let (st, body) = upload(&s, &m1, a, "3", attachment_pdf("药品说明书")).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    let (st, body) = prepare(&s, &m1, a, "approve", seal_m1).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (_, listed) = get(&s, "/api/v1/filings?status=submitted", &regulator.cookie).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let signed_pdf = get_pdf(&s, &regulator, &format!("/api/v1/filings/{a}/pdf")).await.1;

    // The regulator approves with its filing seal.
    // At finish the seal and the signing switch are checked again, as for contracts.
    let (st, prepared) = prepare(&s, &regulator, a, "approve", seal_r).await;
    assert_eq!(st, StatusCode::OK, "{prepared}");
    let (st, body) =
        post(&s, &format!("/api/v1/seals/{seal_r}/suspend"), json!({ "reason": "换人" }), &op).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = finish(&s, &regulator, "approve", &prepared).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(message(&body).contains("suspended"), "{body}");
    let (st, body) = post(&s, &format!("/api/v1/seals/{seal_r}/reinstate"), json!({}), &op).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, me) = get(&s, "/api/v1/people/me", &regulator.cookie).await;
    let switch = format!("/api/v1/people/{}/signing", me["person"]["id"].as_i64().unwrap());
    assert_eq!(post(&s, &switch, json!({ "enabled": false }), &op).await.0, StatusCode::OK);
    let (st, body) = finish(&s, &regulator, "approve", &prepared).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "signing switched off: {body}");
    assert_eq!(post(&s, &switch, json!({ "enabled": true }), &op).await.0, StatusCode::OK);
    assert_eq!(filing(&s, &m1, a).await["status"], "submitted", "nothing changed by the refused finishes");
    let (st, approved) = finish(&s, &regulator, "approve", &prepared).await;
    assert_eq!(st, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "approved", "{approved}");
    assert_eq!(approved["decided_by"], json!(regulator.serial), "{approved}");
    let seen = filing(&s, &m1, a).await;
    assert_eq!((seen["status"].as_str(), seen["reason"].as_str()), (Some("approved"), None), "{seen}");
    let (st, body) =
        post(&s, &format!("/api/v1/filings/{a}/reject"), json!({ "reason": "迟了" }), &regulator.cookie)
            .await;
    assert_eq!(st, StatusCode::CONFLICT, "decided once: {body}");

    let (st, final_pdf) = get_pdf(&s, &m1, &format!("/api/v1/filings/{a}/pdf")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(final_pdf.starts_with(&signed_pdf), "the approval is an incremental update");
    let path = s.scratch().join("filing-approved.pdf");
    std::fs::write(&path, &final_pdf).unwrap();
    let qpdf = Command::new("qpdf").arg("--check").arg(&path).output().unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&qpdf.stdout), String::from_utf8_lossy(&qpdf.stderr));
    assert!(qpdf.status.success(), "{out}");
    let pdfsig = Command::new("pdfsig").arg(&path).output().unwrap();
    let listing = String::from_utf8_lossy(&pdfsig.stdout);
    assert_eq!(listing.matches("Signature #").count(), 2, "{listing}");
    let req =
        s.client.post(s.url("/api/v1/verify")).header("content-type", "application/pdf").body(final_pdf);
    let (st, report) = send(&s, req, None).await;
    assert_eq!(st, StatusCode::OK, "{report}");
    assert_eq!(
        (report["all_valid"].as_bool(), report["signatures_valid"].as_i64()),
        (Some(true), Some(2)),
        "{report}"
    );
    let seals: Vec<&str> = report["report"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seal_name"].as_str().unwrap())
        .collect();
    assert_eq!(seals, ["甲厂公章", "药监备案专用章"], "{report}");

    // A second filing: signed, voided by a later upload, signed again, rejected.
    let b = create(&s, &m1).await;
    for (item, text) in [("1", APPROVAL), ("2", SUMMARY)] {
        assert_eq!(upload(&s, &m1, b, item, attachment_pdf(text)).await.0, StatusCode::OK);
    }
    sign(&s, &m1, b, "sign", seal_m1).await;
    let (st, f) = upload(&s, &m1, b, "3", attachment_pdf("药品说明书")).await;
    assert_eq!(
        (st, f["signed"].as_bool()),
        (StatusCode::OK, Some(false)),
        "an upload voids the signature: {f}"
    );
    assert!(f["revisions"].as_array().unwrap().iter().all(|r| !r["voided_at"].is_null()), "{f}");
    let (st, body) = post(&s, &format!("/api/v1/filings/{b}/submit"), json!({}), &m1.cookie).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let resigned = sign(&s, &m1, b, "sign", seal_m1).await;
    assert_eq!(resigned["current_rev"], 4, "revisions are never reused: {resigned}");
    assert_eq!(
        post(&s, &format!("/api/v1/filings/{b}/submit"), json!({}), &m1.cookie).await.0,
        StatusCode::OK
    );
    let reject = format!("/api/v1/filings/{b}/reject");
    let (st, body) = post(&s, &reject, json!({ "reason": "  " }), &regulator.cookie).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason_required")),
        "{body}"
    );
    let (st, body) =
        post(&s, &reject, json!({ "reason": "五年内生产销售情况总结缺少 2025 年数据" }), &m1.cookie).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, f) =
        post(&s, &reject, json!({ "reason": "五年内生产销售情况总结缺少 2025 年数据" }), &regulator.cookie)
            .await;
    assert_eq!((st, f["status"].as_str()), (StatusCode::OK, Some("rejected")), "{f}");
    let seen = filing(&s, &m1, b).await;
    assert_eq!(
        (seen["status"].as_str(), seen["reason"].as_str()),
        (Some("rejected"), Some("五年内生产销售情况总结缺少 2025 年数据")),
        "{seen}"
    );
    let (st, body) = prepare(&s, &regulator, b, "approve", seal_r).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    let (_, mine) = get(&s, "/api/v1/filings", &m1.cookie).await;
    let statuses: Vec<&str> =
        mine.as_array().unwrap().iter().map(|f| f["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["approved", "rejected"], "{mine}");

    // Every step audited, the chain intact; nothing is ever deleted.
    let actions = s.sql_strings("SELECT action FROM audit_events ORDER BY seq").await;
    let count = |x: &str| actions.iter().filter(|a| *a == x).count();
    assert_eq!(
        [
            count("filing.created"),
            count("filing.attachment"),
            count("filing.signed"),
            count("filing.submitted"),
            count("filing.approved"),
            count("filing.rejected")
        ],
        [2, 5, 3, 2, 1, 1]
    );
    let out = s.sealbid(&["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    s.stop().await;
}

const CALLERS: [&str; 6] = ["bidder", "official", "hospital", "regulator", "centre", "operator"];

async fn every_filing_route_for_every_role(engine: Engine) {
    let server = TestServer::start(engine).await;
    let s = &server;
    let mut cookies: Vec<(&str, String)> = Vec::new();
    for role in CALLERS {
        let (key, pem) = s.issue_person(role, &format!("{role} 用户"));
        cookies
            .push((role, login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await.cookie.unwrap()));
    }
    // The bidder of a registered manufacturer (issue_person's organisation is not one).
    let op = cookies.iter().find(|(r, _)| *r == "operator").unwrap().1.clone();
    let maker = enrol(s, &op, "bidder", "甲厂 申报人", 100, "manufacturer").await;
    cookies[0].1 = maker.cookie.clone();

    let everyone: &[&str] = &CALLERS;
    let readers: &[&str] = &["bidder", "regulator"];
    let maker_only: &[&str] = &["bidder"];
    let regulator: &[&str] = &["regulator"];
    let finish = || Some(json!({ "session_id": "x", "signature": "" }));
    let seal = || Some(json!({ "seal_id": 1 }));
    let routes: Vec<(Method, &str, Option<Value>, &[&str])> = vec![
        (Method::GET, "/api/v1/filings/kinds", None, everyone),
        (Method::POST, "/api/v1/filings", Some(json!({})), maker_only),
        (Method::GET, "/api/v1/filings", None, readers),
        (Method::GET, "/api/v1/filings/999", None, readers),
        (Method::GET, "/api/v1/filings/999/pdf", None, readers),
        (Method::GET, "/api/v1/filings/999/attachments/1", None, readers),
        (Method::PUT, "/api/v1/filings/999/attachments/1", None, maker_only),
        (Method::POST, "/api/v1/filings/999/sign/prepare", seal(), maker_only),
        (Method::POST, "/api/v1/filings/999/sign/finish", finish(), maker_only),
        (Method::POST, "/api/v1/filings/999/submit", None, maker_only),
        (Method::POST, "/api/v1/filings/999/approve/prepare", seal(), regulator),
        (Method::POST, "/api/v1/filings/999/approve/finish", finish(), regulator),
        (Method::POST, "/api/v1/filings/999/reject", Some(json!({ "reason": "x" })), regulator),
    ];
    for (method, path, body, allowed) in &routes {
        let request = |cookie: Option<&str>| {
            let mut req = s.client.request(method.clone(), s.url(path));
            if let Some(b) = body {
                req = req.json(b);
            } else if *method == Method::POST {
                req = req.header("content-type", "application/json").body("{}");
            } else if *method == Method::PUT {
                req = req.header("content-type", "application/pdf").body(attachment_pdf("附件"));
            }
            let cookie = cookie.map(str::to_string);
            async move { send(s, req, cookie.as_deref()).await }
        };
        let (st, answer) = request(None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{method} {path} without a session: {answer}");
        assert_eq!(answer["error"], "not_logged_in", "{answer}");
        for (role, cookie) in &cookies {
            let (st, answer) = request(Some(cookie)).await;
            if allowed.contains(role) {
                assert!(
                    st != StatusCode::FORBIDDEN && st != StatusCode::UNAUTHORIZED,
                    "{method} {path} as {role} should pass the role check: {st} {answer}"
                );
            } else {
                assert_eq!(st, StatusCode::FORBIDDEN, "{method} {path} as {role}: {answer}");
                assert_eq!(answer["error"], "forbidden", "{answer}");
            }
        }
    }
    server.stop().await;
}
