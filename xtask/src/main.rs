//! `cargo xtask`: the project's commands. `dev` runs Herald locally, `test` runs every test tier
//! (what CI runs), `setup` installs the pinned tools, `dist` builds, `bench` measures.

mod bench;
mod bench_fanout;
mod bench_lint;
mod bench_live;
mod bench_widget;

use std::process::Command;

use xtask::local::{self, LocalWorker, Options};
use xtask::tools::{self, WASM_TARGET};
use xtask::{dist, root, run, Result};

const USAGE: &str = "usage: cargo xtask <command>

  dev     build and run Herald locally on http://127.0.0.1:8787 (demo page, seeded page `demo`)
  test    run every test: lints, unit tests, the widget in headless Chromium, the worker in workerd
  setup   install the pinned tools that are missing (wasm target, wasm-bindgen, worker-build, npm, Debian)
  dist    build the widget, the console and the worker into dist/www and edge/build
  bench   measure the edge and the widget against references run in the same session
          (`bench fanout [--subscribers N]`: one incident to N subscribers, default 100000;
          `bench lint [--runs N]`: the wording lint on a 2,000-character draft, natively and in wasm;
          `bench live [--sockets N]`: one update to N live sockets and to N polling readers, default 2000;
          `bench widget [--widget-runs N] [--no-build]`: the widget's bytes, its twiggy top 10, cold and warm time to banner)
  fuzz    [TARGET] [--seconds N]: fuzz the parsers of outside input (default: every target, 60 s each)";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => tools::setup(),
        Some("dist") => tools::setup().and_then(|()| dist::all()),
        Some("dev") => dev(),
        Some("test") => test(),
        Some("bench") if args.get(1).map(String::as_str) == Some("fanout") => tools::setup()
            .and_then(|()| dist::all())
            .and_then(|()| bench_fanout::run(&args[2..])),
        Some("bench") if args.get(1).map(String::as_str) == Some("live") => tools::setup()
            .and_then(|()| dist::all())
            .and_then(|()| bench_live::run(&args[2..])),
        Some("bench") if args.get(1).map(String::as_str) == Some("widget") => tools::setup()
            .and_then(|()| {
                // `--no-build`: measure what `cargo xtask dist` built last.
                if args.iter().any(|a| a == "--no-build") {
                    Ok(())
                } else {
                    dist::all()
                }
            })
            .and_then(|()| bench_widget::bench(&args[2..])),
        Some("bench") if args.get(1).map(String::as_str) == Some("lint") => {
            tools::setup().and_then(|()| bench_lint::run(&args[2..]))
        }
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("xtask: {e}");
        std::process::exit(1);
    }
}

fn dev() -> Result<()> {
    tools::setup()?;
    dist::all()?;
    let port: u16 = std::env::var("HERALD_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8787);
    let key = local::dev_admin_key();
    let sink = xtask::sink::Sink::start(0)?;
    let mut worker = LocalWorker::start(Options {
        port,
        persist_to: root().join(".wrangler/state"),
        admin_key: key.clone(),
        poll_secs: Some(5),
        log: None,
        vars: local::sink_vars(&sink.url(), 5),
    })?;
    local::seed_page(&worker.url(), &key, "demo", local::DEMO_PAGE)?;
    let url = worker.url();
    let sink_url = sink.url();
    println!(
        "
Herald is running (workerd, local storage in .wrangler/state):

  demo product page    {url}/
  console              {url}/console/   (sign in with page `demo` and the development key)
  banner JSON          {url}/v1/pages/demo/banner.json
  development admin key  {key}   (HERALD_DEV_ADMIN_KEY overrides it; never a production secret)

Open an incident and watch the demo page's banner appear:

  curl -X POST {url}/v1/admin/pages/demo/incidents \\
    -H 'authorization: Bearer {key}' -H 'content-type: application/json' \\
    -d '{{\"title\":\"Elevated API error rates\",\"impact\":\"major\",\"body\":\"Some API requests fail. We are investigating.\",\"components\":[\"api\"]}}'

Resolve it with POST {url}/v1/admin/pages/demo/incidents/<id>/updates and {{\"status\":\"resolved\",\"body\":\"...\"}}.

Subscribe, then open the confirmation email in the development outbox and click its link:

  curl -X POST {url}/v1/pages/demo/subscriptions -H 'content-type: application/json' \
    -d '{{\"email\":\"you@example.com\"}}'
  outbox                {url}/_dev/outbox   (the local email sink: {sink_url}/messages)

The next incident arrives in the outbox too.
Press Ctrl-C to stop.
"
    );
    worker.wait()
}

fn fuzz(args: &[String]) -> Result<()> {
    tools::setup()?;
    let seconds = xtask::option(args, "--seconds").unwrap_or(60);
    let chosen: Vec<&str> = match args.first().filter(|a| !a.starts_with("--")) {
        Some(t) => vec![t.as_str()],
        None => xtask::fuzz::TARGETS.to_vec(),
    };
    xtask::fuzz::run_targets(&chosen, seconds)
}

fn cargo(args: &[&str]) -> Result<()> {
    run(Command::new("cargo").args(args).current_dir(root()))
}

fn test() -> Result<()> {
    tools::setup()?;
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--exclude",
        "herald-widget",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&[
        "clippy",
        "-p",
        "herald-edge",
        "-p",
        "herald-widget",
        "-p",
        "herald-console",
        "--target",
        WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&[
        "test",
        "-p",
        "herald-shared",
        "-p",
        "herald-edge",
        "-p",
        "herald-console",
        "-p",
        "xtask",
    ])?;
    // Every fuzz target briefly over its seed corpus; `cargo xtask fuzz` runs them longer.
    xtask::fuzz::run_targets(xtask::fuzz::TARGETS, 10)?;
    run(Command::new("cargo")
        .args(["test", "-p", "herald-widget", "--target", WASM_TARGET])
        .current_dir(root())
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            tools::cargo_bin("wasm-bindgen-test-runner"),
        )
        .env("CHROMEDRIVER", tools::chromedriver())
        .env("WASM_BINDGEN_TEST_TIMEOUT", "60"))?;
    dist::all()?;
    run(Command::new("cargo")
        .args(["test", "-p", "herald-tests", "--", "--browser"])
        .current_dir(root()))
}
