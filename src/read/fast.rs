//! The fast path for a plain wide CSV: one file, its header on the first line naming the unit id
//! (and optionally name, class, peer group) and fields of a single-kind set, one unit per row,
//! every value valid. Rows are parsed straight into the set's slots (exact decimals, no
//! per-cell `String`, no grid of cells, no origin per value), in parallel chunks when the file
//! has no quoted field.
//!
//! It is optimistic: at the first thing it does not handle — a title row, a sub-heading, a
//! totals or footnote row, a short row, an unknown or repeated column, a duplicate or empty id,
//! a value that does not convert, a cell over [`MAX_FIELD_BYTES`] — it returns `None` and the caller reads the file the general
//! way ([`super::files`] → [`crate::bind`]), which reports every problem with its place. What
//! it returns is exactly what the general way binds for the same file.

use super::csv::{TextEncoding, decode_text, detect_delimiter};
use super::files::read_regular;
use super::table::{
    DOC_TITLE, LEDGER_TYPE, LEDGER_UNIT, MAX_FIELD_BYTES, META_CLASS, META_ID, META_NAME,
    META_PEER, meta_key, squeeze,
};
use crate::bind::{Conv, convert_str, find_field};
use crate::diag::Place;
use crate::evidence::{Evidence, Origin, Unit};
use crate::expr::Val;
use crate::expr::fast::FxVal;
use crate::fx::Fx;
use crate::model::{FieldType, IndicatorSet};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::sync::Arc;

/// What a column holds.
#[derive(Clone, Copy)]
enum Col {
    Id,
    Name,
    Class,
    Peer,
    /// A field, by index, its type and the decimals it is shown with.
    Field(usize, FieldType, Option<u32>),
}

/// Rows per parallel chunk.
const CHUNK_ROWS: usize = 16_384;

/// `set`'s evidence from `paths` when they are one plain wide CSV file (see the module doc);
/// `None` when the general reader must read them.
pub fn wide_csv(set: &IndicatorSet, paths: &[PathBuf], enc: TextEncoding) -> Option<Evidence> {
    let [path] = paths else { return None };
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    if !matches!(ext.as_str(), "csv" | "tsv" | "txt") || !path.is_file() || !readable_set(set) {
        return None;
    }
    let bytes = read_regular(path).ok()?;
    let (text, _) = decode_text(&bytes, enc).ok()?;
    drop(bytes);
    let file: Arc<str> = path.display().to_string().into();
    let delimiter = if ext == "tsv" {
        b'\t'
    } else {
        detect_delimiter(&text)
    };
    // The header: the first line.
    let header_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(&text.as_bytes()[..header_end]);
    let header = rdr.records().next()?.ok()?;
    let (cols, names) = columns(set, &header)?;
    let id_col = cols.iter().position(|c| matches!(c, Col::Id))?;
    let body = &text[header_end..];
    // A blank line is skipped by the general reader: its rows are numbered by records.
    if body.starts_with(['\n', '\r']) || body.contains("\n\n") || body.contains("\n\r\n") {
        return None;
    }
    // Without quotes every line is a record: split at line ends into chunks, parsed in parallel.
    let chunks: Vec<(usize, &str)> = if body.contains('"') {
        vec![(0, body)]
    } else {
        line_chunks(body, CHUNK_ROWS)
    };
    let ctx = Ctx {
        set,
        cols: &cols,
        width: names.len(),
        file: &file,
        id_header: names[id_col].clone(),
        delimiter,
    };
    let parts: Vec<Option<Vec<Unit>>> = chunks
        .par_iter()
        .map(|&(first, chunk)| ctx.rows(first, chunk))
        .collect();
    let mut units = Vec::with_capacity(parts.iter().flatten().map(Vec::len).sum());
    for p in parts {
        units.extend(p?);
    }
    if units.is_empty() {
        return None;
    }
    // Duplicate ids are the general path's error.
    let mut ids: Vec<&str> = units.iter().map(|u| u.id.as_str()).collect();
    ids.par_sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    drop(ids);
    Some(Evidence::flat(units))
}

/// What [`Source::next_rows`] gives.
pub enum Piece {
    /// The next rows as the file's bytes (whole lines), the first being body line `first`.
    Rows { first: usize, raw: Vec<u8> },
    /// Every row has been read.
    End,
    /// Something the fast path does not handle (see the module doc), or the file could not be
    /// read: read the file the general way, which reports every problem.
    Other,
}

/// A plain wide CSV (see the module doc) read a piece of rows at a time, so that neither the
/// file nor its units are ever resident as a whole: what [`wide_csv`] reads, in the same order,
/// with the same values. UTF-8 (by default or `--encoding utf-8`) and `--encoding gb18030`; a
/// quoted field, a blank line or anything else unusual is [`Piece::Other`]. Duplicate ids are the
/// caller's to check once every piece is read. Its two halves are used apart: the
/// [`RowFormat`] by the parts being scored, the [`Source`] reading the next rows meanwhile.
pub struct WideCsvPieces<'a> {
    pub format: RowFormat<'a>,
    pub source: Source,
}

/// How the rows of a [`WideCsvPieces`] read: the set, the columns, the delimiter, the encoding.
pub struct RowFormat<'a> {
    set: &'a IndicatorSet,
    cols: Vec<Col>,
    width: usize,
    file: Arc<str>,
    id_header: Arc<str>,
    delimiter: u8,
    gb18030: bool,
}

/// The bytes of a [`WideCsvPieces`]' file, given out a block of whole lines at a time
/// ([`Source::next_rows`]) and hashed as they are read ([`Source::sha256`]).
pub struct Source {
    reader: std::fs::File,
    /// Bytes read and not yet given out; `scanned` of them are known to hold `lines` line ends.
    buf: Vec<u8>,
    scanned: usize,
    lines: usize,
    eof: bool,
    /// Body line index of the next row.
    next_row: usize,
    /// File size, for progress.
    pub bytes: u64,
    /// Bytes given out so far (header included), for progress.
    pub done: u64,
    /// Every byte read, in order.
    hasher: sha2::Sha256,
    read: u64,
}

/// Bytes read from the file at a time.
const READ_BYTES: usize = 1 << 20;

impl<'a> WideCsvPieces<'a> {
    /// The file at `paths` (one plain CSV or TSV of `set`'s single kind) opened and its header
    /// read; `None` when the fast path does not read it.
    pub fn open(set: &'a IndicatorSet, paths: &[PathBuf], enc: TextEncoding) -> Option<Self> {
        use sha2::Digest as _;
        let [path] = paths else { return None };
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        if !matches!(ext.as_str(), "csv" | "tsv" | "txt") || !readable_set(set) {
            return None;
        }
        let gb18030 = match enc {
            TextEncoding::Auto | TextEncoding::Utf8 => false,
            TextEncoding::Gb18030 => true,
            _ => return None,
        };
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() > super::files::MAX_FILE_BYTES {
            return None;
        }
        let reader = std::fs::File::open(path).ok()?;
        let mut format = RowFormat {
            set,
            cols: Vec::new(),
            width: 0,
            file: path.display().to_string().into(),
            id_header: "".into(),
            delimiter: b',',
            gb18030,
        };
        let mut me = Source {
            reader,
            buf: Vec::new(),
            scanned: 0,
            lines: 0,
            eof: false,
            next_row: 0,
            bytes: meta.len(),
            done: 0,
            hasher: sha2::Sha256::new(),
            read: 0,
        };
        // The delimiter is judged on the first 20 records, as the general reader judges it.
        me.fill(21)?;
        if me.buf.starts_with(b"\xEF\xBB\xBF") {
            me.buf.drain(..3);
            me.scanned -= 3;
            me.done = 3;
        } else if me.buf.starts_with(b"\xFF\xFE") || me.buf.starts_with(b"\xFE\xFF") {
            return None;
        }
        let (upto, _) = me.cut(usize::MAX);
        let text = format.decode(&me.buf[..upto])?;
        format.delimiter = if ext == "tsv" {
            b'\t'
        } else {
            detect_delimiter(&text)
        };
        let header_end = text.find('\n').map_or(text.len(), |i| i + 1);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(format.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(&text.as_bytes()[..header_end]);
        let header = rdr.records().next()?.ok()?;
        let (cols, names) = columns(set, &header)?;
        let id_col = cols.iter().position(|c| matches!(c, Col::Id))?;
        format.width = names.len();
        format.id_header = names[id_col].clone();
        format.cols = cols;
        // The header line in the file's own encoding.
        let header_bytes = memchr_newline(&me.buf, 0).map_or(me.buf.len(), |i| i + 1);
        me.take(header_bytes);
        if me.buf.first().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            return None;
        }
        Some(WideCsvPieces { format, source: me })
    }
}

impl Source {
    /// The next `rows` rows (fewer at the end of the file), as the file's bytes: read here, in
    /// order; their rows are read by [`RowFormat::row_reader`], piece by piece, on any thread.
    pub fn next_rows(&mut self, rows: usize) -> Piece {
        let Some(()) = self.fill(rows) else {
            return Piece::Other;
        };
        let (end, lines) = self.cut(rows);
        if end == 0 {
            return Piece::End;
        }
        // The rows given out; what follows stays (at most one read of bytes is copied).
        let rest = self.buf.split_off(end);
        let raw = std::mem::replace(&mut self.buf, rest);
        self.scanned = self.buf.len();
        self.lines -= lines.min(self.lines);
        self.done += end as u64;
        let first = self.next_row;
        self.next_row += lines + usize::from(!raw.ends_with(b"\n"));
        Piece::Rows { first, raw }
    }

    /// The SHA-256 of the file and its length, once every row has been given out (`None`
    /// before: the file has not been read to its end).
    pub fn sha256(&self) -> Option<([u8; 32], u64)> {
        use sha2::Digest as _;
        (self.eof && self.buf.is_empty())
            .then(|| (self.hasher.clone().finalize().into(), self.read))
    }

    /// Read until the buffer holds `rows` line ends or the file ends; `None` on a read error.
    fn fill(&mut self, rows: usize) -> Option<()> {
        use sha2::Digest as _;
        use std::io::Read as _;
        loop {
            self.lines += bytecount(&self.buf[self.scanned..]);
            self.scanned = self.buf.len();
            if self.lines >= rows || self.eof {
                return Some(());
            }
            let have = self.buf.len();
            self.buf.resize(have + READ_BYTES, 0);
            let n = loop {
                match self.reader.read(&mut self.buf[have..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return None,
                }
            };
            self.buf.truncate(have + n);
            self.hasher.update(&self.buf[have..]);
            self.read += n as u64;
            if n == 0 {
                self.eof = true;
            }
            if self.done + self.buf.len() as u64 > super::files::MAX_FILE_BYTES {
                return None;
            }
        }
    }

    /// The length of the buffer's first `rows` lines (all of it at the end of the file), and
    /// the line ends in them.
    fn cut(&self, rows: usize) -> (usize, usize) {
        let mut lines = 0;
        let mut end = 0;
        for i in memchr::memchr_iter(b'\n', &self.buf) {
            if lines == rows {
                break;
            }
            lines += 1;
            end = i + 1;
        }
        if lines < rows && self.eof {
            end = self.buf.len();
        }
        (end, lines)
    }

    /// Drop the first `n` bytes of the buffer (given out).
    fn take(&mut self, n: usize) {
        self.buf.drain(..n);
        self.scanned = self.buf.len();
        self.lines = bytecount(&self.buf);
        self.done += n as u64;
    }
}

impl RowFormat<'_> {
    /// The text of `raw`, rows given by [`Source::next_rows`] (or a run of whole lines
    /// of them): `None` when it holds a blank line (skipped by the general reader, which
    /// numbers rows by records), a quote (a quoted field may hold a line end) or bytes that do
    /// not decode; each of its lines is then one row.
    pub fn text<'b>(&self, raw: &'b [u8]) -> Option<std::borrow::Cow<'b, str>> {
        // `raw` starts a line.
        if raw.starts_with(b"\n")
            || raw.starts_with(b"\r\n")
            || memchr::memmem::find(raw, b"\n\n").is_some()
            || memchr::memmem::find(raw, b"\n\r\n").is_some()
            || memchr::memchr(b'"', raw).is_some()
        {
            return None;
        }
        self.decode(raw)
    }

    /// Rows of [`RowFormat::text`] read one at a time.
    pub fn row_reader(&self) -> RowReader<'_> {
        RowReader {
            ctx: Ctx {
                set: self.set,
                cols: &self.cols,
                width: self.width,
                file: &self.file,
                id_header: self.id_header.clone(),
                delimiter: self.delimiter,
            },
        }
    }

    fn decode<'b>(&self, raw: &'b [u8]) -> Option<std::borrow::Cow<'b, str>> {
        if self.gb18030 {
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(raw);
            (!had_errors).then_some(text)
        } else {
            std::str::from_utf8(raw)
                .ok()
                .map(std::borrow::Cow::Borrowed)
        }
    }
}

fn bytecount(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

/// Whether the fast path can read evidence for `set`: one kind of unit identified by its own
/// id only, no phases, no evidence layers.
fn readable_set(set: &IndicatorSet) -> bool {
    set.kinds.len() == 1
        && set.phases.is_empty()
        && set.identity.name.is_empty()
        && set.identity.parent.is_empty()
        && set.identity.class.is_empty()
        && !set.unit_kind().fields.iter().any(|f| !f.layers.is_empty())
}

/// Each column's meaning and its header (white space removed), or `None` when a header is
/// not one the fast path reads.
fn columns(set: &IndicatorSet, header: &csv::StringRecord) -> Option<(Vec<Col>, Vec<Arc<str>>)> {
    let names: Vec<String> = header.iter().map(squeeze).collect();
    let keys: Vec<String> = names.iter().map(|n| meta_key(n)).collect();
    let is = |k: &str, list: &[&str]| list.iter().any(|n| k.eq_ignore_ascii_case(n));
    // A ledger or a list of documents is not a table of units.
    if keys.iter().any(|k| is(k, LEDGER_TYPE))
        || (keys.iter().any(|k| is(k, DOC_TITLE)) && keys.iter().any(|k| is(k, LEDGER_UNIT)))
    {
        return None;
    }
    let fields = &set.unit_kind().fields;
    let mut cols = Vec::with_capacity(names.len());
    let mut seen_field = vec![false; fields.len()];
    let mut seen_meta = [false; 4];
    for (name, key) in names.iter().zip(&keys) {
        if name.is_empty() || name.contains('@') {
            return None;
        }
        let meta = [
            (Col::Id, META_ID),
            (Col::Name, META_NAME),
            (Col::Class, META_CLASS),
            (Col::Peer, META_PEER),
        ]
        .into_iter()
        .enumerate()
        .find(|(_, (_, list))| is(key, list));
        let col = match meta {
            Some((m, (col, _))) => {
                if std::mem::replace(&mut seen_meta[m], true) {
                    return None;
                }
                col
            }
            None => {
                let f = find_field(fields, name)?;
                if std::mem::replace(&mut seen_field[f], true) {
                    return None;
                }
                Col::Field(f, fields[f].ty, fields[f].decimals)
            }
        };
        cols.push(col);
    }
    // Every header is a different name (a repeated header is the general path's error).
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    Some((cols, names.into_iter().map(Into::into).collect()))
}

/// `body` cut at line ends into pieces of about `rows` lines: (index of the piece's first
/// line, the piece).
fn line_chunks(body: &str, rows: usize) -> Vec<(usize, &str)> {
    line_runs(body.as_bytes(), rows)
        .into_iter()
        .map(|(line, r)| (line, &body[r]))
        .collect()
}

/// `bytes` cut after line ends into runs of `rows` lines (the last may have fewer): (index of
/// the run's first line, its byte range).
pub fn line_runs(bytes: &[u8], rows: usize) -> Vec<(usize, std::ops::Range<usize>)> {
    let rows = rows.max(1);
    let mut out = Vec::new();
    let (mut start, mut line, mut n) = (0, 0, 0);
    for i in memchr::memchr_iter(b'\n', bytes) {
        n += 1;
        if n == rows {
            out.push((line, start..i + 1));
            line += n;
            start = i + 1;
            n = 0;
        }
    }
    if start < bytes.len() {
        out.push((line, start..bytes.len()));
    }
    out
}

fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(b'\n', &bytes[from..]).map(|i| from + i)
}

struct Ctx<'a> {
    set: &'a IndicatorSet,
    cols: &'a [Col],
    width: usize,
    file: &'a Arc<str>,
    id_header: Arc<str>,
    delimiter: u8,
}

/// The rows of a piece's text ([`RowFormat::text`]) one at a time: split into cells,
/// checked, and read into slot values ([`RowReader::fields`]) or into a [`Unit`]
/// ([`RowReader::unit`]), each `None` at anything the fast path does not handle, as
/// [`wide_csv`] reads them.
pub struct RowReader<'a> {
    ctx: Ctx<'a>,
}

impl RowReader<'_> {
    /// The cells of `line` (one line of a piece's text, with or without its line end) into
    /// `cells`, with the row's identity; `None` when it is not a row the fast path reads.
    pub fn split<'l>(&self, line: &'l str, cells: &mut Vec<&'l str>) -> Option<RowMeta<'l>> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A lone carriage return ends a record for the CSV reader: the general way.
        if memchr::memchr(b'\r', line.as_bytes()).is_some() {
            return None;
        }
        cells.clear();
        // A plain scan: a row's cells are short, too short for a vector search each.
        let d = self.ctx.delimiter;
        let mut start = 0;
        for (i, &b) in line.as_bytes().iter().enumerate() {
            if b == d {
                cells.push(line.get(start..i)?);
                start = i + 1;
            }
        }
        cells.push(line.get(start..)?);
        self.ctx.meta(cells)
    }

    /// The fields of a row's `cells` into `vals` (slot values, absent where blank; the other
    /// slots untouched), and whether it has none; `None` at a value that does not convert.
    pub fn fields(&self, cells: &[&str], vals: &mut [FxVal]) -> Option<bool> {
        self.ctx.fx_fields(cells, vals)
    }

    /// The unit of a row's `cells`, body line `line` (0-based).
    pub fn unit(&self, line: usize, cells: &[&str]) -> Option<Unit> {
        self.ctx.unit(line + 1, cells)
    }
}

/// A row's identity, as [`RowReader::split`] reads it.
pub struct RowMeta<'c> {
    pub id: &'c str,
    /// The name, or the id when the row has none.
    pub name: &'c str,
    pub class: Option<usize>,
    pub peer_group: Option<usize>,
}

impl Ctx<'_> {
    /// The units of one piece of the body whose first line is body line `first` (the file's
    /// line `first + 2`), or `None` at anything the fast path does not handle.
    fn rows(&self, first: usize, chunk: &str) -> Option<Vec<Unit>> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(chunk.as_bytes());
        let mut rec = csv::StringRecord::new();
        let mut out = Vec::with_capacity(CHUNK_ROWS);
        let mut r = first;
        while rdr.read_record(&mut rec).ok()? {
            // A quoted field may span lines: the record's own line, as the general reader
            // counts records.
            r += 1;
            let cells: Vec<&str> = rec.iter().collect();
            out.push(self.unit(r, &cells)?);
        }
        Some(out)
    }

    /// The unit of a row of `cells`, record `r` of the body (1-based), or `None` at anything
    /// the fast path does not handle.
    fn unit(&self, r: usize, cells: &[&str]) -> Option<Unit> {
        let meta = self.meta(cells)?;
        let lay = self.set.unit_kind().layout;
        let mut values: Vec<Option<Val>> = vec![None; lay.derived as usize];
        for slot in lay.cases..lay.derived {
            values[slot as usize] = Some(Val::Num(Decimal::ZERO));
        }
        let mut texts = Vec::new();
        for (c, cell) in cells.iter().enumerate() {
            let t = trim_cell(cell);
            match self.cols[c] {
                Col::Field(..) if t.is_empty() => {}
                Col::Field(f, ty, dp) => match convert_str(t, ty).ok()? {
                    Conv::Val(v) => values[f] = Some(crate::model::val_as_written(v, dp)),
                    Conv::Text(s) => texts.push((f, s)),
                    Conv::Missing => {}
                },
                _ => {}
            }
        }
        Some(Unit {
            id: meta.id.to_string(),
            name: meta.name.to_string(),
            kind: Some(0),
            kind_id: self.set.unit_kind().id.clone(),
            class: meta.class,
            peer_group: meta.peer_group,
            parent: None,
            values,
            texts,
            cases: Vec::new(),
            documents: Vec::new(),
            origin: Origin {
                file: self.file.clone(),
                place: Place::Row {
                    // 1-based, the header being row 1.
                    row: r as u64 + 1,
                    column: self.id_header.clone(),
                },
            },
        })
    }

    /// A row's identity, or `None` when it is not a row of a unit the fast path reads: a short
    /// or long row, a cell too large to be a value, an empty id or one with white space, a
    /// row that may be a heading, total or footnote, a class or peer group the set lacks.
    fn meta<'c>(&self, cells: &[&'c str]) -> Option<RowMeta<'c>> {
        // A cell too large to be a value is the general reader's located error.
        if cells.len() != self.width || cells.iter().any(|c| c.len() > MAX_FIELD_BYTES) {
            return None;
        }
        let (mut id, mut name, mut class, mut peer) = (None, None, None, None);
        for (c, cell) in cells.iter().enumerate() {
            match self.cols[c] {
                Col::Id => id = Some(trim_cell(cell)),
                Col::Name => name = Some(trim_cell(cell)),
                Col::Class => class = Some(trim_cell(cell)),
                Col::Peer => peer = Some(trim_cell(cell)),
                Col::Field(..) => {}
            }
        }
        let id = id.filter(|s| !s.is_empty())?;
        let first_filled = cells.iter().map(|c| trim_cell(c)).find(|s| !s.is_empty())?;
        // An id equal to the id column's header continues the header (a sub-heading row).
        if not_data(id)
            || name.is_some_and(not_data)
            || (!std::ptr::eq(first_filled, id) && not_data(first_filled))
            || id.chars().any(char::is_whitespace)
            || id == &*self.id_header
        {
            return None;
        }
        let named = |v: Option<&str>, list: &[crate::model::Named]| match v {
            None | Some("") => Some(None),
            Some(v) => list.iter().position(|x| x.id == v || x.name == v).map(Some),
        };
        Some(RowMeta {
            id,
            name: name.filter(|s| !s.is_empty()).unwrap_or(id),
            class: named(class, &self.set.classes)?,
            peer_group: named(peer, &self.set.peer_groups)?,
        })
    }

    /// The fields of a row of `cells` into `vals` (slot values, absent where blank; the other
    /// slots untouched), and whether the row has none; `None` at a value that does not convert.
    fn fx_fields(&self, cells: &[&str], vals: &mut [FxVal]) -> Option<bool> {
        let mut none = true;
        for (c, cell) in cells.iter().enumerate() {
            let Col::Field(f, ty, _) = self.cols[c] else {
                continue;
            };
            let t = trim_cell(cell);
            if t.is_empty() {
                continue;
            }
            let v = match ty {
                FieldType::Text => continue,
                FieldType::Bool => FxVal::Bool(match t {
                    "是" => true,
                    "否" => false,
                    _ => crate::read::parse_bool(t)?,
                }),
                _ => match plain_number(t, ty) {
                    Some(x) => FxVal::Num(x),
                    None => match convert_str(t, ty).ok()? {
                        Conv::Val(Val::Num(d)) => FxVal::Num(Fx::from_decimal(d)),
                        Conv::Val(Val::Bool(b)) => FxVal::Bool(b),
                        Conv::Text(_) | Conv::Missing => continue,
                    },
                },
            };
            *vals.get_mut(f)? = v;
            none = false;
        }
        Some(none)
    }
}

/// `s` without white space at either end, as `str::trim` gives it; a cell that begins and
/// ends with a visible ASCII character (most) is not searched.
fn trim_cell(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// `t` when it is a plain decimal (`-?digits[.digits]`, at most 18 digits) that `ty` accepts as
/// it is: its value, as [`convert_str`] gives it. `None` for anything else ([`convert_str`]
/// decides: thousands separators, `%`, exponents, out of range, a fraction in a count …).
fn plain_number(t: &str, ty: FieldType) -> Option<Fx> {
    let b = t.as_bytes();
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    let (mut m, mut scale, mut n, mut dot) = (0i64, 0u32, 0usize, false);
    for &c in digits {
        match c {
            b'0'..=b'9' if n < 18 => {
                m = m * 10 + i64::from(c - b'0');
                n += 1;
                scale += u32::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    // "", "-", "1.", ".5": Decimal's parser decides.
    if n == 0 || digits.first() == Some(&b'.') || digits.last() == Some(&b'.') {
        return None;
    }
    let m = if neg { -m } else { m };
    let whole = 10i64.pow(scale);
    let ok = match ty {
        FieldType::Count => m >= 0 && m % whole == 0,
        FieldType::Percent => m >= 0 && m <= 100i64.saturating_mul(whole),
        FieldType::PerMille => m >= 0 && m <= 1000i64.saturating_mul(whole),
        FieldType::Number => true,
        _ => false,
    };
    ok.then_some(Fx::Dec(m, scale))
}

/// Whether a key cell may mark a row that is not a unit (合计/总计/小计, Total, 注:…, 填报人…):
/// the general reader then decides. Conservative: any 计, an English total word, or a
/// footnote's first character.
fn not_data(t: &str) -> bool {
    const LEADS: [char; 7] = ['注', '说', '填', '制', '审', '联', '单'];
    t.contains('计')
        || t.chars().next().is_some_and(|c| LEADS.contains(&c))
        // The words need letters (most ids have none: no squeezed copy made for them).
        || (t.is_ascii() && t.bytes().any(|b| b.is_ascii_alphabetic()) && {
            let t = squeeze(t);
            ["total", "totals", "sum", "subtotal"]
                .iter()
                .any(|w| t.eq_ignore_ascii_case(w))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = include_str!("../../indicators/village.yaml");

    fn both(csv: &str, name: &str) -> (Option<Evidence>, Option<Evidence>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join(name);
        std::fs::write(&p, csv).expect("write");
        let set = crate::load::load_set_str("village.yaml", SET).expect("set");
        let fast = wide_csv(&set, std::slice::from_ref(&p), TextEncoding::Auto);
        let (read, problems) = super::super::files::read_paths_partial(&[p]);
        let slow = crate::bind::bind_partial(&set, read, problems).ok();
        (fast, slow)
    }

    fn same(a: &Evidence, b: &Evidence) {
        assert_eq!(a.units.len(), b.units.len());
        assert_eq!(a.scored, b.scored);
        for (x, y) in a.units.iter().zip(&b.units) {
            assert_eq!(
                (&x.id, &x.name, x.kind, &x.kind_id),
                (&y.id, &y.name, y.kind, &y.kind_id)
            );
            assert_eq!(
                (x.class, x.peer_group, x.parent),
                (y.class, y.peer_group, y.parent)
            );
            assert_eq!(x.values, y.values, "{}", x.id);
            assert_eq!(x.texts, y.texts);
            assert_eq!(x.origin, y.origin);
        }
    }

    #[test]
    fn generated_villages_bind_as_the_general_reader_binds_them() {
        let mut v = Vec::new();
        crate::bench::write_villages(&mut v, 40_000, 3).expect("generate");
        let csv = String::from_utf8(v).expect("utf-8");
        let (fast, slow) = both(&csv, "v.csv");
        same(&fast.expect("fast path"), &slow.expect("general path"));
        // Tab-separated, with spaces around values and an empty trailing line.
        let tsv = csv.replace(',', "\t").replace("\t是", "\t 是 ");
        let (fast, slow) = both(&tsv, "v.tsv");
        same(&fast.expect("fast path"), &slow.expect("general path"));
    }

    #[test]
    fn written_zeros_are_dropped_as_the_general_reader_drops_them() {
        let csv = "单位代码,单位名称,户籍人口,出生人数,群众满意率\na1,东村,1500.0,3,95.50\n";
        let (fast, slow) = both(csv, "z.csv");
        let (fast, slow) = (fast.expect("fast path"), slow.expect("general path"));
        same(&fast, &slow);
        // Decimal equality ignores the scale; the shown text does not.
        let shown = |e: &Evidence| format!("{:?}", e.units[0].values);
        assert_eq!(shown(&fast), shown(&slow));
        assert!(shown(&fast).contains("95.5)") && !shown(&fast).contains("95.50"));
    }

    #[test]
    fn quoted_fields_are_read_in_one_piece() {
        let csv = "单位代码,单位名称,户籍人口,出生人数\n\"a1\",\"东村, 一组\",\"1,500\",3\na2,西村,800,\n";
        let (fast, slow) = both(csv, "q.csv");
        same(&fast.expect("fast path"), &slow.expect("general path"));
    }

    #[test]
    fn anything_unusual_goes_the_general_way() {
        for csv in [
            "考核表\n单位代码,出生人数\na,1\n",       // a title row
            "单位代码,出生人数\na,1\n合计,1\n",       // a totals row
            "单位代码,出生人数\na,1\na,2\n",          // a duplicate id
            "单位代码,出生人数\na,x\n",               // a bad value
            "单位代码,出生人数,出生人数\na,1,1\n",    // a repeated column
            "单位代码,出生数目\na,1\n",               // an unknown column
            "单位代码,出生人数\na,1,2\n",             // a long row
            "单位代码,出生人数\n,1\n",                // an empty id
            "单位代码,出生人数\na,1\n注:单位为人,\n", // a footnote
        ] {
            let (fast, _) = both(csv, "x.csv");
            assert!(fast.is_none(), "{csv}");
        }
        // A cell over the per-field limit (the general reader's located error).
        let huge = format!(
            "单位代码,单位名称,出生人数\na,{},1\n",
            "村".repeat(MAX_FIELD_BYTES / 3 + 1)
        );
        let (fast, slow) = both(&huge, "x.csv");
        assert!(fast.is_none() && slow.is_none());
    }

    #[test]
    fn plain_numbers_are_what_the_general_conversion_gives() {
        let mut next = crate::num::xorshift(0x2545_F491_4F6C_DD1Du64);
        let alphabet = b"0123456789..-+5e,%";
        let types = [
            FieldType::Count,
            FieldType::Number,
            FieldType::Percent,
            FieldType::PerMille,
        ];
        let (mut plain, mut all) = (0, 0);
        for _ in 0..200_000 {
            let r = next();
            let len = 1 + (r % 22) as usize;
            let t: String = (0..len)
                .map(|k| {
                    let x = (next() >> (k % 7)) as usize;
                    // Mostly digits, so that many are plain numbers.
                    let i = if x.is_multiple_of(4) {
                        x % alphabet.len()
                    } else {
                        x % 10
                    };
                    alphabet[i] as char
                })
                .collect();
            for ty in types {
                all += 1;
                let general = match convert_str(&t, ty) {
                    Ok(Conv::Val(Val::Num(d))) => Some(d),
                    _ => None,
                };
                if let Some(x) = plain_number(&t, ty) {
                    plain += 1;
                    let d = general.unwrap_or_else(|| panic!("`{t}` as {ty:?}: refused"));
                    assert_eq!(x.to_decimal(), Some(d), "`{t}` as {ty:?}");
                }
            }
        }
        assert!(plain * 10 > all, "{plain} of {all} plain");
    }

    #[test]
    fn gb18030_is_read_too() {
        let csv = "单位代码,单位名称,户籍人口,出生人数,群众满意率\na1,东村,1500,3,95.5\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(csv);
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("g.csv");
        std::fs::write(&p, &bytes).expect("write");
        let set = crate::load::load_set_str("village.yaml", SET).expect("set");
        let ev = wide_csv(&set, &[p], TextEncoding::Auto).expect("fast path");
        assert_eq!(ev.units[0].name, "东村");
    }
}
