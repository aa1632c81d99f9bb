//! Reading the audit trail over HTTP: regulators and CA operators (the
//! platform's administrators) list and filter events; everyone else gets 403.
//!
//! `GET /api/v1/audit?action=auth.&actor=…&subject=…&from=…&to=…&after_seq=N&limit=M`
//! returns events oldest first with their hashes, so a reader can check the
//! chain over what it fetched, and `next_after_seq` to page on.
//!
//! Bid events of a tender whose results are not yet published are shown
//! redacted (see [`super::privacy`]): who bid is withheld until then. A page
//! may then hold fewer than `limit` events and still have a next page.

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::chain::{Event, read_filtered};
use super::privacy::{Shown, redact};
use crate::auth::{AuthError, CurrentUser};
use crate::server::{ApiError, AppState};

/// Most events one request returns.
pub const MAX_LIMIT: i64 = 1000;

/// The audit routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(list))
}

/// A logged-in regulator or CA operator: 401 without a session, 403 `forbidden` otherwise.
#[derive(Debug, Clone)]
pub struct Auditor(pub String);

impl FromRequestParts<AppState> for Auditor {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let current = CurrentUser::from_request_parts(parts, s).await?;
        match current.user.role.as_str() {
            "regulator" | "operator" => Ok(Auditor(current.user.serial)),
            other => Err(AuthError::Api(ApiError::Forbidden(format!(
                "only regulators and CA operators may read the audit trail; you are logged in as {other}"
            )))),
        }
    }
}

/// Query parameters of `GET /api/v1/audit`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Actions starting with this prefix (letters, digits, `.`, `-` only), e.g. `auth.` or `certificate.revoked`.
    pub action: Option<String>,
    /// Exactly this actor (a certificate serial, `system`, `cli`, `ip:…`).
    pub actor: Option<String>,
    /// Exactly this subject.
    pub subject: Option<String>,
    /// Events at or after this time (RFC 3339, UTC).
    pub from: Option<String>,
    /// Events before this time (RFC 3339, UTC).
    pub to: Option<String>,
    /// Events after this sequence number (paging).
    pub after_seq: Option<i64>,
    /// At most this many events (1 to 1000, default 100).
    pub limit: Option<i64>,
}

/// A page of events.
#[derive(Debug, Serialize)]
pub struct Page {
    /// The events, oldest first, bid events of sealed tenders redacted.
    pub events: Vec<Shown>,
    /// Pass as `after_seq` for the next page; absent on the last page.
    pub next_after_seq: Option<i64>,
}

fn utc_time(name: &str, v: Option<String>) -> Result<String, ApiError> {
    let Some(v) = v else { return Ok(String::new()) };
    let t = time::OffsetDateTime::parse(&v, &time::format_description::well_known::Rfc3339)
        .map_err(|_| ApiError::BadRequest(format!("`{name}` must be an RFC 3339 time, got {v:?}")))?;
    Ok(crate::authority::rfc3339(t.to_offset(time::UtcOffset::UTC)))
}

async fn list(
    State(s): State<AppState>,
    _who: Auditor,
    query: Result<Query<Filter>, QueryRejection>,
) -> Result<Json<Page>, ApiError> {
    let Query(f) = query.map_err(|r| ApiError::BadRequest(format!("bad query string: {}", r.body_text())))?;
    let limit = f.limit.unwrap_or(100);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!("`limit` must be between 1 and {MAX_LIMIT}, got {limit}")));
    }
    let action = f.action.unwrap_or_default();
    // No `%` or `_`: the prefix goes into a LIKE pattern.
    if !action.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')) {
        return Err(ApiError::BadRequest(format!(
            "`action` is an action prefix of letters, digits, '.' and '-', got {action:?}"
        )));
    }
    let from = utc_time("from", f.from)?;
    let to = utc_time("to", f.to)?;
    let after = f.after_seq.unwrap_or(0).max(0);
    let events = read_filtered(
        &s.db,
        after,
        &action,
        f.actor.as_deref().unwrap_or(""),
        f.subject.as_deref().unwrap_or(""),
        &from,
        &to,
        limit + 1,
    )
    .await?;
    let more = events.len() as i64 > limit;
    let events: Vec<Event> = events.into_iter().take(limit as usize).collect();
    let next_after_seq = if more { events.last().map(|e| e.seq) } else { None };
    let actor_filtered = f.actor.as_deref().is_some_and(|a| !a.is_empty());
    let events = redact(&s.db, events, actor_filtered).await?;
    Ok(Json(Page { events, next_after_seq }))
}
