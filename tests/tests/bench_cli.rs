//! `sealbid bench login` measures a real server from a second process; this
//! checks the tool does what BENCHMARKS.md says, on a few requests.

use std::process::Command;

use sealbid_crypto::keyfile;
use sealbid_tests::{Engine, TestServer, on_both_engines, sealbid_bin};
use serde_json::Value;

on_both_engines!(bench_login_counts_real_logins_and_requests);

async fn bench_login_counts_real_logins_and_requests(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (key, cert) = s.issue_person("bidder", "bench user");
    let key_path = s.scratch().join("bench.p8");
    std::fs::write(&key_path, keyfile::encrypt_pem(&key, b"bench-pw", 1_000).unwrap().as_bytes()).unwrap();
    let issuing = std::fs::read_to_string(s.data_dir().join("issuing.pem")).unwrap();
    let chain_path = s.scratch().join("chain.pem");
    std::fs::write(&chain_path, format!("{cert}{issuing}")).unwrap();

    let base = s.url("");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(sealbid_bin())
            .args([
                "bench",
                "login",
                "--url",
                base.trim_end_matches('/'),
                "--requests",
                "6",
                "--concurrency",
                "2",
            ])
            .arg("--key")
            .arg(&key_path)
            .arg("--chain")
            .arg(&chain_path)
            .env("SEALBID_KEY_PASSWORD", "bench-pw")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for phase in ["logins", "authenticated_requests"] {
        assert_eq!(report[phase]["n"], 6, "{report}");
        assert!(report[phase]["per_s"].as_f64().unwrap() > 0.0, "{report}");
        assert!(report[phase]["p99_ms"].as_f64().unwrap() >= report[phase]["p50_ms"].as_f64().unwrap());
    }
    // Every measured login really happened: 6 plus the warm-up, each audited.
    let logins = s.sql_strings("SELECT action FROM audit_events WHERE action = 'auth.login'").await;
    assert_eq!(logins.len(), 7, "{logins:?}");
    s.stop().await;
}
