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
