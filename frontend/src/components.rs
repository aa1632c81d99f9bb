//! Small pieces every page uses: the error box, the progress line, reading
//! a chosen file, offering bytes as a download, yielding to the browser.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

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
