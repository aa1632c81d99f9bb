//! Regulatory filings (备案): the shapes of the filings API
//! (`/api/v1/filings`, see the filings module of the server), the signer's
//! side of its prepare → sign → finish flows (the applicant's signature and
//! the regulator's approval), and pieces both sides' pages share. The
//! manufacturer's page is [`apply`]; the regulator's review is
//! [`crate::pages::regulator::filings`].

pub mod apply;

use serde::{Deserialize, Serialize};
use serde_json::json;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::i18n::Lang;
use crate::pages::contracts::{Chosen, Seal, SigningRequest, sign_tbs};
use crate::pages::show_time_text;
use crate::session::Identity;

/// Largest attachment the server takes, bytes.
pub const MAX_ATTACHMENT: usize = 8 << 20;

/// A field of a filing kind.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct KindField {
    /// Key.
    pub key: String,
    /// Label (Chinese).
    pub label: String,
    /// Required.
    #[serde(default)]
    pub required: bool,
}

/// A checklist item of a filing kind.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct KindItem {
    /// Number, from 1.
    pub item: u32,
    /// Name.
    pub name: String,
    /// Required.
    #[serde(default)]
    pub required: bool,
}

/// A kind of filing (`GET /api/v1/filings/kinds`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Kind {
    /// Code.
    pub kind: String,
    /// Title.
    pub title: String,
    /// The form's fields.
    pub fields: Vec<KindField>,
    /// The attachments checklist.
    pub checklist: Vec<KindItem>,
}

/// A filing as listed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Summary {
    /// Id.
    pub id: i64,
    /// Number, e.g. `BA-2026-000003`.
    pub number: String,
    /// Kind code.
    pub kind: String,
    /// Kind title.
    pub kind_title: String,
    /// The applicant's organisation.
    pub org_name: String,
    /// Its credit code.
    pub org_uscc: String,
    /// Title.
    pub title: String,
    /// `draft`, `submitted`, `approved`, `rejected`.
    pub status: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The applicant has signed.
    #[serde(default)]
    pub signed: bool,
    /// Current revision.
    #[serde(default)]
    pub current_rev: i64,
    /// Last change.
    pub updated_at: String,
    /// Submitted.
    pub submitted_at: Option<String>,
}

/// A filled-in field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FieldValue {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Value (absent when an optional field was left empty).
    #[serde(default)]
    pub value: Option<String>,
}

/// A checklist item with its attachment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChecklistEntry {
    /// Number, from 1.
    pub item: u32,
    /// Name.
    pub name: String,
    /// Required.
    #[serde(default)]
    pub required: bool,
    /// An attachment is there.
    #[serde(default)]
    pub present: bool,
    /// Its size, bytes.
    pub size: Option<u64>,
    /// Uploaded.
    pub uploaded_at: Option<String>,
    /// Versions uploaded.
    #[serde(default)]
    pub versions: u32,
}

/// A filing's revision.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FilingRevision {
    /// Number.
    pub rev: i64,
    /// Signer's certificate serial.
    pub signer_serial: Option<String>,
    /// Signer's organisation.
    pub signer_uscc: Option<String>,
    /// Seal used.
    pub seal_id: Option<i64>,
    /// Created.
    pub created_at: String,
    /// Voided.
    pub voided_at: Option<String>,
}

/// One filing (`GET /api/v1/filings/{id}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Filing {
    /// What the list shows.
    #[serde(flatten)]
    pub summary: Summary,
    /// The form.
    #[serde(default)]
    pub fields: Vec<FieldValue>,
    /// The checklist.
    #[serde(default)]
    pub checklist: Vec<ChecklistEntry>,
    /// Required items still missing.
    #[serde(default)]
    pub missing: Vec<String>,
    /// Revisions.
    #[serde(default)]
    pub revisions: Vec<FilingRevision>,
}

/// What the prepare steps answer.
#[derive(Debug, Clone, Deserialize)]
struct Prepared {
    session_id: String,
    #[serde(flatten)]
    request: SigningRequest,
}

/// The seal and optional place of a filing signature.
#[derive(Debug, Clone, Serialize)]
pub struct SealAt {
    /// The seal.
    pub seal_id: i64,
}

/// Prepares at `{base}/prepare` with `seal`, checks the request and signs
/// the `TBS_Sign` with `identity`'s key here ([`sign_tbs`]: a refused
/// request is never signed), finishes at `{base}/finish`: `base` is `…/sign`
/// (applicant) or `…/approve` (regulator).
pub async fn sign_flow(base: &str, seal: &Seal, identity: &Identity) -> Result<Filing, ApiError> {
    let p: Prepared = api::post_json(&format!("{base}/prepare"), &SealAt { seal_id: seal.id }).await?;
    let chosen = Chosen { seal_name: Some(&seal.name), seen_pdf: None };
    let signature = sign_tbs(identity, &p.request, chosen)?;
    api::post_json(&format!("{base}/finish"), &json!({ "session_id": p.session_id, "signature": signature }))
        .await
}

/// A filing status for people.
pub fn status_name(status: &str, lang: Lang) -> String {
    match status {
        "draft" => lang.t("草稿", "Draft"),
        "submitted" => lang.t("已提交，待审核", "Submitted, awaiting review"),
        "approved" => lang.t("已批准备案", "Approved"),
        "rejected" => lang.t("已退回", "Rejected"),
        other => return other.to_string(),
    }
    .to_string()
}

/// The fields, checklist (with links to the attachments) and revisions of a filing.
pub fn filing_facts(f: &Filing, lang: Lang) -> Html {
    let s = &f.summary;
    html! { <>
        <table class="fields" id="filing-fields">
            <tr><th>{ lang.t("备案编号", "Number") }</th><td>{ &s.number }</td></tr>
            <tr><th>{ lang.t("类型", "Kind") }</th><td>{ &s.kind_title }</td></tr>
            <tr><th>{ lang.t("申请单位", "Applicant") }</th><td>{ format!("{} ({})", s.org_name, s.org_uscc) }</td></tr>
            <tr><th>{ lang.t("状态", "Status") }</th><td id="filing-status" data-status={s.status.clone()}>{ status_name(&s.status, lang) }
                { if s.signed { lang.t("（申请人已签章）", " (signed by the applicant)") } else { "" } }</td></tr>
            if let Some(r) = &s.reason { <tr><th>{ lang.t("退回理由", "Reason") }</th><td class="bad" id="filing-reason">{ r }</td></tr> }
            { for f.fields.iter().map(|x| html! { <tr><th>{ &x.label }</th><td>{ x.value.clone().unwrap_or_default() }</td></tr> }) }
        </table>
        <h2>{ lang.t("材料清单", "Checklist") }</h2>
        <table class="list" id="filing-checklist">
            <thead><tr><th>{ lang.t("序号", "No.") }</th><th>{ lang.t("材料", "Document") }</th><th>{ lang.t("必需", "Required") }</th>
                <th>{ lang.t("状态", "Status") }</th></tr></thead>
            <tbody>{ for f.checklist.iter().map(|c| html! { <tr key={c.item} data-item={c.item.to_string()} class={if c.present { "ok" } else if c.required { "missing" } else { "" }}>
                <td>{ c.item }</td><td>{ &c.name }</td><td>{ if c.required { "✓" } else { "" } }</td>
                <td>{ if c.present { html! { <>
                    <a href={format!("/api/v1/filings/{}/attachments/{}", s.id, c.item)} target="_blank" class="attachment-link">{ lang.t("查看附件", "Open") }</a>
                    { format!(" · {} KB · v{} · {}", c.size.unwrap_or(0).div_ceil(1024), c.versions, c.uploaded_at.as_deref().map(show_time_text).unwrap_or_default()) }
                </> } } else { html! { <span class="bad">{ lang.t("未上传", "missing") }</span> } } }</td>
            </tr> }) }</tbody>
        </table>
        if !f.missing.is_empty() {
            <p class="error" id="filing-missing">{ lang.t("缺少必需材料：", "Required documents missing: ") }{ f.missing.join("、") }</p>
        }
    </> }
}
