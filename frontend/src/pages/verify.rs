//! Verify a signed PDF, for anyone (no login): the file goes to
//! `POST /api/v1/verify` and the report of every signature comes back —
//! signer, organisation, seal, signing and time-stamp time, certificate
//! chain and revocation, whether the covered bytes are intact and what was
//! changed after signing.

use serde::Deserialize;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, chosen_file, read_file};
use crate::i18n::Lang;
use crate::pages::show_time_text;

/// The revocation status of the signer's certificate at the checked time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Revocation {
    /// `unchecked`, `not_revoked`, `revoked_later` or `revoked`.
    pub status: String,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// One signature's findings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SignatureReport {
    /// The signature field.
    pub field: String,
    /// The signer's common name.
    pub signer: Option<String>,
    /// The signer's certificate serial.
    pub signer_serial: Option<String>,
    /// The signer's organisation.
    pub organisation: Option<String>,
    /// Its unified social credit code.
    pub uscc: Option<String>,
    /// The seal's name.
    pub seal_name: Option<String>,
    /// The seal's type.
    pub seal_type: Option<String>,
    /// The seal's `esID`.
    pub seal_id: Option<String>,
    /// The claimed signing time.
    pub signing_time: Option<String>,
    /// The verified time-stamp time.
    pub timestamp_time: Option<String>,
    /// The certificate chain's verdict.
    pub chain: String,
    /// The revocation status.
    pub revocation: Revocation,
    /// The covered bytes hash to what was signed.
    pub intact: bool,
    /// What later revisions changed beyond adding signatures.
    #[serde(default)]
    pub modified_after: Vec<String>,
    /// Every reason the signature is not valid.
    #[serde(default)]
    pub problems: Vec<String>,
    /// Nothing is wrong.
    pub valid: bool,
}

/// The report body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PdfReport {
    /// The signatures in field order.
    pub signatures: Vec<SignatureReport>,
    /// Unsigned revisions after the last signature.
    #[serde(default)]
    pub unsigned_trailing_revisions: Vec<usize>,
}

/// What `POST /api/v1/verify` answers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VerifyAnswer {
    /// Every signature valid and nothing unsigned after the last.
    pub all_valid: bool,
    /// How many signatures are valid.
    pub signatures_valid: usize,
    /// The report.
    pub report: PdfReport,
}

/// Sends a PDF for verification.
pub async fn verify(pdf: &[u8]) -> Result<VerifyAnswer, ApiError> {
    api::post_bytes("/api/v1/verify", pdf).await
}

fn revocation_text(r: &Revocation, lang: Lang) -> String {
    let when = r.revoked_at.as_deref().map(show_time_text).unwrap_or_default();
    let why = r.reason.clone().unwrap_or_default();
    match r.status.as_str() {
        "not_revoked" => lang.t("未吊销（已对照 CRL）", "not revoked (checked against the CRL)").into(),
        "unchecked" => lang.t("未检查（无可用 CRL）", "not checked (no CRL available)").into(),
        "revoked_later" => format!(
            "{} {when} ({why})",
            lang.t("签章后才被吊销，签章仍有效：", "revoked only after signing, still valid: ")
        ),
        "revoked" => format!("{} {when} ({why})", lang.t("签章时已被吊销：", "revoked at signing time: ")),
        other => other.to_string(),
    }
}

fn signature_card(n: usize, s: &SignatureReport, lang: Lang) -> Html {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let time = |v: &Option<String>| v.as_deref().map(show_time_text).unwrap_or_else(|| "—".into());
    let yes_no = |ok: bool, yes: &'static str, no: &'static str| {
        html! {
            <span class={if ok { "ok" } else { "bad" }}>{ if ok { yes } else { no } }</span>
        }
    };
    let unchanged = s.modified_after.is_empty();
    html! {
        <div class={if s.valid { "sig-card valid" } else { "sig-card invalid" }} data-valid={s.valid.to_string()} id={format!("signature-{n}")}>
            <h3>
                <span class="verdict">{ if s.valid { lang.t("✓ 签章有效", "✓ Valid signature") } else { lang.t("✗ 签章无效", "✗ Invalid signature") } }</span>
                { format!(" · {} {n} · {}", lang.t("签章", "Signature"), s.field) }
            </h3>
            <table class="fields">
                <tr><th>{ lang.t("签章人", "Signer") }</th><td class="sig-signer">{ opt(&s.signer) }</td></tr>
                <tr><th>{ lang.t("单位", "Organisation") }</th><td class="sig-org">{ format!("{} {}", opt(&s.organisation), s.uscc.clone().map(|u| format!("({u})")).unwrap_or_default()) }</td></tr>
                <tr><th>{ lang.t("印章", "Seal") }</th><td>{ format!("{} · {} · {}", opt(&s.seal_name), opt(&s.seal_type), opt(&s.seal_id)) }</td></tr>
                <tr><th>{ lang.t("签章时间（声明，北京时间）", "Signing time (claimed, Beijing)") }</th><td>{ time(&s.signing_time) }</td></tr>
                <tr><th>{ lang.t("时间戳时间（已验证）", "Time stamp (verified)") }</th><td class="sig-timestamp">{ time(&s.timestamp_time) }</td></tr>
                <tr><th>{ lang.t("证书链", "Certificate chain") }</th><td>{ &s.chain }</td></tr>
                <tr><th>{ lang.t("证书吊销状态", "Revocation") }</th><td>{ revocation_text(&s.revocation, lang) }</td></tr>
                <tr><th>{ lang.t("签章覆盖的内容", "Covered bytes") }</th><td>{ yes_no(s.intact, lang.t("完整，未被篡改", "intact"), lang.t("已被篡改", "altered")) }</td></tr>
                <tr><th>{ lang.t("签章后的修改", "Changed after signing") }</th><td>{ yes_no(unchanged, lang.t("仅有后续签章", "only later signatures"), lang.t("有其他修改", "other changes")) }
                    { for s.modified_after.iter().map(|m| html! { <div class="bad">{ m }</div> }) }</td></tr>
                <tr><th>{ lang.t("证书序列号", "Certificate serial") }</th><td class="mono">{ opt(&s.signer_serial) }</td></tr>
            </table>
            if !s.problems.is_empty() {
                <ul class="problems">{ for s.problems.iter().map(|p| html! { <li>{ p }</li> }) }</ul>
            }
        </div>
    }
}

/// The verification page.
#[component(VerifyPage)]
pub fn verify_page() -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let answer = use_state(|| None::<(String, VerifyAnswer)>);
    let on_file = {
        let (busy, error, answer) = (busy.clone(), error.clone(), answer.clone());
        Callback::from(move |e: Event| {
            let Some(file) = chosen_file(&e) else { return };
            let (busy, error, answer) = (busy.clone(), error.clone(), answer.clone());
            error.set(None);
            answer.set(None);
            busy.set(Some(lang.t("正在上传并验证…", "Uploading and verifying…").into()));
            spawn_local(async move {
                let result = match read_file(&file).await {
                    Ok(bytes) => verify(&bytes).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                busy.set(None);
                match result {
                    Ok(a) => answer.set(Some((file.name(), a))),
                    Err(e) => error.set(Some(format!("{}: {e}", lang.t("无法验证", "Cannot verify")))),
                }
            });
        })
    };
    let report = answer.as_ref().map(|(name, a)| {
        let n = a.report.signatures.len();
        let summary = if n == 0 {
            lang.t("该文件没有签章。", "This file carries no signature.").to_string()
        } else if a.all_valid {
            format!("{}{n}{}", lang.t("全部 ", "All "), lang.t(" 个签章有效。", " signatures are valid."))
        } else {
            format!("{} {} / {n}", lang.t("存在无效签章或签章后的未签名修改：有效", "Invalid signatures or unsigned changes: valid"), a.signatures_valid)
        };
        html! {
            <div id="verify-report">
                <p id="verify-summary" class={if a.all_valid { "summary valid" } else { "summary invalid" }} data-valid={a.all_valid.to_string()} data-count={n.to_string()}>
                    <b>{ name }</b>{ " — " }{ summary }</p>
                if !a.report.unsigned_trailing_revisions.is_empty() {
                    <p class="error">{ lang.t("最后一个签章之后还有未签名的修改。", "The file was changed after its last signature without signing.") }</p>
                }
                { for a.report.signatures.iter().enumerate().map(|(i, s)| signature_card(i + 1, s, lang)) }
            </div>
        }
    });
    html! {
        <section id="verify-page" class="card">
            <h1>{ lang.t("签章验证", "Verify a signed PDF") }</h1>
            <p class="hint">{ lang.t("任何人都可以上传本平台签署的 PDF，检查每个电子签章（GB/T 38540）的签章人、印章、时间戳、证书状态以及文件是否被篡改。", "Anyone may upload a PDF signed on this platform and check each electronic seal (GB/T 38540): signer, seal, time stamp, certificate status and whether the file was altered.") }</p>
            <label>{ lang.t("选择 PDF 文件", "Choose a PDF file") }
                <input type="file" id="verify-file" accept=".pdf,application/pdf" onchange={on_file} disabled={busy.is_some()} /></label>
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
            { for report }
        </section>
    }
}
