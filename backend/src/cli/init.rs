//! `sealbid init`: creates the platform's certificate authorities.

use anyhow::{Result, bail};
use clap::Args;
use sealbid_crypto::PrivateKey;
use sealbid_crypto::pki::{CertSerial, Certificate, Issuer, Profile, SubjectInfo, Validity};
use time::Duration;

use crate::authority::{now, publish_crl, rfc3339, save_authority};
use crate::datadir::{Authority, CaIndex, DataDir, IssuedRecord, write_atomic};
use crate::secrets::{CA_PASSWORD_ENV, password};

/// Arguments of `sealbid init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// URL of the CRL, written into every certificate's CRL distribution point.
    #[arg(long, default_value = "http://127.0.0.1:8080/pki/crl")]
    pub crl_url: String,
    /// Organisation name in the CA certificates.
    #[arg(long, default_value = "sealbid")]
    pub org: String,
}

/// Runs `sealbid init`.
pub fn run(dir: &DataDir, args: InitArgs) -> Result<()> {
    if dir.is_initialised() {
        bail!("{} is already initialised; refusing to replace its CA", dir.path().display());
    }
    if !args.crl_url.starts_with("http://") && !args.crl_url.starts_with("https://") {
        bail!("--crl-url must be an http:// or https:// URL, got {:?}", args.crl_url);
    }
    let pw = password(CA_PASSWORD_ENV, "CA keys", true)?;
    dir.create_layout()?;
    let _lock = dir.lock()?;

    let start = now() - Duration::minutes(5);
    let subject = |cn: &str| SubjectInfo { organization: Some(args.org.clone()), ..SubjectInfo::new(cn) };

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
                &args.crl_url,
            )?;
            Ok((cert, key))
        };
    let (issuing_cert, issuing_key) = issue(&root, "sealbid Issuing CA", Profile::IssuingCa, 10)?;
    let issuing = Issuer::new(issuing_cert.clone(), issuing_key.clone())?;
    let (tsa_cert, tsa_key) = issue(&issuing, "sealbid Time-Stamping Authority", Profile::TimeStamping, 5)?;
    let (seal_cert, seal_key) = issue(&issuing, "sealbid Seal Authority", Profile::SealAuthority, 5)?;

    save_authority(dir, Authority::Root, root.certificate(), &root_key, pw.as_bytes())?;
    save_authority(dir, Authority::Issuing, &issuing_cert, &issuing_key, pw.as_bytes())?;
    save_authority(dir, Authority::Tsa, &tsa_cert, &tsa_key, pw.as_bytes())?;
    save_authority(dir, Authority::SealAuthority, &seal_cert, &seal_key, pw.as_bytes())?;
    write_atomic(
        &dir.chain_path(),
        format!("{}{}", issuing_cert.to_pem()?, root.certificate().to_pem()?).as_bytes(),
    )?;

    let mut index = CaIndex { crl_url: args.crl_url, crl_number: 0, tsa_serial: 0, certificates: Vec::new() };
    for (cert, profile) in [
        (root.certificate(), Profile::RootCa),
        (&issuing_cert, Profile::IssuingCa),
        (&tsa_cert, Profile::TimeStamping),
        (&seal_cert, Profile::SealAuthority),
    ] {
        index.certificates.push(record(cert, profile)?);
    }
    publish_crl(dir, &issuing, &mut index)?;
    dir.write_index(&index)?;

    println!("initialised {}", dir.path().display());
    for (a, cert) in [
        (Authority::Root, root.certificate()),
        (Authority::Issuing, &issuing_cert),
        (Authority::Tsa, &tsa_cert),
        (Authority::SealAuthority, &seal_cert),
    ] {
        println!("  {:<16} {}  serial {}", format!("{}.pem", a.stem()), cert.subject(), cert.serial()?);
    }
    Ok(())
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
