//! Small pieces every page uses: the error box, the progress line, reading
//! a chosen file, offering bytes as a download, yielding to the browser;
//! and the footer showing the web app's own SM3 digest ([`AppDigest`]).

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::i18n::Lang;

/// Properties of [`ErrorBox`].
#[derive(Properties, PartialEq)]
pub struct ErrorProps {
    /// The message; nothing is shown for `None`.
    pub error: Option<String>,
}

/// A visible error message (`role="alert"`), or nothing.
#[component(ErrorBox)]
pub fn error_box(props: &ErrorProps) -> Html {
    match &props.error {
        Some(e) => html! { <div class="error" role="alert">{ e }</div> },
        None => html! {},
    }
}

/// Properties of [`Busy`].
#[derive(Properties, PartialEq)]
pub struct BusyProps {
    /// What is being done; nothing is shown for `None`.
    pub what: Option<String>,
}

/// An indeterminate progress bar with what is being done.
#[component(Busy)]
pub fn busy(props: &BusyProps) -> Html {
    match &props.what {
        Some(w) => {
            html! { <div class="busy" aria-live="polite"><progress></progress><span>{ w }</span></div> }
        }
        None => html! {},
    }
}

/// The first file chosen in the `<input type=file>` an event came from.
pub fn chosen_file(e: &Event) -> Option<web_sys::File> {
    let input: HtmlInputElement = e.target()?.dyn_into().ok()?;
    input.files()?.get(0)
}

/// Reads a file's bytes.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("cannot read {}", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Offers `bytes` as a file download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
        .map_err(|_| "cannot prepare the download".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "cannot prepare the download".to_string())?;
    let a: web_sys::HtmlAnchorElement = gloo::utils::document()
        .create_element("a")
        .map_err(|_| "cannot prepare the download".to_string())?
        .dyn_into()
        .map_err(|_| "cannot prepare the download".to_string())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Lets the browser paint (the progress line) before heavy work in this thread.
pub async fn yield_to_browser() {
    gloo_timers::future::TimeoutFuture::new(30).await;
}

/// Milliseconds since the page started (`performance.now()`).
pub fn now_ms() -> f64 {
    gloo::utils::window().performance().map(|p| p.now()).unwrap_or_default()
}

/// The current `value` of the form control (`input`, `select`, `textarea`)
/// with this id, `""` when there is none.
pub fn field_value(id: &str) -> String {
    gloo::utils::document()
        .get_element_by_id(id)
        .and_then(|e| js_sys::Reflect::get(&e, &"value".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Whether the checkbox with this id is ticked.
pub fn field_checked(id: &str) -> bool {
    gloo::utils::document()
        .get_element_by_id(id)
        .and_then(|e| js_sys::Reflect::get(&e, &"checked".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The first line of the web app's `release.txt` (see `sealbid webapp digest`).
const RELEASE_VERSION: &str = "sealbid-webapp-v1";

/// The web app's digest as this browser computed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnDigest {
    /// `hex(SM3(manifest))` over the files as fetched here.
    pub digest: String,
    /// Whether the served `release.txt` states the same digest.
    pub matches_release: bool,
}

/// The bytes at `path` of this origin.
async fn fetch_bytes(path: &str) -> Result<Vec<u8>, String> {
    let resp = gloo::net::http::Request::get(path).send().await.map_err(|e| format!("{path}: {e}"))?;
    if !resp.ok() {
        return Err(format!("{path}: HTTP {}", resp.status()));
    }
    resp.binary().await.map_err(|e| format!("{path}: {e}"))
}

/// Computes the web app's digest (`sealbid-webapp-v1`): fetches
/// `/release.txt` for the list of files, fetches and hashes each file with
/// SM3 itself (the hashes listed there are not trusted), and hashes the
/// manifest so made. The same definition as `scripts/webapp-digest.sh` and
/// `sealbid webapp digest`.
pub async fn own_digest() -> Result<OwnDigest, String> {
    let release = String::from_utf8(fetch_bytes("/release.txt").await?)
        .map_err(|_| "release.txt is not UTF-8".to_string())?;
    let mut lines = release.lines();
    if lines.next() != Some(RELEASE_VERSION) {
        return Err(format!("release.txt does not start with {RELEASE_VERSION}"));
    }
    let mut manifest = format!("{RELEASE_VERSION}\n");
    let mut stated = None;
    for line in lines {
        if let Some(d) = line.strip_prefix("digest ") {
            stated = Some(d.trim().to_string());
        } else if let Some((_, path)) = line.split_once("  ") {
            let bytes = fetch_bytes(&format!("/{path}")).await?;
            let hash = hex::encode(sealbid_crypto::hash::sm3(&bytes));
            manifest.push_str(&format!("{hash}  {path}\n"));
            yield_to_browser().await;
        } else {
            return Err(format!("release.txt has a malformed line: {line:?}"));
        }
    }
    let digest = hex::encode(sealbid_crypto::hash::sm3(manifest.as_bytes()));
    let matches_release = stated.as_deref() == Some(digest.as_str());
    Ok(OwnDigest { digest, matches_release })
}

/// The footer with the web app's SM3 digest, computed in the browser a
/// moment after start-up. It is defence in depth only: the server that
/// serves the app could serve one that shows any digest, so officials who
/// distrust it compare with `sealbid webapp digest --url …` instead.
#[component(AppDigest)]
pub fn app_digest() -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let state = use_state(|| None::<Result<OwnDigest, String>>);
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                // After the first pages have what they need.
                gloo_timers::future::TimeoutFuture::new(1500).await;
                state.set(Some(own_digest().await));
            });
        });
    }
    let label = lang.t("网页应用 SM3 摘要", "Web app SM3 digest");
    let hint = lang.t(
        "请与官方发布的摘要核对；不信任服务器时，用命令行 sealbid webapp digest --url 核对。",
        "Compare it with the officially published digest; if you distrust the server, check with the CLI: sealbid webapp digest --url.",
    );
    let body = match &*state {
        None => html! { <span class="hint">{ lang.t("计算中…", "computing…") }</span> },
        Some(Ok(d)) => html! { <>
            <code id="app-digest-value">{ &d.digest }</code>
            if !d.matches_release {
                <span class="error" id="app-digest-mismatch">{ lang.t("与 release.txt 所列不符", "differs from release.txt") }</span>
            }
        </> },
        Some(Err(e)) => {
            html! { <span class="hint" id="app-digest-error">{ lang.t("无法计算：", "cannot compute: ") }{ e }</span> }
        }
    };
    html! {
        <footer class="app-digest" id="app-digest" title={hint}>
            <span>{ label }{ "：" }</span>{ body }
        </footer>
    }
}
