//! Drawing primitives for the round seal: ring, star and text (on an arc or in a line).

use ab_glyph::{Font, FontRef};
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

use super::PictureError;
use super::font::glyph;

/// Where and how large text is drawn.
pub(crate) struct TextStyle<'a> {
    pub font: &'a FontRef<'static>,
    /// Em size in pixels.
    pub em_px: f32,
    /// Vertical centre of the characters, in font units above the baseline.
    pub center_units: f32,
}

impl TextStyle<'_> {
    fn scale(&self) -> f32 {
        self.em_px / self.font.units_per_em().unwrap_or(1000.0)
    }
}

/// Draws a ring of stroke `width` whose centre line has radius `r`.
pub(crate) fn ring(
    pixmap: &mut Pixmap,
    paint: &Paint<'_>,
    cx: f32,
    cy: f32,
    r: f32,
    width: f32,
) -> Result<(), PictureError> {
    let path =
        PathBuilder::from_circle(cx, cy, r).ok_or_else(|| PictureError::Render("ring radius".into()))?;
    let stroke = Stroke { width, ..Stroke::default() };
    pixmap.stroke_path(&path, paint, &stroke, Transform::identity(), None);
    Ok(())
}

/// Fills a five-pointed star with outer radius `r`, one point straight up.
pub(crate) fn star(
    pixmap: &mut Pixmap,
    paint: &Paint<'_>,
    cx: f32,
    cy: f32,
    r: f32,
) -> Result<(), PictureError> {
    // Inner radius of a regular pentagram: r · sin 18° / sin 54°.
    let inner = r * (18f32.to_radians().sin() / 54f32.to_radians().sin());
    let mut pb = PathBuilder::new();
    for k in 0..10u8 {
        let radius = if k % 2 == 0 { r } else { inner };
        let angle = (-90.0 + 36.0 * f32::from(k)).to_radians();
        let (x, y) = (cx + radius * angle.cos(), cy + radius * angle.sin());
        if k == 0 {
            pb.move_to(x, y);
        } else {
            pb.line_to(x, y);
        }
    }
    pb.close();
    let path = pb.finish().ok_or_else(|| PictureError::Render("star path".into()))?;
    pixmap.fill_path(&path, paint, FillRule::Winding, Transform::identity(), None);
    Ok(())
}

/// Draws one character centred at the origin of `place`, squeezed
/// horizontally by `squeeze`; `place` then rotates and moves it.
fn character(
    pixmap: &mut Pixmap,
    paint: &Paint<'_>,
    style: &TextStyle<'_>,
    c: char,
    squeeze: f32,
    place: Transform,
) -> Result<(), PictureError> {
    let shape = glyph(style.font, c)?;
    let Some(path) = shape.path else {
        return Ok(());
    };
    let s = style.scale();
    let local =
        Transform::from_translate(-shape.advance / 2.0, -style.center_units).post_scale(s * squeeze, -s);
    pixmap.fill_path(&path, paint, FillRule::Winding, local.post_concat(place), None);
    Ok(())
}

/// Draws `text` along the upper arc of radius `r` around `(cx, cy)`, each
/// character upright towards the rim, centred on the top, the whole spanning
/// at most `max_span_deg` degrees (characters are squeezed to fit).
pub(crate) fn arc_text(
    pixmap: &mut Pixmap,
    paint: &Paint<'_>,
    style: &TextStyle<'_>,
    text: &str,
    (cx, cy, r): (f32, f32, f32),
    max_span_deg: f32,
) -> Result<(), PictureError> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len() as f32;
    // Natural pitch: one em plus a little air, as an angle at radius r.
    let natural = (style.em_px * 1.08 / r).to_degrees();
    let pitch = natural.min(max_span_deg / n);
    let squeeze = (pitch / natural).clamp(0.3, 1.0);
    for (i, &c) in chars.iter().enumerate() {
        let theta = (i as f32 - (n - 1.0) / 2.0) * pitch;
        let rad = theta.to_radians();
        let place = Transform::from_rotate(theta).post_translate(cx + r * rad.sin(), cy - r * rad.cos());
        character(pixmap, paint, style, c, squeeze, place)?;
    }
    Ok(())
}

/// Draws `text` in a straight line centred at `(x, y)`, squeezed so that it
/// is at most `max_width` pixels wide.
pub(crate) fn line_text(
    pixmap: &mut Pixmap,
    paint: &Paint<'_>,
    style: &TextStyle<'_>,
    text: &str,
    (x, y): (f32, f32),
    max_width: f32,
) -> Result<(), PictureError> {
    let s = style.scale();
    let shapes =
        text.chars().map(|c| glyph(style.font, c).map(|g| g.advance * s)).collect::<Result<Vec<_>, _>>()?;
    let natural: f32 = shapes.iter().sum();
    let squeeze = if natural > max_width { (max_width / natural).max(0.3) } else { 1.0 };
    let mut left = x - natural * squeeze / 2.0;
    for (c, advance) in text.chars().zip(shapes) {
        let width = advance * squeeze;
        character(pixmap, paint, style, c, squeeze, Transform::from_translate(left + width / 2.0, y))?;
        left += width;
    }
    Ok(())
}
