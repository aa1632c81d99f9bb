//! The sealed-bid round over HTTP against the real server, on SQLite and on
//! PostgreSQL: people enrolled through applications; a committee of five
//! officials (t = 2) runs its key ceremony through the server's relay; a
//! tender is published, amended (invalidating an early bid) and bid on by
//! four manufacturers — with a replacement, a withdrawal, a tampered
//! envelope, a repeated envelope and a late bid refused; no plaintext
//! reaches the database before the opening; shares before the opening time
//! are refused; two officials cannot open; an official sending corrupted
//! shares is named and the opening completes with the others' shares; the
//! signed results rank the quotes correctly and each bidder sees only the
//! winners and its own quotes. Separately, a ceremony whose acks all arrive
//! at once still concludes.

use std::time::Duration;

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::committee::{CeremonyId, KeyGen, Part, PartOutcome, SecretKeyShare};
use sealbid_crypto::envelope::{BidAction, BidRequest, Envelope, Receipt, TenderId};
use sealbid_crypto::pki::Certificate;
use sealbid_crypto::{PublicKey, Purpose, Signature, SignedMessage, Uscc};
use sealbid_tests::bidding::{
    Actor, ceremony, checked_opening, confirmed_key, enrol, get, post, post_bytes, quote, seal, share_batch,
};
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

on_both_engines!(full_sealed_bid_round, the_ceremony_concludes_when_its_last_messages_arrive_together);

/// Whether `needle` appears anywhere in the server's stored data.
async fn database_contains(s: &TestServer, needle: &[u8]) -> bool {
    match s.pg() {
        None => ["sealbid.db", "sealbid.db-wal"].iter().any(|f| {
            std::fs::read(s.data_dir().join(f))
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        }),
        Some(_) => {
            let hex_needle = hex::encode(needle);
            let dumps = s
                .sql_strings(
                    "SELECT encode(envelope, 'hex') FROM bids UNION ALL SELECT encode(request, 'hex') FROM bid_requests \
                     UNION ALL SELECT encode(convert_to(details, 'UTF8'), 'hex') FROM audit_events",
                )
                .await;
            dumps.iter().any(|d| d.contains(&hex_needle))
        }
    }
}

fn verify_platform(platform: &Certificate, purpose: Purpose, document: &str, signature_b64: &str) {
    let sig = Signature::from_der(&Base64::decode_vec(signature_b64).unwrap()).unwrap();
    SignedMessage::new(purpose, document.as_bytes()).verify(&platform.public_key().unwrap(), &sig).unwrap();
}

async fn full_sealed_bid_round(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let centre = enrol(&s, &op, "centre", "集采 中心", 1, "centre").await;
    let mut officials = Vec::new();
    for i in 0..5 {
        officials.push(enrol(&s, &op, "official", &format!("开标 委员{i}"), 10 + i, "regulator").await);
    }
    let bidders: Vec<Actor> = {
        let mut v = Vec::new();
        for i in 0..4 {
            v.push(enrol(&s, &op, "bidder", &format!("投标 人{i}"), 100 + i, "manufacturer").await);
        }
        v
    };
    let (a, b, c, d) = (&bidders[0], &bidders[1], &bidders[2], &bidders[3]);
    let platform = {
        let pem = s.client.get(s.url("/pki/platform")).send().await.unwrap().text().await.unwrap();
        Certificate::from_pem(&pem).unwrap()
    };
    let tsa = {
        let pem = s.client.get(s.url("/pki/tsa")).send().await.unwrap().text().await.unwrap();
        Certificate::from_pem(&pem).unwrap()
    };

    // The committee: input checks, then the ceremony.
    let serials: Vec<&str> = officials.iter().map(|o| o.serial.as_str()).collect();
    let bad = json!({ "name": "开标委员会", "threshold": 5, "officials": serials });
    let (st, body) = post(&s, "/api/v1/committees", bad, &centre.cookie).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("0 < t < n"), "{body}");
    let not_official = json!({ "name": "x", "threshold": 1, "officials": [serials[0], a.serial] });
    let (st, body) = post(&s, "/api/v1/committees", not_official, &centre.cookie).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let form = json!({ "name": "开标委员会", "threshold": 2, "officials": serials });
    assert_eq!(post(&s, "/api/v1/committees", form.clone(), &a.cookie).await.0, StatusCode::FORBIDDEN);
    let (st, committee) = post(&s, "/api/v1/committees", form, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{committee}");
    let committee_id = committee["id"].as_i64().unwrap();
    assert_eq!(
        get(&s, &format!("/api/v1/committees/{committee_id}/ceremony"), &a.cookie).await.0,
        StatusCode::FORBIDDEN
    );
    let keys = ceremony(&s, committee_id, &officials).await;

    // The tender: created, published (signed, stamped), amended.
    let now = OffsetDateTime::now_utc();
    let deadline = now + Duration::from_secs(25);
    let t = |x: OffsetDateTime| x.format(&Rfc3339).unwrap();
    let items = json!([
        { "generic_name": "阿莫西林胶囊", "dosage_form": "胶囊剂", "specification": "0.25g*24粒", "unit": "盒",
          "quantity": 1000, "ceiling_fen": 1000 },
        { "generic_name": "头孢克肟片", "dosage_form": "片剂", "specification": "0.1g*6片", "unit": "盒",
          "quantity": 500, "ceiling_fen": 500 },
    ]);
    let new_tender = json!({ "title": "2026 年第一批药品集中采购", "announcement": "公告正文", "items": items,
        "opens_at": t(now - Duration::from_secs(60)), "deadline": t(deadline), "opening_at": t(deadline),
        "committee": committee_id });
    let (st, tender) = post(&s, "/api/v1/tenders", new_tender, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{tender}");
    let id = tender["id"].as_str().unwrap().to_string();
    assert_eq!(
        get(&s, &format!("/api/v1/tenders/{id}"), &a.cookie).await.0,
        StatusCode::NOT_FOUND,
        "drafts are hidden"
    );
    let (st, tender) = post(&s, &format!("/api/v1/tenders/{id}/publish"), json!({}), &centre.cookie).await;
    assert_eq!(st, StatusCode::OK, "{tender}");
    let v1 = &tender["versions"][0];
    verify_platform(
        &platform,
        Purpose::Tender,
        v1["document"].as_str().unwrap(),
        v1["signature"].as_str().unwrap(),
    );
    let key_hex = confirmed_key(&s, &tender, &a.cookie).await;

    let bids = format!("/api/v1/tenders/{id}/bids");
    let early = seal(&quote(&id, a, &[(1, 950), (2, 490)], "早期报价"), a, &key_hex);
    let (st, body) = post_bytes(&s, &bids, early.encode().unwrap(), &a.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let amend = json!({ "note": "更正第二项规格说明", "announcement": "公告正文（更正）" });
    let (st, amended) = post(&s, &format!("/api/v1/tenders/{id}/amend"), amend, &centre.cookie).await;
    assert_eq!(st, StatusCode::OK, "{amended}");
    assert_eq!((amended["version"].as_i64(), amended["invalidated_bids"].as_i64()), (Some(2), Some(1)));
    let (_, mine) = get(&s, &format!("{bids}/mine"), &a.cookie).await;
    assert_eq!(mine["bids"][0]["status"], "invalidated", "{mine}");

    // Bids.
    let marker = "绝密报价标记-A-九块钱";
    let env_a = seal(&quote(&id, a, &[(1, 900), (2, 480)], marker), a, &key_hex);
    let mut tampered = env_a.encode().unwrap();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 1;
    let (st, body) = post_bytes(&s, &bids, tampered, &a.cookie).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let (st, body) = post_bytes(&s, &bids, env_a.encode().unwrap(), &b.cookie).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "another bidder's envelope: {body}");
    let (st, receipt_a) = post_bytes(&s, &bids, env_a.encode().unwrap(), &a.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{receipt_a}");
    let receipt =
        Receipt::parse(&Base64::decode_vec(receipt_a["receipt"].as_str().unwrap()).unwrap()).unwrap();
    receipt.verify(&platform, &tsa, &env_a.hash().unwrap()).unwrap();
    assert!(receipt.verify(&platform, &tsa, &[0; 32]).is_err(), "a receipt names its envelope");
    let (st, body) = post_bytes(&s, &bids, env_a.encode().unwrap(), &a.cookie).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");

    let env_b = seal(&quote(&id, b, &[(1, 850), (2, 520)], "B"), b, &key_hex);
    assert_eq!(post_bytes(&s, &bids, env_b.encode().unwrap(), &b.cookie).await.0, StatusCode::CREATED);
    let env_c1 = seal(&quote(&id, c, &[(1, 1200), (2, 450)], "C1"), c, &key_hex);
    assert_eq!(post_bytes(&s, &bids, env_c1.encode().unwrap(), &c.cookie).await.0, StatusCode::CREATED);
    let env_c2 = seal(&quote(&id, c, &[(1, 870), (2, 450)], "C2"), c, &key_hex);
    let tender_id = TenderId::parse(&id).unwrap();
    let replace = |target: &Envelope, who: &Actor, action: BidAction| {
        BidRequest::create(
            tender_id.clone(),
            Uscc::parse(&who.uscc).unwrap(),
            target.hash().unwrap(),
            action,
            OffsetDateTime::now_utc(),
            &who.key,
        )
        .unwrap()
        .encode()
        .unwrap()
    };
    let replacement = BidAction::Replace { replacement: env_c2.hash().unwrap() };
    let body = json!({ "request": Base64::encode_string(&replace(&env_c1, c, replacement)),
                       "envelope": Base64::encode_string(&env_c2.encode().unwrap()) });
    let (st, resp) = post(&s, &format!("{bids}/replace"), body, &c.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{resp}");
    let env_d = seal(&quote(&id, d, &[(1, 100), (2, 100)], "D"), d, &key_hex);
    assert_eq!(post_bytes(&s, &bids, env_d.encode().unwrap(), &d.cookie).await.0, StatusCode::CREATED);
    let wrong = BidAction::Replace { replacement: [7; 32] };
    let wrong = json!({ "request": Base64::encode_string(&replace(&env_d, d, wrong)) });
    assert_eq!(post(&s, &format!("{bids}/withdraw"), wrong, &d.cookie).await.0, StatusCode::BAD_REQUEST);
    let body = json!({ "request": Base64::encode_string(&replace(&env_d, d, BidAction::Withdraw)) });
    let (st, resp) = post(&s, &format!("{bids}/withdraw"), body, &d.cookie).await;
    assert_eq!(st, StatusCode::OK, "{resp}");
    let (_, mine) = get(&s, &format!("{bids}/mine"), &c.cookie).await;
    let statuses: Vec<&str> =
        mine["bids"].as_array().unwrap().iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["replaced", "active"], "{mine}");
    let (st, counts) = get(&s, &format!("/api/v1/tenders/{id}/intake"), &centre.cookie).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(counts["counts"], json!({ "active": 3, "invalidated": 1, "replaced": 1, "withdrawn": 1 }));
    assert_eq!(get(&s, &format!("/api/v1/tenders/{id}/intake"), &a.cookie).await.0, StatusCode::FORBIDDEN);

    assert!(
        !database_contains(&s, marker.as_bytes()).await,
        "plaintext reached the database before the opening"
    );

    // Before the opening time: no ciphertexts, no shares.
    let cts = format!("/api/v1/tenders/{id}/opening/envelopes");
    let (st, body) = get(&s, &cts, &officials[0].cookie).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("opens at"), "{body}");

    // After the deadline: late bids and withdrawals are refused.
    let wait = deadline - OffsetDateTime::now_utc() + Duration::from_millis(1200);
    tokio::time::sleep(wait.try_into().unwrap_or_default()).await;
    let late = seal(&quote(&id, d, &[(1, 99)], "late"), d, &key_hex);
    let (st, body) = post_bytes(&s, &bids, late.encode().unwrap(), &d.cookie).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("deadline"), "{body}");

    // The opening.
    assert_eq!(get(&s, &cts, &a.cookie).await.0, StatusCode::FORBIDDEN);
    let (st, list) = get(&s, &cts, &officials[0].cookie).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let own_key = keys[0].0.public_key();
    let checked = checked_opening(&s, &id, &officials[0], &own_key).await.unwrap();
    assert!(checked.refused().is_empty(), "{:?}", checked.refused());
    let mut opened: Vec<_> = checked.accepted().iter().map(|(h, _)| *h).collect();
    let mut expected: Vec<_> = [&env_a, &env_b, &env_c2].iter().map(|e| e.hash().unwrap()).collect();
    opened.sort();
    expected.sort();
    assert_eq!(opened, expected, "exactly the active envelopes are shared");
    let shares_of = |i: usize, share: &SecretKeyShare| share_batch(&checked, i, share, &officials[i].key);
    let upload = format!("/api/v1/tenders/{id}/opening/shares");
    let run = format!("/api/v1/tenders/{id}/opening/run");
    let (st, body) = post_bytes(&s, &upload, shares_of(1, &keys[1].1), &officials[0].cookie).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "official 1's shares posted by official 0: {body}");
    assert!(body["message"].as_str().unwrap().contains("under your certificate"), "{body}");
    for i in [0, 2] {
        let (st, body) = post_bytes(&s, &upload, shares_of(i, &keys[i].1), &officials[i].cookie).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    let (st, body) = post(&s, &run, json!({}), &centre.cookie).await;
    assert_eq!(st, StatusCode::CONFLICT, "two officials cannot open: {body}");
    // Official 1 signs shares made with a wrong key share (official 0's).
    let (st, body) = post_bytes(&s, &upload, shares_of(1, &keys[0].1), &officials[1].cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (st, body) = post_bytes(&s, &upload, shares_of(3, &keys[3].1), &officials[3].cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (st, body) = post(&s, &run, json!({}), &officials[4].cookie).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{body}");
    let progress_path = format!("/api/v1/tenders/{id}/opening");
    let mut progress = Value::Null;
    for _ in 0..200 {
        progress = get(&s, &progress_path, &centre.cookie).await.1;
        if progress["results_published"] == json!(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(progress["results_published"], json!(true), "{progress}");
    assert_eq!((progress["opened"].as_i64(), progress["valid"].as_i64()), (Some(3), Some(3)), "{progress}");
    let named: Vec<i64> = progress["bad_officials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["official"].as_i64().unwrap())
        .collect();
    assert_eq!(named, [1], "the official with corrupted shares is named: {progress}");

    // Results: signed, ranked; each bidder sees only winners and its own.
    let (st, results) = get(&s, &format!("/api/v1/tenders/{id}/results"), &centre.cookie).await;
    assert_eq!(st, StatusCode::OK, "{results}");
    let doc = results["document"].as_str().unwrap();
    verify_platform(&platform, Purpose::Results, doc, results["signature"].as_str().unwrap());
    let doc: Value = serde_json::from_str(doc).unwrap();
    let ranking = |item: usize| -> Vec<(String, u64)> {
        doc["evaluation"]["items"][item]["ranking"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["bidder"].as_str().unwrap().to_string(), r["price_fen"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(ranking(0), [(b.uscc.clone(), 850), (c.uscc.clone(), 870), (a.uscc.clone(), 900)]);
    assert_eq!(ranking(1), [(c.uscc.clone(), 450), (a.uscc.clone(), 480)]);
    assert_eq!(
        doc["evaluation"]["items"][1]["rejected"][0]["bidder"],
        json!(b.uscc),
        "B is over the ceiling"
    );
    let (st, view) = get(&s, &format!("/api/v1/tenders/{id}/results"), &a.cookie).await;
    assert_eq!(st, StatusCode::OK, "{view}");
    assert!(view.get("document").is_none(), "a bidder does not get the full document");
    assert_eq!(view["items"][0]["winner"]["bidder"], json!(b.uscc));
    assert_eq!(view["items"][0]["mine"][0]["rank"], json!(3));
    // The items only: the results' log bundle holds random hex digests, which may contain "870".
    let text = view["items"].to_string();
    assert!(!text.contains(&c.uscc) || view["items"][1]["winner"]["bidder"] == json!(c.uscc));
    assert!(!text.contains("870"), "A must not see C's losing price: {view}");

    let actions = s.sql_strings("SELECT action FROM audit_events ORDER BY seq").await;
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(
        (count("bid.received"), count("bid.replaced"), count("bid.withdrawn"), count("opening.shares")),
        (5, 1, 1, 4)
    );
    assert_eq!((count("opening.bad_shares"), count("results.published")), (1, 1));
    let out = s.sealbid(&["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    s.stop().await;
}

/// Every official posts its part; then all nine acks are posted at the same
/// moment. Each post is checked against the relay as it stood before it, so
/// the server must look again after storing one to see that the ceremony is
/// complete: the committee must end up ready with its key, not stuck in the
/// ceremony with every message in.
async fn the_ceremony_concludes_when_its_last_messages_arrive_together(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let centre = enrol(&s, &op, "centre", "集采 中心", 1, "centre").await;
    let mut officials = Vec::new();
    for i in 0..3 {
        officials.push(enrol(&s, &op, "official", &format!("开标 委员{i}"), 10 + i, "regulator").await);
    }
    let serials: Vec<&str> = officials.iter().map(|o| o.serial.as_str()).collect();
    let form = json!({ "name": "并发委员会", "threshold": 1, "officials": serials });
    let (st, committee) = post(&s, "/api/v1/committees", form, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{committee}");
    let id = committee["id"].as_i64().unwrap();
    let path = format!("/api/v1/committees/{id}/ceremony");
    let (_, file) = get(&s, &path, &officials[0].cookie).await;
    let keys: Vec<PublicKey> = file["officials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| PublicKey::from_sec1(&hex::decode(k.as_str().unwrap()).unwrap()).unwrap())
        .collect();
    let ceremony = CeremonyId { committee: file["committee"].as_str().unwrap().into(), attempt: 1 };
    let mut gens: Vec<KeyGen> = officials
        .iter()
        .enumerate()
        .map(|(i, o)| KeyGen::new(ceremony.clone(), i, o.key.clone(), keys.clone(), 1).unwrap())
        .collect();
    let message = |kind: &str, data: &[u8]| json!({ "kind": kind, "data": Base64::encode_string(data) });
    for (i, g) in gens.iter_mut().enumerate() {
        let part = g.make_part().unwrap().to_bytes().to_vec();
        let (st, body) =
            post(&s, &format!("{path}/messages"), message("part", &part), &officials[i].cookie).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    let (_, file) = get(&s, &path, &officials[0].cookie).await;
    let mut acks = Vec::new();
    for (i, g) in gens.iter_mut().enumerate() {
        for m in file["messages"].as_array().unwrap() {
            let part = Part::from_bytes(&Base64::decode_vec(m["data"].as_str().unwrap()).unwrap()).unwrap();
            match g.handle_part(m["sender"].as_u64().unwrap() as usize, &part).unwrap() {
                PartOutcome::Valid(ack) => acks.push((i, ack.to_bytes().to_vec())),
                PartOutcome::Invalid(c) => panic!("an honest part drew a complaint: {c:?}"),
            }
        }
    }
    assert_eq!(acks.len(), 9);
    let mut posts = tokio::task::JoinSet::new();
    for (i, ack) in acks {
        let request = s
            .client
            .post(s.url(&format!("{path}/messages")))
            .header("origin", &s.base)
            .header("cookie", &officials[i].cookie)
            .json(&message("ack", &ack));
        posts.spawn(async move { request.send().await.map(|r| r.status()) });
    }
    while let Some(answer) = posts.join_next().await {
        assert_eq!(answer.unwrap().unwrap(), StatusCode::CREATED);
    }
    let (_, view) = get(&s, &format!("/api/v1/committees/{id}"), &centre.cookie).await;
    assert_eq!(view["status"], "ready", "every message is in, so the ceremony must have concluded: {view}");
    let key = view["public_key"].as_str().unwrap_or_default();
    assert!(key.len() == 96 && key.bytes().all(|b| b.is_ascii_hexdigit()), "the committee key: {view}");
    s.stop().await;
}
