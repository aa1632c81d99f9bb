//! `sealbid bid …`: seal a bid off-line from a tender file and a price list, and submit it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64ct::{Base64, Encoding};
use clap::Subcommand;
use sealbid_crypto::committee::{ConfirmedKey, StatementFile};
use sealbid_crypto::envelope::{BidDocument, BidItem, Envelope, PriceFen, Receipt, TenderId, seal_bid};
use sealbid_crypto::pki::Certificate;
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::key::load_user_key;
use crate::datadir::{read_file, read_text, write_atomic};

/// Bid subcommands.
#[derive(Debug, Subcommand)]
pub enum BidCommand {
    /// Seal a bid: prices from a CSV file, sealed for the tender's committee key,
    /// signed with your key; prints the envelope hash.
    ///
    /// QUOTE.csv has the header `item,price_fen` (whole fen) or `item,price_yuan`
    /// (yuan with up to 2 decimals) and one line per tender item.
    Seal {
        /// The tender file from GET /api/v1/tenders/{id}.
        #[arg(long, value_name = "TENDER.json")]
        tender: PathBuf,
        /// The committee key statement from GET /api/v1/committees/{committee}/statement:
        /// the bid is sealed only if every official on the roster signed the tender's key.
        #[arg(long, value_name = "STATEMENT.json")]
        statement: PathBuf,
        /// The prices.
        #[arg(long, value_name = "QUOTE.csv")]
        quote: PathBuf,
        /// Your key file (password from SEALBID_KEY_PASSWORD or a prompt).
        #[arg(long, value_name = "KEY.p8")]
        key: PathBuf,
        /// Your certificate (PEM; the bidder's code is taken from it).
        #[arg(long, value_name = "CERT.pem")]
        cert: PathBuf,
        /// Where to write the envelope (DER).
        #[arg(long, value_name = "BID.env")]
        out: PathBuf,
    },
    /// Log in with your certificate and submit a sealed envelope; writes the receipt.
    Submit {
        /// The server's base URL (the origin signed into the login).
        #[arg(long, value_name = "URL")]
        server: String,
        /// The tender id.
        #[arg(long, value_name = "ID")]
        tender: String,
        /// The envelope from `bid seal`.
        #[arg(long, value_name = "BID.env")]
        envelope: PathBuf,
        /// Your key file.
        #[arg(long, value_name = "KEY.p8")]
        key: PathBuf,
        /// Your certificate chain (PEM, leaf first).
        #[arg(long, value_name = "CERT.pem")]
        cert: PathBuf,
        /// Where to write the receipt (DER).
        #[arg(long, value_name = "R.der")]
        receipt_out: Option<PathBuf>,
        /// Where to write the bid's transparency-log bundle (entry, checkpoint,
        /// inclusion proof), checked under the log key before it is written.
        #[arg(long, value_name = "LOG.json")]
        log_out: Option<PathBuf>,
        /// The log's verifier key (text or a file); default: the one the server publishes at /pki/log.
        #[arg(long, value_name = "VKEY")]
        log_key: Option<String>,
    },
}

/// The fields of a tender file this command uses (others are ignored).
#[derive(Debug, Deserialize)]
pub struct TenderFile {
    /// Tender id.
    pub id: String,
    /// The items.
    pub items: Vec<TenderItem>,
    /// Hex of the committee's threshold public key (48 bytes).
    pub committee_public_key: String,
}

/// One tender item (fields this command uses).
#[derive(Debug, Deserialize)]
pub struct TenderItem {
    /// Item number.
    pub no: u32,
    /// Ceiling price in fen, if the tender sets one.
    #[serde(default)]
    pub ceiling_fen: Option<u64>,
}

/// Runs a bid subcommand.
pub fn run(cmd: BidCommand) -> Result<()> {
    match cmd {
        BidCommand::Seal { tender, statement, quote, key, cert, out } => {
            seal(&tender, &statement, &quote, &key, &cert, &out)
        }
        BidCommand::Submit { server, tender, envelope, key, cert, receipt_out, log_out, log_key } => {
            let log = log_out.as_deref().map(|out| (out, log_key.as_deref()));
            submit(server.trim_end_matches('/'), &tender, &envelope, &key, &cert, receipt_out.as_deref(), log)
        }
    }
}

/// The statement's key, if every official signed it and it is the key the tender names.
pub fn confirmed_key(statement: &StatementFile, tender_key_hex: &str) -> Result<ConfirmedKey> {
    statement.confirm_for_tender(tender_key_hex).context("refusing to seal")
}

fn seal(
    tender_path: &Path,
    statement_path: &Path,
    quote: &Path,
    key_path: &Path,
    cert_path: &Path,
    out: &Path,
) -> Result<()> {
    let tender: TenderFile = serde_json::from_str(&read_text(tender_path)?)
        .with_context(|| format!("{} is not a tender file", tender_path.display()))?;
    let tender_id = TenderId::parse(&tender.id)?;
    let statement: StatementFile = serde_json::from_str(&read_text(statement_path)?)
        .with_context(|| format!("{} is not a committee key statement", statement_path.display()))?;
    let committee = confirmed_key(&statement, &tender.committee_public_key)?;
    let ceilings: BTreeMap<u32, Option<u64>> = tender.items.iter().map(|i| (i.no, i.ceiling_fen)).collect();
    let items =
        parse_quote(&read_text(quote)?, &ceilings).with_context(|| format!("in {}", quote.display()))?;
    for item in &items {
        if let Some(Some(ceiling)) = ceilings.get(&item.item)
            && item.unit_price.fen() > *ceiling
        {
            eprintln!(
                "warning: item {} is quoted at {} fen, above the ceiling of {ceiling} fen; it will not be ranked",
                item.item,
                item.unit_price.fen()
            );
        }
    }
    let cert = first_certificate(cert_path)?;
    let uscc = cert.subject_info()?.uscc.with_context(|| {
        format!("the certificate {} names no organisation code (USCC)", cert_path.display())
    })?;
    let key = load_user_key(key_path)?;
    let doc = BidDocument::new(tender_id, uscc, OffsetDateTime::now_utc(), items, Vec::new())?;
    let envelope = seal_bid(&doc, &key, &cert, &committee)?;
    let der = envelope.encode()?;
    write_atomic(out, &der)?;
    println!("sealed {} item(s) for tender {} into {}", doc.items().len(), doc.tender(), out.display());
    println!("envelope hash: {}", hex::encode(envelope.hash()?));
    Ok(())
}

/// Parses the quote CSV against the tender's items: every item exactly once.
fn parse_quote(text: &str, items: &BTreeMap<u32, Option<u64>>) -> Result<Vec<BidItem>> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty());
    let (_, header) = lines.next().context("the quote file is empty")?;
    let yuan = match header.split(',').map(str::trim).collect::<Vec<_>>().as_slice() {
        ["item", "price_fen"] => false,
        ["item", "price_yuan"] => true,
        _ => bail!("line 1: the header must be `item,price_fen` or `item,price_yuan`, got `{header}`"),
    };
    let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (no, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [item, price] = fields.as_slice() else {
            bail!("line {no}: expected 2 fields `item,price`, got {}", fields.len());
        };
        let item: u32 = item.parse().with_context(|| format!("line {no}: item {item:?} is not a number"))?;
        if !items.contains_key(&item) {
            bail!("line {no}: item {item} is not an item of this tender");
        }
        if let Some(first) = seen.insert(item, no) {
            bail!("line {no}: item {item} is quoted twice (also on line {first})");
        }
        let fen = (if yuan { yuan_to_fen(price) } else { price.parse::<u64>().ok() })
            .with_context(|| format!("line {no}: price {price:?} is not a valid amount"))?;
        let unit_price = PriceFen::new(fen).with_context(|| format!("line {no}: price {price:?}"))?;
        out.push(BidItem { item, unit_price });
    }
    let missing: BTreeSet<u32> = items.keys().filter(|i| !seen.contains_key(i)).copied().collect();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(u32::to_string).collect();
        bail!("no price for tender item(s) {}", list.join(", "));
    }
    Ok(out)
}

/// `12`, `12.3` or `12.34` yuan in fen.
fn yuan_to_fen(s: &str) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    let frac_fen: u64 = format!("{frac:0<2}").parse().ok()?;
    whole.parse::<u64>().ok()?.checked_mul(100)?.checked_add(frac_fen)
}

/// The first certificate of a PEM file.
pub fn first_certificate(path: &Path) -> Result<Certificate> {
    certificates(path)?.into_iter().next().with_context(|| format!("{} holds no certificate", path.display()))
}

pub fn certificates(path: &Path) -> Result<Vec<Certificate>> {
    Certificate::from_pem_bundle(&read_text(path)?)
        .with_context(|| format!("{} is not a PEM certificate file", path.display()))
}

fn submit(
    url: &str,
    tender: &str,
    envelope_path: &Path,
    key_path: &Path,
    cert_path: &Path,
    receipt_out: Option<&Path>,
    log_out: Option<(&Path, Option<&str>)>,
) -> Result<()> {
    let tender = TenderId::parse(tender)?;
    let der = read_file(envelope_path)?;
    let envelope =
        Envelope::parse(&der).with_context(|| format!("{} is not an envelope", envelope_path.display()))?;
    if envelope.tender() != &tender {
        bail!("the envelope is for tender {}, not {tender}", envelope.tender());
    }
    let hash = envelope.hash()?;
    let chain = certificates(cert_path)?.iter().map(Certificate::to_pem).collect::<Result<Vec<_>, _>>()?;
    let key = load_user_key(key_path)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let answer = runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build()?;
        let cookie = super::client::login(&client, url, &key, &chain).await.context("login failed")?;
        let resp = client
            .post(format!("{url}/api/v1/tenders/{tender}/bids"))
            .header(reqwest::header::COOKIE, &cookie)
            .header(reqwest::header::ORIGIN, url)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(der)
            .send()
            .await?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status != reqwest::StatusCode::CREATED {
            bail!(
                "the server refused the bid (HTTP {status}): {}: {}",
                body["error"].as_str().unwrap_or("error"),
                body["message"].as_str().unwrap_or("no message")
            );
        }
        if let Some((out, vkey)) = log_out {
            let bid = body["bid"].as_i64().context("the answer names no bid")?;
            let bundle = super::log::fetch_bundle(&client, url, &cookie, bid, vkey).await?;
            write_atomic(out, serde_json::to_string_pretty(&bundle)?.as_bytes())?;
            println!("log entry {} written to {}", bundle.entry.index, out.display());
        }
        anyhow::Ok(body)
    })?;
    let receipt_der = Base64::decode_vec(answer["receipt"].as_str().context("the answer has no receipt")?)
        .map_err(|e| anyhow::anyhow!("the receipt is not base64: {e}"))?;
    let receipt = Receipt::parse(&receipt_der).context("the server's receipt does not parse")?;
    if receipt.info().envelope_hash != hash || answer["envelope_hash"].as_str() != Some(&hex::encode(hash)) {
        bail!("the server's receipt is for another envelope than {}", hex::encode(hash));
    }
    if let Some(path) = receipt_out {
        write_atomic(path, &receipt_der)?;
        println!("receipt written to {}", path.display());
    }
    println!("bid {} accepted for tender {tender}", answer["bid"]);
    println!("envelope hash: {}", hex::encode(hash));
    println!("received at:   {}", receipt.info().received_at);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_amounts() {
        assert_eq!(yuan_to_fen("12.34"), Some(1234));
        assert_eq!(yuan_to_fen("12.3"), Some(1230));
        assert_eq!(yuan_to_fen("12"), Some(1200));
        for bad in ["", ".5", "12.", "12.345", "-1", "1e3", "12.3x"] {
            assert_eq!(yuan_to_fen(bad), None, "{bad}");
        }
    }
}
