//! `sealbid bench …`: load generators that measure a running server from a
//! second process, so the numbers include HTTP, sessions and storage.
//!
//! Each command prints one JSON object with what it measured.

pub mod intake;
pub mod log;
pub mod login;
pub mod opening;
