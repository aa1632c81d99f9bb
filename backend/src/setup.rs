//! Creating a data directory's certificate authorities: the work behind
//! `sealbid init`, shared with `sealbid serve`'s first start.

use anyhow::{Result, bail};
use sealbid_crypto::PrivateKey;
use sealbid_crypto::pki::{CertSerial, Certificate, Issuer, Profile, SubjectInfo, Validity};
use time::Duration;

use crate::authority::{now, publish_crl, rfc3339, save_authority};
use crate::datadir::{Authority, CaIndex, DataDir, IssuedRecord, write_atomic};

/// What `sealbid init` puts into the CA certificates.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// URL of the CRL, written into every certificate's CRL distribution point.
    pub crl_url: String,
    /// Organisation name in the CA certificates.
    pub org: String,
}

/// Creates the root CA, issuing CA, TSA and seal authority in `dir`, their keys
/// encrypted with `password`, the chain file, the first CRL and the index.
///
/// Refuses an initialised directory. Returns the four authorities' certificates.
pub fn initialise(
    dir: &DataDir,
    opts: &InitOptions,
    password: &[u8],
) -> Result<Vec<(Authority, Certificate)>> {
    if dir.is_initialised() {
        bail!("{} is already initialised; refusing to replace its CA", dir.path().display());
    }
    if !opts.crl_url.starts_with("http://") && !opts.crl_url.starts_with("https://") {
        bail!("--crl-url must be an http:// or https:// URL, got {:?}", opts.crl_url);
    }
    dir.create_layout()?;
    let _lock = dir.lock()?;

    let start = now() - Duration::minutes(5);
    let subject = |cn: &str| SubjectInfo { organization: Some(opts.org.clone()), ..SubjectInfo::new(cn) };

    let root_key = PrivateKey::generate()?;
    let root = Issuer::new_root(
        root_key.clone(),
        &subject("sealbid Root CA"),
        Validity::new(start, start + Duration::days(20 * 365))?,
        CertSerial::random()?,
    )?;
    let issue =
        |issuer: &Issuer, cn: &str, profile: Profile, years: i64| -> Result<(Certificate, PrivateKey)> {
            let key = PrivateKey::generate()?;
            let validity = Validity::new(start, start + Duration::days(years * 365))?;
            let cert = issuer.issue(
                &subject(cn),
                &key.public_key(),
                profile,
                validity,
                CertSerial::random()?,
                &opts.crl_url,
            )?;
            Ok((cert, key))
        };
    let (issuing_cert, issuing_key) = issue(&root, "sealbid Issuing CA", Profile::IssuingCa, 10)?;
    let issuing = Issuer::new(issuing_cert.clone(), issuing_key.clone())?;
    let (tsa_cert, tsa_key) = issue(&issuing, "sealbid Time-Stamping Authority", Profile::TimeStamping, 5)?;
    let (seal_cert, seal_key) = issue(&issuing, "sealbid Seal Authority", Profile::SealAuthority, 5)?;

    save_authority(dir, Authority::Root, root.certificate(), &root_key, password)?;
    save_authority(dir, Authority::Issuing, &issuing_cert, &issuing_key, password)?;
    save_authority(dir, Authority::Tsa, &tsa_cert, &tsa_key, password)?;
    save_authority(dir, Authority::SealAuthority, &seal_cert, &seal_key, password)?;
    write_atomic(
        &dir.chain_path(),
        format!("{}{}", issuing_cert.to_pem()?, root.certificate().to_pem()?).as_bytes(),
    )?;

    let authorities = vec![
        (Authority::Root, root.certificate().clone()),
        (Authority::Issuing, issuing_cert),
        (Authority::Tsa, tsa_cert),
        (Authority::SealAuthority, seal_cert),
    ];
    let mut index =
        CaIndex { crl_url: opts.crl_url.clone(), crl_number: 0, tsa_serial: 0, certificates: Vec::new() };
    for (a, cert) in &authorities {
        let profile = match a {
            Authority::Root => Profile::RootCa,
            Authority::Issuing => Profile::IssuingCa,
            Authority::Tsa => Profile::TimeStamping,
            Authority::SealAuthority => Profile::SealAuthority,
        };
        index.certificates.push(record(cert, profile)?);
    }
    publish_crl(dir, &issuing, &mut index)?;
    dir.write_index(&index)?;
    Ok(authorities)
}

/// The index record for a certificate the CA issued.
pub fn record(cert: &Certificate, profile: Profile) -> Result<IssuedRecord> {
    let info = cert.subject_info()?;
    Ok(IssuedRecord {
        serial: cert.serial()?.to_string(),
        subject: cert.subject(),
        profile: profile.as_str().to_string(),
        role: info.role.map(|r| r.as_str().to_string()),
        not_before: rfc3339(cert.not_before()?),
        not_after: rfc3339(cert.not_after()?),
        revoked: None,
    })
}
