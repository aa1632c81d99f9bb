//! # sealbid-sealing
//!
//! Contracts and regulatory filings rendered as PDFs, GB/T 38540-2020 seals
//! (`SESeal`) and signatures (`SES_Signature`), and incremental PDF signing
//! and verification. The server and the CLI call this crate; the private key
//! always signs on the signer's side.
//!
//! This crate is laid out now so the workspace shape is final; its content
//! arrives with the e-seal work (issue 5).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use sealbid_crypto as crypto;
