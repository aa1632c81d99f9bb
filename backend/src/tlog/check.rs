//! The offline check of the log against the database (`sealbid audit verify`).

use anyhow::{Context, Result};
use sealbid_crypto::log::tree::{Frontier, Sm3};
use sealbid_crypto::log::{LogVerifier, SignedNote};

use super::store;
use crate::db::Db;
use crate::with_pool;

/// Leaves replayed per read.
const PAGE: u64 = 2_000;

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogVerdict {
    /// Every leaf, node and checkpoint holds.
    Intact {
        /// Leaves checked.
        size: u64,
        /// Checkpoints checked.
        checkpoints: usize,
    },
    /// The first thing that does not hold.
    Broken {
        /// The leaf index (or tree size) where it shows.
        index: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Rebuilds the tree from the events and their salts and checks it against
/// every stored node, every checkpoint (root, and the log's signature when
/// `verifier` is given) and the head.
pub async fn check(db: &Db, verifier: Option<&LogVerifier>) -> Result<LogVerdict> {
    let sql = "SELECT size, note FROM log_checkpoints ORDER BY size";
    let checkpoints: Vec<(i64, String)> =
        with_pool!(db, p => sqlx::query_as(sql).fetch_all(p).await).context("cannot read the checkpoints")?;
    let head = store::head(db).await?;
    let mut tree = Frontier::default();
    let mut next_cp = checkpoints.iter().peekable();
    let broken = |index: u64, reason: String| Ok(LogVerdict::Broken { index, reason });
    loop {
        let start = tree.size();
        let rows = store::entries(db, start, start + PAGE).await?;
        let mut produced = Vec::new();
        for (e, salt) in &rows {
            let index = tree.size();
            if e.seq != i64::try_from(index)? + 1 {
                return broken(index, format!("the log has no entry for audit event {}", index + 1));
            }
            let (entry, _) =
                super::entry_of(e.seq, &e.time, &e.action, &e.actor, &e.subject, &e.details, salt)?;
            produced.extend(tree.push::<Sm3>(entry.leaf_hash()?)?.into_iter().map(|n| (index, n)));
            while let Some((size, note)) = next_cp.peek() {
                if u64::try_from(*size)? != tree.size() {
                    break;
                }
                let note =
                    SignedNote::parse(note).with_context(|| format!("checkpoint {size} is damaged"))?;
                if note.checkpoint.root != tree.root::<Sm3>() {
                    return broken(
                        tree.size(),
                        format!("the checkpoint of size {size} has another root than the events"),
                    );
                }
                if let Some(v) = verifier
                    && let Err(e) = note.verify(v)
                {
                    return broken(tree.size(), format!("checkpoint {size}: {e}"));
                }
                next_cp.next();
            }
        }
        let ids: Vec<u64> = produced.iter().map(|(_, (id, _))| *id).collect();
        let stored = store::nodes(db, &ids).await?;
        for (index, (id, hash)) in &produced {
            if stored.get(id) != Some(hash) {
                return broken(
                    *index,
                    format!("stored node {id} does not match the events: the tree was changed"),
                );
            }
        }
        if (rows.len() as u64) < PAGE {
            break;
        }
    }
    if let Some((size, _)) = next_cp.next() {
        return broken(
            tree.size(),
            format!("a checkpoint of size {size} is larger than the log's {} events", tree.size()),
        );
    }
    if head != tree {
        return broken(
            tree.size(),
            format!(
                "the log head records {} entries and another right edge than the events' {}",
                head.size(),
                tree.size()
            ),
        );
    }
    Ok(LogVerdict::Intact { size: tree.size(), checkpoints: checkpoints.len() })
}
