//! Certificate checks for login and for every authenticated request, against
//! the data directory as it is *now*: `root.pem`, `issuing.pem`, `crl.pem`
//! and `ca/index.json` are read on every call (no cache), so a revocation by
//! `sealbid ca revoke` takes effect at the next request.

use anyhow::{Context, Result};
use sealbid_crypto::pki::{CertSerial, Certificate, Crl, RevocationReason, Usage, verify_chain};
use sealbid_crypto::{Error as CryptoError, PublicKey, error::CertError};
use time::OffsetDateTime;

use super::error::Failure;
use crate::authority::load_cert;
use crate::datadir::{Authority, DataDir, read_text};

/// Who a verified login certificate names.
#[derive(Debug, Clone)]
pub struct Holder {
    /// Serial, upper-case hex.
    pub serial: String,
    /// Subject distinguished name.
    pub subject: String,
    /// Organisation (O).
    pub organization: Option<String>,
    /// Unified social credit code of the organisation.
    pub uscc: Option<String>,
    /// Platform role (title).
    pub role: String,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// The key that must have signed the login message.
    pub public_key: PublicKey,
}

/// A refusal with its message, or a fault of ours.
pub type Checked<T> = Result<Result<T, (Failure, String)>>;

fn current_crl(dir: &DataDir) -> Result<Crl> {
    Crl::from_pem(&read_text(&dir.crl_path())?).context("the data directory's crl.pem is damaged")
}

/// Whether `serial` is revoked at this moment, per the current CRL *or* the
/// CA index (whichever `sealbid ca revoke` wrote first).
pub fn revoked_now(dir: &DataDir, serial: &CertSerial) -> Result<bool> {
    let listed = current_crl(dir)?
        .lookup(serial)
        .context("the data directory's crl.pem cannot be searched")?
        .is_some_and(|e| e.reason != RevocationReason::RemoveFromCrl);
    if listed {
        return Ok(true);
    }
    let index = dir.read_index()?;
    let wanted = serial.to_string();
    Ok(index.certificates.iter().any(|c| c.serial.eq_ignore_ascii_case(&wanted) && c.revoked.is_some()))
}

/// Verifies a login certificate at `now`: a path leaf → the data directory's
/// issuing CA → its root, client-authentication usage, a role in the
/// subject, validity, and revocation by the live CRL and index.
pub fn verify_login_certificate(dir: &DataDir, leaf: &Certificate, now: OffsetDateTime) -> Checked<Holder> {
    let root = load_cert(dir, Authority::Root)?;
    let issuing = load_cert(dir, Authority::Issuing)?;
    let crl = current_crl(dir)?;
    let chain =
        match verify_chain(leaf, std::slice::from_ref(&issuing), &[root], now, &[crl], Usage::ClientAuth) {
            Ok(c) => c,
            Err(e) => return Ok(Err(classify(&e))),
        };
    let via_issuing = chain.path().len() == 3 && chain.path()[1].to_der() == issuing.to_der();
    if !via_issuing {
        return Ok(Err((
            Failure::CertificateUntrusted,
            "the certificate is not issued by this platform's issuing CA".into(),
        )));
    }
    let serial = leaf.serial()?;
    if revoked_now(dir, &serial)? {
        return Ok(Err((Failure::CertificateRevoked, format!("certificate {serial} is revoked"))));
    }
    let Ok(info) = leaf.subject_info() else {
        return Ok(Err((
            Failure::CertificateUntrusted,
            "the certificate's subject is not a sealbid subject".into(),
        )));
    };
    let Some(role) = info.role else {
        return Ok(Err((
            Failure::CertificateUntrusted,
            "the certificate names no role (title): it cannot log in".into(),
        )));
    };
    Ok(Ok(Holder {
        serial: serial.to_string(),
        subject: leaf.subject(),
        organization: info.organization,
        uscc: info.uscc.map(|u| u.as_str().to_string()),
        role: role.as_str().to_string(),
        not_after: leaf.not_after()?,
        public_key: chain.public_key().clone(),
    }))
}

fn classify(e: &CryptoError) -> (Failure, String) {
    let failure = match e {
        CryptoError::Certificate(CertError::Expired { .. } | CertError::NotYetValid { .. }) => {
            Failure::CertificateExpired
        }
        CryptoError::Certificate(CertError::Revoked { .. }) => Failure::CertificateRevoked,
        _ => Failure::CertificateUntrusted,
    };
    (failure, e.to_string())
}
