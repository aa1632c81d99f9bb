//! The operator against the published results: anyone holding the results
//! bundle (`GET /api/v1/tenders/{id}/results/bundle`) redoes the opening and
//! the evaluation with `verify_results` and sees where the platform lied.

use std::time::Duration;

use reqwest::StatusCode;
use sealbid_crypto::opening::results::{ResultsBundle, verify_results};
use sealbid_tests::bidding::{checked_opening, get, post, post_bytes, published_cert, share_batch};
use sealbid_tests::{Engine, on_both_engines};
use serde_json::{Value, json};

use super::round::{Round, Tender};

on_both_engines!(honest_results_verify, late_envelope_is_detected);

const SHORT: Duration = Duration::from_secs(6);

/// Officials 0 and 1 check the opening and upload their shares (201 each).
async fn share(r: &Round, t: &Tender) {
    for i in 0..2 {
        let own_key = r.keys[i].0.public_key();
        let checked = checked_opening(&r.s, &t.id, &r.officials[i], &own_key).await.unwrap();
        let batch = share_batch(&checked, i, &r.keys[i].1, &r.officials[i].key);
        let (st, body) = post_bytes(
            &r.s,
            &format!("/api/v1/tenders/{}/opening/shares", t.id),
            batch,
            &r.officials[i].cookie,
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
}

/// The centre runs the opening and waits for the results.
async fn open(r: &Round, t: &Tender) -> Value {
    let (st, body) =
        post(&r.s, &format!("/api/v1/tenders/{}/opening/run", t.id), json!({}), &r.centre.cookie).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{body}");
    for _ in 0..300 {
        let (st, results) = get(&r.s, &format!("/api/v1/tenders/{}/results", t.id), &r.centre.cookie).await;
        if st == StatusCode::OK {
            return results;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the results of {} were not published", t.id);
}

async fn bundle(r: &Round, t: &Tender) -> ResultsBundle {
    let path = format!("/api/v1/tenders/{}/results/bundle", t.id);
    // The bundle decrypts every bid: a bidder, who sees only the winners and its own quotes, is refused it.
    let (st, body) = get(&r.s, &path, &r.bidders[0].cookie).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = get(&r.s, &path, &r.officials[2].cookie).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

/// An honest round: the bundle re-checks, and the recomputed winner is the published one.
async fn honest_results_verify(engine: Engine) {
    let r = Round::new(engine, 2).await;
    let t = r.tender(SHORT, Duration::ZERO).await;
    r.bid(&t, 0, 900).await;
    r.bid(&t, 1, 800).await;
    r.wait_past(t.deadline).await;
    share(&r, &t).await;
    let results = open(&r, &t).await;
    let b = bundle(&r, &t).await;
    assert_eq!(b.results.document, results["document"].as_str().unwrap());
    let platform = published_cert(&r.s, "/pki/platform").await;
    let tsa = published_cert(&r.s, "/pki/tsa").await;
    let report = verify_results(&b, &platform, &tsa).unwrap();
    assert_eq!((report.envelopes, report.valid), (2, 2));
    assert_eq!(report.winners, [(1, Some((r.bidders[1].uscc.clone(), 800)))]);
    r.s.stop().await;
}

/// Part 2 of the late envelope (part 1, `opening::late_envelope_is_detected`:
/// the officials refuse to share it). The operator, who made the late bid
/// itself and so knows its price, hides it while the officials upload their
/// shares, then writes its opening outcome straight into the database: the
/// published results rank the late bid first. The bundle names it as not in
/// the deadline manifest; a bundle without it contradicts the results.
async fn late_envelope_is_detected(engine: Engine) {
    let r = Round::new(engine, 2).await;
    let t = r.tender(SHORT, Duration::ZERO).await;
    let genuine = r.bid(&t, 0, 900).await;
    r.wait_past(t.deadline).await;
    let (st, manifest) = get(&r.s, &format!("/api/v1/tenders/{}/manifest", t.id), &r.bidders[0].cookie).await;
    assert_eq!(st, StatusCode::OK, "{manifest}");
    assert_eq!(manifest["leaves"], json!([hex::encode(genuine.hash().unwrap())]));
    let late = sealbid_tests::bidding::seal(
        &sealbid_tests::bidding::quote(&t.id, &r.bidders[1], &[(1, 100)], "迟到"),
        &r.bidders[1],
        &t.key,
    );
    let late_hex = hex::encode(late.hash().unwrap());
    r.insert_bid(&t.id, &r.bidders[1], &late.encode().unwrap(), t.json["opens_at"].as_str().unwrap()).await;
    // Hidden while the officials share, so that their batches are taken.
    r.s.sql_execute(&format!("UPDATE bids SET status = 'withdrawn' WHERE envelope_hash = '{late_hex}'"))
        .await;
    share(&r, &t).await;
    r.s.sql_execute(&format!("UPDATE bids SET status = 'active' WHERE envelope_hash = '{late_hex}'")).await;
    let bid =
        r.s.sql_strings(&format!("SELECT CAST(id AS TEXT) FROM bids WHERE envelope_hash = '{late_hex}'"))
            .await;
    r.s.sql_execute(&format!(
        "INSERT INTO bid_openings (bid_id, tender_id, valid, reason, prices, opened_at) \
         VALUES ({}, '{}', TRUE, NULL, '{{\"1\":100}}', '{}')",
        bid[0],
        t.id,
        t.json["opens_at"].as_str().unwrap()
    ))
    .await;
    let results = open(&r, &t).await;
    let doc: Value = serde_json::from_str(results["document"].as_str().unwrap()).unwrap();
    assert_eq!(doc["evaluation"]["items"][0]["ranking"][0]["bidder"], r.bidders[1].uscc.as_str(), "{doc}");

    let platform = published_cert(&r.s, "/pki/platform").await;
    let tsa = published_cert(&r.s, "/pki/tsa").await;
    let mut b = bundle(&r, &t).await;
    assert_eq!(b.envelopes.len(), 2, "the server serves the planted envelope");
    let err = verify_results(&b, &platform, &tsa).unwrap_err().to_string();
    assert!(err.contains(&format!("envelope {late_hex} is not in the deadline manifest")), "{err}");
    // Leaving the planted envelope out of the bundle does not help: the results contradict the manifest.
    b.envelopes.retain(|e| {
        let der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&e.envelope).unwrap_or_default();
        hex::encode(sealbid_crypto::sm3(&der)) != late_hex
    });
    let err = verify_results(&b, &platform, &tsa).unwrap_err().to_string();
    assert!(err.contains("published results count 2 bids, the manifest's envelopes are 1"), "{err}");
    r.s.stop().await;
}
