//! The manufacturer's filings: its organisation's filings with status and
//! reason, a new filing (kind, title, the kind's fields), and one filing:
//! upload each checklist document (PDF), preview, sign with the
//! organisation's seal in this browser, submit.

use std::collections::BTreeMap;

use serde_json::json;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::{Filing, Kind, Summary, filing_facts, sign_flow, status_name};
use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, chosen_file, read_file};
use crate::i18n::Lang;
use crate::pages::contracts::Seal;
use crate::pages::show_time_text;
use crate::session::Session;

/// Properties of [`FilingsPage`].
#[derive(Properties, PartialEq)]
pub struct FilingsProps {
    /// The session (its key signs).
    pub session: Session,
}

#[derive(Debug, Clone, PartialEq)]
enum View {
    List,
    New,
    Open(i64),
}

/// The manufacturer's filings page.
#[component(FilingsPage)]
pub fn filings_page(props: &FilingsProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let view = use_state(|| View::List);
    let back = {
        let view = view.clone();
        Callback::from(move |_| view.set(View::List))
    };
    let open = {
        let view = view.clone();
        Callback::from(move |id: i64| view.set(View::Open(id)))
    };
    let body = match &*view {
        View::List => {
            let new = {
                let view = view.clone();
                Callback::from(move |_| view.set(View::New))
            };
            html! { <FilingList on_open={open} on_new={new} /> }
        }
        View::New => html! { <NewFiling on_created={open} on_back={back} /> },
        View::Open(id) => html! { <MyFiling id={*id} session={props.session.clone()} on_back={back} /> },
    };
    html! {
        <section id="filings-page" class="card">
            <h1>{ lang.t("备案申报", "Regulatory filings") }</h1>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ListProps {
    on_open: Callback<i64>,
    on_new: Callback<()>,
}

#[component(FilingList)]
fn filing_list(props: &ListProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let list = use_state(|| None::<Result<Vec<Summary>, ApiError>>);
    {
        let list = list.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { list.set(Some(api::get("/api/v1/filings").await)) });
        });
    }
    let new = {
        let on_new = props.on_new.clone();
        Callback::from(move |_| on_new.emit(()))
    };
    let body = match &*list {
        None => html! { <Busy what={Some(lang.t("正在读取备案…", "Loading filings…").to_string())} /> },
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(v)) if v.is_empty() => html! { <p>{ lang.t("暂无备案。", "No filings yet.") }</p> },
        Some(Ok(v)) => html! {
            <table class="list" id="filing-list">
                <thead><tr><th>{ lang.t("编号", "Number") }</th><th>{ lang.t("类型", "Kind") }</th><th>{ lang.t("名称", "Title") }</th>
                    <th>{ lang.t("状态", "Status") }</th><th>{ lang.t("更新时间（北京时间）", "Updated (Beijing)") }</th><th></th></tr></thead>
                <tbody>{ for v.iter().map(|f| {
                    let (on_open, id) = (props.on_open.clone(), f.id);
                    html! { <tr key={id} data-id={id.to_string()}>
                        <td>{ &f.number }</td><td>{ &f.kind_title }</td><td>{ &f.title }</td>
                        <td class="filing-row-status" data-status={f.status.clone()}>{ status_name(&f.status, lang) }{ f.reason.as_deref().map(|r| format!("：{r}")).unwrap_or_default() }</td>
                        <td>{ show_time_text(&f.updated_at) }</td>
                        <td><button type="button" class="open-filing" data-id={id.to_string()} onclick={Callback::from(move |_| on_open.emit(id))}>{ lang.t("查看", "Open") }</button></td>
                    </tr> }
                }) }</tbody>
            </table>
        },
    };
    html! { <>
        <p><button type="button" id="new-filing" onclick={new}>{ lang.t("新建备案", "New filing") }</button></p>
        { body }
    </> }
}

#[derive(Properties, PartialEq)]
struct NewProps {
    on_created: Callback<i64>,
    on_back: Callback<()>,
}

#[component(NewFiling)]
fn new_filing(props: &NewProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let kinds = use_state(|| None::<Result<Vec<Kind>, ApiError>>);
    let kind = use_state(|| None::<String>);
    let title = use_node_ref();
    let values = use_mut_ref(BTreeMap::<String, String>::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| None::<String>);
    {
        let kinds = kinds.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { kinds.set(Some(api::get("/api/v1/filings/kinds").await)) });
        });
    }
    let all = match &*kinds {
        None => {
            return html! { <Busy what={Some(lang.t("正在读取备案类型…", "Loading filing kinds…").to_string())} /> };
        }
        Some(Err(e)) => return html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(k)) => k.clone(),
    };
    let current = (*kind).as_ref().and_then(|k| all.iter().find(|x| &x.kind == k)).or(all.first()).cloned();
    let on_kind = {
        let kind = kind.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                kind.set(Some(sel.value()));
            }
        })
    };
    let on_submit = {
        let (title, values, error, busy, on_created) =
            (title.clone(), values.clone(), error.clone(), busy.clone(), props.on_created.clone());
        let current = current.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(k) = current.clone() else { return };
            let t = title.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let fields: BTreeMap<String, String> = k
                .fields
                .iter()
                .map(|f| (f.key.clone(), values.borrow().get(&f.key).cloned().unwrap_or_default()))
                .filter(|(_, v)| !v.trim().is_empty())
                .collect();
            let (error, busy, on_created) = (error.clone(), busy.clone(), on_created.clone());
            error.set(None);
            busy.set(Some(lang.t("正在创建备案…", "Creating the filing…").into()));
            spawn_local(async move {
                let body = json!({ "kind": k.kind, "title": t.trim(), "fields": fields });
                let r: Result<Filing, ApiError> = api::post_json("/api/v1/filings", &body).await;
                busy.set(None);
                match r {
                    Ok(f) => on_created.emit(f.summary.id),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_| on_back.emit(()))
    };
    html! {
        <form id="new-filing-form" onsubmit={on_submit}>
            <label>{ lang.t("备案类型", "Kind") }
                <select id="filing-kind" onchange={on_kind}>
                    { for all.iter().map(|k| html! { <option value={k.kind.clone()} selected={current.as_ref().is_some_and(|c| c.kind == k.kind)}>{ &k.title }</option> }) }
                </select></label>
            <label>{ lang.t("备案名称", "Title") }<input type="text" id="filing-title" ref={title} /></label>
            { for current.iter().flat_map(|k| k.fields.clone()).map(|f| {
                let (values, key) = (values.clone(), f.key.clone());
                let oninput = Callback::from(move |e: InputEvent| {
                    if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
                        values.borrow_mut().insert(key.clone(), i.value());
                    }
                });
                html! { <label>{ &f.label }{ if f.required { " *" } else { "" } }
                    <input type="text" class="filing-field" data-key={f.key.clone()} {oninput} /></label> }
            }) }
            if let Some(k) = &current {
                <p class="hint">{ lang.t("需上传的材料：", "Documents to upload: ") }{ k.checklist.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join("、") }</p>
            }
            <button type="submit" id="create-filing" disabled={busy.is_some()}>{ lang.t("创建", "Create") }</button>
            { " " }<button type="button" class="link" onclick={back}>{ lang.t("取消", "Cancel") }</button>
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct MyFilingProps {
    id: i64,
    session: Session,
    on_back: Callback<()>,
}

#[component(MyFiling)]
fn my_filing(props: &MyFilingProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let filing = use_state(|| None::<Result<Filing, ApiError>>);
    let seals = use_state(|| None::<Result<Vec<Seal>, ApiError>>);
    let reload = use_state(|| 0u32);
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
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
    let f = match &*filing {
        None => {
            return html! { <Busy what={Some(lang.t("正在读取备案…", "Loading the filing…").to_string())} /> };
        }
        Some(Err(e)) => return html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(f)) => f.clone(),
    };
    let id = f.summary.id;
    let serial = props.session.user.serial.clone();
    let seal = match &*seals {
        Some(Ok(all)) => all
            .iter()
            .find(|s| {
                s.status == "active"
                    && s.holder_serial == serial
                    && ["official", "filing"].contains(&s.kind.as_str())
            })
            .cloned(),
        _ => None,
    };
    let draft = f.summary.status == "draft";
    // Runs one step, then reloads the filing.
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
    let upload = |item: u32| {
        let step = step.clone();
        Callback::from(move |e: Event| {
            let Some(file) = chosen_file(&e) else { return };
            let fut = Box::pin(async move {
                let bytes = read_file(&file).await.map_err(|m| ApiError::local("cannot_read", m))?;
                if bytes.len() > super::MAX_ATTACHMENT {
                    return Err(ApiError::local(
                        "payload_too_large",
                        format!(
                            "{}: {} MiB",
                            lang.t("附件过大，最大", "the attachment is too large; at most"),
                            super::MAX_ATTACHMENT >> 20
                        ),
                    ));
                }
                api::put_bytes::<Filing>(
                    &format!("/api/v1/filings/{id}/attachments/{item}"),
                    "application/pdf",
                    &bytes,
                )
                .await
            });
            step(lang.t("正在上传材料…", "Uploading the document…"), fut);
        })
    };
    let on_sign = {
        let (step, identity, seal, error) =
            (step.clone(), props.session.identity.clone(), seal.clone(), error.clone());
        Callback::from(move |_| {
            let Some(seal) = seal.clone() else {
                error.set(Some(lang.t("没有可用的公章或备案章", "no usable official or filing seal").into()));
                return;
            };
            let identity = identity.clone();
            let fut =
                Box::pin(
                    async move { sign_flow(&format!("/api/v1/filings/{id}/sign"), &seal, &identity).await },
                );
            step(lang.t("正在签章（本机签名）…", "Sealing (signed in this browser)…"), fut);
        })
    };
    let on_submit = {
        let step = step.clone();
        Callback::from(move |_| {
            let fut = Box::pin(async move {
                api::post_json::<_, Filing>(&format!("/api/v1/filings/{id}/submit"), &json!({})).await
            });
            step(lang.t("正在提交…", "Submitting…"), fut);
        })
    };
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_| on_back.emit(()))
    };
    html! {
        <div id="my-filing">
            <p><button type="button" class="link" onclick={back}>{ lang.t("← 返回备案列表", "← Back to the filings") }</button></p>
            <h2>{ &f.summary.title }</h2>
            { filing_facts(&f, lang) }
            if draft {
                <h2>{ lang.t("上传材料（PDF）", "Upload documents (PDF)") }</h2>
                <table class="fields">{ for f.checklist.iter().map(|c| html! { <tr key={c.item}>
                    <th>{ format!("{}. {}", c.item, c.name) }</th>
                    <td><input type="file" accept=".pdf,application/pdf" class="attachment" data-item={c.item.to_string()} onchange={upload(c.item)} disabled={busy.is_some()} /></td>
                </tr> }) }</table>
                <p>
                    <button type="button" id="sign-filing" onclick={on_sign} disabled={busy.is_some() || f.summary.signed || !f.missing.is_empty() || seal.is_none()}>
                        { lang.t("签章", "Sign and seal") }</button>{ " " }
                    <button type="submit" id="submit-filing" onclick={on_submit} disabled={busy.is_some() || !f.summary.signed}>
                        { lang.t("提交备案", "Submit") }</button>
                </p>
                if seal.is_none() { <p class="hint">{ lang.t("您的证书没有可用的公章或备案章。", "Your certificate has no usable official or filing seal.") }</p> }
            }
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
            <h2>{ lang.t("备案文件预览", "Filing preview") }</h2>
            <iframe class="pdf-preview" key={f.summary.current_rev.to_string()} src={format!("/api/v1/filings/{id}/pdf")} title={lang.t("备案文件", "Filing document")}></iframe>
        </div>
    }
}
