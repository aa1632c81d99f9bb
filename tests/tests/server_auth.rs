//! Certificate login against the real server, on SQLite and on PostgreSQL:
//! challenge, login, session rotation, live revocation, replay, expiry,
//! foreign certificates, bad and wrong-purpose signatures, origin and clock
//! checks, lockout per client address and `sealbid auth unlock`, logout, CSRF — and every
//! refusal audited with its code while `sealbid audit verify` still passes.
//!
//! Certificates are issued with the real `sealbid ca issue` and revoked with
//! the real `sealbid ca revoke` against the server's data directory.

use reqwest::StatusCode;
use sealbid_crypto::pki::{CertSerial, Certificate, Csr, Issuer, Profile, Validity};
use sealbid_crypto::{PrivateKey, Purpose};
use sealbid_tests::auth::{challenge, post_login};
use sealbid_tests::{Engine, LoginAttempt, TestServer, login, on_both_engines};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

on_both_engines!(
    login_rotates_the_session_and_revocation_ends_it,
    challenges_are_single_use_and_short_lived,
    foreign_certificates_and_bad_signatures_are_refused,
    five_bad_signatures_lock_until_cli_unlock,
    a_strangers_failures_lock_only_the_strangers_address,
    logout_ends_the_session_and_cross_site_posts_are_refused,
    openapi_documents_the_auth_routes,
);

/// `GET path` with a cookie: status and JSON body.
async fn get(s: &TestServer, path: &str, cookie: &str) -> (StatusCode, Value) {
    let resp = s.client.get(s.url(path)).header("cookie", cookie).send().await.unwrap();
    (resp.status(), resp.json().await.unwrap_or(Value::Null))
}

fn serial_of(pem: &str) -> String {
    Certificate::from_pem(pem).unwrap().serial().unwrap().to_string()
}

/// The codes of the `auth.login.failed` events, oldest first.
async fn failure_codes(s: &TestServer) -> Vec<String> {
    let details = s
        .sql_strings("SELECT details FROM audit_events WHERE action = 'auth.login.failed' ORDER BY seq")
        .await;
    details
        .iter()
        .map(|d| serde_json::from_str::<Value>(d).unwrap()["code"].as_str().unwrap().into())
        .collect()
}

fn audit_verify_passes(s: &TestServer) {
    let out = s.sealbid(&["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

async fn login_rotates_the_session_and_revocation_ends_it(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (key, pem) = s.issue_person("bidder", "张三");
    let chain = [pem.clone()];
    let serial = serial_of(&pem);

    let first = login(&s.client, &s.base, &key, &chain).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["serial"], serial.as_str());
    assert_eq!(first.body["role"], "bidder");
    assert_eq!(first.body["uscc"], "91350100M000100Y43");
    assert_eq!(first.body["organization"], "福建某某制药有限公司");
    assert!(first.body["subject"].as_str().unwrap().contains("张三"), "{}", first.body);
    assert!(first.body["not_after"].as_str().unwrap().ends_with('Z'));
    let a = first.cookie.clone().expect("a session cookie");
    let (st, me) = get(&s, "/api/v1/auth/me", &a).await;
    assert_eq!(st, StatusCode::OK, "{me}");
    assert_eq!(me, first.body);

    // Logging in again while holding session A: the id is rotated, A is dead.
    let attempt = LoginAttempt::new(challenge(&s.client, &s.base).await, &s.base);
    let second = post_login(&s.client, &s.base, &attempt.body(&key, &chain), Some(&a)).await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    let b = second.cookie.clone().expect("a new session cookie");
    assert_ne!(a, b, "the session id changes at login");
    assert_eq!(get(&s, "/api/v1/auth/me", &a).await.1["error"], "not_logged_in");
    assert_eq!(get(&s, "/api/v1/auth/me", &b).await.0, StatusCode::OK);

    // Revoked with the real CLI: the live session ends at its next request.
    let out = s.sealbid(&["ca", "revoke", "--serial", &serial, "--reason", "key-compromise"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (st, body) = get(&s, "/api/v1/auth/me", &b).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "certificate_revoked");
    assert_eq!(get(&s, "/api/v1/auth/me", &b).await.1["error"], "not_logged_in", "the session was ended");
    let again = login(&s.client, &s.base, &key, &chain).await;
    assert_eq!((again.status, again.code()), (StatusCode::UNAUTHORIZED, "certificate_revoked"));

    let logins = s.sql_strings("SELECT subject FROM audit_events WHERE action = 'auth.login'").await;
    assert_eq!(logins, [serial.clone(), serial]);
    assert_eq!(failure_codes(&s).await, ["certificate_revoked"]);
    audit_verify_passes(&s);
    s.stop().await;
}

async fn challenges_are_single_use_and_short_lived(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (key, pem) = s.issue_person("bidder", "李四");
    let chain = [pem];

    let resp = s.client.get(s.url("/api/v1/auth/challenge")).send().await.unwrap();
    let body: Value = resp.json().await.unwrap();
    let c = body["challenge"].as_str().unwrap().to_string();
    assert!(hex::decode(&c).unwrap().len() >= 16, "{body}");
    let expires = OffsetDateTime::parse(
        body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = expires - OffsetDateTime::now_utc();
    assert!(left > Duration::seconds(60) && left <= Duration::seconds(121), "{body}");

    let signed = LoginAttempt::new(c, &s.base).body(&key, &chain);
    assert_eq!(post_login(&s.client, &s.base, &signed, None).await.status, StatusCode::OK);
    let replay = post_login(&s.client, &s.base, &signed, None).await;
    assert_eq!((replay.status, replay.code()), (StatusCode::UNAUTHORIZED, "challenge_replayed"));

    // Two logins racing with one challenge: exactly one wins.
    let signed = LoginAttempt::new(challenge(&s.client, &s.base).await, &s.base).body(&key, &chain);
    let (x, y) = tokio::join!(
        post_login(&s.client, &s.base, &signed, None),
        post_login(&s.client, &s.base, &signed, None)
    );
    let mut codes = [x.code().to_string(), y.code().to_string()];
    codes.sort();
    assert_eq!(codes, ["", "challenge_replayed"], "{:?} {:?}", x.body, y.body);

    let unknown = LoginAttempt::new("00".repeat(32), &s.base).body(&key, &chain);
    assert_eq!(post_login(&s.client, &s.base, &unknown, None).await.code(), "challenge_unknown");

    // A challenge issued three minutes ago (lifetime two minutes).
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let old = "ab".repeat(32);
    s.sql_execute(&format!(
        "INSERT INTO auth_challenges (challenge, created_at, expires_at, used_at) VALUES ('{old}', {}, {}, NULL)",
        now - 180,
        now - 60
    ))
    .await;
    let expired = LoginAttempt::new(old, &s.base).body(&key, &chain);
    let out = post_login(&s.client, &s.base, &expired, None).await;
    assert_eq!((out.status, out.code()), (StatusCode::UNAUTHORIZED, "challenge_expired"));

    assert_eq!(
        failure_codes(&s).await,
        ["challenge_replayed", "challenge_replayed", "challenge_unknown", "challenge_expired"]
    );
    audit_verify_passes(&s);
    s.stop().await;
}

/// A person certificate from a CA that is not the server's.
fn foreign_person() -> (PrivateKey, String) {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let validity = Validity::new(now - Duration::hours(1), now + Duration::days(30)).unwrap();
    let root_subject = sealbid_crypto::pki::SubjectInfo::new("Foreign Root CA");
    let root = Issuer::new_root(
        PrivateKey::generate().unwrap(),
        &root_subject,
        validity,
        CertSerial::random().unwrap(),
    )
    .unwrap();
    let key = PrivateKey::generate().unwrap();
    let subject = sealbid_crypto::pki::SubjectInfo {
        role: Some(sealbid_crypto::pki::Role::Bidder),
        ..sealbid_crypto::pki::SubjectInfo::new("王五")
    };
    let csr = Csr::create(&key, &subject).unwrap().verify().unwrap();
    let cert = root
        .issue_from_csr(
            &csr,
            Profile::Person,
            validity,
            CertSerial::random().unwrap(),
            "http://x.invalid/crl",
        )
        .unwrap();
    (key, cert.to_pem().unwrap())
}

async fn foreign_certificates_and_bad_signatures_are_refused(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (key, pem) = s.issue_person("bidder", "赵六");
    let chain = [pem];
    let attempt = |f: fn(&mut LoginAttempt)| {
        let (client, base) = (s.client.clone(), s.base.clone());
        async move {
            let mut a = LoginAttempt::new(challenge(&client, &base).await, &base);
            f(&mut a);
            a
        }
    };
    let try_with = |a: LoginAttempt, k: PrivateKey, c: Vec<String>| {
        let (client, base) = (s.client.clone(), s.base.clone());
        async move { post_login(&client, &base, &a.body(&k, &c), None).await }
    };

    let (fkey, fpem) = foreign_person();
    let out = try_with(attempt(|_| {}).await, fkey, vec![fpem]).await;
    assert_eq!(
        (out.status, out.code()),
        (StatusCode::UNAUTHORIZED, "certificate_untrusted"),
        "{:?}",
        out.body
    );

    // The TSA's certificate chains to the root but may not log in (usage).
    let tsa = std::fs::read_to_string(s.data_dir().join("tsa.pem")).unwrap();
    let out = try_with(attempt(|_| {}).await, key.clone(), vec![tsa]).await;
    assert_eq!(out.code(), "certificate_untrusted", "{:?}", out.body);

    let stranger = PrivateKey::generate().unwrap();
    let out = try_with(attempt(|_| {}).await, stranger, chain.to_vec()).await;
    assert_eq!((out.status, out.code()), (StatusCode::UNAUTHORIZED, "bad_signature"));

    let out = try_with(attempt(|a| a.purpose = Purpose::Bid).await, key.clone(), chain.to_vec()).await;
    assert_eq!(out.code(), "bad_signature", "a bid signature over the same bytes is no login");

    let out =
        try_with(attempt(|a| a.origin = "https://evil.example".into()).await, key.clone(), chain.to_vec())
            .await;
    assert_eq!((out.status, out.code()), (StatusCode::UNAUTHORIZED, "origin_mismatch"));

    let skewed: fn(&mut LoginAttempt) = |a| a.time -= Duration::minutes(10);
    let out = try_with(attempt(skewed).await, key.clone(), chain.to_vec()).await;
    assert_eq!(out.code(), "clock_skew");

    // Malformed: 400 naming the field, audited too.
    let mut body = attempt(|_| {}).await.body(&key, &chain);
    body["signature"] = json!("not base64!");
    let out = post_login(&s.client, &s.base, &body, None).await;
    assert_eq!(out.status, StatusCode::BAD_REQUEST);
    assert!(out.body["message"].as_str().unwrap().contains("signature"), "{:?}", out.body);

    // The honest login still works (two bad signatures do not lock).
    let ok = try_with(attempt(|_| {}).await, key, chain.to_vec()).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(
        failure_codes(&s).await,
        [
            "certificate_untrusted",
            "certificate_untrusted",
            "bad_signature",
            "bad_signature",
            "origin_mismatch",
            "clock_skew",
            "bad_request"
        ]
    );
    audit_verify_passes(&s);
    s.stop().await;
}

async fn five_bad_signatures_lock_until_cli_unlock(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (key, pem) = s.issue_person("official", "钱七");
    let chain = [pem.clone()];
    let stranger = PrivateKey::generate().unwrap();
    for i in 0..5 {
        let out = login(&s.client, &s.base, &stranger, &chain).await;
        assert_eq!(out.code(), "bad_signature", "attempt {i}");
    }
    let out = login(&s.client, &s.base, &key, &chain).await;
    assert_eq!((out.status, out.code()), (StatusCode::UNAUTHORIZED, "account_locked"), "{:?}", out.body);

    let serial = serial_of(&pem);
    let done = s.sealbid(&["auth", "unlock", "--serial", &serial]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(String::from_utf8_lossy(&done.stdout).contains("unlocked"));
    let out = login(&s.client, &s.base, &key, &chain).await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.body);
    assert_eq!(out.body["role"], "official");

    let mut expected = vec!["bad_signature"; 5];
    expected.push("account_locked");
    assert_eq!(failure_codes(&s).await, expected);
    let unlocks = s.sql_strings("SELECT subject FROM audit_events WHERE action = 'auth.unlock'").await;
    assert_eq!(unlocks, [serial]);
    audit_verify_passes(&s);
    s.stop().await;
}

/// The attacker of issue 15: a rival who has the bidder's certificate (it is
/// in every signed PDF) sends six bad signatures for it from 127.0.0.2. The
/// rival's address is locked for that certificate, even with a good
/// signature; the owner, from 127.0.0.1, logs in.
async fn a_strangers_failures_lock_only_the_strangers_address(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (key, pem) = s.issue_person("bidder", "李投标");
    let chain = [pem.clone()];
    let rival = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let junk = PrivateKey::generate().unwrap();
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(login(&rival, &s.base, &junk, &chain).await.code().to_string());
    }
    assert_eq!(
        codes,
        [
            "bad_signature",
            "bad_signature",
            "bad_signature",
            "bad_signature",
            "bad_signature",
            "account_locked"
        ]
    );
    let out = login(&rival, &s.base, &key, &chain).await;
    assert_eq!((out.status, out.code()), (StatusCode::UNAUTHORIZED, "account_locked"), "{:?}", out.body);
    assert!(out.body["message"].as_str().unwrap().contains("127.0.0.2"), "{:?}", out.body);

    let out = login(&s.client, &s.base, &key, &chain).await;
    assert_eq!(out.status, StatusCode::OK, "the owner is not locked out: {:?}", out.body);
    assert_eq!(out.body["role"], "bidder");
    // The failures were audited with the rival's address as the actor.
    let actors = s.sql_strings("SELECT actor FROM audit_events WHERE action = 'auth.login.failed'").await;
    assert_eq!(actors, vec!["127.0.0.2"; 7]);
    s.stop().await;
}

async fn logout_ends_the_session_and_cross_site_posts_are_refused(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (key, pem) = s.issue_person("centre", "孙八");
    let out = login(&s.client, &s.base, &key, &[pem]).await;
    let cookie = out.cookie.expect("a session cookie");
    let post = |path: &str, origin: Option<&str>| {
        let mut req = s.client.post(s.url(path)).header("cookie", &cookie).json(&json!({ "serials": [] }));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };

    for path in ["/api/v1/auth/logout", "/api/v1/pki/certificates/status"] {
        let resp = post(path, Some("https://evil.example")).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(resp.json::<Value>().await.unwrap()["error"], "csrf_rejected");
        let resp = post(path, None).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path} without Origin or Referer");
    }
    // Without the session cookie nothing is at stake: public POSTs pass.
    let resp = s.client.post(s.url("/api/v1/pki/certificates/status")).json(&json!({ "serials": [] }));
    assert_eq!(resp.send().await.unwrap().status(), StatusCode::OK);
    // A Referer on our origin is accepted when Origin is absent.
    let resp = s
        .client
        .post(s.url("/api/v1/pki/certificates/status"))
        .header("cookie", &cookie)
        .header("referer", format!("{}/tenders", s.base))
        .json(&json!({ "serials": [] }));
    assert_eq!(resp.send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(get(&s, "/api/v1/auth/me", &cookie).await.0, StatusCode::OK, "refused POSTs changed nothing");

    let resp = post("/api/v1/auth/logout", Some(&s.base)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (st, body) = get(&s, "/api/v1/auth/me", &cookie).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("not_logged_in")));
    let (st, body) = get(&s, "/api/v1/auth/me", "").await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("not_logged_in")));
    let logouts = s.sql_strings("SELECT action FROM audit_events WHERE action = 'auth.logout'").await;
    assert_eq!(logouts.len(), 1);
    audit_verify_passes(&s);
    s.stop().await;
}

async fn openapi_documents_the_auth_routes(engine: Engine) {
    let s = TestServer::start(engine).await;
    let doc: Value = s.client.get(s.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for (path, method) in [
        ("/api/v1/auth/challenge", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/me", "get"),
        ("/api/v1/auth/logout", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is not documented");
    }
    assert!(doc["components"]["schemas"]["User"].is_object());
    s.stop().await;
}
