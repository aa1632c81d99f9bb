//! People of organisations, their roles, whether they may sign, and
//! delegations of signing authority (seed 003).
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /api/v1/people/me` | anyone logged in | the person holding the login certificate, roles, certificates, delegations |
//! | `GET /api/v1/people?org=USCC` | operator: anyone; others: their own organisation | people |
//! | `POST /api/v1/people/{id}/signing` | operator | `{enabled}`: switch signing on or off |
//! | `POST /api/v1/people/{id}/roles` | operator | `{role}`: grant a role (a privileged one: 202 until a second operator grants it too) |
//! | `POST /api/v1/delegations` | anyone logged in, for themselves | `{delegate, starts_at, ends_at, reason}` → 201 |
//! | `GET /api/v1/delegations` | anyone logged in | their delegations, given and received |
//! | `POST /api/v1/delegations/{id}/revoke` | the delegator or an operator | revoked at once |
//!
//! A person is recorded when the platform issues them a certificate (the
//! application's agent, recognised again by organisation and ID number). The
//! CA operator is the platform's administrator. [`signing_gate`] is checked
//! by every signed action: a person whose signing is switched off is refused
//! with 403, even with a valid certificate. Every change is audited.

pub mod store;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use sealbid_crypto::pki::Role;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit;
use crate::auth::{CurrentUser, OperatorUser, SessionUser};
use crate::authority::{now, rfc3339};
use crate::db::Db;
use crate::server::{ApiError, ApiJson, AppState};
use store::{Delegation, Person};

/// The people routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/people/me", get(me))
        .route("/api/v1/people", get(list))
        .route("/api/v1/people/{id}/signing", post(set_signing))
        .route("/api/v1/people/{id}/roles", post(grant_role))
        .route("/api/v1/delegations", post(delegate).get(delegations))
        .route("/api/v1/delegations/{id}/revoke", post(revoke))
}

/// Refuses (403) a signed action by a person whose signing is switched off.
/// Certificates issued outside the platform's application flow (the offline
/// CLI) have no person record and are governed by their certificate alone.
pub async fn signing_gate(db: &Db, user: &SessionUser) -> Result<(), ApiError> {
    match store::by_serial(db, &user.serial).await? {
        Some(p) if !p.signing_enabled => Err(ApiError::Forbidden(format!(
            "signing is switched off for {} by the platform's administrator",
            p.name
        ))),
        _ => Ok(()),
    }
}

fn path_id(id: Result<Path<i64>, PathRejection>, what: &str) -> Result<i64, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::BadRequest(format!("{what} id must be an integer")))
}

async fn person(s: &AppState, id: i64) -> Result<Person, ApiError> {
    store::get(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no person {id}")))
}

async fn me_person(s: &AppState, user: &SessionUser) -> Result<Person, ApiError> {
    store::by_serial(&s.db, &user.serial).await?.ok_or_else(|| {
        ApiError::NotFound(format!("certificate {} was not issued to a person on this platform", user.serial))
    })
}

async fn me(State(s): State<AppState>, current: CurrentUser) -> Result<Json<Value>, ApiError> {
    let p = me_person(&s, &current.user).await?;
    let roles = store::roles(&s.db, p.id).await?;
    let certificates: Vec<Value> = store::certificates(&s.db, p.id)
        .await?
        .into_iter()
        .map(|(serial, role, not_after)| json!({ "serial": serial, "role": role, "not_after": not_after }))
        .collect();
    let delegations = store::delegations_of(&s.db, p.id).await?;
    Ok(Json(json!({ "person": p, "roles": roles, "certificates": certificates, "delegations": delegations })))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    org: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    current: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Person>>, ApiError> {
    let org = org_scope(&current.user, q.org, "the people")?;
    Ok(Json(store::list(&s.db, org.as_deref()).await?))
}

/// The organisation a listing of `what` is limited to: an operator's choice
/// (`requested`, or all), else the user's own organisation (403 when another
/// one is requested or the certificate names none).
pub fn org_scope(u: &SessionUser, requested: Option<String>, what: &str) -> Result<Option<String>, ApiError> {
    if u.role == Role::Operator.as_str() {
        return Ok(requested);
    }
    let own =
        u.uscc.clone().ok_or_else(|| ApiError::Forbidden("your certificate names no organisation".into()))?;
    if requested.as_ref().is_some_and(|o| o != &own) {
        return Err(ApiError::Forbidden(format!("you may list only {what} of your own organisation")));
    }
    Ok(Some(own))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Signing {
    enabled: bool,
}

async fn set_signing(
    State(s): State<AppState>,
    OperatorUser(current): OperatorUser,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Signing>,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(id, "person")?;
    if !store::set_signing(&s.db, id, body.enabled).await? {
        return Err(ApiError::NotFound(format!("no person {id}")));
    }
    let action = if body.enabled { "person.signing.enabled" } else { "person.signing.disabled" };
    audit::record(&s.db, &current.user.serial, action, id.to_string(), json!({})).await?;
    Ok(Json(json!({ "id": id, "signing_enabled": body.enabled })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Grant {
    role: String,
}

async fn grant_role(
    State(s): State<AppState>,
    OperatorUser(current): OperatorUser,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Grant>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = path_id(id, "person")?;
    let role: Role = body.role.parse().map_err(|e| ApiError::BadRequest(format!("role: {e}")))?;
    person(&s, id).await?;
    let subject = format!("grant:{id}:{role}");
    let what = format!("the grant of {role} to person {id}");
    if crate::dual::approve(&s.db, &subject, role, &current.user.serial, &what).await?
        == crate::dual::Approval::Recorded
    {
        return Ok((
            StatusCode::ACCEPTED,
            Json(json!({ "id": id, "status": "awaiting_second_approval", "role": role.as_str(),
                         "message": format!("the {role} role needs a second, different operator's approval") })),
        ));
    }
    let new = store::grant_role(&s.db, id, role.as_str(), &current.user.serial, &rfc3339(now())).await?;
    audit::record(
        &s.db,
        &current.user.serial,
        "person.role.granted",
        id.to_string(),
        json!({ "role": role.as_str() }),
    )
    .await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({ "id": id, "roles": store::roles(&s.db, id).await? }))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDelegation {
    delegate: i64,
    starts_at: String,
    ends_at: String,
    reason: String,
}

fn parse_time(field: &str, text: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| ApiError::BadRequest(format!("{field}: not an RFC 3339 time ({e}): {text:?}")))
}

async fn delegate(
    State(s): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<NewDelegation>,
) -> Result<(StatusCode, Json<Delegation>), ApiError> {
    let me = me_person(&s, &current.user).await?;
    let (from, until) = (parse_time("starts_at", &body.starts_at)?, parse_time("ends_at", &body.ends_at)?);
    if until <= from {
        return Err(ApiError::BadRequest("ends_at must be after starts_at".into()));
    }
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::BadRequest("reason: required, at most 500 characters".into()));
    }
    let delegate = person(&s, body.delegate).await?;
    if delegate.id == me.id {
        return Err(ApiError::BadRequest("a person cannot delegate to themselves".into()));
    }
    if delegate.org_uscc != me.org_uscc {
        return Err(ApiError::Forbidden(
            "signing authority can be delegated only within one organisation".into(),
        ));
    }
    let mut d = Delegation {
        id: 0,
        delegator_id: me.id,
        delegate_id: delegate.id,
        starts_at: rfc3339(from),
        ends_at: rfc3339(until),
        reason: reason.to_string(),
        created_at: rfc3339(now()),
        revoked_at: None,
    };
    d.id = store::insert_delegation(&s.db, &d).await?;
    let details = json!({ "delegator": me.id, "delegate": delegate.id, "starts_at": d.starts_at, "ends_at": d.ends_at });
    audit::record(&s.db, &current.user.serial, "delegation.created", d.id.to_string(), details).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

async fn delegations(
    State(s): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Vec<Delegation>>, ApiError> {
    let me = me_person(&s, &current.user).await?;
    Ok(Json(store::delegations_of(&s.db, me.id).await?))
}

async fn revoke(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(id, "delegation")?;
    let d = store::delegation(&s.db, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no delegation {id}")))?;
    if current.user.role != Role::Operator.as_str() {
        let me = me_person(&s, &current.user).await?;
        if me.id != d.delegator_id {
            return Err(ApiError::Forbidden(
                "only the delegator or an operator may revoke a delegation".into(),
            ));
        }
    }
    if !store::revoke_delegation(&s.db, id, &rfc3339(now())).await? {
        return Err(ApiError::Conflict(format!("delegation {id} was already revoked")));
    }
    audit::record(&s.db, &current.user.serial, "delegation.revoked", id.to_string(), json!({})).await?;
    Ok(Json(json!({ "id": id, "revoked": true })))
}
