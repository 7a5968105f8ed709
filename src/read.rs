//! Readers: evidence files (YAML, CSV, workbooks) into [`ReadEvidence`], units and ledger rows
//! with their values as written and where each was read. Nothing here knows an indicator set;
//! [`crate::bind`] checks what was read against one.
//!
//! - [`files`]: files and folders, by extension;
//! - [`yaml`]: YAML evidence;
//! - [`csv`]: CSV/TSV text in UTF-8, GB18030 or UTF-16;
//! - [`fast`]: a plain wide CSV of a single-kind set straight into its slots (or `None`);
//! - [`workbook`]: `.xlsx`/`.xls`/`.ods` sheets;
//! - [`table`]: a sheet or a CSV file as a table of units or a case ledger.

pub mod csv;
pub mod fast;
pub mod files;
pub mod table;
pub mod workbook;
pub mod yaml;

use crate::evidence::{Document, Origin};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
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
    /// How many months late the case was reported, as the ledger states it (instead of the
    /// dates).
    #[serde(default)]
    pub months_late: Option<u32>,
    /// Whether the case was verified (查实); unverified cases are listed but never counted.
    #[serde(default)]
    pub verified: Option<bool>,
    /// An amount attached to the entry (e.g. funds), summed as `amount.TYPE`.
    #[serde(default)]
    pub amount: Option<Decimal>,
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

/// Parse 是/否, yes/no, true/false, 1/0, √/×.
pub fn parse_bool(s: &str) -> Option<bool> {
    const TRUE: [&str; 9] = ["是", "有", "yes", "y", "true", "1", "√", "✓", "达标"];
    const FALSE: [&str; 9] = ["否", "无", "no", "n", "false", "0", "×", "✗", "未达标"];
    // Only the English words have a case, and no other character lowercases to ASCII letters
    // of theirs: an ASCII case-insensitive match is the lowercased match, without allocating.
    let t = s.trim();
    let is = |words: &[&str]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
    if is(&TRUE) {
        Some(true)
    } else if is(&FALSE) {
        Some(false)
    } else {
        None
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

/// Parse a number as people write it: `1,234`, `96.98%`, ` 12 `. Thousands separators
/// (`,` or `，`) are accepted only between groups of three digits of the whole part
/// (`1,234,567.5`); `1,0,0,0` or `12,34` is not a number.
pub fn parse_number(s: &str) -> Option<(Decimal, bool)> {
    let t = s.trim();
    let (t, percent) = match t.strip_suffix('%').or_else(|| t.strip_suffix('％')) {
        Some(rest) => (rest.trim(), true),
        None => (t, false),
    };
    let t = without_thousands(t)?;
    let d = Decimal::from_str(&t)
        .or_else(|_| Decimal::from_scientific(&t))
        .ok()?;
    Some((d, percent))
}

/// `t` without its thousands separators, when they stand in valid groups of three.
fn without_thousands(t: &str) -> Option<std::borrow::Cow<'_, str>> {
    let sep = |c: char| c == ',' || c == '，';
    if !t.contains(sep) {
        return Some(std::borrow::Cow::Borrowed(t));
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let sign = &t[..t.len() - body.len()];
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if frac.is_some_and(|f| f.contains(sep)) {
        return None;
    }
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let groups: Vec<&str> = whole.split(sep).collect();
    let (first, rest) = groups.split_first()?;
    if !(digits(first) && first.len() <= 3 && rest.iter().all(|g| g.len() == 3 && digits(g))) {
        return None;
    }
    let mut plain = String::with_capacity(t.len());
    plain.push_str(sign);
    plain.extend(groups.iter().copied());
    if let Some(f) = frac {
        plain.push('.');
        plain.push_str(f);
    }
    Some(std::borrow::Cow::Owned(plain))
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
        assert_eq!(
            parse_number("-1,234,567.5"),
            Some((Decimal::from_str("-1234567.5").unwrap_or_default(), false))
        );
        assert_eq!(parse_number("1，000"), Some((Decimal::from(1000), false)));
        for bad in [
            "1,0,0,0",
            "12,34",
            ",100",
            "1,000,",
            "1,000.0,1",
            "1,,000",
            "1,0000",
        ] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn bools_ignore_case_as_lowercasing_did() {
        let lowered = |s: &str| match s.trim().to_lowercase().as_str() {
            "是" | "有" | "yes" | "y" | "true" | "1" | "√" | "✓" | "达标" => Some(true),
            "否" | "无" | "no" | "n" | "false" | "0" | "×" | "✗" | "未达标" => Some(false),
            _ => None,
        };
        for s in [
            "YES",
            " True ",
            "N",
            "nO",
            "FALSE",
            "ＹＥＳ",
            "\u{212A}",
            "İ",
            "Yes!",
            "",
            "是 ",
            "未达标",
            "TRUE\u{0307}",
            "y\u{0130}s",
        ] {
            assert_eq!(parse_bool(s), lowered(s), "{s:?}");
        }
    }

    #[test]
    fn bools_in_chinese() {
        assert_eq!(parse_bool("是"), Some(true));
        assert_eq!(parse_bool("否"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
