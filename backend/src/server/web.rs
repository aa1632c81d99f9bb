//! The web app: the files `scripts/build-frontend.sh` writes to the
//! configured directory ([`super::Config::web_dir`]) are served at `/`.
//!
//! Every `GET`/`HEAD` request no API route answers, outside `/api/`, `/pki/`
//! and `/tsa`, is served from that directory; a path with no file behind it
//! gets `index.html` (the app routes in the browser). API paths keep their
//! JSON 404. Content types come from file extensions (`.wasm` is
//! `application/wasm`, which browsers require for streaming compilation).
//! When the app has not been built, a plain page says how to build it.
//!
//! Every response of the server, API and app alike, carries the security
//! headers of [`security_headers`]: a strict Content-Security-Policy
//! ([`CSP`]: scripts only from this origin — the app's loader is
//! `boot.js`, never inline — and WebAssembly compilation; no plugins, no
//! framing by other sites, no `<base>`, forms and fetches to this origin
//! only), `nosniff`, no referrer, `X-Frame-Options: DENY`, a same-origin
//! opener policy and no camera, microphone or geolocation. PDFs, which the
//! app shows in its own frames, may be framed by this origin only
//! ([`PDF_CSP`], `SAMEORIGIN`).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

use super::AppState;

/// The Content-Security-Policy of every response but PDFs.
///
/// `style-src-attr 'unsafe-inline'` lets the app position elements with
/// `style` attributes (the seal marker on the contract page); `<style>`
/// elements and style sheets from elsewhere stay blocked (`style-src
/// 'self'`). `frame-src` admits the app's PDF previews: PDFs of this origin
/// and the `blob:` copies the app makes of them.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-src 'self' blob:; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The Content-Security-Policy of a PDF: shown in the app's own frames, in no one else's.
pub const PDF_CSP: &str = "frame-ancestors 'self'";

/// The headers every response carries, besides the CSP and `X-Frame-Options`.
const COMMON: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
];

/// Middleware adding the security headers (see the module doc) to every
/// response that does not set them itself.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let pdf = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/pdf"));
    let (csp, frames) = if pdf { (PDF_CSP, "SAMEORIGIN") } else { (CSP, "DENY") };
    let headers = resp.headers_mut();
    set_default(headers, header::CONTENT_SECURITY_POLICY, csp);
    set_default(headers, header::X_FRAME_OPTIONS, frames);
    for (name, value) in COMMON {
        set_default(headers, HeaderName::from_static(name), value);
    }
    resp
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers.entry(name).or_insert(HeaderValue::from_static(value));
}

/// Paths that belong to the API, never to the web app: each itself and everything below it.
const API_ROOTS: [&str; 3] = ["/api", "/pki", "/tsa"];

/// Whether `path` is one the web app may answer.
pub fn is_app_path(path: &str) -> bool {
    !API_ROOTS
        .iter()
        .any(|root| path.strip_prefix(root).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// The router's fallback: the web app for app paths, else the JSON 404/405.
pub async fn fallback(State(s): State<AppState>, req: Request) -> Response {
    let method = req.method().clone();
    if !is_app_path(req.uri().path()) {
        return super::app::not_found(req).await.into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return super::app::not_found(req).await.into_response();
    }
    let dir = s.config.web_dir.clone();
    let index = dir.join("index.html");
    if !index.is_file() {
        return not_built(&dir);
    }
    let mut serve =
        ServeDir::new(&dir).append_index_html_on_directories(true).fallback(ServeFile::new(index));
    match serve.try_call(req).await {
        Ok(resp) => resp.into_response(),
        Err(e) => {
            tracing::error!(dir = %dir.display(), error = %e, "cannot serve the web app");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the web app's files").into_response()
        }
    }
}

/// A plain page for a server started before the web app was built.
fn not_built(dir: &std::path::Path) -> Response {
    let dir = dir.display().to_string().replace('&', "&amp;").replace('<', "&lt;");
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sealbid: web app not built</title></head>\
         <body><h1>The sealbid web app has not been built</h1>\
         <p>No <code>index.html</code> in <code>{dir}</code>. Build it with</p>\
         <pre>scripts/build-frontend.sh</pre>\
         <p>(or start the platform with <code>scripts/run.sh</code>, which builds it first), \
         or point <code>SEALBID_WEB_DIR</code> / <code>web_dir</code> at a built copy. \
         The JSON API under <code>/api/v1</code> works without it.</p></body></html>"
    );
    (StatusCode::SERVICE_UNAVAILABLE, [(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

#[cfg(test)]
mod tests {
    use super::is_app_path;

    #[test]
    fn api_paths_are_not_the_apps() {
        for p in ["/", "/index.html", "/tenders/T2026-0001", "/sealbid_frontend_bg.wasm", "/apix", "/tsax"] {
            assert!(is_app_path(p), "{p}");
        }
        for p in ["/api", "/api/v1/nothing", "/pki", "/pki/root", "/tsa", "/tsa/x"] {
            assert!(!is_app_path(p), "{p}");
        }
    }
}
