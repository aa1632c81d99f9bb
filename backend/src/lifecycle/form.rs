//! The application form (seed 004, 单位数字证书业务申请表), parsed at the
//! boundary: a [`Submission`] from JSON becomes an [`Application`] whose
//! fields are all valid, or a 400 naming the first bad field.

use sealbid_crypto::Uscc;
use sealbid_crypto::pki::{CertSerial, Csr, Role, VerifiedCsr};
use serde::Deserialize;

use super::samples::{self, SealSample};

use crate::server::ApiError;

/// Largest CSR accepted, characters of PEM.
const MAX_CSR: usize = 8192;

/// The body of `POST /api/v1/applications`, as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// 单位名称: the unit's name.
    pub org_name: String,
    /// 统一社会信用代码: unified social credit code (18 characters, check character).
    pub uscc: String,
    /// manufacturer, hospital, regulator or centre.
    pub kind: String,
    /// 药品账号（权限）: may trade drugs.
    #[serde(default)]
    pub drug_account: bool,
    /// 耗材账号（权限）: may trade medical consumables.
    #[serde(default)]
    pub consumables_account: bool,
    /// 单位地址.
    pub address: String,
    /// 单位电话.
    pub phone: String,
    /// 办理内容: new, renew, reissue, unlock, revoke or change.
    pub operation: String,
    /// 经办人姓名: the agent's name.
    pub agent_name: String,
    /// 身份证号: the agent's identity card number.
    pub agent_id_number: String,
    /// 联系电话（手机）: the agent's mobile phone.
    pub agent_phone: String,
    /// The platform role the certificate is for.
    pub role: String,
    /// PKCS#10 request made on the applicant's side, PEM.
    pub csr_pem: String,
    /// Serial (hex) of the unit's certificate the operation applies to:
    /// required for every operation but `new`, absent for `new`.
    #[serde(default)]
    pub serial: Option<String>,
    /// 印章采集: up to three scans of the unit's seal, base64 PNG or JPEG.
    #[serde(default)]
    pub seal_samples: Vec<String>,
}

/// A submission whose every field was checked.
#[derive(Debug)]
pub struct Application {
    /// The form as sent (all fields valid).
    pub form: Submission,
    /// The parsed credit code.
    pub uscc: Uscc,
    /// The requested role.
    pub role: Role,
    /// The request, its signature verified.
    pub csr: VerifiedCsr,
    /// The certificate the operation applies to (none for `new`).
    pub target: Option<CertSerial>,
    /// The seal samples, checked.
    pub samples: Vec<SealSample>,
}

/// Organisation kinds (seed 004 and issue 3).
pub const KINDS: [&str; 4] = ["manufacturer", "hospital", "regulator", "centre"];
/// The roles an organisation of `kind` may apply for: a manufacturer's staff
/// bid and file, a hospital's countersign and order, a regulator's file and
/// sit on opening committees, a procurement centre's publish tenders, sit
/// on committees and run the platform. Any other kind: none.
pub fn roles_for(kind: &str) -> &'static [Role] {
    match kind {
        "manufacturer" => &[Role::Bidder],
        "hospital" => &[Role::Hospital],
        "regulator" => &[Role::Regulator, Role::Official],
        "centre" => &[Role::Centre, Role::Official, Role::Operator],
        _ => &[],
    }
}

/// Operations of the form's 办理内容.
pub const OPERATIONS: [&str; 6] = ["new", "renew", "reissue", "unlock", "revoke", "change"];

fn bad(field: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("{field}: {why}"))
}

/// Checks that `value` is non-blank and at most `max` characters.
fn text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if value.trim().is_empty() {
        return Err(bad(field, "is required"));
    }
    if n > max {
        return Err(bad(field, format!("at most {max} characters, got {n}")));
    }
    if value.chars().any(char::is_control) {
        return Err(bad(field, "must not contain control characters"));
    }
    Ok(())
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(bad(field, format!("{value:?} is not one of {}", allowed.join(", "))))
}

fn phone(field: &str, value: &str) -> Result<(), ApiError> {
    text(field, value, 20)?;
    if !value.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ')) {
        return Err(bad(field, "only digits, '+', '-' and spaces"));
    }
    Ok(())
}

/// 身份证号 (GB 11643): 17 digits and a digit or X.
fn id_number(value: &str) -> Result<(), ApiError> {
    let b = value.as_bytes();
    let ok =
        b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X');
    if !ok {
        return Err(bad("agent_id_number", "must be 18 characters: 17 digits and a digit or X"));
    }
    Ok(())
}

/// The `serial` field: required for every operation but `new`.
fn target(operation: &str, serial: Option<&str>) -> Result<Option<CertSerial>, ApiError> {
    match (operation, serial) {
        ("new", None) => Ok(None),
        ("new", Some(_)) => Err(bad("serial", "a new application refers to no certificate; leave it out")),
        (op, None) => Err(bad("serial", format!("required for {op}: the serial of the unit's certificate"))),
        (_, Some(text)) => text.trim().parse().map(Some).map_err(|e: sealbid_crypto::Error| bad("serial", e)),
    }
}

impl Submission {
    /// Checks every field; the error names the first bad one.
    pub fn parse(mut self) -> Result<Application, ApiError> {
        text("org_name", &self.org_name, 64)?;
        let uscc = Uscc::parse(&self.uscc).map_err(|e| bad("uscc", e))?;
        one_of("kind", &self.kind, &KINDS)?;
        text("address", &self.address, 200)?;
        phone("phone", &self.phone)?;
        one_of("operation", &self.operation, &OPERATIONS)?;
        text("agent_name", &self.agent_name, 64)?;
        id_number(&self.agent_id_number)?;
        phone("agent_phone", &self.agent_phone)?;
        let role: Role = self.role.parse().map_err(|e| bad("role", e))?;
        let allowed = roles_for(&self.kind);
        if !allowed.contains(&role) {
            let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
            return Err(bad(
                "role",
                format!(
                    "a {} may not hold the {} role (a {} may apply for: {})",
                    self.kind,
                    role.as_str(),
                    self.kind,
                    names.join(", ")
                ),
            ));
        }
        if self.csr_pem.len() > MAX_CSR {
            return Err(bad("csr_pem", format!("at most {MAX_CSR} characters")));
        }
        let csr = Csr::from_pem(&self.csr_pem).map_err(|e| bad("csr_pem", e))?;
        let csr = csr.verify().map_err(|e| bad("csr_pem", e))?;
        let target = target(&self.operation, self.serial.as_deref())?;
        let samples = samples::parse_all(&std::mem::take(&mut self.seal_samples))?;
        Ok(Application { form: self, uscc, role, csr, target, samples })
    }
}
