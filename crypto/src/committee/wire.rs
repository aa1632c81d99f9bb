//! Canonical byte encodings for the ceremony messages.
//!
//! Integers are big-endian and fixed-width; byte strings carry a `u32` length;
//! field elements are 32 bytes big-endian and must be below the group order.
//! threshold_crypto's polynomials and commitments are encoded with serde as
//! CBOR (RFC 8949) and are accepted only if re-encoding gives back the exact
//! input bytes, so every value has exactly one encoding.

use serde::Serialize;
use serde::de::DeserializeOwned;
use threshold_crypto::ff::PrimeField;
use threshold_crypto::{Fr, FrRepr};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Appends fixed-width fields to a buffer.
#[derive(Default)]
pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    pub(crate) fn u16(&mut self, v: usize) -> Result<()> {
        let v = u16::try_from(v).map_err(|_| Error::Encoding("value exceeds u16".into()))?;
        self.0.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| Error::Encoding("field too long".into()))?;
        self.u32(len);
        self.raw(bytes);
        Ok(())
    }
}

/// Reads fixed-width fields, failing with [`Error::Malformed`] on truncation.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, what }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(Error::malformed(self.what, "truncated"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<usize> {
        let b = self.take(2)?;
        Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A length-prefixed byte string of at most `max` bytes.
    pub(crate) fn bytes(&mut self, max: usize) -> Result<&'a [u8]> {
        let len = usize::try_from(self.u32()?).map_err(|_| Error::malformed(self.what, "length"))?;
        if len > max {
            return Err(Error::malformed(self.what, format!("field of {len} bytes exceeds {max}")));
        }
        self.take(len)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn finish(&self) -> Result<()> {
        if self.buf.is_empty() { Ok(()) } else { Err(Error::malformed(self.what, "trailing bytes")) }
    }
}

/// CBOR of a serde value (threshold_crypto polynomials and commitments).
pub(crate) fn cbor<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::new());
    ciborium::into_writer(value, &mut *out).map_err(|e| Error::Encoding(e.to_string()))?;
    Ok(out)
}

/// Decodes CBOR of at most `max` bytes and insists the encoding is the canonical one.
pub(crate) fn from_cbor<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
    max: usize,
    what: &'static str,
) -> Result<T> {
    if bytes.len() > max {
        return Err(Error::malformed(what, format!("{} bytes exceeds {max}", bytes.len())));
    }
    let value: T = ciborium::from_reader(bytes).map_err(|e| Error::malformed(what, e))?;
    if cbor(&value)?.as_slice() != bytes {
        return Err(Error::malformed(what, "not the canonical encoding"));
    }
    Ok(value)
}

/// Length of an encoded field element.
pub(crate) const FR_LEN: usize = 32;

/// A field element as 32 bytes big-endian.
pub(crate) fn fr_to_bytes(fr: &Fr) -> Zeroizing<[u8; FR_LEN]> {
    let mut out = Zeroizing::new([0u8; FR_LEN]);
    for (chunk, limb) in out.chunks_exact_mut(8).zip(fr.into_repr().0.iter().rev()) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// Parses 32 bytes big-endian; values at or above the group order are rejected.
pub(crate) fn fr_from_bytes(bytes: &[u8]) -> Result<Fr> {
    if bytes.len() != FR_LEN {
        return Err(Error::malformed("field element", "expected 32 bytes"));
    }
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().rev().zip(bytes.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *limb = u64::from_be_bytes(b);
    }
    let fr =
        Fr::from_repr(FrRepr(limbs)).map_err(|_| Error::malformed("field element", "not below the order"));
    limbs.iter_mut().for_each(|l| *l = 0);
    fr
}
