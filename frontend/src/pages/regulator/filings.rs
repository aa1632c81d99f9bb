//! The regulator's review of filings: the submitted (or decided) filings,
//! one filing with its form, checklist, attachments and signed PDF; approve
//! with the regulator's filing seal (signed in this browser) or reject with
//! a reason.

use serde_json::json;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox};
use crate::i18n::Lang;
use crate::pages::contracts::Seal;
use crate::pages::filings::{Filing, Summary, filing_facts, sign_flow, status_name};
use crate::pages::show_time_text;
use crate::session::Session;

/// Properties of [`ReviewPage`].
#[derive(Properties, PartialEq)]
pub struct ReviewProps {
    /// The session (its key signs approvals).
    pub session: Session,
}

/// The filings review page: the list, or one filing.
#[component(ReviewPage)]
pub fn review_page(props: &ReviewProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let open = use_state(|| None::<i64>);
    let status = use_state(|| "submitted".to_string());
    let list = use_state(|| None::<Result<Vec<Summary>, ApiError>>);
    {
        let list = list.clone();
        use_effect_with(((*status).clone(), *open), move |(st, _)| {
            let q = if st.is_empty() { String::new() } else { format!("?status={st}") };
            spawn_local(async move { list.set(Some(api::get(&format!("/api/v1/filings{q}")).await)) });
        });
    }
    if let Some(id) = *open {
        let back = {
            let open = open.clone();
            Callback::from(move |_| open.set(None))
        };
        return html! {
            <section id="filing-review-page" class="card">
                <ReviewOne {id} session={props.session.clone()} on_back={back} />
            </section>
        };
    }
    let on_status = {
        let status = status.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                status.set(sel.value());
            }
        })
    };
    let body = match &*list {
        None => html! { <Busy what={Some(lang.t("正在读取备案…", "Loading filings…").to_string())} /> },
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(v)) if v.is_empty() => {
            html! { <p id="no-filings">{ lang.t("暂无备案。", "No filings.") }</p> }
        }
        Some(Ok(v)) => html! {
            <table class="list" id="review-list">
                <thead><tr><th>{ lang.t("编号", "Number") }</th><th>{ lang.t("申请单位", "Applicant") }</th><th>{ lang.t("类型", "Kind") }</th>
                    <th>{ lang.t("名称", "Title") }</th><th>{ lang.t("状态", "Status") }</th><th>{ lang.t("提交时间（北京时间）", "Submitted (Beijing)") }</th><th></th></tr></thead>
                <tbody>{ for v.iter().map(|f| {
                    let (open, id) = (open.clone(), f.id);
                    html! { <tr key={id} data-id={id.to_string()}>
                        <td>{ &f.number }</td><td>{ &f.org_name }</td><td>{ &f.kind_title }</td><td>{ &f.title }</td>
                        <td>{ status_name(&f.status, lang) }</td><td>{ f.submitted_at.as_deref().map(show_time_text).unwrap_or_default() }</td>
                        <td><button type="button" class="review-filing" data-id={id.to_string()} onclick={Callback::from(move |_| open.set(Some(id)))}>{ lang.t("审核", "Review") }</button></td>
                    </tr> }
                }) }</tbody>
            </table>
        },
    };
    html! {
        <section id="filing-review-page" class="card">
            <h1>{ lang.t("备案审核", "Filing review") }</h1>
            <label>{ lang.t("状态", "Status") }{ " " }
                <select id="review-status" onchange={on_status}>
                    { for [("submitted", lang.t("待审核", "Awaiting review")), ("approved", lang.t("已批准", "Approved")),
                           ("rejected", lang.t("已退回", "Rejected")), ("", lang.t("全部", "All"))].into_iter().map(|(v, l)| html! {
                        <option value={v} selected={*status == v}>{ l }</option>
                    }) }
                </select></label>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct OneProps {
    id: i64,
    session: Session,
    on_back: Callback<()>,
}

#[component(ReviewOne)]
fn review_one(props: &OneProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let filing = use_state(|| None::<Result<Filing, ApiError>>);
    let seals = use_state(|| None::<Result<Vec<Seal>, ApiError>>);
    let reload = use_state(|| 0u32);
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let reason = use_node_ref();
    {
        let filing = filing.clone();
        use_effect_with((props.id, *reload), move |(id, _)| {
            let (filing, id) = (filing.clone(), *id);
            spawn_local(async move { filing.set(Some(api::get(&format!("/api/v1/filings/{id}")).await)) });
        });
    }
    {
        let seals = seals.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { seals.set(Some(api::get("/api/v1/seals").await)) });
        });
    }
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_| on_back.emit(()))
    };
    let f = match &*filing {
        None => {
            return html! { <Busy what={Some(lang.t("正在读取备案…", "Loading the filing…").to_string())} /> };
        }
        Some(Err(e)) => {
            return html! { <><ErrorBox error={Some(e.to_string())} />
            <button type="button" class="link" onclick={back}>{ lang.t("← 返回", "← Back") }</button></> };
        }
        Some(Ok(f)) => f.clone(),
    };
    let id = f.summary.id;
    let serial = props.session.user.serial.clone();
    let seal = match &*seals {
        Some(Ok(all)) => all
            .iter()
            .find(|s| s.status == "active" && s.kind == "filing" && s.holder_serial == serial)
            .cloned(),
        _ => None,
    };
    let step = {
        let (busy, error, reload) = (busy.clone(), error.clone(), reload.clone());
        move |what: &'static str, fut: crate::pages::contracts::Step<Filing>| {
            let (busy, error, reload) = (busy.clone(), error.clone(), reload.clone());
            error.set(None);
            busy.set(Some(what.into()));
            spawn_local(async move {
                let r = fut.await;
                busy.set(None);
                if let Err(e) = r {
                    error.set(Some(e.to_string()));
                }
                reload.set(*reload + 1);
            });
        }
    };
    let on_approve = {
        let (step, identity, seal, error) =
            (step.clone(), props.session.identity.clone(), seal.clone(), error.clone());
        Callback::from(move |_| {
            let Some(seal) = seal.clone() else {
                error.set(Some(lang.t("没有可用的备案专用章", "no usable filing seal").into()));
                return;
            };
            let identity = identity.clone();
            let fut = Box::pin(async move {
                sign_flow(&format!("/api/v1/filings/{id}/approve"), &seal, &identity).await
            });
            step(
                lang.t("正在加盖备案章（本机签名）…", "Sealing the approval (signed in this browser)…"),
                fut,
            );
        })
    };
    let on_reject = {
        let (step, reason, error) = (step.clone(), reason.clone(), error.clone());
        Callback::from(move |_| {
            let text = reason.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            if text.trim().is_empty() {
                error.set(Some(lang.t("请填写退回理由", "enter the reason").into()));
                return;
            }
            let fut = Box::pin(async move {
                api::post_json::<_, Filing>(
                    &format!("/api/v1/filings/{id}/reject"),
                    &json!({ "reason": text.trim() }),
                )
                .await
            });
            step(lang.t("正在退回…", "Rejecting…"), fut);
        })
    };
    let submitted = f.summary.status == "submitted";
    html! { <>
        <p><button type="button" class="link" onclick={back}>{ lang.t("← 返回备案列表", "← Back to the filings") }</button></p>
        <h1>{ lang.t("备案审核：", "Review: ") }{ &f.summary.title }</h1>
        { filing_facts(&f, lang) }
        if submitted {
            <div class="sign-panel">
                <p>
                    <button type="submit" id="approve-filing" onclick={on_approve} disabled={busy.is_some() || seal.is_none()}>
                        { lang.t("批准并加盖备案章", "Approve and seal") }</button>
                    { " " }<span class="hint">{ match &seal {
                        Some(s) => format!("{}{} (#{})", lang.t("使用印章：", "with the seal "), s.name, s.id),
                        None => lang.t("您的证书没有可用的备案专用章", "your certificate has no usable filing seal").to_string(),
                    } }</span>
                </p>
                <div class="refuse">
                    <label>{ lang.t("退回理由", "Reason for rejecting") }<input type="text" id="reject-reason" ref={reason} maxlength="500" /></label>
                    <button type="button" id="reject-filing" onclick={on_reject} disabled={busy.is_some()}>{ lang.t("退回", "Reject") }</button>
                </div>
            </div>
        }
        <Busy what={(*busy).clone()} />
        <ErrorBox error={(*error).clone()} />
        <h2>{ lang.t("备案文件", "Filing document") }</h2>
        <iframe class="pdf-preview" key={f.summary.current_rev.to_string()} src={format!("/api/v1/filings/{id}/pdf")} title={lang.t("备案文件", "Filing document")}></iframe>
    </> }
}
