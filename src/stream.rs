//! A large run scored in pieces (issue 12): a plain wide CSV of an [`engine::independent`] set
//! read as bytes a block of rows at a time ([`read::fast::Source::next_rows`], the next block
//! read while one is scored); each part of a block parsed, scored and reduced at once, on one
//! thread, to what the ranked CSV and `summary.json` need — the unit's CSV cells as bytes, its
//! [`RankKey`] and its counts — then dropped. A row is read straight into slot values and
//! scored in filtered arithmetic ([`RowScorer`], [`engine::lacking_fields`]); a row that path
//! does not decide is read into a [`Unit`] and scored by the engine ([`engine::score_piece`]).
//! Neither the file, nor the units, nor their explained results are ever resident as a whole:
//! memory is the CSV cells of every unit (about the size of the scorecard CSV) plus a block.
//!
//! The outputs are byte for byte those of the whole-run path for the same input (tested below):
//! [`engine::ranking`] ranks both, the same functions write the cells and count the summary,
//! and both scoring paths give the engine's figures. Anything the fast reader does not handle,
//! or a duplicate id, ends the attempt with [`Outcome::Other`] before anything is written: the
//! caller then reads the file the general way, which reports every problem with its place.

use crate::diag::{Diagnostic, Diagnostics};
use crate::engine::{self, RankKey, Ranking, RowScorer};
use crate::evidence::{Evidence, Unit};
use crate::expr::fast::FxVal;
use crate::model::IndicatorSet;
use crate::num;
use crate::output::{self, Summary, WriteError};
use crate::read::csv::TextEncoding;
use crate::read::fast::RowMeta;
use crate::read::{
    self,
    fast::{Piece, RowFormat, WideCsvPieces},
};
use crate::result::{Assessment, UnitResult, UnitStatus, VetoOutcome};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;

/// Rows read at a time, shared out to both cores in parts of [`PART_ROWS`]: enough to keep
/// them busy, few enough that a block's bytes stay small beside the kept cells.
pub const PIECE_ROWS: usize = 32_768;

/// Rows parsed, scored and reduced to their cells by one task (its units and their explained
/// results, a few KB a unit, live only while it runs).
const PART_ROWS: usize = 1024;

/// How an attempt ended.
pub enum Outcome {
    /// Every unit scored and ranked: the table to write.
    Ranked(Box<Table>),
    /// Not a file this path reads (or a duplicate id): read it the general way.
    Other,
}

/// Where one unit's bytes lie in its piece's buffer: its CSV cells before the peer rank (id,
/// name, peer group), then those after it (lines … missing evidence, with the line end), and
/// its raw id (for ties in the ranking): the head's first cell when the CSV wrote it as it is,
/// else kept after the tail.
#[derive(Clone, Copy)]
struct Span {
    piece: u32,
    id_start: u32,
    id_end: u32,
    head_start: u32,
    head_end: u32,
    end: u32,
}

/// Unit `u`'s CSV cells appended to `buf` (see [`Span`]).
fn append_cells(
    shell: &Assessment,
    u: &UnitResult,
    piece: u32,
    buf: &mut Vec<u8>,
) -> Result<Span, WriteError> {
    let (head, tail) = output::scorecard_csv_cells(shell, u);
    push_cells(
        buf,
        (
            head.iter().map(String::as_str),
            tail.iter().map(String::as_str),
        ),
        &u.id,
        piece,
    )
}

/// A unit's CSV cells — the head (id, name, peer group) and the tail (lines … missing
/// evidence) — appended to `buf`, then its raw id `id` unless the head starts with it.
fn push_cells<'c>(
    buf: &mut Vec<u8>,
    (head, tail): (impl Iterator<Item = &'c str>, impl Iterator<Item = &'c str>),
    id: &str,
    piece: u32,
) -> Result<Span, WriteError> {
    let pos = |b: &Vec<u8>| u32::try_from(b.len()).map_err(|_| too_many());
    let head_start = pos(buf)?;
    output::push_csv_line(buf, head);
    // The head is followed by the peer rank: no line end of its own.
    buf.pop();
    let head_end = pos(buf)?;
    output::push_csv_line(buf, tail);
    let end = pos(buf)?;
    let id = id.as_bytes();
    let written = &buf[head_start as usize..head_end as usize];
    let id_start = if written.starts_with(id) && written.get(id.len()) == Some(&b',') {
        head_start
    } else {
        buf.extend_from_slice(id);
        end
    };
    let id_len = u32::try_from(id.len()).map_err(|_| too_many())?;
    Ok(Span {
        piece,
        id_start,
        id_end: id_start + id_len,
        head_start,
        head_end,
        end,
    })
}

/// Every unit's cells in input order, and their ranks.
pub struct Table {
    /// The SHA-256 and length of the file read, as read.
    pub evidence: Option<([u8; 32], u64)>,
    /// Units scored in filtered arithmetic ([`RowScorer`]); the others by the engine.
    pub filtered: usize,
    header: Vec<u8>,
    pieces: Vec<Vec<u8>>,
    spans: Vec<Span>,
    ranking: Ranking,
}

impl Table {
    /// The number of units.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    fn bytes(&self, s: Span, from: u32, to: u32) -> &[u8] {
        &self.pieces[s.piece as usize][from as usize..to as usize]
    }

    /// The ranked scorecard CSV ([`output::scorecard_csv`]'s bytes), streamed to `w`: the rows
    /// of the next stretch of ranks gathered on another thread while a stretch is written.
    pub fn write_csv(&self, w: &mut dyn Write) -> std::io::Result<()> {
        /// Units gathered at a time.
        const STRETCH: usize = 16_384;
        w.write_all(b"\xEF\xBB\xBF")?;
        w.write_all(&self.header)?;
        let mut stretches = self.ranking.order.chunks(STRETCH);
        let mut ready = stretches.next().map(|c| self.rows(c)).unwrap_or_default();
        for next in stretches {
            let mut made = Vec::new();
            let wrote = rayon::in_place_scope(|s| {
                s.spawn(|_| made = self.rows(next));
                w.write_all(&ready)
            });
            wrote?;
            ready = made;
        }
        w.write_all(&ready)?;
        w.flush()
    }

    /// The CSV rows of the units `order` (indices, in rank order).
    fn rows(&self, order: &[u32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(order.len() * 128);
        let mut n = itoa_buf();
        for &i in order {
            let i = i as usize;
            let s = self.spans[i];
            if let Some(r) = self.ranking.rank(i) {
                out.extend_from_slice(n.format(r).as_bytes());
            }
            out.push(b',');
            out.extend_from_slice(self.bytes(s, s.head_start, s.head_end));
            out.push(b',');
            if let Some(r) = self.ranking.peer_rank(i) {
                out.extend_from_slice(n.format(r).as_bytes());
            }
            out.push(b',');
            out.extend_from_slice(self.bytes(s, s.head_end, s.end));
        }
        out
    }
}

/// A small integer formatter without allocation.
struct Itoa([u8; 10]);

fn itoa_buf() -> Itoa {
    Itoa([0; 10])
}

impl Itoa {
    fn format(&mut self, mut n: u32) -> &str {
        let mut i = self.0.len();
        loop {
            i -= 1;
            self.0[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        std::str::from_utf8(&self.0[i..]).unwrap_or("")
    }
}

/// Why a run in pieces stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Units the engine refused (an item with `on_missing: error` lacking evidence), every one.
    #[error("{0}")]
    Scoring(Diagnostics),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Score the units of `paths` (one plain CSV) under `set` in pieces, counting each into
/// `summary` (made from `shell`, [`engine::shell`] of `set`), `rows` at a time;
/// `progress(bytes read, file size)` after each piece. [`Outcome::Other`] when the file is not one this path reads; `summary` is
/// then to be discarded.
pub fn score_in_pieces(
    set: &IndicatorSet,
    paths: &[PathBuf],
    enc: TextEncoding,
    shell: &Assessment,
    summary: &mut Summary<'_>,
    rows: usize,
    progress: &dyn Fn(u64, u64),
) -> Result<Outcome, StreamError> {
    if !engine::independent(set) {
        return Ok(Outcome::Other);
    }
    let Some(mut reader) = WideCsvPieces::open(set, paths, enc) else {
        return Ok(Outcome::Other);
    };
    let WideCsvPieces { format, source } = &mut reader;
    let format = &*format;
    let header = output::csv_line(&output::scorecard_csv_header(shell));
    let fast = Rows::new(set, shell);
    let mut pieces: Vec<Vec<u8>> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    let mut keys: Vec<RankKey> = Vec::new();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let part_rows = PART_ROWS.min(rows);
    let mut filtered = 0;
    let mut next = source.next_rows(rows);
    loop {
        let (first, raw) = match next {
            Piece::Rows { first, raw } => (first, raw),
            Piece::End => break,
            Piece::Other => return Ok(Outcome::Other),
        };
        // Each part read, scored and reduced to its cells on its own thread, while the next
        // rows are read; then appended in order.
        let (parts, following) = rayon::join(
            || -> Vec<Option<Result<Part<'_>, WriteError>>> {
                read::fast::line_runs(&raw, part_rows)
                    .into_par_iter()
                    .map(|(line, r)| {
                        part(format, (set, shell, fast.as_ref()), first + line, &raw[r])
                    })
                    .collect()
            },
            || source.next_rows(rows),
        );
        next = following;
        drop(raw);
        for p in parts {
            let Some(p) = p else {
                return Ok(Outcome::Other);
            };
            let p = p?;
            let piece = u32::try_from(pieces.len()).map_err(|_| too_many())?;
            spans.extend(p.spans.into_iter().map(|s| Span { piece, ..s }));
            keys.extend(p.keys);
            summary.merge(p.summary);
            errors.extend(p.errors);
            filtered += p.filtered;
            pieces.push(p.buf);
        }
        progress(source.done, source.bytes);
    }
    if !errors.is_empty() {
        return Err(StreamError::Scoring(Diagnostics::new(errors)));
    }
    if spans.is_empty() {
        return Ok(Outcome::Other);
    }
    let id = |s: &Span| &pieces[s.piece as usize][s.id_start as usize..s.id_end as usize];
    // A duplicate id is the general reader's error.
    if has_duplicates(&spans, id) {
        return Ok(Outcome::Other);
    }
    // Peer groups were numbered as met; ranking needs only to tell them apart.
    let ranking = engine::ranking(keys, |i| id(&spans[i]));
    Ok(Outcome::Ranked(Box::new(Table {
        evidence: source.sha256(),
        filtered,
        header,
        pieces,
        spans,
        ranking,
    })))
}

fn too_many() -> WriteError {
    WriteError::Encode {
        what: "scorecard.csv",
        message: "a piece of the run too large to index".to_string(),
    }
}

/// One part of a block: its units' cells (spans into `buf`, piece 0 until appended), rank
/// keys and counts, or the engine's refusals.
struct Part<'s> {
    /// Rows scored without the engine.
    filtered: usize,
    buf: Vec<u8>,
    spans: Vec<Span>,
    keys: Vec<RankKey>,
    summary: Summary<'s>,
    errors: Vec<Diagnostic>,
}

/// What a run's rows scored without the engine ([`RowScorer`]) need to write their cells,
/// prepared once.
struct Rows<'s> {
    scorer: RowScorer<'s>,
    /// The names of the slots a lacking item may name.
    names: engine::FieldNames,
    /// A row's slot values before its fields are read: case counts 0, the rest absent.
    start: Vec<FxVal>,
    dp: u32,
    lines: usize,
    /// Per veto, its scorecard entry: when it fired and applies, when it is only advice, and
    /// when it is undecided.
    vetoes: Vec<[String; 3]>,
    /// Per set peer group: its name and its place among the assessment's.
    peers: Vec<(&'s str, Option<u32>)>,
}

impl<'s> Rows<'s> {
    fn new(set: &'s IndicatorSet, shell: &'s Assessment) -> Option<Self> {
        let scorer = RowScorer::new(set)?;
        let lay = set.unit_kind().layout;
        let mut start = vec![FxVal::Absent; set.slots.len as usize];
        for v in start.get_mut(lay.cases as usize..lay.derived as usize)? {
            *v = FxVal::Num(crate::fx::Fx::ZERO);
        }
        let entry = |v: &crate::model::Veto, outcome, applied| {
            output::veto_entry(outcome, applied, (&v.id, &v.name), crate::lang::Lang::Zh)
        };
        let peers = set
            .peer_groups
            .iter()
            .map(|p| {
                let at = shell.peer_groups.iter().position(|g| g.id == p.id);
                let name = at.map_or("", |g| shell.peer_groups[g].name.as_str());
                (name, at.and_then(|g| u32::try_from(g).ok()))
            })
            .collect();
        Some(Rows {
            scorer,
            names: engine::FieldNames::new(set),
            start,
            dp: set.rounding,
            lines: set.lines.len(),
            vetoes: set
                .vetoes
                .iter()
                .map(|v| {
                    [
                        entry(v, VetoOutcome::Fired, true),
                        entry(v, VetoOutcome::Fired, false),
                        entry(v, VetoOutcome::Undecided, false),
                    ]
                })
                .collect(),
            peers,
        })
    }

    /// The row's cells, rank key and counts into `p` when the filtered path scores it (and
    /// finds the fields it lacks); `Ok(false)` when the engine is to score it.
    fn write(
        &self,
        set: &IndicatorSet,
        meta: &RowMeta<'_>,
        (vals, cells): (&mut [FxVal], &mut String),
        p: &mut Part<'_>,
    ) -> Result<bool, WriteError> {
        let Some(f) = self.scorer.score(meta.class, vals, false) else {
            return Ok(false);
        };
        let decided = f.calls.iter().all(|c| c.outcome == VetoOutcome::Fired);
        let lacking = if f.lacking.is_empty() && decided {
            Vec::new()
        } else {
            match engine::lacking_fields(set, meta.class, vals, (&f, &self.names)) {
                Some(l) => l,
                None => return Ok(false),
            }
        };
        // The tail's cells into `cells`, each ending where the next starts.
        cells.clear();
        let mut ends = [0usize; 16];
        let mut n = 0;
        let mut end = |cells: &String| {
            if let Some(e) = ends.get_mut(n) {
                *e = cells.len();
            }
            n += 1;
        };
        let num = |cells: &mut String, x: Option<i64>| {
            if let Some(x) = x {
                num::push_scaled(cells, x, self.dp);
            }
        };
        for l in &f.lines[..self.lines] {
            num(cells, *l);
            end(cells);
        }
        for x in [f.bonus, f.total, Some(f.max_possible), f.score] {
            num(cells, x);
            end(cells);
        }
        if let Some(g) = f.grade.and_then(|g| set.grades.get(g)) {
            cells.push_str(&g.label);
        }
        end(cells);
        for (k, c) in f.calls.iter().enumerate() {
            if k > 0 {
                cells.push_str(output::VETO_SEPARATOR);
            }
            let [applies, advice, undecided] = &self.vetoes[c.index];
            cells.push_str(match (c.outcome, c.applied) {
                (VetoOutcome::Undecided, _) => undecided,
                (_, true) => applies,
                (_, false) => advice,
            });
        }
        end(cells);
        cells.push_str(f.status.zh());
        end(cells);
        if !lacking.is_empty() {
            let fields = lacking.iter().map(|(i, n)| (&**i, &**n));
            cells.push_str(&output::missing_list_in(fields, crate::lang::Lang::Zh));
        }
        end(cells);
        if n > ends.len() {
            return Ok(false);
        }
        let (peer, peer_at) = meta
            .peer_group
            .and_then(|g| self.peers.get(g).copied())
            .unwrap_or(("", None));
        let tail = (0..n).map(|k| &cells[if k == 0 { 0 } else { ends[k - 1] }..ends[k]]);
        let head = [meta.id, meta.name, peer].into_iter();
        p.spans
            .push(push_cells(&mut p.buf, (head, tail), meta.id, 0)?);
        let score = f.score.map(|s| rust_decimal::Decimal::new(s, self.dp));
        p.keys.push(RankKey {
            status: f.status,
            vetoed: f.vetoed,
            score,
            peer: peer_at,
        });
        let grade = f
            .grade
            .and_then(|g| set.grades.get(g))
            .map(|g| g.label.as_str());
        let vetoes = f
            .calls
            .iter()
            .map(|c| (set.vetoes[c.index].id.as_str(), c.outcome));
        p.summary.add_figures(f.status, grade, f.vetoed, vetoes);
        p.filtered += 1;
        Ok(true)
    }
}

/// The rows `raw` (whole lines, the first being body line `first`) read, scored and reduced to
/// a [`Part`]; `None` when they are not rows the fast path reads. A row is scored in filtered
/// arithmetic when `rows` can ([`Rows::write`]), else by the engine ([`engine::score_piece`]).
fn part<'s>(
    reader: &RowFormat<'_>,
    (set, shell, rows): (&IndicatorSet, &'s Assessment, Option<&Rows<'_>>),
    first: usize,
    raw: &[u8],
) -> Option<Result<Part<'s>, WriteError>> {
    let text = reader.text(raw)?;
    let rr = reader.row_reader();
    let mut p = Part {
        filtered: 0,
        buf: Vec::with_capacity(raw.len()),
        spans: Vec::new(),
        keys: Vec::new(),
        summary: Summary::empty(shell),
        errors: Vec::new(),
    };
    p.spans.reserve(PART_ROWS);
    p.keys.reserve(PART_ROWS);
    let mut cells: Vec<&str> = Vec::new();
    let mut vals = rows.map(|r| r.start.clone()).unwrap_or_default();
    let mut scratch = String::new();
    // Rows left to the engine: their units, and their places among the part's.
    let (mut slow, mut slow_at): (Vec<Unit>, Vec<usize>) = (Vec::new(), Vec::new());
    for (k, line) in text.split_inclusive('\n').enumerate() {
        let meta = rr.split(line, &mut cells)?;
        if let Some(r) = rows {
            vals.copy_from_slice(&r.start);
            let none = rr.fields(&cells, &mut vals)?;
            if !none {
                match r.write(set, &meta, (&mut vals, &mut scratch), &mut p) {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => return Some(Err(e)),
                }
            }
        }
        slow.push(rr.unit(first + k, &cells)?);
        slow_at.push(p.spans.len());
        // Places kept for the engine's results.
        p.spans.push(Span {
            piece: 0,
            id_start: 0,
            id_end: 0,
            head_start: 0,
            head_end: 0,
            end: 0,
        });
        p.keys.push(RankKey {
            status: UnitStatus::Complete,
            vetoed: false,
            score: None,
            peer: None,
        });
    }
    if slow.is_empty() {
        p.buf.shrink_to_fit();
        return Some(Ok(p));
    }
    let ev = Evidence::flat(slow);
    let results = match engine::score_piece(set, &ev) {
        Ok(r) => r,
        Err(d) => {
            p.errors = d.0;
            return Some(Ok(p));
        }
    };
    drop(ev);
    for (u, at) in results.iter().zip(slow_at) {
        match append_cells(shell, u, 0, &mut p.buf) {
            Ok(s) => p.spans[at] = s,
            Err(e) => return Some(Err(e)),
        }
        p.keys[at] = rank_key(shell, u);
        p.summary.add(u);
    }
    p.buf.shrink_to_fit();
    Some(Ok(p))
}

/// The unit's rank key; its peer group by the set's index (ranking only tells groups apart).
fn rank_key(shell: &Assessment, u: &UnitResult) -> RankKey {
    let peer = u.peer_group.as_deref().and_then(|p| {
        shell
            .peer_groups
            .iter()
            .position(|g| g.id == p)
            .and_then(|g| u32::try_from(g).ok())
    });
    RankKey {
        status: u.status,
        vetoed: u.vetoed,
        score: u.score,
        peer,
    }
}

/// Whether two units share an id: their hashes sorted first, the ids compared only when two
/// hashes are equal.
fn has_duplicates<'a>(spans: &[Span], id: impl Fn(&Span) -> &'a [u8] + Sync) -> bool {
    use std::hash::{BuildHasher, BuildHasherDefault};
    let h = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
    let mut hashes: Vec<u64> = spans.par_iter().map(|s| h.hash_one(id(s))).collect();
    hashes.par_sort_unstable();
    if !hashes.windows(2).any(|w| w[0] == w[1]) {
        return false;
    }
    let mut ids: Vec<&[u8]> = spans.iter().map(&id).collect();
    ids.par_sort_unstable();
    ids.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = include_str!("../indicators/village.yaml");

    /// The village set with three peer groups, and `n` generated villages with a 方阵 column.
    fn villages_in_groups(n: usize, seed: u64) -> (IndicatorSet, String) {
        let text = SET.replacen(
            "combine: sum\n",
            "combine: sum\npeer_groups:\n  - { id: plain, name: 平原方阵 }\n  - { id: hill, name: 丘陵方阵 }\n  - { id: mount, name: 山区方阵 }\n",
            1,
        );
        let set = crate::load::load_set_str("village.yaml", &text).expect("set");
        let mut v = Vec::new();
        crate::bench::write_villages(&mut v, n, seed).expect("generate");
        let csv = String::from_utf8(v).expect("utf-8");
        let mut out = String::new();
        for (i, line) in csv.lines().enumerate() {
            out.push_str(line);
            out.push(',');
            // The header, then groups by id and by name, one village in seven without one.
            out.push_str(match (i, i % 7) {
                (0, _) => "方阵",
                (_, 0) => "",
                (_, 1 | 4) => "hill",
                (_, 2) => "山区方阵",
                _ => "plain",
            });
            out.push('\n');
        }
        (set, out)
    }

    /// scorecard.csv and summary.json (and, in pieces, the rows scored without the engine).
    type Written = (Vec<u8>, Vec<u8>);

    /// What the whole-run path writes, and what pieces of `rows` rows write, for the same file.
    fn both(set: &IndicatorSet, csv: &str, rows: usize) -> (Written, Option<(Written, usize)>) {
        both_file(set, ("v.csv", csv.as_bytes(), TextEncoding::Auto), rows)
    }

    /// [`both`] for a file `name` of `bytes` read as `enc`.
    fn both_file(
        set: &IndicatorSet,
        (name, bytes, enc): (&str, &[u8], TextEncoding),
        rows: usize,
    ) -> (Written, Option<(Written, usize)>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        let paths = [p];
        let ev = crate::read::fast::wide_csv(set, &paths, enc).expect("fast path");
        let a = engine::assess(set, &ev).expect("scores");
        let whole = (
            output::scorecard_csv(&a).expect("csv"),
            Summary::new(&a).to_json().expect("json"),
        );
        let shell = engine::shell(set, None);
        let mut summary = Summary::empty(&shell);
        let out = score_in_pieces(set, &paths, enc, &shell, &mut summary, rows, &|_, _| {})
            .expect("no error");
        let pieces = match out {
            Outcome::Ranked(t) => {
                let mut csv = Vec::new();
                t.write_csv(&mut csv).expect("write");
                Some(((csv, summary.to_json().expect("json")), t.filtered))
            }
            Outcome::Other => None,
        };
        (whole, pieces)
    }

    #[test]
    fn pieces_write_what_the_whole_run_writes() {
        let (set, csv) = villages_in_groups(5_000, 11);
        for rows in [1, 333, 4_999, 5_000, 100_000] {
            let (whole, pieces) = both(&set, &csv, rows);
            let (pieces, filtered) = pieces.expect("read in pieces");
            // Nearly every row without the engine: with blanks, undecided vetoes, peer groups.
            assert!(filtered > 4_900, "{filtered} of 5,000 rows filtered");
            assert!(
                whole.0 == pieces.0,
                "scorecard.csv differs with pieces of {rows}"
            );
            assert_eq!(
                String::from_utf8_lossy(&whole.1),
                String::from_utf8_lossy(&pieces.1),
                "summary.json, pieces of {rows}"
            );
        }
        // Peer ranks were written: the groups rank on their own.
        let text = String::from_utf8(both(&set, &csv, 500).0.0).expect("utf-8");
        assert!(
            text.lines().any(|l| l.contains(",山区方阵,1,")),
            "a group's first"
        );
    }

    #[test]
    fn tab_separated_and_gb18030_files_are_scored_alike() {
        let (set, csv) = villages_in_groups(2_000, 5);
        let (plain, _) = both(&set, &csv, 700);
        // Tabs with spaces around values (full-width ones too), and the file in GB18030.
        let tsv = csv
            .replace(',', "\t")
            .replace("\t是", "\t 是 ")
            .replace("\t否", "\t\u{3000}否");
        let (gb, _, _) = encoding_rs::GB18030.encode(&csv);
        for (name, bytes, enc) in [
            ("v.tsv", tsv.as_bytes(), TextEncoding::Auto),
            ("g.csv", &gb[..], TextEncoding::Gb18030),
        ] {
            let (whole, pieces) = both_file(&set, (name, bytes, enc), 700);
            let (pieces, filtered) = pieces.expect("read in pieces");
            assert!(
                filtered > 1_950,
                "{name}: {filtered} of 2,000 rows filtered"
            );
            assert!(whole.0 == pieces.0, "{name}: scorecard.csv differs");
            assert!(
                pieces.0 == plain.0,
                "{name}: scorecard.csv differs from the CSV's"
            );
            assert_eq!(whole.1, pieces.1, "{name}: summary.json");
        }
    }

    #[test]
    fn anything_unusual_is_left_to_the_general_way() {
        let (set, csv) = villages_in_groups(3_000, 2);
        // A duplicate id in the last piece, a quoted field in the middle, a bad value, a blank
        // line: none is read in pieces (the general reader reports each with its place).
        let lines: Vec<&str> = csv.lines().collect();
        let first_id = lines[1].split(',').next().expect("id");
        let last = lines[2_999].split_once(',').expect("row").1;
        let variants = [
            format!("{csv}{first_id},{last}\n"),
            csv.replacen(
                &lines[1_500].to_string(),
                &format!("\"{}\"", lines[1_500]),
                1,
            ),
            csv.replacen(
                &format!("\n{}", lines[2_000]),
                &format!("\n{}", lines[2_000].replacen(",是,", ",maybe,", 1)),
                1,
            ),
            csv.replacen(
                &format!("\n{}", lines[2_500]),
                &format!("\n\n{}", lines[2_500]),
                1,
            ),
        ];
        for (k, v) in variants.iter().enumerate() {
            assert_ne!(v, &csv, "variant {k} changed nothing");
            let dir = tempfile::tempdir().expect("temp dir");
            let p = dir.path().join("v.csv");
            std::fs::write(&p, v).expect("write");
            let shell = engine::shell(&set, None);
            let mut summary = Summary::empty(&shell);
            let out = score_in_pieces(
                &set,
                &[p],
                TextEncoding::Auto,
                &shell,
                &mut summary,
                256,
                &|_, _| {},
            )
            .expect("no error");
            assert!(
                matches!(out, Outcome::Other),
                "variant {k} was read in pieces"
            );
        }
    }

    #[test]
    fn a_set_reading_other_units_is_not_scored_in_pieces() {
        let text = SET.replacen(
            "    when: err_rate > 7\n",
            "    when: err_rate > 7 or births > all_mean.births * 10\n",
            1,
        );
        let set = crate::load::load_set_str("village.yaml", &text).expect("set");
        assert!(!engine::independent(&set));
        let (plain, _) = villages_in_groups(10, 1);
        assert!(engine::independent(&plain));
    }
}
