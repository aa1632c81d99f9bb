//! Contracts and filings as PDFs, and incremental PDF signing and verification.
//!
//! - [`money`]: amounts in fen as figures and as Chinese capital numerals (大写金额).
//! - [`render`]: the [`Contract`](render::Contract) and [`Filing`](render::Filing)
//!   models rendered with printpdf in the project's CJK font, embedded and
//!   subsetted per document.
//! - [`sign`]: [`prepare`](sign::prepare) appends an incremental update with a
//!   signature field, its widget (showing the seal picture) and a signature
//!   dictionary with a zero-filled `/Contents` placeholder; the caller signs the
//!   SM3 digest of the covered bytes and [`embed`](sign::Prepared::embed)s the DER.
//! - [`verify`]: lists the signatures of any PDF with their byte ranges, the
//!   digest of the covered bytes, and what changed after each of them.
//!
//! The signature format (GB/T 38540 `SES_Signature`) is the caller's: this
//! module only carries DER bytes.

mod error;
mod font;
mod layout;
pub mod money;
pub mod render;
pub mod sign;
mod syntax;
pub mod verify;

pub use error::{PdfError, Result};
