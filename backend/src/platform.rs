//! The platform's own signature: the seal authority's key signs what the
//! platform asserts (receipts, published tenders, results), and the TSA
//! stamps those signatures. Both keys are loaded once at start.

use std::sync::Arc;

use anyhow::{Context, Result};
use sealbid_crypto::der::asn1::Uint;
use sealbid_crypto::pki::Certificate;
use sealbid_crypto::tsp::{Imprint, ImprintAlgorithm, StampOptions};
use sealbid_crypto::{PrivateKey, Purpose, SignedMessage};
use time::OffsetDateTime;

use crate::authority::{load_cert, load_key};
use crate::datadir::{Authority, DataDir};
use crate::db::counters::{self, TSA_SERIAL};
use crate::server::AppState;

/// The platform's signing key and certificate (the data directory's seal authority).
pub struct Platform {
    /// The key.
    pub key: PrivateKey,
    /// Its certificate, published at `/pki/platform`.
    pub cert: Certificate,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform").field("cert", &self.cert.subject()).finish_non_exhaustive()
    }
}

/// Opens the platform key with the CA password (on the blocking pool).
pub async fn load(dir: &DataDir, password: &[u8]) -> Result<Arc<Platform>> {
    let dir = dir.clone();
    let password = zeroize::Zeroizing::new(password.to_vec());
    tokio::task::spawn_blocking(move || {
        let cert = load_cert(&dir, Authority::SealAuthority)?;
        let key = load_key(&dir, Authority::SealAuthority, &cert, &password)?;
        Ok(Arc::new(Platform { key, cert }))
    })
    .await
    .context("loading the platform key failed")?
}

/// A platform signature over a document and the TSA's token over that signature.
#[derive(Debug, Clone)]
pub struct Attested {
    /// SM2 signature (DER) over the tagged document.
    pub signature: Vec<u8>,
    /// RFC 3161 token over the signature (SM3 imprint).
    pub timestamp: Vec<u8>,
    /// The stamped time.
    pub time: OffsetDateTime,
}

/// Signs `document` for `purpose` with the platform key and time-stamps the
/// signature with the next TSA serial.
pub async fn attest(s: &AppState, purpose: Purpose, document: Vec<u8>) -> Result<Attested> {
    let platform = s.platform.clone();
    let time = crate::authority::now();
    let signature = tokio::task::spawn_blocking(move || {
        anyhow::Ok(SignedMessage::new(purpose, &document).sign(&platform.key)?.to_der())
    })
    .await
    .context("the platform signer failed")??;
    let timestamp = stamp(s, signature.clone(), time).await?;
    Ok(Attested { signature, timestamp, time })
}

/// An RFC 3161 token of the platform TSA over the SM3 imprint of `data`
/// (e.g. a PDF signature's value), with the next TSA serial, stamped at `time`.
pub async fn stamp(s: &AppState, data: Vec<u8>, time: OffsetDateTime) -> Result<Vec<u8>> {
    let serial = counters::next(&s.db, TSA_SERIAL).await?;
    let tsa = s.tsa.clone();
    tokio::task::spawn_blocking(move || {
        let imprint = Imprint::of(ImprintAlgorithm::Sm3, &data);
        let opts = StampOptions { nonce: None, include_cert: true };
        Ok(tsa.stamp(&imprint, Uint::new(&serial.to_be_bytes())?, time, &opts)?)
    })
    .await
    .context("the time-stamping authority failed")?
}
