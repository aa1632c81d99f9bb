//! The `tenders`, `tender_items` and `tender_versions` tables.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::with_pool;

/// A tender as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Tender {
    /// Id, e.g. `T2026-0001`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Announcement text.
    pub announcement: String,
    /// Bidding opens, RFC 3339.
    pub opens_at: String,
    /// Bidding closes, RFC 3339.
    pub deadline: String,
    /// Opening time, RFC 3339.
    pub opening_at: String,
    /// The opening committee.
    pub committee_id: i64,
    /// `draft`, `published` or `opened`.
    pub status: String,
    /// 0 until published, then 1 + the number of amendments.
    pub version: i64,
    /// First published, RFC 3339.
    pub published_at: Option<String>,
    /// Creator's certificate serial.
    pub created_by: String,
    /// Created, RFC 3339.
    pub created_at: String,
}

/// One item: a drug or consumable with its ceiling price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Item number, 1, 2, … (assigned in order).
    #[serde(default)]
    pub no: i64,
    /// Generic name (通用名).
    pub generic_name: String,
    /// Dosage form (剂型).
    pub dosage_form: String,
    /// Specification (规格).
    pub specification: String,
    /// Unit (单位).
    pub unit: String,
    /// Quantity.
    pub quantity: i64,
    /// Ceiling price per unit, in fen.
    pub ceiling_fen: i64,
}

const TENDER: &str = "id, title, announcement, opens_at, deadline, opening_at, committee_id, status, version, \
    published_at, created_by, created_at";

/// Inserts `items` of tender `id` within the transaction `tx` (either engine).
macro_rules! insert_items {
    ($tx:expr, $id:expr, $items:expr) => {
        for it in $items {
            sqlx::query(
                "INSERT INTO tender_items (tender_id, no, generic_name, dosage_form, specification, unit, \
                 quantity, ceiling_fen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind($id)
            .bind(it.no)
            .bind(&it.generic_name)
            .bind(&it.dosage_form)
            .bind(&it.specification)
            .bind(&it.unit)
            .bind(it.quantity)
            .bind(it.ceiling_fen)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// Stores a draft with its items.
pub async fn insert(db: &Db, t: &Tender, items: &[Item]) -> Result<()> {
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query(
            "INSERT INTO tenders (id, title, announcement, opens_at, deadline, opening_at, committee_id, status, \
             version, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', 0, $8, $9)",
        )
        .bind(&t.id).bind(&t.title).bind(&t.announcement).bind(&t.opens_at).bind(&t.deadline)
        .bind(&t.opening_at).bind(t.committee_id).bind(&t.created_by).bind(&t.created_at)
        .execute(&mut *tx).await?;
        insert_items!(tx, &t.id, items);
        tx.commit().await
    }.await)
    .context("cannot store the tender")
}

/// One tender.
pub async fn get(db: &Db, id: &str) -> Result<Option<Tender>> {
    let sql = format!("SELECT {TENDER} FROM tenders WHERE id = $1");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("cannot read the tender")
}

/// Tenders, newest first; `published_only` hides drafts (at most 1000).
pub async fn list(db: &Db, published_only: bool) -> Result<Vec<Tender>> {
    let sql = format!(
        "SELECT {TENDER} FROM tenders WHERE ($1 = FALSE OR status <> 'draft') ORDER BY created_at DESC, id DESC \
         LIMIT 1000"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(published_only).fetch_all(p).await)
        .context("cannot list tenders")
}

/// A tender's items, by number.
pub async fn items(db: &Db, id: &str) -> Result<Vec<Item>> {
    let sql = "SELECT no, generic_name, dosage_form, specification, unit, quantity, ceiling_fen FROM tender_items \
               WHERE tender_id = $1 ORDER BY no";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await).context("cannot read the items")
}

/// A new signed version of a tender (publication or amendment).
#[derive(Debug, Clone)]
pub struct Version<'a> {
    /// The tender after the change.
    pub tender: &'a Tender,
    /// Its items after the change.
    pub items: &'a [Item],
    /// Why (empty for the first publication).
    pub note: &'a str,
    /// The signed document (canonical JSON).
    pub document: &'a str,
    /// Platform signature.
    pub signature: &'a [u8],
    /// Time-stamp token.
    pub timestamp: &'a [u8],
    /// When.
    pub now: &'a str,
}

/// Why [`publish_version`] recorded nothing.
#[derive(Debug, thiserror::Error)]
pub enum NotRecorded {
    /// Another amendment (or the publication) won the race.
    #[error("the tender changed meanwhile")]
    Changed,
    /// The published tender's deadline (RFC 3339) passed meanwhile.
    #[error("the deadline {0} passed meanwhile")]
    DeadlinePassed(String),
}

/// Records version `v.tender.version` if the tender is still at `from_version`
/// (so concurrent amendments cannot both win): updates the tender, replaces
/// the items, stores the signed document and invalidates active bids made
/// under an earlier version. Returns the number of invalidated bids, or why
/// nothing was recorded. A published tender's deadline is checked again
/// inside the transaction, with the audit head locked as bid intake and the
/// deadline manifest lock it, so no amendment lands after the bids froze.
pub async fn publish_version(
    db: &Db,
    from_version: i64,
    v: &Version<'_>,
) -> Result<Result<u64, NotRecorded>> {
    let t = v.tender;
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
        let current: Option<(String, String)> =
            sqlx::query_as("SELECT status, deadline FROM tenders WHERE id = $1").bind(&t.id)
                .fetch_optional(&mut *tx).await?;
        if let Some((status, deadline)) = current {
            let passed = time::OffsetDateTime::parse(&deadline, &time::format_description::well_known::Rfc3339)
                .map_or(true, |d| time::OffsetDateTime::now_utc() >= d);
            if status == "published" && passed {
                return Ok(Err(NotRecorded::DeadlinePassed(deadline)));
            }
        }
        let n = sqlx::query(
            "UPDATE tenders SET title = $3, announcement = $4, opens_at = $5, deadline = $6, opening_at = $7, \
             status = 'published', version = $8, published_at = COALESCE(published_at, $9) \
             WHERE id = $1 AND version = $2",
        )
        .bind(&t.id).bind(from_version).bind(&t.title).bind(&t.announcement).bind(&t.opens_at)
        .bind(&t.deadline).bind(&t.opening_at).bind(t.version).bind(v.now)
        .execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return Ok(Err(NotRecorded::Changed));
        }
        sqlx::query("DELETE FROM tender_items WHERE tender_id = $1").bind(&t.id).execute(&mut *tx).await?;
        insert_items!(tx, &t.id, v.items);
        sqlx::query(
            "INSERT INTO tender_versions (tender_id, version, note, document, signature, timestamp, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&t.id).bind(t.version).bind(v.note).bind(v.document).bind(v.signature).bind(v.timestamp)
        .bind(v.now).execute(&mut *tx).await?;
        let invalidated = sqlx::query(
            "UPDATE bids SET status = 'invalidated' WHERE tender_id = $1 AND status = 'active' AND tender_version < $2",
        )
        .bind(&t.id).bind(t.version).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok::<_, sqlx::Error>(Ok(invalidated))
    }.await)
    .context("cannot publish the tender")
}

/// The signed versions of a tender: (version, note, document, signature, timestamp, created_at).
pub async fn versions(db: &Db, id: &str) -> Result<Vec<(i64, String, String, Vec<u8>, Vec<u8>, String)>> {
    let sql = "SELECT version, note, document, signature, timestamp, created_at FROM tender_versions \
               WHERE tender_id = $1 ORDER BY version";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await).context("cannot read the versions")
}

/// Marks a tender opened (results published).
pub async fn mark_opened(db: &Db, id: &str) -> Result<()> {
    let sql = "UPDATE tenders SET status = 'opened' WHERE id = $1";
    with_pool!(db, p => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()))
        .context("cannot mark the tender")
}
