//! The registry's streets against the streets assessed: the registry lists every street of a
//! district (the ones whose assessment may be delegated), while a year's street assessment may
//! score only some of them, or a street the registry does not list. The brief says which,
//! instead of presenting the registry's list as the assessed one.

use super::scorecard::Scorecard;
use crate::diag::{Diagnostic, Diagnostics};
use crate::title::Registry;

/// The registry's streets compared with a street level's scorecard of the same year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreetCheck {
    /// The street scorecard's file.
    pub file: String,
    /// Streets the registry lists.
    pub registered: usize,
    /// Streets the scorecard assessed.
    pub assessed: usize,
    /// Per district (registry order, name): the registry's streets that were not assessed.
    pub not_assessed: Vec<(String, Vec<String>)>,
    /// Assessed streets the registry does not list: name and the district's name (or id).
    pub not_registered: Vec<(String, String)>,
}

/// A street's name without the office word: 光明街道, 光明办事处 and 光明街道办事处 are one
/// street office, written either way.
fn office(name: &str) -> &str {
    ["街道办事处", "办事处", "街道"]
        .iter()
        .find_map(|w| name.strip_suffix(w))
        .filter(|n| !n.is_empty())
        .unwrap_or(name)
}

/// Compare the registry's streets with `streets`, a street level's scorecard of the year of
/// `current`. A street matches when its id is the registry's, or its name is under the same
/// district (registries and assessments often use different codes for the same street, and
/// write a street office as 街道 or 办事处).
pub fn check_streets(
    reg: &Registry,
    current: &Scorecard,
    streets: &Scorecard,
) -> Result<StreetCheck, Diagnostics> {
    if streets.year() != current.year() {
        return Err(Diagnostics::new(vec![Diagnostic::file(
            &streets.file,
            format!(
                "the street scorecard is of {} ({}), the scorecard decided is of {}: give the streets' scorecard of the same year",
                streets.year(),
                streets.period.label,
                current.year()
            ),
        )]));
    }
    let mut matched = vec![false; streets.units.len()];
    let mut not_assessed = Vec::new();
    let mut registered = 0;
    for d in &reg.units {
        let mut missing = Vec::new();
        for s in &d.streets {
            registered += 1;
            let hit = streets.units.iter().position(|u| {
                u.id == s.id
                    || (office(&u.name) == office(&s.name)
                        && u.parent.as_deref() == Some(d.id.as_str()))
            });
            match hit {
                Some(k) => matched[k] = true,
                None => missing.push(s.name.clone()),
            }
        }
        if !missing.is_empty() {
            not_assessed.push((d.name.clone(), missing));
        }
    }
    let district = |p: &Option<String>| match p {
        Some(p) => reg.unit(p).map_or_else(|| p.clone(), |u| u.name.clone()),
        None => "—".to_string(),
    };
    let not_registered = streets
        .units
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|(u, _)| (u.name.clone(), district(&u.parent)))
        .collect();
    Ok(StreetCheck {
        file: streets.file.clone(),
        registered,
        assessed: streets.units.len(),
        not_assessed,
        not_registered,
    })
}

impl StreetCheck {
    /// [`Self::zh`] in `lang`.
    pub fn note(&self, lang: crate::lang::Lang) -> String {
        if !lang.en() {
            return self.zh();
        }
        let missing: usize = self.not_assessed.iter().map(|(_, v)| v.len()).sum();
        let mut out = format!(
            "The title registry lists {} streets; this year's street assessment ({}) assessed {}",
            self.registered, self.file, self.assessed
        );
        if missing == 0 && self.not_registered.is_empty() {
            out.push_str(": the two agree.");
            return out;
        }
        if missing > 0 {
            let per: Vec<String> = self
                .not_assessed
                .iter()
                .map(|(d, v)| format!("{d} {} ({})", v.len(), v.join(", ")))
                .collect();
            out.push_str(&format!(
                "; {missing} of the registry's streets were not assessed this year: {}",
                per.join("; ")
            ));
        }
        if !self.not_registered.is_empty() {
            let names: Vec<String> = self
                .not_registered
                .iter()
                .map(|(s, d)| format!("{s} ({d})"))
                .collect();
            out.push_str(&format!(
                "; {} assessed but not in the registry, to be added: {}",
                crate::rules::count_en(names.len(), "street", "streets"),
                names.join(", ")
            ));
        }
        out.push('.');
        out
    }

    /// What the brief says under next year's plan: how many streets the registry lists and the
    /// assessment scored, which of the registry's were not assessed, which assessed are not in
    /// the registry.
    pub fn zh(&self) -> String {
        let missing: usize = self.not_assessed.iter().map(|(_, v)| v.len()).sum();
        let mut out = format!(
            "称号登记册载有街道 {} 个,本年度街道考核({})考核街道 {} 个",
            self.registered, self.file, self.assessed
        );
        if missing == 0 && self.not_registered.is_empty() {
            out.push_str(",两者一致。");
            return out;
        }
        if missing > 0 {
            let per: Vec<String> = self
                .not_assessed
                .iter()
                .map(|(d, v)| format!("{d} {} 个({})", v.len(), v.join("、")))
                .collect();
            out.push_str(&format!(
                ";登记册所载街道中 {missing} 个未参加本年度考核:{}",
                per.join(";")
            ));
        }
        if !self.not_registered.is_empty() {
            let names: Vec<String> = self
                .not_registered
                .iter()
                .map(|(s, d)| format!("{s}({d})"))
                .collect();
            out.push_str(&format!(
                ";参加考核但登记册未载的街道 {} 个:{},请补登",
                names.len(),
                names.join("、")
            ));
        }
        out.push('。');
        out
    }
}

/// What the brief says when no street scorecard was compared: where the list comes from.
pub fn registry_only_zh(reg: &Registry) -> String {
    registry_only_in(reg, crate::lang::Lang::Zh)
}

/// [`registry_only_zh`] in `lang`.
pub fn registry_only_in(reg: &Registry, lang: crate::lang::Lang) -> String {
    let n: usize = reg.units.iter().map(|u| u.streets.len()).sum();
    if n == 0 {
        return String::new();
    }
    match lang {
        crate::lang::Lang::Zh => {
            format!("表中街道为称号登记册所载各区所辖街道(共 {n} 个),未与本年度街道考核结果核对。")
        }
        crate::lang::Lang::En => format!(
            "The streets in the table are those the title registry lists under each district ({n} in all), not checked against this year's street assessment."
        ),
    }
}
