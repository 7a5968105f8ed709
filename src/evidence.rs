//! Evidence: units, their values and their case ledger, read from YAML or CSV and bound to
//! an indicator set.
//!
//! Reading and binding collect every problem (wrong types, unknown fields and units,
//! duplicate ids, negative counts, NaN, short rows) with file and line, or row and column.
//! The result, [`Evidence`], holds values already converted to the set's slots, so scoring
//! does no lookups by name.

use crate::diag::{Diagnostic, Diagnostics, Place, from_yaml_error};
use crate::expr::Val;
use crate::model::IndicatorSet;
use crate::raw::FieldType;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A value as written, before it is checked against its field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    Missing,
    Bool(bool),
    Num(Decimal),
    Text(String),
    /// A number that is not a number (NaN, infinity).
    NotFinite,
    /// One value per evidence layer: `{ self_report: 12000, survey: 12400 }`.
    Layers(Vec<(String, RawValue)>),
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, yes/no or text")
            }
            fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
                Ok(RawValue::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
                Ok(RawValue::Num(Decimal::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
                Ok(RawValue::Num(Decimal::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<RawValue, E> {
                if !v.is_finite() {
                    return Ok(RawValue::NotFinite);
                }
                // Shortest round-trip text of the float is the decimal the author wrote.
                Ok(Decimal::from_str(&v.to_string())
                    .or_else(|_| Decimal::from_scientific(&format!("{v:e}")))
                    .map_or(RawValue::NotFinite, RawValue::Num))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
                Ok(RawValue::Text(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<RawValue, E> {
                Ok(RawValue::Missing)
            }
            fn visit_none<E>(self) -> Result<RawValue, E> {
                Ok(RawValue::Missing)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawValue, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, RawValue>()? {
                    if matches!(v, RawValue::Layers(_)) {
                        return Err(serde::de::Error::custom("layers cannot be nested"));
                    }
                    out.push((k, v));
                }
                Ok(RawValue::Layers(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvidenceFile {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    units: Vec<RawUnit>,
    #[serde(default)]
    unit: Option<RawUnit>,
}

/// One unit as written in YAML evidence.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnit {
    pub id: Spanned<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
    #[serde(default)]
    pub class: Option<Spanned<String>>,
    #[serde(default)]
    pub peer_group: Option<Spanned<String>>,
    #[serde(default)]
    pub parent: Option<Spanned<String>>,
    #[serde(default)]
    pub values: BTreeMap<String, Spanned<RawValue>>,
    #[serde(default)]
    pub cases: Vec<RawCase>,
    /// The phase these values belong to, when the set is assessed in phases.
    #[serde(default)]
    pub phase: Option<String>,
    /// Document references (佐证材料) the unit submits.
    #[serde(default)]
    pub documents: Vec<Document>,
}

/// A document reference (佐证材料): the file a figure or a claim rests on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// 文号, e.g. 深人口计生〔2011〕12号.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One case of the ledger as written.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCase {
    #[serde(rename = "type")]
    pub case_type: Spanned<String>,
    #[serde(default)]
    pub severity: Option<u32>,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub found_by: Option<String>,
    #[serde(default)]
    pub self_reported: bool,
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// When the case was reported (for late-report deductions, R11).
    #[serde(default)]
    pub reported: Option<NaiveDate>,
    /// Whether the case was verified (查实); unverified cases are listed but never counted.
    #[serde(default)]
    pub verified: Option<bool>,
    /// An amount attached to the entry (e.g. funds), summed as `amount.TYPE`.
    #[serde(default)]
    pub amount: Option<Decimal>,
}

/// Where a piece of evidence was read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Origin {
    /// The file name, shared by every value read from the file.
    pub file: std::sync::Arc<str>,
    pub place: Place,
}

impl Origin {
    fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.to_string(),
            place: self.place.clone(),
            message: message.into(),
        }
    }
}

/// A case of the ledger, bound to the set.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Case {
    /// Index into the set's case types.
    #[serde(skip)]
    pub type_index: usize,
    #[serde(rename = "type")]
    pub case_type: String,
    pub severity: Option<u32>,
    pub date: Option<NaiveDate>,
    pub found_by: Option<String>,
    pub self_reported: bool,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub note: Option<String>,
    pub reported: Option<NaiveDate>,
    pub verified: bool,
    pub amount: Option<Decimal>,
    /// False when the case is dated outside the set's effective period (it does not count).
    pub in_period: bool,
}

/// A unit bound to the set: metadata by index, values by slot.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: String,
    pub name: String,
    /// Index into `set.kinds`, or `None` for a unit of a kind the set does not use (context only,
    /// e.g. the city above the scored districts).
    pub kind: Option<usize>,
    pub kind_id: String,
    pub class: Option<usize>,
    pub peer_group: Option<usize>,
    pub parent: Option<usize>,
    /// Base slots of its kind: fields, then case counts. Derived values are computed by the engine.
    pub values: Vec<Option<Val>>,
    /// Text fields (field index, text).
    pub texts: Vec<(usize, String)>,
    pub cases: Vec<Case>,
    /// Document references (佐证材料).
    pub documents: Vec<Document>,
    pub origin: Origin,
}

/// All units of one assessment, bound to an indicator set.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub units: Vec<Unit>,
    /// Indices of units of the scored kind, in input order.
    pub scored: Vec<usize>,
    /// For each unit and each descendant kind index k ≥ 1: its descendants of that kind.
    pub descendants: Vec<Vec<Vec<usize>>>,
    pub period: Option<String>,
    /// For a set assessed in phases: the evidence of each phase, in the set's phase order
    /// (this evidence itself is the last phase's).
    pub phases: Vec<Evidence>,
}

/// A unit as read from any format, before binding.
#[derive(Debug, Clone)]
pub struct ReadUnit {
    pub id: String,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub class: Option<String>,
    pub peer_group: Option<String>,
    pub parent: Option<String>,
    pub values: Vec<(String, RawValue, Origin)>,
    pub cases: Vec<(RawCase, Origin)>,
    pub origin: Origin,
    /// Where each metadata item was written.
    pub meta_origin: BTreeMap<&'static str, Origin>,
}

/// What the readers produce: units and ledger rows that name their unit.
#[derive(Debug, Default, Clone)]
pub struct ReadEvidence {
    pub units: Vec<ReadUnit>,
    pub ledger: Vec<(String, RawCase, Origin)>,
    pub period: Option<String>,
    /// The phase (time-weighted assessment) each unit entry belongs to, by index into `units`.
    pub unit_phase: BTreeMap<usize, String>,
    /// The phase of ledger rows, by index into `ledger`.
    pub ledger_phase: BTreeMap<usize, String>,
    /// Document references that name their unit (from a list of documents).
    pub documents: Vec<(String, Document, Origin)>,
}

/// Read YAML evidence text.
pub fn read_yaml(file: &str, text: &str, out: &mut ReadEvidence, diags: &mut Vec<Diagnostic>) {
    let mut options = serde_saphyr::Options::default();
    // NaN and infinity reach the value visitor so that `bind` reports them per field.
    options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
    let raw: RawEvidenceFile = match serde_saphyr::from_str_with_options(text, options) {
        Ok(r) => r,
        Err(e) => {
            diags.push(from_yaml_error(file, &e));
            return;
        }
    };
    if raw.period.is_some() {
        out.period = raw.period;
    }
    let shared_file: std::sync::Arc<str> = file.into();
    let at = |s: serde_saphyr::Location| Origin {
        file: shared_file.clone(),
        place: Place::Text {
            line: s.line(),
            column: s.column(),
        },
    };
    for u in raw.units.into_iter().chain(raw.unit) {
        if let Some(p) = &u.phase {
            out.unit_phase.insert(out.units.len(), p.clone());
        }
        for d in &u.documents {
            out.documents
                .push((u.id.value.clone(), d.clone(), at(u.id.referenced)));
        }
        let mut meta_origin = BTreeMap::new();
        for (k, v) in [
            ("kind", &u.kind),
            ("class", &u.class),
            ("peer_group", &u.peer_group),
            ("parent", &u.parent),
        ] {
            if let Some(v) = v {
                meta_origin.insert(k, at(v.referenced));
            }
        }
        out.units.push(ReadUnit {
            id: u.id.value.clone(),
            name: u.name,
            kind: u.kind.map(|s| s.value),
            class: u.class.map(|s| s.value),
            peer_group: u.peer_group.map(|s| s.value),
            parent: u.parent.map(|s| s.value),
            values: u
                .values
                .into_iter()
                .map(|(k, v)| (k, v.value, at(v.referenced)))
                .collect(),
            cases: u
                .cases
                .into_iter()
                .map(|c| {
                    let o = at(c.case_type.referenced);
                    (c, o)
                })
                .collect(),
            origin: at(u.id.referenced),
            meta_origin,
        });
    }
}

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
/// rows and footnotes are skipped as in workbooks (see [`crate::table`]).
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
            Ok(rec) => rows.push(
                rec.iter()
                    .map(|s| crate::table::Cell::Text(s.to_string()))
                    .collect(),
            ),
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
    let grid = crate::table::Grid {
        file: file.to_string(),
        sheet: None,
        rows,
    };
    crate::table::read_grid(&grid, out, diags);
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

/// Parse 是/否, yes/no, true/false, 1/0, √/×.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "是" | "有" | "yes" | "y" | "true" | "1" | "√" | "✓" | "达标" => Some(true),
        "否" | "无" | "no" | "n" | "false" | "0" | "×" | "✗" | "未达标" => Some(false),
        _ => None,
    }
}

/// Parse a date written as 2011-05-03, 2011/5/3 or 2011年5月3日.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    // A date-time written as text (`2011-05-03 00:00:00`) counts by its date.
    let s = s.trim().split([' ', 'T']).next().unwrap_or("");
    for fmt in [
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y.%m.%d",
        "%Y年%m月%d日",
        "%Y年%m月%d号",
        "%Y%m%d",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Some(d);
        }
    }
    None
}

/// Parse a number as people write it: `1,234`, `96.98%`, ` 12 `.
pub fn parse_number(s: &str) -> Option<(Decimal, bool)> {
    let t = s.trim().replace([',', '，'], "");
    let (t, percent) = match t.strip_suffix('%').or_else(|| t.strip_suffix('％')) {
        Some(rest) => (rest.trim().to_string(), true),
        None => (t, false),
    };
    let d = Decimal::from_str(&t)
        .or_else(|_| Decimal::from_scientific(&t))
        .ok()?;
    Some((d, percent))
}

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
                    crate::excel::read_workbook(&name, &bytes, &mut out, &mut diags)
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

/// Bind what was read, adding the reading problems to the binding problems.
pub fn bind_partial(
    set: &IndicatorSet,
    read: ReadEvidence,
    mut read_problems: Vec<Diagnostic>,
) -> Result<Evidence, Diagnostics> {
    match bind(set, read) {
        Ok(ev) if read_problems.is_empty() => Ok(ev),
        Ok(_) => Err(Diagnostics::new(read_problems)),
        Err(d) => {
            read_problems.extend(d.0);
            Err(Diagnostics::new(read_problems))
        }
    }
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

/// Bind read evidence to a set: resolve kinds, classes, parents, fields and case types, and
/// check every value against its field's type.
pub fn bind(set: &IndicatorSet, read: ReadEvidence) -> Result<Evidence, Diagnostics> {
    bind_in_run(set, read, None)
}

/// What every set of a multi-level run declares: kind → its field names (ids and aliases).
/// Binding one set of the run leaves alone the values another set of the run reads.
#[derive(Debug, Default, Clone)]
pub struct RunKinds(pub BTreeMap<String, std::collections::BTreeSet<String>>);

impl RunKinds {
    pub fn new<'a>(sets: impl IntoIterator<Item = &'a IndicatorSet>) -> Self {
        let mut m: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for s in sets {
            for k in &s.kinds {
                let e = m.entry(k.id.clone()).or_default();
                for f in &k.fields {
                    e.insert(f.id.clone());
                    e.extend(f.aliases.iter().cloned());
                }
            }
        }
        Self(m)
    }
    fn declares(&self, kind: &str, field: Option<&str>) -> bool {
        match (self.0.get(kind), field) {
            (Some(_), None) => true,
            (Some(fields), Some(f)) => fields.contains(f),
            (None, _) => false,
        }
    }
}

/// [`bind`] as one set of a multi-level run.
pub fn bind_in_run(
    set: &IndicatorSet,
    read: ReadEvidence,
    run: Option<&RunKinds>,
) -> Result<Evidence, Diagnostics> {
    if set.phases.is_empty() {
        if let Some((i, p)) = read.unit_phase.iter().next() {
            let o = &read.units[*i].origin;
            return Err(Diagnostics::new(vec![o.diag(format!(
                "unit `{}` is tagged with phase `{p}`, but this set is not assessed in phases",
                read.units[*i].id
            ))]));
        }
        return bind_one(set, read, run);
    }
    // Split by phase: untagged units (parents, context) belong to every phase; untagged ledger
    // rows to the last phase (the year-end assessment).
    let mut diags = Vec::new();
    let phase_of = |p: &str| set.phases.iter().position(|x| x.id == p || x.name == p);
    let last = set.phases.len() - 1;
    let scored_kind = &set.unit_kind().id;
    let mut parts: Vec<ReadEvidence> = (0..set.phases.len())
        .map(|_| ReadEvidence {
            period: read.period.clone(),
            ..ReadEvidence::default()
        })
        .collect();
    for (i, u) in read.units.iter().enumerate() {
        match read.unit_phase.get(&i) {
            Some(p) => match phase_of(p) {
                Some(k) => parts[k].units.push(u.clone()),
                None => diags.push(u.origin.diag(format!(
                    "unknown phase `{p}`; the set's phases are {}",
                    list_ids(set.phases.iter().map(|x| &x.id))
                ))),
            },
            None => {
                let scored = u.kind.as_ref().is_none_or(|k| k == scored_kind);
                if scored {
                    diags.push(u.origin.diag(format!(
                        "unit `{}` has no `phase`; this set is assessed in phases {}",
                        u.id,
                        list_ids(set.phases.iter().map(|x| &x.id))
                    )));
                } else {
                    for part in &mut parts {
                        part.units.push(u.clone());
                    }
                }
            }
        }
    }
    parts[last].documents = read.documents.clone();
    for (i, row) in read.ledger.iter().enumerate() {
        let k = match read.ledger_phase.get(&i) {
            Some(p) => match phase_of(p) {
                Some(k) => k,
                None => {
                    diags.push(row.2.diag(format!("unknown phase `{p}`")));
                    continue;
                }
            },
            None => last,
        };
        parts[k].ledger.push(row.clone());
    }
    // Every scored unit is assessed in every phase.
    let is_scored = |u: &ReadUnit| u.kind.as_ref().is_none_or(|k| k == scored_kind);
    let ids: Vec<std::collections::BTreeSet<&str>> = parts
        .iter()
        .map(|p| {
            p.units
                .iter()
                .filter(|u| is_scored(u))
                .map(|u| u.id.as_str())
                .collect()
        })
        .collect();
    let mut reported = std::collections::BTreeSet::new();
    for (k, part) in parts.iter().enumerate() {
        for u in part.units.iter().filter(|u| is_scored(u)) {
            for (j, other) in ids.iter().enumerate() {
                if !other.contains(u.id.as_str()) && reported.insert((u.id.clone(), j)) {
                    diags.push(u.origin.diag(format!(
                        "unit `{}` has evidence for phase `{}` but none for phase `{}`",
                        u.id, set.phases[k].id, set.phases[j].id
                    )));
                }
            }
        }
    }
    if !diags.is_empty() {
        return Err(Diagnostics::new(diags));
    }
    let mut bound = Vec::new();
    for part in parts {
        match bind_one(set, part, run) {
            Ok(ev) => bound.push(ev),
            Err(d) => diags.extend(d.0),
        }
    }
    if !diags.is_empty() {
        return Err(Diagnostics::new(diags));
    }
    let mut top = bound
        .last()
        .cloned()
        .ok_or_else(|| Diagnostics::new(Vec::new()))?;
    top.phases = bound;
    Ok(top)
}

fn bind_one(
    set: &IndicatorSet,
    read: ReadEvidence,
    run: Option<&RunKinds>,
) -> Result<Evidence, Diagnostics> {
    let mut diags = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (i, u) in read.units.iter().enumerate() {
        if let Some(prev) = index.insert(u.id.clone(), i) {
            let p = &read.units[prev].origin;
            diags.push(u.origin.diag(format!(
                "duplicate unit id `{}` (also at {})",
                u.id,
                place_text(p)
            )));
        }
    }
    let mut units: Vec<Unit> = Vec::with_capacity(read.units.len());
    let mut field_cache: std::collections::HashMap<(usize, &str), Option<usize>> =
        std::collections::HashMap::new();
    let n_cases = set.case_types.len();
    for u in &read.units {
        let kind_id = u.kind.clone().unwrap_or_else(|| set.unit_kind().id.clone());
        let kind = set.kinds.iter().position(|k| k.id == kind_id);
        let meta = |key: &str| u.meta_origin.get(key).unwrap_or(&u.origin);
        // Classes and peer groups belong to the set that scores the unit's kind.
        let class = match &u.class {
            _ if kind.is_none() => None,
            None => None,
            Some(c) => match set.classes.iter().position(|x| &x.id == c || &x.name == c) {
                Some(i) => Some(i),
                None => {
                    diags.push(meta("class").diag(format!(
                        "unknown class `{c}`; the set declares {}",
                        list_ids(set.classes.iter().map(|x| &x.id))
                    )));
                    None
                }
            },
        };
        let peer_group = match &u.peer_group {
            _ if kind.is_none() => None,
            None => None,
            Some(c) => match set
                .peer_groups
                .iter()
                .position(|x| &x.id == c || &x.name == c)
            {
                Some(i) => Some(i),
                None => {
                    diags.push(meta("peer_group").diag(format!(
                        "unknown peer group `{c}`; the set declares {}",
                        list_ids(set.peer_groups.iter().map(|x| &x.id))
                    )));
                    None
                }
            },
        };
        let parent = match &u.parent {
            None => None,
            Some(p) => match index.get(p) {
                Some(i) => Some(*i),
                None => {
                    diags.push(meta("parent").diag(format!(
                        "unknown parent unit `{p}`: every parent must be listed as a unit"
                    )));
                    None
                }
            },
        };
        let mut values = Vec::new();
        let mut texts = Vec::new();
        match kind {
            Some(k) => {
                let kd = &set.kinds[k];
                values = vec![None; kd.layout.derived as usize];
                for (full_name, raw, origin) in &u.values {
                    // `births@survey` (CSV headers) names one layer of a field.
                    let (name, layer_suffix) = match full_name.rsplit_once('@') {
                        Some((n, l)) => (n.trim(), Some(l.trim().to_string())),
                        None => (full_name.as_str(), None),
                    };
                    // The same headers repeat on every row: look each one up once.
                    let found = *field_cache
                        .entry((k, name))
                        .or_insert_with(|| find_field(&kd.fields, name));
                    let name = &name.to_string();
                    let Some(fi) = found else {
                        if run.is_some_and(|r| r.declares(&kd.id, Some(name))) {
                            continue; // another set of this run reads it
                        }
                        let hint =
                            crate::load::edit_distance_hint(name, kd.fields.iter().map(|f| &f.id));
                        diags.push(origin.diag(format!(
                            "unknown field `{name}` for a unit of kind `{}`{hint}",
                            kd.id
                        )));
                        continue;
                    };
                    let f = &kd.fields[fi];
                    let layered: Vec<(String, RawValue)> = match (raw, &layer_suffix) {
                        (RawValue::Layers(list), None) => list.clone(),
                        (RawValue::Layers(_), Some(_)) => {
                            diags.push(
                                origin
                                    .diag(format!("field `{}`: a layer cannot hold layers", f.id)),
                            );
                            continue;
                        }
                        (v, Some(l)) => vec![(l.clone(), v.clone())],
                        (_, None) => Vec::new(),
                    };
                    if !layered.is_empty() || (!f.layers.is_empty() && layer_suffix.is_none()) {
                        // A plain value of a layered field belongs to its lowest-priority layer.
                        let implicit = layered.is_empty();
                        let layered = if layered.is_empty() {
                            match f.layers.last().and_then(|l| set.layers.get(*l)) {
                                Some(l) => vec![(l.id.clone(), raw.clone())],
                                None => Vec::new(),
                            }
                        } else {
                            layered
                        };
                        if f.layers.is_empty() {
                            diags.push(origin.diag(format!(
                                "field `{}` ({}) has no evidence layers, but layered values were given",
                                f.id, f.name
                            )));
                            continue;
                        }
                        for (lname, lraw) in layered {
                            let pos = f.layers.iter().position(|l| {
                                set.layers
                                    .get(*l)
                                    .is_some_and(|x| x.id == lname || x.name == lname)
                            });
                            let Some(pos) = pos else {
                                let allowed: Vec<String> = f
                                    .layers
                                    .iter()
                                    .filter_map(|l| {
                                        set.layers.get(*l).map(|x| format!("`{}`", x.id))
                                    })
                                    .collect();
                                diags.push(origin.diag(format!(
                                    "field `{}` ({}): unknown layer `{lname}`; it takes {}",
                                    f.id,
                                    f.name,
                                    allowed.join(", ")
                                )));
                                continue;
                            };
                            match convert(&lraw, f.ty) {
                                Ok(Conv::Val(v)) => {
                                    values[(f.layer_base as usize) + pos] = Some(v);
                                }
                                Ok(Conv::Missing) => {}
                                Ok(Conv::Text(_)) => {
                                    diags.push(origin.diag(format!(
                                        "field `{}`: text fields have no layers",
                                        f.id
                                    )))
                                }
                                Err(why) if implicit => diags.push(
                                    origin.diag(format!("field `{}` ({}): {why}", f.id, f.name)),
                                ),
                                Err(why) => diags.push(origin.diag(format!(
                                    "field `{}` ({}), layer `{lname}`: {why}",
                                    f.id, f.name
                                ))),
                            }
                        }
                        // The used value: the first layer in priority order that has one.
                        values[fi] =
                            (0..f.layers.len()).find_map(|k| values[(f.layer_base as usize) + k]);
                        continue;
                    }
                    match convert(raw, f.ty) {
                        Ok(Conv::Val(v)) => values[fi] = Some(v),
                        Ok(Conv::Text(t)) => texts.push((fi, t)),
                        Ok(Conv::Missing) => {}
                        Err(why) => {
                            diags.push(origin.diag(format!("field `{}` ({}): {why}", f.id, f.name)))
                        }
                    }
                }
            }
            None => {
                if !run.is_some_and(|r| r.declares(&kind_id, None))
                    && u.values.iter().any(|(_, v, _)| *v != RawValue::Missing)
                {
                    diags.push(u.origin.diag(format!(
                        "unit `{}` is of kind `{kind_id}`, which this set neither scores nor aggregates, but it has values that would be ignored; the set scores `{}`{}",
                        u.id,
                        set.unit_kind().id,
                        if set.kinds.len() > 1 {
                            format!(" and aggregates {}", list_ids(set.kinds[1..].iter().map(|k| &k.id)))
                        } else {
                            String::new()
                        }
                    )));
                } else if u.parent.is_some() && !run.is_some_and(|r| r.declares(&kind_id, None)) {
                    // Undeclared kinds are accepted only as roots above the assessed units
                    // (e.g. the city above its districts).
                    diags.push(meta("kind").diag(format!(
                        "unit `{}` is of kind `{kind_id}`, which no indicator set of this run declares; declare it in `unit_kinds`, or assess it with its own set (`--level`)",
                        u.id
                    )));
                }
            }
        }
        units.push(Unit {
            id: u.id.clone(),
            name: u.name.clone().unwrap_or_else(|| u.id.clone()),
            kind,
            kind_id,
            class,
            peer_group,
            parent,
            values,
            texts,
            cases: Vec::new(),
            documents: Vec::new(),
            origin: u.origin.clone(),
        });
    }
    // Cases, from units and from ledgers.
    let mut all_cases: Vec<(usize, RawCase, Origin)> = Vec::new();
    for (i, u) in read.units.iter().enumerate() {
        for (c, o) in &u.cases {
            all_cases.push((i, c.clone(), o.clone()));
        }
    }
    for (unit, c, o) in read.ledger {
        match index.get(&unit) {
            Some(i) => all_cases.push((*i, c, o)),
            None => diags.push(o.diag(format!("case for unknown unit `{unit}`"))),
        }
    }
    for (i, c, o) in all_cases {
        if units[i].kind.is_none() {
            // The unit is scored by another set of the run, or by none: then its cases would
            // be ignored, which is an error.
            if !run.is_some_and(|r| r.declares(&units[i].kind_id, None)) {
                diags.push(o.diag(format!(
                    "case for unit `{}` of kind `{}`, which this set neither scores nor aggregates",
                    units[i].id, units[i].kind_id
                )));
            }
            continue;
        }
        let Some(t) = set
            .case_types
            .iter()
            .position(|x| x.id == c.case_type.value || x.name == c.case_type.value)
        else {
            diags.push(o.diag(format!(
                "unknown case type `{}`; the set declares {}",
                c.case_type.value,
                list_ids(set.case_types.iter().map(|x| &x.id))
            )));
            continue;
        };
        let in_period = c
            .date
            .is_none_or(|d| d >= set.effective.from && d <= set.effective.to);
        let verified = c.verified.unwrap_or(true);
        let unit = &mut units[i];
        // Verified cases count in every window that contains their date (undated: every window).
        if verified && let Some(k) = unit.kind {
            let kind = &set.kinds[k];
            for (p, window) in set.periods.iter().enumerate() {
                if c.date.is_some_and(|d| !window.contains(d)) {
                    continue;
                }
                for (amount, add) in [(false, Decimal::ONE), (true, c.amount.unwrap_or_default())] {
                    let slot = kind.case_slot(n_cases, p, t, amount) as usize;
                    if let Some(v) = unit.values.get_mut(slot) {
                        let prev = match v {
                            Some(Val::Num(n)) => *n,
                            _ => Decimal::ZERO,
                        };
                        *v = Some(Val::Num(prev + add));
                    }
                }
            }
        }
        unit.cases.push(Case {
            reported: c.reported,
            verified,
            amount: c.amount,
            type_index: t,
            case_type: set.case_types[t].id.clone(),
            severity: c.severity,
            date: c.date,
            found_by: c.found_by,
            self_reported: c.self_reported,
            reference: c.reference,
            note: c.note,
            in_period,
        });
    }
    for (unit, d, o) in read.documents {
        match index.get(&unit) {
            Some(i) => units[*i].documents.push(d),
            None => diags.push(o.diag(format!("document for unknown unit `{unit}`"))),
        }
    }
    // Case counts are known (zero when no case) for every unit of a declared kind.
    for u in &mut units {
        if let Some(k) = u.kind {
            let lay = set.kinds[k].layout;
            for slot in lay.cases..lay.derived {
                if let Some(v) = u.values.get_mut(slot as usize)
                    && v.is_none()
                {
                    *v = Some(Val::Num(Decimal::ZERO));
                }
            }
        }
    }
    // The tree: no cycles; descendants by kind.
    for (i, u) in units.iter().enumerate() {
        let mut seen = vec![i];
        let mut cur = u.parent;
        while let Some(p) = cur {
            if seen.contains(&p) {
                diags.push(u.origin.diag(format!(
                    "unit `{}` is its own ancestor (a cycle of parents)",
                    u.id
                )));
                break;
            }
            seen.push(p);
            cur = units[p].parent;
        }
    }
    let scored: Vec<usize> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.kind == Some(0))
        .map(|(i, _)| i)
        .collect();
    if scored.is_empty() && diags.is_empty() {
        diags.push(Diagnostic::file(
            "evidence",
            format!(
                "no unit of kind `{}` (the kind this set scores) in the evidence",
                set.unit_kind().id
            ),
        ));
    }
    if !diags.is_empty() {
        return Err(Diagnostics::new(diags));
    }
    let mut descendants = vec![vec![Vec::new(); set.kinds.len()]; units.len()];
    for (i, u) in units.iter().enumerate() {
        let Some(k) = u.kind else { continue };
        if k == 0 {
            continue;
        }
        let mut cur = u.parent;
        let mut guard = 0;
        while let Some(p) = cur {
            descendants[p][k].push(i);
            cur = units[p].parent;
            guard += 1;
            if guard > units.len() {
                break;
            }
        }
    }
    Ok(Evidence {
        units,
        scored,
        descendants,
        period: read.period,
        phases: Vec::new(),
    })
}

/// The field a YAML key or a column header names: its id, an alias or its Chinese name, with
/// white space ignored (`出生\n人数`); failing that, the same followed by a bracketed unit or
/// note, as the entry template writes headers (`出生人数(人)`, `满意率（%）`).
pub fn find_field(fields: &[crate::model::Field], name: &str) -> Option<usize> {
    let is = |f: &crate::model::Field, n: &str| {
        f.id == n || f.name == n || f.aliases.iter().any(|a| a == n)
    };
    // Equal but for white space, without allocating (this runs once per value).
    let same = |a: &str, b: &str| {
        let keep = |c: &char| !c.is_whitespace();
        a.chars().filter(keep).eq(b.chars().filter(keep))
    };
    let loosely = |f: &crate::model::Field, n: &str| {
        same(&f.id, n) || same(&f.name, n) || f.aliases.iter().any(|a| same(a, n))
    };
    fields.iter().position(|f| is(f, name)).or_else(|| {
        let squeezed = crate::table::squeeze(name);
        fields
            .iter()
            .position(|f| loosely(f, &squeezed))
            .or_else(|| {
                let head = crate::table::strip_bracket(&squeezed)?;
                fields.iter().position(|f| loosely(f, head))
            })
    })
}

fn place_text(o: &Origin) -> String {
    match &o.place {
        Place::Text { line, column } => format!("{}:{line}:{column}", o.file),
        Place::Row { row, .. } => format!("{} row {row}", o.file),
        Place::Cell { sheet, cell } => format!("{} {sheet}!{cell}", o.file),
        Place::File => o.file.to_string(),
    }
}

fn list_ids<'a>(ids: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = ids.map(|s| format!("`{s}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

enum Conv {
    Val(Val),
    Text(String),
    Missing,
}

fn convert(raw: &RawValue, ty: FieldType) -> Result<Conv, String> {
    let num = |d: Decimal| -> Result<Conv, String> {
        match ty {
            FieldType::Count => {
                if d < Decimal::ZERO {
                    Err(format!("expected a count ≥ 0, found {d}"))
                } else if d.fract() != Decimal::ZERO {
                    Err(format!("expected a whole number, found {d}"))
                } else {
                    Ok(Conv::Val(Val::Num(d)))
                }
            }
            FieldType::Percent if d < Decimal::ZERO || d > Decimal::ONE_HUNDRED => Err(format!(
                "expected a percentage between 0 and 100, found {d}"
            )),
            FieldType::PerMille if d < Decimal::ZERO || d > Decimal::ONE_THOUSAND => Err(format!(
                "expected a rate per mille between 0 and 1000, found {d}"
            )),
            _ => Ok(Conv::Val(Val::Num(d))),
        }
    };
    match (raw, ty) {
        (RawValue::Missing, _) => Ok(Conv::Missing),
        (RawValue::Layers(_), _) => Err("expected one value, found a map of layers".into()),
        (RawValue::NotFinite, _) => Err("expected a number, found NaN or infinity".into()),
        (RawValue::Text(t), FieldType::Text) => Ok(Conv::Text(t.clone())),
        (RawValue::Num(d), FieldType::Text) => Ok(Conv::Text(d.to_string())),
        (RawValue::Bool(b), FieldType::Text) => Ok(Conv::Text(if *b { "是" } else { "否" }.into())),
        (RawValue::Bool(b), FieldType::Bool) => Ok(Conv::Val(Val::Bool(*b))),
        (RawValue::Num(d), FieldType::Bool) if *d == Decimal::ZERO || *d == Decimal::ONE => {
            Ok(Conv::Val(Val::Bool(*d == Decimal::ONE)))
        }
        (RawValue::Num(d), FieldType::Bool) => Err(format!("expected 是/否 (yes/no), found {d}")),
        (RawValue::Text(t), FieldType::Bool) => parse_bool(t)
            .map(|b| Conv::Val(Val::Bool(b)))
            .ok_or_else(|| format!("expected 是/否 (yes/no), found `{t}`")),
        (RawValue::Bool(_), _) => Err("expected a number, found yes/no".into()),
        (RawValue::Num(d), _) => num(*d),
        (RawValue::Text(t), _) => {
            let lower = t.trim().to_ascii_lowercase();
            if [
                "nan", "inf", "-inf", "infinity", "#div/0!", "#n/a", "#value!",
            ]
            .contains(&lower.as_str())
            {
                return Err(format!("expected a number, found `{t}`"));
            }
            match parse_number(t) {
                Some((d, false)) => num(d),
                Some((d, true)) if ty == FieldType::Percent => num(d),
                Some((d, true)) => num(d / Decimal::ONE_HUNDRED),
                None => Err(format!("expected a number, found `{t}`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_write_them() {
        assert_eq!(parse_number("1,234"), Some((Decimal::from(1234), false)));
        assert_eq!(
            parse_number("96.98%"),
            Some((Decimal::from_str("96.98").unwrap_or_default(), true))
        );
        assert_eq!(parse_number("abc"), None);
    }

    #[test]
    fn bools_in_chinese() {
        assert_eq!(parse_bool("是"), Some(true));
        assert_eq!(parse_bool("否"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

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
