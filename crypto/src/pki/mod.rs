//! Certificates: PKCS#10 requests, the certificate authority, chain verification and CRLs.
//!
//! Everything here is SM2-with-SM3 (`1.2.156.10197.1.501`, parameters absent)
//! with the signer ID [`crate::sm2::DIST_ID`], and DER-encoded signatures
//! `SEQUENCE { r, s }` inside the BIT STRING (RFC 5280 §4.1.1.3, GM/T 0015).
//!
//! | module | contract | standard |
//! |---|---|---|
//! | [`Certificate`] | a parsed certificate that keeps its exact DER; PEM and PEM bundles | RFC 5280 §4.1, RFC 7468 |
//! | [`SubjectInfo`] | the only subject names sealbid issues: CN, O, organizationIdentifier (USCC), title (role) | RFC 5280 §4.1.2.6, X.520 |
//! | [`Csr`] | PKCS#10 requests: create, encode, verify the proof of possession | RFC 2986 §4 |
//! | [`Issuer`] | issues root, issuing-CA, person, TSA and seal-authority certificates and CRLs | RFC 5280 §4.2, RFC 3161 §2.3 |
//! | [`verify_chain`] | path validation at a caller-given time, with revocation | RFC 5280 §6.1, §6.3 |
//! | [`Crl`] | X.509 v2 CRLs: build, encode, verify, look up | RFC 5280 §5 |
//!
//! The module never reads the clock: every check and every issuance takes
//! the time it is about as an [`time::OffsetDateTime`] parameter.

mod ca;
mod cert;
mod chain;
mod crl;
mod csr;
mod name;
mod profile;
mod serial;
#[cfg(test)]
mod tests;

use der::asn1::BitString;
use der::{Decode, Encode, Reader, SliceReader};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::builder::Builder;
use x509_cert::time::Time;

pub use ca::{Issuer, Validity};
pub use cert::Certificate;
pub use chain::{Usage, VerifiedChain, verify_chain};
pub use crl::{Crl, RevocationReason, RevokedEntry};
pub use csr::{Csr, VerifiedCsr};
pub use name::{Role, SubjectInfo};
pub use profile::Profile;
pub use serial::CertSerial;

use crate::error::CertError;
use crate::{Error, PrivateKey, PublicKey, Result, Signature, oid};

/// The three parts of any signed X.509 structure (certificate, CRL, PKCS#10
/// request), with the to-be-signed part kept as the exact bytes received.
pub(crate) struct Signed<'a> {
    pub(crate) tbs: &'a [u8],
    pub(crate) algorithm: AlgorithmIdentifierOwned,
    pub(crate) signature: BitString,
}

/// Splits `SEQUENCE { tbs, algorithm, signature }` without re-encoding `tbs`.
pub(crate) fn split_signed<'a>(der: &'a [u8], what: &'static str) -> Result<Signed<'a>> {
    let mut reader = SliceReader::new(der).map_err(|e| Error::malformed(what, e))?;
    let signed = reader
        .sequence(|r| {
            let tbs = r.tlv_bytes()?;
            let algorithm = r.decode::<AlgorithmIdentifierOwned>()?;
            let signature = r.decode::<BitString>()?;
            Ok::<_, der::Error>(Signed { tbs, algorithm, signature })
        })
        .map_err(|e| Error::malformed(what, e))?;
    reader.finish().map_err(|e| Error::malformed(what, e))?;
    Ok(signed)
}

/// Checks that an algorithm identifier is exactly SM2-with-SM3 with absent parameters.
pub(crate) fn check_algorithm(alg: &AlgorithmIdentifierOwned, subject: &str) -> Result<()> {
    if alg.oid != oid::SM2_WITH_SM3 || alg.parameters.is_some() {
        return Err(CertError::Profile {
            detail: format!(
                "{subject}: signature algorithm {} is not SM2-with-SM3 ({}) without parameters",
                alg.oid,
                oid::SM2_WITH_SM3
            ),
        }
        .into());
    }
    Ok(())
}

/// Verifies an SM2-with-SM3 signature over the exact `tbs` bytes; any failure is
/// reported as [`CertError::BadSignature`] naming `subject`.
pub(crate) fn verify_signed(signed: &Signed<'_>, key: &PublicKey, subject: &str) -> Result<()> {
    check_algorithm(&signed.algorithm, subject)?;
    let bad = || Error::from(CertError::BadSignature { subject: subject.to_string() });
    let bytes = signed.signature.as_bytes().ok_or_else(bad)?;
    let signature = Signature::from_der(bytes).map_err(|_| bad())?;
    key.verify_raw(signed.tbs, &signature).map_err(|_| bad())
}

/// Runs an x509-cert builder through `key`: the TBS bytes are signed with
/// [`PrivateKey::sign_raw`] and the DER signature is placed in the BIT STRING.
/// (x509-cert's own `build` would embed the raw `r‖s` form.)
pub(crate) fn sign_builder<B: Builder>(mut builder: B, key: &PrivateKey) -> Result<B::Output> {
    let signer = key.signing_key()?;
    let tbs = builder.finalize(&signer).map_err(|e| Error::Encoding(e.to_string()))?;
    let signature = key.sign_raw(&tbs)?;
    let bits = BitString::from_bytes(&signature.to_der())?;
    builder.assemble(bits, &signer).map_err(|e| Error::Encoding(e.to_string()))
}

/// An RFC 5280 §4.1.2.5 time (UTCTime through 2049, GeneralizedTime after),
/// truncated to whole seconds.
pub(crate) fn to_x509_time(t: OffsetDateTime) -> Result<Time> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| Error::InvalidParameter(format!("time {} is before 1970", rfc3339(t))))?;
    let dt = der::DateTime::from_unix_duration(core::time::Duration::from_secs(secs))
        .map_err(|_| Error::InvalidParameter(format!("time {} is not representable", rfc3339(t))))?;
    Ok(Time::from(dt))
}

/// The instant an X.509 time denotes.
pub(crate) fn from_x509_time(t: &Time) -> Result<OffsetDateTime> {
    let secs = i64::try_from(t.to_unix_duration().as_secs())
        .map_err(|_| Error::malformed("X.509 time", "out of range"))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| Error::malformed("X.509 time", e))
}

/// RFC 3339 text for messages (falls back to the debug form, which cannot fail).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| format!("{t:?}"))
}

/// PEM-encodes DER with `label` (RFC 7468, LF line endings).
pub(crate) fn to_pem(label: &str, der: &[u8]) -> Result<String> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).map_err(|e| Error::Encoding(e.to_string()))
}

/// Decodes one PEM block and checks its label.
pub(crate) fn from_pem(pem: &str, label: &str, what: &'static str) -> Result<Vec<u8>> {
    let (found, der) = der::pem::decode_vec(pem.trim().as_bytes()).map_err(|e| Error::malformed(what, e))?;
    if found != label {
        return Err(Error::malformed(what, format!("PEM label is {found:?}, expected {label:?}")));
    }
    Ok(der)
}

/// Decodes `T` from DER and insists that it re-encodes to the same bytes, so
/// that what is checked is exactly what was signed (X.690 §10 DER).
pub(crate) fn decode_canonical<'a, T>(der: &'a [u8], what: &'static str) -> Result<T>
where
    T: Decode<'a, Error = der::Error> + Encode,
{
    let value = T::from_der(der).map_err(|e| Error::malformed(what, e))?;
    let again = value.to_der().map_err(|e| Error::malformed(what, e))?;
    if again != der {
        return Err(Error::malformed(what, "not in canonical DER form"));
    }
    Ok(value)
}
