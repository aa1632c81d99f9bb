//! The system random generator, as the one place randomness enters the crate.

use getrandom::SysRng;
use rand_core::{TryCryptoRng, TryRng};

use crate::{Error, Result};

/// Fills `buf` from the operating system (or, in the browser, `crypto.getRandomValues`).
pub fn fill(buf: &mut [u8]) -> Result<()> {
    SysRng.try_fill_bytes(buf).map_err(|_| Error::Rng)
}

/// `N` fresh random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    fill(&mut b)?;
    Ok(b)
}

/// The system generator as a `rand_core` RNG, for APIs that take one.
pub fn system() -> impl TryCryptoRng {
    SysRng
}
