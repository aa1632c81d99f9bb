//! Storage: one seam over SQLite and PostgreSQL.
//!
//! # Design
//!
//! [`Db`] is an enum over sqlx's concrete pools, `SqlitePool` and `PgPool`,
//! rather than sqlx's `Any` driver, because:
//!
//! - the session store (tower-sessions-sqlx-store) needs the concrete pool of
//!   its engine, so the concrete pools exist anyway;
//! - the few places where the engines must differ (locking, migrations) are
//!   plain `match` arms instead of run-time SQL dialect checks;
//! - `Any` maps types through a lowest common denominator; the concrete
//!   drivers keep `BIGINT`/`INTEGER` as `i64` on both sides.
//!
//! SQL shared by both engines is written once with `$1`-style placeholders,
//! which both sqlx drivers accept, and run on either pool with
//! [`with_pool!`](crate::with_pool). Queries are plain `sqlx::query` with
//! binds — no compile-time checking — so building needs no database.
//!
//! SQLite lives in the data directory (`sealbid.db`, WAL journal, foreign
//! keys on, 5 s busy timeout); PostgreSQL is chosen by a `postgres://` URL.
//!
//! SQLite lets one connection write at a time, and a connection that finds
//! the write lock taken polls for it, sleeping 1, 2, 5, 10… ms between tries
//! (SQLite's busy handler). Under concurrent writes that left the CPU idle
//! while writers slept past the moment the lock came free — at bid intake,
//! about 8 sleeps per submission. So this process's writers queue for a
//! [`WriteGate`] first ([`Db::write_gate`]): an async lock handed straight
//! to the next waiter. The busy handler stays as the fallback for writers
//! in other processes (the CLI). PostgreSQL needs no gate.
//! Migrations for each engine (`migrations/sqlite`, `migrations/postgres`)
//! are embedded in the binary and run by [`Db::connect`].

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub mod counters;
mod tx;

pub use tx::Tx;

/// The SQLite migrations, embedded at build time.
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
/// The PostgreSQL migrations, embedded at build time.
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// File name of the embedded SQLite database inside the data directory.
pub const SQLITE_FILE: &str = "sealbid.db";

/// How long a writer waits for the [`WriteGate`] before giving up with an
/// error (a writer that waits this long is stuck, not busy).
const GATE_TIMEOUT: Duration = Duration::from_secs(30);

/// Queues this process's SQLite writers (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct WriteGate(Arc<tokio::sync::Mutex<()>>);

/// A writer's turn at SQLite: held until the write transaction ends.
pub type GateGuard = tokio::sync::OwnedMutexGuard<()>;

/// A connection pool to the platform's database.
#[derive(Debug, Clone)]
pub enum Db {
    /// The embedded default: SQLite in the data directory, with the gate its
    /// writers in this process queue at.
    Sqlite(SqlitePool, WriteGate),
    /// Scale-out: PostgreSQL, shared by any number of server processes.
    Postgres(PgPool),
}

/// Runs the same expression on whichever pool `db` holds; `$pool` is bound
/// to `&SqlitePool` or `&PgPool` in turn, so portable SQL is written once.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool, _) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Where the database is: the data directory's SQLite file, or a PostgreSQL URL.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Db {
    /// Opens the database (SQLite in `data_dir` unless `database_url` is a
    /// PostgreSQL URL), runs the migrations and brings audit events recorded
    /// before the transparency log existed into it.
    pub async fn connect(data_dir: &Path, database_url: Option<&str>) -> Result<Self> {
        let db = Self::open(data_dir, database_url, true).await?;
        db.migrate().await?;
        crate::tlog::store::backfill(&db).await?;
        Ok(db)
    }

    /// Opens the database without creating or migrating anything (for offline
    /// checks such as `sealbid audit verify`).
    pub async fn open_existing(data_dir: &Path, database_url: Option<&str>) -> Result<Self> {
        Self::open(data_dir, database_url, false).await
    }

    async fn open(data_dir: &Path, database_url: Option<&str>, create: bool) -> Result<Self> {
        match database_url {
            Some(url) if is_postgres_url(url) => {
                let opts =
                    PgConnectOptions::from_str(url).context("DATABASE_URL is not a valid PostgreSQL URL")?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .context("cannot connect to PostgreSQL")?;
                Ok(Db::Postgres(pool))
            }
            Some(url) if !url.is_empty() => {
                bail!("DATABASE_URL must be a postgres:// URL (SQLite lives in the data directory)")
            }
            _ => {
                let path = data_dir.join(SQLITE_FILE);
                let opts = SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(create)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(opts)
                    .await
                    .with_context(|| format!("cannot open {}", path.display()))?;
                Ok(Db::Sqlite(pool, WriteGate::default()))
            }
        }
    }

    /// Applies the engine's pending migrations (PostgreSQL takes an advisory
    /// lock, so several servers starting at once are safe).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p, _) => SQLITE_MIGRATIONS.run(p).await,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
        .context("cannot apply the database migrations")
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite(..) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Number of migrations recorded as applied successfully.
    pub async fn applied_migrations(&self) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
        let n: i64 = with_pool!(self, p => sqlx::query_scalar(sql).fetch_one(p).await)?;
        Ok(n)
    }

    /// Number of migrations this binary carries for the engine.
    pub fn known_migrations(&self) -> usize {
        match self {
            Db::Sqlite(..) => SQLITE_MIGRATIONS.iter().count(),
            Db::Postgres(_) => POSTGRES_MIGRATIONS.iter().count(),
        }
    }

    /// Waits for this process's turn to write to SQLite; hold the guard
    /// until the write (or the write transaction) has ended. `None` on
    /// PostgreSQL, whose writers need no queue.
    pub async fn write_gate(&self) -> Result<Option<GateGuard>> {
        match self {
            Db::Sqlite(_, gate) => tokio::time::timeout(GATE_TIMEOUT, gate.0.clone().lock_owned())
                .await
                .map(Some)
                .context("waited too long for the database write lock"),
            Db::Postgres(_) => Ok(None),
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }
}

#[cfg(test)]
mod gate_tests {
    //! The write gate works only if every SQLite write transaction takes it:
    //! a store function that opens a transaction without it falls back to
    //! SQLite's busy handler, whose sleeps cut intake throughput (see
    //! BENCHMARKS.md). This reads the crate's own sources and names any
    //! `begin()` whose function has not taken the gate first.

    use std::path::Path;

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("the source directory is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Whether `line` starts a function.
    fn starts_fn(line: &str) -> bool {
        let t = line.trim_start();
        ["fn ", "async fn ", "pub fn ", "pub async fn ", "pub(crate) async fn ", "pub(super) async fn "]
            .iter()
            .any(|p| t.starts_with(p))
    }

    #[test]
    fn every_write_transaction_takes_the_write_gate_first() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        // Spelt in two halves so that this line is not a match itself.
        let needle = concat!("p.", "begin()");
        let mut seen = 0;
        let mut ungated = Vec::new();
        for file in &files {
            // `Tx::begin` is where the gate is taken for the generic transactions.
            if file.ends_with("db/tx.rs") {
                continue;
            }
            let text = std::fs::read_to_string(file).expect("a readable source file");
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if !line.contains(needle) || line.trim_start().starts_with("//") {
                    continue;
                }
                seen += 1;
                let start = (0..i).rev().find(|&j| starts_fn(lines[j])).unwrap_or(0);
                if !lines[start..i].iter().any(|l| l.contains("write_gate()")) {
                    ungated.push(format!("{}:{}", file.display(), i + 1));
                }
            }
        }
        assert!(seen >= 10, "the scan found only {seen} transactions: is it still reading the sources?");
        assert!(ungated.is_empty(), "write transactions without the write gate: {ungated:?}");
    }
}
