//! The replayed official's step: a whole ceremony through [`step`], repeated
//! steps, tampered, foreign, duplicate and out-of-order relayed messages.

use base64ct::{Base64, Encoding};

use super::*;
use crate::committee::wire::cbor;
use crate::committee::{Fault, Transcript, open_share_file};

const N: usize = 3;

fn keys() -> Vec<PrivateKey> {
    (0..N).map(|_| PrivateKey::generate().unwrap()).collect()
}

/// An empty ceremony file for `keys`, t = 1, as the relay serves it.
fn empty_file(keys: &[PrivateKey]) -> CeremonyFile {
    CeremonyFile {
        committee: "C1".into(),
        attempt: 1,
        threshold: 1,
        officials: keys.iter().map(|k| hex::encode(k.public_key().to_sec1())).collect(),
        messages: Vec::new(),
        status: "ceremony".into(),
        final_seq: None,
    }
}

/// The relay appends `msgs` posted by official `sender`.
fn relay(file: &mut CeremonyFile, sender: usize, msgs: &[OutMessage]) {
    for m in msgs {
        let seq = file.messages.last().map_or(1, |l| l.seq + 1);
        file.messages.push(RelayedMessage { seq, kind: m.kind.clone(), sender, data: m.data.clone() });
    }
}

/// The relay closes the ceremony at its last message.
fn close(file: &mut CeremonyFile) {
    file.status = "ready".into();
    file.final_seq = file.messages.last().map(|m| m.seq);
}

/// Steps every official in turn, relaying what it posts, until nobody has anything to post.
fn run(file: &mut CeremonyFile, keys: &[PrivateKey], states: &mut [State]) {
    let c = ceremony_of(file).unwrap();
    for _round in 0..10 {
        let mut quiet = true;
        for (i, state) in states.iter_mut().enumerate() {
            let s = step(file, &c, i, &keys[i], state).unwrap();
            assert!(s.notices.is_empty(), "official {i}: {}", s.notices[0]);
            assert!(s.complaints.is_empty());
            quiet &= s.to_post.is_empty();
            relay(file, i, &s.to_post);
        }
        if quiet {
            return;
        }
    }
    panic!("the ceremony does not settle");
}

/// Every official steps once, in turn, relaying what it posts: seq 1 part
/// 0; 2 part 1, 3 ack 1→0; 4 part 2, 5 ack 2→0, 6 ack 2→1.
fn one_round(keys: &[PrivateKey]) -> (CeremonyFile, Ceremony, Vec<State>) {
    let mut file = empty_file(keys);
    let c = ceremony_of(&file).unwrap();
    let mut states: Vec<State> = (0..N).map(|_| State::fresh().unwrap()).collect();
    for (i, state) in states.iter_mut().enumerate() {
        let posted = step(&file, &c, i, &keys[i], state).unwrap().to_post;
        relay(&mut file, i, &posted);
    }
    (file, c, states)
}

fn bytes_of(m: &RelayedMessage) -> Vec<u8> {
    Base64::decode_vec(&m.data).unwrap()
}

#[test]
fn three_officials_reach_one_key_through_steps_alone() {
    let keys = keys();
    let mut file = empty_file(&keys);
    let mut states: Vec<State> = (0..N).map(|_| State::fresh().unwrap()).collect();
    run(&mut file, &keys, &mut states);
    // One part per official, then every official acks every part.
    assert_eq!(file.messages.iter().filter(|m| m.kind == PART).count(), N);
    assert_eq!(file.messages.iter().filter(|m| m.kind == ACK).count(), N * N);
    close(&mut file);

    let c = ceremony_of(&file).unwrap();
    let mut keys_hex = Vec::new();
    for (i, state) in states.iter_mut().enumerate() {
        let s = step(&file, &c, i, &keys[i], state).unwrap();
        assert!(s.ready && s.to_post.is_empty() && !s.state_changed);
        let done = finish(&s.keygen).unwrap();
        assert_eq!(done.share().unwrap().public_key_share(), done.public_key_set.public_key_share(i));
        let sealed = done.seal_share(&c, i, b"pw").unwrap();
        let opened = open_share_file(&sealed, b"pw").unwrap();
        assert_eq!((opened.index, opened.committee), (i, Some(done.public_key_set.public_key())));
        keys_hex.push(done.public_key_hex());
    }
    assert!(keys_hex.iter().all(|k| *k == keys_hex[0]), "{keys_hex:?}");
    // The relay, which decrypts nothing, computes the same key.
    let mut server = Transcript::new(c);
    for m in &file.messages {
        match m.kind.as_str() {
            PART => {
                server.add_part(&Part::from_bytes(&bytes_of(m)).unwrap()).unwrap();
            }
            _ => {
                server.add_ack(&Ack::from_bytes(&bytes_of(m)).unwrap()).unwrap();
            }
        }
    }
    assert_eq!(hex::encode(server.public_key_set().unwrap().public_key().to_bytes()), keys_hex[0]);
}

#[test]
fn a_repeated_step_posts_the_same_bytes() {
    let keys = keys();
    let mut file = empty_file(&keys);
    let c = ceremony_of(&file).unwrap();
    let mut state = State::fresh().unwrap();

    let first = step(&file, &c, 0, &keys[0], &mut state).unwrap();
    assert_eq!(first.to_post.len(), 1);
    assert_eq!(first.to_post[0].kind, PART);
    assert!(first.state_changed && !first.ready);
    let again = step(&file, &c, 0, &keys[0], &mut state).unwrap();
    assert_eq!(again.to_post, first.to_post, "the part is re-posted byte for byte");
    assert!(!again.state_changed);

    // The others' parts arrive, ours not yet: our part again, and an ack of each.
    for (i, key) in keys.iter().enumerate().skip(1) {
        let mut other = State::fresh().unwrap();
        let posted = step(&file, &c, i, key, &mut other).unwrap().to_post;
        relay(&mut file, i, &posted);
    }
    let acks = step(&file, &c, 0, &keys[0], &mut state).unwrap();
    assert_eq!(acks.to_post[0], first.to_post[0]);
    assert_eq!(acks.to_post.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>(), [PART, ACK, ACK]);
    assert!(acks.state_changed);

    // Kept and reopened (as the CLI and the browser do), the state steps to the same bytes.
    let sealed = state.seal_with(&c, 0, b"pw", 1_000).unwrap();
    let mut reopened = State::open(&sealed, &c, 0, b"pw").unwrap();
    let after = step(&file, &c, 0, &keys[0], &mut reopened).unwrap();
    assert_eq!(after.to_post, acks.to_post);
    assert!(!after.state_changed);

    // Posted, our part counts: a new ack of it (proposer 0 first); the acks
    // of the others are still owed, byte for byte.
    relay(&mut file, 0, &acks.to_post[..1]);
    let rest = step(&file, &c, 0, &keys[0], &mut reopened).unwrap();
    assert_eq!(rest.to_post[1..], acks.to_post[1..]);
    assert_eq!(ack_proposer(&rest.to_post[0]), Some(0));
    assert!(rest.state_changed);

    // The seed alone (nothing kept as sent) deals the same polynomial, in new bytes.
    let fresh_file = empty_file(&keys);
    let mut same_seed = State { seed: state.seed.clone(), sent: Vec::new() };
    let redealt = step(&fresh_file, &c, 0, &keys[0], &mut same_seed).unwrap();
    let part = |m: &OutMessage| Part::from_bytes(&Base64::decode_vec(&m.data).unwrap()).unwrap();
    assert_eq!(part(&redealt.to_post[0]).commitment(), part(&first.to_post[0]).commitment());
    assert_ne!(redealt.to_post[0], first.to_post[0]);
}

#[test]
fn a_tampered_message_is_refused_and_blames_nobody() {
    let keys = keys();
    let (mut file, c, mut states) = one_round(&keys);
    // One byte of official 1's part (seq 2) flipped in transit.
    let mut bytes = bytes_of(&file.messages[1]);
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    file.messages[1].data = Base64::encode_string(&bytes);

    let s = step(&file, &c, 0, &keys[0], &mut states[0]).unwrap();
    let said: Vec<String> = s.notices.iter().map(Notice::to_string).collect();
    assert_eq!(
        said,
        [
            "ignoring message seq 2 (part from official 1): signature verification failed",
            // Official 2's ack of that part (seq 6) acks a part not recorded here.
            "ignoring message seq 6 (ack from official 2): invalid parameter: ack of a part not recorded (yet)",
        ]
    );
    let Notice::Refused { seq: 2, ref kind, sender: 1, ref error } = s.notices[0] else {
        panic!("{:?}", s.notices);
    };
    assert_eq!((kind.as_str(), error), (PART, &Error::BadSignature));
    assert!(s.complaints.is_empty(), "a forged message proves nothing about official 1");
    let proposers: Vec<usize> = s.to_post.iter().filter_map(ack_proposer).collect();
    assert_eq!(proposers, [0, 2], "no ack of the tampered part");
}

#[test]
fn a_signed_faulty_part_draws_a_complaint_posted_once() {
    let keys = keys();
    let mut file = empty_file(&keys);
    let c = ceremony_of(&file).unwrap();
    let mut mine = State::fresh().unwrap();
    let posted = step(&file, &c, 0, &keys[0], &mut mine).unwrap().to_post;
    relay(&mut file, 0, &posted);
    // Official 1 signs a part whose row for official 0 is not its commitment's.
    let honest = KeyGen::for_ceremony(c.clone(), 1, keys[1].clone()).unwrap().make_part().unwrap();
    let other = KeyGen::for_ceremony(c.clone(), 1, keys[1].clone()).unwrap().make_part().unwrap();
    let mut rows = honest.rows.clone();
    rows[0] = other.rows[0].clone();
    let bad = Part::sign(&c, 1, &keys[1], &cbor(honest.commitment()).unwrap(), &rows).unwrap();
    let posted = OutMessage { kind: PART.into(), data: Base64::encode_string(bad.to_bytes()) };
    relay(&mut file, 1, &[posted]);

    let s = step(&file, &c, 0, &keys[0], &mut mine).unwrap();
    assert!(s.notices.is_empty());
    assert_eq!(s.complaints.len(), 1);
    assert_eq!((s.complaints[0].accused(), s.complaints[0].fault()), (1, Fault::RowMismatch));
    let kinds: Vec<&str> = s.to_post.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, [ACK, COMPLAINT], "an ack of our own part, a complaint against official 1");
    assert_eq!(complaint_accused(&s.to_post[1]), Some(1));
    // Relayed, the complaint is not posted again; the others see it as a notice.
    relay(&mut file, 0, &s.to_post);
    let after = step(&file, &c, 0, &keys[0], &mut mine).unwrap();
    assert!(after.to_post.is_empty() && after.complaints.is_empty());
    let mut two = State::fresh().unwrap();
    let seen = step(&file, &c, 2, &keys[2], &mut two).unwrap();
    assert!(matches!(seen.notices[..], [Notice::Complaint { seq: 4, sender: 0, .. }]), "{:?}", seen.notices);
    assert_eq!(seen.notices[0].to_string(), "official 0 complained against official 1: RowMismatch");
}

#[test]
fn foreign_and_out_of_order_messages_are_named() {
    let keys = keys();
    let (file, c, mut states) = one_round(&keys);
    let acks = step(&file, &c, 2, &keys[2], &mut states[2]).unwrap().to_post;

    // Listed in any order, the messages are replayed in seq order.
    let mut shuffled = file.clone();
    shuffled.messages.reverse();
    let in_order = step(&file, &c, 1, &keys[1], &mut states[1]).unwrap();
    let reversed = step(&shuffled, &c, 1, &keys[1], &mut states[1]).unwrap();
    assert_eq!(in_order.to_post, reversed.to_post);
    assert!(in_order.state_changed && !reversed.state_changed);

    // An ack relayed before the part it acknowledges (seq 0) is refused, named.
    let mut early = file.clone();
    early
        .messages
        .insert(0, RelayedMessage { seq: 0, kind: ACK.into(), sender: 2, data: acks[0].data.clone() });
    let s = step(&early, &c, 0, &keys[0], &mut states[0]).unwrap();
    assert!(matches!(s.notices[..], [Notice::Refused { seq: 0, sender: 2, .. }]), "{:?}", s.notices);
    assert_eq!(
        s.notices[0].to_string(),
        "ignoring message seq 0 (ack from official 2): invalid parameter: ack of a part not recorded (yet)"
    );

    // A message relayed as from an official who is not on the roster is refused, named.
    let mut foreign = file.clone();
    assert_eq!((foreign.messages[3].kind.as_str(), foreign.messages[3].sender), (PART, 2));
    foreign.messages[3].sender = 7;
    let s = step(&foreign, &c, 0, &keys[0], &mut states[0]).unwrap();
    assert!(matches!(s.notices[..], [Notice::Refused { seq: 4, sender: 7, .. }]), "{:?}", s.notices);
    assert_eq!(
        s.notices[0].to_string(),
        "ignoring message seq 4 (part from official 7): signature verification failed"
    );

    // Malformed files are errors naming what is wrong.
    let mut err = |f: &CeremonyFile| step(f, &c, 0, &keys[0], &mut states[0]).unwrap_err().to_string();
    let mut twice = file.clone();
    twice.messages[2].seq = 2;
    assert_eq!(err(&twice), "malformed ceremony file: two messages with seq 2");
    let mut kind = file.clone();
    kind.messages[1].kind = "vote".into();
    assert_eq!(
        err(&kind),
        "malformed ceremony file: message seq 2: unknown kind \"vote\" (expected part, ack or complaint)"
    );
    let mut data = file.clone();
    data.messages[2].data = "not base64!".into();
    assert_eq!(
        err(&data),
        "malformed ceremony file: message seq 3 (ack from official 1): data is not base64"
    );
    let mut status = file.clone();
    status.status = "done".into();
    assert!(err(&status).contains("unknown status \"done\""));
    let mut no_final = file.clone();
    no_final.status = "ready".into();
    assert!(err(&no_final).contains("ready but has no final_seq"));
    // Once ready, messages after final_seq do not count, even malformed ones.
    let mut ready = file.clone();
    close(&mut ready);
    relay(&mut ready, 1, &[OutMessage { kind: "vote".into(), data: String::new() }]);
    assert!(step(&ready, &c, 0, &keys[0], &mut states[0]).unwrap().ready);
}

#[test]
fn the_state_opens_only_for_its_official_and_ceremony() {
    let keys = keys();
    let file = empty_file(&keys);
    let c = ceremony_of(&file).unwrap();
    let sealed = State::fresh().unwrap().seal_with(&c, 0, b"pw", 1_000).unwrap();
    assert_eq!(State::open(&sealed, &c, 0, b"other").unwrap_err(), Error::WrongPassword);
    let e = State::open(&sealed, &c, 1, b"pw").unwrap_err().to_string();
    assert!(e.contains("belongs to another ceremony or official (committee C1, attempt 1"), "{e}");
    let (next, _) = c.restart_without(&[2], 2).unwrap();
    assert!(State::open(&sealed, &next, 0, b"pw").is_err());
    let mut bad = file.clone();
    bad.officials[1] = "zz".into();
    assert_eq!(
        ceremony_of(&bad).unwrap_err().to_string(),
        "malformed ceremony file: official 1: the public key is not hex"
    );
}
