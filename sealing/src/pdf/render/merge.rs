//! Appending the pages of other PDFs to a document (lopdf).

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::pdf::error::{PdfError, Result};

/// Attributes a page inherits from its ancestors (ISO 32000-1 §7.7.3.4); copied
/// onto each page before it moves to another page tree.
const INHERITABLE: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// Object types that do not carry over into the merged file.
const DROPPED: [&[u8]; 5] = [b"Catalog", b"Pages", b"ObjStm", b"XRef", b"Linearized"];

/// The page count of a PDF to be merged as attachment `name`, or why it
/// cannot be: not a readable PDF, encrypted, or without pages (the same
/// checks [`append_pdfs`] makes, so a PDF that passes here merges later).
pub fn attachment_pages(name: &str, bytes: &[u8]) -> Result<usize> {
    let named = |e: String| PdfError::Malformed(format!("attachment {name:?}: {e}"));
    if !bytes.starts_with(b"%PDF-") {
        return Err(named("it does not start with %PDF-".into()));
    }
    let doc = Document::load_mem(bytes).map_err(|e| named(e.to_string()))?;
    if doc.trailer.get(b"Encrypt").is_ok() {
        return Err(PdfError::Unsupported(format!("attachment {name:?} is encrypted")));
    }
    match doc.get_pages().len() {
        0 => Err(named("it has no pages".into())),
        n => Ok(n),
    }
}

/// `base` followed by all pages of each named PDF; returns the file and its page count.
pub(super) fn append_pdfs(base: &[u8], others: &[(&str, &[u8])]) -> Result<(Vec<u8>, usize)> {
    let mut doc = Document::load_mem(base)?;
    let pages_root = doc
        .catalog()
        .and_then(|c| c.get(b"Pages"))
        .and_then(Object::as_reference)
        .map_err(|_| PdfError::Malformed("the form has no page tree".into()))?;
    for (name, bytes) in others {
        let named = |e: String| PdfError::Malformed(format!("attachment {name:?}: {e}"));
        let mut other = Document::load_mem(bytes).map_err(|e| named(e.to_string()))?;
        if other.trailer.get(b"Encrypt").is_ok() {
            return Err(PdfError::Unsupported(format!("attachment {name:?} is encrypted")));
        }
        other.renumber_objects_with(doc.max_id + 1);
        let page_ids: Vec<ObjectId> = other.get_pages().into_values().collect();
        if page_ids.is_empty() {
            return Err(named("it has no pages".into()));
        }
        for &id in &page_ids {
            let inherited = inherited_attributes(&other, id);
            let page = other.get_dictionary_mut(id).map_err(|e| named(e.to_string()))?;
            for (key, value) in inherited {
                page.set(key, value);
            }
            page.set("Parent", Object::Reference(pages_root));
        }
        // Drop the attachment's catalog, page-tree nodes and file-structure
        // objects (lopdf has expanded object streams); keep everything else.
        other.objects.retain(|_, o| !matches!(o.type_name(), Ok(t) if DROPPED.contains(&t)));
        doc.max_id = doc.max_id.max(other.max_id);
        doc.objects.extend(other.objects);
        let root = doc.get_dictionary_mut(pages_root)?;
        let mut kids = root.get(b"Kids").and_then(Object::as_array).cloned().unwrap_or_default();
        kids.extend(page_ids.iter().map(|&id| Object::Reference(id)));
        root.set("Kids", Object::Array(kids));
    }
    doc.max_id = doc.objects.keys().map(|id| id.0).max().unwrap_or(0);
    let count = doc.get_pages().len();
    doc.get_dictionary_mut(pages_root)?.set("Count", Object::Integer(count as i64));
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| PdfError::Malformed(format!("saving: {e}")))?;
    Ok((out, count))
}

fn inherited_attributes(doc: &Document, page: ObjectId) -> Vec<(Vec<u8>, Object)> {
    let Ok(dict) = doc.get_dictionary(page) else { return Vec::new() };
    let mut found: Vec<(Vec<u8>, Object)> = Vec::new();
    let mut node: Option<&Dictionary> =
        dict.get(b"Parent").and_then(Object::as_reference).ok().and_then(|p| doc.get_dictionary(p).ok());
    let mut depth = 0;
    while let Some(n) = node {
        for key in INHERITABLE {
            if dict.get(key).is_err()
                && !found.iter().any(|(k, _)| k == key)
                && let Ok(v) = n.get(key)
            {
                found.push((key.to_vec(), v.clone()));
            }
        }
        depth += 1;
        node = if depth > 64 {
            None
        } else {
            n.get(b"Parent").and_then(Object::as_reference).ok().and_then(|p| doc.get_dictionary(p).ok())
        };
    }
    found
}
