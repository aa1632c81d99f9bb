//! An official's checks before decrypting anything: the one implementation
//! the CLI and the browser both run.
//!
//! The server serves an [`OpeningFile`] — the tender's signed, time-stamped
//! announcement, the committee key statement, the deadline manifest with its
//! leaves, and every envelope with its bidder's certificate. [`check_opening`]
//! refuses the whole opening when
//! - the file is for another tender than the one the official opens;
//! - the announcement's platform signature or time stamp fails, or it names
//!   another tender or committee key;
//! - the opening time it announces has not come by the official's own clock;
//! - the committee key statement is not signed by every official, or its key
//!   is not the one in the official's own share file;
//! - the manifest's signature or time stamp fails, it names another tender or
//!   key, its leaves do not give its root, or an envelope it lists is not
//!   served (a dropped bid);
//!
//! and refuses, one by one and named by hash, every envelope that is
//! malformed, names another tender or committee key, is not signed by the
//! bidder whose certificate comes with it, is not in the manifest (added
//! after the deadline), appears twice, or whose key ciphertext comes without
//! a valid proof, under this tender's label and committee key, that the
//! bidder made it ([`crate::envelope::proof`]; intake also checks the
//! ciphertext's pairing equation, which the official need not repeat: it
//! protects the later checks of decryption shares, not the secret).
//! Only a [`CheckedOpening`] yields decryption shares ([`CheckedOpening::shares`]).

use std::collections::{HashMap, HashSet};
use std::fmt;

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use threshold_crypto::group::{CurveAffine, CurveProjective};
use threshold_crypto::pairing::bls12_381::G1Affine;
use threshold_crypto::{DecryptionShare, SecretKeyShare};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::committee::{ConfirmedKey, StatementFile};
use crate::envelope::{Submission, TenderId};
use crate::manifest::Manifest;
use crate::pki::Certificate;
use crate::tsp::{ImprintAlgorithm, Stamped, verify_token};
use crate::{Error, Purpose, Result, Signature, SignedMessage, Sm3Digest};

#[cfg(test)]
#[path = "tests_check.rs"]
mod tests;

/// A tender version as the platform signed and time-stamped it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The signed document (JSON text: id, version, …, `opening_at`, `committee_public_key`).
    pub document: String,
    /// Base64 of the platform's SM2 signature ([`Purpose::Tender`]) over the document.
    pub signature: String,
    /// Base64 of the RFC 3161 token over that signature.
    pub timestamp: String,
}

/// One envelope as served for the opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedEnvelope {
    /// Base64 of the envelope DER.
    pub envelope: String,
    /// Base64 of the bidder's certificate DER.
    pub certificate: String,
}

/// What the server serves an official for an opening
/// (`GET /api/v1/tenders/{id}/opening/envelopes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningFile {
    /// The tender.
    pub tender: String,
    /// The latest published version of the tender.
    pub announcement: Announcement,
    /// The committee key statement with every official's signature.
    pub statement: StatementFile,
    /// Base64 of the deadline manifest DER.
    pub manifest: String,
    /// Hex envelope hashes: the manifest's leaves in order.
    pub leaves: Vec<String>,
    /// The envelopes.
    pub envelopes: Vec<ServedEnvelope>,
}

/// What an official's client holds of its own: it does not come from the server.
#[derive(Debug, Clone, Copy)]
pub struct OfficialView<'a> {
    /// The tender the official means to open.
    pub tender: &'a TenderId,
    /// The official's own clock.
    pub now: OffsetDateTime,
    /// The committee key in the official's share file (the key it signed for).
    pub own_key: &'a threshold_crypto::PublicKey,
    /// The platform's signing certificate (chain-checked by the caller).
    pub platform_cert: &'a Certificate,
    /// The TSA certificate (chain-checked by the caller).
    pub tsa_cert: &'a Certificate,
}

/// Why one envelope gets no share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// It does not parse (as envelope format 2), or its certificate does not.
    Malformed(String),
    /// It names another tender.
    ForeignTender(String),
    /// It names another committee key.
    ForeignKey,
    /// The certificate is not the header's bidder's, or the outer signature fails.
    BadSignature,
    /// It is not in the deadline manifest.
    NotInManifest,
    /// It was served twice.
    Duplicate,
    /// Its key ciphertext has no valid proof under this tender's label and committee key.
    InvalidCiphertext,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Malformed(e) => write!(f, "malformed: {e}"),
            Refusal::ForeignTender(t) => write!(f, "it is an envelope of tender {t}"),
            Refusal::ForeignKey => f.write_str("it is sealed to another committee key"),
            Refusal::BadSignature => f.write_str("the bidder's outer signature does not verify"),
            Refusal::NotInManifest => {
                f.write_str("it is not in the deadline manifest (added after the deadline?)")
            }
            Refusal::Duplicate => f.write_str("it was served twice"),
            Refusal::InvalidCiphertext => f.write_str(
                "its key ciphertext's proof does not hold for this tender (another tender's ciphertext?)",
            ),
        }
    }
}

/// One refused envelope: its position in the file, its hash (if it parsed
/// far enough to have one: SM3 of the served bytes) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Index in [`OpeningFile::envelopes`].
    pub index: usize,
    /// SM3 of the served envelope bytes.
    pub hash: Sm3Digest,
    /// Why.
    pub reason: Refusal,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "envelope {} (#{}): {}", hex::encode(self.hash), self.index, self.reason)
    }
}

/// An opening the official's client has checked: the envelopes that may be shared, and those refused.
#[derive(Debug)]
pub struct CheckedOpening {
    tender: TenderId,
    committee: ConfirmedKey,
    accepted: Vec<(Sm3Digest, G1Affine)>,
    refused: Vec<Refused>,
    opening_at: OffsetDateTime,
}

impl CheckedOpening {
    /// The tender.
    pub fn tender(&self) -> &TenderId {
        &self.tender
    }

    /// The confirmed committee key.
    pub fn committee(&self) -> &ConfirmedKey {
        &self.committee
    }

    /// The opening time the signed announcement states.
    pub fn opening_at(&self) -> OffsetDateTime {
        self.opening_at
    }

    /// The envelopes that passed every check: `(envelope hash, U of the key
    /// ciphertext)`, U decoded once and checked in the prime-order subgroup.
    pub fn accepted(&self) -> &[(Sm3Digest, G1Affine)] {
        &self.accepted
    }

    /// The envelopes refused, each with its reason.
    pub fn refused(&self) -> &[Refused] {
        &self.refused
    }

    /// The official's decryption shares of the accepted envelopes, `range`
    /// of them (for progress in chunks): `sk_i·U`, what
    /// `share.decrypt_share_no_verify` computes — safe here because every
    /// ciphertext came with a valid proof bound to this tender. Fails only if the key
    /// share cannot be read.
    pub fn shares(
        &self,
        share: &SecretKeyShare,
        range: std::ops::Range<usize>,
    ) -> Result<Vec<(Sm3Digest, DecryptionShare)>> {
        let mut scalar = crate::envelope::codec::secret_scalar(share)?;
        let shares = self
            .accepted
            .get(range)
            .unwrap_or_default()
            .iter()
            .map(|(h, u)| {
                let point = u.mul(scalar).into_affine().into_compressed();
                let share = crate::envelope::codec::from_serde_parts(vec![point.as_ref().to_vec()])
                    .ok_or_else(|| Error::Encoding("a decryption share does not encode".into()))?;
                Ok((*h, share))
            })
            .collect();
        // Best effort: `Fr` has no Zeroize; threshold_crypto keeps its own copy anyway.
        scalar = threshold_crypto::ff::Field::zero();
        let _ = scalar;
        shares
    }
}

fn b64(text: &str, what: &str) -> Result<Vec<u8>> {
    Base64::decode_vec(text).map_err(|_| Error::malformed("opening file", format!("{what} is not base64")))
}

/// The tender a verified announcement states, and its opening time.
fn check_announcement(a: &Announcement, view: &OfficialView<'_>) -> Result<(OffsetDateTime, String)> {
    let signature = Signature::from_der(&b64(&a.signature, "the announcement signature")?)?;
    SignedMessage::new(Purpose::Tender, a.document.as_bytes())
        .verify(&view.platform_cert.public_key()?, &signature)
        .map_err(|_| {
            Error::InvalidParameter("the tender announcement's platform signature does not verify".into())
        })?;
    let token = b64(&a.timestamp, "the announcement time stamp")?;
    let stamped = verify_token(&token, Stamped::Data(&signature.to_der()), view.tsa_cert.x509(), None)?;
    if stamped.imprint.algorithm() != ImprintAlgorithm::Sm3 {
        return Err(Error::Timestamp("the announcement's time stamp must use an SM3 imprint".into()));
    }
    let doc: serde_json::Value =
        serde_json::from_str(&a.document).map_err(|e| Error::malformed("tender announcement", e))?;
    let field = |name: &str| {
        doc.get(name)
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::malformed("tender announcement", format!("no {name}")))
    };
    if field("id")? != view.tender.as_str() {
        return Err(Error::InvalidParameter(format!(
            "the announcement served is for tender {}, not {}",
            field("id")?,
            view.tender
        )));
    }
    let opening_at = OffsetDateTime::parse(field("opening_at")?, &Rfc3339)
        .map_err(|e| Error::malformed("tender announcement opening_at", e))?;
    Ok((opening_at, field("committee_public_key")?.to_owned()))
}

/// Every check of the [module docs](self): the whole opening, then envelope by envelope.
pub fn check_opening(file: &OpeningFile, view: &OfficialView<'_>) -> Result<CheckedOpening> {
    if file.tender != view.tender.as_str() {
        return Err(Error::InvalidParameter(format!(
            "the server served the opening of tender {}, you are opening {}",
            file.tender, view.tender
        )));
    }
    let (opening_at, announced_key) = check_announcement(&file.announcement, view)?;
    if view.now < opening_at {
        return Err(Error::InvalidParameter(format!(
            "tender {} opens at {opening_at} by its signed announcement; your clock says {}: no shares before then",
            view.tender, view.now
        )));
    }
    let committee = file.statement.confirm()?;
    if committee.public_key() != *view.own_key {
        return Err(Error::InvalidParameter(
            "the committee key of this opening is not the one in your share file (the key you signed for)"
                .into(),
        ));
    }
    if announced_key != hex::encode(view.own_key.to_bytes()) {
        return Err(Error::InvalidParameter(
            "the tender announcement names another committee key than the one you signed for".into(),
        ));
    }
    let manifest = Manifest::parse(&b64(&file.manifest, "the manifest")?)?;
    manifest.verify(view.platform_cert, view.tsa_cert)?;
    let info = manifest.info();
    if &info.tender != view.tender || info.committee_key != *committee.hash() {
        return Err(Error::InvalidParameter(format!(
            "the deadline manifest served is for tender {} and another committee key",
            info.tender
        )));
    }
    let leaves =
        file.leaves
            .iter()
            .map(|h| {
                hex::decode(h).ok().and_then(|b| Sm3Digest::try_from(b).ok()).ok_or_else(|| {
                    Error::malformed("opening file", format!("leaf {h:?} is not 32 bytes of hex"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
    manifest.check_leaves(&leaves)?;
    let (accepted, refused) = check_envelopes(file, view.tender, committee.hash(), &leaves)?;
    Ok(CheckedOpening { tender: view.tender.clone(), committee, accepted, refused, opening_at })
}

type Checked = (Vec<(Sm3Digest, G1Affine)>, Vec<Refused>);

fn check_envelopes(
    file: &OpeningFile,
    tender: &TenderId,
    key_hash: &Sm3Digest,
    leaves: &[Sm3Digest],
) -> Result<Checked> {
    let in_manifest: HashSet<&Sm3Digest> = leaves.iter().collect();
    let mut refused = Vec::new();
    let mut seen = HashSet::new();
    let mut accepted = Vec::with_capacity(file.envelopes.len());
    let mut bidders = Bidders::default();
    for (index, served) in file.envelopes.iter().enumerate() {
        let der = b64(&served.envelope, "an envelope")?;
        let hash = crate::sm3(&der);
        let mut refuse = |reason| refused.push(Refused { index, hash, reason });
        match check_one(&der, &served.certificate, tender, key_hash, &mut bidders) {
            Err(reason) => refuse(reason),
            Ok(_) if !in_manifest.contains(&hash) => refuse(Refusal::NotInManifest),
            Ok(_) if !seen.insert(hash) => refuse(Refusal::Duplicate),
            // Listed and served, but its proof fails: refused by name, the others go on.
            Ok(sub) => match sub.verify_key_proof() {
                Ok(u) => accepted.push((hash, u)),
                Err(Error::InvalidKey(_)) => refuse(Refusal::InvalidCiphertext),
                Err(e) => refuse(Refusal::Malformed(e.to_string())),
            },
        }
    }
    let missing: Vec<String> = leaves.iter().filter(|l| !seen.contains(*l)).map(hex::encode).collect();
    if !missing.is_empty() {
        return Err(Error::InvalidParameter(format!(
            "the deadline manifest lists {} envelope(s) the server did not serve as valid: {}; \
             a bid would be left out, so no shares are made",
            missing.len(),
            missing.join(", ")
        )));
    }
    refused.sort_by_key(|r| r.index);
    let order: HashMap<&Sm3Digest, usize> = leaves.iter().enumerate().map(|(i, l)| (l, i)).collect();
    accepted.sort_by_key(|(h, _)| order.get(h).copied().unwrap_or(usize::MAX));
    Ok((accepted, refused))
}

/// The bidders' certificates already read in this file, by their base64:
/// a manufacturer with many envelopes has its certificate parsed once.
#[derive(Default)]
struct Bidders<'a>(HashMap<&'a str, std::result::Result<(crate::Uscc, crate::PublicKey), Refusal>>);

impl<'a> Bidders<'a> {
    fn get(&mut self, cert_b64: &'a str) -> std::result::Result<&(crate::Uscc, crate::PublicKey), Refusal> {
        self.0.entry(cert_b64).or_insert_with(|| read_certificate(cert_b64)).as_ref().map_err(Clone::clone)
    }
}

/// A bidder's certificate: the organisation it names and its key.
fn read_certificate(cert_b64: &str) -> std::result::Result<(crate::Uscc, crate::PublicKey), Refusal> {
    let cert_der =
        Base64::decode_vec(cert_b64).map_err(|_| Refusal::Malformed("certificate not base64".into()))?;
    let cert =
        Certificate::from_der(&cert_der).map_err(|e| Refusal::Malformed(format!("certificate: {e}")))?;
    let subject = cert.subject_info().map_err(|e| Refusal::Malformed(format!("certificate: {e}")))?;
    let uscc = subject.uscc.ok_or(Refusal::BadSignature)?;
    let key = cert.public_key().map_err(|e| Refusal::Malformed(format!("certificate: {e}")))?;
    Ok((uscc, key))
}

/// One envelope's checks but the manifest and the proof: it names this
/// tender and key, and the certificate served with it is its bidder's and
/// verifies the outer signature.
fn check_one<'a>(
    der: &[u8],
    cert_b64: &'a str,
    tender: &TenderId,
    key_hash: &Sm3Digest,
    bidders: &mut Bidders<'a>,
) -> std::result::Result<Submission, Refusal> {
    let sub = Submission::parse(der).map_err(|e| Refusal::Malformed(e.to_string()))?;
    if sub.tender() != tender {
        return Err(Refusal::ForeignTender(sub.tender().to_string()));
    }
    if sub.committee_key() != key_hash {
        return Err(Refusal::ForeignKey);
    }
    let (uscc, key) = bidders.get(cert_b64)?;
    if uscc != sub.bidder() {
        return Err(Refusal::BadSignature);
    }
    sub.verify_outer(key).map_err(|_| Refusal::BadSignature)?;
    Ok(sub)
}
