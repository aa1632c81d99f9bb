//! The applicant, the CA operator and the procurement centre in the real
//! browser: a unit applies for a certificate with a key made in the browser
//! and a seal sample; the operator reviews it (the request's subject, the
//! sample) and approves, and rejects another with a reason; the applicant
//! sees the certificate issued for its key; the centre creates and publishes
//! a tender, amends it, and watches the intake count rise when a bid arrives through the
//! API; the operator approves and suspends a seal, revokes the new
//! certificate and reads the signing statistics. Screenshots of each page go
//! to e2e/artifacts/.

use std::time::Duration;

use sealbid_crypto::envelope::{BidDocument, BidItem, PriceFen, TenderId, seal_bid};
use sealbid_crypto::pki::Certificate;
use sealbid_crypto::{Uscc, keyfile};
use sealbid_e2e::{Application, Browser, Platform, beijing, parse_rfc3339, seal_sample_png, uscc};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// Seals a one-item bid for `tender` as demo bidder1 and submits it through the API.
async fn bid_through_the_api(p: &Platform, http: &reqwest::Client, cookie: &str, tender: &str) {
    let t = p.call(http, cookie, &format!("/api/v1/tenders/{tender}"), None).await;
    let key_hex = t["committee_public_key"].as_str().expect("the committee's key");
    let committee_id = t["committee"].as_i64().unwrap();
    let statement: sealbid_crypto::committee::StatementFile = serde_json::from_value(
        p.call(http, cookie, &format!("/api/v1/committees/{committee_id}/statement"), None).await,
    )
    .unwrap();
    let committee = statement.confirm_for_tender(key_hex).expect("every demo official signed the key");
    let key = keyfile::decrypt(&std::fs::read(p.demo("bidder1.p8")).unwrap(), p.demo_password().as_bytes())
        .unwrap();
    let chain =
        Certificate::from_pem_bundle(&std::fs::read_to_string(p.demo("bidder1.pem")).unwrap()).unwrap();
    let cert = chain.into_iter().next().expect("the bidder's certificate comes first");
    let uscc: Uscc = cert.subject_info().unwrap().uscc.expect("the bidder's credit code");
    let items = vec![BidItem { item: 1, unit_price: PriceFen::new(1_150).unwrap() }];
    let doc =
        BidDocument::new(TenderId::parse(tender).unwrap(), uscc, OffsetDateTime::now_utc(), items, vec![])
            .unwrap();
    let envelope = seal_bid(&doc, &key, &cert, &committee).unwrap().encode().unwrap();
    let resp = http
        .post(format!("{}/api/v1/tenders/{tender}/bids", p.base))
        .header("cookie", cookie)
        .header("origin", &p.base)
        .header("content-type", "application/octet-stream")
        .body(envelope)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "the bid is accepted: {}", resp.text().await.unwrap_or_default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applicant_operator_and_centre_pages_work_end_to_end() {
    let platform = Platform::start().await;
    let p = &platform;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let b = Browser::start().await;
    b.client.goto(&p.base).await.expect("the app loads");

    // The applicant: the form, a seal sample, the key made in the browser.
    let uscc = uscc(b"91350200MA0000009");
    let sample = seal_sample_png(scratch.path());
    let application = b
        .apply_for_certificate(&Application {
            org: "厦门某某医疗器械有限公司",
            uscc: &uscc,
            agent: "郑申请",
            id_number: "35020319800101001X",
            mobile: "13900000000",
            password: "applicant-password",
            sample: Some(&sample),
            form_screenshot: Some("ops-01-apply-form"),
        })
        .await;
    b.screenshot("ops-02-apply-pending").await;

    // The operator reviews it: the request's subject and the seal sample, then approves.
    b.login_demo(p, "operator").await;
    b.click("#nav-op-applications").await;
    b.click(&format!(".review[data-id='{application}']")).await;
    assert!(b.text("#op-csr-subject").await.starts_with("郑申请"), "the request names the agent");
    let sample_width = wait_sample(&b).await;
    assert_eq!(sample_width, 400, "the seal sample is shown");
    b.screenshot("ops-03-operator-review").await;
    b.click("#op-approve").await;
    let outcome = b.text("#op-outcome").await;
    assert!(outcome.contains("已签发证书"), "{outcome}");

    // A second application, made through the API, is rejected with a reason the applicant reads.
    let (other, token) = apply_through_the_api(p, &http, &uscc).await;
    b.client.execute("const s = document.getElementById('op-app-filter'); s.value = ''; s.dispatchEvent(new Event('change'));", vec![]).await.unwrap();
    b.click(&format!(".review[data-id='{other}']")).await;
    b.type_into("#op-reason", "营业执照复印件未加盖公章").await;
    b.click("#op-reject").await;
    assert!(b.text("#op-outcome").await.contains("已驳回"));
    let seen = reqwest_json(&http, &format!("{}/api/v1/applications/{other}?token={token}", p.base)).await;
    assert_eq!(
        (seen["status"].as_str(), seen["reason"].as_str()),
        (Some("rejected"), Some("营业执照复印件未加盖公章")),
        "{seen}"
    );
    b.click("#logout").await;

    // The applicant sees the certificate issued for the key made in the browser.
    b.click("#nav-apply").await;
    let status = b.wait_text("#ap-status", |t| t == "已批准").await;
    assert_eq!(status, "已批准");
    assert_eq!(b.text("#ap-cert-name").await, "郑申请");
    let serial = b.text("#ap-serial-issued").await;
    assert!(outcome.contains(&serial), "the operator saw the same serial: {outcome} / {serial}");
    b.click("#ap-download-cert").await;
    b.screenshot("ops-04-apply-issued").await;

    // The centre creates and publishes a tender, then watches the intake.
    b.login_demo(p, "centre").await;
    b.click("#nav-centre").await;
    b.type_into("#nt-title", "2026年第二批医用耗材集中采购（浏览器测试）").await;
    b.type_into("#nt-announcement", "本次采购采用电子密封投标。").await;
    for (id, text) in [
        ("#it-0-name", "一次性使用输液器"),
        ("#it-0-form", "器械"),
        ("#it-0-spec", "带针 0.7mm"),
        ("#it-0-unit", "支"),
        ("#it-0-qty", "5000"),
        ("#it-0-ceiling", "12.50"),
    ] {
        b.type_into(id, text).await;
    }
    b.click("#nt-add-item").await;
    for (id, text) in [
        ("#it-1-name", "医用外科口罩"),
        ("#it-1-form", "器械"),
        ("#it-1-spec", "17.5cm×9.5cm"),
        ("#it-1-unit", "只"),
        ("#it-1-qty", "100000"),
        ("#it-1-ceiling", "0.85"),
    ] {
        b.type_into(id, text).await;
    }
    b.screenshot("ops-05-centre-new-tender").await;
    b.click("#nt-create").await;
    b.click("#ct-publish").await;
    let published = b.text("#ct-outcome").await;
    assert!(published.starts_with("已发布"), "{published}");
    b.wait_text("#ct-status", |t| t.contains("已发布")).await;
    assert_eq!(b.wait_text("#intake-active", |t| !t.is_empty()).await, "0", "no bid yet");
    let tender = b.text("#centre-tender-page h1 small").await;
    let tender = tender.split_whitespace().next().unwrap().to_string();
    let items = b.text("#ct-items").await;
    assert!(items.contains("12.50") && items.contains("0.85"), "ceilings in yuan: {items}");
    let stored =
        p.call(&http, &p.api_login(&http, "centre").await, &format!("/api/v1/tenders/{tender}"), None).await;
    assert_eq!(stored["items"][0]["ceiling_fen"], 1_250, "{stored}");
    assert_eq!(stored["items"][1]["ceiling_fen"], 85, "{stored}");

    // An amendment before any bid: a note, and deadline and opening a day later, make version 2.
    let day = time::Duration::days(1);
    let time_of = |key: &str| stored[key].as_str().and_then(parse_rfc3339).expect("a time");
    let (deadline, opening) = (time_of("deadline") + day, time_of("opening_at") + day);
    b.type_into("#am-note", "补充说明：报价须含配送费用。").await;
    b.type_into("#am-deadline", &beijing(deadline)).await;
    b.type_into("#am-opening", &beijing(opening)).await;
    b.click("#am-submit").await;
    let amended = b.wait_text("#ct-outcome", |t| t.starts_with("已发布变更")).await;
    assert!(amended.ends_with("v2 (0 invalidated)"), "{amended}");
    b.wait_text("#centre-tender-page h1 small", |t| t.ends_with("v2")).await;
    let stored =
        p.call(&http, &p.api_login(&http, "centre").await, &format!("/api/v1/tenders/{tender}"), None).await;
    assert_eq!(stored["version"], 2, "{stored}");
    assert_eq!(stored["deadline"].as_str().and_then(parse_rfc3339), Some(deadline), "{stored}");
    b.screenshot("ops-05b-centre-amended").await;

    let bidder = p.api_login(&http, "bidder1").await;
    bid_through_the_api(p, &http, &bidder, &tender).await;
    b.wait_text("#intake-active", |t| t == "1").await;
    b.screenshot("ops-06-centre-intake").await;
    b.click("#logout").await;

    // A seal application by the bidder's organisation, through the API.
    let me = p.call(&http, &bidder, "/api/v1/auth/me", None).await;
    let seal = json!({ "name": "福建某某制药有限公司合同专用章", "kind": "contract", "holder_serial": me["serial"] });
    let seal = p.call(&http, &bidder, "/api/v1/seals", Some(seal)).await;
    let seal_id = seal["id"].as_i64().unwrap();

    // The operator approves and suspends the seal, revokes the new certificate, reads the statistics.
    b.login_demo(p, "operator").await;
    b.click("#nav-op-seals").await;
    b.click(&format!("tr[data-id='{seal_id}'] .seal-approve")).await;
    b.wait_text(&format!("tr[data-id='{seal_id}'] .seal-status"), |t| t.starts_with("有效")).await;
    b.type_into("#op-seal-reason", "印章保管人变更，暂停使用").await;
    b.click(&format!("tr[data-id='{seal_id}'] .seal-suspend")).await;
    b.wait_text(&format!("tr[data-id='{seal_id}'] .seal-status"), |t| t.starts_with("已暂停")).await;
    b.screenshot("ops-07-operator-seals").await;
    let stored = p.call(&http, &bidder, &format!("/api/v1/seals/{seal_id}"), None).await;
    assert_eq!(stored["status"], "suspended", "{stored}");

    b.click("#nav-op-certificates").await;
    b.type_into("#op-serial", &serial).await;
    b.click("#op-revoke").await;
    let revoked = b.text("#op-cert-outcome").await;
    assert!(revoked.contains("已吊销证书") && revoked.contains(&serial), "{revoked}");
    b.click("#op-status").await;
    b.wait_text("#op-cert-outcome", |t| t.contains("已吊销 (key-compromise")).await;
    let status = p.call(&http, &bidder, &format!("/api/v1/pki/certificates/{serial}/status"), None).await;
    assert_eq!(status["status"], "revoked", "{status}");
    b.wait("#op-expiring-days").await.clear().await.unwrap();
    b.type_into("#op-expiring-days", "400").await;
    b.click("#op-expiring-go").await;
    let expiring = b.text("#op-expiring").await;
    assert!(expiring.contains("张投标"), "the demo certificates expire within 400 days: {expiring}");
    b.screenshot("ops-08-operator-certificates").await;

    b.click("#nav-op-stats").await;
    let bars = b.wait("#st-by-system g.bar[data-label='投标签名']").await;
    assert_eq!(bars.attr("data-count").await.unwrap().as_deref(), Some("1"), "the one bid is counted");
    // Who bid stays hidden until the tender's results are published: the bid is
    // counted, but no row names the bidder.
    assert!(!b.text("#st-rows").await.contains("张投标"), "the bidder is named before the results");
    assert_eq!(b.text("#st-total").await, "签名总数： 1");
    b.screenshot("ops-09-operator-stats").await;

    b.stop().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    platform.stop().await;
}

/// Submits a `new` application for `uscc` with a fresh key; returns its number and token.
async fn apply_through_the_api(p: &Platform, http: &reqwest::Client, uscc: &str) -> (i64, String) {
    let key = sealbid_crypto::PrivateKey::generate().unwrap();
    let csr = sealbid_crypto::pki::Csr::create(&key, &sealbid_crypto::pki::SubjectInfo::new("钱申请"))
        .unwrap()
        .to_pem()
        .unwrap();
    let form = json!({ "org_name": "厦门某某医疗器械有限公司", "uscc": uscc, "kind": "manufacturer",
        "address": "厦门市思明区湖滨南路 1 号", "phone": "0592-1234567", "operation": "new",
        "agent_name": "钱申请", "agent_id_number": "350203198001010028", "agent_phone": "13900000001",
        "role": "bidder", "csr_pem": csr });
    let resp = http.post(format!("{}/api/v1/applications", p.base)).json(&form).send().await.unwrap();
    let body: Value = resp.json().await.unwrap();
    (body["id"].as_i64().unwrap_or_else(|| panic!("{body}")), body["token"].as_str().unwrap().to_string())
}

async fn reqwest_json(http: &reqwest::Client, url: &str) -> Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// The natural width of the first seal sample once it has loaded.
async fn wait_sample(b: &Browser) -> u64 {
    for _ in 0..60 {
        let w = b
            .client
            .execute("const i = document.querySelector('#op-samples img'); return i && i.complete ? i.naturalWidth : 0", vec![])
            .await
            .unwrap();
        if let Some(w) = w.as_u64().filter(|w| *w > 0) {
            return w;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    0
}

/// The demo official `stem` uploads its signed decryption shares for every envelope of `tender`.
async fn official_shares(p: &Platform, http: &reqwest::Client, stem: &str, tender: &str) {
    let cookie = p.api_login(http, stem).await;
    let file: sealbid_crypto::opening::OpeningFile = serde_json::from_value(
        p.call(http, &cookie, &format!("/api/v1/tenders/{tender}/opening/envelopes"), None).await,
    )
    .unwrap();
    let cert = |path: &str| {
        let url = format!("{}{path}", p.base);
        let http = http.clone();
        async move {
            let pem = http.get(url).send().await.unwrap().text().await.unwrap();
            sealbid_crypto::pki::Certificate::from_pem(&pem).unwrap()
        }
    };
    let (platform_cert, tsa_cert) = (cert("/pki/platform").await, cert("/pki/tsa").await);
    let pw = p.demo_password();
    let key =
        keyfile::decrypt(&std::fs::read(p.demo(&format!("{stem}.p8"))).unwrap(), pw.as_bytes()).unwrap();
    let share = sealbid_crypto::committee::share_file::open_share_file(
        &std::fs::read(p.demo(&format!("{stem}.share"))).unwrap(),
        pw.as_bytes(),
    )
    .unwrap();
    let committee = share.committee.expect("the demo share file records its committee key");
    let tender_id = TenderId::parse(tender).unwrap();
    let view = sealbid_crypto::opening::OfficialView {
        tender: &tender_id,
        now: time::OffsetDateTime::now_utc(),
        own_key: &committee,
        platform_cert: &platform_cert,
        tsa_cert: &tsa_cert,
    };
    let checked = sealbid_crypto::opening::check_opening(&file, &view).unwrap();
    assert!(checked.refused().is_empty(), "{:?}", checked.refused());
    let entries = checked.shares(&share.share, 0..checked.accepted().len()).unwrap();
    let batch = sealbid_crypto::opening::ShareBatch::create(
        &TenderId::parse(tender).unwrap(),
        &committee,
        share.index,
        entries,
        &key,
    )
    .unwrap()
    .encode()
    .unwrap();
    let resp = http
        .post(format!("{}/api/v1/tenders/{tender}/opening/shares", p.base))
        .header("cookie", &cookie)
        .header("origin", &p.base)
        .header("content-type", "application/octet-stream")
        .body(batch)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{stem}'s shares: {}", resp.text().await.unwrap_or_default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_centre_runs_the_opening_and_generates_contracts() {
    let platform = Platform::start().await;
    let p = &platform;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let centre = p.api_login(&http, "centre").await;
    let committee = p.call(&http, &centre, "/api/v1/committees", None).await[0]["id"].as_i64().unwrap();
    let now = OffsetDateTime::now_utc();
    let at = |s: i64| {
        (now + time::Duration::seconds(s)).format(&time::format_description::well_known::Rfc3339).unwrap()
    };
    let tender = json!({ "title": "开标测试", "announcement": "公告", "committee": committee,
        "items": [{ "generic_name": "阿莫西林胶囊", "dosage_form": "胶囊剂", "specification": "0.25g×24粒",
                    "unit": "盒", "quantity": 1000, "ceiling_fen": 1_250 }],
        "opens_at": at(-60), "deadline": at(15), "opening_at": at(15) });
    let id =
        p.call(&http, &centre, "/api/v1/tenders", Some(tender)).await["id"].as_str().unwrap().to_string();
    p.call(&http, &centre, &format!("/api/v1/tenders/{id}/publish"), Some(json!({}))).await;
    let bidder = p.api_login(&http, "bidder1").await;
    bid_through_the_api(p, &http, &bidder, &id).await;

    let b = Browser::start().await;
    b.client.goto(&p.base).await.expect("the app loads");
    b.login_demo(p, "centre").await;
    b.click("#nav-centre").await;
    b.click(&format!(".manage-tender[data-id='{id}']")).await;
    assert_eq!(b.wait_text("#intake-active", |t| !t.is_empty()).await, "1");
    // After the opening time the officials contribute their shares; the page shows them.
    let wait = now + time::Duration::seconds(17) - OffsetDateTime::now_utc();
    tokio::time::sleep(wait.try_into().unwrap_or_default()).await;
    official_shares(p, &http, "official1", &id).await;
    official_shares(p, &http, "official2", &id).await;
    b.wait_text("#opening-contributors", |t| t == "2").await;
    b.click("#ct-run-opening").await;
    b.wait_text("#results-published", |t| t.starts_with("结果已签名")).await;
    let results = b.text("#results").await;
    let winner = Certificate::from_pem_bundle(&std::fs::read_to_string(p.demo("bidder1.pem")).unwrap())
        .unwrap()[0]
        .subject_info()
        .unwrap()
        .uscc
        .unwrap();
    assert!(
        results.contains(winner.as_str())
            && results.contains("福建某某制药有限公司")
            && results.contains("11.50"),
        "the winner by name and credit code: {results}"
    );
    b.screenshot("ops-10-centre-results").await;
    let hospital = uscc(b"12350000MB0000003");
    let option = b.text(&format!("#ct-buyer option[value='{hospital}']")).await;
    assert!(option.contains("福建省立医院"), "the hospitals are listed by name: {option}");
    b.click(&format!("#ct-buyer option[value='{hospital}']")).await;
    b.click("#ct-contracts").await;
    let made = b.wait_text("#ct-outcome", |t| t.starts_with("已生成合同")).await;
    assert!(made.contains(&id), "{made}");
    let contracts = p.call(&http, &centre, "/api/v1/contracts", None).await;
    assert!(contracts.to_string().contains(&id), "{contracts}");
    b.screenshot("ops-11-centre-contracts").await;

    b.stop().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    platform.stop().await;
}
