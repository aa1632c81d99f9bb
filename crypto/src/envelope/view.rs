//! A light view of a stored envelope for the opening: the envelope's DER
//! read without decoding the key ciphertext's curve points.

use der::{Decode, Encode};

use super::codec::{KEY_CIPHERTEXT_LEN, U_LEN};
use super::seal::{
    EnvelopeAsn1, MAX_ENVELOPE_LEN, WHAT, check_envelope_version, committee_key_field, key_proof_field,
    open_expecting,
};
use super::{OpenedDocument, TenderId, bidder_field, check_len, tender_field};
use crate::sm4gcm::KEY_LEN;
use crate::{Error, Result, Signature, Sm3Digest, Uscc, sm3};

#[cfg(test)]
#[path = "tests_view.rs"]
mod tests;

/// A sealed envelope as the opening needs it: header, the V part of the key
/// ciphertext, the payload, and the envelope hash.
///
/// [`Self::parse`] makes the structural checks of [`super::Envelope::parse`]
/// (size limit, version, canonical DER, tender id, bidder code, a 160-byte
/// key ciphertext and a 48-byte proof, the outer signature's encoding) but does not decode U and
/// W, which costs a decompression and a subgroup check each. Use it only on
/// envelopes accepted at intake ([`super::Envelope::parse`] and
/// [`super::Envelope::check_ciphertext`]) and stored since; if an opening
/// fails, parse the full [`super::Envelope`] to check the decryption shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedView {
    tender: TenderId,
    bidder: Uscc,
    committee_key: Sm3Digest,
    v: [u8; KEY_LEN],
    payload: Vec<u8>,
    hash: Sm3Digest,
}

impl SealedView {
    /// Parses an envelope's DER without decoding the key ciphertext's points.
    pub fn parse(der: &[u8]) -> Result<Self> {
        Ok(parse_parts(der)?.view)
    }

    /// The tender named in the header.
    pub fn tender(&self) -> &TenderId {
        &self.tender
    }

    /// The bidder named in the header.
    pub fn bidder(&self) -> &Uscc {
        &self.bidder
    }

    /// SM3 of the committee key the bid was sealed to.
    pub fn committee_key(&self) -> &Sm3Digest {
        &self.committee_key
    }

    /// SM3 of the envelope's DER: the same as [`super::Envelope::hash`].
    pub fn hash(&self) -> &Sm3Digest {
        &self.hash
    }

    /// V of the key ciphertext: the SM4 key masked by the committee key
    /// (unmask it with [`crate::opening::combine_key`]).
    pub fn key_ciphertext_v(&self) -> &[u8; KEY_LEN] {
        &self.v
    }

    /// The encrypted payload (`nonce ‖ ciphertext ‖ tag`).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Opens the payload with the SM4 key, exactly as
    /// [`super::Envelope::open_with_key_expecting`]: a wrong key fails as
    /// [`Error::DecryptionFailed`], a sealed certificate other than
    /// `expected_cert_der` or a document naming another tender or bidder as
    /// [`Error::Malformed`] (`bid envelope binding`). Does not check the
    /// inner signature ([`OpenedDocument::verify_inner`]).
    pub fn open_with_key_expecting(
        &self,
        sm4_key: &[u8],
        expected_cert_der: &[u8],
    ) -> Result<OpenedDocument> {
        open_expecting(&self.tender, &self.bidder, &self.payload, sm4_key, expected_cert_der)
    }
}

/// What [`SealedView::parse`] reads, and what intake needs besides: the
/// signed body, the outer signature and the key ciphertext's bytes.
pub(super) struct Parts {
    pub(super) view: SealedView,
    pub(super) body_der: Vec<u8>,
    pub(super) outer_signature: Signature,
    pub(super) key_ciphertext: [u8; KEY_CIPHERTEXT_LEN],
    pub(super) key_proof: [u8; super::KEY_PROOF_LEN],
}

/// The structural checks of [`super::Envelope::parse`], without decoding points.
pub(super) fn parse_parts(der: &[u8]) -> Result<Parts> {
    check_len(der, MAX_ENVELOPE_LEN, WHAT)?;
    check_envelope_version(der)?;
    let asn1 = EnvelopeAsn1::from_der(der).map_err(|e| Error::malformed(WHAT, e))?;
    if asn1.to_der().map_err(|e| Error::malformed(WHAT, e))? != der {
        return Err(Error::malformed(WHAT, "not in canonical DER form"));
    }
    let signature = asn1.outer_signature.as_bytes();
    let outer_signature = Signature::from_der(signature).map_err(|e| Error::malformed(WHAT, e))?;
    if outer_signature.to_der() != signature {
        return Err(Error::malformed(WHAT, "not in canonical DER form"));
    }
    let body_der = asn1.body.to_der().map_err(|e| Error::malformed(WHAT, e))?;
    let body = asn1.body;
    let key_ciphertext: [u8; KEY_CIPHERTEXT_LEN] =
        body.key_ciphertext.as_bytes().try_into().map_err(|_| {
            Error::malformed(
                WHAT,
                format!(
                    "key ciphertext: must be {KEY_CIPHERTEXT_LEN} bytes, got {}",
                    body.key_ciphertext.as_bytes().len()
                ),
            )
        })?;
    let key_proof = key_proof_field(&body.key_proof)?;
    let mut v = [0u8; KEY_LEN];
    v.copy_from_slice(&key_ciphertext[U_LEN..U_LEN + KEY_LEN]);
    let view = SealedView {
        tender: tender_field(&body.tender_id, WHAT)?,
        bidder: bidder_field(&body.bidder, WHAT)?,
        committee_key: committee_key_field(&body.committee_key)?,
        v,
        payload: body.payload.into_bytes().into_vec(),
        hash: sm3(der),
    };
    Ok(Parts { view, body_der, outer_signature, key_ciphertext, key_proof })
}
