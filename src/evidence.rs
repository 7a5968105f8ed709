//! Evidence bound to an indicator set: units with their values in the set's slots, their cases
//! and documents, and where each was read.
//!
//! [`crate::read`] turns files into [`crate::read::ReadEvidence`] (names as written);
//! [`crate::bind`] checks it against a set and builds [`Evidence`], which is all the engine
//! sees: values already converted to slots, so scoring does no lookups by name.

use crate::diag::{Diagnostic, Place};
use crate::expr::Val;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

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

/// Where a piece of evidence was read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Origin {
    /// The file name, shared by every value read from the file.
    pub file: std::sync::Arc<str>,
    pub place: Place,
}

impl Origin {
    pub fn diag(&self, message: impl Into<String>) -> Diagnostic {
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
    /// Months late as the ledger states it (a `迟报月数` column), instead of the dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months_late: Option<u32>,
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

impl Evidence {
    /// Units of a set with one kind, every one scored, in input order, with no period or
    /// phases (what the fast CSV reader gives).
    pub fn flat(units: Vec<Unit>) -> Self {
        let n = units.len();
        Evidence {
            units,
            scored: (0..n).collect(),
            descendants: vec![vec![Vec::new(); 1]; n],
            period: None,
            phases: Vec::new(),
        }
    }
}
