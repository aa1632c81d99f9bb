//! The seal picture: PNG → image XObject (DeviceRGB, Flate) with its alpha
//! channel as a soft mask (ISO 32000-1 §11.6.5.3), so a red round seal shows
//! the page through its transparent parts.

use std::io::{Cursor, Write};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::{Dictionary, Object, Stream};

use crate::pdf::error::{PdfError, Result};

/// Largest picture side accepted, in pixels.
const MAX_SIDE: u32 = 4096;

/// The colour image and, if the PNG has transparency, its soft mask.
pub(super) struct Picture {
    pub image: Stream,
    pub smask: Option<Stream>,
}

/// Decodes a PNG (any bit depth and colour type) into PDF image streams.
pub(super) fn from_png(png_bytes: &[u8]) -> Result<Picture> {
    let bad = |e: String| PdfError::Picture(e);
    let mut decoder = png::Decoder::new(Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| bad(e.to_string()))?;
    let (w, h) = (reader.info().width, reader.info().height);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(bad(format!("{w}×{h} pixels is outside 1..={MAX_SIDE} per side")));
    }
    let size = reader.output_buffer_size().ok_or_else(|| bad("image too large".into()))?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(|e| bad(e.to_string()))?;
    let data = &buf[..frame.buffer_size()];
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(bad("palette not expanded".into())),
    };
    let pixels = (w as usize) * (h as usize);
    if data.len() < pixels * channels {
        return Err(bad("truncated pixel data".into()));
    }
    let mut rgb = Vec::with_capacity(pixels * 3);
    let mut alpha = Vec::with_capacity(pixels);
    for px in data.chunks_exact(channels).take(pixels) {
        match channels {
            1 | 2 => rgb.extend_from_slice(&[px[0], px[0], px[0]]),
            _ => rgb.extend_from_slice(&px[..3]),
        }
        if channels % 2 == 0 {
            alpha.push(px[channels - 1]);
        }
    }
    let has_alpha = !alpha.is_empty() && alpha.iter().any(|&a| a != 255);
    let image = image_stream(w, h, b"DeviceRGB", &rgb)?;
    let smask = if has_alpha { Some(image_stream(w, h, b"DeviceGray", &alpha)?) } else { None };
    Ok(Picture { image, smask })
}

fn image_stream(w: u32, h: u32, color_space: &[u8], samples: &[u8]) -> Result<Stream> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(samples).map_err(|e| PdfError::Picture(e.to_string()))?;
    let content = z.finish().map_err(|e| PdfError::Picture(e.to_string()))?;
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Image".to_vec()));
    dict.set("Width", Object::Integer(i64::from(w)));
    dict.set("Height", Object::Integer(i64::from(h)));
    dict.set("ColorSpace", Object::Name(color_space.to_vec()));
    dict.set("BitsPerComponent", Object::Integer(8));
    dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    Ok(Stream::new(dict, content))
}
