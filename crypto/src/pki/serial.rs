//! Certificate serial numbers (RFC 5280 §4.1.2.2).
//!
//! A [`CertSerial`] is a positive integer whose DER INTEGER content is at most
//! 20 octets. Fresh serials carry 16 random bytes with the top bit cleared
//! (127 bits of entropy, encoded in at most 16 octets without a sign byte).
//! Text form: upper-case hex of the minimal big-endian magnitude, padded to an
//! even number of digits, as `openssl x509 -serial` prints it.

use std::fmt;
use std::str::FromStr;

use x509_cert::serial_number::SerialNumber;

use crate::{Error, Result, rng};

/// A positive X.509 serial number of at most 20 encoded octets.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertSerial(Vec<u8>);

impl CertSerial {
    /// RFC 5280 §4.1.2.2: serial numbers are at most 20 octets.
    pub const MAX_OCTETS: usize = 20;

    /// A fresh serial: 16 random bytes, 126 of the bits random (positive, no leading zero octet).
    pub fn random() -> Result<Self> {
        let mut bytes = rng::bytes::<16>()?;
        // Top bit clear (positive without a pad byte), next bit set (no leading
        // zero byte): always exactly 16 octets, 126 random bits.
        bytes[0] = (bytes[0] & 0x7f) | 0x40;
        Self::from_magnitude(&bytes)
    }

    /// From a big-endian unsigned magnitude (leading zeros are ignored).
    pub fn from_magnitude(bytes: &[u8]) -> Result<Self> {
        let first = bytes.iter().position(|&b| b != 0);
        let Some(first) = first else {
            return Err(Error::InvalidParameter("a certificate serial number must be positive".into()));
        };
        let magnitude = &bytes[first..];
        let encoded = magnitude.len() + usize::from(magnitude[0] & 0x80 != 0);
        if encoded > Self::MAX_OCTETS {
            return Err(Error::InvalidParameter(format!(
                "a certificate serial number is at most {} octets encoded, this one needs {encoded}",
                Self::MAX_OCTETS
            )));
        }
        Ok(Self(magnitude.to_vec()))
    }

    /// From a small number (handy for tests and sequential CRL-style numbering).
    pub fn from_u64(n: u64) -> Result<Self> {
        Self::from_magnitude(&n.to_be_bytes())
    }

    /// From a decoded certificate field; rejects zero and negative serials.
    pub fn from_x509(serial: &SerialNumber) -> Result<Self> {
        let bytes = serial.as_bytes();
        if bytes.first().is_some_and(|b| b & 0x80 != 0) {
            return Err(Error::malformed("certificate serial number", "negative"));
        }
        Self::from_magnitude(bytes).map_err(|e| Error::malformed("certificate serial number", e))
    }

    /// The big-endian magnitude without leading zeros.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The x509-cert form, for builders and comparisons with decoded certificates.
    pub fn to_x509(&self) -> Result<SerialNumber> {
        SerialNumber::new(&self.0).map_err(|e| Error::Encoding(e.to_string()))
    }
}

impl fmt::Display for CertSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode_upper(&self.0))
    }
}

impl fmt::Debug for CertSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertSerial({self})")
    }
}

impl FromStr for CertSerial {
    type Err = Error;

    /// Hex, case-insensitive, optionally with `:` separators and an odd number of digits.
    fn from_str(s: &str) -> Result<Self> {
        let digits: String = s.trim().chars().filter(|&c| c != ':').collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::InvalidParameter(format!("serial number {s:?} is not hexadecimal")));
        }
        let padded = if digits.len() % 2 == 1 { format!("0{digits}") } else { digits };
        let bytes = hex::decode(&padded)
            .map_err(|_| Error::InvalidParameter(format!("serial number {s:?} is not hexadecimal")))?;
        Self::from_magnitude(&bytes)
    }
}

impl TryFrom<String> for CertSerial {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<CertSerial> for String {
    fn from(s: CertSerial) -> String {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn random_serials_are_positive_and_short() {
        for _ in 0..64 {
            let s = CertSerial::random().unwrap();
            assert_eq!(s.as_bytes().len(), 16);
            assert_eq!(s.as_bytes()[0] & 0x80, 0);
            let x = s.to_x509().unwrap();
            assert_eq!(CertSerial::from_x509(&x).unwrap(), s);
        }
        assert_ne!(CertSerial::random().unwrap(), CertSerial::random().unwrap());
    }

    #[test]
    fn limits() {
        assert!(CertSerial::from_magnitude(&[0, 0]).is_err());
        assert!("0".parse::<CertSerial>().is_err());
        assert!("".parse::<CertSerial>().is_err());
        assert!("xyz".parse::<CertSerial>().is_err());
        assert!(CertSerial::from_magnitude(&[0x7f; 20]).is_ok());
        // 20 bytes with the top bit set need a sign octet: 21 octets encoded.
        assert!(CertSerial::from_magnitude(&[0x80; 20]).is_err());
        assert!(CertSerial::from_magnitude(&[1; 21]).is_err());
        assert_eq!("0a:0B".parse::<CertSerial>().unwrap().to_string(), "0A0B");
        assert_eq!("abc".parse::<CertSerial>().unwrap().as_bytes(), &[0x0a, 0xbc]);
        assert_eq!(CertSerial::from_u64(0x1234).unwrap().to_string(), "1234");
    }

    #[test]
    fn negative_x509_serial_is_rejected() {
        let neg = SerialNumber::<x509_cert::certificate::Rfc5280>::from_der(&[0x02, 0x01, 0xff]);
        use der::Decode;
        let neg = neg.unwrap();
        assert!(CertSerial::from_x509(&neg).is_err());
    }

    proptest! {
        #[test]
        fn text_round_trip(bytes in proptest::collection::vec(any::<u8>(), 1..20)) {
            if let Ok(s) = CertSerial::from_magnitude(&bytes) {
                prop_assert_eq!(s.to_string().parse::<CertSerial>().unwrap(), s.clone());
                prop_assert_eq!(CertSerial::from_x509(&s.to_x509().unwrap()).unwrap(), s);
            } else {
                prop_assert!(bytes.iter().all(|&b| b == 0));
            }
        }
    }
}
