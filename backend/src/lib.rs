//! # sealbid-backend
//!
//! The `sealbid` binary: the platform server ([`server::launch`], `sealbid
//! serve`) and the offline tools a CA operator, a bidder or an auditor runs
//! against a data directory — CA set-up, keys, certificate requests, issuing
//! and revoking, CRLs, time stamps and the audit-trail check.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod audit;
pub mod auth;
pub mod authority;
pub mod bench;
pub mod bids;
pub mod cli;
pub mod committees;
pub mod datadir;
pub mod db;
pub mod demo;
pub mod documents;
pub mod dual;
pub mod filings;
pub mod lifecycle;
pub mod manifests;
pub mod opening;
pub mod organisations;
pub mod people;
pub mod pki;
pub mod platform;
pub mod seals;
pub mod secrets;
pub mod server;
pub mod setup;
pub mod stats;
pub mod tenders;
pub mod tlog;
pub mod tsa;
