//! One contract: parties, items, revisions, a preview of the current PDF,
//! and for the party whose turn it is the seal, its place, sign or refuse;
//! the last signer may void its signature before the next party signs.

use std::rc::Rc;

use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::place::{PlacePicker, Position};
use super::{Contract, Detail, Seal, SignAt, my_party, party_name, status_name, usable_seals};
use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, download, yield_to_browser};
use crate::i18n::Lang;
use crate::money::fen_to_yuan;
use crate::pages::show_time_text;
use crate::session::Session;

/// Properties of [`ContractPage`].
#[derive(Properties, PartialEq)]
pub struct ContractProps {
    /// The contract's id.
    pub id: i64,
    /// The session (its key signs).
    pub session: Session,
    /// Back to the list.
    pub on_back: Callback<()>,
}

/// The current PDF: its bytes and an object URL for the preview.
#[derive(PartialEq)]
struct Pdf {
    bytes: Rc<Vec<u8>>,
    url: String,
    pages: usize,
    rev: i64,
}

fn object_url(bytes: &[u8]) -> Option<String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/pdf");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_default()
}

fn items_table(model: &Value, lang: Lang) -> Html {
    let items = model["items"].as_array().cloned().unwrap_or_default();
    let total: u64 = items
        .iter()
        .map(|i| {
            i["quantity"].as_u64().unwrap_or(0).saturating_mul(i["unit_price_fen"].as_u64().unwrap_or(0))
        })
        .sum();
    html! {
        <table class="list" id="contract-items">
            <thead><tr>
                <th>{ lang.t("通用名", "Generic name") }</th><th>{ lang.t("剂型", "Dosage form") }</th><th>{ lang.t("规格", "Specification") }</th>
                <th>{ lang.t("数量", "Quantity") }</th><th>{ lang.t("单价（元）", "Unit price (yuan)") }</th>
            </tr></thead>
            <tbody>
                { for items.iter().map(|i| html! { <tr>
                    <td>{ text(&i["generic_name"]) }</td><td>{ text(&i["dosage_form"]) }</td><td>{ text(&i["specification"]) }</td>
                    <td class="num">{ format!("{} {}", i["quantity"].as_u64().unwrap_or(0), text(&i["unit"])) }</td>
                    <td class="num">{ fen_to_yuan(i["unit_price_fen"].as_u64().unwrap_or(0)) }</td>
                </tr> }) }
                <tr><th colspan="4">{ lang.t("合计（元）", "Total (yuan)") }</th><td class="num" id="contract-total">{ fen_to_yuan(total) }</td></tr>
            </tbody>
        </table>
    }
}

/// The contract page.
#[component(ContractPage)]
pub fn contract_page(props: &ContractProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let reload = use_state(|| 0u32);
    let detail = use_state(|| None::<Result<Detail, ApiError>>);
    let pdf = use_state(|| None::<Result<Pdf, ApiError>>);
    let seals = use_state(|| None::<Result<Vec<Seal>, ApiError>>);
    let seal_choice = use_state(|| None::<i64>);
    let picked = use_state(|| None::<Position>);
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    let reason = use_node_ref();
    {
        let detail = detail.clone();
        use_effect_with((props.id, *reload), move |(id, _)| {
            let (detail, id) = (detail.clone(), *id);
            spawn_local(async move { detail.set(Some(api::get(&format!("/api/v1/contracts/{id}")).await)) });
        });
    }
    {
        let seals = seals.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { seals.set(Some(api::get("/api/v1/seals").await)) });
        });
    }
    let rev = match &*detail {
        Some(Ok(d)) => Some(d.contract.current_rev),
        _ => None,
    };
    {
        let (pdf, id) = (pdf.clone(), props.id);
        use_effect_with(rev, move |rev| {
            if let Some(rev) = *rev {
                spawn_local(async move {
                    let got = super::pdf(id).await.map(|bytes| {
                        let url = object_url(&bytes).unwrap_or_default();
                        Pdf { pages: super::page_count(&bytes), bytes: Rc::new(bytes), url, rev }
                    });
                    if let Some(Ok(old)) = &*pdf {
                        let _ = web_sys::Url::revoke_object_url(&old.url);
                    }
                    pdf.set(Some(got));
                });
            }
        });
    }
    let d = match &*detail {
        None => {
            return html! { <section class="card"><Busy what={Some(lang.t("正在读取合同…", "Loading the contract…").to_string())} /></section> };
        }
        Some(Err(e)) => {
            return html! { <section class="card" id="contract-page"><ErrorBox error={Some(e.to_string())} /></section> };
        }
        Some(Ok(d)) => d.clone(),
    };
    let c: Contract = d.contract.clone();
    let session = &props.session;
    let party = my_party(&c, session);
    let my_turn = party.is_some() && d.next_signer.as_deref() == party;
    let usable = match (&*seals, party) {
        (Some(Ok(all)), Some(p)) => usable_seals(all, session, p),
        _ => Vec::new(),
    };
    let seal_id =
        seal_choice.filter(|id| usable.iter().any(|s| s.id == *id)).or(usable.first().map(|s| s.id));
    let reserved = party.and_then(|p| d.places.iter().find(|pl| pl.role == p)).map(Position::of_place);
    let at = (*picked).or(reserved).unwrap_or(Position { page: 1, x: 105.0, y: 60.0 });
    let pages = match &*pdf {
        Some(Ok(p)) => p.pages,
        _ => 1,
    };
    // The last (not voided) signature, if it is the user's and the next party has not signed yet.
    let last = d.revisions.iter().filter(|r| r.voided_at.is_none()).max_by_key(|r| r.rev);
    let can_void = matches!(
        (c.status.as_str(), party),
        ("seller_signed", Some("seller")) | ("buyer_signed", Some("buyer"))
    ) && last.and_then(|r| r.signer_serial.as_deref()) == Some(session.user.serial.as_str());

    let run = {
        let (busy, error, notice, reload) = (busy.clone(), error.clone(), notice.clone(), reload.clone());
        move |what: String, done: String, fut: crate::pages::contracts::Step<Contract>| {
            let (busy, error, notice, reload) = (busy.clone(), error.clone(), notice.clone(), reload.clone());
            error.set(None);
            notice.set(None);
            busy.set(Some(what));
            spawn_local(async move {
                let r = fut.await;
                busy.set(None);
                match r {
                    Ok(c) => notice.set(Some(format!("{done}: {}", status_name(&c.status, lang)))),
                    Err(e) => error.set(Some(e.to_string())),
                }
                reload.set(*reload + 1);
            });
        }
    };
    let on_sign = {
        let (busy, run, identity, id) = (busy.clone(), run.clone(), session.identity.clone(), c.id);
        let (picked, error, pdf, rev) = (picked.clone(), error.clone(), pdf.clone(), c.current_rev);
        let seal_name = usable.iter().find(|s| Some(s.id) == seal_id).map(|s| s.name.clone());
        Callback::from(move |_| {
            let Some(seal_id) = seal_id else {
                error.set(Some(lang.t("没有可用的印章", "no usable seal").into()));
                return;
            };
            // The revision shown here: the prepared PDF must be it plus the signature.
            let seen = match &*pdf {
                Some(Ok(p)) if p.rev == rev => Some(p.bytes.clone()),
                _ => None,
            };
            let seal_name = seal_name.clone();
            let at = match *picked {
                Some(p) => SignAt { seal_id, page: Some(p.page), x: Some(p.x), y: Some(p.y) },
                None => SignAt { seal_id, page: None, x: None, y: None },
            };
            let (identity, busy) = (identity.clone(), busy.clone());
            let fut = Box::pin(async move {
                let prepared = super::prepare(id, &at).await?;
                busy.set(Some(
                    lang.t("正在本机用私钥签名…", "Signing with your key in this browser…").into(),
                ));
                yield_to_browser().await;
                let chosen = super::Chosen {
                    seal_name: seal_name.as_deref(),
                    seen_pdf: seen.as_deref().map(Vec::as_slice),
                };
                let sig = super::sign_tbs(&identity, &prepared.request, chosen)?;
                busy.set(Some(
                    lang.t(
                        "正在加盖时间戳、嵌入并验证签章…",
                        "Time-stamping, embedding and verifying the seal…",
                    )
                    .into(),
                ));
                let body = json!({ "session_id": prepared.session_id, "signature": sig });
                api::post_json::<_, Contract>(&format!("/api/v1/contracts/{id}/sign/finish"), &body).await
            });
            run(
                lang.t("服务器正在准备待签文件…", "The server is preparing the document…").into(),
                lang.t("签章完成", "Sealed").into(),
                fut,
            );
        })
    };
    let on_refuse = {
        let (run, reason, error, id) = (run.clone(), reason.clone(), error.clone(), c.id);
        Callback::from(move |_| {
            let text = reason.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            if text.trim().is_empty() {
                error.set(Some(lang.t("请填写拒签理由", "enter the reason for refusing").into()));
                return;
            }
            let fut = Box::pin(async move {
                api::post_json::<_, Contract>(
                    &format!("/api/v1/contracts/{id}/refuse"),
                    &json!({ "reason": text.trim() }),
                )
                .await
            });
            run(lang.t("正在拒签…", "Refusing…").into(), lang.t("已拒签", "Refused").into(), fut);
        })
    };
    let on_void = {
        let (run, id) = (run.clone(), c.id);
        Callback::from(move |_| {
            let fut = Box::pin(async move {
                api::post_json::<_, Contract>(&format!("/api/v1/contracts/{id}/void"), &json!({})).await
            });
            run(
                lang.t("正在撤销签章…", "Voiding your signature…").into(),
                lang.t("签章已撤销", "Signature voided").into(),
                fut,
            );
        })
    };
    let on_download = {
        let (pdf, error, number) = (pdf.clone(), error.clone(), c.number.clone());
        Callback::from(move |_| {
            if let Some(Ok(p)) = &*pdf {
                let name = format!("{number}-r{}.pdf", p.rev);
                if let Err(e) = download(&name, &p.bytes, "application/pdf") {
                    error.set(Some(e));
                }
            }
        })
    };
    let on_seal = {
        let seal_choice = seal_choice.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                seal_choice.set(sel.value().parse().ok());
            }
        })
    };
    let on_pick = {
        let picked = picked.clone();
        Callback::from(move |p: Option<Position>| picked.set(p))
    };
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_| on_back.emit(()))
    };
    let working = busy.is_some();
    let preview = match &*pdf {
        None => html! { <Busy what={Some(lang.t("正在读取合同文件…", "Loading the PDF…").to_string())} /> },
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(p)) => html! { <>
            <iframe id="contract-preview" class="pdf-preview" src={p.url.clone()} title={lang.t("合同预览", "Contract preview")}></iframe>
            <p class="hint"><a href={p.url.clone()} target="_blank" id="preview-new-tab">{ lang.t("在新窗口中打开预览", "Open the preview in a new window") }</a>
                { format!(" · {}{}{} · {}{}", lang.t("共 ", "pages: "), p.pages, lang.t(" 页", ""), lang.t("版本 ", "revision "), p.rev) }</p>
        </> },
    };
    let seal_panel = if my_turn {
        let seal_choice_html = match &*seals {
            None => html! { <Busy what={Some(lang.t("正在读取印章…", "Loading seals…").to_string())} /> },
            Some(Err(e)) => {
                html! { <ErrorBox error={Some(format!("{}: {e}", lang.t("印章无法读取", "Cannot read the seals")))} /> }
            }
            Some(Ok(_)) if usable.is_empty() => html! {
                <p class="error" id="no-seal">{ lang.t("您的证书没有可用的有效印章（需经运营方审核通过）。", "Your certificate has no usable active seal (an operator must approve one).") }</p>
            },
            Some(Ok(_)) => html! {
                <label>{ lang.t("印章", "Seal") }{ " " }
                    <select id="seal-select" onchange={on_seal}>
                        { for usable.iter().map(|s| html! {
                            <option value={s.id.to_string()} selected={Some(s.id) == seal_id}>{ format!("{} (#{}, {})", s.name, s.id, s.kind) }</option>
                        }) }
                    </select>
                </label>
            },
        };
        html! {
            <div class="sign-panel" id="sign-panel">
                <h2>{ format!("{} · {}", lang.t("签章", "Seal"), party_name(party.unwrap_or_default(), lang)) }</h2>
                { seal_choice_html }
                <PlacePicker {pages} places={d.places.clone()} {at} is_default={picked.is_none()} {on_pick}
                    picture={seal_id.map(|id| format!("/api/v1/seals/{id}/picture"))} />
                <p>
                    <button type="submit" id="sign-button" onclick={on_sign} disabled={working || seal_id.is_none()}>
                        { if party == Some("regulator") { lang.t("加盖备案章并备案", "Seal and file") } else { lang.t("签章", "Sign and seal") } }
                    </button>
                </p>
                <div class="refuse">
                    <label>{ lang.t("拒签理由", "Reason for refusing") }
                        <input type="text" id="refuse-reason" ref={reason} maxlength="500" /></label>
                    <button type="button" id="refuse-button" onclick={on_refuse} disabled={working}>{ lang.t("拒签", "Refuse") }</button>
                </div>
                <p class="hint">{ lang.t("签名在本机浏览器中完成，私钥不会发送到服务器。", "The signature is made in this browser; your private key never goes to the server.") }</p>
            </div>
        }
    } else {
        let who = d.next_signer.as_deref().map(|p| party_name(p, lang));
        html! { <p class="hint" id="not-my-turn">{ match who {
            Some(w) => format!("{}{w}", lang.t("当前应签章方：", "Next to seal: ")),
            None => lang.t("本合同已无需签章。", "Nobody seals this contract any more.").to_string(),
        } }</p> }
    };
    html! {
        <section id="contract-page" class="card">
            <p><button type="button" class="link" id="back-to-contracts" onclick={back}>{ lang.t("← 返回合同列表", "← Back to the contracts") }</button></p>
            <h1>{ lang.t("采购合同 ", "Purchase contract ") }{ &c.number }</h1>
            <p><span id="contract-status" class={format!("status status-{}", c.status)} data-status={c.status.clone()}>{ status_name(&c.status, lang) }</span></p>
            if let Some(r) = &c.reason { <p class="error" id="refused-reason">{ lang.t("拒签理由：", "Refused: ") }{ r }</p> }
            <table class="fields">
                <tr><th>{ lang.t("招标项目", "Tender") }</th><td>{ text(&d.model["tender_reference"]) }</td></tr>
                <tr><th>{ lang.t("甲方（采购方）", "Buyer") }</th><td id="contract-buyer">{ format!("{} ({})", text(&d.model["buyer"]["name"]), c.buyer_uscc) }</td></tr>
                <tr><th>{ lang.t("乙方（供货方）", "Seller") }</th><td id="contract-seller">{ format!("{} ({})", text(&d.model["seller"]["name"]), c.seller_uscc) }</td></tr>
            </table>
            { items_table(&d.model, lang) }
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
            if let Some(n) = &*notice { <p class="ok" id="contract-notice">{ n }</p> }
            <div class="contract-work">
                <div class="preview">{ preview }
                    <p><button type="button" id="download-pdf" onclick={on_download} disabled={!matches!(&*pdf, Some(Ok(_)))}>
                        { lang.t("下载当前 PDF", "Download the current PDF") }</button></p>
                </div>
                { seal_panel }
            </div>
            <h2>{ lang.t("签章记录", "Signatures") }</h2>
            <table class="list" id="revisions">
                <thead><tr><th>{ lang.t("版本", "Revision") }</th><th>{ lang.t("签章单位", "Organisation") }</th><th>{ lang.t("证书序列号", "Certificate") }</th>
                    <th>{ lang.t("印章", "Seal") }</th><th>{ lang.t("时间（北京时间）", "Time (Beijing)") }</th><th></th></tr></thead>
                <tbody>{ for d.revisions.iter().map(|r| html! { <tr class={if r.voided_at.is_some() { "voided" } else { "" }}>
                    <td>{ r.rev }</td>
                    <td>{ r.signer_uscc.clone().unwrap_or_else(|| lang.t("（生成）", "(generated)").into()) }</td>
                    <td class="mono">{ r.signer_serial.clone().unwrap_or_default() }</td>
                    <td>{ r.seal_id.map(|s| format!("#{s}")).unwrap_or_default() }</td>
                    <td>{ show_time_text(&r.created_at) }</td>
                    <td>{ r.voided_at.as_deref().map(|v| format!("{} {}", lang.t("已撤销", "voided"), show_time_text(v))).unwrap_or_default() }</td>
                </tr> }) }</tbody>
            </table>
            if can_void {
                <p><button type="button" id="void-button" onclick={on_void} disabled={working}>
                    { lang.t("撤销我的签章（对方签章前）", "Void my signature (before the other party signs)") }</button></p>
            }
        </section>
    }
}
