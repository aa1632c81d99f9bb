//! Organisations' electronic seals (GB/T 38540-2020 `SESeal`): applied for by
//! a member of the organisation, made by the platform's seal authority when a
//! CA operator approves, and suspended, reinstated or revoked by an operator.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `POST /api/v1/seals` | bidder, hospital, regulator, centre | `{name, kind, holder_serial, scan_png?, valid_days?}` → 201 pending seal |
//! | `GET /api/v1/seals` | operator: all (`?org=USCC`); others: own organisation | seals |
//! | `GET /api/v1/seals/{id}` | operator, the seal's organisation | the seal |
//! | `GET /api/v1/seals/{id}/picture` | operator, the seal's organisation | PNG |
//! | `GET /api/v1/seals/{id}/der` | operator, the seal's organisation | the `SESeal` (DER), once approved |
//! | `POST /api/v1/seals/{id}/approve` | operator | the seal is made and active |
//! | `POST /api/v1/seals/{id}/reject` | operator | `{reason}` |
//! | `POST /api/v1/seals/{id}/suspend` | operator | `{reason}`: cannot sign until reinstated |
//! | `POST /api/v1/seals/{id}/reinstate` | operator | active again |
//! | `POST /api/v1/seals/{id}/revoke` | operator | `{reason}`: never signs again |
//!
//! The holder is a certificate of a person of the applying organisation; the
//! seal binds it, so only that certificate can sign with the seal. The picture
//! is made at application: from `scan_png` (base64 PNG or JPEG of the
//! impression, background removed, seal red) or generated (the round seal
//! with the organisation's name). [`usable`] is what signing checks: a seal
//! that is not active is refused with 409 naming its status. Every change is
//! audited.

pub mod store;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64ct::{Base64, Encoding};
use sealbid_crypto::pki::{Certificate, Role};
use sealbid_crypto::rng;
use sealbid_sealing::seal::SealKind;
use sealbid_sealing::seal::picture::{self, Picture};
use sealbid_sealing::ses::{SeSeal, SealSpec};
use serde::Deserialize;
use serde_json::json;
use time::Duration;

use crate::audit;
use crate::auth::certs::revoked_now;
use crate::auth::{CurrentUser, OperatorUser, SessionUser, require};
use crate::authority::{now, rfc3339, sealing_trust};
use crate::server::{ApiError, ApiJson, AppState};
use store::{NewSeal, Seal};

/// The vendor identifier written into every seal header.
const VENDOR_ID: &str = "sealbid";
/// Longest seal validity, in days.
const MAX_SEAL_DAYS: i64 = 3650;
/// Roles whose organisations hold seals.
const HOLDERS: &[&str] = &["bidder", "hospital", "regulator", "centre"];

/// The seal routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/seals", post(apply).get(list))
        .route("/api/v1/seals/{id}", get(one))
        .route("/api/v1/seals/{id}/picture", get(picture_png))
        .route("/api/v1/seals/{id}/der", get(der))
        .route("/api/v1/seals/{id}/approve", post(approve))
        .route("/api/v1/seals/{id}/reject", post(reject))
        .route("/api/v1/seals/{id}/suspend", post(suspend))
        .route("/api/v1/seals/{id}/reinstate", post(reinstate))
        .route("/api/v1/seals/{id}/revoke", post(revoke))
}

/// The seal `id` as the signer `user` may use it: 404 unknown, 403 another
/// organisation's or bound to another certificate, 409 not active.
pub async fn usable(s: &AppState, id: i64, user: &SessionUser) -> Result<(Seal, SeSeal), ApiError> {
    let seal = find(s, id).await?;
    if user.uscc.as_deref() != Some(seal.org_uscc.as_str()) {
        return Err(ApiError::Forbidden(format!("seal {id} belongs to another organisation")));
    }
    if seal.status != "active" {
        return Err(ApiError::Conflict(format!(
            "seal {id} ({}) is {}: it cannot sign{}",
            seal.name,
            seal.status,
            seal.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
        )));
    }
    if seal.holder_serial != user.serial {
        return Err(ApiError::Forbidden(format!(
            "seal {id} ({}) binds certificate {}, not your certificate {}",
            seal.name, seal.holder_serial, user.serial
        )));
    }
    let der = store::der(&s.db, id).await?.ok_or_else(|| anyhow::anyhow!("active seal {id} has no DER"))?;
    let made = SeSeal::from_der(&der).map_err(|e| anyhow::anyhow!("stored seal {id} is damaged: {e}"))?;
    Ok((seal, made))
}

fn seal_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::BadRequest("seal id must be an integer".into()))
}

async fn find(s: &AppState, id: i64) -> Result<Seal, ApiError> {
    store::get(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no seal {id}")))
}

/// The seal, if `user` is an operator or of its organisation.
async fn visible(s: &AppState, id: i64, user: &SessionUser) -> Result<Seal, ApiError> {
    let seal = find(s, id).await?;
    if user.role != Role::Operator.as_str() && user.uscc.as_deref() != Some(seal.org_uscc.as_str()) {
        return Err(ApiError::Forbidden(format!("seal {id} belongs to another organisation")));
    }
    Ok(seal)
}

/// A seal application.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Application {
    name: String,
    kind: String,
    holder_serial: String,
    scan_png: Option<String>,
    valid_days: Option<i64>,
}

async fn apply(
    State(s): State<AppState>,
    current: CurrentUser,
    body: Result<ApiJson<Application>, ApiError>,
) -> Result<(StatusCode, Json<Seal>), ApiError> {
    let u = &current.user;
    require(u, HOLDERS, "apply for a seal")?;
    let ApiJson(body) = body?;
    let (Some(uscc), Some(org)) = (u.uscc.clone(), u.organization.clone()) else {
        return Err(ApiError::Forbidden("your certificate names no organisation".into()));
    };
    let name = body.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::BadRequest("name: required, at most 60 characters".into()));
    }
    let kind: SealKind = body.kind.parse().map_err(|e| ApiError::BadRequest(format!("kind: {e}")))?;
    let valid_days = body.valid_days.unwrap_or(365);
    if !(1..=MAX_SEAL_DAYS).contains(&valid_days) {
        return Err(ApiError::BadRequest(format!("valid_days must be between 1 and {MAX_SEAL_DAYS}")));
    }
    let holder = body.holder_serial.trim().to_ascii_uppercase();
    let person = crate::people::store::by_serial(&s.db, &holder).await?;
    if person.is_none_or(|p| p.org_uscc != uscc) {
        return Err(ApiError::BadRequest(format!(
            "holder_serial: certificate {holder} is not a certificate of a person of your organisation"
        )));
    }
    let scan = match &body.scan_png {
        Some(b64) => Some(
            Base64::decode_vec(b64.trim())
                .map_err(|_| ApiError::BadRequest("scan_png: not base64".into()))?,
        ),
        None => None,
    };
    let (org_name, label) = (org.clone(), name.clone());
    let picture: Picture = tokio::task::spawn_blocking(move || match scan {
        Some(bytes) => picture::from_scan(&bytes).map_err(|e| format!("scan_png: {e}")),
        None => picture::generate(&org_name, &label, kind).map_err(|e| format!("name: {e}")),
    })
    .await
    .map_err(|e| anyhow::anyhow!("the picture task failed: {e}"))?
    .map_err(ApiError::BadRequest)?;
    let new = NewSeal {
        org_uscc: &uscc,
        org_name: &org,
        name: &name,
        kind: kind.as_str(),
        holder_serial: &holder,
        picture: (&picture.data, i64::from(picture.width_mm), i64::from(picture.height_mm)),
        valid_days,
        applied_by: &u.serial,
    };
    let id = store::insert(&s.db, &new, &rfc3339(now())).await?;
    let details = json!({ "org": uscc, "name": name, "kind": kind.as_str(), "holder": holder,
                          "scan": body.scan_png.is_some() });
    audit::record(&s.db, &u.serial, "seal.applied", id.to_string(), details).await?;
    Ok((StatusCode::CREATED, Json(find(&s, id).await?)))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    org: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    current: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Seal>>, ApiError> {
    let org = crate::people::org_scope(&current.user, q.org, "the seals")?;
    Ok(Json(store::list(&s.db, org.as_deref()).await?))
}

async fn one(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Seal>, ApiError> {
    Ok(Json(visible(&s, seal_id(id)?, &current.user).await?))
}

async fn picture_png(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = seal_id(id)?;
    visible(&s, id, &current.user).await?;
    let (png, _, _) =
        store::picture(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no seal {id}")))?;
    Ok(([(CONTENT_TYPE, "image/png")], png).into_response())
}

async fn der(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = seal_id(id)?;
    let seal = visible(&s, id, &current.user).await?;
    let der = store::der(&s.db, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("seal {id} is {}: it has not been made", seal.status)))?;
    Ok(([(CONTENT_TYPE, "application/octet-stream")], der).into_response())
}

async fn approve(
    State(s): State<AppState>,
    OperatorUser(current): OperatorUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Seal>, ApiError> {
    let id = seal_id(id)?;
    let seal = find(&s, id).await?;
    if seal.status != "pending" {
        return Err(ApiError::Conflict(format!("seal {id} is {}, not pending", seal.status)));
    }
    let holder = s.data_dir.issued_cert_path(&seal.holder_serial);
    let pem = tokio::fs::read_to_string(&holder)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", holder.display()))?;
    let cert = Certificate::from_pem(&pem).map_err(|e| anyhow::anyhow!("{}: {e}", holder.display()))?;
    if revoked_now(&s.data_dir, &cert.serial().map_err(anyhow::Error::from)?)? {
        return Err(ApiError::Conflict(format!(
            "the holder's certificate {} is revoked",
            seal.holder_serial
        )));
    }
    let (png, w, h) =
        store::picture(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no seal {id}")))?;
    let made =
        make(&s, &seal, cert, Picture { format: "png".into(), data: png, width_mm: mm(w), height_mm: mm(h) })
            .await?;
    if !store::approve(&s.db, id, made.es_id(), made.to_der(), &current.user.serial, &rfc3339(now())).await? {
        return Err(ApiError::Conflict(format!("seal {id} was decided meanwhile")));
    }
    let details = json!({ "es_id": made.es_id(), "valid_end": rfc3339(made.valid_end()) });
    audit::record(&s.db, &current.user.serial, "seal.approved", id.to_string(), details).await?;
    Ok(Json(find(&s, id).await?))
}

fn mm(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(42)
}

/// Makes the `SESeal` with the platform's seal-authority key and checks it.
async fn make(s: &AppState, seal: &Seal, holder: Certificate, picture: Picture) -> Result<SeSeal, ApiError> {
    let kind: SealKind = seal.kind.parse().map_err(|e| anyhow::anyhow!("stored seal kind: {e}"))?;
    let (platform, dir, seal) = (s.platform.clone(), s.data_dir.clone(), seal.clone());
    let made = tokio::task::spawn_blocking(move || {
        let start = now() - Duration::minutes(1);
        let maker_end = platform.cert.not_after()?;
        let end = (start + Duration::days(seal.valid_days)).min(maker_end);
        let spec = SealSpec {
            es_id: format!("SB{}", hex::encode_upper(rng::bytes::<8>()?)),
            vid: VENDOR_ID.into(),
            kind,
            name: seal.name.clone(),
            holders: vec![holder],
            picture,
            created: now(),
            valid_start: start,
            valid_end: end,
        };
        let made = SeSeal::make(&spec, &platform.key, &platform.cert)?;
        made.verify(&sealing_trust(&dir)?, now())?;
        anyhow::Ok(made)
    })
    .await
    .map_err(|e| anyhow::anyhow!("the seal task failed: {e}"))??;
    Ok(made)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    reason: String,
}

fn reason(r: &Reason) -> Result<&str, ApiError> {
    let text = r.reason.trim();
    if text.is_empty() || text.chars().count() > 500 {
        return Err(ApiError::BadRequest("reason: required, at most 500 characters".into()));
    }
    Ok(text)
}

/// Moves seal `id` from one of `from` to `to`, audited as `action`.
async fn change(
    s: &AppState,
    actor: &str,
    id: i64,
    (from, to, action): (&[&str], &str, &str),
    why: Option<&str>,
) -> Result<Json<Seal>, ApiError> {
    let seal = find(s, id).await?;
    if !store::transition(&s.db, id, from, to, why, actor, &rfc3339(now())).await? {
        return Err(ApiError::Conflict(format!(
            "seal {id} is {}; only a seal that is {} can become {to}",
            seal.status,
            from.join(" or ")
        )));
    }
    audit::record(&s.db, actor, action, id.to_string(), json!({ "from": seal.status, "reason": why }))
        .await?;
    Ok(Json(find(s, id).await?))
}

async fn reject(
    State(s): State<AppState>,
    OperatorUser(current): OperatorUser,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Reason>,
) -> Result<Json<Seal>, ApiError> {
    let id = seal_id(id)?;
    change(&s, &current.user.serial, id, (&["pending"], "rejected", "seal.rejected"), Some(reason(&body)?))
        .await
}

async fn suspend(
    State(s): State<AppState>,
    OperatorUser(current): OperatorUser,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Reason>,
) -> Result<Json<Seal>, ApiError> {
    let id = seal_id(id)?;
    change(&s, &current.user.serial, id, (&["active"], "suspended", "seal.suspended"), Some(reason(&body)?))
        .await
}

async fn reinstate(
    State(s): State<AppState>,
    OperatorUser(current): OperatorUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Seal>, ApiError> {
    let id = seal_id(id)?;
    change(&s, &current.user.serial, id, (&["suspended"], "active", "seal.reinstated"), None).await
}

async fn revoke(
    State(s): State<AppState>,
    OperatorUser(current): OperatorUser,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Reason>,
) -> Result<Json<Seal>, ApiError> {
    let id = seal_id(id)?;
    let from: &[&str] = &["active", "suspended"];
    change(&s, &current.user.serial, id, (from, "revoked", "seal.revoked"), Some(reason(&body)?)).await
}
