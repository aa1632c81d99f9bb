//! `GET /api/v1/auth/challenge` and `POST /api/v1/auth/login`.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use base64ct::{Base64, Encoding};
use sealbid_crypto::Signature;
use sealbid_crypto::login::LoginMessage;
use sealbid_crypto::pki::Certificate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use tower_sessions::Session;

use super::certs::{Holder, verify_login_certificate};
use super::error::{AuthError, Failure};
use super::session::{SESSION_KEY, SessionUser};
use super::{csrf, store};
use crate::audit::{self, NewEvent};
use crate::authority::rfc3339;
use crate::server::{ApiError, ApiJson, AppState};

/// Largest accepted difference between the signed time and the server's clock, seconds.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// Most certificates a login may carry (leaf and intermediates).
const MAX_CHAIN: usize = 4;

/// A fresh challenge.
#[derive(Debug, Serialize)]
pub struct Challenge {
    /// 32 random bytes, lower-case hex: sign it as it is.
    pub challenge: String,
    /// When it stops being accepted, RFC 3339.
    pub expires_at: String,
}

pub(super) async fn challenge(State(s): State<AppState>) -> Result<Json<Challenge>, ApiError> {
    let bytes = sealbid_crypto::rng::bytes::<32>().map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let challenge = hex::encode(bytes);
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let expires = store::insert_challenge(&s.db, &challenge, now).await?;
    let expires_at = OffsetDateTime::from_unix_timestamp(expires).map_err(anyhow::Error::from)?;
    Ok(Json(Challenge { challenge, expires_at: rfc3339(expires_at) }))
}

/// Body of `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// PEM certificates, the holder's first; intermediates are optional (the
    /// server uses its own issuing CA certificate).
    pub certificate_chain: Vec<String>,
    /// The challenge from `GET /api/v1/auth/challenge`.
    pub challenge: String,
    /// The origin the client signed for.
    pub origin: String,
    /// The time the client signed, RFC 3339.
    pub time: String,
    /// The SM2 signature (DER, base64) over the login message.
    pub signature: String,
}

/// Answer to a successful login.
pub type LoginResponse = SessionUser;

/// The parsed request, before any check.
struct Parsed {
    leaf: Certificate,
    message: LoginMessage,
    signature: Signature,
}

fn parse(req: &LoginRequest) -> Result<Parsed, String> {
    let first = match req.certificate_chain.as_slice() {
        [] => return Err("certificate_chain is empty: send your certificate first".into()),
        c if c.len() > MAX_CHAIN => {
            return Err(format!("certificate_chain: at most {MAX_CHAIN} certificates"));
        }
        [first, ..] => first,
    };
    let leaf = Certificate::from_pem(first).map_err(|e| format!("certificate_chain[0]: {e}"))?;
    let time = LoginMessage::parse_time(&req.time).map_err(|e| format!("time: {e}"))?;
    let der = Base64::decode_vec(req.signature.trim()).map_err(|_| "signature: not base64".to_string())?;
    let signature = Signature::from_der(&der).map_err(|e| format!("signature: {e}"))?;
    let message = LoginMessage::new(req.challenge.clone(), req.origin.clone(), time);
    Ok(Parsed { leaf, message, signature })
}

pub(super) async fn login(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, AuthError> {
    let parsed = match parse(&req) {
        Ok(p) => p,
        Err(message) => {
            audit_failure(&s, peer, "", "bad_request", &message).await?;
            return Err(ApiError::BadRequest(message).into());
        }
    };
    let serial = parsed.leaf.serial().map(|x| x.to_string()).unwrap_or_default();
    match check(&s, parsed, &peer.ip().to_string()).await? {
        Ok(holder) => {
            let user = establish(&s, &session, holder).await?;
            Ok(Json(user))
        }
        Err((failure, message)) => {
            audit_failure(&s, peer, &serial, failure.code(), &message).await?;
            Err(AuthError::refused(failure, message))
        }
    }
}

/// Every check, in order; the first failure is the answer. Failures and
/// locks count per (certificate, client `address`).
async fn check(s: &AppState, p: Parsed, address: &str) -> anyhow::Result<Result<Holder, (Failure, String)>> {
    let now = OffsetDateTime::now_utc();
    if let Err(f) = store::claim_challenge(&s.db, &p.message.challenge, now.unix_timestamp()).await? {
        let msg = match f {
            Failure::ChallengeUnknown => "this challenge was not issued by the server",
            Failure::ChallengeExpired => "the challenge has expired: ask for a new one",
            _ => "the challenge was already used",
        };
        return Ok(Err((f, msg.into())));
    }
    let expected = csrf::public_origin(&s.config.base_url());
    if !csrf::same_origin(&p.message.origin, &expected) {
        let msg = format!("the login was signed for {:?}, this server is {expected:?}", p.message.origin);
        return Ok(Err((Failure::OriginMismatch, msg)));
    }
    let skew = (p.message.time - now).whole_seconds().abs();
    if skew > MAX_CLOCK_SKEW_SECS {
        let msg =
            format!("the signed time is {skew} s from the server's clock (at most {MAX_CLOCK_SKEW_SECS} s)");
        return Ok(Err((Failure::ClockSkew, msg)));
    }
    let (dir, leaf) = (s.data_dir.clone(), p.leaf);
    let holder =
        match tokio::task::spawn_blocking(move || verify_login_certificate(&dir, &leaf, now)).await?? {
            Ok(h) => h,
            Err(refusal) => return Ok(Err(refusal)),
        };
    let unix = now.unix_timestamp();
    let time_of = |t: i64| OffsetDateTime::from_unix_timestamp(t).map(rfc3339).unwrap_or_default();
    if let Some(until) = store::locked_until(&s.db, &holder.serial, address, unix).await? {
        let msg = format!(
            "too many failed logins for this certificate from {address}: locked until {} for this address",
            time_of(until)
        );
        return Ok(Err((Failure::AccountLocked, msg)));
    }
    let (key, message, signature) = (holder.public_key.clone(), p.message, p.signature);
    let verified = tokio::task::spawn_blocking(move || message.verify(&key, &signature)).await?;
    if verified.is_err() {
        let msg = match store::record_failure(&s.db, &holder.serial, address, unix).await? {
            Some(until) => format!(
                "the signature does not verify; too many failures: this certificate is locked for {address} until {}",
                time_of(until)
            ),
            None => "the signature does not verify for this login message and certificate".into(),
        };
        return Ok(Err((Failure::BadSignature, msg)));
    }
    store::clear_failures(&s.db, &holder.serial, address).await?;
    Ok(Ok(holder))
}

/// Rotates the session id, stores the user in the session, audits `auth.login`.
async fn establish(s: &AppState, session: &Session, h: Holder) -> Result<SessionUser, AuthError> {
    let user = SessionUser {
        subject: h.subject,
        organization: h.organization,
        uscc: h.uscc,
        role: h.role,
        serial: h.serial,
        not_after: rfc3339(h.not_after),
        public_key: hex::encode(h.public_key.to_sec1()),
        certificate: <base64ct::Base64 as base64ct::Encoding>::encode_string(&h.certificate_der),
    };
    session.cycle_id().await.map_err(|e| anyhow::anyhow!("cannot rotate the session id: {e}"))?;
    session.insert(SESSION_KEY, &user).await.map_err(|e| anyhow::anyhow!("cannot store the session: {e}"))?;
    session.save().await.map_err(|e| anyhow::anyhow!("cannot save the session: {e}"))?;
    let event = NewEvent {
        actor: user.serial.clone(),
        action: "auth.login".into(),
        subject: user.serial.clone(),
        details: json!({ "subject": user.subject, "role": user.role, "uscc": user.uscc }),
    };
    audit::append(&s.db, event).await?;
    Ok(user)
}

async fn audit_failure(
    s: &AppState,
    peer: SocketAddr,
    serial: &str,
    code: &str,
    message: &str,
) -> anyhow::Result<()> {
    let event = NewEvent {
        actor: peer.ip().to_string(),
        action: "auth.login.failed".into(),
        subject: serial.to_string(),
        details: json!({ "code": code, "message": message }),
    };
    audit::append(&s.db, event).await.map(|_| ())
}
