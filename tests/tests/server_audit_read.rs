//! Reading the audit trail over HTTP: who may, and what the filters return.

use reqwest::StatusCode;
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::Value;

on_both_engines!(regulators_and_operators_read_and_filter_the_trail_others_may_not);

/// Logs in a new person with `role`; returns the session cookie and the certificate serial.
async fn logged_in(s: &TestServer, role: &str) -> (String, String) {
    let (key, pem) = s.issue_person(role, &format!("{role} person"));
    let out = login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    (out.cookie.expect("a session cookie"), out.body["serial"].as_str().unwrap().to_string())
}

async fn get(s: &TestServer, query: &str, cookie: Option<&str>) -> (StatusCode, Value) {
    let mut req = s.client.get(s.url(&format!("/api/v1/audit{query}")));
    if let Some(c) = cookie {
        req = req.header(reqwest::header::COOKIE, c);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn actions(page: &Value) -> Vec<String> {
    page["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

async fn regulators_and_operators_read_and_filter_the_trail_others_may_not(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (regulator, regulator_serial) = logged_in(&s, "regulator").await;
    let (operator, _) = logged_in(&s, "operator").await;
    let (bidder, _) = logged_in(&s, "bidder").await;

    // Who may read.
    let (st, body) = get(&s, "", None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{body}");
    for who in [&bidder] {
        let (st, body) = get(&s, "", Some(who)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "forbidden");
    }
    for who in [&regulator, &operator] {
        let (st, body) = get(&s, "", Some(who)).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let acts = actions(&body);
        assert_eq!(acts.first().map(String::as_str), Some("server.start"), "{acts:?}");
        assert_eq!(acts.iter().filter(|a| *a == "auth.login").count(), 3, "{acts:?}");
        // The chain links across what was fetched.
        let events = body["events"].as_array().unwrap();
        for pair in events.windows(2) {
            assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
            assert_eq!(pair[1]["seq"].as_i64().unwrap(), pair[0]["seq"].as_i64().unwrap() + 1);
        }
    }

    // Filters: action prefix, actor, paging.
    let (_, page) = get(&s, "?action=auth.", Some(&regulator)).await;
    let acts = actions(&page);
    assert!(!acts.is_empty() && acts.iter().all(|a| a.starts_with("auth.")), "{acts:?}");
    let (_, page) = get(&s, &format!("?actor={regulator_serial}"), Some(&operator)).await;
    let events = page["events"].as_array().unwrap();
    assert!(!events.is_empty() && events.iter().all(|e| e["actor"] == regulator_serial.as_str()), "{page}");
    let (_, first) = get(&s, "?limit=2", Some(&regulator)).await;
    assert_eq!(first["events"].as_array().unwrap().len(), 2);
    let next = first["next_after_seq"].as_i64().expect("more pages");
    let (_, second) = get(&s, &format!("?limit=2&after_seq={next}"), Some(&regulator)).await;
    assert_eq!(second["events"][0]["seq"].as_i64().unwrap(), next + 1);
    let (_, future) = get(&s, "?from=2999-01-01T00:00:00Z", Some(&regulator)).await;
    assert_eq!(future["events"].as_array().unwrap().len(), 0);
    assert!(future["next_after_seq"].is_null());

    // Malformed parameters are named.
    for (q, word) in [
        ("?limit=0", "limit"),
        ("?action=auth%25", "action"),
        ("?from=yesterday", "from"),
        ("?colour=red", "colour"),
    ] {
        let (st, body) = get(&s, q, Some(&regulator)).await;
        assert!(st.is_client_error(), "{q}: {st} {body}");
        assert!(body["message"].as_str().unwrap_or("").contains(word), "{q}: {body}");
    }
    s.stop().await;
}
