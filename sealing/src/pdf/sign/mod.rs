//! Incremental signing (ISO 32000-1 §12.8): [`prepare`] appends one
//! incremental update to any PDF — the original bytes stay untouched — with a
//! signature field and widget showing the seal picture, and a signature
//! dictionary whose `/Contents` is a zero-filled placeholder. The caller signs
//! [`Prepared::digest`] (SM3 of every byte except the `/Contents` string) in
//! whatever format it chooses and writes the DER in with [`Prepared::embed`].
//!
//! The new cross-reference section matches the file's last one: an xref
//! stream (PDF 1.5, §7.5.8) if the file uses them, else a classic table; its
//! `/Prev` points at the previous section, so readers see every revision and
//! earlier signatures keep covering exactly the bytes they covered.
//!
//! ## Filter and SubFilter
//!
//! `/Contents` holds a GB/T 38540-2020 `SES_Signature`, which is not CMS, so the
//! registered values (`/Adobe.PPKLite` with `/adbe.pkcs7.detached` or
//! `/ETSI.CAdES.detached`) would make readers parse it as CMS and report a
//! corrupt signature. Chinese e-seal products use vendor-specific names and no
//! registered name exists for GB/T 38540, so this module writes
//! [`FILTER`] = `/GB.SES` and [`SUB_FILTER`] = `/GBT38540.SES_Signature`: a
//! reader that does not know them shows the signature as of an unknown type
//! (poppler's `pdfsig`: "unknown") while still listing its field and byte range.

mod picture;
mod update;

use lopdf::{Dictionary, Document, Object, ObjectId};
use time::OffsetDateTime;

use super::error::{PdfError, Result};
use super::syntax::{is_xref_table, last_startxref, text_string};
use crate::crypto::Sm3Digest;
use crate::crypto::hash::Sm3Hasher;
use update::{NewObject, Update};

/// The `/Filter` written into signature dictionaries: the GB/T 38540 signature handler.
pub const FILTER: &str = "GB.SES";
/// The `/SubFilter` written into signature dictionaries: `/Contents` is a DER `SES_Signature`.
pub const SUB_FILTER: &str = "GBT38540.SES_Signature";

/// `/F 132`: Print (bit 3) and Locked (bit 8), ISO 32000-1 §12.5.3.
const WIDGET_FLAGS: i64 = 132;

/// Where and how a signature appears.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The page, counted from 0.
    pub page: usize,
    /// The widget rectangle `[llx, lly, urx, ury]` in PDF points.
    pub rect: [f32; 4],
    /// The seal picture shown in the widget (PNG; transparency kept).
    pub picture_png: Option<Vec<u8>>,
    /// The signature field's name (`/T`); must be unique in the document and contain no `.`.
    pub field_name: String,
    /// Bytes reserved for the DER signature in `/Contents`, e.g. 16384.
    pub reserve: usize,
}

/// A PDF with an incremental update holding an empty signature, ready to be signed.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The whole file: the original bytes followed by the update.
    pub bytes: Vec<u8>,
    /// `/ByteRange [0 a b c]`: `bytes[0..a]` and `bytes[b..b+c]` are signed,
    /// `bytes[a..b]` is the `/Contents <…>` hex string.
    pub byte_range: [usize; 4],
    /// SM3 of the two covered ranges: what the signer signs.
    pub digest: Sm3Digest,
}

impl Prepared {
    /// The file with `contents_der` hex-encoded into the placeholder (the
    /// rest stays zero padding, which DER readers ignore after the outer length).
    pub fn embed(&self, contents_der: &[u8]) -> Result<Vec<u8>> {
        let [_, a, b, _] = self.byte_range;
        let gap = self.bytes.get(a..b).filter(|g| g.len() >= 2 && g[0] == b'<' && g[g.len() - 1] == b'>');
        let Some(gap) = gap else {
            return Err(PdfError::Malformed("the byte range gap is not a /Contents hex string".into()));
        };
        let reserved = (gap.len() - 2) / 2;
        if contents_der.len() > reserved {
            return Err(PdfError::SignatureTooLarge { needed: contents_der.len(), reserved });
        }
        let mut out = self.bytes.clone();
        let hex = hex::encode_upper(contents_der);
        out[a + 1..a + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(out)
    }
}

/// Appends an incremental update to `pdf` that adds a signature field named
/// `placement.field_name` on `placement.page`, its widget (appearance: the
/// seal picture scaled to the rectangle), an AcroForm with `/SigFlags 3`
/// (created or extended) and a signature dictionary (`/M` = `signing_time`,
/// `/Name` = `signer_name`) with `placement.reserve` zero bytes of `/Contents`.
///
/// Errors: a malformed or encrypted PDF, a page out of range, an empty or
/// duplicate field name, a degenerate rectangle, a bad PNG.
pub fn prepare(
    pdf: &[u8],
    placement: &Placement,
    signing_time: OffsetDateTime,
    signer_name: &str,
) -> Result<Prepared> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(PdfError::Malformed("no %PDF- header at offset 0".into()));
    }
    check_placement(placement)?;
    let prev_xref = last_startxref(pdf)?;
    let doc = Document::load_mem(pdf)?;
    if doc.trailer.get(b"Encrypt").is_ok() {
        return Err(PdfError::Unsupported("encrypted PDFs cannot be signed here".into()));
    }
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| PdfError::Malformed("the trailer has no /Root".into()))?;
    let pages = doc.get_pages();
    let page_number = u32::try_from(placement.page).ok().and_then(|p| p.checked_add(1)).unwrap_or(u32::MAX);
    let page_id = *pages.get(&page_number).ok_or_else(|| {
        PdfError::Placement(format!(
            "page {} out of range: the document has {} pages",
            placement.page,
            pages.len()
        ))
    })?;

    let first_free = doc
        .max_id
        .checked_add(1)
        .filter(|n| *n < u32::MAX - 64)
        .ok_or_else(|| PdfError::Unsupported("no object numbers left for an update".into()))?;
    let mut up = Update::new(first_free);
    let sig = up.reserve_id();
    let widget = up.reserve_id();
    let appearance = appearance(&mut up, placement)?;

    let mut w = Dictionary::new();
    w.set("Type", Object::Name(b"Annot".to_vec()));
    w.set("Subtype", Object::Name(b"Widget".to_vec()));
    w.set("FT", Object::Name(b"Sig".to_vec()));
    w.set("T", Object::string_literal(text_string(&placement.field_name)));
    w.set("V", Object::Reference(sig));
    w.set("F", Object::Integer(WIDGET_FLAGS));
    w.set("Rect", Object::Array(placement.rect.iter().map(|&v| Object::Real(v)).collect()));
    w.set("P", Object::Reference(page_id));
    w.set("AP", Object::Dictionary(Dictionary::from_iter(vec![("N", Object::Reference(appearance))])));
    up.put(widget, NewObject::Plain(Object::Dictionary(w)));

    add_to_page(&doc, &mut up, page_id, widget)?;
    add_to_acroform(&doc, &mut up, root, widget, &placement.field_name)?;

    let sig_dict = update::SigDict {
        filter: FILTER,
        sub_filter: SUB_FILTER,
        name: text_string(signer_name),
        time: pdf_date(signing_time),
        reserve: placement.reserve,
    };
    up.put(sig, NewObject::Signature(sig_dict));

    let use_stream = !is_xref_table(pdf, prev_xref);
    let (bytes, byte_range) = up.write(pdf, &doc.trailer, prev_xref, use_stream)?;
    let mut h = Sm3Hasher::new();
    h.update(&bytes[..byte_range[1]]);
    h.update(&bytes[byte_range[2]..]);
    Ok(Prepared { bytes, byte_range, digest: h.finalize() })
}

fn check_placement(p: &Placement) -> Result<()> {
    let [x1, y1, x2, y2] = p.rect;
    if !p.rect.iter().all(|v| v.is_finite()) || x2 <= x1 || y2 <= y1 {
        return Err(PdfError::Placement(format!("rectangle {:?} is empty or not finite", p.rect)));
    }
    if p.field_name.is_empty() || p.field_name.contains('.') {
        return Err(PdfError::Placement("the field name must be non-empty and contain no '.'".into()));
    }
    if p.reserve == 0 || p.reserve > 1 << 20 {
        return Err(PdfError::Placement("reserve between 1 byte and 1 MiB".into()));
    }
    Ok(())
}

/// The widget's normal appearance: a form XObject the size of the rectangle
/// drawing the picture (or nothing), with the image and its soft mask.
fn appearance(up: &mut Update, p: &Placement) -> Result<ObjectId> {
    let (w, h) = (p.rect[2] - p.rect[0], p.rect[3] - p.rect[1]);
    let mut resources = Dictionary::new();
    let mut content = Vec::new();
    if let Some(png) = &p.picture_png {
        let pic = picture::from_png(png)?;
        let mut image = pic.image;
        if let Some(smask) = pic.smask {
            let smask_id = up.reserve_id();
            up.put(smask_id, NewObject::Plain(Object::Stream(smask)));
            image.dict.set("SMask", Object::Reference(smask_id));
        }
        let image_id = up.reserve_id();
        up.put(image_id, NewObject::Plain(Object::Stream(image)));
        resources.set("XObject", Dictionary::from_iter(vec![("Im0", Object::Reference(image_id))]));
        let (ws, hs) = (super::syntax::real(w), super::syntax::real(h));
        content = format!("q {ws} 0 0 {hs} 0 0 cm /Im0 Do Q").into_bytes();
    }
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Form".to_vec()));
    dict.set("BBox", Object::Array(vec![0.into(), 0.into(), Object::Real(w), Object::Real(h)]));
    dict.set("Resources", Object::Dictionary(resources));
    let id = up.reserve_id();
    up.put(id, NewObject::Plain(Object::Stream(lopdf::Stream::new(dict, content))));
    Ok(id)
}

/// Adds the widget to the page's `/Annots` (rewriting the array object if it is indirect, else the page).
fn add_to_page(doc: &Document, up: &mut Update, page_id: ObjectId, widget: ObjectId) -> Result<()> {
    let page = doc.get_dictionary(page_id)?;
    match page.get(b"Annots") {
        Ok(Object::Reference(arr_id)) => {
            let mut arr = doc.get_object(*arr_id).and_then(Object::as_array).cloned().map_err(|_| {
                PdfError::Malformed(format!("the /Annots of page object {} is not an array", page_id.0))
            })?;
            arr.push(Object::Reference(widget));
            up.put(*arr_id, NewObject::Plain(Object::Array(arr)));
        }
        existing => {
            let mut arr = existing.and_then(Object::as_array).cloned().unwrap_or_default();
            arr.push(Object::Reference(widget));
            let mut page = page.clone();
            page.set("Annots", Object::Array(arr));
            up.put(page_id, NewObject::Plain(Object::Dictionary(page)));
        }
    }
    Ok(())
}

/// Registers the field in the AcroForm (created if absent) and sets `/SigFlags 3`
/// (SignaturesExist | AppendOnly).
fn add_to_acroform(
    doc: &Document,
    up: &mut Update,
    root: ObjectId,
    widget: ObjectId,
    name: &str,
) -> Result<()> {
    let catalog = doc.get_dictionary(root)?;
    let (form_id, mut form) = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => (Some(*id), doc.get_dictionary(*id)?.clone()),
        Ok(Object::Dictionary(d)) => (None, d.clone()),
        _ => (None, Dictionary::new()),
    };
    let mut fields = match form.get(b"Fields") {
        Ok(Object::Reference(id)) => {
            doc.get_object(*id).and_then(Object::as_array).cloned().unwrap_or_default()
        }
        Ok(Object::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    let wanted = text_string(name);
    for field in &fields {
        let existing = field.as_reference().ok().and_then(|r| doc.get_dictionary(r).ok());
        if existing.and_then(|d| d.get(b"T").ok()).and_then(|t| t.as_str().ok()) == Some(wanted.as_slice()) {
            return Err(PdfError::Placement(format!("a field named {name:?} already exists")));
        }
    }
    fields.push(Object::Reference(widget));
    form.set("Fields", Object::Array(fields));
    form.set("SigFlags", Object::Integer(3));
    match form_id {
        Some(id) => up.put(id, NewObject::Plain(Object::Dictionary(form))),
        None => {
            let id = up.reserve_id();
            up.put(id, NewObject::Plain(Object::Dictionary(form)));
            let mut catalog = catalog.clone();
            catalog.set("AcroForm", Object::Reference(id));
            up.put(root, NewObject::Plain(Object::Dictionary(catalog)));
        }
    }
    Ok(())
}

/// `D:YYYYMMDDHHmmSS+HH'mm'` (ISO 32000-1 §7.9.4).
fn pdf_date(t: OffsetDateTime) -> String {
    let off = t.offset();
    let sign = if off.is_negative() { '-' } else { '+' };
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}'{:02}'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        off.whole_hours().unsigned_abs(),
        off.minutes_past_hour().unsigned_abs()
    )
}
