//! Certification path validation (RFC 5280 §6.1) with CRL checking (§6.3).
//!
//! [`verify_chain`] builds a path from the leaf through the given
//! intermediates to one of the trust anchors, matching each certificate's
//! issuer name to the next subject name (binary DER comparison of the
//! names, RFC 5280 §7.1 simplified to the exact match our CA and OpenSSL both
//! produce) and verifying each SM2-with-SM3 signature with the issuer's key.
//! It then checks, at the caller's time `at` (never the clock):
//!
//! 1. validity of every certificate, the anchor included (§6.1.3 (a)(2));
//! 2. every issuer is a CA (basicConstraints `cA`, §6.1.4 (k)), asserts
//!    keyCertSign (§6.1.4 (n)) and its pathLenConstraint allows the CA
//!    certificates below it (§6.1.4 (l), (m));
//! 3. no certificate has a critical extension this module does not process
//!    (§6.1.4 (o));
//! 4. the leaf permits the [`Usage`] asked for (key usage and extended key usage);
//! 5. revocation: for each non-anchor certificate, every CRL naming its issuer
//!    must verify under that issuer ([`Crl::verify`]) and must not be stale
//!    (`nextUpdate` before `at`); a listed serial whose revocation date is not
//!    after `at` fails with [`CertError::Revoked`]. This is point-in-time
//!    validation: a certificate revoked *after* `at` was good at `at`.
//!    CRLs of other issuers are ignored; a certificate with no CRL for its
//!    issuer is not revocation-checked, which [`VerifiedChain::revocation_checked`]
//!    reports.

use const_oid::db::rfc5280 as ids;
use der::asn1::ObjectIdentifier;
use time::OffsetDateTime;

use super::{Certificate, Crl, RevocationReason, rfc3339};
use crate::error::CertError;
use crate::{Error, PublicKey, Result, oid};

/// Longest path accepted (leaf, intermediates and anchor).
const MAX_PATH: usize = 8;

/// What the leaf certificate will be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Usage {
    /// No leaf usage check (e.g. checking a CA certificate itself).
    Any,
    /// Signing documents and platform messages: keyUsage digitalSignature or
    /// nonRepudiation; if extendedKeyUsage is present it must allow
    /// emailProtection (document signing) or anyExtendedKeyUsage.
    Signing,
    /// Logging in: keyUsage digitalSignature; extendedKeyUsage, if present, allows clientAuth.
    ClientAuth,
    /// RFC 3161 §2.3 time stamping: extendedKeyUsage present, critical, and only timeStamping.
    TimeStamping,
    /// Receiving SM2-encrypted messages: keyUsage keyEncipherment or dataEncipherment.
    Encryption,
}

/// A validated path, leaf first and trust anchor last.
#[derive(Clone, Debug)]
pub struct VerifiedChain {
    path: Vec<Certificate>,
    public_key: PublicKey,
    revocation_checked: bool,
}

impl VerifiedChain {
    /// The certificates from leaf to trust anchor.
    pub fn path(&self) -> &[Certificate] {
        &self.path
    }

    /// The leaf certificate.
    pub fn leaf(&self) -> &Certificate {
        &self.path[0]
    }

    /// The trust anchor the path ends at.
    pub fn anchor(&self) -> &Certificate {
        &self.path[self.path.len() - 1]
    }

    /// The leaf's SM2 public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// True when every non-anchor certificate was checked against a CRL of its issuer.
    pub fn revocation_checked(&self) -> bool {
        self.revocation_checked
    }
}

/// Validates `leaf` at time `at` (see the module docs for every check).
pub fn verify_chain(
    leaf: &Certificate,
    intermediates: &[Certificate],
    trust_anchors: &[Certificate],
    at: OffsetDateTime,
    crls: &[Crl],
    required: Usage,
) -> Result<VerifiedChain> {
    let path = build_path(leaf, intermediates, trust_anchors)?;
    for cert in &path {
        check_validity(cert, at)?;
        check_critical_extensions(cert)?;
    }
    for (i, issuer) in path.iter().enumerate().skip(1) {
        check_issuer(issuer, i - 1)?;
    }
    check_leaf_usage(leaf, required)?;
    let mut revocation_checked = true;
    for pair in path.windows(2) {
        revocation_checked &= check_revocation(&pair[0], &pair[1], at, crls)?;
    }
    let public_key = leaf.public_key()?;
    Ok(VerifiedChain { path, public_key, revocation_checked })
}

fn untrusted(detail: String) -> Error {
    CertError::Untrusted { detail }.into()
}

fn usage(detail: String) -> Error {
    CertError::Usage { detail }.into()
}

fn build_path(
    leaf: &Certificate,
    intermediates: &[Certificate],
    anchors: &[Certificate],
) -> Result<Vec<Certificate>> {
    if anchors.iter().any(|a| a.to_der() == leaf.to_der()) {
        return Ok(vec![leaf.clone()]);
    }
    let mut path = vec![leaf.clone()];
    while path.len() < MAX_PATH {
        let current = &path[path.len() - 1];
        let issuer_name = current.x509().tbs_certificate().issuer();
        let named = |c: &&Certificate| c.x509().tbs_certificate().subject() == issuer_name;
        let mut name_matched = false;
        if let Some(anchor) = anchors
            .iter()
            .filter(named)
            .inspect(|_| name_matched = true)
            .find(|a| current.verify_signed_by(a).is_ok())
        {
            path.push(anchor.clone());
            return Ok(path);
        }
        let unused = |c: &&Certificate| !path.iter().any(|p| p.to_der() == c.to_der());
        let next = intermediates
            .iter()
            .filter(named)
            .filter(unused)
            .inspect(|_| name_matched = true)
            .find(|c| current.verify_signed_by(c).is_ok());
        match next {
            Some(next) => path.push(next.clone()),
            None if name_matched => return Err(CertError::BadSignature { subject: current.subject() }.into()),
            None => {
                return Err(untrusted(format!(
                    "no trusted or intermediate certificate named {issuer_name} (issuer of {})",
                    current.subject()
                )));
            }
        }
    }
    Err(untrusted(format!("no path to a trust anchor within {MAX_PATH} certificates")))
}

fn check_validity(cert: &Certificate, at: OffsetDateTime) -> Result<()> {
    let (nb, na) = (cert.not_before()?, cert.not_after()?);
    if at < nb {
        return Err(CertError::NotYetValid { subject: cert.subject(), not_before: rfc3339(nb) }.into());
    }
    if at > na {
        return Err(CertError::Expired { subject: cert.subject(), not_after: rfc3339(na) }.into());
    }
    Ok(())
}

const PROCESSED: [ObjectIdentifier; 9] = [
    ids::ID_CE_BASIC_CONSTRAINTS,
    ids::ID_CE_KEY_USAGE,
    ids::ID_CE_EXT_KEY_USAGE,
    ids::ID_CE_SUBJECT_KEY_IDENTIFIER,
    ids::ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ids::ID_CE_CRL_DISTRIBUTION_POINTS,
    ids::ID_CE_SUBJECT_ALT_NAME,
    ids::ID_CE_ISSUER_ALT_NAME,
    ids::ID_PE_AUTHORITY_INFO_ACCESS,
];

fn check_critical_extensions(cert: &Certificate) -> Result<()> {
    let exts = cert.x509().tbs_certificate().extensions().map(|e| e.as_slice()).unwrap_or_default();
    if let Some(ext) = exts.iter().find(|e| e.critical && !PROCESSED.contains(&e.extn_id)) {
        return Err(CertError::Profile {
            detail: format!("{} has an unsupported critical extension {}", cert.subject(), ext.extn_id),
        }
        .into());
    }
    // Decode the ones we rely on, so a damaged extension is an error rather than "absent".
    cert.basic_constraints()?;
    cert.key_usage()?;
    cert.extended_key_usage()?;
    Ok(())
}

/// `ca_below`: how many CA certificates sit between this issuer and the leaf.
fn check_issuer(issuer: &Certificate, ca_below: usize) -> Result<()> {
    let Some((_, bc)) = issuer.basic_constraints()?.filter(|(_, bc)| bc.ca) else {
        return Err(usage(format!(
            "{} issued a certificate but is not a CA (basicConstraints)",
            issuer.subject()
        )));
    };
    if let Some(max) = bc.path_len_constraint
        && usize::from(max) < ca_below
    {
        return Err(usage(format!(
            "{} allows {max} CA certificate(s) below it (pathLenConstraint) but the path has {ca_below}",
            issuer.subject()
        )));
    }
    if !issuer.key_usage()?.is_some_and(|(_, ku)| ku.key_cert_sign()) {
        return Err(usage(format!(
            "{} issued a certificate but lacks the keyCertSign key usage",
            issuer.subject()
        )));
    }
    Ok(())
}

fn check_leaf_usage(leaf: &Certificate, required: Usage) -> Result<()> {
    if required == Usage::Any {
        return Ok(());
    }
    let who = leaf.subject();
    if leaf.is_ca()? {
        return Err(usage(format!("{who} is a CA certificate and cannot be used for {required:?}")));
    }
    let ku = leaf.key_usage()?.map(|(_, ku)| ku);
    let ku_allows = |f: fn(&x509_cert::ext::pkix::KeyUsage) -> bool| ku.as_ref().is_none_or(f);
    let eku = leaf.extended_key_usage()?;
    let eku_allows = |o: ObjectIdentifier| {
        eku.as_ref().is_none_or(|(_, e)| e.0.contains(&o) || e.0.contains(&ids::ANY_EXTENDED_KEY_USAGE))
    };
    let ok = match required {
        Usage::Any => true,
        Usage::Signing => {
            ku_allows(|k| k.digital_signature() || k.non_repudiation())
                && eku_allows(oid::KP_EMAIL_PROTECTION)
        }
        Usage::ClientAuth => ku_allows(|k| k.digital_signature()) && eku_allows(oid::KP_CLIENT_AUTH),
        Usage::Encryption => ku_allows(|k| k.key_encipherment() || k.data_encipherment()),
        Usage::TimeStamping => {
            ku_allows(|k| k.digital_signature() || k.non_repudiation())
                && eku.as_ref().is_some_and(|(critical, e)| *critical && e.0 == [oid::KP_TIME_STAMPING])
        }
    };
    if !ok {
        return Err(usage(format!("the key usage of {who} does not permit {required:?}")));
    }
    Ok(())
}

/// Returns whether a CRL for `cert`'s issuer was available.
fn check_revocation(
    cert: &Certificate,
    issuer: &Certificate,
    at: OffsetDateTime,
    crls: &[Crl],
) -> Result<bool> {
    let issuer_name = issuer.x509().tbs_certificate().subject();
    let mut checked = false;
    for crl in crls.iter().filter(|c| &c.x509().tbs_cert_list.issuer == issuer_name) {
        crl.verify(issuer).map_err(|e| match e {
            Error::Certificate(CertError::BadSignature { .. }) => CertError::Crl {
                detail: format!("the signature on a CRL of {} does not verify", issuer.subject()),
            }
            .into(),
            other => other,
        })?;
        if let Some(next) = crl.next_update()?
            && next < at
        {
            return Err(CertError::Crl {
                detail: format!(
                    "the CRL of {} is stale: nextUpdate {} is before {}",
                    issuer.subject(),
                    rfc3339(next),
                    rfc3339(at)
                ),
            }
            .into());
        }
        checked = true;
        let serial = cert.x509().tbs_certificate().serial_number();
        if let Some(entry) = crl.lookup_x509(serial)?
            && entry.revoked_at <= at
            && entry.reason != RevocationReason::RemoveFromCrl
        {
            return Err(CertError::Revoked {
                serial: entry.serial.to_string(),
                reason: entry.reason.to_string(),
                revoked_at: rfc3339(entry.revoked_at),
            }
            .into());
        }
    }
    Ok(checked)
}
