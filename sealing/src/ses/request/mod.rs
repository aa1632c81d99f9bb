//! The signer's check of a signing request, before the key signs anything
//! (DESIGN.md, "What users sign": a client signs only bytes it built or
//! parsed itself).
//!
//! The platform prepares a seal signature (`signing::prepare_signature`):
//! an incremental update whose `/Contents` is an empty placeholder, and the
//! DER `TBS_Sign` (GB/T 38540-2020 §7.2) over the SM3 digest of the bytes
//! the `/ByteRange` covers. The signer's key signs that `TBS_Sign`. A
//! dishonest operator could put any bytes there instead — a purpose-tagged
//! bid or withdrawal, a `TBS_Sign` for another document or with another
//! seal — so [`check_signing_request`] derives what the signature commits to
//! from the bytes themselves and refuses, naming the failed check:
//!
//! | check | refused with |
//! |---|---|
//! | not a purpose-tagged sealbid message ([`PURPOSE_TAG_PREFIX`] + tag) | [`SesError::PurposeTaggedMessage`] |
//! | a canonical DER, version 4 `TBS_Sign` with a well-formed seal and no extensions | [`SesError::Malformed`], [`SesError::WrongVersion`], [`SesError::Unsupported`] |
//! | the PDF's `/ByteRange` covers the whole file but an empty `/Contents` hex string, and agrees with the server's | [`SesError::ByteRange`] |
//! | the PDF is the document the signer saw plus an update (when given) | [`SesError::NotAnUpdate`] |
//! | `dataHash` is the SM3 digest of those ranges, recomputed here | [`SesError::DataHashMismatch`] |
//! | `propertyInfo` states that byte range ([`byte_range_statement`]) | [`SesError::PropertyInfoMismatch`] |
//! | the seal's maker signature verifies (and the maker is trusted, when a [`Trust`] is given) | [`SesError::BadMakerSignature`], [`SesError::UntrustedMaker`] |
//! | the seal lists the signer's own certificate | [`SesError::CertNotBound`] |
//! | it is the seal the signer chose (when given) | [`SesError::NotTheChosenSeal`] |
//! | the seal is valid at `timeInfo` | [`SesError::SealExpired`], [`SesError::SealNotYetValid`] |
//! | `timeInfo` is near the signer's clock (when given) | [`SesError::SigningTimeOff`] |
//!
//! A version 4 `TBS_Sign` carries no signer certificate (§7.2 moved it to
//! `SES_Signature`): the signer's certificate is tied to what is signed
//! only through the seal's holder list, hence the binding check.
//!
//! The PDF is read as bytes, not parsed object by object, so this builds
//! without the `pdf` feature (for the web app). The digest binds every byte
//! but the zero placeholder; what the update itself shows is not judged here.

use der::Encode;
use sealbid_crypto::hash::Sm3Hasher;
use sealbid_crypto::pki::Certificate;
use sealbid_crypto::{PrivateKey, Signature, Sm3Digest};
use time::{Duration, OffsetDateTime};

use super::asn1::{TbsSign, VERSION};
use super::error::{Result, SesError};
use super::seal::SeSeal;
use super::trust::Trust;
use super::util::{decode_canonical, from_generalized, peek_integer, rfc3339};

/// The bytes every sealbid purpose-tagged message begins with
/// (`sealbid_crypto::message`): a request that starts so is never a seal
/// signature, whatever follows.
pub const PURPOSE_TAG_PREFIX: &[u8] = b"sealbid-signed-message\0";

/// What the signer knows independently of the request. Every field is
/// optional; each one given adds a check.
#[derive(Clone, Copy, Debug, Default)]
pub struct Expected<'a> {
    /// The DER of the seal the signer chose: the request must use exactly it.
    pub seal_der: Option<&'a [u8]>,
    /// The name of the seal the signer chose, as shown to them.
    pub seal_name: Option<&'a str>,
    /// The document the signer saw: the prepared PDF must be these bytes
    /// followed by the update that holds the signature.
    pub base_pdf: Option<&'a [u8]>,
    /// Pinned seal authorities and CA chain: the seal's maker must be one of
    /// them and chain at the signing time.
    pub trust: Option<&'a Trust>,
    /// The signer's clock and how far `timeInfo` may be from it.
    pub clock: Option<(OffsetDateTime, Duration)>,
}

/// A signing request that passed [`check_signing_request`]: the only way to
/// a signature here is [`CheckedRequest::sign`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedRequest {
    tbs_der: Vec<u8>,
    seal: SeSeal,
    signer: Certificate,
    byte_range: [usize; 4],
    digest: Sm3Digest,
    signing_time: OffsetDateTime,
}

impl CheckedRequest {
    /// The checked DER `TBS_Sign`.
    pub fn tbs_der(&self) -> &[u8] {
        &self.tbs_der
    }

    /// The seal the signature is made with.
    pub fn seal(&self) -> &SeSeal {
        &self.seal
    }

    /// The verified `/ByteRange [0 b c d]` of the prepared PDF.
    pub fn byte_range(&self) -> [usize; 4] {
        self.byte_range
    }

    /// The SM3 digest of the covered bytes, recomputed by the check.
    pub fn digest(&self) -> &Sm3Digest {
        &self.digest
    }

    /// The signing time the request claims (`timeInfo`).
    pub fn signing_time(&self) -> OffsetDateTime {
        self.signing_time
    }

    /// Signs the checked `TBS_Sign` with SM2/SM3 (signer ID
    /// `1234567812345678`). Refuses a key that does not belong to the
    /// certificate the request was checked for.
    pub fn sign(&self, key: &PrivateKey) -> Result<Signature> {
        let cert_key = self.signer.public_key().map_err(SesError::crypto("signer certificate"))?;
        if cert_key != key.public_key() {
            return Err(SesError::InvalidInput {
                what: "signing key",
                detail: format!("the key does not belong to the certificate {}", self.signer.subject()),
            });
        }
        key.sign_raw(&self.tbs_der).map_err(SesError::crypto("signing the TBS_Sign"))
    }
}

/// What `propertyInfo` says of a signature covering `byte_range`:
/// `ByteRange [0 b c d]` (what `signing::prepare_signature` writes).
pub fn byte_range_statement(byte_range: [usize; 4]) -> String {
    let [a, b, c, d] = byte_range;
    format!("ByteRange [{a} {b} {c} {d}]")
}

/// Checks a prepared signing request before `signer` signs it: `tbs_der`
/// (what the server wants signed), `prepared_pdf` (the PDF with the empty
/// signature) and `byte_range` (the server's `/ByteRange`, or `None` to read
/// it from the PDF alone), against what the signer `expected`. See the
/// module documentation for every check and the error that names it.
pub fn check_signing_request(
    tbs_der: &[u8],
    prepared_pdf: &[u8],
    byte_range: Option<[u64; 4]>,
    signer: &Certificate,
    expected: &Expected<'_>,
) -> Result<CheckedRequest> {
    if let Some(rest) = tbs_der.strip_prefix(PURPOSE_TAG_PREFIX) {
        return Err(SesError::PurposeTaggedMessage { tag: purpose_tag(rest) });
    }
    let (tbs, seal, signing_time) = parse_tbs(tbs_der)?;
    let range = covered_ranges(prepared_pdf, byte_range)?;
    if let Some(base) = expected.base_pdf {
        check_update_of(prepared_pdf, range, base)?;
    }
    let digest = digest_of(prepared_pdf, range);
    let found = tbs.data_hash.raw_bytes();
    if found != digest.as_slice() {
        return Err(SesError::DataHashMismatch { found: hex::encode(found), computed: hex::encode(digest) });
    }
    let statement = byte_range_statement(range);
    if tbs.property_info.as_str() != statement {
        return Err(SesError::PropertyInfoMismatch {
            found: tbs.property_info.as_str().to_owned(),
            expected: statement,
        });
    }
    check_seal(&seal, signer, signing_time, expected)?;
    if let Some((clock, tolerance)) = expected.clock
        && (signing_time - clock).abs() > tolerance
    {
        return Err(SesError::SigningTimeOff {
            claimed: rfc3339(signing_time),
            clock: rfc3339(clock),
            tolerance_minutes: tolerance.whole_minutes(),
        });
    }
    Ok(CheckedRequest {
        tbs_der: tbs_der.to_vec(),
        seal,
        signer: signer.clone(),
        byte_range: range,
        digest,
        signing_time,
    })
}

/// The purpose tag after the prefix (`len:u8 ‖ tag`), readable or not.
fn purpose_tag(rest: &[u8]) -> String {
    let len = rest.first().map_or(0, |&l| usize::from(l));
    let tag = rest.get(1..).unwrap_or_default();
    String::from_utf8_lossy(&tag[..len.min(tag.len()).min(64)]).into_owned()
}

/// Strictly a canonical DER, version 4 `TBS_Sign` without extensions, its
/// seal well formed, its `dataHash` 32 bytes; with the seal and `timeInfo`.
fn parse_tbs(der: &[u8]) -> Result<(TbsSign, SeSeal, OffsetDateTime)> {
    const WHAT: &str = "TBS_Sign";
    let tbs: TbsSign = decode_canonical(der, WHAT).map_err(|e| match peek_integer(der, 0, 0) {
        Some(found) if found != VERSION => SesError::WrongVersion { what: WHAT, found },
        _ => e,
    })?;
    if tbs.version != VERSION {
        return Err(SesError::WrongVersion { what: WHAT, found: tbs.version });
    }
    if tbs.ext_datas.is_some() {
        return Err(SesError::Unsupported {
            what: "TBS_Sign extDatas",
            detail: "sealbid's signing requests carry no extensions; one would be signed unseen".into(),
        });
    }
    if tbs.data_hash.as_bytes().is_none_or(|h| h.len() != 32) {
        return Err(SesError::malformed("dataHash", "expected a 32-byte SM3 hash"));
    }
    let seal_der = tbs.eseal.to_der().map_err(|e| SesError::malformed("SESeal", e))?;
    let seal = SeSeal::from_asn1(tbs.eseal.clone(), seal_der)?;
    let time = from_generalized(&tbs.time_info, "timeInfo")?;
    Ok((tbs, seal, time))
}

/// The `/ByteRange` of the prepared PDF — the server's, or else the last one
/// the file states — once it is shown to cover the whole file except an
/// empty `/Contents` hex string, and to be what the signature dictionary
/// holding that `/Contents` states.
fn covered_ranges(pdf: &[u8], claimed: Option<[u64; 4]>) -> Result<[usize; 4]> {
    let bad = |detail: String| SesError::ByteRange { detail };
    if !pdf.starts_with(b"%PDF-") {
        return Err(bad("the prepared document is not a PDF (no %PDF- header)".into()));
    }
    let range = match claimed {
        Some(c) => {
            let mut r = [0usize; 4];
            for (to, from) in r.iter_mut().zip(c) {
                *to = usize::try_from(from).map_err(|_| bad(format!("{c:?} does not fit this machine")))?;
            }
            r
        }
        None => syntax::rfind(pdf, b"/ByteRange")
            .and_then(|at| syntax::array(&pdf[at + b"/ByteRange".len()..]))
            .ok_or_else(|| bad("the PDF states no /ByteRange [a b c d]".into()))?,
    };
    let [a, b, c, d] = range;
    if a != 0 {
        return Err(bad(format!("{range:?} starts at {a}, not at 0")));
    }
    if b >= c || c > pdf.len() {
        return Err(bad(format!("{range:?} does not fit the {}-byte file", pdf.len())));
    }
    if c.checked_add(d) != Some(pdf.len()) {
        return Err(bad(format!(
            "{range:?} ends at {}, not at the end of the {}-byte file: the rest would not be signed",
            c.saturating_add(d),
            pdf.len()
        )));
    }
    let gap = &pdf[b..c];
    let empty_hex = gap.len() >= 4
        && gap.len().is_multiple_of(2)
        && gap[0] == b'<'
        && gap[gap.len() - 1] == b'>'
        && gap[1..gap.len() - 1].iter().all(|&x| x == b'0');
    if !empty_hex {
        return Err(bad(format!("the gap [{b}, {c}) is not an empty /Contents placeholder (<00…00>)")));
    }
    if !pdf[..b].trim_ascii_end().ends_with(b"/Contents") {
        return Err(bad(format!("the gap [{b}, {c}) is not the value of a /Contents key")));
    }
    let stated = syntax::stated_in_dictionary(pdf, b, c).map_err(bad)?;
    if stated != range {
        return Err(bad(format!(
            "the server's {range:?} is not {stated:?}, what the signature dictionary states"
        )));
    }
    Ok(range)
}

/// The prepared PDF is `base` followed by the update holding the placeholder.
fn check_update_of(pdf: &[u8], range: [usize; 4], base: &[u8]) -> Result<()> {
    if !pdf.starts_with(base) {
        let at = pdf.iter().zip(base).position(|(x, y)| x != y).unwrap_or(pdf.len().min(base.len()));
        return Err(SesError::NotAnUpdate {
            detail: format!("it differs from the {}-byte document you saw at byte {at}", base.len()),
        });
    }
    if range[1] < base.len() {
        return Err(SesError::NotAnUpdate {
            detail: "the signature placeholder lies inside the document you saw, not in the update".into(),
        });
    }
    Ok(())
}

/// SM3 of `pdf[0..b]` and `pdf[c..c+d]`.
fn digest_of(pdf: &[u8], [_, b, c, _]: [usize; 4]) -> Sm3Digest {
    let mut h = Sm3Hasher::new();
    h.update(&pdf[..b]);
    h.update(&pdf[c..]);
    h.finalize()
}

/// The seal: intact, trusted (when a [`Trust`] is given), bound to the
/// signer, the chosen one (when given), valid at the signing time.
fn check_seal(
    seal: &SeSeal,
    signer: &Certificate,
    at: OffsetDateTime,
    expected: &Expected<'_>,
) -> Result<()> {
    seal.verify_maker_signature()?;
    if let Some(trust) = expected.trust {
        seal.verify_maker(trust, at)?;
    }
    if !seal.binds(signer.to_der()) {
        return Err(SesError::CertNotBound { subject: signer.subject(), seal_name: seal.name().to_owned() });
    }
    let found = || format!("{:?} ({})", seal.name(), seal.es_id());
    if let Some(chosen) = expected.seal_der
        && chosen != seal.to_der()
    {
        let chosen = SeSeal::from_der(chosen)
            .map_or_else(|_| "the seal you chose".to_owned(), |c| format!("{:?} ({})", c.name(), c.es_id()));
        return Err(SesError::NotTheChosenSeal { chosen, found: found() });
    }
    if let Some(name) = expected.seal_name
        && name != seal.name()
    {
        return Err(SesError::NotTheChosenSeal { chosen: format!("{name:?}"), found: found() });
    }
    seal.check_validity(at)
}

/// Just enough PDF syntax to read a signature dictionary's `/ByteRange`.
mod syntax {
    /// Position of the first occurrence of `needle`.
    pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    /// Position of the last occurrence of `needle`.
    pub(super) fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).rposition(|w| w == needle)
    }

    /// `[a b c d]` of non-negative integers at the start of `s` (after whitespace).
    pub(super) fn array(s: &[u8]) -> Option<[usize; 4]> {
        let s = s.trim_ascii_start().strip_prefix(b"[")?;
        let close = s.iter().position(|&x| x == b']')?;
        let mut numbers = s[..close].split(u8::is_ascii_whitespace).filter(|w| !w.is_empty());
        let mut out = [0usize; 4];
        for slot in &mut out {
            let word = numbers.next().filter(|w| w.len() <= 15 && w.iter().all(u8::is_ascii_digit))?;
            *slot = std::str::from_utf8(word).ok()?.parse().ok()?;
        }
        numbers.next().is_none().then_some(out)
    }

    /// The `/ByteRange` of the dictionary whose `/Contents` value is
    /// `pdf[b..c]`: the dictionary runs from the last `<<` before `b` to the
    /// first `>>` after `c` (a signature dictionary has no nested
    /// dictionaries), and states `/ByteRange` exactly once.
    pub(super) fn stated_in_dictionary(pdf: &[u8], b: usize, c: usize) -> Result<[usize; 4], String> {
        let start = rfind(&pdf[..b], b"<<")
            .ok_or_else(|| "the /Contents placeholder is not inside a dictionary".to_owned())?;
        let end = find(&pdf[c..], b">>")
            .map(|e| c + e)
            .ok_or_else(|| "the signature dictionary is not closed after /Contents".to_owned())?;
        let key = b"/ByteRange";
        let before = find_all(&pdf[start..b], key).map(|i| start + i);
        let after = find_all(&pdf[c..end], key).map(|i| c + i);
        let keys: Vec<usize> = before.chain(after).collect();
        let [at] = keys[..] else {
            return Err(format!("the signature dictionary states /ByteRange {} times, not once", keys.len()));
        };
        array(&pdf[at + key.len()..])
            .ok_or_else(|| "the signature dictionary's /ByteRange is not [a b c d]".to_owned())
    }

    fn find_all<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        hay.windows(needle.len()).enumerate().filter(move |(_, w)| *w == needle).map(|(i, _)| i)
    }
}

#[cfg(all(test, feature = "pdf"))]
mod tests;
