//! The `organisations` and `certificate_applications` tables. Portable SQL;
//! decisions are conditional updates (`WHERE status = 'pending'`), so an
//! application is decided once even with several servers on one database.

use anyhow::{Context, Result};
use serde::Serialize;

use super::form::Application;
use crate::db::{Db, Tx};
use crate::{with_pool, with_tx};

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
    /// Serial of the unit's certificate the operation applies to (none for `new`).
    pub target_serial: Option<String>,
    /// Kept at least until, RFC 3339: the issued (or referenced)
    /// certificate's end + 5 years; the submission + 5 years before that.
    pub retain_until: Option<String>,
}

const COLUMNS: &str = "id, org_name, uscc, kind, drug_account, consumables_account, address, phone, \
    operation, agent_name, agent_id_number, agent_phone, role, csr_pem, status, reviewer, reason, \
    issued_serial, created_at, decided_at, target_serial, retain_until";

/// What is stored with a new application besides its form.
#[derive(Debug)]
pub struct Filing<'a> {
    /// Submitted, RFC 3339.
    pub now: &'a str,
    /// SM3 of the applicant's status token, hex.
    pub token_hash: &'a str,
    /// Kept at least until, RFC 3339.
    pub retain_until: &'a str,
}

/// Stores a new pending application with its seal samples, in one
/// transaction; returns its id.
pub async fn insert(db: &Db, a: &Application, filing: &Filing<'_>) -> Result<i64> {
    let f = &a.form;
    let target = a.target.as_ref().map(ToString::to_string);
    let sql = "INSERT INTO certificate_applications (org_name, uscc, kind, drug_account, \
        consumables_account, address, phone, operation, agent_name, agent_id_number, agent_phone, role, \
        csr_pem, status, created_at, target_serial, token_hash, retain_until) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending', $14, $15, $16, $17) \
        RETURNING id";
    let mut tx = Tx::begin(db).await?;
    let id: i64 = with_tx!(&mut tx, c => sqlx::query_scalar(sql)
        .bind(&f.org_name).bind(a.uscc.as_str()).bind(&f.kind).bind(f.drug_account)
        .bind(f.consumables_account).bind(&f.address).bind(&f.phone).bind(&f.operation)
        .bind(&f.agent_name).bind(&f.agent_id_number).bind(&f.agent_phone).bind(a.role.as_str())
        .bind(&f.csr_pem).bind(filing.now).bind(&target).bind(filing.token_hash).bind(filing.retain_until)
        .fetch_one(c).await)
    .context("cannot store the application")?;
    for (n, sample) in (1i64..).zip(&a.samples) {
        let sql = "INSERT INTO application_seal_samples (application_id, n, media_type, width, height, dpi, \
                   data) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        with_tx!(&mut tx, c => sqlx::query(sql).bind(id).bind(n).bind(sample.media_type)
            .bind(i64::from(sample.width)).bind(i64::from(sample.height)).bind(sample.dpi.map(i64::from))
            .bind(&sample.data).execute(c).await.map(|_| ()))
        .context("cannot store a seal sample")?;
    }
    tx.commit().await?;
    Ok(id)
}

/// A stored seal sample: media type and bytes.
pub async fn sample(db: &Db, id: i64, n: i64) -> Result<Option<(String, Vec<u8>)>> {
    let sql = "SELECT media_type, data FROM application_seal_samples WHERE application_id = $1 AND n = $2";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).bind(n).fetch_optional(p).await)
        .context("cannot read the seal sample")
}

/// One application, if `token_hash` is the one it was filed with.
pub async fn get_with_token(db: &Db, id: i64, token_hash: &str) -> Result<Option<Row>> {
    let sql = format!("SELECT {COLUMNS} FROM certificate_applications WHERE id = $1 AND token_hash = $2");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).bind(token_hash).fetch_optional(p).await)
        .context("cannot read the application")
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

/// Claims a pending application as approved within `tx` (the first step
/// of an approval); false if it was no longer pending. The row stays locked
/// until `tx` ends, so a concurrent decision waits and then finds it decided.
pub async fn claim(tx: &mut Tx, id: i64, reviewer: &str, now: &str) -> Result<bool> {
    let sql = "UPDATE certificate_applications SET status = 'approved', reviewer = $2, decided_at = $3 \
               WHERE id = $1 AND status = 'pending'";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(reviewer).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("cannot record the approval")?;
    Ok(n == 1)
}

/// Records the certificate an approval issued and the application's retention, within `tx`.
pub async fn set_outcome(tx: &mut Tx, id: i64, serial: Option<&str>, retain_until: &str) -> Result<()> {
    let sql = "UPDATE certificate_applications SET issued_serial = $2, retain_until = $3 WHERE id = $1";
    with_tx!(tx, c => sqlx::query(sql).bind(id).bind(serial).bind(retain_until).execute(c).await.map(|_| ()))
        .context("cannot record the issued certificate")
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

/// Records the application's organisation within `tx`: if its credit code
/// is new, as on the form; an existing organisation is kept as it is unless
/// `update` (a `change`), when its name, address, phone and account
/// permissions become the form's.
pub async fn save_organisation(tx: &mut Tx, a: &Row, update: bool, now: &str) -> Result<()> {
    let sql = if update {
        "INSERT INTO organisations (name, uscc, kind, drug_account, consumables_account, address, phone, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (uscc) DO UPDATE SET \
         name = excluded.name, drug_account = excluded.drug_account, \
         consumables_account = excluded.consumables_account, address = excluded.address, \
         phone = excluded.phone"
    } else {
        "INSERT INTO organisations (name, uscc, kind, drug_account, consumables_account, address, phone, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (uscc) DO NOTHING"
    };
    with_tx!(tx, c => sqlx::query(sql)
        .bind(&a.org_name).bind(&a.uscc).bind(&a.kind).bind(a.drug_account).bind(a.consumables_account)
        .bind(&a.address).bind(&a.phone).bind(now).execute(c).await.map(|_| ()))
    .context("cannot record the organisation")
}
