//! The web app: the files `scripts/build-frontend.sh` writes to the
//! configured directory ([`super::Config::web_dir`]) are served at `/`.
//!
//! Every `GET`/`HEAD` request no API route answers, outside `/api/`, `/pki/`
//! and `/tsa`, is served from that directory; a path with no file behind it
//! gets `index.html` (the app routes in the browser). API paths keep their
//! JSON 404. Content types come from file extensions (`.wasm` is
//! `application/wasm`, which browsers require for streaming compilation).
//! When the app has not been built, a plain page says how to build it.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

use super::AppState;

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
