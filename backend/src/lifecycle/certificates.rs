//! Operator actions on issued certificates: revoke, unlock, expiring soon.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use std::sync::Arc;

use sealbid_crypto::pki::{CertSerial, Issuer, RevocationReason};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::Duration;

use super::{Operator, blocking, ca_password};
use crate::audit::{self, NewEvent};
use crate::authority::{self, RevokeRefusal, Revoked, now, rfc3339};
use crate::server::{ApiError, ApiJson, AppState};

pub(super) fn serial_of(p: Result<Path<String>, PathRejection>) -> Result<CertSerial, ApiError> {
    let Path(text) = p?;
    text.parse().map_err(|e: sealbid_crypto::Error| ApiError::BadRequest(format!("serial: {e}")))
}

/// Body of the revocation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// RFC 5280 reason, kebab-case: key-compromise, superseded, cessation-of-operation, …
    reason: String,
}

pub(super) async fn revoke(
    Operator(op): Operator,
    State(s): State<AppState>,
    serial: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<Revoke>,
) -> Result<Json<Value>, ApiError> {
    let serial = serial_of(serial)?;
    let reason: RevocationReason = body
        .reason
        .parse()
        .map_err(|e: sealbid_crypto::Error| ApiError::BadRequest(format!("reason: {e}")))?;
    let issuer = load_issuer(&s).await?;
    let done = revoke_with(&s, issuer, &serial, reason).await?;
    audit_revoked(&s, &op.serial, &serial, reason, &done, None).await?;
    Ok(Json(json!({ "serial": serial.to_string(), "status": "revoked", "reason": reason.as_str(),
                    "revoked_at": done.at, "crl_number": done.crl_number })))
}

/// The issuing CA with its key decrypted (slow: done before any transaction).
pub(super) async fn load_issuer(s: &AppState) -> Result<Arc<Issuer>, ApiError> {
    let (dir, config) = (s.data_dir.clone(), s.config.clone());
    blocking(move || Ok(Arc::new(authority::load_issuer(&dir, ca_password(&config)?)?))).await
}

/// Revokes `serial` at once and publishes the new CRL (the one path of the
/// revoke route and of approved revoke, renew, reissue and change
/// applications): 404 if this CA never issued it, 400 for a CA certificate,
/// 409 if already revoked.
pub(super) async fn revoke_with(
    s: &AppState,
    issuer: Arc<Issuer>,
    serial: &CertSerial,
    reason: RevocationReason,
) -> Result<Revoked, ApiError> {
    let (dir, which) = (s.data_dir.clone(), serial.clone());
    let done = blocking(move || authority::revoke_with(&dir, &issuer, &which, reason)).await?;
    done.map_err(|refusal| match refusal {
        RevokeRefusal::Unknown => ApiError::NotFound(format!("{serial}: {refusal}")),
        RevokeRefusal::CaCertificate => ApiError::BadRequest(format!("{serial}: {refusal}")),
        RevokeRefusal::AlreadyRevoked(_) => ApiError::Conflict(format!("{serial}: {refusal}")),
    })
}

/// Records a revocation made by `actor` (`certificate.revoked`), with the
/// application that asked for it if any.
pub(super) async fn audit_revoked(
    s: &AppState,
    actor: &str,
    serial: &CertSerial,
    reason: RevocationReason,
    done: &Revoked,
    application: Option<i64>,
) -> Result<(), ApiError> {
    let mut details =
        json!({ "reason": reason.as_str(), "subject": done.subject, "crl_number": done.crl_number });
    if let Some(id) = application {
        details["application"] = json!(id);
    }
    let event = NewEvent {
        actor: actor.to_string(),
        action: "certificate.revoked".into(),
        subject: serial.to_string(),
        details,
    };
    audit::append(&s.db, event).await?;
    Ok(())
}

pub(super) async fn unlock(
    Operator(op): Operator,
    State(s): State<AppState>,
    serial: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let serial = serial_of(serial)?;
    let was_locked = crate::auth::unlock(&s.db, &serial, &op.serial).await?;
    Ok(Json(json!({ "serial": serial.to_string(), "was_locked": was_locked })))
}

/// Query of the expiring list.
#[derive(Debug, Deserialize)]
pub struct Within {
    days: Option<i64>,
}

/// A certificate that expires soon.
#[derive(Debug, Serialize)]
pub struct Expiring {
    serial: String,
    subject: String,
    role: Option<String>,
    not_after: String,
    /// Its records are kept at least until, RFC 3339 (`not_after` + 5 years).
    retain_until: Option<String>,
}

pub(super) async fn expiring(
    _op: Operator,
    State(s): State<AppState>,
    Query(q): Query<Within>,
) -> Result<Json<Vec<Expiring>>, ApiError> {
    let days = q.days.unwrap_or(30);
    if !(1..=3650).contains(&days) {
        return Err(ApiError::BadRequest(format!("days: must be between 1 and 3650, got {days}")));
    }
    let dir = s.data_dir.clone();
    let index = blocking(move || dir.read_index()).await?;
    let (now, horizon) = (now(), now() + Duration::days(days));
    let (now, horizon) = (rfc3339(now), rfc3339(horizon));
    // RFC 3339 UTC strings of one format compare in time order (as `sealbid ca list`).
    let soon = index
        .certificates
        .into_iter()
        .filter(|c| {
            c.profile == "person" && c.revoked.is_none() && c.not_after >= now && c.not_after <= horizon
        })
        .map(|c| Expiring {
            retain_until: authority::retain_until_text(&c.not_after).ok(),
            serial: c.serial,
            subject: c.subject,
            role: c.role,
            not_after: c.not_after,
        })
        .collect();
    Ok(Json(soon))
}
