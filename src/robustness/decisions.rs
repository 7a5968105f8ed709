//! How often each of `kaohe decide`'s decisions flips over the replications: each replication's
//! results become a scorecard (this year's, with the replicated totals, grades, vetoes and
//! ranks) and the policy decides again; a decision flips when its verdict differs.

use super::Replications;
use crate::decide::scorecard::{Scorecard, VetoView};
use crate::decide::{Decision, decide_in, policy::Policy};
use crate::model::{IndicatorSet, Scope};
use crate::result::{Assessment, UnitStatus, VetoOutcome};
use crate::title::Registry;
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// What `kaohe decide` reads besides this year's results.
pub struct DecideInputs<'a> {
    pub policy: &'a Policy,
    pub registry: &'a Registry,
    pub history: &'a [Scorecard],
    pub date: Option<NaiveDate>,
}

/// One decision and how sure it is.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionFlip {
    pub unit: String,
    pub unit_name: String,
    /// What it is about, in Chinese (考核结果, 称号复查, an award's name …).
    pub topic: String,
    pub title: Option<String>,
    /// This year's verdict, as shown.
    pub verdict: String,
    /// Probability that the verdict differs.
    pub p_flip: f64,
    /// The verdicts it flips to, with their probabilities.
    pub flips_to: BTreeMap<String, f64>,
}

fn key(d: &Decision) -> (String, String, String) {
    (
        d.unit.clone(),
        format!("{:?}", d.topic),
        d.title.as_ref().map(|t| t.0.clone()).unwrap_or_default(),
    )
}

/// The scorecard of replication `r`: this year's, with each unit's replicated numbers.
fn scorecard_of(set: &IndicatorSet, base: &Scorecard, reps: &Replications, r: usize) -> Scorecard {
    let mut sc = base.clone();
    let pos_of: BTreeMap<&str, usize> = reps
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let Some(replays) = reps.replays.as_ref() else {
        return sc;
    };
    for u in &mut sc.units {
        let Some(&pos) = pos_of.get(u.id.as_str()) else {
            continue;
        };
        let Some(rep) = replays.get(pos).and_then(|x| x.get(r)) else {
            continue;
        };
        u.status = rep.status;
        u.total = rep.total;
        u.score = rep.score;
        u.grade = rep
            .grade
            .and_then(|g| set.grades.get(g))
            .map(|g| g.label.clone());
        u.score_grade = rep.score.map(|s| {
            set.grades
                .iter()
                .find(|g| g.min.is_none_or(|m| s >= m))
                .map(|g| g.label.clone())
                .unwrap_or_default()
        });
        u.vetoed = rep.vetoed;
        u.rank = reps.ranks[pos].get(r).copied().filter(|x| *x > 0);
        let old = std::mem::take(&mut u.vetoes);
        for l in &mut u.lines {
            l.zeroed_by = None;
        }
        for &(vi, outcome, applied) in &rep.vetoes {
            let v = &set.vetoes[vi];
            let mut view = old
                .iter()
                .find(|o| o.id == v.id)
                .cloned()
                .unwrap_or(VetoView {
                    id: v.id.clone(),
                    name: v.name.clone(),
                    mode: Some(
                        match v.mode {
                            crate::model::VetoMode::Enforced => "enforced",
                            crate::model::VetoMode::Advisory => "advisory",
                        }
                        .to_string(),
                    ),
                    applied,
                    outcome,
                    effect: None,
                    reason: v.reason.clone(),
                    evidence: Vec::new(),
                });
            view.applied = applied;
            view.outcome = outcome;
            if let (Scope::Line(l), true, VetoOutcome::Fired) = (v.scope, applied, outcome)
                && let Some(line) = set.lines.get(l)
                && let Some(lv) = u.lines.iter_mut().find(|x| x.id == line.id)
            {
                lv.zeroed_by = Some(v.id.clone());
            }
            u.vetoes.push(view);
        }
    }
    // Peer ranks from the replicated ranks.
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, u) in sc.units.iter().enumerate() {
        if let Some(g) = &u.peer_group {
            groups.entry(g.clone()).or_default().push(i);
        }
    }
    for idx in groups.values() {
        let mut ranked: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| sc.units[i].rank.is_some() && sc.units[i].status == UnitStatus::Complete)
            .collect();
        ranked.sort_by(|&a, &b| {
            sc.units[a]
                .rank
                .cmp(&sc.units[b].rank)
                .then_with(|| sc.units[a].id.cmp(&sc.units[b].id))
        });
        for &i in idx {
            sc.units[i].peer_rank = None;
        }
        let mut prev = None;
        let mut cur = 0u32;
        for (p, &i) in ranked.iter().enumerate() {
            if prev != sc.units[i].rank {
                cur = u32::try_from(p + 1).unwrap_or(u32::MAX);
                prev = sc.units[i].rank;
            }
            sc.units[i].peer_rank = Some(cur);
        }
    }
    // Rank order, as a scorecard lists its units.
    sc.units
        .sort_by(|a, b| (a.rank.is_none(), a.rank, &a.id).cmp(&(b.rank.is_none(), b.rank, &b.id)));
    sc
}

/// Each decision of this year's `kaohe decide` and how often the replications flip it; errors
/// when the policy cannot decide this year's results.
pub fn flips(
    set: &IndicatorSet,
    base: &Assessment,
    reps: &Replications,
    d: &DecideInputs<'_>,
    lang: crate::lang::Lang,
) -> Result<Vec<DecisionFlip>, crate::diag::Diagnostics> {
    let base_sc = Scorecard::from(base);
    let baseline = decide_in(d.policy, d.registry, &base_sc, d.history, d.date, lang)?;
    let n = reps.draws.first().map_or(0, Vec::len);
    let per_rep: Vec<BTreeMap<(String, String, String), String>> = (0..n)
        .into_par_iter()
        .map(|r| {
            let sc = scorecard_of(set, &base_sc, reps, r);
            match decide_in(d.policy, d.registry, &sc, d.history, d.date, lang) {
                Ok(o) => o
                    .decisions
                    .iter()
                    .map(|x| (key(x), x.label.clone()))
                    .collect(),
                Err(_) => BTreeMap::new(),
            }
        })
        .collect();
    let mut out = Vec::new();
    for dec in &baseline.decisions {
        let k = key(dec);
        let mut to: BTreeMap<String, usize> = BTreeMap::new();
        for m in &per_rep {
            let v = m
                .get(&k)
                .cloned()
                .unwrap_or_else(|| lang.pick("(无此决定)", "(no such decision)").to_string());
            if v != dec.label {
                *to.entry(v).or_default() += 1;
            }
        }
        let flipped: usize = to.values().sum();
        out.push(DecisionFlip {
            unit: dec.unit.clone(),
            unit_name: dec.unit_name.clone(),
            topic: baseline.topic_zh(&dec.topic),
            title: dec.title.as_ref().map(|t| t.1.clone()),
            verdict: dec.label.clone(),
            p_flip: super::share(flipped, n),
            flips_to: to
                .into_iter()
                .map(|(k, c)| (k, super::share(c, n)))
                .collect(),
        });
    }
    Ok(out)
}
