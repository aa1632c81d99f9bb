//! The opening committee's distributed key generation (DKG).
//!
//! n officials jointly produce a threshold_crypto [`PublicKeySet`] with
//! threshold t (any t + 1 of the n decrypt) such that **no party ever holds the
//! master secret**: each official ends with only its own [`SecretKeyShare`].
//! The scheme is the symmetric-bivariate-polynomial DKG that hbbft's
//! `sync_key_gen` uses, over a relay (the server) that sees everything but can
//! read nothing.
//!
//! # Protocol (version 1)
//!
//! 1. **Part.** Every official ("dealer") d picks a random symmetric bivariate
//!    polynomial f_d of degree t, publishes its commitment `g^{f_d}` and sends
//!    official m the row `f_d(m+1, y)`, SM2-encrypted to m. See [`Part`].
//! 2. **Ack.** Official m checks the row it received against the commitment
//!    (`row.commitment() == commitment.row(m+1)`), and if it matches, sends every
//!    official k the value `f_d(m+1, k+1)`, SM2-encrypted to k. See [`Ack`].
//!    If not, m publishes a signed [`Complaint`] naming d.
//! 3. **Completion rule.** A dealer's part is *complete* once acks from
//!    `min(n, 2t+1)` distinct officials have been recorded. Whether an ack
//!    counts depends only on public facts (signature, ceremony, shape), so
//!    every official who sees the same transcript agrees on the set of complete
//!    parts. With `2t+1` acks at most t of which are dishonest, every official
//!    holds at least t + 1 values it verified against the commitment, enough to
//!    interpolate `f_d(0, k+1) = f_d(k+1, 0)`. (For committees with n < 2t+1,
//!    all n must ack and up to n − t − 1 bad values are tolerated.)
//! 4. **Result.** Once at least t + 1 parts are complete (so at least one honest
//!    dealer contributed), the public key set is the commitment to
//!    `F(x) = Σ_d f_d(x, 0)` (the sum of the complete commitments' row 0) and
//!    official k's share is `F(k+1) = Σ_d f_d(k+1, 0)`, which is share index k
//!    of the [`PublicKeySet`].
//!
//! Every message is signed by its sender with SM2 over
//! [`Purpose::KeyCeremony`](crate::Purpose::KeyCeremony) and bound to the
//! [`Ceremony`]'s context hash (committee id, attempt number, threshold and
//! the roster of officials' keys), so a message from one ceremony or roster
//! never verifies in another. Forged or foreign messages are *rejected with an
//! error*, not answered with a complaint: anyone could produce them, so they
//! prove nothing about the official they name. A complaint is raised only for
//! a fault in a message the accused really signed.
//!
//! When an official is complained against or stays silent, the committee
//! restarts with [`Ceremony::restart_without`]: a new attempt number, the
//! remaining officials (which must still be more than t).
//!
//! # Who does what
//!
//! - Each official runs a [`KeyGen`]: [`KeyGen::make_part`], then
//!   [`KeyGen::handle_part`] / [`KeyGen::handle_ack`] for every relayed message
//!   (its own included), then [`KeyGen::generate`]; the share goes into a
//!   password-protected file ([`seal_share_file`]). Off-line or in a
//!   browser, an official does this in [`replay::step`]s: each rebuilds its
//!   [`KeyGen`] from a kept secret seed by replaying the relay's record, and
//!   names the messages still to post.
//! - The relay keeps a [`Transcript`]: it checks signatures, ceremony and shape
//!   of every message without decrypting, names [`Transcript::silent_officials`],
//!   and computes the same [`PublicKeySet`] the officials do. It judges
//!   complaints with [`Complaint::verify`].
//! - The relay must deliver the messages to every official in the order it
//!   recorded them, parts before the acks of them: the first part per dealer
//!   and the first ack per (acker, part) count; a conflicting second one draws
//!   a [`Fault::Duplicate`] complaint.

mod complaint;
mod keygen;
mod messages;
pub mod replay;
pub mod share_file;
pub mod statement;
mod transcript;
mod wire;

#[cfg(test)]
mod tests;

use rand_chacha02::ChaChaRng;
use rand_chacha02::rand_core::SeedableRng;
pub use threshold_crypto::{PublicKeySet, SecretKeyShare};

use crate::hash::Sm3Hasher;
use crate::sm2::PublicKey;
use crate::{Error, Result, Sm3Digest, rng};

pub use keygen::{AckOutcome, KeyGen, PartOutcome};
pub use messages::{Ack, Complaint, Fault, Part};
pub use share_file::{
    ShareFile, StateFile, open_share_file, open_state_file, seal_share_file, seal_share_file_for,
    seal_state_file,
};
pub use statement::{ConfirmedKey, KeyStatement, StatementFile, StatementSignature};
pub use transcript::Transcript;

/// Most officials a committee may have (bounds every message's size).
pub const MAX_OFFICIALS: usize = 100;

/// Longest committee identifier, in bytes.
pub const MAX_COMMITTEE_ID_LEN: usize = 64;

/// Which ceremony a message belongs to: the committee and the attempt number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CeremonyId {
    /// The committee's identifier (1 to [`MAX_COMMITTEE_ID_LEN`] bytes of UTF-8).
    pub committee: String,
    /// Attempt number: a restart uses a new one.
    pub attempt: u32,
}

/// The fixed parameters of one ceremony: who takes part and the threshold.
///
/// Anyone (the relaying server included) can build it from public data and
/// check messages with [`Part::verify`], [`Ack::verify`] and [`Complaint::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    id: CeremonyId,
    officials: Vec<PublicKey>,
    threshold: usize,
    context: Sm3Digest,
}

impl Ceremony {
    /// Checks `0 < threshold < n <= MAX_OFFICIALS`, distinct officials and the committee id.
    pub fn new(id: CeremonyId, officials: Vec<PublicKey>, threshold: usize) -> Result<Self> {
        let n = officials.len();
        if threshold == 0 || threshold >= n || n > MAX_OFFICIALS {
            return Err(Error::InvalidParameter(format!(
                "need 0 < t < n <= {MAX_OFFICIALS}, got t = {threshold}, n = {n}"
            )));
        }
        if id.committee.is_empty() || id.committee.len() > MAX_COMMITTEE_ID_LEN {
            return Err(Error::InvalidParameter("committee id must be 1 to 64 bytes".into()));
        }
        let mut prints: Vec<_> = officials.iter().map(PublicKey::fingerprint).collect();
        prints.sort_unstable();
        prints.dedup();
        if prints.len() != n {
            return Err(Error::InvalidParameter("an official appears twice in the committee".into()));
        }
        let mut h = Sm3Hasher::new();
        h.update(b"sealbid-dkg/v1\0");
        h.update(&[u8::try_from(id.committee.len()).unwrap_or(u8::MAX)]);
        h.update(id.committee.as_bytes());
        h.update(&id.attempt.to_be_bytes());
        h.update(&(threshold as u64).to_be_bytes());
        h.update(&(n as u64).to_be_bytes());
        for key in &officials {
            h.update(&key.to_sec1());
        }
        Ok(Self { id, officials, threshold, context: h.finalize() })
    }

    /// The ceremony id.
    pub fn id(&self) -> &CeremonyId {
        &self.id
    }

    /// The officials' SM2 keys; an official's index is its position here.
    pub fn officials(&self) -> &[PublicKey] {
        &self.officials
    }

    /// Number of officials, n.
    pub fn n(&self) -> usize {
        self.officials.len()
    }

    /// The threshold t: t + 1 shares decrypt.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// SM3 over the id, threshold and roster: every message signs it.
    pub fn context(&self) -> &Sm3Digest {
        &self.context
    }

    /// Acks a part needs to be complete: `min(n, 2t+1)`.
    pub fn ack_quorum(&self) -> usize {
        self.n().min(2 * self.threshold + 1)
    }

    /// An upper bound on the size of any message of this ceremony (complaints
    /// included). Parsing a part decodes its commitment's curve points before
    /// the signature can be checked, so a relay should refuse longer input
    /// before calling `from_bytes`.
    pub fn max_message_len(&self) -> usize {
        let (t, n) = (self.threshold, self.n());
        // CBOR of a point: up to 2 bytes for each of its 48; of a field element: up to 37.
        let commitment = 16 + (t + 1) * (t + 2) / 2 * (2 + 2 * 48);
        let piece = 4 + 128 + 16 + 37 * (t + 1);
        let part = 64 + commitment + n * piece + 80;
        2 * part + piece + 256
    }

    /// The ceremony to run next without the `excluded` officials (indices in
    /// this ceremony), as attempt `attempt`, same threshold. Also returns, for
    /// each new index, the official's index in this ceremony.
    pub fn restart_without(&self, excluded: &[usize], attempt: u32) -> Result<(Ceremony, Vec<usize>)> {
        if attempt == self.id.attempt {
            return Err(Error::InvalidParameter("a restart needs a new attempt number".into()));
        }
        let kept: Vec<usize> = (0..self.n()).filter(|i| !excluded.contains(i)).collect();
        let officials = kept.iter().map(|&i| self.officials[i].clone()).collect();
        let id = CeremonyId { committee: self.id.committee.clone(), attempt };
        Ok((Ceremony::new(id, officials, self.threshold)?, kept))
    }
}

/// threshold_crypto 0.4 draws from rand 0.7 generators: a ChaCha20 seeded from the system RNG.
fn rng07() -> Result<ChaChaRng> {
    let seed = zeroize::Zeroizing::new(rng::bytes::<32>()?);
    Ok(ChaChaRng::from_seed(*seed))
}
