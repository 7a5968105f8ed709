//! Benchmark: bytes per unit of a scored result held in memory (the `Assessment` the engine
//! returns), measured as the growth of resident memory (VmRSS) over the shipped default set replicated to
//! N units (default 20,000). Run: `cargo bench --bench memory [-- N]`. Prints figures.

/// Resident memory of this process in bytes (Linux `/proc/self/status`, `VmRSS`).
fn rss() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<i64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let (set, ev) = kaohe::cli::load_inputs(&kaohe::cli::InputArgs {
        set: None,
        evidence: vec![],
        encoding: Default::default(),
    })
    .expect("the shipped default loads");
    let big = kaohe::bench::replicate(&set, &ev, n);
    let before = rss();
    let a = kaohe::engine::assess(&set, &big).expect("scores");
    let after = rss();
    let per_unit = (after - before) as f64 / n as f64;
    println!(
        "kaohe {} · set {} ({} indicators, {} vetoes) · {} units",
        env!("CARGO_PKG_VERSION"),
        set.id,
        set.indicators.len(),
        set.vetoes.len(),
        a.units.len()
    );
    println!(
        "result in memory: {per_unit:.0} bytes per unit (growth of resident memory while scoring)"
    );
    // Rendering every unit's text (what writing the JSON does) must not be kept.
    let t = std::time::Instant::now();
    let mut bytes = 0usize;
    for u in &a.units {
        bytes += serde_json::to_string(u).map_or(0, |s| s.len());
    }
    println!(
        "rendered JSON: {:.0} bytes per unit, {:.3} s for all units",
        bytes as f64 / n as f64,
        t.elapsed().as_secs_f64()
    );
}
