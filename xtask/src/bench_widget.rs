//! Widget timing in headless Chromium, against the same worker as the other benchmarks: time from
//! navigation to the widget's `herald:render` mark on the demo page during an incident, cold
//! (browser cache cleared before each load) and warm (median of many loads), against the page's own
//! `load` event; cold, side by side in the same run with a reference widget in plain JavaScript
//! (same page, same `banner.json`, title and text into a shadow root); main-thread long tasks; and
//! the requests a quiet day costs. Also the console's time to interactive.

use std::fs;
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

use xtask::local::{free_port, LocalWorker, Options};
use xtask::tools::{cargo_bin, has_version, Tools};
use xtask::webdriver::Browser;
use xtask::{dist, eventually, local, output, root, run as run_cmd, Result};

pub struct WidgetTiming {
    pub runs: usize,
    /// Cold loads (cache cleared before each): Herald's widget and the plain-JS reference,
    /// alternating.
    pub cold_median_ms: f64,
    pub reference_cold_median_ms: f64,
    pub render_median_ms: f64,
    pub render_first_ms: f64,
    pub load_median_ms: f64,
    /// Main-thread long tasks on Herald's loads (cold and warm), and on the reference's.
    pub long_tasks: LongTasks,
    pub reference_long_tasks: LongTasks,
    pub quiet_banner_requests: u64,
    pub quiet_wasm_requests: u64,
    /// Where a cold load's time goes (medians, ms from navigation): `banner.json` answered, the
    /// glue and the wasm both downloaded, the banner rendered.
    pub cold_banner_json_ms: f64,
    pub cold_assets_ms: f64,
    /// When the long tasks of Herald's cold loads began, in ms after `banner.json` was answered.
    pub long_task_starts: Vec<f64>,
}

/// Main-thread tasks over 50 ms seen by the page's `longtask` observer.
#[derive(Default, Clone, Copy)]
pub struct LongTasks {
    pub count: usize,
    pub longest_ms: f64,
}

impl LongTasks {
    fn add(&mut self, durations: Vec<f64>) {
        for d in durations {
            self.count += 1;
            self.longest_ms = self.longest_ms.max(d);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The plain-JavaScript reference widget: what the least a banner can cost looks like. It fetches
/// the same `banner.json` as Herald's loader (no cache, no credentials) and renders the item's
/// title and text into a shadow root, then sets the same User Timing mark.
const REFERENCE_JS: &str = r#"(function (d) {
  fetch("/v1/pages/demo/banner.json", { cache: "no-cache", credentials: "omit" })
    .then(function (r) { return r.json(); })
    .then(function (b) {
      if (!b.item) return;
      var h = d.createElement("herald-reference"), s = h.attachShadow({ mode: "open" });
      var t = d.createElement("strong"), p = d.createElement("p");
      t.textContent = b.item.title;
      p.textContent = b.item.body;
      s.append(t, p);
      d.body.prepend(h);
      performance.mark("herald:render");
    });
})(document);
"#;

/// The reference's page: the demo page with the reference's script in place of Herald's loader.
const REFERENCE_PAGE: &str = "bench-reference.html";

/// Writes the reference widget's page and script next to the demo page (in `dist/www`, before the
/// worker starts); `remove_reference` takes them away again.
pub fn write_reference() -> Result<()> {
    let www = crate::dist::www_dir();
    let demo = std::fs::read_to_string(www.join("index.html"))?;
    let start = demo
        .find("<script src=\"/widget.js\"")
        .ok_or("no loader in the demo page")?;
    let end = start + demo[start..].find("</script>").ok_or("no loader end")? + "</script>".len();
    let page = format!(
        "{}<script src=\"/bench-reference.js\" async></script>{}",
        &demo[..start],
        &demo[end..]
    );
    std::fs::write(www.join(REFERENCE_PAGE), page)?;
    std::fs::write(www.join("bench-reference.js"), REFERENCE_JS)?;
    Ok(())
}

pub fn remove_reference() {
    let www = crate::dist::www_dir();
    let _ = std::fs::remove_file(www.join(REFERENCE_PAGE));
    let _ = std::fs::remove_file(www.join("bench-reference.js"));
}

/// On a cold load of Herald's page: when `banner.json` was answered, and when the glue and the wasm were
/// both in (ms from navigation).
const STEPS: &str = "const h = performance.getEntriesByType('resource'); \
    const end = (s) => h.filter(e => e.name.includes(s)).map(e => e.responseEnd); \
    const b = end('banner.json'), a = end('/w/herald_widget'); \
    return [b.length ? Math.min(...b) : null, a.length == 2 ? Math.max(...a) : null];";

/// Records long tasks from the very start of every document.
const LONG_TASK_PROBE: &str = "window.__heraldLongTasks = []; window.__heraldLongTaskStarts = []; try { new PerformanceObserver(function (l) { l.getEntries().forEach(function (e) { window.__heraldLongTasks.push(e.duration); window.__heraldLongTaskStarts.push(e.startTime); }); }).observe({ type: 'longtask', buffered: true }); } catch (e) {}";

pub fn run(base: &str, key: &str, dir: &std::path::Path, runs: usize) -> Result<WidgetTiming> {
    local::seed_page(base, key, "demo", local::DEMO_PAGE)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let open = json!({"title": "Checkout errors for some cards", "impact": "major",
        "body": "Some card payments fail at checkout. Retrying usually works; we are rolling back a change.",
        "components": ["payments"]});
    let mut resp = agent
        .post(format!("{base}/v1/admin/pages/demo/incidents"))
        .header("authorization", format!("Bearer {key}"))
        .send(open.to_string())?;
    let id = resp.body_mut().read_json::<Value>()?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let browser = Browser::start(dir)?;
    browser.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": LONG_TASK_PROBE }),
    );
    let render_mark = || {
        eventually("the widget's render mark", Duration::from_secs(20), || {
            browser
                .eval("const m = performance.getEntriesByName('herald:render')[0]; return m ? m.startTime : null;", vec![])
                .as_f64()
        })
    };
    let long_tasks_now = || {
        browser
            .eval("return window.__heraldLongTasks || [];", vec![])
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect::<Vec<_>>()
    };
    let (mut long_tasks, mut reference_long_tasks) = (LongTasks::default(), LongTasks::default());
    // Cold: nothing cached (HTTP cache, and with it the compiled wasm, cleared before each load),
    // Herald and the reference alternating so that both see the same machine.
    let (mut cold, mut reference) = (Vec::new(), Vec::new());
    let (mut banner_json, mut assets) = (Vec::new(), Vec::new());
    let mut long_task_starts = Vec::new();
    for i in 0..runs {
        for (url, into, tasks, herald) in [
            (
                format!("{base}/?cold={i}"),
                &mut cold,
                &mut long_tasks,
                true,
            ),
            (
                format!("{base}/{REFERENCE_PAGE}?cold={i}"),
                &mut reference,
                &mut reference_long_tasks,
                false,
            ),
        ] {
            browser.cdp("Network.clearBrowserCache", json!({}));
            browser.goto(&url);
            into.push(render_mark());
            tasks.add(long_tasks_now());
            let steps = browser.eval(STEPS, vec![]);
            if let (true, Some(b), Some(a)) = (herald, steps[0].as_f64(), steps[1].as_f64()) {
                banner_json.push(b);
                assets.push(a);
                let starts = browser.eval("return window.__heraldLongTaskStarts || [];", vec![]);
                for start in starts
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_f64)
                {
                    long_task_starts.push(start - b);
                }
            }
        }
    }
    let (mut render, mut load) = (Vec::new(), Vec::new());
    for i in 0..=runs {
        browser.goto(&format!("{base}/?run={i}"));
        let t = render_mark();
        let l = eventually("the load event", Duration::from_secs(20), || {
            browser
                .eval("const n = performance.getEntriesByType('navigation')[0]; return n && n.loadEventEnd > 0 ? n.loadEventEnd : null;", vec![])
                .as_f64()
        });
        long_tasks.add(long_tasks_now());
        render.push(t);
        load.push(l);
    }
    let render_first_ms = render[0];
    // The first load fills the HTTP cache; the median is over the repeat visits.
    let timing_render = median(render[1..].to_vec());
    let timing_load = median(load[1..].to_vec());

    // A quiet day: resolve, reload, and count what the page asked for after the loader.
    agent
        .post(format!("{base}/v1/admin/pages/demo/incidents/{id}/updates"))
        .header("authorization", format!("Bearer {key}"))
        .send(json!({"status": "resolved", "body": "Checkout works again."}).to_string())?;
    std::thread::sleep(Duration::from_millis(1500));
    browser.goto(&format!("{base}/?quiet=1"));
    std::thread::sleep(Duration::from_millis(1500));
    let count = |needle: &str| {
        browser
            .eval("return performance.getEntriesByType('resource').filter(e => e.name.includes(arguments[0])).length;", vec![json!(needle)])
            .as_u64()
            .unwrap_or(0)
    };
    Ok(WidgetTiming {
        runs,
        cold_median_ms: median(cold),
        reference_cold_median_ms: median(reference),
        render_median_ms: timing_render,
        render_first_ms,
        load_median_ms: timing_load,
        long_tasks,
        reference_long_tasks,
        quiet_banner_requests: count("banner.json"),
        quiet_wasm_requests: count(".wasm"),
        cold_banner_json_ms: median(banner_json),
        cold_assets_ms: median(assets),
        long_task_starts,
    })
}

/// The console's time from navigation to interactive (its `herald:console-interactive` mark, set
/// once the sign-in screen is mounted): the first load in a fresh browser profile (nothing cached),
/// then the median of `runs` repeat loads.
pub fn console_interactive(base: &str, dir: &std::path::Path, runs: usize) -> Result<(f64, f64)> {
    let profile = dir.join("console");
    let _ = std::fs::remove_dir_all(&profile);
    let browser = Browser::start(&profile)?;
    let mut times = Vec::new();
    for i in 0..=runs {
        browser.goto(&format!("{base}/console/?run={i}"));
        let t = eventually(
            "the console's interactive mark",
            Duration::from_secs(20),
            || {
                browser
                .eval("const m = performance.getEntriesByName('herald:console-interactive')[0]; return m ? m.startTime : null;", vec![])
                .as_f64()
            },
        );
        times.push(t);
    }
    Ok((times[0], median(times[1..].to_vec())))
}

/// `cargo xtask bench widget [--widget-runs N]`: the incident-day widget alone. Its bytes (raw, gzip
/// and brotli of the glue and the wasm, and the loader), the ten largest items of the same wasm by
/// twiggy (a copy that keeps its function names), and its timing in headless Chromium (above).
/// Results also go to target/bench/widget.json.
pub fn bench(args: &[String]) -> Result<()> {
    let runs = xtask::option(args, "--widget-runs").unwrap_or(20);
    let dir = root().join("target/bench");
    fs::create_dir_all(&dir)?;
    let (glue, wasm) = dist::widget_files("herald_widget").ok_or("the widget is not built")?;
    let loader = dist::www_dir().join("widget.js");
    let mut sizes = Vec::new();
    println!("\n## The widget's bytes\n\n| file | raw | gzip | brotli |\n|---|---:|---:|---:|");
    for (name, path) in [
        ("loader (widget.js)", &loader),
        ("glue (w/herald_widget.<hash>.js)", &glue),
        ("wasm (w/herald_widget.<hash>.wasm)", &wasm),
    ] {
        let data = fs::read(path)?;
        let row = (
            data.len(),
            crate::bench::gzip_len(&data)?,
            crate::bench::brotli_len(&data)?,
        );
        println!("| {name} | {} | {} | {} |", row.0, row.1, row.2);
        sizes.push((name, row));
    }
    let total = |i: fn(&(usize, usize, usize)) -> usize| i(&sizes[1].1) + i(&sizes[2].1);
    let (raw, gz, br) = (total(|r| r.0), total(|r| r.1), total(|r| r.2));
    println!(
        "| incident day: glue + wasm | {raw} | {gz} | {br} (budget 100,000; {:.1}% of it) |",
        br as f64 / 1000.0
    );

    let top = twiggy_top(fs::metadata(&wasm)?.len())?;
    println!("\n## The ten largest items of the wasm (twiggy top, names kept, same optimisation)\n\n| bytes | % | item |\n|---:|---:|---|");
    for (bytes, percent, name) in &top {
        println!("| {bytes} | {percent:.2} | `{name}` |");
    }

    write_reference()?;
    let key = "bench-key".to_owned();
    let herald = LocalWorker::start(Options {
        port: free_port(),
        persist_to: dir.join("widget-state"),
        admin_key: key.clone(),
        poll_secs: None,
        log: Some(dir.join("widget-herald.log")),
        vars: vec![],
    });
    let w = herald.and_then(|h| {
        let w = run(&h.url(), &key, &dir, runs);
        drop(h);
        w
    });
    remove_reference();
    let w = w?;
    let ratio = w.cold_median_ms / w.reference_cold_median_ms;
    println!(
        "\n## Time to banner (headless Chromium, demo page on localhost, {runs} loads each)\n\n\
         | | Herald | plain-JS reference | Herald / reference |\n|---|---:|---:|---:|\n\
         | cold, nothing cached (median) | {:.0} ms | {:.0} ms | {ratio:.2} (budget 1.3; median budget 150 ms) |\n\
         | warm, repeat visits (median) | {:.0} ms (first load {:.0} ms) | | |\n\n\
         - a cold load, step by step (medians from navigation): `banner.json` answered at {:.0} ms, \
         glue and wasm both in at {:.0} ms, banner rendered at {:.0} ms\n\
         - long tasks (over 50 ms) on Herald's loads: {} (longest {:.0} ms); on the reference's: {} (longest {:.0} ms)\n\
         - quiet day, after the loader: {} banner.json request(s), {} wasm request(s)\n\
         - long tasks of cold loads began, after `banner.json` was answered, at: {:.0?} ms",
        w.cold_median_ms,
        w.reference_cold_median_ms,
        w.render_median_ms,
        w.render_first_ms,
        w.cold_banner_json_ms,
        w.cold_assets_ms,
        w.cold_median_ms,
        w.long_tasks.count,
        w.long_tasks.longest_ms,
        w.reference_long_tasks.count,
        w.reference_long_tasks.longest_ms,
        w.quiet_banner_requests,
        w.quiet_wasm_requests,
        w.long_task_starts
    );
    let report = json!({
        "bytes": sizes.iter().map(|(n, (r, g, b))| json!({"file": n, "raw": r, "gzip": g, "brotli": b})).collect::<Vec<_>>(),
        "incident_day": {"raw": raw, "gzip": gz, "brotli": br},
        "twiggy_top": top.iter().map(|(b, p, n)| json!({"bytes": b, "percent": p, "item": n})).collect::<Vec<_>>(),
        "cold_median_ms": w.cold_median_ms, "reference_cold_median_ms": w.reference_cold_median_ms,
        "ratio_cold_to_reference": ratio, "warm_median_ms": w.render_median_ms,
        "cold_banner_json_ms": w.cold_banner_json_ms, "cold_assets_ms": w.cold_assets_ms,
        "long_tasks": w.long_tasks.count, "longest_task_ms": w.long_tasks.longest_ms,
        "reference_long_tasks": w.reference_long_tasks.count,
        "quiet_banner_requests": w.quiet_banner_requests, "quiet_wasm_requests": w.quiet_wasm_requests,
    });
    fs::write(
        dir.join("widget.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!("\nwritten to {}", dir.join("widget.json").display());
    Ok(())
}

/// The ten largest items of the released wasm, rebuilt with its names: (bytes, percent of the
/// served wasm's `served` bytes, name). The name section is not served, so it is left out.
fn twiggy_top(served: u64) -> Result<Vec<(u64, f64, String)>> {
    let version = Tools::load()?.twiggy;
    let twiggy = cargo_bin("twiggy");
    if !has_version(&twiggy, &version) {
        run_cmd(Command::new("cargo").args([
            "install",
            "twiggy",
            "--version",
            &version,
            "--locked",
        ]))?;
    }
    let named = dist::widget_with_names()?;
    let json = output(
        Command::new(&twiggy)
            .args(["top", "-n", "12", "-f", "json"])
            .arg(&named),
    )
    .ok_or("twiggy failed")?;
    let items: Vec<Value> = serde_json::from_str(&json)?;
    Ok(items
        .iter()
        .filter_map(|i| Some((i["shallow_size"].as_u64()?, i["name"].as_str()?)))
        .filter(|(_, name)| !name.contains("subsection") && !name.starts_with("..."))
        .take(10)
        .map(|(bytes, name)| (bytes, bytes as f64 * 100.0 / served as f64, short(name)))
        .collect())
}

/// A symbol readable in a table: crate hashes (`[0123abcd…]`) dropped, and generic arguments
/// nested deeper than two levels shown as `…`.
fn short(name: &str) -> String {
    let (mut out, mut depth, mut hash) = (String::new(), 0, false);
    for c in name.chars() {
        match c {
            '[' => hash = true,
            ']' if hash => hash = false,
            _ if hash => {}
            '<' => {
                depth += 1;
                if depth <= 2 {
                    out.push(c);
                } else if depth == 3 {
                    out.push('…');
                }
            }
            '>' => {
                if depth <= 2 {
                    out.push(c);
                }
                depth -= 1;
            }
            _ if depth <= 2 => out.push(c),
            _ => {}
        }
    }
    out
}
