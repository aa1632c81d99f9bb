//! Regulatory filings (备案) in the real browser: the demo manufacturer
//! (`bidder1`) creates two 药品再注册申报, cannot sign either while a
//! required document is missing (the page names the missing item as the
//! server reports it), uploads the PDFs, signs with its seal in wasm and
//! submits; the demo regulator reviews each with its attachments, refuses a
//! rejection without a reason, rejects one with a reason and approves the
//! other with its filing seal; the manufacturer reads the reason; the
//! approved PDF, downloaded through the API, shows two valid signatures on
//! the Verify page. The seals are applied for and approved through the API
//! first (the demo has none). Screenshots go to e2e/artifacts/.

use std::time::Duration;

use sealbid_e2e::{Browser, Platform};
use serde_json::{Value, json};

const APPROVAL: &str = "药品批准证明文件";
const SUMMARY: &str = "五年内生产销售情况总结";
const REASON: &str = "五年内生产销售情况总结未加盖企业公章";

/// `holder` applies for a seal of `kind` for its own certificate; the demo
/// operator approves it. Returns the seal's id.
async fn approved_seal(p: &Platform, http: &reqwest::Client, holder: &str, name: &str, kind: &str) -> i64 {
    let cookie = p.api_login(http, holder).await;
    let me = p.call(http, &cookie, "/api/v1/auth/me", None).await;
    let seal = json!({ "name": name, "kind": kind, "holder_serial": me["serial"] });
    let id = p.call(http, &cookie, "/api/v1/seals", Some(seal)).await["id"].as_i64().unwrap();
    let operator = p.api_login(http, "operator").await;
    let seal = p.call(http, &operator, &format!("/api/v1/seals/{id}/approve"), Some(json!({}))).await;
    assert_eq!(seal["status"], "active", "{seal}");
    id
}

/// The id of the manufacturer's filing titled `title`.
async fn filing_id(p: &Platform, http: &reqwest::Client, cookie: &str, title: &str) -> i64 {
    let list = p.call(http, cookie, "/api/v1/filings", None).await;
    let found = list.as_array().unwrap().iter().find(|f| f["title"] == title);
    found.and_then(|f| f["id"].as_i64()).unwrap_or_else(|| panic!("{title} is listed: {list}"))
}

/// The attribute `name` of `css`.
async fn attr(b: &Browser, css: &str, name: &str) -> Option<String> {
    b.wait(css).await.attr(name).await.unwrap()
}

/// In the browser, on the filings page: a new re-registration titled
/// `title`, both required documents uploaded one by one (signing stays
/// refused while one is missing, the page naming it), signed and submitted.
/// Returns the filing's id.
async fn file_one(
    b: &Browser,
    p: &Platform,
    http: &reqwest::Client,
    cookie: &str,
    title: &str,
    shots: bool,
) -> i64 {
    b.click("#nav-filings").await;
    if b.count("#my-filing").await > 0 {
        // The page still shows the last filing opened: back to the list.
        b.click("#my-filing button.link").await;
    }
    b.click("#new-filing").await;
    b.click("#filing-kind option[value='drug_reregistration']").await;
    b.wait(".filing-field[data-key='approval_number']").await;
    b.type_into("#filing-title", title).await;
    for (key, value) in [
        ("application_no", "00010"),
        ("drug_name", "苦参碱注射液"),
        ("dosage_form", "注射液"),
        ("specification", "5ml:50mg"),
        ("production_address", "福州市鼓楼区五四路 1 号"),
        ("approval_number", "国药准字H35020001"),
    ] {
        b.type_into(&format!(".filing-field[data-key='{key}']"), value).await;
    }
    if shots {
        b.screenshot("filings-01-new").await;
    }
    b.click("#create-filing").await;
    assert_eq!(attr(b, "#filing-status", "data-status").await.as_deref(), Some("draft"));
    let id = filing_id(p, http, cookie, title).await;

    // Nothing uploaded: both required documents are named, signing is not offered.
    let missing = b.text("#filing-missing").await;
    assert!(missing.contains(APPROVAL) && missing.contains(SUMMARY), "{missing}");
    assert!(
        !b.wait("#sign-filing").await.is_enabled().await.unwrap(),
        "no signing while documents are missing"
    );
    assert!(!b.wait("#submit-filing").await.is_enabled().await.unwrap(), "no submitting unsigned");

    // One uploaded: the other is still named as missing, as the server says.
    let dir = tempfile::tempdir().unwrap();
    let pdf = |n: u32, text: &str| {
        let path = dir.path().join(format!("item-{n}.pdf"));
        std::fs::write(&path, sealbid_tests::filings::attachment_pdf(text)).unwrap();
        path.display().to_string()
    };
    b.type_into(".attachment[data-item='1']", &pdf(1, "药品注册批件 国药准字H35020001")).await;
    let missing = b.wait_text("#filing-missing", |t| !t.contains(APPROVAL)).await;
    assert!(missing.contains(SUMMARY), "{missing}");
    let server = p.call(http, cookie, &format!("/api/v1/filings/{id}"), None).await;
    assert_eq!(server["missing"], json!([format!("2. {SUMMARY}")]), "the page shows the server's list");
    assert!(!b.wait("#sign-filing").await.is_enabled().await.unwrap(), "still incomplete");
    let refused = sign_through_the_api(p, http, cookie, id).await;
    assert!(refused.contains(SUMMARY) && !refused.contains(APPROVAL), "{refused}");
    if shots {
        b.screenshot("filings-02-missing").await;
    }

    // Complete: signed in the browser, then submitted.
    b.type_into(".attachment[data-item='2']", &pdf(2, "2021—2025 年生产销售情况总结")).await;
    b.wait("#filing-checklist tr[data-item='2'].ok").await;
    assert_eq!(b.count("#filing-missing").await, 0);
    b.click("#sign-filing:not([disabled])").await;
    b.wait_text("#filing-status", |t| t.contains("申请人已签章")).await;
    if shots {
        b.screenshot("filings-03-signed").await;
    }
    b.click("#submit-filing:not([disabled])").await;
    b.wait("#filing-status[data-status='submitted']").await;
    if shots {
        b.screenshot("filings-04-submitted").await;
    }
    id
}

/// What the server answers when asked to prepare the applicant's signature
/// now: its error message (the filing must be incomplete).
async fn sign_through_the_api(p: &Platform, http: &reqwest::Client, cookie: &str, id: i64) -> String {
    let seals = p.call(http, cookie, "/api/v1/seals", None).await;
    let seal = seals.as_array().unwrap().iter().find(|s| s["kind"] == "official").unwrap()["id"].clone();
    let resp = http
        .post(format!("{}/api/v1/filings/{id}/sign/prepare", p.base))
        .header("cookie", cookie)
        .header("origin", &p.base)
        .json(&json!({ "seal_id": seal }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "filing_incomplete", "{body}");
    body["message"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filing_is_signed_submitted_reviewed_rejected_and_approved_in_the_browser() {
    let platform = Platform::start().await;
    let p = &platform;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    approved_seal(p, &http, "bidder1", "福建某某制药有限公司公章", "official").await;
    approved_seal(p, &http, "regulator", "福建省药品监督管理局备案专用章", "filing").await;
    let maker = p.api_login(&http, "bidder1").await;
    let regulator = p.api_login(&http, "regulator").await;

    let b = Browser::start().await;
    b.client.goto(&p.base).await.expect("the app loads");
    b.login_demo(p, "bidder1").await;
    let approve_me = file_one(&b, p, &http, &maker, "苦参碱注射液再注册", true).await;
    let reject_me = file_one(&b, p, &http, &maker, "丹参注射液再注册", false).await;
    b.logout().await;

    // The regulator reviews: the attachments open, a rejection needs a reason.
    b.login_demo(p, "regulator").await;
    b.click("#nav-filing-review").await;
    b.wait(&format!(".review-filing[data-id='{approve_me}']")).await;
    b.screenshot("filings-05-review-list").await;
    b.click(&format!(".review-filing[data-id='{reject_me}']")).await;
    b.wait("#filing-status[data-status='submitted']").await;
    assert_eq!(b.count("#filing-checklist .attachment-link").await, 2, "both documents are there");
    let link = attr(&b, "#filing-checklist tr[data-item='2'] .attachment-link", "href").await.unwrap();
    let url = if link.starts_with("http") { link } else { format!("{}{link}", p.base) };
    let resp = http.get(&url).header("cookie", &regulator).send().await.unwrap();
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    assert!(resp.bytes().await.unwrap().starts_with(b"%PDF-"), "the attachment is the uploaded PDF");
    b.click("#reject-filing").await;
    assert!(b.text(".error[role='alert']").await.contains("请填写退回理由"));
    b.type_into("#reject-reason", REASON).await;
    b.click("#reject-filing").await;
    b.wait("#filing-status[data-status='rejected']").await;
    assert_eq!(b.text("#filing-reason").await, REASON);
    b.screenshot("filings-06-rejected").await;

    // The other is approved with the regulator's filing seal, signed in wasm.
    b.click("#filing-review-page button.link").await;
    b.click(&format!(".review-filing[data-id='{approve_me}']")).await;
    b.wait("#filing-status[data-status='submitted']").await;
    b.click("#approve-filing:not([disabled])").await;
    b.wait("#filing-status[data-status='approved']").await;
    b.screenshot("filings-07-approved").await;
    b.logout().await;

    // The manufacturer reads the reason and sees the approval.
    b.login_demo(p, "bidder1").await;
    b.click("#nav-filings").await;
    let row = b.text(&format!("#filing-list tr[data-id='{reject_me}'] .filing-row-status")).await;
    assert!(row.contains("已退回") && row.contains(REASON), "{row}");
    let row = b.text(&format!("#filing-list tr[data-id='{approve_me}'] .filing-row-status")).await;
    assert!(row.contains("已批准备案"), "{row}");
    b.click(&format!(".open-filing[data-id='{reject_me}']")).await;
    assert_eq!(b.text("#filing-reason").await, REASON);
    b.screenshot("filings-08-manufacturer-sees-reason").await;
    b.logout().await;

    // The approved PDF carries two valid signatures on the Verify page.
    let resp = http
        .get(format!("{}/api/v1/filings/{approve_me}/pdf", p.base))
        .header("cookie", &maker)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let file = scratch.path().join("approved-filing.pdf");
    std::fs::write(&file, resp.bytes().await.unwrap()).unwrap();
    let report = b.verify_pdf(&file).await;
    assert!(report.valid && report.count == 2, "{}", report.text);
    assert_eq!((report.valid_cards, report.invalid_cards), (2, 0), "{}", report.text);
    b.screenshot("filings-09-verify").await;

    b.stop().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    platform.stop().await;
}
