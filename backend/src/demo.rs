//! Demo data for `sealbid serve --demo`: organisations of every kind, people
//! in every role with certificates, their encrypted key files and a ready
//! opening committee, so a newcomer can log in at once.
//!
//! Everything goes into `DATA_DIR/demo/` once (a second start finds
//! `demo/README.txt` and leaves it alone): per person `NAME.p8` (encrypted
//! PKCS#8, the password in `demo/PASSWORD.txt`) and `NAME.pem` (certificate
//! then issuing CA). The committee's key ceremony runs here, in this one
//! process, with the demo officials' keys, and each official's key share is
//! written to `NAME.share` under the same password — acceptable only for a
//! demo, where one machine plays every party. Never use `--demo` for real.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use sealbid_crypto::committee::share_file::seal_share_file_for;
use sealbid_crypto::committee::{CeremonyId, KeyGen, PartOutcome, PublicKeySet, SecretKeyShare};
use sealbid_crypto::pki::{Role, SubjectInfo};
use sealbid_crypto::{PrivateKey, Uscc, keyfile, rng};

use crate::authority::{self, now, rfc3339};
use crate::committees::store::{self as committees, Member};
use crate::datadir::{Authority, write_atomic};
use crate::db::Db;
use crate::people::store::{Issued, record_issue};
use crate::server::AppState;
use crate::with_pool;

struct Org {
    name: &'static str,
    uscc17: &'static str,
    kind: &'static str,
}

const ORGS: [Org; 5] = [
    Org { name: "福建省药械联合采购中心", uscc17: "12350000MB0000001", kind: "centre" },
    Org { name: "福建某某制药有限公司", uscc17: "91350100MA0000001", kind: "manufacturer" },
    Org { name: "江西某某医药股份有限公司", uscc17: "91360100MA0000002", kind: "manufacturer" },
    Org { name: "福建省立医院", uscc17: "12350000MB0000003", kind: "hospital" },
    Org { name: "福建省药品监督管理局", uscc17: "11350000MB0000004", kind: "regulator" },
];

/// (file stem, name, role, organisation index)
const PEOPLE: [(&str, &str, Role, usize); 10] = [
    ("operator", "王运维", Role::Operator, 0),
    ("centre", "李采购", Role::Centre, 0),
    ("official1", "陈开标", Role::Official, 0),
    ("official2", "林开标", Role::Official, 4),
    ("official3", "黄开标", Role::Official, 4),
    ("bidder1", "张投标", Role::Bidder, 1),
    ("bidder2", "刘投标", Role::Bidder, 2),
    ("hospital", "赵医院", Role::Hospital, 3),
    ("regulator", "周监管", Role::Regulator, 4),
    ("bidder1b", "吴投标", Role::Bidder, 1),
];

fn uscc(org: &Org) -> Result<Uscc> {
    let check = sealbid_crypto::uscc::check_character(org.uscc17.as_bytes().try_into()?)?;
    Ok(Uscc::parse(&format!("{}{check}", org.uscc17))?)
}

/// Seeds the demo data unless it is there already; returns whether it did.
pub async fn seed(s: &AppState) -> Result<bool> {
    let dir = s.data_dir.path().join("demo");
    if dir.join("README.txt").exists() {
        return Ok(false);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let password = hex::encode(rng::bytes::<8>()?);
    let when = rfc3339(now());
    for org in &ORGS {
        insert_org(&s.db, org, &uscc(org)?, &when).await?;
    }
    let mut readme = String::from(
        "sealbid demo data — for trying the platform, never for real use.\n\n\
         Each person has NAME.p8 (encrypted private key) and NAME.pem (certificate, then the issuing CA).\n",
    );
    writeln!(readme, "The key files' password (also in PASSWORD.txt): {password}\n")?;
    let mut officials = Vec::new();
    let issuing = std::fs::read_to_string(s.data_dir.cert_path(Authority::Issuing))?;
    for (stem, name, role, org) in PEOPLE {
        let org = &ORGS[org];
        let key = PrivateKey::generate()?;
        let subject = SubjectInfo {
            common_name: name.into(),
            organization: Some(org.name.into()),
            uscc: Some(uscc(org)?),
            role: Some(role),
        };
        let (d, pw, public) = (s.data_dir.clone(), ca_password(s)?, key.public_key());
        let cert =
            tokio::task::spawn_blocking(move || authority::issue_person(&d, &pw, &subject, &public, 365))
                .await??;
        let serial = cert.serial()?.to_string();
        let org_code = uscc(org)?;
        let issued = Issued {
            org_uscc: org_code.as_str(),
            name,
            id_number: stem,
            phone: "0591-00000000",
            role: role.as_str(),
            serial: &serial,
            public_key: &hex::encode(key.public_key().to_sec1()),
            not_after: &rfc3339(cert.not_after()?),
            granted_by: "demo",
        };
        record_issue(&s.db, &issued, &when).await?;
        let (kp, pp) = (dir.join(format!("{stem}.p8")), dir.join(format!("{stem}.pem")));
        let (k, pwd) = (key.clone(), password.clone());
        let sealed = tokio::task::spawn_blocking(move || keyfile::encrypt(&k, pwd.as_bytes())).await??;
        write_atomic(&kp, &sealed)?;
        write_atomic(&pp, format!("{}{issuing}", cert.to_pem()?).as_bytes())?;
        writeln!(readme, "{stem:10} {name}  {role:9} {}  serial {serial}", org.name)?;
        if role == Role::Official {
            officials.push((stem, name, serial, key));
        }
    }
    let committee = demo_committee(s, &officials, &password).await?;
    writeln!(
        readme,
        "\nOpening committee {committee} (officials 1-3, any 2 open) is ready; each official's key share is \
         NAME.share (same password)."
    )?;
    write_atomic(&dir.join("PASSWORD.txt"), password.as_bytes())?;
    write_atomic(&dir.join("README.txt"), readme.as_bytes())?;
    Ok(true)
}

fn ca_password(s: &AppState) -> Result<Vec<u8>> {
    let pw = s.config.ca_password.as_ref().context("no CA password configured")?;
    Ok(pw.expose().as_bytes().to_vec())
}

async fn insert_org(db: &Db, org: &Org, uscc: &Uscc, now: &str) -> Result<()> {
    let sql = "INSERT INTO organisations (name, uscc, kind, drug_account, consumables_account, address, phone, \
               created_at) VALUES ($1, $2, $3, TRUE, TRUE, '福州市鼓楼区', '0591-00000000', $4) \
               ON CONFLICT (uscc) DO NOTHING";
    with_pool!(db, p => sqlx::query(sql).bind(org.name).bind(uscc.as_str()).bind(org.kind).bind(now)
        .execute(p).await.map(|_| ()))
    .context("cannot record the demo organisation")
}

async fn demo_committee(
    s: &AppState,
    officials: &[(&str, &str, String, PrivateKey)],
    password: &str,
) -> Result<i64> {
    let members: Vec<Member> = officials
        .iter()
        .enumerate()
        .map(|(i, (_, name, serial, key))| Member {
            index: i as i64,
            serial: serial.clone(),
            name: (*name).into(),
            public_key: hex::encode(key.public_key().to_sec1()),
        })
        .collect();
    let when = rfc3339(now());
    let id = committees::insert(&s.db, "演示开标委员会", 1, &members, "demo", &when).await?;
    let keys: Vec<PrivateKey> = officials.iter().map(|o| o.3.clone()).collect();
    let ceremony = CeremonyId { committee: format!("C{id}"), attempt: 1 };
    let signers = keys.clone();
    let (pks, shares) = tokio::task::spawn_blocking(move || run_ceremony(ceremony, &keys, 1)).await??;
    crate::committees::statement::record_confirmed(&s.db, id, &pks, &signers).await?;
    let dir = s.data_dir.path().join("demo");
    let context = *sealbid_crypto::committee::Ceremony::new(
        CeremonyId { committee: format!("C{id}"), attempt: 1 },
        officials.iter().map(|o| o.3.public_key()).collect(),
        1,
    )?
    .context();
    let committee_key = pks.public_key();
    for (i, ((stem, ..), share)) in officials.iter().zip(shares).enumerate() {
        let pw = password.to_string();
        let file = tokio::task::spawn_blocking(move || {
            let iterations = sealbid_crypto::committee::share_file::DEFAULT_ITERATIONS;
            seal_share_file_for(&share, i, &context, &committee_key, pw.as_bytes(), iterations)
        })
        .await??;
        write_atomic(&dir.join(format!("{stem}.share")), &file)?;
    }
    Ok(id)
}

/// A complete DKG among `keys`, relayed in memory (demo and benchmarks).
pub fn run_ceremony(
    id: CeremonyId,
    keys: &[PrivateKey],
    t: usize,
) -> Result<(PublicKeySet, Vec<SecretKeyShare>)> {
    let publics: Vec<_> = keys.iter().map(PrivateKey::public_key).collect();
    let mut gens: Vec<KeyGen> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| KeyGen::new(id.clone(), i, k.clone(), publics.clone(), t))
        .collect::<Result<_, _>>()?;
    let parts: Vec<_> = gens.iter_mut().map(KeyGen::make_part).collect::<Result<_, _>>()?;
    let mut acks = Vec::new();
    for g in &mut gens {
        for (d, part) in parts.iter().enumerate() {
            match g.handle_part(d, part)? {
                PartOutcome::Valid(ack) => acks.push(ack),
                PartOutcome::Invalid(c) => anyhow::bail!("an honest part drew a complaint: {c:?}"),
            }
        }
    }
    for g in &mut gens {
        for ack in &acks {
            g.handle_ack(ack.sender(), ack)?;
        }
    }
    let mut shares = Vec::new();
    let mut set = None;
    for g in &gens {
        let (pks, share) = g.generate()?;
        shares.push(share.context("an official got no share")?);
        set = Some(pks);
    }
    Ok((set.context("no officials")?, shares))
}
