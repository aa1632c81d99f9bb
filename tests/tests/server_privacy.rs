//! Nothing about who bid leaks before the opening, on SQLite and on
//! PostgreSQL: two bidders bid (one replaces its bid, the other withdraws
//! its); a regulator and a CA operator read the audit trail and the
//! operator the signing statistics, inside the bidding window and again
//! after the deadline, and the raw JSON of every answer from the first bid
//! on holds neither bidder's credit code, certificate serial, name nor
//! organisation name, nor the stored hash of any bid event (which a reader
//! could test candidate bidders against). Earlier events naming the bidders
//! (their enrolment and logins) are not bid events; an `actor` filter on a
//! bidder's serial finds none of its bids. After the opening publishes the
//! results, the trail names the bidders again with the real hashes, and the
//! statistics count their bids per signer. The public transparency log
//! holds every bid event from the start, as a salted commitment only.

use std::time::Duration;

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::Uscc;
use sealbid_crypto::envelope::{BidAction, BidRequest, Envelope, TenderId};
use sealbid_tests::bidding::{
    Actor, ceremony, checked_opening, confirmed_key, enrol, get, post, post_bytes, published_tender, quote,
    seal, share_batch,
};
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

on_both_engines!(who_bid_stays_hidden_until_the_results_are_published);

/// Everything that names a bidder.
struct Identity {
    uscc: String,
    serial: String,
    name: String,
    org: String,
}

impl Identity {
    fn of(a: &Actor, name: &str, org: u32) -> Self {
        Self {
            uscc: a.uscc.clone(), serial: a.serial.clone(), name: name.into(), org: format!("单位{org}")
        }
    }

    fn traces(&self) -> [&str; 4] {
        [&self.uscc, &self.serial, &self.name, &self.org]
    }

    /// Which of its traces `text` holds.
    fn found_in<'a>(&'a self, text: &str) -> Vec<&'a str> {
        self.traces().into_iter().filter(|t| text.contains(t)).collect()
    }
}

/// `GET` with a cookie: status and the raw body text.
async fn raw(s: &TestServer, path: &str, cookie: &str) -> (StatusCode, String) {
    let resp = s.client.get(s.url(path)).header("cookie", cookie).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// Every page of `GET /api/v1/audit?{query}&after_seq=after`: the raw bodies and the events.
async fn audit_pages(s: &TestServer, cookie: &str, query: &str, after: i64) -> (Vec<String>, Vec<Value>) {
    let (mut bodies, mut events, mut after) = (Vec::new(), Vec::new(), after);
    loop {
        let (st, text) = raw(s, &format!("/api/v1/audit?limit=7&after_seq={after}{query}"), cookie).await;
        assert_eq!(st, StatusCode::OK, "{text}");
        let page: Value = serde_json::from_str(&text).unwrap();
        events.extend(page["events"].as_array().unwrap().iter().cloned());
        bodies.push(text);
        match page["next_after_seq"].as_i64() {
            Some(next) => after = next,
            None => return (bodies, events),
        }
    }
}

/// The newest event's sequence number.
async fn last_seq(s: &TestServer, cookie: &str) -> i64 {
    let (_, events) = audit_pages(s, cookie, "", 0).await;
    events.last().and_then(|e| e["seq"].as_i64()).unwrap()
}

/// The stored hashes of every bid event (what a redacted view must not show).
async fn stored_bid_hashes(s: &TestServer) -> Vec<String> {
    s.sql_strings("SELECT hash FROM audit_events WHERE action LIKE 'bid.%'").await
}

/// What the regulator and the operator see, from the event after `mark` on,
/// names none of the `bidders`; `bid_events` bid events of `tender` are
/// among it, redacted.
async fn assert_hidden(
    s: &TestServer,
    readers: &[(&str, &str)],
    mark: i64,
    bidders: &[&Identity],
    tender: &str,
    bid_events: usize,
) {
    let hashes = stored_bid_hashes(s).await;
    assert_eq!(hashes.len(), bid_events);
    let marker = format!("hidden until the results of {tender} are published");
    // The public transparency log holds the bid events as commitments only.
    let end = last_seq(s, readers[0].1).await;
    let mut start = mark;
    let mut logged_bids = 0;
    while start < end {
        let resp = s
            .client
            .get(s.url(&format!("/api/v1/log/entries?start={start}&end={end}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let body = resp.text().await.unwrap();
        for b in bidders {
            assert!(b.found_in(&body).is_empty(), "the public log shows {:?} in {body}", b.found_in(&body));
        }
        let page: Value = serde_json::from_str(&body).unwrap();
        for e in page["entries"].as_array().unwrap() {
            if e["action"].as_str().unwrap().starts_with("bid.") {
                logged_bids += 1;
                assert_eq!((&e["hidden"], &e["content"]), (&json!(marker), &Value::Null), "{e}");
            }
        }
        start = page["end"].as_i64().unwrap();
    }
    assert_eq!(logged_bids, bid_events, "every bid event is in the log");
    for (who, cookie) in readers {
        let (bodies, events) = audit_pages(s, cookie, "", mark).await;
        for body in &bodies {
            for b in bidders {
                assert!(b.found_in(body).is_empty(), "{who} sees {:?} in {body}", b.found_in(body));
            }
            for h in &hashes {
                assert!(!body.contains(h.as_str()), "{who} sees the hash of a bid event in {body}");
            }
        }
        let bids: Vec<&Value> =
            events.iter().filter(|e| e["action"].as_str().unwrap().starts_with("bid.")).collect();
        assert_eq!(bids.len(), bid_events, "{who}: {events:?}");
        for e in &bids {
            assert_eq!(
                (&e["actor"], &e["hash"], &e["hidden"]),
                (&json!(marker), &json!(marker), &json!(marker))
            );
            assert_eq!(e["subject"], tender, "the tender stays visible: {e}");
        }
        // The events before the mark that name a bidder are its enrolment and logins, never a bid.
        let (_, before) = audit_pages(s, cookie, "", 0).await;
        for e in &before {
            let text = e.to_string();
            if bidders.iter().any(|b| !b.found_in(&text).is_empty()) {
                let action = e["action"].as_str().unwrap();
                assert!(!action.starts_with("bid."), "{who}: a bid event names a bidder: {e}");
                assert!(
                    ["auth.", "application.", "certificate.", "organisation."]
                        .iter()
                        .any(|p| action.starts_with(p)),
                    "{who}: {e}"
                );
            }
        }
        // Filtering on a bidder's serial finds its logins, not its bids.
        for b in bidders {
            let (_, mine) = audit_pages(s, cookie, &format!("&actor={}", b.serial), 0).await;
            assert!(mine.iter().any(|e| e["action"] == "auth.login"), "{who}: {mine:?}");
            assert!(
                mine.iter().all(|e| !e["action"].as_str().unwrap().starts_with("bid.")),
                "{who}: {mine:?}"
            );
            let (_, mine) = audit_pages(s, cookie, &format!("&action=bid.&actor={}", b.serial), 0).await;
            assert!(mine.is_empty(), "{who}: the actor filter tells who bid: {mine:?}");
        }
    }
}

/// The operator's statistics (raw text and JSON) for `query`.
async fn stats(s: &TestServer, cookie: &str, query: &str) -> (String, Value) {
    let (st, text) = raw(s, &format!("/api/v1/stats/signing{query}"), cookie).await;
    assert_eq!(st, StatusCode::OK, "{text}");
    let v = serde_json::from_str(&text).unwrap();
    (text, v)
}

/// The statistics count `bids` bids of `tender` per tender only, naming no bidder, over any period.
async fn assert_stats_hidden(s: &TestServer, op: &str, bidders: &[&Identity], tender: &str, bids: i64) {
    let from = (OffsetDateTime::now_utc() - Duration::from_secs(3600)).format(&Rfc3339).unwrap();
    for query in [String::new(), format!("?from={}", from.replace('+', "%2B"))] {
        let (text, v) = stats(s, op, &query).await;
        for b in bidders {
            assert!(b.found_in(&text).is_empty(), "the statistics show {:?}: {text}", b.found_in(&text));
        }
        assert_eq!(v["sealed"], json!([{ "tender": tender, "count": bids }]), "{v}");
        let bid_total = v["by_system"].as_array().unwrap().iter().find(|b| b["key"] == "bid").unwrap();
        assert_eq!(bid_total["count"], bids, "{v}");
        assert!(v["rows"].as_array().unwrap().iter().all(|r| r["system"] != "bid"), "{v}");
        assert!(v["by_role"].as_array().unwrap().iter().all(|r| r["key"] != "bidder"), "{v}");
    }
}

/// A signed request about `target` by `who`.
fn request(tender: &str, target: &Envelope, who: &Actor, action: BidAction) -> String {
    let req = BidRequest::create(
        TenderId::parse(tender).unwrap(),
        Uscc::parse(&who.uscc).unwrap(),
        target.hash().unwrap(),
        action,
        OffsetDateTime::now_utc(),
        &who.key,
    )
    .unwrap();
    Base64::encode_string(&req.encode().unwrap())
}

async fn who_bid_stays_hidden_until_the_results_are_published(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let (reg_key, reg_pem) = s.issue_person("regulator", "监管 用户");
    let regulator = login(&s.client, &s.base, &reg_key, std::slice::from_ref(&reg_pem)).await.cookie.unwrap();
    let centre = enrol(&s, &op, "centre", "集采 中心", 1, "centre").await;
    let officials = vec![
        enrol(&s, &op, "official", "委员 甲", 10, "regulator").await,
        enrol(&s, &op, "official", "委员 乙", 11, "regulator").await,
    ];
    let a = enrol(&s, &op, "bidder", "投标 隐名甲", 300, "manufacturer").await;
    let b = enrol(&s, &op, "bidder", "投标 隐名乙", 301, "manufacturer").await;
    let (ida, idb) = (Identity::of(&a, "投标 隐名甲", 300), Identity::of(&b, "投标 隐名乙", 301));

    let serials: Vec<&str> = officials.iter().map(|o| o.serial.as_str()).collect();
    let form = json!({ "name": "开标委员会", "threshold": 1, "officials": serials });
    let (st, committee) = post(&s, "/api/v1/committees", form, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{committee}");
    let keys = ceremony(&s, committee["id"].as_i64().unwrap(), &officials).await;
    let (id, tender, deadline) = published_tender(
        &s,
        &centre,
        committee["id"].as_i64().unwrap(),
        "隐私测试采购",
        Duration::from_secs(20),
    )
    .await;
    let key = confirmed_key(&s, &tender, &a.cookie).await;
    let mark = last_seq(&s, &regulator).await;

    // A bids, then replaces its bid; B bids, then withdraws.
    let bids = format!("/api/v1/tenders/{id}/bids");
    let a1 = seal(&quote(&id, &a, &[(1, 900)], "A1"), &a, &key);
    let (st, body) = post_bytes(&s, &bids, a1.encode().unwrap(), &a.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let a2 = seal(&quote(&id, &a, &[(1, 880)], "A2"), &a, &key);
    let replacement = BidAction::Replace { replacement: a2.hash().unwrap() };
    let body = json!({ "request": request(&id, &a1, &a, replacement),
                       "envelope": Base64::encode_string(&a2.encode().unwrap()) });
    let (st, resp) = post(&s, &format!("{bids}/replace"), body, &a.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{resp}");
    let b1 = seal(&quote(&id, &b, &[(1, 950)], "B1"), &b, &key);
    let (st, body) = post_bytes(&s, &bids, b1.encode().unwrap(), &b.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let body = json!({ "request": request(&id, &b1, &b, BidAction::Withdraw) });
    let (st, resp) = post(&s, &format!("{bids}/withdraw"), body, &b.cookie).await;
    assert_eq!(st, StatusCode::OK, "{resp}");

    // Inside the bidding window: nothing names either bidder.
    let readers = [("regulator", regulator.as_str()), ("operator", op.as_str())];
    assert_hidden(&s, &readers, mark, &[&ida, &idb], &id, 4).await;
    assert_stats_hidden(&s, &op, &[&ida, &idb], &id, 3).await;
    let (st, body) = raw(&s, "/api/v1/stats/signing", &regulator).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");

    // After the deadline (the manifest frozen), before the opening: still nothing.
    let wait = deadline - OffsetDateTime::now_utc() + Duration::from_millis(1200);
    tokio::time::sleep(wait.try_into().unwrap_or_default()).await;
    let own_key = keys[0].0.public_key();
    let checked = checked_opening(&s, &id, &officials[0], &own_key).await.unwrap();
    assert_hidden(&s, &readers, mark, &[&ida, &idb], &id, 4).await;
    assert_stats_hidden(&s, &op, &[&ida, &idb], &id, 3).await;

    // The opening publishes the results.
    for (i, official) in officials.iter().enumerate() {
        let batch = share_batch(&checked, i, &keys[i].1, &official.key);
        let (st, body) =
            post_bytes(&s, &format!("/api/v1/tenders/{id}/opening/shares"), batch, &official.cookie).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    let (st, body) = post(&s, &format!("/api/v1/tenders/{id}/opening/run"), json!({}), &centre.cookie).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{body}");
    let mut published = false;
    for _ in 0..300 {
        let (_, progress) = get(&s, &format!("/api/v1/tenders/{id}/opening"), &centre.cookie).await;
        if progress["results_published"] == json!(true) {
            published = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(published, "the results of {id} were published");

    // Now the trail names the bidders, with the real hashes, and links up.
    let hashes = stored_bid_hashes(&s).await;
    for (who, cookie) in readers {
        let (_, events) = audit_pages(&s, cookie, "", mark).await;
        let bid_events: Vec<&Value> =
            events.iter().filter(|e| e["action"].as_str().unwrap().starts_with("bid.")).collect();
        let by = |action: &str, actor: &Actor| {
            bid_events.iter().any(|e| {
                e["action"] == action
                    && e["actor"] == actor.serial.as_str()
                    && e["details"].as_str().unwrap().contains(&actor.uscc)
            })
        };
        assert!(by("bid.received", &a) && by("bid.replaced", &a), "{who}: {bid_events:?}");
        assert!(by("bid.received", &b) && by("bid.withdrawn", &b), "{who}: {bid_events:?}");
        for e in &bid_events {
            assert!(e.get("hidden").is_none(), "{who}: {e}");
            assert!(hashes.contains(&e["hash"].as_str().unwrap().to_string()), "{who}: {e}");
        }
        for pair in events.windows(2) {
            assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "{who}");
        }
    }
    let (_, v) = stats(&s, &op, "").await;
    assert_eq!(v["sealed"], json!([]), "{v}");
    let count = |dim: &str, key: &str| {
        v[dim].as_array().unwrap().iter().find(|b| b["key"] == key).and_then(|b| b["count"].as_i64())
    };
    assert_eq!((count("by_person", &a.serial), count("by_organisation", &b.uscc)), (Some(2), Some(1)), "{v}");
    assert_eq!(count("by_system", "bid"), Some(3), "{v}");
    s.stop().await;
}
