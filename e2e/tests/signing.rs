//! A contract signed, countersigned and filed in the real browser, then
//! verified there.
//!
//! Set-up through the API with the workspace tests' helpers
//! (`sealbid_tests::documents`), on demo data: the platform starts in-process
//! with `--demo`'s seeding (`Config::demo`), the demo centre runs a whole
//! sealed-bid round with two demo officials (bidder1 wins item 1, bidder2
//! item 2), the operator approves a contract seal for each party and a filing
//! seal for the regulator, the centre generates the two contracts with the
//! demo hospital as buyer, and bidder2 signs its contract through the API.
//! Then the in-process server stops and the real `sealbid serve` binary
//! (`SEALBID_BIN`) serves the same data directory and the built web app.
//!
//! In Chromium: the manufacturer signs its contract at the reserved place,
//! voids that signature, places the seal by clicking on the page preview and
//! signs again; the hospital batch-signs both contracts (one result per
//! contract); the regulator files the first contract with its filing seal,
//! downloads it, refuses the second with a reason and finds the signatures in
//! the audit trail; logged out, the Verify page shows the filed PDF's three
//! valid signatures, and a copy with one altered byte as three invalid ones.
//! Screenshots go to e2e/artifacts/signing-*.png.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sealbid_crypto::keyfile;
use sealbid_e2e::{Browser, web_dir};
use sealbid_tests::bidding::{Actor, get, post};
use sealbid_tests::documents::{approved_seal, awarded_tender, sign};
use sealbid_tests::{Engine, TestServer, login};
use serde_json::json;

/// Logs in as the demo person `stem` through the API.
async fn actor(s: &TestServer, stem: &str) -> Actor {
    let demo = s.data_dir().join("demo");
    let password = std::fs::read_to_string(demo.join("PASSWORD.txt")).unwrap();
    let key_file = std::fs::read(demo.join(format!("{stem}.p8"))).unwrap();
    let key = keyfile::decrypt(&key_file, password.trim().as_bytes()).expect("the demo key opens");
    let chain = std::fs::read_to_string(demo.join(format!("{stem}.pem"))).unwrap();
    let pems: Vec<String> =
        chain.split_inclusive("-----END CERTIFICATE-----\n").map(str::to_string).collect();
    let out = login(&s.client, &s.base, &key, &pems).await;
    assert_eq!(out.status, StatusCode::OK, "{stem} logs in: {:?}", out.body);
    let text = |k: &str| out.body[k].as_str().unwrap_or_else(|| panic!("{k} in {}", out.body)).to_string();
    Actor {
        serial: text("serial"),
        uscc: text("uscc"),
        key,
        cert_pem: pems[0].clone(),
        cookie: out.cookie.unwrap(),
    }
}

/// Logs in in the browser with the demo person's key file and certificate.
async fn browser_login(b: &Browser, demo: &Path, password: &str, stem: &str, name: &str) {
    let t0 = Instant::now();
    let (key, chain) = (demo.join(format!("{stem}.p8")), demo.join(format!("{stem}.pem")));
    assert_eq!(b.login_with_files(&key, &chain, password).await, name);
    println!("{stem} logged in in {} ms (with typing)", t0.elapsed().as_millis());
}

async fn open_contract(b: &Browser, id: i64) {
    b.click("#nav-contracts").await;
    b.click(&format!(".open-contract[data-id='{id}']")).await;
    b.wait("#contract-page h1").await;
}

/// Waits for the contract page to show `status`.
async fn status_is(b: &Browser, status: &str) {
    b.wait(&format!("#contract-status[data-status='{status}']")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_is_signed_countersigned_filed_and_verified_in_the_browser() {
    let web = web_dir();
    let started = Instant::now();
    let mut s = TestServer::start_with(Engine::Sqlite, |c| c.demo = true).await;
    let demo = s.data_dir().join("demo");
    let password = std::fs::read_to_string(demo.join("PASSWORD.txt")).unwrap().trim().to_string();
    let operator = actor(&s, "operator").await;
    let centre = actor(&s, "centre").await;
    let officials = [actor(&s, "official1").await, actor(&s, "official2").await];
    let bidder1 = actor(&s, "bidder1").await;
    let bidder2 = actor(&s, "bidder2").await;
    let hospital = actor(&s, "hospital").await;
    let regulator = actor(&s, "regulator").await;
    let bids = [(&bidder1, vec![(1, 800), (2, 450)]), (&bidder2, vec![(1, 900), (2, 400)])];
    let tender = awarded_tender(&s, &centre, &officials, &bids).await;
    approved_seal(&s, &operator.cookie, &bidder1, "合同专用章", "contract").await;
    let seal2 = approved_seal(&s, &operator.cookie, &bidder2, "合同专用章", "contract").await;
    approved_seal(&s, &operator.cookie, &hospital, "合同专用章", "contract").await;
    approved_seal(&s, &operator.cookie, &regulator, "备案专用章", "filing").await;
    let path = format!("/api/v1/tenders/{tender}/contracts");
    let (st, made) = post(&s, &path, json!({ "buyer_uscc": hospital.uscc }), &centre.cookie).await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let id_of = |uscc: &str| {
        made.as_array().unwrap().iter().find(|c| c["seller_uscc"] == uscc).unwrap()["id"].as_i64().unwrap()
    };
    let (mine, other) = (id_of(&bidder1.uscc), id_of(&bidder2.uscc));
    assert_eq!(sign(&s, &bidder2, other, seal2).await["status"], "seller_signed");
    println!("API set-up (round, seals, contracts): {} ms", started.elapsed().as_millis());

    // The real binary serves the same data directory and the web app.
    s.pause().await;
    let web_env = web.display().to_string();
    let server = s.serve_binary(&[("SEALBID_WEB_DIR", web_env.as_str()), ("RUST_LOG", "warn")]).await;
    let b = Browser::start().await;
    b.client.goto(&s.base).await.expect("the app loads");

    // The manufacturer signs at the reserved place, voids, places the seal itself and signs again.
    browser_login(&b, &demo, &password, "bidder1", "张投标").await;
    b.click("#nav-contracts").await;
    b.wait(&format!("tr.my-turn[data-id='{mine}']")).await;
    b.screenshot("signing-01-manufacturer-contracts").await;
    open_contract(&b, mine).await;
    b.wait("#seal-select").await;
    b.wait("#contract-preview").await;
    assert!(b.text("#seal-position").await.contains("mm"));
    b.screenshot("signing-02-manufacturer-contract").await;
    b.client.execute("document.getElementById('sign-panel').scrollIntoView()", vec![]).await.unwrap();
    b.screenshot("signing-02b-manufacturer-seal-place").await;
    let t0 = Instant::now();
    b.click("#sign-button").await;
    status_is(&b, "seller_signed").await;
    println!("manufacturer signature (prepare, sign in wasm, finish): {} ms", t0.elapsed().as_millis());
    assert!(b.text("#contract-notice").await.contains("签章完成"));
    b.click("#void-button").await;
    status_is(&b, "draft").await;
    assert!(b.text("#contract-notice").await.contains("签章已撤销"));
    assert_eq!(b.count("#revisions tr.voided").await, 1, "the voided signature stays listed");
    b.click("#page-box").await;
    let at = b.text("#seal-position").await;
    let mm: Vec<f32> = at.split(['=', 'm', ',']).filter_map(|t| t.trim().parse().ok()).collect();
    assert!(
        matches!(mm[..], [x, y] if (x - 105.0).abs() < 2.0 && (y - 148.5).abs() < 2.0),
        "a click in the middle of the A4 page: {at}"
    );
    b.wait("#seal-place-reset").await;
    b.click("#sign-button").await;
    status_is(&b, "seller_signed").await;
    b.wait("#download-pdf").await;
    b.screenshot("signing-03-manufacturer-signed").await;
    b.logout().await;

    // The hospital countersigns both contracts in one batch.
    browser_login(&b, &demo, &password, "hospital", "赵医院").await;
    b.click("#nav-contracts").await;
    for id in [mine, other] {
        b.click(&format!(".batch-pick[data-id='{id}']")).await;
    }
    b.wait("#batch-sign:not([disabled])").await;
    let t0 = Instant::now();
    b.click("#batch-sign").await;
    b.wait("#batch-results").await;
    println!("batch of 2 countersignatures: {} ms", t0.elapsed().as_millis());
    assert_eq!(b.count("#batch-results tr.ok").await, 2, "{}", b.text("#batch-results").await);
    b.wait(".contract-status[data-status='buyer_signed']").await;
    assert_eq!(b.count(".contract-status[data-status='buyer_signed']").await, 2);
    b.screenshot("signing-04-hospital-batch").await;
    b.logout().await;

    // The regulator files the manufacturer's contract and reads the audit trail.
    browser_login(&b, &demo, &password, "regulator", "周监管").await;
    open_contract(&b, mine).await;
    b.wait("#seal-select").await;
    b.click("#sign-button").await;
    status_is(&b, "filed").await;
    b.wait("#not-my-turn").await;
    b.click("#download-pdf").await;
    b.screenshot("signing-05-regulator-filed").await;
    // The other contract is refused, with the reason shown.
    open_contract(&b, other).await;
    b.click("#refuse-button").await;
    assert!(b.text("#contract-page .error").await.contains("拒签理由"), "an empty reason is refused");
    b.type_into("#refuse-reason", "供货企业资质待核实").await;
    b.click("#refuse-button").await;
    status_is(&b, "refused").await;
    assert!(b.text("#refused-reason").await.contains("供货企业资质待核实"));
    b.click("#nav-audit").await;
    b.wait("#audit-table").await;
    b.type_into("#audit-action", "contract.signed").await;
    b.click("#audit-search").await;
    b.wait("#audit-table tr.audit-event[data-action='contract.signed']").await;
    let rows = b.count("#audit-table tr.audit-event").await;
    assert!(rows >= 6, "six signatures were made (one voided), the trail shows {rows}");
    assert_eq!(b.count("#audit-table tr.audit-event:not([data-action='contract.signed'])").await, 0);
    b.screenshot("signing-06-audit").await;
    // The transparency log, checked in the regulator's browser: the first check
    // pins the log key and replays every entry; the second proves the newest
    // checkpoint consistent with the one this browser saved in localStorage.
    b.click("#log-check").await;
    let first = b.wait_text("#log-verdict", |t| t.contains("一致") || t.contains("不一致")).await;
    assert!(!first.contains("不一致") && first.contains("首次使用"), "{first}");
    let size = |t: &str| -> u64 {
        let digits: String = t
            .split("树大小")
            .nth(1)
            .unwrap_or_default()
            .trim()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap_or_else(|_| panic!("a tree size in {t:?}"))
    };
    let n1 = size(&first);
    assert!(n1 > 10, "the log holds this round's events: {first}");
    b.click("#log-check").await;
    let second = b
        .wait_text("#log-verdict", |t| {
            (t.contains("一致") && !t.contains("首次使用")) || t.contains("不一致")
        })
        .await;
    assert!(!second.contains("不一致"), "{second}");
    assert!(size(&second) >= n1, "the tree only grows: {first} then {second}");
    b.screenshot("signing-06b-log").await;

    // What the regulator downloaded, checked by anyone on the Verify page.
    let (st, _) = get(&s, &format!("/api/v1/contracts/{mine}"), &regulator.cookie).await;
    assert_eq!(st, StatusCode::OK);
    let pdf = s
        .client
        .get(s.url(&format!("/api/v1/contracts/{mine}/pdf")))
        .header("cookie", &regulator.cookie)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let file = s.scratch().join("filed-contract.pdf");
    std::fs::write(&file, &pdf).unwrap();
    b.logout().await;
    let report = b.verify_pdf(&file).await;
    assert!(report.valid && report.count == 3, "{}", report.text);
    assert_eq!((report.valid_cards, report.invalid_cards), (3, 0), "{}", report.text);
    assert_eq!(report.signers, ["张投标", "赵医院", "周监管"]);
    assert!(
        report.timestamps.iter().all(|t| t != "—"),
        "every signature is time-stamped: {:?}",
        report.timestamps
    );
    b.screenshot("signing-07-verify").await;

    // A copy altered after signing is shown as invalid.
    // Every signature covers the header: `%PDF-1.x` becomes another version.
    let mut altered = pdf.to_vec();
    altered[7] ^= 0x01;
    let bad = s.scratch().join("altered.pdf");
    std::fs::write(&bad, &altered).unwrap();
    b.type_into("#verify-file", &bad.display().to_string()).await;
    b.wait("#verify-summary[data-valid='false']").await;
    assert_eq!(b.count(".sig-card.invalid").await, 3, "every signature covers the altered byte");
    assert!(b.text(".sig-card.invalid .problems").await.contains("SM3"));
    b.screenshot("signing-08-verify-altered").await;

    b.stop().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(server);
}
