//! Certificate profiles: which extensions each kind of sealbid certificate carries.
//!
//! | profile | basicConstraints (critical) | keyUsage (critical) | extendedKeyUsage | other |
//! |---|---|---|---|---|
//! | [`Profile::RootCa`] | `cA` | keyCertSign, cRLSign | — | SKI |
//! | [`Profile::IssuingCa`] | `cA`, pathLen 0 | keyCertSign, cRLSign | — | SKI, AKI, CRL DP |
//! | [`Profile::Person`] | not CA | digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment | clientAuth, emailProtection | SKI, AKI, CRL DP |
//! | [`Profile::TimeStamping`] | not CA | digitalSignature, nonRepudiation | **critical**, timeStamping only (RFC 3161 §2.3) | SKI, AKI, CRL DP |
//! | [`Profile::SealAuthority`] | not CA | digitalSignature, nonRepudiation | — | SKI, AKI, CRL DP |
//!
//! A person's single SM2 key both signs (login, bids, shares, contracts:
//! digitalSignature and nonRepudiation — RFC 5280 §4.2.1.3 "contentCommitment")
//! and receives SM2-encrypted key-ceremony messages (GM/T 0003 public-key
//! encryption of the message itself and of SM4 keys: dataEncipherment and
//! keyEncipherment). Key identifiers use RFC 5280 §4.2.1.2 method (1), the
//! SHA-1 of the subjectPublicKey bits, as OpenSSL does; the AKI repeats the
//! issuer's SKI (RFC 5280 §4.2.1.1). Key usage is critical (RFC 5280
//! §4.2.1.3 SHOULD); basic constraints is critical in every certificate.

use std::fmt;
use std::str::FromStr;

use const_oid::AssociatedOid;
use der::Encode;
use der::asn1::{Ia5String, OctetString};
use der::flagset::FlagSet;
use der::referenced::OwnedToRef;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use super::SubjectInfo;
use crate::error::CertError;
use crate::{Error, Result, oid};

/// The kind of certificate to issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Self-signed root CA.
    RootCa,
    /// Issuing CA under the root; may issue only end-entity certificates.
    IssuingCa,
    /// A person acting for an organisation in a [`super::Role`].
    Person,
    /// The platform's RFC 3161 time-stamping authority.
    TimeStamping,
    /// The platform's seal authority, which signs GB/T 38540 seals.
    SealAuthority,
}

impl Profile {
    /// Kebab-case name (`root-ca`, `issuing-ca`, `person`, `time-stamping`, `seal-authority`).
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::RootCa => "root-ca",
            Profile::IssuingCa => "issuing-ca",
            Profile::Person => "person",
            Profile::TimeStamping => "time-stamping",
            Profile::SealAuthority => "seal-authority",
        }
    }

    /// True for the CA profiles.
    pub fn is_ca(self) -> bool {
        matches!(self, Profile::RootCa | Profile::IssuingCa)
    }

    /// Rejects subjects that do not fit: a person needs a role; other profiles must not carry one.
    pub(crate) fn check_subject(self, subject: &SubjectInfo) -> Result<()> {
        match (self, subject.role) {
            (Profile::Person, None) => Err(profile_error("a person certificate needs a role (title)")),
            (Profile::Person, Some(_)) | (_, None) => Ok(()),
            (p, Some(r)) => {
                Err(profile_error(format!("a {} certificate cannot carry the role {r}", p.as_str())))
            }
        }
    }

    /// The extensions for a certificate of this profile. `issuer_ski` is `None`
    /// only for a self-signed root; `crl_url` is required for every other profile.
    pub(crate) fn extensions(
        self,
        spki: &SubjectPublicKeyInfoOwned,
        issuer_ski: Option<&[u8]>,
        crl_url: Option<&str>,
    ) -> Result<Vec<Extension>> {
        use KeyUsages::*;
        let ski = SubjectKeyIdentifier::try_from(spki.owned_to_ref())?;
        let mut exts = Vec::new();
        let (ca, path_len) = match self {
            Profile::RootCa => (true, None),
            Profile::IssuingCa => (true, Some(0)),
            _ => (false, None),
        };
        exts.push(ext(true, &BasicConstraints { ca, path_len_constraint: path_len })?);
        let usages: FlagSet<KeyUsages> = match self {
            Profile::RootCa | Profile::IssuingCa => KeyCertSign | CRLSign,
            Profile::Person => DigitalSignature | NonRepudiation | KeyEncipherment | DataEncipherment,
            Profile::TimeStamping | Profile::SealAuthority => DigitalSignature | NonRepudiation,
        };
        exts.push(ext(true, &KeyUsage(usages))?);
        match self {
            Profile::Person => {
                let eku = ExtendedKeyUsage(vec![oid::KP_CLIENT_AUTH, oid::KP_EMAIL_PROTECTION]);
                exts.push(ext(false, &eku)?);
            }
            Profile::TimeStamping => exts.push(ext(true, &ExtendedKeyUsage(vec![oid::KP_TIME_STAMPING]))?),
            _ => {}
        }
        exts.push(ext(false, &ski)?);
        match (self, issuer_ski) {
            (Profile::RootCa, _) => {}
            (_, Some(id)) => {
                let aki = AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(id)?),
                    ..Default::default()
                };
                exts.push(ext(false, &aki)?);
            }
            (_, None) => return Err(Error::InvalidParameter("the issuer has no key identifier".into())),
        }
        if self != Profile::RootCa {
            let url = crl_url
                .ok_or_else(|| Error::InvalidParameter("a CRL distribution point URL is required".into()))?;
            exts.push(ext(false, &crl_distribution_point(url)?)?);
        }
        Ok(exts)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let all = [
            Profile::RootCa,
            Profile::IssuingCa,
            Profile::Person,
            Profile::TimeStamping,
            Profile::SealAuthority,
        ];
        all.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            Error::InvalidParameter(format!(
                "unknown certificate profile {s:?}; expected root-ca, issuing-ca, person, time-stamping or seal-authority"
            ))
        })
    }
}

fn profile_error(detail: impl Into<String>) -> Error {
    CertError::Profile { detail: detail.into() }.into()
}

fn ext<T: AssociatedOid + Encode>(critical: bool, value: &T) -> Result<Extension> {
    Ok(Extension { extn_id: T::OID, critical, extn_value: OctetString::new(value.to_der()?)? })
}

/// RFC 5280 §4.2.1.13: one distribution point with a single http(s) URI.
fn crl_distribution_point(url: &str) -> Result<CrlDistributionPoints> {
    let ok_scheme = url.starts_with("http://") || url.starts_with("https://");
    if !ok_scheme || url.len() <= "https://".len() || url.chars().any(|c| c.is_whitespace() || !c.is_ascii())
    {
        return Err(Error::InvalidParameter(format!("CRL URL {url:?} is not an ASCII http(s) URL")));
    }
    let uri = Ia5String::new(url).map_err(|e| Error::InvalidParameter(format!("CRL URL {url:?}: {e}")))?;
    Ok(CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::UniformResourceIdentifier(uri),
        ])),
        reasons: None,
        crl_issuer: None,
    }]))
}

/// The x509-cert builder profile for one issuance: fixed names and extensions.
pub(crate) struct Plan {
    pub(crate) subject: Name,
    pub(crate) issuer: Name,
    pub(crate) extensions: Vec<Extension>,
}

impl BuilderProfile for Plan {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::Role;

    #[test]
    fn names_parse() {
        for p in [
            Profile::RootCa,
            Profile::IssuingCa,
            Profile::Person,
            Profile::TimeStamping,
            Profile::SealAuthority,
        ] {
            assert_eq!(p.as_str().parse::<Profile>().unwrap(), p);
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{p}\""));
        }
        assert!("tsa".parse::<Profile>().unwrap_err().to_string().contains("time-stamping"));
    }

    #[test]
    fn subject_roles() {
        let person = SubjectInfo { role: Some(Role::Bidder), ..SubjectInfo::new("a") };
        assert!(Profile::Person.check_subject(&person).is_ok());
        assert!(Profile::Person.check_subject(&SubjectInfo::new("a")).is_err());
        assert!(Profile::TimeStamping.check_subject(&person).is_err());
    }

    #[test]
    fn crl_urls() {
        assert!(crl_distribution_point("http://127.0.0.1:8080/pki/crl").is_ok());
        for bad in ["ftp://x/crl", "http://", "http://a b", "http://例子/crl", "/pki/crl"] {
            assert!(crl_distribution_point(bad).is_err(), "{bad}");
        }
    }
}
