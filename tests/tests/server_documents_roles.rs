//! Every seal, contract and verification route × every role, against the
//! real server on SQLite and PostgreSQL: each answers 401 without a session
//! (except the public verification), 403 `forbidden` to the roles that may
//! not call it, and something other than 401/403 to the roles that may (a
//! 400, 404 or 409 for the deliberately incomplete requests is fine: the
//! role check passed).

use reqwest::{Method, StatusCode};
use sealbid_tests::bidding::send;
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::{Value, json};

on_both_engines!(every_document_route_for_every_role);

const CALLERS: [&str; 6] = ["bidder", "official", "hospital", "regulator", "centre", "operator"];

async fn every_document_route_for_every_role(engine: Engine) {
    let server = TestServer::start(engine).await;
    let s = &server;
    let mut cookies: Vec<(&str, String)> = Vec::new();
    for role in CALLERS {
        let (key, pem) = s.issue_person(role, &format!("{role} 用户"));
        cookies
            .push((role, login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await.cookie.unwrap()));
    }
    let everyone: &[&str] = &CALLERS;
    let holders: &[&str] = &["bidder", "hospital", "regulator", "centre"];
    let readers: &[&str] = &["bidder", "hospital", "regulator", "centre"];
    let signers: &[&str] = &["bidder", "hospital", "regulator"];
    let op: &[&str] = &["operator"];
    let reason = || Some(json!({ "reason": "x" }));
    let routes: Vec<(Method, &str, Option<Value>, &[&str])> = vec![
        (Method::POST, "/api/v1/seals", Some(json!({})), holders),
        (Method::GET, "/api/v1/seals", None, everyone),
        (Method::GET, "/api/v1/seals/999", None, everyone),
        (Method::GET, "/api/v1/seals/999/picture", None, everyone),
        (Method::GET, "/api/v1/seals/999/der", None, everyone),
        (Method::POST, "/api/v1/seals/999/approve", None, op),
        (Method::POST, "/api/v1/seals/999/reject", reason(), op),
        (Method::POST, "/api/v1/seals/999/suspend", reason(), op),
        (Method::POST, "/api/v1/seals/999/reinstate", None, op),
        (Method::POST, "/api/v1/seals/999/revoke", reason(), op),
        (
            Method::POST,
            "/api/v1/tenders/T2026-0999/contracts",
            Some(json!({ "buyer_uscc": "" })),
            &["centre"],
        ),
        (Method::GET, "/api/v1/contracts", None, readers),
        (Method::GET, "/api/v1/contracts/999", None, readers),
        (Method::GET, "/api/v1/contracts/999/pdf", None, readers),
        (Method::POST, "/api/v1/contracts/999/refuse", reason(), signers),
        (Method::POST, "/api/v1/contracts/999/void", None, signers),
        (Method::POST, "/api/v1/contracts/999/sign/prepare", Some(json!({ "seal_id": 1 })), signers),
        (
            Method::POST,
            "/api/v1/contracts/999/sign/finish",
            Some(json!({ "session_id": "x", "signature": "" })),
            signers,
        ),
        (Method::POST, "/api/v1/contracts/batch/prepare", Some(json!({ "items": [] })), signers),
        (Method::POST, "/api/v1/contracts/batch/finish", Some(json!({ "items": [] })), signers),
    ];
    for (method, path, body, allowed) in &routes {
        let request = |cookie: Option<&str>| {
            let mut req = s.client.request(method.clone(), s.url(path));
            if let Some(b) = body {
                req = req.json(b);
            } else if *method == Method::POST {
                req = req.header("content-type", "application/json").body("{}");
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
    // The verification is public: no session needed, any role may use it.
    let req = s.client.post(s.url("/api/v1/verify")).body("%PDF-1.7 broken");
    let (st, body) = send(s, req, None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    for (_, cookie) in &cookies {
        let req = s.client.post(s.url("/api/v1/verify")).body("plain text");
        let (st, body) = send(s, req, Some(cookie)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["message"].as_str().unwrap().contains("not a PDF"), "{body}");
    }
    server.stop().await;
}
