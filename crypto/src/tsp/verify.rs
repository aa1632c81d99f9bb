//! Verifying time-stamp tokens (RFC 3161 §2.4.2, RFC 5652 §5.4 and §5.6,
//! RFC 5035 §5.4).
//!
//! [`verify_token`] checks, in this order, and names the failed check in its
//! error: the token is DER and re-encodes to the same bytes; CMS structure
//! (`SignedData` v3, digest algorithm SM3 only, no CRLs, one `SignerInfo` v1,
//! eContentType `id-ct-TSTInfo`); any certificate the token carries is the
//! given TSA certificate; that certificate has the critical extended key usage
//! timeStamping and nothing else (RFC 3161 §2.3); the signer identifier names
//! it; signed attributes contentType, messageDigest (= SM3 of the `TSTInfo`)
//! and ESS signingCertificateV2 (matching the certificate's hash, issuer and
//! serial); the SM2 signature over the signed attributes under the
//! certificate's key; `genTime` inside the certificate's validity; the
//! message imprint; the nonce.
//!
//! It does **not** check the TSA certificate's chain or revocation: do that
//! with [`crate::pki`] first, on the certificate you then pass in.

use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{SignedAttributes, SignedData, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString, Uint};
use der::{Any, Decode, Encode};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::time::Time;

use super::asn1::{STATUS_GRANTED, STATUS_GRANTED_WITH_MODS, SigningCertificateV2, TimeStampResp, TstInfo};
use super::cms_token::{enc, offset_date_time, signer_id};
use super::request::{Imprint, ImprintAlgorithm, SHA256, alg, is_alg};
use crate::error::CertError;
use crate::{Error, PublicKey, Result, Signature, oid};

/// id-ce-extKeyUsage (RFC 5280 §4.2.1.12).
const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

/// What the token is expected to stamp.
#[derive(Clone, Copy, Debug)]
pub enum Stamped<'a> {
    /// The data itself; it is hashed with the algorithm the token's imprint names.
    Data(&'a [u8]),
    /// An imprint computed by the caller; algorithm and hash must both match.
    Imprint(&'a Imprint),
}

/// What a verified token asserts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedTimestamp {
    /// `genTime`: when the TSA stamped the data.
    pub gen_time: OffsetDateTime,
    /// The token's serial number.
    pub serial: Uint,
    /// The TSA policy the token was issued under.
    pub policy: ObjectIdentifier,
    /// The message imprint (its hash algorithm and value).
    pub imprint: Imprint,
    /// The nonce, if the token carries one.
    pub nonce: Option<Uint>,
    /// The TSA certificate's subject (RFC 4514 string).
    pub tsa_subject: String,
}

fn ts(msg: impl Into<String>) -> Error {
    Error::Timestamp(msg.into())
}

/// The token from a DER `TimeStampResp`; an error naming the status and
/// failure bits if the TSA did not grant the request.
pub fn token_from_response(response_der: &[u8]) -> Result<Vec<u8>> {
    let resp =
        TimeStampResp::from_der(response_der).map_err(|e| Error::malformed("time-stamp response", e))?;
    let status = resp.status.status;
    if status != STATUS_GRANTED && status != STATUS_GRANTED_WITH_MODS {
        let bits: Vec<usize> = resp
            .status
            .fail_info
            .as_ref()
            .map(|b| b.bits().enumerate().filter(|(_, set)| *set).map(|(i, _)| i).collect())
            .unwrap_or_default();
        let text = resp.status.status_string.unwrap_or_default().join("; ");
        return Err(ts(format!("the TSA refused: status {status}, failInfo bits {bits:?}: {text}")));
    }
    let token = resp.time_stamp_token.ok_or_else(|| ts("granted response without a token"))?;
    token.to_der().map_err(enc)
}

/// Parses a token strictly: DER that re-encodes to exactly the same bytes.
fn parse_signed_data(token_der: &[u8]) -> Result<SignedData> {
    let bad = |e: der::Error| Error::malformed("time-stamp token", e);
    let ci = ContentInfo::from_der(token_der).map_err(bad)?;
    if ci.content_type != oid::SIGNED_DATA {
        return Err(ts("the token is not CMS SignedData"));
    }
    let sd: SignedData = ci.content.decode_as().map_err(bad)?;
    let again = ContentInfo { content_type: ci.content_type, content: Any::encode_from(&sd).map_err(enc)? };
    if again.to_der().map_err(enc)? != token_der {
        return Err(Error::malformed("time-stamp token", "not in canonical DER"));
    }
    Ok(sd)
}

/// The certificates a token carries (the TSA certificate when the request set
/// `certReq`), for the caller to chain-check before calling [`verify_token`].
pub fn embedded_certificates(token_der: &[u8]) -> Result<Vec<Certificate>> {
    let sd = parse_signed_data(token_der)?;
    Ok(sd
        .certificates
        .map(|set| {
            set.0
                .into_vec()
                .into_iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Checks that `cert` may sign time stamps: its extended key usage is
/// present, critical, and exactly id-kp-timeStamping (RFC 3161 §2.3).
pub(crate) fn check_tsa_certificate(cert: &Certificate) -> Result<()> {
    let usage =
        |detail: &str| Error::Certificate(CertError::Usage { detail: format!("TSA certificate: {detail}") });
    let exts = cert.tbs_certificate().extensions().map(|e| e.as_slice()).unwrap_or_default();
    let mut eku = exts.iter().filter(|e| e.extn_id == EXT_KEY_USAGE);
    let ext = eku.next().ok_or_else(|| usage("no extended key usage"))?;
    if eku.next().is_some() {
        return Err(usage("extended key usage appears twice"));
    }
    if !ext.critical {
        return Err(usage("extended key usage is not critical"));
    }
    let purposes = ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
        .map_err(|e| Error::malformed("extended key usage", e))?;
    if purposes.0 != [oid::KP_TIME_STAMPING] {
        return Err(usage("extended key usage must be timeStamping only"));
    }
    Ok(())
}

/// Verifies a DER token against the data it should stamp, the TSA
/// certificate (already chain-checked by the caller) and, if the caller sent
/// one, the nonce. With `expected_nonce = None` the token's nonce is not checked.
pub fn verify_token(
    token_der: &[u8],
    stamped: Stamped<'_>,
    tsa_cert: &Certificate,
    expected_nonce: Option<&Uint>,
) -> Result<VerifiedTimestamp> {
    let sd = parse_signed_data(token_der)?;
    let (tst, tst_der) = check_structure(&sd)?;
    let cert_der = tsa_cert.to_der().map_err(enc)?;
    if let Some(set) = &sd.certificates {
        for choice in set.0.iter() {
            let same = match choice {
                CertificateChoices::Certificate(c) => c.to_der().map_err(enc)? == cert_der,
                _ => false,
            };
            if !same {
                return Err(ts("the token carries a certificate other than the given TSA certificate"));
            }
        }
    }
    check_tsa_certificate(tsa_cert)?;
    let si = sd.signer_infos.0.get(0).ok_or_else(|| ts("no SignerInfo"))?;
    let attrs = check_signer_info(si, tsa_cert)?;
    check_signed_attributes(attrs, &tst_der, tsa_cert, &cert_der)?;
    let spki = tsa_cert.tbs_certificate().subject_public_key_info().to_der().map_err(enc)?;
    let signature = Signature::from_der(si.signature.as_bytes())?;
    PublicKey::from_spki_der(&spki)?.verify_raw(&attrs.to_der().map_err(enc)?, &signature)?;

    let gen_time = offset_date_time(tst.gen_time.to_unix_duration())?;
    let validity = tsa_cert.tbs_certificate().validity();
    let not_before = offset_date_time(validity.not_before.to_unix_duration())?;
    let not_after = offset_date_time(validity.not_after.to_unix_duration())?;
    if gen_time < not_before || gen_time > not_after {
        return Err(ts("genTime is outside the TSA certificate's validity"));
    }
    let imprint = Imprint::from_asn1(&tst.message_imprint)?;
    let matches = match stamped {
        Stamped::Data(data) => imprint.hash() == imprint.algorithm().digest(data).as_slice(),
        Stamped::Imprint(expected) => expected == &imprint,
    };
    if !matches {
        return Err(ts("the message imprint does not match the data"));
    }
    if let Some(nonce) = expected_nonce
        && tst.nonce.as_ref() != Some(nonce)
    {
        return Err(ts("the nonce does not match the request"));
    }
    Ok(VerifiedTimestamp {
        gen_time,
        serial: tst.serial_number,
        policy: tst.policy,
        imprint,
        nonce: tst.nonce,
        tsa_subject: tsa_cert.tbs_certificate().subject().to_string(),
    })
}

/// `SignedData` fields outside the signer: version, digest algorithms, CRLs,
/// signer count, and the encapsulated `TSTInfo` (returned with its DER).
fn check_structure(sd: &SignedData) -> Result<(TstInfo, Vec<u8>)> {
    if sd.version != CmsVersion::V3 {
        return Err(ts("SignedData version must be 3"));
    }
    if sd.digest_algorithms.len() != 1 || !sd.digest_algorithms.iter().all(|a| is_alg(a, oid::SM3)) {
        return Err(ts("digestAlgorithms must be exactly SM3"));
    }
    if sd.crls.is_some() {
        return Err(ts("unexpected CRLs in the token"));
    }
    if sd.signer_infos.0.len() != 1 {
        return Err(ts("the token must have exactly one SignerInfo"));
    }
    if sd.encap_content_info.econtent_type != oid::TST_INFO {
        return Err(ts("eContentType is not id-ct-TSTInfo"));
    }
    let econtent = sd.encap_content_info.econtent.as_ref().ok_or_else(|| ts("no eContent"))?;
    let octets: OctetString = econtent.decode_as().map_err(|e| Error::malformed("eContent", e))?;
    let tst_der = octets.as_bytes().to_vec();
    let tst = TstInfo::from_der(&tst_der).map_err(|e| Error::malformed("TSTInfo", e))?;
    if tst.to_der().map_err(enc)? != tst_der {
        return Err(Error::malformed("TSTInfo", "not in canonical DER"));
    }
    if tst.version != 1 {
        return Err(ts("TSTInfo version must be 1"));
    }
    Ok((tst, tst_der))
}

/// The `SignerInfo` profile; returns its signed attributes.
fn check_signer_info<'a>(si: &'a SignerInfo, cert: &Certificate) -> Result<&'a SignedAttributes> {
    if si.version != CmsVersion::V1 {
        return Err(ts("SignerInfo version must be 1"));
    }
    if si.sid != signer_id(cert) {
        return Err(ts("the signer is not the given TSA certificate"));
    }
    if !is_alg(&si.digest_alg, oid::SM3) {
        return Err(ts("the signer's digest algorithm must be SM3"));
    }
    if !is_alg(&si.signature_algorithm, oid::SM2_WITH_SM3) {
        return Err(ts("the signature algorithm must be SM2-with-SM3"));
    }
    if si.unsigned_attrs.is_some() {
        return Err(ts("unexpected unsigned attributes"));
    }
    si.signed_attrs.as_ref().ok_or_else(|| ts("no signed attributes"))
}

/// The one value of attribute `oid`, which must occur exactly once.
fn single_value<'a>(attrs: &'a SignedAttributes, oid: ObjectIdentifier, name: &str) -> Result<&'a Any> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let attr = found.next().ok_or_else(|| ts(format!("no {name} attribute")))?;
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(ts(format!("the {name} attribute must occur once with one value")));
    }
    attr.values.get(0).ok_or_else(|| ts(format!("empty {name} attribute")))
}

/// contentType, messageDigest, signingTime (if present) and ESS
/// signingCertificateV2 (RFC 5652 §11, RFC 5035 §5.4).
fn check_signed_attributes(
    attrs: &SignedAttributes,
    tst_der: &[u8],
    cert: &Certificate,
    cert_der: &[u8],
) -> Result<()> {
    let bad = |what: &'static str| move |e: der::Error| Error::malformed(what, e);
    let content_type: ObjectIdentifier =
        single_value(attrs, oid::CONTENT_TYPE, "contentType")?.decode_as().map_err(bad("contentType"))?;
    if content_type != oid::TST_INFO {
        return Err(ts("the contentType attribute is not id-ct-TSTInfo"));
    }
    let digest: OctetString = single_value(attrs, oid::MESSAGE_DIGEST, "messageDigest")?
        .decode_as()
        .map_err(bad("messageDigest"))?;
    if digest.as_bytes() != crate::sm3(tst_der) {
        return Err(ts("the messageDigest attribute does not match SM3 of the TSTInfo"));
    }
    if attrs.iter().any(|a| a.oid == oid::SIGNING_TIME) {
        let _: Time =
            single_value(attrs, oid::SIGNING_TIME, "signingTime")?.decode_as().map_err(bad("signingTime"))?;
    }
    let ess: SigningCertificateV2 = single_value(attrs, oid::SIGNING_CERTIFICATE_V2, "signingCertificateV2")?
        .decode_as()
        .map_err(bad("signingCertificateV2"))?;
    let id = ess.certs.first().ok_or_else(|| ts("signingCertificateV2 names no certificate"))?;
    let hash_alg = id.hash_algorithm.clone().unwrap_or_else(|| alg(SHA256));
    let hash_alg = ImprintAlgorithm::from_identifier(&hash_alg)
        .ok_or_else(|| ts("signingCertificateV2 uses an unsupported hash algorithm"))?;
    if id.cert_hash.as_bytes() != hash_alg.digest(cert_der).as_slice() {
        return Err(ts("signingCertificateV2 does not name the TSA certificate"));
    }
    if let Some(is) = &id.issuer_serial {
        let tbs = cert.tbs_certificate();
        if is.issuer != [GeneralName::DirectoryName(tbs.issuer().clone())]
            || &is.serial_number != tbs.serial_number()
        {
            return Err(ts("signingCertificateV2 issuerSerial does not match the TSA certificate"));
        }
    }
    Ok(())
}
