//! `GET /api/v1/stats/signing` against the real server on SQLite and
//! PostgreSQL: 401 without a session, 403 `forbidden` for every role but the
//! CA operator, 400 for a malformed period; and the counts after a whole
//! sealed-bid round (two bids, two officials' share batches) name the
//! signers, their organisations and roles, per business system.

use reqwest::StatusCode;
use sealbid_tests::bidding::{enrol, get, send};
use sealbid_tests::documents::awarded_tender;
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::Value;

on_both_engines!(signing_statistics_for_the_operator_only);

fn count(bars: &Value, key: &str) -> i64 {
    bars.as_array()
        .and_then(|v| v.iter().find(|b| b["key"] == key))
        .and_then(|b| b["count"].as_i64())
        .unwrap_or(0)
}

async fn signing_statistics_for_the_operator_only(engine: Engine) {
    let server = TestServer::start(engine).await;
    let s = &server;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();

    let path = "/api/v1/stats/signing";
    let (st, body) = send(s, s.client.get(s.url(path)), None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{body}");
    let (st, empty) = get(s, path, &op).await;
    assert_eq!(st, StatusCode::OK, "{empty}");
    assert_eq!(empty["total"], 0, "{empty}");

    let centre = enrol(s, &op, "centre", "集采 中心", 1, "centre").await;
    let officials = vec![
        enrol(s, &op, "official", "委员 甲", 10, "regulator").await,
        enrol(s, &op, "official", "委员 乙", 11, "regulator").await,
    ];
    let b1 = enrol(s, &op, "bidder", "投标 甲", 20, "manufacturer").await;
    let b2 = enrol(s, &op, "bidder", "投标 乙", 21, "manufacturer").await;
    let bids = [(&b1, vec![(1, 900), (2, 400)]), (&b2, vec![(1, 800)])];
    awarded_tender(s, &centre, &officials, &bids).await;

    for (role, cookie) in
        [("centre", &centre.cookie), ("official", &officials[0].cookie), ("bidder", &b1.cookie)]
    {
        let (st, body) = get(s, path, cookie).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{role}: {body}");
        assert_eq!(body["error"], "forbidden", "{role}: {body}");
    }
    for (role, rest) in [("hospital", "医院 用户"), ("regulator", "监管 用户")] {
        let (key, pem) = s.issue_person(role, rest);
        let cookie = login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await.cookie.unwrap();
        let (st, body) = get(s, path, &cookie).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{role}: {body}");
    }

    let (st, stats) = get(s, path, &op).await;
    assert_eq!(st, StatusCode::OK, "{stats}");
    assert_eq!(count(&stats["by_system"], "bid"), 2, "{stats}");
    assert_eq!(count(&stats["by_system"], "opening"), 2, "one share batch per official: {stats}");
    assert_eq!(stats["total"], 4, "{stats}");
    assert_eq!(count(&stats["by_role"], "bidder"), 2, "{stats}");
    assert_eq!(count(&stats["by_person"], &b1.serial), 1, "{stats}");
    assert_eq!(count(&stats["by_organisation"], &b2.uscc), 1, "{stats}");
    let row = stats["rows"].as_array().unwrap().iter().find(|r| r["serial"] == b1.serial.as_str()).unwrap();
    assert_eq!(row["person"], "投标 甲", "{row}");
    assert_eq!(row["org_name"], "单位20", "{row}");

    // A period before everything counts nothing; a malformed one is refused.
    let (st, before) = get(s, &format!("{path}?to=2000-01-01T00:00:00Z"), &op).await;
    assert_eq!(st, StatusCode::OK, "{before}");
    assert_eq!(before["total"], 0, "{before}");
    let (st, since) = get(s, &format!("{path}?from=2000-01-01T08:00:00%2B08:00"), &op).await;
    assert_eq!((st, &since["total"]), (StatusCode::OK, &stats["total"]), "{since}");
    let (st, bad) = get(s, &format!("{path}?from=yesterday"), &op).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
    assert!(bad["message"].as_str().unwrap_or_default().contains("from"), "{bad}");
    server.stop().await;
}
