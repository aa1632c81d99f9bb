//! The centre's tenders (drafts included) and the form for a new tender:
//! title, announcement, items with ceiling prices in yuan (sent in fen),
//! the bidding window and opening in Beijing time, the opening committee.

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::{beijing_text, beijing_to_rfc3339};
use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, field_value};
use crate::i18n::Lang;
use crate::money::yuan_to_fen;
use crate::pages::show_time_text;
use crate::pages::tenders::{TenderSummary, status_name};

/// A committee (`GET /api/v1/committees`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Committee {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// t: any t + 1 officials open.
    pub threshold: i64,
    /// `ceremony` or `ready`.
    pub status: String,
}

/// Properties of [`CentreTendersPage`].
#[derive(Properties, PartialEq)]
pub struct CentreTendersProps {
    /// Called with the id of the tender to manage.
    pub on_open: Callback<String>,
}

/// Reads item row `i` of the form; errors name the row and the field.
fn read_item(i: usize, lang: Lang) -> Result<Value, String> {
    let at = |f: &str| field_value(&format!("it-{i}-{f}")).trim().to_string();
    let bad = |what: (&'static str, &'static str)| {
        format!("{} {}: {}", lang.t("品目", "Item"), i + 1, lang.t(what.0, what.1))
    };
    let (name, form, spec, unit) = (at("name"), at("form"), at("spec"), at("unit"));
    if [&name, &form, &spec, &unit].iter().any(|s| s.is_empty()) {
        return Err(bad((
            "通用名、剂型、规格、单位均为必填",
            "generic name, dosage form, specification and unit are required",
        )));
    }
    let quantity = at("qty")
        .parse::<u64>()
        .ok()
        .filter(|q| *q > 0)
        .ok_or_else(|| bad(("数量须为正整数", "the quantity must be a positive whole number")))?;
    let ceiling = yuan_to_fen(&at("ceiling")).filter(|f| *f > 0).ok_or_else(|| {
        bad((
            "最高限价须为大于 0 的金额（元，最多两位小数）",
            "the ceiling must be an amount above 0 (yuan, at most 2 decimals)",
        ))
    })?;
    Ok(json!({ "generic_name": name, "dosage_form": form, "specification": spec, "unit": unit,
               "quantity": quantity, "ceiling_fen": ceiling }))
}

/// Reads the whole form into the body of `POST /api/v1/tenders`.
fn read_tender(rows: usize, lang: Lang) -> Result<Value, String> {
    let title = field_value("nt-title").trim().to_string();
    let announcement = field_value("nt-announcement");
    if title.is_empty() || announcement.trim().is_empty() {
        return Err(lang.t("项目名称和公告均为必填", "The title and the announcement are required").into());
    }
    let time = |id: &str, label: (&'static str, &'static str)| {
        beijing_to_rfc3339(&field_value(id)).ok_or_else(|| {
            format!(
                "{}: {}",
                lang.t(label.0, label.1),
                lang.t("格式为 2026-11-22 20:30（北京时间）", "write it as 2026-11-22 20:30 (Beijing time)")
            )
        })
    };
    let committee = field_value("nt-committee")
        .parse::<i64>()
        .map_err(|_| lang.t("请选择开标委员会", "Choose the opening committee").to_string())?;
    let items = (0..rows).map(|i| read_item(i, lang)).collect::<Result<Vec<_>, _>>()?;
    Ok(json!({
        "title": title, "announcement": announcement, "items": items,
        "opens_at": time("nt-opens", ("投标开始", "Bidding opens"))?,
        "deadline": time("nt-deadline", ("投标截止", "Deadline"))?,
        "opening_at": time("nt-opening", ("开标时间", "Opening"))?,
        "committee": committee,
    }))
}

/// The centre's tender list and the new-tender form.
#[component(CentreTendersPage)]
pub fn centre_tenders_page(props: &CentreTendersProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let list = use_state(|| None::<Result<Vec<TenderSummary>, ApiError>>);
    let committees = use_state(|| None::<Result<Vec<Committee>, ApiError>>);
    let rows = use_state(|| 1usize);
    // The window as typed (kept, so a re-render does not reset it), Beijing time.
    let times = use_mut_ref(|| {
        let now = OffsetDateTime::now_utc();
        [0, 1, 2].map(|h| beijing_text(now + time::Duration::hours(h)))
    });
    let keep_time = |n: usize, id: &'static str| {
        let times = times.clone();
        Callback::from(move |_: InputEvent| times.borrow_mut()[n] = field_value(id))
    };
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    {
        let (list, committees) = (list.clone(), committees.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                list.set(Some(api::get("/api/v1/tenders").await));
                committees.set(Some(api::get("/api/v1/committees").await));
            });
        });
    }
    let add_row = {
        let rows = rows.clone();
        Callback::from(move |_| rows.set(*rows + 1))
    };
    let drop_row = {
        let rows = rows.clone();
        Callback::from(move |_| rows.set((*rows).saturating_sub(1).max(1)))
    };
    let on_create = {
        let (rows, busy, error, on_open) = (*rows, busy.clone(), error.clone(), props.on_open.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = match read_tender(rows, lang) {
                Ok(b) => b,
                Err(e) => return error.set(Some(e)),
            };
            error.set(None);
            busy.set(Some(lang.t("正在创建招标项目…", "Creating the tender…").into()));
            let (busy, error, on_open) = (busy.clone(), error.clone(), on_open.clone());
            spawn_local(async move {
                let r: Result<Value, ApiError> = api::post_json("/api/v1/tenders", &body).await;
                busy.set(None);
                match r {
                    Ok(t) => on_open.emit(t["id"].as_str().unwrap_or_default().to_string()),
                    Err(e) => error.set(Some(format!("{}: {e}", lang.t("未能创建", "Not created")))),
                }
            });
        })
    };
    let table = match &*list {
        None => html! { <Busy what={Some(lang.t("正在读取招标项目…", "Loading tenders…").to_string())} /> },
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(v)) if v.is_empty() => html! { <p>{ lang.t("还没有招标项目。", "No tenders yet.") }</p> },
        Some(Ok(v)) => html! {
            <table class="list" id="centre-tenders">
                <thead><tr><th>{ lang.t("编号", "Id") }</th><th>{ lang.t("项目名称", "Title") }</th><th>{ lang.t("状态", "Status") }</th>
                    <th>{ lang.t("投标截止（北京时间）", "Deadline (Beijing time)") }</th><th></th></tr></thead>
                <tbody>{ for v.iter().map(|t| {
                    let (on_open, id) = (props.on_open.clone(), t.id.clone());
                    html! { <tr><td>{ &t.id }</td><td>{ &t.title }</td><td>{ status_name(&t.status, lang) }</td><td>{ show_time_text(&t.deadline) }</td>
                        <td><button type="button" class="manage-tender" data-id={t.id.clone()} onclick={Callback::from(move |_| on_open.emit(id.clone()))}>{ lang.t("管理", "Manage") }</button></td></tr> }
                }) }</tbody>
            </table>
        },
    };
    let committee_options = match &*committees {
        Some(Ok(v)) => v
            .iter()
            .map(|c| {
                let first_ready = v.iter().find(|x| x.status == "ready").map(|x| x.id) == Some(c.id);
                let label = format!(
                    "{} (#{}, {} {}){}",
                    c.name,
                    c.id,
                    c.threshold + 1,
                    lang.t("人可开标", "to open"),
                    if c.status == "ready" {
                        ""
                    } else {
                        lang.t(" — 密钥仪式未完成", " — key ceremony not finished")
                    }
                );
                html! { <option value={c.id.to_string()} disabled={c.status != "ready"} selected={first_ready}>{ label }</option> }
            })
            .collect::<Html>(),
        _ => html! {},
    };
    let item_row = |i: usize| {
        let cell = |f: &str, hint: &'static str, class: &'static str| {
            html! { <td><input type="text" id={format!("it-{i}-{f}")} placeholder={hint} class={class} /></td> }
        };
        // Keyed: unkeyed rows are matched from the end, which would move typed values down a row.
        html! { <tr key={i}><td>{ i + 1 }</td>
        { cell("name", lang.t("通用名", "generic name"), "") }{ cell("form", lang.t("剂型", "dosage form"), "short") }
        { cell("spec", lang.t("规格", "specification"), "short") }{ cell("unit", lang.t("单位", "unit"), "short") }
        { cell("qty", lang.t("数量", "quantity"), "short") }{ cell("ceiling", lang.t("元", "yuan"), "short") }</tr> }
    };
    html! {
        <section id="centre-tenders-page" class="card">
            <h1>{ lang.t("项目管理", "Manage tenders") }</h1>
            { table }
            if let Some(Err(e)) = &*committees { <ErrorBox error={Some(e.to_string())} /> }
            <h2>{ lang.t("新建招标项目", "New tender") }</h2>
            <form id="new-tender" onsubmit={on_create}>
                <label>{ lang.t("项目名称", "Title") }<input type="text" id="nt-title" class="wide" /></label>
                <label>{ lang.t("招标公告", "Announcement") }<textarea id="nt-announcement" rows="4" /></label>
                <table class="list" id="nt-items">
                    <thead><tr><th>{ lang.t("品目", "Item") }</th><th>{ lang.t("通用名", "Generic name") }</th><th>{ lang.t("剂型", "Dosage form") }</th>
                        <th>{ lang.t("规格", "Specification") }</th><th>{ lang.t("单位", "Unit") }</th><th>{ lang.t("数量", "Quantity") }</th>
                        <th>{ lang.t("最高限价（元）", "Ceiling (yuan)") }</th></tr></thead>
                    <tbody>{ for (0..*rows).map(item_row) }</tbody>
                </table>
                <p><button type="button" id="nt-add-item" onclick={add_row}>{ lang.t("增加品目", "Add an item") }</button>{ " " }
                   <button type="button" id="nt-drop-item" onclick={drop_row}>{ lang.t("删除最后一个品目", "Remove the last item") }</button></p>
                <div class="actions">
                    <label class="inline">{ lang.t("投标开始（北京时间）", "Bidding opens (Beijing time)") }<input type="text" id="nt-opens" value={times.borrow()[0].clone()} oninput={keep_time(0, "nt-opens")} /></label>
                    <label class="inline">{ lang.t("投标截止", "Deadline") }<input type="text" id="nt-deadline" value={times.borrow()[1].clone()} oninput={keep_time(1, "nt-deadline")} /></label>
                    <label class="inline">{ lang.t("开标时间", "Opening") }<input type="text" id="nt-opening" value={times.borrow()[2].clone()} oninput={keep_time(2, "nt-opening")} /></label>
                </div>
                <label>{ lang.t("开标委员会", "Opening committee") }<select id="nt-committee">{ committee_options }</select></label>
                <button type="submit" id="nt-create" disabled={busy.is_some()}>{ lang.t("创建（草稿）", "Create (draft)") }</button>
            </form>
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
        </section>
    }
}
