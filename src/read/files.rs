//! Evidence files and folders: each file read by the reader its extension names.

use super::ReadEvidence;
use super::csv::{TextEncoding, read_csv};
use super::workbook::read_workbook;
use super::yaml::read_yaml;
use crate::diag::{Diagnostic, Diagnostics};
use std::path::{Path, PathBuf};

/// Read evidence files and folders (YAML `.yaml`/`.yml`, CSV `.csv`/`.tsv`/`.txt`, workbooks
/// `.xlsx`/`.xlsm`/`.xlsb`/`.xls`/`.ods`). A folder contributes its files in name order (not
/// recursively), leaving out the lock files Excel and WPS keep beside open workbooks.
pub fn read_paths(paths: &[PathBuf]) -> Result<ReadEvidence, Diagnostics> {
    let (out, diags) = read_paths_partial(paths);
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(Diagnostics::new(diags))
    }
}

/// How evidence files are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// The encoding of CSV files (`--encoding`).
    pub encoding: TextEncoding,
}

/// Most bytes one evidence file may hold (a larger file is refused before it is read).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// The bytes of a regular file (or a link to one) of at most [`MAX_FILE_BYTES`]: a pipe, a
/// socket or a device is refused without being opened, so it cannot block or run on forever.
pub fn read_regular(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file (a pipe, socket or device is not read)".into());
    }
    let too_large = || format!("larger than {} MiB: not read", MAX_FILE_BYTES >> 20);
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Like [`read_paths`], but returns what could be read together with the problems, so that
/// binding can report its own problems too.
pub fn read_paths_partial(paths: &[PathBuf]) -> (ReadEvidence, Vec<Diagnostic>) {
    read_paths_with(paths, ReadOptions::default())
}

/// [`read_paths_partial`] with options.
pub fn read_paths_with(paths: &[PathBuf], opts: ReadOptions) -> (ReadEvidence, Vec<Diagnostic>) {
    let mut out = ReadEvidence::default();
    let mut diags = Vec::new();
    for p in paths {
        let files: Vec<PathBuf> = if p.is_dir() {
            match folder_files(p) {
                Ok(v) => {
                    if v.is_empty() {
                        diags.push(Diagnostic::file(
                            &p.display().to_string(),
                            "this folder has no evidence files (.yaml, .yml, .csv, .tsv, .xlsx, .xls, .ods)",
                        ));
                    }
                    v
                }
                Err(e) => {
                    diags.push(Diagnostic::file(
                        &p.display().to_string(),
                        format!("cannot read folder: {e}"),
                    ));
                    continue;
                }
            }
        } else {
            vec![p.clone()]
        };
        for f in files {
            let name = f.display().to_string();
            let bytes = match read_regular(&f) {
                Ok(b) => b,
                Err(e) => {
                    diags.push(Diagnostic::file(&name, e));
                    continue;
                }
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                diags.push(Diagnostic::file(
                    &name,
                    "this evidence file is empty: it has no units, cases or documents",
                ));
                continue;
            }
            let before = (
                out.units.len(),
                out.ledger.len(),
                out.documents.len(),
                out.period.clone(),
            );
            let problems = diags.len();
            match evidence_ext(&f) {
                Some(Format::Yaml) => match String::from_utf8(bytes) {
                    Ok(text) => read_yaml(&name, &text, &mut out, &mut diags),
                    Err(_) => diags.push(Diagnostic::file(&name, "YAML evidence must be UTF-8")),
                },
                Some(Format::Csv) => read_csv(&name, &bytes, opts.encoding, &mut out, &mut diags),
                Some(Format::Workbook) => {
                    read_workbook(&name, &bytes, &mut out, &mut diags)
                }
                None if f.extension().is_some_and(|x| x == "json") => diags.push(Diagnostic::file(
                    &name,
                    "a JSON file is not evidence; if it is an earlier scorecard, give it with `--history FILE` (once per file) or `--history FOLDER`",
                )),
                None => diags.push(Diagnostic::file(
                    &name,
                    "unknown evidence format: expected .yaml, .yml, .csv, .tsv, .xlsx, .xls or .ods",
                )),
            }
            let after = (
                out.units.len(),
                out.ledger.len(),
                out.documents.len(),
                out.period.clone(),
            );
            if after == before && diags.len() == problems {
                diags.push(Diagnostic::file(
                    &name,
                    "this evidence file has no units, cases or documents (a header without rows?)",
                ));
            }
        }
    }
    (out, diags)
}

/// The evidence files of a folder, in name order (not recursively, lock files left out).
fn folder_files(p: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(p)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| f.is_file() && evidence_ext(f).is_some() && !is_lock_file(f))
        .collect();
    v.sort();
    Ok(v)
}

/// The files [`read_paths`] reads for `paths`: files as given, folders' evidence files.
pub fn evidence_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .flat_map(|p| {
            if p.is_dir() {
                folder_files(p).unwrap_or_default()
            } else {
                vec![p.clone()]
            }
        })
        .collect()
}

enum Format {
    Yaml,
    Csv,
    Workbook,
}

/// The lock file Excel and WPS keep beside an open workbook (`~$name.xlsx`).
fn is_lock_file(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("~$") || n.starts_with(".~lock."))
}

fn evidence_ext(p: &Path) -> Option<Format> {
    match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "yaml" | "yml" => Some(Format::Yaml),
        "csv" | "tsv" | "txt" => Some(Format::Csv),
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Some(Format::Workbook),
        _ => None,
    }
}
