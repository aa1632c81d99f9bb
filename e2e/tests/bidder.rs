//! A demo bidder's first round in the real browser: the page loads in
//! Chinese, switches to English, refuses a wrong password with the reason,
//! logs in with the imported key file and certificate, shows the certificate,
//! lists a tender the centre published (through the API here), seals a bid
//! in the browser, submits it and shows the verified receipt; after a reload
//! only the password is needed. Then a late bid: a tender whose window closes
//! while the bidder is on its page stops taking quotes in the browser, and the
//! server refuses a submission naming the deadline. Screenshots of each page go
//! to e2e/artifacts/.

use std::time::{Duration, Instant};

use sealbid_e2e::{Browser, Platform, rfc3339};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// The centre publishes a two-item tender open for `open_for`; returns its id.
async fn publish_tender(p: &Platform, http: &reqwest::Client, open_for: time::Duration) -> String {
    let centre = p.api_login(http, "centre").await;
    let committees = p.call(http, &centre, "/api/v1/committees", None).await;
    let committee = committees[0]["id"].as_i64().expect("the demo committee");
    let now = OffsetDateTime::now_utc();
    let item = |name: &str, ceiling: i64| {
        json!({ "generic_name": name, "dosage_form": "片剂", "specification": "0.5g×24片", "unit": "盒",
                "quantity": 1000, "ceiling_fen": ceiling })
    };
    let tender = json!({
        "title": "2026年第一批药品集中带量采购（浏览器测试）",
        "announcement": "本次采购采用电子密封投标，开标前任何人无法读取报价。",
        "items": [item("阿莫西林胶囊", 1_250), item("二甲双胍缓释片", 3_080)],
        "opens_at": rfc3339(now - time::Duration::minutes(1)),
        "deadline": rfc3339(now + open_for),
        "opening_at": rfc3339(now + time::Duration::hours(2)),
        "committee": committee,
    });
    let created = p.call(http, &centre, "/api/v1/tenders", Some(tender)).await;
    let id = created["id"].as_str().expect("a tender id").to_string();
    let published = p.call(http, &centre, &format!("/api/v1/tenders/{id}/publish"), Some(json!({}))).await;
    assert_eq!(published["status"], "published", "{published}");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bidder_logs_in_seals_a_bid_and_keeps_the_receipt() {
    let platform = Platform::start().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let tender = publish_tender(&platform, &http, time::Duration::hours(1)).await;
    let b = Browser::start().await;

    let started = Instant::now();
    b.client.goto(&platform.base).await.expect("the app loads");
    let title = b.text("#login-page h1").await;
    assert_eq!(title, "证书登录", "Chinese by default");
    let rendered = b.client.execute("return window.__sealbidRendered || null", vec![]).await.unwrap();
    println!(
        "first render: {rendered} ms after navigation start ({} ms wall clock)",
        started.elapsed().as_millis()
    );
    b.screenshot("01-login-zh").await;

    b.click("#lang-switch").await;
    assert_eq!(b.text("#login-page h1").await, "Certificate login");
    assert_eq!(b.text("#lang-switch").await, "中文", "the switch now offers Chinese");

    let (key, cert) = (platform.demo("bidder1.p8"), platform.demo("bidder1.pem"));
    b.type_into("#key-file", &key.display().to_string()).await;
    b.type_into("#cert-file", &cert.display().to_string()).await;
    b.wait("#key-file-ok").await;
    b.wait("#cert-file-ok").await;
    b.type_into("#password", "not-the-password").await;
    b.click("#login-button").await;
    let refused = b.text("#login-page .error").await;
    assert!(refused.contains("wrong password"), "a wrong password is named: {refused}");
    b.screenshot("02-login-en-wrong-password").await;

    b.wait("#password").await.clear().await.unwrap();
    b.type_into("#password", &platform.demo_password()).await;
    let t0 = Instant::now();
    b.click("#login-button").await;
    assert_eq!(b.text("#cert-name").await, "张投标");
    println!("login (key decryption + challenge signature): {} ms", t0.elapsed().as_millis());
    assert_eq!(b.text("#cert-org").await, "福建某某制药有限公司");
    assert_eq!(b.text("#cert-role").await, "Bidder (manufacturer)");
    assert!(b.text("#cert-serial").await.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!b.text("#cert-expiry").await.is_empty());
    b.screenshot("03-certificate").await;

    b.click("#nav-tenders").await;
    b.click(&format!(".open-tender[data-id='{tender}']")).await;
    assert!(b.text("#countdown").await.starts_with("Bidding closes in"), "the window is open");
    b.type_into("#quote-1", "11.80").await;
    b.type_into("#quote-2", "1,999.5").await;
    b.screenshot("04-tender-quote").await;
    b.click("#submit-bid").await;
    let verified = b.text("#receipt-verified").await;
    assert!(verified.starts_with("Receipt valid"), "{verified}");
    let hash = b.text("#receipt-hash").await;
    assert!(hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
    let seal_ms = b.wait("#seal-time").await.attr("data-ms").await.unwrap().unwrap_or_default();
    println!("sealing the bid in the browser: {seal_ms} ms");
    b.screenshot("05-receipt").await;

    // The server holds exactly this one active envelope for the tender.
    let bidder = platform.api_login(&http, "bidder1").await;
    let mine = platform.call(&http, &bidder, &format!("/api/v1/tenders/{tender}/bids/mine"), None).await;
    let bids = mine["bids"].as_array().expect("the bidder's bids");
    assert_eq!(bids.len(), 1, "{mine}");
    assert_eq!(bids[0]["envelope_hash"], hash.as_str(), "{mine}");

    // After a reload the key is still in the browser: only the password is needed.
    b.client.refresh().await.unwrap();
    assert!(b.text("#saved-identity").await.contains("张投标"));
    b.type_into("#password", &platform.demo_password()).await;
    b.click("#login-button").await;
    assert_eq!(b.text("#cert-name").await, "张投标");
    b.click("#nav-tenders").await;
    b.click(&format!(".open-tender[data-id='{tender}']")).await;
    assert_eq!(b.text("#receipt-hash").await, hash, "the receipt is kept in the browser");
    b.wait("#receipt-verified").await;

    // A late bid. The window of this tender closes 20 s after publication,
    // while the bidder has its page open with quotes typed in.
    let late = publish_tender(&platform, &http, time::Duration::seconds(20)).await;
    b.click("#nav-tenders").await;
    b.click(&format!(".open-tender[data-id='{late}']")).await;
    assert!(b.text("#countdown").await.starts_with("Bidding closes in"), "the late tender is still open");
    b.type_into("#quote-1", "11.00").await;
    let closed_by = Instant::now() + Duration::from_secs(40);
    while b.text("#countdown").await != "Bidding has closed" {
        assert!(Instant::now() < closed_by, "the countdown never reached the deadline");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let buttons = b.client.find_all(fantoccini::Locator::Css("#submit-bid")).await.unwrap();
    assert!(buttons.is_empty(), "no submit button after the deadline");
    let quote = b.wait("#quote-1").await;
    assert!(quote.attr("disabled").await.unwrap().is_some(), "quotes are locked after the deadline");
    b.screenshot("06-late-tender-closed").await;
    // The server refuses a late submission whatever the page does.
    let resp = http
        .post(format!("{}/api/v1/tenders/{late}/bids", platform.base))
        .header("cookie", &bidder)
        .header("origin", &platform.base)
        .body(vec![0u8; 64])
        .send()
        .await
        .expect("the API answers");
    assert_eq!(resp.status(), reqwest::StatusCode::CONFLICT);
    let refusal: Value = resp.json().await.unwrap();
    assert!(refusal["message"].as_str().unwrap_or("").contains("deadline"), "{refusal}");
    let mine = platform.call(&http, &bidder, &format!("/api/v1/tenders/{late}/bids/mine"), None).await;
    assert_eq!(mine["bids"].as_array().map(Vec::len), Some(0), "nothing stored for the late tender: {mine}");

    b.stop().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    platform.stop().await;
}
