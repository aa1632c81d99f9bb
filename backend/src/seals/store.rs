//! The `seals` table.

use anyhow::{Context, Result};
use serde::Serialize;

use crate::db::Db;
use crate::with_pool;

/// A seal as stored (without its picture and DER, which have their own routes).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Seal {
    /// Id.
    pub id: i64,
    /// The organisation's credit code.
    pub org_uscc: String,
    /// The organisation's name.
    pub org_name: String,
    /// The seal's name, e.g. 某某公司合同专用章.
    pub name: String,
    /// `official`, `contract`, `finance` or `filing`.
    pub kind: String,
    /// Serial of the certificate the seal binds.
    pub holder_serial: String,
    /// Validity asked for, in days.
    pub valid_days: i64,
    /// `pending`, `rejected`, `active`, `suspended` or `revoked`.
    pub status: String,
    /// Why it was rejected, suspended or revoked.
    pub reason: Option<String>,
    /// The GB/T 38540 `esID`, once made.
    pub es_id: Option<String>,
    /// Who applied (certificate serial).
    pub applied_by: String,
    /// The operator who last decided.
    pub decided_by: Option<String>,
    /// Applied, RFC 3339.
    pub created_at: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

const COLUMNS: &str = "id, org_uscc, org_name, name, kind, holder_serial, valid_days, status, reason, es_id, \
    applied_by, decided_by, created_at, updated_at";

/// A new application.
#[derive(Debug, Clone)]
pub struct NewSeal<'a> {
    /// Organisation credit code.
    pub org_uscc: &'a str,
    /// Organisation name.
    pub org_name: &'a str,
    /// Seal name.
    pub name: &'a str,
    /// Seal kind.
    pub kind: &'a str,
    /// Holder certificate serial.
    pub holder_serial: &'a str,
    /// The picture (PNG) and its size in millimetres.
    pub picture: (&'a [u8], i64, i64),
    /// Validity in days.
    pub valid_days: i64,
    /// Applicant serial.
    pub applied_by: &'a str,
}

/// Stores a pending application; returns its id.
pub async fn insert(db: &Db, n: &NewSeal<'_>, now: &str) -> Result<i64> {
    let sql = "INSERT INTO seals (org_uscc, org_name, name, kind, holder_serial, picture, picture_w_mm, \
        picture_h_mm, valid_days, status, applied_by, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $11) RETURNING id";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(n.org_uscc).bind(n.org_name).bind(n.name).bind(n.kind)
        .bind(n.holder_serial).bind(n.picture.0).bind(n.picture.1).bind(n.picture.2).bind(n.valid_days)
        .bind(n.applied_by).bind(now).fetch_one(p).await)
    .context("cannot store the seal application")
}

/// One seal.
pub async fn get(db: &Db, id: i64) -> Result<Option<Seal>> {
    let sql = format!("SELECT {COLUMNS} FROM seals WHERE id = $1");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("cannot read the seal")
}

/// Seals of an organisation, or every seal.
pub async fn list(db: &Db, org: Option<&str>) -> Result<Vec<Seal>> {
    let sql = format!("SELECT {COLUMNS} FROM seals WHERE $1 IS NULL OR org_uscc = $1 ORDER BY id");
    with_pool!(db, p => sqlx::query_as(&sql).bind(org).fetch_all(p).await).context("cannot list the seals")
}

/// The picture: (PNG, width mm, height mm).
pub async fn picture(db: &Db, id: i64) -> Result<Option<(Vec<u8>, i64, i64)>> {
    let sql = "SELECT picture, picture_w_mm, picture_h_mm FROM seals WHERE id = $1";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)
        .context("cannot read the seal picture")
}

/// The made seal (DER), if any.
pub async fn der(db: &Db, id: i64) -> Result<Option<Vec<u8>>> {
    let sql = "SELECT der FROM seals WHERE id = $1";
    let row: Option<Option<Vec<u8>>> =
        with_pool!(db, p => sqlx::query_scalar(sql).bind(id).fetch_optional(p).await)
            .context("cannot read the seal")?;
    Ok(row.flatten())
}

/// Records the made seal if the application is still pending; false otherwise.
pub async fn approve(db: &Db, id: i64, es_id: &str, der: &[u8], by: &str, now: &str) -> Result<bool> {
    let sql = "UPDATE seals SET status = 'active', es_id = $2, der = $3, decided_by = $4, updated_at = $5 \
               WHERE id = $1 AND status = 'pending'";
    let n = with_pool!(db, p => sqlx::query(sql).bind(id).bind(es_id).bind(der).bind(by).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))
    .context("cannot approve the seal")?;
    Ok(n == 1)
}

/// Moves a seal from one of `from` to `to` with a reason; false if it was in none of them.
pub async fn transition(
    db: &Db,
    id: i64,
    from: &[&str],
    to: &str,
    reason: Option<&str>,
    by: &str,
    now: &str,
) -> Result<bool> {
    let list = from.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "UPDATE seals SET status = $2, reason = $3, decided_by = $4, updated_at = $5 \
         WHERE id = $1 AND status IN ({list})"
    );
    let n = with_pool!(db, p => sqlx::query(&sql).bind(id).bind(to).bind(reason).bind(by).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))
    .context("cannot change the seal")?;
    Ok(n == 1)
}
