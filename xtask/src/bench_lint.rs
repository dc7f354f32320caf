//! `cargo xtask bench lint [--runs N]`: the wording lint on a 2,000-character draft, natively and
//! compiled to wasm32 in node (the browser's engine), each next to a reference run in the same
//! process: lowercasing the draft and counting 40 phrases in it, what a phrase-list lint costs.
//! Both builds use the release profile the console ships with. Results also go to
//! target/bench/lint.json.

use std::fs;
use std::process::Command;

use serde_json::{json, Value};
use xtask::tools::{cargo_bin, WASM_TARGET};
use xtask::{output, root, run as run_cmd, Result};

/// Times `lint_runs` and `scan_runs` of the wasm module in node: best of five, microseconds per run.
const NODE_SCRIPT: &str = r#"
const m = require(process.argv[1]);
const runs = Number(process.argv[2]);
const time = (f) => {
  f(Math.ceil(runs / 10));
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    f(runs);
    best = Math.min(best, (performance.now() - t) * 1000 / runs);
  }
  return best;
};
console.log(JSON.stringify({
  chars: m.draft_chars(),
  warnings: m.lint_runs(1),
  lint_us: time(m.lint_runs),
  scan_us: time(m.scan_runs),
}));
"#;

pub fn run(args: &[String]) -> Result<()> {
    let runs: u32 = xtask::option(args, "--runs").unwrap_or(1000);
    let dir = root().join("target/bench");
    fs::create_dir_all(&dir)?;

    eprintln!("$ cargo run --release -p herald-lint-bench -- {runs}");
    let native = output(
        Command::new("cargo")
            .args(["run", "--release", "-q", "-p", "herald-lint-bench", "--"])
            .arg(runs.to_string())
            .current_dir(root()),
    )
    .ok_or("the native lint bench failed")?;
    let native: Value = serde_json::from_str(native.trim())?;

    run_cmd(
        Command::new("cargo")
            .args([
                "build",
                "--release",
                "--lib",
                "-p",
                "herald-lint-bench",
                "--target",
                WASM_TARGET,
            ])
            .current_dir(root()),
    )?;
    let wasm = root().join(format!(
        "target/{WASM_TARGET}/release/herald_lint_bench.wasm"
    ));
    let out = dir.join("lint-wasm");
    run_cmd(
        Command::new(cargo_bin("wasm-bindgen"))
            .args(["--target", "nodejs", "--no-typescript", "--out-dir"])
            .arg(&out)
            .arg(&wasm),
    )?;
    let module = out.join("herald_lint_bench.js");
    eprintln!("$ node (lint_runs, scan_runs of {})", module.display());
    let in_wasm = output(
        Command::new("node")
            .arg("-e")
            .arg(NODE_SCRIPT)
            .arg(&module)
            .arg(runs.to_string()),
    )
    .ok_or("the wasm lint bench failed in node")?;
    let in_wasm: Value = serde_json::from_str(in_wasm.trim())?;

    let us = |v: &Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    println!(
        "\n## The wording lint on a {}-character draft ({} warnings), {runs} runs, best of 5\n",
        native["chars"], native["warnings"]
    );
    println!(
        "| build | lint (µs/run) | reference: lowercase + 40 phrase counts (µs/run) | ratio |"
    );
    println!("|---|---:|---:|---:|");
    for (name, v) in [("native", &native), ("wasm32 in node", &in_wasm)] {
        println!(
            "| {name} | {:.0} | {:.0} | {:.1}x |",
            us(v, "lint_us"),
            us(v, "scan_us"),
            us(v, "lint_us") / us(v, "scan_us")
        );
    }
    let results = json!({"runs": runs, "native": native, "wasm": in_wasm});
    fs::write(
        dir.join("lint.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    Ok(())
}
