//! `manifest.json`: what one run of `kaohe assess` wrote into its output folder — every file
//! with its SHA-256 and length, the indicator sets' hashes, the evidence files' hashes and the
//! engine version — and [`verify`], which says whether a folder is exactly that.
//!
//! The manifest is written last, after every other file of the run is in place, and the
//! previous run's manifest is removed before the first file is replaced: a folder whose run was
//! interrupted has no manifest, or one that no longer matches, and `kaohe verify` says so.

use super::{WriteError, Written, write_atomic};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The manifest's file name in the output folder.
pub const MANIFEST: &str = "manifest.json";
/// Its schema.
pub const SCHEMA: &str = "kaohe.manifest/1";

/// What one run wrote and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub schema: String,
    /// `kaohe <version>`.
    pub engine: String,
    /// The indicator sets of the run, primary first.
    pub sets: Vec<SetEntry>,
    /// The evidence files read, as named on the command line (or the embedded default's names).
    pub evidence: Vec<FileEntry>,
    /// Every file written, relative to the output folder with `/`, in name order.
    pub files: Vec<FileEntry>,
    /// Files of the same generation written outside the folder (`decide --in-place`: the
    /// registry), as named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external: Vec<FileEntry>,
}

/// One indicator set: its id, version and the SHA-256 of its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetEntry {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

/// One file: its path, SHA-256 (hex) and length in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

impl Manifest {
    /// The manifest of files written below `root`, sorted by path.
    pub fn new(
        root: &Path,
        sets: Vec<SetEntry>,
        evidence: Vec<FileEntry>,
        written: &[Written],
    ) -> Self {
        let mut files: Vec<FileEntry> = written
            .iter()
            .map(|w| FileEntry {
                path: relative(root, &w.path),
                sha256: w.sha256.clone(),
                bytes: w.bytes,
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        Manifest {
            schema: SCHEMA.into(),
            engine: format!("kaohe {}", env!("CARGO_PKG_VERSION")),
            sets,
            evidence,
            files,
            external: Vec::new(),
        }
    }
}

/// `path` relative to `root`, with `/` between names.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Remove the manifest of `root` (before a run replaces the folder's files).
pub fn remove(root: &Path) -> Result<(), WriteError> {
    let path = root.join(MANIFEST);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(WriteError::Io { path, source: e })
        }
        _ => Ok(()),
    }
}

/// Write `root/manifest.json`.
pub fn write(root: &Path, m: &Manifest) -> Result<(), WriteError> {
    let mut json = serde_json::to_vec_pretty(m).map_err(|e| WriteError::Encode {
        what: "manifest.json",
        message: e.to_string(),
    })?;
    json.push(b'\n');
    write_atomic(&root.join(MANIFEST), &json)
}

/// Write `root/manifest.json` into a new generation's folder (created exclusively, not synced).
pub fn write_plain(root: &Path, m: &Manifest) -> Result<(), WriteError> {
    let mut json = serde_json::to_vec_pretty(m).map_err(|e| WriteError::Encode {
        what: "manifest.json",
        message: e.to_string(),
    })?;
    json.push(b'\n');
    super::write_new(&root.join(MANIFEST), |w: &mut dyn std::io::Write| {
        w.write_all(&json).map_err(|source| WriteError::Io {
            path: root.join(MANIFEST),
            source,
        })
    })
    .map(|_| ())
}

/// SHA-256 (hex) and length of bytes in memory.
pub fn hash_bytes(bytes: &[u8]) -> (String, u64) {
    use sha2::Digest as _;
    (super::hex(&sha2::Sha256::digest(bytes)), bytes.len() as u64)
}

/// SHA-256 (hex) and length of a file, read in pieces.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let mut f = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        hasher.update(&buf[..k]);
        n += k as u64;
    }
    Ok((super::hex(&hasher.finalize()), n))
}

/// What differs between a folder and its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A file of the manifest is not there.
    Missing(String),
    /// A file of the manifest has other content.
    Changed(String),
    /// A file is there that the manifest does not list.
    Extra(String),
}

impl Difference {
    /// The difference in `lang` (the Chinese line names it in both languages).
    pub fn in_lang(&self, lang: crate::lang::Lang) -> String {
        match (self, lang) {
            (_, crate::lang::Lang::Zh) => self.to_string(),
            (Difference::Missing(p), _) => format!("missing {p}"),
            (Difference::Changed(p), _) => format!("changed {p}"),
            (Difference::Extra(p), _) => format!("extra   {p}"),
        }
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::Missing(p) => write!(f, "缺少 missing   {p}"),
            Difference::Changed(p) => write!(f, "已改动 changed {p}"),
            Difference::Extra(p) => write!(f, "多出 extra     {p}"),
        }
    }
}

/// Why a folder could not be verified at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "{0}: no manifest.json: not a folder written by `kaohe assess` (or its run did not finish)"
    )]
    NoManifest(PathBuf),
    #[error("{path}: not a kaohe manifest: {message}")]
    BadManifest { path: PathBuf, message: String },
}

/// The manifest of `root` and every difference between it and the folder: files missing,
/// changed, or there but not listed (the lock file `.kaohe.lock` aside).
pub fn verify(root: &Path) -> Result<(Manifest, Vec<Difference>), VerifyError> {
    let path = root.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(|_| VerifyError::NoManifest(path.clone()))?;
    let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| VerifyError::BadManifest {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if m.schema != SCHEMA {
        return Err(VerifyError::BadManifest {
            path,
            message: format!("schema `{}`, expected `{SCHEMA}`", m.schema),
        });
    }
    let mut diffs = Vec::new();
    for f in &m.external {
        match hash_file(Path::new(&f.path)) {
            Err(_) => diffs.push(Difference::Missing(f.path.clone())),
            Ok((sha, n)) if sha != f.sha256 || n != f.bytes => {
                diffs.push(Difference::Changed(f.path.clone()));
            }
            Ok(_) => {}
        }
    }
    for f in &m.files {
        let p = f.path.split('/').fold(root.to_path_buf(), |p, c| p.join(c));
        match hash_file(&p) {
            Err(_) => diffs.push(Difference::Missing(f.path.clone())),
            Ok((sha, n)) if sha != f.sha256 || n != f.bytes => {
                diffs.push(Difference::Changed(f.path.clone()));
            }
            Ok(_) => {}
        }
    }
    let listed: std::collections::BTreeSet<&str> =
        m.files.iter().map(|f| f.path.as_str()).collect();
    let mut present = Vec::new();
    walk(root, root, &mut present);
    present.sort();
    for p in present {
        if p != MANIFEST
            && p != super::LOCK_FILE
            && !is_temporary(&p)
            && !listed.contains(p.as_str())
        {
            diffs.push(Difference::Extra(p));
        }
    }
    Ok((m, diffs))
}

/// Whether the last name of `rel` is a temporary file of a run (`.XXXXXXXXXXXX.kaohe-tmp`).
pub(crate) fn is_temporary(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with('.') && n.ends_with(super::TMP_SUFFIX))
}

/// Remove the temporary files an interrupted run left below `root` (call with the folder's
/// lock held: no other run is writing there). Returns how many were removed.
pub fn remove_leftovers(root: &Path) -> usize {
    let mut all = Vec::new();
    walk(root, root, &mut all);
    all.into_iter()
        .filter(|p| is_temporary(p))
        .filter(|p| {
            let path = p.split('/').fold(root.to_path_buf(), |x, c| x.join(c));
            std::fs::remove_file(path).is_ok()
        })
        .count()
}

/// Every file below `dir` (not following links; a link is listed as a file), relative to
/// `root` with `/`.
pub(crate) fn walk_all(root: &Path, dir: &Path, out: &mut Vec<String>) {
    walk(root, dir, out);
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(root, &p, out),
            Ok(_) => out.push(relative(root, &p)),
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_checked_against_its_manifest() {
        let dir = tempfile::tempdir().expect("tmp");
        let root = dir.path();
        std::fs::create_dir(root.join("units")).expect("units");
        let mut written = Vec::new();
        for (rel, text) in [("a.json", "{}"), ("units/b.html", "<p>")] {
            let p = root.join(rel);
            std::fs::write(&p, text).expect("write");
            let (sha256, bytes) = hash_bytes(text.as_bytes());
            written.push(Written {
                path: p,
                sha256,
                bytes,
            });
        }
        let m = Manifest::new(root, Vec::new(), Vec::new(), &written);
        assert_eq!(m.files[1].path, "units/b.html");
        write(root, &m).expect("manifest");
        let (read, diffs) = verify(root).expect("verifies");
        assert_eq!(read, m);
        assert!(diffs.is_empty(), "{diffs:?}");
        std::fs::write(root.join("a.json"), "{ }").expect("change");
        std::fs::remove_file(root.join("units/b.html")).expect("remove");
        std::fs::write(root.join("units/c.html"), "x").expect("extra");
        let (_, diffs) = verify(root).expect("verifies");
        assert_eq!(
            diffs,
            [
                Difference::Changed("a.json".into()),
                Difference::Missing("units/b.html".into()),
                Difference::Extra("units/c.html".into()),
            ]
        );
        remove(root).expect("remove");
        assert!(matches!(verify(root), Err(VerifyError::NoManifest(_))));
    }
}
