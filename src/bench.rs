//! Synthetic workloads for benchmarks and scale tests (not used by the CLI).

use crate::evidence::{Evidence, Unit};
use crate::expr::Val;
use crate::model::{FieldType, IndicatorSet};
use rust_decimal::Decimal;

/// `n` synthetic units of the scored kind, made from the given evidence's scored units:
/// unit `k` copies template `k % templates` with its numbers nudged deterministically, so
/// grades, vetoes and ties vary. Context units (parents) are kept.
pub fn replicate(set: &IndicatorSet, ev: &Evidence, n: usize) -> Evidence {
    let mut units: Vec<Unit> = ev
        .units
        .iter()
        .filter(|u| u.kind != Some(0))
        .cloned()
        .collect();
    // Parents are re-indexed: keep a map from old index to new.
    let mut remap = vec![None; ev.units.len()];
    let mut j = 0;
    for (i, u) in ev.units.iter().enumerate() {
        if u.kind != Some(0) {
            remap[i] = Some(j);
            j += 1;
        }
    }
    for u in &mut units {
        u.parent = u.parent.and_then(|p| remap[p]);
    }
    let templates: Vec<&Unit> = ev.scored.iter().map(|&i| &ev.units[i]).collect();
    let mut scored = Vec::with_capacity(n);
    if templates.is_empty() {
        return ev.clone();
    }
    for k in 0..n {
        let t = templates[k % templates.len()];
        let mut u = t.clone();
        u.id = format!("{}-{k:06}", t.id);
        u.name = format!("{}{k}", t.name);
        u.parent = t.parent.and_then(|p| remap[p]);
        // Nudge numbers by −2%…+2% in steps, deterministic in k.
        let nudge = Decimal::new(i64::try_from(k % 41).unwrap_or(0) - 20, 3);
        let fields = &set.unit_kind().fields;
        for (i, v) in u.values.iter_mut().enumerate().take(fields.len()) {
            if let Some(Val::Num(x)) = v
                && !x.is_zero()
            {
                let y = crate::num::round_points(*x + *x * nudge, 2).max(Decimal::ZERO);
                *x = match fields[i].ty {
                    FieldType::Count => y.round(),
                    FieldType::Percent => y.min(Decimal::ONE_HUNDRED),
                    FieldType::PerMille => y.min(Decimal::ONE_THOUSAND),
                    _ => y,
                };
            }
        }
        scored.push(units.len());
        units.push(u);
    }
    let descendants =
        vec![vec![Vec::new(); ev.descendants.first().map_or(1, Vec::len)]; units.len()];
    Evidence {
        units,
        scored,
        descendants,
        period: ev.period.clone(),
        phases: Vec::new(),
    }
}
