//! Finding and checking the signatures of a PDF (ISO 32000-1 §12.8.1).
//!
//! For each signature field this reports the byte range, the signature bytes,
//! the SM3 digest of the covered bytes and whether the range is well formed;
//! and, comparing each later revision object by object with the one before
//! it, whatever changed after the signature that is not signature machinery
//! (see the private `changes` module for what counts as such). It does not judge
//! the signature value: the caller checks [`FoundSignature::contents`] against
//! [`FoundSignature::digest`] in its format.

mod changes;

use lopdf::{Dictionary, Document, Object};

use super::error::{PdfError, Result};
use super::syntax::{decode_text_string, revision_ends};
use crate::crypto::Sm3Digest;
use crate::crypto::hash::Sm3Hasher;

/// One signature found in a PDF.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundSignature {
    /// The field's fully qualified name (`parent.child`).
    pub field_name: String,
    /// `/Filter` of the signature dictionary.
    pub filter: Option<String>,
    /// `/SubFilter` of the signature dictionary.
    pub sub_filter: Option<String>,
    /// `/Name` of the signature dictionary (the signer as the signing tool named them).
    pub signer_name: Option<String>,
    /// `/M`, the claimed signing time, as written (`D:…`).
    pub signing_time: Option<String>,
    /// `/ByteRange [a b c d]` (zeros where the array is not four non-negative integers).
    pub byte_range: [usize; 4],
    /// `/Contents`, trimmed to the DER length of its outer element (else trailing zero bytes trimmed).
    pub contents: Vec<u8>,
    /// SM3 of the covered bytes (clipped to the file).
    pub digest: Sm3Digest,
    /// Whether the byte range starts at 0, its gap is exactly this signature's
    /// `/Contents` hex string, and it ends where a revision ends.
    pub byte_range_ok: bool,
    /// Why the byte range is not well formed (empty when it is).
    pub byte_range_problems: Vec<String>,
    /// Where the signed bytes end: `c + d`.
    pub revision_end: usize,
    /// What later revisions changed beyond adding signatures, one line per change.
    pub modified_after: Vec<String>,
}

/// Everything [`report`] finds.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The signatures in the order of the AcroForm's fields.
    pub signatures: Vec<FoundSignature>,
    /// End offset of every revision, oldest first.
    pub revision_ends: Vec<usize>,
    /// End offsets of the revisions after the last signed one (none if nothing is signed).
    pub unsigned_trailing_revisions: Vec<usize>,
}

/// The signatures of `pdf`; see [`report`].
pub fn signatures(pdf: &[u8]) -> Result<Vec<FoundSignature>> {
    Ok(report(pdf)?.signatures)
}

/// Finds every signed signature field and checks its byte range and what changed after it.
pub fn report(pdf: &[u8]) -> Result<Report> {
    let ends = revision_ends(pdf);
    if ends.is_empty() {
        return Err(PdfError::Malformed("no %%EOF after a startxref".into()));
    }
    let doc = Document::load_mem(pdf)?;
    let mut signatures = Vec::new();
    for (name, sig) in signature_fields(&doc)? {
        signatures.push(examine(pdf, &ends, &name, sig));
    }
    let first_end = signatures.iter().map(|s| s.revision_end).min();
    let last_end = signatures.iter().filter(|s| s.byte_range_ok).map(|s| s.revision_end).max();
    if let Some(first) = first_end {
        let from = ends.iter().position(|&e| e >= first).unwrap_or(ends.len());
        let per_revision = changes::after(pdf, &ends, from, doc)?;
        for s in &mut signatures {
            let k = ends.iter().position(|&e| e >= s.revision_end).unwrap_or(ends.len());
            s.modified_after =
                per_revision.iter().filter(|(j, _)| *j > k).map(|(_, line)| line.clone()).collect();
        }
    }
    let unsigned = match last_end {
        Some(last) => ends.iter().copied().filter(|&e| e > last).collect(),
        None => Vec::new(),
    };
    Ok(Report { signatures, revision_ends: ends, unsigned_trailing_revisions: unsigned })
}

/// The signed signature fields, depth first in `/Fields` order, with their signature dictionaries.
fn signature_fields(doc: &Document) -> Result<Vec<(String, &Dictionary)>> {
    let Ok(catalog) = doc.catalog() else { return Err(PdfError::Malformed("no document catalog".into())) };
    let form = match catalog.get(b"AcroForm") {
        Ok(o) => doc.dereference(o).ok().and_then(|(_, o)| o.as_dict().ok()),
        Err(_) => None,
    };
    let Some(form) = form else { return Ok(Vec::new()) };
    let fields =
        form.get(b"Fields").ok().and_then(|o| doc.dereference(o).ok()).and_then(|(_, o)| o.as_array().ok());
    let mut found = Vec::new();
    let mut stack: Vec<(&Object, String, Option<Vec<u8>>, usize)> =
        fields.into_iter().flatten().rev().map(|f| (f, String::new(), None, 0)).collect();
    while let Some((field, prefix, inherited_ft, depth)) = stack.pop() {
        if depth > 32 {
            return Err(PdfError::Malformed("the form field tree is deeper than 32".into()));
        }
        let Ok((_, Object::Dictionary(dict))) = doc.dereference(field) else { continue };
        let part = dict.get(b"T").and_then(Object::as_str).map(decode_text_string).ok();
        let name = match (&part, prefix.is_empty()) {
            (Some(p), true) => p.clone(),
            (Some(p), false) => format!("{prefix}.{p}"),
            (None, _) => prefix.clone(),
        };
        let ft = dict.get(b"FT").and_then(Object::as_name).map(<[u8]>::to_vec).ok().or(inherited_ft);
        if let Ok(kids) = dict.get(b"Kids").and_then(Object::as_array) {
            for kid in kids.iter().rev() {
                stack.push((kid, name.clone(), ft.clone(), depth + 1));
            }
        }
        if ft.as_deref() != Some(b"Sig") {
            continue;
        }
        if let Some(sig) =
            dict.get(b"V").ok().and_then(|v| doc.dereference(v).ok()).and_then(|(_, o)| o.as_dict().ok())
        {
            found.push((name, sig));
        }
    }
    Ok(found)
}

fn examine(pdf: &[u8], ends: &[usize], name: &str, sig: &Dictionary) -> FoundSignature {
    let text = |key: &[u8]| sig.get(key).and_then(Object::as_str).ok().map(decode_text_string);
    let name_of = |key: &[u8]| {
        sig.get(key).and_then(Object::as_name).ok().map(|n| String::from_utf8_lossy(n).into_owned())
    };
    let raw_contents = sig.get(b"Contents").and_then(Object::as_str).map(<[u8]>::to_vec).unwrap_or_default();
    let mut problems = Vec::new();
    let br: Option<[usize; 4]> =
        sig.get(b"ByteRange").and_then(Object::as_array).ok().filter(|a| a.len() == 4).and_then(|a| {
            let v: Option<Vec<usize>> =
                a.iter().map(|o| o.as_i64().ok().and_then(|i| usize::try_from(i).ok())).collect();
            v.and_then(|v| v.try_into().ok())
        });
    let byte_range = br.unwrap_or([0; 4]);
    if br.is_none() {
        problems.push("/ByteRange is not four non-negative integers".to_owned());
    }
    let [a, b, c, d] = byte_range;
    let end = c.saturating_add(d);
    if a != 0 {
        problems.push(format!("the range starts at {a}, not 0"));
    }
    if b >= c || end > pdf.len() {
        problems.push(format!("the ranges [{a}, {b}) and [{c}, {end}) do not fit a {}-byte file", pdf.len()));
    } else {
        let gap = &pdf[b..c];
        let is_hex_string = gap.len() >= 2
            && gap[0] == b'<'
            && gap[gap.len() - 1] == b'>'
            && gap[1..gap.len() - 1].iter().all(u8::is_ascii_hexdigit);
        if !is_hex_string
            || hex::decode(&gap[1..gap.len() - 1]).ok().as_deref() != Some(raw_contents.as_slice())
        {
            problems.push("the gap is not exactly this signature's /Contents string".to_owned());
        }
        if !ends.contains(&end) {
            problems.push(format!("the range ends at {end}, which is not the end of a revision"));
        }
    }
    let mut h = Sm3Hasher::new();
    h.update(pdf.get(..b.min(pdf.len())).unwrap_or_default());
    h.update(pdf.get(c.min(pdf.len())..end.min(pdf.len())).unwrap_or_default());
    FoundSignature {
        field_name: name.to_owned(),
        filter: name_of(b"Filter"),
        sub_filter: name_of(b"SubFilter"),
        signer_name: text(b"Name"),
        signing_time: text(b"M"),
        byte_range,
        contents: trim_der(raw_contents),
        digest: h.finalize(),
        byte_range_ok: problems.is_empty(),
        byte_range_problems: problems,
        revision_end: end,
        modified_after: Vec::new(),
    }
}

/// Cuts the zero padding after a DER element off (falls back to trimming trailing zeros).
fn trim_der(mut bytes: Vec<u8>) -> Vec<u8> {
    let der_len = match bytes.get(1).filter(|_| bytes.first() != Some(&0)) {
        Some(&l) if l < 0x80 => Some(2 + usize::from(l)),
        Some(&l) if (0x81..=0x84).contains(&l) => {
            let n = usize::from(l - 0x80);
            bytes
                .get(2..2 + n)
                .map(|len| 2 + n + len.iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x)))
        }
        _ => None,
    };
    match der_len {
        Some(n) if n <= bytes.len() && bytes[n..].iter().all(|&x| x == 0) => bytes.truncate(n),
        _ => {
            let keep = bytes.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
            bytes.truncate(keep);
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::trim_der;

    #[test]
    fn der_padding_is_trimmed() {
        assert_eq!(trim_der(vec![0x30, 0x02, 0x05, 0x00, 0, 0, 0]), vec![0x30, 0x02, 0x05, 0x00]);
        let long = [vec![0x04, 0x81, 0x80], vec![0u8; 0x80], vec![0; 10]].concat();
        assert_eq!(trim_der(long).len(), 3 + 0x80);
        assert_eq!(trim_der(vec![0xFF, 0x01, 0, 0]), vec![0xFF, 0x01, 0]);
        assert_eq!(trim_der(vec![0, 0]), Vec::<u8>::new());
    }
}
