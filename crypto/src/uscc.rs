//! The unified social credit code (统一社会信用代码, GB 32100-2015).
//!
//! Eighteen characters from the 31-character set `0-9 A-H J-N P-R T-U W-Y`
//! (no I, O, S, V, Z): registration authority, institution category, six-digit
//! administrative division, nine-character organisation code, and a check
//! character `C18 = 31 − (Σ Cᵢ·Wᵢ mod 31)` with `Wᵢ = 3^(i−1) mod 31`
//! (31 maps to 0). A [`Uscc`] value has passed every one of these checks.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// Registration authorities: 1–9 for government departments, A–H, N and Y per the standard's table.
const AUTHORITIES: &[u8] = b"123456789ABCDEFGHNY";

/// A unified social credit code with a correct check character.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (which must be in the charset).
pub fn check_character(first17: &[u8; 17]) -> Result<char> {
    let mut sum = 0u32;
    for (i, (&c, w)) in first17.iter().zip(WEIGHTS).enumerate() {
        let v = value(c).ok_or_else(|| {
            Error::InvalidUscc(format!("character {} ({:?}) is not allowed", i + 1, c as char))
        })?;
        sum += v * w;
    }
    Ok(CHARSET[((31 - sum % 31) % 31) as usize] as char)
}

impl Uscc {
    /// Parses and checks a code. Lower-case letters are accepted and upper-cased.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(Error::InvalidUscc(format!("must be 18 characters, got {}", s.chars().count())));
        }
        if !AUTHORITIES.contains(&b[0]) {
            return Err(Error::InvalidUscc(format!(
                "registration authority code {:?} is not assigned",
                b[0] as char
            )));
        }
        if !b[2..8].iter().all(u8::is_ascii_digit) {
            return Err(Error::InvalidUscc("characters 3-8 (administrative division) must be digits".into()));
        }
        let mut first17 = [0u8; 17];
        first17.copy_from_slice(&b[..17]);
        let expected = check_character(&first17)?;
        if value(b[17]).is_none() {
            return Err(Error::InvalidUscc(format!("character 18 ({:?}) is not allowed", b[17] as char)));
        }
        if b[17] as char != expected {
            return Err(Error::InvalidUscc(format!("wrong check character {:?}", b[17] as char)));
        }
        Ok(Self(s))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative division code (characters 3–8).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

impl FromStr for Uscc {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uscc({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes() {
        // Published codes (check characters confirmed with an independent Python implementation).
        for c in ["91350100M000100Y43", "91110000600037341L"] {
            assert_eq!(Uscc::parse(c).unwrap().as_str(), c);
        }
        assert_eq!(Uscc::parse("91350100m000100y43").unwrap().as_str(), "91350100M000100Y43");
    }

    #[test]
    fn rejections_name_the_problem() {
        let e = Uscc::parse("91350100M000100Y44").unwrap_err().to_string();
        assert!(e.contains("check character"), "{e}");
        assert!(Uscc::parse("9135").unwrap_err().to_string().contains("18 characters"));
        assert!(Uscc::parse("9135010OM000100Y43").unwrap_err().to_string().contains("character"));
        assert!(Uscc::parse("Z1350100M000100Y43").unwrap_err().to_string().contains("authority"));
    }

    fn arb_first17() -> impl Strategy<Value = [u8; 17]> {
        (
            proptest::sample::select(AUTHORITIES.to_vec()),
            proptest::collection::vec(proptest::sample::select(CHARSET.to_vec()), 1),
            proptest::collection::vec(proptest::sample::select(b"0123456789".to_vec()), 6),
            proptest::collection::vec(proptest::sample::select(CHARSET.to_vec()), 9),
        )
            .prop_map(|(a, b, c, d)| {
                let mut out = [0u8; 17];
                out[0] = a;
                out[1] = b[0];
                out[2..8].copy_from_slice(&c);
                out[8..].copy_from_slice(&d);
                out
            })
    }

    proptest! {
        #[test]
        fn valid_codes_parse_and_every_other_check_character_fails(first in arb_first17()) {
            let good = check_character(&first).unwrap();
            let body = std::str::from_utf8(&first).unwrap();
            let valid = format!("{body}{good}");
            prop_assert!(Uscc::parse(&valid).is_ok());
            for &c in CHARSET.iter().filter(|&&c| c as char != good) {
                let wrong = format!("{}{}", body, c as char);
                prop_assert!(Uscc::parse(&wrong).is_err());
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,40}") {
            let _ = Uscc::parse(&s);
        }
    }
}
