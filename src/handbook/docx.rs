//! The handbook as a Word document (`.docx`): a minimal WordprocessingML package written with
//! the `zip` crate the workbook writer already builds, XML text escaped by `quick-xml`.
//!
//! Conventions after GB/T 9704 (党政机关公文格式) as far as a rubric document fits them: A4,
//! margins 37/35/28/26 mm (top, bottom, left, right), title in 小标宋 (宋体 when absent) 二号
//! centred, body in 仿宋 三号, first-level headings 黑体, second-level 楷体, tables in 仿宋
//! 五号, page numbers `— 1 —` centred in 宋体 四号 at the foot. Fonts are named, not embedded:
//! Word substitutes what the machine lacks.

use super::{Handbook, Item};
use quick_xml::escape::escape;
use std::io::Write;

/// Writing the `.docx` failed (the package is built in memory, so only the zip writer can fail).
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("cannot build the .docx package: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot build the .docx package: {0}")]
    Io(#[from] std::io::Error),
}

/// The bytes of the `.docx` of the handbook.
pub fn to_docx(h: &Handbook) -> Result<Vec<u8>, DocxError> {
    let body = body(h);
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>{body}<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/styles.xml", STYLES),
        ("word/footer1.xml", FOOTER),
        ("word/document.xml", document.as_str()),
    ] {
        zip.start_file(name, opts)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// A paragraph of one style and plain text.
fn para(style: &str, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        escape(text)
    )
}

/// A paragraph with a bold label and text (`评分标准:…`).
fn labelled(style: &str, label: &str, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        escape(label),
        escape(text)
    )
}

/// A table with a header row; widths in twentieths of a point.
fn table(widths: &[u32], head: &[&str], rows: &[Vec<String>]) -> String {
    let cell = |w: u32, text: &str, bold: bool| {
        format!(
            r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr><w:r>{}<w:t xml:space="preserve">{}</w:t></w:r></w:p></w:tc>"#,
            if bold { "<w:rPr><w:b/></w:rPr>" } else { "" },
            escape(text)
        )
    };
    let mut out = String::from(
        r#"<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders><w:top w:val="single" w:sz="4"/><w:left w:val="single" w:sz="4"/><w:bottom w:val="single" w:sz="4"/><w:right w:val="single" w:sz="4"/><w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/></w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>"#,
    );
    for w in widths {
        out.push_str(&format!(r#"<w:gridCol w:w="{w}"/>"#));
    }
    out.push_str("</w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>");
    for (w, h) in widths.iter().zip(head) {
        out.push_str(&cell(*w, h, true));
    }
    out.push_str("</w:tr>");
    for r in rows {
        out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        for (w, t) in widths.iter().zip(r) {
            out.push_str(&cell(*w, t, false));
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    out
}

fn item(out: &mut String, i: &Item) {
    out.push_str(&para(
        "Heading3",
        &format!("{}. {}({},{})", i.no, i.name, i.id, i.points),
    ));
    out.push_str(&labelled("Body", "考核内容:", &i.content));
    out.push_str(&labelled("Body", "评分标准:", &i.standard));
    if !i.evidence.is_empty() {
        out.push_str(&labelled("Body", "佐证材料:", &i.evidence.join("、")));
    }
    out.push_str(&labelled("Body", "统计时段:", &i.window));
    if !i.office.is_empty() {
        out.push_str(&labelled("Body", "责任单位:", &i.office));
    }
    out.push_str(&labelled("Body", "缺少佐证:", &i.on_missing));
    if let Some(s) = &i.source {
        out.push_str(&labelled("Body", "依据:", s));
    }
}

fn body(h: &Handbook) -> String {
    let mut out = para("Title", &h.title);
    out.push_str(&para(
        "Subtitle",
        &format!("版本 {} · 适用期间 {}", h.version, h.effective),
    ));
    out.push_str(&para("Heading1", "总则"));
    for g in &h.general {
        out.push_str(&para("Body", g));
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
        out.push_str(&table(
            &[3000, 2400, 1800, 1800],
            &["考核线", "代码", "满分", "权重"],
            &lines,
        ));
    } else {
        out.push_str(&table(
            &[3600, 3000, 2400],
            &["考核线", "代码", "满分"],
            &lines,
        ));
    }
    if !h.windows.is_empty() {
        out.push_str(&labelled(
            "Body",
            "另行规定的统计时段:",
            &h.windows.join(";"),
        ));
    }
    for p in &h.parts {
        out.push_str(&para("Heading1", &p.heading));
        if let Some(n) = &p.note {
            out.push_str(&para("Body", n));
        }
        for s in &p.sections {
            if !s.heading.is_empty() {
                out.push_str(&para("Heading2", &s.heading));
            }
            if let Some(o) = &s.office {
                out.push_str(&labelled("Body", "责任单位:", o));
            }
            for i in &s.items {
                item(&mut out, i);
            }
        }
    }
    out.push_str(&para("Heading1", "一票否决"));
    if h.vetoes.is_empty() {
        out.push_str(&para("Body", "本细则不设一票否决。"));
    }
    for v in &h.vetoes {
        out.push_str(&para(
            "Heading3",
            &format!("{}. {}({},{})", v.no, v.name, v.id, v.form),
        ));
        out.push_str(&labelled("Body", "情形:", &v.condition));
        out.push_str(&labelled(
            "Body",
            "后果:",
            &format!("{}({})", v.effect, v.mode),
        ));
        out.push_str(&labelled("Body", "条文:", &v.reason));
        if let Some(s) = &v.source {
            out.push_str(&labelled("Body", "依据:", s));
        }
    }
    out.push_str(&para("Heading1", "等次评定"));
    let grades: Vec<Vec<String>> = h
        .grades
        .iter()
        .map(|g| vec![g.label.clone(), g.range.clone()])
        .collect();
    out.push_str(&table(&[3000, 6000], &["等次", "总分"], &grades));
    for (line, rows) in &h.line_grades {
        out.push_str(&para("Heading2", line));
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|g| vec![g.label.clone(), g.range.clone()])
            .collect();
        out.push_str(&table(&[3000, 6000], &["等次", "得分"], &rows));
    }
    out.push_str(&para("Heading1", "佐证缺失的处理"));
    for m in &h.missing {
        out.push_str(&para("Body", m));
    }
    out.push_str(&para(
        "Note",
        &format!(
            "本细则由指标体系 {} 版本 {} 生成(SHA-256 {}),与评分所用规则一致。{}",
            h.set_id, h.version, h.hash, h.engine
        ),
    ));
    out
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdFooter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>"#;

const FOOTER: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:rFonts w:ascii="宋体" w:eastAsia="宋体" w:hAnsi="宋体"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">— </w:t></w:r><w:r><w:rPr><w:rFonts w:ascii="宋体" w:eastAsia="宋体" w:hAnsi="宋体"/><w:sz w:val="28"/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t>1</w:t></w:r><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:fldChar w:fldCharType="end"/></w:r><w:r><w:rPr><w:rFonts w:ascii="宋体" w:eastAsia="宋体" w:hAnsi="宋体"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312" w:hAnsi="Times New Roman"/><w:sz w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line="560" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Body"><w:name w:val="Body Text"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:before="240" w:after="240" w:line="700" w:lineRule="exact"/></w:pPr><w:rPr><w:rFonts w:ascii="方正小标宋简体" w:eastAsia="方正小标宋简体" w:hAnsi="方正小标宋简体"/><w:sz w:val="44"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:after="240"/></w:pPr><w:rPr><w:rFonts w:eastAsia="楷体_GB2312"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:ascii="黑体" w:eastAsia="黑体" w:hAnsi="黑体"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:ascii="楷体_GB2312" w:eastAsia="楷体_GB2312" w:hAnsi="楷体_GB2312"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:line="300" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="21"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Note"><w:name w:val="Note"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="480" w:line="300" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="21"/></w:rPr></w:style></w:styles>"#;
