//! Named counters (serial numbers) kept in the database, so every server
//! process sharing it draws from one sequence.

use anyhow::{Context, Result};

use super::Db;
use crate::with_pool;

/// The counter of RFC 3161 time-stamp serial numbers.
pub const TSA_SERIAL: &str = "tsa_serial";

/// Atomically increments counter `name` and returns the new value.
///
/// One `UPDATE … RETURNING` statement: the row lock (PostgreSQL) or the
/// write lock (SQLite) makes concurrent callers get distinct values.
pub async fn next(db: &Db, name: &str) -> Result<u64> {
    let sql = "UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value";
    let _gate = db.write_gate().await?;
    let v: i64 = with_pool!(db, p => sqlx::query_scalar(sql).bind(name).fetch_one(p).await)
        .with_context(|| format!("cannot advance the counter {name}"))?;
    u64::try_from(v).with_context(|| format!("counter {name} is negative"))
}

/// Raises counter `name` to at least `floor` (never lowers it).
pub async fn raise_to(db: &Db, name: &str, floor: u64) -> Result<()> {
    let floor = i64::try_from(floor).context("counter floor out of range")?;
    let sql = "UPDATE counters SET value = $2 WHERE name = $1 AND value < $2";
    let _gate = db.write_gate().await?;
    with_pool!(db, p => sqlx::query(sql).bind(name).bind(floor).execute(p).await.map(|_| ()))
        .with_context(|| format!("cannot raise the counter {name}"))?;
    Ok(())
}
