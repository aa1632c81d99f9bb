//! A filing's files: uploading and reading the checklist's attachments, and
//! the filing's PDF.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use sealbid_sealing::pdf::render::{ChecklistItem, attachment_pages};
use serde_json::{Value, json};

use super::store::{self, FilingRow, Upload};
use super::{MAX_ATTACHMENT, kind_of, own_draft, readable};
use crate::audit::NewEvent;
use crate::auth::CurrentUser;
use crate::authority::{now, rfc3339};
use crate::server::{ApiError, AppState};

/// The filing id and checklist item of a path.
fn ids(p: Result<Path<(i64, String)>, PathRejection>) -> Result<(i64, String), ApiError> {
    p.map(|Path(x)| x).map_err(|_| ApiError::BadRequest("filing id must be an integer".into()))
}

/// The checklist item `item` names on the filing's kind: 422 `unknown_item` otherwise.
fn checklist_item(f: &FilingRow, item: &str) -> Result<&'static ChecklistItem, ApiError> {
    let kind = kind_of(f)?;
    item.parse::<usize>().ok().and_then(|n| kind.item(n)).ok_or_else(|| ApiError::Unprocessable {
        code: "unknown_item",
        message: format!(
            "item {item:?} is not on the checklist of {} (items 1 to {})",
            kind.title,
            kind.checklist.len()
        ),
    })
}

fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    let disposition = format!("inline; filename=\"{name}.pdf\"");
    ([(CONTENT_TYPE, "application/pdf".to_string()), (CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// `PUT /api/v1/filings/{id}/attachments/{item}`: a raw PDF body.
pub(super) async fn upload(
    State(s): State<AppState>,
    current: CurrentUser,
    p: Result<Path<(i64, String)>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let user = &current.user;
    let (id, item) = ids(p)?;
    let f = own_draft(&s, id, user, "upload filing attachments").await?;
    let spec = checklist_item(&f, &item)?;
    let pdf = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge(format!("an attachment may be at most {MAX_ATTACHMENT} bytes"))
        }
        _ => ApiError::from(r),
    })?;
    let (name, bytes) = (spec.name, pdf.clone());
    let pages = tokio::task::spawn_blocking(move || attachment_pages(name, &bytes))
        .await
        .map_err(|e| anyhow::anyhow!("the PDF check failed: {e}"))?
        .map_err(|e| ApiError::Unprocessable {
            code: "not_a_pdf",
            message: format!("item {}: {e}", spec.item),
        })?;
    let at = rfc3339(now());
    let item_no = i64::try_from(spec.item).map_err(anyhow::Error::from)?;
    let upload = Upload {
        filing_id: f.id,
        rev_was: f.current_rev,
        item: item_no,
        name: spec.name,
        pdf: &pdf,
        by: &user.serial,
        now: &at,
    };
    let details = json!({ "item": spec.item, "name": spec.name, "size": pdf.len(), "pages": pages,
                          "voids_signature": f.current_rev > 0 });
    let event = NewEvent {
        actor: user.serial.clone(),
        action: "filing.attachment".into(),
        subject: f.id.to_string(),
        details,
    };
    if !store::add_attachment(&s.db, &upload, event).await? {
        return Err(ApiError::Conflict(format!("filing {} changed meanwhile; upload again", f.id)));
    }
    let f = super::find(&s, f.id).await?;
    Ok(Json(super::forms::view(&s, &f).await?))
}

/// `GET /api/v1/filings/{id}/attachments/{item}`: the item's current PDF.
pub(super) async fn attachment(
    State(s): State<AppState>,
    current: CurrentUser,
    p: Result<Path<(i64, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (id, item) = ids(p)?;
    let f = readable(&s, id, &current.user).await?;
    let spec = checklist_item(&f, &item)?;
    let n = i64::try_from(spec.item).map_err(anyhow::Error::from)?;
    let pdf = store::attachment_pdf(&s.db, f.id, n).await?.ok_or_else(|| {
        ApiError::NotFound(format!("filing {id} has no attachment {} ({})", spec.item, spec.name))
    })?;
    Ok(pdf_response(pdf, &format!("{}-{}", f.number, spec.item)))
}

/// `GET /api/v1/filings/{id}/pdf`: the current revision, or while unsigned a
/// preview of the form with the current attachments (422 naming what is
/// missing if it cannot be rendered yet).
pub(super) async fn pdf(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let f = readable(&s, super::filing_id(id)?, &current.user).await?;
    let pdf = if f.current_rev > 0 {
        store::pdf(&s.db, f.id, f.current_rev)
            .await?
            .ok_or_else(|| anyhow::anyhow!("filing {} has no revision {}", f.id, f.current_rev))?
    } else {
        super::forms::render(&s, &f).await?.pdf
    };
    Ok(pdf_response(pdf, &f.number))
}
