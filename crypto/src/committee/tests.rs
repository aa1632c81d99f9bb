//! Ceremonies end to end: honest, with a cheating dealer, with a silent official, and restarts.

use threshold_crypto::Fr;
use threshold_crypto::ff::Field;
use threshold_crypto::poly::Poly;

use super::wire::cbor;
use super::*;
use crate::sm2::PrivateKey;

const T: usize = 2;

fn keys(n: usize) -> Vec<PrivateKey> {
    (0..n).map(|_| PrivateKey::generate().unwrap()).collect()
}

fn ceremony(keys: &[PrivateKey], attempt: u32) -> Ceremony {
    ceremony_t(keys, attempt, T)
}

fn ceremony_t(keys: &[PrivateKey], attempt: u32, t: usize) -> Ceremony {
    let id = CeremonyId { committee: "centre-7/committee-3".into(), attempt };
    Ceremony::new(id, keys.iter().map(PrivateKey::public_key).collect(), t).unwrap()
}

fn officials(c: &Ceremony, keys: &[PrivateKey]) -> Vec<KeyGen> {
    keys.iter().enumerate().map(|(i, k)| KeyGen::for_ceremony(c.clone(), i, k.clone()).unwrap()).collect()
}

/// Relays every part, then every ack, to every official (itself included) and
/// to the server's transcript; `active` officials send messages. Returns the
/// complaints raised.
fn relay(kgs: &mut [KeyGen], parts: &[Part], active: &[usize]) -> Vec<Complaint> {
    let mut server = Transcript::new(kgs[0].ceremony().clone());
    let mut acks = Vec::new();
    let mut complaints = Vec::new();
    let max = server.ceremony().max_message_len();
    for part in parts {
        assert!(part.to_bytes().len() * 2 < max, "{} vs {max}", part.to_bytes().len());
        for (k, kg) in kgs.iter_mut().enumerate() {
            match kg.handle_part(part.sender(), part).unwrap() {
                PartOutcome::Valid(ack) if active.contains(&k) => acks.push(ack),
                PartOutcome::Valid(_) => {}
                PartOutcome::Invalid(c) => complaints.push(c),
            }
        }
    }
    for msg in parts {
        server.add_part(msg).unwrap();
    }
    for ack in &acks {
        ack.verify(kgs[0].ceremony()).unwrap();
        server.add_ack(ack).unwrap();
        assert!(server.add_ack(ack).is_err(), "recorded twice");
        for kg in kgs.iter_mut() {
            if let AckOutcome::Invalid(c) = kg.handle_ack(ack.sender(), ack).unwrap() {
                complaints.push(*c);
            }
        }
    }
    // The server, which decrypts nothing, computes the key set the officials will.
    assert_eq!(server.complete_dealers(), kgs[0].complete_dealers());
    if let Ok((pks, _)) = kgs[0].generate() {
        assert_eq!(server.public_key_set().unwrap(), pks);
    }
    complaints
}

/// Every official generates; all agree on the key set and every share matches it.
fn finish(kgs: &[KeyGen]) -> (PublicKeySet, Vec<SecretKeyShare>) {
    let results: Vec<_> = kgs.iter().map(|kg| kg.generate().unwrap()).collect();
    let pks = results[0].0.clone();
    let mut shares = Vec::new();
    for (i, (p, share)) in results.into_iter().enumerate() {
        assert_eq!(p, pks, "official {i} disagrees on the public key set");
        assert_eq!(p.threshold(), kgs[0].ceremony().threshold());
        let share = share.expect("every official gets a share");
        assert_eq!(share.public_key_share(), pks.public_key_share(i), "share {i} does not verify");
        shares.push(share);
    }
    (pks, shares)
}

fn honest_run(keys: &[PrivateKey], attempt: u32) -> (Ceremony, Vec<KeyGen>) {
    let c = ceremony(keys, attempt);
    let mut kgs = officials(&c, keys);
    let parts: Vec<Part> = kgs.iter_mut().map(|kg| kg.make_part().unwrap()).collect();
    let all: Vec<usize> = (0..keys.len()).collect();
    assert!(relay(&mut kgs, &parts, &all).is_empty());
    (c, kgs)
}

#[test]
fn five_officials_threshold_two() {
    let keys = keys(5);
    let (_, kgs) = honest_run(&keys, 1);
    assert!(kgs.iter().all(KeyGen::is_ready));
    assert_eq!(kgs[3].complete_dealers(), vec![0, 1, 2, 3, 4]);
    assert!(kgs[0].silent_officials().is_empty());
    let (pks, shares) = finish(&kgs);

    let sm4_key = [0x42u8; 16];
    let ct = pks.public_key().encrypt(sm4_key);
    let dec: Vec<_> = shares.iter().map(|s| s.decrypt_share(&ct).unwrap()).collect();
    for trio in [[0usize, 1, 2], [2, 3, 4], [0, 2, 4], [1, 3, 4]] {
        let opened = pks.decrypt(trio.iter().map(|&i| (i, &dec[i])), &ct).unwrap();
        assert_eq!(opened, sm4_key, "officials {trio:?} must open");
    }
    // Two shares are not enough, and a share passed off under another index gives garbage.
    assert!(pks.decrypt([(0usize, &dec[0]), (3, &dec[3])], &ct).is_err());
    let fake = pks.decrypt([(0usize, &dec[0]), (3, &dec[3]), (1, &dec[4])], &ct).unwrap();
    assert_ne!(fake, sm4_key);
    // No official's share is the master key: one share alone decrypts nothing.
    assert!(shares.iter().all(|s| s.public_key_share().to_bytes() != pks.public_key().to_bytes()));
}

/// Dealer `d` signs a part whose row for official `victim` is another polynomial.
fn corrupt_part(c: &Ceremony, key: &PrivateKey, honest: &Part, victim: usize) -> Part {
    let mut rows = honest.rows.clone();
    let wrong = Poly::random(c.threshold(), &mut rng07().unwrap());
    rows[victim] = c.officials()[victim].encrypt(&cbor(&wrong).unwrap()).unwrap();
    let commitment = cbor(&honest.commitment).unwrap();
    Part::sign(c, honest.sender(), key, &commitment, &rows).unwrap()
}

#[test]
fn cheating_dealer_is_named_and_left_out() {
    let keys = keys(5);
    let c = ceremony(&keys, 1);
    let mut kgs = officials(&c, &keys);
    let mut parts: Vec<Part> = kgs.iter_mut().map(|kg| kg.make_part().unwrap()).collect();
    parts[4] = corrupt_part(&c, &keys[4], &parts[4], 1);
    let all: Vec<usize> = (0..5).collect();
    let complaints = relay(&mut kgs, &parts, &all);
    assert_eq!(complaints.len(), 1, "{complaints:?}");
    let complaint = &complaints[0];
    assert_eq!((complaint.complainer(), complaint.accused()), (1, 4));
    assert_eq!(complaint.fault(), Fault::RowMismatch);
    // Anyone can check it, from the wire form alone.
    Complaint::from_bytes(complaint.to_bytes()).unwrap().verify(&c).unwrap();
    // Dealer 4's part lacks official 1's ack: the ceremony completes without it.
    assert!(kgs.iter().all(|kg| kg.complete_dealers() == vec![0, 1, 2, 3]));
    let (pks, shares) = finish(&kgs);
    let ct = pks.public_key().encrypt(b"sixteen byte key");
    let dec: Vec<_> = [1usize, 2, 4].iter().map(|&i| (i, shares[i].decrypt_share(&ct).unwrap())).collect();
    assert_eq!(pks.decrypt(dec.iter().map(|(i, s)| (*i, s)), &ct).unwrap(), b"sixteen byte key");
}

#[test]
fn false_complaint_is_rejected() {
    let keys = keys(3);
    let c = ceremony(&keys, 1);
    let mut kgs = officials(&c, &keys);
    let part = kgs[0].make_part().unwrap();
    // Official 2 claims its (correct) row mismatches, revealing it: the judge sees it matches.
    let row = keys[2].decrypt(&part.rows[2]).unwrap();
    let lie = Complaint::sign(&c, 2, &keys[2], 0, Fault::RowMismatch, &[part.to_bytes()], &row).unwrap();
    assert!(matches!(lie.verify(&c), Err(Error::InvalidParameter(_))));
    // Claiming a structural fault the part does not have fails too.
    let lie = Complaint::sign(&c, 2, &keys[2], 0, Fault::WrongDegree, &[part.to_bytes()], &[]).unwrap();
    assert!(lie.verify(&c).is_err());
    // A duplicate is proven by two different signed parts.
    let second = kgs[0].make_part();
    assert!(second.is_err(), "one part per official");
    let other = corrupt_part(&c, &keys[0], &part, 1);
    kgs[1].handle_part(0, &part).unwrap();
    let PartOutcome::Invalid(dup) = kgs[1].handle_part(0, &other).unwrap() else {
        panic!("duplicate accepted")
    };
    assert_eq!((dup.fault(), dup.accused()), (Fault::Duplicate, 0));
    dup.verify(&c).unwrap();
}

#[test]
fn silent_official_is_named_and_restart_without_it_works() {
    let keys = keys(5);
    let c = ceremony(&keys, 1);
    let mut kgs = officials(&c, &keys);
    // Official 3 never sends anything.
    let parts: Vec<Part> = [0usize, 1, 2, 4].iter().map(|&i| kgs[i].make_part().unwrap()).collect();
    assert!(relay(&mut kgs, &parts, &[0, 1, 2, 4]).is_empty());
    assert!(!kgs[0].is_ready(), "no part has all five acks");
    assert!(kgs[0].generate().is_err());
    assert_eq!(kgs[0].silent_officials(), vec![3]);

    let (next, kept) = c.restart_without(&[3], 2).unwrap();
    assert_eq!(kept, vec![0, 1, 2, 4]);
    let kept_keys: Vec<PrivateKey> = kept.iter().map(|&i| keys[i].clone()).collect();
    let mut kgs2 = officials(&next, &kept_keys);
    // A part from the first attempt is refused in the second.
    assert!(kgs2[0].handle_part(0, &parts[0]).is_err());
    let parts2: Vec<Part> = kgs2.iter_mut().map(|kg| kg.make_part().unwrap()).collect();
    assert!(relay(&mut kgs2, &parts2, &[0, 1, 2, 3]).is_empty());
    let (pks, shares) = finish(&kgs2);
    let ct = pks.public_key().encrypt([7u8; 16]);
    let dec: Vec<_> = [0usize, 2, 3].iter().map(|&i| (i, shares[i].decrypt_share(&ct).unwrap())).collect();
    assert_eq!(pks.decrypt(dec.iter().map(|(i, s)| (*i, s)), &ct).unwrap(), [7u8; 16]);
    // Too few officials left: n' must exceed t.
    assert!(c.restart_without(&[0, 1, 3], 3).is_err());
}

#[test]
fn forged_and_foreign_messages_are_rejected() {
    let keys = keys(3);
    let c = ceremony(&keys, 1);
    let mut kgs = officials(&c, &keys);
    let part = kgs[0].make_part().unwrap();
    let commitment = cbor(&part.commitment).unwrap();
    // Official 1 signs a part in official 0's name.
    let forged = Part::sign(&c, 0, &keys[1], &commitment, &part.rows).unwrap();
    assert_eq!(kgs[2].handle_part(0, &forged).unwrap_err(), Error::BadSignature);
    assert_eq!(forged.verify(&c).unwrap_err(), Error::BadSignature);
    // Relayed under the wrong sender.
    assert_eq!(kgs[2].handle_part(1, &part).unwrap_err(), Error::BadSignature);
    // Any flipped bit in the wire form is refused.
    let bytes = part.to_bytes();
    for pos in [0, 1, 5, 40, bytes.len() / 2, bytes.len() - 3] {
        let mut bad = bytes.to_vec();
        bad[pos] ^= 0x01;
        assert!(Part::from_bytes(&bad).and_then(|p| p.verify(&c)).is_err(), "bit flip at {pos}");
    }
    // Without its signature, the message does not parse.
    let sig_len = part.env.signature.to_der().len() + 4;
    assert!(Part::from_bytes(&bytes[..bytes.len() - sig_len]).is_err());
    // Same committee and officials, other attempt: another ceremony.
    let other = ceremony(&keys, 2);
    let mut kg_other = KeyGen::for_ceremony(other.clone(), 0, keys[0].clone()).unwrap();
    let foreign = kg_other.make_part().unwrap();
    assert!(matches!(kgs[2].handle_part(0, &foreign), Err(Error::InvalidParameter(_))));
    assert!(foreign.verify(&c).is_err());
    foreign.verify(&other).unwrap();
    // The state is untouched by all of the above: the genuine part is still accepted.
    assert!(matches!(kgs[2].handle_part(0, &part).unwrap(), PartOutcome::Valid(_)));
}

#[test]
fn parameters_are_validated() {
    let keys = keys(3);
    let pubs: Vec<_> = keys.iter().map(PrivateKey::public_key).collect();
    let id = CeremonyId { committee: "c".into(), attempt: 1 };
    assert!(Ceremony::new(id.clone(), pubs.clone(), 0).is_err());
    assert!(Ceremony::new(id.clone(), pubs.clone(), 3).is_err());
    let dup = vec![pubs[0].clone(), pubs[0].clone(), pubs[1].clone()];
    assert!(Ceremony::new(id.clone(), dup, 1).is_err());
    assert!(KeyGen::new(id, 1, keys[0].clone(), pubs, 2).is_err(), "key must match the index");
}

#[test]
fn share_file_round_trip_and_wrong_password() {
    let keys = keys(3);
    let (c, kgs) = honest_run(&keys, 1);
    let (pks, share) = kgs[2].generate().unwrap();
    let share = share.unwrap();
    let file = seal_share_file(&share, 2, c.context(), b"correct horse", 1_000).unwrap();
    let opened = open_share_file(&file, b"correct horse").unwrap();
    assert_eq!((opened.index, &opened.context), (2, c.context()));
    assert_eq!(opened.share.public_key_share(), pks.public_key_share(2));
    assert!(!format!("{opened:?}").contains(&format!("{:?}", share.reveal())));
    assert_eq!(open_share_file(&file, b"wrong horse").unwrap_err(), Error::WrongPassword);
    // The header is authenticated: another index does not open.
    let mut moved = file.clone();
    moved[25] ^= 1;
    assert_eq!(open_share_file(&moved, b"correct horse").unwrap_err(), Error::WrongPassword);
    assert!(matches!(open_share_file(b"SBKX", b"pw"), Err(Error::Malformed { .. })));
    assert!(seal_share_file(&share, 2, c.context(), b"", 1_000).is_err());
    assert!(format!("{:?}", kgs[0]).contains("REDACTED"));
}

#[test]
fn bad_row_and_bad_ack_value_are_survived_when_enough_acks_remain() {
    // n = 5, t = 1: a part completes with min(5, 3) = 3 acks.
    let keys = keys(5);
    let c = ceremony_t(&keys, 1, 1);
    let mut kgs = officials(&c, &keys);
    let mut parts: Vec<Part> = kgs.iter_mut().map(|kg| kg.make_part().unwrap()).collect();
    parts[0] = corrupt_part(&c, &keys[0], &parts[0], 1);
    let mut complaints = Vec::new();
    let mut acks = Vec::new();
    for part in &parts {
        for kg in kgs.iter_mut() {
            match kg.handle_part(part.sender(), part).unwrap() {
                PartOutcome::Valid(ack) => acks.push(ack),
                PartOutcome::Invalid(complaint) => complaints.push(complaint),
            }
        }
    }
    // Official 2 sends official 3 a wrong value in its ack of dealer 0's part.
    let i = acks.iter().position(|a| a.sender() == 2 && a.proposer() == 0).unwrap();
    let mut values = acks[i].values.clone();
    values[3] = c.officials()[3].encrypt(wire::fr_to_bytes(&Fr::one()).as_slice()).unwrap();
    acks[i] = Ack::sign(&c, 2, &keys[2], 0, &values).unwrap();
    for ack in &acks {
        for kg in kgs.iter_mut() {
            if let AckOutcome::Invalid(complaint) = kg.handle_ack(ack.sender(), ack).unwrap() {
                complaints.push(*complaint);
            }
        }
    }
    let named: Vec<_> = complaints.iter().map(|c| (c.complainer(), c.accused(), c.fault())).collect();
    assert_eq!(named, vec![(1, 0, Fault::RowMismatch), (3, 2, Fault::ValueMismatch)]);
    for complaint in &complaints {
        complaint.verify(&c).unwrap();
        assert!(complaint.to_bytes().len() < c.max_message_len());
    }
    // Dealer 0's part has 4 acks and counts; official 1 recovers its share from the
    // acks' values, official 3 from the values that did verify.
    assert!(kgs.iter().all(|kg| kg.complete_dealers() == vec![0, 1, 2, 3, 4]));
    let (pks, shares) = finish(&kgs);
    let ct = pks.public_key().encrypt([9u8; 16]);
    let dec: Vec<_> = [1usize, 3].iter().map(|&i| (i, shares[i].decrypt_share(&ct).unwrap())).collect();
    assert_eq!(pks.decrypt(dec.iter().map(|(i, s)| (*i, s)), &ct).unwrap(), [9u8; 16]);
}

/// One ceremony's part and ack, made once for the property below.
fn fixture() -> &'static (Ceremony, Part, Ack) {
    static FIXTURE: std::sync::OnceLock<(Ceremony, Part, Ack)> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let keys = keys(3);
        let c = ceremony_t(&keys, 1, 1);
        let mut kgs = officials(&c, &keys);
        let part = kgs[0].make_part().unwrap();
        let PartOutcome::Valid(ack) = kgs[1].handle_part(0, &part).unwrap() else { panic!("valid part") };
        (c, part, ack)
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Every single-bit change to a part or an ack is refused by public verification.
    #[test]
    fn any_bit_flip_is_refused(bit in proptest::prelude::any::<proptest::sample::Index>()) {
        let (c, part, ack) = fixture();
        for bytes in [part.to_bytes(), ack.to_bytes()] {
            let bit = bit.index(bytes.len() * 8);
            let mut bad = bytes.to_vec();
            bad[bit / 8] ^= 1 << (bit % 8);
            let kind = bytes[1];
            let verdict = match kind {
                1 => Part::from_bytes(&bad).and_then(|p| p.verify(c)),
                _ => Ack::from_bytes(&bad).and_then(|a| a.verify(c)),
            };
            proptest::prop_assert!(verdict.is_err(), "bit {} of kind {} accepted", bit, kind);
        }
    }
}

#[test]
fn a_seeded_official_deals_the_same_polynomial_again() {
    let keys = keys(3);
    let c = ceremony_t(&keys, 1, 1);
    let part = |seed| KeyGen::with_seed(c.clone(), 1, keys[1].clone(), seed).unwrap().make_part().unwrap();
    let (a, b, other) = (part([5; 32]), part([5; 32]), part([6; 32]));
    assert_eq!(a.commitment(), b.commitment());
    assert_ne!(a.commitment(), other.commitment());
    assert!(KeyGen::with_seed(c, 0, keys[1].clone(), [5; 32]).is_err());
}

#[test]
fn state_file_round_trip_and_wrong_password() {
    let file = seal_state_file(b"seed and sent messages", 2, &[7; 32], b"pw", 1_000).unwrap();
    let opened = open_state_file(&file, b"pw").unwrap();
    assert_eq!(
        (opened.index, opened.context, opened.data.as_slice()),
        (2, [7; 32], &b"seed and sent messages"[..])
    );
    assert_eq!(open_state_file(&file, b"other").unwrap_err(), Error::WrongPassword);
    assert!(open_share_file(&file, b"pw").is_err(), "a state file is not a share file");
}

#[test]
fn share_file_v2_records_the_committee_key() {
    use rand07::SeedableRng;
    let set = threshold_crypto::SecretKeySet::random(1, &mut rand07::rngs::StdRng::seed_from_u64(4));
    let pk = set.public_keys().public_key();
    let file = seal_share_file_for(&set.secret_key_share(1), 1, &[3; 32], &pk, b"pw", 1_000).unwrap();
    let opened = open_share_file(&file, b"pw").unwrap();
    assert_eq!((opened.index, opened.committee), (1, Some(pk)));
    assert_eq!(opened.share, set.secret_key_share(1));
    let v1 = seal_share_file(&set.secret_key_share(1), 1, &[3; 32], b"pw", 1_000).unwrap();
    assert_eq!(open_share_file(&v1, b"pw").unwrap().committee, None);
    let mut swapped = file.clone();
    swapped[60] ^= 1; // inside the recorded key: authenticated
    assert!(open_share_file(&swapped, b"pw").is_err());
}
