//! A parsed X.509 certificate that keeps its exact DER (RFC 5280 §4.1).
//!
//! Parsing accepts only canonical DER (the decoded structure must re-encode
//! to the same bytes), an SM2-with-SM3 signature algorithm that is identical
//! in `tbsCertificate.signature` and `signatureAlgorithm` (RFC 5280 §4.1.1.2),
//! and extensions that each appear at most once (RFC 5280 §4.2). The
//! signature itself is checked by [`crate::pki::verify_chain`] or
//! [`Certificate::verify_signed_by`], which use the exact received bytes.

use std::fmt;

use const_oid::AssociatedOid;
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier};

use super::{
    CertSerial, SubjectInfo, check_algorithm, decode_canonical, from_x509_time, split_signed, verify_signed,
};
use crate::{Error, PublicKey, Result, Sm3Digest, sm3};

const LABEL: &str = "CERTIFICATE";
const WHAT: &str = "certificate";

/// An X.509 certificate together with the DER it was parsed from.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    inner: x509_cert::Certificate,
    der: Vec<u8>,
}

impl Certificate {
    /// Parses one DER certificate (see the module docs for what is checked).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let inner: x509_cert::Certificate = decode_canonical(der, WHAT)?;
        let subject = inner.tbs_certificate().subject().to_string();
        check_algorithm(inner.signature_algorithm(), &subject)?;
        if inner.signature_algorithm() != inner.tbs_certificate().signature() {
            return Err(Error::malformed(WHAT, "signatureAlgorithm differs from tbsCertificate.signature"));
        }
        let mut seen = Vec::new();
        for ext in inner.tbs_certificate().extensions().map(|e| e.as_slice()).unwrap_or_default() {
            if seen.contains(&ext.extn_id) {
                return Err(Error::malformed(WHAT, format!("extension {} appears twice", ext.extn_id)));
            }
            seen.push(ext.extn_id);
        }
        Ok(Self { inner, der: der.to_vec() })
    }

    /// Parses one PEM `CERTIFICATE` block.
    pub fn from_pem(pem: &str) -> Result<Self> {
        Self::from_der(&super::from_pem(pem, LABEL, WHAT)?)
    }

    /// Parses every `CERTIFICATE` block in a PEM bundle, in order; text
    /// between blocks is ignored. A bundle without any block is an error.
    pub fn from_pem_bundle(pem: &str) -> Result<Vec<Self>> {
        const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
        const END: &str = "-----END CERTIFICATE-----";
        let mut certs = Vec::new();
        let mut rest = pem;
        while let Some(start) = rest.find(BEGIN) {
            let after = &rest[start..];
            let end = after.find(END).ok_or_else(|| {
                Error::malformed("PEM bundle", format!("block {} has no END line", certs.len() + 1))
            })?;
            certs.push(Self::from_pem(&after[..end + END.len()])?);
            rest = &after[end + END.len()..];
        }
        if certs.is_empty() {
            return Err(Error::malformed("PEM bundle", "no CERTIFICATE block found"));
        }
        Ok(certs)
    }

    /// Wraps a certificate built with x509-cert.
    pub fn from_x509(cert: x509_cert::Certificate) -> Result<Self> {
        let der = cert.to_der().map_err(|e| Error::Encoding(e.to_string()))?;
        Self::from_der(&der)
    }

    /// The exact DER.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM `CERTIFICATE` block (RFC 7468 §5), LF line endings.
    pub fn to_pem(&self) -> Result<String> {
        super::to_pem(LABEL, &self.der)
    }

    /// The decoded structure.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.inner
    }

    /// The subject as an RFC 4514 string.
    pub fn subject(&self) -> String {
        self.inner.tbs_certificate().subject().to_string()
    }

    /// The issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        self.inner.tbs_certificate().issuer().to_string()
    }

    /// The subject in sealbid's name profile (fails for foreign name shapes).
    pub fn subject_info(&self) -> Result<SubjectInfo> {
        SubjectInfo::from_name(self.inner.tbs_certificate().subject())
    }

    /// The serial number (fails for the zero or negative serials RFC 5280 forbids).
    pub fn serial(&self) -> Result<CertSerial> {
        CertSerial::from_x509(self.inner.tbs_certificate().serial_number())
    }

    /// The subject's SM2 public key.
    pub fn public_key(&self) -> Result<PublicKey> {
        let spki = self.inner.tbs_certificate().subject_public_key_info().to_der()?;
        PublicKey::from_spki_der(&spki)
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> Result<OffsetDateTime> {
        from_x509_time(&self.inner.tbs_certificate().validity().not_before)
    }

    /// End of the validity period (inclusive, RFC 5280 §4.1.2.5).
    pub fn not_after(&self) -> Result<OffsetDateTime> {
        from_x509_time(&self.inner.tbs_certificate().validity().not_after)
    }

    /// SM3 over the DER: a stable identifier for storage and display.
    pub fn fingerprint(&self) -> Sm3Digest {
        sm3(&self.der)
    }

    /// Checks only that `issuer`'s key signed this certificate (no names, times or constraints).
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<()> {
        let signed = split_signed(&self.der, WHAT)?;
        verify_signed(&signed, &issuer.public_key()?, &self.subject())
    }

    /// The basic constraints extension, if present.
    pub fn basic_constraints(&self) -> Result<Option<(bool, BasicConstraints)>> {
        self.extension::<BasicConstraints>()
    }

    /// The key usage extension, if present.
    pub fn key_usage(&self) -> Result<Option<(bool, KeyUsage)>> {
        self.extension::<KeyUsage>()
    }

    /// The extended key usage extension, if present.
    pub fn extended_key_usage(&self) -> Result<Option<(bool, ExtendedKeyUsage)>> {
        self.extension::<ExtendedKeyUsage>()
    }

    /// The subject key identifier, if present.
    pub fn subject_key_identifier(&self) -> Result<Option<Vec<u8>>> {
        Ok(self.extension::<SubjectKeyIdentifier>()?.map(|(_, s)| s.0.as_bytes().to_vec()))
    }

    /// True when basic constraints say `cA: TRUE`.
    pub fn is_ca(&self) -> Result<bool> {
        Ok(self.basic_constraints()?.is_some_and(|(_, bc)| bc.ca))
    }

    /// A decoded extension `(critical, value)`.
    pub fn extension<T>(&self) -> Result<Option<(bool, T)>>
    where
        T: for<'a> Decode<'a, Error = der::Error> + AssociatedOid,
    {
        self.inner
            .tbs_certificate()
            .get_extension::<T>()
            .map_err(|e| Error::malformed(WHAT, format!("extension {}: {e}", T::OID)))
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .field("serial", &self.inner.tbs_certificate().serial_number().to_string())
            .finish()
    }
}
