//! The signed ceremony messages: [`Part`] and [`Ack`] (the complaint is in `complaint.rs`).
//!
//! Wire form (version 1), integers big-endian, `bytes` = `u32` length ‖ content:
//!
//! ```text
//! message   = payload ‖ bytes(signature: DER SM2 signature)
//! payload   = version:u8 = 1 ‖ kind:u8 ‖ context:32 ‖ sender:u16 ‖ body
//! Part  (kind 1) body = bytes(commitment: CBOR BivarCommitment) ‖ n:u16
//!                      ‖ n × bytes(SM2 ciphertext of CBOR row)
//! Ack   (kind 2) body = proposer:u16 ‖ n:u16 ‖ n × bytes(SM2 ciphertext of 32-byte value)
//! ```
//!
//! The signature is SM2 over [`Purpose::KeyCeremony`] and the payload; the
//! context is [`Ceremony::context`]. Recipient k's piece is at position k.

use threshold_crypto::poly::BivarCommitment;

use super::wire::{Reader, Writer, from_cbor};
use super::{Ceremony, MAX_OFFICIALS};
use crate::message::{Purpose, SignedMessage};
use crate::sm2::{PrivateKey, Signature};
use crate::{Error, Result, Sm3Digest};

pub use super::complaint::{Complaint, Fault};

pub(crate) const VERSION: u8 = 1;
pub(crate) const KIND_PART: u8 = 1;
pub(crate) const KIND_ACK: u8 = 2;
pub(crate) const KIND_COMPLAINT: u8 = 3;

/// Largest SM2 ciphertext accepted for one recipient's piece.
pub(crate) const MAX_PIECE: usize = 16 * 1024;
/// Largest encoded commitment accepted (t = 99 needs about 0.5 MiB).
pub(crate) const MAX_COMMITMENT: usize = 1 << 20;
/// Largest signature accepted (DER SM2 signatures are at most 72 bytes).
const MAX_SIGNATURE: usize = 80;

/// The fields every signed ceremony message starts with, and its bytes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Envelope {
    pub(crate) kind: u8,
    pub(crate) context: Sm3Digest,
    pub(crate) sender: usize,
    pub(crate) payload_len: usize,
    pub(crate) bytes: Vec<u8>,
    pub(crate) signature: Signature,
}

impl Envelope {
    pub(crate) fn header(kind: u8, ceremony: &Ceremony, sender: usize) -> Result<Writer> {
        let mut w = Writer::default();
        w.u8(VERSION);
        w.u8(kind);
        w.raw(ceremony.context());
        w.u16(sender)?;
        Ok(w)
    }

    /// Signs a finished payload and appends the signature; returns the wire form.
    pub(crate) fn seal(mut w: Writer, key: &PrivateKey) -> Result<Vec<u8>> {
        let signature = SignedMessage::new(Purpose::KeyCeremony, &w.0).sign(key)?;
        w.bytes(&signature.to_der())?;
        Ok(w.0)
    }

    /// Parses the header, the body with `body`, then the signature.
    pub(crate) fn open<T>(
        bytes: &[u8],
        kind: u8,
        body: impl FnOnce(&mut Reader<'_>) -> Result<T>,
    ) -> Result<(Self, T)> {
        const WHAT: &str = "key ceremony message";
        let mut r = Reader::new(bytes, WHAT);
        if r.u8()? != VERSION {
            return Err(Error::malformed(WHAT, "unsupported version"));
        }
        if r.u8()? != kind {
            return Err(Error::malformed(WHAT, "unexpected message kind"));
        }
        let mut context = [0u8; 32];
        context.copy_from_slice(r.take(32)?);
        let sender = r.u16()?;
        let parsed = body(&mut r)?;
        let payload_len = bytes.len() - r.remaining();
        let signature = Signature::from_der(r.bytes(MAX_SIGNATURE)?)?;
        r.finish()?;
        Ok((Self { kind, context, sender, payload_len, bytes: bytes.to_vec(), signature }, parsed))
    }

    /// Checks the ceremony and the sender's signature. Nothing else is trusted before this.
    pub(crate) fn verify(&self, ceremony: &Ceremony) -> Result<()> {
        if &self.context != ceremony.context() {
            return Err(Error::InvalidParameter("message belongs to another ceremony".into()));
        }
        let key = ceremony.officials().get(self.sender).ok_or(Error::BadSignature)?;
        let payload = &self.bytes[..self.payload_len];
        SignedMessage::new(Purpose::KeyCeremony, payload).verify(key, &self.signature)
    }
}

fn read_pieces(r: &mut Reader<'_>) -> Result<Vec<Vec<u8>>> {
    let count = r.u16()?;
    if count > MAX_OFFICIALS {
        return Err(Error::malformed("key ceremony message", "too many recipients"));
    }
    (0..count).map(|_| r.bytes(MAX_PIECE).map(<[u8]>::to_vec)).collect()
}

fn write_pieces(w: &mut Writer, pieces: &[Vec<u8>]) -> Result<()> {
    w.u16(pieces.len())?;
    pieces.iter().try_for_each(|p| w.bytes(p))
}

/// A dealer's contribution: the public commitment to its bivariate polynomial
/// and, for each official, that official's row encrypted to it.
#[derive(Clone, PartialEq, Eq)]
pub struct Part {
    pub(crate) env: Envelope,
    pub(crate) commitment: BivarCommitment,
    pub(crate) rows: Vec<Vec<u8>>,
}

impl Part {
    pub(crate) fn sign(
        ceremony: &Ceremony,
        sender: usize,
        key: &PrivateKey,
        commitment_cbor: &[u8],
        rows: &[Vec<u8>],
    ) -> Result<Self> {
        let mut w = Envelope::header(KIND_PART, ceremony, sender)?;
        w.bytes(commitment_cbor)?;
        write_pieces(&mut w, rows)?;
        Self::from_bytes(&Envelope::seal(w, key)?)
    }

    /// Parses the wire form (structure only: call [`Part::verify`] before trusting it).
    /// Refuse input longer than [`Ceremony::max_message_len`] before calling this.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (env, (commitment, rows)) = Envelope::open(bytes, KIND_PART, |r| {
            let commitment = from_cbor(r.bytes(MAX_COMMITMENT)?, MAX_COMMITMENT, "DKG commitment")?;
            Ok((commitment, read_pieces(r)?))
        })?;
        Ok(Self { env, commitment, rows })
    }

    /// The wire form.
    pub fn to_bytes(&self) -> &[u8] {
        &self.env.bytes
    }

    /// The dealer's index.
    pub fn sender(&self) -> usize {
        self.env.sender
    }

    /// The dealer's public commitment.
    pub fn commitment(&self) -> &BivarCommitment {
        &self.commitment
    }

    /// Checks ceremony and signature ([`Part::verify_signature`]), then the
    /// shape ([`Part::shape_fault`]); what anyone can check without decrypting.
    pub fn verify(&self, ceremony: &Ceremony) -> Result<()> {
        self.verify_signature(ceremony)?;
        match self.shape_fault(ceremony) {
            None => Ok(()),
            Some(fault) => Err(Error::InvalidParameter(format!("part is faulty: {fault}"))),
        }
    }

    /// The ceremony and the sender's signature: failures are not attributable to the sender.
    pub fn verify_signature(&self, ceremony: &Ceremony) -> Result<()> {
        self.env.verify(ceremony)
    }

    /// A publicly visible fault of a correctly signed part: commitment degree ≠ t
    /// or not one row per official.
    pub fn shape_fault(&self, ceremony: &Ceremony) -> Option<Fault> {
        if self.commitment.degree() != ceremony.threshold() {
            Some(Fault::WrongDegree)
        } else if self.rows.len() != ceremony.n() {
            Some(Fault::WrongRecipients)
        } else {
            None
        }
    }
}

/// An official's acknowledgement of a dealer's part: for each official k, the
/// value `f(me+1, k+1)` encrypted to k.
#[derive(Clone, PartialEq, Eq)]
pub struct Ack {
    pub(crate) env: Envelope,
    pub(crate) proposer: usize,
    pub(crate) values: Vec<Vec<u8>>,
}

impl Ack {
    pub(crate) fn sign(
        ceremony: &Ceremony,
        sender: usize,
        key: &PrivateKey,
        proposer: usize,
        values: &[Vec<u8>],
    ) -> Result<Self> {
        let mut w = Envelope::header(KIND_ACK, ceremony, sender)?;
        w.u16(proposer)?;
        write_pieces(&mut w, values)?;
        Self::from_bytes(&Envelope::seal(w, key)?)
    }

    /// Parses the wire form (structure only: call [`Ack::verify`] before trusting it).
    /// Refuse input longer than [`Ceremony::max_message_len`] before calling this.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (env, (proposer, values)) = Envelope::open(bytes, KIND_ACK, |r| Ok((r.u16()?, read_pieces(r)?)))?;
        Ok(Self { env, proposer, values })
    }

    /// The wire form.
    pub fn to_bytes(&self) -> &[u8] {
        &self.env.bytes
    }

    /// The acknowledging official's index.
    pub fn sender(&self) -> usize {
        self.env.sender
    }

    /// The dealer whose part is acknowledged.
    pub fn proposer(&self) -> usize {
        self.proposer
    }

    /// Ceremony, signature and shape: what anyone can check without decrypting.
    pub fn verify(&self, ceremony: &Ceremony) -> Result<()> {
        self.verify_signature(ceremony)?;
        match self.shape_fault(ceremony) {
            None => Ok(()),
            Some(fault) => Err(Error::InvalidParameter(format!("ack is faulty: {fault}"))),
        }
    }

    /// The ceremony and the sender's signature: failures are not attributable to the sender.
    pub fn verify_signature(&self, ceremony: &Ceremony) -> Result<()> {
        self.env.verify(ceremony)
    }

    /// A publicly visible fault of a correctly signed ack: unknown proposer or
    /// not one value per official.
    pub fn shape_fault(&self, ceremony: &Ceremony) -> Option<Fault> {
        if self.proposer >= ceremony.n() || self.values.len() != ceremony.n() {
            Some(Fault::WrongRecipients)
        } else {
            None
        }
    }
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Part").field("sender", &self.env.sender).field("rows", &self.rows.len()).finish()
    }
}

impl std::fmt::Debug for Ack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ack").field("sender", &self.env.sender).field("proposer", &self.proposer).finish()
    }
}
