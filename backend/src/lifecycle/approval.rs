//! Approving an application: what each operation of the form (办理内容) does.
//!
//! | operation | on approval |
//! |---|---|
//! | `new` | a certificate is issued from the request |
//! | `renew` | a new certificate from the request; the referenced one revoked `superseded` |
//! | `reissue` | (key lost or damaged) a new certificate; the referenced one revoked `keyCompromise` |
//! | `change` | the organisation's name, address, phone and account permissions become the form's; a new certificate; the referenced one revoked `superseded` |
//! | `unlock` | the login lock of the referenced certificate is lifted |
//! | `revoke` | the referenced certificate is revoked `cessationOfOperation` (CRL regenerated at once) |
//!
//! A certificate for a privileged role (operator, centre, official,
//! regulator) takes two different operators ([`crate::dual`]): the first
//! approval answers 202 `awaiting_second_approval`, the same operator again
//! 409, a second operator's approval issues it.
//!
//! The referenced certificate (`serial` of the form) must have been issued
//! by this CA to the applying organisation (same credit code); this is
//! checked on submission and again on approval.
//!
//! An approval is one database transaction: the application is claimed
//! (`WHERE status = 'pending'`, so a concurrent decision waits and then
//! finds it decided), the CA work is done (the issuing key is decrypted
//! before the transaction begins), the records are written, the old
//! certificate is revoked last, and only then is the transaction
//! committed. Any failure before the commit rolls the records back and
//! withdraws a certificate issued on the way (revoked `superseded`), so no
//! approval is half done. Each effect is audited after the commit.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sealbid_crypto::pki::{CertSerial, Certificate, Csr, Issuer, RevocationReason, Role, SubjectInfo};
use sealbid_crypto::{PublicKey, Uscc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::applications::{application_id, find, pending};
use super::certificates::{audit_revoked, load_issuer, revoke_with};
use super::store::{self, Row};
use super::{Operator, blocking};
use crate::audit;
use crate::auth::SessionUser;
use crate::authority::{self, MAX_DAYS, now, retain_until, rfc3339};
use crate::db::Tx;
use crate::dual;
use crate::server::{ApiError, AppState};

/// Validity of a certificate when the operator names none: one year (seed 004).
pub const DEFAULT_DAYS: i64 = 365;

/// Optional body of the approval.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Validity in days (1 to 3650, default 365).
    days: Option<i64>,
}

fn days_of(body: &Bytes) -> Result<i64, ApiError> {
    let approval: Approval = if body.iter().all(u8::is_ascii_whitespace) {
        Approval::default()
    } else {
        serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("body: {e}")))?
    };
    let days = approval.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::BadRequest(format!("days: must be between 1 and {MAX_DAYS}, got {days}")));
    }
    Ok(days)
}

/// The unit's certificate an application refers to: issued by this CA to
/// the organisation with credit code `uscc`, else 400 naming `serial`.
pub(super) async fn target_of(
    s: &AppState,
    serial: &CertSerial,
    uscc: &str,
) -> Result<Certificate, ApiError> {
    let path = s.data_dir.issued_cert_path(&serial.to_string());
    let Ok(pem) = tokio::fs::read_to_string(&path).await else {
        return Err(ApiError::BadRequest(format!("serial: no certificate {serial} was issued by this CA")));
    };
    let cert = Certificate::from_pem(&pem).map_err(anyhow::Error::from)?;
    let owner = cert.subject_info().map_err(anyhow::Error::from)?.uscc;
    if owner.as_ref().map(Uscc::as_str) != Some(uscc) {
        return Err(ApiError::BadRequest(format!(
            "serial: certificate {serial} belongs to another organisation, not to {uscc}"
        )));
    }
    Ok(cert)
}

pub(super) async fn approve(
    Operator(op): Operator,
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let days = days_of(&body)?;
    let r = find(&s, application_id(id)?).await?;
    pending(&r)?;
    let role: Role = r.role.parse().map_err(anyhow::Error::from)?;
    let issues = matches!(r.operation.as_str(), "new" | "renew" | "reissue" | "change");
    let mut first_operator = None;
    if issues {
        let what = format!("application {}", r.id);
        match dual::approve(&s.db, &format!("application:{}", r.id), role, &op.serial, &what).await? {
            dual::Approval::Recorded => {
                return Ok((
                    StatusCode::ACCEPTED,
                    Json(json!({ "id": r.id, "status": "awaiting_second_approval", "role": role.as_str(),
                                 "first_operator": op.serial,
                                 "message": format!("the {role} role needs a second, different operator's approval") })),
                ));
            }
            dual::Approval::Proceed { first } => first_operator = first,
        }
    }
    let target = match &r.target_serial {
        Some(text) => {
            let serial: CertSerial = text.parse().map_err(anyhow::Error::from)?;
            let cert = target_of(&s, &serial, &r.uscc).await?;
            Some((serial, cert))
        }
        None => None,
    };
    let reason = |op: &str| match op {
        "reissue" => RevocationReason::KeyCompromise,
        _ => RevocationReason::Superseded,
    };
    let body = match (r.operation.as_str(), target) {
        ("new", None) => issue(&s, &op, &r, days, None).await?,
        (kind @ ("renew" | "reissue" | "change"), Some((serial, _))) => {
            issue(&s, &op, &r, days, Some((serial, reason(kind)))).await?
        }
        ("unlock", Some((serial, cert))) => unlock(&s, &op, &r, &serial, &cert).await?,
        ("revoke", Some((serial, cert))) => revoke(&s, &op, &r, &serial, &cert).await?,
        (kind, _) => {
            return Err(ApiError::Conflict(format!(
                "application {} ({kind}) does not name the certificate it applies to; reject it",
                r.id
            )));
        }
    };
    let details = json!({ "operation": r.operation, "target_serial": r.target_serial, "outcome": body,
                          "first_operator": first_operator });
    audit::record(&s.db, &op.serial, "application.approved", r.id.to_string(), details).await?;
    Ok((StatusCode::OK, Json(body)))
}

/// 409 for an application another operator decided while this one worked.
async fn decided_meanwhile(s: &AppState, id: i64) -> ApiError {
    match find(s, id).await {
        Ok(r) => ApiError::Conflict(format!("application {id} was {} meanwhile", r.status)),
        Err(e) => e,
    }
}

/// The end of retention of the records of `cert`.
fn retention_of(cert: &Certificate) -> Result<String, ApiError> {
    Ok(retain_until(cert.not_after().map_err(anyhow::Error::from)?))
}

/// `new`, `renew`, `reissue`, `change`: a certificate from the request,
/// and the `old` one revoked.
async fn issue(
    s: &AppState,
    op: &SessionUser,
    r: &Row,
    days: i64,
    old: Option<(CertSerial, RevocationReason)>,
) -> Result<Value, ApiError> {
    let issuer = load_issuer(s).await?;
    let (subject, public_key) = subject_of(r)?;
    let (dir, signer) = (s.data_dir.clone(), issuer.clone());
    let when = rfc3339(now());
    let mut tx = Tx::begin(&s.db).await?;
    if !store::claim(&mut tx, r.id, &op.serial, &when).await? {
        return Err(decided_meanwhile(s, r.id).await);
    }
    let cert = blocking(move || authority::issue_with(&dir, &signer, &subject, &public_key, days)).await?;
    let serial = cert.serial().map_err(anyhow::Error::from)?.to_string();
    let revoked = match finish_issue(s, tx, op, r, &cert, issuer, old.as_ref(), &when).await {
        Ok(revoked) => revoked,
        Err(e) => {
            withdraw(s, &serial).await;
            return Err(e);
        }
    };
    let details = json!({ "application": r.id, "subject": cert.subject(), "role": r.role, "days": days });
    audit::record(&s.db, &op.serial, "certificate.issued", serial.clone(), details).await?;
    if r.operation == "change" {
        let details = json!({ "application": r.id, "name": r.org_name, "address": r.address, "phone": r.phone,
                              "drug_account": r.drug_account, "consumables_account": r.consumables_account });
        audit::record(&s.db, &op.serial, "organisation.changed", r.uscc.clone(), details).await?;
    }
    if let (Some((old_serial, reason)), Some(done)) = (&old, &revoked) {
        audit_revoked(s, &op.serial, old_serial, *reason, done, Some(r.id)).await?;
    }
    Ok(json!({ "id": r.id, "status": "approved", "operation": r.operation, "issued_serial": serial,
               "revoked_serial": old.map(|(o, _)| o.to_string()) }))
}

/// The records of an issue, then the old certificate's revocation, then the commit.
#[allow(clippy::too_many_arguments)]
async fn finish_issue(
    s: &AppState,
    mut tx: Tx,
    op: &SessionUser,
    r: &Row,
    cert: &Certificate,
    issuer: Arc<Issuer>,
    old: Option<&(CertSerial, RevocationReason)>,
    when: &str,
) -> Result<Option<authority::Revoked>, ApiError> {
    let serial = cert.serial().map_err(anyhow::Error::from)?.to_string();
    let not_after = cert.not_after().map_err(anyhow::Error::from)?;
    store::set_outcome(&mut tx, r.id, Some(&serial), &retain_until(not_after)).await?;
    store::save_organisation(&mut tx, r, r.operation == "change", when).await?;
    let public_key = hex::encode(cert.public_key().map_err(anyhow::Error::from)?.to_sec1());
    let not_after = rfc3339(not_after);
    let issued = crate::people::store::Issued {
        org_uscc: &r.uscc,
        name: &r.agent_name,
        id_number: &r.agent_id_number,
        phone: &r.agent_phone,
        role: &r.role,
        serial: &serial,
        public_key: &public_key,
        not_after: &not_after,
        granted_by: &op.serial,
    };
    crate::people::store::record_issue_in(&mut tx, &issued, when).await?;
    let revoked = match old {
        Some((old_serial, reason)) => Some(revoke_with(s, issuer, old_serial, *reason).await?),
        None => None,
    };
    tx.commit().await?;
    Ok(revoked)
}

/// `unlock`: the referenced certificate's login lock lifted.
async fn unlock(
    s: &AppState,
    op: &SessionUser,
    r: &Row,
    serial: &CertSerial,
    cert: &Certificate,
) -> Result<Value, ApiError> {
    let when = now();
    let mut tx = Tx::begin(&s.db).await?;
    if !store::claim(&mut tx, r.id, &op.serial, &rfc3339(when)).await? {
        return Err(decided_meanwhile(s, r.id).await);
    }
    store::set_outcome(&mut tx, r.id, None, &retention_of(cert)?).await?;
    let was_locked =
        crate::auth::store::clear_lock_in(&mut tx, &serial.to_string(), when.unix_timestamp()).await?;
    tx.commit().await?;
    crate::auth::audit_unlock(&s.db, serial, &op.serial, was_locked).await?;
    Ok(json!({ "id": r.id, "status": "approved", "operation": "unlock", "serial": serial.to_string(),
               "was_locked": was_locked }))
}

/// `revoke`: the referenced certificate revoked at once (the revoke route's path).
async fn revoke(
    s: &AppState,
    op: &SessionUser,
    r: &Row,
    serial: &CertSerial,
    cert: &Certificate,
) -> Result<Value, ApiError> {
    let issuer = load_issuer(s).await?;
    let reason = RevocationReason::CessationOfOperation;
    let mut tx = Tx::begin(&s.db).await?;
    if !store::claim(&mut tx, r.id, &op.serial, &rfc3339(now())).await? {
        return Err(decided_meanwhile(s, r.id).await);
    }
    store::set_outcome(&mut tx, r.id, None, &retention_of(cert)?).await?;
    let done = revoke_with(s, issuer, serial, reason).await?;
    tx.commit().await?;
    audit_revoked(s, &op.serial, serial, reason, &done, Some(r.id)).await?;
    Ok(json!({ "id": r.id, "status": "approved", "operation": "revoke", "revoked_serial": serial.to_string(),
               "reason": reason.as_str(), "crl_number": done.crl_number }))
}

/// The issued subject and key: the person's name and key from the request
/// (its signature checked again); organisation, credit code and role as the
/// operator approved them on the form.
fn subject_of(r: &Row) -> anyhow::Result<(SubjectInfo, PublicKey)> {
    let csr = Csr::from_pem(&r.csr_pem)?.verify()?;
    let subject = SubjectInfo {
        common_name: csr.subject().common_name.clone(),
        organization: Some(r.org_name.clone()),
        uscc: Some(Uscc::parse(&r.uscc)?),
        role: Some(r.role.parse::<Role>()?),
    };
    Ok((subject, csr.public_key().clone()))
}

/// Withdraws a certificate issued by an approval that did not complete
/// (revoked `superseded`); a failure is logged, the approval's error stands.
async fn withdraw(s: &AppState, serial: &str) {
    let Ok(serial) = serial.parse::<CertSerial>() else { return };
    let outcome = match load_issuer(s).await {
        Ok(issuer) => revoke_with(s, issuer, &serial, RevocationReason::Superseded).await.map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = outcome {
        tracing::error!(%serial, error = %e, "cannot withdraw the certificate of an incomplete approval");
    }
}
