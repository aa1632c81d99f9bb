//! What the user keeps in this browser, in IndexedDB (database `sealbid`,
//! object store `keys`), every secret exactly as it is on disk — encrypted:
//!
//! | key | value |
//! |---|---|
//! | `identity` | the encrypted PKCS#8 key file as imported and the certificate chain ([`StoredIdentity`]) |
//! | `share/{context}/{index}` | an official's password-encrypted key-share file ([`StoredShare`]) |
//! | `ceremony/{context}/{index}` | an official's password-encrypted key-ceremony state (seed and sent messages) |
//!
//! Nothing decrypted is ever stored: after a reload only the password is
//! needed, and each file can be exported again as it was. An identity kept
//! in `localStorage` by an earlier version of the app is moved here on the
//! first [`load`].

use base64ct::{Base64, Encoding};
use gloo::storage::{LocalStorage, Storage};
use js_sys::Promise;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransactionMode};

/// The IndexedDB database and its one object store.
const DB_NAME: &str = "sealbid";
const STORE: &str = "keys";
const DB_VERSION: u32 = 1;
/// Where the identity is kept.
const IDENTITY: &str = "identity";
/// Where an earlier version kept the identity (`localStorage`).
const LEGACY_KEY: &str = "sealbid.identity";

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

/// An official's key-share file kept in the browser, still password-encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredShare {
    /// The share file (`sealbid committee step --share-out` layout), base64.
    pub file: String,
    /// File name for export.
    pub name: String,
    /// The official's index in the ceremony (from the file's header).
    pub index: usize,
    /// Hex of the ceremony context (from the file's header).
    pub context: String,
    /// Hex of the committee's threshold public key, when the file records it.
    pub committee_key: Option<String>,
    /// Serial of the certificate of the official who kept it here.
    pub owner: String,
}

impl StoredShare {
    /// A stored share for a share file's bytes; reads its header (no password needed).
    pub fn new(file: &[u8], name: &str, owner: &str) -> Result<Self, String> {
        let (index, context, committee_key) = peek_share_file(file)?;
        Ok(Self {
            file: Base64::encode_string(file),
            name: name.into(),
            index,
            context: hex::encode(context),
            committee_key: committee_key.map(hex::encode),
            owner: owner.into(),
        })
    }

    /// The share file's bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        Base64::decode_vec(&self.file).map_err(|_| "the stored key-share file is damaged".to_string())
    }

    fn key(&self) -> String {
        format!("share/{}/{}", self.context, self.index)
    }
}

/// A share file's header: official index, ceremony context, committee key.
type ShareHeader = (usize, [u8; 32], Option<[u8; 48]>);

/// Reads a share file's header (the layout of
/// `sealbid_crypto::committee::share_file`, version 1 or 2): the official's
/// index, the ceremony context and, in version 2, the committee key. The
/// header is authenticated by the file's SM4-GCM tag, so nothing here is
/// trusted until the file is opened with its password; it only files the
/// share under its committee.
fn peek_share_file(file: &[u8]) -> Result<ShareHeader, String> {
    const HEADER: usize = 4 + 1 + 4 + 16 + 2 + 32;
    let not = || "not a sealbid key-share file".to_string();
    if file.len() < HEADER || &file[..4] != b"SBKS" {
        return Err(not());
    }
    let index = usize::from(u16::from_be_bytes([file[25], file[26]]));
    let context: [u8; 32] = file[27..HEADER].try_into().map_err(|_| not())?;
    let committee = match file[4] {
        1 => None,
        2 => {
            let key: [u8; 48] =
                file.get(HEADER..HEADER + 48).ok_or_else(not)?.try_into().map_err(|_| not())?;
            sealbid_crypto::threshold_crypto::PublicKey::from_bytes(key).map_err(|_| not())?;
            Some(key)
        }
        v => return Err(format!("unsupported key-share file version {v}")),
    };
    Ok((index, context, committee))
}

fn js_error(what: &str, e: JsValue) -> String {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    format!("browser storage (IndexedDB): {what}: {detail}")
}

/// A promise settled by a request's `success` / `error` events.
fn settled(req: &IdbRequest) -> Promise {
    Promise::new(&mut |resolve, reject| {
        let ok = req.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let bad = req.clone();
        let on_error = Closure::once_into_js(move || {
            let e = bad.error().ok().flatten().map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        req.set_onsuccess(Some(on_success.unchecked_ref()));
        req.set_onerror(Some(on_error.unchecked_ref()));
    })
}

/// Opens (creating on first use) the database.
async fn database() -> Result<IdbDatabase, String> {
    let factory = gloo::utils::window()
        .indexed_db()
        .map_err(|e| js_error("not available", e))?
        .ok_or("browser storage (IndexedDB) is not available in this browser")?;
    let open = factory.open_with_u32(DB_NAME, DB_VERSION).map_err(|e| js_error("open", e))?;
    let upgrading = open.clone();
    let on_upgrade = Closure::once_into_js(move || {
        if let Ok(db) = upgrading.result().and_then(|d| d.dyn_into::<IdbDatabase>())
            && !db.object_store_names().contains(STORE)
        {
            let _ = db.create_object_store(STORE);
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db = JsFuture::from(settled(&open)).await.map_err(|e| js_error("open", e))?;
    db.dyn_into::<IdbDatabase>().map_err(|_| "browser storage (IndexedDB): not a database".to_string())
}

async fn store(mode: IdbTransactionMode) -> Result<IdbObjectStore, String> {
    let db = database().await?;
    let tx = db.transaction_with_str_and_mode(STORE, mode).map_err(|e| js_error("transaction", e))?;
    tx.object_store(STORE).map_err(|e| js_error("object store", e))
}

async fn run(req: Result<IdbRequest, JsValue>, what: &str) -> Result<JsValue, String> {
    let req = req.map_err(|e| js_error(what, e))?;
    JsFuture::from(settled(&req)).await.map_err(|e| js_error(what, e))
}

/// Reads the JSON value under `key`, `None` when there is none.
async fn get<T: DeserializeOwned>(key: &str) -> Result<Option<T>, String> {
    let store = store(IdbTransactionMode::Readonly).await?;
    let value = run(store.get(&JsValue::from_str(key)), "read").await?;
    match value.as_string() {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| format!("{key}: damaged: {e}")),
    }
}

/// Writes `value` as JSON under `key`.
async fn put<T: Serialize>(key: &str, value: &T) -> Result<(), String> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    let store = store(IdbTransactionMode::Readwrite).await?;
    run(store.put_with_key(&JsValue::from_str(&text), &JsValue::from_str(key)), "write").await.map(|_| ())
}

async fn delete(key: &str) -> Result<(), String> {
    let store = store(IdbTransactionMode::Readwrite).await?;
    run(store.delete(&JsValue::from_str(key)), "delete").await.map(|_| ())
}

/// The stored identity, if any (and readable); moves one kept in
/// `localStorage` by an earlier version of the app into IndexedDB.
pub async fn load() -> Option<StoredIdentity> {
    match get::<StoredIdentity>(IDENTITY).await {
        Ok(Some(found)) => Some(found),
        Ok(None) => {
            let legacy: StoredIdentity = LocalStorage::get(LEGACY_KEY).ok()?;
            if save(&legacy).await.is_ok() {
                LocalStorage::delete(LEGACY_KEY);
            }
            Some(legacy)
        }
        Err(e) => {
            gloo::console::warn!(e);
            None
        }
    }
}

/// Keeps `identity`, replacing any earlier one.
pub async fn save(identity: &StoredIdentity) -> Result<(), String> {
    put(IDENTITY, identity).await
}

/// Forgets the stored identity.
pub async fn forget() -> Result<(), String> {
    LocalStorage::delete(LEGACY_KEY);
    delete(IDENTITY).await
}

/// Every key-share file kept in this browser.
pub async fn shares() -> Result<Vec<StoredShare>, String> {
    let store = store(IdbTransactionMode::Readonly).await?;
    let values = run(store.get_all(), "read").await?;
    let values: js_sys::Array = values.dyn_into().map_err(|_| "browser storage: not a list".to_string())?;
    Ok(values
        .iter()
        .filter_map(|v| v.as_string())
        .filter_map(|t| serde_json::from_str::<StoredShare>(&t).ok())
        .collect())
}

/// Keeps a key-share file (replacing one of the same ceremony and index).
pub async fn save_share(share: &StoredShare) -> Result<(), String> {
    put(&share.key(), share).await
}

/// Forgets a key-share file.
pub async fn forget_share(share: &StoredShare) -> Result<(), String> {
    delete(&share.key()).await
}

fn ceremony_key(context: &str, index: usize) -> String {
    format!("ceremony/{context}/{index}")
}

/// The encrypted ceremony state of official `index` in ceremony `context` (hex), if any.
pub async fn ceremony_state(context: &str, index: usize) -> Result<Option<Vec<u8>>, String> {
    let text: Option<String> = get(&ceremony_key(context, index)).await?;
    text.map(|t| Base64::decode_vec(&t).map_err(|_| "the stored ceremony state is damaged".to_string()))
        .transpose()
}

/// Keeps the encrypted ceremony state of official `index` in ceremony `context` (hex).
pub async fn save_ceremony_state(context: &str, index: usize, sealed: &[u8]) -> Result<(), String> {
    put(&ceremony_key(context, index), &Base64::encode_string(sealed)).await
}

#[cfg(test)]
mod tests {
    use rand_chacha02::ChaCha20Rng;
    use rand_chacha02::rand_core::SeedableRng;
    use sealbid_crypto::committee::{seal_share_file, seal_share_file_for};
    use sealbid_crypto::threshold_crypto::SecretKeySet;

    use super::StoredShare;

    #[test]
    fn share_file_headers_are_read_without_the_password() {
        let set = SecretKeySet::random(1, &mut ChaCha20Rng::from_seed([7; 32]));
        let pk = set.public_keys().public_key();
        let v2 = seal_share_file_for(&set.secret_key_share(2), 2, &[5; 32], &pk, b"pw", 1_000).unwrap();
        let s = StoredShare::new(&v2, "C1-official3.share", "ab12").unwrap();
        assert_eq!(s.index, 2);
        assert_eq!(s.context, hex::encode([5; 32]));
        assert_eq!(s.committee_key, Some(hex::encode(pk.to_bytes())));
        assert_eq!(s.bytes().unwrap(), v2);
        let v1 = seal_share_file(&set.secret_key_share(0), 0, &[6; 32], b"pw", 1_000).unwrap();
        let s = StoredShare::new(&v1, "old.share", "ab12").unwrap();
        assert_eq!((s.index, s.committee_key), (0, None));
        assert!(StoredShare::new(&v2[..40], "cut.share", "ab12").is_err());
        let mut other = v2.clone();
        other[..4].copy_from_slice(b"SBDS");
        assert!(StoredShare::new(&other, "state.bin", "ab12").is_err(), "a ceremony state is not a share");
    }
}
