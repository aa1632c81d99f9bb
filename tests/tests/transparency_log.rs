//! The transparency log against the real server and the real `sealbid log`
//! monitor, on SQLite and PostgreSQL: a bidder's receipt and the results
//! carry inclusion proofs that verify under the log's key; a regulator
//! co-signs as a witness; and a dishonest operator who deletes one event and
//! recomputes everything it can (chain hashes, stored tree nodes, a fresh
//! checkpoint signed with the log's own key) is caught by the monitor
//! holding an earlier checkpoint, naming the first differing index, while
//! the receipt's proof no longer fits the new tree. Every route answers bad
//! parameters with a 4xx naming the problem.

use std::path::Path;
use std::process::{Command, Output};

use reqwest::StatusCode;
use sealbid_backend::db::Db;
use sealbid_crypto::log::tree::{Hash, Sm3, verify_inclusion};
use sealbid_crypto::log::{InclusionBundle, LogVerifier, SignedNote};
use sealbid_tests::bidding::{Actor, enrol, get};
use sealbid_tests::documents::awarded_tender;
use sealbid_tests::{CA_PW, Engine, TestServer, login, on_both_engines, sealbid_bin};
use serde_json::Value;

on_both_engines!(
    receipts_results_and_witness_then_a_rewritten_history_is_caught,
    log_routes_refuse_bad_parameters
);

const KEY_PW: &str = "witness-key-password";

fn log_cmd(s: &TestServer, args: &[&str]) -> Output {
    let mut cmd = Command::new(sealbid_bin());
    cmd.arg("--data-dir").arg(s.data_dir()).arg("log").args(args);
    cmd.env("SEALBID_KEY_PASSWORD", KEY_PW).env("SEALBID_CA_PASSWORD", CA_PW);
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn verifier(s: &TestServer) -> LogVerifier {
    let vkey = s.client.get(s.url("/pki/log")).send().await.unwrap().text().await.unwrap();
    LogVerifier::from_vkey(&vkey).unwrap()
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| hex::decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect()
}

/// What an operator with the database and the data directory can do: drop
/// the append-only guards, delete the event at leaf `index`, renumber the
/// later ones (keeping every other entry's salt), recompute every chain
/// hash, wipe the tree and checkpoints and have the server's own code
/// rebuild the tree (the next start signs a new checkpoint with the log key).
async fn rewrite_history(s: &TestServer, index: i64) {
    let db = Db::open_existing(&s.data_dir(), s.database_url.as_deref()).await.unwrap();
    let guards: &[&str] = match &db {
        Db::Sqlite(..) => &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
            "DROP TRIGGER log_entries_no_update",
            "DROP TRIGGER log_entries_no_delete",
            "DROP TRIGGER log_nodes_no_update",
            "DROP TRIGGER log_nodes_no_delete",
            "DROP TRIGGER log_checkpoints_no_update",
            "DROP TRIGGER log_checkpoints_no_delete",
        ],
        Db::Postgres(_) => &[
            "ALTER TABLE audit_events DISABLE TRIGGER USER",
            "ALTER TABLE log_entries DISABLE TRIGGER USER",
            "ALTER TABLE log_nodes DISABLE TRIGGER USER",
            "ALTER TABLE log_checkpoints DISABLE TRIGGER USER",
        ],
    };
    let seq = index + 1;
    // The salts are kept (moved with their events), so only what changed shows.
    let salts: Vec<(i64, String)> = sealbid_backend::with_pool!(&db, p => sqlx::query_as("SELECT seq, salt FROM log_entries ORDER BY seq").fetch_all(p).await).unwrap();
    let mut statements: Vec<String> = guards.iter().map(|g| g.to_string()).collect();
    statements.extend(
        [
            "DELETE FROM log_cosignatures",
            "DELETE FROM log_checkpoints",
            "DELETE FROM log_nodes",
            "DELETE FROM log_entries",
        ]
        .map(String::from),
    );
    statements.push(format!("DELETE FROM audit_events WHERE seq = {seq}"));
    statements.push(format!("UPDATE audit_events SET seq = -(seq - 1) WHERE seq > {seq}"));
    statements.push("UPDATE audit_events SET seq = -seq WHERE seq < 0".into());
    for sql in &statements {
        sealbid_backend::with_pool!(&db, p => sqlx::query(sql).execute(p).await.map(|_| ())).unwrap();
    }
    for (old, salt) in salts.iter().filter(|(old, _)| *old != seq) {
        let new = if *old > seq { old - 1 } else { *old };
        let sql = "INSERT INTO log_entries (seq, salt) VALUES ($1, $2)";
        sealbid_backend::with_pool!(&db, p => sqlx::query(sql).bind(new).bind(salt).execute(p).await.map(|_| ())).unwrap();
    }
    // Every chain hash recomputed, as `audit verify` will check them.
    let events = sealbid_backend::audit::chain::read_after(&db, 0, 1_000_000).await.unwrap();
    let mut prev = sealbid_backend::audit::chain::genesis_hash();
    for e in &events {
        let hash = sealbid_backend::audit::chain::row_hash(
            &prev, e.seq, &e.time, &e.actor, &e.action, &e.subject, &e.details,
        )
        .unwrap();
        let sql = "UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3";
        sealbid_backend::with_pool!(&db, p => sqlx::query(sql).bind(&prev).bind(&hash).bind(e.seq).execute(p).await.map(|_| ()))
            .unwrap();
        prev = hash;
    }
    let last = events.last().unwrap().seq;
    let sql = "UPDATE audit_head SET seq = $1, hash = $2, log_size = 0, frontier = $3 WHERE id = 1";
    sealbid_backend::with_pool!(&db, p => sqlx::query(sql).bind(last).bind(&prev).bind(Vec::<u8>::new()).execute(p).await.map(|_| ()))
        .unwrap();
    // The tree, rebuilt by the server's own code from the rewritten events.
    sealbid_backend::tlog::store::backfill(&db).await.unwrap();
    db.close().await;
}

fn write_witness_files(dir: &Path, who: &Actor) -> (String, String) {
    let key = dir.join("witness.p8");
    let pem = sealbid_crypto::keyfile::encrypt_pem(&who.key, KEY_PW.as_bytes(), 1_000).unwrap();
    std::fs::write(&key, pem.as_bytes()).unwrap();
    let cert = dir.join("witness.pem");
    std::fs::write(&cert, &who.cert_pem).unwrap();
    (key.to_string_lossy().into_owned(), cert.to_string_lossy().into_owned())
}

async fn receipts_results_and_witness_then_a_rewritten_history_is_caught(engine: Engine) {
    // Checkpoints only when asked for or when none covers an entry: the test decides.
    let mut s = TestServer::start_with(engine, |c| c.checkpoint_secs = 3600).await;
    let (op_key, op_pem) = s.issue_person("operator", "运营 管理员");
    let op = login(&s.client, &s.base, &op_key, std::slice::from_ref(&op_pem)).await.cookie.unwrap();
    let centre = enrol(&s, &op, "centre", "集采 中心", 1, "centre").await;
    let officials = vec![
        enrol(&s, &op, "official", "开标 委员0", 10, "regulator").await,
        enrol(&s, &op, "official", "开标 委员1", 11, "regulator").await,
    ];
    let bidder = enrol(&s, &op, "bidder", "甲厂 投标人", 100, "manufacturer").await;
    let rival = enrol(&s, &op, "bidder", "乙厂 投标人", 101, "manufacturer").await;
    let regulator = enrol(&s, &op, "regulator", "药监 见证人", 300, "regulator").await;
    let tender = awarded_tender(&s, &centre, &officials, &[(&bidder, vec![(1, 900)])]).await;
    let log = verifier(&s).await;

    // The bidder's receipt bundle: its acceptance is in the log, provably.
    let (st, mine) = get(&s, &format!("/api/v1/tenders/{tender}/bids/mine"), &bidder.cookie).await;
    assert_eq!(st, StatusCode::OK, "{mine}");
    let bid = mine["bids"][0]["id"].as_i64().unwrap();
    let (st, bundle) = get(&s, &format!("/api/v1/bids/{bid}/log"), &bidder.cookie).await;
    assert_eq!(st, StatusCode::OK, "{bundle}");
    let bundle: InclusionBundle = serde_json::from_value(bundle).unwrap();
    let at = bundle.verify(&log).unwrap();
    assert_eq!(bundle.entry.action, "bid.received");
    assert!(bundle.content.details.contains(&format!("\"bid\":{bid}")), "{:?}", bundle.content);
    // A rival cannot fetch it; a flipped byte in the content is refused.
    let (st, _) = get(&s, &format!("/api/v1/bids/{bid}/log"), &rival.cookie).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let mut forged = bundle.clone();
    forged.content.subject.push('X');
    assert!(forged.verify(&log).unwrap_err().to_string().contains("not what it commits to"));
    // The kept bundle checks offline with the real binary; the forged one is refused.
    let vkey = log.to_vkey();
    for (name, b, ok) in [("kept.json", &bundle, true), ("forged.json", &forged, false)] {
        let path = s.scratch().join(name);
        std::fs::write(&path, serde_json::to_string(b).unwrap()).unwrap();
        let out = log_cmd(&s, &["check", "--bundle", &path.to_string_lossy(), "--log-key", &vkey]);
        assert_eq!(out.status.success(), ok, "{}", text(&out));
        let said = text(&out);
        assert!(
            said.contains(if ok { "is in the checkpoint of size" } else { "not what it commits to" }),
            "{said}"
        );
    }

    // The results carry the publication's entry, bound to the document's hash.
    let (st, results) = get(&s, &format!("/api/v1/tenders/{tender}/results"), &centre.cookie).await;
    assert_eq!(st, StatusCode::OK, "{results}");
    let published: InclusionBundle = serde_json::from_value(results["log"].clone()).unwrap();
    published.verify(&log).unwrap();
    assert_eq!(published.entry.action, "results.published");
    let doc_hash = hex::encode(sealbid_crypto::sm3(results["document"].as_str().unwrap().as_bytes()));
    assert!(published.content.details.contains(&doc_hash), "{:?}", published.content);
    // After the results the bid's entry shows its content to anyone.
    let (_, page) = get(
        &s,
        &format!("/api/v1/log/entries?start={}&end={}", bundle.entry.index, bundle.entry.index + 1),
        &rival.cookie,
    )
    .await;
    assert_eq!(page["entries"][0]["content"]["actor"], bundle.content.actor.as_str(), "{page}");

    // A regulator witnesses: checks consistency, co-signs; the monitor demands its co-signature.
    let (key, cert) = write_witness_files(s.scratch(), &regulator);
    let witness_state = s.scratch().join("witness.json").to_string_lossy().into_owned();
    let out = log_cmd(
        &s,
        &["witness", "--server", &s.base, "--state", &witness_state, "--key", &key, "--cert", &cert],
    );
    assert!(out.status.success(), "{}", text(&out));
    let state = s.scratch().join("monitor.json").to_string_lossy().into_owned();
    let out = log_cmd(
        &s,
        &["verify", "--server", &s.base, "--state", &state, "--log-key", &vkey, "--witness", &cert],
    );
    assert!(out.status.success(), "{}", text(&out));
    let size: u64 = serde_json::from_str::<Value>(&std::fs::read_to_string(&state).unwrap()).unwrap()["size"]
        .as_u64()
        .unwrap();
    assert!(text(&out).contains(&format!("consistent: tree size {size}")), "{}", text(&out));
    assert!(size > bundle.entry.index);
    // A witness the checkpoint lacks fails the check.
    let stranger = s.scratch().join("stranger.pem");
    std::fs::write(&stranger, &bidder.cert_pem).unwrap();
    let out = log_cmd(
        &s,
        &["verify", "--server", &s.base, "--state", &state, "--witness", &stranger.to_string_lossy()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("no signature of witness"), "{}", text(&out));
    let out = s.sealbid(&["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("log OK"), "{}", text(&out));

    // The operator deletes the bid's acceptance and recomputes all it can.
    s.pause().await;
    rewrite_history(&s, bundle.entry.index as i64).await;
    s.restart().await;
    // Offline, the database is self-consistent again: only an outside record can tell.
    let out = s.sealbid(&["audit", "verify"]);
    assert!(out.status.success(), "the operator recomputed the chain and the tree: {}", text(&out));
    let out = log_cmd(&s, &["verify", "--server", &s.base, "--state", &state]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("inconsistent"), "{said}");
    assert!(said.contains(&format!("first differing index {}", bundle.entry.index)), "{said}");

    // The kept receipt's entry is no longer leaf `index` of the new tree.
    let (_, cp) = get(&s, "/api/v1/log/checkpoint", &rival.cookie).await;
    let note = SignedNote::parse(cp["note"].as_str().unwrap()).unwrap();
    note.verify(&log).expect("the operator signed the new history with the log key");
    let new = note.checkpoint;
    let i = bundle.entry.index;
    let (st, proof) =
        get(&s, &format!("/api/v1/log/proof/inclusion?index={i}&size={}", new.size), &rival.cookie).await;
    assert_eq!(st, StatusCode::OK, "{proof}");
    let refused = verify_inclusion::<Sm3>(
        &new.root,
        new.size,
        &bundle.entry.leaf().unwrap(),
        i,
        &hashes(&proof["proof"]),
    );
    assert!(refused.is_err(), "the deleted bid still proves against the rewritten log");
    // …while against the checkpoint it was issued under it still does (the bidder's evidence).
    assert_eq!(bundle.verify(&log).unwrap(), at);
    s.stop().await;
}

async fn log_routes_refuse_bad_parameters(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (_, cp) = {
        let r = s.client.get(s.url("/api/v1/log/checkpoint")).send().await.unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    let size = cp["size"].as_u64().unwrap();
    assert!(size >= 1, "{cp}");
    let cases: Vec<(String, &str)> = vec![
        ("/api/v1/log/entries".into(), "`start` is missing"),
        ("/api/v1/log/entries?start=0".into(), "`end` is missing"),
        ("/api/v1/log/entries?start=x&end=1".into(), "`start` must be a whole number"),
        ("/api/v1/log/entries?start=-1&end=1".into(), "`start` must be a whole number"),
        ("/api/v1/log/entries?start=1&end=1".into(), "must be less than `end`"),
        (format!("/api/v1/log/entries?start=0&end={}", size + 1), "past the log's"),
        ("/api/v1/log/entries?start=0&end=1&limit=5".into(), "unknown parameter `limit`"),
        ("/api/v1/log/proof/inclusion?index=0".into(), "`size` is missing"),
        ("/api/v1/log/proof/inclusion?index=0&size=0".into(), "`size` must be between 1"),
        (format!("/api/v1/log/proof/inclusion?index=0&size={}", size + 1), "`size` must be between 1"),
        (format!("/api/v1/log/proof/inclusion?index={size}&size={size}"), "must be less than `size`"),
        (
            "/api/v1/log/proof/inclusion?index=99999999999999999999&size=1".into(),
            "`index` must be a whole number",
        ),
        ("/api/v1/log/proof/consistency?from=0&to=1".into(), "need 1 ≤ `from`"),
        ("/api/v1/log/proof/consistency?from=2&to=1".into(), "need 1 ≤ `from`"),
        (format!("/api/v1/log/proof/consistency?from=1&to={}", size + 1), "need 1 ≤ `from`"),
        ("/api/v1/log/proof/consistency?to=1".into(), "`from` is missing"),
    ];
    for (path, says) in cases {
        let r = s.client.get(s.url(&path)).send().await.unwrap();
        let st = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(st, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(body["message"].as_str().unwrap().contains(says), "{path}: {body} should say {says:?}");
    }
    // Co-signing needs a regulator's session.
    let post = |cookie: Option<String>| {
        let mut r = s
            .client
            .post(s.url("/api/v1/log/cosignatures"))
            .header("origin", &s.base)
            .json(&serde_json::json!({ "note": "x" }));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send()
    };
    assert_eq!(post(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let (key, pem) = s.issue_person("bidder", "甲厂 投标人");
    let bidder = login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await.cookie.unwrap();
    assert_eq!(post(Some(bidder)).await.unwrap().status(), StatusCode::FORBIDDEN);
    let (key, pem) = s.issue_person("regulator", "药监 见证人");
    let regulator = login(&s.client, &s.base, &key, std::slice::from_ref(&pem)).await.cookie.unwrap();
    let r = post(Some(regulator.clone())).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("log checkpoint"));
    // The log's own checkpoint without the regulator's line is refused, naming the missing signature.
    let r = s
        .client
        .post(s.url("/api/v1/log/cosignatures"))
        .header("origin", &s.base)
        .header("cookie", &regulator)
        .json(&serde_json::json!({ "note": cp["note"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("no signature of witness"));
    s.stop().await;
}
