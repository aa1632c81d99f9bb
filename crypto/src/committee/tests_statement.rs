//! The committee key statement: signed by all or refused, naming who is missing.

use rand07::SeedableRng;
use rand07::rngs::StdRng;
use threshold_crypto::SecretKeySet;

use super::*;

fn setup(n: usize) -> (Vec<PrivateKey>, KeyStatement) {
    let keys: Vec<PrivateKey> = (0..n).map(|_| PrivateKey::generate().unwrap()).collect();
    let id = CeremonyId { committee: "C1".into(), attempt: 1 };
    let ceremony = Ceremony::new(id, keys.iter().map(PrivateKey::public_key).collect(), 1).unwrap();
    let set = SecretKeySet::random(1, &mut StdRng::seed_from_u64(3));
    let statement = KeyStatement::new(&ceremony, &set.public_keys()).unwrap();
    (keys, statement)
}

#[test]
fn every_signature_confirms_the_key_and_the_file_round_trips() {
    let (keys, statement) = setup(3);
    let sigs = sign_all(&statement, &keys).unwrap();
    let confirmed = statement.confirm(&sigs).unwrap();
    assert_eq!(confirmed.hash(), &key_hash(&statement.key_set().public_key()));
    let file = StatementFile::new(&statement, &sigs).unwrap();
    let json = serde_json::to_string(&file).unwrap();
    let back: StatementFile = serde_json::from_str(&json).unwrap();
    assert_eq!(back.confirm().unwrap(), confirmed);
}

#[test]
fn a_missing_or_bad_signature_is_named() {
    let (keys, statement) = setup(3);
    let mut sigs = sign_all(&statement, &keys).unwrap();
    sigs.remove(1);
    let err = statement.confirm(&sigs).unwrap_err().to_string();
    assert!(err.contains("official(s) 1"), "{err}");
    // Official 0's signature presented as official 1's does not count.
    sigs.push(StatementSignature { official: 1, signature: sigs[0].signature });
    let err = statement.confirm(&sigs).unwrap_err().to_string();
    assert!(err.contains("official(s) 1"), "{err}");
}

#[test]
fn an_unconfirmed_fingerprint_is_refused_by_the_signer() {
    let (keys, statement) = setup(3);
    let codes: Vec<String> = statement.ceremony().officials().iter().map(fingerprint_code).collect();
    let err = statement.sign(&keys[0], &codes[..2]).unwrap_err().to_string();
    assert!(err.contains("official 2") && err.contains(&codes[2]), "{err}");
    // Spaces do not matter when the codes are typed.
    let typed: Vec<String> = codes.iter().map(|c| c.replace(' ', "")).collect();
    assert!(statement.sign(&keys[0], &typed).is_ok());
    let stranger = PrivateKey::generate().unwrap();
    assert!(statement.sign(&stranger, &codes).unwrap_err().to_string().contains("not on the roster"));
}

#[test]
fn a_swapped_key_set_breaks_every_signature() {
    let (keys, statement) = setup(3);
    let sigs = sign_all(&statement, &keys).unwrap();
    let other = SecretKeySet::random(1, &mut StdRng::seed_from_u64(4)).public_keys();
    let swapped = KeyStatement::new(statement.ceremony(), &other).unwrap();
    let err = swapped.confirm(&sigs).unwrap_err().to_string();
    assert!(err.contains("official(s) 0, 1, 2"), "{err}");
    assert!(statement.sign_checked(&keys[0], &[], &other).is_err());
}

#[test]
fn readable_codes_are_six_groups_of_five_digits() {
    let code = readable_code(&[0xff; 32]);
    let groups: Vec<&str> = code.split(' ').collect();
    assert_eq!(groups.len(), 6);
    assert!(groups.iter().all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_digit())));
    assert_ne!(readable_code(&[0; 32]), readable_code(&[1; 32]));
}
