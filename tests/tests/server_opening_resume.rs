//! A crash in the middle of an opening loses nothing and redoes nothing, on
//! SQLite and on PostgreSQL: the real `sealbid serve` binary opens a tender
//! in chunks of two envelopes and aborts (SIGABRT, no clean-up) right after
//! storing the first chunk; started again, it resumes the opening by itself,
//! leaves the two stored outcomes untouched, opens the other four and
//! publishes the results; the audit chain stays intact.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use reqwest::StatusCode;

use sealbid_tests::bidding::{
    Actor, ceremony, checked_opening, confirmed_key, enrol, get, post, post_bytes, published_tender, quote,
    seal, share_batch,
};
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::{Value, json};
use time::OffsetDateTime;

on_both_engines!(an_opening_resumes_after_a_crash);

const BIDDERS: u32 = 6;

/// `bid_id opened_at` of every stored outcome, by bid.
async fn outcomes(s: &TestServer) -> Vec<String> {
    s.sql_strings("SELECT CAST(bid_id AS TEXT) || ' ' || opened_at FROM bid_openings ORDER BY bid_id").await
}

async fn an_opening_resumes_after_a_crash(engine: Engine) {
    let mut s = TestServer::start(engine).await;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let centre = enrol(&s, &op, "centre", "集采 中心", 1, "centre").await;
    let mut officials = Vec::new();
    for i in 0..3 {
        officials.push(enrol(&s, &op, "official", &format!("开标 委员{i}"), 10 + i, "regulator").await);
    }
    let mut bidders: Vec<Actor> = Vec::new();
    for i in 0..BIDDERS {
        bidders.push(enrol(&s, &op, "bidder", &format!("投标 人{i}"), 100 + i, "manufacturer").await);
    }
    let serials: Vec<&str> = officials.iter().map(|o| o.serial.as_str()).collect();
    let form = json!({ "name": "开标委员会", "threshold": 1, "officials": serials });
    let (st, committee) = post(&s, "/api/v1/committees", form, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{committee}");
    let keys = ceremony(&s, committee["id"].as_i64().unwrap(), &officials).await;

    let (id, tender, deadline) = published_tender(
        &s,
        &centre,
        committee["id"].as_i64().unwrap(),
        "断点续开测试",
        Duration::from_secs(8),
    )
    .await;
    let key_hex = confirmed_key(&s, &tender, &officials[0].cookie).await;
    let mut envelopes = Vec::new();
    for (i, b) in bidders.iter().enumerate() {
        let env = seal(&quote(&id, b, &[(1, 900 - i as u64 * 10)], "续开"), b, &key_hex);
        let (st, body) =
            post_bytes(&s, &format!("/api/v1/tenders/{id}/bids"), env.encode().unwrap(), &b.cookie).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        envelopes.push(env);
    }
    let wait = deadline - OffsetDateTime::now_utc() + Duration::from_millis(1200);
    tokio::time::sleep(wait.try_into().unwrap_or_default()).await;

    // Officials 0 and 1 (t + 1 = 2) upload their shares.
    let own_key = keys[0].0.public_key();
    let checked = checked_opening(&s, &id, &officials[0], &own_key).await.unwrap();
    assert!(checked.refused().is_empty(), "{:?}", checked.refused());
    assert_eq!(checked.accepted().len(), BIDDERS as usize);
    assert!(checked.accepted().iter().all(|(h, _)| envelopes.iter().any(|e| e.hash().unwrap() == *h)));
    for i in 0..2 {
        let batch = share_batch(&checked, i, &keys[i].1, &officials[i].key);
        let (st, body) =
            post_bytes(&s, &format!("/api/v1/tenders/{id}/opening/shares"), batch, &officials[i].cookie)
                .await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }

    // The binary opens two envelopes per chunk and crashes after the first chunk.
    s.pause().await;
    let crash = [("SEALBID_OPENING_CHUNK", "2"), ("SEALBID_TEST_CRASH_OPENING_AFTER_CHUNKS", "1")];
    let mut server = s.serve_binary(&crash).await;
    let (st, body) = post(&s, &format!("/api/v1/tenders/{id}/opening/run"), json!({}), &centre.cookie).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{body}");
    let status = server.exited_within(Duration::from_secs(60)).await.expect("the server did not crash");
    assert_eq!(status.signal(), Some(6), "aborted by the injected crash: {status}");
    let before = outcomes(&s).await;
    assert_eq!(before.len(), 2, "exactly the first chunk was stored: {before:?}");
    assert!(s.sql_strings("SELECT tender_id FROM tender_results").await.is_empty(), "no results yet");

    // Started again, it resumes by itself.
    let server = s.serve_binary(&[("SEALBID_OPENING_CHUNK", "2")]).await;
    let mut progress = Value::Null;
    for _ in 0..300 {
        progress = get(&s, &format!("/api/v1/tenders/{id}/opening"), &centre.cookie).await.1;
        if progress["results_published"] == json!(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(progress["results_published"], json!(true), "{progress}");
    assert_eq!((progress["opened"].as_i64(), progress["valid"].as_i64()), (Some(6), Some(6)), "{progress}");
    let after = outcomes(&s).await;
    assert_eq!(after.len(), BIDDERS as usize, "every envelope opened exactly once: {after:?}");
    assert_eq!(after[..2], before[..], "the outcomes stored before the crash are untouched");
    let (st, results) = get(&s, &format!("/api/v1/tenders/{id}/results"), &centre.cookie).await;
    assert_eq!(st, StatusCode::OK, "{results}");
    let doc: Value = serde_json::from_str(results["document"].as_str().unwrap()).unwrap();
    let first = &doc["evaluation"]["items"][0]["ranking"][0];
    assert_eq!(
        (first["bidder"].as_str(), first["price_fen"].as_u64()),
        (Some(bidders[5].uscc.as_str()), Some(850))
    );
    let resumed = s.sql_strings("SELECT subject FROM audit_events WHERE action = 'opening.resumed'").await;
    assert_eq!(resumed, [id]);
    drop(server);
    let verify = s.sealbid(&["audit", "verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}
