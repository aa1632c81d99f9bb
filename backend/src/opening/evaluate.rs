//! Evaluation: per item, the valid quotes at or under the ceiling ranked
//! ascending, ties broken by receipt time (earlier first); quotes over the
//! ceiling and invalid bids listed with their reasons.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::tenders::Item;

/// An opened bid as the evaluation sees it.
#[derive(Debug, Clone)]
pub struct Opened {
    /// Bid id.
    pub bid: i64,
    /// Bidder's organisation code.
    pub bidder: String,
    /// Accepted, RFC 3339 (sorts as time).
    pub received_at: String,
    /// Prices by item, if the bid is valid.
    pub prices: Option<BTreeMap<u32, u64>>,
    /// Why it is invalid.
    pub reason: Option<String>,
}

/// One ranked quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    /// 1 = lowest price.
    pub rank: usize,
    /// Bidder's organisation code.
    pub bidder: String,
    /// Unit price in fen.
    pub price_fen: u64,
    /// Accepted, RFC 3339.
    pub received_at: String,
}

/// A quote not ranked, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// Bidder's organisation code.
    pub bidder: String,
    /// Unit price in fen, when there was one.
    pub price_fen: Option<u64>,
    /// Why.
    pub reason: String,
}

/// The evaluation of one item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemResult {
    /// Item number.
    pub no: i64,
    /// Generic name.
    pub generic_name: String,
    /// Ceiling price, fen.
    pub ceiling_fen: i64,
    /// Valid quotes, ranked.
    pub ranking: Vec<Ranked>,
    /// Quotes over the ceiling.
    pub rejected: Vec<Rejected>,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Per item.
    pub items: Vec<ItemResult>,
    /// Bids that are invalid as a whole (bad signature, malformed, unknown items).
    pub invalid_bids: Vec<Rejected>,
    /// Bids opened.
    pub bids: usize,
}

/// Evaluates `opened` bids against `items`.
pub fn evaluate(items: &[Item], opened: &[Opened]) -> Evaluation {
    let mut invalid_bids = Vec::new();
    let mut valid: Vec<&Opened> = Vec::new();
    for o in opened {
        match (&o.prices, &o.reason) {
            (Some(prices), None) => {
                let unknown: Vec<u32> = prices
                    .keys()
                    .copied()
                    .filter(|n| !items.iter().any(|it| it.no == i64::from(*n)))
                    .collect();
                if unknown.is_empty() {
                    valid.push(o);
                } else {
                    invalid_bids.push(Rejected {
                        bidder: o.bidder.clone(),
                        price_fen: None,
                        reason: format!("quotes items the tender does not have: {unknown:?}"),
                    });
                }
            }
            (_, reason) => invalid_bids.push(Rejected {
                bidder: o.bidder.clone(),
                price_fen: None,
                reason: reason.clone().unwrap_or_else(|| "no prices".into()),
            }),
        }
    }
    let items = items
        .iter()
        .map(|it| {
            let no = u32::try_from(it.no).unwrap_or(u32::MAX);
            let ceiling = u64::try_from(it.ceiling_fen).unwrap_or(0);
            let mut quotes: Vec<(&Opened, u64)> =
                valid.iter().filter_map(|o| o.prices.as_ref()?.get(&no).map(|&p| (*o, p))).collect();
            quotes.sort_by(|a, b| {
                a.1.cmp(&b.1).then_with(|| a.0.received_at.cmp(&b.0.received_at)).then(a.0.bid.cmp(&b.0.bid))
            });
            let (ok, over): (Vec<_>, Vec<_>) = quotes.into_iter().partition(|(_, p)| *p <= ceiling);
            ItemResult {
                no: it.no,
                generic_name: it.generic_name.clone(),
                ceiling_fen: it.ceiling_fen,
                ranking: ok
                    .into_iter()
                    .enumerate()
                    .map(|(i, (o, p))| Ranked {
                        rank: i + 1,
                        bidder: o.bidder.clone(),
                        price_fen: p,
                        received_at: o.received_at.clone(),
                    })
                    .collect(),
                rejected: over
                    .into_iter()
                    .map(|(o, p)| Rejected {
                        bidder: o.bidder.clone(),
                        price_fen: Some(p),
                        reason: format!("over the ceiling of {ceiling} fen"),
                    })
                    .collect(),
            }
        })
        .collect();
    Evaluation { items, invalid_bids, bids: opened.len() }
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
