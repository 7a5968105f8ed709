//! Writing decisions: `decisions.csv`, `plan.csv` (UTF-8 with a BOM, for Excel) and
//! `decisions.html`, the printable brief for the leading group (self-contained, A4, every input
//! string escaped).

use super::{Decision, Outcome, PlanMode, Topic, Verdict};
use crate::num::show;
use crate::output::WriteError;
use std::fmt::Write as _;

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn csv_bytes(what: &'static str, rows: Vec<Vec<String>>) -> Result<Vec<u8>, WriteError> {
    let enc = |e: csv::Error| WriteError::Encode {
        what,
        message: e.to_string(),
    };
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        for r in rows {
            w.write_record(&r).map_err(enc)?;
        }
        w.flush().map_err(|e| WriteError::Encode {
            what,
            message: e.to_string(),
        })?;
    }
    Ok(out)
}

/// `decisions.csv`: one row per decision.
pub fn decisions_csv(o: &Outcome) -> Result<Vec<u8>, WriteError> {
    let mut rows = vec![
        [
            "年度",
            "单位代码",
            "单位名称",
            "事项",
            "称号",
            "决定",
            "依据规则",
            "理由",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for d in &o.decisions {
        rows.push(vec![
            o.year.to_string(),
            d.unit.clone(),
            d.unit_name.clone(),
            o.topic_zh(&d.topic),
            d.title.as_ref().map(|t| t.1.clone()).unwrap_or_default(),
            d.label.clone(),
            d.rules.join("; "),
            d.reasons.join(";"),
        ]);
    }
    csv_bytes("decisions.csv", rows)
}

/// `plan.csv`: next year's assessment plan.
pub fn plan_csv(o: &Outcome) -> Result<Vec<u8>, WriteError> {
    let mut rows = vec![
        [
            "年度",
            "单位代码",
            "单位名称",
            "层级",
            "上级单位",
            "考核方式",
            "考核主体",
            "依据规则",
            "说明",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for p in &o.plan {
        rows.push(vec![
            (o.year + 1).to_string(),
            p.unit.clone(),
            p.name.clone(),
            p.level.to_string(),
            p.parent.as_ref().map(|x| x.1.clone()).unwrap_or_default(),
            p.mode.zh().to_string(),
            p.assessor.clone(),
            p.rules.join("; "),
            p.note.clone(),
        ]);
    }
    csv_bytes("plan.csv", rows)
}

const CSS: &str = r#"
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", serif;
  font-size: 10.5pt; line-height: 1.55; color: #111; max-width: 182mm; margin: 12mm auto; }
h1 { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Heiti SC", "SimHei", sans-serif;
  font-size: 17pt; text-align: center; margin: 0 0 2pt; letter-spacing: 1pt; }
.sub { text-align: center; margin: 0 0 10pt; color: #333; }
h2 { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Heiti SC", "SimHei", sans-serif;
  font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 1pt solid #333; break-after: avoid; }
h3 { font-size: 11.5pt; margin: 10pt 0 3pt; break-after: avoid; }
table { width: 100%; border-collapse: collapse; margin: 3pt 0 8pt; }
th, td { border: 0.5pt solid #555; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { background: #eee; font-weight: bold; white-space: nowrap; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.n { text-align: right; white-space: nowrap; }
td.v { white-space: nowrap; font-weight: bold; }
td.u { white-space: nowrap; }
.ok { color: #05612f; } .bad { color: #a40000; } .warn { color: #8a5300; } .muted { color: #555; }
.rules { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 8.5pt; }
.rules span { white-space: nowrap; }
ul.r { margin: 0; padding-left: 1.1em; } ul.r li { margin: 0; }
table.meta td { border: none; padding: 0 4pt 0 0; } table.meta td:first-child { white-space: nowrap; color: #444; }
.summary li { margin: 1pt 0; }
footer { margin-top: 14pt; font-size: 8.5pt; color: #555; border-top: 0.5pt solid #999; padding-top: 3pt; }
@media print { body { margin: 0 auto; } a { color: inherit; text-decoration: none; } }
"#;

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
        | Verdict::FindingRecorded => "warn",
    }
}

fn reasons(r: &[String]) -> String {
    if r.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul class=\"r\">");
    for x in r {
        let _ = write!(out, "<li>{}</li>", esc(x));
    }
    out.push_str("</ul>");
    out
}

fn rules(r: &[String]) -> String {
    let ids: Vec<String> = r
        .iter()
        .map(|x| format!("<span>{}</span>", esc(x)))
        .collect();
    format!("<span class=\"rules\">{}</span>", ids.join(" "))
}

fn verdict(d: &Decision) -> String {
    format!(
        "<td class=\"v {}\">{}</td>",
        class_of(d.verdict),
        esc(&d.label)
    )
}

/// Table of decisions with unit, optional title column, verdict, rules, reasons.
fn decision_table(out: &mut String, ds: &[&Decision], with_title: bool) {
    out.push_str("<table><thead><tr><th>单位</th>");
    if with_title {
        out.push_str("<th>称号</th>");
    }
    out.push_str("<th>决定</th><th>依据规则</th><th>理由</th></tr></thead><tbody>\n");
    for d in ds {
        let _ = write!(out, "<tr><td class=\"u\">{}</td>", esc(&d.unit_name));
        if with_title {
            let _ = write!(
                out,
                "<td>{}</td>",
                esc(d.title.as_ref().map(|t| t.1.as_str()).unwrap_or(""))
            );
        }
        let _ = writeln!(
            out,
            "{}<td>{}</td><td>{}</td></tr>",
            verdict(d),
            rules(&d.rules),
            reasons(&d.reasons)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// `decisions.html`: the brief for the leading group.
pub fn brief_html(o: &Outcome) -> String {
    let mut h = String::new();
    let title = format!("{}年度目标管理责任制考核结果及示范称号决定", o.year);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = writeln!(
        h,
        "<h1>{}</h1>\n<p class=\"sub\">{}<br>提请领导小组审定 · {}</p>",
        esc(&title),
        esc(&o.policy.1),
        esc(&o.date.format("%Y年%-m月%-d日").to_string())
    );
    let hist = if o.history.is_empty() {
        "无".to_string()
    } else {
        o.history
            .iter()
            .map(|(y, _)| format!("{y}"))
            .collect::<Vec<_>>()
            .join("、")
    };
    let _ = writeln!(
        h,
        "<table class=\"meta\"><tbody>\n<tr><td>考核结果</td><td>{} {}(版本 {},SHA-256 {}…)· {}({} 至 {})</td></tr>\n<tr><td>历年成绩</td><td>{}</td></tr>\n<tr><td>决定规则</td><td>{} 版本 {}</td></tr>\n<tr><td>称号登记册</td><td>{}</td></tr>\n</tbody></table>",
        esc(&o.set.name),
        esc(&o.set.id),
        esc(&o.set.version),
        esc(o.set.hash.get(..12).unwrap_or(&o.set.hash)),
        esc(&o.period.label),
        o.period.from,
        o.period.to,
        esc(&hist),
        esc(&o.policy.0),
        esc(&o.policy.2),
        esc(&o.registry_name)
    );

    // 一、概要
    let count = |f: &dyn Fn(&Decision) -> bool| o.decisions.iter().filter(|d| f(d)).count();
    let names = |f: &dyn Fn(&Decision) -> bool| -> String {
        let v: Vec<String> = o
            .decisions
            .iter()
            .filter(|d| f(d))
            .map(|d| match &d.title {
                Some((_, t)) if d.topic != Topic::Result => format!("{}({})", d.unit_name, t),
                _ => d.unit_name.clone(),
            })
            .collect();
        if v.is_empty() {
            "无".to_string()
        } else {
            v.join("、")
        }
    };
    let is = |v: Verdict| move |d: &Decision| d.verdict == v;
    h.push_str("<h2>一、概要</h2>\n<ul class=\"summary\">\n");
    let _ = writeln!(
        h,
        "<li>参加考核 {} 个单位:达标 {} 个,不达标 {} 个({}),免于考核 {} 个({})。</li>",
        o.scores.len(),
        count(&is(Verdict::Pass)),
        count(&is(Verdict::Fail)),
        esc(&names(&is(Verdict::Fail))),
        count(&is(Verdict::Exempt)),
        esc(&names(&is(Verdict::Exempt)))
    );
    let applied = o.vetoes.iter().filter(|v| v.applied).count();
    let _ = writeln!(
        h,
        "<li>一票否决及等次封顶 {} 项,提示 {} 项。</li>",
        applied,
        o.vetoes.len() - applied
    );
    let mut labels: Vec<&str> = Vec::new();
    for d in &o.decisions {
        if matches!(d.verdict, Verdict::Granted(_)) && !labels.contains(&d.label.as_str()) {
            labels.push(&d.label);
        }
    }
    for label in labels {
        let f = |d: &Decision| matches!(d.verdict, Verdict::Granted(_)) && d.label == label;
        let _ = writeln!(h, "<li>{}:{}。</li>", esc(label), esc(&names(&f)));
    }
    for (label, f) in [
        ("保留称号", &is(Verdict::Kept) as &dyn Fn(&Decision) -> bool),
        ("黄牌警告", &is(Verdict::Warned)),
        ("撤销黄牌", &is(Verdict::WarningLifted)),
        ("撤销称号", &is(Verdict::Revoked)),
        ("追溯撤销", &is(Verdict::RetroRevoked)),
        ("称号到期", &is(Verdict::Expired)),
        ("名额已满未入选", &is(Verdict::QuotaCut)),
        ("取消评选资格", &is(Verdict::Excluded)),
    ] {
        if count(f) > 0 {
            let _ = writeln!(h, "<li>{label}:{}。</li>", esc(&names(f)));
        }
    }
    let _ = writeln!(
        h,
        "<li>{}年度:委托自评 {} 个区的街道({})。</li>\n</ul>",
        o.year + 1,
        count(&is(Verdict::Delegated)),
        esc(&names(&is(Verdict::Delegated)))
    );

    // 二、考核结果
    h.push_str("<h2>二、考核结果(达标 / 不达标)</h2>\n<table><thead><tr><th>排名</th><th>单位</th><th>总分</th><th>等次</th><th>结论</th><th>依据规则</th><th>理由</th></tr></thead><tbody>\n");
    for s in &o.scores {
        let d = o
            .decisions
            .iter()
            .find(|d| d.unit == s.unit && d.topic == Topic::Result);
        let grade = if s.grade != s.score_grade {
            format!("{}(得分对应{})", s.grade, s.score_grade)
        } else {
            s.grade.clone()
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{}</td><td class=\"u\">{}</td><td class=\"n\">{}</td><td class=\"u\">{}</td>{}<td>{}</td><td>{}</td></tr>",
            s.rank,
            esc(&s.name),
            esc(&show(s.total)),
            esc(&grade),
            d.map(verdict).unwrap_or_else(|| "<td></td>".into()),
            d.map(|d| rules(&d.rules)).unwrap_or_default(),
            d.map(|d| reasons(&d.reasons)).unwrap_or_default()
        );
    }
    h.push_str("</tbody></table>\n");

    // 三、一票否决
    h.push_str("<h2>三、一票否决情况</h2>\n");
    if o.vetoes.is_empty() {
        h.push_str("<p>本年度无单位触发一票否决。</p>\n");
    } else {
        h.push_str("<table><thead><tr><th>单位</th><th>否决规则</th><th>性质</th><th>效果</th><th>规则内容</th><th>佐证</th></tr></thead><tbody>\n");
        for v in &o.vetoes {
            let _ = writeln!(
                h,
                "<tr><td class=\"u\">{}</td><td><span class=\"rules\">{}</span><br>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&v.unit_name),
                esc(&v.id),
                esc(&v.name),
                if v.applied { "bad" } else { "muted" },
                esc(&v.kind),
                esc(v.effect.as_deref().unwrap_or("")),
                esc(&v.reason),
                reasons(&v.evidence)
            );
        }
        h.push_str("</tbody></table>\n");
    }

    // 四、示范称号
    h.push_str("<h2>四、示范称号</h2>\n");
    let retro: Vec<&Decision> = o
        .decisions
        .iter()
        .filter(|d| d.topic == Topic::Retroactive)
        .collect();
    let mut sub = 0;
    let cn = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    let mut next_sub = |name: &str| -> String {
        let n = cn.get(sub).copied().unwrap_or("…");
        sub += 1;
        format!("<h3>({n}){}</h3>\n", esc(name))
    };
    if !retro.is_empty() {
        h.push_str(&next_sub("追溯否决(事后查实)"));
        decision_table(&mut h, &retro, true);
    }
    let review: Vec<&Decision> = o
        .decisions
        .iter()
        .filter(|d| d.topic == Topic::Review)
        .collect();
    h.push_str(&next_sub("称号复查:保留、黄牌、撤销、到期"));
    if review.is_empty() {
        h.push_str("<p>本年度无在期称号需复查。</p>\n");
    } else {
        decision_table(&mut h, &review, true);
    }
    for (id, name) in &o.awards {
        let ds: Vec<&Decision> = o
            .decisions
            .iter()
            .filter(|d| d.topic == Topic::Award(id.clone()))
            .collect();
        h.push_str(&next_sub(&format!("{name}({id})")));
        if let Some((_, text)) = o.rules.iter().find(|(r, _)| r == id) {
            let _ = writeln!(h, "<p class=\"muted\">{}</p>", esc(text));
        }
        if ds.is_empty() {
            h.push_str("<p>本年度无候选单位。</p>\n");
        } else {
            decision_table(&mut h, &ds, false);
        }
    }

    // 五、免于考核与委托自评
    let _ = writeln!(h, "<h2>五、免于考核与委托自评</h2>");
    let ex: Vec<&Decision> = o
        .decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Exempt || d.verdict == Verdict::Delegated)
        .collect();
    if ex.is_empty() {
        h.push_str("<p>本年度无单位通过示范区检查验收,无免于考核和委托自评。</p>\n");
    } else {
        decision_table(&mut h, &ex, false);
    }

    // 六、下一年度考核安排
    let _ = writeln!(h, "<h2>六、{}年度考核安排</h2>", o.year + 1);
    let n = |level: &str, m: PlanMode| {
        o.plan
            .iter()
            .filter(|p| p.level == level && p.mode == m)
            .count()
    };
    let _ = writeln!(
        h,
        "<p>区:市考核 {} 个,免于考核 {} 个;街道:市考核 {} 个,委托所在区自评 {} 个。</p>",
        n("区", PlanMode::City),
        n("区", PlanMode::Exempt),
        n("街道", PlanMode::City),
        n("街道", PlanMode::SelfAssess)
    );
    h.push_str("<table><thead><tr><th>单位</th><th>考核方式</th><th>考核主体</th><th>依据规则</th><th>说明</th></tr></thead><tbody>\n");
    // One row per district, then its streets grouped by how they are assessed.
    let mut i = 0;
    while i < o.plan.len() {
        let p = &o.plan[i];
        i += 1;
        let cls = |m: PlanMode| match m {
            PlanMode::City => "",
            PlanMode::Exempt | PlanMode::SelfAssess => "ok",
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"u\">{}</td><td class=\"v {}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.name),
            cls(p.mode),
            esc(p.mode.zh()),
            esc(&p.assessor),
            rules(&p.rules),
            esc(&p.note)
        );
        let mut streets: Vec<&super::PlanRow> = Vec::new();
        while i < o.plan.len()
            && o.plan[i].level == "街道"
            && o.plan[i].parent.as_ref().map(|x| &x.0) == Some(&p.unit)
        {
            streets.push(&o.plan[i]);
            i += 1;
        }
        let mut groups: Vec<(PlanMode, Vec<&super::PlanRow>)> = Vec::new();
        for s in streets {
            match groups.iter_mut().find(|(m, _)| *m == s.mode) {
                Some((_, v)) => v.push(s),
                None => groups.push((s.mode, vec![s])),
            }
        }
        for (mode, ss) in groups {
            let first = ss[0];
            let _ = writeln!(
                h,
                "<tr><td class=\"muted\">└ 所辖街道 {} 个:{}</td><td class=\"v {}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ss.len(),
                esc(&ss
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")),
                cls(mode),
                esc(mode.zh()),
                esc(&first.assessor),
                rules(&first.rules),
                esc(&first.note)
            );
        }
    }
    h.push_str("</tbody></table>\n");

    // 七、称号登记情况
    h.push_str("<h2>七、称号登记情况(本次决定后)</h2>\n");
    if o.standings.is_empty() {
        h.push_str("<p>登记册中尚无称号记录。</p>\n");
    } else {
        h.push_str("<table><thead><tr><th>单位</th><th>称号</th><th>级别</th><th>状态</th></tr></thead><tbody>\n");
        for s in &o.standings {
            let _ = writeln!(
                h,
                "<tr><td class=\"u\">{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                esc(&s.unit_name),
                esc(&s.title_name),
                esc(s.level),
                if s.holds { "ok" } else { "muted" },
                esc(&s.status)
            );
        }
        h.push_str("</tbody></table>\n");
    }

    // 附:决定依据
    h.push_str("<h2>附:决定依据(规则原文)</h2>\n<table><thead><tr><th>规则</th><th>内容</th></tr></thead><tbody>\n");
    for (id, text) in &o.rules {
        let _ = writeln!(
            h,
            "<tr><td class=\"rules\">{}</td><td>{}</td></tr>",
            esc(id),
            esc(text)
        );
    }
    h.push_str("</tbody></table>\n");
    let _ = writeln!(
        h,
        "<footer>由 kaohe decide 生成:考核结果 {},决定规则 {} {}。本简报为送审稿,以领导小组审定意见为准。</footer>\n</body>\n</html>",
        esc(&o.scorecard_file),
        esc(&o.policy.0),
        esc(&o.policy.2)
    );
    h
}

fn pad(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// A few lines for the terminal.
pub fn summary(o: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}年度决定({} 版本 {},{})",
        o.year, o.policy.0, o.policy.2, o.date
    );
    for d in &o.decisions {
        if matches!(
            d.verdict,
            Verdict::NotEligible | Verdict::Kept | Verdict::Pass | Verdict::CoolDown
        ) {
            continue;
        }
        let what = match (&d.topic, &d.title) {
            (Topic::Award(_), _) | (_, None) => o.topic_zh(&d.topic),
            (_, Some((_, t))) => format!("{}:{t}", o.topic_zh(&d.topic)),
        };
        let _ = writeln!(
            out,
            "  {}  {}  {}  [{}]",
            pad(&d.unit_name, 10),
            pad(&d.label, 16),
            what,
            d.rules.join(" ")
        );
    }
    out
}
