//! Quotes from a spreadsheet. The page offers a template — one row per
//! item: number, description, ceiling, and an empty last column for the
//! price — and reads a filled-in file back: the item number from the first
//! column and the unit price in yuan from the last. Header rows (first cell
//! not a number) and blank rows are skipped, a row whose price is empty
//! leaves that item as it was, and every other problem names its line.

use std::collections::BTreeMap;

use crate::i18n::Lang;
use crate::money::{fen_to_yuan, yuan_to_fen};
use crate::pages::bid::Item;

/// The template for `items`, with a header row in the page's language.
pub fn template(items: &[Item], lang: Lang) -> Result<String, String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        lang.t("品目序号", "Item"),
        lang.t("通用名", "Generic name"),
        lang.t("剂型", "Dosage form"),
        lang.t("规格", "Specification"),
        lang.t("单位", "Unit"),
        lang.t("数量", "Quantity"),
        lang.t("最高限价（元）", "Ceiling (yuan)"),
        lang.t("报价（元）", "Your price (yuan)"),
    ];
    out.write_record(header).map_err(|e| e.to_string())?;
    for it in items {
        let row = [
            it.no.to_string(),
            it.generic_name.clone(),
            it.dosage_form.clone(),
            it.specification.clone(),
            it.unit.clone(),
            it.quantity.to_string(),
            fen_to_yuan(it.ceiling_fen),
            String::new(),
        ];
        out.write_record(&row).map_err(|e| e.to_string())?;
    }
    let bytes = out.into_inner().map_err(|e| e.to_string())?;
    // A byte-order mark, so that Excel opens the UTF-8 file with the right characters.
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

/// The file's text if it is UTF-8 (a byte-order mark is dropped); `None`
/// otherwise (the page then decodes it as GB18030, what Excel writes on a
/// Chinese system).
pub fn utf8_text(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).ok()
}

/// Reads quotes for the items numbered `items`: item number → the price as
/// written (already checked to be an amount in yuan).
pub fn parse(text: &str, items: &[u32], lang: Lang) -> Result<BTreeMap<u32, String>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| format!("{}: {e}", lang.t("CSV 文件无法读取", "The CSV file cannot be read")))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let at = |zh: &str, en: &str| match lang {
            Lang::Zh => format!("第 {line} 行：{zh}"),
            Lang::En => format!("line {line}: {en}"),
        };
        let first = record.get(0).unwrap_or("").trim();
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Ok(no) = first.parse::<u32>() else {
            if out.is_empty() {
                continue; // a header row
            }
            return Err(at(
                &format!("品目序号“{first}”不是数字"),
                &format!("the item number {first:?} is not a number"),
            ));
        };
        if !items.contains(&no) {
            return Err(at(&format!("本项目没有品目 {no}"), &format!("this tender has no item {no}")));
        }
        if record.len() < 2 {
            return Err(at("缺少报价列（最后一列）", "the price column (the last one) is missing"));
        }
        let price = record.get(record.len() - 1).unwrap_or("").trim();
        if price.is_empty() {
            continue;
        }
        if yuan_to_fen(price).filter(|f| *f > 0).is_none() {
            return Err(at(
                &format!("品目 {no} 的报价“{price}”不是大于 0 的金额（元，最多两位小数）"),
                &format!(
                    "the price {price:?} of item {no} is not an amount above 0 (yuan, at most 2 decimals)"
                ),
            ));
        }
        if out.insert(no, price.to_string()).is_some() {
            return Err(at(&format!("品目 {no} 出现了两次"), &format!("item {no} appears twice")));
        }
    }
    if out.is_empty() {
        return Err(lang.t("文件中没有任何报价", "The file holds no price").into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(no: u32, name: &str, ceiling_fen: u64) -> Item {
        Item {
            no,
            generic_name: name.into(),
            dosage_form: "片剂".into(),
            specification: "0.5g×24片".into(),
            unit: "盒".into(),
            quantity: 1000,
            ceiling_fen,
        }
    }

    #[test]
    fn a_filled_in_template_reads_back() {
        let items = [item(1, "阿莫西林胶囊", 1_250), item(2, "二甲双胍, 缓释片", 308_000)];
        let template = template(&items, Lang::Zh).unwrap();
        assert!(template.starts_with('\u{feff}'), "Excel needs the byte-order mark");
        let mut lines: Vec<String> = template.lines().map(str::to_string).collect();
        assert_eq!(lines.len(), 3, "{template}");
        assert!(lines[2].contains("\"二甲双胍, 缓释片\""), "a comma in a name is quoted: {}", lines[2]);
        assert!(lines[2].contains("\"3,080.00\""), "{}", lines[2]);
        lines[1].push_str("11.80");
        lines[2].push_str("\"1,999.50\"");
        let got = parse(&lines.join("\r\n"), &[1, 2], Lang::Zh).unwrap();
        assert_eq!(got, BTreeMap::from([(1, "11.80".to_string()), (2, "1,999.50".to_string())]));
    }

    #[test]
    fn blank_prices_and_rows_leave_items_alone() {
        let got = parse("品目,报价\n1,\n\n2,3.5\n", &[1, 2], Lang::En).unwrap();
        assert_eq!(got, BTreeMap::from([(2, "3.5".to_string())]));
    }

    #[test]
    fn problems_name_their_line() {
        let err = |text: &str| parse(text, &[1, 2], Lang::En).unwrap_err();
        assert_eq!(err("item,price\n1,2\n7,3\n"), "line 3: this tender has no item 7");
        assert_eq!(err("1,2\n1,3\n"), "line 2: item 1 appears twice");
        assert_eq!(
            err("1,12.345\n"),
            "line 1: the price \"12.345\" of item 1 is not an amount above 0 (yuan, at most 2 decimals)"
        );
        assert_eq!(err("1,0\n").split(':').next(), Some("line 1"));
        assert_eq!(err("1,2\ntotal,5\n"), "line 2: the item number \"total\" is not a number");
        assert_eq!(err("1\n"), "line 1: the price column (the last one) is missing");
        assert_eq!(err("item,price\n"), "The file holds no price");
        assert_eq!(parse("1,2\n", &[1], Lang::Zh).unwrap()[&1], "2");
        assert_eq!(parse("1,2\n9,3\n", &[1], Lang::Zh).unwrap_err(), "第 2 行：本项目没有品目 9");
    }

    #[test]
    fn utf8_with_or_without_a_bom_and_gbk_is_told_apart() {
        assert_eq!(utf8_text(b"\xef\xbb\xbf1,2").as_deref(), Some("1,2"));
        assert_eq!(utf8_text("品目".as_bytes()).as_deref(), Some("品目"));
        // "报价" in GB18030 (not UTF-8: it starts with a continuation byte).
        assert_eq!(utf8_text(b"1,\xb1\xa8\xbc\xdb"), None);
    }
}
