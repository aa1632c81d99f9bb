//! The `committees`, `committee_members` and `ceremony_messages` tables.

use anyhow::{Context, Result};
use serde::Serialize;

use crate::db::Db;
use crate::with_pool;

/// A committee as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Committee {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// t: any t + 1 officials open.
    pub threshold: i64,
    /// Current ceremony attempt (1, 2, … after restarts).
    pub attempt: i64,
    /// `ceremony` or `ready`.
    pub status: String,
    /// The threshold public key set (CBOR), once ready.
    #[serde(skip)]
    pub public_key_set: Option<Vec<u8>>,
    /// The committee's encryption key (threshold_crypto `PublicKey::to_bytes`, hex), once ready.
    pub public_key: Option<String>,
    /// Last message of the final transcript, once ready.
    pub final_seq: Option<i64>,
    /// Creator's certificate serial.
    pub created_by: String,
    /// Created, RFC 3339.
    pub created_at: String,
}

/// An official of one attempt.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Member {
    /// Index in the ceremony (and share index in the key set).
    #[sqlx(rename = "idx")]
    pub index: i64,
    /// Certificate serial.
    pub serial: String,
    /// Name.
    pub name: String,
    /// SEC1 public key, hex.
    pub public_key: String,
}

/// A relayed ceremony message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    /// Relay order.
    pub seq: i64,
    /// `part`, `ack` or `complaint`.
    pub kind: String,
    /// Sender's index.
    pub sender: i64,
    /// The signed message.
    pub data: Vec<u8>,
}

const COMMITTEE: &str =
    "id, name, threshold, attempt, status, public_key_set, public_key, final_seq, created_by, created_at";

/// Creates a committee with its first roster; returns its id.
pub async fn insert(
    db: &Db,
    name: &str,
    threshold: i64,
    members: &[Member],
    by: &str,
    now: &str,
) -> Result<i64> {
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO committees (name, threshold, attempt, status, created_by, created_at) \
             VALUES ($1, $2, 1, 'ceremony', $3, $4) RETURNING id",
        )
        .bind(name).bind(threshold).bind(by).bind(now).fetch_one(&mut *tx).await?;
        for m in members {
            sqlx::query(
                "INSERT INTO committee_members (committee_id, attempt, idx, serial, name, public_key) \
                 VALUES ($1, 1, $2, $3, $4, $5)",
            )
            .bind(id).bind(m.index).bind(&m.serial).bind(&m.name).bind(&m.public_key)
            .execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(id)
    }.await)
    .context("cannot store the committee")
}

/// One committee.
pub async fn get(db: &Db, id: i64) -> Result<Option<Committee>> {
    let sql = format!("SELECT {COMMITTEE} FROM committees WHERE id = $1");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("cannot read the committee")
}

/// All committees, newest first (at most 1000).
pub async fn list(db: &Db) -> Result<Vec<Committee>> {
    let sql = format!("SELECT {COMMITTEE} FROM committees ORDER BY id DESC LIMIT 1000");
    with_pool!(db, p => sqlx::query_as(&sql).fetch_all(p).await).context("cannot list committees")
}

/// Committees whose current roster includes certificate `serial`.
pub async fn list_for(db: &Db, serial: &str) -> Result<Vec<Committee>> {
    let sql = format!(
        "SELECT {COMMITTEE} FROM committees c WHERE EXISTS (SELECT 1 FROM committee_members m \
         WHERE m.committee_id = c.id AND m.attempt = c.attempt AND m.serial = $1) ORDER BY id DESC LIMIT 1000"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(serial).fetch_all(p).await)
        .context("cannot list committees")
}

/// The roster of one attempt, by index.
pub async fn members(db: &Db, id: i64, attempt: i64) -> Result<Vec<Member>> {
    let sql = "SELECT idx, serial, name, public_key FROM committee_members \
               WHERE committee_id = $1 AND attempt = $2 ORDER BY idx";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).bind(attempt).fetch_all(p).await)
        .context("cannot read the committee's officials")
}

/// Messages of one attempt with `seq > after`, in relay order.
pub async fn messages(db: &Db, id: i64, attempt: i64, after: i64) -> Result<Vec<Message>> {
    let sql = "SELECT seq, kind, sender, data FROM ceremony_messages \
               WHERE committee_id = $1 AND attempt = $2 AND seq > $3 ORDER BY seq";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).bind(attempt).bind(after).fetch_all(p).await)
        .context("cannot read the ceremony messages")
}

/// Appends a message; returns its seq.
pub async fn append(
    db: &Db,
    id: i64,
    attempt: i64,
    kind: &str,
    sender: i64,
    data: &[u8],
    now: &str,
) -> Result<i64> {
    let sql = "INSERT INTO ceremony_messages (committee_id, attempt, kind, sender, data, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(id).bind(attempt).bind(kind).bind(sender).bind(data)
        .bind(now).fetch_one(p).await)
    .context("cannot store the ceremony message")
}

/// Marks the ceremony of `attempt` finished; false if it was not running.
pub async fn finish(
    db: &Db,
    id: i64,
    attempt: i64,
    pks: &[u8],
    pk_hex: &str,
    final_seq: i64,
) -> Result<bool> {
    let sql = "UPDATE committees SET status = 'ready', public_key_set = $3, public_key = $4, final_seq = $5 \
               WHERE id = $1 AND attempt = $2 AND status = 'ceremony'";
    let n =
        with_pool!(db, p => sqlx::query(sql).bind(id).bind(attempt).bind(pks).bind(pk_hex).bind(final_seq)
        .execute(p).await.map(|r| r.rows_affected()))
        .context("cannot record the committee key")?;
    Ok(n == 1)
}

/// Starts attempt `attempt + 1` with `members`; false if the committee moved on meanwhile.
pub async fn restart(db: &Db, id: i64, attempt: i64, members: &[Member]) -> Result<bool> {
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query(
            "UPDATE committees SET attempt = $2 + 1 WHERE id = $1 AND attempt = $2 AND status = 'ceremony'",
        )
        .bind(id).bind(attempt).execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return Ok(false);
        }
        for m in members {
            sqlx::query(
                "INSERT INTO committee_members (committee_id, attempt, idx, serial, name, public_key) \
                 VALUES ($1, $2 + 1, $3, $4, $5, $6)",
            )
            .bind(id).bind(attempt).bind(m.index).bind(&m.serial).bind(&m.name).bind(&m.public_key)
            .execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(true)
    }.await)
    .context("cannot restart the ceremony")
}

/// An official certificate the platform issued: (name, SEC1 key hex), if `serial` is one.
pub async fn official(db: &Db, serial: &str) -> Result<Option<(String, String)>> {
    let sql = "SELECT p.name, c.public_key FROM person_certificates c JOIN people p ON p.id = c.person_id \
               WHERE c.serial = $1 AND c.role = 'official'";
    with_pool!(db, p => sqlx::query_as(sql).bind(serial).fetch_optional(p).await)
        .context("cannot read the official's certificate")
}

/// Records official `index`'s signature on the key statement of `attempt`;
/// false if that official had already signed (the first signature stays).
pub async fn add_statement_signature(
    db: &Db,
    id: i64,
    attempt: i64,
    index: i64,
    signature: &[u8],
    signed_by: &str,
    at: &str,
) -> Result<bool> {
    let _gate = db.write_gate().await?;
    let sql = "INSERT INTO committee_statement_signatures \
               (committee_id, attempt, official_index, signature, signed_by, signed_at) \
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
    let n = with_pool!(db, p => sqlx::query(sql).bind(id).bind(attempt).bind(index).bind(signature)
        .bind(signed_by).bind(at).execute(p).await.map(|r| r.rows_affected()))
    .context("cannot record the statement signature")?;
    Ok(n == 1)
}

/// The statement signatures of `attempt`: (official index, SM2 DER).
pub async fn statement_signatures(db: &Db, id: i64, attempt: i64) -> Result<Vec<(i64, Vec<u8>)>> {
    let sql = "SELECT official_index, signature FROM committee_statement_signatures \
               WHERE committee_id = $1 AND attempt = $2 ORDER BY official_index";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).bind(attempt).fetch_all(p).await)
        .context("cannot read the statement signatures")
}
