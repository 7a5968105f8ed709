//! Writing results: scorecard JSON and CSV, the terminal table, atomic file writes.

pub mod xlsx;

use crate::num::{show, show_known};
use crate::result::Assessment;
use rust_decimal::Decimal;
use std::io::Write;
use std::path::{Path, PathBuf};
use unicode_width::UnicodeWidthStr;

/// Errors while writing outputs.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode {what}: {message}")]
    Encode { what: &'static str, message: String },
}

/// Write `bytes` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".kaohe-tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// The scorecard JSON: the header pretty-printed, then one unit per line (compact), so
/// files stay readable and diffable and large runs stay small. Units are serialised in
/// parallel and joined in rank order, so the bytes do not depend on the thread count.
pub fn scorecard_json(a: &Assessment) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::new();
    write_scorecard_json(&mut out, a).map_err(|e| match e {
        WriteError::Io { source, .. } => WriteError::Encode {
            what: "scorecard.json",
            message: source.to_string(),
        },
        other => other,
    })?;
    Ok(out)
}

/// Units serialised at a time: bounds memory on large runs while keeping both cores busy.
const JSON_CHUNK: usize = 2048;

/// Stream the scorecard JSON into `w`, serialising a chunk of units in parallel at a time.
pub fn write_scorecard_json(w: &mut dyn Write, a: &Assessment) -> Result<(), WriteError> {
    use rayon::prelude::*;
    let enc = |e: serde_json::Error| WriteError::Encode {
        what: "scorecard.json",
        message: e.to_string(),
    };
    let io = |source| WriteError::Io {
        path: PathBuf::from("scorecard.json"),
        source,
    };
    let header = Assessment {
        units: Vec::new(),
        ..a.clone_header()
    };
    let head = serde_json::to_string_pretty(&header).map_err(enc)?;
    let Some(prefix) = head.strip_suffix("\"units\": []\n}") else {
        return Err(WriteError::Encode {
            what: "scorecard.json",
            message: "`units` must be the last field of the scorecard".into(),
        });
    };
    w.write_all(prefix.as_bytes()).map_err(io)?;
    w.write_all(b"\"units\": [").map_err(io)?;
    let mut first = true;
    for chunk in a.units.chunks(JSON_CHUNK) {
        let parts: Vec<Vec<u8>> = chunk
            .par_iter()
            .map(serde_json::to_vec)
            .collect::<Result<_, _>>()
            .map_err(enc)?;
        for u in parts {
            w.write_all(if first { b"\n    " } else { b",\n    " })
                .map_err(io)?;
            w.write_all(&u).map_err(io)?;
            first = false;
        }
    }
    w.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })
        .map_err(io)?;
    Ok(())
}

/// Write a file atomically from a writer callback: a temporary file beside it, then a rename.
pub fn write_atomic_with(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".kaohe-tmp");
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(io)?;
        let mut buf = std::io::BufWriter::with_capacity(1 << 20, file);
        f(&mut buf)?;
        let file = buf.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// The scorecard CSV: UTF-8 with a BOM so that Excel opens it correctly.
pub fn scorecard_csv(a: &Assessment) -> Result<Vec<u8>, WriteError> {
    let enc = |e: csv::Error| WriteError::Encode {
        what: "scorecard.csv",
        message: e.to_string(),
    };
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let mut header: Vec<String> = ["排名", "单位代码", "单位名称", "方阵", "方阵排名"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for l in &a.lines {
            header.push(format!("{}({})", l.name, show(l.max)));
        }
        header.extend(
            [
                "加分",
                "总分",
                "满分",
                "折算得分",
                "等次",
                "一票否决",
                "状态",
                "缺少佐证",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        w.write_record(&header).map_err(enc)?;
        for u in &a.units {
            let peer = u
                .peer_group
                .as_ref()
                .and_then(|p| a.peer_groups.iter().find(|g| &g.id == p))
                .map(|g| g.name.clone())
                .unwrap_or_default();
            let mut row = vec![
                u.rank.map(|r| r.to_string()).unwrap_or_default(),
                u.id.clone(),
                u.name.clone(),
                peer,
                u.peer_rank.map(|r| r.to_string()).unwrap_or_default(),
            ];
            // A withheld figure is an empty cell, never 0; the status column says why.
            let known = |d: Option<Decimal>| d.map(show).unwrap_or_default();
            for l in &u.lines {
                row.push(known(l.points));
            }
            row.push(known(u.bonus));
            row.push(known(u.total));
            row.push(show(u.max_possible));
            row.push(known(u.score));
            row.push(u.grade.clone().unwrap_or_default());
            row.push(veto_summary(u));
            row.push(u.status.zh().to_string());
            row.push(missing_summary(u));
            w.write_record(&row).map_err(enc)?;
        }
        w.flush().map_err(|e| WriteError::Encode {
            what: "scorecard.csv",
            message: e.to_string(),
        })?;
    }
    Ok(out)
}

/// "V1 统计数据弄虚作假; (提示) V9 …; (待核实) V3 …" — enforced, advisory marked, undecided
/// marked.
pub fn veto_summary(u: &crate::result::UnitResult) -> String {
    u.vetoes
        .iter()
        .map(|v| {
            if v.outcome == crate::result::VetoOutcome::Undecided {
                format!("(待核实) {} {}", v.id, v.name)
            } else if v.applied {
                format!("{} {}", v.id, v.name)
            } else {
                format!("(提示) {} {}", v.id, v.name)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The fields a unit lacks, by display name: "出生人口数(births)、…".
pub fn missing_summary(u: &crate::result::UnitResult) -> String {
    u.missing_fields()
        .iter()
        .map(|(id, name)| format!("{name}({id})"))
        .collect::<Vec<_>>()
        .join("、")
}

/// How many units are complete, and how many are not, by status: "1,237 of 1,244 个单位完整;
/// 7 个待补充" — one line for the table, the index and the workbook.
pub fn completeness_line(a: &Assessment) -> String {
    use crate::result::UnitStatus;
    let count = |s: UnitStatus| a.units.iter().filter(|u| u.status == s).count();
    let complete = count(UnitStatus::Complete);
    let mut line = format!(
        "{} / {} 个单位评分完整",
        thousands(complete),
        thousands(a.units.len())
    );
    for s in [
        UnitStatus::Incomplete,
        UnitStatus::Pending,
        UnitStatus::NoEvidence,
    ] {
        let n = count(s);
        if n > 0 {
            line.push_str(&format!(";{} 个{}", thousands(n), s.zh()));
        }
    }
    line
}

/// A count with thousands separators (`1,244`).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let w = UnicodeWidthStr::width(s);
    let fill = " ".repeat(width.saturating_sub(w));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// The ranked table printed in the terminal.
pub fn terminal_table(a: &Assessment) -> String {
    let mut header: Vec<String> = vec!["排名".into(), "单位".into(), "方阵".into()];
    for l in &a.lines {
        header.push(l.name.clone());
    }
    header.extend(
        ["加分", "总分", "等次", "一票否决"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    for u in &a.units {
        let peer = u
            .peer_group
            .as_ref()
            .and_then(|p| a.peer_groups.iter().find(|g| &g.id == p))
            .map(|g| match u.peer_rank {
                Some(r) => format!("{} {r}", g.name),
                None => g.name.clone(),
            })
            .unwrap_or_default();
        // Units without a rank are listed after the ranked ones with their status as marker.
        let rank = u
            .rank
            .map_or_else(|| u.status.zh().to_string(), |r| r.to_string());
        let mut row = vec![rank, u.name.clone(), peer];
        for l in &u.lines {
            row.push(show_known(l.points));
        }
        row.push(show_known(u.bonus));
        row.push(if u.max_possible != a.indicator_set.scale {
            format!("{}/{}", show_known(u.total), show(u.max_possible))
        } else {
            show_known(u.total)
        });
        row.push(u.grade_or_status().to_string());
        let mut vetoes = veto_summary(u);
        let missing = missing_summary(u);
        if !missing.is_empty() {
            if !vetoes.is_empty() {
                vetoes.push_str("; ");
            }
            vetoes.push_str(&format!("缺:{missing}"));
        }
        row.push(vetoes);
        rows.push(row);
    }
    let n = header.len();
    let mut widths = vec![0usize; n];
    for r in std::iter::once(&header).chain(rows.iter()) {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(UnicodeWidthStr::width(c.as_str()));
        }
    }
    let numeric = |i: usize| i == 0 || (i >= 3 && i < n - 2);
    let mut out = String::new();
    out.push_str(&format!(
        "{} {} (版本 {}) · {} · {}个单位\n",
        a.indicator_set.name,
        a.indicator_set.id,
        a.indicator_set.version,
        a.period.label,
        a.units.len()
    ));
    let line = |r: &Vec<String>| -> String {
        r.iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths[i], numeric(i)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    out.push_str(&line(&header));
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (n - 1)));
    out.push('\n');
    for r in &rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out.push_str(&completeness_line(a));
    out.push('\n');
    out
}
