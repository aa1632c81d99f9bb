//! Sample documents and a seal picture shared by the PDF tests and benchmarks.
#![allow(dead_code)]

use sealbid_sealing::crypto::{PrivateKey, Signature, Uscc};
use sealbid_sealing::pdf::render::{Attachment, Contract, Filing, Item, Party};
use sealbid_sealing::pdf::sign::{Placement, Prepared, prepare};
use time::macros::datetime;

pub fn uscc(first17: &str) -> Uscc {
    let b: [u8; 17] = first17.as_bytes().try_into().unwrap();
    let check = sealbid_sealing::crypto::uscc::check_character(&b).unwrap();
    Uscc::parse(&format!("{first17}{check}")).unwrap()
}

/// A contract with `items` lines (40 lines make three pages).
pub fn contract(items: usize) -> Contract {
    let drugs = [
        ("阿莫西林胶囊", "胶囊剂", "0.25g×24粒", "盒", 1_250),
        ("头孢克肟分散片", "片剂", "0.1g×6片", "盒", 2_380),
        ("盐酸二甲双胍缓释片", "片剂", "0.5g×30片", "瓶", 1_865),
        ("注射用头孢曲松钠", "注射剂", "1.0g/支", "支", 405),
        ("布洛芬混悬液", "口服混悬剂", "100ml:2g", "瓶", 1_598),
    ];
    Contract {
        number: "HT-2026-000123".into(),
        tender_reference: "ZB-FJ-2026-0042".into(),
        buyer: Party {
            name: "福建省立医院".into(),
            uscc: uscc("12350000488000016"),
            address: "福建省福州市鼓楼区东街134号".into(),
        },
        seller: Party {
            name: "福建某某制药有限公司".into(),
            uscc: uscc("91350100M000100Y4"),
            address: "福建省福州市闽侯县上街镇科技东路8号".into(),
        },
        items: (0..items)
            .map(|i| {
                let (name, form, spec, unit, price) = drugs[i % drugs.len()];
                Item {
                    generic_name: name.into(),
                    dosage_form: form.into(),
                    specification: spec.into(),
                    unit: unit.into(),
                    quantity: 1_000 + 37 * i as u64,
                    unit_price_fen: price + i as i64,
                }
            })
            .collect(),
        delivery_terms: "乙方应于合同生效后十五日内将全部药品配送至甲方药库，运输过程须符合《药品经营质量管理规范》冷链及储存要求，随货附检验报告书。".into(),
        payment_terms: "甲方在药品验收合格并收到合法票据后三十日内，通过医保基金直接结算或银行转账方式支付货款。".into(),
    }
}

pub fn filing() -> Filing {
    Filing {
        kind: "药品再注册申报".into(),
        reference: "ZC-2026-0007".into(),
        applicant: contract(1).seller,
        fields: vec![
            ("药品通用名称".into(), "阿莫西林胶囊".into()),
            ("批准文号".into(), "国药准字H35020001".into()),
            ("有效期至".into(), "2026年12月31日".into()),
        ],
        attachments: vec![
            Attachment { name: "药品批准证明文件".into(), required: true },
            Attachment { name: "五年内生产销售情况总结".into(), required: true },
            Attachment { name: "药品说明书".into(), required: false },
        ],
    }
}

/// A 120×120 red ring with a transparent background, as PNG.
pub fn seal_png() -> Vec<u8> {
    let (w, h) = (120u32, 120u32);
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 - 59.5, y as f32 - 59.5);
            let r = (dx * dx + dy * dy).sqrt();
            let on = (50.0..57.0).contains(&r) || r < 8.0;
            rgba.extend_from_slice(&[220, 20, 30, if on { 255 } else { 0 }]);
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&rgba).unwrap();
    out
}

pub fn placement(name: &str, page: usize, rect: [f32; 4]) -> Placement {
    Placement { page, rect, picture_png: Some(seal_png()), field_name: name.into(), reserve: 16_384 }
}

/// Prepares and signs with a stand-in signature: SM2 over the SM3 digest.
pub fn sign(pdf: &[u8], placement: &Placement, key: &PrivateKey) -> (Prepared, Vec<u8>) {
    let prepared = prepare(pdf, placement, datetime!(2026-11-22 10:00:00 +08:00), "张三").unwrap();
    let sig: Signature = key.sign_raw(&prepared.digest).unwrap();
    let signed = prepared.embed(&sig.to_der()).unwrap();
    (prepared, signed)
}
