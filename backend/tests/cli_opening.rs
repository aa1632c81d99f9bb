//! The off-line opening tools fit together, run as real processes: a
//! committee key ceremony of 3 officials (t = 1) driven through `committee
//! step` with the test as the relay, a bid sealed from a CSV with `bid seal`,
//! decryption shares from 2 officials with `opening share`, and the envelope
//! opened from those two batches with sealbid-crypto — as the server does.

use base64ct::{Base64, Encoding};
use sealbid_crypto::PublicKey;
use sealbid_crypto::committee::{Ack, Ceremony, CeremonyId, Part, Transcript};
use sealbid_crypto::envelope::Envelope;
use sealbid_crypto::opening::{ShareBatch, committee_key_hash};
use serde_json::{Value, json};

const N: usize = 3;

mod common;

use common::Env;

impl Env {
    fn json(&self, name: &str) -> Value {
        serde_json::from_slice(&std::fs::read(self.path(name)).unwrap()).unwrap()
    }

    /// Runs `committee step` for official `i`; returns stdout and the messages it wrote.
    fn step(&self, i: usize, share_out: bool) -> (String, Vec<Value>) {
        let (key, state, out, share) = (
            self.p(&format!("o{i}.p8")),
            self.p(&format!("s{i}.bin")),
            self.p(&format!("out{i}.json")),
            self.p(&format!("share{i}.file")),
        );
        let ceremony = self.p("ceremony.json");
        let mut args = vec![
            "committee",
            "step",
            "--ceremony",
            &ceremony,
            "--key",
            &key,
            "--state",
            &state,
            "--out",
            &out,
        ];
        if share_out {
            args.extend(["--share-out", share.as_str()]);
        }
        let stdout = self.ok(&args);
        let messages = self.json(&format!("out{i}.json"))["messages"].as_array().unwrap().clone();
        (stdout, messages)
    }
}

fn line_value(stdout: &str, prefix: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in {stdout:?}"))
        .trim()
        .to_string()
}

/// The relay's view: the ceremony file and its transcript.
fn ceremony_file(officials: &[String], messages: &[Value], final_seq: Option<u64>) -> Value {
    json!({
        "committee": "C1",
        "attempt": 1,
        "threshold": 1,
        "officials": officials,
        "messages": messages,
        "status": if final_seq.is_some() { "ready" } else { "ceremony" },
        "final_seq": final_seq,
    })
}

/// Runs the whole ceremony through the CLI; returns (official keys hex, relayed messages, committee key hex).
fn run_ceremony(env: &Env) -> (Vec<String>, Vec<Value>, String) {
    let officials: Vec<String> = (0..N)
        .map(|i| {
            env.ok(&["key", "new", "--out", &env.p(&format!("o{i}.p8"))]);
            line_value(&env.ok(&["key", "show", "--key", &env.p(&format!("o{i}.p8"))]), "public key:")
        })
        .collect();
    let mut relayed: Vec<Value> = Vec::new();
    for round in 0..5 {
        env.write("ceremony.json", &ceremony_file(&officials, &relayed, None).to_string());
        let mut posted = 0;
        for i in 0..N {
            let (_, messages) = env.step(i, false);
            if round == 0 {
                // A step repeated on the same file re-emits the very same bytes.
                assert_eq!(
                    env.step(i, false).1,
                    messages,
                    "official {i}: a repeated step must re-emit its messages"
                );
            }
            for m in messages {
                assert_ne!(m["kind"], "complaint", "an honest ceremony has no complaints: {m}");
                let seq = relayed.len() as u64 + 1;
                relayed.push(json!({"seq": seq, "kind": m["kind"], "sender": i, "data": m["data"]}));
                posted += 1;
            }
        }
        if posted == 0 {
            break;
        }
    }
    assert_eq!(relayed.len(), N + N * N, "3 parts and 9 acks");
    let final_seq = relayed.len() as u64;
    env.write("ceremony.json", &ceremony_file(&officials, &relayed, Some(final_seq)).to_string());
    let keys: Vec<String> = (0..N)
        .map(|i| {
            let (stdout, messages) = env.step(i, true);
            assert!(messages.is_empty());
            assert!(env.path(&format!("share{i}.file")).exists());
            line_value(&stdout, "committee public key:")
        })
        .collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "every official computes the same committee key: {keys:?}");
    (officials, relayed, keys[0].clone())
}

/// What the server computes from the relayed messages: the public key set.
fn public_key_set(officials: &[String], relayed: &[Value]) -> sealbid_crypto::committee::PublicKeySet {
    let keys = officials.iter().map(|h| PublicKey::from_sec1(&hex::decode(h).unwrap()).unwrap()).collect();
    let ceremony = Ceremony::new(CeremonyId { committee: "C1".into(), attempt: 1 }, keys, 1).unwrap();
    let mut transcript = Transcript::new(ceremony);
    for m in relayed {
        let bytes = Base64::decode_vec(m["data"].as_str().unwrap()).unwrap();
        match m["kind"].as_str().unwrap() {
            "part" => transcript.add_part(&Part::from_bytes(&bytes).unwrap()).unwrap(),
            "ack" => transcript.add_ack(&Ack::from_bytes(&bytes).unwrap()).unwrap(),
            other => panic!("unexpected {other}"),
        }
    }
    transcript.public_key_set().unwrap()
}

/// CA, bidder key and certificate `alice.pem` with USCC 91350100M000100Y43.
fn bidder(env: &Env) {
    env.ok(&["init"]);
    env.ok(&["key", "new", "--out", &env.p("alice.p8")]);
    env.ok(&[
        "csr",
        "--key",
        &env.p("alice.p8"),
        "--cn",
        "张三",
        "--org",
        "福建某某制药有限公司",
        "--uscc",
        "91350100M000100Y43",
        "--out",
        &env.p("alice.csr"),
    ]);
    env.ok(&[
        "ca",
        "issue",
        "--csr",
        &env.p("alice.csr"),
        "--role",
        "bidder",
        "--days",
        "365",
        "--out",
        &env.p("alice.pem"),
    ]);
}

fn tender(env: &Env, committee_key: &str) {
    let t = json!({
        "id": "T1",
        "title": "2026 年第一批药品集中采购",
        "items": [
            {"no": 1, "generic_name": "阿莫西林", "dosage_form": "胶囊", "specification": "0.25g", "unit": "粒", "quantity": 1000, "ceiling_fen": 2000},
            {"no": 2, "generic_name": "布洛芬", "dosage_form": "片", "specification": "0.2g", "unit": "片", "quantity": 500, "ceiling_fen": 800},
        ],
        "committee_public_key": committee_key,
        "deadline": "2026-12-31T08:00:00Z",
        "status": "open",
    });
    env.write("tender.json", &t.to_string());
}

fn seal_args<'a>(env: &'a Env, quote: &'a str, out: &'a str) -> Vec<String> {
    [
        "bid",
        "seal",
        "--tender",
        &env.p("tender.json"),
        "--quote",
        quote,
        "--key",
        &env.p("alice.p8"),
        "--cert",
        &env.p("alice.pem"),
        "--out",
        out,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn offline_ceremony_bid_and_shares_open_the_envelope() {
    let env = Env::new();
    let (officials, relayed, committee_hex) = run_ceremony(&env);
    let pks = public_key_set(&officials, &relayed);
    assert_eq!(hex::encode(pks.public_key().to_bytes()), committee_hex, "the relay computes the same key");

    bidder(&env);
    tender(&env, &committee_hex);
    env.write("quote.csv", "item,price_yuan\n1,12.34\n2,5\n");
    let args = seal_args(&env, &env.p("quote.csv"), &env.p("bid.env"));
    let stdout = env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let envelope = Envelope::parse(&std::fs::read(env.path("bid.env")).unwrap()).unwrap();
    assert_eq!(line_value(&stdout, "envelope hash:"), hex::encode(envelope.hash().unwrap()));
    envelope.check_ciphertext().unwrap();

    let cts = json!({
        "tender": "T1",
        "committee_public_key": committee_hex,
        "ciphertexts": [{
            "envelope_hash": hex::encode(envelope.hash().unwrap()),
            "key_ciphertext": Base64::encode_string(envelope.key_ciphertext_bytes()),
        }],
    });
    env.write("cts.json", &cts.to_string());
    let mut batches = Vec::new();
    for i in [0usize, 2] {
        let out = env.p(&format!("shares{i}.der"));
        let stdout = env.ok(&[
            "opening",
            "share",
            "--ciphertexts",
            &env.p("cts.json"),
            "--share",
            &env.p(&format!("share{i}.file")),
            "--key",
            &env.p(&format!("o{i}.p8")),
            "--out",
            &out,
        ]);
        assert!(stdout.contains("1 decryption share(s) of official"), "{stdout}");
        let batch = ShareBatch::parse(&std::fs::read(&out).unwrap()).unwrap();
        batch.verify(&PublicKey::from_sec1(&hex::decode(&officials[i]).unwrap()).unwrap()).unwrap();
        assert_eq!((batch.official(), batch.tender().as_str()), (i, "T1"));
        assert_eq!(batch.committee_key(), &committee_key_hash(&pks.public_key()));
        assert_eq!(batch.entries()[0].0, envelope.hash().unwrap());
        batches.push(batch);
    }
    let shares: Vec<_> = batches.iter().map(|b| (b.official(), b.decryption_share(0).unwrap())).collect();
    let opened = envelope.open_with_shares(&pks, shares.iter().map(|(i, s)| (*i, s))).unwrap();
    opened.verify_inner(&opened.certificate().public_key().unwrap()).unwrap();
    let doc = opened.document();
    assert_eq!(doc.price_of(1).unwrap().fen(), 1234);
    assert_eq!(doc.price_of(2).unwrap().fen(), 500);
    assert_eq!(doc.bidder().as_str(), "91350100M000100Y43");

    // A ciphertexts file for another committee key is refused by the share check.
    let other = json!({"tender": "T1", "committee_public_key": hex::encode(pks.public_key_share(0).to_bytes()), "ciphertexts": cts["ciphertexts"]});
    env.write("other.json", &other.to_string());
    let err = env.fails(&[
        "opening",
        "share",
        "--ciphertexts",
        &env.p("other.json"),
        "--share",
        &env.p("share0.file"),
        "--key",
        &env.p("o0.p8"),
        "--out",
        &env.p("x.der"),
    ]);
    assert!(err.contains("another committee key"), "{err}");
}

#[test]
fn bad_quote_files_name_the_line() {
    let env = Env::new();
    bidder(&env);
    // Any valid G1 point serves as the committee key here: the generator.
    use sealbid_crypto::threshold_crypto::G1Affine;
    use sealbid_crypto::threshold_crypto::group::CurveAffine;
    tender(&env, &hex::encode(G1Affine::one().into_compressed().as_ref()));
    let cases = [
        ("item,price_fen\n1,100\n1,200\n2,5\n", "line 3: item 1 is quoted twice (also on line 2)"),
        ("item,price_fen\n9,100\n", "line 2: item 9 is not an item of this tender"),
        ("item,price_yuan\n1,12.345\n2,1\n", "line 2: price \"12.345\" is not a valid amount"),
        ("item,price_fen\n1,100\n", "no price for tender item(s) 2"),
        ("item;price\n1;100\n", "line 1: the header must be"),
        ("item,price_fen\n1,100,3\n2,1\n", "line 2: expected 2 fields"),
        ("item,price_fen\n1,0\n2,1\n", "line 2: price \"0\""),
    ];
    for (i, (csv, expected)) in cases.iter().enumerate() {
        let name = format!("bad{i}.csv");
        env.write(&name, csv);
        let args = seal_args(&env, &env.p(&name), &env.p("bad.env"));
        let err = env.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(err.contains(expected), "case {i}: expected {expected:?} in:\n{err}");
        assert!(!env.path("bad.env").exists(), "case {i}: no envelope is written");
    }
}
