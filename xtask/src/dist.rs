//! Builds what the worker serves: the widget and the console (cargo -> wasm-bindgen -> wasm-opt)
//! and the static files into `dist/www`, and the worker itself (worker-build, with the pinned local tools so that
//! nothing is downloaded).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::{cargo_bin, node_bin, WASM_TARGET};
use crate::{root, run, Result};

/// Where the worker's static assets are assembled (matches `[assets]` in edge/wrangler.toml).
pub fn www_dir() -> PathBuf {
    root().join("dist/www")
}

/// wasm features rustc emits for the target by default; wasm-opt must accept them.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Builds the widget twice: `herald_widget` reads Herald's own format (what almost every embed
/// loads), `herald_widget_sp` also reads Statuspage v2 sources. The second build has its own
/// target directory so that switching features does not rebuild the first.
pub fn widget() -> Result<()> {
    build_widget("herald_widget", &[], &root().join("target"))?;
    build_widget(
        "herald_widget_sp",
        &["--features", "statuspage"],
        &root().join("target/widget-sp"),
    )
}

fn build_widget(name: &str, features: &[&str], target_dir: &Path) -> Result<()> {
    let out = www_dir();
    fs::create_dir_all(&out)?;
    run(Command::new("cargo")
        .args([
            "build",
            "--release",
            "-p",
            "herald-widget",
            "--target",
            WASM_TARGET,
        ])
        .args(features)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(root()))?;
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("release/herald_widget.wasm");
    run(Command::new(cargo_bin("wasm-bindgen"))
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--remove-name-section",
            "--remove-producers-section",
        ])
        .arg("--out-dir")
        .arg(&out)
        .args(["--out-name", name])
        .arg(&wasm))?;
    let bg = out.join(format!("{name}_bg.wasm"));
    run(Command::new(node_bin("wasm-opt"))
        .arg("-Oz")
        .args(WASM_FEATURES)
        .arg(&bg)
        .arg("-o")
        .arg(&bg))?;
    Ok(())
}

/// Where the console is assembled: served at `/console/` (its `index.html`, glue, wasm, CSS).
pub fn console_dir() -> PathBuf {
    www_dir().join("console")
}

/// Builds the console (Leptos, CSR) like the widget, next to its static shell from `console/static`.
pub fn console() -> Result<()> {
    let out = console_dir();
    fs::create_dir_all(&out)?;
    let target_dir = root().join("target");
    run(Command::new("cargo")
        .args([
            "build",
            "--release",
            "-p",
            "herald-console",
            "--target",
            WASM_TARGET,
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(root()))?;
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("release/herald_console.wasm");
    run(Command::new(cargo_bin("wasm-bindgen"))
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--remove-name-section",
            "--remove-producers-section",
        ])
        .arg("--out-dir")
        .arg(&out)
        .args(["--out-name", "herald_console"])
        .arg(&wasm))?;
    let bg = out.join("herald_console_bg.wasm");
    run(Command::new(node_bin("wasm-opt"))
        .arg("-Oz")
        .args(WASM_FEATURES)
        .arg(&bg)
        .arg("-o")
        .arg(&bg))?;
    copy_dir(&root().join("console/static"), &out)
}

pub fn static_files() -> Result<()> {
    copy_dir(&root().join("www"), &www_dir())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

pub fn worker() -> Result<()> {
    run(Command::new(cargo_bin("worker-build"))
        .arg("--release")
        .current_dir(root().join("edge"))
        .env("WASM_BINDGEN_BIN", cargo_bin("wasm-bindgen"))
        .env("WASM_OPT_BIN", node_bin("wasm-opt"))
        .env("ESBUILD_BIN", node_bin("esbuild")))
}

/// Everything the local worker needs.
pub fn all() -> Result<()> {
    widget()?;
    console()?;
    static_files()?;
    worker()
}
