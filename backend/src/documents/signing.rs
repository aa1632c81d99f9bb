//! Signing a PDF over HTTP, for contracts and filings alike: prepare (the
//! server adds the empty signature and builds the `TBS_Sign`, and answers
//! with both, so the signer can check one against the other), sign (the
//! signer's client checks the request and its key signs, elsewhere), finish
//! (the server checks the signer again, time-stamps, embeds and verifies).
//!
//! The callers decide *who* may sign *what*: they load the document, check
//! whose turn it is and hand over a [`Target`]; after [`embed`] they commit
//! the signed PDF with their own state change. This module does everything
//! in between, the same way for every kind of document: the signing switch,
//! the seal (its organisation, status, holder and kind), the position, the
//! session, and at finish the session's checks, the live signing switch and
//! seal status again, the signature, the time stamp and the verification of
//! the result. (The certificate's live status is checked by
//! [`crate::auth::CurrentUser`] on every request.)

use base64ct::{Base64, Encoding};
use sealbid_crypto::Signature;
use sealbid_sealing::pdf::sign::{Placement, Prepared};
use sealbid_sealing::ses::SesError;
use sealbid_sealing::signing::{PendingSignature, SigningError, prepare_signature, verify_pdf};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::sessions::{self, Doc, Session};
use crate::audit;
use crate::auth::SessionUser;
use crate::authority::{now, rfc3339, sealing_trust};
use crate::people::signing_gate;
use crate::server::{ApiError, AppState};

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;
/// How long a prepared signature waits for the signer.
const SESSION_LIFETIME: Duration = Duration::minutes(10);

/// Where to sign: the seal and, optionally, the page (from 1) and the seal's
/// centre in millimetres from the page's lower-left corner (default: the
/// signer's place on the document).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrepareBody {
    /// The seal to sign with.
    pub seal_id: i64,
    /// Page, from 1.
    pub page: Option<usize>,
    /// Seal centre, millimetres from the left edge.
    pub x: Option<f32>,
    /// Seal centre, millimetres from the bottom edge.
    pub y: Option<f32>,
}

/// The signer's signature over a prepared `TBS_Sign`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinishBody {
    /// The session `prepare` answered with.
    pub session_id: String,
    /// Base64 DER SM2 signature over the `TBS_Sign`.
    pub signature: String,
}

/// What to prepare a signature on; the caller has checked that the user
/// signs it now.
#[derive(Debug, Clone)]
pub struct Target {
    /// Contract or filing.
    pub doc: Doc,
    /// Its id.
    pub id: i64,
    /// The revision the signature is prepared on (a conflicting change
    /// meanwhile makes finish refuse).
    pub base_rev: i64,
    /// The revision number the signature will be stored as (names the field).
    pub rev: i64,
    /// Who signs, e.g. `seller`, `applicant`, `regulator` (names the field).
    pub party: &'static str,
    /// The seal kinds this party signs with.
    pub seal_kinds: &'static [&'static str],
    /// The party's place: page (from 0) and rectangle in points.
    pub place: Option<(usize, [f32; 4])>,
    /// The PDF to sign.
    pub pdf: Vec<u8>,
    /// Whether `pdf` is a fresh rendering to keep with the session (it is not
    /// a stored revision yet).
    pub fresh: bool,
}

/// The rectangle of a seal of `width_mm` × `height_mm` centred at (`cx`, `cy`) points.
fn rect_around(cx: f32, cy: f32, (width_mm, height_mm): (u32, u32)) -> [f32; 4] {
    let (w, h) = (width_mm.max(5) as f32 * PT_PER_MM, height_mm.max(5) as f32 * PT_PER_MM);
    [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
}

/// The page (from 0) and the seal's centre in points.
fn position(t: &Target, body: &PrepareBody) -> Result<(usize, f32, f32), ApiError> {
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
            let (page, [a, b, c, d]) = t
                .place
                .ok_or_else(|| anyhow::anyhow!("{} {} has no {} place", t.doc.noun(), t.id, t.party))?;
            Ok((page, (a + c) / 2.0, (b + d) / 2.0))
        }
        _ => Err(ApiError::BadRequest("page, x and y go together (or none of them)".into())),
    }
}

/// Prepares `user`'s signature on `t` with the seal of `body`: checks the
/// signing switch and the seal, adds the empty signature, stores the session
/// and audits `{noun}.sign.prepared`. Answers
/// `{<noun>_id, session_id, tbs_der, prepared_pdf, byte_range, field, expires_at}`:
/// `tbs_der` and `prepared_pdf` in base64, `byte_range` `[0, b, c, d]`, so
/// the signer's client can check the request before it signs
/// ([`sealbid_sealing::ses::check_signing_request`]).
pub async fn prepare(
    s: &AppState,
    user: &SessionUser,
    t: Target,
    body: &PrepareBody,
) -> Result<Value, ApiError> {
    signing_gate(&s.db, user).await?;
    let (seal_row, seal) = crate::seals::usable(s, body.seal_id, user).await?;
    if !t.seal_kinds.contains(&seal_row.kind.as_str()) {
        return Err(ApiError::BadRequest(format!(
            "seal_id: the {} signs with a {} seal; seal {} is a {} seal",
            t.party,
            t.seal_kinds.join(" or "),
            seal_row.id,
            seal_row.kind
        )));
    }
    let (page, cx, cy) = position(&t, body)?;
    let picture = seal.picture();
    let placement = Placement {
        page,
        rect: rect_around(cx, cy, (picture.width_mm, picture.height_mm)),
        picture_png: None,
        field_name: format!("{}_{}", t.party, t.rev),
        reserve: 16_384,
    };
    let at = now();
    let field = placement.field_name.clone();
    let noun = t.doc.noun();
    let (pdf, rendered) = if t.fresh { (t.pdf.clone(), Some(t.pdf)) } else { (t.pdf, None) };
    let pending = tokio::task::spawn_blocking(move || prepare_signature(&pdf, &seal, &placement, at, None))
        .await
        .map_err(|e| anyhow::anyhow!("the signing task failed: {e}"))?
        .map_err(|e| ApiError::BadRequest(format!("the {noun} cannot be prepared for signing: {e}")))?;
    let session = Session {
        id: hex::encode(sealbid_crypto::rng::bytes::<16>().map_err(anyhow::Error::from)?),
        doc_id: t.id,
        base_rev: t.base_rev,
        rendered,
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
    sessions::insert(&s.db, t.doc, &session).await?;
    let details = json!({ "session": session.id, "seal": seal_row.id, "party": t.party, "rev": t.base_rev });
    audit::record(&s.db, &user.serial, &format!("{noun}.sign.prepared"), t.id.to_string(), details).await?;
    Ok(json!({ format!("{noun}_id"): t.id, "session_id": session.id,
               "tbs_der": Base64::encode_string(&session.tbs),
               "prepared_pdf": Base64::encode_string(&session.prepared),
               "byte_range": pending.prepared.byte_range,
               "field": field, "expires_at": session.expires_at }))
}

/// The session `body` names, if `user` may finish it now: prepared for
/// `user`, for document `id` (when the route names one), not used, not
/// expired.
pub async fn open(
    s: &AppState,
    doc: Doc,
    user: &SessionUser,
    id: Option<i64>,
    body: &FinishBody,
) -> Result<Session, ApiError> {
    let x = sessions::get(&s.db, doc, body.session_id.trim())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no signing session {:?}", body.session_id)))?;
    if id.is_some_and(|id| id != x.doc_id) {
        return Err(ApiError::BadRequest(format!("session {} is for {} {}", x.id, doc.noun(), x.doc_id)));
    }
    if x.signer_serial != user.serial {
        return Err(ApiError::Forbidden(format!("session {} was prepared for another signer", x.id)));
    }
    if x.used_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "session {} was used already (finished, or ended by a change to the {}); prepare again",
            x.id,
            doc.noun()
        )));
    }
    let expires = OffsetDateTime::parse(&x.expires_at, &Rfc3339).map_err(anyhow::Error::from)?;
    if now() > expires {
        return Err(ApiError::Conflict(format!(
            "session {} expired at {}; prepare again",
            x.id, x.expires_at
        )));
    }
    Ok(x)
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

/// Embeds `user`'s signature of `body` into the session's prepared PDF:
/// checks the signing switch and the seal again, time-stamps the signature
/// value, embeds it and verifies the whole file (every signature valid, the
/// new one present). Returns the signed PDF; nothing is stored.
pub async fn embed(
    s: &AppState,
    user: &SessionUser,
    x: &Session,
    body: &FinishBody,
) -> Result<Vec<u8>, ApiError> {
    signing_gate(&s.db, user).await?;
    let (_, seal) = crate::seals::usable(s, x.seal_id, user).await?;
    let signature = Base64::decode_vec(body.signature.trim())
        .ok()
        .and_then(|der| Signature::from_der(&der).ok())
        .ok_or_else(|| ApiError::BadRequest("signature: not a base64 DER SM2 signature".into()))?;
    let cert_der = Base64::decode_vec(&user.certificate)
        .map_err(|_| ApiError::BadRequest("your session carries no certificate; log in again".into()))?;
    let pending = pending(x, seal)?;
    let token = crate::platform::stamp(s, signature.to_der(), now()).await?;
    let (trust, field) = (sealing_trust(&s.data_dir)?, x.field_name.clone());
    tokio::task::spawn_blocking(move || {
        let signed = sealbid_sealing::signing::finish(&pending, &cert_der, &signature, Some(token))
            .map_err(signing_error)?;
        let report = verify_pdf(&signed, &trust, now())
            .map_err(|e| anyhow::anyhow!("the signed document cannot be read: {e}"))?;
        let problems: Vec<String> = report
            .signatures
            .iter()
            .filter(|r| !r.valid)
            .map(|r| format!("{}: {}", r.field, r.problems.join("; ")))
            .collect();
        if !report.signatures.iter().any(|r| r.field == field) || !problems.is_empty() {
            return Err(ApiError::BadRequest(format!(
                "the signed document does not verify: {}",
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
    .map_err(|e| anyhow::anyhow!("the signing task failed: {e}"))?
}

/// A batch item's outcome: a client error becomes `{ok: false, status,
/// error, message}` in the batch's answer; a server fault fails the batch.
pub fn batch_outcome(r: Result<Value, ApiError>) -> Result<Value, ApiError> {
    match r {
        Ok(mut v) => {
            v["ok"] = json!(true);
            Ok(v)
        }
        Err(ApiError::Internal(e)) => Err(ApiError::Internal(e)),
        Err(e) => Ok(
            json!({ "ok": false, "status": e.status().as_u16(), "error": e.code(), "message": e.to_string() }),
        ),
    }
}
