//! A throw-away PKI with a seal authority, a TSA and three parties' seals, and
//! a three-page contract signed by all three: shared by the signing tests and
//! the benchmarks.
#![allow(dead_code)]

use std::sync::OnceLock;

use sealbid_sealing::crypto::pki::{
    CertSerial, Certificate, Crl, Issuer, Profile, Role, SubjectInfo, Validity,
};
use sealbid_sealing::crypto::tsp::{
    Imprint, ImprintAlgorithm, StampOptions, TimeStampAuthority, random_serial,
};
use sealbid_sealing::crypto::{PrivateKey, oid};
use sealbid_sealing::pdf::render::{Rendered, SignatureRole};
use sealbid_sealing::pdf::sign::Placement;
use sealbid_sealing::seal::SealKind;
use sealbid_sealing::seal::picture;
use sealbid_sealing::ses::{SeSeal, SealSpec, Trust};
use sealbid_sealing::signing::{finish, prepare_signature};
use time::OffsetDateTime;
use time::macros::datetime;

use super::fixtures::{contract, uscc};

pub const CRL_URL: &str = "http://127.0.0.1:8080/pki/crl";
pub const T0: OffsetDateTime = datetime!(2025-01-01 00:00 UTC);
pub const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);
/// Seller, buyer and regulator sign one day apart from here.
pub const SIGNED: OffsetDateTime = datetime!(2026-06-01 10:00 +08:00);

pub type KeyCert = (PrivateKey, Certificate);

pub struct Party {
    pub signer: KeyCert,
    pub seal: SeSeal,
}

pub struct Pki {
    pub root: Issuer,
    pub ica: Issuer,
    pub maker: KeyCert,
    pub tsa: TimeStampAuthority,
    pub tsa_cert: Certificate,
    pub parties: Vec<Party>,
    pub stranger: KeyCert,
    /// The contract signed by the three parties.
    pub signed: Vec<u8>,
    pub unsigned: Rendered,
}

pub fn issue(ica: &Issuer, subject: &SubjectInfo, profile: Profile) -> KeyCert {
    let key = PrivateKey::generate().unwrap();
    let validity = Validity::new(T0, datetime!(2030-01-01 00:00 UTC)).unwrap();
    let cert = ica
        .issue(subject, &key.public_key(), profile, validity, CertSerial::random().unwrap(), CRL_URL)
        .unwrap();
    (key, cert)
}

pub fn person(name: &str, org: &str, uscc_17: &str) -> SubjectInfo {
    SubjectInfo {
        common_name: name.into(),
        organization: Some(org.into()),
        uscc: Some(uscc(uscc_17)),
        role: Some(Role::Bidder),
    }
}

pub fn make_seal(maker: &KeyCert, holder: &Certificate, org: &str, id: &str) -> SeSeal {
    let spec = SealSpec {
        es_id: id.into(),
        vid: "sealbid".into(),
        kind: SealKind::Contract,
        name: format!("{org}合同专用章"),
        holders: vec![holder.clone()],
        picture: picture::generate(org, "合同专用章", SealKind::Contract).unwrap(),
        created: T0,
        valid_start: T0,
        valid_end: datetime!(2028-01-01 00:00 UTC),
    };
    SeSeal::make(&spec, &maker.0, &maker.1).unwrap()
}

pub fn pki() -> &'static Pki {
    static P: OnceLock<Pki> = OnceLock::new();
    P.get_or_init(|| {
        let validity = Validity::new(T0, datetime!(2045-01-01 00:00 UTC)).unwrap();
        let root = Issuer::new_root(
            PrivateKey::generate().unwrap(),
            &SubjectInfo::new("sealbid 根 CA"),
            validity,
            CertSerial::random().unwrap(),
        )
        .unwrap();
        let ica_key = PrivateKey::generate().unwrap();
        let ica_validity = Validity::new(T0, datetime!(2035-01-01 00:00 UTC)).unwrap();
        let ica_cert = root
            .issue(
                &SubjectInfo::new("sealbid Issuing CA"),
                &ica_key.public_key(),
                Profile::IssuingCa,
                ica_validity,
                CertSerial::random().unwrap(),
                CRL_URL,
            )
            .unwrap();
        let ica = Issuer::new(ica_cert, ica_key).unwrap();
        let maker = issue(&ica, &SubjectInfo::new("sealbid 电子印章制章系统"), Profile::SealAuthority);
        let (tsa_key, tsa_cert) = issue(&ica, &SubjectInfo::new("sealbid TSA"), Profile::TimeStamping);
        let tsa = TimeStampAuthority::new(tsa_cert.x509().clone(), tsa_key, oid::SEALBID_TSA_POLICY).unwrap();
        let who = [
            ("张三", "福建某某制药有限公司", "91350100M000100Y4", "SB0000000000000001"),
            ("李四", "福建省立医院", "12350000488000016", "SB0000000000000002"),
            ("王五", "福建省医疗保障局", "11350000MB0000000", "SB0000000000000003"),
        ];
        let parties: Vec<Party> = who
            .iter()
            .map(|(name, org, uscc, id)| {
                let signer = issue(&ica, &person(name, org, uscc), Profile::Person);
                let seal = make_seal(&maker, &signer.1, org, id);
                Party { signer, seal }
            })
            .collect();
        let stranger =
            issue(&ica, &person("赵六", "福建某某制药有限公司", "91350100M000100Y4"), Profile::Person);
        let unsigned = contract(40).render().unwrap();
        let mut p = Pki { root, ica, maker, tsa, tsa_cert, parties, stranger, signed: Vec::new(), unsigned };
        let mut pdf = p.unsigned.pdf.clone();
        for (i, role) in
            [SignatureRole::Seller, SignatureRole::Buyer, SignatureRole::Regulator].iter().enumerate()
        {
            let party = &p.parties[i];
            let at = SIGNED + time::Duration::days(i as i64);
            pdf = sign(&p, &pdf, &party.seal, &party.signer, place(&p.unsigned, *role), at);
        }
        p.signed = pdf;
        p
    })
}

pub fn place(r: &Rendered, role: SignatureRole) -> Placement {
    let p = r.signature_places.iter().find(|p| p.role == role).unwrap();
    let name = format!("{role:?}").to_lowercase();
    Placement { page: p.page, rect: p.rect, picture_png: None, field_name: name, reserve: 16_384 }
}

/// Prepare, sign on the "signer's side", time-stamp the signature value, finish.
pub fn sign(
    p: &Pki,
    pdf: &[u8],
    seal: &SeSeal,
    signer: &KeyCert,
    placement: Placement,
    at: OffsetDateTime,
) -> Vec<u8> {
    let pending = prepare_signature(pdf, seal, &placement, at, None).unwrap();
    let signature = signer.0.sign_raw(&pending.tbs_der).unwrap();
    let token = stamp(p, &signature.to_der(), at);
    finish(&pending, signer.1.to_der(), &signature, Some(token)).unwrap()
}

pub fn stamp(p: &Pki, signature_value: &[u8], at: OffsetDateTime) -> Vec<u8> {
    let imprint = Imprint::of(ImprintAlgorithm::Sm3, signature_value);
    let opts = StampOptions { nonce: None, include_cert: true };
    p.tsa.stamp(&imprint, random_serial().unwrap(), at + time::Duration::seconds(2), &opts).unwrap()
}

pub fn trust(crls: Vec<Crl>) -> Trust {
    let p = pki();
    Trust {
        seal_authorities: vec![p.maker.1.clone()],
        anchors: vec![p.root.certificate().clone()],
        intermediates: vec![p.ica.certificate().clone()],
        crls,
        tsa: Some(p.tsa_cert.clone()),
    }
}
