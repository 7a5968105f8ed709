//! The edit–run loop (issue 14 §1): `kaohe init` writes a project folder; in it the default runs
//! read the files on disk, elsewhere the built-in copy; the first stderr line says which, and the
//! scorecard stamps the name and hash of what was scored.

use crate::support::repo;
use std::path::Path;
use std::process::Command;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run the real binary in `dir`.
fn kaohe(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kaohe");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(o: &Out) {
    assert_eq!(o.code, 0, "stdout:\n{}\nstderr:\n{}", o.stdout, o.stderr);
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

fn sha256(bytes: &[u8]) -> String {
    kaohe::load::content_hash(bytes)
}

/// A fresh project made by `kaohe init` in a temporary folder.
fn project() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let o = kaohe(tmp.path(), &["init", "proj"]);
    ok(&o);
    assert!(o.stdout.contains("cd proj && kaohe assess"), "{}", o.stdout);
    let dir = tmp.path().join("proj");
    (tmp, dir)
}

fn scorecard(dir: &Path) -> serde_json::Value {
    let bytes = std::fs::read(dir.join("out/scorecard.json")).expect("scorecard.json");
    serde_json::from_slice(&bytes).expect("json")
}

fn grades(card: &serde_json::Value) -> Vec<(String, String)> {
    card["units"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap_or_default().to_string(),
                u["grade"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const SET: &str = "indicators/sz-district.yaml";

#[test]
fn init_writes_every_shipped_file_and_a_readme() {
    let (_tmp, dir) = project();
    for (path, text) in kaohe::cli::shipped::all() {
        let on_disk = std::fs::read_to_string(dir.join(path)).unwrap_or_default();
        assert_eq!(on_disk, text, "{path}");
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("README.md");
    for needle in [
        SET,
        "kaohe assess",
        "kaohe check",
        "kaohe decide",
        "使用内置默认指标体系",
        &kaohe::cli::shipped::assess_command(),
        &kaohe::cli::shipped::decide_command(),
    ] {
        assert!(readme.contains(needle), "README.md lacks {needle}");
    }
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let (tmp, dir) = project();
    let before = std::fs::read(dir.join(SET)).expect("set");
    std::fs::write(dir.join(SET), b"edited").expect("edit");
    let again = kaohe(tmp.path(), &["init", "proj"]);
    assert_eq!(again.code, 65, "{}", again.stderr);
    assert!(
        again.stderr.contains("proj is not empty"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read(dir.join(SET)).expect("set"), b"edited");
    std::fs::write(tmp.path().join("file"), b"x").expect("file");
    let onto_file = kaohe(tmp.path(), &["init", "file"]);
    assert_eq!(onto_file.code, 65, "{}", onto_file.stderr);
    // An empty folder is fine, and so is the default name.
    std::fs::create_dir(tmp.path().join("empty")).expect("mkdir");
    ok(&kaohe(tmp.path(), &["init", "empty"]));
    assert_eq!(
        std::fs::read(tmp.path().join("empty").join(SET)).expect("set"),
        before
    );
    ok(&kaohe(tmp.path(), &["init"]));
    assert!(tmp.path().join("kaohe-project").join(SET).is_file());
}

#[cfg(unix)]
#[test]
fn init_in_the_current_empty_folder_keeps_that_folder() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("here");
    std::fs::create_dir(&dir).expect("mkdir");
    let inode = std::fs::metadata(&dir).expect("meta").ino();
    ok(&kaohe(&dir, &["init", "."]));
    // The same folder (a shell inside it sees the files), holding the whole project.
    assert_eq!(std::fs::metadata(&dir).expect("meta").ino(), inode);
    for (path, text) in kaohe::cli::shipped::all() {
        assert_eq!(
            std::fs::read_to_string(dir.join(path)).unwrap_or_default(),
            text,
            "{path}"
        );
    }
    assert!(dir.join("README.md").is_file());
    // And it runs.
    ok(&kaohe(&dir, &["assess", "-q"]));
    assert!(dir.join("out/scorecard.json").is_file());
}

#[test]
fn in_a_project_the_default_run_reads_the_files_and_says_so() {
    let (_tmp, dir) = project();
    let run = kaohe(&dir, &["assess"]);
    ok(&run);
    let files = kaohe::cli::shipped::assess_paths().join("、");
    assert_eq!(first_line(&run.stderr), format!("读取 {files}"));
    let card = scorecard(&dir);
    assert_eq!(card["indicator_set"]["file"], SET);
    let set = std::fs::read(dir.join(SET)).expect("set");
    assert_eq!(card["indicator_set"]["hash"], sha256(&set));
    // -q keeps stderr quiet; every other default command says what it reads first.
    let quiet = kaohe(&dir, &["assess", "-q"]);
    ok(&quiet);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    for args in [
        &["check"][..],
        &["explain", "yantian", "--format", "json"],
        &["self-assess", "pingshan", "--no-html"],
        &["template", "-o", "t.xlsx"],
        &["handbook", "-o", "hb"],
        &["lint"],
        &["decide", "-o", "dec"],
    ] {
        let o = kaohe(&dir, args);
        ok(&o);
        assert!(
            first_line(&o.stderr).starts_with("读取 indicators/"),
            "kaohe {args:?}: {}",
            o.stderr
        );
    }
    // stdout stays clean JSON.
    let json = kaohe(&dir, &["explain", "yantian", "--format", "json"]);
    serde_json::from_str::<serde_json::Value>(&json.stdout).expect("explain JSON on stdout");
}

#[test]
fn raising_the_minimum_of_excellent_changes_the_grades() {
    let (_tmp, dir) = project();
    ok(&kaohe(&dir, &["assess", "-q"]));
    let before = grades(&scorecard(&dir));
    assert!(
        before.contains(&("nanshan".into(), "优秀".into())),
        "{before:?}"
    );
    let text = std::fs::read_to_string(dir.join(SET)).expect("set");
    let edited = text.replace("{ label: 优秀, min: 900 }", "{ label: 优秀, min: 950 }");
    assert_ne!(
        edited, text,
        "the shipped set's grade line changed: update this test"
    );
    std::fs::write(dir.join(SET), &edited).expect("edit");
    ok(&kaohe(&dir, &["assess", "-q"]));
    let card = scorecard(&dir);
    let after = grades(&card);
    assert_ne!(before, after);
    assert!(
        after.contains(&("nanshan".into(), "良好".into())),
        "{after:?}"
    );
    assert!(
        after.contains(&("futian".into(), "优秀".into())),
        "{after:?}"
    );
    assert_eq!(card["indicator_set"]["hash"], sha256(edited.as_bytes()));
}

#[test]
fn invalid_yaml_in_the_project_fails_check() {
    let (_tmp, dir) = project();
    ok(&kaohe(&dir, &["check"]));
    let mut text = std::fs::read_to_string(dir.join(SET)).expect("set");
    text.push_str("\ngrades: [unclosed\n");
    std::fs::write(dir.join(SET), &text).expect("edit");
    let check = kaohe(&dir, &["check"]);
    assert_eq!(check.code, 65, "{}\n{}", check.stdout, check.stderr);
    assert!(
        first_line(&check.stderr).starts_with("读取 "),
        "{}",
        check.stderr
    );
    assert!(
        check.stderr.contains(&format!("{SET}:")),
        "the error names the file: {}",
        check.stderr
    );
    assert!(!check.stdout.contains("ok:"), "{}", check.stdout);
    let assess = kaohe(&dir, &["assess", "-q"]);
    assert_eq!(assess.code, 65, "{}", assess.stderr);
    assert!(
        !dir.join("out").exists(),
        "nothing is written on invalid input"
    );
}

#[test]
fn a_project_without_the_other_files_is_an_error_not_the_built_in_copy() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(tmp.path().join("indicators")).expect("mkdir");
    std::fs::copy(repo().join(SET), tmp.path().join(SET)).expect("copy");
    let check = kaohe(tmp.path(), &["check"]);
    assert_eq!(check.code, 65, "{}", check.stderr);
    assert!(
        first_line(&check.stderr).starts_with("读取 "),
        "{}",
        check.stderr
    );
    assert!(
        check.stderr.contains("fixtures/shenzhen/evidence.yaml"),
        "{}",
        check.stderr
    );
}

#[test]
fn outside_a_project_the_built_in_copy_runs_and_says_so() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let run = kaohe(tmp.path(), &["assess"]);
    ok(&run);
    assert!(
        first_line(&run.stderr).starts_with("使用内置默认指标体系"),
        "{}",
        run.stderr
    );
    let card = scorecard(tmp.path());
    assert_eq!(
        card["indicator_set"]["file"],
        "(内置) indicators/sz-district.yaml"
    );
    // The built-in copy is the repository's file this binary was built from.
    let set = std::fs::read(repo().join(SET)).expect("set");
    assert_eq!(card["indicator_set"]["hash"], sha256(&set));
    let decide = kaohe(tmp.path(), &["decide"]);
    ok(&decide);
    assert!(
        first_line(&decide.stderr).starts_with("使用内置默认指标体系"),
        "{}",
        decide.stderr
    );
    // The decision brief names the scorecard it decided on: the built-in copy, said so.
    let brief = std::fs::read_to_string(tmp.path().join("out/decisions.html")).unwrap_or_default();
    assert!(
        brief.contains("(内置) fixtures/titles/scorecards/2015.json"),
        "the brief must name the built-in scorecard"
    );
    for args in [&["check"][..], &["lint"]] {
        let o = kaohe(tmp.path(), args);
        ok(&o);
        assert!(
            first_line(&o.stderr).starts_with("使用内置默认指标体系"),
            "kaohe {args:?}: {}",
            o.stderr
        );
    }
}

/// The command the READMEs show does exactly what the default run does.
#[test]
fn the_explicit_command_is_the_default_run() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let command = kaohe::cli::shipped::assess_command();
    assert!(readme.contains(&command), "README.md must show `{command}`");
    let (_tmp, dir) = project();
    ok(&kaohe(&dir, &["assess", "-q", "-o", "default"]));
    let words: Vec<&str> = command.split_whitespace().skip(1).collect();
    let mut args = words.clone();
    args.extend(["-q", "-o", "explicit"]);
    ok(&kaohe(&dir, &args));
    for f in [
        "scorecard.json",
        "scorecard.csv",
        "sz-street/scorecard.json",
    ] {
        let a = std::fs::read(dir.join("default").join(f)).expect("default");
        let b = std::fs::read(dir.join("explicit").join(f)).expect("explicit");
        assert!(
            a == b,
            "{f} differs between the default run and `{command}`"
        );
    }
}

/// The same for `kaohe decide`: the command the project README shows decides exactly as the
/// default does.
#[test]
fn the_explicit_decide_command_is_the_default_decision() {
    let (_tmp, dir) = project();
    ok(&kaohe(&dir, &["decide", "-q", "-o", "default"]));
    let command = kaohe::cli::shipped::decide_command();
    let mut args: Vec<&str> = command.split_whitespace().skip(1).collect();
    args.extend(["-q", "-o", "explicit"]);
    ok(&kaohe(&dir, &args));
    for f in [
        "decisions.csv",
        "plan.csv",
        "registry.yaml",
        "decisions.html",
    ] {
        let a = std::fs::read(dir.join("default").join(f)).expect("default");
        let b = std::fs::read(dir.join("explicit").join(f)).expect("explicit");
        assert!(
            a == b,
            "{f} differs between the default decision and `{command}`"
        );
    }
}

/// Evidence named without a set: the project's set (not the built-in copy) scores it.
#[test]
fn evidence_without_a_set_uses_the_projects_set() {
    let (_tmp, dir) = project();
    let text = std::fs::read_to_string(dir.join(SET)).expect("set");
    let edited = text.replace("{ label: 优秀, min: 900 }", "{ label: 优秀, min: 950 }");
    std::fs::write(dir.join(SET), &edited).expect("edit");
    let run = kaohe(&dir, &["assess", "fixtures/shenzhen/evidence.yaml"]);
    ok(&run);
    assert_eq!(first_line(&run.stderr), format!("读取 {SET}"));
    let card = scorecard(&dir);
    assert_eq!(card["indicator_set"]["file"], SET);
    assert_eq!(card["indicator_set"]["hash"], sha256(edited.as_bytes()));
}
