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
//!
//! `sealbid committee sign-statement`: once the ceremony is ready, the
//! official confirms every other member's key fingerprint (read out to each
//! other) and signs the committee key statement — only if the key set in it
//! is the one its own replay of the ceremony computes.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use sealbid_crypto::committee::replay::{self, CeremonyFile, OutMessage, State, ceremony_of};
use sealbid_crypto::committee::statement::{SignatureEntry, fingerprint_code, roster_code};
use sealbid_crypto::committee::{Ceremony, KeyGen, StatementFile};
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
    /// Sign the committee key statement, after confirming every other
    /// member's key fingerprint code and checking that the key set is the
    /// one your own run of the ceremony computed.
    ///
    /// Give each code you heard read out with --confirm (spaces do not
    /// matter), or answer the prompt for each member on a terminal. Any
    /// member's code left unconfirmed refuses (exit 1). Writes
    /// {"official", "signature"} to post to
    /// POST /api/v1/committees/{id}/statement/signatures. The key file's
    /// password (SEALBID_KEY_PASSWORD or a prompt) also opens the state file.
    SignStatement {
        /// The statement from GET /api/v1/committees/{id}/statement.
        #[arg(long, value_name = "STATEMENT.json")]
        statement: PathBuf,
        /// The ready ceremony file from GET /api/v1/committees/{id}/ceremony.
        #[arg(long, value_name = "CEREMONY.json")]
        ceremony: PathBuf,
        /// The official's key file.
        #[arg(long, value_name = "KEY.p8")]
        key: PathBuf,
        /// The official's state file from `committee step` (replayed to compute the key set).
        #[arg(long, value_name = "STATE.bin")]
        state: PathBuf,
        /// A member's fingerprint code as read out to you (repeat for each member).
        #[arg(long = "confirm", value_name = "CODE")]
        confirm: Vec<String>,
        /// Where to write the signature.
        #[arg(long, value_name = "SIGNATURE.json")]
        out: PathBuf,
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
        CommitteeCommand::SignStatement { statement, ceremony, key, state, confirm, out } => sign_statement(
            &SignPaths { statement: &statement, ceremony: &ceremony, key: &key, state: &state, out: &out },
            confirm,
        ),
    }
}

struct SignPaths<'a> {
    statement: &'a Path,
    ceremony: &'a Path,
    key: &'a Path,
    state: &'a Path,
    out: &'a Path,
}

fn sign_statement(p: &SignPaths<'_>, mut confirmed: Vec<String>) -> Result<()> {
    let file: StatementFile = serde_json::from_str(&read_text(p.statement)?)
        .with_context(|| format!("{} is not a committee key statement", p.statement.display()))?;
    let statement = file.statement().context("the statement is invalid")?;
    let ceremony_file: CeremonyFile = serde_json::from_str(&read_text(p.ceremony)?)
        .with_context(|| format!("{} is not a ceremony file", p.ceremony.display()))?;
    let ceremony = ceremony_of(&ceremony_file).context("the ceremony file's parameters are invalid")?;
    if ceremony.context() != statement.ceremony().context() {
        bail!(
            "the statement is about another ceremony (roster, attempt or threshold) than {}",
            p.ceremony.display()
        );
    }
    let pw = password(KEY_PASSWORD_ENV, &format!("key file {}", p.key.display()), false)?;
    let key = keyfile::decrypt(&read_file(p.key)?, pw.as_bytes())
        .with_context(|| format!("cannot open key file {}", p.key.display()))?;
    let me =
        ceremony.officials().iter().position(|k| *k == key.public_key()).with_context(|| {
            format!("the key in {} is not one of the committee's officials", p.key.display())
        })?;
    if !p.state.exists() {
        bail!("no state file {}: run `committee step` through the ceremony first", p.state.display());
    }
    let mut state = State::open(&read_file(p.state)?, &ceremony, me, pw.as_bytes())
        .with_context(|| format!("cannot open the state file {}", p.state.display()))?;
    let step = replay::step(&ceremony_file, &ceremony, me, &key, &mut state)?;
    if !step.ready {
        bail!("the ceremony is not ready yet: there is no key to sign for");
    }
    let own = replay::finish(&step.keygen).context("cannot compute the committee key from the ceremony")?;
    println!(
        "committee {} attempt {}: {} officials, {} + 1 open",
        ceremony.id().committee,
        ceremony.id().attempt,
        ceremony.n(),
        ceremony.threshold()
    );
    println!("roster code:   {}", roster_code(&ceremony));
    for (i, k) in ceremony.officials().iter().enumerate() {
        let mark = if i == me { "  (you)" } else { "" };
        println!("official {i:>2}:   {}{mark}", fingerprint_code(k));
    }
    println!("committee public key: {}", own.public_key_hex());
    if confirmed.is_empty() {
        confirmed = ask_codes(&ceremony, me)?;
    }
    let sig = statement
        .sign_checked(&key, &confirmed, &own.public_key_set)
        .context("refusing to sign the committee key statement")?;
    write_atomic(p.out, &serde_json::to_vec_pretty(&SignatureEntry::of(&sig))?)?;
    println!("signed as official {}: post {} to the statement's signatures", sig.official, p.out.display());
    Ok(())
}

/// Asks, member by member, whether the code shown is the one read out; the codes confirmed.
fn ask_codes(ceremony: &Ceremony, me: usize) -> Result<Vec<String>> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "no --confirm codes given and no terminal to ask on: pass --confirm CODE for every other member"
        );
    }
    let mut confirmed = Vec::new();
    let mut lines = std::io::stdin().lock();
    for (i, k) in ceremony.officials().iter().enumerate().filter(|(i, _)| *i != me) {
        let code = fingerprint_code(k);
        print!("official {i} must read out {code}: did they, exactly? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        lines.read_line(&mut answer)?;
        if answer.trim().eq_ignore_ascii_case("y") || answer.trim().eq_ignore_ascii_case("yes") {
            confirmed.push(code);
        }
    }
    Ok(confirmed)
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
