//! `sealbid committee step`: an official's side of the committee key ceremony, off-line.
//!
//! The official downloads the ceremony file (`GET /api/v1/committees/{id}/ceremony`),
//! runs `step`, and posts the messages it writes; repeats until the ceremony
//! is `ready`, then runs `step` once more with `--share-out` to keep its key
//! share. Each run rebuilds the official's [`KeyGen`] from the state file
//! (the secret seed of its polynomial, encrypted with the key file's
//! password) by replaying every relayed message in `seq` order, so nothing
//! else has to be kept between runs. Messages this official already produced
//! are kept in the state file too and re-emitted byte for byte until they
//! appear in the ceremony file: posting a step's output twice never makes two
//! different messages, which the relay would count as a conflict.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64ct::{Base64, Encoding};
use clap::Subcommand;
use sealbid_crypto::committee::{
    Ack, AckOutcome, Ceremony, CeremonyId, Complaint, KeyGen, Part, PartOutcome, open_state_file,
    seal_share_file_for, seal_state_file, share_file,
};
use sealbid_crypto::{PublicKey, keyfile, rng};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::datadir::{read_file, read_text, write_atomic, write_secret_new};
use crate::secrets::{KEY_PASSWORD_ENV, password};

/// Committee subcommands.
#[derive(Debug, Subcommand)]
pub enum CommitteeCommand {
    /// Process the ceremony file and write the messages to post; when the
    /// ceremony is ready, compute the committee key (and the share file).
    ///
    /// The key file's password (SEALBID_KEY_PASSWORD or a prompt) also encrypts the state file.
    Step {
        /// The ceremony file from GET /api/v1/committees/{id}/ceremony.
        #[arg(long, value_name = "CEREMONY.json")]
        ceremony: PathBuf,
        /// The official's key file.
        #[arg(long, value_name = "KEY.p8")]
        key: PathBuf,
        /// The official's state for this ceremony (created on the first run; keep it secret).
        #[arg(long, value_name = "STATE.bin")]
        state: PathBuf,
        /// Where to write the messages to post: {"messages":[{"kind","data"}]}.
        #[arg(long, value_name = "OUT.json")]
        out: PathBuf,
        /// When the ceremony is ready: where to write the password-protected key-share file.
        #[arg(long, value_name = "SHARE.file")]
        share_out: Option<PathBuf>,
    },
}

/// The ceremony file, as the server serves it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CeremonyFile {
    /// Committee id.
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// A message to post (the output file, and the state file's record of what was produced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutMessage {
    /// `part`, `ack` or `complaint`.
    pub kind: String,
    /// Base64 of the message bytes.
    pub data: String,
}

/// The output file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct OutFile {
    /// Messages to post, in order.
    pub messages: Vec<OutMessage>,
}

/// What the state file holds (JSON, inside the encrypted file).
#[derive(Serialize, Deserialize)]
struct State {
    /// Hex of the 32-byte seed of this official's polynomial.
    seed: String,
    /// Messages produced so far.
    sent: Vec<OutMessage>,
}

/// Runs a committee subcommand.
pub fn run(cmd: CommitteeCommand) -> Result<()> {
    match cmd {
        CommitteeCommand::Step { ceremony, key, state, out, share_out } => {
            step(&ceremony, &key, &state, &out, share_out.as_deref())
        }
    }
}

/// Messages of this official already in the ceremony file, by kind.
#[derive(Default)]
struct Mine {
    part: bool,
    acked: BTreeSet<usize>,
    accused: BTreeSet<usize>,
}

fn step(
    ceremony_path: &Path,
    key_path: &Path,
    state_path: &Path,
    out: &Path,
    share_out: Option<&Path>,
) -> Result<()> {
    let file: CeremonyFile = serde_json::from_str(&read_text(ceremony_path)?)
        .with_context(|| format!("{} is not a ceremony file", ceremony_path.display()))?;
    let pw = password(KEY_PASSWORD_ENV, &format!("key file {}", key_path.display()), false)?;
    let key = keyfile::decrypt(&read_file(key_path)?, pw.as_bytes())
        .with_context(|| format!("cannot open key file {}", key_path.display()))?;
    let ceremony = ceremony_of(&file)?;
    let me = ceremony.officials().iter().position(|k| *k == key.public_key()).with_context(|| {
        format!("the key in {} is not one of the committee's officials", key_path.display())
    })?;
    let (seed, mut sent) = load_state(state_path, &ceremony, me, pw.as_bytes())?;
    let mut kg = KeyGen::with_seed(ceremony.clone(), me, key, *seed)?;
    let ready = match file.status.as_str() {
        "ready" => true,
        "ceremony" => false,
        other => bail!("unknown ceremony status {other:?} (expected \"ceremony\" or \"ready\")"),
    };
    let last = if ready {
        Some(file.final_seq.context("the ceremony is ready but has no final_seq")?)
    } else {
        None
    };
    let (mine, acks, complaints) = replay(&mut kg, me, &file, last)?;

    let mut messages = Vec::new();
    if !ready {
        if !mine.part {
            let part = match sent.iter().find(|m| m.kind == "part") {
                Some(m) => m.clone(),
                None => remember(&mut sent, "part", kg.make_part()?.to_bytes()),
            };
            messages.push(part);
        }
        for (proposer, ack) in acks.iter().filter(|(p, _)| !mine.acked.contains(p)) {
            let kept = sent.iter().find(|m| m.kind == "ack" && ack_proposer(m) == Some(*proposer)).cloned();
            messages.push(match kept {
                Some(m) => m,
                None => remember(&mut sent, "ack", ack.to_bytes()),
            });
        }
    }
    for c in complaints.iter().filter(|c| !mine.accused.contains(&c.accused())) {
        let kept =
            sent.iter().find(|m| m.kind == "complaint" && complaint_accused(m) == Some(c.accused())).cloned();
        eprintln!("complaint against official {}: {:?}", c.accused(), c.fault());
        messages.push(match kept {
            Some(m) => m,
            None => remember(&mut sent, "complaint", c.to_bytes()),
        });
    }
    save_state(state_path, &ceremony, me, &seed, &sent, pw.as_bytes())?;
    let n = messages.len();
    write_atomic(out, &serde_json::to_vec_pretty(&OutFile { messages })?)?;
    println!("{n} new message(s) to post written to {}", out.display());
    if ready {
        finish(&kg, me, &ceremony, share_out, pw.as_bytes())?;
    } else if share_out.is_some() {
        println!("the ceremony is not ready yet: no share file written");
    }
    Ok(())
}

fn ceremony_of(file: &CeremonyFile) -> Result<Ceremony> {
    let officials = file
        .officials
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let bytes = hex::decode(h).with_context(|| format!("official {i}: the public key is not hex"))?;
            PublicKey::from_sec1(&bytes).with_context(|| format!("official {i}: not an SM2 public key"))
        })
        .collect::<Result<Vec<_>>>()?;
    let id = CeremonyId { committee: file.committee.clone(), attempt: file.attempt };
    Ceremony::new(id, officials, file.threshold).context("the ceremony file's parameters are invalid")
}

/// Feeds the messages (up to `last`) in seq order; returns this official's
/// messages already relayed, the acks it would send (by proposer) and its complaints.
fn replay(
    kg: &mut KeyGen,
    me: usize,
    file: &CeremonyFile,
    last: Option<u64>,
) -> Result<(Mine, BTreeMap<usize, Ack>, Vec<Complaint>)> {
    let mut msgs: Vec<&RelayedMessage> =
        file.messages.iter().filter(|m| last.is_none_or(|l| m.seq <= l)).collect();
    msgs.sort_by_key(|m| m.seq);
    if let Some(w) = msgs.windows(2).find(|w| w[0].seq == w[1].seq) {
        bail!("the ceremony file has two messages with seq {}", w[0].seq);
    }
    let (mut mine, mut acks, mut complaints) = (Mine::default(), BTreeMap::new(), Vec::new());
    for m in msgs {
        let bytes = Base64::decode_vec(&m.data)
            .with_context(|| format!("message seq {}: data is not base64", m.seq))?;
        let ignore = |e: sealbid_crypto::Error| {
            eprintln!("ignoring message seq {} ({} from official {}): {e}", m.seq, m.kind, m.sender);
        };
        match m.kind.as_str() {
            "part" => {
                match Part::from_bytes(&bytes).and_then(|p| kg.handle_part(m.sender, &p).map(|o| (p, o))) {
                    Ok((p, outcome)) => {
                        mine.part |= m.sender == me;
                        match outcome {
                            PartOutcome::Valid(ack) => {
                                acks.insert(p.sender(), ack);
                            }
                            PartOutcome::Invalid(c) => complaints.push(c),
                        }
                    }
                    Err(e) => ignore(e),
                }
            }
            "ack" => {
                match Ack::from_bytes(&bytes).and_then(|a| kg.handle_ack(m.sender, &a).map(|o| (a, o))) {
                    Ok((a, outcome)) => {
                        if m.sender == me {
                            mine.acked.insert(a.proposer());
                        }
                        if let AckOutcome::Invalid(c) = outcome {
                            complaints.push(*c);
                        }
                    }
                    Err(e) => ignore(e),
                }
            }
            "complaint" => match Complaint::from_bytes(&bytes) {
                Ok(c) if m.sender == me => {
                    mine.accused.insert(c.accused());
                }
                Ok(c) => eprintln!(
                    "official {} complained against official {}: {:?}",
                    m.sender,
                    c.accused(),
                    c.fault()
                ),
                Err(e) => ignore(e),
            },
            other => bail!("message seq {}: unknown kind {other:?} (expected part, ack or complaint)", m.seq),
        }
    }
    Ok((mine, acks, complaints))
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

/// Opens the state file, or makes a fresh seed if there is none yet.
fn load_state(
    path: &Path,
    c: &Ceremony,
    me: usize,
    pw: &[u8],
) -> Result<(Zeroizing<[u8; 32]>, Vec<OutMessage>)> {
    if !path.exists() {
        return Ok((Zeroizing::new(rng::bytes::<32>()?), Vec::new()));
    }
    let file = open_state_file(&read_file(path)?, pw)
        .with_context(|| format!("cannot open the state file {}", path.display()))?;
    if file.index != me || &file.context != c.context() {
        bail!(
            "the state file {} belongs to another ceremony or official (committee {}, attempt {})",
            path.display(),
            c.id().committee,
            c.id().attempt
        );
    }
    let state: State = serde_json::from_slice(&file.data).context("the state file's content is damaged")?;
    let seed = Zeroizing::new(state.seed);
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(seed.as_bytes(), bytes.as_mut_slice())
        .context("the state file's seed is damaged")?;
    Ok((bytes, state.sent))
}

fn save_state(
    path: &Path,
    c: &Ceremony,
    me: usize,
    seed: &[u8; 32],
    sent: &[OutMessage],
    pw: &[u8],
) -> Result<()> {
    let state = State { seed: hex::encode(seed), sent: sent.to_vec() };
    let data = Zeroizing::new(serde_json::to_vec(&state)?);
    drop(Zeroizing::new(state.seed));
    let sealed = seal_state_file(&data, me, c.context(), pw, share_file::DEFAULT_ITERATIONS)?;
    write_atomic(path, &sealed)
}

/// The ceremony is ready: prints the committee key and writes the share file.
fn finish(kg: &KeyGen, me: usize, c: &Ceremony, share_out: Option<&Path>, pw: &[u8]) -> Result<()> {
    let (pks, share) = kg.generate().context("cannot compute the committee key from the final messages")?;
    println!("committee public key: {}", hex::encode(pks.public_key().to_bytes()));
    let Some(share) = share else {
        bail!(
            "this official's key share cannot be computed: too few verified values for a complete part; \
             the ceremony must restart without the officials complained about"
        );
    };
    match share_out {
        Some(path) => {
            let file = seal_share_file_for(
                &share,
                me,
                c.context(),
                &pks.public_key(),
                pw,
                share_file::DEFAULT_ITERATIONS,
            )?;
            write_secret_new(path, &file)?;
            println!("wrote key share of official {me} to {}", path.display());
        }
        None => println!("pass --share-out SHARE.file to keep this official's key share"),
    }
    Ok(())
}
