//! An organisation's own seals (bidders, hospitals, regulators, the
//! centre): the seals of the user's organisation with their pictures and
//! statuses, and the application for a new one held by the user's own
//! certificate — the picture generated from the organisation's name, or
//! taken from a scan of the physical seal (PNG). The CA operator approves
//! it on the operator's seals page; then it can be placed on contracts and
//! filings.

use base64ct::{Base64, Encoding};
use serde_json::json;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, chosen_file, field_value, read_file};
use crate::i18n::Lang;
use crate::pages::operator::seals::{Seal, seal_cells, seal_headings, seal_status};
use crate::session::Session;

/// Kinds a unit may apply for: (kind, zh, en).
const KINDS: [(&str, &str, &str); 4] = [
    ("contract", "合同专用章", "Contract seal"),
    ("filing", "备案专用章", "Filing seal"),
    ("official", "公章", "Official seal"),
    ("finance", "财务专用章", "Finance seal"),
];

/// Largest scan accepted here (the server checks again).
const MAX_SCAN: usize = 1 << 20;

/// Properties of [`MySealsPage`].
#[derive(Properties, PartialEq)]
pub struct MySealsProps {
    /// The session (its certificate holds the new seal).
    pub session: Session,
}

/// The organisation's seals and the application form.
#[component(MySealsPage)]
pub fn my_seals_page(props: &MySealsProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let reload = use_state(|| 0u32);
    let list = use_state(|| None::<Result<Vec<Seal>, ApiError>>);
    let busy = use_state(|| None::<String>);
    let outcome = use_state(|| None::<Result<String, String>>);
    let scan = use_state(|| None::<(String, Vec<u8>)>);
    {
        let list = list.clone();
        use_effect_with(*reload, move |_| {
            spawn_local(async move { list.set(Some(api::get("/api/v1/seals").await)) });
        });
    }
    let on_scan = {
        let (scan, outcome) = (scan.clone(), outcome.clone());
        Callback::from(move |e: Event| {
            let Some(file) = chosen_file(&e) else { return scan.set(None) };
            let (scan, outcome) = (scan.clone(), outcome.clone());
            spawn_local(async move {
                match read_file(&file).await {
                    Ok(b) if b.len() > MAX_SCAN => outcome.set(Some(Err(format!(
                        "{} {}: {} KiB > 1024 KiB",
                        lang.t("扫描件过大", "The scan is too large"),
                        file.name(),
                        b.len() / 1024
                    )))),
                    Ok(b) if !b.starts_with(b"\x89PNG") => outcome.set(Some(Err(format!(
                        "{} {}",
                        file.name(),
                        lang.t("不是 PNG 图片", "is not a PNG picture")
                    )))),
                    Ok(b) => scan.set(Some((file.name(), b))),
                    Err(e) => outcome.set(Some(Err(e))),
                }
            });
        })
    };
    let on_apply = {
        let (busy, outcome, reload, scan) = (busy.clone(), outcome.clone(), reload.clone(), scan.clone());
        let holder = props.session.user.serial.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = field_value("seal-name").trim().to_string();
            if name.is_empty() {
                return outcome.set(Some(Err(lang.t("请填写印章名称", "Enter the seal's name").into())));
            }
            let mut body = json!({ "name": name, "kind": field_value("seal-kind"), "holder_serial": holder });
            if let Some((_, png)) = &*scan {
                body["scan_png"] = json!(Base64::encode_string(png));
            }
            let (busy, outcome, reload) = (busy.clone(), outcome.clone(), reload.clone());
            busy.set(Some(lang.t("正在提交印章申请…", "Submitting the seal application…").into()));
            spawn_local(async move {
                let r: Result<Seal, ApiError> = api::post_json("/api/v1/seals", &body).await;
                busy.set(None);
                outcome.set(Some(
                    r.map(|s| {
                        format!(
                            "{} {}：{}",
                            lang.t("已提交印章申请", "Seal application submitted"),
                            s.id,
                            seal_status(&s.status, lang)
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
            html! { <p id="no-seals">{ lang.t("本单位还没有印章。", "Your organisation has no seal yet.") }</p> }
        }
        Some(Ok(v)) => html! {
            <table class="list" id="my-seals">
                <thead><tr>{ seal_headings(lang) }</tr></thead>
                <tbody>{ for v.iter().map(|s| html! {
                    <tr key={s.id.to_string()} data-id={s.id.to_string()} data-status={s.status.clone()}>{ seal_cells(s, lang) }</tr> }) }</tbody>
            </table>
        },
    };
    let org = props.session.user.organization.clone().unwrap_or_default();
    html! {
        <section id="my-seals-page" class="card">
            <h1>{ lang.t("本单位印章", "My organisation's seals") }<small>{ format!(" {org}") }</small></h1>
            { table }
            <h2>{ lang.t("申请新印章", "Apply for a seal") }</h2>
            <form onsubmit={on_apply}>
                <label>{ lang.t("印章名称", "Seal name") }<input type="text" id="seal-name" class="wide" placeholder={format!("{org}{}", lang.t("合同专用章", " contract seal"))} /></label>
                <label>{ lang.t("印章类型", "Kind") }<select id="seal-kind">{ for KINDS.iter().enumerate().map(|(i, (k, zh, en))| html! {
                    <option value={*k} selected={i == 0}>{ lang.t(zh, en) }</option> }) }</select></label>
                <label>{ lang.t("印章扫描件（PNG，可选；不提供则按单位名称生成印模）", "Scan of the seal (PNG, optional; otherwise the picture is drawn from the organisation's name)") }
                    <input type="file" id="seal-scan" accept="image/png" onchange={on_scan} /></label>
                if let Some((name, b)) = &*scan { <p class="hint">{ format!("{name} · {} KiB", b.len() / 1024) }</p> }
                <p class="hint">{ lang.t("印章由本人证书持有，经 CA 审核后制作。", "The seal is held by your own certificate and made once the CA approves it.") }</p>
                <button type="submit" id="seal-apply" disabled={busy.is_some()}>{ lang.t("提交申请", "Apply") }</button>
            </form>
            <Busy what={(*busy).clone()} />
            { match &*outcome {
                Some(Ok(m)) => html! { <p class="ok" id="seal-outcome">{ m }</p> },
                Some(Err(e)) => html! { <ErrorBox error={Some(e.clone())} /> },
                None => html! {},
            } }
        </section>
    }
}
