//! The kept application's status, refreshed while it is pending; once the
//! certificate is issued, the certificate chain (checked against the key
//! made in this browser) for download, or kept together with the encrypted
//! key in this browser's keystore so the applicant logs in with the
//! password alone.

use base64ct::{Base64, Encoding};
use gloo::timers::callback::Interval;
use sealbid_crypto::pki::Certificate;
use serde::Deserialize;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::{KeptApplication, operation_name, status_name};
use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, download};
use crate::i18n::Lang;
use crate::keystore::{self, StoredIdentity};
use crate::pages::show_time_text;

/// What the applicant sees of the application (`GET /api/v1/applications/{id}?token=`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StatusView {
    /// Number.
    pub id: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// The operation.
    pub operation: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The issued certificate's serial.
    pub issued_serial: Option<String>,
    /// Submitted, RFC 3339.
    pub created_at: String,
    /// Decided, RFC 3339.
    pub decided_at: Option<String>,
}

/// Properties of [`ApplicationStatus`].
#[derive(Properties, PartialEq)]
pub struct StatusProps {
    /// The kept application.
    pub kept: KeptApplication,
    /// Called to start another application.
    pub on_new: Callback<()>,
    /// Goes to the login page.
    pub on_login: Callback<()>,
}

/// The certificate issued and the issuing CA as one PEM chain, checked
/// against the applicant's key.
async fn fetch_chain(k: &KeptApplication) -> Result<(Certificate, String), String> {
    let leaf = api::get_text(&format!("/api/v1/applications/{}/certificate?token={}", k.id, k.token))
        .await
        .map_err(|e| e.to_string())?;
    let issuing = api::get_text("/pki/issuing").await.map_err(|e| e.to_string())?;
    let cert = Certificate::from_pem(&leaf).map_err(|e| e.to_string())?;
    let key = cert.public_key().map_err(|e| e.to_string())?;
    if hex::encode(key.to_sec1()) != k.public_key {
        return Err("the issued certificate is not for the key made in this browser".into());
    }
    let mut chain = leaf.trim_end().to_string();
    chain.push('\n');
    chain.push_str(issuing.trim_end());
    chain.push('\n');
    Ok((cert, chain))
}

/// Keeps the encrypted key file and the certificate chain in this
/// browser's keystore (replacing any identity kept before), where the login
/// page finds them.
async fn keep_in_browser(k: &KeptApplication, chain: &str) -> Result<(), String> {
    let key =
        Base64::decode_vec(&k.key_file).map_err(|_| "the key file kept with the application is damaged")?;
    keystore::save(&StoredIdentity::new(&key, &k.key_name, chain)).await
}

/// The status of the kept application, refreshed every 5 seconds while pending.
#[component(ApplicationStatus)]
pub fn application_status(props: &StatusProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let status = use_state(|| None::<Result<StatusView, ApiError>>);
    let tick = use_state(|| 0u32);
    let chain = use_state(|| None::<Result<(Certificate, String), String>>);
    // `Some(Ok)` once key and certificate are kept in this browser.
    let kept_here = use_state(|| None::<Result<(), String>>);
    let keeping = use_state(|| false);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let i = Interval::new(5_000, move || tick.set(*tick + 1));
            move || drop(i)
        });
    }
    {
        let (status, chain, k) = (status.clone(), chain.clone(), props.kept.clone());
        let done = matches!(&*status, Some(Ok(s)) if s.status != "pending");
        use_effect_with((*tick, done), move |(_, done)| {
            if !*done {
                spawn_local(async move {
                    let now: Result<StatusView, ApiError> =
                        api::get(&format!("/api/v1/applications/{}?token={}", k.id, k.token)).await;
                    if matches!(&now, Ok(s) if s.issued_serial.is_some()) {
                        chain.set(Some(fetch_chain(&k).await));
                    }
                    status.set(Some(now));
                });
            }
        });
    }
    let k = &props.kept;
    let on_key = {
        let k = k.clone();
        Callback::from(move |_| {
            if let Ok(bytes) = Base64::decode_vec(&k.key_file) {
                let _ = download(&k.key_name, &bytes, "application/octet-stream");
            }
        })
    };
    let on_new = props.on_new.reform(|_: MouseEvent| ());
    let body = match &*status {
        None => {
            html! { <Busy what={Some(lang.t("正在查询申请状态…", "Fetching the application's status…").to_string())} /> }
        }
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(s)) => html! { <>
            <table class="fields">
                <tr><th>{ lang.t("申请编号", "Application") }</th><td id="ap-id">{ s.id }</td></tr>
                <tr><th>{ lang.t("办理内容", "Operation") }</th><td>{ operation_name(&s.operation, lang) }</td></tr>
                <tr><th>{ lang.t("状态", "Status") }</th><td id="ap-status" data-status={s.status.clone()}>{ status_name(&s.status, lang) }</td></tr>
                <tr><th>{ lang.t("提交时间（北京时间）", "Submitted (Beijing time)") }</th><td>{ show_time_text(&s.created_at) }</td></tr>
                if let Some(d) = &s.decided_at { <tr><th>{ lang.t("审核时间（北京时间）", "Decided (Beijing time)") }</th><td>{ show_time_text(d) }</td></tr> }
                if let Some(r) = &s.reason { <tr class="warn"><th>{ lang.t("驳回理由", "Reason") }</th><td id="ap-reason">{ r }</td></tr> }
                if let Some(serial) = &s.issued_serial { <tr><th>{ lang.t("证书序列号", "Certificate serial") }</th><td class="mono" id="ap-serial-issued">{ serial }</td></tr> }
            </table>
            if s.status == "pending" { <p class="hint">{ lang.t("等待 CA 审核，本页每 5 秒自动刷新。", "Waiting for the CA's review; this page refreshes every 5 seconds.") }</p> }
        </> },
    };
    let cert = match &*chain {
        None => html! {},
        Some(Err(e)) => html! { <ErrorBox error={Some(e.clone())} /> },
        Some(Ok((cert, pem))) => {
            let name = format!("certificate-{}.pem", k.id);
            let on_cert = {
                let pem = pem.clone();
                Callback::from(move |_| {
                    let _ = download(&name, pem.as_bytes(), "application/x-pem-file");
                })
            };
            let on_keep = {
                let (k, pem, kept_here, keeping) =
                    (k.clone(), pem.clone(), kept_here.clone(), keeping.clone());
                Callback::from(move |_| {
                    let (k, pem, kept_here, keeping) =
                        (k.clone(), pem.clone(), kept_here.clone(), keeping.clone());
                    keeping.set(true);
                    kept_here.set(None);
                    spawn_local(async move {
                        let r = keep_in_browser(&k, &pem).await;
                        keeping.set(false);
                        kept_here.set(Some(r));
                    });
                })
            };
            let on_login = props.on_login.reform(|_: MouseEvent| ());
            let who = cert.subject_info().map(|i| i.common_name).unwrap_or_default();
            html! { <div id="ap-certificate" class="receipt">
                <p class="ok" id="ap-cert-ok">{ lang.t("证书已签发，且与本机生成的密钥匹配：", "The certificate is issued and matches the key made here: ") }<b id="ap-cert-name">{ who.clone() }</b></p>
                <p>
                    <button type="button" id="ap-download-cert" onclick={on_cert}>{ lang.t("下载证书（含 CA 证书链，可直接登录）", "Download the certificate (with the CA chain, ready to log in)") }</button>
                    { " " }<button type="button" id="ap-keep" class="primary" onclick={on_keep} disabled={*keeping || matches!(&*kept_here, Some(Ok(())))}>
                        { lang.t("保存到本浏览器，用此证书登录", "Keep it in this browser and log in with it") }</button>
                </p>
                <p class="hint">{ lang.t("本浏览器只保存一组密钥和证书：保存后将替换此前保存的。", "This browser keeps one key and certificate: keeping this one replaces any kept before.") }</p>
                { match &*kept_here {
                    Some(Ok(())) => html! { <p class="ok" id="ap-kept">
                        { lang.t("已保存到本浏览器：", "Kept in this browser: ") }<b>{ who }</b>
                        { lang.t("。登录时只需输入密钥密码。", ". To log in, enter only the key password.") }
                        { " " }<button type="button" id="ap-go-login" onclick={on_login}>{ lang.t("前往登录", "Go to log in") }</button>
                    </p> },
                    Some(Err(e)) => html! { <ErrorBox error={Some(format!("{}: {e}", lang.t("未能保存到本浏览器（可下载密钥文件和证书后导入登录）", "Could not keep it in this browser (download the key file and the certificate and import them to log in)")))} /> },
                    None => html! {},
                } }
            </div> }
        }
    };
    html! {
        <section id="apply-status" class="card">
            <h1>{ lang.t("我的证书申请", "My certificate application") }</h1>
            { body }
            { cert }
            <p>
                <button type="button" id="ap-download-key" onclick={on_key}>{ lang.t("再次下载加密密钥文件", "Download the encrypted key file again") }</button>
                { " " }<button type="button" id="ap-new" onclick={on_new}>{ lang.t("提交新的申请", "Start another application") }</button>
            </p>
            <p class="hint">{ format!("{} {} · token {}", lang.t("请妥善保存密钥文件和密码。申请编号", "Keep the key file and its password safe. Application"), k.id, k.token) }</p>
        </section>
    }
}
