//! The tender list: every tender the user may see, its status and window.

use serde::Deserialize;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox};
use crate::i18n::Lang;
use crate::pages::show_time_text;

/// A tender as listed (`GET /api/v1/tenders`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TenderSummary {
    /// Id, e.g. `T2026-0001`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Bidding opens, RFC 3339.
    pub opens_at: String,
    /// Bidding closes, RFC 3339.
    pub deadline: String,
    /// The opening, RFC 3339.
    pub opening_at: String,
    /// `draft`, `published` or `opened`.
    pub status: String,
}

/// A tender status for people.
pub fn status_name(status: &str, lang: Lang) -> String {
    match status {
        "draft" => lang.t("草稿", "Draft"),
        "published" => lang.t("已发布", "Published"),
        "opened" => lang.t("已开标", "Opened"),
        other => return other.to_string(),
    }
    .to_string()
}

/// Properties of [`TendersPage`].
#[derive(Properties, PartialEq)]
pub struct TendersProps {
    /// Called with the id of the tender the user opens.
    pub on_open: Callback<String>,
}

/// The tender list page.
#[component(TendersPage)]
pub fn tenders_page(props: &TendersProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let list = use_state(|| None::<Result<Vec<TenderSummary>, ApiError>>);
    {
        let list = list.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { list.set(Some(api::get("/api/v1/tenders").await)) });
        });
    }
    let body = match &*list {
        None => html! { <Busy what={Some(lang.t("正在读取招标项目…", "Loading tenders…").to_string())} /> },
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(v)) if v.is_empty() => {
            html! { <p id="no-tenders">{ lang.t("暂无招标项目。", "No tenders yet.") }</p> }
        }
        Some(Ok(v)) => html! {
            <table class="list" id="tender-list">
                <thead><tr>
                    <th>{ lang.t("编号", "Id") }</th><th>{ lang.t("项目名称", "Title") }</th>
                    <th>{ lang.t("状态", "Status") }</th><th>{ lang.t("投标截止（北京时间）", "Deadline (Beijing time)") }</th><th></th>
                </tr></thead>
                <tbody>{ for v.iter().map(|t| {
                    let (on_open, id) = (props.on_open.clone(), t.id.clone());
                    html! { <tr>
                        <td>{ &t.id }</td><td>{ &t.title }</td><td>{ status_name(&t.status, lang) }</td>
                        <td>{ show_time_text(&t.deadline) }</td>
                        <td><button type="button" class="open-tender" data-id={t.id.clone()}
                            onclick={Callback::from(move |_| on_open.emit(id.clone()))}>{ lang.t("查看", "Open") }</button></td>
                    </tr> }
                }) }</tbody>
            </table>
        },
    };
    html! {
        <section id="tenders-page" class="card">
            <h1>{ lang.t("招标项目", "Tenders") }</h1>
            { body }
        </section>
    }
}
