//! The application routes: submit, follow, list, approve, reject.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use sealbid_crypto::pki::{Csr, RevocationReason, Role, SubjectInfo};
use sealbid_crypto::{PublicKey, Uscc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::form::Submission;
use super::store::{self, Row};
use super::{Operator, blocking, ca_password};
use crate::audit;
use crate::authority::{self, MAX_DAYS, now, rfc3339};
use crate::server::{ApiError, ApiJson, AppState};

/// Validity of a certificate when the operator names none: one year (seed 004).
pub const DEFAULT_DAYS: i64 = 365;

fn application_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    let Path(id) = id.map_err(|_| ApiError::BadRequest("id: must be an application number".into()))?;
    Ok(id)
}

async fn find(s: &AppState, id: i64) -> Result<Row, ApiError> {
    store::get(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))
}

pub(super) async fn submit(
    State(s): State<AppState>,
    ApiJson(sub): ApiJson<Submission>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let app = tokio::task::spawn_blocking(move || sub.parse())
        .await
        .map_err(|e| anyhow::anyhow!("form check failed: {e}"))??;
    let id = store::insert(&s.db, &app, &rfc3339(now())).await?;
    let details = json!({ "uscc": app.uscc.as_str(), "operation": app.form.operation,
                          "role": app.role.as_str(), "org_name": app.form.org_name });
    audit::record(&s.db, "applicant", "application.submitted", id.to_string(), details).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "status": "pending" }))))
}

/// What an applicant may see of an application.
#[derive(Debug, Serialize)]
pub struct StatusView {
    id: i64,
    status: String,
    operation: String,
    reason: Option<String>,
    issued_serial: Option<String>,
    created_at: String,
    decided_at: Option<String>,
}

pub(super) async fn status(
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<StatusView>, ApiError> {
    let r = find(&s, application_id(id)?).await?;
    Ok(Json(StatusView {
        id: r.id,
        status: r.status,
        operation: r.operation,
        reason: r.reason,
        issued_serial: r.issued_serial,
        created_at: r.created_at,
        decided_at: r.decided_at,
    }))
}

pub(super) async fn certificate(
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let r = find(&s, application_id(id)?).await?;
    let Some(serial) = r.issued_serial else {
        return Err(ApiError::NotFound(format!("application {} is {}: no certificate", r.id, r.status)));
    };
    let path = s.data_dir.issued_cert_path(&serial);
    let pem =
        tokio::fs::read(&path).await.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(([(CONTENT_TYPE, "application/x-pem-file")], pem).into_response())
}

/// Query of the operator's list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

pub(super) async fn list(
    _op: Operator,
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Row>>, ApiError> {
    if let Some(st) = &q.status
        && !["pending", "approved", "rejected"].contains(&st.as_str())
    {
        return Err(ApiError::BadRequest(format!("status: {st:?} is not pending, approved or rejected")));
    }
    Ok(Json(store::list(&s.db, q.status.as_deref()).await?))
}

/// Optional body of the approval.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Validity in days (1 to 3650, default 365).
    days: Option<i64>,
}

fn pending(r: &Row) -> Result<(), ApiError> {
    if r.status == "pending" {
        return Ok(());
    }
    Err(ApiError::Conflict(format!(
        "application {} is already {}; it cannot be decided again",
        r.id, r.status
    )))
}

pub(super) async fn approve(
    Operator(op): Operator,
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let approval: Approval = if body.iter().all(u8::is_ascii_whitespace) {
        Approval::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("body: {e}")))?
    };
    let days = approval.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::BadRequest(format!("days: must be between 1 and {MAX_DAYS}, got {days}")));
    }
    let r = find(&s, application_id(id)?).await?;
    pending(&r)?;
    if matches!(r.operation.as_str(), "unlock" | "revoke") {
        return Err(ApiError::Conflict(format!(
            "application {} asks to {} a certificate: use POST /api/v1/certificates/{{serial}}/{}, then reject \
             or keep it as the record",
            r.id, r.operation, r.operation
        )));
    }
    let (dir, config, row) = (s.data_dir.clone(), s.config.clone(), r.clone());
    let cert = blocking(move || {
        let (subject, public_key) = subject_of(&row)?;
        authority::issue_person(&dir, ca_password(&config)?, &subject, &public_key, days)
    })
    .await?;
    let serial = cert.serial().map_err(anyhow::Error::from)?.to_string();
    let when = rfc3339(now());
    if !store::approve(&s.db, r.id, &op.serial, &serial, &when).await? {
        // Another operator decided it meanwhile: withdraw the certificate just issued.
        supersede(&s, &serial).await?;
        let r = find(&s, r.id).await?;
        return Err(ApiError::Conflict(format!("application {} was {} meanwhile", r.id, r.status)));
    }
    store::ensure_organisation(&s.db, &r, &when).await?;
    let public_key = hex::encode(cert.public_key().map_err(anyhow::Error::from)?.to_sec1());
    let not_after = rfc3339(cert.not_after().map_err(anyhow::Error::from)?);
    let issued = crate::people::store::Issued {
        org_uscc: &r.uscc,
        name: &r.agent_name,
        id_number: &r.agent_id_number,
        phone: &r.agent_phone,
        role: &r.role,
        serial: &serial,
        public_key: &public_key,
        not_after: &not_after,
        granted_by: &op.serial,
    };
    crate::people::store::record_issue(&s.db, &issued, &when).await?;
    let details = json!({ "application": r.id, "subject": cert.subject(), "role": r.role, "days": days });
    audit::record(&s.db, &op.serial, "certificate.issued", serial.clone(), details).await?;
    Ok(Json(json!({ "id": r.id, "status": "approved", "issued_serial": serial })))
}

/// The issued subject and key: the person's name and key from the request
/// (its signature checked again); organisation, credit code and role as the
/// operator approved them on the form.
fn subject_of(r: &Row) -> anyhow::Result<(SubjectInfo, PublicKey)> {
    let csr = Csr::from_pem(&r.csr_pem)?.verify()?;
    let subject = SubjectInfo {
        common_name: csr.subject().common_name.clone(),
        organization: Some(r.org_name.clone()),
        uscc: Some(Uscc::parse(&r.uscc)?),
        role: Some(r.role.parse::<Role>()?),
    };
    Ok((subject, csr.public_key().clone()))
}

async fn supersede(s: &AppState, serial: &str) -> Result<(), ApiError> {
    let (dir, config) = (s.data_dir.clone(), s.config.clone());
    let serial = serial.parse().map_err(anyhow::Error::from)?;
    blocking(move || {
        authority::revoke(&dir, ca_password(&config)?, &serial, RevocationReason::Superseded).map(|_| ())
    })
    .await
}

/// Body of the rejection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// Why, shown to the applicant.
    reason: String,
}

pub(super) async fn reject(
    Operator(op): Operator,
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Rejection>,
) -> Result<Json<Value>, ApiError> {
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::BadRequest("reason: required, at most 500 characters".into()));
    }
    let r = find(&s, application_id(id)?).await?;
    pending(&r)?;
    if !store::reject(&s.db, r.id, &op.serial, reason, &rfc3339(now())).await? {
        return Err(ApiError::Conflict(format!("application {} was decided meanwhile", r.id)));
    }
    audit::record(&s.db, &op.serial, "application.rejected", r.id.to_string(), json!({ "reason": reason }))
        .await?;
    Ok(Json(json!({ "id": r.id, "status": "rejected", "reason": reason })))
}
