//! The PDF module's one error type.

/// What went wrong rendering, signing or verifying a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The input is not a PDF this module can read; the message names the problem.
    #[error("malformed PDF: {0}")]
    Malformed(String),
    /// The PDF uses a feature this module refuses to handle (encryption, an old version).
    #[error("unsupported PDF: {0}")]
    Unsupported(String),
    /// The requested placement or field does not fit the document.
    #[error("invalid placement: {0}")]
    Placement(String),
    /// The seal picture is not a PNG this module can embed.
    #[error("invalid seal picture: {0}")]
    Picture(String),
    /// The signature is larger than the space reserved for it.
    #[error("signature of {needed} bytes does not fit the {reserved} bytes reserved")]
    SignatureTooLarge {
        /// Bytes the DER signature needs.
        needed: usize,
        /// Bytes reserved in `/Contents`.
        reserved: usize,
    },
    /// A document model is incomplete or inconsistent; the message says which field.
    #[error("invalid document: {0}")]
    Model(String),
    /// A filing cannot be submitted because required attachments are missing.
    #[error("filing is missing required attachments: {}", .0.join("、"))]
    MissingAttachments(Vec<String>),
    /// The text uses a character the project font does not have.
    #[error("the font has no glyph for {0:?} (U+{1:04X})")]
    MissingGlyph(char, u32),
    /// The font subsetter failed.
    #[error("font subsetting failed: {0}")]
    Font(String),
}

impl From<lopdf::Error> for PdfError {
    fn from(e: lopdf::Error) -> Self {
        PdfError::Malformed(e.to_string())
    }
}

/// Result with [`PdfError`].
pub type Result<T> = std::result::Result<T, PdfError>;
