//! `sealbid pdf …`: contracts rendered as PDFs, signed with a GB/T 38540 seal
//! off-line (time stamp from the data directory's TSA) and verified against
//! the data directory's root, issuing CA, CRL, seal authority and TSA.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use sealbid_crypto::der::asn1::Uint;
use sealbid_crypto::oid;
use sealbid_crypto::pki::{Certificate, Usage, verify_chain};
use sealbid_crypto::tsp::{
    Stamped, TimeStampAuthority, TimeStampReq, random_nonce, token_from_response, verify_token,
};
use sealbid_sealing::pdf::render::Contract;
use sealbid_sealing::pdf::sign::Placement;
use sealbid_sealing::pdf::verify::signatures;
use sealbid_sealing::ses::{Expected, SeSeal, Trust, check_signing_request};
use sealbid_sealing::signing::{PdfReport, Revocation, finish, prepare_signature, verify_pdf};

use super::key::load_user_key;
use crate::audit::{self, NewEvent};
use crate::auth::certs::revoked_now;
use crate::authority::{load_cert, load_key, now, rfc3339, sealing_trust};
use crate::datadir::{Authority, DataDir, read_file, read_text, write_atomic};
use crate::db::Db;
use crate::db::counters::{self, TSA_SERIAL};
use crate::secrets::{CA_PASSWORD_ENV, password};
use crate::server::Config;

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// PDF subcommands.
#[derive(Debug, Subcommand)]
pub enum PdfCommand {
    /// Render a purchase contract from its JSON model (number, tender_reference,
    /// buyer, seller, items, delivery_terms, payment_terms) and print where the
    /// seller's, buyer's and regulator's seals go.
    Contract {
        /// The contract model.
        #[arg(long, value_name = "CONTRACT.json")]
        json: PathBuf,
        /// Where to write the PDF.
        #[arg(long, value_name = "OUT.pdf")]
        out: PathBuf,
    },
    /// Sign a PDF with a seal, off-line: an incremental update whose /Contents
    /// is a GB/T 38540 SES_Signature time-stamped by the data directory's TSA
    /// (key password from SEALBID_KEY_PASSWORD, CA password from SEALBID_CA_PASSWORD).
    Sign {
        /// The PDF to sign.
        #[arg(long = "in", value_name = "IN.pdf")]
        input: PathBuf,
        /// Your key file.
        #[arg(long, value_name = "KEY.p8")]
        key: PathBuf,
        /// Your signing certificate (PEM), listed in the seal.
        #[arg(long, value_name = "CERT.pem")]
        cert: PathBuf,
        /// The seal (DER), as `sealbid seal make` wrote it.
        #[arg(long, value_name = "SEAL.der")]
        seal: PathBuf,
        /// The page, counted from 1.
        #[arg(long, value_name = "N")]
        page: usize,
        /// The seal's centre in millimetres from the page's lower-left corner.
        #[arg(long, value_name = "X,Y")]
        at: String,
        /// The seal's width in millimetres (default: the seal picture's).
        #[arg(long, value_name = "MM")]
        size: Option<f32>,
        /// The signature field's name (default: signatureN).
        #[arg(long)]
        field: Option<String>,
        /// Where to write the signed PDF.
        #[arg(long, value_name = "OUT.pdf")]
        out: PathBuf,
    },
    /// Verify every signature of a PDF; exits 0 only if every signature is
    /// intact and valid and nothing but later signatures changed the document after it.
    Verify {
        /// The PDF.
        #[arg(value_name = "FILE.pdf")]
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a PDF subcommand.
pub fn run(dir: &DataDir, cmd: PdfCommand) -> Result<()> {
    match cmd {
        PdfCommand::Contract { json, out } => contract(&json, &out),
        PdfCommand::Sign { input, key, cert, seal, page, at, size, field, out } => {
            dir.require_initialised()?;
            let request = SignRequest { input, key, cert, seal, page, at, size, field };
            sign(dir, &request, &out)
        }
        PdfCommand::Verify { file, json } => {
            dir.require_initialised()?;
            verify(dir, &file, json)
        }
    }
}

fn contract(json: &Path, out: &Path) -> Result<()> {
    let model: Contract = serde_json::from_slice(&read_file(json)?)
        .with_context(|| format!("{} is not a contract model", json.display()))?;
    let rendered = model.render().context("cannot render the contract")?;
    write_atomic(out, &rendered.pdf)?;
    println!("wrote {} ({} pages)", out.display(), rendered.pages);
    for place in &rendered.signature_places {
        let [x1, y1, x2, y2] = place.rect;
        let (cx, cy) = ((x1 + x2) / 2.0 / PT_PER_MM, (y1 + y2) / 2.0 / PT_PER_MM);
        println!("{:?}: --page {} --at {cx:.1},{cy:.1}", place.role, place.page + 1);
    }
    Ok(())
}

struct SignRequest {
    input: PathBuf,
    key: PathBuf,
    cert: PathBuf,
    seal: PathBuf,
    page: usize,
    at: String,
    size: Option<f32>,
    field: Option<String>,
}

fn sign(dir: &DataDir, req: &SignRequest, out: &Path) -> Result<()> {
    let pdf = read_file(&req.input)?;
    let cert = Certificate::from_pem(&read_text(&req.cert)?)
        .with_context(|| format!("{} is not a certificate", req.cert.display()))?;
    let seal = SeSeal::from_der(&read_file(&req.seal)?)
        .with_context(|| format!("{} is not a GB/T 38540 seal", req.seal.display()))?;
    let trust = sealing_trust(dir)?;
    let at = now();
    check_signer(dir, &trust, &cert, &seal, at)?;
    let placement = placement(req, &pdf, &seal)?;
    let key = load_user_key(&req.key)?;
    if cert.public_key()? != key.public_key() {
        bail!("{} does not belong to the certificate {}", req.key.display(), req.cert.display());
    }

    let pending = prepare_signature(&pdf, &seal, &placement, at, None)?;
    // The same check as every client that signs a prepared request.
    let expected = Expected {
        seal_der: Some(seal.to_der()),
        base_pdf: Some(&pdf),
        trust: Some(&trust),
        clock: Some((now(), time::Duration::minutes(5))),
        ..Expected::default()
    };
    let range = pending.prepared.byte_range.map(|x| x as u64);
    let checked =
        check_signing_request(&pending.tbs_der, &pending.prepared.bytes, Some(range), &cert, &expected)
            .context("refusing to sign the prepared signature")?;
    let signature = checked.sign(&key)?;
    let token = timestamp(dir, &signature.to_der(), &req.input)?;
    let signed = finish(&pending, cert.to_der(), &signature, Some(token))?;

    // Check our own product before handing it out.
    let report = verify_pdf(&signed, &trust, now())?;
    let mine = report.signatures.iter().find(|s| s.field == placement.field_name);
    match mine {
        Some(s) if s.valid => {}
        Some(s) => bail!("the new signature does not verify: {}", s.problems.join("; ")),
        None => bail!("the new signature is missing from the signed PDF"),
    }
    write_atomic(out, &signed)?;
    println!("wrote {}", out.display());
    println!("field:   {}", placement.field_name);
    println!("seal:    {} ({})", seal.name(), seal.es_id());
    println!("signer:  {}", cert.subject());
    println!("time:    {}", mine.and_then(|s| s.timestamp_time).map_or_else(String::new, rfc3339));
    Ok(())
}

/// A revoked or expired certificate, or a seal that is not valid now or does
/// not list the certificate, cannot sign.
fn check_signer(
    dir: &DataDir,
    trust: &Trust,
    cert: &Certificate,
    seal: &SeSeal,
    at: time::OffsetDateTime,
) -> Result<()> {
    if revoked_now(dir, &cert.serial()?)? {
        bail!("the certificate {} (serial {}) is revoked", cert.subject(), cert.serial()?);
    }
    verify_chain(cert, &trust.intermediates, &trust.anchors, at, &trust.crls, Usage::Signing)
        .context("the certificate is not a valid signing certificate of this CA now")?;
    seal.verify(trust, at).context("the seal is not valid now")?;
    if !seal.binds(cert.to_der()) {
        bail!("the seal {} does not list the certificate {}", seal.name(), cert.subject());
    }
    Ok(())
}

fn placement(req: &SignRequest, pdf: &[u8], seal: &SeSeal) -> Result<Placement> {
    let (x, y) = req
        .at
        .split_once(',')
        .and_then(|(x, y)| Some((x.trim().parse::<f32>().ok()?, y.trim().parse::<f32>().ok()?)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .with_context(|| format!("--at {:?} is not X,Y in millimetres", req.at))?;
    let picture = seal.picture();
    let width_mm = req.size.unwrap_or(f32::from(u16::try_from(picture.width_mm).unwrap_or(42)));
    if !(5.0..=100.0).contains(&width_mm) {
        bail!("--size must be between 5 and 100 mm, got {width_mm}");
    }
    let ratio = if picture.width_mm > 0 { picture.height_mm as f32 / picture.width_mm as f32 } else { 1.0 };
    let (w, h) = (width_mm * PT_PER_MM, width_mm * ratio * PT_PER_MM);
    let (cx, cy) = (x * PT_PER_MM, y * PT_PER_MM);
    let page = req.page.checked_sub(1).context("--page counts from 1")?;
    let field_name = match &req.field {
        Some(name) => name.clone(),
        None => format!("signature{}", signatures(pdf).map(|s| s.len()).unwrap_or(0) + 1),
    };
    Ok(Placement {
        page,
        rect: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
        picture_png: None,
        field_name,
        reserve: 16_384,
    })
}

/// An RFC 3161 token from the data directory's TSA over `signature_value`,
/// with a serial from the servers' counter, logged in the audit trail.
fn timestamp(dir: &DataDir, signature_value: &[u8], file: &Path) -> Result<Vec<u8>> {
    let nonce = random_nonce()?;
    let request = TimeStampReq::for_data(signature_value, Some(nonce.clone()), true)?.encode()?;
    let pw = password(CA_PASSWORD_ENV, "CA keys", false)?;
    let cert = load_cert(dir, Authority::Tsa)?;
    let key = load_key(dir, Authority::Tsa, &cert, pw.as_bytes())?;
    let tsa = TimeStampAuthority::new(cert.x509().clone(), key, oid::SEALBID_TSA_POLICY)?;

    let config = Config::load(dir.path(), None)?;
    let url = config.database_url.as_ref().map(|s| s.expose().to_string());
    let index = dir.read_index()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let db = Db::connect(dir.path(), url.as_deref()).await?;
        db.migrate().await?;
        counters::raise_to(&db, TSA_SERIAL, index.tsa_serial).await?;
        let serial = counters::next(&db, TSA_SERIAL).await?;
        let response = tsa.respond(&request, Uint::new(&serial.to_be_bytes())?, now())?;
        let token = token_from_response(&response)?;
        verify_token(&token, Stamped::Data(signature_value), cert.x509(), Some(&nonce))?;
        let event = NewEvent {
            actor: "cli".into(),
            action: "tsa.stamp".into(),
            subject: serial.to_string(),
            details: serde_json::json!({ "granted": true, "pdf_signature": file.display().to_string() }),
        };
        audit::append(&db, event).await?;
        db.close().await;
        anyhow::Ok(token)
    })
}

fn verify(dir: &DataDir, file: &Path, json: bool) -> Result<()> {
    let pdf = read_file(file)?;
    let report = verify_pdf(&pdf, &sealing_trust(dir)?, now())
        .with_context(|| format!("{} cannot be read as a PDF", file.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if report.all_valid() {
        return Ok(());
    }
    let bad: Vec<&str> = report.signatures.iter().filter(|s| !s.valid).map(|s| s.field.as_str()).collect();
    if report.signatures.is_empty() {
        bail!("{} has no signatures", file.display());
    } else if bad.is_empty() {
        bail!("{} was changed after its last signature", file.display());
    }
    bail!("{} does not verify: invalid signature(s) {}", file.display(), bad.join(", "))
}

fn print_report(report: &PdfReport) {
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    for (i, s) in report.signatures.iter().enumerate() {
        println!("signature {} ({}): {}", i + 1, s.field, if s.valid { "VALID" } else { "INVALID" });
        println!("  signer:        {} ({})", opt(&s.signer), opt(&s.signer_subject));
        println!("  organisation:  {} (USCC {})", opt(&s.organisation), opt(&s.uscc));
        println!("  seal:          {} [{}] id {}", opt(&s.seal_name), opt(&s.seal_type), opt(&s.seal_id));
        println!("  signing time:  {}", s.signing_time.map_or_else(|| "-".into(), rfc3339));
        println!("  time stamp:    {}", s.timestamp_time.map_or_else(|| "none".into(), rfc3339));
        println!("  certificate:   {}", s.chain);
        let revocation = match &s.revocation {
            Revocation::Unchecked => "not checked (no CRL of its issuer)".to_string(),
            Revocation::NotRevoked => "not revoked".to_string(),
            Revocation::RevokedLater { revoked_at, reason } => {
                format!("revoked {} ({reason}), after signing: the signature stands", rfc3339(*revoked_at))
            }
            Revocation::Revoked { revoked_at, reason } => {
                format!("REVOKED {} ({reason}), before signing", rfc3339(*revoked_at))
            }
        };
        println!("  revocation:    {revocation}");
        println!("  covered bytes: {}", if s.intact { "intact" } else { "CHANGED" });
        if s.modified_after.is_empty() {
            println!("  changed after: nothing but later signatures");
        }
        for m in &s.modified_after {
            println!("  changed after: {m}");
        }
        for p in &s.problems {
            println!("  problem:       {p}");
        }
    }
    if !report.unsigned_trailing_revisions.is_empty() {
        println!(
            "unsigned revisions after the last signature end at {:?}",
            report.unsigned_trailing_revisions
        );
    }
    println!("{}", if report.all_valid() { "all signatures valid" } else { "NOT VALID" });
}
