//! Checkpoints: the log's signed tree head as a signed note (C2SP
//! `tlog-checkpoint` and `signed-note`), with SM2 signatures.
//!
//! ```text
//! <origin>\n
//! <size>\n
//! <base64 root>\n
//! time <RFC 3339 UTC>\n
//! \n
//! — <name> <base64(key id (4) ‖ SM2 signature, DER)>\n      one line per signer
//! ```
//!
//! The log signs the body (the four lines) as [`Purpose::LogCheckpoint`];
//! a witness that checked the checkpoint consistent with the last one it saw
//! signs the same body as [`Purpose::LogCosignature`] under the name
//! `witness/<certificate serial>`. A key id is the first four bytes of
//! `SM3(name ‖ "\n" ‖ 0x53 ‖ SEC1 public key)`; the log's verifier key is
//! written `<origin>+<key id hex>+<base64(0x53 ‖ SEC1 key)>` as C2SP writes
//! verifier keys (0x53, "S", marks SM2: the C2SP registry has no SM2 type).

use base64ct::{Base64, Encoding};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::tree::Hash;
use crate::pki::Certificate;
use crate::{Error, PrivateKey, PublicKey, Purpose, Result, Signature, SignedMessage, sm3};

/// The algorithm byte of an SM2 key in key ids and verifier keys.
const SM2_ALG: u8 = 0x53;
const MAX_NOTE: usize = 16 << 10;
const MAX_SIGNATURES: usize = 64;
const WHAT: &str = "log checkpoint";

/// A tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// Merkle tree hash.
    pub root: Hash,
    /// When the log signed it (whole seconds).
    pub time: OffsetDateTime,
}

impl Checkpoint {
    /// The note body: what the log and its witnesses sign.
    pub fn body(&self) -> Result<String> {
        let time = self.time.format(&Rfc3339).map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))?;
        Ok(format!("{}\n{}\n{}\ntime {time}\n", self.origin, self.size, Base64::encode_string(&self.root)))
    }

    fn parse_body(body: &str) -> Result<Self> {
        let bad = |why: &str| Error::malformed(WHAT, why);
        let lines: Vec<&str> =
            body.strip_suffix('\n').ok_or_else(|| bad("the body does not end a line"))?.split('\n').collect();
        let [origin, size, root, time] = lines[..] else {
            return Err(bad("the body is not four lines (origin, size, root, time)"));
        };
        if origin.is_empty() || origin.contains(char::is_whitespace) || origin.contains('+') {
            return Err(bad("the origin is empty or holds a space or '+'"));
        }
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(bad("the size is not a decimal number"));
        }
        let size: u64 = size.parse().map_err(|_| bad("the size is too large"))?;
        let root: Hash = Base64::decode_vec(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| bad("the root is not 32 bytes of base64"))?;
        let time = time.strip_prefix("time ").ok_or_else(|| bad("the fourth line is not `time …`"))?;
        let time = OffsetDateTime::parse(time, &Rfc3339).map_err(|_| bad("the time is not RFC 3339"))?;
        let cp = Self { origin: origin.to_owned(), size, root, time };
        if cp.body()? != body {
            return Err(bad("the body is not in canonical form"));
        }
        Ok(cp)
    }
}

/// The first four bytes of `SM3(name ‖ "\n" ‖ 0x53 ‖ key)`.
pub fn key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut buf = name.as_bytes().to_vec();
    buf.push(b'\n');
    buf.push(SM2_ALG);
    buf.extend_from_slice(&key.to_sec1());
    let d = sm3(&buf);
    [d[0], d[1], d[2], d[3]]
}

/// The name a witness with certificate `cert` signs under.
pub fn witness_name(cert: &Certificate) -> Result<String> {
    Ok(format!("witness/{}", cert.serial()?))
}

/// The log's public key and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogVerifier {
    /// The origin the log's checkpoints carry.
    pub origin: String,
    /// The log's SM2 public key.
    pub key: PublicKey,
}

impl LogVerifier {
    /// The verifier key text, `<origin>+<key id hex>+<base64(0x53 ‖ SEC1 key)>`.
    pub fn to_vkey(&self) -> String {
        let mut data = vec![SM2_ALG];
        data.extend_from_slice(&self.key.to_sec1());
        format!(
            "{}+{}+{}",
            self.origin,
            hex::encode(key_id(&self.origin, &self.key)),
            Base64::encode_string(&data)
        )
    }

    /// Parses a verifier key; checks its key id.
    pub fn from_vkey(vkey: &str) -> Result<Self> {
        let bad = |why: &str| Error::malformed("log verifier key", why);
        // The key's base64 may itself hold '+': only the first two separate.
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(origin), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected <origin>+<key id>+<key>"));
        };
        let data = Base64::decode_vec(data).map_err(|_| bad("the key is not base64"))?;
        let (alg, sec1) = data.split_first().ok_or_else(|| bad("the key is empty"))?;
        if *alg != SM2_ALG {
            return Err(bad("the key is not an SM2 key (type 0x53)"));
        }
        let key = PublicKey::from_sec1(sec1).map_err(|_| bad("the key is not an SM2 point"))?;
        if hex::encode(key_id(origin, &key)) != id {
            return Err(bad("the key id does not match the key"));
        }
        Ok(Self { origin: origin.to_owned(), key })
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signer's name.
    pub name: String,
    /// Its key id.
    pub key_id: [u8; 4],
    /// SM2 signature, DER.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    fn line(&self) -> String {
        let mut data = self.key_id.to_vec();
        data.extend_from_slice(&self.signature);
        format!("— {} {}\n", self.name, Base64::encode_string(&data))
    }
}

/// A checkpoint with the log's signature and any witnesses' co-signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    /// The tree head.
    pub checkpoint: Checkpoint,
    /// The signature lines, the log's first.
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Signs `checkpoint` with the log key.
    pub fn sign(checkpoint: Checkpoint, key: &PrivateKey) -> Result<Self> {
        let body = checkpoint.body()?;
        let signature = SignedMessage::new(Purpose::LogCheckpoint, body.as_bytes()).sign(key)?.to_der();
        let line = NoteSignature {
            name: checkpoint.origin.clone(),
            key_id: key_id(&checkpoint.origin, &key.public_key()),
            signature,
        };
        Ok(Self { checkpoint, signatures: vec![line] })
    }

    /// The note's text.
    pub fn to_text(&self) -> Result<String> {
        let mut out = self.checkpoint.body()?;
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.line());
        }
        Ok(out)
    }

    /// Parses a note strictly (no signature is checked).
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |why: &str| Error::malformed(WHAT, why);
        if text.len() > MAX_NOTE {
            return Err(bad("longer than 16 KiB"));
        }
        let (body, sigs) = text.split_once("\n\n").ok_or_else(|| bad("no blank line ends the body"))?;
        let checkpoint = Checkpoint::parse_body(&format!("{body}\n"))?;
        let sigs = sigs.strip_suffix('\n').ok_or_else(|| bad("the last signature line is not ended"))?;
        let mut signatures = Vec::new();
        for line in sigs.split('\n') {
            let rest =
                line.strip_prefix("— ").ok_or_else(|| bad("a signature line does not start with '— '"))?;
            let (name, data) =
                rest.split_once(' ').ok_or_else(|| bad("a signature line has no signature"))?;
            let data = Base64::decode_vec(data).map_err(|_| bad("a signature is not base64"))?;
            if name.is_empty() || data.len() < 5 {
                return Err(bad("a signature line is too short"));
            }
            let key_id = [data[0], data[1], data[2], data[3]];
            signatures.push(NoteSignature { name: name.to_owned(), key_id, signature: data[4..].to_vec() });
        }
        if signatures.is_empty() || signatures.len() > MAX_SIGNATURES {
            return Err(bad("a note has between 1 and 64 signatures"));
        }
        Ok(Self { checkpoint, signatures })
    }

    fn find(&self, name: &str, key: &PublicKey) -> Option<&NoteSignature> {
        let id = key_id(name, key);
        self.signatures.iter().find(|s| s.name == name && s.key_id == id)
    }

    fn check(&self, purpose: Purpose, name: &str, key: &PublicKey, who: &str) -> Result<()> {
        let line = self.find(name, key).ok_or_else(|| {
            Error::InvalidParameter(format!(
                "the checkpoint of size {} carries no signature of {who}",
                self.checkpoint.size
            ))
        })?;
        let signature = Signature::from_der(&line.signature)?;
        SignedMessage::new(purpose, self.checkpoint.body()?.as_bytes()).verify(key, &signature).map_err(
            |_| {
                Error::InvalidParameter(format!(
                    "{who}'s signature on the checkpoint of size {} is not valid",
                    self.checkpoint.size
                ))
            },
        )
    }

    /// Checks the log's signature: right origin, right key.
    pub fn verify(&self, log: &LogVerifier) -> Result<&Checkpoint> {
        if self.checkpoint.origin != log.origin {
            return Err(Error::InvalidParameter(format!(
                "the checkpoint is of log {}, not {}",
                self.checkpoint.origin, log.origin
            )));
        }
        self.check(Purpose::LogCheckpoint, &log.origin, &log.key, &format!("log {}", log.origin))?;
        Ok(&self.checkpoint)
    }

    /// The co-signature line of the witness holding `key` under `cert`.
    pub fn cosign(&self, cert: &Certificate, key: &PrivateKey) -> Result<NoteSignature> {
        let name = witness_name(cert)?;
        let signature = SignedMessage::new(Purpose::LogCosignature, self.checkpoint.body()?.as_bytes())
            .sign(key)?
            .to_der();
        Ok(NoteSignature { key_id: key_id(&name, &key.public_key()), name, signature })
    }

    /// Checks the co-signature of the witness with certificate `cert`.
    pub fn verify_cosignature(&self, cert: &Certificate) -> Result<()> {
        let name = witness_name(cert)?;
        self.check(Purpose::LogCosignature, &name, &cert.public_key()?, &format!("witness {name}"))
    }

    /// Adds (or replaces) a co-signature line.
    pub fn add(&mut self, line: NoteSignature) {
        self.signatures.retain(|s| s.name != line.name);
        self.signatures.push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "sealbid/0011223344556677".into(),
            size: 42,
            root: [7; 32],
            time: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        }
    }

    #[test]
    fn a_note_round_trips_and_every_byte_counts() {
        let key = PrivateKey::generate().unwrap();
        let log = LogVerifier { origin: checkpoint().origin, key: key.public_key() };
        assert_eq!(LogVerifier::from_vkey(&log.to_vkey()).unwrap(), log);
        let note = SignedNote::sign(checkpoint(), &key).unwrap();
        let text = note.to_text().unwrap();
        assert!(text.starts_with("sealbid/0011223344556677\n42\n"), "{text}");
        let parsed = SignedNote::parse(&text).unwrap();
        assert_eq!(parsed, note);
        parsed.verify(&log).unwrap();
        // Another size, root or time under the same signature is refused.
        for forged in [
            text.replace("\n42\n", "\n41\n"),
            text.replace("time 2027", "time 2028"),
            text.replacen("Bwc", "CAc", 1),
        ] {
            assert_ne!(forged, text);
            if let Ok(n) = SignedNote::parse(&forged) {
                assert!(n.verify(&log).is_err(), "{forged}");
            }
        }
        let other =
            LogVerifier { origin: log.origin.clone(), key: PrivateKey::generate().unwrap().public_key() };
        assert!(note.verify(&other).is_err());
        for broken in ["", "a\n1\n", &text.replace("— ", "- "), &text.replace("\n42\n", "\n042\n")] {
            assert!(SignedNote::parse(broken).is_err(), "{broken:?}");
        }
    }
}
