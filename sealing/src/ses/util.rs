//! Encoding helpers shared by seals and signatures.

use std::time::Duration;

use der::asn1::{BitString, GeneralizedTime, ObjectIdentifier};
use der::{Decode, Encode, Reader, SliceReader};
use sealbid_crypto::{Signature, oid};
use time::OffsetDateTime;

use super::error::{Result, SesError};

/// Decodes `T` and insists that it re-encodes to exactly `der`, so that what
/// is verified is exactly what was signed (X.690 §10).
pub(crate) fn decode_canonical<'a, T>(der: &'a [u8], what: &'static str) -> Result<T>
where
    T: Decode<'a, Error = der::Error> + Encode,
{
    let value = T::from_der(der).map_err(|e| SesError::malformed(what, describe(&e, der.len())))?;
    let again = value.to_der().map_err(|e| SesError::malformed(what, e))?;
    if again != der {
        return Err(SesError::malformed(what, "not in canonical DER form"));
    }
    Ok(value)
}

/// A der error in words, calling truncation by its name.
fn describe(e: &der::Error, len: usize) -> String {
    match e.kind() {
        der::ErrorKind::Incomplete { .. } => format!("truncated DER ({len} bytes): {e}"),
        _ => e.to_string(),
    }
}

/// Reads the version INTEGER that sits `path` SEQUENCEs deep and is preceded
/// by `skip` elements, so that a structure of another version is reported as
/// such rather than as "malformed". `None` when the prefix does not parse.
pub(crate) fn peek_integer(der: &[u8], depth: usize, skip: usize) -> Option<i64> {
    fn walk(r: &mut SliceReader<'_>, depth: usize, skip: usize) -> der::Result<i64> {
        r.sequence(|inner| {
            let v = if depth > 0 {
                walk(inner, depth - 1, skip)?
            } else {
                for _ in 0..skip {
                    inner.tlv_bytes()?;
                }
                inner.decode::<i64>()?
            };
            // Skip the rest: only the prefix matters here.
            while !inner.is_finished() {
                inner.tlv_bytes()?;
            }
            Ok(v)
        })
    }
    let mut r = SliceReader::new(der).ok()?;
    walk(&mut r, depth, skip).ok()
}

/// Only SM2-with-SM3 is accepted.
pub(crate) fn check_algorithm(found: &ObjectIdentifier, what: &'static str) -> Result<()> {
    if *found != oid::SM2_WITH_SM3 {
        return Err(SesError::UnsupportedAlgorithm { what, found: found.to_string() });
    }
    Ok(())
}

/// The signature in a BIT STRING: DER `SEQUENCE { r, s }` (GB/T 35276 §7.3),
/// or the 64-byte `r‖s` some producers write.
pub(crate) fn signature_from_bits(bits: &BitString) -> Option<Signature> {
    let bytes = bits.as_bytes()?;
    Signature::from_der(bytes)
        .ok()
        .or_else(|| (bytes.len() == 64).then(|| Signature::from_bytes(bytes).ok())?)
}

/// A GeneralizedTime with whole seconds.
pub(crate) fn to_generalized(t: OffsetDateTime, what: &'static str) -> Result<GeneralizedTime> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| SesError::InvalidInput { what, detail: format!("{} is before 1970", rfc3339(t)) })?;
    GeneralizedTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|e| SesError::InvalidInput { what, detail: e.to_string() })
}

/// The instant a GeneralizedTime denotes.
pub(crate) fn from_generalized(t: &GeneralizedTime, what: &'static str) -> Result<OffsetDateTime> {
    let secs = i64::try_from(t.to_unix_duration().as_secs())
        .map_err(|_| SesError::malformed(what, "out of range"))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| SesError::malformed(what, e))
}

/// RFC 3339 text for messages.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| format!("{t:?}"))
}

/// Encodes a structure that was built from valid parts.
pub(crate) fn encode<T: Encode>(value: &T, what: &'static str) -> Result<Vec<u8>> {
    value.to_der().map_err(|e| SesError::InvalidInput { what, detail: e.to_string() })
}
