//! Edge cases of each value shape, and properties over all of them.

use super::*;
use crate::expr::Val;
use crate::model::choice::StepCount;
use crate::model::{Deduct, StepRow};
use rust_decimal::Decimal;
use rust_decimal::dec;

/// Raw points of a value shape.
fn pts(rule: &Rule, v: Decimal, max: Decimal) -> Decimal {
    rule.raw(Val::Num(v), max)
        .map(|r| r.points)
        .unwrap_or_default()
}

fn reason(rule: &Rule, name: &str, v: Decimal, max: Decimal, unit: Option<&str>) -> String {
    let c = Ctx {
        name,
        unit,
        max,
        floor: Some(Decimal::ZERO),
        target: super::TARGET,
        lang: Lang::Zh,
    };
    rule.trace(Val::Num(v), max).reason(&c)
}

/// A deduction below its target.
fn below(mut d: Deduct) -> Rule {
    d.side = crate::rules::deduct::Side::Below;
    Rule::Deduct(d)
}

/// A deduction above its target.
fn above(mut d: Deduct) -> Rule {
    d.side = crate::rules::deduct::Side::Above;
    Rule::Deduct(d)
}

fn deduct(target: Decimal, per: Decimal, points: Decimal) -> Deduct {
    Deduct {
        target,
        per,
        points,
        count: StepCount::Whole,
        base: Decimal::ZERO,
        side: crate::rules::deduct::Side::Below,
    }
}

#[test]
fn r2_deduct_below_edges() {
    let r = below(deduct(dec!(95), dec!(0.1), dec!(0.3)));
    assert_eq!(pts(&r, dec!(95), dec!(10)), dec!(10));
    assert_eq!(pts(&r, dec!(96), dec!(10)), dec!(10));
    assert_eq!(pts(&r, dec!(94.7), dec!(10)), dec!(9.1));
    assert_eq!(pts(&r, dec!(94.2), dec!(10)), dec!(7.6));
    // Beyond the floor: raw points go negative, the indicator's floor (0) clamps later.
    assert!(pts(&r, dec!(50), dec!(10)) < Decimal::ZERO);
    let reason = reason(&r, "符合政策生育率", dec!(94.2), dec!(10), Some("%"));
    assert_eq!(
        reason,
        "符合政策生育率94.2%,低于目标95% 0.8个百分点,每0.1个百分点扣0.3分,扣2.4分"
    );
}

#[test]
fn a_negative_item_without_a_floor_does_not_say_kou_wan_wei_zhi() {
    let r = below(deduct(dec!(95), dec!(0.1), dec!(0.3)));
    let trace = r.trace(Val::Num(dec!(90)), dec!(10));
    let with = |floor| Ctx {
        name: "率",
        unit: Some("%"),
        max: dec!(10),
        floor,
        target: super::TARGET,
        lang: Lang::Zh,
    };
    // 5 points below at 0.3 per 0.1 = 15 > 10.
    assert!(
        trace
            .reason(&with(Some(Decimal::ZERO)))
            .ends_with("扣15分,扣完为止")
    );
    assert!(trace.reason(&with(None)).ends_with("扣15分"));
}

#[test]
fn r3_deduct_above_with_base() {
    let mut d = deduct(dec!(107), dec!(0.1), dec!(0.1));
    d.base = dec!(0.1);
    let r = above(d);
    assert_eq!(pts(&r, dec!(106.9), dec!(5)), dec!(5));
    assert_eq!(pts(&r, dec!(107), dec!(5)), dec!(4.9));
    assert_eq!(pts(&r, dec!(107.3), dec!(5)), dec!(4.6));
}

#[test]
fn r4_threshold_inclusive_limit() {
    let r = Rule::Threshold(threshold::Threshold {
        zero_above: Some(dec!(5)),
        zero_below: None,
        inclusive: false,
        within: Some(Box::new(Rule::Interpolate(interpolate::Interpolate {
            full_at: dec!(0),
            zero_at: dec!(10),
        }))),
    });
    assert_eq!(pts(&r, dec!(5), dec!(10)), dec!(5));
    assert_eq!(pts(&r, dec!(5.01), dec!(10)), dec!(0));
    assert_eq!(pts(&r, dec!(0), dec!(10)), dec!(10));
}

#[test]
fn r5_band_ends() {
    let r = Rule::Band(band::Band {
        low: dec!(85),
        high: dec!(100),
        low_inclusive: true,
        high_inclusive: true,
    });
    assert_eq!(pts(&r, dec!(85), dec!(8)), dec!(8));
    assert_eq!(pts(&r, dec!(84.99), dec!(8)), dec!(0));
    assert_eq!(pts(&r, dec!(100), dec!(8)), dec!(8));
    assert_eq!(pts(&r, dec!(100.01), dec!(8)), dec!(0));
}

#[test]
fn r6_r7_r8() {
    let p = Rule::Proportional(proportional::Proportional { target: dec!(65) });
    assert_eq!(pts(&p, dec!(65), dec!(10)), dec!(10));
    assert_eq!(pts(&p, dec!(80), dec!(10)), dec!(10));
    assert_eq!(pts(&p, dec!(32.5), dec!(10)), dec!(5));
    let i = Rule::Interpolate(interpolate::Interpolate {
        full_at: dec!(3),
        zero_at: dec!(5),
    });
    assert_eq!(pts(&i, dec!(3), dec!(10)), dec!(10));
    assert_eq!(pts(&i, dec!(4), dec!(10)), dec!(5));
    assert_eq!(pts(&i, dec!(5), dec!(10)), dec!(0));
    assert_eq!(pts(&i, dec!(9), dec!(10)), dec!(0));
    let b = Rule::BonusAbove(bonus_above::BonusAbove {
        target: dec!(70),
        per: dec!(1),
        add: dec!(5),
        deduct: dec!(1),
        extra_cap: dec!(20),
        count: StepCount::Whole,
    });
    assert_eq!(pts(&b, dec!(70), dec!(30)), dec!(30));
    assert_eq!(pts(&b, dec!(72), dec!(30)), dec!(40));
    assert_eq!(pts(&b, dec!(99), dec!(30)), dec!(50));
    assert_eq!(pts(&b, dec!(67), dec!(30)), dec!(27));
}

#[test]
fn step_table_boundaries() {
    let r = Rule::Steps(steps::Steps {
        rows: vec![
            StepRow {
                min: Some(dec!(95)),
                below: None,
                points: dec!(10),
            },
            StepRow {
                min: Some(dec!(90)),
                below: Some(dec!(95)),
                points: dec!(6),
            },
        ],
        otherwise: dec!(0),
    });
    assert_eq!(pts(&r, dec!(95), dec!(10)), dec!(10));
    assert_eq!(pts(&r, dec!(94.99), dec!(10)), dec!(6));
    assert_eq!(pts(&r, dec!(90), dec!(10)), dec!(6));
    assert_eq!(pts(&r, dec!(89.99), dec!(10)), dec!(0));
}

// ---------------------------------------------------------------------------------------
// Properties over random parameters: points, trace, reason and inverse agree for every shape.
// ---------------------------------------------------------------------------------------

use proptest::prelude::*;

/// A decimal with one decimal place in `lo..hi` tenths.
fn d1(lo: i64, hi: i64) -> impl Strategy<Value = Decimal> {
    (lo..hi).prop_map(|x| Decimal::new(x, 1))
}

fn count() -> impl Strategy<Value = StepCount> {
    prop_oneof![
        Just(StepCount::Whole),
        Just(StepCount::Started),
        Just(StepCount::Partial)
    ]
}

fn arb_deduct() -> impl Strategy<Value = Deduct> {
    (d1(0, 2000), d1(1, 50), d1(0, 50), count(), d1(0, 20)).prop_map(
        |(target, per, points, count, base)| Deduct {
            target,
            per,
            points,
            count,
            base,
            side: crate::rules::deduct::Side::Below,
        },
    )
}

/// Every value shape with random parameters (the loader's own checks respected: `per > 0`,
/// `low ≤ high`, `full_at ≠ zero_at`, `min < below`).
fn arb_rule() -> impl Strategy<Value = Rule> {
    let leaf = prop_oneof![
        (
            proptest::option::of(d1(0, 1000)),
            proptest::option::of(d1(0, 1000)),
            d1(0, 50)
        )
            .prop_map(|(min, max, otherwise)| Rule::Binary(binary::Binary {
                min,
                max,
                is: None,
                otherwise,
            })),
        arb_deduct().prop_map(below),
        arb_deduct().prop_map(above),
        (d1(0, 1000), d1(0, 1000), any::<bool>(), any::<bool>()).prop_map(|(a, b, li, hi)| {
            Rule::Band(band::Band {
                low: a.min(b),
                high: a.max(b),
                low_inclusive: li,
                high_inclusive: hi,
            })
        }),
        d1(1, 1000).prop_map(|target| Rule::Proportional(proportional::Proportional { target })),
        (d1(0, 1000), d1(1, 500), any::<bool>()).prop_map(|(full_at, span, up)| {
            Rule::Interpolate(interpolate::Interpolate {
                full_at,
                zero_at: if up { full_at + span } else { full_at - span },
            })
        }),
        (
            d1(0, 1000),
            d1(1, 50),
            d1(0, 50),
            d1(0, 50),
            d1(0, 100),
            count()
        )
            .prop_map(|(target, per, add, deduct, extra_cap, count)| {
                Rule::BonusAbove(bonus_above::BonusAbove {
                    target,
                    per,
                    add,
                    deduct,
                    extra_cap,
                    count,
                })
            }),
        (
            proptest::collection::vec((d1(0, 1000), d1(1, 300), d1(0, 300)), 1..4),
            d1(0, 50)
        )
            .prop_map(|(rows, otherwise)| Rule::Steps(steps::Steps {
                rows: rows
                    .into_iter()
                    .map(|(min, w, points)| StepRow {
                        min: Some(min),
                        below: Some(min + w),
                        points,
                    })
                    .collect(),
                otherwise,
            })),
        (d1(1, 50), d1(1, 50))
            .prop_map(|(per, points)| Rule::PerCount(per_count::PerCount { per, points })),
        Just(Rule::Fraction(fraction::Fraction)),
    ];
    leaf.prop_recursive(1, 4, 1, |inner| {
        (
            d1(0, 1000),
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(inner),
        )
            .prop_map(|(limit, above, inclusive, within)| {
                Rule::Threshold(threshold::Threshold {
                    zero_above: above.then_some(limit),
                    zero_below: (!above).then_some(limit),
                    inclusive,
                    within: within.map(Box::new),
                })
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// For every shape with random parameters and values: the engine's points are the trace's
    /// raw points through the shared finish; the reason and the steps render and name the
    /// value; and the inverse agrees with the points — a value meets `need(p)` exactly when it
    /// scores at least `p`, for every level of the shape's ladder.
    #[test]
    fn points_trace_reason_and_inverse_agree(
        rule in arb_rule(),
        max in d1(0, 1000),
        values in proptest::collection::vec(d1(-500, 2500), 1..12),
    ) {
        let floor = Some(Decimal::ZERO);
        // Inverses are stated before rounding: compare unrounded points (28 decimals, all a
        // Decimal holds) with exact levels.
        let rounding = 28;
        let c = Ctx {
            name: "x",
            unit: None,
            max,
            floor,
            target: super::TARGET,
        lang: Lang::Zh,
        };
        let levels: Vec<Decimal> = rule
            .candidates(max)
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.clamp(Decimal::ZERO, rule.top(max)))
            .collect();
        for v in values {
            let t = rule.trace(Val::Num(v), max);
            let raw = t.raw().expect("a value shape scores a number");
            let p = finish(raw, max, floor, rounding).points;
            prop_assert_eq!(Some(p), points_at(&rule, Val::Num(v), max, floor, rounding));
            prop_assert!(p >= Decimal::ZERO && p <= rule.top(max), "{:?}: {} at {}", rule, p, v);
            let reason = t.reason(&c);
            prop_assert!(reason.contains(&crate::num::show_dp(v, 4)), "{}", reason);
            prop_assert!(!t.steps(&c).is_empty());
            for &level in &levels {
                if let Some(n) = rule.need(max, floor, level) {
                    prop_assert_eq!(
                        n.holds(Val::Num(v)),
                        p >= level,
                        "{:?}, max {}: need for {} is {:?}; {} scores {}",
                        rule, max, level, n, v, p
                    );
                }
            }
        }
    }
}

/// A step count or deduction too large to compute scores no points and says so — never full
/// marks (7.9e28 per 0.1 used to count 0 steps).
#[test]
fn overflowing_steps_score_nothing() {
    let huge = Decimal::from_str_exact("79000000000000000000000000000").expect("decimal");
    let mut d = deduct(dec!(5), dec!(0.1), dec!(1));
    d.count = StepCount::Whole;
    let r = above(d);
    assert_eq!(r.raw(Val::Num(huge), dec!(60)), None);
    let why = reason(&r, "出生人口统计误差率", huge, dec!(60), Some("%"));
    assert!(why.contains("数值溢出"), "{why}");
    let b = Rule::BonusAbove(bonus_above::BonusAbove {
        target: dec!(70),
        per: dec!(0.1),
        add: dec!(1),
        deduct: dec!(1),
        extra_cap: dec!(5),
        count: StepCount::Whole,
    });
    assert_eq!(b.raw(Val::Num(-huge), dec!(10)), None);
    assert_eq!(b.raw(Val::Num(huge), dec!(10)), None);
    // Ordinary values are unaffected.
    assert_eq!(
        r.raw(Val::Num(dec!(5.3)), dec!(60)).map(|x| x.points),
        Some(dec!(57))
    );
}

/// An English reason of a value shape.
fn reason_en(rule: &Rule, name: &str, v: Val, max: Decimal, unit: Option<&str>) -> String {
    let c = Ctx {
        name,
        unit,
        max,
        floor: Some(Decimal::ZERO),
        target: super::TARGET_EN,
        lang: Lang::En,
    };
    rule.trace(v, max).reason(&c)
}

/// Every shape's reason in English (one or two values each), and its explain steps: the
/// words kaohe adds are English, names and units stay as the set writes them.
#[test]
fn every_shape_reasons_in_english() {
    let n = |d: Decimal| Val::Num(d);
    let mut out = String::new();
    let mut case =
        |label: &str, rule: &Rule, name: &str, v: Val, max: Decimal, unit: Option<&str>| {
            let c = Ctx {
                name,
                unit,
                max,
                floor: Some(Decimal::ZERO),
                target: super::TARGET_EN,
                lang: Lang::En,
            };
            let t = rule.trace(v, max);
            out.push_str(&format!(
                "{label}: {}\n{}\n",
                reason_en(rule, name, v, max, unit),
                t.steps(&c)
                    .iter()
                    .map(|s| format!("  | {s}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        };
    let binary = Rule::Binary(binary::Binary {
        min: Some(dec!(95)),
        max: None,
        is: None,
        otherwise: Decimal::ZERO,
    });
    case(
        "binary",
        &binary,
        "rate",
        n(dec!(96.5)),
        dec!(10),
        Some("%"),
    );
    case("binary", &binary, "rate", n(dec!(94)), dec!(10), Some("%"));
    let flag = Rule::Binary(binary::Binary {
        min: None,
        max: None,
        is: Some(true),
        otherwise: dec!(2),
    });
    case(
        "binary yes/no",
        &flag,
        "规划已制定",
        Val::Bool(false),
        dec!(5),
        None,
    );
    let below = below(deduct(dec!(95), dec!(0.1), dec!(0.3)));
    case(
        "deduct_below",
        &below,
        "符合政策生育率",
        n(dec!(94.2)),
        dec!(10),
        Some("%"),
    );
    case(
        "deduct_below",
        &below,
        "符合政策生育率",
        n(dec!(60)),
        dec!(10),
        Some("%"),
    );
    case(
        "deduct_below",
        &below,
        "符合政策生育率",
        n(dec!(97)),
        dec!(10),
        Some("%"),
    );
    let mut d = deduct(dec!(1), dec!(1), dec!(2));
    d.base = dec!(0.5);
    let above = above(d);
    case(
        "deduct_above",
        &above,
        "差错数",
        n(dec!(3)),
        dec!(10),
        Some("件"),
    );
    let thr = Rule::Threshold(threshold::Threshold {
        zero_above: Some(dec!(5)),
        zero_below: None,
        inclusive: false,
        within: Some(Box::new(Rule::Interpolate(interpolate::Interpolate {
            full_at: dec!(1),
            zero_at: dec!(5),
        }))),
    });
    case(
        "threshold",
        &thr,
        "出生统计误差率",
        n(dec!(7.36)),
        dec!(60),
        Some("%"),
    );
    case(
        "threshold",
        &thr,
        "出生统计误差率",
        n(dec!(2)),
        dec!(60),
        Some("%"),
    );
    let band = Rule::Band(band::Band {
        low: dec!(98),
        high: dec!(100),
        low_inclusive: true,
        high_inclusive: true,
    });
    case(
        "band",
        &band,
        "出生人口数控制",
        n(dec!(100.43)),
        dec!(30),
        Some("%"),
    );
    let prop = Rule::Proportional(proportional::Proportional { target: dec!(1000) });
    case(
        "proportional",
        &prop,
        "已婚育龄妇女数",
        n(dec!(980)),
        dec!(10),
        Some("人"),
    );
    let bonus = Rule::BonusAbove(bonus_above::BonusAbove {
        target: dec!(95),
        per: dec!(1),
        add: dec!(0.5),
        deduct: dec!(1),
        extra_cap: dec!(2),
        count: StepCount::Whole,
    });
    case(
        "bonus_above",
        &bonus,
        "满意率",
        n(dec!(97)),
        dec!(10),
        Some("%"),
    );
    case(
        "bonus_above",
        &bonus,
        "满意率",
        n(dec!(93)),
        dec!(10),
        Some("%"),
    );
    let steps = Rule::Steps(steps::Steps {
        rows: vec![
            StepRow {
                min: Some(dec!(90)),
                below: None,
                points: dec!(10),
            },
            StepRow {
                min: Some(dec!(80)),
                below: Some(dec!(90)),
                points: dec!(6),
            },
        ],
        otherwise: Decimal::ZERO,
    });
    case("steps", &steps, "覆盖率", n(dec!(85)), dec!(10), Some("%"));
    let per_count = Rule::PerCount(per_count::PerCount {
        per: dec!(1),
        points: dec!(2),
    });
    case(
        "per_count",
        &per_count,
        "示范项目",
        n(dec!(7)),
        dec!(10),
        Some("个"),
    );
    case(
        "fraction",
        &Rule::Fraction(fraction::Fraction),
        "工作评价",
        n(dec!(0.8)),
        dec!(20),
        None,
    );
    out.push_str(&format!(
        "checklist: {}\nchecklist: {}\n",
        checklist::reason_en(dec!(2), dec!(10), 3, &[]),
        checklist::reason_en(dec!(2), dec!(10), 3, &["台账", "公示"])
    ));
    out.push_str(&format!(
        "per_case: {}\nper_case: {}\nper_case: {}\n",
        per_case::reason_en("两非", 0, Decimal::ZERO, dec!(10), Some(Decimal::ZERO)),
        per_case::reason_en("两非", 1, dec!(2), dec!(10), Some(Decimal::ZERO)),
        per_case::reason_en("两非", 3, dec!(30), dec!(10), Some(Decimal::ZERO))
    ));
    let lp = level_progress::Trace {
        level: dec!(0.8),
        progress: dec!(0.5),
        condition: true,
        coefficient: Decimal::ONE,
        weights: [dec!(7), dec!(3)],
        points: dec!(14.2),
    };
    out.push_str(&format!("level_progress: {}\n", lp.reason_en(dec!(20))));
    let parts = vec![
        ("迟报: 2 cases, 6 points deducted".to_string(), dec!(6)),
        (
            "No cases of 虚报: nothing deducted".to_string(),
            Decimal::ZERO,
        ),
    ];
    out.push_str(&format!(
        "deductions: {}\ndeductions: {}\n",
        deductions::reason_en(&parts, dec!(10), Some(Decimal::ZERO)),
        deductions::reason_en(&[], dec!(10), Some(Decimal::ZERO))
    ));
    insta::assert_snapshot!("every_shape_reasons_in_english", out);
}

/// The English reasons never fall back to Chinese words of their own: any Han character in
/// them comes from the names, units or case types given.
#[test]
fn english_reasons_have_no_chinese_of_their_own() {
    let r = below(deduct(dec!(95), dec!(0.1), dec!(0.3)));
    for v in [dec!(40), dec!(94.7), dec!(99)] {
        let why = reason_en(&r, "rate", Val::Num(v), dec!(10), Some("%"));
        assert!(
            !why.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{why}"
        );
    }
}

/// A decimal of 0 to 4 places in `-50000..250000` ten-thousandths, as evidence and drawn figures
/// hold them.
fn value_any_scale() -> impl Strategy<Value = Decimal> {
    (-50_000_000i64..250_000_000, 0u32..=4).prop_map(|(m, s)| {
        // The same point on the axis, written with `s` places (rounded down).
        Decimal::new(m / 10i64.pow(4 - s), s)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// A shape's kernel gives the engine's points whenever it decides them, for random
    /// parameters, maxima, floors, places and values; it decides every number written with
    /// places for the shapes whose points need no division.
    #[test]
    fn kernels_give_the_engines_points(
        rule in arb_rule(),
        max in d1(0, 1000),
        floor in proptest::option::of(d1(-100, 100)),
        dp in 1u32..=4,
        values in proptest::collection::vec(value_any_scale(), 1..12),
    ) {
        use crate::rules::kernel::{ItemKernel, at_dp};
        let Some(k) = ItemKernel::new(&rule, floor, dp) else {
            // Only the shapes with a division or an extra have none.
            prop_assert!(
                !matches!(rule, Rule::Binary(_) | Rule::Band(_) | Rule::Deduct(_)),
                "{:?}", rule
            );
            return Ok(());
        };
        let max_w = at_dp(max, dp).expect("one place");
        for v in values {
            let got = k.points(FxVal::Num(Fx::from_decimal(v)), max_w);
            let want = points_at(&rule, Val::Num(v), max, floor, dp);
            match got {
                Some(p) => prop_assert_eq!(Some(Decimal::new(p, dp)), want, "{:?} at {}", rule, v),
                None => prop_assert!(part_of_a_step(&rule), "{:?} left {} undecided", rule, v),
            }
        }
    }
}

/// Whether a kernel of `rule` may leave a number to the other paths: a part of a step.
fn part_of_a_step(rule: &Rule) -> bool {
    match rule {
        Rule::Deduct(d) => d.count == StepCount::Partial,
        Rule::Threshold(t) => t.within.as_deref().is_some_and(part_of_a_step),
        _ => false,
    }
}

/// A yes/no value: the kernel of `binary: { is: … }` gives the engine's points; a number
/// shape's kernel leaves a yes/no to the other paths.
#[test]
fn kernels_score_yes_no_as_the_engine() {
    use crate::rules::kernel::ItemKernel;
    let max = Decimal::new(5, 0);
    for is in [true, false] {
        let rule = Rule::Binary(binary::Binary {
            min: None,
            max: None,
            is: Some(is),
            otherwise: Decimal::new(-15, 1),
        });
        let k = ItemKernel::new(&rule, None, 2).expect("a kernel");
        for b in [true, false] {
            let want = points_at(&rule, Val::Bool(b), max, None, 2).expect("points");
            assert_eq!(
                k.points(FxVal::Bool(b), 500).map(|p| Decimal::new(p, 2)),
                Some(want)
            );
        }
    }
    let band = Rule::Band(band::Band {
        low: Decimal::ONE,
        high: Decimal::TEN,
        low_inclusive: true,
        high_inclusive: true,
    });
    let k = ItemKernel::new(&band, None, 2).expect("a kernel");
    assert_eq!(k.points(FxVal::Bool(true), 500), None);
}
