//! `SESeal`: an electronic seal made and signed by the platform's seal authority
//! (GB/T 38540-2020 clause 6).

use der::asn1::{BitString, Ia5String, OctetString};
use der::{Any, Encode};
use sealbid_crypto::pki::{Certificate, Usage};
use sealbid_crypto::{PrivateKey, oid};
use time::OffsetDateTime;

use super::asn1::{
    CERT_LIST_CERTIFICATES, CERT_LIST_DIGESTS, HEADER_ID, PictureInfo, PropertyInfo, SealAsn1, SealInfo,
    SesHeader, VERSION,
};
use super::error::{Result, SesError};
use super::trust::Trust;
use super::util::{
    check_algorithm, decode_canonical, encode, from_generalized, peek_integer, rfc3339, signature_from_bits,
    to_generalized,
};
use crate::seal::SealKind;
use crate::seal::picture::Picture;

const WHAT: &str = "SESeal";

/// What goes into a new seal.
#[derive(Clone, Debug)]
pub struct SealSpec {
    /// The seal's unique identifier (`esID`, printable ASCII).
    pub es_id: String,
    /// The vendor identifier in the header (`Vid`, printable ASCII).
    pub vid: String,
    /// What the seal is for.
    pub kind: SealKind,
    /// The seal's name (e.g. "某某医药股份有限公司合同专用章").
    pub name: String,
    /// The holders' certificates: whoever signs with the seal must hold one of them.
    pub holders: Vec<Certificate>,
    /// The picture and its size in millimetres.
    pub picture: Picture,
    /// When the seal is made.
    pub created: OffsetDateTime,
    /// Start of validity.
    pub valid_start: OffsetDateTime,
    /// End of validity.
    pub valid_end: OffsetDateTime,
}

/// A parsed, version 4 `SESeal` together with its exact DER.
///
/// Parsing checks the structure only (header "ES", version 4, SM2-with-SM3,
/// a certificate list, canonical DER); [`SeSeal::verify`] checks the maker's
/// signature, the maker's certificate and the validity period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeSeal {
    asn1: SealAsn1,
    der: Vec<u8>,
    holders: Vec<Vec<u8>>,
    created: OffsetDateTime,
    valid_start: OffsetDateTime,
    valid_end: OffsetDateTime,
}

fn ia5(s: &str, what: &'static str) -> Result<Ia5String> {
    Ia5String::new(s).map_err(|_| SesError::InvalidInput { what, detail: format!("{s:?} is not ASCII") })
}

fn octets(bytes: &[u8], what: &'static str) -> Result<OctetString> {
    OctetString::new(bytes).map_err(|e| SesError::InvalidInput { what, detail: e.to_string() })
}

impl SeSeal {
    /// Makes a seal: builds `SES_SealInfo` from `spec` and signs its DER with
    /// the maker's key (SM2 with SM3, signer ID `1234567812345678`).
    pub fn make(spec: &SealSpec, maker_key: &PrivateKey, maker_cert: &Certificate) -> Result<Self> {
        if maker_cert.public_key().map_err(SesError::crypto("maker certificate"))? != maker_key.public_key() {
            return Err(SesError::InvalidInput {
                what: "maker key",
                detail: "the private key does not belong to the maker's certificate".into(),
            });
        }
        if spec.holders.is_empty() {
            return Err(SesError::InvalidInput {
                what: "holders",
                detail: "a seal needs at least one holder".into(),
            });
        }
        if spec.valid_start >= spec.valid_end {
            return Err(SesError::InvalidInput {
                what: "validity",
                detail: format!(
                    "starts at {} but ends at {}",
                    rfc3339(spec.valid_start),
                    rfc3339(spec.valid_end)
                ),
            });
        }
        let certs = spec
            .holders
            .iter()
            .map(|c| octets(c.to_der(), "holder certificate"))
            .collect::<Result<Vec<_>>>()?;
        let cert_list = Any::encode_from(&certs)
            .map_err(|e| SesError::InvalidInput { what: "holders", detail: e.to_string() })?;
        let seal_info = SealInfo {
            header: SesHeader {
                id: ia5(HEADER_ID, "header")?,
                version: VERSION,
                vid: ia5(&spec.vid, "vid")?,
            },
            es_id: ia5(&spec.es_id, "esID")?,
            property: PropertyInfo {
                seal_type: spec.kind.code(),
                name: spec.name.clone(),
                cert_list_type: CERT_LIST_CERTIFICATES,
                cert_list,
                create_date: to_generalized(spec.created, "createDate")?,
                valid_start: to_generalized(spec.valid_start, "validStart")?,
                valid_end: to_generalized(spec.valid_end, "validEnd")?,
            },
            picture: PictureInfo {
                picture_type: ia5(&spec.picture.format, "picture type")?,
                data: octets(&spec.picture.data, "picture")?,
                width: i64::from(spec.picture.width_mm),
                height: i64::from(spec.picture.height_mm),
            },
            ext_datas: None,
        };
        let tbs = encode(&seal_info, "SES_SealInfo")?;
        let signature = maker_key.sign_raw(&tbs).map_err(SesError::crypto("signing the seal"))?;
        let asn1 = SealAsn1 {
            seal_info,
            cert: octets(maker_cert.to_der(), "maker certificate")?,
            sign_alg_id: oid::SM2_WITH_SM3,
            signed_value: BitString::from_bytes(&signature.to_der())
                .map_err(|e| SesError::malformed(WHAT, e))?,
        };
        Self::from_der(&encode(&asn1, WHAT)?)
    }

    /// Parses a DER `SESeal` (version 4, canonical DER).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let asn1: SealAsn1 = decode_canonical(der, WHAT).map_err(|e| version_error(der, e))?;
        Self::from_asn1(asn1, der.to_vec())
    }

    pub(crate) fn from_asn1(asn1: SealAsn1, der: Vec<u8>) -> Result<Self> {
        let info = &asn1.seal_info;
        if info.header.id.as_str() != HEADER_ID {
            return Err(SesError::WrongHeader { found: info.header.id.as_str().to_string() });
        }
        if info.header.version != VERSION {
            return Err(SesError::WrongVersion { what: WHAT, found: info.header.version });
        }
        check_algorithm(&asn1.sign_alg_id, "seal maker")?;
        let p = &info.property;
        let holders = match p.cert_list_type {
            CERT_LIST_CERTIFICATES => p
                .cert_list
                .decode_as::<Vec<OctetString>>()
                .map_err(|e| SesError::malformed("SES_CertList", e))?
                .into_iter()
                .map(|o| o.into_bytes().into_vec())
                .collect::<Vec<_>>(),
            CERT_LIST_DIGESTS => {
                return Err(SesError::Unsupported {
                    what: "certListType",
                    detail: "certificate digest lists (type 2) are not supported; sealbid binds certificates"
                        .into(),
                });
            }
            other => {
                return Err(SesError::malformed(
                    "SES_ESPropertyInfo",
                    format!("certListType {other} is neither 1 nor 2"),
                ));
            }
        };
        if holders.is_empty() {
            return Err(SesError::malformed("SES_CertList", "the certificate list is empty"));
        }
        if info.picture.width <= 0 || info.picture.height <= 0 {
            return Err(SesError::malformed(
                "SES_ESPictrueInfo",
                "width and height must be positive millimetres",
            ));
        }
        Ok(Self {
            holders,
            created: from_generalized(&p.create_date, "createDate")?,
            valid_start: from_generalized(&p.valid_start, "validStart")?,
            valid_end: from_generalized(&p.valid_end, "validEnd")?,
            asn1,
            der,
        })
    }

    /// The exact DER.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    pub(crate) fn asn1(&self) -> &SealAsn1 {
        &self.asn1
    }

    /// `esID`: the seal's identifier.
    pub fn es_id(&self) -> &str {
        self.asn1.seal_info.es_id.as_str()
    }

    /// `Vid`: the vendor that made the seal.
    pub fn vid(&self) -> &str {
        self.asn1.seal_info.header.vid.as_str()
    }

    /// The seal's name.
    pub fn name(&self) -> &str {
        &self.asn1.seal_info.property.name
    }

    /// The raw `type` code.
    pub fn kind_code(&self) -> i64 {
        self.asn1.seal_info.property.seal_type
    }

    /// The kind, if the code is one sealbid defines.
    pub fn kind(&self) -> Option<SealKind> {
        SealKind::from_code(self.kind_code())
    }

    /// When the seal was made.
    pub fn created(&self) -> OffsetDateTime {
        self.created
    }

    /// Start of validity.
    pub fn valid_start(&self) -> OffsetDateTime {
        self.valid_start
    }

    /// End of validity.
    pub fn valid_end(&self) -> OffsetDateTime {
        self.valid_end
    }

    /// The DER of each holder certificate bound to the seal.
    pub fn holder_certificate_ders(&self) -> &[Vec<u8>] {
        &self.holders
    }

    /// The holder certificates, parsed.
    pub fn holder_certificates(&self) -> Result<Vec<Certificate>> {
        self.holders
            .iter()
            .map(|d| Certificate::from_der(d).map_err(SesError::crypto("holder certificate in the seal")))
            .collect()
    }

    /// True when `cert_der` is one of the holder certificates.
    pub fn binds(&self, cert_der: &[u8]) -> bool {
        self.holders.iter().any(|h| h == cert_der)
    }

    /// The maker's certificate.
    pub fn maker_certificate(&self) -> Result<Certificate> {
        Certificate::from_der(self.asn1.cert.as_bytes()).map_err(SesError::crypto("seal maker certificate"))
    }

    /// The picture (format, bytes and size in millimetres).
    pub fn picture(&self) -> Picture {
        let p = &self.asn1.seal_info.picture;
        Picture {
            format: p.picture_type.as_str().to_string(),
            data: p.data.as_bytes().to_vec(),
            width_mm: u32::try_from(p.width).unwrap_or(u32::MAX),
            height_mm: u32::try_from(p.height).unwrap_or(u32::MAX),
        }
    }

    /// Checks only that the maker's signature over the DER of `SES_SealInfo`
    /// verifies under the maker certificate the seal itself carries: the
    /// seal is intact and made by whoever that certificate names. Whether
    /// that maker is trusted is [`SeSeal::verify_maker`]'s question. Returns
    /// the maker's certificate.
    pub fn verify_maker_signature(&self) -> Result<Certificate> {
        let maker = self.maker_certificate()?;
        let info = self.asn1.seal_info.to_der().map_err(|e| SesError::malformed("SES_SealInfo", e))?;
        let signature = signature_from_bits(&self.asn1.signed_value).ok_or(SesError::BadMakerSignature)?;
        maker
            .public_key()
            .map_err(SesError::crypto("seal maker certificate"))?
            .verify_raw(&info, &signature)
            .map_err(|_| SesError::BadMakerSignature)?;
        Ok(maker)
    }

    /// Checks the maker: its certificate is a pinned seal authority, its
    /// signature over the DER of `SES_SealInfo` verifies, and its certificate
    /// chains to a trust anchor at `at`. Returns the maker's certificate.
    pub fn verify_maker(&self, trust: &Trust, at: OffsetDateTime) -> Result<Certificate> {
        let maker = self.verify_maker_signature()?;
        if !trust.seal_authorities.iter().any(|a| a.to_der() == maker.to_der()) {
            return Err(SesError::UntrustedMaker { subject: maker.subject() });
        }
        trust.chain(&maker, at, Usage::Signing, "seal maker certificate")?;
        Ok(maker)
    }

    /// Checks that `at` lies within `[validStart, validEnd]`.
    pub fn check_validity(&self, at: OffsetDateTime) -> Result<()> {
        if at < self.valid_start {
            return Err(SesError::SealNotYetValid {
                seal_name: self.name().to_string(),
                valid_start: rfc3339(self.valid_start),
                at: rfc3339(at),
            });
        }
        if at > self.valid_end {
            return Err(SesError::SealExpired {
                seal_name: self.name().to_string(),
                valid_end: rfc3339(self.valid_end),
                at: rfc3339(at),
            });
        }
        Ok(())
    }

    /// [`SeSeal::verify_maker`] and [`SeSeal::check_validity`] at `at`.
    pub fn verify(&self, trust: &Trust, at: OffsetDateTime) -> Result<()> {
        self.verify_maker(trust, at)?;
        self.check_validity(at)
    }
}

/// Turns a parse failure of a structure of another version into [`SesError::WrongVersion`].
fn version_error(der: &[u8], err: SesError) -> SesError {
    // SESeal → SES_SealInfo → SES_Header: ID, then version.
    match peek_integer(der, 2, 1) {
        Some(found) if found != VERSION => SesError::WrongVersion { what: WHAT, found },
        _ => err,
    }
}
