//! The transparency log, checked in the regulator's browser as `sealbid log
//! verify` checks it: the newest checkpoint's log signature under the key
//! pinned on first use, its consistency with the checkpoint this browser
//! saw last, and every new entry replayed into the saved right edge of the
//! tree until the root matches. The state lives in this browser's
//! localStorage, so a history rewritten since the last visit shows as
//! "inconsistent".

use gloo::storage::{LocalStorage, Storage};
use sealbid_crypto::log::tree::{Frontier, Hash, Sm3, verify_consistency};
use sealbid_crypto::log::{EntryContent, LogEntry, LogVerifier, SignedNote};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::i18n::Lang;

const STORAGE_KEY: &str = "sealbid-log-monitor";
/// Entries asked for per request (the server answers at most 1,000).
const PAGE: u64 = 1_000;

/// What this browser has seen of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The log's verifier key, pinned on first use.
    pub log_key: String,
    /// Tree size checked.
    pub size: u64,
    /// Its root, hex.
    pub root: String,
    /// Its right edge, hex.
    pub frontier: String,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The new state to save.
    pub seen: Seen,
    /// Names of the witnesses that co-signed.
    pub witnesses: Vec<String>,
    /// The key was pinned now (first use).
    pub first_use: bool,
}

fn hash_list(proof: &[String]) -> Result<Vec<Hash>, String> {
    proof
        .iter()
        .map(|h| hex::decode(h).ok().and_then(|b| Hash::try_from(b).ok()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| "the consistency proof holds something other than 32-byte hex digests".to_string())
}

/// Checks a checkpoint (`note`, served with `served_key`) against what was
/// `seen`, with the consistency proof from the seen size and the `entries`
/// after it (as `GET /api/v1/log/entries` serves them). An error is the
/// reason the log is inconsistent (or cannot be checked).
pub fn advance(
    seen: Option<&Seen>,
    served_key: &str,
    note: &str,
    proof: &[String],
    entries: &[Value],
) -> Result<Checked, String> {
    let key = seen.map_or(served_key, |s| s.log_key.as_str());
    if seen.is_some_and(|s| s.log_key != served_key) {
        return Err(format!("the log's key changed from {key} to {served_key}"));
    }
    let verifier = LogVerifier::from_vkey(key).map_err(|e| e.to_string())?;
    let note = SignedNote::parse(note).map_err(|e| e.to_string())?;
    let cp = note.verify(&verifier).map_err(|e| e.to_string())?.clone();
    let witnesses = note.signatures.iter().skip(1).map(|s| s.name.clone()).collect();
    let (old_size, old_root, mut tree) = match seen {
        Some(s) => {
            let root: Hash = hex::decode(&s.root)
                .ok()
                .and_then(|r| r.try_into().ok())
                .ok_or("the saved root is damaged")?;
            let edge = hex::decode(&s.frontier).map_err(|_| "the saved right edge is damaged")?;
            (s.size, root, Frontier::from_bytes(s.size, &edge).map_err(|e| e.to_string())?)
        }
        None => (0, [0; 32], Frontier::default()),
    };
    if cp.size < old_size {
        return Err(format!("the log shrank from {old_size} to {} entries", cp.size));
    }
    if old_size > 0 {
        verify_consistency::<Sm3>(&old_root, old_size, &cp.root, cp.size, &hash_list(proof)?)
            .map_err(|e| e.to_string())?;
    }
    if entries.len() as u64 != cp.size - old_size {
        return Err(format!("the log served {} of the {} new entries", entries.len(), cp.size - old_size));
    }
    for (at, e) in (old_size..).zip(entries) {
        let entry: LogEntry =
            serde_json::from_value(e.clone()).map_err(|err| format!("entry {at}: {err}"))?;
        if entry.index != at {
            return Err(format!("asked for entry {at}, the log served entry {}", entry.index));
        }
        if !e["content"].is_null() {
            let content: EntryContent =
                serde_json::from_value(e["content"].clone()).map_err(|err| format!("entry {at}: {err}"))?;
            entry.check_content(&content).map_err(|err| err.to_string())?;
        }
        tree.push::<Sm3>(entry.leaf_hash().map_err(|err| err.to_string())?).map_err(|err| err.to_string())?;
    }
    if tree.root::<Sm3>() != cp.root {
        return Err(format!("the entries {old_size}..{} do not hash to the checkpoint's root", cp.size));
    }
    let seen_now = Seen {
        log_key: verifier.to_vkey(),
        size: cp.size,
        root: hex::encode(cp.root),
        frontier: hex::encode(tree.to_bytes()),
    };
    Ok(Checked { seen: seen_now, witnesses, first_use: seen.is_none() })
}

/// Where a check stands.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Idle,
    Fetching { done: u64, of: u64 },
    Consistent(Checked),
    Inconsistent(String),
}

async fn run(progress: UseStateHandle<Stage>) {
    let seen: Option<Seen> = LogStorage::get();
    let outcome = async {
        let cp: Value = api::get("/api/v1/log/checkpoint").await.map_err(|e| e.to_string())?;
        let (note, key) =
            (cp["note"].as_str().unwrap_or_default(), cp["log_key"].as_str().unwrap_or_default());
        let size = cp["size"].as_u64().ok_or("the checkpoint has no size")?;
        let from = seen.as_ref().map_or(0, |s| s.size);
        let proof: Vec<String> = if from > 0 && size > from {
            let p: Value = api::get(&format!("/api/v1/log/proof/consistency?from={from}&to={size}"))
                .await
                .map_err(|e| e.to_string())?;
            serde_json::from_value(p["proof"].clone()).map_err(|e| e.to_string())?
        } else {
            Vec::new()
        };
        let mut entries = Vec::new();
        let mut at = from;
        while at < size {
            progress.set(Stage::Fetching { done: at - from, of: size.saturating_sub(from) });
            let end = size.min(at + PAGE);
            let page: Value = api::get(&format!("/api/v1/log/entries?start={at}&end={end}"))
                .await
                .map_err(|e| e.to_string())?;
            let got = page["entries"].as_array().cloned().unwrap_or_default();
            if got.is_empty() {
                return Err(format!("the log serves no entry {at}"));
            }
            at += got.len() as u64;
            entries.extend(got);
        }
        advance(seen.as_ref(), key, note, &proof, &entries)
    }
    .await;
    match outcome {
        Ok(checked) => {
            LogStorage::set(&checked.seen);
            progress.set(Stage::Consistent(checked));
        }
        Err(why) => progress.set(Stage::Inconsistent(why)),
    }
}

/// The saved state in localStorage.
struct LogStorage;
impl LogStorage {
    fn get() -> Option<Seen> {
        LocalStorage::get(STORAGE_KEY).ok()
    }
    fn set(seen: &Seen) {
        let _ = LocalStorage::set(STORAGE_KEY, seen);
    }
}

/// The log monitor section of the audit page.
#[component(LogMonitor)]
pub fn log_monitor() -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let stage = use_state(|| Stage::Idle);
    let on_check = {
        let stage = stage.clone();
        Callback::from(move |_| {
            let stage = stage.clone();
            stage.set(Stage::Fetching { done: 0, of: 0 });
            spawn_local(run(stage));
        })
    };
    let busy = matches!(*stage, Stage::Fetching { .. });
    let verdict = match &*stage {
        Stage::Idle => html! {},
        Stage::Fetching { done, of } => html! {
            <p id="log-progress">{ lang.t("正在核对日志…", "Checking the log…") }{ format!(" {done} / {of}") }</p>
        },
        Stage::Consistent(c) => html! {
            <div id="log-verdict" class="ok" data-size={c.seen.size.to_string()}>
                <p>{ lang.t("一致：树大小 ", "consistent: tree size ") }{ c.seen.size }</p>
                if c.first_use {
                    <p class="small">{ lang.t("首次使用，信任日志公钥 ", "trusting the log key on first use: ") }<span class="mono">{ &c.seen.log_key }</span></p>
                }
                <p class="small">{ lang.t("见证人联署：", "Witness co-signatures: ") }
                    { if c.witnesses.is_empty() { lang.t("无", "none").to_string() } else { c.witnesses.join(", ") } }</p>
            </div>
        },
        Stage::Inconsistent(why) => html! {
            <div id="log-verdict" class="error">{ lang.t("不一致：", "inconsistent: ") }{ why }</div>
        },
    };
    html! {
        <section id="log-monitor" class="card">
            <h2>{ lang.t("透明日志", "Transparency log") }</h2>
            <p class="small">{ lang.t(
                "在本浏览器中核对日志：签名、与上次所见检查点的一致性、以及每条新记录。",
                "Checks the log in this browser: its signature, consistency with the checkpoint last seen here, and every new entry.") }</p>
            <button id="log-check" onclick={on_check} disabled={busy}>{ lang.t("核对日志", "Check the log") }</button>
            { verdict }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use sealbid_crypto::PrivateKey;
    use sealbid_crypto::log::Checkpoint;
    use serde_json::json;

    use super::*;

    struct Log {
        key: PrivateKey,
        entries: Vec<Value>,
        tree: Frontier,
    }

    impl Log {
        fn new() -> Self {
            Self { key: PrivateKey::generate().unwrap(), entries: Vec::new(), tree: Frontier::default() }
        }
        fn verifier(&self) -> LogVerifier {
            LogVerifier { origin: "sealbid/test".into(), key: self.key.public_key() }
        }
        fn append(&mut self, n: usize) {
            for _ in 0..n {
                let index = self.entries.len() as u64;
                let content = EntryContent {
                    actor: "system".into(),
                    subject: format!("S{index}"),
                    details: "{}".into(),
                    salt: "ab".repeat(16),
                };
                let entry = LogEntry::new(index, "2026-12-03T00:00:00Z", "tsa.stamp", &content).unwrap();
                self.tree.push::<Sm3>(entry.leaf_hash().unwrap()).unwrap();
                let mut v = serde_json::to_value(&entry).unwrap();
                v["content"] = serde_json::to_value(&content).unwrap();
                self.entries.push(v);
            }
        }
        /// The RFC 9162 consistency proof from the first `old` entries to all.
        fn consistency_from(&self, old: u64) -> Vec<String> {
            let leaves: Vec<Hash> = self
                .entries
                .iter()
                .map(|e| serde_json::from_value::<LogEntry>(e.clone()).unwrap().leaf_hash().unwrap())
                .collect();
            consistency_proof(&leaves, old)
        }
        fn note(&self) -> String {
            let cp = Checkpoint {
                origin: "sealbid/test".into(),
                size: self.tree.size(),
                root: self.tree.root::<Sm3>(),
                time: time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
            };
            SignedNote::sign(cp, &self.key).unwrap().to_text().unwrap()
        }
    }

    #[test]
    fn a_growing_log_is_consistent_and_a_changed_one_is_not() {
        let mut log = Log::new();
        log.append(5);
        let key = log.verifier().to_vkey();
        let first = advance(None, &key, &log.note(), &[], &log.entries).unwrap();
        assert!(first.first_use);
        assert_eq!(first.seen.size, 5);

        // Growing by three: the consistency proof is checked against the saved root.
        let mut grown = Log { key: log.key.clone(), entries: log.entries.clone(), tree: log.tree.clone() };
        grown.append(3);
        let proof = grown.consistency_from(5);
        let next = advance(Some(&first.seen), &key, &grown.note(), &proof, &grown.entries[5..]).unwrap();
        assert_eq!(next.seen.size, 8);
        assert!(!next.first_use);

        // A served entry whose content was changed is refused.
        let mut tampered = grown.entries[5..].to_vec();
        tampered[1]["content"]["subject"] = json!("forged");
        let why = advance(Some(&first.seen), &key, &grown.note(), &proof, &tampered).unwrap_err();
        assert!(why.contains("not what it commits to"), "{why}");

        // A rewritten history (entry 2 changed) signed with the same key is inconsistent.
        let mut other = Log { key: log.key.clone(), entries: Vec::new(), tree: Frontier::default() };
        other.append(2);
        let content = EntryContent {
            actor: "x".into(),
            subject: "y".into(),
            details: "{}".into(),
            salt: "cd".repeat(16),
        };
        let entry = LogEntry::new(2, "2026-12-03T00:00:00Z", "bid.received", &content).unwrap();
        other.tree.push::<Sm3>(entry.leaf_hash().unwrap()).unwrap();
        other.entries.push(serde_json::to_value(&entry).unwrap());
        other.append(5);
        let proof = other.consistency_from(5);
        let why = advance(Some(&first.seen), &key, &other.note(), &proof, &other.entries[5..]).unwrap_err();
        assert!(why.contains("inconsistent"), "{why}");

        // A changed log key is refused.
        let stranger = Log::new();
        let why =
            advance(Some(&first.seen), &stranger.verifier().to_vkey(), &log.note(), &[], &[]).unwrap_err();
        assert!(why.contains("key changed"), "{why}");
    }

    /// The RFC 9162 consistency proof from `old` leaves to all of `leaves`.
    fn consistency_proof(leaves: &[Hash], old: u64) -> Vec<String> {
        use sealbid_crypto::log::tree::ProofPlan;
        use std::collections::HashMap;
        let mut tree = Frontier::default();
        let mut nodes = HashMap::new();
        for l in leaves {
            nodes.extend(tree.push::<Sm3>(*l).unwrap());
        }
        let plan = ProofPlan::consistency(old, leaves.len() as u64).unwrap();
        plan.assemble::<Sm3>(&nodes).unwrap().iter().map(hex::encode).collect()
    }
}
