//! The time-stamping authority: answers requests and issues tokens
//! (RFC 3161 §2.4.2; the token is RFC 5652 `SignedData`, see the [module docs](super)).
//!
//! The authority never reads a clock or keeps a counter: the caller passes the
//! serial number (a server-side counter, or [`random_serial`]) and `genTime`,
//! which is truncated to whole seconds (no `accuracy` field is written).

use der::Encode;
use der::asn1::{BitString, ObjectIdentifier, Uint};
use time::OffsetDateTime;
use x509_cert::Certificate;

use super::asn1::{
    MessageImprint, PkiStatusInfo, STATUS_GRANTED, STATUS_REJECTION, TimeStampReq, TimeStampResp, TstInfo,
};
use super::cms_token::{Signer, enc, generalized_time, sign_tst_info};
use super::request::{Imprint, ImprintAlgorithm};
use super::verify::check_tsa_certificate;
use crate::{Error, PrivateKey, PublicKey, Result, rng};

/// `PKIFailureInfo` named bits (RFC 3161 §2.4.2) a rejection can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureInfo {
    /// Unrecognized or unsupported algorithm identifier.
    BadAlg = 0,
    /// Transaction not permitted or supported.
    BadRequest = 2,
    /// The data submitted has the wrong format.
    BadDataFormat = 5,
    /// The TSA's time source is not available.
    TimeNotAvailable = 14,
    /// The requested TSA policy is not supported by the TSA.
    UnacceptedPolicy = 15,
    /// The requested extension is not supported by the TSA.
    UnacceptedExtension = 16,
    /// The additional information requested could not be understood or is not available.
    AddInfoNotAvailable = 17,
    /// The request cannot be handled due to system failure.
    SystemFailure = 25,
}

impl FailureInfo {
    /// The bit number in `PKIFailureInfo`.
    pub fn bit(self) -> usize {
        self as usize
    }

    /// The DER `BIT STRING` with only this bit set, trailing zero bits removed
    /// (X.690 §11.2.2 for named bit lists).
    pub fn to_bit_string(self) -> Result<BitString> {
        let bit = self.bit();
        let mut bytes = vec![0u8; bit / 8 + 1];
        if let Some(last) = bytes.last_mut() {
            *last = 0x80 >> (bit % 8);
        }
        // `bit % 8` is below 8, so the cast cannot truncate.
        BitString::new(7 - (bit % 8) as u8, bytes).map_err(enc)
    }
}

/// Per-token choices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StampOptions {
    /// The requester's nonce, echoed in the token.
    pub nonce: Option<Uint>,
    /// Whether to put the TSA certificate into the token's `certificates`.
    pub include_cert: bool,
}

/// 16 random bytes as a positive serial number.
pub fn random_serial() -> Result<Uint> {
    let mut bytes = rng::bytes::<16>()?;
    bytes[15] |= 1; // never zero
    Uint::new(&bytes).map_err(enc)
}

/// A time-stamping authority: its certificate, its SM2 key and its policy.
#[derive(Debug)]
pub struct TimeStampAuthority {
    cert: Certificate,
    cert_der: Vec<u8>,
    key: PrivateKey,
    policy: ObjectIdentifier,
}

impl TimeStampAuthority {
    /// An authority; fails if `key` does not match `cert`, or if `cert` is not
    /// a TSA certificate (critical extended key usage timeStamping only, RFC 3161 §2.3).
    pub fn new(cert: Certificate, key: PrivateKey, policy: ObjectIdentifier) -> Result<Self> {
        let cert_der = cert.to_der().map_err(enc)?;
        let spki = cert.tbs_certificate().subject_public_key_info().to_der().map_err(enc)?;
        if PublicKey::from_spki_der(&spki)? != key.public_key() {
            return Err(Error::InvalidKey("the TSA key does not match the TSA certificate".into()));
        }
        check_tsa_certificate(&cert)?;
        Ok(Self { cert, cert_der, key, policy })
    }

    /// The TSA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The policy every token names.
    pub fn policy(&self) -> ObjectIdentifier {
        self.policy
    }

    /// Answers a DER `TimeStampReq` with a DER `TimeStampResp`: granted with a
    /// token, or a rejection naming the [`FailureInfo`]. `Err` only when the
    /// response itself cannot be produced (signing or encoding failed).
    pub fn respond(&self, request_der: &[u8], serial: Uint, gen_time: OffsetDateTime) -> Result<Vec<u8>> {
        match TimeStampReq::parse(request_der) {
            Ok(req) => self.respond_to(&req, serial, gen_time),
            Err(_) => rejection(FailureInfo::BadDataFormat, "the request is not a DER TimeStampReq"),
        }
    }

    /// Answers a parsed request (see [`Self::respond`]).
    pub fn respond_to(&self, req: &TimeStampReq, serial: Uint, gen_time: OffsetDateTime) -> Result<Vec<u8>> {
        if req.version != 1 {
            return rejection(FailureInfo::BadRequest, "unsupported request version");
        }
        if let Err(e) = req.imprint() {
            // A known algorithm with a hash of the wrong length is a format error.
            let info = if ImprintAlgorithm::from_identifier(&req.message_imprint.hash_algorithm).is_some() {
                FailureInfo::BadDataFormat
            } else {
                FailureInfo::BadAlg
            };
            return rejection(info, &e.to_string());
        }
        if req.req_policy.is_some_and(|p| p != self.policy) {
            return rejection(FailureInfo::UnacceptedPolicy, "the requested policy is not supported");
        }
        if req.extensions.is_some() {
            return rejection(FailureInfo::UnacceptedExtension, "request extensions are not supported");
        }
        let opts = StampOptions { nonce: req.nonce.clone(), include_cert: req.cert_req };
        let token = self.token(req.message_imprint.clone(), serial, gen_time, &opts)?;
        let resp = TimeStampResp {
            status: PkiStatusInfo { status: STATUS_GRANTED, status_string: None, fail_info: None },
            time_stamp_token: Some(token),
        };
        resp.to_der().map_err(enc)
    }

    /// A DER token (`ContentInfo`) for `imprint`, without a request round trip.
    pub fn stamp(
        &self,
        imprint: &Imprint,
        serial: Uint,
        gen_time: OffsetDateTime,
        opts: &StampOptions,
    ) -> Result<Vec<u8>> {
        self.token(imprint.to_asn1()?, serial, gen_time, opts)?.to_der().map_err(enc)
    }

    fn token(
        &self,
        message_imprint: MessageImprint,
        serial: Uint,
        gen_time: OffsetDateTime,
        opts: &StampOptions,
    ) -> Result<cms::content_info::ContentInfo> {
        check_serial(&serial)?;
        let tst = TstInfo {
            version: 1,
            policy: self.policy,
            message_imprint,
            serial_number: serial,
            gen_time: generalized_time(gen_time)?,
            accuracy: None,
            ordering: false,
            nonce: opts.nonce.clone(),
            tsa: None,
            extensions: None,
        };
        let signer = Signer { cert: &self.cert, cert_der: &self.cert_der, key: &self.key };
        sign_tst_info(&signer, tst.to_der().map_err(enc)?, gen_time, opts.include_cert)
    }
}

/// Serial numbers are positive and at most 160 bits (RFC 3161 §2.4.2).
fn check_serial(serial: &Uint) -> Result<()> {
    let bytes = serial.as_bytes();
    if bytes.iter().all(|b| *b == 0) {
        return Err(Error::InvalidParameter("time-stamp serial number must be positive".into()));
    }
    if bytes.len() > 20 {
        return Err(Error::InvalidParameter("time-stamp serial number exceeds 160 bits".into()));
    }
    Ok(())
}

/// A DER rejection response.
fn rejection(info: FailureInfo, text: &str) -> Result<Vec<u8>> {
    let resp = TimeStampResp {
        status: PkiStatusInfo {
            status: STATUS_REJECTION,
            status_string: Some(vec![text.to_owned()]),
            fail_info: Some(info.to_bit_string()?),
        },
        time_stamp_token: None,
    };
    resp.to_der().map_err(enc)
}
