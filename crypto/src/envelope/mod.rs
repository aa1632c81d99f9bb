//! Sealed bid envelopes (format version 3), replace/withdraw requests and receipts.
//!
//! One implementation for the browser, the CLI and the server. Every
//! structure is DER (X.690 §10): the rest of the crate is ASN.1, DER has
//! exactly one encoding per value, and the `der` derive gives strict
//! decoders. Every parser decodes, rebuilds the domain value and insists that
//! it re-encodes to the very same bytes, so a value has one encoding and what
//! is hashed or signed is exactly what was received. Every top-level
//! structure starts with `version INTEGER`; an unknown version is rejected
//! with `unsupported … version N` before anything else is read.
//!
//! # Layout
//!
//! ```text
//! BidDocument ::= SEQUENCE {                -- the canonical bid (document.rs)
//!     version      INTEGER (1),
//!     tenderId     UTF8String,              -- TenderId: 1..64 of [A-Za-z0-9._:-]
//!     bidder       UTF8String,              -- Uscc, 18 characters, canonical upper case
//!     createdAt    GeneralizedTime,         -- whole seconds, Z
//!     items        SEQUENCE SIZE (1..10000) OF BidItem,  -- item strictly ascending
//!     attachments  SEQUENCE SIZE (0..32) OF Attachment } -- name strictly ascending (bytes)
//! BidItem    ::= SEQUENCE { item INTEGER (1..2^32-1), unitPriceFen INTEGER (1..2^64-1) }
//! Attachment ::= SEQUENCE { name UTF8String (1..255 bytes, no control, '/' or '\'),
//!                           content OCTET STRING }  -- the file itself, sealed with the prices
//!
//! BidPayload ::= SEQUENCE {                 -- the SM4-GCM plaintext (seal.rs)
//!     document           OCTET STRING,      -- DER of BidDocument, exact signed bytes
//!     documentSignature  OCTET STRING,      -- SM2 DER, Purpose::BidDocument over `document`
//!     signerCertificate  OCTET STRING }     -- DER of the bidder's X.509 certificate
//!
//! PayloadAad ::= SEQUENCE {                 -- SM4-GCM associated data, never transmitted
//!     label UTF8String ("sealbid/bid-payload"), version INTEGER (1),
//!     tenderId UTF8String, bidder UTF8String }
//!
//! BidEnvelope ::= SEQUENCE {
//!     body EnvelopeBody,
//!     outerSignature OCTET STRING }         -- SM2 DER, Purpose::Bid over DER(body)
//! EnvelopeBody ::= SEQUENCE {
//!     version        INTEGER (3),           -- 1 (no committee key, unlabelled) and 2 (no proof) are refused
//!     tenderId       UTF8String,
//!     bidder         UTF8String,
//!     committeeKey   OCTET STRING (SIZE (32)),  -- SM3 of the confirmed committee key sealed to
//!     keyCiphertext  OCTET STRING (SIZE (160)),  -- threshold_crypto Ciphertext (U, V, W):
//!                    -- U compressed G1 (48) ‖ V = SM4 key ⊕ H(pkʳ) (16) ‖ W compressed G2 (96),
//!                    -- W = r·hash_g2(V ‖ U ‖ tender_label(tenderId)) (codec.rs: labelled)
//!     keyProof       OCTET STRING (SIZE (48)),  -- c (16) ‖ s (32): Schnorr proof of knowledge of r,
//!                    -- U = r·g1, bound to label, committeeKey, U, V, W (proof.rs)
//!     payload        OCTET STRING }         -- sm4gcm::seal: nonce (12) ‖ ciphertext ‖ tag (16)
//!
//! BidRequest ::= SEQUENCE {                 -- replace or withdraw (request.rs)
//!     body SEQUENCE {
//!         version INTEGER (1), tenderId UTF8String, bidder UTF8String,
//!         target OCTET STRING (SIZE (32)),  -- SM3 of the envelope replaced / withdrawn
//!         replacement [0] IMPLICIT OCTET STRING (SIZE (32)) OPTIONAL,  -- present iff replace
//!         time GeneralizedTime },
//!     signature OCTET STRING }              -- Purpose::BidReplace / BidWithdraw over DER(body)
//!
//! Receipt ::= SEQUENCE {                    -- the platform's receipt (receipt.rs)
//!     body SEQUENCE {
//!         version INTEGER (1), tenderId UTF8String, bidder UTF8String,
//!         envelopeHash OCTET STRING (SIZE (32)), receivedAt GeneralizedTime,
//!         sequence INTEGER (0..2^64-1) },
//!     platformSignature OCTET STRING,       -- Purpose::Receipt over DER(body)
//!     timeStampToken OCTET STRING }         -- RFC 3161 token, SM3 imprint of platformSignature
//! ```
//!
//! The envelope hash ([`Envelope::hash`]) is SM3 of the whole `BidEnvelope` DER.
//!
//! # Which check fails how
//!
//! | failure | error |
//! |---|---|
//! | not DER, non-canonical, out of range, duplicate or unsorted items, unknown version | [`Error::Malformed`] naming the structure |
//! | outer signature ([`Envelope::verify_outer`]) | [`Error::BadSignature`] |
//! | `threshold_crypto` ciphertext invalid ([`Envelope::check_ciphertext`]) | [`Error::InvalidKey`] |
//! | key ciphertext proof fails ([`Envelope::check_key_proof`]) | [`Error::InvalidKey`] |
//! | fewer than t+1 or duplicate shares ([`Envelope::open_with_shares`]) | [`Error::InvalidParameter`] |
//! | wrong key or shares, payload swapped between envelopes (AAD), payload tampered | [`Error::DecryptionFailed`] |
//! | inner document names another tender or bidder than the header | [`Error::Malformed`] (`bid envelope binding`) |
//! | inner signature ([`OpenedBid::verify_inner`]) | [`Error::BadSignature`] |
//!
//! # What the caller still checks
//!
//! The certificates (chain, validity, revocation, role, that the outer
//! signer's organisation is the header's bidder) with [`crate::pki`]; that no
//! two envelopes of a tender — withdrawn ones included — carry the same key
//! ciphertext ([`Envelope::key_ciphertext_bytes`]), or a copied ciphertext
//! would get another bidder's key decrypted at the opening; time windows.

pub(crate) mod codec;
mod document;
mod intake;
mod opened;
pub mod proof;
mod receipt;
mod request;
pub(crate) mod seal;
mod view;

use std::fmt;
use std::time::Duration;

use der::asn1::GeneralizedTime;
use der::{Decode, Reader, SliceReader, Tag, Tagged};
use time::OffsetDateTime;

pub use codec::{KEY_CIPHERTEXT_LEN, decode_key_ciphertext, tender_label};
pub use document::{
    Attachment, BidDocument, BidItem, MAX_ATTACHMENTS, MAX_DOCUMENT_LEN, MAX_ITEMS, PriceFen,
};
pub use intake::Submission;
pub use opened::{OpenedBid, OpenedDocument};
pub use proof::KEY_PROOF_LEN;
pub use receipt::{MAX_STAMP_SKEW, Receipt, ReceiptInfo};
pub use request::{BidAction, BidRequest};
pub use seal::{ENVELOPE_VERSION, Envelope, MAX_ENVELOPE_LEN, seal_bid};
pub use view::SealedView;

use crate::{Error, Result};

/// The format version of every structure here but the envelope
/// ([`ENVELOPE_VERSION`]): what this code writes and the only one it reads.
pub const VERSION: u64 = 1;

/// A tender identifier: 1 to 64 characters from `A-Z a-z 0-9 . _ : -`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenderId(String);

impl TenderId {
    /// Checks and wraps a tender identifier.
    pub fn parse(s: &str) -> Result<Self> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
        if s.is_empty() || s.len() > 64 || !s.chars().all(ok_char) {
            return Err(Error::InvalidParameter(format!(
                "tender id {s:?} must be 1-64 characters from A-Z a-z 0-9 . _ : -"
            )));
        }
        Ok(Self(s.to_owned()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TenderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenderId({})", self.0)
    }
}

/// Parses the tender id field of `what`.
pub(crate) fn tender_field(s: &str, what: &'static str) -> Result<TenderId> {
    TenderId::parse(s).map_err(|e| Error::malformed(what, e))
}

/// Parses the bidder field of `what`, which must already be in canonical form.
pub(crate) fn bidder_field(s: &str, what: &'static str) -> Result<crate::Uscc> {
    let uscc = crate::Uscc::parse(s).map_err(|e| Error::malformed(what, e))?;
    if uscc.as_str() != s {
        return Err(Error::malformed(what, "bidder code is not in canonical upper-case form"));
    }
    Ok(uscc)
}

/// `t` as a DER GeneralizedTime; sub-second precision is dropped.
pub(crate) fn to_generalized(t: OffsetDateTime) -> Result<GeneralizedTime> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| Error::InvalidParameter(format!("time {t} is before 1970")))?;
    GeneralizedTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|e| Error::InvalidParameter(format!("time {t} is out of range: {e}")))
}

/// The instant a GeneralizedTime denotes.
pub(crate) fn from_generalized(t: &GeneralizedTime, what: &'static str) -> Result<OffsetDateTime> {
    let secs = i64::try_from(t.to_unix_duration().as_secs())
        .map_err(|_| Error::malformed(what, "time out of range"))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| Error::malformed(what, e))
}

/// `time` truncated to whole seconds (what the encodings keep).
pub(crate) fn whole_seconds(t: OffsetDateTime) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(t.unix_timestamp())
        .map_err(|e| Error::InvalidParameter(format!("time {t} is out of range: {e}")))
}

/// Rejects input longer than `max` before any parsing.
pub(crate) fn check_len(der: &[u8], max: usize, what: &'static str) -> Result<()> {
    if der.len() > max {
        return Err(Error::malformed(what, format!("{} bytes exceeds the limit of {max}", der.len())));
    }
    Ok(())
}

/// Reads the leading `version INTEGER` of a structure `depth` SEQUENCEs deep
/// (0: `SEQUENCE { version, … }`, 1: `SEQUENCE { SEQUENCE { version, … }, … }`)
/// and rejects any version but [`VERSION`], before the rest is decoded.
pub(crate) fn check_version(der: &[u8], depth: usize, what: &'static str) -> Result<()> {
    let version = read_version(der, depth, what)?;
    if version != VERSION {
        return Err(Error::malformed(
            what,
            format!("unsupported {what} version {version} (this software reads version {VERSION})"),
        ));
    }
    Ok(())
}

/// The leading `version INTEGER` of a structure `depth` SEQUENCEs deep (see [`check_version`]).
pub(crate) fn read_version(der: &[u8], depth: usize, what: &'static str) -> Result<u64> {
    let bad = |e: der::Error| Error::malformed(what, e);
    let mut content = der;
    for _ in 0..=depth {
        let any = der::asn1::AnyRef::from_der(first_tlv(content).map_err(bad)?).map_err(bad)?;
        if any.tag() != Tag::Sequence {
            return Err(Error::malformed(what, format!("expected a SEQUENCE, found {}", any.tag())));
        }
        content = any.value();
    }
    u64::from_der(first_tlv(content).map_err(bad)?).map_err(bad)
}

/// The bytes of the first TLV in `bytes`.
fn first_tlv(bytes: &[u8]) -> der::Result<&[u8]> {
    let mut reader = SliceReader::new(bytes)?;
    reader.tlv_bytes()
}
