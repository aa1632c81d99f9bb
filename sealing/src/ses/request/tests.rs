//! Tests of the signer's check: a request made by `prepare_signature`
//! passes; each forgery a dishonest operator could send is refused with the
//! error that names it.

use der::{Decode, Encode};
use lopdf::{Document, Object, dictionary};
use sealbid_crypto::{Purpose, SignedMessage, sm3};
use time::macros::datetime;

use super::*;
use crate::pdf::sign::Placement;
use crate::ses::asn1::{ExtData, TbsSign};
use crate::ses::tbs_to_sign;
use crate::ses::tests::{fixture, spec, trust};
use crate::signing::{PendingSignature, finish, prepare_signature};

const AT: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

/// A 2×2 red PNG for the widget.
fn png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 2, 2);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().unwrap();
    w.write_image_data(&[200, 0, 0, 255].repeat(4)).unwrap();
    w.finish().unwrap();
    out
}

/// A one-page PDF.
fn blank_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages = doc.new_object_id();
    let media_box: Vec<Object> = vec![0.into(), 0.into(), 595.into(), 842.into()];
    let page = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages, "MediaBox" => media_box });
    let kids: Vec<Object> = vec![page.into()];
    doc.objects
        .insert(pages, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 1 }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn seal_for(holder: &Certificate, es_id: &str) -> SeSeal {
    let f = fixture();
    let mut spec = spec();
    spec.holders = vec![holder.clone()];
    spec.es_id = es_id.into();
    SeSeal::make(&spec, &f.maker.0, &f.maker.1).unwrap()
}

/// The holder's seal: one, since every making signs anew (SM2 is randomised).
fn holder_seal() -> SeSeal {
    static SEAL: std::sync::OnceLock<SeSeal> = std::sync::OnceLock::new();
    SEAL.get_or_init(|| seal_for(&fixture().holder.1, "SB0000000000000001")).clone()
}

fn prepared_at(at: OffsetDateTime) -> PendingSignature {
    let placement = Placement {
        page: 0,
        rect: [100.0, 100.0, 200.0, 200.0],
        picture_png: Some(png()),
        field_name: "seller_1".into(),
        reserve: 16_384,
    };
    prepare_signature(&blank_pdf(), &holder_seal(), &placement, at, None).unwrap()
}

fn prepared() -> PendingSignature {
    prepared_at(AT)
}

fn server_range(p: &PendingSignature) -> Option<[u64; 4]> {
    Some(p.prepared.byte_range.map(|x| x as u64))
}

/// The holder checks `tbs` against the request's own PDF and byte range.
fn check(tbs: &[u8], p: &PendingSignature, expected: &Expected<'_>) -> Result<CheckedRequest> {
    check_signing_request(tbs, &p.prepared.bytes, server_range(p), &fixture().holder.1, expected)
}

/// `tbs` with one change to its ASN.1.
fn altered(tbs: &[u8], change: impl FnOnce(&mut TbsSign)) -> Vec<u8> {
    let mut t = TbsSign::from_der(tbs).unwrap();
    change(&mut t);
    t.to_der().unwrap()
}

#[test]
fn an_honest_request_passes_and_signs() {
    let p = prepared();
    let f = fixture();
    let seal = holder_seal();
    let base = blank_pdf();
    let trust = trust();
    let expected = Expected {
        seal_der: Some(seal.to_der()),
        seal_name: Some(seal.name()),
        base_pdf: Some(&base),
        trust: Some(&trust),
        clock: Some((AT + Duration::minutes(3), Duration::minutes(10))),
    };
    let checked = check(&p.tbs_der, &p, &expected).unwrap();
    assert_eq!(checked.tbs_der(), p.tbs_der.as_slice());
    assert_eq!(checked.byte_range(), p.prepared.byte_range);
    assert_eq!(checked.digest(), &p.prepared.digest);
    assert_eq!(checked.seal(), &seal);
    assert_eq!(checked.signing_time(), AT);

    // The byte range read from the PDF alone is the same.
    let alone = check_signing_request(&p.tbs_der, &p.prepared.bytes, None, &f.holder.1, &Expected::default())
        .unwrap();
    assert_eq!(alone, checked);

    let signature = checked.sign(&f.holder.0).unwrap();
    finish(&p, f.holder.1.to_der(), &signature, None).unwrap();
}

#[test]
fn a_checked_request_is_signed_only_with_the_checked_certificates_key() {
    let p = prepared();
    let checked = check(&p.tbs_der, &p, &Expected::default()).unwrap();
    let err = checked.sign(&fixture().stranger.0).unwrap_err();
    assert!(matches!(err, SesError::InvalidInput { what: "signing key", .. }), "{err}");
}

#[test]
fn purpose_tagged_messages_are_refused_by_name() {
    let p = prepared();
    for purpose in Purpose::ALL {
        let message = SignedMessage::new(purpose, b"tender=T2026-001;price=1").to_bytes();
        assert!(message.starts_with(PURPOSE_TAG_PREFIX), "the prefix is sealbid-crypto's");
        let err = check(&message, &p, &Expected::default()).unwrap_err();
        assert_eq!(err, SesError::PurposeTaggedMessage { tag: purpose.tag().into() });
        assert!(err.to_string().contains("sealbid-signed-message"), "{err}");
    }
    // Just the prefix, or the prefix and a broken tag, is refused the same way.
    let err = check(PURPOSE_TAG_PREFIX, &p, &Expected::default()).unwrap_err();
    assert!(matches!(err, SesError::PurposeTaggedMessage { .. }), "{err}");
}

#[test]
fn a_data_hash_for_other_bytes_is_refused() {
    let p = prepared();
    // The operator changed a byte of the document after computing the hash.
    let mut changed = p.clone();
    changed.prepared.bytes[40] ^= 0x01;
    let err = check(&p.tbs_der, &changed, &Expected::default()).unwrap_err();
    assert!(matches!(err, SesError::DataHashMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&hex::encode(p.prepared.digest)), "names the signed hash: {err}");

    // A TBS_Sign for another document entirely.
    let statement = byte_range_statement(p.prepared.byte_range);
    let other = tbs_to_sign(&holder_seal(), AT, &sm3(b"another contract"), &statement).unwrap();
    let err = check(&other, &p, &Expected::default()).unwrap_err();
    assert!(matches!(err, SesError::DataHashMismatch { .. }), "{err}");
}

#[test]
fn someone_elses_seal_or_certificate_is_refused() {
    let p = prepared();
    let f = fixture();
    let statement = byte_range_statement(p.prepared.byte_range);
    let foreign = seal_for(&f.stranger.1, "SB0000000000000009");
    let tbs = tbs_to_sign(&foreign, AT, &p.prepared.digest, &statement).unwrap();
    let err = check(&tbs, &p, &Expected::default()).unwrap_err();
    assert!(matches!(err, SesError::CertNotBound { .. }), "{err}");

    // The honest request, checked by someone the seal does not list.
    let err = check_signing_request(
        &p.tbs_der,
        &p.prepared.bytes,
        server_range(&p),
        &f.stranger.1,
        &Expected::default(),
    )
    .unwrap_err();
    assert!(matches!(err, SesError::CertNotBound { .. }), "{err}");
}

#[test]
fn garbage_is_refused_as_a_malformed_tbs_sign() {
    let p = prepared();
    let random = sealbid_crypto::rng::bytes::<96>().unwrap();
    for bytes in
        [&random[..], &b""[..], &p.tbs_der[..p.tbs_der.len() - 1], &[p.tbs_der.clone(), vec![0]].concat()]
    {
        let err = check(bytes, &p, &Expected::default()).unwrap_err();
        assert!(matches!(err, SesError::Malformed { what: "TBS_Sign", .. }), "{err}");
    }
    // A seal itself (valid DER, the wrong structure).
    let err = check(holder_seal().to_der(), &p, &Expected::default()).unwrap_err();
    assert!(matches!(err, SesError::Malformed { what: "TBS_Sign", .. }), "{err}");
}

#[test]
fn other_versions_extensions_and_altered_seals_are_refused() {
    let p = prepared();
    let v2 = altered(&p.tbs_der, |t| t.version = 2);
    assert_eq!(
        check(&v2, &p, &Expected::default()).unwrap_err(),
        SesError::WrongVersion { what: "TBS_Sign", found: 2 }
    );
    let ext = ExtData {
        extn_id: der::asn1::ObjectIdentifier::new_unwrap("1.2.3.4"),
        critical: false,
        extn_value: der::asn1::OctetString::new(b"unseen".to_vec()).unwrap(),
    };
    let extended = altered(&p.tbs_der, |t| t.ext_datas = Some(vec![ext]));
    let err = check(&extended, &p, &Expected::default()).unwrap_err();
    assert!(matches!(err, SesError::Unsupported { what: "TBS_Sign extDatas", .. }), "{err}");
    let renamed =
        altered(&p.tbs_der, |t| t.eseal.seal_info.property.name = "某某医药股份有限公司公章".into());
    assert_eq!(check(&renamed, &p, &Expected::default()).unwrap_err(), SesError::BadMakerSignature);
}

#[test]
fn a_byte_range_that_leaves_bytes_unsigned_is_refused() {
    let p = prepared();
    let [a, b, c, d] = p.prepared.byte_range.map(|x| x as u64);
    let f = fixture();
    let with = |pdf: &[u8], range: Option<[u64; 4]>| {
        check_signing_request(&p.tbs_der, pdf, range, &f.holder.1, &Expected::default()).unwrap_err()
    };
    let bytes = &p.prepared.bytes;
    for range in [[a, b, c, d - 1], [a, b - 1, c, d], [1, b, c, d], [a, c, b, d], [a, b + 2, c, d - 2]] {
        let err = with(bytes, Some(range));
        assert!(matches!(err, SesError::ByteRange { .. }), "{range:?}: {err}");
    }
    // Bytes appended after the signed revision.
    let longer = [bytes.as_slice(), b"1 0 obj (unsigned) endobj\n"].concat();
    for range in [Some([a, b, c, d]), None] {
        let err = with(&longer, range);
        assert!(matches!(err, SesError::ByteRange { .. }), "{range:?}: {err}");
    }
    // A placeholder that is not empty, and a file that is not a PDF.
    let mut filled = bytes.clone();
    filled[b as usize + 1] = b'A';
    assert!(matches!(with(&filled, None), SesError::ByteRange { .. }));
    assert!(matches!(with(&bytes[1..], None), SesError::ByteRange { .. }));
}

#[test]
fn a_property_info_that_misstates_the_range_is_refused() {
    let p = prepared();
    let tbs = tbs_to_sign(&holder_seal(), AT, &p.prepared.digest, "ByteRange [0 1 2 3]").unwrap();
    let err = check(&tbs, &p, &Expected::default()).unwrap_err();
    assert!(matches!(err, SesError::PropertyInfoMismatch { .. }), "{err}");
}

#[test]
fn the_chosen_seal_the_seen_document_and_the_clock_are_checked() {
    let p = prepared();
    let other = seal_for(&fixture().holder.1, "SB0000000000000002");
    let err = check(&p.tbs_der, &p, &Expected { seal_der: Some(other.to_der()), ..Expected::default() });
    assert!(matches!(err, Err(SesError::NotTheChosenSeal { .. })), "{err:?}");
    let err = check(
        &p.tbs_der,
        &p,
        &Expected { seal_name: Some("某某医药股份有限公司公章"), ..Expected::default() },
    );
    assert!(matches!(err, Err(SesError::NotTheChosenSeal { .. })), "{err:?}");

    let mut seen = blank_pdf();
    seen[30] ^= 1;
    let err = check(&p.tbs_der, &p, &Expected { base_pdf: Some(&seen), ..Expected::default() });
    assert!(matches!(err, Err(SesError::NotAnUpdate { .. })), "{err:?}");

    let clock = Some((AT + Duration::hours(1), Duration::minutes(10)));
    let err = check(&p.tbs_der, &p, &Expected { clock, ..Expected::default() });
    assert!(matches!(err, Err(SesError::SigningTimeOff { tolerance_minutes: 10, .. })), "{err:?}");
}

#[test]
fn an_expired_or_untrusted_seal_is_refused() {
    let late = prepared_at(datetime!(2027-06-01 00:00 UTC));
    let err = check(&late.tbs_der, &late, &Expected::default()).unwrap_err();
    assert!(matches!(err, SesError::SealExpired { .. }), "{err}");

    // A seal made by a key that is not a pinned seal authority.
    let f = fixture();
    let p = prepared();
    let forged = SeSeal::make(&spec(), &f.stranger.0, &f.stranger.1).unwrap();
    let tbs =
        tbs_to_sign(&forged, AT, &p.prepared.digest, &byte_range_statement(p.prepared.byte_range)).unwrap();
    let trust = trust();
    let err = check(&tbs, &p, &Expected { trust: Some(&trust), ..Expected::default() }).unwrap_err();
    assert!(matches!(err, SesError::UntrustedMaker { .. }), "{err}");
}
