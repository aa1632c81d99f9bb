//! X.509 v2 certificate revocation lists (RFC 5280 §5).
//!
//! [`Issuer::issue_crl`] builds a complete (not delta) CRL with `thisUpdate`,
//! `nextUpdate`, the CRL number (§5.2.3) and the authority key identifier
//! (§5.2.1); each entry has a serial, a revocation date and, unless the reason
//! is `unspecified`, a reasonCode entry extension (§5.3.1: "unspecified"
//! SHOULD be absent). [`Crl::verify`] checks the signature against the
//! issuer certificate, that the CRL names that issuer and that the issuer may
//! sign CRLs (keyUsage cRLSign). CRLs with unrecognised critical extensions
//! (delta CRLs, issuing distribution points) are rejected at parse time,
//! as §5.2 requires.

use std::fmt;
use std::str::FromStr;

use der::Encode;
use der::asn1::{BitString, OctetString};
use spki::DynSignatureAlgorithmIdentifier;
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason};
use x509_cert::ext::{Extension, Extensions, ToExtension};
use x509_cert::serial_number::SerialNumber;

use super::{
    CertSerial, Certificate, Issuer, decode_canonical, from_x509_time, split_signed, to_x509_time,
    verify_signed,
};
use crate::error::CertError;
use crate::{Error, Result};

const LABEL: &str = "X509 CRL";
const WHAT: &str = "CRL";
const ID_CE_CRL_NUMBER: der::asn1::ObjectIdentifier = const_oid::db::rfc5280::ID_CE_CRL_NUMBER;
const ID_CE_AKI: der::asn1::ObjectIdentifier = const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER;
const ID_CE_CRL_REASONS: der::asn1::ObjectIdentifier = const_oid::db::rfc5280::ID_CE_CRL_REASONS;
const ID_CE_INVALIDITY_DATE: der::asn1::ObjectIdentifier = const_oid::db::rfc5280::ID_CE_INVALIDITY_DATE;

/// RFC 5280 §5.3.1 CRLReason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationReason {
    /// 0: no reason given.
    Unspecified,
    /// 1: the subject's private key was compromised.
    KeyCompromise,
    /// 2: the CA's key was compromised.
    CaCompromise,
    /// 3: the subject's name or affiliation changed.
    AffiliationChanged,
    /// 4: replaced by a new certificate (renewal, reissue).
    Superseded,
    /// 5: no longer needed.
    CessationOfOperation,
    /// 6: temporarily on hold.
    CertificateHold,
    /// 8: taken off hold (delta CRLs only).
    RemoveFromCrl,
    /// 9: a privilege was withdrawn.
    PrivilegeWithdrawn,
    /// 10: the attribute authority was compromised.
    AaCompromise,
}

const REASONS: [(RevocationReason, &str, u8); 10] = [
    (RevocationReason::Unspecified, "unspecified", 0),
    (RevocationReason::KeyCompromise, "key-compromise", 1),
    (RevocationReason::CaCompromise, "ca-compromise", 2),
    (RevocationReason::AffiliationChanged, "affiliation-changed", 3),
    (RevocationReason::Superseded, "superseded", 4),
    (RevocationReason::CessationOfOperation, "cessation-of-operation", 5),
    (RevocationReason::CertificateHold, "certificate-hold", 6),
    (RevocationReason::RemoveFromCrl, "remove-from-crl", 8),
    (RevocationReason::PrivilegeWithdrawn, "privilege-withdrawn", 9),
    (RevocationReason::AaCompromise, "aa-compromise", 10),
];

impl RevocationReason {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        REASONS.iter().find(|r| r.0 == self).map_or("unspecified", |r| r.1)
    }

    /// The RFC 5280 code.
    pub fn code(self) -> u8 {
        REASONS.iter().find(|r| r.0 == self).map_or(0, |r| r.2)
    }

    fn from_x509(r: CrlReason) -> Self {
        let code = r as u32;
        REASONS.iter().find(|x| u32::from(x.2) == code).map_or(RevocationReason::Unspecified, |x| x.0)
    }

    fn to_x509(self) -> CrlReason {
        match self {
            Self::Unspecified => CrlReason::Unspecified,
            Self::KeyCompromise => CrlReason::KeyCompromise,
            Self::CaCompromise => CrlReason::CaCompromise,
            Self::AffiliationChanged => CrlReason::AffiliationChanged,
            Self::Superseded => CrlReason::Superseded,
            Self::CessationOfOperation => CrlReason::CessationOfOperation,
            Self::CertificateHold => CrlReason::CertificateHold,
            Self::RemoveFromCrl => CrlReason::RemoveFromCRL,
            Self::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
            Self::AaCompromise => CrlReason::AaCompromise,
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RevocationReason {
    type Err = Error;
    /// Accepts the kebab-case names and the RFC 5280 decimal codes (7 is unassigned).
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        REASONS.iter().find(|r| r.1 == s || r.2.to_string() == s).map(|r| r.0).ok_or_else(|| {
            Error::InvalidParameter(format!(
                "unknown revocation reason {s:?}; expected a name such as key-compromise, superseded, \
                 cessation-of-operation, affiliation-changed, or an RFC 5280 code 0-6, 8-10"
            ))
        })
    }
}

/// One revoked certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Its serial number.
    pub serial: CertSerial,
    /// When it was revoked (whole seconds).
    pub revoked_at: OffsetDateTime,
    /// Why.
    pub reason: RevocationReason,
}

/// A parsed X.509 v2 CRL with its exact DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crl {
    inner: CertificateList,
    der: Vec<u8>,
}

impl Issuer {
    /// Signs a full CRL listing `revoked`. `crl_number` must grow with every CRL
    /// this issuer publishes (RFC 5280 §5.2.3); `next_update` must be after `this_update`.
    pub fn issue_crl(
        &self,
        crl_number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
        revoked: &[RevokedEntry],
    ) -> Result<Crl> {
        if next_update <= this_update {
            return Err(Error::InvalidParameter("nextUpdate must be after thisUpdate".into()));
        }
        if !self.certificate().key_usage()?.is_some_and(|(_, ku)| ku.crl_sign()) {
            return Err(CertError::Usage {
                detail: format!("{} lacks the cRLSign key usage", self.certificate().subject()),
            }
            .into());
        }
        // Built here rather than with x509-cert's `CrlBuilder`, which copies the
        // issuer certificate's own authorityKeyIdentifier (its parent's key id)
        // into the CRL: §5.2.1 wants the key id of the key that signs the CRL,
        // and OpenSSL matches CRLs to certificates by it.
        let issuer = self.certificate().x509().tbs_certificate().subject().clone();
        let mut extensions = Extensions::new();
        extensions.push(CrlNumber::try_from(crl_number)?.to_extension(&issuer, &extensions)?);
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(self.key_identifier()?)?),
            ..Default::default()
        };
        extensions.push(aki.to_extension(&issuer, &extensions)?);
        let revoked_certificates = match revoked {
            [] => None,
            entries => Some(entries.iter().map(entry_to_x509).collect::<Result<Vec<_>>>()?),
        };
        let signature = self
            .key()
            .signing_key()?
            .signature_algorithm_identifier()
            .map_err(|e| Error::Encoding(e.to_string()))?;
        let tbs_cert_list = TbsCertList {
            version: x509_cert::Version::V2,
            signature: signature.clone(),
            issuer,
            this_update: to_x509_time(this_update)?,
            next_update: Some(to_x509_time(next_update)?),
            revoked_certificates,
            crl_extensions: Some(extensions),
        };
        let signed = self.key().sign_raw(&tbs_cert_list.to_der()?)?;
        let list = CertificateList {
            tbs_cert_list,
            signature_algorithm: signature,
            signature: BitString::from_bytes(&signed.to_der())?,
        };
        Crl::from_der(&list.to_der()?)
    }
}

fn entry_to_x509(e: &RevokedEntry) -> Result<RevokedCert> {
    let extensions = match e.reason {
        RevocationReason::Unspecified => None,
        r => Some(vec![Extension {
            extn_id: ID_CE_CRL_REASONS,
            critical: false,
            extn_value: OctetString::new(r.to_x509().to_der()?)?,
        }]),
    };
    Ok(RevokedCert {
        serial_number: e.serial.to_x509()?,
        revocation_date: to_x509_time(e.revoked_at)?,
        crl_entry_extensions: extensions,
    })
}

impl Crl {
    /// Parses DER: canonical DER, version 2, SM2-with-SM3, no unrecognised critical extensions.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let inner: CertificateList = decode_canonical(der, WHAT)?;
        let tbs = &inner.tbs_cert_list;
        if tbs.version != x509_cert::Version::V2 {
            return Err(Error::malformed(WHAT, "only version 2 CRLs are supported"));
        }
        super::check_algorithm(&inner.signature_algorithm, &tbs.issuer.to_string())?;
        if inner.signature_algorithm != tbs.signature {
            return Err(Error::malformed(WHAT, "signatureAlgorithm differs from tbsCertList.signature"));
        }
        for ext in tbs.crl_extensions.iter().flatten() {
            if ext.critical && ext.extn_id != ID_CE_CRL_NUMBER && ext.extn_id != ID_CE_AKI {
                return Err(Error::malformed(
                    WHAT,
                    format!("unsupported critical extension {}", ext.extn_id),
                ));
            }
        }
        for entry in tbs.revoked_certificates.iter().flatten() {
            for ext in entry.crl_entry_extensions.iter().flatten() {
                if ext.critical && ext.extn_id != ID_CE_CRL_REASONS && ext.extn_id != ID_CE_INVALIDITY_DATE {
                    return Err(Error::malformed(
                        WHAT,
                        format!("unsupported critical entry extension {}", ext.extn_id),
                    ));
                }
            }
        }
        Ok(Self { inner, der: der.to_vec() })
    }

    /// Parses a PEM `X509 CRL` block.
    pub fn from_pem(pem: &str) -> Result<Self> {
        Self::from_der(&super::from_pem(pem, LABEL, WHAT)?)
    }

    /// The exact DER.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM `X509 CRL` block (RFC 7468 §6).
    pub fn to_pem(&self) -> Result<String> {
        super::to_pem(LABEL, &self.der)
    }

    /// The decoded structure.
    pub fn x509(&self) -> &CertificateList {
        &self.inner
    }

    /// The issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        self.inner.tbs_cert_list.issuer.to_string()
    }

    /// When this CRL was issued.
    pub fn this_update(&self) -> Result<OffsetDateTime> {
        from_x509_time(&self.inner.tbs_cert_list.this_update)
    }

    /// When the next CRL is due, if stated.
    pub fn next_update(&self) -> Result<Option<OffsetDateTime>> {
        self.inner.tbs_cert_list.next_update.as_ref().map(from_x509_time).transpose()
    }

    /// The CRL number, if present and at most 64 bits.
    pub fn crl_number(&self) -> Result<Option<u64>> {
        let Some(ext) =
            self.inner.tbs_cert_list.crl_extensions.iter().flatten().find(|e| e.extn_id == ID_CE_CRL_NUMBER)
        else {
            return Ok(None);
        };
        let n = <CrlNumber as der::Decode>::from_der(ext.extn_value.as_bytes())?;
        let bytes = n.0.as_bytes();
        if bytes.len() > 8 {
            return Err(Error::malformed(WHAT, "CRL number larger than 64 bits"));
        }
        Ok(Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))))
    }

    /// Checks the signature with `issuer`'s key, that the CRL names `issuer` and that it may sign CRLs.
    pub fn verify(&self, issuer: &Certificate) -> Result<()> {
        let crl_issuer = &self.inner.tbs_cert_list.issuer;
        if crl_issuer != issuer.x509().tbs_certificate().subject() {
            return Err(crl_error(format!(
                "CRL issued by {crl_issuer} does not belong to {}",
                issuer.subject()
            )));
        }
        if issuer.key_usage()?.is_some_and(|(_, ku)| !ku.crl_sign()) {
            return Err(crl_error(format!("{} may not sign CRLs (no cRLSign)", issuer.subject())));
        }
        let signed = split_signed(&self.der, WHAT)?;
        verify_signed(&signed, &issuer.public_key()?, &format!("CRL of {crl_issuer}"))
    }

    /// Every entry, in CRL order.
    pub fn entries(&self) -> Result<Vec<RevokedEntry>> {
        self.inner.tbs_cert_list.revoked_certificates.iter().flatten().map(entry_from_x509).collect()
    }

    /// The entry for `serial`, if it is listed.
    pub fn lookup(&self, serial: &CertSerial) -> Result<Option<RevokedEntry>> {
        self.lookup_x509(&serial.to_x509()?)
    }

    /// Lookup by the raw certificate field (also works for non-conforming serials).
    pub(crate) fn lookup_x509(&self, serial: &SerialNumber) -> Result<Option<RevokedEntry>> {
        let found = self
            .inner
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|e| &e.serial_number == serial);
        found.map(entry_from_x509).transpose()
    }
}

fn entry_from_x509(e: &RevokedCert) -> Result<RevokedEntry> {
    let mut reason = RevocationReason::Unspecified;
    for ext in e.crl_entry_extensions.iter().flatten().filter(|x| x.extn_id == ID_CE_CRL_REASONS) {
        reason =
            RevocationReason::from_x509(<CrlReason as der::Decode>::from_der(ext.extn_value.as_bytes())?);
    }
    Ok(RevokedEntry {
        serial: CertSerial::from_x509(&e.serial_number)?,
        revoked_at: from_x509_time(&e.revocation_date)?,
        reason,
    })
}

fn crl_error(detail: String) -> Error {
    CertError::Crl { detail }.into()
}
