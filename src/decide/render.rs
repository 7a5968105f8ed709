//! Writing decisions: `decisions.csv`, `plan.csv` (UTF-8 with a BOM, for Excel) and the
//! summary for the terminal. The brief `decisions.html` is [`super::brief`].

use super::{Outcome, Topic, Verdict};
use crate::output::WriteError;
use std::fmt::Write as _;

fn csv_bytes(what: &'static str, rows: Vec<Vec<String>>) -> Result<Vec<u8>, WriteError> {
    let enc = |e: csv::Error| WriteError::Encode {
        what,
        message: e.to_string(),
    };
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        for r in rows {
            crate::output::write_csv_record(&mut w, &r).map_err(enc)?;
        }
        w.flush().map_err(|e| WriteError::Encode {
            what,
            message: e.to_string(),
        })?;
    }
    Ok(out)
}

/// `decisions.csv`: one row per decision, in the outcome's language.
pub fn decisions_csv(o: &Outcome) -> Result<Vec<u8>, WriteError> {
    let head = match o.lang {
        crate::lang::Lang::Zh => [
            "年度",
            "单位代码",
            "单位名称",
            "事项",
            "称号",
            "决定",
            "依据规则",
            "理由",
        ],
        crate::lang::Lang::En => [
            "Year", "Unit id", "Unit", "Matter", "Title", "Decision", "Rules", "Reasons",
        ],
    };
    let mut rows = vec![head.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for d in &o.decisions {
        rows.push(vec![
            o.year.to_string(),
            d.unit.clone(),
            d.unit_name.clone(),
            o.topic_zh(&d.topic),
            d.title.as_ref().map(|t| t.1.clone()).unwrap_or_default(),
            d.label.clone(),
            d.rules.join("; "),
            d.reasons.join(o.lang.pick(";", "; ")),
        ]);
    }
    csv_bytes("decisions.csv", rows)
}

/// `plan.csv`: next year's assessment plan, in the outcome's language.
pub fn plan_csv(o: &Outcome) -> Result<Vec<u8>, WriteError> {
    let head = match o.lang {
        crate::lang::Lang::Zh => [
            "年度",
            "单位代码",
            "单位名称",
            "层级",
            "上级单位",
            "考核方式",
            "考核主体",
            "依据规则",
            "说明",
        ],
        crate::lang::Lang::En => [
            "Year",
            "Unit id",
            "Unit",
            "Level",
            "Parent unit",
            "Assessed by way of",
            "Assessor",
            "Rules",
            "Note",
        ],
    };
    let mut rows = vec![head.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for p in &o.plan {
        rows.push(vec![
            (o.year + 1).to_string(),
            p.unit.clone(),
            p.name.clone(),
            match (o.lang, p.level) {
                (crate::lang::Lang::En, "区") => "district",
                (crate::lang::Lang::En, "街道") => "street",
                (_, level) => level,
            }
            .to_string(),
            p.parent.as_ref().map(|x| x.1.clone()).unwrap_or_default(),
            p.mode.label(o.lang).to_string(),
            p.assessor.clone(),
            p.rules.join("; "),
            p.note.clone(),
        ]);
    }
    csv_bytes("plan.csv", rows)
}

fn pad(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// A few lines for the terminal, in the outcome's language.
pub fn summary(o: &Outcome) -> String {
    let mut out = String::new();
    let _ = match o.lang {
        crate::lang::Lang::Zh => writeln!(
            out,
            "{}年度决定({} 版本 {},{})",
            o.year, o.policy.0, o.policy.2, o.date
        ),
        crate::lang::Lang::En => writeln!(
            out,
            "Decisions for {} ({} version {}, {})",
            o.year, o.policy.0, o.policy.2, o.date
        ),
    };
    for d in &o.decisions {
        if matches!(
            d.verdict,
            Verdict::NotEligible | Verdict::Kept | Verdict::Pass | Verdict::CoolDown
        ) {
            continue;
        }
        let what = match (&d.topic, &d.title) {
            (Topic::Award(_), _) | (_, None) => o.topic_zh(&d.topic),
            (_, Some((_, t))) => format!("{}{}{t}", o.topic_zh(&d.topic), o.lang.pick(":", ": ")),
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
