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
    /// The certificate, DER.
    pub certificate_der: Vec<u8>,
}

/// A refusal with its message, or a fault of ours.
pub type Checked<T> = Result<Result<T, (Failure, String)>>;

fn current_crl(dir: &DataDir) -> Result<Crl> {
    Crl::from_pem(&read_text(&dir.crl_path())?).context("the data directory's crl.pem is damaged")
}

/// Whether `serial` is revoked at this moment, per the current CRL *or* the
/// CA index (whichever `sealbid ca revoke` wrote first).
///
/// Both files are replaced atomically (write + rename) on every change, so
/// their inode, length and modification time identify a version: the set of
/// revoked serials is re-read only when one of them changed, and a request
/// costs two `stat` calls instead of parsing the CA index.
pub fn revoked_now(dir: &DataDir, serial: &CertSerial) -> Result<bool> {
    let wanted = serial.to_string();
    let stamp = (file_stamp(&dir.crl_path())?, file_stamp(&dir.index_path())?);
    let mut cache = REVOKED.lock().map_err(|_| anyhow::anyhow!("the revocation cache is poisoned"))?;
    let fresh = cache.get(dir.path()).filter(|c| c.stamp == stamp).map(|c| c.serials.contains(&wanted));
    if let Some(revoked) = fresh {
        return Ok(revoked);
    }
    let serials = revoked_serials(dir)?;
    let revoked = serials.contains(&wanted);
    cache.insert(dir.path().to_path_buf(), Revoked { stamp, serials });
    Ok(revoked)
}

type FileStamp = (u64, u64, std::time::SystemTime);

struct Revoked {
    stamp: (FileStamp, FileStamp),
    serials: std::collections::HashSet<String>,
}

static REVOKED: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, Revoked>>,
> = std::sync::LazyLock::new(Default::default);

fn file_stamp(path: &std::path::Path) -> Result<FileStamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((m.ino(), m.len(), m.modified()?))
}

/// Every revoked serial (upper-case hex) in the CRL and the CA index.
fn revoked_serials(dir: &DataDir) -> Result<std::collections::HashSet<String>> {
    let crl = current_crl(dir)?;
    let mut set: std::collections::HashSet<String> = crl
        .entries()
        .context("the data directory's crl.pem cannot be read")?
        .into_iter()
        .filter(|e| e.reason != RevocationReason::RemoveFromCrl)
        .map(|e| e.serial.to_string())
        .collect();
    let index = dir.read_index()?;
    set.extend(
        index.certificates.iter().filter(|c| c.revoked.is_some()).map(|c| c.serial.to_ascii_uppercase()),
    );
    Ok(set)
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
        certificate_der: leaf.to_der().to_vec(),
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
