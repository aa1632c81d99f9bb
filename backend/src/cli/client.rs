//! The client side of the certificate login, shared by `sealbid bid submit`
//! and the `sealbid bench login` load generator.
//!
//! A login is what a browser does: `GET /api/v1/auth/challenge`, sign the
//! login message (challenge, origin, time) with the user's SM2 key, `POST
//! /api/v1/auth/login` with the certificate chain. The answer sets the
//! session cookie.

use anyhow::{Context, Result, bail};
use base64ct::{Base64, Encoding};
use sealbid_crypto::PrivateKey;
use sealbid_crypto::login::LoginMessage;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// Logs in to the server at `url` (also the origin signed into the login)
/// with `key` and its PEM certificate `chain` (leaf first); returns the
/// session cookie (`sealbid_session=…`).
pub async fn login(
    client: &reqwest::Client,
    url: &str,
    key: &PrivateKey,
    chain: &[String],
) -> Result<String> {
    let resp = client.get(format!("{url}/api/v1/auth/challenge")).send().await?;
    if !resp.status().is_success() {
        bail!("challenge: HTTP {}", resp.status());
    }
    let challenge = resp.json::<Value>().await?["challenge"].as_str().context("no challenge")?.to_string();
    let msg = LoginMessage::new(challenge.clone(), url.to_string(), OffsetDateTime::now_utc());
    let signature = msg.sign(key)?;
    let body = json!({
        "certificate_chain": chain,
        "challenge": challenge,
        "origin": url,
        "time": msg.time_text()?,
        "signature": Base64::encode_string(&signature.to_der()),
    });
    let resp = client.post(format!("{url}/api/v1/auth/login")).json(&body).send().await?;
    let status = resp.status();
    let cookie = resp
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .find(|p| p.starts_with("sealbid_session="))
        .map(str::to_string);
    if !status.is_success() {
        bail!("login: HTTP {status}: {}", resp.text().await.unwrap_or_default());
    }
    cookie.context("login succeeded without a session cookie")
}
