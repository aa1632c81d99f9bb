//! `sealbid key …`: private keys, made and kept on the user's side.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use sealbid_crypto::pki::Certificate;
use sealbid_crypto::{PrivateKey, keyfile};

use crate::datadir::{read_file, read_text, write_secret_new};
use crate::secrets::{KEY_PASSWORD_ENV, password};

/// Key subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate an SM2 key and write it as encrypted PKCS#8 PEM.
    ///
    /// The password comes from SEALBID_KEY_PASSWORD or a prompt.
    New {
        /// Where to write the key file (never overwritten).
        #[arg(long, value_name = "KEY.p8")]
        out: PathBuf,
    },
    /// Print the public key (SEC1 hex) and its SM3 fingerprint, proving the password opens the file.
    Show {
        /// The key file.
        #[arg(long, value_name = "KEY.p8")]
        key: PathBuf,
        /// A certificate the key must belong to.
        #[arg(long, value_name = "CERT.pem")]
        cert: Option<PathBuf>,
    },
}

/// Runs a key subcommand.
pub fn run(cmd: KeyCommand) -> Result<()> {
    match cmd {
        KeyCommand::New { out } => {
            let pw = password(KEY_PASSWORD_ENV, "new key file", true)?;
            let key = PrivateKey::generate()?;
            let pem = keyfile::encrypt_pem(&key, pw.as_bytes(), keyfile::DEFAULT_ITERATIONS)?;
            write_secret_new(&out, pem.as_bytes())?;
            println!(
                "wrote {} (SM2, fingerprint {})",
                out.display(),
                hex::encode(key.public_key().fingerprint())
            );
            Ok(())
        }
        KeyCommand::Show { key: key_path, cert } => {
            let key = load_user_key(&key_path)?;
            if let Some(cert_path) = cert {
                let cert = Certificate::from_pem(&read_text(&cert_path)?)
                    .with_context(|| format!("{} is not a valid certificate", cert_path.display()))?;
                if cert.public_key()? != key.public_key() {
                    bail!(
                        "the key in {} does not belong to the certificate {}",
                        key_path.display(),
                        cert_path.display()
                    );
                }
                println!("matches:     {} (serial {})", cert.subject(), cert.serial()?);
            }
            println!("public key:  {}", hex::encode(key.public_key().to_sec1()));
            println!("fingerprint: {}", hex::encode(key.public_key().fingerprint()));
            Ok(())
        }
    }
}

/// Opens a user's key file with the password from SEALBID_KEY_PASSWORD or a prompt.
pub fn load_user_key(path: &Path) -> Result<PrivateKey> {
    let file = read_file(path)?;
    let pw = password(KEY_PASSWORD_ENV, &format!("key file {}", path.display()), false)?;
    keyfile::decrypt(&file, pw.as_bytes()).with_context(|| format!("cannot open key file {}", path.display()))
}
