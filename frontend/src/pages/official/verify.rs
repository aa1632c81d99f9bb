//! Checks the published results in the browser, as a receipt is checked
//! ([`crate::pages::bid::verify`]): the platform's SM2 signature over the
//! results document (purpose `results/v1`), the TSA's RFC 3161 token over
//! that signature, both certificates chained to the platform's root CA and
//! checked against the current CRL at the stamped time.

use base64ct::{Base64, Encoding};
use sealbid_crypto::pki::{Certificate, Crl, Usage, verify_chain};
use sealbid_crypto::tsp::{ImprintAlgorithm, Stamped, verify_token};
use sealbid_crypto::{Purpose, Signature, SignedMessage};
use time::OffsetDateTime;

use crate::api;

async fn cert(path: &str) -> Result<Certificate, String> {
    let pem = api::get_text(path).await.map_err(|e| e.to_string())?;
    Certificate::from_pem(&pem).map_err(|e| format!("{path}: {e}"))
}

/// Verifies the signed results; returns the stamped time.
pub async fn verify_results(
    document: &str,
    signature: &str,
    timestamp: &str,
) -> Result<OffsetDateTime, String> {
    let sig = Base64::decode_vec(signature).map_err(|_| "the signature is not base64".to_string())?;
    let sig = Signature::from_der(&sig).map_err(|e| e.to_string())?;
    let token = Base64::decode_vec(timestamp).map_err(|_| "the time stamp is not base64".to_string())?;
    let (root, issuing) = (cert("/pki/root").await?, cert("/pki/issuing").await?);
    let (platform, tsa) = (cert("/pki/platform").await?, cert("/pki/tsa").await?);
    let crl = api::get_bytes("/pki/crl").await.map_err(|e| e.to_string())?;
    let crl = Crl::from_der(&crl).map_err(|e| e.to_string())?;
    let key = platform.public_key().map_err(|e| e.to_string())?;
    SignedMessage::new(Purpose::Results, document.as_bytes())
        .verify(&key, &sig)
        .map_err(|e| format!("platform signature: {e}"))?;
    let stamped = verify_token(&token, Stamped::Data(&sig.to_der()), tsa.x509(), None)
        .map_err(|e| format!("time stamp: {e}"))?;
    if stamped.imprint.algorithm() != ImprintAlgorithm::Sm3 {
        return Err("the time stamp must use an SM3 imprint".into());
    }
    let at = stamped.gen_time;
    let (anchors, mid, crls) =
        (std::slice::from_ref(&root), std::slice::from_ref(&issuing), std::slice::from_ref(&crl));
    verify_chain(&platform, mid, anchors, at, crls, Usage::Any)
        .map_err(|e| format!("platform certificate: {e}"))?;
    verify_chain(&tsa, mid, anchors, at, crls, Usage::TimeStamping)
        .map_err(|e| format!("TSA certificate: {e}"))?;
    Ok(at)
}
