//! The audit trail: an append-only, SM3 hash-chained log of security-relevant
//! events.
//!
//! Each event row holds `(seq, time, actor, action, subject, details,
//! prev_hash, hash)` with
//!
//! ```text
//! hash = SM3(prev_hash ‖ canonical(seq, time, actor, action, subject, details))
//! ```
//!
//! where `canonical` is the tag `sealbid-audit-v1`, then the sequence number
//! as 8 big-endian bytes, then each text field as a 4-byte big-endian length
//! and its UTF-8 bytes (see [`chain::row_hash`]). The first event's
//! `prev_hash` is 32 zero bytes. Hashes are stored as lower-case hex.
//!
//! Appends are serialised through the one-row `audit_head` table (see
//! [`chain::append`]), so the chain cannot fork even with several server
//! processes on one PostgreSQL. Changing, removing or reordering a stored
//! event breaks the chain at that event, which [`chain::verify`] (and
//! `sealbid audit verify`) reports.
//!
//! Readers of the trail over HTTP see bid events redacted until the
//! tender's results are published ([`privacy`]); the stored rows stay as
//! they were written.

pub mod chain;
pub mod privacy;
pub mod routes;

pub use chain::{Event, NewEvent, Verdict, append, record, verify};
pub use routes::router;
