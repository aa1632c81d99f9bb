//! Operator actions on issued certificates: revoke, unlock, expiring soon.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use sealbid_crypto::pki::{CertSerial, RevocationReason};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::Duration;

use super::{Operator, blocking, ca_password};
use crate::audit::{self, NewEvent};
use crate::authority::{self, RevokeRefusal, now, rfc3339};
use crate::server::{ApiError, ApiJson, AppState};

fn serial_of(p: Result<Path<String>, PathRejection>) -> Result<CertSerial, ApiError> {
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
    let (dir, config, which) = (s.data_dir.clone(), s.config.clone(), serial.clone());
    let done = blocking(move || authority::revoke(&dir, ca_password(&config)?, &which, reason)).await?;
    let done = match done {
        Ok(done) => done,
        Err(RevokeRefusal::Unknown) => {
            return Err(ApiError::NotFound(format!("{serial}: {}", RevokeRefusal::Unknown)));
        }
        Err(RevokeRefusal::CaCertificate) => {
            return Err(ApiError::BadRequest(format!("{serial}: {}", RevokeRefusal::CaCertificate)));
        }
        Err(r @ RevokeRefusal::AlreadyRevoked(_)) => {
            return Err(ApiError::Conflict(format!("{serial}: {r}")));
        }
    };
    let event = NewEvent {
        actor: op.serial.clone(),
        action: "certificate.revoked".into(),
        subject: serial.to_string(),
        details: json!({ "reason": reason.as_str(), "subject": done.subject, "crl_number": done.crl_number }),
    };
    audit::append(&s.db, event).await?;
    Ok(Json(json!({ "serial": serial.to_string(), "status": "revoked", "reason": reason.as_str(),
                    "revoked_at": done.at, "crl_number": done.crl_number })))
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
        .map(|c| Expiring { serial: c.serial, subject: c.subject, role: c.role, not_after: c.not_after })
        .collect();
    Ok(Json(soon))
}
