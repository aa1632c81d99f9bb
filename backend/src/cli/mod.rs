//! Command-line interface: argument parsing and dispatch.
//!
//! Each subcommand lives in its own module and returns `anyhow::Result`;
//! [`main`] prints the error chain as one line per cause and exits 1, so no
//! user mistake ends in a panic or a stack trace.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::datadir::{DEFAULT_DIR, DataDir};

mod audit;
mod auth;
mod bench;
mod bid;
mod ca;
pub mod client;
mod committee;
mod csr;
mod init;
mod key;
pub mod log;
mod opening;
mod pdf;
mod receipt;
mod results;
mod seal;
mod serve;
mod ts;
mod webapp;

/// sealbid — sealed-bid procurement and e-seals with SM2/SM3/SM4.
#[derive(Debug, Parser)]
#[command(name = "sealbid", version, about, long_about = None)]
pub struct Cli {
    /// Data directory holding the CA, the TSA and their records.
    #[arg(long, global = true, env = "SEALBID_DATA_DIR", default_value = DEFAULT_DIR)]
    pub data_dir: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory: root CA, issuing CA, TSA and seal-authority keys and certificates.
    ///
    /// The CA keys are encrypted with the password in SEALBID_CA_PASSWORD (or a prompt).
    Init(init::InitArgs),
    /// Private keys.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Make a PKCS#10 certificate request signed with your key.
    Csr(csr::CsrArgs),
    /// Certificate authority: issue, revoke, publish the CRL, list.
    #[command(subcommand)]
    Ca(ca::CaCommand),
    /// Time stamps (RFC 3161) from the data directory's TSA.
    #[command(subcommand)]
    Ts(ts::TsCommand),
    /// GB/T 38540 electronic seals signed by the data directory's seal authority.
    #[command(subcommand)]
    Seal(seal::SealCommand),
    /// Run the platform server (initialises the data directory on first start).
    ///
    /// Settings, each layer overriding the one before: built-in defaults; the
    /// TOML file given with --config (keys listen, public_url, database_url,
    /// body_limit, secure_cookies); the environment: SEALBID_LISTEN (default
    /// 127.0.0.1:8080), SEALBID_PUBLIC_URL (default http://LISTEN; the exact
    /// origin users open in the browser — logins and state-changing requests
    /// from any other origin are refused — and the CRL URL written on first
    /// start), SEALBID_DATABASE_URL or DATABASE_URL
    /// (postgres://…; default SQLite in the data directory), SEALBID_BODY_LIMIT
    /// (bytes, default 1048576), SEALBID_SECURE_COOKIES (true behind TLS),
    /// SEALBID_CA_PASSWORD (else a prompt); then the flags below.
    Serve(serve::ServeArgs),
    /// Audit trail: verify its hash chain.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The transparency log: monitor it (`verify`) or co-sign it as a witness.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Load generators that measure a running server from this process.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Certificate login: unlock a certificate locked by failed logins.
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Committee key ceremony, off-line: an official's side of the key generation.
    #[command(subcommand)]
    Committee(committee::CommitteeCommand),
    /// Bids, off-line: seal a bid from a tender file and a price list; submit it.
    #[command(subcommand)]
    Bid(bid::BidCommand),
    /// Bid receipts: verify one off-line.
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// The opening, off-line: an official's signed decryption shares.
    #[command(subcommand)]
    Opening(opening::OpeningCommand),
    /// Contracts as PDFs, signed with GB/T 38540 seals and verified.
    #[command(subcommand)]
    Pdf(pdf::PdfCommand),
    /// Published results: re-check them from the results bundle, off-line.
    #[command(subcommand)]
    Results(results::ResultsCommand),
    /// The web app: its SM3 digest, from a directory or from what a server serves.
    #[command(subcommand)]
    Webapp(webapp::WebappCommand),
}

/// Output file argument shared by commands that write one file.
#[derive(Debug, Args)]
pub struct OutArg {
    /// Where to write the result.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let dir = DataDir::new(&cli.data_dir);
    match cli.command {
        Command::Init(args) => init::run(&dir, args),
        Command::Key(cmd) => key::run(cmd),
        Command::Csr(args) => csr::run(args),
        Command::Ca(cmd) => ca::run(&dir, cmd),
        Command::Ts(cmd) => ts::run(&dir, cmd),
        Command::Seal(cmd) => seal::run(&dir, cmd),
        Command::Serve(args) => serve::run(&dir, args),
        Command::Audit(cmd) => audit::run(&dir, cmd),
        Command::Log(cmd) => log::run(cmd),
        Command::Auth(cmd) => auth::run(&dir, cmd),
        Command::Bench(cmd) => bench::run_command(&dir, cmd),
        Command::Committee(cmd) => committee::run(cmd),
        Command::Bid(cmd) => bid::run(cmd),
        Command::Receipt(cmd) => receipt::run(cmd),
        Command::Opening(cmd) => opening::run(cmd),
        Command::Pdf(cmd) => pdf::run(&dir, cmd),
        Command::Results(cmd) => results::run(cmd),
        Command::Webapp(cmd) => webapp::run(cmd),
    }
}
