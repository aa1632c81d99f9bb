//! GB/T 38540-2020 electronic seals (`SESeal`) and seal signatures
//! (`SES_Signature`), version 4, with SM2/SM3.
//!
//! | piece | what it does | standard |
//! |---|---|---|
//! | [`asn1`] | the DER structures, field for field | GB/T 38540-2020 §6.2, §7.2 |
//! | [`SeSeal`] | make a seal signed by the seal authority; parse; verify maker and validity | §6.3, §6.4 |
//! | [`tbs_to_sign`], [`SesSignature`] | what a signer signs; assemble, parse, verify a signature | §7.3, §7.4 |
//! | [`Trust`] | pinned seal authorities, CA chain, CRLs and TSA a verifier relies on | RFC 5280 §6, RFC 3161 |
//! | [`check_signing_request`] | the signer's check of a prepared request before its key signs | §7.2, ISO 32000-1 §12.8.1 |
//!
//! Every signature is SM2 with SM3 (`1.2.156.10197.1.501`) over the exact DER
//! of the signed structure, signer ID `1234567812345678`, the value a DER
//! `SEQUENCE { r, s }` (GB/T 35276) in the BIT STRING. Parsing accepts only
//! canonical DER, so what is verified is exactly what was signed. Nothing
//! here reads the clock: every check takes its time as a parameter.

pub mod asn1;
mod check;
mod error;
mod request;
mod seal;
mod signature;
mod trust;
mod util;

#[cfg(test)]
mod tests;

pub use check::{ChainStatus, SignatureCheck};
pub use error::{Result, SesError};
pub use request::{
    CheckedRequest, Expected, PURPOSE_TAG_PREFIX, byte_range_statement, check_signing_request,
};
pub use seal::{SeSeal, SealSpec};
pub use signature::{SesSignature, tbs_to_sign};
pub use trust::Trust;
