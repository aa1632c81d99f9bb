//! Every workspace-level test in one executable: the real `sealbid` binary
//! and server over HTTP on SQLite and PostgreSQL, the hostile operator, and
//! OpenSSL 3 and Python as independent checkers. One binary links the
//! backend once instead of once per file (issue 16); run one area with
//! `cargo test -p sealbid-tests --test workspace hostile_operator::`.

mod bench_cli;
mod common;
mod hostile_operator;
mod interop_primitives;
mod openssl_pki;
mod openssl_pki_reverse;
mod openssl_tsp;
mod server;
mod server_applications;
mod server_audit;
mod server_audit_read;
mod server_auth;
mod server_bidding;
mod server_bidding_roles;
mod server_deadline;
mod server_demo;
mod server_documents;
mod server_documents_roles;
mod server_filings;
mod server_lifecycle;
mod server_opening_resume;
mod server_privacy;
mod server_stats_roles;
mod ses_openssl;
mod transparency_log;
mod web_static;
