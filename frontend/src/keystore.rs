//! The user's key kept in the browser: the encrypted PKCS#8 key file exactly
//! as imported (never the decrypted key) and the certificate chain, in the
//! browser's local storage, so after a reload only the password is needed.
//! The key file can be exported again; "forget" removes both.

use base64ct::{Base64, Encoding};
use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

/// Where the identity is kept.
const STORAGE_KEY: &str = "sealbid.identity";

/// What is stored: the encrypted key file and the certificate chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredIdentity {
    /// The encrypted key file (PEM or DER, as imported), base64.
    pub key_file: String,
    /// The key file's name when imported (for export).
    pub key_name: String,
    /// The certificate chain, PEM, leaf first.
    pub cert_pem: String,
}

impl StoredIdentity {
    /// A stored identity for a key file's bytes.
    pub fn new(key_file: &[u8], key_name: &str, cert_pem: &str) -> Self {
        Self {
            key_file: Base64::encode_string(key_file),
            key_name: key_name.into(),
            cert_pem: cert_pem.into(),
        }
    }

    /// The encrypted key file's bytes.
    pub fn key_bytes(&self) -> Option<Vec<u8>> {
        Base64::decode_vec(&self.key_file).ok()
    }
}

/// The stored identity, if any (and readable).
pub fn load() -> Option<StoredIdentity> {
    LocalStorage::get(STORAGE_KEY).ok()
}

/// Keeps `identity`, replacing any earlier one.
pub fn save(identity: &StoredIdentity) -> Result<(), String> {
    LocalStorage::set(STORAGE_KEY, identity).map_err(|e| e.to_string())
}

/// Forgets the stored identity.
pub fn forget() {
    LocalStorage::delete(STORAGE_KEY);
}
