//! Deadline manifests: at the deadline a tender's active envelopes are
//! frozen into a Merkle tree ([`sealbid_crypto::manifest`]), its root signed
//! by the platform and time-stamped, and stored once, never changed.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /api/v1/tenders/{id}/manifest` | anyone logged in, after the deadline | `{manifest: base64 DER, leaves: [hex envelope hash]}` |
//! | `GET /api/v1/tenders/{id}/manifest/proof?envelope=HEX` | anyone logged in, after the deadline | `{index, proof: base64, manifest: base64}` (RFC 9162 inclusion proof) |
//!
//! The manifest is made by the first of: a background ticker that looks
//! for tenders past their deadline every few seconds ([`spawn_ticker`]), or
//! any request that needs it (these routes, the opening). Intake refuses
//! everything at and after the deadline, checked again inside each bid's
//! transaction under the audit head's lock, which the manifest's read of the
//! active bids takes too, so a bid in flight at the deadline is either in
//! the manifest or refused ([`store::active_at_deadline`]). A bidder
//! checks its receipt's inclusion (`sealbid receipt verify --manifest`) and
//! every official checks the manifest before sharing: an envelope added or
//! dropped after the deadline shows.

pub mod store;

use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use base64ct::{Base64, Encoding};
use sealbid_crypto::envelope::TenderId;
use sealbid_crypto::manifest::{Manifest, ManifestInfo, inclusion_proof};
use sealbid_crypto::{Purpose, Sm3Digest};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit;
use crate::auth::CurrentUser;
use crate::authority::{now, rfc3339};
use crate::server::{ApiError, AppState};
use crate::tenders::{self, Tender, stored_time};

/// How often the ticker looks for tenders past their deadline.
const TICK: Duration = Duration::from_secs(5);

/// The manifest routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenders/{id}/manifest", get(view))
        .route("/api/v1/tenders/{id}/manifest/proof", get(proof))
}

/// The tender's manifest and its leaves, made now if the deadline has
/// passed and none exists yet; 409 before the deadline.
pub async fn ensure(s: &AppState, t: &Tender) -> Result<(Manifest, Vec<Sm3Digest>), ApiError> {
    if let Some(stored) = store::get(&s.db, &t.id).await? {
        return decode(&stored);
    }
    let deadline = stored_time(&t.deadline)?;
    // To the nanosecond: `now()` is truncated to the second for stored times.
    if t.status == "draft" || time::OffsetDateTime::now_utc() < deadline {
        return Err(ApiError::Conflict(format!(
            "tender {} has no deadline manifest before its deadline {}",
            t.id, t.deadline
        )));
    }
    let leaves = store::active_at_deadline(&s.db, &t.id)
        .await?
        .iter()
        .map(|h| hex::decode(h).ok().and_then(|b| Sm3Digest::try_from(b).ok()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| anyhow::anyhow!("a stored envelope hash of {} is damaged", t.id))?;
    let (_, pks) = crate::committees::ready_key_set(&s.db, t.committee_id).await?;
    let key_hash = sealbid_crypto::committee::statement::key_hash(&pks.public_key());
    let tender = TenderId::parse(&t.id).map_err(anyhow::Error::from)?;
    let info = ManifestInfo::of(&tender, deadline, &key_hash, &leaves).map_err(anyhow::Error::from)?;
    let attested =
        crate::platform::attest(s, Purpose::DeadlineManifest, info.body_der().map_err(anyhow::Error::from)?)
            .await?;
    let manifest =
        Manifest::from_parts(info, &attested.signature, attested.timestamp).map_err(anyhow::Error::from)?;
    let der = manifest.encode().map_err(anyhow::Error::from)?;
    if store::insert(&s.db, &t.id, &der, &leaves.concat(), &rfc3339(now())).await? {
        let details = json!({ "count": leaves.len(), "root": hex::encode(manifest.info().root) });
        audit::record(&s.db, "system", "manifest.frozen", t.id.clone(), details).await?;
        return Ok((manifest, leaves));
    }
    // Another request froze it first: theirs is the manifest.
    let stored = store::get(&s.db, &t.id).await?.ok_or_else(|| anyhow::anyhow!("manifest vanished"))?;
    decode(&stored)
}

fn decode((der, leaves): &(Vec<u8>, Vec<u8>)) -> Result<(Manifest, Vec<Sm3Digest>), ApiError> {
    let manifest = Manifest::parse(der).map_err(|e| anyhow::anyhow!("stored manifest: {e}"))?;
    let leaves = leaves
        .chunks(32)
        .map(|c| Sm3Digest::try_from(c).map_err(|_| anyhow::anyhow!("stored manifest leaves are damaged")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((manifest, leaves))
}

/// Makes the manifests of tenders past their deadline, every [`TICK`],
/// until the returned task is aborted (when the server stops).
pub fn spawn_ticker(s: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            if let Err(e) = freeze_due(&s).await {
                tracing::warn!(error = format!("{e:?}"), "making deadline manifests failed; retrying");
            }
        }
    })
}

async fn freeze_due(s: &AppState) -> Result<(), ApiError> {
    for id in store::due(&s.db).await? {
        let Some(t) = tenders::store::get(&s.db, &id).await? else { continue };
        if stored_time(&t.deadline)? <= now() {
            ensure(s, &t).await?;
        }
    }
    Ok(())
}

async fn view(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = tenders::visible(&s, &current.user, id).await?;
    let (manifest, leaves) = ensure(&s, &t).await?;
    Ok(Json(json!({
        "manifest": Base64::encode_string(&manifest.encode().map_err(anyhow::Error::from)?),
        "leaves": leaves.iter().map(hex::encode).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
struct ProofQuery {
    envelope: String,
}

async fn proof(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
    Query(q): Query<ProofQuery>,
) -> Result<Json<Value>, ApiError> {
    let t = tenders::visible(&s, &current.user, id).await?;
    let wanted: Sm3Digest = hex::decode(q.envelope.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ApiError::BadRequest("envelope: 32 bytes of hex (the envelope hash)".into()))?;
    let (manifest, leaves) = ensure(&s, &t).await?;
    let Some(index) = leaves.iter().position(|l| *l == wanted) else {
        return Err(ApiError::NotFound(format!(
            "envelope {} is not in the deadline manifest of tender {}",
            q.envelope, t.id
        )));
    };
    let proof = inclusion_proof(&leaves, index).map_err(anyhow::Error::from)?;
    Ok(Json(json!({
        "index": index, "proof": Base64::encode_string(&proof),
        "manifest": Base64::encode_string(&manifest.encode().map_err(anyhow::Error::from)?),
    })))
}
