//! Named counters (serial numbers) kept in the database, so every server
//! process sharing it draws from one sequence.

use anyhow::{Context, Result};

use super::Db;
use crate::with_pool;

/// The counter of RFC 3161 time-stamp serial numbers.
pub const TSA_SERIAL: &str = "tsa_serial";

/// Values of one counter handed out from blocks reserved in the database
/// [`BLOCK`] at a time, so a busy caller (bid receipts: one time-stamp serial
/// each) writes the database once per block instead of once per value.
///
/// Values stay unique across every process sharing the database (each block
/// is reserved by one atomic `UPDATE`), but not contiguous or ordered across
/// processes: the rest of a block is skipped when the process stops. That is
/// all RFC 3161 asks of a serial number (unique per TSA).
#[derive(Debug)]
pub struct Reserved {
    name: &'static str,
    /// The next value to hand out and the end of the block (exclusive).
    range: std::sync::Mutex<(u64, u64)>,
}

/// How many values [`Reserved`] reserves at a time.
pub const BLOCK: u64 = 64;

impl Reserved {
    /// Hands out values of counter `name`; nothing is reserved until the first call.
    pub fn new(name: &'static str) -> Self {
        Self { name, range: std::sync::Mutex::new((0, 0)) }
    }

    /// The next value: from the current block, or the first of a newly reserved one.
    pub async fn next(&self, db: &Db) -> Result<u64> {
        if let Some(v) = self.take()? {
            return Ok(v);
        }
        let end = advance(db, self.name, BLOCK).await?;
        let start = end + 1 - BLOCK;
        let mut range = self.lock()?;
        if range.0 >= range.1 {
            *range = (start + 1, end + 1);
        }
        Ok(start)
    }

    fn take(&self) -> Result<Option<u64>> {
        let mut range = self.lock()?;
        if range.0 < range.1 {
            range.0 += 1;
            return Ok(Some(range.0 - 1));
        }
        Ok(None)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, (u64, u64)>> {
        self.range.lock().map_err(|_| anyhow::anyhow!("the {} block is poisoned", self.name))
    }
}

/// Atomically increments counter `name` and returns the new value.
///
/// One `UPDATE … RETURNING` statement: the row lock (PostgreSQL) or the
/// write lock (SQLite) makes concurrent callers get distinct values.
pub async fn next(db: &Db, name: &str) -> Result<u64> {
    advance(db, name, 1).await
}

/// Atomically adds `n` to counter `name` and returns the new value (so
/// `value - n + 1 ..= value` are the caller's).
async fn advance(db: &Db, name: &str, n: u64) -> Result<u64> {
    let sql = "UPDATE counters SET value = value + $2 WHERE name = $1 RETURNING value";
    let n = i64::try_from(n).context("counter step out of range")?;
    let _gate = db.write_gate().await?;
    let v: i64 = with_pool!(db, p => sqlx::query_scalar(sql).bind(name).bind(n).fetch_one(p).await)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Two block holders (two server processes) and single draws (the CLI)
    /// on one database never hand out the same value.
    #[tokio::test]
    async fn reserved_blocks_and_single_draws_never_collide() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::connect(dir.path(), None).await.expect("an SQLite database");
        let (a, b) = (Reserved::new(TSA_SERIAL), Reserved::new(TSA_SERIAL));
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..(3 * BLOCK) {
            for v in [a.next(&db).await.unwrap(), b.next(&db).await.unwrap()] {
                assert!(seen.insert(v), "value {v} handed out twice (round {i})");
            }
            if i % 10 == 0 {
                let v = next(&db, TSA_SERIAL).await.unwrap();
                assert!(seen.insert(v), "single draw {v} collides with a reserved block");
            }
        }
        // Within one holder the values increase.
        let (x, y) = (a.next(&db).await.unwrap(), a.next(&db).await.unwrap());
        assert!(y > x, "{y} after {x}");
    }
}
