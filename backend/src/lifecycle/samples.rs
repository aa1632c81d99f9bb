//! Seal image samples of an application (seed 004, 印章采集: three
//! impressions of the unit's seal, scanned at 200 dpi or more).
//!
//! Each sample arrives base64-encoded in the form's `seal_samples` (at most
//! [`MAX_SAMPLES`]) and must be a PNG or JPEG of at most
//! [`MAX_SAMPLE_BYTES`] that decodes completely. Its resolution: a PNG
//! whose `pHYs` chunk states a physical density must have at least
//! [`MIN_DPI`] dots per inch in both directions; any other image must be at
//! least [`MIN_SHORT_SIDE`] pixels on its short side. The first failure is
//! a 400 naming the sample, as `seal_samples[N]` (N from 1).
//!
//! Samples are stored as uploaded with their application; only a CA
//! operator fetches them (`GET /api/v1/applications/{id}/seal-samples/{n}`).

use std::io::Cursor;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use base64ct::{Base64, Encoding};
use image::{ImageFormat, ImageReader, Limits};

use super::Operator;
use super::store;
use crate::server::{ApiError, AppState};

/// Most samples one application carries (the form has three boxes).
pub const MAX_SAMPLES: usize = 3;
/// Largest sample accepted, bytes after base64 decoding.
pub const MAX_SAMPLE_BYTES: usize = 1 << 20;
/// Least resolution a PNG may state (seed 004: 扫描件分辨率在200dpi以上).
pub const MIN_DPI: u32 = 200;
/// Least short side, pixels, of a sample that states no resolution.
pub const MIN_SHORT_SIDE: u32 = 400;
/// Largest width or height decoded (a guard against decompression bombs).
const MAX_SIDE: u32 = 8000;
/// Most memory one sample's decoding may allocate: an A4 page scanned at
/// 300 dpi in RGBA is 35 MiB. Without it an 8000 × 8000 16-bit RGBA header
/// (a few hundred bytes) would have the decoder allocate 512 MiB.
const MAX_DECODE_BYTES: u64 = 64 << 20;

/// A checked sample.
#[derive(Debug, Clone)]
pub struct SealSample {
    /// `image/png` or `image/jpeg`.
    pub media_type: &'static str,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// The resolution a PNG states, dots per inch (the lesser direction).
    pub dpi: Option<u32>,
    /// The file as uploaded.
    pub data: Vec<u8>,
}

fn bad(n: usize, why: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("seal_samples[{n}]: {why}"))
}

/// Decodes and checks every sample; the error names the first bad one.
pub fn parse_all(encoded: &[String]) -> Result<Vec<SealSample>, ApiError> {
    if encoded.len() > MAX_SAMPLES {
        return Err(ApiError::BadRequest(format!(
            "seal_samples: at most {MAX_SAMPLES} samples, got {}",
            encoded.len()
        )));
    }
    encoded.iter().enumerate().map(|(i, text)| parse(i + 1, text)).collect()
}

/// Checks sample number `n` (from 1).
fn parse(n: usize, text: &str) -> Result<SealSample, ApiError> {
    if text.len() > MAX_SAMPLE_BYTES.div_ceil(3) * 4 {
        return Err(bad(n, format!("larger than {MAX_SAMPLE_BYTES} bytes")));
    }
    let data = Base64::decode_vec(text.trim()).map_err(|_| bad(n, "is not standard base64"))?;
    let format = image::guess_format(&data).map_err(|_| bad(n, "is not a PNG or JPEG image"))?;
    let media_type = match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        other => return Err(bad(n, format!("is {other:?}; only PNG and JPEG are accepted"))),
    };
    let mut reader = ImageReader::with_format(Cursor::new(&data), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| bad(n, format!("does not decode as an image: {e}")))?;
    let (width, height) = (img.width(), img.height());
    let dpi = if format == ImageFormat::Png { png_dpi(&data) } else { None };
    match dpi {
        Some(d) if d < MIN_DPI => {
            return Err(bad(n, format!("scanned at {d} dpi; at least {MIN_DPI} dpi is required")));
        }
        Some(_) => {}
        None if width.min(height) < MIN_SHORT_SIDE => {
            return Err(bad(
                n,
                format!(
                    "{width}×{height} pixels states no resolution; without one, at least {MIN_SHORT_SIDE} \
                     pixels on the short side are required"
                ),
            ));
        }
        None => {}
    }
    Ok(SealSample { media_type, width, height, dpi, data })
}

/// The density a PNG's `pHYs` chunk states in metres (unit 1), as dots per
/// inch of the lesser direction; `None` without one (ISO/IEC 15948 §11.3.5.3).
fn png_dpi(png: &[u8]) -> Option<u32> {
    let mut at = 8; // the signature
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().ok()?) as usize;
        let kind = &png[at + 4..at + 8];
        let body = png.get(at + 8..at + 8 + len)?;
        match kind {
            b"pHYs" if len == 9 && body[8] == 1 => {
                let x = u32::from_be_bytes(body[0..4].try_into().ok()?);
                let y = u32::from_be_bytes(body[4..8].try_into().ok()?);
                // 1 inch = 0.0254 m, rounded to the nearest dot.
                return Some(((u64::from(x.min(y)) * 254 + 5000) / 10000) as u32);
            }
            b"IDAT" | b"IEND" => return None,
            _ => at += 12 + len,
        }
    }
    None
}

/// `GET /api/v1/applications/{id}/seal-samples/{n}` (operator): the sample as uploaded.
pub(super) async fn fetch(
    _op: Operator,
    State(s): State<AppState>,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((id, n)) =
        path.map_err(|_| ApiError::BadRequest("path: an application number and a sample number".into()))?;
    if !(1..=MAX_SAMPLES as i64).contains(&n) {
        return Err(ApiError::BadRequest(format!("n: samples are numbered 1 to {MAX_SAMPLES}, got {n}")));
    }
    let Some((media_type, data)) = store::sample(&s.db, id, n).await? else {
        return Err(ApiError::NotFound(format!("application {id} has no seal sample {n}")));
    };
    Ok(([(CONTENT_TYPE, media_type)], data).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, dpm: Option<u32>) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(width, height, image::Rgb([200, 0, 0]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        if let Some(d) = dpm {
            // pHYs goes right after IHDR (8 signature + 25 IHDR bytes).
            let mut chunk = b"pHYs".to_vec();
            chunk.extend(d.to_be_bytes());
            chunk.extend(d.to_be_bytes());
            chunk.push(1);
            let crc = crc32(&chunk);
            let mut all = 9u32.to_be_bytes().to_vec();
            all.extend(&chunk);
            all.extend(crc.to_be_bytes());
            out.splice(33..33, all);
        }
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }

    fn b64(data: &[u8]) -> String {
        Base64::encode_string(data)
    }

    #[test]
    fn resolution_rules() {
        // 11811 dots per metre = 300 dpi; 2835 = 72 dpi.
        let ok = parse(1, &b64(&png(100, 100, Some(11811)))).unwrap();
        assert_eq!((ok.dpi, ok.media_type), (Some(300), "image/png"));
        let low = parse(2, &b64(&png(1000, 1000, Some(2835)))).unwrap_err().to_string();
        assert!(low.contains("seal_samples[2]") && low.contains("72 dpi"), "{low}");
        assert!(parse(1, &b64(&png(400, 500, None))).is_ok());
        let small = parse(3, &b64(&png(399, 500, None))).unwrap_err().to_string();
        assert!(small.contains("seal_samples[3]") && small.contains("400"), "{small}");
    }

    /// A decompression bomb: a tiny PNG whose header claims 7,000 × 7,000
    /// 16-bit RGBA (392 MB decoded) is refused before anything is allocated.
    #[test]
    fn a_header_claiming_a_huge_image_is_refused() {
        let mut bomb = png(400, 400, None);
        // IHDR data: width, height, bit depth, colour type at bytes 16..26.
        bomb[16..20].copy_from_slice(&7000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&7000u32.to_be_bytes());
        bomb[24] = 16;
        bomb[25] = 6;
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let why = parse(1, &b64(&bomb)).unwrap_err().to_string();
        assert!(why.contains("seal_samples[1]") && why.contains("does not decode"), "{why}");
        assert!(why.to_lowercase().contains("limit"), "the memory limit is named: {why}");
    }

    #[test]
    fn not_an_image_or_not_base64() {
        assert!(parse(1, "@@@").unwrap_err().to_string().contains("base64"));
        assert!(parse(1, &b64(b"hello world")).unwrap_err().to_string().contains("PNG or JPEG"));
        let mut cut = png(400, 400, None);
        cut.truncate(60);
        assert!(parse(1, &b64(&cut)).unwrap_err().to_string().contains("does not decode"));
        let four = vec![b64(&png(400, 400, None)); 4];
        assert!(parse_all(&four).unwrap_err().to_string().contains("at most 3"));
    }
}
