//! What a revision changed, object by object, and which changes are only
//! signature machinery.
//!
//! Allowed in a later revision (ISO 32000-1 §12.8.2.2, DocMDP level 2 without
//! form filling): a new signature dictionary; a new signature field/widget,
//! or an existing empty one getting its `/V`; the objects its appearance uses;
//! the AcroForm (fields only added); the catalog gaining or changing only
//! `/AcroForm`; a page changing only `/Annots` with annotations only added;
//! cross-reference streams and object streams. Anything else is reported.

use std::collections::BTreeSet;

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::pdf::error::{PdfError, Result};

/// For revisions `from + 1 ..`: `(revision index, description)` of each change that is not signature machinery.
/// `whole` is `pdf` already loaded; it stands for the last revision when that ends the file.
pub(super) fn after(
    pdf: &[u8],
    ends: &[usize],
    from: usize,
    whole: Document,
) -> Result<Vec<(usize, String)>> {
    let mut out = Vec::new();
    if from + 1 >= ends.len() {
        return Ok(out);
    }
    let mut whole = (ends.last() == Some(&pdf.len())).then_some(whole);
    let mut load = |j: usize| {
        if j + 1 == ends.len()
            && let Some(doc) = whole.take()
        {
            return Ok(doc);
        }
        Document::load_mem(&pdf[..ends[j]])
            .map_err(|e| PdfError::Malformed(format!("revision {} (ending at byte {}): {e}", j + 1, ends[j])))
    };
    let mut prev = load(from)?;
    for (j, &end) in ends.iter().enumerate().skip(from + 1) {
        let cur = load(j)?;
        let start = ends[j - 1];
        for line in disallowed(&prev, &cur) {
            out.push((j, format!("revision {} (bytes {start}..{end}): {line}", j + 1)));
        }
        prev = cur;
    }
    Ok(out)
}

fn is_type(o: &Object, t: &[u8]) -> bool {
    o.as_dict()
        .or_else(|_| o.as_stream().map(|s| &s.dict))
        .and_then(Dictionary::get_type)
        .is_ok_and(|x| x == t)
}

fn dict_of(o: &Object) -> Option<&Dictionary> {
    o.as_dict().ok().or_else(|| o.as_stream().ok().map(|s| &s.dict))
}

fn is_sig_field(d: &Dictionary) -> bool {
    d.get(b"FT").and_then(Object::as_name).is_ok_and(|n| n == b"Sig")
}

fn without<'a>(d: &'a Dictionary, keys: &[&[u8]]) -> Vec<(&'a Vec<u8>, &'a Object)> {
    let mut v: Vec<_> = d.iter().filter(|(k, _)| !keys.contains(&k.as_slice())).collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

/// The references in an array, which may itself be indirect.
fn refs(doc: &Document, o: Option<&Object>) -> Vec<ObjectId> {
    let arr = o.and_then(|o| doc.dereference(o).ok()).and_then(|(_, o)| o.as_array().ok());
    arr.map(|a| a.iter().filter_map(|x| x.as_reference().ok()).collect()).unwrap_or_default()
}

/// Every object reachable from `start` through references, limited to `within`.
fn reachable(doc: &Document, start: &Object, within: &BTreeSet<ObjectId>) -> BTreeSet<ObjectId> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![start.clone()];
    while let Some(o) = todo.pop() {
        match o {
            Object::Reference(id) if within.contains(&id) && seen.insert(id) => {
                if let Ok(obj) = doc.get_object(id) {
                    todo.push(obj.clone());
                }
            }
            Object::Array(a) => todo.extend(a),
            Object::Dictionary(d) => todo.extend(d.iter().map(|(_, v)| v.clone())),
            Object::Stream(s) => todo.extend(s.dict.iter().map(|(_, v)| v.clone())),
            _ => {}
        }
    }
    seen
}

fn describe(o: &Object) -> String {
    let d = dict_of(o);
    let name =
        |k: &[u8]| d.and_then(|d| d.get(k).and_then(Object::as_name).ok()).map(String::from_utf8_lossy);
    match (name(b"Type"), name(b"Subtype"), o.as_stream().is_ok()) {
        (Some(t), Some(s), _) => format!("/{t} /{s}"),
        (Some(t), None, _) => format!("/{t}"),
        (None, Some(s), _) => format!("/{s}"),
        (None, None, true) => "stream".into(),
        (None, None, false) => "object".into(),
    }
}

/// Descriptions of the changes from `prev` to `cur` that are not signature machinery.
fn disallowed(prev: &Document, cur: &Document) -> Vec<String> {
    let changed: BTreeSet<ObjectId> = cur
        .objects
        .iter()
        .filter(|(id, o)| prev.objects.get(id) != Some(o))
        .filter(|(_, o)| !is_type(o, b"XRef") && !is_type(o, b"ObjStm"))
        .map(|(id, _)| *id)
        .collect();
    let added: BTreeSet<ObjectId> =
        changed.iter().copied().filter(|id| !prev.objects.contains_key(id)).collect();
    let mut ok: BTreeSet<ObjectId> = BTreeSet::new();

    // Signature dictionaries and fields, and what their appearances use.
    for id in &changed {
        let Some(o) = cur.objects.get(id) else { continue };
        if is_type(o, b"Sig") && added.contains(id) {
            ok.insert(*id);
        }
        let Some(d) = dict_of(o) else { continue };
        let was_empty =
            prev.objects.get(id).and_then(dict_of).is_some_and(|p| is_sig_field(p) && p.get(b"V").is_err());
        if is_sig_field(d) && (added.contains(id) || was_empty) {
            ok.insert(*id);
            if let Ok(ap) = d.get(b"AP") {
                ok.extend(reachable(cur, ap, &added));
            }
            if let Ok(v) = d.get(b"V") {
                ok.extend(
                    reachable(cur, v, &added)
                        .into_iter()
                        .filter(|r| cur.objects.get(r).is_some_and(|o| is_type(o, b"Sig"))),
                );
            }
        }
    }
    let root = cur.trailer.get(b"Root").and_then(Object::as_reference).ok();
    let form_id = root
        .and_then(|r| cur.get_dictionary(r).ok())
        .and_then(|c| c.get(b"AcroForm").and_then(Object::as_reference).ok());
    let ctx = Ctx { prev, cur, ok: &ok, root, form_id };
    let mut lines = Vec::new();
    for id in &changed {
        let Some(o) = cur.objects.get(id) else { continue };
        if !ctx.allowed(*id, o) {
            let what = if added.contains(id) { "added" } else { "changed" };
            lines.push(format!("object {} {} {what} ({})", id.0, id.1, describe(o)));
        }
    }
    for id in prev.objects.keys().filter(|id| !cur.objects.contains_key(id)) {
        lines.push(format!("object {} {} removed", id.0, id.1));
    }
    if prev.trailer.get(b"Info").ok() != cur.trailer.get(b"Info").ok() {
        lines.push("the trailer's /Info changed".into());
    }
    lines
}

struct Ctx<'a> {
    prev: &'a Document,
    cur: &'a Document,
    ok: &'a BTreeSet<ObjectId>,
    root: Option<ObjectId>,
    form_id: Option<ObjectId>,
}

impl Ctx<'_> {
    fn allowed(&self, id: ObjectId, o: &Object) -> bool {
        let before = self.prev.objects.get(&id);
        let pair = before.and_then(dict_of).zip(dict_of(o));
        if self.ok.contains(&id) {
            true
        } else if Some(id) == self.root {
            pair.is_some_and(|(p, c)| without(p, &[b"AcroForm"]) == without(c, &[b"AcroForm"]))
        } else if Some(id) == self.form_id {
            let old =
                before.and_then(dict_of).map(|p| refs(self.prev, p.get(b"Fields").ok())).unwrap_or_default();
            let new = dict_of(o).map(|c| refs(self.cur, c.get(b"Fields").ok())).unwrap_or_default();
            old.iter().all(|f| new.contains(f))
        } else if is_type(o, b"Page") {
            pair.is_some_and(|(p, c)| {
                without(p, &[b"Annots"]) == without(c, &[b"Annots"])
                    && self.only_added(
                        refs(self.prev, p.get(b"Annots").ok()),
                        refs(self.cur, c.get(b"Annots").ok()),
                    )
            })
        } else if let (Ok(new), Some(Ok(old))) = (o.as_array(), before.map(Object::as_array)) {
            // An indirect /Annots array of some page: only allowed widgets added.
            let is_annots = self.cur.objects.values().any(|p| {
                is_type(p, b"Page")
                    && dict_of(p).is_some_and(|d| d.get(b"Annots").ok() == Some(&Object::Reference(id)))
            });
            let ids = |a: &[Object]| a.iter().filter_map(|x| x.as_reference().ok()).collect::<Vec<_>>();
            is_annots && self.only_added(ids(old), ids(new))
        } else {
            false
        }
    }

    /// Every old entry is kept and every new entry is allowed signature machinery.
    fn only_added(&self, old: Vec<ObjectId>, new: Vec<ObjectId>) -> bool {
        old.iter().all(|a| new.contains(a))
            && new.iter().filter(|a| !old.contains(a)).all(|a| self.ok.contains(a))
    }
}
