//! The certificate login, exactly as `sealbid bid submit` does it: fetch a
//! challenge, sign `sealbid_crypto::login::LoginMessage` (challenge, this
//! page's origin, now) with the user's key, post it with the chain.

use std::rc::Rc;

use base64ct::{Base64, Encoding};
use sealbid_crypto::PrivateKey;
use sealbid_crypto::login::LoginMessage;
use sealbid_crypto::pki::Certificate;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::api::{self, ApiError};

/// The logged-in user as the server describes it (`/api/v1/auth/me`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    /// Subject distinguished name.
    pub subject: String,
    /// Organisation.
    pub organization: Option<String>,
    /// Unified social credit code.
    pub uscc: Option<String>,
    /// Platform role.
    pub role: String,
    /// Certificate serial (hex).
    pub serial: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
}

/// The user's decrypted key and certificate, held in memory for this page only.
pub struct Identity {
    /// The private key.
    pub key: PrivateKey,
    /// The leaf certificate.
    pub cert: Certificate,
    /// The chain as PEM texts, leaf first.
    pub chain: Vec<String>,
}

impl PartialEq for Identity {
    fn eq(&self, other: &Self) -> bool {
        self.cert.to_der() == other.cert.to_der()
    }
}

/// A logged-in session.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// Key and certificate.
    pub identity: Rc<Identity>,
    /// The server's view of the user.
    pub user: User,
}

/// The page's origin (`scheme://host:port`), as the browser's `Origin` header writes it.
pub fn origin() -> Result<String, ApiError> {
    gloo::utils::window()
        .location()
        .origin()
        .map_err(|_| ApiError::local("no_origin", "the page has no origin"))
}

#[derive(Deserialize)]
struct Challenge {
    challenge: String,
}

/// Logs in with `identity`; returns the server's view of the user.
pub async fn login(identity: &Identity) -> Result<User, ApiError> {
    let origin = origin()?;
    let Challenge { challenge } = api::get("/api/v1/auth/challenge").await?;
    let msg = LoginMessage::new(challenge.clone(), origin.clone(), OffsetDateTime::now_utc());
    let signature = msg.sign(&identity.key).map_err(|e| ApiError::local("signing_failed", e.to_string()))?;
    let time = msg.time_text().map_err(|e| ApiError::local("signing_failed", e.to_string()))?;
    let body = json!({
        "certificate_chain": identity.chain,
        "challenge": challenge,
        "origin": origin,
        "time": time,
        "signature": Base64::encode_string(&signature.to_der()),
    });
    api::post_json("/api/v1/auth/login", &body).await
}

/// Ends the session on the server.
pub async fn logout() -> Result<(), ApiError> {
    api::post_empty("/api/v1/auth/logout").await
}
