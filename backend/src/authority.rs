//! Loading and saving the CA's own keys and certificates in a data directory.

use anyhow::{Context, Result, bail};
use sealbid_crypto::pki::{
    CertSerial, Certificate, Crl, Issuer, Profile, RevocationReason, RevokedEntry, SubjectInfo, Validity,
};
use sealbid_crypto::{PrivateKey, PublicKey, keyfile};
use time::{Duration, OffsetDateTime};

use crate::datadir::{
    Authority, CaIndex, DataDir, Revocation, read_file, read_text, write_atomic, write_secret_new,
};

/// Longest validity a person certificate may have, in days.
pub const MAX_DAYS: i64 = 3650;

/// How long a CRL stays current before relying parties should fetch a newer one.
pub const CRL_LIFETIME: Duration = Duration::days(7);

/// The current time in whole seconds (certificates and CRLs carry no fractions).
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Reads an authority's certificate from the data directory.
pub fn load_cert(dir: &DataDir, a: Authority) -> Result<Certificate> {
    let path = dir.cert_path(a);
    Certificate::from_pem(&read_text(&path)?)
        .with_context(|| format!("{} is not a valid certificate", path.display()))
}

/// What seals and signed PDFs are checked against: the data directory's
/// root, issuing CA, current CRL, seal authority and TSA.
pub fn sealing_trust(dir: &DataDir) -> Result<sealbid_sealing::ses::Trust> {
    let crl =
        Crl::from_pem(&read_text(&dir.crl_path())?).context("the data directory's crl.pem is damaged")?;
    Ok(sealbid_sealing::ses::Trust {
        seal_authorities: vec![load_cert(dir, Authority::SealAuthority)?],
        anchors: vec![load_cert(dir, Authority::Root)?],
        intermediates: vec![load_cert(dir, Authority::Issuing)?],
        crls: vec![crl],
        tsa: Some(load_cert(dir, Authority::Tsa)?),
    })
}

/// Opens an authority's encrypted key with the CA password and checks it belongs to its certificate.
pub fn load_key(dir: &DataDir, a: Authority, cert: &Certificate, password: &[u8]) -> Result<PrivateKey> {
    let path = dir.key_path(a);
    let key = keyfile::decrypt(&read_file(&path)?, password)
        .with_context(|| format!("cannot open {} with SEALBID_CA_PASSWORD", path.display()))?;
    if cert.public_key()? != key.public_key() {
        bail!("{} does not belong to the certificate {}", path.display(), dir.cert_path(a).display());
    }
    Ok(key)
}

/// The issuing CA, ready to sign.
pub fn load_issuer(dir: &DataDir, password: &[u8]) -> Result<Issuer> {
    let cert = load_cert(dir, Authority::Issuing)?;
    let key = load_key(dir, Authority::Issuing, &cert, password)?;
    Ok(Issuer::new(cert, key)?)
}

/// Saves a new authority: encrypted key (never overwriting) and certificate.
pub fn save_authority(
    dir: &DataDir,
    a: Authority,
    cert: &Certificate,
    key: &PrivateKey,
    password: &[u8],
) -> Result<()> {
    let pem = keyfile::encrypt_pem(key, password, keyfile::DEFAULT_ITERATIONS)?;
    write_secret_new(&dir.key_path(a), pem.as_bytes())?;
    write_atomic(&dir.cert_path(a), cert.to_pem()?.as_bytes())
}

/// The revocation entries recorded in the index.
pub fn revoked_entries(index: &CaIndex) -> Result<Vec<RevokedEntry>> {
    index
        .certificates
        .iter()
        .filter_map(|c| c.revoked.as_ref().map(|r| (c, r)))
        .map(|(c, r)| {
            Ok(RevokedEntry {
                serial: c.serial.parse().with_context(|| format!("bad serial {} in the index", c.serial))?,
                revoked_at: OffsetDateTime::parse(&r.at, &time::format_description::well_known::Rfc3339)
                    .with_context(|| format!("bad revocation time {} in the index", r.at))?,
                reason: r.reason.parse::<RevocationReason>()?,
            })
        })
        .collect()
}

/// Issues the next CRL from the index, stores it as the data directory's current CRL,
/// and bumps the CRL number in `index` (the caller writes the index).
pub fn publish_crl(dir: &DataDir, issuer: &Issuer, index: &mut CaIndex) -> Result<Crl> {
    let number = index.crl_number + 1;
    let this_update = now();
    let crl = issuer.issue_crl(number, this_update, this_update + CRL_LIFETIME, &revoked_entries(index)?)?;
    write_atomic(&dir.crl_path(), crl.to_pem()?.as_bytes())?;
    index.crl_number = number;
    Ok(crl)
}

/// Formats a time as RFC 3339.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// Takes the data directory's lock, waiting up to 5 s for another command
/// (or another request of the server) to release it.
pub fn lock_waiting(dir: &DataDir) -> Result<std::fs::File> {
    for _ in 0..50 {
        if let Ok(guard) = dir.lock() {
            return Ok(guard);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    dir.lock()
}

/// Issues a person certificate for `public_key` with the issuing CA, valid
/// from a minute ago for `days` days, under the data directory's lock: the
/// certificate is copied to `ca/certs/SERIAL.pem` and recorded in
/// `ca/index.json` (what `sealbid ca issue` does).
pub fn issue_person(
    dir: &DataDir,
    password: &[u8],
    subject: &SubjectInfo,
    public_key: &PublicKey,
    days: i64,
) -> Result<Certificate> {
    issue_with(dir, &load_issuer(dir, password)?, subject, public_key, days)
}

/// [`issue_person`] with an issuer already loaded (its key decrypted
/// beforehand, so the signing itself is quick).
pub fn issue_with(
    dir: &DataDir,
    issuer: &Issuer,
    subject: &SubjectInfo,
    public_key: &PublicKey,
    days: i64,
) -> Result<Certificate> {
    if !(1..=MAX_DAYS).contains(&days) {
        bail!("days must be between 1 and {MAX_DAYS}, got {days}");
    }
    let _lock = lock_waiting(dir)?;
    let mut index = dir.read_index()?;
    let start = now() - Duration::minutes(1);
    let end = start + Duration::days(days);
    let ca_end = issuer.certificate().not_after()?;
    if end > ca_end {
        bail!("the issuing CA expires at {}; ask for fewer days", rfc3339(ca_end));
    }
    let validity = Validity::new(start, end)?;
    let cert = issuer.issue(
        subject,
        public_key,
        Profile::Person,
        validity,
        CertSerial::random()?,
        &index.crl_url,
    )?;
    let serial = cert.serial()?.to_string();
    write_atomic(&dir.issued_cert_path(&serial), cert.to_pem()?.as_bytes())?;
    index.certificates.push(crate::setup::record(&cert, Profile::Person)?);
    dir.write_index(&index)?;
    Ok(cert)
}

/// Why a revocation was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeRefusal {
    /// This CA never issued the serial.
    Unknown,
    /// The serial is one of the CA's own certificates.
    CaCertificate,
    /// Already revoked: when and why.
    AlreadyRevoked(Revocation),
}

impl std::fmt::Display for RevokeRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RevokeRefusal::Unknown => f.write_str("no certificate with this serial was issued by this CA"),
            RevokeRefusal::CaCertificate => {
                f.write_str("a CA certificate is retired by re-initialising, not by its own CRL")
            }
            RevokeRefusal::AlreadyRevoked(r) => write!(f, "already revoked (at {}, {})", r.at, r.reason),
        }
    }
}

/// A revocation that was made.
#[derive(Debug, Clone)]
pub struct Revoked {
    /// Subject of the revoked certificate.
    pub subject: String,
    /// When, RFC 3339.
    pub at: String,
    /// Number of the CRL that lists it (already written as `crl.pem`).
    pub crl_number: u64,
}

/// Revokes `serial` at once under the data directory's lock: the index
/// records it and a new CRL is published (what `sealbid ca revoke` does).
pub fn revoke(
    dir: &DataDir,
    password: &[u8],
    serial: &CertSerial,
    reason: RevocationReason,
) -> Result<Result<Revoked, RevokeRefusal>> {
    revoke_with(dir, &load_issuer(dir, password)?, serial, reason)
}

/// [`revoke`] with an issuer already loaded.
pub fn revoke_with(
    dir: &DataDir,
    issuer: &Issuer,
    serial: &CertSerial,
    reason: RevocationReason,
) -> Result<Result<Revoked, RevokeRefusal>> {
    let _lock = lock_waiting(dir)?;
    let mut index = dir.read_index()?;
    let wanted = serial.to_string();
    let Some(rec) = index.certificates.iter_mut().find(|c| c.serial.eq_ignore_ascii_case(&wanted)) else {
        return Ok(Err(RevokeRefusal::Unknown));
    };
    if matches!(rec.profile.as_str(), "root-ca" | "issuing-ca") {
        return Ok(Err(RevokeRefusal::CaCertificate));
    }
    if let Some(r) = &rec.revoked {
        return Ok(Err(RevokeRefusal::AlreadyRevoked(r.clone())));
    }
    let at = rfc3339(now());
    rec.revoked = Some(Revocation { at: at.clone(), reason: reason.as_str().to_string() });
    let subject = rec.subject.clone();
    publish_crl(dir, issuer, &mut index)?;
    dir.write_index(&index)?;
    Ok(Ok(Revoked { subject, at, crl_number: index.crl_number }))
}

/// How long records of a certificate are kept after it expires (seed 002:
/// certificates and applications at least 5 years past expiry).
pub const RETENTION_YEARS: i32 = 5;

/// The end of retention of a record whose certificate ends at `not_after`:
/// the same instant [`RETENTION_YEARS`] later (29 February → 28 February), RFC 3339.
pub fn retain_until(not_after: OffsetDateTime) -> String {
    let year = not_after.year() + RETENTION_YEARS;
    let later = not_after
        .replace_year(year)
        .or_else(|_| not_after.replace_day(28).and_then(|t| t.replace_year(year)))
        .unwrap_or(not_after);
    rfc3339(later)
}

/// [`retain_until`] of an RFC 3339 time.
pub fn retain_until_text(not_after: &str) -> Result<String> {
    let t = OffsetDateTime::parse(not_after, &time::format_description::well_known::Rfc3339)
        .with_context(|| format!("bad time {not_after}"))?;
    Ok(retain_until(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_five_years_past_the_end() {
        assert_eq!(retain_until_text("2026-11-22T17:14:16Z").unwrap(), "2031-11-22T17:14:16Z");
        assert_eq!(retain_until_text("2028-02-29T00:00:00Z").unwrap(), "2033-02-28T00:00:00Z");
        assert!(retain_until_text("yesterday").is_err());
    }
}
