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
    crate::report::render_document(Document::SelfAssessment, &page(s))
}

#[derive(Serialize)]
struct Page<'a> {
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
    Page {
        head: Head {
            html_lang: "zh-CN",
            set_name: &set.name,
            set_id: &set.id,
            version: &set.version,
            hash: &set.hash,
            engine: &s.engine,
        },
        title: format!("{} 自查自评报告 · {}", s.unit.name, s.period),
        period: &s.period,
        unit: &s.unit,
        cards: Cards {
            total: crate::num::show_known(s.total),
            max_possible: show(s.max_possible),
            grade: s.grade.clone().unwrap_or_else(|| s.status.zh().to_string()),
            grade_class: s.grade.as_deref().map_or("", |g| grade_class(&s.grades, g)),
            score_grade: (s.grade.is_some() && s.grade != s.score_grade)
                .then(|| s.score_grade.clone())
                .flatten(),
            rank: s
                .rank
                .map_or_else(|| s.status.zh().to_string(), |r| r.to_string()),
            units: s.units,
            lost: show(s.lost_total),
            recoverable: show(s.recoverable_total),
        },
        banners: s.vetoes.iter().filter(|v| v.fired).map(banner).collect(),
        path: path(s),
        lost: s.lost.iter().map(loss_row).collect(),
        vetoes: s.vetoes.iter().map(veto_row).collect(),
        needs: s.needs.iter().map(need_row).collect(),
        missing: s
            .missing
            .iter()
            .map(|m| MissingRow {
                name: &m.name,
                id: &m.id,
                indicators: m.indicators.join("、"),
                vetoes: m.vetoes.join("、"),
                points: show(m.points_at_stake),
            })
            .collect(),
        has_risk: s.risk.is_some(),
        risk: s.risk.iter().flatten().map(risk_row).collect(),
    }
}

fn banner(v: &VetoCheck) -> Banner<'_> {
    let advisory = v.mode == VetoMode::Advisory;
    Banner {
        advisory,
        id: &v.id,
        name: &v.name,
        summary: &v.condition.summary,
        note: if advisory {
            "仅提示,提请领导小组审议,不改变结果".to_string()
        } else {
            format!("后果:{}", v.effect)
        },
    }
}

fn path(s: &SelfAssessment) -> PathView<'_> {
    let ng = &s.next_grade;
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
            b.requirements.join(";")
        } else {
            "否决情形为已发生的事件,本期无法解除".to_string()
        },
    });
    let steps = ng.steps.iter().map(|st| StepRow {
        name: &st.name,
        id: &st.id,
        clears: st.clears.as_deref(),
        office: st.office.as_deref().unwrap_or(""),
        current: &st.current,
        need: match &st.need {
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
        heading: match &ng.target {
            Some(t) => format!("提升到{t}的路径"),
            None => "等次".to_string(),
        },
        summary: &ng.summary,
        blockers: blockers.collect(),
        steps: steps.collect(),
        projected,
        method: ng.method,
    }
}

fn loss_row(l: &super::Loss) -> LossRow<'_> {
    LossRow {
        lost: show(l.lost),
        name: &l.name,
        id: &l.id,
        points: show(l.points),
        max: show(l.max),
        office: l.office.as_deref().unwrap_or(""),
        class: if l.recoverable { "t-rec" } else { "t-past" },
        kind: l.kind.zh(),
        why: &l.why,
    }
}

fn veto_row(v: &VetoCheck) -> VetoRow<'_> {
    let near = v
        .condition
        .relative
        .is_some_and(|r| r <= Decimal::new(5, 2));
    let (class, tag) = match (v.fired, v.mode) {
        (true, VetoMode::Advisory) => ("t-advisory", "已触发·提示"),
        (true, _) => ("t-fired", "已触发"),
        (false, _) if v.condition.holds.is_none() => ("t-unknown", "无法判断"),
        (false, _) if near => ("t-near", "接近"),
        (false, _) => ("t-ok", "未触发"),
    };
    VetoRow {
        class,
        tag,
        name: &v.name,
        id: &v.id,
        trigger: &v.trigger,
        summary: &v.condition.summary,
        effect: if v.mode == VetoMode::Advisory {
            "仅提示"
        } else {
            &v.effect
        },
    }
}

/// At most twelve levels are listed: the first six, a count, the last three.
fn need_row(n: &ValueNeed) -> NeedRow<'_> {
    let level = |l: &NeedLevel| {
        let need = match &l.need {
            Some(need) => need.text(n.unit.as_deref()),
            None => l.text.clone(),
        };
        format!("{}:{need}", show(l.points))
    };
    let levels = if n.levels.len() > 12 {
        let first = n.levels.iter().take(6).map(level);
        let count = std::iter::once(format!("…(共{}档)", n.levels.len()));
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
