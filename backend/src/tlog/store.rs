//! The log's tables: entries' salts, complete nodes, checkpoints and
//! co-signatures (`migrations/*/0009_transparency_log.sql`).

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use sealbid_crypto::log::tree::{Frontier, Hash, ProofPlan, Sm3, root_from_nodes};
use sqlx::Row;

use crate::audit::Event;
use crate::db::Db;
use crate::with_pool;

/// Events brought into the log per transaction by [`backfill`].
const BACKFILL_PAGE: i64 = 2_000;
/// Most entries one read returns.
pub const MAX_ENTRIES: u64 = 1_000;

/// The tree's size and right edge as committed.
pub async fn head(db: &Db) -> Result<Frontier> {
    let sql = "SELECT log_size, frontier FROM audit_head WHERE id = 1";
    let (size, frontier): (i64, Vec<u8>) =
        with_pool!(db, p => sqlx::query_as(sql).fetch_one(p).await).context("cannot read the log head")?;
    Ok(Frontier::from_bytes(u64::try_from(size)?, &frontier)?)
}

/// Brings events recorded before the log existed into it (their salts
/// drawn now, or kept where an entry already has one), oldest first, a page per transaction under the audit head's
/// lock. Returns how many were brought in.
pub async fn backfill(db: &Db) -> Result<u64> {
    let mut done = 0u64;
    loop {
        let _gate = db.write_gate().await?;
        let n: u64 = with_pool!(db, p => async {
            let mut tx = p.begin().await?;
            let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, log_size, frontier")
                .fetch_one(&mut *tx).await?;
            let (seq, mut size): (i64, i64) = (head.try_get("seq")?, head.try_get("log_size")?);
            let mut frontier: Vec<u8> = head.try_get("frontier")?;
            if size >= seq {
                return anyhow::Ok(0);
            }
            let rows = sqlx::query(
                "SELECT e.seq, e.time, e.actor, e.action, e.subject, e.details, l.salt FROM audit_events e \
                 LEFT JOIN log_entries l ON l.seq = e.seq WHERE e.seq > $1 AND e.seq <= $2 ORDER BY e.seq",
            )
            .bind(size).bind(size + BACKFILL_PAGE).fetch_all(&mut *tx).await?;
            for r in &rows {
                let seq: i64 = r.try_get("seq")?;
                let (time, actor, action, subject, details): (String, String, String, String, String) = (
                    r.try_get("time")?, r.try_get("actor")?, r.try_get("action")?, r.try_get("subject")?,
                    r.try_get("details")?,
                );
                let kept: Option<String> = r.try_get("salt")?;
                let step = super::step_with(seq, size, &frontier, &time, &action, &actor, &subject, &details, kept.as_deref())?;
                if kept.is_none() {
                    sqlx::query("INSERT INTO log_entries (seq, salt) VALUES ($1, $2)")
                        .bind(seq).bind(&step.salt).execute(&mut *tx).await?;
                }
                let sql = super::insert_nodes_sql(step.nodes.len());
                let mut q = sqlx::query(&sql);
                for (id, h) in &step.nodes {
                    q = q.bind(*id).bind(h.as_slice());
                }
                q.execute(&mut *tx).await?;
                size = seq;
                frontier = step.frontier;
            }
            if rows.is_empty() {
                bail!("the audit trail has no event {} though its head is at {seq}", size + 1);
            }
            sqlx::query("UPDATE audit_head SET log_size = $1, frontier = $2 WHERE id = 1")
                .bind(size).bind(&frontier).execute(&mut *tx).await?;
            tx.commit().await?;
            anyhow::Ok(rows.len() as u64)
        }.await)
        .context("cannot bring the audit trail into the log")?;
        if n == 0 {
            return Ok(done);
        }
        done += n;
    }
}

/// The stored nodes among `ids`.
pub async fn nodes(db: &Db, ids: &[u64]) -> Result<HashMap<u64, Hash>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Integers of our own making: safe to write into the statement.
    let list = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!("SELECT node, hash FROM log_nodes WHERE node IN ({list})");
    let rows: Vec<(i64, Vec<u8>)> = with_pool!(db, p => sqlx::query_as(&sql).fetch_all(p).await)
        .context("cannot read the log's nodes")?;
    rows.into_iter()
        .map(|(id, h)| {
            let h: Hash = h.try_into().map_err(|_| anyhow::anyhow!("log node {id} is not 32 bytes"))?;
            Ok((u64::try_from(id)?, h))
        })
        .collect()
}

/// The digests of `plan`, from the stored nodes.
pub async fn prove(db: &Db, plan: &ProofPlan) -> Result<Vec<Hash>> {
    let nodes = nodes(db, &plan.node_ids()).await?;
    Ok(plan.assemble::<Sm3>(&nodes)?)
}

/// The root of the tree of its first `size` leaves, from the stored nodes.
pub async fn root_at(db: &Db, size: u64) -> Result<Hash> {
    let ids = sealbid_crypto::log::tree::cover(0, size);
    Ok(root_from_nodes::<Sm3>(size, &nodes(db, &ids).await?)?)
}

/// Events `[start, end)` of the log (leaf indices) with their salts; an
/// event without a salt (the log does not hold it) ends the list there.
pub async fn entries(db: &Db, start: u64, end: u64) -> Result<Vec<(Event, String)>> {
    let (a, b) = (i64::try_from(start)?, i64::try_from(end)?);
    let events = crate::audit::chain::read_after(db, a, b - a).await?;
    let sql = "SELECT seq, salt FROM log_entries WHERE seq > $1 AND seq <= $2 ORDER BY seq";
    let salts: HashMap<i64, String> =
        with_pool!(db, p => sqlx::query_as::<_, (i64, String)>(sql).bind(a).bind(b).fetch_all(p).await)
            .context("cannot read the log's entries")?
            .into_iter()
            .collect();
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let Some(salt) = salts.get(&e.seq) else { break };
        let salt = salt.clone();
        out.push((e, salt));
    }
    Ok(out)
}

/// The log index of the first event `action` on `subject`.
pub async fn find(db: &Db, action: &str, subject: &str) -> Result<Option<u64>> {
    let sql = "SELECT MIN(seq) FROM audit_events WHERE action = $1 AND subject = $2";
    let seq: Option<i64> =
        with_pool!(db, p => sqlx::query_scalar(sql).bind(action).bind(subject).fetch_one(p).await)
            .context("cannot look up the event")?;
    seq.map(|s| u64::try_from(s - 1)).transpose().map_err(Into::into)
}

/// A stored checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Tree size.
    pub size: u64,
    /// The log's signed note (without co-signatures).
    pub note: String,
    /// RFC 3161 token over the log's signature.
    pub timestamp: Vec<u8>,
    /// When it was signed, RFC 3339.
    pub time: String,
}

fn checkpoint_of(r: (i64, String, Vec<u8>, String)) -> Result<StoredCheckpoint> {
    Ok(StoredCheckpoint { size: u64::try_from(r.0)?, note: r.1, timestamp: r.2, time: r.3 })
}

/// The newest checkpoint.
pub async fn latest(db: &Db) -> Result<Option<StoredCheckpoint>> {
    let sql = "SELECT size, note, timestamp, time FROM log_checkpoints ORDER BY size DESC LIMIT 1";
    let row = with_pool!(db, p => sqlx::query_as(sql).fetch_optional(p).await)
        .context("cannot read checkpoints")?;
    row.map(checkpoint_of).transpose()
}

/// The smallest checkpoint of at least `size` leaves.
pub async fn covering(db: &Db, size: u64) -> Result<Option<StoredCheckpoint>> {
    let sql =
        "SELECT size, note, timestamp, time FROM log_checkpoints WHERE size >= $1 ORDER BY size LIMIT 1";
    let row = with_pool!(db, p => sqlx::query_as(sql).bind(i64::try_from(size)?).fetch_optional(p).await)
        .context("cannot read checkpoints")?;
    row.map(checkpoint_of).transpose()
}

/// Stores a checkpoint unless one of its size exists (another server
/// process signed it first); returns the stored one.
pub async fn insert(db: &Db, cp: &StoredCheckpoint, root: &Hash) -> Result<StoredCheckpoint> {
    let size = i64::try_from(cp.size)?;
    {
        let _gate = db.write_gate().await?;
        let sql = "INSERT INTO log_checkpoints (size, root, time, note, timestamp) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (size) DO NOTHING";
        with_pool!(db, p => sqlx::query(sql).bind(size).bind(root.as_slice()).bind(&cp.time).bind(&cp.note)
            .bind(&cp.timestamp).execute(p).await.map(|_| ()))
        .context("cannot store the checkpoint")?;
    }
    covering(db, cp.size).await?.filter(|c| c.size == cp.size).context("the checkpoint was not stored")
}

/// The co-signature lines on the checkpoint of `size`.
pub async fn cosignatures(db: &Db, size: u64) -> Result<Vec<String>> {
    let sql = "SELECT line FROM log_cosignatures WHERE size = $1 ORDER BY witness";
    let lines = with_pool!(db, p => sqlx::query_scalar(sql).bind(i64::try_from(size)?).fetch_all(p).await)
        .context("cannot read co-signatures")?;
    Ok(lines)
}

/// Records (or replaces) `witness`'s co-signature line on the checkpoint of `size`.
pub async fn add_cosignature(db: &Db, size: u64, witness: &str, line: &str, at: &str) -> Result<()> {
    let _gate = db.write_gate().await?;
    let sql = "INSERT INTO log_cosignatures (size, witness, line, signed_at) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line, signed_at = excluded.signed_at";
    with_pool!(db, p => sqlx::query(sql).bind(i64::try_from(size)?).bind(witness).bind(line).bind(at)
        .execute(p).await.map(|_| ()))
    .context("cannot store the co-signature")?;
    Ok(())
}
