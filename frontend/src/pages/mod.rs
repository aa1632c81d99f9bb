//! The pages. Each takes what it shows as properties and reports what the
//! user chose through callbacks; [`crate::app::App`] decides which one shows.

pub mod bid;
pub mod cert;
pub mod login;
pub mod official;
pub mod receipt;
pub mod seals;
pub mod tender;
pub mod tenders;
// Contracts, verification, filings, regulator (issue 6).
pub mod contracts;
pub mod filings;
pub mod regulator;
pub mod verify;

pub mod apply;
pub mod centre;
pub mod operator;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};

/// An RFC 3339 time from the API.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// A time as Beijing time (UTC+8), the procurement's legal time: `2026-11-22 20:00:00`.
pub fn show_time(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.to_offset(offset!(+8)).format(&fmt).unwrap_or_else(|_| t.to_string())
}

/// An API time text shown as Beijing time, or as it came when it does not parse.
pub fn show_time_text(text: &str) -> String {
    parse_time(text).map(show_time).unwrap_or_else(|| text.to_string())
}

/// A duration as `2d 03:04:05` (days only when there are any).
pub fn show_duration(d: time::Duration) -> String {
    let secs = d.whole_seconds().max(0);
    let (days, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if days > 0 { format!("{days}d {h:02}:{m:02}:{s:02}") } else { format!("{h:02}:{m:02}:{s:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_beijing_time() {
        let t = parse_time("2026-11-22T12:00:00Z").unwrap();
        assert_eq!(show_time(t), "2026-11-22 20:00:00");
        assert_eq!(show_time_text("not a time"), "not a time");
        assert_eq!(show_duration(time::Duration::seconds(3_723)), "01:02:03");
        assert_eq!(show_duration(time::Duration::seconds(2 * 86_400 + 5)), "2d 00:00:05");
        assert_eq!(show_duration(time::Duration::seconds(-5)), "00:00:00");
    }
}
