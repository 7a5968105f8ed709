//! The title registry (称号登记册): a catalogue of titles, the units, and an **append-only event
//! log** of what happened to each unit's titles (申报, 初评推荐, 检查验收, 命名, 复查, 黄牌, 整改,
//! 撤销, 到期) plus findings made later (查实).
//!
//! The log is the last key of the file and a block list, so a decision adds events by appending
//! text: the updated registry starts with the exact bytes of the old one ([`Registry::append`]).
//! Nothing is ever edited. A title's standing (sought, held, warned, revoked, expired) is derived
//! from its events ([`Registry::standing`]); see `docs/decide.md`.

use crate::diag::{Diagnostic, Diagnostics, Sink};
use crate::yaml;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_saphyr::{Location, Spanned};
use std::collections::{BTreeMap, BTreeSet};

/// Version tag of the registry file.
pub const SCHEMA: &str = "kaohe.titles/1";

type S = Spanned<String>;

/// Administrative level of a title or an inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[serde(alias = "国家级")]
    National,
    #[serde(alias = "省级")]
    Province,
    #[serde(alias = "市级")]
    City,
    #[serde(alias = "区级")]
    District,
}

impl Level {
    /// The level in `lang`.
    pub fn label(self, lang: crate::lang::Lang) -> &'static str {
        match self {
            Level::National => lang.pick("国家级", "national"),
            Level::Province => lang.pick("省级", "provincial"),
            Level::City => lang.pick("市级", "city"),
            Level::District => lang.pick("区级", "district"),
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Level::National => "国家级",
            Level::Province => "省级",
            Level::City => "市级",
            Level::District => "区级",
        }
    }
    /// The file spelling.
    pub fn key(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Province => "province",
            Level::City => "city",
            Level::District => "district",
        }
    }
}

/// What happened. Written in Chinese in the file (English aliases accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum EventKind {
    /// The unit applies (creates a plan and applies for the title).
    #[serde(rename = "申报", alias = "apply")]
    Apply,
    /// The city's leading group reviews and recommends it to the upper level.
    #[serde(rename = "初评推荐", alias = "recommend")]
    Recommend,
    /// An upper level's inspection and acceptance; `level` and `result` say whose and how.
    #[serde(rename = "检查验收", alias = "inspect")]
    Inspect,
    /// The title is conferred (starts a term).
    #[serde(rename = "命名", alias = "name")]
    Name,
    /// Annual review: kept.
    #[serde(rename = "复查", alias = "review")]
    Review,
    /// Yellow-card warning.
    #[serde(rename = "黄牌", alias = "warn")]
    Warn,
    /// Rectification checked; `result: 通过` lifts the warning.
    #[serde(rename = "整改", alias = "rectify")]
    Rectify,
    /// The title is revoked.
    #[serde(rename = "撤销", alias = "revoke")]
    Revoke,
    /// The title's term ended.
    #[serde(rename = "到期", alias = "expire")]
    Expire,
    /// A finding made later about a past year (e.g. 弄虚作假), with `year` and `finding`.
    #[serde(rename = "查实", alias = "finding")]
    Finding,
}

impl EventKind {
    pub fn zh(self) -> &'static str {
        match self {
            EventKind::Apply => "申报",
            EventKind::Recommend => "初评推荐",
            EventKind::Inspect => "检查验收",
            EventKind::Name => "命名",
            EventKind::Review => "复查",
            EventKind::Warn => "黄牌",
            EventKind::Rectify => "整改",
            EventKind::Revoke => "撤销",
            EventKind::Expire => "到期",
            EventKind::Finding => "查实",
        }
    }
}

/// Result of an inspection or a rectification check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum EventResult {
    #[serde(rename = "通过", alias = "passed")]
    Passed,
    #[serde(rename = "未通过", alias = "failed")]
    Failed,
}

impl EventResult {
    pub fn zh(self) -> &'static str {
        match self {
            EventResult::Passed => "通过",
            EventResult::Failed => "未通过",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// File format
// ---------------------------------------------------------------------------------------------

/// The file; with `E` = `Spanned<IgnoredAny>`, everything but the events, to report structural
/// errors in the header apart from those in each event.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, bound = "E: Deserialize<'de>")]
struct RawRegistry<E = RawEvent> {
    schema: S,
    name: String,
    titles: Vec<RawTitle>,
    #[serde(default)]
    units: Vec<RawUnit>,
    #[serde(default)]
    events: Option<Vec<E>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTitle {
    id: S,
    name: String,
    level: Level,
    /// Years a conferment lasts (from the 命名 date); none = until revoked.
    #[serde(default)]
    term_years: Option<Spanned<u32>>,
    /// Who confers it.
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    id: S,
    name: String,
    #[serde(default)]
    parent: Option<S>,
    #[serde(default)]
    streets: Vec<RawStreet>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStreet {
    id: S,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    date: Spanned<NaiveDate>,
    unit: S,
    #[serde(default)]
    title: Option<S>,
    kind: Spanned<EventKind>,
    #[serde(default)]
    level: Option<Spanned<Level>>,
    #[serde(default)]
    result: Option<Spanned<EventResult>>,
    /// 查实: the assessment year the finding concerns.
    #[serde(default)]
    year: Option<Spanned<i32>>,
    /// 查实: what was found (e.g. 弄虚作假).
    #[serde(default)]
    finding: Option<Spanned<String>>,
    /// 查实: the veto rule the finding amounts to, if any.
    #[serde(default)]
    veto: Option<String>,
    #[serde(default)]
    by: Option<String>,
    /// Set by `kaohe decide`: the assessment year of the decision that added the event.
    #[serde(default)]
    decision: Option<Spanned<i32>>,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

/// A title in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleDef {
    pub id: String,
    pub name: String,
    pub level: Level,
    pub term_years: Option<u32>,
    pub by: Option<String>,
    pub note: Option<String>,
}

/// A unit that can hold titles, with the streets whose assessment may be delegated to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegUnit {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub streets: Vec<Street>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Street {
    pub id: String,
    pub name: String,
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub date: NaiveDate,
    pub unit: String,
    pub title: Option<String>,
    pub kind: EventKind,
    pub level: Option<Level>,
    pub result: Option<EventResult>,
    pub year: Option<i32>,
    pub finding: Option<String>,
    pub veto: Option<String>,
    pub by: Option<String>,
    pub decision: Option<i32>,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub reference: Option<String>,
    pub note: Option<String>,
    /// Line in the registry file (0 for events not yet written).
    pub line: u64,
}

impl Event {
    /// A new event of `kind` with every optional part empty.
    pub fn new(date: NaiveDate, unit: &str, title: Option<&str>, kind: EventKind) -> Self {
        Self {
            date,
            unit: unit.to_string(),
            title: title.map(str::to_string),
            kind,
            level: None,
            result: None,
            year: None,
            finding: None,
            veto: None,
            by: None,
            decision: None,
            rules: Vec::new(),
            reason: None,
            reference: None,
            note: None,
            line: 0,
        }
    }
}

/// A loaded, validated registry. Keeps its source text so decisions can append to it.
#[derive(Debug, Clone)]
pub struct Registry {
    pub file: String,
    pub name: String,
    pub titles: Vec<TitleDef>,
    pub units: Vec<RegUnit>,
    pub events: Vec<Event>,
    text: String,
    /// Where decisions append events.
    tail: Tail,
}

/// How to append to the event log, found from the parsed file (never by searching its text
/// for a key: `"events":` and `events :` are the same key).
#[derive(Debug, Clone, Default)]
struct Tail {
    /// The key to write first when the file has no `events` yet.
    key: Option<String>,
    /// Indentation of the events' dashes.
    indent: usize,
}

/// Where a unit stands with one title at some date, derived from its events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Standing {
    /// The current conferment: the 命名 date.
    pub held_since: Option<NaiveDate>,
    /// An unlifted yellow card while held.
    pub warned_on: Option<NaiveDate>,
    /// Latest 申报 not yet followed by a 命名.
    pub applied_on: Option<NaiveDate>,
    /// Latest 初评推荐 not yet followed by a 命名.
    pub recommended_on: Option<NaiveDate>,
    /// Latest 检查验收 not yet followed by a 命名: date, level, result.
    pub inspected: Option<(NaiveDate, Option<Level>, EventResult)>,
    /// How the last conferment ended, if it did.
    pub ended: Option<(EventKind, NaiveDate)>,
    /// Every 命名 date.
    pub named: Vec<NaiveDate>,
}

impl Standing {
    pub fn holds(&self) -> bool {
        self.held_since.is_some()
    }
    /// Short status in `lang`.
    pub fn label(&self, lang: crate::lang::Lang) -> String {
        if !lang.en() {
            return self.zh();
        }
        if let Some(d) = self.held_since {
            return match self.warned_on {
                Some(w) => format!("held (conferred {d}, yellow card {w})"),
                None => format!("held (conferred {d})"),
            };
        }
        let pending = if let Some((d, l, r)) = self.inspected {
            let level = l.map(|l| format!("{} ", l.label(lang))).unwrap_or_default();
            let result = match r {
                EventResult::Passed => "passed",
                EventResult::Failed => "failed",
            };
            Some(format!("{level}inspection {result} ({d})"))
        } else if let Some(d) = self.recommended_on {
            Some(format!("recommended ({d})"))
        } else {
            self.applied_on.map(|d| format!("applied ({d})"))
        };
        let ended = self.ended.map(|(k, d)| match k {
            EventKind::Revoke => format!("revoked ({d})"),
            _ => format!("expired ({d})"),
        });
        match (ended, pending) {
            (Some(e), Some(p)) => format!("{e}; {p}"),
            (Some(e), None) => e,
            (None, Some(p)) => p,
            (None, None) => "not held".to_string(),
        }
    }

    /// Short Chinese status.
    pub fn zh(&self) -> String {
        if let Some(d) = self.held_since {
            return match self.warned_on {
                Some(w) => format!("持有(自{d}命名,{w}黄牌警告)"),
                None => format!("持有(自{d}命名)"),
            };
        }
        let pending = if let Some((d, l, r)) = self.inspected {
            Some(format!(
                "{}检查验收{}({d})",
                l.map(Level::zh).unwrap_or(""),
                r.zh()
            ))
        } else if let Some(d) = self.recommended_on {
            Some(format!("已初评推荐({d})"))
        } else {
            self.applied_on.map(|d| format!("已申报({d})"))
        };
        let ended = self.ended.map(|(k, d)| match k {
            EventKind::Revoke => format!("已撤销({d})"),
            _ => format!("已到期({d})"),
        });
        match (ended, pending) {
            (Some(e), Some(p)) => format!("{e};{p}"),
            (Some(e), None) => e,
            (None, Some(p)) => p,
            (None, None) => "无".to_string(),
        }
    }
}

impl Registry {
    pub fn title(&self, id: &str) -> Option<&TitleDef> {
        self.titles.iter().find(|t| t.id == id)
    }
    pub fn unit(&self, id: &str) -> Option<&RegUnit> {
        self.units.iter().find(|u| u.id == id)
    }
    /// The source text (exactly as read).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Standing of `unit` with `title` after `events` (the registry's, then any extra ones, in
    /// order), counting only events dated on or before `as_of`.
    pub fn standing_with(
        &self,
        extra: &[Event],
        unit: &str,
        title: &str,
        as_of: NaiveDate,
    ) -> Standing {
        let mut s = Standing::default();
        for e in self.events.iter().chain(extra) {
            if e.unit != unit || e.title.as_deref() != Some(title) || e.date > as_of {
                continue;
            }
            apply(&mut s, e);
        }
        s
    }

    /// Standing of `unit` with `title` as of a date.
    pub fn standing(&self, unit: &str, title: &str, as_of: NaiveDate) -> Standing {
        self.standing_with(&[], unit, title, as_of)
    }

    /// The registry text with `events` appended at the end of the log, after a comment line.
    /// The result starts with the exact bytes of the input, and is read back before it is
    /// returned: every old event must be there unchanged and the new ones after them.
    pub fn append(&self, comment: &str, events: &[Event]) -> Result<String, Diagnostics> {
        let mut out = self.text.clone();
        if events.is_empty() {
            return Ok(out);
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if let Some(key) = &self.tail.key {
            out.push_str(key);
        }
        let pad = " ".repeat(self.tail.indent);
        for line in comment.lines() {
            out.push_str(&format!("{pad}# {line}\n"));
        }
        for e in events {
            out.push_str(&render_event(e, self.tail.indent));
        }
        self.check_appended(&out, events)?;
        Ok(out)
    }

    /// Refuse an appended registry that does not read back as this one plus `events`.
    fn check_appended(&self, text: &str, events: &[Event]) -> Result<(), Diagnostics> {
        let refuse = |why: String| {
            Diagnostics::new(vec![Diagnostic::file(
                &self.file,
                format!("cannot append the new events to this registry: {why}; nothing written"),
            )])
        };
        let again = load_registry_str(&self.file, text).map_err(|d| {
            let first = d.iter().next().map(|d| d.to_string()).unwrap_or_default();
            refuse(format!("the result would not read back ({first})"))
        })?;
        let (old, new) = again
            .events
            .split_at(self.events.len().min(again.events.len()));
        let unchanged = old == self.events.as_slice();
        let appended = new.len() == events.len()
            && new.iter().zip(events).all(|(a, b)| {
                Event {
                    line: 0,
                    ..a.clone()
                } == *b
            });
        if !(unchanged && appended) {
            return Err(refuse(format!(
                "reading it back gives {} events, not the {} old ones unchanged and the {} new ones",
                again.events.len(),
                self.events.len(),
                events.len()
            )));
        }
        Ok(())
    }
}

fn apply(s: &mut Standing, e: &Event) {
    match e.kind {
        EventKind::Apply => {
            s.applied_on = Some(e.date);
            s.recommended_on = None;
            s.inspected = None;
        }
        EventKind::Recommend => s.recommended_on = Some(e.date),
        EventKind::Inspect => {
            if let Some(r) = e.result {
                s.inspected = Some((e.date, e.level, r));
            }
        }
        EventKind::Name => {
            s.held_since = Some(e.date);
            s.warned_on = None;
            s.applied_on = None;
            s.recommended_on = None;
            s.inspected = None;
            s.ended = None;
            s.named.push(e.date);
        }
        EventKind::Review | EventKind::Finding => {}
        EventKind::Warn => {
            if s.held_since.is_some() {
                s.warned_on = Some(e.date);
            }
        }
        EventKind::Rectify => {
            if e.result == Some(EventResult::Passed) {
                s.warned_on = None;
            }
        }
        EventKind::Revoke | EventKind::Expire => {
            s.held_since = None;
            s.warned_on = None;
            s.ended = Some((e.kind, e.date));
        }
    }
}

/// YAML for one event as a block-list item at `indent`. Strings are double-quoted (JSON
/// escapes are valid YAML), so any text round-trips.
pub fn render_event(e: &Event, indent: usize) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    let pad = " ".repeat(indent);
    let mut lines: Vec<String> = vec![format!("date: {}", e.date), format!("unit: {}", q(&e.unit))];
    if let Some(t) = &e.title {
        lines.push(format!("title: {}", q(t)));
    }
    lines.push(format!("kind: {}", e.kind.zh()));
    if let Some(l) = e.level {
        lines.push(format!("level: {}", l.key()));
    }
    if let Some(r) = e.result {
        lines.push(format!("result: {}", r.zh()));
    }
    if let Some(y) = e.year {
        lines.push(format!("year: {y}"));
    }
    if let Some(f) = &e.finding {
        lines.push(format!("finding: {}", q(f)));
    }
    if let Some(v) = &e.veto {
        lines.push(format!("veto: {}", q(v)));
    }
    if let Some(b) = &e.by {
        lines.push(format!("by: {}", q(b)));
    }
    if let Some(d) = e.decision {
        lines.push(format!("decision: {d}"));
    }
    if !e.rules.is_empty() {
        let r: Vec<String> = e.rules.iter().map(|r| q(r)).collect();
        lines.push(format!("rules: [{}]", r.join(", ")));
    }
    if let Some(r) = &e.reason {
        lines.push(format!("reason: {}", q(r)));
    }
    if let Some(r) = &e.reference {
        lines.push(format!("ref: {}", q(r)));
    }
    if let Some(n) = &e.note {
        lines.push(format!("note: {}", q(n)));
    }
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            out.push_str(&format!("{pad}- {l}\n"));
        } else {
            out.push_str(&format!("{pad}  {l}\n"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// Load a registry from a file.
pub fn load_registry_file(path: &std::path::Path) -> Result<Registry, Diagnostics> {
    yaml::load_file(path, load_registry_str)
}

/// Check that the `events` log is the last top-level key and a block list, so decisions can
/// append to it; where appended events go.
fn log_tail(file: &str, text: &str, has_events: bool, sink: &mut Sink) -> Tail {
    let Ok(keys) = yaml::top_level_keys(text) else {
        return Tail::default();
    };
    let indent_of =
        |loc: Location| usize::try_from(loc.column()).map_or(0, |c| c.saturating_sub(1));
    let top = keys.first().map_or(0, |k| indent_of(k.key));
    let Some(at) = keys.iter().position(|k| k.name == "events") else {
        return Tail {
            key: Some(format!("{}events:\n", " ".repeat(top))),
            indent: top + 2,
        };
    };
    let log = &keys[at];
    if let Some(next) = keys.get(at + 1) {
        sink.at(
            next.key,
            "`events` must be the last key of the registry: decisions append new events at the end of the file",
        );
    }
    let offset = log
        .value
        .span()
        .byte_offset()
        .and_then(|o| usize::try_from(o).ok());
    let dash = offset.and_then(|o| block_list_dash(text, o));
    // An empty value is placed at the key's colon.
    let rest_of_line = offset.and_then(|o| text.get(o..)).map(|t| {
        let line = t.lines().next().unwrap_or("");
        line.strip_prefix(':').unwrap_or(line).trim()
    });
    match (has_events, dash, rest_of_line) {
        (true, Some(indent), _) => Tail { key: None, indent },
        (false, _, Some(rest)) if rest.is_empty() || rest.starts_with('#') => Tail {
            key: None,
            indent: indent_of(log.key) + 2,
        },
        _ => {
            sink.push(Diagnostic::at(
                file,
                log.key.line(),
                log.key.column(),
                "write `events:` as a block list (one `- ` item per event, nothing after the colon): decisions append new events at the end of the file",
            ));
            Tail::default()
        }
    }
}

/// The indentation of the dash of a block list whose value the parser places at byte `at`:
/// at the dash itself, or at the first item's content after it.
fn block_list_dash(text: &str, at: usize) -> Option<usize> {
    let dash = if text.get(at..)?.starts_with('-') {
        at
    } else {
        text.get(..at)?.trim_end().strip_suffix('-')?.len()
    };
    let after = text[dash + 1..].chars().next();
    let line_start = text[..dash].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..dash];
    (after.is_none_or(char::is_whitespace) && before.chars().all(|c| c == ' '))
        .then_some(before.len())
}

/// Load a registry from YAML text; `file` names it in diagnostics.
pub fn load_registry_str(file: &str, text: &str) -> Result<Registry, Diagnostics> {
    let raw: RawRegistry = yaml::parse(file, text)?;
    let mut sink = Sink::new(file);
    let has_events = raw.events.as_ref().is_some_and(|e| !e.is_empty());
    let tail = log_tail(file, text, has_events, &mut sink);
    if raw.schema.value != SCHEMA {
        sink.at(
            raw.schema.referenced,
            format!("schema must be `{SCHEMA}`, found `{}`", raw.schema.value),
        );
    }
    let titles = build_titles(raw.titles, &mut sink);
    let units = build_units(raw.units, &mut sink);
    let ids = Ids {
        units: units.iter().map(|u| u.id.as_str()).collect(),
        titles: titles.iter().map(|t| t.id.as_str()).collect(),
    };
    let mut events = Vec::new();
    let mut last: Option<(NaiveDate, u64)> = None;
    for e in raw.events.unwrap_or_default() {
        let line = e.date.referenced.line();
        if let Some((d, l)) = last
            && e.date.value < d
        {
            sink.at(
                e.date.referenced,
                format!(
                    "events must be in date order (the log is append-only): {} is earlier than the event before it ({d}, line {l})",
                    e.date.value
                ),
            );
        }
        last = Some((e.date.value, line));
        events.push(build_event(e, &ids, &mut sink));
    }
    check_lifecycle(file, &events, &mut sink);
    sink.finish()?;
    Ok(Registry {
        file: file.to_string(),
        name: raw.name,
        titles,
        units,
        events,
        text: text.to_string(),
        tail,
    })
}

fn build_titles(raw: Vec<RawTitle>, sink: &mut Sink) -> Vec<TitleDef> {
    let mut titles = Vec::new();
    let mut seen: BTreeMap<String, Location> = BTreeMap::new();
    for t in raw {
        dup(sink, &mut seen, &t.id, "title");
        if let Some(y) = &t.term_years
            && y.value == 0
        {
            sink.at(y.referenced, "term_years must be at least 1");
        }
        titles.push(TitleDef {
            id: t.id.value,
            name: t.name,
            level: t.level,
            term_years: t.term_years.map(|y| y.value),
            by: t.by,
            note: t.note,
        });
    }
    titles
}

/// The units and their streets; every parent must be a unit.
fn build_units(raw: Vec<RawUnit>, sink: &mut Sink) -> Vec<RegUnit> {
    let mut units = Vec::new();
    let mut seen_units: BTreeMap<String, Location> = BTreeMap::new();
    let mut parents = Vec::new();
    for u in raw {
        dup(sink, &mut seen_units, &u.id, "unit or street");
        let mut streets = Vec::new();
        for s in u.streets {
            dup(sink, &mut seen_units, &s.id, "unit or street");
            streets.push(Street {
                id: s.id.value,
                name: s.name,
            });
        }
        if let Some(p) = &u.parent {
            parents.push(p.clone());
        }
        units.push(RegUnit {
            id: u.id.value,
            name: u.name,
            parent: u.parent.map(|p| p.value),
            streets,
        });
    }
    let unit_ids: BTreeSet<&str> = units.iter().map(|u| u.id.as_str()).collect();
    for p in &parents {
        if !unit_ids.contains(p.value.as_str()) {
            sink.at(
                p.referenced,
                format!(
                    "unknown parent unit `{}` (declare it under `units`)",
                    p.value
                ),
            );
        }
    }
    units
}

/// The ids events may name.
struct Ids<'a> {
    units: BTreeSet<&'a str>,
    titles: BTreeSet<&'a str>,
}

/// One event, checked against the ids and the fields its kind needs.
fn build_event(e: RawEvent, ids: &Ids<'_>, sink: &mut Sink) -> Event {
    let line = e.date.referenced.line();
    if !ids.units.contains(e.unit.value.as_str()) {
        sink.at(
            e.unit.referenced,
            format!(
                "unknown unit `{}` (declare it under `units`; known: {})",
                e.unit.value,
                some(&ids.units)
            ),
        );
    }
    let kind = e.kind.value;
    match (&e.title, kind) {
        (None, EventKind::Finding) => {}
        (None, _) => sink.at(
            e.kind.referenced,
            format!("a {} event needs a `title`", kind.zh()),
        ),
        (Some(t), _) if !ids.titles.contains(t.value.as_str()) => sink.at(
            t.referenced,
            format!(
                "unknown title `{}` (known: {})",
                t.value,
                ids.titles.iter().copied().collect::<Vec<_>>().join(", ")
            ),
        ),
        _ => {}
    }
    let wants_result = matches!(kind, EventKind::Inspect | EventKind::Rectify);
    match (&e.result, wants_result) {
        (None, true) => sink.at(
            e.kind.referenced,
            format!(
                "a {} event needs `result: 通过` or `result: 未通过`",
                kind.zh()
            ),
        ),
        (Some(r), false) => sink.at(
            r.referenced,
            format!("`result` does not apply to a {} event", kind.zh()),
        ),
        _ => {}
    }
    match (&e.level, kind) {
        (None, EventKind::Inspect) => sink.at(
            e.kind.referenced,
            "a 检查验收 event needs the inspecting `level` (national, province, city)",
        ),
        (Some(l), k) if k != EventKind::Inspect => sink.at(
            l.referenced,
            format!("`level` applies only to 检查验收 events, not {}", k.zh()),
        ),
        _ => {}
    }
    if kind == EventKind::Finding {
        match &e.year {
            None => sink.at(
                e.kind.referenced,
                "a 查实 event needs the `year` whose assessment the finding concerns",
            ),
            Some(y) if y.value > e.date.value.year() => sink.at(
                y.referenced,
                format!(
                    "a finding made on {} cannot concern the later year {}",
                    e.date.value, y.value
                ),
            ),
            _ => {}
        }
        if e.finding.as_ref().is_none_or(|f| f.value.trim().is_empty()) {
            sink.at(
                e.kind.referenced,
                "a 查实 event needs `finding` (what was found, e.g. 弄虚作假)",
            );
        }
    } else {
        if let Some(y) = &e.year {
            sink.at(y.referenced, "`year` applies only to 查实 events");
        }
        if let Some(f) = &e.finding {
            sink.at(f.referenced, "`finding` applies only to 查实 events");
        }
    }
    Event {
        date: e.date.value,
        unit: e.unit.value,
        title: e.title.map(|t| t.value),
        kind,
        level: e.level.map(|l| l.value),
        result: e.result.map(|r| r.value),
        year: e.year.map(|y| y.value),
        finding: e.finding.map(|f| f.value),
        veto: e.veto,
        by: e.by,
        decision: e.decision.map(|d| d.value),
        rules: e.rules,
        reason: e.reason,
        reference: e.reference,
        note: e.note,
        line,
    }
}

/// Events that need a held title (复查, 黄牌, 整改) must come while it is held; 撤销 needs a
/// title that was conferred and is not already revoked.
fn check_lifecycle(file: &str, events: &[Event], sink: &mut Sink) {
    let mut state: BTreeMap<(&str, &str), Standing> = BTreeMap::new();
    for e in events {
        let Some(t) = e.title.as_deref() else {
            continue;
        };
        let s = state.entry((e.unit.as_str(), t)).or_default();
        let problem = match e.kind {
            EventKind::Review | EventKind::Warn | EventKind::Rectify | EventKind::Expire
                if !s.holds() =>
            {
                Some(format!(
                    "{} of `{t}` for `{}`, which does not hold it on {}",
                    e.kind.zh(),
                    e.unit,
                    e.date
                ))
            }
            EventKind::Revoke
                if s.named.is_empty() || matches!(s.ended, Some((EventKind::Revoke, _))) =>
            {
                Some(format!(
                    "撤销 of `{t}` for `{}`, which has no conferment to revoke on {}",
                    e.unit, e.date
                ))
            }
            _ => None,
        };
        if let Some(p) = problem {
            sink.push(Diagnostic::at(file, e.line, 1, p));
        }
        apply(s, e);
    }
}

/// Up to ten names, then how many more.
fn some(names: &BTreeSet<&str>) -> String {
    let mut out: Vec<&str> = names.iter().copied().take(10).collect();
    let more = names.len().saturating_sub(10);
    let more = format!("… and {more} more");
    if names.len() > 10 {
        out.push(&more);
    }
    out.join(", ")
}

fn dup(sink: &mut Sink, seen: &mut BTreeMap<String, Location>, id: &S, what: &str) {
    if let Some(first) = seen.get(&id.value) {
        sink.at(
            id.referenced,
            format!(
                "duplicate {what} id `{}` (first at line {})",
                id.value,
                first.line()
            ),
        );
    } else {
        seen.insert(id.value.clone(), id.referenced);
    }
}

impl yaml::Recover for RawRegistry {
    /// The header with the events unparsed, then each event on its own.
    fn recover(r: &mut yaml::Recovery<'_>) {
        r.check::<RawRegistry<Spanned<IgnoredAny>>>();
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Skeleton {
            events: yaml::Items,
        }
        if let Some(sk) = r.skeleton::<Skeleton>() {
            r.items::<RawEvent>(&sk.events);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REG: &str = "schema: kaohe.titles/1
name: 测试
titles:
  - { id: demo, name: 省级示范区, level: province, term_years: 3 }
units:
  - id: a
    name: 甲区
    streets: [{ id: a1, name: 甲一街道 }]
events:
  - { date: 2010-10-01, unit: a, title: demo, kind: 申报 }
  - { date: 2011-11-20, unit: a, title: demo, kind: 检查验收, level: province, result: 通过 }
  - { date: 2011-12-31, unit: a, title: demo, kind: 命名 }
";

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn standing_follows_the_events() {
        let r = load_registry_str("r.yaml", REG).expect("valid");
        let s = r.standing("a", "demo", date("2011-11-30"));
        assert!(!s.holds());
        assert_eq!(
            s.inspected,
            Some((
                date("2011-11-20"),
                Some(Level::Province),
                EventResult::Passed
            ))
        );
        let s = r.standing("a", "demo", date("2011-12-31"));
        assert_eq!(s.held_since, Some(date("2011-12-31")));
        assert_eq!(s.zh(), "持有(自2011-12-31命名)");
    }

    #[test]
    fn appending_keeps_every_byte_and_round_trips() {
        let r = load_registry_str("r.yaml", REG).expect("valid");
        let mut e = Event::new(date("2012-12-31"), "a", Some("demo"), EventKind::Warn);
        e.decision = Some(2012);
        e.rules = vec!["R-1".into()];
        e.reason = Some("等次为\"合格\": 低于良好\n第二行".into());
        let text = r.append("kaohe decide 2012", &[e.clone()]).expect("append");
        assert!(text.starts_with(REG));
        let again = load_registry_str("r.yaml", &text).expect("still valid");
        assert_eq!(again.events.len(), 4);
        let mut got = again.events[3].clone();
        got.line = 0;
        assert_eq!(got, e);
        assert_eq!(&again.events[..3], &r.events[..]);
    }

    #[test]
    fn appending_to_a_registry_without_a_log_starts_one() {
        let head = "schema: kaohe.titles/1\nname: 测试\ntitles: [{ id: demo, name: 示范区, level: city }]\nunits: [{ id: a, name: 甲区 }]";
        let r = load_registry_str("r.yaml", head).expect("valid");
        let e = Event::new(date("2012-12-31"), "a", Some("demo"), EventKind::Apply);
        let text = r.append("first", &[e]).expect("append");
        assert!(text.starts_with(head));
        assert!(text.contains("\nevents:\n  # first\n  - date: 2012-12-31\n"));
        let again = load_registry_str("r.yaml", &text).expect("valid");
        assert_eq!(again.events.len(), 1);
        // `events:` with nothing yet.
        let empty = format!("{head}\nevents:\n");
        let r = load_registry_str("r.yaml", &empty).expect("valid");
        let text = r
            .append(
                "c",
                &[Event::new(
                    date("2012-12-31"),
                    "a",
                    Some("demo"),
                    EventKind::Apply,
                )],
            )
            .expect("append");
        assert_eq!(text.matches("events:").count(), 1);
        assert_eq!(
            load_registry_str("r.yaml", &text)
                .expect("valid")
                .events
                .len(),
            1
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let bad = "schema: kaohe.titles/1
name: 测试
titles:
  - { id: demo, name: 省级示范区, level: province }
  - { id: demo, name: 重复, level: city }
units:
  - { id: a, name: 甲区, parent: nowhere }
events:
  - { date: 2011-10-01, unit: a, title: demo, kind: 申报 }
  - { date: 2011-09-01, unit: b, title: nope, kind: 检查验收 }
  - { date: 2011-12-01, unit: a, title: demo, kind: 黄牌 }
  - { date: 2011-12-02, unit: a, kind: 查实, year: 2013 }
";
        let d = load_registry_str("r.yaml", bad).expect_err("invalid");
        let text = d.to_string();
        for want in [
            "r.yaml:5:11: duplicate title id `demo` (first at line 4)",
            "r.yaml:7:32: unknown parent unit `nowhere`",
            "r.yaml:10:13: events must be in date order",
            "r.yaml:10:31: unknown unit `b`",
            "unknown title `nope`",
            "needs `result: 通过`",
            "needs the inspecting `level`",
            "r.yaml:11:1: 黄牌 of `demo` for `a`, which does not hold it",
            "cannot concern the later year 2013",
            "needs `finding`",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
    }

    #[test]
    fn structural_errors_name_each_broken_event() {
        let bad = "schema: kaohe.titles/1
name: 测试
titles: [{ id: demo, name: 示范区, level: province }]
units: [{ id: a, name: 甲区 }]
events:
  - { date: 2011-10-01, unit: a, title: demo, kind: 申报, colour: red }
  - { date: 2011-10-02, unit: a, title: demo, kind: 表扬 }
";
        let d = load_registry_str("r.yaml", bad).expect_err("invalid");
        let text = d.to_string();
        assert!(text.contains("r.yaml:6:"), "{text}");
        assert!(text.contains("colour"), "{text}");
        assert!(text.contains("r.yaml:7:"), "{text}");
    }

    #[test]
    fn the_log_must_be_last_and_a_block_list() {
        let bad = "schema: kaohe.titles/1
name: 测试
titles: [{ id: demo, name: 示范区, level: province }]
events: []
units: [{ id: a, name: 甲区 }]
";
        let text = load_registry_str("r.yaml", bad)
            .expect_err("invalid")
            .to_string();
        assert!(
            text.contains("r.yaml:4:1: write `events:` as a block list"),
            "{text}"
        );
        assert!(
            text.contains("r.yaml:5:1: `events` must be the last key"),
            "{text}"
        );
    }

    /// The same registry in several valid YAML spellings of its log.
    fn spellings() -> Vec<(&'static str, String)> {
        let head = "schema: kaohe.titles/1\nname: 测试\ntitles:\n  - { id: demo, name: 省级示范区, level: province, term_years: 3 }\nunits:\n  - id: a\n    name: 甲区\n    streets: [{ id: a1, name: 甲一街道 }]\n";
        let block = |key: &str, pad: &str| {
            format!(
                "{head}{key}\n{pad}- date: 2010-10-01\n{pad}  unit: a\n{pad}  title: demo\n{pad}  kind: 申报\n{pad}- {{ date: 2011-11-20, unit: a, title: demo, kind: 检查验收, level: province, result: 通过 }}\n{pad}-   date: 2011-12-31\n{pad}    unit: a\n{pad}    title: demo\n{pad}    kind: 命名\n"
            )
        };
        let indented = |text: &str| {
            text.lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        };
        vec![
            ("flow events", REG.to_string()),
            ("plain key", block("events:", "  ")),
            ("quoted key", block("\"events\":", "  ")),
            ("single-quoted key", block("'events':", "    ")),
            ("space before the colon", block("events :", "  ")),
            ("comment after the key", block("events:   # the log", "  ")),
            ("dashes at the key's indentation", block("events:", "")),
            (
                "the whole document indented",
                indented(&block("\"events\" :", "")),
            ),
        ]
    }

    #[test]
    fn every_yaml_spelling_reads_the_same_registry_and_appends_to_it() {
        let want = load_registry_str("r.yaml", REG).expect("valid");
        let strip = |r: &Registry| -> Vec<Event> {
            r.events
                .iter()
                .map(|e| Event {
                    line: 0,
                    ..e.clone()
                })
                .collect()
        };
        let mut e = Event::new(date("2012-12-31"), "a", Some("demo"), EventKind::Warn);
        e.decision = Some(2012);
        e.reason = Some("复查: 低于良好".into());
        for (what, text) in spellings() {
            let r = load_registry_str("r.yaml", &text)
                .unwrap_or_else(|d| panic!("{what}: {d}\n{text}"));
            assert_eq!(r.events.len(), 3, "{what}");
            assert_eq!(strip(&r), strip(&want), "{what}");
            assert_eq!(r.name, want.name, "{what}");
            assert_eq!(
                format!("{:?}", r.titles),
                format!("{:?}", want.titles),
                "{what}"
            );
            assert_eq!(
                format!("{:?}", r.units),
                format!("{:?}", want.units),
                "{what}"
            );
            let after = r
                .append("kaohe decide 2012", std::slice::from_ref(&e))
                .unwrap_or_else(|d| panic!("{what}: {d}"));
            assert!(after.starts_with(&text), "{what}");
            let again = load_registry_str("r.yaml", &after).expect("still valid");
            assert_eq!(again.events.len(), 4, "{what}:\n{after}");
            assert_eq!(&again.events[..3], &r.events[..], "{what}");
            assert_eq!(strip(&again)[3], e, "{what}");
        }
    }

    #[test]
    fn an_append_that_would_not_read_back_is_refused() {
        // A document end marker: text after it is not part of the registry.
        let text = format!("{REG}...\n");
        let r = load_registry_str("r.yaml", &text).expect("valid");
        let e = Event::new(date("2012-12-31"), "a", Some("demo"), EventKind::Review);
        let err = r.append("c", &[e]).expect_err("refused").to_string();
        assert!(err.contains("cannot append"), "{err}");
    }
}
