//! The `contracts` and `contract_revisions` tables, the commit of a contract
//! signature, and the organisations contracts name. (Signing sessions are in
//! [`super::sessions`].) Every change of a contract's state commits in one
//! transaction with its audit event: a change is recorded, or neither is.

use anyhow::{Context, Result};
use serde::Serialize;

use super::sessions::Session;
use crate::audit::NewEvent;
use crate::audit::chain::append_in;
use crate::db::Db;
use crate::with_pool;

/// A contract as stored (its PDF revisions are separate).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ContractRow {
    /// Id.
    pub id: i64,
    /// Contract number.
    pub number: String,
    /// The tender it results from.
    pub tender_id: String,
    /// The manufacturer (乙方).
    pub seller_uscc: String,
    /// The hospital (甲方).
    pub buyer_uscc: String,
    /// The contract model (JSON of [`sealbid_sealing::pdf::render::Contract`]).
    #[serde(skip)]
    pub model: String,
    /// Where each party's seal goes (JSON).
    #[serde(skip)]
    pub places: String,
    /// `draft`, `seller_signed`, `buyer_signed`, `filed` or `refused`.
    pub status: String,
    /// The revision that is the contract now.
    pub current_rev: i64,
    /// Why it was refused.
    pub reason: Option<String>,
    /// Who generated it.
    pub created_by: String,
    /// Generated, RFC 3339.
    pub created_at: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

const CONTRACT: &str = "id, number, tender_id, seller_uscc, buyer_uscc, model, places, status, current_rev, \
    reason, created_by, created_at, updated_at";

/// One revision's metadata.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Revision {
    /// 0 = rendered; each signature adds one.
    pub rev: i64,
    /// The signer's certificate serial.
    pub signer_serial: Option<String>,
    /// The signer's organisation.
    pub signer_uscc: Option<String>,
    /// The seal used.
    pub seal_id: Option<i64>,
    /// Created, RFC 3339.
    pub created_at: String,
    /// When the signature was voided.
    pub voided_at: Option<String>,
}

/// A new contract with its rendered PDF.
#[derive(Debug, Clone)]
pub struct NewContract {
    /// Number.
    pub number: String,
    /// Tender.
    pub tender_id: String,
    /// Seller.
    pub seller_uscc: String,
    /// Buyer.
    pub buyer_uscc: String,
    /// Model JSON.
    pub model: String,
    /// Places JSON.
    pub places: String,
    /// Revision 0.
    pub pdf: Vec<u8>,
}

/// An organisation's (name, address, kind).
pub async fn organisation(db: &Db, uscc: &str) -> Result<Option<(String, String, String)>> {
    let sql = "SELECT name, address, kind FROM organisations WHERE uscc = $1";
    with_pool!(db, p => sqlx::query_as(sql).bind(uscc).fetch_optional(p).await)
        .context("cannot read the organisation")
}

/// Stores contracts with their revision 0 and a `contract.generated` audit
/// event each, all or none; returns their ids,
/// or None if one of them exists already.
pub async fn insert_all(db: &Db, all: &[NewContract], by: &str, now: &str) -> Result<Option<Vec<i64>>> {
    let exists =
        "SELECT COUNT(*) FROM contracts WHERE tender_id = $1 AND seller_uscc = $2 AND buyer_uscc = $3";
    let insert = "INSERT INTO contracts (number, tender_id, seller_uscc, buyer_uscc, model, places, status, \
        current_rev, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'draft', 0, $7, $8, $8) \
        RETURNING id";
    let revision =
        "INSERT INTO contract_revisions (contract_id, rev, pdf, created_at) VALUES ($1, 0, $2, $3)";
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let mut ids = Vec::new();
        for c in all {
            let n: i64 = sqlx::query_scalar(exists).bind(&c.tender_id).bind(&c.seller_uscc)
                .bind(&c.buyer_uscc).fetch_one(&mut *tx).await?;
            if n > 0 {
                return anyhow::Ok(None);
            }
            let id: i64 = sqlx::query_scalar(insert).bind(&c.number).bind(&c.tender_id).bind(&c.seller_uscc)
                .bind(&c.buyer_uscc).bind(&c.model).bind(&c.places).bind(by).bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query(revision).bind(id).bind(&c.pdf).bind(now).execute(&mut *tx).await?;
            let details = serde_json::json!({ "tender": c.tender_id, "seller": c.seller_uscc,
                                              "buyer": c.buyer_uscc, "number": c.number });
            append_in!(tx, NewEvent::new(by, "contract.generated", id.to_string(), details))?;
            ids.push(id);
        }
        tx.commit().await?;
        anyhow::Ok(Some(ids))
    }.await)
    .context("cannot store the contracts")
}

/// One contract.
pub async fn get(db: &Db, id: i64) -> Result<Option<ContractRow>> {
    let sql = format!("SELECT {CONTRACT} FROM contracts WHERE id = $1");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("cannot read the contract")
}

/// Contracts naming `org` as seller or buyer, or every contract.
pub async fn list(db: &Db, org: Option<&str>) -> Result<Vec<ContractRow>> {
    let sql = format!(
        "SELECT {CONTRACT} FROM contracts WHERE $1 IS NULL OR seller_uscc = $1 OR buyer_uscc = $1 ORDER BY id"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(org).fetch_all(p).await).context("cannot list contracts")
}

/// The revisions of a contract.
pub async fn revisions(db: &Db, id: i64) -> Result<Vec<Revision>> {
    let sql = "SELECT rev, signer_serial, signer_uscc, seal_id, created_at, voided_at FROM contract_revisions \
               WHERE contract_id = $1 ORDER BY rev";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await).context("cannot read the revisions")
}

/// The PDF of one revision.
pub async fn pdf(db: &Db, id: i64, rev: i64) -> Result<Option<Vec<u8>>> {
    let sql = "SELECT pdf FROM contract_revisions WHERE contract_id = $1 AND rev = $2";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(id).bind(rev).fetch_optional(p).await)
        .context("cannot read the contract PDF")
}

/// Sets the status (and reason) if the contract is still at `status_was` and
/// `rev_was`, with its audit `event` in the same transaction; false otherwise
/// (and nothing is written).
pub async fn set_status(
    db: &Db,
    id: i64,
    (status_was, rev_was): (&str, i64),
    (status, reason): (&str, Option<&str>),
    now: &str,
    event: NewEvent,
) -> Result<bool> {
    let sql = "UPDATE contracts SET status = $4, reason = $5, updated_at = $6 \
               WHERE id = $1 AND status = $2 AND current_rev = $3";
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query(sql).bind(id).bind(status_was).bind(rev_was).bind(status).bind(reason).bind(now)
            .execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return anyhow::Ok(false);
        }
        append_in!(tx, event)?;
        tx.commit().await?;
        anyhow::Ok(true)
    }.await)
    .context("cannot change the contract")
}

/// Voids revision `rev`: the contract goes back to `back_to` with `status`,
/// if it is still at `(status_was, rev)`, with its audit `event` in the same
/// transaction; false otherwise (and nothing is written).
pub async fn void(
    db: &Db,
    id: i64,
    (status_was, rev): (&str, i64),
    (status, back_to): (&str, i64),
    now: &str,
    event: NewEvent,
) -> Result<bool> {
    let update = "UPDATE contracts SET status = $4, current_rev = $5, updated_at = $6 \
                  WHERE id = $1 AND status = $2 AND current_rev = $3";
    let mark = "UPDATE contract_revisions SET voided_at = $3 WHERE contract_id = $1 AND rev = $2";
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query(update).bind(id).bind(status_was).bind(rev).bind(status).bind(back_to).bind(now)
            .execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return anyhow::Ok(false);
        }
        sqlx::query(mark).bind(id).bind(rev).bind(now).execute(&mut *tx).await?;
        append_in!(tx, event)?;
        tx.commit().await?;
        anyhow::Ok(true)
    }.await)
    .context("cannot void the signature")
}

/// The latest revision before `rev` that was not voided.
pub async fn previous_rev(db: &Db, id: i64, rev: i64) -> Result<Option<i64>> {
    let sql =
        "SELECT MAX(rev) FROM contract_revisions WHERE contract_id = $1 AND rev < $2 AND voided_at IS NULL";
    let r: Option<Option<i64>> =
        with_pool!(db, p => sqlx::query_scalar(sql).bind(id).bind(rev).fetch_optional(p).await)
            .context("cannot read the revisions")?;
    Ok(r.flatten())
}

/// A finished signature to commit.
#[derive(Debug, Clone)]
pub struct Signed<'a> {
    /// The session.
    pub session: &'a Session,
    /// The contract's status before and after.
    pub status: (&'a str, &'a str),
    /// The new revision number.
    pub rev: i64,
    /// The signed PDF.
    pub pdf: &'a [u8],
    /// The signer's organisation.
    pub signer_uscc: &'a str,
}

/// Commits a signature in one transaction: the new revision, the contract's
/// status and current revision (only if still at the session's base and the
/// old status), the session used up, and its audit `event`. False if
/// anything moved meanwhile (and nothing is written).
pub async fn commit_signature(db: &Db, x: &Signed<'_>, now: &str, event: NewEvent) -> Result<bool> {
    let session = "UPDATE signing_sessions SET used_at = $2 WHERE id = $1 AND used_at IS NULL";
    let contract = "UPDATE contracts SET status = $4, current_rev = $5, updated_at = $6 \
                    WHERE id = $1 AND status = $2 AND current_rev = $3";
    let revision = "INSERT INTO contract_revisions (contract_id, rev, pdf, signer_serial, signer_uscc, seal_id, \
                    created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let s = x.session;
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let a = sqlx::query(session).bind(&s.id).bind(now).execute(&mut *tx).await?.rows_affected();
        let b = sqlx::query(contract).bind(s.doc_id).bind(x.status.0).bind(s.base_rev).bind(x.status.1)
            .bind(x.rev).bind(now).execute(&mut *tx).await?.rows_affected();
        if a != 1 || b != 1 {
            return anyhow::Ok(false);
        }
        sqlx::query(revision).bind(s.doc_id).bind(x.rev).bind(x.pdf).bind(&s.signer_serial)
            .bind(x.signer_uscc).bind(s.seal_id).bind(now).execute(&mut *tx).await?;
        append_in!(tx, event)?;
        tx.commit().await?;
        anyhow::Ok(true)
    }.await)
    .context("cannot store the signature")
}

/// The next revision number of a contract.
pub async fn next_rev(db: &Db, id: i64) -> Result<i64> {
    let sql = "SELECT COALESCE(MAX(rev), 0) + 1 FROM contract_revisions WHERE contract_id = $1";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(id).fetch_one(p).await)
        .context("cannot read the revisions")
}
