//! The shell: header with navigation, the language switch and logout; the
//! login page until a session exists, then the page the user chose.

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::pages::cert::{CertPage, role_name};
use crate::pages::login::LoginPage;
use crate::pages::tender::TenderPage;
use crate::pages::tenders::TendersPage;
use crate::session::{self, Session};

/// Which page shows (after login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// My certificate.
    Certificate,
    /// The tender list.
    Tenders,
    /// One tender.
    Tender(String),
}

/// The application.
#[component(App)]
pub fn app() -> Html {
    let lang = use_state(Lang::load);
    let session = use_state(|| None::<Session>);
    let route = use_state(|| Route::Certificate);
    {
        let lang = *lang;
        use_effect_with(lang, move |l| l.save());
    }
    // Time to first render, for measurements: milliseconds since navigation start.
    use_effect_with((), |_| {
        let at = wasm_bindgen::JsValue::from_f64(crate::components::now_ms());
        let _ = js_sys::Reflect::set(&gloo::utils::window(), &"__sealbidRendered".into(), &at);
    });
    let l = *lang;
    let on_lang = {
        let lang = lang.clone();
        Callback::from(move |_| lang.set(lang.other()))
    };
    let on_login = {
        let (session, route) = (session.clone(), route.clone());
        Callback::from(move |s: Session| {
            session.set(Some(s));
            route.set(Route::Certificate);
        })
    };
    let go = |r: Route| {
        let route = route.clone();
        Callback::from(move |_: MouseEvent| route.set(r.clone()))
    };
    let on_logout = {
        let session = session.clone();
        Callback::from(move |_| {
            let session = session.clone();
            spawn_local(async move {
                if let Err(e) = session::logout().await {
                    gloo::console::warn!(format!("logout: {e}"));
                }
                session.set(None);
            });
        })
    };
    let on_open = {
        let route = route.clone();
        Callback::from(move |id: String| route.set(Route::Tender(id)))
    };
    let page = match (&*session, &*route) {
        (None, _) => html! { <LoginPage {on_login} /> },
        (Some(s), Route::Certificate) => html! { <CertPage session={s.clone()} /> },
        (Some(_), Route::Tenders) => html! { <TendersPage {on_open} /> },
        (Some(s), Route::Tender(id)) => html! { <TenderPage id={id.clone()} session={s.clone()} /> },
    };
    let who = session.as_ref().map(|s| {
        let name = s.identity.cert.subject_info().map(|i| i.common_name).unwrap_or_default();
        format!("{name} · {}", role_name(&s.user.role, l))
    });
    html! {
        <ContextProvider<Lang> context={l}>
            <header class="top">
                <span class="brand">{ l.t("药械阳光采购 · 密封投标", "sealbid · sealed-bid procurement") }</span>
                if let Some(who) = who { <>
                    <nav>
                        <button type="button" id="nav-tenders" onclick={go(Route::Tenders)}>{ l.t("招标项目", "Tenders") }</button>
                        <button type="button" id="nav-cert" onclick={go(Route::Certificate)}>{ l.t("我的证书", "My certificate") }</button>
                    </nav>
                    <span class="who" id="who">{ who }</span>
                    <button type="button" id="logout" onclick={on_logout}>{ l.t("退出", "Log out") }</button>
                </> }
                <button type="button" id="lang-switch" lang={l.other().tag()} onclick={on_lang}>{ l.switch_label() }</button>
            </header>
            <main>{ page }</main>
        </ContextProvider<Lang>>
    }
}
