//! An item scored to its points and status alone, for runs that write no explanation of it: a
//! large run's ranked CSV (`stream`) and the replications of `kaohe robustness`. Only the
//! common outcomes are taken here — not applicable, zeroed, scored by its shape — with the
//! same steps and the same shared finish as [`score_indicator`]; anything that explains itself
//! at length (missing evidence, an undefined value, an overflow, cases, deduction clauses) is
//! left to [`score_indicator`], so both always agree (`tests::fast_points_agree_with_the_engine`).

use super::*;

/// Item `ind`'s points and status for the unit of `cx` (its maximum `max`) when scoring it is
/// one of the common outcomes; `None`: score it with [`score_indicator`].
pub(super) fn item_points(
    cx: &UnitCtx<'_>,
    ind: &Indicator,
    max: Decimal,
    vals: &[Option<Val>],
) -> Option<(Decimal, Status)> {
    if !ind.applies_to(cx.unit.class) {
        return Some((Decimal::ZERO, Status::NotApplicable));
    }
    let env = cx.env(vals);
    if let Some(z) = &ind.zero_if {
        match z.eval_bool(&env) {
            Ok(true) => return Some((Decimal::ZERO, Status::Zeroed)),
            Ok(false) => {}
            Err(_) => return None,
        }
    }
    let raw = match (&ind.input, &ind.rule) {
        (Input::Expr(e), rule) => {
            let value = e.eval(&env).ok()?;
            if ind.params.is_empty() {
                rule.raw(value, max)?
            } else {
                let params = unit_params(ind, &env).ok()?;
                rule.with_params(ind.params.iter().map(|p| p.path.as_str()), &params)
                    .raw(value, max)?
            }
        }
        (Input::Checklist(items), Rule::Checklist(cl)) => match cl.trace(items, vals) {
            rules::checklist::Trace::Read { lacking, .. } => {
                rules::Raw::new(cl.points(max, lacking.len()))
            }
            rules::checklist::Trace::Missing(_) => return None,
        },
        (Input::None, Rule::Formula(f)) => rules::Raw::new(f.points(&env).ok()?),
        (Input::None, Rule::LevelProgress(lp)) => rules::Raw::new(lp.trace(&env, max).ok()?.points),
        _ => return None,
    };
    let points = rules::finish(raw, max, ind.floor, cx.set.rounding).points;
    Some((points, Status::Scored))
}

/// A unit's item points and statuses into `w` (lines summed, N/A maxima dropped or
/// respread, each item's points in its slot) as [`UnitWork::score_indicators`] does, without
/// any item's result. `None` as soon as an item is not one of the common outcomes
/// ([`item_points`]) or a sum overflows: the unit is then scored by [`score_unit`].
pub(super) fn items_to_lines(cx: &UnitCtx<'_>, w: &mut UnitWork) -> Option<()> {
    let (set, unit) = (cx.set, cx.unit);
    for (k, ind) in set.indicators.iter().enumerate() {
        let max = ind.max_for(unit.class);
        let (points, status) = item_points(cx, ind, max, &w.vals)?;
        if let Some(l) = ind.line {
            let lines = &mut w.lines;
            let fits = if status == Status::NotApplicable {
                match ind.na_policy {
                    NaPolicy::Drop => add(&mut lines.possible[l], -max),
                    NaPolicy::Respread => add(&mut lines.respread[l], max),
                }
            } else {
                max.checked_sub(ind.max)
                    .is_some_and(|d| add(&mut lines.possible[l], d))
                    && add(&mut lines.points[l], points)
            };
            if !fits {
                return None;
            }
        }
        w.vals[set.slots.points as usize + k] = Some(Val::Num(points));
    }
    let lines = &mut w.lines;
    for l in 0..set.lines.len() {
        if lines.respread[l] > Decimal::ZERO {
            let applicable = lines.possible[l].checked_sub(lines.respread[l])?;
            if applicable > Decimal::ZERO {
                let scaled = lines.points[l]
                    .checked_mul(lines.possible[l])?
                    .checked_div(applicable)?;
                lines.points[l] = round_points(scaled, set.rounding);
            }
        }
    }
    Some(())
}

/// Unit `ui` scored for outputs that write its unit-level figures only (the ranked CSV and the
/// summary of a large run): its result without item results (`indicators` empty, `values`
/// empty), when every item is a common outcome ([`item_points`]), it has no ledger cases,
/// every veto is decided and it is complete. Otherwise its values come back as they were
/// given (the scored slots emptied again), to be scored by [`score_unit`], which explains what
/// is missing or undefined.
pub(super) fn score_unit_figures(
    set: &IndicatorSet,
    cat: &Catalog,
    ev: &Evidence,
    ui: usize,
    child_vals: &[Vec<Option<Val>>],
    vals: Vec<Option<Val>>,
) -> Result<UnitResult, Vec<Option<Val>>> {
    let mut w = UnitWork {
        vals,
        errors: Vec::new(),
        case_charges: Vec::new(),
        lines: LineWork::new(set),
    };
    match figures(set, cat, ev, ui, child_vals, &mut w) {
        Some(u) => Ok(u),
        None => {
            let scored = set.slots.points as usize..set.slots.dynamic as usize;
            if let Some(s) = w.vals.get_mut(scored) {
                s.fill(None);
            }
            Err(w.vals)
        }
    }
}

fn figures(
    set: &IndicatorSet,
    cat: &Catalog,
    ev: &Evidence,
    ui: usize,
    child_vals: &[Vec<Option<Val>>],
    w: &mut UnitWork,
) -> Option<UnitResult> {
    let unit = &ev.units[ui];
    // A blank field (not a text) almost always leaves the unit incomplete, which only the full
    // path explains: no attempt here (when one succeeds it gives the full path's figures, so
    // leaving a unit to the full path never changes its result).
    let fields = &set.unit_kind().fields;
    let blank = fields
        .iter()
        .enumerate()
        .any(|(f, d)| d.ty != FieldType::Text && unit.values.get(f).is_none_or(Option::is_none));
    if !unit.cases.is_empty() || set.veto_only || blank {
        return None;
    }
    let cx = UnitCtx {
        set,
        ev,
        ui,
        unit,
        child_vals,
    };
    items_to_lines(&cx, w)?;
    let bonus = w.score_bonus(&cx, cat);
    let common = |s: Status| matches!(s, Status::Scored | Status::NotApplicable | Status::Zeroed);
    if !bonus.results.iter().all(|r| common(r.status)) {
        return None;
    }
    let (total, calls, line_zeroed) = w.total_and_vetoes(&cx, bonus.total);
    if calls.iter().any(|c| c.outcome != VetoOutcome::Fired) {
        return None;
    }
    let graded = w.grade(&cx, total);
    let (score, score_grade) = (graded.score, graded.score_grade);
    let decided = apply_vetoes(set, graded, &calls);
    if !w.errors.is_empty() || decided.pending {
        return None;
    }
    // A unit that reported nothing: the full path says so.
    if reported_nothing(set, ev, ui) {
        return None;
    }
    let lines = w.line_results(set, &decided.line_grade, &line_zeroed);
    let label = |g: Option<usize>| g.and_then(|g| set.grades.get(g)).map(|g| g.label.clone());
    Some(UnitResult {
        missing: Vec::new(),
        documents: unit.documents.clone(),
        phases: Vec::new(),
        corrections: Vec::new(),
        values: Values::default(),
        id: unit.id.clone(),
        name: unit.name.clone(),
        kind: unit.kind_id.clone(),
        class: unit.class.map(|c| set.classes[c].id.clone()),
        peer_group: unit.peer_group.map(|p| set.peer_groups[p].id.clone()),
        parent: unit.parent.map(|p| ev.units[p].id.clone()),
        status: UnitStatus::Complete,
        total,
        max_possible: w.lines.max_possible,
        score,
        grade: label(decided.grade),
        score_grade: label(score_grade),
        vetoed: decided.vetoed,
        rank: None,
        peer_rank: None,
        peer_size: None,
        lines,
        bonus: bonus.total,
        bonus_uncapped: bonus.uncapped,
        indicators: Vec::new(),
        bonus_items: Vec::new(),
        vetoes: decided.veto_results,
        cases: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn repo(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
    }

    /// Shipped and example sets with evidence of their own, and 3,000 generated villages (about
    /// 1% of their cells blank) under the village set.
    fn runs() -> Vec<(IndicatorSet, Evidence)> {
        let mut runs = Vec::new();
        let pairs = [
            (
                "indicators/sz-district.yaml",
                "fixtures/shenzhen/evidence.yaml",
            ),
            (
                "indicators/hz-township.yaml",
                "fixtures/huizhou/townships.csv",
            ),
            (
                "indicators/examples/missing.yaml",
                "fixtures/missing/villages.csv",
            ),
        ];
        for (set, ev) in pairs {
            let set = crate::load::load_set_file(&repo(set)).expect("set");
            let Ok(read) = crate::read::files::read_paths(&[repo(ev)]) else {
                eprintln!("{ev}: not read");
                continue;
            };
            match crate::bind::bind(&set, read) {
                Ok(ev) => runs.push((set, ev)),
                Err(e) => eprintln!("{}: {e}", set.id),
            }
        }
        let set = crate::load::load_set_file(&repo("indicators/village.yaml")).expect("set");
        let ev = crate::bench::villages(&set, 3000, 7).expect("villages read and bound");
        runs.push((set, ev));
        runs
    }

    #[test]
    fn fast_points_agree_with_the_engine() {
        let runs = runs();
        assert_eq!(runs.len(), 3, "every run read and bound");
        let (mut fast, mut all) = (0usize, 0usize);
        for (set, ev) in &runs {
            let a = assess(set, ev).expect("assess");
            let child_vals = child_values(set, ev, &[]);
            for u in &a.units {
                let ui = ev
                    .scored
                    .iter()
                    .copied()
                    .find(|&i| ev.units[i].id == u.id)
                    .expect("a scored unit");
                let cx = UnitCtx {
                    set,
                    ev,
                    ui,
                    unit: &ev.units[ui],
                    child_vals: &child_vals,
                };
                let Values::Slots(slots) = &u.values else {
                    panic!("a scored unit has its slots")
                };
                for (ind, r) in set.indicators.iter().zip(&u.indicators) {
                    all += 1;
                    let max = ind.max_for(cx.unit.class);
                    if let Some((points, status)) = item_points(&cx, ind, max, &slots.vals) {
                        fast += 1;
                        assert_eq!(
                            (points, status),
                            (r.points, r.status),
                            "{} {}",
                            u.id,
                            ind.id
                        );
                    }
                }
            }
        }
        // Most items are common outcomes; the rest (blanks, cases) take the engine's path.
        assert!(fast * 10 > all * 7, "{fast} of {all}");
        assert!(
            fast < all,
            "the fixtures have items the fast path leaves to the engine"
        );
    }

    #[test]
    fn unit_figures_agree_with_the_engine() {
        let (mut thin, mut all) = (0usize, 0usize);
        for (set, ev) in runs().iter().filter(|(set, _)| independent(set)) {
            let mut whole = assess(set, ev).expect("assess");
            for u in &mut whole.units {
                (u.rank, u.peer_rank, u.peer_size) = (None, None, None);
            }
            let piece = score_piece(set, ev).expect("piece");
            assert_eq!(piece.len(), whole.units.len());
            for p in &piece {
                let w = whole
                    .units
                    .iter()
                    .find(|w| w.id == p.id)
                    .expect("the same unit");
                all += 1;
                if !p.indicators.is_empty() {
                    let json = |u: &UnitResult| serde_json::to_string(u).expect("json");
                    assert_eq!(json(p), json(w));
                    continue;
                }
                thin += 1;
                let figures = |u: &UnitResult| {
                    let lines: Vec<_> = u
                        .lines
                        .iter()
                        .map(|l| (l.points, l.grade.clone()))
                        .collect();
                    let vetoes: Vec<_> = u
                        .vetoes
                        .iter()
                        .map(|v| (v.id.clone(), v.outcome, v.applied))
                        .collect();
                    (
                        (u.id.clone(), u.status, u.total, u.score, u.max_possible),
                        (u.grade.clone(), u.score_grade.clone(), u.vetoed),
                        (u.bonus, u.bonus_uncapped, lines, vetoes, u.missing_fields()),
                    )
                };
                assert_eq!(figures(p), figures(w));
                assert_eq!(
                    crate::output::veto_summary(p),
                    crate::output::veto_summary(w)
                );
            }
        }
        assert!(
            thin > 0 && thin < all,
            "{thin} of {all} units without items"
        );
    }
}
