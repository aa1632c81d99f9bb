//! The procurement centre's pages: its tenders (drafts too) with the form
//! for a new one, and one tender's management — publish, amend, live intake
//! counts, the opening's progress, the results and the contracts.

pub mod manage;
pub mod tenders;

pub use manage::CentreTenderPage;
pub use tenders::CentreTendersPage;

use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime};

/// A Beijing-time text `2026-11-22 20:30` (seconds optional) as RFC 3339.
pub fn beijing_to_rfc3339(text: &str) -> Option<String> {
    let text = text.trim().replace('T', " ");
    let with_seconds = if text.len() == 16 { format!("{text}:00") } else { text };
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let t = PrimitiveDateTime::parse(&with_seconds, &fmt).ok()?.assume_offset(offset!(+8));
    t.format(&time::format_description::well_known::Rfc3339).ok()
}

/// `t` as a Beijing-time text to edit: `2026-11-22 20:30`.
pub fn beijing_text(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]");
    t.to_offset(offset!(+8)).format(&fmt).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_times_become_rfc3339() {
        assert_eq!(beijing_to_rfc3339("2026-11-22 20:30").as_deref(), Some("2026-11-22T20:30:00+08:00"));
        assert_eq!(beijing_to_rfc3339("2026-11-22T20:30:05").as_deref(), Some("2026-11-22T20:30:05+08:00"));
        assert_eq!(beijing_to_rfc3339("22/11/2026"), None);
        let t = time::macros::datetime!(2026-11-22 12:30 UTC);
        assert_eq!(beijing_text(t), "2026-11-22 20:30");
    }
}
