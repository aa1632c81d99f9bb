//! One tender: items and ceilings, the bidding window with a countdown, and
//! for bidders the quote form that seals and submits the bid in the browser.

use std::collections::BTreeMap;

use gloo::timers::callback::Interval;
use time::OffsetDateTime;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, now_ms, yield_to_browser};
use crate::i18n::Lang;
use crate::money::{fen_to_yuan, yuan_to_fen};
use crate::pages::bid::{self, KeptReceipt, TenderDetail};
use crate::pages::receipt::ReceiptPanel;
use crate::pages::tenders::status_name;
use crate::pages::{parse_time, show_duration, show_time_text};
use crate::session::Session;

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

/// The tender page.
#[component(TenderPage)]
pub fn tender_page(props: &TenderProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let detail = use_state(|| None::<Result<TenderDetail, ApiError>>);
    let now = use_state(OffsetDateTime::now_utc);
    // What the user typed per item; read when the form is submitted.
    let quotes = use_mut_ref(BTreeMap::<u32, String>::new);
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let kept = use_state(|| KeptReceipt::load(&props.id));
    let seal_ms = use_state(|| None::<f64>);
    {
        let (detail, id) = (detail.clone(), props.id.clone());
        use_effect_with(id, move |id| {
            let (detail, id) = (detail.clone(), id.clone());
            spawn_local(async move { detail.set(Some(api::get(&format!("/api/v1/tenders/{id}")).await)) });
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
    let bidder = props.session.user.role == "bidder";
    let on_submit = {
        let (t, quotes, busy, error, kept, seal_ms) =
            (t.clone(), quotes.clone(), busy.clone(), error.clone(), kept.clone(), seal_ms.clone());
        let identity = props.session.identity.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let prices = match read_quotes(&t, &quotes.borrow(), lang) {
                Ok(p) => p,
                Err(e) => return error.set(Some(e)),
            };
            error.set(None);
            busy.set(Some(
                lang.t(
                    "正在本机密封投标（签名并加密）…",
                    "Sealing the bid on this computer (signing and encrypting)…",
                )
                .into(),
            ));
            let (t, busy, error, kept, seal_ms, identity) =
                (t.clone(), busy.clone(), error.clone(), kept.clone(), seal_ms.clone(), identity.clone());
            spawn_local(async move {
                yield_to_browser().await;
                let started = now_ms();
                let sealed = match bid::seal(&t, &prices, &identity) {
                    Ok(s) => s,
                    Err(e) => {
                        busy.set(None);
                        return error.set(Some(format!("{}: {e}", lang.t("密封失败", "Sealing failed"))));
                    }
                };
                seal_ms.set(Some(now_ms() - started));
                gloo::console::log!(format!("bid sealed in the browser in {:.0} ms", now_ms() - started));
                busy.set(Some(lang.t("正在提交密封的投标…", "Submitting the sealed bid…").into()));
                let result = bid::submit(&t.id, &sealed).await;
                busy.set(None);
                match result {
                    Ok(r) => {
                        r.save(&t.id);
                        kept.set(Some(r));
                    }
                    Err(e) => error
                        .set(Some(format!("{}: {e}", lang.t("投标未被接收", "The bid was not accepted")))),
                }
            });
        })
    };
    let rows = t.items.iter().map(|it| {
        let quotes = quotes.clone();
        let no = it.no;
        let oninput = Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                quotes.borrow_mut().insert(no, input.value());
            }
        });
        html! { <tr>
            <td>{ it.no }</td><td>{ &it.generic_name }</td><td>{ &it.dosage_form }</td><td>{ &it.specification }</td>
            <td>{ &it.unit }</td><td class="num">{ it.quantity }</td><td class="num">{ fen_to_yuan(it.ceiling_fen) }</td>
            if bidder {
                <td><input type="text" inputmode="decimal" class="quote" id={format!("quote-{}", it.no)}
                    placeholder={lang.t("单价（元）", "unit price (yuan)")} {oninput} disabled={!open || busy.is_some()} /></td>
            }
        </tr> }
    });
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
                        if bidder { <th>{ lang.t("报价（元）", "Your price (yuan)") }</th> }
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                if bidder && open {
                    <button type="submit" id="submit-bid" disabled={busy.is_some()}>{ lang.t("密封并提交投标", "Seal and submit the bid") }</button>
                }
            </form>
            if !bidder { <p class="hint">{ lang.t("只有投标人可以在此投标。", "Only bidders can bid here.") }</p> }
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
            if let Some(ms) = *seal_ms {
                <p class="hint" id="seal-time" data-ms={format!("{ms:.0}")}>{ format!("{} {ms:.0} ms", lang.t("浏览器内密封耗时", "Sealed in the browser in")) }</p>
            }
            if let Some(k) = (*kept).clone() { <ReceiptPanel tender={t.id.clone()} kept={k} /> }
        </section>
    }
}
