//! Evaluation: per item, the valid quotes at or under the ceiling ranked
//! ascending, ties broken by receipt time (earlier first); quotes over the
//! ceiling and invalid bids listed with their reasons.
//!
//! The rule itself lives in [`sealbid_crypto::opening::results::evaluate`],
//! which `sealbid results verify` runs too: the server and whoever re-checks
//! its results rank with the same code.

use sealbid_crypto::opening::results::{self, TenderItem};
pub use sealbid_crypto::opening::results::{Evaluation, ItemResult, OpenedQuote as Opened, Ranked, Rejected};

use crate::tenders::Item;

/// Evaluates `opened` bids against `items`.
pub fn evaluate(items: &[Item], opened: &[Opened]) -> Evaluation {
    let items: Vec<TenderItem> = items
        .iter()
        .map(|i| TenderItem { no: i.no, generic_name: i.generic_name.clone(), ceiling_fen: i.ceiling_fen })
        .collect();
    results::evaluate(&items, opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(no: i64, ceiling: i64) -> Item {
        Item {
            no,
            generic_name: format!("药品{no}"),
            dosage_form: "片剂".into(),
            specification: "10mg".into(),
            unit: "盒".into(),
            quantity: 100,
            ceiling_fen: ceiling,
        }
    }

    fn bid(bid: i64, bidder: &str, at: &str, prices: &[(u32, u64)]) -> Opened {
        Opened {
            bid,
            bidder: bidder.into(),
            received_at: at.into(),
            prices: Some(prices.iter().copied().collect()),
            reason: None,
        }
    }

    #[test]
    fn ranks_ascending_with_ties_by_receipt_time_and_ceiling() {
        let items = [item(1, 1000), item(2, 500)];
        let opened = [
            bid(1, "B", "2026-01-01T10:00:02Z", &[(1, 900), (2, 600)]),
            bid(2, "A", "2026-01-01T10:00:01Z", &[(1, 900), (2, 400)]),
            bid(3, "C", "2026-01-01T10:00:00Z", &[(1, 1000)]),
            Opened {
                bid: 4,
                bidder: "D".into(),
                received_at: "x".into(),
                prices: None,
                reason: Some("bad inner signature".into()),
            },
            bid(5, "E", "2026-01-01T10:00:03Z", &[(9, 1)]),
        ];
        let e = evaluate(&items, &opened);
        let r1: Vec<_> =
            e.items[0].ranking.iter().map(|r| (r.rank, r.bidder.as_str(), r.price_fen)).collect();
        assert_eq!(r1, [(1, "A", 900), (2, "B", 900), (3, "C", 1000)]);
        let r2: Vec<_> = e.items[1].ranking.iter().map(|r| r.bidder.as_str()).collect();
        assert_eq!(r2, ["A"]);
        assert_eq!(e.items[1].rejected[0].bidder, "B");
        assert!(e.items[1].rejected[0].reason.contains("over the ceiling of 500"));
        let invalid: Vec<_> = e.invalid_bids.iter().map(|r| r.bidder.as_str()).collect();
        assert_eq!(invalid, ["D", "E"]);
        assert_eq!(e.bids, 5);
    }
}
