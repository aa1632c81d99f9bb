//! Who bid stays out of the audit trail's view until the tender's results
//! are published.
//!
//! The stored rows never change (the hash chain and `sealbid audit verify`
//! cover them as written); only what `GET /api/v1/audit` shows is redacted.
//! A *bid event* is one whose action starts with `bid.` (`bid.received`,
//! `bid.replaced`, `bid.withdrawn`, …); its subject is its tender. While that
//! tender has no row in `tender_results`, the view of a bid event
//!
//! - replaces its actor (the bidder's certificate serial) with the marker
//!   `hidden until the results of T… are published`, unless the actor is the
//!   platform itself (`system`, `cli`);
//! - keeps of its details only `bid`, `tender`, `envelope_hash` and
//!   `replaces` (none names a bidder) and replaces every other value (the
//!   bidder's credit code among them) with the marker;
//! - replaces its `hash` with the marker, and so does the `prev_hash` of the
//!   event after it: the hash covers the hidden fields, and the few
//!   candidate serials and credit codes could otherwise be tried against it
//!   one by one.
//!
//! With an `actor` filter, hidden bid events are left out of the page, so
//! the filter cannot serve as an oracle for who bid. Redacted events carry
//! `"hidden": marker`, telling a reader why their hashes cannot be checked
//! over the view; `sealbid audit verify` checks the real chain.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

use super::chain::Event;
use crate::db::Db;
use crate::with_pool;

/// Actions starting with this are bid events.
pub const BID_EVENTS: &str = "bid.";
/// Actors that are the platform itself, shown even on hidden bid events.
const PLATFORM_ACTORS: [&str; 2] = ["system", "cli"];
/// Details of a bid event that name no bidder.
const NEUTRAL_DETAILS: [&str; 4] = ["bid", "tender", "envelope_hash", "replaces"];

/// An event as the audit routes show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shown {
    /// The event, with hidden fields replaced by the marker.
    #[serde(flatten)]
    pub event: Event,
    /// The marker, when any field of this event was withheld.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<String>,
}

/// The text standing in for what is withheld about a bid for `tender`.
pub fn marker(tender: &str) -> String {
    format!("hidden until the results of {tender} are published")
}

/// The tender of a bid event, `None` for any other event.
pub fn bid_tender(action: &str, subject: &str) -> Option<String> {
    action.starts_with(BID_EVENTS).then(|| subject.to_string())
}

/// Every tender whose results are published.
pub async fn published_tenders(db: &Db) -> Result<BTreeSet<String>> {
    let sql = "SELECT tender_id FROM tender_results";
    let ids: Vec<String> = with_pool!(db, p => sqlx::query_scalar(sql).fetch_all(p).await)
        .context("cannot read which results are published")?;
    Ok(ids.into_iter().collect())
}

/// The tender of each event among `seqs` that is a bid event, as `(seq, tender)`.
async fn bid_events_among(db: &Db, seqs: &[i64]) -> Result<Vec<(i64, String)>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    // Integers of our own making: safe to write into the statement.
    let list = seqs.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        "SELECT seq, subject FROM audit_events WHERE action LIKE '{BID_EVENTS}%' AND seq IN ({list}) ORDER BY seq"
    );
    with_pool!(db, p => sqlx::query_as(&sql).fetch_all(p).await).context("cannot read the audit trail")
}

/// The view of `events` (one page, oldest first): bid events of tenders
/// without published results redacted as the module says; with
/// `actor_filtered`, those events left out.
pub async fn redact(db: &Db, events: Vec<Event>, actor_filtered: bool) -> Result<Vec<Shown>> {
    let published = published_tenders(db).await?;
    let sealed = |action: &str, subject: &str| bid_tender(action, subject).filter(|t| !published.contains(t));
    // The predecessors outside the page decide whether a `prev_hash` is hidden.
    let fetched: BTreeSet<i64> = events.iter().map(|e| e.seq).collect();
    let outside: Vec<i64> =
        events.iter().map(|e| e.seq - 1).filter(|s| *s > 0 && !fetched.contains(s)).collect();
    let mut hidden_before: std::collections::BTreeMap<i64, String> =
        bid_events_among(db, &outside).await?.into_iter().filter(|(_, t)| !published.contains(t)).collect();
    for e in &events {
        if let Some(t) = sealed(&e.action, &e.subject) {
            hidden_before.insert(e.seq, t);
        }
    }
    let mut shown = Vec::with_capacity(events.len());
    for mut e in events {
        let mut hidden = None;
        if let Some(t) = hidden_before.get(&(e.seq - 1)) {
            e.prev_hash = marker(t);
            hidden = Some(marker(t));
        }
        if let Some(t) = sealed(&e.action, &e.subject) {
            let m = marker(&t);
            let actor_hidden = !PLATFORM_ACTORS.contains(&e.actor.as_str());
            if actor_hidden && actor_filtered {
                continue;
            }
            if actor_hidden {
                e.actor = m.clone();
            }
            e.details = redact_details(&e.details, &m);
            e.hash = m.clone();
            hidden = Some(m);
        }
        shown.push(Shown { event: e, hidden });
    }
    Ok(shown)
}

/// Bid-event details with every value but the neutral ones replaced by `marker`
/// (all of it when the text is not a JSON object).
fn redact_details(details: &str, marker: &str) -> String {
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(details) else {
        return Value::String(marker.to_string()).to_string();
    };
    for (k, v) in map.iter_mut() {
        if !NEUTRAL_DETAILS.contains(&k.as_str()) {
            *v = Value::String(marker.to_string());
        }
    }
    Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_neutral_details_survive() {
        let d = r#"{"bid":7,"bidder":"91350100000001008X","envelope_hash":"ab","replaces":null,"tender":"T1","x":{"y":1}}"#;
        let r = redact_details(d, "M");
        let v: Value = serde_json::from_str(&r).unwrap();
        assert_eq!(v["bidder"], "M");
        assert_eq!(v["x"], "M");
        assert_eq!(
            (v["bid"].as_i64(), v["tender"].as_str(), v["envelope_hash"].as_str()),
            (Some(7), Some("T1"), Some("ab"))
        );
        assert!(!r.contains("91350100000001008X"));
        assert_eq!(redact_details("not json", "M"), "\"M\"");
    }

    #[test]
    fn bid_events_are_those_under_bid() {
        assert_eq!(bid_tender("bid.received", "T1").as_deref(), Some("T1"));
        assert_eq!(bid_tender("bid.withdrawn", "T1").as_deref(), Some("T1"));
        assert_eq!(bid_tender("tender.published", "T1"), None);
        assert_eq!(bid_tender("bidding.x", "T1"), None);
    }
}
