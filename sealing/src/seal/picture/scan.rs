//! Turning a scanned seal impression into a seal picture.
//!
//! The background is estimated from the image border (its median
//! luminance); a pixel's ink strength is how much darker than the background
//! it is, or how coloured it is, whichever is more. Strength becomes the
//! alpha of a seal-red pixel, with a soft ramp so edges stay anti-aliased.
//! The result is cropped to the ink with a small margin. The impression is
//! taken to be [`super::DIAMETER_MM`] across its longer side.

use image::RgbaImage;

use super::png_io::{decode, encode_rgba};
use super::{DIAMETER_MM, DPI, Picture, PictureError, SEAL_RED};

/// The shortest side an impression may have: a 42 mm seal at 200 dpi is 331 px.
pub const MIN_SIDE_PX: u32 = 300;

/// Ink strength below which a pixel is background.
const INK_LOW: f32 = 0.12;
/// Ink strength from which a pixel is fully ink.
const INK_HIGH: f32 = 0.40;
/// Alpha from which a pixel counts when cropping.
const CROP_ALPHA: u8 = 128;

/// Cleans a PNG or JPEG scan of a seal impression: transparent background,
/// ink in seal red, cropped to the impression. Refuses scans whose
/// impression is under [`MIN_SIDE_PX`] on its shorter side.
pub fn from_scan(bytes: &[u8]) -> Result<Picture, PictureError> {
    let img = decode(bytes)?;
    let (w, h) = img.dimensions();
    if w.min(h) < MIN_SIDE_PX {
        return Err(PictureError::TooSmall { width: w, height: h, min: MIN_SIDE_PX });
    }
    let background = border_luminance(&img);
    let alpha: Vec<u8> = img.pixels().map(|p| ink_alpha(p.0, background)).collect();
    let (x0, y0, x1, y1) = ink_bounds(&alpha, w, h).ok_or(PictureError::NoImpression)?;
    let margin = 4;
    let (x0, y0) = (x0.saturating_sub(margin), y0.saturating_sub(margin));
    let (x1, y1) = ((x1 + margin).min(w - 1), (y1 + margin).min(h - 1));
    let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);
    if cw.min(ch) < MIN_SIDE_PX {
        return Err(PictureError::TooSmall { width: cw, height: ch, min: MIN_SIDE_PX });
    }
    let mut rgba = Vec::with_capacity((cw * ch * 4) as usize);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let a = alpha[(y * w + x) as usize];
            rgba.extend_from_slice(&[SEAL_RED[0], SEAL_RED[1], SEAL_RED[2], a]);
        }
    }
    let long_side = cw.max(ch) as f32;
    let mm = |px: u32| ((px as f32 / long_side) * DIAMETER_MM as f32).round().max(1.0) as u32;
    let dpi = (long_side / (DIAMETER_MM as f32 / 25.4)).round() as u32;
    Ok(Picture {
        format: "png".into(),
        data: encode_rgba(cw, ch, &rgba, dpi.max(DPI / 2))?,
        width_mm: mm(cw),
        height_mm: mm(ch),
    })
}

/// Rec. 601 luminance in `[0, 1]`, with transparent pixels counted as white paper.
fn luminance([r, g, b, a]: [u8; 4]) -> f32 {
    let l = (0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b)) / 255.0;
    let a = f32::from(a) / 255.0;
    l * a + (1.0 - a)
}

/// The median luminance of the outermost pixels (the paper).
fn border_luminance(img: &RgbaImage) -> f32 {
    let (w, h) = img.dimensions();
    let mut values: Vec<f32> = img
        .enumerate_pixels()
        .filter(|(x, y, _)| *x == 0 || *y == 0 || *x == w - 1 || *y == h - 1)
        .map(|(_, _, p)| luminance(p.0))
        .collect();
    values.sort_by(f32::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(1.0).max(0.2)
}

/// Alpha of a pixel: its ink strength through a smooth ramp.
fn ink_alpha(p: [u8; 4], background: f32) -> u8 {
    let darkness = ((background - luminance(p)) / background).max(0.0);
    let [r, g, b, a] = p;
    let chroma = f32::from(r.max(g).max(b) - r.min(g).min(b)) / 255.0 * f32::from(a) / 255.0;
    let t = ((darkness.max(chroma) - INK_LOW) / (INK_HIGH - INK_LOW)).clamp(0.0, 1.0);
    let smooth = t * t * (3.0 - 2.0 * t);
    (smooth * 255.0).round() as u8
}

/// The bounding box `(x0, y0, x1, y1)` of clearly inked pixels.
fn ink_bounds(alpha: &[u8], w: u32, h: u32) -> Option<(u32, u32, u32, u32)> {
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    for y in 0..h {
        for x in 0..w {
            if alpha[(y * w + x) as usize] >= CROP_ALPHA {
                bounds = Some(match bounds {
                    None => (x, y, x, y),
                    Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
                });
            }
        }
    }
    bounds
}
