//! Bid intake: sealed envelopes in, signed and time-stamped receipts out;
//! replacement and withdrawal by signed requests before the deadline.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `POST /api/v1/tenders/{id}/bids` | bidder | body: the envelope (DER, `application/octet-stream`) → 201 `{bid, envelope_hash, receipt}` |
//! | `POST /api/v1/tenders/{id}/bids/replace` | bidder | `{request, envelope}` (base64: a signed `BidRequest` naming the active envelope, the new envelope) → 201 receipt |
//! | `POST /api/v1/tenders/{id}/bids/withdraw` | bidder | `{request}` (base64 signed `BidRequest`) → 200 |
//! | `GET /api/v1/tenders/{id}/bids/mine` | bidder | the bidder's bids for the tender, oldest first, with statuses |
//! | `GET /api/v1/bids/{id}/receipt` | the bidder who made it | the receipt, DER |
//! | `GET /api/v1/bids/{id}/log` | the bidder who made it | its acceptance's log entry, content, checkpoint and inclusion proof (JSON) |
//! | `GET /api/v1/tenders/{id}/intake` | centre, operator, the committee's officials | counts only, never contents |
//!
//! Intake checks, in order: role (403), signing allowed (403), the tender is
//! published (404/409) and the window is open now (409 naming the deadline),
//! the envelope parses within the size limit (400 naming the field), it is
//! for this tender and by the logged-in bidder's organisation (400/403), its
//! outer signature verifies under the login certificate (400), and its key
//! ciphertext is a valid threshold ciphertext (400). Storage refuses a key
//! ciphertext already used under the same committee, an envelope already
//! submitted, and a second active bid (409). Only then is the receipt made:
//! platform-signed and time-stamped over (tender, bidder, envelope hash,
//! time, sequence); it is stored with the bid in the same row, so a bid is
//! acknowledged only once its transaction commits.
//!
//! The server never reads a bid here: it holds no key that could open the
//! payload before the committee contributes its shares at the opening.

pub mod ciphertexts;
pub mod store;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64ct::{Base64, Encoding};
use sealbid_crypto::envelope::{BidAction, BidRequest, MAX_ENVELOPE_LEN, Receipt, ReceiptInfo, Submission};
use sealbid_crypto::{PublicKey, Uscc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit::NewEvent;
use crate::auth::{BidderUser, CurrentUser, SessionUser, require};
use crate::authority::{now, rfc3339};

use crate::server::{ApiError, ApiJson, AppState};
use crate::tenders::{self, Tender, stored_time};
use store::{NewBid, Refused};

/// How far a request's signed time may be from the server's clock.
const MAX_REQUEST_SKEW_SECS: i64 = 300;

/// The bid routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenders/{id}/bids", post(submit))
        .route("/api/v1/tenders/{id}/bids/replace", post(replace))
        .route("/api/v1/tenders/{id}/bids/withdraw", post(withdraw))
        .route("/api/v1/tenders/{id}/bids/mine", get(mine))
        .route("/api/v1/bids/{id}/receipt", get(receipt))
        .route("/api/v1/bids/{id}/log", get(log_bundle))
        .route("/api/v1/tenders/{id}/intake", get(intake))
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Db(e) => ApiError::Internal(e),
            other => ApiError::Conflict(other.to_string()),
        }
    }
}

/// The logged-in bidder: role, signing allowed, organisation and key.
struct Bidder {
    user: SessionUser,
    uscc: Uscc,
    key: PublicKey,
    cert: Vec<u8>,
}

async fn bidder(s: &AppState, current: CurrentUser, action: &str) -> Result<Bidder, ApiError> {
    let user = current.user;
    require(&user, &["bidder"], action)?;
    crate::people::signing_gate(&s.db, &user).await?;
    let uscc = user
        .uscc
        .as_deref()
        .and_then(|u| Uscc::parse(u).ok())
        .ok_or_else(|| ApiError::Forbidden("your certificate names no organisation code".into()))?;
    let key = hex::decode(&user.public_key)
        .ok()
        .and_then(|k| PublicKey::from_sec1(&k).ok())
        .ok_or_else(|| ApiError::Forbidden("this session carries no signing key: log in again".into()))?;
    let cert = Base64::decode_vec(&user.certificate)
        .map_err(|_| ApiError::Forbidden("this session carries no certificate: log in again".into()))?;
    Ok(Bidder { user, uscc, key, cert })
}

/// The tender, published and inside its bidding window now.
async fn open_tender(
    s: &AppState,
    user: &SessionUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Tender, ApiError> {
    let t = tenders::visible(s, user, id).await?;
    if t.status != "published" {
        return Err(ApiError::Conflict(format!("tender {} is {}: it takes no bids", t.id, t.status)));
    }
    // To the nanosecond: `now()` is truncated to the second for stored times.
    let at = time::OffsetDateTime::now_utc();
    if at < stored_time(&t.opens_at)? {
        return Err(ApiError::Conflict(format!("bidding for {} opens at {}", t.id, t.opens_at)));
    }
    if at >= stored_time(&t.deadline)? {
        return Err(ApiError::Conflict(format!(
            "the deadline for {} passed at {}: no more bids, replacements or withdrawals",
            t.id, t.deadline
        )));
    }
    Ok(t)
}

/// Parses and checks an envelope without reading it (off the async runtime:
/// the ciphertext check is a pairing computation).
async fn check_envelope(
    s: &AppState,
    bytes: Vec<u8>,
    t: &Tender,
    b: &Bidder,
) -> Result<(Submission, Vec<u8>), ApiError> {
    if bytes.len() > MAX_ENVELOPE_LEN {
        return Err(ApiError::PayloadTooLarge(format!(
            "the envelope is {} bytes; at most {MAX_ENVELOPE_LEN}",
            bytes.len()
        )));
    }
    let (tender, uscc, key) = (t.id.clone(), b.uscc.clone(), b.key.clone());
    let committee_key = committee_key_hash(s, t.committee_id).await?;
    let (sub, bytes, check) = tokio::task::spawn_blocking(move || {
        let sub = Submission::parse(&bytes).map_err(|e| ApiError::BadRequest(format!("envelope: {e}")))?;
        if sub.tender().as_str() != tender {
            return Err(ApiError::BadRequest(format!(
                "the envelope is for tender {}, not {tender}",
                sub.tender()
            )));
        }
        if sub.committee_key() != &committee_key {
            return Err(ApiError::BadRequest(format!(
                "the envelope is sealed to committee key {}, not tender {tender}'s {}",
                hex::encode(sub.committee_key()),
                hex::encode(committee_key)
            )));
        }
        if sub.bidder() != &uscc {
            return Err(ApiError::Forbidden(format!(
                "the envelope is by {}, but you log in for {uscc}",
                sub.bidder()
            )));
        }
        sub.verify_outer(&key).map_err(|e| {
            ApiError::BadRequest(format!(
                "the envelope's signature does not verify under your certificate: {e}"
            ))
        })?;
        let check =
            sub.verify_key_proof_and_prepare().map_err(|e| ApiError::BadRequest(format!("envelope: {e}")))?;
        Ok((sub, bytes, check))
    })
    .await
    .map_err(anyhow::Error::from)??;
    if !s.ciphertexts.is_valid(check).await? {
        return Err(ApiError::BadRequest(
            "envelope: the key ciphertext is not a valid threshold ciphertext".into(),
        ));
    }
    Ok((sub, bytes))
}

/// SM3 of the committee key of committee `id` (ready, since its tender was
/// published): of the stored key bytes, without decoding the key set; read
/// once per committee and process (a ready committee's key never changes).
async fn committee_key_hash(s: &AppState, id: i64) -> Result<sealbid_crypto::Sm3Digest, ApiError> {
    if let Some(hash) = s.committee_keys.lock().ok().and_then(|m| m.get(&id).copied()) {
        return Ok(hash);
    }
    let c = crate::committees::store::get(&s.db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the tender's committee {id} vanished"))?;
    let key = c
        .public_key
        .as_deref()
        .and_then(|k| hex::decode(k).ok())
        .ok_or_else(|| ApiError::Conflict(format!("committee {id} has not finished its key ceremony")))?;
    let hash = sealbid_crypto::sm3(&key);
    if let Ok(mut m) = s.committee_keys.lock() {
        m.insert(id, hash);
    }
    Ok(hash)
}

/// Signs, stamps and stores a checked envelope with its audit event; answers with the receipt.
async fn accept(
    s: &AppState,
    t: &Tender,
    b: &Bidder,
    env: &Submission,
    bytes: &[u8],
    replaces: Option<(i64, &[u8])>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let hash = *env.hash();
    let sequence = s.receipt_serials.next(&s.db).await?;
    let info = ReceiptInfo {
        tender: env.tender().clone(),
        bidder: b.uscc.clone(),
        envelope_hash: hash,
        received_at: now(),
        sequence,
    };
    let (platform, tsa) = (s.platform.clone(), s.tsa.clone());
    let receipt = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let serial = sealbid_crypto::der::asn1::Uint::new(&sequence.to_be_bytes())?;
        Ok(Receipt::create(info, &platform.key, &tsa, serial)?.encode()?)
    })
    .await
    .map_err(anyhow::Error::from)??;
    let (hash_hex, point) = (hex::encode(hash), hex::encode(&env.key_ciphertext_bytes()[..48]));
    let when = rfc3339(now());
    let new = NewBid {
        tender_id: &t.id,
        committee_id: t.committee_id,
        bidder_uscc: b.uscc.as_str(),
        bidder_serial: &b.user.serial,
        bidder_cert: &b.cert,
        envelope: bytes,
        envelope_hash: &hash_hex,
        key_point: &point,
        tender_version: t.version,
        received_at: &when,
        receipt: &receipt,
    };
    let action = if replaces.is_some() { "bid.replaced" } else { "bid.received" };
    let event = |id: i64| NewEvent {
        actor: b.user.serial.clone(),
        action: action.into(),
        subject: t.id.clone(),
        details: json!({ "bid": id, "tender": t.id, "bidder": b.uscc.as_str(), "envelope_hash": hash_hex,
                         "replaces": replaces.map(|r| r.0) }),
    };
    let (id, log_index) = store::insert(&s.db, &new, replaces, event).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "bid": id, "envelope_hash": hash_hex, "receipt": Base64::encode_string(&receipt),
                     "received_at": when, "log_index": log_index })),
    ))
}

async fn submit(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b = bidder(&s, current, "submit bids").await?;
    let t = open_tender(&s, &b.user, id).await?;
    let body = body?;
    let (env, bytes) = check_envelope(&s, body.to_vec(), &t, &b).await?;
    accept(&s, &t, &b, &env, &bytes, None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Replacement {
    request: String,
    envelope: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Withdrawal {
    request: String,
}

/// Decodes and checks a signed request about the bidder's active bid.
async fn check_request(
    s: &AppState,
    t: &Tender,
    b: &Bidder,
    encoded: &str,
    action: BidAction,
) -> Result<(i64, Vec<u8>), ApiError> {
    let der =
        Base64::decode_vec(encoded).map_err(|e| ApiError::BadRequest(format!("request: not base64: {e}")))?;
    let req = BidRequest::parse(&der).map_err(|e| ApiError::BadRequest(format!("request: {e}")))?;
    req.verify(&b.key).map_err(|e| {
        ApiError::BadRequest(format!("the request's signature does not verify under your certificate: {e}"))
    })?;
    if req.action() != action {
        let what = |a: BidAction| match a {
            BidAction::Withdraw => "a withdrawal".to_string(),
            BidAction::Replace { replacement } => {
                format!("a replacement by envelope {}", hex::encode(replacement))
            }
        };
        return Err(ApiError::BadRequest(format!(
            "request: it asks for {}, but this is {}",
            what(req.action()),
            what(action)
        )));
    }
    if req.tender().as_str() != t.id || req.bidder() != &b.uscc {
        return Err(ApiError::BadRequest("request: it names another tender or bidder".into()));
    }
    let skew = (req.time() - now()).whole_seconds().abs();
    if skew > MAX_REQUEST_SKEW_SECS {
        return Err(ApiError::BadRequest(format!(
            "request: signed {skew} s from the server's clock (at most {MAX_REQUEST_SKEW_SECS} s)"
        )));
    }
    let active = store::active_of(&s.db, &t.id, b.uscc.as_str())
        .await?
        .ok_or_else(|| ApiError::Conflict(format!("you have no active bid for {}", t.id)))?;
    if active.envelope_hash != hex::encode(req.target()) {
        return Err(ApiError::Conflict("the request names an envelope that is not your active bid".into()));
    }
    Ok((active.id, der))
}

async fn replace(
    State(s): State<AppState>,
    BidderUser(current): BidderUser,
    id: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<Replacement>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b = bidder(&s, current, "replace bids").await?;
    let t = open_tender(&s, &b.user, id).await?;
    let bytes = Base64::decode_vec(&body.envelope)
        .map_err(|e| ApiError::BadRequest(format!("envelope: not base64: {e}")))?;
    let (env, bytes) = check_envelope(&s, bytes, &t, &b).await?;
    let replacement = *env.hash();
    let (old, request) = check_request(&s, &t, &b, &body.request, BidAction::Replace { replacement }).await?;
    accept(&s, &t, &b, &env, &bytes, Some((old, &request))).await
}

async fn withdraw(
    State(s): State<AppState>,
    BidderUser(current): BidderUser,
    id: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<Withdrawal>,
) -> Result<Json<Value>, ApiError> {
    let b = bidder(&s, current, "withdraw bids").await?;
    let t = open_tender(&s, &b.user, id).await?;
    let (bid, request) = check_request(&s, &t, &b, &body.request, BidAction::Withdraw).await?;
    let event = NewEvent {
        actor: b.user.serial.clone(),
        action: "bid.withdrawn".into(),
        subject: t.id.clone(),
        details: json!({ "bid": bid, "bidder": b.uscc.as_str() }),
    };
    if !store::withdraw(&s.db, bid, &request, &rfc3339(now()), event).await.map_err(ApiError::from)? {
        return Err(Refused::NotActive.into());
    }
    Ok(Json(json!({ "bid": bid, "status": "withdrawn" })))
}

async fn mine(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    require(&current.user, &["bidder"], "list their bids")?;
    let t = tenders::visible(&s, &current.user, id).await?;
    let uscc = current.user.uscc.clone().unwrap_or_default();
    let bids = store::history(&s.db, &t.id, &uscc).await?;
    Ok(Json(json!({ "tender": t.id, "version": t.version, "bids": bids })))
}

/// Bid `id` if the logged-in bidder made it; 404 for anyone else's.
async fn own_bid(
    s: &AppState,
    current: &CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    action: &str,
) -> Result<i64, ApiError> {
    require(&current.user, &["bidder"], action)?;
    let Path(id) = id.map_err(|_| ApiError::BadRequest("bid id must be an integer".into()))?;
    let sql = "SELECT bidder_uscc FROM bids WHERE id = $1";
    let owner: Option<String> =
        crate::with_pool!(&s.db, p => sqlx::query_scalar(sql).bind(id).fetch_optional(p).await)
            .map_err(anyhow::Error::from)?;
    if owner.is_none() || owner != current.user.uscc {
        return Err(ApiError::NotFound(format!("no bid {id} of yours")));
    }
    Ok(id)
}

async fn receipt(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Vec<u8>, ApiError> {
    let id = own_bid(&s, &current, id, "fetch receipts").await?;
    store::receipt(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no bid {id}")))
}

/// The bid's acceptance in the transparency log: its entry, content, a
/// checkpoint holding it and the inclusion proof (signed at once if no
/// checkpoint holds it yet). Kept with the receipt, it proves to anyone
/// that the log accepted the bid at that time.
async fn log_bundle(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<sealbid_crypto::log::InclusionBundle>, ApiError> {
    let id = own_bid(&s, &current, id, "fetch their bids' log proofs").await?;
    let index = store::log_index(&s.db, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("bid {id} was accepted before the log existed")))?;
    Ok(Json(crate::tlog::routes::bundle(&s, u64::try_from(index).map_err(anyhow::Error::from)?).await?))
}

async fn intake(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = tenders::visible(&s, &current.user, id).await?;
    let member = crate::committees::store::list_for(&s.db, &current.user.serial)
        .await?
        .iter()
        .any(|c| c.id == t.committee_id);
    if !matches!(current.user.role.as_str(), "centre" | "operator") && !member {
        return Err(ApiError::Forbidden(
            "only the centre, operators and the tender's officials see intake counts".into(),
        ));
    }
    let counts: serde_json::Map<String, Value> =
        store::counts(&s.db, &t.id).await?.into_iter().map(|(k, v)| (k, json!(v))).collect();
    Ok(Json(json!({ "tender": t.id, "deadline": t.deadline, "counts": counts })))
}
