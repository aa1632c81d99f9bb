//! Results anyone can re-check: the [`ResultsBundle`] the platform serves
//! after publication, and [`verify_results`], which redoes the whole opening
//! and evaluation from it and names the first place where the published
//! results differ.
//!
//! The bundle holds only what the platform signed or the bidders and
//! officials signed: the tender's signed announcement (items and ceiling
//! prices, opening time, committee key), the committee key statement signed
//! by every official, the signed, time-stamped deadline manifest and its
//! leaves, every envelope with its bidder's certificate and signed receipt,
//! every official's signed [`ShareBatch`], and the published results
//! document with the platform's signature and time stamp. The server-side
//! facts the ranking needs — each bid's id and stored receipt time, the tie
//! breakers — come with each envelope, and the receipt time is checked
//! against the platform-signed receipt.
//!
//! [`verify_results`] checks, in order: the announcement, the statement (every
//! official signed), the manifest (signature, time stamp, tender, key, leaves)
//! and that the envelopes are exactly its leaves; each envelope's tender,
//! committee key, bidder certificate, outer signature and receipt; each
//! batch's signature under the roster key of its official index, its tender
//! and committee key; then for every envelope every official's share (the
//! pairing check under the tender's label, [`PreparedCiphertext`]), the key
//! from t + 1 valid shares ([`combine_key`]), the payload and the inner
//! signature; then the evaluation (per item, valid quotes at or under the
//! ceiling ranked ascending, ties by receipt time, then by bid id), compared
//! with the published document field by field.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use threshold_crypto::PublicKeySet;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::check::Announcement;
use super::{G1Affine, PreparedCiphertext, ShareBatch, combine_key};
use crate::committee::StatementFile;
use crate::envelope::codec::U_LEN;
use crate::envelope::{Envelope, Receipt, TenderId, tender_label};
use crate::manifest::Manifest;
use crate::pki::Certificate;
use crate::sm4gcm::KEY_LEN;
use crate::tsp::{ImprintAlgorithm, Stamped, verify_token};
use crate::{Error, PublicKey, Purpose, Result, Signature, SignedMessage, Sm3Digest};

const WHAT: &str = "results bundle";
/// How long after the signed receipt time the stored receipt time (the tie
/// breaker the evaluation uses) may lie: the server takes it after signing
/// and time-stamping the receipt.
pub const MAX_RECEIPT_LAG_S: i64 = 60;
/// Why a bid that opened but does not decrypt is invalid (the server's wording).
const UNDECRYPTABLE: &str = "the payload does not decrypt under its key (GCM tag check failed)";

/// One envelope as the bundle carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEnvelope {
    /// The server's bid id (the last tie breaker of the ranking).
    pub bid: i64,
    /// Base64 of the envelope DER.
    pub envelope: String,
    /// Base64 of the certificate DER that signed the envelope at intake.
    pub certificate: String,
    /// Base64 of the platform's signed, time-stamped receipt DER.
    pub receipt: String,
    /// The receipt time as the server stored it (RFC 3339), which ranks ties.
    pub received_at: String,
}

/// The published results as the server serves them (`GET /api/v1/tenders/{id}/results`, full view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedResults {
    /// The results document (JSON text, [`ResultsDocument`]).
    pub document: String,
    /// Base64 of the platform's SM2 signature ([`Purpose::Results`]) over the document.
    pub signature: String,
    /// Base64 of the RFC 3161 token over that signature.
    pub timestamp: String,
    /// When the server stored them.
    pub published_at: String,
}

/// Everything needed to re-check a tender's published results without
/// trusting the platform (`GET /api/v1/tenders/{id}/results/bundle`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsBundle {
    /// The tender.
    pub tender: String,
    /// The latest published version of the tender: items and ceiling prices, opening time, committee key.
    pub announcement: Announcement,
    /// The committee key statement with every official's signature (holds the public key set).
    pub statement: StatementFile,
    /// Base64 of the deadline manifest DER.
    pub manifest: String,
    /// Hex envelope hashes: the manifest's leaves in order.
    pub leaves: Vec<String>,
    /// Every envelope of the manifest.
    pub envelopes: Vec<BundleEnvelope>,
    /// Base64 of every contributing official's [`ShareBatch`] DER.
    pub batches: Vec<String>,
    /// The published, signed results.
    pub results: SignedResults,
}

/// The signed results document (the server's `publish_results`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsDocument {
    /// Tender id.
    pub tender: String,
    /// The tender version evaluated.
    pub version: i64,
    /// When, RFC 3339.
    pub evaluated_at: String,
    /// The evaluation.
    pub evaluation: Evaluation,
    /// Officials the opening found to have sent bad shares.
    pub officials_with_bad_shares: Vec<Fault>,
}

/// An official named for bad shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Share index.
    pub official: i64,
    /// What was found.
    pub detail: String,
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Per item, in the tender's order.
    pub items: Vec<ItemResult>,
    /// Bids invalid as a whole, in bid order.
    pub invalid_bids: Vec<Rejected>,
    /// Bids opened.
    pub bids: usize,
}

/// One item's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    /// Item number.
    pub no: i64,
    /// Generic name.
    pub generic_name: String,
    /// Ceiling price, fen.
    pub ceiling_fen: i64,
    /// Valid quotes at or under the ceiling, ranked.
    pub ranking: Vec<Ranked>,
    /// Quotes over the ceiling.
    pub rejected: Vec<Rejected>,
}

/// One ranked quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    /// 1 = lowest price.
    pub rank: usize,
    /// Bidder's organisation code.
    pub bidder: String,
    /// Unit price, fen.
    pub price_fen: u64,
    /// Stored receipt time, RFC 3339.
    pub received_at: String,
}

/// A quote or bid not ranked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// Bidder's organisation code.
    pub bidder: String,
    /// Unit price, when there was one.
    pub price_fen: Option<u64>,
    /// Why.
    pub reason: String,
}

/// A tender item as the signed announcement lists it (other fields ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderItem {
    /// Item number.
    pub no: i64,
    /// Generic name.
    pub generic_name: String,
    /// Ceiling price, fen.
    pub ceiling_fen: i64,
}

/// An opened bid as the evaluation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedQuote {
    /// Bid id.
    pub bid: i64,
    /// Bidder's organisation code.
    pub bidder: String,
    /// Stored receipt time, RFC 3339 (ordered as the instant it names).
    pub received_at: String,
    /// Prices by item, if the bid is valid.
    pub prices: Option<BTreeMap<u32, u64>>,
    /// Why it is invalid.
    pub reason: Option<String>,
}

/// What [`verify_results`] found: the published results match the recomputation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The tender.
    pub tender: String,
    /// The tender version.
    pub version: i64,
    /// Envelopes in the manifest (all opened).
    pub envelopes: usize,
    /// Of which valid bids.
    pub valid: usize,
    /// Officials whose share batches were used (every one verified).
    pub contributors: Vec<usize>,
    /// Officials with at least one share that fails its pairing check: index → first envelope.
    pub bad_shares: BTreeMap<usize, Sm3Digest>,
    /// The manifest's time stamp.
    pub manifest_stamped_at: OffsetDateTime,
    /// The results' time stamp.
    pub results_stamped_at: OffsetDateTime,
    /// Per item: (number, winner's bidder and price, if any).
    pub winners: Vec<(i64, Option<(String, u64)>)>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "results of tender {} (version {}) verified", self.tender, self.version)?;
        writeln!(
            f,
            "deadline manifest: {} envelope(s), stamped {}",
            self.envelopes, self.manifest_stamped_at
        )?;
        writeln!(f, "valid bids:        {} of {}", self.valid, self.envelopes)?;
        let who: Vec<String> = self.contributors.iter().map(usize::to_string).collect();
        writeln!(f, "share batches:     official(s) {}", who.join(", "))?;
        for (official, hash) in &self.bad_shares {
            writeln!(f, "bad shares:        official {official} (first: envelope {})", hex::encode(hash))?;
        }
        writeln!(f, "results stamped:   {}", self.results_stamped_at)?;
        for (no, winner) in &self.winners {
            match winner {
                Some((bidder, price)) => writeln!(f, "item {no}: winner {bidder} at {price} fen")?,
                None => writeln!(f, "item {no}: no valid quote")?,
            }
        }
        Ok(())
    }
}

fn b64(text: &str, what: &str) -> Result<Vec<u8>> {
    Base64::decode_vec(text).map_err(|_| Error::malformed(WHAT, format!("{what} is not base64")))
}

fn mismatch(msg: String) -> Error {
    Error::InvalidParameter(msg)
}

/// Verifies a platform signature over `document` and its SM3 time stamp; returns the stamped time.
fn check_attested(
    document: &[u8],
    purpose: Purpose,
    signature: &str,
    token: &str,
    platform_cert: &Certificate,
    tsa_cert: &Certificate,
    what: &str,
) -> Result<OffsetDateTime> {
    let signature = Signature::from_der(&b64(signature, &format!("the {what} signature"))?)?;
    SignedMessage::new(purpose, document)
        .verify(&platform_cert.public_key()?, &signature)
        .map_err(|_| mismatch(format!("the {what}'s platform signature does not verify")))?;
    let token = b64(token, &format!("the {what} time stamp"))?;
    let stamped = verify_token(&token, Stamped::Data(&signature.to_der()), tsa_cert.x509(), None)?;
    if stamped.imprint.algorithm() != ImprintAlgorithm::Sm3 {
        return Err(Error::Timestamp(format!("the {what}'s time stamp must use an SM3 imprint")));
    }
    Ok(stamped.gen_time)
}

/// What the signed announcement states.
struct Announced {
    version: i64,
    opening_at: OffsetDateTime,
    deadline: Option<OffsetDateTime>,
    committee_key: String,
    items: Vec<TenderItem>,
}

fn check_announcement(
    a: &Announcement,
    tender: &TenderId,
    platform_cert: &Certificate,
    tsa_cert: &Certificate,
) -> Result<Announced> {
    check_attested(
        a.document.as_bytes(),
        Purpose::Tender,
        &a.signature,
        &a.timestamp,
        platform_cert,
        tsa_cert,
        "tender announcement",
    )?;
    #[derive(Deserialize)]
    struct Doc {
        id: String,
        version: i64,
        opening_at: String,
        deadline: Option<String>,
        committee_public_key: String,
        items: Vec<TenderItem>,
    }
    let doc: Doc =
        serde_json::from_str(&a.document).map_err(|e| Error::malformed("tender announcement", e))?;
    if doc.id != tender.as_str() {
        return Err(mismatch(format!("the announcement is for tender {}, not {tender}", doc.id)));
    }
    let opening_at = OffsetDateTime::parse(&doc.opening_at, &Rfc3339)
        .map_err(|e| Error::malformed("tender announcement opening_at", e))?;
    let deadline = doc.deadline.as_deref().and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok());
    Ok(Announced {
        version: doc.version,
        opening_at,
        deadline,
        committee_key: doc.committee_public_key,
        items: doc.items,
    })
}

/// One envelope, checked and ready to open.
struct Ready {
    bid: i64,
    hash: Sm3Digest,
    envelope: Envelope,
    cert_der: Vec<u8>,
    bidder_key: PublicKey,
    received_at: String,
}

fn digest_hex(h: &str, what: &str) -> Result<Sm3Digest> {
    hex::decode(h)
        .ok()
        .and_then(|b| Sm3Digest::try_from(b).ok())
        .ok_or_else(|| Error::malformed(WHAT, format!("{what} {h:?} is not 32 bytes of hex")))
}

/// Checks one envelope of the bundle (not its shares).
fn check_envelope(
    e: &BundleEnvelope,
    index: usize,
    tender: &TenderId,
    key_hash: &Sm3Digest,
    platform_cert: &Certificate,
    tsa_cert: &Certificate,
) -> Result<Ready> {
    let der = b64(&e.envelope, &format!("envelope #{index}"))?;
    let hash = crate::sm3(&der);
    let name = hex::encode(hash);
    let envelope =
        Envelope::parse(&der).map_err(|err| mismatch(format!("envelope {name} does not parse: {err}")))?;
    if envelope.tender() != tender {
        return Err(mismatch(format!("envelope {name} is for tender {}, not {tender}", envelope.tender())));
    }
    if envelope.committee_key() != key_hash {
        return Err(mismatch(format!("envelope {name} is sealed to another committee key")));
    }
    let cert_der = b64(&e.certificate, &format!("the certificate of envelope {name}"))?;
    let cert = Certificate::from_der(&cert_der)
        .map_err(|err| mismatch(format!("the certificate of envelope {name} does not parse: {err}")))?;
    if cert.subject_info()?.uscc.as_ref() != Some(envelope.bidder()) {
        return Err(mismatch(format!(
            "envelope {name} is by {} but its certificate is another organisation's",
            envelope.bidder()
        )));
    }
    let bidder_key = cert.public_key()?;
    envelope
        .verify_outer(&bidder_key)
        .map_err(|_| mismatch(format!("envelope {name}: the bidder's outer signature does not verify")))?;
    envelope
        .check_key_proof()
        .map_err(|err| mismatch(format!("envelope {name}: the key ciphertext's proof fails: {err}")))?;
    let receipt = Receipt::parse(&b64(&e.receipt, &format!("the receipt of envelope {name}"))?)
        .map_err(|err| mismatch(format!("the receipt of envelope {name} does not parse: {err}")))?;
    receipt
        .verify(platform_cert, tsa_cert, &hash)
        .map_err(|err| mismatch(format!("the receipt of envelope {name} does not verify: {err}")))?;
    let info = receipt.info();
    if &info.tender != tender || &info.bidder != envelope.bidder() {
        return Err(mismatch(format!("the receipt of envelope {name} names another tender or bidder")));
    }
    let stored = OffsetDateTime::parse(&e.received_at, &Rfc3339)
        .map_err(|err| Error::malformed(WHAT, format!("envelope {name}: received_at: {err}")))?;
    let lag = (stored - info.received_at).whole_seconds();
    if !(0..=MAX_RECEIPT_LAG_S).contains(&lag) {
        return Err(mismatch(format!(
            "envelope {name}: the receipt time the ranking uses ({}) is not the signed receipt's ({})",
            e.received_at, info.received_at
        )));
    }
    Ok(Ready { bid: e.bid, hash, envelope, cert_der, bidder_key, received_at: e.received_at.clone() })
}

/// One envelope opened again: the evaluation's view, and officials whose share failed.
struct Reopened {
    quote: OpenedQuote,
    bad: Vec<usize>,
}

fn reopen(
    r: &Ready,
    pks: &PublicKeySet,
    shares: &BTreeMap<usize, HashMap<Sm3Digest, G1Affine>>,
) -> Result<Reopened> {
    let name = hex::encode(r.hash);
    let label = tender_label(r.envelope.tender());
    let prepared = PreparedCiphertext::new(r.envelope.key_ciphertext(), &label)?;
    let need = pks.threshold() + 1;
    let mut good = Vec::with_capacity(shares.len());
    let mut bad = Vec::new();
    for (&official, set) in shares {
        let Some(point) = set.get(&r.hash) else { continue };
        if prepared.share_point_is_valid(&pks.public_key_share(official), point) {
            good.push((official, *point));
        } else {
            bad.push(official);
        }
    }
    if good.len() < need {
        let named: Vec<String> = bad.iter().map(usize::to_string).collect();
        return Err(mismatch(format!(
            "envelope {name}: only {} valid decryption share(s), {need} needed{}",
            good.len(),
            if named.is_empty() {
                String::new()
            } else {
                format!(" (bad: official(s) {})", named.join(", "))
            }
        )));
    }
    good.truncate(need);
    let v = &r.envelope.key_ciphertext_bytes()[U_LEN..U_LEN + KEY_LEN];
    let key = combine_key(&good, v)?;
    let invalid = |reason: String| Reopened {
        quote: OpenedQuote {
            bid: r.bid,
            bidder: r.envelope.bidder().as_str().to_owned(),
            received_at: r.received_at.clone(),
            prices: None,
            reason: Some(reason),
        },
        bad: bad.clone(),
    };
    let opened = match r.envelope.open_with_key_expecting(&key, &r.cert_der) {
        Ok(o) => o,
        Err(Error::DecryptionFailed) => return Ok(invalid(UNDECRYPTABLE.into())),
        Err(e) => return Ok(invalid(format!("malformed bid: {e}"))),
    };
    if let Err(e) = opened.verify_inner(&r.bidder_key) {
        return Ok(invalid(format!("bad inner signature: {e}")));
    }
    let prices = opened.document().items().iter().map(|it| (it.item, it.unit_price.fen())).collect();
    Ok(Reopened {
        quote: OpenedQuote {
            bid: r.bid,
            bidder: r.envelope.bidder().as_str().to_owned(),
            received_at: r.received_at.clone(),
            prices: Some(prices),
            reason: None,
        },
        bad,
    })
}

/// [`reopen`] over every envelope, on every core where threads exist; order kept.
fn reopen_all(
    ready: &[Ready],
    pks: &PublicKeySet,
    shares: &BTreeMap<usize, HashMap<Sm3Digest, G1Affine>>,
) -> Result<Vec<Reopened>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(64);
    if threads <= 1 || ready.len() < 2 {
        return ready.iter().map(|r| reopen(r, pks, shares)).collect();
    }
    let chunk = ready.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = ready
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || part.iter().map(|r| reopen(r, pks, shares)).collect::<Result<Vec<_>>>())
            })
            .collect();
        let mut out = Vec::with_capacity(ready.len());
        for h in handles {
            out.extend(
                h.join().map_err(|_| Error::InvalidParameter("a verification thread panicked".into()))??,
            );
        }
        Ok(out)
    })
}

/// The evaluation rule, exactly as the platform applies it: bids quoting an
/// item the tender lacks are invalid; per item, the valid quotes ranked by
/// price, then stored receipt time (as a time: "…05Z" before "…05.1Z"),
/// then bid id; those over the ceiling rejected. `opened` in bid order.
pub fn evaluate(items: &[TenderItem], opened: &[OpenedQuote]) -> Evaluation {
    let mut invalid_bids = Vec::new();
    let mut valid: Vec<&OpenedQuote> = Vec::new();
    for o in opened {
        match (&o.prices, &o.reason) {
            (Some(prices), None) => {
                let unknown: Vec<u32> = prices
                    .keys()
                    .copied()
                    .filter(|n| !items.iter().any(|it| it.no == i64::from(*n)))
                    .collect();
                if unknown.is_empty() {
                    valid.push(o);
                } else {
                    invalid_bids.push(Rejected {
                        bidder: o.bidder.clone(),
                        price_fen: None,
                        reason: format!("quotes items the tender does not have: {unknown:?}"),
                    });
                }
            }
            (_, reason) => invalid_bids.push(Rejected {
                bidder: o.bidder.clone(),
                price_fen: None,
                reason: reason.clone().unwrap_or_else(|| "no prices".into()),
            }),
        }
    }
    let items = items
        .iter()
        .map(|it| {
            let no = u32::try_from(it.no).unwrap_or(u32::MAX);
            let ceiling = u64::try_from(it.ceiling_fen).unwrap_or(0);
            let mut quotes: Vec<(&OpenedQuote, u64)> =
                valid.iter().filter_map(|o| o.prices.as_ref()?.get(&no).map(|&p| (*o, p))).collect();
            quotes.sort_by(|a, b| {
                a.1.cmp(&b.1)
                    .then_with(|| receipt_order(&a.0.received_at).cmp(&receipt_order(&b.0.received_at)))
                    .then(a.0.bid.cmp(&b.0.bid))
            });
            let (ok, over): (Vec<_>, Vec<_>) = quotes.into_iter().partition(|(_, p)| *p <= ceiling);
            ItemResult {
                no: it.no,
                generic_name: it.generic_name.clone(),
                ceiling_fen: it.ceiling_fen,
                ranking: ok
                    .into_iter()
                    .enumerate()
                    .map(|(i, (o, p))| Ranked {
                        rank: i + 1,
                        bidder: o.bidder.clone(),
                        price_fen: p,
                        received_at: o.received_at.clone(),
                    })
                    .collect(),
                rejected: over
                    .into_iter()
                    .map(|(o, p)| Rejected {
                        bidder: o.bidder.clone(),
                        price_fen: Some(p),
                        reason: format!("over the ceiling of {ceiling} fen"),
                    })
                    .collect(),
            }
        })
        .collect();
    Evaluation { items, invalid_bids, bids: opened.len() }
}

/// A receipt time for ordering: the instant it names (an unparsable one sorts last, by its text).
fn receipt_order(text: &str) -> (i128, &str) {
    let nanos = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_or(i128::MAX, |t| t.unix_timestamp_nanos());
    (nanos, text)
}

/// The first difference between the published evaluation and the recomputed one, named.
pub fn compare(published: &Evaluation, recomputed: &Evaluation) -> Result<()> {
    if published.bids != recomputed.bids {
        return Err(mismatch(format!(
            "published results count {} bids, the manifest's envelopes are {}",
            published.bids, recomputed.bids
        )));
    }
    if published.items.len() != recomputed.items.len() {
        return Err(mismatch(format!(
            "published results list {} items, the tender has {}",
            published.items.len(),
            recomputed.items.len()
        )));
    }
    let quote =
        |r: Option<&Ranked>| r.map_or("nobody".to_owned(), |r| format!("{} ({} fen)", r.bidder, r.price_fen));
    for (p, r) in published.items.iter().zip(&recomputed.items) {
        let no = r.no;
        if p.no != r.no || p.ceiling_fen != r.ceiling_fen {
            return Err(mismatch(format!(
                "item {no}: published as item {} with ceiling {} fen, the tender says ceiling {} fen",
                p.no, p.ceiling_fen, r.ceiling_fen
            )));
        }
        if p.ranking.first() != r.ranking.first() {
            return Err(mismatch(format!(
                "item {no}: published winner {}, recomputed {}",
                quote(p.ranking.first()),
                quote(r.ranking.first())
            )));
        }
        for (k, (a, b)) in p.ranking.iter().zip(&r.ranking).enumerate() {
            if a != b {
                return Err(mismatch(format!(
                    "item {no}: published rank {} is {}, recomputed {}",
                    k + 1,
                    quote(Some(a)),
                    quote(Some(b))
                )));
            }
        }
        if p.ranking.len() != r.ranking.len() {
            return Err(mismatch(format!(
                "item {no}: published {} ranked quote(s), recomputed {}",
                p.ranking.len(),
                r.ranking.len()
            )));
        }
        let over = |v: &[Rejected]| v.iter().map(|x| (x.bidder.clone(), x.price_fen)).collect::<Vec<_>>();
        if over(&p.rejected) != over(&r.rejected) {
            return Err(mismatch(format!(
                "item {no}: published quotes over the ceiling {:?}, recomputed {:?}",
                over(&p.rejected),
                over(&r.rejected)
            )));
        }
    }
    let bidders = |v: &[Rejected]| v.iter().map(|x| x.bidder.clone()).collect::<Vec<_>>();
    if bidders(&published.invalid_bids) != bidders(&recomputed.invalid_bids) {
        return Err(mismatch(format!(
            "published invalid bids of {:?}, recomputed {:?}",
            bidders(&published.invalid_bids),
            bidders(&recomputed.invalid_bids)
        )));
    }
    Ok(())
}

/// Re-checks the published results of `bundle` from its signed parts, under
/// the platform's signing certificate and the TSA's (chain-check both with
/// [`crate::pki`] first). Fails naming the first thing wrong: a signature, an
/// envelope not in the manifest or a leaf without its envelope, a batch or a
/// share (naming the official), or the first difference between the published
/// and the recomputed evaluation.
pub fn verify_results(
    bundle: &ResultsBundle,
    platform_cert: &Certificate,
    tsa_cert: &Certificate,
) -> Result<Report> {
    let tender = TenderId::parse(&bundle.tender)?;
    let announced = check_announcement(&bundle.announcement, &tender, platform_cert, tsa_cert)?;
    let committee = bundle.statement.confirm()?;
    if announced.committee_key != hex::encode(committee.public_key().to_bytes()) {
        return Err(mismatch(
            "the tender announcement names another committee key than the one every official signed for"
                .into(),
        ));
    }
    let key_hash = *committee.hash();
    let roster = bundle.statement.statement()?.ceremony().officials().to_vec();

    // The manifest, and the envelopes exactly its leaves.
    let manifest = Manifest::parse(&b64(&bundle.manifest, "the manifest")?)?;
    let manifest_stamped_at = manifest.verify(platform_cert, tsa_cert)?;
    let info = manifest.info();
    if info.tender != tender || info.committee_key != key_hash {
        return Err(mismatch(format!(
            "the deadline manifest is for tender {} and another committee key",
            info.tender
        )));
    }
    if let Some(deadline) = announced.deadline
        && deadline.unix_timestamp() != info.deadline.unix_timestamp()
    {
        return Err(mismatch(format!(
            "the deadline manifest freezes the envelopes at {}, the announcement's deadline is {deadline}",
            info.deadline
        )));
    }
    let leaves = bundle.leaves.iter().map(|h| digest_hex(h, "leaf")).collect::<Result<Vec<_>>>()?;
    manifest.check_leaves(&leaves)?;
    let in_manifest: HashSet<&Sm3Digest> = leaves.iter().collect();
    let mut ready = Vec::with_capacity(bundle.envelopes.len());
    let mut seen = HashSet::new();
    for (i, e) in bundle.envelopes.iter().enumerate() {
        let hash = crate::sm3(&b64(&e.envelope, &format!("envelope #{i}"))?);
        if !in_manifest.contains(&hash) {
            return Err(mismatch(format!("envelope {} is not in the deadline manifest", hex::encode(hash))));
        }
        if !seen.insert(hash) {
            return Err(mismatch(format!("envelope {} appears twice in the bundle", hex::encode(hash))));
        }
        ready.push(check_envelope(e, i, &tender, &key_hash, platform_cert, tsa_cert)?);
    }
    if let Some(missing) = leaves.iter().find(|l| !seen.contains(*l)) {
        return Err(mismatch(format!(
            "the deadline manifest lists envelope {} but the bundle does not carry it",
            hex::encode(missing)
        )));
    }
    let mut bids = HashSet::new();
    if let Some(r) = ready.iter().find(|r| !bids.insert(r.bid)) {
        return Err(mismatch(format!("bid id {} is given to two envelopes", r.bid)));
    }

    // The share batches, each under its official's roster key.
    let pks = committee.key_set();
    let mut shares: BTreeMap<usize, HashMap<Sm3Digest, G1Affine>> = BTreeMap::new();
    for (i, text) in bundle.batches.iter().enumerate() {
        let batch = ShareBatch::parse(&b64(text, &format!("share batch #{i}"))?)
            .map_err(|e| mismatch(format!("share batch #{i} does not parse: {e}")))?;
        let official = batch.official();
        let key = roster.get(official).ok_or_else(|| {
            mismatch(format!("share batch #{i} names official {official}, not on the roster"))
        })?;
        batch
            .verify(key)
            .map_err(|_| mismatch(format!("official {official}'s share batch signature does not verify")))?;
        if batch.tender() != &tender || batch.committee_key() != &key_hash {
            return Err(mismatch(format!(
                "official {official}'s share batch is for tender {} or another committee key",
                batch.tender()
            )));
        }
        if shares.insert(official, batch.entries().iter().copied().collect()).is_some() {
            return Err(mismatch(format!("official {official} has two share batches in the bundle")));
        }
    }

    // Every envelope opened again.
    let reopened = reopen_all(&ready, pks, &shares)?;
    let mut bad_shares: BTreeMap<usize, Sm3Digest> = BTreeMap::new();
    for (r, o) in ready.iter().zip(&reopened) {
        for official in &o.bad {
            bad_shares.entry(*official).or_insert(r.hash);
        }
    }
    let mut quotes: Vec<OpenedQuote> = reopened.into_iter().map(|o| o.quote).collect();
    quotes.sort_by_key(|q| q.bid);
    let recomputed = evaluate(&announced.items, &quotes);

    // The published document.
    let published = &bundle.results;
    let results_stamped_at = check_attested(
        published.document.as_bytes(),
        Purpose::Results,
        &published.signature,
        &published.timestamp,
        platform_cert,
        tsa_cert,
        "results",
    )?;
    if results_stamped_at < announced.opening_at {
        return Err(mismatch(format!(
            "the results were stamped at {results_stamped_at}, before the opening time {}",
            announced.opening_at
        )));
    }
    let doc: ResultsDocument =
        serde_json::from_str(&published.document).map_err(|e| Error::malformed("results document", e))?;
    if doc.tender != tender.as_str() || doc.version != announced.version {
        return Err(mismatch(format!(
            "the results are for tender {} version {}, the announcement is of {tender} version {}",
            doc.tender, doc.version, announced.version
        )));
    }
    for fault in &doc.officials_with_bad_shares {
        let named = usize::try_from(fault.official).ok();
        if !named.is_some_and(|o| bad_shares.contains_key(&o)) {
            return Err(mismatch(format!(
                "the results name official {} for bad shares, but every share of its batch verifies",
                fault.official
            )));
        }
    }
    compare(&doc.evaluation, &recomputed)?;
    Ok(Report {
        tender: tender.as_str().to_owned(),
        version: doc.version,
        envelopes: ready.len(),
        valid: quotes.iter().filter(|q| q.reason.is_none()).count(),
        contributors: shares.keys().copied().collect::<BTreeSet<_>>().into_iter().collect(),
        bad_shares,
        manifest_stamped_at,
        results_stamped_at,
        winners: recomputed
            .items
            .iter()
            .map(|it| (it.no, it.ranking.first().map(|r| (r.bidder.clone(), r.price_fen))))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    //! A whole tender's bundle built as the platform would, verified; then a
    //! bad share, a swapped envelope and a changed published price, each named.

    use der::asn1::Uint;
    use time::Duration;

    use super::*;
    use crate::committee::statement::{KeyStatement, sign_all};
    use crate::committee::{Ceremony, CeremonyId};
    use crate::envelope::seal::tests::{NOW, Party, USCC_A, USCC_B, fixture, issue};
    use crate::envelope::{BidDocument, BidItem, PriceFen, ReceiptInfo, seal_bid};
    use crate::manifest::ManifestInfo;
    use crate::opening::compute_shares;
    use crate::pki::Profile;
    use crate::tsp::{Imprint, StampOptions, TimeStampAuthority};
    use crate::{PrivateKey, Uscc, oid};

    const TENDER: &str = "T-2026-001";

    struct World {
        platform: Party,
        tsa_cert: Certificate,
        tsa: TimeStampAuthority,
        officials: Vec<PrivateKey>,
        bundle: ResultsBundle,
        envelopes: Vec<Envelope>,
    }

    fn rfc(t: OffsetDateTime) -> String {
        t.format(&Rfc3339).unwrap()
    }

    fn attest(w: &World, purpose: Purpose, doc: &[u8], at: OffsetDateTime) -> (String, String) {
        attest_with(&w.platform, &w.tsa, purpose, doc, at)
    }

    fn attest_with(
        platform: &Party,
        tsa: &TimeStampAuthority,
        purpose: Purpose,
        doc: &[u8],
        at: OffsetDateTime,
    ) -> (String, String) {
        let sig = SignedMessage::new(purpose, doc).sign(&platform.key).unwrap();
        let imprint = Imprint::of(ImprintAlgorithm::Sm3, &sig.to_der());
        let opts = StampOptions { nonce: None, include_cert: false };
        let token = tsa.stamp(&imprint, Uint::new(&[9]).unwrap(), at, &opts).unwrap();
        (Base64::encode_string(&sig.to_der()), Base64::encode_string(&token))
    }

    fn bid(bidder: &str, prices: &[(u32, u64)]) -> BidDocument {
        let items =
            prices.iter().map(|&(item, p)| BidItem { item, unit_price: PriceFen::new(p).unwrap() }).collect();
        BidDocument::new(TenderId::parse(TENDER).unwrap(), Uscc::parse(bidder).unwrap(), NOW, items, vec![])
            .unwrap()
    }

    fn share_batch(
        set: &threshold_crypto::SecretKeySet,
        official: usize,
        key: &PrivateKey,
        envelopes: &[Envelope],
    ) -> String {
        let cts: Vec<(Sm3Digest, &threshold_crypto::Ciphertext)> =
            envelopes.iter().map(|e| (e.hash().unwrap(), e.key_ciphertext())).collect();
        let entries = compute_shares(&set.secret_key_share(official), &cts);
        let tender = TenderId::parse(TENDER).unwrap();
        let batch =
            ShareBatch::create(&tender, &set.public_keys().public_key(), official, entries, key).unwrap();
        Base64::encode_string(&batch.encode().unwrap())
    }

    /// Publishes `evaluation` as the platform does, signed and stamped after the opening.
    fn publish(w: &World, evaluation: &Evaluation, faults: Vec<Fault>) -> SignedResults {
        let doc = ResultsDocument {
            tender: TENDER.into(),
            version: 1,
            evaluated_at: rfc(NOW + Duration::hours(2)),
            evaluation: evaluation.clone(),
            officials_with_bad_shares: faults,
        };
        let document = serde_json::to_string(&doc).unwrap();
        let (signature, timestamp) =
            attest(w, Purpose::Results, document.as_bytes(), NOW + Duration::hours(2));
        SignedResults { document, signature, timestamp, published_at: rfc(NOW + Duration::hours(2)) }
    }

    /// Two bidders, three items; A and B tie on item 3 (A received first);
    /// B's item 6 is over the ceiling. Officials 0, 1 and 2 of 4 contribute (t = 2).
    fn world() -> World {
        let f = fixture();
        let platform = issue(&f.root, "sealbid platform", Profile::SealAuthority, None);
        let tsa_party = issue(&f.root, "sealbid TSA", Profile::TimeStamping, None);
        let tsa_cert = tsa_party.cert.clone();
        let tsa =
            TimeStampAuthority::new(tsa_party.cert.x509().clone(), tsa_party.key, oid::SEALBID_TSA_POLICY)
                .unwrap();
        let officials: Vec<PrivateKey> = (0..4).map(|_| PrivateKey::generate().unwrap()).collect();
        let id = CeremonyId { committee: "C1".into(), attempt: 1 };
        let ceremony = Ceremony::new(id, officials.iter().map(PrivateKey::public_key).collect(), 2).unwrap();
        let statement = KeyStatement::new(&ceremony, &f.committee.public_keys()).unwrap();
        let sigs = sign_all(&statement, &officials).unwrap();
        let statement = StatementFile::new(&statement, &sigs).unwrap();
        let confirmed = statement.confirm().unwrap();
        let tender = TenderId::parse(TENDER).unwrap();
        let items = serde_json::json!([
            { "no": 3, "generic_name": "阿莫西林", "dosage_form": "胶囊", "ceiling_fen": 1000 },
            { "no": 6, "generic_name": "布洛芬", "dosage_form": "片剂", "ceiling_fen": 500 },
            { "no": 9, "generic_name": "二甲双胍", "dosage_form": "片剂", "ceiling_fen": 800 },
        ]);
        let doc = serde_json::json!({
            "id": TENDER, "version": 1, "title": "t", "items": items, "deadline": rfc(NOW),
            "opening_at": rfc(NOW + Duration::hours(1)), "committee": 1,
            "committee_public_key": hex::encode(confirmed.public_key().to_bytes()),
        })
        .to_string();
        let (signature, timestamp) =
            attest_with(&platform, &tsa, Purpose::Tender, doc.as_bytes(), NOW - Duration::days(1));
        let announcement = Announcement { document: doc, signature, timestamp };
        let bids = [
            (&f.a, bid(USCC_A, &[(3, 900), (6, 450)])),
            (&f.b, bid(USCC_B, &[(3, 900), (6, 600), (9, 700)])),
        ];
        let mut envelopes = Vec::new();
        let mut served = Vec::new();
        for (k, (party, doc)) in bids.iter().enumerate() {
            let env = seal_bid(doc, &party.key, &party.cert, &confirmed).unwrap();
            let at = NOW - Duration::minutes(10) + Duration::seconds(k as i64);
            let info = ReceiptInfo {
                tender: tender.clone(),
                bidder: doc.bidder().clone(),
                envelope_hash: env.hash().unwrap(),
                received_at: at,
                sequence: k as u64 + 1,
            };
            let receipt =
                Receipt::create(info, &platform.key, &tsa, Uint::new(&[k as u8 + 1]).unwrap()).unwrap();
            served.push(BundleEnvelope {
                bid: k as i64 + 1,
                envelope: Base64::encode_string(&env.encode().unwrap()),
                certificate: Base64::encode_string(party.cert.to_der()),
                receipt: Base64::encode_string(&receipt.encode().unwrap()),
                received_at: rfc(at + Duration::milliseconds(250)),
            });
            envelopes.push(env);
        }
        let leaves: Vec<Sm3Digest> = envelopes.iter().map(|e| e.hash().unwrap()).collect();
        let info = ManifestInfo::of(&tender, NOW, confirmed.hash(), &leaves).unwrap();
        let body = info.body_der().unwrap();
        let msig = SignedMessage::new(Purpose::DeadlineManifest, &body).sign(&platform.key).unwrap();
        let imprint = Imprint::of(ImprintAlgorithm::Sm3, &msig.to_der());
        let opts = StampOptions { nonce: None, include_cert: false };
        let token = tsa.stamp(&imprint, Uint::new(&[8]).unwrap(), NOW + Duration::seconds(1), &opts).unwrap();
        let manifest = Manifest::from_parts(info, &msig.to_der(), token).unwrap();
        let batches = (0..3).map(|i| share_batch(&f.committee, i, &officials[i], &envelopes)).collect();
        let placeholder = SignedResults {
            document: String::new(),
            signature: String::new(),
            timestamp: String::new(),
            published_at: String::new(),
        };
        let bundle = ResultsBundle {
            tender: TENDER.into(),
            announcement,
            statement,
            manifest: Base64::encode_string(&manifest.encode().unwrap()),
            leaves: leaves.iter().map(hex::encode).collect(),
            envelopes: served,
            batches,
            results: placeholder,
        };
        let mut w = World { platform, tsa_cert, tsa, officials, bundle, envelopes };
        let honest = honest_evaluation(&w);
        w.bundle.results = publish(&w, &honest, vec![]);
        w
    }

    fn honest_evaluation(w: &World) -> Evaluation {
        let quote = |i: usize, prices: &[(u32, u64)]| OpenedQuote {
            bid: w.bundle.envelopes[i].bid,
            bidder: [USCC_A, USCC_B][i].into(),
            received_at: w.bundle.envelopes[i].received_at.clone(),
            prices: Some(prices.iter().copied().collect()),
            reason: None,
        };
        let items: Vec<TenderItem> = [(3, 1000), (6, 500), (9, 800)]
            .iter()
            .map(|&(no, ceiling_fen)| TenderItem { no, generic_name: String::new(), ceiling_fen })
            .collect();
        let mut e =
            evaluate(&items, &[quote(0, &[(3, 900), (6, 450)]), quote(1, &[(3, 900), (6, 600), (9, 700)])]);
        for (it, name) in e.items.iter_mut().zip(["阿莫西林", "布洛芬", "二甲双胍"]) {
            it.generic_name = name.into();
        }
        e
    }

    fn verify(w: &World) -> Result<Report> {
        verify_results(&w.bundle, &w.platform.cert, &w.tsa_cert)
    }

    fn err_of(w: &World) -> String {
        verify(w).expect_err("a tampered bundle verified").to_string()
    }

    #[test]
    fn an_honest_bundle_verifies_and_ranks_ties_by_receipt_time() {
        let w = world();
        let report = verify(&w).unwrap();
        assert_eq!(report.envelopes, 2);
        assert_eq!(report.valid, 2);
        assert_eq!(report.contributors, [0, 1, 2]);
        assert!(report.bad_shares.is_empty());
        assert_eq!(
            report.winners,
            [
                (3, Some((USCC_A.to_owned(), 900))),
                (6, Some((USCC_A.to_owned(), 450))),
                (9, Some((USCC_B.to_owned(), 700)))
            ]
        );
        let json = serde_json::to_string(&w.bundle).unwrap();
        let back: ResultsBundle = serde_json::from_str(&json).unwrap();
        assert_eq!(back, w.bundle);
        assert!(report.to_string().contains("item 3: winner"));
    }

    #[test]
    fn a_bad_share_is_named_and_others_used_or_the_opening_refused() {
        let mut w = world();
        let f = fixture();
        // Official 1 signs official 3's shares as its own: a bad share for every envelope.
        let wrong = {
            let cts: Vec<(Sm3Digest, &threshold_crypto::Ciphertext)> =
                w.envelopes.iter().map(|e| (e.hash().unwrap(), e.key_ciphertext())).collect();
            let entries = compute_shares(&f.committee.secret_key_share(3), &cts);
            let tender = TenderId::parse(TENDER).unwrap();
            let pk = f.committee.public_keys().public_key();
            Base64::encode_string(
                &ShareBatch::create(&tender, &pk, 1, entries, &w.officials[1]).unwrap().encode().unwrap(),
            )
        };
        w.bundle.batches[1] = wrong;
        let err = err_of(&w);
        assert!(
            err.contains("only 2 valid decryption share(s), 3 needed") && err.contains("official(s) 1"),
            "{err}"
        );
        // With official 3's own batch too, the opening goes on and names official 1.
        w.bundle.batches.push(share_batch(&f.committee, 3, &w.officials[3], &w.envelopes));
        let report = verify(&w).unwrap();
        assert_eq!(report.bad_shares.keys().copied().collect::<Vec<_>>(), [1]);
        assert!(report.to_string().contains("bad shares:        official 1"));
        // A share altered after signing breaks the official's signature, named.
        let mut der = Base64::decode_vec(&w.bundle.batches[0]).unwrap();
        let n = der.len();
        der[n - 1] ^= 1; // the last byte of the signature's s
        w.bundle.batches[0] = Base64::encode_string(&der);
        let err = err_of(&w);
        assert!(err.contains("official 0"), "{err}");
    }

    #[test]
    fn results_naming_an_honest_official_are_refused() {
        let mut w = world();
        let honest = honest_evaluation(&w);
        w.bundle.results = publish(&w, &honest, vec![Fault { official: 2, detail: "bad".into() }]);
        let err = err_of(&w);
        assert!(err.contains("name official 2 for bad shares"), "{err}");
    }

    #[test]
    fn a_swapped_or_dropped_envelope_is_named() {
        let mut w = world();
        let f = fixture();
        let confirmed = w.bundle.statement.confirm().unwrap();
        let other = seal_bid(&bid(USCC_A, &[(3, 1)]), &f.a.key, &f.a.cert, &confirmed).unwrap();
        let other_hash = hex::encode(other.hash().unwrap());
        let honest = w.bundle.envelopes[0].clone();
        w.bundle.envelopes[0].envelope = Base64::encode_string(&other.encode().unwrap());
        let err = err_of(&w);
        assert!(err.contains(&format!("envelope {other_hash} is not in the deadline manifest")), "{err}");
        w.bundle.envelopes[0] = honest;
        let dropped = w.bundle.envelopes.remove(1);
        let err = err_of(&w);
        assert!(err.contains("the bundle does not carry it") && err.contains(&w.bundle.leaves[1]), "{err}");
        // Ties re-ordered through the stored receipt time are caught by the signed receipt.
        w.bundle.envelopes.push(dropped);
        w.bundle.envelopes[1].received_at = rfc(NOW - Duration::minutes(20));
        let err = err_of(&w);
        assert!(err.contains("is not the signed receipt's"), "{err}");
    }

    #[test]
    fn a_changed_published_price_or_winner_is_named() {
        let mut w = world();
        let mut changed = honest_evaluation(&w);
        changed.items[2].ranking[0].price_fen = 650;
        w.bundle.results = publish(&w, &changed, vec![]);
        let err = err_of(&w);
        let want = format!("item 9: published winner {USCC_B} (650 fen), recomputed {USCC_B} (700 fen)");
        assert!(err.contains(&want), "{err}");
        // The tie on item 3 published the other way round.
        let mut swapped = honest_evaluation(&w);
        swapped.items[0].ranking.swap(0, 1);
        w.bundle.results = publish(&w, &swapped, vec![]);
        let err = err_of(&w);
        assert!(
            err.contains(&format!(
                "item 3: published winner {USCC_B} (900 fen), recomputed {USCC_A} (900 fen)"
            )),
            "{err}"
        );
        // A document the platform did not sign.
        let mut honest = publish(&w, &honest_evaluation(&w), vec![]);
        honest.document.push(' ');
        w.bundle.results = honest;
        assert!(err_of(&w).contains("the results's platform signature does not verify"));
    }
}

#[cfg(test)]
mod receipt_order_tests {
    use super::*;

    /// Ties are broken by the receipt instant, not its text: "…05Z" is before "…05.1Z".
    #[test]
    fn ties_rank_by_the_instant_not_the_text() {
        let items = [TenderItem { no: 1, generic_name: "药".into(), ceiling_fen: 1000 }];
        let quote = |bid, bidder: &str, at: &str| OpenedQuote {
            bid,
            bidder: bidder.into(),
            received_at: at.into(),
            prices: Some([(1u32, 900u64)].into_iter().collect()),
            reason: None,
        };
        let opened = [quote(1, "B", "2026-12-02T10:00:05.100Z"), quote(2, "A", "2026-12-02T10:00:05Z")];
        let e = evaluate(&items, &opened);
        let order: Vec<&str> = e.items[0].ranking.iter().map(|r| r.bidder.as_str()).collect();
        assert_eq!(order, ["A", "B"]);
    }
}
