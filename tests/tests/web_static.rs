//! `sealbid serve` serves the built web app at `/`: files with their content
//! types (`.wasm` as `application/wasm`), `index.html` for the app's own
//! paths, the JSON 404 for unknown API paths, and a page saying how to build
//! the app when it is missing. SQLite only: nothing here touches the database.

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use sealbid_tests::{Engine, TestServer};

/// A built app: index.html, the wasm module, a style sheet.
fn fake_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>app-index-marker</title>").unwrap();
    std::fs::write(dir.path().join("sealbid_frontend_bg.wasm"), b"\0asm\x01\0\0\0wasm-bytes").unwrap();
    std::fs::write(dir.path().join("style.css"), "body { color: red }").unwrap();
    dir
}

async fn fetch(s: &TestServer, method: reqwest::Method, path: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = s.client.request(method, s.url(path)).send().await.unwrap();
    let ct = resp.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (resp.status(), ct, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_app_is_served_with_its_content_types_and_spa_fallback() {
    let dist = fake_dist();
    let web = dist.path().to_path_buf();
    let s = TestServer::start_with(Engine::Sqlite, move |c| c.web_dir = web).await;
    let get = reqwest::Method::GET;

    let (status, ct, body) = fetch(&s, get.clone(), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(String::from_utf8_lossy(&body).contains("app-index-marker"));

    let (status, ct, body) = fetch(&s, get.clone(), "/sealbid_frontend_bg.wasm").await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/wasm"));
    assert_eq!(body, b"\0asm\x01\0\0\0wasm-bytes");

    let (status, ct, _) = fetch(&s, get.clone(), "/style.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/css"), "{ct}");

    for app_path in ["/tenders/T2026-0001", "/login", "/index.html"] {
        let (status, ct, body) = fetch(&s, get.clone(), app_path).await;
        assert_eq!(status, StatusCode::OK, "{app_path}");
        assert!(ct.starts_with("text/html"), "{app_path}: {ct}");
        assert!(String::from_utf8_lossy(&body).contains("app-index-marker"), "{app_path} gets index.html");
    }

    // API paths never fall back to the app: their 404 stays JSON.
    for api_path in ["/api/v1/no-such-route", "/pki/no-such-file", "/api"] {
        let (status, ct, body) = fetch(&s, get.clone(), api_path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{api_path}");
        assert!(ct.starts_with("application/json"), "{api_path}: {ct}");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(v["message"].as_str().unwrap().contains(api_path), "{v}");
    }
    // Only GET and HEAD reach the app.
    let (status, ct, _) = fetch(&s, reqwest::Method::POST, "/login").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ct.starts_with("application/json"), "{ct}");
    let (status, _, _) = fetch(&s, reqwest::Method::HEAD, "/").await;
    assert_eq!(status, StatusCode::OK);
    // The API itself is unaffected.
    let (status, _, _) = fetch(&s, get, "/api/v1/health").await;
    assert_eq!(status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_app_gets_a_page_saying_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let web = empty.path().join("dist");
    let s = TestServer::start_with(Engine::Sqlite, move |c| c.web_dir = web).await;
    for path in ["/", "/tenders/T2026-0001"] {
        let (status, ct, body) = fetch(&s, reqwest::Method::GET, path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(ct.starts_with("text/html"), "{ct}");
        let page = String::from_utf8(body).unwrap();
        assert!(page.contains("scripts/build-frontend.sh") && page.contains("SEALBID_WEB_DIR"), "{page}");
    }
    let (status, _, _) = fetch(&s, reqwest::Method::GET, "/api/v1/health").await;
    assert_eq!(status, StatusCode::OK, "the API works without the app");
    s.stop().await;
}
