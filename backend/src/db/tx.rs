//! [`Tx`]: a transaction on either engine, so a multi-step change (an
//! approval: claim, CA work, records) is written as straight-line code and
//! committed once. Dropping a `Tx` without [`Tx::commit`] rolls it back.

use anyhow::{Context, Result};
use sqlx::{Postgres, Sqlite, Transaction};

use super::{Db, GateGuard};

/// An open transaction on the platform's database.
#[derive(Debug)]
pub enum Tx {
    /// On SQLite (holds this process's write gate from the start and the
    /// database write lock from its first write, until it ends).
    Sqlite(Transaction<'static, Sqlite>, GateGuard),
    /// On PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
}

/// Runs the same expression on whichever connection `tx` holds; `$conn` is
/// bound to `&mut SqliteConnection` or `&mut PgConnection` in turn.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t, _) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

impl Tx {
    /// Begins a transaction.
    pub async fn begin(db: &Db) -> Result<Self> {
        let tx = match db {
            Db::Sqlite(p, _) => {
                let gate = db.write_gate().await?.context("a SQLite database has a write gate")?;
                p.begin().await.map(|t| Tx::Sqlite(t, gate))
            }
            Db::Postgres(p) => p.begin().await.map(Tx::Postgres),
        };
        tx.context("cannot begin a transaction")
    }

    /// Commits: every write made through it becomes visible at once.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t, _gate) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
        .context("cannot commit the transaction")
    }
}
