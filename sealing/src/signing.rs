//! Seal signatures in PDFs: [`pdf::sign`](crate::pdf::sign) and
//! [`ses`](crate::ses) put together (GB/T 38540-2020 clause 7 in an
//! ISO 32000-1 §12.8 incremental update).
//!
//! Signing is split where the key is needed, so the key never leaves the
//! signer: [`prepare_signature`] (server side) appends the signature field and
//! an empty `/Contents` and returns the DER `TBS_Sign` to be signed; the
//! signer checks the request ([`check_signing_request`](crate::ses::check_signing_request):
//! [`PendingSignature::tbs_der`], [`Prepared::bytes`] and
//! [`Prepared::byte_range`]) and signs the checked `TBS_Sign` with SM2
//! ([`CheckedRequest::sign`](crate::ses::CheckedRequest::sign)); the
//! platform TSA stamps the signature value (`signature.to_der()`); and
//! [`finish`] assembles the `SES_Signature` and writes it into `/Contents`.
//!
//! [`verify_pdf`] checks every signature of a PDF and reports, per signature,
//! who signed with which seal, when (claimed and time-stamped), the signer's
//! certificate chain and revocation at the time-stamped time, whether the
//! covered bytes are intact and what else changed after it.

use serde::Serialize;
use time::OffsetDateTime;

use crate::crypto::Signature;
use crate::crypto::pki::{Certificate, RevocationReason, Usage};
use crate::pdf::PdfError;
use crate::pdf::sign::{FILTER, Placement, Prepared, SUB_FILTER, prepare};
use crate::pdf::verify::{FoundSignature, report};
use crate::ses::{ChainStatus, SeSeal, SesError, SesSignature, Trust, byte_range_statement, tbs_to_sign};

/// Why signing or verifying a PDF failed.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The PDF could not be read, prepared or written.
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// The seal signature could not be built.
    #[error(transparent)]
    Ses(#[from] SesError),
    /// The seal's picture cannot be shown in a PDF widget.
    #[error("the seal's picture is {0:?}; a PDF widget needs PNG (pass a picture in the placement)")]
    PictureFormat(String),
}

/// What [`prepare_signature`] and [`finish`] return.
pub type Result<T> = std::result::Result<T, SigningError>;

/// A PDF prepared for one seal signature, waiting for the signer.
#[derive(Debug, Clone)]
pub struct PendingSignature {
    /// The PDF with the signature field and an empty `/Contents`.
    pub prepared: Prepared,
    /// The DER `TBS_Sign` the signer's key signs (SM2 with SM3, signer ID `1234567812345678`).
    pub tbs_der: Vec<u8>,
    /// The seal used.
    pub seal: SeSeal,
}

/// Appends a signature field for `seal` to `pdf` (see [`prepare`]) and builds
/// the `TBS_Sign` over the SM3 digest of the covered bytes, signed at `time`.
///
/// The widget shows `placement.picture_png`, or the seal's own picture when
/// that is `None` (it must then be a PNG). `/Name` is the seal's name.
/// `property_info` (ASCII) defaults to `ByteRange [a b c d]`
/// ([`byte_range_statement`]), the only value the signer's
/// [`check_signing_request`](crate::ses::check_signing_request) accepts.
/// `/Contents` reserves at least [`reserve_for`]`(seal)` bytes.
pub fn prepare_signature(
    pdf: &[u8],
    seal: &SeSeal,
    placement: &Placement,
    time: OffsetDateTime,
    property_info: Option<&str>,
) -> Result<PendingSignature> {
    let mut placement = placement.clone();
    if placement.picture_png.is_none() {
        let picture = seal.picture();
        if !picture.format.eq_ignore_ascii_case("png") {
            return Err(SigningError::PictureFormat(picture.format));
        }
        placement.picture_png = Some(picture.data);
    }
    placement.reserve = placement.reserve.max(reserve_for(seal));
    let prepared = prepare(pdf, &placement, time, seal.name())?;
    let info = property_info.map_or_else(|| byte_range_statement(prepared.byte_range), str::to_owned);
    let tbs_der = tbs_to_sign(seal, time, &prepared.digest, &info)?;
    Ok(PendingSignature { prepared, tbs_der, seal: seal.clone() })
}

/// Bytes to reserve in `/Contents` for an `SES_Signature` made with `seal`:
/// the seal (with its picture) plus room for the signer's certificate, the
/// signature and a time-stamp token carrying the TSA certificate.
pub fn reserve_for(seal: &SeSeal) -> usize {
    seal.to_der().len() + 8192
}

/// Assembles the `SES_Signature` from the signer's certificate, the signer's
/// SM2 `signature` over [`PendingSignature::tbs_der`] and an optional RFC 3161
/// token over `signature.to_der()`, and embeds it.
///
/// Refuses a signature that does not verify under the certificate and a
/// certificate the seal does not list ([`SesError::CertNotBound`]).
pub fn finish(
    pending: &PendingSignature,
    signer_cert_der: &[u8],
    signature: &Signature,
    timestamp_token: Option<Vec<u8>>,
) -> Result<Vec<u8>> {
    if !pending.seal.binds(signer_cert_der) {
        let subject = Certificate::from_der(signer_cert_der).map(|c| c.subject()).unwrap_or_default();
        return Err(SesError::CertNotBound { subject, seal_name: pending.seal.name().to_owned() }.into());
    }
    let ses = SesSignature::assemble(&pending.tbs_der, signer_cert_der, signature, timestamp_token)?;
    Ok(pending.prepared.embed(ses.to_der())?)
}

/// The revocation status of the signer's certificate at the checked time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Revocation {
    /// No CRL of the certificate's issuer was available.
    Unchecked,
    /// A CRL of the issuer was checked and does not list the certificate.
    NotRevoked,
    /// Revoked, but only after the checked time: the signature stays valid.
    RevokedLater {
        /// When it was revoked.
        #[serde(with = "time::serde::rfc3339")]
        revoked_at: OffsetDateTime,
        /// Why.
        reason: String,
    },
    /// Revoked at or before the checked time: the signature is invalid.
    Revoked {
        /// When it was revoked.
        #[serde(with = "time::serde::rfc3339")]
        revoked_at: OffsetDateTime,
        /// Why.
        reason: String,
    },
}

/// What [`verify_pdf`] found about one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureReport {
    /// The signature field's fully qualified name.
    pub field: String,
    /// The signer's common name.
    pub signer: Option<String>,
    /// The signer's certificate subject (RFC 4514).
    pub signer_subject: Option<String>,
    /// The signer's certificate serial number (hex).
    pub signer_serial: Option<String>,
    /// The signer's organisation.
    pub organisation: Option<String>,
    /// The organisation's unified social credit code.
    pub uscc: Option<String>,
    /// The seal's name.
    pub seal_name: Option<String>,
    /// The seal's type (sealbid's name for its code, else `code N`).
    pub seal_type: Option<String>,
    /// The seal's `esID`.
    pub seal_id: Option<String>,
    /// The signing time the signer claims (`timeInfo`).
    #[serde(with = "time::serde::rfc3339::option")]
    pub signing_time: Option<OffsetDateTime>,
    /// The verified time-stamp time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub timestamp_time: Option<OffsetDateTime>,
    /// The signer's certificate chain at the time-stamped (else claimed) time:
    /// `valid` (every certificate on the path checked against a CRL), `valid (…)`
    /// when some had no CRL, or `invalid: why`.
    pub chain: String,
    /// The signer's certificate revocation at that time.
    pub revocation: Revocation,
    /// True when the byte range is well formed and the signed hash equals the covered bytes' hash.
    pub intact: bool,
    /// `/ByteRange`.
    pub byte_range: [usize; 4],
    /// What later revisions changed beyond adding signatures.
    pub modified_after: Vec<String>,
    /// Every reason the signature is not valid.
    pub problems: Vec<String>,
    /// True when nothing is wrong.
    pub valid: bool,
}

/// What [`verify_pdf`] found about a PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PdfReport {
    /// The signatures in the AcroForm's field order.
    pub signatures: Vec<SignatureReport>,
    /// End offsets of the revisions after the last signed one (unsigned changes).
    pub unsigned_trailing_revisions: Vec<usize>,
}

impl PdfReport {
    /// True when there is at least one signature, every signature is valid
    /// (intact, trusted, nothing but later signatures changed the document
    /// after it) and no unsigned revision follows the last signature.
    pub fn all_valid(&self) -> bool {
        !self.signatures.is_empty()
            && self.signatures.iter().all(|s| s.valid)
            && self.unsigned_trailing_revisions.is_empty()
    }
}

/// Verifies every signature of `pdf` against `trust` (its CRLs give the
/// revocation status). Certificates are checked at the time-stamped time, so
/// a certificate revoked after it still signed validly; a signature without a
/// time stamp is checked at its claimed time and, since that time is
/// unproven, also at `now`.
///
/// Errors only when the PDF cannot be read; a bad signature is a finding.
pub fn verify_pdf(pdf: &[u8], trust: &Trust, now: OffsetDateTime) -> Result<PdfReport> {
    let found = report(pdf)?;
    let signatures = found.signatures.iter().map(|f| check_one(f, trust, now)).collect();
    Ok(PdfReport { signatures, unsigned_trailing_revisions: found.unsigned_trailing_revisions })
}

fn check_one(found: &FoundSignature, trust: &Trust, now: OffsetDateTime) -> SignatureReport {
    let mut r = SignatureReport {
        field: found.field_name.clone(),
        signer: None,
        signer_subject: None,
        signer_serial: None,
        organisation: None,
        uscc: None,
        seal_name: None,
        seal_type: None,
        seal_id: None,
        signing_time: None,
        timestamp_time: None,
        chain: "not checked".into(),
        revocation: Revocation::Unchecked,
        intact: false,
        byte_range: found.byte_range,
        modified_after: found.modified_after.clone(),
        problems: found.byte_range_problems.clone(),
        valid: false,
    };
    if found.filter.as_deref() != Some(FILTER) || found.sub_filter.as_deref() != Some(SUB_FILTER) {
        r.problems.push(format!(
            "not a GB/T 38540 signature: /Filter {:?}, /SubFilter {:?}",
            found.filter, found.sub_filter
        ));
    }
    match SesSignature::from_der(&found.contents) {
        Ok(ses) => describe(&mut r, &ses, found, trust, now),
        Err(e) => r.problems.push(format!("/Contents is not a valid SES_Signature: {e}")),
    }
    if !r.modified_after.is_empty() {
        r.problems.push(format!("changed after signing: {}", r.modified_after.join("; ")));
    }
    r.valid = r.problems.is_empty();
    r
}

fn describe(
    r: &mut SignatureReport,
    ses: &SesSignature,
    found: &FoundSignature,
    trust: &Trust,
    now: OffsetDateTime,
) {
    let signer = ses.signer_certificate();
    let info = signer.subject_info().ok();
    let seal = ses.seal();
    r.signer = info.as_ref().map(|i| i.common_name.clone());
    r.signer_subject = Some(signer.subject());
    r.signer_serial = signer.serial().ok().map(|s| s.to_string());
    r.organisation = info.as_ref().and_then(|i| i.organization.clone());
    r.uscc = info.as_ref().and_then(|i| i.uscc.as_ref().map(|u| u.as_str().to_owned()));
    r.seal_name = Some(seal.name().to_owned());
    r.seal_type = Some(seal.kind().map_or_else(|| format!("code {}", seal.kind_code()), |k| k.to_string()));
    r.seal_id = Some(seal.es_id().to_owned());
    r.signing_time = Some(ses.signing_time());
    r.intact = found.byte_range_ok && ses.data_hash() == found.digest.as_slice();
    if found.byte_range_ok && !r.intact {
        r.problems.push("the covered bytes changed after signing (SM3 hash mismatch)".into());
    }
    let check = match ses.verify(&found.digest, trust) {
        Ok(check) => check,
        Err(e) => {
            r.problems.push(e.to_string());
            return;
        }
    };
    r.timestamp_time = check.timestamp_time;
    let at = check.checked_at();
    r.revocation = revocation(signer, trust, at);
    r.chain = match &check.signer_chain {
        ChainStatus::Valid { revocation_checked: true } => "valid".into(),
        ChainStatus::Valid { revocation_checked: false } => {
            "valid (not every certificate on the path had a CRL)".into()
        }
        ChainStatus::Invalid(why) => format!("invalid: {why}"),
    };
    // The hash mismatch is already reported above, with the byte range.
    r.problems.extend(
        check.problems().into_iter().filter(|p| !matches!(p, SesError::HashMismatch)).map(|p| p.to_string()),
    );
    if check.timestamp_time.is_none()
        && let Err(e) = trust.chain(signer, now, Usage::Signing, "signer certificate")
    {
        r.problems.push(format!("no time stamp, and the signer's certificate is not valid now: {e}"));
    }
}

/// The signer's certificate in the CRLs of `trust` issued by its issuer.
fn revocation(cert: &Certificate, trust: &Trust, at: OffsetDateTime) -> Revocation {
    let Ok(serial) = cert.serial() else { return Revocation::Unchecked };
    let issuer = cert.issuer();
    let mut status = Revocation::Unchecked;
    for crl in trust.crls.iter().filter(|c| c.issuer() == issuer) {
        let entry = match crl.lookup(&serial) {
            Ok(entry) => entry.filter(|e| e.reason != RevocationReason::RemoveFromCrl),
            Err(_) => continue,
        };
        match entry {
            Some(e) if e.revoked_at <= at => {
                return Revocation::Revoked { revoked_at: e.revoked_at, reason: e.reason.to_string() };
            }
            Some(e) => {
                status = Revocation::RevokedLater { revoked_at: e.revoked_at, reason: e.reason.to_string() }
            }
            None if status == Revocation::Unchecked => status = Revocation::NotRevoked,
            None => {}
        }
    }
    status
}
