//! The certificate authority: issues X.509 v3 certificates (RFC 5280 §4.1).
//!
//! An [`Issuer`] pairs a CA certificate with its SM2 private key, checked to
//! match. It refuses to issue when its own certificate is not a CA
//! (basicConstraints `cA`, keyUsage keyCertSign — RFC 5280 §4.2.1.9,
//! §4.2.1.3), when a CA certificate would exceed its pathLenConstraint, or
//! when its own validity does not cover the new certificate's. Certificates
//! are signed SM2-with-SM3 with a DER signature value, have a caller-chosen
//! serial, subject built from [`SubjectInfo`] and extensions from
//! [`Profile`]. Validity is given explicitly; nothing reads the clock.

use der::Encode;
use spki::SubjectPublicKeyInfoOwned;
use time::OffsetDateTime;
use x509_cert::builder::CertificateBuilder;
use x509_cert::time::Validity as X509Validity;

use super::profile::Plan;
use super::{
    CertSerial, Certificate, Profile, SubjectInfo, VerifiedCsr, rfc3339, sign_builder, to_x509_time,
};
use crate::error::CertError;
use crate::{Error, PrivateKey, PublicKey, Result};

/// A validity period `[not_before, not_after]` (both inclusive, whole seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl Validity {
    /// Checks `not_before < not_after`; sub-second parts are dropped when encoded.
    pub fn new(not_before: OffsetDateTime, not_after: OffsetDateTime) -> Result<Self> {
        if not_before >= not_after {
            return Err(Error::InvalidParameter(format!(
                "validity starts at {} but ends at {}",
                rfc3339(not_before),
                rfc3339(not_after)
            )));
        }
        Ok(Self { not_before, not_after })
    }

    /// Start of the period.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of the period.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    fn to_x509(self) -> Result<X509Validity> {
        Ok(X509Validity::new(to_x509_time(self.not_before)?, to_x509_time(self.not_after)?))
    }
}

/// A CA certificate and its private key.
#[derive(Clone, Debug)]
pub struct Issuer {
    cert: Certificate,
    key: PrivateKey,
}

impl Issuer {
    /// Pairs a CA certificate with its key; fails if the key does not match the
    /// certificate or the certificate may not sign certificates.
    pub fn new(cert: Certificate, key: PrivateKey) -> Result<Self> {
        if cert.public_key()? != key.public_key() {
            return Err(Error::InvalidKey("the private key does not match the CA certificate".into()));
        }
        if !cert.is_ca()? {
            return Err(usage(format!("{} is not a CA certificate", cert.subject())));
        }
        if !cert.key_usage()?.is_some_and(|(_, ku)| ku.key_cert_sign()) {
            return Err(usage(format!("{} lacks the keyCertSign key usage", cert.subject())));
        }
        Ok(Self { cert, key })
    }

    /// This CA's key identifier: its certificate's subjectKeyIdentifier, or
    /// (for a certificate without one) the RFC 5280 §4.2.1.2 method 1 hash of
    /// its public key. Certificates and CRLs it signs name it as their
    /// authorityKeyIdentifier (§4.2.1.1, §5.2.1).
    pub(crate) fn key_identifier(&self) -> Result<Vec<u8>> {
        if let Some(ski) = self.cert.subject_key_identifier()? {
            return Ok(ski);
        }
        let spki = self.cert.x509().tbs_certificate().subject_public_key_info();
        Ok(x509_cert::ext::pkix::SubjectKeyIdentifier::try_from(der::referenced::OwnedToRef::owned_to_ref(
            spki,
        ))?
        .0
        .as_bytes()
        .to_vec())
    }

    /// Creates a self-signed root CA ([`Profile::RootCa`]).
    pub fn new_root(
        key: PrivateKey,
        subject: &SubjectInfo,
        validity: Validity,
        serial: CertSerial,
    ) -> Result<Self> {
        Profile::RootCa.check_subject(subject)?;
        let name = subject.to_name()?;
        let spki = spki_of(&key.public_key())?;
        let extensions = Profile::RootCa.extensions(&spki, None, None)?;
        let plan = Plan { subject: name.clone(), issuer: name, extensions };
        let cert = build(plan, serial, validity, spki, &key)?;
        Self::new(cert, key)
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The CA's private key (for signing CRLs or OCSP-like answers elsewhere in the crate).
    pub(crate) fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// Issues a certificate for a verified request.
    pub fn issue_from_csr(
        &self,
        csr: &VerifiedCsr,
        profile: Profile,
        validity: Validity,
        serial: CertSerial,
        crl_url: &str,
    ) -> Result<Certificate> {
        self.issue(csr.subject(), csr.public_key(), profile, validity, serial, crl_url)
    }

    /// Issues a certificate for `public_key` (when the key's possession was proven some other way).
    pub fn issue(
        &self,
        subject: &SubjectInfo,
        public_key: &PublicKey,
        profile: Profile,
        validity: Validity,
        serial: CertSerial,
        crl_url: &str,
    ) -> Result<Certificate> {
        if profile == Profile::RootCa {
            return Err(Error::InvalidParameter("a root CA is self-signed: use Issuer::new_root".into()));
        }
        profile.check_subject(subject)?;
        self.check_can_issue(profile, &validity)?;
        let issuer_ski = self.key_identifier()?;
        let spki = spki_of(public_key)?;
        let extensions = profile.extensions(&spki, Some(&issuer_ski), Some(crl_url))?;
        let issuer = self.cert.x509().tbs_certificate().subject().clone();
        let plan = Plan { subject: subject.to_name()?, issuer, extensions };
        build(plan, serial, validity, spki, &self.key)
    }

    fn check_can_issue(&self, profile: Profile, validity: &Validity) -> Result<()> {
        let (nb, na) = (self.cert.not_before()?, self.cert.not_after()?);
        if validity.not_before < nb || validity.not_after > na {
            return Err(usage(format!(
                "the issuer {} is valid {} to {}, which does not cover {} to {}",
                self.cert.subject(),
                rfc3339(nb),
                rfc3339(na),
                rfc3339(validity.not_before),
                rfc3339(validity.not_after)
            )));
        }
        let path_len = self.cert.basic_constraints()?.and_then(|(_, bc)| bc.path_len_constraint);
        if profile.is_ca() && path_len == Some(0) {
            return Err(usage(format!(
                "{} has pathLenConstraint 0 and cannot issue CA certificates",
                self.cert.subject()
            )));
        }
        Ok(())
    }
}

fn usage(detail: String) -> Error {
    CertError::Usage { detail }.into()
}

fn spki_of(key: &PublicKey) -> Result<SubjectPublicKeyInfoOwned> {
    Ok(<SubjectPublicKeyInfoOwned as der::Decode>::from_der(&key.to_spki_der()?)?)
}

fn build(
    plan: Plan,
    serial: CertSerial,
    validity: Validity,
    spki: SubjectPublicKeyInfoOwned,
    key: &PrivateKey,
) -> Result<Certificate> {
    let builder = CertificateBuilder::new(plan, serial.to_x509()?, validity.to_x509()?, spki)
        .map_err(|e| Error::Encoding(e.to_string()))?;
    let cert = sign_builder(builder, key)?;
    Certificate::from_der(&cert.to_der()?)
}
