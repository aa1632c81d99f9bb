//! # sealbid-e2e
//!
//! The harness of the browser tests: the real `sealbid serve --demo` binary
//! on a random port with a fresh data directory ([`Platform`]), Debian's
//! `chromedriver` driving headless Chromium with a fresh profile
//! ([`Browser`]), and screenshots saved under `e2e/artifacts/`.
//!
//! Nothing is built here: `scripts/test.sh` builds the web app
//! (`frontend/dist`) and the `sealbid` binary first and passes the binary's
//! path in `SEALBID_BIN`. A missing binary, web app, Chromium or chromedriver
//! makes the test fail with a message saying what to do — never skip.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long a page may take to show an expected element (key decryption in
/// wasm runs 600,000 PBKDF2 rounds; a loaded CI machine is slow).
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(90);

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The `sealbid` binary: `SEALBID_BIN`, else `sealbid` in the target
/// directory this test was built in.
pub fn sealbid_bin() -> PathBuf {
    let bin = match std::env::var_os("SEALBID_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let exe = std::env::current_exe().expect("the test executable has a path");
            let dir = exe.parent().and_then(Path::parent).expect("the test runs from target/*/deps");
            dir.join(format!("sealbid{}", std::env::consts::EXE_SUFFIX))
        }
    };
    assert!(
        bin.is_file(),
        "the sealbid binary {} is missing: build it with `cargo build -p sealbid-backend --bin sealbid` \
         (scripts/test.sh does) or set SEALBID_BIN",
        bin.display()
    );
    bin
}

/// The built web app: `SEALBID_WEB_DIR`, else `frontend/dist` of the workspace.
pub fn web_dir() -> PathBuf {
    let dir = std::env::var_os("SEALBID_WEB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("frontend/dist"));
    assert!(
        dir.join("index.html").is_file() && dir.join("sealbid_frontend_bg.wasm").is_file(),
        "the web app is not built in {}: run scripts/build-frontend.sh (scripts/test.sh does)",
        dir.display()
    );
    dir
}

/// Where screenshots go (`e2e/artifacts/`, git-ignored).
pub fn artifacts() -> PathBuf {
    let dir = workspace().join("e2e/artifacts");
    std::fs::create_dir_all(&dir).expect("e2e/artifacts can be created");
    dir
}

/// The real platform: `sealbid serve --demo` on a random port.
pub struct Platform {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The data directory (demo key files are in `demo/`).
    pub data: PathBuf,
    child: Child,
    _dir: TempDir,
}

impl Platform {
    /// Starts the server and waits until it says where it serves.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        let mut child = Command::new(sealbid_bin())
            .arg("--data-dir")
            .arg(&data)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .env("SEALBID_WEB_DIR", web_dir())
            .env_remove("SEALBID_CA_PASSWORD")
            .env_remove("SEALBID_DATABASE_URL")
            .env_remove("DATABASE_URL")
            .env_remove("SEALBID_PUBLIC_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("sealbid serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = tokio::time::timeout(Duration::from_secs(180), async {
            while let Some(line) = lines.next_line().await.expect("the server's output is readable") {
                if let Some(rest) = line.strip_prefix("sealbid serving on ") {
                    return rest.split_whitespace().next().map(str::to_string);
                }
            }
            None
        })
        .await
        .expect("the server starts within 3 minutes")
        .expect("the server says where it serves");
        // Keep reading so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { base, data, child, _dir: dir }
    }

    /// A demo file (`bidder1.p8`, `PASSWORD.txt`, …).
    pub fn demo(&self, name: &str) -> PathBuf {
        self.data.join("demo").join(name)
    }

    /// The demo key files' password.
    pub fn demo_password(&self) -> String {
        std::fs::read_to_string(self.demo("PASSWORD.txt")).expect("the demo password file").trim().to_string()
    }

    /// A demo person's key (opened with the demo password) and certificate
    /// chain as PEM blocks, leaf first.
    pub fn demo_identity(&self, stem: &str) -> (sealbid_crypto::PrivateKey, Vec<String>) {
        let key = sealbid_crypto::keyfile::decrypt(
            &std::fs::read(self.demo(&format!("{stem}.p8"))).expect("the demo key file"),
            self.demo_password().as_bytes(),
        )
        .expect("the demo key opens with the demo password");
        let chain = std::fs::read_to_string(self.demo(&format!("{stem}.pem"))).expect("the demo chain");
        let pems = chain.split_inclusive("-----END CERTIFICATE-----\n").map(str::to_string).collect();
        (key, pems)
    }

    /// Logs in as the demo person `stem` through the API; returns the session cookie.
    pub async fn api_login(&self, http: &reqwest::Client, stem: &str) -> String {
        let (key, pems) = self.demo_identity(stem);
        let out = sealbid_tests::login(http, &self.base, &key, &pems).await;
        out.cookie.unwrap_or_else(|| panic!("{stem} logs in: {:?}", out.body))
    }

    /// GET `path` (no body) or POST `body` as JSON with the session `cookie`;
    /// insists on a 2xx and returns the JSON answer.
    pub async fn call(
        &self,
        http: &reqwest::Client,
        cookie: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}{path}", self.base);
        let req = match body {
            Some(b) => http.post(url).json(&b).header("origin", &self.base),
            None => http.get(url),
        };
        let resp = req.header("cookie", cookie).send().await.expect("the API answers");
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
        assert!(status.is_success(), "{path}: HTTP {status}: {body}");
        body
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// RFC 3339 UTC text to the second, as the API takes times.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a formattable time")
}

/// `t` as the centre types times: Beijing time with seconds
/// (`2026-11-22 20:30:05`).
pub fn beijing(t: time::OffsetDateTime) -> String {
    t.to_offset(time::macros::offset!(+8))
        .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"))
        .expect("a formattable time")
}

/// An RFC 3339 time from the API.
pub fn parse_rfc3339(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// A unified social credit code: `first17` and its check character.
pub fn uscc(first17: &[u8; 17]) -> String {
    let check = sealbid_crypto::uscc::check_character(first17).expect("a valid credit code body");
    format!("{}{check}", std::str::from_utf8(first17).expect("ASCII"))
}

/// Writes a 400 × 400 PNG of a red disc into `dir` (a seal sample the
/// server accepts) and returns its path.
pub fn seal_sample_png(dir: &Path) -> PathBuf {
    let img = image::RgbImage::from_fn(400, 400, |x, y| {
        let (dx, dy) = (i64::from(x) - 200, i64::from(y) - 200);
        if dx * dx + dy * dy < 180 * 180 { image::Rgb([200, 20, 20]) } else { image::Rgb([255, 255, 255]) }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).expect("a PNG");
    let path = dir.join("seal-sample.png");
    std::fs::write(&path, out).expect("the sample is written");
    path
}

/// What a unit's agent types into the certificate application form; the
/// address and phone are filled in with plausible values.
pub struct Application<'a> {
    /// The unit's name.
    pub org: &'a str,
    /// Its credit code.
    pub uscc: &'a str,
    /// The agent's name (the certificate's subject).
    pub agent: &'a str,
    /// The agent's ID number.
    pub id_number: &'a str,
    /// The agent's mobile number.
    pub mobile: &'a str,
    /// The password that encrypts the key made in the browser.
    pub password: &'a str,
    /// A seal sample to upload, if any.
    pub sample: Option<&'a Path>,
    /// A screenshot name for the filled-in form, if one is wanted.
    pub form_screenshot: Option<&'a str>,
}

/// What the Verify page reported for one PDF.
#[derive(Debug)]
pub struct VerifyReport {
    /// `data-valid` of the summary.
    pub valid: bool,
    /// `data-count` of the summary: signatures found.
    pub count: usize,
    /// Signature cards shown as valid and as invalid.
    pub valid_cards: usize,
    /// Signature cards shown as invalid.
    pub invalid_cards: usize,
    /// Each signature's signer, in order.
    pub signers: Vec<String>,
    /// Each signature's time stamp as shown (`—` when none).
    pub timestamps: Vec<String>,
    /// The whole report's text (for failure messages).
    pub text: String,
}

/// Chromium driven by chromedriver.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

fn find_program(env: &str, candidates: &[&str], package: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "{} not found ({}): install Debian's `{package}` (scripts/setup.sh does) or set {env}",
            candidates[0], package
        )
    })
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("a local address").port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    pub async fn start() -> Self {
        let chromium =
            find_program("SEALBID_CHROMIUM", &["/usr/bin/chromium", "/usr/bin/chromium-browser"], "chromium");
        let chromedriver =
            find_program("SEALBID_CHROMEDRIVER", &["/usr/bin/chromedriver"], "chromium-driver");
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a temporary profile directory");
        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--window-size=1280,1000", "--lang=zh-CN",
                         format!("--user-data-dir={}", profile.path().display())],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = String::new();
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(client) => return Self { client, driver, _profile: profile },
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("chromedriver on {url} did not start a Chromium session: {last}");
    }

    /// Waits for the element `css` (up to [`PAGE_TIMEOUT`]); on a timeout,
    /// fails with the page's visible text (the error the app showed, if any).
    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.wait().at_most(PAGE_TIMEOUT).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                let text = match self.client.find(Locator::Css("body")).await {
                    Ok(body) => body.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                let _ = self.screenshot("failure").await;
                panic!("{css} did not appear ({e}); the page shows:\n{text}");
            }
        }
    }

    /// The visible text of `css` (waiting for it).
    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.expect("the element's text")
    }

    /// Clicks `css` (waiting for it).
    pub async fn click(&self, css: &str) {
        self.wait(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Types into `css` (for a file input: an absolute path chooses the file).
    pub async fn type_into(&self, css: &str, text: &str) {
        self.wait(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Waits until the text of `css` satisfies `ok` (up to [`PAGE_TIMEOUT`]); returns it.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let until = std::time::Instant::now() + PAGE_TIMEOUT;
        let mut last = String::new();
        while std::time::Instant::now() < until {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                last = e.text().await.unwrap_or_default();
                if ok(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let _ = self.screenshot("failure").await;
        panic!("{css} never showed what was expected; last: {last:?}");
    }

    /// Waits until exactly `n` elements match `css` (up to [`PAGE_TIMEOUT`]).
    pub async fn wait_count(&self, css: &str, n: usize) {
        let until = std::time::Instant::now() + PAGE_TIMEOUT;
        let mut seen = self.count(css).await;
        while seen != n {
            if std::time::Instant::now() > until {
                let _ = self.screenshot("failure").await;
                panic!("{css}: {seen} elements, never {n}");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            seen = self.count(css).await;
        }
    }

    /// How many elements match `css` now (no waiting).
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    /// Logs in with a key file and certificate chain file and `password`:
    /// goes to the login page if not there, chooses both files, types the
    /// password and waits for the certificate page. Returns the name shown.
    pub async fn login_with_files(&self, key: &Path, chain: &Path, password: &str) -> String {
        if self.count("#login-page").await == 0 {
            self.click("#nav-login").await;
        }
        self.type_into("#key-file", &key.display().to_string()).await;
        self.type_into("#cert-file", &chain.display().to_string()).await;
        self.wait("#key-file-ok").await;
        self.wait("#cert-file-ok").await;
        self.wait("#password").await.clear().await.expect("the password field clears");
        self.type_into("#password", password).await;
        self.click("#login-button").await;
        self.text("#cert-name").await
    }

    /// Logs in as the demo person `stem` (`bidder1`, `centre`, …) of `p`; returns the name shown.
    pub async fn login_demo(&self, p: &Platform, stem: &str) -> String {
        let (key, chain) = (p.demo(&format!("{stem}.p8")), p.demo(&format!("{stem}.pem")));
        self.login_with_files(&key, &chain, &p.demo_password()).await
    }

    /// Logs out and waits for the login page.
    pub async fn logout(&self) {
        self.click("#logout").await;
        self.wait("#login-page").await;
    }

    /// Fills in the certificate application form (the key is made in the
    /// browser), submits it and waits for the pending status; returns the
    /// application's number.
    pub async fn apply_for_certificate(&self, a: &Application<'_>) -> String {
        self.click("#nav-apply").await;
        for (id, text) in [
            ("#ap-org", a.org),
            ("#ap-uscc", a.uscc),
            ("#ap-address", "厦门市湖里区火炬路 8 号"),
            ("#ap-phone", "0592-7654321"),
            ("#ap-agent", a.agent),
            ("#ap-idno", a.id_number),
            ("#ap-mobile", a.mobile),
            ("#ap-password", a.password),
            ("#ap-password2", a.password),
        ] {
            self.type_into(id, text).await;
        }
        self.click("#ap-drug").await;
        if let Some(sample) = a.sample {
            self.type_into("#ap-sample-1", &sample.display().to_string()).await;
        }
        if let Some(name) = a.form_screenshot {
            self.screenshot(name).await;
        }
        self.click("#ap-submit").await;
        assert_eq!(self.wait_text("#ap-status", |t| !t.is_empty()).await, "待审核", "the application waits");
        self.text("#ap-id").await
    }

    /// Opens the Verify page, chooses `file` and reads the report.
    pub async fn verify_pdf(&self, file: &Path) -> VerifyReport {
        self.click("#nav-verify").await;
        self.type_into("#verify-file", &file.display().to_string()).await;
        let summary = self.wait("#verify-summary").await;
        let attr = |name: &'static str| {
            let summary = summary.clone();
            async move { summary.attr(name).await.expect("an attribute").unwrap_or_default() }
        };
        let texts = |css: &'static str| async move {
            let mut out = Vec::new();
            for e in self.client.find_all(Locator::Css(css)).await.expect("a search") {
                out.push(e.text().await.expect("a text"));
            }
            out
        };
        VerifyReport {
            valid: attr("data-valid").await == "true",
            count: attr("data-count").await.parse().unwrap_or(0),
            valid_cards: self.count(".sig-card.valid").await,
            invalid_cards: self.count(".sig-card.invalid").await,
            signers: texts(".sig-card .sig-signer").await,
            timestamps: texts(".sig-card .sig-timestamp").await,
            text: self.text("#verify-report").await,
        }
    }

    /// The logged-in demo official `n` (1–3) contributes to the opening of
    /// `tender` in this browser: imports its key-share file, computes the
    /// decryption shares in wasm (the progress bar must reach 100 %), signs
    /// and uploads them. Returns the number of envelopes and the
    /// in-browser computing time in ms, as the page reports them.
    pub async fn contribute_shares(&self, p: &Platform, tender: &str, n: usize) -> (String, String) {
        self.click("#nav-official").await;
        self.click(&format!(".open-opening[data-id='{tender}']")).await;
        self.wait("#no-share").await;
        self.type_into("#share-file", &p.demo(&format!("official{n}.share")).display().to_string()).await;
        self.type_into("#share-password", &p.demo_password()).await;
        self.click("#contribute").await;
        self.wait("#uploaded").await;
        let done = self.wait("#share-progress-text").await.attr("data-percent").await.expect("an attribute");
        assert_eq!(done.as_deref(), Some("100"), "the progress bar reaches 100 %");
        let share = self.wait("#share-time").await;
        let ms = share.attr("data-ms").await.expect("an attribute").unwrap_or_default();
        let count = share.attr("data-n").await.expect("an attribute").unwrap_or_default();
        self.wait("#contributed").await;
        (count, ms)
    }

    /// Saves a PNG screenshot as `e2e/artifacts/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = artifacts().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }

    /// Ends the session and chromedriver.
    pub async fn stop(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }
}
