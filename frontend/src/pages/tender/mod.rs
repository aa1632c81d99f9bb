//! One tender: items and ceilings, the bidding window with a countdown;
//! for bidders the quote form (typed in, or imported from a spreadsheet)
//! that seals the bid in the browser and submits it, replaces it or
//! withdraws it before the deadline, with the receipt and the history of
//! their bids; after the opening, the results — for a bidder with its own
//! ranking ([`results`]).

pub mod results;
pub mod spreadsheet;

use std::collections::BTreeMap;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use time::OffsetDateTime;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, chosen_file, download, now_ms, read_file, yield_to_browser};
use crate::i18n::Lang;
use crate::money::{fen_to_yuan, yuan_to_fen};
use crate::pages::bid::{self, KeptReceipt, MyBid, TenderDetail};
use crate::pages::official::results::ResultsView;
use crate::pages::receipt::ReceiptPanel;
use crate::pages::tenders::status_name;
use crate::pages::{parse_time, show_duration, show_time_text};
use crate::session::Session;
use results::BidderResults;

/// Properties of [`TenderPage`].
#[derive(Properties, PartialEq)]
pub struct TenderProps {
    /// The tender's id.
    pub id: String,
    /// The session (its key seals the bid).
    pub session: Session,
}

/// Where the window stands at `now`.
fn window_text(t: &TenderDetail, now: OffsetDateTime, lang: Lang) -> (bool, String) {
    let (Some(opens), Some(deadline)) = (parse_time(&t.opens_at), parse_time(&t.deadline)) else {
        return (false, String::new());
    };
    if t.status != "published" {
        (false, status_name(&t.status, lang))
    } else if now < opens {
        (false, format!("{}{}", lang.t("距投标开始 ", "Bidding opens in "), show_duration(opens - now)))
    } else if now < deadline {
        (true, format!("{}{}", lang.t("距投标截止 ", "Bidding closes in "), show_duration(deadline - now)))
    } else {
        (false, lang.t("投标已截止", "Bidding has closed").to_string())
    }
}

/// Reads the quote form: every item priced, in fen; errors name the item.
fn read_quotes(
    t: &TenderDetail,
    quotes: &BTreeMap<u32, String>,
    lang: Lang,
) -> Result<BTreeMap<u32, u64>, String> {
    let mut out = BTreeMap::new();
    for it in &t.items {
        let text = quotes.get(&it.no).map(String::as_str).unwrap_or("").trim();
        let fen = yuan_to_fen(text).filter(|f| *f > 0).ok_or_else(|| {
            format!(
                "{} {}: {}",
                lang.t("品目", "Item"),
                it.no,
                lang.t(
                    "请输入大于 0 的单价（元，最多两位小数）",
                    "enter a unit price above 0 (yuan, at most 2 decimals)"
                )
            )
        })?;
        out.insert(it.no, fen);
    }
    Ok(out)
}

/// The quotes typed so far: item number → text as typed. A reducer, so
/// that quick successive inputs never work on a stale copy.
#[derive(Debug, Default, PartialEq)]
struct Quotes(BTreeMap<u32, String>);

enum QuoteEdit {
    /// One item's text.
    Set(u32, String),
    /// Prices imported from a file, over what was typed.
    Import(BTreeMap<u32, String>),
}

impl Reducible for Quotes {
    type Action = QuoteEdit;

    fn reduce(self: Rc<Self>, edit: QuoteEdit) -> Rc<Self> {
        let mut q = self.0.clone();
        match edit {
            QuoteEdit::Set(no, text) => {
                q.insert(no, text);
            }
            QuoteEdit::Import(prices) => q.extend(prices),
        }
        Rc::new(Quotes(q))
    }
}

/// A bid status for people.
fn bid_status_name(status: &str, lang: Lang) -> String {
    match status {
        "active" => lang.t("有效", "active"),
        "replaced" => lang.t("已替换", "replaced"),
        "withdrawn" => lang.t("已撤回", "withdrawn"),
        "invalidated" => lang.t("已失效（项目变更）", "invalidated (tender amended)"),
        other => return other.to_string(),
    }
    .to_string()
}

/// A file's text: UTF-8, else GB18030 (what Excel writes on a Chinese system).
fn file_text(bytes: &[u8]) -> Result<String, String> {
    if let Some(text) = spreadsheet::utf8_text(bytes) {
        return Ok(text);
    }
    let decoder = web_sys::TextDecoder::new_with_label("gb18030")
        .map_err(|_| "this browser cannot read GB18030 text".to_string())?;
    decoder.decode_with_u8_array(bytes).map_err(|_| "the file is neither UTF-8 nor GB18030 text".to_string())
}

/// The bidder's bids for the tender, oldest first.
fn my_bids_html(bids: &[MyBid], lang: Lang) -> Html {
    html! {
        <table class="list" id="my-bids">
            <thead><tr><th>{ lang.t("投标编号", "Bid") }</th><th>{ lang.t("状态", "Status") }</th>
                <th>{ lang.t("接收时间（北京时间）", "Received (Beijing time)") }</th><th>{ lang.t("信封 SM3 摘要", "Envelope SM3 hash") }</th></tr></thead>
            <tbody>{ for bids.iter().map(|b| html! {
                <tr key={b.id.to_string()} class="my-bid" data-id={b.id.to_string()} data-status={b.status.clone()}>
                    <td>{ b.id }</td><td>{ bid_status_name(&b.status, lang) }</td><td>{ show_time_text(&b.received_at) }</td>
                    <td class="mono">{ b.envelope_hash.get(..16).unwrap_or(&b.envelope_hash) }{ "…" }</td>
                </tr> }) }</tbody>
        </table>
    }
}

/// The tender page.
#[component(TenderPage)]
pub fn tender_page(props: &TenderProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let detail = use_state(|| None::<Result<TenderDetail, ApiError>>);
    let now = use_state(OffsetDateTime::now_utc);
    let quotes = use_reducer(Quotes::default);
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    let owner = props.session.user.serial.clone();
    let kept = use_state(|| KeptReceipt::load(&props.id, &owner));
    let seal_ms = use_state(|| None::<f64>);
    let mine = use_state(|| None::<Result<Vec<MyBid>, ApiError>>);
    let mine_version = use_state(|| 0u32);
    let confirm_withdraw = use_state(|| false);
    let bidder = props.session.user.role == "bidder";
    {
        let (detail, id) = (detail.clone(), props.id.clone());
        use_effect_with(id, move |id| {
            let (detail, id) = (detail.clone(), id.clone());
            spawn_local(async move { detail.set(Some(api::get(&format!("/api/v1/tenders/{id}")).await)) });
        });
    }
    {
        let mine = mine.clone();
        use_effect_with((props.id.clone(), *mine_version), move |(id, _)| {
            if bidder {
                let (mine, id) = (mine.clone(), id.clone());
                spawn_local(async move { mine.set(Some(bid::mine(&id).await)) });
            }
        });
    }
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let tick = Interval::new(1_000, move || now.set(OffsetDateTime::now_utc()));
            move || drop(tick)
        });
    }
    let t = match &*detail {
        None => {
            return html! { <section class="card"><Busy what={Some(lang.t("正在读取招标项目…", "Loading the tender…").to_string())} /></section> };
        }
        Some(Err(e)) => {
            return html! { <section class="card"><ErrorBox error={Some(e.to_string())} /></section> };
        }
        Some(Ok(t)) => t.clone(),
    };
    let (open, window) = window_text(&t, *now, lang);
    // After the opening the quote column goes: the results below say it all.
    let opened = t.status == "opened";
    let quoting = bidder && !opened;
    let active: Option<MyBid> = match &*mine {
        Some(Ok(bids)) => bids.iter().find(|b| b.status == "active").cloned(),
        _ => None,
    };
    let on_submit = {
        let (t, quotes, busy, error, notice, kept, seal_ms, mine_version) = (
            t.clone(),
            quotes.clone(),
            busy.clone(),
            error.clone(),
            notice.clone(),
            kept.clone(),
            seal_ms.clone(),
            mine_version.clone(),
        );
        let (identity, owner, active) = (props.session.identity.clone(), owner.clone(), active.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let prices = match read_quotes(&t, &quotes.0, lang) {
                Ok(p) => p,
                Err(e) => return error.set(Some(e)),
            };
            error.set(None);
            notice.set(None);
            busy.set(Some(
                lang.t(
                    "正在本机密封投标（签名并加密）…",
                    "Sealing the bid on this computer (signing and encrypting)…",
                )
                .into(),
            ));
            let (t, busy, error, notice, kept, seal_ms, mine_version, identity, owner, active) = (
                t.clone(),
                busy.clone(),
                error.clone(),
                notice.clone(),
                kept.clone(),
                seal_ms.clone(),
                mine_version.clone(),
                identity.clone(),
                owner.clone(),
                active.clone(),
            );
            spawn_local(async move {
                yield_to_browser().await;
                let started = now_ms();
                let sealed = match bid::seal(&t, &prices, &identity).await {
                    Ok(s) => s,
                    Err(e) => {
                        busy.set(None);
                        return error.set(Some(format!("{}: {e}", lang.t("密封失败", "Sealing failed"))));
                    }
                };
                seal_ms.set(Some(now_ms() - started));
                gloo::console::log!(format!("bid sealed in the browser in {:.0} ms", now_ms() - started));
                let result = match &active {
                    Some(a) => {
                        busy.set(Some(
                            lang.t("正在以签名请求替换投标…", "Replacing the bid with a signed request…")
                                .into(),
                        ));
                        bid::replace(&t.id, &a.envelope_hash, &sealed, &identity).await
                    }
                    None => {
                        busy.set(Some(lang.t("正在提交密封的投标…", "Submitting the sealed bid…").into()));
                        bid::submit(&t.id, &sealed).await
                    }
                };
                busy.set(None);
                match result {
                    Ok(r) => {
                        r.save(&t.id, &owner);
                        kept.set(Some(r));
                        notice.set(Some(match active {
                            Some(_) => lang.t("投标已替换：原投标作废，新回执如下。", "Bid replaced: the earlier bid no longer counts; the new receipt is below."),
                            None => lang.t("投标已提交，回执如下。", "Bid submitted; the receipt is below."),
                        }.into()));
                    }
                    Err(e) => error
                        .set(Some(format!("{}: {e}", lang.t("投标未被接收", "The bid was not accepted")))),
                }
                mine_version.set(*mine_version + 1);
            });
        })
    };
    let on_withdraw = {
        let (t_id, busy, error, notice, kept, mine_version, confirm) = (
            t.id.clone(),
            busy.clone(),
            error.clone(),
            notice.clone(),
            kept.clone(),
            mine_version.clone(),
            confirm_withdraw.clone(),
        );
        let (identity, owner, active) = (props.session.identity.clone(), owner.clone(), active.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(a) = active.clone() else { return };
            confirm.set(false);
            error.set(None);
            notice.set(None);
            busy.set(Some(
                lang.t("正在以签名请求撤回投标…", "Withdrawing the bid with a signed request…").into(),
            ));
            let (t_id, busy, error, notice, kept, mine_version, identity, owner) = (
                t_id.clone(),
                busy.clone(),
                error.clone(),
                notice.clone(),
                kept.clone(),
                mine_version.clone(),
                identity.clone(),
                owner.clone(),
            );
            spawn_local(async move {
                let result = bid::withdraw(&t_id, &a.envelope_hash, &identity).await;
                busy.set(None);
                match result {
                    Ok(()) => {
                        KeptReceipt::forget(&t_id, &owner);
                        kept.set(None);
                        notice.set(Some(
                            lang.t(
                                "投标已撤回。截止前仍可重新提交。",
                                "Bid withdrawn. You may bid again before the deadline.",
                            )
                            .into(),
                        ));
                    }
                    Err(e) => {
                        error.set(Some(format!("{}: {e}", lang.t("撤回失败", "The withdrawal failed"))))
                    }
                }
                mine_version.set(*mine_version + 1);
            });
        })
    };
    let ask_withdraw = {
        let confirm = confirm_withdraw.clone();
        Callback::from(move |_: MouseEvent| confirm.set(!*confirm))
    };
    let on_import = {
        let (items, quotes, error, notice): (Vec<u32>, _, _, _) =
            (t.items.iter().map(|i| i.no).collect(), quotes.clone(), error.clone(), notice.clone());
        Callback::from(move |e: Event| {
            let Some(file) = chosen_file(&e) else { return };
            if let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                input.set_value("");
            }
            let (items, quotes, error, notice) =
                (items.clone(), quotes.clone(), error.clone(), notice.clone());
            spawn_local(async move {
                let read = read_file(&file)
                    .await
                    .and_then(|b| file_text(&b))
                    .and_then(|text| spreadsheet::parse(&text, &items, lang));
                match read {
                    Ok(prices) => {
                        let n = prices.len();
                        quotes.dispatch(QuoteEdit::Import(prices));
                        error.set(None);
                        notice.set(Some(match lang {
                            Lang::Zh => format!("已从 {} 导入 {n} 个品目的报价，请核对后提交。", file.name()),
                            Lang::En => format!(
                                "Imported the prices of {n} items from {}; check them, then submit.",
                                file.name()
                            ),
                        }));
                    }
                    Err(e) => error.set(Some(format!(
                        "{} {}: {e}",
                        lang.t("无法导入", "Cannot import"),
                        file.name()
                    ))),
                }
            });
        })
    };
    let on_template = {
        let (t_id, items, error) = (t.id.clone(), t.items.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let made = spreadsheet::template(&items, lang)
                .and_then(|text| download(&format!("quotes-{t_id}.csv"), text.as_bytes(), "text/csv"));
            if let Err(e) = made {
                error.set(Some(e));
            }
        })
    };
    let rows = t.items.iter().map(|it| {
        let quotes_edit = quotes.clone();
        let no = it.no;
        let oninput = Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                quotes_edit.dispatch(QuoteEdit::Set(no, input.value()));
            }
        });
        let value = quotes.0.get(&no).cloned().unwrap_or_default();
        html! { <tr key={no.to_string()}>
            <td>{ it.no }</td><td>{ &it.generic_name }</td><td>{ &it.dosage_form }</td><td>{ &it.specification }</td>
            <td>{ &it.unit }</td><td class="num">{ it.quantity }</td><td class="num">{ fen_to_yuan(it.ceiling_fen) }</td>
            if quoting {
                <td><input type="text" inputmode="decimal" class="quote" id={format!("quote-{}", it.no)} {value}
                    placeholder={lang.t("单价（元）", "unit price (yuan)")} {oninput} disabled={!open || busy.is_some()} /></td>
            }
        </tr> }
    });
    let results_visible = opened
        && matches!(
            props.session.user.role.as_str(),
            "bidder" | "centre" | "official" | "operator" | "regulator"
        );
    html! {
        <section id="tender-page" class="card">
            <h1>{ &t.title }<small>{ format!(" {} · v{}", t.id, t.version) }</small></h1>
            <p class="window">
                { lang.t("投标时间（北京时间）：", "Bidding window (Beijing time): ") }{ show_time_text(&t.opens_at) }{ " — " }{ show_time_text(&t.deadline) }
                { lang.t("；开标：", "; opening: ") }{ show_time_text(&t.opening_at) }
            </p>
            <p id="countdown" class={if open { "countdown open" } else { "countdown" }}>{ window }</p>
            <pre class="announcement">{ &t.announcement }</pre>
            <form onsubmit={on_submit}>
                <table class="list" id="items">
                    <thead><tr>
                        <th>{ lang.t("品目", "Item") }</th><th>{ lang.t("通用名", "Generic name") }</th><th>{ lang.t("剂型", "Dosage form") }</th>
                        <th>{ lang.t("规格", "Specification") }</th><th>{ lang.t("单位", "Unit") }</th><th>{ lang.t("数量", "Quantity") }</th>
                        <th>{ lang.t("最高限价（元）", "Ceiling (yuan)") }</th>
                        if quoting { <th>{ lang.t("报价（元）", "Your price (yuan)") }</th> }
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                if bidder && open {
                    <p class="actions">
                        <button type="button" id="quotes-template" onclick={on_template}>{ lang.t("下载报价模板（CSV）", "Download the quote template (CSV)") }</button>
                        <label class="inline">{ lang.t("从 CSV 导入报价", "Import prices from CSV") }
                            <input type="file" id="quotes-csv" accept=".csv,text/csv" onchange={on_import} disabled={busy.is_some()} /></label>
                    </p>
                    if active.is_some() {
                        <button type="submit" id="replace-bid" disabled={busy.is_some()}>{ lang.t("密封并替换当前投标", "Seal and replace the current bid") }</button>
                        { " " }<button type="button" id="withdraw-bid" disabled={busy.is_some()} onclick={ask_withdraw}>{ lang.t("撤回投标…", "Withdraw the bid…") }</button>
                        if *confirm_withdraw {
                            <p class="warn" id="withdraw-ask">{ lang.t("撤回后该投标不再参与开标。确定撤回？", "A withdrawn bid takes no part in the opening. Withdraw it?") }
                                { " " }<button type="button" id="withdraw-confirm" onclick={on_withdraw}>{ lang.t("确定撤回", "Withdraw") }</button></p>
                        }
                    } else {
                        <button type="submit" id="submit-bid" disabled={busy.is_some()}>{ lang.t("密封并提交投标", "Seal and submit the bid") }</button>
                    }
                }
            </form>
            if !bidder { <p class="hint">{ lang.t("只有投标人可以在此投标。", "Only bidders can bid here.") }</p> }
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
            if let Some(n) = &*notice { <p class="ok" id="bid-notice">{ n }</p> }
            if let Some(ms) = *seal_ms {
                <p class="hint" id="seal-time" data-ms={format!("{ms:.0}")}>{ format!("{} {ms:.0} ms", lang.t("浏览器内密封耗时", "Sealed in the browser in")) }</p>
            }
            if let Some(k) = (*kept).clone() {
                if active.as_ref().is_none_or(|a| a.envelope_hash == k.envelope_hash) {
                    <ReceiptPanel tender={t.id.clone()} kept={k} />
                }
            }
            if let Some(Ok(bids)) = &*mine {
                if !bids.is_empty() { <h2>{ lang.t("我的投标记录", "My bids") }</h2>{ my_bids_html(bids, lang) } }
            }
            if let Some(Err(e)) = &*mine { <ErrorBox error={Some(e.to_string())} /> }
            if results_visible {
                if bidder { <BidderResults tender={t.id.clone()} /> } else { <ResultsView tender={t.id.clone()} /> }
            }
        </section>
    }
}
