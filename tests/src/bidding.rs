//! Sealed-bidding helpers for the integration tests: people enrolled
//! through the real application flow, HTTP helpers, and the officials' side
//! of the key ceremony driven through the server's relay.

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::PrivateKey;
use sealbid_crypto::PublicKey;
use sealbid_crypto::Uscc;
use sealbid_crypto::committee::{
    Ack, AckOutcome, CeremonyId, KeyGen, Part, PartOutcome, PublicKeySet, SecretKeyShare,
};
use sealbid_crypto::envelope::{Attachment, BidDocument, BidItem, Envelope, PriceFen, TenderId, seal_bid};
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
    let (st, body) = post(s, &format!("/api/v1/applications/{id}/approve"), json!({}), op).await;
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

/// Every official's side of the ceremony, driven through the relay.
pub async fn ceremony(
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

/// Seals `doc` by `bidder` under the committee key (hex, as the tender shows it).
pub fn seal(doc: &BidDocument, bidder: &Actor, committee_key: &str) -> Envelope {
    let pk = threshold_crypto::PublicKey::from_bytes(
        <[u8; 48]>::try_from(hex::decode(committee_key).unwrap().as_slice()).unwrap(),
    )
    .unwrap();
    seal_bid(doc, &bidder.key, &Certificate::from_pem(&bidder.cert_pem).unwrap(), &pk).unwrap()
}
