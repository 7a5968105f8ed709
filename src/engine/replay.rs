//! A unit scored again with changed figures or weights, numbers only: the replications of
//! `kaohe robustness` (issue 15). The same steps as [`super::score_unit`] — derived values,
//! items, bonus, vetoes, grade — through the same functions, but an item whose inputs did not
//! change keeps its points, nothing is rendered and no trace is kept.

use super::*;

/// One unit's numbers in one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub status: UnitStatus,
    /// None when withheld (the unit is not complete).
    pub total: Option<Decimal>,
    pub score: Option<Decimal>,
    /// Index into `IndicatorSet::grades` (after vetoes); None while withheld.
    pub grade: Option<usize>,
    pub vetoed: bool,
    /// The vetoes that fired or could not be decided, in set order: index, outcome, applied.
    pub vetoes: Vec<(usize, VetoOutcome, bool)>,
}

impl Replay {
    /// Whether veto `index` fired.
    pub fn fired(&self, index: usize) -> bool {
        self.vetoes
            .iter()
            .any(|(i, o, _)| *i == index && *o == VetoOutcome::Fired)
    }
}

/// An item's points kept from the unscored run: points and status.
pub type Kept = Option<(Decimal, Status)>;

/// Everything the replications of one set share: the names, the descendants' values and each
/// scored unit's values before scoring (history and comparatives as the run computed them).
pub struct Rescorer<'a> {
    set: &'a IndicatorSet,
    ev: &'a Evidence,
    cat: Catalog,
    child_vals: Vec<Vec<Option<Val>>>,
    prepared: Vec<Prepared>,
    /// Per indicator: the slots it reads (input, rule expressions, zeroing condition),
    /// followed through derived values, sorted.
    reads: Vec<Vec<u32>>,
    /// Per bonus item: as `reads`.
    bonus_reads: Vec<Vec<u32>>,
    /// Per scored unit: nothing reported.
    no_evidence: Vec<bool>,
    /// No field declares its own `on_missing`.
    policy_free: bool,
    /// The items' kernels, for the filtered path.
    kernels: crate::rules::kernel::Kernels,
}

impl<'a> Rescorer<'a> {
    /// The shared part of a run of one level (`history` and `lower` as for [`assess_run`]).
    /// Phased sets are not supported: `None`.
    pub fn new(
        set: &'a IndicatorSet,
        ev: &'a Evidence,
        history: &[Assessment],
        lower: &[Assessment],
    ) -> Option<Self> {
        if !ev.phases.is_empty() {
            return None;
        }
        let child_vals = child_values(set, ev, lower);
        let hist = HistIndex::new(set, history);
        let prepared = prepare(set, ev, &hist, &child_vals);
        let reads_of_item = |ind: &Indicator| {
            let mut direct = reads_of(set, ind);
            direct.extend(ind.rule.expr_slots());
            if let Some(z) = &ind.zero_if {
                direct.extend(z.slots().iter().copied());
            }
            closure(set, &direct)
        };
        let reads = set.indicators.iter().map(reads_of_item).collect();
        let bonus_reads = set
            .bonus
            .iter()
            .flat_map(|b| b.items.iter().map(reads_of_item))
            .collect();
        let no_evidence = ev
            .scored
            .iter()
            .map(|&ui| reported_nothing(set, ev, ui))
            .collect();
        Some(Rescorer {
            set,
            ev,
            cat: Catalog::new(set),
            child_vals,
            prepared,
            reads,
            bonus_reads,
            no_evidence,
            policy_free: set
                .unit_kind()
                .fields
                .iter()
                .all(|f| f.on_missing.is_none()),
            kernels: super::kernels(set),
        })
    }

    /// The set's last decimal place (the filtered figures' whole numbers are of it).
    pub fn rounding(&self) -> u32 {
        self.parts().0.rounding
    }

    /// How many scored units (positions follow `ev.scored`).
    pub fn len(&self) -> usize {
        self.prepared.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prepared.is_empty()
    }

    /// Unit `pos`'s values before scoring.
    pub fn values(&self, pos: usize) -> &[Option<Val>] {
        &self.prepared[pos]
    }

    /// Per indicator: whether it reads any of `slots` (through derived values, and through
    /// the points of an item before it that does).
    pub fn items_reading(&self, slots: &[u32]) -> Vec<bool> {
        let mut hit: Vec<u32> = slots.to_vec();
        let mut out = Vec::with_capacity(self.reads.len());
        for (k, reads) in self.reads.iter().enumerate() {
            let yes = reads.iter().any(|s| hit.contains(s));
            if yes {
                hit.push(self.set.slots.points + u32::try_from(k).unwrap_or(u32::MAX));
            }
            out.push(yes);
        }
        out
    }

    /// Per bonus item: whether it reads any of `slots` or the points of an item that does
    /// ([`Self::items_reading`]).
    pub fn bonus_reading(&self, slots: &[u32]) -> Vec<bool> {
        let mut hit: Vec<u32> = slots.to_vec();
        for (k, moved) in self.items_reading(slots).into_iter().enumerate() {
            if moved {
                hit.push(self.set.slots.points + u32::try_from(k).unwrap_or(u32::MAX));
            }
        }
        self.bonus_reads
            .iter()
            .map(|reads| reads.iter().any(|s| hit.contains(s)))
            .collect()
    }

    /// What the filtered replay ([`super::fast`]) reads: the set, the evidence, whether each
    /// unit reported nothing, and whether no field has an `on_missing` of its own.
    pub(super) fn kernels(&self) -> &crate::rules::kernel::Kernels {
        &self.kernels
    }

    pub(super) fn parts(&self) -> (&'a IndicatorSet, &'a Evidence, &[bool], bool) {
        (self.set, self.ev, &self.no_evidence, self.policy_free)
    }

    /// The derived values that read any of `slots` (directly or through another derived
    /// value), in evaluation order: the only ones [`Self::derive_some`] needs to recompute
    /// when those slots change.
    pub fn derived_reading(&self, slots: &[u32]) -> Vec<usize> {
        let kind = self.set.unit_kind();
        let mut hit: Vec<u32> = slots.to_vec();
        let mut out = Vec::new();
        for &d in &kind.eval_order {
            let Some(der) = kind.derived.get(d) else {
                continue;
            };
            if der.expr.slots().iter().any(|s| hit.contains(s)) {
                out.push(d);
                hit.push(kind.layout.derived + u32::try_from(d).unwrap_or(u32::MAX));
            }
        }
        out
    }

    /// [`Self::derive`] for the derived values `which` only ([`Self::derived_reading`] of the
    /// changed slots): the others read nothing that changed and keep their values.
    pub fn derive_some(&self, pos: usize, vals: &mut Vec<Option<Val>>, which: &[usize]) {
        let n = vals.len();
        fill_derived_in(
            self.set.unit_kind(),
            which,
            vals,
            self.ev.scored[pos],
            self.ev,
            &self.child_vals,
        );
        vals.resize(n, None);
    }

    /// Recompute unit `pos`'s derived values in `vals` (after its fields were changed).
    pub fn derive(&self, pos: usize, vals: &mut Vec<Option<Val>>) {
        let ui = self.ev.scored[pos];
        let n = vals.len();
        fill_derived(
            self.set.unit_kind(),
            self.set.case_types.len(),
            vals,
            ui,
            self.ev,
            &self.child_vals,
        );
        vals.resize(n, None);
    }

    /// Score unit `pos` from `vals` (its values before scoring, possibly changed: call
    /// [`Self::derive`] first). `kept[k]`, when given and `Some`, is item k's points and
    /// status, not scored again; `factor[k]` scales item k's points in its line (rounded by
    /// the set's rule). `vals` comes back with the scored slots filled.
    pub fn replay(
        &self,
        pos: usize,
        vals: &mut Vec<Option<Val>>,
        kept: Option<&[Kept]>,
        factor: Option<&[Decimal]>,
    ) -> Replay {
        let set = self.set;
        let ui = self.ev.scored[pos];
        let unit = &self.ev.units[ui];
        let cx = UnitCtx {
            set,
            ev: self.ev,
            ui,
            unit,
            child_vals: &self.child_vals,
        };
        let mut w = UnitWork {
            vals: std::mem::take(vals),
            errors: Vec::new(),
            case_charges: vec![None; unit.cases.len()],
            lines: LineWork::new(set),
        };
        let mut incomplete = false;
        for (k, ind) in set.indicators.iter().enumerate() {
            let max = ind.max_for(unit.class);
            let (points, status) = match kept.and_then(|c| c.get(k).copied().flatten()) {
                Some(c) => c,
                None => match points::item_points(&cx, ind, max, &w.vals) {
                    Some(fast) => fast,
                    None => {
                        let (res, _) = score_indicator(
                            &cx,
                            &self.cat.indicators[k],
                            ind,
                            max,
                            &w.vals,
                            &mut w.errors,
                        );
                        (res.points, res.status)
                    }
                },
            };
            let f = factor.and_then(|f| f.get(k).copied());
            let weighted = |x: Decimal| match f {
                Some(f) => crate::num::mul_round_points(x, f, set.rounding)
                    .unwrap_or_else(|| round_points(x, set.rounding)),
                None => x,
            };
            if let Some(l) = ind.line {
                if status == Status::NotApplicable {
                    match ind.na_policy {
                        NaPolicy::Drop => w.lines.possible[l] -= weighted(max),
                        NaPolicy::Respread => w.lines.respread[l] += weighted(max),
                    }
                } else {
                    if max != ind.max {
                        w.lines.possible[l] += weighted(max) - weighted(ind.max);
                    }
                    w.lines.points[l] += weighted(points);
                    if status == Status::MissingEvidence {
                        w.lines.unknown[l] = true;
                    }
                }
            }
            incomplete |= status == Status::MissingEvidence;
            w.vals[set.slots.points as usize + k] =
                (status != Status::MissingEvidence).then_some(Val::Num(points));
        }
        let lines = &mut w.lines;
        for l in 0..set.lines.len() {
            if lines.respread[l] > Decimal::ZERO {
                let applicable = lines.possible[l] - lines.respread[l];
                if applicable > Decimal::ZERO {
                    let scaled = lines.points[l]
                        .checked_mul(lines.possible[l])
                        .and_then(|x| x.checked_div(applicable))
                        .unwrap_or(lines.points[l]);
                    lines.points[l] = round_points(scaled, set.rounding);
                }
            }
        }
        let bonus = w.score_bonus(&cx, &self.cat);
        incomplete |= bonus
            .results
            .iter()
            .any(|r| r.status == Status::MissingEvidence);
        let (total, calls, _) = w.total_and_vetoes(&cx, bonus.total);
        let graded = w.grade(&cx, total);
        let score = graded.score;
        let decided = apply_vetoes(set, graded, &calls);
        *vals = w.vals;
        let no_evidence = self.no_evidence[pos];
        let status = if no_evidence {
            UnitStatus::NoEvidence
        } else if incomplete {
            UnitStatus::Incomplete
        } else if decided.pending {
            UnitStatus::Pending
        } else {
            UnitStatus::Complete
        };
        Replay {
            status,
            total: if no_evidence { None } else { total },
            score: if no_evidence { None } else { score },
            grade: if no_evidence { None } else { decided.grade },
            vetoed: !no_evidence && decided.vetoed,
            vetoes: calls
                .iter()
                .map(|c| (c.index, c.outcome, c.applied))
                .collect(),
        }
    }
}
