//! YAML evidence: `units:` (or one `unit:`) with values, cases and documents, and a `period`.

use super::{RawCase, RawValue, ReadEvidence, ReadUnit};
use crate::diag::{Diagnostic, Place, from_yaml_error};
use crate::evidence::{Document, Origin};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

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
