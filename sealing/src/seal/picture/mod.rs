//! Seal pictures: PNG with a transparent background, in seal red, and their
//! display size in millimetres (what `SES_ESPictrueInfo` carries).
//!
//! [`Picture`] is always here; drawing ([`generate`]) and cleaning a scan
//! ([`from_scan`]) need the `pdf` feature.

#[cfg(feature = "pdf")]
mod draw;
#[cfg(feature = "pdf")]
mod font;
#[cfg(feature = "pdf")]
mod generate;
#[cfg(feature = "pdf")]
mod png_io;
#[cfg(feature = "pdf")]
mod scan;

#[cfg(all(test, feature = "pdf"))]
mod tests;

#[cfg(feature = "pdf")]
pub use generate::{DIAMETER_MM, DPI, SEAL_RED, generate};
#[cfg(feature = "pdf")]
pub use scan::{MIN_SIDE_PX, from_scan};

/// A seal picture and its display size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Image format as GB/T 38540 names it (`"png"`).
    pub format: String,
    /// The image file.
    pub data: Vec<u8>,
    /// Display width in millimetres.
    pub width_mm: u32,
    /// Display height in millimetres.
    pub height_mm: u32,
}

/// Why a seal picture could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PictureError {
    /// The text to draw is unusable (empty organisation name, characters the font lacks…).
    #[error("cannot draw the seal text: {0}")]
    Text(String),
    /// The scan is not a PNG or JPEG image that decodes.
    #[error("the scan is not a readable PNG or JPEG image: {0}")]
    Decode(String),
    /// The scan (or the impression in it) is too small for print quality.
    #[error(
        "the scan is too small: the impression is {width}×{height} px, at least {min} px on the shorter side is needed \
         (scan at 200 dpi or more)"
    )]
    TooSmall {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The minimum for the shorter side.
        min: u32,
    },
    /// The scan is larger than sealbid accepts.
    #[error("the scan is too large: {width}×{height} px (at most {max} px a side)")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The maximum for either side.
        max: u32,
    },
    /// No ink was found on the scan.
    #[error("no seal impression found: the scan has no ink darker or more coloured than its background")]
    NoImpression,
    /// Drawing or encoding failed.
    #[error("cannot render the seal picture: {0}")]
    Render(String),
}
