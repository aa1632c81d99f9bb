//! `sealbid serve` serves the built web app at `/`: files with their content
//! types (`.wasm` as `application/wasm`), `index.html` for the app's own
//! paths, the JSON 404 for unknown API paths, and a page saying how to build
//! the app when it is missing. SQLite only: nothing here touches the database.
//!
//! Also: every response (API, app, errors) carries the Content-Security-Policy
//! and the other security headers; the app's real `index.html` loads its
//! scripts from files only (no inline script the CSP would have to allow);
//! and `sealbid webapp digest` computes the digest the build writes into
//! `release.txt` (`scripts/webapp-digest.sh`, OpenSSL's SM3), over a
//! directory and over what a server serves, and notices a changed file.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use sealbid_tests::{Engine, TestServer, sealbid_bin};

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

/// The policy every response but a PDF carries, spelled out.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-src 'self' blob:; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A dist made of the app's real page and static files (`frontend/index.html`, `frontend/static/*`).
fn real_page_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = workspace().join("frontend");
    std::fs::copy(root.join("index.html"), dir.path().join("index.html")).unwrap();
    for f in std::fs::read_dir(root.join("static")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.path().join("sealbid_frontend.js"), "export default async function init() {}")
        .unwrap();
    std::fs::write(dir.path().join("sealbid_frontend_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    dir
}

/// Each `<script …>` tag of `html` with what stands between it and its `</script>`.
fn scripts(html: &str) -> Vec<(String, String)> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find("<script") {
        let start = at + i;
        let open_end = start + lower[start..].find('>').expect("a closed <script> tag");
        let close = open_end + lower[open_end..].find("</script>").expect("a </script>");
        found.push((lower[start..=open_end].to_string(), html[open_end + 1..close].to_string()));
        at = close;
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers_and_the_page_no_inline_script() {
    let dist = real_page_dist();
    let web = dist.path().to_path_buf();
    let s = TestServer::start_with(Engine::Sqlite, move |c| c.web_dir = web).await;
    for path in [
        "/api/v1/health",
        "/",
        "/index.html",
        "/boot.js",
        "/tenders/T1",
        "/api/v1/no-such-route",
        "/pki/root",
    ] {
        let resp = s.client.get(s.url(path)).send().await.unwrap();
        let h = resp.headers();
        let get = |name: &str| h.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert_eq!(get("content-security-policy"), CSP, "{path}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(get("x-frame-options"), "DENY", "{path}");
        assert_eq!(get("cross-origin-opener-policy"), "same-origin", "{path}");
        let permissions = get("permissions-policy");
        for feature in ["camera=()", "microphone=()", "geolocation=()"] {
            assert!(permissions.contains(feature), "{path}: {permissions}");
        }
    }
    // A refusal from the middleware stack carries them too.
    let resp = s.client.get(s.url("/api/v1/audit")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["content-security-policy"], CSP);

    // The served page: every script from a file of this origin, none inline, no inline handlers.
    let page = s.client.get(s.url("/")).send().await.unwrap().text().await.unwrap();
    let tags = scripts(&page);
    assert!(!tags.is_empty(), "{page}");
    for (tag, body) in &tags {
        assert!(tag.contains("src=\"/"), "a script without a same-origin src: {tag}");
        assert!(body.trim().is_empty(), "an inline script: {tag}{body}");
    }
    for handler in [" onload=", " onerror=", " onclick=", "javascript:"] {
        assert!(!page.to_ascii_lowercase().contains(handler), "{handler} in {page}");
    }
    // The loader it names is served as JavaScript.
    let resp = s.client.get(s.url("/boot.js")).send().await.unwrap();
    assert!(resp.headers()[CONTENT_TYPE].to_str().unwrap().contains("javascript"));
    assert!(resp.text().await.unwrap().contains("sealbid_frontend_bg.wasm"));
    s.stop().await;
}

/// `sealbid webapp digest ARGS`: success, and the digest it prints.
fn cli_digest(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(sealbid_bin()).args(["webapp", "digest"]).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let digest = stdout.lines().find_map(|l| l.strip_prefix("digest ")).unwrap_or_default().to_string();
    (out.status.success(), digest, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The digest line of a `release.txt`.
fn release_digest(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("release.txt")).unwrap();
    text.lines().last().and_then(|l| l.strip_prefix("digest ")).unwrap().to_string()
}

/// The build's digest step (`scripts/webapp-digest.sh`, OpenSSL's SM3) on `dir`.
fn build_digest(dir: &Path) -> String {
    let out = Command::new(workspace().join("scripts/webapp-digest.sh")).arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_computes_the_digest_the_build_wrote() {
    // The real build, when there is one.
    let built = workspace().join("frontend/dist");
    if built.join("release.txt").is_file() {
        let (ok, digest, err) = cli_digest(&[built.to_str().unwrap()]);
        assert!(ok, "{err}");
        assert_eq!(digest, release_digest(&built), "the CLI and the build disagree on frontend/dist");
    }

    // Always: a small dist, digested by the build's step and by the CLI, against the definition.
    let dist = real_page_dist();
    std::fs::create_dir_all(dist.path().join("img")).unwrap();
    std::fs::write(dist.path().join("img/seal.svg"), "<svg/>").unwrap();
    let written = build_digest(dist.path());
    assert_eq!(written, release_digest(dist.path()));
    let (ok, digest, err) = cli_digest(&[dist.path().to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(digest, written, "the CLI and the build's OpenSSL SM3 disagree");
    let mut names: Vec<String> =
        ["index.html", "sealbid_frontend.js", "sealbid_frontend_bg.wasm", "img/seal.svg"]
            .into_iter()
            .map(String::from)
            .chain(
                std::fs::read_dir(workspace().join("frontend/static"))
                    .unwrap()
                    .map(|f| f.unwrap().file_name().into_string().unwrap()),
            )
            .collect();
    names.sort();
    let mut manifest = String::from("sealbid-webapp-v1\n");
    for n in &names {
        let bytes = std::fs::read(dist.path().join(n)).unwrap();
        manifest.push_str(&format!("{}  {n}\n", hex::encode(sealbid_crypto::hash::sm3(&bytes))));
    }
    assert_eq!(hex::encode(sealbid_crypto::hash::sm3(manifest.as_bytes())), written, "the definition");
    let (ok, _, err) = cli_digest(&[dist.path().to_str().unwrap(), "--expect", &written]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli_digest(&[dist.path().to_str().unwrap(), "--expect", &"0".repeat(64)]);
    assert!(!ok && err.contains("not the expected"), "{err}");

    // Over what a server serves: the same digest; a file changed behind release.txt is caught.
    let web = dist.path().to_path_buf();
    let s = TestServer::start_with(Engine::Sqlite, move |c| c.web_dir = web).await;
    let (ok, served, err) = cli_digest(&["--url", &s.base]);
    assert!(ok, "{err}");
    assert_eq!(served, written);
    std::fs::write(
        dist.path().join("sealbid_frontend.js"),
        "export default async function init() { evil() }",
    )
    .unwrap();
    let (ok, _, err) = cli_digest(&["--url", &s.base]);
    assert!(!ok && err.contains(&written), "{err}");
    let (ok, _, err) = cli_digest(&[dist.path().to_str().unwrap()]);
    assert!(!ok && err.contains("release.txt states"), "{err}");
    s.stop().await;
}
