//! `sealbid csr`: a PKCS#10 certificate request signed with the applicant's own key.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use sealbid_crypto::Uscc;
use sealbid_crypto::pki::{Csr, SubjectInfo};

use super::key::load_user_key;
use crate::datadir::write_atomic;

/// Arguments of `sealbid csr`.
#[derive(Debug, Args)]
pub struct CsrArgs {
    /// Your encrypted key file (password from SEALBID_KEY_PASSWORD or a prompt).
    #[arg(long, value_name = "KEY.p8")]
    pub key: PathBuf,
    /// Your name (common name).
    #[arg(long)]
    pub cn: String,
    /// Your organisation's name.
    #[arg(long)]
    pub org: Option<String>,
    /// Your organisation's unified social credit code (18 characters, checked).
    #[arg(long, value_name = "CODE")]
    pub uscc: Option<String>,
    /// Where to write the request (PEM).
    #[arg(long, value_name = "REQ.pem")]
    pub out: PathBuf,
}

/// Runs `sealbid csr`.
pub fn run(args: CsrArgs) -> Result<()> {
    // Check what can be checked before asking for a password.
    let uscc = args.uscc.as_deref().map(Uscc::parse).transpose()?;
    let subject = SubjectInfo { organization: args.org, uscc, role: None, ..SubjectInfo::new(args.cn) };
    subject.to_name()?;
    let key = load_user_key(&args.key)?;
    let csr = Csr::create(&key, &subject)?;
    write_atomic(&args.out, csr.to_pem()?.as_bytes())?;
    println!("wrote {}", args.out.display());
    Ok(())
}
