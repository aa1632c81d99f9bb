//! Message imprints and time-stamp requests (RFC 3161 §2.4.1).
//!
//! A request carries the hash of the data (the *message imprint*), optionally
//! a nonce the token must echo, and `certReq` asking the TSA to include its
//! certificate. Imprints may use SM3 (what sealbid sends) or SHA-256 (what
//! `openssl ts -query` sends by default).

use der::asn1::{ObjectIdentifier, OctetString, Uint};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;

use super::asn1::{MessageImprint, TimeStampReq};
use crate::{Error, Result, oid, rng};

/// id-sha256 (RFC 5754 §2).
pub const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// The hash algorithms accepted in a message imprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImprintAlgorithm {
    /// SM3 (GB/T 32905), 1.2.156.10197.1.401.
    Sm3,
    /// SHA-256 (FIPS 180-4), 2.16.840.1.101.3.4.2.1.
    Sha256,
}

impl ImprintAlgorithm {
    /// The algorithm's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sm3 => oid::SM3,
            Self::Sha256 => SHA256,
        }
    }

    /// The algorithm an `AlgorithmIdentifier` names, if supported. Parameters
    /// must be absent or NULL (RFC 5754 §2 allows both).
    pub fn from_identifier(alg: &AlgorithmIdentifierOwned) -> Option<Self> {
        if alg.parameters.as_ref().is_some_and(|p| !p.is_null()) {
            return None;
        }
        match alg.oid {
            o if o == oid::SM3 => Some(Self::Sm3),
            o if o == SHA256 => Some(Self::Sha256),
            _ => None,
        }
    }

    /// Length of the digest in bytes.
    pub fn output_len(self) -> usize {
        32
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sm3 => crate::sm3(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
        }
    }

    /// The `AlgorithmIdentifier` sealbid writes (parameters absent).
    pub fn identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid: self.oid(), parameters: None }
    }
}

/// A checked message imprint: a supported algorithm and a hash of its length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imprint {
    algorithm: ImprintAlgorithm,
    hash: Vec<u8>,
}

impl Imprint {
    /// The imprint of `data` under `algorithm`.
    pub fn of(algorithm: ImprintAlgorithm, data: &[u8]) -> Self {
        Self { algorithm, hash: algorithm.digest(data) }
    }

    /// An imprint from a hash computed elsewhere; fails if its length is wrong.
    pub fn from_hash(algorithm: ImprintAlgorithm, hash: &[u8]) -> Result<Self> {
        if hash.len() != algorithm.output_len() {
            return Err(Error::malformed(
                "message imprint",
                format!("{algorithm:?} hash must be {} bytes, got {}", algorithm.output_len(), hash.len()),
            ));
        }
        Ok(Self { algorithm, hash: hash.to_vec() })
    }

    /// Checks an ASN.1 `MessageImprint`: supported algorithm, right length.
    pub fn from_asn1(mi: &MessageImprint) -> Result<Self> {
        let alg = ImprintAlgorithm::from_identifier(&mi.hash_algorithm).ok_or_else(|| {
            Error::malformed(
                "message imprint",
                format!("unsupported hash algorithm {}", mi.hash_algorithm.oid),
            )
        })?;
        Self::from_hash(alg, mi.hashed_message.as_bytes())
    }

    /// The ASN.1 form, with parameters absent.
    pub fn to_asn1(&self) -> Result<MessageImprint> {
        Ok(MessageImprint {
            hash_algorithm: self.algorithm.identifier(),
            hashed_message: OctetString::new(self.hash.clone())?,
        })
    }

    /// The hash algorithm.
    pub fn algorithm(&self) -> ImprintAlgorithm {
        self.algorithm
    }

    /// The hash value.
    pub fn hash(&self) -> &[u8] {
        &self.hash
    }
}

/// A fresh random 64-bit nonce (the size `openssl ts -query` uses).
pub fn random_nonce() -> Result<Uint> {
    Ok(Uint::new(&rng::bytes::<8>()?)?)
}

impl TimeStampReq {
    /// A version-1 request for `imprint`, with no policy and no extensions.
    pub fn new(imprint: &Imprint, nonce: Option<Uint>, cert_req: bool) -> Result<Self> {
        Ok(Self {
            version: 1,
            message_imprint: imprint.to_asn1()?,
            req_policy: None,
            nonce,
            cert_req,
            extensions: None,
        })
    }

    /// A request for the SM3 imprint of `data`.
    pub fn for_data(data: &[u8], nonce: Option<Uint>, cert_req: bool) -> Result<Self> {
        Self::new(&Imprint::of(ImprintAlgorithm::Sm3, data), nonce, cert_req)
    }

    /// Parses a DER request (structure only; [`Self::imprint`] checks the imprint).
    pub fn parse(der: &[u8]) -> Result<Self> {
        Self::from_der(der).map_err(|e| Error::malformed("time-stamp request", e))
    }

    /// The DER encoding.
    pub fn encode(&self) -> Result<Vec<u8>> {
        self.to_der().map_err(|e| Error::Encoding(e.to_string()))
    }

    /// The request's imprint, checked.
    pub fn imprint(&self) -> Result<Imprint> {
        Imprint::from_asn1(&self.message_imprint)
    }
}

/// `true` when an `AlgorithmIdentifier` is exactly `oid` with absent parameters.
pub(crate) fn is_alg(alg: &AlgorithmIdentifierOwned, oid: ObjectIdentifier) -> bool {
    alg.oid == oid && alg.parameters.is_none()
}

/// An `AlgorithmIdentifier` with absent parameters.
pub(crate) fn alg(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters: None::<Any> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trip() {
        let nonce = random_nonce().unwrap();
        let req = TimeStampReq::for_data(b"bid", Some(nonce.clone()), true).unwrap();
        let der = req.encode().unwrap();
        let back = TimeStampReq::parse(&der).unwrap();
        assert_eq!(back, req);
        assert_eq!(back.nonce, Some(nonce));
        assert!(back.cert_req);
        assert_eq!(back.imprint().unwrap(), Imprint::of(ImprintAlgorithm::Sm3, b"bid"));
    }

    #[test]
    fn cert_req_false_is_omitted() {
        let req = TimeStampReq::for_data(b"x", None, false).unwrap();
        let der = req.encode().unwrap();
        // SEQUENCE { INTEGER 1, MessageImprint } and nothing else.
        let mi_len = req.message_imprint.to_der().unwrap().len();
        assert_eq!(der.len(), 2 + 3 + mi_len);
    }

    #[test]
    fn sha256_null_parameters_accepted() {
        let alg = AlgorithmIdentifierOwned { oid: SHA256, parameters: Some(Any::null()) };
        assert_eq!(ImprintAlgorithm::from_identifier(&alg), Some(ImprintAlgorithm::Sha256));
        let bogus =
            AlgorithmIdentifierOwned { oid: SHA256, parameters: Some(Any::encode_from(&1u8).unwrap()) };
        assert_eq!(ImprintAlgorithm::from_identifier(&bogus), None);
    }

    #[test]
    fn wrong_length_rejected() {
        assert!(Imprint::from_hash(ImprintAlgorithm::Sm3, &[0u8; 20]).is_err());
        // SHA-256 known answer (FIPS 180-2 "abc").
        assert_eq!(
            hex::encode(Imprint::of(ImprintAlgorithm::Sha256, b"abc").hash()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
