//! The operator against sealed bids: foreign and late envelopes, an early
//! opening, a swapped or unconfirmed committee key, a dropped bid. Each test
//! drives the real official client check (`check_opening`), the real bidder
//! check (`StatementFile::confirm_for_tender`) or the real receipt check
//! (`Manifest::verify_inclusion`).

use std::time::Duration;

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::committee::statement::encode_key_set;
use sealbid_crypto::manifest::Manifest;
use sealbid_crypto::opening::{Refusal, ServedEnvelope};
use sealbid_tests::bidding::{ceremony_unsigned, checked_file, enrol, get, sign_statement, statement};
use sealbid_tests::{Engine, on_both_engines};
use serde_json::json;

use super::round::{Round, create_committee, forge_envelope, independent_key_check};

on_both_engines!(
    foreign_envelope_is_refused,
    early_opening_is_refused,
    swapped_committee_key_is_refused,
    unconfirmed_official_is_refused,
    late_envelope_is_detected,
    dropped_envelope_is_detected,
);

const SHORT: Duration = Duration::from_secs(6);

fn b64(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// At T1's opening the operator lists T2's envelope, and an envelope of its
/// own naming T1 around T2's key ciphertext, planted before T1's deadline so
/// that even the manifest lists it. No share is made for either; both are named.
async fn foreign_envelope_is_refused(engine: Engine) {
    let r = Round::new(engine, 2).await;
    let t1 = r.tender(SHORT, Duration::ZERO).await;
    let t2 = r.tender(Duration::from_secs(3600), Duration::ZERO).await;
    let own = r.bid(&t1, 0, 900).await;
    let foreign = r.bid(&t2, 1, 800).await;
    // The operator's own "bidder" wraps T2's key ciphertext in an envelope for T1.
    let minted = enrol(&r.s, &r.op, "bidder", "冒名 投标", 900, "manufacturer").await;
    let wrapped = forge_envelope(
        &t1.id,
        &minted.uscc,
        t1.key.hash(),
        foreign.key_ciphertext_bytes(),
        foreign.key_proof(),
        foreign.payload(),
        &minted.key,
    );
    r.insert_bid(&t1.id, &minted, &wrapped, t1.json["opens_at"].as_str().unwrap()).await;
    // An independent implementation agrees: T1's own bid checks under T1, T2's proof does not.
    independent_key_check(&t1.id, t1.key.hash(), own.key_ciphertext_bytes(), own.key_proof()).unwrap();
    let err =
        independent_key_check(&t1.id, t1.key.hash(), foreign.key_ciphertext_bytes(), foreign.key_proof())
            .unwrap_err();
    assert!(err.contains("challenge does not match"), "{err}");
    independent_key_check(&t2.id, t2.key.hash(), foreign.key_ciphertext_bytes(), foreign.key_proof())
        .unwrap();
    r.wait_past(t1.deadline).await;

    let mut file = r.opening_file(&t1.id).await;
    let cert = sealbid_crypto::pki::Certificate::from_pem(&r.bidders[1].cert_pem).unwrap();
    file.envelopes
        .push(ServedEnvelope { envelope: b64(&foreign.encode().unwrap()), certificate: b64(cert.to_der()) });
    let own_key = r.keys[0].0.public_key();
    let checked = checked_file(&r.s, &t1.id, &file, &own_key).await.unwrap();
    let accepted: Vec<_> = checked.accepted().iter().map(|(h, _)| *h).collect();
    assert_eq!(accepted, vec![own.hash().unwrap()], "only T1's genuine bid is shared");
    let foreign_hash = foreign.hash().unwrap();
    let wrapped_hash = sealbid_crypto::sm3(&wrapped);
    let refused = checked.refused();
    assert_eq!(refused.len(), 2, "{refused:?}");
    let of =
        |h| refused.iter().find(|x| x.hash == h).unwrap_or_else(|| panic!("{} not refused", hex::encode(h)));
    assert_eq!(of(foreign_hash).reason, Refusal::ForeignTender(t2.id.clone()));
    assert!(of(foreign_hash).to_string().contains(&hex::encode(foreign_hash)));
    assert_eq!(of(wrapped_hash).reason, Refusal::InvalidCiphertext, "the proof binds the ciphertext to T2");
    assert!(
        checked
            .shares(&r.keys[0].1, 0..1)
            .unwrap()
            .iter()
            .all(|(h, _)| *h != foreign_hash && *h != wrapped_hash)
    );
    r.s.stop().await;
}

/// The operator moves the opening time in the database and serves the
/// envelopes early; then it also rewrites the announcement. The official's
/// client reads the signed, time-stamped announcement and its own clock.
async fn early_opening_is_refused(engine: Engine) {
    let r = Round::new(engine, 1).await;
    let t = r.tender(SHORT, Duration::from_secs(3600)).await;
    r.bid(&t, 0, 900).await;
    r.wait_past(t.deadline).await;
    let path = format!("/api/v1/tenders/{}/opening/envelopes", t.id);
    let (st, body) = get(&r.s, &path, &r.officials[0].cookie).await;
    assert_eq!(st, StatusCode::CONFLICT, "the honest server refuses before the opening: {body}");
    r.s.sql_execute(&format!("UPDATE tenders SET opening_at = '2020-01-01T00:00:00Z' WHERE id = '{}'", t.id))
        .await;
    let mut file = r.opening_file(&t.id).await;
    let own_key = r.keys[0].0.public_key();
    let err = checked_file(&r.s, &t.id, &file, &own_key).await.unwrap_err().to_string();
    assert!(err.contains("opens at") && err.contains("no shares before then"), "{err}");
    // An announcement rewritten to an earlier opening no longer verifies.
    let opening_at = t.json["opening_at"].as_str().unwrap();
    file.announcement.document = file.announcement.document.replace(opening_at, "2020-01-01T00:00:00Z");
    let err = checked_file(&r.s, &t.id, &file, &own_key).await.unwrap_err().to_string();
    assert!(err.contains("platform signature does not verify"), "{err}");
    r.s.stop().await;
}

/// The operator shows bidders a committee key of its own: first by
/// replacing the stored key set (the officials' signatures then fail), then
/// by changing only the key the tender names. The bidder's client refuses to seal.
async fn swapped_committee_key_is_refused(engine: Engine) {
    let r = Round::new(engine, 1).await;
    let t = r.tender(Duration::from_secs(3600), Duration::ZERO).await;
    let bidder = &r.bidders[0];
    let operators_set = threshold_crypto::SecretKeySet::random(1, &mut rand07::thread_rng()).public_keys();
    let operators_key = hex::encode(operators_set.public_key().to_bytes());
    // Only the key the tender shows.
    r.s.sql_execute(&format!(
        "UPDATE committees SET public_key = '{operators_key}' WHERE id = {}",
        r.committee
    ))
    .await;
    let (_, shown) = get(&r.s, &format!("/api/v1/tenders/{}", t.id), &bidder.cookie).await;
    assert_eq!(shown["committee_public_key"], json!(operators_key));
    let file = statement(&r.s, r.committee, &bidder.cookie).await;
    let err = file.confirm_for_tender(&operators_key).unwrap_err().to_string();
    assert!(err.contains("do not seal"), "{err}");
    // The key set too: the statement the server rebuilds is no longer the one the officials signed.
    let cbor = encode_key_set(&operators_set).unwrap();
    r.s.sql_execute(&format!(
        "UPDATE committees SET public_key_set = {} WHERE id = {}",
        r.blob(&cbor),
        r.committee
    ))
    .await;
    let file = statement(&r.s, r.committee, &bidder.cookie).await;
    let err = file.confirm_for_tender(&operators_key).unwrap_err().to_string();
    assert!(err.contains("not signed by every official") && err.contains("official(s) 0, 1, 2"), "{err}");
    r.s.stop().await;
}

/// The operator mints an "official" and puts it on the roster. The genuine
/// officials read their fingerprint codes to each other; nobody vouches for
/// the fourth, so they refuse to sign, the statement stays incomplete,
/// the tender cannot be published and no bidder will seal.
async fn unconfirmed_official_is_refused(engine: Engine) {
    let r = Round::new(engine, 1).await;
    let mut roster: Vec<_> = Vec::new();
    for i in 0..3 {
        roster.push(enrol(&r.s, &r.op, "official", &format!("真 委员{i}"), 40 + i, "regulator").await);
    }
    roster.push(enrol(&r.s, &r.op, "official", "冒名 委员", 50, "regulator").await);
    let committee = create_committee(&r.s, &r.centre, &roster).await;
    let keys = ceremony_unsigned(&r.s, committee, &roster).await;
    let heard: Vec<String> = roster[..3]
        .iter()
        .map(|o| sealbid_crypto::committee::statement::fingerprint_code(&o.key.public_key()))
        .collect();
    let file = statement(&r.s, committee, &roster[0].cookie).await;
    let st = file.statement().unwrap();
    for (i, official) in roster[..3].iter().enumerate() {
        let err = st.sign_checked(&official.key, &heard, &keys[i].0).unwrap_err().to_string();
        assert!(err.contains("official 3") && err.contains("was not confirmed"), "{err}");
    }
    // Only the operator's own member signs.
    let (st_code, body) = sign_statement(&r.s, committee, &roster, 3, &keys[3].0).await;
    assert_eq!(st_code, StatusCode::CREATED, "{body}");
    let file = statement(&r.s, committee, &r.bidders[0].cookie).await;
    let err = file.confirm().unwrap_err().to_string();
    assert!(err.contains("official(s) 0, 1, 2"), "{err}");
    let (st_code, body) = r.tender_of(committee, Duration::from_secs(3600), Duration::ZERO).await;
    assert_eq!(st_code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "committee_unconfirmed", "{body}");
    r.s.stop().await;
}

/// After the manifest is frozen the operator inserts a back-dated envelope
/// by a bidder of its own. The officials refuse it, naming it.
async fn late_envelope_is_detected(engine: Engine) {
    let r = Round::new(engine, 2).await;
    let t = r.tender(SHORT, Duration::ZERO).await;
    let genuine = r.bid(&t, 0, 900).await;
    r.wait_past(t.deadline).await;
    let (st, manifest) = get(&r.s, &format!("/api/v1/tenders/{}/manifest", t.id), &r.bidders[0].cookie).await;
    assert_eq!(st, StatusCode::OK, "{manifest}");
    assert_eq!(manifest["leaves"], json!([hex::encode(genuine.hash().unwrap())]));
    // A valid bid of bidder 1, sealed properly, written in after the deadline with an earlier time.
    let late = sealbid_tests::bidding::seal(
        &sealbid_tests::bidding::quote(&t.id, &r.bidders[1], &[(1, 100)], "迟到"),
        &r.bidders[1],
        &t.key,
    );
    let der = late.encode().unwrap();
    r.insert_bid(&t.id, &r.bidders[1], &der, t.json["opens_at"].as_str().unwrap()).await;
    let file = r.opening_file(&t.id).await;
    assert_eq!(file.envelopes.len(), 2, "the server serves the planted envelope");
    let checked = checked_file(&r.s, &t.id, &file, &r.keys[0].0.public_key()).await.unwrap();
    let late_hash = late.hash().unwrap();
    assert_eq!(checked.refused().len(), 1);
    assert_eq!(checked.refused()[0].hash, late_hash);
    assert_eq!(checked.refused()[0].reason, Refusal::NotInManifest);
    assert!(checked.refused()[0].to_string().contains(&hex::encode(late_hash)));
    assert_eq!(checked.accepted().len(), 1);
    // Serving the planted envelope as a leaf breaks the signed root.
    let mut lying = file.clone();
    lying.leaves.push(hex::encode(late_hash));
    let err = checked_file(&r.s, &t.id, &lying, &r.keys[0].0.public_key()).await.unwrap_err().to_string();
    assert!(err.contains("lists 1 envelopes"), "{err}");
    r.s.stop().await;
}

/// Just before the deadline the operator marks a receipted bid withdrawn in
/// the database, so the frozen manifest leaves it out. The bidder's check
/// of its receipt against the manifest fails and names its envelope; so do
/// the officials' checks if the server still serves it.
async fn dropped_envelope_is_detected(engine: Engine) {
    let r = Round::new(engine, 2).await;
    let t = r.tender(SHORT, Duration::ZERO).await;
    let kept = r.bid(&t, 0, 900).await;
    let dropped = r.bid(&t, 1, 800).await;
    let dropped_hex = hex::encode(dropped.hash().unwrap());
    r.s.sql_execute(&format!("UPDATE bids SET status = 'withdrawn' WHERE envelope_hash = '{dropped_hex}'"))
        .await;
    r.wait_past(t.deadline).await;
    let bidder = &r.bidders[1];
    let (st, body) =
        get(&r.s, &format!("/api/v1/tenders/{}/manifest/proof?envelope={dropped_hex}", t.id), &bidder.cookie)
            .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
    assert!(body["message"].as_str().unwrap().contains(&dropped_hex), "{body}");
    // A server that answers with another leaf's proof is caught by the bidder's own check.
    let kept_hex = hex::encode(kept.hash().unwrap());
    let (st, proof) =
        get(&r.s, &format!("/api/v1/tenders/{}/manifest/proof?envelope={kept_hex}", t.id), &bidder.cookie)
            .await;
    assert_eq!(st, StatusCode::OK, "{proof}");
    let manifest =
        Manifest::parse(&Base64::decode_vec(proof["manifest"].as_str().unwrap()).unwrap()).unwrap();
    let platform = sealbid_tests::bidding::published_cert(&r.s, "/pki/platform").await;
    let tsa = sealbid_tests::bidding::published_cert(&r.s, "/pki/tsa").await;
    manifest.verify(&platform, &tsa).unwrap();
    let path = Base64::decode_vec(proof["proof"].as_str().unwrap()).unwrap();
    let index = proof["index"].as_u64().unwrap();
    manifest.verify_inclusion(&kept.hash().unwrap(), index, &path).unwrap();
    let err = manifest.verify_inclusion(&dropped.hash().unwrap(), index, &path).unwrap_err().to_string();
    assert!(err.contains(&dropped_hex) && err.contains("is not leaf"), "{err}");
    // The officials, served the dropped envelope as active again, refuse it as not in the manifest.
    r.s.sql_execute(&format!("UPDATE bids SET status = 'active' WHERE envelope_hash = '{dropped_hex}'"))
        .await;
    let file = r.opening_file(&t.id).await;
    let checked = checked_file(&r.s, &t.id, &file, &r.keys[0].0.public_key()).await.unwrap();
    assert_eq!(checked.refused().len(), 1);
    assert_eq!(checked.refused()[0].hash, dropped.hash().unwrap());
    r.s.stop().await;
}
