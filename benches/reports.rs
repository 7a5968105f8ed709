//! Rendering speed of the unit reports: `cargo bench --bench reports`.
//!
//! Renders 10,000 unit reports (synthetic copies of the shipped default's eight districts) in
//! parallel and prints the time, in milliseconds per 10,000 reports.

use kaohe::cli::{InputArgs, load_inputs};
use kaohe::report::{Lang, bench_unit_reports};

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let (set, ev) = load_inputs(&InputArgs {
        set: None,
        evidence: vec![],
        encoding: Default::default(),
    })
    .expect("the shipped default loads");
    let a = kaohe::engine::assess(&set, &ev).expect("the shipped default scores");
    // Warm up: compile the templates and fault in the allocator.
    bench_unit_reports(&a, 64, Lang::Zh).expect("reports render");
    let r = bench_unit_reports(&a, n, Lang::Zh).expect("reports render");
    println!(
        "unit reports: {} in {:.1} ms ({:.1} ms per 10,000; {:.1} MB of HTML, {} threads)",
        r.reports,
        r.elapsed.as_secs_f64() * 1000.0,
        r.ms_per_10k(),
        r.bytes as f64 / 1e6,
        rayon::current_num_threads()
    );
}
