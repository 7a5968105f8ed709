//! The handbook as a Word document (`.docx`), written with [`crate::output::docx`].
//!
//! The page and styles after GB/T 9704 (党政机关公文格式) are [`crate::output::docx`]'s: A4,
//! the standard's margins and type area, title in 小标宋 二号, body in 仿宋 三号, headings 黑体 /
//! 楷体, tables in 仿宋 五号, page numbers `— 1 —` in 宋体 四号, fonts with named fallbacks.

use super::{Handbook, Item};
pub use crate::output::docx::DocxError;
use crate::output::docx::{Docx, Style};

/// The bytes of the `.docx` of the handbook.
pub fn to_docx(h: &Handbook) -> Result<Vec<u8>, DocxError> {
    let mut d = Docx::new(&h.title);
    body(&mut d, h);
    d.finish()
}

fn item(out: &mut Docx, i: &Item) {
    out.para(
        Style::Heading3,
        &format!("{}. {}({},{})", i.no, i.name, i.id, i.points),
    );
    out.labelled(Style::Body, "考核内容:", &i.content);
    out.labelled(Style::Body, "评分标准:", &i.standard);
    if !i.evidence.is_empty() {
        out.labelled(Style::Body, "佐证材料:", &i.evidence.join("、"));
    }
    out.labelled(Style::Body, "统计时段:", &i.window);
    if !i.office.is_empty() {
        out.labelled(Style::Body, "责任单位:", &i.office);
    }
    out.labelled(Style::Body, "缺少佐证:", &i.on_missing);
    if let Some(s) = &i.source {
        out.labelled(Style::Body, "依据:", s);
    }
}

fn body(out: &mut Docx, h: &Handbook) {
    out.para(Style::Title, &h.title);
    out.para(
        Style::Subtitle,
        &format!("版本 {} · 适用期间 {}", h.version, h.effective),
    );
    out.para(Style::Heading1, "总则");
    for g in &h.general {
        out.para(Style::Body, g);
    }
    let weighted = h.lines.iter().any(|l| l.weight.is_some());
    let lines: Vec<Vec<String>> = h
        .lines
        .iter()
        .map(|l| {
            let mut row = vec![l.name.clone(), l.id.clone(), format!("{}分", l.max)];
            if weighted {
                row.push(l.weight.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    if weighted {
        out.table(
            &[3000, 2400, 1800, 1800],
            &["考核线", "代码", "满分", "权重"],
            &lines,
        );
    } else {
        out.table(&[3600, 3000, 2400], &["考核线", "代码", "满分"], &lines);
    }
    if !h.windows.is_empty() {
        out.labelled(Style::Body, "另行规定的统计时段:", &h.windows.join(";"));
    }
    for p in &h.parts {
        out.para(Style::Heading1, &p.heading);
        if let Some(n) = &p.note {
            out.para(Style::Body, n);
        }
        for s in &p.sections {
            if !s.heading.is_empty() {
                out.para(Style::Heading2, &s.heading);
            }
            if let Some(o) = &s.office {
                out.labelled(Style::Body, "责任单位:", o);
            }
            for i in &s.items {
                item(out, i);
            }
        }
    }
    out.para(Style::Heading1, "一票否决");
    if h.vetoes.is_empty() {
        out.para(Style::Body, "本细则不设一票否决。");
    }
    for v in &h.vetoes {
        out.para(
            Style::Heading3,
            &format!("{}. {}({},{})", v.no, v.name, v.id, v.form),
        );
        out.labelled(Style::Body, "情形:", &v.condition);
        out.labelled(Style::Body, "后果:", &format!("{}({})", v.effect, v.mode));
        out.labelled(Style::Body, "条文:", &v.reason);
        if let Some(s) = &v.source {
            out.labelled(Style::Body, "依据:", s);
        }
    }
    out.para(Style::Heading1, "等次评定");
    let grades: Vec<Vec<String>> = h
        .grades
        .iter()
        .map(|g| vec![g.label.clone(), g.range.clone()])
        .collect();
    out.table(&[3000, 6000], &["等次", "总分"], &grades);
    for (line, rows) in &h.line_grades {
        out.para(Style::Heading2, line);
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|g| vec![g.label.clone(), g.range.clone()])
            .collect();
        out.table(&[3000, 6000], &["等次", "得分"], &rows);
    }
    out.para(Style::Heading1, "佐证缺失的处理");
    for m in &h.missing {
        out.para(Style::Body, m);
    }
    out.para(
        Style::Note,
        &format!(
            "本细则由指标体系 {} 版本 {} 生成(SHA-256 {}),与评分所用规则一致。{}",
            h.set_id, h.version, h.hash, h.engine
        ),
    );
}
