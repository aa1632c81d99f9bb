//! The project font (`fonts/SealbidSans.ttf`), subsetted per document.
//!
//! printpdf built without its HTML layout engine embeds whatever font program
//! it is given, so the subsetting happens here, with the same `allsorts`
//! subsetter printpdf uses in its full build: the document's characters are
//! collected first, the font is cut down to their glyphs (plus `.notdef`),
//! and printpdf receives the subset.
//!
//! The font merges a GB 2312 subset of Droid Sans Fallback with a Latin
//! subset of Noto Sans (printable ASCII, Latin-1, `…—‘’“”`), so every
//! character is drawn and extracted as itself.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use printpdf::ParsedFont;

use super::error::{PdfError, Result};

/// The TrueType font shipped with the project (see `fonts/README.md`).
pub(crate) const FONT_BYTES: &[u8] = include_bytes!("../../fonts/SealbidSans.ttf");

/// Character → glyph id and glyph advances of the full project font, parsed once.
/// Layout measures with these; the subset keeps the same advances.
pub(crate) struct FontMetrics {
    glyph_of: BTreeMap<u32, u16>,
    advance: BTreeMap<u16, u16>,
    units_per_em: f32,
}

impl FontMetrics {
    /// The project font's metrics (parsed on first use).
    pub fn get() -> Result<&'static FontMetrics> {
        static FULL: OnceLock<Option<FontMetrics>> = OnceLock::new();
        FULL.get_or_init(|| {
            let mut warnings = Vec::new();
            ParsedFont::from_bytes(FONT_BYTES, 0, &mut warnings).map(|f| FontMetrics {
                glyph_of: f.codepoint_to_glyph,
                advance: f.glyph_widths,
                units_per_em: f32::from(f.units_per_em.max(1)),
            })
        })
        .as_ref()
        .ok_or_else(|| PdfError::Font("the project font does not parse".into()))
    }

    /// Width of `text` at `size` points (a character the font lacks counts as half an em;
    /// rendering refuses such text anyway).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| {
                self.glyph_of
                    .get(&(c as u32))
                    .and_then(|g| self.advance.get(g))
                    .map_or(self.units_per_em / 2.0, |&w| f32::from(w))
            })
            .sum();
        units * size / self.units_per_em
    }
}

/// A per-document subset of the project font, ready for printpdf.
pub(crate) struct DocumentFont {
    /// The subset, parsed (its cmap maps the document's characters to renumbered glyphs).
    pub parsed: ParsedFont,
}

impl DocumentFont {
    /// Subsets the project font to `chars`; control characters are ignored.
    pub fn for_chars(chars: &BTreeSet<char>) -> Result<Self> {
        let full = FontMetrics::get()?;
        let mut gids = BTreeSet::new();
        for &c in chars.iter().filter(|c| !c.is_control()) {
            match full.glyph_of.get(&(c as u32)) {
                Some(&g) => {
                    gids.insert(g);
                }
                None => return Err(PdfError::MissingGlyph(c, c as u32)),
            }
        }
        gids.remove(&0);
        let ids: Vec<u16> = std::iter::once(0).chain(gids).collect();
        let bytes = subset_bytes(&ids)?;
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(&bytes, 0, &mut warnings)
            .ok_or_else(|| PdfError::Font("the subset font does not parse".into()))?;
        Ok(Self { parsed })
    }
}

fn subset_bytes(ids: &[u16]) -> Result<Vec<u8>> {
    let font_file =
        ReadScope::new(FONT_BYTES).read::<FontData<'_>>().map_err(|e| PdfError::Font(e.to_string()))?;
    let provider = font_file.table_provider(0).map_err(|e| PdfError::Font(e.to_string()))?;
    subset(&provider, ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| PdfError::Font(e.to_string()))
}

/// The `XXXXXX+` subset tag (ISO 32000-1 §9.6.4) for a font program: six
/// capital letters derived from its SM3 digest, so equal subsets get equal tags.
pub(crate) fn subset_tag(program: &[u8]) -> String {
    sealbid_crypto::sm3(program).iter().take(6).map(|b| char::from(b'A' + b % 26)).collect()
}
