//! PDF benchmarks: rendering a three-page contract, preparing and embedding a
//! signature, the composed GB/T 38540 seal signature (prepare + SM2 sign +
//! finish, with and without an in-memory TSA), and verifying files with three
//! signatures (byte ranges only, and fully with `verify_pdf`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::fixtures;
use common::seals::{NOW, SIGNED, pki, place, stamp, trust};
use criterion::{Criterion, criterion_group, criterion_main};
use sealbid_sealing::crypto::PrivateKey;
use sealbid_sealing::pdf::render::SignatureRole;
use sealbid_sealing::pdf::verify::{report, signatures};
use sealbid_sealing::signing::{finish, prepare_signature, verify_pdf};

fn benches(c: &mut Criterion) {
    let contract = fixtures::contract(40);
    c.bench_function("pdf/render contract (3 pages)", |b| b.iter(|| contract.render().unwrap()));

    let rendered = contract.render().unwrap();
    let key = PrivateKey::generate().unwrap();
    let place0 = &rendered.signature_places[0];
    let placement = fixtures::placement("seller", place0.page, place0.rect);
    c.bench_function("pdf/prepare + embed signature", |b| {
        b.iter(|| fixtures::sign(&rendered.pdf, &placement, &key))
    });

    let mut pdf = rendered.pdf.clone();
    for (p, name) in rendered.signature_places.iter().zip(["seller", "buyer", "regulator"]) {
        pdf = fixtures::sign(&pdf, &fixtures::placement(name, p.page, p.rect), &key).1;
    }
    c.bench_function("pdf/verify three signatures", |b| b.iter(|| signatures(&pdf).unwrap()));

    // The composed seal signature with a real seal (its picture in the widget).
    let p = pki();
    let seller = &p.parties[0];
    let seller_place = place(&p.unsigned, SignatureRole::Seller);
    let sign = |with_tsa: bool| {
        let pending = prepare_signature(&p.unsigned.pdf, &seller.seal, &seller_place, SIGNED, None).unwrap();
        let signature = seller.signer.0.sign_raw(&pending.tbs_der).unwrap();
        let token = with_tsa.then(|| stamp(p, &signature.to_der(), SIGNED));
        finish(&pending, seller.signer.1.to_der(), &signature, token).unwrap()
    };
    c.bench_function("signing/seal sign (prepare + SM2 + finish)", |b| b.iter(|| sign(false)));
    c.bench_function("signing/seal sign + in-memory TSA", |b| b.iter(|| sign(true)));

    let trust = trust(vec![]);
    assert!(verify_pdf(&p.signed, &trust, NOW).unwrap().all_valid());
    c.bench_function("signing/verify_pdf three seal signatures", |b| {
        b.iter(|| verify_pdf(&p.signed, &trust, NOW).unwrap())
    });
    // Its PDF part alone: byte ranges, covered-bytes digests, later revisions compared.
    c.bench_function("signing/pdf report of the three seal signatures", |b| {
        b.iter(|| report(&p.signed).unwrap())
    });
}

criterion_group! {
    name = pdf;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(pdf);
