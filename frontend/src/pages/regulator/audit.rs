//! The audit trail for regulators and CA operators (`GET /api/v1/audit`):
//! filter by action prefix, actor, subject and time (Beijing time), page by
//! sequence number, each event with its hashes.

use serde::Deserialize;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox};
use crate::i18n::Lang;
use crate::pages::show_time_text;

/// One audit event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    /// Position in the chain.
    pub seq: i64,
    /// When, RFC 3339 UTC.
    pub time: String,
    /// Who acted.
    pub actor: String,
    /// What happened.
    pub action: String,
    /// What it happened to.
    pub subject: String,
    /// Further facts, JSON text.
    pub details: String,
    /// The previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// A page of events.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page {
    /// The events, oldest first.
    pub events: Vec<Event>,
    /// The `after_seq` of the next page.
    pub next_after_seq: Option<i64>,
}

/// The filter as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Action prefix.
    pub action: String,
    /// Actor.
    pub actor: String,
    /// Subject.
    pub subject: String,
    /// From, `datetime-local` text (Beijing time).
    pub from: String,
    /// To, `datetime-local` text (Beijing time).
    pub to: String,
}

/// A `datetime-local` value (`2026-11-22T20:00`, read as Beijing time) as RFC 3339.
pub fn local_to_rfc3339(v: &str) -> Option<String> {
    let v = v.trim();
    match v.len() {
        0 => None,
        16 => Some(format!("{v}:00+08:00")),
        _ => Some(format!("{v}+08:00")),
    }
}

/// The query string of a page after `after` (sequence number) of `limit` events.
pub fn query(f: &Filter, after: i64, limit: u32) -> String {
    let enc = |s: &str| String::from(js_sys::encode_uri_component(s));
    let mut q = format!("after_seq={after}&limit={limit}");
    for (k, v) in [("action", f.action.trim()), ("actor", f.actor.trim()), ("subject", f.subject.trim())] {
        if !v.is_empty() {
            q.push_str(&format!("&{k}={}", enc(v)));
        }
    }
    for (k, v) in [("from", &f.from), ("to", &f.to)] {
        if let Some(t) = local_to_rfc3339(v) {
            q.push_str(&format!("&{k}={}", enc(&t)));
        }
    }
    q
}

/// Events per page.
const PAGE: u32 = 50;

/// The audit page.
#[component(AuditPage)]
pub fn audit_page() -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let filter = use_state(Filter::default);
    // The `after_seq` of each page shown so far (the last is the current page).
    let pages = use_state(|| vec![0i64]);
    let result = use_state(|| None::<Result<Page, ApiError>>);
    let refs = [use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref()];
    {
        let result = result.clone();
        let after = pages.last().copied().unwrap_or(0);
        use_effect_with(((*filter).clone(), after), move |(f, after)| {
            result.set(None);
            let q = query(f, *after, PAGE);
            spawn_local(async move { result.set(Some(api::get(&format!("/api/v1/audit?{q}")).await)) });
        });
    }
    let on_search = {
        let (filter, pages, refs) = (filter.clone(), pages.clone(), refs.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let v = |i: usize| refs[i].cast::<HtmlInputElement>().map(|x| x.value()).unwrap_or_default();
            filter.set(Filter { action: v(0), actor: v(1), subject: v(2), from: v(3), to: v(4) });
            pages.set(vec![0]);
        })
    };
    let next = match &*result {
        Some(Ok(p)) => p.next_after_seq,
        _ => None,
    };
    let on_next = {
        let pages = pages.clone();
        Callback::from(move |_| {
            if let Some(n) = next {
                let mut v = (*pages).clone();
                v.push(n);
                pages.set(v);
            }
        })
    };
    let on_prev = {
        let pages = pages.clone();
        Callback::from(move |_| {
            let mut v = (*pages).clone();
            if v.len() > 1 {
                v.pop();
                pages.set(v);
            }
        })
    };
    let body = match &*result {
        None => {
            html! { <Busy what={Some(lang.t("正在读取审计日志…", "Loading the audit trail…").to_string())} /> }
        }
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(p)) if p.events.is_empty() => {
            html! { <p id="no-events">{ lang.t("没有符合条件的事件。", "No event matches.") }</p> }
        }
        Some(Ok(p)) => html! {
            <table class="list audit" id="audit-table">
                <thead><tr><th>{ lang.t("序号", "Seq") }</th><th>{ lang.t("时间（北京时间）", "Time (Beijing)") }</th>
                    <th>{ lang.t("操作者", "Actor") }</th><th>{ lang.t("操作", "Action") }</th><th>{ lang.t("对象", "Subject") }</th>
                    <th>{ lang.t("详情", "Details") }</th><th>{ lang.t("哈希", "Hash") }</th></tr></thead>
                <tbody>{ for p.events.iter().map(|e| html! { <tr class="audit-event" data-action={e.action.clone()}>
                    <td class="num">{ e.seq }</td><td>{ show_time_text(&e.time) }</td>
                    <td class="mono small">{ &e.actor }</td><td class="audit-action">{ &e.action }</td><td class="mono small">{ &e.subject }</td>
                    <td class="mono small details">{ &e.details }</td>
                    <td class="mono small" title={format!("prev {}", e.prev_hash)}>{ e.hash.get(..16).unwrap_or(e.hash.as_str()) }{ "…" }</td>
                </tr> }) }</tbody>
            </table>
        },
    };
    let f = &*filter;
    html! {
        <section id="audit-page" class="card">
            <h1>{ lang.t("审计日志", "Audit trail") }</h1>
            <form class="filters" onsubmit={on_search}>
                <label>{ lang.t("操作前缀", "Action prefix") }<input type="text" id="audit-action" ref={refs[0].clone()} value={f.action.clone()} placeholder="contract." /></label>
                <label>{ lang.t("操作者（证书序列号）", "Actor (certificate serial)") }<input type="text" id="audit-actor" ref={refs[1].clone()} value={f.actor.clone()} /></label>
                <label>{ lang.t("对象", "Subject") }<input type="text" id="audit-subject" ref={refs[2].clone()} value={f.subject.clone()} /></label>
                <label>{ lang.t("起始时间（北京时间）", "From (Beijing time)") }<input type="datetime-local" id="audit-from" ref={refs[3].clone()} value={f.from.clone()} /></label>
                <label>{ lang.t("截止时间（北京时间）", "To (Beijing time)") }<input type="datetime-local" id="audit-to" ref={refs[4].clone()} value={f.to.clone()} /></label>
                <button type="submit" id="audit-search">{ lang.t("查询", "Search") }</button>
            </form>
            { body }
            <p class="pager">
                <button type="button" id="audit-prev" onclick={on_prev} disabled={pages.len() <= 1}>{ lang.t("上一页", "Previous") }</button>
                { format!(" {} {} ", lang.t("第", "Page"), pages.len()) }{ lang.t("页 ", "") }
                <button type="button" id="audit-next" onclick={on_next} disabled={next.is_none()}>{ lang.t("下一页", "Next") }</button>
            </p>
            <super::log::LogMonitor />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::local_to_rfc3339;

    #[test]
    fn local_times_are_beijing_time() {
        assert_eq!(local_to_rfc3339("2026-11-22T20:00").as_deref(), Some("2026-11-22T20:00:00+08:00"));
        assert_eq!(local_to_rfc3339("2026-11-22T20:00:05").as_deref(), Some("2026-11-22T20:00:05+08:00"));
        assert_eq!(local_to_rfc3339(" "), None);
    }
}
