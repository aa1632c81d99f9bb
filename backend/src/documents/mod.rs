//! Purchase contracts generated from a tender's results, signed and
//! countersigned over HTTP with GB/T 38540 seals, and the public verification
//! of any signed PDF.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `POST /api/v1/tenders/{id}/contracts` | centre | `{buyer_uscc, delivery_terms?, payment_terms?}` → 201 one contract per winning manufacturer |
//! | `GET /api/v1/contracts` | bidder, hospital: own organisation's; centre, regulator: all | contracts |
//! | `GET /api/v1/contracts/{id}` | the parties, centre, regulator | the contract, its revisions and places |
//! | `GET /api/v1/contracts/{id}/pdf` | the parties, centre, regulator | the current PDF |
//! | `POST /api/v1/contracts/{id}/sign/prepare` | the party whose turn it is | `{seal_id, page?, x?, y?}` → `{contract_id, session_id, tbs_der, prepared_pdf, byte_range, field, expires_at}`: what the signer checks, then signs |
//! | `POST /api/v1/contracts/{id}/sign/finish` | the signer who prepared | `{session_id, signature}` → the contract |
//! | `POST /api/v1/contracts/batch/prepare` | as above | `{items: [{contract_id, seal_id, …}]}` → per-contract results |
//! | `POST /api/v1/contracts/batch/finish` | as above | `{items: [{session_id, signature}]}` → per-contract results |
//! | `POST /api/v1/contracts/{id}/refuse` | the party whose turn it is | `{reason}`: the contract is refused |
//! | `POST /api/v1/contracts/{id}/void` | the last signer, before the next party signs | its signature is removed (the previous revision is current again) |
//! | `POST /api/v1/verify` | anyone, no session | a PDF (raw body) → the verification report |
//!
//! Signing order: the manufacturer (`draft` → `seller_signed`), the hospital
//! (→ `buyer_signed`), a regulator with a filing seal (→ `filed`). Each
//! signature is an incremental update of the current revision. The server
//! prepares the update and the `TBS_Sign` and hands both to the signer, whose
//! client checks the one against the other
//! ([`sealbid_sealing::ses::check_signing_request`]) before the key signs it
//! in the browser or CLI (SM2, signer ID `1234567812345678`); the server checks the
//! signer, its live certificate, its signing switch and the seal again,
//! time-stamps the signature value, embeds it, verifies the result and only
//! then commits the new revision, in one transaction with the contract's
//! state and the audit event. Sessions live in the database, so any server
//! process can finish what another prepared. Every step is audited; every
//! change of a contract (generation, signature, refusal, voiding) commits
//! with its audit event or not at all. The signing steps that do
//! not depend on the kind of document are [`signing`], shared with
//! [`crate::filings`].

mod contract_signing;
mod contracts;
pub mod sessions;
pub mod signing;
pub mod store;
mod verify;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::routing::{get, post};
use sealbid_crypto::pki::Role;

use crate::auth::SessionUser;
use crate::server::{ApiError, AppState};
use store::ContractRow;

/// Largest PDF `POST /api/v1/verify` accepts.
pub const MAX_PDF_BODY: usize = 16 << 20;

/// The contract and verification routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenders/{id}/contracts", post(contracts::generate))
        .route("/api/v1/contracts", get(contracts::list))
        .route("/api/v1/contracts/{id}", get(contracts::one))
        .route("/api/v1/contracts/{id}/pdf", get(contracts::pdf))
        .route("/api/v1/contracts/{id}/refuse", post(contracts::refuse))
        .route("/api/v1/contracts/{id}/void", post(contracts::void))
        .route("/api/v1/contracts/{id}/sign/prepare", post(contract_signing::prepare))
        .route("/api/v1/contracts/{id}/sign/finish", post(contract_signing::finish))
        .route("/api/v1/contracts/batch/prepare", post(contract_signing::batch_prepare))
        .route("/api/v1/contracts/batch/finish", post(contract_signing::batch_finish))
        .route("/api/v1/verify", post(verify::verify).layer(DefaultBodyLimit::max(MAX_PDF_BODY)))
}

/// Who signs a contract in a given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Seller,
    Buyer,
    Regulator,
}

impl Party {
    fn as_str(self) -> &'static str {
        match self {
            Party::Seller => "seller",
            Party::Buyer => "buyer",
            Party::Regulator => "regulator",
        }
    }

    /// The party whose turn it is, and the status its signature leads to.
    fn turn(status: &str) -> Option<(Party, &'static str)> {
        match status {
            "draft" => Some((Party::Seller, "seller_signed")),
            "seller_signed" => Some((Party::Buyer, "buyer_signed")),
            "buyer_signed" => Some((Party::Regulator, "filed")),
            _ => None,
        }
    }

    /// Whether `user` acts for this party of `c`.
    fn is(self, c: &ContractRow, user: &SessionUser) -> bool {
        let org = user.uscc.as_deref();
        match self {
            Party::Seller => user.role == Role::Bidder.as_str() && org == Some(c.seller_uscc.as_str()),
            Party::Buyer => user.role == Role::Hospital.as_str() && org == Some(c.buyer_uscc.as_str()),
            Party::Regulator => user.role == Role::Regulator.as_str(),
        }
    }
}

/// The party whose turn it is, if `user` acts for it: 403 for someone who is
/// not a party at all, 409 for a party out of turn or a finished contract.
fn my_turn(c: &ContractRow, user: &SessionUser) -> Result<(Party, &'static str), ApiError> {
    let parties = [Party::Seller, Party::Buyer, Party::Regulator];
    if !parties.iter().any(|p| p.is(c, user)) {
        return Err(ApiError::Forbidden(format!("you are not a party to contract {}", c.id)));
    }
    match Party::turn(&c.status) {
        Some((p, next)) if p.is(c, user) => Ok((p, next)),
        Some((p, _)) => Err(ApiError::Conflict(format!(
            "contract {} is {}: it is the {}'s turn to sign",
            c.id,
            c.status,
            p.as_str()
        ))),
        None => {
            Err(ApiError::Conflict(format!("contract {} is {}: nobody signs it any more", c.id, c.status)))
        }
    }
}

fn contract_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::BadRequest("contract id must be an integer".into()))
}

async fn find(s: &AppState, id: i64) -> Result<ContractRow, ApiError> {
    store::get(&s.db, id).await?.ok_or_else(|| ApiError::NotFound(format!("no contract {id}")))
}

/// Roles that may read contracts (their own, or all for the centre and regulators).
const READERS: &[&str] = &["bidder", "hospital", "centre", "regulator"];
/// Roles that sign contracts.
const SIGNERS: &[&str] = &["bidder", "hospital", "regulator"];

/// The contract, if `user` may read it: its parties' organisations, the centre, regulators.
async fn readable(s: &AppState, id: i64, user: &SessionUser) -> Result<ContractRow, ApiError> {
    crate::auth::require(user, READERS, "read contracts")?;
    let c = find(s, id).await?;
    let org = user.uscc.as_deref();
    let party = org == Some(c.seller_uscc.as_str()) || org == Some(c.buyer_uscc.as_str());
    let official = [Role::Centre.as_str(), Role::Regulator.as_str()].contains(&user.role.as_str());
    if !(party || official) {
        return Err(ApiError::Forbidden(format!(
            "only the parties, the centre and regulators may read contract {id}"
        )));
    }
    Ok(c)
}
