//! An official's side of the committee key ceremony in the browser: the
//! replay of [`sealbid_crypto::committee::replay`] (the same code as
//! `sealbid committee step` off-line), with its errors as the page shows
//! them. The state (seed and sent messages) is kept password-encrypted in
//! IndexedDB ([`crate::keystore`]). No user interface here.

use sealbid_crypto::PrivateKey;
use sealbid_crypto::committee::replay;
use sealbid_crypto::committee::{Ceremony, KeyGen, PublicKeySet};

pub use sealbid_crypto::committee::replay::{CeremonyFile, State, step};

use crate::i18n::Lang;

/// The ceremony a file describes.
pub fn ceremony_of(file: &CeremonyFile) -> Result<Ceremony, String> {
    replay::ceremony_of(file).map_err(|e| e.to_string())
}

/// A fresh state: a new seed from the browser's generator.
pub fn fresh_state() -> Result<State, String> {
    State::fresh().map_err(|e| e.to_string())
}

/// Opens a kept state of official `me` of `c`.
pub fn open_state(
    file: &[u8],
    c: &Ceremony,
    me: usize,
    password: &[u8],
    lang: Lang,
) -> Result<State, String> {
    State::open(file, c, me, password).map_err(|e| match e {
        sealbid_crypto::Error::WrongPassword => {
            lang.t("密码错误或仪式状态已损坏", "wrong password or damaged ceremony state").to_string()
        }
        other => other.to_string(),
    })
}

/// Encrypts the state for official `me` of `c` under `password`.
pub fn seal_state(state: &State, c: &Ceremony, me: usize, password: &[u8]) -> Result<Vec<u8>, String> {
    state.seal(c, me, password).map_err(|e| e.to_string())
}

/// What a ready ceremony gave official `me`.
pub struct Finished {
    /// The committee key, hex.
    pub key_hex: String,
    /// The key set this official's own replay computed (what it signs for).
    pub key_set: PublicKeySet,
    /// The password-encrypted share file (version 2, recording the key).
    pub share_file: Vec<u8>,
}

/// The ready ceremony's result for official `me`.
pub fn finish(kg: &KeyGen, c: &Ceremony, me: usize, password: &[u8]) -> Result<Finished, String> {
    let done = replay::finish(kg).map_err(|e| e.to_string())?;
    let share_file = done.seal_share(c, me, password).map_err(|e| e.to_string())?;
    Ok(Finished { key_hex: done.public_key_hex(), key_set: done.public_key_set, share_file })
}

/// The key set of the ready ceremony `file`, recomputed by replaying it from
/// official `me`'s kept `state` (nothing is posted): what the official
/// signs for after the page was reloaded.
pub fn replay_key_set(
    file: &CeremonyFile,
    c: &Ceremony,
    me: usize,
    key: &PrivateKey,
    state: &mut State,
) -> Result<PublicKeySet, String> {
    let step = step(file, c, me, key, state).map_err(|e| e.to_string())?;
    if !step.ready {
        return Err("the ceremony is not finished yet".into());
    }
    let done = replay::finish(&step.keygen).map_err(|e| e.to_string())?;
    Ok(done.public_key_set)
}
