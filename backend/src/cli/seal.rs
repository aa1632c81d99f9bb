//! `sealbid seal …`: GB/T 38540 electronic seals made by the data directory's seal authority.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use sealbid_crypto::pki::{Certificate, Usage, verify_chain};
use sealbid_crypto::rng;
use sealbid_sealing::seal::SealKind;
use sealbid_sealing::seal::picture::{self, Picture};
use sealbid_sealing::ses::{SeSeal, SealSpec};
use time::Duration;

use crate::authority::{load_cert, load_key, now, rfc3339, sealing_trust};
use crate::datadir::{Authority, DataDir, read_file, read_text, write_atomic};
use crate::secrets::{CA_PASSWORD_ENV, password};

/// The vendor identifier written into every seal header.
const VENDOR_ID: &str = "sealbid";
/// Longest seal validity, in days.
const MAX_SEAL_DAYS: i64 = 3650;

/// Seal subcommands.
#[derive(Debug, Subcommand)]
pub enum SealCommand {
    /// Make a seal for the holder of a certificate, signed by the seal authority
    /// (key password from SEALBID_CA_PASSWORD).
    Make {
        /// The holder's certificate (PEM); repeat for several holders of one seal.
        #[arg(long = "cert", value_name = "CERT.pem", required = true)]
        certs: Vec<PathBuf>,
        /// The seal's name, e.g. "某某医药股份有限公司合同专用章".
        #[arg(long)]
        name: String,
        /// What the seal is for: official, contract, finance or filing.
        #[arg(long = "type", value_name = "TYPE")]
        kind: SealKind,
        /// A scan of the physical seal's impression (PNG or JPEG, 200 dpi or more)
        /// instead of the generated round seal.
        #[arg(long, value_name = "SCAN.png")]
        image: Option<PathBuf>,
        /// Organisation name on the generated seal (default: the certificate's O).
        #[arg(long)]
        org: Option<String>,
        /// Text below the star on the generated seal (default: the type's customary name).
        #[arg(long)]
        label: Option<String>,
        /// Validity in days from now.
        #[arg(long, default_value_t = 365)]
        valid_days: i64,
        /// Where to write the seal (DER).
        #[arg(long, value_name = "SEAL.der")]
        out: PathBuf,
    },
    /// Show a seal and check it against the data directory's seal authority and CA;
    /// exits 1 when the check fails (it is skipped without a data directory).
    Show {
        /// The seal (DER).
        #[arg(value_name = "SEAL.der")]
        seal: PathBuf,
        /// Write the seal's picture here.
        #[arg(long, value_name = "OUT.png")]
        picture: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a seal subcommand.
pub fn run(dir: &DataDir, cmd: SealCommand) -> Result<()> {
    match cmd {
        SealCommand::Make { certs, name, kind, image, org, label, valid_days, out } => {
            dir.require_initialised()?;
            let request = MakeRequest { certs, name, kind, image, org, label, valid_days };
            make(dir, &request, &out)
        }
        SealCommand::Show { seal, picture, json } => show(dir, &seal, picture.as_deref(), json),
    }
}

struct MakeRequest {
    certs: Vec<PathBuf>,
    name: String,
    kind: SealKind,
    image: Option<PathBuf>,
    org: Option<String>,
    label: Option<String>,
    valid_days: i64,
}

fn make(dir: &DataDir, req: &MakeRequest, out: &Path) -> Result<()> {
    if !(1..=MAX_SEAL_DAYS).contains(&req.valid_days) {
        bail!("--valid-days must be between 1 and {MAX_SEAL_DAYS}, got {}", req.valid_days);
    }
    if req.name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    let trust = sealing_trust(dir)?;
    let start = now() - Duration::minutes(1);
    let end = start + Duration::days(req.valid_days);
    let mut holders = Vec::new();
    for path in &req.certs {
        let cert = Certificate::from_pem(&read_text(path)?)
            .with_context(|| format!("{} is not a certificate", path.display()))?;
        verify_chain(&cert, &trust.intermediates, &trust.anchors, now(), &trust.crls, Usage::Signing)
            .with_context(|| format!("{} is not a valid signing certificate of this CA", path.display()))?;
        holders.push(cert);
    }
    let picture = picture_for(req, &holders)?;

    let pw = password(CA_PASSWORD_ENV, "CA keys", false)?;
    let maker_cert = load_cert(dir, Authority::SealAuthority)?;
    let maker_key = load_key(dir, Authority::SealAuthority, &maker_cert, pw.as_bytes())?;
    let maker_end = maker_cert.not_after()?;
    if end > maker_end {
        bail!("the seal authority's certificate expires at {}; ask for fewer days", rfc3339(maker_end));
    }
    let spec = SealSpec {
        es_id: format!("SB{}", hex::encode_upper(rng::bytes::<8>()?)),
        vid: VENDOR_ID.into(),
        kind: req.kind,
        name: req.name.trim().to_string(),
        holders,
        picture,
        created: now(),
        valid_start: start,
        valid_end: end,
    };
    let seal = SeSeal::make(&spec, &maker_key, &maker_cert)?;
    // Check our own product before handing it out.
    seal.verify(&trust, now()).context("the new seal does not verify")?;
    write_atomic(out, seal.to_der())?;
    println!("wrote {}", out.display());
    println!("seal id: {}", seal.es_id());
    println!("valid:   {} to {}", rfc3339(seal.valid_start()), rfc3339(seal.valid_end()));
    Ok(())
}

fn picture_for(req: &MakeRequest, holders: &[Certificate]) -> Result<Picture> {
    if let Some(scan) = &req.image {
        return picture::from_scan(&read_file(scan)?)
            .with_context(|| format!("cannot use {} as the seal picture", scan.display()));
    }
    let org = match &req.org {
        Some(org) => org.clone(),
        None => holders
            .first()
            .and_then(|c| c.subject_info().ok())
            .and_then(|s| s.organization)
            .context("the certificate names no organisation; pass --org")?,
    };
    Ok(picture::generate(&org, req.label.as_deref().unwrap_or(""), req.kind)?)
}

fn show(dir: &DataDir, path: &Path, picture_out: Option<&Path>, json: bool) -> Result<()> {
    let seal = SeSeal::from_der(&read_file(path)?)
        .with_context(|| format!("{} is not a GB/T 38540 seal", path.display()))?;
    let check = dir.is_initialised().then(|| sealing_trust(dir).and_then(|t| Ok(seal.verify(&t, now())?)));
    let verdict = match &check {
        Some(Ok(())) => "valid".to_string(),
        Some(Err(e)) => format!("INVALID: {e:#}"),
        None => format!("not checked: {} is not an initialised data directory", dir.path().display()),
    };
    let picture = seal.picture();
    if let Some(out) = picture_out {
        write_atomic(out, &picture.data)?;
    }
    let maker = seal.maker_certificate()?.subject();
    let holders: Vec<String> = seal.holder_certificates()?.iter().map(Certificate::subject).collect();
    let kind = seal.kind().map_or_else(|| format!("code {}", seal.kind_code()), |k| k.to_string());
    if json {
        let value = serde_json::json!({
            "id": seal.es_id(),
            "name": seal.name(),
            "type": kind,
            "type_code": seal.kind_code(),
            "vendor": seal.vid(),
            "created": rfc3339(seal.created()),
            "valid_start": rfc3339(seal.valid_start()),
            "valid_end": rfc3339(seal.valid_end()),
            "maker": maker,
            "holders": holders,
            "picture": { "format": picture.format, "bytes": picture.data.len(),
                         "width_mm": picture.width_mm, "height_mm": picture.height_mm },
            "verification": verdict,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("seal:     {}", seal.name());
        println!("id:       {}", seal.es_id());
        println!("type:     {kind}");
        println!("created:  {}", rfc3339(seal.created()));
        println!("valid:    {} to {}", rfc3339(seal.valid_start()), rfc3339(seal.valid_end()));
        println!("maker:    {maker}");
        for h in &holders {
            println!("holder:   {h}");
        }
        println!(
            "picture:  {} ({} bytes, {}×{} mm)",
            picture.format,
            picture.data.len(),
            picture.width_mm,
            picture.height_mm
        );
        println!("check:    {verdict}");
    }
    if let Some(out) = picture_out {
        eprintln!("wrote {}", out.display());
    }
    match check {
        Some(Err(e)) => Err(e.context(format!("{} does not verify", path.display()))),
        _ => Ok(()),
    }
}
