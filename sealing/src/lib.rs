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
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use sealbid_crypto as crypto;

pub mod pdf;
pub mod seal;
pub mod ses;
pub mod signing;
