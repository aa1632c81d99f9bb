//! Seal signatures in PDFs end to end: a contract signed by seller, buyer and
//! regulator with real GB/T 38540 seals and time stamps from a throw-away PKI,
//! verified by `verify_pdf` and checked by qpdf and poppler's pdfsig.

use crate::common;
use crate::common::fixtures::contract;
use crate::common::seals::{NOW, SIGNED, pki, place, stamp, trust};
use crate::common::tools::{pdfsig, qpdf_check, write};
use sealbid_sealing::crypto::PrivateKey;
use sealbid_sealing::crypto::pki::{Crl, RevocationReason, RevokedEntry};
use sealbid_sealing::pdf::render::SignatureRole;
use sealbid_sealing::ses::{SesError, SesSignature};
use sealbid_sealing::signing::{PdfReport, Revocation, SigningError, finish, prepare_signature, verify_pdf};
use time::OffsetDateTime;
use time::macros::datetime;

/// A CRL of the issuing CA that revokes the seller's signing certificate at `revoked_at`.
fn crl_revoking_seller(revoked_at: OffsetDateTime) -> Crl {
    let p = pki();
    let entry = RevokedEntry {
        serial: p.parties[0].signer.1.serial().unwrap(),
        revoked_at,
        reason: RevocationReason::KeyCompromise,
    };
    p.ica.issue_crl(7, revoked_at, datetime!(2027-06-01 00:00 UTC), &[entry]).unwrap()
}

fn empty_crl() -> Crl {
    pki().ica.issue_crl(6, datetime!(2026-01-01 00:00 UTC), datetime!(2027-06-01 00:00 UTC), &[]).unwrap()
}

fn problems(r: &PdfReport) -> String {
    serde_json::to_string_pretty(r).unwrap()
}

#[test]
fn three_parties_sign_and_all_verify() {
    let p = pki();
    let root_crl =
        p.root.issue_crl(1, datetime!(2026-01-01 00:00 UTC), datetime!(2027-06-01 00:00 UTC), &[]).unwrap();
    let report = verify_pdf(&p.signed, &trust(vec![empty_crl(), root_crl]), NOW).unwrap();
    assert!(report.all_valid(), "{}", problems(&report));
    assert_eq!(report.signatures.len(), 3);
    let names: Vec<_> = report.signatures.iter().map(|s| s.signer.clone().unwrap()).collect();
    assert_eq!(names, ["张三", "李四", "王五"]);
    let s = &report.signatures[1];
    assert_eq!(s.field, "buyer");
    assert_eq!(s.organisation.as_deref(), Some("福建省立医院"));
    assert_eq!(s.uscc.as_deref(), Some(common::fixtures::uscc("12350000488000016").as_str()));
    assert_eq!(s.seal_name.as_deref(), Some("福建省立医院合同专用章"));
    assert_eq!(s.seal_id.as_deref(), Some("SB0000000000000002"));
    assert_eq!(s.signing_time, Some(SIGNED + time::Duration::days(1)));
    assert_eq!(s.timestamp_time, Some(SIGNED + time::Duration::days(1) + time::Duration::seconds(2)));
    assert_eq!(s.chain, "valid");
    assert_eq!(s.revocation, Revocation::NotRevoked);
    assert!(s.intact && s.modified_after.is_empty() && report.unsigned_trailing_revisions.is_empty());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["signatures"][0]["revocation"]["status"], "not_revoked");
    assert!(json["signatures"][2]["timestamp_time"].as_str().unwrap().starts_with("2026-06-03T"));

    // Independent tools: the structure is sound and poppler sees three fields
    // whose ranges are what we report.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "signed.pdf", &p.signed);
    qpdf_check(dir.path(), "signed.pdf");
    let (entries, text) = pdfsig(dir.path(), "signed.pdf");
    assert_eq!(
        entries.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["seller", "buyer", "regulator"]
    );
    for (e, s) in entries.iter().zip(&report.signatures) {
        let [a, b, c, d] = s.byte_range;
        assert_eq!(e.ranges, [(a, a + b), (c, c + d)], "{text}");
    }
}

#[test]
fn a_flipped_byte_in_the_first_revision_is_named() {
    let p = pki();
    let mut bad = p.signed.clone();
    // A digit of the document's /CreationDate, inside the first revision.
    let at = find(&bad, b"/CreationDate").expect("printpdf writes a /CreationDate") + 20;
    assert!(at < p.unsigned.pdf.len());
    bad[at] = if bad[at] == b'1' { b'2' } else { b'1' };
    let report = verify_pdf(&bad, &trust(vec![]), NOW).unwrap();
    assert!(!report.all_valid());
    let first = &report.signatures[0];
    assert_eq!(first.field, "seller");
    assert!(!first.valid && !first.intact, "{}", problems(&report));
    assert!(first.problems.iter().any(|p| p.contains("covered bytes changed")), "{:?}", first.problems);
    // Every later signature covers revision 1 too.
    assert!(report.signatures.iter().all(|s| !s.intact));
}

#[test]
fn an_unsigned_change_after_the_signatures_is_reported() {
    let p = pki();
    let prev = lopdf::Document::load_mem(&p.signed).unwrap();
    let mut inc = lopdf::IncrementalDocument::create_from(p.signed.clone(), prev);
    inc.new_document.max_id = inc.get_prev_documents().max_id;
    let mut annot = lopdf::Dictionary::new();
    annot.set("Type", lopdf::Object::Name(b"Annot".to_vec()));
    annot.set("Subtype", lopdf::Object::Name(b"Text".to_vec()));
    annot.set("Rect", vec![100.into(), 100.into(), 120.into(), 120.into()]);
    annot.set("Contents", lopdf::Object::string_literal("changed after signing"));
    let note = inc.new_document.add_object(annot);
    let page = *inc.get_prev_documents().get_pages().get(&1).unwrap();
    inc.opt_clone_object_to_new_document(page).unwrap();
    let page_dict = inc.new_document.get_object_mut(page).unwrap().as_dict_mut().unwrap();
    page_dict.set("Annots", vec![lopdf::Object::Reference(note)]);
    let mut changed = Vec::new();
    inc.save_to(&mut changed).unwrap();
    assert!(changed.starts_with(&p.signed));

    let report = verify_pdf(&changed, &trust(vec![]), NOW).unwrap();
    assert!(!report.all_valid());
    assert_eq!(report.unsigned_trailing_revisions, [changed.len()], "{}", problems(&report));
    for s in &report.signatures {
        assert!(s.intact, "the signed bytes are untouched");
        assert!(!s.valid && s.modified_after.iter().any(|m| m.contains("/Annot /Text")), "{s:?}");
    }
}

#[test]
fn a_certificate_revoked_after_the_time_stamp_still_signed_validly() {
    let p = pki();
    let crl = crl_revoking_seller(datetime!(2026-09-01 00:00 UTC));
    let report = verify_pdf(&p.signed, &trust(vec![crl]), NOW).unwrap();
    assert!(report.all_valid(), "{}", problems(&report));
    let Revocation::RevokedLater { revoked_at, reason } = &report.signatures[0].revocation else {
        panic!("{:?}", report.signatures[0].revocation)
    };
    assert_eq!(*revoked_at, datetime!(2026-09-01 00:00 UTC));
    assert!(reason.to_lowercase().contains("key"), "{reason}");
    assert_eq!(report.signatures[1].revocation, Revocation::NotRevoked);
}

#[test]
fn a_certificate_revoked_before_the_time_stamp_did_not() {
    let p = pki();
    let crl = crl_revoking_seller(datetime!(2026-05-01 00:00 UTC));
    let report = verify_pdf(&p.signed, &trust(vec![crl]), NOW).unwrap();
    assert!(!report.all_valid());
    let seller = &report.signatures[0];
    assert!(!seller.valid && seller.intact, "{}", problems(&report));
    assert!(matches!(seller.revocation, Revocation::Revoked { .. }), "{:?}", seller.revocation);
    assert!(seller.chain.starts_with("invalid"), "{}", seller.chain);
    assert!(report.signatures[1].valid && report.signatures[2].valid);
}

#[test]
fn a_signer_not_bound_to_the_seal_is_refused_and_invalid() {
    let p = pki();
    let seller = &p.parties[0];
    let placement = place(&p.unsigned, SignatureRole::Seller);
    let pending = prepare_signature(&p.unsigned.pdf, &seller.seal, &placement, SIGNED, None).unwrap();
    let signature = p.stranger.0.sign_raw(&pending.tbs_der).unwrap();
    // finish refuses …
    let err = finish(&pending, p.stranger.1.to_der(), &signature, None).unwrap_err();
    assert!(matches!(err, SigningError::Ses(SesError::CertNotBound { .. })), "{err}");
    // … and a PDF put together around it does not verify.
    let token = stamp(p, &signature.to_der(), SIGNED);
    let ses =
        SesSignature::assemble(&pending.tbs_der, p.stranger.1.to_der(), &signature, Some(token)).unwrap();
    let pdf = pending.prepared.embed(ses.to_der()).unwrap();
    let report = verify_pdf(&pdf, &trust(vec![]), NOW).unwrap();
    let s = &report.signatures[0];
    assert!(!s.valid && s.intact, "{}", problems(&report));
    assert_eq!(s.signer.as_deref(), Some("赵六"));
    assert!(s.problems.iter().any(|m| m.contains("赵六")), "{:?}", s.problems);
}

#[test]
fn an_untimestamped_signature_is_checked_now_as_well() {
    let p = pki();
    let seller = &p.parties[0];
    let placement = place(&p.unsigned, SignatureRole::Seller);
    let pending = prepare_signature(&p.unsigned.pdf, &seller.seal, &placement, SIGNED, None).unwrap();
    let signature = seller.signer.0.sign_raw(&pending.tbs_der).unwrap();
    let pdf = finish(&pending, seller.signer.1.to_der(), &signature, None).unwrap();
    let report = verify_pdf(&pdf, &trust(vec![empty_crl()]), NOW).unwrap();
    assert!(report.all_valid(), "{}", problems(&report));
    assert_eq!(report.signatures[0].timestamp_time, None);
    // Revoked after the claimed time but before now: without a time stamp the claim proves nothing.
    let crl = crl_revoking_seller(datetime!(2026-09-01 00:00 UTC));
    let report = verify_pdf(&pdf, &trust(vec![crl]), NOW).unwrap();
    assert!(!report.all_valid(), "{}", problems(&report));
    assert!(report.signatures[0].problems.iter().any(|m| m.contains("no time stamp")));
}

#[test]
fn other_signatures_are_reported_not_trusted() {
    // The stand-in signatures of the PDF tests (bare SM2 in /Contents) are not SES_Signatures.
    let r = contract(3).render().unwrap();
    let key = PrivateKey::generate().unwrap();
    let place = &r.signature_places[0];
    let (_, signed) =
        common::fixtures::sign(&r.pdf, &common::fixtures::placement("seller", place.page, place.rect), &key);
    let report = verify_pdf(&signed, &trust(vec![]), NOW).unwrap();
    assert!(!report.all_valid());
    assert!(report.signatures[0].problems.iter().any(|m| m.contains("not a valid SES_Signature")));
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
