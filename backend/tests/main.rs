//! The `sealbid` command line, run as a real process: keys, CSRs, the CA, seals, PDFs, the opening.
//! All in one executable (issue 16: one link instead of one per file); run
//! one file's tests with `cargo test -p sealbid-backend --test cli FILE::`.

mod cli;
mod cli_opening;
mod cli_pdf;
mod cli_seal;
mod common;
