//! `SES_Signature`: a signature made with a seal (GB/T 38540-2020 clause 7).
//!
//! The signer's key signs the DER of `TBS_Sign` ([`tbs_to_sign`]) on the
//! signer's side with SM2/SM3 (signer ID `1234567812345678`); the result is
//! put together with [`SesSignature::assemble`]. The optional RFC 3161 time
//! stamp covers the signature value: the bytes inside the `signature` BIT
//! STRING ([`SesSignature::signature_value`]).

use der::Encode;
use der::asn1::{BitString, Ia5String, OctetString};
use sealbid_crypto::pki::{Certificate, Usage};
use sealbid_crypto::tsp::{Stamped, verify_token};
use sealbid_crypto::{Signature, Sm3Digest, oid};
use time::OffsetDateTime;

use super::asn1::{SignatureAsn1, TbsSign, VERSION};
use super::check::{ChainStatus, SignatureCheck};
use super::error::{Result, SesError};
use super::seal::SeSeal;
use super::trust::Trust;
use super::util::{
    check_algorithm, decode_canonical, encode, from_generalized, peek_integer, signature_from_bits,
    to_generalized,
};

const WHAT: &str = "SES_Signature";

/// The DER of `TBS_Sign` for `seal`, the signing `time`, the SM3 `data_hash`
/// of the covered data and `property_info` (ASCII, e.g. the protected byte
/// range). This is exactly what the signer's key signs with
/// [`sealbid_crypto::PrivateKey::sign_raw`].
pub fn tbs_to_sign(
    seal: &SeSeal,
    time: OffsetDateTime,
    data_hash: &Sm3Digest,
    property_info: &str,
) -> Result<Vec<u8>> {
    let tbs = TbsSign {
        version: VERSION,
        eseal: seal.asn1().clone(),
        time_info: to_generalized(time, "timeInfo")?,
        data_hash: BitString::from_bytes(data_hash).map_err(|e| SesError::malformed("dataHash", e))?,
        property_info: Ia5String::new(property_info).map_err(|_| SesError::InvalidInput {
            what: "propertyInfo",
            detail: format!("{property_info:?} is not ASCII"),
        })?,
        ext_datas: None,
    };
    encode(&tbs, "TBS_Sign")
}

/// A parsed, version 4 `SES_Signature` with its exact DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SesSignature {
    asn1: SignatureAsn1,
    der: Vec<u8>,
    seal: SeSeal,
    signer: Certificate,
    time: OffsetDateTime,
}

impl SesSignature {
    /// Puts a signature together from the `TBS_Sign` DER made by [`tbs_to_sign`],
    /// the signer's certificate, the signer's SM2 signature over `tbs_der` and
    /// optionally a time-stamp token over the signature value. Fails with
    /// [`SesError::BadSignerSignature`] when the signature does not verify under
    /// the certificate, so a broken signature is never assembled.
    pub fn assemble(
        tbs_der: &[u8],
        signer_cert_der: &[u8],
        signature: &Signature,
        timestamp_token: Option<Vec<u8>>,
    ) -> Result<Self> {
        let to_sign: TbsSign = decode_canonical(tbs_der, "TBS_Sign")?;
        let bits = |bytes: &[u8], what: &'static str| {
            BitString::from_bytes(bytes).map_err(|e| SesError::malformed(what, e))
        };
        let asn1 = SignatureAsn1 {
            to_sign,
            cert: OctetString::new(signer_cert_der)
                .map_err(|e| SesError::malformed("signer certificate", e))?,
            signature_alg_id: oid::SM2_WITH_SM3,
            signature: bits(&signature.to_der(), "signature")?,
            time_stamp: timestamp_token.map(|t| bits(&t, "timeStamp")).transpose()?,
        };
        let assembled = Self::from_der(&encode(&asn1, WHAT)?)?;
        assembled.verify_signer()?;
        Ok(assembled)
    }

    /// The same signature with `token` (an RFC 3161 token over
    /// [`SesSignature::signature_value`]) as its time stamp.
    pub fn with_timestamp(&self, token: Vec<u8>) -> Result<Self> {
        let mut asn1 = self.asn1.clone();
        asn1.time_stamp =
            Some(BitString::from_bytes(&token).map_err(|e| SesError::malformed("timeStamp", e))?);
        Self::from_der(&encode(&asn1, WHAT)?)
    }

    /// Parses a DER `SES_Signature` (version 4, canonical DER, SM2-with-SM3).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let asn1: SignatureAsn1 = decode_canonical(der, WHAT).map_err(|e| {
            // SES_Signature → TBS_Sign → version.
            match peek_integer(der, 1, 0) {
                Some(found) if found != VERSION => SesError::WrongVersion { what: "TBS_Sign", found },
                _ => e,
            }
        })?;
        if asn1.to_sign.version != VERSION {
            return Err(SesError::WrongVersion { what: "TBS_Sign", found: asn1.to_sign.version });
        }
        check_algorithm(&asn1.signature_alg_id, "signer")?;
        let seal_der = asn1.to_sign.eseal.to_der().map_err(|e| SesError::malformed("SESeal", e))?;
        let seal = SeSeal::from_asn1(asn1.to_sign.eseal.clone(), seal_der)?;
        let signer =
            Certificate::from_der(asn1.cert.as_bytes()).map_err(SesError::crypto("signer certificate"))?;
        let time = from_generalized(&asn1.to_sign.time_info, "timeInfo")?;
        match asn1.to_sign.data_hash.as_bytes() {
            Some(h) if h.len() == 32 => {}
            _ => return Err(SesError::malformed("dataHash", "expected a 32-byte SM3 hash")),
        }
        if asn1.signature.as_bytes().is_none()
            || asn1.time_stamp.as_ref().is_some_and(|t| t.as_bytes().is_none())
        {
            return Err(SesError::malformed(WHAT, "a BIT STRING has unused bits"));
        }
        Ok(Self { asn1, der: der.to_vec(), seal, signer, time })
    }

    /// The exact DER.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The seal used.
    pub fn seal(&self) -> &SeSeal {
        &self.seal
    }

    /// The signer's certificate.
    pub fn signer_certificate(&self) -> &Certificate {
        &self.signer
    }

    /// The signing time the signer claims (`timeInfo`).
    pub fn signing_time(&self) -> OffsetDateTime {
        self.time
    }

    /// The signed hash of the covered data.
    pub fn data_hash(&self) -> &[u8] {
        self.asn1.to_sign.data_hash.raw_bytes()
    }

    /// The signed `propertyInfo`.
    pub fn property_info(&self) -> &str {
        self.asn1.to_sign.property_info.as_str()
    }

    /// The bytes inside the `signature` BIT STRING: what a time stamp covers.
    pub fn signature_value(&self) -> &[u8] {
        self.asn1.signature.raw_bytes()
    }

    /// The time-stamp token, if any.
    pub fn timestamp_token(&self) -> Option<&[u8]> {
        self.asn1.time_stamp.as_ref().map(|t| t.raw_bytes())
    }

    fn verify_signer(&self) -> Result<()> {
        let tbs = self.asn1.to_sign.to_der().map_err(|e| SesError::malformed("TBS_Sign", e))?;
        let signature = signature_from_bits(&self.asn1.signature).ok_or(SesError::BadSignerSignature)?;
        self.signer
            .public_key()
            .map_err(SesError::crypto("signer certificate"))?
            .verify_raw(&tbs, &signature)
            .map_err(|_| SesError::BadSignerSignature)
    }

    /// Verifies the signature against the SM3 hash of the covered data.
    ///
    /// Errors (the signature cannot be trusted at all): the signer's signature
    /// over `TBS_Sign`; the time stamp, when present (against
    /// [`Trust::tsa`], whose chain is checked at the stamped time); the seal
    /// maker's signature, pinned certificate and chain at signing time.
    /// Findings reported in the [`SignatureCheck`]: whether the hash matches,
    /// whether the signer's certificate is bound to the seal, the seal's
    /// validity and the signer's certificate chain at signing time — the time
    /// stamp's time when there is one, else the claimed `timeInfo`.
    pub fn verify(&self, covered_data_hash: &Sm3Digest, trust: &Trust) -> Result<SignatureCheck> {
        self.verify_signer()?;
        let timestamp_time = self.verify_timestamp(trust)?;
        let at = timestamp_time.unwrap_or(self.time);
        let maker = self.seal.verify_maker(trust, at)?;
        let signer_chain = match trust.chain(&self.signer, at, Usage::Signing, "signer certificate") {
            Ok(chain) => ChainStatus::Valid { revocation_checked: chain.revocation_checked() },
            Err(SesError::Crypto { source, .. }) => ChainStatus::Invalid(source.to_string()),
            Err(other) => ChainStatus::Invalid(other.to_string()),
        };
        let info = self.signer.subject_info().ok();
        Ok(SignatureCheck {
            signer_subject: self.signer.subject(),
            signer_name: info.as_ref().map(|i| i.common_name.clone()),
            signer_organisation: info.as_ref().and_then(|i| i.organization.clone()),
            signer_uscc: info.as_ref().and_then(|i| i.uscc.as_ref().map(|u| u.as_str().to_string())),
            seal_id: self.seal.es_id().to_string(),
            seal_name: self.seal.name().to_string(),
            seal_kind_code: self.seal.kind_code(),
            seal_kind: self.seal.kind(),
            seal_maker: maker.subject(),
            signing_time: self.time,
            timestamp_time,
            property_info: self.property_info().to_string(),
            hash_matches: self.data_hash() == covered_data_hash.as_slice(),
            signer_bound_to_seal: self.seal.binds(self.signer.to_der()),
            seal_valid_at_signing: self.seal.check_validity(at).is_ok(),
            seal_valid_start: self.seal.valid_start(),
            seal_valid_end: self.seal.valid_end(),
            signer_chain,
        })
    }

    /// The verified time-stamp time, if the signature carries a token.
    fn verify_timestamp(&self, trust: &Trust) -> Result<Option<OffsetDateTime>> {
        let Some(token) = self.timestamp_token() else {
            return Ok(None);
        };
        let tsa = trust.tsa.as_ref().ok_or(SesError::TimestampUnchecked)?;
        let stamped = verify_token(token, Stamped::Data(self.signature_value()), tsa.x509(), None)
            .map_err(SesError::crypto("time stamp over the signature"))?;
        trust.chain(tsa, stamped.gen_time, Usage::TimeStamping, "TSA certificate")?;
        Ok(Some(stamped.gen_time))
    }
}
