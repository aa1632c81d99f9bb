//! Passwords for encrypted key files: from the environment, else a prompt.
//!
//! Nothing here logs or echoes a password. Non-interactive runs (CI, scripts)
//! must set the environment variable; without it and without a terminal the
//! command fails with a message naming the variable.

use std::io::IsTerminal;

use anyhow::{Result, bail};
use zeroize::Zeroizing;

/// Environment variable holding the password of the CA's private keys.
pub const CA_PASSWORD_ENV: &str = "SEALBID_CA_PASSWORD";
/// Environment variable holding the password of a user's key file.
pub const KEY_PASSWORD_ENV: &str = "SEALBID_KEY_PASSWORD";

/// Reads a password from `env`, or prompts for it on the terminal.
///
/// With `confirm`, a prompted password is asked twice and must match.
pub fn password(env: &str, what: &str, confirm: bool) -> Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var(env) {
        if p.is_empty() {
            bail!("{env} is set but empty; a key file needs a non-empty password");
        }
        return Ok(Zeroizing::new(p));
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password for the {what}: set {env} (there is no terminal to ask on)");
    }
    let first = Zeroizing::new(rpassword::prompt_password(format!("Password for the {what}: "))?);
    if first.is_empty() {
        bail!("the password must not be empty");
    }
    if confirm {
        let again = Zeroizing::new(rpassword::prompt_password("Repeat the password: ")?);
        if *again != *first {
            bail!("the two passwords differ");
        }
    }
    Ok(first)
}
