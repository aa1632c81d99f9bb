//! Encrypted PKCS#8 private-key files (RFC 5958 `EncryptedPrivateKeyInfo`, RFC 8018 PBES2).
//!
//! The key inside is an SM2 `ECPrivateKey` under `id-ecPublicKey` with the SM2
//! curve OID, the form OpenSSL 3 writes for `openssl genpkey -algorithm SM2`.
//!
//! **Cipher choice.** PBES2 with PBKDF2-HMAC-SHA256 (600,000 iterations by
//! default, the OWASP 2023 figure) and AES-256-CBC. SM4-CBC has a PBES2 OID
//! (1.2.156.10197.1.104.2), but the RustCrypto `pkcs5` crate implements only
//! AES and DES for PBES2, so SM4 would mean hand-writing the scheme; AES-256-CBC
//! is what `openssl pkcs8 -topk8` writes by default, so every key file sealbid
//! writes opens in OpenSSL and vice versa. The password protects the file at
//! rest only — the key itself is SM2 and every use of it is SM2/SM3.

use der::pem::LineEnding;
use pkcs8::pkcs5::pbes2;
use pkcs8::{DecodePrivateKey, EncodePrivateKey, EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use zeroize::Zeroizing;

use crate::sm2::PrivateKey;
use crate::{Error, Result, rng};

/// PBKDF2 iterations for new key files.
pub const DEFAULT_ITERATIONS: u32 = 600_000;

/// PEM label of an encrypted key file.
pub const PEM_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// Encrypts `key` under `password` with [`DEFAULT_ITERATIONS`]; returns DER.
pub fn encrypt(key: &PrivateKey, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    encrypt_with_iterations(key, password, DEFAULT_ITERATIONS)
}

/// Encrypts `key` under `password` with a chosen PBKDF2 iteration count (at least 1,000); returns DER.
pub fn encrypt_with_iterations(
    key: &PrivateKey,
    password: &[u8],
    iterations: u32,
) -> Result<Zeroizing<Vec<u8>>> {
    if iterations < 1_000 {
        return Err(Error::InvalidParameter("PBKDF2 iteration count must be at least 1000".into()));
    }
    if password.is_empty() {
        return Err(Error::InvalidParameter("the key file password must not be empty".into()));
    }
    let salt: [u8; 16] = rng::bytes()?;
    let iv: [u8; 16] = rng::bytes()?;
    let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &salt, iv)
        .map_err(|e| Error::Encoding(e.to_string()))?;
    let plain = key.secret_key().to_pkcs8_der().map_err(|e| Error::Encoding(e.to_string()))?;
    let info = PrivateKeyInfoRef::try_from(plain.as_bytes()).map_err(|e| Error::Encoding(e.to_string()))?;
    let doc = info.encrypt_with_params(params, password).map_err(|e| Error::Encoding(e.to_string()))?;
    Ok(doc.to_bytes())
}

/// Encrypts `key` and wraps it as PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`).
pub fn encrypt_pem(key: &PrivateKey, password: &[u8], iterations: u32) -> Result<Zeroizing<String>> {
    let der = encrypt_with_iterations(key, password, iterations)?;
    der::pem::encode_string(PEM_LABEL, LineEnding::LF, &der)
        .map(Zeroizing::new)
        .map_err(|e| Error::Encoding(e.to_string()))
}

/// Opens a key file in PEM or DER form.
///
/// A malformed file gives [`Error::Malformed`] naming what is wrong; a wrong
/// password (or a damaged ciphertext) gives [`Error::WrongPassword`].
pub fn decrypt(file: &[u8], password: &[u8]) -> Result<PrivateKey> {
    let der = to_der(file)?;
    let info = EncryptedPrivateKeyInfoRef::try_from(der.as_slice()).map_err(|e| {
        Error::malformed("encrypted private key", format!("not a PKCS#8 EncryptedPrivateKeyInfo ({e})"))
    })?;
    let plain = info.decrypt(password).map_err(|_| Error::WrongPassword)?;
    let secret = ::sm2::SecretKey::from_pkcs8_der(plain.as_bytes()).map_err(|_| {
        // Garbage from a wrong password that happened to unpad is indistinguishable
        // from a damaged file; a valid PKCS#8 for another curve is not ours.
        match PrivateKeyInfoRef::try_from(plain.as_bytes()) {
            Ok(_) => Error::InvalidKey("the key file holds a key that is not an SM2 key".into()),
            Err(_) => Error::WrongPassword,
        }
    })?;
    Ok(PrivateKey::from_secret(secret))
}

fn to_der(file: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let text = std::str::from_utf8(file).ok().map(str::trim_start);
    match text {
        Some(t) if t.starts_with("-----BEGIN") => {
            let (label, der) =
                der::pem::decode_vec(t.as_bytes()).map_err(|e| Error::malformed("key file PEM", e))?;
            if label != PEM_LABEL {
                return Err(Error::malformed(
                    "key file PEM",
                    format!("expected a block labelled {PEM_LABEL:?}, found {label:?}"),
                ));
            }
            Ok(Zeroizing::new(der))
        }
        _ => Ok(Zeroizing::new(file.to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_pem_and_der() {
        let key = PrivateKey::generate().unwrap();
        let pem = encrypt_pem(&key, b"correct horse", 1_000).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let back = decrypt(pem.as_bytes(), b"correct horse").unwrap();
        assert_eq!(back.public_key(), key.public_key());
        let der = encrypt_with_iterations(&key, b"pw", 1_000).unwrap();
        assert_eq!(decrypt(&der, b"pw").unwrap().public_key(), key.public_key());
    }

    #[test]
    fn wrong_password_is_a_clear_error() {
        let key = PrivateKey::generate().unwrap();
        let der = encrypt_with_iterations(&key, b"right", 1_000).unwrap();
        assert_eq!(decrypt(&der, b"wrong").unwrap_err(), Error::WrongPassword);
    }

    #[test]
    fn malformed_input_is_named() {
        let err =
            decrypt(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", b"pw").unwrap_err();
        assert!(matches!(err, Error::Malformed { what: "key file PEM", .. }), "{err}");
        let err = decrypt(b"not a key at all", b"pw").unwrap_err();
        assert!(matches!(err, Error::Malformed { .. }), "{err}");
    }

    #[test]
    fn rejects_weak_parameters() {
        let key = PrivateKey::generate().unwrap();
        assert!(matches!(encrypt_with_iterations(&key, b"pw", 10), Err(Error::InvalidParameter(_))));
        assert!(matches!(encrypt_with_iterations(&key, b"", 1_000), Err(Error::InvalidParameter(_))));
    }
}
