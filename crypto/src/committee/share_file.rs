//! Password-protected key-share files: where an official keeps its [`SecretKeyShare`].
//!
//! Layout (version 1), integers big-endian:
//!
//! ```text
//! "SBKS" ‖ version:u8 = 1 ‖ iterations:u32 ‖ salt:16 ‖ official index:u16 ‖ ceremony context:32
//!        ‖ SM4-GCM( key = PBKDF2-HMAC-SHA256(password, salt, iterations)[..16],
//!                   aad = everything before, plaintext = CBOR of the share )
//! ```
//!
//! The SM4-GCM part is [`crate::sm4gcm::seal`]'s `nonce ‖ ciphertext ‖ tag`.
//! The header is authenticated, so the index and ceremony cannot be swapped.
//! A wrong password (or any damage to the file) gives [`Error::WrongPassword`].

use std::fmt;

use threshold_crypto::SecretKeyShare;
use threshold_crypto::serde_impl::SerdeSecret;
use zeroize::Zeroizing;

use super::wire::{Reader, Writer, cbor, from_cbor};
use crate::sm4gcm::{self, Sm4Key};
use crate::{Error, Result, Sm3Digest, rng};

const MAGIC: &[u8; 4] = b"SBKS";
const VERSION: u8 = 1;
const MIN_ITERATIONS: u32 = 1_000;
const MAX_ITERATIONS: u32 = 10_000_000;

/// PBKDF2 iterations for new share files (as for [`crate::keyfile`]).
pub const DEFAULT_ITERATIONS: u32 = crate::keyfile::DEFAULT_ITERATIONS;

/// An opened share file.
pub struct ShareFile {
    /// The official's index in the ceremony (its share index in the public key set).
    pub index: usize,
    /// [`super::Ceremony::context`] of the ceremony that produced the share.
    pub context: Sm3Digest,
    /// The secret key share.
    pub share: SecretKeyShare,
}

impl fmt::Debug for ShareFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShareFile")
            .field("index", &self.index)
            .field("context", &hex::encode(self.context))
            .field("share", &"[REDACTED]")
            .finish()
    }
}

/// Encrypts `share` under `password` (PBKDF2 `iterations`, at least 1,000).
pub fn seal_share_file(
    share: &SecretKeyShare,
    index: usize,
    context: &Sm3Digest,
    password: &[u8],
    iterations: u32,
) -> Result<Vec<u8>> {
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        return Err(Error::InvalidParameter("PBKDF2 iterations must be 1000 to 10000000".into()));
    }
    if password.is_empty() {
        return Err(Error::InvalidParameter("the share file password must not be empty".into()));
    }
    let salt: [u8; 16] = rng::bytes()?;
    let mut w = Writer::default();
    w.raw(MAGIC);
    w.u8(VERSION);
    w.u32(iterations);
    w.raw(&salt);
    w.u16(index)?;
    w.raw(context);
    let plain = cbor(&SerdeSecret(share))?;
    let sealed = sm4gcm::seal(&derive(password, &salt, iterations)?, &w.0, &plain)?;
    w.raw(&sealed);
    Ok(w.0)
}

/// Opens a share file; a wrong password gives [`Error::WrongPassword`].
pub fn open_share_file(file: &[u8], password: &[u8]) -> Result<ShareFile> {
    const WHAT: &str = "key-share file";
    let mut r = Reader::new(file, WHAT);
    if r.take(4)? != MAGIC {
        return Err(Error::malformed(WHAT, "not a sealbid key-share file"));
    }
    if r.u8()? != VERSION {
        return Err(Error::malformed(WHAT, "unsupported version"));
    }
    let iterations = r.u32()?;
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        return Err(Error::malformed(WHAT, "iteration count out of range"));
    }
    let salt = r.take(16)?;
    let index = r.u16()?;
    let mut context = [0u8; 32];
    context.copy_from_slice(r.take(32)?);
    let header_len = file.len() - r.remaining();
    let sealed = r.take(r.remaining())?;
    let key = derive(password, salt, iterations)?;
    let plain = sm4gcm::open(&key, &file[..header_len], sealed).map_err(|_| Error::WrongPassword)?;
    let share: SerdeSecret<SecretKeyShare> =
        from_cbor(&plain, 64, WHAT).map_err(|_| Error::malformed(WHAT, "the share does not decode"))?;
    Ok(ShareFile { index, context, share: share.into_inner() })
}

fn derive(password: &[u8], salt: &[u8], iterations: u32) -> Result<Sm4Key> {
    let mut okm = Zeroizing::new([0u8; sm4gcm::KEY_LEN]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, okm.as_mut_slice());
    Sm4Key::from_bytes(okm.as_slice())
}
