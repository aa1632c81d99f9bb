//! An official's side of the key ceremony, replayed from the relay's record.
//!
//! The relay serves every message of a ceremony in a [`CeremonyFile`]
//! (`GET /api/v1/committees/{id}/ceremony`). [`step`] rebuilds the
//! official's [`KeyGen`] from the secret seed kept in its [`State`] by
//! replaying every relayed message in `seq` order, then names the messages
//! still to post: its part, its acks, its complaints. Messages produced
//! earlier are kept in the state and re-posted byte for byte until the relay
//! has them, so running a step twice never makes two different messages
//! (which the relay would count as a conflict). Once the ceremony is
//! `ready`, [`finish`] computes the committee key and the official's share.
//!
//! The off-line CLI (`sealbid committee step`, which keeps the sealed state in
//! a file) and the browser (which keeps it in IndexedDB) both run this code.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use threshold_crypto::{PublicKeySet, SecretKeyShare};
use zeroize::Zeroizing;

use super::{
    Ack, AckOutcome, Ceremony, CeremonyId, Complaint, KeyGen, Part, PartOutcome, open_state_file,
    seal_share_file_for, seal_state_file, share_file,
};
use crate::sm2::{PrivateKey, PublicKey};
use crate::{Error, Result, rng};

/// `kind` of a part message.
pub const PART: &str = "part";
/// `kind` of an ack message.
pub const ACK: &str = "ack";
/// `kind` of a complaint message.
pub const COMPLAINT: &str = "complaint";

/// The ceremony file, as the relay serves it (`GET /api/v1/committees/{id}/ceremony`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeremonyFile {
    /// Committee id as the ceremony names it (`C7`).
    pub committee: String,
    /// Attempt number.
    pub attempt: u32,
    /// Threshold t (t + 1 officials decrypt).
    pub threshold: usize,
    /// Officials' SM2 public keys, SEC1 uncompressed, hex; an official's index is its position.
    pub officials: Vec<String>,
    /// Relayed messages.
    pub messages: Vec<RelayedMessage>,
    /// `ceremony` or `ready`.
    pub status: String,
    /// When ready: the last message that counts.
    pub final_seq: Option<u64>,
}

/// One relayed ceremony message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayedMessage {
    /// The relay's sequence number.
    pub seq: u64,
    /// `part`, `ack` or `complaint`.
    pub kind: String,
    /// The sending official's index.
    pub sender: usize,
    /// Base64 of the message bytes.
    pub data: String,
}

/// A message to post (`POST /api/v1/committees/{id}/ceremony/messages`), and
/// the state's record of what this official produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutMessage {
    /// `part`, `ack` or `complaint`.
    pub kind: String,
    /// Base64 of the message bytes.
    pub data: String,
}

impl CeremonyFile {
    /// Whether the relay has closed the ceremony (`status` is `ready`).
    pub fn is_ready(&self) -> Result<bool> {
        match self.status.as_str() {
            "ready" => Ok(true),
            "ceremony" => Ok(false),
            other => Err(Error::malformed(
                "ceremony file",
                format!("unknown status {other:?} (expected \"ceremony\" or \"ready\")"),
            )),
        }
    }

    /// The last message that counts: `final_seq` once ready, none before.
    fn last_seq(&self) -> Result<Option<u64>> {
        if !self.is_ready()? {
            return Ok(None);
        }
        self.final_seq
            .map(Some)
            .ok_or_else(|| Error::malformed("ceremony file", "the ceremony is ready but has no final_seq"))
    }
}

/// The ceremony a file describes.
pub fn ceremony_of(file: &CeremonyFile) -> Result<Ceremony> {
    let officials = file
        .officials
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let bytes = hex::decode(h).map_err(|_| {
                Error::malformed("ceremony file", format!("official {i}: the public key is not hex"))
            })?;
            PublicKey::from_sec1(&bytes).map_err(|e| {
                Error::malformed("ceremony file", format!("official {i}: not an SM2 public key ({e})"))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let id = CeremonyId { committee: file.committee.clone(), attempt: file.attempt };
    Ceremony::new(id, officials, file.threshold)
}

/// What an official keeps secret between steps: the seed of its polynomial
/// and the messages it produced. Stored as JSON `{"seed", "sent"}`, sealed
/// with [`State::seal`]; the seed is zeroized on drop.
#[derive(Serialize, Deserialize)]
pub struct State {
    /// Hex of the 32-byte seed of this official's polynomial.
    seed: String,
    /// Messages produced so far, in order.
    pub sent: Vec<OutMessage>,
}

impl Drop for State {
    fn drop(&mut self) {
        drop(Zeroizing::new(std::mem::take(&mut self.seed)));
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State").field("seed", &"[REDACTED]").field("sent", &self.sent).finish()
    }
}

impl State {
    /// A fresh seed from the system generator, nothing sent yet.
    pub fn fresh() -> Result<Self> {
        let seed = Zeroizing::new(rng::bytes::<32>()?);
        Ok(Self { seed: hex::encode(*seed), sent: Vec::new() })
    }

    fn seed(&self) -> Result<Zeroizing<[u8; 32]>> {
        let mut out = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(&self.seed, out.as_mut_slice())
            .map_err(|_| Error::malformed("ceremony state", "the seed is damaged"))?;
        Ok(out)
    }

    /// Encrypts the state for official `me` of `c` under `password`
    /// ([`seal_state_file`], [`share_file::DEFAULT_ITERATIONS`]).
    pub fn seal(&self, c: &Ceremony, me: usize, password: &[u8]) -> Result<Vec<u8>> {
        self.seal_with(c, me, password, share_file::DEFAULT_ITERATIONS)
    }

    fn seal_with(&self, c: &Ceremony, me: usize, password: &[u8], iterations: u32) -> Result<Vec<u8>> {
        let data = Zeroizing::new(
            serde_json::to_vec(self).map_err(|e| Error::Encoding(format!("ceremony state: {e}")))?,
        );
        seal_state_file(&data, me, c.context(), password, iterations)
    }

    /// Opens a sealed state and checks it belongs to official `me` of `c`.
    /// A wrong password (or a damaged file) gives [`Error::WrongPassword`].
    pub fn open(file: &[u8], c: &Ceremony, me: usize, password: &[u8]) -> Result<Self> {
        let f = open_state_file(file, password)?;
        if f.index != me || &f.context != c.context() {
            return Err(Error::InvalidParameter(format!(
                "the ceremony state belongs to another ceremony or official (committee {}, attempt {}, official {me})",
                c.id().committee,
                c.id().attempt
            )));
        }
        let state: Self = serde_json::from_slice(&f.data)
            .map_err(|_| Error::malformed("ceremony state", "the content is damaged"))?;
        state.seed()?;
        Ok(state)
    }

    /// The kept message of `kind` that `matches`, or a new one made of
    /// `bytes` (and kept).
    fn kept_or_new(
        &mut self,
        kind: &str,
        matches: impl Fn(&OutMessage) -> bool,
        bytes: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<OutMessage> {
        if let Some(m) = self.sent.iter().find(|m| m.kind == kind && matches(m)) {
            return Ok(m.clone());
        }
        let m = OutMessage { kind: kind.into(), data: Base64::encode_string(&bytes()?) };
        self.sent.push(m.clone());
        Ok(m)
    }
}

/// Something the replay passed over or saw, in `seq` order: for the official to read.
#[derive(Debug, Clone)]
pub enum Notice {
    /// A relayed message was refused (it does not parse, is not signed by its
    /// sender, is not of this ceremony, repeats one, or acks an unknown part):
    /// nothing recorded, nobody blamed.
    Refused {
        /// The relay's sequence number.
        seq: u64,
        /// Its kind.
        kind: String,
        /// The official the relay names as sender.
        sender: usize,
        /// Why it was refused.
        error: Error,
    },
    /// Another official's complaint was relayed.
    Complaint {
        /// The relay's sequence number.
        seq: u64,
        /// The official the relay names as sender.
        sender: usize,
        /// The complaint.
        complaint: Complaint,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Refused { seq, kind, sender, error } => {
                write!(f, "ignoring message seq {seq} ({kind} from official {sender}): {error}")
            }
            Notice::Complaint { sender, complaint, .. } => write!(
                f,
                "official {sender} complained against official {}: {:?}",
                complaint.accused(),
                complaint.fault()
            ),
        }
    }
}

/// What one [`step`] found.
pub struct Step {
    /// Messages to post now, in order.
    pub to_post: Vec<OutMessage>,
    /// Whether `state.sent` grew: keep the state before posting.
    pub state_changed: bool,
    /// Whether the ceremony is complete (the relay says `ready`): run [`finish`].
    pub ready: bool,
    /// This official's complaints among `to_post`, in order.
    pub complaints: Vec<Complaint>,
    /// Refused messages and other officials' complaints, in `seq` order.
    pub notices: Vec<Notice>,
    /// The rebuilt key generation, every counted message handled.
    pub keygen: KeyGen,
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Step")
            .field("to_post", &self.to_post)
            .field("state_changed", &self.state_changed)
            .field("ready", &self.ready)
            .field("complaints", &self.complaints)
            .field("notices", &self.notices)
            .finish_non_exhaustive()
    }
}

/// This official's messages the relay already has, by kind.
#[derive(Default)]
struct Mine {
    part: bool,
    acked: BTreeSet<usize>,
    accused: BTreeSet<usize>,
}

/// What replaying the relayed messages gave.
struct Replayed {
    mine: Mine,
    /// The acks this official would send, by proposer.
    acks: BTreeMap<usize, Ack>,
    /// The complaints this official would send.
    complaints: Vec<Complaint>,
    notices: Vec<Notice>,
}

/// Replays `file` as official `me` of `c` (signing with `key`) from the seed
/// in `state`; returns what to post. New messages are recorded in `state`.
///
/// Errors: the file is malformed (unknown status, ready without
/// `final_seq`, two messages with one seq, data that is not base64, an
/// unknown kind), or `key` is not official `me`'s. A message that is well
/// formed but does not verify is refused with a [`Notice`], not an error.
pub fn step(
    file: &CeremonyFile,
    c: &Ceremony,
    me: usize,
    key: &PrivateKey,
    state: &mut State,
) -> Result<Step> {
    let mut kg = KeyGen::with_seed(c.clone(), me, key.clone(), *state.seed()?)?;
    let last = file.last_seq()?;
    let ready = last.is_some();
    let Replayed { mine, acks, complaints, notices } = replay(&mut kg, me, file, last)?;

    let before = state.sent.len();
    let mut to_post = Vec::new();
    if !ready {
        if !mine.part {
            to_post.push(state.kept_or_new(PART, |_| true, || Ok(kg.make_part()?.to_bytes().to_vec()))?);
        }
        for (&proposer, ack) in acks.iter().filter(|(p, _)| !mine.acked.contains(p)) {
            let same = |m: &OutMessage| ack_proposer(m) == Some(proposer);
            to_post.push(state.kept_or_new(ACK, same, || Ok(ack.to_bytes().to_vec()))?);
        }
    }
    let complaints: Vec<Complaint> =
        complaints.into_iter().filter(|x| !mine.accused.contains(&x.accused())).collect();
    for x in &complaints {
        let same = |m: &OutMessage| complaint_accused(m) == Some(x.accused());
        to_post.push(state.kept_or_new(COMPLAINT, same, || Ok(x.to_bytes().to_vec()))?);
    }
    let state_changed = state.sent.len() != before;
    Ok(Step { to_post, state_changed, ready, complaints, notices, keygen: kg })
}

/// Feeds the messages (up to `last`) in seq order.
fn replay(kg: &mut KeyGen, me: usize, file: &CeremonyFile, last: Option<u64>) -> Result<Replayed> {
    let mut msgs: Vec<&RelayedMessage> =
        file.messages.iter().filter(|m| last.is_none_or(|l| m.seq <= l)).collect();
    msgs.sort_by_key(|m| m.seq);
    if let Some(w) = msgs.windows(2).find(|w| w[0].seq == w[1].seq) {
        return Err(Error::malformed("ceremony file", format!("two messages with seq {}", w[0].seq)));
    }
    let mut out = Replayed {
        mine: Mine::default(),
        acks: BTreeMap::new(),
        complaints: Vec::new(),
        notices: Vec::new(),
    };
    for m in msgs {
        let bytes = Base64::decode_vec(&m.data).map_err(|_| {
            Error::malformed(
                "ceremony file",
                format!("message seq {} ({} from official {}): data is not base64", m.seq, m.kind, m.sender),
            )
        })?;
        let refused = |error| Notice::Refused { seq: m.seq, kind: m.kind.clone(), sender: m.sender, error };
        match m.kind.as_str() {
            PART => match Part::from_bytes(&bytes).and_then(|p| kg.handle_part(m.sender, &p).map(|o| (p, o)))
            {
                Ok((p, outcome)) => {
                    out.mine.part |= m.sender == me;
                    match outcome {
                        PartOutcome::Valid(ack) => {
                            out.acks.insert(p.sender(), ack);
                        }
                        PartOutcome::Invalid(x) => out.complaints.push(x),
                    }
                }
                Err(e) => out.notices.push(refused(e)),
            },
            ACK => match Ack::from_bytes(&bytes).and_then(|a| kg.handle_ack(m.sender, &a).map(|o| (a, o))) {
                Ok((a, outcome)) => {
                    if m.sender == me {
                        out.mine.acked.insert(a.proposer());
                    }
                    if let AckOutcome::Invalid(x) = outcome {
                        out.complaints.push(*x);
                    }
                }
                Err(e) => out.notices.push(refused(e)),
            },
            COMPLAINT => match Complaint::from_bytes(&bytes) {
                Ok(x) if m.sender == me => {
                    out.mine.accused.insert(x.accused());
                }
                Ok(complaint) => {
                    out.notices.push(Notice::Complaint { seq: m.seq, sender: m.sender, complaint })
                }
                Err(e) => out.notices.push(refused(e)),
            },
            other => {
                return Err(Error::malformed(
                    "ceremony file",
                    format!(
                        "message seq {}: unknown kind {other:?} (expected part, ack or complaint)",
                        m.seq
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn ack_proposer(m: &OutMessage) -> Option<usize> {
    Ack::from_bytes(&Base64::decode_vec(&m.data).ok()?).ok().map(|a| a.proposer())
}

fn complaint_accused(m: &OutMessage) -> Option<usize> {
    Complaint::from_bytes(&Base64::decode_vec(&m.data).ok()?).ok().map(|c| c.accused())
}

/// The ready ceremony's result for one official.
pub struct Finished {
    /// The committee's public key set.
    pub public_key_set: PublicKeySet,
    share: Option<SecretKeyShare>,
}

impl fmt::Debug for Finished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finished")
            .field("public_key", &self.public_key_hex())
            .field("share", &self.share.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

impl Finished {
    /// The committee public key, hex of its 48 bytes.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.public_key_set.public_key().to_bytes())
    }

    /// This official's key share; an error if too few of the values sent to it verified.
    pub fn share(&self) -> Result<&SecretKeyShare> {
        self.share.as_ref().ok_or_else(|| {
            Error::InvalidParameter(
                "this official's key share cannot be computed: too few verified values for a complete part; \
                 the ceremony must restart without the officials complained about"
                    .into(),
            )
        })
    }

    /// The password-encrypted share file of official `me` of `c` (version 2,
    /// recording the committee key; [`share_file::DEFAULT_ITERATIONS`]).
    pub fn seal_share(&self, c: &Ceremony, me: usize, password: &[u8]) -> Result<Vec<u8>> {
        let pk = self.public_key_set.public_key();
        seal_share_file_for(self.share()?, me, c.context(), &pk, password, share_file::DEFAULT_ITERATIONS)
    }
}

/// The committee key and this official's share, from a ready ceremony's [`Step::keygen`].
pub fn finish(kg: &KeyGen) -> Result<Finished> {
    let (public_key_set, share) = kg.generate()?;
    Ok(Finished { public_key_set, share })
}

#[cfg(test)]
#[path = "tests_replay.rs"]
mod tests;
