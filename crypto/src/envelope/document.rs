//! The canonical bid document: what the bidder quotes and signs (layout in the
//! [module docs](super)).

use std::fmt;

use der::asn1::{GeneralizedTime, OctetString};
use der::{Decode, Encode, Sequence};
use time::OffsetDateTime;

use super::{
    TenderId, VERSION, bidder_field, check_len, check_version, from_generalized, tender_field,
    to_generalized, whole_seconds,
};
use crate::{Error, Result, Sm3Digest, Uscc, sm3};

#[cfg(test)]
#[path = "tests_document.rs"]
mod tests;

const WHAT: &str = "bid document";
/// Most items one document may quote.
pub const MAX_ITEMS: usize = 10_000;
/// Most attachments one document may carry.
pub const MAX_ATTACHMENTS: usize = 32;
/// Largest encoded document accepted (attachments included): 16 MiB.
pub const MAX_DOCUMENT_LEN: usize = 16 << 20;

/// A unit price in fen (0.01 CNY): a positive whole number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PriceFen(u64);

impl PriceFen {
    /// A price; zero is rejected.
    pub fn new(fen: u64) -> Result<Self> {
        if fen == 0 {
            return Err(Error::InvalidParameter("a unit price must be at least 1 fen".into()));
        }
        Ok(Self(fen))
    }

    /// The price in fen.
    pub fn fen(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for PriceFen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PriceFen({})", self.0)
    }
}

impl fmt::Display for PriceFen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// One quoted tender item: its 1-based number in the tender and the unit price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidItem {
    /// The item's number in the tender (1-based).
    pub item: u32,
    /// The quoted unit price.
    pub unit_price: PriceFen,
}

/// A file sealed with the bid.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    name: String,
    content: Vec<u8>,
}

impl Attachment {
    /// An attachment; the name is 1–255 bytes of UTF-8 without control characters, `/` or `\`.
    pub fn new(name: &str, content: Vec<u8>) -> Result<Self> {
        let bad = |c: char| c.is_control() || c == '/' || c == '\\';
        if name.is_empty() || name.len() > 255 || name.chars().any(bad) {
            return Err(Error::InvalidParameter(format!(
                "attachment name {name:?} must be 1-255 bytes without control characters, '/' or '\\'"
            )));
        }
        Ok(Self { name: name.to_owned(), content })
    }

    /// The file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's bytes.
    pub fn content(&self) -> &[u8] {
        &self.content
    }

    /// SM3 of the content.
    pub fn sm3(&self) -> Sm3Digest {
        sm3(&self.content)
    }
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("name", &self.name)
            .field("len", &self.content.len())
            .field("sm3", &hex::encode(self.sm3()))
            .finish()
    }
}

/// A canonical bid document. Every value of this type has exactly one encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BidDocument {
    tender: TenderId,
    bidder: Uscc,
    created_at: OffsetDateTime,
    items: Vec<BidItem>,
    attachments: Vec<Attachment>,
}

#[derive(Sequence)]
struct DocumentAsn1 {
    version: u64,
    tender_id: String,
    bidder: String,
    created_at: GeneralizedTime,
    items: Vec<ItemAsn1>,
    attachments: Vec<AttachmentAsn1>,
}

#[derive(Sequence)]
struct ItemAsn1 {
    item: u32,
    unit_price_fen: u64,
}

#[derive(Sequence)]
struct AttachmentAsn1 {
    name: String,
    content: OctetString,
}

impl BidDocument {
    /// A document. Items are sorted by item number and attachments by name;
    /// duplicates, item number 0, no items, or too many of either are rejected.
    /// `created_at` keeps whole seconds.
    pub fn new(
        tender: TenderId,
        bidder: Uscc,
        created_at: OffsetDateTime,
        mut items: Vec<BidItem>,
        mut attachments: Vec<Attachment>,
    ) -> Result<Self> {
        items.sort_by_key(|i| i.item);
        attachments.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        check_items(&items).map_err(Error::InvalidParameter)?;
        check_attachments(&attachments).map_err(Error::InvalidParameter)?;
        to_generalized(created_at)?;
        Ok(Self { tender, bidder, created_at: whole_seconds(created_at)?, items, attachments })
    }

    /// The tender the bid is for.
    pub fn tender(&self) -> &TenderId {
        &self.tender
    }

    /// The bidding organisation.
    pub fn bidder(&self) -> &Uscc {
        &self.bidder
    }

    /// When the bidder made the document (whole seconds).
    pub fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }

    /// The quoted items, ascending by item number.
    pub fn items(&self) -> &[BidItem] {
        &self.items
    }

    /// The price quoted for tender item `item`, if any.
    pub fn price_of(&self, item: u32) -> Option<PriceFen> {
        self.items.binary_search_by_key(&item, |i| i.item).ok().map(|i| self.items[i].unit_price)
    }

    /// The attachments, ascending by name.
    pub fn attachments(&self) -> &[Attachment] {
        &self.attachments
    }

    /// The canonical DER encoding (what the inner signature covers).
    pub fn encode(&self) -> Result<Vec<u8>> {
        let asn1 = DocumentAsn1 {
            version: VERSION,
            tender_id: self.tender.as_str().to_owned(),
            bidder: self.bidder.as_str().to_owned(),
            created_at: to_generalized(self.created_at)?,
            items: self
                .items
                .iter()
                .map(|i| ItemAsn1 { item: i.item, unit_price_fen: i.unit_price.fen() })
                .collect(),
            attachments: self
                .attachments
                .iter()
                .map(|a| {
                    Ok(AttachmentAsn1 { name: a.name.clone(), content: OctetString::new(a.content.clone())? })
                })
                .collect::<der::Result<_>>()?,
        };
        asn1.to_der().map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
    }

    /// Parses a document strictly: canonical DER only, version 1, positive
    /// prices, items strictly ascending, attachment names strictly ascending.
    pub fn parse(der: &[u8]) -> Result<Self> {
        check_len(der, MAX_DOCUMENT_LEN, WHAT)?;
        check_version(der, 0, WHAT)?;
        let asn1 = DocumentAsn1::from_der(der).map_err(|e| Error::malformed(WHAT, e))?;
        let mut items = Vec::with_capacity(asn1.items.len());
        for i in &asn1.items {
            let price = PriceFen::new(i.unit_price_fen)
                .map_err(|_| Error::malformed(WHAT, format!("item {} has a zero price", i.item)))?;
            items.push(BidItem { item: i.item, unit_price: price });
        }
        check_items(&items).map_err(|e| Error::malformed(WHAT, e))?;
        let mut attachments = Vec::with_capacity(asn1.attachments.len());
        for a in asn1.attachments {
            let att = Attachment::new(&a.name, a.content.into_bytes().into_vec())
                .map_err(|e| Error::malformed(WHAT, e))?;
            attachments.push(att);
        }
        check_attachments(&attachments).map_err(|e| Error::malformed(WHAT, e))?;
        let doc = Self {
            tender: tender_field(&asn1.tender_id, WHAT)?,
            bidder: bidder_field(&asn1.bidder, WHAT)?,
            created_at: from_generalized(&asn1.created_at, WHAT)?,
            items,
            attachments,
        };
        if doc.encode()? != der {
            return Err(Error::malformed(WHAT, "not in canonical DER form"));
        }
        Ok(doc)
    }
}

/// Items: 1 to [`MAX_ITEMS`], numbers ≥ 1 and strictly ascending (so no duplicates).
fn check_items(items: &[BidItem]) -> Result<(), String> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(format!("a bid quotes 1 to {MAX_ITEMS} items, got {}", items.len()));
    }
    if let Some(i) = items.iter().find(|i| i.item == 0) {
        return Err(format!("item number {} is invalid: items are numbered from 1", i.item));
    }
    if let Some(w) = items.windows(2).find(|w| w[0].item >= w[1].item) {
        return Err(if w[0].item == w[1].item {
            format!("item {} is quoted twice", w[0].item)
        } else {
            format!("items are not in ascending order ({} before {})", w[0].item, w[1].item)
        });
    }
    Ok(())
}

/// Attachments: at most [`MAX_ATTACHMENTS`], names strictly ascending (so no duplicates).
fn check_attachments(attachments: &[Attachment]) -> Result<(), String> {
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(format!("at most {MAX_ATTACHMENTS} attachments, got {}", attachments.len()));
    }
    if let Some(w) = attachments.windows(2).find(|w| w[0].name.as_bytes() >= w[1].name.as_bytes()) {
        return Err(if w[0].name == w[1].name {
            format!("attachment {:?} appears twice", w[0].name)
        } else {
            format!("attachments are not in ascending order ({:?} before {:?})", w[0].name, w[1].name)
        });
    }
    Ok(())
}
