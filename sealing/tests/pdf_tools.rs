//! The PDF module checked by independent tools: qpdf (structure), poppler's
//! pdfsig (signature fields and byte ranges), pdffonts (embedded subset font),
//! pdftoppm and pdftotext (the subset really draws and extracts the text).

use crate::common::fixtures::{contract, filing, placement, sign};
use crate::common::tools::{pdfsig, qpdf_check, run, write};
use sealbid_sealing::crypto::{PrivateKey, Signature};
use sealbid_sealing::pdf::PdfError;
use sealbid_sealing::pdf::money::format_yuan;
use sealbid_sealing::pdf::render::SignatureRole;
use sealbid_sealing::pdf::verify::{report, signatures};

#[test]
fn contract_renders_with_an_embedded_subset_font() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rendered = contract(40).render().unwrap();
    assert_eq!(rendered.pages, 3, "40 items make a three-page contract");
    let size = rendered.pdf.len();
    eprintln!("three-page contract: {size} bytes");
    assert!(size < 300 * 1024, "{size} bytes");
    write(d, "contract.pdf", &rendered.pdf);
    qpdf_check(d, "contract.pdf");

    // pdffonts: name type encoding emb sub uni object ID
    let (ok, fonts) = run(d, "pdffonts", &["contract.pdf"]);
    assert!(ok, "{fonts}");
    let font_lines: Vec<&str> = fonts.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert!(!font_lines.is_empty(), "{fonts}");
    for line in &font_lines {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "embedded, subset, ToUnicode: {line}");
        assert!(cols[0].as_bytes()[6] == b'+', "subset tag: {line}");
    }

    // Poppler draws page 1 from the subset: some dark pixels.
    let (ok, text) = run(
        d,
        "pdftoppm",
        &["-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", "contract.pdf", "page"],
    );
    assert!(ok, "{text}");
    let png_bytes = std::fs::read(d.join("page.png")).unwrap();
    let dark = dark_pixels(&png_bytes);
    assert!(dark > 500, "only {dark} dark pixels on page 1");

    // And the text extracts as itself (ToUnicode is right): Chinese, and
    // ASCII drawn with real Latin glyphs, not full-width forms.
    let (ok, text) = run(d, "pdftotext", &["-layout", "contract.pdf", "-"]);
    assert!(ok, "{text}");
    let total = format_yuan(contract(40).total_fen().unwrap());
    assert!(total.contains(',') && total.contains('.'), "{total}");
    let total_line = format!("¥{total}");
    for needle in [
        "药品购销合同",
        "福建省立医院",
        "阿莫西林胶囊",
        "0.25g×24粒",
        "HT-2026-000123",
        "第 3 页 共 3 页",
        "合计金额（大写）：人民币",
        total_line.as_str(),
    ] {
        // pdftotext -layout drops the narrow spaces between CJK and digits.
        let (text, needle) = (text.replace(' ', ""), needle.replace(' ', ""));
        assert!(text.contains(&needle), "{needle:?} not in the extracted text:\n{text}");
    }
    let full_width_alnum = |c: &char| matches!(c, '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ');
    assert!(!text.chars().any(|c| full_width_alnum(&c)), "full-width digits or letters in:\n{text}");
    let places = &rendered.signature_places;
    assert_eq!(
        places.iter().map(|p| p.role).collect::<Vec<_>>(),
        [SignatureRole::Seller, SignatureRole::Buyer, SignatureRole::Regulator]
    );
    assert!(places.iter().all(|p| p.page == 2));
}

fn dark_pixels(png_bytes: &[u8]) -> usize {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    buf[..info.buffer_size()].chunks(channels).filter(|px| px.iter().take(3).all(|&c| c < 100)).count()
}

/// Seller, buyer and regulator sign in turn; every step passes qpdf, and
/// pdfsig and our verifier agree on three signatures covering their revisions.
#[test]
fn three_signatures_countersigned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rendered = contract(40).render().unwrap();
    let mut pdf = rendered.pdf.clone();
    let mut signed_at = Vec::new();
    let keys: Vec<PrivateKey> = (0..3).map(|_| PrivateKey::generate().unwrap()).collect();
    for (i, (place, name)) in
        rendered.signature_places.iter().zip(["seller", "buyer", "regulator"]).enumerate()
    {
        let (prepared, signed) = sign(&pdf, &placement(name, place.page, place.rect), &keys[i]);
        assert!(signed.starts_with(&pdf), "the update only appends");
        assert_eq!(prepared.byte_range[2] + prepared.byte_range[3], signed.len());
        signed_at.push((prepared.byte_range, prepared.digest, signed.len()));
        pdf = signed;
        write(d, &format!("signed{}.pdf", i + 1), &pdf);
        qpdf_check(d, &format!("signed{}.pdf", i + 1));
    }

    let (entries, text) = pdfsig(d, "signed3.pdf");
    assert_eq!(entries.len(), 3, "{text}");
    for (e, ((br, _, len), name)) in
        entries.iter().zip(signed_at.iter().zip(["seller", "buyer", "regulator"]))
    {
        assert_eq!(e.field, name, "{text}");
        assert_eq!(e.ranges, vec![(0, br[1]), (br[2], br[2] + br[3])], "{text}");
        assert_eq!(br[2] + br[3], *len, "covers up to the end of its revision");
    }

    let report = report(&pdf).unwrap();
    assert_eq!(report.revision_ends.len(), 4);
    assert!(report.unsigned_trailing_revisions.is_empty());
    assert_eq!(report.signatures.len(), 3);
    for ((s, (br, digest, len)), key) in report.signatures.iter().zip(&signed_at).zip(&keys) {
        assert!(s.byte_range_ok, "{:?}", s.byte_range_problems);
        assert!(s.modified_after.is_empty(), "{}: {:?}", s.field_name, s.modified_after);
        assert_eq!(&s.byte_range, br);
        assert_eq!(&s.digest, digest);
        assert_eq!(s.revision_end, *len);
        assert_eq!(s.sub_filter.as_deref(), Some("GBT38540.SES_Signature"));
        assert_eq!(s.signer_name.as_deref(), Some("张三"));
        let sig = Signature::from_der(&s.contents).unwrap();
        key.public_key().verify_raw(&s.digest, &sig).unwrap();
    }
}

/// One flipped byte in the first revision changes the digest every signature covers.
#[test]
fn a_flipped_byte_changes_the_covered_digest() {
    let rendered = contract(3).render().unwrap();
    let key = PrivateKey::generate().unwrap();
    let place = &rendered.signature_places[0];
    let (prepared, signed) = sign(&rendered.pdf, &placement("seller", place.page, place.rect), &key);
    // A byte of the binary comment on line 2: structure intact, content changed.
    let mut tampered = signed.clone();
    let at = tampered.iter().position(|&b| b == b'\n').unwrap() + 2;
    tampered[at] ^= 0x01;
    let before = signatures(&signed).unwrap();
    let after = signatures(&tampered).unwrap();
    assert_eq!(before[0].digest, prepared.digest);
    assert_ne!(after[0].digest, prepared.digest);
    let sig = Signature::from_der(&after[0].contents).unwrap();
    assert!(key.public_key().verify_raw(&after[0].digest, &sig).is_err());
}

/// A page content change appended after the last signature is reported for every signature.
#[test]
fn an_unsigned_change_after_signing_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rendered = contract(3).render().unwrap();
    let key = PrivateKey::generate().unwrap();
    let p = &rendered.signature_places;
    let (_, once) = sign(&rendered.pdf, &placement("seller", p[0].page, p[0].rect), &key);
    let (_, twice) = sign(&once, &placement("buyer", p[1].page, p[1].rect), &key);
    let changed = append_page_content_change(&twice);
    write(d, "changed.pdf", &changed);
    qpdf_check(d, "changed.pdf");
    let report = report(&changed).unwrap();
    assert_eq!(report.unsigned_trailing_revisions, vec![changed.len()]);
    for s in &report.signatures {
        assert!(s.byte_range_ok);
        assert_eq!(s.modified_after.len(), 1, "{:?}", s.modified_after);
        assert!(s.modified_after[0].contains("changed"), "{:?}", s.modified_after);
    }
    // Before the change nothing is reported.
    assert!(signatures(&twice).unwrap().iter().all(|s| s.modified_after.is_empty()));
}

/// Appends an incremental update (classic xref table) replacing page 1's first content stream.
fn append_page_content_change(pdf: &[u8]) -> Vec<u8> {
    let doc = lopdf_doc(pdf);
    let page = *doc.get_pages().get(&1).unwrap();
    let content = doc.get_page_contents(page)[0];
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let prev = {
        let tail = &pdf[pdf.len() - 64..];
        let s = String::from_utf8_lossy(tail);
        let after = s.rsplit("startxref").next().unwrap();
        after.split_whitespace().next().unwrap().parse::<usize>().unwrap()
    };
    let mut out = pdf.to_vec();
    let offset = out.len();
    let body = b"q 1 0 0 RG 4 w 60 60 m 500 780 l S Q";
    out.extend_from_slice(
        format!("{} {} obj\n<</Length {}>>\nstream\n", content.0, content.1, body.len()).as_bytes(),
    );
    out.extend_from_slice(body);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{} 1\n{offset:010} {:05} n\r\ntrailer\n<</Size {} /Root {} {} R /Info {} {} R /Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n",
            content.0,
            content.1,
            doc.max_id + 1,
            root.0,
            root.1,
            info.0,
            info.1
        )
        .as_bytes(),
    );
    out
}

fn lopdf_doc(pdf: &[u8]) -> lopdf::Document {
    lopdf::Document::load_mem(pdf).unwrap()
}

/// A file another program wrote with object streams and an xref stream (qpdf
/// rewrites our contract): signed and countersigned, our updates use xref streams.
#[test]
fn foreign_pdf_with_object_streams() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in.pdf", &contract(3).render().unwrap().pdf);
    let (ok, text) = run(d, "qpdf", &["--object-streams=generate", "in.pdf", "objstm.pdf"]);
    assert!(ok, "{text}");
    let foreign = std::fs::read(d.join("objstm.pdf")).unwrap();
    let version: f32 = String::from_utf8_lossy(&foreign[5..8]).parse().unwrap();
    assert!(version >= 1.5, "header {:?}", String::from_utf8_lossy(&foreign[..8]));
    assert!(foreign.windows(7).any(|w| w == b"/ObjStm"), "qpdf made object streams");
    let key = PrivateKey::generate().unwrap();
    let (_, once) = sign(&foreign, &placement("seller", 0, [60.0, 60.0, 180.0, 180.0]), &key);
    let (_, twice) = sign(&once, &placement("buyer", 0, [220.0, 60.0, 340.0, 180.0]), &key);
    assert!(once[foreign.len()..].windows(5).any(|w| w == b"/XRef"), "our update uses an xref stream");
    write(d, "once.pdf", &once);
    write(d, "twice.pdf", &twice);
    qpdf_check(d, "once.pdf");
    qpdf_check(d, "twice.pdf");
    let (entries, text) = pdfsig(d, "twice.pdf");
    assert_eq!(entries.len(), 2, "{text}");
    assert_eq!(entries[1].ranges[1].1, twice.len(), "{text}");
    assert_eq!(entries[0].ranges[1].1, once.len(), "{text}");
    let found = signatures(&twice).unwrap();
    assert!(found.iter().all(|s| s.byte_range_ok && s.modified_after.is_empty()), "{found:?}");
}

/// A filing merges its attachments after the form and refuses to go without a required one.
#[test]
fn filing_merges_attachments() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a1 = contract(3).render().unwrap().pdf;
    write(d, "a.pdf", &a1);
    let (ok, text) = run(d, "qpdf", &["--object-streams=generate", "a.pdf", "b.pdf"]);
    assert!(ok, "{text}");
    let a2 = std::fs::read(d.join("b.pdf")).unwrap();
    let f = filing();
    let err = f.render(&[("药品批准证明文件", a1.as_slice())]).unwrap_err();
    assert!(matches!(&err, PdfError::MissingAttachments(m) if m == &["五年内生产销售情况总结"]), "{err}");
    assert!(err.to_string().contains("五年内生产销售情况总结"));
    let rendered =
        f.render(&[("五年内生产销售情况总结", a2.as_slice()), ("药品批准证明文件", a1.as_slice())]).unwrap();
    assert_eq!(rendered.pages, 3);
    write(d, "filing.pdf", &rendered.pdf);
    qpdf_check(d, "filing.pdf");
    let (ok, text) = run(d, "pdftotext", &["filing.pdf", "-"]);
    assert!(ok, "{text}");
    assert!(text.contains("药品再注册申报") && text.contains("已附") && text.contains("未附"), "{text}");
    let place = &rendered.signature_places[0];
    let key = PrivateKey::generate().unwrap();
    let (_, signed) = sign(&rendered.pdf, &placement("applicant", place.page, place.rect), &key);
    write(d, "filing-signed.pdf", &signed);
    qpdf_check(d, "filing-signed.pdf");
}

/// An annotation added after signing (lopdf writes the incremental update) is
/// reported; a later countersignature in the same position is not.
#[test]
fn a_new_annotation_after_signing_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rendered = contract(3).render().unwrap();
    let key = PrivateKey::generate().unwrap();
    let p = &rendered.signature_places;
    let (_, once) = sign(&rendered.pdf, &placement("seller", p[0].page, p[0].rect), &key);

    let prev = lopdf_doc(&once);
    let page = *prev.get_pages().get(&1).unwrap();
    let mut inc = lopdf::IncrementalDocument::create_from(once.clone(), prev);
    inc.opt_clone_object_to_new_document(page).unwrap();
    inc.new_document.max_id = inc.get_prev_documents().max_id;
    let mut annot = lopdf::Dictionary::new();
    annot.set("Type", lopdf::Object::Name(b"Annot".to_vec()));
    annot.set("Subtype", lopdf::Object::Name(b"Text".to_vec()));
    annot.set("Rect", vec![100.into(), 100.into(), 120.into(), 120.into()]);
    annot.set("Contents", lopdf::Object::string_literal("changed after signing"));
    let note = inc.new_document.add_object(annot);
    let page_dict = inc.new_document.get_object_mut(page).unwrap().as_dict_mut().unwrap();
    page_dict.set("Annots", vec![lopdf::Object::Reference(note)]);
    let mut annotated = Vec::new();
    inc.save_to(&mut annotated).unwrap();
    assert!(annotated.starts_with(&once), "lopdf appended an update");
    write(d, "annotated.pdf", &annotated);
    qpdf_check(d, "annotated.pdf");

    let found = signatures(&annotated).unwrap();
    assert_eq!(found.len(), 1);
    let text = found[0].modified_after.join("\n");
    assert!(text.contains("/Annot /Text"), "{text}");
    assert!(text.contains("/Page"), "the page lost the signature widget: {text}");
}
