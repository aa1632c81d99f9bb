//! # sealbid-sealing
//!
//! Contracts and regulatory filings rendered as PDFs, GB/T 38540-2020 seals
//! (`SESeal`) and signatures (`SES_Signature`), and incremental PDF signing
//! and verification. The server and the CLI call this crate; the private key
//! always signs on the signer's side.
//!
//! [`signing`] puts [`pdf`] and [`ses`] together: a seal signature prepared
//! on the server, signed by the signer, finished and embedded; and the
//! verification report of a signed PDF.
//!
//! The signer's side checks a signing request the platform prepared before
//! its key signs anything: [`ses::check_signing_request`].
//!
//! ## Features
//!
//! - `pdf` (default): [`pdf`] rendering, signing and verification,
//!   [`signing`], and drawing or cleaning seal pictures. Without it the crate
//!   is [`ses`] (the GB/T 38540 structures and the request check) and
//!   [`seal::SealKind`], and builds for `wasm32-unknown-unknown`: the web app
//!   uses it so.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use sealbid_crypto as crypto;

#[cfg(feature = "pdf")]
pub mod pdf;
pub mod seal;
pub mod ses;
#[cfg(feature = "pdf")]
pub mod signing;
