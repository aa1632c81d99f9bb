//! Public PKI endpoints: the CA certificates, the current CRL and certificate
//! status by serial. No login needed; relying parties fetch these.
//!
//! For now they read the data directory on every request (`root.pem`,
//! `issuing.pem`, `crl.pem`, `ca/index.json`), so a revocation made with
//! `sealbid ca revoke` is visible at once.
//!
//! | route | answer |
//! |---|---|
//! | `GET /pki/root` | root CA certificate, PEM |
//! | `GET /pki/issuing` | issuing CA certificate, PEM |
//! | `GET /pki/crl` | current CRL, DER, `application/pkix-crl` (RFC 5280 §5, RFC 2585 §4.2) |
//! | `GET /api/v1/pki/certificates/{serial}/status` | `good`, `revoked` (reason, time) or `unknown` |
//! | `POST /api/v1/pki/certificates/status` | the same for up to 1000 serials: `{"serials": [...]}` |

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sealbid_crypto::pki::{CertSerial, Crl};
use serde::{Deserialize, Serialize};

use crate::datadir::{Authority, CaIndex, DataDir, IssuedRecord};
use crate::server::{ApiError, ApiJson, AppState};

/// Most serials one status query may ask about.
pub const MAX_STATUS_BATCH: usize = 1000;

/// The PKI routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pki/root", get(root))
        .route("/pki/issuing", get(issuing))
        .route("/pki/platform", get(platform))
        .route("/pki/tsa", get(tsa))
        .route("/pki/crl", get(crl))
        .route("/api/v1/pki/certificates/{serial}/status", get(status_one))
        .route("/api/v1/pki/certificates/status", post(status_many))
}

async fn root(State(s): State<AppState>) -> Result<Response, ApiError> {
    ca_cert(&s.data_dir, Authority::Root).await
}

async fn issuing(State(s): State<AppState>) -> Result<Response, ApiError> {
    ca_cert(&s.data_dir, Authority::Issuing).await
}

/// The platform's signing certificate (receipts, tenders, results are signed with it).
async fn platform(State(s): State<AppState>) -> Result<Response, ApiError> {
    ca_cert(&s.data_dir, Authority::SealAuthority).await
}

/// The time-stamping authority's certificate.
async fn tsa(State(s): State<AppState>) -> Result<Response, ApiError> {
    ca_cert(&s.data_dir, Authority::Tsa).await
}

async fn ca_cert(dir: &DataDir, a: Authority) -> Result<Response, ApiError> {
    let pem = read(&dir.cert_path(a)).await?;
    Ok(([(CONTENT_TYPE, "application/x-pem-file")], pem).into_response())
}

async fn crl(State(s): State<AppState>) -> Result<Response, ApiError> {
    let pem = read(&s.data_dir.crl_path()).await?;
    let text = String::from_utf8(pem).map_err(|_| anyhow::anyhow!("crl.pem is not text"))?;
    let crl = Crl::from_pem(&text).map_err(|e| anyhow::anyhow!("crl.pem is damaged: {e}"))?;
    let headers = [(CONTENT_TYPE, "application/pkix-crl"), (CACHE_CONTROL, "no-cache")];
    Ok((headers, crl.to_der().to_vec()).into_response())
}

async fn read(path: &std::path::Path) -> Result<Vec<u8>, ApiError> {
    tokio::fs::read(path).await.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()).into())
}

/// A certificate's status.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct CertStatus {
    /// The serial asked about, upper-case hex.
    pub serial: String,
    /// `good`, `revoked` or `unknown` (not issued by this CA).
    pub status: &'static str,
    /// Subject, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// End of validity, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// When it was revoked (RFC 3339), if revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// RFC 5280 reason (kebab-case), if revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl CertStatus {
    fn of(serial: &CertSerial, index: &CaIndex) -> Self {
        let found = index.certificates.iter().find(|r| same_serial(r, serial));
        let Some(r) = found else {
            return Self {
                serial: serial.to_string(),
                status: "unknown",
                subject: None,
                not_after: None,
                revoked_at: None,
                reason: None,
            };
        };
        Self {
            serial: serial.to_string(),
            status: if r.revoked.is_some() { "revoked" } else { "good" },
            subject: Some(r.subject.clone()),
            not_after: Some(r.not_after.clone()),
            revoked_at: r.revoked.as_ref().map(|v| v.at.clone()),
            reason: r.revoked.as_ref().map(|v| v.reason.clone()),
        }
    }
}

fn same_serial(r: &IssuedRecord, serial: &CertSerial) -> bool {
    r.serial.parse::<CertSerial>().is_ok_and(|s| s == *serial)
}

fn parse_serial(s: &str) -> Result<CertSerial, ApiError> {
    s.parse().map_err(|e: sealbid_crypto::Error| ApiError::BadRequest(e.to_string()))
}

async fn index(dir: &DataDir) -> Result<CaIndex, ApiError> {
    let dir = dir.clone();
    let index = tokio::task::spawn_blocking(move || dir.read_index())
        .await
        .map_err(|e| anyhow::anyhow!("index reader failed: {e}"))??;
    Ok(index)
}

async fn status_one(
    State(s): State<AppState>,
    serial: Result<Path<String>, PathRejection>,
) -> Result<Json<CertStatus>, ApiError> {
    let Path(serial) = serial?;
    let serial = parse_serial(&serial)?;
    let index = index(&s.data_dir).await?;
    Ok(Json(CertStatus::of(&serial, &index)))
}

/// Body of the batch status query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    /// Serials, hex.
    pub serials: Vec<String>,
}

async fn status_many(
    State(s): State<AppState>,
    ApiJson(q): ApiJson<StatusQuery>,
) -> Result<Json<Vec<CertStatus>>, ApiError> {
    if q.serials.len() > MAX_STATUS_BATCH {
        return Err(ApiError::BadRequest(format!(
            "serials: {} given, at most {MAX_STATUS_BATCH} per request",
            q.serials.len()
        )));
    }
    let serials = q.serials.iter().map(|s| parse_serial(s)).collect::<Result<Vec<_>, _>>()?;
    let index = index(&s.data_dir).await?;
    Ok(Json(serials.iter().map(|s| CertStatus::of(s, &index)).collect()))
}
