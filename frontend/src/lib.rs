//! # sealbid-frontend
//!
//! The browser app (yew, client-side rendered). Every cryptographic operation
//! a user performs — decrypting the key file, the login signature, sealing a
//! bid, checking a receipt — runs here through `sealbid-crypto` compiled to
//! WebAssembly, so private keys and bid plaintext never leave the user's
//! machine. The app talks to the JSON API under `/api/v1` of the server that
//! served it (same origin, the session cookie travels by itself).
//!
//! | module | what |
//! |---|---|
//! | [`app`] | the shell: header, language switch, which page shows |
//! | [`api`] | `fetch` calls, the API's `{error, message}` as [`api::ApiError`] |
//! | [`i18n`] | Simplified Chinese (default) and English |
//! | [`keystore`] | the user's encrypted key file, certificate and key shares kept in the browser (IndexedDB) |
//! | [`session`] | the certificate login |
//! | [`money`] | yuan text ⇄ fen |
//! | [`pages`] | every role's pages: login and my certificate; the applicant's certificate application; the CA operator's applications, certificates, seals and signing statistics; the centre's tenders, intake, opening, results and contracts; the bidder's tenders, bids and receipts; the official's committees, key ceremony, opening and results; contracts to sign for manufacturers, hospitals and regulators; filings and their review; the audit trail; public PDF verification |
//!
//! The pure parts ([`money`], [`i18n`]) are tested natively; the pages are
//! exercised in Chromium by the `sealbid-e2e` tests.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
pub mod app;
pub mod components;
pub mod i18n;
pub mod keystore;
pub mod money;
pub mod orgs;
pub mod pages;
pub mod session;

pub use sealbid_crypto as crypto;
