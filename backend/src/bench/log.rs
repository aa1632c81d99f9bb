//! `sealbid bench log`: the transparency log's costs.
//!
//! - **Proofs**: a tree of `entries` leaves is written into a fresh SQLite
//!   database as the server stores it (every complete node), then random
//!   inclusion and consistency proofs against the full tree are assembled
//!   from the stored nodes, as the proof routes do, and checked.
//! - **Appends and the monitor**: a real server is started on a fresh data
//!   directory; `appends` audit events are appended through the same code
//!   every handler uses (the event and its leaf in one transaction); then
//!   `sealbid log verify` (in-process, over HTTP) checks all of them from an
//!   empty state.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use sealbid_crypto::log::tree::{Frontier, ProofPlan, Sm3, verify_consistency, verify_inclusion};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, NewEvent};
use crate::db::Db;
use crate::server::{Config, Secret, launch};
use crate::tlog::store;
use crate::with_pool;

/// What to measure.
#[derive(Debug, Clone)]
pub struct LogBench {
    /// Leaves of the tree the proofs are taken from.
    pub entries: u64,
    /// Proofs of each kind to time.
    pub proofs: usize,
    /// Events appended and then verified by the monitor.
    pub appends: usize,
    /// A fresh directory for the generated data.
    pub scratch: std::path::PathBuf,
}

/// Medians and 99th percentiles in milliseconds.
#[derive(Debug, Serialize)]
pub struct LogReport {
    entries: u64,
    build_s: f64,
    inclusion_ms_median: f64,
    inclusion_ms_p99: f64,
    consistency_ms_median: f64,
    consistency_ms_p99: f64,
    appends: usize,
    append_per_s: f64,
    monitor_verify_s: f64,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

/// A small deterministic generator for the leaves and the proof positions.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 11
    }
}

/// Writes a tree of `n` generated leaves as the log stores it; returns its root.
async fn build(db: &Db, n: u64) -> Result<[u8; 32]> {
    const BATCH: usize = 2_000;
    let mut tree = Frontier::default();
    let mut rng = Lcg(7);
    let mut pending: Vec<(i64, Vec<u8>)> = Vec::with_capacity(BATCH * 2);
    let flush = |rows: Vec<(i64, Vec<u8>)>| async move {
        let sql = crate::tlog::insert_nodes_sql(rows.len());
        with_pool!(db, p => {
            let mut q = sqlx::query(&sql);
            for (id, h) in &rows {
                q = q.bind(*id).bind(h.as_slice());
            }
            q.execute(p).await.map(|_| ())
        })
        .context("cannot store generated nodes")
    };
    for _ in 0..n {
        let leaf = sealbid_crypto::sm3(&rng.next().to_be_bytes());
        for (id, h) in tree.push::<Sm3>(leaf)? {
            pending.push((i64::try_from(id)?, h.to_vec()));
        }
        if pending.len() >= BATCH {
            flush(std::mem::take(&mut pending)).await?;
        }
    }
    if !pending.is_empty() {
        flush(pending).await?;
    }
    Ok(tree.root::<Sm3>())
}

async fn time_proofs(db: &Db, n: u64, root: &[u8; 32], proofs: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut rng = Lcg(42);
    let (mut inc, mut con) = (Vec::with_capacity(proofs), Vec::with_capacity(proofs));
    for _ in 0..proofs {
        let index = rng.next() % n;
        let t = Instant::now();
        let proof = store::prove(db, &ProofPlan::inclusion(n, index)?).await?;
        inc.push(t.elapsed().as_secs_f64() * 1e3);
        // The leaf is not kept here: check the proof's length, and that it fails for a wrong leaf.
        if verify_inclusion::<Sm3>(root, n, b"not a leaf", index, &proof).is_ok() {
            bail!("an inclusion proof verified a leaf that is not in the tree");
        }
        let from = 1 + rng.next() % (n - 1);
        let t = Instant::now();
        let proof = store::prove(db, &ProofPlan::consistency(from, n)?).await?;
        con.push(t.elapsed().as_secs_f64() * 1e3);
        let old = store::root_at(db, from).await?;
        verify_consistency::<Sm3>(&old, from, root, n, &proof)
            .context("a generated consistency proof failed")?;
    }
    inc.sort_by(f64::total_cmp);
    con.sort_by(f64::total_cmp);
    Ok((inc, con))
}

async fn appends_and_monitor(scratch: &Path, appends: usize) -> Result<(f64, f64)> {
    let mut config = Config::defaults(scratch.join("server"));
    config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.ca_password = Some(Secret::new("bench-log"));
    config.checkpoint_secs = 1;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let running = launch(listener, config.clone()).await?;
    let url = format!("http://{}", running.addr);
    let db = Db::connect(&config.data_dir, None).await?;
    let t = Instant::now();
    for i in 0..appends {
        let details = json!({ "bench": i, "note": "a bench event of typical size, with a few fields" });
        audit::append(&db, NewEvent::new("system", "bench.event", format!("B{i}"), details)).await?;
    }
    let append_per_s = appends as f64 / t.elapsed().as_secs_f64();
    db.close().await;
    // The newest checkpoint covers every append (the ticker signs each second).
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let state = scratch.join("monitor.json");
    let t = Instant::now();
    let note = crate::cli::log::verify(&url, &state, None, &[]).await?;
    let verify_s = t.elapsed().as_secs_f64();
    if note.checkpoint.size < appends as u64 {
        bail!(
            "the checkpoint the monitor saw holds {} entries, fewer than the {appends} appended",
            note.checkpoint.size
        );
    }
    running.shutdown().await?;
    Ok((append_per_s, verify_s))
}

/// Runs the benchmark.
pub async fn run(b: LogBench) -> Result<LogReport> {
    if b.entries < 2 {
        bail!("--entries must be at least 2");
    }
    std::fs::create_dir_all(b.scratch.join("tree"))?;
    let db = Db::connect(&b.scratch.join("tree"), None).await?;
    let t = Instant::now();
    let root = build(&db, b.entries).await?;
    let build_s = t.elapsed().as_secs_f64();
    let (inc, con) = time_proofs(&db, b.entries, &root, b.proofs).await?;
    db.close().await;
    let (append_per_s, monitor_verify_s) = appends_and_monitor(&b.scratch, b.appends).await?;
    Ok(LogReport {
        entries: b.entries,
        build_s,
        inclusion_ms_median: quantile(&inc, 0.5),
        inclusion_ms_p99: quantile(&inc, 0.99),
        consistency_ms_median: quantile(&con, 0.5),
        consistency_ms_p99: quantile(&con, 0.99),
        appends: b.appends,
        append_per_s,
        monitor_verify_s,
    })
}
