//! The audit trail's hash chain, checked by the real `sealbid audit verify`
//! binary: intact after real server activity, broken at the right seq after
//! a row is edited with SQL, and kept as one chain by two servers appending
//! concurrently to one PostgreSQL, and continued across a restart.

use std::process::Stdio;

use sealbid_tests::{CA_PW, Engine, TestServer, client, on_both_engines, sealbid_bin};
use sqlx::Connection;

on_both_engines!(
    audit_verify_passes_then_detects_an_edited_row,
    concurrent_stamps_keep_one_chain,
    restart_continues_the_chain_and_the_serials,
);

/// A DER TSA request for the SM3 imprint of `data` (no nonce, no certificate).
fn tsq(data: &[u8]) -> Vec<u8> {
    sealbid_crypto::tsp::TimeStampReq::for_data(data, None, false).unwrap().encode().unwrap()
}

async fn audit_verify_passes_then_detects_an_edited_row(engine: Engine) {
    let s = TestServer::start(engine).await;
    for i in 0..3u8 {
        let resp = s
            .client
            .post(s.url("/tsa"))
            .header("content-type", "application/timestamp-query")
            .body(tsq(&[i]))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
    }
    // server.start + three stamps.
    let out = s.sealbid(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("OK: 4 events"), "{stdout}");

    // An insider with database rights removes the append-only guard and edits seq 3.
    let edit = "UPDATE audit_events SET subject = 'forged' WHERE seq = 3";
    match s.pg() {
        Some(pg) => {
            let mut c = sqlx::PgConnection::connect(&pg.url).await.unwrap();
            assert!(sqlx::query(edit).execute(&mut c).await.is_err(), "the trigger refuses edits");
            sqlx::query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::query(edit).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        }
        None => {
            let path = s.data_dir().join("sealbid.db");
            let mut c =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
            assert!(sqlx::query(edit).execute(&mut c).await.is_err(), "the trigger refuses edits");
            sqlx::query("DROP TRIGGER audit_events_no_update").execute(&mut c).await.unwrap();
            sqlx::query(edit).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        }
    }
    let out = s.sealbid(&["audit", "verify"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("broken at seq 3"), "{stderr}");
    assert!(stderr.contains("changed"), "{stderr}");
    s.stop().await;
}

/// Many concurrent stamps on one server (several pooled connections racing
/// to append): one intact chain, every event in it, no serial twice.
async fn concurrent_stamps_keep_one_chain(engine: Engine) {
    let s = TestServer::start(engine).await;
    const N: usize = 24;
    let mut tasks = Vec::new();
    for i in 0..N {
        let (c, url) = (s.client.clone(), s.url("/tsa"));
        tasks.push(tokio::spawn(async move {
            let resp =
                c.post(url).header("content-type", "application/timestamp-query").body(tsq(&[i as u8]));
            resp.send().await.unwrap().status()
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().is_success());
    }
    let out = s.sealbid(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("OK: {} events", N + 1)), "{stdout}");
    s.stop().await;
}

/// The serial of a granted TSA reply.
async fn stamp_serial(s: &TestServer, data: &[u8]) -> Vec<u8> {
    let resp =
        s.client.post(s.url("/tsa")).header("content-type", "application/timestamp-query").body(tsq(data));
    let reply = resp.send().await.unwrap().bytes().await.unwrap();
    let token = sealbid_crypto::tsp::token_from_response(&reply).unwrap();
    let tsa = std::fs::read_to_string(s.data_dir().join("tsa.pem")).unwrap();
    let tsa = sealbid_crypto::pki::Certificate::from_pem(&tsa).unwrap();
    let v =
        sealbid_crypto::tsp::verify_token(&token, sealbid_crypto::tsp::Stamped::Data(data), tsa.x509(), None)
            .unwrap();
    v.serial.as_bytes().to_vec()
}

/// A restarted server keeps the data directory's CA (no second `init`),
/// continues the audit chain and never reuses a TSA serial.
async fn restart_continues_the_chain_and_the_serials(engine: Engine) {
    let mut s = TestServer::start(engine).await;
    let root = std::fs::read(s.data_dir().join("root.pem")).unwrap();
    // The log's checkpoints are stamped from the same serials: a serial only grows.
    let number = |b: Vec<u8>| b.iter().fold(0u64, |n, d| n << 8 | u64::from(*d));
    let before = number(stamp_serial(&s, b"before").await);
    s.restart().await;
    let after = number(stamp_serial(&s, b"after").await);
    assert!(before >= 1 && after > before, "serial {after} after the restart, {before} before");
    assert_eq!(std::fs::read(s.data_dir().join("root.pem")).unwrap(), root, "the CA is kept");
    let out = s.sealbid(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Two server.start and two stamps.
    assert!(stdout.contains("OK: 4 events"), "{stdout}");
    s.stop().await;
}

/// Two server processes — this test's in-process server and the real
/// `sealbid serve` binary — share one PostgreSQL and one data directory and
/// time-stamp concurrently; every stamp is an audit event. The chain must
/// stay one valid chain with every event in it, and no TSA serial repeats.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_keep_one_chain() {
    let a = TestServer::start_with(Engine::Postgres, |c| c.checkpoint_secs = 1).await;
    let url = a.database_url.clone().unwrap();

    let mut b = tokio::process::Command::new(sealbid_bin())
        .arg("--data-dir")
        .arg(a.data_dir())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SEALBID_CA_PASSWORD", CA_PW)
        .env("DATABASE_URL", &url)
        .env("SEALBID_CHECKPOINT_SECS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let b_base = {
        use tokio::io::AsyncBufReadExt;
        let mut lines = tokio::io::BufReader::new(b.stdout.take().unwrap()).lines();
        loop {
            let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
                .await
                .expect("sealbid serve starts within a minute")
                .unwrap()
                .expect("sealbid serve printed its address");
            if let Some(rest) = line.strip_prefix("sealbid serving on ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        }
    };

    const PER_SERVER: usize = 20;
    // A monitor follows the log through either server while both append.
    let state = a.scratch().join("monitor.json");
    let monitor = |base: String| {
        let (state, dir) = (state.clone(), a.data_dir());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(sealbid_bin())
                .arg("--data-dir")
                .arg(dir)
                .args(["log", "verify", "--server", &base, "--state"])
                .arg(state)
                .output()
                .unwrap()
        })
    };
    let first = monitor(a.base.clone()).await.unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let first =
        String::from_utf8_lossy(&first.stdout).trim().rsplit(' ').next().unwrap().parse::<u64>().unwrap();
    let mut tasks = Vec::new();
    for base in [a.base.clone(), b_base.clone()] {
        for i in 0..PER_SERVER {
            let (c, url) = (client(), format!("{base}/tsa"));
            tasks.push(tokio::spawn(async move {
                let body = tsq(format!("{url} {i}").as_bytes());
                let resp =
                    c.post(url).header("content-type", "application/timestamp-query").body(body).send().await;
                resp.unwrap().status()
            }));
        }
    }
    let mut sizes = vec![first];
    for (i, t) in tasks.into_iter().enumerate() {
        assert!(t.await.unwrap().is_success());
        if i % 10 == 9 {
            // Each checkpoint, from either server, is consistent with the one before.
            let base = if i % 20 == 9 { a.base.clone() } else { b_base.clone() };
            tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
            let out = monitor(base).await.unwrap();
            let said = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
            sizes.push(said.trim().rsplit(' ').next().unwrap().parse::<u64>().unwrap());
        }
    }
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "checkpoints never shrink: {sizes:?}");
    assert!(sizes.first() < sizes.last(), "the servers signed new checkpoints as the log grew: {sizes:?}");
    b.kill().await.unwrap();

    let out = a.sealbid(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Two server.start events and every stamp, each once in one tree, at consecutive indices.
    assert!(stdout.contains(&format!("OK: {} events", 2 + 2 * PER_SERVER)), "{stdout}");
    assert!(stdout.contains(&format!("log OK: {} entries", 2 + 2 * PER_SERVER)), "{stdout}");

    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    let (stamps, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT subject) FROM audit_events WHERE action = 'tsa.stamp'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!((stamps, distinct), (2 * PER_SERVER as i64, 2 * PER_SERVER as i64), "TSA serials are unique");
    c.close().await.unwrap();
    a.stop().await;
}
