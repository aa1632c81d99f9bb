//! Helpers for the seal and contract tests: a tender taken through the real
//! sealed-bid round to published results, seals applied for and approved,
//! and the signer's side of prepare → sign → finish.

use std::time::Duration;

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::envelope::{BidDocument, BidItem, PriceFen, TenderId, seal_bid};
use sealbid_crypto::pki::Certificate;
use sealbid_crypto::{PrivateKey, Uscc};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::TestServer;
use crate::bidding::{Actor, ceremony, get, post, post_bytes};

/// Runs a whole sealed-bid round for a two-item tender: a committee of
/// `officials` (t = 1) is formed and holds its ceremony, the tender is
/// published, each bidder bids its `(item, fen)` prices, the deadline passes,
/// every official uploads shares, the opening runs and the results are
/// published. Returns the tender id.
pub async fn awarded_tender(
    s: &TestServer,
    centre: &Actor,
    officials: &[Actor],
    bids: &[(&Actor, Vec<(u32, u64)>)],
) -> String {
    let serials: Vec<&str> = officials.iter().map(|o| o.serial.as_str()).collect();
    let form = json!({ "name": "开标委员会", "threshold": 1, "officials": serials });
    let (st, committee) = post(s, "/api/v1/committees", form, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{committee}");
    let committee = committee["id"].as_i64().unwrap();
    let keys = ceremony(s, committee, officials).await;

    let now = OffsetDateTime::now_utc();
    let deadline = now + Duration::from_secs(6);
    let t = |x: OffsetDateTime| x.format(&Rfc3339).unwrap();
    let items = json!([
        { "generic_name": "阿莫西林胶囊", "dosage_form": "胶囊剂", "specification": "0.25g*24粒", "unit": "盒",
          "quantity": 1000, "ceiling_fen": 1000 },
        { "generic_name": "头孢克肟片", "dosage_form": "片剂", "specification": "0.1g*6片", "unit": "盒",
          "quantity": 500, "ceiling_fen": 500 },
    ]);
    let tender = json!({ "title": "2026 年第一批药品集中采购", "announcement": "公告正文", "items": items,
        "opens_at": t(now - Duration::from_secs(60)), "deadline": t(deadline), "opening_at": t(deadline),
        "committee": committee });
    let (st, tender) = post(s, "/api/v1/tenders", tender, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{tender}");
    let id = tender["id"].as_str().unwrap().to_string();
    let (st, tender) = post(s, &format!("/api/v1/tenders/{id}/publish"), json!({}), &centre.cookie).await;
    assert_eq!(st, StatusCode::OK, "{tender}");
    let committee_key = crate::bidding::confirmed_key(s, &tender, &centre.cookie).await;
    for (bidder, prices) in bids {
        let items = prices
            .iter()
            .map(|&(item, fen)| BidItem { item, unit_price: PriceFen::new(fen).unwrap() })
            .collect();
        let doc = BidDocument::new(
            TenderId::parse(&id).unwrap(),
            Uscc::parse(&bidder.uscc).unwrap(),
            OffsetDateTime::now_utc(),
            items,
            vec![],
        )
        .unwrap();
        let cert = Certificate::from_pem(&bidder.cert_pem).unwrap();
        let envelope = seal_bid(&doc, &bidder.key, &cert, &committee_key).unwrap();
        let (st, body) =
            post_bytes(s, &format!("/api/v1/tenders/{id}/bids"), envelope.encode().unwrap(), &bidder.cookie)
                .await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    let wait = deadline - OffsetDateTime::now_utc() + Duration::from_millis(1200);
    tokio::time::sleep(wait.try_into().unwrap_or_default()).await;

    let own_key = keys[0].0.public_key();
    let checked = crate::bidding::checked_opening(s, &id, &officials[0], &own_key).await.unwrap();
    assert!(checked.refused().is_empty(), "{:?}", checked.refused());
    for (i, official) in officials.iter().enumerate() {
        let batch = crate::bidding::share_batch(&checked, i, &keys[i].1, &official.key);
        let path = format!("/api/v1/tenders/{id}/opening/shares");
        let (st, body) = post_bytes(s, &path, batch, &official.cookie).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    let (st, body) = post(s, &format!("/api/v1/tenders/{id}/opening/run"), json!({}), &centre.cookie).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{body}");
    for _ in 0..300 {
        let (_, progress) = get(s, &format!("/api/v1/tenders/{id}/opening"), &centre.cookie).await;
        if progress["results_published"] == json!(true) {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the results of {id} were not published");
}

/// Applies for a seal of `kind` bound to `holder`'s certificate and has the operator approve it; returns its id.
pub async fn approved_seal(s: &TestServer, op: &str, holder: &Actor, name: &str, kind: &str) -> i64 {
    let body = json!({ "name": name, "kind": kind, "holder_serial": holder.serial });
    let (st, seal) = post(s, "/api/v1/seals", body, &holder.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{seal}");
    assert_eq!(seal["status"], "pending", "{seal}");
    let id = seal["id"].as_i64().unwrap();
    let (st, seal) = post(s, &format!("/api/v1/seals/{id}/approve"), json!({}), op).await;
    assert_eq!(st, StatusCode::OK, "{seal}");
    assert_eq!(seal["status"], "active", "{seal}");
    id
}

/// `POST …/sign/prepare`: status and answer.
pub async fn prepare(s: &TestServer, who: &Actor, contract: i64, seal: i64) -> (StatusCode, Value) {
    post(s, &format!("/api/v1/contracts/{contract}/sign/prepare"), json!({ "seal_id": seal }), &who.cookie)
        .await
}

/// The signer's side: SM2 over the prepared `TBS_Sign`, base64 DER.
pub fn sign_tbs(key: &PrivateKey, prepared: &Value) -> String {
    let tbs = Base64::decode_vec(prepared["tbs_der"].as_str().unwrap()).unwrap();
    Base64::encode_string(&key.sign_raw(&tbs).unwrap().to_der())
}

/// `POST …/sign/finish` with `key`'s signature over the prepared data.
pub async fn finish(s: &TestServer, who: &Actor, key: &PrivateKey, prepared: &Value) -> (StatusCode, Value) {
    let contract = prepared["contract_id"].as_i64().unwrap();
    let body = json!({ "session_id": prepared["session_id"], "signature": sign_tbs(key, prepared) });
    post(s, &format!("/api/v1/contracts/{contract}/sign/finish"), body, &who.cookie).await
}

/// Prepares and finishes: the contract after the signature.
pub async fn sign(s: &TestServer, who: &Actor, contract: i64, seal: i64) -> Value {
    let (st, prepared) = prepare(s, who, contract, seal).await;
    assert_eq!(st, StatusCode::OK, "{prepared}");
    let (st, signed) = finish(s, who, &who.key, &prepared).await;
    assert_eq!(st, StatusCode::OK, "{signed}");
    signed
}
