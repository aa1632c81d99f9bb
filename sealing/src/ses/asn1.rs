//! The GB/T 38540-2020 version 4 ASN.1 structures, field for field.
//!
//! Checked against the standard's clause 6 (electronic seal) and clause 7
//! (electronic seal signature) as reproduced by independent implementations:
//! ofdrw `ofdrw-gm/src/main/java/org/ofdrw/gm/ses/v4/` (`SESeal`,
//! `SES_SealInfo`, `SES_ESPropertyInfo`, `SES_CertList`, `TBS_Sign`,
//! `SES_Signature`, with `SES_Header`, `SES_ESPictrueInfo` and
//! `ExtensionDatas` from `ses/v1/`), the OpenSSL templates in
//! Chingliu/gm_0031_38540_verifier `38540.cpp` (`SESv4_Seal`,
//! `SESv4_ESPropertyInfo`, `TBSv4_Sign`, `SESv4_Signature`), and the field
//! descriptions of the standard quoted at cdxtjz.cn/article/djsghs.html
//! ("印章数据结构 V4"). In particular:
//!
//! - `SESeal` has, in version 4, the maker's certificate, the signature
//!   algorithm and the signed value *directly* in the outer SEQUENCE (version
//!   2 wrapped them in `SES_SignInfo`);
//! - `SES_ESPropertyInfo.certList` is an untagged CHOICE decided by
//!   `certListType` (1 = certificates as OCTET STRINGs, 2 = certificate
//!   digests), and the three dates are GeneralizedTime (UTCTime in v2);
//! - `TBS_Sign.timeInfo` is a GeneralizedTime (a BIT STRING in v2), the
//!   signer's certificate and algorithm moved from `TBS_Sign` to
//!   `SES_Signature`, and both `TBS_Sign.extDatas` and
//!   `SES_Signature.timeStamp` are `[0] EXPLICIT … OPTIONAL`.
//!
//! ```text
//! SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING,
//!                       signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
//! SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String,
//!                             property SES_ESPropertyInfo, picture SES_ESPictrueInfo,
//!                             extDatas ExtensionDatas OPTIONAL }
//! SES_Header ::= SEQUENCE { ID IA5String ("ES"), version INTEGER (4), Vid IA5String }
//! SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER,
//!                                   certList SES_CertList, createDate GeneralizedTime,
//!                                   validStart GeneralizedTime, validEnd GeneralizedTime }
//! SES_CertList ::= CHOICE { certs SEQUENCE OF OCTET STRING,
//!                           certDigestList SEQUENCE OF CertDigestObj }
//! SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING,
//!                                  width INTEGER, height INTEGER }   -- millimetres
//! ExtensionDatas ::= SEQUENCE OF ExtData
//! ExtData ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
//!                        extnValue OCTET STRING }
//! TBS_Sign ::= SEQUENCE { version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime,
//!                         dataHash BIT STRING, propertyInfo IA5String,
//!                         extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
//! SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING,
//!                              signatureAlgID OBJECT IDENTIFIER, signature BIT STRING,
//!                              timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
//! ```

use der::asn1::{BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString};
use der::{Any, Sequence};

/// The header's fixed `ID`.
pub const HEADER_ID: &str = "ES";
/// The structure version this module implements (GB/T 38540-2020).
pub const VERSION: i64 = 4;
/// `certListType` for a list of certificates.
pub const CERT_LIST_CERTIFICATES: i64 = 1;
/// `certListType` for a list of certificate digests (not produced by sealbid).
pub const CERT_LIST_DIGESTS: i64 = 2;

/// `SES_Header`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SesHeader {
    /// Always `"ES"`.
    pub id: Ia5String,
    /// Always 4.
    pub version: i64,
    /// The vendor's identifier.
    pub vid: Ia5String,
}

/// `ExtData`: one vendor extension.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ExtData {
    /// What the extension is.
    pub extn_id: ObjectIdentifier,
    /// Whether a verifier that does not know it must reject the structure.
    #[asn1(default = "not_critical")]
    pub critical: bool,
    /// The extension's value.
    pub extn_value: OctetString,
}

fn not_critical() -> bool {
    false
}

/// `SES_ESPropertyInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PropertyInfo {
    /// The seal type (application-defined; see [`crate::seal::SealKind`]).
    pub seal_type: i64,
    /// The seal's name.
    pub name: String,
    /// 1: `cert_list` holds certificates; 2: certificate digests.
    pub cert_list_type: i64,
    /// `SES_CertList`, kept undecoded because its alternative depends on `cert_list_type`.
    pub cert_list: Any,
    /// When the seal was made.
    pub create_date: GeneralizedTime,
    /// Start of the seal's validity.
    pub valid_start: GeneralizedTime,
    /// End of the seal's validity.
    pub valid_end: GeneralizedTime,
}

/// `SES_ESPictrueInfo` (the standard's spelling).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PictureInfo {
    /// Image format: `"png"`, `"jpg"`, `"gif"`, `"bmp"` or `"ofd"`.
    pub picture_type: Ia5String,
    /// The image file.
    pub data: OctetString,
    /// Display width in millimetres.
    pub width: i64,
    /// Display height in millimetres.
    pub height: i64,
}

/// `SES_SealInfo`: what the maker signs.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SealInfo {
    /// `SES_Header`.
    pub header: SesHeader,
    /// The seal's unique identifier.
    pub es_id: Ia5String,
    /// Type, name, holders' certificates and dates.
    pub property: PropertyInfo,
    /// The seal picture.
    pub picture: PictureInfo,
    /// Vendor extensions.
    #[asn1(optional = "true")]
    pub ext_datas: Option<Vec<ExtData>>,
}

/// `SESeal` (version 4).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SealAsn1 {
    /// `SES_SealInfo`.
    pub seal_info: SealInfo,
    /// The maker's certificate (DER).
    pub cert: OctetString,
    /// The maker's signature algorithm.
    pub sign_alg_id: ObjectIdentifier,
    /// The maker's signature over the DER of `seal_info`.
    pub signed_value: BitString,
}

/// `TBS_Sign`: what the signer signs.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TbsSign {
    /// Always 4, like the seal's version.
    pub version: i64,
    /// The seal used.
    pub eseal: SealAsn1,
    /// When the signer says it signed.
    pub time_info: GeneralizedTime,
    /// The hash of the signed data.
    pub data_hash: BitString,
    /// What was signed (application-defined text; must name the protected range).
    pub property_info: Ia5String,
    /// Vendor extensions.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub ext_datas: Option<Vec<ExtData>>,
}

/// `SES_Signature` (version 4).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SignatureAsn1 {
    /// `TBS_Sign`.
    pub to_sign: TbsSign,
    /// The signer's certificate (DER).
    pub cert: OctetString,
    /// The signer's signature algorithm.
    pub signature_alg_id: ObjectIdentifier,
    /// The signer's signature over the DER of `to_sign`.
    pub signature: BitString,
    /// An RFC 3161 time-stamp token over the signature value.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub time_stamp: Option<BitString>,
}
