//! Signing statistics (seed 003: 按科室、人员、业务系统统计): signatures per
//! business system, organisation, role (department) and person, as inline
//! SVG bar charts, with the detail table; optionally for a period.

use serde::Deserialize;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, field_value};
use crate::i18n::Lang;
use crate::pages::cert::role_name;

/// One bar: what is counted and how many (`GET /api/v1/stats/signing`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Bar {
    /// Key (system, credit code, role or serial).
    pub key: String,
    /// Label for people.
    pub label: String,
    /// Signatures.
    pub count: i64,
}

/// One detail row: a signer in a system.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Row {
    /// `contract`, `bid` or `opening`.
    pub system: String,
    /// Certificate serial.
    pub serial: String,
    /// Person's name, when known.
    pub person: Option<String>,
    /// Organisation's name, when known.
    pub org_name: Option<String>,
    /// Role of the certificate, when known.
    pub role: Option<String>,
    /// Signatures.
    pub count: i64,
}

/// The statistics.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Stats {
    /// All signatures counted.
    pub total: i64,
    /// Per business system.
    pub by_system: Vec<Bar>,
    /// Per organisation.
    pub by_organisation: Vec<Bar>,
    /// Per role (department).
    pub by_role: Vec<Bar>,
    /// Per person.
    pub by_person: Vec<Bar>,
    /// Per signer and system.
    pub rows: Vec<Row>,
}

/// A business system for people.
fn system_name(system: &str, lang: Lang) -> String {
    match system {
        "contract" => lang.t("合同签章", "Contract signing"),
        "bid" => lang.t("投标签名", "Bid signatures"),
        "opening" => lang.t("开标解密", "Opening shares"),
        other => return other.to_string(),
    }
    .to_string()
}

/// Bars labelled by `name`.
fn to_bars(v: &[Bar], name: impl Fn(&Bar) -> String) -> Vec<(String, i64)> {
    v.iter().map(|b| (name(b), b.count)).collect()
}

/// A horizontal bar chart (inline SVG) of at most 12 bars.
fn chart(id: &'static str, title: &'static str, bars: &[(String, i64)]) -> Html {
    let bars: Vec<&(String, i64)> = bars.iter().take(12).collect();
    let max = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1);
    let (row, label_w, bar_w) = (26, 190, 300);
    let height = (bars.len().max(1) * row + 8).to_string();
    html! {
        <figure class="chart" id={id}>
            <figcaption>{ title }</figcaption>
            <svg width={(label_w + bar_w + 60).to_string()} height={height} role="img" aria-label={title}>
                { for bars.iter().enumerate().map(|(i, (label, count))| {
                    let y = i * row + 4;
                    let w = (*count as f64 / max as f64 * bar_w as f64).max(2.0);
                    html! { <g class="bar" data-label={label.clone()} data-count={count.to_string()}>
                        <text x={(label_w - 6).to_string()} y={(y + 16).to_string()} text-anchor="end">{ label }</text>
                        <rect x={label_w.to_string()} y={y.to_string()} width={format!("{w:.1}")} height="20" rx="2" />
                        <text x={format!("{:.1}", label_w as f64 + w + 6.0)} y={(y + 16).to_string()}>{ *count }</text>
                    </g> }
                }) }
            </svg>
        </figure>
    }
}

/// The statistics page.
#[component(StatsPage)]
pub fn stats_page() -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let query = use_state(String::new);
    let stats = use_state(|| None::<Result<Stats, ApiError>>);
    {
        let stats = stats.clone();
        use_effect_with((*query).clone(), move |q| {
            let path = format!("/api/v1/stats/signing{q}");
            stats.set(None);
            spawn_local(async move { stats.set(Some(api::get(&path).await)) });
        });
    }
    let on_period = {
        let query = query.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let day = |id: &str, time: &str| {
                let d = field_value(id).trim().to_string();
                (!d.is_empty()).then(|| format!("{d}T{time}+08:00"))
            };
            let parts: Vec<String> = [("from", day("st-from", "00:00:00")), ("to", day("st-to", "23:59:59"))]
                .into_iter()
                .filter_map(|(k, v)| {
                    v.map(|v| format!("{k}={}", String::from(js_sys::encode_uri_component(&v))))
                })
                .collect();
            query.set(if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) });
        })
    };
    let body = match &*stats {
        None => html! { <Busy what={Some(lang.t("正在统计…", "Counting…").to_string())} /> },
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(s)) => {
            html! { <>
                <p id="st-total">{ format!("{} {}", lang.t("签名总数：", "Signatures in all: "), s.total) }</p>
                <div class="charts">
                    { chart("st-by-system", lang.t("按业务系统", "By business system"), &to_bars(&s.by_system, |b| system_name(&b.key, lang))) }
                    { chart("st-by-org", lang.t("按单位", "By organisation"), &to_bars(&s.by_organisation, |b| b.label.clone())) }
                    { chart("st-by-role", lang.t("按科室（角色）", "By department (role)"), &to_bars(&s.by_role, |b| role_name(&b.key, lang))) }
                    { chart("st-by-person", lang.t("按人员", "By person"), &to_bars(&s.by_person, |b| b.label.clone())) }
                </div>
                <h2>{ lang.t("明细", "Detail") }</h2>
                <table class="list" id="st-rows">
                    <thead><tr><th>{ lang.t("业务系统", "System") }</th><th>{ lang.t("人员", "Person") }</th><th>{ lang.t("单位", "Organisation") }</th>
                        <th>{ lang.t("角色", "Role") }</th><th>{ lang.t("证书序列号", "Certificate") }</th><th>{ lang.t("签名数", "Signatures") }</th></tr></thead>
                    <tbody>{ for s.rows.iter().map(|r| html! { <tr>
                        <td>{ system_name(&r.system, lang) }</td><td>{ r.person.clone().unwrap_or_default() }</td>
                        <td>{ r.org_name.clone().unwrap_or_default() }</td>
                        <td>{ r.role.as_deref().map(|x| role_name(x, lang)).unwrap_or_default() }</td>
                        <td class="mono">{ &r.serial }</td><td class="num">{ r.count }</td>
                    </tr> }) }</tbody>
                </table>
            </> }
        }
    };
    html! {
        <section id="op-stats-page" class="card">
            <h1>{ lang.t("签名统计", "Signing statistics") }</h1>
            <form class="actions" onsubmit={on_period}>
                <label class="inline">{ lang.t("起始日期", "From") }<input type="date" id="st-from" /></label>
                <label class="inline">{ lang.t("截止日期", "To") }<input type="date" id="st-to" /></label>
                <button type="submit" id="st-go">{ lang.t("统计", "Count") }</button>
            </form>
            { body }
        </section>
    }
}
