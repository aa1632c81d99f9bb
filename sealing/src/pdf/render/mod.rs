//! Documents the platform renders: purchase contracts and regulatory filings.
//!
//! Both are A4, in the project's CJK font embedded as a per-document subset,
//! and come back with the places where each party's seal goes, so the signer
//! can be asked to sign exactly there ([`crate::pdf::sign::Placement`]).

mod contract;
mod filing;
mod kinds;
mod merge;

pub use contract::{Contract, Item, Party};
pub use filing::{Attachment, Filing};
pub use kinds::{ChecklistItem, FILING_KINDS, FieldSpec, FilingKind};
pub use merge::attachment_pages;

/// Who seals at a signature place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureRole {
    /// The seller (the manufacturer, 乙方), who signs first.
    Seller,
    /// The buyer (the hospital, 甲方), who countersigns.
    Buyer,
    /// The regulator recording the filing (备案).
    Regulator,
    /// The applicant of a regulatory filing.
    Applicant,
}

/// A place reserved for a seal: page index (0-based) and rectangle
/// `[llx, lly, urx, ury]` in PDF points.
#[derive(Debug, Clone, PartialEq)]
pub struct SignaturePlace {
    /// Who seals here.
    pub role: SignatureRole,
    /// The page, counted from 0.
    pub page: usize,
    /// Lower-left x, lower-left y, upper-right x, upper-right y, in points.
    pub rect: [f32; 4],
}

/// A rendered document and where its seals go.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
    /// The signature places, in signing order.
    pub signature_places: Vec<SignaturePlace>,
}
