//! What a verifier trusts: the seal authorities, the CA chain, CRLs and the TSA.

use sealbid_crypto::pki::{Certificate, Crl, Usage, VerifiedChain, verify_chain};
use time::OffsetDateTime;

use super::error::{Result, SesError};

/// The certificates and CRLs verification relies on.
///
/// A seal is accepted only when its maker's certificate is byte-for-byte one
/// of [`Trust::seal_authorities`] (pinned, as the TSA certificate is for time
/// stamps) *and* chains to one of [`Trust::anchors`] at the checked time.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// The seal authorities whose seals are accepted.
    pub seal_authorities: Vec<Certificate>,
    /// Trust anchors (the platform root).
    pub anchors: Vec<Certificate>,
    /// Intermediate CA certificates (the issuing CA).
    pub intermediates: Vec<Certificate>,
    /// CRLs to check revocation against.
    pub crls: Vec<Crl>,
    /// The TSA certificate that time-stamps signatures.
    pub tsa: Option<Certificate>,
}

impl Trust {
    /// Path validation of `cert` at `at` for `usage` (RFC 5280 §6.1, with revocation).
    pub fn chain(
        &self,
        cert: &Certificate,
        at: OffsetDateTime,
        usage: Usage,
        context: &'static str,
    ) -> Result<VerifiedChain> {
        verify_chain(cert, &self.intermediates, &self.anchors, at, &self.crls, usage)
            .map_err(SesError::crypto(context))
    }
}
