//! An envelope as intake checks it: parsed once, every check the server can
//! make without reading the bid, and the costly pairing check left to the
//! caller so concurrent submissions can share it ([`crate::opening::fast::all_valid`]).

use super::view::{Parts, parse_parts};
use super::{SealedView, TenderId};
use crate::message::{Purpose, SignedMessage};
use crate::opening::fast::CiphertextCheck;
use crate::{PublicKey, Result, Sm3Digest, Uscc};

#[cfg(test)]
#[path = "tests_intake.rs"]
mod tests;

/// A submitted envelope, parsed with the checks of [`super::Envelope::parse`]
/// (size, version, canonical DER, tender id, bidder code, the key
/// ciphertext's points strictly decoded) but decoding each curve point once.
///
/// The server then checks [`Self::verify_outer`] under the bidder's
/// certificate and [`Self::ciphertext`] with [`CiphertextCheck::is_valid`]
/// or, batched with other submissions, [`crate::opening::fast::all_valid`]:
/// together the same verdicts as [`super::Envelope::verify_outer`] and
/// [`super::Envelope::check_ciphertext`].
#[derive(Debug)]
pub struct Submission {
    view: SealedView,
    body_der: Vec<u8>,
    outer_signature: crate::Signature,
    key_ciphertext: [u8; super::KEY_CIPHERTEXT_LEN],
    check: CiphertextCheck,
}

impl Submission {
    /// Parses `der` and decodes its key ciphertext (computing `H(U, V)`).
    pub fn parse(der: &[u8]) -> Result<Self> {
        let Parts { view, body_der, outer_signature, key_ciphertext } = parse_parts(der)?;
        let check = CiphertextCheck::decode(&key_ciphertext, &super::tender_label(view.tender()))?;
        Ok(Self { view, body_der, outer_signature, key_ciphertext, check })
    }

    /// The tender named in the header.
    pub fn tender(&self) -> &TenderId {
        self.view.tender()
    }

    /// The bidder named in the header.
    pub fn bidder(&self) -> &Uscc {
        self.view.bidder()
    }

    /// SM3 of the committee key the bid was sealed to: intake refuses an
    /// envelope sealed to any key but the tender's confirmed one.
    pub fn committee_key(&self) -> &Sm3Digest {
        self.view.committee_key()
    }

    /// SM3 of the envelope's DER, as [`super::Envelope::hash`].
    pub fn hash(&self) -> &Sm3Digest {
        self.view.hash()
    }

    /// The key ciphertext's 160 bytes (`U ‖ V ‖ W`); its first 48 bytes, U,
    /// must be unique within a committee.
    pub fn key_ciphertext_bytes(&self) -> &[u8] {
        &self.key_ciphertext
    }

    /// Checks the outer signature ([`Purpose::Bid`]) under the bidder's key.
    pub fn verify_outer(&self, bidder_key: &PublicKey) -> Result<()> {
        SignedMessage::new(Purpose::Bid, &self.body_der).verify(bidder_key, &self.outer_signature)
    }

    /// The key ciphertext, ready for its pairing check.
    pub fn ciphertext(&self) -> &CiphertextCheck {
        &self.check
    }
}
