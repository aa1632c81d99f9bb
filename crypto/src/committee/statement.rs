//! The committee key statement: every official's signed word that a
//! ceremony, with this roster, produced this key — and the only way a bidder
//! gets a key to seal to ([`ConfirmedKey`]).
//!
//! ```text
//! CommitteeKeyStatement ::= SEQUENCE {      -- what each official signs
//!     version      INTEGER (1),
//!     committee    UTF8String,              -- the ceremony's committee id ("C7")
//!     attempt      INTEGER,
//!     threshold    INTEGER,                 -- t: t + 1 officials open
//!     rosterHash   OCTET STRING (SIZE (32)), -- Ceremony::context: SM3 over id, attempt, t, n, every official's key
//!     publicKeySet OCTET STRING }           -- CBOR of the threshold_crypto PublicKeySet
//! signature: SM2 DER, Purpose::CommitteeKey over DER(CommitteeKeyStatement)
//! ```
//!
//! During the ceremony the officials read each other's [`fingerprint_code`]
//! aloud (Signal's safety numbers are the model): the server shows the
//! roster, and a roster key nobody vouched for is the operator's. An
//! official signs ([`KeyStatement::sign`]) only after confirming every other
//! member's code, and only the key its own ceremony run computed. A bidder's
//! client seals only to a [`ConfirmedKey`], which exists only for a statement
//! signed by **every** official on the roster ([`StatementFile::confirm`]).

use base64ct::{Base64, Encoding};
use der::asn1::OctetString;
use der::{Encode, Sequence};
use serde::{Deserialize, Serialize};
use threshold_crypto::PublicKeySet;

use super::{Ceremony, CeremonyId};
use crate::sm2::{PrivateKey, PublicKey};
use crate::{Error, Purpose, Result, Signature, SignedMessage, Sm3Digest, sm3};

#[cfg(test)]
#[path = "tests_statement.rs"]
mod tests;

const WHAT: &str = "committee key statement";
const VERSION: u64 = 1;

#[derive(Sequence)]
struct BodyAsn1 {
    version: u64,
    committee: String,
    attempt: u64,
    threshold: u64,
    roster_hash: OctetString,
    public_key_set: OctetString,
}

/// A short code for an SM3 digest that people can read aloud and compare:
/// six groups of five digits from the first 30 bytes (each group is 5 bytes
/// as a big-endian integer mod 100000), as Signal's safety numbers.
pub fn readable_code(digest: &Sm3Digest) -> String {
    digest[..30]
        .chunks(5)
        .map(|c| {
            let n = c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            format!("{:05}", n % 100_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The code of an official's key ([`PublicKey::fingerprint`] as [`readable_code`]).
pub fn fingerprint_code(key: &PublicKey) -> String {
    readable_code(&key.fingerprint())
}

/// The code of a whole roster: [`readable_code`] of [`Ceremony::context`].
pub fn roster_code(ceremony: &Ceremony) -> String {
    readable_code(ceremony.context())
}

/// CBOR of a key set (the encoding the statement signs and the server stores).
pub fn encode_key_set(key_set: &PublicKeySet) -> Result<Vec<u8>> {
    let mut cbor = Vec::new();
    ciborium::into_writer(key_set, &mut cbor)
        .map_err(|e| Error::Encoding(format!("committee key set: {e}")))?;
    Ok(cbor)
}

/// Decodes [`encode_key_set`]'s CBOR strictly (it must re-encode to the same bytes).
pub fn decode_key_set(cbor: &[u8]) -> Result<PublicKeySet> {
    let key_set: PublicKeySet =
        ciborium::from_reader(cbor).map_err(|e| Error::malformed("committee key set", e))?;
    if encode_key_set(&key_set)? != cbor {
        return Err(Error::malformed("committee key set", "not in canonical form"));
    }
    Ok(key_set)
}

/// SM3 of the committee's threshold public key bytes: how envelopes and
/// share batches name the key they are for.
pub fn key_hash(key: &threshold_crypto::PublicKey) -> Sm3Digest {
    sm3(&key.to_bytes())
}

/// What every official of a ceremony signs about its result.
#[derive(Debug, Clone)]
pub struct KeyStatement {
    ceremony: Ceremony,
    key_set: PublicKeySet,
    body_der: Vec<u8>,
}

/// One official's signature on a [`KeyStatement`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementSignature {
    /// The official's index in the roster.
    pub official: usize,
    /// SM2 over [`Purpose::CommitteeKey`] and the statement.
    pub signature: Signature,
}

impl KeyStatement {
    /// The statement that `ceremony` produced `key_set`. Fails if the
    /// thresholds differ.
    pub fn new(ceremony: &Ceremony, key_set: &PublicKeySet) -> Result<Self> {
        if key_set.threshold() != ceremony.threshold() {
            return Err(Error::InvalidParameter(format!(
                "{WHAT}: the key set has threshold {} but the ceremony {}",
                key_set.threshold(),
                ceremony.threshold()
            )));
        }
        let body = BodyAsn1 {
            version: VERSION,
            committee: ceremony.id().committee.clone(),
            attempt: u64::from(ceremony.id().attempt),
            threshold: ceremony.threshold() as u64,
            roster_hash: OctetString::new(ceremony.context().to_vec())?,
            public_key_set: OctetString::new(encode_key_set(key_set)?)?,
        };
        let body_der = body.to_der().map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))?;
        Ok(Self { ceremony: ceremony.clone(), key_set: key_set.clone(), body_der })
    }

    /// The ceremony (roster, threshold) the statement is about.
    pub fn ceremony(&self) -> &Ceremony {
        &self.ceremony
    }

    /// The key set.
    pub fn key_set(&self) -> &PublicKeySet {
        &self.key_set
    }

    /// The signed bytes.
    pub fn body_der(&self) -> &[u8] {
        &self.body_der
    }

    /// SM3 of the committee's encryption key ([`key_hash`]).
    pub fn key_hash(&self) -> Sm3Digest {
        key_hash(&self.key_set.public_key())
    }

    /// Signs the statement as the official holding `key`, who has heard
    /// every other member's [`fingerprint_code`] confirmed (`confirmed`
    /// holds the codes). Refuses, naming the member, if any other member's
    /// code is not in `confirmed`, or if `key` is not on the roster.
    ///
    /// The caller must also hold the key set its own run of the ceremony
    /// computed and check it equals [`Self::key_set`]
    /// ([`Self::sign_checked`] does both).
    pub fn sign(&self, key: &PrivateKey, confirmed: &[String]) -> Result<StatementSignature> {
        let me = key.public_key();
        let official = self
            .ceremony
            .officials()
            .iter()
            .position(|k| *k == me)
            .ok_or_else(|| Error::InvalidParameter(format!("{WHAT}: your key is not on the roster")))?;
        let normal = |c: &str| c.split_whitespace().collect::<String>();
        let confirmed: Vec<String> = confirmed.iter().map(|c| normal(c)).collect();
        for (i, other) in self.ceremony.officials().iter().enumerate().filter(|(i, _)| *i != official) {
            let code = fingerprint_code(other);
            if !confirmed.contains(&normal(&code)) {
                return Err(Error::InvalidParameter(format!(
                    "{WHAT}: official {i}'s key fingerprint {code} was not confirmed; \
                     refuse to sign until every member's code is read out and matches"
                )));
            }
        }
        let signature = SignedMessage::new(Purpose::CommitteeKey, &self.body_der).sign(key)?;
        Ok(StatementSignature { official, signature })
    }

    /// [`Self::sign`] after checking that `own_key_set` — the key set the
    /// official's own replay of the ceremony produced — is the statement's.
    pub fn sign_checked(
        &self,
        key: &PrivateKey,
        confirmed: &[String],
        own_key_set: &PublicKeySet,
    ) -> Result<StatementSignature> {
        if own_key_set != &self.key_set {
            return Err(Error::InvalidParameter(format!(
                "{WHAT}: the key set shown is not the one your ceremony computed"
            )));
        }
        self.sign(key, confirmed)
    }

    /// Checks one official's signature.
    pub fn verify(&self, sig: &StatementSignature) -> Result<()> {
        let key = self.ceremony.officials().get(sig.official).ok_or_else(|| {
            Error::InvalidParameter(format!("{WHAT}: no official {} on the roster", sig.official))
        })?;
        SignedMessage::new(Purpose::CommitteeKey, &self.body_der)
            .verify(key, &sig.signature)
            .map_err(|_| Error::BadSignature)
    }

    /// The confirmed key, if every official on the roster signed; otherwise
    /// an error naming the officials whose signature is missing or bad.
    pub fn confirm(&self, signatures: &[StatementSignature]) -> Result<ConfirmedKey> {
        let mut signed = vec![false; self.ceremony.n()];
        for sig in signatures {
            if self.verify(sig).is_ok()
                && let Some(slot) = signed.get_mut(sig.official)
            {
                *slot = true;
            }
        }
        let missing: Vec<String> =
            signed.iter().enumerate().filter(|(_, s)| !**s).map(|(i, _)| i.to_string()).collect();
        if !missing.is_empty() {
            return Err(Error::InvalidParameter(format!(
                "{WHAT} for committee {} attempt {} is not signed by every official: \
                 no valid signature of official(s) {}; do not seal to this key",
                self.ceremony.id().committee,
                self.ceremony.id().attempt,
                missing.join(", ")
            )));
        }
        Ok(ConfirmedKey {
            committee: self.ceremony.id().clone(),
            key_set: self.key_set.clone(),
            hash: self.key_hash(),
        })
    }
}

/// A committee key every official on its roster signed for: the only key
/// [`crate::envelope::seal_bid`] seals to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedKey {
    committee: CeremonyId,
    key_set: PublicKeySet,
    hash: Sm3Digest,
}

impl ConfirmedKey {
    /// The ceremony that made the key.
    pub fn ceremony(&self) -> &CeremonyId {
        &self.committee
    }

    /// The key set (for officials and verifiers).
    pub fn key_set(&self) -> &PublicKeySet {
        &self.key_set
    }

    /// The encryption key bids are sealed under.
    pub fn public_key(&self) -> threshold_crypto::PublicKey {
        self.key_set.public_key()
    }

    /// SM3 of the encryption key ([`key_hash`]), recorded in every envelope.
    pub fn hash(&self) -> &Sm3Digest {
        &self.hash
    }
}

/// One signature as [`StatementFile`] carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureEntry {
    /// The official's index in the roster.
    pub official: usize,
    /// Base64 of the SM2 DER signature.
    pub signature: String,
}

/// A statement as the server serves it (`GET /api/v1/committees/{id}/statement`):
/// everything a bidder or official needs to check it without trusting the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementFile {
    /// Committee id as the ceremony names it (`C7`).
    pub committee: String,
    /// Attempt number.
    pub attempt: u32,
    /// Threshold t.
    pub threshold: usize,
    /// Officials' SM2 public keys, SEC1 uncompressed, hex, in roster order.
    pub officials: Vec<String>,
    /// Base64 of the key set's CBOR ([`encode_key_set`]).
    pub public_key_set: String,
    /// The officials' signatures collected so far.
    pub signatures: Vec<SignatureEntry>,
}

impl StatementFile {
    /// The statement this file describes (rebuilt from its parts, so the
    /// roster hash is computed here, not taken from the server).
    pub fn statement(&self) -> Result<KeyStatement> {
        let officials = self
            .officials
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let bytes = hex::decode(h)
                    .map_err(|_| Error::malformed(WHAT, format!("official {i}: the key is not hex")))?;
                PublicKey::from_sec1(&bytes).map_err(|e| Error::malformed(WHAT, format!("official {i}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let id = CeremonyId { committee: self.committee.clone(), attempt: self.attempt };
        let ceremony = Ceremony::new(id, officials, self.threshold)?;
        let cbor = Base64::decode_vec(&self.public_key_set)
            .map_err(|_| Error::malformed(WHAT, "the key set is not base64"))?;
        KeyStatement::new(&ceremony, &decode_key_set(&cbor)?)
    }

    /// The signatures, decoded.
    pub fn signatures(&self) -> Result<Vec<StatementSignature>> {
        self.signatures
            .iter()
            .map(|s| {
                let der = Base64::decode_vec(&s.signature)
                    .map_err(|_| Error::malformed(WHAT, "a signature is not base64"))?;
                Ok(StatementSignature { official: s.official, signature: Signature::from_der(&der)? })
            })
            .collect()
    }

    /// The key, if every official on the roster signed it ([`KeyStatement::confirm`]).
    pub fn confirm(&self) -> Result<ConfirmedKey> {
        self.statement()?.confirm(&self.signatures()?)
    }

    /// What a bidder's client checks before sealing: the key, if every
    /// official on the roster signed it ([`Self::confirm`]) **and** it is the
    /// key the tender names (`tender_key_hex`, as the tender view shows it).
    pub fn confirm_for_tender(&self, tender_key_hex: &str) -> Result<ConfirmedKey> {
        let key = self.confirm()?;
        if hex::encode(key.public_key().to_bytes()) != tender_key_hex.trim().to_ascii_lowercase() {
            return Err(Error::InvalidParameter(format!(
                "the tender names committee key {}, but the key every official signed is {}: \
                 do not seal to this tender's key",
                tender_key_hex.trim(),
                hex::encode(key.public_key().to_bytes())
            )));
        }
        Ok(key)
    }

    /// The file for `statement` with `signatures`.
    pub fn new(statement: &KeyStatement, signatures: &[StatementSignature]) -> Result<Self> {
        let c = statement.ceremony();
        Ok(Self {
            committee: c.id().committee.clone(),
            attempt: c.id().attempt,
            threshold: c.threshold(),
            officials: c.officials().iter().map(|k| hex::encode(k.to_sec1())).collect(),
            public_key_set: Base64::encode_string(&encode_key_set(statement.key_set())?),
            signatures: signatures
                .iter()
                .map(|s| SignatureEntry {
                    official: s.official,
                    signature: Base64::encode_string(&s.signature.to_der()),
                })
                .collect(),
        })
    }
}

impl SignatureEntry {
    /// The entry for `sig`.
    pub fn of(sig: &StatementSignature) -> Self {
        Self { official: sig.official, signature: Base64::encode_string(&sig.signature.to_der()) }
    }
}

/// Signs `statement` with every key in `keys` (each must be on the roster),
/// every member confirmed: for demo data, benchmarks and tests, where one
/// process plays every official. A real official signs with [`KeyStatement::sign`].
pub fn sign_all(statement: &KeyStatement, keys: &[PrivateKey]) -> Result<Vec<StatementSignature>> {
    let codes: Vec<String> = statement.ceremony().officials().iter().map(fingerprint_code).collect();
    keys.iter().map(|k| statement.sign(k, &codes)).collect()
}

#[cfg(test)]
impl ConfirmedKey {
    /// A key taken as confirmed, for this crate's unit tests of other modules.
    pub(crate) fn for_tests(key_set: &PublicKeySet) -> Self {
        let committee = CeremonyId { committee: "C-test".into(), attempt: 1 };
        Self { committee, key_set: key_set.clone(), hash: key_hash(&key_set.public_key()) }
    }
}
