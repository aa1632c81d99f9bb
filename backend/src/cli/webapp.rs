//! `sealbid webapp digest [DIR | --url URL]`: the SM3 digest of the web
//! app, as `scripts/build-frontend.sh` wrote it into `release.txt` and as
//! the app's footer shows it, computed here from a directory or from what a
//! running server serves, so an official can compare them.
//!
//! The digest (version `sealbid-webapp-v1`) covers every file of the built
//! app except `release.txt` itself:
//!
//! ```text
//! manifest = "sealbid-webapp-v1\n"
//!            ‖ for each file, by path in byte order:  hex(SM3(file)) "  " path "\n"
//! digest   = hex(SM3(manifest))
//! release.txt = manifest ‖ "digest " digest "\n"
//! ```
//!
//! Paths are relative to the app's root with `/` between directories; hex
//! is lower case. Over a URL the file list comes from the served
//! `release.txt` and every listed file is fetched and hashed here (the
//! hashes that file states are not trusted); a file added to or dropped
//! from the list changes the manifest and so the digest. `--expect DIGEST`
//! makes a different digest an error (exit 1).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use sealbid_crypto::hash::sm3;

/// The first line of the manifest: the version of the definition.
pub const VERSION: &str = "sealbid-webapp-v1";
/// The file the build writes the manifest and digest to (not itself covered).
pub const RELEASE_FILE: &str = "release.txt";

/// Web-app subcommands.
#[derive(Debug, Subcommand)]
pub enum WebappCommand {
    /// Compute the SM3 digest of the web app in DIR (default frontend/dist) or served at --url.
    Digest(DigestArgs),
}

/// Arguments of `sealbid webapp digest`.
#[derive(Debug, Args)]
pub struct DigestArgs {
    /// The built app's directory.
    #[arg(value_name = "DIR", conflicts_with = "url")]
    pub dir: Option<PathBuf>,
    /// A running server's base URL, e.g. https://procurement.example.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The digest the app must have (from the official release); a different one is an error.
    #[arg(long, value_name = "HEX")]
    pub expect: Option<String>,
}

/// The manifest of `(path, contents)` pairs, in the order given.
pub fn manifest<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut m = format!("{VERSION}\n");
    for (path, bytes) in files {
        m.push_str(&format!("{}  {path}\n", hex::encode(sm3(bytes))));
    }
    m
}

/// `hex(SM3(manifest))`.
pub fn digest(manifest: &str) -> String {
    hex::encode(sm3(manifest.as_bytes()))
}

/// The paths a `release.txt` lists, and the digest it states.
pub fn parse_release(text: &str) -> Result<(Vec<String>, String)> {
    let mut lines = text.lines();
    if lines.next() != Some(VERSION) {
        bail!("{RELEASE_FILE} does not start with {VERSION}");
    }
    let (mut paths, mut stated) = (Vec::new(), None);
    for line in lines {
        if let Some(d) = line.strip_prefix("digest ") {
            stated = Some(d.trim().to_string());
        } else if let Some((_, path)) = line.split_once("  ") {
            if stated.is_some() {
                bail!("{RELEASE_FILE} lists files after its digest");
            }
            paths.push(path.to_string());
        } else {
            bail!("{RELEASE_FILE} has a malformed line: {line:?}");
        }
    }
    Ok((paths, stated.context("release.txt states no digest")?))
}

/// Every file under `root` but `release.txt`, as `(path, contents)` sorted by path.
fn read_dir_files(root: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut found = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                todo.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(root)?
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>();
            let rel = rel.join("/");
            if rel != RELEASE_FILE {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                found.push((rel, bytes));
            }
        }
    }
    found.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(found)
}

/// The files of the app served at `base`, listed by its `release.txt`; and that file's text.
async fn fetch_files(base: &str) -> Result<(Vec<(String, Vec<u8>)>, String)> {
    let client = reqwest::Client::builder().no_proxy().build()?;
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{}/{path}", base.trim_end_matches('/'));
        async move {
            let resp = client.get(&url).send().await.with_context(|| format!("cannot fetch {url}"))?;
            if !resp.status().is_success() {
                bail!("{url}: HTTP {}", resp.status());
            }
            Ok(resp.bytes().await?.to_vec())
        }
    };
    let release = String::from_utf8(get(RELEASE_FILE.to_string()).await?)
        .context("the served release.txt is not UTF-8")?;
    let (paths, _) = parse_release(&release)?;
    let mut files = Vec::with_capacity(paths.len());
    for p in paths {
        files.push((p.clone(), get(p).await?));
    }
    Ok((files, release))
}

/// Runs a web-app subcommand.
pub fn run(cmd: WebappCommand) -> Result<()> {
    let WebappCommand::Digest(args) = cmd;
    let (files, release, source) = match &args.url {
        Some(url) => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let (files, release) = runtime.block_on(fetch_files(url))?;
            (files, Some(release), url.clone())
        }
        None => {
            let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("frontend/dist"));
            let files = read_dir_files(&dir)?;
            let release = std::fs::read_to_string(dir.join(RELEASE_FILE)).ok();
            (files, release, dir.display().to_string())
        }
    };
    if files.is_empty() {
        bail!("no web app files in {source}");
    }
    let m = manifest(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    let d = digest(&m);
    print!("{m}");
    println!("digest {d}");
    if let Some(release) = release {
        let (_, stated) = parse_release(&release)?;
        if stated != d {
            bail!("the web app in {source} has digest {d}, but its {RELEASE_FILE} states {stated}");
        }
    }
    if let Some(expect) = args.expect {
        if !expect.trim().eq_ignore_ascii_case(&d) {
            bail!("the web app in {source} has digest {d}, not the expected {}", expect.trim());
        }
        println!("matches the expected digest");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_names_each_file_with_its_sm3_in_order() {
        let m = manifest([("a.js", b"abc".as_slice()), ("b.wasm", b"".as_slice())]);
        // SM3("abc") from GB/T 32905-2016 appendix A.1.
        let abc = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
        assert!(m.starts_with(&format!("{VERSION}\n{abc}  a.js\n")), "{m}");
        let release = format!("{m}digest {}\n", digest(&m));
        let (paths, stated) = parse_release(&release).unwrap();
        assert_eq!((paths, stated), (vec!["a.js".to_string(), "b.wasm".to_string()], digest(&m)));
        assert_ne!(digest(&m), digest(&manifest([("b.wasm", b"".as_slice()), ("a.js", b"abc".as_slice())])));
        assert!(parse_release("other\ndigest 00\n").is_err());
        assert!(parse_release(&format!("{VERSION}\n")).is_err());
    }
}
