//! Certificate applications beyond `new`, over HTTP against the real server
//! on SQLite and PostgreSQL: seal image samples (checked, stored, shown to
//! operators only); what approving renew, reissue, change, unlock and
//! revoke does; the referenced serial must be the applying unit's; the
//! applicant's status token; retention dates and no deletion.

use std::io::Cursor;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::PrivateKey;
use sealbid_crypto::pki::{CertSerial, Certificate, Crl, Csr, RevocationReason, SubjectInfo};
use sealbid_tests::auth::{challenge, post_login};
use sealbid_tests::bidding::enrol;
use sealbid_tests::{Engine, LoginAttempt, TestServer, login, on_both_engines};
use serde_json::{Value, json};

on_both_engines!(
    seal_samples_are_checked_stored_and_shown_to_operators_only,
    renew_and_reissue_replace_the_old_certificate,
    change_updates_the_organisation_and_unlock_and_revoke_take_effect,
    serials_must_be_the_units_and_the_status_needs_the_token,
    retention_is_recorded_and_nothing_is_deleted,
);

const USCC: &str = "91350100M000100Y43";

async fn send(s: &TestServer, req: reqwest::RequestBuilder, cookie: Option<&str>) -> (StatusCode, Value) {
    let req = match cookie {
        Some(c) => req.header("cookie", c),
        None => req,
    };
    let resp = req.header("origin", &s.base).send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn get(s: &TestServer, path: &str, cookie: Option<&str>) -> (StatusCode, Value) {
    send(s, s.client.get(s.url(path)), cookie).await
}

async fn post(s: &TestServer, path: &str, body: Value, cookie: Option<&str>) -> (StatusCode, Value) {
    send(s, s.client.post(s.url(path)).json(&body), cookie).await
}

/// The form for `operation` with a new key; `serial` the certificate it applies to.
fn form(key: &PrivateKey, operation: &str, serial: Option<&str>) -> Value {
    let csr = Csr::create(key, &SubjectInfo::new("张三")).unwrap().to_pem().unwrap();
    let mut f = json!({
        "org_name": "福建某某制药有限公司", "uscc": USCC, "kind": "manufacturer",
        "drug_account": true, "consumables_account": false,
        "address": "福州市鼓楼区五四路 1 号", "phone": "0591-12345678", "operation": operation,
        "agent_name": "张三", "agent_id_number": "35010219800101123X", "agent_phone": "13800000000",
        "role": "bidder", "csr_pem": csr,
    });
    if let Some(serial) = serial {
        f["serial"] = json!(serial);
    }
    f
}

/// An application: its id and token.
struct Applied {
    id: i64,
    token: String,
}

async fn apply(s: &TestServer, body: Value) -> Applied {
    let (st, resp) = post(s, "/api/v1/applications", body, None).await;
    assert_eq!(st, StatusCode::CREATED, "{resp}");
    Applied { id: resp["id"].as_i64().unwrap(), token: resp["token"].as_str().unwrap().to_string() }
}

async fn approve(s: &TestServer, op: &str, id: i64) -> Value {
    let (st, body) = post(s, &format!("/api/v1/applications/{id}/approve"), json!({}), Some(op)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body
}

/// The certificate an approved application issued, PEM.
async fn certificate(s: &TestServer, a: &Applied) -> String {
    let (st, pem) =
        get(s, &format!("/api/v1/applications/{}/certificate?token={}", a.id, a.token), None).await;
    assert_eq!(st, StatusCode::OK, "{pem}");
    pem.as_str().unwrap().to_string()
}

/// Applies for a new certificate, approves it; the key, PEM and serial.
async fn new_certificate(s: &TestServer, op: &str) -> (PrivateKey, String, String) {
    let key = PrivateKey::generate().unwrap();
    let a = apply(s, form(&key, "new", None)).await;
    let serial = approve(s, op, a.id).await["issued_serial"].as_str().unwrap().to_string();
    (key, certificate(s, &a).await, serial)
}

async fn operator(s: &TestServer) -> String {
    let (key, pem) = s.issue_person("operator", "运营 管理员");
    let out = login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.body);
    out.cookie.unwrap()
}

async fn crl_reason(s: &TestServer, serial: &str) -> Option<RevocationReason> {
    let crl = s.client.get(s.url("/pki/crl")).send().await.unwrap().bytes().await.unwrap();
    let entry = Crl::from_der(&crl).unwrap().lookup(&serial.parse::<CertSerial>().unwrap()).unwrap();
    entry.map(|e| e.reason)
}

fn audit_verify_passes(s: &TestServer) {
    let out = s.sealbid(&["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A PNG of `w`×`h` red pixels, stating `dpi` in a pHYs chunk if given.
fn png(w: u32, h: u32, dpi: Option<u32>) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 0, 0]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    if let Some(dpi) = dpi {
        let dpm = (f64::from(dpi) / 0.0254).round() as u32;
        let mut body = b"pHYs".to_vec();
        body.extend(dpm.to_be_bytes());
        body.extend(dpm.to_be_bytes());
        body.push(1);
        let mut chunk = 9u32.to_be_bytes().to_vec();
        chunk.extend(&body);
        chunk.extend(crc32(&body).to_be_bytes());
        out.splice(33..33, chunk); // right after the signature and IHDR
    }
    out
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 0, 0]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg).unwrap();
    out
}

/// CRC-32 (ISO 3309), as PNG chunks carry.
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for b in bytes {
        c ^= u32::from(*b);
        for _ in 0..8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

async fn seal_samples_are_checked_stored_and_shown_to_operators_only(engine: Engine) {
    let s = TestServer::start(engine).await;
    let op = operator(&s).await;
    let key = PrivateKey::generate().unwrap();
    let with = |samples: Vec<String>| {
        let mut f = form(&key, "new", None);
        f["seal_samples"] = json!(samples);
        f
    };
    let b64 = |d: &[u8]| Base64::encode_string(d);
    let (p300, p400, j) = (png(120, 120, Some(300)), png(400, 420, None), jpeg(480, 400));

    let refused = [
        (vec![b64(&p300), b64(&png(1000, 1000, Some(72)))], "seal_samples[2]", "72 dpi"),
        (vec![b64(b"not an image at all")], "seal_samples[1]", "PNG or JPEG"),
        (vec![b64(&p300), b64(&p400), b64(&png(300, 500, None))], "seal_samples[3]", "400"),
        (vec![b64(&jpeg(399, 600))], "seal_samples[1]", "400"),
        (vec!["%%%".into()], "seal_samples[1]", "base64"),
        (vec![b64(&p300); 4], "seal_samples", "at most 3"),
        (vec![b64(&vec![0x89; 1_100_000])], "seal_samples[1]", "larger than"),
    ];
    for (samples, names, why) in refused {
        let (st, body) = post(&s, "/api/v1/applications", with(samples), None).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{names}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(names) && message.contains(why), "{names} / {why}: {body}");
    }
    assert!(s.sql_strings("SELECT org_name FROM certificate_applications").await.is_empty());

    let a = apply(&s, with(vec![b64(&p300), b64(&p400), b64(&j)])).await;
    let sample = |n: i64| format!("/api/v1/applications/{}/seal-samples/{n}", a.id);
    for (n, data, media) in [(1, &p300, "image/png"), (2, &p400, "image/png"), (3, &j, "image/jpeg")] {
        let resp = s.client.get(s.url(&sample(n))).header("cookie", &op).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], media);
        assert_eq!(&resp.bytes().await.unwrap()[..], &data[..], "sample {n} as uploaded");
    }
    assert_eq!(get(&s, &sample(4), Some(&op)).await.0, StatusCode::BAD_REQUEST);
    let none = apply(&s, form(&PrivateKey::generate().unwrap(), "new", None)).await;
    let path = format!("/api/v1/applications/{}/seal-samples/1", none.id);
    assert_eq!(get(&s, &path, Some(&op)).await.0, StatusCode::NOT_FOUND);

    // Only an operator: 401 without a session, 403 for the bidder and even the applicant's token.
    let (st, body) = get(&s, &sample(1), None).await;
    assert_eq!((st, &body["error"]), (StatusCode::UNAUTHORIZED, &json!("not_logged_in")), "{body}");
    let (bk, bpem) = s.issue_person("bidder", "投标 人");
    let bidder = login(&s.client, &s.base, &bk, &[bpem]).await.cookie.unwrap();
    let (st, body) = get(&s, &sample(1), Some(&bidder)).await;
    assert_eq!((st, &body["error"]), (StatusCode::FORBIDDEN, &json!("forbidden")), "{body}");
    let (st, _) = get(&s, &format!("{}?token={}", sample(1), a.token), None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    s.stop().await;
}

async fn renew_and_reissue_replace_the_old_certificate(engine: Engine) {
    let s = TestServer::start(engine).await;
    let op = operator(&s).await;
    let (old_key, old_pem, old) = new_certificate(&s, &op).await;
    assert_eq!(
        login(&s.client, &s.base, &old_key, std::slice::from_ref(&old_pem)).await.status,
        StatusCode::OK
    );

    let new_key = PrivateKey::generate().unwrap();
    let a = apply(&s, form(&new_key, "renew", Some(&old))).await;
    assert_eq!(crl_reason(&s, &old).await, None, "nothing happens before approval");
    let body = approve(&s, &op, a.id).await;
    assert_eq!(body["revoked_serial"], json!(old), "{body}");
    let renewed = body["issued_serial"].as_str().unwrap().to_string();
    assert_ne!(renewed, old);
    assert_eq!(crl_reason(&s, &old).await, Some(RevocationReason::Superseded));
    let refused = login(&s.client, &s.base, &old_key, &[old_pem]).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::UNAUTHORIZED, "certificate_revoked"));
    let new_pem = certificate(&s, &a).await;
    let out = login(&s.client, &s.base, &new_key, std::slice::from_ref(&new_pem)).await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.body);
    assert_eq!(crl_reason(&s, &renewed).await, None);

    // Reissue (key lost): the renewed certificate is revoked as compromised.
    let lost = apply(&s, form(&PrivateKey::generate().unwrap(), "reissue", Some(&renewed))).await;
    let body = approve(&s, &op, lost.id).await;
    assert_eq!(body["revoked_serial"], json!(renewed), "{body}");
    assert_eq!(crl_reason(&s, &renewed).await, Some(RevocationReason::KeyCompromise));
    let refused = login(&s.client, &s.base, &new_key, &[new_pem]).await;
    assert_eq!(refused.code(), "certificate_revoked");

    // A renewal of a certificate revoked meanwhile is refused whole: nothing issued.
    let stale = apply(&s, form(&PrivateKey::generate().unwrap(), "renew", Some(&old))).await;
    let (st, body) =
        post(&s, &format!("/api/v1/applications/{}/approve", stale.id), json!({}), Some(&op)).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    let (_, view) = get(&s, &format!("/api/v1/applications/{}?token={}", stale.id, stale.token), None).await;
    assert_eq!((&view["status"], &view["issued_serial"]), (&json!("pending"), &Value::Null), "{view}");
    let people = s.sql_strings("SELECT serial FROM person_certificates ORDER BY issued_at").await;
    assert_eq!(people.len(), 3, "one record per completed issue: {people:?}");

    let actions = s.sql_strings("SELECT action FROM audit_events WHERE action LIKE 'application.%'").await;
    assert_eq!(actions.iter().filter(|a| *a == "application.approved").count(), 3, "{actions:?}");
    let revoked =
        s.sql_strings("SELECT subject FROM audit_events WHERE action = 'certificate.revoked'").await;
    assert!(revoked.contains(&old) && revoked.contains(&renewed), "{revoked:?}");
    audit_verify_passes(&s);
    s.stop().await;
}

async fn change_updates_the_organisation_and_unlock_and_revoke_take_effect(engine: Engine) {
    let s = TestServer::start(engine).await;
    let op = operator(&s).await;
    let (_, _, first) = new_certificate(&s, &op).await;
    let org = "SELECT name || '|' || address || '|' || phone || '|' || \
               CASE WHEN drug_account THEN 'drug' ELSE '-' END || '|' || \
               CASE WHEN consumables_account THEN 'consumables' ELSE '-' END FROM organisations";
    assert_eq!(
        s.sql_strings(org).await,
        ["福建某某制药有限公司|福州市鼓楼区五四路 1 号|0591-12345678|drug|-"]
    );

    let key = PrivateKey::generate().unwrap();
    let mut change = form(&key, "change", Some(&first));
    change["org_name"] = json!("福建新名药业有限公司");
    change["address"] = json!("厦门市思明区 2 号");
    change["phone"] = json!("0592-7654321");
    change["drug_account"] = json!(false);
    change["consumables_account"] = json!(true);
    let a = apply(&s, change).await;
    let body = approve(&s, &op, a.id).await;
    assert_eq!(body["revoked_serial"], json!(first), "{body}");
    assert_eq!(
        s.sql_strings(org).await,
        ["福建新名药业有限公司|厦门市思明区 2 号|0592-7654321|-|consumables"]
    );
    assert_eq!(crl_reason(&s, &first).await, Some(RevocationReason::Superseded));
    let pem = certificate(&s, &a).await;
    let info = Certificate::from_pem(&pem).unwrap().subject_info().unwrap();
    assert_eq!(info.organization.as_deref(), Some("福建新名药业有限公司"));
    let changed = body["issued_serial"].as_str().unwrap().to_string();

    // Unlock: five bad signatures lock the certificate; the approved application lifts it.
    let chain = [pem.clone()];
    let wrong = PrivateKey::generate().unwrap();
    for _ in 0..5 {
        let attempt = LoginAttempt::new(challenge(&s.client, &s.base).await, &s.base);
        let out = post_login(&s.client, &s.base, &attempt.body(&wrong, &chain), None).await;
        assert_eq!(out.code(), "bad_signature", "{:?}", out.body);
    }
    assert_eq!(login(&s.client, &s.base, &key, &chain).await.code(), "account_locked");
    let unlock = apply(&s, form(&PrivateKey::generate().unwrap(), "unlock", Some(&changed))).await;
    assert_eq!(login(&s.client, &s.base, &key, &chain).await.code(), "account_locked", "not before approval");
    let body = approve(&s, &op, unlock.id).await;
    assert_eq!((&body["was_locked"], &body["issued_serial"]), (&json!(true), &Value::Null), "{body}");
    assert_eq!(login(&s.client, &s.base, &key, &chain).await.status, StatusCode::OK);

    // Revoke (注销): revoked at once, the CRL lists it, login fails.
    let revoke = apply(&s, form(&PrivateKey::generate().unwrap(), "revoke", Some(&changed))).await;
    let body = approve(&s, &op, revoke.id).await;
    assert_eq!(body["revoked_serial"], json!(changed), "{body}");
    assert_eq!(crl_reason(&s, &changed).await, Some(RevocationReason::CessationOfOperation));
    assert_eq!(login(&s.client, &s.base, &key, &chain).await.code(), "certificate_revoked");

    let actions = s.sql_strings("SELECT action FROM audit_events").await;
    for expected in ["organisation.changed", "auth.unlock", "certificate.revoked", "application.approved"] {
        assert!(actions.iter().any(|a| a == expected), "{expected} missing from {actions:?}");
    }
    audit_verify_passes(&s);
    s.stop().await;
}

async fn serials_must_be_the_units_and_the_status_needs_the_token(engine: Engine) {
    let s = TestServer::start(engine).await;
    let op = operator(&s).await;
    let other = enrol(&s, &op, "bidder", "别家 员工", 7, "manufacturer").await;
    assert_ne!(other.uscc, USCC);
    let key = PrivateKey::generate().unwrap();
    let cases = [
        (form(&key, "renew", Some(&other.serial)), "another organisation"),
        (form(&key, "revoke", Some("ABCDEF0123")), "no certificate"),
        (form(&key, "unlock", None), "required"),
        (form(&key, "new", Some(&other.serial)), "new application"),
        (form(&key, "renew", Some("not-hex")), "serial"),
    ];
    for (body, why) in cases {
        let (st, resp) = post(&s, "/api/v1/applications", body, None).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{why}: {resp}");
        let message = resp["message"].as_str().unwrap();
        assert!(message.starts_with("serial:") && message.contains(why), "{why}: {resp}");
    }
    assert_eq!(crl_reason(&s, &other.serial).await, None);

    // The status token: random, URL-safe, required.
    let a = apply(&s, form(&key, "new", None)).await;
    let b = apply(&s, form(&PrivateKey::generate().unwrap(), "new", None)).await;
    assert!(Base64UrlUnpadded::decode_vec(&a.token).unwrap().len() >= 16, "{}", a.token);
    assert_ne!(a.token, b.token);
    let status = |id: i64, token: &str| format!("/api/v1/applications/{id}?token={token}");
    let (st, view) = get(&s, &status(a.id, &a.token), None).await;
    assert_eq!((st, &view["status"]), (StatusCode::OK, &json!("pending")), "{view}");
    let (st, wrong) = get(&s, &status(a.id, &b.token), None).await;
    assert_eq!((st, &wrong["error"]), (StatusCode::NOT_FOUND, &json!("not_found")), "{wrong}");
    let (st, missing) = get(&s, &format!("/api/v1/applications/{}", a.id), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{missing}");
    // A wrong token reads exactly like an application that does not exist.
    let (_, absent) = get(&s, &status(999, &b.token), None).await;
    assert_eq!(
        wrong["message"].as_str().unwrap().replace(&a.id.to_string(), "N"),
        absent["message"].as_str().unwrap().replace("999", "N")
    );
    let cert = format!("/api/v1/applications/{}/certificate?token={}", a.id, b.token);
    assert_eq!(get(&s, &cert, None).await.0, StatusCode::NOT_FOUND);
    // Operators still see every application.
    let (_, list) = get(&s, "/api/v1/applications", Some(&op)).await;
    let ids: Vec<i64> = list.as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&a.id) && ids.contains(&b.id), "{list}");
    assert!(list[0].get("token_hash").is_none(), "{}", list[0]);
    s.stop().await;
}

/// `t` + 5 years, as the server formats it.
fn plus_five_years(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(rfc3339, &Rfc3339).unwrap();
    t.replace_year(t.year() + 5).unwrap().format(&Rfc3339).unwrap()
}

async fn retention_is_recorded_and_nothing_is_deleted(engine: Engine) {
    let s = TestServer::start(engine).await;
    let op = operator(&s).await;
    let (_, pem, serial) = new_certificate(&s, &op).await;
    let cert = Certificate::from_pem(&pem).unwrap();
    let not_after = cert.not_after().unwrap().format(&time::format_description::well_known::Rfc3339).unwrap();
    let expected = plus_five_years(&not_after);
    let pending = apply(&s, form(&PrivateKey::generate().unwrap(), "new", None)).await;

    let (_, list) = get(&s, "/api/v1/applications", Some(&op)).await;
    let row = |id: i64| list.as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(row(1)["retain_until"], json!(expected), "{list}");
    let p = row(pending.id);
    assert_eq!(p["retain_until"], json!(plus_five_years(p["created_at"].as_str().unwrap())), "{p}");
    let stored = s
        .sql_strings(&format!("SELECT retain_until FROM person_certificates WHERE serial = '{serial}'"))
        .await;
    assert_eq!(stored, std::slice::from_ref(&expected));
    let (_, soon) = get(&s, "/api/v1/certificates/expiring?days=3650", Some(&op)).await;
    let listed = soon.as_array().unwrap().iter().find(|c| c["serial"] == json!(serial)).unwrap().clone();
    assert_eq!(listed["retain_until"], json!(expected), "{soon}");

    // No route deletes an application or a certificate, whoever asks.
    for path in [
        "/api/v1/applications/1".to_string(),
        format!("/api/v1/applications/1?token={}", pending.token),
        format!("/api/v1/certificates/{serial}"),
        format!("/api/v1/certificates/{serial}/revoke"),
        "/api/v1/applications".to_string(),
    ] {
        let (st, body) = send(&s, s.client.delete(s.url(&path)), Some(&op)).await;
        assert!(
            st == StatusCode::METHOD_NOT_ALLOWED || st == StatusCode::NOT_FOUND,
            "DELETE {path}: {st} {body}"
        );
    }
    let (_, doc) = get(&s, "/api/v1/openapi.json", None).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.contains("applications") || path.contains("certificates") {
            assert!(item.get("delete").is_none(), "{path} documents a DELETE");
        }
    }
    let count = s.sql_strings("SELECT CAST(COUNT(*) AS TEXT) FROM certificate_applications").await;
    assert_eq!(count, ["2"]);
    s.stop().await;
}
