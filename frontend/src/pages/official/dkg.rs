//! An official's side of the committee key ceremony in the browser: the
//! replay of [`sealbid_crypto::committee::replay`] (the same code as
//! `sealbid committee step` off-line), with its errors as the page shows
//! them. The state (seed and sent messages) is kept password-encrypted in
//! IndexedDB ([`crate::keystore`]). No user interface here.

use sealbid_crypto::committee::replay;
use sealbid_crypto::committee::{Ceremony, KeyGen};

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

/// The ready ceremony's result for official `me`: the committee key (hex)
/// and the password-encrypted share file (version 2, recording the key).
pub fn finish(kg: &KeyGen, c: &Ceremony, me: usize, password: &[u8]) -> Result<(String, Vec<u8>), String> {
    let done = replay::finish(kg).map_err(|e| e.to_string())?;
    let file = done.seal_share(c, me, password).map_err(|e| e.to_string())?;
    Ok((done.public_key_hex(), file))
}
