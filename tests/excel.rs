//! Excel and CSV as users have them (issue 5): workbooks with every awkward feature, CSV in
//! GB18030, UTF-8 with BOM, tab-separated and UTF-16; the entry template and its round trip; the
//! Excel scorecard, read back with calamine and opened by LibreOffice.

use calamine::{Data, Reader};
use kaohe::evidence::Evidence;
use kaohe::expr::Val;
use kaohe::model::IndicatorSet;
use kaohe::read::{self, ReadEvidence};
use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Formula, Workbook};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sz_set() -> IndicatorSet {
    kaohe::load::load_set_file(&repo().join("indicators/sz-district.yaml"))
        .unwrap_or_else(|d| panic!("{d}"))
}

fn yaml_read() -> ReadEvidence {
    read(&[repo().join("fixtures/shenzhen/evidence.yaml")])
}

fn read(paths: &[PathBuf]) -> ReadEvidence {
    read::files::read_paths(paths).unwrap_or_else(|d| panic!("{d}"))
}

fn bind(set: &IndicatorSet, r: ReadEvidence) -> Evidence {
    kaohe::bind::bind(set, r).unwrap_or_else(|d| panic!("{d}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

fn num(s: &str) -> Option<Val> {
    Some(Val::Num(dec(s)))
}

fn value(set: &IndicatorSet, ev: &Evidence, unit: &str, field: &str) -> Option<Val> {
    let u = ev.units.iter().find(|u| u.id == unit).expect("unit");
    let fi = set
        .unit_kind()
        .fields
        .iter()
        .position(|f| f.id == field)
        .expect("field");
    u.values[fi]
}

/// What scoring sees of evidence, without where it was read: units with their metadata,
/// values (as numbers: 9.0 is 9), texts and cases.
fn digest(ev: &Evidence) -> serde_json::Value {
    serde_json::Value::Array(
        ev.units
            .iter()
            .map(|u| {
                let values: Vec<Option<String>> = u
                    .values
                    .iter()
                    .map(|v| {
                        v.map(|v| match v {
                            Val::Num(d) => d.normalize().to_string(),
                            Val::Bool(b) => b.to_string(),
                        })
                    })
                    .collect();
                serde_json::json!({
                    "id": u.id, "name": u.name, "kind": u.kind_id, "class": u.class,
                    "peer_group": u.peer_group, "parent": u.parent, "values": values,
                    "texts": u.texts, "cases": u.cases,
                })
            })
            .collect(),
    )
}

fn save(wb: &mut Workbook, dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    wb.save(&p).expect("save workbook");
    p
}

fn errors_of(set: &IndicatorSet, paths: &[PathBuf]) -> String {
    let d = match read::files::read_paths(paths) {
        Err(d) => d,
        Ok(r) => match kaohe::bind::bind(set, r) {
            Err(d) => d,
            Ok(_) => panic!("expected errors"),
        },
    };
    d.to_string()
}

/// The XML of one part of an .xlsx file.
fn part(path: &Path, name: &str) -> String {
    let f = std::fs::File::open(path).expect("open");
    let mut z = zip::ZipArchive::new(f).expect("zip");
    let mut s = String::new();
    z.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in {}", path.display()))
        .read_to_string(&mut s)
        .expect("read part");
    s
}

fn open_book(path: &Path) -> calamine::Sheets<std::io::BufReader<std::fs::File>> {
    calamine::open_workbook_auto(path).expect("open workbook")
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

// --------------------------------------------------------------------------------------------
// Reading workbooks

/// A workbook as real offices send them: instructions sheet, a title and a subtitle above a
/// two-row header with merged cells, line breaks and units in headers, aliases, numbers stored
/// as text (with thousands separators), percentages stored as fractions under a % format and
/// as "95.3%" text, a floating-point sum, a numeric unit id, Excel booleans, a class merged
/// over two units, empty cells, a blank formatted row, a totals row with formulas, a
/// footnote, trailing formatted blank rows; a case ledger with its own title row, dates as
/// date cells, as serial numbers and as text, case types by name and by id, and a 小计 row.
fn awkward_workbook(dir: &Path) -> PathBuf {
    let mut wb = Workbook::new();
    let border = Format::new().set_border(FormatBorder::Thin);
    let pct1 = Format::new().set_num_format("0.0%");
    let pct2 = Format::new().set_num_format("0.00%");
    let pct0 = Format::new().set_num_format("0%");
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let head = Format::new().set_bold().set_text_wrap();

    let info = wb.add_worksheet();
    info.set_name("说明").expect("name");
    info.write_string(0, 0, "单位代码 一栏必填").expect("w");
    info.write_string(1, 0, "本表由各区填报").expect("w");

    let ws = wb.add_worksheet();
    ws.set_name("Sheet1").expect("name");
    ws.merge_range(0, 0, 0, 12, "2011年度各区人口计生佐证数据汇总表", &head)
        .expect("title");
    ws.write_string(1, 0, "填报单位:市人口计生委        计量单位:人、%")
        .expect("subtitle");
    // Two-row header: vertical merges for single columns, horizontal merges for groups.
    for (c, h) in [
        (0u16, "单位代码"),
        (1, "单  位\n名  称"),
        (2, "类别"),
        (10, "成立创建示范区领导小组"),
        (11, "人口计生经费增幅(%)"),
        (12, "备注"),
    ] {
        ws.merge_range(2, c, 3, c, h, &head).expect("merge v");
    }
    ws.merge_range(2, 3, 2, 6, "人口与出生", &head)
        .expect("merge h");
    ws.merge_range(2, 7, 2, 9, "工作指标", &head)
        .expect("merge h");
    for (c, h) in [
        (3u16, "年初人口"),
        (4, "出生人数\n(人)"),
        (5, "死亡人数(人)"),
        (6, "male_births"),
        (7, "满意率(%)"),
        (8, "及时入库率"),
        (9, "policy_t1"),
    ] {
        ws.write_string_with_format(3, c, h, &head).expect("h");
    }
    // futian: text numbers, a % fraction, "95.3%" text, 是, a float sum.
    ws.write_string(4, 0, "futian").expect("w");
    ws.write_string(4, 1, "福田区").expect("w");
    ws.merge_range(4, 2, 5, 2, "特区内", &border)
        .expect("merged class");
    ws.write_string(4, 3, "1,310,200").expect("w");
    ws.write_string(4, 4, " 14210 ").expect("w");
    ws.write_number(4, 6, 7480).expect("w");
    ws.write_number_with_format(4, 7, 0.886, &pct1).expect("w");
    ws.write_string(4, 8, "95.3%").expect("w");
    ws.write_number_with_format(4, 9, 0.75, &pct0).expect("w");
    ws.write_string(4, 10, "是").expect("w");
    ws.write_number(4, 11, 14.1 + 0.1).expect("w");
    ws.write_string(4, 12, "以社区为载体").expect("w");
    // luohu under a numeric code; an Excel boolean; a % fraction with two decimals.
    ws.write_number(5, 0, 440303).expect("w");
    ws.write_string(5, 1, "罗湖区").expect("w");
    ws.write_number(5, 3, 918400).expect("w");
    ws.write_number(5, 4, 9860).expect("w");
    ws.write_number(5, 5, 2240).expect("w");
    ws.write_number_with_format(5, 7, 0.9012, &pct2).expect("w");
    ws.write_string(5, 8, "96.98%").expect("w");
    ws.write_number(5, 9, 0.5).expect("w");
    ws.write_boolean(5, 10, true).expect("w");
    ws.write_number(5, 11, 12.1).expect("w");
    // A blank row that only has borders, then totals with cached formula results.
    for c in 0..13 {
        ws.write_blank(6, c, &border).expect("blank");
    }
    ws.merge_range(7, 0, 7, 2, "合  计", &border)
        .expect("totals");
    ws.write_formula(7, 3, Formula::new("=SUM(D5:D6)").set_result("2228600"))
        .expect("f");
    ws.write_formula(7, 4, Formula::new("=SUM(E5:E6)").set_result("24070"))
        .expect("f");
    ws.write_string(9, 0, "注:数据截至2011年9月30日。")
        .expect("note");
    for r in 12..30 {
        for c in 0..13 {
            ws.write_blank(r, c, &border).expect("blank");
        }
    }

    let ledger = wb.add_worksheet();
    ledger.set_name("案件台账").expect("name");
    ledger
        .merge_range(0, 0, 0, 6, "2011年度案件登记表", &head)
        .expect("title");
    for (c, h) in [
        "单位代码",
        "案件类型",
        "孩次",
        "发生日期",
        "发现层级",
        "自查上报",
        "文号",
    ]
    .iter()
    .enumerate()
    {
        ledger
            .write_string_with_format(1, c as u16, *h, &head)
            .expect("h");
    }
    let d = ExcelDateTime::from_ymd(2011, 3, 14).expect("date");
    ledger.write_string(2, 0, "futian").expect("w");
    ledger.write_string(2, 1, "政策外多孩生育").expect("w");
    ledger.write_number(2, 2, 3).expect("w");
    ledger
        .write_datetime_with_format(2, 3, d, &date)
        .expect("w");
    ledger.write_string(2, 4, "district").expect("w");
    ledger.write_string(2, 5, "是").expect("w");
    ledger.write_string(2, 6, "FT-2011-003").expect("w");
    ledger.write_number(3, 0, 440303).expect("w");
    ledger.write_string(3, 1, "miss_birth").expect("w");
    ledger.write_string(3, 2, "1").expect("w");
    ledger.write_number(3, 3, 40696).expect("serial");
    ledger.write_string(3, 4, "city").expect("w");
    ledger.write_string(3, 5, "否").expect("w");
    ledger.write_string(4, 0, "futian").expect("w");
    ledger.write_string(4, 1, "迟报出生信息").expect("w");
    ledger.write_number(4, 2, 2).expect("w");
    ledger.write_string(4, 3, "2011年4月20日").expect("w");
    ledger.write_string(5, 0, "futian").expect("w");
    ledger.write_string(5, 1, "late_report").expect("w");
    ledger.write_string(5, 3, "2011/8/3").expect("w");
    ledger.write_boolean(5, 5, false).expect("w");
    ledger.write_string(6, 0, "小计").expect("w");
    ledger.write_number(6, 2, 6).expect("w");
    for r in 7..15 {
        ledger.write_blank(r, 0, &border).expect("blank");
    }
    save(&mut wb, dir, "awkward.xlsx")
}

#[test]
fn an_awkward_workbook_reads_as_typed() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = awkward_workbook(dir.path());
    let set = sz_set();
    let r = read(std::slice::from_ref(&path));
    assert_eq!(
        r.units.len(),
        2,
        "title, blank, totals and footnote rows are no units"
    );
    assert_eq!(r.ledger.len(), 4, "the 小计 row is no case");
    let births = r.units[0]
        .values
        .iter()
        .find(|(n, ..)| n == "出生人数(人)")
        .expect("births column");
    assert_eq!(
        births.2.place,
        kaohe::diag::Place::Cell {
            sheet: "Sheet1".into(),
            cell: "E5".into()
        }
    );
    let ev = bind(&set, r);
    let v = |u: &str, f: &str| value(&set, &ev, u, f);
    assert_eq!(
        v("futian", "pop_start"),
        num("1310200"),
        "text with separators"
    );
    assert_eq!(v("futian", "births"), num("14210"), "number stored as text");
    assert_eq!(v("futian", "deaths"), None, "empty cell is missing");
    assert_eq!(v("futian", "male_births"), num("7480"));
    assert_eq!(
        v("futian", "satisfaction"),
        num("88.6"),
        "0.886 shown as 88.6%"
    );
    assert_eq!(
        v("440303", "satisfaction"),
        num("90.12"),
        "0.9012 shown as 90.12%"
    );
    assert_eq!(
        v("futian", "info_timely_rate"),
        num("95.3"),
        "\"95.3%\" text"
    );
    assert_eq!(v("440303", "info_timely_rate"), num("96.98"));
    assert_eq!(
        v("futian", "policy_t1"),
        num("0.75"),
        "75% is 0.75 in a number field"
    );
    assert_eq!(v("440303", "policy_t1"), num("0.5"));
    assert_eq!(v("futian", "has_leading_group"), Some(Val::Bool(true)));
    assert_eq!(v("440303", "has_leading_group"), Some(Val::Bool(true)));
    assert_eq!(
        v("futian", "fund_growth"),
        num("14.2"),
        "14.1 + 0.1 is 14.2"
    );
    assert_eq!(v("440303", "deaths"), num("2240"));
    let futian = ev.units.iter().find(|u| u.id == "futian").expect("futian");
    let luohu = ev
        .units
        .iter()
        .find(|u| u.id == "440303")
        .expect("numeric id");
    assert_eq!(futian.name, "福田区");
    assert_eq!(luohu.name, "罗湖区");
    assert_eq!(futian.class, Some(0), "class by name");
    assert_eq!(luohu.class, Some(0), "class from the merged cell");
    assert_eq!(futian.texts.len(), 1);
    assert_eq!(futian.texts[0].1, "以社区为载体");
    let cases: Vec<(String, Option<u32>, String, bool)> = ev
        .units
        .iter()
        .flat_map(|u| {
            u.cases.iter().map(|c| {
                (
                    format!("{}:{}", u.id, c.case_type),
                    c.severity,
                    c.date.map(|d| d.to_string()).unwrap_or_default(),
                    c.self_reported,
                )
            })
        })
        .collect();
    assert_eq!(
        cases,
        vec![
            (
                "futian:oop_multi".into(),
                Some(3),
                "2011-03-14".into(),
                true
            ),
            (
                "futian:late_report".into(),
                Some(2),
                "2011-04-20".into(),
                false
            ),
            (
                "futian:late_report".into(),
                None,
                "2011-08-03".into(),
                false
            ),
            (
                "440303:miss_birth".into(),
                Some(1),
                "2011-06-02".into(),
                false
            ),
        ]
    );
}

#[test]
fn workbook_errors_name_sheet_cell_field_and_expectation() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "单位代码",
        "单位名称",
        "满意率(%)",
        "出生人数(人)",
        "成立创建示范区领导小组",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).expect("h");
    }
    for r in 1..16u32 {
        ws.write_string(r, 0, format!("u{r}")).expect("id");
        ws.write_number(r, 3, 100).expect("births");
    }
    ws.write_string(16, 0, "u16").expect("id");
    ws.write_string(16, 3, "一百").expect("births");
    ws.write_number(2, 3, 1.5).expect("births");
    ws.write_number(3, 2, 120).expect("pct");
    ws.write_string(4, 4, "也许").expect("bool");
    ws.write_number_with_format(5, 2, 1.2, &Format::new().set_num_format("0%"))
        .expect("pct");
    let path = save(&mut wb, dir.path(), "bad.xlsx");
    let text = errors_of(&sz_set(), &[path]);
    for want in [
        "Sheet1!D17: field `births` (出生人数): expected a number, found `一百`",
        "Sheet1!D3: field `births` (出生人数): expected a whole number, found 1.5",
        "Sheet1!C4: field `satisfaction` (群众满意率): expected a percentage between 0 and 100, found 120",
        "Sheet1!E5: field `has_leading_group` (成立创建示范区领导小组): expected 是/否 (yes/no), found `也许`",
        "Sheet1!C6: field `satisfaction` (群众满意率): expected a percentage between 0 and 100, found 120",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "单位代码").expect("h");
    ws.write_string(1, 0, "u1").expect("h");
    let ledger = wb.add_worksheet();
    ledger.set_name("案件台账").expect("name");
    for (c, h) in ["单位代码", "案件类型", "日期", "孩次"].iter().enumerate() {
        ledger.write_string(0, c as u16, *h).expect("h");
    }
    ledger.write_string(1, 0, "u1").expect("w");
    ledger.write_string(1, 1, "漏报出生").expect("w");
    ledger.write_string(1, 2, "2011-13-01").expect("w");
    ledger.write_string(1, 3, "第三孩").expect("w");
    ledger.write_string(2, 0, "u1").expect("w");
    ledger.write_string(2, 1, "不存在的类型").expect("w");
    let path = save(&mut wb, dir.path(), "ledger.xlsx");
    let text = errors_of(&sz_set(), &[path]);
    for want in [
        "案件台账!C2: expected a date like 2011-05-03",
        "案件台账!D2: expected a whole number ≥ 0, found `第三孩`",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "单位代码").expect("h");
    ws.write_string(1, 0, "u1").expect("h");
    let ledger = wb.add_worksheet();
    ledger.set_name("案件台账").expect("name");
    for (c, h) in ["单位代码", "案件类型"].iter().enumerate() {
        ledger.write_string(0, c as u16, *h).expect("h");
    }
    ledger.write_string(1, 0, "u1").expect("w");
    ledger.write_string(1, 1, "不存在的类型").expect("w");
    ledger.write_string(2, 0, "u9").expect("w");
    ledger.write_string(2, 1, "漏报出生").expect("w");
    let path = save(&mut wb, dir.path(), "ledger2.xlsx");
    let text = errors_of(&sz_set(), &[path]);
    for want in [
        "案件台账!A2: unknown case type `不存在的类型`",
        "案件台账!A3: case for unknown unit `u9`",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
}

#[test]
fn sheets_that_are_not_evidence() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("填报说明").expect("n");
    ws.write_string(0, 0, "请按说明填写").expect("w");
    let ws = wb.add_worksheet();
    ws.set_name("数据").expect("n");
    ws.write_string(0, 0, "单位代码").expect("w");
    ws.write_string(1, 0, "futian").expect("w");
    let ws = wb.add_worksheet();
    ws.set_name("旧数据").expect("n");
    ws.write_string(0, 0, "单位代码").expect("w");
    ws.write_string(1, 0, "futian").expect("w");
    ws.set_hidden(true);
    wb.add_worksheet().set_name("空表").expect("n");
    let ok = save(&mut wb, dir.path(), "ok.xlsx");
    let r = read(std::slice::from_ref(&ok));
    assert_eq!(
        r.units.len(),
        1,
        "instructions, hidden and empty sheets are skipped"
    );

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("汇总").expect("n");
    ws.write_string(0, 0, "区").expect("w");
    ws.write_number(1, 0, 3).expect("w");
    let bad = save(&mut wb, dir.path(), "bad.xlsx");
    let text = errors_of(&sz_set(), &[bad]);
    assert!(text.contains("汇总!A1: no header row found"), "{text}");

    // A folder: Excel's lock file beside an open workbook is left out.
    let folder = dir.path().join("folder");
    std::fs::create_dir_all(&folder).expect("dir");
    std::fs::copy(&ok, folder.join("data.xlsx")).expect("copy");
    std::fs::write(folder.join("~$data.xlsx"), b"lock").expect("lock");
    assert_eq!(read(&[folder]).units.len(), 1);

    let garbage = dir.path().join("garbage.xlsx");
    std::fs::write(&garbage, b"not a workbook").expect("w");
    let text = errors_of(&sz_set(), &[garbage]);
    assert!(text.contains("cannot open this workbook"), "{text}");
}

#[test]
fn number_formats_and_excel_precision() {
    use kaohe::read::workbook::{excel_decimal, is_percent_format};
    assert!(is_percent_format("0%"));
    assert!(is_percent_format("0.00%"));
    assert!(is_percent_format("#,##0.0%;[Red]-#,##0.0%"));
    assert!(!is_percent_format("0.00\"%\""));
    assert!(!is_percent_format("0.00\\%"));
    assert!(!is_percent_format("General"));
    assert!(!is_percent_format("yyyy-mm-dd"));
    assert_eq!(excel_decimal(0.1 + 0.2), Some(dec("0.3")));
    assert_eq!(excel_decimal(14.1 + 0.1), Some(dec("14.2")));
    assert_eq!(excel_decimal(1310200.0), Some(dec("1310200")));
    assert_eq!(excel_decimal(-0.000123), Some(dec("-0.000123")));
    assert_eq!(excel_decimal(f64::NAN), None);
}

// --------------------------------------------------------------------------------------------
// The shipped default from workbooks and CSV

#[test]
fn the_default_from_workbooks_and_csv_is_the_default_from_yaml() {
    let set = sz_set();
    let want = digest(&bind(&set, yaml_read()));
    let x = |f: &str| repo().join("fixtures/excel").join(f);
    let cases = repo().join("fixtures/shenzhen/csv/cases.csv");
    for input in [
        vec![x("shenzhen.xlsx")],
        vec![x("shenzhen.xls")],
        vec![x("shenzhen.ods")],
        vec![x("gb18030.csv"), cases.clone()],
        vec![x("bom.csv"), cases.clone()],
        vec![x("tab.tsv"), cases.clone()],
        vec![x("unicode.txt"), cases.clone()],
        vec![
            repo().join("fixtures/shenzhen/csv/evidence.csv"),
            cases.clone(),
        ],
    ] {
        let got = digest(&bind(&set, read(&input)));
        assert!(got == want, "{input:?} reads differently from the YAML");
    }
    // The scorecard, too.
    let a = |ev: &Evidence| {
        let a = kaohe::engine::assess(&set, ev).unwrap_or_else(|d| panic!("{d}"));
        serde_json::to_value(&a).expect("json")
    };
    assert_eq!(
        a(&bind(&set, read(&[x("shenzhen.xlsx")]))),
        a(&bind(&set, yaml_read()))
    );
}

#[test]
fn csv_encodings_are_detected() {
    let bytes = |f: &str| std::fs::read(repo().join("fixtures/excel").join(f)).expect("read");
    let gb = bytes("gb18030.csv");
    assert!(
        std::str::from_utf8(&gb).is_err(),
        "the fixture really is GB18030"
    );
    assert!(!gb.starts_with(b"\xEF\xBB\xBF"));
    let decode = |b: &[u8]| {
        read::csv::decode_text(b, read::csv::TextEncoding::Auto).unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(decode(&gb).1, "GB18030");
    assert_eq!(decode(&bytes("bom.csv")).1, "UTF-8");
    assert_eq!(decode(&bytes("unicode.txt")).1, "UTF-16LE");
    let (text, _) = decode(&gb);
    assert!(text.starts_with("深圳市各区2011统计年度示范区考核佐证数据"));
}

#[test]
fn csv_errors_name_row_and_column() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = "各区佐证数据,,\n单位代码,出生人数,满意率\nfutian,100,88\nluohu,abc,88\nnanshan,100,101\n合计,200,\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(text);
    let p = dir.path().join("gb.csv");
    std::fs::write(&p, &gb).expect("write");
    let errs = errors_of(&sz_set(), &[p]);
    assert!(
        errs.contains(
            "row 4, column `出生人数`: field `births` (出生人数): expected a number, found `abc`"
        ),
        "{errs}"
    );
    assert!(
        errs.contains("row 5, column `满意率`: field `satisfaction` (群众满意率): expected a percentage between 0 and 100, found 101"),
        "{errs}"
    );
    assert_eq!(errs.matches("error:").count(), 2, "{errs}");
    let tsv = dir.path().join("short.tsv");
    std::fs::write(&tsv, "id\tbirths\tdeaths\nfutian\t1\n").expect("write");
    let errs = errors_of(&sz_set(), &[tsv]);
    assert!(
        errs.contains("row 2, column `#3`: this row has 2 columns but the header has 3"),
        "{errs}"
    );
}

// --------------------------------------------------------------------------------------------
// The entry template

fn sheet_rows(
    book: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> Vec<Vec<String>> {
    let range = book.worksheet_range(name).expect("sheet");
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut rows = vec![Vec::new(); r0 as usize];
    for row in range.rows() {
        let mut v = vec![String::new(); c0 as usize];
        v.extend(row.iter().map(cell_text));
        rows.push(v);
    }
    rows
}

#[test]
fn the_template_has_instructions_units_notes_validation_and_a_ledger() {
    let dir = tempfile::tempdir().expect("tmp");
    let set = sz_set();
    let units = kaohe::template::unit_list(read(&[repo().join("fixtures/excel/units.csv")]));
    let bytes = kaohe::template::template_xlsx(&set, &units).expect("template");
    assert_eq!(
        bytes,
        kaohe::template::template_xlsx(&set, &units).expect("again"),
        "deterministic"
    );
    let path = dir.path().join("template.xlsx");
    std::fs::write(&path, &bytes).expect("write");
    let mut book = open_book(&path);
    let sheets: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible == calamine::SheetVisible::Visible))
        .collect();
    assert_eq!(
        sheets,
        vec![
            ("填报说明".to_string(), true),
            ("上级单位".to_string(), true),
            ("佐证数据".to_string(), true),
            ("案件台账".to_string(), true),
            ("选项".to_string(), false),
        ]
    );
    // The city above the districts is not a row to fill in: it has its own sheet, which
    // says so, and is read back as a unit (the districts' parent).
    let context = sheet_rows(&mut book, "上级单位");
    assert!(context[0][0].contains("无需填写"), "{:?}", context[0]);
    assert_eq!(context[2][..3], ["shenzhen", "深圳市", "city"]);
    let info = sheet_rows(&mut book, "填报说明");
    assert!(info.iter().flatten().any(|c| c.contains("填报步骤")));
    let data = sheet_rows(&mut book, "佐证数据");
    assert!(data[0][0].contains("佐证数据填报表"), "title row");
    assert_eq!(
        &data[1][..8],
        &[
            "单位代码",
            "单位名称",
            "单位类型",
            "类别",
            "方阵",
            "上级单位",
            "年初常住人口(人)",
            "年末常住人口(人)"
        ]
    );
    assert!(data[1].contains(&"群众满意率(%)".to_string()));
    assert!(data[1].contains(&"自然增长率责任指标(‰)".to_string()));
    let ids: Vec<&str> = data[2..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        ids,
        [
            "futian",
            "luohu",
            "nanshan",
            "yantian",
            "baoan",
            "longgang",
            "guangming",
            "pingshan"
        ]
    );
    assert_eq!(data[3][3], "特区内", "class by its Chinese name");
    let ledger = sheet_rows(&mut book, "案件台账");
    assert_eq!(
        ledger[0],
        kaohe::template::LEDGER_COLUMNS.map(String::from).to_vec()
    );
    let lists = sheet_rows(&mut book, "选项");
    assert!(
        lists
            .iter()
            .any(|r| r.get(1).is_some_and(|c| c == "政策外多孩生育"))
    );

    // The XML: frozen panes, notes, validation of each kind.
    let sheet = part(&path, "xl/worksheets/sheet3.xml");
    assert!(sheet.contains(r#"state="frozen""#), "frozen header");
    assert!(
        sheet.contains(r#"type="whole" operator="greaterThanOrEqual""#),
        "counts"
    );
    assert!(
        sheet.contains(r#"type="decimal""#) && sheet.contains("<formula2>100</formula2>"),
        "percent 0–100"
    );
    assert!(
        sheet.contains("<formula2>1000</formula2>"),
        "per mille 0–1000"
    );
    assert!(
        sheet.contains(r#"<formula1>"是,否"</formula1>"#),
        "是/否 drop-down"
    );
    assert!(
        sheet.contains(r#"errorStyle="warning""#),
        "numbers ≥ 0 as a warning"
    );
    let notes = part(&path, "xl/comments1.xml");
    assert!(notes.contains("字段代码:births"), "a note per field");
    assert!(
        notes.contains("市领导小组按人口规模和流动人口比重核定的难度系数"),
        "the field's help"
    );
    let ledger_xml = part(&path, "xl/worksheets/sheet4.xml");
    assert!(
        ledger_xml.contains("选项"),
        "case types from the lists sheet"
    );
    assert!(ledger_xml.contains(r#"type="date""#));

    // Read back blank: units, no values, no cases.
    let r = read(std::slice::from_ref(&path));
    assert_eq!(r.units.len(), 9);
    assert!(r.ledger.is_empty());
    assert!(r.units.iter().all(|u| {
        u.values
            .iter()
            .all(|(_, v, _)| *v == read::RawValue::Missing)
    }));
    let ev = bind(&set, r);
    assert_eq!(ev.scored.len(), 8);
}

#[test]
fn a_filled_template_reads_back_exactly_as_typed() {
    let dir = tempfile::tempdir().expect("tmp");
    let set = sz_set();
    // Fill the template's own structure with every value and case of the shipped evidence.
    let filled = kaohe::template::template_xlsx(&set, &yaml_read()).expect("filled");
    let path = dir.path().join("filled.xlsx");
    std::fs::write(&path, &filled).expect("write");
    assert_eq!(
        digest(&bind(&set, read(std::slice::from_ref(&path)))),
        digest(&bind(&set, yaml_read()))
    );
    // The filled workbook is the blank template plus values: same sheets, same headers.
    let blank = kaohe::template::template_xlsx(&set, &kaohe::template::unit_list(yaml_read()))
        .expect("blank");
    let blank_path = dir.path().join("blank.xlsx");
    std::fs::write(&blank_path, &blank).expect("write");
    let (mut a, mut b) = (open_book(&path), open_book(&blank_path));
    assert_eq!(a.sheet_names(), b.sheet_names());
    for (s, header_rows) in [("佐证数据", 2), ("案件台账", 1)] {
        let (ra, rb) = (sheet_rows(&mut a, s), sheet_rows(&mut b, s));
        assert_eq!(ra[..header_rows], rb[..header_rows], "{s} header");
        // 8 districts (the city is on 上级单位); the ledger of fixtures/shenzhen/evidence.yaml.
        assert_eq!(ra.len() - header_rows, if s == "佐证数据" { 8 } else { 36 });
    }
    // Values typed with Excel's percent entry (96.98% → 0.9698 formatted as %) and a date
    // typed as text read as typed.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("佐证数据").expect("n");
    let header = [
        "单位代码",
        "类别",
        "群众满意率(%)",
        "出生人数(人)",
        "成立创建示范区领导小组",
        "备注",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(1, c as u16, *h).expect("h");
    }
    ws.write_string(0, 0, "标题").expect("t");
    ws.write_string(2, 0, "futian").expect("w");
    ws.write_string(2, 1, "特区内").expect("w");
    ws.write_number_with_format(2, 2, 0.9698, &Format::new().set_num_format("0.00%"))
        .expect("w");
    ws.write_number(2, 3, 14210).expect("w");
    ws.write_string(2, 4, "否").expect("w");
    ws.write_number(2, 5, 2011).expect("w");
    let typed = save(&mut wb, dir.path(), "typed.xlsx");
    let ev = bind(&set, read(&[typed]));
    assert_eq!(value(&set, &ev, "futian", "satisfaction"), num("96.98"));
    assert_eq!(value(&set, &ev, "futian", "births"), num("14210"));
    assert_eq!(
        value(&set, &ev, "futian", "has_leading_group"),
        Some(Val::Bool(false))
    );
    assert_eq!(
        ev.units[0].texts[0].1, "2011",
        "a number in a text field is its text"
    );
}

// --------------------------------------------------------------------------------------------
// The Excel scorecard

fn default_assessment() -> kaohe::result::Assessment {
    let set = sz_set();
    kaohe::engine::assess(&set, &bind(&set, yaml_read())).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn the_excel_scorecard_reads_back() {
    let a = default_assessment();
    let bytes = kaohe::output::xlsx::scorecard_xlsx(&a).expect("xlsx");
    assert_eq!(
        bytes,
        kaohe::output::xlsx::scorecard_xlsx(&a).expect("again"),
        "deterministic"
    );
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("scorecard.xlsx");
    std::fs::write(&path, &bytes).expect("write");
    let mut book = open_book(&path);
    assert_eq!(
        book.sheet_names(),
        [
            "排名",
            "特区内方阵",
            "特区外方阵",
            "指标得分",
            "一票否决",
            "案件",
            "说明"
        ]
    );
    let rank = sheet_rows(&mut book, "排名");
    // The title (the set, its version, the period), the header, the units, then the
    // completeness line under the table.
    assert!(rank[0][0].contains(&a.indicator_set.name), "{:?}", rank[0]);
    assert!(
        rank[0][0].contains(&a.indicator_set.version),
        "{:?}",
        rank[0]
    );
    assert!(rank[0][0].contains(&a.period.label), "{:?}", rank[0]);
    let rank = rank[1..].to_vec();
    assert_eq!(&rank[0][..3], &["排名", "单位代码", "单位名称"]);
    assert_eq!(rank[0].last().map(String::as_str), Some("缺少佐证"));
    assert!(rank.len() > a.units.len() + 1);
    assert!(
        rank.last()
            .is_some_and(|r| r.iter().any(|c| c.contains("个单位评分完整"))),
        "completeness line"
    );
    let total_col = rank[0].iter().position(|h| h == "总分").expect("总分");
    let grade_col = rank[0].iter().position(|h| h == "等次").expect("等次");
    let veto_col = rank[0]
        .iter()
        .position(|h| h == "一票否决")
        .expect("一票否决");
    for (row, u) in rank[1..=a.units.len()].iter().zip(&a.units) {
        assert_eq!(row[0], u.rank.map(|r| r.to_string()).unwrap_or_default());
        assert_eq!(row[1], u.id);
        assert_eq!(Some(dec(&row[total_col])), u.total, "{}", u.id);
        assert_eq!(row[grade_col], u.grade_or_status());
        for v in u.vetoes.iter() {
            assert!(row[veto_col].contains(&v.name), "veto rule name");
        }
    }
    let inner = sheet_rows(&mut book, "特区内方阵")[1..].to_vec();
    // The header, the units, a blank row and the completeness line.
    assert_eq!(
        inner.len() - 3,
        a.units
            .iter()
            .filter(|u| u.peer_group.as_deref() == Some("inner"))
            .count()
    );
    assert!(
        inner[1..inner.len() - 2]
            .iter()
            .all(|r| r[3] == "特区内方阵")
    );
    let points = sheet_rows(&mut book, "指标得分")[1..].to_vec();
    let n_items = a.units[0].indicators.len() + a.units[0].bonus_items.len();
    assert_eq!(points[0].len(), 3 + n_items + 2);
    assert_eq!(points.len(), a.units.len() + 1);
    let futian = points.iter().find(|r| r[1] == "futian").expect("futian");
    let first = &a
        .units
        .iter()
        .find(|u| u.id == "futian")
        .expect("u")
        .indicators[0];
    assert_eq!(dec(&futian[3]), first.points);
    let vetoes = sheet_rows(&mut book, "一票否决")[1..].to_vec();
    assert_eq!(
        vetoes.len() - 1,
        a.units.iter().map(|u| u.vetoes.len()).sum::<usize>()
    );
    let cases = sheet_rows(&mut book, "案件")[1..].to_vec();
    assert_eq!(
        cases.len() - 1,
        a.units.iter().map(|u| u.cases.len()).sum::<usize>()
    );
    // Chinese labels, not the evidence's codes: the case type's name, who found it.
    let col = |h: &str| cases[0].iter().position(|x| x == h).expect(h);
    let (ty, finder, item) = (col("案件类型"), col("发现层级"), col("扣分指标"));
    for r in &cases[1..] {
        assert!(!r[ty].is_ascii() || r[ty].is_empty(), "{r:?}");
        for code in ["district", "complaint", "unit", "city", "province"] {
            assert_ne!(r[finder], code, "{r:?}");
        }
        assert!(
            !r[item].starts_with("PG_") && !r[item].starts_with("BZ_"),
            "{r:?}"
        );
    }

    let sheet1 = part(&path, "xl/worksheets/sheet1.xml");
    assert!(sheet1.contains(r#"state="frozen""#), "frozen header");
    assert!(sheet1.contains("<autoFilter"), "autofilter");
    assert!(sheet1.contains("<conditionalFormatting"), "grade colours");
    for g in &a.grades {
        assert!(
            sheet1.contains(&format!("&quot;{}&quot;", g.label))
                || sheet1.contains(&format!("\"{}\"", g.label)),
            "a colour for {}",
            g.label
        );
    }
    let styles = part(&path, "xl/styles.xml");
    assert!(
        styles.contains(r#"formatCode="0.00""#),
        "number format for points"
    );
}

/// Every sheet of the scorecard is set up for printing: A4, one page wide (the points sheet,
/// when too wide, across pages with the unit columns repeated), the title and header rows on
/// every page, page numbers; columns as wide as their contents (dates, 文号, case types).
#[test]
fn the_excel_scorecard_prints() {
    let a = default_assessment();
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("scorecard.xlsx");
    std::fs::write(
        &path,
        kaohe::output::xlsx::scorecard_xlsx(&a).expect("xlsx"),
    )
    .expect("write");
    let names = open_book(&path).sheet_names();
    let workbook = part(&path, "xl/workbook.xml");
    // The width of a 1-based column from the `<col min max width>` elements.
    let col_width = |xml: &str, col: usize| -> f64 {
        let attr = |el: &str, a: &str| -> f64 {
            let key = format!(r#"{a}=""#);
            let rest = &el[el.find(&key).expect("attribute") + key.len()..];
            rest[..rest.find('"').expect("quote")]
                .parse()
                .expect("a number")
        };
        xml.split("<col ")
            .skip(1)
            .map(|el| &el[..el.find('>').expect("end")])
            .find(|el| (attr(el, "min")..=attr(el, "max")).contains(&(col as f64)))
            .map(|el| attr(el, "width"))
            .unwrap_or_else(|| panic!("no width for column {col}"))
    };
    for (i, name) in names.iter().enumerate() {
        let xml = part(&path, &format!("xl/worksheets/sheet{}.xml", i + 1));
        assert!(xml.contains(r#"paperSize="9""#), "{name}: A4\n{xml}");
        assert!(
            xml.contains("&amp;P") && xml.contains("&amp;N"),
            "{name}: page numbers"
        );
        if name != "指标得分" {
            assert!(
                xml.contains(r#"fitToPage="1""#) && xml.contains(r#"fitToHeight="0""#),
                "{name}: one page wide"
            );
        }
        assert!(
            workbook.contains(&format!(r#"name="_xlnm.Print_Titles" localSheetId="{i}""#)),
            "{name}: rows repeated on every page\n{workbook}"
        );
        assert!(xml.contains("<mergeCell "), "{name}: a title row");
        // Sheets are written row by row in constant memory: every row once and in order
        // (rust_xlsxwriter 0.102 repeats a sheet's last row when its height was set, unless
        // the sheet closes it).
        let rows: Vec<u32> = xml
            .split("<row r=\"")
            .skip(1)
            .map(|r| r[..r.find('"').expect("quote")].parse().expect("a row"))
            .collect();
        assert!(
            rows.windows(2).all(|w| w[0] < w[1]),
            "{name}: every row once, in order: {rows:?}"
        );
    }
    // Wrapped reasons make their rows tall while they are written (not only title and header).
    let vetoes = names
        .iter()
        .position(|n| n == "一票否决")
        .expect("一票否决")
        + 1;
    let vetoes = part(&path, &format!("xl/worksheets/sheet{vetoes}.xml"));
    assert!(
        vetoes.matches(r#"customHeight="1""#).count() > 2,
        "tall rows of wrapped text\n{vetoes}"
    );
    // 说明 is portrait and one page wide; the others landscape.
    let about = names.iter().position(|n| n == "说明").expect("说明") + 1;
    let about = part(&path, &format!("xl/worksheets/sheet{about}.xml"));
    assert!(!about.contains("landscape"), "说明 portrait");
    let cases = names.iter().position(|n| n == "案件").expect("案件") + 1;
    let cases = part(&path, &format!("xl/worksheets/sheet{cases}.xml"));
    // Columns (1-based): 案件类型 3, 日期 5, 文号 8.
    assert!(col_width(&cases, 5) >= 11.0, "dates fit, not ###");
    let longest_ref = a
        .units
        .iter()
        .flat_map(|u| &u.cases)
        .filter_map(|c| c.reference.as_ref())
        .map(|r| r.len())
        .max()
        .expect("cases with references") as f64;
    assert!(col_width(&cases, 8) >= longest_ref, "文号 fits");
    let longest_type = a
        .units
        .iter()
        .flat_map(|u| &u.cases)
        .map(|c| unicode_width::UnicodeWidthStr::width(c.type_name.as_str()))
        .max()
        .expect("cases") as f64;
    assert!(
        col_width(&cases, 3) >= longest_type.min(28.0),
        "案件类型 fits"
    );
}

#[test]
fn csv_outputs_keep_the_bom() {
    let a = default_assessment();
    let csv = kaohe::output::scorecard_csv(&a).expect("csv");
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    assert!(
        std::str::from_utf8(&csv[3..])
            .expect("utf-8")
            .starts_with("排名,")
    );
}

// --------------------------------------------------------------------------------------------
// The command line

fn kaohe(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kaohe");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn template_then_assess_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let units = repo().join("fixtures/excel/units.csv");
    let (code, out, err) = kaohe(
        d,
        &[
            "template",
            "--units",
            units.to_str().expect("path"),
            "-o",
            "t.xlsx",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("t.xlsx"));
    assert_eq!(read(&[d.join("t.xlsx")]).units.len(), 9);
    // Converting evidence checks it first: an unknown column is an error, not a lost value.
    std::fs::write(
        d.join("bad.csv"),
        "单位代码,出生人数,不存在的指标\nfutian,1,2\n",
    )
    .expect("w");
    let (code, _, err) = kaohe(
        d,
        &[
            "template",
            "--units",
            "bad.csv",
            "--with-values",
            "-o",
            "bad.xlsx",
        ],
    );
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("unknown field `不存在的指标`"), "{err}");
    assert!(!d.join("bad.xlsx").exists());
    let (code, ..) = kaohe(d, &["template", "-o", "default.xlsx"]);
    assert_eq!(code, 0);
    assert_eq!(
        read(&[d.join("default.xlsx")]).units.len(),
        9,
        "the shipped districts"
    );
    // Assess from the committed workbook: the same scorecard as the embedded default.
    let set = repo().join("indicators/sz-district.yaml");
    let book = repo().join("fixtures/excel/shenzhen.xlsx");
    let (code, out, err) = kaohe(
        d,
        &[
            "assess",
            "-q",
            "-s",
            set.to_str().expect("p"),
            "-o",
            "x",
            book.to_str().expect("p"),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let yaml = repo().join("fixtures/shenzhen/evidence.yaml");
    let (code, ..) = kaohe(
        d,
        &[
            "assess",
            "-q",
            "-s",
            set.to_str().expect("p"),
            "-o",
            "y",
            yaml.to_str().expect("p"),
        ],
    );
    assert_eq!(code, 0);
    let json = |p: &str| {
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(p)).expect("json")).expect("parse");
        v["indicator_set"]["file"] = serde_json::Value::Null;
        v
    };
    assert_eq!(json("x/scorecard.json"), json("y/scorecard.json"));
    let csv = std::fs::read(d.join("x/scorecard.csv")).expect("csv");
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "scorecard.csv has the BOM"
    );
    assert!(d.join("x/scorecard.xlsx").is_file());
    assert!(!d.join("x/scorecard.xlsx.kaohe-tmp").exists());
}

/// Every text cell of a sheet, joined (to look for words).
fn sheet_text(
    book: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> String {
    sheet_rows(book, name)
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn an_english_template_has_english_sheets_and_headings_and_reads_back_alike() {
    use kaohe::lang::Lang;
    let dir = tempfile::tempdir().expect("tmp");
    let set = sz_set();
    let en = |input: &ReadEvidence| {
        kaohe::template::template_xlsx_in(&set, input, Lang::En).expect("english template")
    };
    let blank_path = dir.path().join("blank-en.xlsx");
    std::fs::write(&blank_path, en(&kaohe::template::unit_list(yaml_read()))).expect("write");
    let mut book = open_book(&blank_path);
    let sheets: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible == calamine::SheetVisible::Visible))
        .collect();
    assert_eq!(
        sheets,
        vec![
            ("Instructions".to_string(), true),
            ("Parent units".to_string(), true),
            ("Evidence".to_string(), true),
            ("Cases".to_string(), true),
            ("Lists".to_string(), false),
        ]
    );
    let info = sheet_rows(&mut book, "Instructions");
    assert!(
        info[0][0].ends_with("evidence entry: instructions"),
        "{:?}",
        info[0]
    );
    let info_text = sheet_text(&mut book, "Instructions");
    for words in [
        "How to fill in",
        "Evidence fields",
        "Case types",
        "Dates counted",
        "a whole number, at least 0",
    ] {
        assert!(info_text.contains(words), "{words}: {info_text}");
    }
    assert!(
        info.iter()
            .any(|r| r.first().is_some_and(|c| c == "Period")),
        "the period label's row"
    );
    let context = sheet_rows(&mut book, "Parent units");
    assert!(
        context[0][0].contains("nothing to fill in"),
        "{:?}",
        context[0]
    );
    assert_eq!(context[1][..4], ["id", "name", "kind", "parent"]);
    let data = sheet_rows(&mut book, "Evidence");
    assert!(
        data[0][0].contains("evidence entry form"),
        "title row: {:?}",
        data[0]
    );
    assert_eq!(
        data[1][..7],
        [
            "id",
            "name",
            "kind",
            "class",
            "peer_group",
            "parent",
            "年初常住人口(人)"
        ],
        "the reader's English column names; the set's field names as written"
    );
    assert_eq!(data[3][3], "特区内", "class by its name in the set");
    let ledger = sheet_rows(&mut book, "Cases");
    assert_eq!(
        ledger[0],
        kaohe::template::LEDGER_COLUMNS_EN
            .map(String::from)
            .to_vec()
    );
    assert_eq!(ledger[0][1], "case_type");
    let lists = sheet_rows(&mut book, "Lists");
    assert_eq!(lists[1][0], "Yes");
    // Notes, drop-downs and validation messages in English, none of the Chinese ones.
    let sheet = part(&blank_path, "xl/worksheets/sheet3.xml");
    assert!(
        sheet.contains(r#"<formula1>"Yes,No"</formula1>"#),
        "Yes/No drop-down"
    );
    assert!(
        sheet.contains("Enter a whole number of at least 0."),
        "counts"
    );
    assert!(
        sheet.contains("Enter a percentage between 0 and 100"),
        "percent"
    );
    assert!(!sheet.contains("请"), "no Chinese message");
    let ledger_xml = part(&blank_path, "xl/worksheets/sheet4.xml");
    assert!(
        ledger_xml.contains("'Lists'!"),
        "case types from the lists sheet"
    );
    assert!(
        ledger_xml.contains("'Evidence'!$A$3"),
        "units from the data sheet"
    );
    assert!(ledger_xml.contains("Choose a case type from the drop-down list."));
    let notes = part(&blank_path, "xl/comments1.xml");
    assert!(notes.contains("Field id: births"), "a note per field");
    assert!(notes.contains("Enter: a whole number, at least 0"));
    assert!(
        !notes.contains("字段代码"),
        "no Chinese labels in the notes"
    );

    // Read back blank: the same units as the Chinese template.
    let zh_blank = dir.path().join("blank-zh.xlsx");
    std::fs::write(
        &zh_blank,
        kaohe::template::template_xlsx(&set, &kaohe::template::unit_list(yaml_read())).expect("zh"),
    )
    .expect("write");
    let (back_en, back_zh) = (
        read(std::slice::from_ref(&blank_path)),
        read(std::slice::from_ref(&zh_blank)),
    );
    assert_eq!(
        back_en.period, back_zh.period,
        "the period label comes back"
    );
    assert_eq!(digest(&bind(&set, back_en)), digest(&bind(&set, back_zh)));

    // Filled with every value and case of the shipped evidence (是/否 as Yes/No, dates as
    // dates): exactly the evidence.
    let filled = dir.path().join("filled-en.xlsx");
    std::fs::write(&filled, en(&yaml_read())).expect("write");
    assert_eq!(
        digest(&bind(&set, read(std::slice::from_ref(&filled)))),
        digest(&bind(&set, yaml_read()))
    );
    let mut book = open_book(&filled);
    let cases = sheet_rows(&mut book, "Cases");
    assert!(
        cases[1..].iter().all(|r| r[5] == "Yes" || r[5] == "No"),
        "self_reported as Yes/No"
    );

    // Typed by hand into the English headers: Yes/No, a class by name, a case with Yes.
    let mut wb = Workbook::new();
    let info = wb.add_worksheet();
    info.set_name("Instructions").expect("n");
    info.write_string(0, 0, "Period").expect("w");
    info.write_string(0, 1, "2011 by hand").expect("w");
    let ws = wb.add_worksheet();
    ws.set_name("Evidence").expect("n");
    ws.write_string(0, 0, "evidence entry form").expect("t");
    for (c, h) in ["id", "class", "群众满意率(%)", "成立创建示范区领导小组"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *h).expect("h");
    }
    ws.write_string(2, 0, "futian").expect("w");
    ws.write_string(2, 1, "特区内").expect("w");
    ws.write_number(2, 2, 96.98).expect("w");
    ws.write_string(2, 3, "Yes").expect("w");
    ws.write_string(3, 0, "luohu").expect("w");
    ws.write_string(3, 3, "No").expect("w");
    let ws = wb.add_worksheet();
    ws.set_name("Cases").expect("n");
    for (c, h) in kaohe::template::LEDGER_COLUMNS_EN.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("h");
    }
    ws.write_string(1, 0, "futian").expect("w");
    ws.write_string(1, 1, "政策外多孩生育").expect("w");
    ws.write_number(1, 2, 3).expect("w");
    ws.write_string(1, 3, "2011-05-03").expect("w");
    ws.write_string(1, 5, "Yes").expect("w");
    let typed = save(&mut wb, dir.path(), "typed-en.xlsx");
    let r = read(&[typed]);
    assert_eq!(r.period.as_deref(), Some("2011 by hand"));
    let ev = bind(&set, r);
    assert_eq!(value(&set, &ev, "futian", "satisfaction"), num("96.98"));
    assert_eq!(
        value(&set, &ev, "futian", "has_leading_group"),
        Some(Val::Bool(true))
    );
    assert_eq!(
        value(&set, &ev, "luohu", "has_leading_group"),
        Some(Val::Bool(false))
    );
    let futian = ev.units.iter().find(|u| u.id == "futian").expect("futian");
    assert!(
        !futian.cases.is_empty(),
        "the case typed in English columns"
    );
}

#[test]
fn an_english_template_with_descendant_kinds_round_trips() {
    let set = kaohe::load::load_set_file(&repo().join("indicators/hz-township.yaml"))
        .unwrap_or_else(|d| panic!("{d}"));
    let h = |f: &str| repo().join("fixtures/huizhou").join(f);
    let input = || read(&[h("city.yaml"), h("townships.csv"), h("villages.csv")]);
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("hz-en.xlsx");
    std::fs::write(
        &path,
        kaohe::template::template_xlsx_in(&set, &input(), kaohe::lang::Lang::En).expect("xlsx"),
    )
    .expect("write");
    let names = open_book(&path).sheet_names();
    assert!(
        names.iter().any(|n| n.starts_with("Evidence-")),
        "{names:?}"
    );
    let back = read(std::slice::from_ref(&path));
    assert_eq!(back.period, input().period, "the period label comes back");
    assert_eq!(digest(&bind(&set, back)), digest(&bind(&set, input())));
}

#[test]
fn template_lang_en_then_assess_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let set = repo().join("indicators/sz-district.yaml");
    let yaml = repo().join("fixtures/shenzhen/evidence.yaml");
    let (code, out, err) = kaohe(
        d,
        &[
            "template",
            "--lang",
            "en",
            "-s",
            set.to_str().expect("p"),
            "--units",
            yaml.to_str().expect("p"),
            "--with-values",
            "-o",
            "en.xlsx",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("wrote the evidence-entry workbook en.xlsx (9 units,"),
        "{out}"
    );
    let (code, out, err) = kaohe(d, &["template", "--lang", "en", "-o", "default-en.xlsx"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("using the built-in default indicator set"),
        "{err}"
    );
    let mut book = open_book(&d.join("default-en.xlsx"));
    assert_eq!(sheet_rows(&mut book, "Evidence")[1][0], "id");
    // check and assess read the filled English workbook as they read the YAML it came from.
    let (code, out, err) = kaohe(d, &["check", "-s", set.to_str().expect("p"), "en.xlsx"]);
    assert_eq!(code, 0, "{out}{err}");
    for (o, input) in [("x", "en.xlsx"), ("y", yaml.to_str().expect("p"))] {
        let (code, out, err) = kaohe(
            d,
            &[
                "assess",
                "-q",
                "-s",
                set.to_str().expect("p"),
                "-o",
                o,
                input,
            ],
        );
        assert_eq!(code, 0, "{out}{err}");
    }
    let json = |p: &str| {
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(p)).expect("json")).expect("parse");
        v["indicator_set"]["file"] = serde_json::Value::Null;
        v
    };
    assert_eq!(json("x/scorecard.json"), json("y/scorecard.json"));
    assert_eq!(
        std::fs::read(d.join("x/scorecard.csv")).expect("csv"),
        std::fs::read(d.join("y/scorecard.csv")).expect("csv")
    );
}

// --------------------------------------------------------------------------------------------
// LibreOffice

fn soffice() -> Option<&'static str> {
    ["soffice", "libreoffice"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn convert(office: &str, file: &Path, to: &str, outdir: &Path) -> PathBuf {
    let profile = outdir.join("profile");
    let status = Command::new(office)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", to, "--outdir"])
        .arg(outdir)
        .arg(file)
        .output()
        .expect("run LibreOffice");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let ext = to.split(':').next().unwrap_or(to);
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("out");
    outdir.join(format!("{stem}.{ext}"))
}

#[test]
fn libreoffice_opens_the_scorecard_and_the_template() {
    let Some(office) =
        crate::support::tool(soffice(), "LibreOffice (soffice)", "libreoffice-calc-nogui")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let a = default_assessment();
    let path = dir.path().join("scorecard.xlsx");
    std::fs::write(
        &path,
        kaohe::output::xlsx::scorecard_xlsx(&a).expect("xlsx"),
    )
    .expect("write");
    // The first sheet as UTF-8 CSV: the ranked table as written.
    let csv = convert(
        office,
        &path,
        "csv:Text - txt - csv (StarCalc):44,34,76,1",
        dir.path(),
    );
    let text = std::fs::read_to_string(&csv).expect("csv");
    let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("record"))
        .collect();
    assert!(rows.len() > a.units.len() + 2, "{text}");
    assert!(rows[0][0].contains(&a.indicator_set.name), "the title row");
    assert_eq!(
        &rows[1].iter().take(3).collect::<Vec<_>>(),
        &["排名", "单位代码", "单位名称"]
    );
    for (row, u) in rows[2..=a.units.len() + 1].iter().zip(&a.units) {
        assert_eq!(
            row[0],
            u.rank.map(|r| r.to_string()).unwrap_or_default(),
            "{text}"
        );
        assert_eq!(row[1], u.id);
        assert_eq!(row[2], u.name);
        assert_eq!(Some(dec(&row[9])), u.total);
        assert_eq!(&row[12], u.grade_or_status());
    }
    let pdf = convert(office, &path, "pdf", dir.path());
    let bytes = std::fs::read(&pdf).expect("pdf");
    assert!(bytes.starts_with(b"%PDF") && bytes.len() > 5000);
    // A filled template saved by LibreOffice as .ods reads back the same.
    let set = sz_set();
    let filled = dir.path().join("filled.xlsx");
    std::fs::write(
        &filled,
        kaohe::template::template_xlsx(&set, &yaml_read()).expect("t"),
    )
    .expect("write");
    let ods = convert(office, &filled, "ods", dir.path());
    assert_eq!(
        digest(&bind(&set, read(&[ods]))),
        digest(&bind(&set, yaml_read()))
    );
}

#[test]
fn a_set_with_descendant_kinds_gets_a_sheet_per_kind_and_round_trips() {
    let set = kaohe::load::load_set_file(&repo().join("indicators/hz-township.yaml"))
        .unwrap_or_else(|d| panic!("{d}"));
    let h = |f: &str| repo().join("fixtures/huizhou").join(f);
    let input = || read(&[h("city.yaml"), h("townships.csv"), h("villages.csv")]);
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("hz.xlsx");
    std::fs::write(
        &path,
        kaohe::template::template_xlsx(&set, &input()).expect("xlsx"),
    )
    .expect("write");
    let book = open_book(&path);
    let names = book.sheet_names();
    assert!(
        names.iter().any(|n| n.starts_with("佐证数据-")),
        "{names:?}"
    );
    let back = read(std::slice::from_ref(&path));
    assert_eq!(back.period, input().period, "the period label comes back");
    assert_eq!(digest(&bind(&set, back)), digest(&bind(&set, input())));
}

#[test]
fn layered_values_get_a_column_per_layer_and_round_trip() {
    // The shipped set takes births from the year-end survey, else the self-report.
    let set = kaohe::load::load_set_file(&repo().join("indicators/sz-district.yaml"))
        .unwrap_or_else(|d| panic!("{d}"));
    let yaml = yaml_read().units;
    let input = || ReadEvidence {
        units: yaml.clone(),
        ..ReadEvidence::default()
    };
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("layered.xlsx");
    std::fs::write(
        &path,
        kaohe::template::template_xlsx(&set, &input()).expect("xlsx"),
    )
    .expect("write");
    let mut book = open_book(&path);
    let header = &sheet_rows(&mut book, "佐证数据")[1];
    assert!(
        header.contains(&"出生人数(人)@年终抽样调查".to_string()),
        "{header:?}"
    );
    let ev = bind(&set, read(std::slice::from_ref(&path)));
    assert_eq!(
        value(&set, &ev, "futian", "births"),
        num("14210"),
        "survey wins over the self-report 14075"
    );
    assert_eq!(digest(&ev), digest(&bind(&set, input())));
}

#[test]
fn ledger_reported_verified_and_amount_columns() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("ledger.csv");
    std::fs::write(
        &p,
        "案件台账,,,,,\n单位代码,案件类型,日期,上报日期,是否查实,金额\nfutian,late_report,2011-03-01,2011/6/1,否,1200.5\nfutian,miss_birth,,,,\n小计,,,,,1200.5\n",
    )
    .expect("write");
    let r = read(&[p]);
    assert_eq!(r.ledger.len(), 2);
    let (_, c, _) = &r.ledger[0];
    assert_eq!(
        c.reported.map(|d| d.to_string()).as_deref(),
        Some("2011-06-01")
    );
    assert_eq!(c.verified, Some(false));
    assert_eq!(c.amount, Some(dec("1200.5")));
    let (_, c, _) = &r.ledger[1];
    assert_eq!((c.reported, c.verified, c.amount), (None, None, None));
}
