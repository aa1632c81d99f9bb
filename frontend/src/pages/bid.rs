//! Sealing and submitting a bid in the browser, exactly as `sealbid bid seal`
//! and `sealbid bid submit` do it, replacing or withdrawing it with a signed
//! request, and checking the receipt that comes back. No user interface
//! here: [`super::tender`] calls these.
//!
//! A bid is sealed only to a committee key every official of the committee
//! signed for: the browser fetches the committee key statement, checks every
//! signature itself ([`StatementFile::confirm`]) and refuses to seal when one
//! is missing or the tender names another key ([`confirmed_committee`]).

use std::collections::BTreeMap;

use base64ct::{Base64, Encoding};
use gloo::storage::{LocalStorage, Storage};
use sealbid_crypto::Uscc;
use sealbid_crypto::committee::{ConfirmedKey, StatementFile};
use sealbid_crypto::envelope::{
    BidAction, BidDocument, BidItem, BidRequest, PriceFen, Receipt, TenderId, seal_bid,
};
use sealbid_crypto::manifest::Manifest;
use sealbid_crypto::pki::{Certificate, Crl, Usage, verify_chain};
use sealbid_crypto::threshold_crypto;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::api::{self, ApiError};
use crate::session::Identity;

/// One tender item (`GET /api/v1/tenders/{id}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Item {
    /// Item number, 1, 2, …
    pub no: u32,
    /// Generic name.
    pub generic_name: String,
    /// Dosage form.
    pub dosage_form: String,
    /// Specification.
    pub specification: String,
    /// Unit.
    pub unit: String,
    /// Quantity.
    pub quantity: u64,
    /// Ceiling price per unit, fen.
    pub ceiling_fen: u64,
}

/// A tender with what sealing a bid needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TenderDetail {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Announcement text.
    pub announcement: String,
    /// The items.
    pub items: Vec<Item>,
    /// Bidding opens, RFC 3339.
    pub opens_at: String,
    /// Bidding closes, RFC 3339.
    pub deadline: String,
    /// The opening, RFC 3339.
    pub opening_at: String,
    /// Hex of the committee's threshold public key, once its ceremony finished.
    pub committee_public_key: Option<String>,
    /// The opening committee's id.
    #[serde(default)]
    pub committee: Option<i64>,
    /// `draft`, `published` or `opened`.
    pub status: String,
    /// Published version.
    pub version: u64,
}

/// The committee key of a tender.
pub fn committee_key(hex_key: &str) -> Result<threshold_crypto::PublicKey, String> {
    let bytes = hex::decode(hex_key.trim()).map_err(|_| "the committee public key is not hex".to_string())?;
    let bytes: [u8; threshold_crypto::PK_SIZE] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| format!("the committee public key must be {} bytes", threshold_crypto::PK_SIZE))?;
    threshold_crypto::PublicKey::from_bytes(bytes)
        .map_err(|e| format!("the committee public key is invalid: {e}"))
}

/// A sealed envelope, ready to submit.
pub struct Sealed {
    /// The envelope, DER.
    pub der: Vec<u8>,
    /// Its SM3 hash (what the receipt names).
    pub hash: [u8; 32],
}

/// The tender's committee key as its officials confirmed it: fetches the
/// committee key statement (`GET /api/v1/committees/{id}/statement`),
/// checks that every official on its roster signed it (in the browser, not
/// taking the server's word) and that it is the key the tender names.
pub async fn confirmed_committee(tender: &TenderDetail) -> Result<ConfirmedKey, String> {
    let named = tender.committee_public_key.as_deref().ok_or("the tender has no committee key yet")?;
    let id = tender.committee.ok_or("the tender names no opening committee")?;
    let file: StatementFile = api::get(&format!("/api/v1/committees/{id}/statement"))
        .await
        .map_err(|e| format!("the committee key statement: {e}"))?;
    file.confirm_for_tender(named).map_err(|e| e.to_string())
}

/// Seals `prices` (fen per item number) for `tender` with the user's key,
/// to the committee key its officials confirmed ([`confirmed_committee`]).
pub async fn seal(
    tender: &TenderDetail,
    prices: &BTreeMap<u32, u64>,
    identity: &Identity,
) -> Result<Sealed, String> {
    let committee = confirmed_committee(tender).await?;
    seal_to(tender, prices, identity, &committee)
}

/// Seals `prices` for `tender` to `committee`.
pub fn seal_to(
    tender: &TenderDetail,
    prices: &BTreeMap<u32, u64>,
    identity: &Identity,
    committee: &ConfirmedKey,
) -> Result<Sealed, String> {
    let tender_id = TenderId::parse(&tender.id).map_err(|e| e.to_string())?;
    let uscc = bidder_uscc(identity)?;
    let items = prices
        .iter()
        .map(|(&item, &fen)| Ok(BidItem { item, unit_price: PriceFen::new(fen).map_err(|e| e.to_string())? }))
        .collect::<Result<Vec<_>, String>>()?;
    let doc = BidDocument::new(tender_id, uscc, OffsetDateTime::now_utc(), items, Vec::new())
        .map_err(|e| e.to_string())?;
    let envelope = seal_bid(&doc, &identity.key, &identity.cert, committee).map_err(|e| e.to_string())?;
    Ok(Sealed {
        der: envelope.encode().map_err(|e| e.to_string())?,
        hash: envelope.hash().map_err(|e| e.to_string())?,
    })
}

/// The organisation code the user's certificate names.
fn bidder_uscc(identity: &Identity) -> Result<Uscc, String> {
    identity
        .cert
        .subject_info()
        .map_err(|e| e.to_string())?
        .uscc
        .ok_or_else(|| "your certificate names no organisation code (USCC)".to_string())
}

/// A receipt as the server gave it, kept in the browser per tender and certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptReceipt {
    /// The bid's id.
    pub bid: i64,
    /// Hex SM3 of the envelope.
    pub envelope_hash: String,
    /// The receipt, DER in base64.
    pub receipt: String,
    /// When the server received the bid, RFC 3339.
    pub received_at: String,
}

impl KeptReceipt {
    fn storage_key(tender: &str, owner: &str) -> String {
        format!("sealbid.receipt.{tender}.{owner}")
    }

    /// The receipt kept for `tender` by the certificate `owner` (serial), if any.
    pub fn load(tender: &str, owner: &str) -> Option<Self> {
        LocalStorage::get(Self::storage_key(tender, owner)).ok()
    }

    /// Keeps it for `tender` and `owner`.
    pub fn save(&self, tender: &str, owner: &str) {
        let _ = LocalStorage::set(Self::storage_key(tender, owner), self);
    }

    /// Forgets the receipt kept for `tender` and `owner` (after a withdrawal).
    pub fn forget(tender: &str, owner: &str) {
        LocalStorage::delete(Self::storage_key(tender, owner));
    }

    /// The receipt's DER bytes.
    pub fn der(&self) -> Result<Vec<u8>, String> {
        Base64::decode_vec(&self.receipt).map_err(|_| "the receipt is not base64".to_string())
    }

    /// The envelope's SM3 hash.
    pub fn hash(&self) -> Result<[u8; 32], String> {
        hex::decode(&self.envelope_hash)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| "the kept envelope hash is damaged".to_string())
    }
}

/// Submits an envelope; the answer carries the receipt.
pub async fn submit(tender: &str, sealed: &Sealed) -> Result<KeptReceipt, ApiError> {
    let kept: KeptReceipt = api::post_bytes(&format!("/api/v1/tenders/{tender}/bids"), &sealed.der).await?;
    if kept.envelope_hash != hex::encode(sealed.hash) {
        return Err(ApiError::local("bad_receipt", "the server's receipt names another envelope"));
    }
    Ok(kept)
}

/// One of the bidder's bids for a tender (`GET /api/v1/tenders/{id}/bids/mine`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MyBid {
    /// The bid's id.
    pub id: i64,
    /// Hex SM3 of the envelope.
    pub envelope_hash: String,
    /// `active`, `replaced`, `withdrawn` or `invalidated`.
    pub status: String,
    /// The tender version it was made under.
    pub tender_version: i64,
    /// Received, RFC 3339.
    pub received_at: String,
    /// The bid it replaced.
    pub replaces: Option<i64>,
}

#[derive(Deserialize)]
struct Mine {
    bids: Vec<MyBid>,
}

/// The bidder's bids for `tender`, oldest first.
pub async fn mine(tender: &str) -> Result<Vec<MyBid>, ApiError> {
    Ok(api::get::<Mine>(&format!("/api/v1/tenders/{tender}/bids/mine")).await?.bids)
}

/// A signed request about the active envelope `target` (hex), base64.
fn request(tender: &str, target: &str, action: BidAction, identity: &Identity) -> Result<String, ApiError> {
    let bad = |e: String| ApiError::local("bad_request", e);
    let target: [u8; 32] = hex::decode(target)
        .ok()
        .and_then(|h| h.try_into().ok())
        .ok_or_else(|| bad("the active bid's envelope hash is damaged".into()))?;
    let tender = TenderId::parse(tender).map_err(|e| bad(e.to_string()))?;
    let uscc = bidder_uscc(identity).map_err(bad)?;
    let req = BidRequest::create(tender, uscc, target, action, OffsetDateTime::now_utc(), &identity.key)
        .and_then(|r| r.encode())
        .map_err(|e| bad(e.to_string()))?;
    Ok(Base64::encode_string(&req))
}

/// Replaces the active envelope `target` (hex) by `sealed`; the answer carries the new receipt.
pub async fn replace(
    tender: &str,
    target: &str,
    sealed: &Sealed,
    identity: &Identity,
) -> Result<KeptReceipt, ApiError> {
    let request = request(tender, target, BidAction::Replace { replacement: sealed.hash }, identity)?;
    let body = serde_json::json!({ "request": request, "envelope": Base64::encode_string(&sealed.der) });
    let kept: KeptReceipt = api::post_json(&format!("/api/v1/tenders/{tender}/bids/replace"), &body).await?;
    if kept.envelope_hash != hex::encode(sealed.hash) {
        return Err(ApiError::local("bad_receipt", "the server's receipt names another envelope"));
    }
    Ok(kept)
}

/// Withdraws the active envelope `target` (hex).
pub async fn withdraw(tender: &str, target: &str, identity: &Identity) -> Result<(), ApiError> {
    let body = serde_json::json!({ "request": request(tender, target, BidAction::Withdraw, identity)? });
    let _: serde_json::Value =
        api::post_json(&format!("/api/v1/tenders/{tender}/bids/withdraw"), &body).await?;
    Ok(())
}

async fn cert(path: &str) -> Result<Certificate, String> {
    let pem = api::get_text(path).await.map_err(|e| e.to_string())?;
    Certificate::from_pem(&pem).map_err(|e| format!("{path}: {e}"))
}

/// The platform's service certificates: the platform's signing certificate
/// and the TSA's, with the root, issuing CA and CRL they are checked against.
pub struct ServiceCerts {
    root: Certificate,
    issuing: Certificate,
    crl: Crl,
    /// The platform's signing certificate.
    pub platform: Certificate,
    /// The time-stamping authority's certificate.
    pub tsa: Certificate,
}

impl ServiceCerts {
    /// Fetches them (`/pki/root`, `/pki/issuing`, `/pki/platform`, `/pki/tsa`, `/pki/crl`).
    pub async fn fetch() -> Result<Self, String> {
        let (root, issuing) = (cert("/pki/root").await?, cert("/pki/issuing").await?);
        let (platform, tsa) = (cert("/pki/platform").await?, cert("/pki/tsa").await?);
        let crl = api::get_bytes("/pki/crl").await.map_err(|e| e.to_string())?;
        let crl = Crl::from_der(&crl).map_err(|e| e.to_string())?;
        Ok(Self { root, issuing, crl, platform, tsa })
    }

    /// Checks both chains to the root at `at` (revocation against the
    /// current CRL; the TSA's certificate must be a time-stamping one, the
    /// platform's is checked for chain and validity only, as the CLI does).
    pub fn check(&self, at: OffsetDateTime) -> Result<(), String> {
        let (anchors, mid, crls) = (
            std::slice::from_ref(&self.root),
            std::slice::from_ref(&self.issuing),
            std::slice::from_ref(&self.crl),
        );
        verify_chain(&self.platform, mid, anchors, at, crls, Usage::Any)
            .map_err(|e| format!("platform certificate: {e}"))?;
        verify_chain(&self.tsa, mid, anchors, at, crls, Usage::TimeStamping)
            .map_err(|e| format!("TSA certificate: {e}"))?;
        Ok(())
    }
}

/// Verifies a kept receipt: it names the envelope, the platform signed it
/// and the TSA stamped it, both certificates chaining to the platform's root
/// CA ([`ServiceCerts::check`] at the stamped time). Returns the stamped time.
pub async fn verify(kept: &KeptReceipt) -> Result<OffsetDateTime, String> {
    let receipt = Receipt::parse(&kept.der()?).map_err(|e| e.to_string())?;
    let hash = kept.hash()?;
    let certs = ServiceCerts::fetch().await?;
    let stamped = receipt.verify(&certs.platform, &certs.tsa, &hash).map_err(|e| e.to_string())?;
    certs.check(stamped)?;
    Ok(stamped)
}

/// `GET /api/v1/tenders/{id}/manifest/proof?envelope=…`.
#[derive(Debug, Clone, Deserialize)]
struct ManifestProof {
    index: u64,
    proof: String,
    manifest: String,
}

/// Checks that the kept receipt's envelope is in the tender's deadline
/// manifest: fetches the manifest with the envelope's inclusion proof,
/// verifies the manifest's platform signature and time stamp (both
/// certificates chain-checked at the stamped time), that it is this
/// tender's, and the proof against its Merkle root. Returns the leaf index
/// and the number of envelopes in the manifest.
pub async fn verify_in_manifest(tender: &str, kept: &KeptReceipt) -> Result<(u64, u64), String> {
    let hash = kept.hash()?;
    let answer: ManifestProof =
        api::get(&format!("/api/v1/tenders/{tender}/manifest/proof?envelope={}", hex::encode(hash)))
            .await
            .map_err(|e| e.to_string())?;
    let der = Base64::decode_vec(&answer.manifest).map_err(|_| "the manifest is not base64".to_string())?;
    let proof = Base64::decode_vec(&answer.proof).map_err(|_| "the proof is not base64".to_string())?;
    let manifest = Manifest::parse(&der).map_err(|e| e.to_string())?;
    let certs = ServiceCerts::fetch().await?;
    let stamped = manifest.verify(&certs.platform, &certs.tsa).map_err(|e| e.to_string())?;
    certs.check(stamped)?;
    let info = manifest.info();
    if info.tender.as_str() != tender {
        return Err(format!(
            "the server served the deadline manifest of tender {}, not {tender}",
            info.tender
        ));
    }
    manifest.verify_inclusion(&hash, answer.index, &proof).map_err(|e| e.to_string())?;
    Ok((answer.index, info.count))
}
