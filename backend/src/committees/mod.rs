//! Opening committees and the relayed key ceremony (distributed key
//! generation; see [`sealbid_crypto::committee`]).
//!
//! | route | who | answer |
//! |---|---|---|
//! | `POST /api/v1/committees` | centre | `{name, threshold, officials: [serial]}` → 201 the committee |
//! | `GET /api/v1/committees` | centre, operator: all; official: their own | committees |
//! | `GET /api/v1/committees/{id}` | centre, operator, its officials | committee, roster, key once ready, silent officials |
//! | `GET /api/v1/committees/{id}/ceremony?after=SEQ` | centre, its officials | the ceremony file: roster keys and relayed messages |
//! | `POST /api/v1/committees/{id}/ceremony/messages` | its officials | `{kind: part|ack|complaint, data: base64}` → 201 `{seq}` |
//! | `POST /api/v1/committees/{id}/ceremony/finish` | centre | freezes the transcript once t + 1 parts are complete |
//! | `POST /api/v1/committees/{id}/ceremony/restart` | centre | `{exclude: [index]}` → next attempt without them |
//! | `GET /api/v1/committees/{id}/statement`, `POST …/statement/signatures` | see [`statement`] | the committee key statement |
//!
//! The server never decrypts anything here: each part carries rows
//! SM2-encrypted to their recipients, and every message is signed by its
//! sender. The relay checks signatures, ceremony and shape by replaying the
//! transcript and refuses forged, foreign, repeated or conflicting messages
//! (400/409 naming why). When every official has dealt and acked every part
//! the ceremony finishes by itself; the centre may finish it earlier once
//! t + 1 parts are complete. Finishing records `final_seq`: officials
//! generate their key shares from the messages up to it, and the server
//! stores the public key set computed from the same transcript. A complaint
//! is checked ([`Complaint::verify`]) and names the accused in the committee
//! view; the centre then restarts without the accused or silent officials.

mod relay;
pub mod statement;
pub mod store;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64ct::{Base64, Encoding};
use sealbid_crypto::committee::{Ack, Complaint, Part, PublicKeySet};
use sealbid_crypto::pki::CertSerial;
use serde::Deserialize;
use serde_json::{Value, json};

pub use relay::decode_key_set;
use store::{Committee, Member};

use crate::audit;
use crate::auth::{CentreUser, CurrentUser, SessionUser, require};
use crate::authority::{now, rfc3339};
use crate::db::Db;
use crate::server::{ApiError, ApiJson, AppState};

/// The committee routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/committees", post(create).get(list))
        .route("/api/v1/committees/{id}", get(view))
        .route("/api/v1/committees/{id}/ceremony", get(ceremony_file))
        .route("/api/v1/committees/{id}/ceremony/messages", post(post_message))
        .route("/api/v1/committees/{id}/ceremony/finish", post(finish))
        .route("/api/v1/committees/{id}/ceremony/restart", post(restart))
        .route("/api/v1/committees/{id}/statement", get(statement::get_file))
        .route("/api/v1/committees/{id}/statement/signatures", post(statement::sign))
}

/// A ready committee's key set, or a 409 naming why it cannot be used yet.
pub async fn ready_key_set(db: &Db, id: i64) -> Result<(Committee, PublicKeySet), ApiError> {
    let c = store::get(db, id).await?.ok_or_else(|| ApiError::BadRequest(format!("no committee {id}")))?;
    let Some(cbor) = c.public_key_set.as_deref().filter(|_| c.status == "ready") else {
        return Err(ApiError::Conflict(format!("committee {id} has not finished its key ceremony")));
    };
    let pks = decode_key_set(cbor)?;
    Ok((c, pks))
}

/// Records the key set of a ceremony run outside the relay (demo data,
/// benchmarks) as the result of attempt 1, with the same encoding the relay uses.
pub async fn record_key_set(db: &Db, id: i64, pks: &PublicKeySet) -> anyhow::Result<()> {
    let (cbor, pk_hex) = relay::encode_key_set(pks)?;
    store::finish(db, id, 1, &cbor, &pk_hex, 0).await?;
    Ok(())
}

fn committee_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::BadRequest("committee id must be an integer".into()))
}

async fn find(s: &AppState, id: i64) -> Result<Committee, ApiError> {
    store::get(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no committee {id}")))
}

/// The member index of `user` in the committee's current roster, if any.
fn index_of(members: &[Member], user: &SessionUser) -> Option<i64> {
    members.iter().find(|m| m.serial == user.serial).map(|m| m.index)
}

/// Centre and operators see every committee; officials only their own.
fn may_see(user: &SessionUser, members: &[Member]) -> Result<(), ApiError> {
    if matches!(user.role.as_str(), "centre" | "operator") || index_of(members, user).is_some() {
        return Ok(());
    }
    Err(ApiError::Forbidden("only the centre, operators and the committee's officials may see it".into()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCommittee {
    name: String,
    threshold: i64,
    officials: Vec<String>,
}

async fn create(
    State(s): State<AppState>,
    CentreUser(current): CentreUser,
    ApiJson(body): ApiJson<NewCommittee>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::BadRequest("name: required, at most 200 characters".into()));
    }
    let n = body.officials.len() as i64;
    if !(0 < body.threshold && body.threshold < n) {
        return Err(ApiError::BadRequest(format!(
            "threshold: need 0 < t < n (t + 1 of n officials open); got t = {}, n = {n}",
            body.threshold
        )));
    }
    let mut members = Vec::new();
    for (i, serial) in body.officials.iter().enumerate() {
        let serial: CertSerial =
            serial.parse().map_err(|e| ApiError::BadRequest(format!("officials[{i}]: {e}")))?;
        let serial = serial.to_string();
        if members.iter().any(|m: &Member| m.serial == serial) {
            return Err(ApiError::BadRequest(format!("officials[{i}]: {serial} is listed twice")));
        }
        let Some((who, public_key)) = store::official(&s.db, &serial).await? else {
            return Err(ApiError::BadRequest(format!(
                "officials[{i}]: {serial} is not an official's certificate issued by this platform"
            )));
        };
        let (dir, check) = (s.data_dir.clone(), serial.parse().map_err(anyhow::Error::from)?);
        if tokio::task::spawn_blocking(move || crate::auth::certs::revoked_now(&dir, &check))
            .await
            .map_err(anyhow::Error::from)??
        {
            return Err(ApiError::BadRequest(format!("officials[{i}]: certificate {serial} is revoked")));
        }
        members.push(Member { index: i as i64, serial, name: who, public_key });
    }
    let id =
        store::insert(&s.db, name, body.threshold, &members, &current.user.serial, &rfc3339(now())).await?;
    let details = json!({ "name": name, "threshold": body.threshold, "officials": body.officials });
    audit::record(&s.db, &current.user.serial, "committee.created", id.to_string(), details).await?;
    let c = find(&s, id).await?;
    Ok((StatusCode::CREATED, Json(describe(&s, &c).await?)))
}

async fn list(State(s): State<AppState>, current: CurrentUser) -> Result<Json<Vec<Committee>>, ApiError> {
    let u = &current.user;
    let list = match u.role.as_str() {
        "centre" | "operator" => store::list(&s.db).await?,
        "official" => store::list_for(&s.db, &u.serial).await?,
        _ => {
            return Err(ApiError::Forbidden(
                "only the centre, operators and officials may list committees".into(),
            ));
        }
    };
    Ok(Json(list))
}

/// The committee as shown: roster, status, key, who is silent, complaints.
async fn describe(s: &AppState, c: &Committee) -> Result<Value, ApiError> {
    let (members, messages, transcript) = relay::load(&s.db, c).await?;
    let complaints: Vec<Value> = messages
        .iter()
        .filter(|m| m.kind == "complaint")
        .filter_map(|m| Complaint::from_bytes(&m.data).ok())
        .map(|x| json!({ "complainer": x.complainer(), "accused": x.accused(), "fault": x.fault().to_string() }))
        .collect();
    Ok(json!({
        "id": c.id, "name": c.name, "threshold": c.threshold, "attempt": c.attempt, "status": c.status,
        "officials": members, "public_key": c.public_key, "final_seq": c.final_seq,
        "complete_parts": transcript.complete_dealers(),
        "silent": if c.status == "ready" { Vec::new() } else { transcript.silent_officials() },
        "complaints": complaints, "created_at": c.created_at,
    }))
}

async fn view(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let c = find(&s, committee_id(id)?).await?;
    let members = store::members(&s.db, c.id, c.attempt).await?;
    may_see(&current.user, &members)?;
    Ok(Json(describe(&s, &c).await?))
}

#[derive(Debug, Deserialize)]
struct After {
    after: Option<i64>,
}

async fn ceremony_file(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    Query(q): Query<After>,
) -> Result<Json<Value>, ApiError> {
    let c = find(&s, committee_id(id)?).await?;
    let members = store::members(&s.db, c.id, c.attempt).await?;
    if current.user.role != "centre" && index_of(&members, &current.user).is_none() {
        return Err(ApiError::Forbidden(
            "only the centre and the committee's officials may read the ceremony".into(),
        ));
    }
    let messages = store::messages(&s.db, c.id, c.attempt, q.after.unwrap_or(0)).await?;
    let messages: Vec<Value> = messages
        .iter()
        .map(|m| json!({ "seq": m.seq, "kind": m.kind, "sender": m.sender, "data": Base64::encode_string(&m.data) }))
        .collect();
    let officials: Vec<&str> = members.iter().map(|m| m.public_key.as_str()).collect();
    Ok(Json(json!({
        "committee": relay::ceremony_id(&c).committee, "attempt": c.attempt, "threshold": c.threshold,
        "officials": officials, "messages": messages, "status": c.status, "final_seq": c.final_seq,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMessage {
    kind: String,
    data: String,
}

async fn post_message(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<NewMessage>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = find(&s, committee_id(id)?).await?;
    let (members, before, mut transcript) = relay::load(&s.db, &c).await?;
    let Some(me) = index_of(&members, &current.user) else {
        return Err(ApiError::Forbidden("only the committee's officials take part in its ceremony".into()));
    };
    crate::people::signing_gate(&s.db, &current.user).await?;
    if c.status != "ceremony" {
        return Err(ApiError::Conflict(format!("committee {} has finished its ceremony", c.id)));
    }
    let data =
        Base64::decode_vec(&body.data).map_err(|e| ApiError::BadRequest(format!("data: not base64: {e}")))?;
    let refused = |e: sealbid_crypto::Error| ApiError::BadRequest(format!("{} refused: {e}", body.kind));
    let sender = match body.kind.as_str() {
        "part" => {
            let part = Part::from_bytes(&data).map_err(refused)?;
            transcript.add_part(&part).map_err(refused)?;
            part.sender()
        }
        "ack" => {
            let ack = Ack::from_bytes(&data).map_err(refused)?;
            transcript.add_ack(&ack).map_err(refused)?;
            ack.sender()
        }
        "complaint" => {
            let complaint = Complaint::from_bytes(&data).map_err(refused)?;
            complaint.verify(transcript.ceremony()).map_err(refused)?;
            complaint.complainer()
        }
        other => return Err(ApiError::BadRequest(format!("kind: {other:?} is not part, ack or complaint"))),
    };
    if sender as i64 != me {
        return Err(ApiError::Forbidden(format!(
            "this {} is signed as official {sender}; you are official {me}",
            body.kind
        )));
    }
    let seq = store::append(&s.db, c.id, c.attempt, &body.kind, me, &data, &rfc3339(now())).await?;
    let action = format!("ceremony.{}", body.kind);
    audit::record(
        &s.db,
        &current.user.serial,
        &action,
        c.id.to_string(),
        json!({ "attempt": c.attempt, "seq": seq }),
    )
    .await?;
    // This message was checked against the relay as it stood before it; the
    // other officials' messages posted at the same moment are not in that
    // transcript, so two concurrent last messages would each see the
    // ceremony unfinished and nobody would conclude it. Catch up with what
    // was stored meanwhile: whichever of them committed later sees both.
    let seen = before.last().map_or(0, |m| m.seq);
    let meanwhile: Vec<_> =
        store::messages(&s.db, c.id, c.attempt, seen).await?.into_iter().filter(|m| m.seq != seq).collect();
    relay::apply(&mut transcript, &meanwhile, None)?;
    if relay::all_done(&transcript) {
        let final_seq = meanwhile.last().map_or(seq, |m| m.seq.max(seq));
        conclude(&s, &c, &transcript, final_seq, "system").await?;
    }
    Ok((StatusCode::CREATED, Json(json!({ "seq": seq }))))
}

/// Records the key set of a transcript frozen at `final_seq`.
async fn conclude(
    s: &AppState,
    c: &Committee,
    t: &sealbid_crypto::committee::Transcript,
    final_seq: i64,
    actor: &str,
) -> Result<bool, ApiError> {
    let pks =
        t.public_key_set().map_err(|e| ApiError::Conflict(format!("cannot finish the ceremony yet: {e}")))?;
    let (cbor, pk_hex) = relay::encode_key_set(&pks)?;
    let done = store::finish(&s.db, c.id, c.attempt, &cbor, &pk_hex, final_seq).await?;
    if done {
        let details = json!({ "attempt": c.attempt, "final_seq": final_seq, "public_key": pk_hex,
                              "complete_parts": t.complete_dealers() });
        audit::record(&s.db, actor, "committee.ready", c.id.to_string(), details).await?;
    }
    Ok(done)
}

async fn finish(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    require(&current.user, &["centre"], "finish a key ceremony")?;
    let c = find(&s, committee_id(id)?).await?;
    if c.status != "ceremony" {
        return Err(ApiError::Conflict(format!("committee {} has already finished its ceremony", c.id)));
    }
    let (_, messages, transcript) = relay::load(&s.db, &c).await?;
    let last = messages.last().map_or(0, |m| m.seq);
    if !conclude(&s, &c, &transcript, last, &current.user.serial).await? {
        return Err(ApiError::Conflict(format!("committee {} changed meanwhile", c.id)));
    }
    Ok(Json(describe(&s, &find(&s, c.id).await?).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Restart {
    exclude: Vec<usize>,
}

async fn restart(
    State(s): State<AppState>,
    CentreUser(current): CentreUser,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Restart>,
) -> Result<Json<Value>, ApiError> {
    let c = find(&s, committee_id(id)?).await?;
    if c.status != "ceremony" {
        return Err(ApiError::Conflict(format!("committee {} has finished its ceremony", c.id)));
    }
    let members = store::members(&s.db, c.id, c.attempt).await?;
    if let Some(bad) = body.exclude.iter().find(|&&i| i >= members.len()) {
        return Err(ApiError::BadRequest(format!("exclude: no official {bad} in this ceremony")));
    }
    let ceremony = relay::ceremony(&c, &members)?;
    let next = u32::try_from(c.attempt + 1).map_err(anyhow::Error::from)?;
    let (_, kept) = ceremony
        .restart_without(&body.exclude, next)
        .map_err(|e| ApiError::BadRequest(format!("cannot restart: {e}")))?;
    let roster: Vec<Member> = kept
        .iter()
        .enumerate()
        .map(|(new, &old)| Member { index: new as i64, ..members[old].clone() })
        .collect();
    if !store::restart(&s.db, c.id, c.attempt, &roster).await? {
        return Err(ApiError::Conflict(format!("committee {} changed meanwhile", c.id)));
    }
    let excluded: Vec<&str> = body.exclude.iter().map(|&i| members[i].serial.as_str()).collect();
    let details = json!({ "attempt": c.attempt + 1, "excluded": excluded });
    audit::record(&s.db, &current.user.serial, "committee.restarted", c.id.to_string(), details).await?;
    Ok(Json(describe(&s, &find(&s, c.id).await?).await?))
}
