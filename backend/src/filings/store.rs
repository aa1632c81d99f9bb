//! The `filings`, `filing_attachments` and `filing_revisions` tables (0007).
//! Every change of a filing commits in one transaction with its audit event
//! ([`crate::audit::chain::append_in`]): a change is recorded, or neither is.

use anyhow::{Context, Result};
use serde::Serialize;

use crate::audit::NewEvent;
use crate::audit::chain::append_in;
use crate::db::Db;
use crate::documents::sessions::Session;
use crate::with_pool;

/// A filing as stored (attachments and revisions are separate).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FilingRow {
    /// Id.
    pub id: i64,
    /// Filing number, e.g. `BA2026-000001`.
    pub number: String,
    /// Kind code ([`sealbid_sealing::pdf::render::FilingKind`]).
    pub kind: String,
    /// The filing organisation's credit code.
    pub org_uscc: String,
    /// The filing organisation's name.
    pub org_name: String,
    /// The filer's title of the filing.
    pub title: String,
    /// The form's values, a JSON object by field key.
    #[serde(skip)]
    pub fields: String,
    /// `draft`, `submitted`, `approved` or `rejected`.
    pub status: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The revision that is the filing's PDF now; 0 while unsigned.
    pub current_rev: i64,
    /// Who created it (certificate serial).
    pub created_by: String,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
    /// Submitted to the regulator, RFC 3339.
    pub submitted_at: Option<String>,
    /// The regulator who approved or rejected it (certificate serial).
    pub decided_by: Option<String>,
    /// Approved or rejected, RFC 3339.
    pub decided_at: Option<String>,
    /// Kept at least until, RFC 3339.
    pub retain_until: String,
}

const FILING: &str = "id, number, kind, org_uscc, org_name, title, fields, status, reason, current_rev, \
    created_by, created_at, updated_at, submitted_at, decided_by, decided_at, retain_until";

/// The current upload of one checklist item.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AttachmentMeta {
    /// Checklist item number.
    pub item: i64,
    /// Uploads of this item so far (the current one is the last).
    pub version: i64,
    /// Bytes.
    pub size: i64,
    /// Who uploaded it (certificate serial).
    pub uploaded_by: String,
    /// Uploaded, RFC 3339.
    pub uploaded_at: String,
}

/// One revision's metadata.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Revision {
    /// From 1: the rendered form with attachments, then one per signature.
    pub rev: i64,
    /// The signer's certificate serial (none for a rendering).
    pub signer_serial: Option<String>,
    /// The signer's organisation.
    pub signer_uscc: Option<String>,
    /// The seal used.
    pub seal_id: Option<i64>,
    /// Created, RFC 3339.
    pub created_at: String,
    /// When an attachment upload voided it.
    pub voided_at: Option<String>,
}

/// A new filing.
#[derive(Debug, Clone)]
pub struct NewFiling<'a> {
    /// Number.
    pub number: &'a str,
    /// Kind code.
    pub kind: &'a str,
    /// Organisation.
    pub org_uscc: &'a str,
    /// Organisation's name.
    pub org_name: &'a str,
    /// Title.
    pub title: &'a str,
    /// Field values, JSON.
    pub fields: &'a str,
    /// Creator (certificate serial).
    pub by: &'a str,
    /// Now, RFC 3339.
    pub now: &'a str,
    /// End of retention, RFC 3339.
    pub retain_until: &'a str,
}

/// Stores a draft filing and its `filing.created` event (`details`); its id.
pub async fn insert(db: &Db, f: &NewFiling<'_>, details: serde_json::Value) -> Result<i64> {
    let sql = "INSERT INTO filings (number, kind, org_uscc, org_name, title, fields, status, current_rev, \
        created_by, created_at, updated_at, retain_until) VALUES ($1, $2, $3, $4, $5, $6, 'draft', 0, $7, $8, $8, $9) \
        RETURNING id";
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let id: i64 = sqlx::query_scalar(sql).bind(f.number).bind(f.kind).bind(f.org_uscc).bind(f.org_name)
            .bind(f.title).bind(f.fields).bind(f.by).bind(f.now).bind(f.retain_until)
            .fetch_one(&mut *tx).await?;
        let event = NewEvent { actor: f.by.to_string(), action: "filing.created".into(), subject: id.to_string(),
            details };
        append_in!(tx, event)?;
        tx.commit().await?;
        anyhow::Ok(id)
    }.await)
    .context("cannot store the filing")
}

/// One filing.
pub async fn get(db: &Db, id: i64) -> Result<Option<FilingRow>> {
    let sql = format!("SELECT {FILING} FROM filings WHERE id = $1");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("cannot read the filing")
}

/// Filings of organisation `org` (any status), or of every organisation
/// past the draft; optionally of one status.
pub async fn list(db: &Db, org: Option<&str>, status: Option<&str>) -> Result<Vec<FilingRow>> {
    let sql = format!(
        "SELECT {FILING} FROM filings WHERE (($1 IS NULL AND status <> 'draft') OR org_uscc = $1) \
         AND ($2 IS NULL OR status = $2) ORDER BY id"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(org).bind(status).fetch_all(p).await)
        .context("cannot list filings")
}

/// The current upload of each item of a filing, by item.
pub async fn attachments(db: &Db, id: i64) -> Result<Vec<AttachmentMeta>> {
    let sql = "SELECT a.item, a.version, a.size, a.uploaded_by, a.uploaded_at FROM filing_attachments a \
        WHERE a.filing_id = $1 AND a.version = (SELECT MAX(b.version) FROM filing_attachments b \
        WHERE b.filing_id = a.filing_id AND b.item = a.item) ORDER BY a.item";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)
        .context("cannot read the attachments")
}

/// The current PDF of every uploaded item, by item.
pub async fn attachment_pdfs(db: &Db, id: i64) -> Result<Vec<(i64, Vec<u8>)>> {
    let sql = "SELECT a.item, a.pdf FROM filing_attachments a WHERE a.filing_id = $1 AND a.version = \
        (SELECT MAX(b.version) FROM filing_attachments b WHERE b.filing_id = a.filing_id AND b.item = a.item) \
        ORDER BY a.item";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)
        .context("cannot read the attachments")
}

/// The current PDF of one item.
pub async fn attachment_pdf(db: &Db, id: i64, item: i64) -> Result<Option<Vec<u8>>> {
    let sql =
        "SELECT pdf FROM filing_attachments WHERE filing_id = $1 AND item = $2 ORDER BY version DESC LIMIT 1";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(id).bind(item).fetch_optional(p).await)
        .context("cannot read the attachment")
}

/// An upload of a checklist item.
#[derive(Debug, Clone)]
pub struct Upload<'a> {
    /// Filing.
    pub filing_id: i64,
    /// The filing's current revision when it was read.
    pub rev_was: i64,
    /// Item number.
    pub item: i64,
    /// Item name.
    pub name: &'a str,
    /// The PDF.
    pub pdf: &'a [u8],
    /// Uploader (certificate serial).
    pub by: &'a str,
    /// Now, RFC 3339.
    pub now: &'a str,
}

/// Adds a version of an item, if the filing is still a draft at `rev_was`,
/// with its audit event, in one transaction. An upload changes the filing:
/// a signature made before it is voided (the filing is unsigned again, the
/// revisions keep their rows) and signing sessions still open are ended.
/// False (nothing stored) if the filing moved meanwhile.
pub async fn add_attachment(db: &Db, u: &Upload<'_>, event: NewEvent) -> Result<bool> {
    let filing = "UPDATE filings SET current_rev = 0, updated_at = $3 \
                  WHERE id = $1 AND status = 'draft' AND current_rev = $2";
    let void = "UPDATE filing_revisions SET voided_at = $2 WHERE filing_id = $1 AND voided_at IS NULL";
    let sessions = "UPDATE filing_signing_sessions SET used_at = $2 WHERE filing_id = $1 AND used_at IS NULL";
    let version =
        "SELECT COALESCE(MAX(version), 0) + 1 FROM filing_attachments WHERE filing_id = $1 AND item = $2";
    let insert = "INSERT INTO filing_attachments (filing_id, item, version, name, pdf, size, uploaded_by, \
                  uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query(filing).bind(u.filing_id).bind(u.rev_was).bind(u.now)
            .execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return anyhow::Ok(false);
        }
        sqlx::query(void).bind(u.filing_id).bind(u.now).execute(&mut *tx).await?;
        sqlx::query(sessions).bind(u.filing_id).bind(u.now).execute(&mut *tx).await?;
        let v: i64 = sqlx::query_scalar(version).bind(u.filing_id).bind(u.item).fetch_one(&mut *tx).await?;
        sqlx::query(insert).bind(u.filing_id).bind(u.item).bind(v).bind(u.name).bind(u.pdf)
            .bind(i64::try_from(u.pdf.len())?).bind(u.by).bind(u.now).execute(&mut *tx).await?;
        append_in!(tx, event)?;
        tx.commit().await?;
        Ok(true)
    }.await)
    .context("cannot store the attachment")
}

/// The revisions of a filing.
pub async fn revisions(db: &Db, id: i64) -> Result<Vec<Revision>> {
    let sql = "SELECT rev, signer_serial, signer_uscc, seal_id, created_at, voided_at FROM filing_revisions \
               WHERE filing_id = $1 ORDER BY rev";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await).context("cannot read the revisions")
}

/// The PDF of one revision.
pub async fn pdf(db: &Db, id: i64, rev: i64) -> Result<Option<Vec<u8>>> {
    let sql = "SELECT pdf FROM filing_revisions WHERE filing_id = $1 AND rev = $2";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(id).bind(rev).fetch_optional(p).await)
        .context("cannot read the filing PDF")
}

/// The next revision number of a filing (voided ones count: numbers are never reused).
pub async fn next_rev(db: &Db, id: i64) -> Result<i64> {
    let sql = "SELECT COALESCE(MAX(rev), 0) + 1 FROM filing_revisions WHERE filing_id = $1";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(id).fetch_one(p).await)
        .context("cannot read the revisions")
}

/// A finished filing signature to commit.
#[derive(Debug, Clone)]
pub struct Signed<'a> {
    /// The session (its `rendered` PDF, if any, is stored as the revision before `rev`).
    pub session: &'a Session,
    /// The filing's status before and after.
    pub status: (&'a str, &'a str),
    /// The new revision number.
    pub rev: i64,
    /// The signed PDF.
    pub pdf: &'a [u8],
    /// The signer's organisation.
    pub signer_uscc: &'a str,
    /// Whether the signature decides the filing (sets `decided_by`, `decided_at`).
    pub decides: bool,
}

/// Commits a signature in one transaction with `event`: the session used
/// up, the rendering (if the session holds one) and the signed revision, the
/// filing's status and current revision — only if the filing is still at
/// the session's base revision and the old status. False if anything moved.
pub async fn commit_signature(db: &Db, x: &Signed<'_>, now: &str, event: NewEvent) -> Result<bool> {
    let session = "UPDATE filing_signing_sessions SET used_at = $2 WHERE id = $1 AND used_at IS NULL";
    let filing = "UPDATE filings SET status = $4, current_rev = $5, updated_at = $6, \
                  decided_by = CASE WHEN $7 THEN $8 ELSE decided_by END, \
                  decided_at = CASE WHEN $7 THEN $6 ELSE decided_at END \
                  WHERE id = $1 AND status = $2 AND current_rev = $3";
    let revision = "INSERT INTO filing_revisions (filing_id, rev, pdf, signer_serial, signer_uscc, seal_id, \
                    created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let s = x.session;
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let a = sqlx::query(session).bind(&s.id).bind(now).execute(&mut *tx).await?.rows_affected();
        let b = sqlx::query(filing).bind(s.doc_id).bind(x.status.0).bind(s.base_rev).bind(x.status.1)
            .bind(x.rev).bind(now).bind(x.decides).bind(&s.signer_serial).execute(&mut *tx).await?.rows_affected();
        if a != 1 || b != 1 {
            return anyhow::Ok(false);
        }
        if let Some(rendered) = &s.rendered {
            sqlx::query(revision).bind(s.doc_id).bind(x.rev - 1).bind(rendered).bind(None::<String>)
                .bind(None::<String>).bind(None::<i64>).bind(now).execute(&mut *tx).await?;
        }
        sqlx::query(revision).bind(s.doc_id).bind(x.rev).bind(x.pdf).bind(&s.signer_serial)
            .bind(x.signer_uscc).bind(s.seal_id).bind(now).execute(&mut *tx).await?;
        append_in!(tx, event)?;
        tx.commit().await?;
        Ok(true)
    }.await)
    .context("cannot store the signature")
}

/// Moves a filing from `status_was` (at revision `rev_was`) to `status`,
/// with `reason` and, for a decision, who decided, in one transaction with
/// `event`. False (nothing recorded) if it was not at that state.
pub async fn transition(
    db: &Db,
    id: i64,
    (status_was, rev_was): (&str, i64),
    (status, reason): (&str, Option<&str>),
    now: &str,
    event: NewEvent,
) -> Result<bool> {
    let sql = "UPDATE filings SET status = $4, reason = $5, updated_at = $6, \
               submitted_at = CASE WHEN $4 = 'submitted' THEN $6 ELSE submitted_at END, \
               decided_by = CASE WHEN $4 IN ('approved', 'rejected') THEN $7 ELSE decided_by END, \
               decided_at = CASE WHEN $4 IN ('approved', 'rejected') THEN $6 ELSE decided_at END \
               WHERE id = $1 AND status = $2 AND current_rev = $3";
    let _gate = db.write_gate().await?;
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query(sql).bind(id).bind(status_was).bind(rev_was).bind(status).bind(reason).bind(now)
            .bind(&event.actor).execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return anyhow::Ok(false);
        }
        append_in!(tx, event)?;
        tx.commit().await?;
        Ok(true)
    }.await)
    .context("cannot change the filing")
}
