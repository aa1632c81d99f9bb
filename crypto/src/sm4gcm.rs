//! SM4-GCM authenticated encryption (GB/T 32907 block cipher in GCM, as RFC 8998 uses it).
//!
//! A 128-bit key, a 96-bit nonce, a 128-bit tag. The sealed form produced by
//! [`seal`] is `nonce ‖ ciphertext ‖ tag` with a fresh random nonce, so a
//! caller never manages nonces; [`encrypt_with_nonce`] exists for known-answer
//! tests and for formats that store the nonce elsewhere.

use std::fmt;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};
use zeroize::Zeroizing;

use crate::{Error, Result, rng};

/// Key length in bytes.
pub const KEY_LEN: usize = 16;
/// Nonce length in bytes.
pub const NONCE_LEN: usize = 12;
/// Tag length in bytes.
pub const TAG_LEN: usize = 16;

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// An SM4 key. Zeroized on drop; `Debug` prints nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Sm4Key(Zeroizing<[u8; KEY_LEN]>);

impl Sm4Key {
    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        Ok(Self(Zeroizing::new(rng::bytes()?)))
    }

    /// A key from exactly 16 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
            Error::InvalidKey(format!("SM4 key must be {KEY_LEN} bytes, got {}", bytes.len()))
        })?;
        Ok(Self(Zeroizing::new(arr)))
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    fn cipher(&self) -> Sm4Gcm {
        Sm4Gcm::new(&(*self.0).into())
    }
}

impl fmt::Debug for Sm4Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm4Key([REDACTED])")
    }
}

/// Encrypts with an explicit nonce; returns `ciphertext ‖ tag`.
///
/// Never reuse a nonce under one key: use [`seal`] unless a format dictates otherwise.
pub fn encrypt_with_nonce(
    key: &Sm4Key,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    key.cipher()
        .encrypt(&Nonce::<U12>::from(*nonce), Payload { msg: plaintext, aad })
        .map_err(|_| Error::InvalidParameter("plaintext too long for SM4-GCM".into()))
}

/// Decrypts `ciphertext ‖ tag` made with [`encrypt_with_nonce`].
pub fn decrypt_with_nonce(
    key: &Sm4Key,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    key.cipher()
        .decrypt(&Nonce::<U12>::from(*nonce), Payload { msg: ciphertext, aad })
        .map(Zeroizing::new)
        .map_err(|_| Error::DecryptionFailed)
}

/// Encrypts under a fresh random nonce; returns `nonce ‖ ciphertext ‖ tag`.
pub fn seal(key: &Sm4Key, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let nonce: [u8; NONCE_LEN] = rng::bytes()?;
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&encrypt_with_nonce(key, &nonce, aad, plaintext)?);
    Ok(out)
}

/// Opens `nonce ‖ ciphertext ‖ tag` made by [`seal`]; any change to it or to `aad` is rejected.
pub fn open(key: &Sm4Key, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(Error::DecryptionFailed);
    }
    let (nonce, rest) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| Error::DecryptionFailed)?;
    decrypt_with_nonce(key, &nonce, aad, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8998 Appendix A.1 (SM4-GCM test vector).
    #[test]
    fn rfc8998_vector() {
        let key = Sm4Key::from_bytes(&hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap()).unwrap();
        let nonce: [u8; 12] = hex::decode("00001234567800000000ABCD").unwrap().try_into().unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let pt = hex::decode(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        )
        .unwrap();
        let out = encrypt_with_nonce(&key, &nonce, &aad, &pt).unwrap();
        let (ct, tag) = out.split_at(pt.len());
        assert_eq!(
            hex::encode_upper(ct),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        );
        assert_eq!(hex::encode_upper(tag), "83DE3541E4C2B58177E065A9BF7B62EC");
        assert_eq!(&decrypt_with_nonce(&key, &nonce, &aad, &out).unwrap()[..], &pt[..]);
    }

    #[test]
    fn seal_open_and_reject_wrong_aad() {
        let key = Sm4Key::generate().unwrap();
        let sealed = seal(&key, b"tender-1|bidder-9", b"price list").unwrap();
        assert_eq!(&open(&key, b"tender-1|bidder-9", &sealed).unwrap()[..], b"price list");
        assert_eq!(open(&key, b"tender-2|bidder-9", &sealed), Err(Error::DecryptionFailed));
        assert_eq!(open(&key, b"", &sealed[..10]), Err(Error::DecryptionFailed));
    }
}
