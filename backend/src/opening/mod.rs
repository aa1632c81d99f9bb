//! The opening: officials contribute signed decryption shares after the
//! opening time; with t + 1 contributions the platform opens every envelope,
//! evaluates and publishes signed, time-stamped results.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /api/v1/tenders/{id}/opening/envelopes` | the committee's officials, after the opening time | an [`OpeningFile`]: what the official's client checks before sharing ([`sealbid_crypto::opening::check_opening`]) |
//! | `POST /api/v1/tenders/{id}/opening/shares` | the committee's officials, after the opening time | body: a signed `ShareBatch` (DER) covering every active envelope → 201 |
//! | `POST /api/v1/tenders/{id}/opening/run` | centre, the committee's officials | 202: the opening runs in the background |
//! | `GET /api/v1/tenders/{id}/opening` | centre, operator, the committee's officials | progress: contributors, opened / total, valid, officials with bad shares |
//! | `GET /api/v1/tenders/{id}/results/bundle` | the committee's officials, centre, operators, regulators, once published | a [`sealbid_crypto::opening::results::ResultsBundle`]: everything `sealbid results verify` needs to redo the opening offline |
//! | `GET /api/v1/tenders/{id}/results` | anyone logged in once published | centre, officials, operators, regulators: everything; a bidder: the winners and its own quotes |
//!
//! Shares are checked at upload (signature under the official's login
//! certificate, which must be the roster's key at the batch's index; tender;
//! committee key; exactly the active envelopes) but not share by share: the
//! opening combines optimistically and verifies shares only for an envelope
//! that fails ([`pipeline`]). Outcomes are written chunk by chunk, so a
//! crash mid-opening resumes where it stopped: `run` again opens only what
//! has no outcome yet. Officials with bad shares are recorded and audited.

pub mod bundle;
pub mod evaluate;
pub mod pipeline;
pub mod store;

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64ct::{Base64, Encoding};
use sealbid_crypto::opening::{Announcement, OpeningFile, ServedEnvelope, ShareBatch, committee_key_hash};
use sealbid_crypto::{PublicKey, Purpose};
use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::{self, NewEvent};
use crate::auth::{CurrentUser, SessionUser};
use crate::authority::{now, rfc3339};
use crate::committees::{self, store::Member};
use crate::server::{ApiError, AppState};
use crate::tenders::{self, Tender, stored_time};
use pipeline::{Committee, Sealed, ShareSet};

/// Largest share upload: 100,000 envelopes' shares.
pub const MAX_SHARES_BODY: usize = 16 << 20;
/// Fault injection for the crash test: with this variable set to N, the
/// process aborts (no clean-up, like a crash) right after storing the N-th
/// chunk of an opening. Never set it in production.
pub const CRASH_AFTER_CHUNKS_ENV: &str = "SEALBID_TEST_CRASH_OPENING_AFTER_CHUNKS";

/// The opening routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenders/{id}/opening/envelopes", get(envelopes))
        .route(
            "/api/v1/tenders/{id}/opening/shares",
            post(shares).layer(DefaultBodyLimit::max(MAX_SHARES_BODY)),
        )
        .route("/api/v1/tenders/{id}/opening/run", post(start))
        .route("/api/v1/tenders/{id}/opening", get(progress))
        .route("/api/v1/tenders/{id}/results", get(results))
        .route(bundle::PATH, get(bundle::bundle))
}

/// The committee roster of a tender and the user's index in it.
async fn roster(
    s: &AppState,
    t: &Tender,
    user: &SessionUser,
) -> Result<(Vec<Member>, Option<i64>), ApiError> {
    let c = committees::store::get(&s.db, t.committee_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("committee vanished"))?;
    let members = committees::store::members(&s.db, c.id, c.attempt).await?;
    let me = members.iter().find(|m| m.serial == user.serial).map(|m| m.index);
    Ok((members, me))
}

fn after_opening_time(t: &Tender) -> Result<(), ApiError> {
    if now() < stored_time(&t.opening_at)? {
        return Err(ApiError::Conflict(format!("tender {} opens at {}: not before", t.id, t.opening_at)));
    }
    if t.status == "draft" {
        return Err(ApiError::Conflict(format!("tender {} was never published", t.id)));
    }
    Ok(())
}

async fn official_of(s: &AppState, user: &SessionUser, t: &Tender) -> Result<i64, ApiError> {
    let (_, me) = roster(s, t, user).await?;
    me.ok_or_else(|| {
        ApiError::Forbidden(format!("only the officials of tender {}'s committee may do this", t.id))
    })
}

async fn envelopes(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<OpeningFile>, ApiError> {
    let t = tenders::visible(&s, &current.user, id).await?;
    official_of(&s, &current.user, &t).await?;
    after_opening_time(&t)?;
    Ok(Json(opening_file(&s, &t).await?))
}

/// What an official's client needs to check an opening itself: the latest
/// signed announcement, the committee key statement, the deadline manifest
/// with its leaves, and every active envelope with its bidder's certificate.
pub async fn opening_file(s: &AppState, t: &Tender) -> Result<OpeningFile, ApiError> {
    let (_, _, document, signature, timestamp, _) = tenders::store::versions(&s.db, &t.id)
        .await?
        .into_iter()
        .max_by_key(|v| v.0)
        .ok_or_else(|| ApiError::Conflict(format!("tender {} was never published", t.id)))?;
    let committee = committees::store::get(&s.db, t.committee_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("committee vanished"))?;
    let statement = committees::statement::file(&s.db, &committee).await?;
    let (manifest, leaves) = crate::manifests::ensure(s, t).await?;
    let envelopes = store::ciphertexts_with_certs(&s.db, &t.id)
        .await?
        .into_iter()
        .map(|(env, cert)| ServedEnvelope {
            envelope: Base64::encode_string(&env),
            certificate: Base64::encode_string(&cert),
        })
        .collect();
    Ok(OpeningFile {
        tender: t.id.clone(),
        announcement: Announcement {
            document,
            signature: Base64::encode_string(&signature),
            timestamp: Base64::encode_string(&timestamp),
        },
        statement,
        manifest: Base64::encode_string(&manifest.encode().map_err(anyhow::Error::from)?),
        leaves: leaves.iter().map(hex::encode).collect(),
        envelopes,
    })
}

async fn shares(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let t = tenders::visible(&s, &current.user, id).await?;
    let me = official_of(&s, &current.user, &t).await?;
    crate::people::signing_gate(&s.db, &current.user).await?;
    after_opening_time(&t)?;
    let body = body?;
    let (c, pks) = committees::ready_key_set(&s.db, t.committee_id).await?;
    let key = hex::decode(&current.user.public_key)
        .ok()
        .and_then(|k| PublicKey::from_sec1(&k).ok())
        .ok_or_else(|| ApiError::Forbidden("this session carries no signing key: log in again".into()))?;
    let der = body.to_vec();
    let committee_hash = committee_key_hash(&pks.public_key());
    let batch = tokio::task::spawn_blocking(move || -> Result<ShareBatch, ApiError> {
        let batch = ShareBatch::parse(&der).map_err(|e| ApiError::BadRequest(format!("shares: {e}")))?;
        batch.verify(&key).map_err(|e| {
            ApiError::BadRequest(format!("the shares' signature does not verify under your certificate: {e}"))
        })?;
        Ok(batch)
    })
    .await
    .map_err(anyhow::Error::from)??;
    if batch.official() as i64 != me {
        return Err(ApiError::Forbidden(format!(
            "these shares are signed as official {}; you are official {me}",
            batch.official()
        )));
    }
    if batch.tender().as_str() != t.id {
        return Err(ApiError::BadRequest(format!(
            "these shares are for tender {}, not {}",
            batch.tender(),
            t.id
        )));
    }
    if batch.committee_key() != &committee_hash {
        return Err(ApiError::BadRequest(format!(
            "these shares are for another committee key than committee {}'s",
            c.id
        )));
    }
    let active: HashSet<String> = store::active_hashes(&s.db, &t.id).await?.into_iter().collect();
    let given: HashSet<String> = batch.entries().iter().map(|(h, _)| hex::encode(h)).collect();
    let missing = active.difference(&given).count();
    let extra = given.difference(&active).count();
    if missing > 0 || extra > 0 || given.len() != batch.entries().len() {
        return Err(ApiError::BadRequest(format!(
            "the shares must cover exactly the {} active envelopes: {missing} missing, {extra} unknown, {} repeated",
            active.len(),
            batch.entries().len() - given.len()
        )));
    }
    if !store::insert_shares(&s.db, &t.id, me, &current.user.serial, &body, &rfc3339(now())).await? {
        return Err(ApiError::Conflict(format!("official {me} has already contributed shares to {}", t.id)));
    }
    let details = json!({ "official": me, "envelopes": given.len() });
    audit::append(
        &s.db,
        NewEvent {
            actor: current.user.serial.clone(),
            action: "opening.shares".into(),
            subject: t.id.clone(),
            details,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "official": me, "count": given.len() }))))
}

/// Wall time of each phase of one opening, and what it found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Envelopes opened by this run.
    pub opened: usize,
    /// Of which valid.
    pub valid: usize,
    /// Envelopes that could not be opened (not enough good shares).
    pub stuck: usize,
    /// Officials found to have sent bad shares.
    pub bad_officials: Vec<usize>,
    /// Loading envelopes and shares from the database.
    pub load_s: f64,
    /// Combining, decrypting, checking signatures (all workers).
    pub crypto_s: f64,
    /// Writing outcomes.
    pub store_s: f64,
    /// Evaluating, signing, time-stamping and storing the results.
    pub evaluate_s: f64,
    /// The whole run.
    pub total_s: f64,
}

/// Opens every unopened envelope of tender `id`, then evaluates and
/// publishes the results once every active envelope is opened.
pub async fn run(s: &AppState, id: &str, workers: usize) -> anyhow::Result<Report> {
    let start = Instant::now();
    let mut report = Report::default();
    let t = tenders::store::get(&s.db, id).await?.context("no such tender")?;
    let (_, pks) =
        committees::ready_key_set(&s.db, t.committee_id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let raw = store::batches(&s.db, id).await?;
    if raw.len() <= pks.threshold() {
        anyhow::bail!("{} officials have contributed; the opening needs {}", raw.len(), pks.threshold() + 1);
    }
    let unopened = store::unopened(&s.db, id).await?;
    let (shares, sealed) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let mut shares: BTreeMap<usize, ShareSet> = BTreeMap::new();
        for (official, der) in raw {
            // Stored batches were parsed strictly and their signatures verified at upload.
            let batch = ShareBatch::parse_trusted(&der)?;
            shares.insert(usize::try_from(official)?, batch.entries().iter().copied().collect());
        }
        let sealed: Vec<Sealed> = unopened
            .into_iter()
            .map(|(bid, envelope, bidder_cert)| Sealed { bid, envelope, bidder_cert })
            .collect();
        Ok((shares, sealed))
    })
    .await??;
    report.load_s = start.elapsed().as_secs_f64();
    let shares = std::sync::Arc::new(shares);
    let pks = std::sync::Arc::new(pks);
    // Officials already found bad (by an earlier run) are skipped from the start.
    let mut known_bad: BTreeMap<usize, String> = store::faults(&s.db, id)
        .await?
        .into_iter()
        .filter_map(|(o, d)| Some((usize::try_from(o).ok()?, d)))
        .collect();
    let mut bad_seen = BTreeMap::new();
    let crash_after: Option<usize> = std::env::var(CRASH_AFTER_CHUNKS_ENV).ok().and_then(|v| v.parse().ok());
    for (stored, chunk) in sealed.chunks(s.config.opening_chunk.max(1)).enumerate() {
        let t0 = Instant::now();
        let (chunk_owned, sh, pk, before) = (chunk.to_vec(), shares.clone(), pks.clone(), known_bad.clone());
        let (outcomes, after) = tokio::task::spawn_blocking(move || {
            let c = Committee { pks: &pk, shares: &sh, bad: std::sync::Mutex::new(before) };
            let outcomes = pipeline::open_batch(&c, &chunk_owned, workers);
            (outcomes, c.bad.into_inner().unwrap_or_default())
        })
        .await?;
        let bad: Vec<(usize, String)> =
            after.iter().filter(|(o, _)| !known_bad.contains_key(o)).map(|(o, d)| (*o, d.clone())).collect();
        known_bad = after;
        if outcomes.len() != chunk.len() {
            anyhow::bail!(
                "an opening worker failed: {} of {} envelopes came back",
                outcomes.len(),
                chunk.len()
            );
        }
        report.crypto_s += t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let done: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok().cloned()).collect();
        report.stuck += outcomes.len() - done.len();
        report.opened += done.len();
        report.valid += done.iter().filter(|o| o.reason.is_none()).count();
        let when = rfc3339(now());
        store::insert_outcomes(&s.db, id, &done, &when).await?;
        for (official, detail) in bad {
            if store::insert_fault(&s.db, id, official as i64, &detail, &when).await? {
                let event = NewEvent {
                    actor: "system".into(),
                    action: "opening.bad_shares".into(),
                    subject: id.to_string(),
                    details: json!({ "official": official, "detail": detail }),
                };
                audit::append(&s.db, event).await?;
            }
            bad_seen.insert(official, ());
        }
        report.store_s += t1.elapsed().as_secs_f64();
        if crash_after == Some(stored + 1) {
            tracing::error!(tender = id, chunks = stored + 1, "{CRASH_AFTER_CHUNKS_ENV} is set: aborting");
            std::process::abort();
        }
    }
    report.bad_officials = bad_seen.into_keys().collect();
    let t2 = Instant::now();
    if report.stuck == 0 {
        publish_results(s, &t).await?;
    }
    report.evaluate_s = t2.elapsed().as_secs_f64();
    report.total_s = start.elapsed().as_secs_f64();
    Ok(report)
}

/// Evaluates the opened bids and publishes signed, time-stamped results (once).
async fn publish_results(s: &AppState, t: &Tender) -> anyhow::Result<()> {
    if store::results(&s.db, &t.id).await?.is_some() {
        return Ok(());
    }
    let items = tenders::store::items(&s.db, &t.id).await?;
    let opened = store::opened(&s.db, &t.id)
        .await?
        .into_iter()
        .map(|(bid, bidder, received_at, _, reason, prices)| {
            let prices = prices.map(|p| serde_json::from_str(&p)).transpose()?;
            Ok(evaluate::Opened { bid, bidder, received_at, prices, reason })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let evaluation = evaluate::evaluate(&items, &opened);
    let faults: Vec<Value> = store::faults(&s.db, &t.id)
        .await?
        .into_iter()
        .map(|(o, d)| json!({ "official": o, "detail": d }))
        .collect();
    let doc = json!({ "tender": t.id, "version": t.version, "evaluated_at": rfc3339(now()),
                      "evaluation": evaluation, "officials_with_bad_shares": faults });
    let doc = serde_json::to_string(&doc)?;
    let attested = crate::platform::attest(s, Purpose::Results, doc.clone().into_bytes()).await?;
    if store::insert_results(&s.db, &t.id, &doc, &attested.signature, &attested.timestamp, &rfc3339(now()))
        .await?
    {
        tenders::store::mark_opened(&s.db, &t.id).await?;
        // The document's hash binds the log entry to exactly these results.
        let details = json!({ "bids": evaluation.bids, "invalid": evaluation.invalid_bids.len(),
                              "document_sm3": hex::encode(sealbid_crypto::sm3(doc.as_bytes())) });
        audit::append(
            &s.db,
            NewEvent {
                actor: "system".into(),
                action: "results.published".into(),
                subject: t.id.clone(),
                details,
            },
        )
        .await?;
    }
    Ok(())
}

fn may_watch(user: &SessionUser, member: bool) -> Result<(), ApiError> {
    if member || matches!(user.role.as_str(), "centre" | "operator") {
        return Ok(());
    }
    Err(ApiError::Forbidden(
        "only the centre, operators and the committee's officials follow the opening".into(),
    ))
}

async fn start(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let t = tenders::visible(&s, &current.user, id).await?;
    let (_, me) = roster(&s, &t, &current.user).await?;
    if current.user.role != "centre" && me.is_none() {
        return Err(ApiError::Forbidden(
            "only the centre and the committee's officials start the opening".into(),
        ));
    }
    after_opening_time(&t)?;
    let (_, pks) = committees::ready_key_set(&s.db, t.committee_id).await?;
    let contributed = store::contributors(&s.db, &t.id).await?.len();
    if contributed <= pks.threshold() {
        return Err(ApiError::Conflict(format!(
            "{contributed} officials have contributed shares; the opening needs {}",
            pks.threshold() + 1
        )));
    }
    if !s.openings.lock().map(|set| set.contains(&t.id)).unwrap_or(true) {
        audit::append(
            &s.db,
            NewEvent {
                actor: current.user.serial.clone(),
                action: "opening.started".into(),
                subject: t.id.clone(),
                details: json!({}),
            },
        )
        .await?;
        spawn_run(s.clone(), t.id.clone());
    }
    Ok((StatusCode::ACCEPTED, Json(json!({ "tender": t.id, "running": true }))))
}

/// Runs the opening of `tender` in the background unless this process is
/// already running it.
fn spawn_run(state: AppState, tender: String) {
    let fresh = state.openings.lock().map(|mut set| set.insert(tender.clone())).unwrap_or(false);
    if !fresh {
        return;
    }
    tokio::spawn(async move {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        match run(&state, &tender, workers).await {
            Ok(r) => tracing::info!(
                tender,
                opened = r.opened,
                valid = r.valid,
                stuck = r.stuck,
                "opening finished"
            ),
            Err(e) => tracing::error!(tender, error = %e, "opening failed"),
        }
        if let Ok(mut set) = state.openings.lock() {
            set.remove(&tender);
        }
    });
}

/// Resumes, in the background, every opening that stored some outcomes but
/// published no results: one interrupted by a crash or a stop. Envelopes
/// already opened are not opened again.
pub async fn resume_interrupted(state: &AppState) -> anyhow::Result<Vec<String>> {
    let tenders = store::interrupted(&state.db).await?;
    for t in &tenders {
        tracing::warn!(tender = t, "resuming an interrupted opening");
        audit::append(
            &state.db,
            NewEvent {
                actor: "system".into(),
                action: "opening.resumed".into(),
                subject: t.clone(),
                details: json!({}),
            },
        )
        .await?;
        spawn_run(state.clone(), t.clone());
    }
    Ok(tenders)
}

async fn progress(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = tenders::visible(&s, &current.user, id).await?;
    let (_, me) = roster(&s, &t, &current.user).await?;
    may_watch(&current.user, me.is_some())?;
    // Published results are read first: they are stored after every outcome,
    // so the counts read next include them all (read the other way round, a
    // poll racing the end of the opening could see results with old counts).
    let published = store::results(&s.db, &t.id).await?.is_some();
    let total = store::active_hashes(&s.db, &t.id).await?.len();
    let (opened, valid) = store::progress(&s.db, &t.id).await?;
    let contributors: Vec<Value> = store::contributors(&s.db, &t.id)
        .await?
        .into_iter()
        .map(|(o, serial, at)| json!({ "official": o, "serial": serial, "received_at": at }))
        .collect();
    let faults: Vec<Value> = store::faults(&s.db, &t.id)
        .await?
        .into_iter()
        .map(|(o, d)| json!({ "official": o, "detail": d }))
        .collect();
    let running = s.openings.lock().map(|set| set.contains(&t.id)).unwrap_or(false);
    Ok(Json(json!({
        "tender": t.id, "opening_at": t.opening_at, "contributors": contributors, "total": total,
        "opened": opened, "valid": valid, "invalid": opened - valid, "bad_officials": faults,
        "running": running, "results_published": published,
    })))
}

async fn results(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = tenders::visible(&s, &current.user, id).await?;
    let Some((doc, sig, ts, at)) = store::results(&s.db, &t.id).await? else {
        return Err(ApiError::NotFound(format!("the results of {} are not published yet", t.id)));
    };
    let (_, me) = roster(&s, &t, &current.user).await?;
    let full = me.is_some() || matches!(current.user.role.as_str(), "centre" | "operator" | "regulator");
    // The publication's log entry (with the document's hash) and its inclusion proof.
    let log = match crate::tlog::store::find(&s.db, "results.published", &t.id).await? {
        Some(index) => Some(crate::tlog::routes::bundle(&s, index).await?),
        None => None,
    };
    let signed = json!({ "document": doc, "signature": Base64::encode_string(&sig),
                         "timestamp": Base64::encode_string(&ts), "published_at": at, "log": &log });
    if full {
        return Ok(Json(signed));
    }
    if current.user.role != "bidder" {
        return Err(ApiError::Forbidden(
            "only bidders, the centre, officials, operators and regulators see results".into(),
        ));
    }
    // A bidder: the winners of each item and its own quotes with their ranks.
    let me = current.user.uscc.clone().unwrap_or_default();
    let parsed: Value = serde_json::from_str(&doc).map_err(anyhow::Error::from)?;
    let items: Vec<Value> = parsed["evaluation"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|it| {
            let ranking = it["ranking"].as_array().cloned().unwrap_or_default();
            let winner = ranking.first().cloned();
            let mine: Vec<Value> = ranking.iter().filter(|r| r["bidder"] == me.as_str()).cloned().collect();
            let rejected: Vec<Value> = it["rejected"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r["bidder"] == me.as_str())
                .collect();
            json!({ "no": it["no"], "generic_name": it["generic_name"], "ceiling_fen": it["ceiling_fen"],
                    "winner": winner, "mine": mine, "rejected": rejected, "quotes": ranking.len() })
        })
        .collect();
    let invalid: Vec<Value> = parsed["evaluation"]["invalid_bids"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r["bidder"] == me.as_str())
        .collect();
    Ok(Json(json!({ "tender": t.id, "published_at": at, "items": items, "my_invalid_bids": invalid,
                    "log": log })))
}
