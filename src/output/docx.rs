//! Word documents (`.docx`) in the format of GB/T 9704-2012 党政机关公文格式: a minimal
//! WordprocessingML package written with the `zip` crate the workbook writer already builds,
//! text escaped by `quick-xml`. The handbook (`handbook.docx`), the decision brief's 通报
//! (`decisions.docx`) and the results notice (`notice.docx`) are built with it.
//!
//! Written by hand rather than with a document crate: the package is six small parts, the
//! bytes are deterministic (fixed zip timestamps, no generated ids), and the standard's page
//! needs a few settings a general crate does not expose together (odd and even footers,
//! the line grid, alternative font names).
//!
//! The page, after GB/T 9704-2012:
//! - A4 (210 × 297 mm), margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm: the type
//!   area is 156 × 225 mm;
//! - body 3号 (16 pt) 仿宋_GB2312, 22 lines a page (exact line pitch 28.95 pt), first lines
//!   indented two characters;
//! - title 2号 (22 pt) 方正小标宋简体, centred;
//! - headings numbered 一、(黑体) / (一)(楷体_GB2312) / 1.(仿宋, bold) / (1)(仿宋);
//! - page numbers 4号 (14 pt) 宋体 `— 1 —`, odd pages at the right and even pages at the left,
//!   one character in from the edge of the type area, 7 mm below it.
//!
//! Fonts are named, not embedded: `word/fontTable.xml` names each font's fallback
//! (`altName`: 方正小标宋简体 → 宋体/SimSun, 仿宋_GB2312 → 仿宋/FangSong, 楷体_GB2312 →
//! 楷体/KaiTi, 黑体 → SimHei), and every run names its East Asian font, so Word, WPS or
//! LibreOffice substitute what the machine lacks.

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

/// The paragraph styles of the package (`word/styles.xml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// 2号 方正小标宋简体, centred.
    Title,
    /// Under the title: 楷体, centred.
    Subtitle,
    /// 一、 黑体.
    Heading1,
    /// (一) 楷体_GB2312.
    Heading2,
    /// 1. 仿宋, bold.
    Heading3,
    /// 3号 仿宋, first line indented two characters, justified.
    Body,
    /// The addressee: flush left, no indent (主送机关).
    Addressee,
    /// The signature and date: right-aligned, four characters in from the right.
    Signature,
    /// Table cells: 仿宋 五号 (10.5 pt).
    TableText,
    /// A closing note in 五号.
    Note,
}

impl Style {
    fn id(self) -> &'static str {
        match self {
            Style::Title => "Title",
            Style::Subtitle => "Subtitle",
            Style::Heading1 => "Heading1",
            Style::Heading2 => "Heading2",
            Style::Heading3 => "Heading3",
            Style::Body => "Body",
            Style::Addressee => "Addressee",
            Style::Signature => "Signature",
            Style::TableText => "TableText",
            Style::Note => "Note",
        }
    }
}

/// The width of the type area in twentieths of a point (156 mm): tables fit in it.
pub const TYPE_WIDTH: u32 = 8844;

/// Chinese numerals for headings: 一 … 二十; beyond, the number itself.
pub fn cn_number(n: usize) -> String {
    const CN: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    match n {
        1..=10 => CN[n - 1].to_string(),
        11..=19 => format!("十{}", CN[n - 11]),
        20 => "二十".to_string(),
        _ => n.to_string(),
    }
}

/// A document being written: paragraphs and tables in order.
#[derive(Debug, Default)]
pub struct Docx {
    body: String,
    title: String,
}

impl Docx {
    /// An empty document; `title` goes into the package's properties.
    pub fn new(title: &str) -> Self {
        Docx {
            body: String::new(),
            title: title.to_string(),
        }
    }

    /// A paragraph of one style and plain text.
    pub fn para(&mut self, style: Style, text: &str) -> &mut Self {
        self.body.push_str(&format!(
            r#"<w:p><w:pPr><w:pStyle w:val="{}"/></w:pPr>{}</w:p>"#,
            style.id(),
            run(text, false)
        ));
        self
    }

    /// A paragraph with a bold label and text (`评分标准:…`).
    pub fn labelled(&mut self, style: Style, label: &str, text: &str) -> &mut Self {
        self.body.push_str(&format!(
            r#"<w:p><w:pPr><w:pStyle w:val="{}"/></w:pPr>{}{}</w:p>"#,
            style.id(),
            run(label, true),
            run(text, false)
        ));
        self
    }

    /// A table with a header row repeated on every page; widths in twentieths of a point
    /// (together at most [`TYPE_WIDTH`]). A cell's lines (`\n`) are paragraphs.
    pub fn table(&mut self, widths: &[u32], head: &[&str], rows: &[Vec<String>]) -> &mut Self {
        let cell = |w: u32, text: &str, bold: bool| {
            let mut ps = String::new();
            for line in text.split('\n') {
                ps.push_str(&format!(
                    r#"<w:p><w:pPr><w:pStyle w:val="TableText"/>{}</w:pPr>{}</w:p>"#,
                    if bold {
                        r#"<w:jc w:val="center"/>"#
                    } else {
                        ""
                    },
                    run(line, bold)
                ));
            }
            format!(
                r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>{ps}</w:tc>"#
            )
        };
        let total: u32 = widths.iter().sum();
        let mut out = format!(
            r#"<w:tbl><w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders><w:top w:val="single" w:sz="4"/><w:left w:val="single" w:sz="4"/><w:bottom w:val="single" w:sz="4"/><w:right w:val="single" w:sz="4"/><w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/></w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>"#
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
        self.body.push_str(&out);
        self
    }

    /// The bytes of the `.docx` package.
    pub fn finish(&self) -> Result<Vec<u8>, DocxError> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>{}<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter"/><w:footerReference w:type="even" r:id="rIdFooterEven"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="1304" w:gutter="0"/><w:pgNumType w:fmt="decimal"/><w:docGrid w:type="lines" w:linePitch="579"/></w:sectPr></w:body></w:document>"#,
            self.body
        );
        let core = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:creator>kaohe</dc:creator><dc:language>zh-CN</dc:language></cp:coreProperties>"#,
            escape(self.title.as_str())
        );
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for (name, text) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("docProps/core.xml", core.as_str()),
            ("word/_rels/document.xml.rels", DOCUMENT_RELS),
            ("word/styles.xml", STYLES),
            ("word/settings.xml", SETTINGS),
            ("word/fontTable.xml", FONT_TABLE),
            ("word/footer1.xml", &footer(true)),
            ("word/footer2.xml", &footer(false)),
            ("word/document.xml", document.as_str()),
        ] {
            zip.start_file(name, opts)?;
            zip.write_all(text.as_bytes())?;
        }
        Ok(zip.finish()?.into_inner())
    }
}

/// A run of text, bold or not; tabs and line breaks are not expected (cells split lines).
fn run(text: &str, bold: bool) -> String {
    format!(
        r#"<w:r>{}<w:t xml:space="preserve">{}</w:t></w:r>"#,
        if bold { "<w:rPr><w:b/></w:rPr>" } else { "" },
        escape(text)
    )
}

/// The page number `— 1 —` in 4号 宋体: odd pages at the right, even pages at the left, one
/// character (14 pt = 280 twips) in from the type area's edge.
fn footer(odd: bool) -> String {
    let r = |inner: &str| {
        format!(
            r#"<w:r><w:rPr><w:rFonts w:ascii="宋体" w:eastAsia="宋体" w:hAnsi="宋体"/><w:sz w:val="28"/></w:rPr>{inner}</w:r>"#
        )
    };
    let (jc, ind) = if odd {
        ("right", r#"<w:ind w:right="280"/>"#)
    } else {
        ("left", r#"<w:ind w:left="280"/>"#)
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:jc w:val="{jc}"/>{ind}<w:spacing w:line="240" w:lineRule="auto"/></w:pPr>{}{}{}{}{}{}</w:p></w:ftr>"#,
        r(r#"<w:t xml:space="preserve">— </w:t>"#),
        r(r#"<w:fldChar w:fldCharType="begin"/>"#),
        r(r#"<w:instrText xml:space="preserve"> PAGE </w:instrText>"#),
        r(r#"<w:fldChar w:fldCharType="separate"/>"#),
        r("<w:t>1</w:t>"),
        r(r#"<w:fldChar w:fldCharType="end"/>"#) + &r(r#"<w:t xml:space="preserve"> —</w:t>"#),
    )
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rIdFonts" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/><Relationship Id="rIdFooter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rIdFooterEven" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/></Relationships>"#;

/// Odd and even pages have their own footers (the page number changes sides).
const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:evenAndOddHeaders/><w:defaultTabStop w:val="640"/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/></w:settings>"#;

/// The fonts the styles name, each with the fallback Word and WPS use when it is missing.
const FONT_TABLE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/><w:charset w:val="86"/><w:family w:val="script"/><w:pitch w:val="fixed"/></w:font><w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font><w:font w:name="仿宋"><w:altName w:val="FangSong"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font><w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font><w:font w:name="楷体"><w:altName w:val="KaiTi"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font><w:font w:name="黑体"><w:altName w:val="SimHei"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font><w:font w:name="宋体"><w:altName w:val="SimSun"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font><w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font></w:fonts>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312" w:hAnsi="Times New Roman"/><w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line="579" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Body"><w:name w:val="Body Text"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Addressee"><w:name w:val="Addressee"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="both"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Signature"><w:name w:val="Signature"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:right="1280"/><w:jc w:val="right"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:pPr><w:snapToGrid w:val="0"/><w:jc w:val="center"/><w:spacing w:before="240" w:after="579" w:line="700" w:lineRule="exact"/></w:pPr><w:rPr><w:rFonts w:ascii="方正小标宋简体" w:eastAsia="方正小标宋简体" w:hAnsi="方正小标宋简体"/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:after="240"/></w:pPr><w:rPr><w:rFonts w:ascii="楷体_GB2312" w:eastAsia="楷体_GB2312" w:hAnsi="楷体_GB2312"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:ascii="黑体" w:eastAsia="黑体" w:hAnsi="黑体"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:ascii="楷体_GB2312" w:eastAsia="楷体_GB2312" w:hAnsi="楷体_GB2312"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:pPr><w:snapToGrid w:val="0"/><w:spacing w:line="280" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Note"><w:name w:val="Note"/><w:basedOn w:val="Normal"/><w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="480" w:line="300" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr></w:style></w:styles>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers_for_headings() {
        assert_eq!(cn_number(1), "一");
        assert_eq!(cn_number(10), "十");
        assert_eq!(cn_number(12), "十二");
        assert_eq!(cn_number(20), "二十");
        assert_eq!(cn_number(21), "21");
    }
}
