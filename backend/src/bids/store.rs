//! The `bids` and `bid_requests` tables.

use anyhow::{Context, Result};
use serde::Serialize;

use crate::audit::NewEvent;
use crate::audit::chain::{append_at, lock_head};
use crate::db::Db;
use crate::with_pool;

/// A bid as listed (the envelope itself is not included).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BidRow {
    /// Id.
    pub id: i64,
    /// Tender.
    pub tender_id: String,
    /// Bidder's organisation code.
    pub bidder_uscc: String,
    /// The certificate that signed it.
    pub bidder_serial: String,
    /// SM3 of the envelope, hex.
    pub envelope_hash: String,
    /// `active`, `replaced`, `withdrawn` or `invalidated`.
    pub status: String,
    /// Tender version it was made under.
    pub tender_version: i64,
    /// Accepted, RFC 3339.
    pub received_at: String,
    /// The bid it replaced.
    pub replaces: Option<i64>,
}

const ROW: &str = "id, tender_id, bidder_uscc, bidder_serial, envelope_hash, status, tender_version, received_at, \
    replaces";

/// A bid to store.
#[derive(Debug, Clone)]
pub struct NewBid<'a> {
    /// Tender.
    pub tender_id: &'a str,
    /// Its committee.
    pub committee_id: i64,
    /// Bidder's organisation code.
    pub bidder_uscc: &'a str,
    /// Signing certificate serial.
    pub bidder_serial: &'a str,
    /// Signing certificate, DER.
    pub bidder_cert: &'a [u8],
    /// The envelope, DER.
    pub envelope: &'a [u8],
    /// SM3 of the envelope, hex.
    pub envelope_hash: &'a str,
    /// The key ciphertext's U point, hex (unique per committee).
    pub key_point: &'a str,
    /// Tender version.
    pub tender_version: i64,
    /// Accepted, RFC 3339.
    pub received_at: &'a str,
    /// The receipt, DER.
    pub receipt: &'a [u8],
}

/// Why a bid could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The same key ciphertext (U point) is already in a bid for this committee.
    #[error("this envelope's key ciphertext was already submitted: every envelope needs a fresh key")]
    KeyReused,
    /// The same envelope was already submitted.
    #[error("this envelope was already submitted")]
    Duplicate,
    /// The bidder already has an active bid.
    #[error("you already have an active bid for this tender: replace or withdraw it")]
    AlreadyActive,
    /// The bid to replace or withdraw is no longer the active one.
    #[error("that bid is no longer your active bid (replaced, withdrawn or invalidated meanwhile)")]
    NotActive,
    /// The deadline passed while the bid was being checked and signed: its
    /// transaction would commit after it.
    #[error("the deadline {0} passed while your submission was being accepted: it was not stored")]
    Closed(String),
    /// The tender was amended while the bid was being checked and signed.
    #[error(
        "the tender was amended to version {0} while your bid was being accepted: seal it again for that version"
    )]
    Amended(i64),
    /// A database fault.
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

fn classify(e: sqlx::Error) -> Refused {
    if let sqlx::Error::Database(d) = &e {
        let msg = d.message();
        let constraint = d.constraint().unwrap_or("");
        if constraint == "bids_key_point" || msg.contains("bids.committee_id, bids.key_point") {
            return Refused::KeyReused;
        }
        if constraint == "bids_envelope_hash_key" || msg.contains("bids.envelope_hash") {
            return Refused::Duplicate;
        }
        if constraint == "bids_one_active" || msg.contains("bids.tender_id, bids.bidder_uscc") {
            return Refused::AlreadyActive;
        }
    }
    Refused::Db(anyhow::Error::from(e).context("cannot store the bid"))
}

/// Stores a new active bid, optionally replacing (or recording a request
/// about) bid `replaces`, and its audit event (`event` of the new id), all in
/// one transaction. Returns the new id and its event's log index. The
/// tender's deadline and version are checked again inside the transaction:
/// [`Refused::Closed`] if it would commit after the deadline,
/// [`Refused::Amended`] if the tender changed meanwhile.
pub async fn insert(
    db: &Db,
    b: &NewBid<'_>,
    replaces: Option<(i64, &[u8])>,
    event: impl FnOnce(i64) -> NewEvent,
) -> Result<(i64, i64), Refused> {
    let _gate = db.write_gate().await.map_err(Refused::Db)?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await.map_err(classify)?;
        // The audit head first (every writer that also locks bid rows takes
        // it first, so none deadlocks). The deadline manifest takes the same
        // lock before it reads the active bids, so it sees this bid or this
        // bid sees the deadline passed.
        let head = lock_head!(tx).map_err(Refused::Db)?;
        let (deadline, version): (String, i64) =
            sqlx::query_as("SELECT deadline, version FROM tenders WHERE id = $1")
                .bind(b.tender_id).fetch_one(&mut *tx).await.map_err(classify)?;
        still_open(&deadline)?;
        if version != b.tender_version {
            return Err(Refused::Amended(version));
        }
        if let Some((old, request)) = replaces {
            let n = sqlx::query("UPDATE bids SET status = 'replaced' WHERE id = $1 AND status = 'active'")
                .bind(old).execute(&mut *tx).await.map_err(classify)?.rows_affected();
            if n != 1 {
                return Err(Refused::NotActive);
            }
            sqlx::query("INSERT INTO bid_requests (bid_id, action, request, received_at) VALUES ($1, 'replace', $2, $3)")
                .bind(old).bind(request).bind(b.received_at).execute(&mut *tx).await.map_err(classify)?;
        }
        let log_index = head.log_index();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO bids (tender_id, committee_id, bidder_uscc, bidder_serial, bidder_cert, envelope, \
             envelope_hash, key_point, status, tender_version, received_at, receipt, replaces, log_index) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(b.tender_id).bind(b.committee_id).bind(b.bidder_uscc).bind(b.bidder_serial).bind(b.bidder_cert)
        .bind(b.envelope).bind(b.envelope_hash).bind(b.key_point).bind(b.tender_version).bind(b.received_at)
        .bind(b.receipt).bind(replaces.map(|r| r.0)).bind(log_index)
        .fetch_one(&mut *tx).await.map_err(classify)?;
        append_at!(tx, head, event(id)).map_err(Refused::Db)?;
        tx.commit().await.map_err(classify)?;
        Ok((id, log_index))
    }.await)
}

/// Marks bid `id` withdrawn with its signed request and records `event`,
/// in one transaction; false (and nothing recorded) if it was not active.
/// Refused with [`Refused::Closed`] if the deadline has passed (its check
/// inside the transaction, after the audit head is locked).
pub async fn withdraw(db: &Db, id: i64, request: &[u8], now: &str, event: NewEvent) -> Result<bool, Refused> {
    let _gate = db.write_gate().await.map_err(Refused::Db)?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await.map_err(classify)?;
        let head = lock_head!(tx).map_err(Refused::Db)?;
        let deadline: String =
            sqlx::query_scalar("SELECT t.deadline FROM tenders t JOIN bids b ON b.tender_id = t.id WHERE b.id = $1")
                .bind(id).fetch_one(&mut *tx).await.map_err(classify)?;
        still_open(&deadline)?;
        let n = sqlx::query("UPDATE bids SET status = 'withdrawn' WHERE id = $1 AND status = 'active'")
            .bind(id).execute(&mut *tx).await.map_err(classify)?.rows_affected();
        if n != 1 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO bid_requests (bid_id, action, request, received_at) VALUES ($1, 'withdraw', $2, $3)")
            .bind(id).bind(request).bind(now).execute(&mut *tx).await.map_err(classify)?;
        append_at!(tx, head, event).map_err(Refused::Db)?;
        tx.commit().await.map_err(classify)?;
        Ok(true)
    }.await)
}

/// Refuses unless `deadline` (RFC 3339, as stored) is still ahead by the
/// clock, to the nanosecond.
fn still_open(deadline: &str) -> Result<(), Refused> {
    let at = time::OffsetDateTime::parse(deadline, &time::format_description::well_known::Rfc3339)
        .map_err(|e| Refused::Db(anyhow::anyhow!("stored deadline {deadline:?}: {e}")))?;
    if time::OffsetDateTime::now_utc() >= at {
        return Err(Refused::Closed(deadline.to_string()));
    }
    Ok(())
}

/// The bidder's active bid for a tender, if any.
pub async fn active_of(db: &Db, tender: &str, uscc: &str) -> Result<Option<BidRow>> {
    let sql =
        format!("SELECT {ROW} FROM bids WHERE tender_id = $1 AND bidder_uscc = $2 AND status = 'active'");
    with_pool!(db, p => sqlx::query_as(&sql).bind(tender).bind(uscc).fetch_optional(p).await)
        .context("cannot read the bid")
}

/// Every bid of a bidder for a tender, oldest first (the history).
pub async fn history(db: &Db, tender: &str, uscc: &str) -> Result<Vec<BidRow>> {
    let sql = format!("SELECT {ROW} FROM bids WHERE tender_id = $1 AND bidder_uscc = $2 ORDER BY id");
    with_pool!(db, p => sqlx::query_as(&sql).bind(tender).bind(uscc).fetch_all(p).await)
        .context("cannot read the bids")
}

/// The log index of bid `id`'s acceptance (none for bids older than the log).
pub async fn log_index(db: &Db, id: i64) -> Result<Option<i64>> {
    let sql = "SELECT log_index FROM bids WHERE id = $1";
    let v: Option<Option<i64>> =
        with_pool!(db, p => sqlx::query_scalar(sql).bind(id).fetch_optional(p).await)
            .context("cannot read the bid's log index")?;
    Ok(v.flatten())
}

/// The receipt of bid `id`.
pub async fn receipt(db: &Db, id: i64) -> Result<Option<Vec<u8>>> {
    let sql = "SELECT receipt FROM bids WHERE id = $1";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(id).fetch_optional(p).await)
        .context("cannot read the receipt")
}

/// Counts of a tender's bids by status, and the number of distinct bidders with an active bid.
pub async fn counts(db: &Db, tender: &str) -> Result<Vec<(String, i64)>> {
    let sql = "SELECT status, COUNT(*) FROM bids WHERE tender_id = $1 GROUP BY status ORDER BY status";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_all(p).await).context("cannot count the bids")
}
