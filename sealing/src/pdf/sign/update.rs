//! Writing one incremental update: objects, then a cross-reference table or
//! stream whose `/Prev` points at the previous section, then the trailer.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Object, ObjectId};

use crate::crypto::sm3;
use crate::pdf::error::{PdfError, Result};
use crate::pdf::syntax::{write_hex_string, write_name, write_object};

/// The signature dictionary, written by hand so the positions of `/ByteRange` and `/Contents` are known.
pub(super) struct SigDict {
    pub filter: &'static str,
    pub sub_filter: &'static str,
    pub name: Vec<u8>,
    pub time: String,
    pub reserve: usize,
}

/// An object of the update.
pub(super) enum NewObject {
    /// Any object, serialised as is.
    Plain(Object),
    /// The signature dictionary with its placeholders.
    Signature(SigDict),
}

/// Width of each of the three patched `/ByteRange` numbers.
const BR_DIGITS: usize = 10;

/// The objects of one incremental update.
pub(super) struct Update {
    next: u32,
    objects: BTreeMap<ObjectId, NewObject>,
}

impl Update {
    /// An update whose new objects are numbered from `first_free`.
    pub fn new(first_free: u32) -> Self {
        Self { next: first_free, objects: BTreeMap::new() }
    }

    /// A fresh object number (generation 0).
    pub fn reserve_id(&mut self) -> ObjectId {
        let id = (self.next, 0);
        self.next += 1;
        id
    }

    /// Sets the new content of object `id` (new or replacing an existing one).
    pub fn put(&mut self, id: ObjectId, obj: NewObject) {
        self.objects.insert(id, obj);
    }

    /// `original` followed by the update; returns the file and the `/ByteRange`.
    pub fn write(
        mut self,
        original: &[u8],
        trailer: &Dictionary,
        prev_xref: usize,
        xref_stream: bool,
    ) -> Result<(Vec<u8>, [usize; 4])> {
        let mut out = original.to_vec();
        if !matches!(out.last(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        let mut offsets: BTreeMap<ObjectId, usize> = BTreeMap::new();
        let mut placeholders = None;
        for (&id, obj) in &self.objects {
            offsets.insert(id, out.len());
            out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
            match obj {
                NewObject::Plain(o) => write_object(&mut out, o),
                NewObject::Signature(s) => placeholders = Some(write_sig(&mut out, s)),
            }
            out.extend_from_slice(b"\nendobj\n");
        }
        let (br_at, contents_at, contents_end) = placeholders
            .ok_or_else(|| PdfError::Malformed("no signature dictionary in the update".into()))?;

        let mut tail = Dictionary::new();
        for key in [&b"Root"[..], b"Info"] {
            if let Ok(v) = trailer.get(key) {
                tail.set(key, v.clone());
            }
        }
        let id0 = trailer
            .get(b"ID")
            .and_then(Object::as_array)
            .ok()
            .and_then(|a| a.first())
            .and_then(|o| o.as_str().ok())
            .map(<[u8]>::to_vec);
        let fresh = sm3(&out)[..16].to_vec();
        let first = id0.unwrap_or_else(|| fresh.clone());
        tail.set(
            "ID",
            Object::Array(vec![
                Object::String(first, lopdf::StringFormat::Hexadecimal),
                Object::String(fresh, lopdf::StringFormat::Hexadecimal),
            ]),
        );
        tail.set("Prev", Object::Integer(prev_xref as i64));
        let declared = trailer.get(b"Size").and_then(Object::as_i64).unwrap_or(0).max(0) as u32;
        if xref_stream {
            let id = self.reserve_id();
            let xref_at = out.len();
            offsets.insert(id, xref_at);
            let size = declared.max(self.next);
            write_xref_stream(&mut out, id, &offsets, tail, size);
            out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
        } else {
            let xref_at = out.len();
            write_xref_table(&mut out, &offsets);
            tail.set("Size", Object::Integer(i64::from(declared.max(self.next))));
            out.extend_from_slice(b"trailer\n");
            write_object(&mut out, &Object::Dictionary(tail));
            out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
        }

        let byte_range = [0, contents_at, contents_end, out.len() - contents_end];
        let numbers = format!("[0 {} {} {}]", byte_range[1], byte_range[2], byte_range[3]);
        let width = 4 + 3 * BR_DIGITS + 2;
        if numbers.len() > width {
            return Err(PdfError::Unsupported("files of 10 GB or more".into()));
        }
        out[br_at..br_at + width].copy_from_slice(format!("{numbers:width$}").as_bytes());
        Ok((out, byte_range))
    }
}

/// Writes the signature dictionary; returns the offsets of the `/ByteRange`
/// array placeholder, of the `<` opening `/Contents`, and just past its `>`.
fn write_sig(out: &mut Vec<u8>, s: &SigDict) -> (usize, usize, usize) {
    out.extend_from_slice(b"<</Type/Sig");
    out.extend_from_slice(b"/Filter");
    write_name(out, s.filter.as_bytes());
    out.extend_from_slice(b"/SubFilter");
    write_name(out, s.sub_filter.as_bytes());
    out.extend_from_slice(b"/Name");
    write_hex_string(out, &s.name);
    out.extend_from_slice(b"/M");
    write_hex_string(out, s.time.as_bytes());
    out.extend_from_slice(b"/ByteRange");
    let br_at = out.len();
    let placeholder = format!("[0 {z} {z} {z}]", z = "0".repeat(BR_DIGITS));
    out.extend_from_slice(placeholder.as_bytes());
    out.extend_from_slice(b"/Contents");
    let contents_at = out.len();
    out.push(b'<');
    out.resize(out.len() + 2 * s.reserve, b'0');
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(b">>");
    (br_at, contents_at, contents_end)
}

/// Subsections of consecutive object numbers.
fn runs(offsets: &BTreeMap<ObjectId, usize>) -> Vec<Vec<(ObjectId, usize)>> {
    let mut runs: Vec<Vec<(ObjectId, usize)>> = Vec::new();
    for (&id, &off) in offsets {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|(last, _)| last.0 + 1 == id.0) => run.push((id, off)),
            _ => runs.push(vec![(id, off)]),
        }
    }
    runs
}

fn write_xref_table(out: &mut Vec<u8>, offsets: &BTreeMap<ObjectId, usize>) {
    out.extend_from_slice(b"xref\n");
    for run in runs(offsets) {
        out.extend_from_slice(format!("{} {}\n", run[0].0.0, run.len()).as_bytes());
        for ((_, generation), off) in run {
            out.extend_from_slice(format!("{off:010} {generation:05} n\r\n").as_bytes());
        }
    }
}

/// A cross-reference stream (ISO 32000-1 §7.5.8) with `/W [1 4 2]` (unless offsets need 8 bytes).
fn write_xref_stream(
    out: &mut Vec<u8>,
    id: ObjectId,
    offsets: &BTreeMap<ObjectId, usize>,
    mut dict: Dictionary,
    size: u32,
) {
    let wide = offsets.values().any(|&o| o > u32::MAX as usize);
    let ow = if wide { 8 } else { 4 };
    let mut data = Vec::new();
    let mut index = Vec::new();
    for run in runs(offsets) {
        index.push(Object::Integer(i64::from(run[0].0.0)));
        index.push(Object::Integer(run.len() as i64));
        for ((_, generation), off) in run {
            data.push(1u8);
            data.extend_from_slice(&(off as u64).to_be_bytes()[8 - ow..]);
            data.extend_from_slice(&generation.to_be_bytes());
        }
    }
    dict.set("Type", Object::Name(b"XRef".to_vec()));
    dict.set("Size", Object::Integer(i64::from(size)));
    dict.set("W", Object::Array(vec![1.into(), Object::Integer(ow as i64), 2.into()]));
    dict.set("Index", Object::Array(index));
    out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
    write_object(out, &Object::Stream(lopdf::Stream::new(dict, data)));
    out.extend_from_slice(b"\nendobj\n");
}
