//! The filing's two signatures: the applicant's on the rendered filing, the
//! regulator's approval on top of it. Who signs when is decided here; the
//! signing itself is [`crate::documents::signing`], shared with contracts.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use sealbid_sealing::pdf::render::SignatureRole;
use serde_json::{Value, json};

use super::store::{self, FilingRow, Signed};
use super::{filing_id, find, own_draft, submitted};
use crate::audit::NewEvent;
use crate::auth::{CurrentUser, SessionUser};
use crate::authority::{now, rfc3339};
use crate::documents::sessions::{Doc, Session};
use crate::documents::signing::{self, FinishBody, PrepareBody, Target};
use crate::server::{ApiError, ApiJson, AppState};

/// The applicant signs with its official seal or its filing seal.
const APPLICANT_SEALS: &[&str] = &["official", "filing"];
/// The regulator approves with its filing seal.
const REGULATOR_SEALS: &[&str] = &["filing"];

/// `POST /api/v1/filings/{id}/sign/prepare`: renders the form with the
/// attachments (422 naming the missing items) and prepares the applicant's
/// signature on it.
pub(super) async fn sign_prepare(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    body: Result<ApiJson<PrepareBody>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let user = &current.user;
    let f = own_draft(&s, filing_id(id)?, user, "sign filings").await?;
    let ApiJson(body) = body?;
    if f.current_rev > 0 {
        return Err(ApiError::Conflict(format!("filing {} is signed already; submit it", f.id)));
    }
    let rendered = super::forms::render(&s, &f).await?;
    let rev = store::next_rev(&s.db, f.id).await?;
    let target = Target {
        doc: Doc::Filing,
        id: f.id,
        base_rev: f.current_rev,
        rev: rev + 1,
        party: "applicant",
        seal_kinds: APPLICANT_SEALS,
        place: super::forms::place_of(&rendered.signature_places, SignatureRole::Applicant),
        pdf: rendered.pdf,
        fresh: true,
    };
    Ok(Json(signing::prepare(&s, user, target, &body).await?))
}

/// `POST /api/v1/filings/{id}/approve/prepare`: the regulator's signature
/// on the applicant's signed revision.
pub(super) async fn approve_prepare(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    body: Result<ApiJson<PrepareBody>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let user = &current.user;
    let f = submitted(&s, filing_id(id)?, user, "approve filings").await?;
    let ApiJson(body) = body?;
    let pdf = store::pdf(&s.db, f.id, f.current_rev)
        .await?
        .ok_or_else(|| anyhow::anyhow!("filing {} has no revision {}", f.id, f.current_rev))?;
    let target = Target {
        doc: Doc::Filing,
        id: f.id,
        base_rev: f.current_rev,
        rev: store::next_rev(&s.db, f.id).await?,
        party: "regulator",
        seal_kinds: REGULATOR_SEALS,
        place: super::forms::place(&s, &f, SignatureRole::Regulator).await?,
        pdf,
        fresh: false,
    };
    Ok(Json(signing::prepare(&s, user, target, &body).await?))
}

/// `POST /api/v1/filings/{id}/sign/finish`: the filing stays a draft, signed.
pub(super) async fn sign_finish(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    body: Result<ApiJson<FinishBody>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let user = &current.user;
    let f = own_draft(&s, filing_id(id)?, user, "sign filings").await?;
    let ApiJson(body) = body?;
    let x = signing::open(&s, Doc::Filing, user, Some(f.id), &body).await?;
    if x.rendered.is_none() {
        return Err(ApiError::Conflict(format!("session {} is not the applicant's signature", x.id)));
    }
    finish(&s, user, &f, &x, &body, ("draft", "filing.signed")).await
}

/// `POST /api/v1/filings/{id}/approve/finish`: the filing is approved.
pub(super) async fn approve_finish(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    body: Result<ApiJson<FinishBody>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let user = &current.user;
    let f = submitted(&s, filing_id(id)?, user, "approve filings").await?;
    let ApiJson(body) = body?;
    let x = signing::open(&s, Doc::Filing, user, Some(f.id), &body).await?;
    if x.rendered.is_some() {
        return Err(ApiError::Conflict(format!("session {} is not a regulator's approval", x.id)));
    }
    finish(&s, user, &f, &x, &body, ("approved", "filing.approved")).await
}

/// Embeds the signature and commits it with the filing's new `status` and
/// the audit event `action`, if the filing has not moved since the session.
async fn finish(
    s: &AppState,
    user: &SessionUser,
    f: &FilingRow,
    x: &Session,
    body: &FinishBody,
    (status, action): (&str, &str),
) -> Result<Json<Value>, ApiError> {
    if f.current_rev != x.base_rev {
        return Err(ApiError::Conflict(format!(
            "filing {} changed since the signature was prepared; prepare again",
            f.id
        )));
    }
    let signed = signing::embed(s, user, x, body).await?;
    let rendered_rev = store::next_rev(&s.db, f.id).await?;
    let rev = if x.rendered.is_some() { rendered_rev + 1 } else { rendered_rev };
    let uscc = user.uscc.clone().unwrap_or_default();
    let commit = Signed {
        session: x,
        status: (&f.status, status),
        rev,
        pdf: &signed,
        signer_uscc: &uscc,
        decides: status == "approved",
    };
    let event = NewEvent {
        actor: user.serial.clone(),
        action: action.into(),
        subject: f.id.to_string(),
        details: json!({ "session": x.id, "seal": x.seal_id, "rev": rev, "status": status }),
    };
    if !store::commit_signature(&s.db, &commit, &rfc3339(now()), event).await? {
        return Err(ApiError::Conflict(format!("filing {} changed meanwhile; prepare again", f.id)));
    }
    let f = find(s, f.id).await?;
    Ok(Json(super::forms::view(s, &f).await?))
}
