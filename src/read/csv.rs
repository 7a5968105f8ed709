//! CSV evidence: a table of units or a case ledger as text, in any encoding people save it in.

use super::ReadEvidence;
use super::table::{Cell, Grid, read_grid};
use crate::diag::Diagnostic;
use std::collections::BTreeMap;

/// The text encoding of CSV evidence: detected, or said with `--encoding`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (a BOM is dropped), UTF-16 when it starts with its BOM, else GB18030 when the
    /// file is plainly GB2312/GBK text; anything else is an error asking for `--encoding`.
    #[default]
    Auto,
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GB18030, which covers GBK and GB2312.
    #[value(name = "gb18030", alias = "gbk")]
    Gb18030,
    #[value(name = "utf-16le")]
    Utf16le,
    #[value(name = "utf-16be")]
    Utf16be,
    /// Latin-1 as Windows-1252 (what Excel on a Western Windows saves).
    #[value(name = "latin1", alias = "windows-1252")]
    Latin1,
}

/// Text that cannot be decoded: where (line and column, 1-based, the column in characters
/// before the byte) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

const ENCODING_HINT: &str = "say the encoding with --encoding (utf-8, gb18030, utf-16le, utf-16be, latin1) or save the file as UTF-8";

/// Line and column (1-based; the column counts the characters before `offset` on its line,
/// decoded with `enc`) of byte `offset`.
fn locate(bytes: &[u8], offset: usize, enc: &'static encoding_rs::Encoding) -> (u64, u64) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let (prefix, _) = enc.decode_without_bom_handling(&before[start..]);
    (line, prefix.chars().count() as u64 + 1)
}

fn strict(
    bytes: &[u8],
    enc: &'static encoding_rs::Encoding,
    name: &'static str,
) -> Result<(String, &'static str), DecodeError> {
    if let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok((text.into_owned(), name));
    }
    // The first byte that does not decode: where the decoder stops.
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3 + 16);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    let at = match result {
        // `read` counts the malformed bytes and those consumed after them.
        encoding_rs::DecoderResult::Malformed(bad, after) => read
            .saturating_sub(usize::from(bad))
            .saturating_sub(usize::from(after)),
        _ => read,
    };
    let (line, column) = locate(bytes, at, enc);
    let byte = bytes.get(at).copied().unwrap_or_default();
    Err(DecodeError {
        line,
        column,
        message: format!(
            "not valid {name}: byte 0x{byte:02X} at line {line}, column {column} cannot be decoded; {ENCODING_HINT}"
        ),
    })
}

/// Whether every double-byte character of GB text is in GB2312 (lead 0xA1–0xF7, trail
/// 0xA1–0xFE): plain Chinese text. The offset of the first that is not, if any.
fn first_outside_gb2312(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let t = bytes.get(i + 1).copied().unwrap_or_default();
        if (0xA1..=0xF7).contains(&b) && (0xA1..=0xFE).contains(&t) {
            i += 2;
        } else {
            return Some(i);
        }
    }
    None
}

/// Decode CSV bytes in `enc`, never guessing silently.
///
/// With [`TextEncoding::Auto`]: UTF-16 when the file starts with its BOM (Excel's "Unicode
/// text"); UTF-8 (BOM dropped) when it is valid UTF-8; a file that is UTF-8 but for a few
/// stray bytes is an error at the first of them; otherwise GB18030 when the bytes decode
/// without error and every character is plain GB2312 text (what Chinese Excel and WPS save).
/// Anything else (Latin-1, a rare GBK character, a broken file) is an error with its place and
/// the hint to say the encoding with `--encoding`. Returns the text and the encoding's name.
pub fn decode_text(bytes: &[u8], enc: TextEncoding) -> Result<(String, &'static str), DecodeError> {
    let utf16 = [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "UTF-16LE"),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "UTF-16BE"),
    ];
    match enc {
        TextEncoding::Utf16le | TextEncoding::Utf16be => {
            let (bom, e, name) = if enc == TextEncoding::Utf16le {
                utf16[0]
            } else {
                utf16[1]
            };
            return strict(bytes.strip_prefix(bom).unwrap_or(bytes), e, name);
        }
        TextEncoding::Gb18030 => return strict(bytes, encoding_rs::GB18030, "GB18030"),
        TextEncoding::Latin1 => {
            return strict(bytes, encoding_rs::WINDOWS_1252, "Windows-1252");
        }
        TextEncoding::Utf8 => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            return strict(bytes, encoding_rs::UTF_8, "UTF-8");
        }
        TextEncoding::Auto => {}
    }
    for (bom, e, name) in utf16 {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return strict(rest, e, name);
        }
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8"));
    }
    // UTF-8 with stray bytes: more valid multi-byte characters than broken sequences.
    let (mut wide, mut broken) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        wide += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        broken += usize::from(!chunk.invalid().is_empty());
    }
    if wide > broken {
        return strict(bytes, encoding_rs::UTF_8, "UTF-8").map_err(|e| DecodeError {
            message: format!(
                "not valid UTF-8: a stray byte at line {}, column {} in an otherwise UTF-8 file; fix that byte, or {ENCODING_HINT}",
                e.line, e.column
            ),
            ..e
        });
    }
    let (text, name) = strict(bytes, encoding_rs::GB18030, "GB18030").map_err(|e| DecodeError {
        message: format!(
            "neither UTF-8 nor GB18030: a byte at line {}, column {} cannot be decoded; {ENCODING_HINT}",
            e.line, e.column
        ),
        ..e
    })?;
    if let Some(at) = first_outside_gb2312(bytes) {
        let (line, column) = locate(bytes, at, encoding_rs::GB18030);
        let shown: String = text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .unwrap_or_default()
            .chars()
            .skip(column.saturating_sub(1) as usize)
            .take(8)
            .collect();
        return Err(DecodeError {
            line,
            column,
            message: format!(
                "not UTF-8, and not plain GB2312 text either: at line {line}, column {column} it would read as `{shown}` in GB18030 (a Latin-1 file reads like that); if the file is GBK/GB18030, say so with --encoding gb18030; if it is Latin-1, --encoding latin1; or save it as UTF-8"
            ),
        });
    }
    Ok((text, name))
}

/// Read a CSV file (a table of units or a case ledger) from bytes: UTF-8 with or without a
/// BOM or GB18030/GBK, comma- or tab-separated. Title rows above the header, blank rows, totals
/// rows and footnotes are skipped as in workbooks (see [`super::table`]).
pub fn read_csv(
    file: &str,
    bytes: &[u8],
    enc: TextEncoding,
    out: &mut ReadEvidence,
    diags: &mut Vec<Diagnostic>,
) {
    let text = match decode_text(bytes, enc) {
        Ok((text, _)) => text,
        Err(e) => {
            diags.push(Diagnostic::at(file, e.line, e.column, e.message));
            return;
        }
    };
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
pub(crate) fn detect_delimiter(text: &str) -> u8 {
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
        let auto = |b: &[u8]| decode_text(b, TextEncoding::Auto);
        let (text, enc) = auto(&bytes).expect("GB18030");
        assert_eq!(enc, "GB18030");
        assert!(text.starts_with("单位代码"));
        let (text, enc) = auto("\u{feff}id\n".as_bytes()).expect("UTF-8");
        assert_eq!((text.as_str(), enc), ("id\n", "UTF-8"));
    }

    #[test]
    fn latin1_is_an_error_unless_said() {
        let latin1 = b"id,name\nzurich,Z\xfcrich S\xfcd\n";
        let e = decode_text(latin1, TextEncoding::Auto).expect_err("not guessed");
        assert_eq!((e.line, e.column), (2, 9));
        assert!(e.message.contains("--encoding latin1"), "{}", e.message);
        let (text, _) = decode_text(latin1, TextEncoding::Latin1).expect("latin1");
        assert!(text.contains("Zürich Süd"));
    }

    #[test]
    fn a_stray_byte_in_utf8_is_found_where_it_is() {
        let bytes = "id,name\nfutian,福田区\nluohu,罗\u{e6}湖区\n"
            .replace('\u{e6}', "\u{0}")
            .into_bytes();
        let mut bytes = bytes;
        let at = bytes.iter().position(|&b| b == 0).expect("marker");
        bytes[at] = 0xFF;
        let e = decode_text(&bytes, TextEncoding::Auto).expect_err("stray byte");
        assert_eq!((e.line, e.column), (3, 8), "{}", e.message);
        assert!(e.message.contains("stray byte"), "{}", e.message);
    }

    #[test]
    fn a_said_encoding_is_decoded_strictly() {
        let e = decode_text(b"id\n\xff\n", TextEncoding::Utf8).expect_err("not UTF-8");
        assert_eq!((e.line, e.column), (2, 1));
        let (gb, _, _) = encoding_rs::GB18030.encode("单位代码,𠀀\n");
        assert!(decode_text(&gb, TextEncoding::Auto).is_err());
        assert!(decode_text(&gb, TextEncoding::Gb18030).is_ok());
        let (gb, _, _) = encoding_rs::GB18030.encode("id,名称\nfutian,福");
        let mut gb = gb.into_owned();
        gb.extend_from_slice(b"\x81\x20x\n");
        let e = decode_text(&gb, TextEncoding::Gb18030).expect_err("broken");
        assert_eq!((e.line, e.column), (2, 9), "{}", e.message);
    }
}
