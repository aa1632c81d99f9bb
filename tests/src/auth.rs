//! Client side of certificate login, for tests and (later) the CLI: fetch a
//! challenge, sign the login message, post it, keep the session cookie.
//!
//! `reqwest` here has no cookie jar, so the session cookie is carried by
//! hand: [`LoginOutcome::cookie`] is the `sealbid_session=…` pair to send
//! back in a `Cookie` header.

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use sealbid_crypto::login::LoginMessage;
use sealbid_crypto::{PrivateKey, Purpose, Signature, SignedMessage};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// What a login request answered.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// HTTP status.
    pub status: StatusCode,
    /// The JSON body (the user, or `{error, message}`).
    pub body: Value,
    /// The `sealbid_session=…` cookie the response set, if any.
    pub cookie: Option<String>,
}

impl LoginOutcome {
    /// The error code of a refusal (`""` on success).
    pub fn code(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

/// The `sealbid_session=VALUE` pair of a response's `Set-Cookie`, if it set one.
pub fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with("sealbid_session="))
        .map(str::to_string)
}

/// A fresh challenge from `GET /api/v1/auth/challenge`.
pub async fn challenge(client: &reqwest::Client, base: &str) -> String {
    let resp = client.get(format!("{base}/api/v1/auth/challenge")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["challenge"].as_str().unwrap().to_string()
}

/// The fields of a login request before it is signed; tests change them.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    /// The challenge.
    pub challenge: String,
    /// The origin signed for.
    pub origin: String,
    /// The time signed.
    pub time: OffsetDateTime,
    /// The purpose the signature is made for (always `Login` for real clients).
    pub purpose: Purpose,
}

impl LoginAttempt {
    /// An honest attempt: `base` as origin, the clock's time.
    pub fn new(challenge: String, base: &str) -> Self {
        Self { challenge, origin: base.to_string(), time: OffsetDateTime::now_utc(), purpose: Purpose::Login }
    }

    /// The JSON body of `POST /api/v1/auth/login`, signed with `key`.
    pub fn body(&self, key: &PrivateKey, chain_pems: &[String]) -> Value {
        let msg = LoginMessage::new(self.challenge.clone(), self.origin.clone(), self.time);
        let signature: Signature = if self.purpose == Purpose::Login {
            msg.sign(key).unwrap()
        } else {
            SignedMessage::new(self.purpose, &msg.payload().unwrap()).sign(key).unwrap()
        };
        json!({
            "certificate_chain": chain_pems,
            "challenge": self.challenge,
            "origin": self.origin,
            "time": msg.time_text().unwrap(),
            "signature": Base64::encode_string(&signature.to_der()),
        })
    }
}

/// Posts a login body, sending `cookie` if given.
pub async fn post_login(
    client: &reqwest::Client,
    base: &str,
    body: &Value,
    cookie: Option<&str>,
) -> LoginOutcome {
    let mut req = client.post(format!("{base}/api/v1/auth/login")).json(body);
    if let Some(c) = cookie {
        req = req.header(reqwest::header::COOKIE, c);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let cookie = session_cookie(&resp);
    let body = resp.json().await.unwrap_or(Value::Null);
    LoginOutcome { status, body, cookie }
}

/// Logs in at `base` with `key` and its certificate chain (PEM, leaf first):
/// challenge, sign, post. No cookie is sent.
pub async fn login(
    client: &reqwest::Client,
    base: &str,
    key: &PrivateKey,
    chain_pems: &[String],
) -> LoginOutcome {
    let attempt = LoginAttempt::new(challenge(client, base).await, base);
    post_login(client, base, &attempt.body(key, chain_pems), None).await
}
