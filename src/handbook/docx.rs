//! The handbook as a Word document (`.docx`), written with [`crate::output::docx`].
//!
//! The page and styles after GB/T 9704 (党政机关公文格式) are [`crate::output::docx`]'s: A4,
//! the standard's margins and type area, title in 小标宋 二号, body in 仿宋 三号, headings 黑体 /
//! 楷体, tables in 仿宋 五号, page numbers `— 1 —` in 宋体 四号, fonts with named fallbacks.

use super::{Handbook, Item, Labels};
pub use crate::output::docx::DocxError;
use crate::output::docx::{Docx, Style};

/// The bytes of the `.docx` of the handbook.
pub fn to_docx(h: &Handbook) -> Result<Vec<u8>, DocxError> {
    let mut d = Docx::new(&h.title);
    body(&mut d, h);
    d.finish()
}

fn item(out: &mut Docx, i: &Item, l: &Labels) {
    let en = std::ptr::eq(l, &super::EN);
    out.para(
        Style::Heading3,
        &if en {
            format!("{}. {} ({}, {})", i.no, i.name, i.id, i.points)
        } else {
            format!("{}. {}({},{})", i.no, i.name, i.id, i.points)
        },
    );
    out.labelled(Style::Body, l.content, &i.content);
    out.labelled(Style::Body, l.standard, &i.standard);
    if !i.evidence.is_empty() {
        out.labelled(
            Style::Body,
            l.evidence,
            &i.evidence.join(if en { ", " } else { "、" }),
        );
    }
    out.labelled(Style::Body, l.window, &i.window);
    if !i.office.is_empty() {
        out.labelled(Style::Body, l.office, &i.office);
    }
    out.labelled(Style::Body, l.on_missing, &i.on_missing);
    if let Some(s) = &i.source {
        out.labelled(Style::Body, l.source, s);
    }
}

fn body(out: &mut Docx, h: &Handbook) {
    let l = h.labels;
    let en = std::ptr::eq(l, &super::EN);
    out.para(Style::Title, &h.title);
    out.para(
        Style::Subtitle,
        &format!(
            "{} {} · {} {}",
            l.version, h.version, l.effective, h.effective
        ),
    );
    out.para(Style::Heading1, l.general);
    for g in &h.general {
        out.para(Style::Body, g);
    }
    let weighted = h.lines.iter().any(|l| l.weight.is_some());
    let lines: Vec<Vec<String>> = h
        .lines
        .iter()
        .map(|x| {
            let mut row = vec![x.name.clone(), x.id.clone(), format!("{}{}", x.max, l.pts)];
            if weighted {
                row.push(x.weight.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    if weighted {
        out.table(
            &[3000, 2400, 1800, 1800],
            &[l.line, l.code, l.max, l.weight],
            &lines,
        );
    } else {
        out.table(&[3600, 3000, 2400], &[l.line, l.code, l.max], &lines);
    }
    if !h.windows.is_empty() {
        out.labelled(Style::Body, l.windows, &h.windows.join(l.sep));
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
                out.labelled(Style::Body, l.office, o);
            }
            for i in &s.items {
                item(out, i, l);
            }
        }
    }
    out.para(Style::Heading1, l.vetoes);
    if h.vetoes.is_empty() {
        out.para(Style::Body, l.no_vetoes);
    }
    for v in &h.vetoes {
        if en {
            out.para(
                Style::Heading3,
                &format!("{}. {} ({}, {})", v.no, v.name, v.id, v.form),
            );
            out.labelled(Style::Body, "Condition: ", &v.condition);
            out.labelled(
                Style::Body,
                "Effect: ",
                &format!("{} ({})", v.effect, v.mode),
            );
            out.labelled(Style::Body, "Text: ", &v.reason);
        } else {
            out.para(
                Style::Heading3,
                &format!("{}. {}({},{})", v.no, v.name, v.id, v.form),
            );
            out.labelled(Style::Body, "情形:", &v.condition);
            out.labelled(Style::Body, "后果:", &format!("{}({})", v.effect, v.mode));
            out.labelled(Style::Body, "条文:", &v.reason);
        }
        if let Some(s) = &v.source {
            out.labelled(Style::Body, l.source, s);
        }
    }
    out.para(Style::Heading1, l.grades);
    let grades: Vec<Vec<String>> = h
        .grades
        .iter()
        .map(|g| vec![g.label.clone(), g.range.clone()])
        .collect();
    out.table(&[3000, 6000], &[l.grade, l.total], &grades);
    for (line, rows) in &h.line_grades {
        out.para(Style::Heading2, line);
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|g| vec![g.label.clone(), g.range.clone()])
            .collect();
        out.table(&[3000, 6000], &[l.grade, l.score], &rows);
    }
    out.para(Style::Heading1, l.missing);
    for m in &h.missing {
        out.para(Style::Body, m);
    }
    out.para(
        Style::Note,
        &format!(
            "{}{}{}{}{}{}{}{}",
            l.footer_a, h.set_id, l.footer_b, h.version, l.footer_c, h.hash, l.footer_d, h.engine
        ),
    );
}
