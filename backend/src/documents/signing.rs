//! Signing contracts over HTTP: prepare (server), sign (the signer's key,
//! elsewhere), finish (server), one contract or a batch.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use base64ct::{Base64, Encoding};
use sealbid_crypto::Signature;
use sealbid_sealing::pdf::sign::{Placement, Prepared};
use sealbid_sealing::ses::SesError;
use sealbid_sealing::signing::{PendingSignature, SigningError, prepare_signature, verify_pdf};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::store::{self, ContractRow, Session, Signed};
use super::{Party, contract_id, find, my_turn};
use crate::audit;
use crate::auth::{CurrentUser, SessionUser, require};
use crate::authority::{now, rfc3339, sealing_trust};
use crate::people::signing_gate;
use crate::server::{ApiError, ApiJson, AppState};

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;
/// How long a prepared signature waits for the signer.
const SESSION_LIFETIME: Duration = Duration::minutes(10);
/// Most contracts in one batch.
const MAX_BATCH: usize = 50;

/// Where to sign: the seal and, optionally, the page (from 1) and the seal's
/// centre in millimetres from the page's lower-left corner (default: the
/// party's signature place).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PrepareBody {
    seal_id: i64,
    page: Option<usize>,
    x: Option<f32>,
    y: Option<f32>,
}

/// The signer's signature over a prepared `TBS_Sign`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FinishBody {
    session_id: String,
    signature: String,
}

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

fn failure(e: &ApiError) -> Value {
    json!({ "ok": false, "status": e.status().as_u16(), "error": e.code(), "message": e.to_string() })
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
        let r = match prepare_one(&s, &current.user, item.contract_id, &at).await {
            Ok(mut v) => {
                v["ok"] = json!(true);
                v
            }
            Err(ApiError::Internal(e)) => return Err(ApiError::Internal(e)),
            Err(e) => failure(&e),
        };
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
        let r = match finish_one(&s, &current.user, None, item).await {
            Ok(c) => json!({ "ok": true, "contract": c }),
            Err(ApiError::Internal(e)) => return Err(ApiError::Internal(e)),
            Err(e) => failure(&e),
        };
        results.push(json!({ "session_id": item.session_id, "result": r }));
    }
    Ok(Json(json!({ "results": results })))
}

/// The rectangle of a seal of `width_mm` × `height_mm` centred at (`cx`, `cy`) points.
fn rect_around(cx: f32, cy: f32, (width_mm, height_mm): (u32, u32)) -> [f32; 4] {
    let (w, h) = (width_mm.max(5) as f32 * PT_PER_MM, height_mm.max(5) as f32 * PT_PER_MM);
    [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
}

/// The page (from 0) and the seal's centre in points.
fn position(c: &ContractRow, party: Party, body: &PrepareBody) -> Result<(usize, f32, f32), ApiError> {
    match (body.page, body.x, body.y) {
        (Some(page), Some(x), Some(y)) => {
            let page =
                page.checked_sub(1).ok_or_else(|| ApiError::BadRequest("page counts from 1".into()))?;
            if !(x.is_finite() && y.is_finite() && (0.0..=420.0).contains(&x) && (0.0..=420.0).contains(&y)) {
                return Err(ApiError::BadRequest("x, y: millimetres on the page".into()));
            }
            Ok((page, x * PT_PER_MM, y * PT_PER_MM))
        }
        (None, None, None) => {
            let places: Vec<Value> = serde_json::from_str(&c.places).map_err(anyhow::Error::from)?;
            let place = places
                .iter()
                .find(|p| p["role"] == party.as_str())
                .ok_or_else(|| anyhow::anyhow!("contract {} has no {} place", c.id, party.as_str()))?;
            let rect: Vec<f32> =
                serde_json::from_value(place["rect"].clone()).map_err(anyhow::Error::from)?;
            let page = place["page"].as_u64().unwrap_or(0) as usize;
            match rect.as_slice() {
                [a, b, c2, d] => Ok((page, (a + c2) / 2.0, (b + d) / 2.0)),
                _ => Err(anyhow::anyhow!("contract {} has a malformed place", c.id).into()),
            }
        }
        _ => Err(ApiError::BadRequest("page, x and y go together (or none of them)".into())),
    }
}

async fn prepare_one(
    s: &AppState,
    user: &SessionUser,
    id: i64,
    body: &PrepareBody,
) -> Result<Value, ApiError> {
    let c = super::readable(s, id, user).await?;
    let (party, _) = my_turn(&c, user)?;
    signing_gate(&s.db, user).await?;
    let (seal_row, seal) = crate::seals::usable(s, body.seal_id, user).await?;
    let wanted: &[&str] = if party == Party::Regulator { &["filing"] } else { &["contract", "official"] };
    if !wanted.contains(&seal_row.kind.as_str()) {
        return Err(ApiError::BadRequest(format!(
            "seal_id: the {} signs with a {} seal; seal {} is a {} seal",
            party.as_str(),
            wanted.join(" or "),
            seal_row.id,
            seal_row.kind
        )));
    }
    let (page, cx, cy) = position(&c, party, body)?;
    let pdf = store::pdf(&s.db, c.id, c.current_rev)
        .await?
        .ok_or_else(|| anyhow::anyhow!("contract {} has no revision {}", c.id, c.current_rev))?;
    let picture = seal.picture();
    let placement = Placement {
        page,
        rect: rect_around(cx, cy, (picture.width_mm, picture.height_mm)),
        picture_png: None,
        field_name: format!("{}_{}", party.as_str(), store::next_rev(&s.db, c.id).await?),
        reserve: 16_384,
    };
    let at = now();
    let field = placement.field_name.clone();
    let pending = tokio::task::spawn_blocking(move || prepare_signature(&pdf, &seal, &placement, at, None))
        .await
        .map_err(|e| anyhow::anyhow!("the signing task failed: {e}"))?
        .map_err(|e| ApiError::BadRequest(format!("the contract cannot be prepared for signing: {e}")))?;
    let session = Session {
        id: hex::encode(sealbid_crypto::rng::bytes::<16>().map_err(anyhow::Error::from)?),
        contract_id: c.id,
        base_rev: c.current_rev,
        seal_id: seal_row.id,
        signer_serial: user.serial.clone(),
        field_name: field.clone(),
        prepared: pending.prepared.bytes.clone(),
        byte_range: serde_json::to_string(&pending.prepared.byte_range).map_err(anyhow::Error::from)?,
        digest: pending.prepared.digest.to_vec(),
        tbs: pending.tbs_der.clone(),
        expires_at: rfc3339(at + SESSION_LIFETIME),
        used_at: None,
    };
    store::insert_session(&s.db, &session).await?;
    let details =
        json!({ "session": session.id, "seal": seal_row.id, "party": party.as_str(), "rev": c.current_rev });
    audit::record(&s.db, &user.serial, "contract.sign.prepared", c.id.to_string(), details).await?;
    Ok(json!({ "contract_id": c.id, "session_id": session.id, "tbs_der": Base64::encode_string(&session.tbs),
               "field": field, "expires_at": session.expires_at }))
}

/// The prepared signature a session holds.
fn pending(x: &Session, seal: sealbid_sealing::ses::SeSeal) -> Result<PendingSignature, ApiError> {
    let byte_range: [usize; 4] = serde_json::from_str(&x.byte_range).map_err(anyhow::Error::from)?;
    let digest = <[u8; 32]>::try_from(x.digest.as_slice())
        .map_err(|_| anyhow::anyhow!("session {} has a malformed digest", x.id))?;
    let prepared = Prepared { bytes: x.prepared.clone(), byte_range, digest };
    Ok(PendingSignature { prepared, tbs_der: x.tbs.clone(), seal })
}

fn signing_error(e: SigningError) -> ApiError {
    match e {
        SigningError::Ses(e @ SesError::CertNotBound { .. }) => ApiError::Forbidden(e.to_string()),
        SigningError::Ses(e) => ApiError::BadRequest(format!("signature: {e}")),
        other => ApiError::Internal(anyhow::anyhow!("embedding the signature: {other}")),
    }
}

async fn finish_one(
    s: &AppState,
    user: &SessionUser,
    contract: Option<i64>,
    body: &FinishBody,
) -> Result<ContractRow, ApiError> {
    let x = store::session(&s.db, body.session_id.trim())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no signing session {:?}", body.session_id)))?;
    if contract.is_some_and(|id| id != x.contract_id) {
        return Err(ApiError::BadRequest(format!("session {} is for contract {}", x.id, x.contract_id)));
    }
    if x.signer_serial != user.serial {
        return Err(ApiError::Forbidden(format!("session {} was prepared for another signer", x.id)));
    }
    if x.used_at.is_some() {
        return Err(ApiError::Conflict(format!("session {} was finished already", x.id)));
    }
    let expires = OffsetDateTime::parse(&x.expires_at, &Rfc3339).map_err(anyhow::Error::from)?;
    if now() > expires {
        return Err(ApiError::Conflict(format!(
            "session {} expired at {}; prepare again",
            x.id, x.expires_at
        )));
    }
    let c = find(s, x.contract_id).await?;
    let (party, next) = my_turn(&c, user)?;
    if c.current_rev != x.base_rev {
        return Err(ApiError::Conflict(format!(
            "contract {} changed since the signature was prepared; prepare again",
            c.id
        )));
    }
    signing_gate(&s.db, user).await?;
    let (_, seal) = crate::seals::usable(s, x.seal_id, user).await?;
    let signature = Base64::decode_vec(body.signature.trim())
        .ok()
        .and_then(|der| Signature::from_der(&der).ok())
        .ok_or_else(|| ApiError::BadRequest("signature: not a base64 DER SM2 signature".into()))?;
    let cert_der = Base64::decode_vec(&user.certificate)
        .map_err(|_| ApiError::BadRequest("your session carries no certificate; log in again".into()))?;
    let pending = pending(&x, seal)?;
    let token = crate::platform::stamp(s, signature.to_der(), now()).await?;
    let (trust, field) = (sealing_trust(&s.data_dir)?, x.field_name.clone());
    let signed = tokio::task::spawn_blocking(move || {
        let signed = sealbid_sealing::signing::finish(&pending, &cert_der, &signature, Some(token))
            .map_err(signing_error)?;
        let report = verify_pdf(&signed, &trust, now())
            .map_err(|e| anyhow::anyhow!("the signed contract cannot be read: {e}"))?;
        let problems: Vec<String> = report
            .signatures
            .iter()
            .filter(|r| !r.valid)
            .map(|r| format!("{}: {}", r.field, r.problems.join("; ")))
            .collect();
        if !report.signatures.iter().any(|r| r.field == field) || !problems.is_empty() {
            return Err(ApiError::BadRequest(format!(
                "the signed contract does not verify: {}",
                if problems.is_empty() {
                    "the new signature is missing".into()
                } else {
                    problems.join(" | ")
                }
            )));
        }
        Ok(signed)
    })
    .await
    .map_err(|e| anyhow::anyhow!("the signing task failed: {e}"))??;
    let rev = store::next_rev(&s.db, c.id).await?;
    let uscc = user.uscc.clone().unwrap_or_default();
    let commit = Signed { session: &x, status: (&c.status, next), rev, pdf: &signed, signer_uscc: &uscc };
    if !store::commit_signature(&s.db, &commit, &rfc3339(now())).await? {
        return Err(ApiError::Conflict(format!("contract {} changed meanwhile; prepare again", c.id)));
    }
    let details =
        json!({ "session": x.id, "seal": x.seal_id, "party": party.as_str(), "rev": rev, "status": next });
    audit::record(&s.db, &user.serial, "contract.signed", c.id.to_string(), details).await?;
    find(s, c.id).await
}
