//! `sealbid bench intake`: sustained verified bid submissions per second over
//! HTTP, from this (second) process, against a running server.
//!
//! Set-up works on the server's own data directory and database (the bench
//! runs on the server's machine): a committee from a real in-memory key
//! ceremony, enough published tenders for every bidder to bid once in each,
//! and bidder certificates issued by the data directory's CA. Envelopes are
//! sealed before timing starts. Then `concurrency` clients post them in a
//! closed loop; the server runs every check (session, live revocation, role,
//! signing gate, window, parse, outer signature, ciphertext validity,
//! uniqueness) and answers each with a signed, time-stamped receipt.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use sealbid_crypto::committee::{CeremonyId, ConfirmedKey};
use sealbid_crypto::envelope::{BidDocument, BidItem, PriceFen, TenderId, seal_bid};
use sealbid_crypto::pki::{Certificate, Role, SubjectInfo};
use sealbid_crypto::{PrivateKey, Uscc};
use serde_json::{Value, json};
use time::Duration;

use super::login::{client, closed_loop};
use crate::authority::{self, now, rfc3339};
use crate::committees::store::{self as committees, Member};
use crate::datadir::{Authority, DataDir};
use crate::db::Db;
use crate::tenders::{Item, Tender, store as tenders};

/// What to run against which server.
#[derive(Debug, Clone)]
pub struct IntakeBench {
    /// The server's base URL.
    pub url: String,
    /// The server's data directory.
    pub data_dir: DataDir,
    /// Its CA password.
    pub ca_password: Vec<u8>,
    /// PostgreSQL URL if the server uses PostgreSQL.
    pub database_url: Option<String>,
    /// Submissions to time.
    pub bids: usize,
    /// Distinct bidders (each bids once per tender).
    pub bidders: usize,
    /// Concurrent clients.
    pub concurrency: usize,
}

/// Runs the benchmark; returns the JSON report.
pub async fn run(b: IntakeBench) -> Result<Value> {
    if b.bidders == 0 || b.bids == 0 {
        bail!("need at least one bidder and one bid");
    }
    let db = Db::connect(b.data_dir.path(), b.database_url.as_deref()).await?;
    let tag = format!("{:x}", std::process::id());
    let (committee_pk, committee) = make_committee(&db, &tag).await?;
    let n_tenders = b.bids.div_ceil(b.bidders);
    let mut ids = Vec::new();
    for k in 0..n_tenders {
        ids.push(make_tender(&db, committee, &format!("T-INTAKE-{tag}-{k}")).await?);
    }
    let issuing = std::fs::read_to_string(b.data_dir.cert_path(Authority::Issuing))?;
    let mut people = Vec::new();
    for i in 0..b.bidders {
        let first17 = format!(
            "91{:015}",
            360_100_000_000_000u64 + (std::process::id() as u64 % 1000) * 10_000 + i as u64
        );
        let check = sealbid_crypto::uscc::check_character(first17.as_bytes().try_into()?)?;
        let uscc = Uscc::parse(&format!("{first17}{check}"))?;
        let key = PrivateKey::generate()?;
        let subject = SubjectInfo {
            common_name: format!("intake bidder {i}"),
            organization: Some(format!("intake manufacturer {i}")),
            uscc: Some(uscc.clone()),
            role: Some(Role::Bidder),
        };
        let (dir, pw, public) = (b.data_dir.clone(), b.ca_password.clone(), key.public_key());
        let cert =
            tokio::task::spawn_blocking(move || authority::issue_person(&dir, &pw, &subject, &public, 30))
                .await??;
        people.push((key, cert, uscc));
    }
    // Seal every envelope before the clock starts.
    let mut work = Vec::new();
    for (k, tender) in ids.iter().enumerate() {
        for (i, (key, cert, uscc)) in people.iter().enumerate() {
            if work.len() == b.bids {
                break;
            }
            work.push((k, i, tender.clone(), key.clone(), cert.clone(), uscc.clone()));
        }
    }
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let pk = committee_pk;
    let envelopes = tokio::task::spawn_blocking(move || -> Result<Vec<(String, usize, Vec<u8>)>> {
        let chunk = work.len().div_ceil(workers).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = work
                .chunks(chunk)
                .map(|part| {
                    let pk = &pk;
                    scope.spawn(move || {
                        part.iter()
                            .map(
                                |(k, i, tender, key, cert, uscc): &(
                                    usize,
                                    usize,
                                    String,
                                    PrivateKey,
                                    Certificate,
                                    Uscc,
                                )| {
                                    let items = vec![BidItem {
                                        item: 1,
                                        unit_price: PriceFen::new(900 + (*k * 7 + *i) as u64 % 100)?,
                                    }];
                                    let doc = BidDocument::new(
                                        TenderId::parse(tender)?,
                                        uscc.clone(),
                                        now(),
                                        items,
                                        Vec::new(),
                                    )?;
                                    Ok((tender.clone(), *i, seal_bid(&doc, key, cert, pk)?.encode()?))
                                },
                            )
                            .collect::<Result<Vec<_>>>()
                    })
                })
                .collect();
            let mut all = Vec::new();
            for h in handles {
                all.extend(h.join().map_err(|_| anyhow::anyhow!("a sealing thread panicked"))??);
            }
            Ok(all)
        })
    })
    .await??;
    let http = client()?;
    let mut cookies = Vec::new();
    for (key, cert, _) in &people {
        let chain = vec![cert.to_pem()?, issuing.clone()];
        cookies.push(
            crate::cli::client::login(&http, &b.url, key, &chain).await.context("a bidder cannot log in")?,
        );
    }
    let envelopes = Arc::new(envelopes);
    let cookies = Arc::new(cookies);
    let next = Arc::new(AtomicUsize::new(0));
    let (url, c) = (b.url.clone(), http.clone());
    let phase = closed_loop(envelopes.len(), b.concurrency, move || {
        let (envelopes, cookies, next, url, c) =
            (envelopes.clone(), cookies.clone(), next.clone(), url.clone(), c.clone());
        async move {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let (tender, bidder, body) = envelopes.get(n).context("no envelope left")?;
            let resp = c
                .post(format!("{url}/api/v1/tenders/{tender}/bids"))
                .header(reqwest::header::COOKIE, &cookies[*bidder])
                .header(reqwest::header::ORIGIN, &url)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(body.clone())
                .send()
                .await?;
            let status = resp.status();
            let text = resp.text().await?;
            if status.as_u16() != 201 {
                bail!("submission refused: HTTP {status}: {text}");
            }
            Ok(())
        }
    })
    .await?;
    db.close().await;
    Ok(json!({ "bids": b.bids, "bidders": b.bidders, "tenders": n_tenders, "concurrency": b.concurrency,
               "submissions": phase }))
}

async fn make_committee(db: &Db, tag: &str) -> Result<(ConfirmedKey, i64)> {
    let keys: Vec<PrivateKey> = (0..3).map(|_| PrivateKey::generate()).collect::<Result<_, _>>()?;
    let members: Vec<Member> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Member {
            index: i as i64,
            serial: format!("{tag}{i:04}"),
            name: format!("intake official {i}"),
            public_key: hex::encode(k.public_key().to_sec1()),
        })
        .collect();
    let id = committees::insert(db, "intake bench", 1, &members, "bench", &rfc3339(now())).await?;
    let ceremony = CeremonyId { committee: format!("C{id}"), attempt: 1 };
    let signers = keys.clone();
    let (pks, _) =
        tokio::task::spawn_blocking(move || crate::demo::run_ceremony(ceremony, &keys, 1)).await??;
    crate::committees::statement::record_confirmed(db, id, &pks, &signers).await?;
    let confirmed =
        crate::committees::statement::confirmed(db, id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((confirmed, id))
}

async fn make_tender(db: &Db, committee: i64, id: &str) -> Result<String> {
    let at = now();
    let mut t = Tender {
        id: id.into(),
        title: "intake benchmark".into(),
        announcement: "generated".into(),
        opens_at: rfc3339(at - Duration::hours(1)),
        deadline: rfc3339(at + Duration::hours(2)),
        opening_at: rfc3339(at + Duration::hours(2)),
        committee_id: committee,
        status: "draft".into(),
        version: 0,
        published_at: None,
        created_by: "bench".into(),
        created_at: rfc3339(at),
    };
    let items = vec![Item {
        no: 1,
        generic_name: "阿莫西林胶囊".into(),
        dosage_form: "胶囊剂".into(),
        specification: "0.25g*24".into(),
        unit: "盒".into(),
        quantity: 1000,
        ceiling_fen: 1000,
    }];
    tenders::insert(db, &t, &items).await?;
    t.version = 1;
    let when = rfc3339(at);
    let v = tenders::Version {
        tender: &t,
        items: &items,
        note: "",
        document: "{}",
        signature: b"",
        timestamp: b"",
        now: &when,
    };
    tenders::publish_version(db, 0, &v).await?.context("the bench tender changed")?;
    Ok(t.id)
}
