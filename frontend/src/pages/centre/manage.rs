//! One tender as the centre runs it: publish the draft, amend before the
//! deadline, watch the intake counts (never the contents) every 3 seconds,
//! start the opening and follow it, read the signed results and generate
//! the contracts.

use gloo::timers::callback::Interval;
use serde_json::{Value, json};
use time::OffsetDateTime;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::beijing_to_rfc3339;
use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, field_value};
use crate::i18n::Lang;
use crate::money::fen_to_yuan;
use crate::orgs::{Names, use_organisations};
use crate::pages::bid::TenderDetail;
use crate::pages::operator::outcome_html;
use crate::pages::tenders::status_name;
use crate::pages::{parse_time, show_time_text};

/// Properties of [`CentreTenderPage`].
#[derive(Properties, PartialEq)]
pub struct ManageProps {
    /// The tender's id.
    pub id: String,
}

/// Intake counts by bid status, for people.
fn intake_html(v: &Value, lang: Lang) -> Html {
    let n = |s: &str| v["counts"][s].as_i64().unwrap_or(0);
    html! {
        <table class="fields" id="intake">
            <tr><th>{ lang.t("有效投标", "Active bids") }</th><td id="intake-active" class="num big">{ n("active") }</td></tr>
            <tr><th>{ lang.t("已替换", "Replaced") }</th><td id="intake-replaced" class="num">{ n("replaced") }</td></tr>
            <tr><th>{ lang.t("已撤回", "Withdrawn") }</th><td id="intake-withdrawn" class="num">{ n("withdrawn") }</td></tr>
            <tr><th>{ lang.t("因变更失效", "Invalidated by an amendment") }</th><td id="intake-invalidated" class="num">{ n("invalidated") }</td></tr>
        </table>
    }
}

/// The opening's progress, for people.
fn progress_html(p: &Value, lang: Lang) -> Html {
    let n = |k: &str| p[k].as_i64().unwrap_or(0);
    let total = n("total").max(0);
    let contributors = p["contributors"].as_array().map(Vec::len).unwrap_or(0);
    let bad: Vec<String> = p["bad_officials"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|b| format!("#{} {}", b["official"], b["detail"].as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    html! { <>
        <table class="fields" id="opening-progress">
            <tr><th>{ lang.t("已提交解密份额的委员", "Officials who contributed shares") }</th><td id="opening-contributors">{ contributors }</td></tr>
            <tr><th>{ lang.t("已解密 / 总数", "Opened / total") }</th><td id="opening-opened">{ format!("{} / {total}", n("opened")) }</td></tr>
            <tr><th>{ lang.t("有效 / 无效", "Valid / invalid") }</th><td>{ format!("{} / {}", n("valid"), n("invalid")) }</td></tr>
            if !bad.is_empty() { <tr class="warn"><th>{ lang.t("份额有误的委员", "Officials with bad shares") }</th><td>{ bad.join("; ") }</td></tr> }
        </table>
        if total > 0 { <progress max={total.to_string()} value={n("opened").to_string()}></progress> }
        if p["running"].as_bool() == Some(true) { <Busy what={Some(lang.t("正在开标…", "Opening…").to_string())} /> }
    </> }
}

/// The published results' winners per item.
fn results_html(r: &Value, names: &Names, lang: Lang) -> Html {
    let doc: Value = r["document"].as_str().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default();
    let items = doc["evaluation"]["items"].as_array().cloned().unwrap_or_default();
    html! { <>
        <p class="ok" id="results-published">{ lang.t("结果已签名并加盖时间戳发布，发布时间 ", "Results signed, time-stamped and published at ") }{ show_time_text(r["published_at"].as_str().unwrap_or_default()) }</p>
        <table class="list" id="results">
            <thead><tr><th>{ lang.t("品目", "Item") }</th><th>{ lang.t("通用名", "Generic name") }</th><th>{ lang.t("最高限价（元）", "Ceiling (yuan)") }</th>
                <th>{ lang.t("中选企业", "Winner") }</th><th>{ lang.t("中选价（元）", "Price (yuan)") }</th><th>{ lang.t("有效报价数", "Valid quotes") }</th></tr></thead>
            <tbody>{ for items.iter().map(|it| {
                let ranking = it["ranking"].as_array().cloned().unwrap_or_default();
                let first = ranking.first().cloned().unwrap_or_default();
                html! { <tr><td>{ it["no"].to_string() }</td><td>{ it["generic_name"].as_str().unwrap_or_default() }</td>
                    <td class="num">{ fen_to_yuan(it["ceiling_fen"].as_u64().unwrap_or(0)) }</td>
                    <td>{ first["bidder"].as_str().map(|b| names.label(b)).unwrap_or_else(|| "—".into()) }</td>
                    <td class="num">{ first["price_fen"].as_u64().map(fen_to_yuan).unwrap_or_default() }</td><td class="num">{ ranking.len() }</td></tr> }
            }) }</tbody>
        </table>
    </> }
}

/// The centre's page for one tender.
#[component(CentreTenderPage)]
pub fn centre_tender_page(props: &ManageProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let detail = use_state(|| None::<Result<TenderDetail, ApiError>>);
    let reload = use_state(|| 0u32);
    let tick = use_state(|| 0u32);
    let intake = use_state(|| None::<Result<Value, ApiError>>);
    let progress = use_state(|| None::<Result<Value, ApiError>>);
    let results = use_state(|| None::<Value>);
    let outcome = use_state(|| None::<Result<String, String>>);
    let busy = use_state(|| None::<String>);
    let orgs = use_organisations();
    let names = orgs.clone().and_then(Result::ok).unwrap_or_default();
    {
        let (detail, id) = (detail.clone(), props.id.clone());
        use_effect_with((id, *reload), move |(id, _)| {
            let (detail, path) = (detail.clone(), format!("/api/v1/tenders/{id}"));
            spawn_local(async move { detail.set(Some(api::get(&path).await)) });
        });
    }
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let i = Interval::new(3_000, move || tick.set(*tick + 1));
            move || drop(i)
        });
    }
    let t = match &*detail {
        Some(Ok(t)) => Some(t.clone()),
        _ => None,
    };
    let now = OffsetDateTime::now_utc();
    let opening_due = t.as_ref().and_then(|t| parse_time(&t.opening_at)).is_some_and(|o| now >= o);
    let published = t.as_ref().is_some_and(|t| t.status != "draft");
    {
        let (intake, progress, results, id) =
            (intake.clone(), progress.clone(), results.clone(), props.id.clone());
        let have_results = results.is_some();
        use_effect_with((*tick, published, opening_due), move |&(_, published, due)| {
            if published {
                spawn_local(async move {
                    intake.set(Some(api::get(&format!("/api/v1/tenders/{id}/intake")).await));
                    if due && !have_results {
                        let p: Result<Value, ApiError> =
                            api::get(&format!("/api/v1/tenders/{id}/opening")).await;
                        if matches!(&p, Ok(v) if v["results_published"].as_bool() == Some(true)) {
                            results.set(api::get(&format!("/api/v1/tenders/{id}/results")).await.ok());
                        }
                        progress.set(Some(p));
                    }
                });
            }
        });
    }
    let t = match (&*detail, t) {
        (Some(Ok(_)), Some(t)) => t,
        (Some(Err(e)), _) => {
            return html! { <section class="card"><ErrorBox error={Some(e.to_string())} /></section> };
        }
        _ => {
            return html! { <section class="card"><Busy what={Some(lang.t("正在读取招标项目…", "Loading the tender…").to_string())} /></section> };
        }
    };
    // One POST on this tender; on success the message, and the tender reloaded.
    let post = |what: &'static str,
                body: fn() -> Result<Value, &'static str>,
                done: (&'static str, &'static str)| {
        let (id, outcome, busy, reload) = (t.id.clone(), outcome.clone(), busy.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let body = match body() {
                Ok(b) => b,
                Err(e) => return outcome.set(Some(Err(e.to_string()))),
            };
            let (id, outcome, busy, reload) = (id.clone(), outcome.clone(), busy.clone(), reload.clone());
            busy.set(Some(lang.t("正在处理…", "Working…").into()));
            spawn_local(async move {
                let r: Result<Value, ApiError> =
                    api::post_json(&format!("/api/v1/tenders/{id}/{what}"), &body).await;
                busy.set(None);
                outcome.set(Some(
                    r.map(|v| describe(what, &v, lang.t(done.0, done.1))).map_err(|e| e.to_string()),
                ));
                reload.set(*reload + 1);
            });
        })
    };
    let intake_view = match &*intake {
        Some(Ok(v)) => intake_html(v, lang),
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        None => html! { <Busy what={Some(lang.t("正在读取…", "Loading…").to_string())} /> },
    };
    let deadline_ahead = parse_time(&t.deadline).is_some_and(|d| now < d);
    html! {
        <section id="centre-tender-page" class="card">
            <h1>{ &t.title }<small>{ format!(" {} · v{}", t.id, t.version) }</small></h1>
            <p id="ct-status" data-status={t.status.clone()}>{ lang.t("状态：", "Status: ") }<b>{ status_name(&t.status, lang) }</b>
                { lang.t("；投标时间（北京时间）：", "; bidding (Beijing time): ") }{ show_time_text(&t.opens_at) }{ " — " }{ show_time_text(&t.deadline) }
                { lang.t("；开标：", "; opening: ") }{ show_time_text(&t.opening_at) }</p>
            <table class="list" id="ct-items">
                <thead><tr><th>{ lang.t("品目", "Item") }</th><th>{ lang.t("通用名", "Generic name") }</th><th>{ lang.t("规格", "Specification") }</th>
                    <th>{ lang.t("数量", "Quantity") }</th><th>{ lang.t("最高限价（元）", "Ceiling (yuan)") }</th></tr></thead>
                <tbody>{ for t.items.iter().map(|it| html! { <tr><td>{ it.no }</td><td>{ &it.generic_name }</td>
                    <td>{ format!("{} {} / {}", it.dosage_form, it.specification, it.unit) }</td><td class="num">{ it.quantity }</td>
                    <td class="num">{ fen_to_yuan(it.ceiling_fen) }</td></tr> }) }</tbody>
            </table>
            <Busy what={(*busy).clone()} />
            { outcome_html(&outcome, "ct-outcome") }
            if t.status == "draft" {
                <button type="button" id="ct-publish" class="primary" disabled={busy.is_some()}
                    onclick={post("publish", || Ok(json!({})), ("已发布（平台签名并加盖时间戳）", "Published (signed by the platform and time-stamped)"))}>
                    { lang.t("发布招标项目", "Publish the tender") }</button>
            }
            if t.status == "published" && deadline_ahead {
                <h2>{ lang.t("变更公告", "Amend") }</h2>
                <p class="hint">{ lang.t("变更后，此前版本下的有效投标失效，投标人须重新提交。", "After an amendment, active bids made under earlier versions become invalid; bidders must resubmit.") }</p>
                <div class="actions">
                    <label class="inline">{ lang.t("变更说明", "Note") }<input type="text" id="am-note" /></label>
                    <label class="inline">{ lang.t("新截止时间（可空）", "New deadline (optional)") }<input type="text" id="am-deadline" placeholder="2026-11-22 20:30" /></label>
                    <label class="inline">{ lang.t("新开标时间（可空）", "New opening (optional)") }<input type="text" id="am-opening" placeholder="2026-11-22 21:30" /></label>
                    <button type="button" id="am-submit" disabled={busy.is_some()} onclick={post("amend", amendment, ("已发布变更", "Amendment published"))}>{ lang.t("发布变更", "Publish the amendment") }</button>
                </div>
            }
            if published { <>
                <h2>{ lang.t("投标接收情况（仅数量，每 3 秒刷新）", "Intake (counts only, refreshed every 3 seconds)") }</h2>
                { intake_view }
            </> }
            if published && opening_due { <>
                <h2>{ lang.t("开标", "Opening") }</h2>
                if let Some(Ok(p)) = &*progress { { progress_html(p, lang) } }
                if let Some(Err(e)) = &*progress { <ErrorBox error={Some(e.to_string())} /> }
                if results.is_none() {
                    <button type="button" id="ct-run-opening" disabled={busy.is_some()}
                        onclick={post("opening/run", || Ok(json!({})), ("开标已开始", "The opening has started"))}>{ lang.t("开始开标", "Start the opening") }</button>
                }
            </> }
            if let Some(r) = &*results { <>
                <h2>{ lang.t("中选结果", "Results") }</h2>
                { results_html(r, &names, lang) }
                <h2>{ lang.t("生成合同", "Contracts") }</h2>
                <div class="actions">
                    { buyer_select(&orgs, lang) }
                    <button type="button" id="ct-contracts" disabled={busy.is_some()} onclick={post("contracts", contracts_body, ("已生成合同", "Contracts generated"))}>{ lang.t("生成合同", "Generate the contracts") }</button>
                </div>
            </> }
        </section>
    }
}

fn amendment() -> Result<Value, &'static str> {
    let note = field_value("am-note").trim().to_string();
    if note.is_empty() {
        return Err("变更说明必填 / the note is required");
    }
    let mut body = json!({ "note": note });
    for (id, key) in [("am-deadline", "deadline"), ("am-opening", "opening_at")] {
        let text = field_value(id);
        if !text.trim().is_empty() {
            body[key] = json!(
                beijing_to_rfc3339(&text)
                    .ok_or("时间格式为 2026-11-22 20:30 / write times as 2026-11-22 20:30")?
            );
        }
    }
    Ok(body)
}

/// The buying hospital, chosen from the hospitals registered on the platform.
fn buyer_select(orgs: &Option<Result<Names, ApiError>>, lang: Lang) -> Html {
    let hospitals = orgs.as_ref().map(|r| r.as_ref().map(|n| n.of_kind("hospital").collect::<Vec<_>>()));
    match hospitals {
        None => {
            html! { <Busy what={Some(lang.t("正在读取医疗机构…", "Loading the hospitals…").to_string())} /> }
        }
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(list)) if list.is_empty() => html! {
            <p class="warn" id="ct-no-hospital">{ lang.t("平台上还没有已登记的医疗机构（医疗机构取得证书后即登记）。", "No hospital is registered on the platform yet (a hospital is registered when it is issued a certificate).") }</p>
        },
        Some(Ok(list)) => html! {
            <label class="inline">{ lang.t("采购医疗机构", "Buying hospital") }
                <select id="ct-buyer">
                    <option value="" selected=true>{ lang.t("请选择…", "Choose…") }</option>
                    { for list.iter().map(|h| html! {
                        <option key={h.uscc.clone()} value={h.uscc.clone()}>{ format!("{}（{}）", h.name, h.uscc) }</option> }) }
                </select></label>
        },
    }
}

fn contracts_body() -> Result<Value, &'static str> {
    let buyer = field_value("ct-buyer").trim().to_string();
    if buyer.is_empty() {
        return Err("请选择采购医疗机构 / choose the buying hospital");
    }
    Ok(json!({ "buyer_uscc": buyer }))
}

/// What a POST's answer means, for people.
fn describe(what: &str, v: &Value, done: &str) -> String {
    match what {
        "contracts" => {
            let numbers: Vec<&str> = v
                .as_array()
                .map(|a| a.iter().filter_map(|c| c["number"].as_str()).collect())
                .unwrap_or_default();
            format!("{done}: {}", numbers.join(", "))
        }
        "amend" => format!("{done}: v{} ({} invalidated)", v["version"], v["invalidated_bids"]),
        _ => done.to_string(),
    }
}
