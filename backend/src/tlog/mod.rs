//! The transparency log: the audit trail as one append-only RFC 9162 Merkle
//! tree (SM3), whose signed, time-stamped heads (checkpoints) anyone can
//! hold the platform to.
//!
//! Every audit event is a leaf ([`sealbid_crypto::log::entry`]): the event
//! with sequence number `seq` is leaf `seq − 1`, appended in the same
//! transaction as the event, under the audit head's lock
//! ([`crate::audit::chain`]), so the tree has one order whatever the number
//! of server processes. Appending stores the new complete subtrees
//! ([`sealbid_crypto::log::tree`]) and the tree's right edge in the head.
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /api/v1/log/checkpoint` | anyone | `{note, size, root, time, timestamp, log_key}` — the newest checkpoint with its co-signatures |
//! | `GET /api/v1/log/entries?start=&end=` | anyone | `{entries: [{index, time, action, commitment, content?}]}`, at most 1,000 |
//! | `GET /api/v1/log/proof/inclusion?index=&size=` | anyone | `{index, size, proof: [hex]}` |
//! | `GET /api/v1/log/proof/consistency?from=&to=` | anyone | `{from, to, proof: [hex]}` |
//! | `POST /api/v1/log/cosignatures` | regulator | `{note}`: the newest checkpoint with the regulator's co-signature line |
//! | `GET /api/v1/bids/{id}/log` | the bidder | its bid's [`sealbid_crypto::log::InclusionBundle`] |
//!
//! An entry's content (actor, subject, details, salt) is shown unless it is
//! a bid event of a tender whose results are not yet published
//! ([`crate::audit::privacy`]): then only its commitment is, and its leaf
//! still verifies.
//!
//! The log signs with a key of its own (`ca/log.key`, encrypted with the CA
//! password; its verifier key is `ca/log.vkey` and `/pki/log`). A background
//! task signs a checkpoint whenever the tree has grown, every
//! [`CHECKPOINT_EVERY`]; a bundle asked for before that is signed at once.

pub mod check;
pub mod routes;
pub mod signer;
pub mod store;

use anyhow::{Result, bail};
use sealbid_crypto::log::tree::{Frontier, Sm3};
use sealbid_crypto::log::{EntryContent, LogEntry};

pub use routes::router;
pub use signer::{CHECKPOINT_EVERY, LogSigner};

/// What appending one event to the tree writes.
#[derive(Debug, Clone)]
pub struct Step {
    /// The new entry's salt, hex.
    pub salt: String,
    /// New complete nodes, `(id, hash)`.
    pub nodes: Vec<(i64, Vec<u8>)>,
    /// The tree's new right edge.
    pub frontier: Vec<u8>,
}

/// The entry of an event and its content, given its salt.
pub fn entry_of(
    seq: i64,
    time: &str,
    action: &str,
    actor: &str,
    subject: &str,
    details: &str,
    salt: &str,
) -> Result<(LogEntry, EntryContent)> {
    let content = EntryContent {
        actor: actor.into(),
        subject: subject.into(),
        details: details.into(),
        salt: salt.into(),
    };
    let index = u64::try_from(seq - 1).map_err(|_| anyhow::anyhow!("audit seq {seq} is not positive"))?;
    Ok((LogEntry::new(index, time, action, &content)?, content))
}

/// Appends the event `seq` to the tree of `log_size` leaves with right edge
/// `frontier`; refuses unless it is the next leaf.
#[allow(clippy::too_many_arguments)]
pub fn step(
    seq: i64,
    log_size: i64,
    frontier: &[u8],
    time: &str,
    action: &str,
    actor: &str,
    subject: &str,
    details: &str,
) -> Result<Step> {
    step_with(seq, log_size, frontier, time, action, actor, subject, details, None)
}

/// [`step`] with the entry's salt given (`None`: a fresh one).
#[allow(clippy::too_many_arguments)]
pub fn step_with(
    seq: i64,
    log_size: i64,
    frontier: &[u8],
    time: &str,
    action: &str,
    actor: &str,
    subject: &str,
    details: &str,
    salt: Option<&str>,
) -> Result<Step> {
    if log_size != seq - 1 {
        bail!(
            "the log holds {log_size} events but the audit trail is at {}: restart the server to bring them in",
            seq - 1
        );
    }
    let salt = match salt {
        Some(s) => s.to_owned(),
        None => hex::encode(sealbid_crypto::rng::bytes::<16>()?),
    };
    let (entry, _) = entry_of(seq, time, action, actor, subject, details, &salt)?;
    let mut tree = Frontier::from_bytes(u64::try_from(log_size)?, frontier)?;
    let nodes = tree
        .push::<Sm3>(entry.leaf_hash()?)?
        .into_iter()
        .map(|(id, h)| Ok((i64::try_from(id)?, h.to_vec())))
        .collect::<Result<Vec<_>>>()?;
    Ok(Step { salt, nodes, frontier: tree.to_bytes() })
}

/// The whole append as one query (one round trip while the audit head is
/// locked): `event_sql` (binds `$1`–`$8`: seq, time, actor, action, subject,
/// details, prev hash, hash), the salt (`$9`), `n` nodes (`$11`, `$12`, …)
/// and the head's update (hash, size = seq, right edge `$10`). On
/// PostgreSQL one statement with data-modifying CTEs; on SQLite the four
/// statements in one query string (sqlx runs them in turn, each binding the
/// numbered parameters it names).
pub fn append_sql(event_sql: &str, n: usize, postgres: bool) -> String {
    let rows: Vec<String> = (0..n).map(|i| format!("(${}, ${})", 2 * i + 11, 2 * i + 12)).collect();
    let nodes =
        (!rows.is_empty()).then(|| format!("INSERT INTO log_nodes (node, hash) VALUES {}", rows.join(", ")));
    let salt = "INSERT INTO log_entries (seq, salt) VALUES ($1, $9)";
    let head = "UPDATE audit_head SET hash = $8, log_size = $1, frontier = $10 WHERE id = 1";
    if postgres {
        let nodes = nodes.map(|n| format!(", n AS ({n})")).unwrap_or_default();
        format!("WITH e AS ({event_sql}), l AS ({salt}){nodes} {head}")
    } else {
        let nodes = nodes.map(|n| format!("{n}; ")).unwrap_or_default();
        format!("{event_sql}; {salt}; {nodes}{head}")
    }
}

/// `INSERT INTO log_nodes` of `n` rows, binds `$1, $2, …` as (node, hash) pairs.
pub fn insert_nodes_sql(n: usize) -> String {
    let rows: Vec<String> = (0..n).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
    format!("INSERT INTO log_nodes (node, hash) VALUES {}", rows.join(", "))
}
