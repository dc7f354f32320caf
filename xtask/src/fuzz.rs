//! Fuzzing the parsers of outside input in `shared` (targets in shared/fuzz) with cargo-fuzz on the
//! pinned nightly toolchain. New inputs go to a scratch corpus under target/, never into the
//! committed seed corpus; crashes are written under target/fuzz-artifacts.

use std::fs;
use std::process::Command;

use crate::{root, run, Result};

pub const TARGETS: &[&str] = &[
    "addresses",
    "audience_token",
    "statuspage_json",
    "text",
    "wire_json",
];

/// Runs each of `targets` for `seconds` over its seed corpus.
pub fn run_targets(targets: &[&str], seconds: u32) -> Result<()> {
    let fuzz_dir = root().join("shared/fuzz");
    for target in targets {
        let scratch = root().join("target/fuzz-corpus").join(target);
        let artifacts = root().join("target/fuzz-artifacts").join(target);
        fs::create_dir_all(&scratch)?;
        fs::create_dir_all(&artifacts)?;
        run(Command::new("cargo")
            .arg(crate::tools::nightly()?)
            .args(["fuzz", "run", "--fuzz-dir"])
            .arg(&fuzz_dir)
            .arg(target)
            .arg(&scratch)
            .arg(fuzz_dir.join("corpus").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg("-print_final_stats=1")
            .current_dir(root().join("shared")))?;
    }
    Ok(())
}
