//! The `opening_shares`, `bid_openings`, `opening_faults` and
//! `tender_results` tables, and the bids an opening reads.

use anyhow::{Context, Result};

use super::pipeline::Outcome;
use crate::db::Db;
use crate::with_pool;

/// Active bids of a tender: (id, envelope hash hex, envelope).
pub async fn ciphertexts(db: &Db, tender: &str) -> Result<Vec<(i64, String, Vec<u8>)>> {
    let sql =
        "SELECT id, envelope_hash, envelope FROM bids WHERE tender_id = $1 AND status = 'active' ORDER BY id";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_all(p).await)
        .context("cannot read the envelopes")
}

/// The active bids' envelopes and bidder certificates, in receipt order.
pub async fn ciphertexts_with_certs(db: &Db, tender: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let sql = "SELECT envelope, bidder_cert FROM bids WHERE tender_id = $1 AND status = 'active' ORDER BY id";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_all(p).await)
        .context("cannot read the envelopes")
}

/// Envelope hashes (hex) of the active bids.
pub async fn active_hashes(db: &Db, tender: &str) -> Result<Vec<String>> {
    let sql = "SELECT envelope_hash FROM bids WHERE tender_id = $1 AND status = 'active'";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(tender).fetch_all(p).await)
        .context("cannot read the bids")
}

/// Active bids not opened yet: (id, envelope, bidder certificate).
pub async fn unopened(db: &Db, tender: &str) -> Result<Vec<(i64, Vec<u8>, Vec<u8>)>> {
    let sql = "SELECT b.id, b.envelope, b.bidder_cert FROM bids b WHERE b.tender_id = $1 AND b.status = 'active' \
               AND NOT EXISTS (SELECT 1 FROM bid_openings o WHERE o.bid_id = b.id) ORDER BY b.id";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_all(p).await)
        .context("cannot read the envelopes")
}

/// Tenders whose opening stored outcomes but has no results yet.
pub async fn interrupted(db: &Db) -> Result<Vec<String>> {
    let sql = "SELECT DISTINCT o.tender_id FROM bid_openings o \
               WHERE NOT EXISTS (SELECT 1 FROM tender_results r WHERE r.tender_id = o.tender_id) ORDER BY o.tender_id";
    with_pool!(db, p => sqlx::query_scalar(sql).fetch_all(p).await).context("cannot read the openings")
}

/// Stores an official's batch; false if that official already contributed.
pub async fn insert_shares(
    db: &Db,
    tender: &str,
    official: i64,
    serial: &str,
    batch: &[u8],
    now: &str,
) -> Result<bool> {
    let sql = "INSERT INTO opening_shares (tender_id, official, serial, batch, received_at) VALUES ($1, $2, $3, $4, $5) \
               ON CONFLICT (tender_id, official) DO NOTHING";
    let n =
        with_pool!(db, p => sqlx::query(sql).bind(tender).bind(official).bind(serial).bind(batch).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))
        .context("cannot store the shares")?;
    Ok(n == 1)
}

/// The officials (indices) who contributed, with when.
pub async fn contributors(db: &Db, tender: &str) -> Result<Vec<(i64, String, String)>> {
    let sql =
        "SELECT official, serial, received_at FROM opening_shares WHERE tender_id = $1 ORDER BY official";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_all(p).await).context("cannot read the shares")
}

/// Every stored batch: (official, batch DER).
pub async fn batches(db: &Db, tender: &str) -> Result<Vec<(i64, Vec<u8>)>> {
    let sql = "SELECT official, batch FROM opening_shares WHERE tender_id = $1 ORDER BY official";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_all(p).await).context("cannot read the shares")
}

/// Stores outcomes in one transaction (multi-row inserts; a re-run skips rows already there).
pub async fn insert_outcomes(db: &Db, tender: &str, outcomes: &[Outcome], now: &str) -> Result<()> {
    const ROWS: usize = 500;
    let rows: Vec<(i64, bool, Option<String>, Option<String>)> = outcomes
        .iter()
        .map(|o| {
            let prices = o.prices.as_ref().map(serde_json::to_string).transpose()?;
            Ok((o.bid, o.reason.is_none(), o.reason.clone(), prices))
        })
        .collect::<Result<_>>()?;
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        for chunk in rows.chunks(ROWS) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, $1, ${}, ${}, ${}, $2)", 3 + 4 * i, 4 + 4 * i, 5 + 4 * i, 6 + 4 * i))
                .collect();
            let sql = format!(
                "INSERT INTO bid_openings (bid_id, tender_id, valid, reason, prices, opened_at) VALUES {} \
                 ON CONFLICT (bid_id) DO NOTHING",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(tender).bind(now);
            for (bid, valid, reason, prices) in chunk {
                q = q.bind(*bid).bind(*valid).bind(reason.as_deref()).bind(prices.as_deref());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await
    }.await)
    .context("cannot store the opened bids")
}

/// An opened bid joined with its bid: (bid, bidder, received_at, valid, reason, prices JSON).
pub type OpenedRow = (i64, String, String, bool, Option<String>, Option<String>);

/// Every opened bid of a tender.
pub async fn opened(db: &Db, tender: &str) -> Result<Vec<OpenedRow>> {
    let sql = "SELECT b.id, b.bidder_uscc, b.received_at, o.valid, o.reason, o.prices FROM bid_openings o \
               JOIN bids b ON b.id = o.bid_id WHERE o.tender_id = $1 ORDER BY b.id";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_all(p).await)
        .context("cannot read the opened bids")
}

/// Counts: (opened, valid).
pub async fn progress(db: &Db, tender: &str) -> Result<(i64, i64)> {
    let sql = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN valid THEN 1 ELSE 0 END), 0) FROM bid_openings WHERE tender_id = $1";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_one(p).await)
        .context("cannot count the opened bids")
}

/// Records an official found to have sent bad shares; true if new.
pub async fn insert_fault(db: &Db, tender: &str, official: i64, detail: &str, now: &str) -> Result<bool> {
    let sql = "INSERT INTO opening_faults (tender_id, official, detail, found_at) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (tender_id, official) DO NOTHING";
    let n = with_pool!(db, p => sqlx::query(sql).bind(tender).bind(official).bind(detail).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))
    .context("cannot record the fault")?;
    Ok(n == 1)
}

/// Officials found to have sent bad shares: (official, detail).
pub async fn faults(db: &Db, tender: &str) -> Result<Vec<(i64, String)>> {
    let sql = "SELECT official, detail FROM opening_faults WHERE tender_id = $1 ORDER BY official";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_all(p).await).context("cannot read the faults")
}

/// Stores the signed results; false if already published.
pub async fn insert_results(
    db: &Db,
    tender: &str,
    doc: &str,
    sig: &[u8],
    ts: &[u8],
    now: &str,
) -> Result<bool> {
    let sql = "INSERT INTO tender_results (tender_id, document, signature, timestamp, published_at) \
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tender_id) DO NOTHING";
    let n = with_pool!(db, p => sqlx::query(sql).bind(tender).bind(doc).bind(sig).bind(ts).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))
    .context("cannot store the results")?;
    Ok(n == 1)
}

/// The published results: (document, signature, timestamp, published_at).
pub async fn results(db: &Db, tender: &str) -> Result<Option<(String, Vec<u8>, Vec<u8>, String)>> {
    let sql = "SELECT document, signature, timestamp, published_at FROM tender_results WHERE tender_id = $1";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_optional(p).await)
        .context("cannot read the results")
}
