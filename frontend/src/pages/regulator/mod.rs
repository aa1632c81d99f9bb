//! The regulator's pages: the audit trail ([`audit`]) with the transparency
//! log's monitor ([`log`]), and the review of
//! regulatory filings ([`filings`]); contracts are filed from the contract
//! pages ([`crate::pages::contracts`]) with the regulator's filing seal.

pub mod audit;
pub mod filings;
pub mod log;
