//! Purchase contracts: the list with batch signing ([`list`]), one contract
//! with its preview, the seal's place, signing, refusing and voiding
//! ([`detail`]), and the signer's side of the server's prepare → sign →
//! finish flow (here). The server prepares the PDF update and the GB/T 38540
//! `TBS_Sign`; this browser checks the one against the other
//! ([`sign_tbs`]) and only then the user's key signs it (SM2, signer ID
//! `1234567812345678`); only the signature goes back.

pub mod detail;
pub mod list;
pub mod place;

use base64ct::{Base64, Encoding};
use sealbid_sealing::ses::{Expected, check_signing_request};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::api::{self, ApiError};
use crate::i18n::Lang;
use crate::session::{Identity, Session};

/// A step a page runs in the background (a call, or several, to the API).
pub type Step<T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, ApiError>>>>;

/// A contract as the API lists it (`GET /api/v1/contracts`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Contract {
    /// Id.
    pub id: i64,
    /// Contract number.
    pub number: String,
    /// The tender it results from.
    pub tender_id: String,
    /// The manufacturer (乙方).
    pub seller_uscc: String,
    /// The hospital (甲方).
    pub buyer_uscc: String,
    /// `draft`, `seller_signed`, `buyer_signed`, `filed` or `refused`.
    pub status: String,
    /// The revision that is the contract now.
    pub current_rev: i64,
    /// Why it was refused.
    pub reason: Option<String>,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

/// One revision of a contract: 0 is the rendered PDF, each signature adds one.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Revision {
    /// Number.
    pub rev: i64,
    /// The signer's certificate serial.
    pub signer_serial: Option<String>,
    /// The signer's organisation.
    pub signer_uscc: Option<String>,
    /// The seal used.
    pub seal_id: Option<i64>,
    /// Created, RFC 3339.
    pub created_at: String,
    /// When the signature was voided.
    pub voided_at: Option<String>,
}

/// Where a party's seal goes: page (from 0) and rectangle in PDF points.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Place {
    /// `seller`, `buyer` or `regulator`.
    pub role: String,
    /// Page, from 0.
    pub page: usize,
    /// `[llx, lly, urx, ury]`, points.
    pub rect: [f32; 4],
}

/// One contract with what signing needs (`GET /api/v1/contracts/{id}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Detail {
    /// The contract.
    pub contract: Contract,
    /// The rendered model (parties, items, terms).
    pub model: Value,
    /// The signature places.
    pub places: Vec<Place>,
    /// Its revisions.
    pub revisions: Vec<Revision>,
    /// `seller`, `buyer`, `regulator` or nothing when finished.
    pub next_signer: Option<String>,
}

/// A seal of the user's organisation (`GET /api/v1/seals`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Seal {
    /// Id.
    pub id: i64,
    /// Name, e.g. 合同专用章.
    pub name: String,
    /// `official`, `contract`, `finance` or `filing`.
    pub kind: String,
    /// The certificate it binds.
    pub holder_serial: String,
    /// `pending`, `active`, `suspended`, `revoked`, `rejected`.
    pub status: String,
}

/// The seals `session`'s certificate can sign with as `party`: active,
/// bound to this certificate, of the kind the party uses.
pub fn usable_seals(seals: &[Seal], session: &Session, party: &str) -> Vec<Seal> {
    let kinds: &[&str] = if party == "regulator" { &["filing"] } else { &["contract", "official"] };
    seals
        .iter()
        .filter(|s| {
            s.status == "active" && s.holder_serial == session.user.serial && kinds.contains(&s.kind.as_str())
        })
        .cloned()
        .collect()
}

/// The user's party to `c`: `seller`, `buyer`, `regulator`, or none.
pub fn my_party(c: &Contract, session: &Session) -> Option<&'static str> {
    let org = session.user.uscc.as_deref();
    match session.user.role.as_str() {
        "bidder" if org == Some(c.seller_uscc.as_str()) => Some("seller"),
        "hospital" if org == Some(c.buyer_uscc.as_str()) => Some("buyer"),
        "regulator" => Some("regulator"),
        _ => None,
    }
}

/// A contract status for people.
pub fn status_name(status: &str, lang: Lang) -> String {
    match status {
        "draft" => lang.t("待乙方（生产企业）签章", "Awaiting the manufacturer's seal"),
        "seller_signed" => {
            lang.t("乙方已签章，待甲方（医院）会签", "Manufacturer sealed; awaiting the hospital")
        }
        "buyer_signed" => lang.t("双方已签章，待监管备案", "Both parties sealed; awaiting filing"),
        "filed" => lang.t("已备案", "Filed"),
        "refused" => lang.t("已拒签", "Refused"),
        other => return other.to_string(),
    }
    .to_string()
}

/// A party's name for people.
pub fn party_name(party: &str, lang: Lang) -> String {
    match party {
        "seller" => lang.t("乙方（生产企业）", "Seller (manufacturer)"),
        "buyer" => lang.t("甲方（医疗机构）", "Buyer (hospital)"),
        "regulator" => lang.t("监管部门（备案）", "Regulator (filing)"),
        other => return other.to_string(),
    }
    .to_string()
}

/// Where to sign: the seal and optionally page (from 1) and the seal's
/// centre in millimetres from the page's lower-left corner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignAt {
    /// The seal.
    pub seal_id: i64,
    /// Page, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<usize>,
    /// Millimetres from the left edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<f32>,
    /// Millimetres from the bottom edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<f32>,
}

/// What a prepare step answers for the signer to check before signing
/// (contracts' `sign/prepare` and each `batch/prepare` item, filings'
/// `sign/prepare` and `approve/prepare`).
#[derive(Debug, Clone, Deserialize)]
pub struct SigningRequest {
    /// The `TBS_Sign` to sign, DER in base64.
    pub tbs_der: String,
    /// The PDF with the empty signature, base64.
    pub prepared_pdf: String,
    /// Its `/ByteRange [0 b c d]`.
    pub byte_range: [u64; 4],
}

/// What `sign/prepare` answers.
#[derive(Debug, Clone, Deserialize)]
pub struct Prepared {
    /// The contract.
    pub contract_id: i64,
    /// The signing session.
    pub session_id: String,
    /// What to check and sign.
    #[serde(flatten)]
    pub request: SigningRequest,
}

/// How far the request's signing time may be from this computer's clock.
const CLOCK_TOLERANCE: Duration = Duration::minutes(30);

/// What the signer knows besides the request: the seal chosen and,
/// when the page showed it, the document seen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Chosen<'a> {
    /// The name of the seal the user chose.
    pub seal_name: Option<&'a str>,
    /// The PDF the user saw: the prepared one must be it plus the signature's update.
    pub seen_pdf: Option<&'a [u8]>,
}

/// Checks the server's signing request with the signer's check shared with
/// the CLI ([`check_signing_request`]: no purpose-tagged message, a
/// `TBS_Sign` over this very PDF's byte ranges, a seal that lists this
/// certificate and is the one chosen, a signing time near this clock) and
/// only then signs it with the user's key, in this browser: the signature as
/// base64 DER. A request that fails a check is refused with the check's own
/// words, and nothing is signed.
pub fn sign_tbs(
    identity: &Identity,
    request: &SigningRequest,
    chosen: Chosen<'_>,
) -> Result<String, ApiError> {
    let decode = |b64: &str, what: &str| {
        Base64::decode_vec(b64)
            .map_err(|_| ApiError::local("bad_answer", format!("the server's {what} is not base64")))
    };
    let tbs = decode(&request.tbs_der, "TBS_Sign")?;
    let pdf = decode(&request.prepared_pdf, "prepared PDF")?;
    let expected = Expected {
        seal_name: chosen.seal_name,
        base_pdf: chosen.seen_pdf,
        clock: Some((OffsetDateTime::now_utc(), CLOCK_TOLERANCE)),
        ..Expected::default()
    };
    let checked = check_signing_request(&tbs, &pdf, Some(request.byte_range), &identity.cert, &expected)
        .map_err(|e| ApiError::local("refused_to_sign", e.to_string()))?;
    let sig = checked.sign(&identity.key).map_err(|e| ApiError::local("signing_failed", e.to_string()))?;
    Ok(Base64::encode_string(&sig.to_der()))
}

/// Prepares a signature on the server.
pub async fn prepare(id: i64, at: &SignAt) -> Result<Prepared, ApiError> {
    api::post_json(&format!("/api/v1/contracts/{id}/sign/prepare"), at).await
}

/// A contract's current PDF.
pub async fn pdf(id: i64) -> Result<Vec<u8>, ApiError> {
    api::get_bytes(&format!("/api/v1/contracts/{id}/pdf")).await
}

/// The number of pages of a PDF (counts `/Type /Page` objects; at least 1).
pub fn page_count(pdf: &[u8]) -> usize {
    let mut n = 0;
    for pat in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        n += pdf
            .windows(pat.len() + 1)
            .filter(|w| w.starts_with(pat) && !w[pat.len()].is_ascii_alphabetic())
            .count();
    }
    n.max(1)
}

/// One contract's outcome in a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOutcome {
    /// The contract.
    pub contract_id: i64,
    /// The new status, or why it failed.
    pub result: Result<String, String>,
}

fn failure_text(v: &Value) -> String {
    let msg = v["message"].as_str().unwrap_or("failed");
    match (v["error"].as_str(), v["status"].as_u64()) {
        (Some(code), Some(st)) => format!("{msg} ({code}, HTTP {st})"),
        _ => msg.to_string(),
    }
}

/// Signs several contracts with one seal at their default places:
/// `batch/prepare`, the check and a signature here for each prepared one
/// ([`sign_tbs`]: a refused request is that contract's failure),
/// `batch/finish`. Every contract gets its own outcome.
pub async fn batch_sign(
    identity: &Identity,
    ids: &[i64],
    seal: &Seal,
) -> Result<Vec<BatchOutcome>, ApiError> {
    let items: Vec<Value> = ids.iter().map(|id| json!({ "contract_id": id, "seal_id": seal.id })).collect();
    let prepared: Value =
        api::post_json("/api/v1/contracts/batch/prepare", &json!({ "items": items })).await?;
    let mut outcomes = Vec::new();
    let mut finish_items = Vec::new();
    let mut by_session = Vec::new();
    for r in prepared["results"].as_array().into_iter().flatten() {
        let id = r["contract_id"].as_i64().unwrap_or_default();
        let res = &r["result"];
        if res["ok"] == json!(true) {
            let session = res["session_id"].as_str().unwrap_or("");
            let chosen = Chosen { seal_name: Some(&seal.name), seen_pdf: None };
            let signed = serde_json::from_value::<SigningRequest>(res.clone())
                .map_err(|e| {
                    ApiError::local("bad_answer", format!("the prepared request is incomplete: {e}"))
                })
                .and_then(|request| sign_tbs(identity, &request, chosen));
            match signed {
                Ok(sig) => {
                    finish_items.push(json!({ "session_id": session, "signature": sig }));
                    by_session.push((session.to_string(), id));
                }
                Err(e) => outcomes.push(BatchOutcome { contract_id: id, result: Err(e.to_string()) }),
            }
        } else {
            outcomes.push(BatchOutcome { contract_id: id, result: Err(failure_text(res)) });
        }
    }
    if !finish_items.is_empty() {
        let done: Value =
            api::post_json("/api/v1/contracts/batch/finish", &json!({ "items": finish_items })).await?;
        for r in done["results"].as_array().into_iter().flatten() {
            let session = r["session_id"].as_str().unwrap_or("");
            let id = by_session.iter().find(|(s, _)| s == session).map(|(_, id)| *id).unwrap_or_default();
            let res = &r["result"];
            let result = if res["ok"] == json!(true) {
                Ok(res["contract"]["status"].as_str().unwrap_or("").to_string())
            } else {
                Err(failure_text(res))
            };
            outcomes.push(BatchOutcome { contract_id: id, result });
        }
    }
    outcomes.sort_by_key(|o| ids.iter().position(|i| *i == o.contract_id));
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::page_count;

    #[test]
    fn pages_are_counted_without_the_page_tree() {
        let pdf = b"1 0 obj <</Type /Pages /Kids [2 0 R 3 0 R]>> 2 0 obj <</Type /Page>> 3 0 obj <</Type/Page/X 1>>";
        assert_eq!(page_count(pdf), 2);
        assert_eq!(page_count(b"%PDF-1.7"), 1);
    }
}
