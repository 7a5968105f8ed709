//! CSV evidence: a table of units or a case ledger as text, in any encoding people save it in.

use super::ReadEvidence;
use super::table::{Cell, Grid, read_grid};
use crate::diag::Diagnostic;
use std::collections::BTreeMap;

/// Decode CSV bytes: UTF-8 (BOM stripped) or, failing that, GB18030 (which covers GBK);
/// UTF-16 when it starts with its BOM (Excel's "Unicode text" export).
pub fn decode_text(bytes: &[u8]) -> (String, &'static str) {
    for (bom, enc, name) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "UTF-16LE"),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "UTF-16BE"),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, _) = enc.decode_without_bom_handling(rest);
            return (text.into_owned(), name);
        }
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

/// Read a CSV file (a table of units or a case ledger) from bytes: UTF-8 with or without a
/// BOM or GB18030/GBK, comma- or tab-separated. Title rows above the header, blank rows, totals
/// rows and footnotes are skipped as in workbooks (see [`super::table`]).
pub fn read_csv(file: &str, bytes: &[u8], out: &mut ReadEvidence, diags: &mut Vec<Diagnostic>) {
    let (text, _encoding) = decode_text(bytes);
    let tab = file.to_ascii_lowercase().ends_with(".tsv");
    let delimiter = if tab { b'\t' } else { detect_delimiter(&text) };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (r, rec) in reader.records().enumerate() {
        match rec {
            Ok(rec) => rows.push(rec.iter().map(|s| Cell::Text(s.to_string())).collect()),
            Err(e) => {
                diags.push(Diagnostic::row(
                    file,
                    r as u64 + 1,
                    "-",
                    format!("cannot read this row: {e}"),
                ));
                rows.push(Vec::new());
            }
        }
    }
    let grid = Grid {
        file: file.to_string(),
        sheet: None,
        rows,
    };
    read_grid(&grid, out, diags);
}

/// Comma or tab: the one that splits the first lines into the same number (> 1) of fields
/// most often; commas on a tie.
fn detect_delimiter(text: &str) -> u8 {
    let score = |d: u8| -> (usize, usize) {
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        for rec in reader.records().take(20).flatten() {
            if rec.len() > 1 {
                *counts.entry(rec.len()).or_default() += 1;
            }
        }
        counts
            .iter()
            .max_by_key(|(len, n)| (**n, **len))
            .map_or((0, 0), |(len, n)| (*n, *len))
    };
    if score(b'\t') > score(b',') {
        b'\t'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_is_decoded() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("单位代码,出生人数\n");
        let (text, enc) = decode_text(&bytes);
        assert_eq!(enc, "GB18030");
        assert!(text.starts_with("单位代码"));
        let (text, enc) = decode_text("\u{feff}id\n".as_bytes());
        assert_eq!((text.as_str(), enc), ("id\n", "UTF-8"));
    }
}
