//! PDF signing and sealing end to end, against qpdf, pdfsig and crafted attacks.
//! All in one executable (issue 16: one link instead of one per file); run
//! one file's tests with `cargo test -p sealbid-sealing --test sealing FILE::`.

mod common;
mod pdf_robustness;
mod pdf_tools;
mod signing;
