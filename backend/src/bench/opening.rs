//! `sealbid bench opening`: the real opening pipeline, storage included, on
//! generated bids. Set-up (a committee from a real DKG, a published tender,
//! sealed envelopes from distinct bidders, t + 1 officials' signed share
//! batches) is stored in a fresh data directory's database; then
//! [`crate::opening::run`] is timed, and the same envelopes are opened again
//! in memory only (combine, decrypt, signature checks, on the same workers)
//! to give the cryptographic floor.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use sealbid_crypto::committee::{CeremonyId, ConfirmedKey, PublicKeySet, SecretKeyShare};
use sealbid_crypto::envelope::{BidDocument, BidItem, Envelope, PriceFen, TenderId, seal_bid};
use sealbid_crypto::opening::{OfficialView, ShareBatch, check_opening, compute_shares};
use sealbid_crypto::pki::{CertSerial, Certificate, Issuer, Profile, Role, SubjectInfo, Validity};
use sealbid_crypto::{PrivateKey, Uscc};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::authority::rfc3339;
use crate::committees::store::{self as committees, Member};
use crate::db::Db;
use crate::opening::pipeline::{self, Committee, Sealed, ShareSet};
use crate::server::{AppState, Config, Secret};
use crate::tenders::{Item, Tender, store as tenders};
use crate::with_pool;

/// What to generate.
#[derive(Debug, Clone)]
pub struct OpeningBench {
    /// Envelopes (one bidder each).
    pub bids: usize,
    /// Committee size.
    pub officials: usize,
    /// t: t + 1 officials contribute shares.
    pub threshold: usize,
    /// Items in the tender (each bid quotes one to three of them).
    pub items: usize,
    /// Worker threads for the opening.
    pub workers: usize,
    /// Data directory (must not exist yet).
    pub data_dir: PathBuf,
    /// PostgreSQL URL, else SQLite in the data directory.
    pub database_url: Option<String>,
}

/// The measurements, printed as JSON.
#[derive(Debug, Serialize)]
pub struct OpeningReport {
    /// Envelopes.
    pub bids: usize,
    /// Committee size.
    pub officials: usize,
    /// Threshold t.
    pub threshold: usize,
    /// Worker threads.
    pub workers: usize,
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// Set-up: key ceremony.
    pub ceremony_s: f64,
    /// Set-up: bidder certificates and sealing the envelopes.
    pub seal_s: f64,
    /// Set-up: storing the bids.
    pub store_bids_s: f64,
    /// One official's checks of every envelope before sharing ([`check_opening`]), on one core.
    pub official_check_s: f64,
    /// Set-up: t + 1 officials computing and signing their shares.
    pub shares_s: f64,
    /// The opening: loading envelopes and shares.
    pub load_s: f64,
    /// The opening: combining, decrypting and checking (all workers).
    pub crypto_s: f64,
    /// The opening: storing outcomes.
    pub store_s: f64,
    /// The opening: evaluating, signing, time-stamping, storing results.
    pub evaluate_s: f64,
    /// The whole opening once the shares are in.
    pub opening_wall_s: f64,
    /// The same envelopes' combine + decrypt + signature checks alone, on the same workers.
    pub crypto_floor_s: f64,
    /// `opening_wall_s / crypto_floor_s - 1`, in percent.
    pub overhead_pct: f64,
    /// Envelopes opened, and of them valid.
    pub opened: usize,
    /// Valid bids.
    pub valid: usize,
}

/// Runs the benchmark.
pub async fn run(b: OpeningBench) -> Result<OpeningReport> {
    if b.threshold == 0 || b.threshold >= b.officials {
        bail!("need 0 < threshold < officials");
    }
    if b.data_dir.exists() {
        bail!("{} exists: the bench needs a fresh data directory", b.data_dir.display());
    }
    let mut config = Config::defaults(&b.data_dir);
    config.ca_password = Some(Secret::new("bench-opening"));
    config.database_url = b.database_url.clone().map(Secret::new);
    config.public_url = Some("http://127.0.0.1:0".into());
    let state = crate::server::prepare(config).await?;
    let engine = state.db.engine();

    let t0 = Instant::now();
    let keys: Vec<PrivateKey> = (0..b.officials).map(|_| PrivateKey::generate()).collect::<Result<_, _>>()?;
    let (pks, shares) = tokio::task::spawn_blocking({
        let (keys, t) = (keys.clone(), b.threshold);
        move || crate::demo::run_ceremony(CeremonyId { committee: "bench".into(), attempt: 1 }, &keys, t)
    })
    .await??;
    let committee_id = store_committee(&state.db, &keys, &pks, b.threshold).await?;
    let ceremony_s = t0.elapsed().as_secs_f64();

    let tender = store_tender(&state, committee_id, b.items).await?;
    let t1 = Instant::now();
    let pk = crate::committees::statement::confirmed(&state.db, committee_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (tid, n, items, workers) = (TenderId::parse(&tender.id)?, b.bids, b.items, b.workers);
    let sealed = tokio::task::spawn_blocking(move || seal_all(&tid, &pk, n, items, workers)).await??;
    let seal_s = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    store_bids(&state.db, &tender, committee_id, &sealed).await?;
    let store_bids_s = t2.elapsed().as_secs_f64();

    // One official's checks before sharing (check_opening), on one core.
    let file = crate::opening::opening_file(&state, &tender).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let platform_cert = state.platform.cert.clone();
    let tsa_cert = crate::authority::load_cert(&state.data_dir, crate::datadir::Authority::Tsa)?;
    let (own_key, tid) = (pks.public_key(), TenderId::parse(&tender.id)?);
    let t_check = Instant::now();
    let checked = tokio::task::spawn_blocking(move || {
        let view = OfficialView {
            tender: &tid,
            now: crate::authority::now(),
            own_key: &own_key,
            platform_cert: &platform_cert,
            tsa_cert: &tsa_cert,
        };
        check_opening(&file, &view)
    })
    .await??;
    let official_check_s = t_check.elapsed().as_secs_f64();
    if checked.accepted().len() != b.bids || !checked.refused().is_empty() {
        bail!("the official's check accepted {} of {} envelopes", checked.accepted().len(), b.bids);
    }

    let t3 = Instant::now();
    let envelopes: Vec<Envelope> =
        sealed.iter().map(|s| Envelope::parse(&s.envelope)).collect::<Result<_, _>>()?;
    let contributors: Vec<usize> = (0..=b.threshold).collect();
    let mut sets: BTreeMap<usize, ShareSet> = BTreeMap::new();
    for &i in &contributors {
        let (share, key, env, tid, cpk) = (
            shares[i].clone(),
            keys[i].clone(),
            envelopes.clone(),
            TenderId::parse(&tender.id)?,
            pks.public_key(),
        );
        let (der, set) = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, ShareSet)> {
            let cts: Vec<_> =
                env.iter().map(|e| Ok((e.hash()?, e.key_ciphertext()))).collect::<Result<_>>()?;
            let computed = parallel_shares(&share, &cts, workers);
            let batch = ShareBatch::create(&tid, &cpk, i, computed, &key)?;
            let set: ShareSet = batch.entries().iter().copied().collect();
            Ok((batch.encode()?, set))
        })
        .await??;
        let serial = format!("{:032X}", i + 1);
        crate::opening::store::insert_shares(&state.db, &tender.id, i as i64, &serial, &der, &rfc3339(now()))
            .await?;
        sets.insert(i, set);
    }
    let shares_s = t3.elapsed().as_secs_f64();

    let report = crate::opening::run(&state, &tender.id, b.workers).await?;
    if report.opened != b.bids || report.stuck != 0 {
        bail!("the opening opened {} of {} envelopes ({} stuck)", report.opened, b.bids, report.stuck);
    }

    let t4 = Instant::now();
    let floor_ok = tokio::task::spawn_blocking(move || {
        let c = Committee { pks: &pks, shares: &sets, bad: std::sync::Mutex::new(BTreeMap::new()) };
        pipeline::open_batch(&c, &sealed, workers)
            .iter()
            .filter(|o| o.as_ref().is_ok_and(|o| o.reason.is_none()))
            .count()
    })
    .await?;
    let crypto_floor_s = t4.elapsed().as_secs_f64();
    if floor_ok != b.bids {
        bail!("the in-memory opening found {floor_ok} valid of {}", b.bids);
    }
    state.db.close().await;
    Ok(OpeningReport {
        bids: b.bids,
        officials: b.officials,
        threshold: b.threshold,
        workers: b.workers,
        engine,
        ceremony_s,
        seal_s,
        store_bids_s,
        official_check_s,
        shares_s,
        load_s: report.load_s,
        crypto_s: report.crypto_s,
        store_s: report.store_s,
        evaluate_s: report.evaluate_s,
        opening_wall_s: report.total_s,
        crypto_floor_s,
        overhead_pct: (report.total_s / crypto_floor_s - 1.0) * 100.0,
        opened: report.opened,
        valid: report.valid,
    })
}

fn now() -> OffsetDateTime {
    crate::authority::now()
}

async fn store_committee(db: &Db, keys: &[PrivateKey], pks: &PublicKeySet, t: usize) -> Result<i64> {
    let members: Vec<Member> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Member {
            index: i as i64,
            serial: format!("{:032X}", i + 1),
            name: format!("official {i}"),
            public_key: hex::encode(k.public_key().to_sec1()),
        })
        .collect();
    let id = committees::insert(db, "bench committee", t as i64, &members, "bench", &rfc3339(now())).await?;
    crate::committees::statement::record_confirmed(db, id, pks, keys).await?;
    Ok(id)
}

async fn store_tender(s: &AppState, committee: i64, n_items: usize) -> Result<Tender> {
    let at = now();
    let mut t = Tender {
        id: "T-BENCH-0001".into(),
        title: "opening benchmark".into(),
        announcement: "generated".into(),
        opens_at: rfc3339(at - Duration::hours(7)),
        deadline: rfc3339(at - Duration::hours(1)),
        opening_at: rfc3339(at - Duration::hours(1)),
        committee_id: committee,
        status: "draft".into(),
        version: 0,
        published_at: None,
        created_by: "bench".into(),
        created_at: rfc3339(at),
    };
    let items: Vec<Item> = (1..=n_items as i64)
        .map(|no| Item {
            no,
            generic_name: format!("药品 {no}"),
            dosage_form: "片剂".into(),
            specification: "10mg*24".into(),
            unit: "盒".into(),
            quantity: 1000,
            ceiling_fen: 10_000,
        })
        .collect();
    tenders::insert(&s.db, &t, &items).await?;
    t.version = 1;
    let (c, _) =
        crate::committees::ready_key_set(&s.db, committee).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // The announcement as publication signs it: officials check its opening time and key.
    let doc = serde_json::to_string(&serde_json::json!({
        "id": t.id, "version": 1, "items": items, "opens_at": t.opens_at, "deadline": t.deadline,
        "opening_at": t.opening_at, "committee": committee, "committee_public_key": c.public_key,
    }))?;
    let attested =
        crate::platform::attest(s, sealbid_crypto::Purpose::Tender, doc.clone().into_bytes()).await?;
    let v = tenders::Version {
        tender: &t,
        items: &items,
        note: "",
        document: &doc,
        signature: &attested.signature,
        timestamp: &attested.timestamp,
        now: &rfc3339(at),
    };
    tenders::publish_version(&s.db, 0, &v).await?.context("the bench tender changed")?;
    t.status = "published".into();
    Ok(t)
}

/// Seals `n` generated bids (one bidder each, certificates from a throwaway
/// CA) to the confirmed key of published tender `tender` in `db` and stores
/// them as received: the load for measuring an official's checks in the
/// browser (`sealbid bench seed`, scripts/bench-browser.sh). Returns how
/// many were stored.
pub async fn seed(db: &Db, tender: &str, n: usize, workers: usize) -> Result<usize> {
    let t = tenders::get(db, tender).await?.with_context(|| format!("no tender {tender}"))?;
    let items = tenders::items(db, tender).await?.len().max(1);
    let pk = crate::committees::statement::confirmed(db, t.committee_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let tid = TenderId::parse(&t.id)?;
    let sealed = tokio::task::spawn_blocking(move || seal_all(&tid, &pk, n, items, workers)).await??;
    store_bids(db, &t, t.committee_id, &sealed).await?;
    Ok(sealed.len())
}

/// Issues `n` bidder certificates (throwaway CA) and seals one envelope each, on `workers` threads.
fn seal_all(
    tender: &TenderId,
    committee: &ConfirmedKey,
    n: usize,
    items: usize,
    workers: usize,
) -> Result<Vec<Sealed>> {
    let validity = Validity::new(now() - Duration::days(1), now() + Duration::days(365))?;
    let ca = Issuer::new_root(
        PrivateKey::generate()?,
        &SubjectInfo::new("bench CA"),
        validity,
        CertSerial::random()?,
    )?;
    let chunk = n.div_ceil(workers.max(1)).max(1);
    let ranges: Vec<(usize, usize)> = (0..n).step_by(chunk).map(|s| (s, (s + chunk).min(n))).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(from, to)| {
                let ca = &ca;
                scope.spawn(move || -> Result<Vec<Sealed>> {
                    (from..to).map(|i| seal_one(ca, tender, committee, i, items, validity)).collect()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(n);
        for h in handles {
            all.extend(h.join().map_err(|_| anyhow::anyhow!("a sealing thread panicked"))??);
        }
        Ok(all)
    })
}

fn seal_one(
    ca: &Issuer,
    tender: &TenderId,
    committee: &ConfirmedKey,
    i: usize,
    items: usize,
    validity: Validity,
) -> Result<Sealed> {
    let first17 = format!("91{:015}", 350_100_000_000_000u64 + i as u64);
    let uscc = Uscc::parse(&format!(
        "{first17}{}",
        sealbid_crypto::uscc::check_character(first17.as_bytes().try_into()?)?
    ))?;
    let key = PrivateKey::generate()?;
    let subject = SubjectInfo {
        common_name: format!("bidder {i}"),
        organization: Some(format!("manufacturer {i}")),
        uscc: Some(uscc.clone()),
        role: Some(Role::Bidder),
    };
    let cert: Certificate = ca.issue(
        &subject,
        &key.public_key(),
        Profile::Person,
        validity,
        CertSerial::random()?,
        "http://bench/crl",
    )?;
    let quoted: Vec<BidItem> = (0..1 + i % 3)
        .map(|k| {
            let item = ((i * 7 + k * 13) % items + 1) as u32;
            Ok(BidItem { item, unit_price: PriceFen::new(5_000 + ((i * 31 + k) % 6_000) as u64)? })
        })
        .collect::<Result<_>>()?;
    let mut quoted = quoted;
    quoted.sort_by_key(|q| q.item);
    quoted.dedup_by_key(|q| q.item);
    let doc = BidDocument::new(tender.clone(), uscc, now(), quoted, Vec::new())?;
    let env = seal_bid(&doc, &key, &cert, committee)?;
    Ok(Sealed { bid: i as i64, envelope: env.encode()?, bidder_cert: cert.to_der().to_vec() })
}

fn parallel_shares(
    share: &SecretKeyShare,
    cts: &[([u8; 32], &threshold_crypto::Ciphertext)],
    workers: usize,
) -> Vec<([u8; 32], threshold_crypto::DecryptionShare)> {
    let chunk = cts.len().div_ceil(workers.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            cts.chunks(chunk).map(|part| scope.spawn(move || compute_shares(share, part))).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// Stores the envelopes as accepted bids (multi-row inserts in one transaction).
async fn store_bids(db: &Db, t: &Tender, committee: i64, sealed: &[Sealed]) -> Result<()> {
    let now = rfc3339(now());
    let mut rows = Vec::with_capacity(sealed.len());
    for s in sealed {
        let env = Envelope::parse(&s.envelope)?;
        rows.push((
            env.bidder().as_str().to_string(),
            hex::encode(env.hash()?),
            hex::encode(&env.key_ciphertext_bytes()[..48]),
        ));
    }
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        for (chunk_rows, chunk_sealed) in rows.chunks(200).zip(sealed.chunks(200)) {
            let values: Vec<String> = (0..chunk_rows.len())
                .map(|i| {
                    let b = 5 + 6 * i;
                    format!("($1, $2, ${b}, ${}, ${}, ${}, ${}, ${}, 'active', 1, $3, $4)", b + 1, b + 2, b + 3, b + 4, b + 5)
                })
                .collect();
            let sql = format!(
                "INSERT INTO bids (tender_id, committee_id, bidder_uscc, bidder_serial, bidder_cert, envelope, \
                 envelope_hash, key_point, status, tender_version, received_at, receipt) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(&t.id).bind(committee).bind(&now).bind(Vec::<u8>::new());
            for ((uscc, hash, point), s) in chunk_rows.iter().zip(chunk_sealed) {
                q = q.bind(uscc).bind("bench").bind(&s.bidder_cert).bind(&s.envelope).bind(hash).bind(point);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await
    }.await)
    .context("cannot store the bench bids")
}
