//! Issue 13: nothing lost, nothing written outside the output folder, outputs that do not
//! attack their readers. Each test runs the real binary in a temporary folder and checks what
//! the folder holds afterwards.

use crate::support::{Kaohe, repo};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file and folder under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            out.push(rel);
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn repo_path(rel: &str) -> String {
    repo().join(rel).display().to_string()
}

/// The shipped street set with another id, written into `dir`.
fn street_set_with_id(dir: &Path, id: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("indicators/sz-street.yaml")).expect("set");
    let text = text.replacen("\nid: sz-street\n", &format!("\nid: {id}\n"), 1);
    let path = dir.join("street.yaml");
    std::fs::write(&path, text).expect("write set");
    path
}

#[test]
fn concurrent_runs_into_one_folder_leave_one_whole_scorecard() {
    let reference = Kaohe::new().args(["assess", "-q"]).run();
    reference.success();
    let want = reference.read("out/scorecard.json");
    let dir = tempfile::tempdir().expect("temp dir");
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_kaohe"))
                .args(["assess", "-q", "-o", "out"])
                .current_dir(dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn kaohe")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success());
    }
    let got = std::fs::read(dir.path().join("out/scorecard.json")).expect("scorecard.json");
    assert!(got == want, "concurrent runs corrupted scorecard.json");
    let left: Vec<String> = tree(dir.path())
        .into_iter()
        .filter(|p| p.ends_with(".kaohe-tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// `-o .` (or `..`, or a folder holding the evidence or the set) is never replaced, with or
/// without `--force`: in a project folder `kaohe init` wrote, whose manifest lists the set and
/// the evidence as kaohe's, a whole-folder publication would have removed them.
#[test]
fn the_current_folder_or_one_holding_the_inputs_is_never_an_output_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("project");
    let kaohe = |cwd: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kaohe"))
            .args(args)
            .current_dir(cwd)
            .output()
            .expect("run kaohe")
    };
    assert!(kaohe(dir.path(), &["init", "project"]).status.success());
    std::fs::write(project.join("notes.txt"), "mine").expect("notes");
    std::fs::create_dir_all(project.join("keep/empty")).expect("empty folder");
    let before = tree(&project);
    let set = "indicators/sz-district.yaml";
    let evidence = "fixtures/shenzhen/evidence.yaml";
    for (cwd, args, says) in [
        (
            project.clone(),
            vec!["assess", "-q", "-o", "."],
            "is the current folder",
        ),
        (
            project.clone(),
            vec!["assess", "-q", "-o", ".", "--force"],
            "is the current folder",
        ),
        (
            project.join("keep"),
            vec![
                "assess",
                "-q",
                "-o",
                "..",
                "--force",
                "-s",
                "../indicators/sz-district.yaml",
                "../fixtures/shenzhen/evidence.yaml",
            ],
            "is the current folder or holds it",
        ),
        (
            project.clone(),
            vec![
                "assess", "-q", "-o", "fixtures", "--force", "-s", set, evidence,
            ],
            "holds fixtures/shenzhen/evidence.yaml, read by this run",
        ),
        (
            dir.path().to_path_buf(),
            vec![
                "assess",
                "-q",
                "-o",
                "project",
                "--force",
                "-s",
                "project/indicators/sz-district.yaml",
                "project/fixtures/shenzhen/evidence.yaml",
            ],
            "holds project/indicators/sz-district.yaml, read by this run",
        ),
    ] {
        let run = kaohe(&cwd, &args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(65), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(stderr.contains("-o out"), "{stderr}");
        assert_eq!(tree(&project), before, "{args:?}: nothing changed");
        assert_eq!(
            tree(dir.path())
                .iter()
                .filter(|p| !p.starts_with("project"))
                .count(),
            0,
            "{args:?}: nothing beside"
        );
    }
    // A folder of its own, in the project: written, and nothing else touched.
    assert!(
        kaohe(&project, &["assess", "-q", "-o", "out"])
            .status
            .success()
    );
    assert_eq!(
        tree(&project)
            .into_iter()
            .filter(|p| p != "out" && !p.starts_with("out/"))
            .collect::<Vec<_>>(),
        before
    );
}

#[cfg(unix)]
#[test]
fn a_planted_symlink_is_never_written_through() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("temp dir");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep").expect("victim");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out");
    // The old predictable temporary name, and the target itself.
    symlink(&victim, out.join("scorecard.json.kaohe-tmp")).expect("link");
    symlink(&victim, out.join("scorecard.csv")).expect("link");
    let run = |force: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kaohe"));
        c.args(["assess", "-q", "-o", "out"]);
        if force {
            c.arg("--force");
        }
        c.current_dir(dir.path()).output().expect("run kaohe")
    };
    // Files kaohe did not write: refused, untouched.
    let refused = run(false);
    assert_eq!(refused.status.code(), Some(65), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep");
    // Forced: the run's own files replace the links; the other link is kept as a link.
    let run = run(true);
    assert!(run.status.success(), "{run:?}");
    assert!(
        std::fs::symlink_metadata(out.join("scorecard.json.kaohe-tmp"))
            .expect("kept")
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep");
    let csv = std::fs::symlink_metadata(out.join("scorecard.csv")).expect("csv");
    assert!(
        csv.file_type().is_file(),
        "the link is replaced by the file"
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_folder_inside_the_output_folder_is_refused() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("temp dir");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("elsewhere");
    std::fs::create_dir(dir.path().join("out")).expect("out");
    symlink(&elsewhere, dir.path().join("out/units")).expect("link");
    let run = |force: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kaohe"));
        c.args(["assess", "-q", "-o", "out"]);
        if force {
            c.arg("--force");
        }
        c.current_dir(dir.path()).output().expect("run kaohe")
    };
    let refused = run(false);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(65), "{stderr}");
    assert!(stderr.contains("kaohe did not write (units)"), "{stderr}");
    assert!(tree(&elsewhere).is_empty(), "{:?}", tree(&elsewhere));
    // Forced: the run's folder is a new folder of its own, never the linked one.
    let forced = run(true);
    assert!(forced.status.success(), "{forced:?}");
    assert!(tree(&elsewhere).is_empty(), "{:?}", tree(&elsewhere));
    assert!(
        std::fs::symlink_metadata(dir.path().join("out/units"))
            .expect("units")
            .is_dir()
    );
}

#[test]
fn a_level_set_whose_id_is_not_a_folder_name_is_an_error_and_nothing_is_written() {
    for id in ["..", ".", "'../x'", "/tmp", "'a/b'", "''"] {
        let k = Kaohe::new();
        let run_dir = tempfile::tempdir().expect("temp dir");
        let set = street_set_with_id(run_dir.path(), id);
        let run = k
            .args(["assess", "-q", "-s"])
            .repo_arg("indicators/sz-district.yaml")
            .arg("-l")
            .arg(set.display().to_string())
            .arg(repo_path("fixtures/shenzhen/evidence.yaml"))
            .arg(repo_path("fixtures/shenzhen/streets.yaml"))
            .args(["-o", "out/inner"])
            .run();
        assert_eq!(run.code, 65, "{id}: {}", run.stderr);
        // `/` is refused by the loader (set ids are letters, digits, `_`, `-`, `.`); `..` by
        // the run, whose level sets name folders.
        assert!(run.stderr.contains("set id"), "{}", run.stderr);
        assert!(tree(&run.dir).is_empty(), "{id}: {:?}", tree(&run.dir));
        assert_eq!(tree(run_dir.path()), ["street.yaml"]);
        if id == ".." {
            let text = run
                .stderr
                .replace(&set.display().to_string(), "street.yaml");
            insta::assert_snapshot!("level_set_id_dotdot", text);
        }
    }
}

#[test]
fn self_assess_under_encodes_unit_ids_into_names_inside_the_output_folder() {
    let text =
        std::fs::read_to_string(repo().join("fixtures/shenzhen/evidence.yaml")).expect("evidence");
    let text = text
        .replacen("id: luohu\n", "id: \"../escaped\"\n", 1)
        .replacen("id: futian\n", "id: /tmp/kaohe-absolute\n", 1);
    let run = Kaohe::new()
        .with_file("ev.yaml", text.as_bytes())
        .args(["self-assess", "shenzhen", "--under", "-s"])
        .repo_arg("indicators/sz-district.yaml")
        .args(["ev.yaml", "-o", "out/in"])
        .run();
    run.success();
    let all = tree(&run.dir);
    assert!(
        all.iter()
            .all(|p| p == "ev.yaml" || p == "out" || p.starts_with("out/in")),
        "{all:?}"
    );
    assert!(
        all.contains(&"out/in/~2e.~2fescaped-self-assessment.html".to_string()),
        "{all:?}"
    );
    assert!(
        all.contains(&"out/in/~2ftmp~2fkaohe-absolute-self-assessment.html".to_string()),
        "{all:?}"
    );
    assert!(!Path::new("/tmp/kaohe-absolute-self-assessment.html").exists());
}

/// A one-unit CSV for `fixtures/invalid/base/set.yaml`.
fn base_csv(id: &str, name: &str) -> String {
    let q = |s: &str| s.replace('"', "\"\"");
    format!(
        "id,name,births,policy_births,has_plan,rate\n\"{}\",\"{}\",100,96,是,90\n",
        q(id),
        q(name)
    )
}

#[test]
fn long_unit_ids_get_file_names_within_255_bytes() {
    let ids = [
        "a".repeat(300),
        "深".repeat(30),
        "A".repeat(90),
        format!("{}x", "B".repeat(120)),
    ];
    for id in ids {
        let run = Kaohe::new()
            .with_file("ev.csv", base_csv(&id, "长代码单位").as_bytes())
            .args(["assess", "-q", "-s"])
            .repo_arg("fixtures/invalid/base/set.yaml")
            .args(["ev.csv", "-o", "out"])
            .run();
        run.success();
        let units = tree(&run.dir.join("out/units"));
        assert_eq!(units.len(), 1, "{units:?}");
        assert!(units[0].len() <= 255, "{}", units[0].len());
        let json: serde_json::Value =
            serde_json::from_slice(&run.read("out/scorecard.json")).expect("json");
        assert_eq!(json["units"][0]["id"], id.as_str());
    }
}

#[test]
fn a_field_given_twice_is_an_error_and_nothing_is_written() {
    for f in ["ev-field-twice.csv", "ev-field-twice.yaml"] {
        let run = Kaohe::new()
            .args(["assess", "-q", "-s"])
            .repo_arg("fixtures/invalid/base/set.yaml")
            .repo_arg(&format!("fixtures/invalid/{f}"))
            .run();
        assert_eq!(run.code, 65, "{}", run.stderr);
        assert!(run.stderr.contains("given twice"), "{}", run.stderr);
        assert!(tree(&run.dir).is_empty(), "{:?}", tree(&run.dir));
    }
}

#[test]
fn a_name_longer_than_an_excel_cell_is_cut_in_the_workbook_only() {
    let name = "名".repeat(40_000);
    let run = Kaohe::new()
        .with_file("ev.csv", base_csv("futian", &name).as_bytes())
        .args(["assess", "-q", "-s"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .args(["ev.csv", "-o", "out"])
        .run();
    run.success();
    let json: serde_json::Value =
        serde_json::from_slice(&run.read("out/scorecard.json")).expect("json");
    assert_eq!(json["units"][0]["name"], name.as_str());
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(run.dir.join("out/scorecard.xlsx")).expect("xlsx");
    use calamine::Reader as _;
    let sheet = wb.worksheet_range("排名").expect("sheet");
    let cell = sheet
        .rows()
        .flat_map(|r| r.iter())
        .map(|c| c.to_string())
        .find(|c| c.starts_with("名名"))
        .expect("the name cell");
    assert!(cell.encode_utf16().count() <= 32_767);
    assert!(cell.ends_with(kaohe::output::CUT_NOTE));
}

#[test]
fn csv_cells_are_not_formulas_and_names_cannot_drive_the_terminal() {
    let evil = "=HYPERLINK(\"http://x\")\u{1b}[31m红\u{1b}[0m";
    let run = Kaohe::new()
        .with_file("ev.csv", base_csv("futian", evil).as_bytes())
        .args(["assess", "-s"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .args(["ev.csv", "-o", "out"])
        .run();
    run.success();
    let csv = String::from_utf8(run.read("out/scorecard.csv")).expect("utf-8");
    let row = csv.lines().nth(1).expect("a row");
    assert!(row.contains(",\"'=HYPERLINK(\"\"http://x\"\")"), "{row}");
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(run.stdout.contains("\\u001B[31m"), "{}", run.stdout);
    // Ids in error messages are shown the same way.
    let run = Kaohe::new()
        .with_file(
            "ev.csv",
            b"id,name,births,policy_births,has_plan,rate,bad\x1b[2J\nfutian,x,1,1,1,1,1\n",
        )
        .args(["assess", "-s"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .args(["ev.csv", "-o", "out"])
        .run();
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
}

#[test]
fn latin1_evidence_is_read_when_said_and_refused_when_not() {
    let refused = Kaohe::new()
        .args(["assess", "-q", "-s"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .repo_arg("fixtures/invalid/ev-latin1.csv")
        .run();
    assert_eq!(refused.code, 65, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--encoding latin1"),
        "{}",
        refused.stderr
    );
    assert!(tree(&refused.dir).is_empty());
    let read = Kaohe::new()
        .args(["assess", "-q", "--encoding", "latin1", "-s"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .repo_arg("fixtures/invalid/ev-latin1.csv")
        .run();
    read.success();
    let json: serde_json::Value =
        serde_json::from_slice(&read.read("out/scorecard.json")).expect("json");
    assert_eq!(json["units"][0]["name"], "Zürich Süd");
}

#[test]
fn template_units_with_an_unknown_class_are_an_error() {
    let run = Kaohe::new()
        .args(["template", "-s"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .arg("-u")
        .repo_arg("fixtures/invalid/ev-unknown-class.csv")
        .run();
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown class `nowhere`"),
        "{}",
        run.stderr
    );
    assert!(tree(&run.dir).is_empty(), "{:?}", tree(&run.dir));
}

#[cfg(unix)]
#[test]
fn pipes_and_devices_are_refused_without_reading() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("pipe.csv");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let mut inputs = vec!["/dev/zero".to_string()];
    if made.is_ok_and(|s| s.success()) {
        inputs.push(fifo.display().to_string());
    }
    for input in inputs {
        let start = std::time::Instant::now();
        let run = Kaohe::new()
            .args(["assess", "-q", "-s"])
            .repo_arg("fixtures/invalid/base/set.yaml")
            .arg(&input)
            .run();
        assert_eq!(run.code, 65, "{input}: {}", run.stderr);
        assert!(
            run.stderr.contains("not a regular file"),
            "{input}: {}",
            run.stderr
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        assert!(tree(&run.dir).is_empty());
    }
}

/// A workbook for `fixtures/invalid/base/set.yaml` with one unit and one more real cell at
/// `far` (e.g. `XFD1048576`), written by rust_xlsxwriter and, for addresses it refuses
/// (`XFE1`), renamed in the sheet's XML.
fn far_cell_workbook(far: &str) -> Vec<u8> {
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["id", "name", "births", "policy_births", "has_plan", "rate"],
        ["futian", "福田区", "100", "96", "是", "90"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).expect("cell");
        }
    }
    ws.write_string(1_048_575, 16_383, "far").expect("far cell");
    let bytes = wb.save_to_buffer().expect("xlsx");
    if far == "XFD1048576" {
        return bytes;
    }
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("entry");
        let name = f.name().expect("entry name").to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).expect("read entry");
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(data).expect("xml");
            data = xml
                .replace("XFD1048576", far)
                .replace("r=\"1048576\"", &format!("r=\"{}\"", &far[3..]))
                .replace("A1:XFD1048576", &format!("A1:{far}"))
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        std::io::Write::write_all(&mut out, &data).expect("write entry");
    }
    out.finish().expect("zip").into_inner()
}

#[test]
fn a_real_cell_at_the_last_cell_of_a_sheet_is_read_sparsely() {
    for far in ["XFD1048576", "XFE1"] {
        let start = std::time::Instant::now();
        let run = Kaohe::new()
            .with_file("far.xlsx", &far_cell_workbook(far))
            .args(["assess", "-q", "-s"])
            .repo_arg("fixtures/invalid/base/set.yaml")
            .args(["far.xlsx", "-o", "out"])
            .run();
        assert_eq!(run.code, 65, "{far}: {}", run.stderr);
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
        assert!(!run.dir.join("out").exists());
        insta::assert_snapshot!(format!("far_cell_{far}"), run.stderr);
    }
}

#[test]
fn verify_says_whether_a_folder_is_what_kaohe_wrote() {
    let run = Kaohe::new().args(["assess", "-q"]).run();
    run.success();
    let verify = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_kaohe"))
            .args(["verify", "out"])
            .current_dir(dir)
            .output()
            .expect("run kaohe")
    };
    let ok = verify(&run.dir);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&run.read("out/manifest.json")).expect("json");
    assert_eq!(manifest["schema"], "kaohe.manifest/1");
    assert_eq!(manifest["sets"][0]["id"], "sz-district");
    assert_eq!(manifest["evidence"].as_array().map(Vec::len), Some(2));
    let files = manifest["files"].as_array().cloned().unwrap_or_default();
    assert!(
        files
            .iter()
            .any(|f| f["path"] == "sz-street/scorecard.json")
    );
    std::fs::write(run.dir.join("out/units/futian.html"), "changed").expect("change");
    let bad = verify(&run.dir);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    assert!(String::from_utf8_lossy(&bad.stdout).contains("units/futian.html"));
}

/// Random delays in `0..max` (a small LCG seeded by the clock; printed on failure).
fn random_delays(n: usize, max: std::time::Duration) -> (u64, Vec<std::time::Duration>) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut x = seed;
    let max_us = max.as_micros().max(1) as u64;
    let delays = (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            std::time::Duration::from_micros((x >> 33) % max_us)
        })
        .collect();
    (seed, delays)
}

/// `kill -9` at random moments of `assess` over an earlier run's folder: afterwards the folder
/// is always one whole generation, the old or the new, that `kaohe verify` accepts; nothing is
/// left beside it once the next run has started.
#[cfg(unix)]
#[test]
fn a_killed_assess_leaves_the_old_folder_or_the_new_one_never_a_mix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kaohe = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kaohe"));
        c.current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let verify = || {
        kaohe()
            .args(["verify", "out"])
            .status()
            .expect("verify")
            .code()
    };
    let started = std::time::Instant::now();
    assert!(
        kaohe()
            .args(["assess", "-q"])
            .status()
            .expect("run")
            .success()
    );
    let whole = started.elapsed();
    let first = std::fs::read(dir.path().join("out/manifest.json")).expect("manifest");
    let (seed, delays) = random_delays(10, whole * 2);
    for ms in delays {
        let mut child = kaohe().args(["assess", "-q"]).spawn().expect("spawn");
        std::thread::sleep(ms);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            verify(),
            Some(0),
            "seed {seed}: killed after {ms:?}: the folder is not one whole generation"
        );
        // The same inputs: the same manifest, whichever generation is there.
        assert_eq!(
            std::fs::read(dir.path().join("out/manifest.json")).expect("manifest"),
            first
        );
    }
    assert!(
        kaohe()
            .args(["assess", "-q"])
            .status()
            .expect("run")
            .success()
    );
    assert_eq!(verify(), Some(0));
    assert_eq!(tree(dir.path()), tree_of_one_run(dir.path()));
}

/// The names a finished run leaves in `dir`: `out` and what it holds, nothing beside it.
fn tree_of_one_run(dir: &Path) -> Vec<String> {
    let mut t = tree(dir);
    t.retain(|p| p == "out" || p.starts_with("out/"));
    t
}

/// `kill -9` at random moments of `decide --in-place`: the registry is always the old one or
/// the new one, byte for byte, never cut and never without an old event.
#[cfg(unix)]
#[test]
fn a_killed_decide_in_place_leaves_the_old_registry_or_the_new_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let titles = repo().join("fixtures/titles");
    let original = std::fs::read(titles.join("registry.yaml")).expect("registry");
    let registry = dir.path().join("registry.yaml");
    let decide = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kaohe"));
        c.current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .args(["decide", "-q", "--in-place", "--policy"])
            .arg(repo().join("indicators/sz-policy.yaml"))
            .arg("--registry")
            .arg(&registry)
            .arg("--scorecard")
            .arg(titles.join("scorecards/2015.json"))
            .arg("--history");
        for y in 2010..2015 {
            c.arg(titles.join(format!("scorecards/{y}.json")));
        }
        c
    };
    std::fs::write(&registry, &original).expect("copy");
    let started = std::time::Instant::now();
    assert!(decide().status().expect("decide").success());
    let whole = started.elapsed();
    let new = std::fs::read(&registry).expect("new registry");
    assert!(new.starts_with(&original) && new.len() > original.len());
    let brief = std::fs::read(dir.path().join("out/decisions.csv")).expect("brief");
    let finished = tree(dir.path());
    assert_eq!(
        finished
            .iter()
            .filter(|p| !p.starts_with("out"))
            .collect::<Vec<_>>(),
        ["registry.yaml"],
        "nothing but the registry beside it"
    );
    let verify = || {
        Command::new(env!("CARGO_BIN_EXE_kaohe"))
            .current_dir(dir.path())
            .args(["verify", "out"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("verify")
            .code()
    };
    let (seed, delays) = random_delays(10, whole * 2);
    for ms in delays {
        std::fs::write(&registry, &original).expect("copy");
        let _ = std::fs::remove_dir_all(dir.path().join("out"));
        let mut child = decide().spawn().expect("spawn");
        std::thread::sleep(ms);
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(&registry).expect("registry");
        assert!(
            now == original || now == new,
            "seed {seed}: killed after {ms:?}: the registry is neither the old nor the new one"
        );
        // The next run finishes what the killed one committed (or decides anew): the
        // registry and its brief are published together, and nothing is left over.
        let again = decide().status().expect("decide").code();
        assert!(
            again == Some(0) || again == Some(65),
            "seed {seed}: {again:?}"
        );
        assert_eq!(
            std::fs::read(&registry).expect("registry"),
            new,
            "seed {seed}"
        );
        assert_eq!(
            std::fs::read(dir.path().join("out/decisions.csv")).ok(),
            Some(brief.clone()),
            "seed {seed}: killed after {ms:?}: the brief of the registry's decisions is missing"
        );
        assert_eq!(verify(), Some(0), "seed {seed}: killed after {ms:?}");
        assert_eq!(
            tree(dir.path()),
            finished,
            "seed {seed}: killed after {ms:?}"
        );
    }
}

/// The base set with its text changed by `edit`.
fn base_set_with(edit: impl Fn(String) -> String) -> Vec<u8> {
    let text = std::fs::read_to_string(repo().join("fixtures/invalid/base/set.yaml")).expect("set");
    edit(text).into_bytes()
}

/// An overflow while scoring is a located error naming the unit, the item or line and the
/// value, exit 65 and nothing written — never a zero, never full marks, never a panic: a step
/// count beyond 28 digits, a total plus bonus beyond them, a mean over huge values (computed
/// without overflowing).
#[test]
fn an_overflow_while_scoring_is_a_located_error_and_nothing_is_written() {
    let deduct_above = base_set_with(|t| {
        t.replace(
            "rule: { deduct_below: { target: 95, per: 0.1, points: 0.3 } }",
            "rule: { deduct_above: { target: 95, per: 0.1, points: 0.3 } }",
        )
    });
    let huge_bonus = base_set_with(|t| {
        t.replace(
            "scale: 100",
            "scale: 70000000000000000000000000000\ncombine: { weighted: { business: 1 } }",
        )
        .replace(
            "grades:",
            "bonus:\n  cap: 70000000000000000000000000000\n  items:\n    - { id: X1, name: 加分, max: 70000000000000000000000000000, line: business, value: has_plan, rule: { binary: { is: true } }, text: 加分 }\ngrades:",
        )
    });
    let csv = |births: &str, policy: &str| {
        format!(
            "id,name,births,policy_births,has_plan,rate\nfutian,福田区,{births},{policy},是,95\n"
        )
    };
    for (name, set, ev) in [
        (
            "overflow_steps",
            deduct_above,
            csv("100", "79000000000000000000000000000"),
        ),
        ("overflow_total_and_bonus", huge_bonus, csv("100", "96")),
    ] {
        let run = Kaohe::new()
            .with_file("set.yaml", &set)
            .with_file("ev.csv", ev.as_bytes())
            .args(["assess", "-q", "-s", "set.yaml", "ev.csv", "-o", "out"])
            .run();
        assert_eq!(run.code, 65, "{name}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert!(!run.dir.join("out").exists(), "{name}: nothing is written");
        insta::assert_snapshot!(name, run.stderr);
    }
    // A mean over values whose sum overflows is still computed (each value divided first).
    let mean = base_set_with(|t| {
        t.replace(
            "value: rate\n",
            "value: \"all_mean.births / 1000000000000000000000000000\"\n",
        )
    });
    let run = Kaohe::new()
        .with_file("set.yaml", &mean)
        .with_file(
            "ev.csv",
            b"id,name,births,policy_births,has_plan,rate\na,\xe7\x94\xb2,50000000000000000000000000000,99,\xe6\x98\xaf,95\nb,\xe4\xb9\x99,50000000000000000000000000000,99,\xe6\x98\xaf,95\n",
        )
        .args(["assess", "-q", "-s", "set.yaml", "ev.csv", "-o", "out"])
        .run();
    run.success();
}

/// A cell of more than 1 MiB is a located error (row and column), exit 65, nothing written.
#[test]
fn a_field_larger_than_the_limit_is_a_located_error() {
    let big = "名".repeat((1 << 20) / 3 + 10);
    let run = Kaohe::new()
        .with_file("ev.csv", base_csv("futian", &big).as_bytes())
        .args(["assess", "-q", "-s"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .args(["ev.csv", "-o", "out"])
        .run();
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert!(!run.dir.join("out").exists());
    insta::assert_snapshot!("field_too_large", run.stderr);
}
