//! Running the independent checkers: qpdf and poppler-utils (pdfsig, pdffonts, pdftoppm, pdftotext).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `program args…` in `dir`; returns (success, stdout + stderr).
pub fn run(dir: &Path, program: &str, args: &[&str]) -> (bool, String) {
    let out =
        Command::new(program).args(args).current_dir(dir).output().unwrap_or_else(|e| {
            panic!("{program} runs (scripts/setup.sh installs qpdf and poppler-utils): {e}")
        });
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// `qpdf --check` must pass without warnings.
pub fn qpdf_check(dir: &Path, name: &str) {
    let (ok, text) = run(dir, "qpdf", &["--check", name]);
    assert!(ok, "qpdf --check {name} failed:\n{text}");
    assert!(text.contains("No syntax or stream encoding errors found"), "qpdf --check {name}:\n{text}");
    assert!(!text.to_lowercase().contains("warning"), "qpdf --check {name} warns:\n{text}");
}

/// One signature as `pdfsig` lists it.
#[derive(Debug)]
pub struct PdfsigEntry {
    pub field: String,
    pub ranges: Vec<(usize, usize)>,
}

/// Parses `pdfsig` output: field names and `Signed Ranges: [a - b], [c - d]`.
pub fn pdfsig(dir: &Path, name: &str) -> (Vec<PdfsigEntry>, String) {
    let (_, text) = run(dir, "pdfsig", &["-nocert", name]);
    let mut entries: Vec<PdfsigEntry> = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches("- ");
        if line.starts_with("Signature #") {
            entries.push(PdfsigEntry { field: String::new(), ranges: Vec::new() });
        } else if let (Some(e), Some(f)) = (entries.last_mut(), line.strip_prefix("Signature Field Name: ")) {
            e.field = f.to_owned();
        } else if let (Some(e), Some(r)) = (entries.last_mut(), line.strip_prefix("Signed Ranges: ")) {
            for part in r.split("],") {
                let nums: Vec<usize> = part
                    .trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace())
                    .split(" - ")
                    .map(|n| n.trim().parse().unwrap())
                    .collect();
                e.ranges.push((nums[0], nums[1]));
            }
        }
    }
    (entries, text)
}
