//! A signing request that is not what it claims to be.
//!
//! The operator prepares a real contract signature for the manufacturer
//! (`POST /api/v1/contracts/batch/prepare` on the real server), then
//! rewrites the answer before the signer's client sees it:
//!
//! - `tbs_der` becomes a purpose-tagged sealbid message — the exact bytes the
//!   bidder signs to withdraw, replace or submit a bid — so that the
//!   "contract signature" would be a valid withdrawal in the operator's hands;
//! - `tbs_der` becomes a genuine `TBS_Sign` with the signer's own seal over
//!   *another* contract;
//! - the whole request (PDF, byte range, `TBS_Sign`) is swapped for that other
//!   contract's, consistent in itself but not the document the signer saw.
//!
//! The signer's side is the real client check,
//! [`sealbid_sealing::ses::check_signing_request`], run as the web app and
//! the CLI run it. Each forgery is refused with the error that names it and
//! no signature is made; the untampered request passes the same check, is
//! signed and finished, so the test fails if the check refused everything.

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::der::asn1::OctetString;
use sealbid_crypto::der::{Any, Decode, Encode};
use sealbid_crypto::envelope::{BidAction, BidRequest, TenderId};
use sealbid_crypto::pki::Certificate;
use sealbid_crypto::{Purpose, SignedMessage, Uscc, sm3};
use sealbid_sealing::pdf::sign::Placement;
use sealbid_sealing::ses::{CheckedRequest, Expected, SeSeal, SesError, check_signing_request};
use sealbid_sealing::signing::prepare_signature;
use sealbid_tests::bidding::{Actor, enrol, get, post};
use sealbid_tests::documents::{approved_seal, awarded_tender};
use sealbid_tests::{Engine, TestServer, login, on_both_engines};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

on_both_engines!(forged_signing_request_is_refused);

/// A prepared request as the signer's client receives it.
#[derive(Clone)]
struct Request {
    tbs_der: Vec<u8>,
    prepared_pdf: Vec<u8>,
    byte_range: [u64; 4],
}

impl Request {
    fn from_answer(v: &Value) -> Self {
        let b64 =
            |k: &str| Base64::decode_vec(v[k].as_str().unwrap_or_else(|| panic!("no {k}: {v}"))).unwrap();
        let byte_range = serde_json::from_value(v["byte_range"].clone()).expect("byte_range: [0, b, c, d]");
        Self { tbs_der: b64("tbs_der"), prepared_pdf: b64("prepared_pdf"), byte_range }
    }
}

/// The signer: its key, certificate and what it knows on its own — the seal
/// it chose and the contract it was shown.
struct Signer<'a> {
    actor: &'a Actor,
    cert: Certificate,
    seal_der: Vec<u8>,
    seen_pdf: Vec<u8>,
}

impl Signer<'_> {
    /// The client's side: the check, and a signature only from a checked request.
    fn check(&self, r: &Request) -> Result<CheckedRequest, SesError> {
        let expected = Expected {
            seal_der: Some(&self.seal_der),
            base_pdf: Some(&self.seen_pdf),
            clock: Some((OffsetDateTime::now_utc(), Duration::minutes(10))),
            ..Expected::default()
        };
        check_signing_request(&r.tbs_der, &r.prepared_pdf, Some(r.byte_range), &self.cert, &expected)
    }

    /// What the client hands back: a base64 signature, or the refusal.
    fn sign(&self, r: &Request) -> Result<String, SesError> {
        let checked = self.check(r)?;
        Ok(Base64::encode_string(&checked.sign(&self.actor.key)?.to_der()))
    }
}

/// The bytes `bidder` signs to withdraw its envelope `target` from `tender`,
/// and a check that a signature over them is a valid withdrawal request.
fn withdrawal_message(tender: &str, bidder: &Actor, target: [u8; 32]) -> (Vec<u8>, impl Fn(&[u8]) -> bool) {
    let (tender, uscc) = (TenderId::parse(tender).unwrap(), Uscc::parse(&bidder.uscc).unwrap());
    // The operator knows every field; any key gives it the signed body's DER.
    let throwaway = sealbid_crypto::PrivateKey::generate().unwrap();
    let at = OffsetDateTime::now_utc();
    let template = BidRequest::create(tender, uscc, target, BidAction::Withdraw, at, &throwaway).unwrap();
    let parts = Vec::<Any>::from_der(&template.encode().unwrap()).unwrap();
    let body = parts[0].clone();
    let message = SignedMessage::new(Purpose::BidWithdraw, &body.to_der().unwrap()).to_bytes();
    let bidder_key = bidder.key.public_key();
    let is_valid_withdrawal = move |signature_der: &[u8]| {
        let sig = Any::encode_from(&OctetString::new(signature_der).unwrap()).unwrap();
        let forged = vec![body.clone(), sig].to_der().unwrap();
        BidRequest::parse(&forged).and_then(|r| r.verify(&bidder_key)).is_ok()
    };
    (message, is_valid_withdrawal)
}

async fn pdf_of(s: &TestServer, contract: i64, who: &Actor) -> Vec<u8> {
    let resp =
        s.client.get(s.url(&format!("/api/v1/contracts/{contract}/pdf"))).header("cookie", &who.cookie);
    let resp = resp.send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.bytes().await.unwrap().to_vec()
}

async fn status_of(s: &TestServer, contract: i64, who: &Actor) -> String {
    let (st, view) = get(s, &format!("/api/v1/contracts/{contract}"), &who.cookie).await;
    assert_eq!(st, StatusCode::OK, "{view}");
    view["contract"]["status"].as_str().unwrap_or_default().to_owned()
}

async fn forged_signing_request_is_refused(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let centre = enrol(&s, &op, "centre", "集采 中心", 1, "centre").await;
    let officials = vec![
        enrol(&s, &op, "official", "开标 委员0", 10, "regulator").await,
        enrol(&s, &op, "official", "开标 委员1", 11, "regulator").await,
    ];
    let m1 = enrol(&s, &op, "bidder", "甲厂 签章人", 100, "manufacturer").await;
    let m2 = enrol(&s, &op, "bidder", "乙厂 签章人", 101, "manufacturer").await;
    let hospital = enrol(&s, &op, "hospital", "医院 签章人", 200, "hospital").await;
    let seal_m1 = approved_seal(&s, &op, &m1, "甲厂合同专用章", "contract").await;

    // Two real contracts: m1 wins item 1, m2 item 2.
    let bids = [(&m1, vec![(1, 900), (2, 480)]), (&m2, vec![(1, 950), (2, 450)])];
    let tender = awarded_tender(&s, &centre, &officials, &bids).await;
    let generate = format!("/api/v1/tenders/{tender}/contracts");
    let (st, generated) = post(&s, &generate, json!({ "buyer_uscc": hospital.uscc }), &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{generated}");
    let of = |who: &Actor| {
        let list = generated.as_array().unwrap();
        list.iter().find(|c| c["seller_uscc"] == json!(who.uscc)).unwrap()["id"].as_i64().unwrap()
    };
    let (mine, theirs) = (of(&m1), of(&m2));

    let seal_der = s.client.get(s.url(&format!("/api/v1/seals/{seal_m1}/der"))).header("cookie", &m1.cookie);
    let seal_der = seal_der.send().await.unwrap().bytes().await.unwrap().to_vec();
    let signer = Signer {
        actor: &m1,
        cert: Certificate::from_pem(&m1.cert_pem).unwrap(),
        seal_der: seal_der.clone(),
        seen_pdf: pdf_of(&s, mine, &m1).await,
    };

    // The real prepare: a batch of one.
    let items = json!({ "items": [{ "contract_id": mine, "seal_id": seal_m1 }] });
    let (st, batch) = post(&s, "/api/v1/contracts/batch/prepare", items, &m1.cookie).await;
    assert_eq!(st, StatusCode::OK, "{batch}");
    let answer = &batch["results"][0]["result"];
    assert_eq!(answer["ok"], json!(true), "{batch}");
    let honest = Request::from_answer(answer);

    // 1. Purpose-tagged messages instead of the TBS_Sign: a withdrawal the
    //    operator could replay, and a replacement and a bid.
    let (withdrawal, is_valid_withdrawal) = withdrawal_message(&tender, &m1, sm3(b"m1's envelope"));
    let sig = m1.key.sign_raw(&withdrawal).unwrap().to_der();
    assert!(is_valid_withdrawal(&sig), "the forged bytes are what a withdrawal signs: the attack is real");
    let others = [Purpose::BidReplace, Purpose::Bid]
        .map(|p| (p, SignedMessage::new(p, format!("tender={tender}").as_bytes()).to_bytes()));
    for (purpose, bytes) in [(Purpose::BidWithdraw, withdrawal)].into_iter().chain(others) {
        let forged = Request { tbs_der: bytes, ..honest.clone() };
        let refused = signer.sign(&forged);
        assert_eq!(
            refused,
            Err(SesError::PurposeTaggedMessage { tag: purpose.tag().to_owned() }),
            "a {purpose:?} message is refused by name, and no signature is made"
        );
        let message = refused.unwrap_err().to_string();
        assert!(message.contains("sealbid-signed-message") && message.contains(purpose.tag()), "{message}");
    }

    // 2. A genuine TBS_Sign with the signer's own seal, over another contract.
    let seal = SeSeal::from_der(&seal_der).unwrap();
    let placement = Placement {
        page: 0,
        rect: [400.0, 100.0, 520.0, 220.0],
        picture_png: None,
        field_name: answer["field"].as_str().unwrap().to_owned(),
        reserve: 16_384,
    };
    let other_pdf = pdf_of(&s, theirs, &centre).await;
    let other = prepare_signature(&other_pdf, &seal, &placement, OffsetDateTime::now_utc(), None).unwrap();
    let forged = Request { tbs_der: other.tbs_der.clone(), ..honest.clone() };
    let refused = signer.sign(&forged);
    assert!(matches!(refused, Err(SesError::DataHashMismatch { .. })), "{refused:?}");
    assert!(refused.unwrap_err().to_string().contains("dataHash"));

    // 3. The other contract's whole request: consistent, but not what the signer saw.
    let swapped = Request {
        tbs_der: other.tbs_der,
        prepared_pdf: other.prepared.bytes,
        byte_range: other.prepared.byte_range.map(|x| x as u64),
    };
    let refused = signer.sign(&swapped);
    assert!(matches!(refused, Err(SesError::NotAnUpdate { .. })), "{refused:?}");

    // Nothing was signed: the contract is as it was.
    assert_eq!(status_of(&s, mine, &m1).await, "draft");
    assert_eq!(pdf_of(&s, mine, &m1).await, signer.seen_pdf);

    // The untampered request passes the same check, and its signature finishes.
    let checked = signer.check(&honest).expect("the honest request passes");
    assert_eq!(checked.tbs_der(), honest.tbs_der.as_slice());
    let signature = signer.sign(&honest).unwrap();
    let finish = json!({ "items": [{ "session_id": answer["session_id"], "signature": signature }] });
    let (st, done) = post(&s, "/api/v1/contracts/batch/finish", finish, &m1.cookie).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["results"][0]["result"]["contract"]["status"], "seller_signed", "{done}");
    s.stop().await;
}
