//! The contract list: every contract the user may read, its status, and
//! batch signing of those awaiting the user's seal (one seal, each at its
//! reserved place), with the outcome of each contract.

use std::collections::BTreeSet;

use yew::platform::spawn_local;
use yew::prelude::*;

use super::{BatchOutcome, Contract, Seal, batch_sign, my_party, status_name, usable_seals};
use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, yield_to_browser};
use crate::i18n::Lang;
use crate::pages::show_time_text;
use crate::session::Session;

/// Properties of [`ContractsPage`].
#[derive(Properties, PartialEq)]
pub struct ContractsProps {
    /// The session.
    pub session: Session,
    /// Called with the id of the contract the user opens.
    pub on_open: Callback<i64>,
}

/// Whose turn a status gives: `seller`, `buyer`, `regulator`.
fn turn(status: &str) -> Option<&'static str> {
    match status {
        "draft" => Some("seller"),
        "seller_signed" => Some("buyer"),
        "buyer_signed" => Some("regulator"),
        _ => None,
    }
}

/// The contract list page.
#[component(ContractsPage)]
pub fn contracts_page(props: &ContractsProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let reload = use_state(|| 0u32);
    let list = use_state(|| None::<Result<Vec<Contract>, ApiError>>);
    let seals = use_state(|| None::<Result<Vec<Seal>, ApiError>>);
    let selected = use_state(BTreeSet::<i64>::new);
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let outcomes = use_state(|| None::<Vec<BatchOutcome>>);
    {
        let list = list.clone();
        use_effect_with(*reload, move |_| {
            spawn_local(async move { list.set(Some(api::get("/api/v1/contracts").await)) });
        });
    }
    {
        let seals = seals.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { seals.set(Some(api::get("/api/v1/seals").await)) });
        });
    }
    let session = &props.session;
    let contracts = match &*list {
        None => {
            return html! { <section class="card" id="contracts-page"><Busy what={Some(lang.t("正在读取合同…", "Loading contracts…").to_string())} /></section> };
        }
        Some(Err(e)) => {
            return html! { <section class="card" id="contracts-page"><ErrorBox error={Some(e.to_string())} /></section> };
        }
        Some(Ok(v)) => v.clone(),
    };
    let mine = |c: &Contract| my_party(c, session).is_some_and(|p| turn(&c.status) == Some(p));
    let party = contracts.iter().find(|c| mine(c)).and_then(|c| my_party(c, session));
    let seal = match (&*seals, party) {
        (Some(Ok(all)), Some(p)) => usable_seals(all, session, p).into_iter().next(),
        _ => None,
    };
    let chosen: Vec<i64> =
        contracts.iter().filter(|c| mine(c) && selected.contains(&c.id)).map(|c| c.id).collect();
    let on_batch = {
        let (busy, error, outcomes, reload, selected) =
            (busy.clone(), error.clone(), outcomes.clone(), reload.clone(), selected.clone());
        let (identity, chosen, seal) = (session.identity.clone(), chosen.clone(), seal.clone());
        Callback::from(move |_| {
            let Some(seal) = seal.clone() else {
                error.set(Some(lang.t("没有可用的印章", "no usable seal").into()));
                return;
            };
            let (busy, error, outcomes, reload, selected) =
                (busy.clone(), error.clone(), outcomes.clone(), reload.clone(), selected.clone());
            let (identity, chosen) = (identity.clone(), chosen.clone());
            error.set(None);
            outcomes.set(None);
            busy.set(Some(format!(
                "{} {} {}",
                lang.t("正在批量签章", "Signing"),
                chosen.len(),
                lang.t(
                    "份合同（服务器准备、本机签名、服务器加盖时间戳）…",
                    "contracts (server prepares, this browser signs, server time-stamps)…"
                )
            )));
            spawn_local(async move {
                yield_to_browser().await;
                let r = batch_sign(&identity, &chosen, &seal).await;
                busy.set(None);
                match r {
                    Ok(o) => outcomes.set(Some(o)),
                    Err(e) => {
                        error.set(Some(format!("{}: {e}", lang.t("批量签章失败", "Batch signing failed"))))
                    }
                }
                selected.set(BTreeSet::new());
                reload.set(*reload + 1);
            });
        })
    };
    let number_of = |id: i64| {
        contracts.iter().find(|c| c.id == id).map(|c| c.number.clone()).unwrap_or_else(|| format!("#{id}"))
    };
    let rows = contracts.iter().map(|c| {
        let (on_open, id) = (props.on_open.clone(), c.id);
        let actionable = mine(c);
        let toggle = {
            let selected = selected.clone();
            Callback::from(move |_| {
                let mut s = (*selected).clone();
                if !s.remove(&id) {
                    s.insert(id);
                }
                selected.set(s);
            })
        };
        html! { <tr data-id={c.id.to_string()} class={if actionable { "my-turn" } else { "" }}>
            <td>if actionable { <input type="checkbox" class="batch-pick" data-id={c.id.to_string()} checked={selected.contains(&c.id)} onchange={toggle} /> }</td>
            <td>{ &c.number }</td><td>{ &c.tender_id }</td>
            <td class="contract-status" data-status={c.status.clone()}>{ status_name(&c.status, lang) }
                if actionable { <b class="badge">{ lang.t(" 待我签章", " your turn") }</b> }</td>
            <td>{ show_time_text(&c.updated_at) }</td>
            <td><button type="button" class="open-contract" data-id={c.id.to_string()}
                onclick={Callback::from(move |_| on_open.emit(id))}>{ lang.t("查看", "Open") }</button></td>
        </tr> }
    });
    html! {
        <section id="contracts-page" class="card">
            <h1>{ lang.t("采购合同", "Purchase contracts") }</h1>
            if contracts.is_empty() {
                <p id="no-contracts">{ lang.t("暂无合同。", "No contracts yet.") }</p>
            } else {
                <table class="list" id="contract-list">
                    <thead><tr><th></th><th>{ lang.t("合同编号", "Number") }</th><th>{ lang.t("招标项目", "Tender") }</th>
                        <th>{ lang.t("状态", "Status") }</th><th>{ lang.t("更新时间（北京时间）", "Updated (Beijing time)") }</th><th></th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
            if party.is_some() {
                <p>
                    <button type="button" id="batch-sign" onclick={on_batch} disabled={chosen.is_empty() || busy.is_some() || seal.is_none()}>
                        { format!("{} ({})", lang.t("批量签章所选合同", "Sign the selected contracts"), chosen.len()) }</button>
                    { " " }
                    <span class="hint">{ match &seal {
                        Some(s) => format!("{}{} (#{})", lang.t("使用印章：", "with the seal "), s.name, s.id),
                        None => lang.t("您的证书没有可用的有效印章", "your certificate has no usable active seal").to_string(),
                    } }</span>
                </p>
            }
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
            if let Some(o) = &*outcomes {
                <table class="list" id="batch-results">
                    <thead><tr><th>{ lang.t("合同", "Contract") }</th><th>{ lang.t("结果", "Result") }</th></tr></thead>
                    <tbody>{ for o.iter().map(|o| html! { <tr class={if o.result.is_ok() { "ok" } else { "failed" }}>
                        <td>{ number_of(o.contract_id) }</td>
                        <td>{ match &o.result {
                            Ok(s) => format!("✓ {}", status_name(s, lang)),
                            Err(e) => format!("✗ {e}"),
                        } }</td>
                    </tr> }) }</tbody>
                </table>
            }
        </section>
    }
}
