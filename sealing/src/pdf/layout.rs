//! A small page model on top of printpdf: pages are first laid out as marks
//! (text runs, rules, boxes) measured with the project font's metrics; the
//! characters the marks use decide the font subset; then the marks become
//! printpdf operations and the result is saved.

use std::collections::BTreeSet;

use printpdf::{
    Color, FontId, Line, LineDashPattern, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rgb, TextItem,
};

use lopdf::{Dictionary, Object};

use super::error::{PdfError, Result};
use super::font::{DocumentFont, FontMetrics, subset_tag};

/// A4 width in points.
pub(crate) const PAGE_W: f32 = 595.28;
/// A4 height in points.
pub(crate) const PAGE_H: f32 = 841.89;
/// Left and right margin in points.
pub(crate) const MARGIN_X: f32 = 56.0;
/// Top margin in points.
pub(crate) const MARGIN_TOP: f32 = 60.0;
/// Bottom margin in points (the footer sits inside it).
pub(crate) const MARGIN_BOTTOM: f32 = 60.0;

/// One thing drawn on a page. Coordinates are PDF points from the bottom left.
#[derive(Debug, Clone)]
pub(crate) enum Mark {
    /// A text run with its baseline starting at (x, y).
    Text { x: f32, y: f32, size: f32, text: String },
    /// A straight rule.
    Line { x1: f32, y1: f32, x2: f32, y2: f32, width: f32 },
    /// An outlined box, optionally dashed.
    Frame { x: f32, y: f32, w: f32, h: f32, dashed: bool },
}

/// Pages of marks with a cursor that flows top to bottom.
pub(crate) struct Flow {
    /// The finished and current pages.
    pub pages: Vec<Vec<Mark>>,
    /// Baseline of the next line on the current page.
    pub y: f32,
    metrics: &'static FontMetrics,
}

impl Flow {
    /// An empty document with one page.
    pub fn new() -> Result<Self> {
        Ok(Self { pages: vec![Vec::new()], y: PAGE_H - MARGIN_TOP, metrics: FontMetrics::get()? })
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.metrics.width(text, size)
    }

    /// Index of the current page.
    pub fn page(&self) -> usize {
        self.pages.len() - 1
    }

    /// Starts a new page and puts the cursor at its top.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_H - MARGIN_TOP;
    }

    /// Starts a new page unless `height` points still fit above the bottom margin.
    pub fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < MARGIN_BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    /// Adds a mark to the current page.
    pub fn mark(&mut self, mark: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(mark);
        }
    }

    /// Text with its baseline at `y`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        if !text.is_empty() {
            self.mark(Mark::Text { x, y, size, text: text.to_owned() });
        }
    }

    /// Splits `text` into lines no wider than `width`: CJK text breaks between
    /// any two characters, a run of Latin letters, digits and punctuation
    /// ("GB/T 38540-2020", "12,345.67") only at its ends unless it alone is too wide.
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            for unit in break_units(paragraph) {
                let unit_w = self.width(unit, size);
                if !line.is_empty() && line_w + unit_w > width {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                if unit_w > width {
                    // Too wide for any line: break it between characters.
                    for c in unit.chars() {
                        let c_w = self.width(c.encode_utf8(&mut [0; 4]), size);
                        if !line.is_empty() && line_w + c_w > width {
                            lines.push(std::mem::take(&mut line));
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += c_w;
                    }
                } else {
                    line.push_str(unit);
                    line_w += unit_w;
                }
            }
            lines.push(line);
        }
        lines
    }

    /// A wrapped paragraph at the cursor, flowing onto new pages as needed.
    pub fn paragraph(&mut self, x: f32, size: f32, width: f32, text: &str) {
        let leading = size * 1.6;
        for line in self.wrap(text, size, width) {
            self.ensure(leading);
            self.y -= leading;
            let y = self.y;
            self.text(x, y, size, &line);
        }
    }
}

/// `text` cut where a line may break: each run of non-space ASCII is one
/// piece, every other character (CJK, spaces) a piece of its own.
fn break_units(text: &str) -> Vec<&str> {
    let mut units = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let latin = c.is_ascii_graphic();
        match (start, latin) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                units.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
        if !latin {
            units.push(&text[i..i + c.len_utf8()]);
        }
    }
    if let Some(s) = start {
        units.push(&text[s..]);
    }
    units
}

/// Saves laid-out pages as a PDF with the project font subsetted to the characters used.
pub(crate) fn save(pages: &[Vec<Mark>], title: &str) -> Result<Vec<u8>> {
    let chars: BTreeSet<char> = pages
        .iter()
        .flatten()
        .filter_map(|m| match m {
            Mark::Text { text, .. } => Some(text.chars()),
            _ => None,
        })
        .flatten()
        .collect();
    let font = DocumentFont::for_chars(&chars)?;
    let mut doc = PdfDocument::new(title);
    let font_id = doc.add_font(&font.parsed);
    let pdf_pages = pages.iter().map(|marks| page(marks, &font_id)).collect();
    doc.with_pages(pdf_pages);
    let opts = PdfSaveOptions { optimize: true, subset_fonts: false, secure: true, image_optimization: None };
    let mut warnings = Vec::new();
    let bytes = doc.save(&opts, &mut warnings);
    finish(&bytes)
}

fn page(marks: &[Mark], font: &FontId) -> PdfPage {
    let black = Color::Rgb(Rgb { r: 0.0, g: 0.0, b: 0.0, icc_profile: None });
    let mut ops = vec![Op::SetFillColor { col: black.clone() }, Op::SetOutlineColor { col: black }];
    for mark in marks {
        match mark {
            Mark::Text { x, y, size, text } => {
                ops.extend([
                    Op::StartTextSection,
                    Op::SetFont { font: PdfFontHandle::External(font.clone()), size: Pt(*size) },
                    Op::SetTextCursor { pos: Point { x: Pt(*x), y: Pt(*y) } },
                    Op::ShowText { items: vec![TextItem::Text(text.clone())] },
                    Op::EndTextSection,
                ]);
            }
            Mark::Line { x1, y1, x2, y2, width } => ops.extend([
                Op::SetOutlineThickness { pt: Pt(*width) },
                Op::DrawLine { line: polyline(&[(*x1, *y1), (*x2, *y2)], false) },
            ]),
            Mark::Frame { x, y, w, h, dashed } => {
                let corners = [(*x, *y), (x + w, *y), (x + w, y + h), (*x, y + h)];
                ops.push(Op::SaveGraphicsState);
                ops.push(Op::SetOutlineThickness { pt: Pt(0.6) });
                if *dashed {
                    ops.push(Op::SetLineDashPattern { dash: LineDashPattern::new(0.0, &[3.0, 2.0]) });
                }
                ops.push(Op::DrawLine { line: polyline(&corners, true) });
                ops.push(Op::RestoreGraphicsState);
            }
        }
    }
    PdfPage::new(Mm::from(Pt(PAGE_W)), Mm::from(Pt(PAGE_H)), ops)
}

/// Prefixes `/BaseFont` and `/FontName` with `TAG+` (once).
fn tag_names(d: &mut Dictionary, tag: &str) {
    for key in [&b"BaseFont"[..], b"FontName"] {
        if let Ok(name) = d.get(key).and_then(Object::as_name)
            && name.get(6) != Some(&b'+')
        {
            let mut tagged = format!("{tag}+").into_bytes();
            tagged.extend_from_slice(name);
            d.set(key, Object::Name(tagged));
        }
    }
}

fn polyline(points: &[(f32, f32)], closed: bool) -> Line {
    Line {
        points: points
            .iter()
            .map(|&(x, y)| LinePoint { p: Point { x: Pt(x), y: Pt(y) }, bezier: false })
            .collect(),
        is_closed: closed,
    }
}

/// Post-processes printpdf's output: marks the embedded font program as a
/// subset (`XXXXXX+` tag on `/BaseFont` and `/FontName`, ISO 32000-1 §9.6.4)
/// and declares PDF 1.7.
fn finish(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut doc = lopdf::Document::load_mem(bytes)?;
    // Each font descriptor with an embedded TrueType program gets a tag.
    let mut tags: Vec<(lopdf::ObjectId, String)> = Vec::new();
    for (id, object) in &doc.objects {
        let Ok(d) = object.as_dict() else { continue };
        if d.get_type().ok() != Some(&b"FontDescriptor"[..]) {
            continue;
        }
        let program = d
            .get(b"FontFile2")
            .and_then(Object::as_reference)
            .and_then(|r| doc.get_object(r))
            .and_then(Object::as_stream)
            .map_err(|_| PdfError::Font("printpdf wrote a font descriptor without /FontFile2".into()))?;
        tags.push((*id, subset_tag(&program.content)));
    }
    let tag_of = |d: &Dictionary| {
        let descriptor = d.get(b"FontDescriptor").and_then(Object::as_reference).ok()?;
        tags.iter().find(|(id, _)| *id == descriptor).map(|(_, t)| t.clone())
    };
    // Fonts (simple, CID and Type0 with inline or indirect descendants) take their descriptor's tag.
    let mut edits: Vec<(lopdf::ObjectId, String)> = Vec::new();
    for (id, object) in &doc.objects {
        let Ok(d) = object.as_dict() else { continue };
        if d.get_type().ok() != Some(&b"Font"[..]) {
            continue;
        }
        let descendant = d.get(b"DescendantFonts").and_then(Object::as_array).ok().and_then(|a| a.first());
        let descendant = descendant.and_then(|o| doc.dereference(o).ok()).and_then(|(_, o)| o.as_dict().ok());
        if let Some(tag) = tag_of(d).or_else(|| descendant.and_then(tag_of)) {
            edits.push((*id, tag));
        }
    }
    for (id, tag) in tags.iter().chain(&edits) {
        let d = doc.get_dictionary_mut(*id)?;
        tag_names(d, tag);
        if let Ok(Object::Array(kids)) = d.get_mut(b"DescendantFonts") {
            for kid in kids.iter_mut() {
                if let Object::Dictionary(k) = kid {
                    tag_names(k, tag);
                }
            }
        }
    }
    doc.version = "1.7".into();
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| PdfError::Malformed(format!("saving: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::break_units;

    #[test]
    fn latin_runs_stay_together() {
        assert_eq!(
            break_units("依据 GB/T 38540-2020，¥12,345.67"),
            ["依", "据", " ", "GB/T", " ", "38540-2020", "，", "¥", "12,345.67"]
        );
        assert_eq!(break_units("abc"), ["abc"]);
        assert!(break_units("").is_empty());
    }
}
