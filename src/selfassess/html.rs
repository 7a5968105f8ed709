//! `self-assessment.html`: the view model of a [`SelfAssessment`] for `templates/selfassess.html`.
//!
//! Numbers and Chinese phrases are formatted here; the template only prints strings, and tera
//! escapes every one of them (names and texts from the set and the evidence cannot inject
//! markup). The page shares the layout, CSS and Content-Security-Policy of the assessment
//! reports ([`crate::report::render_document`]).

use super::{NeedLevel, SelfAssessment, ValueNeed};
use crate::explain::{UnitInfo, VetoCheck};
use crate::model::VetoMode;
use crate::num::{show, show_dp};
use crate::report::{Document, ReportError, grade_class};
use rust_decimal::Decimal;
use serde::Serialize;

/// The self-assessment report as one self-contained HTML page (no scripts, no external
/// resources; everything from the set and the evidence is escaped).
pub fn render_html(s: &SelfAssessment) -> Result<String, ReportError> {
    crate::report::render_document_in(Document::SelfAssessment, &page(s), s.lang)
}

/// The page's own words in one language.
#[derive(Serialize)]
struct Words {
    kicker: &'static str,
    total: &'static str,
    grade: &'static str,
    by_score: &'static str,
    rank: &'static str,
    lost: &'static str,
    recoverable: &'static str,
    points_unit: &'static str,
    veto: &'static str,
    veto_advisory: &'static str,
    blockers: &'static str,
    effect: &'static str,
    clear_by: &'static str,
    item: &'static str,
    office: &'static str,
    current: &'static str,
    need: &'static str,
    points: &'static str,
    gain: &'static str,
    clears: &'static str,
    projected_total: &'static str,
    projected_grade: &'static str,
    projected_end: &'static str,
    method: &'static str,
    h_lost: &'static str,
    kind: &'static str,
    why: &'static str,
    no_loss: &'static str,
    h_vetoes: &'static str,
    status: &'static str,
    rule: &'static str,
    trigger: &'static str,
    margin: &'static str,
    h_needs: &'static str,
    needs_note: &'static str,
    current_points: &'static str,
    for_full: &'static str,
    levels: &'static str,
    no_needs: &'static str,
    h_missing: &'static str,
    field: &'static str,
    affects: &'static str,
    undecided: &'static str,
    at_stake: &'static str,
    none_missing: &'static str,
    h_risk: &'static str,
    risk_note: &'static str,
    last_correction: &'static str,
    impact: &'static str,
    no_risk: &'static str,
}

static ZH: Words = Words {
    kicker: "自查自评报告",
    total: "总分",
    grade: "等次",
    by_score: "按分数为",
    rank: "排名",
    lost: "失分",
    recoverable: "其中本期可挽回",
    points_unit: "分",
    veto: "一票否决",
    veto_advisory: "一票否决(提示)",
    blockers: "阻碍升级的一票否决",
    effect: "后果",
    clear_by: "解除条件",
    item: "指标",
    office: "负责",
    current: "现值",
    need: "需要",
    points: "得分",
    gain: "总分增加",
    clears: "解除",
    projected_total: "按上述改进,预计总分",
    projected_grade: ",等次",
    projected_end: "。",
    method: "方法:",
    h_lost: "失分情况(从大到小)",
    kind: "类型",
    why: "说明",
    no_loss: "没有失分。",
    h_vetoes: "一票否决余量(已触发的在前)",
    status: "状态",
    rule: "规则",
    trigger: "触发条件",
    margin: "当前情况与余量",
    h_needs: "所需数值",
    needs_note: "每项指标从现有得分到满分(或最高分)各档所需的数值;按整步扣分的规则,\"高于\"表示必须超过该数值。",
    current_points: "现值 / 得分",
    for_full: "满分所需",
    levels: "各档所需",
    no_needs: "没有可再提高的指标。",
    h_missing: "缺少的佐证",
    field: "数据项",
    affects: "影响的指标",
    undecided: "无法判断的否决规则",
    at_stake: "涉及分数",
    none_missing: "指标体系所需的数据均已填报。",
    h_risk: "核查风险",
    risk_note: "若本年核查(抽样调查、抽查)对自报数值的修正与上年相同,将失去的分数。",
    last_correction: "上年修正",
    impact: "影响",
    no_risk: "没有上年核查修正记录。",
};

static EN: Words = Words {
    kicker: "Self-assessment",
    total: "Total",
    grade: "Grade",
    by_score: "by the score: ",
    rank: "Rank",
    lost: "Points lost",
    recoverable: "recoverable this period:",
    points_unit: "",
    veto: "One-vote veto",
    veto_advisory: "One-vote veto (advisory)",
    blockers: "Vetoes that block the next grade",
    effect: "Effect",
    clear_by: "Cleared by",
    item: "Indicator",
    office: "Office",
    current: "Now",
    need: "Needed",
    points: "Points",
    gain: "Total gains",
    clears: "clears ",
    projected_total: "With these improvements the projected total is",
    projected_grade: ", grade",
    projected_end: ".",
    method: "Method: ",
    h_lost: "Points lost (largest first)",
    kind: "Kind",
    why: "Why",
    no_loss: "No points lost.",
    h_vetoes: "One-vote vetoes and their margins (fired first)",
    status: "Status",
    rule: "Rule",
    trigger: "Trigger",
    margin: "Now and the margin",
    h_needs: "Values needed",
    needs_note: "The value each indicator needs for each level from its points now up to full (or the most) points; for rules that deduct in whole steps, \"above\" means the value must exceed it.",
    current_points: "Now / points",
    for_full: "For full marks",
    levels: "By level",
    no_needs: "No indicator can gain more.",
    h_missing: "Missing evidence",
    field: "Field",
    affects: "Indicators affected",
    undecided: "Vetoes undecided",
    at_stake: "Points at stake",
    none_missing: "Every value the set needs has been reported.",
    h_risk: "Inspection risk",
    risk_note: "The points that would be lost if this year's inspections (survey, spot checks) corrected the self-reported values as last year's did.",
    last_correction: "Last year's correction",
    impact: "Impact",
    no_risk: "No corrections by last year's inspections.",
};

#[derive(Serialize)]
struct Page<'a> {
    w: &'static Words,
    head: Head<'a>,
    title: String,
    period: &'a str,
    unit: &'a UnitInfo,
    cards: Cards,
    banners: Vec<Banner<'a>>,
    path: PathView<'a>,
    lost: Vec<LossRow<'a>>,
    vetoes: Vec<VetoRow<'a>>,
    needs: Vec<NeedRow<'a>>,
    missing: Vec<MissingRow<'a>>,
    has_risk: bool,
    risk: Vec<RiskRow<'a>>,
}

/// What the shared layout prints in the head and the footer.
#[derive(Serialize)]
struct Head<'a> {
    html_lang: &'static str,
    set_name: &'a str,
    set_id: &'a str,
    version: &'a str,
    hash: &'a str,
    engine: &'a str,
}

#[derive(Serialize)]
struct Cards {
    total: String,
    max_possible: String,
    grade: String,
    grade_class: &'static str,
    /// The grade the score alone gives, when a veto changed it.
    score_grade: Option<String>,
    /// The rank, or the unit's status when it has none.
    rank: String,
    units: usize,
    lost: String,
    recoverable: String,
}

/// A fired veto, shown above everything else.
#[derive(Serialize)]
struct Banner<'a> {
    advisory: bool,
    id: &'a str,
    name: &'a str,
    summary: &'a str,
    note: String,
}

#[derive(Serialize)]
struct PathView<'a> {
    heading: String,
    summary: &'a str,
    blockers: Vec<BlockerRow<'a>>,
    steps: Vec<StepRow<'a>>,
    projected: Option<Projected>,
    method: &'a str,
}

#[derive(Serialize)]
struct BlockerRow<'a> {
    name: &'a str,
    veto: &'a str,
    effect: &'a str,
    clear: String,
}

#[derive(Serialize)]
struct StepRow<'a> {
    name: &'a str,
    id: &'a str,
    clears: Option<&'a str>,
    office: &'a str,
    current: &'a str,
    need: String,
    from: String,
    to: String,
    gain: String,
}

#[derive(Serialize)]
struct Projected {
    total: String,
    grade: String,
}

#[derive(Serialize)]
struct LossRow<'a> {
    lost: String,
    name: &'a str,
    id: &'a str,
    points: String,
    max: String,
    office: &'a str,
    class: &'static str,
    kind: &'static str,
    why: &'a str,
}

#[derive(Serialize)]
struct VetoRow<'a> {
    class: &'static str,
    tag: &'static str,
    name: &'a str,
    id: &'a str,
    trigger: &'a str,
    summary: &'a str,
    effect: &'a str,
}

#[derive(Serialize)]
struct NeedRow<'a> {
    name: &'a str,
    id: &'a str,
    office: &'a str,
    current: &'a str,
    points: String,
    max: String,
    summary: &'a str,
    levels: Vec<String>,
    rate: Option<&'a str>,
}

#[derive(Serialize)]
struct MissingRow<'a> {
    name: &'a str,
    id: &'a str,
    indicators: String,
    vetoes: String,
    points: String,
}

#[derive(Serialize)]
struct RiskRow<'a> {
    name: &'a str,
    field: &'a str,
    difference: String,
    summary: &'a str,
    points_lost: String,
}

fn page(s: &SelfAssessment) -> Page<'_> {
    let set = &s.indicator_set;
    let lang = s.lang;
    let en = lang.en();
    let status = lang.pick(s.status.zh(), s.status.en());
    Page {
        w: if en { &EN } else { &ZH },
        head: Head {
            html_lang: lang.html_lang(),
            set_name: &set.name,
            set_id: &set.id,
            version: &set.version,
            hash: &set.hash,
            engine: &s.engine,
        },
        title: if en {
            format!("{}: self-assessment · {}", s.unit.name, s.period)
        } else {
            format!("{} 自查自评报告 · {}", s.unit.name, s.period)
        },
        period: &s.period,
        unit: &s.unit,
        cards: Cards {
            total: crate::num::show_known(s.total),
            max_possible: show(s.max_possible),
            grade: s.grade.clone().unwrap_or_else(|| status.to_string()),
            grade_class: s.grade.as_deref().map_or("", |g| grade_class(&s.grades, g)),
            score_grade: (s.grade.is_some() && s.grade != s.score_grade)
                .then(|| s.score_grade.clone())
                .flatten(),
            rank: s.rank.map_or_else(|| status.to_string(), |r| r.to_string()),
            units: s.units,
            lost: show(s.lost_total),
            recoverable: show(s.recoverable_total),
        },
        banners: s
            .vetoes
            .iter()
            .filter(|v| v.fired)
            .map(|v| banner(v, lang))
            .collect(),
        path: path(s),
        lost: s.lost.iter().map(|l| loss_row(l, lang)).collect(),
        vetoes: s.vetoes.iter().map(|v| veto_row(v, lang)).collect(),
        needs: s.needs.iter().map(|n| need_row(n, lang)).collect(),
        missing: s
            .missing
            .iter()
            .map(|m| MissingRow {
                name: &m.name,
                id: &m.id,
                indicators: m.indicators.join(lang.pick("、", ", ")),
                vetoes: m.vetoes.join(lang.pick("、", ", ")),
                points: show(m.points_at_stake),
            })
            .collect(),
        has_risk: s.risk.is_some(),
        risk: s.risk.iter().flatten().map(risk_row).collect(),
    }
}

fn banner(v: &VetoCheck, lang: crate::lang::Lang) -> Banner<'_> {
    let advisory = v.mode == VetoMode::Advisory;
    Banner {
        advisory,
        id: &v.id,
        name: &v.name,
        summary: &v.condition.summary,
        note: match (advisory, lang.en()) {
            (true, false) => "仅提示,提请领导小组审议,不改变结果".to_string(),
            (true, true) => {
                "advisory only: for the leading group to consider; the result is unchanged"
                    .to_string()
            }
            (false, false) => format!("后果:{}", v.effect),
            (false, true) => format!("Effect: {}", v.effect),
        },
    }
}

fn path(s: &SelfAssessment) -> PathView<'_> {
    let ng = &s.next_grade;
    let lang = s.lang;
    let unit_of = |id: &str| {
        s.needs
            .iter()
            .find(|n| n.id == id)
            .and_then(|n| n.unit.as_deref())
    };
    let blockers = ng.blockers.iter().map(|b| BlockerRow {
        name: &b.name,
        veto: &b.veto,
        effect: &b.effect,
        clear: if b.clearable {
            b.requirements.join(lang.pick(";", "; "))
        } else {
            lang.pick(
                "否决情形为已发生的事件,本期无法解除",
                "the veto is for events that have happened: it cannot be cleared this period",
            )
            .to_string()
        },
    });
    let steps = ng.steps.iter().map(|st| StepRow {
        name: &st.name,
        id: &st.id,
        clears: st.clears.as_deref(),
        office: st.office.as_deref().unwrap_or(""),
        current: &st.current,
        need: match &st.need {
            Some(n) if lang.en() => {
                format!("{} {}", st.value_name, n.text_in(unit_of(&st.id), lang))
            }
            Some(n) => format!("{}{}", st.value_name, n.text(unit_of(&st.id))),
            None => st.text.clone(),
        },
        from: show(st.from_points),
        to: show(st.to_points),
        gain: if st.gain > Decimal::ZERO {
            format!("+{}", show_dp(st.gain, 2))
        } else {
            "—".into()
        },
    });
    let projected = match (ng.projected_total, &ng.projected_grade) {
        (Some(t), Some(g)) => Some(Projected {
            total: show(t),
            grade: g.clone(),
        }),
        _ => None,
    };
    PathView {
        heading: match (&ng.target, lang.en()) {
            (Some(t), false) => format!("提升到{t}的路径"),
            (Some(t), true) => format!("The path to {t}"),
            (None, _) => lang.pick("等次", "Grade").to_string(),
        },
        summary: &ng.summary,
        blockers: blockers.collect(),
        steps: steps.collect(),
        projected,
        method: ng.method,
    }
}

fn loss_row(l: &super::Loss, lang: crate::lang::Lang) -> LossRow<'_> {
    LossRow {
        lost: show(l.lost),
        name: &l.name,
        id: &l.id,
        points: show(l.points),
        max: show(l.max),
        office: l.office.as_deref().unwrap_or(""),
        class: if l.recoverable { "t-rec" } else { "t-past" },
        kind: lang.pick(l.kind.zh(), l.kind.en()),
        why: &l.why,
    }
}

fn veto_row(v: &VetoCheck, lang: crate::lang::Lang) -> VetoRow<'_> {
    let near = v
        .condition
        .relative
        .is_some_and(|r| r <= Decimal::new(5, 2));
    let (class, tag) = match (v.fired, v.mode) {
        (true, VetoMode::Advisory) => ("t-advisory", lang.pick("已触发·提示", "fired · advisory")),
        (true, _) => ("t-fired", lang.pick("已触发", "fired")),
        (false, _) if v.condition.holds.is_none() => {
            ("t-unknown", lang.pick("无法判断", "undecided"))
        }
        (false, _) if near => ("t-near", lang.pick("接近", "near")),
        (false, _) => ("t-ok", lang.pick("未触发", "clear")),
    };
    VetoRow {
        class,
        tag,
        name: &v.name,
        id: &v.id,
        trigger: &v.trigger,
        summary: &v.condition.summary,
        effect: if v.mode == VetoMode::Advisory {
            lang.pick("仅提示", "advisory only")
        } else {
            &v.effect
        },
    }
}

/// At most twelve levels are listed: the first six, a count, the last three.
fn need_row(n: &ValueNeed, lang: crate::lang::Lang) -> NeedRow<'_> {
    let level = |l: &NeedLevel| {
        let need = match &l.need {
            Some(need) => need.text_in(n.unit.as_deref(), lang),
            None => l.text.clone(),
        };
        if lang.en() {
            format!("{}: {need}", show(l.points))
        } else {
            format!("{}:{need}", show(l.points))
        }
    };
    let levels = if n.levels.len() > 12 {
        let first = n.levels.iter().take(6).map(level);
        let count = std::iter::once(if lang.en() {
            format!("… ({} levels in all)", n.levels.len())
        } else {
            format!("…(共{}档)", n.levels.len())
        });
        let last = n.levels[n.levels.len() - 3..].iter().map(level);
        first.chain(count).chain(last).collect()
    } else {
        n.levels.iter().map(level).collect()
    };
    NeedRow {
        name: &n.name,
        id: &n.id,
        office: n.office.as_deref().unwrap_or(""),
        current: &n.current,
        points: show(n.points),
        max: show(n.max),
        summary: &n.summary,
        levels,
        rate: n.rate.as_deref(),
    }
}

fn risk_row(x: &super::Risk) -> RiskRow<'_> {
    let sign = if x.difference >= Decimal::ZERO {
        "+"
    } else {
        ""
    };
    RiskRow {
        name: &x.name,
        field: &x.field,
        difference: format!("{sign}{}", show(x.difference)),
        summary: &x.summary,
        points_lost: show(x.points_lost),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{InputArgs, load_inputs};
    use crate::explain::Context;

    fn futian() -> SelfAssessment {
        let (set, ev) = load_inputs(&InputArgs {
            set: None,
            evidence: Vec::new(),
            encoding: Default::default(),
        })
        .expect("shipped default loads");
        let a = crate::engine::assess(&set, &ev).expect("assess");
        super::super::self_assess(&set, &ev, &a, Context::default(), "futian", Some(&[]))
            .expect("self-assess")
    }

    #[test]
    fn names_with_markup_and_ampersands_are_escaped() {
        let mut s = futian();
        let hostile = "<script>alert('x')</script> & 福田";
        s.unit.name = hostile.into();
        s.unit.id = hostile.into();
        s.indicator_set.name = hostile.into();
        for l in &mut s.lost {
            l.name = hostile.into();
            l.why = hostile.into();
        }
        for v in &mut s.vetoes {
            v.name = hostile.into();
            v.trigger = hostile.into();
        }
        for n in &mut s.needs {
            n.name = hostile.into();
        }
        let html = render_html(&s).expect("renders");
        assert!(!html.contains("<script"), "{html}");
        let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 福田";
        assert!(html.matches(escaped).count() >= 5, "{html}");
        assert!(!html.contains("& 福田"));
        assert!(
            html.contains("Content-Security-Policy\" content=\"default-src &#39;none&#39;;"),
            "the same CSP as the reports"
        );
    }
}
