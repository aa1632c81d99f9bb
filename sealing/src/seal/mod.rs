//! Seal pictures and seal kinds.
//!
//! | piece | what it does |
//! |---|---|
//! | [`SealKind`] | official, contract, finance, filing — and their codes in `SESeal` |
//! | `picture::generate` | the standard red round seal, drawn with the project font (feature `pdf`) |
//! | `picture::from_scan` | a scanned impression, background removed, ink made seal red (feature `pdf`) |

mod kind;
pub mod picture;

pub use kind::{SealKind, UnknownSealKind};
