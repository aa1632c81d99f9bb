//! Cross-site request protection for cookie sessions.
//!
//! The session cookie is `SameSite=Strict` already; in addition a
//! state-changing request (POST, PUT, PATCH, DELETE) that carries the session
//! cookie must name this server's public origin in `Origin` or, failing that,
//! `Referer`, or it is refused with 403 `csrf_rejected`. Requests without the
//! cookie act for nobody and pass (the public PKI and TSA endpoints).
//! `POST /api/v1/auth/login` is exempt: its origin is inside the signed
//! login message, which the login handler checks.

use axum::extract::{Request, State};
use axum::http::header::{COOKIE, ORIGIN, REFERER};
use axum::http::{HeaderMap, HeaderName, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::AuthError;
use crate::server::AppState;

/// Name of the session cookie (set in [`crate::server::app`]).
pub const SESSION_COOKIE: &str = "sealbid_session";

/// The route that checks a signed origin instead.
const LOGIN_PATH: &str = "/api/v1/auth/login";

/// `scheme://host[:port]` of a URL, lower-case, without a default port.
pub fn public_origin(url: &str) -> String {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (scheme, authority) = (scheme.to_ascii_lowercase(), authority.to_ascii_lowercase());
    let authority = match scheme.as_str() {
        "http" => authority.strip_suffix(":80").unwrap_or(&authority).to_string(),
        "https" => authority.strip_suffix(":443").unwrap_or(&authority).to_string(),
        _ => authority,
    };
    format!("{scheme}://{authority}")
}

/// Whether `claimed` (an `Origin` value or a URL) has the origin `expected`.
pub fn same_origin(claimed: &str, expected: &str) -> bool {
    !claimed.trim().is_empty() && claimed.contains("://") && public_origin(claimed) == expected
}

fn has_session_cookie(headers: &HeaderMap) -> bool {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(';').any(|c| c.trim().split_once('=').is_some_and(|(name, _)| name == SESSION_COOKIE))
    })
}

fn check(headers: &HeaderMap, expected: &str) -> Result<(), String> {
    let header = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    match (header(ORIGIN), header(REFERER)) {
        (Some(origin), _) if same_origin(origin, expected) => Ok(()),
        (Some(origin), _) => Err(format!("Origin {origin:?} is not {expected:?}")),
        (None, Some(referer)) if same_origin(referer, expected) => Ok(()),
        (None, Some(_)) => Err(format!("the Referer is not on {expected:?}")),
        (None, None) => Err("a request that changes state must carry an Origin or Referer header".into()),
    }
}

/// The middleware: refuses cross-site state-changing requests that carry the session cookie.
pub async fn guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let changes_state = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    if !changes_state || req.uri().path() == LOGIN_PATH || !has_session_cookie(req.headers()) {
        return next.run(req).await;
    }
    let verdict = check(req.headers(), &public_origin(&s.config.base_url()));
    match verdict {
        Ok(()) => next.run(req).await,
        Err(message) => AuthError::Csrf(format!("cross-site request refused: {message}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_by_scheme_host_and_port() {
        let me = public_origin("https://Sealbid.example/app/");
        assert_eq!(me, "https://sealbid.example");
        assert!(same_origin("https://sealbid.example", &me));
        assert!(same_origin("https://sealbid.example:443", &me));
        assert!(same_origin("https://sealbid.example/tenders?x=1", &me));
        assert!(!same_origin("http://sealbid.example", &me));
        assert!(!same_origin("https://sealbid.example.evil", &me));
        assert!(!same_origin("https://sealbid.example:8443", &me));
        assert!(!same_origin("null", &me));
        assert!(!same_origin("", &me));
    }

    #[test]
    fn only_the_session_cookie_counts() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "other=1; sealbid_session_x=2".parse().unwrap());
        assert!(!has_session_cookie(&h));
        h.insert(COOKIE, "other=1; sealbid_session=abc".parse().unwrap());
        assert!(has_session_cookie(&h));
    }
}
