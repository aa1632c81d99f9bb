//! Seal pictures and seal kinds.
//!
//! | piece | what it does |
//! |---|---|
//! | [`SealKind`] | official, contract, finance, filing — and their codes in `SESeal` |
//! | [`picture::generate`] | the standard red round seal, drawn with the project font |
//! | [`picture::from_scan`] | a scanned impression, background removed, ink made seal red |

mod kind;
pub mod picture;

pub use kind::{SealKind, UnknownSealKind};
