//! The log's key and the checkpoints it signs.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use sealbid_crypto::PrivateKey;
use sealbid_crypto::keyfile;
use sealbid_crypto::log::tree::Sm3;
use sealbid_crypto::log::{Checkpoint, LogVerifier, SignedNote};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::store::{self, StoredCheckpoint};
use crate::authority::{load_cert, now, rfc3339};
use crate::datadir::{Authority, DataDir, read_file, read_text, write_atomic, write_secret_new};
use crate::server::AppState;

/// How often the log signs a new checkpoint while entries arrive.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(30);

/// The log's signing key and verifier.
pub struct LogSigner {
    key: PrivateKey,
    /// Its name and public key.
    pub verifier: LogVerifier,
    /// One checkpoint signed at a time in this process.
    signing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSigner").field("origin", &self.verifier.origin).finish_non_exhaustive()
    }
}

/// The log's name in this data directory: `sealbid/` and the first 8 bytes
/// of the root certificate's SM3 fingerprint, so two installations' logs differ.
pub fn origin(dir: &DataDir) -> Result<String> {
    let root = load_cert(dir, Authority::Root)?;
    Ok(format!("sealbid/{}", hex::encode(&root.fingerprint()[..8])))
}

/// The log's verifier key as the data directory publishes it.
pub fn verifier(dir: &DataDir) -> Result<LogVerifier> {
    let path = dir.log_vkey_path();
    LogVerifier::from_vkey(&read_text(&path)?).with_context(|| format!("{} is damaged", path.display()))
}

/// Opens the log key with the CA password, making it on first use (an
/// installation older than the log has none).
pub async fn load(dir: &DataDir, password: &[u8]) -> Result<Arc<LogSigner>> {
    let dir = dir.clone();
    let password = zeroize::Zeroizing::new(password.to_vec());
    tokio::task::spawn_blocking(move || {
        let origin = origin(&dir)?;
        let path = dir.log_key_path();
        let key = if path.exists() {
            keyfile::decrypt(&read_file(&path)?, &password)
                .with_context(|| format!("cannot open {} with SEALBID_CA_PASSWORD", path.display()))?
        } else {
            let key = PrivateKey::generate()?;
            let pem = keyfile::encrypt_pem(&key, &password, keyfile::DEFAULT_ITERATIONS)?;
            write_secret_new(&path, pem.as_bytes())?;
            key
        };
        let verifier = LogVerifier { origin, key: key.public_key() };
        write_atomic(&dir.log_vkey_path(), format!("{}\n", verifier.to_vkey()).as_bytes())?;
        Ok(Arc::new(LogSigner { key, verifier, signing: tokio::sync::Mutex::new(()) }))
    })
    .await
    .context("loading the log key failed")?
}

/// Signs and stores a checkpoint of the tree as committed now, unless the
/// newest checkpoint already has its size; returns the newest checkpoint
/// (`None` while the log is empty).
pub async fn checkpoint(s: &AppState) -> Result<Option<StoredCheckpoint>> {
    let _one = s.log.signing.lock().await;
    let head = store::head(&s.db).await?;
    let latest = store::latest(&s.db).await?;
    if head.size() == 0 || latest.as_ref().is_some_and(|l| l.size >= head.size()) {
        return Ok(latest);
    }
    // Checkpoint times never go backwards, even if the clock does.
    let mut time = now();
    if let Some(l) = &latest {
        let last = OffsetDateTime::parse(&l.time, &Rfc3339).context("a stored checkpoint has a bad time")?;
        time = time.max(last);
    }
    let cp = Checkpoint {
        origin: s.log.verifier.origin.clone(),
        size: head.size(),
        root: head.root::<Sm3>(),
        time,
    };
    let root = cp.root;
    let (log, cp) = (s.log.clone(), cp);
    let note = tokio::task::spawn_blocking(move || SignedNote::sign(cp, &log.key))
        .await
        .context("the log signer failed")??;
    let signature = note.signatures.first().map(|l| l.signature.clone()).unwrap_or_default();
    let timestamp = crate::platform::stamp(s, signature, time).await?;
    let stored =
        StoredCheckpoint { size: head.size(), note: note.to_text()?, timestamp, time: rfc3339(time) };
    Ok(Some(store::insert(&s.db, &stored, &root).await?))
}

/// The smallest checkpoint holding leaf `index`, signed now if none does yet.
pub async fn covering(s: &AppState, index: u64) -> Result<StoredCheckpoint> {
    if let Some(cp) = store::covering(&s.db, index + 1).await? {
        return Ok(cp);
    }
    checkpoint(s).await?;
    store::covering(&s.db, index + 1).await?.with_context(|| format!("the log has no entry {index}"))
}

/// Signs a checkpoint every `checkpoint_secs` of the configuration
/// (default [`CHECKPOINT_EVERY`]) while the tree grows.
pub fn spawn(s: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(s.config.checkpoint_secs.max(1)));
        loop {
            tick.tick().await;
            if let Err(e) = checkpoint(&s).await {
                tracing::warn!(error = format!("{e:?}"), "signing a log checkpoint failed; retrying");
            }
        }
    })
}
