//! The platform server over HTTP, on SQLite and on PostgreSQL: health, the
//! API's error format and limits, the OpenAPI document, the public PKI
//! endpoints and the TSA (checked with OpenSSL 3).
//!
//! Each test starts the real server in-process on a random port with its own
//! data directory and its own database (see `sealbid_tests::TestServer`).

use std::process::Command;

use reqwest::StatusCode;
use sealbid_crypto::der::Decode;
use sealbid_crypto::pki::{Certificate, Crl};
use sealbid_crypto::tsp::asn1::TimeStampResp;
use sealbid_crypto::tsp::{Stamped, token_from_response, verify_token};
use sealbid_tests::{Engine, TestServer, on_both_engines};
use serde_json::{Value, json};
use sqlx::Connection;

on_both_engines!(
    health_reports_engine_and_migrations,
    malformed_and_oversized_bodies_are_named_4xx,
    openapi_lists_the_routes_that_exist,
    pki_endpoints_serve_certificates_crl_and_status,
    tsa_answers_openssl_queries_over_http,
    tsa_rejects_garbage_and_wrong_media_type,
);

async fn json_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = resp.text().await.unwrap();
    assert!(ct.starts_with("application/json"), "expected JSON, got {ct:?}: {text}");
    (status, serde_json::from_str(&text).unwrap())
}

async fn health_reports_engine_and_migrations(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (status, body) = json_of(s.client.get(s.url("/api/v1/health")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["database"], engine.name());
    assert!(body["migrations_applied"].as_i64().unwrap() >= 1, "{body}");
    assert_eq!(body["migrations_applied"], body["migrations_known"]);
    // Sessions live in the database (tower-sessions' SQL store), not in the process.
    let sessions: i64 = match s.pg() {
        Some(pg) => {
            let mut c = sqlx::PgConnection::connect(&pg.url).await.unwrap();
            sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions.session").fetch_one(&mut c).await.unwrap()
        }
        None => {
            let path = s.data_dir().join("sealbid.db");
            let mut c =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
            sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions").fetch_one(&mut c).await.unwrap()
        }
    };
    assert_eq!(sessions, 0, "the session table exists (and no session was stored yet)");
    s.stop().await;
}

async fn malformed_and_oversized_bodies_are_named_4xx(engine: Engine) {
    let s = TestServer::start_with(engine, |c| c.body_limit = 64 * 1024).await;
    let status_url = s.url("/api/v1/pki/certificates/status");
    let post =
        |body: Vec<u8>, ct: &str| s.client.post(&status_url).header("content-type", ct).body(body).send();

    // Not JSON at all: 400 naming the syntax error and where it is.
    let (st, body) = json_of(post(b"{\"serials\": [".to_vec(), "application/json").await.unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_json");
    assert!(body["message"].as_str().unwrap().contains("line 1"), "{body}");

    // JSON of the wrong shape: 422 naming the field.
    let (st, body) = json_of(post(br#"{"serials": 7}"#.to_vec(), "application/json").await.unwrap()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("serials"), "{body}");

    // Unknown field: refused, named.
    let (st, body) = json_of(post(br#"{"serial": []}"#.to_vec(), "application/json").await.unwrap()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("serial"), "{body}");

    // Wrong media type: 415.
    let (st, body) = json_of(post(br#"{"serials": []}"#.to_vec(), "text/plain").await.unwrap()).await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");

    // A serial that is not hex: 400 naming it.
    let (st, body) =
        json_of(post(br#"{"serials": ["not-hex"]}"#.to_vec(), "application/json").await.unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("not-hex"), "{body}");

    // Oversized, with a declared length: 413 naming the limit.
    let big = vec![b' '; 100 * 1024];
    let (st, body) = json_of(post(big.clone(), "application/json").await.unwrap()).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"], "payload_too_large");
    assert!(body["message"].as_str().unwrap().contains("65536"), "{body}");

    // Oversized and sent chunked, without a length: cut off while reading, still 413 JSON.
    let raw = chunked_post(&s, "/tsa", "application/timestamp-query", &big).await;
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert!(raw.contains("payload_too_large"), "{raw}");

    // Known route, wrong method: 405 JSON.
    let (st, body) = json_of(s.client.get(s.url("/tsa")).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"], "method_not_allowed");

    // Unknown route: 404 JSON.
    let (st, body) = json_of(s.client.get(s.url("/api/v1/nothing")).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    s.stop().await;
}

/// POSTs `body` with `Transfer-Encoding: chunked` over a raw connection; returns the raw response.
async fn chunked_post(s: &TestServer, path: &str, ct: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = s.base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {ct}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(8192) {
        // The server may answer and close before everything is sent.
        if conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || conn.write_all(chunk).await.is_err()
            || conn.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = conn.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = conn.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

async fn openapi_lists_the_routes_that_exist(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (st, doc) = json_of(s.client.get(s.url("/api/v1/openapi.json")).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for expected in ["/api/v1/health", "/pki/crl", "/tsa", "/api/v1/pki/certificates/{serial}/status"] {
        assert!(paths.contains_key(expected), "{expected} missing from the document");
    }
    for (path, ops) in paths {
        let path = path.replace("{serial}", "01");
        for method in ops.as_object().unwrap().keys() {
            let req = match method.as_str() {
                "get" => s.client.get(s.url(&path)),
                "post" => s.client.post(s.url(&path)),
                "put" => s.client.put(s.url(&path)),
                other => panic!("unexpected method {other}"),
            };
            let st = req.send().await.unwrap().status();
            assert!(
                st != StatusCode::NOT_FOUND && st != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but answers {st}"
            );
        }
    }
    s.stop().await;
}

async fn pki_endpoints_serve_certificates_crl_and_status(engine: Engine) {
    let s = TestServer::start(engine).await;
    let get = |p: &str| s.client.get(s.url(p)).send();

    let root = get("/pki/root").await.unwrap();
    assert_eq!(root.status(), StatusCode::OK);
    let root = Certificate::from_pem(&root.text().await.unwrap()).unwrap();
    let issuing = Certificate::from_pem(&get("/pki/issuing").await.unwrap().text().await.unwrap()).unwrap();
    issuing.verify_signed_by(&root).unwrap();

    let crl_resp = get("/pki/crl").await.unwrap();
    assert_eq!(crl_resp.headers()["content-type"], "application/pkix-crl");
    let crl = Crl::from_der(&crl_resp.bytes().await.unwrap()).unwrap();
    crl.verify(&issuing).unwrap();
    assert!(crl.entries().unwrap().is_empty());

    let status = |serial: String| {
        let url = s.url(&format!("/api/v1/pki/certificates/{serial}/status"));
        let c = s.client.clone();
        async move { json_of(c.get(url).send().await.unwrap()).await }
    };
    let serial = issuing.serial().unwrap().to_string();
    let (st, body) = status(serial.to_lowercase()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["status"], "good", "{body}");
    assert_eq!(body["serial"], serial);
    let (_, body) = status("0123456789abcdef".into()).await;
    assert_eq!(body["status"], "unknown", "{body}");
    let (st, body) = status("xyz".into()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");

    // Revoke the seal authority with the offline CLI: the server shows it at once.
    let seal =
        Certificate::from_pem(&std::fs::read_to_string(s.data_dir().join("seal-authority.pem")).unwrap())
            .unwrap();
    let seal_serial = seal.serial().unwrap().to_string();
    let out = s.sealbid(&["ca", "revoke", "--serial", &seal_serial, "--reason", "superseded"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, body) = status(seal_serial.clone()).await;
    assert_eq!(body["status"], "revoked", "{body}");
    assert_eq!(body["reason"], "superseded");
    assert!(body["revoked_at"].as_str().unwrap().ends_with('Z'), "{body}");
    let crl = Crl::from_der(&get("/pki/crl").await.unwrap().bytes().await.unwrap()).unwrap();
    assert!(crl.lookup(&seal.serial().unwrap()).unwrap().is_some(), "the served CRL lists the revocation");

    let batch = json!({ "serials": [serial, seal_serial, "00ff"] });
    let resp = s.client.post(s.url("/api/v1/pki/certificates/status")).json(&batch).send().await.unwrap();
    let (_, body) = json_of(resp).await;
    let statuses: Vec<&str> =
        body.as_array().unwrap().iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["good", "revoked", "unknown"]);
    s.stop().await;
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).output().expect("openssl 3 on PATH");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn post_tsq(s: &TestServer, body: Vec<u8>) -> reqwest::Response {
    s.client
        .post(s.url("/tsa"))
        .header("content-type", "application/timestamp-query")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn tsa_answers_openssl_queries_over_http(engine: Engine) {
    let s = TestServer::start(engine).await;
    let dir = s.scratch();
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    const BID: &str = "报价 12.34 元";
    std::fs::write(dir.join("bid.txt"), BID).unwrap();
    let tsa = Certificate::from_pem(&std::fs::read_to_string(s.data_dir().join("tsa.pem")).unwrap()).unwrap();
    // Serials come from the database and only grow. The log's checkpoint ticker
    // stamps too, so the two queries need not get adjacent serials.
    let mut last: Option<Vec<u8>> = None;
    for _ in 0..2 {
        // The exact commands an external client types.
        openssl(&["ts", "-query", "-data", &p("bid.txt"), "-sha256", "-cert", "-out", &p("q.tsq")]);
        let resp = post_tsq(&s, std::fs::read(dir.join("q.tsq")).unwrap()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "application/timestamp-reply");
        let reply = resp.bytes().await.unwrap();
        std::fs::write(dir.join("r.tsr"), &reply).unwrap();
        let text = openssl(&["ts", "-reply", "-in", &p("r.tsr"), "-text"]);
        assert!(text.contains("Status: Granted."), "{text}");
        assert!(text.contains("Nonce: 0x"), "{text}");
        // `openssl ts -verify` cannot check SM2 token signatures (see openssl_tsp.rs);
        // our verifier checks the signature, the imprint of the data and the serial.
        let token = token_from_response(&reply).unwrap();
        let v = verify_token(&token, Stamped::Data(BID.as_bytes()), tsa.x509(), None).unwrap();
        let serial = v.serial.as_bytes().to_vec();
        let hex = format!("{:02X}", u128_of(&serial));
        assert!(
            text.contains(&format!("Serial number: 0x{hex}")),
            "OpenSSL prints the serial our verifier read ({hex}):\n{text}"
        );
        if let Some(prev) = &last {
            let (a, b) = (u128_of(prev), u128_of(&serial));
            assert!(b > a, "serials grow: {a} then {b}");
        }
        last = Some(serial);
    }
    s.stop().await;
}

/// A DER INTEGER's content bytes as a number (serials are short and positive).
fn u128_of(bytes: &[u8]) -> u128 {
    bytes.iter().fold(0u128, |n, b| (n << 8) | u128::from(*b))
}

async fn tsa_rejects_garbage_and_wrong_media_type(engine: Engine) {
    let s = TestServer::start(engine).await;
    let resp = s.client.post(s.url("/tsa")).header("content-type", "application/json").body("{}").send();
    let (st, body) = json_of(resp.await.unwrap()).await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body["message"].as_str().unwrap().contains("application/timestamp-query"), "{body}");

    for garbage in [b"not DER at all".to_vec(), vec![], vec![0x30, 0x03, 0x02, 0x01, 0x07]] {
        let resp = post_tsq(&s, garbage.clone()).await;
        assert_eq!(resp.status(), StatusCode::OK, "garbage {garbage:?}");
        assert_eq!(resp.headers()["content-type"], "application/timestamp-reply");
        let reply = TimeStampResp::from_der(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(reply.status.status, 2, "rejection for {garbage:?}");
        assert!(reply.status.fail_info.is_some() && reply.time_stamp_token.is_none());
    }
    s.stop().await;
}
