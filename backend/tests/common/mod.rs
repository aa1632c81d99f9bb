//! The runner every CLI test shares: a temporary directory holding the data
//! directory (`data/`) and the files a test writes, and `sealbid` run in it
//! as a real process with fixed CA and key passwords and no inherited data
//! directory or database.
//!
//! Each test file adds its own set-up helpers with `impl Env { … }` (the
//! type belongs to the test crate that includes this module).

#![allow(dead_code)] // each test crate uses a different part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The CA password the tests' data directories use.
pub const CA_PW: &str = "ca-password-for-tests";
/// The password of every key file the tests write.
pub const KEY_PW: &str = "key-password-for-tests";

/// One test's working directory.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// A fresh, empty directory.
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("a temporary directory") }
    }

    /// The data directory (`data/`, created by `sealbid init`).
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A file in the working directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// [`Env::path`] as a string, for command lines.
    pub fn p(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }

    /// A file in the data directory, as a string.
    pub fn d(&self, name: &str) -> String {
        self.data().join(name).to_string_lossy().into_owned()
    }

    /// Writes a text file into the working directory.
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).expect("the test can write its files");
    }

    /// Runs `sealbid --data-dir DATA ARGS…`.
    pub fn sealbid_in(&self, data: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sealbid"))
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .env("SEALBID_CA_PASSWORD", CA_PW)
            .env("SEALBID_KEY_PASSWORD", KEY_PW)
            .env_remove("SEALBID_DATA_DIR")
            .env_remove("SEALBID_DATABASE_URL")
            .env_remove("DATABASE_URL")
            .output()
            .expect("the sealbid binary runs")
    }

    /// Runs `sealbid` on this test's data directory.
    pub fn sealbid(&self, args: &[&str]) -> Output {
        self.sealbid_in(&self.data(), args)
    }

    /// Runs sealbid and insists it succeeds; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.sealbid(args);
        assert!(out.status.success(), "sealbid {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("sealbid prints UTF-8")
    }

    /// Runs sealbid and insists it fails cleanly — exit 1, no panic; returns
    /// (stdout, stderr). A verification that fails prints its report on
    /// stdout, so nothing is required of stderr here.
    pub fn fails_with_output(&self, args: &[&str]) -> (String, String) {
        let out = self.sealbid(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "sealbid {args:?} should fail with exit 1; stderr:\n{stderr}");
        assert!(!stderr.contains("panicked"), "sealbid {args:?} panicked:\n{stderr}");
        (String::from_utf8(out.stdout).expect("sealbid prints UTF-8"), stderr)
    }

    /// Runs sealbid and insists it fails cleanly with an `error: …` message;
    /// returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let (_, stderr) = self.fails_with_output(args);
        assert!(stderr.starts_with("error: "), "error output should start with 'error: ':\n{stderr}");
        stderr
    }
}
