//! The `people`, `person_roles`, `person_certificates` and `delegations`
//! tables. Portable SQL; nothing is deleted (a revoked delegation keeps its row).

use anyhow::{Context, Result};
use serde::Serialize;

use crate::db::{Db, Tx};
use crate::{with_pool, with_tx};

/// A person as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Person {
    /// Id.
    pub id: i64,
    /// The organisation's unified social credit code.
    pub org_uscc: String,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Whether the person may sign (bids, shares, documents).
    pub signing_enabled: bool,
    /// Recorded, RFC 3339.
    pub created_at: String,
}

/// A delegation of signing authority.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Delegation {
    /// Id.
    pub id: i64,
    /// Who delegates.
    pub delegator_id: i64,
    /// Who may sign for them.
    pub delegate_id: i64,
    /// From, RFC 3339.
    pub starts_at: String,
    /// Until, RFC 3339.
    pub ends_at: String,
    /// Why.
    pub reason: String,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Revoked, RFC 3339, if it was.
    pub revoked_at: Option<String>,
}

const PERSON: &str = "id, org_uscc, name, phone, signing_enabled, created_at";
const DELEGATION: &str = "id, delegator_id, delegate_id, starts_at, ends_at, reason, created_at, revoked_at";

/// What an issued certificate says about its holder.
#[derive(Debug, Clone)]
pub struct Issued<'a> {
    /// Organisation credit code.
    pub org_uscc: &'a str,
    /// Holder's name.
    pub name: &'a str,
    /// Holder's ID number (the key that recognises the same person again).
    pub id_number: &'a str,
    /// Holder's phone.
    pub phone: &'a str,
    /// The certificate's role.
    pub role: &'a str,
    /// Serial, upper-case hex.
    pub serial: &'a str,
    /// SEC1 public key, hex.
    pub public_key: &'a str,
    /// End of validity, RFC 3339.
    pub not_after: &'a str,
    /// Who approved (operator's serial or "system").
    pub granted_by: &'a str,
}

/// Records a certificate issued to a person: the person (found by
/// organisation and ID number, else created with signing enabled), the role
/// and the certificate, in one transaction. Returns the person's id.
pub async fn record_issue(db: &Db, i: &Issued<'_>, now: &str) -> Result<i64> {
    let mut tx = Tx::begin(db).await?;
    let id = record_issue_in(&mut tx, i, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`record_issue`] within the caller's transaction; the certificate's
/// `retain_until` is its `not_after` + 5 years.
pub async fn record_issue_in(tx: &mut Tx, i: &Issued<'_>, now: &str) -> Result<i64> {
    let retain = crate::authority::retain_until_text(i.not_after)?;
    with_tx!(tx, c => async {
        sqlx::query(
            "INSERT INTO people (org_uscc, name, id_number, phone, signing_enabled, created_at) \
             VALUES ($1, $2, $3, $4, TRUE, $5) ON CONFLICT (org_uscc, id_number) DO NOTHING",
        )
        .bind(i.org_uscc).bind(i.name).bind(i.id_number).bind(i.phone).bind(now)
        .execute(&mut *c).await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM people WHERE org_uscc = $1 AND id_number = $2")
            .bind(i.org_uscc).bind(i.id_number).fetch_one(&mut *c).await?;
        sqlx::query(
            "INSERT INTO person_roles (person_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (person_id, role) DO NOTHING",
        )
        .bind(id).bind(i.role).bind(i.granted_by).bind(now).execute(&mut *c).await?;
        sqlx::query(
            "INSERT INTO person_certificates (serial, person_id, role, public_key, not_after, issued_at, \
             retain_until) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(i.serial).bind(id).bind(i.role).bind(i.public_key).bind(i.not_after).bind(now).bind(&retain)
        .execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(id)
    }.await)
    .context("cannot record the certificate's holder")
}

/// The person holding certificate `serial`, if the platform issued it to one.
pub async fn by_serial(db: &Db, serial: &str) -> Result<Option<Person>> {
    let sql = format!(
        "SELECT {PERSON} FROM people WHERE id = (SELECT person_id FROM person_certificates WHERE serial = $1)"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(serial).fetch_optional(p).await)
        .context("cannot read the person")
}

/// One person.
pub async fn get(db: &Db, id: i64) -> Result<Option<Person>> {
    let sql = format!("SELECT {PERSON} FROM people WHERE id = $1");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("cannot read the person")
}

/// People, optionally of one organisation (at most 1000, by id).
pub async fn list(db: &Db, org: Option<&str>) -> Result<Vec<Person>> {
    let sql =
        format!("SELECT {PERSON} FROM people WHERE ($1 IS NULL OR org_uscc = $1) ORDER BY id LIMIT 1000");
    with_pool!(db, p => sqlx::query_as(&sql).bind(org).fetch_all(p).await).context("cannot list people")
}

/// A person's roles, sorted.
pub async fn roles(db: &Db, id: i64) -> Result<Vec<String>> {
    let sql = "SELECT role FROM person_roles WHERE person_id = $1 ORDER BY role";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(id).fetch_all(p).await).context("cannot read roles")
}

/// A person's certificates: (serial, role, not_after).
pub async fn certificates(db: &Db, id: i64) -> Result<Vec<(String, String, String)>> {
    let sql =
        "SELECT serial, role, not_after FROM person_certificates WHERE person_id = $1 ORDER BY issued_at";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await).context("cannot read certificates")
}

/// Grants a role (no-op if held); true if it was new.
pub async fn grant_role(db: &Db, id: i64, role: &str, by: &str, now: &str) -> Result<bool> {
    let sql = "INSERT INTO person_roles (person_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (person_id, role) DO NOTHING";
    let n = with_pool!(db, p => sqlx::query(sql).bind(id).bind(role).bind(by).bind(now).execute(p).await
        .map(|r| r.rows_affected()))
    .context("cannot grant the role")?;
    Ok(n == 1)
}

/// Switches signing on or off; false if there is no such person.
pub async fn set_signing(db: &Db, id: i64, enabled: bool) -> Result<bool> {
    let sql = "UPDATE people SET signing_enabled = $2 WHERE id = $1";
    let n = with_pool!(db, p => sqlx::query(sql).bind(id).bind(enabled).execute(p).await.map(|r| r.rows_affected()))
        .context("cannot change signing")?;
    Ok(n == 1)
}

/// Stores a delegation; returns its id.
pub async fn insert_delegation(db: &Db, d: &Delegation) -> Result<i64> {
    let sql = "INSERT INTO delegations (delegator_id, delegate_id, starts_at, ends_at, reason, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(d.delegator_id).bind(d.delegate_id).bind(&d.starts_at)
        .bind(&d.ends_at).bind(&d.reason).bind(&d.created_at).fetch_one(p).await)
    .context("cannot store the delegation")
}

/// One delegation.
pub async fn delegation(db: &Db, id: i64) -> Result<Option<Delegation>> {
    let sql = format!("SELECT {DELEGATION} FROM delegations WHERE id = $1");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("cannot read the delegation")
}

/// Delegations where `person` is delegator or delegate, newest first.
pub async fn delegations_of(db: &Db, person: i64) -> Result<Vec<Delegation>> {
    let sql = format!(
        "SELECT {DELEGATION} FROM delegations WHERE delegator_id = $1 OR delegate_id = $1 ORDER BY id DESC"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(person).fetch_all(p).await)
        .context("cannot list delegations")
}

/// Marks a delegation revoked; false if it already was.
pub async fn revoke_delegation(db: &Db, id: i64, now: &str) -> Result<bool> {
    let sql = "UPDATE delegations SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    let n =
        with_pool!(db, p => sqlx::query(sql).bind(id).bind(now).execute(p).await.map(|r| r.rows_affected()))
            .context("cannot revoke the delegation")?;
    Ok(n == 1)
}
