//! The crate's single error type.
//!
//! Variants about secrets ([`Error::BadSignature`], [`Error::DecryptionFailed`],
//! [`Error::WrongPassword`]) deliberately carry no detail: a caller learns that
//! a check failed, never which internal step rejected it.

use std::fmt;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in sealbid-crypto.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input could not be parsed: names the structure and what was wrong with it.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being parsed (e.g. "certificate", "SM2 ciphertext").
        what: &'static str,
        /// What was wrong, in words a user can act on.
        detail: String,
    },
    /// A structure could not be encoded (should not happen for valid inputs).
    #[error("encoding failed: {0}")]
    Encoding(String),
    /// A signature did not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// Authenticated decryption failed (wrong key, tampered ciphertext or associated data).
    #[error("decryption failed")]
    DecryptionFailed,
    /// A key file did not decrypt: the password is wrong or the file is damaged.
    #[error("wrong password or damaged key file")]
    WrongPassword,
    /// A key is not valid for the operation or does not match what it was paired with.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// A unified social credit code was rejected.
    #[error("invalid unified social credit code: {0}")]
    InvalidUscc(String),
    /// A certificate, request or CRL failed a check (chain, validity, usage, revocation…).
    #[error("certificate rejected: {0}")]
    Certificate(CertError),
    /// A time-stamp request, response or token failed a check.
    #[error("time stamp rejected: {0}")]
    Timestamp(String),
    /// Caller passed a parameter outside its allowed range.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}

/// Why a certificate (or the chain it sits in) was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertError {
    /// The signature on a certificate, CSR or CRL does not verify under its issuer's key.
    BadSignature {
        /// Subject (or issuer, for a CRL) of the object whose signature failed.
        subject: String,
    },
    /// The certificate is not valid yet at the checked time.
    NotYetValid {
        /// Subject of the certificate.
        subject: String,
        /// Its notBefore, RFC 3339.
        not_before: String,
    },
    /// The certificate has expired at the checked time.
    Expired {
        /// Subject of the certificate.
        subject: String,
        /// Its notAfter, RFC 3339.
        not_after: String,
    },
    /// The certificate is revoked.
    Revoked {
        /// Serial number, hex.
        serial: String,
        /// RFC 5280 reason, if the CRL gave one.
        reason: String,
        /// Revocation time, RFC 3339.
        revoked_at: String,
    },
    /// No path from the certificate to a trusted root.
    Untrusted {
        /// What was missing.
        detail: String,
    },
    /// Key usage, extended key usage or basic constraints forbid this use.
    Usage {
        /// What was not permitted.
        detail: String,
    },
    /// A CRL is stale, from the wrong issuer, or otherwise unusable.
    Crl {
        /// What was wrong.
        detail: String,
    },
    /// A certificate's content is not acceptable (profile violation).
    Profile {
        /// What was wrong.
        detail: String,
    },
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadSignature { subject } => write!(f, "bad signature on {subject}"),
            Self::NotYetValid { subject, not_before } => {
                write!(f, "{subject} is not valid before {not_before}")
            }
            Self::Expired { subject, not_after } => write!(f, "{subject} expired at {not_after}"),
            Self::Revoked { serial, reason, revoked_at } => {
                write!(f, "certificate {serial} was revoked at {revoked_at} ({reason})")
            }
            Self::Untrusted { detail } => write!(f, "untrusted chain: {detail}"),
            Self::Usage { detail } => write!(f, "usage not permitted: {detail}"),
            Self::Crl { detail } => write!(f, "unusable CRL: {detail}"),
            Self::Profile { detail } => write!(f, "certificate profile violated: {detail}"),
        }
    }
}

impl From<CertError> for Error {
    fn from(e: CertError) -> Self {
        Error::Certificate(e)
    }
}

impl Error {
    /// Shorthand for [`Error::Malformed`].
    pub fn malformed(what: &'static str, detail: impl fmt::Display) -> Self {
        Error::Malformed { what, detail: detail.to_string() }
    }
}

impl From<der::Error> for Error {
    fn from(e: der::Error) -> Self {
        Error::malformed("DER", e)
    }
}
