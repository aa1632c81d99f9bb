//! The application routes: submit, follow (with the applicant's token), list, reject.
//! Approval is in [`super::approval`].

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use base64ct::{Base64UrlUnpadded, Encoding};
use sealbid_crypto::hash::sm3;
use sealbid_crypto::rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Operator;
use super::approval::target_of;
use super::form::Submission;
use super::store::{self, Filing, Row};
use crate::audit;
use crate::authority::{now, retain_until, rfc3339};
use crate::server::{ApiError, ApiJson, AppState};

pub(super) fn application_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    let Path(id) = id.map_err(|_| ApiError::BadRequest("id: must be an application number".into()))?;
    Ok(id)
}

pub(super) async fn find(s: &AppState, id: i64) -> Result<Row, ApiError> {
    store::get(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))
}

pub(super) async fn submit(
    State(s): State<AppState>,
    ApiJson(sub): ApiJson<Submission>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let app = tokio::task::spawn_blocking(move || sub.parse())
        .await
        .map_err(|e| anyhow::anyhow!("form check failed: {e}"))??;
    let created = now();
    let retain = match &app.target {
        Some(serial) => {
            let cert = target_of(&s, serial, app.uscc.as_str()).await?;
            retain_until(cert.not_after().map_err(anyhow::Error::from)?)
        }
        None => retain_until(created),
    };
    let token = Base64UrlUnpadded::encode_string(&rng::bytes::<TOKEN_BYTES>().map_err(anyhow::Error::from)?);
    let filing = Filing { now: &rfc3339(created), token_hash: &token_hash(&token), retain_until: &retain };
    let id = store::insert(&s.db, &app, &filing).await?;
    let details = json!({ "uscc": app.uscc.as_str(), "operation": app.form.operation,
                          "role": app.role.as_str(), "org_name": app.form.org_name,
                          "target_serial": app.target.as_ref().map(ToString::to_string),
                          "seal_samples": app.samples.len() });
    audit::record(&s.db, "applicant", "application.submitted", id.to_string(), details).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "status": "pending", "token": token }))))
}

/// Random bytes of an applicant's status token (sent base64url, unpadded).
pub const TOKEN_BYTES: usize = 24;

/// How a token is stored: SM3, hex (the token itself is never stored).
fn token_hash(token: &str) -> String {
    hex::encode(sm3(token.as_bytes()))
}

/// Query of the applicant's routes: the token returned by the submission.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The application `id` if `token` is its token; 404 otherwise, the same
/// whether the application exists or not.
async fn find_with_token(s: &AppState, id: i64, token: Option<&str>) -> Result<Row, ApiError> {
    let hidden = || ApiError::NotFound(format!("no application {id} with this token"));
    let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 128) else { return Err(hidden()) };
    store::get_with_token(&s.db, id, &token_hash(token)).await?.ok_or_else(hidden)
}

/// What an applicant may see of an application.
#[derive(Debug, Serialize)]
pub struct StatusView {
    id: i64,
    status: String,
    operation: String,
    target_serial: Option<String>,
    reason: Option<String>,
    issued_serial: Option<String>,
    created_at: String,
    decided_at: Option<String>,
}

pub(super) async fn status(
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    Query(q): Query<TokenQuery>,
) -> Result<Json<StatusView>, ApiError> {
    let r = find_with_token(&s, application_id(id)?, q.token.as_deref()).await?;
    Ok(Json(StatusView {
        id: r.id,
        status: r.status,
        operation: r.operation,
        target_serial: r.target_serial,
        reason: r.reason,
        issued_serial: r.issued_serial,
        created_at: r.created_at,
        decided_at: r.decided_at,
    }))
}

pub(super) async fn certificate(
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, ApiError> {
    let r = find_with_token(&s, application_id(id)?, q.token.as_deref()).await?;
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

pub(super) fn pending(r: &Row) -> Result<(), ApiError> {
    if r.status == "pending" {
        return Ok(());
    }
    Err(ApiError::Conflict(format!(
        "application {} is already {}; it cannot be decided again",
        r.id, r.status
    )))
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
