//! `decisions.html`, the printable brief for the leading group: the view model of an
//! [`Outcome`] for `templates/brief.html`.
//!
//! Every phrase and number is formatted here; the template only prints strings, and tera
//! escapes every one (unit names, rule texts and reasons come from the inputs). The page
//! shares the layout, CSS and Content-Security-Policy of the assessment reports
//! ([`crate::report::render_document`]), with a few rules of its own for a formal A4 brief.

use super::{Decision, Outcome, PlanMode, PlanRow, Topic, Verdict};
use crate::lang::Lang;
use crate::report::{Document, ReportError};
use serde::Serialize;

/// `decisions.html`: the brief for the leading group, in the outcome's language
/// ([`super::decide_in`]).
pub fn brief_html(o: &Outcome) -> Result<String, ReportError> {
    crate::report::render_document(Document::DecisionBrief, &page(o))
}

#[derive(Serialize)]
struct Page<'a> {
    /// The brief's own words: headings, column heads, sentences.
    w: Words,
    head: Head,
    title: String,
    policy_name: &'a str,
    date: String,
    meta: Meta<'a>,
    summary: Vec<String>,
    results: Vec<ResultRow<'a>>,
    vetoes: Vec<VetoLine<'a>>,
    titles: Vec<Table<'a>>,
    exempt: Table<'a>,
    next_year: i32,
    plan_counts: String,
    /// Where the plan's streets come from and how they compare with the streets assessed.
    streets_note: &'a str,
    plan: Vec<PlanLine<'a>>,
    standings: Vec<StandingLine<'a>>,
    rules: Vec<RuleLine<'a>>,
    footer: Footer<'a>,
}

/// The brief's fixed words in one language.
#[derive(Serialize)]
struct Words {
    submitted: &'static str,
    assessment: &'static str,
    history: &'static str,
    policy: &'static str,
    registry: &'static str,
    h_summary: &'static str,
    h_results: &'static str,
    rank: &'static str,
    unit: &'static str,
    total: &'static str,
    grade: &'static str,
    verdict: &'static str,
    rules: &'static str,
    reasons: &'static str,
    h_vetoes: &'static str,
    veto_rule: &'static str,
    kind: &'static str,
    effect: &'static str,
    rule_text: &'static str,
    evidence: &'static str,
    no_vetoes: &'static str,
    h_titles: &'static str,
    title: &'static str,
    decision: &'static str,
    h_exempt: &'static str,
    h_plan: String,
    mode: &'static str,
    assessor: &'static str,
    note: &'static str,
    h_standings: &'static str,
    level: &'static str,
    status: &'static str,
    no_standings: &'static str,
    h_rules: &'static str,
    rule: &'static str,
    content: &'static str,
    footer: String,
}

impl Words {
    fn new(lang: Lang, next_year: i32, scorecard: &str, policy: &str) -> Self {
        let p = |zh, en| lang.pick(zh, en);
        Words {
            submitted: p("提请领导小组审定", "For the leading group's approval"),
            assessment: p("考核结果", "Assessment"),
            history: p("历年成绩", "Earlier years"),
            policy: p("决定规则", "Decision policy"),
            registry: p("称号登记册", "Title registry"),
            h_summary: p("一、概要", "1. Summary"),
            h_results: p("二、考核结果(达标 / 不达标)", "2. Results (pass / fail)"),
            rank: p("排名", "Rank"),
            unit: p("单位", "Unit"),
            total: p("总分", "Total"),
            grade: p("等次", "Grade"),
            verdict: p("结论", "Verdict"),
            rules: p("依据规则", "Rules"),
            reasons: p("理由", "Reasons"),
            h_vetoes: p("三、一票否决情况", "3. One-vote vetoes"),
            veto_rule: p("否决规则", "Veto"),
            kind: p("性质", "Kind"),
            effect: p("效果", "Effect"),
            rule_text: p("规则内容", "Rule"),
            evidence: p("佐证", "Evidence"),
            no_vetoes: p(
                "本年度无单位触发一票否决。",
                "No unit triggered a one-vote veto this year.",
            ),
            h_titles: p("四、示范称号", "4. Demonstration titles"),
            title: p("称号", "Title"),
            decision: p("决定", "Decision"),
            h_exempt: p(
                "五、免于考核与委托自评",
                "5. Exemptions and delegated self-assessment",
            ),
            h_plan: match lang {
                Lang::Zh => format!("六、{next_year}年度考核安排"),
                Lang::En => format!("6. The assessment of {next_year}"),
            },
            mode: p("考核方式", "Assessed"),
            assessor: p("考核主体", "Assessed by"),
            note: p("说明", "Note"),
            h_standings: p(
                "七、称号登记情况(本次决定后)",
                "7. Titles on the registry (after these decisions)",
            ),
            level: p("级别", "Level"),
            status: p("状态", "Status"),
            no_standings: p(
                "登记册中尚无称号记录。",
                "The registry holds no titles yet.",
            ),
            h_rules: p(
                "附:决定依据(规则原文)",
                "Appendix: the rules applied (as written)",
            ),
            rule: p("规则", "Rule"),
            content: p("内容", "Text"),
            footer: match lang {
                Lang::Zh => format!(
                    "由 kaohe decide 生成:考核结果 {scorecard},决定规则 {policy}。本简报为送审稿,以领导小组审定意见为准。"
                ),
                Lang::En => format!(
                    "Written by kaohe decide from the results {scorecard} and the decision policy {policy}. This brief is a draft for approval; the leading group's decision prevails."
                ),
            },
        }
    }
}

#[derive(Serialize)]
struct Head {
    html_lang: &'static str,
    engine: String,
}

#[derive(Serialize)]
struct Meta<'a> {
    assessment: String,
    history: String,
    policy: String,
    registry: &'a str,
}

#[derive(Serialize)]
struct ResultRow<'a> {
    /// The rank, or `—` for a unit listed after the ranked ones.
    rank: String,
    name: &'a str,
    total: String,
    grade: String,
    class: &'static str,
    label: &'a str,
    rules: &'a [String],
    reasons: &'a [String],
}

#[derive(Serialize)]
struct VetoLine<'a> {
    unit: &'a str,
    id: &'a str,
    name: &'a str,
    class: &'static str,
    kind: &'a str,
    effect: &'a str,
    reason: &'a str,
    evidence: &'a [String],
}

/// A table of decisions under a heading, or a sentence when there are none.
#[derive(Serialize)]
struct Table<'a> {
    heading: String,
    note: Option<&'a str>,
    with_title: bool,
    rows: Vec<DecisionRow<'a>>,
    empty: &'static str,
}

#[derive(Serialize)]
struct DecisionRow<'a> {
    unit: &'a str,
    title: &'a str,
    class: &'static str,
    label: &'a str,
    rules: &'a [String],
    reasons: &'a [String],
}

#[derive(Serialize)]
struct PlanLine<'a> {
    unit: String,
    /// A district's streets, grouped by how they are assessed.
    streets: bool,
    class: &'static str,
    mode: &'static str,
    assessor: &'a str,
    rules: &'a [String],
    note: &'a str,
}

#[derive(Serialize)]
struct StandingLine<'a> {
    unit: &'a str,
    title: &'a str,
    level: &'a str,
    class: &'static str,
    status: &'a str,
}

#[derive(Serialize)]
struct RuleLine<'a> {
    id: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct Footer<'a> {
    scorecard: &'a str,
    policy: String,
}

fn page(o: &Outcome) -> Page<'_> {
    let lang = o.lang;
    let en = lang.en();
    let history = if o.history.is_empty() {
        lang.pick("无", "none").to_string()
    } else {
        let years: Vec<String> = o.history.iter().map(|(y, _)| y.to_string()).collect();
        years.join(lang.pick("、", ", "))
    };
    let footer = Footer {
        scorecard: &o.scorecard_file,
        policy: format!("{} {}", o.policy.0, o.policy.2),
    };
    let plan_count = |level: &str, m: PlanMode| {
        o.plan
            .iter()
            .filter(|p| p.level == level && p.mode == m)
            .count()
    };
    let hash = o.set.hash.get(..12).unwrap_or(&o.set.hash);
    Page {
        w: Words::new(lang, o.year + 1, footer.scorecard, &footer.policy),
        head: Head {
            html_lang: lang.pick("zh-CN", "en"),
            engine: format!("kaohe {}", env!("CARGO_PKG_VERSION")),
        },
        title: match lang {
            Lang::Zh => format!("{}年度目标管理责任制考核结果及示范称号决定", o.year),
            Lang::En => format!(
                "Target-responsibility assessment {}: results and decisions on demonstration titles",
                o.year
            ),
        },
        policy_name: &o.policy.1,
        date: o
            .date
            .format(lang.pick("%Y年%-m月%-d日", "%-d %B %Y"))
            .to_string(),
        meta: Meta {
            assessment: match lang {
                Lang::Zh => format!(
                    "{} {}(版本 {},SHA-256 {hash}…)· {}({} 至 {})",
                    o.set.name,
                    o.set.id,
                    o.set.version,
                    o.period.label,
                    o.period.from,
                    o.period.to
                ),
                Lang::En => format!(
                    "{} {} (version {}, SHA-256 {hash}…) · {} ({} to {})",
                    o.set.name,
                    o.set.id,
                    o.set.version,
                    o.period.label,
                    o.period.from,
                    o.period.to
                ),
            },
            history,
            policy: match lang {
                Lang::Zh => format!("{} 版本 {}", o.policy.0, o.policy.2),
                Lang::En => format!("{} version {}", o.policy.0, o.policy.2),
            },
            registry: &o.registry_name,
        },
        summary: summary(o),
        results: o.scores.iter().map(|s| result_row(o, s)).collect(),
        vetoes: o.vetoes.iter().map(veto_line).collect(),
        titles: title_tables(o),
        exempt: Table {
            heading: String::new(),
            note: None,
            with_title: false,
            rows: rows(o, |d| {
                d.verdict == Verdict::Exempt || d.verdict == Verdict::Delegated
            }),
            empty: lang.pick(
                "本年度无单位通过示范区检查验收,无免于考核和委托自评。",
                "No unit passed a demonstration inspection this year: no exemptions and no delegated self-assessment.",
            ),
        },
        next_year: o.year + 1,
        plan_counts: if en {
            format!(
                "Districts: {} assessed by the city, {} exempt; streets: {} assessed by the city, {} by their district's self-assessment.",
                plan_count("区", PlanMode::City),
                plan_count("区", PlanMode::Exempt),
                plan_count("街道", PlanMode::City),
                plan_count("街道", PlanMode::SelfAssess)
            )
        } else {
            format!(
                "区:市考核 {} 个,免于考核 {} 个;街道:市考核 {} 个,委托所在区自评 {} 个。",
                plan_count("区", PlanMode::City),
                plan_count("区", PlanMode::Exempt),
                plan_count("街道", PlanMode::City),
                plan_count("街道", PlanMode::SelfAssess)
            )
        },
        streets_note: &o.streets_note,
        plan: plan_lines(&o.plan, lang),
        standings: o
            .standings
            .iter()
            .map(|s| StandingLine {
                unit: &s.unit_name,
                title: &s.title_name,
                level: s.level,
                class: if s.holds { "ok" } else { "muted" },
                status: &s.status,
            })
            .collect(),
        rules: o
            .rules
            .iter()
            .map(|(id, text)| RuleLine { id, text })
            .collect(),
        footer,
    }
}

fn class_of(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass
        | Verdict::Kept
        | Verdict::WarningLifted
        | Verdict::Granted(_)
        | Verdict::Exempt
        | Verdict::Delegated => "ok",
        Verdict::Fail | Verdict::Revoked | Verdict::RetroRevoked | Verdict::Excluded => "bad",
        Verdict::Warned
        | Verdict::Expired
        | Verdict::QuotaCut
        | Verdict::NotEligible
        | Verdict::CoolDown
        | Verdict::FindingRecorded
        | Verdict::Pending => "warn",
    }
}

/// 一、概要: counts and names by verdict.
fn summary(o: &Outcome) -> Vec<String> {
    let pick = |f: &dyn Fn(&Decision) -> bool| -> Vec<&Decision> {
        o.decisions.iter().filter(|d| f(d)).collect()
    };
    let lang = o.lang;
    let en = lang.en();
    let names = |ds: &[&Decision]| -> String {
        if ds.is_empty() {
            return lang.pick("无", "none").to_string();
        }
        let v: Vec<String> = ds
            .iter()
            .map(|d| match &d.title {
                Some((_, t)) if d.topic != Topic::Result => match lang {
                    Lang::Zh => format!("{}({t})", d.unit_name),
                    Lang::En => format!("{} ({t})", d.unit_name),
                },
                _ => d.unit_name.clone(),
            })
            .collect();
        v.join(lang.pick("、", ", "))
    };
    let is = |v: Verdict| pick(&|d: &Decision| d.verdict == v);
    let (fail, exempt) = (is(Verdict::Fail), is(Verdict::Exempt));
    let applied = o.vetoes.iter().filter(|v| v.applied).count();
    let mut out = if en {
        vec![
            format!(
                "{} assessed: {} passed, {} failed ({}), {} exempt ({}).",
                crate::rules::count_en(o.scores.len(), "unit", "units"),
                is(Verdict::Pass).len(),
                fail.len(),
                names(&fail),
                exempt.len(),
                names(&exempt)
            ),
            format!(
                "{} and grade caps applied, {} advisory.",
                crate::rules::count_en(applied, "one-vote veto", "one-vote vetoes"),
                o.vetoes.len() - applied
            ),
        ]
    } else {
        vec![
            format!(
                "参加考核 {} 个单位:达标 {} 个,不达标 {} 个({}),免于考核 {} 个({})。",
                o.scores.len(),
                is(Verdict::Pass).len(),
                fail.len(),
                names(&fail),
                exempt.len(),
                names(&exempt)
            ),
            format!(
                "一票否决及等次封顶 {} 项,提示 {} 项。",
                applied,
                o.vetoes.len() - applied
            ),
        ]
    };
    let mut labels: Vec<&str> = Vec::new();
    for d in &o.decisions {
        if matches!(d.verdict, Verdict::Granted(_)) && !labels.contains(&d.label.as_str()) {
            labels.push(&d.label);
        }
    }
    for label in labels {
        let granted = pick(&|d| matches!(d.verdict, Verdict::Granted(_)) && d.label == label);
        out.push(match lang {
            Lang::Zh => format!("{label}:{}。", names(&granted)),
            Lang::En => format!("{label}: {}.", names(&granted)),
        });
    }
    for (label, v) in [
        ("保留称号", Verdict::Kept),
        ("黄牌警告", Verdict::Warned),
        ("撤销黄牌", Verdict::WarningLifted),
        ("撤销称号", Verdict::Revoked),
        ("追溯撤销", Verdict::RetroRevoked),
        ("称号到期", Verdict::Expired),
        ("名额已满未入选", Verdict::QuotaCut),
        ("取消评选资格", Verdict::Excluded),
    ] {
        let ds = is(v);
        if !ds.is_empty() {
            out.push(match lang {
                Lang::Zh => format!("{label}:{}。", names(&ds)),
                Lang::En => format!("{}: {}.", v.label(lang), names(&ds)),
            });
        }
    }
    let delegated = is(Verdict::Delegated);
    out.push(match lang {
        Lang::Zh => format!(
            "{}年度:委托自评 {} 个区的街道({})。",
            o.year + 1,
            delegated.len(),
            names(&delegated)
        ),
        Lang::En => format!(
            "{}: the streets of {} assessed by their district's own self-assessment ({}).",
            o.year + 1,
            crate::rules::count_en(delegated.len(), "district", "districts"),
            names(&delegated)
        ),
    });
    out
}

fn result_row<'a>(o: &'a Outcome, s: &'a super::ScoreRow) -> ResultRow<'a> {
    let d = o
        .decisions
        .iter()
        .find(|d| d.unit == s.unit && d.topic == Topic::Result);
    ResultRow {
        rank: s.rank.map_or_else(|| "—".to_string(), |r| r.to_string()),
        name: &s.name,
        total: crate::num::show_known(s.total),
        grade: if !s.score_grade.is_empty() && s.grade != s.score_grade {
            match o.lang {
                Lang::Zh => format!("{}(得分对应{})", s.grade, s.score_grade),
                Lang::En => format!("{} (score alone: {})", s.grade, s.score_grade),
            }
        } else {
            s.grade.clone()
        },
        class: d.map_or("", |d| class_of(d.verdict)),
        label: d.map_or("", |d| d.label.as_str()),
        rules: d.map_or(&[], |d| d.rules.as_slice()),
        reasons: d.map_or(&[], |d| d.reasons.as_slice()),
    }
}

fn veto_line(v: &super::VetoRow) -> VetoLine<'_> {
    VetoLine {
        unit: &v.unit_name,
        id: &v.id,
        name: &v.name,
        class: if v.applied { "bad" } else { "muted" },
        kind: &v.kind,
        effect: v.effect.as_deref().unwrap_or(""),
        reason: &v.reason,
        evidence: &v.evidence,
    }
}

fn rows(o: &Outcome, f: impl Fn(&Decision) -> bool) -> Vec<DecisionRow<'_>> {
    o.decisions
        .iter()
        .filter(|d| f(d))
        .map(|d| DecisionRow {
            unit: &d.unit_name,
            title: d.title.as_ref().map_or("", |t| t.1.as_str()),
            class: class_of(d.verdict),
            label: &d.label,
            rules: &d.rules,
            reasons: &d.reasons,
        })
        .collect()
}

/// 四、示范称号: findings made later (when there are any), the review of titles held, then
/// each award, numbered (一), (二), ….
fn title_tables(o: &Outcome) -> Vec<Table<'_>> {
    let lang = o.lang;
    let mut tables = Vec::new();
    let retro = rows(o, |d| d.topic == Topic::Retroactive);
    if !retro.is_empty() {
        tables.push(Table {
            heading: lang
                .pick(
                    "追溯否决(事后查实)",
                    "Retroactive vetoes (established later)",
                )
                .into(),
            note: None,
            with_title: true,
            rows: retro,
            empty: "",
        });
    }
    tables.push(Table {
        heading: lang
            .pick(
                "称号复查:保留、黄牌、撤销、到期",
                "Review of titles held: kept, yellow card, revoked, expired",
            )
            .into(),
        note: None,
        with_title: true,
        rows: rows(o, |d| d.topic == Topic::Review),
        empty: lang.pick(
            "本年度无在期称号需复查。",
            "No title in force to review this year.",
        ),
    });
    for (id, name) in &o.awards {
        let topic = Topic::Award(id.clone());
        tables.push(Table {
            heading: match lang {
                Lang::Zh => format!("{name}({id})"),
                Lang::En => format!("{name} ({id})"),
            },
            note: o
                .rules
                .iter()
                .find(|(r, _)| r == id)
                .map(|(_, t)| t.as_str()),
            with_title: false,
            rows: rows(o, |d| d.topic == topic),
            empty: lang.pick("本年度无候选单位。", "No candidates this year."),
        });
    }
    const CN: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    for (i, t) in tables.iter_mut().enumerate() {
        t.heading = match lang {
            Lang::Zh => format!("({}){}", CN.get(i).copied().unwrap_or("…"), t.heading),
            Lang::En => format!("4.{} {}", i + 1, t.heading),
        };
    }
    tables
}

/// One line per district, then its streets grouped by how they are assessed.
fn plan_lines(plan: &[PlanRow], lang: Lang) -> Vec<PlanLine<'_>> {
    let class = |m: PlanMode| match m {
        PlanMode::City => "",
        PlanMode::Exempt | PlanMode::SelfAssess => "ok",
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < plan.len() {
        let p = &plan[i];
        i += 1;
        out.push(PlanLine {
            unit: p.name.clone(),
            streets: false,
            class: class(p.mode),
            mode: p.mode.label(lang),
            assessor: &p.assessor,
            rules: &p.rules,
            note: &p.note,
        });
        let mut groups: Vec<(PlanMode, Vec<&PlanRow>)> = Vec::new();
        while let Some(s) = plan
            .get(i)
            .filter(|s| s.level == "街道" && s.parent.as_ref().map(|x| &x.0) == Some(&p.unit))
        {
            match groups.iter_mut().find(|(m, _)| *m == s.mode) {
                Some((_, v)) => v.push(s),
                None => groups.push((s.mode, vec![s])),
            }
            i += 1;
        }
        for (mode, streets) in groups {
            let first = streets[0];
            let names: Vec<&str> = streets.iter().map(|s| s.name.as_str()).collect();
            out.push(PlanLine {
                unit: match lang {
                    Lang::Zh => format!("└ 所辖街道 {} 个:{}", streets.len(), names.join("、")),
                    Lang::En => format!(
                        "└ {}: {}",
                        crate::rules::count_en(streets.len(), "street", "streets"),
                        names.join(", ")
                    ),
                },
                streets: true,
                class: class(mode),
                mode: mode.label(lang),
                assessor: &first.assessor,
                rules: &first.rules,
                note: &first.note,
            });
        }
    }
    out
}

/// `decisions.docx`: the brief as a Word document in the format of GB/T 9704-2012 (see
/// [`crate::output::docx`]), for the office to put on letterhead, edit and sign. The same
/// content as `decisions.html`: it is written from the same view model, section for section.
pub fn brief_docx(o: &Outcome) -> Result<Vec<u8>, crate::output::docx::DocxError> {
    use crate::output::docx::{Docx, Style};
    let p = page(o);
    let mut d = Docx::new(&p.title);
    d.para(Style::Title, &p.title);
    d.para(Style::Subtitle, p.policy_name);
    let w = &p.w;
    let colon = if p.head.html_lang == "en" { ": " } else { ":" };
    d.para(Style::Subtitle, &format!("{} · {}", w.submitted, p.date));
    for (k, v) in [
        (w.assessment, p.meta.assessment.as_str()),
        (w.history, p.meta.history.as_str()),
        (w.policy, p.meta.policy.as_str()),
        (w.registry, p.meta.registry),
    ] {
        d.labelled(Style::Body, &format!("{k}{colon}"), v);
    }
    d.para(Style::Heading1, w.h_summary);
    for s in &p.summary {
        d.para(Style::Body, s);
    }
    d.para(Style::Heading1, w.h_results);
    let rows: Vec<Vec<String>> = p
        .results
        .iter()
        .map(|r| {
            vec![
                r.rank.clone(),
                r.name.to_string(),
                r.total.clone(),
                r.grade.clone(),
                r.label.to_string(),
                r.rules.join("\n"),
                r.reasons.join("\n"),
            ]
        })
        .collect();
    d.table(
        &[600, 1300, 950, 1100, 900, 1500, 2494],
        &[
            w.rank, w.unit, w.total, w.grade, w.verdict, w.rules, w.reasons,
        ],
        &rows,
    );
    d.para(Style::Heading1, w.h_vetoes);
    if p.vetoes.is_empty() {
        d.para(Style::Body, w.no_vetoes);
    } else {
        let rows: Vec<Vec<String>> = p
            .vetoes
            .iter()
            .map(|v| {
                vec![
                    v.unit.to_string(),
                    format!("{}\n{}", v.id, v.name),
                    v.kind.to_string(),
                    v.effect.to_string(),
                    v.reason.to_string(),
                    v.evidence.join("\n"),
                ]
            })
            .collect();
        d.table(
            &[1200, 1800, 1000, 1300, 2044, 1500],
            &[
                w.unit,
                w.veto_rule,
                w.kind,
                w.effect,
                w.rule_text,
                w.evidence,
            ],
            &rows,
        );
    }
    d.para(Style::Heading1, w.h_titles);
    for t in &p.titles {
        d.para(Style::Heading2, &t.heading);
        if let Some(n) = t.note {
            d.para(Style::Body, n);
        }
        decisions_table(&mut d, t, w);
    }
    d.para(Style::Heading1, w.h_exempt);
    decisions_table(&mut d, &p.exempt, w);
    d.para(Style::Heading1, &w.h_plan);
    d.para(Style::Body, &p.plan_counts);
    if !p.streets_note.is_empty() {
        d.para(Style::Body, p.streets_note);
    }
    let rows: Vec<Vec<String>> = p
        .plan
        .iter()
        .map(|x| {
            vec![
                x.unit.clone(),
                x.mode.to_string(),
                x.assessor.to_string(),
                x.rules.join("\n"),
                x.note.to_string(),
            ]
        })
        .collect();
    d.table(
        &[2600, 1300, 1700, 1300, 1944],
        &[w.unit, w.mode, w.assessor, w.rules, w.note],
        &rows,
    );
    d.para(Style::Heading1, w.h_standings);
    if p.standings.is_empty() {
        d.para(Style::Body, w.no_standings);
    } else {
        let rows: Vec<Vec<String>> = p
            .standings
            .iter()
            .map(|s| {
                vec![
                    s.unit.to_string(),
                    s.title.to_string(),
                    s.level.to_string(),
                    s.status.to_string(),
                ]
            })
            .collect();
        d.table(
            &[1800, 3200, 1200, 2644],
            &[w.unit, w.title, w.level, w.status],
            &rows,
        );
    }
    d.para(Style::Heading1, w.h_rules);
    let rows: Vec<Vec<String>> = p
        .rules
        .iter()
        .map(|r| vec![r.id.to_string(), r.text.to_string()])
        .collect();
    d.table(&[2200, 6644], &[w.rule, w.content], &rows);
    d.para(Style::Note, &w.footer);
    d.finish()
}

/// A table of decisions (with the title column when it has one), or its sentence when empty.
fn decisions_table(d: &mut crate::output::docx::Docx, t: &Table<'_>, w: &Words) {
    use crate::output::docx::Style;
    if t.rows.is_empty() {
        d.para(Style::Body, t.empty);
        return;
    }
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.unit.to_string()];
            if t.with_title {
                row.push(r.title.to_string());
            }
            row.extend([
                r.label.to_string(),
                r.rules.join("\n"),
                r.reasons.join("\n"),
            ]);
            row
        })
        .collect();
    if t.with_title {
        d.table(
            &[1300, 1800, 1000, 2000, 2744],
            &[w.unit, w.title, w.decision, w.rules, w.reasons],
            &rows,
        );
    } else {
        d.table(
            &[1400, 1200, 2000, 4244],
            &[w.unit, w.decision, w.rules, w.reasons],
            &rows,
        );
    }
}
