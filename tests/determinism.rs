//! Byte-identical output whatever the thread count.

use crate::support::Kaohe;

#[test]
fn one_and_two_threads_give_identical_scorecards() {
    let one = Kaohe::new()
        .args(["assess", "-q"])
        .env("RAYON_NUM_THREADS", "1")
        .run();
    let two = Kaohe::new()
        .args(["assess", "-q"])
        .env("RAYON_NUM_THREADS", "2")
        .run();
    one.success();
    two.success();
    assert_eq!(
        one.read("out/scorecard.json"),
        two.read("out/scorecard.json")
    );
    assert_eq!(one.read("out/scorecard.csv"), two.read("out/scorecard.csv"));
}

#[test]
fn large_synthetic_run_is_identical_across_pools() {
    let (set, ev) = kaohe::cli::load_inputs(&kaohe::cli::InputArgs {
        set: None,
        evidence: vec![],
        encoding: Default::default(),
    })
    .expect("default loads");
    let big = kaohe::bench::replicate(&set, &ev, 500);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| kaohe::engine::assess(&set, &big).expect("scores"))
    };
    let a = serde_json::to_vec(&run(1)).expect("json");
    let b = serde_json::to_vec(&run(2)).expect("json");
    assert_eq!(a, b);
}

/// Generated villages (indicators/village.yaml, the CSV fast path read in parallel pieces):
/// every file `assess` writes is the same with one and two threads. At 100,000 villages the
/// same holds (checked by hand, ARCHITECTURE.md#speed).
#[test]
fn generated_villages_are_identical_across_thread_counts() {
    let mut csv = Vec::new();
    kaohe::bench::write_villages(&mut csv, 3_000, 5).expect("generate");
    let run = |threads: &str| {
        let r = Kaohe::new()
            .with_file("v.csv", &csv)
            .args(["assess", "-q", "-s"])
            .repo_arg("indicators/village.yaml")
            .args(["v.csv", "--detail", "full", "--reports", "vetoed"])
            .env("RAYON_NUM_THREADS", threads)
            .run();
        r.success();
        r
    };
    let (one, two) = (run("1"), run("2"));
    for f in [
        "out/scorecard.json",
        "out/scorecard.csv",
        "out/scorecard.xlsx",
        "out/summary.json",
        "out/index.html",
        "out/manifest.json",
    ] {
        assert!(
            one.read(f) == two.read(f),
            "{f} differs between 1 and 2 threads"
        );
    }
}

/// A run of more than 10,000 villages is scored in pieces (`src/stream.rs`): it writes the
/// ranked CSV and summary.json only, the CSV is the one the whole-run path writes (forced with
/// `--detail full`), and one and two threads write the same bytes.
#[test]
fn a_large_run_in_pieces_writes_what_the_whole_run_writes() {
    let mut csv = Vec::new();
    kaohe::bench::write_villages(&mut csv, 10_500, 7).expect("generate");
    let run = |threads: &str, extra: &[&str]| {
        let r = Kaohe::new()
            .with_file("v.csv", &csv)
            .args(["assess", "-s"])
            .repo_arg("indicators/village.yaml")
            .arg("v.csv")
            .args(extra)
            .env("RAYON_NUM_THREADS", threads)
            .run();
        r.success();
        r
    };
    let (one, two) = (run("1", &["-q"]), run("2", &[]));
    let whole = run("2", &["-q", "--detail", "full"]);
    for f in ["out/scorecard.csv", "out/summary.json"] {
        assert!(
            one.read(f) == two.read(f),
            "{f} differs between 1 and 2 threads"
        );
    }
    assert!(one.read("out/scorecard.csv") == whole.read("out/scorecard.csv"));
    let names = |r: &crate::support::Run| {
        let mut v: Vec<String> = std::fs::read_dir(r.dir.join("out"))
            .expect("out")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&one),
        ["manifest.json", "scorecard.csv", "summary.json"]
    );
    assert!(names(&whole).contains(&"scorecard.json".to_string()));
    let s: serde_json::Value = serde_json::from_slice(&one.read("out/summary.json")).expect("json");
    assert_eq!(s["units"], 10_500);
    assert_eq!(s["scorecard_xlsx"], false);
    assert_eq!(s["scorecard_json"], false);
    // Said on stderr, and the summary printed instead of a table of 10,500 rows.
    assert!(two.stderr.contains("分批读取评分"), "{}", two.stderr);
    assert!(
        two.stdout.contains("10,500 个单位") && two.stdout.contains("等次:"),
        "{}",
        two.stdout
    );
    // `--xlsx` asks for the workbook: the whole-run path writes it.
    let x = run("2", &["-q", "--xlsx"]);
    assert!(x.dir.join("out/scorecard.xlsx").is_file());
    assert!(x.read("out/scorecard.csv") == one.read("out/scorecard.csv"));
    // And `kaohe verify` agrees with the manifest of a run in pieces.
    let v = Kaohe::new();
    let out = one.dir.join("out");
    let v = v.args(["verify", &out.display().to_string()]).run();
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
}
