//! Calls to the platform's JSON API (`/api/v1`, same origin).
//!
//! Every failure becomes an [`ApiError`]: the server's own `{error, message}`
//! when it answered with one, otherwise a code naming what went wrong on the
//! way (`network`, `bad_answer`) — the pages show it as it is.

use std::fmt;

use gloo::net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A failed call, as the user should read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status, 0 when no answer came.
    pub status: u16,
    /// The API's error code (`not_logged_in`, `bad_request`, …) or a local one.
    pub code: String,
    /// The human-readable message.
    pub message: String,
}

impl ApiError {
    /// An error found in the browser, before or after the call.
    pub fn local(code: &str, message: impl Into<String>) -> Self {
        Self { status: 0, code: code.into(), message: message.into() }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.status == 0 {
            write!(f, "{} ({})", self.message, self.code)
        } else {
            write!(f, "{} ({}, HTTP {})", self.message, self.code, self.status)
        }
    }
}

/// The body of an API error answer.
#[derive(Debug, serde::Deserialize)]
struct ErrorBody {
    error: String,
    message: String,
}

async fn send(req: Result<Request, gloo::net::Error>) -> Result<Response, ApiError> {
    let req = req.map_err(|e| ApiError::local("bad_request", e.to_string()))?;
    let resp = req
        .send()
        .await
        .map_err(|e| ApiError::local("network", format!("the server cannot be reached: {e}")))?;
    if resp.ok() {
        return Ok(resp);
    }
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(b) => ApiError { status, code: b.error, message: b.message },
        Err(_) => ApiError {
            status,
            code: "http_error".into(),
            message: if text.trim().is_empty() { resp.status_text() } else { text },
        },
    })
}

async fn json<T: DeserializeOwned>(resp: Response) -> Result<T, ApiError> {
    resp.json::<T>()
        .await
        .map_err(|e| ApiError::local("bad_answer", format!("unexpected answer from the server: {e}")))
}

fn built(b: RequestBuilder) -> Result<Request, gloo::net::Error> {
    b.build()
}

/// `GET path` → JSON.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(send(built(Request::get(path))).await?).await
}

/// `GET path` → text (PEM certificates).
pub async fn get_text(path: &str) -> Result<String, ApiError> {
    let resp = send(built(Request::get(path))).await?;
    resp.text().await.map_err(|e| ApiError::local("bad_answer", e.to_string()))
}

/// `POST path` with a JSON body → JSON.
pub async fn post_json<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    json(send(Request::post(path).json(body)).await?).await
}

/// `POST path` with a binary body (`application/octet-stream`) → JSON.
pub async fn post_bytes<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, ApiError> {
    let array = js_sys::Uint8Array::from(body);
    let req = Request::post(path).header("Content-Type", "application/octet-stream").body(array);
    json(send(req).await?).await
}

/// `POST path` without a body, answer ignored (logout).
pub async fn post_empty(path: &str) -> Result<(), ApiError> {
    send(built(Request::post(path))).await.map(|_| ())
}

/// `GET path` → bytes (the CRL, receipts).
pub async fn get_bytes(path: &str) -> Result<Vec<u8>, ApiError> {
    let resp = send(built(Request::get(path))).await?;
    resp.binary().await.map_err(|e| ApiError::local("bad_answer", e.to_string()))
}

/// `PUT path` with a binary body of `content_type` → JSON (filing attachments).
pub async fn put_bytes<T: DeserializeOwned>(
    path: &str,
    content_type: &str,
    body: &[u8],
) -> Result<T, ApiError> {
    let array = js_sys::Uint8Array::from(body);
    let req = Request::put(path).header("Content-Type", content_type).body(array);
    json(send(req).await?).await
}
