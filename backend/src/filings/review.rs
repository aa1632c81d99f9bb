//! Moving a filing on without a signature: the manufacturer submits its
//! signed filing; a regulator rejects a submitted one with a reason.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::store::{self, FilingRow};
use super::{filing_id, own_draft, submitted};
use crate::audit::NewEvent;
use crate::auth::{CurrentUser, SessionUser};
use crate::authority::{now, rfc3339};
use crate::server::{ApiError, ApiJson, AppState};

/// Longest rejection reason, in characters.
const MAX_REASON: usize = 1000;

/// `POST /api/v1/filings/{id}/submit`: only once the applicant has signed.
pub(super) async fn submit(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let user = &current.user;
    let f = own_draft(&s, filing_id(id)?, user, "submit filings").await?;
    if f.current_rev == 0 {
        return Err(ApiError::Unprocessable {
            code: "not_signed",
            message: format!("filing {} is not signed: sign and seal it before submitting", f.id),
        });
    }
    let details = json!({ "number": f.number, "rev": f.current_rev });
    move_on(&s, user, &f, ("submitted", None), ("filing.submitted", details)).await
}

/// A regulator's rejection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Reject {
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/filings/{id}/reject`: `{reason}`, required.
pub(super) async fn reject(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    body: Result<ApiJson<Reject>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let user = &current.user;
    let f = submitted(&s, filing_id(id)?, user, "reject filings").await?;
    let ApiJson(body) = body?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(ApiError::Unprocessable {
            code: "reason_required",
            message: format!("reason: say why the filing is rejected (1 to {MAX_REASON} characters)"),
        });
    }
    let details = json!({ "number": f.number, "reason": reason });
    move_on(&s, user, &f, ("rejected", Some(reason)), ("filing.rejected", details)).await
}

/// Moves `f` to `status` with its audit event, if it has not moved meanwhile.
async fn move_on(
    s: &AppState,
    user: &SessionUser,
    f: &FilingRow,
    (status, reason): (&str, Option<&str>),
    (action, details): (&str, Value),
) -> Result<Json<Value>, ApiError> {
    let event =
        NewEvent { actor: user.serial.clone(), action: action.into(), subject: f.id.to_string(), details };
    let at = rfc3339(now());
    if !store::transition(&s.db, f.id, (&f.status, f.current_rev), (status, reason), &at, event).await? {
        return Err(ApiError::Conflict(format!("filing {} changed meanwhile; look again", f.id)));
    }
    let f = super::find(s, f.id).await?;
    Ok(Json(super::forms::view(s, &f).await?))
}
