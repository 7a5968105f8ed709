//! Evidence files and folders: each file read by the reader its extension names.

use super::ReadEvidence;
use super::csv::read_csv;
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

/// Like [`read_paths`], but returns what could be read together with the problems, so that
/// binding can report its own problems too.
pub fn read_paths_partial(paths: &[PathBuf]) -> (ReadEvidence, Vec<Diagnostic>) {
    let mut out = ReadEvidence::default();
    let mut diags = Vec::new();
    for p in paths {
        let files: Vec<PathBuf> = if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(rd) => {
                    let mut v: Vec<PathBuf> = rd
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.is_file() && evidence_ext(f).is_some() && !is_lock_file(f))
                        .collect();
                    v.sort();
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
            let bytes = match std::fs::read(&f) {
                Ok(b) => b,
                Err(e) => {
                    diags.push(Diagnostic::file(&name, format!("cannot read: {e}")));
                    continue;
                }
            };
            match evidence_ext(&f) {
                Some(Format::Yaml) => match String::from_utf8(bytes) {
                    Ok(text) => read_yaml(&name, &text, &mut out, &mut diags),
                    Err(_) => diags.push(Diagnostic::file(&name, "YAML evidence must be UTF-8")),
                },
                Some(Format::Csv) => read_csv(&name, &bytes, &mut out, &mut diags),
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
        }
    }
    (out, diags)
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
