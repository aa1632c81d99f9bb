//! The unit certificate application (seed 004, 单位数字证书业务申请表),
//! for anyone, without logging in: the form, up to three seal samples, and a
//! key pair made here — the private key is encrypted in this browser under
//! the applicant's password and offered as a download; only the PKCS#10
//! request goes to the server. The application's number and status token
//! are kept in this browser, so the applicant can follow it and download the
//! issued certificate (with the issuing CA, ready for login) later.

use base64ct::{Base64, Encoding};
use gloo::storage::{LocalStorage, Storage};
use gloo::timers::callback::Interval;
use sealbid_crypto::pki::{Certificate, Csr, SubjectInfo};
use sealbid_crypto::{PrivateKey, Uscc, keyfile};
use serde::{Deserialize, Serialize};
use serde_json::json;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, chosen_file, download, field_checked, field_value, read_file};
use crate::components::{now_ms, yield_to_browser};
use crate::i18n::Lang;
use crate::pages::cert::role_name;
use crate::pages::show_time_text;

/// Where the applicant's application is kept.
const STORAGE_KEY: &str = "sealbid.application";

/// An application as kept in this browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptApplication {
    /// The application's number.
    pub id: i64,
    /// Its status token (the only way to follow it).
    pub token: String,
    /// The encrypted key file (PKCS#8 DER), base64.
    pub key_file: String,
    /// The key file's name for downloads.
    pub key_name: String,
    /// The public key, SEC1 hex (to check the issued certificate).
    pub public_key: String,
}

impl KeptApplication {
    fn load() -> Option<Self> {
        LocalStorage::get(STORAGE_KEY).ok()
    }

    fn save(&self) {
        let _ = LocalStorage::set(STORAGE_KEY, self);
    }
}

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

#[derive(Deserialize)]
struct Submitted {
    id: i64,
    token: String,
}

/// An application status for people.
pub fn status_name(status: &str, lang: Lang) -> String {
    match status {
        "pending" => lang.t("待审核", "Pending review"),
        "approved" => lang.t("已批准", "Approved"),
        "rejected" => lang.t("已驳回", "Rejected"),
        other => return other.to_string(),
    }
    .to_string()
}

/// An operation of the form (办理内容) for people.
pub fn operation_name(op: &str, lang: Lang) -> String {
    match op {
        "new" => lang.t("新申请", "New"),
        "renew" => lang.t("更新", "Renew"),
        "reissue" => lang.t("补办（key 损坏或丢失）", "Reissue (key damaged or lost)"),
        "unlock" => lang.t("解锁", "Unlock"),
        "revoke" => lang.t("注销", "Revoke"),
        "change" => lang.t("变更", "Change"),
        other => return other.to_string(),
    }
    .to_string()
}

/// An organisation kind for people.
pub fn kind_name(kind: &str, lang: Lang) -> String {
    match kind {
        "manufacturer" => lang.t("生产企业", "Manufacturer"),
        "hospital" => lang.t("医疗机构", "Hospital"),
        "regulator" => lang.t("监管部门", "Regulator"),
        "centre" => lang.t("采购中心", "Procurement centre"),
        other => return other.to_string(),
    }
    .to_string()
}

/// Checks the form in the browser and makes the request body without the
/// CSR; errors name the field as the form labels it.
fn read_form(lang: Lang) -> Result<(serde_json::Value, SubjectInfo, String), String> {
    let need = |id: &str, label: (&'static str, &'static str)| {
        let v = field_value(id).trim().to_string();
        if v.is_empty() {
            Err(format!("{}: {}", lang.t(label.0, label.1), lang.t("必填", "required")))
        } else {
            Ok(v)
        }
    };
    let org_name = need("ap-org", ("单位名称", "Unit name"))?;
    let uscc_text = need("ap-uscc", ("统一社会信用代码", "Unified social credit code"))?;
    let uscc = Uscc::parse(&uscc_text)
        .map_err(|e| format!("{}: {e}", lang.t("统一社会信用代码", "Unified social credit code")))?;
    let address = need("ap-address", ("单位地址", "Address"))?;
    let phone = need("ap-phone", ("单位电话", "Unit phone"))?;
    let agent_name = need("ap-agent", ("经办人姓名", "Agent's name"))?;
    let id_number = need("ap-idno", ("身份证号", "ID card number"))?;
    let agent_phone = need("ap-mobile", ("联系电话（手机）", "Mobile phone"))?;
    let operation = field_value("ap-operation");
    let serial = field_value("ap-serial").trim().to_string();
    if operation != "new" && serial.is_empty() {
        return Err(lang
            .t(
                "除新申请外，请填写本单位现有证书的序列号",
                "Except for a new application, enter the serial of the unit's certificate",
            )
            .into());
    }
    let password = field_value("ap-password");
    if password.chars().count() < 8 {
        return Err(lang.t("密钥密码至少 8 个字符", "The key password needs at least 8 characters").into());
    }
    if password != field_value("ap-password2") {
        return Err(lang.t("两次输入的密钥密码不一致", "The two key passwords differ").into());
    }
    let subject = SubjectInfo {
        organization: Some(org_name.clone()),
        uscc: Some(uscc.clone()),
        role: None,
        ..SubjectInfo::new(agent_name.clone())
    };
    subject.to_name().map_err(|e| e.to_string())?;
    let mut body = json!({
        "org_name": org_name, "uscc": uscc.as_str(), "kind": field_value("ap-kind"),
        "drug_account": field_checked("ap-drug"), "consumables_account": field_checked("ap-consumables"),
        "address": address, "phone": phone, "operation": operation, "agent_name": agent_name,
        "agent_id_number": id_number, "agent_phone": agent_phone, "role": field_value("ap-role"),
    });
    if operation != "new" {
        body["serial"] = json!(serial);
    }
    Ok((body, subject, password))
}

/// Makes the key, the request and the encrypted key file (slow: PBKDF2).
fn make_key(subject: &SubjectInfo, password: &str) -> Result<(String, Vec<u8>, String), String> {
    let key = PrivateKey::generate().map_err(|e| e.to_string())?;
    let csr = Csr::create(&key, subject).and_then(|c| c.to_pem()).map_err(|e| e.to_string())?;
    let file = keyfile::encrypt(&key, password.as_bytes()).map_err(|e| e.to_string())?;
    Ok((csr, file.to_vec(), hex::encode(key.public_key().to_sec1())))
}

/// The application page: the form, or the kept application's status.
#[component(ApplyPage)]
pub fn apply_page() -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let kept = use_state(KeptApplication::load);
    let samples = use_mut_ref(|| [None::<String>, None, None]);
    let operation = use_state(|| "new".to_string());
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    if let Some(k) = (*kept).clone() {
        let on_new = {
            let kept = kept.clone();
            Callback::from(move |_| {
                LocalStorage::delete(STORAGE_KEY);
                kept.set(None);
            })
        };
        return html! { <ApplicationStatus kept={k} {on_new} /> };
    }
    let on_sample = |n: usize| {
        let (samples, error) = (samples.clone(), error.clone());
        Callback::from(move |e: Event| {
            let Some(file) = chosen_file(&e) else { return };
            let (samples, error) = (samples.clone(), error.clone());
            spawn_local(async move {
                match read_file(&file).await {
                    Ok(bytes) => samples.borrow_mut()[n] = Some(Base64::encode_string(&bytes)),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let on_operation = {
        let operation = operation.clone();
        Callback::from(move |_: Event| operation.set(field_value("ap-operation")))
    };
    let on_submit = {
        let (kept, samples, busy, error) = (kept.clone(), samples.clone(), busy.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (mut body, subject, password) = match read_form(lang) {
                Ok(f) => f,
                Err(e) => return error.set(Some(e)),
            };
            body["seal_samples"] = json!(samples.borrow().iter().flatten().cloned().collect::<Vec<_>>());
            error.set(None);
            busy.set(Some(
                lang.t(
                    "正在本机生成 SM2 密钥、证书请求并加密密钥文件…",
                    "Making the SM2 key and the certificate request and encrypting the key file on this computer…",
                )
                .into(),
            ));
            let (kept, busy, error) = (kept.clone(), busy.clone(), error.clone());
            spawn_local(async move {
                yield_to_browser().await;
                let started = now_ms();
                let (csr, file, public_key) = match make_key(&subject, &password) {
                    Ok(k) => k,
                    Err(e) => {
                        busy.set(None);
                        return error
                            .set(Some(format!("{}: {e}", lang.t("密钥生成失败", "Key generation failed"))));
                    }
                };
                gloo::console::log!(format!(
                    "key, request and key file made in {:.0} ms",
                    now_ms() - started
                ));
                body["csr_pem"] = json!(csr);
                busy.set(Some(lang.t("正在提交申请…", "Submitting the application…").into()));
                let result: Result<Submitted, ApiError> = api::post_json("/api/v1/applications", &body).await;
                busy.set(None);
                match result {
                    Ok(s) => {
                        let k = KeptApplication {
                            id: s.id,
                            token: s.token,
                            key_file: Base64::encode_string(&file),
                            key_name: format!("{}.p8", subject.common_name),
                            public_key,
                        };
                        k.save();
                        if let Err(e) = download(&k.key_name, &file, "application/octet-stream") {
                            gloo::console::warn!(e);
                        }
                        kept.set(Some(k));
                    }
                    Err(e) => error
                        .set(Some(format!("{}: {e}", lang.t("申请未被受理", "The application was refused")))),
                }
            });
        })
    };
    let text = |id: &'static str, label: &'static str, hint: &'static str| {
        html! { <label>{ label }<input type="text" id={id} placeholder={hint} /></label> }
    };
    let options = |values: &[&'static str], name: fn(&str, Lang) -> String| {
        // `selected` on the first: yew inserts options last first, which would select the last.
        values
            .iter()
            .enumerate()
            .map(|(i, v)| html! { <option value={*v} selected={i == 0}>{ name(v, lang) }</option> })
            .collect::<Html>()
    };
    html! {
        <section id="apply-page" class="card">
            <h1>{ lang.t("单位数字证书业务申请", "Unit certificate application") }</h1>
            <p class="hint">{ lang.t("密钥在本机浏览器中生成并用您的密码加密；服务器只收到证书请求（PKCS#10）。", "The key is made in this browser and encrypted under your password; the server receives only the certificate request (PKCS#10).") }</p>
            <form onsubmit={on_submit} class="grid">
                { text("ap-org", lang.t("单位名称 *", "Unit name *"), "") }
                { text("ap-uscc", lang.t("统一社会信用代码 *", "Unified social credit code *"), "18 位 / 18 characters") }
                <label>{ lang.t("单位类型", "Kind of unit") }<select id="ap-kind">{ options(&["manufacturer", "hospital", "regulator", "centre"], kind_name) }</select></label>
                { text("ap-address", lang.t("单位地址 *", "Address *"), "") }
                { text("ap-phone", lang.t("单位电话 *", "Unit phone *"), "") }
                <label class="check"><input type="checkbox" id="ap-drug" />{ lang.t("药品账号（权限）", "Drug account") }</label>
                <label class="check"><input type="checkbox" id="ap-consumables" />{ lang.t("耗材账号（权限）", "Consumables account") }</label>
                <label>{ lang.t("办理内容", "Operation") }<select id="ap-operation" onchange={on_operation}>{ options(&["new", "renew", "reissue", "unlock", "revoke", "change"], operation_name) }</select></label>
                if *operation != "new" { { text("ap-serial", lang.t("现有证书序列号 *", "Serial of the unit's certificate *"), "hex") } }
                <label>{ lang.t("证书角色", "Role of the certificate") }<select id="ap-role">{ options(&["bidder", "hospital", "regulator", "centre", "official", "operator"], role_name) }</select></label>
                { text("ap-agent", lang.t("经办人姓名 *", "Agent's name *"), "") }
                { text("ap-idno", lang.t("身份证号 *", "ID card number *"), "") }
                { text("ap-mobile", lang.t("联系电话（手机）*", "Mobile phone *"), "") }
                <fieldset><legend>{ lang.t("印章采集（最多三个样本，PNG/JPEG，200dpi 以上）", "Seal samples (up to three, PNG/JPEG, 200 dpi or more)") }</legend>
                    { for (0..3).map(|n| html! { <input type="file" id={format!("ap-sample-{}", n + 1)} accept="image/png,image/jpeg" onchange={on_sample(n)} /> }) }
                </fieldset>
                <label>{ lang.t("密钥密码（至少 8 位）*", "Key password (8 characters or more) *") }<input type="password" id="ap-password" autocomplete="new-password" /></label>
                <label>{ lang.t("再次输入密钥密码 *", "Key password again *") }<input type="password" id="ap-password2" autocomplete="new-password" /></label>
                <button type="submit" id="ap-submit" disabled={busy.is_some()}>{ lang.t("生成密钥并提交申请", "Make the key and apply") }</button>
            </form>
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
        </section>
    }
}

/// Properties of [`ApplicationStatus`].
#[derive(Properties, PartialEq)]
pub struct StatusProps {
    /// The kept application.
    pub kept: KeptApplication,
    /// Called to start another application.
    pub on_new: Callback<()>,
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

/// The status of the kept application, refreshed every 5 seconds while pending.
#[component(ApplicationStatus)]
pub fn application_status(props: &StatusProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let status = use_state(|| None::<Result<StatusView, ApiError>>);
    let tick = use_state(|| 0u32);
    let chain = use_state(|| None::<Result<(Certificate, String), String>>);
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
            let pem = pem.clone();
            let name = format!("certificate-{}.pem", k.id);
            let on_cert = Callback::from(move |_| {
                let _ = download(&name, pem.as_bytes(), "application/x-pem-file");
            });
            let who = cert.subject_info().map(|i| i.common_name).unwrap_or_default();
            html! { <div id="ap-certificate" class="receipt">
                <p class="ok" id="ap-cert-ok">{ lang.t("证书已签发，且与本机生成的密钥匹配：", "The certificate is issued and matches the key made here: ") }<b id="ap-cert-name">{ who }</b></p>
                <button type="button" id="ap-download-cert" onclick={on_cert}>{ lang.t("下载证书（含 CA 证书链，可直接登录）", "Download the certificate (with the CA chain, ready to log in)") }</button>
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
