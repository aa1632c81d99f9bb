//! The organisations registered on the platform — recorded when the CA
//! issues a unit its first certificate ([`crate::lifecycle`]) — so that the
//! web app can show names beside credit codes (results, contracts) and the
//! centre can pick the buying hospital from a list instead of typing a code.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /api/v1/organisations?kind=hospital` | anyone logged in | `[{uscc, name, kind}]`, by name; `kind` optional |
//!
//! Only what procurement publishes anyway is listed: name, credit code and
//! kind — never addresses, phone numbers or people. 401 without a session;
//! 400 naming the allowed kinds for an unknown `kind`.

use anyhow::Context;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::db::Db;
use crate::server::{ApiError, AppState};
use crate::with_pool;

/// The kinds of organisation the platform knows.
pub const KINDS: [&str; 4] = ["manufacturer", "hospital", "regulator", "centre"];

/// The organisations route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/organisations", get(list))
}

/// An organisation as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    /// Unified social credit code.
    pub uscc: String,
    /// Registered name.
    pub name: String,
    /// `manufacturer`, `hospital`, `regulator` or `centre`.
    pub kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    kind: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    _current: CurrentUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<Organisation>>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(format!("query: {}", e.body_text())))?;
    if let Some(kind) = q.kind.as_deref().filter(|k| !KINDS.contains(k)) {
        return Err(ApiError::BadRequest(format!("kind: {kind:?} is not one of {}", KINDS.join(", "))));
    }
    Ok(Json(organisations(&s.db, q.kind.as_deref()).await?))
}

/// The organisations, optionally of one kind, ordered by name then code.
pub async fn organisations(db: &Db, kind: Option<&str>) -> anyhow::Result<Vec<Organisation>> {
    let sql =
        "SELECT uscc, name, kind FROM organisations WHERE ($1 IS NULL OR kind = $1) ORDER BY name, uscc";
    let rows: Vec<(String, String, String)> =
        with_pool!(db, p => sqlx::query_as(sql).bind(kind).fetch_all(p).await)
            .context("cannot list the organisations")?;
    Ok(rows.into_iter().map(|(uscc, name, kind)| Organisation { uscc, name, kind }).collect())
}
