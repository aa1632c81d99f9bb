//! Tenders: items with ceiling prices, the bidding window, the opening
//! committee; publication and amendments signed by the platform and
//! time-stamped.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `POST /api/v1/tenders` | centre | `{title, announcement, items, opens_at, deadline, opening_at, committee}` → 201 draft |
//! | `GET /api/v1/tenders` | anyone logged in (drafts: centre, operator) | tenders |
//! | `GET /api/v1/tenders/{id}` | anyone logged in (drafts: centre, operator) | tender, items, committee key, versions |
//! | `POST /api/v1/tenders/{id}/publish` | centre | signs and time-stamps version 1 |
//! | `POST /api/v1/tenders/{id}/amend` | centre | `{note, title?, announcement?, items?, deadline?, opening_at?}` → next version |
//!
//! Publishing needs a committee that finished its key ceremony and whose
//! key statement every official signed (its key is what bids are sealed
//! under; 422 `committee_unconfirmed` names who has not signed) and a
//! deadline still ahead. An amendment is
//! allowed until the deadline; it invalidates every active bid made under an
//! earlier version (the bidders see `invalidated` on their bids and must
//! resubmit). Times are RFC 3339; `opens_at < deadline <= opening_at`.

pub mod store;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64ct::{Base64, Encoding};
use sealbid_crypto::Purpose;
use sealbid_crypto::envelope::TenderId;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::{self, NewEvent};
use crate::auth::{CentreUser, CurrentUser, SessionUser, require};
use crate::authority::{now, rfc3339};
use crate::committees;
use crate::db::counters;
use crate::server::{ApiError, ApiJson, AppState};
pub use store::{Item, Tender};

/// At most this many items per tender.
pub const MAX_ITEMS: usize = 5_000;

/// The tender routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenders", post(create).get(list))
        .route("/api/v1/tenders/{id}", get(view))
        .route("/api/v1/tenders/{id}/publish", post(publish))
        .route("/api/v1/tenders/{id}/amend", post(amend))
}

/// Parses an RFC 3339 time field.
pub fn parse_time(field: &str, text: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| ApiError::BadRequest(format!("{field}: not an RFC 3339 time ({e}): {text:?}")))
}

/// A stored time (written by this server, so well-formed).
pub fn stored_time(text: &str) -> Result<OffsetDateTime, ApiError> {
    Ok(OffsetDateTime::parse(text, &Rfc3339).map_err(|e| anyhow::anyhow!("stored time {text:?}: {e}"))?)
}

fn tender_path(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(format!("tender id: {e}")))?;
    TenderId::parse(&id).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(id)
}

/// The tender `id` as `user` may see it: drafts only for the centre and operators.
pub async fn visible(
    s: &AppState,
    user: &SessionUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Tender, ApiError> {
    let id = tender_path(id)?;
    let t = store::get(&s.db, &id).await?;
    match t {
        Some(t) if t.status != "draft" || matches!(user.role.as_str(), "centre" | "operator") => Ok(t),
        _ => Err(ApiError::NotFound(format!("no tender {id}"))),
    }
}

fn check_items(items: &mut [Item]) -> Result<(), ApiError> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(ApiError::BadRequest(format!("items: 1 to {MAX_ITEMS} items, got {}", items.len())));
    }
    for (i, it) in items.iter_mut().enumerate() {
        it.no = i as i64 + 1;
        for (field, text) in [
            ("generic_name", &it.generic_name),
            ("dosage_form", &it.dosage_form),
            ("specification", &it.specification),
            ("unit", &it.unit),
        ] {
            if text.trim().is_empty() || text.chars().count() > 200 {
                return Err(ApiError::BadRequest(format!(
                    "items[{i}].{field}: required, at most 200 characters"
                )));
            }
        }
        if it.quantity <= 0 {
            return Err(ApiError::BadRequest(format!("items[{i}].quantity: must be positive")));
        }
        if it.ceiling_fen <= 0 || it.ceiling_fen > 100_000_000_000 {
            return Err(ApiError::BadRequest(format!(
                "items[{i}].ceiling_fen: must be between 1 fen and 1,000,000,000 yuan"
            )));
        }
    }
    Ok(())
}

fn check_window(t: &Tender) -> Result<(), ApiError> {
    let (opens, deadline, opening) = (
        parse_time("opens_at", &t.opens_at)?,
        parse_time("deadline", &t.deadline)?,
        parse_time("opening_at", &t.opening_at)?,
    );
    if opens >= deadline {
        return Err(ApiError::BadRequest("opens_at must be before deadline".into()));
    }
    if opening < deadline {
        return Err(ApiError::BadRequest("opening_at must not be before deadline".into()));
    }
    Ok(())
}

fn check_text(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    if text.trim().is_empty() || text.chars().count() > max {
        return Err(ApiError::BadRequest(format!("{field}: required, at most {max} characters")));
    }
    Ok(())
}

fn normalise_time(field: &str, text: &str) -> Result<String, ApiError> {
    Ok(rfc3339(parse_time(field, text)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTender {
    title: String,
    announcement: String,
    items: Vec<Item>,
    opens_at: String,
    deadline: String,
    opening_at: String,
    committee: i64,
}

async fn create(
    State(s): State<AppState>,
    CentreUser(current): CentreUser,
    ApiJson(mut body): ApiJson<NewTender>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_text("title", &body.title, 200)?;
    check_text("announcement", &body.announcement, 20_000)?;
    check_items(&mut body.items)?;
    committees::store::get(&s.db, body.committee)
        .await?
        .ok_or_else(|| ApiError::BadRequest(format!("committee: no committee {}", body.committee)))?;
    let year = now().year();
    let n = counters::next(&s.db, "tender").await?;
    let t = Tender {
        id: format!("T{year}-{n:04}"),
        title: body.title.trim().to_string(),
        announcement: body.announcement,
        opens_at: normalise_time("opens_at", &body.opens_at)?,
        deadline: normalise_time("deadline", &body.deadline)?,
        opening_at: normalise_time("opening_at", &body.opening_at)?,
        committee_id: body.committee,
        status: "draft".into(),
        version: 0,
        published_at: None,
        created_by: current.user.serial.clone(),
        created_at: rfc3339(now()),
    };
    check_window(&t)?;
    store::insert(&s.db, &t, &body.items).await?;
    audited(&s, &current.user, "tender.created", &t.id, json!({ "items": body.items.len() })).await?;
    Ok((StatusCode::CREATED, Json(describe(&s, &t).await?)))
}

async fn audited(
    s: &AppState,
    user: &SessionUser,
    action: &str,
    id: &str,
    details: Value,
) -> anyhow::Result<()> {
    let event = NewEvent { actor: user.serial.clone(), action: action.into(), subject: id.into(), details };
    audit::append(&s.db, event).await.map(|_| ())
}

/// The tender as shown: fields, items, the committee's key, signed versions.
pub async fn describe(s: &AppState, t: &Tender) -> Result<Value, ApiError> {
    let items = store::items(&s.db, &t.id).await?;
    let committee = committees::store::get(&s.db, t.committee_id).await?;
    let versions: Vec<Value> = store::versions(&s.db, &t.id)
        .await?
        .into_iter()
        .map(|(v, note, document, sig, ts, at)| {
            json!({ "version": v, "note": note, "document": document, "signature": Base64::encode_string(&sig),
                    "timestamp": Base64::encode_string(&ts), "created_at": at })
        })
        .collect();
    Ok(json!({
        "id": t.id, "title": t.title, "announcement": t.announcement, "items": items,
        "opens_at": t.opens_at, "deadline": t.deadline, "opening_at": t.opening_at,
        "committee": t.committee_id,
        "committee_public_key": committee.and_then(|c| c.public_key),
        "status": t.status, "version": t.version, "published_at": t.published_at, "versions": versions,
    }))
}

async fn list(State(s): State<AppState>, current: CurrentUser) -> Result<Json<Vec<Tender>>, ApiError> {
    let drafts = matches!(current.user.role.as_str(), "centre" | "operator");
    Ok(Json(store::list(&s.db, !drafts).await?))
}

async fn view(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = visible(&s, &current.user, id).await?;
    Ok(Json(describe(&s, &t).await?))
}

/// The canonical document a version's signature covers.
fn document(t: &Tender, items: &[Item], committee_key: &str, note: &str) -> Result<String, ApiError> {
    let doc = json!({
        "id": t.id, "version": t.version, "title": t.title, "announcement": t.announcement, "items": items,
        "opens_at": t.opens_at, "deadline": t.deadline, "opening_at": t.opening_at,
        "committee": t.committee_id, "committee_public_key": committee_key, "note": note,
    });
    Ok(serde_json::to_string(&doc).map_err(anyhow::Error::from)?)
}

/// Signs, stamps and stores the next version of `t` (already changed).
async fn sign_version(
    s: &AppState,
    t: &Tender,
    from_version: i64,
    items: &[Item],
    note: &str,
) -> Result<u64, ApiError> {
    let confirmed = committees::statement::confirmed(&s.db, t.committee_id).await?;
    let key = hex::encode(confirmed.public_key().to_bytes());
    let doc = document(t, items, &key, note)?;
    let attested = crate::platform::attest(s, Purpose::Tender, doc.clone().into_bytes()).await?;
    let when = rfc3339(now());
    let v = store::Version {
        tender: t,
        items,
        note,
        document: &doc,
        signature: &attested.signature,
        timestamp: &attested.timestamp,
        now: &when,
    };
    store::publish_version(&s.db, from_version, &v).await?.map_err(|why| match why {
        store::NotRecorded::Changed => {
            ApiError::Conflict(format!("tender {} changed meanwhile: reload and try again", t.id))
        }
        store::NotRecorded::DeadlinePassed(at) => ApiError::Conflict(format!(
            "the deadline {at} of tender {} passed while the amendment was being signed: it was not recorded",
            t.id
        )),
    })
}

async fn publish(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    require(&current.user, &["centre"], "publish tenders")?;
    let mut t = visible(&s, &current.user, id).await?;
    if t.status != "draft" {
        return Err(ApiError::Conflict(format!("tender {} is already published: amend it instead", t.id)));
    }
    if stored_time(&t.deadline)? <= now() {
        return Err(ApiError::Conflict(format!(
            "the deadline {} has passed: it cannot be published",
            t.deadline
        )));
    }
    let items = store::items(&s.db, &t.id).await?;
    t.version = 1;
    sign_version(&s, &t, 0, &items, "").await?;
    audited(&s, &current.user, "tender.published", &t.id, json!({ "version": 1 })).await?;
    let t = store::get(&s.db, &t.id).await?.ok_or_else(|| anyhow::anyhow!("tender vanished"))?;
    Ok(Json(describe(&s, &t).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Amendment {
    note: String,
    title: Option<String>,
    announcement: Option<String>,
    items: Option<Vec<Item>>,
    deadline: Option<String>,
    opening_at: Option<String>,
}

async fn amend(
    State(s): State<AppState>,
    CentreUser(current): CentreUser,
    id: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<Amendment>,
) -> Result<Json<Value>, ApiError> {
    let mut t = visible(&s, &current.user, id).await?;
    if t.status != "published" {
        return Err(ApiError::Conflict(format!(
            "tender {} is {}: only a published tender is amended",
            t.id, t.status
        )));
    }
    if stored_time(&t.deadline)? <= now() {
        return Err(ApiError::Conflict(format!(
            "the deadline {} has passed: no more amendments",
            t.deadline
        )));
    }
    check_text("note", &body.note, 2_000)?;
    if let Some(title) = body.title {
        check_text("title", &title, 200)?;
        t.title = title;
    }
    if let Some(a) = body.announcement {
        check_text("announcement", &a, 20_000)?;
        t.announcement = a;
    }
    if let Some(d) = body.deadline {
        t.deadline = normalise_time("deadline", &d)?;
        if stored_time(&t.deadline)? <= now() {
            return Err(ApiError::BadRequest("deadline: must be in the future".into()));
        }
    }
    if let Some(o) = body.opening_at {
        t.opening_at = normalise_time("opening_at", &o)?;
    }
    check_window(&t)?;
    let items = match body.items {
        Some(mut items) => {
            check_items(&mut items)?;
            items
        }
        None => store::items(&s.db, &t.id).await?,
    };
    let from = t.version;
    t.version += 1;
    let invalidated = sign_version(&s, &t, from, &items, body.note.trim()).await?;
    let details = json!({ "version": t.version, "note": body.note.trim(), "invalidated_bids": invalidated });
    audited(&s, &current.user, "tender.amended", &t.id, details).await?;
    let t = store::get(&s.db, &t.id).await?.ok_or_else(|| anyhow::anyhow!("tender vanished"))?;
    let mut v = describe(&s, &t).await?;
    v["invalidated_bids"] = json!(invalidated);
    Ok(Json(v))
}
