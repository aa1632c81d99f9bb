//! The kinds of seal sealbid makes, and their codes in `SES_ESPropertyInfo.type`.

use std::fmt;
use std::str::FromStr;

/// What a seal is for. GB/T 38540-2020 leaves the meaning of the `type`
/// INTEGER to the application; these are sealbid's codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SealKind {
    /// The organisation's official seal (公章), code 1.
    Official,
    /// Seal for contracts (合同专用章), code 2.
    Contract,
    /// Seal for financial documents (财务专用章), code 3.
    Finance,
    /// Seal for regulatory filings (备案专用章), code 4.
    Filing,
}

impl SealKind {
    /// Every kind, in code order.
    pub const ALL: [SealKind; 4] =
        [SealKind::Official, SealKind::Contract, SealKind::Finance, SealKind::Filing];

    /// The value stored in `SES_ESPropertyInfo.type`.
    pub fn code(self) -> i64 {
        match self {
            SealKind::Official => 1,
            SealKind::Contract => 2,
            SealKind::Finance => 3,
            SealKind::Filing => 4,
        }
    }

    /// The kind with this code, if sealbid defines one.
    pub fn from_code(code: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SealKind::Official => "official",
            SealKind::Contract => "contract",
            SealKind::Finance => "finance",
            SealKind::Filing => "filing",
        }
    }

    /// The customary Chinese name of such a seal.
    pub fn chinese_name(self) -> &'static str {
        match self {
            SealKind::Official => "公章",
            SealKind::Contract => "合同专用章",
            SealKind::Finance => "财务专用章",
            SealKind::Filing => "备案专用章",
        }
    }
}

impl fmt::Display for SealKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A seal kind name that is not one of `official`, `contract`, `finance`, `filing`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown seal kind {0:?}: expected official, contract, finance or filing")]
pub struct UnknownSealKind(pub String);

impl FromStr for SealKind {
    type Err = UnknownSealKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownSealKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for kind in SealKind::ALL {
            assert_eq!(SealKind::from_code(kind.code()), Some(kind));
            assert_eq!(kind.as_str().parse::<SealKind>(), Ok(kind));
        }
        assert_eq!(SealKind::from_code(0), None);
        assert!("stamp".parse::<SealKind>().is_err());
    }
}
