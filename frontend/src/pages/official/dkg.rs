//! An official's side of the committee key ceremony, as `sealbid committee
//! step` does it off-line, here in the browser: rebuild the official's
//! [`KeyGen`] from its secret seed by replaying every relayed message in
//! `seq` order, then name the messages still to post (its part, its acks,
//! its complaints). Messages produced earlier are re-posted byte for byte
//! until the relay has them, so a reload never makes two different ones.
//! The state (seed and sent messages) is the CLI's state-file content, kept
//! password-encrypted in IndexedDB ([`crate::keystore`]). No user interface here.

use std::collections::{BTreeMap, BTreeSet};

use base64ct::{Base64, Encoding};
use sealbid_crypto::committee::{
    Ack, AckOutcome, Ceremony, CeremonyId, Complaint, KeyGen, Part, PartOutcome, open_state_file,
    seal_share_file_for, seal_state_file, share_file,
};
use sealbid_crypto::{PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::i18n::Lang;

/// The ceremony file (`GET /api/v1/committees/{id}/ceremony`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CeremonyFile {
    /// Committee id as the ceremony names it (`C7`).
    pub committee: String,
    /// Attempt number.
    pub attempt: u32,
    /// Threshold t.
    pub threshold: usize,
    /// Officials' SM2 keys, SEC1 hex; an official's index is its position.
    pub officials: Vec<String>,
    /// Relayed messages.
    pub messages: Vec<Relayed>,
    /// `ceremony` or `ready`.
    pub status: String,
    /// When ready: the last message that counts.
    pub final_seq: Option<u64>,
}

/// One relayed message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Relayed {
    /// Relay order.
    pub seq: u64,
    /// `part`, `ack` or `complaint`.
    pub kind: String,
    /// Sender's index.
    pub sender: usize,
    /// Base64 of the signed message.
    pub data: String,
}

/// A message to post (`POST …/ceremony/messages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutMessage {
    /// `part`, `ack` or `complaint`.
    pub kind: String,
    /// Base64 of the message bytes.
    pub data: String,
}

/// The official's secret state between steps (the CLI's state-file JSON).
#[derive(Serialize, Deserialize)]
pub struct State {
    /// Hex of the 32-byte seed of this official's polynomial.
    seed: String,
    /// Messages produced so far.
    pub sent: Vec<OutMessage>,
}

impl Drop for State {
    fn drop(&mut self) {
        drop(Zeroizing::new(std::mem::take(&mut self.seed)));
    }
}

impl State {
    /// A fresh seed from the browser's generator.
    pub fn fresh() -> Result<Self, String> {
        let seed = Zeroizing::new(sealbid_crypto::rng::bytes::<32>().map_err(|e| e.to_string())?);
        Ok(Self { seed: hex::encode(*seed), sent: Vec::new() })
    }

    fn seed(&self) -> Result<[u8; 32], String> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(&self.seed, &mut out)
            .map_err(|_| "the ceremony state is damaged".to_string())?;
        Ok(out)
    }

    /// Encrypts the state for official `me` of `c` under `password`.
    pub fn seal(&self, c: &Ceremony, me: usize, password: &[u8]) -> Result<Vec<u8>, String> {
        let data = Zeroizing::new(serde_json::to_vec(self).map_err(|e| e.to_string())?);
        seal_state_file(&data, me, c.context(), password, share_file::DEFAULT_ITERATIONS)
            .map_err(|e| e.to_string())
    }

    /// Opens a sealed state; checks it belongs to official `me` of `c`.
    pub fn open(file: &[u8], c: &Ceremony, me: usize, password: &[u8], lang: Lang) -> Result<Self, String> {
        let f = open_state_file(file, password).map_err(|e| match e {
            sealbid_crypto::Error::WrongPassword => {
                lang.t("密码错误或仪式状态已损坏", "wrong password or damaged ceremony state").to_string()
            }
            other => other.to_string(),
        })?;
        if f.index != me || &f.context != c.context() {
            return Err("the kept ceremony state belongs to another ceremony or official".into());
        }
        serde_json::from_slice(&f.data).map_err(|_| "the ceremony state is damaged".to_string())
    }
}

/// The ceremony a file describes.
pub fn ceremony_of(file: &CeremonyFile) -> Result<Ceremony, String> {
    let officials = file
        .officials
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let bytes = hex::decode(h).map_err(|_| format!("official {i}: the public key is not hex"))?;
            PublicKey::from_sec1(&bytes).map_err(|e| format!("official {i}: {e}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let id = CeremonyId { committee: file.committee.clone(), attempt: file.attempt };
    Ceremony::new(id, officials, file.threshold).map_err(|e| e.to_string())
}

/// What one step found.
pub struct Step {
    /// Messages to post now, in order.
    pub to_post: Vec<OutMessage>,
    /// Whether `state.sent` grew (the state must be kept before posting).
    pub state_changed: bool,
    /// Complaints seen, as (complainer, accused, fault).
    pub complaints: Vec<(usize, usize, String)>,
    /// The rebuilt key generation (to compute the share once ready).
    pub keygen: KeyGen,
}

fn remember(sent: &mut Vec<OutMessage>, kind: &str, bytes: &[u8]) -> OutMessage {
    let m = OutMessage { kind: kind.into(), data: Base64::encode_string(bytes) };
    sent.push(m.clone());
    m
}

fn ack_proposer(m: &OutMessage) -> Option<usize> {
    Ack::from_bytes(&Base64::decode_vec(&m.data).ok()?).ok().map(|a| a.proposer())
}

fn complaint_accused(m: &OutMessage) -> Option<usize> {
    Complaint::from_bytes(&Base64::decode_vec(&m.data).ok()?).ok().map(|c| c.accused())
}

/// Replays `file` as official `me` with `state`'s seed; returns what to post.
pub fn step(
    file: &CeremonyFile,
    c: &Ceremony,
    me: usize,
    key: &PrivateKey,
    state: &mut State,
) -> Result<Step, String> {
    let mut kg = KeyGen::with_seed(c.clone(), me, key.clone(), state.seed()?).map_err(|e| e.to_string())?;
    let ready = file.status == "ready";
    let last =
        if ready { Some(file.final_seq.ok_or("the ceremony is ready but has no final_seq")?) } else { None };
    let mut msgs: Vec<&Relayed> = file.messages.iter().filter(|m| last.is_none_or(|l| m.seq <= l)).collect();
    msgs.sort_by_key(|m| m.seq);
    let (mut my_part, mut my_acks, mut my_complaints) = (false, BTreeSet::new(), BTreeSet::new());
    let (mut acks, mut mine_c, mut seen) = (BTreeMap::new(), Vec::new(), Vec::new());
    for m in msgs {
        let Ok(bytes) = Base64::decode_vec(&m.data) else { continue };
        match m.kind.as_str() {
            "part" => {
                if let Ok((p, outcome)) =
                    Part::from_bytes(&bytes).and_then(|p| kg.handle_part(m.sender, &p).map(|o| (p, o)))
                {
                    my_part |= m.sender == me;
                    match outcome {
                        PartOutcome::Valid(ack) => {
                            acks.insert(p.sender(), ack);
                        }
                        PartOutcome::Invalid(x) => mine_c.push(x),
                    }
                }
            }
            "ack" => {
                if let Ok((a, outcome)) =
                    Ack::from_bytes(&bytes).and_then(|a| kg.handle_ack(m.sender, &a).map(|o| (a, o)))
                {
                    if m.sender == me {
                        my_acks.insert(a.proposer());
                    }
                    if let AckOutcome::Invalid(x) = outcome {
                        mine_c.push(*x);
                    }
                }
            }
            "complaint" => {
                if let Ok(x) = Complaint::from_bytes(&bytes) {
                    if m.sender == me {
                        my_complaints.insert(x.accused());
                    }
                    seen.push((x.complainer(), x.accused(), x.fault().to_string()));
                }
            }
            _ => {}
        }
    }
    let before = state.sent.len();
    let mut to_post = Vec::new();
    if !ready {
        if !my_part {
            let part = match state.sent.iter().find(|m| m.kind == "part") {
                Some(m) => m.clone(),
                None => {
                    remember(&mut state.sent, "part", kg.make_part().map_err(|e| e.to_string())?.to_bytes())
                }
            };
            to_post.push(part);
        }
        for (proposer, ack) in acks.iter().filter(|(p, _)| !my_acks.contains(p)) {
            let kept =
                state.sent.iter().find(|m| m.kind == "ack" && ack_proposer(m) == Some(*proposer)).cloned();
            to_post.push(kept.unwrap_or_else(|| remember(&mut state.sent, "ack", ack.to_bytes())));
        }
    }
    for x in mine_c.iter().filter(|x| !my_complaints.contains(&x.accused())) {
        let kept = state
            .sent
            .iter()
            .find(|m| m.kind == "complaint" && complaint_accused(m) == Some(x.accused()))
            .cloned();
        to_post.push(kept.unwrap_or_else(|| remember(&mut state.sent, "complaint", x.to_bytes())));
    }
    Ok(Step { to_post, state_changed: state.sent.len() != before, complaints: seen, keygen: kg })
}

/// The ready ceremony's result for official `me`: the committee key (hex)
/// and the password-encrypted share file (version 2, recording the key).
pub fn finish(kg: &KeyGen, c: &Ceremony, me: usize, password: &[u8]) -> Result<(String, Vec<u8>), String> {
    let (pks, share) = kg.generate().map_err(|e| e.to_string())?;
    let share = share.ok_or(
        "this official's key share cannot be computed (too few verified values); \
         the ceremony must restart without the officials complained about",
    )?;
    let pk = pks.public_key();
    let file = seal_share_file_for(&share, me, c.context(), &pk, password, share_file::DEFAULT_ITERATIONS)
        .map_err(|e| e.to_string())?;
    Ok((hex::encode(pk.to_bytes()), file))
}
