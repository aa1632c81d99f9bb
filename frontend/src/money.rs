//! Amounts as the user types and reads them (yuan with up to two decimals)
//! and as bids carry them (whole fen).

/// `12`, `12.3` or `12.34` yuan in fen; `None` for anything else (signs,
/// exponents, more than two decimals, empty parts, overflow). Surrounding
/// spaces and thousands separators (`,`) are ignored.
pub fn yuan_to_fen(text: &str) -> Option<u64> {
    let s: String = text.trim().chars().filter(|c| *c != ',').collect();
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    let frac_fen: u64 = format!("{frac:0<2}").parse().ok()?;
    whole.parse::<u64>().ok()?.checked_mul(100)?.checked_add(frac_fen)
}

/// Fen as yuan text with two decimals and thousands separators: `1,234.50`.
pub fn fen_to_yuan(fen: u64) -> String {
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}.{:02}", fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_amounts_parse_to_fen() {
        assert_eq!(yuan_to_fen("12.34"), Some(1234));
        assert_eq!(yuan_to_fen(" 12.3 "), Some(1230));
        assert_eq!(yuan_to_fen("12"), Some(1200));
        assert_eq!(yuan_to_fen("1,234.05"), Some(123_405));
        assert_eq!(yuan_to_fen("0.01"), Some(1));
        for bad in ["", ".5", "12.", "12.345", "-1", "1e3", "12.3x", "１２", "184467440737095516.16"] {
            assert_eq!(yuan_to_fen(bad), None, "{bad}");
        }
    }

    #[test]
    fn fen_prints_as_yuan() {
        assert_eq!(fen_to_yuan(0), "0.00");
        assert_eq!(fen_to_yuan(5), "0.05");
        assert_eq!(fen_to_yuan(123_405), "1,234.05");
        assert_eq!(fen_to_yuan(100_000_000_000), "1,000,000,000.00");
        for fen in [1, 99, 100, 12_345_678, u64::MAX / 1000] {
            assert_eq!(yuan_to_fen(&fen_to_yuan(fen)), Some(fen), "round trip {fen}");
        }
    }
}
