//! The opening: fast pairing checks, official's decryption shares and their signed batches.
//!
//! After the opening time each official computes, with its key share, one
//! decryption share per envelope key ciphertext ([`compute_shares`]) and
//! uploads them as one signed [`ShareBatch`]. The server combines t + 1
//! batches per envelope optimistically ([`combine_key`]) and verifies shares
//! one by one ([`PreparedCiphertext::share_is_valid`]) only when an opening fails.

mod batch;
pub mod check;
mod combine;
pub mod fast;
pub mod results;

pub use batch::{MAX_BATCH_ENTRIES, ShareBatch, committee_key_hash, compute_shares, decryption_share};
pub use check::{
    Announcement, CheckedOpening, OfficialView, OpeningFile, Refusal, Refused, ServedEnvelope, check_opening,
};
pub use combine::combine_key;
pub(crate) use combine::xor_with_hash;
pub use fast::{CiphertextCheck, PreparedCiphertext, all_valid, ciphertext_valid, share_valid};
/// A G1 point: a decryption share as [`ShareBatch::entries`] gives it.
pub use threshold_crypto::pairing::bls12_381::G1Affine;
