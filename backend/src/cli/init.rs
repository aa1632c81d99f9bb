//! `sealbid init`: creates the platform's certificate authorities.

use anyhow::{Result, bail};
use clap::Args;

use crate::datadir::DataDir;
use crate::secrets::{CA_PASSWORD_ENV, password};
use crate::setup::{InitOptions, initialise};

/// Arguments of `sealbid init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// URL of the CRL, written into every certificate's CRL distribution point.
    #[arg(long, default_value = "http://127.0.0.1:8080/pki/crl")]
    pub crl_url: String,
    /// Organisation name in the CA certificates.
    #[arg(long, default_value = "sealbid")]
    pub org: String,
}

/// Runs `sealbid init`.
pub fn run(dir: &DataDir, args: InitArgs) -> Result<()> {
    // Checked before asking for a password, so a mistake costs no typing.
    if dir.is_initialised() {
        bail!("{} is already initialised; refusing to replace its CA", dir.path().display());
    }
    if !args.crl_url.starts_with("http://") && !args.crl_url.starts_with("https://") {
        bail!("--crl-url must be an http:// or https:// URL, got {:?}", args.crl_url);
    }
    let pw = password(CA_PASSWORD_ENV, "CA keys", true)?;
    let opts = InitOptions { crl_url: args.crl_url, org: args.org };
    let authorities = initialise(dir, &opts, pw.as_bytes())?;

    println!("initialised {}", dir.path().display());
    for (a, cert) in &authorities {
        println!("  {:<16} {}  serial {}", format!("{}.pem", a.stem()), cert.subject(), cert.serial()?);
    }
    Ok(())
}
