//! PKCS#10 certification requests (RFC 2986).
//!
//! A request is made where the key lives (browser or CLI) and proves
//! possession of the private key by its self-signature (RFC 2986 §3, step 3).
//! [`Csr::verify`] checks that signature over the exact received
//! `CertificationRequestInfo` bytes, that the algorithm is SM2-with-SM3, that
//! the key is an SM2 key and that the subject fits [`SubjectInfo`]; only the
//! resulting [`VerifiedCsr`] can be issued from. Requested attributes and
//! extensions (RFC 2986 §4.1 `attributes`) are ignored: the CA's
//! [`super::Profile`] alone decides what a certificate says.

use der::Encode;
use x509_cert::request::{CertReq, RequestBuilder};

use super::{SubjectInfo, decode_canonical, sign_builder, split_signed, verify_signed};
use crate::{Error, PrivateKey, PublicKey, Result};

const LABEL: &str = "CERTIFICATE REQUEST";
const WHAT: &str = "certificate request";

/// A parsed (not yet verified) PKCS#10 request with its exact DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Csr {
    inner: CertReq,
    der: Vec<u8>,
}

/// A request whose self-signature, key and subject have been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCsr {
    public_key: PublicKey,
    subject: SubjectInfo,
}

impl Csr {
    /// Creates a request for `key`'s public key, signed by `key`.
    pub fn create(key: &PrivateKey, subject: &SubjectInfo) -> Result<Self> {
        let builder = RequestBuilder::new(subject.to_name()?).map_err(|e| Error::Encoding(e.to_string()))?;
        let req = sign_builder(builder, key)?;
        let der = req.to_der().map_err(|e| Error::Encoding(e.to_string()))?;
        Self::from_der(&der)
    }

    /// Parses DER (canonical DER only; the signature is checked by [`Csr::verify`]).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let inner: CertReq = decode_canonical(der, WHAT)?;
        Ok(Self { inner, der: der.to_vec() })
    }

    /// Parses a PEM `CERTIFICATE REQUEST` block.
    pub fn from_pem(pem: &str) -> Result<Self> {
        Self::from_der(&super::from_pem(pem, LABEL, WHAT)?)
    }

    /// The exact DER.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM `CERTIFICATE REQUEST` block (RFC 7468 §7).
    pub fn to_pem(&self) -> Result<String> {
        super::to_pem(LABEL, &self.der)
    }

    /// The decoded structure.
    pub fn x509(&self) -> &CertReq {
        &self.inner
    }

    /// Checks the proof of possession and parses the key and subject.
    ///
    /// Errors: [`Error::Malformed`] for a non-SM2 key or a subject outside the
    /// sealbid profile; [`crate::error::CertError::BadSignature`] /
    /// [`crate::error::CertError::Profile`]
    /// for a bad signature or algorithm.
    pub fn verify(&self) -> Result<VerifiedCsr> {
        let subject_text = self.inner.info.subject.to_string();
        let spki = self.inner.info.public_key.to_der()?;
        let public_key = PublicKey::from_spki_der(&spki)
            .map_err(|e| Error::malformed(WHAT, format!("public key is not an SM2 key: {e}")))?;
        let signed = split_signed(&self.der, WHAT)?;
        verify_signed(&signed, &public_key, &format!("request from {subject_text}"))?;
        let subject = SubjectInfo::from_name(&self.inner.info.subject)?;
        Ok(VerifiedCsr { public_key, subject })
    }
}

impl VerifiedCsr {
    /// The key the requester proved possession of.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The requested subject.
    pub fn subject(&self) -> &SubjectInfo {
        &self.subject
    }
}

impl From<VerifiedCsr> for (PublicKey, SubjectInfo) {
    fn from(v: VerifiedCsr) -> Self {
        (v.public_key, v.subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::Role;

    fn subject() -> SubjectInfo {
        SubjectInfo {
            role: Some(Role::Official),
            organization: Some("某市卫健委".into()),
            ..SubjectInfo::new("李四")
        }
    }

    #[test]
    fn create_verify_pem_round_trip() {
        let key = PrivateKey::generate().unwrap();
        let csr = Csr::create(&key, &subject()).unwrap();
        let pem = csr.to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
        let back = Csr::from_pem(&pem).unwrap();
        assert_eq!(back, csr);
        let v = back.verify().unwrap();
        assert_eq!(v.public_key(), &key.public_key());
        assert_eq!(v.subject(), &subject());
    }

    #[test]
    fn tampering_is_detected() {
        let key = PrivateKey::generate().unwrap();
        let der = Csr::create(&key, &subject()).unwrap().to_der().to_vec();
        for i in 0..der.len() {
            let mut d = der.clone();
            d[i] ^= 0x01;
            let outcome = Csr::from_der(&d).and_then(|c| c.verify());
            assert!(outcome.is_err(), "flip in byte {i} was accepted");
        }
    }

    #[test]
    fn malformed_input_is_named() {
        let err = Csr::from_der(&[0x30, 0x03, 0x02, 0x01, 0x01]).unwrap_err();
        assert!(matches!(err, Error::Malformed { what: "certificate request", .. }), "{err}");
        let err = Csr::from_pem("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----").unwrap_err();
        assert!(err.to_string().contains("PEM label"), "{err}");
    }
}
