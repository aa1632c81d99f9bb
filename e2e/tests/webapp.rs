//! The web app under its Content-Security-Policy, in the real browser: the
//! server sends the strict policy with the page; the app starts, renders
//! the login, certificate-application and PDF-verification pages with no
//! CSP violation reported (the loader `boot.js` collects them in
//! `window.__sealbidCspViolations`); and the footer shows the web app's SM3
//! digest, computed in the browser, equal to the one the build wrote into
//! `release.txt`. An inline script injected into the page does not run, and
//! its violation is reported.

use sealbid_e2e::{Browser, Platform, web_dir};

/// The CSP violations the page has reported so far.
async fn violations(b: &Browser) -> Vec<String> {
    let v = b.client.execute("return window.__sealbidCspViolations || null", vec![]).await.unwrap();
    let list = v.as_array().unwrap_or_else(|| panic!("boot.js did not run: {v}"));
    list.iter().map(|x| x.as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_runs_under_its_csp_and_shows_its_own_digest() {
    let platform = Platform::start().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = http.get(&platform.base).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("object-src 'none'"),
        "{csp}"
    );

    let b = Browser::start().await;
    b.client.goto(&platform.base).await.expect("the app loads");
    b.wait("#login-page").await;
    let digest = b.text("#app-digest-value").await;
    let release =
        std::fs::read_to_string(web_dir().join("release.txt")).expect("the build wrote release.txt");
    let written = release.lines().last().and_then(|l| l.strip_prefix("digest ")).unwrap();
    assert_eq!(digest, written, "the browser's digest of the app equals the build's");
    assert_eq!(b.count("#app-digest-mismatch").await, 0);
    println!("web app SM3 digest in the browser: {digest}");

    b.click("#nav-apply").await;
    b.wait("#apply-page").await;
    b.click("#nav-verify").await;
    b.wait("#verify-page #verify-file").await;
    b.screenshot("webapp-csp-verify").await;
    assert_eq!(violations(&b).await, Vec::<String>::new(), "CSP violations");

    // The policy is enforced and violations are seen: an injected inline script does not run.
    let inject = "const s = document.createElement('script'); s.textContent = 'window.__injected = 1'; \
                  document.body.appendChild(s);";
    b.client.execute(inject, vec![]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let ran = b.client.execute("return window.__injected || null", vec![]).await.unwrap();
    assert!(ran.is_null(), "an inline script ran under the CSP");
    let seen = violations(&b).await;
    assert!(seen.iter().any(|v| v.starts_with("script-src")), "{seen:?}");
    platform.stop().await;
}
