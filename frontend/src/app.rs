//! The shell: header with navigation, the language switch and logout; the
//! login page until a session exists, then the page the user chose.

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::pages::cert::{CertPage, role_name};
use crate::pages::login::LoginPage;
use crate::pages::official::OfficialPage;
use crate::pages::official::ceremony::CeremonyPage;
use crate::pages::official::opening::OpeningPage;
use crate::pages::tender::TenderPage;
use crate::pages::tenders::TendersPage;
use crate::pages::{apply, centre, operator};
use crate::session::{self, Session};
// Issue 6 pages.
use crate::pages::contracts::detail::ContractPage;
use crate::pages::contracts::list::ContractsPage;
use crate::pages::filings::apply::FilingsPage;
use crate::pages::regulator::audit::AuditPage;
use crate::pages::regulator::filings::ReviewPage;
use crate::pages::seals::MySealsPage;
use crate::pages::verify::VerifyPage;

/// Which page shows (after login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// My certificate.
    Certificate,
    /// The tender list.
    Tenders,
    /// One tender.
    Tender(String),
    /// The contract list.
    Contracts,
    /// One contract.
    Contract(i64),
    /// Verify a signed PDF (no login needed).
    Verify,
    /// The audit trail (regulators, operators).
    Audit,
    /// The manufacturer's filings.
    Filings,
    /// The organisation's own seals.
    Seals,
    /// The regulator's filing review.
    FilingReview,
    /// The official's home: committees, key shares, tenders to open.
    Official,
    /// A committee's key ceremony.
    Ceremony(i64),
    /// A tender's opening.
    Opening(String),
    /// A certificate application (no login needed).
    Apply,
    /// A CA operator's page.
    Operator(operator::OpPage),
    /// The procurement centre's tenders.
    CentreTenders,
    /// The procurement centre's view of one tender.
    CentreTender(String),
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
    let on_contract = {
        let route = route.clone();
        Callback::from(move |id: i64| route.set(Route::Contract(id)))
    };
    let to_contracts = {
        let route = route.clone();
        Callback::from(move |_: ()| route.set(Route::Contracts))
    };
    let role = session.as_ref().map(|s| s.user.role.clone()).unwrap_or_default();
    let on_ceremony = {
        let route = route.clone();
        Callback::from(move |id: i64| route.set(Route::Ceremony(id)))
    };
    let on_opening = {
        let route = route.clone();
        Callback::from(move |id: String| route.set(Route::Opening(id)))
    };
    let on_centre_open = {
        let route = route.clone();
        Callback::from(move |id: String| route.set(Route::CentreTender(id)))
    };
    let page = match (&*session, &*route) {
        (_, Route::Verify) => html! { <VerifyPage /> },
        (_, Route::Apply) => {
            let route = route.clone();
            html! { <apply::ApplyPage on_login={Callback::from(move |_| route.set(Route::Certificate))} /> }
        }
        (Some(_), Route::Operator(p)) => html! { <operator::OperatorPage page={*p} /> },
        (Some(_), Route::CentreTenders) => html! { <centre::CentreTendersPage on_open={on_centre_open} /> },
        (Some(_), Route::CentreTender(id)) => html! { <centre::CentreTenderPage id={id.clone()} /> },
        (None, _) => html! { <LoginPage {on_login} /> },
        (Some(s), Route::Certificate) => html! { <CertPage session={s.clone()} /> },
        (Some(_), Route::Tenders) => html! { <TendersPage {on_open} /> },
        (Some(s), Route::Tender(id)) => html! { <TenderPage id={id.clone()} session={s.clone()} /> },
        (Some(s), Route::Contracts) => html! { <ContractsPage session={s.clone()} on_open={on_contract} /> },
        (Some(s), Route::Contract(id)) => {
            html! { <ContractPage id={*id} session={s.clone()} on_back={to_contracts} /> }
        }
        (Some(_), Route::Audit) => html! { <AuditPage /> },
        (Some(s), Route::Filings) => html! { <FilingsPage session={s.clone()} /> },
        (Some(s), Route::Seals) => html! { <MySealsPage session={s.clone()} /> },
        (Some(s), Route::FilingReview) => html! { <ReviewPage session={s.clone()} /> },
        (Some(s), Route::Official) => {
            html! { <OfficialPage session={s.clone()} {on_ceremony} {on_opening} /> }
        }
        (Some(s), Route::Ceremony(id)) => html! { <CeremonyPage id={*id} session={s.clone()} /> },
        (Some(s), Route::Opening(id)) => html! { <OpeningPage id={id.clone()} session={s.clone()} /> },
    };
    let official = session.as_ref().is_some_and(|s| s.user.role == "official");
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
                        if ["bidder", "hospital", "regulator", "centre"].contains(&role.as_str()) {
                            <button type="button" id="nav-contracts" onclick={go(Route::Contracts)}>{ l.t("合同签章", "Contracts") }</button>
                            <button type="button" id="nav-seals" onclick={go(Route::Seals)}>{ l.t("本单位印章", "Seals") }</button>
                        }
                        if role == "bidder" {
                            <button type="button" id="nav-filings" onclick={go(Route::Filings)}>{ l.t("备案申报", "Filings") }</button>
                        }
                        if role == "regulator" {
                            <button type="button" id="nav-filing-review" onclick={go(Route::FilingReview)}>{ l.t("备案审核", "Filing review") }</button>
                        }
                        if role == "regulator" || role == "operator" {
                            <button type="button" id="nav-audit" onclick={go(Route::Audit)}>{ l.t("审计日志", "Audit trail") }</button>
                        }
                        if official {
                            <button type="button" id="nav-official" onclick={go(Route::Official)}>{ l.t("开标委员会", "Opening committee") }</button>
                        }
                        if role == "operator" { { for operator::OpPage::ALL.iter().map(|p| html! {
                            <button type="button" id={p.nav_id()} onclick={go(Route::Operator(*p))}>{ p.title(l) }</button> }) } }
                        if role == "centre" {
                            <button type="button" id="nav-centre" onclick={go(Route::CentreTenders)}>{ l.t("项目管理", "Manage tenders") }</button> }
                    </nav>
                    <span class="who" id="who">{ who }</span>
                    <button type="button" id="logout" onclick={on_logout}>{ l.t("退出", "Log out") }</button>
                </> }
                <button type="button" id="nav-verify" onclick={go(Route::Verify)}>{ l.t("签章验证", "Verify a PDF") }</button>
                if session.is_none() {
                    <button type="button" id="nav-apply" onclick={go(Route::Apply)}>{ l.t("申请证书", "Apply for a certificate") }</button>
                    <button type="button" id="nav-login" onclick={go(Route::Certificate)}>{ l.t("证书登录", "Log in") }</button>
                }
                <button type="button" id="lang-switch" lang={l.other().tag()} onclick={on_lang}>{ l.switch_label() }</button>
            </header>
            <main>{ page }</main>
            <crate::components::AppDigest />
        </ContextProvider<Lang>>
    }
}
