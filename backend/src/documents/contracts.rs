//! Generating contracts from a tender's results; reading, refusing and voiding them.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use sealbid_crypto::Uscc;
use sealbid_crypto::pki::Role;
use sealbid_sealing::pdf::render::{Contract, Item, Party as PdfParty, SignatureRole};
use serde::Deserialize;
use serde_json::{Value, json};

use super::store::{self, ContractRow, NewContract};
use super::{Party, contract_id, find, my_turn, readable};
use crate::audit::NewEvent;
use crate::auth::{CentreUser, CurrentUser, require};
use crate::authority::{now, rfc3339};
use crate::server::{ApiError, ApiJson, AppState};

/// What the centre sends to generate contracts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Generate {
    buyer_uscc: String,
    delivery_terms: Option<String>,
    payment_terms: Option<String>,
}

const DELIVERY: &str = "乙方应在合同签订后 15 日内将药品配送至甲方指定地点，并随货提供检验报告。";
const PAYMENT: &str = "甲方在药品验收合格后 30 日内通过集中采购平台向乙方结清货款。";

async fn party(s: &AppState, uscc: &str, what: &str) -> Result<(PdfParty, String), ApiError> {
    let (name, address, kind) = store::organisation(&s.db, uscc)
        .await?
        .ok_or_else(|| ApiError::BadRequest(format!("{what}: no organisation {uscc} on this platform")))?;
    let code = Uscc::parse(uscc).map_err(|e| ApiError::BadRequest(format!("{what}: {e}")))?;
    Ok((PdfParty { name, uscc: code, address }, kind))
}

/// The winning (rank 1) bidder and price of each item of published results.
fn winners(document: &str) -> Result<BTreeMap<i64, (String, i64)>, ApiError> {
    let doc: Value = serde_json::from_str(document).map_err(|e| anyhow::anyhow!("stored results: {e}"))?;
    let mut out = BTreeMap::new();
    for item in doc["evaluation"]["items"].as_array().into_iter().flatten() {
        let (Some(no), Some(first)) = (item["no"].as_i64(), item["ranking"].get(0)) else { continue };
        let (Some(bidder), Some(price)) = (first["bidder"].as_str(), first["price_fen"].as_i64()) else {
            return Err(anyhow::anyhow!("stored results: item {no} has a malformed winner").into());
        };
        out.insert(no, (bidder.to_string(), price));
    }
    Ok(out)
}

fn place_json(r: &sealbid_sealing::pdf::render::Rendered) -> String {
    let places: Vec<Value> = r
        .signature_places
        .iter()
        .map(|p| {
            let role = match p.role {
                SignatureRole::Seller => "seller",
                SignatureRole::Buyer => "buyer",
                SignatureRole::Regulator => "regulator",
                SignatureRole::Applicant => "applicant",
            };
            json!({ "role": role, "page": p.page, "rect": p.rect })
        })
        .collect();
    Value::Array(places).to_string()
}

pub(super) async fn generate(
    State(s): State<AppState>,
    CentreUser(current): CentreUser,
    tender: Path<String>,
    ApiJson(body): ApiJson<Generate>,
) -> Result<(StatusCode, Json<Vec<ContractRow>>), ApiError> {
    let Path(tender) = tender;
    let t = crate::tenders::store::get(&s.db, &tender)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no tender {tender}")))?;
    let Some((document, ..)) = crate::opening::store::results(&s.db, &t.id).await? else {
        return Err(ApiError::Conflict(format!("the results of {} are not published yet", t.id)));
    };
    let buyer_uscc = body.buyer_uscc.trim().to_string();
    let (buyer, kind) = party(&s, &buyer_uscc, "buyer_uscc").await?;
    if kind != "hospital" {
        return Err(ApiError::BadRequest(format!("buyer_uscc: {buyer_uscc} is a {kind}, not a hospital")));
    }
    let items = crate::tenders::store::items(&s.db, &t.id).await?;
    let mut by_seller: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for (no, (seller, price)) in winners(&document)? {
        let Some(item) = items.iter().find(|i| i.no == no) else { continue };
        by_seller.entry(seller).or_default().push(Item {
            generic_name: item.generic_name.clone(),
            dosage_form: item.dosage_form.clone(),
            specification: item.specification.clone(),
            unit: item.unit.clone(),
            quantity: u64::try_from(item.quantity).unwrap_or(0),
            unit_price_fen: price,
        });
    }
    if by_seller.is_empty() {
        return Err(ApiError::Conflict(format!("tender {} awarded no item: no contract to generate", t.id)));
    }
    let text = |v: &Option<String>, default: &str| {
        v.as_deref().map(str::trim).filter(|x| !x.is_empty()).unwrap_or(default).to_string()
    };
    let (delivery, payment) = (text(&body.delivery_terms, DELIVERY), text(&body.payment_terms, PAYMENT));
    let mut all = Vec::new();
    for (n, (seller_uscc, items)) in by_seller.into_iter().enumerate() {
        let (seller, _) = party(&s, &seller_uscc, "winning bidder").await?;
        let model = Contract {
            number: format!("{}-{}-{:02}", t.id, &buyer_uscc[buyer_uscc.len().saturating_sub(4)..], n + 1),
            tender_reference: format!("{} {}", t.id, t.title),
            buyer: buyer.clone(),
            seller,
            items,
            delivery_terms: delivery.clone(),
            payment_terms: payment.clone(),
        };
        let m = model.clone();
        let rendered = tokio::task::spawn_blocking(move || m.render())
            .await
            .map_err(|e| anyhow::anyhow!("the rendering task failed: {e}"))?
            .map_err(|e| ApiError::BadRequest(format!("the contract cannot be rendered: {e}")))?;
        all.push(NewContract {
            number: model.number.clone(),
            tender_id: t.id.clone(),
            seller_uscc,
            buyer_uscc: buyer_uscc.clone(),
            model: serde_json::to_string(&model).map_err(anyhow::Error::from)?,
            places: place_json(&rendered),
            pdf: rendered.pdf,
        });
    }
    let by = &current.user.serial;
    let Some(ids) = store::insert_all(&s.db, &all, by, &rfc3339(now())).await? else {
        return Err(ApiError::Conflict(format!("contracts of {} with {buyer_uscc} exist already", t.id)));
    };
    let mut out = Vec::new();
    for id in ids {
        out.push(find(&s, id).await?);
    }
    Ok((StatusCode::CREATED, Json(out)))
}

pub(super) async fn list(
    State(s): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Vec<ContractRow>>, ApiError> {
    let u = &current.user;
    require(u, super::READERS, "list contracts")?;
    let org = if [Role::Centre.as_str(), Role::Regulator.as_str()].contains(&u.role.as_str()) {
        None
    } else {
        Some(
            u.uscc
                .clone()
                .ok_or_else(|| ApiError::Forbidden("your certificate names no organisation".into()))?,
        )
    };
    Ok(Json(store::list(&s.db, org.as_deref()).await?))
}

pub(super) async fn one(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let c = readable(&s, contract_id(id)?, &current.user).await?;
    let revisions = store::revisions(&s.db, c.id).await?;
    let model: Value = serde_json::from_str(&c.model).map_err(anyhow::Error::from)?;
    let places: Value = serde_json::from_str(&c.places).map_err(anyhow::Error::from)?;
    let next = Party::turn(&c.status).map(|(p, _)| p.as_str());
    Ok(Json(
        json!({ "contract": c, "model": model, "places": places, "revisions": revisions, "next_signer": next }),
    ))
}

pub(super) async fn pdf(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let c = readable(&s, contract_id(id)?, &current.user).await?;
    let pdf = store::pdf(&s.db, c.id, c.current_rev)
        .await?
        .ok_or_else(|| anyhow::anyhow!("contract {} has no revision {}", c.id, c.current_rev))?;
    Ok(([(CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

/// A refusal's reason.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Refusal {
    reason: String,
}

pub(super) async fn refuse(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
    body: Result<ApiJson<Refusal>, ApiError>,
) -> Result<Json<ContractRow>, ApiError> {
    require(&current.user, super::SIGNERS, "refuse contracts")?;
    let ApiJson(body) = body?;
    let c = readable(&s, contract_id(id)?, &current.user).await?;
    let (party, _) = my_turn(&c, &current.user)?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::BadRequest("reason: required, at most 500 characters".into()));
    }
    let details = json!({ "party": party.as_str(), "status_was": c.status, "reason": reason });
    let event = NewEvent::new(&current.user.serial, "contract.refused", c.id.to_string(), details);
    let (was, to) = ((c.status.as_str(), c.current_rev), ("refused", Some(reason)));
    if !store::set_status(&s.db, c.id, was, to, &rfc3339(now()), event).await? {
        return Err(ApiError::Conflict(format!("contract {} changed meanwhile; reload it", c.id)));
    }
    Ok(Json(find(&s, c.id).await?))
}

pub(super) async fn void(
    State(s): State<AppState>,
    current: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<ContractRow>, ApiError> {
    let u = &current.user;
    require(u, super::SIGNERS, "void signatures")?;
    let c = readable(&s, contract_id(id)?, u).await?;
    let (last, back) = match c.status.as_str() {
        "seller_signed" => (Party::Seller, "draft"),
        "buyer_signed" => (Party::Buyer, "seller_signed"),
        other => {
            return Err(ApiError::Conflict(format!(
                "contract {} is {other}: only a signature the next party has not countersigned can be voided",
                c.id
            )));
        }
    };
    let signer = store::revisions(&s.db, c.id).await?.into_iter().find(|r| r.rev == c.current_rev);
    if !last.is(&c, u) || signer.and_then(|r| r.signer_serial).as_deref() != Some(u.serial.as_str()) {
        return Err(ApiError::Forbidden(format!(
            "only the {} who signed contract {} last may void that signature",
            last.as_str(),
            c.id
        )));
    }
    let previous = store::previous_rev(&s.db, c.id, c.current_rev)
        .await?
        .ok_or_else(|| anyhow::anyhow!("contract {} has no revision before {}", c.id, c.current_rev))?;
    let details = json!({ "voided_rev": c.current_rev, "current_rev": previous, "status": back });
    let event = NewEvent::new(&u.serial, "contract.signature.voided", c.id.to_string(), details);
    if !store::void(&s.db, c.id, (&c.status, c.current_rev), (back, previous), &rfc3339(now()), event).await?
    {
        return Err(ApiError::Conflict(format!("contract {} changed meanwhile; reload it", c.id)));
    }
    Ok(Json(find(&s, c.id).await?))
}
