//! The filing's form: the kinds, creating a draft, reading filings, and the
//! rendering of the form with its attachments.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sealbid_crypto::Uscc;
use sealbid_sealing::pdf::PdfError;
use sealbid_sealing::pdf::render::{
    FILING_KINDS, Filing, FilingKind, Party, Rendered, SignaturePlace, SignatureRole,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::store::{self, FilingRow, NewFiling};
use super::{filing_id, kind_of, missing, readable};
use crate::auth::{BidderUser, CurrentUser};
use crate::authority::{now, retain_until, rfc3339};
use crate::db::counters;
use crate::server::{ApiError, ApiJson, AppState};

/// Longest title and field value, in characters.
const MAX_TEXT: usize = 500;

/// `GET /api/v1/filings/kinds`.
pub(super) async fn kinds(_current: CurrentUser) -> Json<&'static [FilingKind]> {
    Json(FILING_KINDS)
}

/// What a manufacturer sends to start a filing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Create {
    kind: String,
    title: String,
    #[serde(default)]
    fields: Map<String, Value>,
}

fn invalid(message: String) -> ApiError {
    ApiError::Unprocessable { code: "invalid_fields", message }
}

/// The form's values by key, checked against the kind: known keys, text
/// values, every required one present.
fn form_values(kind: &FilingKind, fields: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (key, value) in fields {
        let spec = kind.fields.iter().find(|f| f.key == key).ok_or_else(|| {
            let keys: Vec<&str> = kind.fields.iter().map(|f| f.key).collect();
            invalid(format!("fields.{key}: not a field of {} (fields: {})", kind.kind, keys.join(", ")))
        })?;
        let text =
            value.as_str().map(str::trim).ok_or_else(|| invalid(format!("fields.{key}: must be text")))?;
        if text.chars().count() > MAX_TEXT {
            return Err(invalid(format!("fields.{key} ({}): at most {MAX_TEXT} characters", spec.label)));
        }
        if !text.is_empty() {
            out.insert(key.clone(), Value::String(text.to_string()));
        }
    }
    let absent: Vec<String> = kind
        .fields
        .iter()
        .filter(|f| f.required && !out.contains_key(f.key))
        .map(|f| format!("{} ({})", f.key, f.label))
        .collect();
    if !absent.is_empty() {
        return Err(invalid(format!("fields: required and missing: {}", absent.join(", "))));
    }
    Ok(out)
}

/// `POST /api/v1/filings`.
pub(super) async fn create(
    State(s): State<AppState>,
    BidderUser(current): BidderUser,
    body: Result<ApiJson<Create>, ApiError>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let ApiJson(body) = body?;
    let user = &current.user;
    let uscc = user
        .uscc
        .clone()
        .ok_or_else(|| ApiError::Forbidden("your certificate names no organisation".into()))?;
    let (org_name, _, org_kind) = crate::documents::store::organisation(&s.db, &uscc)
        .await?
        .ok_or_else(|| ApiError::Forbidden(format!("organisation {uscc} is not on this platform")))?;
    if org_kind != "manufacturer" {
        return Err(ApiError::Forbidden(format!("only manufacturers file; {org_name} is a {org_kind}")));
    }
    let kind = FilingKind::find(body.kind.trim()).ok_or_else(|| {
        let known: Vec<&str> = FILING_KINDS.iter().map(|k| k.kind).collect();
        ApiError::Unprocessable {
            code: "unknown_kind",
            message: format!("kind: no filing kind {:?} (kinds: {})", body.kind, known.join(", ")),
        }
    })?;
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TEXT {
        return Err(invalid(format!("title: 1 to {MAX_TEXT} characters")));
    }
    let values = form_values(kind, &body.fields)?;
    let at = now();
    let number = format!("BA{}-{:06}", at.year(), counters::next(&s.db, "filing_number").await?);
    let fields = Value::Object(values).to_string();
    let (now_text, retain) = (rfc3339(at), retain_until(at));
    let new = NewFiling {
        number: &number,
        kind: kind.kind,
        org_uscc: &uscc,
        org_name: &org_name,
        title,
        fields: &fields,
        by: &user.serial,
        now: &now_text,
        retain_until: &retain,
    };
    let details = json!({ "number": number, "kind": kind.kind, "org": uscc });
    let id = store::insert(&s.db, &new, details).await?;
    let f = super::find(&s, id).await?;
    Ok((StatusCode::CREATED, Json(view(&s, &f).await?)))
}

/// `?status=` of the list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    status: Option<String>,
}

/// `GET /api/v1/filings`.
pub(super) async fn list(
    State(s): State<AppState>,
    current: CurrentUser,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let user = &current.user;
    crate::auth::require(user, &["bidder", "regulator"], "list filings")?;
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let status = q.status.as_deref().filter(|x| !x.is_empty());
    if let Some(x) = status.filter(|x| !["draft", "submitted", "approved", "rejected"].contains(x)) {
        return Err(ApiError::BadRequest(format!(
            "status: draft, submitted, approved or rejected, not {x:?}"
        )));
    }
    let org = if user.role == "bidder" {
        Some(
            user.uscc
                .as_deref()
                .ok_or_else(|| ApiError::Forbidden("your certificate names no organisation".into()))?,
        )
    } else {
        None
    };
    let rows = store::list(&s.db, org, status).await?;
    Ok(Json(rows.iter().map(summary).collect()))
}

/// `GET /api/v1/filings/{id}`.
pub(super) async fn one(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let f = readable(&s, filing_id(id)?, &current.user).await?;
    Ok(Json(view(&s, &f).await?))
}

/// A filing in lists: the row, its kind's title, whether it is signed.
fn summary(f: &FilingRow) -> Value {
    let mut v = json!(f);
    v["kind_title"] = json!(FilingKind::find(&f.kind).map(|k| k.title));
    v["signed"] = json!(f.current_rev > 0);
    v
}

/// A filing in full: the summary, the form's values, the checklist with what
/// is present and missing, the revisions.
pub(super) async fn view(s: &AppState, f: &FilingRow) -> Result<Value, ApiError> {
    let kind = kind_of(f)?;
    let values: Map<String, Value> = serde_json::from_str(&f.fields).map_err(anyhow::Error::from)?;
    let uploaded = store::attachments(&s.db, f.id).await?;
    let checklist: Vec<Value> = kind
        .checklist
        .iter()
        .map(|i| {
            let up = uploaded.iter().find(|u| usize::try_from(u.item).ok() == Some(i.item));
            json!({ "item": i.item, "name": i.name, "required": i.required, "present": up.is_some(),
                    "size": up.map(|u| u.size), "uploaded_by": up.map(|u| &u.uploaded_by),
                    "uploaded_at": up.map(|u| &u.uploaded_at), "versions": up.map_or(0, |u| u.version) })
        })
        .collect();
    let fields: Vec<Value> = kind
        .fields
        .iter()
        .map(|x| json!({ "key": x.key, "label": x.label, "value": values.get(x.key).cloned().unwrap_or(json!("")) }))
        .collect();
    let present: Vec<i64> = uploaded.iter().map(|u| u.item).collect();
    let mut v = summary(f);
    v["fields"] = json!(fields);
    v["checklist"] = json!(checklist);
    v["missing"] = json!(missing(kind, &present));
    v["revisions"] = json!(store::revisions(&s.db, f.id).await?);
    Ok(v)
}

/// The filing's PDF model: the kind's form with the stored values, the
/// organisation as applicant.
async fn model(s: &AppState, f: &FilingRow) -> Result<Filing, ApiError> {
    let kind = kind_of(f)?;
    let (name, address, _) = crate::documents::store::organisation(&s.db, &f.org_uscc)
        .await?
        .ok_or_else(|| anyhow::anyhow!("filing {}: organisation {} is gone", f.id, f.org_uscc))?;
    let uscc = Uscc::parse(&f.org_uscc).map_err(|e| anyhow::anyhow!("filing {}: {e}", f.id))?;
    let values: Map<String, Value> = serde_json::from_str(&f.fields).map_err(anyhow::Error::from)?;
    let value = |key: &str| values.get(key).and_then(Value::as_str).map(str::to_string);
    Ok(kind.filing(&f.number, Party { name, uscc, address }, &value))
}

/// The item names and PDFs of the current attachments, by item.
fn named(kind: &FilingKind, pdfs: Vec<(i64, Vec<u8>)>) -> Vec<(&'static str, Vec<u8>)> {
    pdfs.into_iter()
        .filter_map(|(item, pdf)| Some((kind.item(usize::try_from(item).ok()?)?.name, pdf)))
        .collect()
}

/// The form rendered with the current attachments merged after it: 422
/// `filing_incomplete` naming the required items missing, 422
/// `unrenderable` if the form or an attachment cannot be rendered.
pub(super) async fn render(s: &AppState, f: &FilingRow) -> Result<Rendered, ApiError> {
    let pdfs = store::attachment_pdfs(&s.db, f.id).await?;
    super::complete(f, &pdfs.iter().map(|(i, _)| *i).collect::<Vec<_>>())?;
    let attachments = named(kind_of(f)?, pdfs);
    let model = model(s, f).await?;
    tokio::task::spawn_blocking(move || {
        let refs: Vec<(&str, &[u8])> = attachments.iter().map(|(n, p)| (*n, p.as_slice())).collect();
        model.render(&refs)
    })
    .await
    .map_err(|e| anyhow::anyhow!("the rendering task failed: {e}"))?
    .map_err(|e| match e {
        PdfError::MissingAttachments(m) => ApiError::Unprocessable {
            code: "filing_incomplete",
            message: format!("filing {} is missing required attachments: {}", f.id, m.join("; ")),
        },
        other => ApiError::Unprocessable {
            code: "unrenderable",
            message: format!("filing {} cannot be rendered: {other}", f.id),
        },
    })
}

/// Where `role`'s seal goes on the filing's form, as laid out with the
/// current attachments (they cannot change after submission).
pub(super) async fn place(
    s: &AppState,
    f: &FilingRow,
    role: SignatureRole,
) -> Result<Option<(usize, [f32; 4])>, ApiError> {
    let pdfs = store::attachment_pdfs(&s.db, f.id).await?;
    let attachments = named(kind_of(f)?, pdfs);
    let model = model(s, f).await?;
    let places = tokio::task::spawn_blocking(move || {
        let refs: Vec<(&str, &[u8])> = attachments.iter().map(|(n, p)| (*n, p.as_slice())).collect();
        model.signature_places(&refs)
    })
    .await
    .map_err(|e| anyhow::anyhow!("the rendering task failed: {e}"))?
    .map_err(|e| anyhow::anyhow!("filing {}: the form cannot be laid out again: {e}", f.id))?;
    Ok(place_of(&places, role))
}

/// `role`'s place among `places`: page and rectangle.
pub(super) fn place_of(places: &[SignaturePlace], role: SignatureRole) -> Option<(usize, [f32; 4])> {
    places.iter().find(|p| p.role == role).map(|p| (p.page, p.rect))
}
