//! Regulatory filings (e.g. 药品再注册申报): a form page, a checklist of the
//! required attachments, and the attachments merged after the form.

use super::merge::append_pdfs;
use super::{Party, Rendered, SignaturePlace, SignatureRole};
use crate::pdf::error::{PdfError, Result};
use crate::pdf::layout::{Flow, MARGIN_X, Mark, PAGE_W, save};

/// One attachment the filing lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// The attachment's name as the checklist shows it; attachments passed to
    /// [`Filing::render`] are matched by this name.
    pub name: String,
    /// Whether the filing cannot be submitted without it.
    pub required: bool,
}

/// A filing to a regulator.
#[derive(Debug, Clone, PartialEq)]
pub struct Filing {
    /// The kind of filing, which is also the form's title (e.g. 药品再注册申报).
    pub kind: String,
    /// The filing's reference number.
    pub reference: String,
    /// The organisation filing.
    pub applicant: Party,
    /// The form's fields, label and value, in order.
    pub fields: Vec<(String, String)>,
    /// The attachments the filing lists.
    pub attachments: Vec<Attachment>,
}

const SEAL_BOX: f32 = 150.0;

impl Filing {
    /// Names of the required attachments not among `provided`.
    pub fn missing<'a>(&'a self, provided: &[(&str, &[u8])]) -> Vec<&'a str> {
        self.attachments
            .iter()
            .filter(|a| a.required && !provided.iter().any(|(name, _)| *name == a.name))
            .map(|a| a.name.as_str())
            .collect()
    }

    /// Renders the form page (fields, the checklist marking each attachment
    /// 已附 or 缺, the applicant's and the regulator's seal places) followed
    /// by the pages of each attachment PDF in checklist order, as one
    /// document ready for submission.
    ///
    /// Refuses with [`PdfError::MissingAttachments`] (naming every missing item)
    /// if a required attachment is not provided, with [`PdfError::Model`] if an
    /// attachment is not on the checklist, and with [`PdfError::Malformed`]
    /// naming the attachment if one is not a readable PDF.
    pub fn render(&self, attachments: &[(&str, &[u8])]) -> Result<Rendered> {
        let missing = self.missing(attachments);
        if !missing.is_empty() {
            return Err(PdfError::MissingAttachments(missing.into_iter().map(str::to_owned).collect()));
        }
        if let Some((name, _)) =
            attachments.iter().find(|(n, _)| !self.attachments.iter().any(|a| a.name == *n))
        {
            return Err(PdfError::Model(format!("attachment {name:?} is not on the filing's checklist")));
        }
        let (form, place) = self.form(attachments)?;
        let ordered: Vec<(&str, &[u8])> = self
            .attachments
            .iter()
            .filter_map(|a| attachments.iter().find(|(n, _)| *n == a.name).copied())
            .collect();
        let (pdf, pages) = append_pdfs(&form, &ordered)?;
        Ok(Rendered { pdf, pages, signature_places: place.to_vec() })
    }

    /// Where the seals go on the form rendered with `provided` (the same
    /// places [`Filing::render`] answers with), without merging the
    /// attachments.
    pub fn signature_places(&self, provided: &[(&str, &[u8])]) -> Result<Vec<SignaturePlace>> {
        Ok(self.form(provided)?.1.to_vec())
    }

    /// The form page and its two seal places: the applicant's (right) and
    /// the regulator's approval (left).
    fn form(&self, provided: &[(&str, &[u8])]) -> Result<(Vec<u8>, [SignaturePlace; 2])> {
        let mut f = Flow::new()?;
        let w = PAGE_W - 2.0 * MARGIN_X;
        let tw = f.width(&self.kind, 18.0);
        f.y -= 10.0;
        let y = f.y;
        f.text((PAGE_W - tw) / 2.0, y, 18.0, &self.kind);
        f.y -= 12.0;
        f.paragraph(MARGIN_X, 10.5, w, &format!("申报编号：{}", self.reference));
        f.paragraph(MARGIN_X, 10.5, w, &format!("申报单位：{}", self.applicant.name));
        f.paragraph(MARGIN_X, 10.5, w, &format!("统一社会信用代码：{}", self.applicant.uscc));
        f.paragraph(MARGIN_X, 10.5, w, &format!("地址：{}", self.applicant.address));
        f.y -= 6.0;
        for (label, value) in &self.fields {
            f.paragraph(MARGIN_X, 10.5, w, &format!("{label}：{value}"));
        }
        f.y -= 8.0;
        f.paragraph(MARGIN_X, 12.0, w, "附件清单");
        for (i, a) in self.attachments.iter().enumerate() {
            let present = provided.iter().any(|(n, _)| *n == a.name);
            let status = match (present, a.required) {
                (true, _) => "已附",
                (false, true) => "缺（必需）",
                (false, false) => "未附（非必需）",
            };
            let need = if a.required { "必需" } else { "可选" };
            f.paragraph(MARGIN_X, 10.5, w, &format!("{}. {}（{need}）：{status}", i + 1, a.name));
        }
        f.ensure(SEAL_BOX + 40.0);
        f.y -= 24.0;
        let x = PAGE_W - MARGIN_X - SEAL_BOX;
        let label_y = f.y;
        f.text(x, label_y, 10.5, "申报单位签章");
        f.text(MARGIN_X, label_y, 10.5, "审批机关签章");
        let bottom = label_y - 8.0 - SEAL_BOX;
        f.mark(Mark::Frame { x, y: bottom, w: SEAL_BOX, h: SEAL_BOX, dashed: true });
        f.mark(Mark::Frame { x: MARGIN_X, y: bottom, w: SEAL_BOX, h: SEAL_BOX, dashed: true });
        if f.pages.len() != 1 {
            return Err(PdfError::Model("the filing form does not fit on one page".into()));
        }
        let place = |role, x: f32| SignaturePlace {
            role,
            page: 0,
            rect: [x, bottom, x + SEAL_BOX, bottom + SEAL_BOX],
        };
        let places = [place(SignatureRole::Applicant, x), place(SignatureRole::Regulator, MARGIN_X)];
        Ok((save(&f.pages, &self.reference)?, places))
    }
}
