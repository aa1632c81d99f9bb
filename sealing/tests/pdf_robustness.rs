//! Signing and verification refuse bad input with errors, never panics.

use crate::common::fixtures::{contract, placement, sign};
use sealbid_sealing::crypto::PrivateKey;
use sealbid_sealing::pdf::PdfError;
use sealbid_sealing::pdf::sign::{Placement, prepare};
use sealbid_sealing::pdf::verify::{report, signatures};
use time::macros::datetime;

fn try_prepare(pdf: &[u8], p: &Placement) -> Result<(), PdfError> {
    prepare(pdf, p, datetime!(2026-11-22 10:00:00 +08:00), "李四").map(|_| ())
}

#[test]
fn placement_errors_are_named() {
    let pdf = contract(3).render().unwrap().pdf;
    let ok = placement("seller", 0, [10.0, 10.0, 100.0, 100.0]);
    let cases = [
        Placement { page: 7, ..ok.clone() },
        Placement { page: usize::MAX, ..ok.clone() },
        Placement { rect: [10.0, 10.0, 10.0, 100.0], ..ok.clone() },
        Placement { rect: [f32::NAN, 10.0, 20.0, 100.0], ..ok.clone() },
        Placement { field_name: String::new(), ..ok.clone() },
        Placement { field_name: "a.b".into(), ..ok.clone() },
        Placement { reserve: 0, ..ok.clone() },
    ];
    for p in &cases {
        assert!(matches!(try_prepare(&pdf, p), Err(PdfError::Placement(_))), "{p:?}");
    }
    let bad_png = Placement { picture_png: Some(b"\x89PNG not really".to_vec()), ..ok.clone() };
    assert!(matches!(try_prepare(&pdf, &bad_png), Err(PdfError::Picture(_))));

    let key = PrivateKey::generate().unwrap();
    let (_, signed) = sign(&pdf, &ok, &key);
    let again = try_prepare(&signed, &ok).unwrap_err();
    assert!(matches!(&again, PdfError::Placement(m) if m.contains("already exists")), "{again}");
}

#[test]
fn a_signature_larger_than_the_reserve_is_refused() {
    let pdf = contract(1).render().unwrap().pdf;
    let p = Placement { reserve: 64, ..placement("seller", 0, [10.0, 10.0, 100.0, 100.0]) };
    let prepared = prepare(&pdf, &p, datetime!(2026-11-22 10:00:00 +08:00), "李四").unwrap();
    assert!(prepared.embed(&[0x30; 64]).is_ok());
    let err = prepared.embed(&[0x30; 65]).unwrap_err();
    assert!(matches!(err, PdfError::SignatureTooLarge { needed: 65, reserved: 64 }), "{err}");
}

#[test]
fn unsigned_documents_have_no_signatures() {
    let pdf = contract(1).render().unwrap().pdf;
    let r = report(&pdf).unwrap();
    assert!(r.signatures.is_empty());
    assert_eq!(r.revision_ends, vec![pdf.len()]);
}

#[test]
fn truncated_and_garbled_files_are_errors_not_panics() {
    let pdf = contract(2).render().unwrap().pdf;
    let key = PrivateKey::generate().unwrap();
    let (_, signed) = sign(&pdf, &placement("seller", 0, [10.0, 10.0, 100.0, 100.0]), &key);
    let p = placement("buyer", 0, [200.0, 10.0, 300.0, 100.0]);
    assert!(signatures(b"").is_err());
    assert!(signatures(b"%PDF-1.7\n%%EOF").is_err());
    assert!(try_prepare(b"not a pdf", &p).is_err());
    // Every 997th prefix, and bytes overwritten across the file: any outcome but a panic.
    for cut in (0..signed.len()).step_by(997) {
        let _ = signatures(&signed[..cut]);
        let _ = try_prepare(&signed[..cut], &p);
    }
    for at in (0..signed.len()).step_by(1499) {
        let mut g = signed.clone();
        g[at] = b'}';
        let _ = report(&g);
        let _ = try_prepare(&g, &p);
    }
}
