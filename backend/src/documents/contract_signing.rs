//! Signing contracts over HTTP, one contract or a batch: whose turn it is and
//! what the signature commits; the rest is [`super::signing`].

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::sessions::Doc;
use super::signing::{self, FinishBody, PrepareBody, Target, batch_outcome};
use super::store::{self, ContractRow, Signed};
use super::{Party, contract_id, find, my_turn};
use crate::audit::NewEvent;
use crate::auth::{CurrentUser, SessionUser, require};
use crate::authority::{now, rfc3339};
use crate::server::{ApiError, ApiJson, AppState};

/// Most contracts in one batch.
const MAX_BATCH: usize = 50;

pub(super) async fn prepare(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    body: Result<ApiJson<PrepareBody>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    require(&current.user, super::SIGNERS, "sign contracts")?;
    let ApiJson(body) = body?;
    Ok(Json(prepare_one(&s, &current.user, contract_id(id)?, &body).await?))
}

pub(super) async fn finish(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    body: Result<ApiJson<FinishBody>, ApiError>,
) -> Result<Json<ContractRow>, ApiError> {
    require(&current.user, super::SIGNERS, "sign contracts")?;
    let ApiJson(body) = body?;
    let id = contract_id(id)?;
    Ok(Json(finish_one(&s, &current.user, Some(id), &body).await?))
}

/// Several contracts to prepare.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BatchPrepare {
    items: Vec<BatchItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchItem {
    contract_id: i64,
    seal_id: i64,
    page: Option<usize>,
    x: Option<f32>,
    y: Option<f32>,
}

/// Several signatures to finish.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BatchFinish {
    items: Vec<FinishBody>,
}

fn batch_size(n: usize) -> Result<(), ApiError> {
    if n == 0 || n > MAX_BATCH {
        return Err(ApiError::BadRequest(format!("items: between 1 and {MAX_BATCH} contracts, got {n}")));
    }
    Ok(())
}

pub(super) async fn batch_prepare(
    State(s): State<AppState>,
    current: CurrentUser,
    body: Result<ApiJson<BatchPrepare>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    require(&current.user, super::SIGNERS, "sign contracts")?;
    let ApiJson(body) = body?;
    batch_size(body.items.len())?;
    let mut results = Vec::new();
    for item in &body.items {
        let at = PrepareBody { seal_id: item.seal_id, page: item.page, x: item.x, y: item.y };
        let r = batch_outcome(prepare_one(&s, &current.user, item.contract_id, &at).await)?;
        results.push(json!({ "contract_id": item.contract_id, "result": r }));
    }
    Ok(Json(json!({ "results": results })))
}

pub(super) async fn batch_finish(
    State(s): State<AppState>,
    current: CurrentUser,
    body: Result<ApiJson<BatchFinish>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    require(&current.user, super::SIGNERS, "sign contracts")?;
    let ApiJson(body) = body?;
    batch_size(body.items.len())?;
    let mut results = Vec::new();
    for item in &body.items {
        let done = finish_one(&s, &current.user, None, item).await.map(|c| json!({ "contract": c }));
        results.push(json!({ "session_id": item.session_id, "result": batch_outcome(done)? }));
    }
    Ok(Json(json!({ "results": results })))
}

/// The party's place on the contract: page and rectangle.
fn place(c: &ContractRow, party: Party) -> Result<Option<(usize, [f32; 4])>, ApiError> {
    let places: Vec<Value> = serde_json::from_str(&c.places).map_err(anyhow::Error::from)?;
    let Some(place) = places.iter().find(|p| p["role"] == party.as_str()) else { return Ok(None) };
    let rect: [f32; 4] = serde_json::from_value(place["rect"].clone()).map_err(anyhow::Error::from)?;
    Ok(Some((place["page"].as_u64().unwrap_or(0) as usize, rect)))
}

async fn prepare_one(
    s: &AppState,
    user: &SessionUser,
    id: i64,
    body: &PrepareBody,
) -> Result<Value, ApiError> {
    let c = super::readable(s, id, user).await?;
    let (party, _) = my_turn(&c, user)?;
    let pdf = store::pdf(&s.db, c.id, c.current_rev)
        .await?
        .ok_or_else(|| anyhow::anyhow!("contract {} has no revision {}", c.id, c.current_rev))?;
    let target = Target {
        doc: Doc::Contract,
        id: c.id,
        base_rev: c.current_rev,
        rev: store::next_rev(&s.db, c.id).await?,
        party: party.as_str(),
        seal_kinds: if party == Party::Regulator { &["filing"] } else { &["contract", "official"] },
        place: place(&c, party)?,
        pdf,
        fresh: false,
    };
    signing::prepare(s, user, target, body).await
}

async fn finish_one(
    s: &AppState,
    user: &SessionUser,
    contract: Option<i64>,
    body: &FinishBody,
) -> Result<ContractRow, ApiError> {
    let x = signing::open(s, Doc::Contract, user, contract, body).await?;
    let c = find(s, x.doc_id).await?;
    let (party, next) = my_turn(&c, user)?;
    if c.current_rev != x.base_rev {
        return Err(ApiError::Conflict(format!(
            "contract {} changed since the signature was prepared; prepare again",
            c.id
        )));
    }
    let signed = signing::embed(s, user, &x, body).await?;
    let rev = store::next_rev(&s.db, c.id).await?;
    let uscc = user.uscc.clone().unwrap_or_default();
    let commit = Signed { session: &x, status: (&c.status, next), rev, pdf: &signed, signer_uscc: &uscc };
    let details =
        json!({ "session": x.id, "seal": x.seal_id, "party": party.as_str(), "rev": rev, "status": next });
    let event = NewEvent::new(&user.serial, "contract.signed", c.id.to_string(), details);
    if !store::commit_signature(&s.db, &commit, &rfc3339(now()), event).await? {
        return Err(ApiError::Conflict(format!("contract {} changed meanwhile; prepare again", c.id)));
    }
    find(s, c.id).await
}
