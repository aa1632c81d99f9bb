//! A new unit's agent in the real browser, from application to login with
//! the password alone: the agent applies with a key made in the browser,
//! the demo operator approves through the API, the agent keeps the issued
//! certificate and the key in the browser (`#ap-keep`) and logs in typing
//! only the password. Then the certificate is locked by five logins signed
//! with a stranger's key (the server's lockout counts bad signatures, so the
//! test makes them through the API with the agent's real certificate); the
//! agent's next login in the browser is refused as locked, the operator
//! lifts the lock on the certificates page in a second browser, and the
//! agent logs in again. Screenshots go to e2e/artifacts/.

use std::time::Duration;

use sealbid_crypto::PrivateKey;
use sealbid_e2e::{Application, Browser, Platform, seal_sample_png, uscc};
use serde_json::{Value, json};

const AGENT: &str = "吴申请";
const PASSWORD: &str = "agent-password-2026";

/// The error the page shows now (the first `role="alert"`), waiting for one.
async fn alert(b: &Browser) -> String {
    b.wait_text(".error[role='alert']", |t| !t.is_empty()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_keeps_the_key_in_the_browser_and_logs_in_with_the_password_alone() {
    let platform = Platform::start().await;
    let p = &platform;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let b = Browser::start().await;
    b.client.goto(&p.base).await.expect("the app loads");

    // The agent applies: the key is made in the browser.
    let uscc = uscc(b"91350200MA0000017");
    let sample = seal_sample_png(scratch.path());
    let application = b
        .apply_for_certificate(&Application {
            org: "厦门某某生物制药有限公司",
            uscc: &uscc,
            agent: AGENT,
            id_number: "35020319850202002X",
            mobile: "13900000017",
            password: PASSWORD,
            sample: Some(&sample),
            form_screenshot: None,
        })
        .await;
    assert_eq!(b.count("#ap-keep").await, 0, "nothing to keep before the certificate is issued");

    // The operator approves it through the API.
    let operator = p.api_login(&http, "operator").await;
    let approved = p
        .call(&http, &operator, &format!("/api/v1/applications/{application}/approve"), Some(json!({})))
        .await;
    let serial = approved["issued_serial"].as_str().unwrap_or_else(|| panic!("{approved}")).to_string();

    // The page sees the certificate (it polls every 5 s) and keeps it with the key.
    b.wait_text("#ap-status", |t| t == "已批准").await;
    assert_eq!(b.text("#ap-cert-name").await, AGENT);
    assert_eq!(b.text("#ap-serial-issued").await, serial);
    assert_eq!(b.count("#ap-kept").await, 0, "not kept until asked");
    b.click("#ap-keep").await;
    let kept = b.text("#ap-kept").await;
    assert!(kept.contains("已保存到本浏览器") && kept.contains(AGENT), "{kept}");
    assert!(!b.wait("#ap-keep").await.is_enabled().await.unwrap(), "the button is done once the key is kept");
    b.screenshot("applicant-01-kept").await;

    // The login page offers the kept identity: only the password is typed.
    b.click("#ap-go-login").await;
    let saved = b.wait_text("#saved-identity", |t| t.contains(AGENT)).await;
    assert!(saved.contains("厦门某某生物制药有限公司"), "{saved}");
    assert_eq!(b.count("#key-file-ok").await + b.count("#cert-file-ok").await, 0, "no file was chosen");
    b.screenshot("applicant-02-login-saved").await;
    b.type_into("#password", "not-the-password").await;
    b.click("#login-button").await;
    assert!(alert(&b).await.contains("密码错误"), "a wrong password is refused in the browser");
    b.wait("#password").await.clear().await.unwrap();
    b.type_into("#password", PASSWORD).await;
    b.click("#login-button").await;
    assert_eq!(b.text("#cert-name").await, AGENT);
    assert_eq!(b.text("#cert-role").await, "投标人（生产企业）");
    b.screenshot("applicant-03-logged-in").await;
    b.logout().await;

    // Five logins signed with a stranger's key over the agent's certificate lock it.
    let token: Value = serde_json::from_str(
        b.client
            .execute("return localStorage.getItem('sealbid.application')", vec![])
            .await
            .unwrap()
            .as_str()
            .expect("the application is kept in localStorage"),
    )
    .unwrap();
    let token = token["token"].as_str().unwrap();
    let leaf = http
        .get(format!("{}/api/v1/applications/{application}/certificate?token={token}", p.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let issuing = http.get(format!("{}/pki/issuing", p.base)).send().await.unwrap().text().await.unwrap();
    let chain = [leaf, issuing];
    let stranger = PrivateKey::generate().unwrap();
    for i in 0..5 {
        let out = sealbid_tests::login(&http, &p.base, &stranger, &chain).await;
        assert_eq!(out.code(), "bad_signature", "attempt {i}: {:?}", out.body);
    }

    // The agent's own login in the browser (from the stranger's address,
    // 127.0.0.1, here) is now refused, saying why.
    b.type_into("#password", PASSWORD).await;
    b.click("#login-button").await;
    let refused = alert(&b).await;
    assert!(refused.contains("account_locked") && refused.contains("locked until"), "{refused}");
    b.screenshot("applicant-04-locked").await;

    // The operator lifts the lock in another browser.
    let o = Browser::start().await;
    o.client.goto(&p.base).await.expect("the app loads");
    o.login_demo(p, "operator").await;
    o.click("#nav-op-certificates").await;
    o.type_into("#op-serial", &serial).await;
    o.click("#op-unlock").await;
    let lifted = o.wait_text("#op-cert-outcome", |t| !t.is_empty()).await;
    assert!(lifted.contains("已解除登录锁定") && lifted.contains(&serial), "{lifted}");
    o.screenshot("applicant-05-operator-unlocked").await;
    o.click("#op-unlock").await;
    let again = o.wait_text("#op-cert-outcome", |t| t.contains("未被锁定")).await;
    assert!(again.contains(&serial), "{again}");
    o.stop().await;

    // The agent logs in again with the password alone.
    b.wait("#password").await.clear().await.unwrap();
    b.type_into("#password", PASSWORD).await;
    b.click("#login-button").await;
    assert_eq!(b.text("#cert-name").await, AGENT);
    b.screenshot("applicant-06-logged-in-again").await;

    b.stop().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    platform.stop().await;
}
