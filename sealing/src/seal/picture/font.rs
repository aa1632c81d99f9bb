//! The project font (`sealing/fonts/SealbidSans.ttf`: a GB 2312 subset of
//! Droid Sans Fallback merged with a Latin subset of Noto Sans; see
//! `sealing/fonts/README.md`) as glyph paths.

use ab_glyph::{Font, FontRef, OutlineCurve};
use tiny_skia::{Path, PathBuilder};

use super::PictureError;

static FONT_BYTES: &[u8] = include_bytes!("../../../fonts/SealbidSans.ttf");

/// The parsed project font.
pub(crate) fn font() -> Result<FontRef<'static>, PictureError> {
    FontRef::try_from_slice(FONT_BYTES).map_err(|e| PictureError::Render(format!("the bundled font: {e}")))
}

/// One character's outline in font units (y up), with its advance.
pub(crate) struct GlyphShape {
    /// The outline, or `None` for blank characters (a space).
    pub path: Option<Path>,
    /// Horizontal advance in font units.
    pub advance: f32,
}

/// The outline of `c`; an error if the font has no glyph for it.
pub(crate) fn glyph(font: &FontRef<'_>, c: char) -> Result<GlyphShape, PictureError> {
    let id = font.glyph_id(c);
    if id.0 == 0 && !c.is_whitespace() {
        return Err(PictureError::Text(format!("the font has no glyph for {c:?} (U+{:04X})", u32::from(c))));
    }
    let advance = font.h_advance_unscaled(id);
    let Some(outline) = font.outline(id) else {
        return Ok(GlyphShape { path: None, advance });
    };
    let mut pb = PathBuilder::new();
    let mut last: Option<ab_glyph::Point> = None;
    for curve in &outline.curves {
        let start = match curve {
            OutlineCurve::Line(p, _) | OutlineCurve::Quad(p, _, _) | OutlineCurve::Cubic(p, _, _, _) => *p,
        };
        if last != Some(start) {
            if last.is_some() {
                pb.close();
            }
            pb.move_to(start.x, start.y);
        }
        last = Some(match curve {
            OutlineCurve::Line(_, p1) => {
                pb.line_to(p1.x, p1.y);
                *p1
            }
            OutlineCurve::Quad(_, c, p2) => {
                pb.quad_to(c.x, c.y, p2.x, p2.y);
                *p2
            }
            OutlineCurve::Cubic(_, c1, c2, p3) => {
                pb.cubic_to(c1.x, c1.y, c2.x, c2.y, p3.x, p3.y);
                *p3
            }
        });
    }
    if last.is_some() {
        pb.close();
    }
    Ok(GlyphShape { path: pb.finish(), advance })
}
