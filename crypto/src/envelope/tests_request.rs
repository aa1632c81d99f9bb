//! Replace/withdraw request tests.

use proptest::prelude::*;

use super::*;
use crate::envelope::seal::tests::{NOW, USCC_A, fixture};

fn request(action: BidAction) -> BidRequest {
    let f = fixture();
    let tender = TenderId::parse("T-2026-001").unwrap();
    BidRequest::create(tender, Uscc::parse(USCC_A).unwrap(), [7; 32], action, NOW, &f.a.key).unwrap()
}

#[test]
fn round_trip_and_purpose_separation() {
    let f = fixture();
    let pk = f.a.key.public_key();
    for action in [BidAction::Withdraw, BidAction::Replace { replacement: [9; 32] }] {
        let req = request(action);
        let parsed = BidRequest::parse(&req.encode().unwrap()).unwrap();
        assert_eq!(parsed, req);
        parsed.verify(&pk).unwrap();
        assert_eq!(parsed.verify(&f.b.key.public_key()), Err(Error::BadSignature));
        assert_eq!((parsed.target(), parsed.action(), parsed.time()), (&[7; 32], action, NOW));
    }
    // A withdraw signature does not become a replace request, nor the other way round.
    let mut w = request(BidAction::Withdraw);
    w.action = BidAction::Replace { replacement: [9; 32] };
    assert_eq!(w.verify(&pk), Err(Error::BadSignature));
    let mut r = request(BidAction::Replace { replacement: [9; 32] });
    r.action = BidAction::Replace { replacement: [8; 32] };
    assert_eq!(r.verify(&pk), Err(Error::BadSignature));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_single_bit_flip_is_rejected(pos in any::<prop::sample::Index>(), replace in any::<bool>()) {
        let action = if replace { BidAction::Replace { replacement: [9; 32] } } else { BidAction::Withdraw };
        let mut der = request(action).encode().unwrap();
        let bit = pos.index(der.len() * 8);
        der[bit / 8] ^= 1 << (bit % 8);
        if let Ok(req) = BidRequest::parse(&der) {
            prop_assert_eq!(req.verify(&fixture().a.key.public_key()), Err(Error::BadSignature));
        }
    }
}
