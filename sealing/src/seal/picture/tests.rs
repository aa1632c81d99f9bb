//! Tests of seal pictures: the generated seal and cleaned scans, decoded independently with `image`.

use image::RgbaImage;
use tiny_skia::{Color, Paint, PathBuilder, Pixmap, Stroke, Transform};

use super::*;
use crate::seal::SealKind;

fn decode_png(bytes: &[u8]) -> RgbaImage {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    image::load_from_memory_with_format(bytes, image::ImageFormat::Png).unwrap().to_rgba8()
}

fn is_seal_red(p: [u8; 4]) -> bool {
    p == [SEAL_RED[0], SEAL_RED[1], SEAL_RED[2], 255]
}

#[test]
fn generated_seal_is_a_42mm_red_round_seal() {
    let pic = generate("某某医药股份有限公司", "合同专用章", SealKind::Contract).unwrap();
    assert_eq!((pic.format.as_str(), pic.width_mm, pic.height_mm), ("png", 42, 42));
    let img = decode_png(&pic.data);
    assert_eq!(img.dimensions(), (496, 496));
    for (x, y) in [(0, 0), (495, 0), (0, 495), (495, 495), (20, 20)] {
        assert_eq!(img.get_pixel(x, y).0[3], 0, "corner ({x},{y}) is not transparent");
    }
    // The ring: top, bottom, left and right, 1.2 mm ≈ 14 px wide from the rim.
    for (x, y) in [(248, 8), (248, 487), (8, 248), (487, 248)] {
        assert!(is_seal_red(img.get_pixel(x, y).0), "ring pixel ({x},{y}) is {:?}", img.get_pixel(x, y).0);
    }
    // Just inside the ring, between ring and text, is transparent.
    assert_eq!(img.get_pixel(248, 248 + 225).0[3], 0);
    assert!(is_seal_red(img.get_pixel(248, 248).0), "star centre is {:?}", img.get_pixel(248, 248).0);
    // The star's upper point reaches ~0.33 R above the centre.
    assert!(is_seal_red(img.get_pixel(248, 248 - 70).0));
    // Only seal red is used, at any alpha.
    assert!(img.pixels().all(|p| p.0[3] == 0 || p.0[..3] == SEAL_RED));
}

#[test]
fn text_is_drawn_on_the_arc_and_below_the_star() {
    let count = |img: &RgbaImage, ys: std::ops::Range<u32>, xs: std::ops::Range<u32>| {
        ys.flat_map(|y| xs.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0[3] > 128)
            .count()
    };
    let with_text =
        decode_png(&generate("某某医药股份有限公司", "合同专用章", SealKind::Contract).unwrap().data);
    let no_name = decode_png(&generate("某某医药股份有限公司", "", SealKind::Official).unwrap().data);
    let other_org = decode_png(&generate("另一家医院", "合同专用章", SealKind::Contract).unwrap().data);
    // Upper band (organisation name): ink near the top, inside the ring.
    assert!(count(&with_text, 30..100, 150..346) > 1500);
    // Name line below the star.
    assert!(count(&with_text, 360..420, 150..346) > 1000);
    assert_eq!(count(&no_name, 360..420, 150..346), 0, "an official seal without a name has no name line");
    assert_ne!(with_text, other_org);
}

#[test]
fn characters_missing_from_the_font_and_empty_names_are_refused() {
    assert!(matches!(generate("😀公司", "", SealKind::Official), Err(PictureError::Text(_))));
    assert!(matches!(generate("  ", "", SealKind::Official), Err(PictureError::Text(_))));
}

#[test]
fn generated_png_records_300_dpi() {
    let pic = generate("某某公司", "", SealKind::Official).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(pic.data));
    let reader = decoder.read_info().unwrap();
    let dims = reader.info().pixel_dims.unwrap();
    assert_eq!((dims.xppu, dims.unit), (11811, png::Unit::Meter));
}

/// A white page with a dark blue-ish ring and disc (an impression in blue ink) drawn with tiny-skia.
fn synthetic_scan(width: u32, height: u32, radius: f32) -> Pixmap {
    let mut page = Pixmap::new(width, height).unwrap();
    page.fill(Color::from_rgba8(250, 250, 245, 255));
    let mut ink = Paint::default();
    ink.set_color(Color::from_rgba8(30, 40, 110, 255));
    let (cx, cy) = (width as f32 / 2.0 + 20.0, height as f32 / 2.0);
    let ring = PathBuilder::from_circle(cx, cy, radius).unwrap();
    page.stroke_path(&ring, &ink, &Stroke { width: 12.0, ..Stroke::default() }, Transform::identity(), None);
    let disc = PathBuilder::from_circle(cx, cy, radius / 4.0).unwrap();
    page.fill_path(&disc, &ink, tiny_skia::FillRule::Winding, Transform::identity(), None);
    page
}

#[test]
fn scan_becomes_transparent_red_and_cropped() {
    let scan = synthetic_scan(700, 600, 180.0);
    let pic = from_scan(&scan.encode_png().unwrap()).unwrap();
    let img = decode_png(&pic.data);
    let (w, h) = img.dimensions();
    // Ring of radius 180 and width 12: 372 px across, plus the 4 px margin each side.
    assert!((370..=384).contains(&w) && (370..=384).contains(&h), "cropped to {w}×{h}");
    assert_eq!((pic.width_mm, pic.height_mm), (42, 42));
    for (x, y) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w / 2, h / 2 - 90)] {
        assert_eq!(img.get_pixel(x, y).0[3], 0, "({x},{y}) should be transparent");
    }
    let (cx, cy) = (w / 2, h / 2);
    assert!(is_seal_red(img.get_pixel(cx, cy).0), "disc centre is {:?}", img.get_pixel(cx, cy).0);
    assert!(is_seal_red(img.get_pixel(cx, cy - 180).0), "ring top is {:?}", img.get_pixel(cx, cy - 180).0);
}

#[test]
fn jpeg_scans_are_accepted() {
    let scan = synthetic_scan(640, 640, 200.0);
    let rgb: Vec<u8> = scan
        .pixels()
        .iter()
        .flat_map(|p| [p.demultiply().red(), p.demultiply().green(), p.demultiply().blue()])
        .collect();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode(&rgb, 640, 640, image::ExtendedColorType::Rgb8)
        .unwrap();
    let img = decode_png(&from_scan(&jpeg).unwrap().data);
    let (w, h) = img.dimensions();
    assert!((405..=430).contains(&w) && (405..=430).contains(&h), "cropped to {w}×{h}");
    assert_eq!(img.get_pixel(0, 0).0[3], 0);
    assert_eq!(img.get_pixel(w / 2, h / 2).0[3], 255);
}

#[test]
fn small_blank_and_unreadable_scans_are_refused() {
    let small = synthetic_scan(280, 280, 100.0);
    assert!(matches!(
        from_scan(&small.encode_png().unwrap()),
        Err(PictureError::TooSmall { width: 280, .. })
    ));
    let tiny_impression = synthetic_scan(800, 800, 60.0);
    assert!(matches!(from_scan(&tiny_impression.encode_png().unwrap()), Err(PictureError::TooSmall { .. })));
    let mut blank = Pixmap::new(400, 400).unwrap();
    blank.fill(Color::WHITE);
    assert_eq!(from_scan(&blank.encode_png().unwrap()), Err(PictureError::NoImpression));
    assert!(matches!(from_scan(b"not an image"), Err(PictureError::Decode(_))));
}

#[test]
#[ignore = "writes sample pictures to $SEALBID_SEAL_SAMPLES for a visual check"]
fn write_samples() {
    let dir = std::path::PathBuf::from(std::env::var("SEALBID_SEAL_SAMPLES").unwrap());
    let pic = generate("福建某某医药股份有限公司", "合同专用章", SealKind::Contract).unwrap();
    std::fs::write(dir.join("contract.png"), pic.data).unwrap();
    let pic = generate("国家药品监督管理局", "", SealKind::Official).unwrap();
    std::fs::write(dir.join("official.png"), pic.data).unwrap();
    let scan = synthetic_scan(700, 600, 180.0);
    std::fs::write(dir.join("scan-in.png"), scan.encode_png().unwrap()).unwrap();
    std::fs::write(dir.join("scan-out.png"), from_scan(&scan.encode_png().unwrap()).unwrap().data).unwrap();
}
