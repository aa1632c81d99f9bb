//! One whole procurement round in the real browser, every step done on the
//! page of the person who does it in practice, against the real
//! `sealbid serve --demo` binary:
//!
//! 1. A new manufacturer applies for a certificate with a key made in its
//!    browser; the manufacturer, the hospital and the regulator apply for
//!    their seals on their seals pages; the CA operator reviews and approves
//!    the certificate application and the seals.
//! 2. The manufacturer keeps the issued certificate in its browser and logs
//!    in with only its password.
//! 3. The centre creates and publishes a two-item tender in its browser.
//! 4. Two bidders bid in their own browsers: the newcomer imports its quotes
//!    from a CSV file, submits, replaces its bid, withdraws it and bids
//!    again; the demo manufacturer types lower quotes and submits.
//! 5. The window closes while the newcomer's page is open: the page stops
//!    taking quotes and the server refuses a late submission.
//! 6. Three officials open the tender from their browsers; the results name
//!    the winners; the newcomer sees its ranking.
//! 7. The centre generates the contract with a hospital chosen from the
//!    list; the manufacturer signs, the hospital countersigns, the regulator
//!    files it with its seal.
//! 8. Logged out, the Verify page shows the filed PDF's three valid,
//!    time-stamped signatures.
//!
//! Timings are printed (`--nocapture`); screenshots go to
//! e2e/artifacts/round-*.png.

use std::time::{Duration, Instant};

use sealbid_e2e::{Application, Browser, Platform, beijing, parse_rfc3339, uscc};
use serde_json::Value;
use time::OffsetDateTime;

/// How long bidding stays open after the centre types the times. Publishing
/// and both bidders took 6 s of it on an idle machine; the rest is margin
/// for a loaded one, and the round waits it out before the late bid.
const WINDOW: time::Duration = time::Duration::seconds(30);

/// The logged-in user applies for a seal of `kind` on its organisation's
/// seals page; returns the new seal's id.
async fn apply_for_seal(b: &Browser, name: &str, kind: &str) -> String {
    b.click("#nav-seals").await;
    b.wait("#my-seals-page").await;
    b.type_into("#seal-name", name).await;
    b.click(&format!("#seal-kind option[value='{kind}']")).await;
    b.click("#seal-apply").await;
    assert!(b.text("#seal-outcome").await.starts_with("已提交印章申请"));
    let row = b.wait("#my-seals tr[data-status='pending']").await;
    row.attr("data-id").await.unwrap().expect("the seal's id")
}

async fn open_contract(b: &Browser, id: i64) {
    b.click("#nav-contracts").await;
    b.click(&format!(".open-contract[data-id='{id}']")).await;
    b.wait("#contract-page h1").await;
}

/// Signs the open contract at its reserved place and waits for `status`.
async fn sign_contract(b: &Browser, status: &str) {
    b.wait("#seal-select").await;
    b.wait("#contract-preview").await;
    b.click("#sign-button").await;
    b.wait(&format!("#contract-status[data-status='{status}']")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_round_from_certificate_to_verified_contract_in_the_browser() {
    let round = Instant::now();
    let platform = Platform::start().await;
    let p = &platform;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let newcomer = Browser::start().await;
    let desk = Browser::start().await;
    newcomer.client.goto(&p.base).await.expect("the app loads");
    desk.client.goto(&p.base).await.expect("the app loads");

    // 1. The new manufacturer applies, with a key made in its browser.
    let n = &newcomer;
    let new_uscc = uscc(b"91350200MA0000077");
    let password = "newcomer-password";
    let application = n
        .apply_for_certificate(&Application {
            org: "厦门新星制药有限公司",
            uscc: &new_uscc,
            agent: "郑新星",
            id_number: "35020319850101002X",
            mobile: "13900000077",
            password,
            sample: None,
            form_screenshot: None,
        })
        .await;
    n.screenshot("round-01-application").await;

    // The parties apply for their seals, each on its own seals page.
    let d = &desk;
    let mut seals = Vec::new();
    for (stem, seal, kind) in [
        ("bidder1", "福建某某制药有限公司合同专用章", "contract"),
        ("hospital", "福建省立医院合同专用章", "contract"),
        ("regulator", "福建省药品监督管理局备案专用章", "filing"),
    ] {
        d.login_demo(p, stem).await;
        seals.push(apply_for_seal(d, seal, kind).await);
        if stem == "bidder1" {
            d.screenshot("round-02-seal-application").await;
        }
        d.logout().await;
    }

    // The operator approves the application and the seals.
    assert_eq!(d.login_demo(p, "operator").await, "王运维");
    d.click("#nav-op-applications").await;
    d.click(&format!(".review[data-id='{application}']")).await;
    assert!(d.text("#op-csr-subject").await.starts_with("郑新星"), "the request names the agent");
    d.click("#op-approve").await;
    let issued = d.text("#op-outcome").await;
    assert!(issued.contains("已签发证书"), "{issued}");
    d.screenshot("round-03-operator-approves").await;
    d.click("#nav-op-seals").await;
    for id in seals {
        d.click(&format!("tr[data-id='{id}'] .seal-approve")).await;
        d.wait_text(&format!("tr[data-id='{id}'] .seal-status"), |t| t.starts_with("有效")).await;
    }
    d.screenshot("round-03b-operator-seals").await;
    d.logout().await;

    // 2. The newcomer keeps its certificate in the browser and logs in with its password.
    n.wait_text("#ap-status", |t| t == "已批准").await;
    assert_eq!(n.text("#ap-cert-name").await, "郑新星");
    n.click("#ap-keep").await;
    n.wait("#ap-kept").await;
    n.click("#nav-login").await;
    assert!(n.text("#saved-identity").await.contains("郑新星"), "the key is kept in this browser");
    n.type_into("#password", password).await;
    n.click("#login-button").await;
    assert_eq!(n.text("#cert-name").await, "郑新星");
    assert_eq!(n.text("#cert-org").await, "厦门新星制药有限公司");
    n.screenshot("round-04-newcomer-logged-in").await;

    // 3. The centre creates and publishes the tender.
    assert_eq!(d.login_demo(p, "centre").await, "李采购");
    d.click("#nav-centre").await;
    d.type_into("#nt-title", "2026年第三批药品集中带量采购（全流程测试）").await;
    d.type_into("#nt-announcement", "本次采购采用电子密封投标，开标前任何人无法读取报价。").await;
    for (i, (name, form, spec, unit, qty, ceiling)) in [
        ("阿莫西林胶囊", "胶囊剂", "0.25g×24粒", "盒", "20000", "12.50"),
        ("二甲双胍缓释片", "片剂", "0.5g×30片", "盒", "8000", "30.80"),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            d.click("#nt-add-item").await;
        }
        for (field, text) in [
            ("name", name),
            ("form", form),
            ("spec", spec),
            ("unit", unit),
            ("qty", qty),
            ("ceiling", ceiling),
        ] {
            d.type_into(&format!("#it-{i}-{field}"), text).await;
        }
    }
    let now = OffsetDateTime::now_utc();
    let deadline = now + WINDOW;
    for (id, t) in [
        ("#nt-opens", now - time::Duration::minutes(1)),
        ("#nt-deadline", deadline),
        ("#nt-opening", deadline + time::Duration::seconds(3)),
    ] {
        d.wait(id).await.clear().await.unwrap();
        d.type_into(id, &beijing(t)).await;
    }
    d.screenshot("round-05-centre-new-tender").await;
    d.click("#nt-create").await;
    d.click("#ct-publish").await;
    d.wait_text("#ct-status", |t| t.contains("已发布")).await;
    let heading = d.text("#centre-tender-page h1 small").await;
    let tender = heading.split_whitespace().next().expect("the tender id").to_string();
    let stored =
        p.call(&http, &p.api_login(&http, "centre").await, &format!("/api/v1/tenders/{tender}"), None).await;
    let stored_deadline = stored["deadline"].as_str().and_then(parse_rfc3339);
    assert_eq!(
        stored_deadline,
        Some(deadline.replace_nanosecond(0).unwrap()),
        "the typed Beijing time: {stored}"
    );
    d.logout().await;
    let bidding = Instant::now();

    // 4a. The newcomer imports its quotes from a spreadsheet, submits, replaces, withdraws and bids again.
    n.click("#nav-tenders").await;
    n.click(&format!(".open-tender[data-id='{tender}']")).await;
    let csv = scratch.path().join("quotes.csv");
    std::fs::write(&csv, "品目序号,通用名,报价（元）\n1,阿莫西林胶囊,12.30\n2,二甲双胍缓释片,\"29.90\"\n")
        .unwrap();
    n.type_into("#quotes-csv", &csv.display().to_string()).await;
    assert!(n.text("#bid-notice").await.contains("导入 2 个品目"), "both prices imported");
    assert_eq!(n.wait("#quote-2").await.prop("value").await.unwrap().as_deref(), Some("29.90"));
    n.click("#submit-bid").await;
    n.wait("#receipt-verified").await;
    let first = n.text("#receipt-hash").await;
    n.screenshot("round-06-newcomer-bid").await;
    let q1 = n.wait("#quote-1").await;
    q1.clear().await.unwrap();
    q1.send_keys("12.10").await.unwrap();
    n.click("#replace-bid").await;
    n.wait_text("#bid-notice", |t| t.contains("投标已替换")).await;
    let second = n.wait_text("#receipt-hash", |t| t.len() == 64 && t != first).await;
    n.wait("#receipt-verified").await;
    n.wait_count("#my-bids tr.my-bid[data-status='replaced']", 1).await;
    n.click("#withdraw-bid").await;
    n.click("#withdraw-confirm").await;
    n.wait_text("#bid-notice", |t| t.contains("投标已撤回")).await;
    n.wait("#my-bids tr.my-bid[data-status='withdrawn']").await;
    assert_eq!(n.count("#receipt").await, 0, "no receipt is shown for a withdrawn bid");
    n.click("#submit-bid").await;
    n.wait("#receipt-verified").await;
    let last = n.text("#receipt-hash").await;
    assert!(last != first && last != second, "a third envelope");
    n.wait_count("#my-bids tr.my-bid", 3).await;
    assert_eq!(n.count("#my-bids tr.my-bid[data-status='active']").await, 1);
    assert_eq!(n.count("#my-bids tr.my-bid[data-status='withdrawn']").await, 1);
    n.screenshot("round-07-newcomer-history").await;

    // 4b. The demo manufacturer types lower quotes in its browser.
    assert_eq!(d.login_demo(p, "bidder1").await, "张投标");
    d.click("#nav-tenders").await;
    d.click(&format!(".open-tender[data-id='{tender}']")).await;
    d.type_into("#quote-1", "11.80").await;
    d.type_into("#quote-2", "28.50").await;
    d.click("#submit-bid").await;
    d.wait("#receipt-verified").await;
    println!(
        "both bidders bid in {} ms of a {} s window",
        bidding.elapsed().as_millis(),
        WINDOW.whole_seconds()
    );
    d.logout().await;

    // 5. The window closes on the newcomer's open page; a late bid is refused.
    let left = deadline - OffsetDateTime::now_utc();
    assert!(left.is_positive(), "both bidders bid within the window");
    tokio::time::sleep(Duration::from_millis(left.whole_milliseconds() as u64)).await;
    n.wait_text("#countdown", |t| t == "投标已截止").await;
    assert_eq!(
        n.count("#submit-bid, #replace-bid, #withdraw-bid").await,
        0,
        "no bid buttons after the deadline"
    );
    let quote = n.wait("#quote-1").await;
    assert!(quote.attr("disabled").await.unwrap().is_some(), "quotes are locked after the deadline");
    n.screenshot("round-08-window-closed").await;
    let bidder1 = p.api_login(&http, "bidder1").await;
    let late = http
        .post(format!("{}/api/v1/tenders/{tender}/bids", p.base))
        .header("cookie", &bidder1)
        .header("origin", &p.base)
        .body(vec![0u8; 64])
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), reqwest::StatusCode::CONFLICT);
    let refusal: Value = late.json().await.unwrap();
    assert!(refusal["message"].as_str().unwrap_or("").contains("deadline"), "{refusal}");

    // 6. Three officials open the tender from the desk, one after the other.
    let opening_at = deadline + time::Duration::seconds(4);
    let wait = opening_at - OffsetDateTime::now_utc();
    if wait.is_positive() {
        tokio::time::sleep(Duration::from_millis(wait.whole_milliseconds() as u64)).await;
    }
    for (i, name) in ["陈开标", "林开标", "黄开标"].into_iter().enumerate() {
        assert_eq!(d.login_demo(p, &format!("official{}", i + 1)).await, name);
        let (count, ms) = d.contribute_shares(p, &tender, i + 1).await;
        assert_eq!(count, "2", "two active bids are opened");
        println!("official {}: shares for {count} envelopes in {ms} ms", i + 1);
        if i < 2 {
            d.logout().await;
        }
    }
    d.click("#run-opening").await;
    let winner1 = d.text("#winner-1").await;
    assert!(winner1.contains("福建某某制药有限公司") && winner1.contains("11.80"), "{winner1}");
    let winner2 = d.text("#winner-2").await;
    assert!(winner2.contains("福建某某制药有限公司") && winner2.contains("28.50"), "{winner2}");
    assert!(d.text("#results-verified").await.starts_with("结果有效"));
    d.screenshot("round-09-results").await;
    d.logout().await;

    // The newcomer sees the results and its ranking.
    n.client.refresh().await.unwrap();
    n.type_into("#password", password).await;
    n.click("#login-button").await;
    n.wait("#cert-name").await;
    n.click("#nav-tenders").await;
    n.click(&format!(".open-tender[data-id='{tender}']")).await;
    for item in [1, 2] {
        let rank = n.wait(&format!("#my-rank-{item}")).await;
        assert_eq!(rank.attr("data-rank").await.unwrap().as_deref(), Some("2"), "second on item {item}");
        assert_eq!(rank.text().await.unwrap(), "2 / 2");
    }
    assert!(n.text("#my-results #winner-1").await.contains("福建某某制药有限公司"));
    assert_eq!(n.count("#quote-1").await, 0, "no quote fields after the opening");
    n.client.execute("document.getElementById('my-results').scrollIntoView()", vec![]).await.unwrap();
    n.screenshot("round-10-newcomer-ranking").await;

    // 7. The centre generates the contract; three parties sign it.
    assert_eq!(d.login_demo(p, "centre").await, "李采购");
    d.click("#nav-centre").await;
    d.click(&format!(".manage-tender[data-id='{tender}']")).await;
    d.wait_text("#results-published", |t| t.starts_with("结果已签名")).await;
    let hospital = uscc(b"12350000MB0000003");
    let option = d.text(&format!("#ct-buyer option[value='{hospital}']")).await;
    assert!(option.contains("福建省立医院"), "{option}");
    d.click(&format!("#ct-buyer option[value='{hospital}']")).await;
    d.click("#ct-contracts").await;
    let made = d.wait_text("#ct-outcome", |t| t.starts_with("已生成合同")).await;
    d.screenshot("round-11-contract-generated").await;
    let centre = p.api_login(&http, "centre").await;
    let contracts = p.call(&http, &centre, "/api/v1/contracts", None).await;
    let contract = contracts
        .as_array()
        .and_then(|all| all.iter().find(|c| c["tender_id"] == tender.as_str()))
        .unwrap_or_else(|| panic!("the contract of {tender} ({made}): {contracts}"));
    let contract = contract["id"].as_i64().expect("a contract id");
    d.logout().await;

    for (stem, name, status) in [
        ("bidder1", "张投标", "seller_signed"),
        ("hospital", "赵医院", "buyer_signed"),
        ("regulator", "周监管", "filed"),
    ] {
        assert_eq!(d.login_demo(p, stem).await, name);
        open_contract(d, contract).await;
        let t0 = Instant::now();
        sign_contract(d, status).await;
        println!("{stem} signed in {} ms", t0.elapsed().as_millis());
        d.screenshot(&format!("round-12-{stem}-signed")).await;
        d.logout().await;
    }

    // 8. What the regulator filed, checked by anyone on the Verify page.
    let regulator = p.api_login(&http, "regulator").await;
    let pdf = http
        .get(format!("{}/api/v1/contracts/{contract}/pdf", p.base))
        .header("cookie", &regulator)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let file = scratch.path().join("filed-contract.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let report = d.verify_pdf(&file).await;
    assert!(report.valid && report.count == 3, "{}", report.text);
    assert_eq!((report.valid_cards, report.invalid_cards), (3, 0), "{}", report.text);
    assert_eq!(report.signers, ["张投标", "赵医院", "周监管"]);
    assert!(
        report.timestamps.iter().all(|t| t != "—"),
        "every signature is time-stamped: {:?}",
        report.timestamps
    );
    d.screenshot("round-13-verify").await;
    println!("the whole round took {} s", round.elapsed().as_secs());

    newcomer.stop().await;
    desk.stop().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    platform.stop().await;
}
