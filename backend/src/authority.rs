//! Loading and saving the CA's own keys and certificates in a data directory.

use anyhow::{Context, Result, bail};
use sealbid_crypto::pki::{Certificate, Crl, Issuer, RevocationReason, RevokedEntry};
use sealbid_crypto::{PrivateKey, keyfile};
use time::{Duration, OffsetDateTime};

use crate::datadir::{Authority, CaIndex, DataDir, read_file, read_text, write_atomic, write_secret_new};

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
