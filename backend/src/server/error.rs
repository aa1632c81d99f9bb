//! The API's one error type: every failure a handler returns becomes
//! `{"error": code, "message": text}` with the matching status.
//!
//! Client mistakes carry a message naming the problem. Server faults log
//! their detail with `tracing` and answer with a generic message only.

use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error a handler answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// The body is not the JSON the route expects (400 / 422).
    #[error("{message}")]
    InvalidJson {
        /// 400 for syntax, 422 for a well-formed document of the wrong shape.
        status: StatusCode,
        /// What is wrong, with line and column.
        message: String,
    },
    /// The request is well-formed but its content cannot be accepted (422):
    /// `code` names the kind of problem, the message the details.
    #[error("{message}")]
    Unprocessable {
        /// Stable machine-readable code, e.g. `filing_incomplete`.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The body exceeds the size limit (413).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body has the wrong `Content-Type` (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The logged-in user's role may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// Nothing here (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the resource's state, e.g. deciding twice (409).
    #[error("{0}")]
    Conflict(String),
    /// The route exists but not with this method (405).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A fault on our side (500); the detail is logged, never sent.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidJson { status, .. } => *status,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::InvalidJson { .. } => "invalid_json",
            ApiError::Unprocessable { code, .. } => code,
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "internal error");
                "internal server error; the details are in the server log".to_string()
            }
            other => other.to_string(),
        };
        (status, Json(json!({ "error": self.code(), "message": message }))).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(too_large()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ApiError::UnsupportedMediaType("expected Content-Type: application/json".into())
            }
            status if status.is_client_error() => ApiError::InvalidJson { status, message: r.body_text() },
            _ => ApiError::Internal(anyhow::anyhow!("reading a JSON body: {}", r.body_text())),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(too_large()),
            status if status.is_client_error() => ApiError::BadRequest(r.body_text()),
            _ => ApiError::Internal(anyhow::anyhow!("reading a body: {}", r.body_text())),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::BadRequest(r.body_text())
    }
}

fn too_large() -> String {
    "the request body is larger than this server accepts".into()
}
