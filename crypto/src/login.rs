//! The certificate-login message, shared by the browser, the CLI and the server.
//!
//! A client proves possession of its certificate's key by signing, with
//! [`Purpose::Login`] ([`SignedMessage`]), the canonical payload
//!
//! ```text
//! len(challenge):u32 BE ‖ challenge ‖ len(origin):u32 BE ‖ origin ‖ len(time):u32 BE ‖ time
//! ```
//!
//! where `challenge` is the server's challenge exactly as it was handed out
//! (text), `origin` is the site the client believes it talks to
//! (`scheme://host[:port]`, as a browser's `Origin` header writes it) and
//! `time` is the client's clock as RFC 3339 UTC in whole seconds
//! (`2026-11-22T12:00:00Z`). The length prefixes make the encoding
//! injective; the purpose tag keeps a login signature from ever passing as a
//! bid or any other signed action, and vice versa.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::message::{Purpose, SignedMessage};
use crate::sm2::{PrivateKey, PublicKey, Signature};
use crate::{Error, Result};

/// What a client signs to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginMessage {
    /// The server's single-use challenge, as received.
    pub challenge: String,
    /// The origin the client is logging in to, e.g. `https://sealbid.example`.
    pub origin: String,
    /// The client's clock when signing (only whole seconds, UTC, are signed).
    pub time: OffsetDateTime,
}

impl LoginMessage {
    /// A login message for `challenge` at `origin`, signed at `time`.
    pub fn new(challenge: impl Into<String>, origin: impl Into<String>, time: OffsetDateTime) -> Self {
        Self { challenge: challenge.into(), origin: origin.into(), time }
    }

    /// The signed time as text: RFC 3339, UTC, whole seconds.
    pub fn time_text(&self) -> Result<String> {
        let t = self.time.to_offset(time::UtcOffset::UTC);
        let t = t.replace_nanosecond(0).unwrap_or(t);
        t.format(&Rfc3339).map_err(|e| Error::InvalidParameter(format!("login time: {e}")))
    }

    /// Parses the `time` field of a login request (any RFC 3339 offset).
    pub fn parse_time(text: &str) -> Result<OffsetDateTime> {
        OffsetDateTime::parse(text, &Rfc3339).map_err(|e| Error::malformed("login time (RFC 3339)", e))
    }

    /// The canonical payload (see the module docs).
    pub fn payload(&self) -> Result<Vec<u8>> {
        let time = self.time_text()?;
        let mut out = Vec::with_capacity(12 + self.challenge.len() + self.origin.len() + time.len());
        for field in [self.challenge.as_str(), self.origin.as_str(), time.as_str()] {
            let len = u32::try_from(field.len())
                .map_err(|_| Error::InvalidParameter("login message field too long".into()))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field.as_bytes());
        }
        Ok(out)
    }

    /// Signs the message for [`Purpose::Login`].
    pub fn sign(&self, key: &PrivateKey) -> Result<Signature> {
        SignedMessage::new(Purpose::Login, &self.payload()?).sign(key)
    }

    /// Verifies a login signature; [`Error::BadSignature`] for any other key,
    /// field value or purpose.
    pub fn verify(&self, key: &PublicKey, signature: &Signature) -> Result<()> {
        SignedMessage::new(Purpose::Login, &self.payload()?).verify(key, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> LoginMessage {
        let t = LoginMessage::parse_time("2026-11-22T12:00:00Z").unwrap();
        LoginMessage::new("00112233445566778899aabbccddeeff", "https://sealbid.example", t)
    }

    #[test]
    fn signs_and_verifies() {
        let key = PrivateKey::generate().unwrap();
        let m = msg();
        let sig = m.sign(&key).unwrap();
        m.verify(&key.public_key(), &sig).unwrap();
        assert_eq!(m.time_text().unwrap(), "2026-11-22T12:00:00Z");
    }

    #[test]
    fn every_field_and_the_purpose_are_bound() {
        let key = PrivateKey::generate().unwrap();
        let m = msg();
        let sig = m.sign(&key).unwrap();
        let pk = key.public_key();
        let mut other = m.clone();
        other.challenge.push('0');
        assert_eq!(other.verify(&pk, &sig), Err(Error::BadSignature));
        let mut other = m.clone();
        other.origin = "https://evil.example".into();
        assert_eq!(other.verify(&pk, &sig), Err(Error::BadSignature));
        let mut other = m.clone();
        other.time += time::Duration::seconds(1);
        assert_eq!(other.verify(&pk, &sig), Err(Error::BadSignature));
        let payload = m.payload().unwrap();
        let bid = SignedMessage::new(Purpose::Bid, &payload).sign(&key).unwrap();
        assert_eq!(m.verify(&pk, &bid), Err(Error::BadSignature));
        let other_key = PrivateKey::generate().unwrap();
        assert_eq!(m.verify(&other_key.public_key(), &sig), Err(Error::BadSignature));
    }

    #[test]
    fn time_is_normalised_to_utc_whole_seconds() {
        let a = LoginMessage::parse_time("2026-11-22T20:00:00.75+08:00").unwrap();
        let m = LoginMessage { time: a, ..msg() };
        assert_eq!(m.payload().unwrap(), msg().payload().unwrap());
        assert!(LoginMessage::parse_time("yesterday").is_err());
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        let t = msg().time;
        let a = LoginMessage::new("ab", "c", t).payload().unwrap();
        let b = LoginMessage::new("a", "bc", t).payload().unwrap();
        assert_ne!(a, b);
    }
}
