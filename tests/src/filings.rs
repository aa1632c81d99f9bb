//! Helpers for the filing tests: attachment PDFs, uploads, and the signer's
//! side of a filing signature (prepare on the server, SM2 here, finish on
//! the server), for the applicant and for the regulator's approval.

use reqwest::StatusCode;
use sealbid_crypto::Uscc;
use sealbid_sealing::pdf::render::{Filing, Party};
use serde_json::{Value, json};

use crate::TestServer;
use crate::bidding::{Actor, post, send};
use crate::documents::sign_tbs;

/// A one-page PDF saying `text`, as an attachment would be.
pub fn attachment_pdf(text: &str) -> Vec<u8> {
    let page = Filing {
        kind: "附件".into(),
        reference: "FJ-2026-0001".into(),
        applicant: Party {
            name: "福建某某制药有限公司".into(),
            uscc: Uscc::parse("91350100M000100Y43").unwrap(),
            address: "福州市鼓楼区五四路 1 号".into(),
        },
        fields: vec![("内容".into(), text.into())],
        attachments: vec![],
    };
    page.render(&[]).unwrap().pdf
}

/// `PUT …/attachments/{item}` with a raw body: status and answer.
pub async fn upload(
    s: &TestServer,
    who: &Actor,
    filing: i64,
    item: &str,
    pdf: Vec<u8>,
) -> (StatusCode, Value) {
    let url = s.url(&format!("/api/v1/filings/{filing}/attachments/{item}"));
    let req = s.client.put(url).header("content-type", "application/pdf").body(pdf);
    send(s, req, Some(&who.cookie)).await
}

/// `GET` of a PDF route: status and bytes.
pub async fn get_pdf(s: &TestServer, who: &Actor, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = s.client.get(s.url(path)).header("cookie", &who.cookie).send().await.unwrap();
    (resp.status(), resp.bytes().await.unwrap().to_vec())
}

/// `POST …/{step}/prepare` (`sign` or `approve`) with `seal`: status and answer.
pub async fn prepare(s: &TestServer, who: &Actor, filing: i64, step: &str, seal: i64) -> (StatusCode, Value) {
    post(s, &format!("/api/v1/filings/{filing}/{step}/prepare"), json!({ "seal_id": seal }), &who.cookie)
        .await
}

/// `POST …/{step}/finish` with `who`'s signature over the prepared data.
pub async fn finish(s: &TestServer, who: &Actor, step: &str, prepared: &Value) -> (StatusCode, Value) {
    let filing = prepared["filing_id"].as_i64().unwrap();
    let body = json!({ "session_id": prepared["session_id"], "signature": sign_tbs(&who.key, prepared) });
    post(s, &format!("/api/v1/filings/{filing}/{step}/finish"), body, &who.cookie).await
}

/// Prepares and finishes `step`: the filing after the signature.
pub async fn sign(s: &TestServer, who: &Actor, filing: i64, step: &str, seal: i64) -> Value {
    let (st, prepared) = prepare(s, who, filing, step, seal).await;
    assert_eq!(st, StatusCode::OK, "{prepared}");
    let (st, signed) = finish(s, who, step, &prepared).await;
    assert_eq!(st, StatusCode::OK, "{signed}");
    signed
}
