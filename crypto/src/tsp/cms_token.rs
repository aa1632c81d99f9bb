//! Assembling the token: a CMS `SignedData` over a DER `TSTInfo` (RFC 5652 §5,
//! RFC 3161 §2.4.2), signed with SM2-with-SM3.
//!
//! The `cms` crate's builder hashes with SHA-2 only, so the structure is put
//! together here from its types.

use core::time::Duration;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{GeneralizedTime, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, DateTime, Encode, EncodeValue, Tagged};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::time::Time;

use super::asn1::{EssCertIdV2, IssuerSerial, SigningCertificateV2};
use super::request::alg;
use crate::{Error, PrivateKey, Result, oid};

/// Maps a `der` error met while encoding.
pub(crate) fn enc(e: der::Error) -> Error {
    Error::Encoding(e.to_string())
}

/// Seconds since the Unix epoch, truncated to whole seconds; times before 1970 are refused.
fn unix_duration(t: OffsetDateTime) -> Result<Duration> {
    u64::try_from(t.unix_timestamp())
        .map(Duration::from_secs)
        .map_err(|_| Error::InvalidParameter("time before 1970".into()))
}

/// `t` as a whole-second `GeneralizedTime`.
pub(crate) fn generalized_time(t: OffsetDateTime) -> Result<GeneralizedTime> {
    GeneralizedTime::from_unix_duration(unix_duration(t)?)
        .map_err(|e| Error::InvalidParameter(format!("time out of range: {e}")))
}

/// `t` as an X.509/CMS `Time`: UTCTime through 2049, GeneralizedTime after (RFC 5652 §11.3).
pub(crate) fn cms_time(t: OffsetDateTime) -> Result<Time> {
    let dt = DateTime::from_unix_duration(unix_duration(t)?)
        .map_err(|e| Error::InvalidParameter(format!("time out of range: {e}")))?;
    Ok(Time::from(dt))
}

/// A `der` time (seconds since the epoch) as an `OffsetDateTime`.
pub(crate) fn offset_date_time(d: Duration) -> Result<OffsetDateTime> {
    let secs = i64::try_from(d.as_secs()).map_err(|_| Error::malformed("time", "out of range"))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| Error::malformed("time", e))
}

/// The ESS `SigningCertificateV2` naming `cert` by its SM3 hash, issuer and serial (RFC 5035 §4).
pub(crate) fn signing_certificate_v2(cert: &Certificate, cert_der: &[u8]) -> Result<SigningCertificateV2> {
    let tbs = cert.tbs_certificate();
    Ok(SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: Some(alg(oid::SM3)),
            cert_hash: OctetString::new(crate::sm3(cert_der).to_vec()).map_err(enc)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            }),
        }],
        policies: None,
    })
}

/// A signed attribute with one value.
fn attribute<T: EncodeValue + Tagged>(oid: ObjectIdentifier, value: &T) -> Result<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(Any::encode_from(value).map_err(enc)?).map_err(enc)?;
    Ok(Attribute { oid, values })
}

/// The signer identifier for `cert`.
pub(crate) fn signer_id(cert: &Certificate) -> SignerIdentifier {
    let tbs = cert.tbs_certificate();
    SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    })
}

/// What goes into one token besides the `TSTInfo`.
pub(crate) struct Signer<'a> {
    /// The TSA certificate.
    pub cert: &'a Certificate,
    /// Its DER encoding.
    pub cert_der: &'a [u8],
    /// The TSA key.
    pub key: &'a PrivateKey,
}

/// Wraps `tst_der` in a signed `ContentInfo` (RFC 5652 §5, RFC 3161 §2.4.2).
pub(crate) fn sign_tst_info(
    signer: &Signer<'_>,
    tst_der: Vec<u8>,
    signing_time: OffsetDateTime,
    include_cert: bool,
) -> Result<ContentInfo> {
    let mut attrs = SetOfVec::new();
    attrs.insert(attribute(oid::CONTENT_TYPE, &oid::TST_INFO)?).map_err(enc)?;
    attrs.insert(attribute(oid::SIGNING_TIME, &cms_time(signing_time)?)?).map_err(enc)?;
    let digest = OctetString::new(crate::sm3(&tst_der).to_vec()).map_err(enc)?;
    attrs.insert(attribute(oid::MESSAGE_DIGEST, &digest)?).map_err(enc)?;
    let ess = signing_certificate_v2(signer.cert, signer.cert_der)?;
    attrs.insert(attribute(oid::SIGNING_CERTIFICATE_V2, &ess)?).map_err(enc)?;

    // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF
    // (tag 0x31), not as the [0] IMPLICIT field they sit in.
    let signature = signer.key.sign_raw(&attrs.to_der().map_err(enc)?)?;

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: signer_id(signer.cert),
        digest_alg: alg(oid::SM3),
        signed_attrs: Some(attrs),
        signature_algorithm: alg(oid::SM2_WITH_SM3),
        signature: OctetString::new(signature.to_der()).map_err(enc)?,
        unsigned_attrs: None,
    };
    let certificates = if include_cert {
        let mut set = SetOfVec::new();
        set.insert(CertificateChoices::Certificate(signer.cert.clone())).map_err(enc)?;
        Some(CertificateSet(set))
    } else {
        None
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(alg(oid::SM3)).map_err(enc)?;
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer_info).map_err(enc)?;
    let signed_data = SignedData {
        version: CmsVersion::V3,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::TST_INFO,
            econtent: Some(Any::encode_from(&OctetString::new(tst_der).map_err(enc)?).map_err(enc)?),
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    Ok(ContentInfo { content_type: oid::SIGNED_DATA, content: Any::encode_from(&signed_data).map_err(enc)? })
}
