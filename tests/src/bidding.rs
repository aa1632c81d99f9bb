//! Sealed-bidding helpers for the integration tests: people enrolled
//! through the real application flow, HTTP helpers, and the officials' side
//! of the key ceremony driven through the server's relay.

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::PrivateKey;
use sealbid_crypto::PublicKey;
use sealbid_crypto::Uscc;
use sealbid_crypto::committee::replay::{CeremonyFile, ceremony_of};
use sealbid_crypto::committee::statement::{SignatureEntry, fingerprint_code};
use sealbid_crypto::committee::{
    Ack, AckOutcome, CeremonyId, ConfirmedKey, KeyGen, KeyStatement, Part, PartOutcome, PublicKeySet,
    SecretKeyShare, StatementFile,
};
use sealbid_crypto::envelope::{Attachment, BidDocument, BidItem, Envelope, PriceFen, TenderId, seal_bid};
use sealbid_crypto::opening::{CheckedOpening, OfficialView, OpeningFile, ShareBatch, check_opening};
use sealbid_crypto::pki::{Certificate, Csr, SubjectInfo};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::{TestServer, login};

/// Someone enrolled on the platform, logged in.
pub struct Actor {
    /// The private key.
    pub key: PrivateKey,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The session cookie.
    pub cookie: String,
    /// The certificate serial.
    pub serial: String,
    /// The organisation's credit code.
    pub uscc: String,
}

/// A valid credit code numbered `n`.
pub fn uscc(n: u32) -> String {
    let first17 = format!("9135010000000{n:04}");
    let check = sealbid_crypto::uscc::check_character(first17.as_bytes().try_into().unwrap()).unwrap();
    format!("{first17}{check}")
}

/// Sends from the server's origin with an optional cookie: status and JSON (or text) body.
pub async fn send(s: &TestServer, req: reqwest::RequestBuilder, cookie: Option<&str>) -> (StatusCode, Value) {
    let req = match cookie {
        Some(c) => req.header("cookie", c),
        None => req,
    };
    let resp = req.header("origin", &s.base).send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// `GET` with a cookie.
pub async fn get(s: &TestServer, path: &str, cookie: &str) -> (StatusCode, Value) {
    send(s, s.client.get(s.url(path)), Some(cookie)).await
}

/// `POST` JSON with a cookie.
pub async fn post(s: &TestServer, path: &str, body: Value, cookie: &str) -> (StatusCode, Value) {
    send(s, s.client.post(s.url(path)).json(&body), Some(cookie)).await
}

/// `POST` bytes (`application/octet-stream`) with a cookie.
pub async fn post_bytes(s: &TestServer, path: &str, body: Vec<u8>, cookie: &str) -> (StatusCode, Value) {
    let req = s.client.post(s.url(path)).header("content-type", "application/octet-stream").body(body);
    send(s, req, Some(cookie)).await
}

/// Applies, has the operator approve, fetches the certificate and logs in.
pub async fn enrol(s: &TestServer, op: &str, role: &str, name: &str, org: u32, kind: &str) -> Actor {
    let key = PrivateKey::generate().unwrap();
    let code = uscc(org);
    let csr = Csr::create(&key, &SubjectInfo::new(name)).unwrap().to_pem().unwrap();
    let form = json!({
        "org_name": format!("单位{org}"), "uscc": code, "kind": kind,
        "drug_account": true, "consumables_account": true,
        "address": "福州市鼓楼区五四路 1 号", "phone": "0591-12345678", "operation": "new",
        "agent_name": name, "agent_id_number": format!("3501021980010{org:04}X"), "agent_phone": "13800000000",
        "role": role, "csr_pem": csr,
    });
    let (st, body) = send(s, s.client.post(s.url("/api/v1/applications")).json(&form), None).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (id, token) = (body["id"].as_i64().unwrap(), body["token"].as_str().unwrap().to_string());
    let approve = format!("/api/v1/applications/{id}/approve");
    let (mut st, mut body) = post(s, &approve, json!({}), op).await;
    if st == StatusCode::ACCEPTED {
        // A privileged role: a second operator approves too.
        assert_eq!(body["status"], "awaiting_second_approval", "{body}");
        (st, body) = post(s, &approve, json!({}), s.second_operator().await).await;
    }
    assert_eq!(st, StatusCode::OK, "{body}");
    let serial = body["issued_serial"].as_str().unwrap().to_string();
    let (st, pem) =
        send(s, s.client.get(s.url(&format!("/api/v1/applications/{id}/certificate?token={token}"))), None)
            .await;
    assert_eq!(st, StatusCode::OK);
    let cert_pem = pem.as_str().unwrap().to_string();
    let out = login(&s.client, &s.base, &key, std::slice::from_ref(&cert_pem)).await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.body);
    Actor { key, cert_pem, cookie: out.cookie.unwrap(), serial, uscc: code }
}

/// Every official's side of the ceremony, driven through the relay, and
/// every official's signature on the committee key statement.
pub async fn ceremony(
    s: &TestServer,
    committee: i64,
    officials: &[Actor],
) -> Vec<(PublicKeySet, SecretKeyShare)> {
    let results = ceremony_unsigned(s, committee, officials).await;
    for (i, (key_set, _)) in results.iter().enumerate() {
        let (st, body) = sign_statement(s, committee, officials, i, key_set).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    let file = statement(s, committee, &officials[0].cookie).await;
    file.confirm().expect("every official signed the statement");
    results
}

/// Official `i` signs the committee key statement as an honest official's
/// client does: the statement is rebuilt from the official's own ceremony
/// (roster as the relay gave it, key set from its own replay), every other
/// member's fingerprint code confirmed (here: all of them, as read aloud).
pub async fn sign_statement(
    s: &TestServer,
    committee: i64,
    officials: &[Actor],
    i: usize,
    own_key_set: &PublicKeySet,
) -> (StatusCode, Value) {
    let (st, file) = get(s, &format!("/api/v1/committees/{committee}/ceremony"), &officials[i].cookie).await;
    assert_eq!(st, StatusCode::OK, "{file}");
    let file: CeremonyFile = serde_json::from_value(file).unwrap();
    let ceremony = ceremony_of(&file).unwrap();
    let codes: Vec<String> = ceremony.officials().iter().map(fingerprint_code).collect();
    let statement = KeyStatement::new(&ceremony, own_key_set).unwrap();
    let sig = statement.sign_checked(&officials[i].key, &codes, own_key_set).unwrap();
    let body = serde_json::to_value(SignatureEntry::of(&sig)).unwrap();
    post(s, &format!("/api/v1/committees/{committee}/statement/signatures"), body, &officials[i].cookie).await
}

/// The committee key statement as the server serves it.
pub async fn statement(s: &TestServer, committee: i64, cookie: &str) -> StatementFile {
    let (st, body) = get(s, &format!("/api/v1/committees/{committee}/statement"), cookie).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

/// The key a bidder's client seals to for `tender` (the tender JSON): the
/// committee's statement, confirmed, and the key the tender names.
pub async fn confirmed_key(s: &TestServer, tender: &Value, cookie: &str) -> ConfirmedKey {
    let committee = tender["committee"].as_i64().unwrap();
    statement(s, committee, cookie)
        .await
        .confirm_for_tender(tender["committee_public_key"].as_str().unwrap())
        .expect("every official signed the tender's key")
}

/// A PEM certificate the server publishes (`/pki/platform`, `/pki/tsa`).
pub async fn published_cert(s: &TestServer, path: &str) -> Certificate {
    let pem = s.client.get(s.url(path)).send().await.unwrap().text().await.unwrap();
    Certificate::from_pem(&pem).unwrap()
}

/// What an official's client serves itself for an opening: the server's
/// opening file, checked with the official's clock and own committee key.
pub async fn checked_opening(
    s: &TestServer,
    tender: &str,
    official: &Actor,
    own_key: &threshold_crypto::PublicKey,
) -> sealbid_crypto::Result<CheckedOpening> {
    let (st, body) = get(s, &format!("/api/v1/tenders/{tender}/opening/envelopes"), &official.cookie).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let file: OpeningFile = serde_json::from_value(body).unwrap();
    checked_file(s, tender, &file, own_key).await
}

/// [`checked_opening`] of a given file (one a hostile test rewrote).
pub async fn checked_file(
    s: &TestServer,
    tender: &str,
    file: &OpeningFile,
    own_key: &threshold_crypto::PublicKey,
) -> sealbid_crypto::Result<CheckedOpening> {
    let platform = published_cert(s, "/pki/platform").await;
    let tsa = published_cert(s, "/pki/tsa").await;
    let tender = TenderId::parse(tender).unwrap();
    let view = OfficialView {
        tender: &tender,
        now: OffsetDateTime::now_utc(),
        own_key,
        platform_cert: &platform,
        tsa_cert: &tsa,
    };
    check_opening(file, &view)
}

/// Official `index`'s signed batch of shares of every envelope `checked` accepted, made with `share`.
pub fn share_batch(
    checked: &CheckedOpening,
    index: usize,
    share: &SecretKeyShare,
    key: &PrivateKey,
) -> Vec<u8> {
    let entries = checked.shares(share, 0..checked.accepted().len()).unwrap();
    ShareBatch::create(checked.tender(), &checked.committee().public_key(), index, entries, key)
        .unwrap()
        .encode()
        .unwrap()
}

/// The ceremony without the statement signatures.
pub async fn ceremony_unsigned(
    s: &TestServer,
    committee: i64,
    officials: &[Actor],
) -> Vec<(PublicKeySet, SecretKeyShare)> {
    let path = format!("/api/v1/committees/{committee}/ceremony");
    let (st, file) = get(s, &path, &officials[0].cookie).await;
    assert_eq!(st, StatusCode::OK, "{file}");
    let keys: Vec<PublicKey> = file["officials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| PublicKey::from_sec1(&hex::decode(k.as_str().unwrap()).unwrap()).unwrap())
        .collect();
    let threshold = file["threshold"].as_u64().unwrap() as usize;
    let id = CeremonyId { committee: file["committee"].as_str().unwrap().into(), attempt: 1 };
    let mut gens: Vec<KeyGen> = officials
        .iter()
        .enumerate()
        .map(|(i, o)| KeyGen::new(id.clone(), i, o.key.clone(), keys.clone(), threshold).unwrap())
        .collect();
    let post_msg = |kind: &'static str, data: Vec<u8>, who: usize| {
        let body = json!({ "kind": kind, "data": Base64::encode_string(&data) });
        let cookie = officials[who].cookie.clone();
        let path = format!("{path}/messages");
        async move { post(s, &path, body, &cookie).await }
    };
    for (i, g) in gens.iter_mut().enumerate() {
        let part = g.make_part().unwrap();
        let (st, body) = post_msg("part", part.to_bytes().to_vec(), i).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    // A part signed by official 0 but posted by official 1 is refused.
    let (_, file) = get(s, &path, &officials[1].cookie).await;
    let first = Base64::decode_vec(file["messages"][0]["data"].as_str().unwrap()).unwrap();
    let (st, body) = post_msg("part", first, 1).await;
    assert!(st.is_client_error(), "{st} {body}");

    // Each official handles every message in relay order and posts its acks.
    let mut seen = vec![0i64; officials.len()];
    for round in 0..3 {
        for (i, g) in gens.iter_mut().enumerate() {
            let (_, file) = get(s, &format!("{path}?after={}", seen[i]), &officials[i].cookie).await;
            for m in file["messages"].as_array().unwrap() {
                seen[i] = m["seq"].as_i64().unwrap();
                let data = Base64::decode_vec(m["data"].as_str().unwrap()).unwrap();
                let sender = m["sender"].as_u64().unwrap() as usize;
                match m["kind"].as_str().unwrap() {
                    "part" => match g.handle_part(sender, &Part::from_bytes(&data).unwrap()).unwrap() {
                        PartOutcome::Valid(ack) => {
                            let (st, body) = post_msg("ack", ack.to_bytes().to_vec(), i).await;
                            assert_eq!(st, StatusCode::CREATED, "round {round}: {body}");
                        }
                        PartOutcome::Invalid(c) => panic!("honest part drew a complaint: {c:?}"),
                    },
                    "ack" => {
                        let outcome = g.handle_ack(sender, &Ack::from_bytes(&data).unwrap()).unwrap();
                        assert!(matches!(outcome, AckOutcome::Valid));
                    }
                    other => panic!("unexpected {other}"),
                }
            }
        }
    }
    let (st, view) = get(s, &format!("/api/v1/committees/{committee}"), &officials[0].cookie).await;
    assert_eq!((st, view["status"].as_str()), (StatusCode::OK, Some("ready")), "{view}");
    let results: Vec<_> = gens
        .iter()
        .map(|g| {
            let (pks, share) = g.generate().unwrap();
            (pks, share.unwrap())
        })
        .collect();
    let expected = hex::encode(results[0].0.public_key().to_bytes());
    assert_eq!(view["public_key"], json!(expected), "the server's key set is the officials' one");
    assert!(results.iter().all(|(pks, _)| pks == &results[0].0));
    results
}

/// A bid document for `tender` by `bidder` with `(item, price in fen)` quotes and a note attached.
pub fn quote(tender: &str, bidder: &Actor, prices: &[(u32, u64)], note: &str) -> BidDocument {
    let items =
        prices.iter().map(|&(item, fen)| BidItem { item, unit_price: PriceFen::new(fen).unwrap() }).collect();
    let attachment = Attachment::new("报价说明.txt", note.as_bytes().to_vec()).unwrap();
    BidDocument::new(
        TenderId::parse(tender).unwrap(),
        Uscc::parse(&bidder.uscc).unwrap(),
        OffsetDateTime::now_utc(),
        items,
        vec![attachment],
    )
    .unwrap()
}

/// Seals `doc` by `bidder` under the confirmed committee key ([`confirmed_key`]).
pub fn seal(doc: &BidDocument, bidder: &Actor, committee: &ConfirmedKey) -> Envelope {
    seal_bid(doc, &bidder.key, &Certificate::from_pem(&bidder.cert_pem).unwrap(), committee).unwrap()
}

/// A one-item tender (amoxicillin, ceiling 10 元, 1,000 boxes) titled
/// `title` for committee `committee`, open since a minute ago, its deadline
/// (and opening) `open_for` from now, created and published by `centre`.
/// Returns its id, the published tender as served, and the deadline.
pub async fn published_tender(
    s: &TestServer,
    centre: &Actor,
    committee: i64,
    title: &str,
    open_for: std::time::Duration,
) -> (String, Value, OffsetDateTime) {
    let now = OffsetDateTime::now_utc();
    let deadline = now + open_for;
    let t = |x: OffsetDateTime| x.format(&time::format_description::well_known::Rfc3339).unwrap();
    let items = json!([{ "generic_name": "阿莫西林胶囊", "dosage_form": "胶囊剂", "specification": "0.25g*24粒",
                         "unit": "盒", "quantity": 1000, "ceiling_fen": 1000 }]);
    let tender = json!({ "title": title, "announcement": "公告", "items": items,
        "opens_at": t(now - std::time::Duration::from_secs(60)), "deadline": t(deadline), "opening_at": t(deadline),
        "committee": committee });
    let (st, tender) = post(s, "/api/v1/tenders", tender, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{tender}");
    let id = tender["id"].as_str().unwrap().to_string();
    let (st, tender) = post(s, &format!("/api/v1/tenders/{id}/publish"), json!({}), &centre.cookie).await;
    assert_eq!(st, StatusCode::OK, "{tender}");
    (id, tender, deadline)
}
