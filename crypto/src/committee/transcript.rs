//! The public view of a ceremony: what the relaying server (or any official)
//! can check and compute without decrypting anything.
//!
//! The transcript records each correctly signed, well-formed part (the first
//! one per dealer) and each such ack of a recorded part (the first one per
//! acker and part). From that alone it knows which parts are complete and the
//! resulting [`PublicKeySet`], so the server can compute the committee key
//! itself and check that every official reports the same one. The relay must
//! deliver messages to every official in the order it recorded them.

use std::collections::BTreeMap;
use std::fmt;

use threshold_crypto::PublicKeySet;
use threshold_crypto::poly::{BivarCommitment, Poly};

use super::{Ack, Ceremony, Fault, Part};
use crate::{Error, Result};

/// How a message relates to what the transcript already holds.
pub(crate) enum Insert {
    /// Recorded.
    New,
    /// The same bytes were recorded before.
    Repeat,
    /// A different message was recorded in the same slot: these are its bytes.
    Conflict(Vec<u8>),
    /// Signed by its sender but faulty for everyone to see.
    Fault(Fault),
}

pub(crate) struct Proposal {
    pub(crate) bytes: Vec<u8>,
    pub(crate) commitment: BivarCommitment,
    /// Ack bytes by acker.
    pub(crate) acks: BTreeMap<usize, Vec<u8>>,
}

/// The public record of one ceremony.
pub struct Transcript {
    ceremony: Ceremony,
    proposals: BTreeMap<usize, Proposal>,
}

impl Transcript {
    /// An empty transcript of `ceremony`.
    pub fn new(ceremony: Ceremony) -> Self {
        Self { ceremony, proposals: BTreeMap::new() }
    }

    /// The ceremony.
    pub fn ceremony(&self) -> &Ceremony {
        &self.ceremony
    }

    /// Records a part after [`Part::verify`]; a second part from the same dealer is an error.
    pub fn add_part(&mut self, part: &Part) -> Result<()> {
        part.verify_signature(&self.ceremony)?;
        Self::refuse(self.insert_part(part))
    }

    /// Records an ack after [`Ack::verify`]; the part must be recorded, and
    /// a second ack of it from the same official is an error.
    pub fn add_ack(&mut self, ack: &Ack) -> Result<()> {
        ack.verify_signature(&self.ceremony)?;
        Self::refuse(self.insert_ack(ack)?)
    }

    fn refuse(insert: Insert) -> Result<()> {
        match insert {
            Insert::New => Ok(()),
            Insert::Repeat => Err(Error::InvalidParameter("message already recorded".into())),
            Insert::Conflict(_) => Err(Error::InvalidParameter(format!("refused: {}", Fault::Duplicate))),
            Insert::Fault(fault) => Err(Error::InvalidParameter(format!("refused: {fault}"))),
        }
    }

    /// Records a part whose signature was checked.
    pub(crate) fn insert_part(&mut self, part: &Part) -> Insert {
        if let Some(fault) = part.shape_fault(&self.ceremony) {
            return Insert::Fault(fault);
        }
        if let Some(known) = self.proposals.get(&part.sender()) {
            return if known.bytes == part.to_bytes() {
                Insert::Repeat
            } else {
                Insert::Conflict(known.bytes.clone())
            };
        }
        let proposal = Proposal {
            bytes: part.to_bytes().to_vec(),
            commitment: part.commitment().clone(),
            acks: BTreeMap::new(),
        };
        self.proposals.insert(part.sender(), proposal);
        Insert::New
    }

    /// Records an ack whose signature was checked; errors if its part is unknown.
    pub(crate) fn insert_ack(&mut self, ack: &Ack) -> Result<Insert> {
        if let Some(fault) = ack.shape_fault(&self.ceremony) {
            return Ok(Insert::Fault(fault));
        }
        let proposal = self
            .proposals
            .get_mut(&ack.proposer())
            .ok_or_else(|| Error::InvalidParameter("ack of a part not recorded (yet)".into()))?;
        Ok(match proposal.acks.get(&ack.sender()) {
            Some(known) if known == ack.to_bytes() => Insert::Repeat,
            Some(known) => Insert::Conflict(known.clone()),
            None => {
                proposal.acks.insert(ack.sender(), ack.to_bytes().to_vec());
                Insert::New
            }
        })
    }

    pub(crate) fn proposal(&self, dealer: usize) -> Option<&Proposal> {
        self.proposals.get(&dealer)
    }

    /// Dealers whose parts are complete (acked by [`Ceremony::ack_quorum`] officials), ascending.
    pub fn complete_dealers(&self) -> Vec<usize> {
        let quorum = self.ceremony.ack_quorum();
        self.proposals.iter().filter(|(_, p)| p.acks.len() >= quorum).map(|(&d, _)| d).collect()
    }

    /// Whether at least t + 1 parts are complete.
    pub fn is_ready(&self) -> bool {
        self.complete_dealers().len() > self.ceremony.threshold()
    }

    /// Officials who have not (yet) sent their part, or not acked every part
    /// recorded so far: the ones to name if the ceremony stalls.
    pub fn silent_officials(&self) -> Vec<usize> {
        let acked_all = |m: &usize| self.proposals.values().all(|p| p.acks.contains_key(m));
        (0..self.ceremony.n()).filter(|m| !self.proposals.contains_key(m) || !acked_all(m)).collect()
    }

    /// The committee's public key set: the sum of the complete parts' commitments' row 0.
    pub fn public_key_set(&self) -> Result<PublicKeySet> {
        if !self.is_ready() {
            return Err(Error::InvalidParameter("fewer than t + 1 parts are complete".into()));
        }
        let mut commitment = Poly::zero().commitment();
        for dealer in self.complete_dealers() {
            commitment += self.proposals[&dealer].commitment.row(0);
        }
        Ok(PublicKeySet::from(commitment))
    }
}

impl fmt::Debug for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transcript")
            .field("ceremony", self.ceremony.id())
            .field("parts", &self.proposals.keys().collect::<Vec<_>>())
            .field("complete", &self.complete_dealers())
            .finish()
    }
}
