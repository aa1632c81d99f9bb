//! Certificate logins per second and authenticated requests per second.
//!
//! A login is what a browser does: `GET /api/v1/auth/challenge`, sign the
//! login message with the user's SM2 key, `POST /api/v1/auth/login` with the
//! certificate chain. The server checks the challenge, the chain to its
//! root, the live CRL, the lockout and the signature, writes the audit row
//! and a new session. An authenticated request is `GET /api/v1/auth/me` with
//! a session cookie; the server re-checks the certificate's live status on
//! each one. `concurrency` tasks run in a closed loop until `requests` are done.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sealbid_crypto::PrivateKey;
use serde_json::{Value, json};

/// What to run against which server.
#[derive(Debug, Clone)]
pub struct LoginBench {
    /// Base URL of the server, which is also the origin signed into each login.
    pub url: String,
    /// The user's key.
    pub key: Arc<PrivateKey>,
    /// PEM certificates, leaf first.
    pub chain: Arc<Vec<String>>,
    /// Operations per phase.
    pub requests: usize,
    /// Concurrent clients.
    pub concurrency: usize,
}

/// Latency summary of one phase.
#[derive(Debug, serde::Serialize)]
pub struct Phase {
    /// Operations completed.
    pub n: usize,
    /// Wall time of the phase.
    pub wall_s: f64,
    /// Operations per second.
    pub per_s: f64,
    /// Median latency.
    pub p50_ms: f64,
    /// 99th percentile latency.
    pub p99_ms: f64,
}

pub(crate) fn summarise(mut lat: Vec<Duration>, wall: Duration) -> Phase {
    lat.sort_unstable();
    let pick = |q: f64| {
        lat.get(((lat.len() as f64 - 1.0) * q).round() as usize).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    Phase {
        n: lat.len(),
        wall_s: wall.as_secs_f64(),
        per_s: lat.len() as f64 / wall.as_secs_f64(),
        p50_ms: pick(0.5),
        p99_ms: pick(0.99),
    }
}

pub(crate) fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder().no_proxy().pool_max_idle_per_host(64).build()?)
}

/// One full login; returns the session cookie.
async fn login_once(client: &reqwest::Client, b: &LoginBench) -> Result<String> {
    crate::cli::client::login(client, &b.url, &b.key, &b.chain).await
}

async fn me_once(client: &reqwest::Client, url: &str, cookie: &str) -> Result<()> {
    let resp =
        client.get(format!("{url}/api/v1/auth/me")).header(reqwest::header::COOKIE, cookie).send().await?;
    if !resp.status().is_success() {
        bail!("me: HTTP {}", resp.status());
    }
    resp.bytes().await?;
    Ok(())
}

/// Runs `op` `requests` times over `concurrency` tasks; returns the latency summary.
pub(crate) async fn closed_loop<F, Fut>(requests: usize, concurrency: usize, op: F) -> Result<Phase>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (op, next) = (op.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let t = Instant::now();
                op().await?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::with_capacity(requests);
    for t in tasks {
        all.extend(t.await.context("a bench task panicked")??);
    }
    Ok(summarise(all, start.elapsed()))
}

/// Measures logins, then authenticated requests on one session.
pub async fn run(b: LoginBench) -> Result<Value> {
    let client = client()?;
    // Warm-up, and proof the credentials work before timing anything.
    let cookie = login_once(&client, &b).await.context("the warm-up login failed")?;
    me_once(&client, &b.url, &cookie).await?;

    let lb = b.clone();
    let lc = client.clone();
    let logins = closed_loop(b.requests, b.concurrency, move || {
        let (lb, lc) = (lb.clone(), lc.clone());
        async move { login_once(&lc, &lb).await.map(|_| ()) }
    })
    .await?;

    let (url, mc) = (b.url.clone(), client.clone());
    let cookie = Arc::new(cookie);
    let me = closed_loop(b.requests, b.concurrency, move || {
        let (url, mc, cookie) = (url.clone(), mc.clone(), cookie.clone());
        async move { me_once(&mc, &url, &cookie).await }
    })
    .await?;

    Ok(json!({
        "url": b.url,
        "concurrency": b.concurrency,
        "logins": logins,
        "authenticated_requests": me,
    }))
}
