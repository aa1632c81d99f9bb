//! The results bundle: everything needed to re-check a tender's published
//! results without trusting the platform
//! ([`sealbid_crypto::opening::results::verify_results`], `sealbid results verify`).
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /api/v1/tenders/{id}/results/bundle` | once the results are published: the committee's officials, centre, operators, regulators | a [`ResultsBundle`] |
//!
//! The bundle holds every envelope and every official's decryption shares,
//! so whoever holds it can decrypt every bid: it goes to exactly those who
//! see the full results at `GET /api/v1/tenders/{id}/results`. A bidder
//! sees there only the winners and its own quotes, and is refused the
//! bundle for the same reason.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use base64ct::{Base64, Encoding};
use sealbid_crypto::opening::results::{BundleEnvelope, ResultsBundle, SignedResults};

use super::{roster, store};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::server::{ApiError, AppState};
use crate::{tenders, with_pool};

/// The bundle's route path (for the opening router).
pub const PATH: &str = "/api/v1/tenders/{id}/results/bundle";

/// An active bid as the bundle carries it: (id, envelope, bidder certificate, receipt, received_at).
type BidRow = (i64, Vec<u8>, Vec<u8>, Vec<u8>, String);

/// The active bids of `tender` in bid order.
async fn bids(db: &Db, tender: &str) -> anyhow::Result<Vec<BidRow>> {
    use anyhow::Context;
    let sql = "SELECT id, envelope, bidder_cert, receipt, received_at FROM bids \
               WHERE tender_id = $1 AND status = 'active' ORDER BY id";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_all(p).await)
        .context("cannot read the bids for the results bundle")
}

/// `GET /api/v1/tenders/{id}/results/bundle`.
pub async fn bundle(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ResultsBundle>, ApiError> {
    let t = tenders::visible(&s, &current.user, id).await?;
    let Some((document, signature, timestamp, published_at)) = store::results(&s.db, &t.id).await? else {
        return Err(ApiError::NotFound(format!("the results of {} are not published yet", t.id)));
    };
    let (_, me) = roster(&s, &t, &current.user).await?;
    let full = me.is_some() || matches!(current.user.role.as_str(), "centre" | "operator" | "regulator");
    if !full {
        return Err(ApiError::Forbidden(
            "the results bundle holds every bid's decryption shares: only the committee's officials, \
             the centre, operators and regulators receive it"
                .into(),
        ));
    }
    let opening = super::opening_file(&s, &t).await?;
    let envelopes = bids(&s.db, &t.id)
        .await?
        .into_iter()
        .map(|(bid, envelope, cert, receipt, received_at)| BundleEnvelope {
            bid,
            envelope: Base64::encode_string(&envelope),
            certificate: Base64::encode_string(&cert),
            receipt: Base64::encode_string(&receipt),
            received_at,
        })
        .collect();
    let batches =
        store::batches(&s.db, &t.id).await?.into_iter().map(|(_, der)| Base64::encode_string(&der)).collect();
    Ok(Json(ResultsBundle {
        tender: t.id.clone(),
        announcement: opening.announcement,
        statement: opening.statement,
        manifest: opening.manifest,
        leaves: opening.leaves,
        envelopes,
        batches,
        results: SignedResults {
            document,
            signature: Base64::encode_string(&signature),
            timestamp: Base64::encode_string(&timestamp),
            published_at,
        },
    }))
}
