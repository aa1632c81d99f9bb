//! Server configuration, layered: built-in defaults, then an optional TOML
//! file (`--config`), then `SEALBID_…` environment variables; command-line
//! flags (`--listen`) win over all three.
//!
//! | key (TOML) | environment | default |
//! |---|---|---|
//! | `listen` | `SEALBID_LISTEN` | `127.0.0.1:8080` |
//! | `public_url` | `SEALBID_PUBLIC_URL` | `http://<listen>` |
//! | `database_url` | `SEALBID_DATABASE_URL`, else `DATABASE_URL` | none: SQLite in the data directory |
//! | `body_limit` | `SEALBID_BODY_LIMIT` | `1048576` (bytes) |
//! | `secure_cookies` | `SEALBID_SECURE_COOKIES` | `false` (set when served over TLS) |
//! | `opening_chunk` | `SEALBID_OPENING_CHUNK` | `2000` (envelopes opened per stored chunk) |
//! | `checkpoint_secs` | `SEALBID_CHECKPOINT_SECS` | `30` (seconds between log checkpoints while entries arrive; the log promises at most 60) |
//! | `web_dir` | `SEALBID_WEB_DIR` | `frontend/dist` (the built web app, relative to the working directory) |
//! | — | `SEALBID_CA_PASSWORD` | prompt |
//!
//! The CA password is never read from the file. Secrets print as `[REDACTED]`.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;
use zeroize::Zeroizing;

/// A secret string: zeroized on drop, redacted in `Debug`.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory (CA, TSA and, by default, the SQLite database).
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The URL clients reach the server at (put into certificates' CRL URL).
    pub public_url: Option<String>,
    /// `postgres://…` to use PostgreSQL; `None` for SQLite in the data directory.
    pub database_url: Option<Secret>,
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// Mark the session cookie `Secure` (the server is reached over TLS).
    pub secure_cookies: bool,
    /// Password of the CA keys (the TSA key is loaded at start).
    pub ca_password: Option<Secret>,
    /// Seed demo organisations, people, key files and a committee on start (`--demo`).
    pub demo: bool,
    /// Envelopes the opening stores per chunk: a crash loses at most one
    /// chunk's work, and progress moves in steps of this size.
    pub opening_chunk: usize,
    /// Seconds between the log's checkpoints while entries arrive.
    pub checkpoint_secs: u64,
    /// The built web app (`scripts/build-frontend.sh` writes it), served at `/`.
    pub web_dir: PathBuf,
}

/// Where the built web app is looked for by default (relative to the working directory).
pub const DEFAULT_WEB_DIR: &str = "frontend/dist";

/// Default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// Default envelopes per stored opening chunk.
pub const DEFAULT_OPENING_CHUNK: usize = 2_000;

/// The keys a TOML configuration file may set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    public_url: Option<String>,
    database_url: Option<String>,
    body_limit: Option<usize>,
    secure_cookies: Option<bool>,
    opening_chunk: Option<usize>,
    checkpoint_secs: Option<u64>,
    web_dir: Option<PathBuf>,
}

impl Config {
    /// The built-in defaults for a data directory.
    pub fn defaults(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            database_url: None,
            body_limit: DEFAULT_BODY_LIMIT,
            secure_cookies: false,
            ca_password: None,
            demo: false,
            opening_chunk: DEFAULT_OPENING_CHUNK,
            checkpoint_secs: crate::tlog::CHECKPOINT_EVERY.as_secs(),
            web_dir: PathBuf::from(DEFAULT_WEB_DIR),
        }
    }

    /// Defaults, then `file` if given, then the process environment.
    pub fn load(data_dir: impl Into<PathBuf>, file: Option<&Path>) -> Result<Self> {
        Self::layered(data_dir, file, |k| std::env::var(k).ok())
    }

    /// Defaults, then `file`, then variables from `env` (a lookup function, so
    /// tests need not touch the process environment).
    pub fn layered(
        data_dir: impl Into<PathBuf>,
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let mut c = Self::defaults(data_dir);
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
            let f: FileConfig = toml::from_str(&text)
                .with_context(|| format!("{} is not a valid configuration", path.display()))?;
            c.apply_file(f);
        }
        c.apply_env(env)?;
        Ok(c)
    }

    fn apply_file(&mut self, f: FileConfig) {
        self.listen = f.listen.unwrap_or(self.listen);
        self.public_url = f.public_url.or(self.public_url.take());
        self.database_url = f.database_url.map(Secret::new).or(self.database_url.take());
        self.body_limit = f.body_limit.unwrap_or(self.body_limit);
        self.secure_cookies = f.secure_cookies.unwrap_or(self.secure_cookies);
        self.opening_chunk = f.opening_chunk.unwrap_or(self.opening_chunk);
        self.checkpoint_secs = f.checkpoint_secs.unwrap_or(self.checkpoint_secs);
        self.web_dir = f.web_dir.unwrap_or(std::mem::take(&mut self.web_dir));
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<()> {
        let get = |k: &str| env(k).filter(|v| !v.is_empty());
        if let Some(v) = get("SEALBID_LISTEN") {
            self.listen =
                v.parse().with_context(|| format!("SEALBID_LISTEN={v:?} is not an address:port"))?;
        }
        if let Some(v) = get("SEALBID_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = get("SEALBID_DATABASE_URL").or_else(|| get("DATABASE_URL")) {
            self.database_url = Some(Secret::new(v));
        }
        if let Some(v) = get("SEALBID_BODY_LIMIT") {
            self.body_limit =
                v.parse().with_context(|| format!("SEALBID_BODY_LIMIT={v:?} is not a byte count"))?;
        }
        if let Some(v) = get("SEALBID_OPENING_CHUNK") {
            self.opening_chunk = v
                .parse()
                .ok()
                .filter(|&n: &usize| n > 0)
                .with_context(|| format!("SEALBID_OPENING_CHUNK={v:?} is not a positive count"))?;
        }
        if let Some(v) = get("SEALBID_CHECKPOINT_SECS") {
            self.checkpoint_secs = v
                .parse()
                .ok()
                .filter(|n: &u64| (1..=3600).contains(n))
                .with_context(|| format!("SEALBID_CHECKPOINT_SECS={v:?} is not 1 to 3600 seconds"))?;
        }
        if let Some(v) = get("SEALBID_SECURE_COOKIES") {
            self.secure_cookies = matches!(v.as_str(), "1" | "true" | "yes" | "on");
        }
        if let Some(v) = get("SEALBID_WEB_DIR") {
            self.web_dir = PathBuf::from(v);
        }
        if let Some(v) = get(crate::secrets::CA_PASSWORD_ENV) {
            self.ca_password = Some(Secret::new(v));
        }
        Ok(())
    }

    /// The public base URL, without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order_and_secrets_are_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sealbid.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\nbody_limit = 10\ndatabase_url = \"postgres://u:pw@h/db\"\nweb_dir = \"/srv/app\"\n",
        )
        .unwrap();
        let env = |k: &str| match k {
            "SEALBID_BODY_LIMIT" => Some("20".to_string()),
            "SEALBID_CA_PASSWORD" => Some("hunter2".to_string()),
            _ => None,
        };
        let c = Config::layered("d", Some(&file), env).unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(c.body_limit, 20, "environment beats the file");
        assert_eq!(c.web_dir, PathBuf::from("/srv/app"), "the file sets the web app's directory");
        let web = |k: &str| (k == "SEALBID_WEB_DIR").then(|| "/opt/web".to_string());
        assert_eq!(Config::layered("d", Some(&file), web).unwrap().web_dir, PathBuf::from("/opt/web"));
        assert_eq!(Config::defaults("d").web_dir, PathBuf::from(DEFAULT_WEB_DIR));
        assert_eq!(c.database_url.as_ref().unwrap().expose(), "postgres://u:pw@h/db");
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("pw@"), "{shown}");
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sealbid.toml");
        std::fs::write(&file, "lisen = \"0.0.0.0:9000\"\n").unwrap();
        let err = format!("{:#}", Config::layered("d", Some(&file), |_| None).unwrap_err());
        assert!(err.contains("lisen"), "{err}");
    }
}
