//! Criterion benchmarks of the primitives every sealbid operation is built from.
//!
//! These are the per-operation limits that the opening benchmark (23,000
//! envelopes, 3 decryption shares each) is compared against; `BENCHMARKS.md`
//! at the repository root records a run and the floor it implies.
//!
//! ```text
//! CARGO_TARGET_DIR=target/bench cargo bench -p sealbid-crypto --bench primitives -- \
//!     --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand07::SeedableRng;
use sealbid_crypto::sm4gcm::{self, Sm4Key};
use sealbid_crypto::{PrivateKey, sm3};
use threshold_crypto::SecretKeySet;

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
    g.bench_function("verify_decryption_share", |b| {
        b.iter(|| assert!(pk_share0.verify_decryption_share(black_box(&shares[0].1), black_box(&ct))))
    });
    g.bench_function("combine_3_shares", |b| {
        b.iter(|| pks.decrypt(shares.iter().map(|(i, s)| (*i, s)), black_box(&ct)).expect("combine"))
    });
    g.bench_function("ciphertext_verify", |b| b.iter(|| assert!(black_box(&ct).verify())));
    g.finish();
}

// Certificate benchmarks (chain verification, CRL lookup, CSR signing from
// `sealbid_crypto::pki`) go here, as a `fn pki(c: &mut Criterion)` added to
// the group below.

criterion_group!(benches, sm2, sm3_hash, sm4_gcm, threshold);
criterion_main!(benches);
