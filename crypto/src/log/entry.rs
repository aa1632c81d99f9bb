//! What a log leaf is.
//!
//! ```text
//! leaf       = "sealbid/log-entry/v1" 0x00 ‖ index (u64 BE) ‖ str(time) ‖ str(action) ‖ commitment
//! commitment = SM3("sealbid/log-content/v1" 0x00 ‖ salt (16) ‖ str(actor) ‖ str(subject) ‖ str(details))
//! str(s)     = len(s) (u32 BE) ‖ UTF-8 bytes of s
//! ```
//!
//! The leaf shows when what kind of thing happened; who did it to what is
//! behind a salted commitment, revealed by publishing the content and its
//! salt. A bid's entry is therefore in the tree (and its receipt provable)
//! from the moment it is accepted, while who bid stays hidden until the
//! results are out; the 16 random bytes of salt keep the few candidate
//! bidders from being tried against the commitment.

use serde::{Deserialize, Serialize};

use super::tree::{Hash, Sm3, leaf_hash};
use crate::hash::Sm3Hasher;
use crate::{Error, Result, Sm3Digest};

const LEAF_TAG: &[u8] = b"sealbid/log-entry/v1\0";
const CONTENT_TAG: &[u8] = b"sealbid/log-content/v1\0";
/// Bytes of salt in every commitment.
pub const SALT_LEN: usize = 16;

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Fields are bounded far below 4 GiB by every caller (request limits).
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The confidential part of an entry: who did it, to what, with which facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryContent {
    /// Who acted (a certificate serial, `system`, …).
    pub actor: String,
    /// What it happened to.
    pub subject: String,
    /// Further facts, canonical JSON text.
    pub details: String,
    /// The commitment's salt, hex.
    pub salt: String,
}

impl EntryContent {
    /// The salted SM3 commitment to this content; refuses a salt that is not 16 bytes of hex.
    pub fn commitment(&self) -> Result<Sm3Digest> {
        let salt = hex::decode(&self.salt)
            .ok()
            .filter(|s| s.len() == SALT_LEN)
            .ok_or_else(|| Error::malformed("log entry", "the salt is not 16 bytes of hex"))?;
        let mut buf = Vec::with_capacity(64 + self.actor.len() + self.subject.len() + self.details.len());
        buf.extend_from_slice(CONTENT_TAG);
        buf.extend_from_slice(&salt);
        put_str(&mut buf, &self.actor);
        put_str(&mut buf, &self.subject);
        put_str(&mut buf, &self.details);
        let mut h = Sm3Hasher::new();
        h.update(&buf);
        Ok(h.finalize())
    }
}

/// A log entry as the tree sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Leaf index, from 0 (the audit event's sequence number minus one).
    pub index: u64,
    /// When it was recorded, RFC 3339 UTC.
    pub time: String,
    /// What happened (`bid.received`, …).
    pub action: String,
    /// [`EntryContent::commitment`], hex.
    pub commitment: String,
}

impl LogEntry {
    /// The entry of `content`.
    pub fn new(index: u64, time: &str, action: &str, content: &EntryContent) -> Result<Self> {
        Ok(Self {
            index,
            time: time.to_owned(),
            action: action.to_owned(),
            commitment: hex::encode(content.commitment()?),
        })
    }

    /// The leaf's bytes (hashed into the tree as `SM3(0x00 ‖ leaf)`).
    pub fn leaf(&self) -> Result<Vec<u8>> {
        let commitment = hex::decode(&self.commitment)
            .ok()
            .filter(|c| c.len() == 32)
            .ok_or_else(|| Error::malformed("log entry", "the commitment is not 32 bytes of hex"))?;
        let mut out = Vec::with_capacity(LEAF_TAG.len() + 48 + self.time.len() + self.action.len());
        out.extend_from_slice(LEAF_TAG);
        out.extend_from_slice(&self.index.to_be_bytes());
        put_str(&mut out, &self.time);
        put_str(&mut out, &self.action);
        out.extend_from_slice(&commitment);
        Ok(out)
    }

    /// The leaf's hash in the tree.
    pub fn leaf_hash(&self) -> Result<Hash> {
        Ok(leaf_hash::<Sm3>(&self.leaf()?))
    }

    /// Checks that `content` is what this entry commits to.
    pub fn check_content(&self, content: &EntryContent) -> Result<()> {
        if hex::encode(content.commitment()?) != self.commitment {
            return Err(Error::InvalidParameter(format!(
                "the content given for log entry {} is not what it commits to",
                self.index
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> EntryContent {
        EntryContent { actor: "a1".into(), subject: "T1".into(), details: "{}".into(), salt: "00".repeat(16) }
    }

    #[test]
    fn every_field_is_bound() {
        let c = content();
        let e = LogEntry::new(3, "2026-12-03T00:00:00Z", "bid.received", &c).unwrap();
        let base = e.leaf_hash().unwrap();
        for other in [
            LogEntry { index: 4, ..e.clone() },
            LogEntry { time: "2026-12-03T00:00:01Z".into(), ..e.clone() },
            LogEntry { action: "bid.withdrawn".into(), ..e.clone() },
        ] {
            assert_ne!(other.leaf_hash().unwrap(), base);
        }
        let variants = [
            EntryContent { actor: "a2".into(), ..c.clone() },
            EntryContent { subject: "T2".into(), ..c.clone() },
            EntryContent { details: "[]".into(), ..c.clone() },
            EntryContent { salt: "01".repeat(16), ..c.clone() },
            // Bytes moved between fields change the commitment (length prefixes).
            EntryContent { actor: "a1T".into(), subject: "1".into(), ..c.clone() },
        ];
        for v in variants {
            assert_ne!(v.commitment().unwrap(), c.commitment().unwrap());
            assert!(e.check_content(&v).is_err());
        }
        e.check_content(&c).unwrap();
        assert!(EntryContent { salt: "00".into(), ..c }.commitment().is_err());
        assert!(LogEntry { commitment: "zz".into(), ..e }.leaf().is_err());
    }
}
