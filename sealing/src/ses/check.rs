//! What verifying an `SES_Signature` found.

use time::OffsetDateTime;

use super::error::{Result, SesError};
use super::util::rfc3339;
use crate::seal::SealKind;

/// Whether the signer's certificate validated at signing time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainStatus {
    /// It chains to a trust anchor, was within validity and not revoked.
    Valid {
        /// True when every certificate on the path was checked against a CRL.
        revocation_checked: bool,
    },
    /// Path validation failed; why.
    Invalid(String),
}

/// The facts about one seal signature. The signer's signature, the seal
/// maker's signature and certificate and the time stamp (if any) have been
/// verified before this exists; the remaining findings are reported here so a
/// verification report can show them, and [`SignatureCheck::require_valid`]
/// turns them into an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The signer's certificate subject (RFC 4514).
    pub signer_subject: String,
    /// The signer's common name, if the subject is in sealbid's profile.
    pub signer_name: Option<String>,
    /// The signer's organisation.
    pub signer_organisation: Option<String>,
    /// The signer's unified social credit code.
    pub signer_uscc: Option<String>,
    /// The seal's `esID`.
    pub seal_id: String,
    /// The seal's name.
    pub seal_name: String,
    /// The seal's `type` code.
    pub seal_kind_code: i64,
    /// The seal's kind, if sealbid defines the code.
    pub seal_kind: Option<SealKind>,
    /// The seal maker's certificate subject.
    pub seal_maker: String,
    /// The signing time the signer claims (`timeInfo`).
    pub signing_time: OffsetDateTime,
    /// The verified time-stamp time, if the signature carries a time stamp.
    pub timestamp_time: Option<OffsetDateTime>,
    /// The signed `propertyInfo` (what was signed).
    pub property_info: String,
    /// True when the signed data hash equals the hash of the covered data.
    pub hash_matches: bool,
    /// True when the signer's certificate is in the seal's certificate list.
    pub signer_bound_to_seal: bool,
    /// True when the seal was within its validity at [`SignatureCheck::checked_at`].
    pub seal_valid_at_signing: bool,
    /// Start of the seal's validity.
    pub seal_valid_start: OffsetDateTime,
    /// End of the seal's validity.
    pub seal_valid_end: OffsetDateTime,
    /// The signer's certificate at [`SignatureCheck::checked_at`].
    pub signer_chain: ChainStatus,
}

impl SignatureCheck {
    /// The time the checks refer to: the time stamp's if there is one, else the claimed signing time.
    pub fn checked_at(&self) -> OffsetDateTime {
        self.timestamp_time.unwrap_or(self.signing_time)
    }

    /// Every failed finding, as errors, most serious first.
    pub fn problems(&self) -> Vec<SesError> {
        let mut out = Vec::new();
        if !self.hash_matches {
            out.push(SesError::HashMismatch);
        }
        if !self.signer_bound_to_seal {
            out.push(SesError::CertNotBound {
                subject: self.signer_subject.clone(),
                seal_name: self.seal_name.clone(),
            });
        }
        let at = self.checked_at();
        if !self.seal_valid_at_signing {
            out.push(if at < self.seal_valid_start {
                SesError::SealNotYetValid {
                    seal_name: self.seal_name.clone(),
                    valid_start: rfc3339(self.seal_valid_start),
                    at: rfc3339(at),
                }
            } else {
                SesError::SealExpired {
                    seal_name: self.seal_name.clone(),
                    valid_end: rfc3339(self.seal_valid_end),
                    at: rfc3339(at),
                }
            });
        }
        if let ChainStatus::Invalid(detail) = &self.signer_chain {
            out.push(SesError::SignerCertificateInvalid { detail: detail.clone() });
        }
        out
    }

    /// True when nothing failed.
    pub fn is_valid(&self) -> bool {
        self.problems().is_empty()
    }

    /// The first problem as an error, or `Ok` when the signature is valid.
    pub fn require_valid(&self) -> Result<()> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }
}
