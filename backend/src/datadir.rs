//! The data directory: where the offline tools keep the CA, the TSA and their records.
//!
//! ```text
//! sealbid-data/
//!   root.pem              root CA certificate (the trust anchor to distribute)
//!   issuing.pem           issuing CA certificate
//!   chain.pem             issuing + root, for verifiers
//!   tsa.pem               time-stamping authority certificate
//!   seal-authority.pem    seal authority certificate
//!   crl.pem               the newest CRL of the issuing CA
//!   private/*.p8          the four CA keys, encrypted PKCS#8 (SEALBID_CA_PASSWORD)
//!   ca/index.json         every certificate issued, revocations, counters
//!   ca/certs/SERIAL.pem   a copy of every certificate issued
//!   ca/.lock              held while a command changes the CA state
//! ```
//!
//! Every write goes to a temporary file that is renamed over the target, so
//! a crash leaves either the old or the new file, never half of one; the
//! index is written last, after the certificate file it points to.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// Default location of the data directory.
pub const DEFAULT_DIR: &str = "sealbid-data";

/// Names of the CA's keys and certificates inside the data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// The self-signed root.
    Root,
    /// The CA that issues people's certificates and the CRL.
    Issuing,
    /// The time-stamping authority.
    Tsa,
    /// The authority that signs seals (GB/T 38540).
    SealAuthority,
}

impl Authority {
    /// File stem used for the certificate and key.
    pub fn stem(self) -> &'static str {
        match self {
            Authority::Root => "root",
            Authority::Issuing => "issuing",
            Authority::Tsa => "tsa",
            Authority::SealAuthority => "seal-authority",
        }
    }
}

/// One certificate the CA issued, as recorded in `ca/index.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IssuedRecord {
    /// Serial number, lower-case hex.
    pub serial: String,
    /// Subject distinguished name, as text.
    pub subject: String,
    /// Profile: root, issuing-ca, person, tsa, seal-authority.
    pub profile: String,
    /// The role for person certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Revocation, once revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
}

/// A revocation entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Revocation {
    /// When, RFC 3339.
    pub at: String,
    /// RFC 5280 reason, kebab-case.
    pub reason: String,
}

/// The CA's records: `ca/index.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CaIndex {
    /// URL put in the CRL distribution point of every certificate.
    pub crl_url: String,
    /// Number of the last CRL issued (RFC 5280 §5.2.3; strictly increasing).
    pub crl_number: u64,
    /// Serial of the last time stamp issued.
    pub tsa_serial: u64,
    /// Every certificate issued, oldest first. Never deleted.
    pub certificates: Vec<IssuedRecord>,
}

/// An opened data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Refers to `root`; nothing is read yet.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Path of an authority's certificate.
    pub fn cert_path(&self, a: Authority) -> PathBuf {
        self.root.join(format!("{}.pem", a.stem()))
    }

    /// Path of an authority's encrypted key.
    pub fn key_path(&self, a: Authority) -> PathBuf {
        self.root.join("private").join(format!("{}.p8", a.stem()))
    }

    /// The transparency log's own signing key, encrypted with the CA password.
    pub fn log_key_path(&self) -> PathBuf {
        self.root.join("private").join("log.p8")
    }

    /// The transparency log's verifier key (public), `<origin>+<id>+<key>`.
    pub fn log_vkey_path(&self) -> PathBuf {
        self.root.join("log.vkey")
    }

    /// Path of the newest CRL.
    pub fn crl_path(&self) -> PathBuf {
        self.root.join("crl.pem")
    }

    /// Path of the chain file (issuing + root).
    pub fn chain_path(&self) -> PathBuf {
        self.root.join("chain.pem")
    }

    /// Path of the copy of an issued certificate.
    pub fn issued_cert_path(&self, serial_hex: &str) -> PathBuf {
        self.root.join("ca").join("certs").join(format!("{serial_hex}.pem"))
    }

    /// `ca/index.json`: the CA's record of every certificate it issued.
    pub fn index_path(&self) -> PathBuf {
        self.root.join("ca").join("index.json")
    }

    /// Whether `init` has run here.
    pub fn is_initialised(&self) -> bool {
        self.index_path().exists()
    }

    /// Fails with a helpful message unless `init` has run here.
    pub fn require_initialised(&self) -> Result<()> {
        if !self.is_initialised() {
            bail!(
                "{} is not an initialised data directory (run `sealbid init --data-dir {}` first)",
                self.root.display(),
                self.root.display()
            );
        }
        Ok(())
    }

    /// Creates the directory tree (private/ is readable by the owner only).
    pub fn create_layout(&self) -> Result<()> {
        for sub in ["", "private", "ca", "ca/certs"] {
            let dir = self.root.join(sub);
            fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        restrict_to_owner(&self.root.join("private"))?;
        Ok(())
    }

    /// Takes the data directory's lock for the life of the returned guard.
    pub fn lock(&self) -> Result<File> {
        let path = self.root.join("ca").join(".lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        file.try_lock().map_err(|_| {
            anyhow::anyhow!(
                "another sealbid command is changing {} right now; try again",
                self.root.display()
            )
        })?;
        Ok(file)
    }

    /// Reads `ca/index.json`.
    pub fn read_index(&self) -> Result<CaIndex> {
        self.require_initialised()?;
        let path = self.index_path();
        let text = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is damaged", path.display()))
    }

    /// Replaces `ca/index.json` atomically.
    pub fn write_index(&self, index: &CaIndex) -> Result<()> {
        let json = serde_json::to_vec_pretty(index)?;
        write_atomic(&self.index_path(), &json)
    }
}

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads a text file, naming it in the error.
pub fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("cannot read {} as text", path.display()))
}

/// Writes `data` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// Writes a secret (a key file): like [`write_atomic`], but owner-only permissions, and never over an existing file.
pub fn write_secret_new(path: &Path, data: &[u8]) -> Result<()> {
    if path.exists() {
        bail!("{} already exists; refusing to overwrite a key", path.display());
    }
    write_atomic(path, data)?;
    restrict_to_owner(path)
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if path.is_dir() { 0o700 } else { 0o600 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot restrict permissions of {}", path.display()))
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        write_atomic(&p, b"first version, longer").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"second");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
    }

    #[test]
    fn secret_is_never_overwritten_and_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.p8");
        write_secret_new(&p, b"key").unwrap();
        assert!(write_secret_new(&p, b"other").unwrap_err().to_string().contains("already exists"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn uninitialised_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = DataDir::new(dir.path()).read_index().unwrap_err().to_string();
        assert!(err.contains("sealbid init"), "{err}");
    }

    #[test]
    fn lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let d = DataDir::new(dir.path());
        d.create_layout().unwrap();
        let _held = d.lock().unwrap();
        assert!(d.lock().unwrap_err().to_string().contains("another sealbid command"));
    }
}
