//! Bid document tests: strict parsing with clear messages, and canonical round trips.

use proptest::prelude::*;
use time::macros::datetime;

use super::*;

const USCC: &str = "91350100M000100Y43";

fn asn1(items: Vec<(u32, u64)>) -> DocumentAsn1 {
    DocumentAsn1 {
        version: VERSION,
        tender_id: "T-1".into(),
        bidder: USCC.into(),
        created_at: to_generalized(datetime!(2026-03-01 12:00:00 UTC)).unwrap(),
        items: items.into_iter().map(|(item, unit_price_fen)| ItemAsn1 { item, unit_price_fen }).collect(),
        attachments: Vec::new(),
    }
}

fn parse_err(doc: DocumentAsn1) -> String {
    BidDocument::parse(&doc.to_der().unwrap()).unwrap_err().to_string()
}

#[test]
fn rejections_name_the_problem() {
    assert!(BidDocument::parse(&asn1(vec![(1, 5), (2, 7)]).to_der().unwrap()).is_ok());
    assert!(parse_err(asn1(vec![(1, 0)])).contains("item 1 has a zero price"));
    assert!(parse_err(asn1(vec![(1, 5), (1, 6)])).contains("item 1 is quoted twice"));
    assert!(parse_err(asn1(vec![(2, 5), (1, 6)])).contains("not in ascending order"));
    assert!(parse_err(asn1(vec![])).contains("1 to 10000 items"));
    assert!(parse_err(asn1(vec![(0, 5)])).contains("numbered from 1"));
    let mut lower = asn1(vec![(1, 5)]);
    lower.bidder = USCC.to_lowercase();
    assert!(parse_err(lower).contains("canonical upper-case"));
    let mut v2 = asn1(vec![(1, 5)]);
    v2.version = 2;
    assert!(parse_err(v2).contains("unsupported bid document version 2"));
    let mut bad_tender = asn1(vec![(1, 5)]);
    bad_tender.tender_id = "T 1".into();
    assert!(parse_err(bad_tender).contains("tender id"));
    let mut dup = asn1(vec![(1, 5)]);
    let att = || AttachmentAsn1 { name: "a.pdf".into(), content: OctetString::new(vec![1]).unwrap() };
    dup.attachments = vec![att(), att()];
    assert!(parse_err(dup).contains("appears twice"));
}

#[test]
fn a_price_above_u64_is_malformed() {
    // item 1 with price 2^64: INTEGER 01 00..00 (9 bytes after the 00 sign byte).
    let mut der = asn1(vec![(1, u64::MAX)]).to_der().unwrap();
    let max = [0x02, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    let at = der.windows(max.len()).position(|w| w == max).unwrap();
    der[at + 2] = 0x01;
    der[at + 3..at + 11].fill(0);
    let err = BidDocument::parse(&der).unwrap_err();
    assert!(matches!(err, Error::Malformed { what: "bid document", .. }), "{err}");
}

#[test]
fn constructor_sorts_and_checks() {
    let t = TenderId::parse("T-1").unwrap();
    let u = Uscc::parse(USCC).unwrap();
    let now = datetime!(2026-03-01 12:00:00.75 UTC);
    let item = |i, p| BidItem { item: i, unit_price: PriceFen::new(p).unwrap() };
    let doc = BidDocument::new(t.clone(), u.clone(), now, vec![item(9, 1), item(2, 3)], vec![]).unwrap();
    assert_eq!(doc.items().iter().map(|i| i.item).collect::<Vec<_>>(), [2, 9]);
    assert_eq!(doc.created_at(), datetime!(2026-03-01 12:00:00 UTC));
    assert!(BidDocument::new(t, u, now, vec![item(2, 1), item(2, 3)], vec![]).is_err());
    assert!(PriceFen::new(0).is_err());
    assert_eq!(PriceFen::new(123_456).unwrap().to_string(), "1234.56");
    assert!(Attachment::new("../x", vec![]).is_err());
}

proptest! {
    #[test]
    fn documents_round_trip(prices in prop::collection::btree_map(1u32..5000, 1u64..=u64::MAX, 1..40)) {
        let items = prices.iter().map(|(&i, &p)| BidItem { item: i, unit_price: PriceFen::new(p).unwrap() }).collect();
        let doc = BidDocument::new(
            TenderId::parse("T-9").unwrap(), Uscc::parse(USCC).unwrap(),
            datetime!(2026-03-01 12:00:00 UTC), items, vec![],
        ).unwrap();
        let der = doc.encode().unwrap();
        prop_assert_eq!(BidDocument::parse(&der).unwrap(), doc);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = BidDocument::parse(&bytes);
    }
}
