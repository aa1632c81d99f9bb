//! The `organisations` and `certificate_applications` tables. Portable SQL;
//! decisions are conditional updates (`WHERE status = 'pending'`), so an
//! application is decided once even with several servers on one database.

use anyhow::{Context, Result};
use serde::Serialize;

use super::form::Application;
use crate::db::Db;
use crate::with_pool;

/// A stored application.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Row {
    /// Its id.
    pub id: i64,
    /// The unit's name.
    pub org_name: String,
    /// Unified social credit code.
    pub uscc: String,
    /// Organisation kind.
    pub kind: String,
    /// Drug account permission.
    pub drug_account: bool,
    /// Consumables account permission.
    pub consumables_account: bool,
    /// Address.
    pub address: String,
    /// Unit phone.
    pub phone: String,
    /// new, renew, reissue, unlock, revoke, change.
    pub operation: String,
    /// Agent's name.
    pub agent_name: String,
    /// Agent's ID number.
    pub agent_id_number: String,
    /// Agent's phone.
    pub agent_phone: String,
    /// Requested role.
    pub role: String,
    /// The request, PEM.
    pub csr_pem: String,
    /// pending, approved, rejected.
    pub status: String,
    /// Serial of the operator's certificate who decided.
    pub reviewer: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// Serial of the issued certificate.
    pub issued_serial: Option<String>,
    /// Submitted, RFC 3339.
    pub created_at: String,
    /// Decided, RFC 3339.
    pub decided_at: Option<String>,
}

const COLUMNS: &str = "id, org_name, uscc, kind, drug_account, consumables_account, address, phone, \
    operation, agent_name, agent_id_number, agent_phone, role, csr_pem, status, reviewer, reason, \
    issued_serial, created_at, decided_at";

/// Stores a new pending application; returns its id.
pub async fn insert(db: &Db, a: &Application, now: &str) -> Result<i64> {
    let f = &a.form;
    let sql = "INSERT INTO certificate_applications (org_name, uscc, kind, drug_account, \
        consumables_account, address, phone, operation, agent_name, agent_id_number, agent_phone, role, \
        csr_pem, status, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending', $14) RETURNING id";
    with_pool!(db, p => sqlx::query_scalar(sql)
        .bind(&f.org_name).bind(a.uscc.as_str()).bind(&f.kind).bind(f.drug_account)
        .bind(f.consumables_account).bind(&f.address).bind(&f.phone).bind(&f.operation)
        .bind(&f.agent_name).bind(&f.agent_id_number).bind(&f.agent_phone).bind(a.role.as_str())
        .bind(&f.csr_pem).bind(now).fetch_one(p).await)
    .context("cannot store the application")
}

/// One application.
pub async fn get(db: &Db, id: i64) -> Result<Option<Row>> {
    let sql = format!("SELECT {COLUMNS} FROM certificate_applications WHERE id = $1");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("cannot read the application")
}

/// Applications, newest first, optionally of one status (at most 1000).
pub async fn list(db: &Db, status: Option<&str>) -> Result<Vec<Row>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM certificate_applications WHERE ($1 IS NULL OR status = $1) \
         ORDER BY id DESC LIMIT 1000"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(status).fetch_all(p).await)
        .context("cannot list the applications")
}

/// Marks a pending application approved; false if it was no longer pending.
pub async fn approve(db: &Db, id: i64, reviewer: &str, serial: &str, now: &str) -> Result<bool> {
    let sql = "UPDATE certificate_applications SET status = 'approved', reviewer = $2, \
               issued_serial = $3, decided_at = $4 WHERE id = $1 AND status = 'pending'";
    let n = with_pool!(db, p => sqlx::query(sql).bind(id).bind(reviewer).bind(serial).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))
    .context("cannot record the approval")?;
    Ok(n == 1)
}

/// Marks a pending application rejected; false if it was no longer pending.
pub async fn reject(db: &Db, id: i64, reviewer: &str, reason: &str, now: &str) -> Result<bool> {
    let sql = "UPDATE certificate_applications SET status = 'rejected', reviewer = $2, \
               reason = $3, decided_at = $4 WHERE id = $1 AND status = 'pending'";
    let n = with_pool!(db, p => sqlx::query(sql).bind(id).bind(reviewer).bind(reason).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))
    .context("cannot record the rejection")?;
    Ok(n == 1)
}

/// Records the application's organisation if its credit code is new (an
/// existing organisation is kept as it is; a `change` updates it later).
pub async fn ensure_organisation(db: &Db, a: &Row, now: &str) -> Result<()> {
    let sql = "INSERT INTO organisations (name, uscc, kind, drug_account, consumables_account, address, \
               phone, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (uscc) DO NOTHING";
    with_pool!(db, p => sqlx::query(sql)
        .bind(&a.org_name).bind(&a.uscc).bind(&a.kind).bind(a.drug_account).bind(a.consumables_account)
        .bind(&a.address).bind(&a.phone).bind(now).execute(p).await.map(|_| ()))
    .context("cannot record the organisation")
}
