//! # sealbid-crypto
//!
//! The national-algorithm cryptography every part of sealbid shares: the
//! server, the offline CLI and the browser (this crate builds for
//! `wasm32-unknown-unknown`) run the same code for the same operation.
//!
//! | module | what it holds | standard |
//! |---|---|---|
//! | [`hash`] | SM3 hashing | GB/T 32905-2016 |
//! | [`sm2`] | SM2 keys, signatures (DER `SEQUENCE{r,s}`, signer ID `1234567812345678`), public-key encryption with the GM/T 0009 ASN.1 ciphertext | GB/T 32918, GM/T 0003, GM/T 0009 |
//! | [`sm4gcm`] | SM4-GCM authenticated encryption | GB/T 32907, RFC 8998 |
//! | [`envelope`] | sealed bid envelopes (v1), replace/withdraw requests, time-stamped receipts | X.690 DER, RFC 3161 |
//! | [`message`] | domain-separated signed messages: every signature names its purpose | — |
//! | [`login`] | the certificate-login message (challenge, origin, time) signed for the login purpose | — |
//! | [`keyfile`] | encrypted PKCS#8 private-key files | RFC 5958, RFC 8018 |
//! | [`uscc`] | the unified social credit code | GB 32100-2015 |
//! | [`pki`] | PKCS#10 requests, the certificate authority, chain verification, CRLs | RFC 2986, RFC 5280 |
//! | [`tsp`] | RFC 3161 time-stamp requests, responses and tokens with SM2/SM3 | RFC 3161, RFC 5652 |
//! | [`opening`] | the opening: fast ciphertext and decryption-share checks, signed decryption-share batches | threshold_crypto (BLS12-381), X.690 DER |
//! | [`committee`] | the opening committee's distributed key generation (signed, SM2-encrypted ceremony messages, complaints, password-protected key-share files, an official's step replayed from the relay's record) | threshold_crypto (BLS12-381), GM/T 0003 |
//!
//! The crate does no I/O and holds no global state. Secret types zeroize on
//! drop and print as `[REDACTED]`. Errors about secret checks (a wrong
//! password, a failed decryption) say *that* the check failed, never why.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod committee;
pub mod envelope;
pub mod error;
pub mod hash;
pub mod keyfile;
pub mod log;
pub mod login;
pub mod manifest;
pub mod message;
pub mod oid;
pub mod opening;
pub mod pki;
pub mod rng;
pub mod sm2;
pub mod sm4gcm;
pub mod tsp;
pub mod uscc;

pub use error::{Error, Result};
pub use hash::{Sm3Digest, sm3};
pub use message::{Purpose, SignedMessage};
pub use sm2::{PrivateKey, PublicKey, Signature};
pub use uscc::Uscc;

/// Re-exported so callers name the exact ASN.1 and certificate types this crate uses.
pub use der;
/// Re-exported so callers name the exact threshold-key types this crate uses (committee keys, shares).
pub use threshold_crypto;
/// Re-exported so callers name the exact certificate types this crate uses.
pub use x509_cert;
