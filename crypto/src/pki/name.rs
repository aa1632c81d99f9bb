//! Subject names: the one shape of distinguished name sealbid issues.
//!
//! A [`SubjectInfo`] maps to an X.509 `Name` (RFC 5280 §4.1.2.6) of
//! single-valued RDNs, most general first: `O` (organizationName), then
//! `organizationIdentifier` (X.520, 2.5.4.97) holding the unified social credit
//! code, then `title` (2.5.4.12) holding the platform [`Role`], then `CN`.
//! Every value is a UTF8String (RFC 5280 §4.1.2.6 "MUST use UTF8String"), so
//! Chinese names work. Values respect the RFC 5280 Appendix A upper bounds
//! (64 characters for CN, O and title).
//!
//! Parsing is strict: a name with another attribute, a repeated attribute or a
//! multi-valued RDN is not a sealbid subject and is rejected with
//! [`Error::Malformed`].

use std::fmt;
use std::str::FromStr;

use const_oid::db::rfc4519;
use der::asn1::{Any, ObjectIdentifier, SetOfVec};
use der::{Decode, Encode, Tag};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::name::DirectoryString;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::{Error, Result, Uscc, oid};

/// RFC 5280 Appendix A `ub-common-name`, `ub-organization-name`, `ub-title`.
const UPPER_BOUND: usize = 64;

/// What a certificate holder does on the platform; carried in the subject's `title`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Manufacturer staff who submit bids.
    Bidder,
    /// Opening-committee member.
    Official,
    /// Hospital staff who countersign contracts.
    Hospital,
    /// Regulator staff who file and approve.
    Regulator,
    /// Procurement-centre staff who publish tenders and results.
    Centre,
    /// CA operator / administrator.
    Operator,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 6] =
        [Role::Bidder, Role::Official, Role::Hospital, Role::Regulator, Role::Centre, Role::Operator];

    /// Whether the role runs the platform or the procurement (operator,
    /// centre, official, regulator): granting one needs two operators.
    pub fn is_privileged(self) -> bool {
        !matches!(self, Role::Bidder | Role::Hospital)
    }

    /// The kebab-case name used in certificates, JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Bidder => "bidder",
            Role::Official => "official",
            Role::Hospital => "hospital",
            Role::Regulator => "regulator",
            Role::Centre => "centre",
            Role::Operator => "operator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
            Error::InvalidParameter(format!("unknown role {s:?}; expected one of {}", names.join(", ")))
        })
    }
}

/// The subject of a sealbid certificate or request.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SubjectInfo {
    /// Person or service name (CN), required, at most 64 characters.
    pub common_name: String,
    /// Organisation name (O), at most 64 characters.
    pub organization: Option<String>,
    /// Unified social credit code of the organisation (organizationIdentifier).
    pub uscc: Option<Uscc>,
    /// Platform role (title).
    pub role: Option<Role>,
}

impl SubjectInfo {
    /// A subject with only a common name.
    pub fn new(common_name: impl Into<String>) -> Self {
        Self { common_name: common_name.into(), organization: None, uscc: None, role: None }
    }

    /// The X.509 name, after checking the field limits.
    pub fn to_name(&self) -> Result<Name> {
        let mut rdns = RdnSequence::default();
        if let Some(o) = &self.organization {
            rdns.push(rdn(rfc4519::ORGANIZATION_NAME, checked("organization (O)", o)?)?);
        }
        if let Some(uscc) = &self.uscc {
            rdns.push(rdn(oid::ORGANIZATION_IDENTIFIER, uscc.as_str())?);
        }
        if let Some(role) = self.role {
            rdns.push(rdn(oid::TITLE, role.as_str())?);
        }
        rdns.push(rdn(rfc4519::COMMON_NAME, checked("common name (CN)", &self.common_name)?)?);
        // `Name` has no public constructor from an RDN sequence; both share one encoding.
        Ok(Name::from_der(&rdns.to_der()?)?)
    }

    /// Parses a name of the shape [`SubjectInfo::to_name`] produces (in any RDN order).
    pub fn from_name(name: &Name) -> Result<Self> {
        let (mut cn, mut o, mut uscc, mut role) = (None, None, None, None);
        for rdn in name.iter_rdn() {
            if rdn.len() != 1 {
                return Err(bad("multi-valued RDNs are not used in sealbid names"));
            }
            for atv in rdn.iter() {
                let value = attribute_text(atv)?;
                let (slot, label) = match atv.oid {
                    x if x == rfc4519::COMMON_NAME => (&mut cn, "CN"),
                    x if x == rfc4519::ORGANIZATION_NAME => (&mut o, "O"),
                    x if x == oid::ORGANIZATION_IDENTIFIER => (&mut uscc, "organizationIdentifier"),
                    x if x == oid::TITLE => (&mut role, "title"),
                    other => return Err(bad(format!("attribute {other} is not part of a sealbid subject"))),
                };
                set(slot, value, label)?;
            }
        }
        let common_name = cn.ok_or_else(|| bad("no common name (CN)"))?;
        checked("common name (CN)", &common_name).map_err(|e| bad(e.to_string()))?;
        if let Some(o) = &o {
            checked("organization (O)", o).map_err(|e| bad(e.to_string()))?;
        }
        let uscc = uscc.map(|u| Uscc::parse(&u)).transpose().map_err(|e| bad(e.to_string()))?;
        let role = role.map(|r| r.parse::<Role>()).transpose().map_err(|e| bad(e.to_string()))?;
        Ok(Self { common_name, organization: o, uscc, role })
    }
}

impl fmt::Display for SubjectInfo {
    /// The RFC 4514 string of the name (CN first).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_name() {
            Ok(name) => write!(f, "{name}"),
            Err(_) => write!(f, "CN={}", self.common_name),
        }
    }
}

fn bad(detail: impl fmt::Display) -> Error {
    Error::malformed("subject name", detail)
}

fn checked<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    if value.trim().is_empty() {
        return Err(Error::InvalidParameter(format!("{field} must not be empty")));
    }
    if value.chars().count() > UPPER_BOUND {
        return Err(Error::InvalidParameter(format!("{field} is longer than {UPPER_BOUND} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::InvalidParameter(format!("{field} contains control characters")));
    }
    Ok(value)
}

fn rdn(oid: ObjectIdentifier, value: &str) -> Result<RelativeDistinguishedName> {
    let value = Any::new(Tag::Utf8String, value.as_bytes())?;
    let set = SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }])?;
    Ok(RelativeDistinguishedName::from(set))
}

fn attribute_text(atv: &AttributeTypeAndValue) -> Result<String> {
    let ds = DirectoryString::try_from(&atv.value)
        .map_err(|_| bad(format!("attribute {} is not a directory string", atv.oid)))?;
    Ok(ds.value().into_owned())
}

fn set(slot: &mut Option<String>, value: String, what: &str) -> Result<()> {
    if slot.replace(value).is_some() {
        return Err(bad(format!("{what} appears more than once")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn uscc() -> Uscc {
        let first17 = *b"91350100M000100Y4";
        let check = crate::uscc::check_character(&first17).unwrap();
        Uscc::parse(&format!("91350100M000100Y4{check}")).unwrap()
    }

    #[test]
    fn role_text() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
        }
        let err = "admin".parse::<Role>().unwrap_err().to_string();
        assert!(err.contains("unknown role \"admin\"") && err.contains("bidder, official"), "{err}");
    }

    #[test]
    fn full_subject_round_trips_with_utf8() {
        let s = SubjectInfo {
            common_name: "张三".into(),
            organization: Some("福建某某制药有限公司".into()),
            uscc: Some(uscc()),
            role: Some(Role::Bidder),
        };
        let name = s.to_name().unwrap();
        let der = name.to_der().unwrap();
        // UTF8String tag 0x0c for every value, never PrintableString.
        assert!(!der.windows(2).any(|w| w[0] == 0x13));
        assert_eq!(SubjectInfo::from_name(&name).unwrap(), s);
        let shown = name.to_string();
        assert!(shown.starts_with("CN=张三"), "{shown}");
    }

    #[test]
    fn rejects_foreign_and_bad_names() {
        let foreign: Name = "CN=x,C=CN".parse().unwrap();
        let err = SubjectInfo::from_name(&foreign).unwrap_err().to_string();
        assert!(err.contains("2.5.4.6"), "{err}");
        let twice: Name = "CN=a,CN=b".parse().unwrap();
        assert!(SubjectInfo::from_name(&twice).unwrap_err().to_string().contains("more than once"));
        let none: Name = "O=Org".parse().unwrap();
        assert!(SubjectInfo::from_name(&none).unwrap_err().to_string().contains("no common name"));
        let bad_role: Name = "CN=a,title=king".parse().unwrap();
        assert!(SubjectInfo::from_name(&bad_role).unwrap_err().to_string().contains("unknown role"));
        assert!(SubjectInfo::new("").to_name().is_err());
        assert!(SubjectInfo::new("x".repeat(65)).to_name().is_err());
        assert!(SubjectInfo::new("字".repeat(64)).to_name().is_ok());
    }

    proptest! {
        #[test]
        fn names_round_trip(cn in "[a-zA-Z0-9 \u{4e00}-\u{9fa5}]{1,64}", o in proptest::option::of("[\u{4e00}-\u{9fa5}]{1,20}"),
                            role in proptest::option::of(0usize..6)) {
            prop_assume!(!cn.trim().is_empty());
            let s = SubjectInfo { common_name: cn, organization: o, uscc: Some(uscc()), role: role.map(|i| Role::ALL[i]) };
            prop_assert_eq!(SubjectInfo::from_name(&s.to_name().unwrap()).unwrap(), s);
        }
    }
}
