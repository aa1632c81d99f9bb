//! A round the hostile tests share: enrolled people, a committee whose key
//! every official signed, tenders on a short clock, bids, and SQL with
//! binary literals for the operator's own writes.

use std::time::Duration;

use reqwest::StatusCode;
use sealbid_crypto::committee::{ConfirmedKey, PublicKeySet, SecretKeyShare};
use sealbid_crypto::envelope::Envelope;
use sealbid_crypto::opening::OpeningFile;
use sealbid_tests::bidding::{Actor, ceremony, confirmed_key, enrol, get, post, post_bytes, quote, seal};
use sealbid_tests::{Engine, TestServer, login};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Everything a hostile test starts from.
pub struct Round {
    pub s: TestServer,
    pub engine: Engine,
    pub op: String,
    pub centre: Actor,
    pub officials: Vec<Actor>,
    pub keys: Vec<(PublicKeySet, SecretKeyShare)>,
    pub committee: i64,
    pub bidders: Vec<Actor>,
}

/// A published tender.
pub struct Tender {
    pub id: String,
    pub json: Value,
    pub deadline: OffsetDateTime,
    pub key: ConfirmedKey,
}

impl Round {
    /// A server, an operator, a centre, three officials (any two open) with
    /// a signed committee key, and `bidders` bidders.
    pub async fn new(engine: Engine, bidders: u32) -> Self {
        let s = TestServer::start(engine).await;
        let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
        let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
        let centre = enrol(&s, &op, "centre", "集采 中心", 1, "centre").await;
        let mut officials = Vec::new();
        for i in 0..3 {
            officials.push(enrol(&s, &op, "official", &format!("开标 委员{i}"), 10 + i, "regulator").await);
        }
        let committee = create_committee(&s, &centre, &officials).await;
        let keys = ceremony(&s, committee, &officials).await;
        let mut list = Vec::new();
        for i in 0..bidders {
            list.push(enrol(&s, &op, "bidder", &format!("投标 代表{i}"), 100 + i, "manufacturer").await);
        }
        Self { s, engine, op, centre, officials, keys, committee, bidders: list }
    }

    /// Publishes a one-item tender of `committee` with the deadline `deadline_in`
    /// from now and the opening `opening_after` the deadline.
    pub async fn tender_of(
        &self,
        committee: i64,
        deadline_in: Duration,
        opening_after: Duration,
    ) -> (StatusCode, Value) {
        let now = OffsetDateTime::now_utc();
        let deadline = now + deadline_in;
        let t = |x: OffsetDateTime| x.format(&Rfc3339).unwrap();
        let body = json!({ "title": "敌意运营测试", "announcement": "公告", "committee": committee,
            "items": [{ "generic_name": "阿莫西林胶囊", "dosage_form": "胶囊剂", "specification": "0.25g*24粒",
                        "unit": "盒", "quantity": 100, "ceiling_fen": 1000 }],
            "opens_at": t(now - Duration::from_secs(60)), "deadline": t(deadline),
            "opening_at": t(deadline + opening_after) });
        let (st, draft) = post(&self.s, "/api/v1/tenders", body, &self.centre.cookie).await;
        assert_eq!(st, StatusCode::CREATED, "{draft}");
        let id = draft["id"].as_str().unwrap();
        post(&self.s, &format!("/api/v1/tenders/{id}/publish"), json!({}), &self.centre.cookie).await
    }

    /// [`Self::tender_of`] the round's committee, which must publish.
    pub async fn tender(&self, deadline_in: Duration, opening_after: Duration) -> Tender {
        let (st, json) = self.tender_of(self.committee, deadline_in, opening_after).await;
        assert_eq!(st, StatusCode::OK, "{json}");
        let key = confirmed_key(&self.s, &json, &self.bidders[0].cookie).await;
        let deadline = OffsetDateTime::parse(json["deadline"].as_str().unwrap(), &Rfc3339).unwrap();
        Tender { id: json["id"].as_str().unwrap().to_string(), json, deadline, key }
    }

    /// Bidder `b` seals a quote of `fen` for the tender and submits it (201).
    pub async fn bid(&self, t: &Tender, b: usize, fen: u64) -> Envelope {
        let bidder = &self.bidders[b];
        let env = seal(&quote(&t.id, bidder, &[(1, fen)], "报价"), bidder, &t.key);
        let (st, body) = post_bytes(
            &self.s,
            &format!("/api/v1/tenders/{}/bids", t.id),
            env.encode().unwrap(),
            &bidder.cookie,
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        env
    }

    /// Sleeps until `t` plus a margin.
    pub async fn wait_past(&self, t: OffsetDateTime) {
        let wait = t - OffsetDateTime::now_utc() + Duration::from_millis(1500);
        tokio::time::sleep(wait.try_into().unwrap_or_default()).await;
    }

    /// The opening file as the server serves it to official 0.
    pub async fn opening_file(&self, tender: &str) -> OpeningFile {
        let (st, body) =
            get(&self.s, &format!("/api/v1/tenders/{tender}/opening/envelopes"), &self.officials[0].cookie)
                .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }

    /// A binary literal in this engine's SQL.
    pub fn blob(&self, bytes: &[u8]) -> String {
        match self.engine {
            Engine::Sqlite => format!("X'{}'", hex::encode(bytes)),
            Engine::Postgres => format!("decode('{}', 'hex')", hex::encode(bytes)),
        }
    }

    /// The operator writes an envelope straight into the bids table as an
    /// active bid of `tender` by `bidder` (no intake check, no receipt).
    pub async fn insert_bid(&self, tender: &str, bidder: &Actor, envelope: &[u8], received_at: &str) {
        let hash = hex::encode(sealbid_crypto::sm3(envelope));
        let cert = sealbid_crypto::pki::Certificate::from_pem(&bidder.cert_pem).unwrap();
        // key_point must be unique per committee: the operator writes its own spelling.
        let sql = format!(
            "INSERT INTO bids (tender_id, committee_id, bidder_uscc, bidder_serial, bidder_cert, envelope, \
             envelope_hash, key_point, status, tender_version, received_at, receipt, replaces) VALUES \
             ('{tender}', {}, '{}', '{}', {}, {}, '{hash}', 'OPERATOR-{hash}', 'active', 1, '{received_at}', {}, NULL)",
            self.committee,
            bidder.uscc,
            bidder.serial,
            self.blob(cert.to_der()),
            self.blob(envelope),
            self.blob(b""),
        );
        self.s.sql_execute(&sql).await;
    }
}

/// A committee of `officials`, threshold 1; returns its id.
pub async fn create_committee(s: &TestServer, centre: &Actor, officials: &[Actor]) -> i64 {
    let serials: Vec<&str> = officials.iter().map(|o| o.serial.as_str()).collect();
    let form = json!({ "name": "开标委员会", "threshold": 1, "officials": serials });
    let (st, committee) = post(s, "/api/v1/committees", form, &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{committee}");
    committee["id"].as_i64().unwrap()
}

/// DER of an envelope body `(version 3, tender, bidder, committee key, key
/// ciphertext, key proof, payload)` signed as `Purpose::Bid` by `key`: what an
/// operator holding a minted bidder certificate can make around any key
/// ciphertext and proof.
pub fn forge_envelope(
    tender: &str,
    bidder: &str,
    committee_key: &[u8],
    key_ciphertext: &[u8],
    key_proof: &[u8],
    payload: &[u8],
    key: &sealbid_crypto::PrivateKey,
) -> Vec<u8> {
    let body = tlv(
        0x30,
        &[
            tlv(0x02, &[3]),
            tlv(0x0c, tender.as_bytes()),
            tlv(0x0c, bidder.as_bytes()),
            tlv(0x04, committee_key),
            tlv(0x04, key_ciphertext),
            tlv(0x04, key_proof),
            tlv(0x04, payload),
        ]
        .concat(),
    );
    let sig = sealbid_crypto::SignedMessage::new(sealbid_crypto::Purpose::Bid, &body).sign(key).unwrap();
    tlv(0x30, &[body, tlv(0x04, &sig.to_der())].concat())
}

/// One DER TLV with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut out = vec![tag];
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// Checks a key ciphertext and its proof with `tests/py/key_proof.py`
/// (py_ecc's BLS12-381 and RFC 9380 hash to curve, gmssl's SM3: none of our
/// code) under `tender`'s label and `committee_key`: `Ok(())` or what failed.
pub fn independent_key_check(
    tender: &str,
    committee_key: &[u8],
    key_ciphertext: &[u8],
    key_proof: &[u8],
) -> Result<(), String> {
    let label =
        sealbid_crypto::envelope::tender_label(&sealbid_crypto::envelope::TenderId::parse(tender).unwrap());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("py/key_proof.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .args([
            hex::encode(label),
            hex::encode(committee_key),
            hex::encode(key_ciphertext),
            hex::encode(key_proof),
        ])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    match out.status.code() {
        Some(0) if stdout == "valid" => Ok(()),
        Some(1) => Err(stdout),
        _ => {
            panic!("key_proof.py failed ({}): {stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr))
        }
    }
}
