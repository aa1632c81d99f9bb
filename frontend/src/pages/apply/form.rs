//! The application form: the unit, the agent, the operation, up to three
//! seal samples and the key password. On submit the form is checked here,
//! the SM2 key, the PKCS#10 request and the encrypted key file are made in
//! the browser, the request goes to the server, and the key file is offered
//! as a download.

use base64ct::{Base64, Encoding};
use sealbid_crypto::pki::{Csr, SubjectInfo};
use sealbid_crypto::{PrivateKey, Uscc, keyfile};
use serde::Deserialize;
use serde_json::json;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::{KeptApplication, kind_name, operation_name};
use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, chosen_file, download, field_checked, field_value, read_file};
use crate::components::{now_ms, yield_to_browser};
use crate::i18n::Lang;
use crate::pages::cert::role_name;

/// What the server answers to a new application.
#[derive(Deserialize)]
struct Submitted {
    id: i64,
    token: String,
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

/// Properties of [`ApplicationForm`].
#[derive(Properties, PartialEq)]
pub struct FormProps {
    /// Called with the application once the server accepted it (the key
    /// file has been offered as a download).
    pub on_submitted: Callback<KeptApplication>,
}

/// The application form.
#[component(ApplicationForm)]
pub fn application_form(props: &FormProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let samples = use_mut_ref(|| [None::<String>, None, None]);
    let operation = use_state(|| "new".to_string());
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
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
        let (samples, busy, error) = (samples.clone(), busy.clone(), error.clone());
        let on_submitted = props.on_submitted.clone();
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
            let (busy, error, on_submitted) = (busy.clone(), error.clone(), on_submitted.clone());
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
                        if let Err(e) = download(&k.key_name, &file, "application/octet-stream") {
                            gloo::console::warn!(e);
                        }
                        on_submitted.emit(k);
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
