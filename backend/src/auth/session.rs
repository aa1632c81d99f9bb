//! The logged-in session: [`CurrentUser`] for handlers that need a login,
//! `GET /api/v1/auth/me` and `POST /api/v1/auth/logout`.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use sealbid_crypto::pki::CertSerial;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower_sessions::Session;

use super::certs::revoked_now;
use super::error::{AuthError, Failure};
use crate::audit::{self, NewEvent};
use crate::server::AppState;

/// The session key under which the logged-in user is stored.
pub const SESSION_KEY: &str = "user";

/// Who is logged in: taken from the login certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// Subject distinguished name.
    pub subject: String,
    /// Organisation name (O).
    pub organization: Option<String>,
    /// The organisation's unified social credit code.
    pub uscc: Option<String>,
    /// Platform role, from the certificate's title.
    pub role: String,
    /// Certificate serial, upper-case hex.
    pub serial: String,
    /// End of the certificate's validity, RFC 3339.
    pub not_after: String,
    /// The certificate's public key, SEC1 uncompressed, hex: what the user's
    /// signed actions (bids, shares, ceremony messages) must verify under.
    #[serde(default)]
    pub public_key: String,
    /// The login certificate, DER in base64.
    #[serde(default)]
    pub certificate: String,
}

/// The logged-in user of a request, re-checked live: a certificate revoked
/// or expired since login ends the session and answers 401.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The user.
    pub user: SessionUser,
    /// The session (for handlers that end or change it).
    pub session: Session,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, s)
            .await
            .map_err(|(_, msg)| anyhow::anyhow!("no session layer: {msg}"))?;
        let user: Option<SessionUser> =
            session.get(SESSION_KEY).await.map_err(|e| anyhow::anyhow!("cannot read the session: {e}"))?;
        let user = user.ok_or(AuthError::NotLoggedIn)?;
        if let Some((failure, message)) = live_refusal(s, &user).await? {
            session.flush().await.map_err(|e| anyhow::anyhow!("cannot end the session: {e}"))?;
            let event = NewEvent {
                actor: user.serial.clone(),
                action: "auth.session.ended".into(),
                subject: user.serial.clone(),
                details: json!({ "code": failure.code() }),
            };
            audit::append(&s.db, event).await?;
            return Err(AuthError::refused(failure, message));
        }
        Ok(CurrentUser { user, session })
    }
}

/// Why the user's certificate may no longer act, if it may not.
async fn live_refusal(s: &AppState, user: &SessionUser) -> anyhow::Result<Option<(Failure, String)>> {
    let serial: CertSerial = user.serial.parse()?;
    let expired = OffsetDateTime::parse(&user.not_after, &Rfc3339)? < OffsetDateTime::now_utc();
    if expired {
        return Ok(Some((Failure::CertificateExpired, format!("certificate {serial} has expired"))));
    }
    let dir = s.data_dir.clone();
    let check = serial.clone();
    if tokio::task::spawn_blocking(move || revoked_now(&dir, &check)).await?? {
        return Ok(Some((
            Failure::CertificateRevoked,
            format!("certificate {serial} was revoked: log in again"),
        )));
    }
    Ok(None)
}

pub(super) async fn me(current: CurrentUser) -> Json<SessionUser> {
    Json(current.user)
}

pub(super) async fn logout(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
) -> Result<StatusCode, AuthError> {
    let user: Option<SessionUser> = session.get(SESSION_KEY).await.unwrap_or(None);
    session.flush().await.map_err(|e| anyhow::anyhow!("cannot end the session: {e}"))?;
    if let Some(user) = user {
        let event = NewEvent {
            actor: user.serial.clone(),
            action: "auth.logout".into(),
            subject: user.serial,
            details: json!({ "peer": peer.ip().to_string() }),
        };
        audit::append(&s.db, event).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
