//! Signed complaints: an official's statement that another official's signed
//! message is faulty, with the evidence a third party needs to judge it.
//!
//! Wire form (version 1), see `messages.rs` for the envelope:
//!
//! ```text
//! Complaint (kind 3) body = accused:u16 ‖ fault:u8 ‖ count:u16 ‖ count × bytes(accused's signed message)
//!                           ‖ bytes(revealed plaintext, possibly empty)
//! ```
//!
//! Evidence: the accused's own signed [`Part`] (or [`Ack`] followed by the part
//! it acknowledges; two messages for [`Fault::Duplicate`]). For a fault in what
//! the complainer decrypted, it reveals the plaintext (its row or value, which
//! belongs to a disqualified dealer anyway), so a judge can reject a complaint
//! whose revealed plaintext *does* match the public commitment.
//!
//! **Limit:** a judge cannot check that the SM2 ciphertext really decrypts to
//! the revealed plaintext (that needs a proof of correct decryption), so
//! [`Fault::UndecryptableRow`], [`Fault::RowMismatch`] and their ack
//! counterparts are accepted on the complainer's word once the evidence is
//! consistent. Structural faults and duplicates are proven outright.

use std::fmt;

use threshold_crypto::G1Affine;
use threshold_crypto::group::CurveAffine;
use threshold_crypto::poly::Poly;

use super::Ceremony;
use super::messages::{Ack, Envelope, KIND_ACK, KIND_COMPLAINT, KIND_PART, MAX_COMMITMENT, MAX_PIECE, Part};
use super::wire::{fr_from_bytes, from_cbor};
use crate::sm2::PrivateKey;
use crate::{Error, Result};

/// What an official found wrong with another official's signed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// The part's commitment does not have degree t.
    WrongDegree,
    /// Not exactly one encrypted piece per official (or an unknown proposer).
    WrongRecipients,
    /// The complainer's row did not decrypt or did not decode as t + 1 field elements.
    UndecryptableRow,
    /// The complainer's row does not match the dealer's public commitment.
    RowMismatch,
    /// The complainer's value in an ack did not decrypt or decode.
    UndecryptableValue,
    /// The complainer's value in an ack does not match the dealer's commitment.
    ValueMismatch,
    /// Two different messages where one is allowed (two parts, or two acks of one part).
    Duplicate,
}

impl Fault {
    fn code(self) -> u8 {
        match self {
            Fault::WrongDegree => 1,
            Fault::WrongRecipients => 2,
            Fault::UndecryptableRow => 3,
            Fault::RowMismatch => 4,
            Fault::UndecryptableValue => 5,
            Fault::ValueMismatch => 6,
            Fault::Duplicate => 7,
        }
    }

    fn from_code(code: u8) -> Result<Self> {
        Ok(match code {
            1 => Fault::WrongDegree,
            2 => Fault::WrongRecipients,
            3 => Fault::UndecryptableRow,
            4 => Fault::RowMismatch,
            5 => Fault::UndecryptableValue,
            6 => Fault::ValueMismatch,
            7 => Fault::Duplicate,
            _ => return Err(Error::malformed("complaint", "unknown fault code")),
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::WrongDegree => "commitment degree is not the threshold",
            Fault::WrongRecipients => "not one piece per official",
            Fault::UndecryptableRow => "row does not decrypt",
            Fault::RowMismatch => "row does not match the commitment",
            Fault::UndecryptableValue => "ack value does not decrypt",
            Fault::ValueMismatch => "ack value does not match the commitment",
            Fault::Duplicate => "conflicting duplicate message",
        })
    }
}

/// A signed complaint by one official against another.
#[derive(Clone, PartialEq, Eq)]
pub struct Complaint {
    env: Envelope,
    accused: usize,
    fault: Fault,
    evidence: Vec<Vec<u8>>,
    revealed: Vec<u8>,
}

impl Complaint {
    pub(crate) fn sign(
        ceremony: &Ceremony,
        complainer: usize,
        key: &PrivateKey,
        accused: usize,
        fault: Fault,
        evidence: &[&[u8]],
        revealed: &[u8],
    ) -> Result<Self> {
        let mut w = Envelope::header(KIND_COMPLAINT, ceremony, complainer)?;
        w.u16(accused)?;
        w.u8(fault.code());
        w.u16(evidence.len())?;
        evidence.iter().try_for_each(|e| w.bytes(e))?;
        w.bytes(revealed)?;
        Self::from_bytes(&Envelope::seal(w, key)?)
    }

    /// Parses the wire form (structure only: call [`Complaint::verify`] to judge it).
    /// Refuse input longer than [`Ceremony::max_message_len`] before calling this.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (env, (accused, fault, evidence, revealed)) = Envelope::open(bytes, KIND_COMPLAINT, |r| {
            let accused = r.u16()?;
            let fault = Fault::from_code(r.u8()?)?;
            let count = r.u16()?;
            if count > 2 {
                return Err(Error::malformed("complaint", "too much evidence"));
            }
            let evidence = (0..count)
                .map(|_| r.bytes(MAX_COMMITMENT + 2 * MAX_PIECE * super::MAX_OFFICIALS).map(<[u8]>::to_vec))
                .collect::<Result<Vec<_>>>()?;
            Ok((accused, fault, evidence, r.bytes(MAX_PIECE)?.to_vec()))
        })?;
        Ok(Self { env, accused, fault, evidence, revealed })
    }

    /// The wire form.
    pub fn to_bytes(&self) -> &[u8] {
        &self.env.bytes
    }

    /// The complaining official.
    pub fn complainer(&self) -> usize {
        self.env.sender
    }

    /// The official complained against.
    pub fn accused(&self) -> usize {
        self.accused
    }

    /// What is wrong.
    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// Judges the complaint from public data: the complainer's signature, the
    /// accused's signatures on the evidence, and the fault as far as it can be
    /// checked without the complainer's SM2 key (see the module docs). `Ok`
    /// means the complaint stands; an error says why it does not.
    pub fn verify(&self, ceremony: &Ceremony) -> Result<()> {
        self.env.verify(ceremony)?;
        let reject = |why: &str| Err(Error::InvalidParameter(format!("complaint rejected: {why}")));
        if self.accused >= ceremony.n() || self.accused == self.complainer() {
            return reject("accused is not another official");
        }
        let me = self.complainer();
        match (self.fault, self.evidence.as_slice()) {
            (Fault::WrongDegree | Fault::WrongRecipients, [msg]) => {
                let shape = match msg.get(1) {
                    Some(&KIND_PART) => {
                        self.part_by(&self.evidence[0], self.accused, ceremony)?.shape_fault(ceremony)
                    }
                    _ => self.ack_by(msg, self.accused, ceremony)?.shape_fault(ceremony),
                };
                if shape == Some(self.fault) { Ok(()) } else { reject("the message has no such fault") }
            }
            (Fault::Duplicate, [a, b]) => {
                let same_slot = match (a.get(1), b.get(1)) {
                    (Some(&KIND_PART), Some(&KIND_PART)) => {
                        self.part_by(a, self.accused, ceremony)?;
                        self.part_by(b, self.accused, ceremony)?;
                        true
                    }
                    (Some(&KIND_ACK), Some(&KIND_ACK)) => {
                        let x = self.ack_by(a, self.accused, ceremony)?;
                        x.proposer == self.ack_by(b, self.accused, ceremony)?.proposer
                    }
                    _ => false,
                };
                if same_slot && a != b { Ok(()) } else { reject("the messages do not conflict") }
            }
            (Fault::UndecryptableRow | Fault::RowMismatch, [msg]) => {
                let part = self.part_by(msg, self.accused, ceremony)?;
                if part.shape_fault(ceremony).is_some() {
                    return reject("the part is malformed, not the row");
                }
                let row: Option<Poly> = from_cbor(&self.revealed, MAX_PIECE, "row").ok();
                match row {
                    Some(row)
                        if row.degree() == ceremony.threshold()
                            && row.commitment() == part.commitment.row(me + 1) =>
                    {
                        reject("the revealed row matches the commitment")
                    }
                    _ => Ok(()),
                }
            }
            (Fault::UndecryptableValue | Fault::ValueMismatch, [ack, part]) => {
                let ack = self.ack_by(ack, self.accused, ceremony)?;
                let part = self.part_by(part, ack.proposer, ceremony)?;
                if ack.shape_fault(ceremony).is_some() || part.shape_fault(ceremony).is_some() {
                    return reject("the evidence is malformed");
                }
                let expected = part.commitment.evaluate(self.accused + 1, me + 1);
                match fr_from_bytes(&self.revealed) {
                    Ok(v) if G1Affine::one().mul(v) == expected => reject("the revealed value matches"),
                    _ => Ok(()),
                }
            }
            _ => reject("evidence does not fit the fault"),
        }
    }

    fn part_by(&self, bytes: &[u8], sender: usize, ceremony: &Ceremony) -> Result<Part> {
        let part = Part::from_bytes(bytes)?;
        part.verify_signature(ceremony)?;
        if part.sender() != sender {
            return Err(Error::InvalidParameter("complaint evidence is from someone else".into()));
        }
        Ok(part)
    }

    fn ack_by(&self, bytes: &[u8], sender: usize, ceremony: &Ceremony) -> Result<Ack> {
        let ack = Ack::from_bytes(bytes)?;
        ack.verify_signature(ceremony)?;
        if ack.sender() != sender {
            return Err(Error::InvalidParameter("complaint evidence is from someone else".into()));
        }
        Ok(ack)
    }
}

impl fmt::Debug for Complaint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Complaint")
            .field("complainer", &self.complainer())
            .field("accused", &self.accused)
            .field("fault", &self.fault)
            .finish()
    }
}
