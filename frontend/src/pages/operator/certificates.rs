//! Issued certificates: the ones expiring soon (expiry reminders), and for
//! any serial its live status, revocation with a reason (the CRL is
//! regenerated at once) and lifting a login lockout.

use serde::Deserialize;
use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, field_value};
use crate::i18n::Lang;
use crate::pages::cert::role_name;
use crate::pages::operator::outcome_html;
use crate::pages::show_time_text;

/// A certificate expiring soon (`GET /api/v1/certificates/expiring`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Expiring {
    /// Serial, hex.
    pub serial: String,
    /// Subject.
    pub subject: String,
    /// Role.
    pub role: Option<String>,
    /// End of validity.
    pub not_after: String,
}

/// Revocation reasons an operator chooses from (RFC 5280, kebab-case).
const REASONS: [(&str, &str, &str); 5] = [
    ("key-compromise", "密钥泄露", "Key compromise"),
    ("superseded", "已被替代", "Superseded"),
    ("cessation-of-operation", "停止使用", "Cessation of operation"),
    ("affiliation-changed", "隶属关系变更", "Affiliation changed"),
    ("unspecified", "未说明", "Unspecified"),
];

/// A certificate's status for people.
fn status_text(v: &Value, lang: Lang) -> String {
    let status = v["status"].as_str().unwrap_or_default();
    let subject = v["subject"].as_str().unwrap_or_default();
    match status {
        "good" => format!("{} · {subject}", lang.t("有效", "Good")),
        "revoked" => format!(
            "{} ({}, {}) · {subject}",
            lang.t("已吊销", "Revoked"),
            v["reason"].as_str().unwrap_or_default(),
            show_time_text(v["revoked_at"].as_str().unwrap_or_default())
        ),
        _ => lang.t("本 CA 未签发此证书", "Not issued by this CA").to_string(),
    }
}

/// The certificates page.
#[component(CertificatesPage)]
pub fn certificates_page() -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let days = use_state(|| 30i64);
    let expiring = use_state(|| None::<Result<Vec<Expiring>, ApiError>>);
    let serial = use_state(String::new);
    let outcome = use_state(|| None::<Result<String, String>>);
    let busy = use_state(|| None::<String>);
    {
        let expiring = expiring.clone();
        use_effect_with(*days, move |d| {
            let path = format!("/api/v1/certificates/expiring?days={d}");
            spawn_local(async move { expiring.set(Some(api::get(&path).await)) });
        });
    }
    let days_text = use_mut_ref(|| "30".to_string());
    let on_days_text = {
        let days_text = days_text.clone();
        Callback::from(move |_: InputEvent| *days_text.borrow_mut() = field_value("op-expiring-days"))
    };
    let on_days = {
        let (days, outcome) = (days.clone(), outcome.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match field_value("op-expiring-days").trim().parse::<i64>() {
                Ok(d) if (1..=3650).contains(&d) => days.set(d),
                _ => outcome.set(Some(Err(lang.t("天数须在 1 到 3650 之间", "Days: 1 to 3650").into()))),
            }
        })
    };
    // The serial is state (a re-render would otherwise reset what was typed).
    let on_serial = {
        let serial = serial.clone();
        Callback::from(move |_: InputEvent| serial.set(field_value("op-serial")))
    };
    // One action on the serial in the form: status, revoke or unlock.
    let act = |what: &'static str| {
        let (outcome, busy, expiring, days) = (outcome.clone(), busy.clone(), expiring.clone(), *days);
        Callback::from(move |_: MouseEvent| {
            let serial = field_value("op-serial").trim().to_string();
            if serial.is_empty() {
                return outcome
                    .set(Some(Err(lang.t("请输入证书序列号", "Enter a certificate serial").into())));
            }
            let (outcome, busy, expiring) = (outcome.clone(), busy.clone(), expiring.clone());
            busy.set(Some(lang.t("正在处理…", "Working…").into()));
            spawn_local(async move {
                let r: Result<String, ApiError> = match what {
                    "revoke" => {
                        let body = json!({ "reason": field_value("op-revoke-reason") });
                        api::post_json::<_, Value>(&format!("/api/v1/certificates/{serial}/revoke"), &body)
                            .await
                            .map(|v| {
                                format!(
                                    "{} {serial} · CRL #{}",
                                    lang.t("已吊销证书", "Revoked certificate"),
                                    v["crl_number"]
                                )
                            })
                    }
                    "unlock" => api::post_json::<_, Value>(
                        &format!("/api/v1/certificates/{serial}/unlock"),
                        &json!({}),
                    )
                    .await
                    .map(|v| {
                        if v["was_locked"].as_bool() == Some(true) {
                            format!("{} {serial}", lang.t("已解除登录锁定：", "Login lock lifted: "))
                        } else {
                            format!("{serial}: {}", lang.t("未被锁定", "was not locked"))
                        }
                    }),
                    _ => api::get::<Value>(&format!("/api/v1/pki/certificates/{serial}/status"))
                        .await
                        .map(|v| format!("{serial}: {}", status_text(&v, lang))),
                };
                busy.set(None);
                outcome.set(Some(r.map_err(|e| e.to_string())));
                let path = format!("/api/v1/certificates/expiring?days={days}");
                expiring.set(Some(api::get(&path).await));
            });
        })
    };
    let list = match &*expiring {
        None => html! { <Busy what={Some(lang.t("正在读取…", "Loading…").to_string())} /> },
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(v)) if v.is_empty() => {
            html! { <p id="op-none-expiring">{ lang.t("此期间内没有到期的证书。", "No certificate expires within this period.") }</p> }
        }
        Some(Ok(v)) => html! {
            <table class="list" id="op-expiring">
                <thead><tr><th>{ lang.t("序列号", "Serial") }</th><th>{ lang.t("主体", "Subject") }</th><th>{ lang.t("角色", "Role") }</th>
                    <th>{ lang.t("到期（北京时间）", "Expires (Beijing time)") }</th><th></th></tr></thead>
                <tbody>{ for v.iter().map(|c| {
                    let (serial, s) = (serial.clone(), c.serial.clone());
                    html! { <tr>
                        <td class="mono">{ &c.serial }</td><td>{ &c.subject }</td>
                        <td>{ c.role.as_deref().map(|r| role_name(r, lang)).unwrap_or_default() }</td><td>{ show_time_text(&c.not_after) }</td>
                        <td><button type="button" class="pick" onclick={Callback::from(move |_| serial.set(s.clone()))}>{ lang.t("选择", "Choose") }</button></td>
                    </tr> }
                }) }</tbody>
            </table>
        },
    };
    html! {
        <section id="op-certificates-page" class="card">
            <h1>{ lang.t("证书管理", "Certificates") }</h1>
            <h2>{ lang.t("证书操作", "Act on a certificate") }</h2>
            <div class="actions">
                <label class="inline">{ lang.t("序列号", "Serial") }<input type="text" id="op-serial" class="mono" value={(*serial).clone()} oninput={on_serial} /></label>
                <button type="button" id="op-status" onclick={act("status")} disabled={busy.is_some()}>{ lang.t("查询状态", "Status") }</button>
                <button type="button" id="op-unlock" onclick={act("unlock")} disabled={busy.is_some()}>{ lang.t("解锁登录", "Unlock login") }</button>
            </div>
            <div class="actions">
                <label class="inline">{ lang.t("吊销原因", "Reason") }
                    <select id="op-revoke-reason">{ for REASONS.iter().enumerate().map(|(i, &(v, zh, en))| html! { <option value={v} selected={i == 0}>{ lang.t(zh, en) }</option> }) }</select></label>
                <button type="button" id="op-revoke" class="primary" onclick={act("revoke")} disabled={busy.is_some()}>{ lang.t("吊销证书", "Revoke") }</button>
            </div>
            <Busy what={(*busy).clone()} />
            { outcome_html(&outcome, "op-cert-outcome") }
            <h2>{ lang.t("即将到期的证书", "Expiring soon") }</h2>
            <form onsubmit={on_days} class="actions">
                <label class="inline">{ lang.t("天数", "Within days") }<input type="text" id="op-expiring-days" class="short" value={days_text.borrow().clone()} oninput={on_days_text} /></label>
                <button type="submit" id="op-expiring-go">{ lang.t("查询", "Show") }</button>
            </form>
            { list }
        </section>
    }
}
