//! SM2 keys, signatures and public-key encryption (GB/T 32918, GM/T 0003, GM/T 0009).
//!
//! - Signatures are SM2-with-SM3 over `Z_A ‖ M`, where `Z_A` hashes the signer
//!   ID, which is always the GM/T 0009 default [`DIST_ID`] and is set
//!   explicitly on both sides. The wire form is DER `SEQUENCE { r, s }`.
//!   Signing is hedged: RFC 6979 nonces with fresh randomness mixed in.
//! - Encryption follows GM/T 0003-2012 part 4 (C1C3C2) and is encoded as the
//!   GM/T 0009 ASN.1 `SEQUENCE { x, y, hash, ciphertext }`.
//!
//! Application code should sign through [`crate::message`], which prefixes
//! every message with its purpose. [`PrivateKey::sign_raw`] exists for
//! standard structures (X.509 TBS, CMS signed attributes, GB/T 38540) whose
//! DER encoding already fixes their meaning; DER always starts with a tag
//! byte (`0x30`) that no purpose-tagged message does.

use std::fmt;

use ::sm2::dsa::{SigningKey, VerifyingKey};
use ::sm2::elliptic_curve::Generate;
use ::sm2::pkcs8::{DecodePublicKey, EncodePublicKey};
use ::sm2::pke::{DecryptingKey, EncryptingKey};
use signature::{RandomizedSigner, Verifier};
use zeroize::Zeroizing;

use crate::{Error, Result, rng};

/// The signer ID (GM/T 0009-2012 §10 default) used for every SM2 signature sealbid makes or checks.
pub const DIST_ID: &str = "1234567812345678";

/// An SM2 private key. Zeroized on drop; `Debug` prints no key material.
#[derive(Clone)]
pub struct PrivateKey {
    secret: ::sm2::SecretKey,
}

impl PrivateKey {
    /// A fresh key from the system random generator.
    pub fn generate() -> Result<Self> {
        let secret = ::sm2::SecretKey::try_generate_from_rng(&mut rng::system()).map_err(|_| Error::Rng)?;
        Ok(Self { secret })
    }

    /// A key from its 32-byte big-endian scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let secret = ::sm2::SecretKey::from_slice(bytes)
            .map_err(|_| Error::InvalidKey("not a valid SM2 private scalar".into()))?;
        Ok(Self { secret })
    }

    /// The 32-byte big-endian scalar (zeroized when dropped).
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes().into())
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey { inner: self.secret.public_key() }
    }

    pub(crate) fn secret_key(&self) -> &::sm2::SecretKey {
        &self.secret
    }

    pub(crate) fn from_secret(secret: ::sm2::SecretKey) -> Self {
        Self { secret }
    }

    pub(crate) fn signing_key(&self) -> Result<SigningKey> {
        SigningKey::new(DIST_ID, &self.secret)
            .map_err(|_| Error::InvalidKey("unusable SM2 signing key".into()))
    }

    /// Signs `msg` as it is (see the module docs for when that is appropriate).
    pub fn sign_raw(&self, msg: &[u8]) -> Result<Signature> {
        let sig = self.signing_key()?.try_sign_with_rng(&mut rng::system(), msg).map_err(|_| Error::Rng)?;
        Ok(Signature(sig))
    }

    /// Decrypts a GM/T 0009 DER-encoded SM2 ciphertext made for this key.
    pub fn decrypt(&self, ciphertext_der: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        DecryptingKey::new(self.secret.clone())
            .decrypt_der(ciphertext_der)
            .map(Zeroizing::new)
            .map_err(|_| Error::DecryptionFailed)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("secret", &"[REDACTED]")
            .field("public", &self.public_key())
            .finish()
    }
}

/// An SM2 public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    inner: ::sm2::PublicKey,
}

impl PublicKey {
    /// From a SEC1 point (uncompressed `04‖x‖y` or compressed).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self> {
        ::sm2::PublicKey::from_sec1_bytes(bytes)
            .map(|inner| Self { inner })
            .map_err(|_| Error::malformed("SM2 public key", "not a point on the SM2 curve"))
    }

    /// The uncompressed SEC1 point `04‖x‖y` (65 bytes).
    pub fn to_sec1(&self) -> Vec<u8> {
        self.inner.to_sec1_bytes().into_vec()
    }

    /// From a DER `SubjectPublicKeyInfo` (id-ecPublicKey with the SM2 curve).
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        ::sm2::PublicKey::from_public_key_der(der)
            .map(|inner| Self { inner })
            .map_err(|e| Error::malformed("SM2 SubjectPublicKeyInfo", e))
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn to_spki_der(&self) -> Result<Vec<u8>> {
        self.inner.to_public_key_der().map(|d| d.into_vec()).map_err(|e| Error::Encoding(e.to_string()))
    }

    fn verifying_key(&self) -> Result<VerifyingKey> {
        VerifyingKey::new(DIST_ID, self.inner)
            .map_err(|_| Error::InvalidKey("unusable SM2 public key".into()))
    }

    /// Checks a signature made with [`PrivateKey::sign_raw`].
    pub fn verify_raw(&self, msg: &[u8], signature: &Signature) -> Result<()> {
        self.verifying_key()?.verify(msg, &signature.0).map_err(|_| Error::BadSignature)
    }

    /// Encrypts `msg` to this key (GM/T 0003, C1C3C2), GM/T 0009 DER-encoded.
    pub fn encrypt(&self, msg: &[u8]) -> Result<Vec<u8>> {
        if msg.is_empty() {
            return Err(Error::InvalidParameter("SM2 cannot encrypt an empty message".into()));
        }
        EncryptingKey::new(self.inner).encrypt_der(&mut rng::system(), msg).map_err(|_| Error::Rng)
    }

    /// SM3 of the uncompressed point: a stable identifier for the key.
    pub fn fingerprint(&self) -> crate::Sm3Digest {
        crate::sm3(&self.to_sec1())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.to_sec1()))
    }
}

/// An SM2 signature `(r, s)`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(::sm2::dsa::Signature);

impl Signature {
    /// Parses DER `SEQUENCE { r INTEGER, s INTEGER }`, strictly (no trailing bytes, minimal integers).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        ::sm2::dsa::Signature::from_der(der)
            .map(Self)
            .map_err(|_| Error::malformed("SM2 signature", "not a DER SEQUENCE of two integers in range"))
    }

    /// DER `SEQUENCE { r, s }`: at most 72 bytes, usually 70–72 (shorter when r or s has leading zero bytes).
    pub fn to_der(&self) -> Vec<u8> {
        self.0.to_der().to_vec()
    }

    /// The fixed-width form `r‖s` (64 bytes), as GB/T 38540 and some tools want.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0.to_bytes().into()
    }

    /// From the fixed-width form `r‖s`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        ::sm2::dsa::Signature::from_slice(bytes)
            .map(Self)
            .map_err(|_| Error::malformed("SM2 signature", "expected 64 bytes r||s with r, s in [1, n-1]"))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.to_der()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_reject_other_message() {
        let k = PrivateKey::generate().unwrap();
        let sig = k.sign_raw(b"hello").unwrap();
        k.public_key().verify_raw(b"hello", &sig).unwrap();
        assert_eq!(k.public_key().verify_raw(b"hellp", &sig), Err(Error::BadSignature));
        let other = PrivateKey::generate().unwrap();
        assert_eq!(other.public_key().verify_raw(b"hello", &sig), Err(Error::BadSignature));
    }

    #[test]
    fn der_round_trip() {
        let k = PrivateKey::generate().unwrap();
        let sig = k.sign_raw(b"x").unwrap();
        let der = sig.to_der();
        assert_eq!(der[0], 0x30);
        assert_eq!(Signature::from_der(&der).unwrap(), sig);
        assert_eq!(Signature::from_bytes(&sig.to_bytes()).unwrap(), sig);
    }

    #[test]
    fn encrypt_decrypt() {
        let k = PrivateKey::generate().unwrap();
        let ct = k.public_key().encrypt(b"sm4 key bytes!!!").unwrap();
        assert_eq!(ct[0], 0x30, "GM/T 0009 ciphertext is a DER SEQUENCE");
        assert_eq!(&k.decrypt(&ct).unwrap()[..], b"sm4 key bytes!!!");
        let other = PrivateKey::generate().unwrap();
        assert_eq!(other.decrypt(&ct), Err(Error::DecryptionFailed));
    }

    #[test]
    fn debug_redacts_secret() {
        let k = PrivateKey::generate().unwrap();
        let shown = format!("{k:?}");
        assert!(shown.contains("REDACTED"));
        assert!(!shown.contains(&hex::encode(k.to_bytes().as_slice())));
    }

    #[test]
    fn spki_round_trip() {
        let k = PrivateKey::generate().unwrap();
        let der = k.public_key().to_spki_der().unwrap();
        assert_eq!(PublicKey::from_spki_der(&der).unwrap(), k.public_key());
        assert_eq!(PublicKey::from_sec1(&k.public_key().to_sec1()).unwrap(), k.public_key());
    }
}
