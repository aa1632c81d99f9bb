//! PNG encoding with the print resolution recorded, and decoding of scans.

use image::{ImageReader, Limits, RgbaImage};
use std::io::Cursor;

use super::PictureError;

/// Largest scan side accepted, in pixels.
pub(crate) const MAX_SIDE_PX: u32 = 8000;

/// Encodes straight (not premultiplied) RGBA8 pixels as PNG with a `pHYs`
/// chunk saying `dpi` dots per inch.
pub(crate) fn encode_rgba(width: u32, height: u32, rgba: &[u8], dpi: u32) -> Result<Vec<u8>, PictureError> {
    let render = |e: png::EncodingError| PictureError::Render(e.to_string());
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        // pHYs is in pixels per metre: dpi / 0.0254.
        let ppm = (f64::from(dpi) / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions { xppu: ppm, yppu: ppm, unit: png::Unit::Meter }));
        let mut writer = encoder.write_header().map_err(render)?;
        writer.write_image_data(rgba).map_err(render)?;
        writer.finish().map_err(render)?;
    }
    Ok(out)
}

/// Decodes a PNG or JPEG scan to RGBA8, refusing anything larger than
/// [`MAX_SIDE_PX`] a side before allocating it.
pub(crate) fn decode(bytes: &[u8]) -> Result<RgbaImage, PictureError> {
    let decode = |e: image::ImageError| PictureError::Decode(e.to_string());
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PictureError::Decode(e.to_string()))?;
    match reader.format() {
        Some(image::ImageFormat::Png | image::ImageFormat::Jpeg) => {}
        _ => return Err(PictureError::Decode("only PNG and JPEG scans are accepted".into())),
    }
    let (width, height) = reader.into_dimensions().map_err(decode)?;
    if width > MAX_SIDE_PX || height > MAX_SIDE_PX {
        return Err(PictureError::TooLarge { width, height, max: MAX_SIDE_PX });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PictureError::Decode(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    reader.limits(limits);
    Ok(reader.decode().map_err(decode)?.to_rgba8())
}
