//! The kinds of regulatory filing the platform knows, each with its form
//! fields and its checklist of attachments, after the drug regulator's online
//! filing hall (seed 000: 新开办药品生产企业的立项, 药品再注册申报).

use super::{Attachment, Filing, Party};

/// One field of a filing's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FieldSpec {
    /// Stable key used in requests (ASCII).
    pub key: &'static str,
    /// The label printed on the form.
    pub label: &'static str,
    /// Whether the form cannot be filed without it.
    pub required: bool,
}

/// One item of a filing's checklist of attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ChecklistItem {
    /// The item's number (序号), from 1.
    pub item: usize,
    /// The attachment's name.
    pub name: &'static str,
    /// Whether the filing cannot be signed without it.
    pub required: bool,
}

/// A kind of filing: its form fields and its checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FilingKind {
    /// Stable code used in requests (ASCII).
    pub kind: &'static str,
    /// The form's title (业务名称).
    pub title: &'static str,
    /// The form's fields, in order.
    pub fields: &'static [FieldSpec],
    /// The attachments, in order; `item` counts from 1.
    pub checklist: &'static [ChecklistItem],
}

const fn field(key: &'static str, label: &'static str, required: bool) -> FieldSpec {
    FieldSpec { key, label, required }
}

const fn item(item: usize, name: &'static str, required: bool) -> ChecklistItem {
    ChecklistItem { item, name, required }
}

/// 新开办药品生产企业的立项: the seven required materials of seed 000.
const NEW_MANUFACTURER: FilingKind = FilingKind {
    kind: "new_manufacturer",
    title: "新开办药品生产企业的立项",
    fields: &[
        field("enterprise_name", "拟办企业名称", true),
        field("economic_nature", "经济性质", true),
        field("investment", "投资规模", true),
        field("site_address", "拟建地址", true),
        field("contact", "联系人", true),
        field("phone", "联系电话", true),
    ],
    checklist: &[
        item(1, "拟办企业名称、经济性质、投资规模", true),
        item(2, "企业对所提供资料真实性保证的承诺书", true),
        item(3, "拟建地址、周边环境、基础设施", true),
        item(4, "拟生产品种、剂型、生产能力及工艺、质量标准、设备", true),
        item(5, "项目建设周期及进度计划", true),
        item(6, "拟办企业主要负责人及技术人员情况", true),
        item(7, "申办者的基本情况（申报人名称、资金来源、从事行业或职业等）", true),
    ],
};

/// 药品再注册申报: the columns of seed 000's re-registration list as fields.
const DRUG_REREGISTRATION: FilingKind = FilingKind {
    kind: "drug_reregistration",
    title: "药品再注册申报",
    fields: &[
        field("application_no", "申请编号", false),
        field("drug_name", "药品名称", true),
        field("dosage_form", "剂型", true),
        field("specification", "规格", true),
        field("production_address", "生产地址", true),
        field("approval_number", "原药品批准文号", true),
    ],
    checklist: &[
        item(1, "药品批准证明文件", true),
        item(2, "五年内生产销售情况总结", true),
        item(3, "药品说明书", false),
    ],
};

/// Every kind of filing, in the order lists show them.
pub const FILING_KINDS: &[FilingKind] = &[NEW_MANUFACTURER, DRUG_REREGISTRATION];

impl FilingKind {
    /// The kind whose code is `kind`.
    pub fn find(kind: &str) -> Option<&'static FilingKind> {
        FILING_KINDS.iter().find(|k| k.kind == kind)
    }

    /// The checklist item numbered `item`.
    pub fn item(&self, item: usize) -> Option<&'static ChecklistItem> {
        self.checklist.iter().find(|i| i.item == item)
    }

    /// The filing of this kind with the given reference, applicant and
    /// field values (looked up by key; absent ones print empty).
    pub fn filing(
        &self,
        reference: &str,
        applicant: Party,
        values: &dyn Fn(&str) -> Option<String>,
    ) -> Filing {
        Filing {
            kind: self.title.to_string(),
            reference: reference.to_string(),
            applicant,
            fields: self
                .fields
                .iter()
                .map(|f| (f.label.to_string(), values(f.key).unwrap_or_default()))
                .collect(),
            attachments: self
                .checklist
                .iter()
                .map(|i| Attachment { name: i.name.to_string(), required: i.required })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_numbered_from_one_in_order_and_codes_are_unique() {
        for k in FILING_KINDS {
            for (i, c) in k.checklist.iter().enumerate() {
                assert_eq!(c.item, i + 1, "{}", k.kind);
            }
            assert_eq!(FILING_KINDS.iter().filter(|o| o.kind == k.kind).count(), 1);
            assert!(k.kind.is_ascii() && k.fields.iter().all(|f| f.key.is_ascii()));
        }
        assert_eq!(FilingKind::find("new_manufacturer").map(|k| k.checklist.len()), Some(7));
        assert!(FilingKind::find("药品再注册申报").is_none());
    }

    /// Every label and item name is in the project font and each form fits
    /// its page, with both seal places on it.
    #[test]
    fn every_kind_lays_out_its_form() {
        let applicant = Party {
            name: "福建某某制药有限公司".into(),
            uscc: crate::crypto::Uscc::parse("91350100M000100Y43").expect("a valid code"),
            address: "福州市鼓楼区五四路 1 号".into(),
        };
        for k in FILING_KINDS {
            let filing = k.filing("BA2026-000001", applicant.clone(), &|key| Some(format!("{key} 值")));
            let places = filing.signature_places(&[]).expect(k.title);
            assert_eq!(places.len(), 2, "{}", k.kind);
            assert!(places.iter().all(|p| p.page == 0));
        }
    }
}
