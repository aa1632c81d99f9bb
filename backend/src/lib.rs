//! # sealbid-backend
//!
//! The `sealbid` binary: the platform server (arriving with the server work)
//! and the offline tools a CA operator, a bidder or an auditor runs against a
//! data directory — CA set-up, keys, certificate requests, issuing and
//! revoking, CRLs and time stamps.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authority;
pub mod cli;
pub mod datadir;
pub mod secrets;
