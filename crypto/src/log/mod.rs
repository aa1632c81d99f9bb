//! The transparency log: every audit event as a leaf of one append-only
//! RFC 9162 Merkle tree (SM3), whose heads the log signs as C2SP-style
//! checkpoints and witnesses co-sign — so a history the operator rewrites
//! is caught by anyone holding an earlier checkpoint.
//!
//! - [`tree`]: leaf and node hashing, the incremental frontier the server
//!   appends with, proofs assembled from stored complete subtrees, and their
//!   verification (by the `ct-merkle` crate).
//! - [`entry`]: what a leaf is — an event's index, time and action, and a
//!   salted SM3 commitment to who did it to what, so content that is
//!   confidential before an opening can be logged first and revealed later.
//! - [`checkpoint`]: the signed tree head as a signed note, the log's
//!   verifier key and witness co-signatures.
//! - [`bundle`]: an entry with its inclusion proof and checkpoint, which a
//!   bidder keeps with its receipt and anyone can check offline.

pub mod bundle;
pub mod checkpoint;
pub mod entry;
pub mod tree;

pub use bundle::InclusionBundle;
pub use checkpoint::{Checkpoint, LogVerifier, NoteSignature, SignedNote};
pub use entry::{EntryContent, LogEntry};
