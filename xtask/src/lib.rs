//! Helpers shared by `cargo xtask` and the runtime tests: the workspace layout, pinned tools, the
//! build of the widget and the worker, a local worker in workerd (wrangler dev) on a free port, the
//! provider sink, and a small WebDriver client for Debian's headless Chromium.

pub mod dist;
pub mod fuzz;
pub mod local;
pub mod sink;
pub mod tools;
pub mod webdriver;

use std::path::{Path, PathBuf};
use std::process::Command;

pub type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

/// The workspace root.
/// The value after `--name` among a command's arguments, parsed; `None` when absent or unparsable.
pub fn option<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the root")
        .to_path_buf()
}

/// Runs a command to completion, failing with its command line when it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", show(cmd));
    let status = cmd.status().map_err(|e| format!("{}: {e}", show(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed with {status}", show(cmd)).into())
    }
}

/// Runs a command and returns its standard output, or `None` when it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Polls `probe` until it returns `Some`, or panics with `what` after `limit`.
#[track_caller]
pub fn eventually<T>(
    what: &str,
    limit: std::time::Duration,
    mut probe: impl FnMut() -> Option<T>,
) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        if start.elapsed() > limit {
            panic!("timed out after {limit:?} waiting for {what}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
