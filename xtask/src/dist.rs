//! Builds what the worker serves: the widget (cargo -> wasm-bindgen -> wasm-opt, then glue and wasm
//! under content-hashed names in `dist/www/w/`, which the loader names), the console (the same
//! chain, into `dist/www/console/`) and the static files into `dist/www`, and the worker itself
//! (worker-build, with the pinned local tools so that nothing is downloaded).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::tools::{cargo_bin, node_bin, WASM_TARGET};
use crate::{root, run, Result};

/// Where the worker's static assets are assembled (matches `[assets]` in edge/wrangler.toml).
pub fn www_dir() -> PathBuf {
    root().join("dist/www")
}

/// The widget's builds, as the loader names them.
pub const WIDGET_BUILDS: [&str; 2] = ["herald_widget", "herald_widget_sp"];

/// Where the widget's glue and wasm are served from, under content-hashed names
/// (`herald_widget.<hash>.js`, `herald_widget.<hash>.wasm`) that `www/_headers` caches for a year as
/// immutable: a returning visitor downloads them again only when they changed.
pub fn widget_dir() -> PathBuf {
    www_dir().join("w")
}

/// The hashed stem of a widget build (`herald_widget.1a2b3c4d5e6f`), if it is built.
pub fn widget_stem(name: &str) -> Option<String> {
    let prefix = format!("{name}.");
    fs::read_dir(widget_dir())
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".wasm").map(str::to_owned))
        .find(|stem| {
            stem.strip_prefix(&prefix)
                .is_some_and(|hash| !hash.contains('.'))
        })
}

/// The glue and wasm of a built widget.
pub fn widget_files(name: &str) -> Option<(PathBuf, PathBuf)> {
    let stem = widget_stem(name)?;
    let dir = widget_dir();
    Some((
        dir.join(format!("{stem}.js")),
        dir.join(format!("{stem}.wasm")),
    ))
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
    // Only the current hashes: stale files would be served on and on.
    let _ = fs::remove_dir_all(widget_dir());
    build_widget("herald_widget", &[], &root().join("target/widget"))?;
    build_widget(
        "herald_widget_sp",
        &["--features", "statuspage"],
        &root().join("target/widget-sp"),
    )
}

/// How a wasm is compiled.
#[derive(Clone, Copy, PartialEq)]
pub enum Build {
    /// The stable toolchain's release profile (the console).
    Stable,
    /// Smallest: the pinned nightly, `panic = "immediate-abort"`, the standard library rebuilt with
    /// `optimize_for_size` and no panic locations (the widget, which every visitor downloads on an
    /// incident day). A panic traps at once: no message is formatted and no hook runs; the loader
    /// turns the trap into its one console warning.
    Smallest,
}

/// `cargo build --release` of `package` for wasm32, as `build` says; answers the wasm's path.
pub fn cargo_wasm(
    package: &str,
    crate_name: &str,
    features: &[&str],
    target_dir: &Path,
    build: Build,
) -> Result<PathBuf> {
    let mut cargo = Command::new("cargo");
    if build == Build::Smallest {
        cargo
            .arg(crate::tools::nightly()?)
            .args([
                "build",
                "-Zpanic-immediate-abort",
                "-Zbuild-std=std,panic_abort",
                "-Zbuild-std-features=optimize_for_size",
                "--config",
                "profile.release.panic=\"immediate-abort\"",
            ])
            .env("RUSTFLAGS", "-Zlocation-detail=none");
    } else {
        cargo.arg("build");
    }
    run(cargo
        .args(["--release", "-p", package, "--target", WASM_TARGET])
        .args(features)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(root()))?;
    Ok(target_dir
        .join(WASM_TARGET)
        .join(format!("release/{crate_name}.wasm")))
}

/// Builds `package` for wasm32 (release), writes its wasm-bindgen glue and wasm as `name` into
/// `out`, and shrinks the wasm with wasm-opt; answers the wasm's path.
fn wasm_for_web(
    package: &str,
    crate_name: &str,
    features: &[&str],
    target_dir: &Path,
    out: &Path,
    name: &str,
    build: Build,
) -> Result<PathBuf> {
    let wasm = cargo_wasm(package, crate_name, features, target_dir, build)?;
    bindgen_and_shrink(&wasm, out, name, false)
}

/// wasm-bindgen's glue and wasm for `wasm` as `name` in `out`, the wasm shrunk by wasm-opt; with
/// `keep_names`, the function names stay (for twiggy) and the code is otherwise the same.
fn bindgen_and_shrink(wasm: &Path, out: &Path, name: &str, keep_names: bool) -> Result<PathBuf> {
    let mut bindgen = Command::new(cargo_bin("wasm-bindgen"));
    bindgen.args(["--target", "web", "--no-typescript"]);
    if !keep_names {
        bindgen.args(["--remove-name-section", "--remove-producers-section"]);
    }
    run(bindgen
        .arg("--out-dir")
        .arg(out)
        .args(["--out-name", name])
        .arg(wasm))?;
    let bg = out.join(format!("{name}_bg.wasm"));
    let mut opt = Command::new(node_bin("wasm-opt"));
    // `--converge` repeats the passes while they still shrink the module.
    opt.args(["-Oz", "--converge"]).args(WASM_FEATURES);
    if keep_names {
        opt.arg("--debuginfo");
    }
    run(opt.arg(&bg).arg("-o").arg(&bg))?;
    Ok(bg)
}

/// The released widget's wasm again, with its function names (`target/widget-named`), for twiggy.
/// Call after `widget()`: the compiled module is reused.
pub fn widget_with_names() -> Result<PathBuf> {
    let target_dir = root().join("target/widget");
    let wasm = cargo_wasm(
        "herald-widget",
        "herald_widget",
        &[],
        &target_dir,
        Build::Smallest,
    )?;
    let out = root().join("target/widget-named");
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out)?;
    bindgen_and_shrink(&wasm, &out, "herald_widget", true)
}

fn build_widget(name: &str, features: &[&str], target_dir: &Path) -> Result<()> {
    let out = target_dir.join("widget-out").join(name);
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out)?;
    let bg = wasm_for_web(
        "herald-widget",
        "herald_widget",
        features,
        target_dir,
        &out,
        name,
        Build::Smallest,
    )?;
    // The glue, minified (it is half the size, and a quarter smaller over the wire).
    let min = out.join(format!("{name}.min.js"));
    run(Command::new(node_bin("esbuild"))
        .arg(out.join(format!("{name}.js")))
        .args([
            "--minify",
            "--format=esm",
            "--target=es2020",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", min.display())))?;
    // The loader passes the wasm's response to the glue's init, so the glue names no wasm file; a
    // snippet directory would be imported relative to the glue and travels with it.
    let glue = fs::read(&min)?;
    let wasm = fs::read(&bg)?;
    let hash = Sha256::new()
        .chain_update(&glue)
        .chain_update(&wasm)
        .finalize();
    let hex: String = hash[..6].iter().map(|b| format!("{b:02x}")).collect();
    let dir = widget_dir();
    fs::create_dir_all(&dir)?;
    fs::write(dir.join(format!("{name}.{hex}.js")), glue)?;
    fs::write(dir.join(format!("{name}.{hex}.wasm")), wasm)?;
    if out.join("snippets").exists() {
        copy_dir(&out.join("snippets"), &dir.join("snippets"))?;
    }
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
    wasm_for_web(
        "herald-console",
        "herald_console",
        &[],
        &root().join("target"),
        &out,
        "herald_console",
        Build::Stable,
    )?;
    copy_dir(&root().join("console/static"), &out)
}

/// Copies `www/` and writes the current widget hashes into the loader (`@@herald_widget@@` and
/// `@@herald_widget_sp@@` become the hashed stems).
pub fn static_files() -> Result<()> {
    copy_dir(&root().join("www"), &www_dir())?;
    let loader = www_dir().join("widget.js");
    let mut text = fs::read_to_string(&loader)?;
    for name in WIDGET_BUILDS {
        let stem = widget_stem(name).ok_or_else(|| format!("{name} is not built"))?;
        text = text.replace(&format!("@@{name}@@"), &stem);
    }
    fs::write(loader, text)?;
    Ok(())
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
