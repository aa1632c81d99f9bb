//! The log's public routes (see the module table in [`super`]).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64ct::{Base64, Encoding};
use sealbid_crypto::log::tree::ProofPlan;
use sealbid_crypto::log::{InclusionBundle, SignedNote, checkpoint::witness_name};
use sealbid_crypto::pki::Certificate;
use serde::Deserialize;
use serde_json::{Value, json};

use super::signer;
use super::store::{self, MAX_ENTRIES, StoredCheckpoint};
use crate::audit::{self, privacy};
use crate::auth::{CurrentUser, require};
use crate::authority::{now, rfc3339};
use crate::server::{ApiError, ApiJson, AppState};

/// The log routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/log/checkpoint", get(checkpoint))
        .route("/api/v1/log/entries", get(entries))
        .route("/api/v1/log/proof/inclusion", get(inclusion))
        .route("/api/v1/log/proof/consistency", get(consistency))
        .route("/api/v1/log/cosignatures", post(cosign))
        .route("/pki/log", get(vkey))
}

/// The log's verifier key, as text.
async fn vkey(State(s): State<AppState>) -> String {
    format!("{}\n", s.log.verifier.to_vkey())
}

type Params = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

/// The whole-number parameter `name`: 400 naming it when missing or not a number.
fn number(q: &HashMap<String, String>, name: &str) -> Result<u64, ApiError> {
    let v = q.get(name).ok_or_else(|| ApiError::BadRequest(format!("the parameter `{name}` is missing")))?;
    v.parse::<u64>()
        .map_err(|_| ApiError::BadRequest(format!("`{name}` must be a whole number ≥ 0, got {v:?}")))
}

fn params(q: Params, allowed: &[&str]) -> Result<HashMap<String, String>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(format!("bad query: {}", e.body_text())))?;
    if let Some(k) = q.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::BadRequest(format!(
            "unknown parameter `{k}`: this route takes {}",
            allowed.join(", ")
        )));
    }
    Ok(q)
}

async fn log_size(s: &AppState) -> Result<u64, ApiError> {
    Ok(store::head(&s.db).await?.size())
}

/// The full note of a stored checkpoint: the log's signature and every co-signature.
pub async fn full_note(s: &AppState, cp: &StoredCheckpoint) -> Result<String, ApiError> {
    let mut note = cp.note.clone();
    for line in store::cosignatures(&s.db, cp.size).await? {
        note.push_str(&line);
    }
    Ok(note)
}

async fn checkpoint_json(s: &AppState, cp: &StoredCheckpoint) -> Result<Value, ApiError> {
    let note = full_note(s, cp).await?;
    let parsed = SignedNote::parse(&note).map_err(anyhow::Error::from)?;
    Ok(json!({
        "note": note,
        "size": cp.size,
        "root": hex::encode(parsed.checkpoint.root),
        "time": cp.time,
        "timestamp": Base64::encode_string(&cp.timestamp),
        "log_key": s.log.verifier.to_vkey(),
    }))
}

/// The newest stored checkpoint (one is signed only when none exists yet:
/// readers cannot make the log sign on demand).
async fn checkpoint(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    let cp = match store::latest(&s.db).await? {
        Some(cp) => cp,
        None => signer::checkpoint(&s).await?.ok_or_else(|| ApiError::NotFound("the log is empty".into()))?,
    };
    Ok(Json(checkpoint_json(&s, &cp).await?))
}

async fn entries(State(s): State<AppState>, q: Params) -> Result<Json<Value>, ApiError> {
    let q = params(q, &["start", "end"])?;
    let (start, end) = (number(&q, "start")?, number(&q, "end")?);
    let size = log_size(&s).await?;
    if start >= end {
        return Err(ApiError::BadRequest(format!("`start` ({start}) must be less than `end` ({end})")));
    }
    if end > size {
        return Err(ApiError::BadRequest(format!("`end` ({end}) is past the log's {size} entries")));
    }
    // Like RFC 9162's get-entries, a long range is answered in part.
    let end = end.min(start + MAX_ENTRIES);
    let published = privacy::published_tenders(&s.db).await?;
    let rows = store::entries(&s.db, start, end).await?;
    let shown: Vec<Value> = rows
        .into_iter()
        .map(|(e, salt)| {
            let (entry, content) =
                super::entry_of(e.seq, &e.time, &e.action, &e.actor, &e.subject, &e.details, &salt)?;
            let hidden = privacy::bid_tender(&e.action, &e.subject).filter(|t| !published.contains(t));
            let mut v = serde_json::to_value(&entry)?;
            match hidden {
                Some(t) => v["hidden"] = json!(privacy::marker(&t)),
                None => v["content"] = serde_json::to_value(&content)?,
            }
            anyhow::Ok(v)
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Json(json!({ "start": start, "end": end, "entries": shown })))
}

fn hex_list(proof: &[[u8; 32]]) -> Vec<String> {
    proof.iter().map(hex::encode).collect()
}

async fn inclusion(State(s): State<AppState>, q: Params) -> Result<Json<Value>, ApiError> {
    let q = params(q, &["index", "size"])?;
    let (index, size) = (number(&q, "index")?, number(&q, "size")?);
    let current = log_size(&s).await?;
    if size == 0 || size > current {
        return Err(ApiError::BadRequest(format!(
            "`size` must be between 1 and the log's {current}, got {size}"
        )));
    }
    if index >= size {
        return Err(ApiError::BadRequest(format!("`index` ({index}) must be less than `size` ({size})")));
    }
    let plan = ProofPlan::inclusion(size, index).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let proof = store::prove(&s.db, &plan).await?;
    Ok(Json(json!({ "index": index, "size": size, "proof": hex_list(&proof) })))
}

async fn consistency(State(s): State<AppState>, q: Params) -> Result<Json<Value>, ApiError> {
    let q = params(q, &["from", "to"])?;
    let (from, to) = (number(&q, "from")?, number(&q, "to")?);
    let current = log_size(&s).await?;
    if from == 0 || from > to || to > current {
        return Err(ApiError::BadRequest(format!(
            "need 1 ≤ `from` ≤ `to` ≤ {current} (the log's size), got from={from}, to={to}"
        )));
    }
    let plan = ProofPlan::consistency(from, to).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let proof = store::prove(&s.db, &plan).await?;
    Ok(Json(json!({ "from": from, "to": to, "proof": hex_list(&proof) })))
}

/// Body of `POST /api/v1/log/cosignatures`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CosignBody {
    /// A stored checkpoint's note carrying the caller's co-signature line.
    note: String,
}

async fn cosign(
    State(s): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<CosignBody>,
) -> Result<Json<Value>, ApiError> {
    require(&current.user, &["regulator"], "co-sign log checkpoints as a witness")?;
    let bad = |e: sealbid_crypto::Error| ApiError::Unprocessable {
        code: "bad_cosignature",
        message: e.to_string(),
    };
    let note = SignedNote::parse(&body.note).map_err(bad)?;
    let size = note.checkpoint.size;
    let stored = store::covering(&s.db, size)
        .await?
        .filter(|c| c.size == size)
        .ok_or_else(|| ApiError::NotFound(format!("the log signed no checkpoint of size {size}")))?;
    let ours = SignedNote::parse(&stored.note).map_err(anyhow::Error::from)?;
    if ours.checkpoint != note.checkpoint {
        return Err(ApiError::Unprocessable {
            code: "not_our_checkpoint",
            message: format!("the note is not the log's checkpoint of size {size}"),
        });
    }
    let der = Base64::decode_vec(&current.user.certificate)
        .map_err(|_| anyhow::anyhow!("the session holds no certificate"))?;
    let cert = Certificate::from_der(&der).map_err(anyhow::Error::from)?;
    note.verify_cosignature(&cert).map_err(bad)?;
    let name = witness_name(&cert).map_err(anyhow::Error::from)?;
    let line = note
        .to_text()
        .map_err(anyhow::Error::from)?
        .lines()
        .find(|l| l.starts_with(&format!("— {name} ")))
        .map(|l| format!("{l}\n"))
        .ok_or_else(|| anyhow::anyhow!("the checked co-signature line went missing"))?;
    let at = rfc3339(now());
    store::add_cosignature(&s.db, size, &name, &line, &at).await?;
    audit::record(&s.db, &current.user.serial, "log.cosigned", size.to_string(), json!({ "witness": name }))
        .await?;
    Ok(Json(checkpoint_json(&s, &stored).await?))
}

/// The bundle proving entry `index` (content included: call only for a
/// reader allowed to see it) under the smallest checkpoint holding it.
pub async fn bundle(s: &AppState, index: u64) -> Result<InclusionBundle, ApiError> {
    let cp = signer::covering(s, index).await?;
    let rows = store::entries(&s.db, index, index + 1).await?;
    let (e, salt) =
        rows.into_iter().next().ok_or_else(|| ApiError::NotFound(format!("no log entry {index}")))?;
    let (entry, content) =
        super::entry_of(e.seq, &e.time, &e.action, &e.actor, &e.subject, &e.details, &salt)?;
    let plan = ProofPlan::inclusion(cp.size, index).map_err(anyhow::Error::from)?;
    let proof = store::prove(&s.db, &plan).await?;
    Ok(InclusionBundle { entry, content, checkpoint: full_note(s, &cp).await?, proof: hex_list(&proof) })
}
