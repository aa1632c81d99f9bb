//! Why a seal or a seal signature was rejected.

use sealbid_crypto::Error as CryptoError;

/// Everything that can go wrong making, parsing or verifying GB/T 38540 structures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SesError {
    /// The bytes are not the DER of the expected structure (truncated, wrong
    /// tags, trailing bytes, non-canonical encoding…).
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// The structure being parsed.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The header ID is not `"ES"`.
    #[error("not an electronic seal: header ID is {found:?}, expected \"ES\"")]
    WrongHeader {
        /// The ID found.
        found: String,
    },
    /// A version other than 4 (GB/T 38540-2020).
    #[error("unsupported {what} version {found}: only version 4 (GB/T 38540-2020) is supported")]
    WrongVersion {
        /// `SESeal` or `TBS_Sign`.
        what: &'static str,
        /// The version found.
        found: i64,
    },
    /// A signature algorithm other than SM2-with-SM3.
    #[error("{what}: signature algorithm {found} is not SM2-with-SM3 (1.2.156.10197.1.501)")]
    UnsupportedAlgorithm {
        /// Whose signature.
        what: &'static str,
        /// The OID found.
        found: String,
    },
    /// A field has a value this implementation does not accept.
    #[error("unsupported {what}: {detail}")]
    Unsupported {
        /// The field.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// A parameter passed in is out of range.
    #[error("invalid {what}: {detail}")]
    InvalidInput {
        /// The parameter.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// The maker's signature over `SES_SealInfo` does not verify.
    #[error("the seal maker's signature does not verify: the seal was altered or not made by its maker")]
    BadMakerSignature,
    /// The maker's certificate is not one of the trusted seal authorities.
    #[error("the seal was made by {subject}, which is not a trusted seal authority")]
    UntrustedMaker {
        /// Subject of the maker's certificate.
        subject: String,
    },
    /// The signer's signature over `TBS_Sign` does not verify.
    #[error("the signer's signature does not verify: the signature data was altered")]
    BadSignerSignature,
    /// The data hash in the signature is not the hash of the covered data.
    #[error("the signed data hash does not match the document: the covered bytes were changed")]
    HashMismatch,
    /// The signer's certificate is not in the seal's certificate list.
    #[error("the signer's certificate ({subject}) is not bound to the seal {seal_name:?}")]
    CertNotBound {
        /// Subject of the signer's certificate.
        subject: String,
        /// The seal's name.
        seal_name: String,
    },
    /// The seal is outside its validity at the checked time.
    #[error("the seal {seal_name:?} has expired: valid until {valid_end}, checked at {at}")]
    SealExpired {
        /// The seal's name.
        seal_name: String,
        /// Its `validEnd`, RFC 3339.
        valid_end: String,
        /// The checked time, RFC 3339.
        at: String,
    },
    /// The seal is not yet valid at the checked time.
    #[error("the seal {seal_name:?} is not valid yet: valid from {valid_start}, checked at {at}")]
    SealNotYetValid {
        /// The seal's name.
        seal_name: String,
        /// Its `validStart`, RFC 3339.
        valid_start: String,
        /// The checked time, RFC 3339.
        at: String,
    },
    /// The signer's certificate did not validate at signing time (chain, validity, revocation).
    #[error("the signer's certificate was not valid at signing time: {detail}")]
    SignerCertificateInvalid {
        /// What failed.
        detail: String,
    },
    /// The signature carries a time stamp but no TSA certificate was given to check it.
    #[error("the signature carries a time stamp but no TSA certificate was given to check it")]
    TimestampUnchecked,
    /// A signing request is a sealbid purpose-tagged message (a bid, a
    /// withdrawal, a login…), not a `TBS_Sign`: signing it would make the
    /// signer perform that action.
    #[error(
        "refusing to sign: the request is a sealbid purpose-tagged message (prefix \"sealbid-signed-message\\0\", \
         tag {tag:?}), not a GB/T 38540 TBS_Sign"
    )]
    PurposeTaggedMessage {
        /// The purpose tag it carries (e.g. `bid/v1`), as far as it is readable.
        tag: String,
    },
    /// The prepared PDF's `/ByteRange` does not cover the whole file except
    /// an empty `/Contents` hex string, or disagrees with the one given.
    #[error("refusing to sign: the prepared PDF's byte range is not acceptable: {detail}")]
    ByteRange {
        /// What is wrong with it.
        detail: String,
    },
    /// The prepared PDF is not the document the signer saw followed by an update.
    #[error(
        "refusing to sign: the prepared PDF is not the document you saw plus an incremental update: {detail}"
    )]
    NotAnUpdate {
        /// How it differs.
        detail: String,
    },
    /// The `dataHash` of a signing request is not the digest of the prepared PDF's byte ranges.
    #[error(
        "refusing to sign: the TBS_Sign's dataHash {found} is not the SM3 digest {computed} of the prepared PDF's \
         byte ranges; it would sign another document"
    )]
    DataHashMismatch {
        /// The `dataHash` in the request (hex).
        found: String,
        /// The digest recomputed from the prepared PDF (hex).
        computed: String,
    },
    /// The `propertyInfo` of a signing request does not state the prepared byte range.
    #[error(
        "refusing to sign: the TBS_Sign's propertyInfo {found:?} is not {expected:?}, the prepared byte range"
    )]
    PropertyInfoMismatch {
        /// The `propertyInfo` in the request.
        found: String,
        /// What it must be.
        expected: String,
    },
    /// A signing request uses another seal than the one the signer chose.
    #[error(
        "refusing to sign: the request signs with the seal {found}, not with {chosen}, the seal you chose"
    )]
    NotTheChosenSeal {
        /// The seal the signer chose (name and `esID` as far as known).
        chosen: String,
        /// The seal in the request (name and `esID`).
        found: String,
    },
    /// The `timeInfo` of a signing request is too far from the signer's clock.
    #[error(
        "refusing to sign: the TBS_Sign's timeInfo {claimed} is more than {tolerance_minutes} minutes from this \
         computer's clock ({clock})"
    )]
    SigningTimeOff {
        /// The claimed signing time, RFC 3339.
        claimed: String,
        /// The signer's clock, RFC 3339.
        clock: String,
        /// The tolerance in whole minutes.
        tolerance_minutes: i64,
    },
    /// A certificate (maker, signer, TSA) or time stamp failed a check in sealbid-crypto.
    #[error("{context}: {source}")]
    Crypto {
        /// What was being checked.
        context: &'static str,
        /// The underlying error.
        source: CryptoError,
    },
}

impl SesError {
    pub(crate) fn malformed(what: &'static str, detail: impl ToString) -> Self {
        SesError::Malformed { what, detail: detail.to_string() }
    }

    pub(crate) fn crypto(context: &'static str) -> impl FnOnce(CryptoError) -> Self {
        move |source| SesError::Crypto { context, source }
    }
}

/// Result alias for this module.
pub type Result<T, E = SesError> = core::result::Result<T, E>;
