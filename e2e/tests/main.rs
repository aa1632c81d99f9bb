//! The web app in headless Chromium against the real `sealbid serve`: every role's pages.
//! All in one executable (issue 16: one link instead of one per file); run
//! one file's tests with `cargo test -p sealbid-e2e --test e2e FILE::`.

mod applicant_login;
mod bidder;
mod filings;
mod full_round;
mod official;
mod operator_centre;
mod signing;
mod webapp;
