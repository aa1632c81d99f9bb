//! An entry with the proof that the log holds it: what a bidder keeps with
//! its receipt, and what results carry, checkable by anyone offline with
//! the log's verifier key.

use serde::{Deserialize, Serialize};

use super::checkpoint::{Checkpoint, LogVerifier, SignedNote};
use super::entry::{EntryContent, LogEntry};
use super::tree::{Hash, Sm3, verify_inclusion};
use crate::{Error, Result};

/// An entry, its content, a checkpoint and the inclusion proof between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionBundle {
    /// The entry.
    pub entry: LogEntry,
    /// What it commits to.
    pub content: EntryContent,
    /// The signed checkpoint (note text) the proof leads to.
    pub checkpoint: String,
    /// The RFC 9162 audit path, hex digests.
    pub proof: Vec<String>,
}

impl InclusionBundle {
    /// Checks the checkpoint's log signature, the content against the
    /// entry's commitment and the entry's inclusion in the checkpoint's
    /// tree. Returns the checkpoint.
    pub fn verify(&self, log: &LogVerifier) -> Result<Checkpoint> {
        let note = SignedNote::parse(&self.checkpoint)?;
        let cp = note.verify(log)?.clone();
        self.entry.check_content(&self.content)?;
        let proof = self
            .proof
            .iter()
            .map(|p| hex::decode(p).ok().and_then(|b| Hash::try_from(b).ok()))
            .collect::<Option<Vec<Hash>>>()
            .ok_or_else(|| Error::malformed("inclusion proof", "a digest is not 32 bytes of hex"))?;
        verify_inclusion::<Sm3>(&cp.root, cp.size, &self.entry.leaf()?, self.entry.index, &proof).map_err(
            |e| {
                Error::InvalidParameter(format!(
                    "log entry {} is not in the checkpoint of size {} it names: {e}",
                    self.entry.index, cp.size
                ))
            },
        )?;
        Ok(cp)
    }
}
