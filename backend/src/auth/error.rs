//! Why a login or an authenticated request was refused, as API errors:
//! `401` with a distinct code per reason, `403 csrf_rejected`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::ApiError;

/// A refused login (every variant answers 401 with its own code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The challenge was never issued.
    ChallengeUnknown,
    /// The challenge's lifetime is over.
    ChallengeExpired,
    /// The challenge was already used.
    ChallengeReplayed,
    /// The signed origin is not this server's public origin.
    OriginMismatch,
    /// The signed time is too far from the server's clock.
    ClockSkew,
    /// The certificate does not chain to this platform's CA, or may not log in.
    CertificateUntrusted,
    /// The certificate is outside its validity period.
    CertificateExpired,
    /// The certificate is revoked.
    CertificateRevoked,
    /// The signature does not verify for the login message.
    BadSignature,
    /// Too many failures from this address: the certificate is locked for it for a while.
    AccountLocked,
}

impl Failure {
    /// The stable code in the error body and the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Failure::ChallengeUnknown => "challenge_unknown",
            Failure::ChallengeExpired => "challenge_expired",
            Failure::ChallengeReplayed => "challenge_replayed",
            Failure::OriginMismatch => "origin_mismatch",
            Failure::ClockSkew => "clock_skew",
            Failure::CertificateUntrusted => "certificate_untrusted",
            Failure::CertificateExpired => "certificate_expired",
            Failure::CertificateRevoked => "certificate_revoked",
            Failure::BadSignature => "bad_signature",
            Failure::AccountLocked => "account_locked",
        }
    }
}

/// An error from the auth routes or the [`super::CurrentUser`] extractor.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// 401 with the failure's code and a message.
    #[error("{message}")]
    Refused {
        /// Which check failed.
        failure: Failure,
        /// What to tell the client.
        message: String,
    },
    /// 401 `not_logged_in`: no session, or it ended.
    #[error("not logged in")]
    NotLoggedIn,
    /// 403 `csrf_rejected`: a state-changing request from another origin.
    #[error("{0}")]
    Csrf(String),
    /// Any other API error (malformed input, internal faults).
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl AuthError {
    /// Shorthand for [`AuthError::Refused`].
    pub fn refused(failure: Failure, message: impl Into<String>) -> Self {
        AuthError::Refused { failure, message: message.into() }
    }
}

impl From<anyhow::Error> for AuthError {
    fn from(e: anyhow::Error) -> Self {
        AuthError::Api(ApiError::Internal(e))
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            AuthError::Api(e) => return e.into_response(),
            AuthError::Refused { failure, message } => (StatusCode::UNAUTHORIZED, failure.code(), message),
            AuthError::NotLoggedIn => (
                StatusCode::UNAUTHORIZED,
                "not_logged_in",
                "log in with your certificate first (POST /api/v1/auth/login)".to_string(),
            ),
            AuthError::Csrf(message) => (StatusCode::FORBIDDEN, "csrf_rejected", message),
        };
        (status, Json(json!({ "error": code, "message": message }))).into_response()
    }
}
