//! Password-protected key-share files: where an official keeps its [`SecretKeyShare`].
//!
//! Layout (version 1, and version 2 which also records the committee's
//! threshold public key, [`seal_share_file_for`]), integers big-endian:
//!
//! ```text
//! "SBKS" ‖ version:u8 = 1 ‖ iterations:u32 ‖ salt:16 ‖ official index:u16 ‖ ceremony context:32
//!        [‖ committee public key:48, version 2 only]
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
const STATE_MAGIC: &[u8; 4] = b"SBDS";
const VERSION: u8 = 1;
const VERSION_WITH_KEY: u8 = 2;
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
    /// The committee's threshold public key, if the file records it (version 2).
    pub committee: Option<threshold_crypto::PublicKey>,
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
    seal(MAGIC, VERSION, &[], &cbor(&SerdeSecret(share))?, index, context, password, iterations)
}

/// As [`seal_share_file`], also recording (authenticated) the committee's
/// threshold public key, so the share can be matched to a committee later
/// ([`ShareFile::committee`]). Writes version 2.
pub fn seal_share_file_for(
    share: &SecretKeyShare,
    index: usize,
    context: &Sm3Digest,
    committee: &threshold_crypto::PublicKey,
    password: &[u8],
    iterations: u32,
) -> Result<Vec<u8>> {
    let key = committee.to_bytes();
    seal(MAGIC, VERSION_WITH_KEY, &key, &cbor(&SerdeSecret(share))?, index, context, password, iterations)
}

/// Opens a share file; a wrong password gives [`Error::WrongPassword`].
pub fn open_share_file(file: &[u8], password: &[u8]) -> Result<ShareFile> {
    const WHAT: &str = "key-share file";
    let (index, context, extra, plain) = open(MAGIC, WHAT, file, password)?;
    let share: SerdeSecret<SecretKeyShare> =
        from_cbor(&plain, 64, WHAT).map_err(|_| Error::malformed(WHAT, "the share does not decode"))?;
    let committee = match extra {
        None => None,
        Some(bytes) => Some(
            threshold_crypto::PublicKey::from_bytes(bytes)
                .map_err(|_| Error::malformed(WHAT, "the committee public key is not a valid point"))?,
        ),
    };
    Ok(ShareFile { index, context, share: share.into_inner(), committee })
}

/// An opened ceremony-state file: what an official keeps between offline
/// steps of a ceremony (e.g. the seed of [`super::KeyGen::with_seed`] and the
/// messages it already produced), in the caller's own encoding.
pub struct StateFile {
    /// The official's index in the ceremony.
    pub index: usize,
    /// [`super::Ceremony::context`] of the ceremony.
    pub context: Sm3Digest,
    /// The caller's secret data.
    pub data: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for StateFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateFile")
            .field("index", &self.index)
            .field("context", &hex::encode(self.context))
            .field("data", &"[REDACTED]")
            .finish()
    }
}

/// Encrypts ceremony-state `data` as a share file does (same layout, magic
/// `"SBDS"`), bound to official `index` of the ceremony `context`.
pub fn seal_state_file(
    data: &[u8],
    index: usize,
    context: &Sm3Digest,
    password: &[u8],
    iterations: u32,
) -> Result<Vec<u8>> {
    seal(STATE_MAGIC, VERSION, &[], data, index, context, password, iterations)
}

/// Opens a ceremony-state file; a wrong password gives [`Error::WrongPassword`].
pub fn open_state_file(file: &[u8], password: &[u8]) -> Result<StateFile> {
    let (index, context, _, data) = open(STATE_MAGIC, "ceremony-state file", file, password)?;
    Ok(StateFile { index, context, data })
}

#[allow(clippy::too_many_arguments)]
fn seal(
    magic: &[u8; 4],
    version: u8,
    extra: &[u8],
    plain: &[u8],
    index: usize,
    context: &Sm3Digest,
    password: &[u8],
    iterations: u32,
) -> Result<Vec<u8>> {
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        return Err(Error::InvalidParameter("PBKDF2 iterations must be 1000 to 10000000".into()));
    }
    if password.is_empty() {
        return Err(Error::InvalidParameter("the file password must not be empty".into()));
    }
    let salt: [u8; 16] = rng::bytes()?;
    let mut w = Writer::default();
    w.raw(magic);
    w.u8(version);
    w.u32(iterations);
    w.raw(&salt);
    w.u16(index)?;
    w.raw(context);
    w.raw(extra);
    let sealed = sm4gcm::seal(&derive(password, &salt, iterations)?, &w.0, plain)?;
    w.raw(&sealed);
    Ok(w.0)
}

/// Opens a file of the shared layout: (index, context, committee key of a
/// version-2 share file, plaintext).
#[allow(clippy::type_complexity)]
fn open<'a>(
    magic: &[u8; 4],
    what: &'static str,
    file: &'a [u8],
    password: &[u8],
) -> Result<(usize, Sm3Digest, Option<&'a [u8; 48]>, Zeroizing<Vec<u8>>)> {
    let mut r = Reader::new(file, what);
    if r.take(4)? != magic {
        return Err(Error::malformed(what, format!("not a sealbid {what}")));
    }
    let version = r.u8()?;
    if version != VERSION && !(magic == MAGIC && version == VERSION_WITH_KEY) {
        return Err(Error::malformed(what, format!("unsupported version {version}")));
    }
    let iterations = r.u32()?;
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        return Err(Error::malformed(what, "iteration count out of range"));
    }
    let salt = r.take(16)?;
    let index = r.u16()?;
    let mut context = [0u8; 32];
    context.copy_from_slice(r.take(32)?);
    let extra = if version == VERSION_WITH_KEY {
        Some(<&[u8; 48]>::try_from(r.take(48)?).map_err(|_| Error::malformed(what, "truncated"))?)
    } else {
        None
    };
    let header_len = file.len() - r.remaining();
    let sealed = r.take(r.remaining())?;
    let key = derive(password, salt, iterations)?;
    let plain = sm4gcm::open(&key, &file[..header_len], sealed).map_err(|_| Error::WrongPassword)?;
    Ok((index, context, extra, plain))
}

fn derive(password: &[u8], salt: &[u8], iterations: u32) -> Result<Sm4Key> {
    let mut okm = Zeroizing::new([0u8; sm4gcm::KEY_LEN]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, okm.as_mut_slice());
    Sm4Key::from_bytes(okm.as_slice())
}
