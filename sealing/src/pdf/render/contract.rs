//! The drug purchase contract (药品购销合同) concluded after an award.

use super::{Rendered, SignaturePlace, SignatureRole};
use crate::crypto::Uscc;
use crate::pdf::error::{PdfError, Result};
use crate::pdf::layout::{Flow, MARGIN_BOTTOM, MARGIN_X, Mark, PAGE_W, save};
use crate::pdf::money::{amount_in_words, format_yuan};

/// A contracting organisation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Registered name.
    pub name: String,
    /// Unified social credit code.
    pub uscc: Uscc,
    /// Registered address.
    pub address: String,
}

/// One line of the contract: a drug, its quantity and price.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Generic name (通用名).
    pub generic_name: String,
    /// Dosage form (剂型), e.g. 片剂.
    pub dosage_form: String,
    /// Specification (规格), e.g. 0.25g×24片.
    pub specification: String,
    /// Unit of sale (单位), e.g. 盒.
    pub unit: String,
    /// Quantity in units.
    pub quantity: u64,
    /// Unit price in fen.
    pub unit_price_fen: i64,
}

impl Item {
    /// Quantity × unit price in fen, or `None` on overflow.
    pub fn amount_fen(&self) -> Option<i64> {
        i64::try_from(self.quantity).ok()?.checked_mul(self.unit_price_fen)
    }
}

/// A purchase contract between a hospital (buyer) and a manufacturer (seller).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Contract number.
    pub number: String,
    /// The tender this contract results from.
    pub tender_reference: String,
    /// The buying hospital (甲方).
    pub buyer: Party,
    /// The selling manufacturer (乙方).
    pub seller: Party,
    /// The drugs bought.
    pub items: Vec<Item>,
    /// Delivery terms.
    pub delivery_terms: String,
    /// Payment terms.
    pub payment_terms: String,
}

const COLS: [(&str, f32); 8] = [
    ("序号", 28.0),
    ("通用名", 92.0),
    ("剂型", 44.0),
    ("规格", 80.0),
    ("单位", 30.0),
    ("数量", 50.0),
    ("单价（元）", 70.0),
    ("金额（元）", 89.28),
];
const BODY: f32 = 10.5;
const CELL: f32 = 9.0;
const SEAL_BOX: f32 = 150.0;

impl Contract {
    /// Total of all items in fen; an error if it overflows.
    pub fn total_fen(&self) -> Result<i64> {
        self.items.iter().try_fold(0i64, |sum, item| {
            item.amount_fen()
                .and_then(|a| sum.checked_add(a))
                .ok_or_else(|| PdfError::Model(format!("the amount of {} overflows", item.generic_name)))
        })
    }

    /// Renders the contract: parties, the items table (paginated, header repeated),
    /// totals in figures and in capital numerals, terms, and three seal places
    /// (seller, buyer, regulator filing) on the last page.
    pub fn render(&self) -> Result<Rendered> {
        if self.items.is_empty() {
            return Err(PdfError::Model("a contract needs at least one item".into()));
        }
        let total = self.total_fen()?;
        let mut f = Flow::new()?;
        let title = "药品购销合同";
        let w = f.width(title, 18.0);
        f.y -= 10.0;
        let y = f.y;
        f.text((PAGE_W - w) / 2.0, y, 18.0, title);
        f.y -= 12.0;
        let text_w = PAGE_W - 2.0 * MARGIN_X;
        f.paragraph(MARGIN_X, BODY, text_w, &format!("合同编号：{}", self.number));
        f.paragraph(MARGIN_X, BODY, text_w, &format!("招标项目编号：{}", self.tender_reference));
        party(&mut f, "甲方（买方）", &self.buyer);
        party(&mut f, "乙方（卖方）", &self.seller);
        f.paragraph(
            MARGIN_X,
            BODY,
            text_w,
            "甲乙双方依据上述招标项目的中标结果，经协商一致，订立本合同，共同遵守。",
        );
        heading(&mut f, "一、药品明细");
        table(&mut f, &self.items)?;
        f.paragraph(MARGIN_X, BODY, text_w, &format!("合计金额（小写）：¥{}", format_yuan(total)));
        f.paragraph(MARGIN_X, BODY, text_w, &format!("合计金额（大写）：人民币{}", amount_in_words(total)));
        heading(&mut f, "二、交货条款");
        f.paragraph(MARGIN_X, BODY, text_w, &self.delivery_terms);
        heading(&mut f, "三、付款条款");
        f.paragraph(MARGIN_X, BODY, text_w, &self.payment_terms);
        heading(&mut f, "四、其他");
        f.paragraph(
            MARGIN_X,
            BODY,
            text_w,
            "本合同以电子形式订立，经双方加盖电子签章后生效，并报监管部门备案。电子签章依据 GB/T 38540-2020。",
        );
        let places = seal_places(&mut f)?;
        footers(&mut f, &self.number);
        let pages = f.pages.len();
        Ok(Rendered { pdf: save(&f.pages, &self.number)?, pages, signature_places: places })
    }
}

fn heading(f: &mut Flow, text: &str) {
    f.ensure(40.0);
    f.y -= 8.0;
    f.paragraph(MARGIN_X, 12.0, PAGE_W - 2.0 * MARGIN_X, text);
    f.y -= 4.0;
}

fn party(f: &mut Flow, label: &str, p: &Party) {
    let w = PAGE_W - 2.0 * MARGIN_X;
    f.y -= 4.0;
    f.paragraph(MARGIN_X, BODY, w, &format!("{label}：{}", p.name));
    f.paragraph(MARGIN_X + 21.0, BODY, w - 21.0, &format!("统一社会信用代码：{}", p.uscc));
    f.paragraph(MARGIN_X + 21.0, BODY, w - 21.0, &format!("地址：{}", p.address));
}

fn table(f: &mut Flow, items: &[Item]) -> Result<()> {
    let line_h = CELL * 1.4;
    table_header(f);
    for (i, item) in items.iter().enumerate() {
        let amount = item
            .amount_fen()
            .ok_or_else(|| PdfError::Model(format!("the amount of {} overflows", item.generic_name)))?;
        let cells = [
            (i + 1).to_string(),
            item.generic_name.clone(),
            item.dosage_form.clone(),
            item.specification.clone(),
            item.unit.clone(),
            item.quantity.to_string(),
            format_yuan(item.unit_price_fen),
            format_yuan(amount),
        ];
        let wrapped: Vec<Vec<String>> =
            cells.iter().zip(COLS).map(|(c, (_, w))| f.wrap(c, CELL, w - 6.0)).collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let row_h = lines as f32 * line_h + 6.0;
        if f.ensure(row_h) {
            table_header(f);
        }
        let top = f.y;
        let mut x = MARGIN_X;
        for (col, ((_, w), text)) in COLS.iter().zip(&wrapped).enumerate() {
            for (k, line) in text.iter().enumerate() {
                let baseline = top - 3.0 - CELL - k as f32 * line_h;
                // Numbers are right-aligned, text left-aligned.
                let tx = if col >= 5 { x + w - 3.0 - f.width(line, CELL) } else { x + 3.0 };
                f.text(tx, baseline, CELL, line);
            }
            x += w;
        }
        f.y -= row_h;
        row_rules(f, top);
    }
    f.y -= 4.0;
    Ok(())
}

fn table_header(f: &mut Flow) {
    let h = CELL * 1.4 + 6.0;
    f.ensure(h * 2.0 + 4.0);
    f.y -= 4.0;
    let top = f.y;
    let right = MARGIN_X + COLS.iter().map(|c| c.1).sum::<f32>();
    f.mark(Mark::Line { x1: MARGIN_X, y1: top, x2: right, y2: top, width: 0.8 });
    let mut x = MARGIN_X;
    for (name, w) in COLS {
        f.text(x + 3.0, top - 3.0 - CELL, CELL, name);
        x += w;
    }
    f.y -= h;
    row_rules(f, top);
}

/// The bottom rule and the column rules of a row spanning `top` to the cursor.
fn row_rules(f: &mut Flow, top: f32) {
    let bottom = f.y;
    let right = MARGIN_X + COLS.iter().map(|c| c.1).sum::<f32>();
    f.mark(Mark::Line { x1: MARGIN_X, y1: bottom, x2: right, y2: bottom, width: 0.5 });
    let mut x = MARGIN_X;
    f.mark(Mark::Line { x1: x, y1: top, x2: x, y2: bottom, width: 0.5 });
    for (_, w) in COLS {
        x += w;
        f.mark(Mark::Line { x1: x, y1: top, x2: x, y2: bottom, width: 0.5 });
    }
}

fn seal_places(f: &mut Flow) -> Result<Vec<SignaturePlace>> {
    let labels = [
        (SignatureRole::Seller, "乙方（卖方）签章"),
        (SignatureRole::Buyer, "甲方（买方）签章"),
        (SignatureRole::Regulator, "监管部门备案签章"),
    ];
    f.ensure(SEAL_BOX + 40.0);
    f.y -= 24.0;
    let gap = (PAGE_W - 2.0 * MARGIN_X - 3.0 * SEAL_BOX) / 2.0;
    let label_y = f.y;
    let bottom = label_y - 8.0 - SEAL_BOX;
    if bottom < MARGIN_BOTTOM {
        return Err(PdfError::Model("no room for the seal places".into()));
    }
    let page = f.page();
    let mut places = Vec::new();
    for (i, (role, label)) in labels.into_iter().enumerate() {
        let x = MARGIN_X + i as f32 * (SEAL_BOX + gap);
        f.text(x, label_y, BODY, label);
        f.mark(Mark::Frame { x, y: bottom, w: SEAL_BOX, h: SEAL_BOX, dashed: true });
        places.push(SignaturePlace { role, page, rect: [x, bottom, x + SEAL_BOX, bottom + SEAL_BOX] });
    }
    f.y = bottom;
    Ok(places)
}

/// 合同编号 … 第 n 页 共 N 页 at the foot of every page.
fn footers(f: &mut Flow, number: &str) {
    let total = f.pages.len();
    for (i, page) in f.pages.iter_mut().enumerate() {
        let text = format!("合同编号 {number}    第 {} 页 共 {total} 页", i + 1);
        page.push(Mark::Text { x: MARGIN_X, y: MARGIN_BOTTOM - 28.0, size: 8.0, text });
    }
}
