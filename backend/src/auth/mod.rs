//! Certificate login and sessions.
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/v1/auth/challenge` | `{challenge, expires_at}`: 32 random bytes (hex), single use, 2 minutes |
//! | `POST /api/v1/auth/login` | `{certificate_chain, challenge, origin, time, signature}` → the user; rotates the session id |
//! | `GET /api/v1/auth/me` | the logged-in user (certificate re-checked live) |
//! | `POST /api/v1/auth/logout` | 204; the session is deleted |
//!
//! Login checks, in this order, each failure a 401 with its own code and an
//! `auth.login.failed` audit event: the challenge (`challenge_unknown`,
//! `challenge_expired`, `challenge_replayed` — it is claimed atomically at
//! this step, so any attempt uses it up), the signed origin
//! (`origin_mismatch`), the signed time (`clock_skew`, ±5 minutes), the
//! certificate against the data directory's CA, CRL and index *as they are
//! now* (`certificate_untrusted`, `certificate_expired`,
//! `certificate_revoked`), the lock (`account_locked`) and finally the SM2
//! signature over [`sealbid_crypto::login::LoginMessage`] (`bad_signature`).
//! Five bad signatures for one certificate from one client address within
//! 15 minutes lock that certificate *for that address* for 5 minutes,
//! doubling with each further lock up to 80 ([`store`]): the certificate is
//! public (it is in every signed PDF), so a stranger's failures must never
//! lock its owner out elsewhere. [`unlock`] (and `sealbid auth unlock`)
//! lifts every lock of a certificate.
//! Malformed requests are 400 `bad_request` (audited too).
//!
//! Handlers that need a login take [`CurrentUser`], which re-checks the
//! certificate's revocation and expiry on every request; [`csrf::guard`]
//! refuses cross-site state-changing requests.

pub mod certs;
pub mod csrf;
pub mod error;
pub mod login;
pub mod roles;
pub mod session;
pub mod store;

use anyhow::Result;
use axum::Router;
use axum::routing::{get, post};
use sealbid_crypto::pki::CertSerial;
use serde_json::json;

pub use error::{AuthError, Failure};
pub use roles::{BidderUser, CentreUser, OperatorUser, require};
pub use session::{CurrentUser, SessionUser};

use crate::audit::{self, NewEvent};
use crate::db::Db;
use crate::server::AppState;

/// The auth routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/challenge", get(login::challenge))
        .route("/api/v1/auth/login", post(login::login))
        .route("/api/v1/auth/me", get(session::me))
        .route("/api/v1/auth/logout", post(session::logout))
}

/// Lifts the login lock on `serial` and forgets its failures; audited as
/// `auth.unlock` by `actor`. Returns whether it was locked.
pub async fn unlock(db: &Db, serial: &CertSerial, actor: &str) -> Result<bool> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let was_locked = store::clear_lock(db, &serial.to_string(), now).await?;
    audit_unlock(db, serial, actor, was_locked).await?;
    Ok(was_locked)
}

/// Records an unlock of `serial` by `actor` in the audit trail (`auth.unlock`).
pub async fn audit_unlock(db: &Db, serial: &CertSerial, actor: &str, was_locked: bool) -> Result<()> {
    let event = NewEvent {
        actor: actor.to_string(),
        action: "auth.unlock".into(),
        subject: serial.to_string(),
        details: json!({ "was_locked": was_locked }),
    };
    audit::append(db, event).await.map(|_| ())
}
