//! Benchmark (issue 15): `kaohe robustness` replications over synthetic units with weight and
//! evidence uncertainty (the shipped district set with `fixtures/robustness/uncertainty.yaml`).
//!
//! Run: `cargo bench --bench robustness` (10,000 units × 1,000 replications) or
//! `cargo bench --bench robustness -- UNITS REPLICATIONS`. Prints figures; asserts nothing.
//! The inspection plan is timed separately (`KAOHE_BENCH_PLAN=200` replications per pair).

use kaohe::robustness::{Options, prepare, replicate, summarise};
use std::time::Instant;

fn main() {
    let nums: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = nums.first().copied().unwrap_or(10_000) as usize;
    let reps = nums.get(1).copied().unwrap_or(1_000) as u32;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(root.join("indicators/sz-district.yaml")).expect("set");
    text.push_str(
        &std::fs::read_to_string(root.join("fixtures/robustness/uncertainty.yaml")).expect("block"),
    );
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("sz-district-uncertain.yaml");
    std::fs::write(&path, text).expect("write");
    let (set, ev) = kaohe::cli::load_inputs(&kaohe::cli::InputArgs {
        set: Some(path),
        evidence: vec![root.join("fixtures/shenzhen/evidence.yaml")],
        encoding: Default::default(),
    })
    .expect("loads");
    let big = kaohe::bench::replicate(&set, &ev, n);
    let base = kaohe::engine::assess(&set, &big).expect("scores");
    println!(
        "kaohe {} · {} units × {} replications · {} threads · set {} ({} indicators, {} vetoes, {} uncertainty declarations, weights ±{})",
        env!("CARGO_PKG_VERSION"),
        n,
        reps,
        rayon::current_num_threads(),
        set.id,
        set.indicators.len(),
        set.vetoes.len(),
        set.uncertainty.fields.len(),
        set.uncertainty
            .weights
            .map(|w| w.relative)
            .unwrap_or_default(),
    );
    let opts = Options {
        replications: reps,
        seed: 1,
        lang: kaohe::lang::Lang::Zh,
    };
    let t = Instant::now();
    let p = prepare(&set, &big, &[], &[], &base).expect("prepares");
    let t_prep = t.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let r = replicate(&set, &big, &p, opts, false).expect("replicates");
    let t_rep = t2.elapsed().as_secs_f64();
    let t3 = Instant::now();
    let s = summarise(&set, &base, &r);
    let t_sum = t3.elapsed().as_secs_f64();
    let total = t.elapsed().as_secs_f64();
    let fragile = s.iter().filter(|u| u.p_pass_flips > 0.0).count();
    println!(
        "replications:  prepare {t_prep:.2} s · replicate + rank {t_rep:.2} s · summarise {t_sum:.2} s · total {total:.2} s ({:.0} unit-replications/s); {fragile} units may flip pass/fail",
        n as f64 * f64::from(reps) / total
    );
    println!("digest of every draw and rank: {:016x}", digest(&r));
    if let Some(k) = std::env::var("KAOHE_BENCH_PLAN")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        let t4 = Instant::now();
        let plan = kaohe::robustness::plan_only(&set, &big, &p, &base, &s, 1, k);
        println!(
            "inspection plan: {} replications per (unit, figure): {:.2} s, {} pairs",
            k,
            t4.elapsed().as_secs_f64(),
            plan.len()
        );
    }
}

/// FNV-1a over every unit's draws and ranks: two builds that print the same digest gave the
/// same figures (a change of speed must not change it).
fn digest(r: &kaohe::robustness::Replications) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |x: u64| {
        for b in x.to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (draws, ranks) in r.draws.iter().zip(&r.ranks) {
        for d in draws {
            eat(d.score.to_bits());
            eat(d.total.to_bits());
            eat(u64::from(d.grade) | (u64::from(d.vetoed) << 8) | (u64::from(d.ranked) << 9));
            eat(d.fired);
        }
        for &k in ranks {
            eat(u64::from(k));
        }
    }
    h
}
