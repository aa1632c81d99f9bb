//! The certificate lifecycle over HTTP against the real server, on SQLite
//! and on PostgreSQL: apply → approve → login → revoke → login refused;
//! rejection with a reason the applicant sees; input checks naming the
//! field; every route × every role; unlock of a lockout; the expiring list;
//! and every state change audited while `sealbid audit verify` passes; the
//! organisations the issued certificates recorded, listed by kind; dual
//! control of privileged roles (two operators for an official's certificate
//! or grant).
//!
//! The operator's own certificate is issued in setup with the real
//! `sealbid ca issue` against the server's data directory.

use reqwest::StatusCode;
use sealbid_crypto::PrivateKey;
use sealbid_crypto::pki::{CertSerial, Certificate, Crl, Csr, Role, SubjectInfo};
use sealbid_tests::auth::{challenge, post_login};
use sealbid_tests::bidding::enrol;
use sealbid_tests::{Engine, LoginAttempt, TestServer, login, on_both_engines};
use serde_json::{Value, json};

on_both_engines!(
    apply_approve_login_revoke_then_login_is_refused,
    rejection_carries_its_reason_to_the_applicant,
    bad_input_is_refused_naming_the_field,
    every_route_for_every_role,
    operator_unlock_clears_a_lockout,
    expiring_lists_only_certificates_due_within_the_window,
    organisations_are_listed_by_kind_to_anyone_logged_in,
    a_privileged_role_takes_two_operators,
);

const USCC: &str = "91350100M000100Y43";

/// `GET path` (with a session cookie if given): status and JSON body (or the text as a JSON string).
async fn get(s: &TestServer, path: &str, cookie: Option<&str>) -> (StatusCode, Value) {
    let mut req = s.client.get(s.url(path));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    answer(req.send().await.unwrap()).await
}

/// `POST path` from the server's own origin, with a JSON body if given.
async fn post(s: &TestServer, path: &str, body: Option<Value>, cookie: Option<&str>) -> (StatusCode, Value) {
    let mut req = s.client.post(s.url(path)).header("origin", &s.base);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    answer(req.send().await.unwrap()).await
}

async fn answer(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// The application form for a new key, filled in for `role`.
fn form(key: &PrivateKey, name: &str, role: &str) -> Value {
    let csr = Csr::create(key, &SubjectInfo::new(name)).unwrap().to_pem().unwrap();
    json!({
        "org_name": "福建某某制药有限公司", "uscc": USCC, "kind": "manufacturer",
        "drug_account": true, "consumables_account": false,
        "address": "福州市鼓楼区五四路 1 号", "phone": "0591-12345678", "operation": "new",
        "agent_name": name, "agent_id_number": "35010219800101123X", "agent_phone": "13800000000",
        "role": role, "csr_pem": csr,
    })
}

/// Submits a form; returns the application id and the applicant's status token.
async fn apply(s: &TestServer, body: Value) -> (i64, String) {
    let (st, resp) = post(s, "/api/v1/applications", Some(body), None).await;
    assert_eq!(st, StatusCode::CREATED, "{resp}");
    assert_eq!(resp["status"], "pending");
    (resp["id"].as_i64().unwrap(), resp["token"].as_str().unwrap().to_string())
}

/// Issues a certificate of `role` with the CLI and logs in; returns the session cookie and serial.
async fn logged_in(s: &TestServer, role: &str) -> (String, String) {
    let (key, pem) = s.issue_person(role, &format!("{role} 测试"));
    let out = login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.body);
    (out.cookie.unwrap(), serial_of(&pem))
}

fn serial_of(pem: &str) -> String {
    Certificate::from_pem(pem).unwrap().serial().unwrap().to_string()
}

async fn approve(s: &TestServer, op: &str, id: i64, days: i64) -> String {
    let path = format!("/api/v1/applications/{id}/approve");
    let (st, body) = post(s, &path, Some(json!({ "days": days })), Some(op)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["issued_serial"].as_str().unwrap().to_string()
}

async fn actions(s: &TestServer) -> Vec<String> {
    s.sql_strings("SELECT action FROM audit_events ORDER BY seq").await
}

fn audit_verify_passes(s: &TestServer) {
    let out = s.sealbid(&["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

async fn apply_approve_login_revoke_then_login_is_refused(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op, op_serial) = logged_in(&s, "operator").await;
    let key = PrivateKey::generate().unwrap();
    let (id, token) = apply(&s, form(&key, "张三", "bidder")).await;

    let (st, view) = get(&s, &format!("/api/v1/applications/{id}?token={token}"), None).await;
    assert_eq!((st, &view["status"]), (StatusCode::OK, &json!("pending")), "{view}");
    let (st, _) = get(&s, &format!("/api/v1/applications/{id}/certificate?token={token}"), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "no certificate before approval");
    let (_, pending) = get(&s, "/api/v1/applications?status=pending", Some(&op)).await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["uscc"], USCC);

    let serial = approve(&s, &op, id, 365).await;
    let again = post(&s, &format!("/api/v1/applications/{id}/approve"), None, Some(&op)).await;
    assert_eq!(again.0, StatusCode::CONFLICT, "{}", again.1);
    assert!(again.1["message"].as_str().unwrap().contains("already approved"), "{}", again.1);
    let reason = Some(json!({ "reason": "late" }));
    assert_eq!(
        post(&s, &format!("/api/v1/applications/{id}/reject"), reason, Some(&op)).await.0,
        StatusCode::CONFLICT
    );

    let (_, view) = get(&s, &format!("/api/v1/applications/{id}?token={token}"), None).await;
    assert_eq!((&view["status"], &view["issued_serial"]), (&json!("approved"), &json!(serial)), "{view}");
    let (st, pem) = get(&s, &format!("/api/v1/applications/{id}/certificate?token={token}"), None).await;
    assert_eq!(st, StatusCode::OK);
    let pem = pem.as_str().unwrap().to_string();
    let info = Certificate::from_pem(&pem).unwrap().subject_info().unwrap();
    assert_eq!((info.common_name.as_str(), info.role), ("张三", Some(Role::Bidder)));
    assert_eq!(info.uscc.unwrap().as_str(), USCC);
    let orgs = s.sql_strings("SELECT uscc FROM organisations").await;
    assert_eq!(orgs, [USCC]);

    let first = login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await;
    assert_eq!((first.status, &first.body["role"]), (StatusCode::OK, &json!("bidder")), "{:?}", first.body);
    let revoke = format!("/api/v1/certificates/{serial}/revoke");
    let (st, body) = post(&s, &revoke, Some(json!({ "reason": "key-compromise" })), Some(&op)).await;
    assert_eq!((st, &body["status"]), (StatusCode::OK, &json!("revoked")), "{body}");
    let twice = post(&s, &revoke, Some(json!({ "reason": "key-compromise" })), Some(&op)).await;
    assert_eq!(twice.0, StatusCode::CONFLICT, "{}", twice.1);

    // Effective at once: the published CRL lists it and the next login fails.
    let crl = s.client.get(s.url("/pki/crl")).send().await.unwrap().bytes().await.unwrap();
    let listed = Crl::from_der(&crl).unwrap().lookup(&serial.parse::<CertSerial>().unwrap()).unwrap();
    assert!(listed.is_some(), "the CRL lists {serial}");
    let refused = login(&s.client, &s.base, &key, &[pem]).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::UNAUTHORIZED, "certificate_revoked"));

    let all = actions(&s).await;
    for expected in ["application.submitted", "certificate.issued", "certificate.revoked"] {
        assert!(all.iter().any(|a| a == expected), "{expected} missing from {all:?}");
    }
    let issued_by = s.sql_strings("SELECT actor FROM audit_events WHERE action = 'certificate.issued'").await;
    assert_eq!(issued_by, [op_serial]);
    audit_verify_passes(&s);
    s.stop().await;
}

async fn rejection_carries_its_reason_to_the_applicant(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op, _) = logged_in(&s, "operator").await;
    let (id, token) = apply(&s, form(&PrivateKey::generate().unwrap(), "李四", "bidder")).await;
    let path = format!("/api/v1/applications/{id}/reject");

    let (st, body) = post(&s, &path, Some(json!({ "reason": "  " })), Some(&op)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("reason"), "{body}");
    let (st, body) = post(&s, &path, Some(json!({})), Some(&op)).await;
    assert!(st.is_client_error() && body["message"].as_str().unwrap().contains("reason"), "{st} {body}");

    let why = "营业执照复印件不清晰，请重新提交";
    let (st, body) = post(&s, &path, Some(json!({ "reason": why })), Some(&op)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, view) = get(&s, &format!("/api/v1/applications/{id}?token={token}"), None).await;
    assert_eq!((&view["status"], &view["reason"]), (&json!("rejected"), &json!(why)), "{view}");
    assert!(view["issued_serial"].is_null());
    let approve = post(&s, &format!("/api/v1/applications/{id}/approve"), None, Some(&op)).await;
    assert_eq!(approve.0, StatusCode::CONFLICT);
    assert!(approve.1["message"].as_str().unwrap().contains("already rejected"), "{}", approve.1);
    assert_eq!(
        get(&s, &format!("/api/v1/applications/{id}/certificate?token={token}"), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&s, &format!("/api/v1/applications/99999?token={token}"), None).await.0,
        StatusCode::NOT_FOUND
    );

    let all = actions(&s).await;
    assert!(all.iter().any(|a| a == "application.rejected"), "{all:?}");
    audit_verify_passes(&s);
    s.stop().await;
}

async fn bad_input_is_refused_naming_the_field(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = PrivateKey::generate().unwrap();
    let with = |field: &str, value: Value| {
        let mut f = form(&key, "王五", "bidder");
        f[field] = value;
        f
    };
    // A request whose signature no longer verifies (last byte of the signature changed).
    let mut der = Csr::create(&key, &SubjectInfo::new("王五")).unwrap().to_der().to_vec();
    *der.last_mut().unwrap() ^= 1;
    let tampered = Csr::from_der(&der).unwrap().to_pem().unwrap();
    let mut missing = form(&key, "王五", "bidder");
    missing.as_object_mut().unwrap().remove("agent_name");

    let cases = [
        ("uscc", with("uscc", json!("91350100M000100Y44"))),
        ("uscc", with("uscc", json!("913501"))),
        ("csr_pem", with("csr_pem", json!(tampered))),
        (
            "csr_pem",
            with(
                "csr_pem",
                json!("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"),
            ),
        ),
        ("role", with("role", json!("admin"))),
        // A manufacturer asking for a privileged role (issue 15).
        ("role", with("role", json!("official"))),
        ("role", with("role", json!("operator"))),
        ("kind", with("kind", json!("bank"))),
        ("operation", with("operation", json!("delete"))),
        ("org_name", with("org_name", json!("某".repeat(65)))),
        ("agent_id_number", with("agent_id_number", json!("12345"))),
        ("agent_phone", with("agent_phone", json!("call me"))),
        ("agent_name", missing),
    ];
    for (field, body) in cases {
        let (st, resp) = post(&s, "/api/v1/applications", Some(body), None).await;
        assert!(
            st == StatusCode::BAD_REQUEST || st == StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {st} {resp}"
        );
        assert!(resp["message"].as_str().unwrap().contains(field), "{field}: {resp}");
    }
    let (st, resp) = post(&s, "/api/v1/applications", Some(with("role", json!("official"))), None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{resp}");
    let msg = resp["message"].as_str().unwrap();
    assert!(msg.contains("manufacturer may not hold the official role") && msg.contains("bidder"), "{resp}");
    let stored = s.sql_strings("SELECT org_name FROM certificate_applications").await;
    assert!(stored.is_empty(), "nothing invalid is stored: {stored:?}");
    s.stop().await;
}

/// Status each principal gets from each route.
struct Expect<'a> {
    method: &'static str,
    path: &'a str,
    body: Option<Value>,
    /// What an operator gets (others get 403 on operator routes).
    operator: StatusCode,
    /// Whether only an operator may use it.
    operator_only: bool,
}

async fn every_route_for_every_role(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut principals: Vec<(&str, Option<String>)> = vec![("no session", None)];
    for role in Role::ALL {
        principals.push((role.as_str(), Some(logged_in(&s, role.as_str()).await.0)));
    }
    let (id, token) = apply(&s, form(&PrivateKey::generate().unwrap(), "赵六", "bidder")).await;
    assert_eq!(id, 1);
    let (status, certificate) = (
        format!("/api/v1/applications/1?token={token}"),
        format!("/api/v1/applications/1/certificate?token={token}"),
    );
    let routes = [
        ("POST", "/api/v1/applications", None, StatusCode::CREATED, false),
        ("GET", status.as_str(), None, StatusCode::OK, false),
        ("GET", certificate.as_str(), None, StatusCode::NOT_FOUND, false),
        ("GET", "/api/v1/applications/1/seal-samples/1", None, StatusCode::NOT_FOUND, true),
        ("GET", "/api/v1/applications?status=pending", None, StatusCode::OK, true),
        ("POST", "/api/v1/applications/999/approve", None, StatusCode::NOT_FOUND, true),
        (
            "POST",
            "/api/v1/applications/999/reject",
            Some(json!({ "reason": "x" })),
            StatusCode::NOT_FOUND,
            true,
        ),
        (
            "POST",
            "/api/v1/certificates/ABCDEF/revoke",
            Some(json!({ "reason": "superseded" })),
            StatusCode::NOT_FOUND,
            true,
        ),
        ("POST", "/api/v1/certificates/ABCDEF/unlock", None, StatusCode::OK, true),
        ("GET", "/api/v1/certificates/expiring?days=30", None, StatusCode::OK, true),
    ]
    .map(|(method, path, body, operator, operator_only)| Expect {
        method,
        path,
        body,
        operator,
        operator_only,
    });

    let key = PrivateKey::generate().unwrap();
    for r in &routes {
        for (who, cookie) in &principals {
            let body = if r.path == "/api/v1/applications" {
                Some(form(&key, "赵六", "bidder"))
            } else {
                r.body.clone()
            };
            let (st, resp) = match r.method {
                "GET" => get(&s, r.path, cookie.as_deref()).await,
                _ => post(&s, r.path, body, cookie.as_deref()).await,
            };
            let (want, code) = match (*who, r.operator_only) {
                (_, false) | ("operator", true) => (r.operator, None),
                ("no session", true) => (StatusCode::UNAUTHORIZED, Some("not_logged_in")),
                _ => (StatusCode::FORBIDDEN, Some("forbidden")),
            };
            assert_eq!(st, want, "{} {} as {who}: {resp}", r.method, r.path);
            if let Some(code) = code {
                assert_eq!(resp["error"], code, "{} {} as {who}", r.method, r.path);
            }
        }
    }
    // Every route here is in the OpenAPI document.
    let (_, doc) = get(&s, "/api/v1/openapi.json", None).await;
    for r in &routes {
        let templated = r.path.split('?').next().unwrap().replace("/seal-samples/1", "/seal-samples/{n}");
        let templated = templated.replace("/1", "/{id}").replace("/999", "/{id}");
        let templated = templated.replace("ABCDEF", "{serial}");
        assert!(doc["paths"][&templated][r.method.to_lowercase()].is_object(), "{templated} not documented");
    }
    audit_verify_passes(&s);
    s.stop().await;
}

async fn operator_unlock_clears_a_lockout(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op, op_serial) = logged_in(&s, "operator").await;
    let (key, pem) = s.issue_person("bidder", "孙七");
    let (chain, serial) = ([pem.clone()], serial_of(&pem));
    let wrong = PrivateKey::generate().unwrap();
    for _ in 0..5 {
        let attempt = LoginAttempt::new(challenge(&s.client, &s.base).await, &s.base);
        let out = post_login(&s.client, &s.base, &attempt.body(&wrong, &chain), None).await;
        assert_eq!(out.code(), "bad_signature", "{:?}", out.body);
    }
    assert_eq!(login(&s.client, &s.base, &key, &chain).await.code(), "account_locked");

    let (st, body) = post(&s, &format!("/api/v1/certificates/{serial}/unlock"), None, Some(&op)).await;
    assert_eq!((st, &body["was_locked"]), (StatusCode::OK, &json!(true)), "{body}");
    let out = login(&s.client, &s.base, &key, &chain).await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.body);

    let by = s.sql_strings("SELECT actor FROM audit_events WHERE action = 'auth.unlock'").await;
    assert_eq!(by, [op_serial]);
    audit_verify_passes(&s);
    s.stop().await;
}

async fn expiring_lists_only_certificates_due_within_the_window(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op, _) = logged_in(&s, "operator").await;
    let (soon, _) = apply(&s, form(&PrivateKey::generate().unwrap(), "周八", "bidder")).await;
    let (later, _) = apply(&s, form(&PrivateKey::generate().unwrap(), "吴九", "bidder")).await;
    let soon = approve(&s, &op, soon, 10).await;
    let later = approve(&s, &op, later, 365).await;

    let listed = |body: &Value| -> Vec<String> {
        body.as_array().unwrap().iter().map(|c| c["serial"].as_str().unwrap().to_string()).collect()
    };
    let (st, body) = get(&s, "/api/v1/certificates/expiring?days=30", Some(&op)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(listed(&body).contains(&soon), "{body}");
    assert!(!listed(&body).contains(&later), "{body}");
    let (_, body) = get(&s, "/api/v1/certificates/expiring?days=5", Some(&op)).await;
    assert!(!listed(&body).contains(&soon), "{body}");
    let (st, _) = get(&s, "/api/v1/certificates/expiring?days=0", Some(&op)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // A revoked certificate is no longer due for renewal.
    let path = format!("/api/v1/certificates/{soon}/revoke");
    assert_eq!(post(&s, &path, Some(json!({ "reason": "superseded" })), Some(&op)).await.0, StatusCode::OK);
    let (_, body) = get(&s, "/api/v1/certificates/expiring?days=30", Some(&op)).await;
    assert!(!listed(&body).contains(&soon), "{body}");
    audit_verify_passes(&s);
    s.stop().await;
}

async fn organisations_are_listed_by_kind_to_anyone_logged_in(engine: Engine) {
    let s = TestServer::start(engine).await;
    let path = "/api/v1/organisations";
    let (st, body) = get(&s, path, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{body}");
    let (op, _) = logged_in(&s, "operator").await;
    let (st, none) = get(&s, path, Some(&op)).await;
    assert_eq!((st, none), (StatusCode::OK, json!([])), "no unit has a certificate yet");

    let maker = enrol(&s, &op, "bidder", "投标 甲", 21, "manufacturer").await;
    let hospital = enrol(&s, &op, "hospital", "医院 甲", 30, "hospital").await;
    // Any logged-in user may read the list: a bidder here.
    let (st, all) = get(&s, path, Some(&maker.cookie)).await;
    assert_eq!(st, StatusCode::OK, "{all}");
    let listed: Vec<(&str, &str, &str)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["uscc"].as_str().unwrap(), o["name"].as_str().unwrap(), o["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [(maker.uscc.as_str(), "单位21", "manufacturer"), (hospital.uscc.as_str(), "单位30", "hospital")],
        "by name: {all}"
    );
    assert!(all[0].get("address").is_none() && all[0].get("phone").is_none(), "only public fields: {all}");
    let (st, hospitals) = get(&s, &format!("{path}?kind=hospital"), Some(&maker.cookie)).await;
    assert_eq!(st, StatusCode::OK, "{hospitals}");
    assert_eq!(hospitals, json!([{ "uscc": hospital.uscc, "name": "单位30", "kind": "hospital" }]));

    let (st, bad) = get(&s, &format!("{path}?kind=pharmacy"), Some(&maker.cookie)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
    let message = bad["message"].as_str().unwrap_or_default();
    assert!(message.contains("pharmacy") && message.contains("hospital"), "{bad}");
    let (st, bad) = get(&s, &format!("{path}?colour=red"), Some(&maker.cookie)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
    assert!(bad["message"].as_str().unwrap_or_default().contains("colour"), "{bad}");
    s.stop().await;
}

/// Issue 15: one operator (or a stolen operator session) cannot make an
/// official. The first approval waits (202), the same operator again is
/// refused naming the need for a second operator, and nothing is issued
/// until a different operator approves; the role grant route works the same.
async fn a_privileged_role_takes_two_operators(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (op_a, serial_a) = logged_in(&s, "operator").await;
    let (op_b, _) = logged_in(&s, "operator").await;
    let key = PrivateKey::generate().unwrap();
    let mut body = form(&key, "开标 委员", "official");
    body["kind"] = json!("regulator");
    body["uscc"] = json!(sealbid_tests::bidding::uscc(77));
    let (st, resp) = post(&s, "/api/v1/applications", Some(body), None).await;
    assert_eq!(st, StatusCode::CREATED, "{resp}");
    let (id, token) = (resp["id"].as_i64().unwrap(), resp["token"].as_str().unwrap().to_string());
    let path = format!("/api/v1/applications/{id}/approve");

    let (st, first) = post(&s, &path, Some(json!({})), Some(&op_a)).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["status"], "awaiting_second_approval");
    let (st, again) = post(&s, &path, Some(json!({})), Some(&op_a)).await;
    assert_eq!(st, StatusCode::CONFLICT, "{again}");
    assert!(again["message"].as_str().unwrap().contains("second, different operator"), "{again}");
    let (st, status) = get(&s, &format!("/api/v1/applications/{id}?token={token}"), None).await;
    assert_eq!(
        (st, status["status"].as_str()),
        (StatusCode::OK, Some("pending")),
        "nothing issued yet: {status}"
    );
    let (st, cert) = get(&s, &format!("/api/v1/applications/{id}/certificate?token={token}"), None).await;
    assert!(st.is_client_error(), "no certificate before the second approval: {st} {cert}");

    let (st, done) = post(&s, &path, Some(json!({})), Some(&op_b)).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    let issued = done["issued_serial"].as_str().unwrap().to_string();
    let approved = s
        .sql_strings(&format!(
            "SELECT details FROM audit_events WHERE action = 'application.approved' AND subject = '{id}'"
        ))
        .await;
    let details: Value = serde_json::from_str(&approved[0]).unwrap();
    assert_eq!(details["first_operator"], json!(serial_a), "both operators are in the trail: {details}");

    // The role grant route: a bidder's person granted `centre` needs two operators too.
    let bidder = enrol(&s, &op_a, "bidder", "投标 人", 120, "manufacturer").await;
    let (_, me) = get(&s, "/api/v1/people/me", Some(&bidder.cookie)).await;
    let grant = format!("/api/v1/people/{}/roles", me["person"]["id"].as_i64().unwrap());
    let (st, first) = post(&s, &grant, Some(json!({ "role": "centre" })), Some(&op_a)).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{first}");
    let (st, again) = post(&s, &grant, Some(json!({ "role": "centre" })), Some(&op_a)).await;
    assert_eq!(st, StatusCode::CONFLICT, "{again}");
    let (st, granted) = post(&s, &grant, Some(json!({ "role": "centre" })), Some(&op_b)).await;
    assert_eq!(st, StatusCode::CREATED, "{granted}");
    assert!(granted["roles"].to_string().contains("centre"), "{granted}");
    // An unprivileged role takes one operator.
    let (st, _) = post(&s, &grant, Some(json!({ "role": "hospital" })), Some(&op_a)).await;
    assert_eq!(st, StatusCode::CREATED);
    assert!(!issued.is_empty());
    audit_verify_passes(&s);
    s.stop().await;
}
