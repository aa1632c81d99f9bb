//! Helpers shared by the workspace-level tests.
//!
//! [`TestServer`] starts the real platform server in-process through
//! [`sealbid_backend::server::launch`] on `127.0.0.1:0`, with a fresh data
//! directory and a fresh database: SQLite in the data directory, or a new
//! PostgreSQL database `sealbid_t_<random>` (created through the `postgres`
//! database, dropped afterwards — even when the test panics).
//! [`sealbid_bin`] finds the real `sealbid` binary for tests that run it.

pub mod auth;
pub mod bidding;
pub mod documents;
pub mod filings;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sealbid_backend::server::{Config, Running, Secret, launch};
use sqlx::Connection;
use tempfile::TempDir;

pub use auth::{LoginAttempt, LoginOutcome, login};

/// CA password of every test data directory.
pub const CA_PW: &str = "ca-password-for-server-tests";

/// PostgreSQL server for tests: `SEALBID_TEST_PG`, default trust auth on localhost.
pub fn pg_base() -> String {
    std::env::var("SEALBID_TEST_PG").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432".into())
}

/// A database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// SQLite in the data directory.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

impl Engine {
    /// The name the health endpoint reports.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// A PostgreSQL database that exists for one test and is dropped with this guard.
#[derive(Debug)]
pub struct PgTestDb {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

impl PgTestDb {
    /// Creates `sealbid_t_<random>`.
    pub async fn create() -> Self {
        let name = format!("sealbid_t_{}", hex::encode(sealbid_crypto::rng::bytes::<8>().unwrap()));
        let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", pg_base())).await.expect(
            "PostgreSQL at SEALBID_TEST_PG (default postgres://root@127.0.0.1:5432) must be reachable",
        );
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
        admin.close().await.unwrap();
        Self { url: format!("{}/{name}", pg_base()), name }
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // A thread of its own: drop may run inside (or after) the test's runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&format!("{}/postgres", pg_base())).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// The audit head's lock held by [`TestServer::hold_audit_head`].
pub struct HeldLock {
    release: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl HeldLock {
    /// Rolls the holding transaction back, which releases the lock.
    pub async fn release(self) {
        let _ = self.release.send(());
        self.task.await.unwrap();
    }
}

/// The real server, started in-process on a random port.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The engine it runs on.
    pub engine: Engine,
    /// An HTTP client (rustls, no proxy).
    pub client: reqwest::Client,
    /// The server's database URL (`None` for SQLite).
    pub database_url: Option<String>,
    running: Option<Running>,
    second_operator: tokio::sync::OnceCell<String>,
    config: Config,
    pg: Option<PgTestDb>,
    data: TempDir,
}

/// An HTTP client that ignores proxy settings in the environment.
///
/// No idle connections are kept: after the server refuses an oversized body it
/// closes that connection, and a pooled client could pick the dying connection
/// for its next request and fail at random.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().pool_max_idle_per_host(0).build().unwrap()
}

/// A server configuration for `data_dir` listening on port 0.
pub fn test_config(data_dir: &Path, database_url: Option<&str>) -> Config {
    let mut c = Config::defaults(data_dir);
    c.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    c.database_url = database_url.map(Secret::new);
    c.ca_password = Some(Secret::new(CA_PW));
    c
}

impl TestServer {
    /// Starts a server on `engine` with a new data directory and database.
    pub async fn start(engine: Engine) -> Self {
        Self::start_with(engine, |_| {}).await
    }

    /// Like [`Self::start`], with a chance to change the configuration.
    pub async fn start_with(engine: Engine, adjust: impl FnOnce(&mut Config)) -> Self {
        let data = tempfile::tempdir().unwrap();
        let pg = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(PgTestDb::create().await),
        };
        let database_url = pg.as_ref().map(|p| p.url.clone());
        let mut config = test_config(&data.path().join("data"), database_url.as_deref());
        adjust(&mut config);
        let listener = tokio::net::TcpListener::bind(config.listen).await.unwrap();
        let running = launch(listener, config.clone()).await.expect("the server starts");
        Self {
            base: format!("http://{}", running.addr),
            engine,
            client: client(),
            database_url,
            running: Some(running),
            second_operator: tokio::sync::OnceCell::new(),
            config,
            pg,
            data,
        }
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.data.path().join("data")
    }

    /// A scratch directory for the test's own files.
    pub fn scratch(&self) -> &Path {
        self.data.path()
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The PostgreSQL database, if any.
    pub fn pg(&self) -> Option<&PgTestDb> {
        self.pg.as_ref()
    }

    /// Runs the real `sealbid` binary against this server's data directory
    /// and database.
    pub fn sealbid(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(sealbid_bin());
        cmd.arg("--data-dir").arg(self.data_dir()).args(args);
        cmd.env("SEALBID_CA_PASSWORD", CA_PW).env_remove("SEALBID_DATABASE_URL").env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    }

    /// Stops the server and starts it again on the same data directory and
    /// database (on a new port: `base` changes).
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind(self.config.listen).await.unwrap();
        let running = launch(listener, self.config.clone()).await.expect("the server restarts");
        self.base = format!("http://{}", running.addr);
        self.running = Some(running);
    }

    /// Stops the in-process server, keeping the data directory and database
    /// (for [`Self::serve_binary`] or [`Self::restart`]).
    pub async fn pause(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.unwrap();
        }
    }

    /// Starts the real `sealbid serve` binary on this data directory and
    /// database with extra environment variables `env`, on a free port; waits
    /// until it answers and points `base` at it. Pause the in-process server first.
    pub async fn serve_binary(&mut self, env: &[(&str, &str)]) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let listen = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(sealbid_bin());
        cmd.arg("--data-dir").arg(self.data_dir()).args(["serve", "--listen", &listen]);
        cmd.env("SEALBID_CA_PASSWORD", CA_PW).env_remove("SEALBID_DATABASE_URL").env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.envs(env.iter().copied()).stdout(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        self.base = format!("http://{listen}");
        for _ in 0..300 {
            if self.client.get(self.url("/api/v1/health")).send().await.is_ok_and(|r| r.status().is_success())
            {
                return ServerProcess(child);
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("sealbid serve exited at start: {status}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        panic!("sealbid serve did not answer on {listen}");
    }

    /// Issues a person certificate with the real binary (`sealbid ca issue`)
    /// for a new key; returns the key and the certificate (PEM).
    pub fn issue_person(&self, role: &str, common_name: &str) -> (sealbid_crypto::PrivateKey, String) {
        use sealbid_crypto::pki::{Csr, Role, SubjectInfo};
        let key = sealbid_crypto::PrivateKey::generate().unwrap();
        let subject = SubjectInfo {
            common_name: common_name.into(),
            organization: Some("福建某某制药有限公司".into()),
            uscc: Some(sealbid_crypto::Uscc::parse("91350100M000100Y43").unwrap()),
            role: Some(role.parse::<Role>().unwrap()),
        };
        let name = hex::encode(sealbid_crypto::rng::bytes::<6>().unwrap());
        let (csr, out) =
            (self.scratch().join(format!("{name}.csr")), self.scratch().join(format!("{name}.pem")));
        std::fs::write(&csr, Csr::create(&key, &subject).unwrap().to_pem().unwrap()).unwrap();
        let (csr_arg, out_arg) = (csr.to_string_lossy().into_owned(), out.to_string_lossy().into_owned());
        let done = self
            .sealbid(&["ca", "issue", "--csr", &csr_arg, "--role", role, "--days", "30", "--out", &out_arg]);
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
        (key, std::fs::read_to_string(out).unwrap())
    }

    /// Runs one SQL statement on the server's database (tests only).
    pub async fn sql_execute(&self, sql: &str) {
        match &self.database_url {
            Some(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
            None => {
                let mut c = self.sqlite().await;
                sqlx::query(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
        }
    }

    /// The first column (text) of every row a query returns (tests only).
    pub async fn sql_strings(&self, sql: &str) -> Vec<String> {
        match &self.database_url {
            Some(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                let rows = sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap();
                c.close().await.unwrap();
                rows
            }
            None => {
                let mut c = self.sqlite().await;
                let rows = sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap();
                c.close().await.unwrap();
                rows
            }
        }
    }

    /// The session cookie of a second operator (issued with `sealbid ca
    /// issue` and logged in once), for the approvals that need two.
    pub async fn second_operator(&self) -> &str {
        self.second_operator
            .get_or_init(|| async {
                let (key, pem) = self.issue_person("operator", "第二 运营");
                let out = login(&self.client, &self.base, &key, std::slice::from_ref(&pem)).await;
                out.cookie.expect("the second operator logs in")
            })
            .await
    }

    /// Locks the audit head from a connection of its own (on SQLite that is
    /// the database's write lock) and holds it until [`HeldLock::release`]:
    /// a stand-in for a commit that is slow to arrive. Returns once the lock is held.
    pub async fn hold_audit_head(&self) -> HeldLock {
        let (locked_tx, locked) = tokio::sync::oneshot::channel::<()>();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        const LOCK: &str = "UPDATE audit_head SET seq = seq WHERE id = 1";
        let task = match &self.database_url {
            Some(url) => {
                let url = url.clone();
                tokio::spawn(async move {
                    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                    let mut tx = c.begin().await.unwrap();
                    sqlx::query(LOCK).execute(&mut *tx).await.unwrap();
                    let _ = locked_tx.send(());
                    let _ = released.await;
                    tx.rollback().await.unwrap();
                })
            }
            None => {
                let mut c = self.sqlite().await;
                tokio::spawn(async move {
                    let mut tx = c.begin().await.unwrap();
                    sqlx::query(LOCK).execute(&mut *tx).await.unwrap();
                    let _ = locked_tx.send(());
                    let _ = released.await;
                    tx.rollback().await.unwrap();
                })
            }
        };
        locked.await.expect("the lock was taken");
        HeldLock { release, task }
    }

    async fn sqlite(&self) -> sqlx::SqliteConnection {
        let path = self.data_dir().join("sealbid.db");
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap()
    }

    /// Stops the server gracefully (the database is dropped with `self`).
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.unwrap();
        }
    }
}

/// A `sealbid serve` process started by [`TestServer::serve_binary`]; killed
/// when dropped, so a failing test leaves no server behind.
#[derive(Debug)]
pub struct ServerProcess(std::process::Child);

impl ServerProcess {
    /// Waits up to `limit` for the process to exit on its own.
    pub async fn exited_within(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.0.try_wait().unwrap() {
                return Some(status);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `sealbid` binary of this build: `SEALBID_BIN`, else `sealbid` next to
/// the test executable's `deps/` directory (built by `cargo test --workspace`,
/// or `cargo build -p sealbid-backend`).
pub fn sealbid_bin() -> PathBuf {
    if let Ok(p) = std::env::var("SEALBID_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(format!("sealbid{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing: run `cargo build -p sealbid-backend` first", bin.display());
    bin
}

/// Expands each named `async fn NAME(engine: Engine)` into one test per engine:
/// `sqlite::NAME` and `postgres::NAME`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Engine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Engine::Postgres).await
                }
            )*
        }
    };
}
