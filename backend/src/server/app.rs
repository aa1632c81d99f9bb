//! Building the application and serving it on a listener.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use sealbid_crypto::tsp::TimeStampAuthority;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::{ApiError, Config, Secret};
use crate::audit::{self, NewEvent};
use crate::datadir::DataDir;
use crate::db::Db;
use crate::db::counters::{self, TSA_SERIAL};
use crate::setup::{InitOptions, initialise};

/// What every handler can reach. Cheap to clone; holds nothing another
/// server process would need (all shared state is in the database).
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The data directory (CA certificates, CRL, index).
    pub data_dir: DataDir,
    /// The time-stamping authority, key loaded once at start.
    pub tsa: Arc<TimeStampAuthority>,
    /// The platform's signing key (receipts, tenders, results).
    pub platform: Arc<crate::platform::Platform>,
    /// The transparency log's signing key.
    pub log: Arc<crate::tlog::LogSigner>,
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// Openings running in this process (so a second request does not start another).
    pub openings: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// Batches the pairing checks of concurrent bid submissions.
    pub ciphertexts: crate::bids::ciphertexts::CiphertextChecker,
    /// Time-stamp serials for bid receipts, reserved in blocks.
    pub receipt_serials: Arc<counters::Reserved>,
    /// SM3 of each ready committee's key, as intake compares envelopes with
    /// it (a ready committee's key never changes).
    pub committee_keys: Arc<std::sync::Mutex<std::collections::HashMap<i64, sealbid_crypto::Sm3Digest>>>,
}

/// A server started by [`launch`].
#[derive(Debug)]
pub struct Running {
    /// The address it listens on (the real port when started on port 0).
    pub addr: SocketAddr,
    /// The database engine: `"sqlite"` or `"postgres"`.
    pub engine: &'static str,
    db: Db,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    ticker: JoinHandle<()>,
    checkpointer: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.ticker.abort();
        self.checkpointer.abort();
    }
}

impl Running {
    /// Stops accepting, finishes requests in flight, closes the database.
    pub async fn shutdown(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.ticker.abort();
        self.checkpointer.abort();
        let served = (&mut self.task).await;
        self.db.close().await;
        served.context("the server task failed")?.context("the server stopped with an error")
    }

    /// Serves until the server stops by itself (an I/O error).
    pub async fn wait(mut self) -> Result<()> {
        let served = (&mut self.task).await;
        self.db.close().await;
        served.context("the server task failed")?.context("the server stopped with an error")
    }
}

/// Prepares the platform and serves it on `listener` in a background task.
///
/// On the way: initialises the data directory if it is empty (as `sealbid
/// init` would, with `config.ca_password`), opens the database and runs its
/// migrations, loads the TSA key and records `server.start` in the audit
/// trail. Any failure there is returned before anything is served.
pub async fn launch(listener: TcpListener, mut config: Config) -> Result<Running> {
    let addr = listener.local_addr().context("the listener has no local address")?;
    // Without a configured public URL the server is reached where it listens
    // (the real port when bound to port 0): login and CSRF checks compare origins with it.
    if config.public_url.is_none() {
        config.public_url = Some(format!("http://{addr}"));
    }
    let state = prepare(config).await?;
    let engine = state.db.engine();
    let db = state.db.clone();
    let ticker = crate::manifests::spawn_ticker(state.clone());
    let checkpointer = crate::tlog::signer::spawn(state.clone());
    let app = router(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, engine, "sealbid is serving");
    Ok(Running { addr, engine, db, stop: Some(stop), task, ticker, checkpointer })
}

/// Prepares the platform state without serving it (also used by `sealbid bench opening`).
pub async fn prepare(config: Config) -> Result<AppState> {
    let dir = DataDir::new(&config.data_dir);
    let Some(password) = config.ca_password.clone() else {
        bail!("the server needs the CA password to load the TSA key: set SEALBID_CA_PASSWORD");
    };
    if !dir.is_initialised() {
        let opts = InitOptions { crl_url: format!("{}/pki/crl", config.base_url()), org: "sealbid".into() };
        let (d, pw) = (dir.clone(), password.clone());
        let created = tokio::task::spawn_blocking(move || initialise(&d, &opts, pw.expose().as_bytes()))
            .await
            .context("initialisation failed")??;
        for (a, cert) in &created {
            tracing::info!(authority = a.stem(), subject = %cert.subject(), "created");
        }
    }
    let tsa = crate::tsa::load(&dir, password.expose().as_bytes()).await?;
    let platform = crate::platform::load(&dir, password.expose().as_bytes()).await?;
    let log = crate::tlog::signer::load(&dir, password.expose().as_bytes()).await?;
    let db = Db::connect(dir.path(), config.database_url.as_ref().map(Secret::expose)).await?;
    migrate_sessions(&db).await?;
    // Serials the offline `sealbid ts stamp` already used are never reissued.
    let index = dir.read_index()?;
    counters::raise_to(&db, TSA_SERIAL, index.tsa_serial).await?;
    let start = NewEvent {
        actor: "system".into(),
        action: "server.start".into(),
        subject: String::new(),
        details: json!({ "version": env!("CARGO_PKG_VERSION"), "engine": db.engine(),
                         "pid": std::process::id() }),
    };
    audit::append(&db, start).await?;
    let state = AppState {
        db,
        data_dir: dir,
        tsa,
        platform,
        log,
        config: Arc::new(config),
        openings: Arc::default(),
        ciphertexts: crate::bids::ciphertexts::CiphertextChecker::start(
            std::thread::available_parallelism().map_or(2, usize::from),
        ),
        receipt_serials: Arc::new(counters::Reserved::new(TSA_SERIAL)),
        committee_keys: Arc::default(),
    };
    if state.config.demo && crate::demo::seed(&state).await? {
        tracing::info!(dir = %state.data_dir.path().join("demo").display(), "demo data created: see README.txt there");
    }
    crate::opening::resume_interrupted(&state).await?;
    Ok(state)
}

async fn migrate_sessions(db: &Db) -> Result<()> {
    match db {
        Db::Sqlite(p, _) => SqliteStore::new(p.clone()).migrate().await,
        Db::Postgres(p) => PostgresStore::new(p.clone()).migrate().await,
    }
    .context("cannot create the session table")
}

/// The whole application: every domain's routes, sessions in the database,
/// body limits, JSON errors for unknown routes, security headers on every
/// response (outermost, so errors and refusals carry them too).
pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit;
    let routes = Router::new()
        .merge(super::health::router())
        .merge(super::openapi::router())
        .merge(crate::pki::router())
        .merge(crate::tsa::router())
        .merge(crate::auth::router())
        .merge(crate::lifecycle::router())
        .merge(crate::audit::router())
        .merge(crate::tlog::router())
        .merge(crate::people::router())
        .merge(crate::committees::router())
        .merge(crate::tenders::router())
        .merge(crate::bids::router())
        .merge(crate::opening::router())
        .merge(crate::manifests::router())
        .merge(crate::seals::router())
        .merge(crate::documents::router())
        .merge(crate::filings::router())
        .merge(crate::stats::router())
        .merge(crate::organisations::router())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(super::web::fallback);
    let routes = match &state.db {
        Db::Sqlite(p, _) => routes.layer(sessions(SqliteStore::new(p.clone()), &state.config)),
        Db::Postgres(p) => routes.layer(sessions(PostgresStore::new(p.clone()), &state.config)),
    };
    routes
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::csrf::guard))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), declared_length_limit))
        .layer(middleware::from_fn(super::web::security_headers))
        .with_state(state)
}

fn sessions<S: tower_sessions::SessionStore + Clone>(store: S, config: &Config) -> SessionManagerLayer<S> {
    SessionManagerLayer::new(store)
        .with_name("sealbid_session")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::minutes(30)))
}

/// Refuses a body whose declared length exceeds the limit before reading it,
/// naming both numbers. (Bodies without a length are cut off by
/// `DefaultBodyLimit` while being read.)
async fn declared_length_limit(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let path = req.uri().path();
    let accepts = "this server accepts";
    // Decryption shares for a whole tender are one large signed upload.
    let (limit, what) = if path.ends_with("/opening/shares") {
        (crate::opening::MAX_SHARES_BODY.max(s.config.body_limit), accepts)
    } else if path == "/api/v1/verify" {
        (crate::documents::MAX_PDF_BODY.max(s.config.body_limit), accepts)
    } else if crate::filings::is_attachment_path(path) {
        (crate::filings::MAX_ATTACHMENT.max(s.config.body_limit), "a filing attachment may be")
    } else if path == "/api/v1/applications" {
        // The form may carry three seal image samples.
        (crate::lifecycle::MAX_APPLICATION_BODY.max(s.config.body_limit), accepts)
    } else {
        (s.config.body_limit, accepts)
    };
    match declared {
        Some(n) if n > limit as u64 => {
            ApiError::PayloadTooLarge(format!("the request body is {n} bytes; {what} at most {limit} bytes"))
                .into_response()
        }
        _ => next.run(req).await,
    }
}

/// The JSON 404 for a path no route (and not the web app) answers.
pub async fn not_found(req: Request) -> ApiError {
    ApiError::NotFound(format!("no route for {} {}", req.method(), req.uri().path()))
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not accept {}", req.uri().path(), req.method()))
}
