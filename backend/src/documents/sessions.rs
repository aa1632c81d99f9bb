//! Signing sessions: a prepared signature waiting for the signer's SM2
//! signature, stored so any server process can finish it. Contracts keep
//! theirs in `signing_sessions` (0006), filings in `filing_signing_sessions`
//! (0007); both have the same columns apart from the document's id column
//! and the filings' `rendered`.

use anyhow::{Context, Result};

use crate::db::Db;
use crate::with_pool;

/// Which kind of document a session signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// A purchase contract.
    Contract,
    /// A regulatory filing.
    Filing,
}

impl Doc {
    /// The document's name in messages and audit actions (`contract`, `filing`).
    pub fn noun(self) -> &'static str {
        match self {
            Doc::Contract => "contract",
            Doc::Filing => "filing",
        }
    }

    /// The table holding this kind's sessions.
    pub fn table(self) -> &'static str {
        match self {
            Doc::Contract => "signing_sessions",
            Doc::Filing => "filing_signing_sessions",
        }
    }

    fn id_column(self) -> &'static str {
        match self {
            Doc::Contract => "contract_id",
            Doc::Filing => "filing_id",
        }
    }

    /// The `rendered` column as selected (contracts have none).
    fn rendered_column(self) -> &'static str {
        match self {
            Doc::Contract => "CAST(NULL AS BYTEA)",
            Doc::Filing => "rendered",
        }
    }
}

/// A prepared signature waiting for the signer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    /// Random id (hex).
    pub id: String,
    /// The contract or filing.
    pub doc_id: i64,
    /// The revision it was prepared on (for a filing's first signature: the
    /// revision the rendering will be stored as, minus one).
    pub base_rev: i64,
    /// The freshly rendered, unsigned PDF the signature was prepared on, when
    /// it is not a stored revision yet (filings only).
    pub rendered: Option<Vec<u8>>,
    /// The seal.
    pub seal_id: i64,
    /// Who may finish it.
    pub signer_serial: String,
    /// The signature field.
    pub field_name: String,
    /// The PDF with the empty signature.
    pub prepared: Vec<u8>,
    /// `/ByteRange` as JSON `[a, b, c, d]`.
    pub byte_range: String,
    /// SM3 of the covered bytes.
    pub digest: Vec<u8>,
    /// The DER `TBS_Sign` to sign.
    pub tbs: Vec<u8>,
    /// Expiry, RFC 3339.
    pub expires_at: String,
    /// When it was finished.
    pub used_at: Option<String>,
}

/// Stores a session of a `doc`.
pub async fn insert(db: &Db, doc: Doc, x: &Session) -> Result<()> {
    let (table, id_col) = (doc.table(), doc.id_column());
    let (rendered_col, rendered_val) = match doc {
        Doc::Contract => ("", ""),
        Doc::Filing => (", rendered", ", $12"),
    };
    let sql = format!(
        "INSERT INTO {table} (id, {id_col}, base_rev, seal_id, signer_serial, field_name, prepared, byte_range, \
         digest, tbs, expires_at{rendered_col}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11{rendered_val})"
    );
    with_pool!(db, p => {
        let q = sqlx::query(&sql).bind(&x.id).bind(x.doc_id).bind(x.base_rev).bind(x.seal_id)
            .bind(&x.signer_serial).bind(&x.field_name).bind(&x.prepared).bind(&x.byte_range).bind(&x.digest)
            .bind(&x.tbs).bind(&x.expires_at);
        let q = if doc == Doc::Filing { q.bind(&x.rendered) } else { q };
        q.execute(p).await.map(|_| ())
    })
    .context("cannot store the signing session")?;
    Ok(())
}

/// One session of a `doc`.
pub async fn get(db: &Db, doc: Doc, id: &str) -> Result<Option<Session>> {
    let sql = format!(
        "SELECT id, {} AS doc_id, base_rev, {} AS rendered, seal_id, signer_serial, field_name, prepared, \
         byte_range, digest, tbs, expires_at, used_at FROM {} WHERE id = $1",
        doc.id_column(),
        doc.rendered_column(),
        doc.table()
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("cannot read the signing session")
}
