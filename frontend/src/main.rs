//! The web app's entry point: `wasm-bindgen` runs `main` when the page loads
//! the module; it replaces the page's loading note with the app.
#![forbid(unsafe_code)]

fn main() {
    if let Some(boot) = gloo::utils::document().get_element_by_id("boot") {
        boot.remove();
    }
    yew::Renderer::<sealbid_frontend::app::App>::new().render();
}
