//! Tidy tests: the habits a review would otherwise have to catch. Every module has its `//!` header,
//! the paths the docs name exist, and only `shared` defines JSON shapes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Directories that hold build output, installed tools or runtime state: never read.
const GENERATED: &[&str] = &[
    "target",
    "node_modules",
    "build",
    "pkg",
    "dist",
    ".wrangler",
    ".git",
];

/// The product and tooling crates whose modules need a header (`console` once it exists).
const CRATES: &[&str] = &["shared", "edge", "widget", "tests", "xtask", "console"];

/// Extensions that make a bare name (no `/`) a file name. `.json` is left out: bare `*.json` names in
/// the docs are API documents (`banner.json`, `summary.json`), not files.
const FILE_EXTENSIONS: &[&str] = &[
    "rs", "toml", "lock", "js", "mjs", "css", "html", "md", "sh", "yml", "yaml",
];

/// Every file and directory below `dir`, outside generated directories, relative to the root.
fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if GENERATED.contains(&name.to_string_lossy().as_ref()) {
            continue;
        }
        out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        if path.is_dir() {
            walk(root, &path, out);
        }
    }
}

fn tree() -> Vec<PathBuf> {
    let root = xtask::root();
    let mut all = Vec::new();
    walk(&root, &root, &mut all);
    all
}

fn rust_files_of(crates: &[&str]) -> Vec<PathBuf> {
    tree()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| {
            p.components()
                .next()
                .is_some_and(|c| crates.contains(&c.as_os_str().to_string_lossy().as_ref()))
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(xtask::root().join(path))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_module_starts_with_its_header() {
    let files = rust_files_of(CRATES);
    assert!(files.len() > 50, "the walk found the sources: {files:?}");
    let missing: Vec<String> = files
        .iter()
        .filter(|p| !read(p).starts_with("//!"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these modules lack a `//!` header (one to three lines: what the module is for):\n  {}",
        missing.join("\n  ")
    );
}

/// The spans in backticks of a Markdown document, outside fenced code blocks.
fn code_spans(markdown: &str) -> Vec<String> {
    let mut prose = String::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    // Odd pieces between backticks are the spans; a span may wrap onto the next line.
    prose
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The repository paths among `spans`: names from the root (`edge/src/route.rs`, `www/`), directories
/// (`page_object/`) and file names (`widget.css`, `loader/widget.js`). Not URL paths (`/v1/...`),
/// templates (`{page}`), module paths (`shared::wire`, `routes/dev`), MIME types, or what a build or
/// a run writes (`dist/www`, `target/...`, `.wrangler/state`).
fn repository_paths(spans: &[String], roots: &BTreeSet<String>) -> Vec<String> {
    spans
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && !s.starts_with('/') && !s.starts_with('-'))
        .filter(|s| {
            !s.contains(|c: char| c.is_whitespace() || "{}<>?=*,+:;()|\"'@#$%&!\\".contains(c))
                && !s.contains("...")
        })
        .filter(|s| {
            let first = s.split('/').next().unwrap_or("");
            !GENERATED.contains(&first)
        })
        .filter(|s| {
            let first = s.split('/').next().unwrap_or("");
            let last = s.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            let extension = last.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
            let named_file = !last.starts_with('.') && FILE_EXTENSIONS.contains(&extension);
            let json_with_dir = s.contains('/') && extension == "json";
            (s.contains('/') && roots.contains(first))
                || s.ends_with('/')
                || named_file
                || json_with_dir
        })
        .map(str::to_owned)
        .collect()
}

/// Whether `path` exists from the root, or (for a name relative to a crate or module, like
/// `page_object/` or `loader/widget.js`) is the end of a path in the tree.
fn resolves(path: &str, tree: &[PathBuf], roots: &BTreeSet<String>) -> bool {
    let root = xtask::root();
    let rel = path.trim_end_matches('/');
    if root.join(rel).exists() {
        return true;
    }
    let first = rel.split('/').next().unwrap_or("");
    if roots.contains(first) {
        // Named from the root, so it must be there.
        return false;
    }
    let want: Vec<&str> = rel.split('/').collect();
    tree.iter().any(|p| {
        let have: Vec<String> = p
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        have.len() >= want.len()
            && have[have.len() - want.len()..]
                .iter()
                .zip(&want)
                .all(|(h, w)| h == w)
            && (!path.ends_with('/') || root.join(p).is_dir())
    })
}

/// The names a path from the root starts with: what is at the root, and every workspace member
/// (so that a path into a crate that does not exist yet, or any more, is still checked).
fn roots() -> BTreeSet<String> {
    let root = xtask::root();
    let mut names: BTreeSet<String> = std::fs::read_dir(&root)
        .expect("the root")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !GENERATED.contains(&n.as_str()))
        .collect();
    names.extend(CRATES.iter().map(|c| c.to_string()));
    names
}

#[test]
fn paths_named_in_the_docs_exist() {
    let tree = tree();
    let roots = roots();
    let mut stale = Vec::new();
    let mut checked = 0;
    for doc in ["ARCHITECTURE.md", "README.md"] {
        let spans = code_spans(&read(Path::new(doc)));
        for path in repository_paths(&spans, &roots) {
            checked += 1;
            if !resolves(&path, &tree, &roots) {
                stale.push(format!("{doc}: `{path}`"));
            }
        }
    }
    assert!(checked > 10, "the extraction found the docs' paths");
    assert!(
        stale.is_empty(),
        "these paths named in the docs do not exist:\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn the_path_extraction_takes_paths_and_leaves_prose() {
    let roots: BTreeSet<String> = ["edge", "www", "shared"].map(String::from).into();
    let doc = "See `edge/src/route.rs`, `www/_headers`, `page_object/`, `widget.css`, \
        `loader/widget.js`, `edge/openapi.json` and `console/src/lib.rs`; not `shared::wire`, \
        `routes/dev`, `/v1/pages/{page}/banner.json`, `banner.json`, `application/problem+json`, \
        `dist/www`, `target/bench/results.json`, `.wrangler/state`, `JSON.parse`, `email.bounced`, \
        `cargo xtask dev`, `a/b?token=`.\n```sh\ncat `edge/in-a-fence.rs`\n```\n";
    let spans = code_spans(doc);
    let roots_with_console = roots.iter().cloned().chain(["console".into()]).collect();
    assert_eq!(
        repository_paths(&spans, &roots_with_console),
        [
            "edge/src/route.rs",
            "www/_headers",
            "page_object/",
            "widget.css",
            "loader/widget.js",
            "edge/openapi.json",
            "console/src/lib.rs"
        ]
    );
}

#[test]
fn a_stale_path_does_not_resolve() {
    let tree = tree();
    let roots = roots();
    assert!(resolves("edge/src/route.rs", &tree, &roots));
    assert!(resolves("page_object/", &tree, &roots));
    assert!(!resolves("edge/src/no_such_module.rs", &tree, &roots));
    assert!(
        !resolves("route.rs/", &tree, &roots),
        "a directory named like a file"
    );
    assert!(!resolves("no_such_dir/", &tree, &roots));
}

/// The lines of `source` outside `#[cfg(test)]` items (a `mod tests;` line or a braced item).
fn outside_tests(source: &str) -> Vec<(usize, &str)> {
    let mut kept = Vec::new();
    let mut lines = source.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            kept.push((n + 1, line));
            continue;
        }
        // Skip the item that follows: up to its `;` or its closing brace.
        let mut depth = 0i32;
        for (_, item) in lines.by_ref() {
            depth += item.matches('{').count() as i32 - item.matches('}').count() as i32;
            if depth <= 0 && (item.contains('}') || item.trim_end().ends_with(';')) {
                break;
            }
        }
    }
    kept
}

/// Where `source` derives serde's traits or builds JSON with `json!`, outside test code.
fn json_owners(source: &str) -> Vec<(usize, String)> {
    let kept = outside_tests(source);
    let mut found = Vec::new();
    let mut i = 0;
    while i < kept.len() {
        let (n, line) = kept[i];
        if line.contains("#[derive(") {
            // A derive list may span lines when it is long.
            let mut attr = String::from(line);
            while !attr.contains(")]") && i + 1 < kept.len() {
                i += 1;
                attr.push_str(kept[i].1);
            }
            for t in ["Serialize", "Deserialize"] {
                if attr
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == t)
                {
                    found.push((n, format!("derives {t}")));
                }
            }
        }
        let calls_json = line.match_indices("json!").any(|(at, _)| {
            line[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        });
        if calls_json && !line.trim_start().starts_with("//") {
            found.push((n, "calls json!".into()));
        }
        i += 1;
    }
    found
}

#[test]
fn the_scanner_finds_serde_derives_and_json_calls_outside_tests() {
    let source = "//! x\n#[derive(Debug, serde::Serialize)]\nstruct A;\n#[derive(\n    Clone,\n    Deserialize,\n)]\nstruct B;\nfn f() -> V { serde_json::json!({}) }\nfn g() { not_json!() }\n#[cfg(test)]\nmod tests {\n    #[derive(Serialize)]\n    struct C;\n    fn h() { json!(1); }\n}\n#[derive(Debug)]\nstruct D;\n";
    assert_eq!(
        json_owners(source),
        [
            (2, "derives Serialize".to_owned()),
            (4, "derives Deserialize".to_owned()),
            (9, "calls json!".to_owned()),
        ]
    );
}

#[test]
fn only_shared_defines_json_shapes() {
    // `xtask` and `tests` are tooling, not product code; test files are tests.
    let mut owners = Vec::new();
    for path in rust_files_of(&["edge", "widget", "console"]) {
        let is_test_file = path
            .components()
            .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "tests.rs");
        if is_test_file {
            continue;
        }
        for (line, what) in json_owners(&read(&path)) {
            owners.push(format!("{}:{line}: {what}", path.display()));
        }
    }
    assert!(
        owners.is_empty(),
        "JSON shapes belong to `shared::wire`; these are outside it:\n  {}",
        owners.join("\n  ")
    );
}
