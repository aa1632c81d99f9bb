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

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use sealbid_crypto::committee::replay::{self, CeremonyFile, OutMessage, State, ceremony_of};
use sealbid_crypto::committee::{Ceremony, KeyGen};
use sealbid_crypto::keyfile;
use serde::{Deserialize, Serialize};

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

/// The output file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct OutFile {
    /// Messages to post, in order.
    pub messages: Vec<OutMessage>,
}

/// Runs a committee subcommand.
pub fn run(cmd: CommitteeCommand) -> Result<()> {
    match cmd {
        CommitteeCommand::Step { ceremony, key, state, out, share_out } => {
            step(&ceremony, &key, &state, &out, share_out.as_deref())
        }
    }
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
    let ceremony = ceremony_of(&file).context("the ceremony file's parameters are invalid")?;
    let me = ceremony.officials().iter().position(|k| *k == key.public_key()).with_context(|| {
        format!("the key in {} is not one of the committee's officials", key_path.display())
    })?;
    let mut state = load_state(state_path, &ceremony, me, pw.as_bytes())?;
    let step = replay::step(&file, &ceremony, me, &key, &mut state)?;
    for notice in &step.notices {
        eprintln!("{notice}");
    }
    for c in &step.complaints {
        eprintln!("complaint against official {}: {:?}", c.accused(), c.fault());
    }
    let sealed = state.seal(&ceremony, me, pw.as_bytes())?;
    write_atomic(state_path, &sealed)?;
    let n = step.to_post.len();
    write_atomic(out, &serde_json::to_vec_pretty(&OutFile { messages: step.to_post })?)?;
    println!("{n} new message(s) to post written to {}", out.display());
    if step.ready {
        finish(&step.keygen, me, &ceremony, share_out, pw.as_bytes())?;
    } else if share_out.is_some() {
        println!("the ceremony is not ready yet: no share file written");
    }
    Ok(())
}

/// Opens the state file, or makes a fresh seed if there is none yet.
fn load_state(path: &Path, c: &Ceremony, me: usize, pw: &[u8]) -> Result<State> {
    if !path.exists() {
        return Ok(State::fresh()?);
    }
    State::open(&read_file(path)?, c, me, pw)
        .with_context(|| format!("cannot open the state file {}", path.display()))
}

/// The ceremony is ready: prints the committee key and writes the share file.
fn finish(kg: &KeyGen, me: usize, c: &Ceremony, share_out: Option<&Path>, pw: &[u8]) -> Result<()> {
    let done = replay::finish(kg).context("cannot compute the committee key from the final messages")?;
    println!("committee public key: {}", done.public_key_hex());
    done.share()?;
    match share_out {
        Some(path) => {
            write_secret_new(path, &done.seal_share(c, me, pw)?)?;
            println!("wrote key share of official {me} to {}", path.display());
        }
        None => println!("pass --share-out SHARE.file to keep this official's key share"),
    }
    Ok(())
}
