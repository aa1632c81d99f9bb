//! The standard red round seal: ring, organisation name along the upper arc,
//! five-pointed star in the centre, the seal's name in a line below the star
//! (the layout of GA 241-2000 round official seals).

use ab_glyph::Font;
use tiny_skia::{Color, Paint, Pixmap};

use super::draw::{TextStyle, arc_text, line_text, ring, star};
use super::font::font;
use super::png_io::encode_rgba;
use super::{Picture, PictureError};
use crate::seal::SealKind;

/// Diameter of the generated seal in millimetres.
pub const DIAMETER_MM: u32 = 42;
/// Resolution the picture is rendered at.
pub const DPI: u32 = 300;
/// Seal red (sRGB).
pub const SEAL_RED: [u8; 3] = [0xE6, 0x00, 0x12];

/// Longest organisation name drawn (characters).
const MAX_ORG_CHARS: usize = 40;
/// Longest seal name drawn (characters).
const MAX_NAME_CHARS: usize = 16;

/// The seal's diameter in pixels: 42 mm at 300 dpi, 496 px.
pub(crate) fn diameter_px() -> u32 {
    (f64::from(DIAMETER_MM) / 25.4 * f64::from(DPI)).round() as u32
}

/// Renders a round seal for `org_name` with `seal_name` below the star (the
/// kind's customary name, e.g. "合同专用章", when `seal_name` is empty; an
/// official seal may have no name line). A 42 mm PNG at 300 dpi with a
/// transparent background, in [`SEAL_RED`].
pub fn generate(org_name: &str, seal_name: &str, kind: SealKind) -> Result<Picture, PictureError> {
    let org = org_name.trim();
    if org.is_empty() {
        return Err(PictureError::Text("the organisation name is empty".into()));
    }
    if org.chars().count() > MAX_ORG_CHARS {
        return Err(PictureError::Text(format!(
            "the organisation name is longer than {MAX_ORG_CHARS} characters"
        )));
    }
    let name = match seal_name.trim() {
        "" if kind != SealKind::Official => kind.chinese_name(),
        other => other,
    };
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(PictureError::Text(format!("the seal name is longer than {MAX_NAME_CHARS} characters")));
    }
    let size = diameter_px();
    let mut pixmap = Pixmap::new(size, size).ok_or_else(|| PictureError::Render("canvas".into()))?;
    let mut paint = Paint::default();
    paint.set_color(Color::from_rgba8(SEAL_RED[0], SEAL_RED[1], SEAL_RED[2], 255));
    paint.anti_alias = true;

    let d = size as f32;
    let (cx, cy, rim) = (d / 2.0, d / 2.0, d / 2.0 - 1.0);
    let px_per_mm = d / DIAMETER_MM as f32;
    let ring_width = 1.2 * px_per_mm;
    ring(&mut pixmap, &paint, cx, cy, rim - ring_width / 2.0, ring_width)?;
    let inner = rim - ring_width;

    let font = font()?;
    let center_units = cjk_center(&font);
    let org_style = TextStyle { font: &font, em_px: 0.29 * rim, center_units };
    let text_radius = inner - 0.06 * rim - org_style.em_px / 2.0;
    arc_text(&mut pixmap, &paint, &org_style, org, (cx, cy, text_radius), 240.0)?;

    star(&mut pixmap, &paint, cx, cy, 0.33 * rim)?;

    if !name.is_empty() {
        let name_style = TextStyle { font: &font, em_px: 0.19 * rim, center_units };
        let y = cy + 0.56 * rim;
        let lower_edge = (y - cy) + name_style.em_px / 2.0;
        let half_chord = (inner * inner - lower_edge * lower_edge).max(0.0).sqrt();
        line_text(&mut pixmap, &paint, &name_style, name, (cx, y), 2.0 * half_chord - 0.12 * rim)?;
    }

    let rgba: Vec<u8> = pixmap
        .pixels()
        .iter()
        // One colour is painted, so coverage is the alpha and the colour is exact
        // (demultiplying would round faint edge pixels to other reds).
        .flat_map(|p| [SEAL_RED[0], SEAL_RED[1], SEAL_RED[2], p.alpha()])
        .collect();
    Ok(Picture {
        format: "png".into(),
        data: encode_rgba(size, size, &rgba, DPI)?,
        width_mm: DIAMETER_MM,
        height_mm: DIAMETER_MM,
    })
}

/// The vertical centre of a typical CJK character (国), in font units above the baseline.
fn cjk_center(font: &ab_glyph::FontRef<'static>) -> f32 {
    font.outline(font.glyph_id('国'))
        .map(|o| (o.bounds.min.y + o.bounds.max.y) / 2.0)
        .unwrap_or_else(|| (font.ascent_unscaled() + font.descent_unscaled()) / 2.0)
}
