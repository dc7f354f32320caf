//! Native timing of the lint and its reference; prints one JSON line (microseconds per run).

use std::time::Instant;

use herald_lint_bench::{draft_chars, lint_runs, scan_runs};

fn per_run_us(f: fn(u32) -> u32, runs: u32) -> f64 {
    f(runs / 10 + 1);
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        std::hint::black_box(f(runs));
        best = best.min(t.elapsed().as_secs_f64() * 1e6 / f64::from(runs));
    }
    best
}

fn main() {
    let runs = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    println!(
        "{{\"chars\":{},\"warnings\":{},\"lint_us\":{:.2},\"scan_us\":{:.2}}}",
        draft_chars(),
        lint_runs(1),
        per_run_us(lint_runs, runs),
        per_run_us(scan_runs, runs)
    );
}
