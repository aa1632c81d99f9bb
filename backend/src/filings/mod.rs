//! Regulatory filings (seed 000's online filing hall: 新开办药品生产企业的立项,
//! 药品再注册申报): a manufacturer fills in the form, uploads the checklist's
//! attachments, signs and seals the rendered filing and submits it; a
//! regulator approves it with its filing seal or rejects it with a reason.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /api/v1/filings/kinds` | anyone logged in | the kinds, their fields and checklists |
//! | `POST /api/v1/filings` | a manufacturer's bidder | `{kind, title, fields: {key: value}}` → 201 the draft |
//! | `GET /api/v1/filings?status=` | manufacturer: own organisation's; regulator: all past the draft | filings |
//! | `GET /api/v1/filings/{id}` | the organisation; regulators once submitted | the filing, checklist, revisions |
//! | `GET /api/v1/filings/{id}/pdf` | as above | the current PDF (a preview while unsigned) |
//! | `PUT /api/v1/filings/{id}/attachments/{item}` | the organisation, while a draft | raw PDF → the filing |
//! | `GET /api/v1/filings/{id}/attachments/{item}` | as for reading | the item's current PDF |
//! | `POST /api/v1/filings/{id}/sign/prepare`, `…/sign/finish` | the organisation, a complete unsigned draft | as for contracts |
//! | `POST /api/v1/filings/{id}/submit` | the organisation, once signed | the filing, `submitted` |
//! | `POST /api/v1/filings/{id}/approve/prepare`, `…/approve/finish` | a regulator, a submitted filing | as for contracts; → `approved` |
//! | `POST /api/v1/filings/{id}/reject` | a regulator, a submitted filing | `{reason}` → `rejected` |
//!
//! The applicant's signature is prepared on a fresh rendering of the form and
//! the current attachments (`Filing::render`), which is stored as a revision
//! with the signed one; the regulator's is an incremental update on top of
//! it. Both go through [`crate::documents::signing`], exactly like contract
//! signatures. Attachments may be uploaded (again) only while the filing is
//! a draft; every upload is kept, the last one counts, and an upload after
//! signing voids that signature (the filing must be signed again). Content
//! problems are 422 with a code naming them (`unknown_kind`,
//! `invalid_fields`, `unknown_item`, `not_a_pdf`, `filing_incomplete`,
//! `not_signed`, `reason_required`). Every change commits with its audit
//! event: `filing.created`, `filing.attachment`, `filing.signed`,
//! `filing.submitted`, `filing.approved`, `filing.rejected`.

mod forms;
pub mod openapi;
mod review;
mod signing;
pub mod store;
mod uploads;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::routing::{get, post};
use sealbid_crypto::pki::Role;
use sealbid_sealing::pdf::render::FilingKind;

use crate::auth::SessionUser;
use crate::server::{ApiError, AppState};
use store::FilingRow;

/// Largest attachment `PUT …/attachments/{item}` accepts.
pub const MAX_ATTACHMENT: usize = 8 << 20;

/// The filing routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/filings/kinds", get(forms::kinds))
        .route("/api/v1/filings", post(forms::create).get(forms::list))
        .route("/api/v1/filings/{id}", get(forms::one))
        .route("/api/v1/filings/{id}/pdf", get(uploads::pdf))
        .route(
            "/api/v1/filings/{id}/attachments/{item}",
            get(uploads::attachment).put(uploads::upload).layer(DefaultBodyLimit::max(MAX_ATTACHMENT)),
        )
        .route("/api/v1/filings/{id}/sign/prepare", post(signing::sign_prepare))
        .route("/api/v1/filings/{id}/sign/finish", post(signing::sign_finish))
        .route("/api/v1/filings/{id}/submit", post(review::submit))
        .route("/api/v1/filings/{id}/approve/prepare", post(signing::approve_prepare))
        .route("/api/v1/filings/{id}/approve/finish", post(signing::approve_finish))
        .route("/api/v1/filings/{id}/reject", post(review::reject))
}

/// Whether `path` is an attachment upload (the body limit is [`MAX_ATTACHMENT`]).
pub fn is_attachment_path(path: &str) -> bool {
    path.starts_with("/api/v1/filings/") && path.contains("/attachments/")
}

fn filing_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::BadRequest("filing id must be an integer".into()))
}

async fn find(s: &AppState, id: i64) -> Result<FilingRow, ApiError> {
    store::get(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no filing {id}")))
}

/// The kind of a stored filing.
fn kind_of(f: &FilingRow) -> Result<&'static FilingKind, ApiError> {
    FilingKind::find(&f.kind)
        .ok_or_else(|| anyhow::anyhow!("filing {} has unknown kind {}", f.id, f.kind).into())
}

/// Whether `user` is a bidder of the filing's organisation.
fn owns(f: &FilingRow, user: &SessionUser) -> bool {
    user.role == Role::Bidder.as_str() && user.uscc.as_deref() == Some(f.org_uscc.as_str())
}

/// The filing, if `user` may read it: its organisation's bidders, and
/// regulators once it is submitted.
async fn readable(s: &AppState, id: i64, user: &SessionUser) -> Result<FilingRow, ApiError> {
    crate::auth::require(user, &["bidder", "regulator"], "read filings")?;
    let f = find(s, id).await?;
    if owns(&f, user) {
        return Ok(f);
    }
    if user.role == Role::Regulator.as_str() {
        if f.status == "draft" {
            return Err(ApiError::Forbidden(format!("filing {id} is a draft: it is not submitted yet")));
        }
        return Ok(f);
    }
    Err(ApiError::Forbidden(format!("filing {id} belongs to another organisation")))
}

/// The filing, if `user` is a bidder of its organisation and it is a draft.
async fn own_draft(s: &AppState, id: i64, user: &SessionUser, action: &str) -> Result<FilingRow, ApiError> {
    crate::auth::require(user, &["bidder"], action)?;
    let f = find(s, id).await?;
    if !owns(&f, user) {
        return Err(ApiError::Forbidden(format!("filing {id} belongs to another organisation")));
    }
    if f.status != "draft" {
        return Err(ApiError::Conflict(format!("filing {id} is {}: only a draft can change", f.status)));
    }
    Ok(f)
}

/// The filing, if `user` is a regulator and it is submitted.
async fn submitted(s: &AppState, id: i64, user: &SessionUser, action: &str) -> Result<FilingRow, ApiError> {
    crate::auth::require(user, &["regulator"], action)?;
    let f = find(s, id).await?;
    if f.status != "submitted" {
        return Err(ApiError::Conflict(format!(
            "filing {id} is {}: only a submitted filing can be decided",
            f.status
        )));
    }
    Ok(f)
}

/// A 422 naming the required items still missing, if any.
fn complete(f: &FilingRow, present: &[i64]) -> Result<(), ApiError> {
    let missing = missing(kind_of(f)?, present);
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::Unprocessable {
        code: "filing_incomplete",
        message: format!("filing {} is missing required attachments: {}", f.id, missing.join("; ")),
    })
}

/// The required checklist items not in `present`, as `n. name`.
fn missing(kind: &FilingKind, present: &[i64]) -> Vec<String> {
    kind.checklist
        .iter()
        .filter(|i| i.required && !present.iter().any(|&p| usize::try_from(p).ok() == Some(i.item)))
        .map(|i| format!("{}. {}", i.item, i.name))
        .collect()
}
