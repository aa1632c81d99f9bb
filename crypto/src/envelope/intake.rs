//! An envelope as intake and the officials check it: parsed once, every
//! check that needs no key, the key ciphertext's proof ([`super::proof`]),
//! and the costly pairing check prepared on demand so concurrent submissions
//! can share it ([`crate::opening::fast::all_valid`]).

use super::view::{Parts, parse_parts};
use super::{SealedView, TenderId};
use crate::message::{Purpose, SignedMessage};
use crate::opening::fast::CiphertextCheck;
use crate::{PublicKey, Result, Sm3Digest, Uscc};

#[cfg(test)]
#[path = "tests_intake.rs"]
mod tests;

/// A submitted envelope, parsed with the structural checks of
/// [`super::Envelope::parse`] (size, version, canonical DER, tender id,
/// bidder code, field lengths) but no curve point decoded yet.
///
/// Intake then checks [`Self::verify_outer`] under the bidder's certificate,
/// and [`Self::verify_key_proof_and_prepare`] followed by
/// [`CiphertextCheck::is_valid`] or, batched with other submissions,
/// [`crate::opening::fast::all_valid`]: together the verdicts of
/// [`super::Envelope::parse`], [`super::Envelope::verify_outer`],
/// [`super::Envelope::check_key_proof`] and [`super::Envelope::check_ciphertext`].
/// An official's client needs only the signature and the proof.
#[derive(Debug)]
pub struct Submission {
    view: SealedView,
    body_der: Vec<u8>,
    outer_signature: crate::Signature,
    key_ciphertext: [u8; super::KEY_CIPHERTEXT_LEN],
    key_proof: [u8; super::KEY_PROOF_LEN],
}

impl Submission {
    /// Parses `der` without decoding the key ciphertext's points.
    pub fn parse(der: &[u8]) -> Result<Self> {
        let Parts { view, body_der, outer_signature, key_ciphertext, key_proof } = parse_parts(der)?;
        Ok(Self { view, body_der, outer_signature, key_ciphertext, key_proof })
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

    /// Checks the proof that the bidder made the key ciphertext for the
    /// header's tender and committee key, and returns U, decoded and checked
    /// in the prime-order subgroup, as `threshold_crypto`'s point (what an
    /// official's share is computed on).
    pub fn verify_key_proof(&self) -> Result<threshold_crypto::pairing::bls12_381::G1Affine> {
        super::codec::g1_from_bls(&self.proved_u(&super::tender_label(self.tender()))?)
    }

    /// Intake's checks of the key ciphertext but the pairing itself: the
    /// proof ([`Self::verify_key_proof`]), then W decoded strictly and `H`
    /// computed on the U the proof check already decoded, ready for
    /// [`CiphertextCheck::is_valid`] or [`crate::opening::fast::all_valid`].
    pub fn verify_key_proof_and_prepare(&self) -> Result<CiphertextCheck> {
        let label = super::tender_label(self.tender());
        CiphertextCheck::decode_with_u(&self.key_ciphertext, &self.proved_u(&label)?, &label)
    }

    /// U, after the proof under `label` (this tender's) and the header's committee key holds.
    fn proved_u(&self, label: &[u8]) -> Result<bls12_381::G1Affine> {
        let ctx = super::proof::ProofContext { label, committee_key: self.committee_key() };
        super::proof::verify(&self.key_ciphertext, &self.key_proof, &ctx)
    }
}
