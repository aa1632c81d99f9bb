//! The deadline race (issue 15), on SQLite and on PostgreSQL: a bid and a
//! withdrawal that pass the window check just before the deadline, but
//! whose transactions could only commit after it (a connection of the test's
//! own holds the audit head's lock across the deadline, as a slow disk or a
//! busy database would), are refused with 409s naming the deadline, and
//! nothing of them is stored: the deadline manifest holds exactly the bids
//! stored before it, the withdrawn-to-be bid is still active, and the audit
//! trail records neither.

use std::time::Duration;

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::Uscc;
use sealbid_crypto::envelope::{BidAction, BidRequest, TenderId};
use sealbid_tests::bidding::{
    Actor, ceremony, confirmed_key, enrol, get, post, post_bytes, published_tender, quote, seal,
};
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::json;
use time::OffsetDateTime;

on_both_engines!(a_bid_and_a_withdrawal_committing_after_the_deadline_are_refused);

async fn a_bid_and_a_withdrawal_committing_after_the_deadline_are_refused(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let centre = enrol(&s, &op, "centre", "集采 中心", 1, "centre").await;
    let mut officials = Vec::new();
    for i in 0..2 {
        officials.push(enrol(&s, &op, "official", &format!("开标 委员{i}"), 10 + i, "regulator").await);
    }
    let mut bidders: Vec<Actor> = Vec::new();
    for i in 0..3 {
        bidders.push(enrol(&s, &op, "bidder", &format!("投标 人{i}"), 100 + i, "manufacturer").await);
    }
    let (early, late, leaving) = (&bidders[0], &bidders[1], &bidders[2]);
    let serials: Vec<&str> = officials.iter().map(|o| o.serial.as_str()).collect();
    let form = json!({ "name": "开标委员会", "threshold": 1, "officials": serials });
    let (st, committee) = post(&s, "/api/v1/committees", form, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{committee}");
    ceremony(&s, committee["id"].as_i64().unwrap(), &officials).await;

    let (id, tender, deadline) = published_tender(
        &s,
        &centre,
        committee["id"].as_i64().unwrap(),
        "截止时间竞态",
        Duration::from_secs(10),
    )
    .await;
    let key = confirmed_key(&s, &tender, &early.cookie).await;
    let bids = format!("/api/v1/tenders/{id}/bids");

    // Two bids in good time.
    let env_early = seal(&quote(&id, early, &[(1, 900)], "早"), early, &key);
    let env_leaving = seal(&quote(&id, leaving, &[(1, 950)], "撤"), leaving, &key);
    for (env, who) in [(&env_early, early), (&env_leaving, leaving)] {
        let (st, body) = post_bytes(&s, &bids, env.encode().unwrap(), &who.cookie).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    let env_late = seal(&quote(&id, late, &[(1, 800)], "迟"), late, &key);
    let withdrawal = BidRequest::create(
        TenderId::parse(&id).unwrap(),
        Uscc::parse(&leaving.uscc).unwrap(),
        env_leaving.hash().unwrap(),
        BidAction::Withdraw,
        OffsetDateTime::now_utc(),
        &leaving.key,
    )
    .unwrap();
    let withdrawal = json!({ "request": Base64::encode_string(&withdrawal.encode().unwrap()) });

    // Three seconds before the deadline the head is locked; the bid and the
    // withdrawal pass the window check and wait; the lock is released half a
    // second after the deadline (3.5 s in all, inside SQLite's 5 s busy timeout).
    let until = |at: OffsetDateTime| (at - OffsetDateTime::now_utc()).try_into().unwrap_or_default();
    tokio::time::sleep(until(deadline - Duration::from_secs(3))).await;
    let lock = s.hold_audit_head().await;
    let release = async {
        tokio::time::sleep(until(deadline + Duration::from_millis(500))).await;
        lock.release().await;
    };
    let withdraw_path = format!("{bids}/withdraw");
    let ((bid_st, bid), (wd_st, wd), ()) = tokio::join!(
        post_bytes(&s, &bids, env_late.encode().unwrap(), &late.cookie),
        post(&s, &withdraw_path, withdrawal, &leaving.cookie),
        release,
    );
    assert_eq!(bid_st, StatusCode::CONFLICT, "{bid}");
    let msg = bid["message"].as_str().unwrap();
    assert!(msg.contains("deadline") && msg.contains("not stored"), "{bid}");
    assert_eq!(wd_st, StatusCode::CONFLICT, "{wd}");
    assert!(wd["message"].as_str().unwrap().contains("deadline"), "{wd}");

    // Nothing half-written: the late bidder has no bid, the withdrawn-to-be bid is still active.
    let (_, mine) = get(&s, &format!("{bids}/mine"), &late.cookie).await;
    assert_eq!(mine["bids"], json!([]), "{mine}");
    let (_, mine) = get(&s, &format!("{bids}/mine"), &leaving.cookie).await;
    assert_eq!(mine["bids"][0]["status"], "active", "{mine}");
    // The manifest holds exactly the two bids stored before the deadline.
    let (st, manifest) = get(&s, &format!("/api/v1/tenders/{id}/manifest"), &early.cookie).await;
    assert_eq!(st, StatusCode::OK, "{manifest}");
    let expected = [hex::encode(env_early.hash().unwrap()), hex::encode(env_leaving.hash().unwrap())];
    assert_eq!(manifest["leaves"], json!(expected));
    let actions = s
        .sql_strings(&format!(
            "SELECT action FROM audit_events WHERE action LIKE 'bid.%' AND subject = '{id}' ORDER BY seq"
        ))
        .await;
    assert_eq!(actions, ["bid.received", "bid.received"]);
    s.stop().await;
}
