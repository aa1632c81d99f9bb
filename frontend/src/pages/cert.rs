//! My certificate: who it names, its serial and validity, days left; export
//! the encrypted key file kept in this browser.

use base64ct::{Base64, Encoding};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::{ErrorBox, download};
use crate::i18n::Lang;
use crate::keystore;
use crate::pages::{show_duration, show_time};
use crate::session::Session;

/// Properties of [`CertPage`].
#[derive(Properties, PartialEq)]
pub struct CertProps {
    /// The session whose certificate is shown.
    pub session: Session,
}

/// A role's name for people.
pub fn role_name(role: &str, lang: Lang) -> String {
    match role {
        "bidder" => lang.t("投标人（生产企业）", "Bidder (manufacturer)"),
        "official" => lang.t("开标委员", "Opening official"),
        "centre" => lang.t("采购中心", "Procurement centre"),
        "hospital" => lang.t("医疗机构", "Hospital"),
        "regulator" => lang.t("监管部门", "Regulator"),
        "operator" => lang.t("CA 运营", "CA operator"),
        other => return other.to_string(),
    }
    .to_string()
}

/// The certificate page.
#[component(CertPage)]
pub fn cert_page(props: &CertProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let error = use_state(|| None::<String>);
    let cert = &props.session.identity.cert;
    let user = &props.session.user;
    let info = cert.subject_info().ok();
    let not_after = cert.not_after().ok();
    let now = time::OffsetDateTime::now_utc();
    let left = not_after.map(|t| t - now);
    let row = |label: &'static str, value: String, id: &'static str| {
        html! { <tr><th>{ label }</th><td id={id}>{ value }</td></tr> }
    };
    let on_export = {
        let error = error.clone();
        Callback::from(move |_| {
            let error = error.clone();
            spawn_local(async move {
                let Some(stored) = keystore::load().await else {
                    error
                        .set(Some(lang.t("本浏览器中没有保存密钥", "no key is kept in this browser").into()));
                    return;
                };
                let result = Base64::decode_vec(&stored.key_file)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| download(&stored.key_name, &bytes, "application/octet-stream"));
                error.set(result.err());
            });
        })
    };
    let expiry_class = match left {
        Some(d) if d.whole_days() < 30 => "warn",
        _ => "",
    };
    html! {
        <section id="cert-page" class="card">
            <h1>{ lang.t("我的证书", "My certificate") }</h1>
            <table class="fields">
                { row(lang.t("姓名", "Name"), info.as_ref().map(|i| i.common_name.clone()).unwrap_or_default(), "cert-name") }
                { row(lang.t("单位", "Organisation"), user.organization.clone().unwrap_or_default(), "cert-org") }
                { row(lang.t("统一社会信用代码", "Unified social credit code"), user.uscc.clone().unwrap_or_default(), "cert-uscc") }
                { row(lang.t("角色", "Role"), role_name(&user.role, lang), "cert-role") }
                { row(lang.t("证书序列号", "Serial number"), user.serial.clone(), "cert-serial") }
                { row(lang.t("颁发者", "Issuer"), cert.issuer(), "cert-issuer") }
                { row(lang.t("生效时间（北京时间）", "Valid from (Beijing time)"), cert.not_before().map(show_time).unwrap_or_default(), "cert-from") }
                { row(lang.t("到期时间（北京时间）", "Expires (Beijing time)"), not_after.map(show_time).unwrap_or_default(), "cert-expiry") }
                <tr class={expiry_class}><th>{ lang.t("剩余有效期", "Time left") }</th>
                    <td id="cert-left">{ left.map(show_duration).unwrap_or_default() }</td></tr>
                { row(lang.t("SM3 指纹", "SM3 fingerprint"), hex::encode(cert.fingerprint()), "cert-fingerprint") }
            </table>
            <p>
                <button type="button" id="export-key" onclick={on_export}>{ lang.t("导出加密密钥文件", "Export the encrypted key file") }</button>
            </p>
            <ErrorBox error={(*error).clone()} />
        </section>
    }
}
