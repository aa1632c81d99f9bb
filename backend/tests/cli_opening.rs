//! The off-line opening tools fit together, run as real processes: a
//! committee key ceremony of 3 officials (t = 1) driven through `committee
//! step` with the test as the relay, the key statement signed by each
//! official with `committee sign-statement`, a bid sealed from a CSV with
//! `bid seal`, the opening checked and decryption shares made by 2 officials
//! with `opening share`, the envelope opened from those two batches with
//! sealbid-crypto — as the server does — the receipt's inclusion in the
//! deadline manifest checked with `receipt verify --manifest`, and the
//! results re-checked with `results verify`. The test plays the platform
//! with a PKI of its own (the CLI takes the certificates as given).

use base64ct::{Base64, Encoding};
use sealbid_crypto::committee::statement::{KeyStatement, fingerprint_code, key_hash, roster_code};
use sealbid_crypto::committee::{Ack, Ceremony, CeremonyId, Part, PublicKeySet, StatementFile, Transcript};
use sealbid_crypto::der::asn1::Uint;
use sealbid_crypto::envelope::{Envelope, Receipt, ReceiptInfo, TenderId};
use sealbid_crypto::manifest::{Manifest, ManifestInfo, inclusion_proof};
use sealbid_crypto::opening::results::{
    BundleEnvelope, OpenedQuote, ResultsBundle, ResultsDocument, SignedResults, TenderItem, evaluate,
};
use sealbid_crypto::opening::{Announcement, OpeningFile, ServedEnvelope, ShareBatch, committee_key_hash};
use sealbid_crypto::pki::{CertSerial, Certificate, Issuer, Profile, SubjectInfo, Validity};
use sealbid_crypto::tsp::{Imprint, ImprintAlgorithm, StampOptions, TimeStampAuthority};
use sealbid_crypto::{PrivateKey, PublicKey, Purpose, SignedMessage, oid};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

const N: usize = 3;

use crate::common::Env;

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
        "--statement",
        &env.p("statement.json"),
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

/// A committee key statement signed by every official, over a fixed key set
/// (t = 1), written to `statement.json`; returns the committee key, hex. For
/// tests that only need a key a bidder may seal to.
fn fixed_statement(env: &Env) -> String {
    use sealbid_crypto::threshold_crypto::poly::Poly;
    use sealbid_crypto::threshold_crypto::{IntoFr, SecretKeySet};
    let keys: Vec<PrivateKey> = (0..3).map(|_| PrivateKey::generate().unwrap()).collect();
    let id = CeremonyId { committee: "C9".into(), attempt: 1 };
    let ceremony = Ceremony::new(id, keys.iter().map(PrivateKey::public_key).collect(), 1).unwrap();
    let set = SecretKeySet::from(Poly::from(vec![7u64.into_fr(), 11u64.into_fr()]));
    let statement = KeyStatement::new(&ceremony, &set.public_keys()).unwrap();
    let sigs = sealbid_crypto::committee::statement::sign_all(&statement, &keys).unwrap();
    let file = StatementFile::new(&statement, &sigs).unwrap();
    env.write("statement.json", &serde_json::to_string(&file).unwrap());
    hex::encode(set.public_keys().public_key().to_bytes())
}

/// The platform as the test plays it: its signing key and certificate and a
/// TSA, under a root of the test's own; the certificates written as
/// `platform.pem` and `tsa.pem`.
struct Platform {
    key: PrivateKey,
    tsa: TimeStampAuthority,
}

fn whole(t: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.unix_timestamp()).unwrap()
}

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

impl Platform {
    fn new(env: &Env) -> Self {
        let now = OffsetDateTime::now_utc();
        let validity = Validity::new(now - Duration::days(2), now + Duration::days(30)).unwrap();
        let root = Issuer::new_root(
            PrivateKey::generate().unwrap(),
            &SubjectInfo::new("test root"),
            validity,
            CertSerial::random().unwrap(),
        )
        .unwrap();
        let issue = |cn: &str, profile: Profile| {
            let key = PrivateKey::generate().unwrap();
            let validity = Validity::new(now - Duration::days(1), now + Duration::days(20)).unwrap();
            let cert = root
                .issue(
                    &SubjectInfo::new(cn),
                    &key.public_key(),
                    profile,
                    validity,
                    CertSerial::random().unwrap(),
                    "http://crl.invalid/",
                )
                .unwrap();
            (key, cert)
        };
        let (key, cert) = issue("test platform", Profile::SealAuthority);
        let (tsa_key, tsa_cert) = issue("test TSA", Profile::TimeStamping);
        env.write("root.pem", &root.certificate().to_pem().unwrap());
        env.write("platform.pem", &cert.to_pem().unwrap());
        env.write("tsa.pem", &tsa_cert.to_pem().unwrap());
        let tsa = TimeStampAuthority::new(tsa_cert.x509().clone(), tsa_key, oid::SEALBID_TSA_POLICY).unwrap();
        Self { key, tsa }
    }

    /// The platform's signature over `doc` and the TSA's token over it at `at`, base64.
    fn attest(&self, purpose: Purpose, doc: &[u8], at: OffsetDateTime) -> (String, String) {
        let sig = SignedMessage::new(purpose, doc).sign(&self.key).unwrap();
        let token = self.stamp(&sig.to_der(), at);
        (b64(&sig.to_der()), b64(&token))
    }

    fn stamp(&self, data: &[u8], at: OffsetDateTime) -> Vec<u8> {
        let imprint = Imprint::of(ImprintAlgorithm::Sm3, data);
        let opts = StampOptions { nonce: None, include_cert: false };
        self.tsa.stamp(&imprint, Uint::new(&[5]).unwrap(), at, &opts).unwrap()
    }

    fn receipt(&self, env: &Envelope, at: OffsetDateTime, sequence: u64) -> Vec<u8> {
        let info = ReceiptInfo {
            tender: env.tender().clone(),
            bidder: env.bidder().clone(),
            envelope_hash: env.hash().unwrap(),
            received_at: at,
            sequence,
        };
        Receipt::create(info, &self.key, &self.tsa, Uint::new(&[sequence as u8 + 1]).unwrap())
            .unwrap()
            .encode()
            .unwrap()
    }

    fn manifest(
        &self,
        tender: &TenderId,
        deadline: OffsetDateTime,
        key: &Sm3,
        leaves: &[[u8; 32]],
    ) -> Manifest {
        let info = ManifestInfo::of(tender, deadline, key, leaves).unwrap();
        let sig =
            SignedMessage::new(Purpose::DeadlineManifest, &info.body_der().unwrap()).sign(&self.key).unwrap();
        let token = self.stamp(&sig.to_der(), OffsetDateTime::now_utc());
        Manifest::from_parts(info, &sig.to_der(), token).unwrap()
    }
}

type Sm3 = sealbid_crypto::Sm3Digest;

/// Every official signs the statement with `committee sign-statement`; returns the signed file.
fn sign_statements(env: &Env, officials: &[String], pks: &PublicKeySet) -> StatementFile {
    let keys: Vec<PublicKey> =
        officials.iter().map(|h| PublicKey::from_sec1(&hex::decode(h).unwrap()).unwrap()).collect();
    let ceremony = Ceremony::new(CeremonyId { committee: "C1".into(), attempt: 1 }, keys.clone(), 1).unwrap();
    let statement = KeyStatement::new(&ceremony, pks).unwrap();
    let mut file = StatementFile::new(&statement, &[]).unwrap();
    env.write("statement.json", &serde_json::to_string(&file).unwrap());
    let codes: Vec<String> = keys.iter().map(fingerprint_code).collect();
    let sign = |i: usize, statement: &str, confirm: &[&String]| {
        let (key, state, out) =
            (env.p(&format!("o{i}.p8")), env.p(&format!("s{i}.bin")), env.p(&format!("sig{i}.json")));
        let mut args = vec![
            "committee",
            "sign-statement",
            "--statement",
            statement,
            "--ceremony",
            &env.p("ceremony.json"),
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
        args.extend(["--key".into(), key, "--state".into(), state, "--out".into(), out]);
        for c in confirm {
            args.extend(["--confirm".to_string(), c.to_string()]);
        }
        args
    };
    // A member's code not confirmed: refused, naming the member, nothing written.
    let args = sign(0, &env.p("statement.json"), &[&codes[1]]);
    let err = env.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("official 2's key fingerprint") && err.contains(&codes[2]), "{err}");
    assert!(!env.path("sig0.json").exists());
    // A statement over another key set than the ceremony's: refused.
    let other = {
        use sealbid_crypto::threshold_crypto::poly::Poly;
        use sealbid_crypto::threshold_crypto::{IntoFr, SecretKeySet};
        SecretKeySet::from(Poly::from(vec![3u64.into_fr(), 5u64.into_fr()])).public_keys()
    };
    let swapped = StatementFile::new(&KeyStatement::new(&ceremony, &other).unwrap(), &[]).unwrap();
    env.write("swapped.json", &serde_json::to_string(&swapped).unwrap());
    let args = sign(0, &env.p("swapped.json"), &[&codes[1], &codes[2]]);
    let err = env.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("not the one your ceremony computed"), "{err}");
    for i in 0..N {
        let others: Vec<&String> =
            codes.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c).collect();
        let args = sign(i, &env.p("statement.json"), &others);
        let stdout = env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(line_value(&stdout, "roster code:"), roster_code(&ceremony));
        assert!(stdout.contains(&format!("{}  (you)", codes[i])), "{stdout}");
        let sig: sealbid_crypto::committee::statement::SignatureEntry =
            serde_json::from_str(&std::fs::read_to_string(env.path(&format!("sig{i}.json"))).unwrap())
                .unwrap();
        assert_eq!(sig.official, i);
        file.signatures.push(sig);
    }
    env.write("statement.json", &serde_json::to_string(&file).unwrap());
    assert_eq!(file.confirm().unwrap().public_key(), pks.public_key(), "every official signed");
    file
}

/// `opening share` for official `i` on `opening.json`, tender T1.
fn share_args(env: &Env, i: usize, tender: &str, out: &str) -> Vec<String> {
    [
        "opening",
        "share",
        "--envelopes",
        &env.p("opening.json"),
        "--tender",
        tender,
        "--platform-cert",
        &env.p("platform.pem"),
        "--tsa-cert",
        &env.p("tsa.pem"),
        "--share",
        &env.p(&format!("share{i}.file")),
        "--key",
        &env.p(&format!("o{i}.p8")),
        "--out",
        out,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run(env: &Env, args: &[String]) -> String {
    env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn run_fails(env: &Env, args: &[String]) -> String {
    env.fails(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn offline_ceremony_statement_bid_shares_receipt_and_results() {
    let env = Env::new();
    let (officials, relayed, committee_hex) = run_ceremony(&env);
    let pks = public_key_set(&officials, &relayed);
    assert_eq!(hex::encode(pks.public_key().to_bytes()), committee_hex, "the relay computes the same key");
    let statement = sign_statements(&env, &officials, &pks);

    bidder(&env);
    tender(&env, &committee_hex);
    env.write("quote.csv", "item,price_yuan\n1,12.34\n2,5\n");
    let stdout = run(&env, &seal_args(&env, &env.p("quote.csv"), &env.p("bid.env")));
    let envelope = Envelope::parse(&std::fs::read(env.path("bid.env")).unwrap()).unwrap();
    let hash = envelope.hash().unwrap();
    assert_eq!(line_value(&stdout, "envelope hash:"), hex::encode(hash));
    envelope.check_ciphertext().unwrap();
    // A second envelope the platform plants after the deadline: not in the manifest.
    env.write("late.csv", "item,price_fen\n1,1\n2,1\n");
    run(&env, &seal_args(&env, &env.p("late.csv"), &env.p("late.env")));
    let late = Envelope::parse(&std::fs::read(env.path("late.env")).unwrap()).unwrap();
    let late_hash = hex::encode(late.hash().unwrap());

    // The platform: the signed announcement, a receipt, the deadline manifest.
    let platform = Platform::new(&env);
    let now = whole(OffsetDateTime::now_utc());
    let (deadline, opening_at) = (now - Duration::minutes(2), now - Duration::minutes(1));
    let items = json!([
        {"no": 1, "generic_name": "阿莫西林", "dosage_form": "胶囊", "ceiling_fen": 2000},
        {"no": 2, "generic_name": "布洛芬", "dosage_form": "片", "ceiling_fen": 800},
    ]);
    let doc = json!({"id": "T1", "version": 1, "items": items, "deadline": rfc(deadline),
                     "opening_at": rfc(opening_at), "committee_public_key": committee_hex})
    .to_string();
    let (signature, timestamp) = platform.attest(Purpose::Tender, doc.as_bytes(), now - Duration::hours(1));
    let announcement = Announcement { document: doc, signature, timestamp };
    let received = deadline - Duration::seconds(30);
    let receipt = platform.receipt(&envelope, received, 1);
    std::fs::write(env.path("receipt.der"), &receipt).unwrap();
    let t1 = TenderId::parse("T1").unwrap();
    let manifest = platform.manifest(&t1, deadline, &key_hash(&pks.public_key()), &[hash]);
    let alice = Certificate::from_pem(&std::fs::read_to_string(env.path("alice.pem")).unwrap()).unwrap();
    let served = |e: &Envelope| ServedEnvelope {
        envelope: b64(&e.encode().unwrap()),
        certificate: b64(alice.to_der()),
    };
    let opening = OpeningFile {
        tender: "T1".into(),
        announcement: announcement.clone(),
        statement: statement.clone(),
        manifest: b64(&manifest.encode().unwrap()),
        leaves: vec![hex::encode(hash)],
        envelopes: vec![served(&envelope), served(&late)],
    };
    env.write("opening.json", &serde_json::to_string(&opening).unwrap());

    // Opening another tender than the file's: refused, nothing written.
    let err = run_fails(&env, &share_args(&env, 0, "T2", &env.p("x.der")));
    assert!(err.contains("you are opening T2"), "{err}");
    assert!(!env.path("x.der").exists());

    let mut batches = Vec::new();
    for i in [0usize, 2] {
        let out = env.p(&format!("shares{i}.der"));
        let stdout = run(&env, &share_args(&env, i, "T1", &out));
        assert!(stdout.contains(&format!("refused: envelope {late_hash}")), "{stdout}");
        assert!(stdout.contains("not in the deadline manifest"), "{stdout}");
        assert!(stdout.contains("2 envelope(s) served, 1 passed every check, 1 refused"), "{stdout}");
        assert!(stdout.contains("1 decryption share(s) of official"), "{stdout}");
        let batch = ShareBatch::parse(&std::fs::read(&out).unwrap()).unwrap();
        batch.verify(&PublicKey::from_sec1(&hex::decode(&officials[i]).unwrap()).unwrap()).unwrap();
        assert_eq!((batch.official(), batch.tender().as_str()), (i, "T1"));
        assert_eq!(batch.committee_key(), &committee_key_hash(&pks.public_key()));
        assert_eq!(batch.entries().len(), 1);
        assert_eq!(batch.entries()[0].0, hash);
        batches.push(batch);
    }
    let shares: Vec<_> = batches.iter().map(|b| (b.official(), b.decryption_share(0).unwrap())).collect();
    let opened = envelope.open_with_shares(&pks, shares.iter().map(|(i, s)| (*i, s))).unwrap();
    opened.verify_inner(&opened.certificate().public_key().unwrap()).unwrap();
    let doc = opened.document();
    assert_eq!(doc.price_of(1).unwrap().fen(), 1234);
    assert_eq!(doc.price_of(2).unwrap().fen(), 500);
    assert_eq!(doc.bidder().as_str(), "91350100M000100Y43");

    // A statement not signed by every official: the whole opening is refused.
    let mut unsigned = opening.clone();
    unsigned.statement.signatures.pop();
    env.write("opening.json", &serde_json::to_string(&unsigned).unwrap());
    let err = run_fails(&env, &share_args(&env, 0, "T1", &env.p("y.der")));
    assert!(err.contains("refusing to make any share") && err.contains("official(s) 2"), "{err}");
    assert!(!env.path("y.der").exists());

    // The bidder's receipt is in the deadline manifest; the planted envelope's is not.
    let proof = json!({"index": 0, "proof": b64(&inclusion_proof(&[hash], 0).unwrap()),
                       "manifest": b64(&manifest.encode().unwrap())});
    env.write("proof.json", &proof.to_string());
    let verify = |receipt: &str, envelope: &str| {
        [
            "receipt",
            "verify",
            "--receipt",
            receipt,
            "--envelope",
            envelope,
            "--platform-cert",
            &env.p("platform.pem"),
            "--tsa-cert",
            &env.p("tsa.pem"),
            "--manifest",
            &env.p("proof.json"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
    };
    let stdout = run(&env, &verify(&env.p("receipt.der"), &env.p("bid.env")));
    assert!(stdout.contains("receipt valid") && stdout.contains("included as leaf 0 of 1"), "{stdout}");
    std::fs::write(env.path("late-receipt.der"), platform.receipt(&late, received, 2)).unwrap();
    let err = run_fails(&env, &verify(&env.p("late-receipt.der"), &env.p("late.env")));
    assert!(err.contains(&format!("envelope {late_hash} is not in the deadline manifest")), "{err}");

    // The results, re-checked from the bundle.
    let stored_at = rfc(received + Duration::milliseconds(400));
    let quote = OpenedQuote {
        bid: 1,
        bidder: "91350100M000100Y43".into(),
        received_at: stored_at.clone(),
        prices: Some([(1, 1234), (2, 500)].into_iter().collect()),
        reason: None,
    };
    let tender_items = [
        TenderItem { no: 1, generic_name: "阿莫西林".into(), ceiling_fen: 2000 },
        TenderItem { no: 2, generic_name: "布洛芬".into(), ceiling_fen: 800 },
    ];
    let publish = |evaluation| {
        let doc = ResultsDocument {
            tender: "T1".into(),
            version: 1,
            evaluated_at: rfc(now),
            evaluation,
            officials_with_bad_shares: vec![],
        };
        let document = serde_json::to_string(&doc).unwrap();
        let (signature, timestamp) = platform.attest(Purpose::Results, document.as_bytes(), now);
        SignedResults { document, signature, timestamp, published_at: rfc(now) }
    };
    let mut bundle = ResultsBundle {
        tender: "T1".into(),
        announcement,
        statement,
        manifest: b64(&manifest.encode().unwrap()),
        leaves: vec![hex::encode(hash)],
        envelopes: vec![BundleEnvelope {
            bid: 1,
            envelope: b64(&envelope.encode().unwrap()),
            certificate: b64(alice.to_der()),
            receipt: b64(&receipt),
            received_at: stored_at,
        }],
        batches: batches.iter().map(|b| b64(&b.encode().unwrap())).collect(),
        results: publish(evaluate(&tender_items, std::slice::from_ref(&quote))),
    };
    env.write("bundle.json", &serde_json::to_string(&bundle).unwrap());
    let results_args = |name: &str| {
        [
            "results",
            "verify",
            "--bundle",
            &env.p(name),
            "--platform-cert",
            &env.p("platform.pem"),
            "--tsa-cert",
            &env.p("tsa.pem"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
    };
    let mut pinned = results_args("bundle.json");
    pinned.extend(["--root-cert".to_string(), env.p("root.pem")]);
    let stdout = run(&env, &pinned);
    assert!(stdout.contains("results of tender T1 (version 1) verified"), "{stdout}");
    // Certificates that do not chain to the root the verifier trusts are refused.
    let mut foreign_root = results_args("bundle.json");
    foreign_root.extend(["--root-cert".to_string(), env.d("root.pem")]);
    let err = run_fails(&env, &foreign_root);
    assert!(err.contains("does not chain to the root"), "{err}");
    assert!(stdout.contains("item 1: winner 91350100M000100Y43 at 1234 fen"), "{stdout}");
    let mut cheaper = quote.clone();
    cheaper.prices = Some([(1, 1000), (2, 500)].into_iter().collect());
    bundle.results = publish(evaluate(&tender_items, &[cheaper]));
    env.write("lying.json", &serde_json::to_string(&bundle).unwrap());
    let err = run_fails(&env, &results_args("lying.json"));
    assert!(
        err.contains(
            "item 1: published winner 91350100M000100Y43 (1000 fen), recomputed 91350100M000100Y43 (1234 fen)"
        ),
        "{err}"
    );
}

#[test]
fn bad_quote_files_name_the_line() {
    let env = Env::new();
    bidder(&env);
    // A fixed committee key every official signed for serves here.
    tender(&env, &fixed_statement(&env));
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
