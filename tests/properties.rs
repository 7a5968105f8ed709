//! Properties of the scoring core over generated evidence.

use proptest::prelude::*;
use rust_decimal::Decimal;
use std::sync::OnceLock;

fn shapes() -> &'static kaohe::model::IndicatorSet {
    static SET: OnceLock<kaohe::model::IndicatorSet> = OnceLock::new();
    SET.get_or_init(|| {
        kaohe::load::load_set_file(&crate::support::repo().join("indicators/examples/shapes.yaml"))
            .expect("shapes set loads")
    })
}

fn default_set() -> &'static (kaohe::model::IndicatorSet, kaohe::evidence::Evidence) {
    static SET: OnceLock<(kaohe::model::IndicatorSet, kaohe::evidence::Evidence)> = OnceLock::new();
    SET.get_or_init(|| {
        kaohe::cli::load_inputs(&kaohe::cli::InputArgs {
            set: None,
            evidence: vec![],
            encoding: Default::default(),
        })
        .expect("default loads")
    })
}

fn dec(x: i64, scale: u32) -> Decimal {
    Decimal::new(x, scale)
}

/// Evidence for one unit with every numeric field of the set set to generated values.
fn unit_with(
    set: &kaohe::model::IndicatorSet,
    nums: &[Decimal],
    bools: &[bool],
) -> kaohe::evidence::Evidence {
    use kaohe::evidence::Origin;
    use kaohe::raw::FieldType;
    use kaohe::read::{RawValue, ReadEvidence, ReadUnit};
    let origin = Origin {
        file: "prop".into(),
        place: kaohe::diag::Place::File,
    };
    let mut values = Vec::new();
    for (i, f) in set.unit_kind().fields.iter().enumerate() {
        let n = nums[i % nums.len()];
        let v = match f.ty {
            FieldType::Bool => RawValue::Bool(bools[i % bools.len()]),
            FieldType::Text => continue,
            FieldType::Count => RawValue::Num(n.abs().trunc()),
            FieldType::Percent => RawValue::Num(n.abs() % Decimal::ONE_HUNDRED),
            FieldType::PerMille => RawValue::Num(n.abs() % Decimal::ONE_THOUSAND),
            FieldType::Number => RawValue::Num(n),
        };
        values.push((f.id.clone(), v, origin.clone()));
    }
    let mut read = ReadEvidence::default();
    read.units.push(ReadUnit {
        id: "p".into(),
        name: None,
        kind: None,
        class: set.classes.first().map(|c| c.id.clone()),
        peer_group: set.peer_groups.first().map(|c| c.id.clone()),
        parent: None,
        values,
        cases: Vec::new(),
        origin,
        meta_origin: Default::default(),
    });
    kaohe::bind::bind(set, read).expect("generated evidence binds")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Points stay within [floor, max] (plus a bonus_above extra cap) unless negatives are allowed.
    #[test]
    fn points_stay_within_floor_and_max(
        nums in proptest::collection::vec((-20000i64..200000).prop_map(|x| dec(x, 2)), 1..40),
        bools in proptest::collection::vec(any::<bool>(), 1..10),
    ) {
        let set = shapes();
        let ev = unit_with(set, &nums, &bools);
        let a = kaohe::engine::assess(set, &ev).expect("scores");
        let u = &a.units[0];
        for (ind, r) in set.indicators.iter().zip(&u.indicators) {
            let extra = ind.rule.top(r.max) - r.max;
            prop_assert!(r.points <= r.max + extra, "{} {} > {}", r.id(), r.points, r.max);
            if let Some(floor) = ind.floor {
                prop_assert!(r.points >= floor, "{} {} < floor {}", r.id(), r.points, floor);
            }
        }
    }

    /// A fired enforced `fail` veto always yields the lowest grade.
    #[test]
    fn enforced_fail_veto_gives_lowest_grade(
        nums in proptest::collection::vec((0i64..200000).prop_map(|x| dec(x, 2)), 1..40),
        bools in proptest::collection::vec(any::<bool>(), 1..10),
    ) {
        let (set, _) = default_set();
        let ev = unit_with(set, &nums, &bools);
        let a = kaohe::engine::assess(set, &ev).expect("scores");
        let u = &a.units[0];
        let lowest = set.grades.last().map(|g| g.label.clone()).unwrap_or_default();
        let fails = u.vetoes.iter().any(|v| v.applied && v.effect.contains(&lowest));
        if fails {
            prop_assert_eq!(u.grade.as_deref(), Some(lowest.as_str()));
            prop_assert!(u.vetoed);
        }
    }

    /// R2: a higher value never scores less (monotone rule).
    #[test]
    fn deduct_below_is_monotone(a in 0i64..10000, b in 0i64..10000) {
        let set = shapes();
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let score = |v: i64| {
            let ev = unit_with(set, &[dec(v, 2)], &[true]);
            let r = kaohe::engine::assess(set, &ev).expect("scores");
            r.units[0].indicators.iter().find(|i| i.id() == "D_WHOLE").map(|i| i.points)
        };
        prop_assert!(score(lo) <= score(hi));
    }
}
