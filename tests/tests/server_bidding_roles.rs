//! Every people, committee, tender, bid and opening route × every role,
//! against the real server on SQLite and PostgreSQL: each answers 401
//! without a session, 403 `forbidden` to the roles that may not call it, and
//! something other than 401/403 to the roles that may (a 400, 404 or 409
//! for the deliberately incomplete requests is fine: the role check passed).

use reqwest::{Method, StatusCode};
use sealbid_tests::bidding::{Actor, ceremony, enrol, get, post, send};
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

on_both_engines!(every_bidding_route_for_every_role);

/// Who calls: the roles of the platform, plus an official on the tender's committee.
const CALLERS: [&str; 7] = ["bidder", "official", "member", "hospital", "regulator", "centre", "operator"];

async fn every_bidding_route_for_every_role(engine: Engine) {
    let server = TestServer::start(engine).await;
    let s = &server;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let centre = enrol(s, &op, "centre", "集采 中心", 1, "centre").await;
    let mut members: Vec<Actor> = Vec::new();
    for i in 0..3 {
        members.push(enrol(s, &op, "official", &format!("委员{i}"), 10 + i, "regulator").await);
    }
    let serials: Vec<&str> = members.iter().map(|m| m.serial.as_str()).collect();
    let form = json!({ "name": "委员会", "threshold": 1, "officials": serials });
    let (st, committee) = post(s, "/api/v1/committees", form.clone(), &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{committee}");
    let c = committee["id"].as_i64().unwrap();
    // A second committee stays in its ceremony, for the ceremony routes.
    let (_, pending) = post(s, "/api/v1/committees", form, &centre.cookie).await;
    let p = pending["id"].as_i64().unwrap();
    ceremony(s, c, &members).await;
    let now = OffsetDateTime::now_utc();
    let t = |d: i64| (now + time::Duration::seconds(d)).format(&Rfc3339).unwrap();
    let tender = json!({ "title": "t", "announcement": "a", "committee": c,
        "items": [{ "generic_name": "g", "dosage_form": "d", "specification": "s", "unit": "u",
                    "quantity": 1, "ceiling_fen": 100 }],
        "opens_at": t(-60), "deadline": t(3600), "opening_at": t(3600) });
    let (st, body) = post(s, "/api/v1/tenders", tender.clone(), &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let (st, body) = post(s, &format!("/api/v1/tenders/{id}/publish"), json!({}), &centre.cookie).await;
    assert_eq!(st, StatusCode::OK, "{body}");

    let mut cookies: Vec<(&str, String)> = Vec::new();
    for role in CALLERS {
        let cookie = match role {
            "member" => members[0].cookie.clone(),
            "centre" => centre.cookie.clone(),
            "operator" => op.clone(),
            other => {
                let (key, pem) = s.issue_person(other, &format!("{other} 用户"));
                login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await.cookie.unwrap()
            }
        };
        cookies.push((role, cookie));
    }

    let everyone: &[&str] = &CALLERS;
    let routes: Vec<(Method, String, Option<Value>, &[&str])> = vec![
        (Method::GET, "/api/v1/people/me".into(), None, everyone),
        (Method::GET, "/api/v1/people".into(), None, everyone),
        (Method::POST, "/api/v1/people/999/signing".into(), Some(json!({ "enabled": true })), &["operator"]),
        (Method::POST, "/api/v1/people/999/roles".into(), Some(json!({ "role": "bidder" })), &["operator"]),
        (Method::GET, "/api/v1/delegations".into(), None, everyone),
        (
            Method::POST,
            "/api/v1/committees".into(),
            Some(json!({ "name": "x", "threshold": 0, "officials": [] })),
            &["centre"],
        ),
        (Method::GET, "/api/v1/committees".into(), None, &["official", "member", "centre", "operator"]),
        (Method::GET, format!("/api/v1/committees/{c}"), None, &["member", "centre", "operator"]),
        (Method::GET, format!("/api/v1/committees/{p}/ceremony"), None, &["member", "centre"]),
        (
            Method::POST,
            format!("/api/v1/committees/{p}/ceremony/messages"),
            Some(json!({ "kind": "part", "data": "AAAA" })),
            &["member"],
        ),
        (Method::POST, format!("/api/v1/committees/{c}/ceremony/finish"), None, &["centre"]),
        (
            Method::POST,
            format!("/api/v1/committees/{c}/ceremony/restart"),
            Some(json!({ "exclude": [] })),
            &["centre"],
        ),
        (Method::POST, "/api/v1/tenders".into(), Some(json!({ "title": "" })), &["centre"]),
        (Method::GET, "/api/v1/tenders".into(), None, everyone),
        (Method::GET, format!("/api/v1/tenders/{id}"), None, everyone),
        (Method::POST, format!("/api/v1/tenders/{id}/publish"), None, &["centre"]),
        (Method::POST, format!("/api/v1/tenders/{id}/amend"), Some(json!({ "note": "" })), &["centre"]),
        (Method::POST, format!("/api/v1/tenders/{id}/bids"), None, &["bidder"]),
        (
            Method::POST,
            format!("/api/v1/tenders/{id}/bids/replace"),
            Some(json!({ "request": "", "envelope": "" })),
            &["bidder"],
        ),
        (
            Method::POST,
            format!("/api/v1/tenders/{id}/bids/withdraw"),
            Some(json!({ "request": "" })),
            &["bidder"],
        ),
        (Method::GET, format!("/api/v1/tenders/{id}/bids/mine"), None, &["bidder"]),
        (Method::GET, "/api/v1/bids/999/receipt".into(), None, &["bidder"]),
        (Method::GET, format!("/api/v1/tenders/{id}/intake"), None, &["member", "centre", "operator"]),
        (Method::GET, format!("/api/v1/tenders/{id}/opening/envelopes"), None, &["member"]),
        (Method::GET, format!("/api/v1/tenders/{id}/manifest"), None, everyone),
        (
            Method::GET,
            format!("/api/v1/tenders/{id}/manifest/proof?envelope={}", "00".repeat(32)),
            None,
            everyone,
        ),
        (Method::GET, format!("/api/v1/committees/{c}/statement"), None, everyone),
        (
            Method::POST,
            format!("/api/v1/committees/{c}/statement/signatures"),
            Some(json!({ "official": 0, "signature": "" })),
            &["member"],
        ),
        (Method::POST, format!("/api/v1/tenders/{id}/opening/shares"), None, &["member"]),
        (Method::POST, format!("/api/v1/tenders/{id}/opening/run"), None, &["member", "centre"]),
        (Method::GET, format!("/api/v1/tenders/{id}/opening"), None, &["member", "centre", "operator"]),
        (Method::GET, format!("/api/v1/tenders/{id}/results"), None, everyone),
    ];
    for (method, path, body, allowed) in &routes {
        let request = |cookie: Option<&str>| {
            let mut req = s.client.request(method.clone(), s.url(path));
            if let Some(b) = body {
                req = req.json(b);
            } else if *method == Method::POST {
                req = req.header("content-type", "application/octet-stream").body(vec![0u8; 4]);
            }
            let cookie = cookie.map(str::to_string);
            async move { send(s, req, cookie.as_deref()).await }
        };
        let (st, answer) = request(None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{method} {path} without a session: {answer}");
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
    // The opening routes refuse members until the opening time (409, not 403).
    let (st, body) = get(s, &format!("/api/v1/tenders/{id}/opening/envelopes"), &members[0].cookie).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    // No deadline manifest before the deadline.
    let (st, body) = get(s, &format!("/api/v1/tenders/{id}/manifest"), &members[0].cookie).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    server.stop().await;
}
