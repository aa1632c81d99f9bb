//! The OpenAPI entries of the filing routes (shapes in [`super`]'s table).

use serde_json::Value;

use crate::server::openapi_more::{Route, paths_of};

const ROUTES: &[Route] = &[
    (
        "/api/v1/filings/kinds",
        "get",
        "anyone logged in",
        "Kinds of filing: {kind, title, fields: [{key, label, required}], checklist: [{item, name, required}]}",
        None,
    ),
    (
        "/api/v1/filings",
        "post",
        "bidder of a manufacturer",
        "Start a draft filing: {kind, title, fields: {key: value}} → 201 the filing",
        Some("application/json"),
    ),
    (
        "/api/v1/filings",
        "get",
        "bidder: own organisation's; regulator: all past the draft",
        "Filings (?status=draft|submitted|approved|rejected)",
        None,
    ),
    (
        "/api/v1/filings/{id}",
        "get",
        "the organisation's bidders; regulators once submitted",
        "A filing: status, reason, form values, checklist (present / missing), revisions",
        None,
    ),
    (
        "/api/v1/filings/{id}/pdf",
        "get",
        "as for reading",
        "The current PDF; while unsigned a preview (422 naming the missing items)",
        None,
    ),
    (
        "/api/v1/filings/{id}/attachments/{item}",
        "put",
        "the organisation's bidders, while a draft",
        "Upload checklist item {item} (from 1) as a raw PDF; an upload after signing voids the signature",
        Some("application/pdf"),
    ),
    (
        "/api/v1/filings/{id}/attachments/{item}",
        "get",
        "as for reading",
        "The current PDF of checklist item {item}",
        None,
    ),
    (
        "/api/v1/filings/{id}/sign/prepare",
        "post",
        "the organisation's bidders, a complete unsigned draft",
        "Render and prepare the applicant's signature: {seal_id, page?, x?, y?} → {filing_id, session_id, tbs_der, prepared_pdf, byte_range, field, expires_at}",
        Some("application/json"),
    ),
    (
        "/api/v1/filings/{id}/sign/finish",
        "post",
        "the signer who prepared",
        "Embed the applicant's SM2 signature: {session_id, signature}",
        Some("application/json"),
    ),
    (
        "/api/v1/filings/{id}/submit",
        "post",
        "the organisation's bidders, once signed",
        "Submit to the regulator (422 not_signed before the signature)",
        None,
    ),
    (
        "/api/v1/filings/{id}/approve/prepare",
        "post",
        "regulator, a submitted filing",
        "Prepare the approval with a filing seal: {seal_id, page?, x?, y?} → {filing_id, session_id, tbs_der, prepared_pdf, byte_range, field, expires_at}",
        Some("application/json"),
    ),
    (
        "/api/v1/filings/{id}/approve/finish",
        "post",
        "the regulator who prepared",
        "Embed the approval signature: {session_id, signature} → approved",
        Some("application/json"),
    ),
    (
        "/api/v1/filings/{id}/reject",
        "post",
        "regulator, a submitted filing",
        "Reject: {reason} (required)",
        Some("application/json"),
    ),
];

/// The filing routes' OpenAPI paths.
pub fn paths() -> serde_json::Map<String, Value> {
    paths_of(ROUTES)
}
