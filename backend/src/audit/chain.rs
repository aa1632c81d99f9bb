//! Appending to and verifying the audit hash chain.

use anyhow::{Context, Result};
use sealbid_crypto::hash::Sm3Hasher;
use serde::Serialize;
use sqlx::Row;

use crate::db::Db;
use crate::with_pool;

/// Domain tag at the start of every hashed row.
const TAG: &[u8] = b"sealbid-audit-v1";
/// How many rows [`verify`] reads per query.
const PAGE: i64 = 1000;

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Who acted: a certificate serial, `"system"`, or a client address.
    pub actor: String,
    /// What happened, dotted: `server.start`, `tsa.stamp`, ….
    pub action: String,
    /// What it happened to (a serial, an id); may be empty.
    pub subject: String,
    /// Further facts, as JSON (stored in canonical form: sorted keys, no spaces).
    pub details: serde_json::Value,
}

impl NewEvent {
    /// An event of `actor` doing `action` to `subject`.
    pub fn new(actor: &str, action: &str, subject: impl Into<String>, details: serde_json::Value) -> Self {
        Self { actor: actor.to_string(), action: action.to_string(), subject: subject.into(), details }
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Position in the chain, from 1 without gaps.
    pub seq: i64,
    /// When it was recorded, RFC 3339 UTC.
    pub time: String,
    /// Who acted.
    pub actor: String,
    /// What happened.
    pub action: String,
    /// What it happened to.
    pub subject: String,
    /// Further facts, canonical JSON text.
    pub details: String,
    /// Hash of the previous event (hex; zeros for the first).
    pub prev_hash: String,
    /// This event's hash (hex).
    pub hash: String,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds; `count` events.
    Intact {
        /// Number of events checked.
        count: u64,
    },
    /// The first broken link.
    Broken {
        /// Sequence number of the first event that does not fit the chain.
        seq: i64,
        /// What is wrong with it.
        reason: String,
    },
}

/// The hash of the event before the first.
pub fn genesis_hash() -> String {
    hex::encode([0u8; 32])
}

/// `SM3(prev_hash ‖ canonical row bytes)`, hex; `None` if `prev_hash` is not 32 bytes of hex.
pub fn row_hash(
    prev_hash: &str,
    seq: i64,
    time: &str,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
) -> Option<String> {
    let prev = hex::decode(prev_hash).ok().filter(|p| p.len() == 32)?;
    let mut h = Sm3Hasher::new();
    h.update(&prev);
    h.update(TAG);
    h.update(&seq.to_be_bytes());
    for field in [time, actor, action, subject, details] {
        h.update(&u32::try_from(field.len()).ok()?.to_be_bytes());
        h.update(field.as_bytes());
    }
    Some(hex::encode(h.finalize()))
}

/// The audit head as [`lock_head!`] took it: the new event's `seq` and what
/// it links to.
#[derive(Debug)]
pub struct Head {
    /// The sequence number of the event about to be appended.
    pub seq: i64,
    /// The hash of the event before it.
    pub prev_hash: String,
    /// Entries in the transparency log before it.
    pub log_size: i64,
    /// The log tree's right edge before it.
    pub frontier: Vec<u8>,
}

impl Head {
    /// The log index the event appended at this head gets.
    pub fn log_index(&self) -> i64 {
        self.seq - 1
    }
}

/// Whether a transaction is PostgreSQL's (one round trip matters there).
pub fn is_postgres<DB: sqlx::Database>(_: &sqlx::Transaction<'_, DB>) -> bool {
    DB::NAME == "PostgreSQL"
}

/// Takes (and so locks) the audit head inside the open transaction `$tx` of
/// either engine, for an event to be appended with [`append_at!`] before the
/// commit. Evaluates to `anyhow::Result<Head>`. On PostgreSQL that is the
/// head row's lock until commit; on SQLite the database write lock. A
/// transaction takes the head once, as late as it can: appends are
/// serialised through it.
macro_rules! lock_head {
    ($tx:expr) => {
        async {
            use sqlx::Row as _;
            let head = sqlx::query(
                "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, log_size, frontier",
            )
            .fetch_one(&mut *$tx)
            .await?;
            anyhow::Ok($crate::audit::chain::Head {
                seq: head.try_get("seq")?,
                prev_hash: head.try_get("hash")?,
                log_size: head.try_get("log_size")?,
                frontier: head.try_get("frontier")?,
            })
        }
        .await
    };
}
pub(crate) use lock_head;

/// Appends `$ev` (a [`NewEvent`]) at `$head` (from [`lock_head!`] in the
/// same transaction `$tx`): the chained event, its log salt, the tree's new
/// nodes and the head — one query ([`crate::tlog::append_sql`]). Evaluates to
/// `anyhow::Result<Event>`.
macro_rules! append_at {
    ($tx:expr, $head:expr, $ev:expr) => {
        async {
            let ev: $crate::audit::NewEvent = $ev;
            let head: $crate::audit::chain::Head = $head;
            let details = serde_json::to_string(&ev.details)?;
            let (seq, prev_hash) = (head.seq, head.prev_hash);
            let time = $crate::authority::rfc3339(time::OffsetDateTime::now_utc());
            let Some(hash) = $crate::audit::chain::row_hash(
                &prev_hash,
                seq,
                &time,
                &ev.actor,
                &ev.action,
                &ev.subject,
                &details,
            ) else {
                anyhow::bail!("the audit head holds a malformed hash");
            };
            let step = $crate::tlog::step(
                seq,
                head.log_size,
                &head.frontier,
                &time,
                &ev.action,
                &ev.actor,
                &ev.subject,
                &details,
            )?;
            let event_sql = "INSERT INTO audit_events (seq, time, actor, action, subject, details, prev_hash, hash) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
            let sql = $crate::tlog::append_sql(event_sql, step.nodes.len(), $crate::audit::chain::is_postgres(&$tx));
            let mut q = sqlx::query(&sql)
                .bind(seq)
                .bind(&time)
                .bind(&ev.actor)
                .bind(&ev.action)
                .bind(&ev.subject)
                .bind(&details)
                .bind(&prev_hash)
                .bind(&hash)
                .bind(&step.salt)
                .bind(&step.frontier);
            for (id, h) in &step.nodes {
                q = q.bind(*id).bind(h.as_slice());
            }
            q.execute(&mut *$tx).await?;
            anyhow::Ok($crate::audit::Event {
                seq,
                time,
                actor: ev.actor,
                action: ev.action,
                subject: ev.subject,
                details,
                prev_hash,
                hash,
            })
        }
        .await
    };
}
pub(crate) use append_at;

/// Appends `$ev` (a [`NewEvent`]) inside the open transaction `$tx` of
/// either engine, so an event commits with the change it records or not at
/// all: [`lock_head!`] then [`append_at!`]. Evaluates to
/// `anyhow::Result<Event>`. Take the audit head last in a transaction.
macro_rules! append_in {
    ($tx:expr, $ev:expr) => {
        async {
            let head = $crate::audit::chain::lock_head!($tx)?;
            $crate::audit::chain::append_at!($tx, head, $ev)
        }
        .await
    };
}
pub(crate) use append_in;

/// Appends one event and returns it as stored.
///
/// The transaction's first statement increments the one-row `audit_head`:
/// on PostgreSQL that takes the row lock until commit (a concurrent appender
/// waits, then re-reads the committed head); on SQLite it takes the database
/// write lock at once (no read-then-upgrade, so no busy-snapshot failures).
/// Either way appends are serialised and each links to the one before.
pub async fn append(db: &Db, ev: NewEvent) -> Result<Event> {
    let _gate = db.write_gate().await?;
    let stored = with_pool!(db, p => {
        let mut tx = p.begin().await?;
        let event = append_in!(tx, ev)?;
        tx.commit().await?;
        event
    });
    Ok(stored)
}

/// Events with `seq > after`, oldest first, at most `limit`.
pub async fn read_after(db: &Db, after: i64, limit: i64) -> Result<Vec<Event>> {
    read_filtered(db, after, "", "", "", "", "", limit).await
}

/// Events with `seq > after` whose action starts with `action_prefix` and, where
/// the argument is not empty, whose actor and subject equal `actor` and
/// `subject` and whose time is in `[from, to)` (RFC 3339 UTC text; compared to
/// the second). Oldest first, at most `limit`.
#[allow(clippy::too_many_arguments)]
pub async fn read_filtered(
    db: &Db,
    after: i64,
    action_prefix: &str,
    actor: &str,
    subject: &str,
    from: &str,
    to: &str,
    limit: i64,
) -> Result<Vec<Event>> {
    let sql = "SELECT seq, time, actor, action, subject, details, prev_hash, hash FROM audit_events \
               WHERE seq > $1 AND action LIKE $2 AND ($3 = '' OR actor = $3) AND ($4 = '' OR subject = $4) \
               AND ($5 = '' OR time >= $5) AND ($6 = '' OR time < $6) ORDER BY seq LIMIT $7";
    let pattern = format!("{action_prefix}%");
    let rows = with_pool!(db, p => {
        let rows = sqlx::query(sql)
            .bind(after).bind(&pattern).bind(actor).bind(subject).bind(from).bind(to).bind(limit)
            .fetch_all(p).await?;
        rows.iter().map(|r| -> Result<Event, sqlx::Error> {
            Ok(Event {
                seq: r.try_get("seq")?,
                time: r.try_get("time")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                details: r.try_get("details")?,
                prev_hash: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
            })
        }).collect::<Result<Vec<_>, _>>()?
    });
    Ok(rows)
}

/// Checks the whole chain: consecutive sequence numbers from 1, each
/// `prev_hash` equal to the previous `hash`, each `hash` recomputed from the
/// row, and the head matching the newest event (so removing the newest
/// events is noticed too).
pub async fn verify(db: &Db) -> Result<Verdict> {
    let mut last_seq = 0i64;
    let mut last_hash = genesis_hash();
    loop {
        let page = read_after(db, last_seq, PAGE).await.context("cannot read the audit trail")?;
        if page.is_empty() {
            break;
        }
        for e in page {
            if let Some(reason) = check_link(&e, last_seq, &last_hash) {
                return Ok(Verdict::Broken { seq: e.seq, reason });
            }
            last_seq = e.seq;
            last_hash = e.hash;
        }
    }
    let sql = "SELECT seq, hash FROM audit_head WHERE id = 1";
    let (head_seq, head_hash): (i64, String) =
        with_pool!(db, p => sqlx::query_as(sql).fetch_one(p).await).context("cannot read the audit head")?;
    if head_seq != last_seq || head_hash != last_hash {
        return Ok(Verdict::Broken {
            seq: last_seq + 1,
            reason: format!(
                "the chain ends at seq {last_seq} but its head records seq {head_seq}: events were removed"
            ),
        });
    }
    Ok(Verdict::Intact { count: u64::try_from(last_seq).unwrap_or(0) })
}

fn check_link(e: &Event, last_seq: i64, last_hash: &str) -> Option<String> {
    if e.seq != last_seq + 1 {
        return Some(format!("expected seq {} next, found seq {}: events are missing", last_seq + 1, e.seq));
    }
    if e.prev_hash != last_hash {
        return Some("prev_hash does not match the previous event's hash".into());
    }
    match row_hash(&e.prev_hash, e.seq, &e.time, &e.actor, &e.action, &e.subject, &e.details) {
        Some(h) if h == e.hash => None,
        _ => Some("the stored hash does not match the event's contents: the row was changed".into()),
    }
}

/// Appends an event built from its parts (the common case for handlers).
pub async fn record(
    db: &Db,
    actor: &str,
    action: &str,
    subject: impl Into<String>,
    details: serde_json::Value,
) -> Result<()> {
    append(db, NewEvent::new(actor, action, subject, details)).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_bound_into_the_hash() {
        let base = row_hash(&genesis_hash(), 1, "t", "a", "x", "s", "{}").unwrap();
        let variants = [
            row_hash(&genesis_hash(), 2, "t", "a", "x", "s", "{}"),
            row_hash(&genesis_hash(), 1, "u", "a", "x", "s", "{}"),
            row_hash(&genesis_hash(), 1, "t", "b", "x", "s", "{}"),
            row_hash(&genesis_hash(), 1, "t", "a", "y", "s", "{}"),
            row_hash(&genesis_hash(), 1, "t", "a", "x", "r", "{}"),
            row_hash(&genesis_hash(), 1, "t", "a", "x", "s", "[]"),
            row_hash(&hex::encode([1u8; 32]), 1, "t", "a", "x", "s", "{}"),
            // Moving bytes between fields changes the hash (length prefixes).
            row_hash(&genesis_hash(), 1, "t", "ax", "", "s", "{}"),
        ];
        for v in variants {
            assert_ne!(v.unwrap(), base);
        }
        assert!(row_hash("zz", 1, "t", "a", "x", "s", "{}").is_none());
    }
}
