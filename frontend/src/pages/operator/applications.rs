//! Reviewing certificate applications: the list by status, one application
//! with its form, the request's subject (its signature checked here) and the
//! seal samples; approve (validity in days) or reject with a reason.

use sealbid_crypto::pki::Csr;
use serde::Deserialize;
use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, field_value};
use crate::i18n::Lang;
use crate::pages::apply::{kind_name, operation_name, status_name};
use crate::pages::cert::role_name;
use crate::pages::operator::outcome_html;
use crate::pages::show_time_text;

/// An application as the operator sees it (`GET /api/v1/applications`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Application {
    /// Number.
    pub id: i64,
    /// 单位名称.
    pub org_name: String,
    /// Credit code.
    pub uscc: String,
    /// Organisation kind.
    pub kind: String,
    /// Drug account.
    pub drug_account: bool,
    /// Consumables account.
    pub consumables_account: bool,
    /// Address.
    pub address: String,
    /// Unit phone.
    pub phone: String,
    /// Operation.
    pub operation: String,
    /// Agent.
    pub agent_name: String,
    /// Agent's ID number.
    pub agent_id_number: String,
    /// Agent's phone.
    pub agent_phone: String,
    /// Requested role.
    pub role: String,
    /// The request, PEM.
    pub csr_pem: String,
    /// Status.
    pub status: String,
    /// Why rejected.
    pub reason: Option<String>,
    /// Issued serial.
    pub issued_serial: Option<String>,
    /// Submitted.
    pub created_at: String,
    /// The certificate the operation applies to.
    pub target_serial: Option<String>,
    /// Records kept until.
    pub retain_until: Option<String>,
}

/// The request's subject as the browser reads it, its signature checked.
fn csr_subject(pem: &str) -> String {
    match Csr::from_pem(pem).and_then(|c| c.verify()) {
        Ok(v) => {
            let s = v.subject();
            format!("{} · {}", s.common_name, s.organization.clone().unwrap_or_default())
        }
        Err(e) => format!("✗ {e}"),
    }
}

/// The applications page.
#[component(ApplicationsPage)]
pub fn applications_page() -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let filter = use_state(|| "pending".to_string());
    let reload = use_state(|| 0u32);
    let list = use_state(|| None::<Result<Vec<Application>, ApiError>>);
    let chosen = use_state(|| None::<i64>);
    let outcome = use_state(|| None::<Result<String, String>>);
    let busy = use_state(|| None::<String>);
    {
        let list = list.clone();
        use_effect_with(((*filter).clone(), *reload), move |(f, _)| {
            let path = if f.is_empty() {
                "/api/v1/applications".to_string()
            } else {
                format!("/api/v1/applications?status={f}")
            };
            spawn_local(async move { list.set(Some(api::get(&path).await)) });
        });
    }
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |_: Event| filter.set(field_value("op-app-filter")))
    };
    let decide = |approve: bool| {
        let (chosen, outcome, busy, reload) = (chosen.clone(), outcome.clone(), busy.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(id) = *chosen else { return };
            let (path, body) = if approve {
                let days = field_value("op-days").trim().parse::<i64>().unwrap_or(365);
                (format!("/api/v1/applications/{id}/approve"), json!({ "days": days }))
            } else {
                let reason = field_value("op-reason").trim().to_string();
                if reason.is_empty() {
                    outcome.set(Some(Err(lang
                        .t("请填写驳回理由", "Enter the reason for the rejection")
                        .into())));
                    return;
                }
                (format!("/api/v1/applications/{id}/reject"), json!({ "reason": reason }))
            };
            busy.set(Some(lang.t("正在处理…", "Working…").into()));
            let (outcome, busy, reload) = (outcome.clone(), busy.clone(), reload.clone());
            spawn_local(async move {
                let r: Result<Value, ApiError> = api::post_json(&path, &body).await;
                busy.set(None);
                outcome.set(Some(match r {
                    Ok(v) => Ok(describe(&v, lang)),
                    Err(e) => Err(e.to_string()),
                }));
                reload.set(*reload + 1);
            });
        })
    };
    let rows = match &*list {
        None => {
            html! { <Busy what={Some(lang.t("正在读取申请…", "Loading the applications…").to_string())} /> }
        }
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(v)) if v.is_empty() => {
            html! { <p id="op-no-applications">{ lang.t("没有符合条件的申请。", "No applications.") }</p> }
        }
        Some(Ok(v)) => html! {
            <table class="list" id="op-applications">
                <thead><tr><th>{ "#" }</th><th>{ lang.t("单位", "Unit") }</th><th>{ lang.t("经办人", "Agent") }</th>
                    <th>{ lang.t("办理内容", "Operation") }</th><th>{ lang.t("状态", "Status") }</th><th>{ lang.t("提交时间", "Submitted") }</th><th></th></tr></thead>
                <tbody>{ for v.iter().map(|a| {
                    let (chosen, outcome, id) = (chosen.clone(), outcome.clone(), a.id);
                    html! { <tr>
                        <td>{ a.id }</td><td>{ &a.org_name }</td><td>{ &a.agent_name }</td><td>{ operation_name(&a.operation, lang) }</td>
                        <td>{ status_name(&a.status, lang) }</td><td>{ show_time_text(&a.created_at) }</td>
                        <td><button type="button" class="review" data-id={a.id.to_string()}
                            onclick={Callback::from(move |_| { outcome.set(None); chosen.set(Some(id)) })}>{ lang.t("审核", "Review") }</button></td>
                    </tr> }
                }) }</tbody>
            </table>
        },
    };
    let current = match (&*list, *chosen) {
        (Some(Ok(v)), Some(id)) => v.iter().find(|a| a.id == id).cloned(),
        _ => None,
    };
    html! {
        <section id="op-applications-page" class="card">
            <h1>{ lang.t("证书申请审核", "Certificate applications") }</h1>
            <label class="inline">{ lang.t("状态：", "Status: ") }
                <select id="op-app-filter" onchange={on_filter}>
                    <option value="pending" selected=true>{ status_name("pending", lang) }</option>
                    <option value="approved">{ status_name("approved", lang) }</option>
                    <option value="rejected">{ status_name("rejected", lang) }</option>
                    <option value="">{ lang.t("全部", "All") }</option>
                </select></label>
            { rows }
            { outcome_html(&outcome, "op-outcome") }
            if let Some(a) = current { { detail(&a, lang, decide(true), decide(false), (*busy).clone()) } }
        </section>
    }
}

/// A decision's answer for people.
fn describe(v: &Value, lang: Lang) -> String {
    let id = v["id"].as_i64().unwrap_or_default();
    match (v["status"].as_str(), v["issued_serial"].as_str(), v["revoked_serial"].as_str()) {
        (Some("rejected"), _, _) => {
            format!("{} {id} {}", lang.t("申请", "Application"), lang.t("已驳回", "rejected"))
        }
        (Some("awaiting_second_approval"), _, _) => format!(
            "{} {id}: {}",
            lang.t("申请", "Application"),
            lang.t(
                "特权角色，已记录您的批准，须另一名操作员再次批准后签发",
                "a privileged role: your approval is recorded; a second, different operator must approve before it is issued"
            )
        ),
        (_, Some(serial), _) => format!(
            "{} {id}: {} {serial}",
            lang.t("申请", "Application"),
            lang.t("已签发证书", "certificate issued")
        ),
        (_, _, Some(serial)) => format!(
            "{} {id}: {} {serial}",
            lang.t("申请", "Application"),
            lang.t("已注销证书", "certificate revoked")
        ),
        _ => format!("{} {id} {}", lang.t("申请", "Application"), lang.t("已批准", "approved")),
    }
}

fn detail(
    a: &Application,
    lang: Lang,
    approve: Callback<MouseEvent>,
    reject: Callback<MouseEvent>,
    busy: Option<String>,
) -> Html {
    let row = |label: &'static str, value: String| html! { <tr><th>{ label }</th><td>{ value }</td></tr> };
    let yes = |b: bool| if b { lang.t("有", "yes") } else { lang.t("无", "no") }.to_string();
    let hide = Callback::from(|e: Event| {
        if let Some(t) = e.target() {
            let _ = js_sys::Reflect::set(&t, &"hidden".into(), &true.into());
        }
    });
    html! {
        <div id="op-application" class="receipt">
            <h2>{ format!("{} {}", lang.t("申请", "Application"), a.id) }</h2>
            <table class="fields">
                { row(lang.t("单位名称", "Unit name"), a.org_name.clone()) }
                { row(lang.t("统一社会信用代码", "Credit code"), a.uscc.clone()) }
                { row(lang.t("单位类型", "Kind"), kind_name(&a.kind, lang)) }
                { row(lang.t("药品 / 耗材账号", "Drug / consumables account"), format!("{} / {}", yes(a.drug_account), yes(a.consumables_account))) }
                { row(lang.t("单位地址、电话", "Address, phone"), format!("{} · {}", a.address, a.phone)) }
                { row(lang.t("办理内容", "Operation"), operation_name(&a.operation, lang)) }
                if let Some(t) = &a.target_serial { { row(lang.t("所涉证书", "Certificate concerned"), t.clone()) } }
                { row(lang.t("经办人 · 身份证号 · 手机", "Agent · ID number · mobile"), format!("{} · {} · {}", a.agent_name, a.agent_id_number, a.agent_phone)) }
                { row(lang.t("证书角色", "Role"), role_name(&a.role, lang)) }
                <tr><th>{ lang.t("证书请求主体（已验签）", "Request subject (signature checked)") }</th><td id="op-csr-subject">{ csr_subject(&a.csr_pem) }</td></tr>
                if let Some(r) = &a.reason { { row(lang.t("驳回理由", "Reason"), r.clone()) } }
                if let Some(s) = &a.issued_serial { <tr><th>{ lang.t("签发证书", "Issued certificate") }</th><td class="mono" id="op-issued-serial">{ s }</td></tr> }
                if let Some(r) = &a.retain_until { { row(lang.t("档案保存至", "Records kept until"), show_time_text(r)) } }
            </table>
            <h3>{ lang.t("印章样本", "Seal samples") }</h3>
            <div class="samples" id="op-samples">
                { for (1..=3).map(|n| html! {
                    <img class="sample" alt={format!("seal sample {n}")} onerror={hide.clone()}
                         src={format!("/api/v1/applications/{}/seal-samples/{n}", a.id)} /> }) }
            </div>
            if a.status == "pending" {
                <div class="actions">
                    <label class="inline">{ lang.t("有效期（天）", "Validity (days)") }<input type="text" id="op-days" value="365" class="short" /></label>
                    <button type="button" id="op-approve" class="primary" onclick={approve} disabled={busy.is_some()}>{ lang.t("批准并办理", "Approve and carry out") }</button>
                </div>
                <div class="actions">
                    <label class="inline">{ lang.t("驳回理由", "Reason") }<input type="text" id="op-reason" /></label>
                    <button type="button" id="op-reject" onclick={reject} disabled={busy.is_some()}>{ lang.t("驳回", "Reject") }</button>
                </div>
            }
            <Busy what={busy} />
        </div>
    }
}
