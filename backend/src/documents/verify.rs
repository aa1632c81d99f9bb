//! `POST /api/v1/verify`: anyone uploads a PDF and gets the verification
//! report of every signature in it, against this platform's CA, CRL, seal
//! authority and TSA.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use sealbid_sealing::signing::{PdfReport, verify_pdf};
use serde_json::{Value, json};

use crate::authority::{now, sealing_trust};
use crate::server::{ApiError, AppState};

pub(super) async fn verify(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let pdf = body?;
    if !pdf.starts_with(b"%PDF-") {
        return Err(ApiError::BadRequest("the body is not a PDF (it does not start with %PDF-)".into()));
    }
    let trust = sealing_trust(&s.data_dir)?;
    let report: PdfReport = tokio::task::spawn_blocking(move || verify_pdf(&pdf, &trust, now()))
        .await
        .map_err(|e| anyhow::anyhow!("the verification task failed: {e}"))?
        .map_err(|e| ApiError::BadRequest(format!("the PDF cannot be read: {e}")))?;
    let valid = report.signatures.iter().filter(|r| r.valid).count();
    Ok(Json(json!({ "all_valid": report.all_valid(), "signatures_valid": valid, "report": report })))
}
