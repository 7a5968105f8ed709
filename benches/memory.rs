//! Benchmark: bytes per unit of a scored result held in memory (the `Assessment` the engine
//! returns), measured with a counting allocator over the shipped default set replicated to
//! N units (default 20,000). Run: `cargo bench --bench memory [-- N]`. Prints figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let (set, ev) = kaohe::cli::load_inputs(&kaohe::cli::InputArgs {
        set: None,
        evidence: vec![],
    })
    .expect("the shipped default loads");
    let big = kaohe::bench::replicate(&set, &ev, n);
    let before = LIVE.load(Ordering::Relaxed);
    let a = kaohe::engine::assess(&set, &big).expect("scores");
    let after = LIVE.load(Ordering::Relaxed);
    let per_unit = (after - before) as f64 / n as f64;
    println!(
        "kaohe {} · set {} ({} indicators, {} vetoes) · {} units",
        env!("CARGO_PKG_VERSION"),
        set.id,
        set.indicators.len(),
        set.vetoes.len(),
        a.units.len()
    );
    println!("result in memory: {per_unit:.0} bytes per unit (heap, live after scoring)");
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
