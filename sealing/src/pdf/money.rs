//! Amounts in fen (分) written as figures and as Chinese capital numerals.
//!
//! The capital form follows the rules of the People's Bank of China 《支付结算办法》
//! (附一 正确填写票据和结算凭证的基本规定): an amount ending at 元 or 角 ends
//! with 整, one ending at 分 does not; a run of zeros inside the figure is
//! written as one 零; a zero 元 or 万 digit before a non-zero lower digit may be
//! written or left out — this module leaves it out (壹仟陆佰捌拾元叁角贰分).

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const IN_GROUP: [&str; 4] = ["", "拾", "佰", "仟"];

/// `fen` as yuan with two decimals and thousands separators: `1234567` → `12,345.67`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let yuan = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// `fen` in Chinese capital numerals (大写金额): `1234567` → 壹万贰仟叁佰肆拾伍元陆角柒分,
/// `1000500` → 壹万零伍元整, `5` → 伍分, `0` → 零元整. Negative amounts get the prefix 负.
pub fn amount_in_words(fen: i64) -> String {
    let abs = fen.unsigned_abs();
    let (yuan, jiao, fen_digit) = (abs / 100, (abs / 10 % 10) as usize, (abs % 10) as usize);
    let mut out = String::new();
    if fen < 0 {
        out.push('负');
    }
    if abs == 0 {
        out.push_str("零元整");
        return out;
    }
    if yuan > 0 {
        out.push_str(&integer_in_words(yuan));
        out.push('元');
    }
    match (jiao, fen_digit) {
        (0, 0) => out.push('整'),
        (j, 0) => {
            out.push(DIGITS[j]);
            out.push_str("角整");
        }
        (j, f) => {
            if j > 0 {
                out.push(DIGITS[j]);
                out.push('角');
            } else if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[f]);
            out.push('分');
        }
    }
    out
}

/// A positive integer in capital numerals, grouped by 万 (10^4) and 亿 (10^8).
fn integer_in_words(n: u64) -> String {
    let digits: Vec<usize> = n.to_string().bytes().map(|b| usize::from(b - b'0')).collect();
    let groups_nonzero =
        |g: usize| -> bool { digits.iter().rev().enumerate().any(|(i, &d)| i / 4 == g && d != 0) };
    let mut out = String::new();
    let mut zero_pending = false;
    for (k, &d) in digits.iter().enumerate() {
        let pos = digits.len() - 1 - k;
        let (group, in_group) = (pos / 4, pos % 4);
        if d == 0 {
            zero_pending = !out.is_empty();
        } else {
            if zero_pending {
                out.push('零');
                zero_pending = false;
            }
            out.push(DIGITS[d]);
            out.push_str(IN_GROUP[in_group]);
        }
        if in_group == 0 && group > 0 {
            let unit = match group % 2 {
                // 万, 万亿, …: only when the group itself has a digit.
                1 => groups_nonzero(group).then_some("万"),
                // 亿: also when only the 万亿 group above has digits.
                _ => (groups_nonzero(group) || groups_nonzero(group + 1)).then_some("亿"),
            };
            if let Some(u) = unit {
                out.push_str(u);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capital_numerals() {
        let cases: &[(i64, &str)] = &[
            (1_234_567, "壹万贰仟叁佰肆拾伍元陆角柒分"),
            (1_000_500, "壹万零伍元整"),
            (5, "伍分"),
            (50, "伍角整"),
            (55, "伍角伍分"),
            (0, "零元整"),
            (100, "壹元整"),
            (105, "壹元零伍分"),
            (1000, "壹拾元整"),
            (10_000_000_010, "壹亿元壹角整"),
            (10_000_000_000, "壹亿元整"),
            (10_001_000_000, "壹亿零壹万元整"),
            (100_000_000_100, "壹拾亿零壹元整"),
            (168_032, "壹仟陆佰捌拾元叁角贰分"),
            (100_100, "壹仟零壹元整"),
            (1_010_100, "壹万零壹佰零壹元整"),
            (10_000_000, "壹拾万元整"),
            (100_000_000_000_000, "壹万亿元整"),
            (100_010_000_000_000, "壹万零壹亿元整"),
            (-1_000_500, "负壹万零伍元整"),
        ];
        for &(fen, words) in cases {
            assert_eq!(amount_in_words(fen), words, "{fen} fen");
        }
    }

    #[test]
    fn figures() {
        assert_eq!(format_yuan(1_234_567), "12,345.67");
        assert_eq!(format_yuan(5), "0.05");
        assert_eq!(format_yuan(10_000_000_010), "100,000,000.10");
        assert_eq!(format_yuan(-100), "-1.00");
        assert_eq!(format_yuan(i64::MIN), "-92,233,720,368,547,758.08");
    }

    #[test]
    fn extremes_do_not_panic() {
        assert!(amount_in_words(i64::MAX).ends_with('分'));
        assert!(amount_in_words(i64::MIN).starts_with('负'));
    }
}
