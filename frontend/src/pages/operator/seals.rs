//! Organisations' seals: every application with its picture; approve (the
//! seal authority makes the GB/T 38540 seal) or reject a pending one,
//! suspend, reinstate or revoke a made one. Rejecting, suspending and
//! revoking need the reason typed above the list.

use serde::Deserialize;
use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, field_value};
use crate::i18n::Lang;
use crate::pages::operator::outcome_html;
use crate::pages::show_time_text;

/// A seal (`GET /api/v1/seals`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Seal {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_name: String,
    /// Seal name.
    pub name: String,
    /// `official`, `contract`, `finance` or `filing`.
    pub kind: String,
    /// The holder certificate's serial.
    pub holder_serial: String,
    /// Status.
    pub status: String,
    /// Why rejected, suspended or revoked.
    pub reason: Option<String>,
    /// Last change.
    pub updated_at: String,
}

/// A seal status for people.
pub fn seal_status(status: &str, lang: Lang) -> String {
    match status {
        "pending" => lang.t("待审核", "Pending"),
        "rejected" => lang.t("已驳回", "Rejected"),
        "active" => lang.t("有效", "Active"),
        "suspended" => lang.t("已暂停", "Suspended"),
        "revoked" => lang.t("已注销", "Revoked"),
        other => return other.to_string(),
    }
    .to_string()
}

/// A seal kind for people.
pub fn seal_kind(kind: &str, lang: Lang) -> String {
    match kind {
        "official" => lang.t("公章", "Official seal"),
        "contract" => lang.t("合同专用章", "Contract seal"),
        "finance" => lang.t("财务专用章", "Finance seal"),
        "filing" => lang.t("备案专用章", "Filing seal"),
        other => return other.to_string(),
    }
    .to_string()
}

/// The heading cells of a seal table: number, picture, seal, holder, status.
pub fn seal_headings(lang: Lang) -> Html {
    html! { <>
        <th>{ "#" }</th><th>{ lang.t("印模", "Picture") }</th><th>{ lang.t("印章", "Seal") }</th>
        <th>{ lang.t("持有证书", "Holder certificate") }</th><th>{ lang.t("状态", "Status") }</th>
    </> }
}

/// A seal's cells under [`seal_headings`].
pub fn seal_cells(s: &Seal, lang: Lang) -> Html {
    html! { <>
        <td>{ s.id }</td>
        <td><img class="seal-picture" alt={s.name.clone()} src={format!("/api/v1/seals/{}/picture", s.id)} /></td>
        <td>{ &s.name }<br /><small>{ seal_kind(&s.kind, lang) }</small></td>
        <td class="mono">{ &s.holder_serial }</td>
        <td class="seal-status">{ seal_status(&s.status, lang) }
            if let Some(r) = &s.reason { <br /><small>{ r }</small> }
            <br /><small>{ show_time_text(&s.updated_at) }</small></td>
    </> }
}

/// What may be done to a seal in `status`: (action, needs a reason, zh, en).
fn actions(status: &str) -> &'static [(&'static str, bool, &'static str, &'static str)] {
    match status {
        "pending" => &[("approve", false, "批准制章", "Approve"), ("reject", true, "驳回", "Reject")],
        "active" => &[("suspend", true, "暂停", "Suspend"), ("revoke", true, "注销", "Revoke")],
        "suspended" => &[("reinstate", false, "恢复", "Reinstate"), ("revoke", true, "注销", "Revoke")],
        _ => &[],
    }
}

/// The seals page.
#[component(SealsPage)]
pub fn seals_page() -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let reload = use_state(|| 0u32);
    let list = use_state(|| None::<Result<Vec<Seal>, ApiError>>);
    let outcome = use_state(|| None::<Result<String, String>>);
    let busy = use_state(|| None::<String>);
    {
        let list = list.clone();
        use_effect_with(*reload, move |_| {
            spawn_local(async move { list.set(Some(api::get("/api/v1/seals").await)) });
        });
    }
    let act = |id: i64, action: &'static str, needs_reason: bool| {
        let (outcome, busy, reload) = (outcome.clone(), busy.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let reason = field_value("op-seal-reason").trim().to_string();
            if needs_reason && reason.is_empty() {
                return outcome.set(Some(Err(lang.t("请先填写理由", "Enter the reason first").into())));
            }
            let body = if needs_reason { json!({ "reason": reason }) } else { json!({}) };
            let (outcome, busy, reload) = (outcome.clone(), busy.clone(), reload.clone());
            busy.set(Some(lang.t("正在处理…", "Working…").into()));
            spawn_local(async move {
                let r: Result<Value, ApiError> =
                    api::post_json(&format!("/api/v1/seals/{id}/{action}"), &body).await;
                busy.set(None);
                outcome.set(Some(
                    r.map(|v| {
                        format!(
                            "{} {id}: {}",
                            lang.t("印章", "Seal"),
                            seal_status(v["status"].as_str().unwrap_or_default(), lang)
                        )
                    })
                    .map_err(|e| e.to_string()),
                ));
                reload.set(*reload + 1);
            });
        })
    };
    let table = match &*list {
        None => html! { <Busy what={Some(lang.t("正在读取印章…", "Loading the seals…").to_string())} /> },
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(v)) if v.is_empty() => {
            html! { <p id="op-no-seals">{ lang.t("还没有印章申请。", "No seal applications yet.") }</p> }
        }
        Some(Ok(v)) => html! {
            <table class="list" id="op-seals">
                <thead><tr>{ seal_headings(lang) }<th>{ lang.t("单位", "Organisation") }</th><th>{ lang.t("操作", "Actions") }</th></tr></thead>
                <tbody>{ for v.iter().map(|s| html! { <tr key={s.id.to_string()} data-id={s.id.to_string()}>
                    { seal_cells(s, lang) }<td>{ &s.org_name }</td>
                    <td>{ for actions(&s.status).iter().map(|&(a, needs, zh, en)| html! {
                        <button type="button" class={format!("seal-{a}")} onclick={act(s.id, a, needs)} disabled={busy.is_some()}>{ lang.t(zh, en) }</button> }) }</td>
                </tr> }) }</tbody>
            </table>
        },
    };
    html! {
        <section id="op-seals-page" class="card">
            <h1>{ lang.t("印章管理", "Seals") }</h1>
            <label class="inline">{ lang.t("理由（驳回、暂停、注销时必填）", "Reason (needed to reject, suspend or revoke)") }
                <input type="text" id="op-seal-reason" /></label>
            <Busy what={(*busy).clone()} />
            { outcome_html(&outcome, "op-seal-outcome") }
            { table }
        </section>
    }
}
