//! The time-stamping authority over HTTP (RFC 3161 §3.4):
//! `POST /tsa` with `Content-Type: application/timestamp-query` and a DER
//! `TimeStampReq` body, answered with `application/timestamp-reply`.
//!
//! Every well-formed HTTP request gets a `TimeStampResp`: granted with a
//! token, or a rejection with the RFC 3161 `PKIFailureInfo` (garbage is
//! `badDataFormat`). Only a wrong content type (415) or an oversized body
//! (413) is refused at the HTTP level. Serial numbers come from the database
//! counter `tsa_serial`, so several servers never reuse one. Signing runs on
//! the blocking pool. Each answer is recorded in the audit trail.
//!
//! ```sh
//! openssl ts -query -data F -sha256 -cert -out F.tsq
//! curl -H 'Content-Type: application/timestamp-query' --data-binary @F.tsq \
//!      http://127.0.0.1:8080/tsa -o F.tsr
//! ```

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use sealbid_crypto::der::asn1::Uint;
use sealbid_crypto::tsp::{TimeStampAuthority, TimeStampReq};
use serde_json::json;

use crate::audit::{self, NewEvent};
use crate::authority::{load_cert, load_key, now};
use crate::datadir::{Authority, DataDir};
use crate::db::counters::{self, TSA_SERIAL};
use crate::server::{ApiError, AppState};

/// Media type of a request (RFC 3161 §3.4).
pub const QUERY_TYPE: &str = "application/timestamp-query";
/// Media type of a reply (RFC 3161 §3.4).
pub const REPLY_TYPE: &str = "application/timestamp-reply";

/// The TSA route.
pub fn router() -> Router<AppState> {
    Router::new().route("/tsa", post(stamp))
}

/// Opens the data directory's TSA with the CA password (on the blocking pool:
/// the key file's password derivation is deliberately slow).
pub async fn load(dir: &DataDir, password: &[u8]) -> anyhow::Result<Arc<TimeStampAuthority>> {
    let dir = dir.clone();
    let password = zeroize::Zeroizing::new(password.to_vec());
    tokio::task::spawn_blocking(move || {
        let cert = load_cert(&dir, Authority::Tsa)?;
        let key = load_key(&dir, Authority::Tsa, &cert, &password)?;
        let tsa = TimeStampAuthority::new(cert.x509().clone(), key, sealbid_crypto::oid::SEALBID_TSA_POLICY)?;
        Ok(Arc::new(tsa))
    })
    .await
    .context("the TSA loader failed")?
}

async fn stamp(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let media = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = media.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case(QUERY_TYPE) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "expected Content-Type: {QUERY_TYPE}, got {:?}",
            if media.is_empty() { "nothing" } else { media }
        )));
    }
    let body = body?;
    // Only a parseable request consumes a serial number.
    let parsed = TimeStampReq::parse(&body).ok();
    let serial = match parsed {
        Some(_) => counters::next(&s.db, TSA_SERIAL).await?,
        None => 0,
    };
    let imprint = parsed.as_ref().map(|r| {
        let mi = &r.message_imprint;
        json!({ "algorithm": mi.hash_algorithm.oid.to_string(), "hash": hex::encode(mi.hashed_message.as_bytes()) })
    });
    let tsa = s.tsa.clone();
    let response = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let serial = Uint::new(&serial.to_be_bytes())?;
        Ok(match parsed {
            Some(req) => tsa.respond_to(&req, serial, now())?,
            None => tsa.respond(&body, serial, now())?,
        })
    })
    .await
    .context("the TSA signer failed")?
    .context("cannot produce a time-stamp response")?;

    let granted = token_granted(&response);
    let event = NewEvent {
        actor: format!("ip:{}", peer.ip()),
        action: if granted { "tsa.stamp".into() } else { "tsa.reject".into() },
        subject: if granted { serial.to_string() } else { String::new() },
        details: json!({ "granted": granted, "imprint": imprint }),
    };
    audit::append(&s.db, event).await?;
    Ok(([(CONTENT_TYPE, REPLY_TYPE)], response).into_response())
}

/// Whether a DER `TimeStampResp` is granted (`status` 0 or 1, RFC 3161 §2.4.2).
fn token_granted(resp: &[u8]) -> bool {
    use sealbid_crypto::der::Decode;
    sealbid_crypto::tsp::asn1::TimeStampResp::from_der(resp).is_ok_and(|r| r.status.status <= 1)
}
