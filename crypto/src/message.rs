//! Domain-separated signed messages.
//!
//! Every legally significant action is signed over
//!
//! ```text
//! "sealbid-signed-message" ‖ 0x00 ‖ len(tag):u8 ‖ tag ‖ len(payload):u64 BE ‖ payload
//! ```
//!
//! where `tag` names the purpose and its version (e.g. `bid/v1`). Because the
//! tag is part of every signed byte string, a signature made for one purpose
//! never verifies for another, and the length prefixes make the encoding
//! injective: no two (purpose, payload) pairs give the same bytes. The prefix
//! starts with `s` (0x73), so no tagged message is ever a DER structure, which
//! keeps these signatures apart from certificate and CMS signatures made with
//! the same key.

use crate::sm2::{PrivateKey, PublicKey, Signature};
use crate::{Error, Result};

const MAGIC: &[u8] = b"sealbid-signed-message\0";

/// What a signature is for. The tag of each purpose is fixed forever;
/// a changed message layout gets a new version, never a reused tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Purpose {
    /// Certificate login: challenge, origin and time.
    Login,
    /// The inner signature over a canonical bid document.
    BidDocument,
    /// The outer signature over a sealed bid envelope.
    Bid,
    /// A request to replace an earlier bid.
    BidReplace,
    /// A request to withdraw a bid.
    BidWithdraw,
    /// A set of decryption shares uploaded by an official.
    DecryptionShare,
    /// A message of the committee key ceremony.
    KeyCeremony,
    /// The platform's receipt for an accepted bid.
    Receipt,
    /// Publication or amendment of a tender.
    Tender,
    /// Published evaluation results.
    Results,
    /// A seal placed on a PDF.
    PdfSeal,
    /// A regulator's decision on a filing.
    FilingDecision,
    /// Refusing to sign or voiding a signature.
    SignatureRefusal,
    /// An official's statement of the committee key a ceremony produced.
    CommitteeKey,
    /// The platform's deadline manifest of a tender's accepted envelopes.
    DeadlineManifest,
    /// The transparency log's signed tree head (a checkpoint).
    LogCheckpoint,
    /// A witness's co-signature on a log checkpoint it found consistent.
    LogCosignature,
}

impl Purpose {
    /// Every purpose, for tests and listings.
    pub const ALL: [Purpose; 17] = [
        Purpose::Login,
        Purpose::BidDocument,
        Purpose::Bid,
        Purpose::BidReplace,
        Purpose::BidWithdraw,
        Purpose::DecryptionShare,
        Purpose::KeyCeremony,
        Purpose::Receipt,
        Purpose::Tender,
        Purpose::Results,
        Purpose::PdfSeal,
        Purpose::FilingDecision,
        Purpose::SignatureRefusal,
        Purpose::CommitteeKey,
        Purpose::DeadlineManifest,
        Purpose::LogCheckpoint,
        Purpose::LogCosignature,
    ];

    /// The tag that is signed with every message of this purpose.
    pub const fn tag(self) -> &'static str {
        match self {
            Purpose::Login => "login/v1",
            Purpose::BidDocument => "bid-document/v1",
            Purpose::Bid => "bid/v1",
            Purpose::BidReplace => "bid-replace/v1",
            Purpose::BidWithdraw => "bid-withdraw/v1",
            Purpose::DecryptionShare => "decryption-share/v1",
            Purpose::KeyCeremony => "key-ceremony/v1",
            Purpose::CommitteeKey => "committee-key/v1",
            Purpose::DeadlineManifest => "deadline-manifest/v1",
            Purpose::LogCheckpoint => "log-checkpoint/v1",
            Purpose::LogCosignature => "log-cosignature/v1",
            Purpose::Receipt => "receipt/v1",
            Purpose::Tender => "tender/v1",
            Purpose::Results => "results/v1",
            Purpose::PdfSeal => "pdf-seal/v1",
            Purpose::FilingDecision => "filing-decision/v1",
            Purpose::SignatureRefusal => "signature-refusal/v1",
        }
    }
}

/// A payload bound to its purpose: the exact bytes that get signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedMessage<'a> {
    /// What the signature is for.
    pub purpose: Purpose,
    /// The purpose-specific content (canonical bytes chosen by the caller).
    pub payload: &'a [u8],
}

impl<'a> SignedMessage<'a> {
    /// Binds `payload` to `purpose`.
    pub fn new(purpose: Purpose, payload: &'a [u8]) -> Self {
        Self { purpose, payload }
    }

    /// The byte string that is signed (see the module docs for the layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let tag = self.purpose.tag().as_bytes();
        let mut out = Vec::with_capacity(MAGIC.len() + 1 + tag.len() + 8 + self.payload.len());
        out.extend_from_slice(MAGIC);
        // Tags are short compile-time constants; the cast cannot truncate.
        out.push(tag.len() as u8);
        out.extend_from_slice(tag);
        out.extend_from_slice(&(self.payload.len() as u64).to_be_bytes());
        out.extend_from_slice(self.payload);
        out
    }

    /// Signs this message.
    pub fn sign(&self, key: &PrivateKey) -> Result<Signature> {
        key.sign_raw(&self.to_bytes())
    }

    /// Verifies a signature over this message; fails for any other purpose or payload.
    pub fn verify(&self, key: &PublicKey, signature: &Signature) -> Result<()> {
        key.verify_raw(&self.to_bytes(), signature).map_err(|_| Error::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_distinct() {
        let mut tags: Vec<_> = Purpose::ALL.iter().map(|p| p.tag()).collect();
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len(), Purpose::ALL.len());
    }

    #[test]
    fn signature_for_one_purpose_fails_for_every_other() {
        let key = PrivateKey::generate().unwrap();
        let payload = b"challenge=abc;origin=https://sealbid.example";
        let sig = SignedMessage::new(Purpose::Login, payload).sign(&key).unwrap();
        SignedMessage::new(Purpose::Login, payload).verify(&key.public_key(), &sig).unwrap();
        for p in Purpose::ALL.into_iter().filter(|p| *p != Purpose::Login) {
            assert_eq!(
                SignedMessage::new(p, payload).verify(&key.public_key(), &sig),
                Err(Error::BadSignature),
                "login signature must not verify as {p:?}"
            );
        }
        // Nor does the raw payload verify: the tag is part of what is signed.
        assert!(key.public_key().verify_raw(payload, &sig).is_err());
    }

    #[test]
    fn encoding_is_not_ambiguous_at_the_boundary() {
        let a = SignedMessage::new(Purpose::Bid, b"").to_bytes();
        let b = SignedMessage::new(Purpose::BidDocument, b"").to_bytes();
        assert_ne!(a, b);
        assert_ne!(a[0], 0x30, "never looks like DER");
    }
}
