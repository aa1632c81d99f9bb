//! `sealbid receipt verify`: check a bid receipt off-line.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use sealbid_crypto::envelope::{Envelope, Receipt};

use super::bid::first_certificate;
use crate::datadir::read_file;

/// Receipt subcommands.
#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Verify a receipt against the envelope, the platform's certificate and the TSA's certificate.
    ///
    /// Checks the platform signature, that the receipt is for this envelope, and
    /// the RFC 3161 time stamp over the signature. The two certificates are
    /// taken as given: obtain them from the platform's published chain.
    Verify {
        /// The receipt (DER) from `bid submit`.
        #[arg(long, value_name = "R.der")]
        receipt: PathBuf,
        /// The envelope the receipt is for.
        #[arg(long, value_name = "BID.env")]
        envelope: PathBuf,
        /// The platform's receipt-signing certificate.
        #[arg(long, value_name = "PLATFORM.pem")]
        platform_cert: PathBuf,
        /// The time-stamp authority's certificate.
        #[arg(long, value_name = "TSA.pem")]
        tsa_cert: PathBuf,
    },
}

/// Runs a receipt subcommand.
pub fn run(cmd: ReceiptCommand) -> Result<()> {
    match cmd {
        ReceiptCommand::Verify { receipt, envelope, platform_cert, tsa_cert } => {
            let r = Receipt::parse(&read_file(&receipt)?)
                .with_context(|| format!("{} is not a bid receipt", receipt.display()))?;
            let env = Envelope::parse(&read_file(&envelope)?)
                .with_context(|| format!("{} is not a bid envelope", envelope.display()))?;
            let platform = first_certificate(&platform_cert)?;
            let tsa = first_certificate(&tsa_cert)?;
            let stamped = r.verify(&platform, &tsa, &env.hash()?).context("the receipt does not verify")?;
            let info = r.info();
            println!("receipt valid");
            println!("tender:        {}", info.tender);
            println!("bidder:        {}", info.bidder);
            println!("envelope hash: {}", hex::encode(info.envelope_hash));
            println!("received at:   {}", info.received_at);
            println!("time stamp:    {stamped}");
            println!("sequence:      {}", info.sequence);
            Ok(())
        }
    }
}
