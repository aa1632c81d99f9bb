//! The published results of a tender (`GET /api/v1/tenders/{id}/results`):
//! per item the ranked quotes with the winner, quotes over the ceiling, a
//! price chart against the ceiling (inline SVG); invalid bids with their
//! reasons and officials whose shares were bad.

use serde::Deserialize;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox};
use crate::i18n::Lang;
use crate::money::fen_to_yuan;
use crate::orgs::{Names, use_names};
use crate::pages::show_time_text;

/// The signed results as served.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Signed {
    document: String,
    signature: String,
    timestamp: String,
    published_at: String,
}

/// The results document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ResultsDoc {
    /// Tender id.
    pub tender: String,
    /// When evaluated.
    pub evaluated_at: String,
    /// The evaluation.
    pub evaluation: Evaluation,
    /// Officials found to have sent bad shares.
    #[serde(default)]
    pub officials_with_bad_shares: Vec<BadOfficial>,
}

/// An official with bad shares.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BadOfficial {
    /// Index.
    pub official: i64,
    /// What was wrong.
    pub detail: String,
}

/// The evaluation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Evaluation {
    /// Per item.
    pub items: Vec<ItemResult>,
    /// Bids invalid as a whole.
    pub invalid_bids: Vec<Rejected>,
    /// Bids opened.
    pub bids: usize,
}

/// One item's evaluation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ItemResult {
    /// Item number.
    pub no: i64,
    /// Generic name.
    pub generic_name: String,
    /// Ceiling, fen.
    pub ceiling_fen: u64,
    /// Valid quotes, ranked.
    pub ranking: Vec<Ranked>,
    /// Quotes over the ceiling.
    pub rejected: Vec<Rejected>,
}

/// A ranked quote.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Ranked {
    /// 1 = lowest.
    pub rank: usize,
    /// Bidder's USCC.
    pub bidder: String,
    /// Unit price, fen.
    pub price_fen: u64,
    /// Received, RFC 3339.
    pub received_at: String,
}

/// A quote or bid not ranked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Rejected {
    /// Bidder's USCC.
    pub bidder: String,
    /// Price, when there was one.
    pub price_fen: Option<u64>,
    /// Why.
    pub reason: String,
}

/// The price chart of one item: a bar per quote, the ceiling as a line.
pub fn price_chart(it: &ItemResult, names: &Names, lang: Lang) -> Html {
    let mut bars: Vec<(String, u64, &'static str)> = it
        .ranking
        .iter()
        .map(|r| (names.short(&r.bidder), r.price_fen, if r.rank == 1 { "bar win" } else { "bar" }))
        .collect();
    bars.extend(it.rejected.iter().filter_map(|r| Some((names.short(&r.bidder), r.price_fen?, "bar over"))));
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(it.ceiling_fen).max(1) as f64;
    let (left, width, row) = (170.0, 380.0, 26.0);
    let height = row * bars.len().max(1) as f64 + 30.0;
    let x = |fen: u64| left + width * fen as f64 / (max * 1.1);
    let ceiling_x = x(it.ceiling_fen);
    let rows = bars.iter().enumerate().map(|(i, (bidder, fen, class))| {
        let y = 20.0 + row * i as f64;
        html! { <g>
            <text x="0" y={format!("{}", y + 14.0)} class="label">{ bidder }</text>
            <rect class={*class} x={left.to_string()} y={y.to_string()} width={format!("{:.1}", x(*fen) - left)} height="18" />
            <text x={format!("{:.1}", x(*fen) + 4.0)} y={format!("{}", y + 14.0)} class="value">{ fen_to_yuan(*fen) }</text>
        </g> }
    });
    html! {
        <svg class="price-chart" id={format!("chart-{}", it.no)} role="img" viewBox={format!("0 0 640 {height}")}
            width="640" height={height.to_string()} data-quotes={bars.len().to_string()}>
            <title>{ format!("{} {} · {}", lang.t("品目", "Item"), it.no, lang.t("报价与最高限价", "quotes against the ceiling")) }</title>
            { for rows }
            <line class="ceiling" x1={format!("{ceiling_x:.1}")} x2={format!("{ceiling_x:.1}")} y1="12" y2={format!("{}", height - 4.0)} />
            <text class="ceiling-label" x={format!("{:.1}", ceiling_x + 4.0)} y="12">
                { format!("{} {}", lang.t("最高限价", "ceiling"), fen_to_yuan(it.ceiling_fen)) }</text>
        </svg>
    }
}

fn item_view(it: &ItemResult, names: &Names, lang: Lang) -> Html {
    let winner = it.ranking.first();
    html! {
        <div class="item-result" id={format!("item-{}", it.no)}>
            <h3>{ format!("{} {} · {} · {} {} {}", lang.t("品目", "Item"), it.no, it.generic_name,
                lang.t("最高限价", "ceiling"), fen_to_yuan(it.ceiling_fen), lang.t("元", "yuan")) }</h3>
            <p class="winner" id={format!("winner-{}", it.no)}>{ match winner {
                Some(w) => format!("{}{}（{} {}）", lang.t("中选：", "Winner: "), names.label(&w.bidder), fen_to_yuan(w.price_fen), lang.t("元", "yuan")),
                None => lang.t("无有效报价", "no valid quote").to_string(),
            } }</p>
            { price_chart(it, names, lang) }
            <table class="list"><thead><tr>
                <th>{ lang.t("排名", "Rank") }</th><th>{ lang.t("投标人（统一社会信用代码）", "Bidder (credit code)") }</th>
                <th>{ lang.t("单价（元）", "Unit price (yuan)") }</th><th>{ lang.t("接收时间（北京时间）", "Received (Beijing time)") }</th>
            </tr></thead><tbody>
                { for it.ranking.iter().map(|r| html! { <tr>
                    <td>{ r.rank }</td><td>{ names.label(&r.bidder) }</td><td class="num">{ fen_to_yuan(r.price_fen) }</td>
                    <td>{ show_time_text(&r.received_at) }</td></tr> }) }
                { for it.rejected.iter().map(|r| html! { <tr class="warn">
                    <td>{ "—" }</td><td>{ names.label(&r.bidder) }</td><td class="num">{ r.price_fen.map(fen_to_yuan).unwrap_or_default() }</td>
                    <td>{ &r.reason }</td></tr> }) }
            </tbody></table>
        </div>
    }
}

/// Properties of [`ResultsView`].
#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    /// The tender.
    pub tender: String,
}

/// Fetches and shows the published results.
#[component(ResultsView)]
pub fn results_view(props: &ResultsProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let names = use_names();
    let loaded = use_state(|| None::<Result<(ResultsDoc, String), String>>);
    let verdict = use_state(|| None::<Result<String, String>>);
    {
        let (loaded, verdict) = (loaded.clone(), verdict.clone());
        use_effect_with(props.tender.clone(), move |id| {
            let id = id.clone();
            spawn_local(async move {
                let got: Result<Signed, ApiError> = api::get(&format!("/api/v1/tenders/{id}/results")).await;
                let signed = got.as_ref().ok().cloned();
                loaded.set(Some(got.map_err(|e| e.to_string()).and_then(|s| {
                    serde_json::from_str::<ResultsDoc>(&s.document)
                        .map(|d| (d, s.published_at))
                        .map_err(|e| format!("the results document is not readable: {e}"))
                })));
                if let Some(s) = signed {
                    let checked =
                        super::verify::verify_results(&s.document, &s.signature, &s.timestamp).await;
                    verdict.set(Some(checked.map(crate::pages::show_time)));
                }
            });
        });
    }
    let (doc, at) = match &*loaded {
        None => {
            return html! { <Busy what={Some(lang.t("正在读取评审结果…", "Loading the results…").to_string())} /> };
        }
        Some(Err(e)) => return html! { <ErrorBox error={Some(e.clone())} /> },
        Some(Ok(d)) => d.clone(),
    };
    html! {
        <div id="results" class="results">
            <h2>{ lang.t("评审结果", "Results") }</h2>
            { match &*verdict {
                None => html! { <Busy what={Some(lang.t("正在验证结果的签名和时间戳…", "Verifying the results' signature and time stamp…").to_string())} /> },
                Some(Ok(at)) => html! { <p class="ok" id="results-verified">{ lang.t("结果有效：平台签名与时间戳均已验证，时间戳时间 ", "Results valid: the platform's signature and the time stamp verify; stamped at ") }{ at }</p> },
                Some(Err(e)) => html! { <ErrorBox error={Some(format!("{}: {e}", lang.t("结果验证失败", "The results do not verify")))} /> },
            } }
            <p class="hint">{ format!("{}{} · {}{}", lang.t("已解密投标：", "Bids opened: "), doc.evaluation.bids,
                lang.t("发布时间（北京时间）：", "published (Beijing time): "), show_time_text(&at)) }</p>
            { for doc.evaluation.items.iter().map(|it| item_view(it, &names, lang)) }
            <h3>{ lang.t("无效投标", "Invalid bids") }</h3>
            if doc.evaluation.invalid_bids.is_empty() {
                <p id="invalid-bids" class="hint">{ lang.t("无", "None") }</p>
            } else {
                <table class="list" id="invalid-bids"><tbody>{ for doc.evaluation.invalid_bids.iter().map(|r| html! {
                    <tr><td>{ names.label(&r.bidder) }</td><td>{ &r.reason }</td></tr> }) }</tbody></table>
            }
            <h3>{ lang.t("解密份额有误的委员", "Officials with bad shares") }</h3>
            if doc.officials_with_bad_shares.is_empty() {
                <p id="bad-officials" class="hint">{ lang.t("无", "None") }</p>
            } else {
                <table class="list" id="bad-officials"><tbody>{ for doc.officials_with_bad_shares.iter().map(|b| html! {
                    <tr><td>{ b.official + 1 }</td><td>{ &b.detail }</td></tr> }) }</tbody></table>
            }
        </div>
    }
}
