//! Criterion benchmarks of the primitives every sealbid operation is built from.
//!
//! These are the per-operation limits that the opening benchmark (23,000
//! envelopes, 3 decryption shares each) is compared against; `BENCHMARKS.md`
//! at the repository root records a run and the floor it implies.
//!
//! ```text
//! CARGO_TARGET_DIR=$PWD/target/bench cargo bench -p sealbid-crypto --bench primitives -- \
//!     --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand07::SeedableRng;
use sealbid_crypto::pki::{
    CertSerial, Certificate, Crl, Csr, Issuer, Profile, RevocationReason, RevokedEntry, Role, SubjectInfo,
    Usage, Validity, VerifiedCsr, verify_chain,
};
use sealbid_crypto::sm4gcm::{self, Sm4Key};
use sealbid_crypto::{PrivateKey, opening, sm3};
use threshold_crypto::SecretKeySet;
use time::{Duration, OffsetDateTime};

/// SM2 (GB/T 32918): sign, verify, and encrypt/decrypt of a 32-byte message (the size of a key).
fn sm2(c: &mut Criterion) {
    let key = PrivateKey::generate().expect("key");
    let public = key.public_key();
    let msg = [0x5au8; 32];
    let sig = key.sign_raw(&msg).expect("sign");
    let ct = public.encrypt(&msg).expect("encrypt");

    let mut g = c.benchmark_group("sm2");
    g.bench_function("sign_32B", |b| b.iter(|| key.sign_raw(black_box(&msg)).expect("sign")));
    g.bench_function("verify_32B", |b| {
        b.iter(|| public.verify_raw(black_box(&msg), black_box(&sig)).expect("verify"))
    });
    g.bench_function("encrypt_32B", |b| b.iter(|| public.encrypt(black_box(&msg)).expect("encrypt")));
    g.bench_function("decrypt_32B", |b| b.iter(|| key.decrypt(black_box(&ct)).expect("decrypt")));
    g.finish();
}

/// SM3 (GB/T 32905) of 1 KiB.
fn sm3_hash(c: &mut Criterion) {
    let data = vec![0xa5u8; 1024];
    let mut g = c.benchmark_group("sm3");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("1KiB", |b| b.iter(|| sm3(black_box(&data))));
    g.finish();
}

/// SM4-GCM seal throughput (64 KiB, 1 MiB) and the open of a ~1 KiB bid envelope body.
fn sm4_gcm(c: &mut Criterion) {
    let key = Sm4Key::generate().expect("key");
    let aad = b"tender-1|bidder-9";
    let mut g = c.benchmark_group("sm4gcm");
    for size in [64 * 1024usize, 1024 * 1024] {
        let data = vec![0x3cu8; size];
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_with_input(BenchmarkId::new("seal", size), &data, |b, data| {
            b.iter(|| sm4gcm::seal(&key, aad, black_box(data)).expect("seal"))
        });
    }
    let body = vec![0x3cu8; 1024];
    let sealed = sm4gcm::seal(&key, aad, &body).expect("seal");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("open_1KiB", |b| b.iter(|| sm4gcm::open(&key, aad, black_box(&sealed)).expect("open")));
    g.finish();
}

/// threshold_crypto 0.4 with t = 2 (any 3 of the committee's shares decrypt) on a 16-byte SM4 key.
fn threshold(c: &mut Criterion) {
    let mut rng = rand07::rngs::StdRng::seed_from_u64(0x5EA1_B1DE);
    let sks = SecretKeySet::random(2, &mut rng);
    let pks = sks.public_keys();
    let sm4_key = [0x11u8; 16];
    let ct = pks.public_key().encrypt(sm4_key);
    let shares: Vec<_> = (0..3usize)
        .map(|i| (i, sks.secret_key_share(i).decrypt_share(&ct).expect("valid ciphertext")))
        .collect();
    let opened = pks.decrypt(shares.iter().map(|(i, s)| (*i, s)), &ct).expect("combine");
    assert_eq!(opened, sm4_key, "3 shares must recover the key");
    let share0 = sks.secret_key_share(0usize);
    let pk_share0 = pks.public_key_share(0usize);

    let mut g = c.benchmark_group("threshold");
    g.bench_function("encrypt_16B", |b| b.iter(|| pks.public_key().encrypt(black_box(sm4_key))));
    g.bench_function("decrypt_share", |b| b.iter(|| share0.decrypt_share(black_box(&ct)).expect("share")));
    g.bench_function("decrypt_share_no_verify", |b| {
        b.iter(|| share0.decrypt_share_no_verify(black_box(&ct)))
    });
    g.bench_function("verify_decryption_share", |b| {
        b.iter(|| assert!(pk_share0.verify_decryption_share(black_box(&shares[0].1), black_box(&ct))))
    });
    g.bench_function("combine_3_shares", |b| {
        b.iter(|| pks.decrypt(shares.iter().map(|(i, s)| (*i, s)), black_box(&ct)).expect("combine"))
    });
    g.bench_function("ciphertext_verify_stock", |b| b.iter(|| assert!(black_box(&ct).verify())));
    g.bench_function("ciphertext_verify_fast", |b| {
        b.iter(|| assert!(opening::ciphertext_valid(black_box(&ct), &[])))
    });
    g.bench_function("verify_decryption_share_fast", |b| {
        b.iter(|| assert!(opening::share_valid(&pk_share0, black_box(&shares[0].1), black_box(&ct), &[])))
    });
    // Where the fast checks spend their time: H(U, V) (threshold_crypto's
    // hash_g2, a try-and-increment hash to G2 with cofactor clearing), and
    // the rest given a prepared ciphertext.
    g.bench_function("hash_g2", |b| b.iter(|| threshold_crypto::hash_g2(black_box(&[7u8; 64]))));
    g.bench_function("prepare_ciphertext", |b| {
        b.iter(|| opening::PreparedCiphertext::new(black_box(&ct), &[]).expect("prepare"))
    });
    let prepared = opening::PreparedCiphertext::new(&ct, &[]).expect("prepare");
    g.bench_function("prepared_ciphertext_check", |b| b.iter(|| assert!(black_box(&prepared).is_valid())));
    g.bench_function("prepared_share_check", |b| {
        b.iter(|| assert!(black_box(&prepared).share_is_valid(&pk_share0, black_box(&shares[0].1))))
    });
    g.finish();
}

/// A root → issuing CA → person hierarchy with a CRL, as the platform runs it.
struct Pki {
    issuing: Issuer,
    root_cert: Certificate,
    leaf: Certificate,
    crl: Crl,
    csr: VerifiedCsr,
    now: OffsetDateTime,
}

fn pki_fixture() -> Pki {
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
    let long = Validity::new(now - Duration::days(1), now + Duration::days(3650)).expect("validity");
    let root = Issuer::new_root(
        PrivateKey::generate().expect("key"),
        &SubjectInfo::new("Root"),
        long,
        CertSerial::random().expect("serial"),
    )
    .expect("root");
    let issuing_key = PrivateKey::generate().expect("key");
    let issuing_cert = root
        .issue(
            &SubjectInfo::new("Issuing"),
            &issuing_key.public_key(),
            Profile::IssuingCa,
            long,
            CertSerial::random().expect("serial"),
            CRL_URL,
        )
        .expect("issuing");
    let issuing = Issuer::new(issuing_cert, issuing_key).expect("issuer");
    let person = SubjectInfo { role: Some(Role::Bidder), ..SubjectInfo::new("张三") };
    let csr =
        Csr::create(&PrivateKey::generate().expect("key"), &person).expect("csr").verify().expect("verify");
    let year = Validity::new(now, now + Duration::days(365)).expect("validity");
    let leaf = issuing
        .issue_from_csr(&csr, Profile::Person, year, CertSerial::random().expect("serial"), CRL_URL)
        .expect("leaf");
    // A CRL of realistic size: 1,000 revoked certificates.
    let revoked: Vec<RevokedEntry> = (0..1000u64)
        .map(|i| RevokedEntry {
            serial: CertSerial::from_u64(i + 1).expect("serial"),
            revoked_at: now,
            reason: RevocationReason::Superseded,
        })
        .collect();
    let crl = issuing.issue_crl(1, now, now + Duration::days(7), &revoked).expect("crl");
    Pki { root_cert: root.certificate().clone(), issuing, leaf, crl, csr, now }
}

const CRL_URL: &str = "http://127.0.0.1:8080/pki/crl";

/// Certificates: issue from a verified CSR, verify a 3-level chain with a 1,000-entry CRL, CSR round trip.
fn pki(c: &mut Criterion) {
    let f = pki_fixture();
    let anchors = [f.root_cert.clone()];
    let inter = [f.issuing.certificate().clone()];
    let crls = [f.crl.clone()];
    verify_chain(&f.leaf, &inter, &anchors, f.now, &crls, Usage::Signing).expect("chain");

    let mut g = c.benchmark_group("pki");
    g.bench_function("issue_person_cert", |b| {
        let year = Validity::new(f.now, f.now + Duration::days(365)).expect("validity");
        b.iter(|| {
            f.issuing
                .issue_from_csr(&f.csr, Profile::Person, year, CertSerial::random().expect("serial"), CRL_URL)
                .expect("issue")
        })
    });
    g.bench_function("verify_chain_3_levels_crl_1000", |b| {
        b.iter(|| {
            verify_chain(black_box(&f.leaf), &inter, &anchors, f.now, &crls, Usage::Signing).expect("chain")
        })
    });
    g.bench_function("verify_chain_3_levels_no_crl", |b| {
        b.iter(|| {
            verify_chain(black_box(&f.leaf), &inter, &anchors, f.now, &[], Usage::Signing).expect("chain")
        })
    });
    let key = PrivateKey::generate().expect("key");
    let subject = SubjectInfo::new("applicant");
    g.bench_function("csr_create_and_verify", |b| {
        b.iter(|| Csr::create(&key, &subject).expect("csr").verify().expect("verify"))
    });
    g.finish();
}

/// The committee key ceremony (5 officials, t = 2): the whole ceremony with every
/// message relayed to every official, and one official's share of that work
/// (its part, handling all 5 parts and 25 acks, generating its key share).
fn committee(c: &mut Criterion) {
    use sealbid_crypto::committee::{Ack, AckOutcome, Ceremony, CeremonyId, KeyGen, Part, PartOutcome};
    let keys: Vec<PrivateKey> = (0..5).map(|_| PrivateKey::generate().expect("key")).collect();
    let id = CeremonyId { committee: "bench".into(), attempt: 1 };
    let ceremony = Ceremony::new(id, keys.iter().map(PrivateKey::public_key).collect(), 2).expect("ceremony");
    let start = || -> Vec<KeyGen> {
        let officials = keys.iter().enumerate();
        officials
            .map(|(i, k)| KeyGen::for_ceremony(ceremony.clone(), i, k.clone()).expect("keygen"))
            .collect()
    };
    let handle = |kg: &mut KeyGen, parts: &[Part], acks: &mut Vec<Ack>, collect: bool| {
        for part in parts {
            match kg.handle_part(part.sender(), part).expect("part") {
                PartOutcome::Valid(ack) if collect => acks.push(ack),
                PartOutcome::Valid(_) => {}
                PartOutcome::Invalid(complaint) => panic!("{complaint:?}"),
            }
        }
    };
    let run = || {
        let mut kgs = start();
        let parts: Vec<Part> = kgs.iter_mut().map(|kg| kg.make_part().expect("part")).collect();
        let mut acks = Vec::new();
        kgs.iter_mut().for_each(|kg| handle(kg, &parts, &mut acks, true));
        for kg in &mut kgs {
            for ack in &acks {
                assert!(matches!(kg.handle_ack(ack.sender(), ack).expect("ack"), AckOutcome::Valid));
            }
        }
        let results: Vec<_> = kgs.iter().map(|kg| kg.generate().expect("generate")).collect();
        assert!(results.iter().all(|(pks, share)| *pks == results[0].0 && share.is_some()));
        (parts, acks)
    };
    let (parts, acks) = run();

    let mut g = c.benchmark_group("committee");
    g.sample_size(10);
    g.bench_function("ceremony_5_officials_t2", |b| b.iter(run));
    g.bench_function("one_official_5_officials_t2", |b| {
        b.iter(|| {
            let mut kg = KeyGen::for_ceremony(ceremony.clone(), 0, keys[0].clone()).expect("keygen");
            let mine = black_box(kg.make_part().expect("part"));
            drop(mine);
            let mut kg = KeyGen::for_ceremony(ceremony.clone(), 0, keys[0].clone()).expect("keygen");
            handle(&mut kg, &parts, &mut Vec::new(), false);
            acks.iter().for_each(|ack| drop(kg.handle_ack(ack.sender(), ack).expect("ack")));
            kg.generate().expect("generate")
        })
    });
    g.finish();
}

/// A key set confirmed by a statement every one of three throwaway officials signed.
fn confirmed(pks: &sealbid_crypto::committee::PublicKeySet) -> sealbid_crypto::committee::ConfirmedKey {
    use sealbid_crypto::committee::{Ceremony, CeremonyId, KeyStatement, statement::sign_all};
    let keys: Vec<PrivateKey> = (0..3).map(|_| PrivateKey::generate().expect("key")).collect();
    let id = CeremonyId { committee: "bench".into(), attempt: 1 };
    let ceremony = Ceremony::new(id, keys.iter().map(PrivateKey::public_key).collect(), pks.threshold())
        .expect("ceremony");
    let statement = KeyStatement::new(&ceremony, pks).expect("statement");
    statement.confirm(&sign_all(&statement, &keys).expect("sign")).expect("confirmed")
}

/// The per-envelope work of a 50-item bid: the bidder seals it; intake checks
/// the outer signature and the key ciphertext; the opening (key already
/// combined from shares) decrypts and checks the inner signature.
fn envelope(c: &mut Criterion) {
    use sealbid_crypto::Uscc;
    use sealbid_crypto::envelope::{
        BidDocument, BidItem, Envelope, PriceFen, SealedView, TenderId, seal_bid,
    };
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
    let long = Validity::new(now - Duration::days(1), now + Duration::days(365)).expect("validity");
    let root_key = PrivateKey::generate().expect("key");
    let root =
        Issuer::new_root(root_key, &SubjectInfo::new("Root"), long, CertSerial::random().expect("serial"))
            .expect("root");
    let key = PrivateKey::generate().expect("key");
    let uscc = Uscc::parse("91350100M000100Y43").expect("uscc");
    let subject =
        SubjectInfo { role: Some(Role::Bidder), uscc: Some(uscc.clone()), ..SubjectInfo::new("张三") };
    let cert = root
        .issue(
            &subject,
            &key.public_key(),
            Profile::Person,
            long,
            CertSerial::random().expect("serial"),
            CRL_URL,
        )
        .expect("cert");
    let items = (1..=50u32)
        .map(|i| BidItem { item: i, unit_price: PriceFen::new(10_000 + u64::from(i) * 37).expect("price") })
        .collect();
    let tender = TenderId::parse("T-2026-001").expect("tender");
    let doc = BidDocument::new(tender, uscc, now, items, Vec::new()).expect("document");
    let sks = SecretKeySet::random(2, &mut rand07::rngs::StdRng::seed_from_u64(0x5EA1_B1DE));
    let pks = sks.public_keys();
    let confirmed = confirmed(&pks);
    let env = seal_bid(&doc, &key, &cert, &confirmed).expect("seal");
    let ct = env.key_ciphertext();
    let shares: Vec<_> =
        (0..3usize).map(|i| (i, sks.secret_key_share(i).decrypt_share_no_verify(ct))).collect();
    let sm4_key = pks.decrypt(shares.iter().map(|(i, s)| (*i, s)), ct).expect("combine");
    let public = key.public_key();

    let mut g = c.benchmark_group("envelope");
    g.bench_function("seal_50_items", |b| {
        b.iter(|| seal_bid(black_box(&doc), &key, &cert, &confirmed).expect("seal"))
    });
    g.bench_function("verify_outer", |b| b.iter(|| black_box(&env).verify_outer(&public).expect("outer")));
    g.bench_function("check_ciphertext", |b| {
        b.iter(|| black_box(&env).check_ciphertext().expect("ciphertext"))
    });
    g.bench_function("open_with_key_and_verify_inner", |b| {
        b.iter(|| {
            let opened = black_box(&env).open_with_key(&sm4_key).expect("open");
            opened.verify_inner(&public).expect("inner");
        })
    });
    g.finish();

    let cert_der = cert.to_der().to_vec();
    let mut g = c.benchmark_group("opening");
    g.sample_size(10);
    let more: Vec<_> = (0..1000u32)
        .map(|i| {
            let mut hash = [0u8; 32];
            hash[..4].copy_from_slice(&i.to_be_bytes());
            (hash, pks.public_key().encrypt([0x22u8; 16]))
        })
        .collect();
    let refs: Vec<_> = more.iter().map(|(h, ct)| (*h, ct)).collect();
    let share0 = sks.secret_key_share(0usize);
    g.bench_function("compute_shares_1000", |b| {
        b.iter(|| opening::compute_shares(&share0, black_box(&refs)))
    });
    let entries = opening::compute_shares(&share0, &refs);
    let batch =
        opening::ShareBatch::create(doc.tender(), &pks.public_key(), 0, entries, &key).expect("batch");
    let batch_der = batch.encode().expect("encode");
    g.bench_function("share_batch_1000_parse_and_verify", |b| {
        b.iter(|| {
            opening::ShareBatch::parse(black_box(&batch_der)).expect("parse").verify(&public).expect("verify")
        })
    });
    g.bench_function("share_batch_parse_trusted_1000", |b| {
        b.iter(|| opening::ShareBatch::parse_trusted(black_box(&batch_der)).expect("parse"))
    });
    g.sample_size(50);
    let points: Vec<_> = shares
        .iter()
        .map(|(i, s)| {
            let one = opening::ShareBatch::create(
                doc.tender(),
                &pks.public_key(),
                *i,
                vec![([0; 32], s.clone())],
                &key,
            )
            .expect("batch");
            (*i, one.entries()[0].1)
        })
        .collect();
    let v = env.key_ciphertext_bytes()[48..64].to_vec();
    g.bench_function("combine_key_t2", |b| {
        b.iter(|| opening::combine_key(black_box(&points), black_box(&v)).expect("combine"))
    });
    let env_der = env.encode().expect("encode");
    g.bench_function("sealed_view_open", |b| {
        b.iter(|| {
            SealedView::parse(black_box(&env_der))
                .expect("view")
                .open_with_key_expecting(&sm4_key, &cert_der)
                .expect("open")
        })
    });
    g.bench_function("envelope_parse", |b| b.iter(|| Envelope::parse(black_box(&env_der)).expect("parse")));
    g.bench_function("open_with_key", |b| b.iter(|| black_box(&env).open_with_key(&sm4_key).expect("open")));
    g.bench_function("open_with_key_expecting", |b| {
        b.iter(|| black_box(&env).open_with_key_expecting(&sm4_key, &cert_der).expect("open"))
    });
    g.finish();
}

criterion_group!(benches, sm2, sm3_hash, sm4_gcm, threshold, pki, committee, envelope);
criterion_main!(benches);
