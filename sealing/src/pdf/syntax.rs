//! Low-level PDF syntax shared by signing and verification: writing objects,
//! finding `startxref` and the ends of revisions.

use lopdf::Object;

use super::error::{PdfError, Result};

/// Appends the PDF syntax of `obj` (strings as hex, so any bytes round-trip).
pub(crate) fn write_object(out: &mut Vec<u8>, obj: &Object) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(real(*r).as_bytes()),
        Object::Name(n) => write_name(out, n),
        Object::String(s, _) => write_hex_string(out, s),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => write_dict(out, d.iter()),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set("Length", Object::Integer(s.content.len() as i64));
            write_dict(out, dict.iter());
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((n, g)) => out.extend_from_slice(format!("{n} {g} R").as_bytes()),
    }
}

fn write_dict<'a>(out: &mut Vec<u8>, entries: impl Iterator<Item = (&'a Vec<u8>, &'a Object)>) {
    out.extend_from_slice(b"<<");
    for (k, v) in entries {
        write_name(out, k);
        out.push(b' ');
        write_object(out, v);
    }
    out.extend_from_slice(b">>");
}

/// A real number without exponent, trailing zeros trimmed.
pub(crate) fn real(r: f32) -> String {
    if !r.is_finite() {
        return "0".into();
    }
    let s = format!("{r:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" || s == "-0" { "0".into() } else { s.to_owned() }
}

/// `/Name` with `#xx` escapes for delimiters, whitespace and non-ASCII bytes (ISO 32000-1 §7.3.5).
pub(crate) fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if b.is_ascii_graphic() && !b"#()<>[]{}/%".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// `<…>` hex string.
pub(crate) fn write_hex_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'<');
    out.extend_from_slice(hex::encode_upper(s).as_bytes());
    out.push(b'>');
}

/// A PDF text string: ASCII as is, anything else UTF-16BE with a byte order mark.
pub(crate) fn text_string(s: &str) -> Vec<u8> {
    if s.is_ascii() {
        s.as_bytes().to_vec()
    } else {
        let mut out = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            out.extend_from_slice(&unit.to_be_bytes());
        }
        out
    }
}

/// Decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, else bytes as Latin-1).
pub(crate) fn decode_text_string(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = b.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

/// The offset after the last `startxref` keyword names: where the newest cross-reference section starts.
pub(crate) fn last_startxref(pdf: &[u8]) -> Result<usize> {
    let tail_start = pdf.len().saturating_sub(2048);
    let tail = &pdf[tail_start..];
    let pos =
        rfind(tail, b"startxref").ok_or_else(|| PdfError::Malformed("no startxref near the end".into()))?;
    let digits: String = tail[pos + 9..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    let offset: usize = digits.parse().map_err(|_| PdfError::Malformed("startxref has no offset".into()))?;
    if offset >= pdf.len() {
        return Err(PdfError::Malformed(format!("startxref {offset} points past the end of the file")));
    }
    Ok(offset)
}

/// Whether the cross-reference section at `offset` is a classic table (`xref` keyword) rather than a stream.
pub(crate) fn is_xref_table(pdf: &[u8], offset: usize) -> bool {
    pdf.get(offset..).is_some_and(|rest| {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
        rest[start..].starts_with(b"xref")
    })
}

/// The end offsets of the file's revisions: each `%%EOF` that follows a
/// `startxref <offset>`, plus the end-of-line marker after it.
pub(crate) fn revision_ends(pdf: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut from = 0;
    while let Some(p) = find(&pdf[from..], b"%%EOF") {
        let at = from + p;
        from = at + 5;
        let before = &pdf[at.saturating_sub(40)..at];
        let trimmed = before.trim_ascii_end();
        let digits = trimmed.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        let head = trimmed[..trimmed.len() - digits].trim_ascii_end();
        if digits == 0 || !head.ends_with(b"startxref") {
            continue;
        }
        let mut end = at + 5;
        if pdf.get(end) == Some(&b'\r') {
            end += 1;
        }
        if pdf.get(end) == Some(&b'\n') {
            end += 1;
        }
        ends.push(end);
    }
    ends
}

/// Position of the first occurrence of `needle`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Position of the last occurrence of `needle`.
pub(crate) fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_reals() {
        let mut out = Vec::new();
        write_name(&mut out, b"GB.SES");
        write_name(&mut out, b"a b#");
        assert_eq!(out, b"/GB.SES/a#20b#23");
        assert_eq!(real(12.5), "12.5");
        assert_eq!(real(3.0), "3");
        assert_eq!(real(-0.00001), "0");
    }

    #[test]
    fn revisions_need_startxref() {
        let pdf = b"%PDF-1.7\n%%EOF in a comment\nstartxref\n9\n%%EOF\nmore\nstartxref 9\r\n%%EOF";
        let ends = revision_ends(pdf);
        assert_eq!(ends, vec![46, pdf.len()]);
        assert_eq!(last_startxref(pdf).ok(), Some(9));
    }
}
