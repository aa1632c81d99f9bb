//! `sealbid log …`: a monitor anyone can run against the transparency log,
//! and a witness's co-signing.
//!
//! `log verify` fetches the newest checkpoint, checks the log's signature
//! (and the co-signatures of the `--witness` certificates), proves it
//! consistent with the checkpoint saved in `--state`, replays the new
//! entries and checks that they hash to the checkpoint's root, then saves
//! the new state. The state keeps the log's key (pinned on first use unless
//! `--log-key` gives it), the tree's size, root and right edge, and in
//! `STATE.leaves` every leaf hash seen, so a rewritten history is reported
//! with the first index that differs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use sealbid_crypto::log::tree::{Frontier, Hash, Sm3, verify_consistency};
use sealbid_crypto::log::{EntryContent, InclusionBundle, LogEntry, LogVerifier, SignedNote};
use sealbid_crypto::pki::Certificate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::datadir::{read_file, read_text, write_atomic};

/// Entries asked for per request.
const PAGE: u64 = 1_000;

/// Log subcommands.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Check the log: signature, consistency with the saved state, and that
    /// the new entries hash to the tree. Exits 0 printing `consistent: tree
    /// size N`, 1 with a message containing `inconsistent` when history changed.
    Verify {
        /// The server's base URL.
        #[arg(long, value_name = "URL")]
        server: String,
        /// Where the monitor keeps what it has seen (created on first run).
        #[arg(long, value_name = "FILE")]
        state: PathBuf,
        /// The log's verifier key (text or a file holding it); default: the
        /// key pinned in the state, or on first use the one the server names.
        #[arg(long, value_name = "VKEY")]
        log_key: Option<String>,
        /// A witness whose co-signature the checkpoint must carry (PEM); repeatable.
        #[arg(long, value_name = "CERT.pem")]
        witness: Vec<PathBuf>,
    },
    /// Check a kept log bundle (from `bid submit --log-out` or a results
    /// answer's `log`) offline: the checkpoint's log signature, the content
    /// against the entry's commitment and the inclusion proof.
    Check {
        /// The bundle (JSON).
        #[arg(long, value_name = "LOG.json")]
        bundle: PathBuf,
        /// The log's verifier key (text or a file holding it).
        #[arg(long, value_name = "VKEY")]
        log_key: String,
    },
    /// Verify as `log verify` does, then co-sign the checkpoint as a witness
    /// (a regulator's certificate) and hand the co-signature to the server.
    Witness {
        /// The server's base URL (the origin signed into the login).
        #[arg(long, value_name = "URL")]
        server: String,
        /// The witness's state (as for `log verify`).
        #[arg(long, value_name = "FILE")]
        state: PathBuf,
        /// The log's verifier key (as for `log verify`).
        #[arg(long, value_name = "VKEY")]
        log_key: Option<String>,
        /// Your key file (password from SEALBID_KEY_PASSWORD or a prompt).
        #[arg(long, value_name = "KEY.p8")]
        key: PathBuf,
        /// Your certificate chain (PEM, leaf first).
        #[arg(long, value_name = "CERT.pem")]
        cert: PathBuf,
    },
}

/// The log's verifier key from `vkey` (text or a file holding it), else as `url` publishes it.
pub async fn log_verifier(client: &reqwest::Client, url: &str, vkey: Option<&str>) -> Result<LogVerifier> {
    let text = match vkey {
        Some(k) if Path::new(k).exists() => read_text(Path::new(k))?,
        Some(k) => k.to_string(),
        None => client.get(format!("{url}/pki/log")).send().await?.error_for_status()?.text().await?,
    };
    Ok(LogVerifier::from_vkey(text.trim())?)
}

/// Fetches bid `bid`'s log bundle with the session `cookie` and checks it
/// under the log key before handing it back.
pub async fn fetch_bundle(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    bid: i64,
    vkey: Option<&str>,
) -> Result<InclusionBundle> {
    let verifier = log_verifier(client, url, vkey).await?;
    let resp = client
        .get(format!("{url}/api/v1/bids/{bid}/log"))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await?;
    let status = resp.status();
    if !status.is_success() {
        bail!(
            "the server gave no log bundle for bid {bid} (HTTP {status}): {}",
            resp.text().await.unwrap_or_default()
        );
    }
    let bundle: InclusionBundle = resp.json().await.context("the log bundle does not parse")?;
    bundle.verify(&verifier).context("the server's log bundle does not verify")?;
    if !bundle.content.details.contains(&format!("\"bid\":{bid},")) {
        bail!("the server's log bundle is the entry of another event than bid {bid}'s acceptance");
    }
    Ok(bundle)
}

/// What the monitor has seen.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    /// The log's verifier key.
    pub log_key: String,
    /// Tree size checked.
    pub size: u64,
    /// Its root, hex.
    pub root: String,
    /// Its right edge, hex.
    pub frontier: String,
    /// The checkpoint's note.
    pub checkpoint: String,
}

/// Runs a log subcommand.
pub fn run(cmd: LogCommand) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match cmd {
        LogCommand::Verify { server, state, log_key, witness } => {
            let witnesses =
                witness.iter().map(|p| super::bid::first_certificate(p)).collect::<Result<Vec<_>>>()?;
            let note = runtime.block_on(verify(
                server.trim_end_matches('/'),
                &state,
                log_key.as_deref(),
                &witnesses,
            ))?;
            println!("consistent: tree size {}", note.checkpoint.size);
            Ok(())
        }
        LogCommand::Check { bundle, log_key } => {
            let verifier = runtime.block_on(log_verifier(&client()?, "", Some(&log_key)))?;
            let b: InclusionBundle = serde_json::from_str(&read_text(&bundle)?)
                .with_context(|| format!("{} is not a log bundle", bundle.display()))?;
            let cp = b.verify(&verifier)?;
            println!(
                "log entry {} ({}, {}) is in the checkpoint of size {} signed at {}",
                b.entry.index, b.entry.action, b.entry.time, cp.size, cp.time
            );
            Ok(())
        }
        LogCommand::Witness { server, state, log_key, key, cert } => {
            let url = server.trim_end_matches('/');
            let chain_certs = super::bid::certificates(&cert)?;
            let leaf = chain_certs.first().context("the certificate file holds no certificate")?.clone();
            let chain = chain_certs.iter().map(Certificate::to_pem).collect::<Result<Vec<_>, _>>()?;
            let key = super::key::load_user_key(&key)?;
            runtime.block_on(async {
                let mut note = verify(url, &state, log_key.as_deref(), &[]).await?;
                note.add(note.cosign(&leaf, &key)?);
                let client = client()?;
                let cookie =
                    super::client::login(&client, url, &key, &chain).await.context("login failed")?;
                let resp = client
                    .post(format!("{url}/api/v1/log/cosignatures"))
                    .header(reqwest::header::COOKIE, cookie)
                    .header(reqwest::header::ORIGIN, url)
                    .json(&json!({ "note": note.to_text()? }))
                    .send()
                    .await?;
                let status = resp.status();
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                if !status.is_success() {
                    bail!("the server refused the co-signature (HTTP {status}): {}", body["message"]);
                }
                println!("consistent: tree size {}; co-signed", note.checkpoint.size);
                Ok(())
            })
        }
    }
}

fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder().no_proxy().build()?)
}

async fn get_json(client: &reqwest::Client, url: &str) -> Result<Value> {
    let resp = client.get(url).send().await.with_context(|| format!("cannot reach {url}"))?;
    let status = resp.status();
    let body: Value = resp.json().await.with_context(|| format!("{url} did not answer JSON"))?;
    if !status.is_success() {
        bail!("{url}: HTTP {status}: {}", body["message"].as_str().unwrap_or("no message"));
    }
    Ok(body)
}

fn hashes(v: &Value, what: &str) -> Result<Vec<Hash>> {
    v.as_array()
        .with_context(|| format!("{what} is not a list"))?
        .iter()
        .map(|h| {
            h.as_str()
                .and_then(|s| hex::decode(s).ok())
                .and_then(|b| Hash::try_from(b).ok())
                .with_context(|| format!("{what} holds something other than 32-byte hex digests"))
        })
        .collect()
}

fn leaves_path(state: &Path) -> PathBuf {
    let mut p = state.as_os_str().to_owned();
    p.push(".leaves");
    PathBuf::from(p)
}

/// Entries `[start, end)` as the server serves them, each checked against
/// its position and (where shown) its content.
async fn fetch_leaves(client: &reqwest::Client, url: &str, start: u64, end: u64) -> Result<Vec<Hash>> {
    let mut out = Vec::with_capacity(usize::try_from(end - start).unwrap_or(0));
    let mut at = start;
    while at < end {
        let page =
            get_json(client, &format!("{url}/api/v1/log/entries?start={at}&end={}", end.min(at + PAGE)))
                .await?;
        let entries = page["entries"].as_array().context("the entries answer has no list")?;
        if entries.is_empty() {
            bail!("inconsistent: the log serves no entry {at} though its checkpoint counts it");
        }
        for e in entries {
            let entry: LogEntry = serde_json::from_value(e.clone()).context("an entry does not parse")?;
            if entry.index != at {
                bail!("inconsistent: asked for entry {at}, the log served entry {}", entry.index);
            }
            if !e["content"].is_null() {
                let content: EntryContent = serde_json::from_value(e["content"].clone())?;
                entry.check_content(&content).map_err(|err| anyhow::anyhow!("inconsistent: {err}"))?;
            }
            out.push(entry.leaf_hash()?);
            at += 1;
        }
    }
    Ok(out)
}

/// The first index where the log now serves another leaf than the one saved.
async fn first_difference(client: &reqwest::Client, url: &str, saved: &[Hash]) -> Result<Option<u64>> {
    let mut at = 0u64;
    for chunk in saved.chunks(PAGE as usize) {
        let end = at + chunk.len() as u64;
        let served = match fetch_leaves(client, url, at, end).await {
            Ok(s) => s,
            Err(_) => return Ok(Some(at)),
        };
        if let Some(i) = chunk.iter().zip(&served).position(|(a, b)| a != b) {
            return Ok(Some(at + i as u64));
        }
        at = end;
    }
    Ok(None)
}

fn saved_leaves(state: &Path, size: u64) -> Result<Vec<Hash>> {
    let path = leaves_path(state);
    let bytes = if path.exists() { read_file(&path)? } else { Vec::new() };
    // More than counted: a run that saved its leaves but not its state; the state counts.
    if (bytes.len() as u64) < size * 32 {
        bail!("{} does not hold the {size} leaves the state counts", path.display());
    }
    Ok(bytes.chunks_exact(32).take(usize::try_from(size)?).map(|c| c.try_into().unwrap_or([0; 32])).collect())
}

/// The error for a history that changed, naming the first index whose leaf
/// the log now serves differently from the one saved.
async fn changed(client: &reqwest::Client, url: &str, saved: &[Hash], detail: String) -> anyhow::Error {
    match first_difference(client, url, saved).await.ok().flatten() {
        Some(i) => anyhow::anyhow!(
            "inconsistent: the log's history changed since the saved checkpoint of size {}: \
             first differing index {i} ({detail})",
            saved.len()
        ),
        None => anyhow::anyhow!("inconsistent: {detail}"),
    }
}

/// The monitor's check (see the module documentation); returns the newest
/// checkpoint, verified, and saves the new state.
pub async fn verify(
    url: &str,
    state_path: &Path,
    log_key: Option<&str>,
    witnesses: &[Certificate],
) -> Result<SignedNote> {
    let client = client()?;
    let old: Option<State> = if state_path.exists() {
        Some(
            serde_json::from_str(&read_text(state_path)?)
                .with_context(|| format!("{} is damaged", state_path.display()))?,
        )
    } else {
        None
    };
    let cp = get_json(&client, &format!("{url}/api/v1/log/checkpoint")).await?;
    let served_key = cp["log_key"].as_str().context("the checkpoint names no log key")?;
    let pinned = match (log_key, &old) {
        (Some(k), _) => {
            let p = Path::new(k);
            if p.exists() { read_text(p)?.trim().to_string() } else { k.trim().to_string() }
        }
        (None, Some(s)) => s.log_key.clone(),
        (None, None) => {
            eprintln!("trusting the log key {served_key} on first use");
            served_key.to_string()
        }
    };
    let verifier = LogVerifier::from_vkey(&pinned)?;
    if let Some(s) = &old
        && s.log_key != verifier.to_vkey()
    {
        bail!("inconsistent: the state was kept for log key {}, not {}", s.log_key, verifier.to_vkey());
    }
    let note = SignedNote::parse(cp["note"].as_str().context("the checkpoint has no note")?)?;
    note.verify(&verifier).context("the checkpoint's log signature does not verify")?;
    for w in witnesses {
        note.verify_cosignature(w)?;
    }
    let head = &note.checkpoint;
    let (old_size, old_root, mut frontier) = match &old {
        Some(s) => {
            let root: Hash = hex::decode(&s.root)
                .ok()
                .and_then(|r| r.try_into().ok())
                .context("the state's root is damaged")?;
            (s.size, root, Frontier::from_bytes(s.size, &hex::decode(&s.frontier)?)?)
        }
        None => (0, [0; 32], Frontier::default()),
    };
    let saved = saved_leaves(state_path, old_size)?;
    if head.size < old_size {
        return Err(changed(
            &client,
            url,
            &saved,
            format!("the log shrank from {old_size} to {} entries", head.size),
        )
        .await);
    }
    if old_size > 0 {
        let proof = if head.size > old_size {
            let p = get_json(
                &client,
                &format!("{url}/api/v1/log/proof/consistency?from={old_size}&to={}", head.size),
            )
            .await?;
            hashes(&p["proof"], "the consistency proof")?
        } else {
            Vec::new()
        };
        if let Err(e) = verify_consistency::<Sm3>(&old_root, old_size, &head.root, head.size, &proof) {
            return Err(changed(&client, url, &saved, e.to_string()).await);
        }
    }
    let new_leaves = fetch_leaves(&client, url, old_size, head.size).await?;
    for leaf in &new_leaves {
        frontier.push::<Sm3>(*leaf)?;
    }
    if frontier.root::<Sm3>() != head.root {
        return Err(changed(
            &client,
            url,
            &saved,
            format!(
                "the entries {old_size}..{} the log serves do not hash to its checkpoint's root",
                head.size
            ),
        )
        .await);
    }
    let mut all = saved_leaves(state_path, old_size)?;
    all.extend(new_leaves);
    write_atomic(&leaves_path(state_path), &all.concat())?;
    let state = State {
        log_key: verifier.to_vkey(),
        size: head.size,
        root: hex::encode(head.root),
        frontier: hex::encode(frontier.to_bytes()),
        checkpoint: note.to_text()?,
    };
    write_atomic(state_path, serde_json::to_string_pretty(&state)?.as_bytes())?;
    Ok(note)
}
