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
