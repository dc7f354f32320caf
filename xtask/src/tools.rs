//! Pinned tools, read from `[workspace.metadata.herald.tools]` in the root Cargo.toml, and an
//! idempotent setup that installs only what is missing or at the wrong version.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use serde::Deserialize;

use crate::{output, root, run, Result};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

#[derive(Debug, Deserialize)]
pub struct Tools {
    #[serde(rename = "wasm-bindgen-cli")]
    pub wasm_bindgen: String,
    #[serde(rename = "worker-build")]
    pub worker_build: String,
    #[serde(rename = "cargo-fuzz")]
    pub cargo_fuzz: String,
    /// The pinned nightly toolchain (with `rust-src`): the widget's release build and fuzzing.
    pub nightly: String,
    /// Only `cargo xtask bench widget` uses it, and installs it then.
    pub twiggy: String,
    pub debian: Vec<String>,
}

#[derive(Deserialize)]
struct Manifest {
    workspace: Workspace,
}
#[derive(Deserialize)]
struct Workspace {
    metadata: Metadata,
}
#[derive(Deserialize)]
struct Metadata {
    herald: Herald,
}
#[derive(Deserialize)]
struct Herald {
    tools: Tools,
}

impl Tools {
    pub fn load() -> Result<Tools> {
        let text = fs::read_to_string(root().join("Cargo.toml"))?;
        let manifest: Manifest = toml::from_str(&text)?;
        Ok(manifest.workspace.metadata.herald.tools)
    }
}

/// `+<pinned nightly>`, for `cargo`.
pub fn nightly() -> Result<String> {
    Ok(format!("+{}", Tools::load()?.nightly))
}

pub fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join("bin").join(name)
}

pub fn node_bin(name: &str) -> PathBuf {
    root().join("node_modules/.bin").join(name)
}

pub fn chromedriver() -> PathBuf {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

pub fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Whether `bin --version` names exactly `version` (as its last word: tools print "name 1.2.3" or "1.2.3").
pub fn has_version(bin: &PathBuf, version: &str) -> bool {
    output(Command::new(bin).arg("--version"))
        .is_some_and(|v| v.split_whitespace().last() == Some(version))
}

/// Installs whatever is missing. Cheap when everything is in place.
pub fn setup() -> Result<()> {
    let tools = Tools::load()?;
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    if !has_version(&cargo_bin("wasm-bindgen"), &tools.wasm_bindgen) {
        // Not --locked: the CLI's lock file names a dependency version this registry lacks.
        run(Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &tools.wasm_bindgen,
            "--force",
        ]))?;
    }
    if !has_version(&cargo_bin("worker-build"), &tools.worker_build) {
        run(Command::new("cargo").args([
            "install",
            "worker-build",
            "--version",
            &tools.worker_build,
            "--locked",
            "--force",
        ]))?;
    }
    if !has_version(&cargo_bin("cargo-fuzz"), &tools.cargo_fuzz) {
        run(Command::new("cargo").args([
            "install",
            "cargo-fuzz",
            "--version",
            &tools.cargo_fuzz,
            "--locked",
            "--force",
        ]))?;
    }
    // The pinned nightly with the standard library's source, which the widget's build recompiles.
    let has_nightly = output(Command::new("rustup").args([
        "component",
        "list",
        "--installed",
        "--toolchain",
        &tools.nightly,
    ]))
    .is_some_and(|c| c.lines().any(|l| l.trim() == "rust-src"));
    if !has_nightly {
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            &tools.nightly,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
        ]))?;
    }
    npm_ci()?;
    debian(&tools.debian)?;
    Ok(())
}

/// `npm ci` when node_modules does not match the committed package-lock.json.
fn npm_ci() -> Result<()> {
    let lock = fs::read(root().join("package-lock.json"))?;
    let stamp = root().join("node_modules/.herald-lock");
    if fs::read(&stamp).is_ok_and(|s| s == lock) && node_bin("wrangler").exists() {
        return Ok(());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root()))?;
    fs::write(stamp, lock)?;
    Ok(())
}

fn debian(packages: &[String]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .map(String::as_str)
        .filter(|p| {
            !output(Command::new("dpkg-query").args(["-W", "-f=${Status}", p]))
                .is_some_and(|s| s.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root_user = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if root_user {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q"];
    args.extend(&missing);
    apt(&args)
}
