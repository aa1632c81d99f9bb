//! SM3 hashing (GB/T 32905-2016).

use sm3::{Digest, Sm3};

/// Length of an SM3 digest in bytes.
pub const SM3_LEN: usize = 32;

/// An SM3 digest.
pub type Sm3Digest = [u8; SM3_LEN];

/// SM3 of `data` in one call.
pub fn sm3(data: &[u8]) -> Sm3Digest {
    Sm3::digest(data).into()
}

/// Incremental SM3 for data that arrives in parts (files, byte ranges of a PDF).
#[derive(Clone, Default)]
pub struct Sm3Hasher(Sm3);

impl Sm3Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self(Sm3::new())
    }

    /// Feeds more data.
    pub fn update(&mut self, data: &[u8]) {
        Digest::update(&mut self.0, data);
    }

    /// The digest of everything fed so far.
    pub fn finalize(self) -> Sm3Digest {
        self.0.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // GB/T 32905-2016 Appendix A, examples 1 and 2.
    #[test]
    fn standard_examples() {
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        let msg = b"abcd".repeat(16);
        assert_eq!(
            hex::encode(sm3(&msg)),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn incremental_equals_one_shot() {
        let mut h = Sm3Hasher::new();
        h.update(b"ab");
        h.update(b"c");
        assert_eq!(h.finalize(), sm3(b"abc"));
    }
}
