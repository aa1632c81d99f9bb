//! RFC 3161 time stamps with SM2/SM3.
//!
//! The platform's time-stamping authority (TSA) answers RFC 3161 requests and
//! stamps receipts and PDF signatures; every verifier (server, browser, CLI)
//! checks the tokens with the same code.
//!
//! | piece | where | standard |
//! |---|---|---|
//! | ASN.1 of requests, responses, `TSTInfo`, ESS `SigningCertificateV2` | [`asn1`] | RFC 3161 §2.4.1, §2.4.2; RFC 5035 §3 |
//! | message imprints and requests | [`request`] | RFC 3161 §2.4.1 |
//! | the authority: responses and tokens | [`authority`] | RFC 3161 §2.4.2, RFC 5652 §5 |
//! | token verification | [`verify`] | RFC 3161 §2.4.2, RFC 5652 §5.4, §5.6, RFC 5035 §5.4 |
//!
//! **Profile.** A token is a CMS `SignedData` (RFC 5652 §5.1, version 3) whose
//! encapsulated content is the DER `TSTInfo` (eContentType `id-ct-TSTInfo`),
//! with one `SignerInfo` (version 1, `issuerAndSerialNumber`, which is all
//! OpenSSL's PKCS#7 code understands), digestAlgorithm SM3
//! (1.2.156.10197.1.401), signatureAlgorithm SM2-with-SM3
//! (1.2.156.10197.1.501), and the signed attributes contentType, signingTime,
//! messageDigest (SM3 of the `TSTInfo` DER) and ESS signingCertificateV2
//! (RFC 5035 §5.4) whose `ESSCertIDv2` names SM3 explicitly and carries the
//! issuer and serial of the TSA certificate. The SM2 signature uses the
//! signer ID [`crate::sm2::DIST_ID`] and covers the DER of the signed
//! attributes as a `SET OF` (RFC 5652 §5.4). `genTime` has whole seconds.
//!
//! Message imprints may use SM3 or SHA-256 (OpenSSL's `openssl ts -query`
//! default); the token always signs with SM2/SM3.
//!
//! Verification pins the TSA certificate the caller passes; checking that
//! certificate's chain, validity and revocation is the caller's job
//! ([`crate::pki`]). [`embedded_certificates`] hands out the certificate a
//! token carries so the caller can chain-check it first.
//!
//! Nothing here reads a clock: every function takes the time it should use.

pub mod asn1;
pub mod authority;
mod cms_token;
pub mod request;
pub mod verify;

#[cfg(test)]
mod tests;

pub use asn1::{MessageImprint, PkiStatusInfo, TimeStampReq, TimeStampResp, TstInfo};
pub use authority::{FailureInfo, StampOptions, TimeStampAuthority, random_serial};
pub use request::{Imprint, ImprintAlgorithm, random_nonce};
pub use verify::{Stamped, VerifiedTimestamp, embedded_certificates, token_from_response, verify_token};
