//! The committee key statement over HTTP: officials sign it, everyone reads it.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /api/v1/committees/{id}/statement` | anyone logged in, once the ceremony is ready | [`StatementFile`]: roster keys, key set, signatures so far |
//! | `POST /api/v1/committees/{id}/statement/signatures` | the official at that index | `{official, signature}` → 201 the updated file |
//!
//! The server checks each signature against the statement it rebuilds from
//! the stored roster and key set (so only signatures over *this* statement
//! are kept) but bidders and officials never take its word: their clients
//! rebuild the statement from the file and check every signature
//! ([`StatementFile::confirm`]). A tender can be published only under a
//! confirmed key.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64ct::{Base64, Encoding};
use sealbid_crypto::committee::statement::{SignatureEntry, sign_all};
use sealbid_crypto::committee::{
    ConfirmedKey, KeyStatement, PublicKeySet, StatementFile, StatementSignature,
};
use sealbid_crypto::{PrivateKey, Signature};
use serde_json::json;

use super::store::{self, Committee};
use super::{committee_id, decode_key_set, find, index_of, relay};
use crate::audit;
use crate::auth::CurrentUser;
use crate::authority::{now, rfc3339};
use crate::db::Db;
use crate::server::{ApiError, ApiJson, AppState};

/// The statement of a ready committee's final attempt.
async fn statement(db: &Db, c: &Committee) -> Result<KeyStatement, ApiError> {
    let Some(cbor) = c.public_key_set.as_deref().filter(|_| c.status == "ready") else {
        return Err(ApiError::Conflict(format!("committee {} has not finished its key ceremony", c.id)));
    };
    let members = store::members(db, c.id, c.attempt).await?;
    let ceremony = relay::ceremony(c, &members)?;
    let pks = decode_key_set(cbor)?;
    Ok(KeyStatement::new(&ceremony, &pks).map_err(anyhow::Error::from)?)
}

/// The statement file of committee `c` with the signatures stored so far.
pub async fn file(db: &Db, c: &Committee) -> Result<StatementFile, ApiError> {
    let st = statement(db, c).await?;
    let sigs = store::statement_signatures(db, c.id, c.attempt)
        .await?
        .into_iter()
        .map(|(i, der)| {
            Ok(StatementSignature { official: usize::try_from(i)?, signature: Signature::from_der(&der)? })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(StatementFile::new(&st, &sigs).map_err(anyhow::Error::from)?)
}

/// The committee's confirmed key, or a 409 `committee_unconfirmed` naming who has not signed.
pub async fn confirmed(db: &Db, id: i64) -> Result<ConfirmedKey, ApiError> {
    let c = store::get(db, id).await?.ok_or_else(|| ApiError::BadRequest(format!("no committee {id}")))?;
    let f = file(db, &c).await?;
    f.confirm().map_err(|e| ApiError::Unprocessable {
        code: "committee_unconfirmed",
        message: format!("committee {id}: {e}"),
    })
}

/// Records a key set made outside the relay (demo data, benchmarks) with
/// every official's statement signature: one process plays every official.
pub async fn record_confirmed(
    db: &Db,
    id: i64,
    pks: &PublicKeySet,
    keys: &[PrivateKey],
) -> anyhow::Result<()> {
    super::record_key_set(db, id, pks).await?;
    let c = store::get(db, id).await?.ok_or_else(|| anyhow::anyhow!("committee {id} vanished"))?;
    let st = statement(db, &c).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let keys = keys.to_vec();
    let sigs = tokio::task::spawn_blocking(move || sign_all(&st, &keys)).await??;
    let at = rfc3339(now());
    for s in sigs {
        store::add_statement_signature(
            db,
            id,
            c.attempt,
            s.official as i64,
            &s.signature.to_der(),
            "demo",
            &at,
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn get_file(
    State(s): State<AppState>,
    _current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<StatementFile>, ApiError> {
    let c = find(&s, committee_id(id)?).await?;
    Ok(Json(file(&s.db, &c).await?))
}

pub(super) async fn sign(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<SignatureEntry>,
) -> Result<(StatusCode, Json<StatementFile>), ApiError> {
    let c = find(&s, committee_id(id)?).await?;
    let members = store::members(&s.db, c.id, c.attempt).await?;
    let Some(me) = index_of(&members, &current.user) else {
        return Err(ApiError::Forbidden("only the committee's officials sign its key statement".into()));
    };
    if body.official as i64 != me {
        return Err(ApiError::Forbidden(format!(
            "you are official {me}; this signature is for official {}",
            body.official
        )));
    }
    crate::people::signing_gate(&s.db, &current.user).await?;
    let st = statement(&s.db, &c).await?;
    let der = Base64::decode_vec(&body.signature)
        .map_err(|_| ApiError::BadRequest("signature: not base64".into()))?;
    let signature = Signature::from_der(&der).map_err(|e| ApiError::BadRequest(format!("signature: {e}")))?;
    st.verify(&StatementSignature { official: body.official, signature }).map_err(|_| {
        ApiError::BadRequest("signature: does not verify over this committee's key statement".into())
    })?;
    if !store::add_statement_signature(
        &s.db,
        c.id,
        c.attempt,
        me,
        &der,
        &current.user.serial,
        &rfc3339(now()),
    )
    .await?
    {
        return Err(ApiError::Conflict(format!("official {me} has already signed this statement")));
    }
    let details = json!({ "attempt": c.attempt, "official": me });
    audit::record(&s.db, &current.user.serial, "committee.statement_signed", c.id.to_string(), details)
        .await?;
    Ok((StatusCode::CREATED, Json(file(&s.db, &c).await?)))
}
