//! What a bidder sees after the opening (`GET /api/v1/tenders/{id}/results`,
//! the bidder's view): per item the winner and the winning price, the
//! bidder's own quote with its rank among the valid quotes, its quotes over
//! the ceiling and its bids found invalid, with the reasons. Until the
//! results are published the page says so and looks again every 5 seconds.

use gloo::timers::callback::Interval;
use serde::Deserialize;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox};
use crate::i18n::Lang;
use crate::money::fen_to_yuan;
use crate::orgs::use_names;
use crate::pages::show_time_text;

/// The bidder's view of the results.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct MyResults {
    published_at: String,
    items: Vec<MyItem>,
    my_invalid_bids: Vec<Invalid>,
}

/// One item, as the bidder sees it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct MyItem {
    no: u32,
    generic_name: String,
    ceiling_fen: u64,
    winner: Option<Ranked>,
    mine: Vec<Ranked>,
    rejected: Vec<Invalid>,
    /// How many valid quotes the item had.
    quotes: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Ranked {
    rank: usize,
    bidder: String,
    price_fen: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Invalid {
    price_fen: Option<u64>,
    reason: String,
}

/// Properties of [`BidderResults`].
#[derive(Properties, PartialEq)]
pub struct BidderResultsProps {
    /// The tender.
    pub tender: String,
}

/// The results and the bidder's ranking.
#[component(BidderResults)]
pub fn bidder_results(props: &BidderResultsProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let names = use_names();
    let loaded = use_state(|| None::<Result<MyResults, ApiError>>);
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let i = Interval::new(5_000, move || tick.set(*tick + 1));
            move || drop(i)
        });
    }
    {
        let loaded = loaded.clone();
        let done = matches!(&*loaded, Some(Ok(_)));
        use_effect_with((props.tender.clone(), *tick, done), move |(id, _, done)| {
            if !*done {
                let (loaded, path) = (loaded.clone(), format!("/api/v1/tenders/{id}/results"));
                spawn_local(async move { loaded.set(Some(api::get(&path).await)) });
            }
        });
    }
    let r = match &*loaded {
        None => {
            return html! { <Busy what={Some(lang.t("正在读取评审结果…", "Loading the results…").to_string())} /> };
        }
        Some(Err(e)) if e.status == 404 => {
            return html! { <p class="hint" id="results-pending">{ lang.t("开标结果尚未发布，本页每 5 秒查看一次。", "The results are not published yet; this page looks again every 5 seconds.") }</p> };
        }
        Some(Err(e)) => return html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(r)) => r.clone(),
    };
    let rows = r.items.iter().map(|it| {
        let mine = it.mine.first();
        let won = mine.is_some_and(|m| m.rank == 1);
        let over = it.rejected.first();
        html! { <tr key={it.no.to_string()} class={classes!(won.then_some("won"))}>
            <td>{ it.no }</td><td>{ &it.generic_name }</td><td class="num">{ fen_to_yuan(it.ceiling_fen) }</td>
            <td id={format!("winner-{}", it.no)}>{ it.winner.as_ref().map(|w| names.label(&w.bidder)).unwrap_or_else(|| lang.t("无有效报价", "no valid quote").into()) }</td>
            <td class="num">{ it.winner.as_ref().map(|w| fen_to_yuan(w.price_fen)).unwrap_or_default() }</td>
            <td class="num">{ match (mine, over) {
                (Some(m), _) => fen_to_yuan(m.price_fen),
                (None, Some(o)) => o.price_fen.map(fen_to_yuan).unwrap_or_default(),
                (None, None) => "—".into(),
            } }</td>
            <td id={format!("my-rank-{}", it.no)} data-rank={mine.map(|m| m.rank.to_string()).unwrap_or_default()}>{ match (mine, over) {
                (Some(m), _) if m.rank == 1 => format!("{} / {} · {}", m.rank, it.quotes, lang.t("中选", "awarded")),
                (Some(m), _) => format!("{} / {}", m.rank, it.quotes),
                (None, Some(o)) => format!("{}：{}", lang.t("无效", "invalid"), o.reason),
                (None, None) => lang.t("未报价", "not quoted").into(),
            } }</td>
        </tr> }
    });
    html! {
        <div id="my-results" class="results">
            <h2>{ lang.t("开标结果与我的排名", "Results and my ranking") }</h2>
            <p class="hint">{ lang.t("发布时间（北京时间）：", "Published (Beijing time): ") }{ show_time_text(&r.published_at) }</p>
            <table class="list">
                <thead><tr><th>{ lang.t("品目", "Item") }</th><th>{ lang.t("通用名", "Generic name") }</th><th>{ lang.t("最高限价（元）", "Ceiling (yuan)") }</th>
                    <th>{ lang.t("中选企业", "Winner") }</th><th>{ lang.t("中选价（元）", "Winning price (yuan)") }</th>
                    <th>{ lang.t("我的报价（元）", "My price (yuan)") }</th><th>{ lang.t("我的排名 / 有效报价数", "My rank / valid quotes") }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if !r.my_invalid_bids.is_empty() {
                <h3>{ lang.t("我的无效投标", "My invalid bids") }</h3>
                <ul id="my-invalid">{ for r.my_invalid_bids.iter().map(|b| html! { <li>{ &b.reason }</li> }) }</ul>
            }
        </div>
    }
}
