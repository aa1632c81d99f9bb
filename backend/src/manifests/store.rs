//! The `deadline_manifests` table.

use anyhow::{Context, Result};

use crate::db::Db;
use crate::with_pool;

/// A stored manifest: its DER and its leaves (32-byte envelope hashes, concatenated).
pub async fn get(db: &Db, tender: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
    let sql = "SELECT manifest, leaves FROM deadline_manifests WHERE tender_id = $1";
    with_pool!(db, p => sqlx::query_as(sql).bind(tender).fetch_optional(p).await)
        .context("cannot read the deadline manifest")
}

/// Stores the manifest unless one exists; false if one did (the first stays).
pub async fn insert(db: &Db, tender: &str, manifest: &[u8], leaves: &[u8], at: &str) -> Result<bool> {
    let _gate = db.write_gate().await?;
    let sql = "INSERT INTO deadline_manifests (tender_id, manifest, leaves, created_at) \
               VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    let n = with_pool!(db, p => sqlx::query(sql).bind(tender).bind(manifest).bind(leaves).bind(at)
        .execute(p).await.map(|r| r.rows_affected()))
    .context("cannot store the deadline manifest")?;
    Ok(n == 1)
}

/// Hashes (hex) of the tender's active envelopes, in receipt order, read
/// (after the deadline) while holding the audit head's lock: every bid,
/// replacement and withdrawal takes that lock before it checks the deadline
/// inside its transaction, so one still in flight commits first and is
/// read here, or finds the deadline passed and stores nothing.
pub async fn active_at_deadline(db: &Db, tender: &str) -> Result<Vec<String>> {
    let _gate = db.write_gate().await?;
    let sql = "SELECT envelope_hash FROM bids WHERE tender_id = $1 AND status = 'active' ORDER BY id";
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
        let hashes = sqlx::query_scalar(sql).bind(tender).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(hashes)
    }.await)
    .context("cannot read the active envelopes")
}

/// Published tenders without a manifest yet (the caller compares deadlines).
pub async fn due(db: &Db) -> Result<Vec<String>> {
    let sql = "SELECT t.id FROM tenders t LEFT JOIN deadline_manifests m ON m.tender_id = t.id \
               WHERE t.status <> 'draft' AND m.tender_id IS NULL ORDER BY t.id";
    with_pool!(db, p => sqlx::query_scalar(sql).fetch_all(p).await)
        .context("cannot list the tenders due a manifest")
}
