//! # sealbid-frontend
//!
//! The browser app. Every cryptographic operation a user performs — key
//! generation, certificate requests, login signatures, bid sealing,
//! decryption shares, PDF seals — runs here through `sealbid-crypto`
//! compiled to WebAssembly, so private keys and bid plaintext never leave the
//! user's machine.
//!
//! The yew app arrives with the frontend work (issue 6); the crate exists now
//! so the workspace layout and the wasm32 build of its dependencies are
//! checked from the start.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use sealbid_crypto as crypto;
