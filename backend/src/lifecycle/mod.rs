//! The certificate lifecycle: units apply online (seed form 004), a CA
//! operator reviews, and certificates are issued, revoked and unlocked.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `POST /api/v1/applications` | anyone | the form + `csr_pem` (+ `serial`, `seal_samples`) → 201 `{id, status, token}` |
//! | `GET /api/v1/applications/{id}?token=…` | the applicant | status, reason, issued serial |
//! | `GET /api/v1/applications/{id}/certificate?token=…` | the applicant | the issued certificate (PEM) once approved |
//! | `GET /api/v1/applications?status=pending` | operator | the applications, newest first, with `retain_until` |
//! | `GET /api/v1/applications/{id}/seal-samples/{n}` | operator | seal sample `n` (1–3) as uploaded |
//! | `POST /api/v1/applications/{id}/approve` | operator | `{days?}` → the operation's effect ([`approval`]); a privileged role's certificate: 202 until a second operator approves |
//! | `POST /api/v1/applications/{id}/reject` | operator | `{reason}` |
//! | `POST /api/v1/certificates/{serial}/revoke` | operator | `{reason}` → revoked at once, CRL regenerated |
//! | `POST /api/v1/certificates/{serial}/unlock` | operator | lifts the login lockout |
//! | `GET /api/v1/certificates/expiring?days=30` | operator | valid certificates expiring within N days |
//!
//! Operator routes answer 401 without a session and 403 `forbidden` for any
//! role but `operator` (the title of the login certificate). Deciding an
//! application twice is 409 `conflict`. The applicant's routes answer 404
//! for a wrong or missing token, as for an application that does not exist.
//! Nothing is ever deleted (no route deletes; rows carry `retain_until`,
//! the certificate's end + 5 years). The CA
//! work (issue, revoke) is done by [`crate::authority`] under the data
//! directory's lock, off the async runtime; each change is audited.

mod applications;
mod approval;
mod certificates;
pub mod form;
pub mod openapi;
pub mod samples;
mod store;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::{get, post};

use crate::auth::{AuthError, CurrentUser, SessionUser};
use crate::server::{ApiError, AppState, Config};

/// Largest application body: the form with three seal samples of
/// [`samples::MAX_SAMPLE_BYTES`] each, base64-encoded.
pub const MAX_APPLICATION_BODY: usize = 5 << 20;

/// The lifecycle routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/applications",
            post(applications::submit)
                .layer(DefaultBodyLimit::max(MAX_APPLICATION_BODY))
                .get(applications::list),
        )
        .route("/api/v1/applications/{id}", get(applications::status))
        .route("/api/v1/applications/{id}/certificate", get(applications::certificate))
        .route("/api/v1/applications/{id}/seal-samples/{n}", get(samples::fetch))
        .route("/api/v1/applications/{id}/approve", post(approval::approve))
        .route("/api/v1/applications/{id}/reject", post(applications::reject))
        .route("/api/v1/certificates/{serial}/revoke", post(certificates::revoke))
        .route("/api/v1/certificates/{serial}/unlock", post(certificates::unlock))
        .route("/api/v1/certificates/expiring", get(certificates::expiring))
}

/// A logged-in CA operator: 401 without a session, 403 `forbidden` for any other role.
#[derive(Debug, Clone)]
pub struct Operator(pub SessionUser);

impl FromRequestParts<AppState> for Operator {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let current = CurrentUser::from_request_parts(parts, s).await?;
        if current.user.role != "operator" {
            return Err(AuthError::Api(ApiError::Forbidden(format!(
                "only a CA operator may do this; you are logged in as {}",
                current.user.role
            ))));
        }
        Ok(Operator(current.user))
    }
}

/// Runs CA work (key decryption, signing, files) on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let joined = tokio::task::spawn_blocking(f).await.map_err(|e| anyhow::anyhow!("CA task failed: {e}"))?;
    Ok(joined?)
}

/// The CA password the server started with (call inside [`blocking`]).
fn ca_password(config: &Config) -> anyhow::Result<&[u8]> {
    let pw = config.ca_password.as_ref().ok_or_else(|| anyhow::anyhow!("no CA password configured"))?;
    Ok(pw.expose().as_bytes())
}
